// SPDX-License-Identifier: MIT
/*
 * Devices, groups, HWPTs and attachment in the core, on a mock driver
 * (requirements R12, R21, R34, R46-R54, R57, R60-R72, R74-R79).
 *
 * The platform below is built in code so each device exhibits one trait:
 *
 *  idx name iommu          rid    group  traits
 *  0   a0   vtd0 (enforce)  0x18   3     PASID 20, MSI window
 *  1   a1   vtd0            0x20   4     relaxable RMRR + MSI window
 *  2   g0   vtd0            0x28   5     shares group 5 with g1
 *  3   g1   vtd0            0x29   5
 *  4   b0   vtd1 (no SNP)   0x30   6     its IOMMU cannot force snooping
 *  5   s0   smmu0          0x100  16     PASID, SW_MSI, doorbell page A
 *  6   s1   smmu0          0x101  17     SW_MSI, doorbell page B
 *  7   d0   vtd0            0x38   7     non-relaxable RESV_DIRECT
 *  8   c0   nc0             0x40   8     IOMMU not cache coherent
 *  9   u0   unsafe0         0x48   9     MSIs not isolated
 *  10  m0   vtd0            0x50  10     both SW_MSI and MSI regions
 *  11  s2   smmu0          0x102  18     SW_MSI, doorbell page A again
 */
#include "t_mockdrv.h"

FIXTURE(dev)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, ioas2;
	char *buf;
};

