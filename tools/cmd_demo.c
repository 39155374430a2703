// SPDX-License-Identifier: MIT
/*
 * uiommu demo: the main job (`make demo`).  A guided walk through what a VMM
 * does with an I/O address space, driven the way an unmodified program
 * drives Linux iommufd (uiommu_ioctl() with the Linux structs), with a
 * picture of the IOVA space after each step and the errno every mistake
 * gets.  Each step checks its own outcome; the demo exits 1 if anything
 * behaves differently from what it narrates.
 */
#include <uiommu/linux/iommufd.h>
#include <uiommu/uiommu.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmds.h"
#include "demo.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)

int demo_failures;

void demo_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void demo_step(const char *title)
{
	printf("\n== %s\n", title);
}

/* Narrate a call's outcome and check it is the one we expect. */
void demo_expect(const char *what, int rc, int want)
{
	const char *mark = rc == want ? "ok " : "BAD";

	if (rc != want)
		demo_failures++;
	if (want)
		printf("   [%s] %-56s -> %s (as Linux)\n", mark, what,
		       uiommu_errno_name(rc));
	else
		printf("   [%s] %-56s -> %s\n", mark, what,
		       uiommu_errno_name(rc));
}

void demo_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (!ok)
		demo_failures++;
	printf("   [%s] ", ok ? "ok " : "BAD");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *human(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB",
					     "TiB", "PiB", "EiB" };
	unsigned u = 0;
	double v = (double)size;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 && u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* ---- the IOVA picture ------------------------------------------------------ */

struct pic {
	struct uiommu_span s[64];
	unsigned n;
	struct uiommu_span allowed[8];
	unsigned nallowed;
};

static int pic_collect(const struct uiommu_span *s, void *opaque)
{
	struct pic *p = opaque;

	if (s->kind == UIOMMU_SPAN_ALLOWED) {
		if (p->nallowed < 8)
			p->allowed[p->nallowed++] = *s;
	} else if (p->n < 64) {
		p->s[p->n++] = *s;
	}
	return 0;
}

static int log2_u64(uint64_t x)
{
	return x ? 63 - __builtin_clzll(x) : 0;
}

/* Width grows with log2(size): 4 KiB and 16 EiB both fit on a line. */
static void pic_row(uint64_t start, uint64_t last, char glyph,
		    const char *label)
{
	uint64_t size = last - start + 1;
	int w = 1 + (size ? log2_u64(size) : 64) / 2;
	char sz[32];

	printf("   %016llx-%016llx %9s ", (unsigned long long)start,
	       (unsigned long long)last,
	       size ? human(size, sz, sizeof(sz)) : "16 EiB");
	for (int i = 0; i < w; i++)
		putchar(glyph);
	printf("%*s %s\n", 33 - w, "", label);
}

static void pic_free(const struct pic *p, uint64_t s, uint64_t l, bool in)
{
	pic_row(s, l, in ? '.' : '-',
		!p->nallowed ? "free" :
		in           ? "free, inside ALLOW_IOVAS" :
			       "free (fixed maps only)");
}

/* A free gap, cut where allowed ranges (sorted, disjoint) begin and end. */
static void pic_gap(const struct pic *p, uint64_t s, uint64_t l)
{
	for (unsigned i = 0; i < p->nallowed && s <= l; i++) {
		const struct uiommu_span *a = &p->allowed[i];
		uint64_t hi;

		if (a->last < s || a->start > l)
			continue;
		if (a->start > s) {
			pic_free(p, s, a->start - 1, false);
			s = a->start;
		}
		hi = a->last < l ? a->last : l;
		pic_free(p, s, hi, true);
		if (hi == l)
			return;
		s = hi + 1;
	}
	pic_free(p, s, l, false);
}

