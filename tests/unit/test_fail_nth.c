// SPDX-License-Identifier: MIT
/*
 * Fault-injection sweep (house style: iommufd's fail_nth).
 *
 * A scenario touching every IOAS path runs again and again with the n-th
 * fallible point (allocation, file mapping, /proc read) forced to fail, for
 * n = 1, 2, ... until a run completes without reaching the injection.  At
 * the failing step the test checks that the call reported an error and that
 * the IOASes, reserved ranges and pin counters are exactly as before the
 * call; then the context is destroyed and the process-wide pin counter must
 * be back at zero (LeakSanitizer checks the heap in SAN builds).
 */
#include "t_util.h"

#include "util/alloc.h"

#include <unistd.h>

#define SNAP_MAX 64

struct snap {
	struct uiommu_span s[2][SNAP_MAX];
	unsigned n[2];
	struct uiommu_pin_stats pins;
	uint32_t objects;
};

static int snap_cb(const struct uiommu_span *s, void *opaque)
{
	struct snap *sn = opaque;
	unsigned *n = &sn->n[1];

	/* The walk for IOAS 0 runs first and moves its count out. */
	if (*n < SNAP_MAX)
		sn->s[1][*n] = *s;
	(*n)++;
	return 0;
}

static void take_snap(struct uiommu_ctx *c, const uint32_t ids[2],
		      struct snap *sn)
{
	memset(sn, 0, sizeof(*sn));
	for (int i = 0; i < 2; i++) {
		sn->n[1] = 0;
		if (ids[i])
			uiommu_ioas_walk(c, ids[i], snap_cb, sn);
		if (i == 0) {
			memcpy(sn->s[0], sn->s[1], sizeof(sn->s[0]));
			sn->n[0] = sn->n[1];
		}
	}
	uiommu_pin_stats(c, &sn->pins);
	sn->objects = c->objs.count;
}

static bool same_snap(const struct snap *a, const struct snap *b)
{
	return !memcmp(a->n, b->n, sizeof(a->n)) &&
	       !memcmp(a->s, b->s, sizeof(a->s)) &&
	       a->pins.ctx_pinned == b->pins.ctx_pinned &&
	       a->objects == b->objects;
}

struct scenario {
	struct uiommu_ctx *c;
	uint32_t ids[2];
	char *buf;
	int fd;
	struct mock_domain *mock;
	struct uiommu_access *acc;
	int step;
};

/* Step @i of the scenario; returns its rc, or 1 when there is no step i. */
static int scenario_step(struct scenario *s, int i)
{
	struct iommu_iova_range allow[1] = { { 0x100000, 0x8fffff } };
	struct iommu_iova_range r[8];
	uint64_t iova = 0, n;
	uint32_t cnt = 8;

	switch (i) {
	case 0: return _t_ioas_alloc(s->c, &s->ids[0]);
	case 1: return _t_ioas_alloc(s->c, &s->ids[1]);
	case 2: return uiommu_ioas_reserve(s->c, s->ids[0], 0xfee00000,
					   0xfeefffff);
	case 3: return _t_allow(s->c, s->ids[0], allow, 1);
	case 4: return _t_map_fixed(s->c, s->ids[0], s->buf, 4 * PG, 0x10000);
	case 5: return _t_map(s->c, s->ids[0], s->buf + 4 * PG, 4 * PG, &iova,
			      RW);
	case 6: {
		struct iommu_ioas_map_file cmd = {
			.size = sizeof(cmd), .flags = FIXED,
			.ioas_id = s->ids[0], .fd = s->fd, .length = 2 * PG,
			.iova = 0x20000,
		};
		return uiommu_ioctl(s->c, IOMMU_IOAS_MAP_FILE, &cmd);
	}
	case 7: return t_domain_attach(s->c, s->ids[0], s->mock);
	case 8: return _t_map_fixed(s->c, s->ids[0], s->buf, 2 * PG, 0x30000);
	case 9:
		iova = 0x40000;
		return _t_copy(s->c, s->ids[1], s->ids[0], 0x11000, 2 * PG,
			       &iova, FIXED);
	case 10:
		iova = 0;
		return _t_copy(s->c, s->ids[0], s->ids[0], 0x10000, 4 * PG,
			       &iova, RW);
	case 11: return uiommu_access_create(s->c, s->ids[1], NULL, NULL,
					     &s->acc);
	case 12: return uiommu_access_pin(s->acc, 0x40000, 2 * PG,
					  UIOMMU_MAP_WRITE);
	case 13: return _t_ranges(s->c, s->ids[0], r, &cnt, NULL);
	case 14: return _t_unmap(s->c, s->ids[0], 0x10000, 4 * PG, &n);
	case 15: return _t_unmap(s->c, s->ids[0], 0, UINT64_MAX, &n);
	default: return 1;
	}
}

/* Returns true when the run completed without an injected failure. */
static bool run_once(unsigned long nth)
{
	struct scenario s = { .fd = memfd_create("f", 0) };
	bool completed = true;
	struct snap before, after;

	if (s.fd < 0 || ftruncate(s.fd, 4 * PG))
		FAIL("memfd");
	s.buf = t_buf(16 * PG);
	s.mock = calloc(1, sizeof(*s.mock));
	ASSERT_NONNULL(s.mock);
	mock_domain_init(s.mock, 1, 0, UINT64_MAX);
	ut_fail_nth = nth;
	if (uiommu_ctx_create(&s.c)) {
		ut_fail_nth = 0;
		completed = false;
		goto out_noctx;
	}
	for (int i = 0;; i++) {
		int rc;

		take_snap(s.c, s.ids, &before);
		rc = scenario_step(&s, i);
		if (rc == 1)
			break;
		if (rc) {
			take_snap(s.c, s.ids, &after);
			if (!same_snap(&before, &after))
				FAIL("n=%lu step %d rc %d changed state", nth,
				     i, rc);
			ASSERT_EQ(ut_fail_nth, (unsigned long)0);
			completed = false;
			break;
		}
	}
	ut_fail_nth = 0;
	if (s.acc)
		uiommu_access_destroy(s.acc);
	if ((s.ids[0] && ioas_get(s.c, s.ids[0]) &&
				 ioas_get(s.c, s.ids[0])->domains))
		t_domain_detach(s.c, s.ids[0], s.mock);
	ASSERT_EQ(s.mock->contract_errors, 0u);
	uiommu_ctx_destroy(s.c);
out_noctx:
	free(s.mock);
	munmap(s.buf, 16 * PG);
	close(s.fd);
	return completed;
}

TEST(fail_nth, ioas_scenario)
{
	struct uiommu_ctx *probe;
	struct uiommu_pin_stats st;
	unsigned long n;

	for (n = 1; n < 10000; n++)
		if (run_once(n))
			break;
	/* Every fallible point was reached and failed once. */
	ASSERT_GT(n, 20UL);
	ASSERT_LT(n, 10000UL);
	ASSERT_OK(uiommu_ctx_create(&probe));
	ASSERT_OK(uiommu_pin_stats(probe, &st));
	ASSERT_EQ(st.user_locked, 0ULL);
	uiommu_ctx_destroy(probe);
	fprintf(stderr, "  %lu failure points swept\n", n - 1);
}
