// SPDX-License-Identifier: MIT
/*
 * Intel VT-d page-table formats: second stage (SS) and first stage (FS).
 *
 * This file owns the bit layouts of both and nothing else; the generic code
 * in pt.c and walk.c does all walking.
 *
 * Second stage (VT-d spec 9.8, "second-stage paging entries"):
 *   bit 0 R, 1 W, 2 X (execute-requests only; never written), 5:3 EMT,
 *   6 IPAT, 7 PS (leaf at PDE/PDPTE), 8 A, 9 D, 11 SNP, 51:12 address.
 *   There is no present bit: an entry is present iff R|W.  Tables are
 *   written R|W because R/W are ANDed down the walk and the leaf decides.
 *   3/4/5 levels (AGAW 39/48/57); leaves at 4K, 2M, 1G.
 *
 * First stage = x86-64 IA-32e paging (4 or 5 levels):
 *   bit 0 P, 1 R/W, 2 U/S, 3 PWT, 4 PCD, 5 A, 6 D (leaf), 7 PS (PDE/PDPTE)
 *   or PAT (PTE), 8 G, 12 PAT (large leaves), 51:12 address, 63 XD.
 *   Reads need P, writes R/W, unprivileged requests U/S at every level.
 *   Tables are P|R/W|U/S|A and leaves have A preset so the hardware never
 *   has to write A; D starts clear so dirty tracking sees real writes.
 *   Input addresses must be canonical (sign-extended from bit ias-1).
 */
#include <errno.h>

#include "pt/walk_tmpl.h"

/* Second stage */
#define VTD_SS_R PT_BIT(0)
#define VTD_SS_W PT_BIT(1)
#define VTD_SS_X PT_BIT(2)
#define VTD_SS_PS PT_BIT(7)
#define VTD_SS_A PT_BIT(8)
#define VTD_SS_D PT_BIT(9)
#define VTD_SS_SNP PT_BIT(11)

/* First stage (x86-64) */
#define VTD_FS_P PT_BIT(0)
#define VTD_FS_RW PT_BIT(1)
#define VTD_FS_US PT_BIT(2)
#define VTD_FS_PWT PT_BIT(3)
#define VTD_FS_PCD PT_BIT(4)
#define VTD_FS_A PT_BIT(5)
#define VTD_FS_D PT_BIT(6)
#define VTD_FS_PS PT_BIT(7)
#define VTD_FS_PAT_4K PT_BIT(7)
#define VTD_FS_PAT_LARGE PT_BIT(12)
#define VTD_FS_XD PT_BIT(63)

#define VTD_ADDR PT_GENMASK(51, 12)

/* Leaves are possible at the PTE, PDE and PDPTE levels only. */
#define VTD_LEAF_LEVELS 0x7u

static void vtd_common_geom(struct pt_geom *g, unsigned int levels,
			    unsigned int ias, unsigned int oas)
{
	pt_geom_set_levels(g, 12, levels, ias);
	g->oas = oas;
	g->addr_mask = VTD_ADDR;
	g->leaf_levels = VTD_LEAF_LEVELS & ((1u << levels) - 1);
	g->pgsize_bitmap = PT_BIT(12) | PT_BIT(21) | PT_BIT(30);
}

/* Levels from a config: an explicit count, else the smallest AGAW >= ias. */
static int vtd_levels(const struct pt_cfg *cfg, unsigned int min,
		      unsigned int max, unsigned int def, unsigned int *levels,
		      unsigned int *ias)
{
	unsigned int l = cfg->levels;

	if (!l && cfg->ias) {
		if (cfg->ias <= 12)
			return -EINVAL;
		l = (cfg->ias - 12 + 8) / 9;
		if (l < min)
			l = min;
	}
	if (!l)
		l = def;
	if (l < min || l > max)
		return -EINVAL;
	*ias = cfg->ias ? cfg->ias : 12 + 9 * l;
	if (*ias > 12 + 9 * l)
		return -EINVAL;
	*levels = l;
	return 0;
}

