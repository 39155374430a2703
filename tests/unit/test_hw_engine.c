// SPDX-License-Identifier: MIT
/*
 * Tests of the translation engine (src/hw/engine.c): instance and
 * configuration errors, translation results, the fault matrix for every
 * format (not present, permission, address size, stage attribution),
 * blocked and unconfigured devices, nested composition and its exact
 * table-read count, and the fault queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "hw/hw.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define T_IOVA 0x40000000ULL		/* 1 GiB */
#define T_IPA 0x100000000000ULL		/* 2^44: data IPAs of nested tests */
#define T_OA 0x123400000ULL		/* 2M aligned */
#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define R PT_ACCESS_READ
#define W PT_ACCESS_WRITE

static struct pt *t_pt(enum pt_format f, const struct pt_alloc_ops *ops,
		       unsigned int flags)
{
	struct pt_cfg cfg = { .format = f, .alloc = ops, .flags = flags };
	struct pt *pt = NULL;

	if (f == PT_FMT_AMD_V1)
		cfg.levels = 6; /* decodes all 64 bits: HVAs fit */
	return pt_create(&cfg, &pt) ? NULL : pt;
}

static void t_stage(struct hw_stage *s, const struct pt *pt, uint32_t tag)
{
	s->geom = *pt_get_geom(pt);
	s->root = pt_root(pt);
	s->tag = tag;
}

static struct hw_iommu *t_mmu(enum hw_model model, unsigned int flags)
{
	struct hw_caps caps = { .flags = flags };
	struct hw_iommu *m = NULL;

	if (hw_create(model, &caps, &m))
		return NULL;
	return m;
}

/* ---- arena: stage-1 tables of nested tests live in "guest RAM" ---- */

#define T_ARENA (4ULL << 20)

struct t_arena {
	char *base;
	size_t used;
};

static void *t_arena_alloc(void *priv, size_t size, size_t align)
{
	struct t_arena *a = priv;
	size_t off = (a->used + align - 1) & ~(align - 1);

	if (off + size > T_ARENA)
		return NULL;
	a->used = off + size;
	memset(a->base + off, 0, size);
	return a->base + off;
}

static void t_arena_free(void *priv, void *p, size_t size)
{
}

/* Maps with 4K leaves only (one call per page). */
static int t_map_4k(struct pt *pt, uint64_t iova, uint64_t oa, uint64_t len,
		    unsigned int prot)
{
	uint64_t off;
	int rc;

	for (off = 0; off < len; off += SZ_4K) {
		rc = pt_map(pt, iova + off, oa + off, SZ_4K, prot, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * A nested pair: stage-1 tables allocated in an arena that stage 2 maps at
 * IPA = HVA with 4K leaves (so the table pointers pt writes are valid
 * IPAs and each table fetch is a full stage-2 walk), and data
 * IPAs at T_IPA mapped by stage 2 to wherever the test says.
 */
struct t_nest {
	struct t_arena arena;
	struct pt_alloc_ops ops;
	struct pt *s1;
	struct pt *s2;
};

static int t_nest_init(struct t_nest *n, enum pt_format f1,
		       enum pt_format f2)
{
	memset(n, 0, sizeof(*n));
	n->arena.base = aligned_alloc(SZ_2M, T_ARENA);
	if (!n->arena.base)
		return -ENOMEM;
	n->ops.alloc = t_arena_alloc;
	n->ops.free = t_arena_free;
	n->ops.priv = &n->arena;
	n->s1 = t_pt(f1, &n->ops, 0);
	n->s2 = t_pt(f2, NULL, 0);
	if (!n->s1 || !n->s2)
		return -ENOMEM;
	return t_map_4k(n->s2, (uint64_t)(uintptr_t)n->arena.base,
			(uint64_t)(uintptr_t)n->arena.base, T_ARENA, RW);
}

static void t_nest_fini(struct t_nest *n)
{
	pt_destroy(n->s1);
	pt_destroy(n->s2);
	free(n->arena.base);
}

static void t_nest_cfg(struct hw_config *c, const struct t_nest *n,
		       uint32_t tag1, uint32_t tag2)
{
	memset(c, 0, sizeof(*c));
	c->mode = HW_MODE_NESTED;
	t_stage(&c->s1, n->s1, tag1);
	t_stage(&c->s2, n->s2, tag2);
}

/* ---- instance and configuration errors ---- */

TEST(hw_engine, create_errors)
{
	struct hw_caps caps = { 0 };
	struct hw_iommu *m = NULL;

	ASSERT_ERRNO(EINVAL, hw_create(0, NULL, &m));
	ASSERT_ERRNO(EINVAL, hw_create(HW_MODEL_AMD + 1, NULL, &m));
	caps.iotlb_sets_lg2 = 9;
	ASSERT_ERRNO(EINVAL, hw_create(HW_MODEL_VTD, &caps, &m));
	caps.iotlb_sets_lg2 = 21;
	ASSERT_ERRNO(EINVAL, hw_create(HW_MODEL_VTD, &caps, &m));
	caps.iotlb_sets_lg2 = 0;
	caps.flags = 1u << 7;
	ASSERT_ERRNO(EINVAL, hw_create(HW_MODEL_VTD, &caps, &m));
	caps.flags = 0;
	caps.fault_queue_lg2 = 17;
	ASSERT_ERRNO(EINVAL, hw_create(HW_MODEL_VTD, &caps, &m));
	ASSERT_OK(hw_create(HW_MODEL_SMMUV3, NULL, &m));
	T_EQ(hw_model_of(m), HW_MODEL_SMMUV3);
	T_EQ(hw_iotlb_count(m), 0);
	hw_destroy(m);
	hw_destroy(NULL);
}

TEST(hw_engine, config_errors)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct pt *ss = t_pt(PT_FMT_VTD_SS, NULL, 0);
	struct pt *arm = t_pt(PT_FMT_ARM_S1, NULL, 0);
	struct hw_config c = { .mode = HW_MODE_S2 };

	ASSERT_NONNULL(m);
	ASSERT_NONNULL(ss);
	ASSERT_NONNULL(arm);
	t_stage(&c.s2, ss, 1);
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 0x10000, HW_PASID_NONE, &c));
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, 1u << 20, &c));
	c.mode = 0;
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	c.mode = HW_MODE_NESTED + 1;
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	/* The model's formats only: VT-d stage 1 is not an ARM table. */
	c.mode = HW_MODE_S1;
	t_stage(&c.s1, arm, 1);
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	t_stage(&c.s1, ss, 1);
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	/* Tags are 16 bits. */
	c.mode = HW_MODE_S2;
	c.s2.tag = 0x10000;
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	/* A stage with no geometry. */
	memset(&c.s2, 0, sizeof(c.s2));
	ASSERT_ERRNO(EINVAL, hw_config_set(m, 1, HW_PASID_NONE, &c));
	ASSERT_ERRNO(ENOENT, hw_config_clear(m, 1, HW_PASID_NONE));
	ASSERT_ERRNO(ENOENT, hw_config_clear(m, 1, 5));
	ASSERT_ERRNO(EINVAL, hw_config_clear(m, 0x10000, 5));
	t_stage(&c.s2, ss, 1);
	ASSERT_OK(hw_config_set(m, 1, HW_PASID_NONE, &c));
	ASSERT_OK(hw_config_clear(m, 1, HW_PASID_NONE));
	ASSERT_ERRNO(ENOENT, hw_config_clear(m, 1, HW_PASID_NONE));
	pt_destroy(ss);
	pt_destroy(arm);
	hw_destroy(m);
}

