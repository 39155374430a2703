// SPDX-License-Identifier: MIT
/*
 * shim_prog: the preload shim's own promises, checked from inside a program
 * run under `uiommu run`.
 *
 * linux_uapi_prog shows the Linux uAPI works; this one checks what is
 * particular to the shim (docs/tool.md): descriptor flags, dup2/dup3 onto
 * a bound descriptor, pass-through of other descriptors, the fortified open
 * entry points, the fork() rules (EBADFD in the child, close and a fresh
 * open there) and use from several threads at once.
 *
 * Prints one line per check and "shim_prog: N checks passed" last; exits 0
 * only if all passed, 3 if /dev/iommu cannot be opened at all.
 */
#ifndef _FORTIFY_SOURCE
/* Make non-constant open flags go through __open_2 and friends. */
#define _FORTIFY_SOURCE 2
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#define N_THREADS 4
#define N_ITERS 300

static int cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC);
}

/* Opaque to the compiler, so fortified open() takes the __open_2 path. */
static volatile int rdwr = O_RDWR;

static void check_open(void)
{
	int fd, err;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	check(fd >= 0 && cloexec(fd), "open(O_CLOEXEC): fd %d has FD_CLOEXEC",
	      fd);
	close(fd);
	fd = open("/dev/iommu", rdwr);
	check(fd >= 0 && !cloexec(fd), "open() with run-time flags "
	      "(__open_2): fd %d, no FD_CLOEXEC", fd);
	close(fd);
	fd = openat(AT_FDCWD, "/dev/iommu", rdwr);
	check(fd >= 0, "openat() with run-time flags (__openat_2): fd %d", fd);
	close(fd);
	fd = open64("/dev/iommu", O_RDWR);
	check(fd >= 0, "open64(): fd %d", fd);
	close(fd);
	fd = open("/dev/iommu", O_RDWR | O_CREAT | O_EXCL, 0600);
	err = fd < 0 ? errno : 0;
	check(err == EEXIST, "open(O_CREAT | O_EXCL) of the existing node: %s "
	      "(want EEXIST)", ename(err));
}

/* Other descriptors are not ours: their ioctls and closes are the kernel's. */
static void check_passthrough(void)
{
	int p[2], avail = -1, err;
	__u32 id;

	if (pipe(p)) {
		check(0, "pipe(): %s", ename(errno));
		return;
	}
	if (write(p[1], "abc", 3) != 3)
		avail = -2;
	err = xioctl(p[0], FIONREAD, &avail);
	check(!err && avail == 3, "FIONREAD on a pipe goes to the kernel: %s, "
	      "%d bytes", ename(err), avail);
	err = ioas_alloc(p[0], &id);
	check(err == ENOTTY, "IOAS_ALLOC on a pipe: %s (want ENOTTY)",
	      ename(err));
	close(p[0]);
	close(p[1]);
}

/*
 * dup2/dup3 onto a bound descriptor rebinds it.  Context A gets IOASes
 * that context B does not have, so "IOAS x exists" tells which context a
 * descriptor reaches.  Fills @ids with four of A's ids that B lacks.
 */
static int dup2_setup(int a, int b, __u32 *ids)
{
	__u32 idb, id;
	int n = 0;

	if (ioas_alloc(b, &idb))
		return -1;
	for (int i = 0; i < 5 && n < 4; i++) {
		if (ioas_alloc(a, &id))
			return -1;
		if (id != idb)
			ids[n++] = id;
	}
	return n == 4 ? 0 : -1;
}

static void check_dup2(void)
{
	int a = open("/dev/iommu", O_RDWR), b = open("/dev/iommu", O_RDWR);
	int p[2] = { -1, -1 }, c, err;
	__u32 ids[4], id;

	if (dup2_setup(a, b, ids)) {
		check(0, "two contexts with IOASes for the dup2 checks");
		return;
	}
	err = dup2(a, b) == b ? 0 : errno;
	check(!err, "dup2(iommufd A, iommufd B): %s", ename(err));
	err = obj_destroy(b, ids[0]);
	check(!err, "B now reaches A's context (DESTROY of A's IOAS %u "
	      "through B): %s", ids[0], ename(err));
	close(a);
	err = obj_destroy(b, ids[1]);
	check(!err, "closing A keeps the context alive through B: %s",
	      ename(err));

	c = fcntl(b, F_DUPFD_CLOEXEC, 100);
	err = c >= 100 ? obj_destroy(c, ids[2]) : errno;
	check(!err && cloexec(c), "fcntl(F_DUPFD_CLOEXEC, 100): fd %d with "
	      "FD_CLOEXEC, same context: %s", c, ename(err));
	err = dup3(b, c, O_CLOEXEC) == c ? obj_destroy(c, ids[3]) : errno;
	check(!err, "dup3(B, C, O_CLOEXEC) onto a descriptor of the same "
	      "file: %s", ename(err));

	if (pipe(p) == 0 && dup2(p[0], c) == c) {
		err = ioas_alloc(c, &id);
		check(err == ENOTTY, "dup2(pipe, C) drops C's binding: "
		      "IOAS_ALLOC %s (want ENOTTY)", ename(err));
	} else {
		check(0, "pipe/dup2: %s", ename(errno));
	}
	err = ioas_alloc(b, &id);
	check(!err, "B still works after C was replaced: %s", ename(err));
	close(b);
	err = close(b) ? errno : 0;
	check(err == EBADF, "close() twice: %s (want EBADF)", ename(err));
	err = ioas_alloc(b, &id);
	check(err == EBADF, "ioctl on a closed descriptor: %s (want EBADF)",
	      ename(err));
	close(c);
	close(p[0]);
	close(p[1]);
}