static int vtd_oas(const struct pt_cfg *cfg, unsigned int *oas)
{
	*oas = cfg->oas ? cfg->oas : 52;
	return (*oas < 32 || *oas > 52) ? -EINVAL : 0;
}

/* ---- second stage ---- */

static int vtd_ss_init(struct pt_geom *g, const struct pt_cfg *cfg)
{
	unsigned int levels, ias, oas;
	int rc;

	if (cfg->granule && cfg->granule != 4096)
		return -EINVAL;
	rc = vtd_levels(cfg, 3, 5, 4, &levels, &ias);
	if (!rc)
		rc = vtd_oas(cfg, &oas);
	if (rc)
		return rc;
	vtd_common_geom(g, levels, ias, oas);
	/* Our tables are R|W with X clear: execute is never granted below. */
	pt_geom_set_tables(g, VTD_SS_PS | VTD_SS_X | VTD_SS_R | VTD_SS_W,
			   VTD_SS_R | VTD_SS_W, PT_PERM_R | PT_PERM_W | PT_PERM_U);
	g->present_mask = VTD_SS_R | VTD_SS_W;
	g->af_mask = VTD_SS_A;
	g->dirty_mask = VTD_SS_D;
	g->dirty_val = VTD_SS_D;
	g->dirty_bit = VTD_SS_D;
	g->dirty_when_set = true;
	return 0;
}

static uint64_t vtd_ss_table_pte(const struct pt_geom *g, unsigned int level,
				 uint64_t table)
{
	return table | VTD_SS_R | VTD_SS_W;
}

static uint64_t vtd_ss_leaf_tmpl(const struct pt_geom *g, unsigned int level,
				 unsigned int lg2, unsigned int prot)
{
	uint64_t pte = 0;

	if (prot & PT_PROT_READ)
		pte |= VTD_SS_R;
	if (prot & PT_PROT_WRITE)
		pte |= VTD_SS_W;
	if (level)
		pte |= VTD_SS_PS;
	if (prot & PT_PROT_CACHE)
		pte |= VTD_SS_SNP;
	return pte;
}

static uint64_t vtd_ss_leaf_resize(const struct pt_geom *g, uint64_t pte,
				   unsigned int level, unsigned int to_level,
				   unsigned int to_lg2)
{
	pte &= ~(VTD_ADDR | VTD_SS_PS);
	return to_level ? pte | VTD_SS_PS : pte;
}

static inline __attribute__((always_inline)) enum pt_ekind
vtd_ss_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	      struct pt_dec *d)
{
	if (!(pte & (VTD_SS_R | VTD_SS_W)))
		return PT_ENT_NONE;
	/* R, W are bits 0, 1 of both; X (bit 2) grants X and PX. */
	_Static_assert(PT_PERM_R == VTD_SS_R && PT_PERM_W == VTD_SS_W &&
			       (PT_PERM_X | PT_PERM_PX) == 3 * VTD_SS_X,
		       "VT-d SS rights are the entry's low bits");
	d->perm = PT_PERM_U | (unsigned int)(pte & (VTD_SS_R | VTD_SS_W)) |
		  (unsigned int)(pte & VTD_SS_X) * 3;
	if (level && !(pte & VTD_SS_PS)) {
		d->oa = pte & VTD_ADDR;
		d->next = level - 1;
		return PT_ENT_TABLE;
	}
	if (!(g->leaf_levels & (1u << level)))
		return PT_ENT_RESERVED;
	d->lg2 = g->shift[level];
	d->oa = pte & VTD_ADDR & ~pt_entry_mask(g, level);
	d->attr = (pte & VTD_SS_SNP) ? PT_PROT_CACHE : 0;
	d->af = true;
	d->write_dbm = false;
	return PT_ENT_LEAF;
}

PT_DEFINE_WALK(vtd_ss, vtd_ss_decode)

/* Leaves: any entry at the PTE level (present iff R|W, which the rights
 * table knows), PS at the PDE/PDPTE levels.  Key: R, W, X, SNP. */
