/* SPDX-License-Identifier: MIT */
/*
 * Private declarations of the uiommu core: contexts, the object table, IOAS,
 * pages (pinning and accounting), accesses and the domain hook through which
 * page tables receive an IOAS's mappings.
 *
 * Range convention: [start, last] inclusive everywhere; "end" would be
 * exclusive and is avoided; lengths only at the public API.  Every
 * start + length - 1 is overflow-checked (last may be UINT64_MAX).
 *
 * Locking: one recursive mutex per context (ctx->lock) serialises every
 * public call on that context, including access callbacks that re-enter to
 * unpin.  The process-wide pin counters are atomics.  No other locks exist,
 * so there is no lock order to get wrong.
 */
#ifndef UIOMMU_CORE_H
#define UIOMMU_CORE_H

#include <uiommu/uiommu.h>

#include "util/itree.h"
#include "util/slab.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UIOMMU_PAGE_SIZE 4096ULL
#define UIOMMU_PAGE_MASK (UIOMMU_PAGE_SIZE - 1)

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---- objects ------------------------------------------------------------ */

enum obj_type {
	OBJ_NONE = 0,
	OBJ_IOAS,
	OBJ_DEVICE,
	OBJ_HWPT_PAGING,
	OBJ_HWPT_NESTED,
	OBJ_VIOMMU,
	OBJ_VDEVICE,
	OBJ_TYPE_MAX,
};

enum obj_state {
	OBJ_RESERVED = 1, /* id taken, not yet visible (two-phase create) */
	OBJ_LIVE,
	OBJ_TOMBSTONE,    /* id kept unusable until the context closes */
};

/* Embedded first in every object (checked with _Static_assert). */
struct uiommu_obj {
	struct uiommu_ctx *ctx;
	uint32_t id;
	uint16_t type;  /* enum obj_type */
	uint16_t state; /* enum obj_state */
	/* The table's reference (1) plus one per graph edge onto us. */
	uint32_t users;
};

struct obj_ops {
	/* Tear down a live object whose only user is the table. Never fails. */
	void (*destroy)(struct uiommu_obj *obj);
	/* Undo a create that never finalized; defaults to destroy. */
	void (*abort)(struct uiommu_obj *obj);
};

/* Reserve an id and allocate @size zeroed bytes (two-phase create). */
int obj_alloc(struct uiommu_ctx *ctx, enum obj_type type, size_t size,
	      struct uiommu_obj **out);
void obj_finalize(struct uiommu_obj *obj);
void obj_abort(struct uiommu_obj *obj);
/* A live object of @type (OBJ_NONE: any type), or NULL. */
struct uiommu_obj *obj_lookup(struct uiommu_ctx *ctx, uint32_t id,
			      enum obj_type type);
int obj_destroy(struct uiommu_ctx *ctx, uint32_t id);
/*
 * Destroy a live object whose only user is the table, but keep its id
 * taken and unusable (lookups fail) until the context closes: what iommufd
 * does to a vDEVICE whose device goes away under it.
 */
void obj_tombstone(struct uiommu_obj *obj);
static inline void obj_get(struct uiommu_obj *obj)
{
	obj->users++;
}
static inline void obj_put(struct uiommu_obj *obj)
{
	obj->users--;
}
struct uiommu_obj *obj_iter(struct uiommu_ctx *ctx, uint32_t *pos);
bool obj_table_empty(struct uiommu_ctx *ctx);
void obj_table_teardown(struct uiommu_ctx *ctx);
void obj_table_free(struct uiommu_ctx *ctx);

/* Open-addressing id -> object map (ids allocated cyclically, never 0). */
struct obj_table {
	struct uiommu_obj **slots; /* NULL empty, OBJ_DELETED removed */
	uint32_t cap;              /* power of two */
	uint32_t used;             /* live + deleted slots */
	uint32_t count;            /* objects present */
	uint32_t next_id;
};

/* ---- context ------------------------------------------------------------ */

enum account_mode {
	ACCOUNT_USER = 0, /* RLIMIT_MODE 0: charge the user (default) */
	ACCOUNT_MM = 1,   /* RLIMIT_MODE 1: charge the process */
};

struct ioas;

