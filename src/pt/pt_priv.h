/* SPDX-License-Identifier: MIT */
/*
 * src/pt private: the per-format descriptor interface between the generic
 * code (pt.c, walk.c) and the formats (fmt_vtd.c, fmt_arm.c, fmt_amd.c),
 * the table object, and small inline helpers for entries and geometry.
 *
 * A format is a const struct pt_fmt.  The generic code calls its functions
 * once per table visited or once per run of leaves, never once per PTE:
 * runs of leaves are written as template | oa, stepping the OA, and
 * presence/dirty/accessed tests use masks precomputed in struct pt_geom.
 */
#ifndef UIOMMU_PT_PRIV_H
#define UIOMMU_PT_PRIV_H

#include "pt/pt.h"

enum pt_ekind {
	PT_ENT_NONE,	 /* not present (ARM: also "translation fault" codes) */
	PT_ENT_TABLE,	 /* points at a lower table */
	PT_ENT_LEAF,	 /* page/block/superpage */
	PT_ENT_RESERVED, /* reserved encoding: hardware reports a fault */
};

/* Rights an entry grants; the walker ANDs them down the path. */
enum {
	PT_PERM_R = 1u << 0,
	PT_PERM_W = 1u << 1,
	PT_PERM_X = 1u << 2,  /* unprivileged execute */
	PT_PERM_PX = 1u << 3, /* privileged execute */
	PT_PERM_U = 1u << 4,  /* unprivileged access allowed */
	PT_PERM_ALL = 0x1f,
};

/* A decoded entry. */
struct pt_dec {
	uint64_t oa;	   /* table address, or OA of the leaf unit's start */
	unsigned int lg2;  /* leaf: log2 of the unit (entry or run) */
	unsigned int next; /* table: level of the table it points at */
	unsigned int perm; /* PT_PERM_* */
	unsigned int attr; /* leaf: PT_PROT_CACHE / PT_PROT_MMIO */
	bool write_dbm;	   /* leaf: W only through a dirty-state update */
	bool af;	   /* leaf: access flag set (always true off ARM) */
};

typedef enum pt_ekind (*pt_decode_fn)(const struct pt_geom *g,
				     unsigned int level, uint64_t pte,
				     struct pt_dec *d);

struct pt_fmt {
	enum pt_format id;
	const char *name;
	/* Validate @cfg and fill the format part of @g (see pt_geom_init). */
	int (*init)(struct pt_geom *g, const struct pt_cfg *cfg);
	/* Entry at @level pointing at a table of level @level - 1. */
	uint64_t (*table_pte)(const struct pt_geom *g, unsigned int level,
			      uint64_t table);
	/*
	 * Template of the first entry of a leaf unit of 2^@lg2 bytes at
	 * @level: the entry is tmpl | oa (oa aligned to the unit).  Every
	 * later entry of a run adds the entry size (or, for replicated
	 * units, repeats then adds the unit size).
	 */
	uint64_t (*leaf_tmpl)(const struct pt_geom *g, unsigned int level,
			      unsigned int lg2, unsigned int prot);
	/*
	 * Template for re-encoding leaf @pte (a unit at @level) as units of
	 * 2^@to_lg2 at @to_level with the same attributes and A/D state.
	 */
	uint64_t (*leaf_resize)(const struct pt_geom *g, uint64_t pte,
				unsigned int level, unsigned int to_level,
				unsigned int to_lg2);
	/* Classify a non-zero entry at @level. */
	pt_decode_fn decode;
	/* pt_walk() for this format: the walk_tmpl.h template instantiated
	 * with the decoder inlined (PT_DEFINE_WALK). */
	int (*walk)(const struct pt_geom *g, uint64_t root,
		    const struct pt_mem *mem, uint64_t iova,
		    unsigned int access, struct pt_walk_result *res);
	/* pt_walk_lean() for this format, identity memory and through a
	 * struct pt_mem (PT_DEFINE_WALK too). */
	pt_lean_fn lean;
	pt_lean_fn lean_mem;
	/*
	 * The format part of a struct pt_fast (see pt_fast_init): the key
	 * windows (every entry bit the decoder's leaf rights and attributes
	 * depend on) and, at each leaf level, leaf_mask/leaf_val (and
	 * alt_val/alt_lg2 for a second leaf size), over entries the fast
	 * path of the geometry does not take for tables.  Levels it leaves
	 * alone hold no leaves the fast walker takes.
	 */
	void (*fast_init)(const struct pt_geom *g, struct pt_fast *f);
};

