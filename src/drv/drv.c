// SPDX-License-Identifier: MIT
/*
 * The driver instances of the emulated IOMMUs: the factory the core
 * creates them with (uiommu_hw_factory), cache-tag allocation, attach
 * (programming the hw configuration of a (rid, pasid)) and translate.
 *
 * This file owns the instance, its attachment table and tag maps, and the
 * per-(domain, instance) tag records; domain.c owns the domains' tables and
 * the model files own everything model specific (drv_priv.h).
 *
 * Tags follow the hardware's rule: an IOTLB entry is tagged by DID / ASID /
 * VMID / DomainID, not by device, so a domain keeps one tag per instance
 * while attached there; when its last attachment on an instance goes, the
 * tag's entries are invalidated before the tag is given back, so a later
 * owner of the number never hits them.
 */
#include "drv/drv_priv.h"

#include <errno.h>
#include <stdlib.h>

/* ---- tags ---------------------------------------------------------------- */

static int drv_tag_alloc(struct drv_inst *in, enum drv_tag_space sp,
			 uint16_t *tag)
{
	uint64_t *map = in->tags[sp];

	for (uint32_t w = 0; w < DRV_TAG_WORDS; w++) {
		unsigned int bit;

		if (map[w] == ~0ULL)
			continue;
		bit = (unsigned int)__builtin_ctzll(~map[w]);
		map[w] |= 1ULL << bit;
		*tag = (uint16_t)(w * 64 + bit);
		return 0;
	}
	return -ENOSPC;
}

static void drv_tag_free(struct drv_inst *in, enum drv_tag_space sp,
			 uint16_t tag)
{
	in->tags[sp][tag / 64] &= ~(1ULL << (tag % 64));
}

struct drv_dinfo *drv_dinfo_find(struct drv_dom *d, struct drv_inst *in)
{
	for (struct drv_dinfo *i = d->infos; i; i = i->next)
		if (i->inst == in)
			return i;
	return NULL;
}

/*
 * A reference on @d's tag record on @in, made at the first use: a fresh
 * tag, or for a domain that borrows its parent's (SMMU nested: the
 * parent's VMID) a reference on the parent's record.
 */
int drv_dinfo_get(struct drv_inst *in, struct drv_dom *d,
		  struct drv_dinfo **out)
{
	enum drv_tag_space sp = in->model->tag_space(d);
	struct drv_dinfo *info = drv_dinfo_find(d, in);
	int rc;

	if (info) {
		info->users++;
		*out = info;
		return 0;
	}
	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	if (sp == DRV_TAG_NONE) {
		rc = drv_dinfo_get(in, drv_dom_of(d->d.parent), &info->parent);
		if (!rc)
			info->tag = info->parent->tag;
	} else {
		rc = drv_tag_alloc(in, sp, &info->tag);
	}
	if (rc) {
		free(info);
		return rc;
	}
	info->inst = in;
	info->users = 1;
	info->next = d->infos;
	d->infos = info;
	*out = info;
	return 0;
}

void drv_dinfo_put(struct drv_inst *in, struct drv_dom *d,
		   struct drv_dinfo *info)
{
	enum drv_tag_space sp = in->model->tag_space(d);
	struct drv_dinfo **pp;

	if (--info->users)
		return;
	in->model->flush_tag(in, d, info);
	for (pp = &d->infos; *pp != info; pp = &(*pp)->next)
		;
	*pp = info->next;
	if (info->parent)
		drv_dinfo_put(in, drv_dom_of(d->d.parent), info->parent);
	else if (sp != DRV_TAG_NONE)
		drv_tag_free(in, sp, info->tag);
	free(info);
}

/* ---- attachments ------------------------------------------------------ */

struct drv_att *drv_att_find(struct drv_inst *in, uint32_t rid,
			     uint32_t pasid)
{
	for (struct drv_att *a = in->atts; a; a = a->inst_next)
		if (a->rid == rid && a->pasid == pasid)
			return a;
	return NULL;
}

static void drv_att_link(struct drv_att *a)
{
	a->inst_next = a->inst->atts;
	a->inst->atts = a;
	a->dom_next = a->dom->atts;
	a->dom->atts = a;
}

