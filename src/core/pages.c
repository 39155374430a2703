// SPDX-License-Identifier: MIT
/*
 * Pages: the host memory behind IOAS areas, its pinning and accounting.
 *
 * A MAP records a struct pages for the user range and nothing else: as in
 * iommufd, memory is pinned only when a page table (domain) or an access
 * needs it.  Pinning here means: check that the process can really access
 * the memory the way the IOMMU will (readable; writable for DMA writes),
 * then count the page and charge it against RLIMIT_MEMLOCK.  Pin counts are
 * per page, so a page used by two domains, an access and a COPYed area is
 * charged once and released when its last user lets go.
 *
 * A userspace library cannot take a reference on anonymous pages the way
 * pin_user_pages() does, so MAP of anonymous memory relies on the caller
 * keeping it mapped.  MAP_FILE takes uiommu's own MAP_SHARED mapping of the
 * file, which keeps the memory alive after the caller closes and unmaps it.
 */
#include "core/core.h"

#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct pages *pages_new(struct uiommu_ctx *ctx, uint64_t base,
			       uint64_t npages, uint8_t flags)
{
	struct pages *p = slab_alloc(&ctx->pages_slab);

	if (!p)
		return NULL;
	p->base = base;
	p->npages = npages;
	p->refs = 1;
	p->flags = flags;
	/* Charged the way the context was set up when the MAP happened. */
	p->account = ctx->account_mode;
	return p;
}

int pages_create_user(struct uiommu_ctx *ctx, uint64_t uptr, uint64_t length,
		      bool writable, struct pages **out)
{
	uint64_t end, base, npages;

	if (!length || length > UINT64_MAX - UIOMMU_PAGE_SIZE)
		return -EINVAL;
	if (__builtin_add_overflow(uptr, length, &end) ||
	    end > UINT64_MAX - UIOMMU_PAGE_MASK)
		return -EOVERFLOW;
	base = uptr & ~UIOMMU_PAGE_MASK;
	npages = ((end + UIOMMU_PAGE_MASK) & ~UIOMMU_PAGE_MASK) - base;
	npages /= UIOMMU_PAGE_SIZE;
	*out = pages_new(ctx, base, npages, writable ? PAGES_WRITABLE : 0);
	return *out ? 0 : -ENOMEM;
}

/*
 * Map the file range ourselves.  mmap reports a closed fd as EBADF and a
 * read-only fd asked for PROT_WRITE as EACCES, which iommufd's newest code
 * reports as EPERM; files that cannot be mapped at all (pipes, sockets)
 * are EINVAL.
 */
int pages_create_file(struct uiommu_ctx *ctx, int fd, uint64_t start,
		      uint64_t length, bool writable, struct pages **out)
{
	uint64_t last, off, npages;
	struct stat st;
	void *va;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last) ||
	    last > UINT64_MAX - UIOMMU_PAGE_SIZE || last > INT64_MAX)
		return -EOVERFLOW;
	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	off = start & ~UIOMMU_PAGE_MASK;
	npages = (((last | UIOMMU_PAGE_MASK) + 1) - off) / UIOMMU_PAGE_SIZE;
	if (ut_should_fail())
		return -ENOMEM;
	va = mmap(NULL, npages * UIOMMU_PAGE_SIZE,
		  PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd,
		  (off_t)off);
	if (va == MAP_FAILED) {
		if (errno == EACCES)
			return -EPERM;
		if (errno == EBADF || errno == ENOMEM)
			return -errno;
		return -EINVAL;
	}
	*out = pages_new(ctx, (uintptr_t)va, npages,
			 PAGES_FILE | (writable ? PAGES_WRITABLE : 0));
	if (!*out) {
		munmap(va, npages * UIOMMU_PAGE_SIZE);
		return -ENOMEM;
	}
	return 0;
}

void pages_put(struct uiommu_ctx *ctx, struct pages *p)
{
	if (--p->refs)
		return;
	/* Areas release their pins before dropping their reference. */
	if (p->flags & PAGES_FILE)
		munmap((void *)(uintptr_t)p->base,
		       p->npages * UIOMMU_PAGE_SIZE);
	free(p->pin);
	slab_free(&ctx->pages_slab, p);
}

/* Parse one "start-end perms ..." line of /proc/self/maps. */
static int maps_parse(const char *line, uint64_t *s, uint64_t *e, bool *r,
		      bool *w)
{
	unsigned long long a, b;
	char perms[8];

	if (sscanf(line, "%llx-%llx %7s", &a, &b, perms) != 3)
		return -1;
	*s = a;
	*e = b;
	*r = perms[0] == 'r';
	*w = perms[1] == 'w';
	return 0;
}

/*
 * Is [start, start + len) fully mapped with the needed protection?  Linux
 * pin_user_pages() fails with -EFAULT on a hole, on a VMA without read
 * permission, and (FOLL_WRITE) on a read-only VMA; so do we.
 */
static int pages_check_access(uint64_t start, uint64_t len, bool write)
{
	uint64_t cur = start, end = start + len;
	char *line = NULL;
	size_t cap = 0;
	int rc = -EFAULT;
	FILE *f;

	if (ut_should_fail())
		return -ENOMEM;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -ENOMEM;
	while (cur < end && getline(&line, &cap, f) > 0) {
		uint64_t s, e;
		bool r, w;

		if (maps_parse(line, &s, &e, &r, &w) || e <= cur)
			continue;
		if (s > cur || !r || (write && !w))
			break;
		cur = e;
	}
	if (cur >= end)
		rc = 0;
	free(line);
	fclose(f);
	return rc;
}

/*
 * Pin pages [first, last].  New pages (count 0 -> 1) are checked and
 * charged; on any failure nothing changes.
 */
int pages_pin(struct uiommu_ctx *ctx, struct pages *p, uint64_t first,
	      uint64_t last, bool write)
{
	uint64_t fresh = 0;
	bool alloced = false;
	int rc;

	if (write && !(p->flags & PAGES_WRITABLE))
		return -EPERM;
	if (!p->pin) {
		p->pin = uz_calloc(p->npages, sizeof(*p->pin));
		if (!p->pin)
			return -ENOMEM;
		alloced = true;
	}
	for (uint64_t i = first; i <= last; i++)
		fresh += !p->pin[i];
	if (fresh) {
		rc = pages_check_access(p->base + first * UIOMMU_PAGE_SIZE,
					(last - first + 1) * UIOMMU_PAGE_SIZE,
					p->flags & PAGES_WRITABLE);
		if (!rc)
			rc = account_charge(ctx, p->account, fresh);
		if (rc)
			goto err;
	}
	for (uint64_t i = first; i <= last; i++)
		p->pin[i]++;
	p->npinned += fresh;
	return 0;
err:
	if (alloced) {
		free(p->pin);
		p->pin = NULL;
	}
	return rc;
}

void pages_unpin(struct uiommu_ctx *ctx, struct pages *p, uint64_t first,
		 uint64_t last)
{
	uint64_t freed = 0;

	for (uint64_t i = first; i <= last; i++)
		freed += --p->pin[i] == 0;
	if (freed)
		account_uncharge(ctx, p->account, freed);
	p->npinned -= freed;
	if (!p->npinned) {
		free(p->pin);
		p->pin = NULL;
	}
}