void demo_picture(struct uiommu_ctx *ctx, uint32_t ioas, const char *title)
{
	struct pic p = { .n = 0 };
	uint64_t cur = 0;
	bool done = false;

	uiommu_ioas_walk(ctx, ioas, pic_collect, &p);
	printf("   IOVA space of IOAS %u, %s (not to scale: bar length ~ "
	       "log2 size)\n", ioas, title);
	printf("   '#' mapped  'X' reserved  '.' free & allowed  '-' free\n");
	for (unsigned i = 0; i < p.n && !done; i++) {
		const struct uiommu_span *s = &p.s[i];
		char label[96];

		if (s->start > cur)
			pic_gap(&p, cur, s->start - 1);
		if (s->kind == UIOMMU_SPAN_AREA)
			snprintf(label, sizeof(label), "area %s%s%s, %llu pages pinned",
				 s->flags & UIOMMU_MAP_READ ? "R" : "",
				 s->flags & UIOMMU_MAP_WRITE ? "W" : "",
				 s->flags & UIOMMU_SPAN_FILE ? " file" : "",
				 (unsigned long long)s->pinned);
		else
			snprintf(label, sizeof(label), "reserved");
		pic_row(s->start, s->last,
			s->kind == UIOMMU_SPAN_AREA ? '#' : 'X', label);
		if (s->last == UINT64_MAX)
			done = true;
		else if (s->last + 1 > cur)
			cur = s->last + 1;
	}
	if (!done)
		pic_gap(&p, cur, UINT64_MAX);
}

/* ---- the ioctls, as a program would issue them ------------------------------- */

int demo_ioas_alloc(struct uiommu_ctx *c, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = uiommu_ioctl(c, IOMMU_IOAS_ALLOC, &cmd);

	*id = cmd.out_ioas_id;
	return rc;
}

int demo_ioas_map(struct uiommu_ctx *c, uint32_t id, void *va, uint64_t len,
		    uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = id,
		.user_va = (uintptr_t)va, .length = len, .iova = *iova,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_MAP, &cmd);

	*iova = cmd.iova;
	return rc;
}

int demo_ioas_unmap(struct uiommu_ctx *c, uint32_t id, uint64_t iova,
		      uint64_t len, uint64_t *done)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = id, .iova = iova, .length = len,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_UNMAP, &cmd);

	*done = rc ? 0 : cmd.length;
	return rc;
}

void demo_show_ranges(struct uiommu_ctx *c, uint32_t id)
{
	struct iommu_iova_range r[8];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = id, .num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc = uiommu_ioctl(c, IOMMU_IOAS_IOVA_RANGES, &cmd);

	printf("   IOMMU_IOAS_IOVA_RANGES: %u usable range(s), alignment %llu%s\n",
	       cmd.num_iovas, (unsigned long long)cmd.out_iova_alignment,
	       rc ? " (truncated)" : "");
	for (uint32_t i = 0; i < cmd.num_iovas && i < 8; i++)
		printf("     [%#llx, %#llx]\n", (unsigned long long)r[i].start,
		       (unsigned long long)r[i].last);
}

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED (IOMMU_IOAS_MAP_FIXED_IOVA | RW)

/* ---- the walk ----------------------------------------------------------------- */

struct demo {
	struct uiommu_ctx *ctx;
	uint32_t ioas, ioas2;
	char *ram;      /* 2 MiB of "guest RAM" */
	char *dmabuf;   /* 64 KiB buffer */
	int memfd;
	struct uiommu_access *dev;
};

static void demo_open(struct demo *d)
{
	demo_step("1. Open a context and allocate an I/O address space");
	demo_say("   A context is what open(\"/dev/iommu\") gives a program; under "
	    "`uiommu run` it is this.");
	demo_expect("uiommu_ctx_create()", uiommu_ctx_create(&d->ctx), 0);
	demo_expect("IOMMU_IOAS_ALLOC", demo_ioas_alloc(d->ctx, &d->ioas), 0);
	demo_say("   IOAS id %u (ids start at 1; 0 is never an object)", d->ioas);
	demo_show_ranges(d->ctx, d->ioas);
}

static void demo_reserve(struct demo *d)
{
	struct iommu_iova_range allow = { 0x40000000, 0x7fffffff };
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = d->ioas, .num_iovas = 1,
		.allowed_iovas = (uintptr_t)&allow,
	};

	demo_step("2. Reserved ranges and the allowed list");
	demo_say("   Devices bring reserved regions (here the x86 MSI window); "
	    "they leave IOVA_RANGES.");
	demo_expect("reserve [0xfee00000, 0xfeefffff] (MSI window)",
	       uiommu_ioas_reserve(d->ctx, d->ioas, 0xfee00000, 0xfeefffff),
	       0);
	demo_show_ranges(d->ctx, d->ioas);
	demo_say("   A VMM pins down where automatic IOVAs may go "
	    "(IOMMU_IOAS_ALLOW_IOVAS):");
	demo_expect("ALLOW_IOVAS [0x40000000, 0x7fffffff]",
	       uiommu_ioctl(d->ctx, IOMMU_IOAS_ALLOW_IOVAS, &cmd), 0);
	allow = (struct iommu_iova_range){ 0xfe000000, 0xfeffffff };
	demo_expect("ALLOW_IOVAS over the MSI window",
	       uiommu_ioctl(d->ctx, IOMMU_IOAS_ALLOW_IOVAS, &cmd),
	       -EADDRINUSE);
}

