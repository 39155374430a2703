// SPDX-License-Identifier: MIT
/*
 * The translation engine: instance life cycle, the per-(rid, PASID)
 * configuration store, translation (IOTLB hit path, single-stage and
 * nested walks, IOTLB fill), fault records and the fault queue.
 *
 * Nested walks read stage-1 tables through a struct pt_mem whose fetch
 * translates each table address through stage 2 (nested TLB first), so a
 * 4-level-by-4-level walk without caches loads (4 + 1) * (4 + 1) - 1 = 24
 * entries: 4 stage-1 entries, 4 stage-2 walks of 4 for the tables, and a
 * last stage-2 walk for the output.  Hits are cached as one combined entry
 * (size = the smaller leaf, rights intersected) in the stage-1 space.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw_priv.h"

#define HW_FQ_DEFAULT_LG2 8
#define HW_MAMV_DEFAULT 18
#define HW_ACCESS_ALL (PT_ACCESS_READ | PT_ACCESS_WRITE | PT_ACCESS_EXEC | \
		       PT_ACCESS_PRIV)

static hw_nc_fn hw_translate_nc_full, hw_translate_nc_nested,
	hw_translate_nc_any, hw_translate_nc_vtd_ss, hw_translate_nc_arm,
	hw_translate_nc_amd_v1, hw_translate_nc4_any, hw_translate_nc4_vtd_ss,
	hw_translate_nc4_arm, hw_translate_nc4_amd_v1;

/* No fast walk: what m->nc_cfg points at when empty (hw_gen_bump). */
const struct hw_cfg hw_cfg_none = { .fast_kind = HW_FAST_NONE,
				    .nc_fn = hw_translate_nc_full };

/* ---- instance ---- */

static int hw_caps_check(const struct hw_caps *c)
{
	if (c->iotlb_sets_lg2 && (c->iotlb_sets_lg2 < HW_SETS_MIN_LG2 ||
				  c->iotlb_sets_lg2 > HW_SETS_MAX_LG2))
		return -EINVAL;
	if (c->fault_queue_lg2 > 16 || c->vtd_mamv > 52)
		return -EINVAL;
	if (c->flags & ~(HW_CAP_NO_CACHE | HW_CAP_SMMU_RIL))
		return -EINVAL;
	return 0;
}

/* What the hit path reads of the instance, but need[], is one line. */
_Static_assert(offsetof(struct hw_iommu, st.hits) + sizeof(uint64_t) <= 64,
	       "m->cur, m->gen and m->st.hits share the first line");
/* The caches-off entry reads and writes one line of the instance. */
_Static_assert(offsetof(struct hw_iommu, st.misses) >= 64 &&
	       offsetof(struct hw_iommu, nc_cfg) + sizeof(void *) <= 128,
	       "m->nc_*, m->st.misses and m->st.table_reads share a line");

int hw_create(enum hw_model model, const struct hw_caps *caps,
	      struct hw_iommu **out)
{
	static const struct hw_caps defaults;
	const struct hw_caps *c = caps ? caps : &defaults;
	struct hw_iommu *m;
	unsigned int fq_lg2, i;
	int rc;

