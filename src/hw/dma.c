// SPDX-License-Identifier: MIT
/*
 * The DMA API device models use: copies between a device buffer and
 * memory at (rid, PASID, IOVA), scatter-gather, and a translate call that
 * hands out a host pointer.
 *
 * A transfer is translated completely before a byte moves, so a fault
 * anywhere leaves memory and the buffer untouched.  Translation goes unit
 * by unit (a unit is the IOTLB entry: one 4K page, or a whole 2M leaf),
 * with the IOTLB probe inlined and a per-call "last unit" check so
 * consecutive small pieces in one unit cost a compare; the resulting host
 * runs are merged when contiguous, so a buffer mapped in order is copied
 * by one memcpy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw_priv.h"

#define HW_SEG_INLINE 32

/* One contiguous piece of a transfer: memory at hva, buffer at buf. */
struct hw_seg {
	uint64_t hva;
	char *buf;
	size_t len;
};

struct hw_xfer {
	struct hw_iommu *m;
	const struct hw_cfg *h;
	uint32_t rid;
	uint32_t pasid;
	unsigned int access;
	struct hw_fault *fault;	/* where a (non-quiet) fault is told */
	/* last unit translated: [last_iova, last_iova + last_len) */
	uint64_t last_iova;
	uint64_t last_len;
	uint64_t last_hva;
	/*
	 * The units hw_xfer_fast() covered in one host run with one set of
	 * rights: [run_iova, run_end) from host address run_out & ~flags.
	 * run_ok is cleared by anything else (another run, another path).
	 */
	bool run_ok;
	uint64_t run_iova;
	uint64_t run_end;
	uint64_t run_out;
	struct hw_seg *v;
	unsigned int n;
	unsigned int cap;
	struct hw_seg inl[HW_SEG_INLINE];
};

static void hw_xfer_init(struct hw_xfer *x, struct hw_iommu *m, uint32_t rid,
			 uint32_t pasid, unsigned int access)
{
	x->m = m;
	x->h = hw_cfg_find(m, rid, pasid);
	x->rid = rid;
	x->pasid = pasid;
	x->access = access;
	x->fault = NULL;
	x->last_len = 0;
	x->run_ok = true;
	x->run_end = 0;
	x->v = x->inl;
	x->n = 0;
	x->cap = HW_SEG_INLINE;
}

static void hw_xfer_fini(struct hw_xfer *x)
{
	if (x->v != x->inl)
		free(x->v);
}

static int hw_xfer_grow(struct hw_xfer *x)
{
	unsigned int cap = x->cap * 2;
	struct hw_seg *v;

	if (x->v == x->inl) {
		v = malloc(sizeof(*v) * cap);
		if (v)
			memcpy(v, x->inl, sizeof(x->inl));
	} else {
		v = realloc(x->v, sizeof(*v) * cap);
	}
	if (!v)
		return -ENOMEM;
	x->v = v;
	x->cap = cap;
	return 0;
}

static int hw_xfer_add(struct hw_xfer *x, uint64_t hva, char *buf,
		       size_t len)
{
	struct hw_seg *s = x->n ? &x->v[x->n - 1] : NULL;

	if (s && s->hva + s->len == hva && s->buf + s->len == buf) {
		s->len += len;
		return 0;
	}
	if (x->n == x->cap && hw_xfer_grow(x))
		return -ENOMEM;
	x->v[x->n++] = (struct hw_seg){ .hva = hva, .buf = buf, .len = len };
	return 0;
}

/* Host address of @iova and the bytes usable from it (<= the unit). */
static inline int hw_xfer_unit(struct hw_xfer *x, uint64_t iova,
			       uint64_t *hva, uint64_t *avail, bool quiet)
{
	const struct hw_cfg *h = x->h;
	struct hw_xlate xl;
	uint64_t off = iova - x->last_iova;
	int rc;

	/* Only transfers done wholly by hw_xfer_fast() become DMA runs. */
	x->run_ok = false;
	if (off < x->last_len) {
		*hva = x->last_hva + off;
		*avail = x->last_len - off;
		return 0;
	}
	if (h && h->space) {
		unsigned int lg2 = 0;
		uint64_t out = hw_tlb_probe(x->m, h->space, iova, &lg2);

		if (hw_out_ok(out, x->access)) {
			x->m->st.hits++;
			xl.hva = hw_out_hva(out, lg2, iova);
			xl.len = (1ULL << lg2) - (iova & hw_mask(lg2));
			goto found;
		}
	}
	rc = hw_xlate_miss(x->m, h, x->rid, x->pasid, iova, x->access, &xl,
			   quiet ? NULL : x->fault, quiet);
	if (rc)
		return rc;
found:
	x->last_iova = iova;
	x->last_len = xl.len;
	x->last_hva = xl.hva;
	*hva = xl.hva;
	*avail = xl.len;
	return 0;
}

