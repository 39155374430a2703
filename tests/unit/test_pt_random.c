// SPDX-License-Identifier: MIT
/*
 * Randomized map/unmap against a reference model, per format, granule and
 * level count.
 *
 * The model is a sorted array of mapped runs {iova, last, oa, prot}.  Each
 * of 10^4 operations (maps of random sizes and alignments, unmaps of whole
 * runs, parts of runs and random ranges) is applied to both; the return
 * code, the unmapped byte count and the gather range must match the model
 * exactly, and sampled addresses must translate as the model says, inside a
 * leaf that lies within one model run.  At the end every leaf in the window
 * is enumerated and checked, everything is unmapped, and the table must be
 * back to its root alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "pt/pt.h"

#define T_EQ(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))

#define T_OPS 10000
#define T_MAX_RUNS 8192
#define T_WLEN (8ULL << 30)		 /* window of IOVA exercised */
#define T_OA0 0x100000000000ULL		 /* 16T */

struct t_run {
	uint64_t iova;
	uint64_t last;
	uint64_t oa;
	unsigned int prot;
};

struct t_model {
	size_t n;
	struct t_run run[T_MAX_RUNS];
};

/* Index of the first run whose last >= iova. */
static size_t t_find(const struct t_model *m, uint64_t iova)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->run[mid].last < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct t_run *t_lookup(const struct t_model *m, uint64_t iova)
{
	size_t i = t_find(m, iova);

	if (i < m->n && m->run[i].iova <= iova)
		return &m->run[i];
	return NULL;
}

static bool t_overlaps(const struct t_model *m, uint64_t iova, uint64_t last)
{
	size_t i = t_find(m, iova);

	return i < m->n && m->run[i].iova <= last;
}

static void t_insert(struct t_model *m, size_t i, const struct t_run *r)
{
	memmove(&m->run[i + 1], &m->run[i], (m->n - i) * sizeof(*r));
	m->run[i] = *r;
	m->n++;
}

static void t_add(struct t_model *m, const struct t_run *r)
{
	t_insert(m, t_find(m, r->iova), r);
}

/* Removes [iova, last]; returns bytes removed and their hull. */
static uint64_t t_remove(struct t_model *m, uint64_t iova, uint64_t last,
			 uint64_t *hull_start, uint64_t *hull_last)
{
	size_t i = t_find(m, iova);
	uint64_t bytes = 0;

	*hull_start = UINT64_MAX;
	*hull_last = 0;
	while (i < m->n && m->run[i].iova <= last) {
		struct t_run r = m->run[i];
		uint64_t s = r.iova > iova ? r.iova : iova;
		uint64_t e = r.last < last ? r.last : last;

		bytes += e - s + 1;
		if (s < *hull_start)
			*hull_start = s;
		*hull_last = e;
		memmove(&m->run[i], &m->run[i + 1],
			(m->n - i - 1) * sizeof(r));
		m->n--;
		if (r.iova < s) {
			struct t_run left = r;

			left.last = s - 1;
			t_insert(m, i++, &left);
		}
		if (r.last > e) {
			struct t_run right = r;

			right.iova = e + 1;
			right.oa = r.oa + (e + 1 - r.iova);
			t_insert(m, i++, &right);
		}
	}
	return bytes;
}

static uint64_t t_total(const struct t_model *m)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		sum += m->run[i].last - m->run[i].iova + 1;
	return sum;
}

/* ---- fixture ---- */

FIXTURE(pt_random)
{
	struct pt *pt;
	const struct pt_geom *g;
	struct t_model m;
	uint64_t seed;
	uint64_t w0;	/* window start */
	uint64_t gran;
	uint64_t sizes; /* medium/large sizes to pick from */
	size_t root_bytes;
};

FIXTURE_VARIANT(pt_random)
{
	enum pt_format format;
	unsigned int granule;
	unsigned int levels;
	unsigned int ias;
	uint64_t pgsize_bitmap;
	uint64_t w0;
};

