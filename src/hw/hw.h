/* SPDX-License-Identifier: MIT */
/*
 * src/hw: the emulated IOMMU translation engine.
 *
 * This header owns the internal API of one emulated IOMMU instance of a
 * given model (Intel VT-d, Arm SMMUv3, AMD-Vi): the per-(requester id,
 * PASID) translation configuration, translation with permission checks, a
 * tagged IOTLB with each model's own invalidation commands, the fault
 * queue, and the DMA API device models use to reach memory through it.
 * docs/engine.md describes the design; src/pt provides the page tables.
 *
 * Addresses: an IOVA is what the device emits; an IPA (GPA) is a stage-1
 * output / stage-2 input; the final output is a host virtual address (HVA)
 * of this process, as in src/pt.
 *
 * Thread safety: none inside.  An instance is used by one thread at a time
 * (callers serialise configuration, invalidation and translation with
 * their own lock).  Distinct instances are independent.
 *
 * Every function returning int returns 0 or -errno; results go through
 * out-parameters.
 */
#ifndef UIOMMU_HW_H
#define UIOMMU_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt/pt.h"

enum hw_model {
	HW_MODEL_VTD = 1,	/* Intel VT-d, scalable mode */
	HW_MODEL_SMMUV3,	/* Arm SMMUv3 */
	HW_MODEL_AMD,		/* AMD-Vi */
};

enum {
	/* No IOTLB and no nested TLB: every translation walks (tests). */
	HW_CAP_NO_CACHE = 1u << 0,
	/* SMMUv3 range invalidation (SMMU_IDR3.RIL): TG != 0 accepted. */
	HW_CAP_SMMU_RIL = 1u << 1,
};

struct hw_caps {
	unsigned int iotlb_sets_lg2;	/* 10-20; 0 = 10 (1024 sets x 4 ways) */
	unsigned int fault_queue_lg2;	/* 1-16; 0 = 8 (256 records) */
	unsigned int vtd_mamv;		/* VT-d max address mask; 0 = 18 */
	unsigned int flags;		/* HW_CAP_* */
};

struct hw_iommu;

/*
 * hw_create() - a new instance of @model; @caps may be NULL (defaults).
 * Return: 0 and *@out; -EINVAL bad model or caps; -ENOMEM.
 */
int hw_create(enum hw_model model, const struct hw_caps *caps,
	      struct hw_iommu **out);
void hw_destroy(struct hw_iommu *mmu);	/* NULL ok */
enum hw_model hw_model_of(const struct hw_iommu *mmu);

/* ---- configuration: context/PASID entry, STE/CD, DTE ---- */

enum hw_mode {
	HW_MODE_BLOCKED = 1,	/* every DMA faults */
	HW_MODE_IDENTITY,	/* output = input (VT-d PT, SMMU bypass) */
	HW_MODE_S1,		/* stage 1 only */
	HW_MODE_S2,		/* stage 2 only (AMD v1 host tables) */
	HW_MODE_NESTED,		/* stage 1 (tables at IPAs) then stage 2 */
};

/*
 * One stage: the table geometry (pt_get_geom() of our table, or
 * pt_geom_init() of a config describing a guest's), its root address (an
 * IPA for the stage 1 of a nested config) and its cache tag:
 *   VT-d   s1.tag = s2.tag = DID (one DID per PASID entry)
 *   SMMUv3 s1.tag = ASID, s2.tag = VMID (also tags stage-1-only entries)
 *   AMD    s1.tag = s2.tag = DomainID
 * Formats: VT-d FS/SS; SMMUv3 ARM S1/S2; AMD x86 (v2, the VT-d FS format)
 * as stage 1 and AMD v1 as stage 2.
 */
struct hw_stage {
	struct pt_geom geom;
	uint64_t root;
	uint32_t tag;
};

struct hw_config {
	enum hw_mode mode;
	struct hw_stage s1;
	struct hw_stage s2;
};

#define HW_RID_MAX 0xffffu
#define HW_PASID_MAX ((1u << 20) - 1)
#define HW_PASID_NONE UINT32_MAX	/* request without a PASID */

/*
 * hw_config_set() - program the configuration of (@rid, @pasid), as if the
 * entry were written and the configuration caches for it invalidated (VT-d
 * context/PASID-cache invalidation, SMMU CFGI_STE/CFGI_CD, AMD
 * INVALIDATE_DEVTAB_ENTRY).  IOTLB entries are tagged by DID/ASID/VMID/
 * DomainID, not by device, so they survive: invalidating them is the
 * caller's job, as on hardware.
 * Return: 0; -EINVAL bad rid/pasid/mode/tag, a format the model does not
 * use, a nested stage-1 granule larger than the stage-2 granule, VT-d/AMD
 * nested with two tags; -ENOSPC too many tags; -ENOMEM.
 */
int hw_config_set(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		  const struct hw_config *cfg);