/*
 * The one size class of the transfer's space, in *@lg2, if it has exactly
 * one (the case whose probes the fast loops below can overlap).
 */
static bool hw_xfer_one_class(const struct hw_xfer *x,
			      const struct hw_space **sp, unsigned int *lg2)
{
	*sp = x->h ? x->h->space : NULL;
	if (!*sp || !(*sp)->sizes || ((*sp)->sizes & ((*sp)->sizes - 1)))
		return false;
	*lg2 = (unsigned int)__builtin_ctzll((*sp)->sizes);
	return true;
}

/*
 * The common case, a space with one size class: the next unit's address
 * does not depend on this unit's lookup, so the probes of consecutive
 * units overlap in the CPU instead of forming a chain.  Translates units
 * from @iova while they hit; returns the bytes done (then *@rc is 0) or
 * sets *@rc.
 */
static size_t hw_xfer_fast(struct hw_xfer *x, uint64_t iova, char *buf,
			   size_t len, int *rc)
{
	const struct hw_iommu *m = x->m;
	uint64_t run_hva = 0, unit, hits = 0, flags = 0;
	size_t done = 0, run_len = 0, run_at = 0;
	const struct hw_space *sp;
	unsigned int lg2 = 0;

	*rc = 0;
	if (!hw_xfer_one_class(x, &sp, &lg2)) {
		x->run_ok = false;
		return 0;
	}
	unit = 1ULL << lg2;
	while (done < len) {
		uint64_t a = iova + done, vpn = a >> lg2, off = a & (unit - 1);
		uint64_t out = hw_probe_unit(m, sp, vpn, lg2);
		uint64_t hva, n = unit - off;

		if (!hw_out_ok(out, x->access))
			break;
		hits++;
		if (n > len - done)
			n = len - done;
		hva = (out & ~(unit - 1)) | off;
		if (!done) {
			flags = out & HW_E_FLAGS;
			if (x->run_end) {
				x->run_ok = false;
			} else {
				x->run_iova = a - off;
				x->run_out = (hva - off) | flags;
			}
		} else if ((out & HW_E_FLAGS) != flags) {
			x->run_ok = false;
		}
		if (run_len && run_hva + run_len == hva) {
			run_len += n;
		} else {
			if (run_len)
				x->run_ok = false;
			if (run_len && hw_xfer_add(x, run_hva, buf + run_at,
						   run_len)) {
				*rc = -ENOMEM;
				return 0;
			}
			run_hva = hva;
			run_at = done;
			run_len = n;
		}
		done += n;
	}
	x->m->st.hits += hits;
	if (done)
		x->run_end = iova + done + ((unit - (iova + done)) & (unit - 1));
	if (run_len && hw_xfer_add(x, run_hva, buf + run_at, run_len))
		*rc = -ENOMEM;
	return done;
}

/* Translates [iova, iova + len) and queues its pieces against @buf. */
static int hw_xfer_range(struct hw_xfer *x, uint64_t iova, char *buf,
			 size_t len)
{
	uint64_t hva, avail;
	size_t n;
	int rc;

	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	while (len) {
		n = hw_xfer_fast(x, iova, buf, len, &rc);
		if (rc)
			return rc;
		iova += n;
		buf += n;
		len -= n;
		if (!len)
			break;
		rc = hw_xfer_unit(x, iova, &hva, &avail, false);
		if (rc)
			return rc;
		if (avail > len)
			avail = len;
		rc = hw_xfer_add(x, hva, buf, avail);
		if (rc)
			return rc;
		iova += avail;
		buf += avail;
		len -= avail;
	}
	return 0;
}

static void hw_xfer_copy(const struct hw_xfer *x, bool to_mem)
{
	unsigned int i;

	for (i = 0; i < x->n; i++) {
		void *mem = (void *)(uintptr_t)x->v[i].hva;

		if (to_mem)
			memcpy(mem, x->v[i].buf, x->v[i].len);
		else
			memcpy(x->v[i].buf, mem, x->v[i].len);
	}
}

