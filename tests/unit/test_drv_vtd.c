// SPDX-License-Identifier: MIT
/*
 * The VT-d driver through the core: capability registers (exact values),
 * nested translation through a guest first-stage table built in "guest
 * memory" (an IOAS-mapped buffer holding x86-64 PTEs with GPA values),
 * stale first-stage entries kept until the guest's IOMMU_HWPT_INVALIDATE
 * and gone after it, the invalidation entry rules, nested allocation
 * checks, SNP on enforcing domains, and the interrupt window.
 */
#include "t_util.h"

#include "core/device.h"
#include "drv/drv_priv.h"

#include <uiommu/platform.h>

#define GPA 0x40000000ULL	/* guest RAM base in the IOAS */
#define GVA 0x12345000ULL	/* guest IOVA the first stage maps */
#define GPG 16

/* x86-64 paging entry bits */
#define X_P 0x1ULL
#define X_RW 0x2ULL
#define X_US 0x4ULL
#define X_A 0x20ULL
#define X_D 0x40ULL
#define X_TBL (X_P | X_RW | X_US)

FIXTURE(vtd)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev[3], parent;
	uint64_t *gm; /* guest memory: pages 0-7 tables, 8.. data */
};

#define CAPS_ALL (UIOMMU_IOMMU_CAP_NESTING | UIOMMU_IOMMU_CAP_DIRTY | \
		  UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |                \
		  UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)
#define CAPS_MIN (UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)

static void vmmu(struct uiommu_platform_desc *p, const char *name,
		 uint32_t caps, uint32_t bits, uint32_t pasid)
{
	struct uiommu_iommu_desc *m = &p->iommus[p->niommus++];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->model = UIOMMU_IOMMU_VTD;
	m->caps = caps;
	m->pasid_bits = pasid;
	m->address_bits = bits;
	m->granule = 4096;
}

static void vdev(struct uiommu_platform_desc *p, const char *name,
		 uint32_t iommu, uint32_t group, uint32_t pasid)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->iommu = iommu;
	d->rid = 0x10;
	d->group = group;
	d->pasid_bits = pasid;
}

static uint64_t *gpage(struct t_fixture_vtd *self, unsigned pg)
{
	return self->gm + pg * (PG / 8);
}

/* Guest first stage: GVA and GVA + 4K, through PML4/PDPT/PD/PT at guest
 * pages 0-3; GVA -> page 8 read/write, GVA + 4K -> page 9 read-only. */
static void build_guest_fs(struct t_fixture_vtd *self)
{
	gpage(self, 0)[0] = (GPA + 1 * PG) | X_TBL;
	gpage(self, 1)[0] = (GPA + 2 * PG) | X_TBL;
	gpage(self, 2)[(GVA >> 21) & 511] = (GPA + 3 * PG) | X_TBL;
	gpage(self, 3)[(GVA >> 12) & 511] = (GPA + 8 * PG) | X_P | X_RW | X_US;
	gpage(self, 3)[((GVA >> 12) + 1) & 511] = (GPA + 9 * PG) | X_P | X_US;
}

static uint64_t *guest_pte(struct t_fixture_vtd *self, uint64_t gva)
{
	return &gpage(self, 3)[(gva >> 12) & 511];
}

