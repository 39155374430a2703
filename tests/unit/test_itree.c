// SPDX-License-Identifier: MIT
/*
 * Tests for src/util/itree.c: exact small cases at the edges of the 64-bit
 * space, then long randomized runs against a sorted-array model whose
 * answers come from plain linear scans.  Ranges are [start, last],
 * inclusive.
 */
#include "../harness.h"

#include "util/itree.h"

#include <errno.h>
#include <stdlib.h>

#define MAX64 UINT64_MAX

static struct itree_node *mknode(struct itree_node *n, uint64_t start,
				 uint64_t last)
{
	/* Garbage in the other fields must not matter to insert. */
	memset(n, 0xa5, sizeof(*n));
	n->start = start;
	n->last = last;
	return n;
}

#define EXPECT_GAP(t, from, len, want_start, want_last)                       \
	do {                                                                  \
		uint64_t gs_ = 1, gl_ = 1;                                    \
		ASSERT_OK(itree_find_gap((t), (from), (len), &gs_, &gl_));    \
		ASSERT_EQ(gs_, (uint64_t)(want_start));                       \
		ASSERT_EQ(gl_, (uint64_t)(want_last));                        \
	} while (0)

#define EXPECT_NOGAP(t, from, len)                                            \
	do {                                                                  \
		uint64_t gs_ = 7, gl_ = 7;                                    \
		ASSERT_ERRNO(ENOSPC,                                          \
			     itree_find_gap((t), (from), (len), &gs_, &gl_)); \
		ASSERT_EQ(gs_, 7u);                                           \
		ASSERT_EQ(gl_, 7u);                                           \
	} while (0)

TEST(itree, node_size)
{
	ASSERT_EQ(sizeof(struct itree_node), 48u);
}

TEST(itree, empty)
{
	struct itree t;

	itree_init(&t);
	ASSERT_OK(itree_check(&t));
	ASSERT_EQ(t.count, 0u);
	ASSERT_NULL(itree_first(&t));
	ASSERT_NULL(itree_last(&t));
	ASSERT_NULL(itree_find(&t, 0));
	ASSERT_NULL(itree_find(&t, MAX64));
	ASSERT_NULL(itree_first_overlap(&t, 0, MAX64));
	EXPECT_GAP(&t, 0, 1, 0, MAX64);
	EXPECT_GAP(&t, MAX64, 1, 0, MAX64);
	EXPECT_GAP(&t, 0x1234, 0, 0, MAX64);
	/* The whole space is 2^64 addresses: any uint64_t length fits. */
	EXPECT_GAP(&t, MAX64, MAX64, 0, MAX64);
}

TEST(itree, two_nodes_gaps)
{
	struct itree_node a, b;
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&b, 0x3000, 0x3fff));
	itree_insert(&t, mknode(&a, 0x1000, 0x1fff));
	ASSERT_OK(itree_check(&t));
	ASSERT_EQ(t.count, 2u);

	EXPECT_GAP(&t, 0, 1, 0, 0xfff);
	EXPECT_GAP(&t, 0xfff, 1, 0, 0xfff);
	EXPECT_GAP(&t, 0x1000, 1, 0x2000, 0x2fff);
	EXPECT_GAP(&t, 0x1800, 1, 0x2000, 0x2fff);
	/* from inside a gap: the gap comes back unclipped. */
	EXPECT_GAP(&t, 0x2800, 1, 0x2000, 0x2fff);
	EXPECT_GAP(&t, 0x2fff, 1, 0x2000, 0x2fff);
	EXPECT_GAP(&t, 0x3000, 1, 0x4000, MAX64);
	EXPECT_GAP(&t, MAX64, 1, 0x4000, MAX64);

	/* Exactly the size of the low gaps fits them; one more skips both. */
	EXPECT_GAP(&t, 0, 0x1000, 0, 0xfff);
	EXPECT_GAP(&t, 0x1000, 0x1000, 0x2000, 0x2fff);
	EXPECT_GAP(&t, 0, 0x1001, 0x4000, MAX64);
	EXPECT_GAP(&t, 0x2000, 0x1001, 0x4000, MAX64);

	/* The top gap holds MAX64 - 0x3fff addresses, no more. */
	EXPECT_GAP(&t, 0, MAX64 - 0x3fff, 0x4000, MAX64);
	EXPECT_NOGAP(&t, 0, MAX64 - 0x3ffe);
	EXPECT_NOGAP(&t, 0, MAX64);
}

