// SPDX-License-Identifier: MIT
/*
 * vIOMMU and vDEVICE objects and SMMUv3 guest invalidation through a
 * vIOMMU, on the emulated SMMUv3 (R36, R42, R82, R83):
 *  - every errno of VIOMMU_ALLOC, VDEVICE_ALLOC and HWPT_ALLOC through a
 *    vIOMMU, each failed call leaving the object table as it was;
 *  - references: a vIOMMU pins its nest parent, vDEVICEs and nested HWPTs
 *    pin the vIOMMU; unbinding a device destroys its vDEVICE (tombstone);
 *  - the guest's CMDQ commands reach the engine: after a guest stage-1
 *    change the device keeps the cached translation until the matching
 *    TLBI arrives through the vIOMMU; CFGI_CD makes a changed CD count;
 *    vSIDs are turned into StreamIDs through the vDEVICEs;
 *  - partial failure: entry_num is the number of commands run.
 *
 * Platform: m0, m1 SMMUv3 with nesting, m2 SMMUv3 without, m3 VT-d.
 *   d0 (SID 0x100) and d1 (SID 0x101) on m0, d2 on m1, d3 on m2, d4 on m3.
 *
 * Guest memory (16 pages at IPA, one IOAS map):
 *   page 0     CD A at +0x40, CD B at +0x80
 *   pages 1-3  stage-1 table A: GVA -> page 8, GVA + 4K -> page 9
 *   pages 4-6  stage-1 table B: GVA -> page 11
 *   pages 8-15 data
 */
#include "t_util.h"

#include "core/device.h"
#include "drv/drv_priv.h"
#include "util/alloc.h"

#include <uiommu/platform.h>

#define IPA 0x40000000ULL
#define GVA 0x12345000ULL
#define GPG 16
#define CD_A 0x40
#define CD_B 0x80
#define ASID_A 0x42
#define ASID_B 0x43
#define VSID0 5		/* the guest's name for d0 */
#define VSID1 9		/* ... and for d1 */

#define A_TABLE 0x3ULL
#define A_PAGE (A_TABLE | (1ULL << 2) | (1ULL << 6) | (3ULL << 8) | \
		(1ULL << 10))
#define CD0(asid) (25 | (1ULL << 31) | (5ULL << 32) | (1ULL << 41) | \
		   (uint64_t)(asid) << 48)
#define STE_S1(cd) (1ULL | (5ULL << 1) | (IPA + (cd)))

/* SMMUv3 command opcodes */
#define OP_PREFETCH_CFG 0x01
#define OP_CFGI_STE 0x03
#define OP_CFGI_ALL 0x04
#define OP_CFGI_CD 0x05
#define OP_CFGI_CD_ALL 0x06
#define OP_NH_ALL 0x10
#define OP_NH_ASID 0x11
#define OP_NH_VA 0x12
#define OP_NH_VAA 0x13
#define OP_EL2_ALL 0x20
#define OP_S12_VMALL 0x28
#define OP_S2_IPA 0x2a
#define OP_NSNH_ALL 0x30
#define OP_ATC_INV 0x40
#define OP_SYNC 0x46
/* a VMID the guest may write: always replaced by the vIOMMU's */
#define GUEST_VMID (0x7777ULL << 32)

struct cmd {
	uint64_t c[2];
};

static struct cmd tlbi(uint64_t op, uint16_t asid, uint64_t addr)
{
	return (struct cmd){ { htole64(op | GUEST_VMID | (uint64_t)asid << 48),
			       htole64(addr) } };
}

static struct cmd cfgi(uint64_t op, uint32_t sid)
{
	return (struct cmd){ { htole64(op | (uint64_t)sid << 32), 0 } };
}

FIXTURE(viommu)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev[5], parent;
	uint64_t *gm;
};

#define CAPS_ALL (UIOMMU_IOMMU_CAP_NESTING | UIOMMU_IOMMU_CAP_DIRTY | \
		  UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |                \
		  UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)
#define CAPS_MIN (UIOMMU_IOMMU_CAP_MSI_ISOLATED | UIOMMU_IOMMU_CAP_COHERENT)

static void mmu_add(struct uiommu_platform_desc *p, uint32_t model,
		    uint32_t caps)
{
	struct uiommu_iommu_desc *m = &p->iommus[p->niommus];

	snprintf(m->name, sizeof(m->name), "m%u", p->niommus);
	p->niommus++;
	m->model = model;
	m->caps = caps;
	m->address_bits = 48;
	m->granule = 4096;
}

static void dev_add(struct uiommu_platform_desc *p, uint32_t iommu,
		    uint32_t rid)
{
	struct uiommu_device_desc *d = &p->devices[p->ndevices];

	snprintf(d->name, sizeof(d->name), "d%u", p->ndevices);
	p->ndevices++;
	d->iommu = iommu;
	d->rid = rid;
	d->group = p->ndevices;
}

static uint64_t *gpage(struct t_fixture_viommu *self, unsigned pg)
{
	return self->gm + pg * (PG / 8);
}

static uint64_t gaddr(struct t_fixture_viommu *self, unsigned pg)
{
	return (uint64_t)(uintptr_t)gpage(self, pg);
}

/* Stage-1 table at pages @t..@t+2 mapping GVA -> data page @pg. */
static void s1_table(struct t_fixture_viommu *self, unsigned t, unsigned pg)
{
	gpage(self, t)[(GVA >> 30) & 511] = (IPA + (t + 1) * PG) | A_TABLE;
	gpage(self, t + 1)[(GVA >> 21) & 511] = (IPA + (t + 2) * PG) | A_TABLE;
	gpage(self, t + 2)[(GVA >> 12) & 511] = (IPA + pg * PG) | A_PAGE;
}

