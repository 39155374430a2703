/* SPDX-License-Identifier: MIT */
/*
 * src/pt: IO page tables in real hardware formats behind one generic walker.
 *
 * This header owns the internal API of the page-table layer: the format ids,
 * the creation config, the derived geometry, map/unmap/iova_to_phys, dirty
 * tracking, the invalidation gather and the software walker used by the
 * emulated translation engine.
 *
 * Formats (one const descriptor each, see pt_priv.h and fmt_*.c):
 *   PT_FMT_VTD_SS   Intel VT-d second stage, 3/4/5 levels, 4K/2M/1G
 *   PT_FMT_VTD_FS   Intel VT-d first stage = x86-64 4/5-level paging
 *   PT_FMT_ARM_S1   ARM VMSAv8-64 stage 1, 4K/16K/64K granule
 *   PT_FMT_ARM_S2   ARM VMSAv8-64 stage 2 (with concatenated top tables)
 *   PT_FMT_AMD_V1   AMD IOMMU v1 host table, 1-6 levels, NL=7 page sizes
 *
 * Level numbering is bottom-up everywhere in this layer: level 0 is the
 * table whose entries map granule-sized pages (VT-d "PT", ARM "L3", AMD
 * level 1).  The top table is level levels-1.
 *
 * Memory model: an output address (oa) is a host virtual address of this
 * process, and so is every table address stored in an entry; tables are
 * granule-aligned allocations.  The walker reads tables through a struct
 * pt_mem fetch callback so a nested configuration can translate stage-1
 * table addresses through stage 2.
 *
 * Ranges: `start`/`last` are inclusive; `length` appears only at the API.
 * Every iova + length - 1 is overflow checked (-EOVERFLOW).
 *
 * Locking: none.  One writer at a time per table (map, unmap, dirty clear);
 * pt_walk() may run concurrently with a writer: entries are written with
 * single 64-bit stores and a new table is zeroed before it is published.
 */
#ifndef UIOMMU_PT_H
#define UIOMMU_PT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_MAX_LEVELS 6

enum pt_format {
	PT_FMT_VTD_SS = 1,
	PT_FMT_VTD_FS,
	PT_FMT_ARM_S1,
	PT_FMT_ARM_S2,
	PT_FMT_AMD_V1,
	PT_FMT_NR
};

/* Permissions and attributes of a mapping (map) or a translation (walk). */
enum {
	PT_PROT_READ = 1u << 0,
	PT_PROT_WRITE = 1u << 1,
	/* Instruction fetch allowed; without it ARM sets UXN|PXN / XN and
	 * x86 sets XD (only with PT_CFG_X86_NXE). */
	PT_PROT_EXEC = 1u << 2,
	/* Privileged-only: ARM S1 AP[1]=0, x86 U/S=0.  Default is user. */
	PT_PROT_PRIV = 1u << 3,
	/* Cacheable/coherent: VT-d SNP, ARM WB + inner shareable, AMD FC. */
	PT_PROT_CACHE = 1u << 4,
	/* Device memory: ARM Device-nGnRE, x86 FS PCD|PWT. */
	PT_PROT_MMIO = 1u << 5,
};

#define PT_PROT_ALL                                                   \
	(PT_PROT_READ | PT_PROT_WRITE | PT_PROT_EXEC | PT_PROT_PRIV | \
	 PT_PROT_CACHE | PT_PROT_MMIO)

enum {
	/*
	 * The hardware updates access and dirty state: ARM HA+HD (writable
	 * leaves are written with DBM, as writable-clean), VT-d SSADE, AMD
	 * HAD.  pt_walk() then sets A/D like hardware instead of faulting on
	 * ARM AF=0 or DBM-clean writes.
	 */
	PT_CFG_HW_AD = 1u << 0,
	/* ARM stage 2: never fold the top level into concatenated tables. */
	PT_CFG_ARM_NO_CONCAT = 1u << 1,
	/* x86 first stage: XD (bit 63) is enabled (NXE); else it is never
	 * written and a set XD is a reserved-bit fault. */
	PT_CFG_X86_NXE = 1u << 2,
};

