/*
 * concurrency: 500 C threads call Go at once and stay alive with their
 * calls returned (each keeps its extra M from Go 1.21 on), then are
 * released and joined; a second wave does the same. The pthread keys in
 * use in the process are counted after main's first call into Go, while
 * the 500 threads are held, and after each wave: the Go library must not
 * use a key per thread, because musl allows only 128 keys in a process
 * (glibc 1024).
 */
#include "harness.h"

#define THREADS 500
#define WAVES 2

/*
 * 500 threads with the C library's default stack (RLIMIT_STACK, 8 MiB)
 * need 4 GiB of address space, more than a 32-bit process has, so there
 * the threads get 256 KiB each.
 */
static const struct lab_thread_spec spec = {"concurrent", sizeof(void *) < 8 ? 256 * 1024 : 0, 0};

static pthread_barrier_t called, released;

static void *body(void *p) {
	(void)p;
	lab_call("concurrent", 0, 0);
	pthread_barrier_wait(&called);
	pthread_barrier_wait(&released);
	return NULL;
}

int main(void) {
	static pthread_t t[THREADS];
	static const char *held[WAVES] = {"held-1", "held-2"};
	static const char *after[WAVES] = {"wave-1", "wave-2"};
	void *stack;
	int w, i, err;

	lab_start("concurrency");
	lab_call("main", 0, 0);
	lab_keys("first-call");
	lab_counters("before", 0, 0);
	if ((err = pthread_barrier_init(&called, NULL, THREADS + 1)) != 0 ||
	    (err = pthread_barrier_init(&released, NULL, THREADS + 1)) != 0)
		lab_die("pthread_barrier_init", err);

	for (w = 0; w < WAVES; w++) {
		for (i = 0; i < THREADS; i++) {
			err = lab_thread_start(&t[i], &spec, body, NULL, &stack);
			if (err != 0)
				lab_die("create thread", err);
		}
		pthread_barrier_wait(&called);
		lab_keys(held[w]);
		lab_note(held[w], "%d C threads alive after their calls into Go returned, %d OS threads",
		         THREADS, lab_os_threads());
		pthread_barrier_wait(&released);
		for (i = 0; i < THREADS; i++) {
			err = pthread_join(t[i], NULL);
			if (err != 0)
				lab_die("join thread", err);
		}
		lab_counters(after[w], THREADS, THREADS);
		lab_keys(after[w]);
	}

	lab_end();
	return 0;
}
