// SPDX-License-Identifier: MIT
/*
 * drv_iommu_ops.translate_run on the real drivers (default platform): a
 * run follows host-contiguous pages with the needed rights and stops at a
 * host discontinuity, a page without the rights, an unmapped page (with no
 * fault: only the first page may fault), the caller's length, the x86
 * interrupt window and an MSI doorbell page; the first page faults exactly
 * as translate does; and an unmap waits for the DMA window the run was
 * taken in.
 */
#include "t_util.h"

#include <uiommu/platform.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/device.h"
#include "core/driver.h"

#define IDX_VTD 0	/* dma0 behind vtd0 */
#define IDX_SMMU 4	/* dma4 behind smmu0, SW_MSI window at 0x08000000 */
#define IOVA 0x100000ULL

FIXTURE(drv_run)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, dev;
	unsigned char *a, *b;	/* host buffers, 8 pages each */
	struct drv_iommu *iommu;
	const struct uiommu_device_desc *dd;
};

FIXTURE_SETUP(drv_run)
{
	uiommu_platform_default(&self->desc);
	ASSERT_OK(uiommu_platform_create(&self->desc, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	self->a = t_buf(8 * PG);
	self->b = t_buf(8 * PG);
	ASSERT_NONNULL(self->a);
	ASSERT_NONNULL(self->b);
}

FIXTURE_TEARDOWN(drv_run)
{
	uiommu_ctx_destroy(self->ctx);
	uiommu_platform_destroy(self->plat);
	munmap(self->a, 8 * PG);
	munmap(self->b, 8 * PG);
}

static void attach(struct t_fixture_drv_run *self, uint32_t idx)
{
	uint32_t pt = self->ioas;

	ASSERT_OK(uiommu_device_bind(self->ctx, self->plat, idx, &self->dev));
	ASSERT_OK(uiommu_device_attach(self->ctx, self->dev,
				       UIOMMU_PASID_NONE, &pt));
	self->iommu = self->plat->devs[idx].iommu;
	self->dd = self->plat->devs[idx].desc;
	ASSERT_NONNULL(self->iommu->ops->translate_run);
}

static int run(struct t_fixture_drv_run *self, uint64_t iova, uint64_t len,
	       uint32_t acc, struct drv_xlate *xl, struct drv_fault *f)
{
	const struct drv_iommu_ops *ops = self->iommu->ops;
	int rc;

	memset(xl, 0, sizeof(*xl));
	ops->dma_begin(self->iommu);
	rc = ops->translate_run(self->iommu, self->dd, UIOMMU_NO_PASID, iova,
				len, acc, xl, f);
	ops->dma_end(self->iommu);
	return rc;
}

#define ASSERT_RUN(iova_, want_, acc_, hva_, len_)                          \
	do {                                                                 \
		struct drv_xlate xl_;                                        \
		struct drv_fault f_;                                         \
		ASSERT_OK(run(self, iova_, want_, acc_, &xl_, &f_));         \
		ASSERT_EQ(xl_.hva, (uint64_t)(uintptr_t)(hva_));             \
		ASSERT_EQ(xl_.len, (uint64_t)(len_));                        \
		ASSERT_FALSE(xl_.mmio);                                      \
	} while (0)

#define R DRV_ACCESS_READ
#define W DRV_ACCESS_WRITE

TEST_F(drv_run, follows_contiguous_host_memory)
{
	attach(self, IDX_VTD);
	t_map_fixed(self->ctx, self->ioas, self->a, 3 * PG, IOVA);
	t_map_fixed(self->ctx, self->ioas, self->b, PG, IOVA + 3 * PG);
	/* Cold (walks) and warm (IOTLB) give the same run. */
	for (int pass = 0; pass < 2; pass++) {
		ASSERT_RUN(IOVA + 0x10, 8 * PG, R | W, self->a + 0x10,
			   3 * PG - 0x10);
		ASSERT_RUN(IOVA, 2 * PG, R, self->a, 2 * PG);
		ASSERT_RUN(IOVA + 2 * PG, 4 * PG, W, self->a + 2 * PG, PG);
		ASSERT_RUN(IOVA + 3 * PG + 8, 100, R, self->b + 8, 100);
	}
}

TEST_F(drv_run, stops_at_rights_and_holes_without_faulting)
{
	uint64_t iova = IOVA + 2 * PG;
	struct drv_xlate xl;
	struct drv_fault f;

	attach(self, IDX_VTD);
	/* One host buffer: pages 0-1 read/write, 2-3 read-only, 5 mapped
	 * after a hole at 4. */
	t_map_fixed(self->ctx, self->ioas, self->a, 2 * PG, IOVA);
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->a + 2 * PG, 2 * PG,
			 &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE));
	t_map_fixed(self->ctx, self->ioas, self->a + 5 * PG, PG,
		    IOVA + 5 * PG);
	ASSERT_RUN(IOVA, 8 * PG, W, self->a, 2 * PG);
	ASSERT_RUN(IOVA, 8 * PG, R, self->a, 4 * PG);
	/* The first page faults as translate would. */
	ASSERT_ERRNO(EFAULT, run(self, IOVA + 2 * PG, PG, W, &xl, &f));
	ASSERT_EQ(f.reason, (uint32_t)DRV_FAULT_PERMISSION);
	ASSERT_EQ(f.addr, IOVA + 2 * PG);
	ASSERT_ERRNO(EFAULT, run(self, IOVA + 4 * PG + 8, PG, R, &xl, &f));
	ASSERT_EQ(f.reason, (uint32_t)DRV_FAULT_NOT_PRESENT);
	ASSERT_EQ(f.addr, IOVA + 4 * PG + 8);
	ASSERT_ERRNO(EINVAL, run(self, IOVA, 0, R, &xl, &f));
}

