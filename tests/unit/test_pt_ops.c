// SPDX-License-Identifier: MIT
/*
 * Generic page-table operations (src/pt/pt.c, walk.c) run against every
 * format through one fixture: largest-leaf choice, -EEXIST and -ENOMEM
 * leaving the table untouched, unmap splitting, table freeing, the gather,
 * dirty tracking, and argument errors.
 *
 * "Untouched" is checked exactly: a snapshot lists every leaf (IOVA, OA,
 * size and the raw entry word) and the table bytes; it must be identical
 * before and after a failed call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_NE(a, b) ASSERT_NE((uint64_t)(a), (uint64_t)(b))
#define T_RW (PT_PROT_READ | PT_PROT_WRITE)

/* ---- a counting allocator that can be told to fail ---- */

struct t_alloc {
	long budget; /* allocations left before failing; < 0: unlimited */
	long live;
};

static void *t_alloc_fn(void *priv, size_t size, size_t align)
{
	struct t_alloc *a = priv;
	void *p;

	if (!a->budget)
		return NULL;
	if (a->budget > 0)
		a->budget--;
	if (posix_memalign(&p, align, size))
		return NULL;
	memset(p, 0, size);
	a->live++;
	return p;
}

static void t_free_fn(void *priv, void *p, size_t size)
{
	struct t_alloc *a = priv;

	a->live--;
	free(p);
}

/* ---- snapshots ---- */

struct t_leaf {
	uint64_t iova;
	uint64_t oa;
	uint64_t pte;
	unsigned int lg2;
	unsigned int prot;
};

#define T_SNAP_MAX 4096

struct t_snap {
	size_t n;
	size_t bytes;
	struct t_leaf leaf[T_SNAP_MAX];
};

/*
 * Lists every leaf in [start, last] by walking; empty entries are skipped
 * whole using the level the walk stopped at.
 */
static void t_snapshot(struct pt *pt, uint64_t start, uint64_t last,
		       struct t_snap *s)
{
	const struct pt_geom *g = pt_get_geom(pt);
	uint64_t va = start;

	s->n = 0;
	s->bytes = pt_table_bytes(pt);
	for (;;) {
		struct pt_walk_result res;
		uint64_t mask;

		if (!pt_walk_table(pt, va, PT_ACCESS_PROBE, &res)) {
			if (s->n < T_SNAP_MAX)
				s->leaf[s->n++] = (struct t_leaf){
					.iova = va & ~((1ULL << res.leaf_lg2) - 1),
					.oa = res.oa & ~((1ULL << res.leaf_lg2) - 1),
					.pte = res.pte,
					.lg2 = res.leaf_lg2,
					.prot = res.prot,
				};
			mask = (1ULL << res.leaf_lg2) - 1;
		} else {
			mask = (1ULL << g->shift[res.fault_level]) - 1;
		}
		if ((va | mask) >= last)
			break;
		va = (va | mask) + 1;
	}
}

static bool t_snap_equal(const struct t_snap *a, const struct t_snap *b)
{
	return a->n == b->n && a->bytes == b->bytes &&
	       !memcmp(a->leaf, b->leaf, a->n * sizeof(a->leaf[0]));
}

/* Number of leaves of 2^lg2 in a snapshot (a leaf unit counts once per
 * entry it was seen through, so only leaf units are counted). */
static size_t t_count(const struct t_snap *s, unsigned int lg2)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->leaf[i].lg2 == lg2)
			n++;
	return n;
}

/* ---- the per-format fixture ---- */

FIXTURE(pt_ops)
{
	struct pt_cfg cfg;
	struct t_alloc alloc;
	struct pt_alloc_ops ops;
	struct pt *pt;
	const struct pt_geom *g;
	uint64_t gran;	/* smallest page */
	uint64_t block; /* natural leaf size one level up */
	uint64_t base;	/* a block-aligned IOVA well inside the space */
	uint64_t oa;	/* a suitably aligned output address */
	size_t root_bytes;
	struct t_snap a, b;
};

FIXTURE_VARIANT(pt_ops)
{
	enum pt_format format;
	unsigned int granule;
	unsigned int levels;
	unsigned int ias;
};

