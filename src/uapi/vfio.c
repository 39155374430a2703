// SPDX-License-Identifier: MIT
/*
 * The VFIO device cdev (/dev/vfio/devices/vfioN) over the uiommu core: the
 * Linux VFIO ioctls and region accesses a vfio-pci device answers, for the
 * emulated DMA engines of a platform (src/dev/dmaengine.c).
 *
 * Linux's rules, followed here (drivers/vfio/device_cdev.c, vfio_main.c,
 * vfio_pci_core.c):
 *  - a fresh open has no access: every ioctl but BIND_IOMMUFD, and every
 *    read or write, fails -EINVAL until it is bound;
 *  - each ioctl reads its mandatory part (argsz below it: -EINVAL), checks
 *    flags (unknown ones: -EINVAL), and copies back at most argsz bytes;
 *    only BIND zero-extends a short struct and refuses a long one with
 *    non-zero bytes past ours (-E2BIG), as copy_struct_from_user does;
 *  - a device is bound by one open file at a time (another: -EINVAL);
 *    binding resets the function; closing the file unbinds;
 *  - unknown ioctls on a bound file are -ENOTTY (vfio-pci's default).
 * As in ioctl.c, a response that cannot be written back is found out
 * before the command acts, so a failed call changes nothing.
 *
 * What the device exposes: BAR0 (the engine's 4 KiB register file, read
 * and written with 4- or 8-byte pread/pwrite, no mmap), and one MSI vector
 * when the device has an MSI doorbell.  Enabling it through SET_IRQS is
 * what the host kernel's MSI setup would do: it programs the engine's
 * MSI_ADDR with the doorbell as the device's IOMMU sees it (the SW_MSI
 * IOVA the core mapped it at, or the x86 interrupt window address).
 */
#include "uapi/vfio.h"

#include "core/core.h"
#include "core/device.h"
#include "dev/dmaengine.h"

#include <uiommu/linux/vfio.h>

#include "util/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define offsetofend(t, f) (offsetof(t, f) + sizeof(((t *)0)->f))

/* One emulated device of the host. */
struct vfio_vdev {
	pthread_mutex_t lock;	/* owner, irq state; serialises ioctls */
	struct vfio_host *host;
	uint32_t index;
	struct dmaengine *eng;
	struct vfio_file *owner; /* the file it is bound through, or NULL */
	bool msi_on;		/* MSI enabled through SET_IRQS */
};

struct vfio_host {
	struct uiommu_platform *plat;
	uint32_t ndevs;
	struct vfio_vdev *vdevs;
};

struct vfio_file {
	struct vfio_vdev *vdev;
	atomic_bool granted;	/* bound: access allowed */
	struct uiommu_ctx *ctx;
	uint32_t dev_id;
	struct vfio_resolver res; /* whose reference @ref is */
	void *ref;
};

static const struct uiommu_device_desc *vdev_desc(const struct vfio_vdev *vd)
{
	return vd->host->plat->devs[vd->index].desc;
}

/* ---- host and files ----------------------------------------------------- */

int uiommu_vfio_host_create(struct uiommu_platform *p, struct vfio_host **out)
{
	struct vfio_host *h = calloc(1, sizeof(*h));
	int rc = 0;

	if (!h)
		return -ENOMEM;
	h->plat = p;
	h->ndevs = p->desc.ndevices;
	h->vdevs = calloc(h->ndevs ? h->ndevs : 1, sizeof(*h->vdevs));
	if (!h->vdevs) {
		free(h);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < h->ndevs && !rc; i++) {
		struct vfio_vdev *vd = &h->vdevs[i];

		pthread_mutex_init(&vd->lock, NULL);
		vd->host = h;
		vd->index = i;
		rc = dmaengine_create(p, i, &vd->eng);
	}
	if (rc) {
		uiommu_vfio_host_destroy(h);
		return rc;
	}
	*out = h;
	return 0;
}

