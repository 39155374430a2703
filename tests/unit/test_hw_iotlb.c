// SPDX-License-Identifier: MIT
/*
 * The IOTLB's structure (src/hw/iotlb.c, the hit path of engine.c): the
 * level-0 IOTLB in front of the set-associative array must neither lose
 * entries the array keeps (page-aligned buffers that share sets keep all
 * their entries; the array's capacity is unchanged) nor ever hold what the
 * array does not (every level-0 copy is an exact copy of an entry of its
 * set, after random fills and invalidations of every kind), nor serve a
 * translation after the invalidation that removed it.  And the hit path's
 * own checks: another stream, a bad access, the invalid-rid corner.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "hw/hw_priv.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_4M 0x400000ULL
#define SZ_16M 0x1000000ULL
#define WIN 0x40000000ULL
#define OA 0x200000000ULL
#define RID 0x21
#define DID 6
#define RW (PT_PROT_READ | PT_PROT_WRITE)
#define R PT_ACCESS_READ
#define W PT_ACCESS_WRITE

struct t_tlb {
	struct hw_iommu *m;
	struct pt *pt;
};

static int t_tlb_init(struct t_tlb *t)
{
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS, .pgsize_bitmap = SZ_4K };
	struct hw_config c = { .mode = HW_MODE_S2 };

	memset(t, 0, sizeof(*t));
	if (hw_create(HW_MODEL_VTD, NULL, &t->m) || pt_create(&cfg, &t->pt))
		return -ENOMEM;
	c.s2.geom = *pt_get_geom(t->pt);
	c.s2.root = pt_root(t->pt);
	c.s2.tag = DID;
	return hw_config_set(t->m, RID, HW_PASID_NONE, &c);
}

static void t_tlb_fini(struct t_tlb *t)
{
	hw_destroy(t->m);
	pt_destroy(t->pt);
}

/* Translates @iova for reading; the host address, or 0 on any error. */
static uint64_t t_hva(struct t_tlb *t, uint64_t iova)
{
	struct hw_xlate xl;

	if (hw_translate(t->m, RID, HW_PASID_NONE, iova, R, &xl, NULL))
		return 0;
	return xl.hva;
}

/*
 * Every valid level-0 slot is an exact copy (key and out) of an entry of
 * a set of m->tlb that maps to it, and its space is alive.  Returns the
 * number of valid slots, or -1 for a slot breaking the rule.
 */
static long t_l0_check(const struct hw_iommu *m)
{
	long n = 0;
	uint64_t i, set;
	unsigned int w;

	for (i = 0; i <= HW_L0_MASK; i++) {
		const struct hw_tlbe *l = &m->l0[i];
		bool found = false;

		if (!l->key && !l->out)
			continue;
		if (!l->key)
			return -1;
		for (set = i; set <= m->set_mask; set += HW_L0_MASK + 1)
			for (w = 0; w < HW_WAYS; w++)
				if (m->tlb[set].e[w].key == l->key &&
				    m->tlb[set].e[w].out == l->out)
					found = true;
		if (!found)
			return -1;
		n++;
	}
	return n;
}

/*
 * Four 64-page buffers 16 MiB apart and four 4 MiB apart: the units of
 * each group fall in the same 64 sets of the array, 4 per set, which the
 * 4 ways hold; their level-0 slots collide (one slot per set), and that
 * must cost no entry: a second pass walks nothing.
 */
TEST(hw_iotlb, aligned_buffers_keep_their_entries)
{
	static const uint64_t stride[2] = { SZ_16M, SZ_4M };
	struct hw_stats st;
	struct t_tlb t;
	unsigned int g, b, p, pass;

	ASSERT_OK(t_tlb_init(&t));
	for (g = 0; g < 2; g++) {
		uint64_t base = WIN + g * 0x10000000ULL;

		hw_vtd_iotlb_global(t.m);
		for (b = 0; b < 4; b++)
			ASSERT_OK(pt_map(t.pt, base + b * stride[g],
					 OA + (g * 4 + b) * SZ_4M, 64 * SZ_4K,
					 RW, NULL));
		for (pass = 0; pass < 3; pass++) {
			hw_reset_stats(t.m);
			for (p = 0; p < 64; p++)
				for (b = 0; b < 4; b++) {
					uint64_t off = p * SZ_4K + 0x10 * b;

					T_EQ(t_hva(&t, base + b * stride[g] + off),
					     OA + (g * 4 + b) * SZ_4M + off);
				}
			hw_get_stats(t.m, &st);
			T_EQ(st.misses, pass ? 0 : 256);
			T_EQ(st.hits, pass ? 256 : 0);
		}
		T_EQ(hw_iotlb_count(t.m), 256);
		ASSERT_GE(t_l0_check(t.m), 64);
	}
	t_tlb_fini(&t);
}