FIXTURE_VARIANT_ADD(pt_random, vtd_ss_3l) { .format = PT_FMT_VTD_SS, .levels = 3, .w0 = 0x4000000000ULL };
FIXTURE_VARIANT_ADD(pt_random, vtd_ss_4l) { .format = PT_FMT_VTD_SS, .levels = 4, .w0 = 0x7ffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, vtd_ss_5l) { .format = PT_FMT_VTD_SS, .levels = 5, .w0 = 0x1fffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, vtd_ss_4k_1g) { .format = PT_FMT_VTD_SS, .levels = 4, .pgsize_bitmap = (1ULL << 12) | (1ULL << 30), .w0 = 0x100000000ULL };
FIXTURE_VARIANT_ADD(pt_random, vtd_fs_4l) { .format = PT_FMT_VTD_FS, .levels = 4, .w0 = 0xffff800100000000ULL };
FIXTURE_VARIANT_ADD(pt_random, vtd_fs_5l) { .format = PT_FMT_VTD_FS, .levels = 5, .w0 = 0x00fffffe00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s1_4k) { .format = PT_FMT_ARM_S1, .granule = 4096, .ias = 48, .w0 = 0x7f0000000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s2_4k_40) { .format = PT_FMT_ARM_S2, .granule = 4096, .ias = 40, .w0 = 0x7e00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s1_16k) { .format = PT_FMT_ARM_S1, .granule = 16384, .ias = 48, .w0 = 0x800000000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s2_16k) { .format = PT_FMT_ARM_S2, .granule = 16384, .ias = 48, .w0 = 0x200000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s1_64k) { .format = PT_FMT_ARM_S1, .granule = 65536, .ias = 48, .w0 = 0x10000000000ULL };
FIXTURE_VARIANT_ADD(pt_random, arm_s2_64k_42) { .format = PT_FMT_ARM_S2, .granule = 65536, .ias = 42, .w0 = 0x3fe00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, amd_v1_3l) { .format = PT_FMT_AMD_V1, .levels = 3, .w0 = 0x7e00000000ULL };
FIXTURE_VARIANT_ADD(pt_random, amd_v1_4l) { .format = PT_FMT_AMD_V1, .levels = 4, .w0 = 0x300000000ULL };
FIXTURE_VARIANT_ADD(pt_random, amd_v1_6l_top) { .format = PT_FMT_AMD_V1, .levels = 6, .w0 = 0xfffffffe00000000ULL };

FIXTURE_SETUP(pt_random)
{
	struct pt_cfg cfg = {
		.format = variant->format, .granule = variant->granule,
		.levels = variant->levels, .ias = variant->ias,
		.pgsize_bitmap = variant->pgsize_bitmap,
	};

	ASSERT_OK(pt_create(&cfg, &self->pt));
	self->g = pt_get_geom(self->pt);
	self->gran = 1ULL << self->g->gran_lg2;
	self->w0 = variant->w0;
	self->seed = 0x9e3779b97f4a7c15ULL ^ variant->w0 ^ variant->format;
	self->m.n = 0;
	/* Larger sizes that fit a quarter of the window. */
	self->sizes = self->g->pgsize_bitmap & ~(self->gran * 2 - 1) &
		      ((T_WLEN / 4) * 2 - 1);
	if (!self->sizes)
		self->sizes = self->gran * 2;
	self->root_bytes = pt_table_bytes(self->pt);
}

FIXTURE_TEARDOWN(pt_random)
{
	pt_destroy(self->pt);
}

static uint64_t t_rnd(struct t_fixture_pt_random *self, uint64_t n)
{
	return n ? t_rand(&self->seed) % n : 0;
}

/* A random size from the fixture's medium/large set. */
static uint64_t t_pick_size(struct t_fixture_pt_random *self)
{
	int nbits = __builtin_popcountll(self->sizes);
	int k = (int)t_rnd(self, (uint64_t)nbits);
	uint64_t s = self->sizes;

	while (k--)
		s &= s - 1;
	return s & -s;
}

/* Checks one address against the model. */
static void t_check_addr(struct t_fixture_pt_random *self, uint64_t iova)
{
	const struct t_run *r = t_lookup(&self->m, iova);
	uint64_t oa, size, ls;
	unsigned int prot;
	int rc;

	rc = pt_iova_to_phys(self->pt, iova, &oa, &prot, &size);
	if (!r) {
		ASSERT_ERRNO(ENOENT, rc);
		return;
	}
	ASSERT_OK(rc);
	T_EQ(oa, r->oa + (iova - r->iova));
	T_EQ(prot & (PT_PROT_READ | PT_PROT_WRITE), r->prot);
	ls = iova & ~(size - 1);
	ASSERT_GE(ls, r->iova);
	ASSERT_LE(ls + (size - 1), r->last);
}