void uiommu_vfio_host_destroy(struct vfio_host *h)
{
	if (!h)
		return;
	for (uint32_t i = 0; i < h->ndevs; i++) {
		dmaengine_destroy(h->vdevs[i].eng);
		pthread_mutex_destroy(&h->vdevs[i].lock);
	}
	free(h->vdevs);
	free(h);
}

int uiommu_vfio_open(struct vfio_host *h, uint32_t index,
		     struct vfio_file **out)
{
	struct vfio_file *f;

	if (!h || index >= h->ndevs)
		return -ENOENT;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->vdev = &h->vdevs[index];
	*out = f;
	return 0;
}

static bool vfio_granted(struct vfio_file *f)
{
	return atomic_load_explicit(&f->granted, memory_order_acquire);
}

/* ---- MSI ---------------------------------------------------------------- */

static uint32_t vdev_irq_count(const struct vfio_vdev *vd, uint32_t index)
{
	if (index == VFIO_PCI_MSI_IRQ_INDEX && vdev_desc(vd)->msi_doorbell)
		return 1;
	return 0; /* no INTx pin, no MSI-X, no AER or request reporting */
}

static const struct uiommu_resv_region *
desc_sw_msi(const struct uiommu_device_desc *d)
{
	for (uint32_t i = 0; i < d->nresv; i++)
		if (d->resv[i].type == UIOMMU_RESV_SW_MSI)
			return &d->resv[i];
	return NULL;
}

/*
 * The address the device's MSIs must target, composed as the host's MSI
 * setup does: with a SW_MSI window, the IOVA the core mapped the doorbell
 * page at for this context (known once the device has been attached);
 * otherwise the doorbell address itself (the x86 interrupt window, which
 * the IOMMU does not translate).
 */
static uint64_t vdev_msi_addr(struct vfio_vdev *vd)
{
	const struct uiommu_device_desc *d = vdev_desc(vd);
	const struct uiommu_resv_region *sw = desc_sw_msi(d);
	uint64_t page = d->msi_doorbell & ~UIOMMU_PAGE_MASK;
	uint64_t addr = d->msi_doorbell;
	struct uiommu_ctx *ctx = vd->owner->ctx;

	if (!sw)
		return addr;
	ctx_lock(ctx);
	for (uint32_t i = 0; i < ctx->nsw_msi; i++) {
		const struct ctx_sw_msi *m = &ctx->sw_msi[i];

		if (m->sw_msi_start == sw->start && m->msi_page == page)
			addr = sw->start + m->pgoff * UIOMMU_PAGE_SIZE +
			       (d->msi_doorbell & UIOMMU_PAGE_MASK);
	}
	ctx_unlock(ctx);
	return addr;
}

static void vdev_msi_program(struct vfio_vdev *vd)
{
	dmaengine_msi_program(vd->eng, true, vdev_msi_addr(vd), 0);
}

static void vdev_msi_disable(struct vfio_vdev *vd)
{
	dmaengine_msi_program(vd->eng, false, 0, 0);
	dmaengine_set_trigger(vd->eng, -1);
	vd->msi_on = false;
}

/*
 * Our own reference to eventfd @fd (the caller may close theirs), as the
 * kernel takes one on the eventfd context.  -EBADF not open; -EINVAL not
 * an eventfd.
 */
static int eventfd_dup(int fd, int *out)
{
	char path[64], target[64];
	ssize_t n;
	int dup;

	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	/* Without /proc the kind cannot be told; trust the caller then. */
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[eventfd]"))
			return -EINVAL;
	}
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -errno;
	*out = dup;
	return 0;
}

/* Enable the vector if needed and point it at @fd (negative: none). */
static int vdev_msi_set_fd(struct vfio_vdev *vd, int32_t fd)
{
	int efd = -1, rc;

	if (fd >= 0) {
		rc = eventfd_dup(fd, &efd);
		if (rc)
			return rc;
	}
	if (!vd->msi_on) {
		vdev_msi_program(vd);
		vd->msi_on = true;
	}
	dmaengine_set_trigger(vd->eng, efd);
	return 0;
}

