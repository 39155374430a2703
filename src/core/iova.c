// SPDX-License-Identifier: MIT
/*
 * The IOVA space of an IOAS: areas, reserved ranges, allowed ranges.
 *
 * One interval tree (util/itree) holds the areas and the *union* of the
 * reserved ranges as non-overlapping nodes, augmented with the largest gap
 * in each subtree; the gaps are exactly the free IOVA space, so automatic
 * allocation is a first-fit search in O(log n) per candidate gap instead of
 * iommufd's walk over every area.
 *
 * Reserved ranges have owners (a device, a domain's aperture, the user) and
 * may overlap one another, so each owner's range is kept in a sorted array
 * (struct resv) and the tree holds their union.  Every struct resv embeds a
 * tree node used as a union-segment slot: a union never has more segments
 * than ranges, so recomputing it never allocates and removing an owner's
 * ranges cannot fail.  Reserved ranges change at attach/detach, rarely;
 * recomputing the union costs O(R log n).
 *
 * Allocation follows iopt_alloc_iova(): never IOVA 0 (search within
 * [PAGE_SIZE, UINT64_MAX - PAGE_SIZE]), only inside allowed ranges when any
 * exist, alignment min(roundup_pow_of_two(length), lowest set bit of the
 * user address), the user address's page offset kept, lowest fit wins.
 */
#include "core/core.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(offsetof(struct area, kind) == sizeof(struct itree_node),
	       "span_kind() reads kind right after the node");
_Static_assert(offsetof(struct resv, kind) == sizeof(struct itree_node),
	       "span_kind() reads kind right after the node");

static struct area *iova_area_from(struct itree_node *n, uint64_t last)
{
	for (; n && n->start <= last; n = itree_next(n))
		if (span_kind(n) == SPAN_AREA)
			return area_of(n);
	return NULL;
}

struct area *iova_first_area(struct ioas *ioas, uint64_t start, uint64_t last)
{
	return iova_area_from(itree_first_overlap(&ioas->iova, start, last),
			      last);
}

struct area *iova_next_area(struct area *a, uint64_t last)
{
	return iova_area_from(itree_next(&a->node), last);
}

bool iova_hits_resv(struct ioas *ioas, uint64_t start, uint64_t last)
{
	for (uint32_t i = 0; i < ioas->nresv; i++) {
		const struct resv *r = ioas->resv[i];

		if (r->start > last)
			break;
		if (r->last >= start)
			return true;
	}
	return false;
}

static bool iova_hits_allowed(struct ioas *ioas, uint64_t start,
			      uint64_t last)
{
	for (uint32_t i = 0; i < ioas->nallowed; i++)
		if (ioas->allowed[i].start <= last &&
		    ioas->allowed[i].last >= start)
			return true;
	return false;
}

int iova_check_fixed(struct ioas *ioas, uint64_t iova, uint64_t length)
{
	uint64_t last;

	if (iova & (ioas->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iova_hits_resv(ioas, iova, last))
		return -EINVAL;
	if (iova_first_area(ioas, iova, last))
		return -EEXIST;
	return 0;
}

/* ALIGN(x, a) | off without wrapping; false if it would pass UINT64_MAX. */
static bool iova_align_up(uint64_t x, uint64_t align, uint64_t off,
			  uint64_t *out)
{
	uint64_t r;

	if (__builtin_add_overflow(x, align - 1, &r))
		return false;
	*out = (r & ~(align - 1)) | off;
	return true;
}

/* Place @length at the lowest aligned spot of [lo, hi]; true on success. */
static bool iova_fit(uint64_t lo, uint64_t hi, uint64_t length,
		     uint64_t align, uint64_t off, uint64_t *out)
{
	uint64_t s;

	if (lo > hi || hi - lo < length - 1)
		return false;
	if (!iova_align_up(lo, align, off, &s))
		return false;
	if (s > hi || hi - s < length - 1)
		return false;
	*out = s;
	return true;
}

/* First fit among the free gaps of the tree inside the window [lo, hi]. */
static bool iova_search_window(struct ioas *ioas, uint64_t lo, uint64_t hi,
			       uint64_t length, uint64_t align, uint64_t off,
			       uint64_t *out)
{
	uint64_t from = lo, gs, gl;

	while (!itree_find_gap(&ioas->iova, from, length, &gs, &gl)) {
		if (gs > hi)
			return false;
		if (iova_fit(gs > lo ? gs : lo, gl < hi ? gl : hi, length,
			     align, off, out))
			return true;
		if (gl >= hi)
			return false;
		from = gl + 1;
	}
	return false;
}

static uint64_t roundup_pow2(uint64_t x)
{
	return x <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(x - 1));
}

