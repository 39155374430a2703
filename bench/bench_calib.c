// SPDX-License-Identifier: MIT
/*
 * Machine calibration: the figures every other benchmark result should be
 * read against.  A 300 ns map+unmap means little on its own; next to the
 * DRAM latency it says how many cache misses the operation can afford.
 *
 *   calib_memcpy_4k      hot 4 KiB memcpy (source and destination in L1)
 *   calib_dram_latency   dependent loads over a random cycle in 256 MiB
 *   calib_memcpy_64k     64 KiB memcpy (128 KiB working set: L2)
 *   calib_l1_latency     dependent loads over a random cycle in 16 KiB
 *   calib_dram_latency_4k  as calib_dram_latency, on 4 KiB pages
 *   calib_clock_gettime  cost of one CLOCK_MONOTONIC read (vDSO or syscall)
 *
 * The latency figures chase pointers laid out as one random cycle (Sattolo's
 * algorithm) with one pointer per 64-byte line, so every load depends on the
 * previous one and no prefetcher can guess the next line.
 */
#include "bench.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LINE 64

/* ---- clock ------------------------------------------------------------- */

static void clock_body(void *arg, uint64_t iters)
{
	uint64_t sum = 0;

	while (iters--)
		sum += bench_now_ns();
	bench_keep(&sum);
}

/* ---- memcpy ------------------------------------------------------------ */

struct copy {
	unsigned char *src;
	unsigned char *dst;
	size_t len;
};

/*
 * The length is read through a volatile so the compiler cannot turn the
 * copy into inline moves of a known size: what is measured is the libc
 * memcpy that the library's own copies also call.
 */
static void copy_body(void *arg, uint64_t iters)
{
	struct copy *c = arg;
	size_t len = *(volatile size_t *)&c->len;

	while (iters--) {
		memcpy(c->dst, c->src, len);
		bench_keep(c->dst);
	}
}

static void run_memcpy(const char *name, size_t len)
{
	struct copy c = { .len = len };
	struct bench_spec spec = {
		.name = name,
		.unit = "GB/s",
		.body = copy_body,
		.arg = &c,
		.bytes_per_op = (double)len,
	};

	if (!bench_selected(name))
		return;
	c.src = aligned_alloc(4096, len);
	c.dst = aligned_alloc(4096, len);
	if (!c.src || !c.dst)
		bench_fail("out of memory");
	memset(c.src, 0x5a, len);
	memset(c.dst, 0, len);
	bench_run(&spec);
	free(c.src);
	free(c.dst);
}

/* ---- pointer chase ----------------------------------------------------- */

struct chase {
	void **cur;	/* where the next sample resumes the cycle */
};

static void chase_body(void *arg, uint64_t iters)
{
	struct chase *c = arg;
	void **p = c->cur;

	while (iters--)
		p = (void **)*p;
	c->cur = p;
	bench_keep(p);
}

/*
 * Links the @n lines of @buf into a single cycle in random order.  Sattolo's
 * variant of the Fisher-Yates shuffle yields a permutation with exactly one
 * cycle, so the chase visits every line before it repeats any.
 */
static void build_cycle(unsigned char *buf, size_t n, uint64_t seed)
{
	uint32_t *next = bench_xmalloc(n * sizeof(*next));
	uint64_t rng = seed;
	size_t i, j;
	uint32_t t;

	for (i = 0; i < n; i++)
		next[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) {
		j = bench_rand_below(&rng, i);	/* j < i: Sattolo */
		t = next[i];
		next[i] = next[j];
		next[j] = t;
	}
	for (i = 0; i < n; i++)
		*(void **)(buf + i * LINE) = buf + (size_t)next[i] * LINE;
	free(next);
}

/* Transparent huge pages granted to this process, in KiB (-1: unknown). */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void run_chase(const char *name, size_t bytes, bool huge)
{
	struct chase c;
	struct bench_spec spec = {
		.name = name,
		.unit = "ns",
		.body = chase_body,
		.arg = &c,
	};
	unsigned char *buf;

	if (!bench_selected(name))
		return;
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		bench_fail("mmap %zu bytes failed", bytes);
	/*
	 * With 2 MiB pages the figure is close to the memory's own latency;
	 * with 4 KiB pages nearly every hop over 256 MiB also misses the TLB
	 * and pays a page walk, which in a VM is two-dimensional (guest and
	 * host tables).  The library's heap is on 4 KiB pages, so both are
	 * worth knowing.  Whether huge pages were granted is noted.
	 */
	if (bytes >= (2u << 20))
		(void)madvise(buf, bytes,
			      huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	build_cycle(buf, bytes / LINE, 0x9e3779b97f4a7c15ull ^ bytes);
	if (bytes >= (2u << 20))
		bench_note("%s: %zu MiB buffer, %ld KiB of it on huge pages",
			   name, bytes >> 20, anon_huge_kb());
	c.cur = (void **)buf;
	bench_run(&spec);
	munmap(buf, bytes);
}

int main(int argc, char **argv)
{
	bench_init(argc, argv);

	/* The two figures the results are read against come first. */
	run_memcpy("calib_memcpy_4k", 4096);
	/*
	 * 256 MiB is eight times the 32 MiB L3 of a Zen 5 CCX (the VM's CPUID
	 * reports a larger, implausible L3, so the size is not derived from it).
	 */
	run_chase("calib_dram_latency", 256u << 20, true);
	run_memcpy("calib_memcpy_64k", 65536);
	run_chase("calib_l1_latency", 16384, false);
	run_chase("calib_dram_latency_4k", 256u << 20, false);
	if (bench_selected("calib_clock_gettime")) {
		struct bench_spec spec = {
			.name = "calib_clock_gettime",
			.unit = "ns",
			.body = clock_body,
		};

		bench_run(&spec);
	}
	return 0;
}