FIXTURE_VARIANT_ADD(pt_ops, vtd_ss_4l) { .format = PT_FMT_VTD_SS, .levels = 4 };
FIXTURE_VARIANT_ADD(pt_ops, vtd_ss_3l) { .format = PT_FMT_VTD_SS, .levels = 3 };
FIXTURE_VARIANT_ADD(pt_ops, vtd_fs_4l) { .format = PT_FMT_VTD_FS, .levels = 4 };
FIXTURE_VARIANT_ADD(pt_ops, arm_s1_4k) { .format = PT_FMT_ARM_S1, .granule = 4096, .ias = 48 };
FIXTURE_VARIANT_ADD(pt_ops, arm_s2_4k_40) { .format = PT_FMT_ARM_S2, .granule = 4096, .ias = 40 };
FIXTURE_VARIANT_ADD(pt_ops, arm_s1_16k) { .format = PT_FMT_ARM_S1, .granule = 16384, .ias = 48 };
FIXTURE_VARIANT_ADD(pt_ops, arm_s2_64k) { .format = PT_FMT_ARM_S2, .granule = 65536, .ias = 48 };
FIXTURE_VARIANT_ADD(pt_ops, amd_v1_4l) { .format = PT_FMT_AMD_V1, .levels = 4 };

FIXTURE_SETUP(pt_ops)
{
	memset(self, 0, sizeof(*self));
	self->alloc.budget = -1;
	self->ops = (struct pt_alloc_ops){
		.alloc = t_alloc_fn, .free = t_free_fn, .priv = &self->alloc,
	};
	self->cfg = (struct pt_cfg){
		.format = variant->format, .granule = variant->granule,
		.levels = variant->levels, .ias = variant->ias,
		.flags = PT_CFG_HW_AD, .alloc = &self->ops,
	};
	ASSERT_OK(pt_create(&self->cfg, &self->pt));
	self->g = pt_get_geom(self->pt);
	self->gran = 1ULL << self->g->shift[0];
	self->block = 1ULL << self->g->shift[1];
	self->base = 8 * self->block;
	self->oa = 0x100000000000ULL; /* 16T: aligned to every size used */
	self->root_bytes = pt_table_bytes(self->pt);
}

FIXTURE_TEARDOWN(pt_ops)
{
	pt_destroy(self->pt);
	/* Every page from the allocator came back. */
	EXPECT_EQ(self->alloc.live, 0);
}

static int t_unmap_all(struct pt *pt, uint64_t *unmapped)
{
	const struct pt_geom *g = pt_get_geom(pt);
	struct pt_gather gather;
	/* The lower half for x86 first stage; the fixture has no 64-bit
	 * table, so va_mask + 1 does not wrap. */
	uint64_t len = g->sign_extend ? 1ULL << (g->ias - 1) : g->va_mask + 1;
	int rc;

	pt_gather_init(&gather);
	rc = pt_unmap(pt, 0, len, &gather, unmapped);
	pt_gather_release(&gather);
	return rc;
}

TEST_F(pt_ops, largest_leaf)
{
	uint64_t size, oa;

	/* block-aligned block -> one block leaf: root + tables down to the
	 * level-1 table. */
	ASSERT_OK(pt_map(self->pt, self->base, self->oa, self->block, T_RW,
			 NULL));
	ASSERT_OK(pt_iova_to_phys(self->pt, self->base + self->gran, &oa,
				  NULL, &size));
	T_EQ(size, self->block);
	T_EQ(oa, self->oa + self->gran);
	T_EQ(pt_table_bytes(self->pt),
	     self->root_bytes + (self->g->levels - 2) * self->gran);

	/* oa off by one granule: only granule-sized leaves fit. */
	ASSERT_OK(pt_map(self->pt, self->base + self->block,
			 self->oa + self->gran, self->block, T_RW, NULL));
	ASSERT_OK(pt_iova_to_phys(self->pt, self->base + 2 * self->block - 1,
				  &oa, NULL, &size));
	T_EQ(size, self->gran);
	T_EQ(oa, self->oa + self->gran + self->block - 1);

	/* gran + block + gran starting one granule below a block boundary:
	 * the block in the middle is still used. */
	ASSERT_OK(pt_map(self->pt, self->base + 4 * self->block - self->gran,
			 self->oa - self->gran, self->block + 2 * self->gran,
			 T_RW, NULL));
	t_snapshot(self->pt, self->base + 3 * self->block,
		   self->base + 6 * self->block - 1, &self->a);
	T_EQ(t_count(&self->a, self->g->shift[1]), 1);
	T_EQ(t_unmap_all(self->pt, &size), 0);
	T_EQ(size, 3 * self->block + 2 * self->gran);
	T_EQ(pt_table_bytes(self->pt), self->root_bytes);
}

