/*
 * userstack: threads on 64 KiB and 256 KiB stacks that the host allocated
 * itself (pthread_attr_setstack) call Go from their entry frame and from
 * 40 KiB deep, with a GC on g0 each time. A thread on a 64 KiB stack that
 * the C library allocated does the same. For a host-allocated stack the C
 * library reports exactly the host's buffer, so the runtime's bounds can
 * be exact; at 40 KiB deep in 64 KiB less than the runtime's 32 KiB
 * estimate remains. A thread whose stack is below the C library's
 * minimum (128 KiB with glibc on arm64) is skipped and recorded.
 */
#include "harness.h"

#include <unistd.h>

#define KiB ((size_t)1024)

static const size_t depths[] = {0, 40 * KiB};
#define NDEPTHS (sizeof depths / sizeof depths[0])

static const struct lab_thread_spec threads[] = {
	{"setstack-64k", 64 * KiB, 1},
	{"setstack-256k", 256 * KiB, 1},
	{"pthread-64k", 64 * KiB, 0},
};
#define NTHREADS (sizeof threads / sizeof threads[0])

/* Calls Go at each depth that leaves at least 8 KiB of the stack. */
static void *body(void *p) {
	lab_call_depths(p, depths, NDEPTHS, 8 * KiB);
	return NULL;
}

int main(void) {
	size_t i;

	lab_start("userstack");
	lab_counters("before", 0, 0);
	for (i = 0; i < NTHREADS; i++) {
		long min = sysconf(_SC_THREAD_STACK_MIN);
		if (min > 0 && threads[i].stacksize < (size_t)min) {
			lab_skip(threads[i].kind, 0, "stack below the C library's minimum thread stack");
			continue;
		}
		lab_thread_run(&threads[i], body, (void *)threads[i].kind);
	}
	lab_counters("after", NTHREADS, 1);
	lab_end();
	return 0;
}
