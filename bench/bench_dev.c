// SPDX-License-Identifier: MIT
/*
 * Device-model benchmarks: the emulated DMA engine (src/dev) copying
 * through a nested configuration on the default platform's VT-d, set up
 * as a VMM does it (bind, guest RAM in an IOAS, NEST_PARENT stage 2, a
 * guest x86-64 first-stage table in guest RAM, IOMMU_HWPT_DATA_VTD_S1,
 * attach).  Every guest IOVA is a 4K leaf in both stages.
 *
 *   dmaengine_copy_64k_nested_4k               GO + STATUS of a 64 KiB
 *                                              copy, SRC/DST/LEN already
 *                                              programmed (GB/s)
 *   dmaengine_copy_64k_nested_4k_pct_memcpy    the same as % of a plain
 *                                              64 KiB memcpy (ABBA pairs)
 *   dmaengine_copy_64k_nested_4k_program_pct_memcpy
 *                                              also writing SRC, DST and
 *                                              LEN before each GO
 *   dmaengine_go_64b_nested_4k                 GO + STATUS of a 64-byte
 *                                              copy: the per-transfer cost
 *                                              (ns)
 *
 * The warm IOTLB holds combined stage-1+2 entries; what a copy costs on
 * top of memcpy is the register accesses, the translation of 16 source
 * and 16 destination pages, and the engine's bookkeeping.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <uiommu/linux/iommufd.h>
#include <uiommu/platform.h>
#include <uiommu/uiommu.h>

#include "dev/dmaengine.h"

#define PG 4096ULL
#define COPY (64 * 1024ULL)
#define GPA 0x40000000ULL	/* guest RAM base */
#define GPAGES 64		/* 8 table pages, 16 source, 16 destination */
#define G_SRC 0x10000000ULL	/* guest IOVAs */
#define G_DST 0x10010000ULL
#define PG_SRC 8
#define PG_DST 32
#define X_TBL 0x7ULL		/* present, writable, user */

struct devb {
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	struct dmaengine *eng;
	unsigned char *ram;
	unsigned char *hsrc, *hdst;	/* plain buffers for memcpy */
};

static uint64_t *gpage(struct devb *b, unsigned pg)
{
	return (uint64_t *)(b->ram + pg * PG);
}

/* x86-64 paging at guest pages 0-3: G_SRC and G_DST, 16 pages each. */
static void guest_tables(struct devb *b)
{
	gpage(b, 0)[0] = (GPA + 1 * PG) | X_TBL;
	gpage(b, 1)[0] = (GPA + 2 * PG) | X_TBL;
	gpage(b, 2)[(G_SRC >> 21) & 511] = (GPA + 3 * PG) | X_TBL;
	for (unsigned i = 0; i < COPY / PG; i++) {
		gpage(b, 3)[((G_SRC >> 12) + i) & 511] =
			(GPA + (PG_SRC + i) * PG) | X_TBL;
		gpage(b, 3)[((G_DST >> 12) + i) & 511] =
			(GPA + (PG_DST + i) * PG) | X_TBL;
	}
}

static void xok(int rc, const char *what)
{
	if (rc)
		bench_fail("%s: %s", what, uiommu_errno_name(rc));
}

static uint32_t hwpt_alloc(struct devb *b, uint32_t dev, uint32_t flags,
			   uint32_t pt, uint32_t type, const void *data,
			   uint32_t len)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a), .flags = flags, .dev_id = dev, .pt_id = pt,
		.data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};

	xok(uiommu_ioctl(b->ctx, IOMMU_HWPT_ALLOC, &a), "HWPT_ALLOC");
	return a.out_hwpt_id;
}

