// SPDX-License-Identifier: MIT
/*
 * IOAS objects: IOVA -> host-memory mappings (iommufd's io_pagetable).
 *
 * An area maps [iova, last] onto a slice of a struct pages.  MAP and
 * MAP_FILE create pages and one area; COPY creates areas that share the
 * source's pages.  Page tables attached to the IOAS (struct ioas_domain)
 * mirror every area: while at least one is attached every area's pages are
 * pinned once, and each domain receives a map call per area (R21).
 *
 * Every operation validates everything before it changes anything; where a
 * step can fail after earlier steps (pinning, filling several domains), it
 * undoes them, so a failed call leaves the IOAS exactly as it was.  Unmap
 * and destroy allocate nothing.
 *
 * Unlike Linux, an UNMAP range whose last area straddles the end is
 * rejected before any area is removed (Linux may already have removed the
 * areas in front of it when it returns -ENOENT): all or nothing.
 */
#include "core/core.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAP_PROT (UIOMMU_MAP_READ | UIOMMU_MAP_WRITE)

struct ioas *ioas_get(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_IOAS);

	return o ? container_of(o, struct ioas, obj) : NULL;
}

static uint64_t area_length(const struct area *a)
{
	return a->node.last - a->node.start + 1;
}

static uint64_t area_first_page(const struct area *a)
{
	return a->start_byte / UIOMMU_PAGE_SIZE;
}

static uint64_t area_last_page(const struct area *a)
{
	return (a->start_byte + area_length(a) - 1) / UIOMMU_PAGE_SIZE;
}

/* ---- domains ----------------------------------------------------------------- */

static uint32_t ioas_domain_prot(const struct ioas *ioas, const struct area *a)
{
	return a->prot | IOAS_PROT_CACHE |
	       (ioas->disable_large_pages ? IOAS_PROT_SMALL_PAGES : 0);
}

static int area_map_domain(struct ioas *ioas, struct area *a,
			   struct ioas_domain *d)
{
	return d->ops->map(d->priv, a->node.start, area_hva(a, a->node.start),
			   area_length(a), ioas_domain_prot(ioas, a));
}

static void area_unmap_domain(struct area *a, struct ioas_domain *d)
{
	d->ops->unmap(d->priv, a->node.start, area_length(a));
}

/* Pin the area once and map it into every domain; all or nothing. */
static int area_fill_domains(struct ioas *ioas, struct area *a)
{
	struct uiommu_ctx *ctx = ioas->obj.ctx;
	struct ioas_domain *d, *undo;
	int rc;

	if (!ioas->domains)
		return 0;
	rc = pages_pin(ctx, a->pages, area_first_page(a), area_last_page(a),
		       a->prot & UIOMMU_MAP_WRITE);
	if (rc)
		return rc;
	for (d = ioas->domains; d; d = d->next) {
		rc = area_map_domain(ioas, a, d);
		if (rc)
			goto err_unmap;
	}
	return 0;
err_unmap:
	for (undo = ioas->domains; undo != d; undo = undo->next)
		area_unmap_domain(a, undo);
	pages_unpin(ctx, a->pages, area_first_page(a), area_last_page(a));
	return rc;
}

static void area_unfill_domains(struct ioas *ioas, struct area *a)
{
	if (!ioas->domains)
		return;
	for (struct ioas_domain *d = ioas->domains; d; d = d->next)
		area_unmap_domain(a, d);
	pages_unpin(ioas->obj.ctx, a->pages, area_first_page(a),
		    area_last_page(a));
}

static uint64_t ioas_calc_alignment(const struct ioas *ioas)
{
	uint64_t align = 1;

	for (const struct ioas_domain *d = ioas->domains; d; d = d->next)
		if (d->min_pgsize > align)
			align = d->min_pgsize;
	if (ioas->disable_large_pages && align < UIOMMU_PAGE_SIZE)
		align = UIOMMU_PAGE_SIZE;
	return align;
}

