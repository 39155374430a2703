// SPDX-License-Identifier: MIT
/*
 * linux_uapi_prog: an ordinary Linux iommufd user.
 *
 * Written only against the Linux uAPI (<linux/iommufd.h>, open, ioctl,
 * errno), nothing uiommu-specific, so that running it under `uiommu run`
 * shows an unmodified program working on uiommu, and running it without
 * the shim shows nothing is faked (it exits 3 where /dev/iommu is absent).
 *
 * Prints one line per check and "linux_uapi_prog: N checks passed" last.
 * Exit: 0 all passed, 1 a check failed, 3 /dev/iommu could not be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "prog.h"

#define PAGE 4096ul
#define FIXED_IOVA 0x100000ull

static int ioas_map(int fd, __u32 ioas, void *va, __u64 len, __u64 *iova,
		    __u32 flags)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = flags | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	int err = xioctl(fd, IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return err;
}

static int ioas_unmap(int fd, __u32 ioas, __u64 iova, __u64 *len)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas,
		.iova = iova,
		.length = *len,
	};
	int err = xioctl(fd, IOMMU_IOAS_UNMAP, &u);

	*len = u.length;
	return err;
}

static void check_iova_ranges(int fd, __u32 ioas)
{
	struct iommu_iova_range r[2] = { { 1, 0 }, { 1, 0 } };
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.ioas_id = ioas,
		.num_iovas = 2,
		.allowed_iovas = (uintptr_t)r,
	};
	int err = xioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q);

	check(!err && q.num_iovas == 1 && r[0].start == 0 &&
	      r[0].last == UINT64_MAX && q.out_iova_alignment == 1,
	      "IOVA_RANGES of a fresh IOAS: %s, %u range(s), first "
	      "[%#llx, %#llx], alignment %llu", ename(err), q.num_iovas,
	      (unsigned long long)r[0].start, (unsigned long long)r[0].last,
	      (unsigned long long)q.out_iova_alignment);

	q.num_iovas = 0;
	err = xioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q);
	check(err == EMSGSIZE && q.num_iovas == 1,
	      "IOVA_RANGES with num_iovas 0: %s (want EMSGSIZE), num_iovas "
	      "now %u (want 1)", ename(err), q.num_iovas);
}

/* Fixed and automatic maps; returns the automatic IOVA through @auto_iova. */
static void check_map(int fd, __u32 ioas, void *fixed_buf, void *auto_buf,
		      __u64 *auto_iova)
{
	__u64 iova = FIXED_IOVA;
	int err;

	err = ioas_map(fd, ioas, fixed_buf, 4 * PAGE, &iova,
		       IOMMU_IOAS_MAP_FIXED_IOVA);
	check(!err && iova == FIXED_IOVA,
	      "MAP 4 pages of an mmap'd buffer at fixed IOVA %#llx: %s",
	      FIXED_IOVA, ename(err));

	iova = 0;
	err = ioas_map(fd, ioas, auto_buf, 2 * PAGE, &iova, 0);
	check(!err && iova != 0 &&
	      (iova + 2 * PAGE <= FIXED_IOVA || iova >= FIXED_IOVA + 4 * PAGE),
	      "MAP 2 pages of a malloc'd buffer at an automatic IOVA: %s, "
	      "iova %#llx (want nonzero, clear of the fixed area)",
	      ename(err), (unsigned long long)iova);
	*auto_iova = iova;

	iova = FIXED_IOVA + PAGE;
	err = ioas_map(fd, ioas, auto_buf, PAGE, &iova,
		       IOMMU_IOAS_MAP_FIXED_IOVA);
	check(err == EEXIST, "MAP at a fixed IOVA inside an area: %s "
	      "(want EEXIST)", ename(err));
}

static void check_unmap(int fd, __u32 ioas, __u64 auto_iova)
{
	__u64 len = PAGE;
	int err;

	err = ioas_unmap(fd, ioas, FIXED_IOVA, &len);
	check(err == ENOENT, "UNMAP the first page of a 4-page area: %s "
	      "(want ENOENT)", ename(err));

	len = 4 * PAGE;
	err = ioas_unmap(fd, ioas, FIXED_IOVA, &len);
	check(!err && len == 4 * PAGE, "UNMAP the whole area: %s, %llu bytes "
	      "(want %lu)", ename(err), (unsigned long long)len, 4 * PAGE);

	len = UINT64_MAX;
	err = ioas_unmap(fd, ioas, 0, &len);
	check(!err && len == 2 * PAGE, "UNMAP all (iova 0, length UINT64_MAX): "
	      "%s, %llu bytes (want %lu, the automatic area at %#llx)",
	      ename(err), (unsigned long long)len, 2 * PAGE,
	      (unsigned long long)auto_iova);

	len = UINT64_MAX;
	err = ioas_unmap(fd, ioas, 0, &len);
	check(!err && len == 0, "UNMAP all of an empty IOAS: %s, %llu bytes",
	      ename(err), (unsigned long long)len);
}

/* COPY the automatic area of @src into a second IOAS, then unmap it there. */
static void check_copy(int fd, __u32 src, __u64 src_iova)
{
	struct iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.src_ioas_id = src,
		.length = 2 * PAGE,
		.dst_iova = 0x40000000ull,
		.src_iova = src_iova,
	};
	__u64 len = 2 * PAGE;
	__u32 dst;
	int err;

	err = ioas_alloc(fd, &dst);
	check(!err && dst && dst != src, "IOAS_ALLOC a second IOAS: %s, id %u",
	      ename(err), dst);
	c.dst_ioas_id = dst;
	err = xioctl(fd, IOMMU_IOAS_COPY, &c);
	check(!err, "IOAS_COPY 2 pages from IOAS %u to IOAS %u at %#llx: %s",
	      src, dst, (unsigned long long)c.dst_iova, ename(err));
	err = ioas_unmap(fd, dst, c.dst_iova, &len);
	check(!err && len == 2 * PAGE, "UNMAP the copy in IOAS %u: %s, %llu "
	      "bytes", dst, ename(err), (unsigned long long)len);
	err = obj_destroy(fd, dst);
	check(!err, "DESTROY IOAS %u: %s", dst, ename(err));
}