static void demo_map(struct demo *d)
{
	uint64_t iova, dev_iova;

	demo_step("3. Map memory: guest RAM at a fixed IOVA, a buffer at a chosen one");
	iova = 0;
	demo_expect("MAP 2 MiB guest RAM at IOVA 0 (FIXED_IOVA)",
	       demo_ioas_map(d->ctx, d->ioas, d->ram, 2 * MiB, &iova, FIXED), 0);
	dev_iova = 0;
	demo_expect("MAP 64 KiB buffer, IOVA chosen by uiommu",
	       demo_ioas_map(d->ctx, d->ioas, d->dmabuf, 64 * KiB, &dev_iova, RW),
	       0);
	demo_say("   uiommu chose IOVA %#llx: inside the allowed list, aligned "
	    "like the buffer", (unsigned long long)dev_iova);
	demo_say("   Nothing is pinned yet: without a page table or an access "
	    "a MAP only records the range.");
	demo_picture(d->ctx, d->ioas, "after two maps");

	demo_say("\n   Mistakes get the errno Linux gives, and change nothing:");
	iova = MiB;
	demo_expect("MAP overlapping guest RAM",
	       demo_ioas_map(d->ctx, d->ioas, d->dmabuf, 4 * KiB, &iova, FIXED),
	       -EEXIST);
	iova = 0xfee00000;
	demo_expect("MAP onto the reserved MSI window",
	       demo_ioas_map(d->ctx, d->ioas, d->dmabuf, 4 * KiB, &iova, FIXED),
	       -EINVAL);
	iova = 0x100000000ULL;
	demo_expect("MAP without READABLE or WRITEABLE",
	       demo_ioas_map(d->ctx, d->ioas, d->dmabuf, 4 * KiB, &iova,
			IOMMU_IOAS_MAP_FIXED_IOVA),
	       -EINVAL);
	demo_expect("bad pointer as the ioctl argument",
	       uiommu_ioctl(d->ctx, IOMMU_IOAS_MAP, (void *)16), -EFAULT);
	demo_expect("an ioctl number iommufd does not have",
	       uiommu_ioctl(d->ctx, _IO(';', 0x7f), &iova), -ENOTTY);
}

static void demo_file(struct demo *d)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = FIXED, .ioas_id = d->ioas,
		.fd = d->memfd, .start = 0, .length = 64 * KiB,
		.iova = 0x100000000ULL,
	};

	demo_step("4. Map a file (memfd): uiommu keeps its own mapping");
	demo_expect("IOMMU_IOAS_MAP_FILE memfd at 0x100000000",
	       uiommu_ioctl(d->ctx, IOMMU_IOAS_MAP_FILE, &cmd), 0);
	if (pwrite(d->memfd, "written through the file", 25, 0) != 25)
		demo_failures++;
	close(d->memfd);
	demo_say("   The program wrote to the file and closed it; the mapping "
	    "still holds the memory.");
}

static void demo_device(struct demo *d)
{
	struct uiommu_pin_stats st;
	char msg[32] = { 0 };

	demo_step("5. A device emulator reads and writes through the IOAS");
	demo_expect("uiommu_access_create()",
	       uiommu_access_create(d->ctx, d->ioas, NULL, NULL, &d->dev), 0);
	demo_expect("device reads IOVA 0x100000000",
	       uiommu_access_rw(d->dev, 0x100000000ULL, msg, 25, 0), 0);
	demo_say("   it read: \"%s\"", msg);
	strcpy(d->ram + 0x1000, "guest data");
	memset(msg, 0, sizeof(msg));
	demo_expect("device reads guest RAM at IOVA 0x1000",
	       uiommu_access_rw(d->dev, 0x1000, msg, 10, 0), 0);
	demo_say("   it read: \"%s\"", msg);
	demo_expect("device pins 16 pages of guest RAM",
	       uiommu_access_pin(d->dev, 0, 64 * KiB, UIOMMU_MAP_WRITE), 0);
	uiommu_pin_stats(d->ctx, &st);
	demo_say("   pinned pages charged to RLIMIT_MEMLOCK: %llu",
	    (unsigned long long)st.ctx_pinned);
	demo_expect("device reads an unmapped IOVA",
	       uiommu_access_rw(d->dev, 0x80000000ULL, msg, 4, 0), -ENOENT);
}