FIXTURE_SETUP(dev)
{
	test_platform(&self->desc);
	ASSERT_OK(platform_create_with(&self->desc, &mk_factory, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	t_ioas_alloc(self->ctx, &self->ioas2);
	self->buf = t_buf(16 * PG);
	ASSERT_NONNULL(self->buf);
}

FIXTURE_TEARDOWN(dev)
{
	uiommu_ctx_destroy(self->ctx);
	for (uint32_t i = 0; i < self->desc.niommus; i++)
		EXPECT_EQ(mk_of(self->plat->iommus[i])->live_domains, 0u);
	platform_destroy(self->plat);
	munmap(self->buf, 16 * PG);
}

static struct device *bind(struct t_fixture_dev *self, uint32_t idx)
{
	uint32_t id;

	if (device_bind(self->ctx, self->plat, idx, &id))
		return NULL;
	return device_get(self->ctx, id);
}

static struct hwpt *paging(struct t_fixture_dev *self, struct device *dev,
			   uint32_t ioas, uint32_t flags)
{
	struct hwpt *h = NULL;

	if (hwpt_alloc_paging(self->ctx, dev, ioas_get(self->ctx, ioas), flags,
			      false, &h))
		return NULL;
	return h;
}

static uint32_t nranges(struct uiommu_ctx *c, uint32_t ioas,
			struct iommu_iova_range *r)
{
	uint32_t n = 8;

	_t_ranges(c, ioas, r, &n, NULL);
	return n;
}

/* R57, R74, R75, ownership; a bound device starts blocked (R46). */
TEST_F(dev, bind_rules)
{
	struct uiommu_ctx *other;
	uint32_t id;

	ASSERT_ERRNO(EINVAL, device_bind(self->ctx, self->plat, C0, &id));
	ASSERT_ERRNO(EPERM, device_bind(self->ctx, self->plat, U0, &id));
	ASSERT_ERRNO(EINVAL, device_bind(self->ctx, self->plat, D0, &id));
	ASSERT_ERRNO(ENODEV, device_bind(self->ctx, self->plat, 99, &id));
	ASSERT_OK(device_bind(self->ctx, self->plat, A0, &id));
	ASSERT_NULL(mk_cfg_of(self->plat, A0, NOPASID));
	ASSERT_ERRNO(EBUSY, device_bind(self->ctx, self->plat, A0, &id));
	/* The group of G0/G1 belongs to whoever binds first. */
	ASSERT_NONNULL(bind(self, G0));
	ASSERT_OK(uiommu_ctx_create(&other));
	ASSERT_ERRNO(EBUSY, device_bind(other, self->plat, G1, &id));
	ASSERT_OK(device_bind(other, self->plat, B0, &id));
	uiommu_ctx_destroy(other);
	ASSERT_OK(device_bind(self->ctx, self->plat, G1, &id));
	ASSERT_OK(device_bind(self->ctx, self->plat, B0, &id));
}

/* R75: allow_unsafe_interrupts lets a device without isolated MSI bind. */
TEST(dev_plain, r75_allow_unsafe)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *p;
	struct uiommu_ctx *c;
	uint32_t id;

	test_platform(&desc);
	desc.allow_unsafe_interrupts = 1;
	ASSERT_OK(platform_create_with(&desc, &mk_factory, &p));
	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_OK(device_bind(c, p, U0, &id));
	uiommu_ctx_destroy(c);
	platform_destroy(p);
}

/* R49, R12, R21, R66, R78: attaching to an IOAS id uses auto HWPTs. */
TEST_F(dev, attach_ioas_auto)
{
	struct device *a0 = bind(self, A0), *a1 = bind(self, A1);
	struct device *b0 = bind(self, B0);
	uint32_t pt = self->ioas, pt2, pt3;
	struct iommu_iova_range r[8];
	struct hwpt *h;

	ASSERT_NONNULL(a0);
	t_map_fixed(self->ctx, self->ioas, self->buf, 2 * PG, 0x10000);
	ASSERT_OK(device_attach(a0, NOPASID, &pt));
	ASSERT_NE(pt, self->ioas);
	h = hwpt_get(self->ctx, pt);
	ASSERT_NONNULL(h);
	ASSERT_TRUE(h->auto_domain);
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, NOPASID) == h->domain);
	/* R21: the existing area was filled in, pinned, cache-coherent. */
	ASSERT_EQ(mk_lookup(h->domain, 0x10000)->hva, (uintptr_t)self->buf);
	ASSERT_EQ(mk_lookup(h->domain, 0x10000)->prot,
		  UIOMMU_MAP_READ | UIOMMU_MAP_WRITE | IOAS_PROT_CACHE);
	/* R66: the 48-bit aperture's outside is reserved. */
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	ASSERT_EQ(r[1].last, (1ULL << 48) - 1);
	/* R49: a second device reuses the compatible auto HWPT. */
	pt2 = self->ioas;
	ASSERT_OK(device_attach(a1, NOPASID, &pt2));
	ASSERT_EQ(pt2, pt);
	/* R78: b0's IOMMU cannot force snooping: a separate auto HWPT. */
	pt3 = self->ioas;
	ASSERT_OK(device_attach(b0, NOPASID, &pt3));
	ASSERT_NE(pt3, pt);
	ASSERT_FALSE(hwpt_get(self->ctx, pt3)->domain->enforce_coherency);
	/* New maps reach both domains (R21). */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x20000);
	ASSERT_NONNULL(mk_lookup(h->domain, 0x20000));
	ASSERT_NONNULL(mk_lookup(hwpt_get(self->ctx, pt3)->domain, 0x20000));
	/* R12: the auto HWPT goes with its last device. */
	device_detach(a0, NOPASID);
	ASSERT_NONNULL(hwpt_get(self->ctx, pt));
	device_detach(a1, NOPASID);
	ASSERT_NULL(hwpt_get(self->ctx, pt));
	ASSERT_NULL(mk_cfg_of(self->plat, A1, NOPASID));
	device_detach(b0, NOPASID);
	ASSERT_NULL(hwpt_get(self->ctx, pt3));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
}

/* R12, R9: a manual HWPT outlives its devices; destroy is EBUSY while
 * attached; an IOAS with a HWPT cannot be destroyed (R7). */
