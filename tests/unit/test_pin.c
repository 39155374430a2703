// SPDX-License-Identifier: MIT
/*
 * Pinning, accounting and accesses: what happens when a page table or an
 * access needs the pages behind an IOAS (issue: pages are pinned lazily,
 * EFAULT for memory the process cannot access, ENOMEM past
 * RLIMIT_MEMLOCK, failed operations undo everything; R23a, R28).
 */
#include "t_util.h"

#include <linux/capability.h>
#include <unistd.h>

FIXTURE(pin)
{
	struct uiommu_ctx *ctx;
	uint32_t ioas;
	char *buf; /* 16 pages */
};

FIXTURE_SETUP(pin)
{
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	self->buf = t_buf(16 * PG);
	ASSERT_NONNULL(self->buf);
}

FIXTURE_TEARDOWN(pin)
{
	uiommu_ctx_destroy(self->ctx);
	munmap(self->buf, 16 * PG);
	ut_memlock_pages = UINT64_MAX;
}

static uint64_t pinned(struct uiommu_ctx *c)
{
	struct uiommu_pin_stats st;

	uiommu_pin_stats(c, &st);
	return st.ctx_pinned;
}

/* MAP records the range only: nothing is pinned without a user. */
TEST_F(pin, map_is_lazy)
{
	struct mock_domain *m = calloc(1, sizeof(*m));

	ASSERT_NONNULL(m);
	t_map_fixed(self->ctx, self->ioas, self->buf, 8 * PG, 0x100000);
	/* Even unmapped memory can be recorded. */
	ASSERT_OK(munmap(self->buf + 8 * PG, 8 * PG));
	t_map_fixed(self->ctx, self->ioas, self->buf + 8 * PG, 8 * PG,
		    0x200000);
	ASSERT_EQ(pinned(self->ctx), 0ULL);
	/* ...but a page table cannot be filled from it: EFAULT, and the
	 * attach changes nothing. */
	mock_domain_init(m, 1, 0, UINT64_MAX);
	ASSERT_ERRNO(EFAULT, t_domain_attach(self->ctx, self->ioas, m));
	ASSERT_EQ(m->nmaps, 0u);
	ASSERT_EQ(pinned(self->ctx), 0ULL);
	t_unmap(self->ctx, self->ioas, 0x200000, 8 * PG, NULL);
	ASSERT_OK(t_domain_attach(self->ctx, self->ioas, m));
	ASSERT_EQ(pinned(self->ctx), 8ULL);
	/* With a domain attached, a MAP of unmapped memory fails whole. */
	t_err_map_fixed(EFAULT, self->ctx, self->ioas, self->buf + 8 * PG,
			PG, 0x300000);
	t_err_unmap(ENOENT, self->ctx, self->ioas, 0x300000, PG, NULL);
	ASSERT_EQ(m->nmaps, 1u);
	t_domain_detach(self->ctx, self->ioas, m);
	ASSERT_EQ(pinned(self->ctx), 0ULL);
	free(m);
}

/* Writable IOMMU mappings of read-only memory fail to pin (FOLL_WRITE). */
TEST_F(pin, readonly_memory)
{
	struct mock_domain *m = calloc(1, sizeof(*m));
	uint64_t iova = 0x20000;

	ASSERT_NONNULL(m);
	ASSERT_OK(mprotect(self->buf, PG, PROT_READ));
	mock_domain_init(m, 1, 0, UINT64_MAX);
	ASSERT_OK(t_domain_attach(self->ctx, self->ioas, m));
	t_err_map_fixed(EFAULT, self->ctx, self->ioas, self->buf, PG, 0x10000);
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(m->nmaps, 1u);
	t_domain_detach(self->ctx, self->ioas, m);
	free(m);
}