TEST(hw_engine, nested_config_errors)
{
	struct hw_iommu *vtd = t_mmu(HW_MODEL_VTD, 0);
	struct hw_iommu *smmu = t_mmu(HW_MODEL_SMMUV3, 0);
	struct pt *fs = t_pt(PT_FMT_VTD_FS, NULL, 0);
	struct pt *ss = t_pt(PT_FMT_VTD_SS, NULL, 0);
	struct pt_cfg c64 = { .format = PT_FMT_ARM_S1, .granule = 65536 };
	struct pt_cfg c4 = { .format = PT_FMT_ARM_S2 };
	struct hw_config c = { .mode = HW_MODE_NESTED };

	ASSERT_NONNULL(fs);
	ASSERT_NONNULL(ss);
	t_stage(&c.s1, fs, 1);
	t_stage(&c.s2, ss, 2);
	/* One DID per PASID entry. */
	ASSERT_ERRNO(EINVAL, hw_config_set(vtd, 1, 3, &c));
	c.s2.tag = 1;
	ASSERT_OK(hw_config_set(vtd, 1, 3, &c));
	/* A 64K stage-1 table cannot sit in 4K stage-2 pages. */
	ASSERT_OK(pt_geom_init(&c.s1.geom, &c64));
	ASSERT_OK(pt_geom_init(&c.s2.geom, &c4));
	ASSERT_ERRNO(EINVAL, hw_config_set(smmu, 1, HW_PASID_NONE, &c));
	c64.granule = 4096;
	ASSERT_OK(pt_geom_init(&c.s1.geom, &c64));
	ASSERT_OK(hw_config_set(smmu, 1, HW_PASID_NONE, &c));
	pt_destroy(fs);
	pt_destroy(ss);
	hw_destroy(vtd);
	hw_destroy(smmu);
}

/* ---- unconfigured, blocked, identity ---- */

FIXTURE(hw_model)
{
	struct hw_iommu *m;
};

FIXTURE_VARIANT(hw_model)
{
	enum hw_model model;
};

FIXTURE_VARIANT_ADD(hw_model, vtd) { .model = HW_MODEL_VTD };
FIXTURE_VARIANT_ADD(hw_model, smmuv3) { .model = HW_MODEL_SMMUV3 };
FIXTURE_VARIANT_ADD(hw_model, amd) { .model = HW_MODEL_AMD };

FIXTURE_SETUP(hw_model)
{
	self->m = t_mmu(variant->model, 0);
}

FIXTURE_TEARDOWN(hw_model)
{
	hw_destroy(self->m);
}