TEST_F(dev, manual_hwpt_lifetime)
{
	struct device *a0 = bind(self, A0);
	struct hwpt *h = paging(self, a0, self->ioas, 0);
	uint32_t pt, id;

	ASSERT_NONNULL(h);
	id = pt = h->obj.id;
	ASSERT_FALSE(h->auto_domain);
	ASSERT_ERRNO(EBUSY, _t_destroy(self->ctx, self->ioas));
	ASSERT_OK(device_attach(a0, NOPASID, &pt));
	ASSERT_EQ(pt, id);
	ASSERT_ERRNO(EBUSY, device_attach(a0, NOPASID, &pt));
	ASSERT_ERRNO(EBUSY, _t_destroy(self->ctx, id));
	ASSERT_ERRNO(EBUSY, _t_destroy(self->ctx, a0->obj.id));
	device_detach(a0, NOPASID);
	device_detach(a0, NOPASID); /* R51: silent no-op */
	ASSERT_NONNULL(hwpt_get(self->ctx, id));
	ASSERT_OK(_t_destroy(self->ctx, id));
	ASSERT_OK(_t_destroy(self->ctx, self->ioas));
	/* Attaching to something that is neither HWPT nor IOAS. */
	pt = a0->obj.id;
	ASSERT_ERRNO(EINVAL, device_attach(a0, NOPASID, &pt));
	pt = 9999;
	ASSERT_ERRNO(ENOENT, device_attach(a0, NOPASID, &pt));
}

/* R47, R48: one HWPT per group; programmed by the first device, blocked
 * only when the last leaves. */
TEST_F(dev, groups)
{
	struct device *g0 = bind(self, G0), *g1 = bind(self, G1);
	struct hwpt *ha = paging(self, g0, self->ioas, 0);
	struct hwpt *hb = paging(self, g0, self->ioas2, 0);
	uint32_t pa = ha->obj.id, pb = hb->obj.id;

	ASSERT_OK(device_attach(g0, NOPASID, &pa));
	/* The whole group translates through ha now. */
	ASSERT_TRUE(mk_cfg_of(self->plat, G1, NOPASID) == ha->domain);
	ASSERT_ERRNO(EINVAL, device_attach(g1, NOPASID, &pb));
	ASSERT_OK(device_attach(g1, NOPASID, &pa));
	device_detach(g0, NOPASID);
	ASSERT_TRUE(mk_cfg_of(self->plat, G0, NOPASID) == ha->domain);
	device_detach(g1, NOPASID);
	ASSERT_NULL(mk_cfg_of(self->plat, G0, NOPASID));
	ASSERT_NULL(mk_cfg_of(self->plat, G1, NOPASID));
}

/* R50: replace moves reservations and translation atomically; a failed
 * replace keeps the old attachment exactly. */
TEST_F(dev, replace)
{
	struct device *a0 = bind(self, A0);
	struct hwpt *h1 = paging(self, a0, self->ioas, 0);
	struct hwpt *h2 = paging(self, a0, self->ioas2, 0);
	struct iommu_iova_range r[8];
	uint32_t p1 = h1->obj.id, p2 = h2->obj.id;
	struct mk_iommu *mi = mk_of(self->plat->iommus[0]);

	ASSERT_ERRNO(EINVAL, device_replace(a0, NOPASID, &p2));
	ASSERT_OK(device_attach(a0, NOPASID, &p1));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u); /* MSI window out */
	ASSERT_EQ(nranges(self->ctx, self->ioas2, r), 1u);
	mi->fail_attach = 1;
	ASSERT_ERRNO(ENOMEM, device_replace(a0, NOPASID, &p2));
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, NOPASID) == h1->domain);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	ASSERT_EQ(nranges(self->ctx, self->ioas2, r), 1u);
	ASSERT_EQ(h2->obj.users, 1u);
	ASSERT_OK(device_replace(a0, NOPASID, &p2));
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, NOPASID) == h2->domain);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	ASSERT_EQ(nranges(self->ctx, self->ioas2, r), 2u);
	ASSERT_EQ(h1->obj.users, 1u);
	ASSERT_EQ(h2->obj.users, 2u);
	/* Replacing with the same HWPT is a no-op. */
	ASSERT_OK(device_replace(a0, NOPASID, &p2));
	ASSERT_EQ(h2->obj.users, 2u);
	/* Replace to an IOAS id: onto an auto HWPT of that IOAS. */
	p1 = self->ioas;
	ASSERT_OK(device_replace(a0, NOPASID, &p1));
	ASSERT_TRUE(hwpt_get(self->ctx, p1)->auto_domain);
	ASSERT_EQ(h2->obj.users, 1u);
}

/* R64: a reserved region over an existing mapping: EADDRINUSE, and
 * nothing changes (no reservation, no attachment, no reference). */
