/*
 * illumos's stack-bound API on Linux: there is no pthread_getattr_np, and
 * pthread_attr_get_np reports the calling thread's stack into an attr
 * that pthread_attr_init initialized (EINVAL otherwise). It supports only
 * pthread_self().
 *
 * Main thread: [T - R, T), with T the stack top and R the RLIMIT_STACK
 * soft limit when the program started. With an unlimited limit the stock
 * mode reports the whole room down to the mapping below, and the quirk
 * mode reports what illumos's libc computes from RLIM_INFINITY:
 *   LAB_QUIRK_UNLIMITED_WRAP  size RLIM_INFINITY of illumos LP64, (-3), so
 *                             the low end T - size wraps past the top
 * Secondary threads report their true stack.
 * NOTE: illumos shifts the reported range of a thread whose guard is
 * larger than one page down by the excess; the shim does not, because
 * the lab's threads use glibc's one-page guard.
 * The platform default of 2 MiB minus two pages (LP64) for threads
 * created with default attributes is installed by a constructor.
 *
 * After this file, the names of the illumos API refer to the emulation,
 * and the macros that select Go's illumos branch are set.
 */
#include "attr.h"

/* RLIM_INFINITY on illumos LP64. */
#define LAB_ILLUMOS_RLIM_INFINITY ((size_t)-3)

static rlim_t lab_illumos_start_limit = RLIM_INFINITY;

__attribute__((constructor)) static void lab_illumos_init(void) {
	struct rlimit rl;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	lab_set_default_stacksize(2 * 1024 * 1024 - 2 * page);
	if (getrlimit(RLIMIT_STACK, &rl) == 0)
		lab_illumos_start_limit = rl.rlim_cur;
}

static int lab_illumos_attr_get_np(pthread_t t, pthread_attr_t *a) {
	struct lab_stack s;
	uintptr_t lo;

	if (!lab_attr_initialized(a))
		return EINVAL;
	if (!pthread_equal(t, pthread_self()))
		return ESRCH;
	if (lab_stack_get(&s) != 0)
		return EINVAL;
	lo = s.lo;
	if (s.main && lab_illumos_start_limit != RLIM_INFINITY && lab_illumos_start_limit < s.hi)
		lo = s.hi - lab_illumos_start_limit;
#if defined(LAB_QUIRK_UNLIMITED_WRAP)
	if (s.main && lab_illumos_start_limit == RLIM_INFINITY)
		return lab_attr_set(a, s.hi - LAB_ILLUMOS_RLIM_INFINITY, LAB_ILLUMOS_RLIM_INFINITY);
#endif
	return lab_attr_set(a, lo, s.hi - lo);
}

#undef __GLIBC__
#ifndef __sun
#define __sun 1
#endif
#ifndef __illumos__
#define __illumos__ 1
#endif
#define pthread_attr_get_np lab_illumos_attr_get_np
#define pthread_attr_init lab_attr_init
#define pthread_attr_getstack lab_attr_getstack
#define pthread_attr_destroy lab_attr_destroy
