#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#include <ucontext.h>
#define LAB_GLIBC 1
#else
#define LAB_GLIBC 0
#endif

#include <time.h>

static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

/* Host-allocated stack of the calling thread, if it runs on one. */
static __thread uintptr_t user_stack_lo;
static __thread uintptr_t user_stack_hi;
static __thread const char *user_stack_source;

static long lab_tid(void) {
	return (long)syscall(SYS_gettid);
}

static const char *libc_name(void) {
#if LAB_GLIBC
	static char name[64];
	snprintf(name, sizeof name, "glibc %s", gnu_get_libc_version());
	return name;
#else
	/* musl has no version call; the lab reads the version from the image. */
	return "musl";
#endif
}

void lab_emit(const char *fmt, ...) {
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&emit_lock);
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&emit_lock);
}

void lab_start(const char *host) {
	struct rlimit rl;
	char limit[32] = "null";

	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(limit, sizeof limit, "%llu", (unsigned long long)rl.rlim_cur);
	lab_emit("{\"rec\":\"start\",\"host\":\"%s\",\"libc\":\"%s\",\"pid\":%ld,"
	         "\"page_size\":%ld,\"rlimit_stack\":%s}",
	         host, libc_name(), (long)getpid(), sysconf(_SC_PAGESIZE), limit);
}

void lab_end(void) {
	lab_emit("{\"rec\":\"end\",\"os_threads\":%d}", lab_os_threads());
}

void lab_die(const char *msg, int err) {
	fprintf(stderr, "cgohostlab host: %s: %s\n", msg, strerror(err));
	lab_emit("{\"rec\":\"error\",\"msg\":\"%s\",\"errno\":%d}", msg, err);
	exit(3);
}

uintptr_t lab_sp(void) {
	volatile char marker = 0;
	return (uintptr_t)&marker;
}

/*
 * main_thread_bounds reads the main thread's stack from /proc/self/maps.
 * hi is the end of the mapping that contains sp. lo is as far down as the
 * kernel lets that mapping grow, RLIMIT_STACK below hi but not into the
 * mapping below it.
 * NOTE: the kernel also keeps a guard gap (stack_guard_gap, 1 MiB by
 * default) above the mapping below; lo ignores it, as glibc does.
 */
static int main_thread_bounds(uintptr_t sp, struct lab_bounds *b) {
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t prev_end = 0;
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (sp >= start && sp < end) {
			struct rlimit rl;
			b->hi = end;
			b->lo = prev_end;
			if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
			    rl.rlim_cur < end && end - rl.rlim_cur > prev_end)
				b->lo = end - rl.rlim_cur;
			b->source = "maps";
			found = 1;
			break;
		}
		prev_end = end;
	}
	fclose(f);
	return found ? 0 : -1;
}

void lab_true_bounds(struct lab_bounds *b) {
	uintptr_t sp = lab_sp();
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int err;

	if (user_stack_hi != 0) {
		b->lo = user_stack_lo;
		b->hi = user_stack_hi;
		b->source = user_stack_source;
		return;
	}
	if (lab_tid() == (long)getpid()) {
		if (main_thread_bounds(sp, b) == 0)
			return;
		lab_die("read main thread stack from /proc/self/maps", errno);
	}

	/*
	 * Other threads: the C library's own bounds. glibc's range includes the
	 * thread descriptor and static TLS at the top; musl's stops below them.
	 */
	err = pthread_getattr_np(pthread_self(), &attr);
	if (err != 0)
		lab_die("pthread_getattr_np", err);
	err = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (err != 0)
		lab_die("pthread_attr_getstack", err);
	b->lo = (uintptr_t)addr;
	b->hi = (uintptr_t)addr + size;
	b->source = "libc";
}

/* probe_field formats slot i of p as a JSON number, or null if unavailable. */
static const char *probe_field(const uint64_t *p, int i, char *buf, size_t n) {
	if ((p[LAB_P_AVAIL] & (1ull << i)) == 0)
		return "null";
	snprintf(buf, n, "%llu", (unsigned long long)p[i]);
	return buf;
}

