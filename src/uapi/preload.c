// SPDX-License-Identifier: MIT
/*
 * libuiommu-preload.so: the LD_PRELOAD shim that lets an unmodified program
 * use /dev/iommu on uiommu, inside its own process.
 *
 * This file owns the interposed libc entry points (open family, ioctl,
 * close, dup family, fcntl, pread/pwrite) and the table that says which
 * file descriptors are uiommu files.  Opening "/dev/iommu" returns a real
 * descriptor (an anonymous memfd, so the number is reserved by the kernel
 * and every fd operation we do not interpose still behaves sanely) bound to
 * a new struct uiommu_ctx.  An ioctl on a bound descriptor goes to
 * uiommu_ioctl(); everything else goes to the real libc function found with
 * dlsym(RTLD_NEXT).
 *
 * VFIO: opening "/dev/vfio/devices/vfioN" gives a descriptor for a VFIO
 * device cdev file (src/uapi/vfio.c) of device N of the process's platform
 * instance.  That instance is created on the first such open, from the
 * platform file named by $UIOMMU_PLATFORM (what `uiommu run --platform`
 * sets) or else the default platform, and lives until the process exits.
 * Its ioctls go to uiommu_vfio_ioctl(), whose BIND resolves the iommufd
 * descriptor through our table; pread/pwrite on it are register accesses.
 *
 * Model (the kernel's): a descriptor refers to an open file (struct ufile);
 * dup() makes a second descriptor for the same open file; the file is
 * released when its last descriptor is closed and no call is still using
 * it.  Files carry an ops table: the iommufd kind and the VFIO device kind.
 *
 * fork(): the child gets a copy of our memory, so it cannot share a context
 * with the parent.  Files inherited by a child are marked forked: their
 * ioctls fail with EBADFD, close() just drops them, and the child may open
 * /dev/iommu afresh.
 *
 * Costs: an ioctl on a descriptor that is not ours is two atomic loads in
 * front of the real ioctl; one on ours is a mutex round trip and reference
 * count, never a system call.
 */
#undef _FORTIFY_SOURCE
#include <uiommu/platform.h>
#include <uiommu/uiommu.h>

#include "uapi/vfio.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

/* The fortified entry points glibc's headers call; not declared unfortified. */
SHIM_EXPORT int __open_2(const char *path, int flags);
SHIM_EXPORT int __open64_2(const char *path, int flags);
SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags);
SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags);
SHIM_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off,
				size_t buflen);
SHIM_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off,
				  size_t buflen);

/* ---- the real libc functions ------------------------------------------ */

struct real_fns {
	int (*open)(const char *path, int flags, ...);
	int (*open64)(const char *path, int flags, ...);
	int (*openat)(int dirfd, const char *path, int flags, ...);
	int (*openat64)(int dirfd, const char *path, int flags, ...);
	int (*open_2)(const char *path, int flags);
	int (*open64_2)(const char *path, int flags);
	int (*openat_2)(int dirfd, const char *path, int flags);
	int (*openat64_2)(int dirfd, const char *path, int flags);
	int (*ioctl)(int fd, unsigned long req, ...);
	int (*close)(int fd);
	int (*dup)(int fd);
	int (*dup2)(int fd, int newfd);
	int (*dup3)(int fd, int newfd, int flags);
	int (*fcntl)(int fd, int cmd, ...);
	int (*fcntl64)(int fd, int cmd, ...);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pread64)(int fd, void *buf, size_t n, off64_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	ssize_t (*pwrite64)(int fd, const void *buf, size_t n, off64_t off);
	ssize_t (*pread_chk)(int fd, void *buf, size_t n, off_t off,
			     size_t buflen);
	ssize_t (*pread64_chk)(int fd, void *buf, size_t n, off64_t off,
			       size_t buflen);
};

static struct real_fns real_fn;
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;

static void *real_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void shim_atfork_prepare(void);
static void shim_atfork_parent(void);
static void shim_atfork_child(void);