static void setup(struct devb *b)
{
	static struct uiommu_platform_desc desc;
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	uint32_t dev, ioas, parent, nested;
	uint64_t iova = GPA;

	b->ram = mmap(NULL, GPAGES * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b->hsrc = aligned_alloc(PG, COPY);
	b->hdst = aligned_alloc(PG, COPY);
	if (b->ram == MAP_FAILED || !b->hsrc || !b->hdst)
		bench_fail("oom");
	memset(b->hsrc, 0x5a, COPY);
	memset(b->hdst, 0, COPY);
	memset(b->ram + PG_SRC * PG, 0x5a, COPY);
	uiommu_platform_default(&desc);
	xok(uiommu_platform_create(&desc, &b->plat), "platform");
	xok(uiommu_ctx_create(&b->ctx), "ctx");
	xok(uiommu_device_bind(b->ctx, b->plat, 0, &dev), "bind");
	xok(uiommu_ioas_alloc(b->ctx, &ioas), "ioas");
	xok(uiommu_ioas_map(b->ctx, ioas, b->ram, GPAGES * PG, &iova,
			    UIOMMU_MAP_READ | UIOMMU_MAP_WRITE |
				    UIOMMU_MAP_FIXED_IOVA),
	    "map");
	parent = hwpt_alloc(b, dev, IOMMU_HWPT_ALLOC_NEST_PARENT, ioas,
			    IOMMU_HWPT_DATA_NONE, NULL, 0);
	guest_tables(b);
	nested = hwpt_alloc(b, dev, 0, parent, IOMMU_HWPT_DATA_VTD_S1, &s1,
			    sizeof(s1));
	xok(uiommu_device_attach(b->ctx, dev, UIOMMU_PASID_NONE, &nested),
	    "attach");
	xok(dmaengine_create(b->plat, 0, &b->eng), "engine");
}

static void teardown(struct devb *b)
{
	dmaengine_destroy(b->eng);
	uiommu_ctx_destroy(b->ctx);
	uiommu_platform_destroy(b->plat);
	munmap(b->ram, GPAGES * PG);
	free(b->hsrc);
	free(b->hdst);
}

static void reg_w(struct devb *b, uint32_t off, uint32_t size, uint64_t v)
{
	if (dmaengine_write(b->eng, off, size, v))
		bench_fail("register write %#x", off);
}

static void program(struct devb *b)
{
	reg_w(b, DMAENG_REG_SRC_IOVA, 8, G_SRC);
	reg_w(b, DMAENG_REG_DST_IOVA, 8, G_DST);
	reg_w(b, DMAENG_REG_LEN, 8, COPY);
}

/* GO, then STATUS as a driver polls it; a failed copy ends the run. */
static void go(struct devb *b)
{
	uint64_t st = 0;

	reg_w(b, DMAENG_REG_CTRL, 4, DMAENG_CTRL_GO);
	dmaengine_read(b->eng, DMAENG_REG_STATUS, 4, &st);
	if (st != DMAENG_STATUS_DONE)
		bench_fail("DMA status %#llx", (unsigned long long)st);
}

static void copy_engine(void *arg, uint64_t reps)
{
	struct devb *b = arg;

	for (uint64_t i = 0; i < reps; i++)
		go(b);
	bench_keep(b->ram);
}

static void copy_engine_programmed(void *arg, uint64_t reps)
{
	struct devb *b = arg;

	for (uint64_t i = 0; i < reps; i++) {
		program(b);
		go(b);
	}
	bench_keep(b->ram);
}

static void copy_memcpy(void *arg, uint64_t reps)
{
	struct devb *b = arg;

	for (uint64_t i = 0; i < reps; i++) {
		memcpy(b->hdst, b->hsrc, COPY);
		bench_keep(b->hdst);
	}
}

static void copy_engine_body(void *arg, uint64_t iters)
{
	copy_engine(arg, iters);
}

static void small_body(void *arg, uint64_t iters)
{
	copy_engine(arg, iters);
}

#define PCT_REPS 256

int main(int argc, char **argv)
{
	struct devb b = { 0 };
	struct bench_spec spec = { .name = "dmaengine_copy_64k_nested_4k",
				   .unit = "GB/s", .body = copy_engine_body,
				   .arg = &b, .bytes_per_op = COPY };

	bench_init(argc, argv);
	setup(&b);
	program(&b);
	go(&b);
	if (memcmp(b.ram + PG_DST * PG, b.ram + PG_SRC * PG, COPY))
		bench_fail("the nested copy did not land");
	if (bench_selected(spec.name))
		bench_run(&spec);
	if (bench_selected("dmaengine_copy_64k_nested_4k_pct_memcpy"))
		bench_run_pct("dmaengine_copy_64k_nested_4k_pct_memcpy",
			      copy_memcpy, copy_engine, &b, PCT_REPS);
	if (bench_selected("dmaengine_copy_64k_nested_4k_program_pct_memcpy"))
		bench_run_pct("dmaengine_copy_64k_nested_4k_program_pct_memcpy",
			      copy_memcpy, copy_engine_programmed, &b,
			      PCT_REPS);
	spec = (struct bench_spec){ .name = "dmaengine_go_64b_nested_4k",
				    .unit = "ns", .body = small_body,
				    .arg = &b };
	reg_w(&b, DMAENG_REG_LEN, 8, 64);
	if (bench_selected(spec.name))
		bench_run(&spec);
	teardown(&b);
	return 0;
}
