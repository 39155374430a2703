// SPDX-License-Identifier: MIT
/*
 * IOAS semantics through the Linux ioctl ABI (requirements R15-R31 of
 * shared/docs/requirements.md; each test names the ones it covers).
 *
 * The fixture runs every test three times: with no page table attached,
 * with one mock domain and with two, like iommufd's selftest variants.  The
 * mocks check the IOAS's contract (unmaps match earlier maps exactly, the
 * memory handed to them is accessible) and the tests check the mocks saw
 * exactly the mappings the IOAS holds (R21).
 */
#include "t_util.h"

#include <fcntl.h>
#include <unistd.h>

FIXTURE(ioas)
{
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	char *buf;          /* 64 pages */
	struct mock_domain *mock[2];
};

FIXTURE_VARIANT(ioas)
{
	unsigned domains;
};

FIXTURE_VARIANT_ADD(ioas, no_domain) { .domains = 0 };
FIXTURE_VARIANT_ADD(ioas, one_domain) { .domains = 1 };
FIXTURE_VARIANT_ADD(ioas, two_domains) { .domains = 2 };

FIXTURE_SETUP(ioas)
{
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	self->buf = t_buf(64 * PG);
	ASSERT_NONNULL(self->buf);
	for (unsigned i = 0; i < variant->domains; i++) {
		self->mock[i] = calloc(1, sizeof(*self->mock[i]));
		ASSERT_NONNULL(self->mock[i]);
		/* A byte-granular mock: alignment stays 1 (R15). */
		mock_domain_init(self->mock[i], 1, 0, UINT64_MAX);
		ASSERT_OK(t_domain_attach(self->ctx, self->ioas, self->mock[i]));
	}
}

FIXTURE_TEARDOWN(ioas)
{
	for (unsigned i = 0; i < 2; i++) {
		if (!self->mock[i])
			continue;
		EXPECT_EQ(self->mock[i]->contract_errors, 0u);
		t_domain_detach(self->ctx, self->ioas, self->mock[i]);
		EXPECT_EQ(self->mock[i]->nmaps, 0u);
		free(self->mock[i]);
	}
	uiommu_ctx_destroy(self->ctx);
	munmap(self->buf, 64 * PG);
}

/* Every domain holds exactly @iova -> @hva for @len (R21). */
static void check_domains(struct t_fixture_ioas *self, unsigned n,
			  uint64_t iova, uint64_t len, const void *hva)
{
	for (unsigned i = 0; i < n; i++) {
		struct mock_map *m = mock_find(self->mock[i], iova);

		ASSERT_NONNULL(m);
		ASSERT_EQ(m->iova, iova);
		ASSERT_EQ(m->len, len);
		ASSERT_EQ(m->hva, (uintptr_t)hva);
		/* R31: always cache-coherent, never more than asked. */
		ASSERT_EQ(m->prot, UIOMMU_MAP_READ | UIOMMU_MAP_WRITE |
					   IOAS_PROT_CACHE);
	}
}

/* R15: a fresh IOAS is [0, UINT64_MAX] with alignment 1. */
TEST_F(ioas, r15_fresh_ranges)
{
	struct iommu_iova_range r[4];
	uint32_t n = 4;
	uint64_t align = 0;

	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, &align));
	ASSERT_EQ(n, 1u);
	ASSERT_EQ(r[0].start, 0ULL);
	ASSERT_EQ(r[0].last, UINT64_MAX);
	ASSERT_EQ(align, 1ULL);
}

/* R16: too small a buffer: what fits is written, total in num_iovas. */
TEST_F(ioas, r16_ranges_emsgsize)
{
	struct iommu_iova_range r[3] = { { 0, 0 } };
	uint32_t n = 0;

	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x1000, 0x1fff));
	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x8000, 0x8fff));
	ASSERT_ERRNO(EMSGSIZE, _t_ranges(self->ctx, self->ioas, NULL, &n,
					 NULL));
	ASSERT_EQ(n, 3u);
	n = 1;
	ASSERT_ERRNO(EMSGSIZE, _t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 3u);
	ASSERT_EQ(r[0].start, 0ULL);
	ASSERT_EQ(r[0].last, 0xfffULL);
	ASSERT_EQ(r[1].start, 0ULL); /* not written */
	n = 3;
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(r[1].start, 0x2000ULL);
	ASSERT_EQ(r[1].last, 0x7fffULL);
	ASSERT_EQ(r[2].start, 0x9000ULL);
	ASSERT_EQ(r[2].last, UINT64_MAX);
}