/* SET_IRQS loopback (DATA_NONE / DATA_BOOL): signal without the device. */
static int vdev_msi_loopback(struct vfio_vdev *vd, uint32_t flags,
			     uint32_t count, const uint8_t *data)
{
	if (!vd->msi_on)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		if (!(flags & VFIO_IRQ_SET_DATA_BOOL) || data[i])
			dmaengine_signal(vd->eng);
	return 0;
}

static int vdev_msi_trigger(struct vfio_vdev *vd, uint32_t flags,
			    uint32_t count, const uint8_t *data)
{
	int32_t fd;

	if (vd->msi_on && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vdev_msi_disable(vd);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (!count)
			return -EINVAL;
		memcpy(&fd, data, sizeof(fd));
		return vdev_msi_set_fd(vd, fd);
	}
	return vdev_msi_loopback(vd, flags, count, data);
}

/* ---- bind --------------------------------------------------------------- */

/* copy_struct_from_user(): zero-extend short, reject non-zero long tail. */
static int copy_struct_in(void *dst, size_t size, const void *src,
			  uint32_t user_size)
{
	int rc;

	memset(dst, 0, size);
	if (user_size > size) {
		rc = uacc_check_zero((const char *)src + size,
				     user_size - size);
		if (rc)
			return rc;
	}
	return uacc_copy(dst, src, user_size < size ? user_size : size);
}

/*
 * A VF token is only meaningful between an SR-IOV PF and its VFs, both
 * owned by vfio-pci; no emulated device has that relationship, so a
 * token is refused as vfio-pci refuses one for "not a PF or VF" (after
 * reading it, so a bad pointer is still -EFAULT).
 */
static int vfio_check_token(const struct vfio_device_bind_iommufd *b)
{
	unsigned char uuid[16];
	int rc;

	if (!(b->flags & VFIO_DEVICE_BIND_FLAG_TOKEN))
		return 0;
	rc = uacc_copy(uuid, (const void *)(uintptr_t)b->token_uuid_ptr,
		       sizeof(uuid));
	return rc ? rc : -EINVAL;
}

static int vfio_bind_core(struct vfio_file *f, struct uiommu_ctx *ctx,
			  uint32_t *out_devid, uint32_t *dev_id)
{
	struct vfio_vdev *vd = f->vdev;
	int rc;

	/* The cdev path opens a device once (vfio_df_open). */
	if (vd->owner)
		return -EINVAL;
	rc = uiommu_device_bind(ctx, vd->host->plat, vd->index, dev_id);
	if (rc)
		return rc;
	rc = uacc_copy(out_devid, dev_id, sizeof(*dev_id));
	if (rc)
		uiommu_device_unbind(ctx, *dev_id);
	return rc;
}

static int vfio_bind_locked(struct vfio_file *f,
			    const struct vfio_device_bind_iommufd *b,
			    struct vfio_device_bind_iommufd *ub,
			    const struct vfio_resolver *r)
{
	struct uiommu_ctx *ctx;
	uint32_t dev_id;
	void *ref;
	int rc;

	if (vfio_granted(f))
		return -EINVAL; /* one device cannot be bound twice */
	rc = vfio_check_token(b);
	if (rc)
		return rc;
	if (!r)
		return -EBADF;
	rc = r->get(r->opaque, b->iommufd, &ctx, &ref);
	if (rc)
		return rc;
	rc = vfio_bind_core(f, ctx, &ub->out_devid, &dev_id);
	if (rc) {
		r->put(r->opaque, ref);
		return rc;
	}
	/* Opening the device resets the function, as vfio-pci does. */
	dmaengine_reset(f->vdev->eng);
	f->ctx = ctx;
	f->dev_id = dev_id;
	f->res = *r;
	f->ref = ref;
	f->vdev->owner = f;
	atomic_store_explicit(&f->granted, true, memory_order_release);
	return 0;
}