/* Back to unconfigured (every DMA faults).  -EINVAL bad ids; -ENOENT. */
int hw_config_clear(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid);

/* ---- translation ---- */

struct hw_xlate {
	uint64_t hva;		/* translated address */
	uint64_t len;		/* bytes from hva to the end of the unit */
	unsigned int perm;	/* PT_PROT_READ/WRITE/EXEC granted */
};

enum hw_fault_reason {
	HW_FAULT_NOT_PRESENT = 1,	/* invalid entry */
	HW_FAULT_PERMISSION,		/* see denied */
	HW_FAULT_ADDRESS_SIZE,		/* input or output beyond the width */
	HW_FAULT_ACCESS_FLAG,		/* Arm AF = 0 */
	HW_FAULT_NON_CANONICAL,		/* x86 input not sign-extended */
	HW_FAULT_RESERVED,		/* reserved encoding in an entry */
	HW_FAULT_BLOCKED,		/* the configuration blocks DMA */
	HW_FAULT_NO_CONFIG,		/* (rid, pasid) not configured */
};

/*
 * A fault record.  stage: 1 or 2 for a translation fault, 0 for a
 * configuration fault (blocked / not configured).  For stage 2: ipa is the
 * address stage 2 was translating - the stage-1 output, or, with fetch
 * set, the address of the stage-1 table being read (SMMU CLASS=TT).
 */
struct hw_fault {
	uint8_t stage;
	uint8_t reason;		/* enum hw_fault_reason */
	uint8_t level;		/* level of the faulting entry (bottom-up) */
	bool fetch;
	unsigned int access;	/* PT_ACCESS_* requested */
	unsigned int denied;	/* PERMISSION: PT_ACCESS_* refused */
	uint32_t rid;
	uint32_t pasid;
	uint64_t iova;
	uint64_t ipa;
};

/* A stream (requester id and PASID) as one word. */
static inline uint64_t hw_stream(uint32_t rid, uint32_t pasid)
{
	return (uint64_t)rid << 32 | pasid;
}

/* hw_translate() with rid and PASID packed into one argument
 * (hw_stream()), so all six travel in registers. */
int hw_translate_stream(struct hw_iommu *mmu, uint64_t stream, uint64_t iova,
			unsigned int access, struct hw_xlate *xl,
			struct hw_fault *fault);

/*
 * hw_translate() - translate @iova of (@rid, @pasid) for @access
 * (PT_ACCESS_READ/WRITE/EXEC/PRIV) through the IOTLB, walking on a miss.
 * A fault is queued and, if @fault is not NULL, copied there.
 * Return: 0 (*@xl valid); -EFAULT translation faulted; -EINVAL bad ids or
 * access.
 */
static inline int hw_translate(struct hw_iommu *mmu, uint32_t rid,
			       uint32_t pasid, uint64_t iova,
			       unsigned int access, struct hw_xlate *xl,
			       struct hw_fault *fault)
{
	return hw_translate_stream(mmu, hw_stream(rid, pasid), iova, access,
				   xl, fault);
}

/* ---- fault queue (bounded ring; a full queue drops and sets overflow) -- */

int hw_fault_pop(struct hw_iommu *mmu, struct hw_fault *out); /* -ENOENT */
unsigned int hw_fault_pending(const struct hw_iommu *mmu);
bool hw_fault_overflow(const struct hw_iommu *mmu);
void hw_fault_clear_overflow(struct hw_iommu *mmu);

/* ---- counters ---- */

struct hw_stats {
	uint64_t hits;		/* IOTLB hits (final and nested-TLB) */
	uint64_t misses;	/* lookups that walked */
	uint64_t table_reads;	/* page-table entries loaded, both stages */
	uint64_t faults;	/* faults raised (queued or dropped) */
	uint64_t faults_dropped;
	uint64_t probes;	/* sets examined by page invalidations */
	uint64_t rollovers;	/* tag-id space exhausted: full flush */
};

void hw_get_stats(const struct hw_iommu *mmu, struct hw_stats *st);
void hw_reset_stats(struct hw_iommu *mmu);

/* Valid IOTLB entries (for tests and reports; O(IOTLB size)). */
size_t hw_iotlb_count(const struct hw_iommu *mmu);

/* ---- invalidation: Intel VT-d ---- */

/* IOTLB global invalidation. */
int hw_vtd_iotlb_global(struct hw_iommu *mmu);
/* Domain-selective: every entry tagged with @did (all PASIDs, all PGTT). */
int hw_vtd_iotlb_domain(struct hw_iommu *mmu, uint16_t did);
/*
 * Page-selective-within-domain (iotlb_inv_dsc): second-stage entries of
 * @did in [addr, addr + 2^(12+am)) (addr bits below that are ignored), and
 * every first-stage and nested entry of @did (the spec's rule: they are
 * tagged by the first-stage input, which this descriptor does not carry).
 * @ih: only leaves changed; no paging-structure cache is modelled beyond
 * the IOTLB, so it changes nothing.  -EINVAL am > MAMV.
 */
