/*
 * callbackcost: the cost of calls from C into an empty Go function.
 *
 * - main, pthread: a call from the main thread and from a pthread that
 *   stays alive (so from Go 1.21 on it keeps its bound M, which the
 *   altstack record after its first call shows). After 1,000 warm-up
 *   calls the call count doubles until one measurement runs for at least
 *   100 ms. Each repetition then times that many calls.
 * - firstcall: the first call of a new pthread, which acquires an M and,
 *   from Go 1.21 on, binds it to the thread.
 * - threadexit, threadexit-c: the time from a thread's return from its
 *   start function to the return of pthread_join. threadexit is a thread
 *   that called Go once, whose M the runtime releases in a pthread key
 *   destructor; threadexit-c is one that did not call Go. The difference
 *   is the M release.
 *
 * Each repetition writes one bench record with nanoseconds per call (or
 * per thread). argv[1] sets the number of repetitions (default 6, the
 * fewest for which benchstat gives a 95% confidence interval) and argv[2]
 * the number of short-lived threads per repetition (default 200).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define MIN_NS 100000000ull

static int reps = 6;
static int threads = 200;

static void emit(const char *kind, int rep, uint64_t n, uint64_t took) {
	lab_emit("{\"rec\":\"bench\",\"kind\":\"%s\",\"rep\":%d,\"iterations\":%llu,\"ns_per_call\":%.1f}",
	         kind, rep, (unsigned long long)n, (double)took / (double)n);
}

static uint64_t time_calls(uint64_t n) {
	uint64_t i, start = lab_now_ns();

	for (i = 0; i < n; i++)
		LabNop();
	return lab_now_ns() - start;
}

static void measure(const char *kind) {
	uint64_t n;
	int rep;

	time_calls(1000);
	for (n = 1000; time_calls(n) < MIN_NS; n *= 2)
		;
	for (rep = 1; rep <= reps; rep++)
		emit(kind, rep, n, time_calls(n));
}

static void *thread_body(void *p) {
	(void)p;
	lab_call("pthread", 0, 0);
	lab_altstack("pthread");
	measure("pthread");
	return NULL;
}

/* Timestamps of one short-lived thread, written by the thread. */
struct short_thread {
	int call_go;
	uint64_t first_call_ns;
	uint64_t returned_at;
};

static void *short_body(void *p) {
	struct short_thread *st = p;

	if (st->call_go) {
		uint64_t start = lab_now_ns();
		LabNop();
		st->first_call_ns = lab_now_ns() - start;
	}
	st->returned_at = lab_now_ns();
	return NULL;
}

/*
 * Runs `threads` sequential short-lived threads and writes the mean first
 * call (when call_go is set) and the mean exit time of one repetition.
 */
static void measure_short(int call_go, const char *exit_kind, int rep) {
	static const struct lab_thread_spec spec = {"short", 0, 0};
	uint64_t first = 0, exits = 0;
	int i, err;

	for (i = 0; i < threads; i++) {
		struct short_thread st = {call_go, 0, 0};
		pthread_t t;
		void *stack;

		err = lab_thread_start(&t, &spec, short_body, &st, &stack);
		if (err != 0)
			lab_die("create thread", err);
		err = pthread_join(t, NULL);
		if (err != 0)
			lab_die("join thread", err);
		exits += lab_now_ns() - st.returned_at;
		first += st.first_call_ns;
	}
	if (call_go)
		emit("firstcall", rep, (uint64_t)threads, first);
	emit(exit_kind, rep, (uint64_t)threads, exits);
}

static int parse_arg(const char *s, const char *what) {
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || v < 1 || v > 100000) {
		fprintf(stderr, "callbackcost: invalid %s %s: want an integer from 1 to 100000\n", what, s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv) {
	static const struct lab_thread_spec spec = {"pthread", 0, 0};
	int rep;

	if (argc > 1)
		reps = parse_arg(argv[1], "repetition count");
	if (argc > 2)
		threads = parse_arg(argv[2], "thread count");

	lab_start("callbackcost");
	lab_call("main", 0, 0);
	lab_altstack("main");
	measure("main");
	lab_thread_run(&spec, thread_body, NULL);
	lab_counters("steady", 1, 1);

	for (rep = 1; rep <= reps; rep++) {
		measure_short(1, "threadexit", rep);
		measure_short(0, "threadexit-c", rep);
	}
	lab_counters("end", 2 * reps * threads, 1);
	lab_end();
	return 0;
}
