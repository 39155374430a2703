// SPDX-License-Identifier: MIT
/*
 * HWPT objects: paging page tables fed from an IOAS, and nested (user
 * stage 1) tables on top of a nest-parent paging HWPT, allocated from that
 * HWPT or through a vIOMMU on it (viommu.c).
 *
 * A paging HWPT registers an ioas_domain hook with its IOAS, so the IOAS
 * pins and maps every area into the driver's domain and keeps it in sync
 * (R21); the domain's aperture becomes reserved IOVA (R66) and its
 * smallest page size the IOAS alignment.  Coherency enforcement is decided
 * at allocation from the allocating device's IOMMU and never changes
 * (R76, R77).
 */
#include "core/device.h"

#include <errno.h>

struct hwpt *hwpt_get(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_NONE);

	if (!o || (o->type != OBJ_HWPT_PAGING && o->type != OBJ_HWPT_NESTED))
		return NULL;
	return container_of(o, struct hwpt, obj);
}

static int hwpt_dom_map(void *priv, uint64_t iova, uint64_t hva,
			uint64_t length, uint32_t prot)
{
	struct drv_domain *d = priv;

	return d->ops->map(d, iova, hva, length, prot);
}

static void hwpt_dom_unmap(void *priv, uint64_t iova, uint64_t length)
{
	struct drv_domain *d = priv;

	d->ops->unmap(d, iova, length);
}

static const struct ioas_domain_ops hwpt_ioas_domain_ops = {
	.map = hwpt_dom_map,
	.unmap = hwpt_dom_unmap,
};

int hwpt_alloc_paging(struct uiommu_ctx *ctx, struct device *dev,
		      struct ioas *ioas, uint32_t flags, bool auto_domain,
		      struct hwpt **out)
{
	struct plat_dev *pd = dev->pdev;
	struct uiommu_obj *o;
	struct drv_domain *d;
	struct hwpt *h;
	int rc;

	if (pd->iommu->desc->caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY)
		flags |= DRV_PAGING_ENFORCE_COHERENCY;
	rc = obj_alloc(ctx, OBJ_HWPT_PAGING, sizeof(struct hwpt), &o);
	if (rc)
		return rc;
	h = container_of(o, struct hwpt, obj);
	rc = pd->iommu->ops->domain_alloc_paging(pd->iommu, pd->desc, flags,
						 &d);
	if (rc)
		goto err_abort;
	h->domain = d;
	h->iodom.ops = &hwpt_ioas_domain_ops;
	h->iodom.priv = d;
	h->iodom.min_pgsize = d->pgsize_bitmap & -d->pgsize_bitmap;
	h->iodom.aperture_start = d->aperture_start;
	h->iodom.aperture_last = d->aperture_last;
	rc = ioas_domain_attach(ioas, &h->iodom);
	if (rc)
		goto err_abort;
	h->ioas = ioas;
	obj_get(&ioas->obj);
	h->auto_domain = auto_domain;
	h->nest_parent = flags & DRV_PAGING_NEST_PARENT;
	h->pasid_compat = flags & DRV_PAGING_PASID;
	obj_finalize(o);
	*out = h;
	return 0;
err_abort:
	obj_abort(o);
	return rc;
}

int hwpt_alloc_nested(struct uiommu_ctx *ctx, struct device *dev,
		      struct hwpt *parent, uint32_t flags, uint32_t data_type,
		      const void *data, uint32_t len, struct hwpt **out)
{
	struct plat_dev *pd = dev->pdev;
	struct uiommu_obj *o;
	struct drv_domain *d;
	struct hwpt *h;
	int rc;

	/* R34: only a manual nest parent of the same IOMMU. */
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain->iommu->ops != pd->iommu->ops)
		return -EINVAL;
	if (!pd->iommu->ops->domain_alloc_nested)
		return -EOPNOTSUPP;
	rc = obj_alloc(ctx, OBJ_HWPT_NESTED, sizeof(struct hwpt), &o);
	if (rc)
		return rc;
	h = container_of(o, struct hwpt, obj);
	rc = pd->iommu->ops->domain_alloc_nested(parent->domain, pd->desc,
						 flags, data_type, data, len,
						 &d);
	if (rc) {
		obj_abort(o);
		return rc;
	}
	h->domain = d;
	h->parent = parent;
	h->pasid_compat = flags & DRV_PAGING_PASID;
	obj_get(&parent->obj);
	obj_finalize(o);
	*out = h;
	return 0;
}

