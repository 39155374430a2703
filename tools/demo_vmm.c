// SPDX-License-Identifier: MIT
/*
 * uiommu demo, second part: what a VMM does to give a guest an assigned
 * device with a vIOMMU, on the default platform.  The device is dma0's
 * DMA engine behind the emulated VT-d, opened as a VFIO cdev and driven
 * through its BAR exactly as a program does it (VFIO_DEVICE_* ioctls,
 * pread/pwrite of the region; here the in-process VFIO layer, which is what
 * the preload shim calls).  Steps: bind, reserved regions before and after
 * attach, a NEST_PARENT stage 2 from guest RAM, the guest's own x86-64
 * stage-1 table in that RAM, the nested attach, DMA through both stages,
 * faults of each stage, a forwarded guest invalidation, the completion
 * MSI, SMMUv3's SW_MSI doorbell, and blocked DMA after detach.  Every
 * outcome is checked (demo_expect/demo_check).
 */
#include <uiommu/linux/iommufd.h>
#include <uiommu/linux/vfio.h>
#include <uiommu/platform.h>
#include <uiommu/uiommu.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "demo.h"
#include "dev/dmaengine.h"
#include "uapi/vfio.h"

#define PG 4096ULL
#define GPA 0x40000000ULL	/* guest RAM, guest-physical */
#define GPAGES 64
#define GPA_OF(pg) (GPA + (uint64_t)(pg) * PG)
#define G_SRC 0x10000000ULL	/* guest IOVAs: 2 pages -> guest pages 8-9 */
#define G_DST 0x10010000ULL	/* 2 pages -> guest pages 16-17 */
#define G_HOLE 0x10030000ULL	/* -> a GPA the VMM never mapped */
#define G_NONE 0x10040000ULL	/* not in the guest's table */
#define PG_SRC 8
#define PG_DST 16
#define PG_ALT 24
#define X_PTE 0x7ULL		/* x86-64: present, writable, user */
#define FAKE_IOMMUFD 100	/* the descriptor number BIND names */
#define IDX_VTD 0		/* dma0: vtd0, MSI window 0xfee00000 */
#define IDX_SMMU 4		/* dma4: smmu0, SW_MSI window 0x08000000 */

struct vmm {
	struct uiommu_platform *plat;
	struct vfio_host *host;
	struct vfio_file *dev, *dev2;
	struct uiommu_ctx *ctx;
	struct vfio_resolver res;
	uint32_t devid, devid2, ioas, parent, nested;
	unsigned char *ram;
	int efd;
};

/* ---- the VFIO device, as a program sees it ---------------------------- */

static int resolve(void *opaque, int fd, struct uiommu_ctx **ctx, void **ref)
{
	struct vmm *v = opaque;

	if (fd != FAKE_IOMMUFD)
		return -EBADF;
	*ctx = v->ctx;
	*ref = NULL;
	return 0;
}

static void unresolve(void *opaque, void *ref)
{
	(void)opaque;
	(void)ref;
}

static int vioctl(struct vmm *v, struct vfio_file *f, unsigned long cmd,
		  void *arg)
{
	return uiommu_vfio_ioctl(f, cmd, arg, &v->res);
}

static uint64_t reg(struct vfio_file *f, uint32_t off, uint32_t size)
{
	uint64_t val = 0;

	if (uiommu_vfio_read(f, &val, size,
			     VFIO_REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX) +
				     off) != (ssize_t)size)
		return ~0ULL;
	return val;
}

static void reg_set(struct vfio_file *f, uint32_t off, uint32_t size,
		    uint64_t val)
{
	if (uiommu_vfio_write(f, &val, size,
			      VFIO_REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX) +
				      off) != (ssize_t)size)
		demo_failures++;
}

/* Program a copy, start it, return STATUS. */
static uint32_t dma(struct vfio_file *f, uint64_t src, uint64_t dst,
		    uint64_t len, uint32_t ctrl)
{
	reg_set(f, DMAENG_REG_SRC_IOVA, 8, src);
	reg_set(f, DMAENG_REG_DST_IOVA, 8, dst);
	reg_set(f, DMAENG_REG_LEN, 8, len);
	reg_set(f, DMAENG_REG_CTRL, 4, ctrl | DMAENG_CTRL_GO);
	return (uint32_t)reg(f, DMAENG_REG_STATUS, 4);
}

