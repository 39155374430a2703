// SPDX-License-Identifier: MIT
/*
 * ARM VMSAv8-64 long-descriptor formats: stage 1 and stage 2, granules 4K,
 * 16K and 64K, 48-bit input and output (no LPA/LPA2).
 *
 * This file owns the descriptor bit layouts, the level count for an input
 * size, stage-2 top-level concatenation and the contiguous-hint sizes.
 *
 * Descriptor (Arm ARM D8 "VMSAv8-64 translation table format"):
 *   [1:0] x0 invalid; 01 block (not at the last level); 11 table (not last)
 *         or page (last level)
 *   leaf: [47:G] OA, 10 AF, 9:8 SH, 51 DBM, 52 Contiguous
 *     stage 1: 4:2 AttrIndx, 5 NS, 7:6 AP[2:1], 11 nG, 53 PXN, 54 UXN
 *     stage 2: 5:2 MemAttr, 7:6 S2AP (6 read, 7 write), 54:53 XN[1:0]
 *   stage-1 table: 59 PXNTable, 60 UXNTable, 62:61 APTable, 63 NSTable
 *
 * Generic level L is ARM level 3 - L.  Leaves: 4K granule at L3/L2/L1
 * (4K/2M/1G), 16K at L3/L2 (16K/32M), 64K at L3/L2 (64K/512M); L1 blocks
 * for 16K/64K and L0 blocks need LPA/LPA2, not supported here.
 *
 * Contiguous hint: N aligned entries with identical attributes and
 * contiguous, N-aligned OAs may be cached as one TLB entry.  N = 16 for 4K
 * (64K, 32M, 16G), 128 at L3 / 32 at L2 for 16K (2M, 1G), 32 for 64K (2M,
 * 16G).  map() uses a run when the alignment and length allow it.
 *
 * Stage 2 may start one level lower with up to 16 concatenated tables when
 * the natural top level would resolve 4 bits or fewer: the root is then 2^n
 * physically contiguous granule pages, aligned to their total size.
 *
 * Dirty state (FEAT_HAFDBS with DBM): a writable leaf is written with DBM
 * set and AP[2]=1 (S1) / S2AP[1]=0 (S2): "writable-clean".  Hardware that
 * writes through it clears AP[2] / sets S2AP[1]: "writable-dirty".
 */
#include <errno.h>

#include "pt/walk_tmpl.h"

#define ARM_VALID PT_BIT(0)
#define ARM_TABLE PT_BIT(1) /* also "page" at the last level */
#define ARM_NS PT_BIT(5)
#define ARM_SH_SHIFT 8
#define ARM_SH_OS (2ULL << ARM_SH_SHIFT)
#define ARM_SH_IS (3ULL << ARM_SH_SHIFT)
#define ARM_AF PT_BIT(10)
#define ARM_DBM PT_BIT(51)
#define ARM_CONT PT_BIT(52)

#define ARM_S1_ATTRIDX_SHIFT 2
#define ARM_S1_ATTRIDX_MASK (7ULL << ARM_S1_ATTRIDX_SHIFT)
#define ARM_S1_AP1 PT_BIT(6) /* unprivileged (EL0) access */
#define ARM_S1_AP2 PT_BIT(7) /* read-only */
#define ARM_S1_NG PT_BIT(11)
#define ARM_S1_PXN PT_BIT(53)
#define ARM_S1_UXN PT_BIT(54)
#define ARM_S1_PXNTABLE PT_BIT(59)
#define ARM_S1_UXNTABLE PT_BIT(60)
#define ARM_S1_APTABLE0 PT_BIT(61) /* no EL0 access below */
#define ARM_S1_APTABLE1 PT_BIT(62) /* no write access below */
#define ARM_S1_TABLE_ATTRS PT_GENMASK(62, 59)

/* MAIR indices, see PT_ARM_MAIR */
#define ARM_IDX_NC 0
#define ARM_IDX_WB 1
#define ARM_IDX_DEV 2

