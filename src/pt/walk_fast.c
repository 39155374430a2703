// SPDX-License-Identifier: MIT
/*
 * The fast walker's plans (pt_fast_init) and its two-dimensional walk
 * (pt_fast_walk_nested).  The walk itself is inline in pt.h.
 *
 * A plan is a configuration's walk precomputed: per level the masks that
 * recognise a standard table entry and a leaf of the kinds the format
 * writes (natural size, ARM contiguous run), and a table from a few entry
 * bits (the key) to the rights and attributes of the leaf.  The table is
 * filled by asking the format's decoder about one synthetic level-0 leaf
 * per key value, so what an entry grants keeps a single definition.  The
 * plan declines everything else (faults, reserved or non-standard
 * entries, AMD NL=7 sizes): the caller then runs pt_walk_lean() or
 * pt_walk(), which decide.
 *
 * Assumptions the tests check against pt_walk() on random tables of every
 * format: a leaf's rights and attributes depend only on its key bits, not
 * on its level; a standard table never takes away PT_PERM_U.
 */
#include <errno.h>
#include <string.h>

#include "pt/pt_priv.h"

/* The lut encoding of a leaf's rights @perm and attributes @attr. */
static uint16_t pt_fast_enc(unsigned int perm, unsigned int attr)
{
	unsigned int rw = perm & (PT_PERM_R | PT_PERM_W);
	unsigned int user = 0, priv;

	if (perm & PT_PERM_U)
		user = rw | ((perm & PT_PERM_X) ? PT_ACCESS_EXEC : 0);
	priv = rw | ((perm & PT_PERM_PX) ? PT_ACCESS_EXEC : 0);
	return (uint16_t)(user << PT_FAST_RIGHTS_USER |
			  priv << PT_FAST_RIGHTS_PRIV |
			  ((perm & PT_PERM_U) ? 0 : PT_PROT_PRIV) |
			  (attr & (PT_PROT_CACHE | PT_PROT_MMIO)));
}

/* The lut bits a standard table granting @tperm (with U) leaves. */
static uint16_t pt_fast_emask(unsigned int tperm)
{
	unsigned int m = 0xffff;

	if (!(tperm & PT_PERM_R))
		m &= ~(PT_ACCESS_READ * 0x101u);
	if (!(tperm & PT_PERM_W))
		m &= ~(PT_ACCESS_WRITE * 0x101u);
	if (!(tperm & PT_PERM_X))
		m &= ~(PT_ACCESS_EXEC << PT_FAST_RIGHTS_USER);
	if (!(tperm & PT_PERM_PX))
		m &= ~(PT_ACCESS_EXEC << PT_FAST_RIGHTS_PRIV);
	return (uint16_t)m;
}

/* Key windows a nested walk has an instance for (pt_fast.keys 1, 2, 3;
 * PT_FAST_KEYS_4X9 added when pt_fast_4x9() holds). */
#define PT_FAST_KEYS_4X9 0x10
#define PT_FAST_KEYS_VTD_SS 0, 0x7, 8, 0x8
#define PT_FAST_KEYS_ARM 2, 0x3f, 47, 0xc0
#define PT_FAST_KEYS_AMD_V1 60, 0x7, 0, 0

static unsigned int pt_fast_keys(const struct pt_fast *f)
{
	static const uint8_t keys[][4] = {
		{ PT_FAST_KEYS_VTD_SS },
		{ PT_FAST_KEYS_ARM },
		{ PT_FAST_KEYS_AMD_V1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i][0] == f->key_sa && keys[i][1] == f->key_ma &&
		    keys[i][2] == f->key_sb && keys[i][3] == f->key_mb)
			return i + 1;
	return 0;
}

/* A pattern no entry matches: a bit outside the mask. */
static uint64_t pt_fast_never(uint64_t mask)
{
	return ~mask & -~mask;
}

