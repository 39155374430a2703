/* SPDX-License-Identifier: MIT */
/*
 * src/hw private: the instance, the configuration store, the IOTLB with
 * its tag spaces and its level-0 copy (struct hw_iommu, l0), and the
 * inline IOTLB probe shared by translation and the DMA fast path.
 *
 * IOTLB layout.  2^sets_lg2 sets of HW_WAYS 16-byte entries (one 64-byte
 * line per set).  An entry is {key, out}:
 *   key = space id << 48 | (vpn >> HW_KEY_SHIFT) << 6 | lg2
 *   out = unit HVA | HW_E_* flags        (the HVA is 2^lg2 aligned)
 * with vpn = iova >> lg2 and the set (vpn ^ space salt) & set_mask.  The
 * key leaves out the low HW_KEY_SHIFT vpn bits, which the set index
 * implies at every IOTLB size (sets_lg2 >= HW_KEY_SHIFT): two entries in
 * one set with equal keys have the same space, hence the same salt, hence
 * the same low vpn bits.  A constant shift (not sets_lg2) keeps the key a
 * fixed function of the vpn.  Units are at least 4K (lg2 >= 12), so the
 * 52 - HW_KEY_SHIFT = 42 vpn bits fit below the id.  key 0 is never a
 * valid key (ids start at 1).
 *
 * A space is one IOTLB tag: (stage, domain, sub) = VT-d (DID, PASID) /
 * DID, SMMU (VMID, ASID) / VMID, AMD (DomainID, PASID) / DomainID.  A
 * wide invalidation gives the space a fresh id (O(1)); entries carrying
 * the old id can never match again and are reclaimed as victims.  Ids are
 * never reused until the 16-bit id counter runs out; then the whole IOTLB
 * is cleared and the live spaces renumbered (a rollover).
 */
#ifndef UIOMMU_HW_PRIV_H
#define UIOMMU_HW_PRIV_H

#include "hw/hw.h"

#define HW_WAYS 4
#define HW_ID_BITS 16
#define HW_ID_SHIFT 48
#define HW_ID_MAX ((1u << HW_ID_BITS) - 1)
#define HW_VPN_MASK ((1ULL << (HW_ID_SHIFT - 6)) - 1)
#define HW_SETS_MIN_LG2 10
#define HW_KEY_SHIFT HW_SETS_MIN_LG2
#define HW_UNIT_MIN_LG2 12
#define HW_L0_LG2 10			/* <= HW_SETS_MIN_LG2 */
#define HW_L0_MASK ((1u << HW_L0_LG2) - 1)
#define HW_L0_MASK4 (HW_L0_MASK << 4)	/* byte offset of a slot */
#define HW_SETS_MAX_LG2 20

/* Flags in the low bits of an entry's out word (the HVA is >= 4K aligned). */
enum {
	HW_E_R = PT_PROT_READ,		/* 1 */
	HW_E_W = PT_PROT_WRITE,		/* 2 */
	HW_E_X = PT_PROT_EXEC,		/* 4 */
	HW_E_PRIV = 1u << 3,		/* rights are for privileged requests */
	HW_E_VALID = 1u << 11,
	HW_E_FLAGS = 0xfff,
};

struct hw_tlbe {
	uint64_t key;
	uint64_t out;
};

struct hw_set {
	struct hw_tlbe e[HW_WAYS];
} __attribute__((aligned(64)));

struct hw_space {
	struct hw_space *next;		/* instance list */
	uint64_t key_hi;		/* id << HW_ID_SHIFT */
	uint64_t salt;			/* set-index perturbation from the id */
	uint64_t sizes;			/* bit lg2: entries of 2^lg2 cached */
	uint32_t nr[64];		/* entries per size class */
	uint16_t id;
	uint8_t stage;			/* 1 or 2 */
	bool nested;			/* holds combined entries (uses a S2) */
	uint32_t dom;			/* DID / VMID / DomainID */
	uint32_t sub;			/* PASID / ASID; 0 for stage 2 */
	unsigned int refs;		/* configurations using it */
};

/* Which fast walk a configuration's miss takes first (struct hw_cfg). */
enum hw_fast {
	HW_FAST_NONE,
	HW_FAST_SINGLE,		/* fast = the one stage */
	HW_FAST_NESTED,		/* caches off: fast over fast_s2, 2-D */
};