static int vfio_bind(struct vfio_file *f, void *arg,
		     const struct vfio_resolver *r)
{
	const uint32_t minsz =
		offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct vfio_device_bind_iommufd b;
	uint32_t argsz;
	int rc;

	rc = uacc_copy(&argsz, arg, sizeof(argsz));
	if (rc)
		return rc;
	if (argsz < minsz)
		return -EINVAL;
	rc = copy_struct_in(&b, sizeof(b), arg, argsz);
	if (rc)
		return rc;
	if (b.iommufd < 0 || (b.flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN))
		return -EINVAL;
	pthread_mutex_lock(&f->vdev->lock);
	rc = vfio_bind_locked(f, &b, arg, r);
	pthread_mutex_unlock(&f->vdev->lock);
	return rc;
}

/* Close of a bound file: quiesce the device, then give it back. */
static void vfio_unbind_locked(struct vfio_file *f)
{
	struct vfio_vdev *vd = f->vdev;

	vdev_msi_disable(vd);
	dmaengine_reset(vd->eng);
	/* -ENOENT if the context tore the device down first: nothing left. */
	uiommu_device_unbind(f->ctx, f->dev_id);
	vd->owner = NULL;
	atomic_store_explicit(&f->granted, false, memory_order_release);
	f->res.put(f->res.opaque, f->ref);
}

void uiommu_vfio_release(struct vfio_file *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->vdev->lock);
	if (vfio_granted(f))
		vfio_unbind_locked(f);
	pthread_mutex_unlock(&f->vdev->lock);
	free(f);
}

/* ---- attach / detach ---------------------------------------------------- */

static bool vdev_pasid_ok(const struct vfio_vdev *vd, uint32_t pasid)
{
	uint32_t bits = vdev_desc(vd)->pasid_bits;

	return bits && (bits >= 32 || pasid < (1u << bits));
}

static int vfio_attach_locked(struct vfio_file *f, uint32_t pasid,
			      uint32_t *upt_id, uint32_t pt_id)
{
	struct vfio_vdev *vd = f->vdev;
	int rc;

	rc = uiommu_device_attach(f->ctx, f->dev_id, pasid, &pt_id);
	if (rc)
		return rc;
	rc = uacc_copy(upt_id, &pt_id, sizeof(pt_id));
	if (rc) {
		/* Linux detaches when pt_id cannot be written back. */
		uiommu_device_detach(f->ctx, f->dev_id, pasid);
		return rc;
	}
	/* A SW_MSI doorbell gets its IOVA at attach: follow it. */
	if (vd->msi_on)
		vdev_msi_program(vd);
	return 0;
}

/*
 * The optional pasid of ATTACH/DETACH_IOMMUFD_PT: read only with the PASID
 * flag, which needs a PASID-capable device (-EOPNOTSUPP) and an argsz that
 * reaches the field (-EINVAL).  *@pasid is UIOMMU_PASID_NONE without it.
 */
static int vfio_read_pasid(struct vfio_file *f, bool flagged, uint32_t argsz,
			   size_t end, const uint32_t *upasid, uint32_t *pasid)
{
	*pasid = UIOMMU_PASID_NONE;
	if (!flagged)
		return 0;
	if (!vdev_desc(f->vdev)->pasid_bits)
		return -EOPNOTSUPP;
	if (argsz < end)
		return -EINVAL;
	return uacc_copy(pasid, upasid, sizeof(*pasid));
}

static int vfio_attach(struct vfio_file *f, void *arg)
{
	const uint32_t minsz =
		offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	struct vfio_device_attach_iommufd_pt a = { 0 }, *ua = arg;
	bool flagged;
	uint32_t pasid;
	int rc;

	rc = uacc_copy(&a, arg, minsz);
	if (rc)
		return rc;
	if (a.argsz < minsz || (a.flags & ~VFIO_DEVICE_ATTACH_PASID))
		return -EINVAL;
	flagged = a.flags & VFIO_DEVICE_ATTACH_PASID;
	rc = vfio_read_pasid(f, flagged, a.argsz,
			     offsetofend(struct vfio_device_attach_iommufd_pt,
					 pasid),
			     &ua->pasid, &pasid);
	if (rc)
		return rc;
	if (flagged && !vdev_pasid_ok(f->vdev, pasid))
		return -EINVAL;
	/* Will pt_id be writable?  Rewriting its value is a harmless probe. */
	rc = uacc_copy(&ua->pt_id, &a.pt_id, sizeof(a.pt_id));
	if (rc)
		return rc;
	pthread_mutex_lock(&f->vdev->lock);
	rc = vfio_attach_locked(f, pasid, &ua->pt_id, a.pt_id);
	pthread_mutex_unlock(&f->vdev->lock);
	return rc;
}