TEST_F(hw_model, unconfigured_blocked_identity)
{
	struct hw_config c = { .mode = HW_MODE_BLOCKED };
	struct hw_xlate xl;
	struct hw_fault f;
	int i;

	ASSERT_NONNULL(self->m);
	/* Nothing configured: every request faults, with its details. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x1234, 7, 0x5000, W, &xl,
					  &f));
	T_EQ(f.stage, 0);
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	T_EQ(f.rid, 0x1234);
	T_EQ(f.pasid, 7);
	T_EQ(f.iova, 0x5000);
	T_EQ(f.access, W);
	ASSERT_OK(hw_config_set(self->m, 0x1234, HW_PASID_NONE, &c));
	/* Configured without PASID: a PASID request still has nothing. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x1234, 7, 0, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	for (i = 0; i < 3; i++) {
		ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x1234,
						  HW_PASID_NONE, 0x1000ULL * i,
						  R, &xl, &f));
		T_EQ(f.stage, 0);
		T_EQ(f.reason, HW_FAULT_BLOCKED);
		T_EQ(f.pasid, HW_PASID_NONE);
	}
	T_EQ(hw_fault_pending(self->m), 5);
	c.mode = HW_MODE_IDENTITY;
	ASSERT_OK(hw_config_set(self->m, 0x1234, 7, &c));
	ASSERT_OK(hw_translate(self->m, 0x1234, 7, 0xdead1234, W, &xl, NULL));
	T_EQ(xl.hva, 0xdead1234);
	T_EQ(xl.perm, PT_PROT_READ | PT_PROT_WRITE | PT_PROT_EXEC);
	T_EQ(xl.len, 0 - 0xdead1234ULL);
	/* Bad arguments are not faults. */
	ASSERT_ERRNO(EINVAL, hw_translate(self->m, 0x10000, 7, 0, R, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(self->m, 1, 1u << 20, 0, R, &xl,
					  &f));
	ASSERT_ERRNO(EINVAL, hw_translate(self->m, 1, 7, 0, 0, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(self->m, 1, 7, 0, R | 0x100, &xl,
					  &f));
	T_EQ(hw_fault_pending(self->m), 5);
}

/* ---- the fault matrix, for every format ---- */

FIXTURE(hw_fmt)
{
	struct hw_iommu *m;
	struct pt *pt;
	struct hw_config c;
};

FIXTURE_VARIANT(hw_fmt)
{
	enum hw_model model;
	enum hw_mode mode;
	enum pt_format fmt;
	unsigned int stage;
	unsigned int ias_fault;	/* reason for an input beyond ias */
};

FIXTURE_VARIANT_ADD(hw_fmt, vtd_ss) {
	HW_MODEL_VTD, HW_MODE_S2, PT_FMT_VTD_SS, 2, HW_FAULT_ADDRESS_SIZE };
FIXTURE_VARIANT_ADD(hw_fmt, vtd_fs) {
	HW_MODEL_VTD, HW_MODE_S1, PT_FMT_VTD_FS, 1, HW_FAULT_NON_CANONICAL };
FIXTURE_VARIANT_ADD(hw_fmt, arm_s1) {
	HW_MODEL_SMMUV3, HW_MODE_S1, PT_FMT_ARM_S1, 1, HW_FAULT_ADDRESS_SIZE };
FIXTURE_VARIANT_ADD(hw_fmt, arm_s2) {
	HW_MODEL_SMMUV3, HW_MODE_S2, PT_FMT_ARM_S2, 2, HW_FAULT_ADDRESS_SIZE };
FIXTURE_VARIANT_ADD(hw_fmt, amd_v1) {
	HW_MODEL_AMD, HW_MODE_S2, PT_FMT_AMD_V1, 2, HW_FAULT_ADDRESS_SIZE };
FIXTURE_VARIANT_ADD(hw_fmt, amd_v2) {
	HW_MODEL_AMD, HW_MODE_S1, PT_FMT_VTD_FS, 1, HW_FAULT_NON_CANONICAL };

FIXTURE_SETUP(hw_fmt)
{
	struct pt_cfg cfg = { .format = variant->fmt };

	self->m = t_mmu(variant->model, 0);
	if (variant->fmt == PT_FMT_AMD_V1)
		cfg.levels = 4;	/* ias 48, so 2^48 is beyond it */
	if (pt_create(&cfg, &self->pt))
		self->pt = NULL;
	self->c.mode = variant->mode;
	if (self->pt)
		t_stage(variant->stage == 1 ? &self->c.s1 : &self->c.s2,
			self->pt, 9);
}

FIXTURE_TEARDOWN(hw_fmt)
{
	hw_destroy(self->m);
	pt_destroy(self->pt);
}

TEST_F(hw_fmt, translate_and_faults)
{
	struct hw_xlate xl;
	struct hw_fault f;
	struct hw_stats st;

	ASSERT_NONNULL(self->m);
	ASSERT_NONNULL(self->pt);
	ASSERT_OK(pt_map(self->pt, T_IOVA, T_OA, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(self->pt, T_IOVA + SZ_4K, T_OA + SZ_4K, SZ_4K,
			 PT_PROT_READ, NULL));
	ASSERT_OK(pt_map(self->pt, T_IOVA + SZ_2M, T_OA + SZ_2M, SZ_2M, RW,
			 NULL));
	ASSERT_OK(hw_config_set(self->m, 0x10, 3, &self->c));

	/* Hits: address, unit length, rights; the second is a hit. */
	ASSERT_OK(hw_translate(self->m, 0x10, 3, T_IOVA + 0x123, W, &xl, &f));
	T_EQ(xl.hva, T_OA + 0x123);
	T_EQ(xl.len, SZ_4K - 0x123);
	T_EQ(xl.perm & RW, RW);
	ASSERT_OK(hw_translate(self->m, 0x10, 3, T_IOVA + 0x10, R, &xl, &f));
	T_EQ(xl.hva, T_OA + 0x10);
	hw_get_stats(self->m, &st);
	T_EQ(st.misses, 1);
	T_EQ(st.hits, 1);
	ASSERT_OK(hw_translate(self->m, 0x10, 3, T_IOVA + SZ_2M + 0x5000, R,
			       &xl, &f));
	T_EQ(xl.hva, T_OA + SZ_2M + 0x5000);
	T_EQ(xl.len, SZ_2M - 0x5000);
	T_EQ(hw_iotlb_count(self->m), 2);

	/* Not present. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x10, 3, T_IOVA + 0x2000, R,
					  &xl, &f));
	T_EQ(f.stage, variant->stage);
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.iova, T_IOVA + 0x2000);
	T_EQ(f.level, 0);
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x10, 3, 0x8000000000ULL, R,
					  &xl, &f));
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.level, pt_get_geom(self->pt)->top);

	/* Read-only page: the read works (and is cached), a write faults. */
	ASSERT_OK(hw_translate(self->m, 0x10, 3, T_IOVA + SZ_4K, R, &xl, &f));
	T_EQ(xl.perm & RW, PT_PROT_READ);
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x10, 3, T_IOVA + SZ_4K, W,
					  &xl, &f));
	T_EQ(f.stage, variant->stage);
	T_EQ(f.reason, HW_FAULT_PERMISSION);
	T_EQ(f.denied, W);
	T_EQ(f.access, W);

	/* Input beyond the table's width (x86: not canonical). */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 0x10, 3, 1ULL << 48, R, &xl,
					  &f));
	T_EQ(f.stage, variant->stage);
	T_EQ(f.reason, variant->ias_fault);
	T_EQ(f.rid, 0x10);
	T_EQ(f.pasid, 3);
	T_EQ(hw_fault_pending(self->m), 4);
}

/*
 * Output address size: the same table walked as a configuration that
 * claims a 47-bit output (a guest's narrower OAS) faults at a leaf whose
 * output is beyond it; table addresses (HVAs) are below 2^47.
 */