/* The array still holds 4 ways x 1024 sets: 4096 consecutive pages. */
TEST(hw_iotlb, capacity)
{
	struct hw_stats st;
	struct t_tlb t;
	uint64_t p;

	ASSERT_OK(t_tlb_init(&t));
	ASSERT_OK(pt_map(t.pt, WIN, OA, 4096 * SZ_4K, RW, NULL));
	for (p = 0; p < 4096; p++)
		T_EQ(t_hva(&t, WIN + p * SZ_4K), OA + p * SZ_4K);
	T_EQ(hw_iotlb_count(t.m), 4096);
	T_EQ(t_l0_check(t.m), HW_L0_MASK + 1);
	hw_reset_stats(t.m);
	for (p = 4096; p--;)
		T_EQ(t_hva(&t, WIN + p * SZ_4K + 8), OA + p * SZ_4K + 8);
	hw_get_stats(t.m, &st);
	T_EQ(st.misses, 0);
	T_EQ(st.hits, 4096);
	/* One more page evicts one entry, and its level-0 copy if any. */
	ASSERT_OK(pt_map(t.pt, WIN + 4096 * SZ_4K, OA, SZ_4K, RW, NULL));
	T_EQ(t_hva(&t, WIN + 4096 * SZ_4K), OA);
	T_EQ(hw_iotlb_count(t.m), 4096);
	ASSERT_GE(t_l0_check(t.m), 0);
	t_tlb_fini(&t);
}

/* Remaps @page to @oa and invalidates it with a command of kind @how. */
static int t_remap(struct t_tlb *t, uint64_t page, uint64_t oa,
		   unsigned int how)
{
	int rc = pt_unmap(t->pt, page, SZ_4K, NULL, NULL);

	rc = rc ? rc : pt_map(t->pt, page, oa, SZ_4K, RW, NULL);
	if (rc)
		return rc;
	switch (how) {
	case 0:
		return hw_vtd_iotlb_page(t->m, DID, page, 0, false);
	case 1:	/* a 2 MiB range around it */
		return hw_vtd_iotlb_page(t->m, DID, page, 9, false);
	case 2:
		return hw_vtd_iotlb_domain(t->m, DID);
	default:
		return hw_vtd_iotlb_global(t->m);
	}
}

/*
 * An entry served from level 0 (a hit on the second translation) is gone
 * after each kind of invalidation: the next translation walks and sees
 * the new mapping.
 */
TEST(hw_iotlb, invalidation_reaches_level0)
{
	struct hw_stats st;
	struct t_tlb t;
	unsigned int how;

	ASSERT_OK(t_tlb_init(&t));
	ASSERT_OK(pt_map(t.pt, WIN, OA, 512 * SZ_4K, RW, NULL));
	for (how = 0; how < 4; how++) {
		uint64_t page = WIN + (17 + how) * SZ_4K, nb = WIN + 100 * SZ_4K;
		uint64_t oa = OA + (1000 + how) * SZ_4K;

		T_EQ(t_hva(&t, nb), OA + 100 * SZ_4K);
		T_EQ(t_hva(&t, page + 5), OA + (17 + how) * SZ_4K + 5);
		hw_reset_stats(t.m);
		T_EQ(t_hva(&t, page + 6), OA + (17 + how) * SZ_4K + 6);
		hw_get_stats(t.m, &st);
		T_EQ(st.hits, 1);
		ASSERT_OK(t_remap(&t, page, oa, how));
		ASSERT_GE(t_l0_check(t.m), 0);
		T_EQ(t_hva(&t, page + 7), oa + 7);
		/* A one-page invalidation leaves the neighbour cached (the
		 * 2 MiB range covers it). */
		hw_reset_stats(t.m);
		T_EQ(t_hva(&t, nb), OA + 100 * SZ_4K);
		hw_get_stats(t.m, &st);
		T_EQ(st.misses, how ? 1 : 0);
	}
	t_tlb_fini(&t);
}

/*
 * Random fills, page/range/domain invalidations, evictions and config
 * changes over two spaces: after every step each level-0 slot is a copy
 * of an entry of its set, and every translation matches the table.
 */
