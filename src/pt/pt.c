// SPDX-License-Identifier: MIT
/*
 * Generic IO page-table code: creation, table memory, map, unmap, dirty
 * tracking and the invalidation gather, for every format in fmt_*.c.
 *
 * The table is a radix tree of 8-byte entries; struct pt_geom says how many
 * levels, how many index bits each has and which levels may hold leaves, and
 * the format descriptor encodes and decodes entries.  All IOVA arithmetic
 * here is on the "va": the IOVA masked to the table's input width (x86
 * first-stage upper-half addresses are sign-extended back when reported).
 *
 * Invariants:
 *  - every table below the root holds at least one non-zero entry: unmap
 *    and the map error path remove tables that become empty, so map can
 *    treat any existing table under a wanted leaf as an overlap;
 *  - a table page outside the tree (in a gather, in the reuse cache) is
 *    all zero except entry 0 of queued pages, which links the list;
 *  - a leaf unit (one entry, an ARM contiguous run, an AMD NL=7 replica
 *    set) never crosses a table boundary and is aligned in IOVA and OA.
 *
 * Map walks down once per leaf table and then writes runs of consecutive
 * entries from one template (tmpl | oa, stepping the OA), so the per-entry
 * cost is a store and an add.  Errors undo: map never leaves a partial
 * mapping, unmap preallocates the tables a split needs before it changes
 * anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_priv.h"

static const struct pt_fmt *const pt_formats[PT_FMT_NR] = {
	[PT_FMT_VTD_SS] = &pt_fmt_vtd_ss,
	[PT_FMT_VTD_FS] = &pt_fmt_vtd_fs,
	[PT_FMT_ARM_S1] = &pt_fmt_arm_s1,
	[PT_FMT_ARM_S2] = &pt_fmt_arm_s2,
	[PT_FMT_AMD_V1] = &pt_fmt_amd_v1,
};

#define PT_CFG_KNOWN (PT_CFG_HW_AD | PT_CFG_ARM_NO_CONCAT | PT_CFG_X86_NXE)

const char *pt_format_name(enum pt_format format)
{
	if (format <= 0 || format >= PT_FMT_NR)
		return NULL;
	return pt_formats[format]->name;
}

/* ---- geometry ---- */

void pt_geom_set_levels(struct pt_geom *g, unsigned int gran_lg2,
			unsigned int levels, unsigned int ias)
{
	unsigned int l;

	g->gran_lg2 = gran_lg2;
	g->bits = gran_lg2 - 3;
	g->levels = levels;
	g->top = levels - 1;
	g->ias = ias;
	for (l = 0; l < levels; l++) {
		g->shift[l] = gran_lg2 + l * g->bits;
		g->idx_mask[l] = (1u << g->bits) - 1;
	}
	/* The top may decode fewer bits (small ias) or more (ARM stage-2
	 * concatenation); pt_geom_init() rejects ias <= shift[top]. */
	if (ias > g->shift[g->top])
		g->idx_mask[g->top] = (1u << (ias - g->shift[g->top])) - 1;
	g->va_mask = pt_log2_mask(ias);
}

void pt_geom_set_tables(struct pt_geom *g, uint64_t mask, uint64_t val,
			unsigned int perm)
{
	unsigned int l;

	g->tbl_mask[0] = 0;
	g->tbl_val[0] = 1;
	for (l = 1; l < g->levels; l++) {
		g->tbl_mask[l] = mask;
		g->tbl_val[l] = val;
	}
	g->tbl_perm = perm;
}

int pt_geom_init(struct pt_geom *g, const struct pt_cfg *cfg)
{
	const struct pt_fmt *fmt;
	size_t top_bytes;
	unsigned int l;
	int rc;

	memset(g, 0, sizeof(*g));
	if (cfg->format <= 0 || cfg->format >= PT_FMT_NR)
		return -EINVAL;
	if (cfg->flags & ~PT_CFG_KNOWN)
		return -EINVAL;
	fmt = pt_formats[cfg->format];
	g->fmt = fmt;
	g->lean = fmt->lean;
	g->lean_mem = fmt->lean_mem;
	g->format = cfg->format;
	g->flags = cfg->flags;
	rc = fmt->init(g, cfg);
	if (rc)
		return rc;
	if (!g->levels || g->levels > PT_MAX_LEVELS ||
	    g->ias <= g->shift[g->top] || g->ias - g->shift[g->top] > 17)
		return -EINVAL;
	g->oa_limit = g->oas >= 64 ? 0 : PT_BIT(g->oas);
	/* A standard table entry also has no address bits above oas, so the
	 * walker's fast path needs no separate address-size check. */
	for (l = 1; g->oa_limit && l < g->levels; l++)
		g->tbl_mask[l] |= g->addr_mask & ~(g->oa_limit - 1);
	if (cfg->pgsize_bitmap)
		g->pgsize_bitmap &= cfg->pgsize_bitmap;
	if (!g->pgsize_bitmap)
		return -EINVAL;
	top_bytes = (size_t)pt_nent(g, g->top) * sizeof(uint64_t);
	g->root_bytes = top_bytes > PT_BIT(g->gran_lg2) ? top_bytes :
			(size_t)PT_BIT(g->gran_lg2);
	return 0;
}