static void pt_fast_lut(struct pt_fast *f, const struct pt_geom *g)
{
	uint64_t wa = (uint64_t)f->key_ma << f->key_sa;
	uint64_t wb = (uint64_t)f->key_mb << f->key_sb;
	uint64_t base = g->fmt->leaf_tmpl(g, 0, g->shift[0], PT_PROT_READ) &
			~(wa | wb);
	unsigned int k;

	for (k = 0; k < 256; k++) {
		uint64_t pte = base | ((uint64_t)(k & f->key_ma) << f->key_sa) |
			       ((uint64_t)(k & f->key_mb) << f->key_sb);
		struct pt_dec d;

		/* Keys with bits outside both windows never occur. */
		if ((k & ~(f->key_ma | f->key_mb)) ||
		    g->fmt->decode(g, 0, pte, &d) != PT_ENT_LEAF || !d.af ||
		    d.write_dbm)
			continue;
		f->lut[k] = pt_fast_enc(d.perm, d.attr);
	}
}

/* Does unprivileged read right follow key bit @j, at every level? */
static bool pt_fast_rd_is(const struct pt_fast *f, unsigned int j)
{
	unsigned int k, l;

	for (k = 0; k < 256; k++) {
		if (k & ~(f->key_ma | f->key_mb))
			continue;		/* never occurs */
		for (l = 0; l <= f->top; l++) {
			unsigned int e = f->lut[k] & f->lv[l].emask;
			bool rd = (e >> PT_FAST_RIGHTS_USER) & PT_ACCESS_READ;

			if (rd != ((k >> j) & 1))
				return false;
		}
	}
	return true;
}

/*
 * The entry bit whose value alone says whether a leaf grants an
 * unprivileged read (VT-d R, ARM S2AP[0], AMD IR), read off the lut the
 * decoder filled: a key bit that comes from exactly one window and
 * equals the read right for every key.  0 if there is none.
 */
static uint64_t pt_fast_rd_bit(const struct pt_fast *f)
{
	unsigned int j;

	for (j = 0; j < 8; j++) {
		bool a = (f->key_ma >> j) & 1, b = (f->key_mb >> j) & 1;

		if (a != b && pt_fast_rd_is(f, j))
			return PT_BIT(a ? f->key_sa + j : f->key_sb + j);
	}
	return 0;
}

/* The table-fetch patterns of each level (struct pt_fast_level). */
static void pt_fast_tf(struct pt_fast *f)
{
	uint64_t rd = pt_fast_rd_bit(f);
	unsigned int l;

	f->rd_bit = rd;
	for (l = 0; l <= f->top; l++) {
		struct pt_fast_level *lv = &f->lv[l];
		uint64_t never = pt_fast_never(lv->leaf_mask);
		uint64_t m = lv->leaf_mask | rd;

		lv->tf_mask = m;
		lv->tf_val = rd && lv->leaf_val != never ? lv->leaf_val | rd
							: pt_fast_never(m);
	}
}

bool pt_fast_4x9(const struct pt_fast *f)
{
	unsigned int l;

	if (!f->ok || f->top != 3 || f->idx_mask != 511 ||
	    !(f->lv[0].tbl_val & ~f->lv[0].tbl_mask))
		return false;
	for (l = 0; l <= 3; l++)
		if (f->lv[l].shift != 12 + 9 * l)
			return false;
	return true;
}

