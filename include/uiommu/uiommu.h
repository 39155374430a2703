/* SPDX-License-Identifier: MIT */
/*
 * uiommu — a userspace IOMMU stack.  Public C API.
 *
 * A context (struct uiommu_ctx) is what one open of /dev/iommu is: it owns a
 * table of objects named by 32-bit ids (never 0).  IOAS objects hold IOVA ->
 * user memory mappings.  The same operations are reachable two ways: the C
 * calls below, and uiommu_ioctl(), which takes Linux iommufd ioctl numbers and
 * argument structs unchanged (see <uiommu/linux/iommufd.h>).
 *
 * Conventions
 *  - Every fallible call returns 0 (or a count) on success and a negative
 *    errno on failure; results come back through out-parameters.  errno is
 *    never used.  docs/errors.md lists what each errno means.
 *  - A failed call changes nothing: no half-done map, no leaked id.
 *  - Ranges are [start, last] inclusive; lengths appear only at this API.
 *  - Thread safety: a context is safe to use from several threads; each call
 *    takes the context's lock.  Distinct contexts share only the process-wide
 *    pinned-page counter (atomic).  An access (struct uiommu_access) may be
 *    used from any thread; its ops callbacks run with the context lock held
 *    and must not call back into the context.
 *  - uiommu_ioctl() reads and writes user memory through a fault-catching
 *    copy: a bad pointer yields -EFAULT, never a crash.  To do this without a
 *    system call per copy, uiommu installs a SIGSEGV/SIGBUS handler on first
 *    use; faults that are not its own are passed to the previous handler.
 */
#ifndef UIOMMU_UIOMMU_H
#define UIOMMU_UIOMMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define UIOMMU_API __attribute__((visibility("default")))
#define UIOMMU_MUST_CHECK __attribute__((warn_unused_result))
#else
#define UIOMMU_API
#define UIOMMU_MUST_CHECK
#endif

struct uiommu_ctx;
struct uiommu_access;

/* Inclusive IOVA range, layout-identical to Linux struct iommu_iova_range. */
struct uiommu_iova_range {
	uint64_t start;
	uint64_t last;
};

/* Map flags: the Linux IOMMU_IOAS_MAP_* bit values. */
enum uiommu_map_flags {
	UIOMMU_MAP_FIXED_IOVA = 1 << 0,
	UIOMMU_MAP_WRITE = 1 << 1,
	UIOMMU_MAP_READ = 1 << 2,
};

/* ---- context ---------------------------------------------------------- */

/* Create a context (an open /dev/iommu).  -ENOMEM. */
UIOMMU_API int uiommu_ctx_create(struct uiommu_ctx **out);

/*
 * Destroy a context and every object in it, leaves first (a device before
 * its HWPT, a HWPT before its IOAS).  Accesses still open are revoked.
 * NULL is a no-op.  Never fails.
 */
UIOMMU_API void uiommu_ctx_destroy(struct uiommu_ctx *ctx);

/*
 * IOMMU_DESTROY: destroy object @id.  -ENOENT unknown id; -EBUSY while
 * another object or an access references it.
 */
UIOMMU_API int uiommu_obj_destroy(struct uiommu_ctx *ctx, uint32_t id);

/*
 * Linux iommufd ioctl entry point: @cmd is an IOMMU_* number from
 * <uiommu/linux/iommufd.h>, @arg points to its argument struct (first u32 is
 * the size).  Returns 0 or -errno exactly as the kernel's ioctl would set
 * errno: -ENOTTY unknown command, -EINVAL size too small, -E2BIG non-zero
 * bytes past the known struct, -EFAULT unreadable/unwritable memory.
 */
UIOMMU_API int uiommu_ioctl(struct uiommu_ctx *ctx, unsigned long cmd,
			    void *arg);

/* ---- IOAS --------------------------------------------------------------- */

/* IOMMU_IOAS_ALLOC.  -ENOMEM. */
UIOMMU_API int uiommu_ioas_alloc(struct uiommu_ctx *ctx, uint32_t *out_id);

