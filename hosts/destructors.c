/*
 * destructors: Go called from C destructors. The host has two pthread
 * keys, one created before its first call into Go and one after, whose
 * destructors call Go while their thread exits. The C library runs key
 * destructors in an order of its own, and runs them again while any value
 * is still set, so these calls may come before or after Go's own key
 * destructor returned the thread's M. Some threads call Go before they
 * exit, others only from the destructors. At process exit an atexit
 * handler and a __attribute__((destructor)) function call Go too. The
 * destructor function writes the end record, so a host that stops before
 * it has none.
 */
#include "harness.h"

#include <stdlib.h>

#define THREADS 32

static const struct lab_thread_spec spec = {"destructors", 0, 0};

static pthread_key_t key_before, key_after;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int destructor_calls;

static void destructor(void *kind) {
	lab_call(kind, 0, 0);
	pthread_mutex_lock(&count_lock);
	destructor_calls++;
	pthread_mutex_unlock(&count_lock);
}

static void *calls_go_body(void *p) {
	(void)p;
	pthread_setspecific(key_before, "dtor-key-before");
	lab_call("thread", 0, 0);
	pthread_setspecific(key_after, "dtor-key-after");
	return NULL;
}

static void *destructor_only_body(void *p) {
	(void)p;
	pthread_setspecific(key_before, "dtor-only-key-before");
	pthread_setspecific(key_after, "dtor-only-key-after");
	return NULL;
}

static void run_wave(void *(*body)(void *)) {
	pthread_t t[THREADS];
	void *stack;
	int i, err;

	for (i = 0; i < THREADS; i++) {
		err = lab_thread_start(&t[i], &spec, body, NULL, &stack);
		if (err != 0)
			lab_die("create thread", err);
	}
	for (i = 0; i < THREADS; i++) {
		err = pthread_join(t[i], NULL);
		if (err != 0)
			lab_die("join thread", err);
	}
}

static void at_exit(void) {
	lab_call("atexit", 0, 0);
}

__attribute__((destructor)) static void at_fini(void) {
	lab_call("fini", 0, 0);
	lab_end();
}

int main(void) {
	int err;

	lab_start("destructors");
	if ((err = pthread_key_create(&key_before, destructor)) != 0)
		lab_die("pthread_key_create", err);
	lab_counters("before", 0, 0);
	if ((err = pthread_key_create(&key_after, destructor)) != 0)
		lab_die("pthread_key_create", err);

	run_wave(calls_go_body);
	lab_counters("calls-go", THREADS, THREADS);
	run_wave(destructor_only_body);
	lab_counters("destructor-only", THREADS, THREADS);

	pthread_mutex_lock(&count_lock);
	if (destructor_calls != 4 * THREADS)
		lab_fail("%d destructor calls, expected %d", destructor_calls, 4 * THREADS);
	pthread_mutex_unlock(&count_lock);

	if (atexit(at_exit) != 0)
		lab_die("atexit", 0);
	return 0;
}