TEST_F(hw_fmt, output_address_size)
{
	struct pt_cfg cfg = { .format = variant->fmt, .oas = 47 };
	struct hw_stage *s = variant->stage == 1 ? &self->c.s1 : &self->c.s2;
	struct hw_xlate xl;
	struct hw_fault f;

	ASSERT_NONNULL(self->pt);
	if (variant->fmt == PT_FMT_AMD_V1)
		cfg.levels = 4;
	ASSERT_OK(pt_map(self->pt, T_IOVA, 0xf00000000000ULL, SZ_4K, RW,
			 NULL));
	ASSERT_OK(pt_map(self->pt, T_IOVA + SZ_4K, 0x1000, SZ_4K, RW, NULL));
	ASSERT_OK(pt_geom_init(&s->geom, &cfg));
	ASSERT_OK(hw_config_set(self->m, 2, HW_PASID_NONE, &self->c));
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 2, HW_PASID_NONE, T_IOVA, R,
					  &xl, &f));
	T_EQ(f.stage, variant->stage);
	T_EQ(f.reason, HW_FAULT_ADDRESS_SIZE);
	T_EQ(f.level, 0);
	ASSERT_OK(hw_translate(self->m, 2, HW_PASID_NONE, T_IOVA + SZ_4K, R,
			       &xl, &f));
	T_EQ(xl.hva, 0x1000);
}

/*
 * The caches-off entry (the configuration of the stream translated last,
 * kept until m->gen moves): for every format, repeated requests of one
 * stream give what a cached instance gives, count one miss and one read
 * per level each, fault exactly like the full path, refuse bad arguments,
 * and see a configuration change, a clear, another rid and another PASID
 * at once.
 */
TEST_F(hw_fmt, nocache_entry)
{
	struct hw_iommu *nc = t_mmu(variant->model, HW_CAP_NO_CACHE);
	unsigned int levels, i, acc, pending;
	struct pt *pt2 = NULL;
	struct hw_config c2 = self->c;
	struct pt_cfg cfg = { .format = variant->fmt };
	struct hw_xlate xl, xc;
	struct hw_fault f, fc;
	struct hw_stats st;

	ASSERT_NONNULL(nc);
	ASSERT_NONNULL(self->pt);
	levels = pt_get_geom(self->pt)->levels;
	ASSERT_OK(pt_map(self->pt, T_IOVA, T_OA, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(self->pt, T_IOVA + SZ_4K, T_OA + SZ_4K, SZ_4K,
			 PT_PROT_READ, NULL));
	ASSERT_OK(pt_map(self->pt, T_IOVA + SZ_2M, T_OA + SZ_2M, SZ_2M, RW,
			 NULL));
	ASSERT_OK(hw_config_set(nc, 0x10, 3, &self->c));
	ASSERT_OK(hw_config_set(self->m, 0x10, 3, &self->c));
	/* Every access value, twice (the second through the entry the first
	 * loaded), against the cached instance. */
	for (i = 0; i < 2 * 32; i++) {
		uint64_t iova = T_IOVA + (i % 3) * SZ_4K + i * 8;
		int rc, rcc;

		acc = i % 32;
		memset(&f, 0, sizeof(f));
		memset(&fc, 0, sizeof(fc));
		rc = hw_translate(nc, 0x10, 3, iova, acc, &xl, &f);
		rcc = hw_translate(self->m, 0x10, 3, iova, acc, &xc, &fc);
		ASSERT_EQ(rc, rcc);
		if (!rc) {
			T_EQ(xl.hva, xc.hva);
			T_EQ(xl.len, xc.len);
			T_EQ(xl.perm, xc.perm);
		} else if (rc == -EFAULT) {
			ASSERT_EQ(memcmp(&f, &fc, sizeof(f)), 0);
		}
	}
	/* The same faults queued. */
	pending = hw_fault_pending(nc);
	T_EQ(pending, hw_fault_pending(self->m));
	/* Counts: a miss and one read per level, nothing else. */
	hw_reset_stats(nc);
	for (i = 0; i < 10; i++) {
		ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA + i, W, &xl, &f));
		T_EQ(xl.hva, T_OA + i);
		T_EQ(xl.len, SZ_4K - i);
		T_EQ(xl.perm & RW, RW);
	}
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA + SZ_2M + 0x5000, R, &xl,
			       &f));
	T_EQ(xl.hva, T_OA + SZ_2M + 0x5000);
	T_EQ(xl.len, SZ_2M - 0x5000);
	hw_get_stats(nc, &st);
	T_EQ(st.misses, 11);
	T_EQ(st.table_reads, 10 * levels + levels - 1);
	T_EQ(st.hits, 0);
	T_EQ(st.faults, 0);
	/* Faults through the entry: the full path's records. */
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 3, T_IOVA + SZ_4K, W, &xl,
					  &f));
	T_EQ(f.stage, variant->stage);
	T_EQ(f.reason, HW_FAULT_PERMISSION);
	T_EQ(f.denied, W);
	T_EQ(f.rid, 0x10);
	T_EQ(f.pasid, 3);
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 3, T_IOVA + 0x2000, R, &xl,
					  &f));
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.level, 0);
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 3, 1ULL << 48, R, &xl,
					  &f));
	T_EQ(f.reason, variant->ias_fault);
	/* Bad arguments right after the entry was loaded: not faults. */
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, 0x10, 3, T_IOVA, 0, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, 0x10, 3, T_IOVA, R | 0x100, &xl,
					  &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, 0x10, 3, T_IOVA,
					  R | PT_ACCESS_PROBE, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, 0x10, 1u << 20, T_IOVA, R, &xl,
					  &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, 0x10000, 3, T_IOVA, R, &xl,
					  &f));
	/* The empty entry's tag is no valid stream. */
	ASSERT_ERRNO(EINVAL, hw_translate(nc, UINT32_MAX, UINT32_MAX, T_IOVA,
					  R, &xl, &f));
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(nc, UINT32_MAX, UINT32_MAX, T_IOVA,
					  R, &xl, &f));
	T_EQ(hw_fault_pending(nc), pending + 3);
	/* Another PASID and another rid: not configured. */
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 4, T_IOVA, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x11, 3, T_IOVA, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, HW_PASID_NONE, T_IOVA, R,
					  &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	/* Two streams alternating, each on its own table. */
	if (variant->fmt == PT_FMT_AMD_V1)
		cfg.levels = 4;
	ASSERT_OK(pt_create(&cfg, &pt2));
	ASSERT_OK(pt_map(pt2, T_IOVA, 0xb000, SZ_4K, RW, NULL));
	t_stage(variant->stage == 1 ? &c2.s1 : &c2.s2, pt2, 9);
	ASSERT_OK(hw_config_set(nc, 0x11, HW_PASID_NONE, &c2));
	for (i = 0; i < 4; i++) {
		ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
		T_EQ(xl.hva, T_OA);
		ASSERT_OK(hw_translate(nc, 0x11, HW_PASID_NONE, T_IOVA, R, &xl,
				       &f));
		T_EQ(xl.hva, 0xb000);
	}
	/* A configuration change is seen by the very next request. */
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	ASSERT_OK(hw_config_set(nc, 0x10, 3, &c2));
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	T_EQ(xl.hva, 0xb000);
	/* So is a clear, and a set after it. */
	ASSERT_OK(hw_config_clear(nc, 0x10, 3));
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	ASSERT_OK(hw_config_set(nc, 0x10, 3, &self->c));
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	T_EQ(xl.hva, T_OA);
	/* Blocked and identity take their own paths too. */
	c2.mode = HW_MODE_BLOCKED;
	ASSERT_OK(hw_config_set(nc, 0x10, 3, &c2));
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x10, 3, T_IOVA, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_BLOCKED);
	c2.mode = HW_MODE_IDENTITY;
	ASSERT_OK(hw_config_set(nc, 0x10, 3, &c2));
	ASSERT_OK(hw_translate(nc, 0x10, 3, T_IOVA + 5, R, &xl, &f));
	T_EQ(xl.hva, T_IOVA + 5);
	/* A table change (the tables are the entry's, not a copy) is seen
	 * without any command, as nothing is cached. */
	ASSERT_OK(hw_translate(nc, 0x11, HW_PASID_NONE, T_IOVA, R, &xl, &f));
	ASSERT_OK(pt_unmap(pt2, T_IOVA, SZ_4K, NULL, NULL));
	ASSERT_ERRNO(EFAULT, hw_translate(nc, 0x11, HW_PASID_NONE, T_IOVA, R,
					  &xl, &f));
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	hw_destroy(nc);
	pt_destroy(pt2);
}

