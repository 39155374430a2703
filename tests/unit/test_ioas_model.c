// SPDX-License-Identifier: MIT
/*
 * Randomized IOAS test against a reference model.
 *
 * 10^5 random operations (fixed and automatic MAP, COPY, UNMAP, reserve,
 * unreserve, ALLOW_IOVAS, IOVA_RANGES) go through uiommu_ioctl(); the same
 * operations run on a deliberately simple model (sorted arrays, linear
 * scans, first fit by walking every hole) that predicts the exact return
 * value and the exact IOVA chosen.  After every operation the result must
 * match, and periodically the IOAS's full contents (every area's range and
 * host address, the usable ranges) must equal the model's.
 */
#include "t_util.h"

#define M_MAX 4096
#define M_SPACE (1ULL << 24) /* fixed maps land here, to collide often */
#define M_UBASE 0x7f0000000000ULL

struct m_area {
	uint64_t start, last, hva;
	bool writable;
};

struct m_resv {
	uint64_t start, last;
};

struct model {
	struct m_area a[M_MAX];
	unsigned na;
	struct m_resv r[64];
	unsigned nr;
	struct m_resv al[8]; /* allowed, sorted */
	unsigned nal;
};

static bool m_overlap(uint64_t s1, uint64_t l1, uint64_t s2, uint64_t l2)
{
	return s1 <= l2 && s2 <= l1;
}

static bool m_hits_area(const struct model *m, uint64_t s, uint64_t l)
{
	for (unsigned i = 0; i < m->na; i++)
		if (m_overlap(s, l, m->a[i].start, m->a[i].last))
			return true;
	return false;
}

static bool m_hits_resv(const struct model *m, uint64_t s, uint64_t l)
{
	for (unsigned i = 0; i < m->nr; i++)
		if (m_overlap(s, l, m->r[i].start, m->r[i].last))
			return true;
	return false;
}

static bool m_hits_allowed(const struct model *m, uint64_t s, uint64_t l)
{
	for (unsigned i = 0; i < m->nal; i++)
		if (m_overlap(s, l, m->al[i].start, m->al[i].last))
			return true;
	return false;
}

static bool m_has_resv(const struct model *m, uint64_t s, uint64_t l)
{
	for (unsigned i = 0; i < m->nr; i++)
		if (m->r[i].start == s && m->r[i].last == l)
			return true;
	return false;
}

static void m_insert(struct model *m, uint64_t s, uint64_t l, uint64_t hva,
		     bool w)
{
	unsigned i = m->na++;

	while (i && m->a[i - 1].start > s) {
		m->a[i] = m->a[i - 1];
		i--;
	}
	m->a[i] = (struct m_area){ s, l, hva, w };
}

/* Lowest fit of [lo, hi] for len, ALIGN(start, align) | off. */
static bool m_fit(uint64_t lo, uint64_t hi, uint64_t len, uint64_t align,
		  uint64_t off, uint64_t *out)
{
	uint64_t s;

	if (lo > hi || hi - lo < len - 1)
		return false;
	if (lo > UINT64_MAX - (align - 1))
		return false;
	s = ((lo + align - 1) & ~(align - 1)) | off;
	if (s > hi || hi - s < len - 1)
		return false;
	*out = s;
	return true;
}

/* Walk every hole of areas+reserved inside [lo, hi], lowest first. */
static bool m_search(const struct model *m, uint64_t lo, uint64_t hi,
		     uint64_t len, uint64_t align, uint64_t off, uint64_t *out)
{
	uint64_t cur = lo;

	for (;;) {
		/* The lowest blocked interval touching [cur, hi]. */
		uint64_t bs = UINT64_MAX, bl = 0;
		bool found = false;

		for (unsigned i = 0; i < m->na + m->nr; i++) {
			uint64_t s = i < m->na ? m->a[i].start : m->r[i - m->na].start;
			uint64_t l = i < m->na ? m->a[i].last : m->r[i - m->na].last;

			if (l < cur || s > hi)
				continue;
			if (!found || s < bs || (s == bs && l > bl)) {
				bs = s;
				bl = l;
				found = true;
			}
		}
		if (!found)
			return m_fit(cur, hi, len, align, off, out);
		if (bs > cur && m_fit(cur, bs - 1, len, align, off, out))
			return true;
		/* Skip everything blocked from bs on (overlaps chain). */
		for (bool grew = true; grew;) {
			grew = false;
			for (unsigned i = 0; i < m->na + m->nr; i++) {
				uint64_t s = i < m->na ? m->a[i].start :
							 m->r[i - m->na].start;
				uint64_t l = i < m->na ? m->a[i].last :
							 m->r[i - m->na].last;

				if (s <= bl + 1 && l > bl && bl != UINT64_MAX) {
					bl = l;
					grew = true;
				}
			}
		}
		if (bl >= hi)
			return false;
		cur = bl + 1;
	}
}

