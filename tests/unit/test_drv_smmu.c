// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 driver through the core: ID registers (exact values), nested
 * translation from a guest STE whose CD and stage-1 table live in guest
 * memory (an IOAS-mapped buffer holding AArch64 descriptors with IPA
 * values), Cfg=bypass translating exactly like the parent, Cfg=abort and
 * V=0 blocking, the STE field mask (-EIO, R37), CD decoding and its
 * refusals, S1DSS with substreams, no HWPT_INVALIDATE, the SW_MSI doorbell
 * reported as MMIO, and range invalidation with its fall-back.
 */
#include "t_util.h"

#include "core/device.h"
#include "drv/drv_priv.h"

#include <uiommu/platform.h>

#define IPA 0x40000000ULL	/* guest RAM base in the IOAS */
#define GVA 0x12345000ULL	/* guest IOVA its stage 1 maps */
#define GPG 16
#define CD_OFF 0x40		/* the CD table sits at IPA + 0x40 */
#define ASID 0x42
#define SWMSI 0x8000000ULL
#define DOORBELL 0x08090040ULL

/* AArch64 stage-1 descriptor bits */
#define A_VALID 0x1ULL
#define A_TABLE 0x3ULL
#define A_ATTR_WB (1ULL << 2)
#define A_AP1 (1ULL << 6)	/* EL0 access */
#define A_AP2 (1ULL << 7)	/* read-only */
#define A_SH_IS (3ULL << 8)
#define A_AF (1ULL << 10)
#define A_PAGE (A_TABLE | A_ATTR_WB | A_AP1 | A_SH_IS | A_AF)

/* STE / CD fields */
#define STE0_V 1ULL
#define STE0_CFG(c) ((uint64_t)(c) << 1)
#define STE0_CDMAX(n) ((uint64_t)(n) << 59)
#define STE0_S1FMT(n) ((uint64_t)(n) << 4)
#define STE1_S1DSS(n) ((uint64_t)(n))
#define STE1_EATS(n) ((uint64_t)(n) << 28)
#define CD0_V (1ULL << 31)
#define CD0_EPD0 (1ULL << 14)
#define CD0_AA64 (1ULL << 41)
#define CD0_IPS_48 (5ULL << 32)
#define CD0_TG0(n) ((uint64_t)(n) << 6)

FIXTURE(smmu)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev[3], parent;
	uint64_t *gm;
};

#define CAPS_ALL (UIOMMU_IOMMU_CAP_NESTING | UIOMMU_IOMMU_CAP_DIRTY | \
		  UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |                \
		  UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)
#define CAPS_MIN (UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)

static void smmu_add(struct uiommu_platform_desc *p, const char *name,
		     uint32_t caps, uint32_t pasid)
{
	struct uiommu_iommu_desc *m = &p->iommus[p->niommus++];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->model = UIOMMU_IOMMU_SMMUV3;
	m->caps = caps;
	m->pasid_bits = pasid;
	m->address_bits = 48;
	m->granule = 4096;
}

static struct uiommu_device_desc *dev_add(struct uiommu_platform_desc *p,
					  const char *name, uint32_t iommu,
					  uint32_t sid, uint32_t group)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->iommu = iommu;
	d->rid = sid;
	d->group = group;
	return d;
}

static uint64_t *gpage(struct t_fixture_smmu *self, unsigned pg)
{
	return self->gm + pg * (PG / 8);
}

static uint64_t gaddr(struct t_fixture_smmu *self, unsigned pg, uint64_t off)
{
	return (uint64_t)(uintptr_t)gpage(self, pg) + off;
}

/* The guest CD (T0SZ=25: 39-bit, 4K, three levels at pages 1-3) and its
 * stage 1: GVA -> page 8 read/write, GVA + 4K -> page 9 read-only. */
static void build_guest(struct t_fixture_smmu *self, uint64_t cd0)
{
	uint64_t *cd = gpage(self, 0) + CD_OFF / 8;

	cd[0] = cd0;
	cd[1] = IPA + PG; /* TTB0 */
	cd[3] = 0x0004ff44; /* MAIR */
	gpage(self, 1)[(GVA >> 30) & 511] = (IPA + 2 * PG) | A_TABLE;
	gpage(self, 2)[(GVA >> 21) & 511] = (IPA + 3 * PG) | A_TABLE;
	gpage(self, 3)[(GVA >> 12) & 511] = (IPA + 8 * PG) | A_PAGE;
	gpage(self, 3)[((GVA >> 12) + 1) & 511] =
		(IPA + 9 * PG) | A_PAGE | A_AP2;
}

