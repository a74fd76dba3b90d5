/*
 * A pthread_attr_t of the emulated platform, stored in glibc's
 * pthread_attr_t so that the toolchain's code compiles unchanged. The
 * shims of Solaris and illumos redirect pthread_attr_init,
 * pthread_attr_getstack and pthread_attr_destroy to the functions here,
 * which neither check glibc's minimum stack size nor share glibc's state:
 * an emulated platform may report any range, even a wrapped one.
 */
#ifndef CGOHOSTLAB_STACKBOUND_ATTR_H
#define CGOHOSTLAB_STACKBOUND_ATTR_H

#include "truth.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* lab_attr.magic of an initialized attr. */
#define LAB_ATTR_MAGIC 0x6367686c61747472ull

struct lab_attr {
	uint64_t magic;
	uintptr_t addr; /* low end */
	size_t size;
};

_Static_assert(sizeof(struct lab_attr) <= sizeof(pthread_attr_t), "lab_attr must fit in pthread_attr_t");

static struct lab_attr *lab_attr_of(pthread_attr_t *a) {
	return (struct lab_attr *)(void *)a;
}

static int lab_attr_init(pthread_attr_t *a) {
	struct lab_attr *la = lab_attr_of(a);

	memset(a, 0, sizeof *a);
	la->magic = LAB_ATTR_MAGIC;
	return 0;
}

static int lab_attr_set(pthread_attr_t *a, uintptr_t addr, size_t size) {
	struct lab_attr *la = lab_attr_of(a);

	if (la->magic != LAB_ATTR_MAGIC)
		return EINVAL;
	la->addr = addr;
	la->size = size;
	return 0;
}

static int lab_attr_getstack(const pthread_attr_t *a, void **addr, size_t *size) {
	const struct lab_attr *la = (const struct lab_attr *)(const void *)a;

	*addr = NULL;
	*size = 0;
	if (la->magic != LAB_ATTR_MAGIC)
		return EINVAL;
	*addr = (void *)la->addr;
	*size = la->size;
	return 0;
}

static int lab_attr_destroy(pthread_attr_t *a) {
	struct lab_attr *la = lab_attr_of(a);

	if (la->magic != LAB_ATTR_MAGIC)
		return EINVAL;
	la->magic = 0;
	return 0;
}

#endif
