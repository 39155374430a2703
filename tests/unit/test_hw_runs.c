// SPDX-License-Identifier: MIT
/*
 * The streams' DMA runs as hw_dma_translate() uses them: a translated run
 * is remembered per direction (a read run and a write run live side by
 * side, so a device copying between two buffers keeps both), is served
 * without touching the IOTLB while valid, never grants more than was
 * checked on every page of it (a read run does not make a read-only page
 * writable), and is dropped by an invalidation anywhere inside it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "t_hw.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SRC 0x80000000ULL	/* 16 pages, page 9 read-only */
#define DST 0x90000000ULL	/* 16 pages */
#define RID 2
#define TAG 3
#define RO_PAGE 9
#define RD PT_ACCESS_READ
#define WR PT_ACCESS_WRITE

/* Memory: SRC at 0, DST at 1 MiB. */
static int t_runs_init(struct t_hw *t)
{
	uintptr_t mem;
	int rc = t_hw_init(t);

	if (rc)
		return rc;
	mem = (uintptr_t)t->mem;
	rc = pt_map(t->pt, SRC, mem, RO_PAGE * SZ_4K,
		    PT_PROT_READ | PT_PROT_WRITE, NULL);
	rc = rc ? rc : pt_map(t->pt, SRC + RO_PAGE * SZ_4K,
			      mem + RO_PAGE * SZ_4K, SZ_4K, PT_PROT_READ,
			      NULL);
	rc = rc ? rc : pt_map(t->pt, SRC + (RO_PAGE + 1) * SZ_4K,
			      mem + (RO_PAGE + 1) * SZ_4K,
			      (15 - RO_PAGE) * SZ_4K,
			      PT_PROT_READ | PT_PROT_WRITE, NULL);
	rc = rc ? rc : pt_map(t->pt, DST, mem + SZ_2M / 2, 16 * SZ_4K,
			      PT_PROT_READ | PT_PROT_WRITE, NULL);
	return rc ? rc : t_hw_attach(t, RID, TAG);
}

/* hw_dma_translate(): the bytes usable from @iova, -errno on a fault;
 * checks the host address is where the mapping says. */
static int64_t xl(struct t_hw *t, uint64_t iova, size_t len,
		  unsigned int acc, uintptr_t want_hva)
{
	void *hva = NULL;
	size_t avail = 0;
	int rc = hw_dma_translate(t->m, RID, HW_PASID_NONE, iova, len, acc,
				  &hva, &avail);

	if (rc)
		return rc;
	if ((uintptr_t)hva != want_hva)
		return -1000;
	return (int64_t)avail;
}

static uint64_t iotlb_lookups(struct t_hw *t)
{
	struct hw_stats st;

	hw_get_stats(t->m, &st);
	return st.hits + st.misses;
}

TEST(hw_runs, both_directions_kept_and_served_without_lookups)
{
	uintptr_t src = 0, dst = 0;
	struct t_hw t;
	uint64_t before;

	ASSERT_OK(t_runs_init(&t));
	src = (uintptr_t)t.mem;
	dst = (uintptr_t)t.mem + SZ_2M / 2;
	/* Cold (walks), then warm. */
	for (int pass = 0; pass < 2; pass++) {
		T_EQ(xl(&t, SRC + 8, 16 * SZ_4K - 8, RD, src + 8),
		     16 * SZ_4K - 8);
		T_EQ(xl(&t, DST, 16 * SZ_4K, WR, dst), 16 * SZ_4K);
	}
	/* Alternating directions: each is served by its own run. */
	before = iotlb_lookups(&t);
	for (int i = 0; i < 4; i++) {
		T_EQ(xl(&t, SRC + SZ_4K, 2 * SZ_4K, RD, src + SZ_4K),
		     2 * SZ_4K);
		T_EQ(xl(&t, DST + 3 * SZ_4K + 1, 100, WR, dst + 3 * SZ_4K + 1),
		     100);
	}
	T_EQ(iotlb_lookups(&t), before);
	/* A range past a run's end is translated afresh. */
	T_EQ(xl(&t, DST + 15 * SZ_4K, 2 * SZ_4K, WR, dst + 15 * SZ_4K),
	     SZ_4K);
	ASSERT_NE(iotlb_lookups(&t), before);
	t_hw_fini(&t);
}

/* A run remembered for reads covers the read-only page; it must not let a
 * write through, before or after a write run is remembered. */
TEST(hw_runs, a_read_run_grants_no_write)
{
	uintptr_t src;
	struct t_hw t;

	ASSERT_OK(t_runs_init(&t));
	src = (uintptr_t)t.mem;
	for (int pass = 0; pass < 2; pass++)
		T_EQ(xl(&t, SRC, 16 * SZ_4K, RD, src), 16 * SZ_4K);
	for (int pass = 0; pass < 2; pass++) {
		T_EQ(xl(&t, SRC, 16 * SZ_4K, WR, src), RO_PAGE * SZ_4K);
		T_EQ(xl(&t, SRC, 16 * SZ_4K, RD | WR, src), RO_PAGE * SZ_4K);
		ASSERT_EQ(xl(&t, SRC + RO_PAGE * SZ_4K, 8, WR, 0), -EFAULT);
		T_EQ(xl(&t, SRC + RO_PAGE * SZ_4K, 8, RD,
			src + RO_PAGE * SZ_4K), 8);
	}
	/* The read run is still whole. */
	T_EQ(xl(&t, SRC, 16 * SZ_4K, RD, src), 16 * SZ_4K);
	t_hw_fini(&t);
}

/* The guest (here: the table owner) moves page 5 and invalidates it: the
 * run that covered it is gone, and the new page is seen at once. */
TEST(hw_runs, dropped_by_an_invalidation_inside)
{
	uintptr_t src, spare;
	struct t_hw t;

	ASSERT_OK(t_runs_init(&t));
	src = (uintptr_t)t.mem;
	spare = src + 64 * SZ_4K;
	for (int pass = 0; pass < 2; pass++)
		T_EQ(xl(&t, SRC, 16 * SZ_4K, RD, src), 16 * SZ_4K);
	ASSERT_OK(pt_unmap(t.pt, SRC + 5 * SZ_4K, SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(t.pt, SRC + 5 * SZ_4K, spare, SZ_4K, PT_PROT_READ,
			 NULL));
	/* Not invalidated yet: the cached translation stands (hardware). */
	T_EQ(xl(&t, SRC + 5 * SZ_4K, 8, RD, src + 5 * SZ_4K), 8);
	ASSERT_OK(hw_vtd_iotlb_page(t.m, TAG, SRC + 5 * SZ_4K, 0, false));
	T_EQ(xl(&t, SRC, 16 * SZ_4K, RD, src), 5 * SZ_4K);
	T_EQ(xl(&t, SRC + 5 * SZ_4K + 8, SZ_4K, RD, spare + 8), SZ_4K - 8);
	/* Blocking the device: nothing, not even a remembered run. */
	{
		struct hw_config c = { .mode = HW_MODE_BLOCKED };

		T_EQ(xl(&t, SRC, SZ_4K, RD, src), SZ_4K);
		ASSERT_OK(hw_config_set(t.m, RID, HW_PASID_NONE, &c));
		ASSERT_EQ(xl(&t, SRC, SZ_4K, RD, 0), -EFAULT);
	}
	t_hw_fini(&t);
}