/*
 * Table-page allocator.  alloc must return zeroed memory of @size bytes
 * aligned to @align, or NULL.  Used for fault injection in tests and for
 * memory pools; NULL ops use posix_memalign().
 */
struct pt_alloc_ops {
	void *(*alloc)(void *priv, size_t size, size_t align);
	void (*free)(void *priv, void *p, size_t size);
	void *priv;
};

/*
 * What to build.  Give levels, or ias, or both (ias <= what the levels
 * decode).  Zero fields take the format default.
 */
struct pt_cfg {
	enum pt_format format;
	unsigned int levels;	/* VT-d SS 3-5, FS 4-5, ARM derived, AMD 1-6 */
	unsigned int ias;	/* input address bits (VT-d SS 39/48/57 ...) */
	unsigned int oas;	/* output address bits (default 52, ARM 48) */
	unsigned int granule;	/* ARM: 4096, 16384 or 65536; others 4096 */
	uint64_t pgsize_bitmap;	/* allowed leaf sizes; 0 = all the format has */
	unsigned int flags;	/* PT_CFG_* */
	const struct pt_alloc_ops *alloc; /* pt_create() only */
};

struct pt_fmt;
struct pt_geom;
struct pt_mem;
struct pt_lean_result;

typedef int (*pt_lean_fn)(const struct pt_geom *g, uint64_t root,
			  const struct pt_mem *mem, uint64_t iova,
			  unsigned int access, struct pt_lean_result *res);

/*
 * Geometry derived from a config by pt_geom_init(): everything the generic
 * code needs to index and classify entries.  A walker of a table built by
 * someone else (a guest's stage 1) needs only this and a root address.
 */
struct pt_geom {
	const struct pt_fmt *fmt;
	enum pt_format format;
	unsigned int flags;		/* PT_CFG_* */
	uint8_t levels;
	uint8_t top;			/* levels - 1 */
	uint8_t gran_lg2;		/* 12, 14 or 16 */
	uint8_t bits;			/* index bits per level */
	uint8_t ias;
	uint8_t oas;
	bool sign_extend;		/* x86 canonical input addresses */
	bool replicate;			/* multi-entry units repeat one entry (AMD) */
	uint16_t leaf_levels;		/* bit L: level L may hold leaves */
	uint8_t shift[PT_MAX_LEVELS];	/* log2 of one entry's span */
	uint8_t contig_lg2[PT_MAX_LEVELS]; /* ARM: log2 entries per CONT run */
	uint32_t idx_mask[PT_MAX_LEVELS]; /* entries at that level - 1 */
	uint64_t pgsize_bitmap;		/* leaf sizes map() may use */
	uint64_t va_mask;		/* (1 << ias) - 1 */
	uint64_t oa_limit;		/* 1 << oas (0 for 64) */
	uint64_t present_mask;		/* entry present iff (e & mask) */
	uint64_t addr_mask;		/* table address / OA field */
	uint64_t af_mask;		/* accessed flag (ARM AF, A bits) */
	uint64_t dirty_mask;		/* dirty iff (e & dirty_mask) == */
	uint64_t dirty_val;		/*   dirty_val */
	uint64_t dirty_bit;		/* the bit toggled by clean/dirty */
	bool dirty_when_set;		/* dirty_bit set means dirty */
	size_t root_bytes;		/* bytes allocated for the top table */
	/*
	 * Fast path: (e & tbl_mask[L]) == tbl_val[L] means "a table of level
	 * L-1 at e & addr_mask granting tbl_perm", exactly what the format's
	 * decoder would say; other entries go through the decoder.
	 */
	uint64_t tbl_mask[PT_MAX_LEVELS];
	uint64_t tbl_val[PT_MAX_LEVELS];
	unsigned int tbl_perm;
	/* The format's lean walkers (see pt_walk_lean), set by init: for
	 * identity table memory and through a struct pt_mem. */
	pt_lean_fn lean;
	pt_lean_fn lean_mem;
};

struct pt;

/*
 * Invalidation gather.  map/unmap/dirty-clear widen [start, last] (in IOVA
 * space, sign-extended for x86) to cover every translation they changed;
 * unmap queues the table pages it removed.  The caller flushes the IOTLB
 * and paging-structure caches for the range once, then calls
 * pt_gather_release() to free the pages: until then a hardware walker that
 * cached a pointer may still read them (their entry 0 holds the list link,
 * a page-aligned value that every format reads as not present).
 */