/*
 * IOMMU_IOAS_MAP: map @length bytes of this process's memory at @va.
 * With UIOMMU_MAP_FIXED_IOVA, *@iova is the IOVA to use; otherwise uiommu
 * chooses one and returns it in *@iova.  @flags needs READ and/or WRITE.
 * Until a page table or an access needs the pages nothing is touched: only
 * the range is recorded.  The memory must stay mapped while the IOAS maps it
 * (use uiommu_ioas_map_file() for memory uiommu keeps alive itself).
 * Errors: -EINVAL (no permission, zero or misaligned length/iova, fixed iova
 * hits a reserved range), -EEXIST (fixed iova overlaps an area), -ENOSPC (no
 * room), -EOVERFLOW (wrap, or a value >= UINT64_MAX), -EOPNOTSUPP (unknown
 * flag), -EFAULT/-EPERM (pinning for an attached page table failed), -ENOMEM.
 */
UIOMMU_API UIOMMU_MUST_CHECK int
uiommu_ioas_map(struct uiommu_ctx *ctx, uint32_t ioas_id, const void *va,
		uint64_t length, uint64_t *iova, uint32_t flags);

/*
 * IOMMU_IOAS_MAP_FILE: map bytes [@start, @start + @length) of file @fd
 * (a memfd or a regular file).  uiommu takes its own shared mapping, so the
 * memory outlives the caller's fd and mappings.  -EBADF bad fd; -EPERM
 * WRITE on a file not open for writing; -EINVAL a file that cannot be
 * mapped; otherwise as uiommu_ioas_map().
 */
UIOMMU_API UIOMMU_MUST_CHECK int
uiommu_ioas_map_file(struct uiommu_ctx *ctx, uint32_t ioas_id, int fd,
		     uint64_t start, uint64_t length, uint64_t *iova,
		     uint32_t flags);

/*
 * IOMMU_IOAS_COPY: map the memory behind [@src_iova, +@length) of
 * @src_ioas_id into @dst_ioas_id, sharing the same pages (no second pin and
 * no second charge).  The source must be fully covered by areas (-ENOENT).
 * Destination placement and flags as uiommu_ioas_map().
 */
UIOMMU_API UIOMMU_MUST_CHECK int
uiommu_ioas_copy(struct uiommu_ctx *ctx, uint32_t dst_ioas_id,
		 uint32_t src_ioas_id, uint64_t src_iova, uint64_t length,
		 uint64_t *dst_iova, uint32_t flags);

/*
 * IOMMU_IOAS_UNMAP: unmap every area inside [@iova, @iova + @length).
 * Whole areas only: a range that cuts an area fails with -ENOENT and unmaps
 * nothing.  @iova = 0 with @length = UINT64_MAX unmaps everything (and
 * succeeds on an empty IOAS).  *@unmapped (may be NULL) gets the byte count.
 * -ENOENT nothing mapped there; -EBUSY an access would not let go.
 */
UIOMMU_API int uiommu_ioas_unmap(struct uiommu_ctx *ctx, uint32_t ioas_id,
				 uint64_t iova, uint64_t length,
				 uint64_t *unmapped);

/*
 * IOMMU_IOAS_IOVA_RANGES: the usable IOVA ranges (holes of the reserved
 * ranges), ascending.  *@num in: capacity of @ranges; out: total number.
 * Returns -EMSGSIZE (after filling what fits) when the capacity is short.
 * *@out_alignment (may be NULL) gets the IOAS's IOVA alignment.
 */
UIOMMU_API int uiommu_ioas_iova_ranges(struct uiommu_ctx *ctx,
				       uint32_t ioas_id,
				       struct uiommu_iova_range *ranges,
				       uint32_t *num, uint64_t *out_alignment);

/*
 * IOMMU_IOAS_ALLOW_IOVAS: replace the allowed list (automatic IOVA
 * allocation only uses these; later reservations may not intersect them).
 * @num = 0 clears it.  -EINVAL start >= last or overlapping inputs;
 * -EADDRINUSE a range intersects a reserved one (old list kept).
 */
