/*
 * A fixed pool of C worker threads that take checksum jobs from a shared
 * queue and compute each one in Go.
 */
#ifndef WORKERPOOL_POOL_H
#define WORKERPOOL_POOL_H

/*
 * Runs `jobs` jobs on `workers` new threads and joins them. Each worker
 * writes one probe record (kind "worker") before its first job. Returns
 * the number of jobs whose Go checksum differed from the C one.
 */
int pool_run(int workers, int jobs);

#endif