struct pt_gather {
	uint64_t start;		/* start > last: nothing to flush */
	uint64_t last;
	unsigned int max_leaf_lg2; /* largest leaf changed in place (split) */
	bool tables_changed;	/* tables freed or a leaf split into a table */
	struct pt *pt;		/* owner of the queued pages (one table) */
	void *freelist;		/* pages, linked through entry 0 */
	size_t nr_pages;
};

/* Prepares an empty gather. */
void pt_gather_init(struct pt_gather *gather);

/* Frees the queued table pages (call after the IOTLB flush). */
void pt_gather_release(struct pt_gather *gather);

/*
 * pt_geom_init() - validate @cfg and derive the geometry.
 * Return: 0; -EINVAL bad format, levels/ias/oas/granule combination or an
 * empty page-size set; -EOPNOTSUPP a valid but unsupported combination.
 */
int pt_geom_init(struct pt_geom *g, const struct pt_cfg *cfg);

/*
 * pt_create() - allocate an empty table (the root) for @cfg.
 * Return: 0 and *@out; -EINVAL/-EOPNOTSUPP as pt_geom_init(); -ENOMEM.
 */
int pt_create(const struct pt_cfg *cfg, struct pt **out);

/* Frees every table page.  Release outstanding gathers first.  NULL ok. */
void pt_destroy(struct pt *pt);

const struct pt_geom *pt_get_geom(const struct pt *pt);

/* Root table address, as programmed into a context entry / STE / DTE. */
uint64_t pt_root(const struct pt *pt);

/* Bytes of table memory in the tree (root included). */
size_t pt_table_bytes(const struct pt *pt);

/*
 * pt_pages_trim() - give back to the kernel the empty 2 MiB chunks that
 * the table-page pools keep for reuse (up to four per granule; see
 * pages.c), as malloc_trim() does for the heap.  Thread-safe.
 */
void pt_pages_trim(void);

/*
 * pt_map() - map [iova, iova + length) to [oa, oa + length).
 * Picks, for each piece, the largest leaf (natural, ARM contiguous run or
 * AMD NL=7 size) that the alignment of iova and oa, the remaining length
 * and the allowed page sizes permit.  @gather (may be NULL) gets the range.
 * Return: 0; -EINVAL misaligned to the smallest allowed page, zero length,
 * iova outside the input range, oa beyond the output range, bad prot;
 * -EOVERFLOW wrap; -EEXIST something is mapped in the range; -ENOMEM.  On
 * every error the table translates exactly as before.
 */
int pt_map(struct pt *pt, uint64_t iova, uint64_t oa, uint64_t length,
	   unsigned int prot, struct pt_gather *gather)
	__attribute__((warn_unused_result));

/*
 * pt_unmap() - remove every leaf in [iova, iova + length).
 * A leaf that straddles an end of the range is split first (a contiguous or
 * NL=7 run into single entries, a block into a new lower table holding the
 * rest).  Tables that become empty are removed (queued on @gather, or freed
 * at once when @gather is NULL).  *@unmapped (may be NULL) gets the bytes
 * removed; holes are skipped.  Only a split allocates: unmapping exactly
 * what earlier maps created never fails for lack of memory.
 * Return: 0; -EINVAL misaligned to the granule, zero length, out of range;
 * -EOVERFLOW; -ENOMEM a split table could not be allocated (nothing changed).
 */
int pt_unmap(struct pt *pt, uint64_t iova, uint64_t length,
	     struct pt_gather *gather, uint64_t *unmapped);

/*
 * pt_iova_to_phys() - translate one address (no permission checks).
 * Outputs may be NULL; *@leaf_size is the leaf unit (a contiguous or NL=7
 * run counts as one unit).
 * Return: 0; -ENOENT not mapped; -EINVAL outside the input range.
 */
int pt_iova_to_phys(const struct pt *pt, uint64_t iova, uint64_t *oa,
		    unsigned int *prot, uint64_t *leaf_size);

/* Dirty tracking. */
enum {
	PT_DIRTY_NO_CLEAR = 1u << 0, /* report only, leave the bits set */
};

