// SPDX-License-Identifier: MIT
/*
 * The HWPT ioctls through uiommu_ioctl() on the mock driver: HWPT_ALLOC,
 * GET_HW_INFO, HWPT_INVALIDATE, dirty tracking (R32-R35, R39-R45).
 */
#include "t_mockdrv.h"

FIXTURE(hwpt)
{
	struct uiommu_platform_desc desc;
	struct uiommu_platform *plat;
	struct uiommu_ctx *ctx;
	uint32_t ioas, a0, b0;
};

FIXTURE_SETUP(hwpt)
{
	test_platform(&self->desc);
	self->desc.devices[A0].flags |= UIOMMU_DEV_DIRTY | UIOMMU_DEV_PASID_EXEC;
	ASSERT_OK(platform_create_with(&self->desc, &mk_factory, &self->plat));
	ASSERT_OK(uiommu_ctx_create(&self->ctx));
	t_ioas_alloc(self->ctx, &self->ioas);
	ASSERT_OK(device_bind(self->ctx, self->plat, A0, &self->a0));
	ASSERT_OK(device_bind(self->ctx, self->plat, B0, &self->b0));
}

FIXTURE_TEARDOWN(hwpt)
{
	uiommu_ctx_destroy(self->ctx);
	platform_destroy(self->plat);
}

static int hwpt_alloc(struct uiommu_ctx *c, uint32_t flags, uint32_t dev,
		      uint32_t pt, uint32_t type, const void *data,
		      uint32_t len, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = uiommu_ioctl(c, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hwpt_id;
	return rc;
}

/* R32, R33, R35, R5 exception, R39. */
TEST_F(hwpt, alloc_checks)
{
	uint32_t data = 7, id, parent;

	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->a0, self->ioas, 0,
					&data, 4, &id));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->a0, self->ioas, 1,
					&data, 0, &id));
	ASSERT_ERRNO(ENOENT, hwpt_alloc(self->ctx, 0, 999, self->ioas, 0,
					NULL, 0, &id));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->a0, 999, 0, NULL,
					0, &id));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->a0, self->b0, 0,
					NULL, 0, &id));
	ASSERT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->ctx, 1u << 9, self->a0,
					    self->ioas, 0, NULL, 0, &id));
	/* R33: dirty tracking needs the capability; b0 lacks it. */
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				self->b0, self->ioas, 0, NULL, 0, &id));
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			     self->a0, self->ioas, 0, NULL, 0, &id));
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, IOMMU_HWPT_FAULT_ID_VALID |
						   IOMMU_HWPT_ALLOC_NEST_PARENT,
				self->a0, self->ioas, 0, NULL, 0, &id));
	/* R39: no fault object has that id. */
	ASSERT_ERRNO(ENOENT, hwpt_alloc(self->ctx, IOMMU_HWPT_FAULT_ID_VALID,
					self->a0, self->ioas, 0, NULL, 0,
					&id));
	/* Nested: R35 (flags, no data), R34 (not a nest parent). */
	ASSERT_ERRNO(EOPNOTSUPP,
		     hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT,
				self->a0, id, 1, &data, 4, NULL));
	ASSERT_ERRNO(EINVAL, hwpt_alloc(self->ctx, 0, self->a0, id, 1, &data,
					4, NULL));
	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT, self->a0,
			     self->ioas, 0, NULL, 0, &parent));
	ASSERT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->ctx, 0, self->a0, parent, 0,
					    NULL, 0, NULL));
	ASSERT_ERRNO(EFAULT, hwpt_alloc(self->ctx, 0, self->a0, parent, 1,
					(void *)8, 4, NULL));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->a0, parent, 1, &data, 4,
			     &id));
	ASSERT_EQ(mk_dom(hwpt_get(self->ctx, id))->nested_data, 7u);
	/* HWPT_ALLOC's length rules (R2). */
	{
		struct iommu_hwpt_alloc cmd = { .size = 23 };

		ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx, IOMMU_HWPT_ALLOC,
						  &cmd));
		cmd.size = 24;
		cmd.__reserved = 1;
		ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx,
						      IOMMU_HWPT_ALLOC, &cmd));
	}
}

/* R43, R44: GET_HW_INFO. */
TEST_F(hwpt, hw_info)
{
	unsigned char buf[64];
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd), .dev_id = self->a0, .data_len = 64,
		.data_uptr = (uintptr_t)buf,
	};

	memset(buf, 0xee, sizeof(buf));
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.out_data_type, (uint32_t)IOMMU_HW_INFO_TYPE_INTEL_VTD);
	ASSERT_EQ(cmd.data_len, 24u);
	ASSERT_EQ(*(uint64_t *)(buf + 8), 0x00d2008c40660462ULL);
	for (int i = 24; i < 64; i++)
		ASSERT_EQ(buf[i], 0); /* zero-filled past the driver's data */
	ASSERT_EQ(cmd.out_capabilities, (uint64_t)(IOMMU_HW_CAP_DIRTY_TRACKING |
						   IOMMU_HW_CAP_PCI_PASID_EXEC));
	ASSERT_EQ(cmd.out_max_pasid_log2, 20);
	/* A short buffer gets what fits and learns the full length. */
	memset(buf, 0xee, sizeof(buf));
	cmd.data_len = 12;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.data_len, 24u);
	ASSERT_EQ(buf[12], 0xee);
	cmd.data_len = 0;
	cmd.data_uptr = 0;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.data_len, 24u);
	/* No PASID, no dirty tracking: b0 (data_len came back as 24). */
	cmd.data_len = 0;
	cmd.dev_id = self->b0;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
	ASSERT_EQ(cmd.out_capabilities, 0ULL);
	ASSERT_EQ(cmd.out_max_pasid_log2, 0);
	/* Flags and reserved bytes. */
	cmd.flags = 2;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO,
					      &cmd));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = 2;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO,
					      &cmd));
	cmd.flags = 0;
	cmd.__reserved[1] = 1;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO,
					      &cmd));
	cmd.__reserved[1] = 0;
	cmd.dev_id = self->ioas;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(self->ctx, IOMMU_GET_HW_INFO, &cmd));
}