/* R17: MAP needs READ or WRITE and a non-zero length. */
TEST_F(ioas, r17_map_perm_and_length)
{
	uint64_t iova = 0x10000;

	ASSERT_ERRNO(EINVAL, _t_map(self->ctx, self->ioas, self->buf, PG,
				    &iova, IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_ERRNO(EINVAL, _t_map(self->ctx, self->ioas, self->buf, 0,
				    &iova, FIXED));
	ASSERT_ERRNO(EOPNOTSUPP, _t_map(self->ctx, self->ioas, self->buf, PG,
					&iova, FIXED | 8));
	/* Read-only and write-only are both valid. */
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	iova = 0x20000;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE));
	for (unsigned i = 0; i < variant->domains; i++) {
		ASSERT_EQ(mock_find(self->mock[i], 0x10000)->prot,
			  UIOMMU_MAP_READ | IOAS_PROT_CACHE);
		ASSERT_EQ(mock_find(self->mock[i], 0x20000)->prot,
			  UIOMMU_MAP_WRITE | IOAS_PROT_CACHE);
	}
}

/* R18: iova or length >= UINT64_MAX overflows, except unmap-all. */
TEST_F(ioas, r18_overflow)
{
	uint64_t iova = UINT64_MAX, dst = 0;

	ASSERT_ERRNO(EOVERFLOW, _t_map(self->ctx, self->ioas, self->buf, PG,
				       &iova, FIXED));
	iova = 0;
	ASSERT_ERRNO(EOVERFLOW, _t_map(self->ctx, self->ioas, self->buf,
				       UINT64_MAX, &iova, FIXED));
	/* iova + length - 1 wraps. */
	iova = UINT64_MAX - PG + 1;
	ASSERT_ERRNO(EOVERFLOW, _t_map(self->ctx, self->ioas, self->buf,
				       2 * PG, &iova, FIXED));
	/* The user address range wraps. */
	iova = 0x10000;
	ASSERT_ERRNO(EOVERFLOW, _t_map(self->ctx, self->ioas,
				       (void *)(uintptr_t)(UINT64_MAX - PG),
				       2 * PG, &iova, FIXED));
	ASSERT_ERRNO(EOVERFLOW, _t_unmap(self->ctx, self->ioas, UINT64_MAX,
					 PG, NULL));
	ASSERT_ERRNO(EOVERFLOW, _t_unmap(self->ctx, self->ioas, PG,
					 UINT64_MAX, NULL));
	ASSERT_ERRNO(EOVERFLOW, _t_unmap(self->ctx, self->ioas, 2 * PG,
					 UINT64_MAX - PG, NULL));
	ASSERT_ERRNO(EOVERFLOW, _t_copy(self->ctx, self->ioas, self->ioas,
					UINT64_MAX, PG, &dst, RW));
	ASSERT_ERRNO(EOVERFLOW, _t_copy(self->ctx, self->ioas, self->ioas, 0,
					UINT64_MAX, &dst, RW));
	dst = UINT64_MAX;
	ASSERT_ERRNO(EOVERFLOW, _t_copy(self->ctx, self->ioas, self->ioas, 0,
					PG, &dst, FIXED));
	/* The automatic allocator refuses half the address space or more. */
	iova = 0;
	ASSERT_ERRNO(EOVERFLOW, _t_map(self->ctx, self->ioas, self->buf,
				       1ULL << 63, &iova, RW));
	ASSERT_OK(_t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL));
}