/* ---- PASIDs select configurations ---- */

TEST(hw_engine, pasid_tables)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct pt *a = t_pt(PT_FMT_VTD_FS, NULL, 0);
	struct pt *b = t_pt(PT_FMT_VTD_FS, NULL, 0);
	struct hw_config c = { .mode = HW_MODE_S1 };
	struct hw_xlate xl;

	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_OK(pt_map(a, T_IOVA, 0xa000, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(b, T_IOVA, 0xb000, SZ_4K, RW, NULL));
	t_stage(&c.s1, a, 1);
	ASSERT_OK(hw_config_set(m, 5, HW_PASID_NONE, &c));
	ASSERT_OK(hw_config_set(m, 5, HW_PASID_MAX, &c));
	t_stage(&c.s1, b, 1);
	ASSERT_OK(hw_config_set(m, 5, 1, &c));
	ASSERT_OK(hw_translate(m, 5, HW_PASID_NONE, T_IOVA, R, &xl, NULL));
	T_EQ(xl.hva, 0xa000);
	ASSERT_OK(hw_translate(m, 5, HW_PASID_MAX, T_IOVA, R, &xl, NULL));
	T_EQ(xl.hva, 0xa000);
	ASSERT_OK(hw_translate(m, 5, 1, T_IOVA, R, &xl, NULL));
	T_EQ(xl.hva, 0xb000);
	ASSERT_ERRNO(EFAULT, hw_translate(m, 5, 2, T_IOVA, R, &xl, NULL));
	ASSERT_ERRNO(EFAULT, hw_translate(m, 6, 1, T_IOVA, R, &xl, NULL));
	/* Replacing a config; clearing one leaves the others. */
	ASSERT_OK(hw_config_set(m, 5, 1, &c));
	ASSERT_OK(hw_config_clear(m, 5, HW_PASID_NONE));
	ASSERT_ERRNO(EFAULT, hw_translate(m, 5, HW_PASID_NONE, T_IOVA, R, &xl,
					  NULL));
	ASSERT_OK(hw_translate(m, 5, 1, T_IOVA, R, &xl, NULL));
	T_EQ(xl.hva, 0xb000);
	pt_destroy(a);
	pt_destroy(b);
	hw_destroy(m);
}

/* A write after a cached read still sets D (hardware A/D updates). */
TEST(hw_engine, dirty_set_through_cached_read)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct pt *pt = t_pt(PT_FMT_VTD_SS, NULL, PT_CFG_HW_AD);
	struct hw_config c = { .mode = HW_MODE_S2 };
	uint64_t bits[1] = { 0 };
	struct pt_dirty_bitmap bm = {
		.iova = T_IOVA, .pgshift = 12, .npages = 64, .bits = bits,
	};
	struct hw_xlate xl;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, SZ_4K, RW, NULL));
	t_stage(&c.s2, pt, 1);
	ASSERT_OK(hw_config_set(m, 1, HW_PASID_NONE, &c));
	ASSERT_OK(hw_translate(m, 1, HW_PASID_NONE, T_IOVA, R, &xl, NULL));
	ASSERT_OK(pt_read_and_clear_dirty(pt, T_IOVA, SZ_4K * 64, 0,
					  pt_dirty_bitmap_record, &bm, NULL));
	T_EQ(bits[0], 0);
	ASSERT_OK(hw_translate(m, 1, HW_PASID_NONE, T_IOVA, W, &xl, NULL));
	ASSERT_OK(pt_read_and_clear_dirty(pt, T_IOVA, SZ_4K * 64, 0,
					  pt_dirty_bitmap_record, &bm, NULL));
	T_EQ(bits[0], 1);
	pt_destroy(pt);
	hw_destroy(m);
}