/* ---- table memory ---- */

static size_t pt_gran(const struct pt *pt)
{
	return (size_t)1 << pt->g.gran_lg2;
}

/* A zeroed block of @size aligned to it: the caller's allocator, else the
 * table-page pools (pages.c), else (sizes no pool has) posix_memalign. */
static void *pt_raw_alloc(struct pt *pt, size_t size)
{
	void *p;

	if (pt->alloc)
		return pt->alloc->alloc(pt->alloc->priv, size, size);
	if (pt_pool_serves(size))
		return pt_pool_get((unsigned int)__builtin_ctzl(size));
	if (posix_memalign(&p, size, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

/* @zeroed: the block is all zero (the pools need not clear it). */
static void pt_raw_free(struct pt *pt, void *p, size_t size, bool zeroed)
{
	if (pt->alloc)
		pt->alloc->free(pt->alloc->priv, p, size);
	else if (pt_pool_serves(size))
		pt_pool_put(p, (unsigned int)__builtin_ctzl(size), zeroed);
	else
		free(p);
}

/* A zeroed table page of the granule size, from the cache if possible. */
static uint64_t *pt_table_new(struct pt *pt)
{
	uint64_t *p = pt->cache;

	if (p) {
		pt->cache = pt_ptr(p[0]);
		p[0] = 0;
		pt->cache_nr--;
	} else {
		p = pt_raw_alloc(pt, pt_gran(pt));
		if (!p)
			return NULL;
	}
	pt->table_bytes += pt_gran(pt);
	return p;
}

/* Gives back a zeroed page that is no longer in the tree. */
static void pt_page_put(struct pt *pt, uint64_t *p)
{
	if (pt->cache_nr < PT_CACHE_MAX) {
		p[0] = pt_addr(pt->cache);
		pt->cache = p;
		pt->cache_nr++;
		return;
	}
	pt_raw_free(pt, p, pt_gran(pt), true);
}

/* Takes a zeroed table out of the tree; freed after the gather's flush. */
static void pt_table_retire(struct pt *pt, uint64_t *tbl,
			    struct pt_gather *gather)
{
	pt->table_bytes -= pt_gran(pt);
	if (!gather) {
		pt_page_put(pt, tbl);
		return;
	}
	gather->pt = pt;
	gather->tables_changed = true;
	pt_store(tbl, pt_addr(gather->freelist));
	gather->freelist = tbl;
	gather->nr_pages++;
}

/*
 * The table entry @pte at @level points at, or NULL for anything else.
 * Tables we build always take the mask fast path; the decoder is only
 * asked about leaves and foreign encodings.
 */
static uint64_t *pt_child(const struct pt_geom *g, unsigned int level,
			  uint64_t pte)
{
	struct pt_dec d;

	if (pt_is_std_table(g, level, pte))
		return pt_ptr(pte & g->addr_mask);
	if (!level || !pt_present(g, pte) ||
	    g->fmt->decode(g, level, pte, &d) != PT_ENT_TABLE ||
	    d.next != level - 1)
		return NULL;
	return pt_ptr(d.oa);
}

static bool pt_table_empty(const struct pt_geom *g, const uint64_t *tbl,
			   unsigned int level)
{
	unsigned int i, n = pt_nent(g, level);

	for (i = 0; i < n; i += 8) {
		if (pt_load(tbl + i) | pt_load(tbl + i + 1) |
		    pt_load(tbl + i + 2) | pt_load(tbl + i + 3) |
		    pt_load(tbl + i + 4) | pt_load(tbl + i + 5) |
		    pt_load(tbl + i + 6) | pt_load(tbl + i + 7))
			return false;
	}
	return true;
}

/* ---- gather ---- */

void pt_gather_init(struct pt_gather *gather)
{
	memset(gather, 0, sizeof(*gather));
	gather->start = UINT64_MAX;
}

void pt_gather_release(struct pt_gather *gather)
{
	uint64_t *p = gather->freelist;

	while (p) {
		uint64_t *next = pt_ptr(p[0]);

		p[0] = 0;
		pt_page_put(gather->pt, p);
		p = next;
	}
	pt_gather_init(gather);
}

/* x86 first-stage upper-half va back to the canonical IOVA. */
static uint64_t pt_va_to_iova(const struct pt_geom *g, uint64_t va)
{
	if (g->sign_extend && (va & PT_BIT(g->ias - 1)))
		return va | ~g->va_mask;
	return va;
}

static void pt_gather_add(struct pt_gather *gather, const struct pt_geom *g,
			  uint64_t start, uint64_t last)
{
	if (!gather)
		return;
	start = pt_va_to_iova(g, start);
	last = pt_va_to_iova(g, last);
	if (gather->start > gather->last) {
		gather->start = start;
		gather->last = last;
		return;
	}
	if (start < gather->start)
		gather->start = start;
	if (last > gather->last)
		gather->last = last;
}

static void pt_gather_leaf(struct pt_gather *gather, unsigned int lg2)
{
	if (gather && lg2 > gather->max_leaf_lg2)
		gather->max_leaf_lg2 = lg2;
}

/* ---- create / destroy ---- */

int pt_create(const struct pt_cfg *cfg, struct pt **out)
{
	struct pt *pt;
	int rc;

	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	rc = pt_geom_init(&pt->g, cfg);
	if (rc)
		goto err_free;
	pt->alloc = cfg->alloc;
	pt->root = pt_raw_alloc(pt, pt->g.root_bytes);
	if (!pt->root) {
		rc = -ENOMEM;
		goto err_free;
	}
	pt->table_bytes = pt->g.root_bytes;
	*out = pt;
	return 0;

err_free:
	free(pt);
	return rc;
}

static void pt_free_tree(struct pt *pt, uint64_t *tbl, unsigned int level)
{
	const struct pt_geom *g = &pt->g;
	unsigned int i, n = pt_nent(g, level);

	if (!level)
		return;
	for (i = 0; i < n; i++) {
		uint64_t *child = pt_child(g, level, pt_load(tbl + i));

		if (!child)
			continue;
		pt_free_tree(pt, child, level - 1);
		pt_raw_free(pt, child, pt_gran(pt), false);
	}
}

void pt_destroy(struct pt *pt)
{
	if (!pt)
		return;
	pt_free_tree(pt, pt->root, pt->g.top);
	pt_raw_free(pt, pt->root, pt->g.root_bytes, false);
	while (pt->cache) {
		uint64_t *p = pt->cache;

		pt->cache = pt_ptr(p[0]);
		p[0] = 0;
		pt_raw_free(pt, p, pt_gran(pt), true);
	}
	free(pt);
}

const struct pt_geom *pt_get_geom(const struct pt *pt)
{
	return &pt->g;
}

uint64_t pt_root(const struct pt *pt)
{
	return pt_addr(pt->root);
}

size_t pt_table_bytes(const struct pt *pt)
{
	return pt->table_bytes;
}

/* ---- argument checks shared by map, unmap and dirty ---- */

static bool pt_canonical(const struct pt_geom *g, uint64_t iova)
{
	unsigned int sh = 64 - g->ias;

	return (uint64_t)((int64_t)(iova << sh) >> sh) == iova;
}

/* [iova, iova + length) -> va and inclusive last, or -errno. */
static int pt_range(const struct pt_geom *g, uint64_t iova, uint64_t length,
		    uint64_t align, uint64_t *va, uint64_t *last)
{
	uint64_t end;

	if (!length || ((iova | length) & (align - 1)))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &end))
		return -EOVERFLOW;
	if (g->sign_extend) {
		if (!pt_canonical(g, iova) || !pt_canonical(g, end) ||
		    ((iova ^ end) & PT_BIT(g->ias - 1)))
			return -EINVAL;
	} else if (end > g->va_mask) {
		return -EINVAL;
	}
	*va = iova & g->va_mask;
	*last = end & g->va_mask;
	return 0;
}

/* ---- map ---- */

struct pt_map_state {
	struct pt *pt;
	uint64_t va;
	uint64_t oa;
	uint64_t len;
	unsigned int prot;
	unsigned int tmpl_key; /* level << 8 | lg2 of the cached template */
	uint64_t tmpl;
};

/* Largest allowed size dividing va and oa and not above len. */
static unsigned int pt_best_lg2(uint64_t sizes, uint64_t va, uint64_t oa,
				uint64_t len)
{
	uint64_t align = va | oa;

	if (align)
		sizes &= (align & -align) | ((align & -align) - 1);
	sizes &= pt_log2_mask(64 - (unsigned int)__builtin_clzll(len));
	return 63 - (unsigned int)__builtin_clzll(sizes);
}

/*
 * Units of 2^lg2 to write before a larger size could start: once va and
 * oa both reach the next allowed size's alignment, the run must stop so the
 * caller picks the larger leaf.  If va and oa differ modulo that size they
 * never align together and the run may continue.
 */
static uint64_t pt_run_limit(const struct pt_map_state *st, unsigned int lg2,
			     uint64_t units)
{
	uint64_t bigger = st->pt->g.pgsize_bitmap & ~pt_log2_mask(lg2 + 1);
	uint64_t b, until;

	if (!bigger)
		return units;
	b = bigger & -bigger;
	if ((st->va ^ st->oa) & (b - 1))
		return units;
	until = ((b - (st->va & (b - 1))) & (b - 1)) >> lg2;
	return (until && until < units) ? until : units;
}

static uint64_t pt_map_tmpl(struct pt_map_state *st, unsigned int level,
			    unsigned int lg2)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int key = level << 8 | lg2;

	if (st->tmpl_key != key) {
		st->tmpl = g->fmt->leaf_tmpl(g, level, lg2, st->prot);
		st->tmpl_key = key;
	}
	return st->tmpl;
}

