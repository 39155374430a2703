// SPDX-License-Identifier: MIT
/*
 * vfio_dma_prog: an ordinary Linux VFIO-cdev + iommufd user driving a DMA
 * engine.
 *
 * Written only against the Linux uAPI (<linux/iommufd.h>, <linux/vfio.h>,
 * open, ioctl, pread/pwrite, eventfd) and the device's register map (its
 * "datasheet", docs/vfio.md), so that running it under `uiommu run` shows
 * an unmodified VFIO program working on uiommu's emulated devices.  It
 * binds the device to an iommufd, maps buffers in an IOAS, attaches, and
 * checks that the engine's DMA goes through the IOMMU: copies land, DMA
 * outside the mapping faults and writes nothing, an unmapped range faults
 * at once (no stale IOTLB entry), a detached device is blocked, and the
 * completion MSI reaches the eventfd only through the doorbell.
 *
 * Usage: vfio_dma_prog [DEVICE-NODE]   (default /dev/vfio/devices/vfio0)
 * Prints one line per check and "vfio_dma_prog: N checks passed" last.
 * Exit: 0 all passed, 1 a check failed, 3 a node could not be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#define PAGE 4096ul
#define NPG 4
#define SRC_IOVA 0x100000ull
#define DST_IOVA 0x200000ull
#define HOLE_IOVA 0x400000ull	/* never mapped */

/* The DMA engine's BAR0 registers (docs/vfio.md). */
enum {
	REG_ID = 0x000,
	REG_CTRL = 0x008,
	REG_STATUS = 0x00c,
	REG_SRC = 0x010,
	REG_DST = 0x018,
	REG_LEN = 0x020,
	REG_FAULT_REASON = 0x02c,
	REG_FAULT_ADDR = 0x030,
	REG_MSI_ADDR = 0x040,
	REG_COMPLETIONS = 0x050,
	REG_MSI_COUNT = 0x058,
};
#define ENGINE_ID 0x55444d41u
#define CTRL_GO 1u
#define CTRL_MSI_EN 2u
#define STATUS_DONE 1u
#define STATUS_FAULT 2u
#define STATUS_MSI_FAULT 0x100u
#define FAULT_NOT_PRESENT 1u
#define FAULT_PERMISSION 2u
#define FAULT_BLOCKED 4u

static unsigned int n_passed, n_failed;
static __u64 bar0;		/* BAR0's offset in the device fd */

__attribute__((format(printf, 2, 3)))
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		n_passed++;
	else
		n_failed++;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static const char *ename(int err)
{
	const char *name = strerrorname_np(err);

	if (!err)
		return "success";
	return name ? name : "an unnamed errno";
}

static __u64 rd(int dev, __u32 reg, size_t size)
{
	__u64 v64 = 0;
	__u32 v32 = 0;

	if (size == 4) {
		if (pread(dev, &v32, 4, bar0 + reg) != 4)
			return ~0ull;
		return v32;
	}
	if (pread(dev, &v64, 8, bar0 + reg) != 8)
		return ~0ull;
	return v64;
}

static int wr(int dev, __u32 reg, size_t size, __u64 v)
{
	__u32 v32 = (__u32)v;
	const void *p = size == 4 ? (const void *)&v32 : (const void *)&v;

	return pwrite(dev, p, size, bar0 + reg) == (ssize_t)size ? 0 : errno;
}

/* Program a transfer and start it; returns STATUS. */
static __u32 dma(int dev, __u64 src, __u64 dst, __u64 len, __u32 ctrl)
{
	if (wr(dev, REG_SRC, 8, src) || wr(dev, REG_DST, 8, dst) ||
	    wr(dev, REG_LEN, 8, len) || wr(dev, REG_CTRL, 4, ctrl | CTRL_GO))
		return ~0u;
	return (__u32)rd(dev, REG_STATUS, 4);
}

/* The eventfd's count, without blocking (the engine is synchronous). */
static __u64 ev_count(int efd)
{
	struct pollfd p = { efd, POLLIN, 0 };
	__u64 v = 0;

	if (poll(&p, 1, 0) != 1 || read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int vbind(int dev, int iommufd, __u32 flags, __u32 *devid)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .flags = flags, .iommufd = iommufd,
	};
	int err = xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (devid)
		*devid = b.out_devid;
	return err;
}

