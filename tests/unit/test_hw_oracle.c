// SPDX-License-Identifier: MIT
/*
 * Invalidation oracle for the emulated IOMMU: random sequences of map,
 * unmap and remap on the tables of every model and stage configuration,
 * each followed by the invalidation the architecture requires (encoded
 * with the model's own commands, in randomly chosen forms), with every
 * check comparing hw_translate() against a fresh software walk of the
 * tables.  Any stale or wrong IOTLB entry shows up as a mismatch.
 *
 * Also: an omitted invalidation is observable (the hardware model keeps
 * stale entries, as real IOMMUs do) and the right command repairs it, for
 * both stages of a nested configuration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "hw/hw.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define WIN 0x40000000ULL		/* IOVA window base */
#define WIN_LEN (64ULL << 20)
#define T_IPA 0x100000000000ULL		/* nested: data IPAs */
#define OA_BASE 0x200000000ULL
#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define ARENA (8ULL << 20)

struct t_arena {
	char *base;
	size_t used;
};

static void *t_arena_alloc(void *priv, size_t size, size_t align)
{
	struct t_arena *a = priv;
	size_t off = (a->used + align - 1) & ~(align - 1);

	if (off + size > ARENA)
		return NULL;
	a->used = off + size;
	memset(a->base + off, 0, size);
	return a->base + off;
}

static void t_arena_free(void *priv, void *p, size_t size)
{
}

FIXTURE(hw_oracle)
{
	struct hw_iommu *m;
	struct pt *s1;		/* the stage-1 table, or NULL */
	struct pt *s2;		/* the stage-2 table, or NULL */
	struct t_arena arena;
	struct pt_alloc_ops ops;
	uint64_t rng;
	uint64_t checks;
	uint64_t invals;
};

FIXTURE_VARIANT(hw_oracle)
{
	enum hw_model model;
	enum hw_mode mode;
	enum pt_format f1;
	enum pt_format f2;
};

FIXTURE_VARIANT_ADD(hw_oracle, vtd_ss) {
	HW_MODEL_VTD, HW_MODE_S2, 0, PT_FMT_VTD_SS };
FIXTURE_VARIANT_ADD(hw_oracle, vtd_fs) {
	HW_MODEL_VTD, HW_MODE_S1, PT_FMT_VTD_FS, 0 };
FIXTURE_VARIANT_ADD(hw_oracle, vtd_nested) {
	HW_MODEL_VTD, HW_MODE_NESTED, PT_FMT_VTD_FS, PT_FMT_VTD_SS };
FIXTURE_VARIANT_ADD(hw_oracle, arm_s1) {
	HW_MODEL_SMMUV3, HW_MODE_S1, PT_FMT_ARM_S1, 0 };
FIXTURE_VARIANT_ADD(hw_oracle, arm_s2) {
	HW_MODEL_SMMUV3, HW_MODE_S2, 0, PT_FMT_ARM_S2 };
FIXTURE_VARIANT_ADD(hw_oracle, arm_nested) {
	HW_MODEL_SMMUV3, HW_MODE_NESTED, PT_FMT_ARM_S1, PT_FMT_ARM_S2 };
FIXTURE_VARIANT_ADD(hw_oracle, amd_v1) {
	HW_MODEL_AMD, HW_MODE_S2, 0, PT_FMT_AMD_V1 };
FIXTURE_VARIANT_ADD(hw_oracle, amd_nested) {
	HW_MODEL_AMD, HW_MODE_NESTED, PT_FMT_VTD_FS, PT_FMT_AMD_V1 };

/* Tags: VT-d DID 5, SMMU ASID 3 / VMID 1, AMD DomainID 7; PASID 3. */
#define RID 0x100
#define PASID 3

static uint32_t t_tag1(enum hw_model model)
{
	return model == HW_MODEL_VTD ? 5 : model == HW_MODEL_SMMUV3 ? 3 : 7;
}

static uint32_t t_tag2(enum hw_model model)
{
	return model == HW_MODEL_VTD ? 5 : model == HW_MODEL_SMMUV3 ? 1 : 7;
}