/* The guest's PTE for GVA + @n pages in table @t. */
static uint64_t *s1_pte(struct t_fixture_viommu *self, unsigned t, unsigned n)
{
	return &gpage(self, t + 2)[((GVA >> 12) + n) & 511];
}

static void set_cd(struct t_fixture_viommu *self, unsigned off, uint64_t cd0,
		   unsigned table)
{
	uint64_t *cd = gpage(self, 0) + off / 8;

	cd[0] = cd0;
	cd[1] = IPA + table * PG;
}

FIXTURE_SETUP(viommu)
{
	struct uiommu_platform_desc *p = &self->desc;
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};

	memset(p, 0, sizeof(*p));
	mmu_add(p, UIOMMU_IOMMU_SMMUV3, CAPS_ALL);
	mmu_add(p, UIOMMU_IOMMU_SMMUV3, CAPS_ALL);
	mmu_add(p, UIOMMU_IOMMU_SMMUV3, CAPS_MIN);
	mmu_add(p, UIOMMU_IOMMU_VTD, CAPS_ALL);
	dev_add(p, 0, 0x100);
	dev_add(p, 0, 0x101);
	dev_add(p, 1, 0x100);
	dev_add(p, 2, 0x100);
	dev_add(p, 3, 0x10);
	ASSERT_OK(uiommu_platform_create(p, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	for (uint32_t i = 0; i < 5; i++)
		ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, i,
					     &self->dev[i]));
	self->gm = t_buf(GPG * PG);
	ASSERT_NONNULL(self->gm);
	for (unsigned pg = 8; pg < GPG; pg++)
		memset(gpage(self, pg), (int)pg, PG);
	s1_table(self, 1, 8);
	*s1_pte(self, 1, 1) = (IPA + 9 * PG) | A_PAGE;
	s1_table(self, 4, 11);
	set_cd(self, CD_A, CD0(ASID_A), 1);
	set_cd(self, CD_B, CD0(ASID_B), 4);
	t_map_fixed(self->ctx, self->ioas, self->gm, GPG * PG, IPA);
	cmd.dev_id = self->dev[0];
	cmd.pt_id = self->ioas;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_HWPT_ALLOC, &cmd));
	self->parent = cmd.out_hwpt_id;
}

FIXTURE_TEARDOWN(viommu)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
	if (self->gm)
		munmap(self->gm, GPG * PG);
}

/* ---- helpers: each returns the ioctl's result (0 or -errno) ---- */

static uint32_t nobj(struct t_fixture_viommu *self)
{
	return self->ctx->objs.count;
}

static int _viommu_alloc(struct t_fixture_viommu *self, uint32_t flags,
			 uint32_t type, uint32_t dev, uint32_t hwpt,
			 uint32_t *out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .type = type,
		.dev_id = dev, .hwpt_id = hwpt,
	};
	int rc = uiommu_ioctl(self->ctx, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_viommu_id;
	return rc;
}

static int _vdev_alloc(struct t_fixture_viommu *self, uint32_t viommu,
		       uint32_t dev, uint64_t virt_id, uint32_t *out)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd), .viommu_id = viommu, .dev_id = dev,
		.virt_id = virt_id,
	};
	int rc = uiommu_ioctl(self->ctx, IOMMU_VDEVICE_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_vdevice_id;
	return rc;
}

static int _hwpt_alloc(struct t_fixture_viommu *self, uint32_t flags,
		       uint32_t dev, uint32_t pt, uint32_t type,
		       const void *data, uint32_t len, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = uiommu_ioctl(self->ctx, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hwpt_id;
	return rc;
}

/* A nested HWPT through @pt (a vIOMMU or nest parent) from an STE. */
static int _ste_alloc(struct t_fixture_viommu *self, uint32_t dev,
		      uint32_t pt, uint64_t ste0, uint32_t *out)
{
	struct iommu_hwpt_arm_smmuv3 ste = { { htole64(ste0), 0 } };

	return _hwpt_alloc(self, 0, dev, pt, IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
			   sizeof(ste), out);
}

static int _inv(struct t_fixture_viommu *self, uint32_t id, uint32_t type,
		const void *e, uint32_t len, uint32_t n, uint32_t *done)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = id, .data_uptr = (uintptr_t)e,
		.data_type = type, .entry_len = len, .entry_num = n,
	};
	int rc = uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE, &cmd);

	*done = cmd.entry_num;
	return rc;
}

/* Run @n SMMUv3 commands on vIOMMU @v; *@done = commands run. */
static int _cmds(struct t_fixture_viommu *self, uint32_t v,
		 const struct cmd *c, uint32_t n, uint32_t *done)
{
	return _inv(self, v, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, c,
		    sizeof(*c), n, done);
}

#define t_cmds(v, ...)                                                     \
	do {                                                               \
		const struct cmd c_[] = { __VA_ARGS__ };                   \
		uint32_t n_ = sizeof(c_) / sizeof(c_[0]), d_;              \
		ASSERT_OK(_cmds(self, v, c_, n_, &d_));                    \
		ASSERT_EQ(d_, n_);                                         \
	} while (0)

static int attach(struct t_fixture_viommu *self, uint32_t dev, uint32_t pt)
{
	return uiommu_device_attach(self->ctx, self->dev[dev],
				    UIOMMU_PASID_NONE, &pt);
}

