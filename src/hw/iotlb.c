// SPDX-License-Identifier: MIT
/*
 * The IOTLB of the emulated IOMMU: the set-associative entry array, the
 * tag spaces and their ids, filling with victim choice, the level-0
 * IOTLB's copies (kept a subset of the array), and the two kinds
 * of invalidation every model's commands are built from - a whole space
 * (a fresh id, O(1)) and an address range in a space (probing only the
 * sets that can hold it, per size class in use).
 *
 * Layout and key encoding: see hw_priv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw_priv.h"

/* Spaces alive at once; the rest of the id range absorbs re-ids. */
#define HW_MAX_SPACES (HW_ID_MAX / 2)

static uint64_t hw_salt_of(unsigned int id)
{
	return (id * 0x9e3779b97f4a7c15ULL) >> 40;
}

static void hw_space_set_id(struct hw_iommu *m, struct hw_space *sp,
			    unsigned int id)
{
	sp->id = (uint16_t)id;
	sp->key_hi = (uint64_t)id << HW_ID_SHIFT;
	sp->salt = hw_salt_of(id);
	m->id_map[id] = sp;
}

static void hw_space_clear_sizes(struct hw_space *sp)
{
	uint64_t s = sp->sizes;

	while (s) {
		sp->nr[__builtin_ctzll(s)] = 0;
		s &= s - 1;
	}
	sp->sizes = 0;
}

/*
 * The 16-bit ids ran out: empty the IOTLB and number the live spaces
 * from 1 again.  Rare (once per ~32K wide invalidations at worst) and
 * O(IOTLB size), like an ASID rollover on a CPU.
 */
static void hw_rollover(struct hw_iommu *m)
{
	struct hw_space *sp;
	unsigned int id = 1;

	memset(m->tlb, 0, sizeof(*m->tlb) << m->sets_lg2);
	memset(m->l0, 0, sizeof(m->l0));
	memset(m->id_map, 0, sizeof(*m->id_map) * (HW_ID_MAX + 1));
	for (sp = m->spaces; sp; sp = sp->next) {
		hw_space_clear_sizes(sp);
		hw_space_set_id(m, sp, id++);
	}
	m->next_id = id;
	m->st.rollovers++;
	hw_gen_bump(m);
}

/* A fresh id for @sp: every entry under its old id is dead. */
static void hw_space_renew(struct hw_iommu *m, struct hw_space *sp)
{
	hw_gen_bump(m);
	if (sp->id)
		m->id_map[sp->id] = NULL;
	hw_space_clear_sizes(sp);
	if (m->next_id > HW_ID_MAX) {
		sp->id = 0;
		hw_rollover(m);	/* numbers @sp too: it is on the list */
		return;
	}
	hw_space_set_id(m, sp, m->next_id++);
}

int hw_tlb_init(struct hw_iommu *m)
{
	size_t bytes = sizeof(struct hw_set) << m->sets_lg2;

	m->tlb = aligned_alloc(64, bytes);
	m->id_map = calloc(HW_ID_MAX + 1, sizeof(*m->id_map));
	if (!m->tlb || !m->id_map)
		return -ENOMEM;
	memset(m->tlb, 0, bytes);
	m->set_mask = hw_mask(m->sets_lg2);
	m->next_id = 1;
	return 0;
}

void hw_tlb_fini(struct hw_iommu *m)
{
	struct hw_space *sp, *next;

	for (sp = m->spaces; sp; sp = next) {
		next = sp->next;
		free(sp);
	}
	free(m->tlb);
	free(m->id_map);
}

/* The space for a tag, created on first use; a reference for a config. */
struct hw_space *hw_space_get(struct hw_iommu *m, unsigned int stage,
			      uint32_t dom, uint32_t sub)
{
	struct hw_space *sp;

	for (sp = m->spaces; sp; sp = sp->next) {
		if (sp->stage == stage && sp->dom == dom && sp->sub == sub) {
			sp->refs++;
			return sp;
		}
	}
	if (m->nspaces >= HW_MAX_SPACES)
		return NULL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->stage = (uint8_t)stage;
	sp->dom = dom;
	sp->sub = sub;
	sp->refs = 1;
	sp->next = m->spaces;
	m->spaces = sp;
	m->nspaces++;
	hw_space_renew(m, sp);
	return sp;
}

