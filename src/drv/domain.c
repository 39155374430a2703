// SPDX-License-Identifier: MIT
/*
 * Domains of the emulated-IOMMU drivers: paging domains (a src/pt table
 * the core fills from an IOAS), the map/unmap/dirty domain ops, the MSI
 * doorbell pages a domain maps, and the fan-out of an unmap's
 * invalidation to every IOTLB that may hold the domain's translations.
 *
 * This file owns struct drv_dom's table, doorbell set and parent/child
 * links; attachments and tags are drv.c's, the table formats and flush
 * commands the models'.
 *
 * Invalidation: an unmap gathers the changed range (pt_gather), then, for
 * each instance the domain holds a tag on, the model's range invalidation
 * is sent; nested domains built on this one get the model's child
 * invalidation (their combined stage-1+2 entries depend on this table);
 * only then are the freed table pages released, so no walker or IOTLB
 * can still use them.
 */
#include "drv/drv_priv.h"

#include <errno.h>
#include <stdlib.h>

static struct drv_inst *drv_dom_inst(const struct drv_dom *d)
{
	return drv_inst_of(d->d.iommu);
}

void drv_dom_stage(const struct drv_dom *d, uint16_t tag, struct hw_stage *st)
{
	st->geom = *d->geom;
	st->root = pt_root(d->pt);
	st->tag = tag;
}

/* ---- invalidation fan-out -------------------------------------------- */

static void drv_flush_gather(struct drv_dom *d, const struct pt_gather *g)
{
	bool leaf_only = !g->tables_changed;

	if (g->start > g->last)
		return;
	for (struct drv_dinfo *i = d->infos; i; i = i->next) {
		pthread_mutex_lock(&i->inst->lock);
		i->inst->model->flush_range(i->inst, d, i->tag, g->start,
					    g->last, leaf_only);
		pthread_mutex_unlock(&i->inst->lock);
	}
	for (struct drv_dom *c = d->children; c; c = c->sibling) {
		for (struct drv_dinfo *i = c->infos; i; i = i->next) {
			const struct drv_model *m = i->inst->model;

			if (!m->flush_child)
				continue;
			pthread_mutex_lock(&i->inst->lock);
			m->flush_child(i->inst, c, i->tag, g->start, g->last);
			pthread_mutex_unlock(&i->inst->lock);
		}
	}
}

/* ---- MSI doorbell pages ------------------------------------------------ */

static void drv_mmio_del(struct drv_dom *d, uint64_t iova, uint64_t len)
{
	if (!atomic_load(&d->nmmio))
		return;
	for (unsigned int i = 0; i < DRV_MMIO_SLOTS; i++) {
		if (!atomic_load(&d->mmio[i].oa) ||
		    d->mmio[i].iova - iova >= len)
			continue;
		atomic_store(&d->mmio[i].oa, 0);
		atomic_fetch_sub(&d->nmmio, 1);
	}
}

/* Remember the target pages of an MMIO map (translate reports them). */
static int drv_mmio_add(struct drv_dom *d, uint64_t iova, uint64_t oa,
			uint64_t len)
{
	uint64_t off = 0;

	for (unsigned int i = 0; i < DRV_MMIO_SLOTS && off < len; i++) {
		if (atomic_load(&d->mmio[i].oa))
			continue;
		d->mmio[i].iova = iova + off;
		atomic_store(&d->mmio[i].oa, (oa + off) & ~UIOMMU_PAGE_MASK);
		atomic_fetch_add(&d->nmmio, 1);
		off += UIOMMU_PAGE_SIZE;
	}
	if (off >= len)
		return 0;
	drv_mmio_del(d, iova, off);
	return -ENOSPC;
}

/* ---- map / unmap ------------------------------------------------------ */

static void drv_unmap(struct drv_domain *dd, uint64_t iova, uint64_t len)
{
	struct drv_dom *d = drv_dom_of(dd);
	struct pt_gather g;

	pt_gather_init(&g);
	/* Removing exactly an earlier map splits nothing, so cannot fail. */
	pt_unmap(d->pt, iova, len, &g, NULL);
	drv_mmio_del(d, iova, len);
	drv_flush_gather(d, &g);
	pt_gather_release(&g);
}

