/*
 * The calling thread's true stack, from which every emulated stack-bound
 * API computes its result. Included by each platform's shim; all functions are
 * static, so the shim adds no symbols but its API.
 *
 * For the main thread the stack is the /proc/self/maps mapping that
 * contains glibc's __libc_stack_end, so a main thread that switched to
 * another stack still gets its own, as from glibc's pthread_getattr_np.
 * That mapping ends at T and is mapped down to V today, the mapping
 * below it ends at PREV, and RLIMIT_STACK is R. The kernel lets the
 * mapping grow to max(T - R, PREV), or to PREV when R is unlimited, which
 * is what the lab's hosts report as the truth too. For other threads the
 * truth is glibc's pthread_getattr_np, which reports a host-allocated
 * (pthread_attr_setstack) stack exactly.
 */
#ifndef CGOHOSTLAB_STACKBOUND_TRUTH_H
#define CGOHOSTLAB_STACKBOUND_TRUTH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct lab_stack {
	uintptr_t lo, hi; /* the true usable stack [lo, hi) */
	int main;         /* 1 on the main thread */
	/* Main thread only: the [stack] mapping [mapped_lo, hi), the end of
	 * the mapping below it, and RLIMIT_STACK's soft limit. */
	uintptr_t mapped_lo, prev_end;
	rlim_t limit;
};

static int lab_stack_is_main(void) {
	return (long)syscall(SYS_gettid) == (long)getpid();
}

/* The main thread's stack address that glibc records at start-up. */
extern void *__libc_stack_end;

/* lab_stack_main fills s from /proc/self/maps; 0 on success. */
static int lab_stack_main(uintptr_t sp, struct lab_stack *s) {
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t prev_end = 0;
	struct rlimit rl;
	int found = 0;

	if (f == NULL)
		return -1;
	s->limit = RLIM_INFINITY;
	if (getrlimit(RLIMIT_STACK, &rl) == 0)
		s->limit = rl.rlim_cur;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (sp >= start && sp < end) {
			s->hi = end;
			s->mapped_lo = start;
			s->prev_end = prev_end;
			s->lo = prev_end;
			if (s->limit != RLIM_INFINITY && s->limit < end && end - s->limit > prev_end)
				s->lo = end - s->limit;
			found = 1;
			break;
		}
		prev_end = end;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* lab_stack_get fills s with the calling thread's stack; 0 on success. */
static int lab_stack_get(struct lab_stack *s) {
	pthread_attr_t attr;
	void *addr;
	size_t size;

	s->main = lab_stack_is_main();
	if (s->main)
		return lab_stack_main((uintptr_t)__libc_stack_end, s);
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return -1;
	if (pthread_attr_getstack(&attr, &addr, &size) != 0) {
		pthread_attr_destroy(&attr);
		return -1;
	}
	pthread_attr_destroy(&attr);
	s->lo = (uintptr_t)addr;
	s->hi = (uintptr_t)addr + size;
	s->mapped_lo = s->prev_end = 0;
	s->limit = 0;
	return 0;
}

/*
 * lab_set_default_stacksize makes size the stack size of threads created
 * with default attributes, as the emulated platform's C library does. It
 * runs as a constructor of the shim, so it applies to every program that
 * links the shim before its main starts.
 */
static void lab_set_default_stacksize(size_t size) {
	pthread_attr_t attr;

	if (pthread_attr_init(&attr) != 0)
		return;
	if (pthread_attr_setstacksize(&attr, size) == 0 && pthread_setattr_default_np(&attr) != 0)
		fputs("cgohostlab stack-bound shim: pthread_setattr_default_np failed\n", stderr);
	pthread_attr_destroy(&attr);
}

#endif