static int hwpt_alloc(struct uiommu_ctx *c, uint32_t flags, uint32_t dev,
		      uint32_t pt, uint32_t type, const void *data,
		      uint32_t len, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = uiommu_ioctl(c, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static int nested_alloc(struct t_fixture_vtd *self, uint32_t flags,
			const struct iommu_hwpt_vtd_s1 *s1, uint32_t *out)
{
	return hwpt_alloc(self->ctx, flags, self->dev[0], self->parent,
			  IOMMU_HWPT_DATA_VTD_S1, s1, sizeof(*s1), out);
}

static int inval(struct uiommu_ctx *c, uint32_t hwpt, uint32_t type,
		 const void *e, uint32_t len, uint32_t *num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt,
		.data_uptr = (uintptr_t)e, .data_type = type,
		.entry_len = len, .entry_num = *num,
	};
	int rc = uiommu_ioctl(c, IOMMU_HWPT_INVALIDATE, &cmd);

	*num = cmd.entry_num;
	return rc;
}

static int inval1(struct uiommu_ctx *c, uint32_t hwpt, uint64_t addr,
		  uint64_t npages, uint32_t flags)
{
	struct iommu_hwpt_vtd_s1_invalidate e = { addr, npages, flags, 0 };
	uint32_t n = 1;

	return inval(c, hwpt, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, &e,
		     sizeof(e), &n);
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

/* The host address (dev, pasid, iova) reads from, or 0 on a fault. */
static uint64_t hva_of(struct t_fixture_vtd *self, uint32_t pasid,
		       uint64_t iova)
{
	struct drv_xlate x;
	struct drv_fault f;

	if (xlate(self->plat, 0, pasid, iova, DRV_ACCESS_READ, &x, &f))
		return 0;
	return x.hva;
}

static uint64_t gaddr(struct t_fixture_vtd *self, unsigned pg, uint64_t off)
{
	return (uint64_t)(uintptr_t)gpage(self, pg) + off;
}

#define ASSERT_FAULT(dev, pasid, iova, acc, reason_, stage_)                 \
	do {                                                                 \
		struct drv_xlate x_;                                         \
		struct drv_fault f_;                                         \
		ASSERT_ERRNO(EFAULT, xlate(self->plat, dev, pasid, iova,     \
					   acc, &x_, &f_));                  \
		ASSERT_EQ(f_.reason, (uint32_t)(reason_));                   \
		ASSERT_EQ(f_.stage, (uint32_t)(stage_));                     \
		ASSERT_EQ(f_.addr, (uint64_t)(iova));                        \
	} while (0)

/* m0: 48-bit, everything; m1: 39-bit, no PASID, nothing optional;
 * m2: 57-bit, everything.  One device on each, rid 0x10. */
FIXTURE_SETUP(vtd)
{
	struct uiommu_platform_desc *p = &self->desc;

	memset(p, 0, sizeof(*p));
	vmmu(p, "m0", CAPS_ALL, 48, 20);
	vmmu(p, "m1", CAPS_MIN, 39, 0);
	vmmu(p, "m2", CAPS_ALL, 57, 20);
	vdev(p, "d0", 0, 1, 20);
	vdev(p, "d1", 1, 2, 0);
	vdev(p, "d2", 2, 3, 0);
	ASSERT_OK(uiommu_platform_create(p, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	for (uint32_t i = 0; i < 3; i++)
		ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, i,
					     &self->dev[i]));
	self->gm = t_buf(GPG * PG);
	ASSERT_NONNULL(self->gm);
	/* Guest RAM: the tables as one map, each data page on its own. */
	t_map_fixed(self->ctx, self->ioas, self->gm, 8 * PG, GPA);
	for (unsigned pg = 8; pg < GPG; pg++) {
		memset(gpage(self, pg), (int)pg, PG);
		t_map_fixed(self->ctx, self->ioas, gpage(self, pg), PG,
			    GPA + pg * PG);
	}
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
			     self->dev[0], self->ioas, 0, NULL, 0,
			     &self->parent));
}

FIXTURE_TEARDOWN(vtd)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
	if (self->gm)
		munmap(self->gm, GPG * PG);
}

/* ---- capability registers ---- */

static void hw_info(struct t_fixture_vtd *self, uint32_t dev,
		    struct iommu_hw_info_vtd *info, uint32_t *len,
		    uint32_t *type)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = self->dev[dev],
		.data_len = *len, .data_uptr = (uintptr_t)info,
	};

	memset(info, 0xee, sizeof(*info));
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	*len = cmd.data_len;
	*type = cmd.out_data_type;
}