/* Where the device's read of @iova lands (0: it faults). */
static uint64_t hva_of(struct t_fixture_viommu *self, uint32_t dev,
		       uint64_t iova)
{
	struct plat_dev *pd = &self->plat->devs[dev];
	struct drv_xlate x;
	struct drv_fault f;

	if (pd->iommu->ops->translate(pd->iommu, pd->desc, UIOMMU_NO_PASID,
				      iova, DRV_ACCESS_READ, &x, &f))
		return 0;
	return x.hva;
}

/* vIOMMU on m0 with d0 (vSID 5) and d1 (vSID 9); d0 on CD A, d1 on CD B. */
static uint32_t setup_guest(struct t_fixture_viommu *self, uint32_t *nest)
{
	uint32_t v, vd, a, b;

	ASSERT_OK(_viommu_alloc(self, 0, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				self->dev[0], self->parent, &v));
	ASSERT_OK(_vdev_alloc(self, v, self->dev[0], VSID0, &vd));
	ASSERT_OK(_vdev_alloc(self, v, self->dev[1], VSID1, &vd));
	ASSERT_OK(_ste_alloc(self, self->dev[0], v, STE_S1(CD_A), &a));
	ASSERT_OK(_ste_alloc(self, self->dev[1], v, STE_S1(CD_B), &b));
	ASSERT_OK(attach(self, 0, a));
	ASSERT_OK(attach(self, 1, b));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	ASSERT_EQ(hva_of(self, 0, GVA + PG), gaddr(self, 9));
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 11));
	if (nest)
		*nest = a;
	return v;
}

/* ---- R82: VIOMMU_ALLOC -------------------------------------------------- */

#define T_SMMU IOMMU_VIOMMU_TYPE_ARM_SMMUV3

/* Each call fails with @err and leaves the object table as it was. */
#define t_err_unchanged(err, call)                                         \
	do {                                                               \
		uint32_t n_ = nobj(self);                                  \
		ASSERT_ERRNO(err, call);                                   \
		ASSERT_EQ(nobj(self), n_);                                 \
	} while (0)

TEST_F(viommu, r82_alloc_errors)
{
	uint32_t plain, p1, p2, nest, v, id;
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .type = T_SMMU,
		.dev_id = self->dev[0], .hwpt_id = self->parent,
		.__reserved = 1,
	};

	/* flags, DEFAULT type, a type this IOMMU does not implement. */
	t_err_unchanged(EOPNOTSUPP, _viommu_alloc(self, 1, T_SMMU,
						  self->dev[0], self->parent,
						  &id));
	t_err_unchanged(EOPNOTSUPP,
			_viommu_alloc(self, 0, IOMMU_VIOMMU_TYPE_DEFAULT,
				      self->dev[0], self->parent, &id));
	t_err_unchanged(EOPNOTSUPP,
			_viommu_alloc(self, 0,
				      IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
				      self->dev[0], self->parent, &id));
	t_err_unchanged(EOPNOTSUPP, _viommu_alloc(self, 0, 99, self->dev[0],
						  self->parent, &id));
	/* R3: __reserved. */
	t_err_unchanged(EOPNOTSUPP,
			uiommu_ioctl(self->ctx, IOMMU_VIOMMU_ALLOC, &cmd));
	/* The device: unknown; VT-d (no vIOMMU); SMMUv3 without nesting. */
	t_err_unchanged(ENOENT, _viommu_alloc(self, 0, T_SMMU, 777,
					      self->parent, &id));
	t_err_unchanged(ENOENT, _viommu_alloc(self, 0, T_SMMU, self->ioas,
					      self->parent, &id));
	t_err_unchanged(EOPNOTSUPP, _viommu_alloc(self, 0, T_SMMU,
						  self->dev[4], self->parent,
						  &id));
	t_err_unchanged(EOPNOTSUPP, _viommu_alloc(self, 0, T_SMMU,
						  self->dev[3], self->parent,
						  &id));
	/* The HWPT: unknown, an IOAS, a nested HWPT (not paging: ENOENT);
	 * paging without NEST_PARENT (EINVAL). */
	ASSERT_OK(_hwpt_alloc(self, 0, self->dev[0], self->ioas, 0, NULL, 0,
			      &plain));
	ASSERT_OK(_ste_alloc(self, self->dev[0], self->parent, STE_S1(CD_A),
			     &nest));
	t_err_unchanged(ENOENT, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      777, &id));
	t_err_unchanged(ENOENT, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      self->ioas, &id));
	t_err_unchanged(ENOENT, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      nest, &id));
	t_err_unchanged(EINVAL, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      plain, &id));
	/* A nest parent of another SMMU (m1), or of another driver (VT-d). */
	ASSERT_OK(_hwpt_alloc(self, IOMMU_HWPT_ALLOC_NEST_PARENT,
			      self->dev[2], self->ioas, 0, NULL, 0, &p1));
	ASSERT_OK(_hwpt_alloc(self, IOMMU_HWPT_ALLOC_NEST_PARENT,
			      self->dev[4], self->ioas, 0, NULL, 0, &p2));
	t_err_unchanged(EINVAL, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      p1, &id));
	t_err_unchanged(EINVAL, _viommu_alloc(self, 0, T_SMMU, self->dev[0],
					      p2, &id));
	/* Success on m1 with m1's parent, and on m0. */
	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[2], p1, &id));
	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[0], self->parent,
				&v));
	ASSERT_NE(v, 0u);
	/* The vIOMMU holds its parent; a second vIOMMU may share it. */
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, self->parent));
	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[1], self->parent,
				&id));
	ASSERT_OK(_t_destroy(self->ctx, id));
	ASSERT_OK(_t_destroy(self->ctx, v));
	ASSERT_ERRNO(ENOENT, _t_destroy(self->ctx, v));
	ASSERT_OK(_t_destroy(self->ctx, nest));
	ASSERT_OK(_t_destroy(self->ctx, self->parent));
}