/* Forget attachment @a (its configuration was already replaced). */
static void drv_att_drop(struct drv_att *a)
{
	struct drv_inst *in = a->inst;
	struct drv_dom *d = a->dom;
	struct drv_att **pp;

	for (pp = &in->atts; *pp != a; pp = &(*pp)->inst_next)
		;
	*pp = a->inst_next;
	for (pp = &d->atts; *pp != a; pp = &(*pp)->dom_next)
		;
	*pp = a->dom_next;
	if (in->model->flush_detach)
		in->model->flush_detach(in, d, drv_dinfo_find(d, in),
					a->pasid);
	drv_dinfo_put(in, d, drv_dinfo_find(d, in));
	free(a);
}

/* DMA of (rid, pasid) blocked: the RID's entry says so, a PASID's goes. */
static int drv_block(struct drv_inst *in, uint32_t rid, uint32_t pasid)
{
	struct hw_config cfg = { .mode = HW_MODE_BLOCKED };
	int rc;

	if (pasid == UIOMMU_NO_PASID)
		return hw_config_set(in->hw, rid, pasid, &cfg);
	rc = hw_config_clear(in->hw, rid, pasid);
	return rc == -ENOENT ? 0 : rc;
}

/* Checks every model shares (R78 again: the driver is the hardware). */
static int drv_attach_check(struct drv_inst *in, struct drv_dom *d,
			    const struct uiommu_device_desc *dev,
			    uint32_t pasid)
{
	if (d->d.iommu->ops != in->base.ops)
		return -EINVAL;
	if (drv_dom_paging(d)->d.enforce_coherency &&
	    !(in->base.desc->caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY))
		return -EINVAL;
	return in->model->attach_check(in, d, dev, pasid);
}

/* Program (rid, pasid) for @d; on failure the old configuration stays. */
static int drv_attach_dom(struct drv_inst *in, struct drv_dom *d,
			  uint32_t rid, uint32_t pasid, struct drv_att **out)
{
	struct drv_dinfo *info;
	struct hw_config cfg;
	struct drv_att *a;
	int rc;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	rc = drv_dinfo_get(in, d, &info);
	if (rc) {
		free(a);
		return rc;
	}
	memset(&cfg, 0, sizeof(cfg));
	rc = in->model->build_cfg(in, d, info, pasid, &cfg);
	if (!rc)
		rc = hw_config_set(in->hw, rid, pasid, &cfg);
	if (rc) {
		drv_dinfo_put(in, d, info);
		free(a);
		return rc;
	}
	a->inst = in;
	a->dom = d;
	a->rid = rid;
	a->pasid = pasid;
	*out = a;
	return 0;
}

/*
 * Build @a's configuration again from its domain and install it, as a
 * configuration-cache invalidation makes hardware re-read the entries
 * (SMMUv3 CFGI_CD after the guest changed its CD).  A configuration the
 * hardware could not use blocks the stream, as an abort on a bad entry
 * would; the error is returned.  Instance lock held.
 */
int drv_att_reprogram(struct drv_att *a)
{
	struct drv_inst *in = a->inst;
	struct hw_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	rc = in->model->build_cfg(in, a->dom, drv_dinfo_find(a->dom, in),
				  a->pasid, &cfg);
	if (!rc)
		rc = hw_config_set(in->hw, a->rid, a->pasid, &cfg);
	if (rc) {
		struct hw_config blocked = { .mode = HW_MODE_BLOCKED };

		hw_config_set(in->hw, a->rid, a->pasid, &blocked);
	}
	return rc;
}