static void shim_init(void)
{
	real_fn.open = real_sym("open");
	real_fn.open64 = real_sym("open64");
	real_fn.openat = real_sym("openat");
	real_fn.openat64 = real_sym("openat64");
	real_fn.open_2 = real_sym("__open_2");
	real_fn.open64_2 = real_sym("__open64_2");
	real_fn.openat_2 = real_sym("__openat_2");
	real_fn.openat64_2 = real_sym("__openat64_2");
	real_fn.ioctl = real_sym("ioctl");
	real_fn.close = real_sym("close");
	real_fn.dup = real_sym("dup");
	real_fn.dup2 = real_sym("dup2");
	real_fn.dup3 = real_sym("dup3");
	real_fn.fcntl = real_sym("fcntl");
	real_fn.fcntl64 = real_sym("fcntl64");
	real_fn.pread = real_sym("pread");
	real_fn.pread64 = real_sym("pread64");
	real_fn.pwrite = real_sym("pwrite");
	real_fn.pwrite64 = real_sym("pwrite64");
	real_fn.pread_chk = real_sym("__pread_chk");
	real_fn.pread64_chk = real_sym("__pread64_chk");
	/* An older libc may lack the 64-bit aliases; the base call does it. */
	if (!real_fn.open64)
		real_fn.open64 = real_fn.open;
	if (!real_fn.openat64)
		real_fn.openat64 = real_fn.openat;
	if (!real_fn.fcntl64)
		real_fn.fcntl64 = real_fn.fcntl;
	if (!real_fn.pread64)
		real_fn.pread64 = real_fn.pread;
	if (!real_fn.pwrite64)
		real_fn.pwrite64 = real_fn.pwrite;
	pthread_atfork(shim_atfork_prepare, shim_atfork_parent,
		       shim_atfork_child);
}

/* pthread_once is one load on the fast path once initialised. */
static inline const struct real_fns *real(void)
{
	pthread_once(&shim_once, shim_init);
	return &real_fn;
}

/*
 * Resolve at load time too, so the fork handlers are registered before the
 * program can fork, whether or not it has called us yet.
 */
__attribute__((constructor)) static void shim_ctor(void)
{
	real();
}

/* ---- open files -------------------------------------------------------- */

struct ufile;

/* What a kind of uiommu file does. */
struct ufile_ops {
	const char *name;                          /* also the memfd's name */
	/* At open, @arg from the path (the device index): 0 or -errno. */
	int (*init)(struct ufile *f, uint32_t arg);
	int (*ioctl)(struct ufile *f, unsigned long cmd, void *arg);
	/* Positional read/write: the count or -errno; NULL: -EINVAL, as
	 * for a kernel file without read/write. */
	ssize_t (*pread)(struct ufile *f, void *buf, size_t n, uint64_t off);
	ssize_t (*pwrite)(struct ufile *f, const void *buf, size_t n,
			  uint64_t off);
	void (*release)(struct ufile *f);          /* last reference gone */
};

struct ufile {
	const struct ufile_ops *ops;
	void *priv;            /* the kind's object: a uiommu_ctx for iommufd */
	atomic_uint refs;      /* one per descriptor + one per call in flight */
	bool forked;           /* inherited by a forked child: unusable */
	struct ufile *next;    /* on shim_orphans once dropped in a child */
};

/*
 * fd -> file, two levels so that lookups need no lock: the directory and
 * the chunks are only ever added to (under shim_lock) and read with atomic
 * loads.  2^21 descriptors is twice Linux's default nr_open; a uiommu file
 * cannot be given a larger number (EMFILE).
 */
#define FD_CHUNK_SHIFT 10
#define FD_CHUNK (1u << FD_CHUNK_SHIFT)
#define FD_DIR_SIZE 2048u
#define FD_MAX ((int)(FD_CHUNK * FD_DIR_SIZE))

struct fd_chunk {
	struct ufile *_Atomic slot[FD_CHUNK];
};

