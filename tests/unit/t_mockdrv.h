/* SPDX-License-Identifier: MIT */
/*
 * A mock IOMMU driver for the core's device/HWPT tests (src/core/driver.h).
 *
 * It records what the hardware would be programmed with — which domain each
 * (requester id, pasid) points at, every mapping of every domain — and
 * checks how the core calls it: unmaps must match earlier maps exactly,
 * freed domains must not be attached anywhere.  Failures can be injected
 * into attach and map.
 */
#ifndef UIOMMU_T_MOCKDRV_H
#define UIOMMU_T_MOCKDRV_H

#include "t_util.h"

#include "core/device.h"

#define MK_MAPS 256
#define MK_CFGS 128

struct mk_domain {
	struct drv_domain d;
	struct mock_map maps[MK_MAPS];
	unsigned nmaps;
	unsigned contract_errors;
	uint32_t nested_data; /* first word of a nested domain's data */
	uint32_t invalidations;
	uint32_t alloc_flags;
};

struct mk_cfg {
	uint32_t rid, pasid;
	struct drv_domain *d; /* NULL: blocked */
};

struct mk_iommu {
	struct drv_iommu i;
	struct mk_cfg cfg[MK_CFGS];
	unsigned ncfg;
	unsigned attach_calls;
	unsigned fail_attach;   /* fail the n-th attach from now (1-based) */
	unsigned fail_map;      /* fail the n-th map from now, any domain */
	unsigned live_domains;
};

static struct mk_iommu *mk_of(struct drv_iommu *i)
{
	return container_of(i, struct mk_iommu, i);
}

static int mk_map(struct drv_domain *d, uint64_t iova, uint64_t hva,
		  uint64_t len, uint32_t prot)
{
	struct mk_domain *m = container_of(d, struct mk_domain, d);
	struct mk_iommu *mi = mk_of(d->iommu);

	if (mi->fail_map && !--mi->fail_map)
		return -ENOMEM;
	if (m->nmaps == MK_MAPS)
		return -ENOMEM;
	m->maps[m->nmaps++] = (struct mock_map){ iova, len, hva, prot };
	return 0;
}

static void mk_unmap(struct drv_domain *d, uint64_t iova, uint64_t len)
{
	struct mk_domain *m = container_of(d, struct mk_domain, d);

	for (unsigned i = 0; i < m->nmaps; i++) {
		if (m->maps[i].iova == iova && m->maps[i].len == len) {
			m->maps[i] = m->maps[--m->nmaps];
			return;
		}
	}
	m->contract_errors++;
}

/*
 * VT-d-style entries {addr, npages, flags, reserved}: flags other than
 * LEAF (bit 0) are refused; *num gets the entries handled.
 */
static int mk_invalidate(struct drv_domain *d, uint32_t type,
			 const void *entries, uint32_t entry_len, uint32_t *num)
{
	struct mk_domain *m = container_of(d, struct mk_domain, d);
	uint32_t n = *num, done;
	int rc = 0;

	*num = 0;
	if (type != 0)
		return -EINVAL;
	for (done = 0; done < n; done++) {
		struct { uint64_t addr, npages; uint32_t flags, rsvd; } e;

		rc = drv_copy_entry(&e, sizeof(e), sizeof(e),
				    (const char *)entries + done * entry_len,
				    entry_len);
		if (!rc && (e.flags & ~1u))
			rc = -EOPNOTSUPP;
		if (rc)
			break;
		m->invalidations++;
	}
	*num = done;
	return rc;
}

static void mk_free(struct drv_domain *d)
{
	struct mk_iommu *mi = mk_of(d->iommu);

	/* A domain still programmed into the hardware must not be freed. */
	for (unsigned i = 0; i < mi->ncfg; i++)
		if (mi->cfg[i].d == d)
			mi->cfg[i].d = (void *)1;
	mi->live_domains--;
	free(container_of(d, struct mk_domain, d));
}

static const struct drv_domain_ops mk_domain_ops = {
	.map = mk_map,
	.unmap = mk_unmap,
	.cache_invalidate_user = mk_invalidate,
	.free = mk_free,
};

static int mk_alloc_paging(struct drv_iommu *i,
			   const struct uiommu_device_desc *dev, uint32_t flags,
			   struct drv_domain **out)
{
	struct mk_domain *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->d.ops = &mk_domain_ops;
	m->d.iommu = i;
	m->d.kind = DRV_DOMAIN_PAGING;
	m->d.pgsize_bitmap = 0x40201000; /* 4K | 2M | 1G */
	m->d.aperture_start = 0;
	m->d.aperture_last = (1ULL << 48) - 1;
	m->d.enforce_coherency = flags & DRV_PAGING_ENFORCE_COHERENCY;
	m->alloc_flags = flags;
	mk_of(i)->live_domains++;
	*out = &m->d;
	return 0;
}

static int mk_alloc_nested(struct drv_domain *parent,
			   const struct uiommu_device_desc *dev, uint32_t flags,
			   uint32_t type, const void *data, uint32_t len,
			   struct drv_domain **out)
{
	struct mk_domain *m;

