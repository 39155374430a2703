/* SPDX-License-Identifier: MIT */
/*
 * A minimal fixed-size object allocator.
 *
 * IOAS areas and their page descriptors are small (tens of bytes) and
 * numerous (10^6 in the benchmarks); malloc's per-chunk header would add a
 * fifth to their size.  A slab carves 64 KiB blocks into objects and keeps a
 * free list; blocks go back to the system only at slab_destroy().  Not
 * thread-safe: each context owns its slabs and uses them under its lock.
 * Under AddressSanitizer every object is a plain calloc() so use-after-free
 * is still caught.
 */
#ifndef UIOMMU_UTIL_SLAB_H
#define UIOMMU_UTIL_SLAB_H

#include <stddef.h>

struct slab {
	size_t objsize;
	void *free;        /* singly linked through each free object */
	void *blocks;      /* singly linked through each block's first word */
	size_t live;       /* objects handed out */
	size_t bytes;      /* bytes obtained from the system */
};

void slab_init(struct slab *s, size_t objsize);
/* A zeroed object, or NULL (fault-injectable). */
void *slab_alloc(struct slab *s);
void slab_free(struct slab *s, void *obj);
/* Release every block; objects still live become invalid. */
void slab_destroy(struct slab *s);

#endif