static int m_alloc(const struct model *m, uint64_t uptr, uint64_t len,
		   uint64_t *iova)
{
	const uint64_t min = PG, max = UINT64_MAX - PG;
	uint64_t align = 1, off = uptr & (PG - 1);

	while (align < len)
		align <<= 1;
	if (uptr && (uptr & -uptr) < align)
		align = uptr & -uptr;
	if (!m->nal) {
		uint64_t lo;

		if (!m_fit(min, max, len, align, off, &lo))
			return -ENOSPC;
		return m_search(m, lo, max, len, align, off, iova) ? 0 : -ENOSPC;
	}
	for (unsigned i = 0; i < m->nal;) {
		uint64_t lo = m->al[i].start, hi = m->al[i].last;

		while (++i < m->nal && m->al[i].start == hi + 1)
			hi = m->al[i].last;
		if (hi < min || lo > max)
			continue;
		lo = lo < min ? min : lo;
		hi = hi > max ? max : hi;
		if (!m_fit(lo, hi, len, align, off, &lo))
			continue;
		if (m_search(m, lo, hi, len, align, off, iova))
			return 0;
	}
	return -ENOSPC;
}

static int m_map(struct model *m, uint64_t uptr, uint64_t len, uint64_t *iova,
		 bool fixed, bool w)
{
	int rc;

	if (fixed) {
		if (m_hits_resv(m, *iova, *iova + len - 1))
			return -EINVAL;
		if (m_hits_area(m, *iova, *iova + len - 1))
			return -EEXIST;
	} else {
		rc = m_alloc(m, uptr, len, iova);
		if (rc)
			return rc;
	}
	if (m->na == M_MAX)
		return -ENOSPC; /* the model's own limit; avoided by the driver */
	m_insert(m, *iova, *iova + len - 1, uptr, w);
	return 0;
}

static int m_unmap(struct model *m, uint64_t s, uint64_t l, uint64_t *bytes)
{
	unsigned kept = 0;
	bool any = false;

	*bytes = 0;
	for (unsigned i = 0; i < m->na; i++) {
		if (!m_overlap(s, l, m->a[i].start, m->a[i].last))
			continue;
		if (m->a[i].start < s || m->a[i].last > l)
			return -ENOENT;
		any = true;
	}
	if (!any)
		return -ENOENT;
	for (unsigned i = 0; i < m->na; i++) {
		if (m_overlap(s, l, m->a[i].start, m->a[i].last))
			*bytes += m->a[i].last - m->a[i].start + 1;
		else
			m->a[kept++] = m->a[i];
	}
	m->na = kept;
	return 0;
}

/* COPY within one IOAS: the source pieces, then placement as MAP. */
static int m_copy(struct model *m, uint64_t src, uint64_t len, uint64_t *dst,
		  bool fixed, bool w)
{
	struct m_area pieces[256];
	unsigned np = 0;
	uint64_t cur = src, last = src + len - 1, hint = 0;

	while (1) {
		const struct m_area *a = NULL;

		for (unsigned i = 0; i < m->na; i++)
			if (m->a[i].start <= cur && m->a[i].last >= cur)
				a = &m->a[i];
		if (!a || np == 256)
			return -ENOENT;
		pieces[np] = *a;
		pieces[np].hva = a->hva + (cur - a->start);
		pieces[np].start = cur;
		pieces[np].last = a->last < last ? a->last : last;
		if (!np)
			hint = pieces[0].hva;
		np++;
		if (a->last >= last)
			break;
		cur = a->last + 1;
	}
	if (fixed) {
		if (m_hits_resv(m, *dst, *dst + len - 1))
			return -EINVAL;
		if (m_hits_area(m, *dst, *dst + len - 1))
			return -EEXIST;
	} else if (m_alloc(m, hint, len, dst)) {
		return -ENOSPC;
	}
	if (w)
		for (unsigned i = 0; i < np; i++)
			if (!pieces[i].writable)
				return -EPERM;
	for (unsigned i = 0, off = 0; i < np; i++) {
		uint64_t plen = pieces[i].last - pieces[i].start + 1;

		m_insert(m, *dst + off, *dst + off + plen - 1, pieces[i].hva,
			 pieces[i].writable);
		off += plen;
	}
	return 0;
}