/* Pinning past RLIMIT_MEMLOCK is ENOMEM and charges nothing. */
TEST_F(pin, rlimit)
{
	struct uiommu_access *acc;

	t_map_fixed(self->ctx, self->ioas, self->buf, 16 * PG, 0x10000);
	ASSERT_OK(uiommu_access_create(self->ctx, self->ioas, NULL, NULL,
				       &acc));
	{
		struct uiommu_pin_stats st;

		ASSERT_OK(uiommu_pin_stats(self->ctx, &st));
		ut_memlock_pages = st.user_locked + 4;
	}
	ASSERT_OK(uiommu_access_pin(acc, 0x10000, 3 * PG, 0));
	ASSERT_EQ(pinned(self->ctx), 3ULL);
	/* Overlapping pins only charge the new pages: 2 more = 5 > 4. */
	ASSERT_ERRNO(ENOMEM, uiommu_access_pin(acc, 0x11000, 4 * PG, 0));
	ASSERT_EQ(pinned(self->ctx), 3ULL);
	ASSERT_OK(uiommu_access_pin(acc, 0x11000, 3 * PG, 0));
	ASSERT_EQ(pinned(self->ctx), 4ULL);
	ASSERT_OK(uiommu_access_unpin(acc, 0x10000, 3 * PG));
	ASSERT_EQ(pinned(self->ctx), 3ULL);
	ASSERT_ERRNO(ENOENT, uiommu_access_unpin(acc, 0x10000, 3 * PG));
	uiommu_access_destroy(acc);
	ASSERT_EQ(pinned(self->ctx), 0ULL);
}

/* Access pin and rw: holes, permissions, data across two areas. */
TEST_F(pin, access_rw)
{
	struct uiommu_access *acc;
	uint64_t iova = 0x30000;
	char out[2 * PG], in[2 * PG];

	t_map_fixed(self->ctx, self->ioas, self->buf, PG, 0x10000);
	t_map_fixed(self->ctx, self->ioas, self->buf + 4 * PG, PG, 0x11000);
	ASSERT_OK(_t_map(self->ctx, self->ioas, self->buf, PG, &iova,
			 IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	ASSERT_OK(uiommu_access_create(self->ctx, self->ioas, NULL, NULL,
				       &acc));
	ASSERT_ERRNO(ENOENT, uiommu_access_pin(acc, 0x12000, PG, 0));
	ASSERT_ERRNO(ENOENT, uiommu_access_pin(acc, 0x11000, 2 * PG, 0));
	ASSERT_ERRNO(EPERM, uiommu_access_pin(acc, 0x30000, PG,
					      UIOMMU_MAP_WRITE));
	ASSERT_ERRNO(EINVAL, uiommu_access_pin(acc, 0x30000, 0, 0));
	ASSERT_ERRNO(EOVERFLOW, uiommu_access_pin(acc, UINT64_MAX, 2, 0));
	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7);
	/* Crosses from the first area into the second, 2 KiB each side. */
	ASSERT_OK(uiommu_access_rw(acc, 0x10800, out, PG, UIOMMU_MAP_WRITE));
	ASSERT_MEMEQ(self->buf + PG / 2, out, PG / 2);
	ASSERT_MEMEQ(self->buf + 4 * PG, out + PG / 2, PG / 2);
	ASSERT_OK(uiommu_access_rw(acc, 0x10800, in, PG, 0));
	ASSERT_MEMEQ(in, out, PG);
	ASSERT_ERRNO(EPERM, uiommu_access_rw(acc, 0x30000, in, 8,
					     UIOMMU_MAP_WRITE));
	ASSERT_EQ(pinned(self->ctx), 0ULL);
	uiommu_access_destroy(acc);
}

struct unmap_cb {
	struct uiommu_access *acc;
	uint64_t iova, len;
	int calls;
	bool cooperate;
};

static void on_unmap(void *opaque, uint64_t iova, uint64_t len)
{
	struct unmap_cb *cb = opaque;

	cb->calls++;
	if (cb->cooperate)
		uiommu_access_unpin(cb->acc, cb->iova, cb->len);
}

/* R23a: an access is asked to let go; if it will not, unmap is EBUSY and
 * the mapping stays; if it does, the unmap goes through. */
TEST_F(pin, r23a_unmap_pinned)
{
	static const struct uiommu_access_ops ops = { .unmap = on_unmap };
	struct unmap_cb cb = { .iova = 0x11000, .len = PG };
	uint64_t n;

	t_map_fixed(self->ctx, self->ioas, self->buf, 4 * PG, 0x10000);
	ASSERT_OK(uiommu_access_create(self->ctx, self->ioas, &ops, &cb,
				       &cb.acc));
	ASSERT_OK(uiommu_access_pin(cb.acc, 0x11000, PG, UIOMMU_MAP_WRITE));
	t_err_unmap(EBUSY, self->ctx, self->ioas, 0x10000, 4 * PG, &n);
	ASSERT_EQ(cb.calls, 1);
	ASSERT_EQ(n, 4 * PG); /* a failed call writes nothing back */
	t_err_map_fixed(EEXIST, self->ctx, self->ioas, self->buf, PG, 0x10000);
	cb.cooperate = true;
	t_unmap(self->ctx, self->ioas, 0, UINT64_MAX, &n);
	ASSERT_EQ(cb.calls, 2);
	ASSERT_EQ(n, 4 * PG);
	ASSERT_EQ(pinned(self->ctx), 0ULL);
	uiommu_access_destroy(cb.acc);
}

/* Does /proc/self/status show CAP_SYS_RESOURCE in the effective set? */
static bool proc_has_cap_sys_resource(void)
{
	char line[256];
	bool has = false;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long eff;

		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			has = eff & (1ULL << CAP_SYS_RESOURCE);
	}
	if (f)
		fclose(f);
	return has;
}

