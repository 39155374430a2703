// SPDX-License-Identifier: MIT
/* Fixed-size object slabs (see slab.h). */
#include "util/slab.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>

#define SLAB_BLOCK (64 * 1024)
#define SLAB_HDR 16 /* keeps objects 16-byte aligned */

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_PASSTHROUGH 1
#else
#define SLAB_PASSTHROUGH 0
#endif

void slab_init(struct slab *s, size_t objsize)
{
	memset(s, 0, sizeof(*s));
	/* Room for the free-list link, rounded for alignment. */
	if (objsize < sizeof(void *))
		objsize = sizeof(void *);
	s->objsize = (objsize + 7) & ~(size_t)7;
}

static int slab_grow(struct slab *s)
{
	char *block = uz_malloc(SLAB_BLOCK);
	size_t n;

	if (!block)
		return -1;
	*(void **)block = s->blocks;
	s->blocks = block;
	s->bytes += SLAB_BLOCK;
	n = (SLAB_BLOCK - SLAB_HDR) / s->objsize;
	/* Thread the new objects onto the free list, lowest address first. */
	for (size_t i = n; i--;) {
		void *obj = block + SLAB_HDR + i * s->objsize;

		*(void **)obj = s->free;
		s->free = obj;
	}
	return 0;
}

void *slab_alloc(struct slab *s)
{
	void *obj;

	if (SLAB_PASSTHROUGH) {
		obj = uz_calloc(1, s->objsize);
		if (obj)
			s->live++;
		return obj;
	}
	if (ut_should_fail())
		return NULL;
	if (!s->free && slab_grow(s))
		return NULL;
	obj = s->free;
	s->free = *(void **)obj;
	memset(obj, 0, s->objsize);
	s->live++;
	return obj;
}

void slab_free(struct slab *s, void *obj)
{
	if (!obj)
		return;
	s->live--;
	if (SLAB_PASSTHROUGH) {
		free(obj);
		return;
	}
	*(void **)obj = s->free;
	s->free = obj;
}

void slab_destroy(struct slab *s)
{
	void *b = s->blocks;

	while (b) {
		void *next = *(void **)b;

		free(b);
		b = next;
	}
	s->blocks = NULL;
	s->free = NULL;
	s->bytes = 0;
}
