// SPDX-License-Identifier: MIT
/*
 * The threads' DMA hints (src/hw/dma.c): a thread's copy of the last run
 * it used per direction, which hw_dma_read()/hw_dma_write() try before the
 * instance's run line.  A hint must never outlive what it copies: it
 * serves only its own instance and stream, never grants a right the run
 * was not checked for, and dies with any change to the instance (fill,
 * invalidation, configuration), with the instance itself (so a new
 * instance at the same address starts clean), and with a change made on
 * another thread.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "hw/hw_priv.h"
#include "t_hw.h"

#define SZ_4K 0x1000ULL
#define IOVA 0x80000000ULL
#define NPG 4
#define RO_PAGE 3		/* mapped read-only */
#define RID 2
#define DID 1
#define RW (PT_PROT_READ | PT_PROT_WRITE)

/* An instance whose RID sees NPG pages of memory, every byte @fill. */
static int t_hint_init(struct t_hw *t, unsigned char fill)
{
	uintptr_t mem;
	int rc = t_hw_init(t);

	if (rc)
		return rc;
	memset(t->mem, fill, NPG * SZ_4K);
	mem = (uintptr_t)t->mem;
	rc = pt_map(t->pt, IOVA, mem, RO_PAGE * SZ_4K, RW, NULL);
	rc = rc ? rc : pt_map(t->pt, IOVA + RO_PAGE * SZ_4K,
			      mem + RO_PAGE * SZ_4K, SZ_4K, PT_PROT_READ,
			      NULL);
	return rc ? rc : t_hw_attach(t, RID, DID);
}

/* A 2 KiB read at @iova (hints are taken from 1 KiB on): 0 and every
 * byte @want, or the error. */
static int t_read(struct t_hw *t, uint64_t iova, unsigned char want)
{
	unsigned char buf[2048];
	int rc;

	memset(buf, 0x11, sizeof(buf));
	rc = hw_dma_read(t->m, RID, HW_PASID_NONE, iova, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != (rc ? 0x11 : want))
			return rc ? -1000 : -1001;	/* touched / wrong */
	return rc;
}

/*
 * Reads @iova until a hint names the instance (the run line answered and
 * became the hint; how many reads that takes depends on the IOTLB), then
 * once more, through the hint.  -1002: no hint was ever taken.
 */
static int t_read2(struct t_hw *t, uint64_t iova, unsigned char want)
{
	int rc = 0;

	for (int i = 0; i < 4 && !rc && !t->m->hint_armed; i++)
		rc = t_read(t, iova, want);
	if (!rc && !t->m->hint_armed)
		rc = -1002;
	return rc ? rc : t_read(t, iova, want);
}

TEST(hw_hint, serves_only_its_own_instance)
{
	struct t_hw a, b;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_hint_init(&b, 0xbb));
	/* Same rid, PASID and IOVA on both: only the instance differs. */
	for (int i = 0; i < 4; i++) {
		ASSERT_OK(t_read2(&a, IOVA + 64, 0xaa));
		ASSERT_OK(t_read2(&b, IOVA + 64, 0xbb));
	}
	/* Nor another stream of the same instance. */
	{
		unsigned char buf[8];

		ASSERT_OK(t_read2(&a, IOVA, 0xaa));
		ASSERT_ERRNO(EFAULT, hw_dma_read(a.m, RID + 1, HW_PASID_NONE,
						 IOVA, buf, sizeof(buf)));
		ASSERT_ERRNO(EFAULT, hw_dma_read(a.m, RID, 7, IOVA, buf,
						 sizeof(buf)));
	}
	t_hw_fini(&a);
	t_hw_fini(&b);
}

/* A read hint over the read-only page lets no write through. */
TEST(hw_hint, a_read_hint_grants_no_write)
{
	unsigned char buf[2048];
	struct t_hw a;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	ASSERT_OK(t_read2(&a, IOVA + RO_PAGE * SZ_4K, 0xaa));
	memset(buf, 0x5c, sizeof(buf));
	for (int i = 0; i < 2; i++)
		ASSERT_ERRNO(EFAULT, hw_dma_write(a.m, RID, HW_PASID_NONE,
						  IOVA + RO_PAGE * SZ_4K, buf,
						  sizeof(buf)));
	ASSERT_EQ(a.mem[RO_PAGE * SZ_4K], 0xaa);
	/* A write run of its own over the writable pages works... */
	for (int i = 0; i < 2; i++)
		ASSERT_OK(hw_dma_write(a.m, RID, HW_PASID_NONE, IOVA, buf,
				       sizeof(buf)));
	ASSERT_EQ(a.mem[0], 0x5c);
	/* ...and never reaches the read-only page either. */
	ASSERT_ERRNO(EFAULT, hw_dma_write(a.m, RID, HW_PASID_NONE,
					  IOVA + RO_PAGE * SZ_4K, buf,
					  sizeof(buf)));
	ASSERT_EQ(a.mem[RO_PAGE * SZ_4K], 0xaa);
	t_hw_fini(&a);
}