/* ---- R83: VDEVICE_ALLOC ------------------------------------------------- */

TEST_F(viommu, r83_vdevice_errors)
{
	uint32_t v, v1, vd0, vd1, id;
	struct device *dev;

	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[0], self->parent,
				&v));
	/* Unknown vIOMMU (or another object type), unknown device. */
	t_err_unchanged(ENOENT, _vdev_alloc(self, 777, self->dev[0], 1, &id));
	t_err_unchanged(ENOENT, _vdev_alloc(self, self->parent, self->dev[0],
					    1, &id));
	t_err_unchanged(ENOENT, _vdev_alloc(self, v, 777, 1, &id));
	t_err_unchanged(ENOENT, _vdev_alloc(self, v, v, 1, &id));
	/* A device behind another physical IOMMU: m1, m2, VT-d. */
	t_err_unchanged(EINVAL, _vdev_alloc(self, v, self->dev[2], 1, &id));
	t_err_unchanged(EINVAL, _vdev_alloc(self, v, self->dev[3], 1, &id));
	t_err_unchanged(EINVAL, _vdev_alloc(self, v, self->dev[4], 1, &id));
	/* A device being unbound (the flag unbind sets; under the context
	 * lock no caller can see it, so it is set by hand here). */
	dev = device_get(self->ctx, self->dev[0]);
	dev->destroying = true;
	t_err_unchanged(ENOENT, _vdev_alloc(self, v, self->dev[0], 1, &id));
	dev->destroying = false;
	/* virt_id is 64 bits on LP64 (ULONG_MAX = UINT64_MAX). */
	ASSERT_OK(_vdev_alloc(self, v, self->dev[0], UINT64_MAX, &vd0));
	/* One vDEVICE per device; one device per virt_id. */
	t_err_unchanged(EEXIST, _vdev_alloc(self, v, self->dev[0], 2, &id));
	t_err_unchanged(EEXIST, _vdev_alloc(self, v, self->dev[1], UINT64_MAX,
					    &id));
	/* Per vIOMMU: another vIOMMU may reuse the virt_id, but d0 keeps one
	 * vDEVICE in all. */
	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[1], self->parent,
				&v1));
	t_err_unchanged(EEXIST, _vdev_alloc(self, v1, self->dev[0], 3, &id));
	ASSERT_OK(_vdev_alloc(self, v1, self->dev[1], UINT64_MAX, &vd1));
	/* References: the vIOMMU and the device are held. */
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, v));
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, self->dev[0]));
	ASSERT_OK(_t_destroy(self->ctx, vd0));
	ASSERT_OK(_vdev_alloc(self, v, self->dev[0], 0, &vd0));
	ASSERT_OK(_t_destroy(self->ctx, vd0));
	ASSERT_OK(_t_destroy(self->ctx, v));
	/* Unbinding a device destroys its vDEVICE; the id stays unusable
	 * (Linux leaves a tombstone), and the vIOMMU is free again. */
	ASSERT_OK(uiommu_device_unbind(self->ctx, self->dev[1]));
	ASSERT_ERRNO(ENOENT, _t_destroy(self->ctx, vd1));
	ASSERT_OK(_t_destroy(self->ctx, v1));
	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, 1, &self->dev[1]));
}

/* ---- R36: nested HWPTs through a vIOMMU --------------------------------- */