/* R40-R42: HWPT_INVALIDATE and its entry_num write-back. */
TEST_F(hwpt, invalidate)
{
	struct iommu_hwpt_vtd_s1_invalidate e[3] = {
		{ .addr = 0x1000, .npages = 1 },
		{ .addr = 0x2000, .npages = 1, .flags = IOMMU_VTD_INV_FLAGS_LEAF },
		{ .addr = 0x3000, .npages = 1, .flags = 0x80 },
	};
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .data_uptr = (uintptr_t)e,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
		.entry_len = sizeof(e[0]), .entry_num = 3,
	};
	uint32_t data = 1, parent, nested;

	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT, self->a0,
			     self->ioas, 0, NULL, 0, &parent));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->a0, parent, 1, &data, 4,
			     &nested));
	cmd.hwpt_id = parent; /* R42: a paging HWPT */
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					  &cmd));
	ASSERT_EQ(cmd.entry_num, 0u);
	cmd.hwpt_id = 999;
	cmd.entry_num = 3;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					  &cmd));
	/* R41: two handled, the third refused; entry_num says 2. */
	cmd.hwpt_id = nested;
	cmd.entry_num = 3;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					      &cmd));
	ASSERT_EQ(cmd.entry_num, 2u);
	ASSERT_EQ(mk_dom(hwpt_get(self->ctx, nested))->invalidations, 2u);
	/* R40: entries without a pointer or a length; the empty probe. */
	cmd.entry_num = 1;
	cmd.data_uptr = 0;
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					  &cmd));
	ASSERT_EQ(cmd.entry_num, 0u);
	cmd.entry_num = 1;
	cmd.data_uptr = (uintptr_t)e;
	cmd.entry_len = 0;
	ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					  &cmd));
	cmd.entry_num = 0;
	ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE, &cmd));
	/* Per-entry size rules: short EINVAL; longer with non-zero tail
	 * E2BIG; a data type the HWPT does not take EINVAL. */
	{
		uint64_t big[4] = { 0x1000, 1, 0, 5 };

		cmd.data_uptr = (uintptr_t)big;
		cmd.entry_num = 1;
		cmd.entry_len = 16;
		ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx,
						  IOMMU_HWPT_INVALIDATE, &cmd));
		cmd.entry_num = 1;
		cmd.entry_len = 32;
		ASSERT_ERRNO(E2BIG, uiommu_ioctl(self->ctx,
						 IOMMU_HWPT_INVALIDATE, &cmd));
		big[3] = 0;
		cmd.entry_num = 1;
		ASSERT_OK(uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE, &cmd));
		ASSERT_EQ(cmd.entry_num, 1u);
		cmd.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
		ASSERT_ERRNO(EINVAL, uiommu_ioctl(self->ctx,
						  IOMMU_HWPT_INVALIDATE, &cmd));
	}
	cmd.__reserved = 1;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx, IOMMU_HWPT_INVALIDATE,
					      &cmd));
}

/* R45: dirty ioctls take paging HWPTs only; no dirty ops EOPNOTSUPP. */
TEST_F(hwpt, dirty)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	uint64_t bits[2];
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .iova = 0, .length = 64 * PG,
		.page_size = PG, .data = (uintptr_t)bits,
	};
	uint32_t data = 1, parent, nested;

	ASSERT_OK(hwpt_alloc(self->ctx, IOMMU_HWPT_ALLOC_NEST_PARENT, self->a0,
			     self->ioas, 0, NULL, 0, &parent));
	ASSERT_OK(hwpt_alloc(self->ctx, 0, self->a0, parent, 1, &data, 4,
			     &nested));
	set.hwpt_id = nested;
	ASSERT_ERRNO(ENOENT, uiommu_ioctl(self->ctx,
					  IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	set.hwpt_id = parent;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx,
					      IOMMU_HWPT_SET_DIRTY_TRACKING,
					      &set));
	set.flags = 2;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx,
					      IOMMU_HWPT_SET_DIRTY_TRACKING,
					      &set));
	get.hwpt_id = parent;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx,
					      IOMMU_HWPT_GET_DIRTY_BITMAP,
					      &get));
	get.flags = 4;
	ASSERT_ERRNO(EOPNOTSUPP, uiommu_ioctl(self->ctx,
					      IOMMU_HWPT_GET_DIRTY_BITMAP,
					      &get));
}
