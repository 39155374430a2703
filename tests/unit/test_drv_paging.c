// SPDX-License-Identifier: MIT
/*
 * The emulated-IOMMU drivers' paging domains, driven through the core and
 * checked with real translations (the driver's translate op and the
 * engine's DMA), one variant per model: DMA inside a mapping moves exact
 * bytes, outside it faults with the exact reason/stage/address, an unmap
 * leaves no stale IOTLB entry, detach blocks, read-only faults on write,
 * a domain shared by two IOMMU instances is flushed on both, replace
 * switches tables, IOAS_PROT_SMALL_PAGES gives 4K leaves, coherency
 * enforcement is refused where it cannot hold, dirty tracking end to end,
 * and uiommu_platform_create()'s checks.
 */
#include "t_util.h"

#include "core/device.h"
#include "drv/drv_priv.h"

#include <uiommu/platform.h>

#define IOVA 0x100000ULL
#define NPG 8

FIXTURE(drvp)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev[4];
	unsigned char *buf;
};

FIXTURE_VARIANT(drvp)
{
	uint32_t model;
	uint32_t stage; /* the stage a paging domain's faults report */
};

FIXTURE_VARIANT_ADD(drvp, vtd) { .model = UIOMMU_IOMMU_VTD, .stage = 2 };
FIXTURE_VARIANT_ADD(drvp, smmuv3) { .model = UIOMMU_IOMMU_SMMUV3, .stage = 1 };
FIXTURE_VARIANT_ADD(drvp, amd) { .model = UIOMMU_IOMMU_AMD, .stage = 2 };

#define CAPS_ALL (UIOMMU_IOMMU_CAP_NESTING | UIOMMU_IOMMU_CAP_DIRTY | \
		  UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |                \
		  UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)
#define CAPS_NO_SNP (UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)

static void add_mmu(struct uiommu_platform_desc *p, const char *name,
		    uint32_t model, uint32_t caps)
{
	struct uiommu_iommu_desc *m = &p->iommus[p->niommus++];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->model = model;
	m->caps = caps;
	m->pasid_bits = model == UIOMMU_IOMMU_AMD ? 0 : 20;
	m->address_bits = 48;
	m->granule = 4096;
}

static void add_dev(struct uiommu_platform_desc *p, const char *name,
		    uint32_t iommu, uint32_t rid, uint32_t group, uint32_t fl)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->iommu = iommu;
	d->rid = rid;
	d->group = group;
	d->flags = fl;
}

/* m0, m1: every capability; m2: cannot force snooping.  d0/d3 on m0, d1
 * on m1 (the same rid as d0), d2 on m2. */
FIXTURE_SETUP(drvp)
{
	struct uiommu_platform_desc *p = &self->desc;

	memset(p, 0, sizeof(*p));
	add_mmu(p, "m0", variant->model, CAPS_ALL);
	add_mmu(p, "m1", variant->model, CAPS_ALL);
	add_mmu(p, "m2", variant->model, CAPS_NO_SNP);
	add_dev(p, "d0", 0, 0x10, 1, UIOMMU_DEV_DIRTY);
	add_dev(p, "d1", 1, 0x10, 2, 0);
	add_dev(p, "d2", 2, 0x20, 3, 0);
	add_dev(p, "d3", 0, 0x18, 4, 0);
	ASSERT_OK(uiommu_platform_create(p, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	for (uint32_t i = 0; i < 4; i++)
		ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, i,
					     &self->dev[i]));
	self->buf = t_buf(NPG * PG);
	ASSERT_NONNULL(self->buf);
	for (unsigned i = 0; i < NPG * PG; i++)
		self->buf[i] = (unsigned char)(i * 7 + 3);
}

FIXTURE_TEARDOWN(drvp)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
	if (self->buf)
		munmap(self->buf, NPG * PG);
}

/* ---- helpers ---- */

static struct hw_iommu *hw_of(struct uiommu_platform *p, uint32_t dev)
{
	return drv_inst_of(p->devs[dev].iommu)->hw;
}

static int xlate(struct uiommu_platform *p, uint32_t dev, uint32_t pasid,
		 uint64_t iova, uint32_t access, struct drv_xlate *x,
		 struct drv_fault *f)
{
	struct plat_dev *pd = &p->devs[dev];

	memset(f, 0, sizeof(*f));
	return pd->iommu->ops->translate(pd->iommu, pd->desc, pasid, iova,
					 access, x, f);
}