/* Writes n entries from pte, each mapping the next entry-sized piece. */
static void pt_fill_step(uint64_t *p, uint64_t n, uint64_t pte, uint64_t step)
{
	uint64_t i;

	for (i = 0; i < n; i++, pte += step)
		pt_store(p + i, pte);
}

/* Writes units of 2^rep_lg2 identical entries (AMD NL=7 replicas). */
static void pt_fill_replicated(uint64_t *p, uint64_t units,
			       unsigned int rep_lg2, uint64_t pte,
			       uint64_t step)
{
	uint64_t u, r, rep = 1ULL << rep_lg2;

	for (u = 0; u < units; u++, pte += step)
		for (r = 0; r < rep; r++)
			pt_store(p++, pte);
}

static int pt_map_leaves(struct pt_map_state *st, uint64_t *tbl,
			 unsigned int level, unsigned int *idx,
			 unsigned int lg2)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int ulg2 = lg2 - g->shift[level];
	uint64_t units = st->len >> lg2;
	uint64_t room = (uint64_t)(pt_nent(g, level) - *idx) >> ulg2;
	uint64_t *p = tbl + *idx;
	uint64_t i, n, pte;

	if (units > room)
		units = room;
	units = pt_run_limit(st, lg2, units);
	n = units << ulg2;
	for (i = 0; i < n; i++)
		if (pt_load(p + i))
			return -EEXIST;
	pte = pt_map_tmpl(st, level, lg2) | st->oa;
	if (g->replicate && ulg2)
		pt_fill_replicated(p, units, ulg2, pte, 1ULL << lg2);
	else
		pt_fill_step(p, n, pte, 1ULL << g->shift[level]);
	st->va += units << lg2;
	st->oa += units << lg2;
	st->len -= units << lg2;
	*idx += (unsigned int)n;
	return 0;
}

