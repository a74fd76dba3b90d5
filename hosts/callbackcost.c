/*
 * callbackcost: the cost of a call from C into an empty Go function, from
 * the main thread and from a pthread that stays alive (so from Go 1.21 on
 * it keeps its bound M, which the altstack record after its first call
 * shows). Each measurement doubles its call count until it
 * runs for at least 200 ms, after 1,000 warm-up calls, and writes a bench
 * record with nanoseconds per call.
 */
#include "harness.h"

#define MIN_NS 200000000ull

static void measure(const char *kind) {
	uint64_t n, i, start, took;

	for (i = 0; i < 1000; i++)
		LabNop();
	for (n = 1000;; n *= 2) {
		start = lab_now_ns();
		for (i = 0; i < n; i++)
			LabNop();
		took = lab_now_ns() - start;
		if (took >= MIN_NS)
			break;
	}
	lab_emit("{\"rec\":\"bench\",\"kind\":\"%s\",\"iterations\":%llu,\"ns_per_call\":%.1f}",
	         kind, (unsigned long long)n, (double)took / (double)n);
}

static void *thread_body(void *p) {
	(void)p;
	lab_call("pthread", 0, 0);
	lab_altstack("pthread");
	measure("pthread");
	return NULL;
}

int main(void) {
	static const struct lab_thread_spec spec = {"pthread", 0, 0};

	lab_start("callbackcost");
	lab_call("main", 0, 0);
	lab_altstack("main");
	measure("main");
	lab_thread_run(&spec, thread_body, NULL);
	lab_counters("end", 1, 1);
	lab_end();
	return 0;
}