static const char *reason_name(uint64_t r)
{
	static const char *const n[] = { "none", "not present", "permission",
					 "address size", "blocked", "other" };

	return r < 6 ? n[r] : "?";
}

/* Check a transfer faulted with @reason at @stage, and show the
 * registers that say so. */
static void expect_fault(struct vfio_file *f, uint32_t st, uint64_t reason,
			 uint64_t stage, const char *what)
{
	uint64_t r = reg(f, DMAENG_REG_FAULT_REASON, 4);
	uint64_t s = reg(f, DMAENG_REG_FAULT_STAGE, 4);

	demo_check(st == DMAENG_STATUS_FAULT && r == reason && s == stage,
		   "%s: STATUS fault, FAULT_REASON %s, FAULT_STAGE %llu, "
		   "FAULT_ADDR %#llx", what, reason_name(r),
		   (unsigned long long)s,
		   (unsigned long long)reg(f, DMAENG_REG_FAULT_ADDR, 8));
}

static uint64_t ev_count(int efd)
{
	struct pollfd p = { efd, POLLIN, 0 };
	uint64_t n = 0;

	if (poll(&p, 1, 0) != 1 || read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

static int set_msi(struct vmm *v, struct vfio_file *f)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} req = { { .argsz = sizeof(req),
		    .flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
		    .index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1 }, v->efd };

	return vioctl(v, f, VFIO_DEVICE_SET_IRQS, &req);
}

static int bind(struct vmm *v, struct vfio_file *f, uint32_t *devid)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b),
					      .iommufd = FAKE_IOMMUFD };
	int rc = vioctl(v, f, VFIO_DEVICE_BIND_IOMMUFD, &b);

	*devid = b.out_devid;
	return rc;
}

static int attach(struct vmm *v, struct vfio_file *f, uint32_t *pt)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at),
						    .pt_id = *pt };
	int rc = vioctl(v, f, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);

	*pt = at.pt_id;
	return rc;
}

/* ---- the guest's side ------------------------------------------------- */

static uint64_t *gpage(struct vmm *v, unsigned pg)
{
	return (uint64_t *)(v->ram + pg * PG);
}

static uint64_t *gleaf(struct vmm *v, uint64_t gva)
{
	return &gpage(v, 3)[(gva >> 12) & 511];
}

/* x86-64 4-level paging at guest pages 0-3 (PML4, PDPT, PD, PT). */
static void guest_build(struct vmm *v)
{
	gpage(v, 0)[0] = GPA_OF(1) | X_PTE;
	gpage(v, 1)[0] = GPA_OF(2) | X_PTE;
	gpage(v, 2)[(G_SRC >> 21) & 511] = GPA_OF(3) | X_PTE;
	for (unsigned i = 0; i < 2; i++) {
		*gleaf(v, G_SRC + i * PG) = GPA_OF(PG_SRC + i) | X_PTE;
		*gleaf(v, G_DST + i * PG) = GPA_OF(PG_DST + i) | X_PTE;
	}
	*gleaf(v, G_HOLE) = GPA_OF(4 * GPAGES) | X_PTE;
	strcpy((char *)v->ram + PG_SRC * PG, "hello from guest page 8");
}

/* ---- the walk ----------------------------------------------------------- */

static const char *resv_type(uint32_t t)
{
	static const char *const n[] = { "?", "direct", "direct-relaxable",
					 "reserved", "msi", "sw-msi" };

	return t < 6 ? n[t] : "?";
}

static void show_resv(struct vmm *v, uint32_t devid, const char *name)
{
	struct uiommu_resv_info r[8];
	uint32_t n = 8;
	int rc = uiommu_device_resv_regions(v->ctx, devid, r, &n);

	demo_expect("uiommu_device_resv_regions() (uiommu extension)", rc, 0);
	for (uint32_t i = 0; !rc && i < n && i < 8; i++)
		demo_say("     %s: [%#llx, %#llx] %s%s", name,
			 (unsigned long long)r[i].start,
			 (unsigned long long)r[i].last, resv_type(r[i].type),
			 r[i].flags & UIOMMU_RESV_INFO_SW_MSI_WINDOW
				 ? " (MSI doorbells are mapped here)" : "");
}