static struct fd_chunk *_Atomic fd_dir[FD_DIR_SIZE];
static pthread_mutex_t shim_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Files a forked child dropped: their contexts are copies of the parent's
 * and must not be destroyed (the copy's locks may be held by a thread that
 * does not exist here), so they are kept reachable, not freed.
 */
static struct ufile *shim_orphans;

static struct ufile *_Atomic *fd_slot(int fd)
{
	struct fd_chunk *c;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	c = atomic_load_explicit(&fd_dir[fd >> FD_CHUNK_SHIFT],
				 memory_order_acquire);
	return c ? &c->slot[fd & (FD_CHUNK - 1)] : NULL;
}

/* Lock-free: is @fd possibly ours?  Exact only under shim_lock. */
static inline struct ufile *fd_peek(int fd)
{
	struct ufile *_Atomic *s = fd_slot(fd);

	return s ? atomic_load_explicit(s, memory_order_relaxed) : NULL;
}

/* With shim_lock held, @fd < FD_MAX: allocate @fd's chunk if needed. */
static struct ufile *_Atomic *fd_slot_alloc(int fd)
{
	struct fd_chunk *c;

	c = atomic_load_explicit(&fd_dir[fd >> FD_CHUNK_SHIFT],
				 memory_order_relaxed);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		atomic_store_explicit(&fd_dir[fd >> FD_CHUNK_SHIFT], c,
				      memory_order_release);
	}
	return &c->slot[fd & (FD_CHUNK - 1)];
}

static void ufile_free(struct ufile *f)
{
	f->ops->release(f);
	free(f);
}

/*
 * Drop a reference; the last one releases the file.  No lock needed: once
 * no descriptor refers to the file nobody can find it to take another.
 */
static void ufile_put(struct ufile *f)
{
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (f->forked) {
		pthread_mutex_lock(&shim_lock);
		f->next = shim_orphans;
		shim_orphans = f;
		pthread_mutex_unlock(&shim_lock);
		return;
	}
	ufile_free(f);
}

/*
 * With shim_lock held: make @fd refer to @f (taking a reference), dropping
 * whatever @fd referred to before: dup2's target, or a stale binding of a
 * descriptor closed behind our back (close_range(), a raw syscall) whose
 * number the kernel has now reused.  *@dropped gets that file or NULL, for
 * the caller to put after unlocking.  0, -EMFILE or -ENOMEM.
 */
static int fd_bind_locked(int fd, struct ufile *f, struct ufile **dropped)
{
	struct ufile *_Atomic *s;

	if (fd < 0 || fd >= FD_MAX)
		return -EMFILE;
	s = fd_slot_alloc(fd);
	if (!s)
		return -ENOMEM;
	*dropped = atomic_load_explicit(s, memory_order_relaxed);
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	atomic_store_explicit(s, f, memory_order_release);
	return 0;
}

/* With shim_lock held: forget @fd; returns its file (to put) or NULL. */
static struct ufile *fd_unbind_locked(int fd)
{
	struct ufile *_Atomic *s = fd_slot(fd);

	if (!s)
		return NULL;
	return atomic_exchange_explicit(s, NULL, memory_order_relaxed);
}

/* Take a reference for a call on @fd's file; NULL if @fd is not ours. */
static struct ufile *fd_get(int fd)
{
	struct ufile *f;

	pthread_mutex_lock(&shim_lock);
	f = fd_peek(fd);
	if (f)
		atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&shim_lock);
	return f;
}

/* ---- fork -------------------------------------------------------------- */

/* Hold the table still across fork() so the child's copy is consistent. */
static void shim_atfork_prepare(void)
{
	pthread_mutex_lock(&shim_lock);
}

static void shim_atfork_parent(void)
{
	pthread_mutex_unlock(&shim_lock);
}

