/* SPDX-License-Identifier: MIT */
/*
 * The emulated DMA-engine device: what sits behind /dev/vfio/devices/vfioN.
 *
 * One engine models one platform device.  Software programs it through a
 * 4 KiB register file (BAR0, map below and in docs/vfio.md); writing GO
 * copies LEN bytes from SRC_IOVA to DST_IOVA as the device's own DMA, so
 * every byte goes through the device's IOMMU (its driver's translate op,
 * with the device's requester id and optionally a PASID), and completion
 * is signalled by an MSI: a 4-byte DMA write of MSI_DATA to MSI_ADDR that
 * is an interrupt only if the IOMMU routes it to the MSI doorbell.
 *
 * The engine is synchronous: GO runs the whole transfer before the write
 * that started it returns, so STATUS is never "busy".
 */
#ifndef UIOMMU_DEV_DMAENGINE_H
#define UIOMMU_DEV_DMAENGINE_H

#include <stdbool.h>
#include <stdint.h>

struct uiommu_platform;
struct dmaengine;

#define DMAENG_BAR_SIZE 4096u
#define DMAENG_ID_MAGIC 0x55444d41u	/* "UDMA" */
#define DMAENG_VERSION 1u

/* Register offsets in BAR0. */
enum {
	DMAENG_REG_ID = 0x000,		/* RO 32: DMAENG_ID_MAGIC */
	DMAENG_REG_VERSION = 0x004,	/* RO 32 */
	DMAENG_REG_CTRL = 0x008,	/* RW 32: DMAENG_CTRL_* */
	DMAENG_REG_STATUS = 0x00c,	/* RO 32: DMAENG_STATUS_* */
	DMAENG_REG_SRC_IOVA = 0x010,	/* RW 64 */
	DMAENG_REG_DST_IOVA = 0x018,	/* RW 64 */
	DMAENG_REG_LEN = 0x020,		/* RW 64 */
	DMAENG_REG_PASID = 0x028,	/* RW 32: DMAENG_PASID_* */
	DMAENG_REG_FAULT_REASON = 0x02c, /* RO 32: DMAENG_FAULT_* */
	DMAENG_REG_FAULT_ADDR = 0x030,	/* RO 64 */
	DMAENG_REG_FAULT_STAGE = 0x038,	/* RO 32: stage 1, 2; 0: config */
	DMAENG_REG_MSI_ADDR = 0x040,	/* RW 64 (bits 1:0 read as 0) */
	DMAENG_REG_MSI_DATA = 0x048,	/* RW 32 */
	DMAENG_REG_COMPLETIONS = 0x050,	/* RO 64: transfers completed */
	DMAENG_REG_MSI_COUNT = 0x058,	/* RO 64: MSIs delivered */
	DMAENG_REG_END = 0x060,		/* reserved from here: RAZ/WI */
};

/* Register values are unsigned, as registers are: plain macros. */
#define DMAENG_CTRL_GO (1u << 0)	/* write 1: start; reads as 0 */
#define DMAENG_CTRL_MSI_EN (1u << 1)	/* MSI on completion */

#define DMAENG_STATUS_IDLE 0u
#define DMAENG_STATUS_DONE 1u		/* the last transfer completed */
#define DMAENG_STATUS_FAULT 2u		/* it faulted: nothing written */
#define DMAENG_STATUS_STATE_MASK 0xffu
/* The completion MSI write faulted (FAULT_* describe it if it was the
 * first fault of the transfer). */
#define DMAENG_STATUS_MSI_FAULT (1u << 8)

#define DMAENG_PASID_ENABLE (1u << 31)
#define DMAENG_PASID_MASK 0xfffffu

/* FAULT_REASON values: enum drv_fault_reason's, and 0. */
#define DMAENG_FAULT_NONE 0u
#define DMAENG_FAULT_NOT_PRESENT 1u
#define DMAENG_FAULT_PERMISSION 2u
#define DMAENG_FAULT_ADDRESS_SIZE 3u
#define DMAENG_FAULT_BLOCKED 4u
#define DMAENG_FAULT_OTHER 5u

/* The engine of device @index of @p (which must outlive it). */
int dmaengine_create(struct uiommu_platform *p, uint32_t index,
		     struct dmaengine **out);
void dmaengine_destroy(struct dmaengine *e);

/* Registers back to their reset values (the MSI trigger stays). */
void dmaengine_reset(struct dmaengine *e);

/*
 * Register access at BAR0 offset @off: @size 4 or 8, naturally aligned,
 * inside the BAR (-EINVAL otherwise).  Values are host-endian integers.
 */
int dmaengine_read(struct dmaengine *e, uint32_t off, uint32_t size,
		   uint64_t *val);
int dmaengine_write(struct dmaengine *e, uint32_t off, uint32_t size,
		    uint64_t val);

/*
 * Program the MSI as the host's MSI setup does (address and data, and
 * enable), or disable it.
 */
void dmaengine_msi_program(struct dmaengine *e, bool enable, uint64_t addr,
			   uint32_t data);

/*
 * The eventfd a delivered MSI signals: the engine takes ownership of @fd
 * (closing the previous one); -1 for none.
 */
void dmaengine_set_trigger(struct dmaengine *e, int fd);

/* Signal the trigger without an MSI (VFIO's SET_IRQS loopback). */
void dmaengine_signal(struct dmaengine *e);

#endif