TEST_F(viommu, r36_nested_alloc)
{
	struct iommu_hwpt_arm_smmuv3 ste = { { htole64(STE_S1(CD_A)), 0 } };
	uint64_t big[3] = { htole64(STE_S1(CD_A)), 0, 1 };
	uint32_t v, nest, old, id;

	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[0], self->parent,
				&v));
	/* R36: the device must sit behind the vIOMMU's SMMU. */
	t_err_unchanged(EINVAL, _ste_alloc(self, self->dev[2], v,
					   STE_S1(CD_A), &id));
	t_err_unchanged(EINVAL, _ste_alloc(self, self->dev[3], v,
					   STE_S1(CD_A), &id));
	t_err_unchanged(EINVAL, _ste_alloc(self, self->dev[4], v,
					   STE_S1(CD_A), &id));
	/* Flags other than FAULT_ID_VALID; no data. */
	t_err_unchanged(EOPNOTSUPP,
			_hwpt_alloc(self, IOMMU_HWPT_ALLOC_PASID, self->dev[0],
				    v, IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
				    sizeof(ste), &id));
	t_err_unchanged(EOPNOTSUPP,
			_hwpt_alloc(self, IOMMU_HWPT_ALLOC_NEST_PARENT,
				    self->dev[0], v,
				    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
				    sizeof(ste), &id));
	t_err_unchanged(EOPNOTSUPP, _hwpt_alloc(self, 0, self->dev[0], v, 0,
						NULL, 0, &id));
	t_err_unchanged(EINVAL, _hwpt_alloc(self, 0, self->dev[0], v,
					    IOMMU_HWPT_DATA_ARM_SMMUV3, NULL,
					    0, &id));
	/* The data: another type EINVAL (Linux's copy rule), short EINVAL,
	 * non-zero tail E2BIG, an STE field outside the set EIO. */
	t_err_unchanged(EINVAL, _hwpt_alloc(self, 0, self->dev[0], v,
					    IOMMU_HWPT_DATA_VTD_S1, &ste,
					    sizeof(ste), &id));
	t_err_unchanged(EINVAL, _hwpt_alloc(self, 0, self->dev[0], v,
					    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
					    8, &id));
	t_err_unchanged(E2BIG, _hwpt_alloc(self, 0, self->dev[0], v,
					   IOMMU_HWPT_DATA_ARM_SMMUV3, big,
					   sizeof(big), &id));
	t_err_unchanged(EIO, _ste_alloc(self, self->dev[0], v,
					STE_S1(CD_A) | (1ULL << 55), &id));
	/* No fault objects exist: FAULT_ID_VALID names nothing. */
	t_err_unchanged(ENOENT,
			_hwpt_alloc(self, IOMMU_HWPT_FAULT_ID_VALID,
				    self->dev[0], v,
				    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
				    sizeof(ste), &id));
	/* Success (d1 is on m0 too), and the old way still works. */
	ASSERT_OK(_ste_alloc(self, self->dev[1], v, STE_S1(CD_A), &nest));
	ASSERT_OK(_ste_alloc(self, self->dev[0], self->parent, STE_S1(CD_A),
			     &old));
	/* The nested HWPT holds the vIOMMU; the vIOMMU its parent. */
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, v));
	/* It attaches on the vIOMMU's SMMU only, and (stage-1 translate)
	 * only with a vDEVICE for the device; abort/bypass need none. */
	ASSERT_ERRNO(EINVAL, attach(self, 2, nest));
	ASSERT_ERRNO(ENOENT, attach(self, 0, nest));
	ASSERT_OK(_ste_alloc(self, self->dev[0], v, 1ULL | (4ULL << 1), &id));
	ASSERT_OK(attach(self, 0, id));
	ASSERT_EQ(hva_of(self, 0, IPA + 8 * PG), gaddr(self, 8));
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_OK(_t_destroy(self->ctx, id));
	ASSERT_OK(_vdev_alloc(self, v, self->dev[0], VSID0, &id));
	ASSERT_OK(attach(self, 0, nest));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	ASSERT_OK(attach(self, 1, old));
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 8));
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, nest));
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev[0],
				       UIOMMU_PASID_NONE));
	ASSERT_OK(_t_destroy(self->ctx, nest));
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, v));
	ASSERT_OK(_t_destroy(self->ctx, id));
	ASSERT_OK(_t_destroy(self->ctx, v));
	t_err_unchanged(EBUSY, _t_destroy(self->ctx, self->parent));
}

/* ---- R42 and the command set ---------------------------------------------- */

/*
 * TLBI_NH_VA through the vIOMMU reaches the engine: until it arrives the
 * device keeps the cached old translation; one for another ASID or
 * another address leaves it; the guest's VMID field does not matter.
 */
TEST_F(viommu, tlbi_nh_va_reaches_the_engine)
{
	uint32_t v = setup_guest(self, NULL);

	*s1_pte(self, 1, 0) = (IPA + 10 * PG) | A_PAGE;
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8)); /* cached */
	t_cmds(v, tlbi(OP_NH_VA, ASID_B, GVA), tlbi(OP_NH_VA, ASID_A,
							 GVA + 2 * PG));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	t_cmds(v, tlbi(OP_NH_VA, ASID_A, GVA));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 10));
	/* Unmapping in the guest: the device faults after the TLBI only. */
	*s1_pte(self, 1, 0) = 0;
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 10));
	t_cmds(v, tlbi(OP_NH_VA, ASID_A, GVA));
	ASSERT_EQ(hva_of(self, 0, GVA), 0u);
	/* The other device's ASID was never touched. */
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 11));
}

/* A range TLBI: TG = 4K, (NUM + 1) * 2^SCALE pages (SMMUv3 4.4.1.1). */
static struct cmd tlbi_range(uint64_t op, uint16_t asid, uint64_t addr,
			     unsigned num, unsigned scale)
{
	return tlbi(op | (uint64_t)num << 12 | (uint64_t)scale << 20, asid,
		    addr | 1ULL << 10);
}