static int pt_map_table(struct pt_map_state *st, uint64_t *tbl,
			unsigned int level);

/* Descends through entry @e at @level, creating the table if needed. */
static int pt_map_descend(struct pt_map_state *st, uint64_t *e,
			  unsigned int level)
{
	struct pt *pt = st->pt;
	const struct pt_geom *g = &pt->g;
	uint64_t pte = pt_load(e);
	uint64_t *child;

	if (!pte) {
		child = pt_table_new(pt);
		if (!child)
			return -ENOMEM;
		pt_publish(e, g->fmt->table_pte(g, level, pt_addr(child)));
	} else {
		/* A leaf (or anything but a table) overlaps. */
		child = pt_child(g, level, pte);
		if (!child)
			return -EEXIST;
	}
	return pt_map_table(st, child, level - 1);
}

static int pt_map_table(struct pt_map_state *st, uint64_t *tbl,
			unsigned int level)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int idx = pt_index(g, level, st->va);
	unsigned int nent = pt_nent(g, level);
	int rc = 0;

	while (st->len && idx < nent) {
		unsigned int lg2 = pt_best_lg2(g->pgsize_bitmap, st->va,
					       st->oa, st->len);

		if (lg2 >= g->shift[level])
			rc = pt_map_leaves(st, tbl, level, &idx, lg2);
		else
			rc = pt_map_descend(st, tbl + idx++, level);
		if (rc)
			break;
	}
	return rc;
}

