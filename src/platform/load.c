// SPDX-License-Identifier: MIT
/*
 * uiommu_platform_load(): a platform file from disk.  Owns reading the
 * file whole (bounded: a platform file is small) and refusing bytes a C
 * string cannot carry; the text itself is uiommu_platform_parse()'s.
 */
#include "platform/platform_priv.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every limit filled makes under 48 KiB of canonical text: a file above
 * this is something else, and is not read whole into memory. */
#define PDESC_FILE_MAX (1u << 20)

/*
 * More room in *@buf (*@cap bytes of text, plus one for the NUL).  It grows
 * to one byte past the limit, so that a file over it is noticed without
 * reading the whole of it.
 */
static int grow(char **buf, size_t *cap)
{
	size_t want = *cap ? *cap * 2 : 4096;
	char *grown;

	if (*cap > PDESC_FILE_MAX)
		return -EFBIG;
	if (want > PDESC_FILE_MAX + 1)
		want = PDESC_FILE_MAX + 1;
	grown = uz_realloc(*buf, want + 1);
	if (!grown)
		return -ENOMEM;
	*buf = grown;
	*cap = want;
	return 0;
}

/* The whole of @fd, NUL-terminated, in *@out (to free); 0 or -errno. */
static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int rc = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			rc = grow(&buf, &cap);
			if (rc)
				break;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		len += n;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = read_all(fd, text, len);
	close(fd);
	return rc;
}

static void read_error(int rc, char *err, size_t errlen)
{
	char buf[128];

	if (rc == -EFBIG)
		pdesc_err(err, errlen,
			  "larger than %u bytes (1 MiB); not a platform file",
			  PDESC_FILE_MAX);
	else
		pdesc_err(err, errlen, "%s", strerror_r(-rc, buf, sizeof(buf)));
}

/* A NUL would silently end the text early: refuse it by its line. */
static int check_no_nul(const char *text, size_t len, char *err,
			size_t errlen)
{
	const char *nul = memchr(text, '\0', len);
	unsigned long line = 1;

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	pdesc_err(err, errlen, "line %lu: a NUL byte; a platform file is text",
		  line);
	return -EINVAL;
}

UIOMMU_API int uiommu_platform_load(const char *path,
				    struct uiommu_platform_desc *out,
				    char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!path || !out) {
		pdesc_err(err, errlen, "no path or no output");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	rc = read_file(path, &text, &len);
	if (rc) {
		read_error(rc, err, errlen);
		return rc;
	}
	rc = check_no_nul(text, len, err, errlen);
	if (!rc)
		rc = uiommu_platform_parse(text, out, err, errlen);
	free(text);
	return rc;
}