struct uiommu_ctx {
	pthread_mutex_t lock; /* recursive; see file comment */
	struct obj_table objs;
	enum account_mode account_mode;
	uint64_t pinned;          /* pages this context has charged */
	struct ioas *vfio_ioas;   /* IOMMU_VFIO_IOAS compat IOAS, not a ref */
	struct uiommu_access *accesses; /* open accesses, for teardown */
	/* SW_MSI doorbell pages: one IOVA per page per context (R68). */
	struct ctx_sw_msi {
		uint64_t sw_msi_start;
		uint64_t msi_page;
		uint32_t pgoff;
	} sw_msi[64];
	uint32_t nsw_msi;
	struct slab area_slab;
	struct slab pages_slab;
};

void ctx_lock(struct uiommu_ctx *ctx);
void ctx_unlock(struct uiommu_ctx *ctx);

/* Pinned-page accounting against RLIMIT_MEMLOCK.  -ENOMEM past the limit. */
int account_charge(struct uiommu_ctx *ctx, enum account_mode mode,
		   uint64_t npages);
void account_uncharge(struct uiommu_ctx *ctx, enum account_mode mode,
		      uint64_t npages);
/* Test hook: override RLIMIT_MEMLOCK (pages); UINT64_MAX = use getrlimit. */
extern uint64_t ut_memlock_pages;
/* Test hook: -1 ask the kernel; 0/1 pretend CAP_SYS_RESOURCE is absent/held. */
extern int ut_cap_sys_resource;

/* ---- pages: the memory behind areas -------------------------------------- */

enum pages_flags {
	PAGES_WRITABLE = 1 << 0,
	PAGES_FILE = 1 << 1,  /* base is uiommu's own MAP_SHARED mapping */
};

/*
 * A run of host pages shared by every area made from one MAP (COPY adds
 * areas, not pages).  Pin counts are per page and allocated on first pin,
 * so a recorded-but-unused mapping costs only this struct.
 */
struct pages {
	uint64_t base;     /* page-aligned host VA of page 0 */
	uint64_t npages;
	uint32_t refs;     /* areas using us */
	uint8_t flags;     /* enum pages_flags */
	uint8_t account;   /* enum account_mode charged at pin time */
	uint16_t pad;
	uint32_t *pin;     /* per-page pin counts, NULL when none pinned */
	uint64_t npinned;  /* pages whose count is non-zero (= charged) */
};

int pages_create_user(struct uiommu_ctx *ctx, uint64_t uptr, uint64_t length,
		      bool writable, struct pages **out);
int pages_create_file(struct uiommu_ctx *ctx, int fd, uint64_t start,
		      uint64_t length, bool writable, struct pages **out);
void pages_put(struct uiommu_ctx *ctx, struct pages *p);
/* Pin pages [first, last] (indexes); write needs PAGES_WRITABLE memory. */
int pages_pin(struct uiommu_ctx *ctx, struct pages *p, uint64_t first,
	      uint64_t last, bool write);
void pages_unpin(struct uiommu_ctx *ctx, struct pages *p, uint64_t first,
		 uint64_t last);

/* ---- IOAS ---------------------------------------------------------------- */

enum span_kind {
	SPAN_AREA = 1,
	SPAN_RESV = 2, /* a segment of the union of reserved ranges */
};

/*
 * The IOVA tree holds areas and the union of reserved ranges as
 * non-overlapping nodes, so its gaps are exactly the free IOVA space.
 */
struct area {
	struct itree_node node;
	uint32_t kind;          /* SPAN_AREA */
	uint32_t prot;          /* UIOMMU_MAP_READ | UIOMMU_MAP_WRITE */
	struct pages *pages;
	uint64_t start_byte;    /* offset of node.start in pages */
	uint32_t num_accesses;  /* access pins inside this area */
	uint32_t pad;
};

/* One reserved range with its owner; node is a union-segment slot. */
struct resv {
	struct itree_node node;
	uint32_t kind;          /* SPAN_RESV */
	bool slot_used;         /* node is in the IOVA tree */
	uint64_t start, last;
	const void *owner;
};

/*
 * Something that mirrors an IOAS's mappings: a page table (HWPT_PAGING) or
 * a test mock.  Attach pins and maps every area; map/unmap then keep it in
 * sync (R21).  unmap must not fail.
 */
struct ioas_domain_ops {
	int (*map)(void *priv, uint64_t iova, uint64_t hva, uint64_t length,
		   uint32_t prot);
	void (*unmap)(void *priv, uint64_t iova, uint64_t length);
};
#define IOAS_PROT_SMALL_PAGES (1u << 16) /* HUGE_PAGES option is 0 */
/* Always set: iommufd maps everything IOMMU_CACHE (R31). */
#define IOAS_PROT_CACHE (1u << 17)
/* An MSI doorbell page (SW_MSI), not memory. */
#define IOAS_PROT_MMIO (1u << 18)