int hw_vtd_iotlb_page(struct hw_iommu *mmu, uint16_t did, uint64_t addr,
		      unsigned int am, bool ih);
/* PASID-based IOTLB, PASID-selective: first-stage/nested of (did, pasid). */
int hw_vtd_piotlb_pasid(struct hw_iommu *mmu, uint16_t did, uint32_t pasid);
/* PASID-based IOTLB, page-selective-within-PASID. */
int hw_vtd_piotlb_page(struct hw_iommu *mmu, uint16_t did, uint32_t pasid,
		       uint64_t addr, unsigned int am, bool ih);

/* ---- invalidation: Arm SMMUv3 ---- */

/*
 * Range of a TLBI by address.  tg = 0: the single address (every entry
 * containing it).  tg = 1/2/3 (4K/16K/64K, needs HW_CAP_SMMU_RIL): the
 * range [addr, addr + (num + 1) * 2^scale * granule), addr aligned down
 * to the granule (SMMUv3 4.4.1.1); num 0-31, scale 0-31.  ttl is a level hint
 * (0 = none) that hardware may ignore, and does here.
 */
struct hw_smmu_range {
	unsigned int tg;
	unsigned int scale;
	unsigned int num;
	unsigned int ttl;
};

int hw_smmu_tlbi_nh_va(struct hw_iommu *mmu, uint16_t vmid, uint16_t asid,
		       uint64_t addr, const struct hw_smmu_range *r);
int hw_smmu_tlbi_nh_vaa(struct hw_iommu *mmu, uint16_t vmid, uint64_t addr,
			const struct hw_smmu_range *r);
int hw_smmu_tlbi_nh_asid(struct hw_iommu *mmu, uint16_t vmid, uint16_t asid);
/* Every stage-1 (and combined) entry of @vmid. */
int hw_smmu_tlbi_nh_all(struct hw_iommu *mmu, uint16_t vmid);
/* Every entry of @vmid, both stages. */
int hw_smmu_tlbi_s12_vmall(struct hw_iommu *mmu, uint16_t vmid);
/*
 * Stage-2 entries of @vmid by IPA.  Combined stage-1+2 entries of the VMID
 * are dropped too (the architecture would allow keeping them until an
 * NH_ALL; software always sends one, so this only over-invalidates).
 */
int hw_smmu_tlbi_s2_ipa(struct hw_iommu *mmu, uint16_t vmid, uint64_t ipa,
			const struct hw_smmu_range *r);
int hw_smmu_tlbi_nsnh_all(struct hw_iommu *mmu);

/* ---- invalidation: AMD-Vi ---- */

/*
 * INVALIDATE_IOMMU_PAGES.  s = 0: the 4K page at @addr.  s = 1: the size
 * is 2^(n+1) with n the position of the lowest zero bit of @addr at or
 * above bit 12 (addr 0x7ffffffffffff000 = everything).  gn = 0: host
 * (stage-2) entries of @domid, and the combined entries built on them;
 * gn = 1: guest (stage-1) entries of (@domid, @pasid).  @pde: also page
 * directory caches (none are modelled beyond the IOTLB).
 */
int hw_amd_inv_pages(struct hw_iommu *mmu, uint16_t domid, uint32_t pasid,
		     uint64_t addr, bool s, bool pde, bool gn);
int hw_amd_inv_all(struct hw_iommu *mmu);

/* ---- DMA API for device models ---- */

/* Device reads memory at @iova into @buf / writes @buf to memory. */
int hw_dma_read(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		uint64_t iova, void *buf, size_t len);
int hw_dma_write(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		 uint64_t iova, const void *buf, size_t len);

struct hw_sg {
	uint64_t iova;
	void *buf;
	size_t len;
};

/* Scatter-gather: all segments are translated before any byte moves. */
int hw_dma_read_sg(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		   const struct hw_sg *sg, unsigned int nsg);
int hw_dma_write_sg(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		    const struct hw_sg *sg, unsigned int nsg);

/*
 * hw_dma_translate() - a host pointer for @iova and how many bytes from it
 * (at most @len) the device may access with @access, following contiguous
 * host memory across pages.  Only the first page can fault.
 * Return: 0; -EFAULT (queued); -EINVAL bad ids, access or zero length.
 */
int hw_dma_translate(struct hw_iommu *mmu, uint32_t rid, uint32_t pasid,
		     uint64_t iova, size_t len, unsigned int access,
		     void **hva, size_t *avail);
/* The same, telling a fault of the first page in *@fault (if not NULL). */
int hw_dma_translate_fault(struct hw_iommu *mmu, uint32_t rid,
			   uint32_t pasid, uint64_t iova, size_t len,
			   unsigned int access, void **hva, size_t *avail,
			   struct hw_fault *fault);

#endif
