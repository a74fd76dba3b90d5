/*
 * workerpool: an example bring-your-own scenario. A C program runs a
 * pool of worker threads that checksum job buffers in Go, three rounds
 * with new threads each time. Every worker's first call writes a probe
 * record (its g0 bounds against its true stack), and counters before and
 * after the rounds show whether the Ms of exited workers come back.
 *
 * Usage: workerpool JOBS, with the pool size in POOL_WORKERS (default 4).
 */
#include "harness.h"
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 3

int main(int argc, char **argv) {
	const char *env = getenv("POOL_WORKERS");
	int workers = env != NULL ? atoi(env) : 4;
	int jobs = argc > 1 ? atoi(argv[1]) : 1000;
	int round, bad;

	lab_start("workerpool");
	lab_counters("before", 0, 0);
	for (round = 0; round < ROUNDS; round++) {
		bad = pool_run(workers, jobs);
		if (bad != 0) {
			fprintf(stderr, "workerpool: %d of %d Go checksums differ from C's\n", bad, jobs);
			return 1;
		}
	}
	lab_counters("after-rounds", ROUNDS * workers, workers);
	lab_end();
	return 0;
}
