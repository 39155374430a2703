// SPDX-License-Identifier: MIT
/*
 * IOAS benchmarks: the cost of IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP through
 * uiommu_ioctl() as the number of live areas grows, and the memory each
 * live area costs.  The timed operations go through the ioctl entry point,
 * not the C calls, because that is the path a VMM or a program under the
 * preload shim takes (argument copy-in/out included).
 *
 *   ioas_map_unmap_<N>       ns per pair: MAP (FIXED_IOVA, 4 KiB) + UNMAP of
 *                            that area, at a random gap among N live areas
 *   ioas_alloc_map_<N>       ns per MAP without FIXED_IOVA (uiommu picks the
 *                            IOVA) among N live areas and N 4 KiB holes; the
 *                            unmaps that undo a batch are not timed
 *   ioas_bytes_per_area_<N>  heap growth per live area (malloc overhead
 *                            included), from mallinfo2()
 *
 * No page table is attached, so mapping records the range and pins nothing:
 * every area can point at the same 4 KiB user page.
 */
#include "bench.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include <uiommu/linux/iommufd.h>
#include <uiommu/uiommu.h>

#define PAGE 4096ull

/* Fixed-IOVA areas start at 4 GiB, well clear of any reserved window. */
#define FIXED_BASE (1ull << 32)

/* x86 MSI window: reserved in every IOAS an x86 device is attached to. */
#define MSI_START 0xfee00000ull
#define MSI_LAST 0xfeefffffull

static const uint64_t sizes[] = { 1000, 10000, 100000, 1000000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The one user page every area maps. */
static unsigned char user_page[PAGE] __attribute__((aligned(PAGE)));

static void check(int rc, const char *what, uint64_t iova)
{
	if (rc)
		bench_fail("%s at iova 0x%llx: %s (%d)", what,
			   (unsigned long long)iova, uiommu_errno_name(rc), rc);
}

static void ioas_create(struct uiommu_ctx **ctx, uint32_t *ioas)
{
	check(uiommu_ctx_create(ctx), "uiommu_ctx_create", 0);
	check(uiommu_ioas_alloc(*ctx, ioas), "uiommu_ioas_alloc", 0);
}

static void map_fixed(struct uiommu_ctx *ctx, uint32_t ioas, uint64_t iova)
{
	check(uiommu_ioas_map(ctx, ioas, user_page, PAGE, &iova,
			      UIOMMU_MAP_FIXED_IOVA | UIOMMU_MAP_READ |
			      UIOMMU_MAP_WRITE),
	      "uiommu_ioas_map", iova);
}

static void unmap_one(struct uiommu_ctx *ctx, uint32_t ioas, uint64_t iova)
{
	uint64_t unmapped = 0;

	check(uiommu_ioas_unmap(ctx, ioas, iova, PAGE, &unmapped),
	      "uiommu_ioas_unmap", iova);
	if (unmapped != PAGE)
		bench_fail("unmap at 0x%llx removed %llu bytes",
			   (unsigned long long)iova,
			   (unsigned long long)unmapped);
}

/* ---- ioas_map_unmap_<N> ------------------------------------------------ */

/*
 * Live area i sits at FIXED_BASE + 2i pages; the page after it is free.  A
 * timed pair maps and unmaps the free page after a random live area, so
 * each pair searches the tree at a new place and leaves it as it was.
 */
struct map_unmap {
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	uint64_t live;
	uint64_t rng;
};

static void map_unmap_body(void *arg, uint64_t iters)
{
	struct map_unmap *b = arg;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = b->ioas,
		.user_va = (uintptr_t)user_page,
		.length = PAGE,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = b->ioas,
	};
	uint64_t iova;
	int rc;

	while (iters--) {
		iova = FIXED_BASE +
		       (2 * bench_rand_below(&b->rng, b->live) + 1) * PAGE;
		map.iova = iova;
		rc = uiommu_ioctl(b->ctx, IOMMU_IOAS_MAP, &map);
		if (rc)
			check(rc, "IOMMU_IOAS_MAP", iova);
		unmap.iova = iova;
		unmap.length = PAGE;	/* in: length; out: bytes unmapped */
		rc = uiommu_ioctl(b->ctx, IOMMU_IOAS_UNMAP, &unmap);
		if (rc)
			check(rc, "IOMMU_IOAS_UNMAP", iova);
		if (unmap.length != PAGE)
			bench_fail("IOMMU_IOAS_UNMAP at 0x%llx removed %llu "
				   "bytes", (unsigned long long)iova,
				   (unsigned long long)unmap.length);
	}
}