void lab_call(const char *kind, size_t depth, int gc) {
	uint64_t p[LAB_P_LEN];
	struct lab_bounds b;
	uintptr_t sp;
	char m[24], extra[24], lo[24], hi[24], acc[24];

	/*
	 * The true bounds are read after the call: reading /proc/self/maps
	 * would fault in stack pages below SP before Go runs on them.
	 */
	memset(p, 0, sizeof p);
	sp = lab_sp();
	LabCall(gc, (uint64_t *)p);
	lab_true_bounds(&b);

	lab_emit("{\"rec\":\"call\",\"kind\":\"%s\",\"tid\":%ld,\"depth\":%lu,"
	         "\"sp\":%lu,\"true_lo\":%lu,\"true_hi\":%lu,\"truth\":\"%s\","
	         "\"m\":%s,\"isextra\":%s,\"g0_lo\":%s,\"g0_hi\":%s,\"accurate\":%s}",
	         kind, lab_tid(), (unsigned long)depth, (unsigned long)sp,
	         (unsigned long)b.lo, (unsigned long)b.hi, b.source,
	         probe_field(p, LAB_P_M, m, sizeof m),
	         probe_field(p, LAB_P_ISEXTRA, extra, sizeof extra),
	         probe_field(p, LAB_P_G0_LO, lo, sizeof lo),
	         probe_field(p, LAB_P_G0_HI, hi, sizeof hi),
	         probe_field(p, LAB_P_ACCURATE, acc, sizeof acc));
}

void lab_counters(const char *phase, int threads, int peak) {
	uint64_t p[LAB_P_LEN];
	char ms[24], ef[24], eu[24];

	memset(p, 0, sizeof p);
	LabCall(0, (uint64_t *)p);
	lab_emit("{\"rec\":\"counters\",\"phase\":\"%s\",\"threads\":%d,\"peak\":%d,"
	         "\"ms_created\":%s,\"extra_free\":%s,\"extra_in_use\":%s,\"os_threads\":%d}",
	         phase, threads, peak, probe_field(p, LAB_P_MS_CREATED, ms, sizeof ms),
	         probe_field(p, LAB_P_EXTRA_FREE, ef, sizeof ef),
	         probe_field(p, LAB_P_EXTRA_IN_USE, eu, sizeof eu), lab_os_threads());
}

void lab_altstack(const char *kind) {
	stack_t ss;

	if (sigaltstack(NULL, &ss) != 0)
		lab_die("sigaltstack", errno);
	lab_emit("{\"rec\":\"altstack\",\"kind\":\"%s\",\"enabled\":%s,\"size\":%lu}", kind,
	         (ss.ss_flags & SS_DISABLE) ? "false" : "true", (unsigned long)ss.ss_size);
}

void lab_skip(const char *kind, size_t depth, const char *reason) {
	lab_emit("{\"rec\":\"skip\",\"kind\":\"%s\",\"depth\":%lu,\"reason\":\"%s\"}",
	         kind, (unsigned long)depth, reason);
}

/*
 * descend recurses through 2 KiB frames until sp is below target. Each
 * frame writes its buffer before and after the call, so the compiler can
 * neither drop the buffer nor turn the recursion into a loop.
 */
static void descend(uintptr_t target, void (*fn)(void *), void *arg) {
	volatile char pad[2048];

	pad[0] = 1;
	pad[sizeof pad - 1] = 1;
	if (lab_sp() > target)
		descend(target, fn, arg);
	else
		fn(arg);
	pad[1] = pad[0];
}

void lab_at_depth(size_t depth, void (*fn)(void *), void *arg) {
	if (depth == 0) {
		fn(arg);
		return;
	}
	descend(lab_sp() - depth, fn, arg);
}

struct depth_call {
	const char *kind;
	size_t depth;
};