int iova_alloc(struct ioas *ioas, uint64_t uptr, uint64_t length,
	       uint64_t *iova)
{
	const uint64_t min = UIOMMU_PAGE_SIZE, max = UINT64_MAX - UIOMMU_PAGE_SIZE;
	uint64_t off = uptr & UIOMMU_PAGE_MASK, align, lo, hi;
	uint32_t i = 0;

	if (!length || length >= UINT64_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow2(length);
	/* Keep the alignment the user address has: more chance of THPs. */
	if (uptr && (1ULL << __builtin_ctzll(uptr)) < align)
		align = 1ULL << __builtin_ctzll(uptr);
	if (align < ioas->iova_alignment)
		return -EINVAL;

	do {
		if (ioas->nallowed) {
			/* Adjacent allowed ranges form one span, as in Linux. */
			lo = ioas->allowed[i].start;
			hi = ioas->allowed[i].last;
			while (++i < ioas->nallowed && hi != UINT64_MAX &&
			       ioas->allowed[i].start == hi + 1)
				hi = ioas->allowed[i].last;
			if (hi < min || lo > max)
				continue;
			lo = lo < min ? min : lo;
			hi = hi > max ? max : hi;
		} else {
			lo = min;
			hi = max;
		}
		/* The window start itself is aligned first (check_used). */
		if (!iova_fit(lo, hi, length, align, off, &lo))
			continue;
		if (iova_search_window(ioas, lo, hi, length, align, off, iova))
			return 0;
	} while (i < ioas->nallowed);
	return -ENOSPC;
}

/* ---- reserved ranges ------------------------------------------------------ */

static void resv_unlink_slots(struct ioas *ioas)
{
	for (uint32_t i = 0; i < ioas->nresv; i++) {
		struct resv *r = ioas->resv[i];

		if (r->slot_used) {
			itree_remove(&ioas->iova, &r->node);
			r->slot_used = false;
		}
	}
}

/* Put the union of the (sorted) reserved ranges back into the tree. */
static void resv_link_union(struct ioas *ioas)
{
	uint32_t nseg = 0, i = 0;

	while (i < ioas->nresv) {
		uint64_t s = ioas->resv[i]->start, l = ioas->resv[i]->last;
		struct resv *slot = ioas->resv[nseg++];

		while (++i < ioas->nresv && ioas->resv[i]->start <= l)
			if (ioas->resv[i]->last > l)
				l = ioas->resv[i]->last;
		slot->node.start = s;
		slot->node.last = l;
		slot->slot_used = true;
		itree_insert(&ioas->iova, &slot->node);
	}
}

static int resv_cmp(const struct resv *a, const struct resv *b)
{
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->last != b->last)
		return a->last < b->last ? -1 : 1;
	return 0;
}

