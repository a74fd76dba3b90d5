/*
 * smallstack: a thread with a 64 KiB stack calls Go from its entry frame
 * and from 40 KiB deep, with a GC on g0 each time. At that depth less than
 * 32 KiB of the stack remains, so the runtime's SP-based estimate
 * [SP-32 KiB, SP+1 KiB) reaches below the stack: only bounds from the C
 * library keep g0 inside it.
 */
#include "harness.h"

#define KiB ((size_t)1024)

static const size_t depths[] = {0, 40 * KiB};

struct call_arg {
	size_t depth;
};

static void call_go(void *p) {
	struct call_arg *a = p;
	lab_call("pthread-64k", a->depth, 1);
}

static void *thread_body(void *p) {
	struct lab_bounds b;
	size_t i;

	(void)p;
	lab_true_bounds(&b);
	for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		struct call_arg a = {depths[i]};
		if (depths[i] + 8 * KiB > lab_sp() - b.lo) {
			lab_skip("pthread-64k", depths[i], "depth does not fit in the thread's stack");
			continue;
		}
		lab_at_depth(depths[i], call_go, &a);
	}
	return NULL;
}

int main(void) {
	static const struct lab_thread_spec spec = {"pthread-64k", 64 * KiB, 0};

	lab_start("smallstack");
	lab_thread_run(&spec, thread_body, NULL);
	lab_counters("end", 1, 1);
	lab_end();
	return 0;
}
