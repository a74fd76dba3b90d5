/*
 * Oracle Solaris's stack-bound API on Linux: pthread_getattr_np
 * initializes the attr itself and reports the calling thread's stack,
 * which pthread_attr_getstack returns by its low end. It supports only
 * pthread_self().
 *
 * Main thread: [T - R, T), with T the stack top and R the RLIMIT_STACK
 * soft limit when the program started. With an unlimited limit the stock
 * mode reports the whole room down to the mapping below, and the quirk
 * mode reports the stack size that libc recorded at start-up, not the
 * maximum, as Solaris did when Go's cgo tests hit "morestack on g0" there
 * (0x3000 bytes). Solaris grows the main stack segment page by page on
 * faults.
 *   LAB_QUIRK_UNLIMITED_MAPPED  [T - S, T), S the stack faulted in when
 *                               the shim's constructor ran
 * Once the program uses more stack than S, the range no longer contains
 * SP. Linux maps 128 KiB of stack at exec whether it is used or not, so
 * the quirk does not take S from the [stack] mapping: it walks down from
 * SP with mincore while pages are resident, which they are once touched.
 * Secondary threads report their true stack. The platform default of
 * 2 MiB (64-bit) for threads created with default attributes is installed
 * by a constructor.
 *
 * After this file, the names of the Solaris API refer to the emulation,
 * and the macros that select Go's Solaris branch are set.
 */
#include "attr.h"

/* Solaris's default stack size for threads on 64-bit systems. */
#define LAB_SOLARIS_THREAD_STACK ((size_t)2 * 1024 * 1024)

static rlim_t lab_solaris_start_limit = RLIM_INFINITY;

#if defined(LAB_QUIRK_UNLIMITED_MAPPED)
#include <sys/mman.h>

/* lab_solaris_faulted_lo returns the lowest page of the resident run of
 * pages that contains SP. */
static uintptr_t lab_solaris_faulted_lo(void) {
	volatile char marker = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)&marker & ~(page - 1);
	unsigned char resident;

	while (mincore((void *)(lo - page), page, &resident) == 0 && (resident & 1))
		lo -= page;
	return lo;
}

/* The main thread's stack faulted in at start-up: [lab_solaris_start_lo, T). */
static uintptr_t lab_solaris_start_lo;
#endif

__attribute__((constructor)) static void lab_solaris_init(void) {
	struct rlimit rl;

	lab_set_default_stacksize(LAB_SOLARIS_THREAD_STACK);
	if (getrlimit(RLIMIT_STACK, &rl) == 0)
		lab_solaris_start_limit = rl.rlim_cur;
#if defined(LAB_QUIRK_UNLIMITED_MAPPED)
	if (lab_stack_is_main())
		lab_solaris_start_lo = lab_solaris_faulted_lo();
#endif
}


static int lab_solaris_getattr_np(pthread_t t, pthread_attr_t *a) {
	struct lab_stack s;
	uintptr_t lo;

	lab_attr_init(a);
	if (!pthread_equal(t, pthread_self()))
		return ESRCH;
	if (lab_stack_get(&s) != 0)
		return EINVAL;
	lo = s.lo;
	if (s.main && lab_solaris_start_limit != RLIM_INFINITY && lab_solaris_start_limit < s.hi)
		lo = s.hi - lab_solaris_start_limit;
#if defined(LAB_QUIRK_UNLIMITED_MAPPED)
	if (s.main && lab_solaris_start_limit == RLIM_INFINITY)
		lo = lab_solaris_start_lo >= s.mapped_lo && lab_solaris_start_lo < s.hi ? lab_solaris_start_lo : s.mapped_lo;
#endif
	return lab_attr_set(a, lo, s.hi - lo);
}

#undef __GLIBC__
#ifndef __sun
#define __sun 1
#endif
#define pthread_getattr_np lab_solaris_getattr_np
#define pthread_attr_init lab_attr_init
#define pthread_attr_getstack lab_attr_getstack
#define pthread_attr_destroy lab_attr_destroy
