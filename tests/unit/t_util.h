/* SPDX-License-Identifier: MIT */
/*
 * Test helpers shared by the core tests: _t_x() calls return the uiommu
 * return value (0 or -errno) and go through uiommu_ioctl() with the Linux
 * ABI structs, so the tests exercise the ABI path; t_x() asserts success;
 * the mock domain is a page table stand-in that checks how the IOAS calls
 * it (house style: a mock with teeth).
 */
#ifndef UIOMMU_T_UTIL_H
#define UIOMMU_T_UTIL_H

#include "harness.h"

#include <uiommu/linux/iommufd.h>
#include <uiommu/uiommu.h>

#include "core/core.h"

#include <stdlib.h>
#include <sys/mman.h>

#define PG 4096ULL

static inline int _t_ioas_alloc(struct uiommu_ctx *c, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = uiommu_ioctl(c, IOMMU_IOAS_ALLOC, &cmd);

	if (!rc)
		*id = cmd.out_ioas_id;
	return rc;
}

static inline int _t_map(struct uiommu_ctx *c, uint32_t ioas, const void *va,
			 uint64_t len, uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_MAP, &cmd);

	if (!rc && iova)
		*iova = cmd.iova;
	return rc;
}

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED (IOMMU_IOAS_MAP_FIXED_IOVA | RW)

/* Fixed read/write map at @iova. */
static inline int _t_map_fixed(struct uiommu_ctx *c, uint32_t ioas,
			       const void *va, uint64_t len, uint64_t iova)
{
	return _t_map(c, ioas, va, len, &iova, FIXED);
}

static inline int _t_unmap(struct uiommu_ctx *c, uint32_t ioas, uint64_t iova,
			   uint64_t len, uint64_t *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_UNMAP, &cmd);

	if (unmapped)
		*unmapped = cmd.length;
	return rc;
}

static inline int _t_copy(struct uiommu_ctx *c, uint32_t dst, uint32_t src,
			  uint64_t src_iova, uint64_t len, uint64_t *dst_iova,
			  uint32_t flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_COPY, &cmd);

	if (!rc)
		*dst_iova = cmd.dst_iova;
	return rc;
}

static inline int _t_destroy(struct uiommu_ctx *c, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return uiommu_ioctl(c, IOMMU_DESTROY, &cmd);
}

static inline int _t_allow(struct uiommu_ctx *c, uint32_t ioas,
			   const struct iommu_iova_range *r, uint32_t n)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	return uiommu_ioctl(c, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

static inline int _t_ranges(struct uiommu_ctx *c, uint32_t ioas,
			    struct iommu_iova_range *r, uint32_t *n,
			    uint64_t *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = *n,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_IOVA_RANGES, &cmd);

	*n = cmd.num_iovas;
	if (align)
		*align = cmd.out_iova_alignment;
	return rc;
}

static inline int _t_option(struct uiommu_ctx *c, uint32_t option,
			    uint16_t op, uint32_t object, uint64_t *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = op,
		.object_id = object,
		.val64 = *val,
	};
	int rc = uiommu_ioctl(c, IOMMU_OPTION, &cmd);

	*val = cmd.val64;
	return rc;
}

#define t_ioas_alloc(c, id) ASSERT_OK(_t_ioas_alloc(c, id))
#define t_map_fixed(...) ASSERT_OK(_t_map_fixed(__VA_ARGS__))
#define t_err_map_fixed(e, ...) ASSERT_ERRNO(e, _t_map_fixed(__VA_ARGS__))
#define t_unmap(...) ASSERT_OK(_t_unmap(__VA_ARGS__))
#define t_err_unmap(e, ...) ASSERT_ERRNO(e, _t_unmap(__VA_ARGS__))

/* An anonymous read/write buffer of @len bytes (page aligned). */
static inline void *t_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- mock domain ------------------------------------------------------- */

struct mock_map {
	uint64_t iova, len, hva;
	uint32_t prot;
};

struct mock_domain {
	struct ioas_domain dom;
	struct mock_map maps[4096];
	unsigned nmaps;
	unsigned fail_after;   /* fail the n-th map call (1-based); 0 never */
	unsigned map_calls;
	unsigned contract_errors; /* unmaps that match no earlier map */
};

static inline int mock_map_fn(void *priv, uint64_t iova, uint64_t hva,
			      uint64_t len, uint32_t prot)
{
	struct mock_domain *m = priv;

	m->map_calls++;
	if (m->fail_after && m->map_calls == m->fail_after)
		return -ENOMEM;
	if (m->nmaps == 4096)
		return -ENOMEM;
	/* The memory must really be there once the IOAS has pinned it. */
	(void)*(volatile char *)(uintptr_t)hva;
	(void)*(volatile char *)(uintptr_t)(hva + len - 1);
	m->maps[m->nmaps++] = (struct mock_map){ iova, len, hva, prot };
	return 0;
}

/* Unmap must cover exactly one earlier map: the IOAS never splits. */
static inline void mock_unmap_fn(void *priv, uint64_t iova, uint64_t len)
{
	struct mock_domain *m = priv;

	for (unsigned i = 0; i < m->nmaps; i++) {
		if (m->maps[i].iova == iova && m->maps[i].len == len) {
			m->maps[i] = m->maps[--m->nmaps];
			return;
		}
	}
	m->contract_errors++;
}

static const struct ioas_domain_ops mock_domain_ops = {
	.map = mock_map_fn,
	.unmap = mock_unmap_fn,
};

static inline void mock_domain_init(struct mock_domain *m, uint64_t pgsize,
				    uint64_t ap_start, uint64_t ap_last)
{
	memset(m, 0, sizeof(*m));
	m->dom.ops = &mock_domain_ops;
	m->dom.priv = m;
	m->dom.min_pgsize = pgsize;
	m->dom.aperture_start = ap_start;
	m->dom.aperture_last = ap_last;
}

/* The mock's map covering @iova, or NULL. */
static inline struct mock_map *mock_find(struct mock_domain *m, uint64_t iova)
{
	for (unsigned i = 0; i < m->nmaps; i++)
		if (iova >= m->maps[i].iova &&
		    iova - m->maps[i].iova < m->maps[i].len)
			return &m->maps[i];
	return NULL;
}

/* Attach a mock to IOAS @id through the core's domain hook. */
static inline int t_domain_attach(struct uiommu_ctx *c, uint32_t id,
				  struct mock_domain *m)
{
	struct ioas *ioas;
	int rc;

	ctx_lock(c);
	ioas = ioas_get(c, id);
	rc = ioas ? ioas_domain_attach(ioas, &m->dom) : -ENOENT;
	if (!rc)
		obj_get(&ioas->obj); /* the domain references its IOAS */
	ctx_unlock(c);
	return rc;
}

static inline void t_domain_detach(struct uiommu_ctx *c, uint32_t id,
				   struct mock_domain *m)
{
	struct ioas *ioas;

	ctx_lock(c);
	ioas = ioas_get(c, id);
	ioas_domain_detach(ioas, &m->dom);
	obj_put(&ioas->obj);
	ctx_unlock(c);
}

#endif
