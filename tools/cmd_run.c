// SPDX-License-Identifier: MIT
/*
 * uiommu run: execute a program with the preload shim in LD_PRELOAD, so an
 * unmodified program that opens /dev/iommu runs on uiommu in-process.
 *
 * Owns finding libuiommu-preload.so (build tree or installed layout) and
 * preparing the environment; the shim itself is src/uapi/preload.c.
 */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"

#define PRELOAD_NAME "libuiommu-preload.so"

struct run_opts {
	const char *platform; /* --platform FILE, or NULL */
	char **prog;          /* PROGRAM [ARGS...], NULL-terminated */
};

static int run_usage(void)
{
	fprintf(stderr,
		"usage: uiommu run [--platform FILE] -- PROGRAM [ARGS...]\n");
	return 2;
}

/* 0, or the exit status of a usage error (already reported). */
static int run_parse(int argc, char **argv, struct run_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--platform")) {
			if (++i == argc) {
				fprintf(stderr,
					"uiommu run: --platform needs a FILE\n");
				return run_usage();
			}
			o->platform = argv[i];
		} else if (!strncmp(a, "--platform=", 11)) {
			o->platform = a + 11;
		} else if (a[0] == '-') {
			fprintf(stderr, "uiommu run: unknown option '%s'\n", a);
			return run_usage();
		} else {
			break; /* the program; "--" is optional */
		}
	}
	if (i >= argc) {
		fprintf(stderr, "uiommu run: no PROGRAM given\n");
		return run_usage();
	}
	o->prog = argv + i;
	return 0;
}

/* @dir/@rel resolved to an absolute path in @out if it exists. */
static int try_path(char *out, const char *dir, const char *rel)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, rel) >= (int)sizeof(p))
		return -1;
	return realpath(p, out) ? 0 : -1;
}

/*
 * $UIOMMU_PRELOAD wins (and must exist); else the build tree puts the shim
 * next to the executable; else an install puts it in <prefix>/lib with the
 * executable in <prefix>/bin.  Returns 0 or exit status 1 (reported).
 */
static int find_preload(char *out)
{
	const char *env = getenv("UIOMMU_PRELOAD");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		if (realpath(env, out))
			return 0;
		fprintf(stderr, "uiommu run: UIOMMU_PRELOAD=%s: %s\n", env,
			strerror(errno));
		return 1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "uiommu run: cannot locate myself: %s\n",
			strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if (!try_path(out, exe, PRELOAD_NAME) ||
	    !try_path(out, exe, "../lib/" PRELOAD_NAME))
		return 0;
	fprintf(stderr,
		"uiommu run: cannot find %s in %s or %s/../lib; set UIOMMU_PRELOAD\n",
		PRELOAD_NAME, exe, exe);
	return 1;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RUN_ASAN 1
#endif

#ifdef RUN_ASAN
static int asan_lib_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	if (!strstr(info->dlpi_name, "/libasan.so"))
		return 0;
	snprintf(data, PATH_MAX, "%s", info->dlpi_name);
	return 1;
}

/*
 * A sanitizer build's shim needs the ASan runtime, and ASan insists on
 * being first in the program's library list.  This tool is built the same
 * way, so it knows where that runtime is: preload it ahead of the shim.
 */
static const char *asan_runtime(char *buf)
{
	buf[0] = '\0';
	dl_iterate_phdr(asan_lib_cb, buf);
	return buf[0] ? buf : NULL;
}
#else
static const char *asan_runtime(char *buf)
{
	return NULL;
}
#endif

/* LD_PRELOAD = [asan runtime:]shim[:previous value].  0 or 1 (reported). */
static int set_preload(const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	char asan_buf[PATH_MAX];
	const char *asan = asan_runtime(asan_buf);
	size_t len;
	char *val;

	/* ld.so splits LD_PRELOAD at both. */
	if (strpbrk(shim, ": ")) {
		fprintf(stderr,
			"uiommu run: %s: path has ':' or ' ', unusable in LD_PRELOAD\n",
			shim);
		return 1;
	}
	if (asan && old && strstr(old, asan))
		asan = NULL;
	len = strlen(shim) + (asan ? strlen(asan) : 0) +
	      (old ? strlen(old) : 0) + 3;
	val = malloc(len);
	if (!val) {
		fprintf(stderr, "uiommu run: out of memory\n");
		return 1;
	}
	snprintf(val, len, "%s%s%s%s%s", asan ? asan : "", asan ? ":" : "",
		 shim, old && *old ? ":" : "", old ? old : "");
	if (setenv("LD_PRELOAD", val, 1)) {
		fprintf(stderr, "uiommu run: setenv: %s\n", strerror(errno));
		free(val);
		return 1;
	}
	free(val);
	return 0;
}

/* Absolute, so it survives the program changing directory. */
static int set_platform(const char *file)
{
	char abs[PATH_MAX];

	if (!realpath(file, abs)) {
		fprintf(stderr, "uiommu run: --platform %s: %s\n", file,
			strerror(errno));
		return 1;
	}
	if (setenv("UIOMMU_PLATFORM", abs, 1)) {
		fprintf(stderr, "uiommu run: setenv: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	char shim[PATH_MAX];
	int rc;

	rc = run_parse(argc, argv, &o);
	if (rc)
		return rc;
	rc = find_preload(shim);
	if (rc)
		return rc;
	rc = set_preload(shim);
	if (rc)
		return rc;
	if (o.platform) {
		rc = set_platform(o.platform);
		if (rc)
			return rc;
	}
	execvp(o.prog[0], o.prog);
	/* The shell's conventions: 127 not found, 126 found but unusable. */
	rc = errno == ENOENT ? 127 : 126;
	fprintf(stderr, "uiommu run: %s: %s\n", o.prog[0], strerror(errno));
	return rc;
}
