// SPDX-License-Identifier: MIT
/*
 * The platform-file parser, uiommu_platform_parse(): text to a checked
 * description.  docs/platform.md is the format's definition.
 *
 * The text is walked line by line as slices (pstr.h): nothing is copied
 * into fixed buffers, so lines of any length, CRLF endings and a missing
 * final newline need no special cases.  Each key's setter checks its own
 * value; the rules between fields run afterwards in pdesc_check()
 * (check.c), fed the line of every field so that every error names one.
 * References from devices to iommus are resolved at the end, so sections
 * may come in any order.
 */
#include "platform/pstr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum sect_kind { SECT_NONE, SECT_OPTIONS, SECT_IOMMU, SECT_DEVICE };

struct parser {
	struct uiommu_platform_desc *out;
	struct pdesc_lines lines;
	/* Each device's "iommu =" name until the end resolves it. */
	char iommu_ref[UIOMMU_PLATFORM_MAX_DEVICES][UIOMMU_NAME_MAX];
	char *err;
	size_t errlen;
	unsigned long line;
	enum sect_kind sect;
	unsigned int cur; /* index of the current iommu or device */
};

struct key {
	const char *name;
	int slot; /* the key's line slot in its section, -1: repeatable */
	int (*set)(struct parser *ps, const struct key *k, struct pstr v);
};

/* ---- messages ---------------------------------------------------------- */

static int ps_vfail(struct parser *ps, unsigned long line, const char *field,
		    const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pdesc_err(ps->err, ps->errlen, "line %lu: field '%s': %s", line, field,
		  msg);
	return -EINVAL;
}

