// SPDX-License-Identifier: MIT
/*
 * The VFIO device-cdev layer (src/uapi/vfio.c) on the mock IOMMU driver:
 * access before bind, BIND_IOMMUFD's argument and error rules (R56, and
 * the core's R57/R74/R75 and group ownership), ATTACH/DETACH (R55,
 * replace, pt_id write-back), the information ioctls, SET_IRQS and MSI
 * delivery to an eventfd, region access, reset, and unbind on release.
 *
 * The resolver stands in for the preload's fd table: IOMMUFD_FD names the
 * fixture's context, OTHER_CTX_FD a second one, NOT_IOMMUFD_FD an open
 * file that is not an iommufd; every other number is not open.  Device
 * indexes are those of t_mockdrv.h's test platform.
 */
#include "t_mockdrv.h"

#include <uiommu/linux/vfio.h>

#include "dev/dmaengine.h"
#include "uapi/vfio.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IOMMUFD_FD 100
#define OTHER_CTX_FD 101
#define NOT_IOMMUFD_FD 102

enum { I_A0 = 0, I_A1 = 1, I_G0 = 2, I_G1 = 3, I_S0 = 5, I_D0 = 7,
       I_C0 = 8, I_U0 = 9 };

#define BAR0 VFIO_REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX)
#define SRC_IOVA 0x100000ULL
#define DST_IOVA 0x200000ULL

FIXTURE(vfio)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct vfio_host *host;
	struct uiommu_ctx *ctx, *ctx2;
	struct vfio_resolver res;
	int refs;		/* resolver references held */
	uint32_t ioas, ioas2;
	unsigned char *buf;
};

static int res_get(void *opaque, int fd, struct uiommu_ctx **ctx, void **ref)
{
	struct t_fixture_vfio *self = opaque;

	switch (fd) {
	case IOMMUFD_FD:
		*ctx = self->ctx;
		break;
	case OTHER_CTX_FD:
		*ctx = self->ctx2;
		break;
	case NOT_IOMMUFD_FD:
		return -EBADFD;
	default:
		return -EBADF;
	}
	*ref = &self->refs;
	self->refs++;
	return 0;
}

static void res_put(void *opaque, void *ref)
{
	(*(int *)ref)--;
}

FIXTURE_SETUP(vfio)
{
	test_platform(&self->desc);
	ASSERT_OK(platform_create_with(&self->desc, &mk_factory, &self->plat));
	ASSERT_OK(uiommu_vfio_host_create(self->plat, &self->host));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	ASSERT_OK(uiommu_ctx_create(&self->ctx2));
	self->res = (struct vfio_resolver){ res_get, res_put, self };
	t_ioas_alloc(self->ctx, &self->ioas);
	t_ioas_alloc(self->ctx, &self->ioas2);
	self->buf = t_buf(8 * PG);
	ASSERT_NONNULL(self->buf);
}

FIXTURE_TEARDOWN(vfio)
{
	uiommu_vfio_host_destroy(self->host);
	uiommu_ctx_destroy(self->ctx);
	uiommu_ctx_destroy(self->ctx2);
	platform_destroy(self->plat);
	munmap(self->buf, 8 * PG);
}

static struct vfio_file *vopen(struct t_fixture_vfio *self, uint32_t idx)
{
	struct vfio_file *f = NULL;

	if (uiommu_vfio_open(self->host, idx, &f))
		return NULL;
	return f;
}

static int vio(struct t_fixture_vfio *self, struct vfio_file *f,
	       unsigned long cmd, void *arg)
{
	return uiommu_vfio_ioctl(f, cmd, arg, &self->res);
}

static int bind_fd(struct t_fixture_vfio *self, struct vfio_file *f, int fd,
		   uint32_t *devid)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b),
					      .iommufd = fd };
	int rc = vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!rc && devid)
		*devid = b.out_devid;
	return rc;
}

static int attach(struct t_fixture_vfio *self, struct vfio_file *f,
		  uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
						   .pt_id = *pt_id };
	int rc = vio(self, f, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	*pt_id = a.pt_id;
	return rc;
}