/* R19: overlapping fixed maps (every shape) are EEXIST, nothing changes. */
TEST_F(ioas, r19_fixed_overlap_shapes)
{
	const uint64_t base = 0x100000;
	static const struct { int64_t off; uint64_t pages; } shapes[] = {
		{ 0, 4 },         /* identical */
		{ -1, 2 },        /* overlaps the head */
		{ 3, 2 },         /* overlaps the tail */
		{ 1, 1 },         /* inside */
		{ -1, 6 },        /* covers */
	};
	uint64_t n;

	t_map_fixed(self->ctx, self->ioas, self->buf, 4 * PG, base);
	for (unsigned i = 0; i < 5; i++)
		t_err_map_fixed(EEXIST, self->ctx, self->ioas, self->buf,
				shapes[i].pages * PG,
				base + shapes[i].off * (int64_t)PG);
	/* Adjacent on both sides is fine. */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, base - PG);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, base + 4 * PG);
	check_domains(self, variant->domains, base, 4 * PG, self->buf);
	t_unmap(self->ctx, self->ioas, base - PG, 6 * PG, &n);
	ASSERT_EQ(n, 6 * PG);
}

/* R19: a fixed map onto a reserved range is EINVAL; misaligned EINVAL. */
TEST_F(ioas, r19_fixed_reserved_and_alignment)
{
	uint64_t v = 0;

	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0xfee00000,
				      0xfeefffff));
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG,
			0xfee00000);
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, 2 * PG,
			0xfee00000 - PG);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0xfee00000 - PG);
	/* Turning huge pages off raises the IOVA alignment to 4 KiB (R29);
	 * that is refused while domains hold areas, so do it first. */
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);
	ASSERT_OK(_t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_SET, self->ioas, &v));
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG,
			0x10000 + 512);
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG + 1,
			0x10000);
	/* The user address's page offset must be aligned too. */
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf + 8, PG,
			0x10000);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
}

/* R20: allocation never returns 0, keeps the page offset, avoids
 * reserved ranges, honours the allowed list, and ENOSPC when full. */
TEST_F(ioas, r20_alloc)
{
	struct iommu_iova_range allow[2] = {
		{ 0x200000, 0x203fff },
		{ 0x300000, 0x300fff },
	};
	uint64_t iova;

	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova, RW));
	ASSERT_EQ(iova, PG); /* first fit above page 0 */
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf + 0x123, 0x100,
			 &iova, RW));
	/* Alignment min(roundup(0x100), 1 << ctz(uptr)) = 1; offset kept. */
	ASSERT_EQ(iova & 0xfff, 0x123ULL);
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);

	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, PG,
				      0x1fffff));
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, 2 * PG, &iova,
			 RW));
	ASSERT_EQ(iova, 0x200000ULL);
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);

	ASSERT_OK(_t_allow(self->ctx, self->ioas, allow, 2));
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, 4 * PG, &iova,
			 RW));
	ASSERT_EQ(iova, 0x200000ULL);
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova, RW));
	ASSERT_EQ(iova, 0x300000ULL);
	iova = 0;
	ASSERT_ERRNO(ENOSPC, _t_map(self->ctx, self->ioas, self->buf, PG,
				    &iova, RW));
	/* A fixed map outside the allowed list is still fine. */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x900000);
	check_domains(self, variant->domains, 0x200000, 4 * PG, self->buf);
}

/* R20: the allocation alignment follows the length and user address. */
TEST_F(ioas, r20_alloc_alignment)
{
	/* A 64 KiB-aligned spot inside the 256 KiB buffer. */
	char *a = (char *)(((uintptr_t)self->buf + 0xffff) & ~(uintptr_t)0xffff);
	uint64_t iova;

	t_map_fixed(self->ctx, self->ioas, self->buf, PG, PG);
	/* 16 KiB from a 64 KiB-aligned address: aligned to 16 KiB. */
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, a, 4 * PG, &iova, RW));
	ASSERT_EQ(iova, 4 * PG);
	/* Same length from an address aligned to 4 KiB only: the 2-page hole
	 * at 0x2000 is too small, so the next free byte after the first map. */
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, a + PG, 4 * PG, &iova, RW));
	ASSERT_EQ(iova, 8 * PG);
	/* 3 pages round up to a 16 KiB alignment. */
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, a, 3 * PG, &iova, RW));
	ASSERT_EQ(iova, 12 * PG);
}

