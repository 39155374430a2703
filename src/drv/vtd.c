// SPDX-License-Identifier: MIT
/*
 * The Intel VT-d driver model (scalable mode).
 *
 * This file owns what is VT-d specific: paging domains as second-stage
 * tables (3/4/5 levels from the unit's address width) attached with
 * PGTT=second-stage and tagged by DID; nested domains (a guest first-stage
 * table at a GPA, IOMMU_HWPT_DATA_VTD_S1) attached with PGTT=nested under
 * one DID for both stages; the IOTLB invalidation descriptors for unmap,
 * detach and the guest's IOMMU_HWPT_INVALIDATE; and the capability and
 * extended capability registers reported by IOMMU_GET_HW_INFO
 * (docs/drivers.md lists every bit).
 */
#include "drv/drv_priv.h"

#include <uiommu/linux/iommufd.h>

#include <errno.h>

/* Max address mask value of the page-selective invalidations (CAP.MAMV). */
#define VTD_MAMV 18

/* More descriptors than this for one request: use a wider one. */
#define VTD_MAX_PAGE_DESC 64

/* ---- capability registers (VT-d spec 11.4.2, 11.4.3) ------------------ */

#define VTD_CAP_ND_64K 6ULL		/* 2:0 ND: 16-bit domain ids */
#define VTD_CAP_SAGAW_SHIFT 8		/* 12:8 SAGAW */
#define VTD_CAP_MGAW_SHIFT 16		/* 21:16 MGAW (width - 1) */
#define VTD_CAP_FRO_SHIFT 24		/* 33:24 fault record offset/16 */
#define VTD_CAP_SLLPS_SHIFT 34		/* 37:34 2nd-stage large pages */
#define VTD_CAP_PSI (1ULL << 39)	/* page-selective invalidation */
#define VTD_CAP_NFR_SHIFT 40		/* 47:40 fault recording regs - 1 */
#define VTD_CAP_MAMV_SHIFT 48		/* 53:48 MAMV */
#define VTD_CAP_FL1GP (1ULL << 56)	/* first-stage 1G pages */
#define VTD_CAP_FL5LP (1ULL << 60)	/* first-stage 5-level paging */

#define VTD_FRO 0x22			/* fault recording at 0x220 */
#define VTD_IRO 0x0f			/* IOTLB registers at 0xf0 */

#define VTD_ECAP_C (1ULL << 0)		/* page-walk coherency */
#define VTD_ECAP_QI (1ULL << 1)		/* queued invalidation */
#define VTD_ECAP_IR (1ULL << 3)		/* interrupt remapping */
#define VTD_ECAP_PT (1ULL << 6)		/* pass-through */
#define VTD_ECAP_SC (1ULL << 7)		/* snoop control */
#define VTD_ECAP_IRO_SHIFT 8		/* 17:8 IOTLB register offset/16 */
#define VTD_ECAP_NEST (1ULL << 26)	/* nested translation */
#define VTD_ECAP_PSS_SHIFT 35		/* 39:35 PASID bits - 1 */
#define VTD_ECAP_PASID (1ULL << 40)
#define VTD_ECAP_SMTS (1ULL << 43)	/* scalable mode */
#define VTD_ECAP_SSADS (1ULL << 45)	/* second-stage A/D (SLADS) */
#define VTD_ECAP_SSTS (1ULL << 46)	/* second-stage translation */
#define VTD_ECAP_FSTS (1ULL << 47)	/* first-stage translation */
#define VTD_ECAP_SMPWCS (1ULL << 48)	/* scalable-mode walk coherency */

static uint64_t vtd_cap_reg(const struct uiommu_iommu_desc *m)
{
	/* SAGAW bit 1: 39-bit 3-level, bit 2: 48-bit 4-level, bit 3:
	 * 57-bit 5-level; the unit walks every table up to its width. */
	uint64_t sagaw = m->address_bits >= 57 ? 0xe :
			 m->address_bits >= 48 ? 0x6 : 0x2;
	uint64_t cap = VTD_CAP_ND_64K;

	cap |= sagaw << VTD_CAP_SAGAW_SHIFT;
	cap |= (uint64_t)(m->address_bits - 1) << VTD_CAP_MGAW_SHIFT;
	cap |= (uint64_t)VTD_FRO << VTD_CAP_FRO_SHIFT;
	cap |= 3ULL << VTD_CAP_SLLPS_SHIFT; /* 2M and 1G */
	cap |= VTD_CAP_PSI;
	cap |= 0ULL << VTD_CAP_NFR_SHIFT;   /* one fault recording register */
	cap |= (uint64_t)VTD_MAMV << VTD_CAP_MAMV_SHIFT;
	cap |= VTD_CAP_FL1GP;
	if (m->address_bits >= 57)
		cap |= VTD_CAP_FL5LP;
	return cap;
}

