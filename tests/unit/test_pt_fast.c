// SPDX-License-Identifier: MIT
/*
 * The fast two-dimensional walker (pt_fast_walk_nested) against a nested
 * walk made of the full walker: pt_walk() of stage 1 through a struct
 * pt_mem whose fetch walks stage 2 with pt_walk() for a read, then
 * pt_walk() of stage 2 for the output.  Whenever the fast walker answers,
 * both stages' results and the total read count are the reference's;
 * whenever any walk of the reference faults, it declines; on tables of
 * standard entries only it answers every request the reference
 * translates, probes and AMD NL=7 sizes apart.  (Single-stage plans are
 * checked in test_pt_lean.c.)
 *
 * Per variant, a stage-2 table maps a pool of stage-1 table pages at
 * random IPAs (4K pages and, where the pool allows, one block over all
 * of it), some pages read-only, some write-only (a table read faults),
 * some not at all, and an output window with random page sizes and
 * rights.  Stage-1 tables are pool pages filled with random words whose
 * table pointers are IPAs of pool pages, or real stage-1 mappings:
 *
 *   IPA  T_TBL_IPA + i * gran  -> pool page i      (stage 2, 4K leaves)
 *   IPA  T_BLK_IPA + offset    -> the pool, one block (if aligned)
 *   IPA  T_OUT_IPA ...         -> the pool again   (random sizes <= 2M)
 *
 * Every IPA stage 2 maps is real memory: a stage-1 leaf read at a higher
 * level is a table pointer, which the reference walker follows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "t_access.h"
#include "pt/pt_priv.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_NPOOL 64
#define T_TBL_IPA 0x40000000ULL
#define T_BLK_IPA 0x80000000ULL
#define T_OUT_IPA 0x100000000ULL
#define T_OUT_LEN (1ULL << 26)
#define T_POOL_LEN (1ULL << 21)

FIXTURE(pt_fast2)
{
	struct pt *s2;
	struct pt_geom g1;
	const struct pt_geom *g2;
	char *pool;		/* T_POOL_LEN, aligned to it; tables first */
	size_t gran;
	uint64_t root_ipa;
	uint64_t blk;		/* stage-2 block size over the pool, or 0 */
	uint64_t seed;
	unsigned int fetch_reads;
	struct pt_mem mem;
	struct pt_fast f1, f2;
	bool clean;		/* this round: standard entries only */
};

FIXTURE_VARIANT(pt_fast2)
{
	enum pt_format f1, f2;
	unsigned int gran1, gran2;
	unsigned int levels1, ias2;
	unsigned int flags1;
};

/* The nestings the emulated IOMMUs use: VT-d FS over SS, SMMU S1 over S2,
 * AMD x86 over v1; granules up to the stage-2 one. */
FIXTURE_VARIANT_ADD(pt_fast2, vtd_fs4_ss4) { .f1 = PT_FMT_VTD_FS, .f2 = PT_FMT_VTD_SS, .levels1 = 4 };
FIXTURE_VARIANT_ADD(pt_fast2, vtd_fs5_ss4_nxe) { .f1 = PT_FMT_VTD_FS, .f2 = PT_FMT_VTD_SS, .levels1 = 5, .flags1 = PT_CFG_X86_NXE };
FIXTURE_VARIANT_ADD(pt_fast2, arm_4k_4k) { .f1 = PT_FMT_ARM_S1, .f2 = PT_FMT_ARM_S2, .gran1 = 4096, .gran2 = 4096, .ias2 = 40 };
FIXTURE_VARIANT_ADD(pt_fast2, arm_4k_64k) { .f1 = PT_FMT_ARM_S1, .f2 = PT_FMT_ARM_S2, .gran1 = 4096, .gran2 = 65536, .ias2 = 48 };
FIXTURE_VARIANT_ADD(pt_fast2, arm_16k_16k) { .f1 = PT_FMT_ARM_S1, .f2 = PT_FMT_ARM_S2, .gran1 = 16384, .gran2 = 16384, .ias2 = 44 };
FIXTURE_VARIANT_ADD(pt_fast2, amd_fs4_v1_4) { .f1 = PT_FMT_VTD_FS, .f2 = PT_FMT_AMD_V1, .levels1 = 4 };

