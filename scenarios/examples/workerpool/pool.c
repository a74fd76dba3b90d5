#include "harness.h"
#include "pool.h"

#include <errno.h>
#include <string.h>

#define JOB_SIZE 4096
#define MAX_WORKERS 64

struct pool {
	pthread_mutex_t lock;
	int next_job;
	int jobs;
	int mismatches;
};

/* crc32_c is a bitwise IEEE CRC-32, the reference for Go's result. */
static uint32_t crc32_c(const unsigned char *p, size_t n) {
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static int take_job(struct pool *p) {
	int job = -1;

	pthread_mutex_lock(&p->lock);
	if (p->next_job < p->jobs)
		job = p->next_job++;
	pthread_mutex_unlock(&p->lock);
	return job;
}

static void *worker(void *arg) {
	struct pool *p = arg;
	unsigned char buf[JOB_SIZE];
	int job, bad = 0;
	size_t i;

	lab_call("worker", 0, 0);
	while ((job = take_job(p)) >= 0) {
		for (i = 0; i < sizeof buf; i++)
			buf[i] = (unsigned char)(job * 31 + i);
		if (Checksum(buf, sizeof buf) != crc32_c(buf, sizeof buf))
			bad++;
	}
	pthread_mutex_lock(&p->lock);
	p->mismatches += bad;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pool_run(int workers, int jobs) {
	pthread_t threads[MAX_WORKERS];
	struct pool p;
	int i, err;

	if (workers < 1 || workers > MAX_WORKERS)
		lab_die("worker count out of range 1 to 64", EINVAL);
	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.lock, NULL);
	p.jobs = jobs;
	for (i = 0; i < workers; i++) {
		err = pthread_create(&threads[i], NULL, worker, &p);
		if (err != 0)
			lab_die("create worker", err);
	}
	for (i = 0; i < workers; i++) {
		err = pthread_join(threads[i], NULL);
		if (err != 0)
			lab_die("join worker", err);
	}
	pthread_mutex_destroy(&p.lock);
	return p.mismatches;
}