/* Every TLBI form: NH_VAA, NH_ASID, NH_ALL, NSNH_ALL, a range NH_VA. */
TEST_F(viommu, tlbi_forms)
{
	uint32_t v = setup_guest(self, NULL);
	/* (1 + 1) * 2^1 = 4 pages from GVA. */
	struct cmd range = tlbi_range(OP_NH_VA, ASID_A, GVA, 1, 1);
	const struct {
		struct cmd c;
		bool b_too;	/* also drops d1's (ASID B) entries */
	} forms[] = {
		{ tlbi(OP_NH_VAA, 0, GVA), true },
		{ tlbi(OP_NH_ASID, ASID_A, 0), false },
		{ tlbi(OP_NH_ALL, 0, 0), true },
		{ tlbi(OP_NSNH_ALL, 0, 0), true },
		{ range, false },
	};
	unsigned pg = 8;

	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		unsigned next = pg == 8 ? 10 : 8;

		*s1_pte(self, 1, 0) = (IPA + next * PG) | A_PAGE;
		*s1_pte(self, 4, 0) = (IPA + (next + 4) * PG) | A_PAGE;
		ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, pg));
		t_cmds(v, forms[i].c);
		ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, next));
		if (forms[i].b_too)
			ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, next + 4));
		else
			ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, pg + 3));
		/* Resynchronise d1 with its table for the next round. */
		t_cmds(v, tlbi(OP_NH_ASID, ASID_B, 0));
		ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, next + 4));
		*s1_pte(self, 4, 0) = (IPA + (next + 3) * PG) | A_PAGE;
		t_cmds(v, tlbi(OP_NH_ASID, ASID_B, 0));
		ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, next + 3));
		pg = next;
	}
	/* The range covered GVA + 3 pages but not GVA + 4. */
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 12 * PG) | A_PAGE;
	gpage(self, 3)[((GVA >> 12) + 4) & 511] = (IPA + 13 * PG) | A_PAGE;
	ASSERT_EQ(hva_of(self, 0, GVA + 3 * PG), gaddr(self, 12));
	ASSERT_EQ(hva_of(self, 0, GVA + 4 * PG), gaddr(self, 13));
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 14 * PG) | A_PAGE;
	gpage(self, 3)[((GVA >> 12) + 4) & 511] = (IPA + 14 * PG) | A_PAGE;
	t_cmds(v, range);
	ASSERT_EQ(hva_of(self, 0, GVA + 3 * PG), gaddr(self, 14));
	ASSERT_EQ(hva_of(self, 0, GVA + 4 * PG), gaddr(self, 13));
	/* NUM = 0, SCALE = 0: exactly one page (+3 stays cached). */
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 15 * PG) | A_PAGE;
	gpage(self, 3)[((GVA >> 12) + 4) & 511] = (IPA + 15 * PG) | A_PAGE;
	t_cmds(v, tlbi_range(OP_NH_VAA, 0, GVA + 4 * PG, 0, 0));
	ASSERT_EQ(hva_of(self, 0, GVA + 3 * PG), gaddr(self, 14));
	ASSERT_EQ(hva_of(self, 0, GVA + 4 * PG), gaddr(self, 15));
	/* SCALE = 9: 512 pages (2 MiB) from GVA; SCALE = 31, NUM = 31: 2^48
	 * bytes from 0.  Both valid commands, both take effect. */
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 12 * PG) | A_PAGE;
	t_cmds(v, tlbi_range(OP_NH_VA, ASID_A, GVA, 0, 9));
	ASSERT_EQ(hva_of(self, 0, GVA + 3 * PG), gaddr(self, 12));
	gpage(self, 3)[((GVA >> 12) + 3) & 511] = (IPA + 13 * PG) | A_PAGE;
	t_cmds(v, tlbi_range(OP_NH_VA, ASID_A, 0, 31, 31));
	ASSERT_EQ(hva_of(self, 0, GVA + 3 * PG), gaddr(self, 13));
}

/* CFGI_CD makes a changed CD count; CD.V = 0 aborts; CD_ALL restores. */
TEST_F(viommu, cfgi_cd)
{
	uint32_t v = setup_guest(self, NULL);

	/* The guest moves d0 to table B under a new ASID. */
	set_cd(self, CD_A, CD0(0x77), 4);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8)); /* old CD */
	t_cmds(v, cfgi(OP_CFGI_CD, VSID0));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 11));
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 11));
	/* An invalid CD: the stream aborts (the command completes). */
	set_cd(self, CD_A, CD0(0x77) & ~(1ULL << 31), 4);
	t_cmds(v, cfgi(OP_CFGI_CD, VSID0));
	ASSERT_EQ(hva_of(self, 0, GVA), 0u);
	/* Back to table A: CFGI_CD_ALL; the cached ASID A entries, still
	 * valid for the unchanged table A, may be used again. */
	set_cd(self, CD_A, CD0(ASID_A), 1);
	t_cmds(v, cfgi(OP_CFGI_CD_ALL, VSID0));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	ASSERT_EQ(hva_of(self, 0, GVA + PG), gaddr(self, 9));
}

/* vSIDs name devices through the vDEVICEs, per vIOMMU. */
TEST_F(viommu, vsid_translation)
{
	uint32_t v = setup_guest(self, NULL), done, vd;
	struct cmd c[2];

	set_cd(self, CD_A, CD0(0x70), 4);
	set_cd(self, CD_B, CD0(0x71), 1);
	/* vSID 9 is d1 (SID 0x101): only d1 re-reads its CD. */
	t_cmds(v, cfgi(OP_CFGI_CD, VSID1));
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 8));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	/* A vSID with no vDEVICE, or the physical SID itself: EIO. */
	c[0] = cfgi(OP_CFGI_CD, 0x100);
	ASSERT_ERRNO(EIO, _cmds(self, v, c, 1, &done));
	ASSERT_EQ(done, 0u);
	c[0] = cfgi(OP_ATC_INV, VSID0);
	c[1] = cfgi(OP_ATC_INV, 6);
	ASSERT_ERRNO(EIO, _cmds(self, v, c, 2, &done));
	ASSERT_EQ(done, 1u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	t_cmds(v, cfgi(OP_CFGI_CD_ALL, VSID0));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 11));
	/* A vSID follows its vDEVICE: gone, then given to d0 anew. */
	vd = device_get(self->ctx, self->dev[0])->vdev->obj.id;
	ASSERT_OK(_t_destroy(self->ctx, vd));
	c[0] = cfgi(OP_CFGI_CD, VSID0);
	ASSERT_ERRNO(EIO, _cmds(self, v, c, 1, &done));
	ASSERT_OK(_vdev_alloc(self, v, self->dev[0], 33, &vd));
	set_cd(self, CD_A, CD0(ASID_A), 1);
	t_cmds(v, cfgi(OP_CFGI_CD, 33));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
}

