// SPDX-License-Identifier: MIT
/*
 * The table-page pools (src/pt/pages.c): zeroed pages aligned to their
 * size, carved from 2 MiB chunks whose first page is the header (511
 * tables per chunk at 4K, 31 at 64K), reused, given back zeroed or not,
 * empty chunks unmapped beyond the four kept per granule or by
 * pt_pages_trim(), and what page
 * tables cost through them (1 GiB at 4K: its table pages and two chunk
 * headers, against twice the table bytes of heap with posix_memalign).
 * Every test runs in its own process, so the pools start empty.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "pt/pt_priv.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define PER_CHUNK_4K 511

static bool t_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static struct pt_pool_stats t_stats(unsigned int lg2)
{
	struct pt_pool_stats st;

	pt_pool_stats(lg2, &st);
	return st;
}

TEST(pt_pages, sizes_served)
{
	ASSERT_TRUE(pt_pool_serves(4096));
	ASSERT_TRUE(pt_pool_serves(16384));
	ASSERT_TRUE(pt_pool_serves(65536));
	/* Concatenated roots of other sizes go to posix_memalign. */
	ASSERT_FALSE(pt_pool_serves(8192));
	ASSERT_FALSE(pt_pool_serves(32768));
	ASSERT_FALSE(pt_pool_serves(1 << 20));
	ASSERT_FALSE(pt_pool_serves(4096 + 8));
	ASSERT_FALSE(pt_pool_serves(0));
}

TEST(pt_pages, zeroed_aligned_distinct_and_reused)
{
	static unsigned char *p[64];
	unsigned int lg2[] = { 12, 14, 16 };

	for (unsigned int g = 0; g < 3; g++) {
		size_t size = (size_t)1 << lg2[g];

		for (int i = 0; i < 64; i++) {
			p[i] = pt_pool_get(lg2[g]);
			ASSERT_NONNULL(p[i]);
			T_EQ((uintptr_t)p[i] & (size - 1), 0);
			ASSERT_TRUE(t_zero(p[i], size));
			for (int j = 0; j < i; j++)
				ASSERT_TRUE(p[j] + size <= p[i] ||
					    p[i] + size <= p[j]);
			memset(p[i], 0xa5, size);
		}
		T_EQ(t_stats(lg2[g]).pages, 64);
		/* Given back dirty: handed out again, zeroed, last first. */
		pt_pool_put(p[63], lg2[g], false);
		ASSERT_TRUE(pt_pool_get(lg2[g]) == p[63]);
		ASSERT_TRUE(t_zero(p[63], size));
		/* Given back zeroed: only the link word was used. */
		pt_pool_put(p[63], lg2[g], true);
		ASSERT_TRUE(pt_pool_get(lg2[g]) == p[63]);
		ASSERT_TRUE(t_zero(p[63], size));
		for (int i = 0; i < 64; i++)
			pt_pool_put(p[i], lg2[g], false);
		T_EQ(t_stats(lg2[g]).pages, 0);
	}
}

/* 511 tables fill a 4K chunk; empty chunks beyond four are unmapped. */
TEST(pt_pages, chunks_fill_and_go)
{
	const size_t n = 6 * PER_CHUNK_4K;
	void **p = calloc(n, sizeof(*p));

	ASSERT_NONNULL(p);
	T_EQ(t_stats(12).chunks, 0);
	for (size_t i = 0; i < n; i++) {
		p[i] = pt_pool_get(12);
		ASSERT_NONNULL(p[i]);
		/* Never the header page: a chunk's first page. */
		ASSERT_NE((uintptr_t)p[i] & (SZ_2M - 1), 0ULL);
		if (i == PER_CHUNK_4K - 1)
			T_EQ(t_stats(12).chunks, 1);
		if (i == PER_CHUNK_4K)
			T_EQ(t_stats(12).chunks, 2);
	}
	T_EQ(t_stats(12).chunks, 6);
	T_EQ(t_stats(12).pages, n);
	/* Other granules have pools of their own. */
	T_EQ(t_stats(16).chunks, 0);
	for (size_t i = 0; i < n; i++)
		pt_pool_put(p[i], 12, false);
	T_EQ(t_stats(12).pages, 0);
	T_EQ(t_stats(12).chunks, 4);
	/* The kept chunks serve again without mapping more. */
	for (size_t i = 0; i < 4 * PER_CHUNK_4K; i++)
		ASSERT_NONNULL(p[i] = pt_pool_get(12));
	T_EQ(t_stats(12).chunks, 4);
	for (size_t i = 0; i < 4 * PER_CHUNK_4K; i++)
		pt_pool_put(p[i], 12, true);
	/* Trimming gives back every empty chunk, and only those. */
	ASSERT_NONNULL(p[0] = pt_pool_get(12));
	pt_pages_trim();
	T_EQ(t_stats(12).chunks, 1);
	T_EQ(t_stats(12).pages, 1);
	pt_pool_put(p[0], 12, true);
	pt_pages_trim();
	T_EQ(t_stats(12).chunks, 0);
	ASSERT_NONNULL(p[0] = pt_pool_get(12));
	ASSERT_TRUE(t_zero(p[0], SZ_4K));
	pt_pool_put(p[0], 12, true);
	free(p);
}

