// SPDX-License-Identifier: MIT
/*
 * Interval red-black tree (see itree.h).  Owns node ordering, balancing
 * and the max_gap augmentation.  Ranges are [start, last], both inclusive.
 *
 * Bit 0 of parent_color is the colour (set means red); nodes are at least
 * 8-byte aligned so the bit is free.
 *
 * The node has no room for a predecessor pointer or its own gap, so
 * gap_before(n) means walking down the right spine of n's left subtree to
 * the predecessor.  Updates and searches avoid the walk whenever cached
 * maxima already decide the question, and otherwise stop it as soon as a
 * spine node's upper bound on the gap decides it.  Steps stay O(log n) in
 * practice; a densely packed tree can still need O(log^2 n) (see
 * itree_find_gap() in itree.h).
 */
#include "util/itree.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ITREE_RED ((uintptr_t)1)
#define ITREE_PTR_BITS ((uintptr_t)(_Alignof(struct itree_node) - 1))
/* A red-black tree of 2^64 nodes is at most 128 levels deep. */
#define ITREE_MAX_DEPTH 128

_Static_assert(_Alignof(struct itree_node) >= 2, "no room for the colour bit");

static inline struct itree_node *parent_of(const struct itree_node *n)
{
	return (struct itree_node *)(n->parent_color & ~ITREE_RED);
}

/* NULL children count as black. */
static inline bool is_red(const struct itree_node *n)
{
	return n && (n->parent_color & ITREE_RED);
}

static inline void set_parent(struct itree_node *n, struct itree_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & ITREE_RED);
}

static inline void set_red(struct itree_node *n, bool red)
{
	n->parent_color &= ~ITREE_RED;
	if (red)
		n->parent_color |= ITREE_RED;
}