static uint64_t vtd_ecap_reg(const struct uiommu_iommu_desc *m)
{
	uint64_t ecap = VTD_ECAP_QI | VTD_ECAP_PT | VTD_ECAP_SMTS |
			VTD_ECAP_SSTS | VTD_ECAP_FSTS;

	ecap |= (uint64_t)VTD_IRO << VTD_ECAP_IRO_SHIFT;
	if (m->caps & UIOMMU_IOMMU_CAP_COHERENT)
		ecap |= VTD_ECAP_C | VTD_ECAP_SMPWCS;
	if (m->caps & UIOMMU_IOMMU_CAP_MSI_ISOLATED)
		ecap |= VTD_ECAP_IR;
	if (m->caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY)
		ecap |= VTD_ECAP_SC;
	if (m->caps & UIOMMU_IOMMU_CAP_NESTING)
		ecap |= VTD_ECAP_NEST;
	if (m->caps & UIOMMU_IOMMU_CAP_DIRTY)
		ecap |= VTD_ECAP_SSADS;
	if (m->pasid_bits)
		ecap |= VTD_ECAP_PASID |
			(uint64_t)(m->pasid_bits - 1) << VTD_ECAP_PSS_SHIFT;
	return ecap;
}

static int vtd_hw_info(struct drv_iommu *iommu,
		       const struct uiommu_device_desc *dev, uint32_t *type,
		       void *buf, uint32_t *len)
{
	struct iommu_hw_info_vtd info = { 0 };
	uint32_t n = *len < sizeof(info) ? *len : sizeof(info);

	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_INTEL_VTD)
		return -EOPNOTSUPP;
	info.cap_reg = vtd_cap_reg(iommu->desc);
	info.ecap_reg = vtd_ecap_reg(iommu->desc);
	if (n)
		memcpy(buf, &info, n);
	*len = sizeof(info);
	*type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	return 0;
}

/* ---- paging domains ------------------------------------------------------ */

static int vtd_paging_cfg(const struct drv_inst *in, uint32_t flags,
			  struct pt_cfg *cfg)
{
	cfg->format = PT_FMT_VTD_SS;
	cfg->ias = in->base.desc->address_bits; /* 39/48/57: 3/4/5 levels */
	return 0;
}

/* SNP is what forces snooping; without enforcement no bit asks for it. */
static unsigned int vtd_cache_prot(const struct drv_dom *d, uint32_t prot)
{
	return (d->d.enforce_coherency && (prot & IOAS_PROT_CACHE)) ?
		       PT_PROT_CACHE : 0;
}

static int vtd_attach_check(const struct drv_inst *in, const struct drv_dom *d,
			    const struct uiommu_device_desc *dev,
			    uint32_t pasid)
{
	const struct uiommu_iommu_desc *m = in->base.desc;
	const struct drv_dom *p = drv_dom_paging((struct drv_dom *)d);

	/* The unit must walk a table of that many levels (SAGAW). */
	if (p->geom->ias > m->address_bits)
		return -EINVAL;
	if (d->d.kind != DRV_DOMAIN_NESTED)
		return 0;
	if (!(m->caps & UIOMMU_IOMMU_CAP_NESTING) ||
	    d->nest.vtd.addr_width > m->address_bits)
		return -EINVAL;
	return 0;
}

static enum drv_tag_space vtd_tag_space(const struct drv_dom *d)
{
	return DRV_TAG_DOM;
}

static int vtd_build_cfg(struct drv_inst *in, struct drv_dom *d,
			 const struct drv_dinfo *info, uint32_t pasid,
			 struct hw_config *cfg)
{
	if (d->d.kind == DRV_DOMAIN_PAGING) {
		cfg->mode = HW_MODE_S2;
		drv_dom_stage(d, info->tag, &cfg->s2);
		return 0;
	}
	/* PGTT=nested: the PASID entry holds one DID for both stages. */
	cfg->mode = HW_MODE_NESTED;
	cfg->s1.geom = d->nest.vtd.s1;
	cfg->s1.root = d->nest.vtd.pgtbl;
	cfg->s1.tag = info->tag;
	drv_dom_stage(drv_dom_of(d->d.parent), info->tag, &cfg->s2);
	return 0;
}