TEST_F(pt_ops, pgsize_bitmap_restricts)
{
	struct pt *pt;
	uint64_t size;

	self->cfg.pgsize_bitmap = self->gran;
	ASSERT_OK(pt_create(&self->cfg, &pt));
	ASSERT_OK(pt_map(pt, self->base, self->oa, self->block, T_RW, NULL));
	ASSERT_OK(pt_iova_to_phys(pt, self->base, NULL, NULL, &size));
	T_EQ(size, self->gran);
	pt_destroy(pt);
}

TEST_F(pt_ops, eexist_changes_nothing)
{
	uint64_t b = self->base, bl = self->block, gr = self->gran;
	uint64_t last = b + 16 * bl - 1;

	ASSERT_OK(pt_map(self->pt, b + bl, self->oa, bl, T_RW, NULL));
	ASSERT_OK(pt_map(self->pt, b + 4 * bl + 3 * gr, self->oa, gr,
			 PT_PROT_READ, NULL));
	t_snapshot(self->pt, b, last, &self->a);
	/* Overlaps at the end, at the start, inside, and around. */
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b, self->oa, bl + gr, T_RW,
				    NULL));
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b + 2 * bl - gr, self->oa,
				    2 * gr, T_RW, NULL));
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b + bl + gr, self->oa, gr,
				    T_RW, NULL));
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b, self->oa, 3 * bl, T_RW,
				    NULL));
	/* A block over a table holding one page, and pages up to it. */
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b + 4 * bl, self->oa, bl,
				    T_RW, NULL));
	ASSERT_ERRNO(EEXIST, pt_map(self->pt, b + 3 * bl, self->oa + gr,
				    bl + 4 * gr, T_RW, NULL));
	t_snapshot(self->pt, b, last, &self->b);
	ASSERT_TRUE(t_snap_equal(&self->a, &self->b));
}

TEST_F(pt_ops, enomem_changes_nothing)
{
	uint64_t b = self->base, bl = self->block, gr = self->gran;
	uint64_t top = 1ULL << self->g->shift[self->g->top];
	struct pt_gather gather;
	long n;
	int rc;

	/* Something mapped elsewhere; the map below needs a fresh path. */
	ASSERT_OK(pt_map(self->pt, top, self->oa, gr, T_RW, NULL));
	t_snapshot(self->pt, 0, self->g->va_mask >> 1, &self->a);
	/* Fail the n-th table allocation of a map that needs several, for
	 * every n until the map no longer fails. */
	for (n = 0;; n++) {
		self->alloc.budget = n;
		pt_gather_init(&gather);
		/* 2 pages, 3 blocks, then pages: two leaf tables and the
		 * tables above them. */
		rc = pt_map(self->pt, b + bl - 2 * gr, self->oa - 2 * gr,
			    4 * bl, T_RW, &gather);
		pt_gather_release(&gather);
		if (!rc)
			break;
		ASSERT_ERRNO(ENOMEM, rc);
		t_snapshot(self->pt, 0, self->g->va_mask >> 1, &self->b);
		ASSERT_TRUE(t_snap_equal(&self->a, &self->b));
		ASSERT_LT(n, 100);
	}
	/* Pages freed by a failed attempt are reused by the next, so fewer
	 * than `levels` failures may be seen. */
	ASSERT_GT(n, 0);
	ASSERT_LE(n, (long)self->g->levels);
	self->alloc.budget = -1;
}

TEST_F(pt_ops, unmap_splits_block)
{
	uint64_t b = self->base, bl = self->block, gr = self->gran;
	struct pt_gather gather;
	uint64_t unmapped, oa, size;

	ASSERT_OK(pt_map(self->pt, b, self->oa, 2 * bl, T_RW | PT_PROT_CACHE,
			 NULL));
	/* One 2-block leaf on AMD (NL=7), two blocks elsewhere. */
	ASSERT_OK(pt_iova_to_phys(self->pt, b, NULL, NULL, &size));
	pt_gather_init(&gather);
	/* Punch a granule out of the middle of the first block. */
	ASSERT_OK(pt_unmap(self->pt, b + 5 * gr, gr, &gather, &unmapped));
	T_EQ(unmapped, gr);
	T_EQ(gather.start, b + 5 * gr);
	T_EQ(gather.last, b + 6 * gr - 1);
	ASSERT_TRUE(gather.tables_changed);
	T_EQ(1ULL << gather.max_leaf_lg2, size);
	pt_gather_release(&gather);
	ASSERT_ERRNO(ENOENT, pt_iova_to_phys(self->pt, b + 5 * gr, &oa, NULL,
					     NULL));
	ASSERT_OK(pt_iova_to_phys(self->pt, b + 4 * gr + 7, &oa, NULL, NULL));
	T_EQ(oa, self->oa + 4 * gr + 7);
	ASSERT_OK(pt_iova_to_phys(self->pt, b + 6 * gr, &oa, NULL, NULL));
	T_EQ(oa, self->oa + 6 * gr);
	ASSERT_OK(pt_iova_to_phys(self->pt, b + bl - 1, &oa, NULL, NULL));
	T_EQ(oa, self->oa + bl - 1);
	/* The second block was not touched. */
	ASSERT_OK(pt_iova_to_phys(self->pt, b + bl, &oa, NULL, &size));
	T_EQ(size, bl);
	/* Unmapping across the split region and half the second block. */
	ASSERT_OK(pt_unmap(self->pt, b + 3 * gr, bl, NULL, &unmapped));
	T_EQ(unmapped, bl - gr);
	ASSERT_OK(pt_iova_to_phys(self->pt, b + bl + 3 * gr, &oa, NULL, &size));
	T_EQ(oa, self->oa + bl + 3 * gr);
	/* Left: [0, 3gr) of the first block, [3gr, bl) of the second. */
	ASSERT_OK(t_unmap_all(self->pt, &unmapped));
	T_EQ(unmapped, bl);
	T_EQ(pt_table_bytes(self->pt), self->root_bytes);
}

