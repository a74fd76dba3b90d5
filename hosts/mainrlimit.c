/*
 * mainrlimit: the main thread under a small RLIMIT_STACK. The argument is
 * the limit ("256k", "1m" or "unlimited"); the host sets it and executes
 * itself again, so the kernel lays out the new process for that limit as
 * `ulimit -s` would. The main thread then calls Go from its entry frame
 * and from frames 64 KiB and 160 KiB deep, and a default pthread (whose
 * stack glibc sizes from RLIMIT_STACK) does the same, with a GC on g0
 * each time. The true lower bound of the main thread is RLIMIT_STACK
 * below the top of its stack mapping.
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define KiB ((size_t)1024)

static const size_t depths[] = {0, 64 * KiB, 160 * KiB};
#define NDEPTHS (sizeof depths / sizeof depths[0])

/* Marks the process that runs under the limit. */
#define REEXEC_ENV "CGOHOSTLAB_MAINRLIMIT_SET"

static void run_depths(const char *kind) {
	lab_call_depths(kind, depths, NDEPTHS, 64 * KiB);
}

static void *body(void *p) {
	run_depths(p);
	return NULL;
}

/* parse_limit parses "unlimited" or a size with an optional k or m suffix. */
static int parse_limit(const char *s, rlim_t *limit) {
	char *end;
	unsigned long long v;

	if (strcmp(s, "unlimited") == 0) {
		*limit = RLIM_INFINITY;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (strcmp(end, "k") == 0)
		v *= 1024;
	else if (strcmp(end, "m") == 0)
		v *= 1024 * 1024;
	else if (*end != '\0')
		return -1;
	*limit = (rlim_t)v;
	return 0;
}

int main(int argc, char **argv) {
	static const struct lab_thread_spec spec = {"pthread-default", 0, 0};
	struct rlimit rl;

	if (argc != 2 || parse_limit(argv[1], &rl.rlim_cur) != 0) {
		fprintf(stderr, "usage: mainrlimit LIMIT (for example 256k, 1m or unlimited)\n");
		return 2;
	}
	if (getenv(REEXEC_ENV) == NULL) {
		if (getrlimit(RLIMIT_STACK, &rl) != 0)
			lab_die("getrlimit", errno);
		parse_limit(argv[1], &rl.rlim_cur);
		if (rl.rlim_max != RLIM_INFINITY && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max))
			lab_die("RLIMIT_STACK above the hard limit", EPERM);
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			lab_die("setrlimit RLIMIT_STACK", errno);
		if (setenv(REEXEC_ENV, argv[1], 1) != 0)
			lab_die("setenv", errno);
		execv("/proc/self/exe", argv);
		lab_die("execv /proc/self/exe", errno);
	}

	lab_start("mainrlimit");
	run_depths("main");
	lab_thread_run(&spec, body, "pthread-default");
	lab_counters("end", 1, 1);
	lab_end();
	return 0;
}
