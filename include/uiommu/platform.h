/* SPDX-License-Identifier: MIT */
/*
 * uiommu platforms: the emulated hardware a context's devices live on.
 *
 * A platform is a set of emulated IOMMU instances (Intel VT-d, ARM SMMUv3,
 * AMD-Vi), each with its capabilities, and the devices behind them: the
 * requester id the IOMMU sees, the iommu group, PASID support, the reserved
 * regions firmware reports, the MSI doorbell.  It is described by a plain
 * struct (below), which comes from a human-editable platform file
 * (docs/platform.md), from uiommu_platform_default(), or from code.
 */
#ifndef UIOMMU_PLATFORM_H
#define UIOMMU_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include <uiommu/uiommu.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UIOMMU_NAME_MAX 32
#define UIOMMU_PLATFORM_MAX_IOMMUS 8
#define UIOMMU_PLATFORM_MAX_DEVICES 64
#define UIOMMU_DEVICE_MAX_RESV 8

enum uiommu_iommu_model {
	UIOMMU_IOMMU_VTD = 1,
	UIOMMU_IOMMU_SMMUV3 = 2,
	UIOMMU_IOMMU_AMD = 3,
};

/* IOMMU instance capabilities. */
enum uiommu_iommu_caps {
	UIOMMU_IOMMU_CAP_NESTING = 1 << 0,      /* nest parent + nested S1 */
	UIOMMU_IOMMU_CAP_DIRTY = 1 << 1,        /* dirty tracking */
	/* Can force snooping of no-snoop DMA (VT-d SNP, AMD FC, ARM S2FWB). */
	UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY = 1 << 2,
	/* Interrupt remapping (x86) or an isolated-MSI ITS (ARM). */
	UIOMMU_IOMMU_CAP_MSI_ISOLATED = 1 << 3,
	/* The IOMMU itself is coherent (IOMMU_CAP_CACHE_COHERENCY): without
	 * it binding to iommufd fails (R57). */
	UIOMMU_IOMMU_CAP_COHERENT = 1 << 4,
};

struct uiommu_iommu_desc {
	char name[UIOMMU_NAME_MAX];
	uint32_t model;        /* enum uiommu_iommu_model */
	uint32_t caps;         /* enum uiommu_iommu_caps */
	uint32_t pasid_bits;   /* PASID width the IOMMU supports, 0 = none */
	uint32_t address_bits; /* input address width of its paging tables:
				  VT-d 39/48/57, ARM 32..48, AMD 32..64 */
	uint32_t granule;      /* ARM page granule 4096/16384/65536; 4096 */
};

/* Reserved-region types, as the Linux iommu core reports them. */
enum uiommu_resv_type {
	UIOMMU_RESV_DIRECT = 1,           /* must stay 1:1 (RMRR, IVMD, RMR) */
	UIOMMU_RESV_DIRECT_RELAXABLE = 2, /* 1:1 wanted, may be dropped */
	UIOMMU_RESV_RESERVED = 3,         /* never usable for DMA */
	UIOMMU_RESV_MSI = 4,              /* hardware MSI window (x86) */
	UIOMMU_RESV_SW_MSI = 5,           /* software-managed MSI window (ARM) */
};

struct uiommu_resv_region {
	uint64_t start;
	uint64_t last; /* inclusive */
	uint32_t type; /* enum uiommu_resv_type */
	uint32_t pad;
};

enum uiommu_device_flags {
	UIOMMU_DEV_PRI = 1 << 0,        /* supports page request (PRI) */
	UIOMMU_DEV_VF = 1 << 1,         /* a PCI virtual function */
	UIOMMU_DEV_PASID_EXEC = 1 << 2, /* PASID execute permission */
	UIOMMU_DEV_PASID_PRIV = 1 << 3, /* PASID privileged mode */
	UIOMMU_DEV_NO_SNOOP = 1 << 4,   /* may issue no-snoop DMA */
	UIOMMU_DEV_DIRTY = 1 << 5,      /* dirty tracking usable for it */
};

struct uiommu_device_desc {
	char name[UIOMMU_NAME_MAX];
	uint32_t iommu;        /* index into uiommu_platform_desc.iommus */
	uint32_t rid;          /* requester id: PCI BDF (VT-d, AMD DeviceID),
				  StreamID (SMMUv3) */
	uint32_t group;        /* iommu group id: devices that cannot be
				  isolated from each other share one */
	uint32_t pasid_bits;   /* PASID width the device supports, 0 = none */
	uint32_t flags;        /* enum uiommu_device_flags */
	uint32_t nresv;
	uint64_t msi_doorbell; /* address its MSI writes go to (0 = none) */
	struct uiommu_resv_region resv[UIOMMU_DEVICE_MAX_RESV];
};

struct uiommu_platform_desc {
	uint32_t niommus;
	uint32_t ndevices;
	/* iommufd.allow_unsafe_interrupts: bind without isolated MSI (R75) */
	uint32_t allow_unsafe_interrupts;
	uint32_t pad;
	struct uiommu_iommu_desc iommus[UIOMMU_PLATFORM_MAX_IOMMUS];
	struct uiommu_device_desc devices[UIOMMU_PLATFORM_MAX_DEVICES];
};

/*
 * Parse platform-file @text (docs/platform.md) into @out.  On failure
 * returns -EINVAL and writes a message naming the line and the field into
 * @err (e.g. "line 12: field 'rid': expected BB:DD.F or a number").
 */
UIOMMU_API int uiommu_platform_parse(const char *text,
				     struct uiommu_platform_desc *out,
				     char *err, size_t errlen);

/* Read and parse the file at @path; -errno of the read, or as parse. */
UIOMMU_API int uiommu_platform_load(const char *path,
				    struct uiommu_platform_desc *out,
				    char *err, size_t errlen);

/* The built-in default platform (documented in docs/platform.md). */
UIOMMU_API void uiommu_platform_default(struct uiommu_platform_desc *out);

/*
 * Check a description for consistency (indexes in range, unique names and
 * requester ids per IOMMU, resv ranges start <= last, PASID widths within
 * the IOMMU's, groups within one IOMMU).  -EINVAL with a message in @err.
 */
UIOMMU_API int uiommu_platform_validate(const struct uiommu_platform_desc *p,
					char *err, size_t errlen);

/* Enough for any platform's text (every limit filled: ~47 KB). */
#define UIOMMU_PLATFORM_TEXT_MAX 65536

/*
 * Write @p back as platform-file text (round-trips through parse).
 * Returns the text length (like snprintf, without the NUL), -ENOSPC if
 * @len is too small, -EINVAL for an invalid @p.
 */
UIOMMU_API int uiommu_platform_format(const struct uiommu_platform_desc *p,
				      char *buf, size_t len);

/*
 * A platform instance of @desc on the emulated IOMMU models (VT-d, SMMUv3,
 * AMD-Vi; docs/drivers.md): its devices start unbound, DMA blocked.
 * -EINVAL an invalid @desc (uiommu_platform_validate); -ENOMEM.
 */
UIOMMU_API int uiommu_platform_create(const struct uiommu_platform_desc *desc,
				      struct uiommu_platform **out);

/* Destroy @p (NULL ok); every context using it must be destroyed first. */
UIOMMU_API void uiommu_platform_destroy(struct uiommu_platform *p);

#ifdef __cplusplus
}
#endif

#endif