TEST_F(dev, r64_resv_conflict)
{
	struct device *a0 = bind(self, A0);
	struct hwpt *h = paging(self, a0, self->ioas, 0);
	struct iommu_iova_range r[8];
	uint32_t pt = h->obj.id;

	t_map_fixed(self->ctx, self->ioas, self->buf, PG, MSI_LO + 0x10000);
	ASSERT_ERRNO(EADDRINUSE, device_attach(a0, NOPASID, &pt));
	ASSERT_NULL(mk_cfg_of(self->plat, A0, NOPASID));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	ASSERT_EQ(h->obj.users, 1u);
	ASSERT_EQ(a0->obj.users, 1u);
	/* Via an IOAS id the new auto HWPT is not left behind either. */
	pt = self->ioas;
	ASSERT_ERRNO(EADDRINUSE, device_attach(a0, NOPASID, &pt));
	{
		struct uiommu_obj *o;
		uint32_t pos = 0, hwpts = 0;

		while ((o = obj_iter(self->ctx, &pos)))
			hwpts += o->type == OBJ_HWPT_PAGING;
		ASSERT_EQ(hwpts, 1u);
	}
}

/* R60, R63, R67: RID attach reserves all but relaxable regions, per
 * device; IOVA_RANGES shrinks and grows back. */
TEST_F(dev, resv_per_device)
{
	struct device *a0 = bind(self, A0), *a1 = bind(self, A1);
	struct hwpt *h = paging(self, a0, self->ioas, 0);
	struct iommu_iova_range r[8];
	uint32_t pt = h->obj.id;

	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u); /* aperture */
	ASSERT_OK(device_attach(a0, NOPASID, &pt));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	ASSERT_EQ(r[0].last, MSI_LO - 1);
	ASSERT_EQ(r[1].start, MSI_HI + 1);
	ASSERT_OK(device_attach(a1, NOPASID, &pt));
	/* The relaxable RMRR stays usable. */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x7c000000);
	device_detach(a0, NOPASID);
	/* a1 still holds the same MSI window. */
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG, MSI_LO);
	device_detach(a1, NOPASID);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, MSI_LO);
}

/* R65: SW_MSI together with a hardware MSI window is refused. */
TEST_F(dev, r65_sw_and_hw_msi)
{
	struct device *m0 = bind(self, M0);
	uint32_t pt = self->ioas;

	ASSERT_ERRNO(EINVAL, device_attach(m0, NOPASID, &pt));
	ASSERT_NULL(mk_cfg_of(self->plat, M0, NOPASID));
}

/* R52-R54, R62: PASID attach rules; PASID attaches reserve nothing. */
TEST_F(dev, pasid)
{
	struct device *a0 = bind(self, A0), *a1 = bind(self, A1);
	struct hwpt *plain = paging(self, a0, self->ioas, 0);
	struct hwpt *pc = paging(self, a0, self->ioas, DRV_PAGING_PASID);
	struct iommu_iova_range r[8];
	uint32_t pp = plain->obj.id, ppc = pc->obj.id, pt;

	ASSERT_ERRNO(EINVAL, device_attach(a0, 5, &pp));
	pt = self->ioas;
	ASSERT_ERRNO(EINVAL, device_attach(a0, 5, &pt)); /* R54 */
	ASSERT_OK(device_attach(a0, 5, &ppc));
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, 5) == pc->domain);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u); /* R62 */
	/* R53: with a PASID attached, the RID needs a PASID-capable HWPT. */
	ASSERT_ERRNO(EINVAL, device_attach(a0, NOPASID, &pp));
	ASSERT_OK(device_attach(a0, NOPASID, &ppc));
	/* Beyond the device's PASID width; a device without PASIDs. */
	ASSERT_ERRNO(EINVAL, device_attach(a0, 1u << 20, &ppc));
	ASSERT_ERRNO(EINVAL, device_attach(a1, 5, &ppc));
	device_detach(a0, 5);
	ASSERT_NULL(mk_cfg_of(self->plat, A0, 5));
	/* R52: a PASID onto a RID HWPT that is not PASID-capable. */
	device_detach(a0, NOPASID);
	ASSERT_OK(device_attach(a0, NOPASID, &pp));
	ASSERT_ERRNO(EINVAL, device_attach(a0, 7, &ppc));
}

