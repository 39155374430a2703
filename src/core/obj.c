// SPDX-License-Identifier: MIT
/*
 * The object table: ids, two-phase creation, references, destruction.
 *
 * Ids are handed out cyclically from 1 and never 0, so an id freed a moment
 * ago is not handed out again until the 31-bit space wraps: a program that
 * keeps a stale id gets -ENOENT instead of somebody else's object (Linux's
 * xarray reuses the lowest free id; uiommu is stricter here, which no correct
 * program can observe).  The table is an open-addressing hash keyed by id.
 *
 * Lifetimes (iommufd's model): obj_alloc() reserves the id, invisible to
 * lookups; the creator then obj_finalize()s once nothing can fail, or
 * obj_abort()s.  users counts the table's own reference plus one per object
 * (or access) that depends on this one; destroy succeeds only when the table
 * holds the sole reference.  Context teardown destroys objects whose users
 * is 1 until none remain — leaves first, whatever the creation order.
 */
#include "core/core.h"

#include "util/alloc.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define OBJ_ID_MAX 0x7fffffffu
#define OBJ_DELETED ((struct uiommu_obj *)1)
#define OBJ_TABLE_MIN 16

extern const struct obj_ops *const obj_type_ops[OBJ_TYPE_MAX];

static inline uint32_t obj_hash(uint32_t id, uint32_t cap)
{
	return (id * 2654435761u) & (cap - 1);
}

static struct uiommu_obj **obj_slot(struct obj_table *t, uint32_t id)
{
	uint32_t i;

	if (!t->cap)
		return NULL;
	for (i = obj_hash(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
		struct uiommu_obj *o = t->slots[i];

		if (!o)
			return NULL;
		if (o != OBJ_DELETED && o->id == id)
			return &t->slots[i];
	}
}

static void obj_place(struct uiommu_obj **slots, uint32_t cap,
		      struct uiommu_obj *o)
{
	uint32_t i = obj_hash(o->id, cap);

	while (slots[i] && slots[i] != OBJ_DELETED)
		i = (i + 1) & (cap - 1);
	slots[i] = o;
}

/* Make room for one more entry; rehashing also drops deleted slots. */
static int obj_table_reserve(struct obj_table *t)
{
	struct uiommu_obj **slots;
	uint32_t cap = t->cap ? t->cap : OBJ_TABLE_MIN;

	if ((uint64_t)(t->used + 1) * 2 <= t->cap)
		return 0;
	while ((uint64_t)(t->count + 1) * 4 > cap)
		cap *= 2;
	slots = uz_calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->slots[i] && t->slots[i] != OBJ_DELETED)
			obj_place(slots, cap, t->slots[i]);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	t->used = t->count;
	return 0;
}

static uint32_t obj_next_free_id(struct obj_table *t)
{
	for (;;) {
		uint32_t id = t->next_id;

		t->next_id = id >= OBJ_ID_MAX ? 1 : id + 1;
		if (!obj_slot(t, id))
			return id;
	}
}

int obj_alloc(struct uiommu_ctx *ctx, enum obj_type type, size_t size,
	      struct uiommu_obj **out)
{
	struct obj_table *t = &ctx->objs;
	struct uiommu_obj *o;

	if (t->count >= OBJ_ID_MAX - 1)
		return -ENOSPC;
	if (obj_table_reserve(t))
		return -ENOMEM;
	o = uz_calloc(1, size);
	if (!o)
		return -ENOMEM;
	o->ctx = ctx;
	o->type = type;
	o->state = OBJ_RESERVED;
	o->users = 1;
	o->id = obj_next_free_id(t);
	obj_place(t->slots, t->cap, o);
	t->used++;
	t->count++;
	*out = o;
	return 0;
}

void obj_finalize(struct uiommu_obj *obj)
{
	obj->state = OBJ_LIVE;
}

static void obj_unlink_free(struct uiommu_obj *obj)
{
	struct obj_table *t = &obj->ctx->objs;
	struct uiommu_obj **slot = obj_slot(t, obj->id);

	assert(slot && *slot == obj);
	*slot = OBJ_DELETED;
	t->count--;
	free(obj);
}

/* Undo obj_alloc(): the type's abort undoes whatever init had done. */
void obj_abort(struct uiommu_obj *obj)
{
	const struct obj_ops *ops = obj_type_ops[obj->type];

	if (ops && ops->abort)
		ops->abort(obj);
	else if (ops && ops->destroy)
		ops->destroy(obj);
	obj_unlink_free(obj);
}

struct uiommu_obj *obj_lookup(struct uiommu_ctx *ctx, uint32_t id,
			      enum obj_type type)
{
	struct uiommu_obj **slot = obj_slot(&ctx->objs, id);
	struct uiommu_obj *o;

	if (!slot)
		return NULL;
	o = *slot;
	if (o->state != OBJ_LIVE)
		return NULL;
	if (type != OBJ_NONE && o->type != type)
		return NULL;
	return o;
}

static void obj_do_destroy(struct uiommu_obj *obj)
{
	const struct obj_ops *ops = obj_type_ops[obj->type];

	if (obj->ctx->vfio_ioas && &obj->ctx->vfio_ioas->obj == obj)
		obj->ctx->vfio_ioas = NULL;
	if (ops && ops->destroy)
		ops->destroy(obj);
	obj_unlink_free(obj);
}

int obj_destroy(struct uiommu_ctx *ctx, uint32_t id)
{
	struct uiommu_obj *o = obj_lookup(ctx, id, OBJ_NONE);

	if (!o)
		return -ENOENT;
	if (o->users != 1)
		return -EBUSY;
	obj_do_destroy(o);
	return 0;
}

void obj_tombstone(struct uiommu_obj *obj)
{
	const struct obj_ops *ops = obj_type_ops[obj->type];

	assert(obj->state == OBJ_LIVE && obj->users == 1);
	if (ops && ops->destroy)
		ops->destroy(obj);
	obj->state = OBJ_TOMBSTONE;
}

bool obj_table_empty(struct uiommu_ctx *ctx)
{
	return ctx->objs.count == 0;
}

/*
 * Destroy everything, leaves first.  A pass that frees nothing while
 * objects remain means a reference was leaked: that is a uiommu bug, so
 * debug builds stop here; release builds free the rest regardless.
 */
void obj_table_teardown(struct uiommu_ctx *ctx)
{
	struct obj_table *t = &ctx->objs;

	while (t->count) {
		bool progress = false;

		for (uint32_t i = 0; i < t->cap; i++) {
			struct uiommu_obj *o = t->slots[i];

			if (!o || o == OBJ_DELETED)
				continue;
			if (o->state == OBJ_TOMBSTONE) {
				obj_unlink_free(o);
				progress = true;
			} else if (o->users == 1) {
				obj_do_destroy(o);
				progress = true;
			}
		}
		if (!progress) {
			fprintf(stderr, "uiommu: %u objects still referenced "
				"at context teardown\n", t->count);
			assert(progress);
			break;
		}
	}
}

void obj_table_free(struct uiommu_ctx *ctx)
{
	free(ctx->objs.slots);
	ctx->objs.slots = NULL;
	ctx->objs.cap = 0;
}

/* Iterate every object present (any state); *pos starts at 0. */
struct uiommu_obj *obj_iter(struct uiommu_ctx *ctx, uint32_t *pos)
{
	struct obj_table *t = &ctx->objs;

	while (*pos < t->cap) {
		struct uiommu_obj *o = t->slots[(*pos)++];

		if (o && o != OBJ_DELETED)
			return o;
	}
	return NULL;
}