static const uint64_t good_cd0 = 25 | CD0_V | CD0_IPS_48 | CD0_AA64 |
				 (uint64_t)ASID << 48;

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

static int ste_alloc(struct t_fixture_smmu *self, uint64_t s0, uint64_t s1,
		     uint32_t *out)
{
	struct iommu_hwpt_arm_smmuv3 ste = { { htole64(s0), htole64(s1) } };

	return hwpt_alloc(self->ctx, 0, self->dev[0], self->parent,
			  IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste), out);
}

static uint64_t s1_ste0(void)
{
	return STE0_V | STE0_CFG(5) | (IPA + CD_OFF);
}

static int attach(struct t_fixture_smmu *self, uint32_t dev, uint32_t pt)
{
	return uiommu_device_attach(self->ctx, self->dev[dev],
				    UIOMMU_PASID_NONE, &pt);
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

static uint64_t hva_of(struct t_fixture_smmu *self, uint32_t dev,
		       uint64_t iova)
{
	struct drv_xlate x;
	struct drv_fault f;

	if (xlate(self->plat, dev, UIOMMU_NO_PASID, iova, DRV_ACCESS_READ,
		  &x, &f))
		return 0;
	return x.hva;
}

#define ASSERT_FAULT(dev, iova, acc, reason_, stage_)                        \
	do {                                                                 \
		struct drv_xlate x_;                                         \
		struct drv_fault f_;                                         \
		ASSERT_ERRNO(EFAULT, xlate(self->plat, dev, UIOMMU_NO_PASID, \
					   iova, acc, &x_, &f_));            \
		ASSERT_EQ(f_.reason, (uint32_t)(reason_));                   \
		ASSERT_EQ(f_.stage, (uint32_t)(stage_));                     \
		ASSERT_EQ(f_.addr, (uint64_t)(iova));                        \
	} while (0)

/* m0: everything, PASID 20; m1: no nesting/dirty/FWB, no substreams.
 * d0, d1 on m0 (d1 has a SW_MSI window and a doorbell), d2 on m1. */
FIXTURE_SETUP(smmu)
{
	struct uiommu_platform_desc *p = &self->desc;
	struct uiommu_device_desc *d;

	memset(p, 0, sizeof(*p));
	smmu_add(p, "m0", CAPS_ALL, 20);
	smmu_add(p, "m1", CAPS_MIN, 0);
	dev_add(p, "d0", 0, 0x100, 1)->flags = UIOMMU_DEV_DIRTY;
	d = dev_add(p, "d1", 0, 0x101, 2);
	d->msi_doorbell = DOORBELL;
	d->resv[d->nresv++] = (struct uiommu_resv_region){
		SWMSI, SWMSI + 0xfffff, UIOMMU_RESV_SW_MSI, 0 };
	dev_add(p, "d2", 1, 0x100, 3);
	ASSERT_OK(uiommu_platform_create(p, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	for (uint32_t i = 0; i < 3; i++)
		ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, i,
					     &self->dev[i]));
	self->gm = t_buf(GPG * PG);
	ASSERT_NONNULL(self->gm);
	t_map_fixed(self->ctx, self->ioas, self->gm, 8 * PG, IPA);
	for (unsigned pg = 8; pg < GPG; pg++) {
		memset(gpage(self, pg), (int)pg, PG);
		t_map_fixed(self->ctx, self->ioas, gpage(self, pg), PG,
			    IPA + pg * PG);
	}
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
			     self->dev[0], self->ioas, 0, NULL, 0,
			     &self->parent));
}

FIXTURE_TEARDOWN(smmu)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
	if (self->gm)
		munmap(self->gm, GPG * PG);
}

/* ---- ID registers ---- */

static void get_info(struct t_fixture_smmu *self, uint32_t dev,
		     struct iommu_hw_info_arm_smmuv3 *info)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = self->dev[dev],
		.data_len = sizeof(*info), .data_uptr = (uintptr_t)info,
	};

	memset(info, 0xee, sizeof(*info));
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.out_data_type, (uint32_t)IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	ASSERT_EQ(cmd.data_len, 40u);
}