static void vtd_ss_fast_init(const struct pt_geom *g, struct pt_fast *f)
{
	unsigned int l;

	f->key_sa = 0;
	f->key_ma = VTD_SS_R | VTD_SS_W | VTD_SS_X;
	f->key_sb = 8;
	f->key_mb = VTD_SS_SNP >> 8;
	for (l = 0; l <= g->top; l++) {
		if (!(g->leaf_levels & (1u << l)))
			continue;
		f->lv[l].leaf_mask = l ? VTD_SS_PS : 0;
		f->lv[l].leaf_val = l ? VTD_SS_PS : 0;
	}
}

const struct pt_fmt pt_fmt_vtd_ss = {
	.id = PT_FMT_VTD_SS,
	.name = "vtd-ss",
	.init = vtd_ss_init,
	.table_pte = vtd_ss_table_pte,
	.leaf_tmpl = vtd_ss_leaf_tmpl,
	.leaf_resize = vtd_ss_leaf_resize,
	.decode = vtd_ss_decode,
	.walk = vtd_ss_walk,
	.lean = vtd_ss_lean,
	.lean_mem = vtd_ss_lean_mem,
	.fast_init = vtd_ss_fast_init,
};

/* ---- first stage (x86-64) ---- */

static int vtd_fs_init(struct pt_geom *g, const struct pt_cfg *cfg)
{
	unsigned int levels, ias, oas;
	int rc;

	if (cfg->granule && cfg->granule != 4096)
		return -EINVAL;
	rc = vtd_levels(cfg, 4, 5, 4, &levels, &ias);
	if (!rc)
		rc = vtd_oas(cfg, &oas);
	if (rc)
		return rc;
	/* Canonical addressing is defined for the full 48/57-bit widths. */
	if (ias != 12 + 9 * levels)
		return -EINVAL;
	vtd_common_geom(g, levels, ias, oas);
	pt_geom_set_tables(g, VTD_FS_P | VTD_FS_RW | VTD_FS_US | VTD_FS_PS |
				      VTD_FS_XD,
			   VTD_FS_P | VTD_FS_RW | VTD_FS_US, PT_PERM_ALL);
	g->sign_extend = true;
	g->present_mask = VTD_FS_P;
	g->af_mask = VTD_FS_A;
	g->dirty_mask = VTD_FS_D;
	g->dirty_val = VTD_FS_D;
	g->dirty_bit = VTD_FS_D;
	g->dirty_when_set = true;
	return 0;
}

static uint64_t vtd_fs_table_pte(const struct pt_geom *g, unsigned int level,
				 uint64_t table)
{
	return table | VTD_FS_P | VTD_FS_RW | VTD_FS_US | VTD_FS_A;
}

static uint64_t vtd_fs_leaf_tmpl(const struct pt_geom *g, unsigned int level,
				 unsigned int lg2, unsigned int prot)
{
	/* P gives read access; write-only is mapped read/write. */
	uint64_t pte = VTD_FS_P | VTD_FS_A;

	if (prot & PT_PROT_WRITE)
		pte |= VTD_FS_RW;
	if (!(prot & PT_PROT_PRIV))
		pte |= VTD_FS_US;
	if (prot & PT_PROT_MMIO)
		pte |= VTD_FS_PCD | VTD_FS_PWT;
	if (level)
		pte |= VTD_FS_PS;
	if ((g->flags & PT_CFG_X86_NXE) && !(prot & PT_PROT_EXEC))
		pte |= VTD_FS_XD;
	return pte;
}

static uint64_t vtd_fs_leaf_resize(const struct pt_geom *g, uint64_t pte,
				   unsigned int level, unsigned int to_level,
				   unsigned int to_lg2)
{
	/* PAT moves from bit 12 (large) to bit 7 (4K PTE). */
	bool pat = level ? (pte & VTD_FS_PAT_LARGE) : (pte & VTD_FS_PAT_4K);

	pte &= ~(VTD_ADDR | VTD_FS_PS);
	if (to_level) {
		pte |= VTD_FS_PS;
		if (pat)
			pte |= VTD_FS_PAT_LARGE;
	} else if (pat) {
		pte |= VTD_FS_PAT_4K;
	}
	return pte;
}