FIXTURE_SETUP(pt_fast2)
{
	struct pt_cfg c1 = {
		.format = variant->f1, .granule = variant->gran1,
		.levels = variant->levels1, .flags = variant->flags1,
	};
	struct pt_cfg c2 = {
		.format = variant->f2, .granule = variant->gran2,
		.ias = variant->ias2,
	};

	ASSERT_OK(pt_geom_init(&self->g1, &c1));
	ASSERT_OK(pt_create(&c2, &self->s2));
	self->g2 = pt_get_geom(self->s2);
	self->gran = (size_t)1 << self->g1.gran_lg2;
	self->pool = aligned_alloc(T_POOL_LEN, T_POOL_LEN);
	ASSERT_NONNULL(self->pool);
	self->seed = 0x9e3779b97f4a7c15ULL ^ variant->f1 << 8 ^ variant->f2 ^
		     (uint64_t)variant->gran1 << 20 ^ variant->gran2;
}

FIXTURE_TEARDOWN(pt_fast2)
{
	pt_destroy(self->s2);
	free(self->pool);
}

static uint64_t t_rnd(struct t_fixture_pt_fast2 *self, uint64_t n)
{
	return n ? t_rand(&self->seed) % n : 0;
}

static char *t_page(struct t_fixture_pt_fast2 *self, unsigned int i)
{
	return self->pool + (size_t)i * self->gran;
}

/* Reference fetch: a stage-2 pt_walk() for a read; the table must lie in
 * the leaf (as the engine's fetch requires). */
static uint64_t *t_fetch(const struct pt_mem *mem, uint64_t ipa, size_t size)
{
	struct t_fixture_pt_fast2 *self = mem->opaque;
	struct pt_walk_result r;

	if (pt_walk(self->g2, pt_root(self->s2), NULL, ipa, PT_ACCESS_READ,
		    &r))
		return NULL;
	self->fetch_reads += r.reads;
	if ((ipa & ((1ULL << r.leaf_lg2) - 1)) + size > (1ULL << r.leaf_lg2))
		return NULL;
	return (uint64_t *)(uintptr_t)r.oa;
}

/* The stage-2 side: pool pages, the pool block, the output window. */
static void t_map_s2(struct t_fixture_pt_fast2 *self)
{
	uint64_t sizes = self->g2->pgsize_bitmap, g2 = sizes & -sizes;
	unsigned int i;

	for (i = 0; i < T_NPOOL; i++) {
		unsigned int c = (unsigned int)t_rnd(self, 10), prot;

		if (!c)
			continue; /* not mapped: a fetch fault */
		prot = c == 1 ? PT_PROT_WRITE :
		       c == 2 ? PT_PROT_READ : PT_PROT_READ | PT_PROT_WRITE;
		/* A stage-2 page may cover several stage-1 pool pages. */
		(void)!pt_map(self->s2,
			      T_TBL_IPA + ((uint64_t)i * self->gran & ~(g2 - 1)),
			      (uint64_t)(uintptr_t)t_page(self, i) & ~(g2 - 1),
			      g2, prot, NULL);
	}
	/* The smallest stage-2 size above the granule that the pool
	 * covers, if any: the same pages through one block. */
	self->blk = 0;
	for (sizes &= ~g2; sizes; sizes &= sizes - 1) {
		uint64_t b = sizes & -sizes;

		if (b <= T_POOL_LEN && (uintptr_t)self->pool % b == 0) {
			self->blk = b;
			break;
		}
	}
	if (self->blk)
		ASSERT_OK(pt_map(self->s2, T_BLK_IPA,
				 (uint64_t)(uintptr_t)self->pool, self->blk,
				 PT_PROT_READ | PT_PROT_WRITE, NULL));
	for (i = 0; i < 300; i++) {
		uint64_t s = self->g2->pgsize_bitmap & (2 * T_POOL_LEN - 1);
		int k = (int)t_rnd(self, (uint64_t)__builtin_popcountll(s));
		static const unsigned int extra[] = {
			0, PT_PROT_EXEC, PT_PROT_CACHE, PT_PROT_MMIO,
		};
		unsigned int prot = (t_rnd(self, 4) ? PT_PROT_READ : 0) |
				    extra[t_rnd(self, 4)];
		uint64_t sz;

		while (k--)
			s &= s - 1;
		sz = s & -s;
		if (t_rnd(self, 2) || !(prot & PT_PROT_READ))
			prot |= PT_PROT_WRITE;
		(void)!pt_map(self->s2,
			      T_OUT_IPA + t_rnd(self, T_OUT_LEN / sz) * sz,
			      (uint64_t)(uintptr_t)self->pool +
				      t_rnd(self, T_POOL_LEN / sz) * sz,
			      sz, prot, NULL);
	}
}