/*
 * A caches-off entry (hw_cfg.nc_fn) for a request of the stream in
 * m->nc_tag, whose configuration is @h: hw_translate()'s
 * arguments, the ids replaced by @h so that all are in registers, @fault
 * (needed only to leave for the full path) where @access would take rcx,
 * the shift-count register the walk needs.
 */
struct hw_cfg;
typedef int hw_nc_fn(struct hw_iommu *m, const struct hw_cfg *h,
		     uint64_t iova, struct hw_fault *fault,
		     unsigned int access, struct hw_xlate *xl);

struct hw_cfg {
	enum hw_mode mode;
	enum hw_fast fast_kind;
	/* The caches-off entry for this configuration (see m->nc_cfg): the
	 * fast walk with the plan's key windows as constants where they
	 * are known, else the generic or the nested one. */
	hw_nc_fn *nc_fn;
	struct hw_space *space;		/* where final translations are cached */
	struct hw_space *s2space;	/* nested: the stage-2 (nested TLB) */
	/* S1 / S2 modes: the one stage walked, for the lean miss path. */
	const struct hw_stage *single;
	/* The walks of a miss precomputed (pt_fast_init) at config time:
	 * the single stage, or nested stage 1 and stage 2. */
	struct pt_fast fast;
	struct pt_fast fast_s2;
	struct hw_stage s1;
	struct hw_stage s2;
};

/*
 * The configuration cache: one 64-byte line per recently used (rid,
 * PASID), indexed by a hash of the pair, holding what the hit path needs
 * so it skips device -> config -> space (three dependent loads, each a
 * likely L1 miss right after a DMA copy streamed through the cache), plus
 * the last DMA run of that stream (a micro-TLB).  The line of the stream
 * translated last is also copied into m->cur, which is what the hit path
 * reads (one compare, no hash).
 *
 * A line is valid while its tag matches and its gen equals m->gen.
 * m->gen moves on every change a line could reflect: configuration set or
 * clear, any IOTLB fill or entry drop, any invalidation command (whether
 * or not it found entries), space ids; every move also empties m->cur.
 * So neither can be used stale; in exchange every change costs a refresh,
 * which only happens on the slow paths anyway.
 */
#define HW_STREAMS_LG2 4
#define HW_STREAM_NONE UINT64_MAX	/* a tag no (rid, pasid) has */

struct hw_stream {
	uint64_t tag;			/* rid << 32 | pasid */
	uint64_t gen;
	uint64_t key0;			/* final space's key_hi | smallest lg2 */
	uint64_t salt;			/* as in hw_space */
} __attribute__((aligned(64)));

/*
 * The current stream (the last one translated), as the hit path reads it:
 * valid iff pasid and rid are the request's; after any change (see above)
 * they are HW_STREAM_NONE's halves, an invalid rid, and key0 is
 * HW_KEY_NONE, which no slot can match (not even an empty one), so a
 * request that matches it anyway (rid 0xffffffff) fails over to the
 * argument checks.  The probe of the space's smallest size class
 * lg2 is precomputed for the level-0 IOTLB: with t = iova >> shift (the
 * vpn shifted up by 4, low bits junk) the slot is at byte
 * (t ^ salt4) & HW_L0_MASK4 of m->l0 and the key is
 * key0 | ((t >> (HW_KEY_SHIFT - 2)) & ~63), i.e. hw_l0_of() and hw_key().
 */
#define HW_KEY_NONE 1			/* a size class no key has */

struct hw_cur {
	uint64_t tag;			/* hw_stream_tag(rid, pasid) */
	uint64_t key0;			/* key_hi | lg2 */
	uint64_t salt4;			/* salt << 4 */
	uint64_t shift;			/* lg2 - 4 */
};

/*
 * A stream's last DMA runs, one per direction (r[1]: requests that write),
 * so a device copying from one buffer to another keeps both: r[i] says
 * [iova, iova + len) is host memory from out & ~HW_E_FLAGS on, with out's
 * HW_E_* rights.  Valid while tag and gen match the stream and m->gen: any
 * fill, drop, invalidation or configuration change bumps m->gen, so a run
 * is never stale.  Same hash as the stream lines.
 */
struct hw_run {
	uint64_t iova;
	uint64_t len;
	uint64_t out;
};

