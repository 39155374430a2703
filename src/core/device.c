// SPDX-License-Identifier: MIT
/*
 * Platforms, DEVICE objects and attachment (iommufd device.c semantics).
 *
 * Attach rules (shared/docs/requirements.md §1.5, §2):
 *  - all devices of a group attached at one pasid use one HWPT (R47); the
 *    IOMMU is programmed for the whole group by the first device and set
 *    back to blocking by the last (R48);
 *  - a RID attach reserves the device's reserved regions (all but
 *    DIRECT_RELAXABLE) in the IOAS of the paging HWPT behind the target
 *    (the parent for a nested HWPT, R60/R61), owned by the device so its
 *    detach removes exactly its own (R63); PASID attaches reserve nothing
 *    (R62);
 *  - SW_MSI doorbell pages get one IOVA per context and are mapped into the
 *    paging domain before the device switches to it (R68-R70);
 *  - replace is atomic: reservations and MSI pages for the new HWPT are put
 *    in place first, the IOMMU is switched, and only then is the old state
 *    released; any failure leaves the old attachment untouched (R50).
 */
#include "core/device.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- platforms --------------------------------------------------------- */

static struct plat_group *platform_group(struct uiommu_platform *p,
					 uint32_t id)
{
	for (uint32_t i = 0; i < p->ngroups; i++)
		if (p->groups[i].id == id)
			return &p->groups[i];
	p->groups[p->ngroups].id = id;
	return &p->groups[p->ngroups++];
}

void platform_destroy(struct uiommu_platform *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->desc.niommus; i++)
		if (p->iommus[i])
			p->factory->destroy(p->iommus[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int platform_create_with(const struct uiommu_platform_desc *desc,
			 const struct drv_factory *factory,
			 struct uiommu_platform **out)
{
	struct uiommu_platform *p;
	int rc;

	/* @desc is valid (uiommu_platform_validate) and stays so: copied. */
	p = uz_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->desc = *desc;
	p->factory = factory;
	pthread_mutex_init(&p->lock, NULL);
	for (uint32_t i = 0; i < p->desc.niommus; i++) {
		rc = factory->create(&p->desc.iommus[i], &p->iommus[i]);
		if (rc) {
			platform_destroy(p);
			return rc;
		}
	}
	for (uint32_t i = 0; i < p->desc.ndevices; i++) {
		struct plat_dev *d = &p->devs[i];

		d->desc = &p->desc.devices[i];
		d->iommu = p->iommus[d->desc->iommu];
		d->group = platform_group(p, d->desc->group);
	}
	*out = p;
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static uint32_t dev_caps(const struct plat_dev *pd)
{
	return pd->iommu->desc->caps;
}

static bool resv_enforced(uint32_t type)
{
	return type != UIOMMU_RESV_DIRECT_RELAXABLE;
}

struct device *device_get(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_DEVICE);

	return o ? container_of(o, struct device, obj) : NULL;
}

struct hwpt *hwpt_paging_of(struct hwpt *h)
{
	return h->obj.type == OBJ_HWPT_NESTED ? h->parent : h;
}

static struct group_attach *group_find(struct plat_group *g, uint32_t pasid)
{
	for (struct group_attach *a = g->attach; a; a = a->next)
		if (a->pasid == pasid)
			return a;
	return NULL;
}

static struct dev_attach *dev_find(struct device *dev, uint32_t pasid)
{
	for (struct dev_attach *a = dev->attached; a; a = a->next)
		if (a->pasid == pasid)
			return a;
	return NULL;
}

struct hwpt *device_hwpt(struct device *dev, uint32_t pasid)
{
	struct dev_attach *a = dev_find(dev, pasid);

	return a ? a->hwpt : NULL;
}

/* Program the IOMMU for every device of the group at @pasid; all or
 * nothing (the devices already switched go back to @undo). */
static int group_set_domain(struct uiommu_platform *p, struct plat_group *g,
			    uint32_t pasid, struct drv_domain *d,
			    struct drv_domain *undo)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < p->desc.ndevices; i++) {
		struct plat_dev *pd = &p->devs[i];

		if (pd->group != g)
			continue;
		rc = pd->iommu->ops->attach(pd->iommu, pd->desc, pasid, d);
		if (rc)
			break;
	}
	if (!rc)
		return 0;
	while (i--) {
		struct plat_dev *pd = &p->devs[i];

		if (pd->group == g)
			pd->iommu->ops->attach(pd->iommu, pd->desc, pasid,
					       undo);
	}
	return rc;
}

