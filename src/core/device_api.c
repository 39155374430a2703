// SPDX-License-Identifier: MIT
/*
 * The public C API for devices: bind/attach/detach (what the VFIO cdev
 * ioctls do), and uiommu's extensions — a device's reserved regions, loading
 * them into an IOAS explicitly, and the coherency signal a KVM-like caller
 * uses (R80) — and HWPT allocation and invalidation (the ioctls' C
 * counterparts).  Each call takes the context lock; the work is in device.c
 * and hwpt.c.
 */
#include "core/device.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdlib.h>

UIOMMU_API int uiommu_device_bind(struct uiommu_ctx *ctx,
				  struct uiommu_platform *platform,
				  uint32_t index, uint32_t *out_dev_id)
{
	int rc;

	if (!ctx || !platform || !out_dev_id)
		return -EINVAL;
	ctx_lock(ctx);
	rc = device_bind(ctx, platform, index, out_dev_id);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_device_unbind(struct uiommu_ctx *ctx, uint32_t dev_id)
{
	struct device *dev;
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	dev = device_get(ctx, dev_id);
	rc = dev ? device_unbind(dev) : -ENOENT;
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_device_attach(struct uiommu_ctx *ctx, uint32_t dev_id,
				    uint32_t pasid, uint32_t *pt_id)
{
	struct device *dev;
	int rc;

	if (!ctx || !pt_id)
		return -EINVAL;
	ctx_lock(ctx);
	dev = device_get(ctx, dev_id);
	if (!dev)
		rc = -ENOENT;
	else if (device_hwpt(dev, pasid))
		rc = device_replace(dev, pasid, pt_id);
	else
		rc = device_attach(dev, pasid, pt_id);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_device_detach(struct uiommu_ctx *ctx, uint32_t dev_id,
				    uint32_t pasid)
{
	struct device *dev;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	dev = device_get(ctx, dev_id);
	if (dev)
		device_detach(dev, pasid);
	ctx_unlock(ctx);
	return dev ? 0 : -ENOENT;
}

UIOMMU_API int uiommu_device_resv_regions(struct uiommu_ctx *ctx,
					  uint32_t dev_id,
					  struct uiommu_resv_info *regions,
					  uint32_t *num)
{
	const struct uiommu_device_desc *d;
	struct device *dev;
	uint32_t cap;

	if (!ctx || !num || (*num && !regions))
		return -EINVAL;
	ctx_lock(ctx);
	dev = device_get(ctx, dev_id);
	if (!dev) {
		ctx_unlock(ctx);
		return -ENOENT;
	}
	d = dev->pdev->desc;
	cap = *num;
	for (uint32_t i = 0; i < d->nresv && i < cap; i++) {
		const struct uiommu_resv_region *r = &d->resv[i];

		regions[i] = (struct uiommu_resv_info){
			r->start, r->last, r->type,
			(r->type == UIOMMU_RESV_SW_MSI ?
				 UIOMMU_RESV_INFO_SW_MSI_WINDOW : 0) |
				(r->type != UIOMMU_RESV_DIRECT_RELAXABLE ?
					 UIOMMU_RESV_INFO_ENFORCED : 0) };
	}
	*num = d->nresv;
	ctx_unlock(ctx);
	return d->nresv > cap ? -EMSGSIZE : 0;
}

/* Explicit loads are owned by this cookie, not by the device itself, so
 * attach/detach and load/unload never remove each other's ranges. */
static const void *load_owner(const struct device *dev)
{
	return (const char *)dev + 1;
}

static bool ioas_has_owner(const struct ioas *ioas, const void *owner)
{
	for (uint32_t i = 0; i < ioas->nresv; i++)
		if (ioas->resv[i]->owner == owner)
			return true;
	return false;
}

static int ioas_load(struct ioas *ioas, struct device *dev)
{
	const struct uiommu_device_desc *d = dev->pdev->desc;
	const void *owner = load_owner(dev);

	if (ioas_has_owner(ioas, owner))
		return -EEXIST;
	for (uint32_t i = 0; i < d->nresv; i++) {
		int rc;

		if (d->resv[i].type == UIOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		rc = iova_reserve(ioas, d->resv[i].start, d->resv[i].last,
				  owner);
		if (rc) {
			iova_unreserve_owner(ioas, owner);
			return rc;
		}
	}
	return 0;
}

UIOMMU_API int uiommu_ioas_load_resv(struct uiommu_ctx *ctx, uint32_t ioas_id,
				     uint32_t dev_id)
{
	struct device *dev;
	struct ioas *ioas;
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	dev = device_get(ctx, dev_id);
	rc = ioas && dev ? ioas_load(ioas, dev) : -ENOENT;
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_unload_resv(struct uiommu_ctx *ctx,
				       uint32_t ioas_id, uint32_t dev_id)
{
	struct device *dev;
	struct ioas *ioas;
	int rc = -ENOENT;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	dev = device_get(ctx, dev_id);
	if (ioas && dev && ioas_has_owner(ioas, load_owner(dev))) {
		iova_unreserve_owner(ioas, load_owner(dev));
		rc = 0;
	}
	ctx_unlock(ctx);
	return rc;
}

/* A device going away takes its explicit loads with it. */
void device_drop_loads(struct device *dev)
{
	struct uiommu_obj *o;
	uint32_t pos = 0;

	while ((o = obj_iter(dev->obj.ctx, &pos)))
		if (o->type == OBJ_IOAS)
			iova_unreserve_owner(container_of(o, struct ioas, obj),
					     load_owner(dev));
}

static uint32_t dev_coherency(const struct device *dev)
{
	return ((dev->pdev->iommu->desc->caps &
		 UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY) ?
			UIOMMU_COHERENCY_ENFORCED : 0) |
	       ((dev->pdev->desc->flags & UIOMMU_DEV_NO_SNOOP) ?
			UIOMMU_COHERENCY_NO_SNOOP : 0);
}

UIOMMU_API int uiommu_device_coherency(struct uiommu_ctx *ctx, uint32_t dev_id,
				       uint32_t *flags)
{
	struct device *dev;

	if (!ctx || !flags)
		return -EINVAL;
	ctx_lock(ctx);
	dev = device_get(ctx, dev_id);
	if (dev)
		*flags = dev_coherency(dev);
	ctx_unlock(ctx);
	return dev ? 0 : -ENOENT;
}

/* ---- a kvm-vfio-like registry ---------------------------------------------- */

struct kvm_file {
	struct uiommu_ctx *ctx;
	uint32_t dev_id;
	bool enforced;
	struct kvm_file *next;
};

struct uiommu_kvm {
	struct kvm_file *files;
	uint32_t noncoherent;   /* registered files not enforced-coherent */
	uint32_t transitions;
};

UIOMMU_API int uiommu_kvm_create(struct uiommu_kvm **out)
{
	if (!out)
		return -EINVAL;
	*out = uz_calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

UIOMMU_API void uiommu_kvm_destroy(struct uiommu_kvm *kvm)
{
	if (!kvm)
		return;
	while (kvm->files) {
		struct kvm_file *f = kvm->files;

		kvm->files = f->next;
		free(f);
	}
	free(kvm);
}

UIOMMU_API int uiommu_kvm_add(struct uiommu_kvm *kvm, struct uiommu_ctx *ctx,
			      uint32_t dev_id)
{
	struct kvm_file *f;
	uint32_t flags;
	int rc;

	if (!kvm)
		return -EINVAL;
	for (f = kvm->files; f; f = f->next)
		if (f->ctx == ctx && f->dev_id == dev_id)
			return -EEXIST;
	rc = uiommu_device_coherency(ctx, dev_id, &flags);
	if (rc)
		return rc;
	f = uz_calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ctx = ctx;
	f->dev_id = dev_id;
	f->enforced = flags & UIOMMU_COHERENCY_ENFORCED;
	f->next = kvm->files;
	kvm->files = f;
	if (!f->enforced && kvm->noncoherent++ == 0)
		kvm->transitions++;
	return 0;
}

UIOMMU_API int uiommu_kvm_del(struct uiommu_kvm *kvm, struct uiommu_ctx *ctx,
			      uint32_t dev_id)
{
	struct kvm_file **pp, *f;

	if (!kvm)
		return -EINVAL;
	for (pp = &kvm->files; (f = *pp); pp = &f->next) {
		if (f->ctx != ctx || f->dev_id != dev_id)
			continue;
		*pp = f->next;
		if (!f->enforced && --kvm->noncoherent == 0)
			kvm->transitions++;
		free(f);
		return 0;
	}
	return -ENOENT;
}

UIOMMU_API int uiommu_kvm_noncoherent(const struct uiommu_kvm *kvm,
				      uint32_t *transitions)
{
	if (!kvm)
		return -EINVAL;
	if (transitions)
		*transitions = kvm->transitions;
	return kvm->noncoherent > 0;
}

/* ---- HWPTs -------------------------------------------------------------- */

UIOMMU_API int uiommu_hwpt_alloc(struct uiommu_ctx *ctx, uint32_t flags,
				 uint32_t dev_id, uint32_t pt_id,
				 uint32_t data_type, const void *data,
				 uint32_t len, uint32_t *out_hwpt_id)
{
	int rc;

	if (!ctx || !out_hwpt_id || (len && !data))
		return -EINVAL;
	ctx_lock(ctx);
	rc = hwpt_cmd_alloc(ctx, flags, dev_id, pt_id, data_type, data, len,
			    0, out_hwpt_id);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_hwpt_invalidate(struct uiommu_ctx *ctx, uint32_t id,
				      uint32_t data_type, const void *entries,
				      uint32_t entry_len, uint32_t *num)
{
	int rc;

	if (!ctx || !num)
		return -EINVAL;
	if (*num && (!entries || !entry_len)) {
		*num = 0;
		return -EINVAL;
	}
	ctx_lock(ctx);
	rc = hwpt_cmd_invalidate(ctx, id, data_type, entries, entry_len, num);
	ctx_unlock(ctx);
	return rc;
}
