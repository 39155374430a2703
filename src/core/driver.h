/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU driver interface: what the core needs from an IOMMU.
 *
 * The core (objects, IOAS, devices, HWPTs, attach rules) never touches page
 * tables or translation hardware directly; it asks a driver, as iommufd asks
 * Linux's iommu_ops / iommu_domain_ops.  src/hw implements one driver per
 * emulated model (VT-d, SMMUv3, AMD-Vi) on the real page-table formats and
 * the translation engine; tests use a mock that checks how it is called.
 *
 * A domain is a translation context a device can be attached to: a paging
 * domain holds a page table the core fills from an IOAS (its map/unmap are
 * the IOAS's domain hook); a nested domain is a user-owned stage 1 on top
 * of a nest-parent paging domain.  Drivers flush their IOTLBs inside unmap
 * and attach: the core never sees a stale translation window.
 */
#ifndef UIOMMU_CORE_DRIVER_H
#define UIOMMU_CORE_DRIVER_H

#include <uiommu/platform.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct drv_iommu;
struct drv_domain;
struct drv_viommu;

/* Flags for domain_alloc_paging (the HWPT_ALLOC flags that reach it). */
enum {
	DRV_PAGING_NEST_PARENT = 1 << 0,
	DRV_PAGING_DIRTY = 1 << 1,
	DRV_PAGING_PASID = 1 << 2,
	/* Force snooping: set at allocation when the allocating device's
	 * IOMMU can enforce coherency (R76), never later. */
	DRV_PAGING_ENFORCE_COHERENCY = 1 << 3,
};

enum drv_domain_kind {
	DRV_DOMAIN_PAGING = 1,
	DRV_DOMAIN_NESTED = 2,
};

struct drv_domain_ops {
	/* Paging: map [iova, +len) to host VA hva.  prot is UIOMMU_MAP_READ |
	 * UIOMMU_MAP_WRITE | IOAS_PROT_* bits.  All or nothing. */
	int (*map)(struct drv_domain *d, uint64_t iova, uint64_t hva,
		   uint64_t len, uint32_t prot);
	/* Paging: remove exactly an earlier map and flush.  Never fails. */
	void (*unmap)(struct drv_domain *d, uint64_t iova, uint64_t len);
	/* Paging: start/stop dirty tracking (enabling clears dirty state). */
	int (*set_dirty_tracking)(struct drv_domain *d, bool enable);
	/* Paging: report dirty runs in [iova, +len) through fn, clearing
	 * them unless flags has UIOMMU_DIRTY_NO_CLEAR (1). */
	int (*read_and_clear_dirty)(struct drv_domain *d, uint64_t iova,
				    uint64_t len, uint32_t flags,
				    void (*fn)(void *opaque, uint64_t iova,
					       uint64_t len),
				    void *opaque);
	/* Nested: run the user's invalidation entries of @data_type; *@num
	 * in: entries, out: entries handled (also on error). */
	int (*cache_invalidate_user)(struct drv_domain *d, uint32_t data_type,
				     const void *entries, uint32_t entry_len,
				     uint32_t *num);
	void (*free)(struct drv_domain *d);
};

struct drv_domain {
	const struct drv_domain_ops *ops;
	struct drv_iommu *iommu;
	uint32_t kind;             /* enum drv_domain_kind */
	uint64_t pgsize_bitmap;    /* paging: IO page sizes it maps */
	uint64_t aperture_start;   /* paging: IOVA it can translate */
	uint64_t aperture_last;
	bool enforce_coherency;    /* snoop forced on every mapping */
	bool dirty_tracking;       /* supports dirty tracking */
	struct drv_domain *parent; /* nested: its stage 2 */
};

/* A translation for DMA (device models), see drv_iommu_ops.translate. */
struct drv_xlate {
	uint64_t hva;   /* host address */
	uint64_t len;   /* bytes usable from hva with the same translation */
	bool mmio;      /* an MSI doorbell mapping (IOAS_PROT_MMIO), not RAM */
};

enum drv_fault_reason {
	DRV_FAULT_NOT_PRESENT = 1, /* nothing mapped there */
	DRV_FAULT_PERMISSION,      /* mapped without the needed R/W */
	DRV_FAULT_ADDRESS_SIZE,    /* beyond the table's input/output width */
	DRV_FAULT_BLOCKED,         /* the device is blocked / not attached */
	DRV_FAULT_OTHER,           /* any other fault the hardware reports */
};

struct drv_fault {
	uint32_t reason;  /* enum drv_fault_reason */
	uint32_t stage;   /* 1, 2, or 0 for a configuration fault */
	uint64_t addr;    /* the faulting IOVA */
};

enum {
	DRV_ACCESS_READ = 1 << 0,
	DRV_ACCESS_WRITE = 1 << 1,
};

/*
 * A vIOMMU's driver half (iommufd_viommu's driver part): one physical
 * IOMMU instance's virtualization slice for one VM, on a nest-parent
 * paging domain.  The guest's cache tags (an SMMUv3 ASID) and device ids
 * (an SMMUv3 vSID) are meaningful only through it.
 */
struct drv_viommu_ops {
	/* A nested domain from user data (HWPT_ALLOC with pt_id = the
	 * vIOMMU); the parent is the vIOMMU's.  Errors as domain_alloc_nested
	 * (-EINVAL for a data type the vIOMMU does not take). */
	int (*alloc_domain_nested)(struct drv_viommu *v,
				   const struct uiommu_device_desc *dev,
				   uint32_t flags, uint32_t data_type,
				   const void *data, uint32_t len,
				   struct drv_domain **out);
	/* Run the user's invalidation entries of @data_type in order; *@num
	 * in: entries (0: a probe, @entries may be NULL), out: entries
	 * executed, also on error. */
	int (*cache_invalidate)(struct drv_viommu *v, uint32_t data_type,
				const void *entries, uint32_t entry_len,
				uint32_t *num);
	void (*free)(struct drv_viommu *v);
};

struct drv_viommu {
	const struct drv_viommu_ops *ops;
	struct drv_iommu *iommu;	/* the physical instance */
	struct drv_domain *parent;	/* the nest parent (stage 2) */
	uint32_t type;			/* IOMMU_VIOMMU_TYPE_* */
	/* Set by the core: the device the guest calls @virt_id in this
	 * vIOMMU (its vDEVICE), or NULL. */
	const struct uiommu_device_desc *(*find_dev)(struct drv_viommu *v,
						     uint64_t virt_id);
	/* Set by the core: does @dev have a vDEVICE in this vIOMMU? */
	bool (*has_vdev)(struct drv_viommu *v,
			 const struct uiommu_device_desc *dev);
	void *core;			/* the core's vIOMMU object */
};

struct drv_iommu_ops {
	/*
	 * IOMMU_GET_HW_INFO payload for @dev: *@type gets the data type
	 * (IOMMU_HW_INFO_TYPE_*), up to *@len bytes go to @buf, and *@len
	 * gets the driver's full length.
	 */
	int (*hw_info)(struct drv_iommu *iommu,
		       const struct uiommu_device_desc *dev, uint32_t *type,
		       void *buf, uint32_t *len);
	int (*domain_alloc_paging)(struct drv_iommu *iommu,
				   const struct uiommu_device_desc *dev,
				   uint32_t flags, struct drv_domain **out);
	/* -EOPNOTSUPP if the model cannot nest; the driver validates @data
	 * (-EINVAL, -EIO for an illegal SMMUv3 STE, R37). */
	int (*domain_alloc_nested)(struct drv_domain *parent,
				   const struct uiommu_device_desc *dev,
				   uint32_t flags, uint32_t data_type,
				   const void *data, uint32_t len,
				   struct drv_domain **out);
	/*
	 * vIOMMUs (NULL: none).  viommu_check: can @dev's IOMMU back a vIOMMU
	 * of @type (-EOPNOTSUPP if not)?  viommu_alloc: make one on the nest
	 * parent @parent (-EINVAL a parent this instance cannot use).
	 */
	int (*viommu_check)(struct drv_iommu *iommu,
			    const struct uiommu_device_desc *dev,
			    uint32_t type);
	int (*viommu_alloc)(struct drv_iommu *iommu,
			    const struct uiommu_device_desc *dev,
			    uint32_t type, struct drv_domain *parent,
			    struct drv_viommu **out);
	/*
	 * Point (@dev, @pasid) at @d, or block its DMA when @d is NULL.
	 * Atomic, as a context-entry/STE/DTE update is: on failure the old
	 * configuration stays.  UIOMMU_NO_PASID is the RID.
	 */
	int (*attach)(struct drv_iommu *iommu,
		      const struct uiommu_device_desc *dev, uint32_t pasid,
		      struct drv_domain *d);
	/*
	 * Translate a DMA of (@dev, @pasid) at @iova for @access
	 * (DRV_ACCESS_*) exactly as the IOMMU would, through its caches.
	 * Return: 0 and *@out; -EFAULT and *@fault (also queued in the
	 * IOMMU's fault log).  UIOMMU_NO_PASID for requests without one.
	 */
	int (*translate)(struct drv_iommu *iommu,
			 const struct uiommu_device_desc *dev, uint32_t pasid,
			 uint64_t iova, uint32_t access, struct drv_xlate *out,
			 struct drv_fault *fault);
	/*
	 * Optional, all three or none: DMA by a device model that moves
	 * many bytes.  Between dma_begin and dma_end the IOMMU's
	 * invalidations wait, so translations taken with translate_run stay
	 * usable until dma_end: an unmap that returns has no DMA in flight
	 * through what it removed.  translate_run translates as @translate
	 * does, but lets out->len (at most @len) run on over following
	 * pages while their host memory stays contiguous with the rights
	 * and is not a doorbell: one call per host run, not per page.  It
	 * faults only for @iova itself.  Keep the window short (a copy).
	 */
	void (*dma_begin)(struct drv_iommu *iommu);
	void (*dma_end)(struct drv_iommu *iommu);
	int (*translate_run)(struct drv_iommu *iommu,
			     const struct uiommu_device_desc *dev,
			     uint32_t pasid, uint64_t iova, uint64_t len,
			     uint32_t access, struct drv_xlate *out,
			     struct drv_fault *fault);
};

#define UIOMMU_NO_PASID 0xffffffffu

/*
 * Take one user invalidation entry of @entry_len bytes into a driver struct
 * of @size bytes whose mandatory part is @min bytes (R41's per-entry rules,
 * the same as an ioctl's): shorter than @min -EINVAL, longer with non-zero
 * bytes past @size -E2BIG, otherwise zero-extended.
 */
static inline int drv_copy_entry(void *dst, size_t size, size_t min,
				 const void *entry, uint32_t entry_len)
{
	const unsigned char *e = entry;

	if (entry_len < min)
		return -EINVAL;
	for (size_t i = size; i < entry_len; i++)
		if (e[i])
			return -E2BIG;
	memset(dst, 0, size);
	memcpy(dst, e, entry_len < size ? entry_len : size);
	return 0;
}

struct drv_iommu {
	const struct drv_iommu_ops *ops;
	const struct uiommu_iommu_desc *desc;
};

/* Creates the driver instance for one IOMMU of a platform. */
typedef int (*drv_iommu_create_fn)(const struct uiommu_iommu_desc *desc,
				   struct drv_iommu **out);
typedef void (*drv_iommu_destroy_fn)(struct drv_iommu *iommu);

struct drv_factory {
	drv_iommu_create_fn create;
	drv_iommu_destroy_fn destroy;
};

#endif