/*
 * Page-selective-within-domain for [start, last] of DID @did: one
 * descriptor with the address mask of the smallest aligned block covering
 * it, or domain-selective when that exceeds MAMV.  It also drops every
 * first-stage and nested entry of the DID, which is what a change of a
 * nested domain's parent needs.
 */
static void vtd_flush_range(struct drv_inst *in, struct drv_dom *d,
			    uint16_t did, uint64_t start, uint64_t last,
			    bool leaf_only)
{
	unsigned int lg2 = drv_block_lg2(start, last);

	if (lg2 - 12 > VTD_MAMV) {
		hw_vtd_iotlb_domain(in->hw, did);
		return;
	}
	hw_vtd_iotlb_page(in->hw, did, start & ~drv_mask(lg2), lg2 - 12,
			  leaf_only);
}

static void vtd_flush_child(struct drv_inst *in, struct drv_dom *d,
			    uint16_t did, uint64_t start, uint64_t last)
{
	vtd_flush_range(in, d, did, start, last, false);
}

/* A PASID entry torn down: its first-stage entries go (PASID-selective). */
static void vtd_flush_detach(struct drv_inst *in, struct drv_dom *d,
			     const struct drv_dinfo *info, uint32_t pasid)
{
	if (info && d->d.kind == DRV_DOMAIN_NESTED)
		hw_vtd_piotlb_pasid(in->hw, info->tag, pasid);
}

static void vtd_flush_tag(struct drv_inst *in, struct drv_dom *d,
			  const struct drv_dinfo *info)
{
	hw_vtd_iotlb_domain(in->hw, info->tag);
}

/* ---- nested domains ------------------------------------------------------ */

/*
 * PASID-based IOTLB page-selective invalidations for the guest range
 * [addr, addr + npages * 4K): the smallest aligned power-of-two block
 * covering it, or MAMV-sized blocks when it is wider, or the whole PASID
 * when that would take too many descriptors.
 */
static void vtd_piotlb_range(struct drv_inst *in, uint16_t did,
			     uint32_t pasid, uint64_t addr, uint64_t npages,
			     bool ih)
{
	uint64_t last, first_blk, last_blk;
	unsigned int lg2;

	if (!npages)
		return;
	last = npages - 1 > (UINT64_MAX - addr) >> 12 ?
		       UINT64_MAX : addr + ((npages - 1) << 12) + 0xfff;
	lg2 = drv_block_lg2(addr, last);
	if (lg2 - 12 <= VTD_MAMV) {
		hw_vtd_piotlb_page(in->hw, did, pasid, addr & ~drv_mask(lg2),
				   lg2 - 12, ih);
		return;
	}
	first_blk = addr >> (12 + VTD_MAMV);
	last_blk = last >> (12 + VTD_MAMV);
	if (last_blk - first_blk >= VTD_MAX_PAGE_DESC) {
		hw_vtd_piotlb_pasid(in->hw, did, pasid);
		return;
	}
	for (uint64_t b = first_blk; b <= last_blk; b++)
		hw_vtd_piotlb_page(in->hw, did, pasid, b << (12 + VTD_MAMV),
				   VTD_MAMV, ih);
}

static bool vtd_inv_all(const struct iommu_hwpt_vtd_s1_invalidate *e)
{
	return !e->addr && e->npages == UINT64_MAX;
}

static int vtd_inv_check(const struct iommu_hwpt_vtd_s1_invalidate *e)
{
	if ((e->flags & ~IOMMU_VTD_INV_FLAGS_LEAF) || e->__reserved ||
	    (e->addr & 0xfff))
		return -EINVAL;
	/* U64_MAX pages means "everything" and only from address 0. */
	if (e->npages == UINT64_MAX && e->addr)
		return -EINVAL;
	return 0;
}

/* One guest entry, on every (DID, PASID) the domain is attached with. */
static void vtd_inv_entry(struct drv_dom *d,
			  const struct iommu_hwpt_vtd_s1_invalidate *e)
{
	bool ih = e->flags & IOMMU_VTD_INV_FLAGS_LEAF;

	for (struct drv_att *a = d->atts; a; a = a->dom_next) {
		struct drv_inst *in = a->inst;
		uint16_t did = drv_dinfo_find(d, in)->tag;

		pthread_mutex_lock(&in->lock);
		if (vtd_inv_all(e))
			hw_vtd_piotlb_pasid(in->hw, did, a->pasid);
		else
			vtd_piotlb_range(in, did, a->pasid, e->addr,
					 e->npages, ih);
		pthread_mutex_unlock(&in->lock);
	}
}