	if (model < HW_MODEL_VTD || model > HW_MODEL_AMD)
		return -EINVAL;
	rc = hw_caps_check(c);
	if (rc)
		return rc;
	/* Aligned for the stream lines, one cache line each. */
	m = aligned_alloc(64, sizeof(*m));
	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	for (i = 0; i < 1u << HW_STREAMS_LG2; i++) {
		m->streams[i].tag = HW_STREAM_NONE;
		m->runs[i].tag = HW_STREAM_NONE;
	}
	hw_gen_bump(m);			/* m->cur empty */
	for (i = 0; i < 16; i++)
		m->need[i] = hw_access_ok(i) ? hw_need(i) | HW_E_PRIV
					     : HW_E_VALID;
	m->model = model;
	m->flags = c->flags;
	m->nocache = c->flags & HW_CAP_NO_CACHE;
	m->mamv = c->vtd_mamv ? c->vtd_mamv : HW_MAMV_DEFAULT;
	m->sets_lg2 = c->iotlb_sets_lg2 ? c->iotlb_sets_lg2 : HW_SETS_MIN_LG2;
	fq_lg2 = c->fault_queue_lg2 ? c->fault_queue_lg2 : HW_FQ_DEFAULT_LG2;
	m->fq_mask = (1u << fq_lg2) - 1;
	m->fq = calloc(m->fq_mask + 1, sizeof(*m->fq));
	m->devs = calloc(HW_RID_MAX + 1, sizeof(*m->devs));
	rc = (m->fq && m->devs) ? hw_tlb_init(m) : -ENOMEM;
	if (rc) {
		hw_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
}

static void hw_dev_free(struct hw_dev *d)
{
	unsigned int i, j;

	free(d->nopasid);
	if (d->pdir) {
		for (i = 0; i < HW_PDIR_SIZE; i++) {
			if (!d->pdir[i])
				continue;
			for (j = 0; j < HW_PDIR_SIZE; j++)
				free(d->pdir[i][j]);
			free(d->pdir[i]);
		}
		free(d->pdir);
	}
}

void hw_destroy(struct hw_iommu *m)
{
	unsigned int rid;

	if (!m)
		return;
	/* A later instance at this address must not match a hint. */
	if (m->hint_armed)
		hw_hint_drop(m);
	if (m->devs)
		for (rid = 0; rid <= HW_RID_MAX; rid++)
			hw_dev_free(&m->devs[rid]);
	free(m->devs);
	free(m->fq);
	hw_tlb_fini(m);
	free(m);
}

enum hw_model hw_model_of(const struct hw_iommu *m)
{
	return m->model;
}

/* ---- configuration ---- */

static bool hw_ids_ok(uint32_t rid, uint32_t pasid)
{
	return rid <= HW_RID_MAX &&
	       (pasid == HW_PASID_NONE || pasid <= HW_PASID_MAX);
}

/* The formats each model's stages use. */
static bool hw_fmt_ok(enum hw_model model, unsigned int stage,
		      const struct pt_geom *g)
{
	static const enum pt_format fmts[][2] = {
		[HW_MODEL_VTD] = { PT_FMT_VTD_FS, PT_FMT_VTD_SS },
		[HW_MODEL_SMMUV3] = { PT_FMT_ARM_S1, PT_FMT_ARM_S2 },
		[HW_MODEL_AMD] = { PT_FMT_VTD_FS, PT_FMT_AMD_V1 },
	};

	return g->fmt && g->format == fmts[model][stage - 1];
}

static int hw_config_check(const struct hw_iommu *m,
			   const struct hw_config *c)
{
	bool s1 = c->mode == HW_MODE_S1 || c->mode == HW_MODE_NESTED;
	bool s2 = c->mode == HW_MODE_S2 || c->mode == HW_MODE_NESTED;

	if (c->mode < HW_MODE_BLOCKED || c->mode > HW_MODE_NESTED)
		return -EINVAL;
	if (c->s1.tag > 0xffff || c->s2.tag > 0xffff)
		return -EINVAL;
	if (s1 && !hw_fmt_ok(m->model, 1, &c->s1.geom))
		return -EINVAL;
	if (s2 && !hw_fmt_ok(m->model, 2, &c->s2.geom))
		return -EINVAL;
	if (c->mode != HW_MODE_NESTED)
		return 0;
	/* A stage-1 table must sit inside one stage-2 page. */
	if (c->s1.geom.gran_lg2 > c->s2.geom.gran_lg2)
		return -EINVAL;
	/* VT-d PASID entries and AMD DTEs carry one domain id. */
	if (m->model != HW_MODEL_SMMUV3 && c->s1.tag != c->s2.tag)
		return -EINVAL;
	return 0;
}

/*
 * The IOTLB tags of a configuration.  Stage 1: VT-d (DID, PASID), SMMU
 * (VMID, ASID), AMD (DomainID, PASID).  Stage 2: the DID / VMID /
 * DomainID alone.
 */
static int hw_cfg_bind(struct hw_iommu *m, struct hw_cfg *h, uint32_t pasid)
{
	uint32_t dom1 = h->s1.tag, sub1 = pasid;

	if (m->model == HW_MODEL_SMMUV3) {
		dom1 = h->s2.tag;
		sub1 = h->s1.tag;
	}
	switch (h->mode) {
	case HW_MODE_S1:
		h->space = hw_space_get(m, 1, dom1, sub1);
		return h->space ? 0 : -ENOSPC;
	case HW_MODE_S2:
		h->space = hw_space_get(m, 2, h->s2.tag, 0);
		return h->space ? 0 : -ENOSPC;
	case HW_MODE_NESTED:
		h->space = hw_space_get(m, 1, dom1, sub1);
		h->s2space = hw_space_get(m, 2, h->s2.tag, 0);
		if (!h->space || !h->s2space)
			return -ENOSPC;
		h->space->nested = true;
		return 0;
	default:
		return 0;
	}
}

static void hw_cfg_free(struct hw_iommu *m, struct hw_cfg *h)
{
	if (!h)
		return;
	hw_space_put(m, h->space);
	hw_space_put(m, h->s2space);
	free(h);
}

/* The slot holding the config of (rid, pasid), allocated on demand. */
static struct hw_cfg **hw_cfg_slot(struct hw_iommu *m, uint32_t rid,
				   uint32_t pasid, bool alloc)
{
	struct hw_dev *d = &m->devs[rid];
	unsigned int hi = pasid >> HW_PDIR_SHIFT;

	if (pasid == HW_PASID_NONE)
		return &d->nopasid;
	if (!d->pdir) {
		if (!alloc)
			return NULL;
		d->pdir = calloc(HW_PDIR_SIZE, sizeof(*d->pdir));
		if (!d->pdir)
			return NULL;
	}
	if (!d->pdir[hi]) {
		if (!alloc)
			return NULL;
		d->pdir[hi] = calloc(HW_PDIR_SIZE, sizeof(**d->pdir));
		if (!d->pdir[hi])
			return NULL;
	}
	return &d->pdir[hi][pasid & (HW_PDIR_SIZE - 1)];
}

/*
 * Key windows (key = (e >> sa & ma) | (e >> sb & mb), struct pt_fast) the
 * caches-off entry has an instance for, with them as constants.  An
 * instance serves a plan only if all four fields are equal, so this
 * table can only ever cost speed, never exactness.
 */
#define HW_NC_KEYS_VTD_SS 0, 0x7, 8, 0x8
#define HW_NC_KEYS_ARM 2, 0x3f, 47, 0xc0
#define HW_NC_KEYS_AMD_V1 60, 0x7, 0, 0

static bool hw_nc_keys_are(const struct pt_fast *f, unsigned int sa,
			   unsigned int ma, unsigned int sb, unsigned int mb)
{
	return f->key_sa == sa && f->key_ma == ma && f->key_sb == sb &&
	       f->key_mb == mb;
}

/*
 * The caches-off entry of a single-stage plan @f.  The instances with
 * constant windows also assume no sign extension (the formats they are
 * for have none), so the input check is one mask test and va is iova.
 */
static hw_nc_fn *hw_nc_fn_of(const struct pt_fast *f)
{
	bool u = pt_fast_4x9(f);	/* the descent unrolled */

	if (f->sext)
		return u ? hw_translate_nc4_any : hw_translate_nc_any;
	if (hw_nc_keys_are(f, HW_NC_KEYS_VTD_SS))
		return u ? hw_translate_nc4_vtd_ss : hw_translate_nc_vtd_ss;
	if (hw_nc_keys_are(f, HW_NC_KEYS_ARM))
		return u ? hw_translate_nc4_arm : hw_translate_nc_arm;
	if (hw_nc_keys_are(f, HW_NC_KEYS_AMD_V1))
		return u ? hw_translate_nc4_amd_v1 : hw_translate_nc_amd_v1;
	return u ? hw_translate_nc4_any : hw_translate_nc_any;
}

/*
 * The fast walks of @h's misses (see hw_miss_lean): the single stage's,
 * or, without caches, the two-dimensional nested walk (with caches the
 * nested walk goes through the nested TLB, hw_walk_nested).
 */
static void hw_cfg_fast(const struct hw_iommu *m, struct hw_cfg *h)
{
	h->fast_kind = HW_FAST_NONE;
	h->nc_fn = hw_translate_nc_full;
	if (h->single) {
		if (!pt_fast_init(&h->fast, &h->single->geom, h->single->root)) {
			h->fast_kind = HW_FAST_SINGLE;
			h->nc_fn = hw_nc_fn_of(&h->fast);
		}
	} else if (h->mode == HW_MODE_NESTED && m->nocache) {
		pt_fast_init(&h->fast, &h->s1.geom, h->s1.root);
		pt_fast_init(&h->fast_s2, &h->s2.geom, h->s2.root);
		if (pt_fast_nested_ok(&h->fast, &h->fast_s2)) {
			h->fast_kind = HW_FAST_NESTED;
			h->nc_fn = hw_translate_nc_nested;
		}
	}
}

int hw_config_set(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		  const struct hw_config *cfg)
{
	struct hw_cfg *h, **slot;
	int rc;

	if (!hw_ids_ok(rid, pasid))
		return -EINVAL;
	rc = hw_config_check(m, cfg);
	if (rc)
		return rc;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->mode = cfg->mode;
	h->s1 = cfg->s1;
	h->s2 = cfg->s2;
	if (h->mode == HW_MODE_S1)
		h->single = &h->s1;
	else if (h->mode == HW_MODE_S2)
		h->single = &h->s2;
	hw_cfg_fast(m, h);
	rc = hw_cfg_bind(m, h, pasid);
	slot = rc ? NULL : hw_cfg_slot(m, rid, pasid, true);
	if (!slot) {
		hw_cfg_free(m, h);
		return rc ? rc : -ENOMEM;
	}
	hw_cfg_free(m, *slot);
	*slot = h;
	hw_gen_bump(m);
	return 0;
}

int hw_config_clear(struct hw_iommu *m, uint32_t rid, uint32_t pasid)
{
	struct hw_cfg **slot;

	if (!hw_ids_ok(rid, pasid))
		return -EINVAL;
	slot = hw_cfg_slot(m, rid, pasid, false);
	if (!slot || !*slot)
		return -ENOENT;
	hw_cfg_free(m, *slot);
	*slot = NULL;
	hw_gen_bump(m);
	return 0;
}

/* ---- faults ---- */

static void hw_fault_queue(struct hw_iommu *m, const struct hw_fault *f)
{
	m->st.faults++;
	if (m->fq_tail - m->fq_head > m->fq_mask) {
		/* Full: drop the record and say so (VT-d PFO, SMMU EVTQ
		 * overflow, AMD EventOverflow). */
		m->fq_overflow = true;
		m->st.faults_dropped++;
		return;
	}
	m->fq[m->fq_tail++ & m->fq_mask] = *f;
}

int hw_fault_pop(struct hw_iommu *m, struct hw_fault *out)
{
	if (m->fq_head == m->fq_tail)
		return -ENOENT;
	*out = m->fq[m->fq_head++ & m->fq_mask];
	return 0;
}

unsigned int hw_fault_pending(const struct hw_iommu *m)
{
	return m->fq_tail - m->fq_head;
}

bool hw_fault_overflow(const struct hw_iommu *m)
{
	return m->fq_overflow;
}

void hw_fault_clear_overflow(struct hw_iommu *m)
{
	m->fq_overflow = false;
}

void hw_get_stats(const struct hw_iommu *m, struct hw_stats *st)
{
	*st = m->st;
}

void hw_reset_stats(struct hw_iommu *m)
{
	memset(&m->st, 0, sizeof(m->st));
}

static enum hw_fault_reason hw_reason_of(enum pt_fault f)
{
	switch (f) {
	case PT_FAULT_PERMISSION:
		return HW_FAULT_PERMISSION;
	case PT_FAULT_ADDRESS_SIZE:
		return HW_FAULT_ADDRESS_SIZE;
	case PT_FAULT_ACCESS_FLAG:
		return HW_FAULT_ACCESS_FLAG;
	case PT_FAULT_NON_CANONICAL:
		return HW_FAULT_NON_CANONICAL;
	case PT_FAULT_RESERVED:
		return HW_FAULT_RESERVED;
	default:
		return HW_FAULT_NOT_PRESENT;
	}
}

/* Fills @f from a failed walk of @stage. */
static void hw_fault_from_walk(struct hw_fault *f, unsigned int stage,
			       const struct pt_walk_result *res)
{
	f->stage = (uint8_t)stage;
	f->reason = (uint8_t)hw_reason_of(res->fault);
	f->level = (uint8_t)res->fault_level;
	f->denied = res->fault == PT_FAULT_PERMISSION ? res->fault_access : 0;
}

/* ---- walks ---- */

/*
 * Rights a walk result lets the IOTLB cache.  With hardware A/D updates a
 * write must reach the table to set D, so W is cached only from a write.
 */
static uint64_t hw_walk_flags(const struct pt_geom *g, unsigned int prot,
			      unsigned int access)
{
	uint64_t fl = prot & (HW_E_R | HW_E_W | HW_E_X);

	if ((g->flags & PT_CFG_HW_AD) && !(access & PT_ACCESS_WRITE))
		fl &= ~(uint64_t)HW_E_W;
	if (access & PT_ACCESS_PRIV)
		fl |= HW_E_PRIV;
	return fl;
}

/* A translation in progress: the unit found and the fault, if any. */
struct hw_walk {
	struct pt_mem mem;		/* nested: stage-1 table reads */
	struct hw_iommu *m;
	const struct hw_cfg *h;
	uint64_t out;			/* unit HVA | rights */
	unsigned int lg2;
	struct hw_fault f;
};

/*
 * One stage on its own (identity table memory), through space @sp.  On
 * success w->out/lg2 describe the unit; on a fault w->f has the stage
 * details.
 */
static int hw_walk_stage(struct hw_walk *w, const struct hw_stage *st,
			 unsigned int stage, struct hw_space *sp,
			 uint64_t addr, unsigned int access)
{
	struct hw_iommu *m = w->m;
	struct pt_lean_result lean;
	struct pt_walk_result res;
	uint64_t out;
	int rc;

	if (!m->nocache) {
		out = hw_tlb_probe(m, sp, addr, &w->lg2);
		if (out && hw_out_ok(out, access)) {
			m->st.hits++;
			w->out = out;
			return 0;
		}
	}
	m->st.misses++;
	/* The lean walker for the common case; pt_walk() for the rest.  A
	 * single-stage config got here because hw_miss_lean() declined. */
	if (!w->h->single &&
	    !pt_walk_lean(&st->geom, st->root, NULL, addr, access, &lean)) {
		m->st.table_reads += lean.reads;
		w->lg2 = lean.leaf_lg2;
		w->out = (lean.oa & ~hw_mask(lean.leaf_lg2)) |
			 hw_walk_flags(&st->geom, lean.prot, access);
	} else {
		rc = pt_walk(&st->geom, st->root, NULL, addr, access, &res);
		m->st.table_reads += res.reads;
		if (rc) {
			hw_fault_from_walk(&w->f, stage, &res);
			return -EFAULT;
		}
		w->lg2 = res.leaf_lg2;
		w->out = (res.oa & ~hw_mask(res.leaf_lg2)) |
			 hw_walk_flags(&st->geom, res.prot, access);
	}
	if (!m->nocache)
		hw_tlb_fill(m, sp, addr, w->lg2, w->out);
	return 0;
}

/* pt_mem fetch for a nested stage 1: table IPA -> HVA through stage 2. */
static uint64_t *hw_nested_fetch(const struct pt_mem *mem, uint64_t ipa,
				 size_t size)
{
	struct hw_walk *w = mem->opaque;
	struct hw_iommu *m = w->m;
	struct pt_lean_result r;
	uint64_t off;

	/* Caches off: the lean walk straight to the table's address (the
	 * unit state hw_walk_stage keeps is not needed for a fetch). */
	if (m->nocache && !pt_walk_lean(&w->h->s2.geom, w->h->s2.root, NULL,
					ipa, PT_ACCESS_READ, &r) &&
	    (ipa & hw_mask(r.leaf_lg2)) + size <= (1ULL << r.leaf_lg2)) {
		m->st.misses++;
		m->st.table_reads += r.reads;
		return (uint64_t *)(uintptr_t)r.oa;
	}
	if (hw_walk_stage(w, &w->h->s2, 2, w->h->s2space, ipa,
			  PT_ACCESS_READ)) {
		w->f.fetch = true;
		w->f.ipa = ipa;
		return NULL;
	}
	off = ipa & hw_mask(w->lg2);
	if (off + size > (1ULL << w->lg2)) {
		/* Cannot happen with s1 granule <= s2 granule; be safe. */
		w->f.stage = 2;
		w->f.reason = HW_FAULT_ADDRESS_SIZE;
		w->f.fetch = true;
		w->f.ipa = ipa;
		return NULL;
	}
	return (uint64_t *)(uintptr_t)((w->out & ~hw_mask(w->lg2)) + off);
}

/*
 * The stage-1 walk of a nested translation, table reads through stage 2:
 * the lean walker first.  If it declines, the counters go back to where
 * they were and pt_walk() walks again for the exact outcome (stage-2
 * units the lean attempt filled are valid translations, so its re-fetches
 * may hit them).  On success *@oa, *@lg2 and *@fl describe the stage-1
 * unit.
 */
static int hw_walk_s1_nested(struct hw_walk *w, uint64_t iova,
			     unsigned int access, uint64_t *oa,
			     unsigned int *lg2, uint64_t *fl)
{
	const struct hw_cfg *h = w->h;
	struct hw_stats *st = &w->m->st;
	uint64_t hits = st->hits, misses = st->misses;
	uint64_t reads = st->table_reads;
	struct pt_lean_result lean;
	struct pt_walk_result r1;
	int rc;

	st->misses++;
	if (!pt_walk_lean(&h->s1.geom, h->s1.root, &w->mem, iova, access,
			  &lean)) {
		st->table_reads += lean.reads;
		*oa = lean.oa;
		*lg2 = lean.leaf_lg2;
		*fl = hw_walk_flags(&h->s1.geom, lean.prot, access);
		return 0;
	}
	st->hits = hits;
	st->misses = misses + 1;
	st->table_reads = reads;
	memset(&w->f, 0, sizeof(w->f));
	rc = pt_walk(&h->s1.geom, h->s1.root, &w->mem, iova, access, &r1);
	st->table_reads += r1.reads;
	if (rc) {
		if (!(r1.fault == PT_FAULT_FETCH && w->f.fetch))
			hw_fault_from_walk(&w->f, 1, &r1);
		return -EFAULT;
	}
	*oa = r1.oa;
	*lg2 = r1.leaf_lg2;
	*fl = hw_walk_flags(&h->s1.geom, r1.prot, access);
	return 0;
}

static int hw_walk_nested(struct hw_walk *w, uint64_t iova,
			  unsigned int access)
{
	const struct hw_cfg *h = w->h;
	unsigned int lg1, lg2;
	uint64_t oa1, fl;

	w->mem.fetch = hw_nested_fetch;
	w->mem.opaque = w;
	if (hw_walk_s1_nested(w, iova, access, &oa1, &lg1, &fl))
		return -EFAULT;
	if (hw_walk_stage(w, &h->s2, 2, h->s2space, oa1, access)) {
		w->f.ipa = oa1;
		return -EFAULT;
	}
	/* Combined unit: the smaller leaf, rights of both stages. */
	lg2 = lg1 < w->lg2 ? lg1 : w->lg2;
	fl &= w->out & (HW_E_R | HW_E_W | HW_E_X);
	fl |= w->out & HW_E_PRIV;
	w->out = ((w->out & ~hw_mask(w->lg2)) |
		  (oa1 & hw_mask(w->lg2) & ~hw_mask(lg2))) | fl;
	w->lg2 = lg2;
	if (!w->m->nocache)
		hw_tlb_fill(w->m, h->space, iova, lg2, w->out);
	return 0;
}

/* Everything but an IOTLB hit on the final space. */
static int hw_xlate_slow(struct hw_walk *w, uint64_t iova,
			 unsigned int access)
{
	const struct hw_cfg *h = w->h;

	if (!h) {
		w->f.reason = HW_FAULT_NO_CONFIG;
		return -EFAULT;
	}
	switch (h->mode) {
	case HW_MODE_IDENTITY:
		w->out = (iova & ~hw_mask(12)) | hw_need(HW_E_R | HW_E_W |
							 HW_E_X);
		w->lg2 = 64;
		return 0;
	case HW_MODE_S1:
		return hw_walk_stage(w, &h->s1, 1, h->space, iova, access);
	case HW_MODE_S2:
		return hw_walk_stage(w, &h->s2, 2, h->space, iova, access);
	case HW_MODE_NESTED:
		return hw_walk_nested(w, iova, access);
	default:
		w->f.reason = HW_FAULT_BLOCKED;
		return -EFAULT;
	}
}

static void hw_set_xlate(struct hw_xlate *xl, uint64_t out, unsigned int lg2,
			 uint64_t iova)
{
	uint64_t off = iova & hw_mask(lg2);

	xl->hva = hw_out_hva(out, lg2, iova);
	xl->len = lg2 >= 64 ? (off ? -off : UINT64_MAX) :
			      (1ULL << lg2) - off;
	xl->perm = out & (HW_E_R | HW_E_W | HW_E_X);
}

/*
 * The nested walk without caches, when every walk of it is a fast one:
 * 24 entry loads for 4 x 4 levels in one pass (pt_fast_walk_nested), then
 * the counts hw_walk_nested() makes (a miss for the stage-1 walk, one per
 * stage-1 table fetched, one for the output) and its combined unit.
 */
static int hw_miss_nested(struct hw_iommu *m, const struct hw_cfg *h,
			  uint64_t iova, unsigned int access,
			  struct hw_xlate *xl)
{
	struct pt_nested_result r;
	unsigned int lg2;