/* Call @fn on the file of every bound descriptor (fork only: no lock). */
static void fd_for_each(void (*fn)(struct ufile *f))
{
	for (unsigned int d = 0; d < FD_DIR_SIZE; d++) {
		struct fd_chunk *c = atomic_load_explicit(&fd_dir[d],
							  memory_order_relaxed);

		if (!c)
			continue;
		for (unsigned int i = 0; i < FD_CHUNK; i++) {
			struct ufile *f = atomic_load_explicit(
				&c->slot[i], memory_order_relaxed);

			if (f)
				fn(f);
		}
	}
}

static void ufile_mark_forked(struct ufile *f)
{
	f->forked = true;
	atomic_store_explicit(&f->refs, 0, memory_order_relaxed);
}

static void ufile_count_fd(struct ufile *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

/*
 * Only the forking thread exists in the child.  Mark every inherited file,
 * and recount its references from the descriptors alone: calls that were
 * in flight in other threads of the parent will never return here.
 */
static void shim_atfork_child(void)
{
	fd_for_each(ufile_mark_forked);
	fd_for_each(ufile_count_fd);
	pthread_mutex_unlock(&shim_lock);
}

/* ---- the iommufd kind -------------------------------------------------- */

static int iommufd_init(struct ufile *f, uint32_t arg)
{
	struct uiommu_ctx *ctx;
	int rc = uiommu_ctx_create(&ctx);

	if (rc)
		return rc;
	f->priv = ctx;
	return 0;
}

static int iommufd_ioctl(struct ufile *f, unsigned long cmd, void *arg)
{
	return uiommu_ioctl(f->priv, cmd, arg);
}

static void iommufd_release(struct ufile *f)
{
	uiommu_ctx_destroy(f->priv);
}

static const struct ufile_ops iommufd_ops = {
	.name = "uiommu-iommufd",
	.init = iommufd_init,
	.ioctl = iommufd_ioctl,
	.release = iommufd_release,
};

/* ---- the VFIO device kind ---------------------------------------------- */

/*
 * The process's platform instance and its VFIO devices, made on the first
 * open of a device node and kept for the life of the process (devices are
 * hardware: they do not go away when their files close).
 */
static struct {
	pthread_mutex_t lock;
	struct uiommu_platform *plat;
	struct vfio_host *host;
} shim_vfio = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The platform description: $UIOMMU_PLATFORM's file, or the default. */
static int vfio_platform_desc(struct uiommu_platform_desc *desc)
{
	const char *path = getenv("UIOMMU_PLATFORM");
	char err[256];
	int rc;

	if (!path || !*path) {
		uiommu_platform_default(desc);
		return 0;
	}
	rc = uiommu_platform_load(path, desc, err, sizeof(err));
	/* A broken platform file is the user's to fix: say why once. */
	if (rc)
		fprintf(stderr, "uiommu: UIOMMU_PLATFORM=%s: %s\n", path,
			rc == -EINVAL ? err : strerror(-rc));
	return rc;
}

static int vfio_host_get_locked(struct vfio_host **out)
{
	struct uiommu_platform_desc *desc;
	int rc;

	if (shim_vfio.host) {
		*out = shim_vfio.host;
		return 0;
	}
	/* The description is large (64 devices): not on the stack. */
	desc = calloc(1, sizeof(*desc));
	if (!desc)
		return -ENOMEM;
	rc = vfio_platform_desc(desc);
	if (!rc)
		rc = uiommu_platform_create(desc, &shim_vfio.plat);
	free(desc);
	if (rc)
		return rc;
	rc = uiommu_vfio_host_create(shim_vfio.plat, &shim_vfio.host);
	if (rc) {
		uiommu_platform_destroy(shim_vfio.plat);
		shim_vfio.plat = NULL;
		return rc;
	}
	*out = shim_vfio.host;
	return 0;
}

static int vfio_init(struct ufile *f, uint32_t index)
{
	struct vfio_host *h;
	struct vfio_file *vf;
	int rc;

	pthread_mutex_lock(&shim_vfio.lock);
	rc = vfio_host_get_locked(&h);
	pthread_mutex_unlock(&shim_vfio.lock);
	if (!rc)
		rc = uiommu_vfio_open(h, index, &vf);
	if (rc)
		return rc;
	f->priv = vf;
	return 0;
}

/*
 * BIND's iommufd: the context of one of our iommufd files, held by a file
 * reference until unbind (a bound device keeps its iommufd alive, as in
 * Linux).  A number that is not ours is either not open (EBADF, the one
 * case that costs a system call) or some other file (EBADFD).
 */
static int shim_iommufd_get(void *opaque, int fd, struct uiommu_ctx **ctx,
			    void **ref)
{
	struct ufile *f = fd_get(fd);

	if (!f)
		return real()->fcntl(fd, F_GETFD) < 0 ? -EBADF : -EBADFD;
	if (f->ops != &iommufd_ops || f->forked) {
		ufile_put(f);
		return -EBADFD;
	}
	*ctx = f->priv;
	*ref = f;
	return 0;
}

static void shim_iommufd_put(void *opaque, void *ref)
{
	ufile_put(ref);
}

static const struct vfio_resolver shim_resolver = {
	.get = shim_iommufd_get,
	.put = shim_iommufd_put,
};

static int vfio_ioctl(struct ufile *f, unsigned long cmd, void *arg)
{
	return uiommu_vfio_ioctl(f->priv, cmd, arg, &shim_resolver);
}

static ssize_t vfio_pread(struct ufile *f, void *buf, size_t n, uint64_t off)
{
	return uiommu_vfio_read(f->priv, buf, n, off);
}

static ssize_t vfio_pwrite(struct ufile *f, const void *buf, size_t n,
			   uint64_t off)
{
	return uiommu_vfio_write(f->priv, buf, n, off);
}

static void vfio_release(struct ufile *f)
{
	uiommu_vfio_release(f->priv);
}

static const struct ufile_ops vfio_ops = {
	.name = "uiommu-vfio",
	.init = vfio_init,
	.ioctl = vfio_ioctl,
	.pread = vfio_pread,
	.pwrite = vfio_pwrite,
	.release = vfio_release,
};

/* ---- open -------------------------------------------------------------- */

#define VFIO_DEV_PREFIX "/dev/vfio/devices/vfio"

/* "N" of a device node name: decimal, no sign, no leading zero. */
static bool parse_index(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/*
 * Which device node @path names, or NULL (not ours, real open it); *@arg
 * gets the VFIO device index.  Any "vfioN" is ours, existing or not, so
 * that an unknown N fails ENOENT here rather than on the host's /dev.
 */
static const struct ufile_ops *shim_match(const char *path, uint32_t *arg)
{
	*arg = 0;
	/* NULL goes to the real open, which fails it with EFAULT. */
	if (!path)
		return NULL;
	if (!strcmp(path, "/dev/iommu"))
		return &iommufd_ops;
	if (!strncmp(path, VFIO_DEV_PREFIX, sizeof(VFIO_DEV_PREFIX) - 1) &&
	    parse_index(path + sizeof(VFIO_DEV_PREFIX) - 1, arg))
		return &vfio_ops;
	return NULL;
}

/*
 * A descriptor the kernel just handed out cannot be one of ours; if the
 * table still says it is, it was closed behind our back (close_range(),
 * closefrom(), a raw syscall) and the stale binding must go before it
 * misroutes the new file's ioctls.  One atomic load when all is well.
 */
static int fd_fresh(int fd)
{
	struct ufile *f;
	int err;

	if (__builtin_expect(!fd_peek(fd), 1))
		return fd;
	err = errno;
	pthread_mutex_lock(&shim_lock);
	f = fd_unbind_locked(fd);
	pthread_mutex_unlock(&shim_lock);
	if (f)
		ufile_put(f);
	errno = err;
	return fd;
}

/*
 * Refuse what the kernel refuses for an existing character device, then
 * make the file and a descriptor for it.  Sets errno and returns -1 on
 * failure, like open().
 */
static int shim_open(const struct ufile_ops *ops, uint32_t arg, int flags)
{
	struct ufile *f, *dropped;
	int fd, rc;

	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	f->ops = ops;
	rc = ops->init(f, arg);
	if (rc) {
		free(f);
		errno = -rc;
		return -1;
	}
	fd = memfd_create(ops->name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	pthread_mutex_lock(&shim_lock);
	rc = fd_bind_locked(fd, f, &dropped);
	pthread_mutex_unlock(&shim_lock);
	if (rc) {
		real()->close(fd);
		goto fail;
	}
	if (dropped)
		ufile_put(dropped);
	return fd;
fail:
	ufile_free(f);
	errno = -rc;
	return -1;
}

/* The mode argument exists only with O_CREAT or O_TMPFILE. */
static inline bool open_has_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define OPEN_MODE(flags, mode)                                   \
	do {                                                     \
		if (open_has_mode(flags)) {                      \
			va_list ap_;                             \
			va_start(ap_, flags);                    \
			mode = va_arg(ap_, int);                 \
			va_end(ap_);                             \
		}                                                \
	} while (0)

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);
	mode_t mode = 0;

	if (ops)
		return shim_open(ops, arg, flags);
	OPEN_MODE(flags, mode);
	return fd_fresh(real()->open(path, flags, mode));
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);
	mode_t mode = 0;

	if (ops)
		return shim_open(ops, arg, flags);
	OPEN_MODE(flags, mode);
	return fd_fresh(real()->open64(path, flags, mode));
}