/* Would every area still be aligned to @align?  (iommufd: EADDRINUSE) */
static int ioas_check_alignment(struct ioas *ioas, uint64_t align)
{
	uint64_t mask = align - 1;

	for (struct itree_node *n = itree_first(&ioas->iova); n;
	     n = itree_next(n)) {
		struct area *a;

		if (span_kind(n) != SPAN_AREA)
			continue;
		a = area_of(n);
		if ((a->node.start & mask) || (area_length(a) & mask) ||
		    ((a->start_byte % UIOMMU_PAGE_SIZE) & mask))
			return -EADDRINUSE;
	}
	return 0;
}

static int ioas_reserve_aperture(struct ioas *ioas, struct ioas_domain *d)
{
	int rc = 0;

	if (d->aperture_start)
		rc = iova_reserve(ioas, 0, d->aperture_start - 1, d);
	if (!rc && d->aperture_last != UINT64_MAX)
		rc = iova_reserve(ioas, d->aperture_last + 1, UINT64_MAX, d);
	if (rc)
		iova_unreserve_owner(ioas, d);
	return rc;
}

/* Map every area into @d (pinning them first if @d is the first domain). */
static int ioas_fill_new_domain(struct ioas *ioas, struct ioas_domain *d)
{
	struct uiommu_ctx *ctx = ioas->obj.ctx;
	bool first = !ioas->domains;
	struct itree_node *n, *undo;
	int rc = 0;

	for (n = itree_first(&ioas->iova); n; n = itree_next(n)) {
		struct area *a;

		if (span_kind(n) != SPAN_AREA)
			continue;
		a = area_of(n);
		if (first) {
			rc = pages_pin(ctx, a->pages, area_first_page(a),
				       area_last_page(a),
				       a->prot & UIOMMU_MAP_WRITE);
			if (rc)
				break;
		}
		rc = area_map_domain(ioas, a, d);
		if (rc) {
			if (first)
				pages_unpin(ctx, a->pages, area_first_page(a),
					    area_last_page(a));
			break;
		}
	}
	if (!rc)
		return 0;
	for (undo = itree_first(&ioas->iova); undo != n;
	     undo = itree_next(undo)) {
		struct area *a;

		if (span_kind(undo) != SPAN_AREA)
			continue;
		a = area_of(undo);
		area_unmap_domain(a, d);
		if (first)
			pages_unpin(ctx, a->pages, area_first_page(a),
				    area_last_page(a));
	}
	return rc;
}

int ioas_domain_attach(struct ioas *ioas, struct ioas_domain *d)
{
	uint64_t align;
	int rc;

	if (d->min_pgsize > UIOMMU_PAGE_SIZE)
		return -EINVAL;
	align = d->min_pgsize > ioas->iova_alignment ? d->min_pgsize :
						       ioas->iova_alignment;
	rc = ioas_check_alignment(ioas, align);
	if (rc)
		return rc;
	rc = ioas_reserve_aperture(ioas, d);
	if (rc)
		return rc;
	rc = ioas_fill_new_domain(ioas, d);
	if (rc) {
		iova_unreserve_owner(ioas, d);
		return rc;
	}
	d->next = ioas->domains;
	ioas->domains = d;
	ioas->iova_alignment = ioas_calc_alignment(ioas);
	return 0;
}