/* The IPA of pool page @i: through the 4K mappings or the block. */
static uint64_t t_ipa(struct t_fixture_pt_fast2 *self, unsigned int i)
{
	uint64_t off = (uint64_t)i * self->gran;

	if (self->blk && off < self->blk && t_rnd(self, 3) == 0)
		return T_BLK_IPA + off;
	if (!self->clean && t_rnd(self, 50) == 0)
		return t_rand(&self->seed) & self->g1.addr_mask;
	return T_TBL_IPA + off;
}

/* A random stage-1 entry at @level, table pointers as IPAs into the pool. */
static uint64_t t_word(struct t_fixture_pt_fast2 *self, unsigned int level)
{
	const struct pt_geom *g = &self->g1;
	uint64_t page = t_ipa(self, (unsigned int)t_rnd(self, T_NPOOL));
	uint64_t bits = t_rand(&self->seed) & ~g->addr_mask;
	uint64_t out = (T_OUT_IPA + t_rnd(self, T_OUT_LEN)) & g->addr_mask;
	static const unsigned int prots[] = {
		PT_PROT_READ, PT_PROT_READ | PT_PROT_WRITE,
		PT_PROT_READ | PT_PROT_EXEC, PT_PROT_WRITE | PT_PROT_PRIV,
		PT_PROT_READ | PT_PROT_WRITE | PT_PROT_EXEC | PT_PROT_CACHE,
		PT_PROT_READ | PT_PROT_WRITE | PT_PROT_EXEC,
	};
	unsigned int lg2;

	switch (t_rnd(self, self->clean ? 8 : 12)) {
	case 0:
		return 0;
	case 1:
	case 2:
	case 3:
	case 4:
	case 5: /* a standard table entry (level 0: a page) */
		if (level)
			return page | g->tbl_val[level];
		__attribute__((fallthrough));
	case 6:
	case 7: /* a leaf as map writes it, of the level's size */
		if (!(g->leaf_levels & (1u << level)))
			return page | g->tbl_val[level];
		lg2 = g->shift[level];
		/* Clean rounds: leaves that read as standard tables when a
		 * walk reaches them one level higher. */
		return g->fmt->leaf_tmpl(g, level, lg2,
					 prots[self->clean ?
						       4 + t_rnd(self, 2) :
						       t_rnd(self, 5)]) |
		       (out & ~((1ULL << lg2) - 1));
	case 8: /* one random bit flipped outside the address */
		return (page | (level ? g->tbl_val[level] : bits)) ^
		       ((1ULL << t_rnd(self, 64)) & ~g->addr_mask);
	default:
		return page | bits;
	}
}

/* Compares the fast walker with the reference on one request. */
static bool t_compare(struct t_fixture_pt_fast2 *self, uint64_t iova,
		      unsigned int access, uint64_t *ref_ok)
{
	struct pt_walk_result r1, r2;
	struct pt_nested_result f;
	int frc, rc;

	frc = pt_fast_walk_nested(&self->f1, &self->f2, iova, access, &f);
	self->fetch_reads = 0;
	rc = pt_walk(&self->g1, self->root_ipa, &self->mem, iova, access, &r1);
	if (!rc)
		rc = pt_walk(self->g2, pt_root(self->s2), NULL, r1.oa, access,
			     &r2);
	if (!rc)
		(*ref_ok)++;
	if (frc) {
		ASSERT_ERRNO(EAGAIN, frc);
		/* Standard entries only: every success but probes (and AMD
		 * NL=7 sizes) is the fast walker's too. */
		if (!rc && self->clean && !(access & PT_ACCESS_PROBE))
			ASSERT_TRUE(self->g2->format == PT_FMT_AMD_V1);
		return false;
	}
	ASSERT_OK(rc);
	T_EQ(f.s1.oa, r1.oa);
	T_EQ(f.s1.leaf_lg2, r1.leaf_lg2);
	T_EQ(f.s1.prot, r1.prot);
	T_EQ(f.s1.reads, r1.reads);
	T_EQ(f.s2.oa, r2.oa);
	T_EQ(f.s2.leaf_lg2, r2.leaf_lg2);
	T_EQ(f.s2.prot, r2.prot);
	T_EQ(f.s2.reads, r2.reads);
	T_EQ(f.reads, r1.reads + self->fetch_reads + r2.reads);
	return true;
}

