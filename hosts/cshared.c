/*
 * cshared: the lab's Go library as a c-shared library, linked at load
 * time or opened with dlopen, as the scenario file sets. The source is the
 * same for both. main calls Go first, so in the dlopen build the library is
 * opened and its runtime starts on that call. Then pthreads with the
 * default stack, a 256 KiB stack and a host-allocated 1 MiB stack call Go
 * from their entry frame and from 40 KiB deep with a GC on g0, and 200
 * C threads call Go once and exit, with counters before and after.
 */
#include "harness.h"

#define CHURN 200
#define DEEP (40 * 1024)

static const struct lab_thread_spec threads[] = {
	{"pthread-default", 0, 0},
	{"pthread-256k", 256 * 1024, 0},
	{"user-stack-1m", 1024 * 1024, 1},
};

static const struct lab_thread_spec churn_thread = {"churn", 0, 0};

struct call {
	const char *kind;
	size_t depth;
};

static void call_go(void *p) {
	const struct call *c = p;
	lab_call(c->kind, c->depth, 1);
}

static void *thread_body(void *p) {
	const char *kind = p;
	struct call shallow = {kind, 0}, deep = {kind, DEEP};

	call_go(&shallow);
	lab_at_depth(DEEP, call_go, &deep);
	return NULL;
}

static void *churn_body(void *p) {
	(void)p;
	lab_call("churn", 0, 0);
	return NULL;
}

int main(void) {
	size_t i;

	lab_start("cshared");
	lab_call("main", 0, 1);
	lab_counters("before", 0, 0);

	for (i = 0; i < sizeof threads / sizeof threads[0]; i++)
		lab_thread_run(&threads[i], thread_body, (void *)threads[i].kind);
	for (i = 0; i < CHURN; i++)
		lab_thread_run(&churn_thread, churn_body, NULL);
	lab_counters("after-threads", (int)(sizeof threads / sizeof threads[0]) + CHURN, 1);

	lab_end();
	return 0;
}
