/*
 * Shared harness for cgohostlab C hosts.
 *
 * A host is a C99 program linked against the lab's Go c-archive. It writes
 * one JSON object per line to stdout (the observation protocol that the
 * lab's judge package parses) and leaves stderr to the Go runtime, so a
 * fatal error or traceback reaches the lab whole.
 *
 * Every difference between C libraries sits behind the LAB_GLIBC test in
 * harness.c.
 */
#ifndef CGOHOSTLAB_HARNESS_H
#define CGOHOSTLAB_HARNESS_H

#define _GNU_SOURCE 1

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "liblab.h" /* written by go build -buildmode=c-archive */

/*
 * Slots of the probe array that LabCall fills. The runtime overlay sets
 * bits in LAB_P_AVAIL for the slots its toolchain can fill. A slot whose
 * bit is clear is "not available" and is written as null, never as zero.
 */
enum {
	LAB_P_M,            /* id of the calling thread's M */
	LAB_P_ISEXTRA,      /* 1 if that M is an extra M (one made for C threads) */
	LAB_P_G0_LO,        /* g0 stack bounds the runtime holds for this M */
	LAB_P_G0_HI,
	LAB_P_ACCURATE,     /* 1 if the runtime marked those bounds accurate */
	LAB_P_MS_CREATED,   /* Ms ever created in the process */
	LAB_P_EXTRA_FREE,   /* extra Ms on the free list */
	LAB_P_EXTRA_IN_USE, /* extra Ms bound to C threads */
	LAB_P_AVAIL,        /* bit i set: slot i is available */
	LAB_P_LEN
};

/* True stack bounds of a thread and their source. */
struct lab_bounds {
	uintptr_t lo;
	uintptr_t hi;
	const char *source; /* "buffer", "libc", "maps" or one set by lab_set_known_stack */
};

/* Stack of a test thread: size and who allocates it. */
struct lab_thread_spec {
	const char *kind;  /* name used in records, for example "pthread-256k" */
	size_t stacksize;  /* 0: the C library's default */
	int user_stack;    /* 1: the host allocates the stack (pthread_attr_setstack) */
};

/* Writes the start record; call first in main. */
void lab_start(const char *host);

/* Writes the end record; call last in main before returning 0. */
void lab_end(void);

/* Writes one JSON line. fmt must produce a complete JSON object. */
void lab_emit(const char *fmt, ...);

/* Returns the approximate stack pointer of the caller. */
uintptr_t lab_sp(void);

/* Fills b with the true bounds of the calling thread's stack. */
void lab_true_bounds(struct lab_bounds *b);

/*
 * Calls into Go (LabCall, with a forced GC when gc is set, so the runtime
 * works on g0) and writes a call record for thread kind `kind` that was
 * called at `depth` bytes below the thread's entry frame.
 */
void lab_call(const char *kind, size_t depth, int gc);

/*
 * Calls into Go for process-wide counters and writes a counters record for
 * the end of `phase`, in which `threads` C threads came and went, at most
 * `peak` of them alive at once.
 */
void lab_counters(const char *phase, int threads, int peak);

/*
 * Writes an altstack record: whether the calling thread has a signal stack
 * installed, and its size. Called after a thread's first call into Go has
 * returned, it tells whether the thread kept its M: the runtime installs
 * its own signal stack when it gives a C thread an M, and removes it when
 * it takes the M back (Go 1.20 and earlier, after every call).
 */
void lab_altstack(const char *kind);

/* Writes a skip record: a planned call that the host did not make. */
void lab_skip(const char *kind, size_t depth, const char *reason);

/*
 * Runs fn(arg) at least `depth` bytes of stack below the caller's frame,
 * by recursing through frames that touch their own memory.
 */
void lab_at_depth(size_t depth, void (*fn)(void *), void *arg);

/*
 * Calls Go with a GC on g0 (lab_call) from each of the n depths below the
 * caller's frame, as thread kind `kind`. A depth that would leave less
 * than `spare` bytes of the thread's true stack is skipped and recorded.
 */
void lab_call_depths(const char *kind, const size_t *depths, size_t n, size_t spare);

/*
 * Starts a thread as spec describes, running fn(arg). Returns 0 or an
 * errno value. *stack receives a host-allocated stack to pass to
 * lab_thread_free_stack after the join, or NULL.
 */
int lab_thread_start(pthread_t *t, const struct lab_thread_spec *spec,
                     void *(*fn)(void *), void *arg, void **stack);

/*
 * Runs fn(arg) on a thread as spec describes and waits for it to end.
 * Exits through lab_die when the thread cannot be created or joined.
 */
void lab_thread_run(const struct lab_thread_spec *spec, void *(*fn)(void *), void *arg);

/* Releases a stack returned by lab_thread_start. */
void lab_thread_free_stack(void *stack, size_t size);

/* Registers the calling thread's host-allocated stack for lab_true_bounds. */
void lab_set_user_stack(void *lo, size_t size);

/*
 * Registers [lo, hi) as the calling thread's true stack, read from source,
 * for a thread whose stack the C library can no longer report (rawclone.c).
 */
void lab_set_known_stack(uintptr_t lo, uintptr_t hi, const char *source);

/*
 * Runs fn(arg) on the host-allocated stack [stack, stack+size) and returns
 * to the caller's stack: makecontext and swapcontext on glibc, a few lines
 * of x86-64 or arm64 assembly on musl, which has no ucontext functions.
 * While fn runs, lab_true_bounds reports that stack.
 */
void lab_run_on_stack(void *stack, size_t size, void (*fn)(void *), void *arg);

/* Returns a monotonic clock reading in nanoseconds. */
uint64_t lab_now_ns(void);

/* Number of threads in the process, from /proc/self/task. */
int lab_os_threads(void);

/* Prints msg with errno text to stderr, writes an error record and exits 3. */
void lab_die(const char *msg, int err);

/* Returns the calling thread's kernel thread id. */
long lab_thread_id(void);

/*
 * Waits up to 10 s until the thread with kernel id tid has left the
 * process (its /proc/self/task entry is gone): a detached thread's end,
 * after its pthread key destructors ran. Fails the host on timeout.
 */
void lab_wait_exited(long tid);

/*
 * Counts the pthread keys in use in the whole process, by creating keys
 * until pthread_key_create fails and deleting them again, and writes a
 * keys record for the end of `phase`. No other thread may create or
 * delete keys meanwhile.
 */
void lab_keys(const char *phase);

/* Writes a note record: evidence the judge does not read, for the report. */
void lab_note(const char *name, const char *fmt, ...);

/*
 * Reports a failed check of the host itself: prints "cgohostlab host:
 * check failed: MSG" to stderr, writes an error record and exits 1.
 */
void lab_fail(const char *fmt, ...);

#endif
