/*
 * Darwin's stack-bound API on Linux: pthread_get_stackaddr_np returns the
 * HIGH end of the calling thread's stack and pthread_get_stacksize_np its
 * size, as macOS libpthread does. Both support only pthread_self().
 *
 * Main thread (macOS 10.12 and later): the high end is the stack top and
 * the size is RLIMIT_STACK rounded up to a page, read once when the
 * program starts. When the limit is 0, unlimited or reaches past the
 * mapping below, the size is what macOS reserved at exec, emulated as its
 * default of 8 MiB (DFLSSIZ) or the room down to that mapping if less.
 * (A size of the whole room would make go1.27.3, which gives its threads
 * the creating thread's stack size on Darwin, fail to create threads.)
 * Quirk modes, chosen at compile time:
 *   LAB_QUIRK_MAIN512K  the main thread reports 512 KiB (macOS 10.9, 10.10)
 *   LAB_QUIRK_MAIN8M    the main thread reports 8 MiB whatever the limit
 *                       (macOS 10.11)
 * Secondary threads report their true stack. The platform default of
 * 512 KiB for threads created with default attributes is installed by a
 * constructor.
 */
#include "truth.h"

#define LAB_KIB ((size_t)1024)
#define LAB_MIB (1024 * LAB_KIB)

/* Darwin's default stack size for secondary threads. */
#define LAB_DARWIN_THREAD_STACK (512 * LAB_KIB)

static size_t lab_darwin_main_size;

__attribute__((constructor)) static void lab_darwin_init(void) {
	struct lab_stack s;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	lab_set_default_stacksize(LAB_DARWIN_THREAD_STACK);
	if (!lab_stack_is_main() || lab_stack_get(&s) != 0)
		return;
	if (s.limit != RLIM_INFINITY && s.limit != 0 && s.limit <= s.hi - s.prev_end)
		lab_darwin_main_size = ((size_t)s.limit + page - 1) / page * page;
	else if (s.hi - s.prev_end > 8 * LAB_MIB)
		lab_darwin_main_size = 8 * LAB_MIB;
	else
		lab_darwin_main_size = s.hi - s.prev_end;
}

static size_t lab_darwin_size(const struct lab_stack *s) {
	if (!s->main)
		return s->hi - s->lo;
#if defined(LAB_QUIRK_MAIN512K)
	return 512 * LAB_KIB;
#elif defined(LAB_QUIRK_MAIN8M)
	return 8 * LAB_MIB;
#else
	if (lab_darwin_main_size != 0)
		return lab_darwin_main_size;
	return s->hi - s->lo;
#endif
}

void *pthread_get_stackaddr_np(pthread_t t) {
	struct lab_stack s;

	if (!pthread_equal(t, pthread_self()) || lab_stack_get(&s) != 0)
		return NULL;
	return (void *)s.hi;
}

size_t pthread_get_stacksize_np(pthread_t t) {
	struct lab_stack s;

	if (!pthread_equal(t, pthread_self()) || lab_stack_get(&s) != 0)
		return 0;
	return lab_darwin_size(&s);
}

/* Selects the Darwin branch where one file serves every Unix (go1.27.3). */
#ifndef __APPLE__
#define __APPLE__ 1
#endif
