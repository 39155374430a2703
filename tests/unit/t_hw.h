/* SPDX-License-Identifier: MIT */
/*
 * What the emulated IOMMU's DMA tests (test_hw_dma.c, test_hw_runs.c,
 * test_hw_hint.c) start from: a VT-d instance, an empty VT-d second-stage
 * table, 2 MiB of 2 MiB-aligned memory for the table to map, and the
 * table attached as one requester's stage 2.
 */
#ifndef UIOMMU_T_HW_H
#define UIOMMU_T_HW_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw.h"

#define T_HW_MEM 0x200000ULL

struct t_hw {
	struct hw_iommu *m;
	struct pt *pt;
	unsigned char *mem;	/* T_HW_MEM bytes, aligned to T_HW_MEM */
};

static inline int t_hw_init(struct t_hw *t)
{
	struct pt_cfg cfg = { .format = PT_FMT_VTD_SS };

	memset(t, 0, sizeof(*t));
	t->mem = aligned_alloc(T_HW_MEM, T_HW_MEM);
	if (!t->mem || hw_create(HW_MODEL_VTD, NULL, &t->m) ||
	    pt_create(&cfg, &t->pt))
		return -ENOMEM;
	return 0;
}

/* @rid's PASID-less requests go through the table, domain @tag. */
static inline int t_hw_attach(struct t_hw *t, uint32_t rid, uint16_t tag)
{
	struct hw_config c = { .mode = HW_MODE_S2 };

	c.s2.geom = *pt_get_geom(t->pt);
	c.s2.root = pt_root(t->pt);
	c.s2.tag = tag;
	return hw_config_set(t->m, rid, HW_PASID_NONE, &c);
}

static inline void t_hw_fini(struct t_hw *t)
{
	hw_destroy(t->m);
	pt_destroy(t->pt);
	free(t->mem);
}

#endif