static uint64_t r_len(uint64_t *seed)
{
	uint64_t x = t_rand(seed);

	/* Mostly whole pages; sometimes odd byte counts (alignment is 1). */
	if (x % 8 == 0)
		return 1 + (x >> 8) % (3 * PG);
	return (1 + (x >> 8) % 16) * PG;
}

static uint64_t r_uptr(uint64_t *seed)
{
	uint64_t x = t_rand(seed);

	return M_UBASE + ((x >> 4) % 1024) * PG * ((x & 1) ? 16 : 1) +
	       ((x % 16 == 3) ? (x >> 40) % PG : 0);
}

/* The IOAS's areas (through the tree) must equal the model's. */
static void m_compare(struct uiommu_ctx *c, uint32_t id, const struct model *m)
{
	struct iommu_iova_range r[80], mr[80];
	uint32_t n = 80, mn = 0;
	unsigned i = 0;
	struct ioas *ioas = ioas_get(c, id);
	uint64_t next = 0;
	bool wrapped = false;

	for (struct area *a = iova_first_area(ioas, 0, UINT64_MAX); a;
	     a = iova_next_area(a, UINT64_MAX), i++) {
		ASSERT_LT(i, m->na);
		ASSERT_EQ(a->node.start, m->a[i].start);
		ASSERT_EQ(a->node.last, m->a[i].last);
		ASSERT_EQ(area_hva(a, a->node.start), m->a[i].hva);
	}
	ASSERT_EQ(i, m->na);
	ASSERT_OK(itree_check(&ioas->iova));
	ASSERT_OK(_t_ranges(c, id, r, &n, NULL));
	/* Model holes of the reserved ranges (sorted copy). */
	{
		struct m_resv s[64];
		unsigned k = m->nr;

		memcpy(s, m->r, sizeof(s[0]) * k);
		for (unsigned x = 1; x < k; x++)
			for (unsigned y = x; y && s[y - 1].start > s[y].start; y--) {
				struct m_resv t = s[y];

				s[y] = s[y - 1];
				s[y - 1] = t;
			}
		for (unsigned x = 0; x < k && !wrapped; x++) {
			if (s[x].last < next)
				continue;
			if (s[x].start > next)
				mr[mn++] = (struct iommu_iova_range){ next,
								      s[x].start - 1 };
			if (s[x].last == UINT64_MAX)
				wrapped = true;
			else
				next = s[x].last + 1;
		}
		if (!wrapped)
			mr[mn++] = (struct iommu_iova_range){ next, UINT64_MAX };
	}
	ASSERT_EQ(n, mn);
	for (unsigned x = 0; x < n; x++) {
		ASSERT_EQ(r[x].start, mr[x].start);
		ASSERT_EQ(r[x].last, mr[x].last);
	}
}

/* Successful operations of each kind, to show the run exercised them. */
static unsigned m_ok[8];