TEST_F(smmu, hw_info_exact_registers)
{
	struct iommu_hw_info_arm_smmuv3 i;

	/* IDR0: S2P S1P TTF=AArch64 COHACC HTTU=A+D ASID16 VMID16
	 * TTENDIAN=LE STALL_MODEL=1 TERM_MODEL ST_LEVEL=2-level. */
	get_info(self, 0, &i);
	ASSERT_EQ(i.flags, 0u);
	ASSERT_EQ(i.idr[0], 0x0d44109bu);
	/* IDR1: SIDSIZE=16 SSIDSIZE=20 EVTQS=8 CMDQS=8. */
	ASSERT_EQ(i.idr[1], 0x01080510u);
	ASSERT_EQ(i.idr[2], 0u);
	ASSERT_EQ(i.idr[3], 0x500u);	/* RIL, FWB */
	ASSERT_EQ(i.idr[4], 0u);
	ASSERT_EQ(i.idr[5], 0x75u);	/* OAS=48, GRAN4K/16K/64K */
	ASSERT_EQ(i.iidr, 0u);
	ASSERT_EQ(i.aidr, 2u);		/* SMMUv3.2 */
	/* m1: no S2P, no HTTU, no SSIDs, no FWB. */
	get_info(self, 2, &i);
	ASSERT_EQ(i.idr[0], 0x0d44101au);
	ASSERT_EQ(i.idr[1], 0x01080010u);
	ASSERT_EQ(i.idr[3], 0x400u);
	ASSERT_EQ(i.idr[5], 0x75u);
}

/* ---- nested ---- */

TEST_F(smmu, nested_s1_through_both_stages)
{
	struct hw_iommu *hw = drv_inst_of(self->plat->devs[0].iommu)->hw;
	unsigned char b[32], w[32];
	uint32_t nested, n = 0;

	build_guest(self, good_cd0);
	ASSERT_OK(ste_alloc(self, s1_ste0(),
			    (1ULL << 2) | (1ULL << 4) | (3ULL << 6), &nested));
	ASSERT_OK(attach(self, 0, nested));
	ASSERT_EQ(hva_of(self, 0, GVA + 0x10), gaddr(self, 8, 0x10));
	ASSERT_OK(hw_dma_read(hw, 0x100, HW_PASID_NONE, GVA + 0x100, b,
			      sizeof(b)));
	ASSERT_MEMEQ(b, (unsigned char *)gpage(self, 8) + 0x100, sizeof(b));
	memset(w, 0x3c, sizeof(w));
	ASSERT_OK(hw_dma_write(hw, 0x100, HW_PASID_NONE, GVA + 0x300, w,
			       sizeof(w)));
	ASSERT_MEMEQ((unsigned char *)gpage(self, 8) + 0x300, w, sizeof(w));
	/* Stage-1 faults: nothing mapped; a read-only page. */
	ASSERT_FAULT(0, GVA + 2 * PG, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT,
		     1);
	ASSERT_EQ(hva_of(self, 0, GVA + PG), gaddr(self, 9, 0));
	ASSERT_FAULT(0, GVA + PG, DRV_ACCESS_WRITE, DRV_FAULT_PERMISSION, 1);
	/* Beyond T0SZ's 39 bits. */
	ASSERT_FAULT(0, 1ULL << 39, DRV_ACCESS_READ, DRV_FAULT_ADDRESS_SIZE,
		     1);
	/* An IPA the IOAS lacks: stage 2. */
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 64 * PG) | A_PAGE;
	ASSERT_FAULT(0, GVA + 3 * PG, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT,
		     2);
	/* No guest invalidation without a vIOMMU. */
	ASSERT_ERRNO(EOPNOTSUPP,
		     ({
			     struct iommu_hwpt_invalidate c = {
				     .size = sizeof(c), .hwpt_id = nested,
				     .data_type = 1,
			     };
			     int r_ = uiommu_ioctl(self->ctx,
						   IOMMU_HWPT_INVALIDATE, &c);
			     n = c.entry_num;
			     r_;
		     }));
	ASSERT_EQ(n, 0u);
}

/* Guest changes need a re-attach (the CD and the stage-1 TLB reload). */
TEST_F(smmu, nested_guest_change_on_reattach)
{
	uint32_t nested;

	build_guest(self, good_cd0);
	ASSERT_OK(ste_alloc(self, s1_ste0(), 0, &nested));
	ASSERT_OK(attach(self, 0, nested));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0));
	gpage(self, 3)[(GVA >> 12) & 511] = (IPA + 10 * PG) | A_PAGE;
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0)); /* cached */
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(attach(self, 0, nested));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 10, 0));
	/* The host unmapping guest RAM is seen at once. */
	t_unmap(self->ctx, self->ioas, IPA + 10 * PG, PG, NULL);
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT, 2);
}

