// SPDX-License-Identifier: MIT
/*
 * Fuzz target: byte strings become sequences of iommufd ioctls on one
 * context.  Object ids are drawn from the ones that exist (by index, as
 * iommufd's syzkaller support does), pointers from a scratch buffer, NULL or
 * an unmapped page, sizes around each struct's real size.  After every call
 * the IOVA trees must be consistent; at the end the context must tear down
 * cleanly (sanitizers check memory).  No call may crash, whatever it gets.
 */
#include <uiommu/linux/iommufd.h>
#include <uiommu/uiommu.h>

#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const uint8_t *p;
	size_t left;
};

static uint64_t fz_take(struct fz *f, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && f->left; i++, f->left--)
		v |= (uint64_t)*f->p++ << (8 * i);
	return v;
}

static const unsigned long fz_cmds[] = {
	IOMMU_DESTROY, IOMMU_IOAS_ALLOC, IOMMU_IOAS_ALLOW_IOVAS,
	IOMMU_IOAS_COPY, IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_MAP,
	IOMMU_IOAS_UNMAP, IOMMU_OPTION, IOMMU_VFIO_IOAS, IOMMU_HWPT_ALLOC,
	IOMMU_GET_HW_INFO, IOMMU_HWPT_SET_DIRTY_TRACKING,
	IOMMU_HWPT_GET_DIRTY_BITMAP, IOMMU_HWPT_INVALIDATE,
	IOMMU_IOAS_MAP_FILE, IOMMU_IOAS_CHANGE_PROCESS, _IO(';', 0x99),
};

static char *fz_scratch;
static char *fz_hole;

/* A value for a 64-bit field: small, an IOVA-ish value, an edge or raw. */
static uint64_t fz_value(struct fz *f)
{
	switch (fz_take(f, 1) % 6) {
	case 0: return fz_take(f, 1);
	case 1: return fz_take(f, 2) << 12;
	case 2: return UINT64_MAX - fz_take(f, 1);
	case 3: return (uintptr_t)fz_scratch + (fz_take(f, 2) & 0xfff0);
	case 4: return (uintptr_t)fz_hole;
	default: return fz_take(f, 8);
	}
}

static void fz_check(struct uiommu_ctx *c)
{
	struct uiommu_obj *o;
	uint32_t pos = 0;

	while ((o = obj_iter(c, &pos)))
		if (o->type == OBJ_IOAS && o->state == OBJ_LIVE &&
		    itree_check(&container_of(o, struct ioas, obj)->iova))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct uiommu_ctx *c;
	uint32_t ids[16] = { 0 };
	unsigned nids = 0;

	if (!fz_scratch) {
		fz_scratch = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		fz_hole = mmap(NULL, 4096, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (uiommu_ctx_create(&c))
		return 0;
	while (f.left > 2) {
		union {
			uint64_t q[16];
			uint32_t w[32];
		} buf;
		unsigned long cmd = fz_cmds[fz_take(&f, 1) %
					    (sizeof(fz_cmds) / sizeof(fz_cmds[0]))];
		unsigned nfields = 1 + fz_take(&f, 1) % 8;

		memset(&buf, 0, sizeof(buf));
		for (unsigned i = 0; i < nfields; i++)
			buf.q[1 + fz_take(&f, 1) % 5] = fz_value(&f);
		/* Ids: usually an existing object, by index. */
		buf.w[1 + fz_take(&f, 1) % 3] =
			nids ? ids[fz_take(&f, 1) % nids] : 1;
		/* The size field: around the real sizes (8-48), or more. */
		buf.w[0] = 8 + fz_take(&f, 1) % 64;
		if (uiommu_ioctl(c, cmd, &buf) == 0 && cmd == IOMMU_IOAS_ALLOC &&
		    nids < 16)
			ids[nids++] = buf.w[2];
		fz_check(c);
	}
	uiommu_ctx_destroy(c);
	return 0;
}
