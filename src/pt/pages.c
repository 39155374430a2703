// SPDX-License-Identifier: MIT
/*
 * Table pages: the granule-sized pages page tables are built of, carved
 * from 2 MiB chunks of anonymous memory, one pool per granule (4K, 16K,
 * 64K) for the whole process.
 *
 * Why not posix_memalign() per page: glibc keeps a header in front of
 * every block, so two page-aligned pages are never adjacent and each
 * table page cost about two pages of heap (measured: 4,177,920 bytes of
 * heap for the 2,109,440 bytes of tables that map 1 GiB at 4K).  Here a
 * chunk's first page holds its header and the others are tables, one
 * page in 512 at 4K; a chunk is resident only where touched, and pages
 * are handed out in address order, so a pool with few tables costs few
 * pages.
 *
 * A page is handed out zeroed.  A page put back zeroed stays so; others
 * are cleared on the way in.  A chunk whose pages are all free is
 * unmapped, but for PT_POOL_KEEP empty chunks per granule, which stay so
 * that a process that unmaps and maps again does not fault fresh memory
 * in every time (pt_pages_trim() gives those back too).  Putting a page
 * never allocates and never fails.
 *
 * Thread-safe: one mutex for all pools, taken once per page; each page
 * table's own reuse cache (pt.c) takes most requests before they get
 * here.  With ASan, a free page is poisoned but for its link word, so a
 * use of a freed table is still reported.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "pt/pt_priv.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define PT_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define PT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define PT_POISON(p, n) ((void)(p), (void)(n))
#define PT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define PT_CHUNK_LG2 21
#define PT_CHUNK (1UL << PT_CHUNK_LG2)
#define PT_POOL_KEEP 4

/* In the chunk's first page. */
struct pt_chunk {
	struct pt_chunk *next;	/* in the pool's list of chunks with free */
	struct pt_chunk *prev;	/* pages */
	void *free;		/* pages given back, linked via word 0 */
	unsigned int nfree;	/* pages on @free or never handed out */
	unsigned int fresh;	/* index of the first never handed out */
	unsigned int npages;	/* pages per chunk, the header's included */
};

struct pt_pool {
	struct pt_chunk *avail;	/* chunks with free pages */
	unsigned int gran_lg2;
	unsigned int nempty;	/* chunks with every page free */
	struct pt_pool_stats st;
};

static pthread_mutex_t pt_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pt_pool pt_pools[] = {
	{ .gran_lg2 = 12 }, { .gran_lg2 = 14 }, { .gran_lg2 = 16 },
};

static struct pt_pool *pt_pool_of(unsigned int gran_lg2)
{
	unsigned int i;

	for (i = 0; i < sizeof(pt_pools) / sizeof(pt_pools[0]); i++)
		if (pt_pools[i].gran_lg2 == gran_lg2)
			return &pt_pools[i];
	return NULL;
}

bool pt_pool_serves(size_t size)
{
	return size && size <= PT_CHUNK / 2 && !(size & (size - 1)) &&
	       pt_pool_of((unsigned int)__builtin_ctzl(size));
}

static void pt_avail_add(struct pt_pool *pl, struct pt_chunk *c)
{
	c->prev = NULL;
	c->next = pl->avail;
	if (pl->avail)
		pl->avail->prev = c;
	pl->avail = c;
}