static void check_bind(int dev, int iommufd, __u32 *devid)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), closed, err;

	err = xioctl(dev, VFIO_DEVICE_GET_INFO, &info);
	check(err == EINVAL, "GET_INFO before BIND: %s (want EINVAL)",
	      ename(err));
	closed = dup(null);
	close(closed);
	err = vbind(dev, closed, 0, NULL);
	check(err == EBADF, "BIND to a closed fd: %s (want EBADF)", ename(err));
	err = vbind(dev, null, 0, NULL);
	check(err == EBADFD, "BIND to /dev/null: %s (want EBADFD)",
	      ename(err));
	err = vbind(dev, iommufd, 0x80, NULL);
	check(err == EINVAL, "BIND with an unknown flag: %s (want EINVAL)",
	      ename(err));
	err = vbind(dev, -1, 0, NULL);
	check(err == EINVAL, "BIND to fd -1: %s (want EINVAL)", ename(err));
	err = vbind(dev, iommufd, 0, devid);
	check(!err && *devid, "BIND: %s, devid %u", ename(err), *devid);
	err = vbind(dev, iommufd, 0, NULL);
	check(err == EINVAL, "second BIND: %s (want EINVAL)", ename(err));
	close(null);
}

static void check_info(int dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info r = { .argsz = sizeof(r),
				      .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_irq_info irq = { .argsz = sizeof(irq),
				     .index = VFIO_PCI_MSI_IRQ_INDEX };
	int err;

	err = xioctl(dev, VFIO_DEVICE_GET_INFO, &info);
	check(!err && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	      info.num_regions == VFIO_PCI_NUM_REGIONS &&
	      info.num_irqs == VFIO_PCI_NUM_IRQS,
	      "GET_INFO: %s, flags %#x, %u regions, %u irqs", ename(err),
	      info.flags, info.num_regions, info.num_irqs);
	err = xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r);
	check(!err && r.size == 4096 &&
	      (r.flags & VFIO_REGION_INFO_FLAG_READ) &&
	      (r.flags & VFIO_REGION_INFO_FLAG_WRITE),
	      "BAR0: %s, size %llu, flags %#x", ename(err),
	      (unsigned long long)r.size, r.flags);
	bar0 = r.offset;
	err = xioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	check(!err && irq.count == 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
	      "MSI irq info: %s, count %u", ename(err), irq.count);
	check(rd(dev, REG_ID, 4) == ENGINE_ID, "ID register reads %#llx",
	      (unsigned long long)rd(dev, REG_ID, 4));
	check(pread(dev, &err, 2, bar0) < 0 && errno == EINVAL,
	      "a 2-byte register read is EINVAL");
}

static int ioas_map(int fd, __u32 ioas, void *va, __u64 len, __u64 iova,
		    __u32 prot)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas, .user_va = (uintptr_t)va,
		.length = len, .iova = iova,
	};

	return xioctl(fd, IOMMU_IOAS_MAP, &m);
}

static int ioas_unmap(int fd, __u32 ioas, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas,
				      .iova = iova, .length = len };

	return xioctl(fd, IOMMU_IOAS_UNMAP, &u);
}

static int set_msi(int dev, int efd)
{
	struct {
		struct vfio_irq_set s;
		__s32 fd;
	} req = { { .argsz = sizeof(req),
		    .flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
		    .index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1 }, efd };

	return xioctl(dev, VFIO_DEVICE_SET_IRQS, &req);
}

static void check_dma(int dev, int iommufd, __u32 ioas, int efd,
		      unsigned char *src, unsigned char *dst)
{
	__u64 msis;
	__u32 st;

	st = dma(dev, SRC_IOVA + 8, DST_IOVA, 3 * PAGE, CTRL_MSI_EN);
	check(st == STATUS_DONE && !memcmp(dst, src + 8, 3 * PAGE),
	      "DMA of 3 pages: status %#x, bytes %s", st,
	      memcmp(dst, src + 8, 3 * PAGE) ? "differ" : "copied");
	check(ev_count(efd) == 1 && rd(dev, REG_MSI_COUNT, 8) == 1,
	      "completion MSI reached the eventfd");
	memset(dst, 0, NPG * PAGE);
	/* Half in the destination mapping, half beyond it. */
	st = dma(dev, SRC_IOVA, DST_IOVA + 3 * PAGE, 2 * PAGE, CTRL_MSI_EN);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_NOT_PRESENT &&
	      rd(dev, REG_FAULT_ADDR, 8) == DST_IOVA + NPG * PAGE,
	      "DMA past the mapping faults: status %#x, reason %llu, "
	      "addr %#llx", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4),
	      (unsigned long long)rd(dev, REG_FAULT_ADDR, 8));
	check(all_zero(dst, NPG * PAGE), "a faulting DMA wrote nothing");
	check(ev_count(efd) == 1, "a faulting DMA still interrupts");
	/* The source is read-only to the device. */
	st = dma(dev, DST_IOVA, SRC_IOVA, 64, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_PERMISSION,
	      "DMA into a read-only mapping: status %#x, reason %llu", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4));
	/* An MSI aimed where nothing is mapped is a fault, not an IRQ. */
	msis = rd(dev, REG_MSI_COUNT, 8);
	if (!wr(dev, REG_MSI_ADDR, 8, HOLE_IOVA)) {
		st = dma(dev, SRC_IOVA, DST_IOVA, 64, CTRL_MSI_EN);
		check(st == (STATUS_DONE | STATUS_MSI_FAULT) &&
		      ev_count(efd) == 0 && rd(dev, REG_MSI_COUNT, 8) == msis,
		      "MSI to an unmapped IOVA: status %#x, no interrupt", st);
	}
	/* After UNMAP the same DMA faults: no stale IOTLB entry. */
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	memset(dst, 0, NPG * PAGE);
	check(!ioas_unmap(iommufd, ioas, DST_IOVA, NPG * PAGE), "IOAS_UNMAP");
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_NOT_PRESENT &&
	      all_zero(dst, NPG * PAGE),
	      "DMA after UNMAP faults and writes nothing: status %#x", st);
}

