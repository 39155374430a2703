// SPDX-License-Identifier: MIT
/*
 * The invalidation commands of each model, with their architectural
 * scope, expressed as the two IOTLB primitives of iotlb.c: a whole tag
 * space (fresh id) or an address range within spaces.
 *
 * Scope rules (docs/engine.md has the tables):
 *  - stage-2 (DID / VMID / DomainID) changes reach the combined entries a
 *    nested stage 1 built on them: VT-d page-selective and AMD GN=0 say so;
 *    SMMU S2_IPA over-invalidates the same way;
 *  - an address range never decodes into more work than the IOTLB holds
 *    (iotlb.c switches to one pass over the sets beyond that).
 */
#include <errno.h>

#include "hw/hw_priv.h"

static bool hw_is(const struct hw_iommu *m, enum hw_model model)
{
	return m->model == model;
}

static bool hw_pasid_ok(uint32_t pasid)
{
	return pasid <= HW_PASID_MAX || pasid == HW_PASID_NONE;
}

/* [start, last] of a naturally aligned 2^lg2 block holding @addr. */
static void hw_block(uint64_t addr, unsigned int lg2, uint64_t *start,
		     uint64_t *last)
{
	*start = addr & ~hw_mask(lg2);
	*last = *start + hw_mask(lg2);
}

static void hw_flush(struct hw_iommu *m, unsigned int stage, uint32_t dom,
		     uint64_t sub, bool all_doms, bool nested_only)
{
	struct hw_sel sel = {
		.stage = stage, .dom = dom, .sub = sub,
		.all_doms = all_doms, .nested_only = nested_only,
	};

	hw_inv_flush_sel(m, &sel);
}

static void hw_range(struct hw_iommu *m, unsigned int stage, uint32_t dom,
		     uint64_t sub, uint64_t start, uint64_t last)
{
	struct hw_sel sel = { .stage = stage, .dom = dom, .sub = sub };

	hw_inv_range_sel(m, &sel, start, last);
}

/* ---- Intel VT-d ---- */

int hw_vtd_iotlb_global(struct hw_iommu *m)
{
	if (!hw_is(m, HW_MODEL_VTD))
		return -EINVAL;
	hw_flush(m, 0, 0, HW_SUB_ANY, true, false);
	return 0;
}

int hw_vtd_iotlb_domain(struct hw_iommu *m, uint16_t did)
{
	if (!hw_is(m, HW_MODEL_VTD))
		return -EINVAL;
	hw_flush(m, 0, did, HW_SUB_ANY, false, false);
	return 0;
}

int hw_vtd_iotlb_page(struct hw_iommu *m, uint16_t did, uint64_t addr,
		      unsigned int am, bool ih)
{
	uint64_t start, last;

	if (!hw_is(m, HW_MODEL_VTD) || am > m->mamv)
		return -EINVAL;
	hw_block(addr, 12 + am, &start, &last);
	hw_range(m, 2, did, 0, start, last);
	/* First-stage and nested entries of the DID: all of them. */
	hw_flush(m, 1, did, HW_SUB_ANY, false, false);
	return 0;
}

int hw_vtd_piotlb_pasid(struct hw_iommu *m, uint16_t did, uint32_t pasid)
{
	if (!hw_is(m, HW_MODEL_VTD) || !hw_pasid_ok(pasid))
		return -EINVAL;
	hw_flush(m, 1, did, pasid, false, false);
	return 0;
}

int hw_vtd_piotlb_page(struct hw_iommu *m, uint16_t did, uint32_t pasid,
		       uint64_t addr, unsigned int am, bool ih)
{
	uint64_t start, last;

	if (!hw_is(m, HW_MODEL_VTD) || !hw_pasid_ok(pasid) || am > m->mamv)
		return -EINVAL;
	hw_block(addr, 12 + am, &start, &last);
	hw_range(m, 1, did, pasid, start, last);
	return 0;
}

/* ---- Arm SMMUv3 ---- */