/* A hint carries the rights its run was checked for, no more: a read
 * hint does not let an execute request through (the mapping has no X);
 * a privileged read, which it was not checked for either, still gets its
 * answer from the full path. */
TEST(hw_hint, serves_only_the_rights_it_was_checked_for)
{
	struct t_hw a;
	size_t avail;
	void *hva;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	for (int i = 0; i < 3; i++)
		ASSERT_OK(hw_dma_translate(a.m, RID, HW_PASID_NONE, IOVA,
					   2048, PT_ACCESS_READ, &hva,
					   &avail));
	ASSERT_TRUE(a.m->hint_armed);
	ASSERT_ERRNO(EFAULT, hw_dma_translate(a.m, RID, HW_PASID_NONE, IOVA,
					      2048, PT_ACCESS_READ |
					      PT_ACCESS_EXEC, &hva, &avail));
	ASSERT_OK(hw_dma_translate(a.m, RID, HW_PASID_NONE, IOVA, 2048,
				   PT_ACCESS_READ | PT_ACCESS_PRIV, &hva,
				   &avail));
	ASSERT_EQ((uintptr_t)hva, (uintptr_t)a.mem);
	t_hw_fini(&a);
}

/* Transfers below 1 KiB are served by the run line and take no hint, so
 * they never make the instance's changes move the shared epoch. */
TEST(hw_hint, small_transfers_take_none)
{
	unsigned char buf[1023];
	struct t_hw a;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	for (int i = 0; i < 4; i++) {
		ASSERT_OK(hw_dma_read(a.m, RID, HW_PASID_NONE, IOVA, buf,
				      sizeof(buf)));
		ASSERT_EQ(buf[sizeof(buf) - 1], 0xaa);
	}
	ASSERT_FALSE(a.m->hint_armed);
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	ASSERT_TRUE(a.m->hint_armed);
	t_hw_fini(&a);
}

/* Unmapped and invalidated: the next read faults, touching nothing. */
TEST(hw_hint, dropped_by_an_invalidation)
{
	struct t_hw a;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_read2(&a, IOVA + SZ_4K, 0xaa));
	ASSERT_OK(pt_unmap(a.pt, IOVA + SZ_4K, SZ_4K, NULL, NULL));
	ASSERT_OK(hw_vtd_iotlb_page(a.m, DID, IOVA + SZ_4K, 0, false));
	ASSERT_ERRNO(EFAULT, t_read(&a, IOVA + SZ_4K, 0));
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	t_hw_fini(&a);
}

TEST(hw_hint, dropped_by_a_configuration_change)
{
	struct hw_config blocked = { .mode = HW_MODE_BLOCKED };
	struct t_hw a;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	ASSERT_OK(hw_config_set(a.m, RID, HW_PASID_NONE, &blocked));
	ASSERT_ERRNO(EFAULT, t_read(&a, IOVA, 0));
	ASSERT_OK(t_hw_attach(&a, RID, DID));
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	ASSERT_OK(hw_config_clear(a.m, RID, HW_PASID_NONE));
	ASSERT_ERRNO(EFAULT, t_read(&a, IOVA, 0));
	t_hw_fini(&a);
}

static bool t_arm(struct t_hw *t)
{
	return !t_read2(t, IOVA, 0xaa) && t->m->hint_armed;
}