/* Translation must fault with exactly (reason, stage) at @iova. */
#define ASSERT_FAULT(p, dev, iova, acc, reason_, stage_)                     \
	do {                                                                 \
		struct drv_xlate x_;                                         \
		struct drv_fault f_;                                         \
		ASSERT_ERRNO(EFAULT, xlate(p, dev, UIOMMU_NO_PASID, iova,    \
					   acc, &x_, &f_));                  \
		ASSERT_EQ(f_.reason, (uint32_t)(reason_));                   \
		ASSERT_EQ(f_.stage, (uint32_t)(stage_));                     \
		ASSERT_EQ(f_.addr, (uint64_t)(iova));                        \
	} while (0)

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

static int attach(struct t_fixture_drvp *self, uint32_t dev, uint32_t pt)
{
	return uiommu_device_attach(self->ctx, self->dev[dev],
				    UIOMMU_PASID_NONE, &pt);
}

static void map_buf(struct t_fixture_drvp *self, uint32_t flags)
{
	uint64_t iova = IOVA;

	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, NPG * PG, &iova,
			 flags | IOMMU_IOAS_MAP_FIXED_IOVA));
}

/* ---- tests ---- */

TEST_F(drvp, dma_exact_bytes_and_faults)
{
	unsigned char out[300], in[300];
	struct drv_xlate x;
	struct drv_fault f;
	struct hw_fault hf;

	map_buf(self, RW);
	ASSERT_OK(attach(self, 0, self->ioas));
	/* Reads see the buffer, writes land in it, byte for byte. */
	ASSERT_OK(hw_dma_read(hw_of(self->plat, 0), 0x10, HW_PASID_NONE,
			      IOVA + 0x1f80, out, sizeof(out)));
	ASSERT_MEMEQ(out, self->buf + 0x1f80, sizeof(out));
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(0xa5 ^ i);
	ASSERT_OK(hw_dma_write(hw_of(self->plat, 0), 0x10, HW_PASID_NONE,
			       IOVA + 3 * PG + 17, in, sizeof(in)));
	ASSERT_MEMEQ(self->buf + 3 * PG + 17, in, sizeof(in));
	/* The driver op: host address, bytes to the end of the unit, RAM. */
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 0x1234,
			DRV_ACCESS_READ | DRV_ACCESS_WRITE, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 0x1234);
	ASSERT_GE(x.len, PG - 0x234);
	ASSERT_FALSE(x.mmio);
	/* One byte past the mapping, and below it. */
	ASSERT_FAULT(self->plat, 0, IOVA + NPG * PG, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	ASSERT_FAULT(self->plat, 0, IOVA - 1, DRV_ACCESS_WRITE,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	/* The faults are in the IOMMU's log, in order. */
	ASSERT_OK(hw_fault_pop(hw_of(self->plat, 0), &hf));
	ASSERT_EQ(hf.iova, IOVA + NPG * PG);
	ASSERT_EQ(hf.rid, 0x10u);
	ASSERT_OK(hw_fault_pop(hw_of(self->plat, 0), &hf));
	ASSERT_EQ(hf.iova, IOVA - 1);
	ASSERT_EQ(hf.access, (unsigned)PT_ACCESS_WRITE);
	/* A DMA straddling the end moves nothing. */
	memset(out, 0, sizeof(out));
	ASSERT_ERRNO(EFAULT, hw_dma_read(hw_of(self->plat, 0), 0x10,
					 HW_PASID_NONE,
					 IOVA + NPG * PG - 100, out, 200));
	/* Another device of the same IOMMU is still blocked. */
	ASSERT_FAULT(self->plat, 3, IOVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED,
		     0);
}

TEST_F(drvp, unmap_leaves_no_stale_iotlb)
{
	uint64_t iova2 = IOVA + 0x100000;
	struct drv_xlate x;
	struct drv_fault f;

	map_buf(self, RW);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, iova2);
	ASSERT_OK(attach(self, 0, self->ioas));
	/* Warm the IOTLB, and check it really holds entries now. */
	for (unsigned i = 0; i < NPG; i++)
		ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + i * PG,
				DRV_ACCESS_WRITE, &x, &f));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, iova2,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_GT(hw_iotlb_count(hw_of(self->plat, 0)), 0u);
	t_unmap(self->ctx, self->ioas, IOVA, NPG * PG, NULL);
	for (unsigned i = 0; i < NPG; i++)
		ASSERT_FAULT(self->plat, 0, IOVA + i * PG, DRV_ACCESS_READ,
			     DRV_FAULT_NOT_PRESENT, variant->stage);
	/* The other mapping is untouched. */
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, iova2 + 8,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 8);
	/* Map again elsewhere in the buffer: the new translation, not the
	 * old one, is what a device sees. */
	t_map_fixed(self->ctx, self->ioas, self->buf + 2 * PG, PG, IOVA);
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 4,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 2 * PG + 4);
}

