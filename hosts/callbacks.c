/*
 * callbacks: Go code inside a callback that does what a goroutine of a Go
 * program may do. The argument picks the case:
 *
 *   lockosthread  THREADS threads call Go, call runtime.LockOSThread in a
 *                 callback without unlocking, call Go again and exit,
 *                 twice; Ms must not leak.
 *   goexit        a thread calls runtime.Goexit in a callback; with no
 *                 goroutine to return to, the runtime must stop the
 *                 process with a fatal error, not hang.
 *   panic         THREADS threads panic and recover inside a callback and
 *                 call Go again, twice; Ms must not leak.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#define THREADS 16

static const struct lab_thread_spec spec = {"callbacks", 0, 0};

static void *lock_body(void *p) {
	(void)p;
	lab_call("before-lock", 0, 0);
	LabLockThread();
	lab_call("locked", 0, 0);
	return NULL;
}

static void *goexit_body(void *p) {
	(void)p;
	lab_call("before-goexit", 0, 0);
	LabGoexit();
	lab_fail("runtime.Goexit returned to C");
	return NULL;
}

static void *panic_body(void *p) {
	(void)p;
	lab_call("before-panic", 0, 0);
	if (LabPanicRecover() != 1)
		lab_fail("the panic inside the callback was not recovered");
	lab_call("recovered", 0, 0);
	return NULL;
}

static void run_wave(const char *phase, void *(*body)(void *)) {
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
	lab_counters(phase, THREADS, THREADS);
}

int main(int argc, char **argv) {
	static const struct lab_thread_spec goexit_spec = {"goexit", 0, 0};

	lab_start("callbacks");
	if (argc == 2 && strcmp(argv[1], "lockosthread") == 0) {
		lab_counters("before", 0, 0);
		run_wave("wave-1", lock_body);
		run_wave("wave-2", lock_body);
	} else if (argc == 2 && strcmp(argv[1], "panic") == 0) {
		lab_counters("before", 0, 0);
		run_wave("wave-1", panic_body);
		run_wave("wave-2", panic_body);
	} else if (argc == 2 && strcmp(argv[1], "goexit") == 0) {
		lab_thread_run(&goexit_spec, goexit_body, NULL);
		lab_fail("the thread that called runtime.Goexit ended and the process lives on");
	} else {
		fprintf(stderr, "usage: callbacks lockosthread|goexit|panic\n");
		return 2;
	}
	lab_end();
	return 0;
}