static void check_bad_calls(int fd, __u32 ioas)
{
	struct iommu_ioas_alloc a = { .size = 4 };
	struct {
		struct iommu_ioas_alloc a;
		__u32 extra;
	} big = { .a.size = sizeof(big), .extra = 1 };
	void *none;
	int err;

	err = obj_destroy(fd, 0xdeadbeef);
	check(err == ENOENT, "DESTROY a nonexistent id: %s (want ENOENT)",
	      ename(err));

	err = xioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), &a);
	check(err == ENOTTY, "an unknown ioctl number: %s (want ENOTTY)",
	      ename(err));

	err = xioctl(fd, IOMMU_IOAS_ALLOC, &a);
	check(err == EINVAL, "IOAS_ALLOC with size 4: %s (want EINVAL)",
	      ename(err));

	err = xioctl(fd, IOMMU_IOAS_ALLOC, &big);
	check(err == E2BIG, "IOAS_ALLOC with a nonzero byte past the struct: "
	      "%s (want E2BIG)", ename(err));

	big.extra = 0;
	err = xioctl(fd, IOMMU_IOAS_ALLOC, &big);
	check(!err && big.a.out_ioas_id, "IOAS_ALLOC with a larger, "
	      "zero-padded struct: %s", ename(err));
	if (!err)
		obj_destroy(fd, big.a.out_ioas_id);

	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	err = none == MAP_FAILED ? errno : xioctl(fd, IOMMU_IOAS_ALLOC, none);
	check(err == EFAULT, "IOAS_ALLOC with an inaccessible argument: %s "
	      "(want EFAULT)", ename(err));
	if (none != MAP_FAILED)
		munmap(none, PAGE);
}

/* dup(): both descriptors are the same iommufd; closing one keeps it. */
static int check_dup(int fd)
{
	struct iommu_iova_range r;
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&r,
	};
	int fd2 = dup(fd), err;
	__u32 id;

	check(fd2 >= 0, "dup() of the iommufd: %d", fd2);
	if (fd2 < 0)
		return -1;
	err = ioas_alloc(fd, &id);
	q.ioas_id = id;
	if (!err)
		err = xioctl(fd2, IOMMU_IOAS_IOVA_RANGES, &q);
	check(!err, "IOAS %u allocated through fd %d is seen through its dup "
	      "%d: %s", id, fd, fd2, ename(err));
	err = close(fd) ? errno : 0;
	check(!err, "close() the original descriptor: %s", ename(err));
	err = xioctl(fd2, IOMMU_IOAS_IOVA_RANGES, &q);
	if (!err)
		err = obj_destroy(fd2, id);
	check(!err, "the dup still works after the close (IOVA_RANGES and "
	      "DESTROY of IOAS %u): %s", id, ename(err));
	return fd2;
}

/*
 * The child of fork() is another process: whatever its ioctl does, it must
 * not disturb the parent, whose descriptor keeps working.
 */
static void check_fork(int fd)
{
	int status = -1, err;
	pid_t pid;
	__u32 id;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		err = ioas_alloc(fd, &id);
		printf("     child: IOAS_ALLOC on the inherited fd: %s\n",
		       ename(err));
		fflush(stdout);
		_exit(err ? 0 : 1);
	}
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork(): an ioctl on the inherited fd fails in the child, which "
	      "exits 0 (status %#x)", status);
	err = ioas_alloc(fd, &id);
	if (!err)
		err = obj_destroy(fd, id);
	check(!err, "the parent's fd works after the child: %s", ename(err));
}

int main(void)
{
	size_t auto_len = 2 * PAGE;
	void *fixed_buf, *auto_buf;
	__u64 auto_iova = 0;
	__u32 ioas;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		printf("linux_uapi_prog: open(\"/dev/iommu\"): %s (%s)\n",
		       strerror(errno), ename(errno));
		return 3;
	}
	fixed_buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	auto_buf = aligned_alloc(PAGE, auto_len);
	if (fixed_buf == MAP_FAILED || !auto_buf) {
		printf("linux_uapi_prog: out of memory\n");
		return 1;
	}
	memset(fixed_buf, 0x5a, 4 * PAGE);
	memset(auto_buf, 0xa5, auto_len);

	err = ioas_alloc(fd, &ioas);
	check(!err && ioas != 0, "IOAS_ALLOC: %s, id %u", ename(err), ioas);
	check_iova_ranges(fd, ioas);
	check_map(fd, ioas, fixed_buf, auto_buf, &auto_iova);
	check_copy(fd, ioas, auto_iova);
	check_unmap(fd, ioas, auto_iova);
	check_bad_calls(fd, ioas);
	err = obj_destroy(fd, ioas);
	check(!err, "DESTROY IOAS %u: %s", ioas, ename(err));

	fd = check_dup(fd);
	if (fd >= 0) {
		check_fork(fd);
		err = close(fd) ? errno : 0;
		check(!err, "close() the last descriptor: %s", ename(err));
	}

	free(auto_buf);
	munmap(fixed_buf, 4 * PAGE);
	return verdict("linux_uapi_prog");
}
