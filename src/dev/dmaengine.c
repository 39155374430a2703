// SPDX-License-Identifier: MIT
/*
 * The emulated DMA engine (see dmaengine.h for the register map).
 *
 * A transfer is done the way an IOMMU-translated device does it: every
 * IOVA is translated by the device's IOMMU driver (its translate op, which
 * walks the real page tables through the IOTLB), and only the host memory
 * the translations name is touched.  The whole source (read) and
 * destination (write) ranges are translated before a byte moves, so a
 * transfer that faults anywhere writes nothing; the copy itself is then a
 * plain memmove between host ranges, as fast as memcpy.
 *
 * Translations are taken at GO and used immediately, under the engine
 * lock and inside the driver's DMA window (dma_begin/dma_end), which holds
 * off the IOMMU's invalidations: an unmap that returns has no copy in
 * flight through what it removed, so memory it releases (a file mapping)
 * is never written after.  Drivers without the window (the tests' mock)
 * translate page by page and rely on the core's contract alone.
 */
#include "dev/dmaengine.h"

#include "core/device.h"
#include "core/driver.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FAULT_REASON reports the driver's reason unchanged. */
_Static_assert(DMAENG_FAULT_NOT_PRESENT == DRV_FAULT_NOT_PRESENT &&
	       DMAENG_FAULT_PERMISSION == DRV_FAULT_PERMISSION &&
	       DMAENG_FAULT_ADDRESS_SIZE == DRV_FAULT_ADDRESS_SIZE &&
	       DMAENG_FAULT_BLOCKED == DRV_FAULT_BLOCKED &&
	       DMAENG_FAULT_OTHER == DRV_FAULT_OTHER, "fault reasons");

/* One contiguous host range a translated IOVA range maps to. */
struct seg {
	unsigned char *hva;
	uint64_t len;
};

/* Segments of one transfer side; a few inline, so a transfer whose
 * memory is one or a few host runs allocates nothing. */
#define SEG_INLINE 8
struct seg_list {
	struct seg *v;
	size_t n, cap;
	struct seg inl[SEG_INLINE];
};

struct dmaengine {
	pthread_mutex_t lock;
	struct drv_iommu *iommu;
	const struct uiommu_device_desc *desc;
	int trigger;		/* eventfd an MSI signals, or -1 */
	/* registers */
	uint32_t ctrl, status, pasid, msi_data;
	uint32_t fault_reason, fault_stage;
	uint64_t src, dst, len, msi_addr, fault_addr;
	uint64_t completions, msi_count;
};

int dmaengine_create(struct uiommu_platform *p, uint32_t index,
		     struct dmaengine **out)
{
	struct dmaengine *e;

	if (index >= p->desc.ndevices)
		return -ENODEV;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	e->iommu = p->devs[index].iommu;
	e->desc = p->devs[index].desc;
	e->trigger = -1;
	*out = e;
	return 0;
}

void dmaengine_destroy(struct dmaengine *e)
{
	if (!e)
		return;
	if (e->trigger >= 0)
		close(e->trigger);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void dmaeng_reset_locked(struct dmaengine *e)
{
	e->ctrl = e->status = e->pasid = e->msi_data = 0;
	e->fault_reason = e->fault_stage = 0;
	e->src = e->dst = e->len = e->msi_addr = e->fault_addr = 0;
	e->completions = e->msi_count = 0;
}

void dmaengine_reset(struct dmaengine *e)
{
	pthread_mutex_lock(&e->lock);
	dmaeng_reset_locked(e);
	pthread_mutex_unlock(&e->lock);
}

void dmaengine_msi_program(struct dmaengine *e, bool enable, uint64_t addr,
			   uint32_t data)
{
	pthread_mutex_lock(&e->lock);
	if (enable) {
		e->msi_addr = addr & ~3ULL;
		e->msi_data = data;
		e->ctrl |= DMAENG_CTRL_MSI_EN;
	} else {
		e->ctrl &= ~DMAENG_CTRL_MSI_EN;
	}
	pthread_mutex_unlock(&e->lock);
}

void dmaengine_set_trigger(struct dmaengine *e, int fd)
{
	int old;

	pthread_mutex_lock(&e->lock);
	old = e->trigger;
	e->trigger = fd;
	pthread_mutex_unlock(&e->lock);
	if (old >= 0)
		close(old);
}

/* ---- transfers ---------------------------------------------------------- */

static void seg_init(struct seg_list *l)
{
	l->v = l->inl;
	l->n = 0;
	l->cap = SEG_INLINE;
}

static void seg_fini(struct seg_list *l)
{
	if (l->v != l->inl)
		free(l->v);
}

static int seg_grow(struct seg_list *l)
{
	size_t cap = l->cap * 2;
	struct seg *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v, l->v, l->n * sizeof(*v));
	seg_fini(l);
	l->v = v;
	l->cap = cap;
	return 0;
}

