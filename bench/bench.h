/* SPDX-License-Identifier: MIT */
/*
 * uiommu benchmarks: the shared sampling and reporting layer.
 *
 * A benchmark is a body that performs a given number of operations.  One
 * sample is one call of the body with a batch of operations between two
 * clock reads; the sample's value is the batch time divided by the batch
 * size, so the clock's own cost (about 26 ns for a vDSO clock_gettime on
 * the reference VM) is spread over the batch.  The batch is chosen so that
 * a sample lasts at least BENCH_MIN_SAMPLE_NS, which keeps the two clock
 * reads under 0.01% of it; a benchmark whose state caps its batch gets
 * shorter samples, and bench_run() notes any result whose clock reads
 * exceed 1% of a sample.  A reset hook, run between samples outside the
 * timed region, lets stateful benchmarks undo what a batch did (e.g. unmap
 * areas a batch of allocations created) so every sample starts alike.
 *
 * Every result is printed on stdout as exactly one line:
 *
 *   BENCH <name> unit=<unit> median=<x> p10=<x> p90=<x> n=<samples>
 *
 * where p10/p90 are the 10th and 90th percentiles across samples.  Anything
 * else a benchmark wants to say goes to stderr prefixed with "# ", so stdout
 * stays machine-readable.
 */
#ifndef UIOMMU_BENCH_H
#define UIOMMU_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A sample shorter than this would let timer cost and jitter show. */
#define BENCH_MIN_SAMPLE_NS 2000000ull /* 2 ms */

/*
 * Default number of samples per result (at least 10 are wanted for a
 * meaningful p10/p90).  The BENCH_SAMPLES environment variable overrides
 * it, e.g. to give a profiler more of the timed region to look at.
 */
#define BENCH_SAMPLES 21

struct bench_stats {
	double median;
	double p10;
	double p90;
	unsigned int n;
};

/* Performs @iters operations; the only code inside the timed region. */
typedef void (*bench_body_fn)(void *arg, uint64_t iters);

/* Undoes what a body call of @iters operations changed; never timed. */
typedef void (*bench_reset_fn)(void *arg, uint64_t iters);

struct bench_spec {
	const char *name;
	/*
	 * "ns": nanoseconds per operation.  "GB/s": bytes_per_op divided by
	 * the time per operation (10^9 bytes per second).
	 */
	const char *unit;
	bench_body_fn body;
	bench_reset_fn reset;	/* may be NULL */
	void *arg;
	/*
	 * Operations per sample.  0: grow the batch until one call takes
	 * BENCH_MIN_SAMPLE_NS (the usual choice); otherwise exactly this many,
	 * for a body whose work cannot be split into arbitrary counts.
	 */
	uint64_t batch;
	uint64_t max_batch;	/* cap for the automatic batch; 0 = none */
	unsigned int samples;	/* 0 = the default (see BENCH_SAMPLES) */
	double bytes_per_op;	/* for "GB/s" */
};

/*
 * CLOCK_MONOTONIC in nanoseconds.  Inline so a sample's clock reads cost
 * only the vDSO call itself.
 */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Keeps the compiler from proving a value or a memory write unused, without
 * emitting any instruction.
 */
static inline void bench_keep(const void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/*
 * Keeps a value alive in a register.  Benchmark loops accumulate results
 * with it rather than bench_keep(&sum): taking the address makes the
 * accumulator live in memory across every call in the loop, which adds a
 * store-to-load forwarding chain to each iteration being timed.
 */
static inline void bench_keep_u64(uint64_t v)
{
	__asm__ __volatile__("" : : "r"(v));
}

/*
 * Small, fast PRNG (xorshift64*) for benchmark access patterns: a few
 * instructions, so it can run inside a timed loop.  *state must not be 0.
 */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) without a division (multiply-high reduction). */
static inline uint64_t bench_rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)bench_rand(state) * n) >> 64);
}

/*
 * Parses the command line: each argument is a glob pattern (fnmatch) on
 * benchmark names, e.g. "calib_*" or "ioas_map_unmap_100000"; a benchmark
 * runs if no pattern was given or one matches its name.  Also pins the
 * process to the CPU it is running on, so samples do not pay for migrations,
 * and warns on stderr when the machine is busy.
 */
void bench_init(int argc, char **argv);

/* Cost of one bench_now_ns() in ns, as measured by bench_init(). */
double bench_clock_cost_ns(void);

/* Whether benchmark @name was selected on the command line. */
bool bench_selected(const char *name);

/* Runs @spec, prints its BENCH line, and returns its statistics. */
struct bench_stats bench_run(const struct bench_spec *spec);

/*
 * Statistics of @n values (sorted in place), for results measured by other
 * means than bench_run (e.g. bytes per area).
 */
struct bench_stats bench_stats_of(double *vals, unsigned int n);

/* Prints one BENCH line. */
void bench_print(const char *name, const char *unit,
		 const struct bench_stats *st);

/* Performs @reps operations of one side of a paired comparison. */
typedef void (*bench_pair_fn)(void *arg, uint64_t reps);

/*
 * Prints @name as @fn's speed in percent of @ref's (100 = as fast, "pct"):
 * BENCH_PCT_SAMPLES samples of @reps operations each, timed ref, fn, fn,
 * ref (ABBA, which cancels the order within a pair and linear drift), the
 * sample being ref time / fn time.  Returns the statistics.
 */
#define BENCH_PCT_SAMPLES 101
struct bench_stats bench_run_pct(const char *name, bench_pair_fn ref,
				 bench_pair_fn fn, void *arg, uint64_t reps);

/* Prints "# ..." to stderr. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "bench: ..." to stderr and exits 1: a benchmark must not go on
 * timing operations that failed.
 */
_Noreturn void bench_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Aborting wrappers around allocation; setup code has no recovery path. */
void *bench_xmalloc(size_t size);
void *bench_xcalloc(size_t n, size_t size);

#endif