/* Called for each run of dirty IOVA (runs are merged). */
typedef void (*pt_dirty_fn)(void *opaque, uint64_t iova, uint64_t length);

/* A ready-made recorder: bit i is IOVA iova + (i << pgshift). */
struct pt_dirty_bitmap {
	uint64_t iova;
	unsigned int pgshift;
	uint64_t npages;
	uint64_t *bits;
};

void pt_dirty_bitmap_record(void *opaque, uint64_t iova, uint64_t length);

/*
 * pt_read_and_clear_dirty() - report dirty leaves in [iova, iova+length).
 * A leaf unit is dirty if any of its entries is (hardware may dirty any
 * entry of a contiguous/NL=7 run); the whole unit is then cleaned, and the
 * part inside the range is reported.  Cleared ranges go into @gather.
 * Return: 0; -EINVAL/-EOVERFLOW as pt_unmap(); -EOPNOTSUPP the table has
 * no dirty state (ARM without PT_CFG_HW_AD).
 */
int pt_read_and_clear_dirty(struct pt *pt, uint64_t iova, uint64_t length,
			    unsigned int flags, pt_dirty_fn fn, void *opaque,
			    struct pt_gather *gather);

/* ---- software walker ---- */

/*
 * How the walker reads tables.  fetch() turns the table address @addr (an
 * IPA/GPA for a nested stage 1) into a host pointer to @size bytes, or
 * returns NULL (the walk faults with PT_FAULT_FETCH; a nested fetch records
 * its own stage-2 fault details in its state).  A NULL struct pt_mem means
 * identity: table addresses are host pointers.
 */
struct pt_mem {
	uint64_t *(*fetch)(const struct pt_mem *mem, uint64_t addr,
			   size_t size);
	void *opaque;
};

/* Access being translated. */
enum {
	PT_ACCESS_READ = 1u << 0,
	PT_ACCESS_WRITE = 1u << 1,
	PT_ACCESS_EXEC = 1u << 2,
	PT_ACCESS_PRIV = 1u << 3, /* privileged request (PASID PR / EL1) */
	/* Translate only: no permission or access-flag checks, no A/D
	 * updates (iova_to_phys). */
	PT_ACCESS_PROBE = 1u << 4,
};

enum pt_fault {
	PT_FAULT_NONE = 0,
	PT_FAULT_NOT_PRESENT,	/* invalid entry (ARM translation fault) */
	PT_FAULT_PERMISSION,	/* see fault_access for the denied right */
	PT_FAULT_ADDRESS_SIZE,	/* input beyond ias, or table/OA beyond oas */
	PT_FAULT_ACCESS_FLAG,	/* ARM AF=0 without hardware AF update */
	PT_FAULT_NON_CANONICAL,	/* x86 first stage input not sign-extended */
	PT_FAULT_RESERVED,	/* reserved encoding (x86 PS at PML4, AMD NL) */
	PT_FAULT_FETCH,		/* struct pt_mem could not read the table */
};

struct pt_walk_result {
	enum pt_fault fault;
	unsigned int fault_level;  /* level whose entry faulted */
	unsigned int fault_access; /* PT_ACCESS_* bit denied (PERMISSION) */
	unsigned int reads;	   /* table entries loaded */
	uint64_t oa;		   /* translated address */
	unsigned int leaf_lg2;	   /* log2 of the leaf unit */
	unsigned int leaf_level;
	unsigned int prot;	   /* PT_PROT_* granted (ANDed down the walk) */
	uint64_t pte;		   /* the leaf entry as read */
};

/*
 * pt_walk() - translate @iova for @access the way the hardware would.
 * Walks the table at @root described by @g (from pt_get_geom() or a
 * pt_geom_init() of a guest's config), reading through @mem (NULL =
 * identity).  Counts entry loads in res->reads.  With PT_CFG_HW_AD and
 * without PT_ACCESS_PROBE it sets the leaf's accessed flag and, for a
 * write, its dirty state (atomically, like hardware).
 * Return: 0 (res->oa valid); -EFAULT (res->fault says why); -EINVAL bad
 * arguments; -EBUSY the leaf kept changing under the A/D update.
 */
