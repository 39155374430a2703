// SPDX-License-Identifier: MIT
/*
 * Exact scope of every model's invalidation commands (src/hw/inval.c,
 * src/hw/iotlb.c).
 *
 * Method: map a range to OA_A, translate every unit (the IOTLB now holds
 * them), change the table to OA_B without invalidating - every translation
 * is still OA_A, as on hardware - then issue one command and check, unit by
 * unit, which ones now translate to OA_B (dropped) and which still give
 * OA_A (kept).  Commands must drop exactly their architectural scope.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "hw/hw.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define OA_A 0x100000000ULL
#define OA_B 0x200000000ULL
#define X 0x40200000ULL		/* 2M aligned */
#define RW (PT_PROT_READ | PT_PROT_WRITE)

/* One device's view: a table mapping [base, base + len) in 2^lg2 units. */
struct t_env {
	struct hw_iommu *m;
	struct pt *pt;
	uint32_t rid;
	uint32_t pasid;
	uint64_t base;
	uint64_t len;
	unsigned int lg2;
};

static int t_env_init(struct t_env *e, struct hw_iommu *m, enum pt_format f,
		      enum hw_mode mode, uint32_t tag1, uint32_t tag2,
		      uint32_t rid, uint32_t pasid, uint64_t base,
		      uint64_t len, unsigned int lg2)
{
	struct pt_cfg cfg = { .format = f, .pgsize_bitmap = 1ULL << lg2 };
	struct hw_config c = { .mode = mode };
	struct hw_stage *s = mode == HW_MODE_S1 ? &c.s1 : &c.s2;
	int rc;

	memset(e, 0, sizeof(*e));
	e->m = m;
	e->rid = rid;
	e->pasid = pasid;
	e->base = base;
	e->len = len;
	e->lg2 = lg2;
	rc = pt_create(&cfg, &e->pt);
	if (rc)
		return rc;
	rc = pt_map(e->pt, base, OA_A, len, RW, NULL);
	if (rc)
		return rc;
	s->geom = *pt_get_geom(e->pt);
	s->root = pt_root(e->pt);
	c.s1.tag = tag1;
	c.s2.tag = tag2;
	return hw_config_set(m, rid, pasid, &c);
}

/* 1: translates to OA_B (fresh), 0: OA_A (stale), -1: faulted. */
static int t_state(const struct t_env *e, uint64_t iova)
{
	struct hw_xlate xl;

	if (hw_translate(e->m, e->rid, e->pasid, iova, PT_ACCESS_READ, &xl,
			 NULL))
		return -1;
	if (xl.hva == OA_B + (iova - e->base))
		return 1;
	return xl.hva == OA_A + (iova - e->base) ? 0 : -1;
}

/* Caches every unit, then moves the mapping to OA_B behind the cache. */
static int t_env_warm_and_change(struct t_env *e)
{
	uint64_t off;
	int rc;

	for (off = 0; off < e->len; off += 1ULL << e->lg2)
		if (t_state(e, e->base + off) != 0)
			return -EIO;
	rc = pt_unmap(e->pt, e->base, e->len, NULL, NULL);
	if (!rc)
		rc = pt_map(e->pt, e->base, OA_B, e->len, RW, NULL);
	return rc;
}

/*
 * Checks each unit: fresh iff it lies in [lo, hi).  A unit's state is read
 * at its start (the read refills it, so check each once).
 */
static int t_env_check(const struct t_env *e, uint64_t lo, uint64_t hi)
{
	uint64_t off;

	for (off = 0; off < e->len; off += 1ULL << e->lg2) {
		uint64_t iova = e->base + off;
		int want = iova >= lo && iova < hi;

		if (t_state(e, iova) != want)
			return -1 - (int)(off >> e->lg2);
	}
	return 0;
}

static void t_env_fini(struct t_env *e)
{
	pt_destroy(e->pt);
}