TEST_F(vtd, hw_info_exact_registers)
{
	struct iommu_hw_info_vtd info;
	uint32_t len = sizeof(info), type;

	/* 48-bit, nesting, dirty, snoop control, IR, coherent, PASID 20:
	 * ND=6, SAGAW=0b0110, MGAW=47, FRO=0x22, SLLPS=2M|1G, PSI, MAMV=18,
	 * FL1GP; C, QI, IR, PT, SC, IRO=0xf, NEST, PSS=19, PASID, SMTS,
	 * SSADS, SSTS, FSTS, SMPWCS. */
	hw_info(self, 0, &info, &len, &type);
	ASSERT_EQ(type, (uint32_t)IOMMU_HW_INFO_TYPE_INTEL_VTD);
	ASSERT_EQ(len, 24u);
	ASSERT_EQ(info.flags, 0u);
	ASSERT_EQ(info.__reserved, 0u);
	ASSERT_EQ(info.cap_reg, 0x0112008c222f0606ULL);
	ASSERT_EQ(info.ecap_reg, 0x0001e99804000fcbULL);
	/* 39-bit, no PASID, only IR and coherency: SAGAW=0b0010, MGAW=38;
	 * no SC, NEST, SSADS, PASID/PSS. */
	len = sizeof(info);
	hw_info(self, 1, &info, &len, &type);
	ASSERT_EQ(info.cap_reg, 0x0112008c22260206ULL);
	ASSERT_EQ(info.ecap_reg, 0x0001c80000000f4bULL);
	/* 57-bit: SAGAW=0b1110, MGAW=56, FL5LP. */
	len = sizeof(info);
	hw_info(self, 2, &info, &len, &type);
	ASSERT_EQ(info.cap_reg, 0x1112008c22380e06ULL);
	ASSERT_EQ(info.ecap_reg, 0x0001e99804000fcbULL);
	/* A short buffer gets a prefix; the length says 24. */
	len = 16;
	hw_info(self, 0, &info, &len, &type);
	ASSERT_EQ(len, 24u);
	ASSERT_EQ(info.cap_reg, 0x0112008c222f0606ULL);
	ASSERT_EQ(info.ecap_reg, 0xeeeeeeeeeeeeeeeeULL);
	/* Asking for the SMMUv3 type of a VT-d device. */
	{
		struct iommu_hw_info cmd = {
			.size = sizeof(cmd), .dev_id = self->dev[0],
			.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE,
			.data_len = sizeof(info),
			.data_uptr = (uintptr_t)&info,
			.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
		};

		ASSERT_ERRNO(EOPNOTSUPP,
			     uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	}
}

/* ---- nested ---- */

TEST_F(vtd, nested_dma_through_both_stages)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	struct hw_iommu *hw = drv_inst_of(self->plat->devs[0].iommu)->hw;
	unsigned char b[64], w[64];
	uint32_t nested, pt;

	build_guest_fs(self);
	ASSERT_OK(nested_alloc(self, 0, &s1, &nested));
	pt = nested;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + 0x10),
		  gaddr(self, 8, 0x10));
	ASSERT_OK(hw_dma_read(hw, 0x10, HW_PASID_NONE, GVA + 0x80, b,
			      sizeof(b)));
	ASSERT_MEMEQ(b, (unsigned char *)gpage(self, 8) + 0x80, sizeof(b));
	ASSERT_EQ(b[0], 8);
	memset(w, 0x77, sizeof(w));
	/* The read set the guest PTE's accessed flag, not dirty. */
	ASSERT_EQ(*guest_pte(self, GVA) & (X_A | X_D), X_A);
	ASSERT_OK(hw_dma_write(hw, 0x10, HW_PASID_NONE, GVA + 0x200, w,
			       sizeof(w)));
	ASSERT_MEMEQ((unsigned char *)gpage(self, 8) + 0x200, w, sizeof(w));
	/* The first stage's accessed and dirty flags, set like hardware. */
	ASSERT_EQ(*guest_pte(self, GVA) & (X_A | X_D), X_A | X_D);
	/* Stage-1 faults: nothing there, and a read-only page. */
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA + 2 * PG, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 1);
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 9, 0));
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA + PG + 4, DRV_ACCESS_WRITE,
		     DRV_FAULT_PERMISSION, 1);
	/* A guest PTE pointing at a GPA the IOAS lacks: a stage-2 fault. */
	*guest_pte(self, GVA + 3 * PG) = (GPA + 64 * PG) | X_P | X_US;
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA + 3 * PG, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 2);
	/* Detach blocks. */
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA, DRV_ACCESS_READ,
		     DRV_FAULT_BLOCKED, 0);
}