TEST_F(pt_ops, unmap_split_enomem)
{
	uint64_t b = self->base, bl = self->block, gr = self->gran;
	uint64_t unmapped = 12345;

	ASSERT_OK(pt_map(self->pt, b, self->oa, bl, T_RW, NULL));
	t_snapshot(self->pt, 0, self->g->va_mask >> 1, &self->a);
	self->alloc.budget = 0;
	ASSERT_ERRNO(ENOMEM, pt_unmap(self->pt, b + gr, gr, NULL, &unmapped));
	T_EQ(unmapped, 12345);
	t_snapshot(self->pt, 0, self->g->va_mask >> 1, &self->b);
	ASSERT_TRUE(t_snap_equal(&self->a, &self->b));
	/* Unmapping exactly what was mapped needs no memory. */
	ASSERT_OK(pt_unmap(self->pt, b, bl, NULL, &unmapped));
	T_EQ(unmapped, bl);
	self->alloc.budget = -1;
}

TEST_F(pt_ops, unmap_frees_tables_and_gathers)
{
	uint64_t b = self->base, bl = self->block, gr = self->gran;
	uint64_t top = 1ULL << self->g->shift[self->g->top];
	struct pt_gather gather;
	uint64_t unmapped;
	size_t bytes;

	/* Pages in two different top-level entries, far apart. */
	ASSERT_OK(pt_map(self->pt, b + gr, self->oa, 3 * gr, T_RW, NULL));
	ASSERT_OK(pt_map(self->pt, top + 7 * bl, self->oa, 2 * gr, T_RW, NULL));
	bytes = pt_table_bytes(self->pt);
	T_EQ(bytes, self->root_bytes + 2 * (self->g->levels - 1) * self->gran);
	pt_gather_init(&gather);
	/* A range with holes: the gather is what was really mapped. */
	ASSERT_OK(pt_unmap(self->pt, b, bl, &gather, &unmapped));
	T_EQ(unmapped, 3 * gr);
	T_EQ(gather.start, b + gr);
	T_EQ(gather.last, b + 4 * gr - 1);
	/* The tables on that path became empty: queued, not yet freed. */
	T_EQ(gather.nr_pages, self->g->levels - 1);
	T_EQ(pt_table_bytes(self->pt),
	     self->root_bytes + (self->g->levels - 1) * self->gran);
	pt_gather_release(&gather);
	T_EQ(gather.nr_pages, 0);
	T_EQ(gather.freelist, NULL);
	/* Nothing mapped: an empty gather (start > last). */
	ASSERT_OK(pt_unmap(self->pt, b, bl, &gather, &unmapped));
	T_EQ(unmapped, 0);
	ASSERT_GT(gather.start, gather.last);
	ASSERT_OK(pt_unmap(self->pt, top, top, &gather, &unmapped));
	T_EQ(unmapped, 2 * gr);
	T_EQ(gather.start, top + 7 * bl);
	T_EQ(gather.last, top + 7 * bl + 2 * gr - 1);
	pt_gather_release(&gather);
	T_EQ(pt_table_bytes(self->pt), self->root_bytes);
	/* map's gather is the mapped range. */
	ASSERT_OK(pt_map(self->pt, b, self->oa, bl + gr, T_RW, &gather));
	T_EQ(gather.start, b);
	T_EQ(gather.last, b + bl + gr - 1);
	pt_gather_release(&gather);
}

