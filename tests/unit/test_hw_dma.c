// SPDX-License-Identifier: MIT
/*
 * The DMA API of the emulated IOMMU (src/hw/dma.c): reads and writes
 * through scattered 4K mappings and 2M mappings, scatter-gather, nested
 * and identity configurations, host-pointer translation, and the rule
 * that a DMA which faults anywhere touches nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "t_hw.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define IOVA 0x80000000ULL
#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define NPG 16

/* Page i of IOVA maps to memory page perm[i] (scrambled). */
static const unsigned int perm[NPG] = { 3, 0, 7, 1, 2, 9, 4, 5,
					6, 8, 10, 11, 15, 12, 13, 14 };

static int t_dma_init(struct t_hw *d, unsigned int skip, unsigned int ro)
{
	unsigned int i;
	int rc = t_hw_init(d);

	if (rc)
		return rc;
	for (i = 0; i < NPG * SZ_4K; i++)
		d->mem[i] = (unsigned char)(i * 7 + i / 4096);
	for (i = 0; i < NPG; i++) {
		if (i == skip)
			continue;
		rc = pt_map(d->pt, IOVA + i * SZ_4K,
			    (uintptr_t)d->mem + perm[i] * SZ_4K, SZ_4K,
			    i == ro ? PT_PROT_READ : RW, NULL);
		if (rc)
			return rc;
	}
	return t_hw_attach(d, 2, 1);
}

/* What a device sees at IOVA offset @off. */
static unsigned char t_at(const struct t_hw *d, uint64_t off)
{
	return d->mem[perm[off / SZ_4K] * SZ_4K + off % SZ_4K];
}

TEST(hw_dma, read_write_scattered_4k)
{
	static unsigned char buf[NPG * 4096], back[NPG * 4096];
	struct t_hw d;
	uint64_t i;

	ASSERT_OK(t_dma_init(&d, NPG, NPG));
	/* Unaligned start and length across 15 page boundaries. */
	ASSERT_OK(hw_dma_read(d.m, 2, HW_PASID_NONE, IOVA + 100, buf,
			      NPG * SZ_4K - 300));
	for (i = 0; i < NPG * SZ_4K - 300; i++)
		if (buf[i] != t_at(&d, 100 + i))
			FAIL("byte %" PRIu64, i);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i ^ 0x5a);
	ASSERT_OK(hw_dma_write(d.m, 2, HW_PASID_NONE, IOVA + 1, buf,
			       NPG * SZ_4K - 1));
	for (i = 0; i < NPG * SZ_4K - 1; i++)
		if (t_at(&d, 1 + i) != buf[i])
			FAIL("byte %" PRIu64, i);
	ASSERT_OK(hw_dma_read(d.m, 2, HW_PASID_NONE, IOVA + 1, back,
			      NPG * SZ_4K - 1));
	ASSERT_MEMEQ(back, buf, NPG * SZ_4K - 1);
	/* Zero length is a no-op; bad ids are not. */
	ASSERT_OK(hw_dma_read(d.m, 2, HW_PASID_NONE, IOVA, buf, 0));
	ASSERT_ERRNO(EINVAL, hw_dma_read(d.m, 0x10000, HW_PASID_NONE, IOVA,
					 buf, 1));
	ASSERT_ERRNO(EOVERFLOW, hw_dma_read(d.m, 2, HW_PASID_NONE, ~0ULL - 2,
					    buf, 8));
	T_EQ(hw_fault_pending(d.m), 0);
	t_hw_fini(&d);
}

TEST(hw_dma, fault_touches_nothing)
{
	static unsigned char buf[NPG * 4096], snap[NPG * 4096];
	struct hw_fault f;
	struct t_hw d;

	ASSERT_OK(t_dma_init(&d, 9, 4));
	memcpy(snap, d.mem, sizeof(snap));
	memset(buf, 0xee, sizeof(buf));
	/* Page 9 is not mapped: a write over pages 0-15 writes nothing. */
	ASSERT_ERRNO(EFAULT, hw_dma_write(d.m, 2, HW_PASID_NONE, IOVA + 5 * SZ_4K,
					  buf, 8 * SZ_4K));
	ASSERT_MEMEQ(d.mem, snap, sizeof(snap));
	ASSERT_OK(hw_fault_pop(d.m, &f));
	T_EQ(f.iova, IOVA + 9 * SZ_4K);
	T_EQ(f.reason, HW_FAULT_NOT_PRESENT);
	T_EQ(f.access, PT_ACCESS_WRITE);
	/* Page 4 is read-only: a write covering it writes nothing. */
	ASSERT_ERRNO(EFAULT, hw_dma_write(d.m, 2, HW_PASID_NONE, IOVA, buf,
					  5 * SZ_4K));
	ASSERT_MEMEQ(d.mem, snap, sizeof(snap));
	ASSERT_OK(hw_fault_pop(d.m, &f));
	T_EQ(f.iova, IOVA + 4 * SZ_4K);
	T_EQ(f.reason, HW_FAULT_PERMISSION);
	/* ...but reading it works; a read into the hole leaves buf alone. */
	ASSERT_OK(hw_dma_read(d.m, 2, HW_PASID_NONE, IOVA + 4 * SZ_4K, buf,
			      SZ_4K));
	memset(buf, 0xee, sizeof(buf));
	ASSERT_ERRNO(EFAULT, hw_dma_read(d.m, 2, HW_PASID_NONE, IOVA, buf,
					 NPG * SZ_4K));
	T_EQ(buf[0], 0xee);
	T_EQ(buf[NPG * SZ_4K - 1], 0xee);
	T_EQ(hw_fault_pending(d.m), 1);
	t_hw_fini(&d);
}