TEST(itree, gap_walk_loop)
{
	static const uint64_t want[][2] = {
		{ 0, 0xfff }, { 0x2000, 0x2fff }, { 0x5000, 0x7fff },
		{ 0x9000, MAX64 },
	};
	struct itree_node n[4];
	uint64_t from = 0, gs, gl;
	unsigned int i = 0;
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&n[0], 0x1000, 0x1fff));
	itree_insert(&t, mknode(&n[1], 0x3000, 0x3fff));
	itree_insert(&t, mknode(&n[2], 0x4000, 0x4fff)); /* adjacent */
	itree_insert(&t, mknode(&n[3], 0x8000, 0x8fff));
	ASSERT_OK(itree_check(&t));

	/* The caller's loop: next search starts past the last gap. */
	for (;;) {
		ASSERT_OK(itree_find_gap(&t, from, 1, &gs, &gl));
		ASSERT_LT(i, 4u);
		ASSERT_EQ(gs, want[i][0]);
		ASSERT_EQ(gl, want[i][1]);
		i++;
		if (gl == MAX64)
			break;
		from = gl + 1;
	}
	ASSERT_EQ(i, 4u);
}

TEST(itree, node_at_top)
{
	struct itree_node a, b;
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&a, 0x1000, MAX64));
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0, 1, 0, 0xfff);
	EXPECT_GAP(&t, 0xfff, 0x1000, 0, 0xfff);
	EXPECT_NOGAP(&t, 0x1000, 1);
	EXPECT_NOGAP(&t, MAX64, 1);
	EXPECT_NOGAP(&t, 0, 0x1001);
	ASSERT_TRUE(itree_find(&t, MAX64) == &a);
	ASSERT_TRUE(itree_find(&t, 0x1000) == &a);
	ASSERT_NULL(itree_find(&t, 0xfff));
	ASSERT_TRUE(itree_first_overlap(&t, MAX64, MAX64) == &a);

	/* A single address below it, adjacent. */
	itree_insert(&t, mknode(&b, 0xfff, 0xfff));
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0, 1, 0, 0xffe);
	EXPECT_NOGAP(&t, 0, 0x1000);
	EXPECT_NOGAP(&t, 0xfff, 1);
	ASSERT_TRUE(itree_first(&t) == &b);
	ASSERT_TRUE(itree_last(&t) == &a);

	itree_remove(&t, &a);
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0xfff, 1, 0x1000, MAX64);
	EXPECT_GAP(&t, 0, 0x1000, 0x1000, MAX64);
}

TEST(itree, node_at_zero)
{
	struct itree_node a, b;
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&a, 0, 0xfff));
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0, 1, 0x1000, MAX64);
	EXPECT_GAP(&t, MAX64, MAX64 - 0xfff, 0x1000, MAX64);
	EXPECT_NOGAP(&t, 0, MAX64 - 0xffe);
	ASSERT_TRUE(itree_find(&t, 0) == &a);

	/* The whole space in one node: nothing is free anywhere. */
	itree_remove(&t, &a);
	ASSERT_OK(itree_check(&t));
	ASSERT_EQ(t.count, 0u);
	itree_insert(&t, mknode(&b, 0, MAX64));
	ASSERT_OK(itree_check(&t));
	EXPECT_NOGAP(&t, 0, 1);
	EXPECT_NOGAP(&t, MAX64, 1);
	ASSERT_TRUE(itree_find(&t, 0) == &b);
	ASSERT_TRUE(itree_find(&t, MAX64) == &b);
	ASSERT_TRUE(itree_first(&t) == &b);
	ASSERT_TRUE(itree_last(&t) == &b);
	ASSERT_NULL(itree_next(&b));
	ASSERT_NULL(itree_prev(&b));
}

