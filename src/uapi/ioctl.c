// SPDX-License-Identifier: MIT
/*
 * uiommu_ioctl(): the Linux iommufd ioctl ABI on top of the core.
 *
 * One table entry per command, indexed by nr - 0x80, names the handler, the
 * struct size this code knows and the minimum size (offsetofend of the
 * last mandatory field).  The generic rules (R1-R3):
 *  - a number outside the table, or whose type/direction bits differ from
 *    the command's, is -ENOTTY;
 *  - the first u32 at @arg is the caller's size: below the minimum -EINVAL;
 *    shorter than ours is zero-extended; longer must be zero past ours, else
 *    -E2BIG;
 *  - responses copy back min(caller size, our size) bytes.
 * Every access to caller memory goes through util/uaccess (-EFAULT, no
 * crash).  Handlers check fields in the kernel's order, so the errno a
 * malformed call gets is the one Linux gives.
 *
 * Where Linux would act and then fail to copy the response back (leaving
 * the action done and returning EFAULT), uiommu first checks that the
 * response can be written, so a failed call changes nothing.
 *
 * Commands of layers not built yet (fault and event queues, HW queues)
 * are -ENOTTY, as on a kernel that predates them.
 */
#include "core/core.h"
#include "core/device.h"

#include <uiommu/linux/iommufd.h>

#include "util/alloc.h"
#include "util/uaccess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define offsetofend(t, f) (offsetof(t, f) + sizeof(((t *)0)->f))

/* Large enough for any command struct this layer knows. */
union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc ioas_alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_ioas_change_process change_process;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_set_dirty_tracking set_dirty;
	struct iommu_hwpt_get_dirty_bitmap get_dirty;
	struct iommu_hwpt_invalidate invalidate;
	struct iommu_viommu_alloc viommu_alloc;
	struct iommu_vdevice_alloc vdevice_alloc;
	uint64_t align;
};

struct ucmd {
	struct uiommu_ctx *ctx;
	void *ubuf;         /* caller's struct */
	uint32_t user_size;
	void *cmd;          /* our copy */
};

/* Copy the response back: min(caller size, @len) bytes. */
static int ucmd_respond(struct ucmd *u, size_t len)
{
	return uacc_copy(u->ubuf, u->cmd, len < u->user_size ? len : u->user_size);
}

/*
 * Will ucmd_respond() succeed?  Called before the command changes anything,
 * when our copy still holds the caller's bytes: writing them back is a
 * no-op that faults exactly where the response would.
 */
static int ucmd_probe_respond(struct ucmd *u, size_t len)
{
	return uacc_copy(u->ubuf, u->cmd,
			 len < u->user_size ? len : u->user_size);
}

static int ucmd_destroy(struct ucmd *u)
{
	struct iommu_destroy *cmd = u->cmd;

	return obj_destroy(u->ctx, cmd->id);
}

static int ucmd_ioas_alloc(struct ucmd *u)
{
	struct iommu_ioas_alloc *cmd = u->cmd;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (rc)
		return rc;
	rc = ioas_alloc(u->ctx, &cmd->out_ioas_id);
	if (rc)
		return rc;
	rc = ucmd_respond(u, sizeof(*cmd));
	if (rc)
		obj_destroy(u->ctx, cmd->out_ioas_id);
	return rc;
}

