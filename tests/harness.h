/* SPDX-License-Identifier: MIT */
/*
 * uiommu's own small test harness.
 *
 * Tests register themselves through constructors; the runner (harness.c)
 * runs each one in a forked child so a crash or a leak report stays with the
 * test that caused it, then prints one line per test and, last,
 * "N passed, N failed, N skipped".
 *
 *   TEST(suite, name) { ... }
 *   FIXTURE(f) { fields };  FIXTURE_SETUP(f) { self->... }  FIXTURE_TEARDOWN(f)
 *   FIXTURE_VARIANT(f) { fields };  FIXTURE_VARIANT_ADD(f, v) { .field = x };
 *   TEST_F(f, name) { self->..., variant->... }
 *
 * ASSERT_* stops the test (teardown still runs); EXPECT_* records a failure
 * and continues.  ASSERT_ERRNO(E, rc) checks rc == -E: every uiommu call
 * returns 0/count or -errno, so this is the one errno check tests need.
 * SKIP(reason) ends the test as skipped.
 */
#ifndef UIOMMU_TEST_HARNESS_H
#define UIOMMU_TEST_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct t_case {
	const char *fixture; /* suite name for TEST, fixture name for TEST_F */
	const char *name;
	void (*fn)(void *self, const void *variant);
	size_t self_size;
	void (*setup)(void *self, const void *variant);
	void (*teardown)(void *self, const void *variant);
	struct t_variant **variants; /* list head of the fixture's variants */
	struct t_case *next;
};

struct t_variant {
	const char *name;
	const void *data;
	struct t_variant *next;
};

void t_register(struct t_case *c);
void t_variant_register(struct t_variant **head, struct t_variant *v);
void t_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void t_abort_test(void);
_Noreturn void t_skip(const char *file, int line, const char *reason);

/* Number of failures recorded in the current test (EXPECT_* continues). */
extern int t_failures;

#define T_CAT2(a, b) a##b
#define T_CAT(a, b) T_CAT2(a, b)

#define TEST(suite, tname)                                                    \
	static void t_fn_##suite##_##tname(void *self, const void *variant); \
	static struct t_case t_case_##suite##_##tname = {                    \
		.fixture = #suite,                                            \
		.name = #tname,                                               \
		.fn = t_fn_##suite##_##tname,                                 \
	};                                                                    \
	__attribute__((constructor)) static void t_reg_##suite##_##tname(void) \
	{                                                                     \
		t_register(&t_case_##suite##_##tname);                        \
	}                                                                     \
	static void t_fn_##suite##_##tname(void *self __attribute__((unused)), \
					   const void *variant               \
					   __attribute__((unused)))

#define FIXTURE(f)                                                            \
	static struct t_variant *t_variants_##f;                              \
	struct t_fixture_##f;                                                 \
	struct t_fvariant_##f;                                                \
	static void t_setup_##f(struct t_fixture_##f *self,                   \
				const struct t_fvariant_##f *variant);        \
	static void t_teardown_##f(struct t_fixture_##f *self,                \
				   const struct t_fvariant_##f *variant);     \
	struct t_fixture_##f

#define FIXTURE_SETUP(f)                                                      \
	static void t_setup_##f(struct t_fixture_##f *self __attribute__((unused)), \
				const struct t_fvariant_##f *variant          \
				__attribute__((unused)))

#define FIXTURE_TEARDOWN(f)                                                   \
	static void t_teardown_##f(struct t_fixture_##f *self __attribute__((unused)), \
				   const struct t_fvariant_##f *variant       \
				   __attribute__((unused)))

/* Optional: a fixture without variants runs its tests once. */
#define FIXTURE_VARIANT(f) struct t_fvariant_##f