/* Taking a hint arms the instance; its next change moves the epoch once. */
TEST(hw_hint, a_change_moves_the_epoch_only_when_armed)
{
	struct t_hw a;
	uint64_t e;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_FALSE(a.m->hint_armed);
	ASSERT_TRUE(t_arm(&a));
	e = hw_hint_epoch;
	for (int i = 0; i < 3; i++)
		ASSERT_OK(t_read(&a, IOVA, 0xaa));	/* the hint */
	ASSERT_EQ(hw_hint_epoch, e);
	ASSERT_TRUE(a.m->hint_armed);
	ASSERT_OK(hw_vtd_iotlb_page(a.m, DID, IOVA + 2 * SZ_4K, 0, false));
	ASSERT_EQ(hw_hint_epoch, e + 1);
	ASSERT_FALSE(a.m->hint_armed);
	/* Not armed: further changes leave the epoch alone. */
	ASSERT_OK(hw_vtd_iotlb_page(a.m, DID, IOVA + 2 * SZ_4K, 0, false));
	ASSERT_OK(hw_config_clear(a.m, RID, HW_PASID_NONE));
	ASSERT_OK(t_hw_attach(&a, RID, DID));
	ASSERT_EQ(hw_hint_epoch, e + 1);
	/* Destroying an armed instance moves it too. */
	ASSERT_TRUE(t_arm(&a));
	e = hw_hint_epoch;
	t_hw_fini(&a);
	ASSERT_EQ(hw_hint_epoch, e + 1);
}

/*
 * A new instance where a destroyed one was (malloc hands the block back
 * on the next allocation of its size without ASan's quarantine): the old
 * hint names that address but must not serve the new instance.
 */
TEST(hw_hint, dies_with_its_instance)
{
	struct t_hw a, b;
	uintptr_t old;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_read2(&a, IOVA, 0xaa));
	old = (uintptr_t)a.m;
	hw_destroy(a.m);
	a.m = NULL;
	ASSERT_OK(hw_create(HW_MODEL_VTD, NULL, &a.m));
	/* Same table, other memory behind it: a stale hint reads 0xaa. */
	ASSERT_OK(t_hint_init(&b, 0xbb));
	ASSERT_OK(pt_unmap(a.pt, IOVA, SZ_4K, NULL, NULL));
	ASSERT_OK(pt_map(a.pt, IOVA, (uintptr_t)b.mem, SZ_4K, RW, NULL));
	ASSERT_OK(t_hw_attach(&a, RID, DID));
	ASSERT_OK(t_read2(&a, IOVA, 0xbb));
	if ((uintptr_t)a.m != old)
		printf("# the new instance is elsewhere (0x%" PRIxPTR
		       " vs 0x%" PRIxPTR ")\n", (uintptr_t)a.m, old);
	t_hw_fini(&a);
	t_hw_fini(&b);
}

/* A thread's hint, a change made on another thread in between. */
struct t_hint_thread {
	struct t_hw *t;
	sem_t go, done;
	int rc[2];
};

static void *t_hint_reader(void *arg)
{
	struct t_hint_thread *x = arg;

	x->rc[0] = t_read2(x->t, IOVA + SZ_4K, 0xaa);
	sem_post(&x->done);
	sem_wait(&x->go);
	x->rc[1] = t_read(x->t, IOVA + SZ_4K, 0);
	sem_post(&x->done);
	return NULL;
}

TEST(hw_hint, dropped_by_a_change_on_another_thread)
{
	struct t_hint_thread x;
	struct t_hw a, b;
	pthread_t th;

	ASSERT_OK(t_hint_init(&a, 0xaa));
	ASSERT_OK(t_hint_init(&b, 0xbb));
	x.t = &a;
	ASSERT_OK(sem_init(&x.go, 0, 0));
	ASSERT_OK(sem_init(&x.done, 0, 0));
	ASSERT_OK(pthread_create(&th, NULL, t_hint_reader, &x));
	sem_wait(&x.done);
	/* This thread's own hint on another instance comes and goes. */
	ASSERT_OK(t_read2(&b, IOVA, 0xbb));
	ASSERT_OK(pt_unmap(a.pt, IOVA + SZ_4K, SZ_4K, NULL, NULL));
	ASSERT_OK(hw_vtd_iotlb_page(a.m, DID, IOVA + SZ_4K, 0, false));
	ASSERT_OK(t_read2(&b, IOVA, 0xbb));
	sem_post(&x.go);
	sem_wait(&x.done);
	ASSERT_OK(pthread_join(th, NULL));
	ASSERT_OK(x.rc[0]);
	ASSERT_ERRNO(EFAULT, x.rc[1]);
	sem_destroy(&x.go);
	sem_destroy(&x.done);
	t_hw_fini(&a);
	t_hw_fini(&b);
}
