// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi driver through the core: what it does not offer (nesting,
 * PASID domains, hw_info data), v1 levels from the address width up to a
 * 64-bit space, INVALIDATE_IOMMU_PAGES sizes (S bit) over multi-page
 * units, and the interrupt window.
 */
#include "t_util.h"

#include "core/device.h"
#include "drv/drv_priv.h"

#include <uiommu/platform.h>

FIXTURE(amd)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev[2];
};

static void amd_add(struct uiommu_platform_desc *p, const char *name,
		    uint32_t bits)
{
	struct uiommu_iommu_desc *m = &p->iommus[p->niommus++];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->model = UIOMMU_IOMMU_AMD;
	m->caps = UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT |
		  UIOMMU_IOMMU_CAP_NESTING;
	m->pasid_bits = 16;
	m->address_bits = bits;
	m->granule = 4096;
}

static void amd_dev(struct uiommu_platform_desc *p, const char *name,
		    uint32_t iommu, uint32_t group)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->iommu = iommu;
	d->rid = 0x0208;
	d->group = group;
	d->pasid_bits = 16;
}

/* m0: 48-bit (4 levels); m1: the whole 64-bit space (6 levels). */
FIXTURE_SETUP(amd)
{
	memset(&self->desc, 0, sizeof(self->desc));
	amd_add(&self->desc, "m0", 48);
	amd_add(&self->desc, "m1", 64);
	amd_dev(&self->desc, "d0", 0, 1);
	amd_dev(&self->desc, "d1", 1, 2);
	ASSERT_OK(uiommu_platform_create(&self->desc, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	for (uint32_t i = 0; i < 2; i++)
		ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, i,
					     &self->dev[i]));
}

FIXTURE_TEARDOWN(amd)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
}

static int hwpt_alloc(struct uiommu_ctx *c, uint32_t flags, uint32_t dev,
		      uint32_t pt, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev,
		.pt_id = pt,
	};
	int rc = uiommu_ioctl(c, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc)
		*out = cmd.out_hwpt_id;
	return rc;
}

static int xlate(struct uiommu_platform *p, uint32_t dev, uint64_t iova,
		 uint32_t access, struct drv_xlate *x, struct drv_fault *f)
{
	struct plat_dev *pd = &p->devs[dev];

	memset(f, 0, sizeof(*f));
	return pd->iommu->ops->translate(pd->iommu, pd->desc, UIOMMU_NO_PASID,
					 iova, access, x, f);
}

static uint64_t hva_of(struct t_fixture_amd *self, uint32_t dev,
		       uint64_t iova)
{
	struct drv_xlate x;
	struct drv_fault f;

	return xlate(self->plat, dev, iova, DRV_ACCESS_READ, &x, &f) ? 0 :
								       x.hva;
}

TEST_F(amd, what_it_does_not_offer)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = self->dev[0],
	};
	uint32_t id, pt;

	/* No nesting (even with the capability bit): no nest parent. */
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
				self->dev[0], self->ioas, &id));
	ASSERT_NULL(self->plat->devs[0].iommu->ops->domain_alloc_nested);
	/* v1 tables are per device: no PASID domains or attaches. */
	ASSERT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_PASID,
					    self->dev[0], self->ioas, &id));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &id));
	pt = id;
	ASSERT_ERRNO(EINVAL, uiommu_device_attach(self->ctx, self->dev[0], 5,
						  &pt));
	/* No hw_info: type NONE, no data. */
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.out_data_type, (uint32_t)IOMMU_HW_INFO_TYPE_NONE);
	ASSERT_EQ(cmd.data_len, 0u);
}

TEST_F(amd, levels_and_64bit_space)
{
	unsigned char *b = t_buf(2 * PG);
	uint64_t high = 0xfff0000000000000ULL;
	struct drv_dom *d;
	uint32_t a, c, pt, ioas2;

	ASSERT_NONNULL(b);
	/* The 48-bit domain's aperture would reserve the top of this one. */
	t_ioas_alloc(self->ctx, &ioas2);
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], ioas2, &a));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[1], self->ioas, &c));
	d = drv_dom_of(hwpt_get(self->ctx, a)->domain);
	ASSERT_EQ(d->geom->levels, 4u);
	ASSERT_EQ(d->d.aperture_last, (1ULL << 48) - 1);
	d = drv_dom_of(hwpt_get(self->ctx, c)->domain);
	ASSERT_EQ(d->geom->levels, 6u);
	ASSERT_EQ(d->d.aperture_last, UINT64_MAX);
	/* A mapping near the top of the 64-bit space. */
	b[PG + 3] = 0x99;
	t_map_fixed(self->ctx, self->ioas, b, 2 * PG, high);
	pt = c;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[1],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_EQ(hva_of(self, 1, high + PG + 3),
		  (uint64_t)(uintptr_t)b + PG + 3);
	t_unmap(self->ctx, self->ioas, high, 2 * PG, NULL);
	ASSERT_EQ(hva_of(self, 1, high + PG + 3), 0u);
	munmap(b, 2 * PG);
}

/* Unmaps of 1, 2, 3 and 64 pages at odd alignments: every page of each
 * one is gone from the IOTLB (the S=1 size covers the range). */
TEST_F(amd, page_invalidation_sizes)
{
	static const struct { uint64_t off, n; } r[] = {
		{ 0x1000, 1 }, { 0x3000, 2 }, { 0x7000, 3 }, { 0x41000, 64 },
	};
	unsigned char *b = t_buf(64 * PG);
	uint64_t base = 0x10000000;
	uint32_t pt = self->ioas;

	ASSERT_NONNULL(b);
	for (unsigned i = 0; i < 4; i++)
		t_map_fixed(self->ctx, self->ioas, b, r[i].n * PG,
			    base + r[i].off);
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE, &pt));
	for (unsigned i = 0; i < 4; i++)
		for (uint64_t p = 0; p < r[i].n; p++)
			ASSERT_EQ(hva_of(self, 0, base + r[i].off + p * PG),
				  (uint64_t)(uintptr_t)b + p * PG);
	for (unsigned i = 0; i < 4; i++) {
		t_unmap(self->ctx, self->ioas, base + r[i].off, r[i].n * PG,
			NULL);
		for (uint64_t p = 0; p < r[i].n; p++)
			ASSERT_EQ(hva_of(self, 0, base + r[i].off + p * PG),
				  0u);
		for (unsigned j = i + 1; j < 4; j++)
			ASSERT_EQ(hva_of(self, 0, base + r[j].off),
				  (uint64_t)(uintptr_t)b);
	}
	munmap(b, 64 * PG);
}

TEST_F(amd, interrupt_window)
{
	struct drv_xlate x;
	struct drv_fault f;

	/* Even while DMA is blocked, interrupts are interrupt remapping's. */
	ASSERT_OK(xlate(self->plat, 0, 0xfee01000, DRV_ACCESS_WRITE, &x, &f));
	ASSERT_TRUE(x.mmio);
	ASSERT_EQ(x.hva, 0xfee01000u);
	ASSERT_ERRNO(EFAULT, xlate(self->plat, 0, 0xfee01000, DRV_ACCESS_READ,
				   &x, &f));
	ASSERT_EQ(f.reason, (uint32_t)DRV_FAULT_BLOCKED);
	ASSERT_EQ(f.stage, 0u);
	ASSERT_EQ(f.addr, 0xfee01000u);
}