#define ARM_S2_MEMATTR_SHIFT 2
#define ARM_S2_MEMATTR_MASK (0xfULL << ARM_S2_MEMATTR_SHIFT)
#define ARM_S2_MEMATTR_WB 0xfULL  /* Normal, outer+inner write-back */
#define ARM_S2_MEMATTR_NC 0x5ULL  /* Normal, outer+inner non-cacheable */
#define ARM_S2_MEMATTR_DEV 0x1ULL /* Device-nGnRE */
#define ARM_S2_MEMATTR_FWB_WB 0x6ULL
#define ARM_S2AP_R PT_BIT(6)
#define ARM_S2AP_W PT_BIT(7)
#define ARM_S2_XN0 PT_BIT(53)
#define ARM_S2_XN1 PT_BIT(54)

#define ARM_MAX_IAS 48
#define ARM_MAX_OAS 48
/* Concatenation folds a top level of at most 16 entries. */
#define ARM_CONCAT_MAX_LG2 4

static bool arm_is_s2(const struct pt_geom *g)
{
	return g->format == PT_FMT_ARM_S2;
}

static int arm_granule_lg2(unsigned int granule, unsigned int *lg2)
{
	switch (granule) {
	case 0:
	case 4096:
		*lg2 = 12;
		return 0;
	case 16384:
		*lg2 = 14;
		return 0;
	case 65536:
		*lg2 = 16;
		return 0;
	}
	return -EINVAL;
}

/* Leaf levels and contiguous-run lengths per granule (Arm ARM D8.7.1). */
static void arm_set_sizes(struct pt_geom *g)
{
	unsigned int l;

	if (g->gran_lg2 == 12) {
		g->leaf_levels = 0x7;
		g->contig_lg2[0] = g->contig_lg2[1] = g->contig_lg2[2] = 4;
	} else if (g->gran_lg2 == 14) {
		g->leaf_levels = 0x3;
		g->contig_lg2[0] = 7;
		g->contig_lg2[1] = 5;
	} else {
		g->leaf_levels = 0x3;
		g->contig_lg2[0] = g->contig_lg2[1] = 5;
	}
	g->leaf_levels &= (1u << g->levels) - 1;
	g->pgsize_bitmap = 0;
	for (l = 0; l < g->levels; l++) {
		if (!(g->leaf_levels & (1u << l)))
			continue;
		g->pgsize_bitmap |= PT_BIT(g->shift[l]);
		if (g->contig_lg2[l] && pt_nent(g, l) >= (1u << g->contig_lg2[l]))
			g->pgsize_bitmap |= PT_BIT(g->shift[l] + g->contig_lg2[l]);
	}
}

static int arm_init(struct pt_geom *g, const struct pt_cfg *cfg)
{
	unsigned int glg2, bits, ias, levels, top_bits;
	int rc;

	rc = arm_granule_lg2(cfg->granule, &glg2);
	if (rc)
		return rc;
	bits = glg2 - 3;
	ias = cfg->ias ? cfg->ias : ARM_MAX_IAS;
	if (ias <= glg2 || ias > ARM_MAX_IAS)
		return -EINVAL;
	levels = (ias - glg2 + bits - 1) / bits;
	if (levels > (glg2 == 16 ? 3u : 4u))
		return -EINVAL;
	top_bits = ias - glg2 - (levels - 1) * bits;
	if (g->format == PT_FMT_ARM_S2 && !(g->flags & PT_CFG_ARM_NO_CONCAT) &&
	    levels > 1 && top_bits <= ARM_CONCAT_MAX_LG2)
		levels--;
	if (cfg->levels && cfg->levels != levels)
		return -EINVAL;
	g->oas = cfg->oas ? cfg->oas : ARM_MAX_OAS;
	if (g->oas < 32 || g->oas > ARM_MAX_OAS)
		return -EINVAL;

	pt_geom_set_levels(g, glg2, levels, ias);
	/* Stage-1 tables must also carry no hierarchical restrictions. */
	pt_geom_set_tables(g,
			   ARM_VALID | ARM_TABLE |
				   (arm_is_s2(g) ? 0 : ARM_S1_TABLE_ATTRS),
			   ARM_VALID | ARM_TABLE, PT_PERM_ALL);
	g->present_mask = ARM_VALID;
	g->addr_mask = PT_GENMASK(47, glg2);
	g->af_mask = ARM_AF;
	if (arm_is_s2(g)) {
		g->dirty_mask = ARM_DBM | ARM_S2AP_W;
		g->dirty_val = ARM_DBM | ARM_S2AP_W;
		g->dirty_bit = ARM_S2AP_W;
		g->dirty_when_set = true;
	} else {
		g->dirty_mask = ARM_DBM | ARM_S1_AP2;
		g->dirty_val = ARM_DBM;
		g->dirty_bit = ARM_S1_AP2;
		g->dirty_when_set = false;
	}
	arm_set_sizes(g);
	return 0;
}

