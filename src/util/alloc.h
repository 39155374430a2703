/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers with fault injection.
 *
 * Every fallible allocation in the library goes through uz_*(), so tests can
 * make the n-th one fail (ut_fail_nth) and check that the failing call
 * changed nothing (house style: fail-nth sweeps).  The injection costs one
 * predictable branch on a global that is zero outside tests.
 */
#ifndef UIOMMU_UTIL_ALLOC_H
#define UIOMMU_UTIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Test hook: when non-zero, counts down at every fallible point; the point
 * that brings it to zero fails.  Only tests write it (single-threaded), so
 * outside tests every fallible point reads a constant zero.
 */
extern unsigned long ut_fail_nth;

static inline bool ut_should_fail(void)
{
	if (__builtin_expect(ut_fail_nth == 0, 1))
		return false;
	return --ut_fail_nth == 0;
}

static inline void *uz_calloc(size_t n, size_t size)
{
	if (ut_should_fail())
		return NULL;
	return calloc(n, size);
}

static inline void *uz_malloc(size_t size)
{
	if (ut_should_fail())
		return NULL;
	return malloc(size);
}

/* realloc that leaves @p untouched on failure, like realloc itself. */
static inline void *uz_realloc(void *p, size_t size)
{
	if (ut_should_fail())
		return NULL;
	return realloc(p, size);
}

#endif
