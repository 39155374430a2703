// SPDX-License-Identifier: MIT
/*
 * The emulated DMA engine (src/dev/dmaengine.c) on the mock IOMMU driver:
 * the register map, transfers that go through the device's IOMMU (success,
 * not-present, permission, blocked, address wrap, no stale translation
 * after unmap, nothing written by a faulting transfer) and the completion
 * MSI (delivered to the eventfd only when the IOMMU routes the write to a
 * doorbell).  Devices are those of t_mockdrv.h's test platform: a0 (index
 * 0, VT-d mock) for DMA, s0 (index 5, SW_MSI window) for MSIs.
 */
#include "t_mockdrv.h"

#include "dev/dmaengine.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IDX_A0 0
#define IDX_S0 5
#define SRC_IOVA 0x100000ULL
#define DST_IOVA 0x200000ULL
#define NPG 4

FIXTURE(eng)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	struct dmaengine *e;
	uint32_t ioas, dev_id;
	unsigned char *src, *dst;
};

FIXTURE_SETUP(eng)
{
	test_platform(&self->desc);
	ASSERT_OK(platform_create_with(&self->desc, &mk_factory, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	self->src = t_buf(NPG * PG);
	self->dst = t_buf(NPG * PG);
	ASSERT_NONNULL(self->src);
	ASSERT_NONNULL(self->dst);
	for (unsigned i = 0; i < NPG * PG; i++)
		self->src[i] = (unsigned char)(i * 7 + 1);
}

FIXTURE_TEARDOWN(eng)
{
	dmaengine_destroy(self->e);
	uiommu_ctx_destroy(self->ctx);
	platform_destroy(self->plat);
	munmap(self->src, NPG * PG);
	munmap(self->dst, NPG * PG);
}

/* Bind device @idx, make its engine, and attach it to the IOAS if asked. */
static void setup_dev(struct t_fixture_eng *self, uint32_t idx, bool attach)
{
	uint32_t pt = self->ioas;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, idx,
				     &self->dev_id));
	ASSERT_OK(dmaengine_create(self->plat, idx, &self->e));
	if (attach)
		ASSERT_OK(uiommu_device_attach(self->ctx, self->dev_id,
					       UIOMMU_PASID_NONE, &pt));
}

static void map_bufs(struct t_fixture_eng *self)
{
	t_map_fixed(self->ctx, self->ioas, self->src, NPG * PG, SRC_IOVA);
	t_map_fixed(self->ctx, self->ioas, self->dst, NPG * PG, DST_IOVA);
}

static uint64_t rd(struct dmaengine *e, uint32_t off, uint32_t size)
{
	uint64_t v = 0xdeadbeef;

	if (dmaengine_read(e, off, size, &v))
		return 0xbad0bad0bad0ULL;
	return v;
}

static void wr(struct dmaengine *e, uint32_t off, uint32_t size, uint64_t v)
{
	ASSERT_OK(dmaengine_write(e, off, size, v));
}

