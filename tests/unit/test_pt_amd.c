// SPDX-License-Identifier: MIT
/*
 * Golden tests for the AMD IOMMU v1 format (src/pt/fmt_amd.c): table
 * entries with their NextLevel field, natural leaves, and NL=7 pages of
 * power-of-two sizes replicated over the entries they cover, with the size
 * encoded as a run of ones in the low address bits.  Expected words are
 * computed by hand from the AMD IOMMU spec layout.
 */
#include <errno.h>

#include "../harness.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))

#define T_RW (PT_PROT_READ | PT_PROT_WRITE)
#define T_ADDR 0x000ffffffffff000ULL
#define T_IOVA 0x8040201000ULL /* index 1 at every level */
#define T_OA 0x123456789000ULL
/* IR(61) | IW(62) */
#define T_IRW 0x6000000000000000ULL

static struct pt *t_amd(unsigned int levels, uint64_t sizes)
{
	struct pt_cfg cfg = {
		.format = PT_FMT_AMD_V1, .levels = levels,
		.pgsize_bitmap = sizes,
	};
	struct pt *pt = NULL;

	if (pt_create(&cfg, &pt))
		return NULL;
	return pt;
}

static uint64_t *t_tbl(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & T_ADDR);
}

static uint64_t *t_root(struct pt *pt)
{
	return (uint64_t *)(uintptr_t)pt_root(pt);
}

TEST(pt_amd, tables_and_4k_golden)
{
	struct pt *pt = t_amd(4, 0);
	uint64_t *l3, *l2, *l1, *l0;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, T_RW, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x1000, T_OA + 0x1000, 4096,
			 T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x2000, T_OA + 0x2000, 4096,
			 PT_PROT_READ, NULL));
	l3 = t_root(pt);
	/*
	 * Mode-4 root entry: 0x6000_xxxx_xxxx_x601
	 *   62 IW, 61 IR (ANDed down the walk, so always set in tables),
	 *   51:12 address of the spec-level-3 table, 11:9 NL=3, 0 PR
	 */
	T_EQ(l3[1] & ~T_ADDR, T_IRW | 0x601);
	l2 = t_tbl(l3[1]);
	T_EQ(l2[1] & ~T_ADDR, T_IRW | 0x401); /* NL=2 */
	l1 = t_tbl(l2[1]);
	T_EQ(l1[1] & ~T_ADDR, T_IRW | 0x201); /* NL=1 */
	l0 = t_tbl(l1[1]);
	/* 4K leaf: IW | IR | OA | NL=0 | PR = 0x6000_1234_5678_9001 */
	T_EQ(l0[1], 0x6000123456789001ULL);
	/* FC (60) for a coherent mapping */
	T_EQ(l0[2], 0x700012345678a001ULL);
	/* read-only: IR only */
	T_EQ(l0[3], 0x200012345678b001ULL);
	pt_destroy(pt);
}

TEST(pt_amd, nl7_replicated_golden)
{
	struct pt *pt = t_amd(4, 0);
	uint64_t *l1, *l0, oa, size;
	unsigned int i;

	ASSERT_NONNULL(pt);
	/* 8K: NL=7, address bit 12 = 0 (first zero at bit 12 -> 2^13);
	 * both entries 0x6000_1234_5678_0e01. */
	ASSERT_OK(pt_map(pt, 0x8040204000ULL, 0x123456780000ULL, 0x2000, T_RW,
			 NULL));
	/* 16K: bits 13:12 = 01 -> 0x...5e01 in 4 entries. */
	ASSERT_OK(pt_map(pt, 0x8040208000ULL, 0x123456784000ULL, 0x4000, T_RW,
			 NULL));
	/* 32K: bits 14:12 = 011 -> 0x...be01 in 8 entries. */
	ASSERT_OK(pt_map(pt, 0x8040210000ULL, 0x123456788000ULL, 0x8000, T_RW,
			 NULL));
	/* 1M: bits 19:12 = 0111_1111 -> 0x...7_fe01 in 256 entries. */
	ASSERT_OK(pt_map(pt, 0x8040300000ULL, 0x123456700000ULL, 1 << 20,
			 T_RW, NULL));
	/* 2M natural leaf at level 2: NL=0. */
	ASSERT_OK(pt_map(pt, 0x8040400000ULL, 0x200000000ULL, 2 << 20, T_RW,
			 NULL));
	/* 4M at level 2: NL=7, bits 20:12 all ones, bit 21 zero, in the two
	 * 2M entries it covers. */
	ASSERT_OK(pt_map(pt, 0x8040800000ULL, 0x123456400000ULL, 4 << 20,
			 T_RW, NULL));

	l1 = t_tbl(t_tbl(t_root(pt)[1])[1]);
	l0 = t_tbl(l1[1]);
	T_EQ(l0[4], 0x6000123456780e01ULL);
	T_EQ(l0[5], 0x6000123456780e01ULL);
	T_EQ(l0[6], 0);
	for (i = 8; i < 12; i++)
		T_EQ(l0[i], 0x6000123456785e01ULL);
	for (i = 16; i < 24; i++)
		T_EQ(l0[i], 0x600012345678be01ULL);
	T_EQ(l0[24], 0);
	for (i = 256; i < 512; i++)
		T_EQ(l0[i], 0x600012345677fe01ULL);
	T_EQ(l1[2], 0x6000000200000001ULL);
	T_EQ(l1[4], 0x60001234565ffe01ULL);
	T_EQ(l1[5], 0x60001234565ffe01ULL);

	/* Decoding finds the page size from the address bits. */
	ASSERT_OK(pt_iova_to_phys(pt, 0x804020b123ULL, &oa, NULL, &size));
	T_EQ(oa, 0x123456787123ULL);
	T_EQ(size, 0x4000);
	ASSERT_OK(pt_iova_to_phys(pt, 0x80403abcdeULL, &oa, NULL, &size));
	T_EQ(oa, 0x1234567abcdeULL);
	T_EQ(size, 1 << 20);
	ASSERT_OK(pt_iova_to_phys(pt, 0x8040a12345ULL, &oa, NULL, &size));
	T_EQ(oa, 0x123456612345ULL);
	T_EQ(size, 4 << 20);
	pt_destroy(pt);
}