/* R28: RLIMIT_MODE: object 0 only, privileged, empty ctx, 0 or 1. */
TEST(pin_option, r28_rlimit_mode)
{
	struct uiommu_ctx *c;
	uint64_t v = 5;
	uint32_t id;

	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_OK(_t_option(c, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET,
			    0, &v));
	ASSERT_EQ(v, 0ULL);
	ASSERT_ERRNO(EOPNOTSUPP, _t_option(c, IOMMU_OPTION_RLIMIT_MODE,
					   IOMMU_OPTION_OP_GET, 1, &v));
	ASSERT_ERRNO(EOPNOTSUPP, _t_option(c, IOMMU_OPTION_RLIMIT_MODE, 2, 0,
					   &v));
	/* The real capability check agrees with the kernel's view. */
	v = 1;
	ASSERT_EQ(_t_option(c, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET,
			    0, &v),
		  proc_has_cap_sys_resource() ? 0 : -EPERM);
	uiommu_ctx_destroy(c);

	/* Without the capability: EPERM, checked before anything else. */
	ut_cap_sys_resource = 0;
	ASSERT_OK(uiommu_ctx_create(&c));
	v = 7;
	ASSERT_ERRNO(EPERM, _t_option(c, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_SET, 0, &v));
	uiommu_ctx_destroy(c);

	/* With it (pretended, the sandbox may not grant it). */
	ut_cap_sys_resource = 1;
	ASSERT_OK(uiommu_ctx_create(&c));
	v = 2;
	ASSERT_ERRNO(EINVAL, _t_option(c, IOMMU_OPTION_RLIMIT_MODE,
				       IOMMU_OPTION_OP_SET, 0, &v));
	v = 1;
	ASSERT_OK(_t_option(c, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET,
			    0, &v));
	v = 0;
	ASSERT_OK(_t_option(c, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET,
			    0, &v));
	ASSERT_EQ(v, 1ULL);
	t_ioas_alloc(c, &id);
	ASSERT_ERRNO(EBUSY, _t_option(c, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_SET, 0, &v));
	/* Mode 1 charges the process counter, not the user's. */
	{
		struct uiommu_access *acc;
		struct uiommu_pin_stats a, b;
		char *buf = t_buf(PG);

		t_map_fixed(c, id, buf, PG, PG);
		ASSERT_OK(uiommu_access_create(c, id, NULL, NULL, &acc));
		ASSERT_OK(uiommu_pin_stats(c, &a));
		ASSERT_OK(uiommu_access_pin(acc, PG, PG, 0));
		ASSERT_OK(uiommu_pin_stats(c, &b));
		ASSERT_EQ(b.mm_pinned, a.mm_pinned + 1);
		ASSERT_EQ(b.user_locked, a.user_locked);
		uiommu_access_destroy(acc);
		munmap(buf, PG);
	}
	uiommu_ctx_destroy(c);
	ut_cap_sys_resource = -1;
}