void ioas_domain_detach(struct ioas *ioas, struct ioas_domain *d)
{
	struct ioas_domain **pp;
	bool last = ioas->domains == d && !d->next;

	for (struct itree_node *n = itree_first(&ioas->iova); n;
	     n = itree_next(n)) {
		struct area *a;

		if (span_kind(n) != SPAN_AREA)
			continue;
		a = area_of(n);
		area_unmap_domain(a, d);
		if (last)
			pages_unpin(ioas->obj.ctx, a->pages,
				    area_first_page(a), area_last_page(a));
	}
	for (pp = &ioas->domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	d->next = NULL;
	iova_unreserve_owner(ioas, d);
	ioas->iova_alignment = ioas_calc_alignment(ioas);
}

/* ---- areas ---------------------------------------------------------------------- */

/* One source slice for a new area (MAP has one, COPY one per source area). */
struct area_src {
	struct pages *pages;
	uint64_t start_byte;
	uint64_t length;
};

static uint64_t area_src_hint(const struct area_src *s)
{
	/* iommufd aligns on the user address; file pages have none. */
	if (s->pages->flags & PAGES_FILE)
		return s->start_byte;
	return s->pages->base + s->start_byte;
}

static void area_free(struct uiommu_ctx *ctx, struct area *a)
{
	slab_free(&ctx->area_slab, a);
}

/*
 * Create areas for @srcs back to back at *@iova (chosen unless FIXED),
 * fill them into the domains and publish them.  All or nothing.
 */
static int ioas_insert_areas(struct ioas *ioas, const struct area_src *srcs,
			     uint32_t nsrcs, uint64_t length, uint64_t *iova,
			     uint32_t flags)
{
	struct uiommu_ctx *ctx = ioas->obj.ctx;
	uint64_t mask = ioas->iova_alignment - 1, cur;
	struct area *stack_areas[1], **areas = stack_areas;
	uint32_t i, filled = 0;
	int rc;

	if (!length || (length & mask))
		return -EINVAL;
	if (flags & UIOMMU_MAP_FIXED_IOVA)
		rc = iova_check_fixed(ioas, *iova, length);
	else
		rc = iova_alloc(ioas, area_src_hint(&srcs[0]), length, iova);
	if (rc)
		return rc;
	for (i = 0; i < nsrcs; i++) {
		if ((flags & UIOMMU_MAP_WRITE) &&
		    !(srcs[i].pages->flags & PAGES_WRITABLE))
			return -EPERM;
		if ((srcs[i].start_byte % UIOMMU_PAGE_SIZE) & mask)
			return -EINVAL;
	}
	if (nsrcs > 1) {
		areas = uz_calloc(nsrcs, sizeof(*areas));
		if (!areas)
			return -ENOMEM;
	}
	for (i = 0, cur = *iova; i < nsrcs; cur += srcs[i].length, i++) {
		struct area *a = slab_alloc(&ctx->area_slab);

		areas[i] = a;
		if (!a) {
			rc = -ENOMEM;
			goto err;
		}
		a->kind = SPAN_AREA;
		a->prot = flags & MAP_PROT;
		a->pages = srcs[i].pages;
		a->start_byte = srcs[i].start_byte;
		a->node.start = cur;
		a->node.last = cur + srcs[i].length - 1;
	}
	for (filled = 0; filled < nsrcs; filled++) {
		rc = area_fill_domains(ioas, areas[filled]);
		if (rc)
			goto err;
	}
	for (i = 0; i < nsrcs; i++) {
		areas[i]->pages->refs++;
		itree_insert(&ioas->iova, &areas[i]->node);
	}
	ioas->nareas += nsrcs;
	if (areas != stack_areas)
		free(areas);
	return 0;
err:
	for (i = 0; i < nsrcs && areas[i]; i++) {
		if (i < filled)
			area_unfill_domains(ioas, areas[i]);
		area_free(ctx, areas[i]);
	}
	if (areas != stack_areas)
		free(areas);
	return rc;
}

static void ioas_remove_area(struct ioas *ioas, struct area *a)
{
	struct uiommu_ctx *ctx = ioas->obj.ctx;

	itree_remove(&ioas->iova, &a->node);
	ioas->nareas--;
	area_unfill_domains(ioas, a);
	pages_put(ctx, a->pages);
	area_free(ctx, a);
}

/*
 * Unmap the areas inside [start, last].  The range must not cut an area
 * (-ENOENT before anything is removed) and must contain one (-ENOENT).
 * Accesses pinning a victim are asked to let go; if one does not, -EBUSY.
 */
static int ioas_unmap_range(struct ioas *ioas, uint64_t start, uint64_t last,
			    uint64_t *unmapped)
{
	struct area *a = iova_first_area(ioas, start, last), *next;
	uint64_t bytes = 0;
	bool pinned = false;

	*unmapped = 0;
	if (!a || a->node.start < start)
		return -ENOENT;
	if (a->node.last >= last) {
		/* One area: the common case, no second descent. */
		if (a->node.last > last)
			return -ENOENT;
	} else {
		struct itree_node *tail = itree_find(&ioas->iova, last);

		if (tail && span_kind(tail) == SPAN_AREA && tail->last > last)
			return -ENOENT;
	}
	for (struct area *v = a; v && !pinned; v = iova_next_area(v, last))
		pinned = v->num_accesses;
	if (pinned) {
		for (struct area *v = a; v; v = iova_next_area(v, last))
			if (v->num_accesses)
				access_notify_unmap(ioas, v->node.start,
						    v->node.last);
		for (struct area *v = a; v; v = iova_next_area(v, last))
			if (v->num_accesses)
				return -EBUSY;
	}
	for (; a; a = next) {
		next = iova_next_area(a, last);
		bytes += area_length(a);
		ioas_remove_area(ioas, a);
	}
	*unmapped = bytes;
	return 0;
}

/* ---- operations ------------------------------------------------------------------ */

static int ioas_map_pages(struct ioas *ioas, struct pages *p,
			  uint64_t start_byte, uint64_t length, uint64_t *iova,
			  uint32_t flags)
{
	struct area_src src = { p, start_byte, length };
	int rc = ioas_insert_areas(ioas, &src, 1, length, iova, flags);

	/* On success the area holds its own reference. */
	pages_put(ioas->obj.ctx, p);
	return rc;
}

int ioas_map_user(struct uiommu_ctx *ctx, uint32_t ioas_id, uint64_t uptr,
		  uint64_t length, uint64_t *iova, uint32_t flags)
{
	struct ioas *ioas = ioas_get(ctx, ioas_id);
	struct pages *p;
	int rc;

	if (!ioas)
		return -ENOENT;
	rc = pages_create_user(ctx, uptr, length, flags & UIOMMU_MAP_WRITE,
			       &p);
	if (rc)
		return rc;
	return ioas_map_pages(ioas, p, uptr - p->base, length, iova, flags);
}

int ioas_map_file(struct uiommu_ctx *ctx, uint32_t ioas_id, int fd,
		  uint64_t start, uint64_t length, uint64_t *iova,
		  uint32_t flags)
{
	struct ioas *ioas = ioas_get(ctx, ioas_id);
	struct pages *p;
	int rc;

	if (!ioas)
		return -ENOENT;
	rc = pages_create_file(ctx, fd, start, length,
			       flags & UIOMMU_MAP_WRITE, &p);
	if (rc)
		return rc;
	return ioas_map_pages(ioas, p, start & UIOMMU_PAGE_MASK, length, iova,
			      flags);
}

/* The source slices of [iova, last]: contiguous areas, no holes. */
static int ioas_collect_srcs(struct ioas *ioas, uint64_t iova, uint64_t last,
			     struct area_src **out, uint32_t *nout)
{
	struct area_src *srcs = NULL;
	uint32_t n = 0, cap = 0;
	uint64_t cur = iova;
	struct itree_node *node = itree_find(&ioas->iova, iova);

	for (;;) {
		struct area *a;
		uint64_t l;

		if (!node || span_kind(node) != SPAN_AREA ||
		    node->start > cur) {
			free(srcs);
			return -ENOENT;
		}
		a = area_of(node);
		l = a->node.last < last ? a->node.last : last;
		if (n == cap) {
			struct area_src *s;

			cap = cap ? cap * 2 : 4;
			s = uz_realloc(srcs, cap * sizeof(*s));
			if (!s) {
				free(srcs);
				return -ENOMEM;
			}
			srcs = s;
		}
		srcs[n++] = (struct area_src){
			a->pages, a->start_byte + (cur - a->node.start),
			l - cur + 1 };
		if (l == last)
			break;
		cur = l + 1;
		node = itree_next(node);
	}
	*out = srcs;
	*nout = n;
	return 0;
}

int ioas_copy(struct uiommu_ctx *ctx, uint32_t dst_id, uint32_t src_id,
	      uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
	      uint32_t flags)
{
	struct ioas *src = ioas_get(ctx, src_id), *dst;
	struct area_src *srcs;
	uint32_t n;
	uint64_t last;
	int rc;

	if (!src)
		return -ENOENT;
	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(src_iova, length - 1, &last))
		return -EOVERFLOW;
	rc = ioas_collect_srcs(src, src_iova, last, &srcs, &n);
	if (rc)
		return rc;
	dst = ioas_get(ctx, dst_id);
	if (!dst)
		rc = -ENOENT;
	else
		rc = ioas_insert_areas(dst, srcs, n, length, dst_iova, flags);
	free(srcs);
	return rc;
}