TEST_F(drvp, detach_blocks)
{
	struct drv_xlate x;
	struct drv_fault f;

	map_buf(self, RW);
	ASSERT_OK(attach(self, 0, self->ioas));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_FAULT(self->plat, 0, IOVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED,
		     0);
	/* Attach again: translations come back. */
	ASSERT_OK(attach(self, 0, self->ioas));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 5,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 5);
}

TEST_F(drvp, read_only_mapping)
{
	unsigned char b[16] = { 1 };
	struct drv_xlate x;
	struct drv_fault f;

	map_buf(self, IOMMU_IOAS_MAP_READABLE);
	ASSERT_OK(attach(self, 0, self->ioas));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + PG,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_FAULT(self->plat, 0, IOVA + PG, DRV_ACCESS_WRITE,
		     DRV_FAULT_PERMISSION, variant->stage);
	ASSERT_FAULT(self->plat, 0, IOVA + PG + 8,
		     DRV_ACCESS_READ | DRV_ACCESS_WRITE, DRV_FAULT_PERMISSION,
		     variant->stage);
	ASSERT_ERRNO(EFAULT, hw_dma_write(hw_of(self->plat, 0), 0x10,
					  HW_PASID_NONE, IOVA, b, sizeof(b)));
	ASSERT_EQ(self->buf[0], 3);
}

/* One HWPT on two IOMMU instances: one table, both IOTLBs flushed. */
TEST_F(drvp, domain_shared_by_two_instances)
{
	struct drv_xlate x;
	struct drv_fault f;
	uint32_t hwpt;

	map_buf(self, RW);
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &hwpt));
	ASSERT_OK(attach(self, 0, hwpt));
	ASSERT_OK(attach(self, 1, hwpt));
	for (uint32_t d = 0; d < 2; d++) {
		ASSERT_OK(xlate(self->plat, d, UIOMMU_NO_PASID, IOVA + PG + 9,
				DRV_ACCESS_READ, &x, &f));
		ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + PG + 9);
	}
	ASSERT_GT(hw_iotlb_count(hw_of(self->plat, 1)), 0u);
	t_unmap(self->ctx, self->ioas, IOVA, NPG * PG, NULL);
	ASSERT_FAULT(self->plat, 0, IOVA + PG + 9, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	ASSERT_FAULT(self->plat, 1, IOVA + PG + 9, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	/* Detach from m1 alone: m0 keeps translating new maps. */
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[1],
				       UIOMMU_PASID_NONE));
	map_buf(self, RW);
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_FAULT(self->plat, 1, IOVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED,
		     0);
}

TEST_F(drvp, replace_switches_tables)
{
	struct drv_xlate x;
	struct drv_fault f;
	uint32_t ioas2, a, b;

	t_ioas_alloc(self->ctx, &ioas2);
	map_buf(self, RW);
	t_map_fixed(self->ctx, ioas2, self->buf + 5 * PG, PG, IOVA);
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &a));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], ioas2, &b));
	ASSERT_OK(attach(self, 0, a));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 1,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 1);
	ASSERT_OK(attach(self, 0, b)); /* an atomic replace */
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 1,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)self->buf + 5 * PG + 1);
	ASSERT_FAULT(self->plat, 0, IOVA + PG, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	/* The old HWPT is free to go; the new one keeps working. */
	ASSERT_OK(_t_destroy(self->ctx, a));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, IOVA + 1,
			DRV_ACCESS_READ, &x, &f));
}

