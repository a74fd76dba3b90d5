/*
 * threadend: the ways a C thread that called Go can end. Each phase runs
 * THREADS threads at once that call Go and then end one way:
 *
 *   joined    return from the start routine and are joined;
 *   detached  are detached and return; the host waits until the kernel
 *             has reaped each one, so its key destructors have run;
 *   exit      call pthread_exit in C after the call into Go returned;
 *   cancel    block in read(2), a cancellation point, after the call into
 *             Go returned, and are cancelled with pthread_cancel.
 *
 * From Go 1.21 on each thread keeps an extra M until a pthread key
 * destructor returns it at thread exit, so the counters after each phase
 * show whether every way of ending gave the M back.
 */
#include "harness.h"

#include <errno.h>
#include <semaphore.h>
#include <string.h>
#include <unistd.h>

#define THREADS 32

static const struct lab_thread_spec spec = {"threadend", 0, 0};

static sem_t ready;
static long tids[THREADS];
static int never_written[2];

struct slot {
	const char *kind;
	int index;
};

static void sem_wait_all(sem_t *s, int n) {
	int i;

	for (i = 0; i < n; i++) {
		while (sem_wait(s) != 0) {
			if (errno != EINTR)
				lab_die("sem_wait", errno);
		}
	}
}

static void *joined_body(void *p) {
	struct slot *s = p;

	lab_call(s->kind, 0, 0);
	sem_post(&ready);
	return NULL;
}

static void *detached_body(void *p) {
	struct slot *s = p;

	tids[s->index] = lab_thread_id();
	lab_call(s->kind, 0, 0);
	sem_post(&ready);
	return NULL;
}

static void *exit_body(void *p) {
	struct slot *s = p;

	lab_call(s->kind, 0, 0);
	sem_post(&ready);
	pthread_exit(NULL);
	return NULL;
}

static void *cancel_body(void *p) {
	struct slot *s = p;
	char c;

	lab_call(s->kind, 0, 0);
	sem_post(&ready);
	/* Nothing is ever written to the pipe: the thread stays in read(2)
	 * until it is cancelled. */
	if (read(never_written[0], &c, 1) < 0)
		lab_die("read", errno);
	lab_fail("read on an empty pipe returned");
	return NULL;
}

static void start(pthread_t *t, void *(*body)(void *), struct slot *s) {
	void *stack;
	int err = lab_thread_start(t, &spec, body, s, &stack);

	if (err != 0)
		lab_die("create thread", err);
}

static void join(pthread_t t, void *want) {
	void *ret;
	int err = pthread_join(t, &ret);

	if (err != 0)
		lab_die("join thread", err);
	if (ret != want)
		lab_fail("pthread_join returned %p, expected %p", ret, want);
}

int main(void) {
	static struct slot slots[THREADS];
	pthread_t t[THREADS];
	int i, err;

	lab_start("threadend");
	if (sem_init(&ready, 0, 0) != 0)
		lab_die("sem_init", errno);
	if (pipe(never_written) != 0)
		lab_die("pipe", errno);
	lab_counters("before", 0, 0);

	for (i = 0; i < THREADS; i++) {
		slots[i] = (struct slot){"joined", i};
		start(&t[i], joined_body, &slots[i]);
	}
	sem_wait_all(&ready, THREADS);
	for (i = 0; i < THREADS; i++)
		join(t[i], NULL);
	lab_counters("joined", THREADS, THREADS);

	for (i = 0; i < THREADS; i++) {
		slots[i] = (struct slot){"detached", i};
		start(&t[i], detached_body, &slots[i]);
		err = pthread_detach(t[i]);
		if (err != 0)
			lab_die("pthread_detach", err);
	}
	sem_wait_all(&ready, THREADS);
	for (i = 0; i < THREADS; i++)
		lab_wait_exited(tids[i]);
	lab_counters("detached", THREADS, THREADS);

	for (i = 0; i < THREADS; i++) {
		slots[i] = (struct slot){"exit", i};
		start(&t[i], exit_body, &slots[i]);
	}
	sem_wait_all(&ready, THREADS);
	for (i = 0; i < THREADS; i++)
		join(t[i], NULL);
	lab_counters("exit", THREADS, THREADS);

	for (i = 0; i < THREADS; i++) {
		slots[i] = (struct slot){"cancel", i};
		start(&t[i], cancel_body, &slots[i]);
	}
	sem_wait_all(&ready, THREADS);
	for (i = 0; i < THREADS; i++) {
		err = pthread_cancel(t[i]);
		if (err != 0)
			lab_die("pthread_cancel", err);
	}
	for (i = 0; i < THREADS; i++)
		join(t[i], PTHREAD_CANCELED);
	lab_counters("cancel", THREADS, THREADS);

	lab_end();
	return 0;
}