static struct pt *t_pt(enum pt_format f, const struct pt_alloc_ops *ops)
{
	struct pt_cfg cfg = { .format = f, .alloc = ops };
	struct pt *pt = NULL;

	if (f == PT_FMT_AMD_V1)
		cfg.levels = 6;
	return pt_create(&cfg, &pt) ? NULL : pt;
}

static void t_stage(struct hw_stage *s, const struct pt *pt, uint32_t tag)
{
	s->geom = *pt_get_geom(pt);
	s->root = pt_root(pt);
	s->tag = tag;
}

static bool t_nested(const FIXTURE_VARIANT(hw_oracle) *v)
{
	return v->mode == HW_MODE_NESTED;
}

FIXTURE_SETUP(hw_oracle)
{
	struct hw_caps caps = { .flags = HW_CAP_SMMU_RIL };
	struct hw_config c = { .mode = variant->mode };
	uint64_t off;

	self->rng = 0x0dac1e5 + variant->model * 31 + variant->mode;
	if (hw_create(variant->model, &caps, &self->m))
		return;
	if (t_nested(variant)) {
		self->arena.base = aligned_alloc(SZ_2M, ARENA);
		self->ops.alloc = t_arena_alloc;
		self->ops.free = t_arena_free;
		self->ops.priv = &self->arena;
		self->s1 = t_pt(variant->f1, &self->ops);
		self->s2 = t_pt(variant->f2, NULL);
		/* Guest RAM holding the stage-1 tables, IPA = HVA. */
		for (off = 0; self->s2 && off < ARENA; off += SZ_2M)
			if (pt_map(self->s2,
				   (uintptr_t)self->arena.base + off,
				   (uintptr_t)self->arena.base + off, SZ_2M,
				   RW, NULL))
				return;
		/* Data IPAs: 2M leaves to start with. */
		if (self->s2 && pt_map(self->s2, T_IPA, OA_BASE, WIN_LEN, RW,
				       NULL))
			return;
	} else if (variant->mode == HW_MODE_S1) {
		self->s1 = t_pt(variant->f1, NULL);
	} else {
		self->s2 = t_pt(variant->f2, NULL);
	}
	if (self->s1)
		t_stage(&c.s1, self->s1, t_tag1(variant->model));
	if (self->s2)
		t_stage(&c.s2, self->s2, t_tag2(variant->model));
	/* SMMU stage-1-only entries are tagged with the STE's VMID too. */
	c.s2.tag = t_tag2(variant->model);
	if (hw_config_set(self->m, RID, PASID, &c)) {
		hw_destroy(self->m);
		self->m = NULL;
	}
}

FIXTURE_TEARDOWN(hw_oracle)
{
	hw_destroy(self->m);
	pt_destroy(self->s1);
	pt_destroy(self->s2);
	free(self->arena.base);
}

static uint64_t t_below(uint64_t *rng, uint64_t n)
{
	return t_rand(rng) % n;
}

/* ---- the oracle ---- */

/* Fresh walk of the tables: 0 and *hva, or -EFAULT. */
static int t_fresh(const struct t_fixture_hw_oracle *self, uint64_t iova,
		   uint64_t *hva)
{
	uint64_t a = iova;

	if (self->s1 && pt_iova_to_phys(self->s1, a, &a, NULL, NULL))
		return -EFAULT;
	if (self->s2 && pt_iova_to_phys(self->s2, a, &a, NULL, NULL))
		return -EFAULT;
	*hva = a;
	return 0;
}

static int t_check(struct t_fixture_hw_oracle *self, uint64_t iova)
{
	struct hw_xlate xl;
	uint64_t want;
	int rc, rc2;

	rc = t_fresh(self, iova, &want);
	rc2 = hw_translate(self->m, RID, PASID, iova, PT_ACCESS_READ, &xl,
			   NULL);
	self->checks++;
	if (rc != rc2)
		return -1;
	return (!rc && xl.hva != want) ? -2 : 0;
}

