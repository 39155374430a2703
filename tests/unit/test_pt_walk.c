// SPDX-License-Identifier: MIT
/*
 * The software walker (src/pt/walk.c) on tables built by hand in memory,
 * the way a guest builds its stage-1 tables: fault reasons and levels, the
 * read count, a nested stage-1-over-stage-2 walk through a struct pt_mem
 * fetch callback, and AMD level skipping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define T_RW (PT_PROT_READ | PT_PROT_WRITE)
#define T_IOVA 0x8040201000ULL /* index 1 at every 4K level */

/* Zeroed, aligned guest "memory" pages, freed at the end of a test. */
struct t_pages {
	uint64_t *p[8];
	unsigned int n;
};

static uint64_t *t_page(struct t_pages *tp)
{
	uint64_t *p = aligned_alloc(4096, 4096);

	if (!p)
		abort();
	memset(p, 0, 4096);
	tp->p[tp->n++] = p;
	return p;
}

static void t_pages_free(struct t_pages *tp)
{
	while (tp->n)
		free(tp->p[--tp->n]);
}

static uint64_t t_a(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

TEST(pt_walk, vtd_ss_guest_table)
{
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS, .levels = 4 };
	struct t_pages tp = { .n = 0 };
	uint64_t *l3 = t_page(&tp), *l2 = t_page(&tp), *l1 = t_page(&tp);
	uint64_t *l0 = t_page(&tp);
	struct pt_walk_result res;
	struct pt_geom g;

	ASSERT_OK(pt_geom_init(&g, &cfg));
	/* Tables R|W, a read-only 4K leaf, a RW 2M leaf (PS). */
	l3[1] = t_a(l2) | 3;
	l2[1] = t_a(l1) | 3;
	l1[1] = t_a(l0) | 3;
	l0[1] = 0xabcdef000ULL | 1;
	l1[2] = 0x40200000ULL | 0x80 | 3;

	ASSERT_OK(pt_walk(&g, t_a(l3), NULL, T_IOVA + 0x123, PT_ACCESS_READ,
			  &res));
	T_EQ(res.oa, 0xabcdef123ULL);
	T_EQ(res.reads, 4);
	T_EQ(res.leaf_lg2, 12);
	T_EQ(res.prot, PT_PROT_READ);
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, T_IOVA,
				     PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	T_EQ(res.fault_level, 0);
	T_EQ(res.fault_access, PT_ACCESS_WRITE);

	ASSERT_OK(pt_walk(&g, t_a(l3), NULL, 0x8040412345ULL,
			  PT_ACCESS_WRITE, &res));
	T_EQ(res.oa, 0x40212345ULL);
	T_EQ(res.reads, 3);
	T_EQ(res.leaf_lg2, 21);

	/* Not present at PDE index 3: three reads, level 1. */
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, 0x8040600000ULL,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_NOT_PRESENT);
	T_EQ(res.fault_level, 1);
	T_EQ(res.reads, 3);
	/* Not present at the root: one read. */
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, 0, PT_ACCESS_READ,
				     &res));
	T_EQ(res.fault_level, 3);
	T_EQ(res.reads, 1);
	/* Input beyond 48 bits: no read at all. */
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, 1ULL << 48,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_ADDRESS_SIZE);
	T_EQ(res.reads, 0);
	/* PS in a PML4 entry is a reserved encoding. */
	l3[2] = 0x8000000000ULL | 0x83;
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, 0x10000000000ULL,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_RESERVED);

	/* An output address beyond a 47-bit HAW (our tables are host
	 * addresses below 2^47, so the table pointers still fit). */
	cfg.oas = 47;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	l0[1] = (1ULL << 48) | 1;
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l3), NULL, T_IOVA,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_ADDRESS_SIZE);
	T_EQ(res.fault_level, 0);
	t_pages_free(&tp);
}