/*
 * entry_num on failure is the number of commands run, and they did run;
 * every command outside the set is EIO; entry sizes follow Linux's copy
 * (shorter zero-extended, longer with a non-zero tail E2BIG, nothing run).
 */
TEST_F(viommu, partial_failure_entry_num)
{
	static const uint64_t bad[] = {
		OP_PREFETCH_CFG, OP_CFGI_STE, OP_CFGI_ALL, OP_EL2_ALL,
		OP_S12_VMALL, OP_S2_IPA, OP_SYNC, 0, 0xff,
	};
	uint32_t v = setup_guest(self, NULL), done;
	struct cmd c[3];
	uint64_t wide[3][3];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c[0] = tlbi(bad[i], ASID_A, GVA);
		ASSERT_ERRNO(EIO, _cmds(self, v, c, 1, &done));
		ASSERT_EQ(done, 0u);
	}
	/* Two good commands, then CFGI_STE: 2 run, and their effect shows. */
	*s1_pte(self, 1, 0) = (IPA + 10 * PG) | A_PAGE;
	*s1_pte(self, 4, 0) = (IPA + 12 * PG) | A_PAGE;
	c[0] = tlbi(OP_NH_VA, ASID_A, GVA);
	c[1] = tlbi(OP_NH_ASID, ASID_B, 0);
	c[2] = cfgi(OP_CFGI_STE, VSID0);
	ASSERT_ERRNO(EIO, _cmds(self, v, c, 3, &done));
	ASSERT_EQ(done, 2u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 10));
	ASSERT_EQ(hva_of(self, 1, GVA), gaddr(self, 12));
	/* A 24-byte entry with a non-zero tail in the second: E2BIG, and
	 * the first did not run either. */
	*s1_pte(self, 1, 0) = (IPA + 13 * PG) | A_PAGE;
	memset(wide, 0, sizeof(wide));
	wide[0][0] = htole64(OP_NH_VA | (uint64_t)ASID_A << 48);
	wide[0][1] = htole64(GVA);
	wide[1][0] = htole64(OP_NH_ALL);
	wide[1][2] = 1;
	ASSERT_ERRNO(E2BIG, _inv(self, v,
				 IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				 wide, 24, 2, &done));
	ASSERT_EQ(done, 0u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 10));
	wide[1][2] = 0;
	ASSERT_OK(_inv(self, v, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, wide,
		       24, 2, &done));
	ASSERT_EQ(done, 2u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 13));
	/* 8-byte entries: cmd[1] = 0 (NH_ALL needs no more). */
	*s1_pte(self, 1, 0) = (IPA + 8 * PG) | A_PAGE;
	wide[0][0] = htole64(OP_NH_ALL);
	ASSERT_OK(_inv(self, v, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, wide,
		       8, 1, &done));
	ASSERT_EQ(done, 1u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
}

/* R40-R42 on a vIOMMU: data types, the probe, pointers, other targets. */
TEST_F(viommu, r42_invalidate_targets)
{
	uint32_t nest, v = setup_guest(self, &nest), done;
	struct cmd c = tlbi(OP_NH_ALL, 0, 0);

	/* A data type the vIOMMU does not take: EINVAL, even as a probe. */
	ASSERT_ERRNO(EINVAL, _inv(self, v, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
				  &c, sizeof(c), 1, &done));
	ASSERT_EQ(done, 0u);
	ASSERT_ERRNO(EINVAL, _inv(self, v, 7, NULL, 0, 0, &done));
	/* The probe: no entries, the right type. */
	ASSERT_OK(_inv(self, v, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, NULL,
		       0, 0, &done));
	ASSERT_EQ(done, 0u);
	/* Entries without a pointer or a length. */
	ASSERT_ERRNO(EINVAL, _cmds(self, v, NULL, 1, &done));
	ASSERT_ERRNO(EINVAL, _inv(self, v,
				  IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, &c,
				  0, 1, &done));
	/* SMMUv3 nested HWPTs take no invalidation: the vIOMMU does. */
	ASSERT_ERRNO(EOPNOTSUPP, _cmds(self, nest, &c, 1, &done));
	ASSERT_EQ(done, 0u);
	ASSERT_ERRNO(EINVAL, _cmds(self, self->parent, &c, 1, &done));
	ASSERT_ERRNO(ENOENT, _cmds(self, 777, &c, 1, &done));
}