/* Decodes a TLBI address + range into [start, last]. */
static int hw_smmu_span(const struct hw_iommu *m, uint64_t addr,
			const struct hw_smmu_range *r, uint64_t *start,
			uint64_t *last)
{
	static const unsigned int tg_lg2[] = { 0, 12, 14, 16 };
	uint64_t pages, len;
	unsigned int sh;

	if (!hw_is(m, HW_MODEL_SMMUV3))
		return -EINVAL;
	if (!r || !r->tg) {
		if (r && (r->scale || r->num || r->ttl > 3))
			return -EINVAL;
		*start = *last = addr;
		return 0;
	}
	if (!(m->flags & HW_CAP_SMMU_RIL) || r->tg > 3 || r->scale > 31 ||
	    r->num > 31 || r->ttl > 3)
		return -EINVAL;
	sh = tg_lg2[r->tg];
	/* SMMUv3 4.4.1.1: (NUM + 1) * 2^SCALE granules (at most 2^52
	 * bytes: no overflow). */
	pages = (uint64_t)(r->num + 1) << r->scale;
	len = pages << sh;
	*start = addr & ~hw_mask(sh);
	*last = *start + len - 1 < *start ? UINT64_MAX : *start + len - 1;
	return 0;
}

int hw_smmu_tlbi_nh_va(struct hw_iommu *m, uint16_t vmid, uint16_t asid,
		       uint64_t addr, const struct hw_smmu_range *r)
{
	uint64_t start, last;
	int rc = hw_smmu_span(m, addr, r, &start, &last);

	if (rc)
		return rc;
	hw_range(m, 1, vmid, asid, start, last);
	return 0;
}

int hw_smmu_tlbi_nh_vaa(struct hw_iommu *m, uint16_t vmid, uint64_t addr,
			const struct hw_smmu_range *r)
{
	uint64_t start, last;
	int rc = hw_smmu_span(m, addr, r, &start, &last);

	if (rc)
		return rc;
	hw_range(m, 1, vmid, HW_SUB_ANY, start, last);
	return 0;
}

int hw_smmu_tlbi_nh_asid(struct hw_iommu *m, uint16_t vmid, uint16_t asid)
{
	if (!hw_is(m, HW_MODEL_SMMUV3))
		return -EINVAL;
	hw_flush(m, 1, vmid, asid, false, false);
	return 0;
}

int hw_smmu_tlbi_nh_all(struct hw_iommu *m, uint16_t vmid)
{
	if (!hw_is(m, HW_MODEL_SMMUV3))
		return -EINVAL;
	hw_flush(m, 1, vmid, HW_SUB_ANY, false, false);
	return 0;
}

int hw_smmu_tlbi_s12_vmall(struct hw_iommu *m, uint16_t vmid)
{
	if (!hw_is(m, HW_MODEL_SMMUV3))
		return -EINVAL;
	hw_flush(m, 0, vmid, HW_SUB_ANY, false, false);
	return 0;
}

int hw_smmu_tlbi_s2_ipa(struct hw_iommu *m, uint16_t vmid, uint64_t ipa,
			const struct hw_smmu_range *r)
{
	uint64_t start, last;
	int rc = hw_smmu_span(m, ipa, r, &start, &last);

	if (rc)
		return rc;
	hw_range(m, 2, vmid, 0, start, last);
	hw_flush(m, 1, vmid, HW_SUB_ANY, false, true);
	return 0;
}

int hw_smmu_tlbi_nsnh_all(struct hw_iommu *m)
{
	if (!hw_is(m, HW_MODEL_SMMUV3))
		return -EINVAL;
	hw_flush(m, 0, 0, HW_SUB_ANY, true, false);
	return 0;
}

/* ---- AMD-Vi ---- */

int hw_amd_inv_pages(struct hw_iommu *m, uint16_t domid, uint32_t pasid,
		     uint64_t addr, bool s, bool pde, bool gn)
{
	unsigned int lg2 = 12;
	uint64_t start, last;

	if (!hw_is(m, HW_MODEL_AMD) || (gn && !hw_pasid_ok(pasid)))
		return -EINVAL;
	/* S=1: ones from bit 12 up to a zero at bit n give 2^(n+1) bytes. */
	if (s)
		lg2 = (unsigned int)__builtin_ctzll(~(addr >> 12)) + 13;
	hw_block(addr, lg2 > 64 ? 64 : lg2, &start, &last);
	if (gn) {
		hw_range(m, 1, domid, pasid, start, last);
		return 0;
	}
	hw_range(m, 2, domid, 0, start, last);
	hw_flush(m, 1, domid, HW_SUB_ANY, false, true);
	return 0;
}

int hw_amd_inv_all(struct hw_iommu *m)
{
	if (!hw_is(m, HW_MODEL_AMD))
		return -EINVAL;
	hw_flush(m, 0, 0, HW_SUB_ANY, true, false);
	return 0;
}