int pt_walk(const struct pt_geom *g, uint64_t root, const struct pt_mem *mem,
	    uint64_t iova, unsigned int access, struct pt_walk_result *res);

/* The result of a successful pt_walk_lean(): pt_walk()'s fields. */
struct pt_lean_result {
	uint64_t oa;		/* translated address */
	unsigned int leaf_lg2;	/* log2 of the leaf unit */
	unsigned int prot;	/* PT_PROT_* granted, with CACHE/MMIO */
	unsigned int reads;	/* table entries loaded */
};

/*
 * pt_walk_lean() - pt_walk() for the common case, in far fewer
 * instructions: standard table entries down to a leaf that grants
 * @access, with no A/D update to make.  It has no side effects and keeps
 * no fault state; in every other case (any fault, a non-standard table
 * entry, PT_CFG_HW_AD, a failed fetch) it declines, and the caller runs
 * pt_walk() for the exact outcome.  On success its result equals
 * pt_walk()'s.
 * Return: 0 (*@res valid); -EAGAIN declined (use pt_walk()).
 */
static inline int pt_walk_lean(const struct pt_geom *g, uint64_t root,
			       const struct pt_mem *mem, uint64_t iova,
			       unsigned int access, struct pt_lean_result *res)
{
	if (!mem)
		return g->lean ? g->lean(g, root, NULL, iova, access, res) :
				 -EAGAIN;
	return g->lean_mem ? g->lean_mem(g, root, mem, iova, access, res) :
			     -EAGAIN;
}

/* ---- the fast walker: a configuration's walk precomputed ---- */

/*
 * One level of a struct pt_fast.  An entry e read at this level is
 *   - a standard table entry iff (e & tbl_mask) == tbl_val (the geometry's
 *     fast path: the next table is at e & addr_mask);
 *   - a leaf of the level's entry size (2^shift) iff
 *     (e & leaf_mask) == leaf_val, or an ARM contiguous run of 2^alt_lg2
 *     iff (e & leaf_mask) == alt_val; both patterns include "no address
 *     bit at or above oas" and the ARM access flag;
 *   - anything else: the fast walker declines.
 * emask clears the rights a standard table above this level takes away
 * (all ones at the top), in the encoding of struct pt_fast.lut.
 * tf_val: leaf_val with the plan's rd_bit, under tf_mask (leaf_mask |
 * rd_bit): a natural leaf granting an unprivileged read, as a nested
 * walk's table fetch needs (never matched without an rd_bit).
 */
struct pt_fast_level {
	uint64_t tbl_mask;
	uint64_t tbl_val;
	uint64_t leaf_mask;
	uint64_t leaf_val;
	uint64_t alt_val;
	uint64_t off_mask;	/* (1 << shift) - 1 */
	uint64_t alt_off;	/* (1 << alt_lg2) - 1 */
	uint64_t tf_mask;
	uint64_t tf_val;
	uint16_t emask;
	uint8_t shift;
	uint8_t alt_lg2;
} __attribute__((aligned(128)));	/* a power of two: lv - f->lv is a
					 * shift */

/* Encoding of a pt_fast.lut entry. */
enum {
	PT_FAST_RIGHTS_USER = 0,  /* bits 0-2: R/W/X an unprivileged request
				   * gets (0 without PT_PERM_U) */
	PT_FAST_RIGHTS_PRIV = 8,  /* bits 8-10: R/W/X (PX) a privileged one */
	/* bits 3-5: PT_PROT_PRIV, PT_PROT_CACHE, PT_PROT_MMIO as in prot */
	PT_FAST_PROT_BITS = PT_PROT_PRIV | PT_PROT_CACHE | PT_PROT_MMIO,
};

/*
 * A walk of one table, precomputed by pt_fast_init() from a geometry and a
 * root: what pt_walk_lean() derives from struct pt_geom and the format's
 * decoder on every walk is here as per-level masks and a rights table.
 * The leaf's rights and attributes are a function of a few entry bits (a
 * "key" gathered from two windows of the entry); lut[key] holds them for
 * both request classes, filled at init by the format's own decoder, so
 * the decoder stays the one definition of what an entry grants.
 */