static struct hw_iommu *t_mmu(enum hw_model model, unsigned int flags)
{
	struct hw_caps caps = { .flags = flags };
	struct hw_iommu *m = NULL;

	return hw_create(model, &caps, &m) ? NULL : m;
}

/* ---- VT-d ---- */

TEST(hw_inval_vtd, psi_am9_is_exactly_2m)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct t_env e;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
			     HW_PASID_NONE, X - 8 * SZ_4K, SZ_2M + 16 * SZ_4K,
			     12));
	ASSERT_OK(t_env_warm_and_change(&e));
	/* Omitted invalidation: the change is invisible (faithful). */
	ASSERT_OK(t_env_check(&e, 0, 0));
	/* Another DID, and a too-large mask, change nothing. */
	ASSERT_OK(hw_vtd_iotlb_page(m, 6, X, 9, false));
	ASSERT_ERRNO(EINVAL, hw_vtd_iotlb_page(m, 5, X, 19, false));
	ASSERT_OK(t_env_check(&e, 0, 0));
	/* Address bits below the mask are ignored. */
	ASSERT_OK(hw_vtd_iotlb_page(m, 5, X + 0x3000, 9, true));
	ASSERT_OK(t_env_check(&e, X, X + SZ_2M));
	t_env_fini(&e);
	hw_destroy(m);
}

TEST(hw_inval_vtd, psi_am0_and_am3)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct t_env e;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
			     HW_PASID_NONE, X, 32 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&e));
	ASSERT_OK(hw_vtd_iotlb_page(m, 5, X + 5 * SZ_4K + 0x123, 0, false));
	ASSERT_OK(hw_vtd_iotlb_page(m, 5, X + 19 * SZ_4K, 3, false));
	/* Pages 5, 16..23 fresh (page checks refill; check in pieces). */
	ASSERT_EQ(t_state(&e, X + 4 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 5 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 6 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 15 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 16 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 23 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 24 * SZ_4K), 0);
	t_env_fini(&e);
	hw_destroy(m);
}

TEST(hw_inval_vtd, psi_drops_a_covering_2m_entry)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct t_env e;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
			     HW_PASID_NONE, X, 4 * SZ_2M, 21));
	ASSERT_OK(t_env_warm_and_change(&e));
	ASSERT_OK(hw_vtd_iotlb_page(m, 5, X + SZ_2M + 0x7000, 0, false));
	ASSERT_OK(t_env_check(&e, X + SZ_2M, X + 2 * SZ_2M));
	t_env_fini(&e);
	hw_destroy(m);
}

