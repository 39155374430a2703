// SPDX-License-Identifier: MIT
/*
 * HWPT objects: paging page tables fed from an IOAS, and nested (user
 * stage 1) tables on top of a nest-parent paging HWPT.
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
}

const struct obj_ops hwpt_paging_ops = {
	.destroy = hwpt_paging_destroy,
};

const struct obj_ops hwpt_nested_ops = {
	.destroy = hwpt_nested_destroy,
};
