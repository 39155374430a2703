/* SPDX-License-Identifier: MIT */
/*
 * The subset of the Linux VFIO user ABI that uiommu implements for its
 * emulated devices (/dev/vfio/devices/vfioN, the device cdev), declared
 * independently by uiommu from the published interface: ioctl numbers,
 * struct layouts and flag values are facts of the ABI, pinned below with
 * _Static_assert on every size and offset.
 *
 * Why our own: Debian 12's <linux/vfio.h> is Linux 6.1's and lacks the
 * cdev ioctls (BIND_IOMMUFD, ATTACH/DETACH_IOMMUFD_PT) and the bind token.
 * Programs built with -I<prefix>/include/uiommu get this file for
 * #include <linux/vfio.h>; the identifiers are Linux's.  Only what uiommu
 * implements is here (no container/group ioctls, no migration, no
 * capability chains): a program needing more should use the kernel's
 * header, with which every value below agrees.
 *
 * Conventions of the ABI: every struct starts with __u32 argsz (the
 * caller's sizeof); the kernel reads the fields it knows of and writes back
 * what it reports.
 */
#ifndef _UAPIVFIO_H
#define _UAPIVFIO_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

#define VFIO_API_VERSION 0

#define VFIO_TYPE (';')
#define VFIO_BASE 100

/* ---- VFIO_DEVICE_GET_INFO ---------------------------------------------- */

struct vfio_device_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FLAGS_RESET (1 << 0)	/* Device supports reset */
#define VFIO_DEVICE_FLAGS_PCI (1 << 1)		/* vfio-pci device */
#define VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)	/* vfio-platform device */
#define VFIO_DEVICE_FLAGS_AMBA (1 << 3)		/* vfio-amba device */
#define VFIO_DEVICE_FLAGS_CCW (1 << 4)		/* vfio-ccw device */
#define VFIO_DEVICE_FLAGS_AP (1 << 5)		/* vfio-ap device */
#define VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)	/* vfio-fsl-mc device */
#define VFIO_DEVICE_FLAGS_CAPS (1 << 7)		/* Info supports caps */
#define VFIO_DEVICE_FLAGS_CDX (1 << 8)		/* vfio-cdx device */
	__u32 num_regions;
	__u32 num_irqs;
	__u32 cap_offset;
	__u32 pad;
};
#define VFIO_DEVICE_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 7)

/* ---- VFIO_DEVICE_GET_REGION_INFO --------------------------------------- */

struct vfio_region_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS (1 << 3)
	__u32 index;
	__u32 cap_offset;
	__aligned_u64 size;
	__aligned_u64 offset;	/* of the region in the device fd */
};
#define VFIO_DEVICE_GET_REGION_INFO _IO(VFIO_TYPE, VFIO_BASE + 8)

/* ---- VFIO_DEVICE_GET_IRQ_INFO ------------------------------------------ */

struct vfio_irq_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define VFIO_IRQ_INFO_NORESIZE (1 << 3)
	__u32 index;
	__u32 count;
};
#define VFIO_DEVICE_GET_IRQ_INFO _IO(VFIO_TYPE, VFIO_BASE + 9)

/* ---- VFIO_DEVICE_SET_IRQS ---------------------------------------------- */

struct vfio_irq_set {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_SET_DATA_NONE (1 << 0)		/* Data not present */
#define VFIO_IRQ_SET_DATA_BOOL (1 << 1)		/* Data is bool (u8) */
#define VFIO_IRQ_SET_DATA_EVENTFD (1 << 2)	/* Data is eventfd (s32) */
#define VFIO_IRQ_SET_ACTION_MASK (1 << 3)	/* Mask interrupt */
#define VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)	/* Unmask interrupt */
#define VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)	/* Trigger interrupt */
	__u32 index;
	__u32 start;
	__u32 count;
	__u8 data[];
};
#define VFIO_DEVICE_SET_IRQS _IO(VFIO_TYPE, VFIO_BASE + 10)

#define VFIO_IRQ_SET_DATA_TYPE_MASK \
	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | \
	 VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK \
	(VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | \
	 VFIO_IRQ_SET_ACTION_TRIGGER)

/* ---- VFIO_DEVICE_RESET ------------------------------------------------- */

#define VFIO_DEVICE_RESET _IO(VFIO_TYPE, VFIO_BASE + 11)

/* ---- vfio-pci region and irq indexes ----------------------------------- */

enum {
	VFIO_PCI_BAR0_REGION_INDEX,
	VFIO_PCI_BAR1_REGION_INDEX,
	VFIO_PCI_BAR2_REGION_INDEX,
	VFIO_PCI_BAR3_REGION_INDEX,
	VFIO_PCI_BAR4_REGION_INDEX,
	VFIO_PCI_BAR5_REGION_INDEX,
	VFIO_PCI_ROM_REGION_INDEX,
	VFIO_PCI_CONFIG_REGION_INDEX,
	VFIO_PCI_VGA_REGION_INDEX,
	VFIO_PCI_NUM_REGIONS = 9	/* fixed user ABI */
};