/* IOAS_PROT_SMALL_PAGES: one granule leaf at a time, all or nothing. */
static int drv_map_small(struct drv_dom *d, uint64_t iova, uint64_t oa,
			 uint64_t len, unsigned int prot)
{
	uint64_t step = 1ULL << d->geom->gran_lg2, off;
	int rc = 0;

	for (off = 0; off < len; off += step) {
		rc = pt_map(d->pt, iova + off, oa + off, step, prot, NULL);
		if (rc)
			break;
	}
	if (rc && off)
		drv_unmap(&d->d, iova, off);
	return rc;
}

static int drv_map(struct drv_domain *dd, uint64_t iova, uint64_t hva,
		   uint64_t len, uint32_t prot)
{
	struct drv_dom *d = drv_dom_of(dd);
	bool mmio = prot & IOAS_PROT_MMIO;
	unsigned int pprot = 0;
	int rc;

	if (prot & UIOMMU_MAP_READ)
		pprot |= PT_PROT_READ;
	if (prot & UIOMMU_MAP_WRITE)
		pprot |= PT_PROT_WRITE;
	if (mmio)
		pprot |= PT_PROT_MMIO;
	else
		pprot |= drv_dom_inst(d)->model->cache_prot(d, prot);
	if (mmio) {
		rc = drv_mmio_add(d, iova, hva, len);
		if (rc)
			return rc;
	}
	if (prot & IOAS_PROT_SMALL_PAGES)
		rc = drv_map_small(d, iova, hva, len, pprot);
	else
		rc = pt_map(d->pt, iova, hva, len, pprot, NULL);
	if (rc && mmio)
		drv_mmio_del(d, iova, len);
	return rc;
}

/* ---- dirty tracking ---------------------------------------------------- */

static void drv_dirty_ignore(void *opaque, uint64_t iova, uint64_t len)
{
}

static int drv_dirty_walk(struct drv_dom *d, uint64_t iova, uint64_t len,
			  unsigned int flags, pt_dirty_fn fn, void *opaque)
{
	struct pt_gather g;
	int rc;

	pt_gather_init(&g);
	rc = pt_read_and_clear_dirty(d->pt, iova, len, flags, fn, opaque, &g);
	/* A cleaned leaf must be walked again to be dirtied again: the
	 * IOTLB caches write permission only from a write that set D. */
	drv_flush_gather(d, &g);
	pt_gather_release(&g);
	return rc;
}

static int drv_set_dirty_tracking(struct drv_domain *dd, bool enable)
{
	struct drv_dom *d = drv_dom_of(dd);
	uint64_t half = 1ULL << 63;
	int rc;

	if (!enable)
		return 0;
	/* Enabling starts from clean: the whole aperture, in two halves when
	 * it is all 64 bits (a length cannot say 2^64). */
	if (d->geom->va_mask != UINT64_MAX)
		return drv_dirty_walk(d, 0, d->geom->va_mask + 1, 0,
				      drv_dirty_ignore, NULL);
	rc = drv_dirty_walk(d, 0, half, 0, drv_dirty_ignore, NULL);
	if (!rc)
		rc = drv_dirty_walk(d, half, half, 0, drv_dirty_ignore, NULL);
	return rc;
}

static int drv_read_and_clear_dirty(struct drv_domain *dd, uint64_t iova,
				    uint64_t len, uint32_t flags,
				    void (*fn)(void *opaque, uint64_t iova,
					       uint64_t len),
				    void *opaque)
{
	unsigned int pflags = (flags & 1) ? PT_DIRTY_NO_CLEAR : 0;

	return drv_dirty_walk(drv_dom_of(dd), iova, len, pflags, fn, opaque);
}

/* ---- life cycle -------------------------------------------------------- */

