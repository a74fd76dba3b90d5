/*
 * deepstack: the shape of the deep-stack bug. Each thread calls Go from a
 * shallow frame, then again from frames that used 40 KiB and 400 KiB of
 * stack. The Go side runs runtime.GC, so the runtime works on g0 with the
 * bounds it computed for this thread. A runtime that keeps the bounds of
 * the first (shallow) call finds the deep calls below g0's lower bound and
 * dies with "morestack on g0".
 *
 * A depth that does not fit in the thread's stack (with 64 KiB to spare)
 * is skipped and recorded as such.
 */
#include "harness.h"

#include <stdio.h>

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

int main(void) {
	size_t i;

	lab_start("deepstack");
	run_depths("main");
	for (i = 0; i < NTHREADS; i++)
		lab_thread_run(&threads[i], thread_body, (void *)threads[i].kind);
	lab_counters("end", NTHREADS, 1);
	lab_end();
	return 0;
}
