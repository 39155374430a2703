// SPDX-License-Identifier: MIT
/* The lexical pieces of the platform-file format (see pstr.h). */
#include "platform/pstr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct pstr pstr_trim(struct pstr s)
{
	while (s.n && pstr_is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && pstr_is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

struct pstr pstr_word(struct pstr s, struct pstr *rest)
{
	struct pstr w = pstr_trim(s);
	size_t i = 0;

	while (i < w.n && !pstr_is_blank(w.p[i]))
		i++;
	*rest = pstr_trim(pstr_from(w.p + i, w.p + w.n));
	w.n = i;
	return w;
}

static char fold(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c == '_' ? '-' : c;
}

/* Both are easy slips, and no two keywords differ only by them. */
bool pstr_is(struct pstr s, const char *word)
{
	size_t n = strlen(word);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fold(s.p[i]) != fold(word[i]))
			return false;
	return true;
}

const struct pdesc_word *pstr_lookup(const struct pdesc_words *ws,
				     struct pstr s)
{
	for (unsigned int i = 0; i < ws->n; i++)
		if (pstr_is(s, ws->w[i].name))
			return &ws->w[i];
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* No octal: a leading 0 is just a 0, as people who write "010" mean. */
int pstr_u64(struct pstr s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == s.n)
		return -EINVAL;
	for (; i < s.n; i++) {
		int d = hex_digit(s.p[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int pstr_bdf(struct pstr s, uint32_t *rid)
{
	static const unsigned char digit_at[] = { 0, 1, 3, 4, 6 };
	int d[5];

	if (s.n != 7 || s.p[2] != ':' || s.p[5] != '.')
		return -EINVAL;
	for (int i = 0; i < 5; i++) {
		d[i] = hex_digit(s.p[digit_at[i]]);
		if (d[i] < 0)
			return -EINVAL;
	}
	if (d[2] * 16 + d[3] > 0x1f || d[4] > 7)
		return -ERANGE;
	*rid = pdesc_bdf(d[0] * 16 + d[1], d[2] * 16 + d[3], d[4]);
	return 0;
}

/* Input can hold any byte and any length; a message must stay one short,
 * printable line. */
const char *pstr_quote(struct pstr s, char *buf)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n && i < PSTR_QUOTE_MAX; i++) {
		unsigned char c = s.p[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = c;
		else
			o += snprintf(buf + o, 5, "\\x%02x", c);
	}
	if (s.n > PSTR_QUOTE_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}