/* The C API: the same objects and commands without the ioctl layer. */
TEST_F(viommu, c_api)
{
	struct iommu_hwpt_arm_smmuv3 ste = { { htole64(STE_S1(CD_A)), 0 } };
	struct cmd c = tlbi(OP_NH_VA, ASID_A, GVA);
	uint32_t v, vd, nest, n;

	ASSERT_ERRNO(EOPNOTSUPP,
		     uiommu_viommu_alloc(self->ctx, 0,
					 UIOMMU_VIOMMU_TYPE_DEFAULT,
					 self->dev[0], self->parent, &v));
	ASSERT_ERRNO(EINVAL, uiommu_viommu_alloc(self->ctx, 0, T_SMMU,
						 self->dev[0], self->parent,
						 NULL));
	ASSERT_OK(uiommu_viommu_alloc(self->ctx, 0,
				      UIOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				      self->dev[0], self->parent, &v));
	ASSERT_ERRNO(EINVAL, uiommu_vdevice_alloc(self->ctx, v, self->dev[2],
						  1, &vd));
	ASSERT_OK(uiommu_vdevice_alloc(self->ctx, v, self->dev[0], VSID0,
				       &vd));
	ASSERT_ERRNO(EINVAL, uiommu_hwpt_alloc(self->ctx, 0, self->dev[2], v,
					       UIOMMU_HWPT_DATA_ARM_SMMUV3,
					       &ste, sizeof(ste), &nest));
	ASSERT_OK(uiommu_hwpt_alloc(self->ctx, 0, self->dev[0], v,
				    UIOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
				    sizeof(ste), &nest));
	ASSERT_OK(attach(self, 0, nest));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
	*s1_pte(self, 1, 0) = (IPA + 15 * PG) | A_PAGE;
	n = 1;
	ASSERT_ERRNO(EINVAL, uiommu_hwpt_invalidate(self->ctx, v,
						    UIOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
						    NULL, sizeof(c), &n));
	ASSERT_EQ(n, 0u);
	n = 1;
	ASSERT_OK(uiommu_hwpt_invalidate(self->ctx, v,
					 UIOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
					 &c, sizeof(c), &n));
	ASSERT_EQ(n, 1u);
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 15));
	ASSERT_ERRNO(EBUSY, uiommu_obj_destroy(self->ctx, v));
}

/* Context teardown with everything alive: leaves first, nothing leaks
 * (a leaked reference asserts in obj_table_teardown). */
TEST_F(viommu, teardown_any_order)
{
	uint32_t v = setup_guest(self, NULL), p1, v1, vd;

	ASSERT_OK(_hwpt_alloc(self, IOMMU_HWPT_ALLOC_NEST_PARENT,
			      self->dev[2], self->ioas, 0, NULL, 0, &p1));
	ASSERT_OK(_viommu_alloc(self, 0, T_SMMU, self->dev[2], p1, &v1));
	ASSERT_OK(_vdev_alloc(self, v1, self->dev[2], VSID0, &vd));
	ASSERT_NE(v, v1);
	uiommu_ctx_destroy(self->ctx);
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
}

/*
 * Every fallible point of the three creating calls, forced to fail in
 * turn: -ENOMEM, and the object table exactly as before (no id leaked);
 * then the call succeeds once no injected failure is reached.
 */
enum { FN_VIOMMU, FN_VDEVICE, FN_NESTED };

static int fn_call(struct t_fixture_viommu *self, int which, uint32_t v,
		   uint32_t *out)
{
	switch (which) {
	case FN_VIOMMU:
		return _viommu_alloc(self, 0, T_SMMU, self->dev[0],
				     self->parent, out);
	case FN_VDEVICE:
		return _vdev_alloc(self, v, self->dev[0], VSID0, out);
	default:
		return _ste_alloc(self, self->dev[0], v, STE_S1(CD_A), out);
	}
}

TEST_F(viommu, fail_nth_changes_nothing)
{
	uint32_t v = 0, id;

	for (int which = FN_VIOMMU; which <= FN_NESTED; which++) {
		unsigned long n;
		int rc;

		for (n = 1;; n++) {
			uint32_t before = nobj(self);

			ut_fail_nth = n;
			rc = fn_call(self, which, v, &id);
			if (ut_fail_nth) {
				ut_fail_nth = 0;
				break;
			}
			ASSERT_ERRNO(ENOMEM, rc);
			ASSERT_EQ(nobj(self), before);
		}
		ASSERT_OK(rc);
		ASSERT_GT(n, 1ul);
		if (which == FN_VIOMMU)
			v = id;
	}
	ASSERT_OK(attach(self, 0, id));
	ASSERT_EQ(hva_of(self, 0, GVA), gaddr(self, 8));
}

/* R2 for the two new commands. */
TEST(viommu_abi, r2_cmd_length)
{
	struct uiommu_ctx *c;
	char buf[64];

	ASSERT_OK(uiommu_ctx_create(&c));
	/* VIOMMU_ALLOC: min is offsetofend(out_viommu_id) = 24. */
	memset(buf, 0, sizeof(buf));
	*(uint32_t *)buf = 23;
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(c, IOMMU_VIOMMU_ALLOC, buf));
	*(uint32_t *)buf = 24;
	((uint32_t *)buf)[2] = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	((uint32_t *)buf)[3] = 77;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(c, IOMMU_VIOMMU_ALLOC, buf));
	*(uint32_t *)buf = sizeof(struct iommu_viommu_alloc) + 1;
	buf[sizeof(struct iommu_viommu_alloc)] = 1;
	ASSERT_ERRNO(E2BIG, uiommu_ioctl(c, IOMMU_VIOMMU_ALLOC, buf));
	buf[sizeof(struct iommu_viommu_alloc)] = 0;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(c, IOMMU_VIOMMU_ALLOC, buf));
	/* VDEVICE_ALLOC: min is offsetofend(virt_id) = 24 = sizeof. */
	memset(buf, 0, sizeof(buf));
	*(uint32_t *)buf = 23;
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(c, IOMMU_VDEVICE_ALLOC, buf));
	*(uint32_t *)buf = 25;
	buf[24] = 1;
	ASSERT_ERRNO(E2BIG, uiommu_ioctl(c, IOMMU_VDEVICE_ALLOC, buf));
	buf[24] = 0;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(c, IOMMU_VDEVICE_ALLOC, buf));
	uiommu_ctx_destroy(c);
}