/* ---- nested ---- */

FIXTURE(hw_nest)
{
	struct t_nest n;
	struct hw_iommu *m;
	struct hw_iommu *m_nc;	/* caches off */
	struct hw_config c;
};

FIXTURE_VARIANT(hw_nest)
{
	enum hw_model model;
	enum pt_format f1;
	enum pt_format f2;
	unsigned int reads;	/* (N + 1)(M + 1) - 1 */
};

FIXTURE_VARIANT_ADD(hw_nest, vtd_fs4_ss4) {
	HW_MODEL_VTD, PT_FMT_VTD_FS, PT_FMT_VTD_SS, 24 };
FIXTURE_VARIANT_ADD(hw_nest, arm_s1_4_s2_4) {
	HW_MODEL_SMMUV3, PT_FMT_ARM_S1, PT_FMT_ARM_S2, 24 };
FIXTURE_VARIANT_ADD(hw_nest, amd_v2_4_v1_6) {
	HW_MODEL_AMD, PT_FMT_VTD_FS, PT_FMT_AMD_V1, 34 };

FIXTURE_SETUP(hw_nest)
{
	uint32_t tag2 = variant->model == HW_MODEL_SMMUV3 ? 3 : 1;

	self->m = t_mmu(variant->model, 0);
	self->m_nc = t_mmu(variant->model, HW_CAP_NO_CACHE);
	if (t_nest_init(&self->n, variant->f1, variant->f2))
		self->n.s1 = NULL;
	else
		t_nest_cfg(&self->c, &self->n, 1, tag2);
}

FIXTURE_TEARDOWN(hw_nest)
{
	hw_destroy(self->m);
	hw_destroy(self->m_nc);
	t_nest_fini(&self->n);
}

TEST_F(hw_nest, exact_table_reads)
{
	struct hw_xlate xl;
	struct hw_stats st;
	static char page[4096] __attribute__((aligned(4096)));

	ASSERT_NONNULL(self->n.s1);
	ASSERT_EQ(pt_get_geom(self->n.s1)->levels, 4);
	ASSERT_OK(pt_map(self->n.s1, T_IOVA, T_IPA, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(self->n.s2, T_IPA, (uintptr_t)page, SZ_4K, RW, NULL));
	ASSERT_OK(hw_config_set(self->m_nc, 1, HW_PASID_NONE, &self->c));
	ASSERT_OK(hw_config_set(self->m, 1, HW_PASID_NONE, &self->c));
	/* Caches off: every translation is the full 2-D walk. */
	ASSERT_OK(hw_translate(self->m_nc, 1, HW_PASID_NONE, T_IOVA + 8, W, &xl,
			       NULL));
	T_EQ(xl.hva, (uintptr_t)page + 8);
	hw_get_stats(self->m_nc, &st);
	T_EQ(st.table_reads, variant->reads);
	ASSERT_OK(hw_translate(self->m_nc, 1, HW_PASID_NONE, T_IOVA, R, &xl,
			       NULL));
	hw_get_stats(self->m_nc, &st);
	T_EQ(st.table_reads, 2 * variant->reads);
	T_EQ(st.hits, 0);
	/* A miss for the stage-1 walk, one per stage-1 table fetched, one
	 * for the output: the same counts whichever walker took it. */
	T_EQ(st.misses, 2 * (4 + 2));
	/* Caches on: the first walk costs the same, then a combined hit. */
	ASSERT_OK(hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA, R, &xl,
			       NULL));
	hw_get_stats(self->m, &st);
	T_EQ(st.table_reads, variant->reads);
	ASSERT_OK(hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA + 4, R, &xl,
			       NULL));
	T_EQ(xl.hva, (uintptr_t)page + 4);
	hw_get_stats(self->m, &st);
	T_EQ(st.table_reads, variant->reads);
	T_EQ(st.hits, 1);
}

/*
 * A neighbouring page that shares the stage-1 tables: the nested TLB
 * holds the stage-2 translations of those tables, so only the four
 * stage-1 entries and the output's stage-2 walk are read.
 */
TEST_F(hw_nest, nested_tlb_saves_table_translations)
{
	struct hw_xlate xl;
	struct hw_stats st;

	ASSERT_NONNULL(self->n.s1);
	ASSERT_OK(pt_map(self->n.s1, T_IOVA, T_IPA, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(self->n.s1, T_IOVA + SZ_4K, T_IPA + SZ_4K, SZ_4K, RW,
			 NULL));
	ASSERT_OK(pt_map(self->n.s2, T_IPA, T_OA, SZ_2M, RW, NULL));
	ASSERT_OK(hw_config_set(self->m, 1, HW_PASID_NONE, &self->c));
	ASSERT_OK(hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA, R, &xl,
			       NULL));
	hw_reset_stats(self->m);
	ASSERT_OK(hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA + SZ_4K, R,
			       &xl, NULL));
	T_EQ(xl.hva, T_OA + SZ_4K);
	hw_get_stats(self->m, &st);
	/* 4 stage-1 reads; the 4 table IPAs and the output IPA (same 2M
	 * stage-2 leaf as before) all hit. */
	T_EQ(st.table_reads, 4);
	T_EQ(st.hits, 5);
}

