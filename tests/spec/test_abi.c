// SPDX-License-Identifier: MIT
/*
 * The Linux iommufd ioctl ABI rules (R1-R3) for every command uiommu
 * implements: numbers, the size field, trailing bytes, reserved fields,
 * bad pointers.
 */
#include "unit/t_util.h"

/* R1: numbers are _IO(';', 0x80 + n); anything else is ENOTTY. */
TEST(abi, r1_numbers)
{
	struct uiommu_ctx *c;
	struct iommu_destroy d = { .size = sizeof(d), .id = 1 };

	ASSERT_EQ(IOMMU_DESTROY, 0x3b80UL);
	ASSERT_EQ(IOMMU_IOAS_ALLOC, 0x3b81UL);
	ASSERT_EQ(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82UL);
	ASSERT_EQ(IOMMU_IOAS_COPY, 0x3b83UL);
	ASSERT_EQ(IOMMU_IOAS_IOVA_RANGES, 0x3b84UL);
	ASSERT_EQ(IOMMU_IOAS_MAP, 0x3b85UL);
	ASSERT_EQ(IOMMU_IOAS_UNMAP, 0x3b86UL);
	ASSERT_EQ(IOMMU_OPTION, 0x3b87UL);
	ASSERT_EQ(IOMMU_VFIO_IOAS, 0x3b88UL);
	ASSERT_EQ(IOMMU_IOAS_MAP_FILE, 0x3b8fUL);
	ASSERT_EQ(IOMMU_IOAS_CHANGE_PROCESS, 0x3b92UL);
	ASSERT_EQ(IOMMU_HWPT_ALLOC, 0x3b89UL);
	ASSERT_EQ(IOMMU_GET_HW_INFO, 0x3b8aUL);
	ASSERT_EQ(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8bUL);
	ASSERT_EQ(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8cUL);
	ASSERT_EQ(IOMMU_HWPT_INVALIDATE, 0x3b8dUL);
	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, _IO(';', 0x7f), &d));
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, _IO(';', 0xa0), &d));
	/* Event and HW queue commands are not built yet: as an older kernel. */
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, _IO(';', 0x93), &d));
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, _IO('x', 0x80), &d));
	/* Same nr with direction/size bits is a different ioctl. */
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, _IOW(';', 0x80, int), &d));
	ASSERT_ERRNO(ENOTTY, uiommu_ioctl(c, 0, &d));
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(c, IOMMU_DESTROY, &d));
	uiommu_ctx_destroy(c);
}

/*
 * R2: size below the minimum is EINVAL; one more byte that is not zero is
 * E2BIG; one more zero byte behaves exactly as the exact size.  The
 * command's outcome with the exact size is @expect.
 */
static void check_length(unsigned long cmd, size_t size, size_t min,
			 const void *init, long expect)
{
	struct uiommu_ctx *c;
	char buf[128];
	uint32_t ioas;

	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &ioas);
	ASSERT_EQ(ioas, 1u);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, init, size);
	*(uint32_t *)buf = min - 1;
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(c, cmd, buf));

	memset(buf, 0, sizeof(buf));
	memcpy(buf, init, size);
	*(uint32_t *)buf = size + 1;
	buf[size] = 0xaa;
	ASSERT_ERRNO(E2BIG, uiommu_ioctl(c, cmd, buf));

	memset(buf, 0, sizeof(buf));
	memcpy(buf, init, size);
	*(uint32_t *)buf = size + 1;
	ASSERT_EQ((long)uiommu_ioctl(c, cmd, buf), expect);
	ASSERT_EQ((unsigned char)buf[size], 0);
	uiommu_ctx_destroy(c);
}

#define TEST_LENGTH(st, nr, last, expect, ...)                                \
	do {                                                                  \
		struct st init_ = { __VA_ARGS__ };                            \
		check_length(nr, sizeof(struct st),                           \
			     offsetof(struct st, last) + sizeof(init_.last),  \
			     &init_, expect);                                 \
	} while (0)

