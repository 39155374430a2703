// SPDX-License-Identifier: MIT
/*
 * The public C API of the core: argument checks, the context lock, and a
 * call into ioas.c / iova.c.  The ioctl layer (src/uapi/ioctl.c) reaches the
 * same internal functions with the Linux ABI's checks in the Linux order.
 */
#include "core/core.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdlib.h>

#define API_MAP_FLAGS (UIOMMU_MAP_FIXED_IOVA | UIOMMU_MAP_READ | UIOMMU_MAP_WRITE)

/* The MAP family's flag checks, in iommufd's order. */
static int api_check_map(uint32_t flags, uint64_t length, const uint64_t *iova)
{
	if (!iova)
		return -EINVAL;
	if (flags & ~API_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (*iova >= UINT64_MAX || length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(flags & (UIOMMU_MAP_READ | UIOMMU_MAP_WRITE)))
		return -EINVAL;
	return 0;
}

UIOMMU_API int uiommu_ioas_alloc(struct uiommu_ctx *ctx, uint32_t *out_id)
{
	int rc;

	if (!ctx || !out_id)
		return -EINVAL;
	ctx_lock(ctx);
	rc = ioas_alloc(ctx, out_id);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_map(struct uiommu_ctx *ctx, uint32_t ioas_id,
			       const void *va, uint64_t length, uint64_t *iova,
			       uint32_t flags)
{
	int rc;

	if (!ctx)
		return -EINVAL;
	rc = api_check_map(flags, length, iova);
	if (rc)
		return rc;
	ctx_lock(ctx);
	rc = ioas_map_user(ctx, ioas_id, (uintptr_t)va, length, iova, flags);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_map_file(struct uiommu_ctx *ctx, uint32_t ioas_id,
				    int fd, uint64_t start, uint64_t length,
				    uint64_t *iova, uint32_t flags)
{
	int rc;

	if (!ctx)
		return -EINVAL;
	rc = api_check_map(flags, length, iova);
	if (rc)
		return rc;
	ctx_lock(ctx);
	rc = ioas_map_file(ctx, ioas_id, fd, start, length, iova, flags);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_copy(struct uiommu_ctx *ctx, uint32_t dst_ioas_id,
				uint32_t src_ioas_id, uint64_t src_iova,
				uint64_t length, uint64_t *dst_iova,
				uint32_t flags)
{
	int rc;

	if (!ctx)
		return -EINVAL;
	rc = api_check_map(flags, length, dst_iova);
	if (rc)
		return rc;
	if (src_iova >= UINT64_MAX)
		return -EOVERFLOW;
	ctx_lock(ctx);
	rc = ioas_copy(ctx, dst_ioas_id, src_ioas_id, src_iova, length,
		       dst_iova, flags);
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_unmap(struct uiommu_ctx *ctx, uint32_t ioas_id,
				 uint64_t iova, uint64_t length,
				 uint64_t *unmapped)
{
	uint64_t bytes;
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	rc = ioas_unmap(ctx, ioas_id, iova, length, &bytes);
	ctx_unlock(ctx);
	if (unmapped)
		*unmapped = bytes;
	return rc;
}

UIOMMU_API int uiommu_ioas_iova_ranges(struct uiommu_ctx *ctx,
				       uint32_t ioas_id,
				       struct uiommu_iova_range *ranges,
				       uint32_t *num, uint64_t *out_alignment)
{
	struct ioas *ioas;
	uint32_t total;

	if (!ctx || !num || (*num && !ranges))
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	if (!ioas) {
		ctx_unlock(ctx);
		return -ENOENT;
	}
	total = iova_usable_ranges(ioas, ranges, *num);
	if (out_alignment)
		*out_alignment = ioas->iova_alignment;
	ctx_unlock(ctx);
	if (total > *num) {
		*num = total;
		return -EMSGSIZE;
	}
	*num = total;
	return 0;
}

static int api_range_cmp(const void *a, const void *b)
{
	const struct uiommu_iova_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Validate and sort an allowed list; takes ownership of @r.  Each range
 * needs start < last; overlapping ranges are -EINVAL.
 */
int ioas_allow_iovas(struct uiommu_ctx *ctx, uint32_t ioas_id,
		     struct uiommu_iova_range *r, uint32_t n)
{
	struct ioas *ioas = ioas_get(ctx, ioas_id);
	int rc = -EINVAL;

	if (!ioas) {
		rc = -ENOENT;
		goto err;
	}
	for (uint32_t i = 0; i < n; i++)
		if (r[i].start >= r[i].last)
			goto err;
	if (n > 1)
		qsort(r, n, sizeof(*r), api_range_cmp);
	for (uint32_t i = 1; i < n; i++)
		if (r[i].start <= r[i - 1].last)
			goto err;
	rc = iova_set_allowed(ioas, n ? r : NULL, n);
	if (rc)
		goto err;
	if (!n)
		free(r);
	return 0;
err:
	free(r);
	return rc;
}

UIOMMU_API int uiommu_ioas_allow_iovas(struct uiommu_ctx *ctx,
				       uint32_t ioas_id,
				       const struct uiommu_iova_range *ranges,
				       uint32_t num)
{
	struct uiommu_iova_range *copy = NULL;
	int rc;

	if (!ctx || (num && !ranges))
		return -EINVAL;
	if (num) {
		copy = uz_calloc(num, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		for (uint32_t i = 0; i < num; i++)
			copy[i] = ranges[i];
	}
	ctx_lock(ctx);
	rc = ioas_allow_iovas(ctx, ioas_id, copy, num);
	ctx_unlock(ctx);
	return rc;
}

/* Reservations made through the public API share this owner. */
static const char api_user_owner;

UIOMMU_API int uiommu_ioas_reserve(struct uiommu_ctx *ctx, uint32_t ioas_id,
				   uint64_t start, uint64_t last)
{
	struct ioas *ioas;
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	if (!ioas) {
		rc = -ENOENT;
	} else if (start > last) {
		rc = -EINVAL;
	} else {
		rc = 0;
		for (uint32_t i = 0; i < ioas->nresv; i++)
			if (ioas->resv[i]->owner == &api_user_owner &&
			    ioas->resv[i]->start == start &&
			    ioas->resv[i]->last == last)
				rc = -EEXIST;
		if (!rc)
			rc = iova_reserve(ioas, start, last, &api_user_owner);
	}
	ctx_unlock(ctx);
	return rc;
}

UIOMMU_API int uiommu_ioas_unreserve(struct uiommu_ctx *ctx, uint32_t ioas_id,
				     uint64_t start, uint64_t last)
{
	struct ioas *ioas;
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	rc = ioas ? iova_unreserve_exact(ioas, start, last, &api_user_owner) :
		    -ENOENT;
	ctx_unlock(ctx);
	return rc;
}

/* IOMMU_OPTION semantics, shared with the ioctl layer. */
int ctx_option(struct uiommu_ctx *ctx, uint32_t option_id, uint16_t op,
	       uint32_t object_id, uint64_t *val)
{
	struct ioas *ioas;

	switch (option_id) {
	case UIOMMU_OPTION_RLIMIT_MODE:
		if (object_id)
			return -EOPNOTSUPP;
		if (op == UIOMMU_OPTION_OP_GET) {
			*val = ctx->account_mode == ACCOUNT_MM;
			return 0;
		}
		if (op == UIOMMU_OPTION_OP_SET)
			return ctx_set_rlimit_mode(ctx, *val);
		return -EOPNOTSUPP;
	case UIOMMU_OPTION_HUGE_PAGES:
		ioas = ioas_get(ctx, object_id);
		if (!ioas)
			return -ENOENT;
		if (op == UIOMMU_OPTION_OP_GET) {
			*val = !ioas->disable_large_pages;
			return 0;
		}
		if (op != UIOMMU_OPTION_OP_SET)
			return -EOPNOTSUPP;
		if (*val > 1)
			return -EINVAL;
		return ioas_set_huge_pages(ioas, *val);
	default:
		return -EOPNOTSUPP;
	}
}

UIOMMU_API int uiommu_option(struct uiommu_ctx *ctx, uint32_t option_id,
			     uint16_t op, uint32_t object_id, uint64_t *val)
{
	int rc;

	if (!ctx || !val)
		return -EINVAL;
	ctx_lock(ctx);
	rc = ctx_option(ctx, option_id, op, object_id, val);
	ctx_unlock(ctx);
	return rc;
}

/* ---- inspection ------------------------------------------------------------ */

static uint64_t walk_area_pinned(const struct area *a)
{
	const struct pages *p = a->pages;
	uint64_t first = a->start_byte / UIOMMU_PAGE_SIZE;
	uint64_t last = (a->start_byte + a->node.last - a->node.start) /
			UIOMMU_PAGE_SIZE;
	uint64_t n = 0;

	if (!p->pin)
		return 0;
	for (uint64_t i = first; i <= last; i++)
		n += p->pin[i] != 0;
	return n;
}

static struct itree_node *walk_next_area(struct itree_node *n)
{
	while (n && span_kind(n) != SPAN_AREA)
		n = itree_next(n);
	return n;
}

/* Merge areas (tree order), reserved and allowed ranges by start. */
static int ioas_walk(struct ioas *ioas,
		     int (*fn)(const struct uiommu_span *, void *),
		     void *opaque)
{
	struct itree_node *n = walk_next_area(itree_first(&ioas->iova));
	uint32_t ri = 0, ai = 0;

	for (;;) {
		uint64_t sa = n ? n->start : UINT64_MAX;
		uint64_t sr = ri < ioas->nresv ? ioas->resv[ri]->start : UINT64_MAX;
		uint64_t sl = ai < ioas->nallowed ? ioas->allowed[ai].start :
						    UINT64_MAX;
		struct uiommu_span s = { 0 };
		int rc;

		if (n && sa <= sr && sa <= sl) {
			struct area *a = area_of(n);

			s = (struct uiommu_span){
				UIOMMU_SPAN_AREA,
				a->prot | ((a->pages->flags & PAGES_FILE) ?
						   UIOMMU_SPAN_FILE : 0),
				n->start, n->last, walk_area_pinned(a) };
			n = walk_next_area(itree_next(n));
		} else if (ri < ioas->nresv && sr <= sl) {
			s.kind = UIOMMU_SPAN_RESERVED;
			s.start = sr;
			s.last = ioas->resv[ri++]->last;
		} else if (ai < ioas->nallowed) {
			s.kind = UIOMMU_SPAN_ALLOWED;
			s.start = sl;
			s.last = ioas->allowed[ai++].last;
		} else {
			return 0;
		}
		rc = fn(&s, opaque);
		if (rc)
			return rc;
	}
}

UIOMMU_API int uiommu_ioas_walk(struct uiommu_ctx *ctx, uint32_t ioas_id,
				int (*fn)(const struct uiommu_span *span,
					  void *opaque),
				void *opaque)
{
	struct ioas *ioas;
	int rc;

	if (!ctx || !fn)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	rc = ioas ? ioas_walk(ioas, fn, opaque) : -ENOENT;
	ctx_unlock(ctx);
	return rc;
}
