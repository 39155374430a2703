/* SPDX-License-Identifier: MIT */
/*
 * src/drv private: the IOMMU drivers of the three emulated models (the
 * core's src/core/driver.h implemented on src/pt tables and the src/hw
 * engine).
 *
 * This header owns the driver-instance, domain and attachment structures
 * shared by the common code (drv.c: instances, tags, attach, translate;
 * domain.c: paging domains, map/unmap, dirty, flush fan-out) and the model
 * files (vtd.c, smmu.c, amd.c), and the per-model hook table.
 *
 * Objects:
 *  - struct drv_inst: one IOMMU of a platform, owning one hw_iommu, its
 *    attachment table and its cache-tag allocators;
 *  - struct drv_dom: a domain (paging: a page table; nested: a user
 *    stage 1 on a paging parent).  A domain may be attached on several
 *    instances of one model; it gets a tag on each (struct drv_dinfo) at
 *    its first attachment there and gives it back, after invalidating it,
 *    at its last;
 *  - struct drv_att: one (instance, rid, pasid) -> domain attachment,
 *    linked both on its instance and on its domain, so translate finds the
 *    domain of a request and unmap/user invalidation find every IOTLB that
 *    may hold the domain's translations.
 *
 * Locking: the core serialises calls on a domain with its context lock;
 * each instance has a mutex for its hw_iommu, attachment list and tag
 * maps (hw.h leaves serialisation to the caller).  Order: context lock,
 * then one instance lock; never two instance locks at once.  translate
 * takes only the instance lock; the MSI doorbell set it reads is atomic.
 */
#ifndef UIOMMU_DRV_PRIV_H
#define UIOMMU_DRV_PRIV_H

#include "core/core.h"
#include "core/driver.h"
#include "drv/drv.h"
#include "hw/hw.h"
#include "pt/pt.h"

#include <pthread.h>
#include <stdatomic.h>

/* Cache tags are 16 bits on every model (ND=6, ASID16/VMID16, DomainID). */
#define DRV_TAGS 65536u
#define DRV_TAG_WORDS (DRV_TAGS / 64)

enum drv_tag_space {
	DRV_TAG_NONE = -1,	/* borrows its parent's tag (SMMU nested) */
	DRV_TAG_DOM = 0,	/* VT-d DID, SMMU ASID, AMD DomainID */
	DRV_TAG_VMID = 1,	/* SMMU VMID */
};

/* MSI doorbell pages one paging domain can hold (the core has 64 slots). */
#define DRV_MMIO_SLOTS 64

/* The x86 interrupt address window (VT-d, AMD-Vi): writes are MSIs. */
#define DRV_X86_MSI_START 0xfee00000ULL
#define DRV_X86_MSI_LAST 0xfeefffffULL

struct drv_model;
struct drv_dom;

struct drv_inst {
	struct drv_iommu base;
	const struct drv_model *model;
	struct hw_iommu *hw;
	pthread_mutex_t lock;
	struct drv_att *atts;
	uint64_t tags[2][DRV_TAG_WORDS];
};

struct drv_dinfo {
	struct drv_inst *inst;
	struct drv_dinfo *parent;	/* SMMU nested: the parent's, held */
	uint16_t tag;
	unsigned int users;
	struct drv_dinfo *next;
};

struct drv_att {
	struct drv_inst *inst;
	struct drv_dom *dom;
	uint32_t rid;
	uint32_t pasid;
	struct drv_att *inst_next;
	struct drv_att *dom_next;
};

/* SMMUv3 nested STE decoded at allocation. */
enum drv_smmu_cfg {
	DRV_SMMU_ABORT = 1,
	DRV_SMMU_BYPASS,
	DRV_SMMU_S1,
};

struct drv_nest_vtd {
	struct pt_geom s1;	/* the guest's first-stage geometry */
	uint64_t pgtbl;		/* its root, a GPA */
	uint32_t addr_width;
	uint64_t flags;
};

struct drv_nest_smmu {
	enum drv_smmu_cfg cfg;
	uint64_t ste[2];
	struct drv_viommu *viommu;	/* allocated through it, or NULL */
};

struct drv_dom {
	struct drv_domain d;
	uint32_t flags;			/* DRV_PAGING_* at allocation */
	/* paging */
	struct pt *pt;
	const struct pt_geom *geom;
	bool smmu_s2;			/* ARM stage-2 (nest parent) */
	struct drv_dom *children;	/* nested domains on this parent */
	atomic_uint nmmio;
	struct {
		uint64_t iova;
		_Atomic uint64_t oa;	/* page address, 0: free */
	} mmio[DRV_MMIO_SLOTS];
	/* nested */
	struct drv_dom *sibling;	/* on parent->children */
	union {
		struct drv_nest_vtd vtd;
		struct drv_nest_smmu smmu;
	} nest;
	/* where it is */
	struct drv_dinfo *infos;
	struct drv_att *atts;
};

/*
 * What differs between models.  The common code allocates tags, keeps
 * the attachment lists and drives these hooks; every hook that touches
 * the hw_iommu is called with the instance lock held.
 */