static int pt_unmap_va(struct pt *pt, uint64_t va, uint64_t last,
		       struct pt_gather *gather, bool no_split,
		       uint64_t *unmapped);

/* Removes tables left empty on the path to @va (the map error path). */
static void pt_prune(struct pt *pt, uint64_t *tbl, unsigned int level,
		     uint64_t va, struct pt_gather *gather)
{
	const struct pt_geom *g = &pt->g;
	uint64_t *e = tbl + pt_index(g, level, va);
	uint64_t *child = pt_child(g, level, pt_load(e));

	if (!child)
		return;
	pt_prune(pt, child, level - 1, va, gather);
	if (pt_table_empty(g, child, level - 1)) {
		pt_store(e, 0);
		pt_table_retire(pt, child, gather);
	}
}

int pt_map(struct pt *pt, uint64_t iova, uint64_t oa, uint64_t length,
	   unsigned int prot, struct pt_gather *gather)
{
	const struct pt_geom *g = &pt->g;
	uint64_t min = g->pgsize_bitmap & -g->pgsize_bitmap;
	struct pt_map_state st;
	uint64_t va, last, oa_last;
	int rc;

	if ((prot & ~PT_PROT_ALL) || !(prot & (PT_PROT_READ | PT_PROT_WRITE)) ||
	    (oa & (min - 1)))
		return -EINVAL;
	rc = pt_range(g, iova, length, min, &va, &last);
	if (rc)
		return rc;
	if (__builtin_add_overflow(oa, length - 1, &oa_last))
		return -EOVERFLOW;
	if (g->oa_limit && oa_last >= g->oa_limit)
		return -EINVAL;

	st = (struct pt_map_state){
		.pt = pt, .va = va, .oa = oa, .len = length, .prot = prot,
		.tmpl_key = ~0u,
	};
	rc = pt_map_table(&st, pt->root, g->top);
	if (rc) {
		/* Everything below st.va was mapped by this call, as whole
		 * units, so removing it needs no split and cannot fail. */
		if (st.va != va)
			pt_unmap_va(pt, va, st.va - 1, gather, true, NULL);
		pt_prune(pt, pt->root, g->top, st.va, gather);
		return rc;
	}
	pt_gather_add(gather, g, va, last);
	return 0;
}

/* ---- unmap ---- */

struct pt_unmap_state {
	struct pt *pt;
	uint64_t start; /* va range being unmapped, inclusive */
	uint64_t last;
	uint64_t unmapped;
	struct pt_gather *gather;
	bool no_split;
	unsigned int nspare;
	uint64_t *spare[2 * PT_MAX_LEVELS];
};

/*
 * Tables needed so that a range boundary at @b falls between entries: a
 * leaf containing b, not starting at b, is split level by level until b is
 * aligned to the entry size.  Multi-entry units become single entries
 * first, which needs no memory.
 */
static unsigned int pt_split_need(const struct pt *pt, uint64_t b)
{
	const struct pt_geom *g = &pt->g;
	const uint64_t *tbl = pt->root;
	unsigned int level = g->top, n = 0;
	struct pt_dec d;

	for (;;) {
		uint64_t pte = pt_load(tbl + pt_index(g, level, b));
		const uint64_t *child = pt_child(g, level, pte);

		if (child) {
			tbl = child;
			level--;
			continue;
		}
		if (!pt_present(g, pte) ||
		    g->fmt->decode(g, level, pte, &d) != PT_ENT_LEAF ||
		    !(b & pt_log2_mask(d.lg2)))
			return 0;
		while (b & pt_entry_mask(g, level)) {
			n++;
			level--;
		}
		return n;
	}
}