/* An error in @field on the current line; returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
ps_fail(struct parser *ps, const char *field, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ps_vfail(ps, ps->line, field, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same for an earlier line (a section's header, a reference). */
static int __attribute__((format(printf, 4, 5)))
ps_fail_at(struct parser *ps, unsigned long line, const char *field,
	   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ps_vfail(ps, line, field, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error in a section header @what (its text between the brackets). */
static int __attribute__((format(printf, 3, 4)))
ps_fail_section(struct parser *ps, struct pstr what, const char *fmt, ...)
{
	char q[PSTR_QUOTE_BUF], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pdesc_err(ps->err, ps->errlen, "line %lu: section '%s': %s", ps->line,
		  pstr_quote(what, q), msg);
	return -EINVAL;
}

/* "expected ..., got 'VALUE'" for field @k. */
static int ps_bad_value(struct parser *ps, const struct key *k, struct pstr v,
			const char *expected)
{
	char q[PSTR_QUOTE_BUF];

	return ps_fail(ps, k->name, "expected %s, got '%s'", expected,
		       pstr_quote(v, q));
}

/* ---- values ------------------------------------------------------------ */

static struct uiommu_iommu_desc *cur_iommu(struct parser *ps)
{
	return &ps->out->iommus[ps->cur];
}

static struct uiommu_device_desc *cur_dev(struct parser *ps)
{
	return &ps->out->devices[ps->cur];
}

static int get_u32(struct parser *ps, const struct key *k, struct pstr v,
		   uint32_t min, uint32_t max, uint32_t *out)
{
	char expected[64];
	uint64_t x;

	if (pstr_u64(v, &x) || x < min || x > max) {
		snprintf(expected, sizeof(expected), "a number from %u to %u",
			 min, max);
		return ps_bad_value(ps, k, v, expected);
	}
	*out = x;
	return 0;
}

/* "none", empty, or a comma-separated list of keywords from @ws. */
static int get_list(struct parser *ps, const struct key *k, struct pstr v,
		    const struct pdesc_words *ws, uint32_t *out)
{
	char q[PSTR_QUOTE_BUF], names[160];
	uint32_t bits = 0;
	struct pstr rest = v;

	if (!v.n || pstr_is(v, "none")) {
		*out = 0;
		return 0;
	}
	for (;;) {
		const char *comma = memchr(rest.p, ',', rest.n);
		const char *end = comma ? comma : rest.p + rest.n;
		struct pstr item = pstr_trim(pstr_from(rest.p, end));
		const struct pdesc_word *w = pstr_lookup(ws, item);

		if (!item.n)
			return ps_fail(ps, k->name, "empty item in '%s'",
				       pstr_quote(v, q));
		if (pstr_is(item, "none"))
			return ps_fail(ps, k->name,
				       "'none' stands alone, not in a list");
		if (!w)
			return ps_fail(ps, k->name,
				       "unknown '%s'; expected none or a list of: %s",
				       pstr_quote(item, q),
				       pdesc_word_list(ws, names,
						       sizeof(names)));
		bits |= w->value;
		if (!comma)
			break;
		rest = pstr_from(comma + 1, v.p + v.n);
	}
	*out = bits;
	return 0;
}

static int set_allow_unsafe(struct parser *ps, const struct key *k,
			    struct pstr v)
{
	uint32_t *out = &ps->out->allow_unsafe_interrupts;

	if (pstr_is(v, "yes") || pstr_is(v, "true") || pstr_is(v, "1"))
		*out = 1;
	else if (pstr_is(v, "no") || pstr_is(v, "false") || pstr_is(v, "0"))
		*out = 0;
	else
		return ps_bad_value(ps, k, v, "yes or no");
	return 0;
}

static int set_model(struct parser *ps, const struct key *k, struct pstr v)
{
	const struct pdesc_word *w = pstr_lookup(&pdesc_models, v);

	if (!w)
		return ps_bad_value(ps, k, v, "vtd, smmuv3 or amd");
	cur_iommu(ps)->model = w->value;
	return 0;
}

static int set_caps(struct parser *ps, const struct key *k, struct pstr v)
{
	return get_list(ps, k, v, &pdesc_caps, &cur_iommu(ps)->caps);
}

static int set_iommu_pasid(struct parser *ps, const struct key *k,
			   struct pstr v)
{
	return get_u32(ps, k, v, 0, PDESC_PASID_BITS_MAX,
		       &cur_iommu(ps)->pasid_bits);
}

/* The widest range here; each model's own range is pdesc_check()'s. */
static int set_address_bits(struct parser *ps, const struct key *k,
			    struct pstr v)
{
	return get_u32(ps, k, v, 32, 64, &cur_iommu(ps)->address_bits);
}

static int set_granule(struct parser *ps, const struct key *k, struct pstr v)
{
	struct pstr num = v;
	uint64_t x, unit = 1;

	if (num.n && (num.p[num.n - 1] == 'k' || num.p[num.n - 1] == 'K')) {
		num.n--;
		unit = 1024;
	}
	if (pstr_u64(num, &x) || x > 65536 ||
	    (x * unit != 4096 && x * unit != 16384 && x * unit != 65536))
		return ps_bad_value(ps, k, v, "4k, 16k or 64k");
	cur_iommu(ps)->granule = x * unit;
	return 0;
}

static int set_iommu_ref(struct parser *ps, const struct key *k,
			 struct pstr v)
{
	if (!pdesc_name_ok(v.p, v.n))
		return ps_bad_value(ps, k, v, "the name of an [iommu NAME]");
	memcpy(ps->iommu_ref[ps->cur], v.p, v.n);
	ps->iommu_ref[ps->cur][v.n] = '\0';
	return 0;
}

static int set_rid(struct parser *ps, const struct key *k, struct pstr v)
{
	uint32_t *rid = &cur_dev(ps)->rid;
	char q[PSTR_QUOTE_BUF];
	uint64_t x;
	int rc;

	if (memchr(v.p, ':', v.n)) {
		rc = pstr_bdf(v, rid);
		if (rc == -ERANGE)
			return ps_fail(ps, k->name,
				       "in BB:DD.F, DD is at most 1f and F at most 7, got '%s'",
				       pstr_quote(v, q));
		if (!rc)
			return 0;
	} else if (!pstr_u64(v, &x) && x <= UINT32_MAX) {
		*rid = x;
		return 0;
	}
	return ps_bad_value(ps, k, v, "BB:DD.F or a number");
}

static int set_group(struct parser *ps, const struct key *k, struct pstr v)
{
	return get_u32(ps, k, v, 0, UINT32_MAX, &cur_dev(ps)->group);
}

static int set_dev_pasid(struct parser *ps, const struct key *k,
			 struct pstr v)
{
	return get_u32(ps, k, v, 0, PDESC_PASID_BITS_MAX,
		       &cur_dev(ps)->pasid_bits);
}

static int set_flags(struct parser *ps, const struct key *k, struct pstr v)
{
	return get_list(ps, k, v, &pdesc_dev_flags, &cur_dev(ps)->flags);
}

static int set_msi_doorbell(struct parser *ps, const struct key *k,
			    struct pstr v)
{
	if (pstr_u64(v, &cur_dev(ps)->msi_doorbell))
		return ps_bad_value(ps, k, v, "an address (decimal or 0x hex)");
	return 0;
}

/* "START-LAST TYPE"; blanks around the '-' are allowed. */
static int set_resv(struct parser *ps, const struct key *k, struct pstr v)
{
	struct uiommu_device_desc *d = cur_dev(ps);
	struct uiommu_resv_region r = { 0 };
	const char *dash = memchr(v.p, '-', v.n);
	const struct pdesc_word *w;
	char q[PSTR_QUOTE_BUF], names[96];
	struct pstr last, type;

	if (d->nresv == UIOMMU_DEVICE_MAX_RESV)
		return ps_fail(ps, k->name, "too many; at most %d per device",
			       UIOMMU_DEVICE_MAX_RESV);
	if (!dash || pstr_u64(pstr_trim(pstr_from(v.p, dash)), &r.start))
		return ps_bad_value(ps, k, v, "START-LAST TYPE");
	last = pstr_word(pstr_from(dash + 1, v.p + v.n), &type);
	if (pstr_u64(last, &r.last) || !type.n)
		return ps_bad_value(ps, k, v, "START-LAST TYPE");
	w = pstr_lookup(&pdesc_resv_types, type);
	if (!w)
		return ps_fail(ps, k->name,
			       "unknown type '%s'; expected one of: %s",
			       pstr_quote(type, q),
			       pdesc_word_list(&pdesc_resv_types, names,
					       sizeof(names)));
	if (r.start > r.last)
		return ps_fail(ps, k->name,
			       "start 0x%" PRIx64 " is after last 0x%" PRIx64,
			       r.start, r.last);
	r.type = w->value;
	ps->lines.resv[ps->cur][d->nresv] = ps->line;
	d->resv[d->nresv++] = r;
	return 0;
}

/* ---- keys -------------------------------------------------------------- */

static const struct key option_keys[] = {
	{ "allow_unsafe_interrupts", PO_ALLOW_UNSAFE, set_allow_unsafe },
};

static const struct key iommu_keys[] = {
	{ "model", PI_MODEL, set_model },
	{ "caps", PI_CAPS, set_caps },
	{ "pasid-bits", PI_PASID_BITS, set_iommu_pasid },
	{ "address-bits", PI_ADDRESS_BITS, set_address_bits },
	{ "granule", PI_GRANULE, set_granule },
};

static const struct key device_keys[] = {
	{ "iommu", PD_IOMMU, set_iommu_ref },
	{ "rid", PD_RID, set_rid },
	{ "group", PD_GROUP, set_group },
	{ "pasid-bits", PD_PASID_BITS, set_dev_pasid },
	{ "flags", PD_FLAGS, set_flags },
	{ "msi-doorbell", PD_MSI_DOORBELL, set_msi_doorbell },
	{ "resv", -1, set_resv },
};

#define NKEYS(a) (sizeof(a) / sizeof(a[0]))

static const struct key *sect_keys(enum sect_kind kind, unsigned int *n)
{
	switch (kind) {
	case SECT_OPTIONS:
		*n = NKEYS(option_keys);
		return option_keys;
	case SECT_IOMMU:
		*n = NKEYS(iommu_keys);
		return iommu_keys;
	case SECT_DEVICE:
		*n = NKEYS(device_keys);
		return device_keys;
	default:
		*n = 0;
		return NULL;
	}
}

/* The line-number slot of key @k in the current section. */
static unsigned long *key_line(struct parser *ps, const struct key *k)
{
	switch (ps->sect) {
	case SECT_OPTIONS:
		return &ps->lines.options[k->slot];
	case SECT_IOMMU:
		return &ps->lines.iommu[ps->cur][k->slot];
	default:
		return &ps->lines.device[ps->cur][k->slot];
	}
}

/* "[iommu vtd0]", for messages. */
static const char *sect_label(struct parser *ps, char *buf, size_t len)
{
	if (ps->sect == SECT_OPTIONS)
		snprintf(buf, len, "[options]");
	else if (ps->sect == SECT_IOMMU)
		snprintf(buf, len, "[iommu %s]", cur_iommu(ps)->name);
	else
		snprintf(buf, len, "[device %s]", cur_dev(ps)->name);
	return buf;
}

static int unknown_key(struct parser *ps, struct pstr key)
{
	char q[PSTR_QUOTE_BUF], label[64], names[160];
	unsigned int n, o = 0;
	const struct key *keys = sect_keys(ps->sect, &n);

	names[0] = '\0';
	for (unsigned int i = 0; i < n && o < sizeof(names); i++)
		o += snprintf(names + o, sizeof(names) - o, "%s%s",
			      i ? ", " : "", keys[i].name);
	return ps_fail(ps, pstr_quote(key, q), "unknown key in %s; expected %s",
		       sect_label(ps, label, sizeof(label)), names);
}

static int parse_key_value(struct parser *ps, struct pstr s)
{
	const char *eq = memchr(s.p, '=', s.n);
	struct pstr key, val;
	const struct key *keys;
	unsigned long *line;
	char q[PSTR_QUOTE_BUF];
	unsigned int n;
	int rc;

	key = pstr_trim(pstr_from(s.p, eq ? eq : s.p));
	if (!key.n) {
		pdesc_err(ps->err, ps->errlen,
			  "line %lu: expected 'KEY = VALUE' or '[SECTION]', got '%s'",
			  ps->line, pstr_quote(s, q));
		return -EINVAL;
	}
	val = pstr_trim(pstr_from(eq + 1, s.p + s.n));
	if (ps->sect == SECT_NONE)
		return ps_fail(ps, pstr_quote(key, q),
			       "outside any section; put [options], [iommu NAME] or [device NAME] first");
	keys = sect_keys(ps->sect, &n);
	for (unsigned int i = 0; i < n; i++) {
		if (!pstr_is(key, keys[i].name))
			continue;
		if (keys[i].slot < 0)
			return keys[i].set(ps, &keys[i], val);
		line = key_line(ps, &keys[i]);
		if (*line)
			return ps_fail(ps, keys[i].name,
				       "given twice in a section (first on line %lu)",
				       *line);
		rc = keys[i].set(ps, &keys[i], val);
		if (!rc)
			*line = ps->line;
		return rc;
	}
	return unknown_key(ps, key);
}

/* ---- sections ---------------------------------------------------------- */

static int finish_iommu(struct parser *ps)
{
	unsigned long *l = ps->lines.iommu[ps->cur];

	if (!l[PI_MODEL])
		return ps_fail_at(ps, l[PI_SECTION], "model",
				  "missing; [iommu %s] needs one",
				  cur_iommu(ps)->name);
	if (!l[PI_ADDRESS_BITS])
		cur_iommu(ps)->address_bits = PDESC_ADDRESS_BITS_DEFAULT;
	return 0;
}

static int finish_device(struct parser *ps)
{
	unsigned long *l = ps->lines.device[ps->cur];
	const char *name = cur_dev(ps)->name;

	if (!l[PD_IOMMU])
		return ps_fail_at(ps, l[PD_SECTION], "iommu",
				  "missing; [device %s] needs one", name);
	if (!l[PD_RID])
		return ps_fail_at(ps, l[PD_SECTION], "rid",
				  "missing; [device %s] needs one", name);
	return 0;
}

/* Required keys are only known to be missing when the section ends. */
static int finish_section(struct parser *ps)
{
	if (ps->sect == SECT_IOMMU)
		return finish_iommu(ps);
	if (ps->sect == SECT_DEVICE)
		return finish_device(ps);
	return 0;
}

static int begin_options(struct parser *ps, struct pstr what,
			 struct pstr name)
{
	if (name.n)
		return ps_fail_section(ps, what, "[options] takes no name");
	if (ps->lines.options[PO_SECTION])
		return ps_fail_section(ps, what,
				       "given twice (first on line %lu)",
				       ps->lines.options[PO_SECTION]);
	ps->lines.options[PO_SECTION] = ps->line;
	ps->sect = SECT_OPTIONS;
	return 0;
}

static int check_new_name(struct parser *ps, struct pstr what,
			  struct pstr name, const char *kind)
{
	char q[PSTR_QUOTE_BUF];

	if (!name.n)
		return ps_fail_section(ps, what, "missing name; expected [%s NAME]",
				       kind);
	if (!pdesc_name_ok(name.p, name.n))
		return ps_fail_section(ps, what,
				       "bad name '%s'; a name is 1 to %d characters A-Z a-z 0-9 _ . -",
				       pstr_quote(name, q),
				       UIOMMU_NAME_MAX - 1);
	return 0;
}

/* The earlier entry of @n entries of @stride bytes named @name, or -1. */
static int find_name(const char *names, size_t stride, unsigned int n,
		     struct pstr name)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *s = names + i * stride;

		if (strlen(s) == name.n && !memcmp(s, name.p, name.n))
			return i;
	}
	return -1;
}