/* Append [hva, +len), merging with the last segment when contiguous. */
static int seg_add(struct seg_list *l, uint64_t hva, uint64_t len)
{
	struct seg *last = l->n ? &l->v[l->n - 1] : NULL;

	if (last && (uint64_t)(uintptr_t)last->hva + last->len == hva) {
		last->len += len;
		return 0;
	}
	if (l->n == l->cap && seg_grow(l))
		return -ENOMEM;
	l->v[l->n++] = (struct seg){ (unsigned char *)(uintptr_t)hva, len };
	return 0;
}

static void fault_set(struct drv_fault *f, uint32_t reason, uint32_t stage,
		      uint64_t addr)
{
	*f = (struct drv_fault){ .reason = reason, .stage = stage,
				 .addr = addr };
}

/* One host run from @iova: the driver's run translation when it has one
 * (one call per run of contiguous memory, inside its DMA window), else
 * one page. */
static int dmaeng_xlate(struct dmaengine *e, uint32_t pasid, uint64_t iova,
			uint64_t len, uint32_t access, struct drv_xlate *xl,
			struct drv_fault *f)
{
	const struct drv_iommu_ops *ops = e->iommu->ops;

	if (ops->translate_run)
		return ops->translate_run(e->iommu, e->desc, pasid, iova, len,
					  access, xl, f);
	return ops->translate(e->iommu, e->desc, pasid, iova, access, xl, f);
}

/*
 * Translate [@iova, +@len) for @access into host segments.  0, or -EFAULT
 * with *@f saying where and why (the first failing byte).
 */
static int dmaeng_xlate_range(struct dmaengine *e, uint32_t pasid,
			      uint64_t iova, uint64_t len, uint32_t access,
			      struct seg_list *l, struct drv_fault *f)
{
	if (len - 1 > UINT64_MAX - iova) {
		/* The range wraps the 64-bit address space. */
		fault_set(f, DRV_FAULT_ADDRESS_SIZE, 0, iova);
		return -EFAULT;
	}
	while (len) {
		struct drv_xlate xl;
		uint64_t n;
		int rc;

		rc = dmaeng_xlate(e, pasid, iova, len, access, &xl, f);
		if (rc) {
			if (rc != -EFAULT)
				fault_set(f, DRV_FAULT_OTHER, 0, iova);
			return -EFAULT;
		}
		/* A doorbell is not memory: only an MSI write may hit it. */
		if (xl.mmio || !xl.len) {
			fault_set(f, DRV_FAULT_OTHER, 0, iova);
			return -EFAULT;
		}
		n = xl.len < len ? xl.len : len;
		if (seg_add(l, xl.hva, n)) {
			fault_set(f, DRV_FAULT_OTHER, 0, iova);
			return -EFAULT;
		}
		iova += n;
		len -= n;
	}
	return 0;
}

/* Copy segment by segment; both lists cover the same number of bytes. */
static void dmaeng_copy(const struct seg_list *dst, const struct seg_list *src)
{
	size_t di = 0, si = 0;
	uint64_t doff = 0, soff = 0;

	while (di < dst->n && si < src->n) {
		uint64_t dn = dst->v[di].len - doff, sn = src->v[si].len - soff;
		uint64_t n = dn < sn ? dn : sn;

		/* memmove: the two may overlap in host memory. */
		memmove(dst->v[di].hva + doff, src->v[si].hva + soff, n);
		doff += n;
		soff += n;
		if (doff == dst->v[di].len) {
			di++;
			doff = 0;
		}
		if (soff == src->v[si].len) {
			si++;
			soff = 0;
		}
	}
}

