/*
 * startup: the smallest host. main calls Go once and exits. It proves that
 * the Go runtime in the c-archive initializes in this image. On musl it
 * shows the crash in runtime start-up that the known-issue catalogue
 * describes.
 */
#include "harness.h"

int main(void) {
	lab_start("startup");
	lab_call("main", 0, 0);
	lab_counters("end", 0, 0);
	lab_end();
	return 0;
}