/* The run slot for @access: writes and reads are remembered apart. */
static inline unsigned int hw_run_slot(unsigned int access)
{
	return (access & PT_ACCESS_WRITE) ? 1 : 0;
}

/*
 * Remembers that [iova, iova + len) is host memory from @out & ~HW_E_FLAGS
 * on with @out's rights, as the stream's run for @access.  Taken from
 * cached units only; the generation check drops it on any later change, so
 * it is never stale.  Without caches (every translation walks) nothing is
 * remembered.
 */
static void hw_run_set(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		       unsigned int access, uint64_t iova, uint64_t len,
		       uint64_t out)
{
	struct hw_runs *r = hw_runs_of(m, rid, pasid);
	uint64_t tag = hw_stream_tag(rid, pasid);

	if (m->nocache || !len)
		return;
	if (r->tag != tag || r->gen != m->gen) {
		r->tag = tag;
		r->gen = m->gen;
		r->r[0].len = r->r[1].len = 0;
	}
	r->r[hw_run_slot(access)] = (struct hw_run){ iova, len, out };
}

/* A transfer that went through one host run of cached units with one set
 * of rights becomes the stream's run for its direction. */
static void hw_xfer_remember(const struct hw_xfer *x)
{
	if (!x->run_ok || !x->run_end)
		return;
	hw_run_set(x->m, x->rid, x->pasid, x->access, x->run_iova,
		   x->run_end - x->run_iova, x->run_out);
}

static int hw_dma_sg(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		     const struct hw_sg *sg, unsigned int nsg, bool to_mem)
{
	unsigned int access = to_mem ? PT_ACCESS_WRITE : PT_ACCESS_READ;
	struct hw_xfer x;
	unsigned int i;
	int rc = 0;

	if (!hw_args_ok(rid, pasid, access) || (nsg && !sg))
		return -EINVAL;
	hw_xfer_init(&x, m, rid, pasid, access);
	for (i = 0; i < nsg && !rc; i++)
		if (sg[i].len)
			rc = hw_xfer_range(&x, sg[i].iova, sg[i].buf,
					   sg[i].len);
	if (!rc) {
		if (nsg == 1)
			hw_xfer_remember(&x);
		hw_xfer_copy(&x, to_mem);
	}
	hw_xfer_fini(&x);
	return rc;
}

/*
 * The bytes the stream's run for @access covers from @iova (at most
 * @len; 0 if none), the host address in *@hva.  A valid line implies
 * valid ids.
 */
static inline __attribute__((always_inline)) uint64_t
hw_dma_run_at(struct hw_iommu *m, uint32_t rid, uint32_t pasid, uint64_t iova,
	      uint64_t len, unsigned int access, uint64_t *hva)
{
	const struct hw_runs *r = hw_runs_of(m, rid, pasid);
	const struct hw_run *run = &r->r[hw_run_slot(access)];
	uint64_t off = iova - run->iova, n;

	if (r->tag != hw_stream_tag(rid, pasid) || r->gen != m->gen ||
	    off >= run->len || !hw_out_ok(run->out, access))
		return 0;
	n = run->len - off;
	*hva = (run->out & ~(uint64_t)HW_E_FLAGS) + off;
	return n < len ? n : len;
}

/* ---- thread-local DMA hints ---- */

/*
 * A thread's copy of the last run it used per direction, with the
 * instance (compared, never dereferenced) and the stream it belongs to.
 *
 * Why: after a copy of tens of KiB the instance's lines are out of L1,
 * and the run line's address depends on the caller's instance pointer, so
 * the copy's source would wait for two dependent loads, and the branches
 * checking the line for both (measured: about 1% of a 64 KiB copy on a
 * 130 GB/s machine).  The hint's address depends on nothing, and what
 * validates it (instance pointer, hw_hint_epoch, stream tag, range,
 * rights) needs no load through the instance either.
 *
 * Why it is exact: a hint is taken from a valid run line (so it is
 * what the line says), and stays valid only while hw_hint_epoch is
 * unchanged.  Taking one sets m->hint_armed; the next hw_gen_bump() of m
 * (any fill, drop, invalidation or configuration change: whatever makes
 * the line stale) or hw_destroy(m) then moves the epoch.  Calls on one
 * instance are serialised by the caller (docs/engine.md), which orders
 * taking a hint before that move and the move before the next use.
 */