/* R21: a domain attached later is filled with every existing area. */
TEST_F(ioas, r21_late_domain_prefilled)
{
	struct mock_domain *late = calloc(1, sizeof(*late));
	uint64_t iova = 0;

	ASSERT_NONNULL(late);
	t_map_fixed(self->ctx, self->ioas, self->buf, 2 * PG, 0x40000);
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf + 8 * PG, 4 * PG,
			 &iova, RW));
	mock_domain_init(late, 1, 0, UINT64_MAX);
	ASSERT_OK(t_domain_attach(self->ctx, self->ioas, late));
	ASSERT_EQ(late->nmaps, 2u);
	ASSERT_EQ(mock_find(late, 0x40000)->hva, (uintptr_t)self->buf);
	ASSERT_EQ(mock_find(late, iova)->hva, (uintptr_t)self->buf + 8 * PG);
	ASSERT_EQ(mock_find(late, iova)->len, 4 * PG);
	t_unmap(self->ctx, self->ioas, 0x40000, 2 * PG, NULL);
	ASSERT_EQ(late->nmaps, 1u);
	t_domain_detach(self->ctx, self->ioas, late);
	ASSERT_EQ(late->nmaps, 0u);
	ASSERT_EQ(late->contract_errors, 0u);
	free(late);
}

/* R21: a domain whose fill fails leaves the IOAS and domains as before. */
TEST_F(ioas, r21_domain_fill_failure_rolls_back)
{
	struct mock_domain *late = calloc(1, sizeof(*late));
	struct uiommu_pin_stats st0, st1;

	ASSERT_NONNULL(late);
	for (unsigned i = 0; i < 4; i++)
		t_map_fixed(self->ctx, self->ioas, self->buf + i * PG, PG,
			    0x10000 * (i + 1));
	ASSERT_OK(uiommu_pin_stats(self->ctx, &st0));
	mock_domain_init(late, 1, 0, UINT64_MAX);
	late->fail_after = 3;
	ASSERT_ERRNO(ENOMEM, t_domain_attach(self->ctx, self->ioas, late));
	ASSERT_EQ(late->nmaps, 0u);
	ASSERT_EQ(late->contract_errors, 0u);
	ASSERT_OK(uiommu_pin_stats(self->ctx, &st1));
	ASSERT_EQ(st1.ctx_pinned, st0.ctx_pinned);
	free(late);
}

/* R22: unmap-all on an empty IOAS succeeds with length 0. */
TEST_F(ioas, r22_unmap_all)
{
	uint64_t n = 1;

	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, &n);
	ASSERT_EQ(n, 0ULL);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0);
	t_map_fixed(self->ctx, self->ioas, self->buf, 3 * PG,
		    UINT64_MAX - 3 * PG + 1);
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, &n);
	ASSERT_EQ(n, 4 * PG);
	for (unsigned i = 0; i < variant->domains; i++)
		ASSERT_EQ(self->mock[i]->nmaps, 0u);
}

/* R23: no splitting: cutting an area is ENOENT and unmaps nothing. */
TEST_F(ioas, r23_unmap_whole_areas_only)
{
	uint64_t n = 7;

	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x10000, PG, &n);
	ASSERT_EQ(n, PG); /* a failed call writes nothing back */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
	t_map_fixed(self->ctx, self->ioas, self->buf, 2 * PG, 0x11000);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x13000);
	/* Half of the two-page area, from either end. */
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x11000, PG, NULL);
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x12000, PG, NULL);
	/* Whole first area + half of the second: nothing at all goes. */
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x10000, 2 * PG, NULL);
	check_domains(self, variant->domains, 0x10000, PG, self->buf);
	/* A range over a hole and no area. */
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x20000, 16 * PG, NULL);
	ASSERT_ERRNO(EINVAL, _t_unmap(self->ctx, self->ioas, 0x10000, 0,
				      NULL));
	/* A superset with holes is fine and reports the bytes unmapped. */
	t_unmap(self->ctx, self->ioas, 0xf000, 6 * PG, &n);
	ASSERT_EQ(n, 4 * PG);
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x10000, PG, NULL);
}