static uint64_t arm_table_pte(const struct pt_geom *g, unsigned int level,
			      uint64_t table)
{
	return table | ARM_VALID | ARM_TABLE;
}

/* Bits every leaf has: type, AF, shareability, contiguous hint. */
static uint64_t arm_leaf_common(const struct pt_geom *g, unsigned int level,
				unsigned int lg2, unsigned int prot)
{
	uint64_t pte = ARM_VALID | ARM_AF;

	if (!level)
		pte |= ARM_TABLE; /* "page" */
	if (lg2 > g->shift[level])
		pte |= ARM_CONT;
	pte |= (prot & PT_PROT_CACHE) ? ARM_SH_IS : ARM_SH_OS;
	return pte;
}

static uint64_t arm_s1_leaf_tmpl(const struct pt_geom *g, unsigned int level,
				 unsigned int lg2, unsigned int prot)
{
	uint64_t pte = arm_leaf_common(g, level, lg2, prot) | ARM_S1_NG;
	uint64_t idx = ARM_IDX_NC;

	if (prot & PT_PROT_MMIO)
		idx = ARM_IDX_DEV;
	else if (prot & PT_PROT_CACHE)
		idx = ARM_IDX_WB;
	pte |= idx << ARM_S1_ATTRIDX_SHIFT;
	if (!(prot & PT_PROT_PRIV))
		pte |= ARM_S1_AP1;
	if (!(prot & PT_PROT_WRITE))
		pte |= ARM_S1_AP2;
	else if (g->flags & PT_CFG_HW_AD)
		pte |= ARM_DBM | ARM_S1_AP2; /* writable-clean */
	if (!(prot & PT_PROT_EXEC))
		pte |= ARM_S1_UXN | ARM_S1_PXN;
	return pte;
}

static uint64_t arm_s2_leaf_tmpl(const struct pt_geom *g, unsigned int level,
				 unsigned int lg2, unsigned int prot)
{
	uint64_t pte = arm_leaf_common(g, level, lg2, prot);
	uint64_t attr = ARM_S2_MEMATTR_NC;

	if (prot & PT_PROT_MMIO)
		attr = ARM_S2_MEMATTR_DEV;
	else if (prot & PT_PROT_CACHE)
		attr = ARM_S2_MEMATTR_WB;
	pte |= attr << ARM_S2_MEMATTR_SHIFT;
	if (prot & PT_PROT_READ)
		pte |= ARM_S2AP_R;
	if (prot & PT_PROT_WRITE)
		pte |= (g->flags & PT_CFG_HW_AD) ? ARM_DBM : ARM_S2AP_W;
	if (!(prot & PT_PROT_EXEC))
		pte |= ARM_S2_XN1; /* XN[1:0] = 10: no execution at any EL */
	return pte;
}