UIOMMU_API int uiommu_ioas_allow_iovas(struct uiommu_ctx *ctx, uint32_t ioas_id,
				       const struct uiommu_iova_range *ranges,
				       uint32_t num);

/*
 * uiommu extension (not a Linux ioctl): reserve [@start, @last] in the IOAS
 * on behalf of the caller, as a device's reserved region would be.  A VMM
 * uses it to keep guest-visible holes out of automatic allocation.
 * -EADDRINUSE overlaps an area or an allowed range; -EEXIST the caller
 * already reserved exactly this range; -EINVAL start > last.
 */
UIOMMU_API int uiommu_ioas_reserve(struct uiommu_ctx *ctx, uint32_t ioas_id,
				   uint64_t start, uint64_t last);

/* Undo uiommu_ioas_reserve() of exactly [@start, @last].  -ENOENT. */
UIOMMU_API int uiommu_ioas_unreserve(struct uiommu_ctx *ctx, uint32_t ioas_id,
				     uint64_t start, uint64_t last);

/* IOMMU_OPTION ids and ops (Linux values). */
enum uiommu_option_id {
	UIOMMU_OPTION_RLIMIT_MODE = 0,
	UIOMMU_OPTION_HUGE_PAGES = 1,
};
enum uiommu_option_op {
	UIOMMU_OPTION_OP_SET = 0,
	UIOMMU_OPTION_OP_GET = 1,
};

/*
 * IOMMU_OPTION.  RLIMIT_MODE (object 0): 0 = charge pinned pages to the
 * user, 1 = to the process; SET needs CAP_SYS_RESOURCE (-EPERM) and an
 * empty context (-EBUSY).  HUGE_PAGES (object = IOAS id): 1 allows large IO
 * pages (default); SET 0 fails -EINVAL once the IOAS has both page tables and
 * areas.  GET writes *@val.
 */
UIOMMU_API int uiommu_option(struct uiommu_ctx *ctx, uint32_t option_id,
			     uint16_t op, uint32_t object_id, uint64_t *val);

/* ---- inspection ------------------------------------------------------------ */

enum uiommu_span_kind {
	UIOMMU_SPAN_AREA = 1,     /* a mapping */
	UIOMMU_SPAN_RESERVED = 2, /* a reserved range (one owner) */
	UIOMMU_SPAN_ALLOWED = 3,  /* an ALLOW_IOVAS range */
};

struct uiommu_span {
	uint32_t kind;   /* enum uiommu_span_kind */
	uint32_t flags;  /* areas: UIOMMU_MAP_READ/WRITE; file-backed: bit 31 */
	uint64_t start;
	uint64_t last;
	uint64_t pinned; /* areas: pages of this area currently pinned */
};
#define UIOMMU_SPAN_FILE (1u << 31)

/*
 * Call @fn for every area, reserved range and allowed range of the IOAS in
 * ascending order of start (areas, then reserved, then allowed for equal
 * starts).  Stops early and returns @fn's value if it returns non-zero.
 * @fn runs with the context lock held and must not call into the context.
 */
UIOMMU_API int uiommu_ioas_walk(struct uiommu_ctx *ctx, uint32_t ioas_id,
				int (*fn)(const struct uiommu_span *span,
					  void *opaque),
				void *opaque);

/* Pinned-page counters of this context and of the process, in pages. */
struct uiommu_pin_stats {
	uint64_t ctx_pinned;     /* pages this context has pinned (charged) */
	uint64_t user_locked;    /* process-wide, RLIMIT_MODE 0 charges */
	uint64_t mm_pinned;      /* process-wide, RLIMIT_MODE 1 charges */
};
UIOMMU_API int uiommu_pin_stats(struct uiommu_ctx *ctx,
				struct uiommu_pin_stats *out);

/* ---- accesses: a device emulator's window on an IOAS ------------------ */

/*
 * An access is uiommu's counterpart of an iommufd in-kernel access (what an
 * mdev driver uses): it pins IOVA ranges of one IOAS and reads or writes the
 * memory behind them.  It holds a reference on the IOAS (IOAS destroy is
 * -EBUSY while it exists).  When the IOAS is asked to unmap a range the
 * access has pinned, ops->unmap is called and must unpin it; if it does not,
 * the unmap fails with -EBUSY and the mapping stays.
 */