struct ioas_domain {
	const struct ioas_domain_ops *ops;
	void *priv;
	uint64_t min_pgsize;      /* smallest IO page size */
	uint64_t aperture_start;  /* IOVA the domain can translate */
	uint64_t aperture_last;
	struct ioas_domain *next; /* on ioas->domains */
};

struct ioas {
	struct uiommu_obj obj;
	struct itree iova;        /* areas + reserved-union segments */
	struct resv **resv;       /* sorted by (start, last) */
	uint32_t nresv, resv_cap;
	struct uiommu_iova_range *allowed; /* sorted, disjoint */
	uint32_t nallowed;
	uint32_t nareas;
	uint64_t iova_alignment;
	bool disable_large_pages;
	struct ioas_domain *domains;
};

struct ioas *ioas_get(struct uiommu_ctx *ctx, uint32_t id);
extern const struct obj_ops ioas_ops;

static inline struct area *area_of(struct itree_node *n)
{
	return container_of(n, struct area, node);
}
static inline uint32_t span_kind(const struct itree_node *n)
{
	/* Both struct area and struct resv put kind right after node. */
	return *(const uint32_t *)(n + 1);
}
static inline uint64_t area_hva(const struct area *a, uint64_t iova)
{
	return a->pages->base + a->start_byte + (iova - a->node.start);
}

/* IOVA-space operations (iova.c), all under the context lock. */
struct area *iova_first_area(struct ioas *ioas, uint64_t start, uint64_t last);
struct area *iova_next_area(struct area *a, uint64_t last);
bool iova_hits_resv(struct ioas *ioas, uint64_t start, uint64_t last);
int iova_alloc(struct ioas *ioas, uint64_t uptr, uint64_t length,
	       uint64_t *iova);
int iova_check_fixed(struct ioas *ioas, uint64_t iova, uint64_t length);
int iova_reserve(struct ioas *ioas, uint64_t start, uint64_t last,
		 const void *owner);
void iova_unreserve_owner(struct ioas *ioas, const void *owner);
int iova_unreserve_exact(struct ioas *ioas, uint64_t start, uint64_t last,
			 const void *owner);
int iova_set_allowed(struct ioas *ioas, struct uiommu_iova_range *r,
		     uint32_t n);
/* Holes of the reserved union over [0, UINT64_MAX]; returns the count. */
uint32_t iova_usable_ranges(struct ioas *ioas, struct uiommu_iova_range *out,
			    uint32_t cap);
void iova_free_all_resv(struct ioas *ioas);

/* Domain hook (used by HWPT_PAGING; tests attach mocks). */
int ioas_domain_attach(struct ioas *ioas, struct ioas_domain *d);
void ioas_domain_detach(struct ioas *ioas, struct ioas_domain *d);

/* Library-level operations shared by the C API and the ioctl layer. */
int ioas_alloc(struct uiommu_ctx *ctx, uint32_t *out_id);
int ioas_map_user(struct uiommu_ctx *ctx, uint32_t ioas_id, uint64_t uptr,
		  uint64_t length, uint64_t *iova, uint32_t flags);
int ioas_map_file(struct uiommu_ctx *ctx, uint32_t ioas_id, int fd,
		  uint64_t start, uint64_t length, uint64_t *iova,
		  uint32_t flags);
int ioas_copy(struct uiommu_ctx *ctx, uint32_t dst_id, uint32_t src_id,
	      uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
	      uint32_t flags);
int ioas_unmap(struct uiommu_ctx *ctx, uint32_t ioas_id, uint64_t iova,
	       uint64_t length, uint64_t *unmapped);
int ioas_set_huge_pages(struct ioas *ioas, bool enable);
int ioas_change_process(struct uiommu_ctx *ctx);
int ctx_set_rlimit_mode(struct uiommu_ctx *ctx, uint64_t val);
int ctx_option(struct uiommu_ctx *ctx, uint32_t option_id, uint16_t op,
	       uint32_t object_id, uint64_t *val);
/* Takes ownership of @r (freed on failure). */
int ioas_allow_iovas(struct uiommu_ctx *ctx, uint32_t ioas_id,
		     struct uiommu_iova_range *r, uint32_t n);

/* ---- accesses ------------------------------------------------------------- */

/* Ask every access pinning [start, last] of @ioas to let go. */
void access_notify_unmap(struct ioas *ioas, uint64_t start, uint64_t last);
void access_teardown_all(struct uiommu_ctx *ctx);

#endif