TEST(itree, adjacent_nodes)
{
	struct itree_node n[3];
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&n[0], 0x1000, 0x1fff));
	itree_insert(&t, mknode(&n[2], 0x3000, 0x3fff));
	itree_insert(&t, mknode(&n[1], 0x2000, 0x2fff));
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0, 1, 0, 0xfff);
	EXPECT_GAP(&t, 0x1000, 1, 0x4000, MAX64);
	EXPECT_GAP(&t, 0, 0x1001, 0x4000, MAX64);

	/* Removing the middle one reopens its hole. */
	itree_remove(&t, &n[1]);
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0x1000, 1, 0x2000, 0x2fff);
	EXPECT_GAP(&t, 0, 0x1000, 0, 0xfff);
	EXPECT_GAP(&t, 0x1000, 0x1000, 0x2000, 0x2fff);

	itree_remove(&t, &n[0]);
	ASSERT_OK(itree_check(&t));
	EXPECT_GAP(&t, 0, 0x1001, 0, 0x2fff);
	itree_remove(&t, &n[2]);
	ASSERT_OK(itree_check(&t));
	ASSERT_NULL(t.root);
	EXPECT_GAP(&t, 0, MAX64, 0, MAX64);
}

TEST(itree, lookups)
{
	struct itree_node a, b, c;
	struct itree t;

	itree_init(&t);
	itree_insert(&t, mknode(&b, 30, 39));
	itree_insert(&t, mknode(&c, 50, 59));
	itree_insert(&t, mknode(&a, 10, 19));
	ASSERT_OK(itree_check(&t));

	ASSERT_NULL(itree_first_overlap(&t, 0, 9));
	ASSERT_TRUE(itree_first_overlap(&t, 0, 10) == &a);
	ASSERT_TRUE(itree_first_overlap(&t, 19, 19) == &a);
	ASSERT_NULL(itree_first_overlap(&t, 20, 29));
	ASSERT_TRUE(itree_first_overlap(&t, 15, 55) == &a);
	ASSERT_TRUE(itree_first_overlap(&t, 20, 30) == &b);
	ASSERT_TRUE(itree_first_overlap(&t, 39, 50) == &b);
	ASSERT_TRUE(itree_first_overlap(&t, 40, MAX64) == &c);
	ASSERT_TRUE(itree_first_overlap(&t, 0, MAX64) == &a);
	ASSERT_NULL(itree_first_overlap(&t, 60, MAX64));
	ASSERT_NULL(itree_first_overlap(&t, 40, 49));
	ASSERT_NULL(itree_first_overlap(&t, 15, 14)); /* empty range */

	ASSERT_NULL(itree_find(&t, 9));
	ASSERT_TRUE(itree_find(&t, 10) == &a);
	ASSERT_TRUE(itree_find(&t, 19) == &a);
	ASSERT_NULL(itree_find(&t, 20));
	ASSERT_TRUE(itree_find(&t, 35) == &b);
	ASSERT_TRUE(itree_find(&t, 59) == &c);
	ASSERT_NULL(itree_find(&t, 60));
	ASSERT_NULL(itree_find(&t, MAX64));

	ASSERT_TRUE(itree_first(&t) == &a);
	ASSERT_TRUE(itree_last(&t) == &c);
	ASSERT_TRUE(itree_next(&a) == &b);
	ASSERT_TRUE(itree_next(&b) == &c);
	ASSERT_NULL(itree_next(&c));
	ASSERT_TRUE(itree_prev(&c) == &b);
	ASSERT_TRUE(itree_prev(&b) == &a);
	ASSERT_NULL(itree_prev(&a));
}

/* Teeth for the checker: every kind of corruption must be reported. */
TEST(itree, check_detects_corruption)
{
	static struct itree_node n[64];
	struct itree_node *x;
	struct itree t;
	uintptr_t pc;
	uint64_t v;
	int i;

	itree_init(&t);
	for (i = 0; i < 64; i++)
		itree_insert(&t, mknode(&n[i], i * 0x1000 + (i % 3) * 0x100,
					i * 0x1000 + 0x7ff));
	ASSERT_OK(itree_check(&t));

	x = &n[37];
	v = x->max_gap;
	x->max_gap = v + 1;
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	x->max_gap = v;

	v = x->start;
	x->start = n[36].last; /* overlaps its predecessor */
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	x->start = v;

	pc = t.root->parent_color;
	t.root->parent_color ^= 1; /* red root */
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	t.root->parent_color = pc;

	pc = n[20].parent_color;
	n[20].parent_color ^= 1; /* breaks black height or red-red */
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	n[20].parent_color = pc;

	pc = n[50].parent_color;
	n[50].parent_color = (uintptr_t)&n[0] | (pc & 1);
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	n[50].parent_color = pc;

	t.count++;
	ASSERT_ERRNO(EINVAL, itree_check(&t));
	t.count--;

	ASSERT_OK(itree_check(&t));
}