static void check_detach(int dev, int iommufd, __u32 ioas, void *dst)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };
	int err;
	__u32 st;

	check(!ioas_map(iommufd, ioas, dst, NPG * PAGE, DST_IOVA,
			IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE),
	      "map the destination again");
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_DONE, "DMA after remapping: status %#x", st);
	err = xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
	check(!err, "DETACH: %s", ename(err));
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_BLOCKED,
	      "a detached device is blocked: status %#x, reason %llu", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4));
}

static int run(const char *node, int iommufd, int dev)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	unsigned char *src, *dst;
	__u32 devid = 0;
	int efd, err;

	check_bind(dev, iommufd, &devid);
	check_info(dev);
	src = mmap(NULL, NPG * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, NPG * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (src == MAP_FAILED || dst == MAP_FAILED || efd < 0) {
		check(0, "buffers and eventfd");
		return 1;
	}
	for (size_t i = 0; i < NPG * PAGE; i++)
		src[i] = (unsigned char)(i * 13 + 7);
	err = xioctl(iommufd, IOMMU_IOAS_ALLOC, &a);
	check(!err, "IOAS_ALLOC: %s", ename(err));
	check(!ioas_map(iommufd, a.out_ioas_id, src, NPG * PAGE, SRC_IOVA,
			IOMMU_IOAS_MAP_READABLE) &&
	      !ioas_map(iommufd, a.out_ioas_id, dst, NPG * PAGE, DST_IOVA,
			IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE),
	      "IOAS_MAP source (read-only) and destination");
	at.pt_id = a.out_ioas_id;
	err = xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
	check(!err && at.pt_id != a.out_ioas_id,
	      "ATTACH to the IOAS: %s, pt_id %u (the auto HWPT)", ename(err),
	      at.pt_id);
	err = set_msi(dev, efd);
	check(!err, "SET_IRQS MSI eventfd: %s, MSI_ADDR %#llx", ename(err),
	      (unsigned long long)rd(dev, REG_MSI_ADDR, 8));
	check_dma(dev, iommufd, a.out_ioas_id, efd, src, dst);
	check_detach(dev, iommufd, a.out_ioas_id, dst);
	close(efd);
	check(pread(iommufd, &err, 4, 0) < 0 && errno == EINVAL,
	      "pread on the iommufd: EINVAL");
	/* A dup shares the open file: closing the original keeps it bound. */
	err = dup(dev);
	close(dev);
	dev = err;
	check(dev >= 0 && rd(dev, REG_ID, 4) == ENGINE_ID,
	      "registers readable through a dup after closing the original");
	/* Closing the last descriptor unbinds: a fresh open binds again. */
	close(dev);
	dev = open(node, O_RDWR | O_CLOEXEC);
	err = dev < 0 ? errno : vbind(dev, iommufd, 0, NULL);
	check(!err, "reopen and BIND after close: %s", ename(err));
	if (dev >= 0)
		close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	int iommufd, dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0) {
		printf("vfio_dma_prog: cannot open /dev/iommu: %s\n",
		       strerror(errno));
		return 3;
	}
	dev = open(node, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("vfio_dma_prog: cannot open %s: %s\n", node,
		       strerror(errno));
		return 3;
	}
	if (run(node, iommufd, dev))
		return 1;
	close(iommufd);
	if (n_failed) {
		printf("vfio_dma_prog: %u of %u checks failed\n", n_failed,
		       n_passed + n_failed);
		return 1;
	}
	printf("vfio_dma_prog: %u checks passed\n", n_passed);
	return 0;
}