static int begin_iommu(struct parser *ps, struct pstr what, struct pstr name)
{
	struct uiommu_platform_desc *p = ps->out;
	int rc = check_new_name(ps, what, name, "iommu");
	int dup;

	if (rc)
		return rc;
	dup = find_name(p->iommus[0].name, sizeof(p->iommus[0]), p->niommus,
			name);
	if (dup >= 0)
		return ps_fail_section(ps, what,
				       "name already used on line %lu",
				       ps->lines.iommu[dup][PI_SECTION]);
	if (p->niommus == UIOMMU_PLATFORM_MAX_IOMMUS)
		return ps_fail_section(ps, what, "too many iommus; at most %d",
				       UIOMMU_PLATFORM_MAX_IOMMUS);
	ps->cur = p->niommus++;
	memcpy(cur_iommu(ps)->name, name.p, name.n);
	cur_iommu(ps)->granule = PDESC_GRANULE_DEFAULT;
	ps->lines.iommu[ps->cur][PI_SECTION] = ps->line;
	ps->sect = SECT_IOMMU;
	return 0;
}

static int begin_device(struct parser *ps, struct pstr what,
			struct pstr name)
{
	struct uiommu_platform_desc *p = ps->out;
	int rc = check_new_name(ps, what, name, "device");
	int dup;

