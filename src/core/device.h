/* SPDX-License-Identifier: MIT */
/*
 * Private declarations for platforms, devices and HWPTs (issue 4 core).
 *
 * A platform instance holds the emulated IOMMUs (driver instances), the
 * devices behind them and their iommu groups; it outlives and is shared by
 * contexts, as hardware is shared by processes.  A context binds a platform
 * device to get a DEVICE object; attaching it to an HWPT programs the IOMMU
 * for the device's whole group (R48).
 *
 * Group state is touched by one context only: binding claims DMA ownership
 * of the group for the binding context (-EBUSY for another), so a group's
 * attachments are always changed under its owner's context lock.  The
 * platform lock guards ownership itself.
 */
#ifndef UIOMMU_CORE_DEVICE_H
#define UIOMMU_CORE_DEVICE_H

#include "core/core.h"
#include "core/driver.h"

#include <uiommu/platform.h>

struct hwpt;

/* One (pasid -> HWPT) attachment of a group: every device attached at that
 * pasid shares the HWPT (R47). */
struct group_attach {
	uint32_t pasid;
	struct hwpt *hwpt;
	uint32_t ndevs;            /* devices attached through it */
	struct group_attach *next;
};

struct plat_group {
	uint32_t id;
	struct uiommu_ctx *owner;  /* DMA owner; NULL: nobody bound */
	uint32_t nbound;
	struct group_attach *attach;
	uint64_t required_sw_msi;  /* ctx sw_msi entries its MSIs need */
};

struct plat_dev {
	const struct uiommu_device_desc *desc;
	struct drv_iommu *iommu;
	struct plat_group *group;
	struct device *bound;      /* the DEVICE object, if bound */
};

struct uiommu_platform {
	struct uiommu_platform_desc desc;
	const struct drv_factory *factory;
	pthread_mutex_t lock;      /* group ownership */
	struct drv_iommu *iommus[UIOMMU_PLATFORM_MAX_IOMMUS];
	struct plat_dev devs[UIOMMU_PLATFORM_MAX_DEVICES];
	struct plat_group groups[UIOMMU_PLATFORM_MAX_DEVICES];
	uint32_t ngroups;
};

/* A device's attachment at one pasid. */
struct dev_attach {
	uint32_t pasid;
	struct hwpt *hwpt;
	struct dev_attach *next;
};

struct vdevice;

struct device {
	struct uiommu_obj obj;
	struct uiommu_platform *plat;
	struct plat_dev *pdev;
	struct dev_attach *attached;
	struct vdevice *vdev;      /* its vDEVICE (at most one, R83) */
	bool destroying;           /* being unbound: no new vDEVICE */
};

struct hwpt {
	struct uiommu_obj obj;
	struct drv_domain *domain;
	/* paging */
	struct ioas *ioas;
	struct ioas_domain iodom;   /* the IOAS's hook into domain */
	bool auto_domain;
	bool nest_parent;
	bool pasid_compat;
	uint64_t present_sw_msi;    /* ctx sw_msi entries mapped here */
	/* nested */
	struct hwpt *parent;
	struct viommu *viommu;      /* allocated through it, or NULL */
};

/*
 * A vIOMMU: a physical IOMMU instance's slice for one VM, on a nest-parent
 * paging HWPT (referenced).  Its vDEVICEs map the guest's device ids to
 * devices; nested HWPTs allocated through it reference it.
 */
struct viommu {
	struct uiommu_obj obj;
	struct hwpt *hwpt;          /* the nest parent */
	struct drv_iommu *iommu;    /* the physical IOMMU it is tied to */
	struct drv_viommu *drv;
	struct vdevice *vdevs;      /* its vDEVICEs */
};

/* A device as the guest sees it through a vIOMMU (id virt_id). */
struct vdevice {
	struct uiommu_obj obj;
	struct viommu *viommu;      /* referenced */
	struct device *dev;         /* referenced */
	uint64_t virt_id;
	struct vdevice *next;       /* on viommu->vdevs */
};

int platform_create_with(const struct uiommu_platform_desc *desc,
			 const struct drv_factory *factory,
			 struct uiommu_platform **out);