/* Program and start one transfer; returns STATUS. */
static uint32_t go(struct dmaengine *e, uint64_t src, uint64_t dst,
		   uint64_t len, uint32_t ctrl)
{
	wr(e, DMAENG_REG_SRC_IOVA, 8, src);
	wr(e, DMAENG_REG_DST_IOVA, 8, dst);
	wr(e, DMAENG_REG_LEN, 8, len);
	wr(e, DMAENG_REG_CTRL, 4, ctrl | DMAENG_CTRL_GO);
	return (uint32_t)rd(e, DMAENG_REG_STATUS, 4);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Value of eventfd @fd, 0 if it was not signalled. */
static uint64_t ev_read(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	uint64_t v = 0;

	if (poll(&p, 1, 0) == 1 && read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

TEST_F(eng, register_map)
{
	setup_dev(self, IDX_A0, false);
	struct dmaengine *e = self->e;

	EXPECT_EQ(rd(e, DMAENG_REG_ID, 4), DMAENG_ID_MAGIC);
	EXPECT_EQ(rd(e, DMAENG_REG_VERSION, 4), DMAENG_VERSION);
	EXPECT_EQ(rd(e, DMAENG_REG_STATUS, 4), DMAENG_STATUS_IDLE);
	/* 64-bit registers: whole, and by halves. */
	wr(e, DMAENG_REG_SRC_IOVA, 8, 0x1122334455667788ULL);
	EXPECT_EQ(rd(e, DMAENG_REG_SRC_IOVA, 8), 0x1122334455667788ULL);
	EXPECT_EQ(rd(e, DMAENG_REG_SRC_IOVA, 4), 0x55667788u);
	EXPECT_EQ(rd(e, DMAENG_REG_SRC_IOVA + 4, 4), 0x11223344u);
	wr(e, DMAENG_REG_DST_IOVA + 4, 4, 0xaabbccdd);
	wr(e, DMAENG_REG_DST_IOVA, 4, 0x01020304);
	EXPECT_EQ(rd(e, DMAENG_REG_DST_IOVA, 8), 0xaabbccdd01020304ULL);
	wr(e, DMAENG_REG_LEN, 8, 12345);
	EXPECT_EQ(rd(e, DMAENG_REG_LEN, 8), 12345u);
	/* PASID keeps enable and 20 bits; MSI_ADDR is dword aligned. */
	wr(e, DMAENG_REG_PASID, 4, 0xffffffff);
	EXPECT_EQ(rd(e, DMAENG_REG_PASID, 4), 0x800fffffu);
	wr(e, DMAENG_REG_MSI_ADDR, 8, 0xfee01003ULL);
	EXPECT_EQ(rd(e, DMAENG_REG_MSI_ADDR, 8), 0xfee01000ULL);
	wr(e, DMAENG_REG_MSI_DATA, 4, 0x4021);
	EXPECT_EQ(rd(e, DMAENG_REG_MSI_DATA, 4), 0x4021u);
	/* CTRL keeps MSI_EN only; GO reads as 0. */
	wr(e, DMAENG_REG_CTRL, 4, 0xfffffffe);
	EXPECT_EQ(rd(e, DMAENG_REG_CTRL, 4), DMAENG_CTRL_MSI_EN);
	/* Read-only and reserved registers ignore writes. */
	wr(e, DMAENG_REG_ID, 4, 0);
	wr(e, DMAENG_REG_STATUS, 4, 7);
	wr(e, DMAENG_REG_FAULT_ADDR, 8, 7);
	wr(e, DMAENG_REG_FAULT_REASON, 4, 7);
	wr(e, DMAENG_REG_FAULT_STAGE, 4, 7);
	wr(e, DMAENG_REG_COMPLETIONS, 8, 7);
	wr(e, DMAENG_REG_MSI_COUNT, 8, 7);
	wr(e, 0x800, 8, ~0ULL);
	EXPECT_EQ(rd(e, DMAENG_REG_ID, 4), DMAENG_ID_MAGIC);
	EXPECT_EQ(rd(e, DMAENG_REG_STATUS, 4), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_FAULT_ADDR, 8), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_FAULT_REASON, 4), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_FAULT_STAGE, 4), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_COMPLETIONS, 8), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_MSI_COUNT, 8), 0u);
	EXPECT_EQ(rd(e, 0x800, 8), 0u);
	EXPECT_EQ(rd(e, DMAENG_BAR_SIZE - 4, 4), 0u);
	/* Sizes 4 and 8, naturally aligned, inside the BAR. */
	uint64_t v;
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, 0, 2, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, 0, 1, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, 0, 16, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, 2, 4, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, 4, 8, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_read(e, DMAENG_BAR_SIZE, 4, &v));
	EXPECT_ERRNO(EINVAL, dmaengine_write(e, 6, 4, 0));
	EXPECT_ERRNO(EINVAL, dmaengine_write(e, DMAENG_BAR_SIZE, 8, 0));
	/* Reset restores every register. */
	dmaengine_reset(e);
	EXPECT_EQ(rd(e, DMAENG_REG_SRC_IOVA, 8), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_PASID, 4), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_CTRL, 4), 0u);
	EXPECT_EQ(rd(e, DMAENG_REG_ID, 4), DMAENG_ID_MAGIC);
}

TEST_F(eng, copy_through_iommu)
{
	setup_dev(self, IDX_A0, true);
	map_bufs(self);
	ASSERT_EQ(go(self->e, SRC_IOVA + 100, DST_IOVA + 3, 3 * PG + 17, 0),
		  DMAENG_STATUS_DONE);
	ASSERT_MEMEQ(self->dst + 3, self->src + 100, 3 * PG + 17);
	EXPECT_TRUE(all_zero(self->dst, 3));
	EXPECT_TRUE(all_zero(self->dst + 3 + 3 * PG + 17,
			     NPG * PG - 3 - 3 * PG - 17));
	EXPECT_EQ(rd(self->e, DMAENG_REG_COMPLETIONS, 8), 1u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4), 0u);
	/* A zero-length transfer completes without touching memory. */
	EXPECT_EQ(go(self->e, 0, 0, 0, 0), DMAENG_STATUS_DONE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_COMPLETIONS, 8), 2u);
}