/* ---- reserved regions ---------------------------------------------------- */

/* R65: at most one SW_MSI, and not together with a hardware MSI window. */
static int dev_check_msi_regions(const struct uiommu_device_desc *d)
{
	unsigned sw = 0, hw = 0;

	for (uint32_t i = 0; i < d->nresv; i++) {
		sw += d->resv[i].type == UIOMMU_RESV_SW_MSI;
		hw += d->resv[i].type == UIOMMU_RESV_MSI;
	}
	return (sw > 1 || (sw && hw)) ? -EINVAL : 0;
}

static const struct uiommu_resv_region *dev_sw_msi(const struct plat_dev *pd)
{
	for (uint32_t i = 0; i < pd->desc->nresv; i++)
		if (pd->desc->resv[i].type == UIOMMU_RESV_SW_MSI)
			return &pd->desc->resv[i];
	return NULL;
}

/* Reserve the device's regions in @ioas, owned by @dev (all or nothing). */
static int dev_reserve(struct device *dev, struct ioas *ioas)
{
	const struct uiommu_device_desc *d = dev->pdev->desc;
	int rc;

	rc = dev_check_msi_regions(d);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < d->nresv; i++) {
		if (!resv_enforced(d->resv[i].type))
			continue;
		rc = iova_reserve(ioas, d->resv[i].start, d->resv[i].last, dev);
		if (rc) {
			iova_unreserve_owner(ioas, dev);
			return rc;
		}
	}
	return 0;
}

/* ---- SW_MSI --------------------------------------------------------------- */

/* The context-wide IOVA slot of a doorbell page (R68, R69). */
static int ctx_msi_slot(struct uiommu_ctx *ctx, uint64_t start, uint64_t page,
			uint32_t *slot)
{
	uint32_t pgoff = 0;

	for (uint32_t i = 0; i < ctx->nsw_msi; i++) {
		struct ctx_sw_msi *m = &ctx->sw_msi[i];

		if (m->sw_msi_start != start)
			continue;
		if (m->msi_page == page) {
			*slot = i;
			return 0;
		}
		if (m->pgoff + 1 > pgoff)
			pgoff = m->pgoff + 1;
	}
	if (ctx->nsw_msi == 64)
		return -EOVERFLOW;
	ctx->sw_msi[ctx->nsw_msi] = (struct ctx_sw_msi){ start, page, pgoff };
	*slot = ctx->nsw_msi++;
	return 0;
}

/* Map the MSI pages @mask of the context into the paging HWPT. */
static int hwpt_install_msi(struct hwpt *paging, uint64_t mask)
{
	struct uiommu_ctx *ctx = paging->obj.ctx;
	struct drv_domain *d = paging->domain;

	mask &= ~paging->present_sw_msi;
	for (uint32_t i = 0; mask; i++, mask >>= 1) {
		struct ctx_sw_msi *m = &ctx->sw_msi[i];
		int rc;

		if (!(mask & 1))
			continue;
		rc = d->ops->map(d, m->sw_msi_start +
				    (uint64_t)m->pgoff * UIOMMU_PAGE_SIZE,
				 m->msi_page, UIOMMU_PAGE_SIZE,
				 UIOMMU_MAP_READ | UIOMMU_MAP_WRITE |
					 IOAS_PROT_MMIO);
		if (rc)
			return rc; /* pages mapped so far stay: harmless */
		paging->present_sw_msi |= 1ULL << i;
	}
	return 0;
}

/*
 * The MSI pages the group needs in @paging: every page the group already
 * required plus this device's doorbell, if it has a SW_MSI window (R72).
 * *@required gets the group's new requirement set, committed by the caller
 * once the attach succeeds.
 */