struct hw_runs {
	uint64_t tag;
	uint64_t gen;
	struct hw_run r[2];
} __attribute__((aligned(64)));

#define HW_PDIR_SHIFT 10
#define HW_PDIR_SIZE (1u << HW_PDIR_SHIFT)

struct hw_dev {
	struct hw_cfg *nopasid;
	struct hw_cfg ***pdir;		/* [pasid >> 10][pasid & 1023] */
	unsigned int ncfg;
};

struct hw_iommu {
	/*
	 * Hot fields first: the hit path reads this line (st.hits is its
	 * last word), need[] and l0; the DMA paths this line and a run line.
	 */
	struct hw_cur cur;
	uint64_t gen;			/* see struct hw_stream */
	struct hw_set *tlb;
	uint64_t set_mask;
	struct hw_stats st;
	/*
	 * The caches-off entry (HW_CAP_NO_CACHE only): the configuration of
	 * the stream translated last (nc_tag), loaded only for
	 * valid ids and a configuration with a fast walk.  Emptied with
	 * m->cur on every m->gen move (any configuration set or clear among
	 * them): HW_STREAM_NONE (an invalid rid) and
	 * &hw_cfg_none (no fast walk), so it is never stale.  In the line
	 * of the counters that path updates (st.misses, st.table_reads).
	 */
	uint64_t nc_tag;		/* hw_stream_tag() of that stream */
	const struct hw_cfg *nc_cfg;
	unsigned int sets_lg2;
	bool nocache;
	bool hint_armed;		/* a thread's DMA hint may name this
					 * instance (dma.c, hw_hint_drop) */
	/* [access]: the out bits access must match (hw_out_ok); an invalid
	 * access (no R/W/X) asks for HW_E_VALID clear, which always fails. */
	uint64_t need[16];
	struct hw_stream streams[1u << HW_STREAMS_LG2];
	struct hw_runs runs[1u << HW_STREAMS_LG2];
	struct hw_dev *devs;		/* [HW_RID_MAX + 1], zero pages lazily */

	enum hw_model model;
	unsigned int flags;
	unsigned int mamv;
	struct hw_space *spaces;
	struct hw_space **id_map;	/* [HW_ID_MAX + 1] live id -> space */
	unsigned int next_id;
	unsigned int nspaces;
	unsigned int victim;		/* round-robin replacement cursor */

	struct hw_fault *fq;
	unsigned int fq_mask;
	unsigned int fq_head;		/* next record to pop */
	unsigned int fq_tail;		/* next free slot */
	bool fq_overflow;

	/*
	 * The level-0 IOTLB: direct mapped, slot i a copy of an entry of a
	 * set s of m->tlb with s & HW_L0_MASK == i (a key determines its set,
	 * so the copy is exact), or empty.  Every drop from m->tlb drops the
	 * copy too (hw_tlbe_drop), so it never holds what m->tlb does not.
	 * Neighbouring units of a space take neighbouring 16-byte slots: 1024
	 * consecutive pages are 16 KiB, which fits L1 where m->tlb's 1024
	 * 64-byte sets do not.
	 */
	struct hw_tlbe l0[1u << HW_L0_LG2] __attribute__((aligned(64)));
};

static inline uint64_t hw_mask(unsigned int lg2)
{
	return lg2 >= 64 ? ~0ULL : (1ULL << lg2) - 1;
}

static inline struct hw_cfg *hw_cfg_find(const struct hw_iommu *m,
					 uint32_t rid, uint32_t pasid)
{
	const struct hw_dev *d = &m->devs[rid];

	if (pasid == HW_PASID_NONE)
		return d->nopasid;
	if (!d->pdir || !d->pdir[pasid >> HW_PDIR_SHIFT])
		return NULL;
	return d->pdir[pasid >> HW_PDIR_SHIFT][pasid & (HW_PDIR_SIZE - 1)];
}

static inline uint64_t hw_stream_tag(uint32_t rid, uint32_t pasid)
{
	return hw_stream(rid, pasid);
}

/* The stream line (rid, pasid) would use; the caller checks its tag. */
static inline struct hw_stream *hw_stream_of(struct hw_iommu *m, uint32_t rid,
					     uint32_t pasid)
{
	uint32_t h = (rid ^ pasid) * 0x9e3779b9u;

	return &m->streams[h >> (32 - HW_STREAMS_LG2)];
}