TEST(pt_pages, a_64k_chunk_holds_31_tables)
{
	void *p[32];

	for (int i = 0; i < 31; i++)
		ASSERT_NONNULL(p[i] = pt_pool_get(16));
	T_EQ(t_stats(16).chunks, 1);
	ASSERT_NONNULL(p[31] = pt_pool_get(16));
	T_EQ(t_stats(16).chunks, 2);
	for (int i = 0; i < 32; i++)
		pt_pool_put(p[i], 16, false);
}

/*
 * What 1 GiB mapped at 4K costs: its 515 table pages (the root, one
 * table on each of the two levels below it, 512 leaf tables) in two
 * chunks, so two header pages besides.
 */
TEST(pt_pages, a_gib_at_4k)
{
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS, .pgsize_bitmap = SZ_4K };
	struct pt *pt;
	size_t tables;

	ASSERT_OK(pt_create(&cfg, &pt));
	ASSERT_OK(pt_map(pt, SZ_1G, 0x100000000ULL, SZ_1G,
			 PT_PROT_READ | PT_PROT_WRITE, NULL));
	tables = pt_table_bytes(pt) / SZ_4K;
	T_EQ(tables, 515);
	T_EQ(t_stats(12).pages, tables);
	T_EQ(t_stats(12).chunks, 2);
	ASSERT_OK(pt_unmap(pt, SZ_1G, SZ_1G, NULL, NULL));
	pt_destroy(pt);
	T_EQ(t_stats(12).pages, 0);
}

/*
 * Every table page a page table takes comes back to its pool: maps of
 * mixed sizes, partial unmaps that split large leaves, tables emptied
 * through a gather and released, then destroy, on every format and
 * granule.
 */
TEST(pt_pages, every_table_comes_back)
{
	static const struct pt_cfg cfgs[] = {
		{ .format = PT_FMT_VTD_SS },
		{ .format = PT_FMT_VTD_FS },
		{ .format = PT_FMT_AMD_V1 },
		{ .format = PT_FMT_ARM_S1, .granule = 4096 },
		{ .format = PT_FMT_ARM_S2, .granule = 16384, .ias = 48 },
		{ .format = PT_FMT_ARM_S1, .granule = 65536 },
		{ .format = PT_FMT_ARM_S2, .granule = 65536, .ias = 42 },
	};

	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		unsigned int lg2;
		struct pt_gather g;
		struct pt *pt;
		uint64_t gran, base = 1ULL << 32, n;

		ASSERT_OK(pt_create(&cfgs[i], &pt));
		lg2 = pt_get_geom(pt)->gran_lg2;
		gran = 1ULL << lg2;
		/* Large leaves where they fit, then single granules. */
		ASSERT_OK(pt_map(pt, base, 1ULL << 40, 512 * gran * 4,
				 PT_PROT_READ, NULL));
		ASSERT_OK(pt_map(pt, base + 512 * gran * 8 + gran,
				 (1ULL << 40) + gran, 37 * gran, PT_PROT_READ,
				 NULL));
		ASSERT_GT(t_stats(lg2).pages, 1ULL);
		/* Split a large leaf, empty tables through a gather. */
		pt_gather_init(&g);
		ASSERT_OK(pt_unmap(pt, base + 512 * gran + 3 * gran, gran, &g,
				   &n));
		ASSERT_OK(pt_unmap(pt, base + 512 * gran * 8, 512 * gran, &g,
				   &n));
		pt_gather_release(&g);
		pt_destroy(pt);
		T_EQ(t_stats(lg2).pages, 0);
	}
}

/* Two threads getting and putting pages never hold the same one. */
struct t_pages_thread {
	unsigned char tag;
	int bad;
};

static void *t_pages_worker(void *arg)
{
	struct t_pages_thread *t = arg;
	unsigned char *held[32] = { 0 };

	for (unsigned int i = 0; i < 40000; i++) {
		unsigned int k = i % 32;

		if (held[k]) {
			if (held[k][0] != t->tag || held[k][4095] != t->tag)
				t->bad++;
			held[k][0] = held[k][4095] = 0;
			pt_pool_put(held[k], 12, true);
		}
		held[k] = pt_pool_get(12);
		if (!held[k] || !t_zero(held[k], 64)) {
			t->bad++;
			return NULL;
		}
		held[k][0] = held[k][4095] = t->tag;
	}
	for (unsigned int k = 0; k < 32; k++)
		pt_pool_put(held[k], 12, false);
	return NULL;
}

TEST(pt_pages, threads)
{
	struct t_pages_thread t[2] = { { .tag = 1 }, { .tag = 2 } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		ASSERT_OK(pthread_create(&th[i], NULL, t_pages_worker, &t[i]));
	for (int i = 0; i < 2; i++)
		ASSERT_OK(pthread_join(th[i], NULL));
	ASSERT_EQ(t[0].bad, 0);
	ASSERT_EQ(t[1].bad, 0);
	T_EQ(t_stats(12).pages, 0);
}