static void m_op(struct uiommu_ctx *c, uint32_t id, struct model *m,
		 uint64_t *seed)
{
	uint64_t x = t_rand(seed), op = x % 100, len = r_len(seed);
	uint64_t iova = ((t_rand(seed) % (M_SPACE / PG)) * PG) +
			((x % 13 == 0) ? (x >> 20) % PG : 0);
	uint64_t mi = iova, got, want;
	bool w = (x >> 7) & 1;
	uint32_t fl = IOMMU_IOAS_MAP_READABLE | (w ? IOMMU_IOAS_MAP_WRITEABLE : 0);
	int rc, mrc;

	if (op < 30 || (op < 45 && m->na < 32)) {          /* fixed map */
		uint64_t uptr = r_uptr(seed);

		if (m->na >= M_MAX - 64)
			return;
		mrc = m_map(m, uptr, len, &mi, true, w);
		rc = _t_map(c, id, (void *)(uintptr_t)uptr, len, &iova,
			    fl | IOMMU_IOAS_MAP_FIXED_IOVA);
		ASSERT_EQ(rc, mrc);
		m_ok[0] += !rc;
	} else if (op < 55) {                               /* auto map */
		uint64_t uptr = r_uptr(seed);

		if (m->na >= M_MAX - 64)
			return;
		mrc = m_map(m, uptr, len, &mi, false, w);
		iova = 0;
		rc = _t_map(c, id, (void *)(uintptr_t)uptr, len, &iova, fl);
		ASSERT_EQ(rc, mrc);
		if (!rc)
			ASSERT_EQ(iova, mi);
		m_ok[1] += !rc;
	} else if (op < 80) {                               /* unmap */
		uint64_t ulen = (1 + t_rand(seed) % 64) * PG;

		if (op < 56) {
			mrc = m_unmap(m, 0, UINT64_MAX, &want);
			if (mrc == -ENOENT)
				mrc = 0;
			rc = _t_unmap(c, id, 0, UINT64_MAX, &got);
		} else {
			mrc = m_unmap(m, iova, iova + ulen - 1, &want);
			rc = _t_unmap(c, id, iova, ulen, &got);
		}
		ASSERT_EQ(rc, mrc);
		if (!rc)
			ASSERT_EQ(got, want);
		m_ok[2] += !rc && got;
	} else if (op < 88) {                               /* copy */
		uint64_t dst = (t_rand(seed) % (M_SPACE / PG)) * PG, md = dst;
		bool fixed = x & 0x100;
		uint64_t src;

		if (!m->na || m->na >= M_MAX - 128)
			return;
		/* Usually from a real area, sometimes from anywhere. */
		src = (x & 0x200) ? iova : m->a[(x >> 12) % m->na].start;
		mrc = m_copy(m, src, len, &md, fixed, w);
		rc = _t_copy(c, id, id, src, len, &dst,
			     fl | (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0));
		ASSERT_EQ(rc, mrc);
		if (!rc)
			ASSERT_EQ(dst, md);
		m_ok[3] += !rc;
	} else if (op < 94) {                               /* reserve */
		uint64_t l = iova + (t_rand(seed) % 4 + 1) * PG - 1;

		if (m->nr == 64)
			return;
		if (m_hits_area(m, iova, l) || m_hits_allowed(m, iova, l))
			mrc = -EADDRINUSE;
		else if (m_has_resv(m, iova, l))
			mrc = -EEXIST;
		else {
			m->r[m->nr++] = (struct m_resv){ iova, l };
			mrc = 0;
		}
		ASSERT_EQ(uiommu_ioas_reserve(c, id, iova, l), mrc);
		m_ok[4] += !mrc;
	} else if (op < 98) {                               /* unreserve */
		if (!m->nr)
			return;
		unsigned k = (x >> 9) % m->nr;
		struct m_resv r = m->r[k];

		m->r[k] = m->r[--m->nr];
		ASSERT_OK(uiommu_ioas_unreserve(c, id, r.start, r.last));
	} else {                                            /* allowed */
		struct iommu_iova_range al[2];
		uint32_t n = x & 1 ? 0 : 1 + ((x >> 3) & 1);

		for (uint32_t i = 0; i < n; i++) {
			uint64_t s = (t_rand(seed) % (M_SPACE / PG)) * PG;

			al[i].start = s;
			al[i].last = s + (1 + t_rand(seed) % 512) * PG - 1;
		}
		if (n == 2 && al[1].start < al[0].start) {
			struct iommu_iova_range t = al[0];

			al[0] = al[1];
			al[1] = t;
		}
		if (n == 2 && al[1].start <= al[0].last)
			mrc = -EINVAL;
		else {
			mrc = 0;
			for (uint32_t i = 0; i < n; i++)
				if (m_hits_resv(m, al[i].start, al[i].last))
					mrc = -EADDRINUSE;
		}
		if (!mrc) {
			m->nal = n;
			for (uint32_t i = 0; i < n; i++)
				m->al[i] = (struct m_resv){ al[i].start,
							    al[i].last };
		}
		ASSERT_EQ(_t_allow(c, id, al, n), mrc);
		m_ok[5] += !mrc;
	}
}

TEST(ioas_model, random_1e5_ops)
{
	struct model *m = calloc(1, sizeof(*m));
	struct uiommu_ctx *c;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint32_t id;

	ASSERT_NONNULL(m);
	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &id);
	for (unsigned i = 0; i < 100000; i++) {
		m_op(c, id, m, &seed);
		if (t_failures) {
			fprintf(stderr, "  at operation %u\n", i);
			break;
		}
		if (i % 997 == 0)
			m_compare(c, id, m);
	}
	m_compare(c, id, m);
	fprintf(stderr, "  ok: fixed %u, auto %u, unmap %u, copy %u, "
		"reserve %u, allow %u\n", m_ok[0], m_ok[1], m_ok[2], m_ok[3],
		m_ok[4], m_ok[5]);
	/* Each kind must have succeeded often, or the test proves little. */
	for (unsigned k = 0; k < 6; k++)
		ASSERT_GT(m_ok[k], 500u);
	uiommu_ctx_destroy(c);
	free(m);
}