/* The DMA-run line of (rid, pasid); the caller checks its tag and gen. */
static inline struct hw_runs *hw_runs_of(struct hw_iommu *m, uint32_t rid,
					 uint32_t pasid)
{
	uint32_t h = (rid ^ pasid) * 0x9e3779b9u;

	return &m->runs[h >> (32 - HW_STREAMS_LG2)];
}

/* The empty m->nc_cfg: a configuration without a fast walk. */
extern const struct hw_cfg hw_cfg_none;

/*
 * The epoch of the threads' DMA hints (dma.c): a hint is valid only while
 * hw_hint_epoch still holds the value it was taken at.  Whatever makes an
 * instance's runs stale (hw_gen_bump) or ends the instance (hw_destroy)
 * moves the epoch if a hint may name the instance (m->hint_armed, set when
 * one is taken).  Shared by all instances: an instance's change also drops
 * other instances' hints, which costs them one run-line lookup, never
 * exactness.
 */
extern uint64_t hw_hint_epoch;

static inline void hw_hint_drop(struct hw_iommu *m)
{
	m->hint_armed = false;
	__atomic_fetch_add(&hw_hint_epoch, 1, __ATOMIC_RELAXED);
}

/* Something a stream line may cache changed: every line goes stale. */
static inline void hw_gen_bump(struct hw_iommu *m)
{
	if (__builtin_expect(m->hint_armed, 0))
		hw_hint_drop(m);
	m->gen++;
	m->cur.tag = HW_STREAM_NONE;
	m->cur.key0 = HW_KEY_NONE;
	m->nc_tag = HW_STREAM_NONE;
	m->nc_cfg = &hw_cfg_none;
}

/* A valid access: some of R/W/X, nothing unknown (PROBE is not one). */
static inline bool hw_access_ok(unsigned int access)
{
	/* Bit a set iff a is 1-7 or 9-15. */
	return access < 16 && ((0xfefeu >> access) & 1);
}

/*
 * The out word of the way of set @e holding @key, or 0.  The fill keeps
 * keys unique within a set, so at most one way matches; conditional moves
 * keep the way search free of branches (a random way would mispredict
 * about every other lookup).  Plain C compilers turn the selection into
 * branches, hence the asm.
 */
static inline uint64_t hw_set_lookup(const struct hw_tlbe *e, uint64_t key)
{
	_Static_assert(HW_WAYS == 4, "hw_set_lookup compares four ways");
#if defined(__x86_64__)
	uint64_t out = 0;

	__asm__("cmpq %[k0], %[key]\n\tcmoveq %[o0], %[out]\n\t"
		"cmpq %[k1], %[key]\n\tcmoveq %[o1], %[out]\n\t"
		"cmpq %[k2], %[key]\n\tcmoveq %[o2], %[out]\n\t"
		"cmpq %[k3], %[key]\n\tcmoveq %[o3], %[out]"
		: [out] "+&r"(out)
		: [key] "r"(key), [k0] "m"(e[0].key), [o0] "m"(e[0].out),
		  [k1] "m"(e[1].key), [o1] "m"(e[1].out),
		  [k2] "m"(e[2].key), [o2] "m"(e[2].out),
		  [k3] "m"(e[3].key), [o3] "m"(e[3].out)
		: "cc");
	return out;
#else
	return (e[0].out & -(uint64_t)(e[0].key == key)) |
	       (e[1].out & -(uint64_t)(e[1].key == key)) |
	       (e[2].out & -(uint64_t)(e[2].key == key)) |
	       (e[3].out & -(uint64_t)(e[3].key == key));
#endif
}

/* The entry flags a request of @access must find in an entry's out word. */
static inline uint64_t hw_need(unsigned int access)
{
	return access & (HW_E_R | HW_E_W | HW_E_X);
}

/*
 * Does @out (0: a miss) grant @access?  Each requested R/W/X bit must be
 * set, and the entry must have been filled for the request's privilege
 * class (rights differ between classes: U/S, PXN), which is the same bit
 * in both words.  A miss fails too, as @access asks for some right.
 */
static inline bool hw_out_ok(uint64_t out, unsigned int access)
{
	return !((out ^ access) & (hw_need(access) | HW_E_PRIV));
}

/* The key of unit @vpn of size class @lg2 in space @sp. */
static inline uint64_t hw_key(const struct hw_space *sp, uint64_t vpn,
			      unsigned int lg2)
{
	return sp->key_hi | ((vpn >> HW_KEY_SHIFT) << 6) | lg2;
}