struct pt_fast {
	bool ok;		/* false: always declines (use pt_walk_lean) */
	uint8_t keys;		/* nested walk instance for the windows */
	uint8_t top;		/* levels - 1 */
	uint8_t sext;		/* x86: 64 - ias (canonical check), else 0 */
	uint8_t gran_lg2;
	uint8_t key_sa;		/* key = (e >> key_sa & key_ma) | */
	uint8_t key_ma;		/*       (e >> key_sb & key_mb)   */
	uint8_t key_sb;
	uint8_t key_mb;
	uint32_t idx_mask;	/* index mask below the top */
	uint32_t top_bytes;	/* size of the top table */
	uint64_t root;
	uint64_t va_mask;	/* (1 << ias) - 1 */
	uint64_t addr_mask;
	/* The entry bit that alone decides, at every level, whether a leaf
	 * grants an unprivileged read (derived from lut), or 0. */
	uint64_t rd_bit;
	struct pt_fast_level lv[PT_MAX_LEVELS];
	uint16_t lut[256];
};

/*
 * pt_fast_init() - precompute the walk of the table at @root described by
 * @g.  The plan copies what it needs: @g may go away afterwards.
 * Return: 0; -EOPNOTSUPP the walk is one the fast walker never takes
 * (PT_CFG_HW_AD, a root beyond oas, a format without a plan): f->ok is
 * then false and pt_fast_walk() always declines.
 */
int pt_fast_init(struct pt_fast *f, const struct pt_geom *g, uint64_t root);

/*
 * The leaf part of the fast walk: @pte read at level @l for @va is a leaf
 * granting @access?  Then *@oa, *@lg2 and *@prot are pt_walk()'s.
 */
static inline __attribute__((always_inline)) bool
pt_fast_leaf_k(const struct pt_fast *f, const struct pt_fast_level *lv,
	       uint64_t pte, uint64_t va, unsigned int access, uint64_t *oa,
	       unsigned int *lg2, unsigned int *prot, unsigned int ksa,
	       unsigned int kma, unsigned int ksb, unsigned int kmb)
{
	uint64_t off = lv->off_mask;
	unsigned int r, e, key, sh = lv->shift;

	if (__builtin_expect((pte & lv->leaf_mask) != lv->leaf_val, 0)) {
		if ((pte & lv->leaf_mask) != lv->alt_val)
			return false;
		off = lv->alt_off;
		sh = lv->alt_lg2;
	}
	key = (unsigned int)(((pte >> ksa) & kma) | ((pte >> ksb) & kmb));
	e = f->lut[key] & lv->emask;
	/* PT_ACCESS_PRIV is 8 = PT_FAST_RIGHTS_PRIV: the class's rights. */
	r = (e >> (access & PT_ACCESS_PRIV)) & 7;
	if (access & ~r & 7)
		return false;
	*oa = (pte & f->addr_mask & ~off) | (va & off);
	*lg2 = sh;
	*prot = r | (e & PT_FAST_PROT_BITS);
	return true;
}

/* pt_fast_leaf_k() with the plan's key windows. */
static inline __attribute__((always_inline)) bool
pt_fast_leaf(const struct pt_fast *f, const struct pt_fast_level *lv,
	     uint64_t pte, uint64_t va, unsigned int access, uint64_t *oa,
	     unsigned int *lg2, unsigned int *prot)
{
	return pt_fast_leaf_k(f, lv, pte, va, access, oa, lg2, prot,
			      f->key_sa, f->key_ma, f->key_sb, f->key_mb);
}

/*
 * The descent of a fast walk: the tables of @f from @tp (the root, a host
 * pointer) down for @va (already checked by pt_fast_va()) to the first
 * entry that is not a standard table entry, returned with its level in
 * *@level.
 */