	if (rc)
		return rc;
	dup = find_name(p->devices[0].name, sizeof(p->devices[0]),
			p->ndevices, name);
	if (dup >= 0)
		return ps_fail_section(ps, what,
				       "name already used on line %lu",
				       ps->lines.device[dup][PD_SECTION]);
	if (p->ndevices == UIOMMU_PLATFORM_MAX_DEVICES)
		return ps_fail_section(ps, what, "too many devices; at most %d",
				       UIOMMU_PLATFORM_MAX_DEVICES);
	ps->cur = p->ndevices++;
	memcpy(cur_dev(ps)->name, name.p, name.n);
	ps->lines.device[ps->cur][PD_SECTION] = ps->line;
	ps->sect = SECT_DEVICE;
	return 0;
}

/* @s is a trimmed line starting with '['. */
static int parse_section(struct parser *ps, struct pstr s)
{
	struct pstr what, kind, name;
	char q[PSTR_QUOTE_BUF];
	int rc;

	if (s.n < 2 || s.p[s.n - 1] != ']') {
		pdesc_err(ps->err, ps->errlen,
			  "line %lu: expected '[SECTION]', got '%s'", ps->line,
			  pstr_quote(s, q));
		return -EINVAL;
	}
	what = pstr_trim(pstr_from(s.p + 1, s.p + s.n - 1));
	kind = pstr_word(what, &name);
	rc = finish_section(ps);
	if (rc)
		return rc;
	if (pstr_is(kind, "options"))
		return begin_options(ps, what, name);
	if (pstr_is(kind, "iommu"))
		return begin_iommu(ps, what, name);
	if (pstr_is(kind, "device"))
		return begin_device(ps, what, name);
	return ps_fail_section(ps, what,
			       "unknown section; expected [options], [iommu NAME] or [device NAME]");
}

