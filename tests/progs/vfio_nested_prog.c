// SPDX-License-Identifier: MIT
/*
 * vfio_nested_prog: a VMM's nested-translation flow, written only against
 * the Linux uAPI (iommufd, VFIO cdev) and the DMA engine's register map.
 *
 * It plays both roles a nesting VMM has: the host side (bind, an IOAS
 * holding "guest RAM" at guest-physical addresses, a NEST_PARENT stage 2,
 * a nested HWPT with the vendor's stage-1 data, attach) and the guest side
 * (a stage-1 page table built inside guest RAM, in the vendor's format:
 * x86-64 paging for VT-d, an SMMUv3 CD and VMSAv8-64 table for SMMUv3).
 * The device then DMAs at guest IOVAs, and the program checks that every
 * byte moves exactly where the two stages together say, and nowhere else:
 * stage-1 faults, stage-2 faults, a stale guest entry kept until the guest
 * invalidates (forwarded with IOMMU_HWPT_INVALIDATE), a host unmap taking
 * effect at once, the MSI doorbell, and blocked DMA after detach.
 *
 * Usage: vfio_nested_prog [DEVICE-NODE]  (default /dev/vfio/devices/vfio0)
 * Last line: "vfio_nested_prog: N checks passed".  Exit 0 all passed, 1 a
 * check failed, 2 the IOMMU cannot nest, 3 a node could not be opened.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "vfio_prog.h"

#define GPA 0x40000000ull	/* guest RAM base (guest-physical) */
#define GPAGES 64		/* guest RAM size in pages */
#define GPA_OF(pg) (GPA + (__u64)(pg) * PAGE)

/* Guest IOVAs and the guest pages behind them (stage 1). */
#define G_SRC 0x10000000ull	/* 4 pages -> guest pages 8..11 */
#define G_DST 0x10010000ull	/* 4 pages -> guest pages 16..19 */
#define G_RO 0x10020000ull	/* 1 page, read-only -> guest page 20 */
#define G_S2HOLE 0x10030000ull	/* -> a GPA outside guest RAM */
#define G_NONE 0x10040000ull	/* not mapped by the guest */
#define PG_SRC 8
#define PG_DST 16
#define PG_RO 20
#define PG_ALT 24		/* where the guest remaps G_DST */
#define NPG 4

enum vendor { VTD, SMMU };

struct vm {
	enum vendor vendor;
	int iommufd, dev;
	__u32 devid, ioas, parent, nested, viommu;
	unsigned char *ram;	/* guest RAM as the host sees it */
};

static __u64 *gpage(struct vm *vm, unsigned pg)
{
	return (__u64 *)(vm->ram + pg * PAGE);
}

static unsigned char *gbytes(struct vm *vm, unsigned pg)
{
	return vm->ram + pg * PAGE;
}

/* ---- the guest's stage 1 ------------------------------------------------ */

/* x86-64 paging (VT-d first stage): present, writable, user. */
#define X_P 0x1ull
#define X_RW 0x2ull
#define X_US 0x4ull
#define X_TBL (X_P | X_RW | X_US)

/* VMSAv8-64, 4K granule: table/page descriptors, AttrIndx 1 (MAIR[1] =
 * normal write-back), EL0 access, inner shareable, access flag. */
#define A_TABLE 0x3ull
#define A_PAGE (0x3ull | (1ull << 2) | (1ull << 6) | (3ull << 8) | (1ull << 10))
#define A_RO (1ull << 7)

/* SMMUv3 STE word 0/1 and CD word 0 fields (SMMUv3 spec 5.2, 5.4). */
#define STE0_V 1ull
#define STE0_CFG_S1 (5ull << 1)
#define STE1_WB ((1ull << 2) | (1ull << 4) | (3ull << 6)) /* S1CIR/COR/CSH */
#define CD_OFF 0x40		/* the CD inside guest page 0 */
#define CD0_T0SZ_39 25ull
#define CD0_V (1ull << 31)
#define CD0_IPS_48 (5ull << 32)
#define CD0_AA64 (1ull << 41)
#define CD0_ASID(a) ((__u64)(a) << 48)
#define ASID 0x42
#define VSID 0x7		/* the guest's StreamID for the device */

