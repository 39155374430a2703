// SPDX-License-Identifier: MIT
/*
 * vIOMMU and vDEVICE objects (iommufd viommu.c semantics, R36, R82, R83).
 *
 * A vIOMMU is one physical IOMMU instance's slice for one VM: it is tied
 * to the instance behind the device it was allocated with, and holds a
 * reference on its nest-parent paging HWPT.  The guest names its devices
 * by its own ids (an SMMUv3 vSID); a vDEVICE records one such id for one
 * bound device, so the driver can turn the guest's commands into the
 * physical ones (vIOMMU.find_dev).  Nested HWPTs may be allocated through
 * a vIOMMU; they then reference it.
 *
 * References (one users count each, iommufd's model):
 *   vDEVICE -> vIOMMU, vDEVICE -> device, vIOMMU -> nest-parent HWPT,
 *   nested HWPT -> vIOMMU (and its parent).
 * So a vIOMMU is -EBUSY to destroy while it has vDEVICEs or nested HWPTs,
 * and context teardown destroys vDEVICEs and nested HWPTs before it.
 *
 * Unbinding a device with a vDEVICE destroys the vDEVICE and leaves its id
 * a tombstone (unusable, -ENOENT) until the context closes, as Linux's
 * iommufd_device_remove_vdev() does.  The device's "destroying" flag, set
 * for that, makes VDEVICE_ALLOC -ENOENT; under the context lock no other
 * call can see it set, so the check is Linux's order kept for its own
 * sake.
 */
#include "core/device.h"

#include "util/alloc.h"

#include <errno.h>
#include <limits.h>

struct viommu *viommu_get(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_VIOMMU);

	return o ? container_of(o, struct viommu, obj) : NULL;
}

/* drv_viommu.find_dev: the device the guest calls @virt_id. */
static const struct uiommu_device_desc *viommu_find_dev(struct drv_viommu *dv,
							uint64_t virt_id)
{
	struct viommu *v = dv->core;

	for (struct vdevice *vd = v->vdevs; vd; vd = vd->next)
		if (vd->virt_id == virt_id)
			return vd->dev->pdev->desc;
	return NULL;
}

/* drv_viommu.has_vdev: is @dev one of our vDEVICEs? */
static bool viommu_has_vdev(struct drv_viommu *dv,
			    const struct uiommu_device_desc *dev)
{
	struct viommu *v = dv->core;

	for (struct vdevice *vd = v->vdevs; vd; vd = vd->next)
		if (vd->dev->pdev->desc == dev)
			return true;
	return false;
}

static void viommu_destroy(struct uiommu_obj *obj)
{
	struct viommu *v = container_of(obj, struct viommu, obj);

	if (v->drv)
		v->drv->ops->free(v->drv);
	if (v->hwpt)
		obj_put(&v->hwpt->obj);
}

const struct obj_ops viommu_ops = {
	.destroy = viommu_destroy,
};

static struct hwpt *hwpt_paging_lookup(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_HWPT_PAGING);

	return o ? container_of(o, struct hwpt, obj) : NULL;
}

/*
 * IOMMU_VIOMMU_ALLOC, in iommufd's order of checks: flags and type, the
 * device, whether its IOMMU implements @type, the HWPT (a paging one, with
 * NEST_PARENT), then the driver (a parent of another instance: -EINVAL).
 */