/* R24: COPY needs a fully covered source and shares pinned pages. */
TEST_F(ioas, r24_copy)
{
	struct mock_domain *dm = calloc(1, sizeof(*dm));
	struct uiommu_pin_stats st0, st1;
	uint64_t d = 0x800000, n;
	uint32_t dst;

	ASSERT_NONNULL(dm);
	t_ioas_alloc(self->ctx, &dst);
	mock_domain_init(dm, 1, 0, UINT64_MAX);
	ASSERT_OK(t_domain_attach(self->ctx, dst, dm));
	t_map_fixed(self->ctx, self->ioas, self->buf, 2 * PG, 0x10000);
	t_map_fixed(self->ctx, self->ioas, self->buf + 2 * PG, 2 * PG,
		    0x12000);
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x15000);
	/* Page 0 is in two MAPs: like Linux, each MAP pins and charges its
	 * own pages, so it counts twice (5 pages); COPY shares instead. */
	ASSERT_OK(uiommu_pin_stats(self->ctx, &st0));
	ASSERT_EQ(st0.ctx_pinned, variant->domains ? 5ULL : 0ULL);
	/* A hole in the source; no source; unknown ids. */
	ASSERT_ERRNO(ENOENT, _t_copy(self->ctx, dst, self->ioas, 0x13000,
				     3 * PG, &d, FIXED));
	ASSERT_ERRNO(ENOENT, _t_copy(self->ctx, dst, self->ioas, 0x30000, PG,
				     &d, FIXED));
	ASSERT_ERRNO(ENOENT, _t_copy(self->ctx, 999, self->ioas, 0x10000, PG,
				     &d, FIXED));
	ASSERT_ERRNO(ENOENT, _t_copy(self->ctx, dst, 999, 0x10000, PG, &d,
				     FIXED));
	ASSERT_EQ(dm->nmaps, 0u);
	/* Across two contiguous areas, from the middle of the first. */
	ASSERT_OK(_t_copy(self->ctx, dst, self->ioas, 0x11000, 2 * PG, &d,
			  FIXED));
	ASSERT_EQ(d, 0x800000ULL);
	ASSERT_EQ(mock_find(dm, 0x800000)->hva, (uintptr_t)self->buf + PG);
	ASSERT_EQ(mock_find(dm, 0x801000)->hva,
		  (uintptr_t)self->buf + 2 * PG);
	/* Pages already pinned by the source's domains are not charged
	 * again; without them the destination's domain pins 2 new pages. */
	ASSERT_OK(uiommu_pin_stats(self->ctx, &st1));
	ASSERT_EQ(st1.ctx_pinned, variant->domains ? 5ULL : 2ULL);
	/* The copy is two areas (one per source area): no splitting. */
	ASSERT_ERRNO(ENOENT, _t_unmap(self->ctx, dst, 0x800000, PG / 2, NULL));
	t_unmap(self->ctx, dst, 0x800000, PG, &n);
	ASSERT_EQ(n, PG);
	/* Copying into the same IOAS, automatic IOVA. */
	d = 0;
	ASSERT_OK(_t_copy(self->ctx, self->ioas, self->ioas, 0x10000, PG, &d,
			  RW));
	ASSERT_NE(d, 0ULL);
	check_domains(self, variant->domains, d, PG, self->buf);
	/* The copy keeps the pages after the source areas are gone. */
	t_unmap(self->ctx, self->ioas, 0x10000, 2 * PG, NULL);
	check_domains(self, variant->domains, d, PG, self->buf);
	t_domain_detach(self->ctx, dst, dm);
	ASSERT_EQ(dm->contract_errors, 0u);
	free(dm);
}