	if (pt_fast_walk_nested(&h->fast, &h->fast_s2, iova, access, &r))
		return -EAGAIN;
	m->st.misses += r.s1.reads + 2;
	m->st.table_reads += r.reads;
	/* Combined unit: the smaller leaf, rights of both stages (a fast
	 * walk means no hardware A/D, so hw_walk_flags() is plain).  The
	 * output is iova's own address: r.s2.oa keeps r.s1.oa's offset in
	 * the stage-2 leaf, which keeps iova's in the stage-1 leaf, and
	 * lg2 is no larger than either leaf (and below 64). */
	lg2 = r.s1.leaf_lg2 < r.s2.leaf_lg2 ? r.s1.leaf_lg2 : r.s2.leaf_lg2;
	xl->hva = r.s2.oa;
	xl->len = -(iova | (~0ULL << lg2));
	xl->perm = r.s1.prot & r.s2.prot & (HW_E_R | HW_E_W | HW_E_X);
	return 0;
}

/*
 * A single-stage miss through the configuration's fast walk (the common
 * case, inlined into the callers): walk, count, fill, answer.  Locals
 * only, so the walk's results stay in registers.
 */
static inline __attribute__((always_inline)) int
hw_miss_fast(struct hw_iommu *m, const struct hw_cfg *h, uint64_t iova,
	     unsigned int access, struct hw_xlate *xl)
{
	const struct pt_fast *f = &h->fast;
	unsigned int lg2, prot, level;
	uint64_t va, oa, out;

	if (!pt_fast_access_ok(access) || !pt_fast_va(f, iova, &va) ||
	    !pt_fast_core(f, va, access, (const uint64_t *)(uintptr_t)f->root,
			  &oa, &lg2, &prot, &level))
		return -EAGAIN;
	m->st.misses++;
	m->st.table_reads += f->top - level + 1;
	/* hw_walk_flags() without its A/D case: a plan means no hardware
	 * A/D updates. */
	prot &= HW_E_R | HW_E_W | HW_E_X;
	out = (oa & ~hw_mask(lg2)) | prot | (access & HW_E_PRIV);
	if (!m->nocache)
		hw_tlb_fill(m, h->space, iova, lg2, out);
	xl->hva = oa;
	xl->len = (1ULL << lg2) - (iova & hw_mask(lg2));
	xl->perm = prot;
	return 0;
}

/*
 * A miss the fast walk declined or has no plan for: the nested walk
 * without caches (hw_miss_nested), else the lean walker of the single
 * stage (AMD NL=7 sizes).  -EAGAIN: anything else (identity, blocked, a
 * fault, an unusual table, nested with caches), for hw_xlate_full().
 */
static __attribute__((noinline)) int
hw_miss_other(struct hw_iommu *m, const struct hw_cfg *h, uint64_t iova,
	      unsigned int access, struct hw_xlate *xl)
{
	const struct hw_stage *st = h->single;
	struct pt_lean_result r;
	uint64_t out;

	if (h->fast_kind == HW_FAST_NESTED)
		return hw_miss_nested(m, h, iova, access, xl);
	/* After a declined fast walk the lean walker can only answer for
	 * AMD NL=7 sizes (the engine never probes): skip it otherwise. */
	if (h->fast_kind == HW_FAST_SINGLE &&
	    st->geom.format != PT_FMT_AMD_V1)
		return -EAGAIN;
	if (!st || pt_walk_lean(&st->geom, st->root, NULL, iova, access, &r))
		return -EAGAIN;
	m->st.misses++;
	m->st.table_reads += r.reads;
	out = (r.oa & ~hw_mask(r.leaf_lg2)) |
	      hw_walk_flags(&st->geom, r.prot, access);
	if (!m->nocache)
		hw_tlb_fill(m, h->space, iova, r.leaf_lg2, out);
	hw_set_xlate(xl, out, r.leaf_lg2, iova);
	return 0;
}

/*
 * A miss that a fast or lean walk can take, with none of hw_walk's state.
 * The IOTLB was probed already (a miss).  -EAGAIN: hw_xlate_full()'s.
 */
static inline __attribute__((always_inline)) int
hw_miss_lean(struct hw_iommu *m, const struct hw_cfg *h, uint64_t iova,
	     unsigned int access, struct hw_xlate *xl)
{
	if (__builtin_expect(h->fast_kind == HW_FAST_SINGLE, 1) &&
	    !hw_miss_fast(m, h, iova, access, xl))
		return 0;
	return hw_miss_other(m, h, iova, access, xl);
}

/* hw_xlate_miss() for everything hw_miss_lean() declines. */
static __attribute__((noinline)) int
hw_xlate_full(struct hw_iommu *m, const struct hw_cfg *h, uint32_t rid,
	      uint32_t pasid, uint64_t iova, unsigned int access,
	      struct hw_xlate *xl, struct hw_fault *fault, bool quiet)
{
	struct hw_walk w;