static void pt_avail_del(struct pt_pool *pl, struct pt_chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		pl->avail = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

/* Every table page of @c is free. */
static bool pt_chunk_empty(const struct pt_chunk *c)
{
	return c->nfree == c->npages - 1;
}

/* Takes empty chunk @c out of pool @pl; the caller unmaps it
 * (pt_chunk_unmap), outside the lock if it can. */
static void pt_chunk_forget(struct pt_pool *pl, struct pt_chunk *c)
{
	pt_avail_del(pl, c);
	pl->st.chunks--;
}

static void pt_chunk_unmap(struct pt_chunk *c)
{
	PT_UNPOISON(c, PT_CHUNK);
	munmap(c, PT_CHUNK);
}

/* A new empty chunk, aligned to its size so a page finds its header. */
static struct pt_chunk *pt_chunk_new(struct pt_pool *pl)
{
	char *p = mmap(NULL, 2 * PT_CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	struct pt_chunk *c;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + PT_CHUNK - 1) & ~(PT_CHUNK - 1);
	if (a != (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((char *)a + PT_CHUNK, (uintptr_t)p + PT_CHUNK - a);
	/* Resident only where touched: no huge page behind a few tables. */
	madvise((void *)a, PT_CHUNK, MADV_NOHUGEPAGE);
	c = (struct pt_chunk *)a;
	c->npages = (unsigned int)(PT_CHUNK >> pl->gran_lg2);
	c->nfree = c->npages - 1;
	c->fresh = 1;
	c->free = NULL;
	pt_avail_add(pl, c);
	pl->nempty++;
	pl->st.chunks++;
	return c;
}

void *pt_pool_get(unsigned int gran_lg2)
{
	struct pt_pool *pl = pt_pool_of(gran_lg2);
	size_t size = (size_t)1 << gran_lg2;
	struct pt_chunk *c;
	void *p;

	pthread_mutex_lock(&pt_pool_lock);
	c = pl->avail ? pl->avail : pt_chunk_new(pl);
	if (!c) {
		pthread_mutex_unlock(&pt_pool_lock);
		return NULL;
	}
	if (pt_chunk_empty(c))
		pl->nempty--;
	if (c->free) {
		p = c->free;
		c->free = *(void **)p;
	} else {
		p = (char *)c + ((size_t)c->fresh++ << gran_lg2);
	}
	if (!--c->nfree)
		pt_avail_del(pl, c);
	pl->st.pages++;
	pthread_mutex_unlock(&pt_pool_lock);
	PT_UNPOISON(p, size);
	*(void **)p = NULL;
	return p;
}

void pt_pool_put(void *p, unsigned int gran_lg2, bool zeroed)
{
	struct pt_pool *pl = pt_pool_of(gran_lg2);
	size_t size = (size_t)1 << gran_lg2;
	struct pt_chunk *c, *unmap = NULL;

	if (!zeroed)
		memset(p, 0, size);
	PT_POISON((char *)p + sizeof(void *), size - sizeof(void *));
	c = (struct pt_chunk *)((uintptr_t)p & ~(PT_CHUNK - 1));
	pthread_mutex_lock(&pt_pool_lock);
	*(void **)p = c->free;
	c->free = p;
	if (!c->nfree++)
		pt_avail_add(pl, c);
	pl->st.pages--;
	if (pt_chunk_empty(c)) {
		if (pl->nempty < PT_POOL_KEEP) {
			pl->nempty++;
		} else {
			pt_chunk_forget(pl, c);
			unmap = c;
		}
	}
	pthread_mutex_unlock(&pt_pool_lock);
	if (unmap)
		pt_chunk_unmap(unmap);
}

void pt_pages_trim(void)
{
	unsigned int i;

	pthread_mutex_lock(&pt_pool_lock);
	for (i = 0; i < sizeof(pt_pools) / sizeof(pt_pools[0]); i++) {
		struct pt_pool *pl = &pt_pools[i];
		struct pt_chunk *c = pl->avail, *next;

		for (; c; c = next) {
			next = c->next;
			if (!pt_chunk_empty(c))
				continue;
			pt_chunk_forget(pl, c);
			pl->nempty--;
			pt_chunk_unmap(c);
		}
	}
	pthread_mutex_unlock(&pt_pool_lock);
}

void pt_pool_stats(unsigned int gran_lg2, struct pt_pool_stats *st)
{
	struct pt_pool *pl = pt_pool_of(gran_lg2);

	pthread_mutex_lock(&pt_pool_lock);
	*st = pl ? pl->st : (struct pt_pool_stats){ 0 };
	pthread_mutex_unlock(&pt_pool_lock);
}
