// SPDX-License-Identifier: MIT
/*
 * Golden tests for the ARM VMSAv8-64 formats (src/pt/fmt_arm.c): stage 1
 * and stage 2 descriptors at every level, 4K/16K/64K granules, the
 * contiguous hint, stage-2 concatenation and DBM dirty encoding.  Expected
 * words are computed by hand from the Arm ARM descriptor layout; the
 * comments break them down.  MAIR convention: PT_ARM_MAIR (idx 0 NC,
 * 1 WB, 2 Device).
 */
#include <errno.h>

#include "../harness.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_NE(a, b) ASSERT_NE((uint64_t)(a), (uint64_t)(b))

#define T_RW (PT_PROT_READ | PT_PROT_WRITE)
#define T_ADDR48 0x0000fffffffff000ULL /* table address, 4K granule */
#define T_IOVA 0x8040201000ULL	       /* index 1 at every 4K level */
#define T_OA 0x123456789000ULL

static struct pt *t_arm(enum pt_format f, unsigned int granule,
			unsigned int ias, unsigned int flags)
{
	struct pt_cfg cfg = {
		.format = f, .granule = granule, .ias = ias, .flags = flags,
	};
	struct pt *pt = NULL;

	if (pt_create(&cfg, &pt))
		return NULL;
	return pt;
}

static uint64_t *t_root(struct pt *pt)
{
	return (uint64_t *)(uintptr_t)pt_root(pt);
}

/* The next table; checks the descriptor is exactly address | 0b11. */
static uint64_t *t_tbl(uint64_t e, uint64_t addr_mask)
{
	if ((e & ~addr_mask) != 0x3)
		return NULL;
	return (uint64_t *)(uintptr_t)(e & addr_mask);
}

/* Level-0 table holding @iova in a 4K, 4-level table. */
static uint64_t *t_l0_4k(struct pt *pt, uint64_t iova)
{
	uint64_t *t = t_root(pt);
	int sh;

	for (sh = 39; sh > 12 && t; sh -= 9)
		t = t_tbl(t[(iova >> sh) & 511], T_ADDR48);
	return t;
}

TEST(pt_arm, s1_4k_page_and_block_golden)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S1, 4096, 48, 0);
	uint64_t *l3, *l2, *l1, *l0;

	ASSERT_NONNULL(pt);
	T_EQ(pt_get_geom(pt)->levels, 4);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, T_RW | PT_PROT_CACHE, NULL));
	/* 1G block at L1 index 2, 2M block at L2 index 2. */
	ASSERT_OK(pt_map(pt, 0x8080000000ULL, 0x80000000ULL, 1 << 30, T_RW,
			 NULL));
	ASSERT_OK(pt_map(pt, 0x8040400000ULL, 0x200000000ULL, 2 << 20,
			 T_RW | PT_PROT_CACHE, NULL));
	/* Read-only, privileged, executable page at L3 index 2. */
	ASSERT_OK(pt_map(pt, T_IOVA + 0x1000, T_OA + 0x1000, 4096,
			 PT_PROT_READ | PT_PROT_PRIV | PT_PROT_EXEC, NULL));
	/* Device memory at L3 index 3. */
	ASSERT_OK(pt_map(pt, T_IOVA + 0x2000, T_OA + 0x2000, 4096,
			 T_RW | PT_PROT_MMIO, NULL));

	l3 = t_root(pt);
	l2 = t_tbl(l3[1], T_ADDR48);
	ASSERT_NONNULL(l2);
	l1 = t_tbl(l2[1], T_ADDR48);
	ASSERT_NONNULL(l1);
	l0 = t_tbl(l1[1], T_ADDR48);
	ASSERT_NONNULL(l0);
	/*
	 * Page, RW, cacheable: 0x0060_1234_5678_9f47
	 *   54 UXN=1, 53 PXN=1, 47:12 OA=0x123456789, 11 nG=1, 10 AF=1,
	 *   9:8 SH=11 (inner shareable), 7:6 AP=01 (RW, EL0 too),
	 *   4:2 AttrIndx=001 (WB), 1:0 = 11 (page)
	 */
	T_EQ(l0[1], 0x0060123456789f47ULL);
	/*
	 * Page, RO, privileged, executable: 0x0000_1234_5678_ae83
	 *   AP=10 (RO, EL1 only), SH=10 (outer), AttrIndx=000 (NC), no XN
	 */
	T_EQ(l0[2], 0x000012345678ae83ULL);
	/* Device: AttrIndx=010 (bits 4:2 = 0x8), SH=10: ...be4b */
	T_EQ(l0[3], 0x006012345678be4bULL);
	/* 2M block: bits 1:0 = 01, otherwise as the RW WB page: ...0f45 */
	T_EQ(l1[2], 0x0060000200000f45ULL);
	/* 1G block, RW non-cacheable: nG|AF|SH=10|AP=01|idx 0|01 = 0xe41 */
	T_EQ(l2[2], 0x0060000080000e41ULL);
	pt_destroy(pt);
}

