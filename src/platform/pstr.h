/* SPDX-License-Identifier: MIT */
/*
 * Read-only slices of platform-file text (pointer + length) and the
 * lexical pieces of the format: blanks, keywords, numbers, PCI BDFs, and
 * quoting a piece of input for an error message.  The parser never copies
 * a line, so these work on slices of the caller's text of any length.
 */
#ifndef UIOMMU_PLATFORM_PSTR_H
#define UIOMMU_PLATFORM_PSTR_H

#include "platform/platform_priv.h"

struct pstr {
	const char *p;
	size_t n;
};

/* Bytes of input echoed in a message; a longer piece ends in "...". */
#define PSTR_QUOTE_MAX 40
#define PSTR_QUOTE_BUF (PSTR_QUOTE_MAX * 4 + 4)

/* Blanks separate words; '\r' is one, which makes CRLF files work. */
static inline bool pstr_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline struct pstr pstr_from(const char *p, const char *end)
{
	return (struct pstr){ p, (size_t)(end - p) };
}

struct pstr pstr_trim(struct pstr s);
/* The first blank-separated word of @s, and in *@rest what follows it
 * (trimmed). */
struct pstr pstr_word(struct pstr s, struct pstr *rest);

/* @s is keyword @word: case and '_' versus '-' do not matter. */
bool pstr_is(struct pstr s, const char *word);
/* The entry of @ws whose keyword @s is, or NULL. */
const struct pdesc_word *pstr_lookup(const struct pdesc_words *ws,
				     struct pstr s);

/* Decimal or 0x hex: 0, -EINVAL, or -ERANGE beyond 64 bits. */
int pstr_u64(struct pstr s, uint64_t *out);
/* lspci's BB:DD.F exactly: 0, -EINVAL, or -ERANGE for DD > 1f or F > 7. */
int pstr_bdf(struct pstr s, uint32_t *rid);

/* @s made printable in @buf (PSTR_QUOTE_BUF bytes); returns @buf. */
const char *pstr_quote(struct pstr s, char *buf);

#endif