/*
 * The model: node pointers sorted by start, searched only by linear scans
 * so that it shares no logic with the tree.
 */
#define M_CAP 512

struct model {
	struct itree_node *v[M_CAP];
	size_t n;
	struct itree_node pool[M_CAP];
	struct itree_node *free[M_CAP];
	size_t nfree;
};

static void model_init(struct model *m)
{
	m->n = 0;
	for (size_t i = 0; i < M_CAP; i++)
		m->free[i] = &m->pool[M_CAP - 1 - i];
	m->nfree = M_CAP;
}

/* Index of the first node starting above addr. */
static size_t model_upper(const struct model *m, uint64_t addr)
{
	size_t i = 0;

	while (i < m->n && m->v[i]->start <= addr)
		i++;
	return i;
}

/* The gap holding addr, or false if a node covers it. */
static bool model_gap_at(const struct model *m, uint64_t addr, uint64_t *gs,
			 uint64_t *gl)
{
	size_t i = model_upper(m, addr);

	if (i && m->v[i - 1]->last >= addr)
		return false;
	*gs = i ? m->v[i - 1]->last + 1 : 0;
	*gl = i < m->n ? m->v[i]->start - 1 : MAX64;
	return true;
}

static int model_find_gap(const struct model *m, uint64_t from, uint64_t len,
			  uint64_t *gs, uint64_t *gl)
{
	uint64_t next = 0;

	if (!len)
		len = 1;
	for (size_t i = 0; i < m->n; i++) {
		const struct itree_node *x = m->v[i];

		if (x->start > next && x->start - 1 >= from &&
		    x->start - 1 - next >= len - 1) {
			*gs = next;
			*gl = x->start - 1;
			return 0;
		}
		if (x->last == MAX64)
			return -ENOSPC;
		next = x->last + 1;
	}
	if (MAX64 - next < len - 1)
		return -ENOSPC;
	*gs = next;
	*gl = MAX64;
	return 0;
}

static struct itree_node *model_overlap(const struct model *m, uint64_t s,
					uint64_t l)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i]->last >= s)
			return m->v[i]->start <= l && s <= l ? m->v[i] : NULL;
	return NULL;
}

static void model_insert(struct model *m, struct itree *t, uint64_t s,
			 uint64_t l)
{
	size_t i = model_upper(m, s);
	struct itree_node *x = mknode(m->free[--m->nfree], s, l);

	memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(m->v[0]));
	m->v[i] = x;
	m->n++;
	itree_insert(t, x);
}

static void model_remove(struct model *m, struct itree *t, size_t i)
{
	struct itree_node *x = m->v[i];

	itree_remove(t, x);
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(m->v[0]));
	m->n--;
	m->free[m->nfree++] = x;
}

/* Interesting addresses: the ends of the space and of nodes, and noise. */
static uint64_t pick_addr(const struct model *m, uint64_t *seed)
{
	uint64_t r = t_rand(seed), x = t_rand(seed);
	const struct itree_node *n = m->n ? m->v[x % m->n] : NULL;

	switch (r % 12) {
	case 0:
		return 0;
	case 1:
		return MAX64;
	case 2:
		return x & 0xffff;
	case 3:
		return MAX64 - (x & 0xffff);
	case 4:
		return x;
	case 5:
		return (x & 0xff) << 12;
	case 6:
		return n ? n->start : x;
	case 7:
		return n ? n->last : x;
	case 8:
		return n ? n->last + 1 : x; /* wraps to 0 at the top */
	case 9:
		return n ? n->start - 1 : x;
	case 10:
		if (!n)
			return x;
		if (n->last - n->start == MAX64)
			return x;
		return n->start + x % (n->last - n->start + 1);
	default:
		return (x & 0xfff) << 52 | (x & 0xff);
	}
}