TEST_F(vtd, nested_stale_until_guest_invalidates)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	uint32_t nested, pt;

	build_guest_fs(self);
	ASSERT_OK(nested_alloc(self, 0, &s1, &nested));
	pt = nested;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 8, 0));
	/* The guest remaps GVA: the IOTLB still has the old page... */
	*guest_pte(self, GVA) = (GPA + 10 * PG) | X_P | X_RW | X_US;
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 8, 0));
	/* ...an invalidation of another page does not drop it... */
	ASSERT_OK(inval1(self->ctx, nested, GVA + 0x100000, 1, 0));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 8, 0));
	/* ...the guest's page invalidation does. */
	ASSERT_OK(inval1(self->ctx, nested, GVA, 1, IOMMU_VTD_INV_FLAGS_LEAF));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 10, 0));
	/* Unmapped by the guest: stale until "invalidate everything". */
	*guest_pte(self, GVA) = 0;
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 10, 0));
	ASSERT_OK(inval1(self->ctx, nested, 0, UINT64_MAX, 0));
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 1);
	/* A range wider than MAMV (2^18 pages) is split or widened. */
	*guest_pte(self, GVA) = (GPA + 11 * PG) | X_P | X_RW | X_US;
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 9, 0));
	*guest_pte(self, GVA + PG) = (GPA + 12 * PG) | X_P | X_US;
	ASSERT_OK(inval1(self->ctx, nested, 0, 1ULL << 20, 0));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 11, 0));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 12, 0));
	/* Far beyond: PASID-wide rather than thousands of descriptors. */
	*guest_pte(self, GVA + PG) = (GPA + 13 * PG) | X_P | X_US;
	ASSERT_OK(inval1(self->ctx, nested, 0, 1ULL << 40, 0));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 13, 0));
}

/* The host unmaps guest RAM: the combined entries go with it. */
TEST_F(vtd, nested_parent_unmap_flushes)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	uint32_t nested, pt;

	build_guest_fs(self);
	ASSERT_OK(nested_alloc(self, 0, &s1, &nested));
	pt = nested;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 8, 0));
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 9, 0));
	t_unmap(self->ctx, self->ioas, GPA + 8 * PG, PG, NULL);
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 2);
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA + PG), gaddr(self, 9, 0));
	/* Mapped back to other memory: the new host page is used. */
	t_map_fixed(self->ctx, self->ioas, gpage(self, 14), PG, GPA + 8 * PG);
	ASSERT_EQ(hva_of(self, UIOMMU_NO_PASID, GVA), gaddr(self, 14, 0));
}

TEST_F(vtd, nested_pasid_attach)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	uint32_t nested, pt;

	build_guest_fs(self);
	ASSERT_OK(nested_alloc(self, IOMMU_HWPT_ALLOC_PASID, &s1, &nested));
	pt = nested;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0], 7, &pt));
	ASSERT_EQ(hva_of(self, 7, GVA), gaddr(self, 8, 0));
	ASSERT_FAULT(0, UIOMMU_NO_PASID, GVA, DRV_ACCESS_READ,
		     DRV_FAULT_BLOCKED, 0);
	ASSERT_FAULT(0, 8, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	*guest_pte(self, GVA) = (GPA + 10 * PG) | X_P | X_RW | X_US;
	ASSERT_EQ(hva_of(self, 7, GVA), gaddr(self, 8, 0));
	ASSERT_OK(inval1(self->ctx, nested, GVA, 1, 0));
	ASSERT_EQ(hva_of(self, 7, GVA), gaddr(self, 10, 0));
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0], 7));
	ASSERT_FAULT(0, 7, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
}