/* The path we match is absolute, so @dirfd plays no part in it. */
SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);
	mode_t mode = 0;

	if (ops)
		return shim_open(ops, arg, flags);
	OPEN_MODE(flags, mode);
	return fd_fresh(real()->openat(dirfd, path, flags, mode));
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);
	mode_t mode = 0;

	if (ops)
		return shim_open(ops, arg, flags);
	OPEN_MODE(flags, mode);
	return fd_fresh(real()->openat64(dirfd, path, flags, mode));
}

/*
 * The _FORTIFY_SOURCE variants (two-argument opens the compiler proved to
 * need no mode).  If this libc has none, the plain call does the same job.
 */
SHIM_EXPORT int __open_2(const char *path, int flags)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);

	if (ops)
		return shim_open(ops, arg, flags);
	if (real()->open_2)
		return fd_fresh(real()->open_2(path, flags));
	return fd_fresh(real()->open(path, flags));
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);

	if (ops)
		return shim_open(ops, arg, flags);
	if (real()->open64_2)
		return fd_fresh(real()->open64_2(path, flags));
	return fd_fresh(real()->open64(path, flags));
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);

	if (ops)
		return shim_open(ops, arg, flags);
	if (real()->openat_2)
		return fd_fresh(real()->openat_2(dirfd, path, flags));
	return fd_fresh(real()->openat(dirfd, path, flags));
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	uint32_t arg;
	const struct ufile_ops *ops = shim_match(path, &arg);

	if (ops)
		return shim_open(ops, arg, flags);
	if (real()->openat64_2)
		return fd_fresh(real()->openat64_2(dirfd, path, flags));
	return fd_fresh(real()->openat64(dirfd, path, flags));
}