/* Dirty state of a whole unit: hardware may dirty any of its entries. */
static bool pt_unit_dirty(const struct pt_geom *g, const uint64_t *p,
			  uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if ((pt_load(p + i) & g->dirty_mask) == g->dirty_val)
			return true;
	return false;
}

static uint64_t pt_make_dirty(const struct pt_geom *g, uint64_t pte)
{
	if (!g->dirty_bit)
		return pte;
	return g->dirty_when_set ? pte | g->dirty_bit : pte & ~g->dirty_bit;
}

/*
 * Rewrites the multi-entry unit holding entry @i as single entries of the
 * level's own size.  Translations are unchanged; a dirty unit stays dirty
 * in every piece, since we cannot tell which piece was written.
 */
static void pt_unit_split(const struct pt_geom *g, uint64_t *tbl,
			  unsigned int level, unsigned int i,
			  const struct pt_dec *d)
{
	unsigned int es = g->shift[level];
	uint64_t k = 1ULL << (d->lg2 - es);
	uint64_t *p = tbl + (i & ~(k - 1));
	bool dirty = pt_unit_dirty(g, p, k);
	uint64_t j;

	for (j = 0; j < k; j++) {
		uint64_t pte = g->fmt->leaf_resize(g, pt_load(p + j), level,
						   level, es);

		pte |= d->oa + (j << es);
		if (dirty && (pte & g->dirty_mask & ~g->dirty_bit) ==
				     (g->dirty_val & ~g->dirty_bit))
			pte = pt_make_dirty(g, pte);
		pt_store(p + j, pte);
	}
}

/* Replaces leaf entry @e (one entry at @level) by a table of its pieces. */
static void pt_leaf_split(struct pt_unmap_state *st, uint64_t *e,
			  unsigned int level, const struct pt_dec *d)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int cs = g->shift[level - 1];
	uint64_t *child = st->spare[--st->nspare];
	uint64_t pte = pt_load(e);
	uint64_t tmpl = g->fmt->leaf_resize(g, pte, level, level - 1, cs);

	pt_fill_step(child, pt_nent(g, level - 1), tmpl | d->oa, 1ULL << cs);
	pt_publish(e, g->fmt->table_pte(g, level, pt_addr(child)));
	if (st->gather)
		st->gather->tables_changed = true;
}

/*
 * Makes sure the leaf unit at entry @i does not straddle an end of the
 * range: afterwards entry i is empty, a table, or a leaf entirely inside.
 */
static void pt_unmap_edge(struct pt_unmap_state *st, uint64_t *tbl,
			  unsigned int level, unsigned int i, uint64_t base)
{
	const struct pt_geom *g = &st->pt->g;
	uint64_t pte = pt_load(tbl + i), us, ue, es;
	struct pt_dec d;

	if (!pt_present(g, pte) || pt_is_std_table(g, level, pte) ||
	    g->fmt->decode(g, level, pte, &d) != PT_ENT_LEAF)
		return;
	es = base + ((uint64_t)i << g->shift[level]);
	us = es & ~pt_log2_mask(d.lg2);
	ue = us + pt_log2_mask(d.lg2);
	if (us >= st->start && ue <= st->last)
		return;
	if (st->no_split)
		abort(); /* map's undo only removes whole units it wrote */
	pt_gather_leaf(st->gather, d.lg2);
	if (d.lg2 > g->shift[level]) {
		pt_unit_split(g, tbl, level, i, &d);
		if (es >= st->start && es + pt_entry_mask(g, level) <= st->last)
			return;
		d.oa += es - us;
	}
	pt_leaf_split(st, tbl + i, level, &d);
}

/* Clears level-0 entries [i, last_i], all inside the range. */
static void pt_unmap_leaf_run(struct pt_unmap_state *st, uint64_t *tbl,
			      unsigned int i, unsigned int last_i,
			      uint64_t base)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int s = g->shift[0];
	uint64_t n = 0, first = UINT64_MAX, lastp = 0, j;

	for (j = i; j <= last_i; j++) {
		uint64_t pte = pt_load(tbl + j);

		if (!pte)
			continue;
		pt_store(tbl + j, 0);
		if (pt_present(g, pte)) {
			n++;
			if (first == UINT64_MAX)
				first = j;
			lastp = j;
		}
	}
	if (!n)
		return;
	st->unmapped += n << s;
	pt_gather_add(st->gather, g, base + (first << s),
		      base + ((lastp + 1) << s) - 1);
}