int viommu_cmd_alloc(struct uiommu_ctx *ctx, uint32_t flags, uint32_t type,
		     uint32_t dev_id, uint32_t hwpt_id, uint32_t *out_id)
{
	struct drv_iommu *mmu;
	struct uiommu_obj *o;
	struct device *dev;
	struct viommu *v;
	struct hwpt *h;
	int rc;

	if (flags || type == UIOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	dev = device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	mmu = dev->pdev->iommu;
	if (!mmu->ops->viommu_check || !mmu->ops->viommu_alloc)
		return -EOPNOTSUPP;
	rc = mmu->ops->viommu_check(mmu, dev->pdev->desc, type);
	if (rc)
		return rc;
	h = hwpt_paging_lookup(ctx, hwpt_id);
	if (!h)
		return -ENOENT;
	if (!h->nest_parent)
		return -EINVAL;
	rc = obj_alloc(ctx, OBJ_VIOMMU, sizeof(*v), &o);
	if (rc)
		return rc;
	v = container_of(o, struct viommu, obj);
	rc = mmu->ops->viommu_alloc(mmu, dev->pdev->desc, type, h->domain,
				    &v->drv);
	if (rc) {
		v->drv = NULL;
		obj_abort(o);
		return rc;
	}
	v->drv->find_dev = viommu_find_dev;
	v->drv->has_vdev = viommu_has_vdev;
	v->drv->core = v;
	v->iommu = mmu;
	v->hwpt = h;
	obj_get(&h->obj);
	obj_finalize(o);
	*out_id = o->id;
	return 0;
}

/* ---- vDEVICE ------------------------------------------------------------ */

static void vdevice_destroy(struct uiommu_obj *obj)
{
	struct vdevice *vd = container_of(obj, struct vdevice, obj);
	struct vdevice **pp;

	for (pp = &vd->viommu->vdevs; *pp != vd; pp = &(*pp)->next)
		;
	*pp = vd->next;
	vd->dev->vdev = NULL;
	obj_put(&vd->viommu->obj);
	obj_put(&vd->dev->obj);
}

const struct obj_ops vdevice_ops = {
	.destroy = vdevice_destroy,
};

static bool viommu_virt_id_taken(const struct viommu *v, uint64_t virt_id)
{
	for (const struct vdevice *vd = v->vdevs; vd; vd = vd->next)
		if (vd->virt_id == virt_id)
			return true;
	return false;
}

/*
 * IOMMU_VDEVICE_ALLOC (R83), in iommufd's order: the id's range, the
 * vIOMMU, the device, the same physical IOMMU (-EINVAL), the device not
 * being unbound (-ENOENT), one vDEVICE per device and one device per
 * virt_id (-EEXIST).  Nothing can fail once the object is reserved.
 */
int vdevice_cmd_alloc(struct uiommu_ctx *ctx, uint32_t viommu_id,
		      uint32_t dev_id, uint64_t virt_id, uint32_t *out_id)
{
	struct uiommu_obj *o;
	struct device *dev;
	struct vdevice *vd;
	struct viommu *v;
	int rc;

#if ULONG_MAX < UINT64_MAX
	/* Linux indexes an xarray with it: an unsigned long. */
	if (virt_id > ULONG_MAX)
		return -EINVAL;
#endif
	v = viommu_get(ctx, viommu_id);
	if (!v)
		return -ENOENT;
	dev = device_get(ctx, dev_id);
	if (!dev)
		return -ENOENT;
	if (dev->pdev->iommu != v->iommu)
		return -EINVAL;
	if (dev->destroying)
		return -ENOENT;
	if (dev->vdev || viommu_virt_id_taken(v, virt_id))
		return -EEXIST;
	rc = obj_alloc(ctx, OBJ_VDEVICE, sizeof(*vd), &o);
	if (rc)
		return rc;
	vd = container_of(o, struct vdevice, obj);
	vd->viommu = v;
	vd->dev = dev;
	vd->virt_id = virt_id;
	vd->next = v->vdevs;
	v->vdevs = vd;
	dev->vdev = vd;
	obj_get(&v->obj);
	obj_get(&dev->obj);
	obj_finalize(o);
	*out_id = o->id;
	return 0;
}

void vdevice_revoke(struct device *dev)
{
	if (dev->vdev)
		obj_tombstone(&dev->vdev->obj);
}

/* ---- public C API ---------------------------------------------------------- */

UIOMMU_API int uiommu_viommu_alloc(struct uiommu_ctx *ctx, uint32_t flags,
				   uint32_t type, uint32_t dev_id,
				   uint32_t hwpt_id, uint32_t *out_viommu_id)
{
	int rc;

	if (!ctx || !out_viommu_id)
		return -EINVAL;
	ctx_lock(ctx);
	rc = viommu_cmd_alloc(ctx, flags, type, dev_id, hwpt_id,
			      out_viommu_id);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_vdevice_alloc(struct uiommu_ctx *ctx, uint32_t viommu_id,
				    uint32_t dev_id, uint64_t virt_id,
				    uint32_t *out_vdevice_id)
{
	int rc;

	if (!ctx || !out_vdevice_id)
		return -EINVAL;
	ctx_lock(ctx);
	rc = vdevice_cmd_alloc(ctx, viommu_id, dev_id, virt_id,
			       out_vdevice_id);
	ctx_unlock(ctx);
	return rc;
}