/* R24: a writable copy of read-only memory is EPERM. */
TEST_F(ioas, r24_copy_write_of_readonly)
{
	uint64_t iova = 0x10000, d = 0x20000;

	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	ASSERT_ERRNO(EPERM, _t_copy(self->ctx, self->ioas, self->ioas,
				    0x10000, PG, &d, FIXED));
	ASSERT_OK(_t_copy(self->ctx, self->ioas, self->ioas, 0x10000, PG, &d,
			  IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
}

static int memfd_pages(unsigned n)
{
	int fd = memfd_create("t", 0);

	if (fd >= 0 && ftruncate(fd, n * PG)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int t_map_file(struct uiommu_ctx *c, uint32_t ioas, int fd,
		      uint64_t start, uint64_t len, uint64_t *iova,
		      uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = ioas,
		.fd = fd, .start = start, .length = len, .iova = *iova,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_MAP_FILE, &cmd);

	if (!rc)
		*iova = cmd.iova;
	return rc;
}

/* R25: MAP_FILE errors and placement; the mapping outlives the fd. */
TEST_F(ioas, r25_map_file)
{
	int fd = memfd_pages(4), rofd;
	uint64_t iova = 0x10000;
	char path[64];

	ASSERT_GE(fd, 0);
	ASSERT_ERRNO(EBADF, t_map_file(self->ctx, self->ioas, 1000, 0, PG,
				       &iova, FIXED));
	ASSERT_ERRNO(EBADF, t_map_file(self->ctx, self->ioas, -1, 0, PG,
				       &iova, FIXED));
	ASSERT_ERRNO(EINVAL, t_map_file(self->ctx, self->ioas, fd, 0, 0,
					&iova, FIXED));
	ASSERT_ERRNO(EOVERFLOW, t_map_file(self->ctx, self->ioas, fd,
					   UINT64_MAX - PG, 2 * PG, &iova,
					   FIXED));
	ASSERT_ERRNO(EINVAL, t_map_file(self->ctx, self->ioas, fd, 0, PG,
					&iova, IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_OK(t_map_file(self->ctx, self->ioas, fd, PG, 2 * PG, &iova,
			     FIXED));
	ASSERT_EQ(iova, 0x10000ULL);
	t_err_map_fixed(EEXIST, self->ctx, self->ioas, self->buf, PG,
			0x11000);
	/* Writable map of a read-only fd. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rofd = open(path, O_RDONLY);
	ASSERT_GE(rofd, 0);
	iova = 0x40000;
	ASSERT_ERRNO(EPERM, t_map_file(self->ctx, self->ioas, rofd, 0, PG,
				       &iova, FIXED));
	ASSERT_OK(t_map_file(self->ctx, self->ioas, rofd, 0, PG, &iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA |
				     IOMMU_IOAS_MAP_READABLE));
	close(rofd);
	/* Data written through the file shows at the mapping, after the fd
	 * is closed: uiommu holds its own mapping. */
	ASSERT_EQ(pwrite(fd, "hello", 5, PG), 5);
	close(fd);
	{
		struct uiommu_access *acc;
		char got[6] = { 0 };

		ASSERT_OK(uiommu_access_create(self->ctx, self->ioas, NULL,
					       NULL, &acc));
		ASSERT_OK(uiommu_access_rw(acc, 0x10000, got, 5, 0));
		ASSERT_MEMEQ(got, "hello", 5);
		uiommu_access_destroy(acc);
	}
	/* A pipe cannot be mapped. */
	{
		int p[2];

		ASSERT_OK(pipe(p));
		iova = 0x80000;
		ASSERT_ERRNO(EINVAL, t_map_file(self->ctx, self->ioas, p[0], 0,
						PG, &iova, FIXED));
		close(p[0]);
		close(p[1]);
	}
}

/* R26: ALLOW_IOVAS validation and atomic replacement. */
TEST_F(ioas, r26_allow_iovas)
{
	struct iommu_iova_range bad_order[1] = { { 0x2000, 0x2000 } };
	struct iommu_iova_range overlap[2] = { { 0x1000, 0x4fff },
					       { 0x4000, 0x8fff } };
	struct iommu_iova_range good[2] = { { 0x100000, 0x1fffff },
					    { 0x10000, 0x1ffff } };
	struct iommu_iova_range on_resv[1] = { { 0xfe000000, 0xfeffffff } };
	uint64_t iova;

	ASSERT_ERRNO(EINVAL, _t_allow(self->ctx, self->ioas, bad_order, 1));
	ASSERT_ERRNO(EINVAL, _t_allow(self->ctx, self->ioas, overlap, 2));
	ASSERT_ERRNO(EFAULT, _t_allow(self->ctx, self->ioas,
				      (void *)(uintptr_t)8, 1));
	ASSERT_OK(_t_allow(self->ctx, self->ioas, good, 2));
	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0xfee00000,
				      0xfeefffff));
	ASSERT_ERRNO(EADDRINUSE, _t_allow(self->ctx, self->ioas, on_resv, 1));
	/* The old list (sorted) is still in force. */
	iova = 0;
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova, RW));
	ASSERT_EQ(iova, 0x10000ULL);
	/* A reservation may not intersect an allowed range (R27). */
	ASSERT_ERRNO(EADDRINUSE, uiommu_ioas_reserve(self->ctx, self->ioas,
						     0x180000, 0x180fff));
	/* The allowed list does not shape IOVA_RANGES. */
	{
		struct iommu_iova_range r[4];
		uint32_t n = 4;

		ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
		ASSERT_EQ(n, 2u);
	}
	/* Clearing. */
	ASSERT_OK(_t_allow(self->ctx, self->ioas, NULL, 0));
	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x180000,
				      0x180fff));
}