static int parse_line(struct parser *ps, struct pstr s)
{
	const char *hash = memchr(s.p, '#', s.n);

	if (hash)
		s.n = hash - s.p;
	s = pstr_trim(s);
	if (!s.n)
		return 0;
	if (s.p[0] == '[')
		return parse_section(ps, s);
	return parse_key_value(ps, s);
}

static int parse_lines(struct parser *ps, const char *text)
{
	const char *p = text;
	int rc = 0;

	while (*p && !rc) {
		const char *nl = strchrnul(p, '\n');

		ps->line++;
		rc = parse_line(ps, pstr_from(p, nl));
		p = *nl ? nl + 1 : nl;
	}
	return rc;
}

/* ---- the end of the file ----------------------------------------------- */

static int resolve_iommus(struct parser *ps)
{
	struct uiommu_platform_desc *p = ps->out;

	for (unsigned int i = 0; i < p->ndevices; i++) {
		const char *ref = ps->iommu_ref[i];
		struct pstr name = { ref, strlen(ref) };
		int j = find_name(p->iommus[0].name, sizeof(p->iommus[0]),
				  p->niommus, name);

		if (j < 0)
			return ps_fail_at(ps, ps->lines.device[i][PD_IOMMU],
					  "iommu", "no [iommu %s] in the file",
					  ref);
		p->devices[i].iommu = j;
	}
	return 0;
}

