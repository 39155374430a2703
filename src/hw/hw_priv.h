/* SPDX-License-Identifier: MIT */
/*
 * src/hw private: the instance, the configuration store, the IOTLB with
 * its tag spaces, and the inline IOTLB probe shared by translation and the
 * DMA fast path.
 *
 * IOTLB layout.  2^sets_lg2 sets of HW_WAYS 16-byte entries (one 64-byte
 * line per set).  An entry is {key, out}:
 *   key = space id << 48 | (vpn >> sets_lg2) << 6 | lg2
 *   out = unit HVA | HW_E_* flags        (the HVA is 2^lg2 aligned)
 * with vpn = iova >> lg2 and the set (vpn ^ space salt) & set_mask.  The
 * key leaves out the vpn bits the set index implies: two entries in one
 * set with equal keys have the same space, hence the same salt, hence the
 * same low vpn bits.  key 0 is never a valid key (ids start at 1).
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

struct hw_cfg {
	enum hw_mode mode;
	struct hw_space *space;		/* where final translations are cached */
	struct hw_space *s2space;	/* nested: the stage-2 (nested TLB) */
	struct hw_stage s1;
	struct hw_stage s2;
};

#define HW_PDIR_SHIFT 10
#define HW_PDIR_SIZE (1u << HW_PDIR_SHIFT)

struct hw_dev {
	struct hw_cfg *nopasid;
	struct hw_cfg ***pdir;		/* [pasid >> 10][pasid & 1023] */
	unsigned int ncfg;
};

struct hw_iommu {
	/* Hot fields first. */
	struct hw_set *tlb;
	uint64_t set_mask;
	unsigned int sets_lg2;
	bool nocache;
	struct hw_stats st;
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

/* The entry flags a request of @access must find in an entry's out word. */
static inline uint64_t hw_need(unsigned int access)
{
	return access & (HW_E_R | HW_E_W | HW_E_X);
}

/*
 * Does @out grant @access?  The entry must also have been filled for the
 * same privilege class: rights differ between classes (U/S, PXN).
 */
static inline bool hw_out_ok(uint64_t out, unsigned int access)
{
	uint64_t cls = (access & PT_ACCESS_PRIV) ? HW_E_PRIV : 0;
	uint64_t need = hw_need(access);

	return ((out ^ cls) & (need | HW_E_PRIV)) == need;
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
		uint64_t vpn = iova >> l;
		uint64_t key = sp->key_hi | ((vpn >> m->sets_lg2) << 6) | l;
		const struct hw_tlbe *e = m->tlb[(vpn ^ sp->salt) &
						 m->set_mask].e;
		uint64_t out;

		out = (e[0].out & -(uint64_t)(e[0].key == key)) |
		      (e[1].out & -(uint64_t)(e[1].key == key)) |
		      (e[2].out & -(uint64_t)(e[2].key == key)) |
		      (e[3].out & -(uint64_t)(e[3].key == key));
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

/* ---- iotlb.c ---- */
int hw_tlb_init(struct hw_iommu *m);
void hw_tlb_fini(struct hw_iommu *m);
struct hw_space *hw_space_get(struct hw_iommu *m, unsigned int stage,
			      uint32_t dom, uint32_t sub);
void hw_space_put(struct hw_iommu *m, struct hw_space *sp);
void hw_tlb_fill(struct hw_iommu *m, struct hw_space *sp, uint64_t iova,
		 unsigned int lg2, uint64_t out);
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