/* IOVA-contiguous, host-discontiguous: the copy follows each mapping. */
TEST_F(eng, copy_across_mappings)
{
	setup_dev(self, IDX_A0, true);
	t_map_fixed(self->ctx, self->ioas, self->src + 2 * PG, 2 * PG,
		    SRC_IOVA);
	t_map_fixed(self->ctx, self->ioas, self->src, 2 * PG,
		    SRC_IOVA + 2 * PG);
	t_map_fixed(self->ctx, self->ioas, self->dst, NPG * PG, DST_IOVA);
	ASSERT_EQ(go(self->e, SRC_IOVA + PG, DST_IOVA, 2 * PG, 0),
		  DMAENG_STATUS_DONE);
	ASSERT_MEMEQ(self->dst, self->src + 3 * PG, PG);
	ASSERT_MEMEQ(self->dst + PG, self->src, PG);
}

TEST_F(eng, fault_not_present_writes_nothing)
{
	setup_dev(self, IDX_A0, true);
	t_map_fixed(self->ctx, self->ioas, self->src, NPG * PG, SRC_IOVA);
	/* Only the first half of the destination is mapped. */
	t_map_fixed(self->ctx, self->ioas, self->dst, 2 * PG, DST_IOVA);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, 3 * PG, 0),
		  DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_NOT_PRESENT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), DST_IOVA + 2 * PG);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_STAGE, 4), 1u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_COMPLETIONS, 8), 0u);
	EXPECT_TRUE(all_zero(self->dst, NPG * PG));
	/* Source faults are reported at the source address. */
	ASSERT_EQ(go(self->e, SRC_IOVA + NPG * PG - PG, DST_IOVA, 2 * PG, 0),
		  DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), SRC_IOVA + NPG * PG);
	/* The next good transfer clears the fault registers. */
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_DONE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4), 0u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), 0u);
}

TEST_F(eng, fault_permission)
{
	setup_dev(self, IDX_A0, true);
	uint64_t iova = SRC_IOVA;

	ASSERT_OK(_t_map(self->ctx, self->ioas, self->src, NPG * PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	t_map_fixed(self->ctx, self->ioas, self->dst, NPG * PG, DST_IOVA);
	/* Reading a read-only mapping is fine, writing it is not. */
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_DONE);
	unsigned char before = self->src[0];
	ASSERT_EQ(go(self->e, DST_IOVA, SRC_IOVA, PG, 0), DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_PERMISSION);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), SRC_IOVA);
	EXPECT_EQ(self->src[0], before);
}

TEST_F(eng, blocked_when_not_attached)
{
	setup_dev(self, IDX_A0, false);
	map_bufs(self);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_BLOCKED);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_STAGE, 4), 0u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), SRC_IOVA);
	EXPECT_TRUE(all_zero(self->dst, NPG * PG));
	/* A PASID nobody attached is blocked too, even with the RID live. */
	uint32_t pt = self->ioas;
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev_id,
				       UIOMMU_PASID_NONE, &pt));
	wr(self->e, DMAENG_REG_PASID, 4, DMAENG_PASID_ENABLE | 5);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_BLOCKED);
	wr(self->e, DMAENG_REG_PASID, 4, 5); /* enable bit off: the RID */
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_DONE);
	/* Detach: blocked again. */
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev_id,
				       UIOMMU_PASID_NONE));
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_BLOCKED);
}

TEST_F(eng, no_stale_translation_after_unmap)
{
	setup_dev(self, IDX_A0, true);
	map_bufs(self);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_DONE);
	memset(self->dst, 0, NPG * PG);
	t_unmap(self->ctx, self->ioas, DST_IOVA, NPG * PG, NULL);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_NOT_PRESENT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), DST_IOVA);
	EXPECT_TRUE(all_zero(self->dst, NPG * PG));
}

TEST_F(eng, address_wrap)
{
	setup_dev(self, IDX_A0, true);
	map_bufs(self);
	ASSERT_EQ(go(self->e, UINT64_MAX - 15, DST_IOVA, 32, 0),
		  DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_ADDRESS_SIZE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), UINT64_MAX - 15);
	EXPECT_TRUE(all_zero(self->dst, NPG * PG));
}