static int reg_read(struct vfio_file *f, uint32_t off, uint32_t size,
		    uint64_t *v)
{
	ssize_t n;

	*v = 0;
	n = uiommu_vfio_read(f, v, size, BAR0 + off);
	return n < 0 ? (int)n : n == (ssize_t)size ? 0 : -EIO;
}

static int reg_write(struct vfio_file *f, uint32_t off, uint32_t size,
		     uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	ssize_t n = uiommu_vfio_write(f, size == 4 ? (void *)&v32 : (void *)&v,
				      size, BAR0 + off);

	return n < 0 ? (int)n : n == (ssize_t)size ? 0 : -EIO;
}

static uint64_t reg(struct vfio_file *f, uint32_t off, uint32_t size)
{
	uint64_t v;

	return reg_read(f, off, size, &v) ? 0xbadULL : v;
}

static uint64_t ev_read(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	uint64_t v = 0;

	if (poll(&p, 1, 0) == 1 && read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

TEST_F(vfio, open_unknown_device)
{
	struct vfio_file *f;

	EXPECT_ERRNO(ENOENT, uiommu_vfio_open(self->host, self->desc.ndevices,
					      &f));
	EXPECT_ERRNO(ENOENT, uiommu_vfio_open(self->host, 1000, &f));
}

/* An unbound cdev refuses everything but BIND with EINVAL. */
TEST_F(vfio, no_access_before_bind)
{
	struct vfio_file *f = vopen(self, I_A0);
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
						   .pt_id = self->ioas };
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };
	uint64_t v;

	ASSERT_NONNULL(f);
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_RESET, NULL));
	EXPECT_ERRNO(EINVAL, vio(self, f, 0x3bff, &info));
	EXPECT_ERRNO(EINVAL, reg_read(f, DMAENG_REG_ID, 4, &v));
	EXPECT_ERRNO(EINVAL, reg_write(f, DMAENG_REG_CTRL, 4, 1));
	uiommu_vfio_release(f);
}

TEST_F(vfio, r56_bind_arguments)
{
	struct vfio_file *f = vopen(self, I_A0);
	struct {
		struct vfio_device_bind_iommufd b;
		uint64_t tail;
	} big = { { .argsz = sizeof(big), .iommufd = IOMMUFD_FD }, 1 };
	struct vfio_device_bind_iommufd b = { .argsz = 15,
					      .iommufd = IOMMUFD_FD };
	unsigned char uuid[16] = { 1 };

	ASSERT_NONNULL(f);
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b));
	EXPECT_ERRNO(E2BIG, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &big));
	b.argsz = sizeof(b);
	b.flags = 2;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b));
	b.flags = 0;
	b.iommufd = -1;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b));
	EXPECT_ERRNO(EBADF, bind_fd(self, f, 555, NULL));
	EXPECT_ERRNO(EBADFD, bind_fd(self, f, NOT_IOMMUFD_FD, NULL));
	/* A VF token: the pointer is read, then refused (no PF/VF here). */
	b.iommufd = IOMMUFD_FD;
	b.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	b.token_uuid_ptr = 8;
	EXPECT_ERRNO(EFAULT, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b));
	b.token_uuid_ptr = (uintptr_t)uuid;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &b));
	EXPECT_EQ(self->refs, 0);
	/* A bad struct pointer. */
	EXPECT_ERRNO(EFAULT, vio(self, f, VFIO_DEVICE_BIND_IOMMUFD,
				 (void *)8));
	/* The old 16-byte struct is zero-extended and binds. */
	struct vfio_device_bind_iommufd old = { .argsz = 16,
						.iommufd = IOMMUFD_FD };
	ASSERT_OK(vio(self, f, VFIO_DEVICE_BIND_IOMMUFD, &old));
	EXPECT_NE(old.out_devid, 0u);
	EXPECT_EQ(self->refs, 1);
	/* Bound once: a second bind, to any context, is EINVAL. */
	EXPECT_ERRNO(EINVAL, bind_fd(self, f, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EINVAL, bind_fd(self, f, OTHER_CTX_FD, NULL));
	EXPECT_EQ(self->refs, 1);
	uiommu_vfio_release(f);
	EXPECT_EQ(self->refs, 0);
}