static int group_setup_msi(struct device *dev, struct hwpt *paging,
			   uint64_t *required)
{
	struct plat_dev *pd = dev->pdev;
	const struct uiommu_resv_region *sw = dev_sw_msi(pd);
	uint64_t need = pd->group->required_sw_msi;
	uint32_t slot;
	int rc;

	if (sw && pd->desc->msi_doorbell) {
		rc = ctx_msi_slot(dev->obj.ctx, sw->start,
				  pd->desc->msi_doorbell & ~UIOMMU_PAGE_MASK,
				  &slot);
		if (rc)
			return rc;
		need |= 1ULL << slot;
	}
	*required = need;
	return hwpt_install_msi(paging, need);
}

/* ---- bind ------------------------------------------------------------------ */

static bool dev_requires_direct(const struct uiommu_device_desc *d)
{
	for (uint32_t i = 0; i < d->nresv; i++)
		if (d->resv[i].type == UIOMMU_RESV_DIRECT)
			return true;
	return false;
}

/*
 * Claim DMA ownership of the device's group for @ctx: every bound device
 * of a group belongs to one context (-EBUSY otherwise), and a device is
 * bound once (-EBUSY).  A device whose firmware demands a 1:1 mapping
 * cannot be put in the blocking domain (R74, -EINVAL).
 */
static int platform_claim(struct uiommu_platform *p, struct uiommu_ctx *ctx,
			  struct plat_dev *pd)
{
	struct plat_group *g = pd->group;
	int rc = 0;

	if (dev_requires_direct(pd->desc))
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (pd->bound || (g->owner && g->owner != ctx))
		rc = -EBUSY;
	else
		g->owner = ctx;
	if (!rc)
		g->nbound++;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void platform_release(struct uiommu_platform *p, struct plat_dev *pd)
{
	pthread_mutex_lock(&p->lock);
	pd->bound = NULL;
	if (!--pd->group->nbound) {
		pd->group->owner = NULL;
		pd->group->required_sw_msi = 0;
	}
	pthread_mutex_unlock(&p->lock);
}

/*
 * Bind a platform device to @ctx (VFIO_DEVICE_BIND_IOMMUFD's kernel side):
 * the IOMMU must be cache coherent (R57), its MSIs isolated unless the
 * platform allows unsafe interrupts (R75), and the group's DMA ownership
 * free or ours.  The device starts with its DMA blocked (R46).
 */
int device_bind(struct uiommu_ctx *ctx, struct uiommu_platform *p,
		uint32_t dev_index, uint32_t *out_id)
{
	struct uiommu_obj *o;
	struct plat_dev *pd;
	struct device *dev;
	int rc;

	if (dev_index >= p->desc.ndevices)
		return -ENODEV;
	pd = &p->devs[dev_index];
	if (!(dev_caps(pd) & UIOMMU_IOMMU_CAP_COHERENT))
		return -EINVAL;
	if (!(dev_caps(pd) & UIOMMU_IOMMU_CAP_MSI_ISOLATED) &&
	    !p->desc.allow_unsafe_interrupts)
		return -EPERM;
	rc = obj_alloc(ctx, OBJ_DEVICE, sizeof(struct device), &o);
	if (rc)
		return rc;
	rc = platform_claim(p, ctx, pd);
	if (rc) {
		obj_abort(o);
		return rc;
	}
	dev = container_of(o, struct device, obj);
	dev->plat = p;
	dev->pdev = pd;
	pd->bound = dev;
	/* Claiming puts the device in the blocking domain. */
	pd->iommu->ops->attach(pd->iommu, pd->desc, UIOMMU_NO_PASID, NULL);
	obj_finalize(o);
	*out_id = o->id;
	return 0;
}

static void device_destroy(struct uiommu_obj *obj)
{
	struct device *dev = container_of(obj, struct device, obj);

	/* Attached devices hold a reference on themselves: none left. */
	if (dev->pdev) {
		device_drop_loads(dev);
		platform_release(dev->plat, dev->pdev);
	}
}

const struct obj_ops device_ops = {
	.destroy = device_destroy,
};

/* ---- attach ------------------------------------------------------------------ */

/*
 * PASID compatibility (R52, R53): a PASID attach needs a HWPT allocated
 * for PASID use, and so does the RID's HWPT while any PASID of the group is
 * attached; a RID attach of a non-PASID HWPT is refused while PASIDs are.
 */
static int pasid_compat(struct plat_group *g, uint32_t pasid, struct hwpt *h)
{
	if (pasid == UIOMMU_NO_PASID) {
		if (h->pasid_compat)
			return 0;
		for (struct group_attach *a = g->attach; a; a = a->next)
			if (a->pasid != UIOMMU_NO_PASID)
				return -EINVAL;
		return 0;
	}
	if (!h->pasid_compat)
		return -EINVAL;
	{
		struct group_attach *rid = group_find(g, UIOMMU_NO_PASID);

		if (rid && !rid->hwpt->pasid_compat)
			return -EINVAL;
	}
	return 0;
}

/* Is @h something this device's IOMMU can use at @pasid? (-EINVAL) */
static int hwpt_compatible(struct device *dev, uint32_t pasid, struct hwpt *h)
{
	struct plat_dev *pd = dev->pdev;

	/* Another driver's domain is foreign; within one driver a domain may
	 * span IOMMU instances (as VT-d units share domains) and the
	 * driver's attach refuses what its hardware cannot use. */
	if (h->domain->iommu->ops != pd->iommu->ops)
		return -EINVAL;
	/* R78: a domain that forces snooping needs an IOMMU that can. */
	if (hwpt_paging_of(h)->domain->enforce_coherency &&
	    !(dev_caps(pd) & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY))
		return -EINVAL;
	if (pasid != UIOMMU_NO_PASID &&
	    (!pd->desc->pasid_bits || pasid >= (1u << pd->desc->pasid_bits)))
		return -EINVAL;
	return pasid_compat(pd->group, pasid, h);
}

static int dev_attach_record(struct device *dev, uint32_t pasid,
			     struct hwpt *h, struct dev_attach **out)
{
	struct dev_attach *da = uz_calloc(1, sizeof(*da));