	memset(&w.f, 0, sizeof(w.f));
	w.m = m;
	w.h = h;
	if (!hw_xlate_slow(&w, iova, access)) {
		hw_set_xlate(xl, w.out, w.lg2, iova);
		return 0;
	}
	w.f.access = access;
	w.f.rid = rid;
	w.f.pasid = pasid;
	w.f.iova = iova;
	if (!quiet)
		hw_fault_queue(m, &w.f);
	if (fault)
		*fault = w.f;
	return -EFAULT;
}

int hw_xlate_miss(struct hw_iommu *m, const struct hw_cfg *h, uint32_t rid,
		  uint32_t pasid, uint64_t iova, unsigned int access,
		  struct hw_xlate *xl, struct hw_fault *fault, bool quiet)
{
	if (h && !hw_miss_lean(m, h, iova, access, xl))
		return 0;
	return hw_xlate_full(m, h, rid, pasid, iova, access, xl, fault,
			     quiet);
}

bool hw_args_ok(uint32_t rid, uint32_t pasid, unsigned int access)
{
	return hw_ids_ok(rid, pasid) && !(access & ~HW_ACCESS_ALL) &&
	       (access & (PT_ACCESS_READ | PT_ACCESS_WRITE | PT_ACCESS_EXEC));
}

/* The hit path's copy of stream line @s (valid: tag and gen match). */
static void hw_cur_set(struct hw_iommu *m, const struct hw_stream *s)
{
	unsigned int lg2 = s->key0 & 63;

	m->cur.tag = s->tag;
	m->cur.key0 = s->key0;
	m->cur.salt4 = s->salt << 4;
	m->cur.shift = lg2 - 4;
}

/* Loads the stream line of (rid, pasid), and m->cur, from its config. */
struct hw_stream *hw_stream_load(struct hw_iommu *m, uint32_t rid,
				 uint32_t pasid)
{
	struct hw_stream *s = hw_stream_of(m, rid, pasid);
	const struct hw_cfg *h = hw_cfg_find(m, rid, pasid);
	const struct hw_space *sp = h ? h->space : NULL;

	s->tag = hw_stream_tag(rid, pasid);
	if (!sp || !sp->sizes || m->nocache) {
		/* Nothing cached (yet): the line stays invalid, so a valid
		 * line always has a size class to probe. */
		s->gen = m->gen - 1;
		return s;
	}
	s->gen = m->gen;
	/* The smallest class is >= HW_UNIT_MIN_LG2 (hw_tlb_fill). */
	s->key0 = sp->key_hi | (unsigned int)__builtin_ctzll(sp->sizes);
	s->salt = sp->salt;
	hw_cur_set(m, s);
	return s;
}

/*
 * A request the hit path does not complete: argument errors, a miss in
 * the level-0 IOTLB (probe m->tlb, every size class), the walk.  On
 * success the stream line and m->cur are (re)loaded, after any fill so
 * they see its size class.
 */
static __attribute__((noinline)) int
hw_translate_full(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		  uint64_t iova, unsigned int access, struct hw_xlate *xl,
		  struct hw_fault *fault)
{
	const struct hw_cfg *h;
	int rc;

