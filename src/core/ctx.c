// SPDX-License-Identifier: MIT
/*
 * Contexts (one per open /dev/iommu) and pinned-page accounting.
 *
 * Accounting mirrors iommufd: RLIMIT_MODE 0 charges pinned pages to the
 * user (Linux: user->locked_vm, shared by all of the user's processes),
 * mode 1 to the process (mm->pinned_vm).  In a single process both are
 * process-wide counters; each is checked against RLIMIT_MEMLOCK, and a
 * charge that would pass the limit fails with -ENOMEM.  A page is charged
 * once however many page tables, accesses or COPYed areas use it.
 */
#include "core/core.h"
#include "core/device.h"

#include "util/alloc.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic uint64_t account_user_locked;
static _Atomic uint64_t account_mm_pinned;
uint64_t ut_memlock_pages = UINT64_MAX;
int ut_cap_sys_resource = -1;

extern const struct obj_ops *const obj_type_ops[OBJ_TYPE_MAX];
const struct obj_ops *const obj_type_ops[OBJ_TYPE_MAX] = {
	[OBJ_IOAS] = &ioas_ops,
	[OBJ_DEVICE] = &device_ops,
	[OBJ_HWPT_PAGING] = &hwpt_paging_ops,
	[OBJ_HWPT_NESTED] = &hwpt_nested_ops,
	[OBJ_VIOMMU] = &viommu_ops,
	[OBJ_VDEVICE] = &vdevice_ops,
};

_Static_assert(offsetof(struct ioas, obj) == 0, "obj must come first");
_Static_assert(offsetof(struct device, obj) == 0, "obj must come first");
_Static_assert(offsetof(struct hwpt, obj) == 0, "obj must come first");
_Static_assert(offsetof(struct viommu, obj) == 0, "obj must come first");
_Static_assert(offsetof(struct vdevice, obj) == 0, "obj must come first");

void ctx_lock(struct uiommu_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

void ctx_unlock(struct uiommu_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

UIOMMU_API int uiommu_ctx_create(struct uiommu_ctx **out)
{
	pthread_mutexattr_t attr;
	struct uiommu_ctx *ctx;

	if (!out)
		return -EINVAL;
	ctx = uz_calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&ctx->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	ctx->objs.next_id = 1;
	slab_init(&ctx->area_slab, sizeof(struct area));
	slab_init(&ctx->pages_slab, sizeof(struct pages));
	*out = ctx;
	return 0;
}

UIOMMU_API void uiommu_ctx_destroy(struct uiommu_ctx *ctx)
{
	if (!ctx)
		return;
	ctx_lock(ctx);
	access_teardown_all(ctx);
	devices_detach_all(ctx);
	obj_table_teardown(ctx);
	obj_table_free(ctx);
	ctx_unlock(ctx);
	slab_destroy(&ctx->area_slab);
	slab_destroy(&ctx->pages_slab);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

UIOMMU_API int uiommu_obj_destroy(struct uiommu_ctx *ctx, uint32_t id)
{
	int rc;

	if (!ctx)
		return -EINVAL;
	ctx_lock(ctx);
	rc = obj_destroy(ctx, id);
	ctx_unlock(ctx);
	return rc;
}

static uint64_t account_limit_pages(void)
{
	struct rlimit rl;

	if (ut_memlock_pages != UINT64_MAX)
		return ut_memlock_pages;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur / UIOMMU_PAGE_SIZE;
}

static _Atomic uint64_t *account_counter(enum account_mode mode)
{
	return mode == ACCOUNT_MM ? &account_mm_pinned : &account_user_locked;
}

int account_charge(struct uiommu_ctx *ctx, enum account_mode mode,
		   uint64_t npages)
{
	_Atomic uint64_t *c = account_counter(mode);
	uint64_t limit = account_limit_pages();
	uint64_t cur = atomic_load(c), next;

	do {
		if (__builtin_add_overflow(cur, npages, &next) || next > limit)
			return -ENOMEM;
	} while (!atomic_compare_exchange_weak(c, &cur, next));
	ctx->pinned += npages;
	return 0;
}

void account_uncharge(struct uiommu_ctx *ctx, enum account_mode mode,
		      uint64_t npages)
{
	atomic_fetch_sub(account_counter(mode), npages);
	ctx->pinned -= npages;
}

UIOMMU_API int uiommu_pin_stats(struct uiommu_ctx *ctx,
				struct uiommu_pin_stats *out)
{
	if (!ctx || !out)
		return -EINVAL;
	ctx_lock(ctx);
	out->ctx_pinned = ctx->pinned;
	out->user_locked = atomic_load(&account_user_locked);
	out->mm_pinned = atomic_load(&account_mm_pinned);
	ctx_unlock(ctx);
	return 0;
}

/* CAP_SYS_RESOURCE in the effective set (what capable() checks). */
static bool ctx_capable_sys_resource(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (ut_cap_sys_resource >= 0)
		return ut_cap_sys_resource;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_SYS_RESOURCE / 32].effective &
	       (1u << (CAP_SYS_RESOURCE % 32));
}

int ctx_set_rlimit_mode(struct uiommu_ctx *ctx, uint64_t val)
{
	if (!ctx_capable_sys_resource())
		return -EPERM;
	if (!obj_table_empty(ctx))
		return -EBUSY;
	if (val > 1)
		return -EINVAL;
	ctx->account_mode = val ? ACCOUNT_MM : ACCOUNT_USER;
	return 0;
}