/* Bind errors the core decides (R57, R74, R75, group ownership). */
TEST_F(vfio, bind_core_errors)
{
	struct vfio_file *c0 = vopen(self, I_C0), *u0 = vopen(self, I_U0);
	struct vfio_file *d0 = vopen(self, I_D0);
	struct vfio_file *g0 = vopen(self, I_G0), *g1 = vopen(self, I_G1);
	struct vfio_file *a0 = vopen(self, I_A0), *a0b = vopen(self, I_A0);

	EXPECT_ERRNO(EINVAL, bind_fd(self, c0, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EPERM, bind_fd(self, u0, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EINVAL, bind_fd(self, d0, IOMMUFD_FD, NULL));
	EXPECT_EQ(self->refs, 0);
	/* g0 and g1 share a group: one context owns it. */
	ASSERT_OK(bind_fd(self, g0, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EBUSY, bind_fd(self, g1, OTHER_CTX_FD, NULL));
	ASSERT_OK(bind_fd(self, g1, IOMMUFD_FD, NULL));
	/* A device is bound through one open file at a time. */
	ASSERT_OK(bind_fd(self, a0, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EINVAL, bind_fd(self, a0b, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EINVAL, bind_fd(self, a0b, OTHER_CTX_FD, NULL));
	EXPECT_EQ(self->refs, 3);
	/* Closing gives it back. */
	uiommu_vfio_release(a0);
	ASSERT_OK(bind_fd(self, a0b, OTHER_CTX_FD, NULL));
	uiommu_vfio_release(a0b);
	uiommu_vfio_release(g0);
	uiommu_vfio_release(g1);
	uiommu_vfio_release(c0);
	uiommu_vfio_release(u0);
	uiommu_vfio_release(d0);
	EXPECT_EQ(self->refs, 0);
}

TEST_F(vfio, r55_attach_detach)
{
	struct vfio_file *a0 = vopen(self, I_A0), *a1 = vopen(self, I_A1);
	struct vfio_device_attach_iommufd_pt a = { .argsz = 11,
						   .pt_id = self->ioas };
	struct vfio_device_detach_iommufd_pt d = { .argsz = 7 };
	uint32_t dev_id, pt = self->ioas, pt2 = self->ioas2;

	ASSERT_OK(bind_fd(self, a0, IOMMUFD_FD, &dev_id));
	ASSERT_OK(bind_fd(self, a1, IOMMUFD_FD, NULL));
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	a.argsz = 12;
	a.flags = 2;
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	/* PASID: a1 has none; a0 needs the pasid field. */
	a.flags = VFIO_DEVICE_ATTACH_PASID;
	EXPECT_ERRNO(EOPNOTSUPP,
		     vio(self, a1, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	/* R54: an IOAS's auto domain is not PASID-capable. */
	a.argsz = sizeof(a);
	a.pasid = 7;
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	a.pasid = 1u << 20;
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	/* Unknown pt_id. */
	uint32_t bad = 9999;
	EXPECT_ERRNO(ENOENT, attach(self, a0, &bad));
	/* Attach to an IOAS: pt_id comes back as the auto HWPT. */
	ASSERT_OK(attach(self, a0, &pt));
	EXPECT_NE(pt, self->ioas);
	EXPECT_TRUE(device_hwpt(device_get(self->ctx, dev_id),
				UIOMMU_NO_PASID) == hwpt_get(self->ctx, pt));
	/* Again at the same IOAS: the same HWPT; another IOAS: replace. */
	uint32_t again = self->ioas;
	ASSERT_OK(attach(self, a0, &again));
	EXPECT_EQ(again, pt);
	ASSERT_OK(attach(self, a0, &pt2));
	EXPECT_NE(pt2, pt);
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, NOPASID) ==
		    hwpt_get(self->ctx, pt2)->domain);
	/* pt_id unwritable: nothing changes. */
	struct vfio_device_attach_iommufd_pt *ro =
		mmap(NULL, PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	*ro = (struct vfio_device_attach_iommufd_pt){ .argsz = sizeof(*ro),
						      .pt_id = self->ioas };
	ASSERT_OK(mprotect(ro, PG, PROT_READ));
	EXPECT_ERRNO(EFAULT,
		     vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, ro));
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, NOPASID) ==
		    hwpt_get(self->ctx, pt2)->domain);
	munmap(ro, PG);
	/* Detach: argsz and flags rules, then always 0. */
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	d.argsz = 8;
	d.flags = 4;
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	d.flags = VFIO_DEVICE_DETACH_PASID;
	EXPECT_ERRNO(EOPNOTSUPP,
		     vio(self, a1, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	EXPECT_ERRNO(EINVAL, vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	d.argsz = sizeof(d);
	d.pasid = 3;
	EXPECT_OK(vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	d.pasid = 0xffffffff; /* not a PASID: must not detach the RID */
	EXPECT_OK(vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, NOPASID) ==
		    hwpt_get(self->ctx, pt2)->domain);
	d.flags = 0;
	EXPECT_OK(vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, NOPASID) == NULL);
	EXPECT_OK(vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	uiommu_vfio_release(a0);
	uiommu_vfio_release(a1);
}

/* A PASID attach to a PASID-capable HWPT works through the cdev. */
TEST_F(vfio, attach_pasid)
{
	struct vfio_file *a0 = vopen(self, I_A0);
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .flags = VFIO_DEVICE_ATTACH_PASID,
		.pasid = 7,
	};
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = sizeof(d), .flags = VFIO_DEVICE_DETACH_PASID,
		.pasid = 7,
	};
	struct iommu_hwpt_alloc h = { .size = sizeof(h),
				      .flags = IOMMU_HWPT_ALLOC_PASID,
				      .pt_id = self->ioas };
	uint32_t dev_id;

	ASSERT_OK(bind_fd(self, a0, IOMMUFD_FD, &dev_id));
	h.dev_id = dev_id;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_HWPT_ALLOC, &h));
	a.pt_id = h.out_hwpt_id;
	ASSERT_OK(vio(self, a0, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	EXPECT_EQ(a.pt_id, h.out_hwpt_id);
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, 7) ==
		    hwpt_get(self->ctx, h.out_hwpt_id)->domain);
	ASSERT_OK(vio(self, a0, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
	EXPECT_TRUE(mk_cfg_of(self->plat, I_A0, 7) == NULL);
	uiommu_vfio_release(a0);
}

TEST_F(vfio, info_ioctls)
{
	struct vfio_file *f = vopen(self, I_A1), *s0 = vopen(self, I_S0);
	struct {
		struct vfio_device_info info;
		uint32_t canary;
	} di = { { .argsz = 16, .cap_offset = 0x55, .pad = 0x66 }, 0x77 };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };

	ASSERT_OK(bind_fd(self, f, IOMMUFD_FD, NULL));
	ASSERT_OK(bind_fd(self, s0, IOMMUFD_FD, NULL));
	/* GET_INFO: 16 bytes mandatory, no more written than argsz. */
	ASSERT_OK(vio(self, f, VFIO_DEVICE_GET_INFO, &di));
	EXPECT_EQ(di.info.flags,
		  (uint32_t)(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET));
	EXPECT_EQ(di.info.num_regions, 9u);
	EXPECT_EQ(di.info.num_irqs, 5u);
	EXPECT_EQ(di.info.cap_offset, 0x55u);
	EXPECT_EQ(di.info.pad, 0x66u);
	di.info.argsz = 15;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_GET_INFO, &di));
	di.info.argsz = sizeof(di);
	ASSERT_OK(vio(self, f, VFIO_DEVICE_GET_INFO, &di));
	EXPECT_EQ(di.info.cap_offset, 0u);
	EXPECT_EQ(di.canary, 0x77u);
	/* Regions: BAR0 is the register file; the rest are empty. */
	ASSERT_OK(vio(self, f, VFIO_DEVICE_GET_REGION_INFO, &ri));
	EXPECT_EQ(ri.size, (uint64_t)DMAENG_BAR_SIZE);
	EXPECT_EQ(ri.offset, 0u);
	EXPECT_EQ(ri.flags, (uint32_t)(VFIO_REGION_INFO_FLAG_READ |
					       VFIO_REGION_INFO_FLAG_WRITE));
	for (uint32_t i = 1; i < VFIO_PCI_VGA_REGION_INDEX; i++) {
		ri = (struct vfio_region_info){ .argsz = sizeof(ri),
						.index = i };
		ASSERT_OK(vio(self, f, VFIO_DEVICE_GET_REGION_INFO, &ri));
		EXPECT_EQ(ri.size, 0u);
		EXPECT_EQ(ri.flags, 0u);
		EXPECT_EQ(ri.offset, (uint64_t)i << 40);
	}
	ri.index = VFIO_PCI_VGA_REGION_INDEX;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ri.index = 9;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ri.index = 0;
	ri.argsz = 31;
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_GET_REGION_INFO, &ri));
	/* IRQs: one MSI vector where there is a doorbell. */
	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	ASSERT_OK(vio(self, f, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	EXPECT_EQ(ii.count, 0u); /* a1 has no doorbell */
	ASSERT_OK(vio(self, s0, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	EXPECT_EQ(ii.count, 1u);
	EXPECT_EQ(ii.flags, (uint32_t)(VFIO_IRQ_INFO_EVENTFD |
					       VFIO_IRQ_INFO_NORESIZE));
	ii.index = VFIO_PCI_INTX_IRQ_INDEX;
	ASSERT_OK(vio(self, s0, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	EXPECT_EQ(ii.count, 0u);
	EXPECT_EQ(ii.flags, (uint32_t)(VFIO_IRQ_INFO_EVENTFD |
					       VFIO_IRQ_INFO_MASKABLE |
					       VFIO_IRQ_INFO_AUTOMASKED));
	ii.index = VFIO_PCI_NUM_IRQS;
	EXPECT_ERRNO(EINVAL, vio(self, s0, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	ii.index = 0;
	ii.argsz = 15;
	EXPECT_ERRNO(EINVAL, vio(self, s0, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	/* Unknown ioctls on a bound device. */
	EXPECT_ERRNO(ENOTTY, vio(self, s0, _IO(VFIO_TYPE, VFIO_BASE + 17),
				 &ii));
	uiommu_vfio_release(f);
	uiommu_vfio_release(s0);
}

struct irq_set1 {
	struct vfio_irq_set h;
	int32_t fd;
};

static int set_irqs(struct t_fixture_vfio *self, struct vfio_file *f,
		    uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, int32_t fd)
{
	struct irq_set1 s = { { .argsz = sizeof(s), .flags = flags,
				.index = index, .start = start,
				.count = count }, fd };

	return vio(self, f, VFIO_DEVICE_SET_IRQS, &s);
}

#define TRIG_FD (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define TRIG_NONE (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)

TEST_F(vfio, set_irqs_rules)
{
	struct vfio_file *f = vopen(self, I_S0), *a1 = vopen(self, I_A1);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), p[2];

	ASSERT_GE(efd, 0);
	ASSERT_OK(pipe(p));
	ASSERT_OK(bind_fd(self, f, IOMMUFD_FD, NULL));
	ASSERT_OK(bind_fd(self, a1, IOMMUFD_FD, NULL));
	/* Header checks. */
	struct irq_set1 s = { { .argsz = 19, .flags = TRIG_FD,
				.index = VFIO_PCI_MSI_IRQ_INDEX,
				.count = 1 }, efd };
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_SET_IRQS, &s));
	s.h.argsz = 20; /* no room for the eventfd */
	EXPECT_ERRNO(EINVAL, vio(self, f, VFIO_DEVICE_SET_IRQS, &s));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD | (1u << 6),
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD, VFIO_PCI_NUM_IRQS,
				      0, 1, efd));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD,
				      VFIO_PCI_MSI_IRQ_INDEX, 1, 1, efd));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 2, efd));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f,
				      TRIG_FD | VFIO_IRQ_SET_DATA_BOOL,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd));
	/* Indexes without vectors. */
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD,
				      VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd));
	EXPECT_ERRNO(EINVAL, set_irqs(self, a1, TRIG_FD,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd));
	/* MSI masking is not supported, as in vfio-pci. */
	EXPECT_ERRNO(ENOTTY, set_irqs(self, f, VFIO_IRQ_SET_DATA_NONE |
					      VFIO_IRQ_SET_ACTION_MASK,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 0));
	/* Loopback and disable need MSI on. */
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_NONE,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 0));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_NONE,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 0, 0));
	/* The eventfd must be one. */
	EXPECT_ERRNO(EBADF, set_irqs(self, f, TRIG_FD,
				     VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 4000));
	EXPECT_ERRNO(EINVAL, set_irqs(self, f, TRIG_FD,
				      VFIO_PCI_MSI_IRQ_INDEX, 0, 1, p[0]));
	EXPECT_EQ(reg(f, DMAENG_REG_CTRL, 4), 0u);
	/* Enable: the MSI is programmed; loopback signals the eventfd. */
	ASSERT_OK(set_irqs(self, f, TRIG_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   efd));
	EXPECT_EQ(reg(f, DMAENG_REG_CTRL, 4), DMAENG_CTRL_MSI_EN);
	ASSERT_OK(set_irqs(self, f, TRIG_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   0));
	EXPECT_EQ(ev_read(efd), 1u);
	struct { struct vfio_irq_set h; uint8_t b; } sb = {
		{ .argsz = sizeof(sb), .index = VFIO_PCI_MSI_IRQ_INDEX,
		  .count = 1, .flags = VFIO_IRQ_SET_DATA_BOOL |
				       VFIO_IRQ_SET_ACTION_TRIGGER }, 0 };
	ASSERT_OK(vio(self, f, VFIO_DEVICE_SET_IRQS, &sb));
	EXPECT_EQ(ev_read(efd), 0u);
	sb.b = 1;
	ASSERT_OK(vio(self, f, VFIO_DEVICE_SET_IRQS, &sb));
	EXPECT_EQ(ev_read(efd), 1u);
	/* Our own reference: closing the caller's eventfd is fine. */
	int efd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_OK(set_irqs(self, f, TRIG_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   efd2));
	ASSERT_OK(set_irqs(self, f, TRIG_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   0));
	EXPECT_EQ(ev_read(efd2), 1u);
	EXPECT_EQ(ev_read(efd), 0u);
	/* fd -1 unsets the trigger, MSI stays on. */
	ASSERT_OK(set_irqs(self, f, TRIG_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   -1));
	ASSERT_OK(set_irqs(self, f, TRIG_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   0));
	EXPECT_EQ(ev_read(efd2), 0u);
	/* count 0 + DATA_NONE disables. */
	ASSERT_OK(set_irqs(self, f, TRIG_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 0,
			   0));
	EXPECT_EQ(reg(f, DMAENG_REG_CTRL, 4), 0u);
	close(efd);
	close(efd2);
	close(p[0]);
	close(p[1]);
	uiommu_vfio_release(f);
	uiommu_vfio_release(a1);
}