	if (!hw_args_ok(rid, pasid, access))
		return -EINVAL;
	h = hw_cfg_find(m, rid, pasid);
	if (h && h->space && !m->nocache) {
		unsigned int lg2 = 0;
		uint64_t out = hw_tlb_probe(m, h->space, iova, &lg2);

		if (hw_out_ok(out, access)) {
			m->st.hits++;
			hw_set_xlate(xl, out, lg2, iova);
			hw_l0_fill(m, h->space, iova, lg2, out);
			hw_stream_load(m, rid, pasid);
			return 0;
		}
	}
	rc = h ? hw_miss_lean(m, h, iova, access, xl) : -EAGAIN;
	if (rc)
		rc = hw_xlate_full(m, h, rid, pasid, iova, access, xl, fault,
				   false);
	if (!m->nocache) {
		hw_stream_load(m, rid, pasid);
	} else if (h && h->fast_kind != HW_FAST_NONE) {
		/* The ids are valid (hw_args_ok) and nothing moved m->gen
		 * since the lookup: no fills without caches. */
		m->nc_tag = hw_stream_tag(rid, pasid);
		m->nc_cfg = h;
	}
	return rc;
}

/* The rid and PASID of stream tag @tag (hw_stream_tag). */
static inline uint32_t hw_tag_rid(uint64_t tag)
{
	return (uint32_t)(tag >> 32);
}

static inline uint32_t hw_tag_pasid(uint64_t tag)
{
	return (uint32_t)tag;
}

/* hw_translate_full() for a request whose stream is m->nc_tag. */
static __attribute__((noinline)) int
hw_translate_nc_full(struct hw_iommu *m, const struct hw_cfg *h,
		     uint64_t iova, struct hw_fault *fault,
		     unsigned int access, struct hw_xlate *xl)
{
	return hw_translate_full(m, hw_tag_rid(m->nc_tag),
				 hw_tag_pasid(m->nc_tag), iova, access, xl,
				 fault);
}

/* The caches-off entry of a nested configuration (hw_miss_nested). */
static int hw_translate_nc_nested(struct hw_iommu *m, const struct hw_cfg *h,
				  uint64_t iova, struct hw_fault *fault,
				  unsigned int access, struct hw_xlate *xl)
{
	if (!hw_miss_nested(m, h, iova, access, xl))
		return 0;
	return hw_translate_nc_full(m, h, iova, fault, access, xl);
}

/*
 * The caches-off entry of a single-stage configuration @h, the request's
 * (the stream matched m->nc_tag, so its ids are valid and nothing
 * changed since it was loaded): the fast walk answers directly, counting
 * what hw_miss_fast() counts; anything it declines (a bad access, a
 * fault, an unusual entry) goes to the full path, which checks the
 * arguments and decides.  No call is made on the way to an answer, so
 * the walk has the caller-saved registers to itself.
 */
static inline __attribute__((always_inline)) int
hw_translate_nc_k(struct hw_iommu *m, const struct hw_cfg *h, uint64_t iova,
		  struct hw_fault *fault, unsigned int access,
		  struct hw_xlate *xl, bool unrolled, bool nosext,
		  unsigned int ksa, unsigned int kma, unsigned int ksb,
		  unsigned int kmb)
{
	const struct pt_fast *f = &h->fast;
	const uint64_t *root = (const uint64_t *)(uintptr_t)f->root;
	unsigned int lg2, prot, level;
	uint64_t va = iova, oa;

	/* pt_fast_va(), knowing f->sext is 0 when @nosext. */
	if (!pt_fast_access_ok(access) ||
	    (nosext ? (iova & ~f->va_mask) != 0 : !pt_fast_va(f, iova, &va)))
		return hw_translate_nc_full(m, h, iova, fault, access, xl);
	if (!pt_fast_core_k(f, unrolled, va, access, root, &oa, &lg2, &prot,
			    &level, ksa, kma, ksb, kmb))
		return hw_translate_nc_full(m, h, iova, fault, access, xl);
	m->st.misses++;
	/* Two scalar adds: gcc would otherwise pack both counters into
	 * one vector add, which takes more instructions. */
	__asm__("" ::: "memory");
	/* pt_fast_4x9(): top is 3. */
	m->st.table_reads += (unrolled ? 3 : f->top) - level + 1;
	xl->hva = oa;
	/* A leaf's lg2 is below 64. */
	xl->len = -(iova | (~0ULL << lg2));
	xl->perm = prot & (HW_E_R | HW_E_W | HW_E_X);
	return 0;
}

#define HW_TRANSLATE_NC(name, unrolled, nosext, ksa, kma, ksb, kmb)           \
	static int name(struct hw_iommu *m, const struct hw_cfg *h,           \
			uint64_t iova, struct hw_fault *fault,                \
			unsigned int access, struct hw_xlate *xl)             \
	{                                                                     \
		return hw_translate_nc_k(m, h, iova, fault, access, xl,       \
					 unrolled, nosext, ksa, kma, ksb,     \
					 kmb);                                \
	}
#define HW_TRANSLATE_NC_KEYS(name, u, keys) HW_TRANSLATE_NC(name, u, true, keys)
HW_TRANSLATE_NC_KEYS(hw_translate_nc_vtd_ss, false, HW_NC_KEYS_VTD_SS)
HW_TRANSLATE_NC_KEYS(hw_translate_nc_arm, false, HW_NC_KEYS_ARM)
HW_TRANSLATE_NC_KEYS(hw_translate_nc_amd_v1, false, HW_NC_KEYS_AMD_V1)
HW_TRANSLATE_NC(hw_translate_nc_any, false, false, h->fast.key_sa,
		h->fast.key_ma, h->fast.key_sb, h->fast.key_mb)
HW_TRANSLATE_NC_KEYS(hw_translate_nc4_vtd_ss, true, HW_NC_KEYS_VTD_SS)
HW_TRANSLATE_NC_KEYS(hw_translate_nc4_arm, true, HW_NC_KEYS_ARM)
HW_TRANSLATE_NC_KEYS(hw_translate_nc4_amd_v1, true, HW_NC_KEYS_AMD_V1)
HW_TRANSLATE_NC(hw_translate_nc4_any, true, false, h->fast.key_sa,
		h->fast.key_ma, h->fast.key_sb, h->fast.key_mb)

/*
 * m->cur is not the request's stream (or @access is out of range), nor
 * is m->nc_*: take the stream line if it is valid and try the hit path
 * again (which cannot come back here: m->cur then matches and access <
 * 16), else the full path.  Lines, m->cur and m->nc_* are only ever
 * loaded for valid ids.
 */
static __attribute__((noinline)) int
hw_translate_slow(struct hw_iommu *m, uint64_t stream, uint64_t iova,
		  unsigned int access, struct hw_xlate *xl,
		  struct hw_fault *fault)
{
	uint32_t rid = hw_tag_rid(stream), pasid = hw_tag_pasid(stream);
	const struct hw_stream *s;