TEST(hw_inval_vtd, domain_global_and_first_stage)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct t_env a, b, fs7, fs8;

	ASSERT_OK(t_env_init(&a, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
			     HW_PASID_NONE, X, 8 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&b, m, PT_FMT_VTD_SS, HW_MODE_S2, 6, 6, 2,
			     HW_PASID_NONE, X, 8 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&fs7, m, PT_FMT_VTD_FS, HW_MODE_S1, 5, 5, 3, 7,
			     X, 8 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&fs8, m, PT_FMT_VTD_FS, HW_MODE_S1, 5, 5, 3, 8,
			     X, 8 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&a));
	ASSERT_OK(t_env_warm_and_change(&b));
	ASSERT_OK(t_env_warm_and_change(&fs7));
	ASSERT_OK(t_env_warm_and_change(&fs8));
	/* PASID-based page-selective: (DID 5, PASID 7), 2 pages. */
	ASSERT_OK(hw_vtd_piotlb_page(m, 5, 7, X + 2 * SZ_4K, 1, false));
	ASSERT_ERRNO(EINVAL, hw_vtd_piotlb_page(m, 5, 1u << 20, X, 0, false));
	ASSERT_OK(t_env_check(&fs7, X + 2 * SZ_4K, X + 4 * SZ_4K));
	ASSERT_OK(t_env_check(&fs8, 0, 0));
	ASSERT_OK(t_env_check(&a, 0, 0));
	/* PASID-selective: all of (5, 8) and nothing of the SS tables. */
	ASSERT_OK(hw_vtd_piotlb_pasid(m, 5, 8));
	ASSERT_OK(t_env_check(&fs8, X, X + 8 * SZ_4K));
	ASSERT_OK(t_env_check(&a, 0, 0));
	/* Back to stale for the next round. */
	ASSERT_OK(hw_vtd_iotlb_global(m));
	ASSERT_OK(pt_unmap(fs7.pt, X, 8 * SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(fs7.pt, X, OA_A, 8 * SZ_4K, RW, NULL));
	ASSERT_OK(pt_unmap(a.pt, X, 8 * SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(a.pt, X, OA_A, 8 * SZ_4K, RW, NULL));
	ASSERT_OK(pt_unmap(b.pt, X, 8 * SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(b.pt, X, OA_A, 8 * SZ_4K, RW, NULL));
	ASSERT_OK(t_env_warm_and_change(&a));
	ASSERT_OK(t_env_warm_and_change(&b));
	ASSERT_OK(t_env_warm_and_change(&fs7));
	/* iotlb_inv_dsc page-selective on DID 5: SS pages in range, and
	 * every first-stage entry of the DID; DID 6 untouched. */
	ASSERT_OK(hw_vtd_iotlb_page(m, 5, X, 0, false));
	ASSERT_OK(t_env_check(&a, X, X + SZ_4K));
	ASSERT_OK(t_env_check(&fs7, X, X + 8 * SZ_4K));
	/* Domain-selective: DID 5 leaves DID 6 alone; DID 6 drops it. */
	ASSERT_OK(hw_vtd_iotlb_domain(m, 5));
	ASSERT_EQ(t_state(&b, X), 0);
	ASSERT_OK(hw_vtd_iotlb_domain(m, 6));
	ASSERT_OK(t_env_check(&b, X, X + 8 * SZ_4K));
	/* Wrong model. */
	ASSERT_ERRNO(EINVAL, hw_smmu_tlbi_nsnh_all(m));
	ASSERT_ERRNO(EINVAL, hw_amd_inv_all(m));
	t_env_fini(&a);
	t_env_fini(&b);
	t_env_fini(&fs7);
	t_env_fini(&fs8);
	hw_destroy(m);
}

/*
 * Page-selective cost: one probe per size class in use, whatever the
 * number of entries cached.
 */
TEST(hw_inval_vtd, psi_cost_independent_of_entries)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	uint64_t counts[2] = { 64, 2048 };
	struct hw_stats st;
	struct t_env e;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		ASSERT_OK(t_env_init(&e, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
				     HW_PASID_NONE, X, counts[i] * SZ_4K, 12));
		ASSERT_OK(t_env_warm_and_change(&e));
		ASSERT_GE(hw_iotlb_count(m), counts[i] * 9 / 10);
		hw_reset_stats(m);
		ASSERT_OK(hw_vtd_iotlb_page(m, 5, X + 3 * SZ_4K, 0, false));
		hw_get_stats(m, &st);
		T_EQ(st.probes, 1);
		ASSERT_EQ(t_state(&e, X + 3 * SZ_4K), 1);
		ASSERT_OK(hw_vtd_iotlb_domain(m, 5));
		T_EQ(hw_iotlb_count(m), 0);
		t_env_fini(&e);
	}
	hw_destroy(m);
}

/* The 16-bit tag ids run out: full flush, renumbering, still correct. */
TEST(hw_inval_vtd, id_rollover)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_VTD, 0);
	struct hw_stats st;
	struct t_env e;
	unsigned int i;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_VTD_SS, HW_MODE_S2, 5, 5, 1,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	for (i = 0; i < 70000; i++)
		ASSERT_OK(hw_vtd_iotlb_domain(m, 5));
	hw_get_stats(m, &st);
	T_EQ(st.rollovers, 1);
	ASSERT_OK(t_env_warm_and_change(&e));
	ASSERT_OK(t_env_check(&e, 0, 0));
	ASSERT_OK(hw_vtd_iotlb_domain(m, 5));
	ASSERT_OK(t_env_check(&e, X, X + 4 * SZ_4K));
	t_env_fini(&e);
	hw_destroy(m);
}