TEST_F(vtd, nested_alloc_checks)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	struct { struct iommu_hwpt_vtd_s1 s; uint64_t extra; } big = { s1, 0 };
	uint32_t id, plain;

	ASSERT_OK(nested_alloc(self, 0, &s1, &id));
	s1.flags = IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE | IOMMU_VTD_S1_WPE;
	ASSERT_OK(nested_alloc(self, 0, &s1, &id));
	s1.flags = 1u << 3;
	ASSERT_ERRNO(EINVAL, nested_alloc(self, 0, &s1, &id));
	s1.flags = 0;
	s1.__reserved = 1;
	ASSERT_ERRNO(EINVAL, nested_alloc(self, 0, &s1, &id));
	s1.__reserved = 0;
	s1.addr_width = 39;
	ASSERT_ERRNO(EINVAL, nested_alloc(self, 0, &s1, &id));
	s1.addr_width = 57; /* wider than m0's 48 bits */
	ASSERT_ERRNO(EINVAL, nested_alloc(self, 0, &s1, &id));
	s1.addr_width = 48;
	s1.pgtbl_addr = GPA + 0x800;
	ASSERT_ERRNO(EINVAL, nested_alloc(self, 0, &s1, &id));
	s1.pgtbl_addr = GPA;
	/* Length rules: short EINVAL, longer zero-extended or E2BIG. */
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->dev[0],
					self->parent, IOMMU_HWPT_DATA_VTD_S1,
					&s1, 16, &id));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->parent,
			     IOMMU_HWPT_DATA_VTD_S1, &big, sizeof(big), &id));
	big.extra = 1;
	ASSERT_ERRNO(E2BIG, hwpt_alloc(self->ctx, 0, self->dev[0],
				       self->parent, IOMMU_HWPT_DATA_VTD_S1,
				       &big, sizeof(big), &id));
	/* Another data type; a parent that is no nest parent. */
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, 0, self->dev[0], self->parent,
				IOMMU_HWPT_DATA_ARM_SMMUV3, &s1, 16, &id));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, 0, NULL,
			     0, &plain));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->dev[0], plain,
					IOMMU_HWPT_DATA_VTD_S1, &s1,
					sizeof(s1), &id));
	/* NEST_PARENT on an IOMMU without nesting. */
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
				self->dev[1], self->ioas, 0, NULL, 0, &id));
}

TEST_F(vtd, invalidate_entry_rules)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	struct iommu_hwpt_vtd_s1_invalidate e[3] = {
		{ GVA, 1, 0, 0 }, { GVA, 1, 2, 0 }, { GVA, 1, 0, 0 },
	};
	struct { struct iommu_hwpt_vtd_s1_invalidate e; uint64_t x; } l[2];
	uint32_t nested, n;

	ASSERT_OK(nested_alloc(self, 0, &s1, &nested));
	n = 0; /* a probe of the type */
	ASSERT_OK(inval(self->ctx, nested, 0, NULL, 0, &n));
	n = 0;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 1, e, sizeof(e[0]), &n));
	n = 3;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 1, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 0u);
	/* The second entry's flags are bad: one handled. */
	n = 3;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 0, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 1u);
	e[1].flags = 0;
	e[1].addr = GVA + 0x10; /* not 4K aligned */
	n = 3;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 0, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 1u);
	e[1].addr = GVA;
	e[1].__reserved = 1;
	n = 3;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 0, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 1u);
	e[1].__reserved = 0;
	e[1].npages = UINT64_MAX; /* "all" only from address 0 */
	n = 3;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 0, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 1u);
	e[1].npages = 0; /* nothing: fine */
	n = 3;
	ASSERT_OK(inval(self->ctx, nested, 0, e, sizeof(e[0]), &n));
	ASSERT_EQ(n, 3u);
	/* Entry length: short EINVAL; long zero tail fine, else E2BIG. */
	n = 1;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, nested, 0, e, 16, &n));
	ASSERT_EQ(n, 0u);
	memset(l, 0, sizeof(l));
	l[0].e = e[0];
	l[1].e = e[0];
	n = 2;
	ASSERT_OK(inval(self->ctx, nested, 0, l, sizeof(l[0]), &n));
	ASSERT_EQ(n, 2u);
	l[1].x = 1;
	n = 2;
	ASSERT_ERRNO(E2BIG, inval(self->ctx, nested, 0, l, sizeof(l[0]), &n));
	ASSERT_EQ(n, 1u);
	/* A paging HWPT takes no invalidation. */
	n = 1;
	ASSERT_ERRNO(EINVAL, inval(self->ctx, self->parent, 0, e, sizeof(e[0]),
				   &n));
	ASSERT_EQ(n, 0u);
}