TEST(hw_iotlb, level0_only_copies_the_array)
{
	struct hw_config c = { .mode = HW_MODE_S2 };
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	struct t_tlb t;
	struct pt *pt2 = NULL;
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS, .pgsize_bitmap = SZ_4K };
	unsigned int step;

	ASSERT_OK(t_tlb_init(&t));
	ASSERT_OK(pt_create(&cfg, &pt2));
	/* 8192 pages: twice the array, so fills evict. */
	ASSERT_OK(pt_map(t.pt, WIN, OA, 8192 * SZ_4K, RW, NULL));
	ASSERT_OK(pt_map(pt2, WIN, OA + SZ_16M * 4, 8192 * SZ_4K, RW, NULL));
	c.s2.geom = *pt_get_geom(pt2);
	c.s2.root = pt_root(pt2);
	c.s2.tag = DID + 1;
	ASSERT_OK(hw_config_set(t.m, RID + 1, HW_PASID_NONE, &c));
	for (step = 0; step < 20000; step++) {
		uint64_t r, page;
		struct hw_xlate xl;
		bool two;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		r = rng;
		page = (r >> 8) % 8192;
		two = (r >> 40) & 1;
		switch (r & 63) {
		case 0:
			hw_vtd_iotlb_page(t.m, DID + two, WIN + page * SZ_4K,
					  (r >> 20) % 10, false);
			break;
		case 1:
			hw_vtd_iotlb_domain(t.m, DID + two);
			break;
		case 2:
			hw_vtd_iotlb_global(t.m);
			break;
		default:
			ASSERT_OK(hw_translate(t.m, RID + two, HW_PASID_NONE,
					       WIN + page * SZ_4K + 3,
					       (r >> 30) & 1 ? W : R, &xl,
					       NULL));
			T_EQ(xl.hva, OA + two * SZ_16M * 4 + page * SZ_4K + 3);
			T_EQ(xl.len, SZ_4K - 3);
			T_EQ(xl.perm, RW);
		}
		if (!(step % 64) || (r & 63) < 3)
			ASSERT_GE(t_l0_check(t.m), 0);
	}
	ASSERT_GT(t_l0_check(t.m), 0);
	/* Reconfiguring the stream drops its space: its copies are dead. */
	ASSERT_OK(hw_config_clear(t.m, RID + 1, HW_PASID_NONE));
	ASSERT_ERRNO(EFAULT, hw_translate(t.m, RID + 1, HW_PASID_NONE, WIN, R,
					  &(struct hw_xlate){ 0 }, NULL));
	t_tlb_fini(&t);
	pt_destroy(pt2);
}

/*
 * The hit path serves only the stream it was loaded for, and only valid
 * accesses: right after a hit, other rids and PASIDs at the same IOVA,
 * accesses without R/W/X or with unknown bits, and the rid that matches
 * an empty m->cur (0xffffffff with no PASID) all take their own path.
 */
TEST(hw_iotlb, hit_path_checks)
{
	struct hw_caps nc = { .flags = HW_CAP_NO_CACHE };
	struct hw_config c = { .mode = HW_MODE_S2 };
	struct hw_iommu *ref = NULL;
	struct hw_xlate xl, rxl;
	struct hw_fault f;
	struct t_tlb t;
	unsigned int acc;

	ASSERT_OK(t_tlb_init(&t));
	ASSERT_OK(pt_map(t.pt, WIN, OA, 16 * SZ_4K, RW, NULL));
	/* The same configuration without caches: what a request must get. */
	ASSERT_OK(hw_create(HW_MODEL_VTD, &nc, &ref));
	c.s2.geom = *pt_get_geom(t.pt);
	c.s2.root = pt_root(t.pt);
	c.s2.tag = DID;
	ASSERT_OK(hw_config_set(ref, RID, HW_PASID_NONE, &c));
	T_EQ(t_hva(&t, WIN), OA);
	T_EQ(t_hva(&t, WIN), OA);
	ASSERT_ERRNO(EFAULT, hw_translate(t.m, RID + 1, HW_PASID_NONE, WIN, R,
					  &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	T_EQ(t_hva(&t, WIN + 1), OA + 1);
	ASSERT_ERRNO(EFAULT, hw_translate(t.m, RID, 5, WIN, R, &xl, &f));
	T_EQ(f.reason, HW_FAULT_NO_CONFIG);
	for (acc = 0; acc < 64; acc++) {
		int rc, want;

		T_EQ(t_hva(&t, WIN + 2), OA + 2);
		rc = hw_translate(t.m, RID, HW_PASID_NONE, WIN + 9, acc, &xl,
				  NULL);
		want = hw_translate(ref, RID, HW_PASID_NONE, WIN + 9, acc,
				    &rxl, NULL);
		ASSERT_EQ(rc, want);
		if ((acc & 7) && !(acc & ~15u))
			ASSERT_NE(rc, -EINVAL);
		else
			ASSERT_ERRNO(EINVAL, rc);
		if (!rc) {
			T_EQ(xl.hva, rxl.hva);
			T_EQ(xl.len, rxl.len);
			T_EQ(xl.perm, rxl.perm);
		}
	}
	T_EQ(t_hva(&t, WIN + 3), OA + 3);
	ASSERT_ERRNO(EINVAL, hw_translate(t.m, UINT32_MAX, HW_PASID_NONE, WIN,
					  R, &xl, NULL));
	hw_vtd_iotlb_global(t.m);	/* m->cur empty */
	ASSERT_ERRNO(EINVAL, hw_translate(t.m, UINT32_MAX, HW_PASID_NONE, WIN,
					  R, &xl, NULL));
	ASSERT_ERRNO(EINVAL, hw_translate(t.m, UINT32_MAX, HW_PASID_NONE, WIN,
					  0, &xl, NULL));
	T_EQ(t_hva(&t, WIN + 4), OA + 4);
	hw_destroy(ref);
	t_tlb_fini(&t);
}
