/*
 * The Go library's side of a host that opens the lab's c-shared library
 * with dlopen at run time instead of linking it. The lab compiles this
 * file into such a host in place of the library, with LAB_LIBRARY_PATH
 * set to the library's path. It defines LabCall, so the harness works
 * unchanged: the first call opens the library (RTLD_NOW, so every
 * relocation is resolved then) and later calls forward to the library's
 * own LabCall.
 *
 * When dlopen fails, the host writes the C library's message (dlerror)
 * to stderr and exits 3; that is how musl rejects a Go c-shared library
 * whose initial-exec TLS it cannot place.
 */
#include "harness.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef LAB_LIBRARY_PATH
#error "compile with -DLAB_LIBRARY_PATH=\"/path/to/liblab.so\""
#endif

static pthread_once_t open_once = PTHREAD_ONCE_INIT;
static void (*library_lab_call)(int, uint64_t *);

/* fail writes dlerror's message for operation on the library and exits 3. */
static void fail(const char *operation) {
	fprintf(stderr, "cgohostlab host: %s %s: %s\n", operation, LAB_LIBRARY_PATH, dlerror());
	lab_emit("{\"rec\":\"error\",\"msg\":\"%s failed\",\"errno\":0}", operation);
	exit(3);
}

static void open_library(void) {
	void *handle = dlopen(LAB_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
	void *sym;

	if (handle == NULL)
		fail("dlopen");
	sym = dlsym(handle, "LabCall");
	if (sym == NULL)
		fail("dlsym LabCall in");
	/* POSIX allows this conversion of an object pointer from dlsym. */
	*(void **)&library_lab_call = sym;
}

void LabCall(int gcWork, uint64_t *out) {
	pthread_once(&open_once, open_library);
	library_lab_call(gcWork, out);
}