TEST_F(smmu, nested_bypass_is_the_parent)
{
	uint32_t bypass;

	ASSERT_OK(ste_alloc(self, STE0_V | STE0_CFG(4), 0, &bypass));
	ASSERT_OK(attach(self, 0, bypass));
	ASSERT_OK(attach(self, 1, self->parent));
	for (uint64_t ipa = IPA; ipa < IPA + GPG * PG; ipa += PG + 0x18) {
		ASSERT_EQ(hva_of(self, 0, ipa), hva_of(self, 1, ipa));
		ASSERT_NE(hva_of(self, 0, ipa), 0u);
	}
	ASSERT_EQ(hva_of(self, 0, IPA + 9 * PG + 7), gaddr(self, 9, 7));
	ASSERT_FAULT(0, IPA + GPG * PG, DRV_ACCESS_READ,
		     DRV_FAULT_NOT_PRESENT, 2);
	/* The parent's unmap reaches it. */
	t_unmap(self->ctx, self->ioas, IPA + 9 * PG, PG, NULL);
	ASSERT_FAULT(0, IPA + 9 * PG, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT,
		     2);
}

TEST_F(smmu, nested_abort_and_invalid_block)
{
	uint32_t abort, inval;

	ASSERT_OK(ste_alloc(self, STE0_V | STE0_CFG(0), 0, &abort));
	/* V=0: the rest is ignored, as hardware ignores it. */
	ASSERT_OK(ste_alloc(self, STE0_CFG(5) | (1ULL << 55), 1ULL << 40,
			    &inval));
	ASSERT_OK(attach(self, 0, abort));
	ASSERT_FAULT(0, IPA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(attach(self, 0, inval));
	ASSERT_FAULT(0, IPA + PG, DRV_ACCESS_WRITE, DRV_FAULT_BLOCKED, 0);
}

/* R37: only the nesting fields; illegal Config/EATS encodings. */
TEST_F(smmu, nested_ste_field_mask)
{
	uint32_t id;

	ASSERT_ERRNO(EIO, ste_alloc(self, s1_ste0() | (1ULL << 55), 0, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, s1_ste0() | (1ULL << 52), 0, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, s1_ste0(), 1ULL << 8, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, s1_ste0(), 1ULL << 32, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, STE0_V | STE0_CFG(6), 0, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, STE0_V | STE0_CFG(7), 0, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, STE0_V | STE0_CFG(1), 0, &id));
	ASSERT_ERRNO(EIO, ste_alloc(self, s1_ste0(), STE1_EATS(2), &id));
	/* EATS=translate asks for ATS, which this SMMU lacks. */
	ASSERT_ERRNO(EINVAL, ste_alloc(self, s1_ste0(), STE1_EATS(1), &id));
	/* Every allowed field at once. */
	ASSERT_OK(ste_alloc(self, s1_ste0() | STE0_S1FMT(1) | STE0_CDMAX(31),
			    STE1_S1DSS(2) | (3ULL << 2) | (3ULL << 4) |
				    (3ULL << 6) | (1ULL << 27),
			    &id));
	/* Size rules, other data type, flags. */
	{
		uint64_t ste[3] = { s1_ste0(), 0, 0 };

		ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->dev[0],
						self->parent,
						IOMMU_HWPT_DATA_ARM_SMMUV3,
						ste, 8, &id));
		ASSERT_OK(hwpt_alloc(self->ctx, 0, self->dev[0], self->parent,
				     IOMMU_HWPT_DATA_ARM_SMMUV3, ste, 24,
				     &id));
		ste[2] = 1;
		ASSERT_ERRNO(E2BIG, hwpt_alloc(self->ctx, 0, self->dev[0],
					       self->parent,
					       IOMMU_HWPT_DATA_ARM_SMMUV3,
					       ste, 24, &id));
		ASSERT_ERRNO(EOPNOTSUPP,
			     hwpt_alloc(self->ctx, 0, self->dev[0],
					self->parent, IOMMU_HWPT_DATA_VTD_S1,
					ste, 24, &id));
		ASSERT_ERRNO(EOPNOTSUPP,
			     hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_PASID,
					self->dev[0], self->parent,
					IOMMU_HWPT_DATA_ARM_SMMUV3, ste, 16,
					&id));
	}
}

