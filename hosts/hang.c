/*
 * hang: calls Go once, then blocks in Go for ever. The lab's own tests run
 * it to prove that a hanging host is stopped with SIGQUIT (so Go prints
 * its goroutines) and reported as a hang. No scenario of the matrix uses
 * it.
 */
#include "harness.h"

int main(void) {
	lab_start("hang");
	lab_call("main", 0, 0);
	LabBlock();
	lab_end();
	return 0;
}