struct hw_hint {
	uintptr_t m;
	uint64_t epoch;
	uint64_t tag;
	struct hw_run run;
};

uint64_t hw_hint_epoch;
/* initial-exec: a %fs-relative load, no __tls_get_addr call; the library
 * is linked in or preloaded (96 bytes also fit glibc's static TLS surplus
 * should it ever be dlopen()ed). */
static __thread struct hw_hint hw_hints[2]
	__attribute__((tls_model("initial-exec")));

/* hw_dma_run_at() from the thread's hint (0: no valid hint covers iova). */
static inline __attribute__((always_inline)) uint64_t
hw_hint_at(const struct hw_iommu *m, uint32_t rid, uint32_t pasid,
	   uint64_t iova, uint64_t len, unsigned int access, uint64_t *hva)
{
	const struct hw_hint *t = &hw_hints[hw_run_slot(access)];
	uint64_t off = iova - t->run.iova, n = t->run.len - off;

	if (t->m != (uintptr_t)m || t->tag != hw_stream_tag(rid, pasid) ||
	    t->epoch != __atomic_load_n(&hw_hint_epoch, __ATOMIC_RELAXED) ||
	    off >= t->run.len || !hw_out_ok(t->run.out, access))
		return 0;
	*hva = (t->run.out & ~(uint64_t)HW_E_FLAGS) + off;
	return n < len ? n : len;
}

/* The stream's run for @access (valid: hw_dma_run_at() said so) becomes
 * the thread's hint. */
static void hw_hint_take(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
			 unsigned int access)
{
	const struct hw_runs *r = hw_runs_of(m, rid, pasid);
	struct hw_hint *t = &hw_hints[hw_run_slot(access)];

	t->m = (uintptr_t)m;
	t->epoch = __atomic_load_n(&hw_hint_epoch, __ATOMIC_RELAXED);
	t->tag = r->tag;
	t->run = r->r[hw_run_slot(access)];
	m->hint_armed = true;
}

/*
 * Transfers from which on a run line that answers becomes the hint.  A
 * smaller copy leaves the instance's lines in L1, so a hint would gain
 * nothing, while arming the instance makes its next change move the
 * shared epoch (an atomic on a line all instances' changes write):
 * workloads of small transfers and frequent IOTLB changes stay off it.
 */
#define HW_HINT_MIN 1024

/* hw_dma_run_at(), the run line answering a transfer of HW_HINT_MIN or
 * more becoming the thread's hint. */
static inline __attribute__((always_inline)) uint64_t
hw_dma_line_at(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
	       uint64_t iova, uint64_t len, unsigned int access, uint64_t *hva)
{
	uint64_t n = hw_dma_run_at(m, rid, pasid, iova, len, access, hva);

	if (n && len >= HW_HINT_MIN)
		hw_hint_take(m, rid, pasid, access);
	return n;
}

/* The hint first, then hw_dma_line_at(). */
static inline __attribute__((always_inline)) uint64_t
hw_dma_cached_at(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		 uint64_t iova, uint64_t len, unsigned int access,
		 uint64_t *hva)
{
	uint64_t n = hw_hint_at(m, rid, pasid, iova, len, access, hva);

	return n ? n : hw_dma_line_at(m, rid, pasid, iova, len, access, hva);
}

/*
 * hw_dma_read()/hw_dma_write() without a hint covering the buffer: the
 * run line (hw_dma_line_at()), else a one-element scatter-gather
 * list.  Out of line, so the hint path saves no registers.
 */
static __attribute__((noinline)) int
hw_dma_one(struct hw_iommu *m, uint32_t rid, uint32_t pasid, uint64_t iova,
	   void *buf, size_t len, bool to_mem)
{
	unsigned int access = to_mem ? PT_ACCESS_WRITE : PT_ACCESS_READ;
	struct hw_sg sg = { .iova = iova, .buf = buf, .len = len };
	uint64_t hva;

	/* The callers tried the hint already. */
	if (len && hw_dma_line_at(m, rid, pasid, iova, len, access, &hva) ==
		   len) {
		void *mem = (void *)(uintptr_t)hva;

		if (to_mem)
			memcpy(mem, buf, len);
		else
			memcpy(buf, mem, len);
		return 0;
	}
	return hw_dma_sg(m, rid, pasid, &sg, 1, to_mem);
}