/* ---- SMMUv3 ---- */

static int t_tlbi_va(struct hw_iommu *m, uint64_t addr, unsigned int tg,
		     unsigned int scale, unsigned int num)
{
	struct hw_smmu_range r = { .tg = tg, .scale = scale, .num = num };

	return hw_smmu_tlbi_nh_va(m, 1, 3, addr, &r);
}

TEST(hw_inval_smmu, nh_va_single_and_range)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_SMMUV3, HW_CAP_SMMU_RIL);
	struct hw_iommu *noril = t_mmu(HW_MODEL_SMMUV3, 0);
	struct t_env e;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_ARM_S1, HW_MODE_S1, 3, 1, 1,
			     HW_PASID_NONE, X, 512 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&e));
	/* TG=0: the one page holding the address. */
	ASSERT_OK(hw_smmu_tlbi_nh_va(m, 1, 3, X + 0x1fff, NULL));
	ASSERT_OK(t_env_check(&e, X + SZ_4K, X + 2 * SZ_4K));
	t_env_fini(&e);

	/* Range: (NUM + 1) * 2^SCALE granules from addr.  A new
	 * table under the same ASID needs the ASID invalidated first. */
	ASSERT_OK(hw_smmu_tlbi_nh_asid(m, 1, 3));
	ASSERT_OK(t_env_init(&e, m, PT_FMT_ARM_S1, HW_MODE_S1, 3, 1, 1,
			     HW_PASID_NONE, X, 512 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&e));
	ASSERT_OK(t_tlbi_va(m, X + SZ_4K, 1, 0, 7));	/* 8 pages */
	ASSERT_OK(t_tlbi_va(m, X + 64 * SZ_4K, 1, 6, 1)); /* 128 pages */
	ASSERT_OK(t_tlbi_va(m, X + 0x105000, 2, 0, 1)); /* 2 x 16K */
	ASSERT_EQ(t_state(&e, X), 0);
	ASSERT_EQ(t_state(&e, X + SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 8 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 9 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 63 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 64 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 191 * SZ_4K), 1);
	ASSERT_EQ(t_state(&e, X + 192 * SZ_4K), 0);
	ASSERT_EQ(t_state(&e, X + 0x103000), 0);
	ASSERT_EQ(t_state(&e, X + 0x104000), 1);	/* aligned down */
	ASSERT_EQ(t_state(&e, X + 0x10b000), 1);
	ASSERT_EQ(t_state(&e, X + 0x10c000), 0);
	/* Encoding errors. */
	ASSERT_ERRNO(EINVAL, t_tlbi_va(m, X, 1, 0, 32));
	ASSERT_ERRNO(EINVAL, t_tlbi_va(m, X, 1, 32, 0));
	ASSERT_ERRNO(EINVAL, t_tlbi_va(m, X, 4, 0, 0));
	ASSERT_ERRNO(EINVAL, t_tlbi_va(m, X, 0, 1, 0));
	ASSERT_ERRNO(EINVAL, hw_smmu_tlbi_nh_va(noril, 1, 3, X,
					&(struct hw_smmu_range){ .tg = 1 }));
	ASSERT_OK(hw_smmu_tlbi_nh_va(noril, 1, 3, X, NULL));
	ASSERT_ERRNO(EINVAL, hw_vtd_iotlb_global(m));
	t_env_fini(&e);
	hw_destroy(m);
	hw_destroy(noril);
}