/*
 * A nested HWPT through vIOMMU @v (iommufd_viommu_alloc_hwpt_nested): the
 * parent is the vIOMMU's nest parent; only FAULT_ID_VALID may be set and
 * data is required (-EOPNOTSUPP); the vIOMMU's driver takes the data.
 */
int hwpt_alloc_nested_viommu(struct uiommu_ctx *ctx, struct device *dev,
			     struct viommu *v, uint32_t flags,
			     uint32_t data_type, const void *data,
			     uint32_t len, struct hwpt **out)
{
	struct uiommu_obj *o;
	struct drv_domain *d;
	struct hwpt *h;
	int rc;

	if ((flags & ~UIOMMU_HWPT_FAULT_ID_VALID) || !len ||
	    !v->drv->ops->alloc_domain_nested)
		return -EOPNOTSUPP;
	rc = obj_alloc(ctx, OBJ_HWPT_NESTED, sizeof(struct hwpt), &o);
	if (rc)
		return rc;
	h = container_of(o, struct hwpt, obj);
	rc = v->drv->ops->alloc_domain_nested(v->drv, dev->pdev->desc, 0,
					      data_type, data, len, &d);
	if (rc) {
		obj_abort(o);
		return rc;
	}
	h->domain = d;
	h->parent = v->hwpt;
	h->viommu = v;
	obj_get(&h->parent->obj);
	obj_get(&v->obj);
	obj_finalize(o);
	*out = h;
	return 0;
}

static void hwpt_paging_destroy(struct uiommu_obj *obj)
{
	struct hwpt *h = container_of(obj, struct hwpt, obj);

	if (h->ioas) {
		ioas_domain_detach(h->ioas, &h->iodom);
		obj_put(&h->ioas->obj);
	}
	if (h->domain)
		h->domain->ops->free(h->domain);
}

static void hwpt_nested_destroy(struct uiommu_obj *obj)
{
	struct hwpt *h = container_of(obj, struct hwpt, obj);

	if (h->domain)
		h->domain->ops->free(h->domain);
	if (h->parent)
		obj_put(&h->parent->obj);
	if (h->viommu)
		obj_put(&h->viommu->obj);
}

const struct obj_ops hwpt_paging_ops = {
	.destroy = hwpt_paging_destroy,
};

const struct obj_ops hwpt_nested_ops = {
	.destroy = hwpt_nested_destroy,
};

/* ---- the HWPT commands, shared by the ioctl layer and the C API ---------- */

#define HWPT_PAGING_FLAGS (UIOMMU_HWPT_NEST_PARENT | UIOMMU_HWPT_DIRTY | \
			   UIOMMU_HWPT_FAULT_ID_VALID | UIOMMU_HWPT_PASID)

static uint32_t hwpt_drv_flags(uint32_t flags)
{
	return ((flags & UIOMMU_HWPT_NEST_PARENT) ? DRV_PAGING_NEST_PARENT : 0) |
	       ((flags & UIOMMU_HWPT_DIRTY) ? DRV_PAGING_DIRTY : 0) |
	       ((flags & UIOMMU_HWPT_PASID) ? DRV_PAGING_PASID : 0);
}

static bool dev_dirty_capable(const struct device *dev)
{
	return (dev->pdev->iommu->desc->caps & UIOMMU_IOMMU_CAP_DIRTY) &&
	       (dev->pdev->desc->flags & UIOMMU_DEV_DIRTY);
}

/*
 * IOMMU_HWPT_ALLOC, in iommufd's order of checks (R32-R36, R38, R39):
 * pt_id an IOAS makes a paging HWPT, a paging HWPT or a vIOMMU makes a
 * nested one; through a vIOMMU the device must be behind the vIOMMU's
 * physical IOMMU (R36).
 */