static uint64_t arm_leaf_resize(const struct pt_geom *g, uint64_t pte,
				unsigned int level, unsigned int to_level,
				unsigned int to_lg2)
{
	pte &= ~(g->addr_mask | ARM_CONT | ARM_TABLE);
	if (!to_level)
		pte |= ARM_TABLE;
	if (to_lg2 > g->shift[to_level])
		pte |= ARM_CONT;
	return pte;
}

/* Rights a stage-1 table descriptor leaves to the levels below it. */
static inline unsigned int arm_s1_table_perm(uint64_t pte)
{
	unsigned int perm = PT_PERM_ALL;

	if (pte & ARM_S1_APTABLE0)
		perm &= ~PT_PERM_U;
	if (pte & ARM_S1_APTABLE1)
		perm &= ~PT_PERM_W;
	if (pte & ARM_S1_UXNTABLE)
		perm &= ~PT_PERM_X;
	if (pte & ARM_S1_PXNTABLE)
		perm &= ~PT_PERM_PX;
	return perm;
}

static inline __attribute__((always_inline)) void
arm_s1_leaf_perm(const struct pt_geom *g, uint64_t pte, struct pt_dec *d)
{
	uint64_t idx = (pte & ARM_S1_ATTRIDX_MASK) >> ARM_S1_ATTRIDX_SHIFT;

	d->perm = PT_PERM_R;
	if (pte & ARM_S1_AP1)
		d->perm |= PT_PERM_U;
	if (!(pte & ARM_S1_AP2)) {
		d->perm |= PT_PERM_W;
	} else if ((pte & ARM_DBM) && (g->flags & PT_CFG_HW_AD)) {
		d->perm |= PT_PERM_W;
		d->write_dbm = true;
	}
	if (!(pte & ARM_S1_UXN))
		d->perm |= PT_PERM_X;
	if (!(pte & ARM_S1_PXN))
		d->perm |= PT_PERM_PX;
	d->attr = idx == ARM_IDX_WB ? PT_PROT_CACHE :
		  idx == ARM_IDX_DEV ? PT_PROT_MMIO : 0;
}

static inline __attribute__((always_inline)) void
arm_s2_leaf_perm(const struct pt_geom *g, uint64_t pte, struct pt_dec *d)
{
	uint64_t attr = (pte & ARM_S2_MEMATTR_MASK) >> ARM_S2_MEMATTR_SHIFT;
	static const unsigned int xn_perm[4] = {
		[0] = PT_PERM_X | PT_PERM_PX,	/* 00: both */
		[1] = PT_PERM_X,		/* 01: not at EL1 */
		[2] = 0,			/* 10: neither */
		[3] = PT_PERM_PX,		/* 11: not at EL0 */
	};

	d->perm = PT_PERM_U;
	if (pte & ARM_S2AP_R)
		d->perm |= PT_PERM_R;
	if (pte & ARM_S2AP_W) {
		d->perm |= PT_PERM_W;
	} else if ((pte & ARM_DBM) && (g->flags & PT_CFG_HW_AD)) {
		d->perm |= PT_PERM_W;
		d->write_dbm = true;
	}
	d->perm |= xn_perm[((pte & ARM_S2_XN1) ? 2 : 0) |
			   ((pte & ARM_S2_XN0) ? 1 : 0)];
	if (attr == ARM_S2_MEMATTR_WB || attr == ARM_S2_MEMATTR_FWB_WB)
		d->attr = PT_PROT_CACHE;
	else if (!(attr & 0xc)) /* MemAttr[3:2] == 00: Device */
		d->attr = PT_PROT_MMIO;
	else
		d->attr = 0;
}

