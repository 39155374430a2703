/* SPDX-License-Identifier: MIT */
/*
 * Intrusive interval tree: a red-black tree of non-overlapping closed
 * intervals [start, last], both ends inclusive (so a node may end at
 * UINT64_MAX and no length ever needs 65 bits).
 *
 * It owns the layout of an IOAS: nodes are mapped areas and reserved
 * ranges, the holes between them are free IOVA space.  Every node caches
 * max_gap, the largest hole found immediately before any node of its
 * subtree, which lets itree_find_gap() skip whole subtrees.
 *
 * The tree never allocates and never fails; callers embed the node and
 * serialise access themselves.
 */
#ifndef UIOMMU_UTIL_ITREE_H
#define UIOMMU_UTIL_ITREE_H

#include <stddef.h>
#include <stdint.h>

struct itree_node {
	uintptr_t parent_color;	/* parent pointer | colour bit */
	struct itree_node *left, *right;
	uint64_t start, last;	/* the interval, inclusive */
	uint64_t max_gap;	/* max over this subtree of gap_before(n) */
};

struct itree {
	struct itree_node *root;
	size_t count;
};

void itree_init(struct itree *t);

/*
 * The caller sets n->start <= n->last and guarantees n overlaps no node
 * already in t; every other field of n is (re)initialised here.
 */
void itree_insert(struct itree *t, struct itree_node *n);
void itree_remove(struct itree *t, struct itree_node *n);

/* Lowest / highest node, NULL if t is empty. */
struct itree_node *itree_first(const struct itree *t);
struct itree_node *itree_last(const struct itree *t);
/* In-order neighbours, NULL at either end. */
struct itree_node *itree_next(const struct itree_node *n);
struct itree_node *itree_prev(const struct itree_node *n);

/* Lowest-start node meeting [start, last]; NULL if none or start > last. */
struct itree_node *itree_first_overlap(const struct itree *t, uint64_t start,
				       uint64_t last);
/* The node containing addr, or NULL. */
struct itree_node *itree_find(const struct itree *t, uint64_t addr);

/*
 * Lowest free gap [*gap_start, *gap_last] with *gap_last >= from and at least
 * min_len addresses (min_len 0 is taken as 1).  The gap is not clipped to
 * from.  Returns 0, or -ENOSPC (outputs untouched) if there is none.
 *
 * To walk candidates, call again with from = *gap_last + 1, stopping when
 * *gap_last == UINT64_MAX.
 *
 * Visits O(log n) nodes, but a node whose own gap is undecided by the
 * cached maxima needs a walk towards its predecessor, cut short once the
 * gap is known to be too small.  The worst case, a densely packed tree
 * whose first fitting hole lies far to the right, is O(log^2 n): about 330
 * steps at 10^6 nodes.
 */
int itree_find_gap(const struct itree *t, uint64_t from, uint64_t min_len,
		   uint64_t *gap_start, uint64_t *gap_last);

/* O(n) check of every invariant, for tests and debugging: 0 or -EINVAL. */
int itree_check(const struct itree *t);

#endif