/* The child's verdict travels back as its exit status: 0 or a check #. */
static int fork_child(int fd, int fd2, __u32 id)
{
	int err, nfd;
	__u32 nid;

	err = ioas_alloc(fd, &nid);
	printf("     child: IOAS_ALLOC on an inherited fd: %s\n", ename(err));
	if (err != EBADFD)
		return 1;
	if (obj_destroy(fd2, id) != EBADFD)
		return 2;
	if (close(fd))
		return 3;
	nfd = open("/dev/iommu", O_RDWR);
	if (nfd < 0 || ioas_alloc(nfd, &nid) || obj_destroy(nfd, nid))
		return 4;
	if (close(nfd))
		return 5;
	/* fd2 stays open: exit() must cope with an inherited binding. */
	return 0;
}

static void check_fork(void)
{
	int fd = open("/dev/iommu", O_RDWR), fd2, status = -1, err;
	pid_t pid;
	__u32 id;

	ioas_alloc(fd, &id);
	fd2 = dup(fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int rc = fork_child(fd, fd2, id);

		fflush(stdout);
		exit(rc);
	}
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork(): the child gets EBADFD on inherited fds, closes one and "
	      "opens /dev/iommu afresh (status %#x)", status);
	err = obj_destroy(fd, id);
	check(!err, "the parent's context is untouched by the child "
	      "(DESTROY IOAS %u): %s", id, ename(err));
	close(fd);
	err = ioas_alloc(fd2, &id);
	check(!err, "the parent's dup still works: %s", ename(err));
	close(fd2);
}

struct worker {
	pthread_t tid;
	int shared_fd;
	int errors;
	int first_err;
};

static void worker_err(struct worker *w, int err)
{
	if (err && !w->errors++)
		w->first_err = err;
}

/* One round on @fd: alloc, map, unmap, destroy. */
static int worker_round(int fd, void *buf)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf,
		.length = PAGE,
	};
	struct iommu_ioas_unmap u = { .size = sizeof(u), .length = UINT64_MAX };
	int err;

	err = ioas_alloc(fd, &m.ioas_id);
	if (err)
		return err;
	err = xioctl(fd, IOMMU_IOAS_MAP, &m);
	u.ioas_id = m.ioas_id;
	if (!err)
		err = xioctl(fd, IOMMU_IOAS_UNMAP, &u);
	if (!err && u.length != PAGE)
		err = EIO;
	obj_destroy(fd, m.ioas_id);
	return err;
}

/*
 * Opens, dups and closes churn the table while other threads use their
 * descriptors and a shared one.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *buf = aligned_alloc(PAGE, PAGE);
	int fd = -1;

	if (!buf) {
		worker_err(w, ENOMEM);
		return NULL;
	}
	for (int i = 0; i < N_ITERS; i++) {
		int d;

		if (i % 10 == 0) {
			if (fd >= 0)
				close(fd);
			fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				worker_err(w, errno);
				break;
			}
		}
		worker_err(w, worker_round(fd, buf));
		worker_err(w, worker_round(w->shared_fd, buf));
		d = dup(fd);
		worker_err(w, d < 0 ? errno : worker_round(d, buf));
		if (d >= 0)
			close(d);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static void check_threads(void)
{
	struct worker w[N_THREADS];
	int shared = open("/dev/iommu", O_RDWR), errors = 0, first = 0;

	for (int i = 0; i < N_THREADS; i++) {
		w[i] = (struct worker){ .shared_fd = shared };
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]))
			w[i].errors = 1;
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].errors && !errors)
			first = w[i].first_err;
		errors += w[i].errors;
	}
	check(!errors, "%d threads x %d rounds of open/dup/close and "
	      "map/unmap, own and shared fds: %d errors (first %s)",
	      N_THREADS, N_ITERS, errors, ename(first));
	close(shared);
}

int main(void)
{
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		printf("shim_prog: open(\"/dev/iommu\"): %s\n", ename(errno));
		return 3;
	}
	close(fd);
	check_open();
	check_passthrough();
	check_dup2();
	check_fork();
	check_threads();
	return verdict("shim_prog");
}