static bool group_taken(const struct uiommu_platform_desc *p,
			const bool *has_group, uint32_t g)
{
	for (unsigned int i = 0; i < p->ndevices; i++)
		if (has_group[i] && p->devices[i].group == g)
			return true;
	return false;
}

/* A device without "group =" gets a group of its own: the lowest number
 * no other device uses. */
static void assign_groups(struct parser *ps)
{
	struct uiommu_platform_desc *p = ps->out;
	bool has_group[UIOMMU_PLATFORM_MAX_DEVICES];

	for (unsigned int i = 0; i < p->ndevices; i++)
		has_group[i] = ps->lines.device[i][PD_GROUP] != 0;
	for (unsigned int i = 0; i < p->ndevices; i++) {
		uint32_t g = 0;

		if (has_group[i])
			continue;
		while (group_taken(p, has_group, g))
			g++;
		p->devices[i].group = g;
		has_group[i] = true;
	}
}

static int finish_file(struct parser *ps)
{
	int rc = finish_section(ps);

	if (!rc)
		rc = resolve_iommus(ps);
	if (rc)
		return rc;
	assign_groups(ps);
	return pdesc_check(ps->out, &ps->lines, ps->err, ps->errlen);
}

UIOMMU_API int uiommu_platform_parse(const char *text,
				     struct uiommu_platform_desc *out,
				     char *err, size_t errlen)
{
	struct parser ps;
	int rc;

	if (!text || !out) {
		pdesc_err(err, errlen, "no text or no output");
		return -EINVAL;
	}
	memset(&ps, 0, sizeof(ps));
	memset(out, 0, sizeof(*out));
	ps.out = out;
	ps.err = err;
	ps.errlen = errlen;
	rc = parse_lines(&ps, text);
	if (!rc)
		rc = finish_file(&ps);
	/* Never leave a half-parsed description that looks usable. */
	if (rc)
		memset(out, 0, sizeof(*out));
	else
		pdesc_err(err, errlen, "%s", "");
	return rc;
}
