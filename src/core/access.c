// SPDX-License-Identifier: MIT
/*
 * Accesses: a device emulator's window on an IOAS (iommufd's in-kernel
 * "access", as an mdev driver uses it).
 *
 * An access pins IOVA ranges, which pins the pages behind them, and copies
 * to and from them.  It keeps a list of its pins; each pinned area counts
 * them in num_accesses, so UNMAP knows whom to ask (ops->unmap) and refuses
 * with -EBUSY if an access does not let go.  The access holds a reference
 * on its IOAS, so the IOAS cannot be destroyed under it.
 */
#include "core/core.h"

#include "util/alloc.h"
#include "util/uaccess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct access_pin {
	uint64_t iova, last;
	struct access_pin *next;
};

struct uiommu_access {
	struct uiommu_ctx *ctx;
	struct ioas *ioas;
	struct uiommu_access_ops ops;
	void *opaque;
	struct access_pin *pins;
	struct uiommu_access *next; /* on ctx->accesses */
};

/* Call @fn on each area slice of [iova, last]; stops at the first error. */
static int access_for_each_slice(struct ioas *ioas, uint64_t iova,
				 uint64_t last,
				 int (*fn)(struct area *a, uint64_t s,
					   uint64_t l, void *arg),
				 void *arg)
{
	struct itree_node *n = itree_find(&ioas->iova, iova);
	uint64_t cur = iova;

	for (;;) {
		uint64_t l;
		int rc;

		if (!n || span_kind(n) != SPAN_AREA || n->start > cur)
			return -ENOENT;
		l = n->last < last ? n->last : last;
		rc = fn(area_of(n), cur, l, arg);
		if (rc || l == last)
			return rc;
		cur = l + 1;
		n = itree_next(n);
	}
}

static uint64_t slice_page(const struct area *a, uint64_t iova)
{
	return (a->start_byte + (iova - a->node.start)) / UIOMMU_PAGE_SIZE;
}

struct pin_args {
	struct uiommu_ctx *ctx;
	bool write;
	uint64_t done_last; /* last IOVA pinned so far, for unwinding */
	bool any;
};

static int access_check_slice(struct area *a, uint64_t s, uint64_t l,
			      void *arg)
{
	struct pin_args *pa = arg;

	if (pa->write && !(a->prot & UIOMMU_MAP_WRITE))
		return -EPERM;
	return 0;
}

static int access_pin_slice(struct area *a, uint64_t s, uint64_t l, void *arg)
{
	struct pin_args *pa = arg;
	int rc = pages_pin(pa->ctx, a->pages, slice_page(a, s),
			   slice_page(a, l), pa->write);

	if (rc)
		return rc;
	a->num_accesses++;
	pa->done_last = l;
	pa->any = true;
	return 0;
}

static int access_unpin_slice(struct area *a, uint64_t s, uint64_t l,
			      void *arg)
{
	struct pin_args *pa = arg;

	pages_unpin(pa->ctx, a->pages, slice_page(a, s), slice_page(a, l));
	a->num_accesses--;
	return 0;
}

static int access_range(uint64_t iova, uint64_t length, uint64_t *last)
{
	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	return 0;
}

/* Pin [iova, last] in every area it crosses; all or nothing. */
static int access_do_pin(struct uiommu_access *acc, uint64_t iova,
			 uint64_t last, bool write)
{
	struct pin_args pa = { acc->ctx, write, 0, false };
	int rc;

	rc = access_for_each_slice(acc->ioas, iova, last, access_check_slice,
				   &pa);
	if (rc)
		return rc;
	rc = access_for_each_slice(acc->ioas, iova, last, access_pin_slice,
				   &pa);
	if (rc && pa.any)
		access_for_each_slice(acc->ioas, iova, pa.done_last,
				      access_unpin_slice, &pa);
	return rc;
}

static void access_do_unpin(struct uiommu_access *acc, uint64_t iova,
			    uint64_t last)
{
	struct pin_args pa = { acc->ctx, false, 0, false };

	access_for_each_slice(acc->ioas, iova, last, access_unpin_slice, &pa);
}

UIOMMU_API int uiommu_access_create(struct uiommu_ctx *ctx, uint32_t ioas_id,
				    const struct uiommu_access_ops *ops,
				    void *opaque, struct uiommu_access **out)
{
	struct uiommu_access *acc;
	struct ioas *ioas;
	int rc = 0;

	if (!ctx || !out)
		return -EINVAL;
	ctx_lock(ctx);
	ioas = ioas_get(ctx, ioas_id);
	if (!ioas) {
		rc = -ENOENT;
		goto out;
	}
	acc = uz_calloc(1, sizeof(*acc));
	if (!acc) {
		rc = -ENOMEM;
		goto out;
	}
	acc->ctx = ctx;
	acc->ioas = ioas;
	if (ops)
		acc->ops = *ops;
	acc->opaque = opaque;
	obj_get(&ioas->obj);
	acc->next = ctx->accesses;
	ctx->accesses = acc;
	*out = acc;
out:
	ctx_unlock(ctx);
	return rc;
}

