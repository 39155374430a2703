// SPDX-License-Identifier: MIT
/*
 * Golden tests for the Intel VT-d formats (src/pt/fmt_vtd.c): the exact
 * 64-bit entries written at every level, checked against words computed by
 * hand from the VT-d spec (second stage) and the x86-64 paging layout
 * (first stage).  Table entries hold a run-time address, so for them the
 * test checks the flag bits exactly and that the address field is the next
 * table the walk reads.
 */
#include <errno.h>

#include "../harness.h"
#include "pt/pt.h"

/* -Wsign-compare: compare everything as uint64_t. */
#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_NE(a, b) ASSERT_NE((uint64_t)(a), (uint64_t)(b))

#define T_ADDR 0x000ffffffffff000ULL /* bits 51:12 */

/* IOVA 0x8040201000: index 1 at every level of a 4-level table
 * (47:39 = 1, 38:30 = 1, 29:21 = 1, 20:12 = 1). */
#define T_IOVA 0x8040201000ULL
#define T_OA 0x123456789000ULL

static struct pt *t_new(enum pt_format f, unsigned int levels,
			unsigned int flags)
{
	struct pt_cfg cfg = { .format = f, .levels = levels, .flags = flags };
	struct pt *pt = NULL;

	if (pt_create(&cfg, &pt))
		return NULL;
	return pt;
}

static uint64_t *t_tbl(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & T_ADDR);
}

TEST(pt_vtd, ss_golden_4k_rw)
{
	struct pt *pt = t_new(PT_FMT_VTD_SS, 4, 0);
	uint64_t *l3, *l2, *l1, *l0;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	l3 = (uint64_t *)(uintptr_t)pt_root(pt);
	/* Table entries: address | W(1) | R(0) = ...003; nothing else. */
	T_EQ(l3[1] & ~T_ADDR, 0x3);
	l2 = t_tbl(l3[1]);
	T_EQ(l2[1] & ~T_ADDR, 0x3);
	l1 = t_tbl(l2[1]);
	T_EQ(l1[1] & ~T_ADDR, 0x3);
	l0 = t_tbl(l1[1]);
	/*
	 * 4K leaf: 0x0000_1234_5678_9003
	 *   51:12 = 0x123456789 (OA), 11 SNP=0, 9 D=0, 8 A=0, 7 PS=0,
	 *   2 X=0, 1 W=1, 0 R=1
	 */
	T_EQ(l0[1], 0x0000123456789003ULL);
	T_EQ(l0[0], 0);
	T_EQ(l0[2], 0);
	T_EQ(pt_table_bytes(pt), 4 * 4096);
	pt_destroy(pt);
}

TEST(pt_vtd, ss_golden_ro_snoop_and_large)
{
	struct pt *pt = t_new(PT_FMT_VTD_SS, 4, 0);
	uint64_t *l3, *l2, *l1;

	ASSERT_NONNULL(pt);
	/* Read-only, snooped 4K: 0x...9801 = SNP(11) | R(0). */
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096,
			 PT_PROT_READ | PT_PROT_CACHE, NULL));
	/* 2M leaf at PDE index 2 (iova 0x8040400000), oa 0x200000000:
	 * 0x0000_0002_0000_0083 = OA | PS(7) | W(1) | R(0). */
	ASSERT_OK(pt_map(pt, 0x8040400000ULL, 0x200000000ULL, 2 << 20,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	/* 1G leaf at PDPTE index 2 (iova 0x8080000000), oa 0x80000000:
	 * 0x0000_0000_8000_0083. */
	ASSERT_OK(pt_map(pt, 0x8080000000ULL, 0x80000000ULL, 1 << 30,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	l3 = (uint64_t *)(uintptr_t)pt_root(pt);
	l2 = t_tbl(l3[1]);
	l1 = t_tbl(l2[1]);
	T_EQ(t_tbl(l1[1])[1], 0x0000123456789801ULL);
	T_EQ(l1[2], 0x0000000200000083ULL);
	T_EQ(l2[2], 0x0000000080000083ULL);
	pt_destroy(pt);
}

TEST(pt_vtd, ss_levels_and_widths)
{
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS };
	struct pt_geom g;

	cfg.ias = 39;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 3);
	/* A 3-level table still has 1G leaves at its top. */
	T_EQ(g.pgsize_bitmap, (1ULL << 12) | (1ULL << 21) | (1ULL << 30));
	cfg.ias = 48;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 4);
	cfg.ias = 57;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 5);
	T_EQ(g.shift[4], 48);
	cfg.ias = 58;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.ias = 0;
	cfg.levels = 2;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
	cfg.levels = 5;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.ias, 57);
	cfg.granule = 16384;
	ASSERT_ERRNO(EINVAL, pt_geom_init(&g, &cfg));
}