TEST(abi, r2_cmd_length)
{
	static char page[4096] __attribute__((aligned(4096)));

	TEST_LENGTH(iommu_destroy, IOMMU_DESTROY, id, -ENOENT, .id = 77);
	TEST_LENGTH(iommu_ioas_alloc, IOMMU_IOAS_ALLOC, out_ioas_id, 0);
	TEST_LENGTH(iommu_ioas_allow_iovas, IOMMU_IOAS_ALLOW_IOVAS,
		    allowed_iovas, 0, .ioas_id = 1);
	TEST_LENGTH(iommu_ioas_copy, IOMMU_IOAS_COPY, src_iova, -ENOENT,
		    .flags = RW, .dst_ioas_id = 1, .src_ioas_id = 1,
		    .length = 4096);
	TEST_LENGTH(iommu_ioas_iova_ranges, IOMMU_IOAS_IOVA_RANGES,
		    out_iova_alignment, -EMSGSIZE, .ioas_id = 1);
	TEST_LENGTH(iommu_ioas_map, IOMMU_IOAS_MAP, iova, 0, .flags = RW,
		    .ioas_id = 1, .user_va = (uintptr_t)page, .length = 4096);
	TEST_LENGTH(iommu_ioas_map_file, IOMMU_IOAS_MAP_FILE, iova, -EBADF,
		    .flags = RW, .ioas_id = 1, .fd = -1, .length = 4096);
	TEST_LENGTH(iommu_ioas_unmap, IOMMU_IOAS_UNMAP, length, -ENOENT,
		    .ioas_id = 1, .iova = 4096, .length = 4096);
	TEST_LENGTH(iommu_option, IOMMU_OPTION, val64, 0,
		    .option_id = IOMMU_OPTION_HUGE_PAGES,
		    .op = IOMMU_OPTION_OP_GET, .object_id = 1);
	TEST_LENGTH(iommu_vfio_ioas, IOMMU_VFIO_IOAS, __reserved, -ENODEV,
		    .op = IOMMU_VFIO_IOAS_GET);
	TEST_LENGTH(iommu_ioas_change_process, IOMMU_IOAS_CHANGE_PROCESS,
		    __reserved, 0);
	TEST_LENGTH(iommu_hwpt_alloc, IOMMU_HWPT_ALLOC, __reserved, -ENOENT,
		    .dev_id = 77, .pt_id = 1);
	TEST_LENGTH(iommu_hw_info, IOMMU_GET_HW_INFO, __reserved, -ENOENT,
		    .dev_id = 77);
	TEST_LENGTH(iommu_hwpt_set_dirty_tracking,
		    IOMMU_HWPT_SET_DIRTY_TRACKING, __reserved, -ENOENT,
		    .hwpt_id = 77);
	TEST_LENGTH(iommu_hwpt_get_dirty_bitmap, IOMMU_HWPT_GET_DIRTY_BITMAP,
		    data, -ENOENT, .hwpt_id = 77, .length = 4096,
		    .page_size = 4096);
	TEST_LENGTH(iommu_hwpt_invalidate, IOMMU_HWPT_INVALIDATE, __reserved,
		    -ENOENT, .hwpt_id = 77);
}

/* R2: a caller with a shorter struct gets only its own bytes back. */
TEST(abi, r2_short_response)
{
	struct uiommu_ctx *c;
	uint32_t buf[4] = { 8, 0, 0xdeadbeef, 0xdeadbeef };

	ASSERT_OK(uiommu_ctx_create(&c));
	/* An IOAS_ALLOC of size 8 lacks out_ioas_id: below min, EINVAL. */
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(c, IOMMU_IOAS_ALLOC, buf));
	buf[0] = 12;
	ASSERT_OK(uiommu_ioctl(c, IOMMU_IOAS_ALLOC, buf));
	ASSERT_EQ(buf[2], 1u);
	ASSERT_EQ(buf[3], 0xdeadbeefu); /* past the caller's size */
	uiommu_ctx_destroy(c);
}