TEST_F(vfio, region_access)
{
	struct vfio_file *f = vopen(self, I_A0);
	uint64_t v;
	uint16_t v16;

	ASSERT_OK(bind_fd(self, f, IOMMUFD_FD, NULL));
	EXPECT_EQ(reg(f, DMAENG_REG_ID, 4), DMAENG_ID_MAGIC);
	ASSERT_OK(reg_write(f, DMAENG_REG_LEN, 8, 0x123456789aULL));
	EXPECT_EQ(reg(f, DMAENG_REG_LEN, 8), 0x123456789aULL);
	EXPECT_EQ(reg(f, DMAENG_REG_LEN + 4, 4), 0x12u);
	EXPECT_EQ(uiommu_vfio_read(f, &v16, 2, BAR0), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, &v, 16, BAR0), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, &v, 4, BAR0 + 2), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, &v, 4, BAR0 + DMAENG_BAR_SIZE), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, &v, 4, VFIO_REGION_OFFSET(1)), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, &v, 4, VFIO_REGION_OFFSET(7)), -EINVAL);
	EXPECT_EQ(uiommu_vfio_write(f, &v, 1, BAR0), -EINVAL);
	EXPECT_EQ(uiommu_vfio_read(f, (void *)8, 4, BAR0), -EFAULT);
	EXPECT_EQ(uiommu_vfio_write(f, (void *)8, 4, BAR0), -EFAULT);
	/* RESET puts the registers back; a rebind resets too. */
	ASSERT_OK(vio(self, f, VFIO_DEVICE_RESET, NULL));
	EXPECT_EQ(reg(f, DMAENG_REG_LEN, 8), 0u);
	ASSERT_OK(reg_write(f, DMAENG_REG_LEN, 8, 77));
	uiommu_vfio_release(f);
	f = vopen(self, I_A0);
	ASSERT_OK(bind_fd(self, f, IOMMUFD_FD, NULL));
	EXPECT_EQ(reg(f, DMAENG_REG_LEN, 8), 0u);
	uiommu_vfio_release(f);
}

