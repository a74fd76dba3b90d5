/*
 * exitinside: the process exits while C threads are inside Go. Four
 * threads call Go and then block in Go (LabBlock, a sleeping goroutine
 * locked to the thread), and two spin in Go; main then calls exit(0). The
 * process must exit with status 0 and no runtime error, without waiting
 * for those threads.
 */
#include "harness.h"

#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#define BLOCKED 4
#define SPINNING 2

static const struct lab_thread_spec spec = {"inside", 0, 0};

static sem_t entering;

static void *blocked_body(void *p) {
	(void)p;
	lab_call("blocked", 0, 0);
	sem_post(&entering);
	LabBlock();
	lab_fail("LabBlock returned");
	return NULL;
}

static void *spinning_body(void *p) {
	(void)p;
	lab_call("spinning", 0, 0);
	sem_post(&entering);
	LabSpin(3600ll * 1000000000ll);
	lab_fail("LabSpin of an hour returned");
	return NULL;
}

int main(void) {
	struct timespec settle = {0, 100000000};
	pthread_t t;
	void *stack;
	int i, err;

	lab_start("exitinside");
	if (sem_init(&entering, 0, 0) != 0)
		lab_die("sem_init", errno);
	for (i = 0; i < BLOCKED + SPINNING; i++) {
		err = lab_thread_start(&t, &spec, i < BLOCKED ? blocked_body : spinning_body, NULL, &stack);
		if (err != 0)
			lab_die("create thread", err);
	}
	for (i = 0; i < BLOCKED + SPINNING; i++) {
		while (sem_wait(&entering) != 0) {
			if (errno != EINTR)
				lab_die("sem_wait", errno);
		}
	}
	/* Give the threads time to be inside Go, not only about to enter. */
	nanosleep(&settle, NULL);
	lab_note("inside", "%d threads blocked and %d spinning in Go at exit", BLOCKED, SPINNING);
	lab_end();
	exit(0);
}
