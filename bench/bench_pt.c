// SPDX-License-Identifier: MIT
/*
 * Page-table benchmarks (src/pt), per format:
 *
 *   pt_map_4k_<fmt>          one 4K pt_map() into existing leaf tables
 *   pt_unmap_4k_<fmt>        one 4K pt_unmap() that leaves the table
 *   pt_map_1g_4k_<fmt>       mapping 1 GiB at 4K in one call from an
 *                            empty table, per PTE, table allocation included
 *                            (warm table-page pool, see run_bulk)
 *   pt_map_1g_4k_fresh_mem_vtd_ss   the same when every table page is
 *                            memory the kernel has to fault in first
 *   pt_iova_to_phys_<fmt>    one software walk, tables hot
 *   pt_table_bytes_per_gib_4k / _2m   table memory per GiB mapped (bytes)
 *   pt_table_rss_per_gib_4k  what mapping that GiB adds to the process's
 *                            resident memory (tables, allocator overhead)
 *
 * <fmt>: vtd_ss, vtd_fs, arm_s1 (4K granule), arm_s2, amd_v1.
 */
#include "bench.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pt/pt.h"

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define BASE 0x40000000ULL
#define OA 0x100000000ULL
#define RW (PT_PROT_READ | PT_PROT_WRITE)
/* 32 leaf tables; page 0 of each stays mapped so the tables stay. */
#define NTBL 32
#define SLOTS (NTBL * 511)

struct fmt {
	const char *name;
	enum pt_format f;
};

static const struct fmt fmts[] = {
	{ "vtd_ss", PT_FMT_VTD_SS },
	{ "vtd_fs", PT_FMT_VTD_FS },
	{ "arm_s1", PT_FMT_ARM_S1 },
	{ "arm_s2", PT_FMT_ARM_S2 },
	{ "amd_v1", PT_FMT_AMD_V1 },
};

static struct pt *mk(enum pt_format f, uint64_t pgsizes)
{
	struct pt_cfg cfg = { .format = f, .pgsize_bitmap = pgsizes };
	struct pt *pt;

	if (pt_create(&cfg, &pt))
		bench_fail("pt_create(%d)", f);
	return pt;
}

/* Slot i: a page other than page 0 of one of the NTBL leaf tables. */
static uint64_t slot_iova(uint64_t i)
{
	return BASE + (i / 511) * SZ_2M + (1 + i % 511) * SZ_4K;
}

struct one {
	struct pt *pt;
	uint64_t next;
};

static void map_body(void *arg, uint64_t iters)
{
	struct one *o = arg;
	uint64_t i;

	for (i = 0; i < iters; i++)
		if (pt_map(o->pt, slot_iova(i), OA + i * SZ_4K, SZ_4K, RW,
			   NULL))
			bench_fail("pt_map");
}

static void map_reset(void *arg, uint64_t iters)
{
	struct one *o = arg;
	uint64_t i;

	for (i = 0; i < iters; i++)
		if (pt_unmap(o->pt, slot_iova(i), SZ_4K, NULL, NULL))
			bench_fail("pt_unmap");
}

static void unmap_body(void *arg, uint64_t iters)
{
	map_reset(arg, iters);
}

static void unmap_reset(void *arg, uint64_t iters)
{
	map_body(arg, iters);
}

static void run_single(const struct fmt *f)
{
	char n1[64], n2[64];
	struct one o = { .pt = mk(f->f, SZ_4K) };
	struct bench_spec spec = {
		.unit = "ns", .arg = &o, .batch = 8192,
	};
	uint64_t t;

	snprintf(n1, sizeof(n1), "pt_map_4k_%s", f->name);
	snprintf(n2, sizeof(n2), "pt_unmap_4k_%s", f->name);
	for (t = 0; t < NTBL; t++)
		if (pt_map(o.pt, BASE + t * SZ_2M, OA, SZ_4K, RW, NULL))
			bench_fail("pt_map");
	if (bench_selected(n1)) {
		spec.name = n1;
		spec.body = map_body;
		spec.reset = map_reset;
		bench_run(&spec);
	}
	if (bench_selected(n2)) {
		map_body(&o, spec.batch);
		spec.name = n2;
		spec.body = unmap_body;
		spec.reset = unmap_reset;
		bench_run(&spec);
	}
	pt_destroy(o.pt);
}

/* ---- 1 GiB at 4K from an empty table ---- */

struct bulk {
	enum pt_format f;
	struct pt *pt;
};

static void bulk_body(void *arg, uint64_t iters)
{
	struct bulk *b = arg;

	if (pt_map(b->pt, BASE, OA, iters * SZ_4K, RW, NULL))
		bench_fail("pt_map 1G");
}

static void bulk_reset(void *arg, uint64_t iters)
{
	struct bulk *b = arg;

	pt_destroy(b->pt);
	b->pt = mk(b->f, SZ_4K);
}

/* The same, with the empty chunks of the table-page pool given back to
 * the kernel first, so every table page is first-touch memory. */
static void bulk_reset_fresh(void *arg, uint64_t iters)
{
	struct bulk *b = arg;

	pt_destroy(b->pt);
	pt_pages_trim();
	b->pt = mk(b->f, SZ_4K);
}

/*
 * Between samples the table is destroyed and created again.  Its pages go
 * back to the table-page pool (src/pt/pages.c), which keeps a few empty
 * 2 MiB chunks, so the next sample maps into memory that is already
 * resident: the steady state of a process that maps guest memory
 * (run_bulk).  run_bulk_fresh() trims the pool between samples, so each
 * sample also pays a first-touch page fault per table page, for
 * comparison.  (With posix_memalign per page, glibc's trim did the same
 * at two faults per page; mallopt below kept the heap.)
 */