/* @s2 is a constant in each instance, so the stage tests fold away. */
static inline __attribute__((always_inline)) enum pt_ekind
arm_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	   struct pt_dec *d, bool s2)
{
	if (!(pte & ARM_VALID))
		return PT_ENT_NONE;
	if (level && (pte & ARM_TABLE)) {
		d->oa = pte & g->addr_mask;
		d->next = level - 1;
		d->perm = s2 ? PT_PERM_ALL : arm_s1_table_perm(pte);
		return PT_ENT_TABLE;
	}
	/* 0b01 at the last level, or a block where the granule has none:
	 * a translation fault, reported as not present. */
	if (!level && !(pte & ARM_TABLE))
		return PT_ENT_NONE;
	if (!(g->leaf_levels & (1u << level)))
		return PT_ENT_NONE;
	d->lg2 = g->shift[level];
	if ((pte & ARM_CONT) && g->contig_lg2[level])
		d->lg2 += g->contig_lg2[level];
	d->oa = pte & g->addr_mask & ~pt_log2_mask(d->lg2);
	d->af = pte & ARM_AF;
	d->write_dbm = false;
	if (s2)
		arm_s2_leaf_perm(g, pte, d);
	else
		arm_s1_leaf_perm(g, pte, d);
	return PT_ENT_LEAF;
}

static inline __attribute__((always_inline)) enum pt_ekind
arm_s1_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	      struct pt_dec *d)
{
	return arm_decode(g, level, pte, d, false);
}

static inline __attribute__((always_inline)) enum pt_ekind
arm_s2_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	      struct pt_dec *d)
{
	return arm_decode(g, level, pte, d, true);
}

PT_DEFINE_WALK(arm_s1, arm_s1_decode)
PT_DEFINE_WALK(arm_s2, arm_s2_decode)

/*
 * Leaves (both stages): a page (0b11) at the last level, a block (0b01)
 * at the other leaf levels, AF set; with the Contiguous bit a run of
 * 2^contig_lg2 entries where the granule has one.  Key: bits 7:2 (S1
 * AP[2:1], NS, AttrIndx; S2 S2AP, MemAttr) and bits 54:53 (UXN/PXN; XN).
 */
static void arm_fast_init(const struct pt_geom *g, struct pt_fast *f)
{
	unsigned int l;

	f->key_sa = 2;
	f->key_ma = 0x3f;
	f->key_sb = 53 - 6;
	f->key_mb = 0xc0;
	for (l = 0; l <= g->top; l++) {
		struct pt_fast_level *lv = &f->lv[l];
		uint64_t cont = g->contig_lg2[l] ? ARM_CONT : 0;

		if (!(g->leaf_levels & (1u << l)))
			continue;
		lv->leaf_mask = ARM_VALID | ARM_TABLE | ARM_AF | cont;
		lv->leaf_val = ARM_VALID | ARM_AF | (l ? 0 : ARM_TABLE);
		if (cont) {
			lv->alt_val = lv->leaf_val | ARM_CONT;
			lv->alt_lg2 = g->shift[l] + g->contig_lg2[l];
		}
	}
}

const struct pt_fmt pt_fmt_arm_s1 = {
	.id = PT_FMT_ARM_S1,
	.name = "arm-s1",
	.init = arm_init,
	.table_pte = arm_table_pte,
	.leaf_tmpl = arm_s1_leaf_tmpl,
	.leaf_resize = arm_leaf_resize,
	.decode = arm_s1_decode,
	.walk = arm_s1_walk,
	.lean = arm_s1_lean,
	.lean_mem = arm_s1_lean_mem,
	.fast_init = arm_fast_init,
};

const struct pt_fmt pt_fmt_arm_s2 = {
	.id = PT_FMT_ARM_S2,
	.name = "arm-s2",
	.init = arm_init,
	.table_pte = arm_table_pte,
	.leaf_tmpl = arm_s2_leaf_tmpl,
	.leaf_resize = arm_leaf_resize,
	.decode = arm_s2_decode,
	.walk = arm_s2_walk,
	.lean = arm_s2_lean,
	.lean_mem = arm_s2_lean_mem,
	.fast_init = arm_fast_init,
};