static uint64_t pick_len(const struct model *m, uint64_t *seed)
{
	uint64_t r = t_rand(seed), x = t_rand(seed);
	uint64_t gs, gl;

	switch (r % 10) {
	case 0:
		return 1;
	case 1:
		return (x & 0xff) + 1;
	case 2:
		return ((x & 0xf) + 1) << 12;
	case 3:
		return x >> (x & 63);
	case 4:
		return MAX64 - (x & 3);
	case 5:
		return (uint64_t)1 << (x & 63);
	case 6:
	case 7:
		/* Exactly a real gap's size, or one more. */
		if (!model_gap_at(m, pick_addr(m, seed), &gs, &gl))
			return (x & 0xfff) + 1;
		if (gl - gs == MAX64)
			return MAX64;
		return gl - gs + 1 + (r & 1);
	case 8:
		return 0;
	default:
		return x;
	}
}

/* A free interval inside one model gap, grown up or down from a point. */
static bool pick_free(const struct model *m, uint64_t *seed, uint64_t *s,
		      uint64_t *l)
{
	uint64_t p = pick_addr(m, seed), len = pick_len(m, seed), gs, gl;

	if (!len)
		len = 1;
	if (!model_gap_at(m, p, &gs, &gl))
		return false;
	if (t_rand(seed) & 1) {
		*s = p;
		*l = gl - p < len - 1 ? gl : p + len - 1;
	} else {
		*l = p;
		*s = p - gs < len - 1 ? gs : p - (len - 1);
	}
	return true;
}

static void check_queries(const struct model *m, const struct itree *t,
			  uint64_t *seed)
{
	uint64_t from = pick_addr(m, seed), len = pick_len(m, seed);
	uint64_t gs = 1, gl = 2, mgs = 3, mgl = 4;
	uint64_t a = pick_addr(m, seed), b = pick_addr(m, seed);
	int rc, mrc;

	rc = itree_find_gap(t, from, len, &gs, &gl);
	mrc = model_find_gap(m, from, len, &mgs, &mgl);
	ASSERT_EQ(rc, mrc);
	if (!rc) {
		ASSERT_EQ(gs, mgs);
		ASSERT_EQ(gl, mgl);
	}
	if (t_rand(seed) & 1 && a > b) {
		uint64_t tmp = a;

		a = b;
		b = tmp;
	}
	ASSERT_TRUE(itree_first_overlap(t, a, b) == model_overlap(m, a, b));
	ASSERT_TRUE(itree_find(t, from) == model_overlap(m, from, from));
}

/* Whole-tree comparisons, too slow to run after every step. */
static void check_full(const struct model *m, const struct itree *t)
{
	const struct itree_node *x = itree_first(t);
	uint64_t from = 0, gs, gl, mgs, mgl;
	size_t i;

	for (i = 0; i < m->n; i++, x = itree_next(x))
		ASSERT_TRUE(x == m->v[i]);
	ASSERT_NULL(x);
	x = itree_last(t);
	for (i = m->n; i--; x = itree_prev(x))
		ASSERT_TRUE(x == m->v[i]);
	ASSERT_NULL(x);

	/* Walk every gap the way an allocator would. */
	while (!model_find_gap(m, from, 1, &mgs, &mgl)) {
		ASSERT_OK(itree_find_gap(t, from, 1, &gs, &gl));
		ASSERT_EQ(gs, mgs);
		ASSERT_EQ(gl, mgl);
		if (gl == MAX64)
			return;
		from = gl + 1;
	}
	ASSERT_ERRNO(ENOSPC, itree_find_gap(t, from, 1, &gs, &gl));
}