TEST(pt_vtd, ss_5level_path)
{
	struct pt *pt = t_new(PT_FMT_VTD_SS, 5, 0);
	/* index 1 at all five levels: 56:48 = 1 plus the 4-level pattern */
	uint64_t iova = (1ULL << 48) | T_IOVA, oa;
	struct pt_walk_result res;
	uint64_t *t;
	int l;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, iova, T_OA, 4096, PT_PROT_READ, NULL));
	t = (uint64_t *)(uintptr_t)pt_root(pt);
	for (l = 4; l > 0; l--) {
		T_EQ(t[1] & ~T_ADDR, 0x3);
		t = t_tbl(t[1]);
	}
	T_EQ(t[1], T_OA | 0x1);
	ASSERT_OK(pt_walk_table(pt, iova + 0x10, PT_ACCESS_READ, &res));
	T_EQ(res.reads, 5);
	T_EQ(res.oa, T_OA + 0x10);
	ASSERT_OK(pt_iova_to_phys(pt, iova, &oa, NULL, NULL));
	T_EQ(oa, T_OA);
	/* SS has no present bit: a W-only leaf is present, a R/W-less one
	 * is not. */
	ASSERT_ERRNO(EINVAL, pt_map(pt, 0, T_OA, 4096, PT_PROT_CACHE, NULL));
	pt_destroy(pt);
}

TEST(pt_vtd, fs_golden_4k_and_2m)
{
	struct pt *pt = t_new(PT_FMT_VTD_FS, 4, 0);
	uint64_t *l3, *l2, *l1, *l0;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	/* Read-only, privileged (supervisor) page at index 2. */
	ASSERT_OK(pt_map(pt, T_IOVA + 0x1000, T_OA + 0x1000, 4096,
			 PT_PROT_READ | PT_PROT_PRIV, NULL));
	/* MMIO page at index 3: PCD(4) | PWT(3). */
	ASSERT_OK(pt_map(pt, T_IOVA + 0x2000, T_OA + 0x2000, 4096,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_MMIO, NULL));
	ASSERT_OK(pt_map(pt, 0x8040400000ULL, 0x200000000ULL, 2 << 20,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	l3 = (uint64_t *)(uintptr_t)pt_root(pt);
	/* Tables: A(5) | U/S(2) | R/W(1) | P(0) = 0x27. */
	T_EQ(l3[1] & ~T_ADDR, 0x27);
	l2 = t_tbl(l3[1]);
	T_EQ(l2[1] & ~T_ADDR, 0x27);
	l1 = t_tbl(l2[1]);
	T_EQ(l1[1] & ~T_ADDR, 0x27);
	l0 = t_tbl(l1[1]);
	/*
	 * 0x0000_1234_5678_9027: 63 XD=0, 51:12 OA, 7 PAT=0, 6 D=0 (clean),
	 * 5 A=1 (preset), 4 PCD=0, 3 PWT=0, 2 U/S=1, 1 R/W=1, 0 P=1
	 */
	T_EQ(l0[1], 0x0000123456789027ULL);
	/* 0x...a021: A | P, U/S=0 (supervisor), R/W=0 */
	T_EQ(l0[2], 0x000012345678a021ULL);
	/* 0x...b03f: A | PCD | PWT | U/S | R/W | P */
	T_EQ(l0[3], 0x000012345678b03fULL);
	/* 2M: 0x0000_0002_0000_00a7 = PS(7) | A | U/S | R/W | P */
	T_EQ(l1[2], 0x00000002000000a7ULL);
	pt_destroy(pt);
}

TEST(pt_vtd, fs_xd_with_nxe)
{
	struct pt *pt = t_new(PT_FMT_VTD_FS, 4, PT_CFG_X86_NXE);
	struct pt_walk_result res;
	uint64_t *t;
	int l;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096, PT_PROT_READ, NULL));
	ASSERT_OK(pt_map(pt, T_IOVA + 0x1000, T_OA, 4096,
			 PT_PROT_READ | PT_PROT_EXEC, NULL));
	t = (uint64_t *)(uintptr_t)pt_root(pt);
	for (l = 3; l > 0; l--)
		t = t_tbl(t[1]);
	/* XD(63) | A | U/S | P */
	T_EQ(t[1], 0x8000123456789025ULL);
	T_EQ(t[2], 0x0000123456789025ULL);
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_EXEC, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	T_EQ(res.fault_access, PT_ACCESS_EXEC);
	ASSERT_OK(pt_walk_table(pt, T_IOVA + 0x1000, PT_ACCESS_EXEC, &res));
	pt_destroy(pt);
}