TEST(hw_dma, scatter_gather)
{
	static unsigned char a[3000], b[5000], c[4096];
	struct hw_sg sg[3] = {
		{ .iova = IOVA + 2 * SZ_4K + 10, .buf = a, .len = sizeof(a) },
		{ .iova = IOVA + 7 * SZ_4K - 100, .buf = b, .len = sizeof(b) },
		{ .iova = IOVA + 12 * SZ_4K, .buf = c, .len = sizeof(c) },
	};
	unsigned char snap[NPG * 4096];
	struct t_hw d;
	uint64_t i;

	ASSERT_OK(t_dma_init(&d, 14, NPG));
	ASSERT_OK(hw_dma_read_sg(d.m, 2, HW_PASID_NONE, sg, 3));
	for (i = 0; i < sizeof(b); i++)
		if (b[i] != t_at(&d, 7 * SZ_4K - 100 + i))
			FAIL("b[%" PRIu64 "]", i);
	T_EQ(a[0], t_at(&d, 2 * SZ_4K + 10));
	T_EQ(c[4095], t_at(&d, 13 * SZ_4K - 1));
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	memset(c, 3, sizeof(c));
	ASSERT_OK(hw_dma_write_sg(d.m, 2, HW_PASID_NONE, sg, 3));
	T_EQ(t_at(&d, 2 * SZ_4K + 10), 1);
	T_EQ(t_at(&d, 7 * SZ_4K), 2);
	T_EQ(t_at(&d, 12 * SZ_4K + 4095), 3);
	/* The last segment reaches the hole at page 14: nothing written. */
	memcpy(snap, d.mem, sizeof(snap));
	sg[2].iova = IOVA + 13 * SZ_4K + 1;
	memset(a, 9, sizeof(a));
	ASSERT_ERRNO(EFAULT, hw_dma_write_sg(d.m, 2, HW_PASID_NONE, sg, 3));
	ASSERT_MEMEQ(d.mem, snap, sizeof(snap));
	ASSERT_ERRNO(EINVAL, hw_dma_write_sg(d.m, 2, HW_PASID_NONE, NULL, 1));
	ASSERT_OK(hw_dma_write_sg(d.m, 2, HW_PASID_NONE, sg, 0));
	t_hw_fini(&d);
}