int pt_fast_init(struct pt_fast *f, const struct pt_geom *g, uint64_t root)
{
	uint64_t above = g->oa_limit ? ~(g->oa_limit - 1) : 0;
	unsigned int l;

	memset(f, 0, sizeof(*f));
	if (!g->fmt || !g->fmt->fast_init || (g->flags & PT_CFG_HW_AD) ||
	    !(g->tbl_perm & PT_PERM_U) || (root & above))
		return -EOPNOTSUPP;
	f->top = g->top;
	f->sext = g->sign_extend ? (uint8_t)(64 - g->ias) : 0;
	f->gran_lg2 = g->gran_lg2;
	f->idx_mask = (1u << g->bits) - 1;
	f->top_bytes = pt_nent(g, g->top) * 8;
	f->root = root;
	f->va_mask = g->va_mask;
	f->addr_mask = g->addr_mask;
	for (l = 0; l <= g->top; l++) {
		struct pt_fast_level *lv = &f->lv[l];

		lv->tbl_mask = g->tbl_mask[l];
		lv->tbl_val = g->tbl_val[l];
		lv->shift = g->shift[l];
		lv->emask = l == g->top ? 0xffff : pt_fast_emask(g->tbl_perm);
		lv->leaf_mask = 0;
		lv->leaf_val = 1;
		lv->alt_val = 0;
		lv->alt_lg2 = 0;
	}
	g->fmt->fast_init(g, f);
	for (l = 0; l <= g->top; l++) {
		struct pt_fast_level *lv = &f->lv[l];
		uint64_t m = lv->leaf_mask | (g->addr_mask & above);
		bool leaf = !(lv->leaf_val & ~lv->leaf_mask);

		/* No OA bit at or above oas: a unit reaching past it is an
		 * address-size fault, whatever its address bits say. */
		if (!leaf || (pt_log2_mask(lv->shift) & above))
			lv->leaf_val = pt_fast_never(m);
		if (!leaf || !lv->alt_lg2 ||
		    (pt_log2_mask(lv->alt_lg2) & above))
			lv->alt_val = pt_fast_never(m);
		lv->leaf_mask = m;
		lv->off_mask = pt_log2_mask(lv->shift);
		lv->alt_off = pt_log2_mask(lv->alt_lg2);
	}
	pt_fast_lut(f, g);
	pt_fast_tf(f);
	f->ok = true;
	f->keys = (uint8_t)(pt_fast_keys(f) |
			    (pt_fast_4x9(f) ? PT_FAST_KEYS_4X9 : 0));
	return 0;
}

bool pt_fast_nested_ok(const struct pt_fast *s1, const struct pt_fast *s2)
{
	uint64_t gran = PT_BIT(s1->gran_lg2);

	return s1->ok && s2->ok && s1->gran_lg2 <= s2->gran_lg2 &&
	       !(s1->root & (gran - 1)) && s1->top_bytes <= gran;
}

/*
 * A stage-1 table IPA -> its host address, by the stage-2 walk a table
 * read makes (an unprivileged read).  No size check: pt_fast_nested_ok()
 * puts every stage-1 table inside one stage-2 leaf.  @u2: the stage-2
 * plan is pt_fast_4x9()'s (the unrolled descent).  A leaf is taken by its
 * table-fetch pattern (one mask test, no rights lookup: what a fetch
 * needs is only the read right, which rd_bit decides); an entry that does
 * not match gets the full leaf test, which declines or agrees.
 */
static inline __attribute__((always_inline)) bool
pt_fast_table(const struct pt_fast *s2, uint64_t ipa, const uint64_t **tp,
	      unsigned int *reads, bool u2, unsigned int ksa,
	      unsigned int kma, unsigned int ksb, unsigned int kmb)
{
	const uint64_t *root = (const uint64_t *)(uintptr_t)s2->root;
	const struct pt_fast_level *lv;
	unsigned int level, lg2, prot;
	uint64_t va, pte, off, hva;

	if (!pt_fast_va(s2, ipa, &va))
		return false;
	pte = u2 ? pt_fast_descend4(s2, va, root, &level)
		 : pt_fast_descend(s2, va, root, &level);
	lv = &s2->lv[level];
	if (__builtin_expect((pte & lv->tf_mask) == lv->tf_val, 1)) {
		off = lv->off_mask;
		hva = (pte & s2->addr_mask & ~off) | (va & off);
	} else if (!pt_fast_leaf_k(s2, lv, pte, va, PT_ACCESS_READ, &hva,
				   &lg2, &prot, ksa, kma, ksb, kmb)) {
		return false;
	}
	*reads += (u2 ? 3 : s2->top) - level + 1;
	*tp = (const uint64_t *)(uintptr_t)hva;
	return true;
}