TEST(pt_vtd, fs_canonical_upper_half)
{
	struct pt *pt = t_new(PT_FMT_VTD_FS, 4, 0);
	uint64_t hi = 0xffff800000000000ULL; /* first upper-half address */
	struct pt_walk_result res;
	struct pt_gather gather;
	uint64_t oa, unmapped;
	uint64_t *root;

	ASSERT_NONNULL(pt);
	pt_gather_init(&gather);
	ASSERT_OK(pt_map(pt, hi + 0x3000, T_OA, 8192,
			 PT_PROT_READ | PT_PROT_WRITE, &gather));
	T_EQ(gather.start, hi + 0x3000);
	T_EQ(gather.last, hi + 0x4fff);
	/* Bit 47 set: PML4 index 256. */
	root = (uint64_t *)(uintptr_t)pt_root(pt);
	T_NE(root[256], 0);
	ASSERT_OK(pt_iova_to_phys(pt, hi + 0x4008, &oa, NULL, NULL));
	T_EQ(oa, T_OA + 0x1008);
	/* Not sign-extended: the walker refuses it before any read. */
	ASSERT_ERRNO(EFAULT,
		     pt_walk_table(pt, 0x0000800000003000ULL, PT_ACCESS_READ,
				   &res));
	T_EQ(res.fault, PT_FAULT_NON_CANONICAL);
	T_EQ(res.reads, 0);
	ASSERT_ERRNO(EINVAL, pt_map(pt, 0x0000800000000000ULL, T_OA, 4096,
				    PT_PROT_READ, NULL));
	ASSERT_ERRNO(EINVAL, pt_iova_to_phys(pt, 0x0000900000000000ULL, &oa,
					     NULL, NULL));
	/* Crossing from the lower into the upper half is not a range. */
	ASSERT_ERRNO(EINVAL, pt_unmap(pt, 0x7ffffffff000ULL,
				      0xffff800000001000ULL - 0x7ffffffff000ULL,
				      NULL, NULL));
	pt_gather_release(&gather);
	ASSERT_OK(pt_unmap(pt, hi, 1ULL << 39, &gather, &unmapped));
	T_EQ(unmapped, 8192);
	T_EQ(gather.start, hi + 0x3000);
	T_EQ(gather.last, hi + 0x4fff);
	pt_gather_release(&gather);
	T_EQ(pt_table_bytes(pt), 4096);
	pt_destroy(pt);
}

TEST(pt_vtd, fs_user_supervisor_walk)
{
	struct pt *pt = t_new(PT_FMT_VTD_FS, 4, 0);
	struct pt_walk_result res;

	ASSERT_NONNULL(pt);
	ASSERT_OK(pt_map(pt, T_IOVA, T_OA, 4096,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_PRIV, NULL));
	/* An unprivileged request to a supervisor page faults ... */
	ASSERT_ERRNO(EFAULT, pt_walk_table(pt, T_IOVA, PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	/* ... a privileged one (PASID PR=1) does not. */
	ASSERT_OK(pt_walk_table(pt, T_IOVA, PT_ACCESS_READ | PT_ACCESS_WRITE |
						    PT_ACCESS_PRIV, &res));
	T_EQ(res.prot & (PT_PROT_READ | PT_PROT_WRITE | PT_PROT_PRIV),
		  PT_PROT_READ | PT_PROT_WRITE | PT_PROT_PRIV);
	pt_destroy(pt);
}