TEST(hw_inval_smmu, single_address_drops_the_2m_block)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_SMMUV3, HW_CAP_SMMU_RIL);
	struct t_env e;

	ASSERT_OK(t_env_init(&e, m, PT_FMT_ARM_S2, HW_MODE_S2, 0, 1, 1,
			     HW_PASID_NONE, X, 4 * SZ_2M, 21));
	ASSERT_OK(t_env_warm_and_change(&e));
	ASSERT_OK(hw_smmu_tlbi_s2_ipa(m, 1, X + 2 * SZ_2M + 0x1000, NULL));
	ASSERT_OK(t_env_check(&e, X + 2 * SZ_2M, X + 3 * SZ_2M));
	t_env_fini(&e);
	hw_destroy(m);
}

TEST(hw_inval_smmu, asid_vmid_scopes)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_SMMUV3, HW_CAP_SMMU_RIL);
	struct t_env a3, a4, s2, v2;
	const uint64_t all = X + 4 * SZ_4K;

	/* (VMID 1, ASID 3), (1, 4), VMID 1 stage 2, (VMID 2, ASID 3). */
	ASSERT_OK(t_env_init(&a3, m, PT_FMT_ARM_S1, HW_MODE_S1, 3, 1, 1,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&a4, m, PT_FMT_ARM_S1, HW_MODE_S1, 4, 1, 2,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&s2, m, PT_FMT_ARM_S2, HW_MODE_S2, 0, 1, 3,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&v2, m, PT_FMT_ARM_S1, HW_MODE_S1, 3, 2, 4,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&a3));
	ASSERT_OK(t_env_warm_and_change(&a4));
	ASSERT_OK(t_env_warm_and_change(&s2));
	ASSERT_OK(t_env_warm_and_change(&v2));
	/* NH_VAA: every ASID of VMID 1, stage-1 entries only. */
	ASSERT_OK(hw_smmu_tlbi_nh_vaa(m, 1, X + SZ_4K, NULL));
	ASSERT_EQ(t_state(&a3, X + SZ_4K), 1);
	ASSERT_EQ(t_state(&a4, X + SZ_4K), 1);
	ASSERT_EQ(t_state(&s2, X + SZ_4K), 0);
	ASSERT_EQ(t_state(&v2, X + SZ_4K), 0);
	/* NH_ASID (1, 3). */
	ASSERT_OK(hw_smmu_tlbi_nh_asid(m, 1, 3));
	ASSERT_OK(t_env_check(&a3, X, all));
	ASSERT_EQ(t_state(&a4, X), 0);
	/* NH_ALL (1): stage 1 of VMID 1, not its stage 2, not VMID 2. */
	ASSERT_OK(hw_smmu_tlbi_nh_all(m, 1));
	ASSERT_OK(t_env_check(&a4, X, all));
	ASSERT_EQ(t_state(&s2, X), 0);
	ASSERT_EQ(t_state(&v2, X), 0);
	/* S12_VMALL (1): its stage 2 too. */
	ASSERT_OK(hw_smmu_tlbi_s12_vmall(m, 1));
	ASSERT_OK(t_env_check(&s2, X, all));
	ASSERT_EQ(t_state(&v2, X + SZ_4K), 0);
	/* NSNH_ALL: everything. */
	ASSERT_OK(hw_smmu_tlbi_nsnh_all(m));
	ASSERT_EQ(t_state(&v2, X + 2 * SZ_4K), 1);
	t_env_fini(&a3);
	t_env_fini(&a4);
	t_env_fini(&s2);
	t_env_fini(&v2);
	hw_destroy(m);
}

/* ---- AMD ---- */

