// SPDX-License-Identifier: MIT
/*
 * Fault-catching copies (see uaccess.h for why).
 *
 * The handler is installed once, process-wide, with SA_NODEFER so that the
 * siglongjmp() out of it leaves SIGSEGV unblocked without having to save
 * and restore the signal mask (sigsetjmp(env, 0) costs no system call).
 * The byte loops are not instrumented by ASan or UBSan: they are the code
 * that is allowed to touch memory that may not exist.
 */
#include "util/uaccess.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* volatile: the signal handler reads it, so the stores around a copy
 * must happen where they are written (clang elided the first one once it
 * could see that the copy itself does not read it). */
static __thread sigjmp_buf *volatile uacc_env;
static struct sigaction uacc_old_segv, uacc_old_bus;
static pthread_once_t uacc_once = PTHREAD_ONCE_INIT;
static atomic_int uacc_ready;

static void uacc_chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *old =
		sig == SIGSEGV ? &uacc_old_segv : &uacc_old_bus;

	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if (old->sa_handler == SIG_IGN)
		return;
	if (old->sa_handler == SIG_DFL) {
		/* Returning re-executes the access, now with the default. */
		signal(sig, SIG_DFL);
		return;
	}
	old->sa_handler(sig);
}

static void uacc_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *env = uacc_env;

	if (env) {
		uacc_env = NULL;
		siglongjmp(*env, 1);
	}
	uacc_chain(sig, si, uc);
}

static void uacc_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = uacc_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &uacc_old_segv);
	sigaction(SIGBUS, &sa, &uacc_old_bus);
	atomic_store_explicit(&uacc_ready, 1, memory_order_release);
}

static inline void uacc_init(void)
{
	if (!atomic_load_explicit(&uacc_ready, memory_order_acquire))
		pthread_once(&uacc_once, uacc_install);
}

__attribute__((noinline, no_sanitize_address, no_sanitize_undefined)) static void
uacc_raw_copy(void *dst, const void *src, size_t n)
{
	/* Addresses as integers: the caller's may be anything, and stepping
	 * a pointer past the end of the address space is undefined. */
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* Word copies when both ends allow; the structs copied are small. */
	if (!((d | s) & 7)) {
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(volatile uint64_t *)d = *(const volatile uint64_t *)s;
	}
	for (; n; n--, d++, s++)
		*(volatile unsigned char *)d = *(const volatile unsigned char *)s;
}

__attribute__((noinline, no_sanitize_address, no_sanitize_undefined)) static int
uacc_raw_zero(const void *src, size_t n)
{
	uintptr_t s = (uintptr_t)src;	/* as in uacc_raw_copy() */
	unsigned char acc = 0;

	for (; n; n--, s++)
		acc |= *(const volatile unsigned char *)s;
	return acc ? -E2BIG : 0;
}

int uacc_copy(void *dst, const void *src, size_t n)
{
	sigjmp_buf env;

	if (!n)
		return 0;
	uacc_init();
	if (sigsetjmp(env, 0))
		return -EFAULT;
	uacc_env = &env;
	uacc_raw_copy(dst, src, n);
	uacc_env = NULL;
	return 0;
}

int uacc_check_zero(const void *src, size_t n)
{
	sigjmp_buf env;
	int rc;

	if (!n)
		return 0;
	uacc_init();
	if (sigsetjmp(env, 0))
		return -EFAULT;
	uacc_env = &env;
	rc = uacc_raw_zero(src, n);
	uacc_env = NULL;
	return rc;
}