/* ---- invalidation, in the model's own encodings ---- */

/* Smallest naturally aligned 2^lg2 block holding [start, last]. */
static unsigned int t_block_lg2(uint64_t start, uint64_t last)
{
	unsigned int lg2 = 12;

	while (lg2 < 64 && (start >> lg2) != (last >> lg2))
		lg2++;
	return lg2;
}

static void t_inv_vtd(struct t_fixture_hw_oracle *self, unsigned int stage,
		      uint64_t start, uint64_t last)
{
	unsigned int lg2 = t_block_lg2(start, last);
	uint64_t a;

	if (lg2 - 12 > 18 || t_below(&self->rng, 8) == 0) {
		if (stage == 1)
			hw_vtd_piotlb_pasid(self->m, 5, PASID);
		else
			hw_vtd_iotlb_domain(self->m, 5);
		return;
	}
	if (last - start < 16 * SZ_4K && t_below(&self->rng, 2)) {
		for (a = start & ~(SZ_4K - 1); a <= last; a += SZ_4K)
			if (stage == 1)
				hw_vtd_piotlb_page(self->m, 5, PASID, a, 0,
						   true);
			else
				hw_vtd_iotlb_page(self->m, 5, a, 0, true);
		return;
	}
	if (stage == 1)
		hw_vtd_piotlb_page(self->m, 5, PASID, start, lg2 - 12, false);
	else
		hw_vtd_iotlb_page(self->m, 5, start, lg2 - 12, false);
}

/* An SMMU range covering [start, last] from start's page, if any fits. */
static bool t_smmu_range(uint64_t start, uint64_t last,
			 struct hw_smmu_range *r)
{
	uint64_t pages = ((last >> 12) - (start >> 12)) + 1;
	unsigned int scale;

	for (scale = 0; scale < 32; scale++) {
		uint64_t unit = 1ULL << scale;
		uint64_t num = (pages + unit - 1) / unit;

		if (num <= 32) {
			r->tg = 1;
			r->scale = scale;
			r->num = (unsigned int)num - 1;
			r->ttl = 0;
			return true;
		}
	}
	return false;
}

static void t_inv_smmu(struct t_fixture_hw_oracle *self, unsigned int stage,
		       uint64_t start, uint64_t last)
{
	struct hw_smmu_range r;
	uint64_t a;

	if (last - start < 16 * SZ_4K && t_below(&self->rng, 2)) {
		for (a = start & ~(SZ_4K - 1); a <= last; a += SZ_4K)
			if (stage == 1)
				hw_smmu_tlbi_nh_va(self->m, 1, 3, a, NULL);
			else
				hw_smmu_tlbi_s2_ipa(self->m, 1, a, NULL);
		return;
	}
	if (!t_smmu_range(start, last, &r) || t_below(&self->rng, 8) == 0) {
		if (stage == 1)
			hw_smmu_tlbi_nh_asid(self->m, 1, 3);
		else
			hw_smmu_tlbi_s12_vmall(self->m, 1);
		return;
	}
	if (stage == 1 && t_below(&self->rng, 2))
		hw_smmu_tlbi_nh_vaa(self->m, 1, start, &r);
	else if (stage == 1)
		hw_smmu_tlbi_nh_va(self->m, 1, 3, start, &r);
	else
		hw_smmu_tlbi_s2_ipa(self->m, 1, start, &r);
}

static void t_inv_amd(struct t_fixture_hw_oracle *self, unsigned int stage,
		      uint64_t start, uint64_t last)
{
	unsigned int lg2 = t_block_lg2(start, last);
	bool gn = stage == 1;
	uint64_t addr;

	if (lg2 == 12) {
		hw_amd_inv_pages(self->m, 7, PASID, start, false, false, gn);
		return;
	}
	if (t_below(&self->rng, 8) == 0 || lg2 >= 64) {
		hw_amd_inv_pages(self->m, 7, PASID, 0x7ffffffffffff000ULL,
				 true, true, gn);
		return;
	}
	/* S=1: ones below bit lg2-1 (from 12), zero at lg2-1. */
	addr = (start & ~((1ULL << lg2) - 1)) |
	       (((1ULL << (lg2 - 1)) - 1) & ~(SZ_4K - 1));
	hw_amd_inv_pages(self->m, 7, PASID, addr, true, false, gn);
}