struct drv_model {
	enum hw_model hw;
	unsigned int hw_flags;		/* HW_CAP_* for hw_create */
	unsigned int vtd_mamv;
	bool x86_msi;			/* writes to 0xfee00000 are MSIs */
	const struct drv_iommu_ops *ops;
	/* The page table of a paging domain allocated with @flags. */
	int (*paging_cfg)(const struct drv_inst *in, uint32_t flags,
			  struct pt_cfg *cfg);
	/* PT_PROT_CACHE or 0 for a map of IOAS @prot into @d. */
	unsigned int (*cache_prot)(const struct drv_dom *d, uint32_t prot);
	/* Can @d be attached to (@dev, @pasid) of @in?  -EINVAL if not. */
	int (*attach_check)(const struct drv_inst *in, const struct drv_dom *d,
			    const struct uiommu_device_desc *dev,
			    uint32_t pasid);
	enum drv_tag_space (*tag_space)(const struct drv_dom *d);
	/* The hw configuration for @d at @pasid, with tag info->tag. */
	int (*build_cfg)(struct drv_inst *in, struct drv_dom *d,
			 const struct drv_dinfo *info, uint32_t pasid,
			 struct hw_config *cfg);
	/* Invalidate [start, last] of paging domain @d (tag @tag). */
	void (*flush_range)(struct drv_inst *in, struct drv_dom *d,
			    uint16_t tag, uint64_t start, uint64_t last,
			    bool leaf_only);
	/* The same range changed in the parent of nested @d (tag @tag). */
	void (*flush_child)(struct drv_inst *in, struct drv_dom *d,
			    uint16_t tag, uint64_t start, uint64_t last);
	/* Attachment of @d at @pasid on @in is going (may be NULL). */
	void (*flush_detach)(struct drv_inst *in, struct drv_dom *d,
			     const struct drv_dinfo *info, uint32_t pasid);
	/* Everything tagged for @d: its last attachment on @in went. */
	void (*flush_tag)(struct drv_inst *in, struct drv_dom *d,
			  const struct drv_dinfo *info);
};

extern const struct drv_model drv_vtd_model, drv_smmu_model, drv_amd_model;

static inline struct drv_inst *drv_inst_of(struct drv_iommu *i)
{
	return container_of(i, struct drv_inst, base);
}

static inline struct drv_dom *drv_dom_of(struct drv_domain *d)
{
	return container_of(d, struct drv_dom, d);
}

/* The paging domain whose table a domain's translations end in. */
static inline struct drv_dom *drv_dom_paging(struct drv_dom *d)
{
	return d->d.kind == DRV_DOMAIN_NESTED ? drv_dom_of(d->d.parent) : d;
}

/* ---- drv.c: common iommu ops ---- */
int drv_attach(struct drv_iommu *iommu, const struct uiommu_device_desc *dev,
	       uint32_t pasid, struct drv_domain *d);
int drv_translate(struct drv_iommu *iommu,
		  const struct uiommu_device_desc *dev, uint32_t pasid,
		  uint64_t iova, uint32_t access, struct drv_xlate *out,
		  struct drv_fault *fault);
void drv_dma_begin(struct drv_iommu *iommu);
void drv_dma_end(struct drv_iommu *iommu);
int drv_translate_run(struct drv_iommu *iommu,
		      const struct uiommu_device_desc *dev, uint32_t pasid,
		      uint64_t iova, uint64_t len, uint32_t access,
		      struct drv_xlate *out, struct drv_fault *fault);
struct drv_dinfo *drv_dinfo_find(struct drv_dom *d, struct drv_inst *in);
/* The attachment of (@rid, @pasid) on @in, or NULL.  Instance lock held. */
struct drv_att *drv_att_find(struct drv_inst *in, uint32_t rid,
			     uint32_t pasid);
/* Reprogram @a's stream from its domain (blocked if that fails). */
int drv_att_reprogram(struct drv_att *a);
/*
 * A reference on @d's tag record on @in (also without an attachment: a
 * vIOMMU keeps its nest parent's VMID this way), and its release.
 * Instance lock held.
 */
int drv_dinfo_get(struct drv_inst *in, struct drv_dom *d,
		  struct drv_dinfo **out);
void drv_dinfo_put(struct drv_inst *in, struct drv_dom *d,
		   struct drv_dinfo *info);
/* Drop every remaining attachment of @d (a domain freed while attached). */
void drv_dom_detach_all(struct drv_dom *d);

/* ---- domain.c: domains ---- */
int drv_domain_alloc_paging(struct drv_iommu *iommu,
			    const struct uiommu_device_desc *dev,
			    uint32_t flags, struct drv_domain **out);
/* A nested domain shell on @parent with @ops (the model fills nest). */
struct drv_dom *drv_nested_new(struct drv_dom *parent,
			       const struct drv_domain_ops *ops,
			       uint32_t flags);
void drv_domain_free(struct drv_domain *d);
/* The table's stage for a hw_config. */
void drv_dom_stage(const struct drv_dom *d, uint16_t tag,
		   struct hw_stage *st);

/* Smallest naturally aligned 2^lg2 block holding [start, last] (>= 4K). */
static inline unsigned int drv_block_lg2(uint64_t start, uint64_t last)
{
	uint64_t x = start ^ last;
	unsigned int lg2 = x ? 64 - (unsigned int)__builtin_clzll(x) : 0;

	return lg2 < 12 ? 12 : lg2;
}

static inline uint64_t drv_mask(unsigned int lg2)
{
	return lg2 >= 64 ? ~0ULL : (1ULL << lg2) - 1;
}

#endif