int iova_reserve(struct ioas *ioas, uint64_t start, uint64_t last,
		 const void *owner)
{
	struct resv *r;
	uint32_t pos;

	if (start > last)
		return -EINVAL;
	if (iova_first_area(ioas, start, last) ||
	    iova_hits_allowed(ioas, start, last))
		return -EADDRINUSE;
	r = uz_calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (ioas->nresv == ioas->resv_cap) {
		uint32_t cap = ioas->resv_cap ? ioas->resv_cap * 2 : 8;
		struct resv **arr = uz_realloc(ioas->resv, cap * sizeof(*arr));

		if (!arr) {
			free(r);
			return -ENOMEM;
		}
		ioas->resv = arr;
		ioas->resv_cap = cap;
	}
	r->kind = SPAN_RESV;
	r->start = start;
	r->last = last;
	r->owner = owner;

	resv_unlink_slots(ioas);
	for (pos = ioas->nresv; pos && resv_cmp(ioas->resv[pos - 1], r) > 0;
	     pos--)
		ioas->resv[pos] = ioas->resv[pos - 1];
	ioas->resv[pos] = r;
	ioas->nresv++;
	resv_link_union(ioas);
	return 0;
}

/* Remove the ranges @match selects; never allocates, never fails. */
static uint32_t resv_remove_if(struct ioas *ioas,
			       bool (*match)(const struct resv *, const void *),
			       const void *arg)
{
	uint32_t kept = 0, removed;

	resv_unlink_slots(ioas);
	for (uint32_t i = 0; i < ioas->nresv; i++) {
		if (match(ioas->resv[i], arg))
			free(ioas->resv[i]);
		else
			ioas->resv[kept++] = ioas->resv[i];
	}
	removed = ioas->nresv - kept;
	ioas->nresv = kept;
	resv_link_union(ioas);
	return removed;
}

static bool resv_match_owner(const struct resv *r, const void *owner)
{
	return r->owner == owner;
}

void iova_unreserve_owner(struct ioas *ioas, const void *owner)
{
	resv_remove_if(ioas, resv_match_owner, owner);
}

struct resv_key {
	uint64_t start, last;
	const void *owner;
	bool done; /* only one entry goes */
};

static bool resv_match_exact(const struct resv *r, const void *arg)
{
	struct resv_key *k = (struct resv_key *)arg;

	if (k->done || r->owner != k->owner || r->start != k->start ||
	    r->last != k->last)
		return false;
	k->done = true;
	return true;
}

int iova_unreserve_exact(struct ioas *ioas, uint64_t start, uint64_t last,
			 const void *owner)
{
	struct resv_key k = { start, last, owner, false };

	return resv_remove_if(ioas, resv_match_exact, &k) ? 0 : -ENOENT;
}

void iova_free_all_resv(struct ioas *ioas)
{
	resv_unlink_slots(ioas);
	for (uint32_t i = 0; i < ioas->nresv; i++)
		free(ioas->resv[i]);
	free(ioas->resv);
	ioas->resv = NULL;
	ioas->nresv = ioas->resv_cap = 0;
}

uint32_t iova_usable_ranges(struct ioas *ioas, struct uiommu_iova_range *out,
			    uint32_t cap)
{
	uint64_t next = 0; /* lowest address not yet known to be reserved */
	bool wrapped = false;
	uint32_t n = 0;

	for (uint32_t i = 0; i < ioas->nresv && !wrapped; i++) {
		const struct resv *r = ioas->resv[i];

		if (r->last < next)
			continue;
		if (r->start > next) {
			if (n < cap)
				out[n] = (struct uiommu_iova_range){
					next, r->start - 1 };
			n++;
		}
		if (r->last == UINT64_MAX)
			wrapped = true;
		else
			next = r->last + 1;
	}
	if (!wrapped) {
		if (n < cap)
			out[n] = (struct uiommu_iova_range){ next, UINT64_MAX };
		n++;
	}
	return n;
}

/* ---- allowed ranges ---------------------------------------------------------- */

int iova_set_allowed(struct ioas *ioas, struct uiommu_iova_range *r,
		     uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (iova_hits_resv(ioas, r[i].start, r[i].last))
			return -EADDRINUSE;
	free(ioas->allowed);
	ioas->allowed = r;
	ioas->nallowed = n;
	return 0;
}
