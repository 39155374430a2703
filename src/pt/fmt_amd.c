// SPDX-License-Identifier: MIT
/*
 * AMD IOMMU v1 ("host") page-table format (AMD IOMMU spec 2.2.3, "I/O Page
 * Tables for Host Translations").
 *
 * This file owns the entry layout, the NextLevel encoding and the NL=7
 * page-size encoding.
 *
 *   bit 0 PR, 5 A, 6 D (leaves), 11:9 NextLevel, 51:12 address, 59 U,
 *   60 FC, 61 IR, 62 IW.
 *
 * 1 to 6 levels (DTE.Mode), 9 index bits each; the 6th level decodes only
 * IOVA[63:57], so a 6-level table covers the whole 64-bit space.  Generic
 * level L is spec level L + 1, so a table entry at generic level L points at
 * a spec-level-L table and carries NL = L.
 *
 * NextLevel: 1-6 point at a table of that spec level (smaller than the
 * current level - 1 skips levels: the skipped IOVA bits must be zero);
 * 0 is a leaf of the level's own size; 7 is a leaf of a power-of-two size
 * between this level's entry size and the next level's, encoded in the
 * address field as a run of ones from bit 12 up to (size_lg2 - 2) followed
 * by a zero at bit size_lg2 - 1 (8K: bit 12 = 0; 16K: bits 13:12 = 01; ...).
 * Such a page occupies size / entry-size entries, all identical
 * ("replicated"), e.g. 2 entries for 8K, 256 for 1M, 2 level-2 entries for
 * 4M.  The top level of a 6-level table cannot hold leaves; 512G pages are
 * left out of the default sizes (Linux notes a hardware erratum).
 *
 * IR/IW are ANDed down the walk, so table entries are written IR|IW and
 * the leaf decides.
 */
#include <errno.h>

#include "pt/walk_tmpl.h"

#define AMD_PR PT_BIT(0)
#define AMD_A PT_BIT(5)
#define AMD_D PT_BIT(6)
#define AMD_NL_SHIFT 9
#define AMD_NL_MASK (7ULL << AMD_NL_SHIFT)
#define AMD_NL_LEAF 0
#define AMD_NL_SIZED 7
#define AMD_ADDR PT_GENMASK(51, 12)
#define AMD_FC PT_BIT(60)
#define AMD_IR PT_BIT(61)
#define AMD_IW PT_BIT(62)

#define AMD_MAX_LEVELS 6
#define AMD_MAX_OAS 52
#define AMD_MAX_PAGE_LG2 51
#define AMD_ERRATUM_LG2 39 /* 512G */

static int amd_levels(const struct pt_cfg *cfg, unsigned int *levels,
		      unsigned int *ias)
{
	unsigned int l = cfg->levels;

	if (!l && cfg->ias) {
		if (cfg->ias <= 12 || cfg->ias > 64)
			return -EINVAL;
		l = (cfg->ias - 12 + 8) / 9;
	}
	if (!l)
		l = 4;
	if (l > AMD_MAX_LEVELS)
		return -EINVAL;
	*ias = 12 + 9 * l;
	if (*ias > 64)
		*ias = 64;
	if (cfg->ias) {
		if (cfg->ias > *ias || cfg->ias <= 12)
			return -EINVAL;
		*ias = cfg->ias;
	}
	*levels = l;
	return 0;
}

/* Every power of two from the level's entry size to half the next. */
static void amd_set_sizes(struct pt_geom *g)
{
	unsigned int l, lg2;

	g->leaf_levels = ((1u << g->levels) - 1) & ~(1u << 5);
	g->pgsize_bitmap = 0;
	for (l = 0; l < g->levels; l++) {
		if (!(g->leaf_levels & (1u << l)))
			continue;
		for (lg2 = g->shift[l]; lg2 < g->shift[l] + 9u; lg2++) {
			if (lg2 > AMD_MAX_PAGE_LG2 || lg2 >= g->ias)
				break;
			/* The replicas must fit in the (top) table. */
			if ((1ULL << (lg2 - g->shift[l])) > pt_nent(g, l))
				break;
			if (lg2 != AMD_ERRATUM_LG2)
				g->pgsize_bitmap |= PT_BIT(lg2);
		}
	}
}

/* Our tables never skip levels: NL is the entry's own level, IR|IW set. */
static void amd_set_tables(struct pt_geom *g)
{
	unsigned int l;

	pt_geom_set_tables(g, AMD_PR | AMD_NL_MASK | AMD_IR | AMD_IW, 0,
			   PT_PERM_ALL);
	for (l = 1; l < g->levels; l++)
		g->tbl_val[l] = AMD_PR | AMD_IR | AMD_IW |
				((uint64_t)l << AMD_NL_SHIFT);
}