static void t_collect(void *opaque, uint64_t iova, uint64_t length)
{
	struct t_snap *s = opaque;

	if (s->n < T_SNAP_MAX)
		s->leaf[s->n++] = (struct t_leaf){ .iova = iova, .oa = length };
}

TEST_F(pt_ops, dirty_read_and_clear)
{
	uint64_t b = self->base, gr = self->gran;
	struct pt_walk_result res;
	struct pt_dirty_bitmap bm;
	uint64_t bits[1] = { 0 };
	struct pt_gather gather;

	/* oa one granule off: single-granule leaves in every format (AMD
	 * would otherwise use one 32K NL=7 page). */
	ASSERT_OK(pt_map(self->pt, b, self->oa + gr, 8 * gr, T_RW, NULL));
	/* Hardware writes pages 1, 2 and 5 (the walker updates D/DBM). */
	ASSERT_OK(pt_walk_table(self->pt, b + gr, PT_ACCESS_WRITE, &res));
	ASSERT_OK(pt_walk_table(self->pt, b + 2 * gr + 8, PT_ACCESS_WRITE,
				&res));
	ASSERT_OK(pt_walk_table(self->pt, b + 5 * gr, PT_ACCESS_WRITE, &res));
	ASSERT_OK(pt_walk_table(self->pt, b + 6 * gr, PT_ACCESS_READ, &res));
	/* NO_CLEAR reports, adjacent pages merged into one run. */
	self->a.n = 0;
	ASSERT_OK(pt_read_and_clear_dirty(self->pt, b, 8 * gr,
					  PT_DIRTY_NO_CLEAR, t_collect,
					  &self->a, NULL));
	T_EQ(self->a.n, 2);
	T_EQ(self->a.leaf[0].iova, b + gr);
	T_EQ(self->a.leaf[0].oa, 2 * gr);
	T_EQ(self->a.leaf[1].iova, b + 5 * gr);
	T_EQ(self->a.leaf[1].oa, gr);
	/* Clearing, into a bitmap. */
	bm = (struct pt_dirty_bitmap){
		.iova = b, .pgshift = self->g->shift[0], .npages = 8,
		.bits = bits,
	};
	pt_gather_init(&gather);
	ASSERT_OK(pt_read_and_clear_dirty(self->pt, b, 8 * gr, 0,
					  pt_dirty_bitmap_record, &bm,
					  &gather));
	T_EQ(bits[0], 0x26);
	T_EQ(gather.start, b + gr);
	T_EQ(gather.last, b + 6 * gr - 1);
	pt_gather_release(&gather);
	/* Now clean. */
	self->a.n = 0;
	ASSERT_OK(pt_read_and_clear_dirty(self->pt, b, 8 * gr, 0, t_collect,
					  &self->a, NULL));
	T_EQ(self->a.n, 0);
	/* Still writable after cleaning. */
	ASSERT_OK(pt_walk_table(self->pt, b + gr, PT_ACCESS_WRITE, &res));
}

TEST_F(pt_ops, argument_errors)
{
	uint64_t b = self->base, gr = self->gran;
	uint64_t unmapped;

	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, self->oa, 0, T_RW, NULL));
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b + 512, self->oa, gr, T_RW,
				    NULL));
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, self->oa + 512, gr, T_RW,
				    NULL));
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, self->oa, gr + 512, T_RW,
				    NULL));
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, self->oa, gr, 0, NULL));
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, self->oa, gr,
				    T_RW | (1u << 20), NULL));
	/* Output beyond the output size. */
	ASSERT_ERRNO(EINVAL, pt_map(self->pt, b, 1ULL << self->g->oas, gr,
				    T_RW, NULL));
	ASSERT_ERRNO(EOVERFLOW, pt_map(self->pt, b, ~0ULL - gr + 1, 2 * gr,
				       T_RW, NULL));
	ASSERT_ERRNO(EOVERFLOW, pt_unmap(self->pt, ~0ULL - gr + 1, 2 * gr,
					 NULL, &unmapped));
	ASSERT_ERRNO(EINVAL, pt_unmap(self->pt, b, 0, NULL, &unmapped));
	ASSERT_ERRNO(EINVAL, pt_unmap(self->pt, b + 512, gr, NULL, &unmapped));
	ASSERT_ERRNO(ENOENT, pt_iova_to_phys(self->pt, b, NULL, NULL, NULL));
	T_EQ(pt_table_bytes(self->pt), self->root_bytes);
}