TEST(pt_arm, s2_4k_golden)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S2, 4096, 48, 0);
	uint64_t *l0;

	ASSERT_NONNULL(pt);
	/* 48-bit, 4K: the top resolves 9 bits, no concatenation. */
	T_EQ(pt_get_geom(pt)->levels, 4);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x1000, T_OA, 4096, PT_PROT_READ, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x2000, T_OA, 4096, T_RW | PT_PROT_MMIO,
			 NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x3000, T_OA, 4096,
			 T_RW | PT_PROT_EXEC, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x4000, T_OA, 4096, PT_PROT_WRITE,
			 NULL));
	l0 = t_l0_4k(pt, T_IOVA);
	ASSERT_NONNULL(l0);
	/*
	 * RW cacheable: 0x0040_1234_5678_97ff
	 *   54 XN[1]=1 (XN=10: never executable), 10 AF, 9:8 SH=11,
	 *   7:6 S2AP=11 (write, read), 5:2 MemAttr=1111 (WB), 1:0 = 11
	 */
	T_EQ(l0[1], 0x00401234567897ffULL);
	/* RO non-cacheable: S2AP=01, MemAttr=0101, SH=10: 0x...9657 */
	T_EQ(l0[2], 0x0040123456789657ULL);
	/* Device: MemAttr=0001, S2AP=11, SH=10: 0x...96c7 */
	T_EQ(l0[3], 0x00401234567896c7ULL);
	/* Executable: XN=00: 0x0000_...96d7 */
	T_EQ(l0[4], 0x00001234567896d7ULL);
	/* Write-only is expressible at stage 2: S2AP=10: 0x...9697 */
	T_EQ(l0[5], 0x0040123456789697ULL);
	pt_destroy(pt);
}

TEST(pt_arm, contiguous_4k_run)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S1, 4096, 48, 0);
	uint64_t iova = 0x8040210000ULL, oa = 0x123456780000ULL, size;
	uint64_t *l0;
	int i;

	ASSERT_NONNULL(pt);
	/* 64K + 4K: a 16-entry contiguous run, then one plain page. */
	ASSERT_OK(pt_map(pt, iova, oa, 0x11000, T_RW | PT_PROT_CACHE, NULL));
	/* Same size with oa off by 4K: no run is possible. */
	ASSERT_OK(pt_map(pt, iova + 0x20000, oa + 0x1000, 0x10000,
			 T_RW | PT_PROT_CACHE, NULL));
	l0 = t_l0_4k(pt, iova);
	ASSERT_NONNULL(l0);
	/* Entries 16..31: bit 52 (Contiguous) on top of ...f47. */
	for (i = 0; i < 16; i++)
		T_EQ(l0[16 + i], 0x0070123456780f47ULL + ((uint64_t)i << 12));
	T_EQ(l0[32], 0x0060123456790f47ULL);
	T_EQ(l0[33], 0);
	for (i = 0; i < 16; i++)
		T_EQ(l0[48 + i], 0x0060123456781f47ULL + ((uint64_t)i << 12));
	ASSERT_OK(pt_iova_to_phys(pt, iova + 0x5123, &oa, NULL, &size));
	T_EQ(oa, 0x123456785123ULL);
	T_EQ(size, 0x10000);
	pt_destroy(pt);
}