/* x86: writes to 0xfee00000-0xfeefffff are interrupts, not memory. */
TEST_F(drv_run, interrupt_window_is_mmio)
{
	struct drv_xlate xl;
	struct drv_fault f;

	attach(self, IDX_VTD);
	ASSERT_OK(run(self, 0xfee00040ULL, 4, W, &xl, &f));
	ASSERT_TRUE(xl.mmio);
	ASSERT_EQ(xl.hva, 0xfee00040ULL);
	/* A read there is an ordinary (unmapped: reserved) DMA. */
	ASSERT_ERRNO(EFAULT, run(self, 0xfee00040ULL, 4, R, &xl, &f));
}

/* SMMUv3 SW_MSI: the doorbell page is mmio, and a RAM run whose host
 * memory happens to continue into the doorbell's page stops before it. */
TEST_F(drv_run, doorbell_ends_a_run)
{
	void *below = mmap((void *)0x0808f000ULL, PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0);
	struct drv_xlate xl;
	struct drv_fault f;

	attach(self, IDX_SMMU);
	ASSERT_OK(run(self, 0x08000040ULL, 4, W, &xl, &f));
	ASSERT_TRUE(xl.mmio);
	ASSERT_EQ(xl.hva, 0x08090040ULL);
	if (below != (void *)0x0808f000ULL) {
		if (below != MAP_FAILED)
			munmap(below, PG);
		SKIP("host address 0x0808f000 is taken");
		return;
	}
	t_map_fixed(self->ctx, self->ioas, below, PG, 0x07fff000ULL);
	ASSERT_RUN(0x07fff000ULL, 2 * PG, W, below, PG);
	ASSERT_RUN(0x07fff000ULL, 2 * PG, R, below, PG);
	munmap(below, PG);
}

struct unmapper {
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	int rc;
	atomic_bool done;
};

static void *unmap_thread(void *arg)
{
	struct unmapper *u = arg;

	u->rc = _t_unmap(u->ctx, u->ioas, IOVA, 8 * PG, NULL);
	atomic_store(&u->done, true);
	return NULL;
}

/* Inside the DMA window an unmap waits (its invalidation does): when it
 * returns, no device copy is still using what it removed. */
TEST_F(drv_run, unmap_waits_for_the_dma_window)
{
	const struct drv_iommu_ops *ops;
	struct unmapper u = { .rc = -1 };
	struct drv_xlate xl;
	struct drv_fault f;
	pthread_t t;

	attach(self, IDX_VTD);
	ops = self->iommu->ops;
	t_map_fixed(self->ctx, self->ioas, self->a, 8 * PG, IOVA);
	u.ctx = self->ctx;
	u.ioas = self->ioas;
	ops->dma_begin(self->iommu);
	ASSERT_OK(ops->translate_run(self->iommu, self->dd, UIOMMU_NO_PASID,
				     IOVA, 8 * PG, R, &xl, &f));
	ASSERT_EQ(xl.len, 8 * PG);
	ASSERT_EQ(pthread_create(&t, NULL, unmap_thread, &u), 0);
	usleep(50 * 1000);
	/* The copy would happen here, through xl. */
	ASSERT_FALSE(atomic_load(&u.done));
	ops->dma_end(self->iommu);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_TRUE(atomic_load(&u.done));
	ASSERT_OK(u.rc);
	ASSERT_ERRNO(EFAULT, run(self, IOVA, PG, R, &xl, &f));
}
