/*
 * stackswitch: a thread calls Go on its own stack, then from two stacks
 * the host allocated on the heap (as coroutine and fiber libraries do),
 * then on its own stack again, with a GC on g0 each time. The runtime
 * must notice that SP left the bounds of the thread's M and take new ones.
 * A runtime that keeps the old bounds runs g0 on a stack it does not
 * know, and the probe's bounds no longer contain SP.
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HEAP_STACK (256 * 1024)
#define NSTACKS 2

struct call_arg {
	const char *kind;
};

static void call_go(void *p) {
	struct call_arg *a = p;
	lab_call(a->kind, 0, 1);
}

static void run(const char *kind, const char *heap_kind) {
	int i;

	lab_call(kind, 0, 1);
	for (i = 0; i < NSTACKS; i++) {
		struct call_arg a = {heap_kind};
		void *stack = mmap(NULL, HEAP_STACK, PROT_READ | PROT_WRITE,
		                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (stack == MAP_FAILED)
			lab_die("mmap heap stack", errno);
		lab_run_on_stack(stack, HEAP_STACK, call_go, &a);
		munmap(stack, HEAP_STACK);
	}
	lab_call(kind, 0, 1);
}

static void *thread_body(void *p) {
	(void)p;
	run("pthread", "pthread-heap-stack");
	return NULL;
}

int main(void) {
	static const struct lab_thread_spec spec = {"pthread", 0, 0};

	lab_start("stackswitch");
	run("main", "main-heap-stack");
	lab_thread_run(&spec, thread_body, NULL);
	lab_counters("end", 1, 1);
	lab_end();
	return 0;
}