static void t_do_map(struct t_fixture_pt_random *self)
{
	uint64_t gr = self->gran, slots = T_WLEN / gr, iova, oa, len, m;
	unsigned int prot = (t_rnd(self, 3) ? PT_PROT_WRITE : 0) | PT_PROT_READ;
	uint64_t c = t_rnd(self, 100);
	struct t_run r;
	struct pt_gather gather;
	int rc;

	if (c < 60) {
		len = (1 + t_rnd(self, 24)) * gr;
		iova = self->w0 + t_rnd(self, slots - 32) * gr;
		oa = T_OA0 + t_rnd(self, 1ULL << 24) * gr;
	} else {
		m = t_pick_size(self);
		len = (1 + t_rnd(self, 2)) * m;
		iova = self->w0 + t_rnd(self, T_WLEN / m - 2) * m;
		oa = T_OA0 + t_rnd(self, 64) * m;
		/* Shift both ends by whole granules: pages around leaves. */
		if (c < 85 && m / gr <= 2048) {
			uint64_t pre = t_rnd(self, 3) * gr;

			iova -= pre;
			oa += t_rnd(self, 2) ? gr : 0;
			len += pre + t_rnd(self, 3) * gr;
		}
		if (iova < self->w0)
			iova += m;
	}
	if (iova - self->w0 + len > T_WLEN || self->m.n >= T_MAX_RUNS - 4)
		return;
	r = (struct t_run){ .iova = iova, .last = iova + len - 1, .oa = oa,
			    .prot = prot };
	pt_gather_init(&gather);
	rc = pt_map(self->pt, iova, oa, len, prot, &gather);
	if (t_overlaps(&self->m, r.iova, r.last)) {
		ASSERT_ERRNO(EEXIST, rc);
	} else {
		ASSERT_OK(rc);
		T_EQ(gather.start, r.iova);
		T_EQ(gather.last, r.last);
		t_add(&self->m, &r);
	}
	pt_gather_release(&gather);
	t_check_addr(self, iova);
	t_check_addr(self, iova + len - 1);
	t_check_addr(self, iova + t_rnd(self, len));
}

static void t_do_unmap(struct t_fixture_pt_random *self)
{
	uint64_t gr = self->gran, iova, len, got, want, hs, hl;
	struct pt_gather gather;
	uint64_t c = t_rnd(self, 100);

	if (c < 50 && self->m.n) {
		const struct t_run *r = &self->m.run[t_rnd(self, self->m.n)];
		uint64_t pages = (r->last - r->iova + 1) / gr;

		/* The whole run, or a random piece of it (splits). */
		iova = r->iova;
		len = pages * gr;
		if (c >= 25) {
			uint64_t skip = t_rnd(self, pages);

			iova += skip * gr;
			len = (1 + t_rnd(self, pages - skip)) * gr;
		}
	} else {
		if (c < 96)
			len = (1 + t_rnd(self, 64)) * gr;
		else
			len = (1 + t_rnd(self, 4)) * t_pick_size(self);
		iova = self->w0 + t_rnd(self, (T_WLEN - len) / gr + 1) * gr;
	}
	pt_gather_init(&gather);
	ASSERT_OK(pt_unmap(self->pt, iova, len, &gather, &got));
	want = t_remove(&self->m, iova, iova + len - 1, &hs, &hl);
	T_EQ(got, want);
	if (want) {
		T_EQ(gather.start, hs);
		T_EQ(gather.last, hl);
	} else {
		ASSERT_GT(gather.start, gather.last);
	}
	pt_gather_release(&gather);
	t_check_addr(self, iova);
	t_check_addr(self, iova + len - 1);
	if (iova > self->w0)
		t_check_addr(self, iova - 1);
	if (iova + len - self->w0 < T_WLEN)
		t_check_addr(self, iova + len);
}

/* Walks every leaf in the window and checks it against the model. */
static void t_check_all(struct t_fixture_pt_random *self)
{
	uint64_t va = self->w0, last = self->w0 + T_WLEN - 1, seen = 0;

	for (;;) {
		struct pt_walk_result res;
		uint64_t mask;

		if (!pt_walk_table(self->pt, va, PT_ACCESS_PROBE, &res)) {
			mask = (1ULL << res.leaf_lg2) - 1;
			t_check_addr(self, va);
			seen += mask + 1 - (va & mask);
		} else {
			ASSERT_NULL(t_lookup(&self->m, va));
			mask = (1ULL << self->g->shift[res.fault_level]) - 1;
		}
		if ((va | mask) >= last)
			break;
		va = (va | mask) + 1;
	}
	T_EQ(seen, t_total(&self->m));
}

TEST_F(pt_random, model)
{
	uint64_t unmapped, hs, hl;
	int i;

	for (i = 0; i < T_OPS; i++) {
		uint64_t c = t_rnd(self, 100);

		if (c < 55)
			t_do_map(self);
		else if (c < 97)
			t_do_unmap(self);
		else
			t_check_addr(self, self->w0 + t_rnd(self, T_WLEN));
		if (t_failures)
			FAIL("after op %d", i);
	}
	t_check_all(self);
	ASSERT_OK(pt_unmap(self->pt, self->w0, T_WLEN, NULL, &unmapped));
	T_EQ(unmapped, t_remove(&self->m, self->w0, self->w0 + T_WLEN - 1,
				&hs, &hl));
	T_EQ(pt_table_bytes(self->pt), self->root_bytes);
}
