// SPDX-License-Identifier: MIT
/*
 * The lean walker (pt_walk_lean) against the full one (pt_walk), for every
 * format: it must never disagree.  Whenever it answers, its translation,
 * leaf size, rights and read count are pt_walk()'s; whenever pt_walk()
 * faults it declines; and on a table we built (standard entries) it
 * declines a successful walk only when pt_walk() would update A/D.
 *
 * Two kinds of tables per variant:
 *   - real ones: random maps of every page size the format has (large and
 *     AMD NL=7 leaves, ARM contiguous runs) with random rights, then random
 *     unmaps (holes, split blocks), walked at random addresses inside and
 *     beyond the input range with every access kind;
 *   - random words: a pool of table pages filled with random entries
 *     (standard and non-standard table pointers into the pool, random bits,
 *     zero), so every fault, reserved encoding and non-standard entry the
 *     decoders know shows up; table pointers always land in the pool.
 * Both walkers run with identity memory and through a struct pt_mem.
 *
 * The fast walker (pt_fast_walk, a plan from pt_fast_init) is held to the
 * same rules, and on our own tables must answer whenever the lean walker
 * does, except for AMD NL=7 sizes and probes (which it leaves to it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "t_access.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_WLEN (4ULL << 30)
#define T_OA0 0x100000000000ULL
#define T_POOL 64

FIXTURE(pt_lean)
{
	struct pt *pt;
	const struct pt_geom *g;
	uint64_t seed;
	uint64_t w0;
	unsigned int fetches;
	struct pt_mem mem;
	struct pt_fast fast;
	uint64_t nfast;
};

FIXTURE_VARIANT(pt_lean)
{
	enum pt_format format;
	unsigned int granule;
	unsigned int levels;
	unsigned int ias;
	unsigned int flags;
	uint64_t w0;
};

FIXTURE_VARIANT_ADD(pt_lean, vtd_ss_3l) { .format = PT_FMT_VTD_SS, .levels = 3, .w0 = 0x4000000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, vtd_ss_4l) { .format = PT_FMT_VTD_SS, .levels = 4, .w0 = 0x7ffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, vtd_ss_5l_ad) { .format = PT_FMT_VTD_SS, .levels = 5, .flags = PT_CFG_HW_AD, .w0 = 0x1fffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, vtd_fs_4l) { .format = PT_FMT_VTD_FS, .levels = 4, .w0 = 0xffff800100000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, vtd_fs_5l_nxe) { .format = PT_FMT_VTD_FS, .levels = 5, .flags = PT_CFG_X86_NXE, .w0 = 0x00fffffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s1_4k) { .format = PT_FMT_ARM_S1, .granule = 4096, .ias = 48, .w0 = 0x7f0000000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s1_4k_ad) { .format = PT_FMT_ARM_S1, .granule = 4096, .ias = 48, .flags = PT_CFG_HW_AD, .w0 = 0x7f0000000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s2_4k_40) { .format = PT_FMT_ARM_S2, .granule = 4096, .ias = 40, .w0 = 0x7e00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s1_16k) { .format = PT_FMT_ARM_S1, .granule = 16384, .ias = 48, .w0 = 0x800000000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s2_16k_ad) { .format = PT_FMT_ARM_S2, .granule = 16384, .ias = 48, .flags = PT_CFG_HW_AD, .w0 = 0x200000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s1_64k) { .format = PT_FMT_ARM_S1, .granule = 65536, .ias = 48, .w0 = 0x10000000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, arm_s2_64k_42) { .format = PT_FMT_ARM_S2, .granule = 65536, .ias = 42, .w0 = 0x3fe00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, amd_v1_3l) { .format = PT_FMT_AMD_V1, .levels = 3, .w0 = 0x7e00000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, amd_v1_4l) { .format = PT_FMT_AMD_V1, .levels = 4, .w0 = 0x300000000ULL };
FIXTURE_VARIANT_ADD(pt_lean, amd_v1_6l) { .format = PT_FMT_AMD_V1, .levels = 6, .w0 = 0xfffffffe00000000ULL };

/* Identity fetch that counts its calls. */
static uint64_t *t_fetch(const struct pt_mem *mem, uint64_t addr, size_t size)
{
	unsigned int *n = mem->opaque;

	(*n)++;
	return (uint64_t *)(uintptr_t)addr;
}

FIXTURE_SETUP(pt_lean)
{
	struct pt_cfg cfg = {
		.format = variant->format, .granule = variant->granule,
		.levels = variant->levels, .ias = variant->ias,
		.flags = variant->flags,
	};

	ASSERT_OK(pt_create(&cfg, &self->pt));
	self->g = pt_get_geom(self->pt);
	self->w0 = variant->w0;
	self->seed = 0x2545f4914f6cdd1dULL ^ variant->w0 ^ variant->format ^
		     variant->flags;
	self->mem.fetch = t_fetch;
	self->mem.opaque = &self->fetches;
}