/* HUGE_PAGES=0 (IOAS_PROT_SMALL_PAGES): only granule-sized leaves. */
TEST_F(drvp, small_pages_option)
{
	size_t big = 4ULL << 20;
	unsigned char *raw = t_buf(2 * big), *al;
	uint64_t iova = 0x40000000, val;
	struct drv_xlate x;
	struct drv_fault f;
	uint32_t ioas2;

	ASSERT_NONNULL(raw);
	al = (unsigned char *)(((uintptr_t)raw + big - 1) & ~(big - 1));
	t_ioas_alloc(self->ctx, &ioas2);
	val = 0;
	ASSERT_OK(_t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_SET, ioas2, &val));
	t_map_fixed(self->ctx, self->ioas, al, big, iova);
	t_map_fixed(self->ctx, ioas2, al, big, iova);
	ASSERT_OK(attach(self, 0, self->ioas));
	ASSERT_OK(attach(self, 1, ioas2));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, iova + 0x10,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_GT(x.len, PG);           /* a large leaf (2M or more) */
	ASSERT_OK(xlate(self->plat, 1, UIOMMU_NO_PASID, iova + 0x10,
			DRV_ACCESS_READ, &x, &f));
	ASSERT_EQ(x.len, PG - 0x10);    /* one 4K page */
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)al + 0x10);
	ASSERT_OK(xlate(self->plat, 1, UIOMMU_NO_PASID, iova + big - 1,
			DRV_ACCESS_WRITE, &x, &f));
	ASSERT_EQ(x.hva, (uint64_t)(uintptr_t)al + big - 1);
	t_unmap(self->ctx, ioas2, iova, big, NULL);
	ASSERT_FAULT(self->plat, 1, iova + big - 1, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, variant->stage);
	munmap(raw, 2 * big);
}

/* R78: a domain forcing snooping is refused where it cannot hold. */
TEST_F(drvp, enforce_coherency_refused)
{
	struct plat_dev *pd = &self->plat->devs[2];
	uint32_t hwpt, pt;

	map_buf(self, RW);
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &hwpt));
	ASSERT_TRUE(hwpt_get(self->ctx, hwpt)->domain->enforce_coherency);
	ASSERT_ERRNO(EINVAL, attach(self, 2, hwpt));
	/* The driver refuses on its own too, not just the core. */
	ASSERT_ERRNO(EINVAL, pd->iommu->ops->attach(pd->iommu, pd->desc,
						    UIOMMU_NO_PASID,
						    hwpt_get(self->ctx,
							     hwpt)->domain));
	/* Through the IOAS, d2 gets a domain of its own that does not. */
	pt = self->ioas;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[2],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_NE(pt, hwpt);
	ASSERT_FALSE(hwpt_get(self->ctx, pt)->domain->enforce_coherency);
	ASSERT_OK(hw_dma_read(hw_of(self->plat, 2), 0x20, HW_PASID_NONE,
			      IOVA, &pt, 1));
}