struct uiommu_access_ops {
	void (*unmap)(void *opaque, uint64_t iova, uint64_t length);
};

UIOMMU_API int uiommu_access_create(struct uiommu_ctx *ctx, uint32_t ioas_id,
				    const struct uiommu_access_ops *ops,
				    void *opaque, struct uiommu_access **out);

/* Unpins everything still pinned and drops the IOAS reference. NULL ok. */
UIOMMU_API void uiommu_access_destroy(struct uiommu_access *access);

/*
 * Pin [@iova, +@length) for reading (and writing if @flags has
 * UIOMMU_MAP_WRITE).  The range must be fully mapped (-ENOENT) with the
 * needed permission (-EPERM); memory the process cannot access gives
 * -EFAULT; pinning past RLIMIT_MEMLOCK gives -ENOMEM.  All or nothing.
 */
UIOMMU_API UIOMMU_MUST_CHECK int
uiommu_access_pin(struct uiommu_access *access, uint64_t iova, uint64_t length,
		  uint32_t flags);

/* Undo exactly one earlier pin of the same range.  -ENOENT if none. */
UIOMMU_API int uiommu_access_unpin(struct uiommu_access *access, uint64_t iova,
				   uint64_t length);

/*
 * Copy between @buf and IOVA [@iova, +@length): to the IOVA if @flags has
 * UIOMMU_MAP_WRITE, else from it.  Pins for the duration.  Errors as
 * uiommu_access_pin().
 */
UIOMMU_API UIOMMU_MUST_CHECK int
uiommu_access_rw(struct uiommu_access *access, uint64_t iova, void *buf,
		 uint64_t length, uint32_t flags);

/* ---- devices (platform devices bound to a context) ---------------------- */

struct uiommu_platform;
struct uiommu_platform_desc;

/* What the Linux iommu core reports, plus which region is the SW_MSI
 * window (see <uiommu/platform.h> for the types). */
struct uiommu_resv_info {
	uint64_t start;
	uint64_t last;
	uint32_t type;   /* enum uiommu_resv_type */
	uint32_t flags;  /* UIOMMU_RESV_INFO_* */
};
#define UIOMMU_RESV_INFO_SW_MSI_WINDOW (1u << 0) /* MSI doorbells go here */
#define UIOMMU_RESV_INFO_ENFORCED (1u << 1)      /* reserved at RID attach */

#define UIOMMU_PASID_NONE 0xffffffffu

/*
 * Bind device @index of @platform to @ctx (what VFIO_DEVICE_BIND_IOMMUFD
 * does): claims DMA ownership of its iommu group, blocks its DMA.
 * -EINVAL non-coherent IOMMU or a device needing a 1:1 mapping; -EPERM MSIs
 * not isolated; -EBUSY bound already or group owned elsewhere; -ENODEV no
 * such device.
 */
UIOMMU_API int uiommu_device_bind(struct uiommu_ctx *ctx,
				  struct uiommu_platform *platform,
				  uint32_t index, uint32_t *out_dev_id);

/* Detach everywhere and unbind (closing the VFIO device fd). */
UIOMMU_API int uiommu_device_unbind(struct uiommu_ctx *ctx, uint32_t dev_id);

/*
 * Attach (or, if attached at @pasid already, atomically replace) the device
 * to HWPT or IOAS *@pt_id; *@pt_id gets the HWPT used.  @pasid is
 * UIOMMU_PASID_NONE for the RID.  VFIO_DEVICE_ATTACH_IOMMUFD_PT semantics.
 */
UIOMMU_API int uiommu_device_attach(struct uiommu_ctx *ctx, uint32_t dev_id,
				    uint32_t pasid, uint32_t *pt_id);

/* Back to blocked DMA; a no-op when not attached. */
UIOMMU_API int uiommu_device_detach(struct uiommu_ctx *ctx, uint32_t dev_id,
				    uint32_t pasid);