static int vfio_detach(struct vfio_file *f, void *arg)
{
	const uint32_t minsz =
		offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	struct vfio_device_detach_iommufd_pt d = { 0 }, *ud = arg;
	bool flagged;
	uint32_t pasid;
	int rc;

	rc = uacc_copy(&d, arg, minsz);
	if (rc)
		return rc;
	if (d.argsz < minsz || (d.flags & ~VFIO_DEVICE_DETACH_PASID))
		return -EINVAL;
	flagged = d.flags & VFIO_DEVICE_DETACH_PASID;
	rc = vfio_read_pasid(f, flagged, d.argsz,
			     offsetofend(struct vfio_device_detach_iommufd_pt,
					 pasid),
			     &ud->pasid, &pasid);
	if (rc)
		return rc;
	/* A PASID the device cannot have is attached nowhere. */
	if (flagged && !vdev_pasid_ok(f->vdev, pasid))
		return 0;
	pthread_mutex_lock(&f->vdev->lock);
	uiommu_device_detach(f->ctx, f->dev_id, pasid);
	pthread_mutex_unlock(&f->vdev->lock);
	return 0;
}

/* ---- information -------------------------------------------------------- */

static int copy_out(void *uarg, const void *src, uint32_t argsz, size_t size)
{
	return uacc_copy(uarg, src, argsz < size ? argsz : size);
}

static int vfio_get_info(struct vfio_file *f, void *arg)
{
	const uint32_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info = { 0 };
	int rc;

	rc = uacc_copy(&info, arg, minsz);
	if (rc)
		return rc;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_out(arg, &info, info.argsz, sizeof(info));
}

/*
 * BAR0 is the register file; the other BARs and the ROM are absent (size
 * 0, as vfio-pci reports unimplemented BARs), and so is config space: it
 * is not emulated.  There is no VGA region (-EINVAL, as without VGA).
 */
