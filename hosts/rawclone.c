/*
 * rawclone: Go called from a thread whose descriptor in the C library
 * carries a stale thread id, as in a container runtime that forks with a
 * raw clone system call and starts Go in the child.
 *
 * A pthread forks the process with clone(SIGCHLD) through syscall(),
 * which bypasses the C library's fork. In the child, the descriptor that
 * pthread_self returns still contains the pthread's thread id. The pthread
 * then exits in the parent, so that id names no task, and the C
 * library's affinity query inside pthread_getattr_np fails with ESRCH.
 * The child, once it sees that, opens the c-shared library and calls Go
 * from the pthread's copied stack, shallow and 40 KiB deep.
 *
 * glibc 2.32 and later initialize the attr in pthread_getattr_np, and
 * destroy it on error. Before 2.32, the error path returned with the
 * attr's cpuset pointer left as the caller's stack held it, and a runtime
 * that calls pthread_attr_destroy on an attr it did not initialize frees
 * that garbage. The child first paints the stack below it, so the garbage
 * is the same on every run.
 *
 * The pthread forks only once main has returned from pthread_create: a
 * C library lock that main held at the fork would stay held in the child
 * by a thread that does not exist there. Before this wait, the musl
 * child hung in dlopen in 3 of 18 runs.
 *
 * The parent waits for the child and ends as the child ended: with its
 * exit status, or killed by its signal, so the lab sees a crash and the
 * child's stderr. Only c-shared with load "dlopen" fits: a runtime that
 * started in the parent would be left in the child without its threads.
 */
#include "harness.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEEP (40 * 1024)
#define PAINT (64 * 1024)
#define PAINT_BYTE 0xa5

/* The pthread's true stack, read before the clone, and its thread id. */
static struct lab_bounds cloner_stack;
static long stale_tid;

/* main writes a byte here once pthread_create has returned. */
static int created[2];

/*
 * tid_gone reports whether no task has thread id tid, so that
 * sched_getaffinity on it fails with ESRCH, as it will inside glibc.
 */
static int tid_gone(long tid) {
	cpu_set_t set;

	return syscall(SYS_sched_getaffinity, tid, sizeof set, &set) == -1 && errno == ESRCH;
}

/* paint fills PAINT bytes of stack below the caller with PAINT_BYTE. */
static void paint(void) {
	volatile unsigned char buf[PAINT];
	size_t i;

	for (i = 0; i < sizeof buf; i++)
		buf[i] = PAINT_BYTE;
}

static void call_go(void *p) {
	lab_call("rawclone-child", *(const size_t *)p, 1);
}

/* child runs in the forked process, on its copy of the pthread's stack. */
static void child(void) {
	pthread_attr_t attr;
	const size_t shallow = 0, deep = DEEP;
	int i, err;

	for (i = 0; !tid_gone(stale_tid); i++) {
		if (i == 1000)
			lab_fail("thread id %ld of the exited pthread still names a task after 10 s", stale_tid);
		usleep(10 * 1000);
	}
	lab_set_known_stack(cloner_stack.lo, cloner_stack.hi, "parent");

	/* Record what pthread_getattr_np returns here, called with an initialized attr. */
	pthread_attr_init(&attr);
	err = pthread_getattr_np(pthread_self(), &attr);
	pthread_attr_destroy(&attr);
	lab_note("getattr", "pthread_getattr_np on the stale thread returns %d (%s)", err,
	         err == 0 ? "no error" : strerror(err));

	paint();
	call_go((void *)&shallow);
	lab_at_depth(DEEP, call_go, (void *)&deep);
	lab_counters("after-calls", 1, 1);
	lab_end();
	exit(0);
}

static void *cloner(void *p) {
	pid_t *pid = p;
	char c;

	if (read(created[0], &c, 1) != 1)
		lab_die("read the start byte", errno);
	lab_true_bounds(&cloner_stack);
	stale_tid = lab_thread_id();
	fflush(stdout);
	*pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (*pid == 0)
		child();
	if (*pid < 0)
		lab_die("clone", errno);
	return NULL;
}

int main(void) {
	pthread_t t;
	pid_t pid = 0;
	int err, status, sig;

	lab_start("rawclone");
	if (pipe(created) != 0)
		lab_die("pipe", errno);
	err = pthread_create(&t, NULL, cloner, &pid);
	if (err != 0)
		lab_die("pthread_create", err);
	if (write(created[1], "x", 1) != 1)
		lab_die("write the start byte", errno);
	err = pthread_join(t, NULL);
	if (err != 0)
		lab_die("pthread_join", err);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			lab_die("waitpid", errno);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	sig = WTERMSIG(status);
	fprintf(stderr, "cgohostlab host: the raw-clone child died of signal %d (%s)\n", sig,
	        strsignal(sig));
	fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
	return 128 + sig;
}