static inline __attribute__((always_inline)) uint64_t
pt_fast_descend(const struct pt_fast *f, uint64_t va, const uint64_t *tp,
		unsigned int *level)
{
	const struct pt_fast_level *lv = &f->lv[f->top];
	uint64_t pte;

	/*
	 * Entries are read with single relaxed 64-bit loads, ordered after
	 * the pointer to their table by the address dependency (as Linux's
	 * READ_ONCE walkers are; x86 and arm64 both keep that order).  An
	 * acquire load would also make the compiler re-read every plan
	 * field after each entry, which the nested walk pays 24 times.
	 */
	/* The top index needs no mask: va is below 2^ias. */
	pte = __atomic_load_n(tp + (va >> lv->shift), __ATOMIC_RELAXED);
	while ((pte & lv->tbl_mask) == lv->tbl_val) {
		lv--;
		tp = (const uint64_t *)(uintptr_t)(pte & f->addr_mask);
		pte = __atomic_load_n(tp + ((va >> lv->shift) & f->idx_mask),
				      __ATOMIC_RELAXED);
	}
	*level = (unsigned int)(lv - f->lv);
	return pte;
}

/*
 * pt_fast_4x9() - is @f's walk four levels of 512 entries over a 4K
 * granule (shifts 39/30/21/12, no table entry at level 0)?  The geometry
 * of VT-d, AMD and 4K-granule ARM tables with 48-bit inputs; for such a
 * plan pt_fast_descend4() may replace pt_fast_descend().
 */
bool pt_fast_4x9(const struct pt_fast *f);

/*
 * pt_fast_descend() for a plan pt_fast_4x9() accepts: the same entries
 * loaded in the same order with the same tests, but unrolled with
 * constant shifts, index masks and levels (so no level pointer
 * arithmetic, no shift loads, and *@level a constant on each way out).
 * Level 0 needs no table test: the plan's level-0 table pattern matches
 * nothing, so pt_fast_descend()'s loop stops there too.
 */
static inline __attribute__((always_inline)) uint64_t
pt_fast_descend4(const struct pt_fast *f, uint64_t va, const uint64_t *tp,
		 unsigned int *level)
{
	uint64_t am = f->addr_mask, pte;
	unsigned int l = 3;

	/* The top index needs no mask: va is below 2^ias <= 2^48. */
	pte = __atomic_load_n(tp + (va >> 39), __ATOMIC_RELAXED);
	if ((pte & f->lv[3].tbl_mask) == f->lv[3].tbl_val) {
		tp = (const uint64_t *)(uintptr_t)(pte & am);
		pte = __atomic_load_n(tp + ((va >> 30) & 511),
				      __ATOMIC_RELAXED);
		l = 2;
		if ((pte & f->lv[2].tbl_mask) == f->lv[2].tbl_val) {
			tp = (const uint64_t *)(uintptr_t)(pte & am);
			pte = __atomic_load_n(tp + ((va >> 21) & 511),
					      __ATOMIC_RELAXED);
			l = 1;
			if ((pte & f->lv[1].tbl_mask) == f->lv[1].tbl_val) {
				tp = (const uint64_t *)(uintptr_t)(pte & am);
				pte = __atomic_load_n(tp + ((va >> 12) & 511),
						      __ATOMIC_RELAXED);
				l = 0;
			}
		}
	}
	*level = l;
	return pte;
}

/*
 * The walk core, for pt_fast_walk(), src/hw's caches-off entry and the
 * nested walker: the descent (unrolled when @unrolled, which requires a
 * pt_fast_4x9() plan), then the leaf test.  Returns false to decline;
 * *@level is the leaf's level.  Always inlined, so a caller with a
 * constant @access gets the rights test folded.
 */
static inline __attribute__((always_inline)) bool
pt_fast_core_k(const struct pt_fast *f, bool unrolled, uint64_t va,
	       unsigned int access, const uint64_t *tp, uint64_t *oa,
	       unsigned int *lg2, unsigned int *prot, unsigned int *level,
	       unsigned int ksa, unsigned int kma, unsigned int ksb,
	       unsigned int kmb)
{
	uint64_t pte = unrolled ? pt_fast_descend4(f, va, tp, level)
				: pt_fast_descend(f, va, tp, level);

	return pt_fast_leaf_k(f, &f->lv[*level], pte, va, access, oa, lg2,
			      prot, ksa, kma, ksb, kmb);
}

/* pt_fast_core_k() with the plan's key windows. */
static inline __attribute__((always_inline)) bool
pt_fast_core(const struct pt_fast *f, uint64_t va, unsigned int access,
	     const uint64_t *tp, uint64_t *oa, unsigned int *lg2,
	     unsigned int *prot, unsigned int *level)
{
	return pt_fast_core_k(f, false, va, access, tp, oa, lg2, prot, level,
			      f->key_sa, f->key_ma, f->key_sb, f->key_mb);
}

