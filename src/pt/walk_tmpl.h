/* SPDX-License-Identifier: MIT */
/*
 * The software page-table walker, as a template: one descent from the root
 * to a leaf, the way the IOMMU hardware does it, for every format.  Each
 * fmt_*.c instantiates it with PT_DEFINE_WALK so its decoder is inlined
 * ("compiled once per format", as Linux generic_pt does); walk.c holds the
 * entry points.
 *
 * It owns fault classification and ordering, permission accumulation down
 * the walk, hardware-style A/D updates and the read count.  It works on
 * any table described by a struct pt_geom and a root address - our own
 * (pt_walk_table, pt_iova_to_phys) or one a guest built in its memory -
 * and reads tables only through struct pt_mem, so a nested stage 1 can be
 * walked with a fetch that translates each table address through stage 2.
 *
 * Fault priority per level follows the architectures: input-address checks
 * first, then the entry's validity and the table address size, then (at the
 * leaf) output address size, the ARM access flag, and last permissions (an
 * access-flag fault beats a permission fault: Arm ARM D8, and QEMU's SMMU
 * model agrees).
 */
#ifndef UIOMMU_PT_WALK_TMPL_H
#define UIOMMU_PT_WALK_TMPL_H

#include <errno.h>

#include "pt/pt_priv.h"

/* Bounds retries when hardware-style A/D updates race with a writer. */
#define PT_WALK_MAX_RETRY 64

static inline int pt_walk_fault(struct pt_walk_result *res, enum pt_fault fault,
			 unsigned int level)
{
	res->fault = fault;
	res->fault_level = level;
	return -EFAULT;
}

static inline uint64_t *pt_walk_fetch(const struct pt_geom *g,
			       const struct pt_mem *mem, uint64_t table,
			       unsigned int level)
{
	if (!mem)
		return pt_ptr(table);
	return mem->fetch(mem, table, (size_t)pt_nent(g, level) * 8);
}

/* AMD level skipping: the IOVA bits of skipped levels must be zero. */
static inline bool pt_walk_skip_ok(const struct pt_geom *g, uint64_t va,
			    unsigned int level, unsigned int next)
{
	uint64_t bits = pt_log2_mask(g->shift[level]) &
			~pt_log2_mask(g->shift[next + 1]);

	return !(va & bits);
}

/* PT_ACCESS_* rights denied by @perm, 0 if the access is allowed. */
static inline unsigned int pt_walk_denied(unsigned int perm, unsigned int access)
{
	unsigned int denied = 0;
	unsigned int x = (access & PT_ACCESS_PRIV) ? PT_PERM_PX : PT_PERM_X;

	if (!(access & PT_ACCESS_PRIV) && !(perm & PT_PERM_U))
		return access & (PT_ACCESS_READ | PT_ACCESS_WRITE |
				 PT_ACCESS_EXEC);
	if ((access & PT_ACCESS_READ) && !(perm & PT_PERM_R))
		denied |= PT_ACCESS_READ;
	if ((access & PT_ACCESS_WRITE) && !(perm & PT_PERM_W))
		denied |= PT_ACCESS_WRITE;
	if ((access & PT_ACCESS_EXEC) && !(perm & x))
		denied |= PT_ACCESS_EXEC;
	return denied;
}

static inline unsigned int pt_walk_prot(unsigned int perm, unsigned int access)
{
	unsigned int prot = 0;
	unsigned int x = (access & PT_ACCESS_PRIV) ? PT_PERM_PX : PT_PERM_X;

	if (perm & PT_PERM_R)
		prot |= PT_PROT_READ;
	if (perm & PT_PERM_W)
		prot |= PT_PROT_WRITE;
	if (perm & x)
		prot |= PT_PROT_EXEC;
	if (!(perm & PT_PERM_U))
		prot |= PT_PROT_PRIV;
	return prot;
}

/*
 * Sets the accessed flag and, for a write, the dirty state, as hardware
 * with A/D updates enabled would.  Returns false if the entry changed under
 * us (the caller re-walks).
 */