void platform_destroy(struct uiommu_platform *p);

int device_bind(struct uiommu_ctx *ctx, struct uiommu_platform *p,
		uint32_t dev_index, uint32_t *out_id);
struct device *device_get(struct uiommu_ctx *ctx, uint32_t id);
/* Attach (-EBUSY if attached at @pasid), replace (-EINVAL if not),
 * detach (no-op if not).  *@pt_id in: HWPT or IOAS id; out: the HWPT. */
int device_attach(struct device *dev, uint32_t pasid, uint32_t *pt_id);
int device_replace(struct device *dev, uint32_t pasid, uint32_t *pt_id);
void device_detach(struct device *dev, uint32_t pasid);
int device_unbind(struct device *dev);
void device_drop_loads(struct device *dev);
void devices_detach_all(struct uiommu_ctx *ctx);
struct hwpt *device_hwpt(struct device *dev, uint32_t pasid);

int hwpt_alloc_paging(struct uiommu_ctx *ctx, struct device *dev,
		      struct ioas *ioas, uint32_t flags, bool auto_domain,
		      struct hwpt **out);
int hwpt_alloc_nested(struct uiommu_ctx *ctx, struct device *dev,
		      struct hwpt *parent, uint32_t flags, uint32_t data_type,
		      const void *data, uint32_t len, struct hwpt **out);
/* The paging HWPT whose IOAS a device's reserved regions go to. */
struct hwpt *hwpt_paging_of(struct hwpt *h);
struct hwpt *hwpt_get(struct uiommu_ctx *ctx, uint32_t id);

/* HW info constants (Linux values; HWPT flags are in uiommu.h). */
enum {
	UIOMMU_HW_INFO_TYPE_NONE = 0,
	UIOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	UIOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	UIOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	UIOMMU_HW_CAP_PASID_EXEC = 1 << 1,
	UIOMMU_HW_CAP_PASID_PRIV = 1 << 2,
};

int hwpt_cmd_alloc(struct uiommu_ctx *ctx, uint32_t flags, uint32_t dev_id,
		   uint32_t pt_id, uint32_t data_type, const void *data,
		   uint32_t data_len, uint32_t fault_id, uint32_t *out_id);
int device_cmd_hw_info(struct uiommu_ctx *ctx, uint32_t dev_id,
		       uint32_t in_type, void *buf, uint32_t *len,
		       uint32_t *out_type, uint64_t *caps,
		       uint8_t *max_pasid_log2);
int hwpt_cmd_invalidate(struct uiommu_ctx *ctx, uint32_t hwpt_id,
			uint32_t data_type, const void *entries,
			uint32_t entry_len, uint32_t *num);
int hwpt_cmd_set_dirty(struct uiommu_ctx *ctx, uint32_t hwpt_id, bool enable);
int hwpt_cmd_get_dirty(struct uiommu_ctx *ctx, uint32_t hwpt_id,
		       uint32_t flags, uint64_t iova, uint64_t length,
		       uint64_t page_size,
		       void (*fn)(void *opaque, uint64_t iova, uint64_t len),
		       void *opaque);

struct viommu *viommu_get(struct uiommu_ctx *ctx, uint32_t id);
int hwpt_alloc_nested_viommu(struct uiommu_ctx *ctx, struct device *dev,
			     struct viommu *v, uint32_t flags,
			     uint32_t data_type, const void *data,
			     uint32_t len, struct hwpt **out);
int viommu_cmd_alloc(struct uiommu_ctx *ctx, uint32_t flags, uint32_t type,
		     uint32_t dev_id, uint32_t hwpt_id, uint32_t *out_id);
int vdevice_cmd_alloc(struct uiommu_ctx *ctx, uint32_t viommu_id,
		      uint32_t dev_id, uint64_t virt_id, uint32_t *out_id);
/* Unbind: the device's vDEVICE goes, its id left a tombstone. */
void vdevice_revoke(struct device *dev);

extern const struct obj_ops device_ops, hwpt_paging_ops, hwpt_nested_ops,
	viommu_ops, vdevice_ops;

#endif