/* The next stage-1 entry: table @pte's entry for @va at level @l. */
static inline __attribute__((always_inline)) bool
pt_fast_s1_next(const struct pt_fast *s1, const struct pt_fast *s2,
		uint64_t *pte, uint64_t idx, unsigned int *reads, bool u2,
		unsigned int ksa, unsigned int kma, unsigned int ksb,
		unsigned int kmb)
{
	const uint64_t *tp;

	if (!pt_fast_table(s2, *pte & s1->addr_mask, &tp, reads, u2, ksa, kma,
			   ksb, kmb))
		return false;
	*pte = __atomic_load_n(tp + idx, __ATOMIC_RELAXED);
	return true;
}

/*
 * The 2-D walk with the stage-2 key windows as constants (ksa..kmb), so
 * the five inlined stage-2 walks keep fewer values in registers; @u1 and
 * @u2: the stage-1 and stage-2 plans are pt_fast_4x9()'s, so their
 * descents are unrolled (pt_fast_descend4() for stage 2, the same shape
 * here for stage 1: the same entries read in the same order).
 */
static inline __attribute__((always_inline)) int
pt_fast_nested_tmpl(const struct pt_fast *s1, const struct pt_fast *s2,
		    uint64_t iova, unsigned int access,
		    struct pt_nested_result *res, bool u1, bool u2,
		    unsigned int ksa, unsigned int kma, unsigned int ksb,
		    unsigned int kmb)
{
	unsigned int l = s1->top, reads = 0, idx, level;
	const uint64_t *tp;
	uint64_t va, va2, pte;

	if (!pt_fast_access_ok(access) || !pt_fast_va(s1, iova, &va))
		return -EAGAIN;
	/* Stage 1 from its root, each table through stage 2 first. */
	if (u1)
		l = 3;
	idx = (unsigned int)(va >> (u1 ? 39 : s1->lv[l].shift));
	if (!pt_fast_table(s2, s1->root, &tp, &reads, u2, ksa, kma, ksb, kmb))
		return -EAGAIN;
	pte = __atomic_load_n(tp + idx, __ATOMIC_RELAXED);
	if (u1) {
		/* pt_fast_4x9(): level 0 holds no table entries. */
		if ((pte & s1->lv[3].tbl_mask) == s1->lv[3].tbl_val) {
			if (!pt_fast_s1_next(s1, s2, &pte, (va >> 30) & 511,
					     &reads, u2, ksa, kma, ksb, kmb))
				return -EAGAIN;
			l = 2;
			if ((pte & s1->lv[2].tbl_mask) == s1->lv[2].tbl_val) {
				if (!pt_fast_s1_next(s1, s2, &pte,
						     (va >> 21) & 511, &reads,
						     u2, ksa, kma, ksb, kmb))
					return -EAGAIN;
				l = 1;
				if ((pte & s1->lv[1].tbl_mask) ==
				    s1->lv[1].tbl_val) {
					if (!pt_fast_s1_next(s1, s2, &pte,
							     (va >> 12) & 511,
							     &reads, u2, ksa,
							     kma, ksb, kmb))
						return -EAGAIN;
					l = 0;
				}
			}
		}
	} else {
		while ((pte & s1->lv[l].tbl_mask) == s1->lv[l].tbl_val) {
			l--;
			if (!pt_fast_s1_next(s1, s2, &pte,
					     (va >> s1->lv[l].shift) &
						     s1->idx_mask,
					     &reads, u2, ksa, kma, ksb, kmb))
				return -EAGAIN;
		}
	}
	if (!pt_fast_leaf(s1, &s1->lv[l], pte, va, access, &res->s1.oa,
			  &res->s1.leaf_lg2, &res->s1.prot))
		return -EAGAIN;
	res->s1.reads = (u1 ? 3 : s1->top) - l + 1;
	/* The output IPA, for the request itself. */
	if (!pt_fast_va(s2, res->s1.oa, &va2))
		return -EAGAIN;
	if (!pt_fast_core_k(s2, u2, va2, access,
			    (const uint64_t *)(uintptr_t)s2->root,
			    &res->s2.oa, &res->s2.leaf_lg2, &res->s2.prot,
			    &level, ksa, kma, ksb, kmb))
		return -EAGAIN;
	res->s2.reads = (u2 ? 3 : s2->top) - level + 1;
	res->reads = reads + res->s1.reads + res->s2.reads;
	return 0;
}

