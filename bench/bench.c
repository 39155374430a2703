// SPDX-License-Identifier: MIT
/*
 * uiommu benchmarks: sampling, statistics and the BENCH line printer shared
 * by every benchmark program (see bench.h for the model).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Command-line glob patterns selecting benchmarks by name. */
static char **bench_patterns;
static int bench_npatterns;

/* Cost of one bench_now_ns(), measured at start-up. */
static double bench_clock_ns;

/* Samples per result unless a benchmark asks for a number. */
static unsigned int bench_default_samples = BENCH_SAMPLES;

/* perf record --control FIFOs (see open_perf_ctl()), or -1. */
static int perf_ctl_fd = -1;
static int perf_ack_fd = -1;

void bench_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *bench_xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		bench_fail("out of memory (%zu bytes)", size);
	return p;
}

void *bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		bench_fail("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile of sorted @v by linear interpolation between closest ranks. */
static double percentile(const double *v, unsigned int n, double p)
{
	double pos = p * (double)(n - 1);
	unsigned int lo = (unsigned int)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

struct bench_stats bench_stats_of(double *vals, unsigned int n)
{
	struct bench_stats st = { .n = n };

	if (!n)
		return st;
	qsort(vals, n, sizeof(*vals), cmp_double);
	st.median = percentile(vals, n, 0.5);
	st.p10 = percentile(vals, n, 0.1);
	st.p90 = percentile(vals, n, 0.9);
	return st;
}

void bench_print(const char *name, const char *unit,
		 const struct bench_stats *st)
{
	printf("BENCH %s unit=%s median=%.2f p10=%.2f p90=%.2f n=%u\n", name,
	       unit, st->median, st->p10, st->p90, st->n);
	/* One line at a time, so a pipe sees results as they come. */
	fflush(stdout);
}

bool bench_selected(const char *name)
{
	int i;

	if (!bench_npatterns)
		return true;
	for (i = 0; i < bench_npatterns; i++)
		if (!fnmatch(bench_patterns[i], name, 0))
			return true;
	return false;
}

/*
 * Median of many back-to-back clock reads: the price every sample pays
 * twice, and what the minimum sample length is chosen against.
 */
static double measure_clock_ns(void)
{
	double v[11];
	unsigned int i, j;

	for (i = 0; i < 11; i++) {
		uint64_t t0 = bench_now_ns();

		for (j = 0; j < 10000; j++)
			(void)bench_now_ns();
		v[i] = (double)(bench_now_ns() - t0) / 10000.0;
	}
	return bench_stats_of(v, 11).median;
}

/*
 * Migrating between the two CPUs mid-sample costs cold caches; staying on
 * one CPU makes samples comparable.  Best effort: a failure only costs noise.
 */
static void pin_to_current_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		bench_note("cannot pin to CPU %d: %s", cpu, strerror(errno));
}

/* Busy and total jiffies of all CPUs so far, from /proc/stat. */
static bool cpu_jiffies(uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	if (!f)
		return false;
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 5)
		return false;
	*total = 0;
	for (i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
	return true;
}

/*
 * Other work on a 2-CPU machine shows up directly in the results (a busy
 * neighbour shares our CPU or our L3).  The load average lags by minutes,
 * so look at what the CPUs do right now: while this process sleeps for
 * 200 ms, any busy time is someone else's (or the hypervisor's: steal).
 */
static void warn_if_busy(void)
{
	struct timespec ts = { .tv_nsec = 200000000 };
	uint64_t b0, t0, b1, t1;

	if (!cpu_jiffies(&b0, &t0))
		return;
	nanosleep(&ts, NULL);
	if (!cpu_jiffies(&b1, &t1) || t1 == t0)
		return;
	if ((b1 - b0) * 10 > (t1 - t0))
		bench_note("CPUs %.0f%% busy with other work: results may be "
			   "perturbed",
			   100.0 * (double)(b1 - b0) / (double)(t1 - t0));
}

/*
 * A whole-run profile is dominated by setup (building 10^6 areas faults in
 * fresh memory).  With
 *   BENCH_PERF_CTL=ctl BENCH_PERF_ACK=ack \
 *	perf record -D -1 --control fifo:ctl,ack -- prog
 * perf samples only the timed calls: each one is bracketed by "enable" and
 * "disable", and waiting for perf's ack before the clock starts keeps the
 * switch itself out of the timed region.
 */
static void open_perf_ctl(void)
{
	const char *ctl = getenv("BENCH_PERF_CTL");
	const char *ack = getenv("BENCH_PERF_ACK");

	if (!ctl)
		return;
	perf_ctl_fd = open(ctl, O_WRONLY | O_CLOEXEC);
	if (perf_ctl_fd < 0)
		bench_fail("open %s: %s", ctl, strerror(errno));
	if (ack) {
		perf_ack_fd = open(ack, O_RDONLY | O_CLOEXEC);
		if (perf_ack_fd < 0)
			bench_fail("open %s: %s", ack, strerror(errno));
	}
}

static void perf_ctl(const char *cmd)
{
	char buf[8];

	if (perf_ctl_fd < 0)
		return;
	if (write(perf_ctl_fd, cmd, strlen(cmd)) < 0)
		bench_fail("perf control: %s", strerror(errno));
	if (perf_ack_fd >= 0 && read(perf_ack_fd, buf, sizeof(buf)) < 0)
		bench_fail("perf ack: %s", strerror(errno));
}

void bench_init(int argc, char **argv)
{
	const char *env = getenv("BENCH_SAMPLES");

	bench_patterns = argv + 1;
	bench_npatterns = argc > 1 ? argc - 1 : 0;
	if (env) {
		bench_default_samples = (unsigned int)strtoul(env, NULL, 10);
		if (bench_default_samples < 1)
			bench_fail("BENCH_SAMPLES=%s: need a positive count",
				   env);
	}
	open_perf_ctl();
	pin_to_current_cpu();
	warn_if_busy();
	bench_clock_ns = measure_clock_ns();
}

double bench_clock_cost_ns(void)
{
	return bench_clock_ns;
}

/* One timed call of the body; returns nanoseconds. */
static uint64_t timed_call(const struct bench_spec *s, uint64_t iters)
{
	uint64_t t0, t1;

	perf_ctl("enable\n");
	t0 = bench_now_ns();
	s->body(s->arg, iters);
	t1 = bench_now_ns();
	perf_ctl("disable\n");
	if (s->reset)
		s->reset(s->arg, iters);
	return t1 - t0;
}

/*
 * Grows the batch until one call lasts BENCH_MIN_SAMPLE_NS.  The calls made
 * on the way double as warm-up (caches, branch predictors, page faults).
 */
static uint64_t auto_batch(const struct bench_spec *s)
{
	uint64_t batch = 1, ns;
	bool first = true;

	for (;;) {
		ns = timed_call(s, batch);
		/*
		 * Never stop on the first call: it carries one-time costs
		 * (lazy set-up, cold caches) that would make one operation
		 * look long enough to fill a sample on its own.
		 */
		if (!first && (ns >= BENCH_MIN_SAMPLE_NS ||
			       (s->max_batch && batch >= s->max_batch)))
			break;
		first = false;
		/*
		 * Aim 25% past the target.  A call far shorter than the
		 * target is mostly clock overhead and noise, too rough to
		 * extrapolate from, so grow at most 16x per step.
		 */
		if (ns < BENCH_MIN_SAMPLE_NS / 16)
			batch *= 16;
		else
			batch = batch * BENCH_MIN_SAMPLE_NS * 5 / 4 / ns + 1;
		if (s->max_batch && batch > s->max_batch)
			batch = s->max_batch;
	}
	/* The last call was warm: it gives the real time per operation. */
	batch = batch * BENCH_MIN_SAMPLE_NS * 5 / 4 / (ns ? ns : 1) + 1;
	if (s->max_batch && batch > s->max_batch)
		batch = s->max_batch;
	return batch;
}

struct bench_stats bench_run(const struct bench_spec *s)
{
	unsigned int n = s->samples ? s->samples : bench_default_samples;
	bool gbps = !strcmp(s->unit, "GB/s");
	double *v = bench_xcalloc(n, sizeof(*v));
	uint64_t batch, ns, shortest = UINT64_MAX;
	struct bench_stats st;
	unsigned int i;

	if (s->batch) {
		batch = s->batch;
		(void)timed_call(s, batch);	/* warm-up */
	} else {
		batch = auto_batch(s);
	}

	for (i = 0; i < n; i++) {
		ns = timed_call(s, batch);
		if (ns < shortest)
			shortest = ns;
		v[i] = (double)ns / (double)batch;
		if (gbps)
			v[i] = s->bytes_per_op / v[i];	/* bytes/ns == GB/s */
	}

	/* Two clock reads per sample must stay under 1% of it. */
	if (2.0 * bench_clock_ns > 0.01 * (double)shortest)
		bench_note("%s: timer cost %.0f ns is over 1%% of a %" PRIu64
			   " ns sample", s->name, 2.0 * bench_clock_ns,
			   shortest);

	st = bench_stats_of(v, n);
	bench_print(s->name, s->unit, &st);
	free(v);
	return st;
}

struct bench_stats bench_run_pct(const char *name, bench_pair_fn ref,
				 bench_pair_fn fn, void *arg, uint64_t reps)
{
	double v[BENCH_PCT_SAMPLES];
	struct bench_stats st;

	ref(arg, 8 * reps); /* warm both sides */
	fn(arg, 8 * reps);
	for (unsigned int i = 0; i < BENCH_PCT_SAMPLES; i++) {
		uint64_t t[5];

		t[0] = bench_now_ns();
		ref(arg, reps);
		t[1] = bench_now_ns();
		fn(arg, reps);
		t[2] = bench_now_ns();
		fn(arg, reps);
		t[3] = bench_now_ns();
		ref(arg, reps);
		t[4] = bench_now_ns();
		v[i] = 100.0 * (double)(t[1] - t[0] + t[4] - t[3]) /
		       (double)(t[3] - t[1]);
	}
	st = bench_stats_of(v, BENCH_PCT_SAMPLES);
	bench_print(name, "pct", &st);
	return st;
}