static int vtd_cache_invalidate_user(struct drv_domain *dd, uint32_t type,
				     const void *entries, uint32_t entry_len,
				     uint32_t *num)
{
	struct drv_dom *d = drv_dom_of(dd);
	uint32_t n = *num, i;
	int rc = 0;

	*num = 0;
	if (type != IOMMU_HWPT_INVALIDATE_DATA_VTD_S1)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct iommu_hwpt_vtd_s1_invalidate e;

		rc = drv_copy_entry(&e, sizeof(e), sizeof(e),
				    (const char *)entries +
					    (size_t)i * entry_len,
				    entry_len);
		if (!rc)
			rc = vtd_inv_check(&e);
		if (rc)
			break;
		vtd_inv_entry(d, &e);
	}
	*num = i;
	return rc;
}

static const struct drv_domain_ops vtd_nested_ops = {
	.cache_invalidate_user = vtd_cache_invalidate_user,
	.free = drv_domain_free,
};

static int vtd_s1_check(const struct iommu_hwpt_vtd_s1 *s1,
			const struct uiommu_iommu_desc *m)
{
	uint64_t ok = IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE | IOMMU_VTD_S1_WPE;

	if ((s1->flags & ~ok) || s1->__reserved)
		return -EINVAL;
	if ((s1->addr_width != 48 && s1->addr_width != 57) ||
	    s1->addr_width > m->address_bits)
		return -EINVAL;
	return (s1->pgtbl_addr & 0xfff) ? -EINVAL : 0;
}

/* The guest's first-stage geometry: x86-64 paging, hardware A/D, XD. */
static int vtd_s1_geom(const struct iommu_hwpt_vtd_s1 *s1,
		       const struct drv_dom *parent, struct pt_geom *g)
{
	unsigned int gpa_bits = parent->geom->ias;
	struct pt_cfg cfg = {
		.format = PT_FMT_VTD_FS,
		.levels = s1->addr_width == 57 ? 5 : 4,
		.oas = gpa_bits > 52 ? 52 : gpa_bits,
		.flags = PT_CFG_HW_AD | PT_CFG_X86_NXE,
	};

	return pt_geom_init(g, &cfg);
}

static int vtd_alloc_nested(struct drv_domain *parent,
			    const struct uiommu_device_desc *dev,
			    uint32_t flags, uint32_t data_type,
			    const void *data, uint32_t len,
			    struct drv_domain **out)
{
	struct drv_dom *p = drv_dom_of(parent), *d;
	struct iommu_hwpt_vtd_s1 s1;
	struct pt_geom g;
	int rc;

	if (parent->iommu->ops != drv_vtd_model.ops ||
	    parent->kind != DRV_DOMAIN_PAGING ||
	    !(p->flags & DRV_PAGING_NEST_PARENT))
		return -EINVAL;
	if ((flags & ~DRV_PAGING_PASID) ||
	    data_type != IOMMU_HWPT_DATA_VTD_S1)
		return -EOPNOTSUPP;
	rc = drv_copy_entry(&s1, sizeof(s1), sizeof(s1), data, len);
	if (!rc)
		rc = vtd_s1_check(&s1, parent->iommu->desc);
	if (!rc)
		rc = vtd_s1_geom(&s1, p, &g);
	if (rc)
		return rc;
	d = drv_nested_new(p, &vtd_nested_ops, flags);
	if (!d)
		return -ENOMEM;
	d->nest.vtd.s1 = g;
	d->nest.vtd.pgtbl = s1.pgtbl_addr;
	d->nest.vtd.addr_width = s1.addr_width;
	d->nest.vtd.flags = s1.flags;
	*out = &d->d;
	return 0;
}

static const struct drv_iommu_ops vtd_iommu_ops = {
	.hw_info = vtd_hw_info,
	.domain_alloc_paging = drv_domain_alloc_paging,
	.domain_alloc_nested = vtd_alloc_nested,
	.attach = drv_attach,
	.translate = drv_translate,
	.dma_begin = drv_dma_begin,
	.dma_end = drv_dma_end,
	.translate_run = drv_translate_run,
};

const struct drv_model drv_vtd_model = {
	.hw = HW_MODEL_VTD,
	.vtd_mamv = VTD_MAMV,
	.x86_msi = true,
	.ops = &vtd_iommu_ops,
	.paging_cfg = vtd_paging_cfg,
	.cache_prot = vtd_cache_prot,
	.attach_check = vtd_attach_check,
	.tag_space = vtd_tag_space,
	.build_cfg = vtd_build_cfg,
	.flush_range = vtd_flush_range,
	.flush_child = vtd_flush_child,
	.flush_detach = vtd_flush_detach,
	.flush_tag = vtd_flush_tag,
};