/* A nested domain on a unit whose width or nesting falls short. */
TEST_F(vtd, nested_attach_refused)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	struct plat_dev *pd = &self->plat->devs[1];
	uint32_t nested;

	ASSERT_OK(nested_alloc(self, 0, &s1, &nested));
	/* m1: no nesting, 39 bits (and no snoop control for m0's parent). */
	ASSERT_ERRNO(EINVAL,
		     pd->iommu->ops->attach(pd->iommu, pd->desc,
					    UIOMMU_NO_PASID,
					    hwpt_get(self->ctx,
						     nested)->domain));
}

/* SNP in second-stage leaves exactly when the domain forces snooping. */
TEST_F(vtd, snoop_bit_follows_enforcement)
{
	struct pt_walk_result r;
	uint32_t a, b;

	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->ioas, 0, NULL,
			     0, &a));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[1], self->ioas, 0, NULL,
			     0, &b));
	ASSERT_OK(pt_walk_table(drv_dom_of(hwpt_get(self->ctx,
						    a)->domain)->pt,
				GPA, PT_ACCESS_READ | PT_ACCESS_PROBE, &r));
	ASSERT_EQ(r.pte & (1ULL << 11), 1ULL << 11);
	ASSERT_OK(pt_walk_table(drv_dom_of(hwpt_get(self->ctx,
						    b)->domain)->pt,
				GPA, PT_ACCESS_READ | PT_ACCESS_PROBE, &r));
	ASSERT_EQ(r.pte & (1ULL << 11), 0u);
}

/* x86: writes to 0xfee00000-0xfeefffff are interrupts, not DMA. */
TEST_F(vtd, interrupt_window)
{
	struct drv_xlate x;
	struct drv_fault f;
	uint32_t pt = self->ioas;

	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE, &pt));
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, 0xfee00010,
			DRV_ACCESS_WRITE, &x, &f));
	ASSERT_TRUE(x.mmio);
	ASSERT_EQ(x.hva, 0xfee00010u);
	ASSERT_EQ(x.len, 0xffff0u);
	ASSERT_OK(xlate(self->plat, 0, UIOMMU_NO_PASID, 0xfeeffffc,
			DRV_ACCESS_WRITE, &x, &f));
	ASSERT_EQ(x.len, 4u);
	/* A read there is an ordinary (here unmapped) DMA. */
	ASSERT_FAULT(0, UIOMMU_NO_PASID, 0xfee00010, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 2);
	ASSERT_FAULT(0, UIOMMU_NO_PASID, 0xfef00000, DRV_ACCESS_WRITE,
		     DRV_FAULT_NOT_PRESENT, 2);
}

/* Levels from the width: 39 -> 3, 48 -> 4, 57 -> 5. */
TEST_F(vtd, levels_from_address_width)
{
	static const unsigned levels[3] = { 4, 3, 5 };

	for (uint32_t i = 0; i < 3; i++) {
		uint32_t id;
		struct drv_dom *d;

		ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[i], self->ioas, 0,
				     NULL, 0, &id));
		d = drv_dom_of(hwpt_get(self->ctx, id)->domain);
		ASSERT_EQ(d->geom->levels, levels[i]);
		ASSERT_EQ(d->d.aperture_last,
			  (1ULL << self->desc.iommus[i].address_bits) - 1);
	}
}