static void vmm_bind(struct vmm *v)
{
	uint64_t iova = GPA;

	demo_step("8. A VMM assigns dma0 (VT-d) to a guest: VFIO cdev + iommufd");
	demo_say("   /dev/vfio/devices/vfio0 is the emulated DMA engine; its "
		 "BAR is a VFIO region.");
	demo_expect("VFIO_DEVICE_BIND_IOMMUFD", bind(v, v->dev, &v->devid), 0);
	demo_say("   Reserved regions the device brings (not yet in any "
		 "IOAS):");
	show_resv(v, v->devid, "dma0");
	demo_expect("IOMMU_IOAS_ALLOC", demo_ioas_alloc(v->ctx, &v->ioas), 0);
	demo_expect("MAP 256 KiB of guest RAM at GPA 0x40000000",
		    demo_ioas_map(v->ctx, v->ioas, v->ram, GPAGES * PG, &iova,
				  IOMMU_IOAS_MAP_FIXED_IOVA |
					  IOMMU_IOAS_MAP_READABLE |
					  IOMMU_IOAS_MAP_WRITEABLE),
		    0);
	demo_picture(v->ctx, v->ioas, "guest RAM, before any attach");
}

static int hwpt_alloc(struct vmm *v, uint32_t flags, uint32_t pt,
		      uint32_t type, const void *data, uint32_t len,
		      uint32_t *out)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a), .flags = flags, .dev_id = v->devid,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = uiommu_ioctl(v->ctx, IOMMU_HWPT_ALLOC, &a);

	*out = a.out_hwpt_id;
	return rc;
}

static void vmm_nest(struct vmm *v)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = GPA, .addr_width = 48 };
	uint32_t pt, bad;

	demo_step("9. Stage 2 from guest RAM, stage 1 owned by the guest");
	demo_expect("IOMMU_HWPT_ALLOC NEST_PARENT on the IOAS",
		    hwpt_alloc(v, IOMMU_HWPT_ALLOC_NEST_PARENT, v->ioas,
			       IOMMU_HWPT_DATA_NONE, NULL, 0, &v->parent),
		    0);
	guest_build(v);
	demo_say("   The guest writes an x86-64 page table into its RAM "
		 "(PML4 at GPA %#llx):", GPA);
	demo_say("     IOVA %#llx-%#llx -> GPA %#llx   IOVA %#llx-%#llx -> "
		 "GPA %#llx", G_SRC, G_SRC + 2 * PG - 1, GPA_OF(PG_SRC),
		 G_DST, G_DST + 2 * PG - 1, GPA_OF(PG_DST));
	demo_say("     IOVA %#llx -> GPA %#llx (outside guest RAM)", G_HOLE,
		 GPA_OF(4 * GPAGES));
	s1.pgtbl_addr = GPA + 0x800;
	demo_expect("HWPT_ALLOC nested, table pointer not page aligned",
		    hwpt_alloc(v, 0, v->parent, IOMMU_HWPT_DATA_VTD_S1, &s1,
			       sizeof(s1), &bad),
		    -EINVAL);
	s1.pgtbl_addr = GPA;
	demo_expect("IOMMU_HWPT_ALLOC nested, IOMMU_HWPT_DATA_VTD_S1",
		    hwpt_alloc(v, 0, v->parent, IOMMU_HWPT_DATA_VTD_S1, &s1,
			       sizeof(s1), &v->nested),
		    0);
	pt = v->nested;
	demo_expect("VFIO_DEVICE_ATTACH_IOMMUFD_PT to the nested HWPT",
		    attach(v, v->dev, &pt), 0);
	demo_say("   Attaching reserved dma0's MSI window in the parent's "
		 "IOAS:");
	demo_picture(v->ctx, v->ioas, "after the nested attach");
	demo_expect("MAP guest RAM over the reserved MSI window",
		    ({
			    uint64_t at = 0xfee00000ULL;
			    demo_ioas_map(v->ctx, v->ioas, v->ram, PG, &at,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  IOMMU_IOAS_MAP_READABLE);
		    }),
		    -EINVAL);
}