TEST(pt_arm, contiguous_4k_blocks)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S2, 4096, 48, 0);
	uint64_t *l1;
	int i;

	ASSERT_NONNULL(pt);
	/* 32M = 16 x 2M blocks with the contiguous bit at L2. */
	ASSERT_OK(pt_map(pt, 0x8042000000ULL, 0x40000000ULL, 32 << 20,
			 T_RW | PT_PROT_CACHE, NULL));
	l1 = t_tbl(t_tbl(t_root(pt)[1], T_ADDR48)[1], T_ADDR48);
	ASSERT_NONNULL(l1);
	for (i = 0; i < 16; i++)
		/* block (01): ...07fd; Contiguous bit 52 */
		T_EQ(l1[16 + i], 0x00500000400007fdULL + ((uint64_t)i << 21));
	T_EQ(l1[15], 0);
	T_EQ(l1[32], 0);
	pt_destroy(pt);
}

TEST(pt_arm, granule_16k)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S1, 16384, 48, 0);
	const struct pt_geom *g;
	uint64_t *t, iova = 0x4000, oa;
	const uint64_t a16 = 0x0000ffffffffc000ULL;
	int i;

	ASSERT_NONNULL(pt);
	g = pt_get_geom(pt);
	/* 48 = 14 + 11 + 11 + 11 + 1: four levels, L0 has two entries. */
	T_EQ(g->levels, 4);
	T_EQ(g->idx_mask[3], 1);
	/* 16K pages, 2M (128 x 16K), 32M blocks, 1G (32 x 32M). */
	T_EQ(g->pgsize_bitmap, (1ULL << 14) | (1ULL << 21) | (1ULL << 25) |
				       (1ULL << 30));
	ASSERT_OK(pt_map(pt, iova, 0x123456788000ULL, 16384,
			 T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(pt, 0x200000, 0x40000000ULL, 2 << 20,
			 T_RW | PT_PROT_CACHE, NULL));
	t = t_root(pt);
	for (i = 0; i < 3 && t; i++)
		t = t_tbl(t[0], a16);
	ASSERT_NONNULL(t);
	/* 16K page: OA in 47:14, same attributes as the 4K case. */
	T_EQ(t[1], 0x0060123456788f47ULL);
	/* 2M = 128-entry contiguous run at L3 indices 128..255. */
	for (i = 0; i < 128; i++)
		T_EQ(t[128 + i], 0x0070000040000f47ULL + ((uint64_t)i << 14));
	ASSERT_OK(pt_iova_to_phys(pt, 0x2fc010, &oa, NULL, NULL));
	T_EQ(oa, 0x400fc010ULL);
	pt_destroy(pt);
}