TEST_F(pt_fast2, random_tables)
{
	const struct pt_geom *g = &self->g1;
	uint64_t ok = 0, tries = 0, ref_ok = 0;
	unsigned int i, j, a, round, top_n = g->idx_mask[g->top] + 1;

	self->mem.fetch = t_fetch;
	self->mem.opaque = self;
	t_map_s2(self);
	for (round = 0; round < 16; round++) {
		unsigned int root = (unsigned int)t_rnd(self, T_NPOOL);

		self->clean = round & 1;
		for (i = 0; i < T_NPOOL; i++) {
			uint64_t *p = (uint64_t *)t_page(self, i);

			for (j = 0; j < self->gran / 8; j++)
				p[j] = t_word(self, i % g->levels);
		}
		/* The root: a pool page playing the top level. */
		for (j = 0; j < top_n; j++)
			((uint64_t *)t_page(self, root))[j] =
				t_word(self, g->top);
		self->root_ipa = T_TBL_IPA + (uint64_t)root * self->gran;
		ASSERT_OK(pt_fast_init(&self->f1, g, self->root_ipa));
		ASSERT_OK(pt_fast_init(&self->f2, self->g2,
				       pt_root(self->s2)));
		ASSERT_TRUE(pt_fast_nested_ok(&self->f1, &self->f2));
		for (i = 0; i < 6000; i++) {
			/* Addresses the pool's indexes make likely to hit. */
			uint64_t iova = t_rand(&self->seed);

			if (t_rnd(self, 8))
				iova &= ((1ULL << g->shift[g->top]) *
					 (t_rnd(self, 2) ? 1 : top_n)) - 1;
			if (g->sign_extend && t_rnd(self, 2))
				iova |= ~g->va_mask;
			a = (unsigned int)t_rnd(self, 8);
			tries++;
			if (t_compare(self, iova, t_access[a], &ref_ok))
				ok++;
			if (t_failures)
				FAIL("round %u iova 0x%llx access 0x%x", round,
				     (unsigned long long)iova, t_access[a]);
		}
	}
	/* Both outcomes in quantity. */
	ASSERT_GT(ok, 200ULL);
	ASSERT_GT(tries - ok, 10000ULL);
	ASSERT_GT(ref_ok, ok);
}

/*
 * The unrolled descent (pt_fast_descend4) against the loop
 * (pt_fast_descend) and pt_walk() on the stage-2 table (real entries:
 * holes, every page size, random rights), where the plan is one
 * pt_fast_4x9() accepts; every other plan of the variants is refused.
 */