/* R27: a domain whose aperture collides with an allowed range or an area
 * is refused with EADDRINUSE and nothing changes. */
TEST_F(ioas, r27_aperture_conflicts)
{
	struct iommu_iova_range allow[1] = { { 0x10000, 0x1ffff } };
	struct mock_domain *narrow = calloc(1, sizeof(*narrow));
	struct iommu_iova_range r[4];
	uint32_t n = 4;

	ASSERT_NONNULL(narrow);
	ASSERT_OK(_t_allow(self->ctx, self->ioas, allow, 1));
	mock_domain_init(narrow, 1, 0x100000, 0xffffffff);
	ASSERT_ERRNO(EADDRINUSE, t_domain_attach(self->ctx, self->ioas,
						 narrow));
	ASSERT_OK(_t_allow(self->ctx, self->ioas, NULL, 0));
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x100000000ULL);
	ASSERT_ERRNO(EADDRINUSE, t_domain_attach(self->ctx, self->ioas,
						 narrow));
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 1u);
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);
	/* R66: the aperture is reserved while attached, released after. */
	ASSERT_OK(t_domain_attach(self->ctx, self->ioas, narrow));
	n = 4;
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 1u);
	ASSERT_EQ(r[0].start, 0x100000ULL);
	ASSERT_EQ(r[0].last, 0xffffffffULL);
	t_err_map_fixed(EINVAL, self->ctx, self->ioas, self->buf, PG,
			0x100000000ULL);
	t_domain_detach(self->ctx, self->ioas, narrow);
	n = 4;
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 1u);
	ASSERT_EQ(r[0].last, UINT64_MAX);
	free(narrow);
}

/* R29: HUGE_PAGES is per IOAS, defaults to 1; SET 0 with domains and
 * areas is EINVAL; disabling raises the alignment to PAGE_SIZE. */
TEST_F(ioas, r29_huge_pages)
{
	uint64_t v = 7, align;
	uint32_t n = 0;

	ASSERT_OK(_t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_GET, self->ioas, &v));
	ASSERT_EQ(v, 1ULL);
	v = 0;
	ASSERT_ERRNO(ENOENT, _t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
				       IOMMU_OPTION_OP_GET, 999, &v));
	v = 2;
	ASSERT_ERRNO(EINVAL, _t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
				       IOMMU_OPTION_OP_SET, self->ioas, &v));
	v = 0;
	ASSERT_ERRNO(EOPNOTSUPP, _t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
					   7, self->ioas, &v));
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
	v = 0;
	if (variant->domains) {
		ASSERT_ERRNO(EINVAL,
			     _t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
				       IOMMU_OPTION_OP_SET, self->ioas, &v));
		t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, NULL);
	}
	ASSERT_OK(_t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_SET, self->ioas, &v));
	ASSERT_ERRNO(EMSGSIZE, _t_ranges(self->ctx, self->ioas, NULL, &n,
					 &align));
	ASSERT_EQ(align, PG);
	v = 1;
	ASSERT_OK(_t_option(self->ctx, IOMMU_OPTION_HUGE_PAGES,
			    IOMMU_OPTION_OP_SET, self->ioas, &v));
	n = 0;
	ASSERT_ERRNO(EMSGSIZE, _t_ranges(self->ctx, self->ioas, NULL, &n,
					 &align));
	ASSERT_EQ(align, 1ULL);
}

/* R29: disabling huge pages with a byte-aligned area is EADDRINUSE. */
TEST(ioas_plain, r29_huge_pages_misaligned_area)
{
	struct uiommu_ctx *c;
	uint32_t id;
	uint64_t v = 0, iova = 0x10000;
	char *buf = t_buf(PG);

	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &id);
	ASSERT_OK(_t_map(c, id, buf + 1, 100, &iova, FIXED));
	ASSERT_ERRNO(EADDRINUSE, _t_option(c, IOMMU_OPTION_HUGE_PAGES,
					   IOMMU_OPTION_OP_SET, id, &v));
	ASSERT_OK(_t_option(c, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
			    id, &v));
	ASSERT_EQ(v, 1ULL);
	uiommu_ctx_destroy(c);
	munmap(buf, PG);
}