TEST(pt_walk, read_counts)
{
	struct pt_cfg cfg[] = {
		{ .format = PT_FMT_VTD_SS, .levels = 4 },
		{ .format = PT_FMT_ARM_S1, .granule = 65536, .ias = 48 },
		{ .format = PT_FMT_ARM_S2, .granule = 4096, .ias = 40 },
		{ .format = PT_FMT_AMD_V1, .levels = 5 },
	};
	unsigned int want[] = { 4, 3, 3, 5 };
	struct pt_walk_result res;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct pt *pt;

		ASSERT_OK(pt_create(&cfg[i], &pt));
		ASSERT_OK(pt_map(pt, 0x40000, 0x123450000ULL, 0x10000, T_RW,
				 NULL));
		ASSERT_OK(pt_walk_table(pt, 0x40008, PT_ACCESS_READ, &res));
		T_EQ(res.reads, want[i]);
		T_EQ(res.oa, 0x123450008ULL);
		pt_destroy(pt);
	}
}

/* ---- nested: a guest VT-d first-stage table over a second stage ---- */

struct t_nest {
	struct pt_mem mem;
	struct pt *s2;
	unsigned int s2_reads;
};

/* Stage-1 table addresses are guest-physical: translate them through
 * stage 2 the way the IOMMU does (a read access). */
static uint64_t *t_s2_fetch(const struct pt_mem *mem, uint64_t gpa,
			    size_t size)
{
	struct t_nest *n = mem->opaque;
	struct pt_walk_result res;
	int rc;

	rc = pt_walk_table(n->s2, gpa, PT_ACCESS_READ, &res);
	n->s2_reads += res.reads;
	if (rc || (gpa & 4095) + size > 4096)
		return NULL;
	return (uint64_t *)(uintptr_t)res.oa;
}

TEST(pt_walk, nested_fs_over_ss)
{
	struct pt_cfg s1cfg = { .format = PT_FMT_VTD_FS, .levels = 4 };
	struct pt_cfg s2cfg = { .format = PT_FMT_VTD_SS, .levels = 4 };
	struct t_pages tp = { .n = 0 };
	uint64_t *t[4], *data, gpa_tbl = 0x10000, gpa_data = 0x200000;
	struct t_nest n = { .mem = { .fetch = t_s2_fetch } };
	struct pt_walk_result res, res2;
	struct pt_geom g1;
	int i;

	n.mem.opaque = &n;
	ASSERT_OK(pt_create(&s2cfg, &n.s2));
	ASSERT_OK(pt_geom_init(&g1, &s1cfg));
	/* Guest memory: four table pages at GPA 0x10000.., one data page. */
	for (i = 0; i < 4; i++) {
		t[i] = t_page(&tp);
		ASSERT_OK(pt_map(n.s2, gpa_tbl + i * 4096ULL, t_a(t[i]), 4096,
				 T_RW, NULL));
	}
	data = t_page(&tp);
	ASSERT_OK(pt_map(n.s2, gpa_data, t_a(data), 4096, T_RW, NULL));
	/* The guest's own entries hold GPAs: P|RW|US|A tables and leaf. */
	for (i = 0; i < 3; i++)
		t[i][1] = (gpa_tbl + (i + 1) * 4096ULL) | 0x27;
	t[3][1] = gpa_data | 0x27;

	ASSERT_OK(pt_walk(&g1, gpa_tbl, &n.mem, T_IOVA + 0x88,
			  PT_ACCESS_READ | PT_ACCESS_WRITE, &res));
	T_EQ(res.oa, gpa_data + 0x88);
	T_EQ(res.reads, 4);
	T_EQ(n.s2_reads, 16);
	/* The output GPA takes one more stage-2 walk: (4+1)(4+1)-1 = 24. */
	ASSERT_OK(pt_walk_table(n.s2, res.oa, PT_ACCESS_WRITE, &res2));
	T_EQ(res.reads + n.s2_reads + res2.reads, 24);
	T_EQ(res2.oa, t_a(data) + 0x88);

	/* A stage-1 table at a GPA stage 2 does not map: fetch fault. */
	t[1][1] = 0x7000000ULL | 0x27;
	ASSERT_ERRNO(EFAULT, pt_walk(&g1, gpa_tbl, &n.mem, T_IOVA,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_FETCH);
	T_EQ(res.fault_level, 1);
	pt_destroy(n.s2);
	t_pages_free(&tp);
}

TEST(pt_walk, amd_level_skip)
{
	struct pt_cfg cfg = { .format = PT_FMT_AMD_V1, .levels = 3 };
	struct t_pages tp = { .n = 0 };
	uint64_t *top = t_page(&tp), *l1 = t_page(&tp);
	struct pt_walk_result res;
	struct pt_geom g;

	ASSERT_OK(pt_geom_init(&g, &cfg));
	/* Mode-3 root entry 0 points straight at a level-1 table (NL=1),
	 * skipping level 2: IOVA bits 29:21 must then be zero. */
	top[0] = t_a(l1) | (1ULL << 9) | 1 | (3ULL << 61);
	l1[5] = 0xfeed000ULL | 1 | (3ULL << 61);
	ASSERT_OK(pt_walk(&g, t_a(top), NULL, 0x5010, PT_ACCESS_WRITE, &res));
	T_EQ(res.oa, 0xfeed010ULL);
	T_EQ(res.reads, 2);
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(top), NULL, 0x205010,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_NOT_PRESENT);
	/* NL larger than the level it sits at is reserved. */
	top[0] = t_a(l1) | (3ULL << 9) | 1 | (3ULL << 61);
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(top), NULL, 0x5010,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_RESERVED);
	/* IR/IW are ANDed: a table without IW makes the leaf read-only. */
	top[0] = t_a(l1) | (1ULL << 9) | 1 | (1ULL << 61);
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(top), NULL, 0x5010,
				     PT_ACCESS_WRITE, &res));
	T_EQ(res.fault, PT_FAULT_PERMISSION);
	t_pages_free(&tp);
}