TEST(itree, random_vs_model)
{
	/* Size targets cycle so the tree keeps growing, shrinking, emptying. */
	static const size_t target[] = { 8, 400, 0, 200, 2, 500, 40, 1 };
	struct model *m = malloc(sizeof(*m));
	uint64_t seed = 0x9e3779b97f4a7c15ULL, s, l;
	struct itree t;

	ASSERT_NONNULL(m);
	model_init(m);
	itree_init(&t);
	for (long op = 0; op < 200000; op++) {
		size_t want = target[(op / 10000) % 8];
		bool grow = m->n < want ? t_rand(&seed) % 8 < 6 :
					  t_rand(&seed) % 8 < 2;
		bool done = false;

		if (!m->n || m->n == M_CAP)
			grow = !m->n;
		for (int tries = 0; grow && !done && tries < 8; tries++) {
			if (pick_free(m, &seed, &s, &l)) {
				model_insert(m, &t, s, l);
				done = true;
			}
		}
		/* Full or no room found: remove instead. */
		if (!done)
			model_remove(m, &t, t_rand(&seed) % m->n);
		if (itree_check(&t))
			FAIL("itree_check failed after op %ld", op);
		ASSERT_EQ(t.count, m->n);
		for (int q = 0; q < 3; q++)
			check_queries(m, &t, &seed);
		if (op % 1000 == 0)
			check_full(m, &t);
	}
	free(m);
}

/*
 * What the IOAS will do: allocate aligned ranges with the find_gap loop in
 * an aperture bounded by reserved ranges, at a size where the tree is deep.
 */
struct area {
	struct itree_node node;
	bool live;
};

static bool alloc_aligned(struct itree *t, uint64_t len, uint64_t align,
			  uint64_t *iova)
{
	uint64_t from = 0, gs, gl, a;

	while (!itree_find_gap(t, from, len, &gs, &gl)) {
		if (gs > MAX64 - (align - 1))
			return false;
		a = (gs + align - 1) & ~(align - 1);
		if (a <= gl && gl - a >= len - 1) {
			*iova = a;
			return true;
		}
		if (gl == MAX64)
			return false;
		from = gl + 1;
	}
	return false;
}

TEST(itree, allocator_large)
{
	enum { N = 60000 };
	struct area *ar = calloc(N, sizeof(*ar));
	struct itree_node lo, hi, msi;
	uint64_t seed = 42, iova, gs, gl, len;
	struct itree t;
	int i;

	ASSERT_NONNULL(ar);
	itree_init(&t);
	itree_insert(&t, mknode(&lo, 0, 0xfff));
	itree_insert(&t, mknode(&msi, 0xfee00000, 0xfeefffff));
	itree_insert(&t, mknode(&hi, 1ULL << 48, MAX64));

	for (int round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			uint64_t shift = 12 + t_rand(&seed) % 10;

			if (ar[i].live)
				continue;
			len = ((t_rand(&seed) & 7) + 1) << shift;
			ASSERT_TRUE(alloc_aligned(&t, len, 1ULL << shift,
						  &iova));
			ASSERT_EQ(iova & ((1ULL << shift) - 1), 0ULL);
			ASSERT_NULL(itree_first_overlap(&t, iova,
							iova + len - 1));
			/* Lowest fit: nothing aligned fits just below it. */
			if (iova >= len && iova - len >= 0x1000)
				ASSERT_NONNULL(itree_first_overlap(
					&t, iova - len, iova - 1));
			itree_insert(&t, mknode(&ar[i].node, iova,
						iova + len - 1));
			ar[i].live = true;
			if (i % 5000 == 0)
				ASSERT_OK(itree_check(&t));
		}
		ASSERT_OK(itree_check(&t));
		ASSERT_EQ(t.count, (size_t)N + 3);
		for (i = 0; i < N; i++) {
			if (t_rand(&seed) % 3 == 0)
				continue;
			itree_remove(&t, &ar[i].node);
			ar[i].live = false;
			if (i % 5000 == 0)
				ASSERT_OK(itree_check(&t));
		}
		ASSERT_OK(itree_check(&t));
	}
	/* Nothing above the aperture, however small. */
	ASSERT_OK(itree_find_gap(&t, 1ULL << 47, 1, &gs, &gl));
	ASSERT_LT(gl, 1ULL << 48);
	ASSERT_ERRNO(ENOSPC, itree_find_gap(&t, 1ULL << 48, 1, &gs, &gl));
	free(ar);
}