/* R34, R61: nested HWPTs need a manual nest parent of the same driver;
 * a nested RID attach reserves in the parent's IOAS. */
TEST_F(dev, nested)
{
	struct device *a0 = bind(self, A0), *s0 = bind(self, S0);
	struct hwpt *plain = paging(self, a0, self->ioas, 0);
	struct hwpt *parent = paging(self, a0, self->ioas,
				     DRV_PAGING_NEST_PARENT);
	struct iommu_iova_range r[8];
	uint32_t data = 0x5a5a, pt, autopt = self->ioas;
	struct hwpt *n;

	ASSERT_ERRNO(EINVAL, hwpt_alloc_nested(self->ctx, a0, plain, 0, 1,
					       &data, 4, &n));
	ASSERT_ERRNO(EINVAL, hwpt_alloc_nested(self->ctx, s0, parent, 0, 1,
					       &data, 4, &n));
	ASSERT_ERRNO(EINVAL, hwpt_alloc_nested(self->ctx, a0, parent, 0, 2,
					       &data, 4, &n));
	ASSERT_OK(hwpt_alloc_nested(self->ctx, a0, parent, 0, 1, &data, 4,
				    &n));
	ASSERT_EQ(mk_dom(n)->nested_data, 0x5a5au);
	ASSERT_ERRNO(EBUSY, _t_destroy(self->ctx, parent->obj.id)); /* R8 */
	pt = n->obj.id;
	ASSERT_OK(device_attach(a0, NOPASID, &pt));
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, NOPASID) == n->domain);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	device_detach(a0, NOPASID);
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	/* R38: an auto HWPT is never a nest parent. */
	ASSERT_OK(device_attach(a0, NOPASID, &autopt));
	ASSERT_ERRNO(EINVAL, hwpt_alloc_nested(self->ctx, a0,
					       hwpt_get(self->ctx, autopt), 0,
					       1, &data, 4, &n));
}

/* R68-R72: SW_MSI doorbell pages: one IOVA per page per context, mapped
 * into the paging domain before the switch, untouched by IOAS_UNMAP. */
TEST_F(dev, sw_msi)
{
	struct device *s0 = bind(self, S0), *s1 = bind(self, S1);
	struct device *s2 = bind(self, S2), *a0 = bind(self, A0);
	struct hwpt *p = paging(self, s0, self->ioas, 0);
	struct hwpt *q = paging(self, s0, self->ioas2, 0);
	struct hwpt *v = paging(self, a0, self->ioas2, 0);
	uint32_t pp = p->obj.id, pq = q->obj.id, pv = v->obj.id, pt;
	struct mock_map *m;

	ASSERT_OK(device_attach(s0, NOPASID, &pp));
	m = mk_lookup(p->domain, SWMSI);
	ASSERT_NONNULL(m);
	ASSERT_EQ(m->hva, 0x08090000ULL);
	ASSERT_EQ(m->len, PG);
	ASSERT_EQ(m->prot, UIOMMU_MAP_READ | UIOMMU_MAP_WRITE | IOAS_PROT_MMIO);
	/* A second doorbell page gets the next IOVA (R68). */
	ASSERT_OK(device_attach(s1, NOPASID, &pp));
	ASSERT_EQ(mk_lookup(p->domain, SWMSI + PG)->hva, 0x08091000ULL);
	/* The same page in another domain: the same IOVA (R68). */
	ASSERT_OK(device_attach(s2, NOPASID, &pq));
	ASSERT_EQ(mk_lookup(q->domain, SWMSI)->hva, 0x08090000ULL);
	ASSERT_NULL(mk_lookup(q->domain, SWMSI + PG));
	/* R71: IOAS_UNMAP leaves MSI pages alone. */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);
	ASSERT_NONNULL(mk_lookup(p->domain, SWMSI));
	/* R70: replace s1 to q: its page is in q before it switches. */
	ASSERT_OK(device_replace(s1, NOPASID, &pq));
	ASSERT_EQ(mk_lookup(q->domain, SWMSI + PG)->hva, 0x08091000ULL);
	/* R72: no SW_MSI window, no MSI mapping. */
	ASSERT_OK(device_attach(a0, NOPASID, &pv));
	for (unsigned i = 0; i < mk_dom(v)->nmaps; i++)
		ASSERT_EQ(mk_dom(v)->maps[i].prot & IOAS_PROT_MMIO, 0u);
	/* R69: the 65th distinct doorbell page of a context is refused. */
	device_detach(s0, NOPASID);
	while (self->ctx->nsw_msi < 64) {
		uint32_t n = self->ctx->nsw_msi;

		self->ctx->sw_msi[n] = (struct ctx_sw_msi){
			SWMSI, 0x10000000ULL + n * PG, n + 8 };
		self->ctx->nsw_msi++;
	}
	self->ctx->sw_msi[0].msi_page = 0x20000000; /* s0's page is new */
	pt = pp;
	s0->pdev->group->required_sw_msi = 0;
	ASSERT_ERRNO(EOVERFLOW, device_attach(s0, NOPASID, &pt));
}