/* ---- ioctl ------------------------------------------------------------- */

/* Returns like the kernel's ioctl: -1 with errno set, or the result. */
static int ufile_ioctl(struct ufile *f, unsigned long req, void *arg)
{
	int rc;

	if (f->forked) {
		errno = EBADFD;
		return -1;
	}
	rc = f->ops->ioctl(f, req, arg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

/*
 * The third argument is read as a pointer whatever the caller passed: on
 * Linux ABIs an int vararg occupies a full register/slot, and the kernel
 * truncates it back, so forwarding it unchanged is what libc does too.
 */
SHIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct ufile *f;
	va_list ap;
	void *arg;
	int rc, err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (__builtin_expect(!fd_peek(fd), 1))
		return real()->ioctl(fd, req, arg);
	f = fd_get(fd);
	if (!f)
		return real()->ioctl(fd, req, arg);
	rc = ufile_ioctl(f, req, arg);
	/* A close() racing with us may leave the release to this put. */
	err = errno;
	ufile_put(f);
	errno = err;
	return rc;
}

/* ---- pread / pwrite ------------------------------------------------------ */

/* Returns like the kernel's pread/pwrite: -1 with errno set, or the count. */
static ssize_t ufile_rw(struct ufile *f, void *buf, size_t n, int64_t off,
			bool write)
{
	ssize_t rc;

	if (f->forked)
		rc = -EBADFD;
	else if (off < 0)
		rc = -EINVAL;
	else if (!write)
		rc = f->ops->pread ? f->ops->pread(f, buf, n, (uint64_t)off) :
				     -EINVAL;
	else
		rc = f->ops->pwrite ? f->ops->pwrite(f, buf, n, (uint64_t)off) :
				      -EINVAL;
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* A positional access on @fd if it is ours: *@done says whether it was. */
static ssize_t shim_rw(int fd, void *buf, size_t n, int64_t off, bool write,
		       bool *done)
{
	struct ufile *f;
	ssize_t rc;
	int err;

	*done = false;
	if (__builtin_expect(!fd_peek(fd), 1))
		return 0;
	f = fd_get(fd);
	if (!f)
		return 0;
	*done = true;
	rc = ufile_rw(f, buf, n, off, write);
	err = errno;
	ufile_put(f);
	errno = err;
	return rc;
}

SHIM_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	bool done;
	ssize_t rc = shim_rw(fd, buf, n, off, false, &done);

	return done ? rc : real()->pread(fd, buf, n, off);
}

SHIM_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	bool done;
	ssize_t rc = shim_rw(fd, buf, n, off, false, &done);

	return done ? rc : real()->pread64(fd, buf, n, off);
}