	if (type != 1 || len < 4)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d.ops = &mk_domain_ops;
	m->d.iommu = parent->iommu;
	m->d.kind = DRV_DOMAIN_NESTED;
	m->d.parent = parent;
	memcpy(&m->nested_data, data, 4);
	mk_of(parent->iommu)->live_domains++;
	*out = &m->d;
	return 0;
}

static struct mk_cfg *mk_find(struct mk_iommu *mi, uint32_t rid,
			      uint32_t pasid)
{
	for (unsigned i = 0; i < mi->ncfg; i++)
		if (mi->cfg[i].rid == rid && mi->cfg[i].pasid == pasid)
			return &mi->cfg[i];
	return NULL;
}

static int mk_attach(struct drv_iommu *i, const struct uiommu_device_desc *dev,
		     uint32_t pasid, struct drv_domain *d)
{
	struct mk_iommu *mi = mk_of(i);
	struct mk_cfg *c = mk_find(mi, dev->rid, pasid);

	mi->attach_calls++;
	if (mi->fail_attach && !--mi->fail_attach)
		return -ENOMEM;
	/* Like a VT-d unit without snoop control, refuse forced snooping. */
	if (d && d->kind == DRV_DOMAIN_PAGING && d->enforce_coherency &&
	    !(i->desc->caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY))
		return -EINVAL;
	if (!c) {
		c = &mi->cfg[mi->ncfg++];
		c->rid = dev->rid;
		c->pasid = pasid;
	}
	c->d = d;
	return 0;
}

/* A VT-d-style info block: 24 bytes {flags, rsvd, cap, ecap}. */
static int mk_hw_info(struct drv_iommu *i, const struct uiommu_device_desc *d,
		      uint32_t *type, void *buf, uint32_t *len)
{
	uint64_t info[3] = { 0, 0x00d2008c40660462ULL, 0x00f0101e98fULL };

	if (*type != 0 && *type != 1)
		return -EOPNOTSUPP;
	*type = 1;
	memcpy(buf, info, *len < 24 ? *len : 24);
	*len = 24;
	return 0;
}

/* The mapping of @d covering @iova, or NULL. */
static inline struct mock_map *mk_lookup(struct drv_domain *d, uint64_t iova)
{
	struct mk_domain *m = container_of(d, struct mk_domain, d);

	for (unsigned i = 0; i < m->nmaps; i++)
		if (iova >= m->maps[i].iova &&
		    iova - m->maps[i].iova < m->maps[i].len)
			return &m->maps[i];
	return NULL;
}

/* Translation from the recorded maps: what the mock "hardware" would do. */
static int mk_translate(struct drv_iommu *i, const struct uiommu_device_desc *dev,
			uint32_t pasid, uint64_t iova, uint32_t access,
			struct drv_xlate *out, struct drv_fault *f)
{
	struct mk_cfg *c = mk_find(mk_of(i), dev->rid, pasid);
	struct drv_domain *d = c ? c->d : NULL;
	struct mock_map *m;
	uint32_t need;

	*f = (struct drv_fault){ DRV_FAULT_BLOCKED, 0, iova };
	if (!d || d->kind != DRV_DOMAIN_PAGING)
		return -EFAULT;
	m = mk_lookup(d, iova);
	f->stage = 1;
	f->reason = DRV_FAULT_NOT_PRESENT;
	if (!m)
		return -EFAULT;
	need = ((access & DRV_ACCESS_READ) ? UIOMMU_MAP_READ : 0) |
	       ((access & DRV_ACCESS_WRITE) ? UIOMMU_MAP_WRITE : 0);
	f->reason = DRV_FAULT_PERMISSION;
	if ((m->prot & need) != need)
		return -EFAULT;
	out->hva = m->hva + (iova - m->iova);
	out->len = m->len - (iova - m->iova);
	out->mmio = m->prot & IOAS_PROT_MMIO;
	return 0;
}

static const struct drv_iommu_ops mk_iommu_ops = {
	.hw_info = mk_hw_info,
	.translate = mk_translate,
	.domain_alloc_paging = mk_alloc_paging,
	.domain_alloc_nested = mk_alloc_nested,
	.attach = mk_attach,
};

/* A second driver: its domains are foreign to mk_iommu_ops devices. */
static const struct drv_iommu_ops mk_other_ops = {
	.translate = mk_translate,
	.domain_alloc_paging = mk_alloc_paging,
	.attach = mk_attach,
};

static int mk_create(const struct uiommu_iommu_desc *desc,
		     struct drv_iommu **out)
{
	struct mk_iommu *mi = calloc(1, sizeof(*mi));

	if (!mi)
		return -ENOMEM;
	mi->i.ops = desc->model == UIOMMU_IOMMU_SMMUV3 ? &mk_other_ops :
							 &mk_iommu_ops;
	mi->i.desc = desc;
	*out = &mi->i;
	return 0;
}

static void mk_destroy(struct drv_iommu *i)
{
	free(mk_of(i));
}