enum {
	VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_MSIX_IRQ_INDEX,
	VFIO_PCI_ERR_IRQ_INDEX,
	VFIO_PCI_REQ_IRQ_INDEX,
	VFIO_PCI_NUM_IRQS
};

/* ---- device cdev: iommufd binding -------------------------------------- */

/*
 * VFIO_DEVICE_BIND_IOMMUFD: bind the device to iommufd @iommufd; @out_devid
 * is the DEVICE object id in it.  Unbind is closing the device fd.
 * @token_uuid_ptr (with VFIO_DEVICE_BIND_FLAG_TOKEN) points to a 16-byte
 * VF token UUID.
 */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0)
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach (or replace) the device's RID, or
 * @pasid with VFIO_DEVICE_ATTACH_PASID, to IOAS/HWPT @pt_id; @pt_id is
 * written back with the HWPT used.
 */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_ATTACH_PASID (1 << 0)
	__u32 pt_id;
	__u32 pasid;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

/* VFIO_DEVICE_DETACH_IOMMUFD_PT: back to blocked DMA. */
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_DETACH_PASID (1 << 0)
	__u32 pasid;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

/* ---- the ABI, pinned ---------------------------------------------------- */

#define VFIO_ABI_OFF(t, f, o) \
	_Static_assert(offsetof(struct t, f) == (o), #t "." #f " offset")
#define VFIO_ABI_SIZE(t, s) \
	_Static_assert(sizeof(struct t) == (s), #t " size")

VFIO_ABI_SIZE(vfio_device_info, 24);
VFIO_ABI_OFF(vfio_device_info, flags, 4);
VFIO_ABI_OFF(vfio_device_info, num_regions, 8);
VFIO_ABI_OFF(vfio_device_info, num_irqs, 12);
VFIO_ABI_OFF(vfio_device_info, cap_offset, 16);
VFIO_ABI_OFF(vfio_device_info, pad, 20);
VFIO_ABI_SIZE(vfio_region_info, 32);
VFIO_ABI_OFF(vfio_region_info, flags, 4);
VFIO_ABI_OFF(vfio_region_info, index, 8);
VFIO_ABI_OFF(vfio_region_info, cap_offset, 12);
VFIO_ABI_OFF(vfio_region_info, size, 16);
VFIO_ABI_OFF(vfio_region_info, offset, 24);
VFIO_ABI_SIZE(vfio_irq_info, 16);
VFIO_ABI_OFF(vfio_irq_info, flags, 4);
VFIO_ABI_OFF(vfio_irq_info, index, 8);
VFIO_ABI_OFF(vfio_irq_info, count, 12);
VFIO_ABI_SIZE(vfio_irq_set, 20);
VFIO_ABI_OFF(vfio_irq_set, flags, 4);
VFIO_ABI_OFF(vfio_irq_set, index, 8);
VFIO_ABI_OFF(vfio_irq_set, start, 12);
VFIO_ABI_OFF(vfio_irq_set, count, 16);
VFIO_ABI_OFF(vfio_irq_set, data, 20);
VFIO_ABI_SIZE(vfio_device_bind_iommufd, 24);
VFIO_ABI_OFF(vfio_device_bind_iommufd, flags, 4);
VFIO_ABI_OFF(vfio_device_bind_iommufd, iommufd, 8);
VFIO_ABI_OFF(vfio_device_bind_iommufd, out_devid, 12);
VFIO_ABI_OFF(vfio_device_bind_iommufd, token_uuid_ptr, 16);
VFIO_ABI_SIZE(vfio_device_attach_iommufd_pt, 16);
VFIO_ABI_OFF(vfio_device_attach_iommufd_pt, flags, 4);
VFIO_ABI_OFF(vfio_device_attach_iommufd_pt, pt_id, 8);
VFIO_ABI_OFF(vfio_device_attach_iommufd_pt, pasid, 12);
VFIO_ABI_SIZE(vfio_device_detach_iommufd_pt, 12);
VFIO_ABI_OFF(vfio_device_detach_iommufd_pt, flags, 4);
VFIO_ABI_OFF(vfio_device_detach_iommufd_pt, pasid, 8);

_Static_assert(VFIO_DEVICE_GET_INFO == 0x3b6b, "GET_INFO number");
_Static_assert(VFIO_DEVICE_GET_REGION_INFO == 0x3b6c, "GET_REGION_INFO number");
_Static_assert(VFIO_DEVICE_GET_IRQ_INFO == 0x3b6d, "GET_IRQ_INFO number");
_Static_assert(VFIO_DEVICE_SET_IRQS == 0x3b6e, "SET_IRQS number");
_Static_assert(VFIO_DEVICE_RESET == 0x3b6f, "RESET number");
_Static_assert(VFIO_DEVICE_BIND_IOMMUFD == 0x3b76, "BIND_IOMMUFD number");
_Static_assert(VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3b77, "ATTACH_PT number");
_Static_assert(VFIO_DEVICE_DETACH_IOMMUFD_PT == 0x3b78, "DETACH_PT number");
_Static_assert(VFIO_PCI_CONFIG_REGION_INDEX == 7, "config region index");
_Static_assert(VFIO_PCI_REQ_IRQ_INDEX == 4, "REQ irq index");

#endif