FIXTURE_TEARDOWN(pt_lean)
{
	pt_destroy(self->pt);
}

static uint64_t t_rnd(struct t_fixture_pt_lean *self, uint64_t n)
{
	return n ? t_rand(&self->seed) % n : 0;
}

/*
 * Both walkers on (@root, @iova, @access), identity and through pt_mem.
 * @own: a table we built, where only A/D updates may make the lean walker
 * decline a successful walk.  Returns pt_walk()'s rc.
 */
/* The fast walker against pt_walk()'s @rc/@r and the lean walker's @lrc. */
static void t_compare_fast(struct t_fixture_pt_lean *self,
			   const struct pt_geom *g, uint64_t iova,
			   unsigned int access, bool own, int rc,
			   const struct pt_walk_result *r, int lrc)
{
	struct pt_lean_result f;
	int frc = pt_fast_walk(&self->fast, iova, access, &f);

	ASSERT_EQ(self->fast.ok, !(g->flags & PT_CFG_HW_AD));
	if (frc) {
		ASSERT_ERRNO(EAGAIN, frc);
		/* On our tables only probes and NL=7 sizes are left over. */
		if (own && !lrc && !(access & PT_ACCESS_PROBE))
			ASSERT_TRUE(g->format == PT_FMT_AMD_V1 &&
				    r->leaf_lg2 != g->shift[r->leaf_level]);
		return;
	}
	self->nfast++;
	ASSERT_OK(rc);
	T_EQ(f.oa, r->oa);
	T_EQ(f.leaf_lg2, r->leaf_lg2);
	T_EQ(f.prot, r->prot);
	T_EQ(f.reads, r->reads);
}

static int t_compare(struct t_fixture_pt_lean *self, const struct pt_geom *g,
		     uint64_t root, uint64_t iova, unsigned int access,
		     bool own)
{
	struct pt_lean_result l, lm;
	struct pt_walk_result r;
	int rc, lrc, lmrc;

	lrc = pt_walk_lean(g, root, NULL, iova, access, &l);
	self->fetches = 0;
	lmrc = pt_walk_lean(g, root, &self->mem, iova, access, &lm);
	rc = pt_walk(g, root, NULL, iova, access, &r);
	if (lrc) {
		ASSERT_ERRNO(EAGAIN, lrc);
		if (!rc && own)
			ASSERT_TRUE((g->flags & PT_CFG_HW_AD) &&
				    !(access & PT_ACCESS_PROBE));
	} else {
		ASSERT_OK(rc);
		T_EQ(l.oa, r.oa);
		T_EQ(l.leaf_lg2, r.leaf_lg2);
		T_EQ(l.prot, r.prot);
		T_EQ(l.reads, r.reads);
	}
	/* Through pt_mem: the same answer, one fetch per read. */
	T_EQ(lmrc, lrc);
	if (!lmrc) {
		T_EQ(lm.oa, l.oa);
		T_EQ(lm.leaf_lg2, l.leaf_lg2);
		T_EQ(lm.prot, l.prot);
		T_EQ(self->fetches, l.reads);
	}
	ASSERT_EQ(self->fast.root, self->fast.ok ? root : 0);
	t_compare_fast(self, g, iova, access, own, rc, &r, lrc);
	return rc;
}

static unsigned int t_prot(struct t_fixture_pt_lean *self)
{
	static const unsigned int extra[] = {
		0, PT_PROT_EXEC, PT_PROT_PRIV, PT_PROT_CACHE, PT_PROT_MMIO,
		PT_PROT_EXEC | PT_PROT_PRIV,
	};
	unsigned int prot = t_rnd(self, 4) ? PT_PROT_READ : 0;

	if (t_rnd(self, 2) || !prot)
		prot |= PT_PROT_WRITE;
	return prot | extra[t_rnd(self, 6)];
}

/* A random map: any size the format has, random alignment slack. */
static void t_map_one(struct t_fixture_pt_lean *self)
{
	uint64_t sizes = self->g->pgsize_bitmap & (T_WLEN / 8 * 2 - 1);
	int k = (int)t_rnd(self, (uint64_t)__builtin_popcountll(sizes));
	uint64_t sz, iova, oa;

	while (k--)
		sizes &= sizes - 1;
	sz = sizes & -sizes;
	iova = self->w0 + t_rnd(self, T_WLEN / sz - 4) * sz;
	oa = T_OA0 + t_rnd(self, 1024) * sz;
	/* -EEXIST on overlap is fine: the table stays as it was. */
	(void)!pt_map(self->pt, iova, oa, sz * (1 + t_rnd(self, 3)),
		      t_prot(self), NULL);
}