static void call_at_depth(void *p) {
	struct depth_call *c = p;

	lab_call(c->kind, c->depth, 1);
}

void lab_call_depths(const char *kind, const size_t *depths, size_t n, size_t spare) {
	struct lab_bounds b;
	size_t i;

	lab_true_bounds(&b);
	for (i = 0; i < n; i++) {
		struct depth_call c = {kind, depths[i]};
		if (depths[i] + spare > lab_sp() - b.lo) {
			lab_skip(kind, depths[i], "depth does not fit in the thread's stack");
			continue;
		}
		lab_at_depth(depths[i], call_at_depth, &c);
	}
}

void lab_set_user_stack(void *lo, size_t size) {
	lab_set_known_stack((uintptr_t)lo, (uintptr_t)lo + size, "buffer");
}

void lab_set_known_stack(uintptr_t lo, uintptr_t hi, const char *source) {
	user_stack_lo = lo;
	user_stack_hi = hi;
	user_stack_source = source;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	void *stack;
	size_t size;
};

static void *thread_main(void *p) {
	struct thread_start ts = *(struct thread_start *)p;

	free(p);
	if (ts.stack != NULL)
		lab_set_user_stack(ts.stack, ts.size);
	return ts.fn(ts.arg);
}

int lab_thread_start(pthread_t *t, const struct lab_thread_spec *spec,
                     void *(*fn)(void *), void *arg, void **stack) {
	pthread_attr_t attr;
	struct thread_start *ts;
	int err;

	*stack = NULL;
	ts = calloc(1, sizeof *ts);
	if (ts == NULL)
		return ENOMEM;
	ts->fn = fn;
	ts->arg = arg;

	err = pthread_attr_init(&attr);
	if (err != 0) {
		free(ts);
		return err;
	}
	if (spec->user_stack) {
		void *mem = mmap(NULL, spec->stacksize, PROT_READ | PROT_WRITE,
		                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (mem == MAP_FAILED) {
			err = errno;
			goto out;
		}
		ts->stack = mem;
		ts->size = spec->stacksize;
		*stack = mem;
		err = pthread_attr_setstack(&attr, mem, spec->stacksize);
	} else if (spec->stacksize != 0) {
		err = pthread_attr_setstacksize(&attr, spec->stacksize);
	}
	if (err == 0)
		err = pthread_create(t, &attr, thread_main, ts);
out:
	pthread_attr_destroy(&attr);
	if (err != 0) {
		if (*stack != NULL)
			munmap(*stack, spec->stacksize);
		*stack = NULL;
		free(ts);
	}
	return err;
}

void lab_thread_run(const struct lab_thread_spec *spec, void *(*fn)(void *), void *arg) {
	pthread_t t;
	void *stack;
	int err;

	err = lab_thread_start(&t, spec, fn, arg, &stack);
	if (err != 0)
		lab_die("create thread", err);
	err = pthread_join(t, NULL);
	if (err != 0)
		lab_die("join thread", err);
	lab_thread_free_stack(stack, spec->stacksize);
}

void lab_thread_free_stack(void *stack, size_t size) {
	if (stack != NULL)
		munmap(stack, size);
}

int lab_os_threads(void) {
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

uint64_t lab_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if LAB_GLIBC
static __thread void (*switch_fn)(void *);
static __thread void *switch_arg;
static __thread ucontext_t switch_back;

static void switch_entry(void) {
	switch_fn(switch_arg);
}

static void call_on_stack(void *stack, size_t size, void (*fn)(void *), void *arg) {
	ucontext_t uc;

	if (getcontext(&uc) != 0)
		lab_die("getcontext", errno);
	uc.uc_stack.ss_sp = stack;
	uc.uc_stack.ss_size = size;
	uc.uc_link = &switch_back;
	switch_fn = fn;
	switch_arg = arg;
	makecontext(&uc, switch_entry, 0);
	if (swapcontext(&switch_back, &uc) != 0)
		lab_die("swapcontext", errno);
}
#elif defined(__x86_64__)
/*
 * Saves SP in callee-saved rbx, moves SP to the 16-byte aligned top of
 * the new stack, calls fn(arg) and restores SP. Every caller-saved
 * register is declared clobbered because fn is an ordinary C call.
 */
static void call_on_stack(void *stack, size_t size, void (*fn)(void *), void *arg) {
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;

	__asm__ volatile(
	    "mov %%rsp, %%rbx\n\t"
	    "mov %0, %%rsp\n\t"
	    "mov %2, %%rdi\n\t"
	    "call *%1\n\t"
	    "mov %%rbx, %%rsp\n\t"
	    :
	    : "r"(top), "r"(fn), "r"(arg)
	    : "rbx", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
	      "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	      "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
	      "memory", "cc");
}
#elif defined(__aarch64__)
/*
 * The same for arm64: SP is kept in callee-saved x19, fn(arg) is called
 * with arg in x0, and every register that the AAPCS64 lets fn change is
 * declared clobbered (all vector registers, because fn may change the
 * upper halves of v8-v15).
 */
static void call_on_stack(void *stack, size_t size, void (*fn)(void *), void *arg) {
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;

	__asm__ volatile(
	    "mov x19, sp\n\t"
	    "mov sp, %0\n\t"
	    "mov x0, %2\n\t"
	    "blr %1\n\t"
	    "mov sp, x19\n\t"
	    :
	    : "r"(top), "r"(fn), "r"(arg)
	    : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
	      "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x30",
	      "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
	      "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
	      "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30",
	      "v31", "memory", "cc");
}
#else
#error "lab_run_on_stack: no stack switch for this C library and CPU"
#endif

void lab_run_on_stack(void *stack, size_t size, void (*fn)(void *), void *arg) {
	uintptr_t saved_lo = user_stack_lo, saved_hi = user_stack_hi;

	lab_set_user_stack(stack, size);
	call_on_stack(stack, size, fn, arg);
	user_stack_lo = saved_lo;
	user_stack_hi = saved_hi;
}

long lab_thread_id(void) {
	return lab_tid();
}

void lab_wait_exited(long tid) {
	char path[64];
	struct timespec pause = {0, 1000000};
	int i;

	snprintf(path, sizeof path, "/proc/self/task/%ld", tid);
	for (i = 0; i < 10000; i++) {
		if (access(path, F_OK) != 0)
			return;
		nanosleep(&pause, NULL);
	}
	lab_fail("thread %ld did not exit within 10 s", tid);
}

#define LAB_KEYS_PROBE 4096

void lab_keys(const char *phase) {
	static pthread_key_t keys[LAB_KEYS_PROBE];
	long max = sysconf(_SC_THREAD_KEYS_MAX);
	int free_keys = 0, i, err = 0;

	while (free_keys < LAB_KEYS_PROBE && (err = pthread_key_create(&keys[free_keys], NULL)) == 0)
		free_keys++;
	if (err != EAGAIN)
		lab_die("pthread_key_create while counting keys", err);
	for (i = 0; i < free_keys; i++)
		pthread_key_delete(keys[i]);
	if (max < 0)
		lab_die("sysconf(_SC_THREAD_KEYS_MAX) gives no limit", errno);
	lab_emit("{\"rec\":\"keys\",\"phase\":\"%s\",\"keys_in_use\":%ld,\"keys_max\":%ld}",
	         phase, max - free_keys, max);
}

void lab_note(const char *name, const char *fmt, ...) {
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	lab_emit("{\"rec\":\"note\",\"name\":\"%s\",\"detail\":\"%s\"}", name, detail);
}

void lab_fail(const char *fmt, ...) {
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "cgohostlab host: check failed: %s\n", msg);
	lab_emit("{\"rec\":\"error\",\"msg\":\"check failed: %s\",\"errno\":0}", msg);
	exit(1);
}