static void vmm_dma(struct vmm *v)
{
	const char *dst = (const char *)v->ram + PG_DST * PG;
	uint32_t st;

	demo_step("10. The device DMAs at guest IOVAs: stage 1, then stage 2");
	st = dma(v->dev, G_SRC, G_DST, 2 * PG, 0);
	demo_check(st == DMAENG_STATUS_DONE &&
		   !strcmp(dst, "hello from guest page 8"),
		   "copy IOVA %#llx -> %#llx (2 pages): guest page 16 now "
		   "reads \"%s\"", G_SRC, G_DST, dst);
	st = dma(v->dev, G_NONE, G_DST, 64, 0);
	expect_fault(v->dev, st, DMAENG_FAULT_NOT_PRESENT, 1,
		     "IOVA the guest never mapped");
	st = dma(v->dev, G_HOLE, G_DST, 64, 0);
	expect_fault(v->dev, st, DMAENG_FAULT_NOT_PRESENT, 2,
		     "guest maps a GPA the VMM did not");
	demo_say("   A faulting transfer moves no byte; the fault is also "
		 "in the IOMMU's fault log.");
}

static int forward_inval(struct vmm *v, uint64_t iova, uint32_t *num)
{
	struct iommu_hwpt_vtd_s1_invalidate e = { .addr = iova, .npages = 1 };
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = v->nested,
		.data_uptr = (uintptr_t)&e,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
		.entry_len = sizeof(e), .entry_num = 1,
	};
	int rc = uiommu_ioctl(v->ctx, IOMMU_HWPT_INVALIDATE, &cmd);

	*num = cmd.entry_num;
	return rc;
}

static void vmm_invalidate(struct vmm *v)
{
	unsigned char *old = v->ram + PG_DST * PG, *alt = v->ram + PG_ALT * PG;
	uint32_t st, num = 0;

	demo_step("11. The guest edits its table; the VMM forwards its "
		  "invalidation");
	*gleaf(v, G_DST) = GPA_OF(PG_ALT) | X_PTE;
	memset(old, 0, PG);
	st = dma(v->dev, G_SRC, G_DST, 32, 0);
	demo_check(st == DMAENG_STATUS_DONE && old[0] && !alt[0],
		   "guest points IOVA %#llx at page 24, no invalidation yet: "
		   "the IOTLB still sends it to page 16, as hardware does",
		   G_DST);
	demo_expect("IOMMU_HWPT_INVALIDATE (VT-d stage-1 descriptor, 1 page)",
		    forward_inval(v, G_DST, &num), 0);
	demo_check(num == 1, "entry_num written back: %u handled", num);
	memset(old, 0, PG);
	st = dma(v->dev, G_SRC, G_DST, 32, 0);
	demo_check(st == DMAENG_STATUS_DONE && !old[0] && alt[0],
		   "the same copy now lands in guest page 24");
}

static void vmm_msi(struct vmm *v)
{
	uint32_t st;

	demo_step("12. Completion interrupts: the MSI doorbell");
	demo_expect("VFIO_DEVICE_SET_IRQS (MSI -> eventfd)",
		    set_msi(v, v->dev), 0);
	demo_say("   MSI_ADDR %#llx: x86's interrupt window, which interrupt "
		 "remapping handles, not the page tables",
		 (unsigned long long)reg(v->dev, DMAENG_REG_MSI_ADDR, 8));
	st = dma(v->dev, G_SRC, G_DST, 32, DMAENG_CTRL_MSI_EN);
	demo_check(st == DMAENG_STATUS_DONE && ev_count(v->efd) == 1,
		   "copy with MSI_EN: the eventfd fired once");
}