/* Latch @f in the FAULT_* registers unless a fault is recorded already. */
static void dmaeng_record(struct dmaengine *e, const struct drv_fault *f)
{
	if (e->fault_reason)
		return;
	e->fault_reason = f->reason ? f->reason : DMAENG_FAULT_OTHER;
	e->fault_stage = f->stage;
	e->fault_addr = f->addr;
}

static uint32_t dmaeng_pasid(const struct dmaengine *e)
{
	if (!(e->pasid & DMAENG_PASID_ENABLE))
		return UIOMMU_NO_PASID;
	return e->pasid & DMAENG_PASID_MASK;
}

/* The transfer itself: translate everything, then move the bytes. */
static void dmaeng_transfer(struct dmaengine *e)
{
	const struct drv_iommu_ops *ops = e->iommu->ops;
	struct seg_list src, dst;
	uint32_t pasid = dmaeng_pasid(e);
	struct drv_fault f;
	int rc = 0;

	seg_init(&src);
	seg_init(&dst);
	/* With a DMA window the translations stay valid until the copy is
	 * done: an unmap waits for it, and never returns with this DMA
	 * still writing through what it removed. */
	if (ops->translate_run)
		ops->dma_begin(e->iommu);
	if (e->len) {
		rc = dmaeng_xlate_range(e, pasid, e->src, e->len,
					DRV_ACCESS_READ, &src, &f);
		if (!rc)
			rc = dmaeng_xlate_range(e, pasid, e->dst, e->len,
						DRV_ACCESS_WRITE, &dst, &f);
	}
	if (rc) {
		dmaeng_record(e, &f);
		e->status = DMAENG_STATUS_FAULT;
	} else {
		dmaeng_copy(&dst, &src);
		e->status = DMAENG_STATUS_DONE;
		e->completions++;
	}
	if (ops->translate_run)
		ops->dma_end(e->iommu);
	seg_fini(&src);
	seg_fini(&dst);
}

static void dmaeng_signal(struct dmaengine *e)
{
	uint64_t one = 1;

	/* A full eventfd counter (EAGAIN) is as good as signalled. */
	if (e->trigger >= 0 && write(e->trigger, &one, sizeof(one)) < 0)
		return;
}

void dmaengine_signal(struct dmaengine *e)
{
	pthread_mutex_lock(&e->lock);
	dmaeng_signal(e);
	pthread_mutex_unlock(&e->lock);
}

/*
 * The completion MSI: a 4-byte write of MSI_DATA to MSI_ADDR, issued by
 * the requester id without PASID (PCIe MSIs carry none).  It is an
 * interrupt only where the IOMMU routes it to a doorbell; elsewhere it is
 * an ordinary DMA write, or a fault.
 */
static void dmaeng_msi(struct dmaengine *e)
{
	struct drv_xlate xl;
	struct drv_fault f;
	int rc;

	rc = e->iommu->ops->translate(e->iommu, e->desc, UIOMMU_NO_PASID,
				      e->msi_addr, DRV_ACCESS_WRITE, &xl, &f);
	if (!rc && !xl.mmio && xl.len < sizeof(e->msi_data)) {
		fault_set(&f, DRV_FAULT_OTHER, 0, e->msi_addr);
		rc = -EFAULT;
	} else if (rc && rc != -EFAULT) {
		fault_set(&f, DRV_FAULT_OTHER, 0, e->msi_addr);
	}
	if (rc) {
		dmaeng_record(e, &f);
		e->status |= DMAENG_STATUS_MSI_FAULT;
		return;
	}
	if (!xl.mmio) {
		memcpy((void *)(uintptr_t)xl.hva, &e->msi_data,
		       sizeof(e->msi_data));
		return;
	}
	e->msi_count++;
	dmaeng_signal(e);
}

/* GO: a new transfer forgets the previous one's status and fault. */
static void dmaeng_go(struct dmaengine *e)
{
	e->status = DMAENG_STATUS_IDLE;
	e->fault_reason = e->fault_stage = 0;
	e->fault_addr = 0;
	dmaeng_transfer(e);
	/* The engine interrupts on every completion, faulted or not. */
	if (e->ctrl & DMAENG_CTRL_MSI_EN)
		dmaeng_msi(e);
}