static inline bool pt_walk_update_ad(const struct pt_geom *g, uint64_t *ep,
			      uint64_t pte, unsigned int access,
			      const struct pt_dec *d)
{
	uint64_t new = pte | g->af_mask;

	if ((access & PT_ACCESS_WRITE) && g->dirty_bit) {
		/* ARM dirties only through DBM; the others set D. */
		if (d->write_dbm)
			new = g->dirty_when_set ? new | g->dirty_bit :
						  new & ~g->dirty_bit;
		else if (g->format != PT_FMT_ARM_S1 &&
			 g->format != PT_FMT_ARM_S2)
			new |= g->dirty_bit;
	}
	if (new == pte)
		return true;
	return __atomic_compare_exchange_n(ep, &pte, new, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) int
pt_walk_leaf(const struct pt_geom *g, uint64_t *ep, uint64_t pte,
			const struct pt_dec *d, unsigned int level,
			uint64_t va, unsigned int perm, unsigned int access,
			struct pt_walk_result *res)
{
	unsigned int denied;

	if (g->oa_limit && d->oa + pt_log2_mask(d->lg2) >= g->oa_limit)
		return pt_walk_fault(res, PT_FAULT_ADDRESS_SIZE, level);
	perm &= d->perm;
	if (!(access & PT_ACCESS_PROBE)) {
		if (!d->af && !(g->flags & PT_CFG_HW_AD))
			return pt_walk_fault(res, PT_FAULT_ACCESS_FLAG, level);
		denied = pt_walk_denied(perm, access);
		if (denied) {
			res->fault_access = denied;
			return pt_walk_fault(res, PT_FAULT_PERMISSION, level);
		}
		if ((g->flags & PT_CFG_HW_AD) &&
		    !pt_walk_update_ad(g, ep, pte, access, d))
			return -EAGAIN;
	}
	res->oa = d->oa + (va & pt_log2_mask(d->lg2));
	res->leaf_lg2 = d->lg2;
	res->leaf_level = level;
	res->prot = pt_walk_prot(perm, access) | d->attr;
	res->pte = pte;
	return 0;
}

static inline __attribute__((always_inline)) int
pt_walk_once(const struct pt_geom *g, uint64_t root, const struct pt_mem *mem,
	     uint64_t va, unsigned int access, struct pt_walk_result *res,
	     pt_decode_fn decode)
{
	unsigned int level = g->top, perm = PT_PERM_ALL;
	uint64_t table = root;
	struct pt_dec d;

	if (g->oa_limit && table >= g->oa_limit)
		return pt_walk_fault(res, PT_FAULT_ADDRESS_SIZE, level);
	for (;;) {
		uint64_t *ep, pte;

		ep = pt_walk_fetch(g, mem, table, level);
		if (!ep)
			return pt_walk_fault(res, PT_FAULT_FETCH, level);
		ep += pt_index(g, level, va);
		pte = __atomic_load_n(ep, __ATOMIC_ACQUIRE);
		res->reads++;
		if (pt_is_std_table(g, level, pte)) {
			perm &= g->tbl_perm;
			table = pte & g->addr_mask;
			level--;
			continue;
		}
		switch (decode(g, level, pte, &d)) {
		case PT_ENT_NONE:
			return pt_walk_fault(res, PT_FAULT_NOT_PRESENT, level);
		case PT_ENT_RESERVED:
			return pt_walk_fault(res, PT_FAULT_RESERVED, level);
		case PT_ENT_LEAF:
			return pt_walk_leaf(g, ep, pte, &d, level, va, perm,
					    access, res);
		case PT_ENT_TABLE:
			break;
		}
		if (d.next + 1 < level && !pt_walk_skip_ok(g, va, level, d.next))
			return pt_walk_fault(res, PT_FAULT_NOT_PRESENT, level);
		if (g->oa_limit && d.oa >= g->oa_limit)
			return pt_walk_fault(res, PT_FAULT_ADDRESS_SIZE, level);
		perm &= d.perm;
		level = d.next;
		table = d.oa;
	}
}


/*
 * The walker, instantiated once per format with its decoder inlined (see
 * PT_DEFINE_WALK): tables of the standard kind take the mask fast path,
 * the decoder runs for the leaf and for anything unusual.
 */
static inline __attribute__((always_inline)) int
pt_walk_tmpl(const struct pt_geom *g, uint64_t root, const struct pt_mem *mem,
	     uint64_t iova, unsigned int access, struct pt_walk_result *res,
	     pt_decode_fn decode)
{
	unsigned int tries = 0;
	uint64_t va = iova;
	int rc;

	res->fault = PT_FAULT_NONE;
	res->fault_access = 0;
	res->reads = 0;
	if (g->sign_extend) {
		unsigned int sh = 64 - g->ias;

		if ((uint64_t)((int64_t)(iova << sh) >> sh) != iova)
			return pt_walk_fault(res, PT_FAULT_NON_CANONICAL,
					     g->top);
		va &= g->va_mask;
	} else if (va & ~g->va_mask) {
		return pt_walk_fault(res, PT_FAULT_ADDRESS_SIZE, g->top);
	}
	do {
		/* A separate identity-memory copy drops the fetch test from
		 * every level of the common case. */
		if (!mem)
			rc = pt_walk_once(g, root, NULL, va, access, res, decode);
		else
			rc = pt_walk_once(g, root, mem, va, access, res, decode);
	} while (rc == -EAGAIN && ++tries < PT_WALK_MAX_RETRY);
	return rc == -EAGAIN ? -EBUSY : rc;
}

/*
 * The lean walker: pt_walk() for the common case only, in as few
 * instructions as the format allows.  It descends through standard table
 * entries with one mask test per level, decodes the leaf with the format's
 * inlined decoder and checks the rights with a few masks.  It keeps no
 * fault state and writes nothing to the table: whenever pt_walk() could do
 * something else than return a translation - any fault, a non-standard
 * table entry (AMD level skipping, ARM hierarchical attributes), A/D
 * updates (PT_CFG_HW_AD), a fetch failure - it declines with -EAGAIN and
 * the caller runs pt_walk(), which stays the one definition of faults.
 * So on success its result equals pt_walk()'s (the tests check this on
 * random tables of every format).
 */

/*
 * PT_ACCESS_READ/WRITE/EXEC rights @perm grants a request of @access, and
 * the matching PT_PROT_* (PRIV for a supervisor-only unit) in *@prot; the
 * bit values coincide (PT_PERM_R/W/X = PT_ACCESS_READ/WRITE/EXEC =
 * PT_PROT_READ/WRITE/EXEC).  An unprivileged request needs PT_PERM_U.
 */
static inline __attribute__((always_inline)) unsigned int
pt_lean_rights(unsigned int perm, unsigned int access, unsigned int *prot)
{
	unsigned int x = (access & PT_ACCESS_PRIV) ? (perm >> 1) : perm;
	unsigned int r = (perm & (PT_PERM_R | PT_PERM_W)) | (x & PT_PERM_X);

	*prot = r | ((perm & PT_PERM_U) ? 0 : PT_PROT_PRIV);
	if (!(access & PT_ACCESS_PRIV) && !(perm & PT_PERM_U))
		return 0;
	return r;
}

static inline __attribute__((always_inline)) int
pt_lean_tmpl(const struct pt_geom *g, uint64_t root, const struct pt_mem *mem,
	     uint64_t iova, unsigned int access, struct pt_lean_result *res,
	     pt_decode_fn decode)
{
	unsigned int level = g->top, prot, perm, rights;
	uint64_t va = iova, pte, lmask;
	const uint64_t *tp = pt_ptr(root);
	struct pt_dec d;

	if (g->sign_extend) {
		unsigned int sh = 64 - g->ias;

		if ((uint64_t)((int64_t)(iova << sh) >> sh) != iova)
			return -EAGAIN;
		va &= g->va_mask;
	} else if (va & ~g->va_mask) {
		return -EAGAIN;
	}
	/* oa_limit - 1 is all ones when oas is 64 (oa_limit 0). */
	if (root & ~(g->oa_limit - 1))
		return -EAGAIN;
	if (mem && !(tp = mem->fetch(mem, root, (size_t)pt_nent(g, level) * 8)))
		return -EAGAIN;
	/* The top index needs no mask: va is below 2^ias. */
	pte = __atomic_load_n(tp + (va >> g->shift[level]), __ATOMIC_ACQUIRE);
	while (pt_is_std_table(g, level, pte)) {
		level--;
		tp = pt_ptr(pte & g->addr_mask);
		if (mem && !(tp = mem->fetch(mem, pte & g->addr_mask,
					     (size_t)pt_nent(g, level) * 8)))
			return -EAGAIN;
		pte = __atomic_load_n(tp + pt_index(g, level, va),
				      __ATOMIC_ACQUIRE);
	}
	if (decode(g, level, pte, &d) != PT_ENT_LEAF)
		return -EAGAIN;
	/* Every format's largest leaf is below 2^64 (AMD's: 2^56). */
	lmask = (1ULL << d.lg2) - 1;
	if ((d.oa | lmask) & ~(g->oa_limit - 1))
		return -EAGAIN;
	/* Every table on the way was a standard one granting tbl_perm. */
	perm = d.perm & (level < g->top ? g->tbl_perm : PT_PERM_ALL);
	rights = pt_lean_rights(perm, access, &prot);
	/* pt_walk() would fault (AF, permission) or update A/D. */
	if (!(access & PT_ACCESS_PROBE) &&
	    (!d.af || (g->flags & PT_CFG_HW_AD) ||
	     (access & ~rights &
	      (PT_ACCESS_READ | PT_ACCESS_WRITE | PT_ACCESS_EXEC))))
		return -EAGAIN;
	res->oa = d.oa | (va & lmask);
	res->leaf_lg2 = d.lg2;
	res->prot = prot | d.attr;
	res->reads = g->top - level + 1;
	return 0;
}

/*
 * Defines the format's walkers around its decoder: `name`_walk (the full
 * one), `name`_lean (identity table memory, no fetch test per level) and
 * `name`_lean_mem (through a struct pt_mem).
 */
#define PT_DEFINE_WALK(name, decoder)                                        \
	static int name##_walk(const struct pt_geom *g, uint64_t root,        \
			       const struct pt_mem *mem, uint64_t iova,       \
			       unsigned int access,                          \
			       struct pt_walk_result *res)                    \
	{                                                                     \
		return pt_walk_tmpl(g, root, mem, iova, access, res, decoder); \
	}                                                                     \
	static int name##_lean(const struct pt_geom *g, uint64_t root,        \
			       const struct pt_mem *mem, uint64_t iova,       \
			       unsigned int access,                          \
			       struct pt_lean_result *res)                    \
	{                                                                     \
		return pt_lean_tmpl(g, root, NULL, iova, access, res, decoder); \
	}                                                                     \
	static int name##_lean_mem(const struct pt_geom *g, uint64_t root,    \
				   const struct pt_mem *mem, uint64_t iova,   \
				   unsigned int access,                      \
				   struct pt_lean_result *res)                \
	{                                                                     \
		return pt_lean_tmpl(g, root, mem, iova, access, res, decoder); \
	}

#endif