/* Random addresses: the engine equals S2(S1(iova)), unit = smaller leaf. */
TEST_F(hw_nest, composition)
{
	uint64_t seed = 0x5eed0001, i;
	struct hw_xlate xl;

	ASSERT_NONNULL(self->n.s1);
	/* S1: 4K pages and 2M blocks over 64 MiB of IOVA onto IPAs in a
	 * scrambled order; S2: 4K and 2M leaves over the IPAs. */
	for (i = 0; i < 32; i++) {
		uint64_t ipa = T_IPA + ((i * 13) % 32) * SZ_2M;

		if (i % 3 == 0) {
			ASSERT_OK(pt_map(self->n.s1, T_IOVA + i * SZ_2M, ipa,
					 SZ_2M, RW, NULL));
		} else {
			uint64_t p;

			for (p = 0; p < 512; p += 7)
				ASSERT_OK(pt_map(self->n.s1,
						 T_IOVA + i * SZ_2M + p * SZ_4K,
						 ipa + ((p * 5) % 512) * SZ_4K,
						 SZ_4K,
						 p % 2 ? PT_PROT_READ : RW,
						 NULL));
		}
		ASSERT_OK(pt_map(self->n.s2, T_IPA + i * SZ_2M,
				 T_OA + ((i * 7) % 32) * SZ_2M, SZ_2M,
				 i % 4 ? RW : PT_PROT_READ, NULL));
	}
	ASSERT_OK(hw_config_set(self->m, 1, 4, &self->c));
	ASSERT_OK(hw_config_set(self->m_nc, 1, 4, &self->c));
	for (i = 0; i < 4000; i++) {
		uint64_t iova = T_IOVA + t_rand(&seed) % (64ULL << 20);
		unsigned int acc = i % 2 ? W : R;
		uint64_t ipa, oa, sz1, sz2;
		unsigned int p1, p2;
		bool ok;
		int rc, rc2;
		struct hw_xlate xl2;

		ok = !pt_iova_to_phys(self->n.s1, iova, &ipa, &p1, &sz1) &&
		     !pt_iova_to_phys(self->n.s2, ipa, &oa, &p2, &sz2) &&
		     (acc == R || ((p1 & p2) & PT_PROT_WRITE));
		rc = hw_translate(self->m, 1, 4, iova, acc, &xl, NULL);
		rc2 = hw_translate(self->m_nc, 1, 4, iova, acc, &xl2, NULL);
		ASSERT_EQ(rc, ok ? 0 : -EFAULT);
		ASSERT_EQ(rc2, rc);
		if (!ok)
			continue;
		T_EQ(xl.hva, oa);
		T_EQ(xl2.hva, oa);
		/* Caches off (the fast 2-D walk) answers like caches on. */
		T_EQ(xl2.len, xl.len);
		T_EQ(xl2.perm, xl.perm);
		T_EQ(xl.len, (sz1 < sz2 ? sz1 : sz2) -
			     (iova & ((sz1 < sz2 ? sz1 : sz2) - 1)));
		T_EQ(xl.perm & RW, p1 & p2 & RW);
	}
}

/*
 * The layout the fault tests use: stage 1 maps pages 0 (RW), 1 (read-only)
 * and 2 (RW) of T_IOVA to IPAs T_IPA + 0/1/2 pages; stage 2 maps the first
 * IPA page read-only and the second RW, and not the third.
 */
static int t_fault_layout(struct t_fixture_hw_nest *self)
{
	int rc = pt_map(self->n.s1, T_IOVA, T_IPA, SZ_4K, RW, NULL);

	if (!rc)
		rc = pt_map(self->n.s1, T_IOVA + SZ_4K, T_IPA + SZ_4K, SZ_4K,
			    PT_PROT_READ, NULL);
	if (!rc)
		rc = pt_map(self->n.s1, T_IOVA + 2 * SZ_4K, T_IPA + 2 * SZ_4K,
			    SZ_4K, RW, NULL);
	if (!rc)
		rc = pt_map(self->n.s2, T_IPA, T_OA, SZ_4K, PT_PROT_READ,
			    NULL);
	if (!rc)
		rc = pt_map(self->n.s2, T_IPA + SZ_4K, T_OA + SZ_4K, SZ_4K,
			    RW, NULL);
	return rc;
}

/*
 * The caches-off entry of a nested configuration: exact reads and misses
 * on every repeat, the cached instance's fault records, bad arguments,
 * and a clear or change of the configuration seen at once.
 */