/* ---- registers ---------------------------------------------------------- */

/* The 64-bit register holding @off, or NULL. */
static uint64_t *dmaeng_reg64(struct dmaengine *e, uint32_t off)
{
	switch (off & ~7u) {
	case DMAENG_REG_SRC_IOVA:
		return &e->src;
	case DMAENG_REG_DST_IOVA:
		return &e->dst;
	case DMAENG_REG_LEN:
		return &e->len;
	case DMAENG_REG_FAULT_ADDR:
		return &e->fault_addr;
	case DMAENG_REG_MSI_ADDR:
		return &e->msi_addr;
	case DMAENG_REG_COMPLETIONS:
		return &e->completions;
	case DMAENG_REG_MSI_COUNT:
		return &e->msi_count;
	default:
		return NULL;
	}
}

static uint32_t dmaeng_read32(struct dmaengine *e, uint32_t off)
{
	uint64_t *r = dmaeng_reg64(e, off);

	if (r)
		return (uint32_t)(off & 4 ? *r >> 32 : *r);
	switch (off) {
	case DMAENG_REG_ID:
		return DMAENG_ID_MAGIC;
	case DMAENG_REG_VERSION:
		return DMAENG_VERSION;
	case DMAENG_REG_CTRL:
		return e->ctrl;
	case DMAENG_REG_STATUS:
		return e->status;
	case DMAENG_REG_PASID:
		return e->pasid;
	case DMAENG_REG_FAULT_REASON:
		return e->fault_reason;
	case DMAENG_REG_FAULT_STAGE:
		return e->fault_stage;
	case DMAENG_REG_MSI_DATA:
		return e->msi_data;
	default:
		return 0; /* reserved: read as zero */
	}
}

static void set_half(uint64_t *r, uint32_t off, uint32_t val)
{
	if (off & 4)
		*r = (*r & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*r = (*r & ~0xffffffffULL) | val;
}

static void dmaeng_write32(struct dmaengine *e, uint32_t off, uint32_t val)
{
	switch (off & ~7u) {
	case DMAENG_REG_SRC_IOVA:
	case DMAENG_REG_DST_IOVA:
	case DMAENG_REG_LEN:
		set_half(dmaeng_reg64(e, off), off, val);
		return;
	case DMAENG_REG_MSI_ADDR:
		set_half(&e->msi_addr, off, val);
		e->msi_addr &= ~3ULL; /* MSI addresses are dword aligned */
		return;
	}
	switch (off) {
	case DMAENG_REG_CTRL:
		e->ctrl = val & DMAENG_CTRL_MSI_EN;
		if (val & DMAENG_CTRL_GO)
			dmaeng_go(e);
		return;
	case DMAENG_REG_PASID:
		e->pasid = val & (DMAENG_PASID_ENABLE | DMAENG_PASID_MASK);
		return;
	case DMAENG_REG_MSI_DATA:
		e->msi_data = val;
		return;
	default:
		return; /* read-only or reserved: writes are ignored */
	}
}

static int dmaeng_check(uint32_t off, uint32_t size)
{
	if (size != 4 && size != 8)
		return -EINVAL;
	if (off & (size - 1) || off >= DMAENG_BAR_SIZE)
		return -EINVAL;
	return 0;
}

int dmaengine_read(struct dmaengine *e, uint32_t off, uint32_t size,
		   uint64_t *val)
{
	int rc = dmaeng_check(off, size);

	if (rc)
		return rc;
	pthread_mutex_lock(&e->lock);
	*val = dmaeng_read32(e, off);
	if (size == 8)
		*val |= (uint64_t)dmaeng_read32(e, off + 4) << 32;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

/* An 8-byte write is its low half, then its high half. */
int dmaengine_write(struct dmaengine *e, uint32_t off, uint32_t size,
		    uint64_t val)
{
	int rc = dmaeng_check(off, size);

	if (rc)
		return rc;
	pthread_mutex_lock(&e->lock);
	dmaeng_write32(e, off, (uint32_t)val);
	if (size == 8)
		dmaeng_write32(e, off + 4, (uint32_t)(val >> 32));
	pthread_mutex_unlock(&e->lock);
	return 0;
}