/*
 * One IOAS grows through the sizes: the areas of size N are the first N of
 * size 10N, so building for 10^6 costs 10^6 maps in all.  Areas are added
 * in ascending IOVA order, as a VMM maps guest memory.
 */
static void run_map_unmap(void)
{
	struct map_unmap b = { .rng = 0x243f6a8885a308d3ull };
	struct bench_spec spec = {
		.unit = "ns",
		.body = map_unmap_body,
		.arg = &b,
	};
	char name[64];
	unsigned int s;
	uint64_t i;

	ioas_create(&b.ctx, &b.ioas);
	for (s = 0; s < NSIZES; s++) {
		snprintf(name, sizeof(name), "ioas_map_unmap_%llu",
			 (unsigned long long)sizes[s]);
		if (!bench_selected(name))
			continue;
		for (i = b.live; i < sizes[s]; i++)
			map_fixed(b.ctx, b.ioas, FIXED_BASE + 2 * i * PAGE);
		b.live = sizes[s];
		spec.name = name;
		bench_run(&spec);
	}
	uiommu_ctx_destroy(b.ctx);
}

/* ---- ioas_alloc_map_<N> ------------------------------------------------ */

/*
 * Reserved ranges of the fragmented IOAS: the x86 MSI window plus two
 * smaller holes below it, so the free space the allocator sees is cut both
 * by areas and by reservations.
 */
static const struct uiommu_iova_range reserved[] = {
	{ 0xfec00000ull, 0xfec00fffull },	/* 4 KiB */
	{ 0xfed00000ull, 0xfed0ffffull },	/* 64 KiB */
	{ MSI_START, MSI_LAST },		/* 1 MiB */
};
#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

struct alloc_map {
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	uint64_t first, last;	/* the fragmented region */
	uint64_t *iovas;	/* what the current batch allocated */
};

static void alloc_map_body(void *arg, uint64_t iters)
{
	struct alloc_map *b = arg;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = b->ioas,
		.user_va = (uintptr_t)user_page,
		.length = PAGE,
	};
	uint64_t k;
	int rc;

	for (k = 0; k < iters; k++) {
		map.iova = 0;
		rc = uiommu_ioctl(b->ctx, IOMMU_IOAS_MAP, &map);
		if (rc)
			check(rc, "IOMMU_IOAS_MAP (allocated iova)", 0);
		b->iovas[k] = map.iova;
	}
}

/* Untimed: give the holes back so the next batch finds the same IOAS. */
static void alloc_map_reset(void *arg, uint64_t iters)
{
	struct alloc_map *b = arg;
	uint64_t k, iova;

	for (k = 0; k < iters; k++) {
		iova = b->iovas[k];
		if (iova < b->first || iova > b->last || iova % PAGE)
			bench_fail("allocated iova 0x%llx outside the allowed "
				   "region", (unsigned long long)iova);
		unmap_one(b->ctx, b->ioas, iova);
	}
}

/* Next page-aligned IOVA >= @iova whose page avoids every reserved range. */
static uint64_t skip_reserved(uint64_t iova)
{
	unsigned int r;

	for (r = 0; r < NRESERVED; r++)
		if (iova <= reserved[r].last && iova + PAGE - 1 >=
		    reserved[r].start)
			iova = reserved[r].last + 1;
	return iova;
}

/*
 * Builds the fragmented IOAS for @n live areas: 2n consecutive 4 KiB slots
 * (stepping over the reserved ranges) are mapped, then every other one is
 * unmapped, leaving n areas and n one-page holes.  The region is placed so
 * the reserved ranges fall inside it.  Automatic allocation is then
 * restricted to the region with IOMMU_IOAS_ALLOW_IOVAS: otherwise an
 * allocator could take the empty space outside it and never search the
 * fragments, and what is measured would depend on its placement policy.
 */