TEST(pt_arm, granule_64k)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S2, 65536, 48, 0);
	const struct pt_geom *g;
	const uint64_t a64 = 0x0000ffffffff0000ULL;
	uint64_t *l1, *l2, *l3;
	int i;

	ASSERT_NONNULL(pt);
	g = pt_get_geom(pt);
	/* 48 = 16 + 13 + 13 + 6: three levels, L1 has 64 entries (too many
	 * to concatenate). */
	T_EQ(g->levels, 3);
	T_EQ(g->idx_mask[2], 63);
	/* 64K, 2M (32 x 64K), 512M, 16G (32 x 512M). */
	T_EQ(g->pgsize_bitmap, (1ULL << 16) | (1ULL << 21) | (1ULL << 29) |
				       (1ULL << 34));
	ASSERT_OK(pt_map(pt, 0x10000, 0x123456780000ULL, 65536,
			 T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(pt, 0x20000000, 0x60000000ULL, 512 << 20,
			 T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(pt, 0x200000, 0x40000000ULL, 2 << 20,
			 T_RW | PT_PROT_CACHE, NULL));
	l1 = t_root(pt);
	l2 = t_tbl(l1[0], a64);
	ASSERT_NONNULL(l2);
	l3 = t_tbl(l2[0], a64);
	ASSERT_NONNULL(l3);
	T_EQ(l3[1], 0x00401234567807ffULL);
	/* 512M block at L2 index 1 */
	T_EQ(l2[1], 0x00400000600007fdULL);
	/* 2M = 32 x 64K contiguous at L3 indices 32..63. */
	for (i = 0; i < 32; i++)
		T_EQ(l3[32 + i], 0x00500000400007ffULL + ((uint64_t)i << 16));
	pt_destroy(pt);
}

TEST(pt_arm, s2_concatenation)
{
	struct pt_cfg cfg = { .format = PT_FMT_ARM_S2, .granule = 4096 };
	struct pt_geom g;
	struct pt *pt;
	uint64_t oa;

	/* 40-bit IPA: L0 would resolve 1 bit: 2 concatenated L1 tables. */
	cfg.ias = 40;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 3);
	T_EQ(g.idx_mask[2], 1023);
	T_EQ(g.root_bytes, 8192);
	/* 43 bits: 16 tables, the maximum. */
	cfg.ias = 43;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 3);
	T_EQ(g.root_bytes, 16 * 4096);
	/* 44 bits: 32 would be needed, so a 4-level walk. */
	cfg.ias = 44;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 4);
	/* 32 bits: 4 concatenated L2 tables, a 2-level walk. */
	cfg.ias = 32;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 2);
	T_EQ(g.root_bytes, 4 * 4096);
	/* 16K, 48 bits: L0 would have 2 entries -> 2 L1 tables. */
	cfg.granule = 16384;
	cfg.ias = 48;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 3);
	T_EQ(g.root_bytes, 2 * 16384);
	/* Opt-out, and stage 1 never concatenates. */
	cfg.flags = PT_CFG_ARM_NO_CONCAT;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 4);
	cfg.flags = 0;
	cfg.format = PT_FMT_ARM_S1;
	cfg.granule = 4096;
	cfg.ias = 40;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 4);

	/* A mapping in the second concatenated table; the root is aligned
	 * to its total size. */
	cfg.format = PT_FMT_ARM_S2;
	ASSERT_OK(pt_create(&cfg, &pt));
	T_EQ(pt_root(pt) & 8191, 0);
	ASSERT_OK(pt_map(pt, (1ULL << 39) | 0x40000000ULL, 0x80000000ULL,
			 1 << 30, T_RW, NULL));
	/* Index 513 of the 1024-entry L1: 1G block, RW, NC, XN. */
	T_EQ(t_root(pt)[513], 0x00400000800006d5ULL);
	ASSERT_OK(pt_iova_to_phys(pt, (1ULL << 39) | 0x40000010ULL, &oa, NULL,
				  NULL));
	T_EQ(oa, 0x80000010ULL);
	pt_destroy(pt);
}

TEST(pt_arm, geometry_errors)
{
	struct pt_cfg cfg = { .format = PT_FMT_ARM_S1 };
	struct pt_geom g;

	cfg.ias = 49;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.ias = 48;
	cfg.granule = 8192;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.granule = 65536;
	cfg.levels = 4;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.levels = 3;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	cfg.oas = 52;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	/* A restriction to sizes the granule lacks leaves nothing. */
	cfg.oas = 0;
	cfg.pgsize_bitmap = 1ULL << 12;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
}