/*
 * Drops a config's reference.  An unused space goes away; its entries
 * can no longer be reached (a later space for the same tag has a new id),
 * which is an over-invalidation hardware is allowed.
 */
void hw_space_put(struct hw_iommu *m, struct hw_space *sp)
{
	struct hw_space **pp;

	if (!sp || --sp->refs)
		return;
	for (pp = &m->spaces; *pp != sp; pp = &(*pp)->next)
		;
	*pp = sp->next;
	m->id_map[sp->id] = NULL;
	hw_gen_bump(m);
	m->nspaces--;
	free(sp);
}

static struct hw_tlbe *hw_tlb_slot(const struct hw_iommu *m,
				   const struct hw_space *sp, uint64_t vpn,
				   unsigned int lg2, uint64_t *key)
{
	*key = hw_key(sp, vpn, lg2);
	return hw_set_of(m, sp, vpn)->e;
}

/*
 * Forgets entry @e, and its level-0 copy if there is one, keeping its
 * space's size-class count right.
 */
static void hw_tlbe_drop(struct hw_iommu *m, struct hw_tlbe *e)
{
	uint64_t set = (uint64_t)((const char *)e - (const char *)m->tlb) /
		       sizeof(struct hw_set);
	struct hw_tlbe *l0 = hw_l0_of(m, set);
	struct hw_space *owner;
	unsigned int lg2;

	if (!e->key)
		return;
	if (l0->key == e->key) {
		l0->key = 0;
		l0->out = 0;
	}
	hw_gen_bump(m);
	owner = m->id_map[e->key >> HW_ID_SHIFT];
	lg2 = e->key & 63;
	if (owner && owner->nr[lg2] && !--owner->nr[lg2])
		owner->sizes &= ~(1ULL << lg2);
	e->key = 0;
	e->out = 0;
}

/*
 * Victim: the entry with the same key (a refill after a permission miss
 * must not leave two matches), else a free or dead (old id) entry, else
 * round robin.
 */
static struct hw_tlbe *hw_tlb_victim(struct hw_iommu *m, struct hw_tlbe *e,
				     uint64_t key)
{
	unsigned int i;

	for (i = 0; i < HW_WAYS; i++)
		if (e[i].key == key)
			return &e[i];
	for (i = 0; i < HW_WAYS; i++)
		if (!e[i].key || !m->id_map[e[i].key >> HW_ID_SHIFT])
			return &e[i];
	return &e[m->victim++ % HW_WAYS];
}

void hw_tlb_fill(struct hw_iommu *m, struct hw_space *sp, uint64_t iova,
		 unsigned int lg2, uint64_t out)
{
	struct hw_tlbe *set, *e;
	uint64_t key;

	if (lg2 < HW_UNIT_MIN_LG2)	/* no such unit: the key needs 4K */
		return;
	set = hw_tlb_slot(m, sp, iova >> lg2, lg2, &key);
	e = hw_tlb_victim(m, set, key);
	hw_tlbe_drop(m, e);
	e->key = key;
	e->out = out | HW_E_VALID;
	sp->nr[lg2]++;
	sp->sizes |= 1ULL << lg2;
	hw_gen_bump(m);
	hw_l0_fill(m, sp, iova, lg2, e->out);
}

/*
 * Copies the entry of @sp for @iova in class @lg2, whose out word is @out
 * (m->tlb holds it), into its level-0 slot.  Only the smallest class in
 * use goes there: it is the one the hit path probes, and larger units
 * would only push its entries out.
 */
void hw_l0_fill(struct hw_iommu *m, const struct hw_space *sp,
		uint64_t iova, unsigned int lg2, uint64_t out)
{
	uint64_t vpn = iova >> lg2;
	struct hw_tlbe *l0 = hw_l0_of(m, (vpn ^ sp->salt) & m->set_mask);

	if (sp->sizes & hw_mask(lg2))
		return;
	l0->key = hw_key(sp, vpn, lg2);
	l0->out = out;
}

/* Every entry of @sp goes: O(1). */
void hw_space_flush(struct hw_iommu *m, struct hw_space *sp)
{
	hw_space_renew(m, sp);
}