	if (!da)
		return -ENOMEM;
	da->pasid = pasid;
	da->hwpt = h;
	*out = da;
	return 0;
}

/* Attach to a HWPT (not an IOAS): the core of device_attach(). */
static int device_do_attach(struct device *dev, uint32_t pasid, struct hwpt *h)
{
	struct plat_dev *pd = dev->pdev;
	struct plat_group *g = pd->group;
	struct group_attach *ga = group_find(g, pasid), *new_ga = NULL;
	struct hwpt *paging = hwpt_paging_of(h);
	bool resv = pasid == UIOMMU_NO_PASID;
	uint64_t required = g->required_sw_msi;
	struct dev_attach *da;
	int rc;

	if (ga && ga->hwpt != h)
		return -EINVAL;
	rc = hwpt_compatible(dev, pasid, h);
	if (rc)
		return rc;
	rc = dev_attach_record(dev, pasid, h, &da);
	if (rc)
		return rc;
	if (!ga) {
		new_ga = uz_calloc(1, sizeof(*new_ga));
		if (!new_ga) {
			rc = -ENOMEM;
			goto err_free;
		}
	}
	if (resv) {
		rc = dev_reserve(dev, paging->ioas);
		if (rc)
			goto err_free;
		rc = group_setup_msi(dev, paging, &required);
		if (rc)
			goto err_unreserve;
	}
	if (new_ga) {
		rc = group_set_domain(dev->plat, g, pasid, h->domain, NULL);
		if (rc)
			goto err_unreserve;
		new_ga->pasid = pasid;
		new_ga->hwpt = h;
		new_ga->next = g->attach;
		g->attach = new_ga;
		ga = new_ga;
	}
	ga->ndevs++;
	g->required_sw_msi = required;
	da->next = dev->attached;
	dev->attached = da;
	obj_get(&h->obj);
	obj_get(&dev->obj);
	return 0;

err_unreserve:
	if (resv)
		iova_unreserve_owner(paging->ioas, dev);
err_free:
	free(new_ga);
	free(da);
	return rc;
}

typedef int (*dev_switch_fn)(struct device *dev, uint32_t pasid,
			     struct hwpt *h);

/*
 * Auto HWPTs of @ioas (R49): @fn (attach or replace) onto each existing
 * auto HWPT of the IOAS in turn, -EINVAL meaning "incompatible, try the
 * next"; if none takes the device, a new auto HWPT, destroyed again if
 * @fn fails on it too.  *@pt_id gets the HWPT used.
 */
static int device_onto_ioas(struct device *dev, uint32_t pasid,
			    struct ioas *ioas, uint32_t *pt_id,
			    dev_switch_fn fn)
{
	struct uiommu_ctx *ctx = dev->obj.ctx;
	struct uiommu_obj *o;
	struct hwpt *h;
	uint32_t pos = 0;
	int rc;

	while ((o = obj_iter(ctx, &pos))) {
		if (o->type != OBJ_HWPT_PAGING || o->state != OBJ_LIVE)
			continue;
		h = container_of(o, struct hwpt, obj);
		if (!h->auto_domain || h->ioas != ioas)
			continue;
		rc = fn(dev, pasid, h);
		if (rc == -EINVAL)
			continue;
		if (!rc)
			*pt_id = h->obj.id;
		return rc;
	}
	rc = hwpt_alloc_paging(ctx, dev, ioas, 0, true, &h);
	if (rc)
		return rc;
	rc = fn(dev, pasid, h);
	if (rc) {
		obj_destroy(ctx, h->obj.id);
		return rc;
	}
	*pt_id = h->obj.id;
	return 0;
}

int device_attach(struct device *dev, uint32_t pasid, uint32_t *pt_id)
{
	struct uiommu_ctx *ctx = dev->obj.ctx;
	struct uiommu_obj *o;

	if (dev_find(dev, pasid))
		return -EBUSY;
	o = obj_lookup(ctx, *pt_id, OBJ_NONE);
	if (!o)
		return -ENOENT;
	switch (o->type) {
	case OBJ_HWPT_PAGING:
	case OBJ_HWPT_NESTED:
		return device_do_attach(dev, pasid,
					container_of(o, struct hwpt, obj));
	case OBJ_IOAS:
		/* Auto domains are never PASID-compatible (R54). */
		return device_onto_ioas(dev, pasid,
					container_of(o, struct ioas, obj),
					pt_id, device_do_attach);
	default:
		return -EINVAL;
	}
}

/* Drop one device reference on @h; an unused auto HWPT goes (R12). */
static void hwpt_put_auto(struct hwpt *h)
{
	obj_put(&h->obj);
	if (h->auto_domain && h->obj.users == 1)
		obj_destroy(h->obj.ctx, h->obj.id);
}

void device_detach(struct device *dev, uint32_t pasid)
{
	struct plat_group *g = dev->pdev->group;
	struct dev_attach **pp, *da = NULL;
	struct group_attach **gp, *ga;
	struct hwpt *h;

	for (pp = &dev->attached; *pp; pp = &(*pp)->next) {
		if ((*pp)->pasid == pasid) {
			da = *pp;
			*pp = da->next;
			break;
		}
	}
	if (!da)
		return; /* R51: a silent no-op */
	h = da->hwpt;
	free(da);
	for (gp = &g->attach; (ga = *gp); gp = &ga->next)
		if (ga->pasid == pasid)
			break;
	if (!--ga->ndevs) {
		/* The last device: the group goes back to blocking (R48). */
		group_set_domain(dev->plat, g, pasid, NULL, NULL);
		*gp = ga->next;
		free(ga);
	}
	if (pasid == UIOMMU_NO_PASID)
		iova_unreserve_owner(hwpt_paging_of(h)->ioas, dev);
	obj_put(&dev->obj);
	hwpt_put_auto(h);
}

/* ---- replace ------------------------------------------------------------------- */

/* Reserve, in @ioas, the regions of every group device attached at @pasid. */
static int group_reserve(struct device *dev, uint32_t pasid, struct ioas *ioas)
{
	struct uiommu_platform *p = dev->plat;
	struct plat_group *g = dev->pdev->group;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < p->desc.ndevices; i++) {
		struct device *d = p->devs[i].bound;