TEST(hw_inval_amd, s_bit_sizes)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_AMD, 0);
	struct t_env e;
	const uint64_t b = 0x40400000ULL;	/* 4M aligned */

	ASSERT_OK(t_env_init(&e, m, PT_FMT_AMD_V1, HW_MODE_S2, 7, 7, 1,
			     HW_PASID_NONE, b, 1024 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&e));
	/* S=0: one page. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 0, b + 0x3000, false, false, false));
	/* S=1, bit 12 = 0: 8K. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 0, b + 0x10000, true, false, false));
	/* S=1, bits 14:12 = 111, bit 15 = 0: 64K, aligned. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 0, b + 0x20000 + 0x7000, true, true,
				   false));
	/* S=1, bits 20:12 ones, bit 21 zero: 4M (the whole range). Another
	 * domain: nothing. */
	ASSERT_OK(hw_amd_inv_pages(m, 8, 0, b | 0x1ff000, true, false, false));
	ASSERT_EQ(t_state(&e, b + 0x2000), 0);
	ASSERT_EQ(t_state(&e, b + 0x3000), 1);
	ASSERT_EQ(t_state(&e, b + 0x4000), 0);
	ASSERT_EQ(t_state(&e, b + 0xf000), 0);
	ASSERT_EQ(t_state(&e, b + 0x10000), 1);
	ASSERT_EQ(t_state(&e, b + 0x11000), 1);
	ASSERT_EQ(t_state(&e, b + 0x12000), 0);
	ASSERT_EQ(t_state(&e, b + 0x1f000), 0);
	ASSERT_EQ(t_state(&e, b + 0x20000), 1);
	ASSERT_EQ(t_state(&e, b + 0x2f000), 1);
	ASSERT_EQ(t_state(&e, b + 0x30000), 0);
	ASSERT_EQ(t_state(&e, b + 0x3ff000), 0);
	/* 0x7ffffffffffff000 with S=1: the whole domain. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 0, 0x7ffffffffffff000ULL, true, false,
				   false));
	ASSERT_EQ(t_state(&e, b), 1);
	ASSERT_EQ(t_state(&e, b + 0x3ff000), 1);
	ASSERT_ERRNO(EINVAL, hw_amd_inv_pages(m, 7, 1u << 20, 0, false, false,
					      true));
	ASSERT_ERRNO(EINVAL, hw_vtd_iotlb_global(m));
	t_env_fini(&e);
	hw_destroy(m);
}

TEST(hw_inval_amd, guest_pasid_and_all)
{
	struct hw_iommu *m = t_mmu(HW_MODEL_AMD, 0);
	struct t_env g1, g2, h;

	ASSERT_OK(t_env_init(&g1, m, PT_FMT_VTD_FS, HW_MODE_S1, 7, 7, 1, 1, X,
			     4 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&g2, m, PT_FMT_VTD_FS, HW_MODE_S1, 7, 7, 1, 2, X,
			     4 * SZ_4K, 12));
	ASSERT_OK(t_env_init(&h, m, PT_FMT_AMD_V1, HW_MODE_S2, 7, 7, 2,
			     HW_PASID_NONE, X, 4 * SZ_4K, 12));
	ASSERT_OK(t_env_warm_and_change(&g1));
	ASSERT_OK(t_env_warm_and_change(&g2));
	ASSERT_OK(t_env_warm_and_change(&h));
	/* GN=1: guest entries of (7, PASID 1) only. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 1, X + 0x1000, false, false, true));
	ASSERT_OK(t_env_check(&g1, X + SZ_4K, X + 2 * SZ_4K));
	ASSERT_EQ(t_state(&g2, X + SZ_4K), 0);
	ASSERT_EQ(t_state(&h, X + SZ_4K), 0);
	/* GN=0: host entries; a plain guest table (not nested) stays. */
	ASSERT_OK(hw_amd_inv_pages(m, 7, 0, X + 0x2000, false, false, false));
	ASSERT_EQ(t_state(&h, X + 2 * SZ_4K), 1);
	ASSERT_EQ(t_state(&g2, X + 2 * SZ_4K), 0);
	ASSERT_OK(hw_amd_inv_all(m));
	ASSERT_EQ(t_state(&g2, X + 3 * SZ_4K), 1);
	ASSERT_EQ(t_state(&h, X + 3 * SZ_4K), 1);
	t_env_fini(&g1);
	t_env_fini(&g2);
	t_env_fini(&h);
	hw_destroy(m);
}