/* dir 0 is left, 1 is right: lets one body serve both mirror cases. */
static inline struct itree_node **child(struct itree_node *n, int dir)
{
	return dir ? &n->right : &n->left;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t mg(const struct itree_node *n)
{
	return n ? n->max_gap : 0;
}

static inline uint64_t kids_gap(const struct itree_node *n)
{
	return max_u64(mg(n->left), mg(n->right));
}

static void replace_child(struct itree *t, struct itree_node *parent,
			  struct itree_node *old, struct itree_node *repl)
{
	if (!parent)
		t->root = repl;
	else if (parent->left == old)
		parent->left = repl;
	else
		parent->right = repl;
}

static struct itree_node *leftmost(const struct itree_node *n)
{
	while (n->left)
		n = n->left;
	return (struct itree_node *)n;
}

static struct itree_node *rightmost(const struct itree_node *n)
{
	while (n->right)
		n = n->right;
	return (struct itree_node *)n;
}

void itree_init(struct itree *t)
{
	t->root = NULL;
	t->count = 0;
}

struct itree_node *itree_first(const struct itree *t)
{
	return t->root ? leftmost(t->root) : NULL;
}

struct itree_node *itree_last(const struct itree *t)
{
	return t->root ? rightmost(t->root) : NULL;
}

struct itree_node *itree_next(const struct itree_node *n)
{
	struct itree_node *p;

	if (n->right)
		return leftmost(n->right);
	while ((p = parent_of(n)) && n == p->right)
		n = p;
	return p;
}

struct itree_node *itree_prev(const struct itree_node *n)
{
	struct itree_node *p;

	if (n->left)
		return rightmost(n->left);
	while ((p = parent_of(n)) && n == p->left)
		n = p;
	return p;
}

/*
 * max(gap_before(n), floor) for n with a left child.  The predecessor ends
 * the right spine of n->left and every node on that spine bounds the gap
 * from above, so the walk stops as soon as the bound falls to floor.
 */
static uint64_t spine_gap(const struct itree_node *n, uint64_t floor)
{
	const struct itree_node *p = n->left;
	uint64_t bound;

	for (;;) {
		bound = n->start - p->last - 1;
		if (bound <= floor)
			return floor;
		if (!p->right)
			return bound;
		p = p->right;
	}
}

/* max(gap_before(n), floor), looking only as far as needed. */
static uint64_t gap_over(const struct itree_node *n, uint64_t floor)
{
	const struct itree_node *p;

	if (n->left)
		return spine_gap(n, floor);
	p = itree_prev(n);
	return max_u64(n->start - (p ? p->last + 1 : 0), floor);
}

/*
 * New max_gap for p after one child subtree changed; that child's max_gap
 * used to be old_child.  p's own gap must be unchanged and p->max_gap
 * still exact for the old children.
 */
static uint64_t refreshed(const struct itree_node *p, uint64_t old_child)
{
	uint64_t kids = kids_gap(p);

	/* p's own gap is at most the old maximum, so it cannot win. */
	if (kids >= p->max_gap)
		return kids;
	/*
	 * The untouched child is below the old maximum too; if the changed
	 * one was as well, the maximum was p's own gap, which still stands.
	 */
	if (old_child < p->max_gap)
		return p->max_gap;
	return gap_over(p, kids);
}

/*
 * One child subtree of p used to have max_gap old_child; fix p and its
 * ancestors below stop.  Ends early once a max_gap comes out unchanged,
 * as nothing above can then change either.
 */
static void propagate(struct itree_node *p, uint64_t old_child,
		      const struct itree_node *stop)
{
	while (p && p != stop) {
		uint64_t old = p->max_gap;

		p->max_gap = refreshed(p, old_child);
		if (p->max_gap == old)
			return;
		old_child = old;
		p = parent_of(p);
	}
}

/* n's own gap became gap; fix n and its ancestors below stop. */
static void regap(struct itree_node *n, uint64_t gap,
		  const struct itree_node *stop)
{
	uint64_t old = n->max_gap;

	n->max_gap = max_u64(gap, kids_gap(n));
	propagate(parent_of(n), old, stop);
}

/*
 * Move x down on side dir; its child on the other side takes its place.
 * That child now spans exactly the nodes x spanned, so it inherits x's
 * max_gap and only x needs working out.
 */
static void rotate(struct itree *t, struct itree_node *x, int dir)
{
	struct itree_node *y = *child(x, !dir);
	struct itree_node *mid = *child(y, dir);
	struct itree_node *p = parent_of(x);
	uint64_t x_max = x->max_gap;

	*child(x, !dir) = mid;
	if (mid)
		set_parent(mid, x);
	*child(y, dir) = x;
	set_parent(y, p);
	replace_child(t, p, x, y);
	set_parent(x, y);
	/* x's !dir child changed from y to mid. */
	x->max_gap = refreshed(x, y->max_gap);
	y->max_gap = x_max;
}

static void insert_fixup(struct itree *t, struct itree_node *n)
{
	struct itree_node *p, *g, *uncle;
	int dir;

	while ((p = parent_of(n)) && is_red(p)) {
		g = parent_of(p); /* exists: the root is black */
		dir = g->right == p;
		uncle = *child(g, !dir);
		if (is_red(uncle)) {
			/* Push the red up; may recreate the problem at g. */
			set_red(p, false);
			set_red(uncle, false);
			set_red(g, true);
			n = g;
			continue;
		}
		if (n == *child(p, !dir)) {
			/* Inner grandchild: turn it into the outer case. */
			rotate(t, p, dir);
			n = p;
			p = parent_of(n);
		}
		set_red(p, false);
		set_red(g, true);
		rotate(t, g, !dir);
		break;
	}
	set_red(t->root, false);
}

void itree_insert(struct itree *t, struct itree_node *n)
{
	struct itree_node **link = &t->root, *parent = NULL;
	struct itree_node *pred = NULL, *succ = NULL;

	while (*link) {
		parent = *link;
		if (n->start < parent->start) {
			succ = parent;
			link = &parent->left;
		} else {
			pred = parent;
			link = &parent->right;
		}
	}
	n->left = NULL;
	n->right = NULL;
	n->parent_color = (uintptr_t)parent | ITREE_RED;
	n->max_gap = n->start - (pred ? pred->last + 1 : 0);
	*link = n;
	t->count++;

	/*
	 * n splits the hole that was below succ (an ancestor of the new
	 * leaf).  Add n's hole first: below succ that only ever grows
	 * max_gap, which is cheap; then shrink succ's own hole.
	 */
	propagate(parent, 0, succ);
	if (succ)
		regap(succ, succ->start - n->last - 1, NULL);
	insert_fixup(t, n);
}

/*
 * Unlink z, which has at most one child.  succ (z's successor, or NULL)
 * absorbs z's hole into its own, which becomes succ_gap.  Returns whether
 * a black node left the tree; *xo and *xp get the node now in z's slot
 * (maybe NULL) and its parent.
 */
static bool unlink_simple(struct itree *t, struct itree_node *z,
			  struct itree_node *succ, uint64_t succ_gap,
			  struct itree_node **xo, struct itree_node **xp)
{
	struct itree_node *x = z->left ? z->left : z->right;
	struct itree_node *p = parent_of(z);
	uint64_t z_max = z->max_gap;

	replace_child(t, p, z, x);
	if (x)
		set_parent(x, p);
	if (z->right) {
		/* succ sits under x: grow its hole, then settle x's slot. */
		regap(succ, succ_gap, p);
		propagate(p, z_max, NULL);
	} else {
		/* succ, if any, is an ancestor; fix the path up to it first. */
		propagate(p, z_max, succ);
		if (succ)
			regap(succ, succ_gap, NULL);
	}
	*xo = x;
	*xp = p;
	return !is_red(z);
}

/*
 * Unlink z, which has two children, by moving its successor y (leftmost
 * of z's right subtree, so without a left child) into z's slot and colour.
 * y's hole absorbs z's and becomes y_gap.  Returns whether a black node
 * left its slot; *xo and *xp get the node now in the slot y vacated
 * (maybe NULL) and its parent.
 */
static bool unlink_inner(struct itree *t, struct itree_node *z,
			 struct itree_node *y, uint64_t y_gap,
			 struct itree_node **xo, struct itree_node **xp)
{
	struct itree_node *x = y->right, *yp = parent_of(y);
	struct itree_node *zp = parent_of(z);
	uint64_t y_max = y->max_gap, z_max = z->max_gap;
	bool lost_black = !is_red(y);

	if (yp != z) {
		yp->left = x;
		if (x)
			set_parent(x, yp);
		y->right = z->right;
		set_parent(y->right, y);
	}
	y->left = z->left;
	set_parent(y->left, y);
	y->parent_color = (uintptr_t)zp | (z->parent_color & ITREE_RED);
	replace_child(t, zp, z, y);

	/* The path from y's old slot up to y lost y; then y itself. */
	if (yp != z)
		propagate(yp, y_max, y);
	y->max_gap = max_u64(y_gap, kids_gap(y));
	propagate(zp, z_max, NULL);
	*xo = x;
	*xp = yp == z ? y : yp;
	return lost_black;
}

/* x (maybe NULL) under p carries an extra black: rebalance. */
static void erase_fixup(struct itree *t, struct itree_node *x,
			struct itree_node *p)
{
	struct itree_node *w;
	int dir;

	while (x != t->root && !is_red(x)) {
		/* A NULL x has a non-NULL sibling, so this picks x's side. */
		dir = p->right == x;
		w = *child(p, !dir);
		if (is_red(w)) {
			set_red(w, false);
			set_red(p, true);
			rotate(t, p, dir);
			w = *child(p, !dir);
		}
		if (!is_red(w->left) && !is_red(w->right)) {
			set_red(w, true);
			x = p;
			p = parent_of(x);
			continue;
		}
		if (!is_red(*child(w, !dir))) {
			/* Only the near nephew is red: move it outside. */
			set_red(*child(w, dir), false);
			set_red(w, true);
			rotate(t, w, !dir);
			w = *child(p, !dir);
		}
		set_red(w, is_red(p));
		set_red(p, false);
		set_red(*child(w, !dir), false);
		rotate(t, p, dir);
		x = t->root;
	}
	if (x)
		set_red(x, false);
}

void itree_remove(struct itree *t, struct itree_node *z)
{
	struct itree_node *pred = itree_prev(z), *succ = itree_next(z);
	struct itree_node *x, *xp;
	uint64_t succ_gap = 0;
	bool lost_black;

	/* z's hole, z itself and succ's hole merge into succ's new hole. */
	if (succ)
		succ_gap = succ->start - (pred ? pred->last + 1 : 0);
	if (z->left && z->right)
		lost_black = unlink_inner(t, z, succ, succ_gap, &x, &xp);
	else
		lost_black = unlink_simple(t, z, succ, succ_gap, &x, &xp);
	t->count--;
	if (lost_black)
		erase_fixup(t, x, xp);
}

struct itree_node *itree_first_overlap(const struct itree *t, uint64_t start,
				       uint64_t last)
{
	struct itree_node *n = t->root, *best = NULL;

	if (start > last)
		return NULL;
	/*
	 * Non-overlapping nodes are sorted by last too: find the first
	 * ending at or after start, then see whether it begins in time.
	 */
	while (n) {
		if (n->last >= start) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best && best->start <= last ? best : NULL;
}

struct itree_node *itree_find(const struct itree *t, uint64_t addr)
{
	return itree_first_overlap(t, addr, addr);
}

/*
 * Whether x's own hole holds len.  x->max_gap >= len; lo is the node just
 * before x's subtree (NULL if none).
 */
static bool gap_fits(const struct itree_node *x, const struct itree_node *lo,
		     uint64_t len)
{
	/* Neither child can hold len, so x's max_gap is its own hole. */
	if (mg(x->left) < len && mg(x->right) < len)
		return true;
	if (!x->left)
		return x->start - (lo ? lo->last + 1 : 0) >= len;
	return spine_gap(x, len - 1) >= len;
}

/*
 * Lowest node in x's subtree with start > from and a hole of at least len
 * below it.  lo is the node just before x's subtree.  Only the path along
 * from can fail after descending; any subtree wholly above from with
 * max_gap >= len is sure to hold an answer.
 */
static const struct itree_node *gap_search(const struct itree_node *x,
					   const struct itree_node *lo,
					   uint64_t from, uint64_t len)
{
	const struct itree_node *hit;

	while (x && x->max_gap >= len) {
		if (x->start > from) {
			hit = gap_search(x->left, lo, from, len);
			if (hit)
				return hit;
			if (gap_fits(x, lo, len))
				return x;
		}
		lo = x;
		x = x->right;
	}
	return NULL;
}

int itree_find_gap(const struct itree *t, uint64_t from, uint64_t min_len,
		   uint64_t *gap_start, uint64_t *gap_last)
{
	const struct itree_node *n, *pred, *top;

	if (!min_len)
		min_len = 1;
	n = gap_search(t->root, NULL, from, min_len);
	if (n) {
		pred = itree_prev(n);
		*gap_start = pred ? pred->last + 1 : 0;
		*gap_last = n->start - 1;
		return 0;
	}
	/* The hole above the last node belongs to no node's max_gap. */
	top = itree_last(t);
	if (top && UINT64_MAX - top->last < min_len)
		return -ENOSPC;
	*gap_start = top ? top->last + 1 : 0;
	*gap_last = UINT64_MAX;
	return 0;
}

struct check_state {
	const struct itree_node *prev;
	size_t count;
};

/* In-order walk; returns the subtree's black height or -EINVAL. */
static int check_node(const struct itree_node *n,
		      const struct itree_node *parent, struct check_state *st,
		      int depth)
{
	uint64_t gap;
	int lh, rh;

	if (!n)
		return 0;
	if (depth > ITREE_MAX_DEPTH || parent_of(n) != parent ||
	    (n->parent_color & ITREE_PTR_BITS & ~ITREE_RED))
		return -EINVAL;
	if (is_red(n) && is_red(parent))
		return -EINVAL;
	lh = check_node(n->left, n, st, depth + 1);
	if (lh < 0)
		return lh;
	if (n->start > n->last || (st->prev && st->prev->last >= n->start))
		return -EINVAL;
	gap = n->start - (st->prev ? st->prev->last + 1 : 0);
	if (n->max_gap != max_u64(gap, kids_gap(n)))
		return -EINVAL;
	st->prev = n;
	st->count++;
	rh = check_node(n->right, n, st, depth + 1);
	if (rh < 0)
		return rh;
	if (lh != rh)
		return -EINVAL;
	return lh + !is_red(n);
}

int itree_check(const struct itree *t)
{
	struct check_state st = { NULL, 0 };

	if (is_red(t->root))
		return -EINVAL;
	if (check_node(t->root, NULL, &st, 0) < 0 || st.count != t->count)
		return -EINVAL;
	return 0;
}