static void t_inval(struct t_fixture_hw_oracle *self, enum hw_model model,
		    unsigned int stage, const struct pt_gather *g)
{
	if (g->start > g->last)
		return;
	self->invals++;
	if (model == HW_MODEL_VTD)
		t_inv_vtd(self, stage, g->start, g->last);
	else if (model == HW_MODEL_SMMUV3)
		t_inv_smmu(self, stage, g->start, g->last);
	else
		t_inv_amd(self, stage, g->start, g->last);
}

/* ---- operations ---- */

/* The table the IOVA window lives in (stage 1 if there is one). */
static struct pt *t_top(struct t_fixture_hw_oracle *self)
{
	return self->s1 ? self->s1 : self->s2;
}

static uint64_t t_oa_base(const struct t_fixture_hw_oracle *self)
{
	return self->s1 && self->s2 ? T_IPA : OA_BASE;
}

static void t_op_map(struct t_fixture_hw_oracle *self)
{
	uint64_t iova, oa, len;
	int rc;

	if (t_below(&self->rng, 4) == 0) {
		iova = WIN + t_below(&self->rng, WIN_LEN / SZ_2M) * SZ_2M;
		oa = t_oa_base(self) +
		     t_below(&self->rng, WIN_LEN / SZ_2M) * SZ_2M;
		len = SZ_2M;
	} else {
		iova = WIN + t_below(&self->rng, WIN_LEN / SZ_4K) * SZ_4K;
		oa = t_oa_base(self) +
		     t_below(&self->rng, WIN_LEN / SZ_4K) * SZ_4K;
		len = (1 + t_below(&self->rng, 64)) * SZ_4K;
		if (iova + len > WIN + WIN_LEN)
			len = WIN + WIN_LEN - iova;
	}
	/* Mapping over nothing needs no invalidation (nothing negative is
	 * cached); an overlap fails and changes nothing. */
	rc = pt_map(t_top(self), iova, oa, len, RW, NULL);
	(void)rc;
}

static int t_op_unmap(struct t_fixture_hw_oracle *self, enum hw_model model)
{
	struct pt_gather g;
	uint64_t iova, len;
	int rc;

	iova = WIN + t_below(&self->rng, WIN_LEN / SZ_4K) * SZ_4K;
	len = (1 + t_below(&self->rng, 600)) * SZ_4K;
	if (iova + len > WIN + WIN_LEN)
		len = WIN + WIN_LEN - iova;
	pt_gather_init(&g);
	rc = pt_unmap(t_top(self), iova, len, &g, NULL);
	t_inval(self, model, self->s1 ? 1 : 2, &g);
	pt_gather_release(&g);
	return rc;
}

/* Nested: move one 2M chunk of data IPAs elsewhere in stage 2. */
static int t_op_remap_s2(struct t_fixture_hw_oracle *self,
			 enum hw_model model)
{
	uint64_t ipa = T_IPA + t_below(&self->rng, WIN_LEN / SZ_2M) * SZ_2M;
	uint64_t oa = OA_BASE + WIN_LEN +
		      t_below(&self->rng, 64) * SZ_2M;
	struct pt_gather g;
	uint64_t off;
	int rc;