static const struct drv_factory mk_factory = {
	.create = mk_create,
	.destroy = mk_destroy,
};

/* The domain (rid, pasid) is programmed with; (void *)-1 if never set. */
static inline struct drv_domain *mk_cfg_of(struct uiommu_platform *p,
					   uint32_t dev, uint32_t pasid)
{
	struct plat_dev *pd = &p->devs[dev];
	struct mk_cfg *c = mk_find(mk_of(pd->iommu), pd->desc->rid, pasid);

	return c ? c->d : (void *)-1;
}

static inline struct mk_domain *mk_dom(struct hwpt *h)
{
	return container_of(h->domain, struct mk_domain, d);
}

/* ---- the test platform (see test_device.c's table) ---- */

enum { A0, A1, G0, G1, B0, S0, S1, D0, C0, U0, M0, S2 };

#define NOPASID UIOMMU_NO_PASID
#define MSI_LO 0xfee00000ULL
#define MSI_HI 0xfeefffffULL
#define SWMSI 0x8000000ULL

static inline void add_iommu(struct uiommu_platform_desc *p, const char *name,
		      uint32_t model, uint32_t caps)
{
	struct uiommu_iommu_desc *i = &p->iommus[p->niommus++];

	snprintf(i->name, sizeof(i->name), "%s", name);
	i->model = model;
	i->caps = caps;
	i->pasid_bits = 20;
	i->address_bits = 48;
	i->granule = 4096;
}

static inline struct uiommu_device_desc *add_dev(struct uiommu_platform_desc *p,
					  const char *name, uint32_t iommu,
					  uint32_t rid, uint32_t group)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->iommu = iommu;
	d->rid = rid;
	d->group = group;
	return d;
}

static inline void add_resv(struct uiommu_device_desc *d, uint64_t s, uint64_t l,
		     uint32_t type)
{
	d->resv[d->nresv++] = (struct uiommu_resv_region){ s, l, type, 0 };
}

static inline void test_platform(struct uiommu_platform_desc *p)
{
	const uint32_t good = UIOMMU_IOMMU_CAP_NESTING |
			      UIOMMU_IOMMU_CAP_MSI_ISOLATED |
			      UIOMMU_IOMMU_CAP_COHERENT;
	struct uiommu_device_desc *d;

	memset(p, 0, sizeof(*p));
	add_iommu(p, "vtd0", UIOMMU_IOMMU_VTD,
		  good | UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |
			  UIOMMU_IOMMU_CAP_DIRTY);
	add_iommu(p, "vtd1", UIOMMU_IOMMU_VTD, good);
	add_iommu(p, "smmu0", UIOMMU_IOMMU_SMMUV3, good);
	add_iommu(p, "nc0", UIOMMU_IOMMU_VTD, UIOMMU_IOMMU_CAP_MSI_ISOLATED);
	add_iommu(p, "unsafe0", UIOMMU_IOMMU_VTD, UIOMMU_IOMMU_CAP_COHERENT);

	d = add_dev(p, "a0", 0, 0x18, 3);
	d->pasid_bits = 20;
	d->msi_doorbell = MSI_LO;
	add_resv(d, MSI_LO, MSI_HI, UIOMMU_RESV_MSI);
	d = add_dev(p, "a1", 0, 0x20, 4);
	add_resv(d, 0x7c000000, 0x7c0fffff, UIOMMU_RESV_DIRECT_RELAXABLE);
	add_resv(d, MSI_LO, MSI_HI, UIOMMU_RESV_MSI);
	add_dev(p, "g0", 0, 0x28, 5);
	add_dev(p, "g1", 0, 0x29, 5);
	add_dev(p, "b0", 1, 0x30, 6);
	d = add_dev(p, "s0", 2, 0x100, 16);
	d->pasid_bits = 20;
	d->msi_doorbell = 0x08090040;
	add_resv(d, SWMSI, SWMSI + 0xfffff, UIOMMU_RESV_SW_MSI);
	d = add_dev(p, "s1", 2, 0x101, 17);
	d->msi_doorbell = 0x08091040;
	add_resv(d, SWMSI, SWMSI + 0xfffff, UIOMMU_RESV_SW_MSI);
	d = add_dev(p, "d0", 0, 0x38, 7);
	add_resv(d, 0x7d000000, 0x7d0fffff, UIOMMU_RESV_DIRECT);
	add_dev(p, "c0", 3, 0x40, 8);
	add_dev(p, "u0", 4, 0x48, 9);
	d = add_dev(p, "m0", 0, 0x50, 10);
	add_resv(d, SWMSI, SWMSI + 0xfffff, UIOMMU_RESV_SW_MSI);
	add_resv(d, MSI_LO, MSI_HI, UIOMMU_RESV_MSI);
	d = add_dev(p, "s2", 2, 0x102, 18);
	d->msi_doorbell = 0x08090080;
	add_resv(d, SWMSI, SWMSI + 0xfffff, UIOMMU_RESV_SW_MSI);
}

#endif