int hwpt_cmd_alloc(struct uiommu_ctx *ctx, uint32_t flags, uint32_t dev_id,
		   uint32_t pt_id, uint32_t data_type, const void *data,
		   uint32_t data_len, uint32_t fault_id, uint32_t *out_id)
{
	struct uiommu_obj *pt;
	struct device *dev;
	struct hwpt *h;
	int rc;

	if ((data_type == UIOMMU_HWPT_DATA_NONE) != !data_len)
		return -EINVAL;
	dev = device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	pt = obj_lookup(ctx, pt_id, OBJ_NONE);
	if (pt && pt->type == OBJ_IOAS) {
		if ((flags & ~HWPT_PAGING_FLAGS) || data_len)
			return -EOPNOTSUPP;
		if ((flags & UIOMMU_HWPT_DIRTY) && !dev_dirty_capable(dev))
			return -EOPNOTSUPP;
		if ((flags & UIOMMU_HWPT_FAULT_ID_VALID) &&
		    (flags & UIOMMU_HWPT_NEST_PARENT))
			return -EOPNOTSUPP;
	} else if (pt && pt->type == OBJ_HWPT_PAGING) {
		if ((flags & ~(UIOMMU_HWPT_FAULT_ID_VALID | UIOMMU_HWPT_PASID)) ||
		    !data_len)
			return -EOPNOTSUPP;
	} else if (pt && pt->type == OBJ_VIOMMU) {
		if (container_of(pt, struct viommu, obj)->iommu !=
		    dev->pdev->iommu)
			return -EINVAL;
		if ((flags & ~UIOMMU_HWPT_FAULT_ID_VALID) || !data_len)
			return -EOPNOTSUPP;
	} else {
		return -EINVAL; /* R5's exception: pt_id is EINVAL */
	}
	/* No fault queues exist yet, so no fault_id can name one (R39). */
	if (flags & UIOMMU_HWPT_FAULT_ID_VALID)
		return -ENOENT;
	if (pt->type == OBJ_IOAS)
		rc = hwpt_alloc_paging(ctx, dev, container_of(pt, struct ioas, obj),
				       hwpt_drv_flags(flags), false, &h);
	else if (pt->type == OBJ_VIOMMU)
		rc = hwpt_alloc_nested_viommu(ctx, dev,
					      container_of(pt, struct viommu,
							   obj),
					      flags, data_type, data,
					      data_len, &h);
	else
		rc = hwpt_alloc_nested(ctx, dev,
				       container_of(pt, struct hwpt, obj),
				       hwpt_drv_flags(flags), data_type, data,
				       data_len, &h);
	if (rc)
		return rc;
	*out_id = h->obj.id;
	return 0;
}

/* IOMMU_GET_HW_INFO's data and generic fields (R43, R44). */
int device_cmd_hw_info(struct uiommu_ctx *ctx, uint32_t dev_id,
		       uint32_t in_type, void *buf, uint32_t *len,
		       uint32_t *out_type, uint64_t *caps,
		       uint8_t *max_pasid_log2)
{
	struct device *dev = device_get(ctx, dev_id);
	const struct uiommu_device_desc *d;
	struct drv_iommu *mmu;
	uint32_t bits;
	int rc;

	if (!dev)
		return -ENOENT;
	d = dev->pdev->desc;
	mmu = dev->pdev->iommu;
	*out_type = UIOMMU_HW_INFO_TYPE_NONE;
	if (mmu->ops->hw_info) {
		*out_type = in_type;
		rc = mmu->ops->hw_info(mmu, d, out_type, buf, len);
		if (rc)
			return rc;
	} else if (in_type != UIOMMU_HW_INFO_TYPE_NONE) {
		return -EOPNOTSUPP;
	} else {
		*len = 0;
	}
	*caps = dev_dirty_capable(dev) ? UIOMMU_HW_CAP_DIRTY_TRACKING : 0;
	bits = d->pasid_bits < mmu->desc->pasid_bits ? d->pasid_bits :
						       mmu->desc->pasid_bits;
	*max_pasid_log2 = bits;
	if (bits && (d->flags & UIOMMU_DEV_PASID_EXEC))
		*caps |= UIOMMU_HW_CAP_PASID_EXEC;
	if (bits && (d->flags & UIOMMU_DEV_PASID_PRIV))
		*caps |= UIOMMU_HW_CAP_PASID_PRIV;
	return 0;
}