/* R76, R77, R79: coherency is decided at allocation and never changes. */
TEST_F(dev, coherency)
{
	struct device *a0 = bind(self, A0), *b0 = bind(self, B0);
	struct hwpt *enf = paging(self, a0, self->ioas, 0);
	struct hwpt *non = paging(self, b0, self->ioas, 0);
	uint32_t pe = enf->obj.id, pn = non->obj.id;

	ASSERT_TRUE(enf->domain->enforce_coherency);
	ASSERT_FALSE(non->domain->enforce_coherency);
	ASSERT_ERRNO(EINVAL, device_attach(b0, NOPASID, &pe)); /* R78 */
	ASSERT_OK(device_attach(a0, NOPASID, &pn));            /* R79 */
	ASSERT_FALSE(non->domain->enforce_coherency);           /* R77 */
}

/* Context teardown with devices still attached releases everything. */
TEST_F(dev, teardown_attached)
{
	struct device *a0 = bind(self, A0), *g0 = bind(self, G0);
	uint32_t pt = self->ioas, pt2 = self->ioas2;

	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
	ASSERT_OK(device_attach(a0, NOPASID, &pt));
	ASSERT_OK(device_attach(g0, NOPASID, &pt2));
	/* The teardown's own checks: no domains left (fixture) and the
	 * groups are free again for another context. */
	uiommu_ctx_destroy(self->ctx);
	ASSERT_NULL(mk_cfg_of(self->plat, G1, NOPASID));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	ASSERT_NONNULL(bind(self, G1));
}

/* Extension: a device's reserved regions, SW_MSI window marked. */
TEST_F(dev, ext_resv_regions)
{
	struct uiommu_resv_info r[4];
	uint32_t a1, s0, n = 1;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, A1, &a1));
	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, S0, &s0));
	ASSERT_ERRNO(EMSGSIZE, uiommu_device_resv_regions(self->ctx, a1, r, &n));
	ASSERT_EQ(n, 2u);
	ASSERT_OK(uiommu_device_resv_regions(self->ctx, a1, r, &n));
	ASSERT_EQ(r[0].start, 0x7c000000ULL);
	ASSERT_EQ(r[0].type, (uint32_t)UIOMMU_RESV_DIRECT_RELAXABLE);
	ASSERT_EQ(r[0].flags, 0u);
	ASSERT_EQ(r[1].flags, UIOMMU_RESV_INFO_ENFORCED);
	n = 4;
	ASSERT_OK(uiommu_device_resv_regions(self->ctx, s0, r, &n));
	ASSERT_EQ(n, 1u);
	ASSERT_EQ(r[0].start, SWMSI);
	ASSERT_EQ(r[0].flags, UIOMMU_RESV_INFO_SW_MSI_WINDOW |
				      UIOMMU_RESV_INFO_ENFORCED);
	ASSERT_ERRNO(ENOENT, uiommu_device_resv_regions(self->ctx, 999, r, &n));
}