static int set_dirty(struct uiommu_ctx *c, uint32_t hwpt, bool on)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt,
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	return uiommu_ioctl(c, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

static int get_dirty(struct uiommu_ctx *c, uint32_t hwpt, uint32_t flags,
		     uint64_t *bits)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .flags = flags,
		.iova = IOVA, .length = NPG * PG, .page_size = PG,
		.data = (uintptr_t)bits,
	};

	*bits = 0;
	return uiommu_ioctl(c, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

/* The dirty bits a write to page @pg sets: its whole leaf unit (AMD may
 * map several pages as one NL=7 leaf). */
static uint64_t leaf_bits(struct uiommu_ctx *c, uint32_t hwpt, unsigned pg)
{
	struct drv_dom *d = drv_dom_of(hwpt_get(c, hwpt)->domain);
	uint64_t size = 0, first, n;

	if (pt_iova_to_phys(d->pt, IOVA + pg * PG, NULL, NULL, &size))
		return 0;
	first = ((IOVA + pg * PG) & ~(size - 1)) - IOVA;
	n = size / PG;
	if (first > IOVA)
		first = 0; /* the unit starts below the range */
	first /= PG;
	if (first + n > NPG)
		n = NPG - first;
	return ((n >= 64 ? 0 : 1ULL << n) - 1) << first;
}

TEST_F(drvp, dirty_tracking_end_to_end)
{
	struct hw_iommu *hw = hw_of(self->plat, 0);
	unsigned char v = 0x5a, r;
	uint32_t hwpt, plain;
	uint64_t bits, b3, b7;

	map_buf(self, RW);
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			     self->dev[0], self->ioas, &hwpt));
	ASSERT_OK(attach(self, 0, hwpt));
	b3 = leaf_bits(self->ctx, hwpt, 3);
	b7 = leaf_bits(self->ctx, hwpt, 7);
	/* One leaf may hold both pages (AMD, a 32K-aligned buffer). */
	ASSERT_NE(b3 & (1u << 3), 0u);
	ASSERT_NE(b7 & (1u << 7), 0u);
	/* Dirt from before tracking is forgotten when it starts. */
	ASSERT_OK(hw_dma_write(hw, 0x10, HW_PASID_NONE, IOVA + PG, &v, 1));
	ASSERT_OK(set_dirty(self->ctx, hwpt, true));
	ASSERT_OK(get_dirty(self->ctx, hwpt, 0, &bits));
	ASSERT_EQ(bits, 0u);
	/* Reads dirty nothing; a write dirties its leaf only. */
	ASSERT_OK(hw_dma_read(hw, 0x10, HW_PASID_NONE, IOVA + 3 * PG, &r, 1));
	ASSERT_OK(hw_dma_read(hw, 0x10, HW_PASID_NONE, IOVA + 7 * PG, &r, 1));
	ASSERT_OK(get_dirty(self->ctx, hwpt, 0, &bits));
	ASSERT_EQ(bits, 0u);
	ASSERT_OK(hw_dma_write(hw, 0x10, HW_PASID_NONE, IOVA + 3 * PG + 5, &v,
			       1));
	ASSERT_OK(get_dirty(self->ctx, hwpt,
			    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, &bits));
	ASSERT_EQ(bits, b3);
	ASSERT_OK(get_dirty(self->ctx, hwpt, 0, &bits)); /* NO_CLEAR kept it */
	ASSERT_EQ(bits, b3);
	ASSERT_OK(get_dirty(self->ctx, hwpt, 0, &bits)); /* now clean */
	ASSERT_EQ(bits, 0u);
	/* A write through a warm IOTLB entry must dirty the page again: the
	 * clear flushed the entry. */
	ASSERT_OK(hw_dma_write(hw, 0x10, HW_PASID_NONE, IOVA + 3 * PG, &v, 1));
	ASSERT_OK(hw_dma_write(hw, 0x10, HW_PASID_NONE, IOVA + 7 * PG, &v, 1));
	ASSERT_OK(get_dirty(self->ctx, hwpt, 0, &bits));
	ASSERT_EQ(bits, b3 | b7);
	ASSERT_EQ(self->buf[7 * PG], 0x5a);
	ASSERT_EQ(self->buf[3 * PG + 5], 0x5a);
	/* Without the flag: no dirty ops. */
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &plain));
	ASSERT_ERRNO(EOPNOTSUPP, set_dirty(self->ctx, plain, true));
	ASSERT_ERRNO(EOPNOTSUPP, get_dirty(self->ctx, plain, 0, &bits));
	ASSERT_FALSE(hwpt_get(self->ctx, plain)->domain->dirty_tracking);
	ASSERT_TRUE(hwpt_get(self->ctx, hwpt)->domain->dirty_tracking);
}

/* Geometry: aperture from the width, page sizes from the table. */
TEST_F(drvp, domain_geometry)
{
	struct drv_domain *d;
	uint32_t hwpt;

	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, &hwpt));
	d = hwpt_get(self->ctx, hwpt)->domain;
	ASSERT_EQ(d->aperture_start, 0u);
	ASSERT_EQ(d->aperture_last, (1ULL << 48) - 1);
	ASSERT_EQ(d->pgsize_bitmap & -d->pgsize_bitmap, PG);
	ASSERT_NE(d->pgsize_bitmap & (1ULL << 21), 0u);
	ASSERT_EQ(d->kind, (uint32_t)DRV_DOMAIN_PAGING);
}

TEST(drv_platform, create_validates)
{
	struct uiommu_platform_desc p;
	struct uiommu_platform *plat = NULL;

	memset(&p, 0, sizeof(p));
	add_mmu(&p, "v", UIOMMU_IOMMU_VTD, CAPS_ALL);
	add_dev(&p, "a", 0, 0x10, 1, 0);
	ASSERT_ERRNO(EINVAL, uiommu_platform_create(NULL, &plat));
	ASSERT_ERRNO(EINVAL, uiommu_platform_create(&p, NULL));
	p.iommus[0].address_bits = 40; /* not a VT-d width */
	ASSERT_ERRNO(EINVAL, uiommu_platform_create(&p, &plat));
	ASSERT_NULL(plat);
	p.iommus[0].address_bits = 39;
	p.devices[0].iommu = 3; /* no such IOMMU */
	ASSERT_ERRNO(EINVAL, uiommu_platform_create(&p, &plat));
	p.devices[0].iommu = 0;
	ASSERT_OK(uiommu_platform_create(&p, &plat));
	ASSERT_NONNULL(plat);
	uiommu_platform_destroy(plat);
	uiommu_platform_destroy(NULL);
}
