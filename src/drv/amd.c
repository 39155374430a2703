// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi driver model.
 *
 * This file owns what is AMD specific: paging domains as AMD v1 host
 * tables (DTE.Mode levels from the unit's address width) attached through
 * the DTE, tagged by DomainID, and their INVALIDATE_IOMMU_PAGES commands
 * (the S bit's size encoding).  A v1 table is per device, not per PASID
 * (PASIDs take v2/GCR3 tables, not modelled), and nesting is not offered:
 * no nested domains, no PASID attach, no IOMMU_GET_HW_INFO data (the core
 * answers type NONE).
 */
#include "drv/drv_priv.h"

#include <errno.h>

/* INVALIDATE_IOMMU_PAGES with S=1 at this address: every page. */
#define AMD_INV_ALL_ADDR 0x7ffffffffffff000ULL

static int amd_paging_cfg(const struct drv_inst *in, uint32_t flags,
			  struct pt_cfg *cfg)
{
	if (flags & (DRV_PAGING_NEST_PARENT | DRV_PAGING_PASID))
		return -EOPNOTSUPP;
	cfg->format = PT_FMT_AMD_V1;
	cfg->ias = in->base.desc->address_bits;
	return 0;
}

/* FC (force coherent) is the DTE/PTE's snoop override. */
static unsigned int amd_cache_prot(const struct drv_dom *d, uint32_t prot)
{
	return (d->d.enforce_coherency && (prot & IOAS_PROT_CACHE)) ?
		       PT_PROT_CACHE : 0;
}

static int amd_attach_check(const struct drv_inst *in, const struct drv_dom *d,
			    const struct uiommu_device_desc *dev,
			    uint32_t pasid)
{
	if (pasid != UIOMMU_NO_PASID)
		return -EINVAL;
	return d->geom->ias > in->base.desc->address_bits ? -EINVAL : 0;
}

static enum drv_tag_space amd_tag_space(const struct drv_dom *d)
{
	return DRV_TAG_DOM;
}

static int amd_build_cfg(struct drv_inst *in, struct drv_dom *d,
			 const struct drv_dinfo *info, uint32_t pasid,
			 struct hw_config *cfg)
{
	cfg->mode = HW_MODE_S2;
	drv_dom_stage(d, info->tag, &cfg->s2);
	return 0;
}

/*
 * The address of an S=1 invalidation of the aligned 2^@lg2 block at
 * @base: bits 12 to lg2-2 set, bit lg2-1 clear (a 4K page is S=0).
 */
static uint64_t amd_inv_addr(uint64_t base, unsigned int lg2)
{
	if (lg2 >= 64)
		return AMD_INV_ALL_ADDR;
	return base | (drv_mask(lg2 - 1) & ~0xfffULL);
}

static void amd_flush_range(struct drv_inst *in, struct drv_dom *d,
			    uint16_t domid, uint64_t start, uint64_t last,
			    bool leaf_only)
{
	unsigned int lg2 = drv_block_lg2(start, last);
	uint64_t base = start & ~drv_mask(lg2);

	if (lg2 == 12)
		hw_amd_inv_pages(in->hw, domid, 0, base, false, !leaf_only,
				 false);
	else
		hw_amd_inv_pages(in->hw, domid, 0, amd_inv_addr(base, lg2),
				 true, !leaf_only, false);
}

static void amd_flush_tag(struct drv_inst *in, struct drv_dom *d,
			  const struct drv_dinfo *info)
{
	hw_amd_inv_pages(in->hw, info->tag, 0, AMD_INV_ALL_ADDR, true, true,
			 false);
}

static const struct drv_iommu_ops amd_iommu_ops = {
	.domain_alloc_paging = drv_domain_alloc_paging,
	.attach = drv_attach,
	.translate = drv_translate,
	.dma_begin = drv_dma_begin,
	.dma_end = drv_dma_end,
	.translate_run = drv_translate_run,
};

const struct drv_model drv_amd_model = {
	.hw = HW_MODEL_AMD,
	.x86_msi = true,
	.ops = &amd_iommu_ops,
	.paging_cfg = amd_paging_cfg,
	.cache_prot = amd_cache_prot,
	.attach_check = amd_attach_check,
	.tag_space = amd_tag_space,
	.build_cfg = amd_build_cfg,
	.flush_range = amd_flush_range,
	.flush_tag = amd_flush_tag,
};
