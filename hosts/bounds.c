/*
 * bounds: the bounds-correctness table's host. Every thread kind calls Go
 * from its entry frame and from 40 KiB and 400 KiB deep, with a GC on g0
 * each time. The probe then shows the g0 bounds that the runtime holds for
 * that kind of stack, and the host shows whether deep calls survive them. The kinds are the
 * main thread, pthreads with the C library's default stack, 256 KiB and
 * 8 MiB (pthread_attr_setstacksize), a 1 MiB stack the host allocated
 * (pthread_attr_setstack) and PTHREAD_STACK_MIN.
 *
 * With the argument "main" only the main thread runs. The main thread's
 * kind is "main-unlimited" when RLIMIT_STACK is unlimited, or the second
 * argument when there is one. The scenario sets the limit before the host
 * starts, because a limit set later does not change the main thread's
 * stack.
 *
 * A depth that does not fit in the thread's stack (with 64 KiB to spare)
 * is skipped and recorded as such. The PTHREAD_STACK_MIN thread runs last
 * and calls only from its entry frame, without a GC: its whole stack is
 * smaller than the runtime's SP-based estimate.
 */
#include "harness.h"

#include <limits.h>
#include <string.h>
#include <sys/resource.h>

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

static const size_t depths[] = {0, 40 * KiB, 400 * KiB};
#define NDEPTHS (sizeof depths / sizeof depths[0])

static const struct lab_thread_spec threads[] = {
	{"pthread-default", 0, 0},
	{"pthread-256k", 256 * KiB, 0},
	{"pthread-8m", 8 * MiB, 0},
	{"setstack-1m", 1 * MiB, 1},
};
#define NTHREADS (sizeof threads / sizeof threads[0])

static void run_depths(const char *kind) {
	lab_call_depths(kind, depths, NDEPTHS, 64 * KiB);
}

static void *thread_body(void *p) {
	run_depths(p);
	return NULL;
}

static void *min_body(void *p) {
	lab_call(p, 0, 0);
	return NULL;
}

int main(int argc, char **argv) {
	/* PTHREAD_STACK_MIN is a sysconf call in glibc 2.34 and later. */
	const struct lab_thread_spec min = {"pthread-min", PTHREAD_STACK_MIN, 0};
	struct rlimit rl;
	int main_only = argc > 1 && strcmp(argv[1], "main") == 0;
	size_t i;

	lab_start("bounds");
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY)
		run_depths("main-unlimited");
	else if (main_only && argc > 2)
		run_depths(argv[2]);
	else
		run_depths("main");
	if (!main_only) {
		for (i = 0; i < NTHREADS; i++)
			lab_thread_run(&threads[i], thread_body, (void *)threads[i].kind);
		lab_thread_run(&min, min_body, (void *)min.kind);
	}
	lab_counters("end", main_only ? 0 : (int)NTHREADS + 1, 1);
	lab_end();
	return 0;
}