/* The input check of pt_fast_walk(): @iova -> the va the tables index. */
static inline __attribute__((always_inline)) bool
pt_fast_va(const struct pt_fast *f, uint64_t iova, uint64_t *va)
{
	if (f->sext) {
		if ((uint64_t)((int64_t)(iova << f->sext) >> f->sext) != iova)
			return false;
	} else if (iova & ~f->va_mask) {
		return false;
	}
	*va = iova & f->va_mask;
	return true;
}

/* A request the fast walker takes: some of R/W/X, maybe PRIV, no PROBE. */
static inline bool pt_fast_access_ok(unsigned int access)
{
	return (access & ~(unsigned int)PT_ACCESS_PRIV) - 1 <
	       (PT_ACCESS_READ | PT_ACCESS_WRITE | PT_ACCESS_EXEC);
}

/*
 * pt_fast_walk() - pt_walk_lean() from a plan, with identity table memory:
 * the same answers, in fewer instructions.  It declines (-EAGAIN) whenever
 * pt_walk() would do anything but return a translation, and also for AMD
 * NL=7 leaves, PT_ACCESS_PROBE and a request without R/W/X; on success
 * *@res equals pt_walk()'s result.
 */
static inline __attribute__((always_inline)) int
pt_fast_walk(const struct pt_fast *f, uint64_t iova, unsigned int access,
	     struct pt_lean_result *res)
{
	unsigned int lg2, prot, level;
	uint64_t va, oa;

	if (!f->ok || !pt_fast_access_ok(access) || !pt_fast_va(f, iova, &va) ||
	    !pt_fast_core(f, va, access, (const uint64_t *)(uintptr_t)f->root,
			  &oa, &lg2, &prot, &level))
		return -EAGAIN;
	res->oa = oa;
	res->leaf_lg2 = lg2;
	res->prot = prot;
	res->reads = f->top - level + 1;
	return 0;
}

/* The result of pt_fast_walk_nested(). */
struct pt_nested_result {
	struct pt_lean_result s1;  /* stage 1: oa is the IPA, reads its own */
	struct pt_lean_result s2;  /* the output's stage-2 walk */
	unsigned int reads;	   /* every entry loaded, both stages */
};

/*
 * pt_fast_nested_ok() - can pt_fast_walk_nested() walk @s1 over @s2?  Both
 * plans usable, a stage-1 granule no larger than the stage-2 one, and a
 * stage-1 root aligned to it with a top table of at most one granule: then
 * every stage-1 table lies inside one stage-2 leaf.
 */
bool pt_fast_nested_ok(const struct pt_fast *s1, const struct pt_fast *s2);

/*
 * pt_fast_walk_nested() - the two-dimensional walk of @iova: every
 * stage-1 table address (an IPA, the root included) is translated by a
 * stage-2 walk for a read, then the stage-1 leaf's output by a stage-2
 * walk for @access; (N + 1)(M + 1) - 1 entry loads for N x M levels.
 * Both stages' walks are pt_fast_walk()'s, inlined.  Precondition:
 * pt_fast_nested_ok(@s1, @s2).  Declines (-EAGAIN) whenever one of those
 * walks would; *@res is valid on success.
 */
int pt_fast_walk_nested(const struct pt_fast *s1, const struct pt_fast *s2,
			uint64_t iova, unsigned int access,
			struct pt_nested_result *res);

/* pt_walk() on a table made by pt_create(), identity memory. */
int pt_walk_table(const struct pt *pt, uint64_t iova, unsigned int access,
		  struct pt_walk_result *res);

/* Format descriptor name ("vtd-ss", "arm-s1", ...) or NULL. */
const char *pt_format_name(enum pt_format format);

/* Memory attribute indirection the ARM stage-1 leaves assume (MAIR):
 * index 0 Normal NC (0x44), 1 Normal WB RW-allocate (0xff), 2 Device-nGnRE
 * (0x04). */
#define PT_ARM_MAIR 0x0004ff44ULL

#endif