/*
 * Where the leaf for @gva lives.  Tables: VT-d PML4/PDPT/PD/PT at guest
 * pages 0-3; SMMUv3 (T0SZ 25, three levels) L1/L2/L3 at pages 1-3 with a
 * second L3 at page 4 for the MSI window, the CD in page 0.
 */
static __u64 *leaf(struct vm *vm, __u64 gva)
{
	unsigned l3 = (gva >> 21) == (G_SRC >> 21) ? 3 : 4;

	return &gpage(vm, l3)[(gva >> 12) & 511];
}

static void guest_map(struct vm *vm, __u64 gva, __u64 gpa, int writable)
{
	if (vm->vendor == VTD)
		*leaf(vm, gva) = gpa | X_P | X_US | (writable ? X_RW : 0);
	else
		*leaf(vm, gva) = gpa | A_PAGE | (writable ? 0 : A_RO);
}

static void guest_build(struct vm *vm)
{
	if (vm->vendor == VTD) {
		gpage(vm, 0)[0] = GPA_OF(1) | X_TBL;
		gpage(vm, 1)[0] = GPA_OF(2) | X_TBL;
		gpage(vm, 2)[(G_SRC >> 21) & 511] = GPA_OF(3) | X_TBL;
	} else {
		__u64 *cd = gpage(vm, 0) + CD_OFF / 8;

		cd[0] = CD0_T0SZ_39 | CD0_V | CD0_IPS_48 | CD0_AA64 |
			CD0_ASID(ASID);
		cd[1] = GPA_OF(1);	/* TTB0 */
		cd[3] = 0x0004ff44;	/* MAIR: attr1 = normal WB */
		gpage(vm, 1)[(G_SRC >> 30) & 511] = GPA_OF(2) | A_TABLE;
		gpage(vm, 2)[(G_SRC >> 21) & 511] = GPA_OF(3) | A_TABLE;
	}
	for (unsigned i = 0; i < NPG; i++) {
		guest_map(vm, G_SRC + i * PAGE, GPA_OF(PG_SRC + i), 1);
		guest_map(vm, G_DST + i * PAGE, GPA_OF(PG_DST + i), 1);
	}
	guest_map(vm, G_RO, GPA_OF(PG_RO), 0);
	guest_map(vm, G_S2HOLE, GPA_OF(4 * GPAGES), 1);
}

/* SMMUv3: the guest maps its MSI page 1:1 onto the host's SW_MSI window
 * (what firmware's RMR node tells a guest to do). */
static void guest_map_msi(struct vm *vm, __u64 msi_iova)
{
	__u64 page = msi_iova & ~(PAGE - 1);

	/* L1 entry 0 (G_SRC's) covers it too; a second L3 at page 4. */
	gpage(vm, 2)[(page >> 21) & 511] = GPA_OF(4) | A_TABLE;
	*leaf(vm, page) = page | A_PAGE;
}

/* ---- the host (VMM) side ------------------------------------------------ */

static int hw_info(struct vm *vm)
{
	__u32 data[32] = { 0 };
	struct iommu_hw_info h = {
		.size = sizeof(h), .dev_id = vm->devid,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)data,
	};
	int err = xioctl(vm->iommufd, IOMMU_GET_HW_INFO, &h);

	check(!err && (h.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD ||
		       h.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3),
	      "GET_HW_INFO: %s, type %u (%s)", ename(err), h.out_data_type,
	      h.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD ? "VT-d" :
	      h.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 ? "SMMUv3" :
	      "?");
	if (err)
		return err;
	vm->vendor = h.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 ? SMMU
								     : VTD;
	return 0;
}

static int hwpt_alloc(struct vm *vm, __u32 flags, __u32 pt, __u32 type,
		      const void *data, __u32 len, __u32 *out)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a), .flags = flags, .dev_id = vm->devid,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int err = xioctl(vm->iommufd, IOMMU_HWPT_ALLOC, &a);

	*out = a.out_hwpt_id;
	return err;
}