TEST(pt_arm, dbm_writable_clean)
{
	struct pt *s1 = t_arm(PT_FMT_ARM_S1, 4096, 48, PT_CFG_HW_AD);
	struct pt *s2 = t_arm(PT_FMT_ARM_S2, 4096, 48, PT_CFG_HW_AD);
	struct pt_walk_result res;
	uint64_t *l0;

	ASSERT_NONNULL(s1);
	ASSERT_NONNULL(s2);
	ASSERT_OK(pt_map(s1, T_IOVA, T_OA, 4096, T_RW | PT_PROT_CACHE, NULL));
	ASSERT_OK(pt_map(s2, T_IOVA, T_OA, 4096, T_RW | PT_PROT_CACHE, NULL));
	/* S1 writable-clean: DBM (51) and AP[2]=1: 0x0068_..._9fc7 */
	l0 = t_l0_4k(s1, T_IOVA);
	ASSERT_NONNULL(l0);
	T_EQ(l0[1], 0x0068123456789fc7ULL);
	/* A hardware write clears AP[2]: writable-dirty 0x0068_..._9f47 */
	ASSERT_OK(pt_walk_table(s1, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(l0[1], 0x0068123456789f47ULL);
	T_EQ(res.prot & PT_PROT_WRITE, PT_PROT_WRITE);
	/* S2 writable-clean: DBM and S2AP=01: 0x0048_..._977f */
	l0 = t_l0_4k(s2, T_IOVA);
	ASSERT_NONNULL(l0);
	T_EQ(l0[1], 0x004812345678977fULL);
	ASSERT_OK(pt_walk_table(s2, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(l0[1], 0x004812345678977fULL);
	ASSERT_OK(pt_walk_table(s2, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(l0[1], 0x00481234567897ffULL);
	pt_destroy(s1);
	pt_destroy(s2);
}

TEST(pt_arm, access_flag_and_table_attrs)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S1, 4096, 48, 0);
	struct pt_walk_result res;
	uint64_t *l3, *l0;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, T_RW, NULL));
	l0 = t_l0_4k(pt, T_IOVA);
	ASSERT_NONNULL(l0);
	/* Clear AF (bit 10) as a guest that uses software AF would. */
	l0[1] &= ~(1ULL << 10);
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_ACCESS_FLAG);
	T_EQ(res.fault_level, 0);
	T_EQ(res.reads, 4);
	/* The access flag fault wins over a permission fault. */
	l0[1] |= 1ULL << 7; /* AP[2]: read-only */
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_ACCESS_FLAG);
	l0[1] |= 1ULL << 10;
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	T_EQ(res.fault_access, PT_ACCESS_WRITE);
	l0[1] &= ~(1ULL << 7);
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_WRITE, &res));
	/* APTable[1] (bit 62) in the L0 descriptor forbids writes below. */
	l3 = t_root(pt);
	l3[1] |= 1ULL << 62;
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	/* APTable[0] (bit 61) forbids unprivileged access below. */
	l3[1] ^= (1ULL << 62) | (1ULL << 61);
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_READ | PT_ACCESS_PRIV,
				&res));
	l3[1] &= ~(1ULL << 61);
	/* A 0b01 descriptor at L3 is reserved: a translation fault. */
	l0[1] &= ~2ULL;
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_NOT_PRESENT);
	l0[1] |= 2;
	pt_destroy(pt);
}

TEST(pt_arm, hw_access_flag_update)
{
	struct pt *pt = t_arm(PT_FMT_ARM_S2, 4096, 48, PT_CFG_HW_AD);
	struct pt_walk_result res;
	uint64_t *l0;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, PT_PROT_READ, NULL));
	l0 = t_l0_4k(pt, T_IOVA);
	ASSERT_NONNULL(l0);
	l0[1] &= ~(1ULL << 10);
	/* With HA the walker sets AF instead of faulting. */
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(l0[1] & (1ULL << 10), 1ULL << 10);
	/* A probe never writes. */
	l0[1] &= ~(1ULL << 10);
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_PROBE, &res));
	T_EQ(l0[1] & (1ULL << 10), 0);
	/* Read-only without DBM stays a permission fault for writes. */
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	pt_destroy(pt);
}