static void access_release(struct uiommu_access *acc)
{
	while (acc->pins) {
		struct access_pin *p = acc->pins;

		acc->pins = p->next;
		access_do_unpin(acc, p->iova, p->last);
		free(p);
	}
	obj_put(&acc->ioas->obj);
}

UIOMMU_API void uiommu_access_destroy(struct uiommu_access *acc)
{
	struct uiommu_ctx *ctx;
	struct uiommu_access **pp;

	if (!acc)
		return;
	ctx = acc->ctx;
	ctx_lock(ctx);
	access_release(acc);
	for (pp = &ctx->accesses; *pp; pp = &(*pp)->next) {
		if (*pp == acc) {
			*pp = acc->next;
			break;
		}
	}
	ctx_unlock(ctx);
	free(acc);
}

void access_teardown_all(struct uiommu_ctx *ctx)
{
	while (ctx->accesses) {
		struct uiommu_access *acc = ctx->accesses;

		ctx->accesses = acc->next;
		access_release(acc);
		free(acc);
	}
}

UIOMMU_API int uiommu_access_pin(struct uiommu_access *acc, uint64_t iova,
				 uint64_t length, uint32_t flags)
{
	struct access_pin *p;
	uint64_t last;
	int rc;

	if (!acc)
		return -EINVAL;
	if (flags & ~(UIOMMU_MAP_READ | UIOMMU_MAP_WRITE))
		return -EOPNOTSUPP;
	rc = access_range(iova, length, &last);
	if (rc)
		return rc;
	p = uz_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ctx_lock(acc->ctx);
	rc = access_do_pin(acc, iova, last, flags & UIOMMU_MAP_WRITE);
	if (!rc) {
		p->iova = iova;
		p->last = last;
		p->next = acc->pins;
		acc->pins = p;
		p = NULL;
	}
	ctx_unlock(acc->ctx);
	free(p);
	return rc;
}

UIOMMU_API int uiommu_access_unpin(struct uiommu_access *acc, uint64_t iova,
				   uint64_t length)
{
	struct access_pin **pp, *p = NULL;
	uint64_t last;
	int rc;

	if (!acc)
		return -EINVAL;
	rc = access_range(iova, length, &last);
	if (rc)
		return rc;
	ctx_lock(acc->ctx);
	for (pp = &acc->pins; *pp; pp = &(*pp)->next) {
		if ((*pp)->iova == iova && (*pp)->last == last) {
			p = *pp;
			*pp = p->next;
			break;
		}
	}
	if (p)
		access_do_unpin(acc, iova, last);
	ctx_unlock(acc->ctx);
	free(p);
	return p ? 0 : -ENOENT;
}

struct rw_args {
	char *buf;
	bool write;
};

static int access_copy_slice(struct area *a, uint64_t s, uint64_t l,
			     void *arg)
{
	struct rw_args *ra = arg;
	void *mem = (void *)(uintptr_t)area_hva(a, s);
	size_t n = l - s + 1;
	int rc;

	rc = ra->write ? uacc_copy(mem, ra->buf, n) : uacc_copy(ra->buf, mem, n);
	ra->buf += n;
	return rc;
}

UIOMMU_API int uiommu_access_rw(struct uiommu_access *acc, uint64_t iova,
				void *buf, uint64_t length, uint32_t flags)
{
	struct rw_args ra = { buf, flags & UIOMMU_MAP_WRITE };
	uint64_t last;
	int rc;

	if (!acc || !buf)
		return -EINVAL;
	if (flags & ~(UIOMMU_MAP_READ | UIOMMU_MAP_WRITE))
		return -EOPNOTSUPP;
	rc = access_range(iova, length, &last);
	if (rc)
		return rc;
	ctx_lock(acc->ctx);
	rc = access_do_pin(acc, iova, last, ra.write);
	if (!rc) {
		rc = access_for_each_slice(acc->ioas, iova, last,
					   access_copy_slice, &ra);
		access_do_unpin(acc, iova, last);
	}
	ctx_unlock(acc->ctx);
	return rc;
}

/* Ask each access with a pin intersecting [start, last] to let go. */
void access_notify_unmap(struct ioas *ioas, uint64_t start, uint64_t last)
{
	for (struct uiommu_access *acc = ioas->obj.ctx->accesses; acc;
	     acc = acc->next) {
		bool hit = false;

		if (acc->ioas != ioas || !acc->ops.unmap)
			continue;
		for (struct access_pin *p = acc->pins; p && !hit; p = p->next)
			hit = p->iova <= last && p->last >= start;
		if (hit)
			acc->ops.unmap(acc->opaque, start, last - start + 1);
	}
}