/* Extension: load a device's regions into an IOAS without attaching. */
TEST_F(dev, ext_load_resv)
{
	struct iommu_iova_range r[8];
	uint32_t a0, pt = self->ioas;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, A0, &a0));
	t_map_fixed(self->ctx, self->ioas2, self->buf, PG, MSI_LO);
	ASSERT_ERRNO(EADDRINUSE, uiommu_ioas_load_resv(self->ctx, self->ioas2,
						       a0));
	ASSERT_EQ(nranges(self->ctx, self->ioas2, r), 1u);
	ASSERT_OK(uiommu_ioas_load_resv(self->ctx, self->ioas, a0));
	ASSERT_ERRNO(EEXIST, uiommu_ioas_load_resv(self->ctx, self->ioas, a0));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG, MSI_LO);
	/* Attach and detach do not touch the explicit load. */
	ASSERT_OK(uiommu_device_attach(self->ctx, a0, UIOMMU_PASID_NONE, &pt));
	ASSERT_OK(uiommu_device_detach(self->ctx, a0, UIOMMU_PASID_NONE));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 2u);
	ASSERT_OK(uiommu_ioas_unload_resv(self->ctx, self->ioas, a0));
	ASSERT_ERRNO(ENOENT, uiommu_ioas_unload_resv(self->ctx, self->ioas, a0));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	/* Unbinding drops what the device had loaded. */
	ASSERT_OK(uiommu_ioas_load_resv(self->ctx, self->ioas, a0));
	ASSERT_OK(uiommu_device_unbind(self->ctx, a0));
	ASSERT_EQ(nranges(self->ctx, self->ioas, r), 1u);
	ASSERT_ERRNO(ENOENT, uiommu_device_unbind(self->ctx, a0));
}

/* The C API's attach replaces when already attached (VFIO semantics). */
TEST_F(dev, api_attach_replaces)
{
	uint32_t a0, pt = self->ioas, pt2 = self->ioas2;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, A0, &a0));
	ASSERT_OK(uiommu_device_attach(self->ctx, a0, UIOMMU_PASID_NONE, &pt));
	ASSERT_OK(uiommu_device_attach(self->ctx, a0, UIOMMU_PASID_NONE, &pt2));
	ASSERT_NE(pt2, pt);
	ASSERT_NULL(hwpt_get(self->ctx, pt)); /* the old auto HWPT went */
	ASSERT_TRUE(mk_cfg_of(self->plat, A0, NOPASID) ==
		    hwpt_get(self->ctx, pt2)->domain);
	ASSERT_ERRNO(ENOENT, uiommu_device_attach(self->ctx, 999,
						  UIOMMU_PASID_NONE, &pt));
}

/* R80: noncoherent iff a registered device is not enforced-coherent;
 * KVM is told once per transition. */
TEST_F(dev, r80_kvm_noncoherent)
{
	struct uiommu_kvm *kvm;
	uint32_t a0, b0, g0, flags, tr;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, A0, &a0));
	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, B0, &b0));
	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, G0, &g0));
	ASSERT_OK(uiommu_device_coherency(self->ctx, a0, &flags));
	ASSERT_EQ(flags, UIOMMU_COHERENCY_ENFORCED);
	ASSERT_OK(uiommu_device_coherency(self->ctx, b0, &flags));
	ASSERT_EQ(flags, 0u);
	ASSERT_OK(uiommu_kvm_create(&kvm));
	ASSERT_EQ(uiommu_kvm_noncoherent(kvm, &tr), 0);
	ASSERT_OK(uiommu_kvm_add(kvm, self->ctx, a0));
	ASSERT_EQ(uiommu_kvm_noncoherent(kvm, &tr), 0);
	ASSERT_OK(uiommu_kvm_add(kvm, self->ctx, b0));
	ASSERT_EQ(uiommu_kvm_noncoherent(kvm, &tr), 1);
	ASSERT_EQ(tr, 1u);
	ASSERT_ERRNO(EEXIST, uiommu_kvm_add(kvm, self->ctx, b0));
	ASSERT_OK(uiommu_kvm_add(kvm, self->ctx, g0));
	ASSERT_OK(uiommu_kvm_del(kvm, self->ctx, b0));
	ASSERT_EQ(uiommu_kvm_noncoherent(kvm, &tr), 0);
	ASSERT_EQ(tr, 2u);
	ASSERT_ERRNO(ENOENT, uiommu_kvm_del(kvm, self->ctx, b0));
	ASSERT_ERRNO(ENOENT, uiommu_kvm_add(kvm, self->ctx, 999));
	uiommu_kvm_destroy(kvm);
}