static void alloc_map_setup(struct alloc_map *b, uint64_t n)
{
	struct uiommu_iova_range allowed[NRESERVED + 1];
	uint64_t *holes = bench_xmalloc(n * sizeof(*holes));
	uint64_t i, iova, start;
	unsigned int r, nallowed = 0;

	ioas_create(&b->ctx, &b->ioas);
	for (r = 0; r < NRESERVED; r++)
		check(uiommu_ioas_reserve(b->ctx, b->ioas, reserved[r].start,
					  reserved[r].last),
		      "uiommu_ioas_reserve", reserved[r].start);

	b->first = n * PAGE < MSI_START - (1ull << 20) ?
			   MSI_START - n * PAGE : 1ull << 20;
	iova = b->first;
	for (i = 0; i < 2 * n; i++) {
		iova = skip_reserved(iova);
		map_fixed(b->ctx, b->ioas, iova);
		if (i & 1)
			holes[i / 2] = iova;
		iova += PAGE;
	}
	b->last = iova - 1;
	for (i = 0; i < n; i++)
		unmap_one(b->ctx, b->ioas, holes[i]);
	free(holes);

	/* The region minus the reserved ranges, ascending. */
	start = b->first;
	for (r = 0; r < NRESERVED && reserved[r].start <= b->last; r++) {
		if (reserved[r].start > start) {
			allowed[nallowed].start = start;
			allowed[nallowed].last = reserved[r].start - 1;
			nallowed++;
		}
		start = reserved[r].last + 1;
	}
	allowed[nallowed].start = start;
	allowed[nallowed].last = b->last;
	nallowed++;
	check(uiommu_ioas_allow_iovas(b->ctx, b->ioas, allowed, nallowed),
	      "uiommu_ioas_allow_iovas", b->first);
}

static void run_alloc_map(void)
{
	struct alloc_map b;
	struct bench_spec spec = {
		.unit = "ns",
		.body = alloc_map_body,
		.reset = alloc_map_reset,
		.arg = &b,
	};
	char name[64];
	unsigned int s;

	for (s = 0; s < NSIZES; s++) {
		snprintf(name, sizeof(name), "ioas_alloc_map_%llu",
			 (unsigned long long)sizes[s]);
		if (!bench_selected(name))
			continue;
		alloc_map_setup(&b, sizes[s]);
		/*
		 * A batch fills at most a tenth of the holes, so the last
		 * allocation of a sample sees nearly the free space the first
		 * one saw.
		 */
		spec.name = name;
		spec.max_batch = sizes[s] / 10;
		b.iovas = bench_xcalloc(spec.max_batch, sizeof(*b.iovas));
		bench_run(&spec);
		free(b.iovas);
		uiommu_ctx_destroy(b.ctx);
	}
}

/* ---- ioas_bytes_per_area_<N> ------------------------------------------- */

/*
 * Bytes the heap hands out, malloc's chunk headers and rounding included:
 * uordblks covers the arenas, hblkhd the blocks malloc serves with mmap
 * (large arrays), which uordblks does not count.
 */
static uint64_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Each sample is a fresh context, so caches a previous sample left behind in
 * a context cannot hide growth.  The baseline is taken after the IOAS
 * exists: the result is what the areas cost, not the IOAS.
 */
static void run_bytes_per_area(void)
{
	static const uint64_t counts[] = { 100000, 1000000 };
	double v[10];
	struct bench_stats st;
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	uint64_t before, i;
	unsigned int c, k;
	char name[64];

	for (c = 0; c < 2; c++) {
		snprintf(name, sizeof(name), "ioas_bytes_per_area_%llu",
			 (unsigned long long)counts[c]);
		if (!bench_selected(name))
			continue;
		for (k = 0; k < 10; k++) {
			ioas_create(&ctx, &ioas);
			before = heap_in_use();
			for (i = 0; i < counts[c]; i++)
				map_fixed(ctx, ioas, FIXED_BASE + 2 * i * PAGE);
			v[k] = (double)(int64_t)(heap_in_use() - before) /
			       (double)counts[c];
			uiommu_ctx_destroy(ctx);
		}
		st = bench_stats_of(v, 10);
		bench_print(name, "bytes", &st);
	}
}

int main(int argc, char **argv)
{
	bench_init(argc, argv);
	run_map_unmap();
	run_alloc_map();
	run_bytes_per_area();
	return 0;
}
