// SPDX-License-Identifier: MIT
/*
 * Context and object model: ids, destroy, references, teardown
 * (requirements R4-R7 and R13).
 */
#include "t_util.h"

/* R4: ids are never 0, unique, and a destroyed id is not handed out
 * again (a stale id is ENOENT, never someone else's object). */
TEST(obj, r4_ids)
{
	struct uiommu_ctx *c;
	uint32_t ids[100];

	ASSERT_OK(uiommu_ctx_create(&c));
	for (unsigned i = 0; i < 100; i++) {
		t_ioas_alloc(c, &ids[i]);
		ASSERT_NE(ids[i], 0u);
		for (unsigned j = 0; j < i; j++)
			ASSERT_NE(ids[i], ids[j]);
	}
	ASSERT_OK(_t_destroy(c, ids[50]));
	ASSERT_ERRNO(ENOENT, _t_destroy(c, ids[50]));
	for (unsigned i = 0; i < 1000; i++) {
		uint32_t id;

		t_ioas_alloc(c, &id);
		ASSERT_NE(id, ids[50]);
		ASSERT_OK(_t_destroy(c, id));
	}
	uiommu_ctx_destroy(c);
}

/* R4: a create whose response cannot be written leaves no object. */
TEST(obj, r4_failed_create_leaves_nothing)
{
	struct uiommu_ctx *c;
	struct iommu_ioas_alloc *cmd;
	uint32_t id;

	ASSERT_OK(uiommu_ctx_create(&c));
	/* A read-only argument: the kernel would fail copy_to_user. */
	cmd = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(cmd != MAP_FAILED);
	cmd->size = sizeof(*cmd);
	ASSERT_OK(mprotect(cmd, PG, PROT_READ));
	ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_TRUE(obj_table_empty(c));
	t_ioas_alloc(c, &id);
	/* The response was checked before an id was reserved. */
	ASSERT_EQ(id, 1u);
	munmap(cmd, PG);
	uiommu_ctx_destroy(c);
}

/* R5: a missing id or an id of the wrong type is ENOENT. */
TEST(obj, r5_lookup)
{
	struct uiommu_ctx *c;
	uint64_t unmapped;

	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_ERRNO(ENOENT, _t_unmap(c, 1, 0, PG, &unmapped));
	ASSERT_ERRNO(ENOENT, _t_destroy(c, 0));
	ASSERT_ERRNO(ENOENT, _t_destroy(c, 0xffffffffu));
	ASSERT_ERRNO(ENOENT, uiommu_obj_destroy(c, 77));
	uiommu_ctx_destroy(c);
}

/* R6/R7: destroying an IOAS that an access or a domain references is
 * EBUSY and leaves it intact; after the reference goes it succeeds. */
TEST(obj, r6_r7_destroy_busy)
{
	struct uiommu_ctx *c;
	struct uiommu_access *acc;
	struct mock_domain *m = calloc(1, sizeof(*m));
	char *buf = t_buf(PG);
	uint32_t id;

	ASSERT_NONNULL(m);
	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &id);
	t_map_fixed(c, id, buf, PG, 0x1000);
	ASSERT_OK(uiommu_access_create(c, id, NULL, NULL, &acc));
	ASSERT_ERRNO(EBUSY, _t_destroy(c, id));
	/* Still intact. */
	t_err_map_fixed(EEXIST, c, id, buf, PG, 0x1000);
	uiommu_access_destroy(acc);
	mock_domain_init(m, 1, 0, UINT64_MAX);
	ASSERT_OK(t_domain_attach(c, id, m));
	ASSERT_ERRNO(EBUSY, _t_destroy(c, id));
	t_domain_detach(c, id, m);
	ASSERT_OK(_t_destroy(c, id));
	ASSERT_ERRNO(ENOENT, _t_destroy(c, id));
	uiommu_ctx_destroy(c);
	free(m);
	munmap(buf, PG);
}

/* R13: context destroy releases everything regardless of order,
 * including accesses still open and their pins. */
TEST(obj, r13_teardown_any_order)
{
	struct uiommu_ctx *c;
	struct uiommu_access *acc;
	struct uiommu_pin_stats st;
	char *buf = t_buf(4 * PG);
	uint32_t a, b;

	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &a);
	t_ioas_alloc(c, &b);
	t_map_fixed(c, a, buf, 4 * PG, 0x10000);
	t_map_fixed(c, b, buf, 4 * PG, 0x10000);
	ASSERT_OK(uiommu_access_create(c, b, NULL, NULL, &acc));
	ASSERT_OK(uiommu_access_pin(acc, 0x10000, 2 * PG, UIOMMU_MAP_WRITE));
	ASSERT_OK(uiommu_pin_stats(c, &st));
	ASSERT_EQ(st.ctx_pinned, 2ULL);
	/* The process-wide counter is back to its old value afterwards. */
	{
		uint64_t before = st.user_locked - 2;

		uiommu_ctx_destroy(c);
		ASSERT_OK(uiommu_ctx_create(&c));
		ASSERT_OK(uiommu_pin_stats(c, &st));
		ASSERT_EQ(st.user_locked, before);
		uiommu_ctx_destroy(c);
	}
	uiommu_ctx_destroy(NULL);
	munmap(buf, 4 * PG);
}

TEST(obj, null_and_bad_args)
{
	struct uiommu_ctx *c;
	uint32_t n = 1;

	ASSERT_ERRNO(EINVAL, uiommu_ctx_create(NULL));
	ASSERT_ERRNO(EBADF, uiommu_ioctl(NULL, IOMMU_IOAS_ALLOC, NULL));
	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_ERRNO(EINVAL, uiommu_ioas_alloc(c, NULL));
	ASSERT_ERRNO(EINVAL, uiommu_ioas_iova_ranges(c, 1, NULL, &n, NULL));
	ASSERT_ERRNO(EINVAL, uiommu_ioas_map(c, 1, "x", 1, NULL,
					     UIOMMU_MAP_READ));
	uiommu_access_destroy(NULL);
	uiommu_ctx_destroy(c);
}

TEST(obj, errno_names)
{
	ASSERT_EQ(strcmp(uiommu_errno_name(-EADDRINUSE), "EADDRINUSE"), 0);
	ASSERT_EQ(strcmp(uiommu_errno_name(ENOENT), "ENOENT"), 0);
	ASSERT_EQ(strcmp(uiommu_errno_name(0), "OK"), 0);
}