/* A random address: mostly mapped area, sometimes out of range. */
static uint64_t t_addr(struct t_fixture_pt_lean *self)
{
	uint64_t c = t_rnd(self, 100);

	if (c < 90)
		return self->w0 + t_rnd(self, T_WLEN);
	if (c < 95)
		return t_rand(&self->seed);
	return self->w0 ^ (1ULL << t_rnd(self, 64));
}

TEST_F(pt_lean, real_tables)
{
	uint64_t ok = 0, fault = 0, gran = 1ULL << self->g->gran_lg2;
	unsigned int i, a;

	for (i = 0; i < 3000; i++) {
		if (t_rnd(self, 4))
			t_map_one(self);
		else
			(void)!pt_unmap(self->pt,
					self->w0 + t_rnd(self, T_WLEN / gran) *
							   gran,
					gran * (1 + t_rnd(self, 600)), NULL,
					NULL);
	}
	pt_fast_init(&self->fast, self->g, pt_root(self->pt));
	for (i = 0; i < 20000; i++) {
		uint64_t iova = t_addr(self);

		for (a = 0; a < sizeof(t_access) / sizeof(t_access[0]); a++) {
			if (t_compare(self, self->g, pt_root(self->pt), iova,
				      t_access[a], true))
				fault++;
			else
				ok++;
			if (t_failures)
				FAIL("iova 0x%llx access 0x%x",
				     (unsigned long long)iova, t_access[a]);
		}
	}
	/* Both outcomes must have been exercised in quantity. */
	ASSERT_GT(ok, 10000ULL);
	ASSERT_GT(fault, 10000ULL);
	if (self->fast.ok)
		ASSERT_GT(self->nfast, 10000ULL);
}

/* A random entry for a pool table: anything, but pointers stay inside. */
static uint64_t t_word(struct t_fixture_pt_lean *self, uint64_t *const *pool,
		       unsigned int level)
{
	const struct pt_geom *g = self->g;
	uint64_t page = (uint64_t)(uintptr_t)pool[t_rnd(self, T_POOL)];
	uint64_t bits = t_rand(&self->seed) & ~g->addr_mask;

	switch (t_rnd(self, 6)) {
	case 0:
		return 0;
	case 1: /* a standard table entry of this level (level 0: none) */
		return level ? page | g->tbl_val[level] : page | bits;
	case 2: /* the same with one random bit flipped outside the address */
		return level ? (page | g->tbl_val[level]) ^
				       ((1ULL << t_rnd(self, 64)) &
					~g->addr_mask) :
			       page;
	case 3: /* a sparse random word */
		return page | (bits & t_rand(&self->seed));
	default:
		return page | bits;
	}
}

TEST_F(pt_lean, random_words)
{
	const struct pt_geom *g = self->g;
	size_t bytes = (size_t)1 << g->gran_lg2, root_bytes = g->root_bytes;
	uint64_t *pool[T_POOL], *root;
	uint64_t ok = 0, fault = 0;
	unsigned int i, j, a, round;

	root = aligned_alloc(root_bytes, root_bytes);
	ASSERT_NONNULL(root);
	for (i = 0; i < T_POOL; i++) {
		pool[i] = aligned_alloc(bytes, bytes);
		ASSERT_NONNULL(pool[i]);
	}
	pt_fast_init(&self->fast, g, (uint64_t)(uintptr_t)root);
	for (round = 0; round < 8; round++) {
		/* Pool page i plays level i % levels when it is filled, but
		 * any page may be reached at any level. */
		for (i = 0; i < T_POOL; i++)
			for (j = 0; j < bytes / 8; j++)
				pool[i][j] = t_word(self, pool,
						    i % g->levels);
		for (j = 0; j < root_bytes / 8; j++)
			root[j] = t_word(self, pool, g->top);
		for (i = 0; i < 4000; i++) {
			uint64_t iova = t_addr(self);

			a = (unsigned int)t_rnd(self, sizeof(t_access) /
						      sizeof(t_access[0]));
			if (t_compare(self, g, (uint64_t)(uintptr_t)root,
				      iova, t_access[a], false))
				fault++;
			else
				ok++;
			if (t_failures)
				FAIL("round %u iova 0x%llx access 0x%x", round,
				     (unsigned long long)iova, t_access[a]);
		}
	}
	for (i = 0; i < T_POOL; i++)
		free(pool[i]);
	free(root);
	ASSERT_GT(ok, 10ULL);
	ASSERT_GT(fault, 1000ULL);
}