int drv_attach(struct drv_iommu *iommu, const struct uiommu_device_desc *dev,
	       uint32_t pasid, struct drv_domain *dd)
{
	struct drv_inst *in = drv_inst_of(iommu);
	struct drv_dom *d = dd ? drv_dom_of(dd) : NULL;
	struct drv_att *old, *a = NULL;
	int rc;

	if (dev->rid > HW_RID_MAX ||
	    (pasid != UIOMMU_NO_PASID && pasid > HW_PASID_MAX))
		return -EINVAL;
	if (d) {
		rc = drv_attach_check(in, d, dev, pasid);
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&in->lock);
	old = drv_att_find(in, dev->rid, pasid);
	if (old && old->dom == d) {
		pthread_mutex_unlock(&in->lock);
		return 0;
	}
	if (d)
		rc = drv_attach_dom(in, d, dev->rid, pasid, &a);
	else
		rc = drv_block(in, dev->rid, pasid);
	if (!rc) {
		/* The entry points at the new domain: the old one may go. */
		if (old)
			drv_att_drop(old);
		if (a)
			drv_att_link(a);
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

void drv_dom_detach_all(struct drv_dom *d)
{
	while (d->atts) {
		struct drv_att *a = d->atts;
		struct drv_inst *in = a->inst;

		pthread_mutex_lock(&in->lock);
		drv_block(in, a->rid, a->pasid);
		drv_att_drop(a);
		pthread_mutex_unlock(&in->lock);
	}
}

/* ---- translate ---------------------------------------------------------- */

/*
 * Where the first doorbell page of (rid, pasid)'s domain starts in host
 * range [hva, hva + len), as an offset from @hva (0: @hva's own page is
 * one); @len if none is.  Doorbells are rare: a count guards the scan.
 */
static uint64_t drv_mmio_cut(struct drv_inst *in, uint32_t rid,
			     uint32_t pasid, uint64_t hva, uint64_t len)
{
	struct drv_att *a = drv_att_find(in, rid, pasid);
	uint64_t page = hva & ~UIOMMU_PAGE_MASK, cut = len;
	struct drv_dom *p;

	if (!a)
		return len;
	p = drv_dom_paging(a->dom);
	if (!atomic_load(&p->nmmio))
		return len;
	for (unsigned int i = 0; i < DRV_MMIO_SLOTS; i++) {
		uint64_t oa = atomic_load(&p->mmio[i].oa);

		if (!oa || oa < page)
			continue;
		if (oa == page)
			return 0;
		if (oa - hva < cut)
			cut = oa - hva;
	}
	return cut;
}

static uint32_t drv_fault_reason(uint8_t reason)
{
	switch (reason) {
	case HW_FAULT_NOT_PRESENT:
		return DRV_FAULT_NOT_PRESENT;
	case HW_FAULT_PERMISSION:
		return DRV_FAULT_PERMISSION;
	case HW_FAULT_ADDRESS_SIZE:
		return DRV_FAULT_ADDRESS_SIZE;
	case HW_FAULT_BLOCKED:
	case HW_FAULT_NO_CONFIG:
		return DRV_FAULT_BLOCKED;
	default:
		return DRV_FAULT_OTHER;
	}
}

static unsigned int drv_pt_access(uint32_t access)
{
	unsigned int acc = 0;

	if (access & DRV_ACCESS_READ)
		acc |= PT_ACCESS_READ;
	if (access & DRV_ACCESS_WRITE)
		acc |= PT_ACCESS_WRITE;
	return acc;
}

/* x86: a write to the interrupt window is an interrupt request for
 * interrupt remapping, never a DMA the page tables see. */
static bool drv_irq_window(const struct drv_inst *in, uint64_t iova,
			   uint32_t access, struct drv_xlate *out)
{
	if (!in->model->x86_msi || !(access & DRV_ACCESS_WRITE) ||
	    iova < DRV_X86_MSI_START || iova > DRV_X86_MSI_LAST)
		return false;
	out->hva = iova;
	out->len = DRV_X86_MSI_LAST - iova + 1;
	out->mmio = true;
	return true;
}

static void drv_fault_out(const struct hw_fault *hf, uint64_t iova,
			  struct drv_fault *fault)
{
	fault->reason = drv_fault_reason(hf->reason);
	fault->stage = hf->stage;
	fault->addr = iova;
}

int drv_translate(struct drv_iommu *iommu,
		  const struct uiommu_device_desc *dev, uint32_t pasid,
		  uint64_t iova, uint32_t access, struct drv_xlate *out,
		  struct drv_fault *fault)
{
	struct drv_inst *in = drv_inst_of(iommu);
	struct hw_xlate xl;
	struct hw_fault hf;
	int rc;

	if (drv_irq_window(in, iova, access, out))
		return 0;
	pthread_mutex_lock(&in->lock);
	rc = hw_translate(in->hw, dev->rid, pasid, iova, drv_pt_access(access),
			  &xl, &hf);
	if (!rc) {
		out->hva = xl.hva;
		out->len = xl.len;
		out->mmio = !drv_mmio_cut(in, dev->rid, pasid, xl.hva, 1);
	}
	pthread_mutex_unlock(&in->lock);
	if (rc == -EFAULT)
		drv_fault_out(&hf, iova, fault);
	return rc;
}

/* The DMA window is the instance lock: unmaps flush under it (domain.c). */
void drv_dma_begin(struct drv_iommu *iommu)
{
	pthread_mutex_lock(&drv_inst_of(iommu)->lock);
}

void drv_dma_end(struct drv_iommu *iommu)
{
	pthread_mutex_unlock(&drv_inst_of(iommu)->lock);
}

/*
 * One call of the engine for the whole run (hw_dma_translate_fault: the
 * stream's remembered run when it covers the range, else the units from
 * @iova), so a device model moving a buffer mapped in order does no
 * per-page work.  Called between drv_dma_begin and drv_dma_end.
 */
int drv_translate_run(struct drv_iommu *iommu,
		      const struct uiommu_device_desc *dev, uint32_t pasid,
		      uint64_t iova, uint64_t len, uint32_t access,
		      struct drv_xlate *out, struct drv_fault *fault)
{
	struct drv_inst *in = drv_inst_of(iommu);
	struct hw_fault hf;
	uint64_t hva, cut;
	size_t got;
	void *h;
	int rc;

	if (!len)
		return -EINVAL;
	if (drv_irq_window(in, iova, access, out))
		return 0;
	/* A write run stops where the interrupt window starts. */
	if (in->model->x86_msi && (access & DRV_ACCESS_WRITE) &&
	    iova < DRV_X86_MSI_START && len > DRV_X86_MSI_START - iova)
		len = DRV_X86_MSI_START - iova;
	rc = hw_dma_translate_fault(in->hw, dev->rid, pasid, iova, len,
				    drv_pt_access(access), &h, &got, &hf);
	if (!rc) {
		hva = (uintptr_t)h;
		cut = drv_mmio_cut(in, dev->rid, pasid, hva, got);
		out->hva = hva;
		out->mmio = !cut;
		/* A doorbell page is reported alone, to its end. */
		out->len = cut ? cut :
			   UIOMMU_PAGE_SIZE - (hva & UIOMMU_PAGE_MASK);
	}
	if (rc == -EFAULT)
		drv_fault_out(&hf, iova, fault);
	return rc;
}

/* ---- instances ------------------------------------------------------- */

static const struct drv_model *drv_model_of(uint32_t model)
{
	switch (model) {
	case UIOMMU_IOMMU_VTD:
		return &drv_vtd_model;
	case UIOMMU_IOMMU_SMMUV3:
		return &drv_smmu_model;
	case UIOMMU_IOMMU_AMD:
		return &drv_amd_model;
	default:
		return NULL;
	}
}

static int drv_create(const struct uiommu_iommu_desc *desc,
		      struct drv_iommu **out)
{
	const struct drv_model *m = drv_model_of(desc->model);
	struct hw_caps caps = { 0 };
	struct drv_inst *in;
	int rc;

	if (!m)
		return -EINVAL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	caps.flags = m->hw_flags;
	caps.vtd_mamv = m->vtd_mamv;
	rc = hw_create(m->hw, &caps, &in->hw);
	if (rc) {
		free(in);
		return rc;
	}
	pthread_mutex_init(&in->lock, NULL);
	in->model = m;
	in->base.ops = m->ops;
	in->base.desc = desc;
	/* Tag 0 of every space stays unused: VT-d and AMD reserve DID /
	 * DomainID 0, and VMID 0 is the stage-1-only streams' VMID. */
	in->tags[DRV_TAG_DOM][0] = 1;
	in->tags[DRV_TAG_VMID][0] = 1;
	*out = &in->base;
	return 0;
}

static void drv_destroy(struct drv_iommu *iommu)
{
	struct drv_inst *in;

	if (!iommu)
		return;
	in = drv_inst_of(iommu);
	/* Domains are freed before their platform; nothing is attached. */
	while (in->atts) {
		struct drv_att *a = in->atts;

		in->atts = a->inst_next;
		free(a);
	}
	hw_destroy(in->hw);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

const struct drv_factory uiommu_hw_factory = {
	.create = drv_create,
	.destroy = drv_destroy,
};