static inline __attribute__((always_inline)) enum pt_ekind
vtd_fs_decode(const struct pt_geom *g, unsigned int level, uint64_t pte,
	      struct pt_dec *d)
{
	if (!(pte & VTD_FS_P))
		return PT_ENT_NONE;
	if ((pte & VTD_FS_XD) && !(g->flags & PT_CFG_X86_NXE))
		return PT_ENT_RESERVED;
	/* R/W (bit 1) is PT_PERM_W, U/S (bit 2) shifted is PT_PERM_U; XD
	 * clear grants X and PX. */
	_Static_assert(PT_PERM_W == VTD_FS_RW && PT_PERM_U == VTD_FS_US << 2,
		       "x86 R/W and U/S line up with PT_PERM_W/U");
	d->perm = PT_PERM_R | (unsigned int)(pte & VTD_FS_RW) |
		  (unsigned int)(pte & VTD_FS_US) << 2 |
		  (unsigned int)(~pte >> 63) * (PT_PERM_X | PT_PERM_PX);
	if (level && !(pte & VTD_FS_PS)) {
		d->oa = pte & VTD_ADDR;
		d->next = level - 1;
		return PT_ENT_TABLE;
	}
	if (!(g->leaf_levels & (1u << level)))
		return PT_ENT_RESERVED;
	/* Large leaves: bits shift-1:13 are reserved, bit 12 is PAT. */
	if (level && (pte & VTD_ADDR & pt_entry_mask(g, level) &
		      ~VTD_FS_PAT_LARGE))
		return PT_ENT_RESERVED;
	d->lg2 = g->shift[level];
	d->oa = pte & VTD_ADDR & ~pt_entry_mask(g, level);
	d->attr = (pte & VTD_FS_PCD) ? PT_PROT_MMIO : 0;
	d->af = true;
	d->write_dbm = false;
	return PT_ENT_LEAF;
}

PT_DEFINE_WALK(vtd_fs, vtd_fs_decode)

/* Leaves: P at the PTE level; P|PS with the reserved address bits clear
 * at the PDE/PDPTE levels.  Key: R/W, U/S, PCD and XD (reserved without
 * NXE, which the rights table knows). */
static void vtd_fs_fast_init(const struct pt_geom *g, struct pt_fast *f)
{
	unsigned int l;

	f->key_sa = 1;
	f->key_ma = (VTD_FS_RW | VTD_FS_US | VTD_FS_PCD) >> 1;
	f->key_sb = 59;
	f->key_mb = VTD_FS_XD >> 59;
	for (l = 0; l <= g->top; l++) {
		if (!(g->leaf_levels & (1u << l)))
			continue;
		if (!l) {
			f->lv[l].leaf_mask = VTD_FS_P;
			f->lv[l].leaf_val = VTD_FS_P;
			continue;
		}
		f->lv[l].leaf_mask = VTD_FS_P | VTD_FS_PS |
				     (VTD_ADDR & pt_entry_mask(g, l) &
				      ~VTD_FS_PAT_LARGE);
		f->lv[l].leaf_val = VTD_FS_P | VTD_FS_PS;
	}
}

const struct pt_fmt pt_fmt_vtd_fs = {
	.id = PT_FMT_VTD_FS,
	.name = "vtd-fs",
	.init = vtd_fs_init,
	.table_pte = vtd_fs_table_pte,
	.leaf_tmpl = vtd_fs_leaf_tmpl,
	.leaf_resize = vtd_fs_leaf_resize,
	.decode = vtd_fs_decode,
	.walk = vtd_fs_walk,
	.lean = vtd_fs_lean,
	.lean_mem = vtd_fs_lean_mem,
	.fast_init = vtd_fs_fast_init,
};
