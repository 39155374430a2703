/* SPDX-License-Identifier: MIT */
/*
 * What the parts of `uiommu demo` share (tools/cmd_demo.c: the I/O
 * address space walk and these helpers; tools/demo_vmm.c: the VMM and
 * nesting walk): narration, checked outcomes, the IOVA picture and the
 * iommufd ioctls as a program issues them.
 */
#ifndef UIOMMU_TOOLS_DEMO_H
#define UIOMMU_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdint.h>

struct uiommu_ctx;

/* Steps that did not behave as narrated; the demo exits 1 if any. */
extern int demo_failures;

void demo_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void demo_step(const char *title);
/* Narrate a call's outcome (0 or -errno) and check it is @want. */
void demo_expect(const char *what, int rc, int want);
/* Narrate a fact and check it holds. */
void demo_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void demo_picture(struct uiommu_ctx *ctx, uint32_t ioas, const char *title);
void demo_show_ranges(struct uiommu_ctx *c, uint32_t id);

int demo_ioas_alloc(struct uiommu_ctx *c, uint32_t *id);
int demo_ioas_map(struct uiommu_ctx *c, uint32_t id, void *va, uint64_t len,
		  uint64_t *iova, uint32_t flags);
int demo_ioas_unmap(struct uiommu_ctx *c, uint32_t id, uint64_t iova,
		    uint64_t len, uint64_t *done);

/* The VMM walk: nesting on the default platform (tools/demo_vmm.c). */
void demo_vmm(void);

#endif