/*
 * uiommu extension (Linux dropped IOMMU_RESV_IOVA_RANGES): the device's
 * reserved regions, SW_MSI window marked.  *@num in: capacity; out: total
 * (-EMSGSIZE when short).
 */
UIOMMU_API int uiommu_device_resv_regions(struct uiommu_ctx *ctx,
					  uint32_t dev_id,
					  struct uiommu_resv_info *regions,
					  uint32_t *num);

/*
 * uiommu extension: reserve the device's enforced regions in an IOAS now,
 * without attaching (so a VMM can lay out guest memory around them), and
 * undo that.  Owned separately from attach-time reservations.
 * -EADDRINUSE a region overlaps an area or an allowed range (nothing
 * reserved); -EEXIST loaded already; -ENOENT (unload) not loaded.
 */
UIOMMU_API int uiommu_ioas_load_resv(struct uiommu_ctx *ctx, uint32_t ioas_id,
				     uint32_t dev_id);
UIOMMU_API int uiommu_ioas_unload_resv(struct uiommu_ctx *ctx,
				       uint32_t ioas_id, uint32_t dev_id);

/*
 * Cache coherency of a bound device, for a KVM-like caller deciding whether
 * the guest may need WBINVD (the seed's no-snoop question, R80):
 * ENFORCED if its IOMMU can force snooping (what kvm-vfio asks of a VFIO
 * cdev file); NO_SNOOP if the device may issue no-snoop DMA at all.
 */
#define UIOMMU_COHERENCY_ENFORCED (1u << 0)
#define UIOMMU_COHERENCY_NO_SNOOP (1u << 1)
UIOMMU_API int uiommu_device_coherency(struct uiommu_ctx *ctx, uint32_t dev_id,
				       uint32_t *flags);

/*
 * A kvm-vfio-like registry: devices are added and removed; noncoherent is
 * true iff any registered device is not enforced-coherent, and
 * *@transitions counts how often that flipped (KVM registers noncoherent
 * DMA once per transition).  Not thread-safe.
 */
struct uiommu_kvm;
UIOMMU_API int uiommu_kvm_create(struct uiommu_kvm **out);
UIOMMU_API void uiommu_kvm_destroy(struct uiommu_kvm *kvm);
UIOMMU_API int uiommu_kvm_add(struct uiommu_kvm *kvm, struct uiommu_ctx *ctx,
			      uint32_t dev_id);
UIOMMU_API int uiommu_kvm_del(struct uiommu_kvm *kvm, struct uiommu_ctx *ctx,
			      uint32_t dev_id);
UIOMMU_API int uiommu_kvm_noncoherent(const struct uiommu_kvm *kvm,
				      uint32_t *transitions);

/* ---- HWPTs, vIOMMUs, vDEVICEs (nesting) ---------------------------------- */

