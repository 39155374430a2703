/* SPDX-License-Identifier: MIT */
/*
 * Fault-catching copies of caller memory ("user" memory).
 *
 * uiommu runs in the caller's process, so a bad pointer handed to
 * uiommu_ioctl() would crash us where the kernel would return EFAULT.  A
 * system call per copy (process_vm_readv) would do, but syscalls cost about
 * a microsecond on the machines we target, more than a whole IOAS_MAP.  So
 * copies run with a per-thread recovery point: a SIGSEGV/SIGBUS raised
 * inside uacc_copy() jumps back and the copy returns -EFAULT.  Faults
 * anywhere else go to whatever handler was installed before ours.
 */
#ifndef UIOMMU_UTIL_UACCESS_H
#define UIOMMU_UTIL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* Copy @n bytes; 0 or -EFAULT (then @dst may be partly written). */
int uacc_copy(void *dst, const void *src, size_t n);

/* 0 if the @n bytes at @src are all zero, -E2BIG if not, -EFAULT. */
int uacc_check_zero(const void *src, size_t n);

/*
 * The caller's address @off bytes past @base.  Integer arithmetic: a
 * caller's pointer may be anything, NULL included, and pointer arithmetic
 * on such a value is undefined in C; only the copy decides whether the
 * address is good.
 */
static inline void *uacc_at(const void *base, uint64_t off)
{
	return (void *)((uintptr_t)base + (uintptr_t)off);
}

#endif