/* The stage 2: guest RAM at its guest-physical addresses, nest parent. */
static int host_stage2(struct vm *vm)
{
	int err = ioas_alloc(vm->iommufd, &vm->ioas);

	if (!err)
		err = ioas_map(vm->iommufd, vm->ioas, vm->ram, GPAGES * PAGE,
			       GPA, IOMMU_IOAS_MAP_READABLE |
				    IOMMU_IOAS_MAP_WRITEABLE);
	check(!err, "IOAS with %u pages of guest RAM at GPA %#llx: %s",
	      GPAGES, GPA, ename(err));
	if (err)
		return err;
	err = hwpt_alloc(vm, IOMMU_HWPT_ALLOC_NEST_PARENT, vm->ioas,
			 IOMMU_HWPT_DATA_NONE, NULL, 0, &vm->parent);
	check(!err, "HWPT_ALLOC NEST_PARENT: %s, id %u", ename(err),
	      vm->parent);
	return err;
}

/* SMMUv3 as Linux has it: a vIOMMU over the parent, the device's vSID
 * registered as a vDEVICE; the nested HWPT hangs off the vIOMMU. */
static int host_viommu(struct vm *vm)
{
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
		.dev_id = vm->devid, .hwpt_id = vm->parent,
	};
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd),
					  .dev_id = vm->devid,
					  .virt_id = VSID };
	int err = xioctl(vm->iommufd, IOMMU_VIOMMU_ALLOC, &va);

	check(!err, "VIOMMU_ALLOC (ARM SMMUv3) over the parent: %s, id %u",
	      ename(err), va.out_viommu_id);
	if (err)
		return err;
	vm->viommu = va.out_viommu_id;
	vd.viommu_id = vm->viommu;
	err = xioctl(vm->iommufd, IOMMU_VDEVICE_ALLOC, &vd);
	check(!err, "VDEVICE_ALLOC vSID %#x: %s", VSID, ename(err));
	return err;
}

static int host_nested(struct vm *vm)
{
	struct iommu_hwpt_vtd_s1 vtd = { .pgtbl_addr = GPA, .addr_width = 48 };
	struct iommu_hwpt_arm_smmuv3 ste = {
		{ htole64(STE0_V | STE0_CFG_S1 | (GPA + CD_OFF)),
		  htole64(STE1_WB) }
	};
	int err;

	if (vm->vendor == VTD) {
		err = hwpt_alloc(vm, 0, vm->parent, IOMMU_HWPT_DATA_VTD_S1,
				 &vtd, sizeof(vtd), &vm->nested);
	} else {
		err = host_viommu(vm);
		if (!err)
			err = hwpt_alloc(vm, 0, vm->viommu,
					 IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
					 sizeof(ste), &vm->nested);
	}
	check(!err, "HWPT_ALLOC nested (%s, stage 1 at GPA %#llx): %s, id %u",
	      vm->vendor == VTD ? "IOMMU_HWPT_DATA_VTD_S1"
				: "IOMMU_HWPT_DATA_ARM_SMMUV3",
	      GPA, ename(err), vm->nested);
	return err;
}

/* The guest's invalidation of @n pages at @gva, forwarded as the VMM
 * does: VT-d descriptors on the nested HWPT, SMMUv3 commands on the
 * vIOMMU.  Returns an errno; *@done gets entry_num back. */
static int forward_inval(struct vm *vm, __u64 gva, __u32 n, __u32 *done)
{
	struct iommu_hwpt_vtd_s1_invalidate v = { .addr = gva, .npages = n };
	struct iommu_viommu_arm_smmuv3_invalidate cmd[NPG];
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
					     .entry_num = 1 };
	int err;

	if (vm->vendor == VTD) {
		inv.hwpt_id = vm->nested;
		inv.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
		inv.data_uptr = (uintptr_t)&v;
		inv.entry_len = sizeof(v);
	} else {
		/* CMD_TLBI_NH_VA (0x12): ASID in 63:48, VA in word 1. */
		for (__u32 i = 0; i < n && i < NPG; i++) {
			cmd[i].cmd[0] = htole64(0x12 | CD0_ASID(ASID));
			cmd[i].cmd[1] = htole64(gva + i * PAGE);
		}
		inv.hwpt_id = vm->viommu;
		inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
		inv.data_uptr = (uintptr_t)cmd;
		inv.entry_len = sizeof(cmd[0]);
		inv.entry_num = n;
	}
	err = xioctl(vm->iommufd, IOMMU_HWPT_INVALIDATE, &inv);
	*done = inv.entry_num;
	return err;
}

/* ---- checks ------------------------------------------------------------- */