static void pt_unmap_table(struct pt_unmap_state *st, uint64_t *tbl,
			   unsigned int level, uint64_t lo, uint64_t hi,
			   uint64_t base);

static void pt_unmap_entry(struct pt_unmap_state *st, uint64_t *tbl,
			   unsigned int level, unsigned int i, uint64_t base)
{
	const struct pt_geom *g = &st->pt->g;
	uint64_t pte = pt_load(tbl + i);
	uint64_t es = base + ((uint64_t)i << g->shift[level]);
	uint64_t ee = es + pt_entry_mask(g, level);
	uint64_t *child;

	if (!pt_present(g, pte))
		return;
	child = pt_child(g, level, pte);
	if (!child) {
		/* A leaf, entirely inside the range after the edge fix. */
		pt_store(tbl + i, 0);
		st->unmapped += ee - es + 1;
		pt_gather_add(st->gather, g, es, ee);
		return;
	}
	pt_unmap_table(st, child, level - 1, es > st->start ? es : st->start,
		       ee < st->last ? ee : st->last, es);
	/* A table whose whole span was unmapped is empty. */
	if ((es >= st->start && ee <= st->last) ||
	    pt_table_empty(g, child, level - 1)) {
		pt_store(tbl + i, 0);
		pt_table_retire(st->pt, child, st->gather);
	}
}

static void pt_unmap_table(struct pt_unmap_state *st, uint64_t *tbl,
			   unsigned int level, uint64_t lo, uint64_t hi,
			   uint64_t base)
{
	const struct pt_geom *g = &st->pt->g;
	unsigned int i = pt_index(g, level, lo);
	unsigned int last_i = pt_index(g, level, hi);

	pt_unmap_edge(st, tbl, level, i, base);
	if (last_i != i)
		pt_unmap_edge(st, tbl, level, last_i, base);
	if (!level) {
		pt_unmap_leaf_run(st, tbl, i, last_i, base);
		return;
	}
	for (; i <= last_i; i++)
		pt_unmap_entry(st, tbl, level, i, base);
}

static void pt_spares_put(struct pt_unmap_state *st)
{
	while (st->nspare) {
		st->pt->table_bytes -= pt_gran(st->pt);
		pt_page_put(st->pt, st->spare[--st->nspare]);
	}
}

static int pt_unmap_va(struct pt *pt, uint64_t va, uint64_t last,
		       struct pt_gather *gather, bool no_split,
		       uint64_t *unmapped)
{
	const struct pt_geom *g = &pt->g;
	struct pt_unmap_state st = {
		.pt = pt, .start = va, .last = last, .gather = gather,
		.no_split = no_split,
	};
	unsigned int need = 0;

	if (!no_split) {
		need = pt_split_need(pt, va);
		if (last < g->va_mask)
			need += pt_split_need(pt, last + 1);
	}
	while (st.nspare < need) {
		uint64_t *p = pt_table_new(pt);

		if (!p) {
			pt_spares_put(&st);
			return -ENOMEM;
		}
		st.spare[st.nspare++] = p;
	}
	pt_unmap_table(&st, pt->root, g->top, va, last, 0);
	pt_spares_put(&st);
	if (unmapped)
		*unmapped = st.unmapped;
	return 0;
}

int pt_unmap(struct pt *pt, uint64_t iova, uint64_t length,
	     struct pt_gather *gather, uint64_t *unmapped)
{
	const struct pt_geom *g = &pt->g;
	uint64_t va, last;
	int rc;

	rc = pt_range(g, iova, length, PT_BIT(g->gran_lg2), &va, &last);
	if (rc)
		return rc;
	return pt_unmap_va(pt, va, last, gather, false, unmapped);
}

/* ---- dirty tracking ---- */

struct pt_dirty_state {
	const struct pt_geom *g;
	uint64_t start;
	uint64_t last;
	unsigned int flags;
	pt_dirty_fn fn;
	void *opaque;
	struct pt_gather *gather;
	bool run;
	uint64_t run_start;
	uint64_t run_last;
};

static void pt_dirty_flush(struct pt_dirty_state *st)
{
	if (st->run)
		st->fn(st->opaque, pt_va_to_iova(st->g, st->run_start),
		       st->run_last - st->run_start + 1);
	st->run = false;
}