/* Drops the entry of @sp for unit @vpn of size class @lg2, if cached. */
static void hw_space_inv_one(struct hw_iommu *m, struct hw_space *sp,
			     uint64_t vpn, unsigned int lg2)
{
	struct hw_tlbe *e;
	uint64_t key;
	unsigned int i;

	e = hw_tlb_slot(m, sp, vpn, lg2, &key);
	m->st.probes++;
	for (i = 0; i < HW_WAYS; i++)
		if (e[i].key == key)
			hw_tlbe_drop(m, &e[i]);
}

/*
 * More units than sets: examining each set once is cheaper than probing
 * per unit.  The vpn comes back from the key and the set index.
 */
static void hw_space_inv_scan(struct hw_iommu *m, struct hw_space *sp,
			      unsigned int lg2, uint64_t first, uint64_t last)
{
	uint64_t set, hi = sp->key_hi | lg2;
	unsigned int i;

	for (set = 0; set <= m->set_mask; set++) {
		struct hw_tlbe *e = m->tlb[set].e;

		for (i = 0; i < HW_WAYS; i++) {
			uint64_t k = e[i].key, vpn;

			if ((k & ~(HW_VPN_MASK << 6)) != hi)
				continue;
			vpn = ((k >> 6) & HW_VPN_MASK) << HW_KEY_SHIFT |
			      ((set ^ sp->salt) & hw_mask(HW_KEY_SHIFT));
			if (vpn >= first && vpn <= last)
				hw_tlbe_drop(m, &e[i]);
		}
	}
	m->st.probes += m->set_mask + 1;
}

/*
 * Drops every entry of @sp that overlaps [start, last]: for each size
 * class in use, the units from the one holding start to the one holding
 * last.  Cost depends on the range and the classes in use, never on how
 * many entries are cached.
 */
void hw_space_inv_range(struct hw_iommu *m, struct hw_space *sp,
			uint64_t start, uint64_t last)
{
	uint64_t sizes = sp->sizes;

	/* Even if nothing is dropped: cheap, and stream lines need no proof
	 * of which entries a DMA run was built from. */
	hw_gen_bump(m);
	if (!start && last == UINT64_MAX) {
		hw_space_flush(m, sp);
		return;
	}
	while (sizes) {
		unsigned int lg2 = (unsigned int)__builtin_ctzll(sizes);
		uint64_t first = start >> lg2, lastv = last >> lg2, v;

		sizes &= sizes - 1;
		if (lastv - first > m->set_mask) {
			hw_space_inv_scan(m, sp, lg2, first, lastv);
			continue;
		}
		for (v = first;; v++) {
			hw_space_inv_one(m, sp, v, lg2);
			if (v == lastv)
				break;
		}
	}
}

static bool hw_sel_match(const struct hw_sel *sel, const struct hw_space *sp)
{
	if (sel->stage && sp->stage != sel->stage)
		return false;
	if (!sel->all_doms && sp->dom != sel->dom)
		return false;
	if (sel->sub != HW_SUB_ANY && sp->sub != sel->sub)
		return false;
	return !sel->nested_only || sp->nested;
}

/* Wide invalidation: O(spaces), independent of the entries cached. */
void hw_inv_flush_sel(struct hw_iommu *m, const struct hw_sel *sel)
{
	struct hw_space *sp;

	for (sp = m->spaces; sp; sp = sp->next)
		if (hw_sel_match(sel, sp))
			hw_space_renew(m, sp);
}

void hw_inv_range_sel(struct hw_iommu *m, const struct hw_sel *sel,
		      uint64_t start, uint64_t last)
{
	struct hw_space *sp;

	for (sp = m->spaces; sp; sp = sp->next)
		if (hw_sel_match(sel, sp))
			hw_space_inv_range(m, sp, start, last);
}

size_t hw_iotlb_count(const struct hw_iommu *m)
{
	size_t n = 0;
	uint64_t set;
	unsigned int i;

	for (set = 0; set <= m->set_mask; set++)
		for (i = 0; i < HW_WAYS; i++) {
			uint64_t k = m->tlb[set].e[i].key;

			if (k && m->id_map[k >> HW_ID_SHIFT])
				n++;
		}
	return n;
}
