/*
 * smallstack: a thread with a 64 KiB stack calls Go from its entry frame
 * and from 40 KiB deep, with a GC on g0 each time. At that depth less than
 * 32 KiB of the stack remains, so the runtime's SP-based estimate
 * [SP-32 KiB, SP+1 KiB) reaches below the stack: only bounds from the C
 * library keep g0 inside it. Where the C library's minimum thread stack
 * is larger (128 KiB with glibc on arm64), the thread gets that minimum
 * and the deep call is made 24 KiB above its low end all the same.
 */
#include "harness.h"

#include <stdio.h>
#include <unistd.h>

#define KiB ((size_t)1024)

static size_t depths[] = {0, 40 * KiB};
static char kind[32] = "pthread-64k";

struct call_arg {
	size_t depth;
};

static void call_go(void *p) {
	struct call_arg *a = p;
	lab_call(kind, a->depth, 1);
}

static void *thread_body(void *p) {
	struct lab_bounds b;
	size_t i;

	(void)p;
	lab_true_bounds(&b);
	for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		struct call_arg a = {depths[i]};
		if (depths[i] + 8 * KiB > lab_sp() - b.lo) {
			lab_skip(kind, depths[i], "depth does not fit in the thread's stack");
			continue;
		}
		lab_at_depth(depths[i], call_go, &a);
	}
	return NULL;
}

int main(void) {
	struct lab_thread_spec spec = {kind, 64 * KiB, 0};
	long min = sysconf(_SC_THREAD_STACK_MIN);

	if (min > 0 && (size_t)min > spec.stacksize) {
		spec.stacksize = (size_t)min;
		depths[1] = spec.stacksize - 24 * KiB;
		snprintf(kind, sizeof kind, "pthread-%zuk", spec.stacksize / KiB);
	}
	lab_start("smallstack");
	lab_thread_run(&spec, thread_body, NULL);
	lab_counters("end", 1, 1);
	lab_end();
	return 0;
}