/* s0's doorbell, as the core maps it: the first page of its SW_MSI window. */
#define S0_MSI_IOVA (SWMSI + 0x40)

TEST_F(eng, msi_to_doorbell)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	setup_dev(self, IDX_S0, true);
	map_bufs(self);
	dmaengine_set_trigger(self->e, efd);
	dmaengine_msi_program(self->e, true, S0_MSI_IOVA, 0x21);
	EXPECT_EQ(rd(self->e, DMAENG_REG_CTRL, 4), DMAENG_CTRL_MSI_EN);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, DMAENG_CTRL_MSI_EN),
		  DMAENG_STATUS_DONE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 1u);
	EXPECT_EQ(ev_read(efd), 1u);
	/* A faulting transfer still completes with an interrupt. */
	ASSERT_EQ(go(self->e, SRC_IOVA, 0x7000000, PG, DMAENG_CTRL_MSI_EN),
		  DMAENG_STATUS_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 2u);
	EXPECT_EQ(ev_read(efd), 1u);
	/* MSI disabled: nothing. */
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, 0), DMAENG_STATUS_DONE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 2u);
	EXPECT_EQ(ev_read(efd), 0u);
	/* Loopback signal without the device. */
	dmaengine_signal(self->e);
	EXPECT_EQ(ev_read(efd), 1u);
	/* No trigger: counted, nobody told. */
	dmaengine_set_trigger(self->e, -1);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, DMAENG_CTRL_MSI_EN),
		  DMAENG_STATUS_DONE);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 3u);
}

TEST_F(eng, msi_unmapped_doorbell_is_a_fault)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	setup_dev(self, IDX_S0, true);
	map_bufs(self);
	dmaengine_set_trigger(self->e, efd);
	/* The physical doorbell is not an IOVA anything maps. */
	dmaengine_msi_program(self->e, true, 0x08090040, 0);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, PG, DMAENG_CTRL_MSI_EN),
		  DMAENG_STATUS_DONE | DMAENG_STATUS_MSI_FAULT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_REASON, 4),
		  DMAENG_FAULT_NOT_PRESENT);
	EXPECT_EQ(rd(self->e, DMAENG_REG_FAULT_ADDR, 8), 0x08090040u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 0u);
	EXPECT_EQ(ev_read(efd), 0u);
	/* The copy itself completed. */
	EXPECT_EQ(rd(self->e, DMAENG_REG_COMPLETIONS, 8), 1u);
	ASSERT_MEMEQ(self->dst, self->src, PG);
	/* Detached: the doorbell IOVA is blocked like everything else. */
	ASSERT_OK(uiommu_device_detach(self->ctx, self->dev_id,
				       UIOMMU_PASID_NONE));
	dmaengine_msi_program(self->e, true, S0_MSI_IOVA, 0);
	go(self->e, SRC_IOVA, DST_IOVA, PG, DMAENG_CTRL_MSI_EN);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 0u);
	EXPECT_EQ(ev_read(efd), 0u);
}

/* An MSI aimed at RAM is an ordinary 4-byte DMA write. */
TEST_F(eng, msi_to_ram_is_a_write)
{
	setup_dev(self, IDX_A0, true);
	map_bufs(self);
	dmaengine_msi_program(self->e, true, DST_IOVA + 2 * PG + 8,
			      0xcafef00d);
	ASSERT_EQ(go(self->e, SRC_IOVA, DST_IOVA, 16, DMAENG_CTRL_MSI_EN),
		  DMAENG_STATUS_DONE);
	uint32_t w;
	memcpy(&w, self->dst + 2 * PG + 8, sizeof(w));
	EXPECT_EQ(w, 0xcafef00du);
	EXPECT_EQ(rd(self->e, DMAENG_REG_MSI_COUNT, 8), 0u);
	EXPECT_EQ(rd(self->e, DMAENG_REG_STATUS, 4), DMAENG_STATUS_DONE);
}

TEST(eng_create, bad_index)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *p;
	struct dmaengine *e;

	test_platform(&desc);
	ASSERT_OK(platform_create_with(&desc, &mk_factory, &p));
	EXPECT_ERRNO(ENODEV, dmaengine_create(p, desc.ndevices, &e));
	platform_destroy(p);
}