/* The set that holds unit @vpn of space @sp. */
static inline struct hw_set *hw_set_of(const struct hw_iommu *m,
				       const struct hw_space *sp, uint64_t vpn)
{
	return &m->tlb[(vpn ^ sp->salt) & m->set_mask];
}

/* The level-0 slot that may hold a copy of an entry of set @set. */
static inline struct hw_tlbe *hw_l0_of(struct hw_iommu *m, uint64_t set)
{
	return &m->l0[set & HW_L0_MASK];
}

/* The out word of unit @vpn of size class @lg2 in space @sp (0: miss). */
static inline uint64_t hw_probe_unit(const struct hw_iommu *m,
				     const struct hw_space *sp, uint64_t vpn,
				     unsigned int lg2)
{
	return hw_set_lookup(hw_set_of(m, sp, vpn)->e, hw_key(sp, vpn, lg2));
}

/*
 * Looks @iova up in space @sp: one set per size class in use, four keys
 * compared without branches.  Returns the out word (0: miss) and the
 * entry's size class in *@lg2.
 */
static inline uint64_t hw_tlb_probe(const struct hw_iommu *m,
				    const struct hw_space *sp, uint64_t iova,
				    unsigned int *lg2)
{
	uint64_t sizes = sp->sizes;

	while (sizes) {
		unsigned int l = (unsigned int)__builtin_ctzll(sizes);
		uint64_t out = hw_probe_unit(m, sp, iova >> l, l);

		if (out) {
			*lg2 = l;
			return out;
		}
		sizes &= sizes - 1;
	}
	return 0;
}

/* The HVA of @iova inside the entry unit @out of 2^@lg2 bytes. */
static inline uint64_t hw_out_hva(uint64_t out, unsigned int lg2,
				  uint64_t iova)
{
	return (out & ~hw_mask(lg2)) | (iova & hw_mask(lg2));
}

/* ---- engine.c ---- */

/*
 * Translation after an IOTLB miss (or with caches off), for (rid, pasid)
 * whose configuration @h (NULL: none) is already looked up.  @quiet: a
 * fault is returned but not queued (a look-ahead the device may never
 * perform).
 */
int hw_xlate_miss(struct hw_iommu *m, const struct hw_cfg *h, uint32_t rid,
		  uint32_t pasid, uint64_t iova, unsigned int access,
		  struct hw_xlate *xl, struct hw_fault *fault, bool quiet);
bool hw_args_ok(uint32_t rid, uint32_t pasid, unsigned int access);
/* Loads the stream line of (rid, pasid) from its configuration. */
struct hw_stream *hw_stream_load(struct hw_iommu *m, uint32_t rid,
				 uint32_t pasid);

/* ---- iotlb.c ---- */
int hw_tlb_init(struct hw_iommu *m);
void hw_tlb_fini(struct hw_iommu *m);
struct hw_space *hw_space_get(struct hw_iommu *m, unsigned int stage,
			      uint32_t dom, uint32_t sub);
void hw_space_put(struct hw_iommu *m, struct hw_space *sp);
void hw_tlb_fill(struct hw_iommu *m, struct hw_space *sp, uint64_t iova,
		 unsigned int lg2, uint64_t out);
void hw_l0_fill(struct hw_iommu *m, const struct hw_space *sp,
		uint64_t iova, unsigned int lg2, uint64_t out);
void hw_space_flush(struct hw_iommu *m, struct hw_space *sp);
void hw_space_inv_range(struct hw_iommu *m, struct hw_space *sp,
			uint64_t start, uint64_t last);

/*
 * Selects spaces for an invalidation: stage (1, 2, or 0 = both), domain,
 * and sub (HW_SUB_ANY = every one); nested_only restricts to spaces
 * holding combined entries.
 */
#define HW_SUB_ANY UINT64_MAX
struct hw_sel {
	unsigned int stage;
	uint32_t dom;
	uint64_t sub;
	bool all_doms;
	bool nested_only;
};

void hw_inv_flush_sel(struct hw_iommu *m, const struct hw_sel *sel);
void hw_inv_range_sel(struct hw_iommu *m, const struct hw_sel *sel,
		      uint64_t start, uint64_t last);

#endif
