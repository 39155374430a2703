/* SPDX-License-Identifier: MIT */
/*
 * The Linux iommufd user ABI (/dev/iommu), declared independently by uiommu
 * from the published interface: command numbers, struct layouts and flag
 * values are facts of the ABI, pinned below with _Static_assert on every
 * size and offset.
 *
 * Linux's own <linux/iommufd.h> is not shipped by every distribution (Debian
 * 12's kernel headers lack it).  Programs written against the Linux uAPI can
 * be built with -I<prefix>/include/uiommu so that #include <linux/iommufd.h>
 * resolves here; the identifiers are Linux's, the one place uiommu's public
 * headers do not use the uiommu_ prefix.
 *
 * Conventions of the ABI: every struct starts with __u32 size (the caller's
 * sizeof); fields named __reserved must be zero; out_ fields are written
 * back; IOVA ranges are inclusive.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/* IOMMU_DESTROY: destroy any object by id. */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* IOMMU_IOAS_ALLOC: flags must be 0. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/* IOMMU_IOAS_IOVA_RANGES: num_iovas in = capacity, out = total. */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* IOMMU_IOAS_ALLOW_IOVAS: replace the allowed list (num_iovas 0 clears). */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/* IOMMU_IOAS_MAP: map user_va; iova in (FIXED_IOVA) or out. */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/* IOMMU_IOAS_MAP_FILE: map [start, start + length) of file fd. */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/* IOMMU_IOAS_COPY: share the pages behind src_iova into dst_ioas_id. */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/* IOMMU_IOAS_UNMAP: length in, bytes unmapped out. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/* IOMMU_OPTION: get or set one option of the ctx or of an object. */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/* IOMMU_VFIO_IOAS: the IOAS the VFIO type1 compatibility layer uses. */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* IOMMU_IOAS_CHANGE_PROCESS: move pinned-page accounting to the caller. */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)


/* ---- HW pagetables (HWPT) ------------------------------------------------ */

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/* Intel VT-d stage-1 page table info (IOMMU_HWPT_DATA_VTD_S1). */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* ARM SMMUv3 nested STE (IOMMU_HWPT_DATA_ARM_SMMUV3), little endian. */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
};

/* IOMMU_HWPT_ALLOC: a paging HWPT from an IOAS, or a nested one from a
 * nest-parent HWPT (pt_id). */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
};

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/* IOMMU_GET_HW_INFO: what the IOMMU behind a bound device can do. */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/* IOMMU_HWPT_INVALIDATE: entry_num in: entries; out: entries handled. */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* ---- vIOMMU and vDEVICE ----------------------------------------------------- */

enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/*
 * IOMMU_VIOMMU_ALLOC: a virtual IOMMU on the physical IOMMU behind dev_id,
 * holding the nest-parent HWPT hwpt_id.  flags 0; data_len/data_uptr are
 * type-specific data (none for ARM_SMMUV3).
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/*
 * IOMMU_VDEVICE_ALLOC: device dev_id as seen through vIOMMU viommu_id, with
 * the guest's id for it (virt_id: the vSID on ARM SMMUv3).
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/* ABI facts: sizes and offsets as the kernel lays them out. */
#define IOMMUFD_ABI_OFF(t, f, o) \
	_Static_assert(offsetof(struct t, f) == (o), #t "." #f " offset")
#define IOMMUFD_ABI_SIZE(t, s) \
	_Static_assert(sizeof(struct t) == (s), #t " size")

IOMMUFD_ABI_SIZE(iommu_destroy, 8);
IOMMUFD_ABI_OFF(iommu_destroy, id, 4);
IOMMUFD_ABI_SIZE(iommu_ioas_alloc, 12);
IOMMUFD_ABI_OFF(iommu_ioas_alloc, out_ioas_id, 8);
IOMMUFD_ABI_SIZE(iommu_iova_range, 16);
IOMMUFD_ABI_SIZE(iommu_ioas_iova_ranges, 32);
IOMMUFD_ABI_OFF(iommu_ioas_iova_ranges, num_iovas, 8);
IOMMUFD_ABI_OFF(iommu_ioas_iova_ranges, allowed_iovas, 16);
IOMMUFD_ABI_OFF(iommu_ioas_iova_ranges, out_iova_alignment, 24);
IOMMUFD_ABI_SIZE(iommu_ioas_allow_iovas, 24);
IOMMUFD_ABI_OFF(iommu_ioas_allow_iovas, allowed_iovas, 16);
IOMMUFD_ABI_SIZE(iommu_ioas_map, 40);
IOMMUFD_ABI_OFF(iommu_ioas_map, user_va, 16);
IOMMUFD_ABI_OFF(iommu_ioas_map, length, 24);
IOMMUFD_ABI_OFF(iommu_ioas_map, iova, 32);
IOMMUFD_ABI_SIZE(iommu_ioas_map_file, 40);
IOMMUFD_ABI_OFF(iommu_ioas_map_file, fd, 12);
IOMMUFD_ABI_OFF(iommu_ioas_map_file, start, 16);
IOMMUFD_ABI_OFF(iommu_ioas_map_file, iova, 32);
IOMMUFD_ABI_SIZE(iommu_ioas_copy, 40);
IOMMUFD_ABI_OFF(iommu_ioas_copy, src_ioas_id, 12);
IOMMUFD_ABI_OFF(iommu_ioas_copy, length, 16);
IOMMUFD_ABI_OFF(iommu_ioas_copy, dst_iova, 24);
IOMMUFD_ABI_OFF(iommu_ioas_copy, src_iova, 32);
IOMMUFD_ABI_SIZE(iommu_ioas_unmap, 24);
IOMMUFD_ABI_OFF(iommu_ioas_unmap, iova, 8);
IOMMUFD_ABI_OFF(iommu_ioas_unmap, length, 16);
IOMMUFD_ABI_SIZE(iommu_option, 24);
IOMMUFD_ABI_OFF(iommu_option, op, 8);
IOMMUFD_ABI_OFF(iommu_option, __reserved, 10);
IOMMUFD_ABI_OFF(iommu_option, object_id, 12);
IOMMUFD_ABI_OFF(iommu_option, val64, 16);
IOMMUFD_ABI_SIZE(iommu_vfio_ioas, 12);
IOMMUFD_ABI_OFF(iommu_vfio_ioas, op, 8);
IOMMUFD_ABI_SIZE(iommu_ioas_change_process, 8);
IOMMUFD_ABI_SIZE(iommu_hwpt_vtd_s1, 24);
IOMMUFD_ABI_OFF(iommu_hwpt_vtd_s1, addr_width, 16);
IOMMUFD_ABI_SIZE(iommu_hwpt_arm_smmuv3, 16);
IOMMUFD_ABI_SIZE(iommu_hwpt_alloc, 48);
IOMMUFD_ABI_OFF(iommu_hwpt_alloc, out_hwpt_id, 16);
IOMMUFD_ABI_OFF(iommu_hwpt_alloc, __reserved, 20);
IOMMUFD_ABI_OFF(iommu_hwpt_alloc, data_type, 24);
IOMMUFD_ABI_OFF(iommu_hwpt_alloc, data_uptr, 32);
IOMMUFD_ABI_OFF(iommu_hwpt_alloc, fault_id, 40);
IOMMUFD_ABI_SIZE(iommu_hw_info_vtd, 24);
IOMMUFD_ABI_SIZE(iommu_hw_info_arm_smmuv3, 40);
IOMMUFD_ABI_SIZE(iommu_hw_info, 40);
IOMMUFD_ABI_OFF(iommu_hw_info, data_uptr, 16);
IOMMUFD_ABI_OFF(iommu_hw_info, out_data_type, 24);
IOMMUFD_ABI_OFF(iommu_hw_info, out_max_pasid_log2, 28);
IOMMUFD_ABI_OFF(iommu_hw_info, __reserved, 29);
IOMMUFD_ABI_OFF(iommu_hw_info, out_capabilities, 32);
IOMMUFD_ABI_SIZE(iommu_hwpt_set_dirty_tracking, 16);
IOMMUFD_ABI_SIZE(iommu_hwpt_get_dirty_bitmap, 48);
IOMMUFD_ABI_OFF(iommu_hwpt_get_dirty_bitmap, iova, 16);
IOMMUFD_ABI_OFF(iommu_hwpt_get_dirty_bitmap, data, 40);
IOMMUFD_ABI_SIZE(iommu_hwpt_vtd_s1_invalidate, 24);
IOMMUFD_ABI_SIZE(iommu_viommu_arm_smmuv3_invalidate, 16);
IOMMUFD_ABI_SIZE(iommu_hwpt_invalidate, 32);
IOMMUFD_ABI_OFF(iommu_hwpt_invalidate, data_type, 16);
IOMMUFD_ABI_OFF(iommu_hwpt_invalidate, entry_num, 24);
IOMMUFD_ABI_SIZE(iommu_viommu_alloc, 40);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, type, 8);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, dev_id, 12);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, hwpt_id, 16);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, out_viommu_id, 20);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, data_len, 24);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, __reserved, 28);
IOMMUFD_ABI_OFF(iommu_viommu_alloc, data_uptr, 32);
IOMMUFD_ABI_SIZE(iommu_vdevice_alloc, 24);
IOMMUFD_ABI_OFF(iommu_vdevice_alloc, viommu_id, 4);
IOMMUFD_ABI_OFF(iommu_vdevice_alloc, dev_id, 8);
IOMMUFD_ABI_OFF(iommu_vdevice_alloc, out_vdevice_id, 12);
IOMMUFD_ABI_OFF(iommu_vdevice_alloc, virt_id, 16);
_Static_assert(IOMMU_HWPT_ALLOC == 0x3b89, "HWPT_ALLOC number");
_Static_assert(IOMMU_HWPT_INVALIDATE == 0x3b8d, "HWPT_INVALIDATE number");
_Static_assert(IOMMU_DESTROY == 0x3b80, "IOMMU_DESTROY number");
_Static_assert(IOMMU_IOAS_CHANGE_PROCESS == 0x3b92, "CHANGE_PROCESS number");
_Static_assert(IOMMU_VIOMMU_ALLOC == 0x3b90, "VIOMMU_ALLOC number");
_Static_assert(IOMMU_VDEVICE_ALLOC == 0x3b91, "VDEVICE_ALLOC number");

#endif