TEST_F(hw_nest, nocache_entry)
{
	static const uint64_t pages[] = { 0, SZ_4K, 2 * SZ_4K, 8 * SZ_4K };
	struct hw_xlate xl, xc;
	struct hw_fault f, fc;
	struct hw_stats st;
	struct hw_config c2;
	unsigned int i;

	ASSERT_NONNULL(self->n.s1);
	ASSERT_OK(t_fault_layout(self));
	ASSERT_OK(hw_config_set(self->m, 1, 7, &self->c));
	ASSERT_OK(hw_config_set(self->m_nc, 1, 7, &self->c));
	for (i = 0; i < 3 * 4 * 2; i++) {
		uint64_t iova = T_IOVA + pages[i % 4] + i;
		unsigned int acc = (i / 4) % 2 ? W : R;
		int rc, rcc;

		memset(&f, 0, sizeof(f));
		memset(&fc, 0, sizeof(fc));
		rc = hw_translate(self->m_nc, 1, 7, iova, acc, &xl, &f);
		rcc = hw_translate(self->m, 1, 7, iova, acc, &xc, &fc);
		ASSERT_EQ(rc, rcc);
		if (rc) {
			ASSERT_EQ(memcmp(&f, &fc, sizeof(f)), 0);
			continue;
		}
		T_EQ(xl.hva, xc.hva);
		T_EQ(xl.len, xc.len);
		T_EQ(xl.perm, xc.perm);
	}
	hw_reset_stats(self->m_nc);
	for (i = 0; i < 5; i++)
		ASSERT_OK(hw_translate(self->m_nc, 1, 7, T_IOVA + i, R, &xl,
				       &f));
	T_EQ(xl.hva, T_OA + 4);
	hw_get_stats(self->m_nc, &st);
	T_EQ(st.table_reads, 5 * variant->reads);
	T_EQ(st.misses, 5 * (pt_get_geom(self->n.s1)->levels + 2));
	T_EQ(st.hits, 0);
	ASSERT_ERRNO(EINVAL, hw_translate(self->m_nc, 1, 7, T_IOVA, 0, &xl,
					  &f));
	ASSERT_ERRNO(EINVAL, hw_translate(self->m_nc, 1, 7, T_IOVA,
					  R | PT_ACCESS_PROBE, &xl, &f));
	ASSERT_ERRNO(EINVAL, hw_translate(self->m_nc, UINT32_MAX, UINT32_MAX,
					  T_IOVA, R, &xl, &f));
	ASSERT_ERRNO(EFAULT, hw_translate(self->m_nc, 1, 8, T_IOVA, R, &xl,
					  &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	/* Cleared, then stage 1 alone on the same tables: seen at once. */
	ASSERT_OK(hw_translate(self->m_nc, 1, 7, T_IOVA, R, &xl, &f));
	ASSERT_OK(hw_config_clear(self->m_nc, 1, 7));
	ASSERT_ERRNO(EFAULT, hw_translate(self->m_nc, 1, 7, T_IOVA, R, &xl,
					  &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	ASSERT_OK(hw_config_set(self->m_nc, 1, 7, &self->c));
	ASSERT_OK(hw_translate(self->m_nc, 1, 7, T_IOVA, R, &xl, &f));
	T_EQ(xl.hva, T_OA);
	c2 = self->c;
	c2.mode = HW_MODE_S2;
	ASSERT_OK(hw_config_set(self->m_nc, 1, 7, &c2));
	ASSERT_OK(hw_translate(self->m_nc, 1, 7, T_IPA + SZ_4K + 3, W, &xl,
			       &f));
	T_EQ(xl.hva, T_OA + SZ_4K + 3);
}

/* Stage attribution of every nested fault. */
TEST_F(hw_nest, fault_stages)
{
	uint64_t root = pt_root(self->n.s1);
	struct hw_xlate xl;
	struct hw_fault f;

	ASSERT_NONNULL(self->n.s1);
	ASSERT_OK(t_fault_layout(self));
	ASSERT_OK(hw_config_set(self->m, 1, HW_PASID_NONE, &self->c));

	/* Stage-1 not present. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 1, HW_PASID_NONE,
					  T_IOVA + 8 * SZ_4K, R, &xl, &f));
	T_EQ(f.stage, 1);
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.fetch, 0);
	/* Stage-1 read-only. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 1, HW_PASID_NONE,
					  T_IOVA + SZ_4K, W, &xl, &f));
	T_EQ(f.stage, 1);
	T_EQ(f.reason, HW_FAULT_PERMISSION);
	T_EQ(f.denied, W);
	/* Stage 1 allows the write, stage 2 does not: a stage-2 fault on
	 * the output IPA. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA, W,
					  &xl, &f));
	T_EQ(f.stage, 2);
	T_EQ(f.reason, HW_FAULT_PERMISSION);
	T_EQ(f.ipa, T_IPA);
	T_EQ(f.fetch, 0);
	T_EQ(f.iova, T_IOVA);
	/* The read of the same page works (and is cached as read-only). */
	ASSERT_OK(hw_translate(self->m, 1, HW_PASID_NONE, T_IOVA, R, &xl, &f));
	T_EQ(xl.hva, T_OA);
	T_EQ(xl.perm & RW, PT_PROT_READ);
	/* Stage-2 not present for the output. */
	ASSERT_ERRNO(EFAULT, hw_translate(self->m, 1, HW_PASID_NONE,
					  T_IOVA + 2 * SZ_4K + 16, R, &xl,
					  &f));
	T_EQ(f.stage, 2);
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.ipa, T_IPA + 2 * SZ_4K + 16);
	T_EQ(f.fetch, 0);
	/* Stage 2 loses the pages holding the stage-1 tables: a stage-2
	 * fault on the first table fetch, reporting the root's IPA. */
	ASSERT_OK(pt_unmap(self->n.s2, (uintptr_t)self->n.arena.base, T_ARENA,
			   NULL, NULL));
	ASSERT_OK(hw_config_set(self->m_nc, 1, HW_PASID_NONE, &self->c));
	ASSERT_ERRNO(EFAULT, hw_translate(self->m_nc, 1, HW_PASID_NONE,
					  T_IOVA + 8 * SZ_4K, R, &xl, &f));
	T_EQ(f.stage, 2);
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.fetch, 1);
	T_EQ(f.ipa, root);
	T_EQ(f.iova, T_IOVA + 8 * SZ_4K);
	T_EQ(f.rid, 1);
}

/* ---- fault queue ---- */

TEST(hw_faults, queue_order_and_overflow)
{
	struct hw_caps caps = { .fault_queue_lg2 = 2 };
	struct hw_iommu *m = NULL;
	struct hw_stats st;
	struct hw_xlate xl;
	struct hw_fault f;
	uint64_t i;

	ASSERT_OK(hw_create(HW_MODEL_SMMUV3, &caps, &m));
	ASSERT_ERRNO(ENOENT, hw_fault_pop(m, &f));
	ASSERT_FALSE(hw_fault_overflow(m));
	for (i = 0; i < 6; i++)
		ASSERT_ERRNO(EFAULT, hw_translate(m, 3, 9, i << 12, R, &xl,
						  NULL));
	T_EQ(hw_fault_pending(m), 4);
	ASSERT_TRUE(hw_fault_overflow(m));
	hw_get_stats(m, &st);
	T_EQ(st.faults, 6);
	T_EQ(st.faults_dropped, 2);
	/* FIFO; the two newest were dropped. */
	for (i = 0; i < 4; i++) {
		ASSERT_OK(hw_fault_pop(m, &f));
		T_EQ(f.iova, i << 12);
		T_EQ(f.rid, 3);
		T_EQ(f.pasid, 9);
	}
	ASSERT_ERRNO(ENOENT, hw_fault_pop(m, &f));
	/* Overflow stays until cleared; the queue works again. */
	ASSERT_TRUE(hw_fault_overflow(m));
	hw_fault_clear_overflow(m);
	ASSERT_FALSE(hw_fault_overflow(m));
	ASSERT_ERRNO(EFAULT, hw_translate(m, 3, 9, 0x77000, W, &xl, NULL));
	ASSERT_OK(hw_fault_pop(m, &f));
	T_EQ(f.iova, 0x77000);
	T_EQ(f.access, W);
	T_EQ(hw_fault_pending(m), 0);
	hw_destroy(m);
}