TEST_F(smmu, nested_cd_checks)
{
	uint32_t id;

	/* The CD's IPA is not mapped: the attach fails, nothing changes. */
	ASSERT_OK(ste_alloc(self, STE0_V | STE0_CFG(5) | (IPA + 64 * PG), 0,
			    &id));
	ASSERT_ERRNO(EINVAL, attach(self, 0, id));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(ste_alloc(self, s1_ste0(), 0, &id));
	/* AArch32 tables; a reserved TG0; a guest granule above the host's
	 * 4K stage 2 (64K). */
	build_guest(self, good_cd0 & ~CD0_AA64);
	ASSERT_ERRNO(EINVAL, attach(self, 0, id));
	build_guest(self, good_cd0 | CD0_TG0(3));
	ASSERT_ERRNO(EINVAL, attach(self, 0, id));
	build_guest(self, (good_cd0 & ~0x3fULL) | 22 | CD0_TG0(1));
	ASSERT_ERRNO(EINVAL, attach(self, 0, id));
	/* CD.V=0, EPD0=1: attached, but every access aborts. */
	build_guest(self, good_cd0 & ~CD0_V);
	ASSERT_OK(attach(self, 0, id));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	build_guest(self, good_cd0 | CD0_EPD0);
	ASSERT_OK(attach(self, 0, id));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	/* A 48-bit guest (T0SZ=16): four levels from its TTB0. */
	build_guest(self, (good_cd0 & ~0x3fULL) | 16);
	gpage(self, 4)[(GVA >> 39) & 511] = (IPA + PG) | A_TABLE;
	gpage(self, 0)[CD_OFF / 8 + 1] = IPA + 4 * PG;
	ASSERT_OK(attach(self, 0, id));
	ASSERT_EQ(hva_of(self, 0, GVA + 0x24), gaddr(self, 8, 0x24));
	/* Nested is per stream: no PASID attach. */
	{
		uint32_t pt = id;

		ASSERT_ERRNO(EINVAL, uiommu_device_attach(self->ctx,
							  self->dev[0], 3,
							  &pt));
	}
}

/* With substreams (S1CDMax != 0), a request without PASID: S1DSS. */
TEST_F(smmu, nested_s1dss)
{
	uint64_t ste0 = s1_ste0() | STE0_CDMAX(4);
	uint32_t term, byp, cd0, fmt;

	build_guest(self, good_cd0);
	ASSERT_OK(ste_alloc(self, ste0, STE1_S1DSS(0), &term));
	ASSERT_OK(ste_alloc(self, ste0, STE1_S1DSS(1), &byp));
	ASSERT_OK(ste_alloc(self, ste0, STE1_S1DSS(2), &cd0));
	ASSERT_OK(ste_alloc(self, ste0 | STE0_S1FMT(1), STE1_S1DSS(2), &fmt));
	ASSERT_OK(attach(self, 0, term));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_BLOCKED, 0);
	ASSERT_OK(attach(self, 0, byp));
	ASSERT_EQ(hva_of(self, 0, IPA + 8 * PG), gaddr(self, 8, 0));
	ASSERT_OK(attach(self, 0, cd0));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0));
	/* Two-level CD tables are not offered (IDR0.CD2L = 0). */
	ASSERT_ERRNO(EINVAL, attach(self, 0, fmt));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0));
}

/* The SW_MSI doorbell page the core maps is MMIO, not RAM. */
TEST_F(smmu, sw_msi_doorbell_is_mmio)
{
	struct drv_xlate x;
	struct drv_fault f;

	ASSERT_OK(attach(self, 1, self->ioas));
	ASSERT_OK(xlate(self->plat, 1, UIOMMU_NO_PASID, SWMSI + 0x40,
			DRV_ACCESS_WRITE, &x, &f));
	ASSERT_TRUE(x.mmio);
	ASSERT_EQ(x.hva, DOORBELL);
	ASSERT_OK(xlate(self->plat, 1, UIOMMU_NO_PASID, IPA + 8 * PG,
			DRV_ACCESS_WRITE, &x, &f));
	ASSERT_FALSE(x.mmio);
	ASSERT_EQ(x.hva, gaddr(self, 8, 0));
	/* Arm has no x86 interrupt window. */
	ASSERT_FAULT(1, 0xfee00000, DRV_ACCESS_WRITE, DRV_FAULT_NOT_PRESENT,
		     1);
}

/* Range TLBIs (RIL) over many pages, and the fall-back to a whole ASID
 * for a range too wide for a few commands (the dirty clear's gather). */