/* IOMMU_HWPT_ALLOC flags and data types (the Linux values). */
enum uiommu_hwpt_flags {
	UIOMMU_HWPT_NEST_PARENT = 1 << 0,
	UIOMMU_HWPT_DIRTY = 1 << 1,
	UIOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	UIOMMU_HWPT_PASID = 1 << 3,
};
enum uiommu_hwpt_data_type {
	UIOMMU_HWPT_DATA_NONE = 0,
	UIOMMU_HWPT_DATA_VTD_S1 = 1,	 /* struct iommu_hwpt_vtd_s1 */
	UIOMMU_HWPT_DATA_ARM_SMMUV3 = 2, /* struct iommu_hwpt_arm_smmuv3 */
};
/* vIOMMU types and HWPT_INVALIDATE data types (the Linux values). */
enum uiommu_viommu_type {
	UIOMMU_VIOMMU_TYPE_DEFAULT = 0,	 /* reserved: -EOPNOTSUPP */
	UIOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
};
enum uiommu_invalidate_data_type {
	UIOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	/* struct iommu_viommu_arm_smmuv3_invalidate: one SMMUv3 command */
	UIOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/*
 * IOMMU_HWPT_ALLOC: @pt_id an IOAS makes a paging HWPT; a nest-parent
 * paging HWPT or a vIOMMU makes a nested one from @data (@data_type, @len
 * bytes, zero-extended; non-zero bytes past the known struct -E2BIG).
 * With a vIOMMU the parent is the vIOMMU's, @dev_id must sit behind the
 * vIOMMU's physical IOMMU (-EINVAL, R36) and @flags must be 0 (PASID
 * -EOPNOTSUPP).  Errors: -ENOENT unknown device (or FAULT_ID_VALID: no
 * fault objects yet); -EINVAL @pt_id of no such object or type, data type
 * and length disagree, a parent that cannot nest; -EOPNOTSUPP unknown
 * flags, no data for a nested HWPT, a driver that cannot nest; -EIO an
 * SMMUv3 STE with fields outside the nesting set (R37).
 */
UIOMMU_API int uiommu_hwpt_alloc(struct uiommu_ctx *ctx, uint32_t flags,
				 uint32_t dev_id, uint32_t pt_id,
				 uint32_t data_type, const void *data,
				 uint32_t len, uint32_t *out_hwpt_id);

/*
 * IOMMU_HWPT_INVALIDATE: run @(*num) entries of @entry_len bytes at
 * @entries on the nested HWPT or vIOMMU @id.  *@num in: entries (0 probes
 * whether @data_type is taken); out: entries executed, also on error.
 * Errors: -ENOENT unknown id; -EINVAL a paging HWPT, @data_type not the
 * target's, entries but no @entries or a zero @entry_len; -EOPNOTSUPP a
 * nested HWPT whose driver takes no invalidation (SMMUv3: use the
 * vIOMMU); -EIO an SMMUv3 command outside the allowed set or naming an
 * unknown vSID; -E2BIG an entry with non-zero bytes past the known struct.
 */
UIOMMU_API int uiommu_hwpt_invalidate(struct uiommu_ctx *ctx, uint32_t id,
				      uint32_t data_type, const void *entries,
				      uint32_t entry_len, uint32_t *num);

/*
 * IOMMU_VIOMMU_ALLOC: a vIOMMU of @type on the physical IOMMU behind
 * @dev_id, on the nest-parent paging HWPT @hwpt_id (which it references:
 * destroying that HWPT is -EBUSY while the vIOMMU exists).  The vIOMMU is
 * -EBUSY to destroy while vDEVICEs or nested HWPTs use it.
 * Errors: -EOPNOTSUPP @flags non-zero, @type DEFAULT, or a type the
 * device's IOMMU does not implement (VT-d, AMD-Vi, an SMMUv3 without
 * nesting); -ENOENT unknown device, @hwpt_id not a paging HWPT; -EINVAL a
 * HWPT without NEST_PARENT or of another physical IOMMU.
 */
UIOMMU_API int uiommu_viommu_alloc(struct uiommu_ctx *ctx, uint32_t flags,
				   uint32_t type, uint32_t dev_id,
				   uint32_t hwpt_id, uint32_t *out_viommu_id);

/*
 * IOMMU_VDEVICE_ALLOC: device @dev_id as the guest sees it through vIOMMU
 * @viommu_id, with the guest's id @virt_id for it (the vSID on SMMUv3,
 * what the guest's invalidation commands name).  The vDEVICE references
 * the vIOMMU and the device.  Unbinding the device destroys its vDEVICE
 * and leaves the id unusable (-ENOENT) until the context closes, as
 * Linux does.  Errors: -EINVAL @virt_id above ULONG_MAX (32-bit builds
 * only), the device behind another physical IOMMU; -ENOENT unknown
 * vIOMMU or device, a device being unbound; -EEXIST the device has a
 * vDEVICE already, or @virt_id is taken in this vIOMMU.
 */
UIOMMU_API int uiommu_vdevice_alloc(struct uiommu_ctx *ctx, uint32_t viommu_id,
				    uint32_t dev_id, uint64_t virt_id,
				    uint32_t *out_vdevice_id);

/* Human-readable name of a uiommu -errno, for tools ("EADDRINUSE"). */
UIOMMU_API const char *uiommu_errno_name(int err);

#ifdef __cplusplus
}
#endif

#endif
