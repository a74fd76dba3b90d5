/*
 * nested: C -> Go -> C -> Go callbacks from a deep C frame. The main
 * thread and a pthread with a 1 MiB stack go 200 KiB deep in C and call
 * LabNest, which calls back into C. That C frame goes 16 KiB deeper, calls
 * Go (with a GC on g0) and then LabNest again, LEVELS times in all. Each
 * inner call runs below the frames of the callbacks that are still
 * active, on the same g0, so its bounds must cover a stack that the
 * outer callbacks already use.
 *
 * Each LabNest, back in Go from its C call, checks whether the runtime
 * marks the M as an extra M that runs only C code. It must not, because
 * the flag makes a profiling signal count the Go code as external code.
 * The host writes the counts in a nestflags record at the end.
 */
#include "harness.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define LEVELS 3

struct nest {
	const char *kind;
	uintptr_t entry_sp;
};

static void inner(void *p) {
	struct nest *n = p;

	lab_call(n->kind, n->entry_sp - lab_sp(), 1);
}

/* Runs in C under LabNest with the number of levels still to nest. */
static void nest_back(void *p, int level) {
	struct nest *n = p;

	lab_at_depth(16 * KiB, inner, n);
	if (level > 1)
		LabNest(level - 1, nest_back, n);
}

static void start_nest(void *p) {
	LabNest(LEVELS, nest_back, p);
}

/* nest_flags writes LabNest's counts, or nulls if the runtime has no flag. */
static void nest_flags(void) {
	int64_t returns = 0, flagged = 0;

	if (!LabNestFlags(&returns, &flagged)) {
		lab_emit("{\"rec\":\"nestflags\",\"returns\":null,\"flagged\":null}");
		return;
	}
	lab_emit("{\"rec\":\"nestflags\",\"returns\":%lld,\"flagged\":%lld}", (long long)returns,
	         (long long)flagged);
}

static void *body(void *p) {
	struct nest n = {p, lab_sp()};

	lab_at_depth(200 * KiB, start_nest, &n);
	return NULL;
}

int main(void) {
	static const struct lab_thread_spec spec = {"pthread-1m", 1 * MiB, 0};

	lab_start("nested");
	body("main");
	lab_thread_run(&spec, body, "pthread-1m");
	lab_counters("end", 1, 1);
	nest_flags();
	lab_end();
	return 0;
}