static int fault_is(struct vm *vm, __u32 st, __u32 reason, __u32 stage,
		    __u64 addr)
{
	return st == STATUS_FAULT &&
	       rd(vm->dev, REG_FAULT_REASON, 4) == reason &&
	       rd(vm->dev, REG_FAULT_STAGE, 4) == stage &&
	       rd(vm->dev, REG_FAULT_ADDR, 8) == addr;
}

static void say_fault(struct vm *vm, const char *what, int ok, __u32 st)
{
	check(ok, "%s: status %#x, reason %llu, stage %llu, addr %#llx", what,
	      st, (unsigned long long)rd(vm->dev, REG_FAULT_REASON, 4),
	      (unsigned long long)rd(vm->dev, REG_FAULT_STAGE, 4),
	      (unsigned long long)rd(vm->dev, REG_FAULT_ADDR, 8));
}

static void check_translation(struct vm *vm)
{
	unsigned char *src = gbytes(vm, PG_SRC), *dst = gbytes(vm, PG_DST);
	__u32 st;

	st = dma(vm->dev, G_SRC + 8, G_DST, 3 * PAGE, 0);
	check(st == STATUS_DONE && !memcmp(dst, src + 8, 3 * PAGE),
	      "DMA of 3 pages at guest IOVAs: status %#x, bytes %s at the "
	      "guest pages stage 1 names", st,
	      memcmp(dst, src + 8, 3 * PAGE) ? "NOT" : "landed");
	memset(dst, 0, NPG * PAGE);
	st = dma(vm->dev, G_NONE, G_DST, 64, 0);
	say_fault(vm, "a guest IOVA stage 1 does not map: stage-1 fault",
		  fault_is(vm, st, FAULT_NOT_PRESENT, 1, G_NONE), st);
	st = dma(vm->dev, G_SRC, G_RO, 64, 0);
	say_fault(vm, "DMA into a guest read-only page: stage-1 permission",
		  fault_is(vm, st, FAULT_PERMISSION, 1, G_RO), st);
	check(all_zero(gbytes(vm, PG_RO), PAGE), "the read-only page is "
	      "untouched");
	st = dma(vm->dev, G_S2HOLE, G_DST, 64, 0);
	say_fault(vm, "stage 1 names a GPA the host never mapped: stage 2",
		  fault_is(vm, st, FAULT_NOT_PRESENT, 2, G_S2HOLE), st);
	check(all_zero(dst, NPG * PAGE), "faulting DMAs wrote nothing");
}

/* The guest remaps G_DST; the device keeps the cached translation until
 * the guest's invalidation is forwarded, then uses the new one. */
static void check_guest_invalidation(struct vm *vm)
{
	unsigned char *old = gbytes(vm, PG_DST), *alt = gbytes(vm, PG_ALT);
	__u32 st, done = 0;
	int err;

	st = dma(vm->dev, G_SRC, G_DST, 64, 0); /* cache G_DST */
	guest_map(vm, G_DST, GPA_OF(PG_ALT), 1);
	memset(old, 0, PAGE);
	st = dma(vm->dev, G_SRC, G_DST, 64, 0);
	check(st == STATUS_DONE && !all_zero(old, 64) && all_zero(alt, 64),
	      "guest remapped a page without invalidating: the device still "
	      "uses the cached translation (as hardware does)");
	err = forward_inval(vm, G_DST, 1, &done);
	check(!err && done == 1, "IOMMU_HWPT_INVALIDATE (%s) of that page: "
	      "%s, entry_num %u", vm->vendor == VTD ? "VT-d descriptor"
						      : "SMMUv3 TLBI_NH_VA",
	      ename(err), done);
	memset(old, 0, PAGE);
	st = dma(vm->dev, G_SRC, G_DST, 64, 0);
	check(st == STATUS_DONE && all_zero(old, 64) &&
	      !memcmp(alt, gbytes(vm, PG_SRC), 64),
	      "after the forwarded invalidation the DMA lands on the new "
	      "page");
	guest_map(vm, G_DST, GPA_OF(PG_DST), 1);
	forward_inval(vm, G_DST, 1, &done);
}