int ioas_unmap(struct uiommu_ctx *ctx, uint32_t ioas_id, uint64_t iova,
	       uint64_t length, uint64_t *unmapped)
{
	struct ioas *ioas = ioas_get(ctx, ioas_id);
	uint64_t last;
	int rc;

	*unmapped = 0;
	if (!ioas)
		return -ENOENT;
	if (iova == 0 && length == UINT64_MAX) {
		rc = ioas_unmap_range(ioas, 0, UINT64_MAX, unmapped);
		return rc == -ENOENT ? 0 : rc;
	}
	if (iova >= UINT64_MAX || length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return ioas_unmap_range(ioas, iova, last, unmapped);
}

int ioas_set_huge_pages(struct ioas *ioas, bool enable)
{
	uint64_t align;
	int rc;

	if (enable) {
		ioas->disable_large_pages = false;
		ioas->iova_alignment = ioas_calc_alignment(ioas);
		return 0;
	}
	if (ioas->disable_large_pages)
		return 0;
	/* Page tables already hold large leaves for existing areas. */
	if (ioas->domains && ioas->nareas)
		return -EINVAL;
	ioas->disable_large_pages = true;
	align = ioas_calc_alignment(ioas);
	rc = ioas_check_alignment(ioas, align);
	if (rc) {
		ioas->disable_large_pages = false;
		return rc;
	}
	ioas->iova_alignment = align;
	return 0;
}

/* All areas of all IOASes must be file-backed (R30); in-process, the
 * accounting already belongs to the caller, so success changes nothing. */
int ioas_change_process(struct uiommu_ctx *ctx)
{
	struct uiommu_obj *o;
	uint32_t pos = 0;

	while ((o = obj_iter(ctx, &pos))) {
		struct ioas *ioas;

		if (o->type != OBJ_IOAS || o->state != OBJ_LIVE)
			continue;
		ioas = container_of(o, struct ioas, obj);
		for (struct itree_node *n = itree_first(&ioas->iova); n;
		     n = itree_next(n))
			if (span_kind(n) == SPAN_AREA &&
			    !(area_of(n)->pages->flags & PAGES_FILE))
				return -EINVAL;
	}
	return 0;
}

int ioas_alloc(struct uiommu_ctx *ctx, uint32_t *out_id)
{
	struct uiommu_obj *o;
	struct ioas *ioas;
	int rc;

	rc = obj_alloc(ctx, OBJ_IOAS, sizeof(struct ioas), &o);
	if (rc)
		return rc;
	ioas = container_of(o, struct ioas, obj);
	itree_init(&ioas->iova);
	ioas->iova_alignment = 1;
	obj_finalize(o);
	*out_id = o->id;
	return 0;
}

static void ioas_destroy(struct uiommu_obj *obj)
{
	struct ioas *ioas = container_of(obj, struct ioas, obj);
	struct itree_node *n, *next;

	/* Page tables and accesses hold references: none can be left. */
	for (n = itree_first(&ioas->iova); n; n = next) {
		next = itree_next(n);
		if (span_kind(n) == SPAN_AREA)
			ioas_remove_area(ioas, area_of(n));
	}
	iova_free_all_resv(ioas);
	free(ioas->allowed);
}

const struct obj_ops ioas_ops = {
	.destroy = ioas_destroy,
};