static void drv_unlink_child(struct drv_dom *d)
{
	struct drv_dom *p = drv_dom_of(d->d.parent), **pp;

	for (pp = &p->children; *pp; pp = &(*pp)->sibling) {
		if (*pp == d) {
			*pp = d->sibling;
			return;
		}
	}
}

void drv_domain_free(struct drv_domain *dd)
{
	struct drv_dom *d = drv_dom_of(dd);

	/* The core detaches first; a domain still in use goes blocked. */
	drv_dom_detach_all(d);
	if (dd->kind == DRV_DOMAIN_NESTED)
		drv_unlink_child(d);
	pt_destroy(d->pt);
	free(d);
}

static const struct drv_domain_ops drv_paging_ops = {
	.map = drv_map,
	.unmap = drv_unmap,
	.free = drv_domain_free,
};

static const struct drv_domain_ops drv_paging_dirty_ops = {
	.map = drv_map,
	.unmap = drv_unmap,
	.set_dirty_tracking = drv_set_dirty_tracking,
	.read_and_clear_dirty = drv_read_and_clear_dirty,
	.free = drv_domain_free,
};

static int drv_paging_flags_ok(const struct drv_inst *in, uint32_t flags)
{
	uint32_t caps = in->base.desc->caps;

	if (flags & ~(DRV_PAGING_NEST_PARENT | DRV_PAGING_DIRTY |
		      DRV_PAGING_PASID | DRV_PAGING_ENFORCE_COHERENCY))
		return -EOPNOTSUPP;
	if ((flags & DRV_PAGING_DIRTY) && !(caps & UIOMMU_IOMMU_CAP_DIRTY))
		return -EOPNOTSUPP;
	if ((flags & DRV_PAGING_NEST_PARENT) &&
	    !(caps & UIOMMU_IOMMU_CAP_NESTING))
		return -EOPNOTSUPP;
	if ((flags & DRV_PAGING_ENFORCE_COHERENCY) &&
	    !(caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY))
		return -EINVAL;
	return 0;
}

int drv_domain_alloc_paging(struct drv_iommu *iommu,
			    const struct uiommu_device_desc *dev,
			    uint32_t flags, struct drv_domain **out)
{
	struct drv_inst *in = drv_inst_of(iommu);
	struct pt_cfg cfg = { 0 };
	struct drv_dom *d;
	int rc;

	rc = drv_paging_flags_ok(in, flags);
	if (!rc)
		rc = in->model->paging_cfg(in, flags, &cfg);
	if (rc)
		return rc;
	if (flags & DRV_PAGING_DIRTY)
		cfg.flags |= PT_CFG_HW_AD;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	rc = pt_create(&cfg, &d->pt);
	if (rc) {
		free(d);
		return rc;
	}
	d->geom = pt_get_geom(d->pt);
	d->flags = flags;
	d->smmu_s2 = cfg.format == PT_FMT_ARM_S2;
	d->d.ops = (flags & DRV_PAGING_DIRTY) ? &drv_paging_dirty_ops :
						&drv_paging_ops;
	d->d.iommu = iommu;
	d->d.kind = DRV_DOMAIN_PAGING;
	d->d.pgsize_bitmap = d->geom->pgsize_bitmap;
	d->d.aperture_start = 0;
	d->d.aperture_last = d->geom->va_mask;
	d->d.enforce_coherency = flags & DRV_PAGING_ENFORCE_COHERENCY;
	d->d.dirty_tracking = flags & DRV_PAGING_DIRTY;
	*out = &d->d;
	return 0;
}

struct drv_dom *drv_nested_new(struct drv_dom *parent,
			       const struct drv_domain_ops *ops,
			       uint32_t flags)
{
	struct drv_dom *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->flags = flags;
	d->d.ops = ops;
	d->d.iommu = parent->d.iommu;
	d->d.kind = DRV_DOMAIN_NESTED;
	d->d.parent = &parent->d;
	d->sibling = parent->children;
	parent->children = d;
	return d;
}