TEST(pt_amd, pgsize_bitmap_restricts)
{
	/* Only 4K and 8K: a 64K map becomes eight 8K pages. */
	struct pt *pt = t_amd(3, (1ULL << 12) | (1ULL << 13));
	uint64_t *l0;
	unsigned int i;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, 0x10000, 0x123456780000ULL, 0x10000, T_RW, NULL));
	l0 = t_tbl(t_tbl(t_root(pt)[0])[0]);
	for (i = 0; i < 16; i++)
		T_EQ(l0[16 + i],
		     0x6000123456780e01ULL + ((uint64_t)(i / 2) << 13));
	pt_destroy(pt);
}

TEST(pt_amd, geometry)
{
	struct pt_cfg cfg = { .format = PT_FMT_AMD_V1 };
	struct pt_geom g;

	cfg.levels = 1;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.ias, 21);
	/* 4K .. 1M at level 1 only */
	T_EQ(g.pgsize_bitmap, 0x1ff000ULL);
	cfg.levels = 4;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.ias, 48);
	T_EQ(g.pgsize_bitmap, 0x0000fffffffff000ULL & ~(1ULL << 39));
	cfg.levels = 6;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	/* The 6th level decodes IOVA[63:57]: 128 entries, full 64 bits, and
	 * cannot hold leaves. */
	T_EQ(g.ias, 64);
	T_EQ(g.idx_mask[5], 127);
	T_EQ(g.leaf_levels, 0x1f);
	T_EQ(g.pgsize_bitmap, 0x000ffffffffff000ULL & ~(1ULL << 39));
	cfg.levels = 7;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.levels = 0;
	cfg.ias = 40;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 4);
	T_EQ(g.ias, 40);
}

TEST(pt_amd, six_levels_full_space)
{
	struct pt *pt = t_amd(6, 0);
	uint64_t iova = 0xfe00000000001000ULL, oa;
	struct pt_walk_result res;
	uint64_t *t;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, iova, T_OA, 4096, T_RW, NULL));
	t = t_root(pt);
	/* Top index = IOVA[63:57] = 127; its entry points at level 5. */
	T_EQ(t[127] & ~T_ADDR, T_IRW | 0xa01);
	ASSERT_OK(pt_walk_table(pt, iova + 8, PT_ACCESS_WRITE, &res));
	T_EQ(res.reads, 6);
	T_EQ(res.oa, T_OA + 8);
	ASSERT_OK(pt_iova_to_phys(pt, iova, &oa, NULL, NULL));
	/* The last page of the 64-bit space. */
	ASSERT_OK(pt_map(pt, 0xfffffffffffff000ULL, T_OA, 4096, T_RW, NULL));
	ASSERT_OK(pt_iova_to_phys(pt, 0xffffffffffffffffULL, &oa, NULL, NULL));
	T_EQ(oa, T_OA + 0xfff);
	ASSERT_ERRNO(EOVERFLOW, pt_map(pt, 0xfffffffffffff000ULL, T_OA, 8192,
				       T_RW, NULL));
	pt_destroy(pt);
}

TEST(pt_amd, beyond_mode_is_address_size)
{
	struct pt *pt = t_amd(3, 0);
	struct pt_walk_result res;

	ASSERT_NONNULL(pt);
	/* Mode 3 decodes 39 bits; bit 39 set must fault, not wrap. */
	ASSERT_ERRNO(EFAULT,
		     pt_walk_table(pt, 1ULL << 39, PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_ADDRESS_SIZE);
	ASSERT_ERRNO(EINVAL, pt_map(pt, 1ULL << 39, T_OA, 4096, T_RW, NULL));
	pt_destroy(pt);
}