		if (p->devs[i].group != g || !d || !dev_find(d, pasid))
			continue;
		rc = dev_reserve(d, ioas);
		if (rc)
			break;
	}
	if (!rc)
		return 0;
	while (i--) {
		struct device *d = p->devs[i].bound;

		if (p->devs[i].group == g && d)
			iova_unreserve_owner(ioas, d);
	}
	return rc;
}

static void group_unreserve(struct device *dev, struct ioas *ioas)
{
	struct uiommu_platform *p = dev->plat;

	for (uint32_t i = 0; i < p->desc.ndevices; i++)
		if (p->devs[i].group == dev->pdev->group && p->devs[i].bound)
			iova_unreserve_owner(ioas, p->devs[i].bound);
}

/* Move every group device attached at @pasid from its HWPT to @h. */
static void group_move_refs(struct device *dev, uint32_t pasid,
			    struct hwpt *old, struct hwpt *h)
{
	struct uiommu_platform *p = dev->plat;

	for (uint32_t i = 0; i < p->desc.ndevices; i++) {
		struct device *d = p->devs[i].bound;
		struct dev_attach *da;

		if (p->devs[i].group != dev->pdev->group || !d)
			continue;
		da = dev_find(d, pasid);
		if (!da)
			continue;
		da->hwpt = h;
		obj_get(&h->obj);
		obj_put(&old->obj);
	}
	group_find(dev->pdev->group, pasid)->hwpt = h;
}