TEST_F(pt_fast2, core4_matches_core)
{
	const struct pt_fast *f = &self->f2;
	const uint64_t *root = (const uint64_t *)(uintptr_t)pt_root(self->s2);
	uint64_t ok = 0;
	unsigned int i;

	t_map_s2(self);
	ASSERT_OK(pt_fast_init(&self->f2, self->g2, pt_root(self->s2)));
	/* 4 levels of 9 bits over 4K: VT-d and AMD with 4 levels (the
	 * stage-1 plans here), not the AMD v1 6-level or ARM S2 tables. */
	ASSERT_OK(pt_fast_init(&self->f1, &self->g1, T_TBL_IPA));
	ASSERT_EQ(pt_fast_4x9(&self->f1), self->g1.levels == 4 &&
					  self->g1.gran_lg2 == 12);
	ASSERT_EQ(pt_fast_4x9(f), self->g2->levels == 4 &&
				  self->g2->gran_lg2 == 12 &&
				  self->g2->shift[3] == 39);
	if (!pt_fast_4x9(f))
		return;
	for (i = 0; i < 40000; i++) {
		uint64_t ipa = t_rand(&self->seed);
		unsigned int a = t_access[t_rnd(self, 8)];
		unsigned int lg2 = 0, prot = 0, level = 0;
		unsigned int lg2b = 0, protb = 0, levelb = 0;
		uint64_t va, oa = 0, oab = 0;
		struct pt_walk_result r;
		bool c4, c;
		int rc;

		switch (t_rnd(self, 4)) {
		case 0:
			ipa = T_OUT_IPA + ipa % T_OUT_LEN;
			break;
		case 1:
			ipa = T_TBL_IPA + ipa % (2 * T_POOL_LEN);
			break;
		case 2:
			ipa = T_BLK_IPA + ipa % (2 * T_POOL_LEN);
			break;
		}
		if (!pt_fast_access_ok(a) || !pt_fast_va(f, ipa, &va))
			continue;
		c4 = pt_fast_core_k(f, true, va, a, root, &oa, &lg2, &prot,
				    &level, f->key_sa, f->key_ma, f->key_sb,
				    f->key_mb);
		c = pt_fast_core_k(f, false, va, a, root, &oab, &lg2b, &protb,
				   &levelb, f->key_sa, f->key_ma, f->key_sb,
				   f->key_mb);
		ASSERT_EQ(c4, c);
		rc = pt_walk(self->g2, pt_root(self->s2), NULL, ipa, a, &r);
		if (!c)
			continue;
		ok++;
		T_EQ(oa, oab);
		T_EQ(lg2, lg2b);
		T_EQ(prot, protb);
		T_EQ(level, levelb);
		ASSERT_OK(rc);
		T_EQ(oa, r.oa);
		T_EQ(lg2, r.leaf_lg2);
		T_EQ(prot, r.prot);
		T_EQ(4 - level, r.reads);
	}
	ASSERT_GT(ok, 500ULL);
}

/* Preconditions: granules, root alignment, plans that are unusable. */
TEST_F(pt_fast2, nested_ok)
{
	struct pt_fast a, b;
	uint64_t gran = 1ULL << self->g1.gran_lg2;

	ASSERT_OK(pt_fast_init(&a, &self->g1, T_TBL_IPA));
	ASSERT_OK(pt_fast_init(&b, self->g2, pt_root(self->s2)));
	ASSERT_TRUE(pt_fast_nested_ok(&a, &b));
	ASSERT_OK(pt_fast_init(&a, &self->g1, T_TBL_IPA + gran / 2));
	ASSERT_FALSE(pt_fast_nested_ok(&a, &b));
	/* A root beyond the output size: no plan at all. */
	ASSERT_ERRNO(EOPNOTSUPP, pt_fast_init(&a, &self->g1, 1ULL << 63));
	ASSERT_FALSE(a.ok);
	ASSERT_FALSE(pt_fast_nested_ok(&a, &b));
}

/*
 * The read bit a table fetch tests (pt_fast.rd_bit), derived from the
 * decoder's rights table, is each stage-2 format's own: VT-d SS R (bit 0),
 * ARM stage-2 S2AP[0] (bit 6), AMD v1 IR (bit 61).  Every level's fetch
 * pattern is its leaf pattern plus that bit.
 */
TEST(pt_fast, read_bit_of_each_stage2_format)
{
	static const struct {
		struct pt_cfg cfg;
		uint64_t rd;
	} t[] = {
		{ { .format = PT_FMT_VTD_SS }, 1ULL << 0 },
		{ { .format = PT_FMT_ARM_S2, .granule = 4096, .ias = 40 },
		  1ULL << 6 },
		{ { .format = PT_FMT_ARM_S2, .granule = 65536, .ias = 48 },
		  1ULL << 6 },
		{ { .format = PT_FMT_AMD_V1 }, 1ULL << 61 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pt_fast f;
		struct pt *pt;

		ASSERT_OK(pt_create(&t[i].cfg, &pt));
		ASSERT_OK(pt_fast_init(&f, pt_get_geom(pt), pt_root(pt)));
		T_EQ(f.rd_bit, t[i].rd);
		for (unsigned int l = 0; l <= f.top; l++) {
			T_EQ(f.lv[l].tf_mask, f.lv[l].leaf_mask | t[i].rd);
			if (f.lv[l].leaf_val & ~f.lv[l].leaf_mask)
				ASSERT_NE(f.lv[l].tf_val & ~f.lv[l].tf_mask,
					  0ULL);	/* no leaf: never */
			else
				T_EQ(f.lv[l].tf_val,
				     f.lv[l].leaf_val | t[i].rd);
		}
		pt_destroy(pt);
	}
}