#define FIXTURE_VARIANT_ADD(f, vname)                                         \
	static const struct t_fvariant_##f t_vdata_##f##_##vname;             \
	static struct t_variant t_var_##f##_##vname = {                       \
		.name = #vname,                                               \
		.data = &t_vdata_##f##_##vname,                               \
	};                                                                    \
	__attribute__((constructor)) static void t_vreg_##f##_##vname(void)   \
	{                                                                     \
		t_variant_register(&t_variants_##f, &t_var_##f##_##vname);    \
	}                                                                     \
	static const struct t_fvariant_##f t_vdata_##f##_##vname =

#define TEST_F(f, tname)                                                      \
	static void t_fn_##f##_##tname(struct t_fixture_##f *self,            \
				       const struct t_fvariant_##f *variant);  \
	static void t_wrap_##f##_##tname(void *s, const void *v)              \
	{                                                                     \
		t_fn_##f##_##tname(s, v);                                     \
	}                                                                     \
	static void t_wsetup_##f##_##tname(void *s, const void *v)            \
	{                                                                     \
		t_setup_##f(s, v);                                            \
	}                                                                     \
	static void t_wteardown_##f##_##tname(void *s, const void *v)         \
	{                                                                     \
		t_teardown_##f(s, v);                                         \
	}                                                                     \
	static struct t_case t_case_##f##_##tname = {                        \
		.fixture = #f,                                                \
		.name = #tname,                                               \
		.fn = t_wrap_##f##_##tname,                                   \
		.self_size = sizeof(struct t_fixture_##f),                    \
		.setup = t_wsetup_##f##_##tname,                              \
		.teardown = t_wteardown_##f##_##tname,                        \
		.variants = &t_variants_##f,                                  \
	};                                                                    \
	__attribute__((constructor)) static void t_reg_##f##_##tname(void)    \
	{                                                                     \
		t_register(&t_case_##f##_##tname);                            \
	}                                                                     \
	static void t_fn_##f##_##tname(struct t_fixture_##f *self __attribute__((unused)), \
				       const struct t_fvariant_##f *variant   \
				       __attribute__((unused)))

/* Comparisons are done as intmax/uintmax so any integer type works. */
#define T_CMP(stop, op, a, b)                                                 \
	do {                                                                  \
		__typeof__(a) t_a_ = (a);                                     \
		__typeof__(b) t_b_ = (b);                                     \
		if (!(t_a_ op t_b_)) {                                        \
			t_fail_at(__FILE__, __LINE__,                         \
				  "%s %s %s: 0x%" PRIx64 " (%" PRId64         \
				  ") vs 0x%" PRIx64 " (%" PRId64 ")",         \
				  #a, #op, #b, (uint64_t)t_a_, (int64_t)t_a_, \
				  (uint64_t)t_b_, (int64_t)t_b_);             \
			if (stop)                                             \
				t_abort_test();                               \
		}                                                             \
	} while (0)

#define ASSERT_EQ(a, b) T_CMP(1, ==, a, b)
#define ASSERT_NE(a, b) T_CMP(1, !=, a, b)
#define ASSERT_LT(a, b) T_CMP(1, <, a, b)
#define ASSERT_LE(a, b) T_CMP(1, <=, a, b)
#define ASSERT_GT(a, b) T_CMP(1, >, a, b)
#define ASSERT_GE(a, b) T_CMP(1, >=, a, b)
#define EXPECT_EQ(a, b) T_CMP(0, ==, a, b)
#define EXPECT_NE(a, b) T_CMP(0, !=, a, b)
#define EXPECT_LT(a, b) T_CMP(0, <, a, b)
#define EXPECT_LE(a, b) T_CMP(0, <=, a, b)
#define EXPECT_GT(a, b) T_CMP(0, >, a, b)
#define EXPECT_GE(a, b) T_CMP(0, >=, a, b)
#define ASSERT_TRUE(x) ASSERT_NE(!!(x), 0)
#define ASSERT_FALSE(x) ASSERT_EQ(!!(x), 0)
#define EXPECT_TRUE(x) EXPECT_NE(!!(x), 0)
#define EXPECT_FALSE(x) EXPECT_EQ(!!(x), 0)
#define ASSERT_NULL(p) ASSERT_TRUE((p) == NULL)
#define ASSERT_NONNULL(p) ASSERT_TRUE((p) != NULL)

/* rc must be exactly -err (uiommu returns negative errno). */
#define ASSERT_ERRNO(err, rc) ASSERT_EQ((long)(rc), -(long)(err))
#define EXPECT_ERRNO(err, rc) EXPECT_EQ((long)(rc), -(long)(err))
/* ASSERT_OK(rc): rc == 0. */
#define ASSERT_OK(rc) ASSERT_EQ((long)(rc), 0L)
#define EXPECT_OK(rc) EXPECT_EQ((long)(rc), 0L)

#define ASSERT_MEMEQ(a, b, n)                                                 \
	do {                                                                  \
		if (memcmp((a), (b), (n))) {                                  \
			t_fail_at(__FILE__, __LINE__, "memory %s != %s", #a,  \
				  #b);                                        \
			t_abort_test();                                       \
		}                                                             \
	} while (0)

#define FAIL(...)                                                             \
	do {                                                                  \
		t_fail_at(__FILE__, __LINE__, __VA_ARGS__);                   \
		t_abort_test();                                               \
	} while (0)

#define SKIP(reason) t_skip(__FILE__, __LINE__, reason)

/* Deterministic PRNG for randomized tests (xorshift64*), seeded per test. */
static inline uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Path of the build directory's tool binaries, for end-to-end tests. */
const char *t_build_dir(void);

#endif