/* The source is not written to: the cast only shares shim_rw's path. */
SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	bool done;
	ssize_t rc = shim_rw(fd, (void *)buf, n, off, true, &done);

	return done ? rc : real()->pwrite(fd, buf, n, off);
}

SHIM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	bool done;
	ssize_t rc = shim_rw(fd, (void *)buf, n, off, true, &done);

	return done ? rc : real()->pwrite64(fd, buf, n, off);
}

/*
 * The _FORTIFY_SOURCE preads: the buffer is @buflen bytes.  Overflowing it
 * is what the real check aborts on; on our files it would be our bug to
 * let it through.
 */
SHIM_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off,
				size_t buflen)
{
	bool done;
	ssize_t rc;

	if (n > buflen)
		abort();
	rc = shim_rw(fd, buf, n, off, false, &done);
	if (done)
		return rc;
	if (real()->pread_chk)
		return real()->pread_chk(fd, buf, n, off, buflen);
	return real()->pread(fd, buf, n, off);
}

SHIM_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off,
				  size_t buflen)
{
	bool done;
	ssize_t rc;

	if (n > buflen)
		abort();
	rc = shim_rw(fd, buf, n, off, false, &done);
	if (done)
		return rc;
	if (real()->pread64_chk)
		return real()->pread64_chk(fd, buf, n, off, buflen);
	return real()->pread64(fd, buf, n, off);
}

/* ---- close and the dup family ------------------------------------------ */

/*
 * The real close runs under shim_lock for our descriptors: the kernel may
 * hand the number out again the moment it is closed, and another thread's
 * open("/dev/iommu") must not bind it before we have unbound it.  Other
 * descriptors are closed without the lock, as close() may block.
 */
