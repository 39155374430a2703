/* SPDX-License-Identifier: MIT */
/*
 * What every stand-alone test program shares: the one-line-per-check
 * printer and the verdict line the end-to-end tests read, errno names,
 * and the iommufd ioctls as a program issues them (0 or the errno, so a
 * check reads as an expectation).  Only the Linux uAPI and libc: these
 * programs are what an unmodified Linux user looks like.
 */
#ifndef UIOMMU_TESTS_PROG_H
#define UIOMMU_TESTS_PROG_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

static unsigned int n_passed, n_failed;
__attribute__((format(printf, 2, 3)))
static inline void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		n_passed++;
	else
		n_failed++;
}

/* The program's last line and exit status. */
static inline int verdict(const char *prog)
{
	if (n_failed) {
		printf("%s: %u of %u checks failed\n", prog, n_failed,
		       n_passed + n_failed);
		return 1;
	}
	printf("%s: %u checks passed\n", prog, n_passed);
	return 0;
}

static inline int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static inline const char *ename(int err)
{
	const char *name = strerrorname_np(err);

	if (!err)
		return "success";
	return name ? name : "an unnamed errno";
}

static inline int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int err = xioctl(fd, IOMMU_IOAS_ALLOC, &a);

	*id = a.out_ioas_id;
	return err;
}

static inline int obj_destroy(int fd, __u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(fd, IOMMU_DESTROY, &d);
}

#endif
