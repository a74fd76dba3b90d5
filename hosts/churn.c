/*
 * churn: C threads that call Go once and exit. 1,000 run one after the
 * other, then 20 bursts of 32 run at once, all alive in Go-bound state
 * before any exits. Since Go 1.21 each such thread keeps an extra M until
 * it exits, and a pthread key destructor returns the M; if that fails, Ms
 * grow with the number of threads that came and went. Counters are
 * written before, between and after the phases.
 */
#include "harness.h"

#define SEQUENTIAL 1000
#define BURSTS 20
#define BURST_SIZE 32

static const struct lab_thread_spec default_thread = {"churn", 0, 0};
static pthread_barrier_t burst_barrier;

static void *sequential_body(void *p) {
	(void)p;
	lab_call("churn-sequential", 0, 0);
	return NULL;
}

static void *burst_body(void *p) {
	(void)p;
	lab_call("churn-burst", 0, 0);
	/* Hold the bound M until every thread of the burst has one. */
	pthread_barrier_wait(&burst_barrier);
	return NULL;
}

static void run_thread(void *(*body)(void *), pthread_t *t) {
	void *stack;
	int err = lab_thread_start(t, &default_thread, body, NULL, &stack);
	if (err != 0)
		lab_die("create thread", err);
}

static void join_thread(pthread_t t) {
	int err = pthread_join(t, NULL);
	if (err != 0)
		lab_die("join thread", err);
}

int main(void) {
	pthread_t burst[BURST_SIZE];
	int i, j, err;

	lab_start("churn");
	lab_counters("before", 0, 0);

	for (i = 0; i < SEQUENTIAL; i++) {
		pthread_t t;
		run_thread(sequential_body, &t);
		join_thread(t);
	}
	lab_counters("after-sequential", SEQUENTIAL, 1);

	err = pthread_barrier_init(&burst_barrier, NULL, BURST_SIZE);
	if (err != 0)
		lab_die("pthread_barrier_init", err);
	for (i = 0; i < BURSTS; i++) {
		for (j = 0; j < BURST_SIZE; j++)
			run_thread(burst_body, &burst[j]);
		for (j = 0; j < BURST_SIZE; j++)
			join_thread(burst[j]);
	}
	pthread_barrier_destroy(&burst_barrier);
	lab_counters("after-bursts", BURSTS * BURST_SIZE, BURST_SIZE);

	lab_end();
	return 0;
}