static int device_do_replace(struct device *dev, uint32_t pasid,
			     struct hwpt *h)
{
	struct dev_attach *da = dev_find(dev, pasid);
	struct plat_group *g = dev->pdev->group;
	struct hwpt *old = da->hwpt, *np = hwpt_paging_of(h), *op;
	uint64_t required = g->required_sw_msi;
	bool rid = pasid == UIOMMU_NO_PASID, moved;
	int rc;

	if (old == h)
		return 0;
	op = hwpt_paging_of(old);
	rc = hwpt_compatible(dev, pasid, h);
	if (rc)
		return rc;
	moved = rid && np->ioas != op->ioas;
	if (moved) {
		rc = group_reserve(dev, pasid, np->ioas);
		if (rc)
			return rc;
	}
	if (rid) {
		rc = group_setup_msi(dev, np, &required);
		if (rc)
			goto err_unreserve;
	}
	rc = group_set_domain(dev->plat, g, pasid, h->domain, old->domain);
	if (rc)
		goto err_unreserve;
	if (moved)
		group_unreserve(dev, op->ioas);
	g->required_sw_msi = required;
	obj_get(&old->obj); /* keep it alive while refs move */
	group_move_refs(dev, pasid, old, h);
	hwpt_put_auto(old);
	return 0;
err_unreserve:
	if (moved)
		group_unreserve(dev, np->ioas);
	return rc;
}

int device_replace(struct device *dev, uint32_t pasid, uint32_t *pt_id)
{
	struct uiommu_obj *o;

	if (!dev_find(dev, pasid))
		return -EINVAL;
	o = obj_lookup(dev->obj.ctx, *pt_id, OBJ_NONE);
	if (!o)
		return -ENOENT;
	switch (o->type) {
	case OBJ_HWPT_PAGING:
	case OBJ_HWPT_NESTED:
		return device_do_replace(dev, pasid,
					 container_of(o, struct hwpt, obj));
	case OBJ_IOAS:
		return device_onto_ioas(dev, pasid,
					container_of(o, struct ioas, obj),
					pt_id, device_do_replace);
	default:
		return -EINVAL;
	}
}

/* ---- unbind and teardown ---------------------------------------------------- */

static void device_detach_all(struct device *dev)
{
	while (dev->attached)
		device_detach(dev, dev->attached->pasid);
}

/*
 * Close of the VFIO device fd: detach everywhere, destroy its vDEVICE
 * (leaving the id a tombstone, as iommufd does), give up ownership.
 */
int device_unbind(struct device *dev)
{
	int rc;

	device_detach_all(dev);
	dev->destroying = true;
	vdevice_revoke(dev);
	rc = obj_destroy(dev->obj.ctx, dev->obj.id);
	if (rc)
		dev->destroying = false;
	return rc;
}

/*
 * Context teardown: in Linux a bound VFIO device keeps its iommufd open,
 * so the context never closes under an attachment; here the context may go
 * first, so its devices are detached before objects are torn down.
 */
void devices_detach_all(struct uiommu_ctx *ctx)
{
	struct uiommu_obj *o;
	uint32_t pos = 0;

	while ((o = obj_iter(ctx, &pos)))
		if (o->type == OBJ_DEVICE && o->state == OBJ_LIVE)
			device_detach_all(container_of(o, struct device, obj));
}