/* R30: CHANGE_PROCESS needs every area file-backed. */
TEST_F(ioas, r30_change_process)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };
	int fd = memfd_pages(1);
	uint64_t iova = 0x10000;

	ASSERT_GE(fd, 0);
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	ASSERT_OK(t_map_file(self->ctx, self->ioas, fd, 0, PG, &iova, FIXED));
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x20000);
	ASSERT_ERRNO(EINVAL,
		     uiommu_ioctl(self->ctx, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	cmd.__reserved = 1;
	ASSERT_ERRNO(EOPNOTSUPP,
		     uiommu_ioctl(self->ctx, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	close(fd);
}

/* Reserved ranges are owned: unreserve removes exactly one owner's. */
TEST_F(ioas, reserve_ownership)
{
	struct iommu_iova_range r[4];
	uint32_t n = 4;

	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x1000, 0x4fff));
	ASSERT_ERRNO(EEXIST, uiommu_ioas_reserve(self->ctx, self->ioas,
						 0x1000, 0x4fff));
	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x3000, 0x8fff));
	ASSERT_ERRNO(EINVAL, uiommu_ioas_reserve(self->ctx, self->ioas,
						 0x3000, 0x2fff));
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 2u);
	ASSERT_EQ(r[0].last, 0xfffULL);
	ASSERT_EQ(r[1].start, 0x9000ULL);
	ASSERT_ERRNO(ENOENT, uiommu_ioas_unreserve(self->ctx, self->ioas,
						   0x1000, 0x3fff));
	ASSERT_OK(uiommu_ioas_unreserve(self->ctx, self->ioas, 0x1000,
					0x4fff));
	n = 4;
	ASSERT_OK(_t_ranges(self->ctx, self->ioas, r, &n, NULL));
	ASSERT_EQ(n, 2u);
	ASSERT_EQ(r[0].last, 0x2fffULL);
	/* Reserving over an area is EADDRINUSE. */
	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x20000);
	ASSERT_ERRNO(EADDRINUSE, uiommu_ioas_reserve(self->ctx, self->ioas,
						     0x1f000, 0x20000));
}

struct walk_rec {
	struct uiommu_span s[8];
	unsigned n;
};

static int walk_cb(const struct uiommu_span *s, void *opaque)
{
	struct walk_rec *w = opaque;

	if (w->n < 8)
		w->s[w->n] = *s;
	w->n++;
	return 0;
}

/* The inspection walk reports every span in order, pinned counts. */
TEST_F(ioas, walk)
{
	struct iommu_iova_range allow[1] = { { 0x100000, 0x1fffff } };
	struct walk_rec w = { .n = 0 };

	t_map_fixed(self->ctx, self->ioas, self->buf, 2 * PG, 0x10000);
	ASSERT_OK(uiommu_ioas_reserve(self->ctx, self->ioas, 0x8000, 0x8fff));
	ASSERT_OK(_t_allow(self->ctx, self->ioas, allow, 1));
	ASSERT_OK(uiommu_ioas_walk(self->ctx, self->ioas, walk_cb, &w));
	ASSERT_EQ(w.n, 3u);
	ASSERT_EQ(w.s[0].kind, (uint32_t)UIOMMU_SPAN_RESERVED);
	ASSERT_EQ(w.s[0].start, 0x8000ULL);
	ASSERT_EQ(w.s[1].kind, (uint32_t)UIOMMU_SPAN_AREA);
	ASSERT_EQ(w.s[1].last, 0x11fffULL);
	ASSERT_EQ(w.s[1].pinned, variant->domains ? 2ULL : 0ULL);
	ASSERT_EQ(w.s[2].kind, (uint32_t)UIOMMU_SPAN_ALLOWED);
	ASSERT_ERRNO(ENOENT, uiommu_ioas_walk(self->ctx, 999, walk_cb, &w));
}