TEST(pt_walk, arm_s1_guest_64k)
{
	struct pt_cfg cfg = {
		.format = PT_FMT_ARM_S1, .granule = 65536, .ias = 42,
	};
	uint64_t *l2 = aligned_alloc(65536, 65536);
	uint64_t *l3 = aligned_alloc(65536, 65536);
	struct pt_walk_result res;
	struct pt_geom g;

	ASSERT_NONNULL(l2);
	ASSERT_NONNULL(l3);
	memset(l2, 0, 65536);
	memset(l3, 0, 65536);
	/* 42 bits with 64K: two levels (L2, L3) of 13 bits. */
	ASSERT_OK(pt_geom_init(&g, &cfg));
	T_EQ(g.levels, 2);
	l2[3] = t_a(l3) | 3;
	/* L3 page: AF | SH=11 | AP=01 | AttrIndx 1 | 11 */
	l3[2] = 0x55550000ULL | 0x747;
	/* L2 block (512M) */
	l2[4] = 0x80000000ULL | 0x745;
	ASSERT_OK(pt_walk(&g, t_a(l2), NULL, (3ULL << 29) | 0x2abcd,
			  PT_ACCESS_WRITE, &res));
	T_EQ(res.oa, 0x5555abcdULL);
	T_EQ(res.leaf_lg2, 16);
	T_EQ(res.prot, T_RW | PT_PROT_EXEC | PT_PROT_CACHE);
	ASSERT_OK(pt_walk(&g, t_a(l2), NULL, (4ULL << 29) | 0x1234567,
			  PT_ACCESS_READ, &res));
	T_EQ(res.oa, 0x81234567ULL);
	T_EQ(res.leaf_lg2, 29);
	T_EQ(res.reads, 1);
	/* Output beyond a 47-bit output size. */
	cfg.oas = 47;
	ASSERT_OK(pt_geom_init(&g, &cfg));
	l3[2] = (1ULL << 47) | 0x747;
	ASSERT_ERRNO(EFAULT, pt_walk(&g, t_a(l2), NULL, (3ULL << 29) | 0x20000,
				     PT_ACCESS_READ, &res));
	T_EQ(res.fault, PT_FAULT_ADDRESS_SIZE);
	free(l2);
	free(l3);
}