int hw_dma_read(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		uint64_t iova, void *buf, size_t len)
{
	uint64_t hva;

	if (__builtin_expect(!len || hw_hint_at(m, rid, pasid, iova, len,
						PT_ACCESS_READ, &hva) != len,
			     0))
		return hw_dma_one(m, rid, pasid, iova, buf, len, false);
	memcpy(buf, (void *)(uintptr_t)hva, len);
	return 0;
}

int hw_dma_write(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		 uint64_t iova, const void *buf, size_t len)
{
	uint64_t hva;

	if (__builtin_expect(!len || hw_hint_at(m, rid, pasid, iova, len,
						PT_ACCESS_WRITE, &hva) != len,
			     0))
		return hw_dma_one(m, rid, pasid, iova, (void *)buf, len,
				  true);
	memcpy((void *)(uintptr_t)hva, buf, len);
	return 0;
}

int hw_dma_read_sg(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		   const struct hw_sg *sg, unsigned int nsg)
{
	return hw_dma_sg(m, rid, pasid, sg, nsg, false);
}

int hw_dma_write_sg(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		    const struct hw_sg *sg, unsigned int nsg)
{
	return hw_dma_sg(m, rid, pasid, sg, nsg, true);
}

/*
 * Extends a run of @got bytes from @iova (host @hva on; @iova + @got is a
 * unit boundary) over following units while they hit with the transfer's
 * rights and continue host memory.  With one size class the probes do not
 * depend on each other, so they overlap; misses are left to the caller.
 */
static uint64_t hw_run_extend(struct hw_xfer *x, uint64_t iova, uint64_t hva,
			      uint64_t got, uint64_t len)
{
	struct hw_iommu *m = x->m;
	const struct hw_space *sp;
	uint64_t unit, hits = 0;
	unsigned int lg2;

	if (!hw_xfer_one_class(x, &sp, &lg2))
		return got;
	unit = 1ULL << lg2;
	while (got < len && iova + got > iova) {
		uint64_t out = hw_probe_unit(m, sp, (iova + got) >> lg2, lg2);

		if (!hw_out_ok(out, x->access) ||
		    (out & ~(unit - 1)) != hva + got)
			break;
		hits++;
		got += unit;
	}
	m->st.hits += hits;
	return got;
}

/* Rights a run translated for @access may grant later: exactly what was
 * checked on every unit of it. */
static inline uint64_t hw_run_rights(unsigned int access)
{
	return hw_need(access) | (access & HW_E_PRIV);
}

int hw_dma_translate_fault(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
			   uint64_t iova, size_t len, unsigned int access,
			   void **hva, size_t *avail, struct hw_fault *fault)
{
	uint64_t first, h, n, got;
	struct hw_xfer x;
	int rc;

	if (!hw_args_ok(rid, pasid, access) || !len)
		return -EINVAL;
	got = hw_dma_cached_at(m, rid, pasid, iova, len, access, &first);
	if (got == len) {
		*hva = (void *)(uintptr_t)first;
		*avail = got;
		return 0;
	}
	hw_xfer_init(&x, m, rid, pasid, access);
	x.fault = fault;
	rc = hw_xfer_unit(&x, iova, &first, &got, false);
	if (rc)
		return rc;
	/* Extend over following units while host memory stays contiguous;
	 * a unit that would fault only ends the run. */
	while (got < len && iova + got > iova) {
		got = hw_run_extend(&x, iova, first, got, len);
		if (got >= len || iova + got <= iova)
			break;
		if (hw_xfer_unit(&x, iova + got, &h, &n, true) ||
		    h != first + got)
			break;
		got += n;
	}
	if (got > len)
		got = len;
	/* Page-aligned, so the rights fit in the out word's low bits. */
	n = iova & HW_E_FLAGS;
	hw_run_set(m, rid, pasid, access, iova - n, got + n,
		   (first - n) | hw_run_rights(access));
	*hva = (void *)(uintptr_t)first;
	*avail = got;
	return 0;
}

int hw_dma_translate(struct hw_iommu *m, uint32_t rid, uint32_t pasid,
		     uint64_t iova, size_t len, unsigned int access,
		     void **hva, size_t *avail)
{
	return hw_dma_translate_fault(m, rid, pasid, iova, len, access, hva,
				      avail, NULL);
}
