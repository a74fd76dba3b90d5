/*
 * The pthread_attr_t functions of an emulated platform, wrapped around
 * glibc's. The shims of Solaris and illumos redirect pthread_attr_init,
 * pthread_attr_getstack and pthread_attr_destroy to the functions here.
 * An attr stays a real glibc attr, so code in the same file that creates
 * threads with it still works. The emulated getattr calls record the
 * stack they report for the attr, and lab_attr_getstack returns that
 * record without glibc's checks, so the platform may report any range,
 * even a wrapped one. lab_attr_init also records that an attr was
 * initialized, which illumos's pthread_attr_get_np requires.
 */
#ifndef CGOHOSTLAB_STACKBOUND_ATTR_H
#define CGOHOSTLAB_STACKBOUND_ATTR_H

#include "truth.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The attrs of the calling thread that lab_attr_init initialized. Go's
 * code uses one at a time; more than LAB_ATTR_SLOTS are not tracked. */
#define LAB_ATTR_SLOTS 8

struct lab_attr_slot {
	const pthread_attr_t *attr;
	int has_stack;
	uintptr_t addr; /* low end */
	size_t size;
};

static __thread struct lab_attr_slot lab_attr_slots[LAB_ATTR_SLOTS];

static inline struct lab_attr_slot *lab_attr_find(const pthread_attr_t *a) {
	int i;

	for (i = 0; i < LAB_ATTR_SLOTS; i++) {
		if (lab_attr_slots[i].attr == a)
			return &lab_attr_slots[i];
	}
	return NULL;
}

static inline int lab_attr_init(pthread_attr_t *a) {
	struct lab_attr_slot *slot = lab_attr_find(a);

	if (slot == NULL)
		slot = lab_attr_find(NULL);
	if (slot != NULL) {
		memset(slot, 0, sizeof *slot);
		slot->attr = a;
	}
	return pthread_attr_init(a);
}

/* lab_attr_set records the stack that an emulated getattr reports in a;
 * EINVAL when lab_attr_init did not initialize a. */
static inline int lab_attr_set(pthread_attr_t *a, uintptr_t addr, size_t size) {
	struct lab_attr_slot *slot = lab_attr_find(a);

	if (slot == NULL)
		return EINVAL;
	slot->has_stack = 1;
	slot->addr = addr;
	slot->size = size;
	return 0;
}

static inline int lab_attr_initialized(const pthread_attr_t *a) {
	return a != NULL && lab_attr_find(a) != NULL;
}

static inline int lab_attr_getstack(const pthread_attr_t *a, void **addr, size_t *size) {
	struct lab_attr_slot *slot = lab_attr_find(a);

	*addr = NULL;
	*size = 0;
	if (slot == NULL || !slot->has_stack)
		return pthread_attr_getstack(a, addr, size);
	*addr = (void *)slot->addr;
	*size = slot->size;
	return 0;
}

static inline int lab_attr_destroy(pthread_attr_t *a) {
	struct lab_attr_slot *slot = lab_attr_find(a);

	if (slot != NULL)
		memset(slot, 0, sizeof *slot);
	return pthread_attr_destroy(a);
}

#endif