/* IOMMU_HWPT_INVALIDATE on a vIOMMU: the driver's command set. */
static int viommu_invalidate(struct viommu *v, uint32_t data_type,
			     const void *entries, uint32_t entry_len,
			     uint32_t *num)
{
	if (!v->drv->ops->cache_invalidate) {
		*num = 0;
		return -EOPNOTSUPP;
	}
	return v->drv->ops->cache_invalidate(v->drv, data_type,
					     *num ? entries : NULL, entry_len,
					     num);
}

/*
 * IOMMU_HWPT_INVALIDATE on a nested HWPT or a vIOMMU (R40-R42).  *@num
 * in: entries; out: entries handled, also on error.
 */
int hwpt_cmd_invalidate(struct uiommu_ctx *ctx, uint32_t hwpt_id,
			uint32_t data_type, const void *entries,
			uint32_t entry_len, uint32_t *num)
{
	struct uiommu_obj *o = obj_lookup(ctx, hwpt_id, OBJ_NONE);
	struct hwpt *h;

	if (!o) {
		*num = 0;
		return -ENOENT;
	}
	if (o->type == OBJ_VIOMMU)
		return viommu_invalidate(container_of(o, struct viommu, obj),
					 data_type, entries, entry_len, num);
	if (o->type != OBJ_HWPT_NESTED) {
		*num = 0;
		return -EINVAL;
	}
	h = container_of(o, struct hwpt, obj);
	if (!h->domain->ops->cache_invalidate_user) {
		*num = 0;
		return -EOPNOTSUPP;
	}
	if (!*num)
		return h->domain->ops->cache_invalidate_user(h->domain,
							      data_type, NULL,
							      entry_len, num);
	return h->domain->ops->cache_invalidate_user(h->domain, data_type,
						      entries, entry_len, num);
}

static struct hwpt *hwpt_paging_get(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_HWPT_PAGING);

	return o ? container_of(o, struct hwpt, obj) : NULL;
}

/* IOMMU_HWPT_SET_DIRTY_TRACKING (R45): enabling starts from clean. */
int hwpt_cmd_set_dirty(struct uiommu_ctx *ctx, uint32_t hwpt_id, bool enable)
{
	struct hwpt *h = hwpt_paging_get(ctx, hwpt_id);

	if (!h)
		return -ENOENT;
	if (!h->domain->ops->set_dirty_tracking)
		return -EOPNOTSUPP;
	return h->domain->ops->set_dirty_tracking(h->domain, enable);
}

/* IOMMU_HWPT_GET_DIRTY_BITMAP's checks and walk (R45); @fn gets runs. */
int hwpt_cmd_get_dirty(struct uiommu_ctx *ctx, uint32_t hwpt_id,
		       uint32_t flags, uint64_t iova, uint64_t length,
		       uint64_t page_size,
		       void (*fn)(void *opaque, uint64_t iova, uint64_t len),
		       void *opaque)
{
	struct hwpt *h = hwpt_paging_get(ctx, hwpt_id);
	uint64_t mask;

	if (!h)
		return -ENOENT;
	if (!h->domain->ops->read_and_clear_dirty)
		return -EOPNOTSUPP;
	if (iova >= UINT64_MAX || length >= UINT64_MAX ||
	    length > UINT64_MAX - iova)
		return -EOVERFLOW;
	mask = h->ioas->iova_alignment - 1;
	if (!page_size || (iova & mask) || (length & mask) ||
	    length / page_size == 0)
		return -EINVAL;
	return h->domain->ops->read_and_clear_dirty(h->domain, iova, length,
						     flags, fn, opaque);
}
