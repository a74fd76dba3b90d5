/*
 * signals: signals that reach C threads which called Go. The argument
 * picks the case:
 *
 *   notify      with signal.Notify(SIGUSR1) installed in Go, main sends
 *               SIGUSR1 with pthread_kill to each of THREADS threads while
 *               they wait in C after their call into Go returned; each
 *               signal must reach the Go channel.
 *   altstack    the same with threads that install a sigaltstack of their
 *               own before their first call into Go; the sigaltstack must
 *               still be theirs after each call.
 *   cpuprofile  a CPU profile (pprof.StartCPUProfile) runs while THREADS
 *               threads alternate between spinning in Go and in C for a
 *               second; the profile must hold samples.
 */
#include "harness.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define THREADS 8
#define SIGNALS_PER_THREAD 5
#define ALTSTACK_SIZE (64 * 1024)

static const struct lab_thread_spec spec = {"signals", 0, 0};

static sem_t waiting, release;
static int use_altstack;

static void wait_sem(sem_t *s) {
	while (sem_wait(s) != 0) {
		if (errno != EINTR)
			lab_die("sem_wait", errno);
	}
}

/* check_altstack fails the host unless the thread's sigaltstack is ss. */
static void check_altstack(const stack_t *ss, const char *when) {
	stack_t cur;

	if (sigaltstack(NULL, &cur) != 0)
		lab_die("sigaltstack", errno);
	if ((cur.ss_flags & SS_DISABLE) != 0 || cur.ss_sp != ss->ss_sp || cur.ss_size != ss->ss_size)
		lab_fail("%s: sigaltstack is %p size %lu flags %d, expected the thread's own %p size %lu",
		         when, cur.ss_sp, (unsigned long)cur.ss_size, cur.ss_flags, ss->ss_sp,
		         (unsigned long)ss->ss_size);
}

static void *wait_body(void *p) {
	stack_t ss;
	const char *kind = use_altstack ? "altstack" : "notify";

	(void)p;
	memset(&ss, 0, sizeof ss);
	if (use_altstack) {
		ss.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ss.ss_sp == MAP_FAILED)
			lab_die("mmap", errno);
		ss.ss_size = ALTSTACK_SIZE;
		if (sigaltstack(&ss, NULL) != 0)
			lab_die("sigaltstack", errno);
	}
	lab_call(kind, 0, 0);
	if (use_altstack)
		check_altstack(&ss, "after the first call into Go");
	sem_post(&waiting);
	wait_sem(&release);
	if (use_altstack)
		check_altstack(&ss, "after the signals");
	lab_call(kind, 0, 0);
	if (use_altstack) {
		check_altstack(&ss, "after the second call into Go");
		/* Go may still use the stack when the thread ends: leave it mapped. */
	}
	return NULL;
}

/* await_notified waits up to 5 s for LabNotified to exceed before. */
static int await_notified(int64_t before) {
	struct timespec pause = {0, 1000000};
	int i;

	for (i = 0; i < 5000; i++) {
		if (LabNotified() > before)
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static void run_signals(void) {
	pthread_t t[THREADS];
	void *stack;
	int i, k, err, sent = 0;

	LabNotify(SIGUSR1);
	lab_counters("before", 0, 0);
	for (i = 0; i < THREADS; i++) {
		err = lab_thread_start(&t[i], &spec, wait_body, NULL, &stack);
		if (err != 0)
			lab_die("create thread", err);
	}
	for (i = 0; i < THREADS; i++)
		wait_sem(&waiting);

	for (i = 0; i < THREADS; i++) {
		for (k = 0; k < SIGNALS_PER_THREAD; k++) {
			int64_t before = LabNotified();
			err = pthread_kill(t[i], SIGUSR1);
			if (err != 0)
				lab_die("pthread_kill", err);
			sent++;
			if (!await_notified(before))
				lab_fail("signal %d (SIGUSR1 to thread %d) did not reach signal.Notify within 5 s", sent, i);
		}
	}
	lab_note("signals", "sent %d, signal.Notify received %lld", sent, (long long)LabNotified());

	for (i = 0; i < THREADS; i++)
		sem_post(&release);
	for (i = 0; i < THREADS; i++) {
		err = pthread_join(t[i], NULL);
		if (err != 0)
			lab_die("join thread", err);
	}
	lab_counters("after", THREADS, THREADS);
}

static void spin_c(uint64_t ns) {
	uint64_t end = lab_now_ns() + ns;
	volatile uint64_t x = 0;

	while (lab_now_ns() < end)
		x++;
}

static void *profile_body(void *p) {
	uint64_t end = lab_now_ns() + 1000000000ull;

	(void)p;
	lab_call("profiled", 0, 0);
	while (lab_now_ns() < end) {
		LabSpin(1000000);
		spin_c(1000000);
	}
	lab_call("profiled", 0, 0);
	return NULL;
}

static void run_profile(void) {
	pthread_t t[THREADS];
	void *stack;
	int64_t samples, size;
	int i, err;

	lab_counters("before", 0, 0);
	if (LabStartCPUProfile() != 0)
		lab_fail("pprof.StartCPUProfile failed");
	for (i = 0; i < THREADS; i++) {
		err = lab_thread_start(&t[i], &spec, profile_body, NULL, &stack);
		if (err != 0)
			lab_die("create thread", err);
	}
	for (i = 0; i < THREADS; i++) {
		err = pthread_join(t[i], NULL);
		if (err != 0)
			lab_die("join thread", err);
	}
	samples = LabStopCPUProfile(&size);
	lab_note("profile", "%lld samples, %lld bytes", (long long)samples, (long long)size);
	lab_counters("after", THREADS, THREADS);
	if (samples <= 0)
		lab_fail("the CPU profile holds %lld samples, expected some", (long long)samples);
}

int main(int argc, char **argv) {
	lab_start("signals");
	if (sem_init(&waiting, 0, 0) != 0 || sem_init(&release, 0, 0) != 0)
		lab_die("sem_init", errno);
	if (argc == 2 && strcmp(argv[1], "notify") == 0) {
		run_signals();
	} else if (argc == 2 && strcmp(argv[1], "altstack") == 0) {
		use_altstack = 1;
		run_signals();
	} else if (argc == 2 && strcmp(argv[1], "cpuprofile") == 0) {
		run_profile();
	} else {
		fprintf(stderr, "usage: signals notify|altstack|cpuprofile\n");
		return 2;
	}
	lab_end();
	return 0;
}