static void demo_copy(struct demo *d)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd), .flags = FIXED, .length = 2 * MiB,
		.dst_iova = 0x10000000, .src_iova = 0,
	};

	demo_step("6. COPY guest RAM into a second IOAS: same pages, no second charge");
	demo_expect("IOMMU_IOAS_ALLOC", demo_ioas_alloc(d->ctx, &d->ioas2), 0);
	cmd.dst_ioas_id = d->ioas2;
	cmd.src_ioas_id = d->ioas;
	demo_expect("IOMMU_IOAS_COPY 2 MiB to IOVA 0x10000000",
	       uiommu_ioctl(d->ctx, IOMMU_IOAS_COPY, &cmd), 0);
	demo_picture(d->ctx, d->ioas2, "the copy");
}

static void demo_unmap(struct demo *d)
{
	uint64_t done;
	struct iommu_destroy destroy = { .size = sizeof(destroy),
					 .id = d->ioas };

	demo_step("7. Unmap: whole areas only");
	demo_expect("UNMAP half of guest RAM",
	       demo_ioas_unmap(d->ctx, d->ioas, 0, MiB, &done), -ENOENT);
	demo_expect("DESTROY the IOAS while the device uses it",
	       uiommu_ioctl(d->ctx, IOMMU_DESTROY, &destroy), -EBUSY);
	uiommu_access_destroy(d->dev);
	d->dev = NULL;
	demo_expect("UNMAP all of guest RAM",
	       demo_ioas_unmap(d->ctx, d->ioas, 0, 2 * MiB, &done), 0);
	demo_say("   %llu bytes unmapped", (unsigned long long)done);
	demo_picture(d->ctx, d->ioas, "at the end");
	demo_expect("UNMAP everything (iova 0, length UINT64_MAX)",
	       demo_ioas_unmap(d->ctx, d->ioas, 0, UINT64_MAX, &done), 0);
	demo_expect("DESTROY the IOAS",
	       uiommu_ioctl(d->ctx, IOMMU_DESTROY, &destroy), 0);
	uiommu_ctx_destroy(d->ctx);
	demo_say("   Context closed: every object and pin released.");
}

static int demo_setup(struct demo *d)
{
	memset(d, 0, sizeof(*d));
	d->ram = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	d->dmabuf = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	d->memfd = memfd_create("uiommu-demo", 0);
	if (d->ram == MAP_FAILED || d->dmabuf == MAP_FAILED || d->memfd < 0 ||
	    ftruncate(d->memfd, 64 * KiB)) {
		perror("uiommu demo: setup");
		return -1;
	}
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	struct demo d;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: uiommu demo\n\nA guided walk through an I/O "
		       "address space: maps, reserved ranges,\nallowed ranges, "
		       "file maps, a device access, COPY and UNMAP, with the\n"
		       "errno each mistake gets; then a VMM's flow on the "
		       "default platform:\nVFIO bind, reserved regions, a "
		       "nest-parent stage 2, the guest's stage 1,\nDMA through "
		       "both stages, faults, a forwarded invalidation, MSIs "
		       "and\ndetach.  Exits 1 if anything behaves other than "
		       "narrated.\n");
		return 0;
	}
	if (demo_setup(&d))
		return 1;
	demo_say("uiommu demo: an I/O address space, driven through the Linux "
	    "iommufd ABI");
	demo_open(&d);
	demo_reserve(&d);
	demo_map(&d);
	demo_file(&d);
	demo_device(&d);
	demo_copy(&d);
	demo_unmap(&d);
	demo_vmm();
	munmap(d.ram, 2 * MiB);
	munmap(d.dmabuf, 64 * KiB);
	if (demo_failures) {
		fprintf(stderr, "uiommu demo: %d step(s) did not behave as "
			"narrated\n", demo_failures);
		return 1;
	}
	printf("\nAll steps behaved as Linux iommufd does.\n");
	return 0;
}