static int ucmd_iova_ranges(struct ucmd *u)
{
	struct iommu_ioas_iova_ranges *cmd = u->cmd;
	struct iommu_iova_range *dst = (void *)(uintptr_t)cmd->allowed_iovas;
	struct uiommu_iova_range *ranges;
	uint32_t max = cmd->num_iovas, total;
	struct ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = ioas_get(u->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	total = iova_usable_ranges(ioas, NULL, 0);
	ranges = uz_calloc(total, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	iova_usable_ranges(ioas, ranges, total);
	rc = uacc_copy(dst, ranges,
		       (size_t)(total < max ? total : max) * sizeof(*ranges));
	free(ranges);
	if (rc)
		return rc;
	cmd->num_iovas = total;
	cmd->out_iova_alignment = ioas->iova_alignment;
	rc = ucmd_respond(u, sizeof(*cmd));
	if (rc)
		return rc;
	return total > max ? -EMSGSIZE : 0;
}

/* Read the caller's array one element at a time, as Linux does. */
static int ucmd_read_ranges(const struct iommu_iova_range *src, uint32_t n,
			    struct uiommu_iova_range **out)
{
	struct uiommu_iova_range *r = NULL;
	uint32_t cap = 0;

	for (uint32_t i = 0; i < n; i++) {
		int rc;

		if (i == cap) {
			struct uiommu_iova_range *g;

			cap = cap ? cap * 2 : 16;
			g = uz_realloc(r, (size_t)cap * sizeof(*r));
			if (!g) {
				free(r);
				return -ENOMEM;
			}
			r = g;
		}
		rc = uacc_copy(&r[i], uacc_at(src, (uint64_t)i * sizeof(*src)),
			       sizeof(*r));
		if (rc) {
			free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

static int ucmd_allow_iovas(struct ucmd *u)
{
	struct iommu_ioas_allow_iovas *cmd = u->cmd;
	struct uiommu_iova_range *r = NULL;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (!ioas_get(u->ctx, cmd->ioas_id))
		return -ENOENT;
	rc = ucmd_read_ranges((void *)(uintptr_t)cmd->allowed_iovas,
			      cmd->num_iovas, &r);
	if (rc)
		return rc;
	return ioas_allow_iovas(u->ctx, cmd->ioas_id, r, cmd->num_iovas);
}

/* Flag checks shared by MAP, MAP_FILE and COPY, in iommufd's order. */
static int ucmd_check_map_flags(uint32_t flags)
{
	if (flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
		      IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	return 0;
}

static int ucmd_check_prot(uint32_t flags)
{
	if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	return 0;
}

static int ucmd_ioas_map(struct ucmd *u)
{
	struct iommu_ioas_map *cmd = u->cmd;
	uint64_t iova = cmd->iova;
	int rc;

	if (ucmd_check_map_flags(cmd->flags) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	rc = ucmd_check_prot(cmd->flags);
	if (!rc && !ioas_get(u->ctx, cmd->ioas_id))
		rc = -ENOENT;
	if (!rc)
		rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = ioas_map_user(u->ctx, cmd->ioas_id, cmd->user_va,
				   cmd->length, &iova, cmd->flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return ucmd_respond(u, sizeof(*cmd));
}

static int ucmd_ioas_map_file(struct ucmd *u)
{
	struct iommu_ioas_map_file *cmd = u->cmd;
	uint64_t iova = cmd->iova;
	int rc;

	rc = ucmd_check_map_flags(cmd->flags);
	if (rc)
		return rc;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	rc = ucmd_check_prot(cmd->flags);
	if (!rc && !ioas_get(u->ctx, cmd->ioas_id))
		rc = -ENOENT;
	if (!rc)
		rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = ioas_map_file(u->ctx, cmd->ioas_id, cmd->fd, cmd->start,
				   cmd->length, &iova, cmd->flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return ucmd_respond(u, sizeof(*cmd));
}

static int ucmd_ioas_copy(struct ucmd *u)
{
	struct iommu_ioas_copy *cmd = u->cmd;
	uint64_t iova = cmd->dst_iova;
	int rc;

	rc = ucmd_check_map_flags(cmd->flags);
	if (rc)
		return rc;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	rc = ucmd_check_prot(cmd->flags);
	if (!rc && !ioas_get(u->ctx, cmd->src_ioas_id))
		rc = -ENOENT;
	if (!rc)
		rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = ioas_copy(u->ctx, cmd->dst_ioas_id, cmd->src_ioas_id,
			       cmd->src_iova, cmd->length, &iova, cmd->flags);
	if (rc)
		return rc;
	cmd->dst_iova = iova;
	return ucmd_respond(u, sizeof(*cmd));
}

static int ucmd_ioas_unmap(struct ucmd *u)
{
	struct iommu_ioas_unmap *cmd = u->cmd;
	uint64_t unmapped;
	int rc;

	if (!ioas_get(u->ctx, cmd->ioas_id))
		return -ENOENT;
	rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (rc)
		return rc;
	rc = ioas_unmap(u->ctx, cmd->ioas_id, cmd->iova, cmd->length,
			&unmapped);
	if (rc)
		return rc;
	cmd->length = unmapped;
	return ucmd_respond(u, sizeof(*cmd));
}

static int ucmd_option(struct ucmd *u)
{
	struct iommu_option *cmd = u->cmd;
	uint64_t val = cmd->val64;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ctx_option(u->ctx, cmd->option_id, cmd->op, cmd->object_id, &val);
	if (rc)
		return rc;
	cmd->val64 = val;
	/* Only val64 is written back. */
	return uacc_copy((char *)u->ubuf + offsetof(struct iommu_option, val64),
			 &cmd->val64, sizeof(cmd->val64));
}

static int ucmd_vfio_ioas(struct ucmd *u)
{
	struct iommu_vfio_ioas *cmd = u->cmd;
	struct ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!u->ctx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = u->ctx->vfio_ioas->obj.id;
		return ucmd_respond(u, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = ioas_get(u->ctx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		u->ctx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		u->ctx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int ucmd_change_process(struct ucmd *u)
{
	struct iommu_ioas_change_process *cmd = u->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	return ioas_change_process(u->ctx);
}

/* Copy a caller buffer of @len bytes into a fresh allocation (NULL for 0). */
static int ucmd_copy_buffer(const void *src, uint64_t len, void **out)
{
	void *buf;
	int rc;

	*out = NULL;
	if (!len)
		return 0;
	if (len > (64u << 20))
		return -E2BIG; /* no command carries more than this */
	buf = uz_malloc(len);
	if (!buf)
		return -ENOMEM;
	rc = uacc_copy(buf, src, len);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

static int ucmd_hwpt_alloc(struct ucmd *u)
{
	struct iommu_hwpt_alloc *cmd = u->cmd;
	void *data;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ucmd_copy_buffer((void *)(uintptr_t)cmd->data_uptr,
			      cmd->data_len, &data);
	if (rc)
		return rc;
	rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = hwpt_cmd_alloc(u->ctx, cmd->flags, cmd->dev_id, cmd->pt_id,
				    cmd->data_type, data, cmd->data_len,
				    cmd->fault_id, &cmd->out_hwpt_id);
	free(data);
	if (rc)
		return rc;
	rc = ucmd_respond(u, sizeof(*cmd));
	if (rc)
		obj_destroy(u->ctx, cmd->out_hwpt_id);
	return rc;
}

#define HW_INFO_MAX 256

/* Driver data up to the caller's length, the rest of its buffer zeroed. */
static int ucmd_hw_info(struct ucmd *u)
{
	struct iommu_hw_info *cmd = u->cmd;
	unsigned char data[HW_INFO_MAX] = { 0 };
	char *dst = (void *)(uintptr_t)cmd->data_uptr;
	uint32_t len = sizeof(data), type, copy;
	uint64_t caps;
	uint8_t pasid;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	rc = device_cmd_hw_info(u->ctx, cmd->dev_id, cmd->in_data_type, data,
				&len, &type, &caps, &pasid);
	if (rc)
		return rc;
	copy = len < cmd->data_len ? len : cmd->data_len;
	rc = uacc_copy(dst, data, copy);
	for (uint32_t off = copy; !rc && off < cmd->data_len;) {
		static const unsigned char zero[256];
		uint32_t n = cmd->data_len - off < 256 ? cmd->data_len - off : 256;

		rc = uacc_copy(dst + off, zero, n);
		off += n;
	}
	if (rc)
		return rc;
	cmd->data_len = len;
	cmd->out_data_type = type;
	cmd->out_capabilities = caps;
	cmd->out_max_pasid_log2 = pasid;
	return ucmd_respond(u, sizeof(*cmd));
}

static int ucmd_set_dirty(struct ucmd *u)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = u->cmd;

	if ((cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) || cmd->__reserved)
		return -EOPNOTSUPP;
	return hwpt_cmd_set_dirty(u->ctx, cmd->hwpt_id,
				  cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
}

/* Sets the bits of dirty runs in the caller's bitmap (bit 0 = iova). */
struct dirty_sink {
	uint64_t base, pgsize;
	uint64_t *ubits;
	int rc;
};

static void ucmd_dirty_run(void *opaque, uint64_t iova, uint64_t len)
{
	struct dirty_sink *s = opaque;
	uint64_t first = (iova - s->base) / s->pgsize;
	uint64_t last = (iova + len - 1 - s->base) / s->pgsize;

	for (uint64_t bit = first; bit <= last && !s->rc; bit++) {
		uint64_t w;

		void *uw = uacc_at(s->ubits, bit / 64 * sizeof(w));

		s->rc = uacc_copy(&w, uw, sizeof(w));
		if (s->rc)
			break;
		w |= 1ULL << (bit % 64);
		s->rc = uacc_copy(uw, &w, sizeof(w));
	}
}

static int ucmd_get_dirty(struct ucmd *u)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = u->cmd;
	struct dirty_sink s = { cmd->iova, cmd->page_size,
				(void *)(uintptr_t)cmd->data, 0 };
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	rc = hwpt_cmd_get_dirty(u->ctx, cmd->hwpt_id, cmd->flags, cmd->iova,
				cmd->length, cmd->page_size, ucmd_dirty_run, &s);
	return rc ? rc : s.rc;
}

/* entry_num is written back in every case, with the entries handled. */
static int ucmd_invalidate(struct ucmd *u)
{
	struct iommu_hwpt_invalidate *cmd = u->cmd;
	uint32_t num = cmd->entry_num;
	void *entries = NULL;
	int rc, rc2;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (num && (!cmd->data_uptr || !cmd->entry_len)) {
		rc = -EINVAL;
		num = 0;
		goto out;
	}
	rc = ucmd_copy_buffer((void *)(uintptr_t)cmd->data_uptr,
			      (uint64_t)num * cmd->entry_len, &entries);
	if (rc) {
		num = 0;
		goto out;
	}
	rc = hwpt_cmd_invalidate(u->ctx, cmd->hwpt_id, cmd->data_type, entries,
				 cmd->entry_len, &num);
	free(entries);
out:
	cmd->entry_num = num;
	rc2 = ucmd_respond(u, sizeof(*cmd));
	return rc2 ? rc2 : rc;
}

/*
 * IOMMU_VIOMMU_ALLOC.  No vIOMMU type uiommu implements takes data
 * (ARM_SMMUV3 has none; Linux passes data_uptr to the driver, which
 * ignores it), so data_len/data_uptr are not read.  __reserved must be 0
 * (R3; Linux does not check it).
 */
static int ucmd_viommu_alloc(struct ucmd *u)
{
	struct iommu_viommu_alloc *cmd = u->cmd;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = viommu_cmd_alloc(u->ctx, cmd->flags, cmd->type,
				      cmd->dev_id, cmd->hwpt_id,
				      &cmd->out_viommu_id);
	if (rc)
		return rc;
	rc = ucmd_respond(u, sizeof(*cmd));
	if (rc)
		obj_destroy(u->ctx, cmd->out_viommu_id);
	return rc;
}

static int ucmd_vdevice_alloc(struct ucmd *u)
{
	struct iommu_vdevice_alloc *cmd = u->cmd;
	int rc;

	rc = ucmd_probe_respond(u, sizeof(*cmd));
	if (!rc)
		rc = vdevice_cmd_alloc(u->ctx, cmd->viommu_id, cmd->dev_id,
				       cmd->virt_id, &cmd->out_vdevice_id);
	if (rc)
		return rc;
	rc = ucmd_respond(u, sizeof(*cmd));
	if (rc)
		obj_destroy(u->ctx, cmd->out_vdevice_id);
	return rc;
}

struct ucmd_op {
	unsigned long cmd;
	uint32_t size, min_size;
	int (*fn)(struct ucmd *u);
};

#define UCMD_OP(num, handler, type, last)                                    \
	[(num) - IOMMUFD_CMD_BASE] = {                                        \
		.cmd = _IO(IOMMUFD_TYPE, num),                                \
		.size = sizeof(struct type),                                  \
		.min_size = offsetofend(struct type, last),                   \
		.fn = handler,                                                \
	}

static const struct ucmd_op ucmd_ops[] = {
	UCMD_OP(IOMMUFD_CMD_DESTROY, ucmd_destroy, iommu_destroy, id),
	UCMD_OP(IOMMUFD_CMD_IOAS_ALLOC, ucmd_ioas_alloc, iommu_ioas_alloc,
		out_ioas_id),
	UCMD_OP(IOMMUFD_CMD_IOAS_ALLOW_IOVAS, ucmd_allow_iovas,
		iommu_ioas_allow_iovas, allowed_iovas),
	UCMD_OP(IOMMUFD_CMD_IOAS_COPY, ucmd_ioas_copy, iommu_ioas_copy,
		src_iova),
	UCMD_OP(IOMMUFD_CMD_IOAS_IOVA_RANGES, ucmd_iova_ranges,
		iommu_ioas_iova_ranges, out_iova_alignment),
	UCMD_OP(IOMMUFD_CMD_IOAS_MAP, ucmd_ioas_map, iommu_ioas_map, iova),
	UCMD_OP(IOMMUFD_CMD_IOAS_UNMAP, ucmd_ioas_unmap, iommu_ioas_unmap,
		length),
	UCMD_OP(IOMMUFD_CMD_OPTION, ucmd_option, iommu_option, val64),
	UCMD_OP(IOMMUFD_CMD_VFIO_IOAS, ucmd_vfio_ioas, iommu_vfio_ioas,
		__reserved),
	UCMD_OP(IOMMUFD_CMD_HWPT_ALLOC, ucmd_hwpt_alloc, iommu_hwpt_alloc,
		__reserved),
	UCMD_OP(IOMMUFD_CMD_GET_HW_INFO, ucmd_hw_info, iommu_hw_info,
		__reserved),
	UCMD_OP(IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING, ucmd_set_dirty,
		iommu_hwpt_set_dirty_tracking, __reserved),
	UCMD_OP(IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP, ucmd_get_dirty,
		iommu_hwpt_get_dirty_bitmap, data),
	UCMD_OP(IOMMUFD_CMD_HWPT_INVALIDATE, ucmd_invalidate,
		iommu_hwpt_invalidate, __reserved),
	UCMD_OP(IOMMUFD_CMD_IOAS_MAP_FILE, ucmd_ioas_map_file,
		iommu_ioas_map_file, iova),
	UCMD_OP(IOMMUFD_CMD_VIOMMU_ALLOC, ucmd_viommu_alloc,
		iommu_viommu_alloc, out_viommu_id),
	UCMD_OP(IOMMUFD_CMD_VDEVICE_ALLOC, ucmd_vdevice_alloc,
		iommu_vdevice_alloc, virt_id),
	UCMD_OP(IOMMUFD_CMD_IOAS_CHANGE_PROCESS, ucmd_change_process,
		iommu_ioas_change_process, __reserved),
};

static const struct ucmd_op *ucmd_find(unsigned long cmd)
{
	unsigned long nr = _IOC_NR(cmd);
	const struct ucmd_op *op;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= sizeof(ucmd_ops) / sizeof(ucmd_ops[0]))
		return NULL;
	op = &ucmd_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->fn || op->cmd != cmd)
		return NULL;
	return op;
}

/* copy_struct_from_user(): zero-extend short, reject non-zero long tail. */
static int ucmd_copy_in(void *dst, size_t size, const void *src,
			uint32_t user_size)
{
	int rc;

	memset(dst, 0, size);
	if (user_size > size) {
		rc = uacc_check_zero((const char *)src + size,
				     user_size - size);
		if (rc)
			return rc;
	}
	return uacc_copy(dst, src, user_size < size ? user_size : size);
}

UIOMMU_API int uiommu_ioctl(struct uiommu_ctx *ctx, unsigned long cmd,
			    void *arg)
{
	union ucmd_buffer buf;
	const struct ucmd_op *op;
	struct ucmd u = { ctx, arg, 0, &buf };
	int rc;

	if (!ctx)
		return -EBADF;
	op = ucmd_find(cmd);
	if (!op)
		return -ENOTTY;
	rc = uacc_copy(&u.user_size, arg, sizeof(u.user_size));
	if (rc)
		return rc;
	if (u.user_size < op->min_size)
		return -EINVAL;
	rc = ucmd_copy_in(&buf, op->size, arg, u.user_size);
	if (rc)
		return rc;
	ctx_lock(ctx);
	rc = op->fn(&u);
	ctx_unlock(ctx);
	return rc;
}