/* R3: reserved fields and unknown flags are EOPNOTSUPP. */
TEST(abi, r3_reserved_and_flags)
{
	struct uiommu_ctx *c;
	uint32_t id;
	struct iommu_ioas_alloc al = { .size = sizeof(al), .flags = 1 };
	struct iommu_ioas_iova_ranges rg = { .size = sizeof(rg), .ioas_id = 1,
					     .__reserved = 1 };
	struct iommu_ioas_allow_iovas aw = { .size = sizeof(aw), .ioas_id = 1,
					     .__reserved = 1 };
	struct iommu_ioas_map mp = { .size = sizeof(mp), .ioas_id = 1,
				     .flags = RW, .__reserved = 1,
				     .length = 4096 };
	struct iommu_option op = { .size = sizeof(op), .__reserved = 1 };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi), .__reserved = 1 };
	uint64_t v = 0;

	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &id);
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_IOAS_ALLOC, &al));
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_IOAS_IOVA_RANGES, &rg));
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_IOAS_ALLOW_IOVAS, &aw));
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_IOAS_MAP, &mp));
	mp.__reserved = 0;
	mp.flags = RW | 0x80;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_IOAS_MAP, &mp));
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_OPTION, &op));
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_VFIO_IOAS, &vi));
	ASSERT_ERRNO(EOPNOTSUPP, _t_option(c, 5, IOMMU_OPTION_OP_GET, 0, &v));
	uiommu_ctx_destroy(c);
}

/* Bad pointers are EFAULT, never a crash, and change nothing. */
TEST(abi, efault)
{
	struct uiommu_ctx *c;
	struct iommu_ioas_iova_ranges rg = { .size = sizeof(rg), .ioas_id = 1,
					     .num_iovas = 1,
					     .allowed_iovas = 16 };
	uint32_t id;

	ASSERT_OK(uiommu_ctx_create(&c));
	ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_ALLOC, NULL));
	ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_ALLOC,
					  (void *)(uintptr_t)0x10));
	ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_MAP,
					  (void *)~(uintptr_t)0xfff));
	ASSERT_TRUE(obj_table_empty(c));
	t_ioas_alloc(c, &id);
	ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_IOVA_RANGES, &rg));
	/* A struct that straddles into an unmapped page. */
	{
		char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iommu_destroy *d = (void *)(p + PG - 4);

		ASSERT_TRUE(p != MAP_FAILED);
		ASSERT_OK(munmap(p + PG, PG));
		d->size = sizeof(*d);
		ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_DESTROY, d));
		munmap(p, PG);
	}
	/* A read-only MAP argument: nothing is mapped. */
	{
		struct iommu_ioas_map *m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS,
						-1, 0);
		uint64_t n;

		*m = (struct iommu_ioas_map){ .size = sizeof(*m), .flags = FIXED,
					      .ioas_id = id,
					      .user_va = (uintptr_t)m,
					      .length = PG, .iova = PG };
		ASSERT_OK(mprotect(m, PG, PROT_READ));
		ASSERT_ERRNO(EFAULT, uiommu_ioctl(c, IOMMU_IOAS_MAP, m));
		ASSERT_ERRNO(ENOENT, _t_unmap(c, id, PG, PG, &n));
		munmap(m, PG);
	}
	uiommu_ctx_destroy(c);
}

/* IOMMU_VFIO_IOAS: get/set/clear of the compat IOAS. */
TEST(abi, vfio_ioas)
{
	struct uiommu_ctx *c;
	struct iommu_vfio_ioas v = { .size = sizeof(v) };
	uint32_t id;

	ASSERT_OK(uiommu_ctx_create(&c));
	t_ioas_alloc(c, &id);
	v.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_ERRNO(ENODEV, uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	v.op = IOMMU_VFIO_IOAS_SET;
	v.ioas_id = 99;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	v.ioas_id = id;
	ASSERT_OK(uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	v.op = IOMMU_VFIO_IOAS_GET;
	v.ioas_id = 0;
	ASSERT_OK(uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	ASSERT_EQ(v.ioas_id, id);
	/* Destroying the IOAS clears the compat pointer. */
	ASSERT_OK(_t_destroy(c, id));
	ASSERT_ERRNO(ENODEV, uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	v.op = 9;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(c, IOMMU_VFIO_IOAS, &v));
	uiommu_ctx_destroy(c);
}