typedef int pt_fast_nested_fn(const struct pt_fast *s1,
			      const struct pt_fast *s2, uint64_t iova,
			      unsigned int access,
			      struct pt_nested_result *res);

#define PT_FAST_NESTED(name, u1, u2, ksa, kma, ksb, kmb)                     \
	static int name(const struct pt_fast *s1, const struct pt_fast *s2,  \
			uint64_t iova, unsigned int access,                  \
			struct pt_nested_result *res)                        \
	{                                                                    \
		return pt_fast_nested_tmpl(s1, s2, iova, access, res, u1,    \
					   u2, ksa, kma, ksb, kmb);          \
	}

/* The stage-2 formats' key windows (PT_FAST_KEYS_*, matched against the
 * plan by pt_fast_init); the generic instances read them from the plan.
 * Per window set: neither descent unrolled, stage 2's, both. */
#define PT_FAST_NESTED_KEYS(name, u1, u2, keys)                              \
	PT_FAST_NESTED(name, u1, u2, keys)
#define PT_FAST_NESTED_ANY(name, u1, u2)                                     \
	PT_FAST_NESTED(name, u1, u2, s2->key_sa, s2->key_ma, s2->key_sb,     \
		       s2->key_mb)
#define PT_FAST_NESTED_ALL(sfx, u1, u2)                                      \
	PT_FAST_NESTED_ANY(pt_fast_nested_any##sfx, u1, u2)                  \
	PT_FAST_NESTED_KEYS(pt_fast_nested_vtd_ss##sfx, u1, u2,              \
			    PT_FAST_KEYS_VTD_SS)                             \
	PT_FAST_NESTED_KEYS(pt_fast_nested_arm##sfx, u1, u2,                 \
			    PT_FAST_KEYS_ARM)                                \
	PT_FAST_NESTED_KEYS(pt_fast_nested_amd_v1##sfx, u1, u2,              \
			    PT_FAST_KEYS_AMD_V1)
PT_FAST_NESTED_ALL(, false, false)
PT_FAST_NESTED_ALL(_u2, false, true)
PT_FAST_NESTED_ALL(_u12, true, true)

/* [unrolled descents: 0 none, 1 stage 2, 2 both][pt_fast.keys & 3] */
static pt_fast_nested_fn *const pt_fast_nested_fns[3][4] = {
	{ pt_fast_nested_any, pt_fast_nested_vtd_ss, pt_fast_nested_arm,
	  pt_fast_nested_amd_v1 },
	{ pt_fast_nested_any_u2, pt_fast_nested_vtd_ss_u2,
	  pt_fast_nested_arm_u2, pt_fast_nested_amd_v1_u2 },
	{ pt_fast_nested_any_u12, pt_fast_nested_vtd_ss_u12,
	  pt_fast_nested_arm_u12, pt_fast_nested_amd_v1_u12 },
};

int pt_fast_walk_nested(const struct pt_fast *s1, const struct pt_fast *s2,
			uint64_t iova, unsigned int access,
			struct pt_nested_result *res)
{
	unsigned int u = 0;

	if (s2->keys & PT_FAST_KEYS_4X9)
		u = (s1->keys & PT_FAST_KEYS_4X9) ? 2 : 1;
	return pt_fast_nested_fns[u][s2->keys & 3](s1, s2, iova, access,
						    res);
}