	s = hw_stream_of(m, rid, pasid);
	if (hw_args_ok(rid, pasid, access) && s->tag == stream &&
	    s->gen == m->gen) {
		hw_cur_set(m, s);
		return hw_translate_stream(m, stream, iova, access, xl, fault);
	}
	return hw_translate_full(m, rid, pasid, iova, access, xl, fault);
}

/*
 * m->cur is not the request's stream: without caches (m->cur is then
 * never loaded) m->nc_* may be, else the slow path.  Apart from
 * hw_translate_stream() so that the hit path's registers stay as they
 * are; same arguments in the same places, so reaching here moves nothing.
 */
static __attribute__((noipa)) int
hw_translate_other(struct hw_iommu *m, uint64_t stream, uint64_t iova,
		   unsigned int access, struct hw_xlate *xl,
		   struct hw_fault *fault)
{
	if (m->nc_tag == stream) {
		const struct hw_cfg *h = m->nc_cfg;

		return h->nc_fn(m, h, iova, fault, access, xl);
	}
	return hw_translate_slow(m, stream, iova, access, xl, fault);
}

/*
 * A miss in the level-0 IOTLB or refused rights, m->cur being the
 * request's stream: the ids come from m->cur, so the hit path need not
 * keep @stream (@unused holds its place; the other arguments sit where
 * hw_translate_stream() received them, so reaching here moves nothing).
 */
static __attribute__((noipa)) int
hw_translate_miss(struct hw_iommu *m, uint64_t unused, uint64_t iova,
		  unsigned int access, struct hw_xlate *xl,
		  struct hw_fault *fault)
{
	return hw_translate_full(m, hw_tag_rid(m->cur.tag),
				 hw_tag_pasid(m->cur.tag), iova, access, xl,
				 fault);
}

/*
 * The hit path: m->cur (the request's stream, nothing changed since it
 * was loaded), one probe of the level-0 IOTLB for the
 * space's smallest size class (one slot, one key compare), the rights
 * check through m->need[] (which also refuses an access without R/W/X).
 * A valid m->cur implies valid rid and pasid.  Without caches m->cur is
 * never loaded.  The stream comes packed (hw_translate() in hw.h), so
 * all six arguments are in registers and the ids are one compare.
 */
int hw_translate_stream(struct hw_iommu *m, uint64_t stream, uint64_t iova,
			unsigned int access, struct hw_xlate *xl,
			struct hw_fault *fault)
{
	if (__builtin_expect(m->cur.tag == stream && access < 16, 1)) {
		unsigned int sh = (unsigned int)m->cur.shift;
		uint64_t t = iova >> sh;
		const struct hw_tlbe *e = (const struct hw_tlbe *)
			((const char *)m->l0 + ((t ^ m->cur.salt4) & HW_L0_MASK4));
		uint64_t key = m->cur.key0 |
			       ((t >> (HW_KEY_SHIFT - 2)) & ~63ULL);

		if (__builtin_expect(e->key == key &&
				     !((e->out ^ access) & m->need[access]), 1)) {
			uint64_t out = e->out;
			/* The bits of the unit's address: ~0 << lg2. */
			uint64_t hi = ~15ULL << sh;

			m->st.hits++;
			xl->hva = iova ^ ((iova ^ out) & hi);
			xl->len = -(iova | hi);
			xl->perm = out & (HW_E_R | HW_E_W | HW_E_X);
			return 0;
		}
		return hw_translate_miss(m, 0, iova, access, xl, fault);
	}
	return hw_translate_other(m, stream, iova, access, xl, fault);
}