	pt_gather_init(&g);
	rc = pt_unmap(self->s2, ipa, SZ_2M, &g, NULL);
	t_inval(self, model, 2, &g);
	pt_gather_release(&g);
	if (rc)
		return rc;
	if (t_below(&self->rng, 2))
		return pt_map(self->s2, ipa, oa, SZ_2M, RW, NULL);
	for (off = 0; off < SZ_2M; off += 64 * SZ_4K) {
		rc = pt_map(self->s2, ipa + off, oa + off + SZ_4K * 3,
			    64 * SZ_4K, RW, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

TEST_F(hw_oracle, random_sequences)
{
	unsigned int op, i;
	uint64_t hot = WIN;

	ASSERT_NONNULL(self->m);
	for (op = 0; op < 1500; op++) {
		unsigned int k = (unsigned int)t_below(&self->rng, 10);

		if (k < 5) {
			t_op_map(self);
		} else if (k < 8 || !t_nested(variant)) {
			ASSERT_OK(t_op_unmap(self, variant->model));
		} else {
			ASSERT_OK(t_op_remap_s2(self, variant->model));
		}
		/* Checks: random addresses, and a hot region that stays
		 * cached across operations. */
		for (i = 0; i < 12; i++) {
			uint64_t iova = i < 6 ?
				WIN + t_below(&self->rng, WIN_LEN) :
				hot + t_below(&self->rng, 32 * SZ_4K);
			int rc = t_check(self, iova);

			if (rc)
				FAIL("op %u: iova 0x%" PRIx64 " %s", op, iova,
				     rc == -1 ? "fault mismatch" :
						"stale or wrong translation");
		}
		if (op % 100 == 99)
			hot = WIN + t_below(&self->rng, WIN_LEN - SZ_2M);
	}
	ASSERT_GT(self->invals, 100u);
	ASSERT_GT(self->checks, 10000u);
}

/* ---- faithfulness: omitted invalidations are observable ---- */

TEST_F(hw_oracle, omitted_invalidation_is_stale_until_the_right_command)
{
	struct hw_xlate xl;
	uint64_t want;
	bool nested = t_nested(variant);

	ASSERT_NONNULL(self->m);
	ASSERT_OK(pt_map(t_top(self), WIN, t_oa_base(self), SZ_4K, RW, NULL));
	ASSERT_OK(hw_translate(self->m, RID, PASID, WIN, PT_ACCESS_READ, &xl,
			       NULL));
	ASSERT_OK(t_fresh(self, WIN, &want));
	T_EQ(xl.hva, want);
	/* Change the top table without invalidating: still the old. */
	ASSERT_OK(pt_unmap(t_top(self), WIN, SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(t_top(self), WIN, t_oa_base(self) + SZ_2M, SZ_4K, RW,
			 NULL));
	ASSERT_OK(hw_translate(self->m, RID, PASID, WIN, PT_ACCESS_READ, &xl,
			       NULL));
	T_EQ(xl.hva, want);
	/* The right one: a single-page invalidation of the top stage. */
	{
		struct pt_gather g = { .start = WIN, .last = WIN + SZ_4K - 1 };

		t_inval(self, variant->model, self->s1 ? 1 : 2, &g);
	}
	ASSERT_OK(t_fresh(self, WIN, &want));
	ASSERT_OK(hw_translate(self->m, RID, PASID, WIN, PT_ACCESS_READ, &xl,
			       NULL));
	T_EQ(xl.hva, want);
	if (!nested)
		return;
	/* Stage 2 changes behind the combined entry: stale until a stage-2
	 * invalidation of that IPA. */
	ASSERT_OK(pt_unmap(self->s2, T_IPA + SZ_2M, SZ_2M, NULL, NULL));
	ASSERT_OK(pt_map(self->s2, T_IPA + SZ_2M, OA_BASE + WIN_LEN, SZ_2M, RW,
			 NULL));
	ASSERT_OK(hw_translate(self->m, RID, PASID, WIN, PT_ACCESS_READ, &xl,
			       NULL));
	T_EQ(xl.hva, want);
	{
		struct pt_gather g = { .start = T_IPA + SZ_2M,
				       .last = T_IPA + 2 * SZ_2M - 1 };

		t_inval(self, variant->model, 2, &g);
	}
	ASSERT_OK(t_fresh(self, WIN, &want));
	T_EQ(want, OA_BASE + WIN_LEN);
	ASSERT_OK(hw_translate(self->m, RID, PASID, WIN, PT_ACCESS_READ, &xl,
			       NULL));
	T_EQ(xl.hva, want);
}