static void run_bulk_fresh(void)
{
	struct bulk b = { .f = PT_FMT_VTD_SS, .pt = mk(PT_FMT_VTD_SS, SZ_4K) };
	struct bench_spec spec = {
		.name = "pt_map_1g_4k_fresh_mem_vtd_ss", .unit = "ns",
		.body = bulk_body, .reset = bulk_reset_fresh, .arg = &b,
		.batch = SZ_1G / SZ_4K, .samples = 11,
	};

	if (bench_selected(spec.name))
		bench_run(&spec);
	pt_destroy(b.pt);
}

static void run_bulk(const struct fmt *f)
{
	unsigned int i;
	char name[64];
	struct bulk b = { .f = f->f, .pt = mk(f->f, SZ_4K) };
	struct bench_spec spec = {
		.name = name, .unit = "ns", .body = bulk_body,
		.reset = bulk_reset, .arg = &b, .batch = SZ_1G / SZ_4K,
		.samples = 11,
	};

	snprintf(name, sizeof(name), "pt_map_1g_4k_%s", f->name);
	if (!bench_selected(name)) {
		pt_destroy(b.pt);
		return;
	}
	/* Warm: the pool's chunks resident (with posix_memalign, glibc's
	 * layout of 4K-aligned blocks took a few rounds to settle). */
	for (i = 0; i < 4; i++) {
		bulk_body(&b, spec.batch);
		bulk_reset(&b, spec.batch);
	}
	bench_run(&spec);
	pt_destroy(b.pt);
}

/* ---- walk ---- */

struct walk {
	struct pt *pt;
	uint64_t *iova;
};

#define NWALK 4096

static void walk_body(void *arg, uint64_t iters)
{
	struct walk *w = arg;
	uint64_t i, sum = 0, oa;

	for (i = 0; i < iters; i++) {
		if (pt_iova_to_phys(w->pt, w->iova[i & (NWALK - 1)], &oa, NULL,
				    NULL))
			bench_fail("iova_to_phys");
		sum += oa;
	}
	bench_keep_u64(sum);
}

static void run_walk(const struct fmt *f)
{
	char name[64];
	struct walk w = { .pt = mk(f->f, SZ_4K) };
	struct bench_spec spec = {
		.name = name, .unit = "ns", .body = walk_body, .arg = &w,
	};
	uint64_t rng = 42, i;

	snprintf(name, sizeof(name), "pt_iova_to_phys_%s", f->name);
	if (!bench_selected(name)) {
		pt_destroy(w.pt);
		return;
	}
	if (pt_map(w.pt, BASE, OA, 2048 * SZ_4K, RW, NULL))
		bench_fail("pt_map");
	w.iova = bench_xmalloc(NWALK * sizeof(*w.iova));
	for (i = 0; i < NWALK; i++)
		w.iova[i] = BASE + bench_rand_below(&rng, 2048) * SZ_4K;
	bench_run(&spec);
	free(w.iova);
	pt_destroy(w.pt);
}

/* ---- table memory ---- */

static void run_bytes(const char *name, uint64_t pgsize)
{
	struct pt *pt;
	struct bench_stats st;
	double v;

	if (!bench_selected(name))
		return;
	pt = mk(PT_FMT_VTD_SS, pgsize);
	if (pt_map(pt, BASE, OA, SZ_1G, RW, NULL))
		bench_fail("pt_map");
	v = (double)pt_table_bytes(pt);
	st = bench_stats_of(&v, 1);
	bench_print(name, "bytes", &st);
	pt_destroy(pt);
}

/* Resident bytes of this process (/proc/self/statm). */
static double rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, res;
	int n;

	if (!f)
		bench_fail("/proc/self/statm");
	n = fscanf(f, "%lu %lu", &size, &res);
	fclose(f);
	if (n != 2)
		bench_fail("/proc/self/statm");
	return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/*
 * The resident memory that mapping 1 GiB at 4K adds, from a trimmed
 * table-page pool: every page the tables need is touched for the first
 * time here, so the growth is the tables and what their allocation
 * costs besides (chunk headers).
 */
static void run_rss(const char *name)
{
	struct bench_stats st;
	struct pt *pt;
	double before, v;

	if (!bench_selected(name))
		return;
	pt_pages_trim();
	pt = mk(PT_FMT_VTD_SS, SZ_4K);
	before = rss_bytes();
	if (pt_map(pt, BASE, OA, SZ_1G, RW, NULL))
		bench_fail("pt_map");
	v = rss_bytes() - before;
	st = bench_stats_of(&v, 1);
	bench_print(name, "bytes", &st);
	pt_destroy(pt);
}

int main(int argc, char **argv)
{
	size_t i;

	bench_init(argc, argv);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		run_single(&fmts[i]);
	run_bulk_fresh();
	/* From here on freed heap memory stays in the heap. */
	if (!mallopt(M_TRIM_THRESHOLD, 1 << 30) ||
	    !mallopt(M_MMAP_THRESHOLD, 32 << 20))
		bench_fail("mallopt");
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		run_bulk(&fmts[i]);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		run_walk(&fmts[i]);
	run_bytes("pt_table_bytes_per_gib_4k", SZ_4K);
	run_bytes("pt_table_bytes_per_gib_2m", SZ_2M);
	run_rss("pt_table_rss_per_gib_4k");
	return 0;
}