TEST(hw_dma, translate_host_pointer)
{
	struct hw_config c = { .mode = HW_MODE_S2 };
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS };
	struct hw_iommu *m = NULL;
	struct pt *pt = NULL;
	unsigned char *mem = aligned_alloc(SZ_2M, 2 * SZ_2M);
	size_t avail;
	void *p;

	ASSERT_NONNULL(mem);
	ASSERT_OK(hw_create(HW_MODEL_VTD, NULL, &m));
	ASSERT_OK(pt_create(&cfg, &pt));
	/* Pages 0-3 contiguous in host memory, page 4 elsewhere, page 5
	 * read-only, 6 missing; a 2M leaf at IOVA + 2M. */
	ASSERT_OK(pt_map(pt, IOVA, (uintptr_t)mem, 4 * SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(pt, IOVA + 4 * SZ_4K, (uintptr_t)mem + 10 * SZ_4K,
			 SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(pt, IOVA + 5 * SZ_4K, (uintptr_t)mem + 11 * SZ_4K,
			 SZ_4K, PT_PROT_READ, NULL));
	ASSERT_OK(pt_map(pt, IOVA + SZ_2M, (uintptr_t)mem + SZ_2M, SZ_2M, RW,
			 NULL));
	c.s2.geom = *pt_get_geom(pt);
	c.s2.root = pt_root(pt);
	ASSERT_OK(hw_config_set(m, 2, HW_PASID_NONE, &c));

	ASSERT_OK(hw_dma_translate(m, 2, HW_PASID_NONE, IOVA + 0x10, 1 << 20,
				   PT_ACCESS_WRITE, &p, &avail));
	T_EQ((uintptr_t)p, (uintptr_t)mem + 0x10);
	T_EQ(avail, 4 * SZ_4K - 0x10);	/* stops at the discontinuity */
	ASSERT_OK(hw_dma_translate(m, 2, HW_PASID_NONE, IOVA + 0x10, 100,
				   PT_ACCESS_WRITE, &p, &avail));
	T_EQ(avail, 100);
	ASSERT_OK(hw_dma_translate(m, 2, HW_PASID_NONE, IOVA + SZ_2M + 5,
				   4 * SZ_2M, PT_ACCESS_READ, &p, &avail));
	T_EQ((uintptr_t)p, (uintptr_t)mem + SZ_2M + 5);
	T_EQ(avail, SZ_2M - 5);
	/* Read-only page: write faults (queued), read works; the missing
	 * page after it only ends the run, with no fault queued. */
	ASSERT_ERRNO(EFAULT, hw_dma_translate(m, 2, HW_PASID_NONE,
					      IOVA + 5 * SZ_4K, 8,
					      PT_ACCESS_WRITE, &p, &avail));
	T_EQ(hw_fault_pending(m), 1);
	ASSERT_OK(hw_dma_translate(m, 2, HW_PASID_NONE, IOVA + 5 * SZ_4K,
				   3 * SZ_4K, PT_ACCESS_READ, &p, &avail));
	T_EQ(avail, SZ_4K);
	T_EQ(hw_fault_pending(m), 1);
	ASSERT_ERRNO(EINVAL, hw_dma_translate(m, 2, HW_PASID_NONE, IOVA, 0,
					      PT_ACCESS_READ, &p, &avail));
	hw_destroy(m);
	pt_destroy(pt);
	free(mem);
}

/* Stage-1 tables of the nested test live in an arena stage 2 maps. */
static void *t_arena_alloc(void *priv, size_t size, size_t align)
{
	unsigned char **cur = priv;
	unsigned char *p = *cur;

	*cur += size > align ? size : align;
	memset(p, 0, size);
	return p;
}

static void t_arena_free(void *priv, void *p, size_t size)
{
}

/* Nested and identity configurations move data the same way. */
TEST(hw_dma, nested_and_identity)
{
	unsigned char *arena = aligned_alloc(SZ_2M, SZ_2M);
	unsigned char *mem = aligned_alloc(SZ_2M, SZ_2M);
	unsigned char *cur = arena;
	struct pt_alloc_ops ops = { t_arena_alloc, t_arena_free, &cur };
	struct pt_cfg c1 = { .format = PT_FMT_ARM_S1, .alloc = &ops };
	struct pt_cfg c2 = { .format = PT_FMT_ARM_S2 };
	struct hw_config c = { .mode = HW_MODE_NESTED };
	struct pt *s1 = NULL, *s2 = NULL;
	struct hw_iommu *m = NULL;
	uint64_t ipa = 0x100000000000ULL;
	unsigned char out[64];

	ASSERT_NONNULL(arena);
	ASSERT_NONNULL(mem);
	memset(mem, 0x11, SZ_2M);
	ASSERT_OK(hw_create(HW_MODEL_SMMUV3, NULL, &m));
	ASSERT_OK(pt_create(&c1, &s1));
	ASSERT_OK(pt_create(&c2, &s2));
	ASSERT_OK(pt_map(s1, IOVA, ipa, 2 * SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(s2, ipa, (uintptr_t)mem + 3 * SZ_4K, SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(s2, ipa + SZ_4K, (uintptr_t)mem + 9 * SZ_4K, SZ_4K,
			 RW, NULL));
	c.s1.geom = *pt_get_geom(s1);
	c.s1.root = pt_root(s1);
	c.s1.tag = 1;
	c.s2.geom = *pt_get_geom(s2);
	c.s2.root = pt_root(s2);
	c.s2.tag = 2;
	ASSERT_OK(hw_config_set(m, 4, 1, &c));
	/* Stage 1's tables are not reachable through stage 2 yet. */
	ASSERT_ERRNO(EFAULT, hw_dma_read(m, 4, 1, IOVA, out, 8));
	ASSERT_OK(pt_map(s2, (uintptr_t)arena, (uintptr_t)arena, SZ_2M,
			 PT_PROT_READ, NULL));
	memset(out, 0x77, sizeof(out));
	ASSERT_OK(hw_dma_write(m, 4, 1, IOVA + SZ_4K - 32, out, sizeof(out)));
	T_EQ(mem[4 * SZ_4K - 33], 0x11);
	T_EQ(mem[4 * SZ_4K - 32], 0x77);
	T_EQ(mem[4 * SZ_4K - 1], 0x77);
	T_EQ(mem[9 * SZ_4K], 0x77);
	T_EQ(mem[9 * SZ_4K + 31], 0x77);
	T_EQ(mem[9 * SZ_4K + 32], 0x11);
	memset(out, 0, sizeof(out));
	ASSERT_OK(hw_dma_read(m, 4, 1, IOVA + SZ_4K - 40, out, sizeof(out)));
	T_EQ(out[7], 0x11);
	T_EQ(out[8], 0x77);
	/* Identity: the IOVA is the host address. */
	c.mode = HW_MODE_IDENTITY;
	ASSERT_OK(hw_config_set(m, 5, HW_PASID_NONE, &c));
	ASSERT_OK(hw_dma_read(m, 5, HW_PASID_NONE, (uintptr_t)mem + 9 * SZ_4K,
			      out, 40));
	T_EQ(out[31], 0x77);
	T_EQ(out[32], 0x11);
	hw_destroy(m);
	pt_destroy(s1);
	pt_destroy(s2);
	free(arena);
	free(mem);
}

/*
 * A buffer mapped in order is remembered as one DMA run covering all its
 * pages (src/hw/dma.c).  Like any cached translation it may stay stale
 * until invalidated, and a page-selective invalidation of any one page
 * inside it must drop the whole run; so must a write to a read-only
 * page, an eviction, or a configuration change.
 */
TEST(hw_dma, run_dropped_by_page_invalidation_inside)
{
	static unsigned char buf[NPG * 4096];
	struct hw_config c = { .mode = HW_MODE_S2 };
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS };
	unsigned char *mem = aligned_alloc(SZ_2M, SZ_2M);
	struct hw_iommu *m;
	struct pt *pt;
	unsigned int i, round;

	ASSERT_NONNULL(mem);
	ASSERT_OK(hw_create(HW_MODEL_VTD, NULL, &m));
	ASSERT_OK(pt_create(&cfg, &pt));
	for (i = 0; i < NPG + 1; i++)
		memset(mem + i * SZ_4K, (int)i + 1, SZ_4K);
	ASSERT_OK(pt_map(pt, IOVA, (uintptr_t)mem, NPG * SZ_4K, RW, NULL));
	c.s2.geom = *pt_get_geom(pt);
	c.s2.root = pt_root(pt);
	c.s2.tag = 3;
	ASSERT_OK(hw_config_set(m, 2, HW_PASID_NONE, &c));

	/* Twice: the first fills the IOTLB, the second uses the run. */
	for (round = 0; round < 3; round++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA, buf,
				      sizeof(buf)));
		for (i = 0; i < NPG; i++)
			T_EQ(buf[i * SZ_4K + 5], i + 1);
	}
	/* Page 9 now maps the spare page: stale until invalidated. */
	ASSERT_OK(pt_unmap(pt, IOVA + 9 * SZ_4K, SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(pt, IOVA + 9 * SZ_4K, (uintptr_t)mem + NPG * SZ_4K,
			 SZ_4K, PT_PROT_READ, NULL));
	ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA + SZ_4K, buf, 64));
	T_EQ(buf[0], 2);
	ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA + 9 * SZ_4K, buf, 1));
	T_EQ(buf[0], 10);
	/* Invalidating page 9 alone drops the run around it. */
	ASSERT_OK(hw_vtd_iotlb_page(m, 3, IOVA + 9 * SZ_4K, 0, false));
	ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA, buf, sizeof(buf)));
	T_EQ(buf[8 * SZ_4K], 9);
	T_EQ(buf[9 * SZ_4K], NPG + 1);
	T_EQ(buf[10 * SZ_4K], 11);
	/* Page 9 is read-only now: a write through the run's range faults
	 * and touches nothing, before and after a run is remembered. */
	for (round = 0; round < 2; round++) {
		memset(buf, 0xee, sizeof(buf));
		ASSERT_ERRNO(EFAULT, hw_dma_write(m, 2, HW_PASID_NONE, IOVA,
						  buf, sizeof(buf)));
		T_EQ(mem[0], 1);
		ASSERT_OK(hw_dma_write(m, 2, HW_PASID_NONE, IOVA, buf,
				       SZ_4K));
		T_EQ(mem[0], 0xee);
		mem[0] = 1;
	}
	/* A configuration change (another root, same tag) is seen at once
	 * for the configuration, and entries still cached stay (as on
	 * hardware) until invalidated. */
	ASSERT_OK(hw_vtd_iotlb_domain(m, 3));
	ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA, buf, 64));
	ASSERT_OK(hw_dma_read(m, 2, HW_PASID_NONE, IOVA, buf, 64));
	c.mode = HW_MODE_BLOCKED;
	ASSERT_OK(hw_config_set(m, 2, HW_PASID_NONE, &c));
	ASSERT_ERRNO(EFAULT, hw_dma_read(m, 2, HW_PASID_NONE, IOVA, buf, 64));
	hw_destroy(m);
	pt_destroy(pt);
	free(mem);
}