static int vfio_region_fill(struct vfio_region_info *info)
{
	if (info->index >= VFIO_PCI_NUM_REGIONS ||
	    info->index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	info->offset = VFIO_REGION_OFFSET(info->index);
	info->cap_offset = 0;
	info->size = 0;
	info->flags = 0;
	if (info->index == VFIO_PCI_BAR0_REGION_INDEX) {
		info->size = DMAENG_BAR_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
	}
	return 0;
}

static int vfio_get_region_info(struct vfio_file *f, void *arg)
{
	const uint32_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int rc;

	rc = uacc_copy(&info, arg, minsz);
	if (rc)
		return rc;
	if (info.argsz < minsz)
		return -EINVAL;
	rc = vfio_region_fill(&info);
	if (rc)
		return rc;
	return copy_out(arg, &info, info.argsz, sizeof(info));
}

static int vfio_get_irq_info(struct vfio_file *f, void *arg)
{
	const uint32_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;
	int rc;

	rc = uacc_copy(&info, arg, minsz);
	if (rc)
		return rc;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	info.count = vdev_irq_count(f->vdev, info.index);
	return copy_out(arg, &info, info.argsz, sizeof(info));
}

/*
 * vfio_set_irqs_validate_and_prepare(): the header against the index's
 * vector count, and the size of the data that follows it.
 */
static int irq_set_validate(const struct vfio_irq_set *h, uint32_t max,
			    size_t *data_size)
{
	const uint32_t minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (h->argsz < minsz || h->index >= VFIO_PCI_NUM_IRQS ||
	    h->count >= UINT32_MAX - h->start ||
	    (h->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	if (h->start >= max || h->start + h->count > max)
		return -EINVAL;
	switch (h->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(uint8_t);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if ((size_t)(h->argsz - minsz) < h->count * size)
		return -EINVAL;
	*data_size = h->count * size;
	return 0;
}

/* Only MSI has vectors; masking MSI is not supported (vfio-pci: -ENOTTY). */
static int vfio_set_irqs_locked(struct vfio_vdev *vd,
				const struct vfio_irq_set *h,
				const uint8_t *data)
{
	if (h->index != VFIO_PCI_MSI_IRQ_INDEX)
		return -EINVAL;
	switch (h->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		return vdev_msi_trigger(vd, h->flags, h->count, data);
	default:
		return -ENOTTY;
	}
}

static int vfio_set_irqs(struct vfio_file *f, void *arg)
{
	const uint32_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set h;
	uint8_t data[sizeof(int32_t)] = { 0 };
	size_t data_size;
	int rc;

	rc = uacc_copy(&h, arg, minsz);
	if (rc)
		return rc;
	rc = irq_set_validate(&h, vdev_irq_count(f->vdev, h.index),
			      &data_size);
	if (rc)
		return rc;
	/* At most one vector, so the data fits in one int32. */
	rc = uacc_copy(data, (const char *)arg + minsz, data_size);
	if (rc)
		return rc;
	pthread_mutex_lock(&f->vdev->lock);
	rc = vfio_set_irqs_locked(f->vdev, &h, data);
	pthread_mutex_unlock(&f->vdev->lock);
	return rc;
}

/* A function reset restores the MSI setup, as the PCI core does. */
static int vfio_reset(struct vfio_file *f)
{
	struct vfio_vdev *vd = f->vdev;

	pthread_mutex_lock(&vd->lock);
	dmaengine_reset(vd->eng);
	if (vd->msi_on)
		vdev_msi_program(vd);
	pthread_mutex_unlock(&vd->lock);
	return 0;
}

int uiommu_vfio_ioctl(struct vfio_file *f, unsigned long cmd, void *arg,
		      const struct vfio_resolver *r)
{
	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_bind(f, arg, r);
	if (!vfio_granted(f))
		return -EINVAL;
	switch (cmd) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_attach(f, arg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_detach(f, arg);
	case VFIO_DEVICE_GET_INFO:
		return vfio_get_info(f, arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_get_region_info(f, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_get_irq_info(f, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_set_irqs(f, arg);
	case VFIO_DEVICE_RESET:
		return vfio_reset(f);
	default:
		return -ENOTTY;
	}
}

/* ---- region access ------------------------------------------------------ */

/* The BAR0 register offset @off names for a @count-byte access. */
static int vfio_region_reg(struct vfio_file *f, size_t count, uint64_t off,
			   uint32_t *reg)
{
	if (!vfio_granted(f))
		return -EINVAL;
	if (off >> VFIO_REGION_SHIFT != VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL;
	if (off >= DMAENG_BAR_SIZE || (count != 4 && count != 8))
		return -EINVAL;
	*reg = (uint32_t)off;
	return 0;
}

ssize_t uiommu_vfio_read(struct vfio_file *f, void *buf, size_t count,
			 uint64_t off)
{
	uint64_t v64;
	uint32_t reg, v32;
	int rc;

	rc = vfio_region_reg(f, count, off, &reg);
	if (!rc)
		rc = dmaengine_read(f->vdev->eng, reg, count, &v64);
	if (rc)
		return rc;
	v32 = (uint32_t)v64;
	rc = uacc_copy(buf, count == 4 ? (void *)&v32 : (void *)&v64, count);
	return rc ? rc : (ssize_t)count;
}

ssize_t uiommu_vfio_write(struct vfio_file *f, const void *buf, size_t count,
			  uint64_t off)
{
	uint64_t v64 = 0;
	uint32_t reg, v32 = 0;
	int rc;

	rc = vfio_region_reg(f, count, off, &reg);
	if (rc)
		return rc;
	rc = uacc_copy(count == 4 ? (void *)&v32 : (void *)&v64, buf, count);
	if (rc)
		return rc;
	rc = dmaengine_write(f->vdev->eng, reg, count,
			     count == 4 ? v32 : v64);
	return rc ? rc : (ssize_t)count;
}