/* The host takes guest RAM away: effective at once (no stale entry). */
static void check_host_unmap(struct vm *vm)
{
	__u32 st;
	int err;

	err = ioas_unmap(vm->iommufd, vm->ioas, GPA, GPAGES * PAGE);
	check(!err, "host IOAS_UNMAP of guest RAM: %s", ename(err));
	st = dma(vm->dev, G_SRC, G_DST, 64, 0);
	say_fault(vm, "the same DMA now faults at stage 2 (stage-1 table "
		  "fetch or data)", st == STATUS_FAULT &&
		  rd(vm->dev, REG_FAULT_STAGE, 4) == 2, st);
	err = ioas_map(vm->iommufd, vm->ioas, vm->ram, GPAGES * PAGE, GPA,
		       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	st = dma(vm->dev, G_SRC, G_DST, 64, 0);
	check(!err && st == STATUS_DONE, "guest RAM mapped again: DMA works "
	      "(status %#x)", st);
}

/* The completion MSI through both stages (SMMUv3's SW_MSI doorbell in
 * the stage 2) or the interrupt window (VT-d: not translated). */
static void check_msi(struct vm *vm, int efd)
{
	__u64 addr;
	__u32 st;
	int err = set_msi(vm->dev, efd);

	addr = rd(vm->dev, REG_MSI_ADDR, 8);
	check(!err, "SET_IRQS MSI eventfd: %s, MSI_ADDR %#llx", ename(err),
	      (unsigned long long)addr);
	if (vm->vendor == SMMU) {
		st = dma(vm->dev, G_SRC, G_DST, 64, CTRL_MSI_EN);
		check(st == (STATUS_DONE | STATUS_MSI_FAULT) &&
		      ev_count(efd) == 0,
		      "MSI before the guest maps its doorbell: status %#x, "
		      "no interrupt", st);
		guest_map_msi(vm, addr);
		check(1, "guest maps IOVA %#llx 1:1 onto the SW_MSI window",
		      (unsigned long long)(addr & ~(PAGE - 1)));
	}
	st = dma(vm->dev, G_SRC, G_DST, 64, CTRL_MSI_EN);
	check(st == STATUS_DONE && ev_count(efd) == 1 &&
	      rd(vm->dev, REG_MSI_COUNT, 8) == 1,
	      "completion MSI reached the eventfd: status %#x", st);
}

static void check_detach(struct vm *vm)
{
	int err = vdetach(vm->dev);
	__u32 st;

	check(!err, "DETACH: %s", ename(err));
	st = dma(vm->dev, G_SRC, G_DST, 64, 0);
	check(st == STATUS_FAULT &&
	      rd(vm->dev, REG_FAULT_REASON, 4) == FAULT_BLOCKED,
	      "a detached device is blocked: status %#x", st);
	err = obj_destroy(vm->iommufd, vm->parent);
	check(err == EBUSY, "DESTROY the parent under its nested HWPT: %s "
	      "(want EBUSY)", ename(err));
	err = obj_destroy(vm->iommufd, vm->nested);
	check(!err, "DESTROY nested: %s", ename(err));
}

static int run(struct vm *vm)
{
	int efd, err;

	err = vbind(vm->dev, vm->iommufd, 0, &vm->devid);
	check(!err, "BIND: %s, devid %u", ename(err), vm->devid);
	if (err || find_bar0(vm->dev) || hw_info(vm) || host_stage2(vm))
		return 1;
	guest_build(vm);
	for (unsigned i = 0; i < NPG * PAGE; i++)
		gbytes(vm, PG_SRC)[i] = (unsigned char)(i * 13 + 7);
	if (host_nested(vm))
		return 2;
	err = vattach(vm->dev, vm->nested);
	check(!err, "ATTACH to the nested HWPT: %s", ename(err));
	if (err)
		return 1;
	check_translation(vm);
	check_guest_invalidation(vm);
	check_host_unmap(vm);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	check_msi(vm, efd);
	close(efd);
	check_detach(vm);
	return 0;
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	struct vm vm = { 0 };
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vm.ram = mmap(NULL, GPAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm.iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	vm.dev = open(node, O_RDWR | O_CLOEXEC);
	if (vm.ram == MAP_FAILED || vm.iommufd < 0 || vm.dev < 0) {
		printf("vfio_nested_prog: cannot open /dev/iommu or %s: %s\n",
		       node, strerror(errno));
		return 3;
	}
	rc = run(&vm);
	close(vm.dev);
	close(vm.iommufd);
	if (rc == 2) {
		verdict("vfio_nested_prog");
		return 2;
	}
	return verdict("vfio_nested_prog");
}