extern const struct pt_fmt pt_fmt_vtd_ss;
extern const struct pt_fmt pt_fmt_vtd_fs;
extern const struct pt_fmt pt_fmt_arm_s1;
extern const struct pt_fmt pt_fmt_arm_s2;
extern const struct pt_fmt pt_fmt_amd_v1;

/* Table pages kept for reuse instead of going back to the allocator. */
#define PT_CACHE_MAX 64

/*
 * The table-page pools (pages.c): zeroed pages of 2^gran_lg2 bytes
 * (4K, 16K, 64K), aligned to their size.  pt_pool_serves(): is @size one
 * of those?  pt_pool_get(): NULL if no memory.  pt_pool_put(): @zeroed
 * says the page is all zero already; never fails.
 */
struct pt_pool_stats {
	size_t chunks;		/* 2 MiB chunks mapped */
	size_t pages;		/* pages handed out */
};

bool pt_pool_serves(size_t size);
void *pt_pool_get(unsigned int gran_lg2);
void pt_pool_put(void *p, unsigned int gran_lg2, bool zeroed);
void pt_pool_stats(unsigned int gran_lg2, struct pt_pool_stats *st);

struct pt {
	struct pt_geom g;
	uint64_t *root;
	size_t table_bytes;	/* pages in the tree */
	const struct pt_alloc_ops *alloc;
	void *cache;		/* zeroed granule pages, linked via entry 0 */
	unsigned int cache_nr;
};

/* ---- helpers shared by the generic code and the formats ---- */

#define PT_BIT(n) (1ULL << (n))
#define PT_GENMASK(h, l) ((~0ULL >> (63 - (h))) & ~((1ULL << (l)) - 1))

/*
 * Entries are read and written with single 64-bit accesses: a concurrent
 * walker (the emulated IOMMU) must never see a torn entry.
 */
static inline uint64_t pt_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void pt_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Publishes a table pointer after the table's zeroed contents. */
static inline void pt_publish(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t *pt_ptr(uint64_t addr)
{
	return (uint64_t *)(uintptr_t)addr;
}

static inline uint64_t pt_addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline unsigned int pt_index(const struct pt_geom *g,
				    unsigned int level, uint64_t va)
{
	return (unsigned int)(va >> g->shift[level]) & g->idx_mask[level];
}

static inline unsigned int pt_nent(const struct pt_geom *g, unsigned int level)
{
	return g->idx_mask[level] + 1;
}

/* Span of one entry at @level, as a mask of the offset bits. */
static inline uint64_t pt_entry_mask(const struct pt_geom *g,
				     unsigned int level)
{
	return (1ULL << g->shift[level]) - 1;
}

static inline bool pt_present(const struct pt_geom *g, uint64_t pte)
{
	return pte & g->present_mask;
}

/* An entry of the kind table_pte() writes: a table of level - 1. */
static inline bool pt_is_std_table(const struct pt_geom *g,
				   unsigned int level, uint64_t pte)
{
	return (pte & g->tbl_mask[level]) == g->tbl_val[level];
}

static inline uint64_t pt_log2_mask(unsigned int lg2)
{
	return lg2 >= 64 ? ~0ULL : (1ULL << lg2) - 1;
}

/* Filled in by a format's init: the geometry fields every format shares. */
void pt_geom_set_levels(struct pt_geom *g, unsigned int gran_lg2,
			unsigned int levels, unsigned int ias);

/* Sets the table fast path for levels 1..top (level 0 never matches). */
void pt_geom_set_tables(struct pt_geom *g, uint64_t mask, uint64_t val,
			unsigned int perm);

#endif