TEST_F(smmu, range_invalidation)
{
	size_t len = 600 * PG;
	unsigned char *b = t_buf(len), v = 1;
	struct hw_iommu *hw = drv_inst_of(self->plat->devs[0].iommu)->hw;
	uint64_t far = 1ULL << 46, bits[1];
	uint32_t hwpt;

	ASSERT_NONNULL(b);
	t_map_fixed(self->ctx, self->ioas, b, len, 0x200000);
	for (unsigned pg = 0; pg < 600; pg += 37)
		ASSERT_EQ(hva_of(self, 2, 0x200000 + pg * PG), 0u);
	ASSERT_OK(attach(self, 2, self->ioas));
	for (unsigned pg = 0; pg < 600; pg += 37)
		ASSERT_EQ(hva_of(self, 2, 0x200000 + pg * PG),
			  (uint64_t)(uintptr_t)b + pg * PG);
	t_unmap(self->ctx, self->ioas, 0x200000, len, NULL);
	for (unsigned pg = 0; pg < 600; pg += 37)
		ASSERT_FAULT(2, 0x200000 + pg * PG, DRV_ACCESS_READ,
			     DRV_FAULT_NOT_PRESENT, 1);
	/* Dirty pages 2^46 apart: clearing them flushes the whole ASID. */
	t_map_fixed(self->ctx, self->ioas, b, PG, 0x200000);
	t_map_fixed(self->ctx, self->ioas, b + PG, PG, far);
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			     self->dev[0], self->ioas, 0, NULL, 0, &hwpt));
	ASSERT_OK(attach(self, 0, hwpt));
	ASSERT_OK(hw_dma_write(hw, 0x100, HW_PASID_NONE, 0x200000, &v, 1));
	ASSERT_OK(hw_dma_write(hw, 0x100, HW_PASID_NONE, far, &v, 1));
	{
		struct iommu_hwpt_set_dirty_tracking c = {
			.size = sizeof(c), .hwpt_id = hwpt,
			.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		};

		ASSERT_OK(uiommu_ioctl(self->ctx,
				       IOMMU_HWPT_SET_DIRTY_TRACKING, &c));
	}
	ASSERT_OK(hw_dma_write(hw, 0x100, HW_PASID_NONE, far, &v, 1));
	{
		struct iommu_hwpt_get_dirty_bitmap c = {
			.size = sizeof(c), .hwpt_id = hwpt, .iova = far,
			.length = PG, .page_size = PG,
			.data = (uintptr_t)bits,
		};

		bits[0] = 0;
		ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_HWPT_GET_DIRTY_BITMAP,
				       &c));
		ASSERT_EQ(bits[0], 1u);
	}
	munmap(b, len);
}

/* A 64K-granule SMMU: its domains' smallest page exceeds what an IOAS
 * takes (the core refuses them, as iommufd does above PAGE_SIZE). */
TEST(smmu_granule, wider_than_4k_refused_by_the_core)
{
	struct uiommu_platform_desc p;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev, id;

	memset(&p, 0, sizeof(p));
	smmu_add(&p, "m64", CAPS_ALL, 0);
	p.iommus[0].granule = 65536;
	dev_add(&p, "d", 0, 0x7, 1);
	ASSERT_OK(uiommu_platform_create(&p, &plat));
	ASSERT_OK(uiommu_ctx_create(&ctx));
	t_ioas_alloc(ctx, &ioas);
	ASSERT_OK(uiommu_device_bind(ctx, plat, 0, &dev));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(ctx, 0, dev, ioas, 0, NULL, 0, &id));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
					dev, ioas, 0, NULL, 0, &id));
	uiommu_ctx_destroy(ctx);
	uiommu_platform_destroy(plat);
}

/* Replace between a nested domain and its own parent and back: the
 * parent's VMID is shared, never freed under a user. */
TEST_F(smmu, replace_nested_and_parent)
{
	uint32_t nested;

	build_guest(self, good_cd0);
	ASSERT_OK(ste_alloc(self, s1_ste0(), 0, &nested));
	ASSERT_OK(attach(self, 0, nested));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0));
	ASSERT_OK(attach(self, 0, self->parent));
	ASSERT_EQ(hva_of(self, 0, IPA + 9 * PG), gaddr(self, 9, 0));
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT, 2);
	ASSERT_OK(attach(self, 0, nested));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8, 0));
	t_unmap(self->ctx, self->ioas, IPA + 8 * PG, PG, NULL);
	ASSERT_FAULT(0, GVA, DRV_ACCESS_READ, DRV_FAULT_NOT_PRESENT, 2);
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_OK(_t_destroy(self->ctx, nested));
	ASSERT_OK(_t_destroy(self->ctx, self->parent));
}