static void vmm_sw_msi(struct vmm *v)
{
	uint32_t pt = v->ioas, st;

	demo_step("13. ARM's way: SW_MSI on dma4 behind the SMMUv3");
	demo_expect("VFIO_DEVICE_BIND_IOMMUFD dma4",
		    bind(v, v->dev2, &v->devid2), 0);
	show_resv(v, v->devid2, "dma4");
	demo_expect("ATTACH dma4 to the same IOAS (its own auto HWPT)",
		    attach(v, v->dev2, &pt), 0);
	demo_picture(v->ctx, v->ioas, "dma4's SW_MSI window reserved too");
	demo_expect("VFIO_DEVICE_SET_IRQS (MSI -> eventfd)",
		    set_msi(v, v->dev2), 0);
	demo_say("   MSI_ADDR %#llx: the ITS doorbell, mapped by uiommu into "
		 "the window at an IOVA", (unsigned long long)reg(
			 v->dev2, DMAENG_REG_MSI_ADDR, 8));
	st = dma(v->dev2, GPA_OF(PG_SRC), GPA_OF(PG_DST + 1), 32,
		 DMAENG_CTRL_MSI_EN);
	demo_check(st == DMAENG_STATUS_DONE && ev_count(v->efd) == 1 &&
		   reg(v->dev2, DMAENG_REG_MSI_COUNT, 8) == 1,
		   "dma4 copies at GPAs (one stage) and its completion MSI "
		   "goes through the SMMU to the doorbell: the eventfd fired");
}

static void vmm_detach(struct vmm *v)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };
	struct iommu_destroy destroy = { .size = sizeof(destroy),
					 .id = v->parent };
	uint32_t st;

	demo_step("14. Detach: the device is blocked, its reservations go");
	demo_expect("VFIO_DEVICE_DETACH_IOMMUFD_PT dma0",
		    vioctl(v, v->dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d), 0);
	st = dma(v->dev, G_SRC, G_DST, 32, 0);
	expect_fault(v->dev, st, DMAENG_FAULT_BLOCKED, 0,
		     "DMA from the detached device");
	demo_expect("DESTROY the parent while the nested HWPT uses it",
		    uiommu_ioctl(v->ctx, IOMMU_DESTROY, &destroy), -EBUSY);
	demo_picture(v->ctx, v->ioas, "after dma0's detach (dma4 stays)");
}

static int vmm_setup(struct vmm *v)
{
	static struct uiommu_platform_desc desc;

	memset(v, 0, sizeof(*v));
	v->res = (struct vfio_resolver){ resolve, unresolve, v };
	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v->ram = mmap(NULL, GPAGES * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uiommu_platform_default(&desc);
	if (v->efd < 0 || v->ram == MAP_FAILED ||
	    uiommu_platform_create(&desc, &v->plat) ||
	    uiommu_vfio_host_create(v->plat, &v->host) ||
	    uiommu_vfio_open(v->host, IDX_VTD, &v->dev) ||
	    uiommu_vfio_open(v->host, IDX_SMMU, &v->dev2) ||
	    uiommu_ctx_create(&v->ctx)) {
		perror("uiommu demo: VMM set-up");
		demo_failures++;
		return -1;
	}
	return 0;
}

static void vmm_teardown(struct vmm *v)
{
	if (v->dev)
		uiommu_vfio_release(v->dev);
	if (v->dev2)
		uiommu_vfio_release(v->dev2);
	if (v->ctx)
		uiommu_ctx_destroy(v->ctx);
	uiommu_vfio_host_destroy(v->host);
	if (v->plat)
		uiommu_platform_destroy(v->plat);
	if (v->ram != MAP_FAILED && v->ram)
		munmap(v->ram, GPAGES * PG);
	if (v->efd >= 0)
		close(v->efd);
}

void demo_vmm(void)
{
	struct vmm v;

	if (!vmm_setup(&v)) {
		vmm_bind(&v);
		vmm_nest(&v);
		vmm_dma(&v);
		vmm_invalidate(&v);
		vmm_msi(&v);
		vmm_sw_msi(&v);
		vmm_detach(&v);
		demo_say("   Closing the device files unbinds; closing the "
			 "iommufd frees every object.");
	}
	vmm_teardown(&v);
}