/* The whole flow on the mock: bind, map, attach, DMA, MSI, close. */
TEST_F(vfio, dma_and_msi_flow)
{
	struct vfio_file *f = vopen(self, I_S0);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	unsigned char *src = self->buf, *dst = self->buf + 4 * PG;
	uint32_t dev_id, pt = self->ioas;

	ASSERT_GE(efd, 0);
	memset(src, 0x5a, PG);
	ASSERT_OK(bind_fd(self, f, IOMMUFD_FD, &dev_id));
	t_map_fixed(self->ctx, self->ioas, src, PG, SRC_IOVA);
	t_map_fixed(self->ctx, self->ioas, dst, PG, DST_IOVA);
	/* MSI set up before attach follows the doorbell's IOVA at attach. */
	ASSERT_OK(set_irqs(self, f, TRIG_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
			   efd));
	ASSERT_OK(attach(self, f, &pt));
	EXPECT_EQ(reg(f, DMAENG_REG_MSI_ADDR, 8), SWMSI + 0x40);
	ASSERT_OK(reg_write(f, DMAENG_REG_SRC_IOVA, 8, SRC_IOVA));
	ASSERT_OK(reg_write(f, DMAENG_REG_DST_IOVA, 8, DST_IOVA));
	ASSERT_OK(reg_write(f, DMAENG_REG_LEN, 8, PG));
	ASSERT_OK(reg_write(f, DMAENG_REG_CTRL, 4,
			    DMAENG_CTRL_GO | DMAENG_CTRL_MSI_EN));
	EXPECT_EQ(reg(f, DMAENG_REG_STATUS, 4), DMAENG_STATUS_DONE);
	ASSERT_MEMEQ(dst, src, PG);
	EXPECT_EQ(ev_read(efd), 1u);
	EXPECT_EQ(reg(f, DMAENG_REG_MSI_COUNT, 8), 1u);
	/* RESET keeps the MSI setup, as a function reset with state restore. */
	ASSERT_OK(vio(self, f, VFIO_DEVICE_RESET, NULL));
	EXPECT_EQ(reg(f, DMAENG_REG_MSI_ADDR, 8), SWMSI + 0x40);
	EXPECT_EQ(reg(f, DMAENG_REG_CTRL, 4), DMAENG_CTRL_MSI_EN);
	/* Close: detached and unbound in the core. */
	uiommu_vfio_release(f);
	EXPECT_TRUE(mk_cfg_of(self->plat, I_S0, NOPASID) == NULL);
	EXPECT_ERRNO(ENOENT, uiommu_device_detach(self->ctx, dev_id,
						  UIOMMU_PASID_NONE));
	EXPECT_EQ(self->refs, 0);
	/* The IOAS is free again (no auto HWPT left holding it). */
	EXPECT_OK(_t_destroy(self->ctx, self->ioas));
	close(efd);
}