static void pt_dirty_report(struct pt_dirty_state *st, uint64_t start,
			    uint64_t last)
{
	if (start < st->start)
		start = st->start;
	if (last > st->last)
		last = st->last;
	if (st->run && st->run_last + 1 == start) {
		st->run_last = last;
		return;
	}
	pt_dirty_flush(st);
	st->run = true;
	st->run_start = start;
	st->run_last = last;
}

/* Cleans every entry of a unit, atomically against hardware updates. */
static void pt_unit_clean(const struct pt_geom *g, uint64_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if ((pt_load(p + i) & g->dirty_mask) != g->dirty_val)
			continue;
		if (g->dirty_when_set)
			__atomic_fetch_and(p + i, ~g->dirty_bit,
					   __ATOMIC_RELAXED);
		else
			__atomic_fetch_or(p + i, g->dirty_bit,
					  __ATOMIC_RELAXED);
	}
}

/* Reports and cleans one leaf unit; returns the index after it. */
static unsigned int pt_dirty_unit(struct pt_dirty_state *st, uint64_t *tbl,
				  unsigned int level, unsigned int i,
				  uint64_t base, const struct pt_dec *d)
{
	const struct pt_geom *g = st->g;
	unsigned int s = g->shift[level];
	uint64_t k = 1ULL << (d->lg2 - s);
	unsigned int first = i & ~(unsigned int)(k - 1);
	uint64_t us = base + ((uint64_t)first << s);
	uint64_t ue = us + pt_log2_mask(d->lg2);

	if (pt_unit_dirty(g, tbl + first, k)) {
		pt_dirty_report(st, us, ue);
		if (!(st->flags & PT_DIRTY_NO_CLEAR)) {
			pt_unit_clean(g, tbl + first, k);
			pt_gather_add(st->gather, g, us, ue);
		}
	}
	return first + (unsigned int)k;
}

static void pt_dirty_table(struct pt_dirty_state *st, uint64_t *tbl,
			   unsigned int level, uint64_t lo, uint64_t hi,
			   uint64_t base)
{
	const struct pt_geom *g = st->g;
	unsigned int i = pt_index(g, level, lo);
	unsigned int last_i = pt_index(g, level, hi);

	while (i <= last_i) {
		uint64_t pte = pt_load(tbl + i);
		uint64_t es = base + ((uint64_t)i << g->shift[level]);
		uint64_t ee = es + pt_entry_mask(g, level);
		uint64_t *child = pt_child(g, level, pte);
		struct pt_dec d;

		if (child) {
			pt_dirty_table(st, child, level - 1, es > lo ? es : lo,
				       ee < hi ? ee : hi, es);
			i++;
		} else if (pt_present(g, pte) &&
			   g->fmt->decode(g, level, pte, &d) == PT_ENT_LEAF) {
			i = pt_dirty_unit(st, tbl, level, i, base, &d);
		} else {
			i++;
		}
	}
}

int pt_read_and_clear_dirty(struct pt *pt, uint64_t iova, uint64_t length,
			    unsigned int flags, pt_dirty_fn fn, void *opaque,
			    struct pt_gather *gather)
{
	const struct pt_geom *g = &pt->g;
	struct pt_dirty_state st;
	uint64_t va, last;
	int rc;

	if ((g->format == PT_FMT_ARM_S1 || g->format == PT_FMT_ARM_S2) &&
	    !(g->flags & PT_CFG_HW_AD))
		return -EOPNOTSUPP;
	if (flags & ~PT_DIRTY_NO_CLEAR)
		return -EINVAL;
	rc = pt_range(g, iova, length, PT_BIT(g->gran_lg2), &va, &last);
	if (rc)
		return rc;
	st = (struct pt_dirty_state){
		.g = g, .start = va, .last = last, .flags = flags, .fn = fn,
		.opaque = opaque, .gather = gather,
	};
	pt_dirty_table(&st, pt->root, g->top, va, last, 0);
	pt_dirty_flush(&st);
	return 0;
}

void pt_dirty_bitmap_record(void *opaque, uint64_t iova, uint64_t length)
{
	struct pt_dirty_bitmap *bm = opaque;
	uint64_t first, last, i;

	if (iova + length <= bm->iova)
		return;
	first = iova > bm->iova ? (iova - bm->iova) >> bm->pgshift : 0;
	last = (iova + length - 1 - bm->iova) >> bm->pgshift;
	if (last >= bm->npages)
		last = bm->npages - 1;
	for (i = first; i <= last && i < bm->npages; i++)
		bm->bits[i / 64] |= 1ULL << (i % 64);
}