static int amd_init(struct pt_geom *g, const struct pt_cfg *cfg)
{
	unsigned int levels, ias;
	int rc;

	if (cfg->granule && cfg->granule != 4096)
		return -EINVAL;
	rc = amd_levels(cfg, &levels, &ias);
	if (rc)
		return rc;
	g->oas = cfg->oas ? cfg->oas : AMD_MAX_OAS;
	if (g->oas < 32 || g->oas > AMD_MAX_OAS)
		return -EINVAL;
	pt_geom_set_levels(g, 12, levels, ias);
	amd_set_tables(g);
	g->replicate = true;
	g->present_mask = AMD_PR;
	g->addr_mask = AMD_ADDR;
	g->af_mask = AMD_A;
	g->dirty_mask = AMD_D;
	g->dirty_val = AMD_D;
	g->dirty_bit = AMD_D;
	g->dirty_when_set = true;
	amd_set_sizes(g);
	return 0;
}

static uint64_t amd_table_pte(const struct pt_geom *g, unsigned int level,
			      uint64_t table)
{
	return table | AMD_PR | ((uint64_t)level << AMD_NL_SHIFT) | AMD_IR |
	       AMD_IW;
}

/* NL and the address-field size code of a unit of 2^lg2 at @level. */
static uint64_t amd_size_bits(const struct pt_geom *g, unsigned int level,
			      unsigned int lg2)
{
	if (lg2 == g->shift[level])
		return (uint64_t)AMD_NL_LEAF << AMD_NL_SHIFT;
	/* Ones in bits 12 .. lg2-2; bit lg2-1 stays zero (oa is aligned). */
	return ((uint64_t)AMD_NL_SIZED << AMD_NL_SHIFT) |
	       (PT_GENMASK(lg2 - 1, 12) & ~PT_BIT(lg2 - 1));
}

static uint64_t amd_leaf_tmpl(const struct pt_geom *g, unsigned int level,
			      unsigned int lg2, unsigned int prot)
{
	uint64_t pte = AMD_PR | amd_size_bits(g, level, lg2);

	if (prot & PT_PROT_READ)
		pte |= AMD_IR;
	if (prot & PT_PROT_WRITE)
		pte |= AMD_IW;
	if (prot & PT_PROT_CACHE)
		pte |= AMD_FC;
	return pte;
}

static uint64_t amd_leaf_resize(const struct pt_geom *g, uint64_t pte,
				unsigned int level, unsigned int to_level,
				unsigned int to_lg2)
{
	pte &= ~(AMD_ADDR | AMD_NL_MASK);
	return pte | amd_size_bits(g, to_level, to_lg2);
}

static inline __attribute__((always_inline)) enum pt_ekind
amd_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	   struct pt_dec *d)
{
	unsigned int nl = (pte & AMD_NL_MASK) >> AMD_NL_SHIFT;

	if (!(pte & AMD_PR))
		return PT_ENT_NONE;
	d->perm = PT_PERM_U | PT_PERM_X | PT_PERM_PX;
	if (pte & AMD_IR)
		d->perm |= PT_PERM_R;
	if (pte & AMD_IW)
		d->perm |= PT_PERM_W;
	if (nl != AMD_NL_LEAF && nl != AMD_NL_SIZED) {
		if (nl > level)
			return PT_ENT_RESERVED;
		d->oa = pte & AMD_ADDR;
		d->next = nl - 1;
		return PT_ENT_TABLE;
	}
	if (!(g->leaf_levels & (1u << level)))
		return PT_ENT_RESERVED;
	if (nl == AMD_NL_LEAF) {
		d->lg2 = g->shift[level];
	} else {
		/* Size = 2^(position of the first zero at or above bit 12
		 * + 1); it must lie strictly between this level's entry size
		 * and the next level's. */
		d->lg2 = (unsigned int)__builtin_ctzll(~(pte >> 12)) + 13;
		if (d->lg2 <= g->shift[level] || d->lg2 >= g->shift[level] + 9u)
			return PT_ENT_RESERVED;
	}
	d->oa = pte & AMD_ADDR & ~pt_log2_mask(d->lg2);
	d->attr = (pte & AMD_FC) ? PT_PROT_CACHE : 0;
	d->af = true;
	d->write_dbm = false;
	return PT_ENT_LEAF;
}

PT_DEFINE_WALK(amd, amd_decode)

/* Leaves: PR with NL = 0 at the leaf levels (NL=7 sizes are left to the
 * lean walker).  Key: FC, IR, IW. */
static void amd_fast_init(const struct pt_geom *g, struct pt_fast *f)
{
	unsigned int l;

	f->key_sa = 60;
	f->key_ma = (AMD_FC | AMD_IR | AMD_IW) >> 60;
	f->key_sb = 0;
	f->key_mb = 0;
	for (l = 0; l <= g->top; l++) {
		if (!(g->leaf_levels & (1u << l)))
			continue;
		f->lv[l].leaf_mask = AMD_PR | AMD_NL_MASK;
		f->lv[l].leaf_val = AMD_PR;
	}
}

const struct pt_fmt pt_fmt_amd_v1 = {
	.id = PT_FMT_AMD_V1,
	.name = "amd-v1",
	.init = amd_init,
	.table_pte = amd_table_pte,
	.leaf_tmpl = amd_leaf_tmpl,
	.leaf_resize = amd_leaf_resize,
	.decode = amd_decode,
	.walk = amd_walk,
	.lean = amd_lean,
	.lean_mem = amd_lean_mem,
	.fast_init = amd_fast_init,
};