SHIM_EXPORT int close(int fd)
{
	struct ufile *f = NULL;
	int rc, err;

	if (__builtin_expect(!fd_peek(fd), 1))
		return real()->close(fd);
	pthread_mutex_lock(&shim_lock);
	rc = real()->close(fd);
	err = errno;
	/*
	 * Unbind whatever close said: Linux releases the descriptor even when
	 * close reports an error, and EBADF means it was already closed
	 * behind our back.
	 */
	f = fd_unbind_locked(fd);
	pthread_mutex_unlock(&shim_lock);
	if (f)
		ufile_put(f);
	errno = err;
	return rc;
}

enum dup_kind { DUP_ANY, DUP_ANY_CLOEXEC, DUP_TO, DUP_TO_FLAGS, DUP_FROM };

struct dup_req {
	enum dup_kind kind;
	int fd;
	int arg;      /* newfd (DUP_TO*), lowest fd (DUP_FROM*), else unused */
	int flags;    /* dup3 flags */
	bool cloexec; /* F_DUPFD_CLOEXEC */
};

static int dup_real(const struct dup_req *r)
{
	switch (r->kind) {
	case DUP_ANY:
		return real()->dup(r->fd);
	case DUP_TO:
		return real()->dup2(r->fd, r->arg);
	case DUP_TO_FLAGS:
		return real()->dup3(r->fd, r->arg, r->flags);
	case DUP_FROM:
	default:
		return real()->fcntl(r->fd, r->cloexec ? F_DUPFD_CLOEXEC :
				     F_DUPFD, r->arg);
	}
}

/*
 * Every way of making a descriptor from another: the new number refers to
 * the same file, and a number replaced by dup2/dup3 loses its binding (its
 * file is released if that was the last descriptor).  Done under shim_lock
 * whenever either number is ours, so the table and the kernel agree.
 */
static int shim_dup(const struct dup_req *r)
{
	bool to = r->kind == DUP_TO || r->kind == DUP_TO_FLAGS;
	struct ufile *f, *dropped = NULL;
	int newfd, err, rc;

	if (__builtin_expect(!fd_peek(r->fd) && !(to && fd_peek(r->arg)), 1))
		return to ? dup_real(r) : fd_fresh(dup_real(r));
	pthread_mutex_lock(&shim_lock);
	newfd = dup_real(r);
	err = errno;
	if (newfd < 0 || newfd == r->fd)
		goto out;
	f = fd_peek(r->fd);
	if (!f) {
		dropped = fd_unbind_locked(newfd);
		goto out;
	}
	rc = fd_bind_locked(newfd, f, &dropped);
	if (rc) {
		/* It cannot be ours: do not leave it half-made. */
		dropped = fd_unbind_locked(newfd);
		real()->close(newfd);
		newfd = -1;
		err = -rc;
	}
out:
	pthread_mutex_unlock(&shim_lock);
	if (dropped)
		ufile_put(dropped);
	errno = err;
	return newfd;
}

SHIM_EXPORT int dup(int fd)
{
	struct dup_req r = { .kind = DUP_ANY, .fd = fd };

	return shim_dup(&r);
}

SHIM_EXPORT int dup2(int fd, int newfd)
{
	struct dup_req r = { .kind = DUP_TO, .fd = fd, .arg = newfd };

	return shim_dup(&r);
}

SHIM_EXPORT int dup3(int fd, int newfd, int flags)
{
	struct dup_req r = {
		.kind = DUP_TO_FLAGS, .fd = fd, .arg = newfd, .flags = flags,
	};

	return shim_dup(&r);
}

/* Only the duplicating commands concern us; see ioctl() for the vararg. */
static int shim_fcntl(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
	struct dup_req r = {
		.kind = DUP_FROM,
		.fd = fd,
		.arg = (int)(long)arg,
		.cloexec = cmd == F_DUPFD_CLOEXEC,
	};

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return shim_dup(&r);
	return fn(fd, cmd, arg);
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return shim_fcntl(real()->fcntl, fd, cmd, arg);
}

SHIM_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return shim_fcntl(real()->fcntl64, fd, cmd, arg);
}
