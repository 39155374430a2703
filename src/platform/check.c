// SPDX-License-Identifier: MIT
/*
 * The consistency rules of a platform description, in one place: the
 * parser runs them (with the line of each field, so a file's errors name
 * lines) and uiommu_platform_validate() runs them on any struct (naming the
 * iommu or device instead).  docs/platform.md lists the rules.
 */
#include "platform/platform_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct chk {
	const struct uiommu_platform_desc *p;
	const struct pdesc_lines *lines; /* NULL: not from a file */
	char *err;
	size_t errlen;
};

/* "line N: field 'f': ..." or "WHO: field 'f': ..."; returns -EINVAL. */
static int chk_vfail(struct chk *c, unsigned long line, const char *who,
		     const char *field, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->lines)
		pdesc_err(c->err, c->errlen, "line %lu: field '%s': %s", line,
			  field, msg);
	else
		pdesc_err(c->err, c->errlen, "%s: field '%s': %s", who, field,
			  msg);
	return -EINVAL;
}

static int __attribute__((format(printf, 3, 4)))
options_fail(struct chk *c, const char *field, const char *fmt, ...)
{
	unsigned long line = 0;
	va_list ap;
	int rc;

	if (c->lines)
		line = c->lines->options[PO_ALLOW_UNSAFE] ?:
		       c->lines->options[PO_SECTION];
	va_start(ap, fmt);
	rc = chk_vfail(c, line, "options", field, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * An error in field @f of iommu @i.  A field that was not in the file has
 * line 0 and is reported at its section's header.  Names are only used
 * once they have been checked (by_name), before that the index is.
 */
static int __attribute__((format(printf, 6, 7)))
iommu_fail(struct chk *c, unsigned int i, bool by_name, int f,
	   const char *field, const char *fmt, ...)
{
	unsigned long line = 0;
	char who[64];
	va_list ap;
	int rc;

	if (c->lines)
		line = c->lines->iommu[i][f] ?: c->lines->iommu[i][PI_SECTION];
	if (by_name)
		snprintf(who, sizeof(who), "iommu '%s'", c->p->iommus[i].name);
	else
		snprintf(who, sizeof(who), "iommus[%u]", i);
	va_start(ap, fmt);
	rc = chk_vfail(c, line, who, field, fmt, ap);
	va_end(ap);
	return rc;
}

/* As iommu_fail(); @f < 0 is resv entry -f - 1. */
static int __attribute__((format(printf, 6, 7)))
device_fail(struct chk *c, unsigned int i, bool by_name, int f,
	    const char *field, const char *fmt, ...)
{
	unsigned long line = 0;
	char who[64];
	va_list ap;
	int rc;

	if (c->lines && f < 0)
		line = c->lines->resv[i][-f - 1];
	else if (c->lines)
		line = c->lines->device[i][f];
	if (c->lines && !line)
		line = c->lines->device[i][PD_SECTION];
	if (by_name)
		snprintf(who, sizeof(who), "device '%s'",
			 c->p->devices[i].name);
	else
		snprintf(who, sizeof(who), "devices[%u]", i);
	va_start(ap, fmt);
	rc = chk_vfail(c, line, who, field, fmt, ap);
	va_end(ap);
	return rc;
}

#define RESV_FIELD(j) (-(int)(j) - 1)

static bool name_valid(const char name[UIOMMU_NAME_MAX])
{
	const char *nul = memchr(name, '\0', UIOMMU_NAME_MAX);

	return nul && pdesc_name_ok(name, nul - name);
}

/* Counts, the options, and every name: later messages print names. */
static int check_top(struct chk *c)
{
	const struct uiommu_platform_desc *p = c->p;

	if (p->niommus > UIOMMU_PLATFORM_MAX_IOMMUS ||
	    p->ndevices > UIOMMU_PLATFORM_MAX_DEVICES) {
		pdesc_err(c->err, c->errlen,
			  "%u iommus and %u devices; at most %u and %u",
			  p->niommus, p->ndevices, UIOMMU_PLATFORM_MAX_IOMMUS,
			  UIOMMU_PLATFORM_MAX_DEVICES);
		return -EINVAL;
	}
	if (p->allow_unsafe_interrupts > 1)
		return options_fail(c, "allow_unsafe_interrupts",
				    "%u is not 0 (no) or 1 (yes)",
				    p->allow_unsafe_interrupts);
	for (unsigned int i = 0; i < p->niommus; i++)
		if (!name_valid(p->iommus[i].name))
			return iommu_fail(c, i, false, PI_SECTION, "name",
					  "not a name of 1 to %d characters A-Z a-z 0-9 _ . -",
					  UIOMMU_NAME_MAX - 1);
	for (unsigned int i = 0; i < p->ndevices; i++)
		if (!name_valid(p->devices[i].name))
			return device_fail(c, i, false, PD_SECTION, "name",
					   "not a name of 1 to %d characters A-Z a-z 0-9 _ . -",
					   UIOMMU_NAME_MAX - 1);
	return 0;
}

static int check_iommu_geometry(struct chk *c, unsigned int i)
{
	const struct uiommu_iommu_desc *m = &c->p->iommus[i];
	uint32_t ab = m->address_bits;

	switch (m->model) {
	case UIOMMU_IOMMU_VTD:
		if (ab != 39 && ab != 48 && ab != 57)
			return iommu_fail(c, i, true, PI_ADDRESS_BITS,
					  "address-bits",
					  "%u is not valid for vtd; expected 39, 48 or 57",
					  ab);
		break;
	case UIOMMU_IOMMU_SMMUV3:
		if (ab < 32 || ab > 48)
			return iommu_fail(c, i, true, PI_ADDRESS_BITS,
					  "address-bits",
					  "%u is not valid for smmuv3; expected 32 to 48",
					  ab);
		if (m->granule != 4096 && m->granule != 16384 &&
		    m->granule != 65536)
			return iommu_fail(c, i, true, PI_GRANULE, "granule",
					  "%u is not 4k, 16k or 64k", m->granule);
		return 0;
	case UIOMMU_IOMMU_AMD:
		if (ab < 32 || ab > 64)
			return iommu_fail(c, i, true, PI_ADDRESS_BITS,
					  "address-bits",
					  "%u is not valid for amd; expected 32 to 64",
					  ab);
		break;
	}
	/* Only SMMUv3 has a choice of page granule. */
	if (m->granule != PDESC_GRANULE_DEFAULT)
		return iommu_fail(c, i, true, PI_GRANULE, "granule",
				  "only smmuv3 has a granule other than 4k");
	return 0;
}

static int check_iommu(struct chk *c, unsigned int i)
{
	const struct uiommu_iommu_desc *m = &c->p->iommus[i];
	uint32_t bad_caps = m->caps & ~pdesc_words_mask(&pdesc_caps);

	for (unsigned int j = 0; j < i; j++)
		if (!strcmp(c->p->iommus[j].name, m->name))
			return iommu_fail(c, i, true, PI_SECTION, "name",
					  "'%s' is also the name of iommus[%u]",
					  m->name, j);
	if (!pdesc_word_name(&pdesc_models, m->model))
		return iommu_fail(c, i, true, PI_MODEL, "model",
				  "%u is not vtd (1), smmuv3 (2) or amd (3)",
				  m->model);
	if (bad_caps)
		return iommu_fail(c, i, true, PI_CAPS, "caps",
				  "unknown capability bits 0x%x", bad_caps);
	if (m->pasid_bits > PDESC_PASID_BITS_MAX)
		return iommu_fail(c, i, true, PI_PASID_BITS, "pasid-bits",
				  "%u is more than %d", m->pasid_bits,
				  PDESC_PASID_BITS_MAX);
	return check_iommu_geometry(c, i);
}

static int check_resv(struct chk *c, unsigned int i)
{
	const struct uiommu_device_desc *d = &c->p->devices[i];

	if (d->nresv > UIOMMU_DEVICE_MAX_RESV)
		return device_fail(c, i, true, PD_SECTION, "resv",
				   "%u regions; at most %d", d->nresv,
				   UIOMMU_DEVICE_MAX_RESV);
	for (unsigned int j = 0; j < d->nresv; j++) {
		const struct uiommu_resv_region *r = &d->resv[j];

		if (!pdesc_word_name(&pdesc_resv_types, r->type))
			return device_fail(c, i, true, RESV_FIELD(j), "resv",
					   "unknown type %u", r->type);
		if (r->start > r->last)
			return device_fail(c, i, true, RESV_FIELD(j), "resv",
					   "start 0x%" PRIx64
					   " is after last 0x%" PRIx64,
					   r->start, r->last);
	}
	/*
	 * Two sw-msi windows, or sw-msi next to msi, are firmware bugs a real
	 * platform can have; attaching such a device fails with EINVAL (R65),
	 * so describing one must stay possible.
	 */
	return 0;
}

static int check_device_pasid(struct chk *c, unsigned int i)
{
	const struct uiommu_device_desc *d = &c->p->devices[i];
	const struct uiommu_iommu_desc *m = &c->p->iommus[d->iommu];
	uint32_t pasid_modes = UIOMMU_DEV_PASID_EXEC | UIOMMU_DEV_PASID_PRIV;

	if (d->pasid_bits > m->pasid_bits)
		return device_fail(c, i, true, PD_PASID_BITS, "pasid-bits",
				   "%u is more than the %u of iommu '%s'",
				   d->pasid_bits, m->pasid_bits, m->name);
	if ((d->flags & pasid_modes) && !d->pasid_bits)
		return device_fail(c, i, true, PD_FLAGS, "flags",
				   "pasid-exec and pasid-priv need pasid-bits above 0");
	return 0;
}

/* Requester ids are unique behind one IOMMU; a group never spans two. */
static int check_device_vs_earlier(struct chk *c, unsigned int i)
{
	const struct uiommu_device_desc *d = &c->p->devices[i];
	const struct uiommu_iommu_desc *m = &c->p->iommus[d->iommu];
	char rid[PDESC_RID_STR_MAX];

	for (unsigned int j = 0; j < i; j++) {
		const struct uiommu_device_desc *o = &c->p->devices[j];

		if (!strcmp(o->name, d->name))
			return device_fail(c, i, true, PD_SECTION, "name",
					   "'%s' is also the name of devices[%u]",
					   d->name, j);
		if (o->iommu == d->iommu && o->rid == d->rid) {
			pdesc_rid_str(m->model, d->rid, rid);
			return device_fail(c, i, true, PD_RID, "rid",
					   "%s is also the rid of device '%s' on iommu '%s'",
					   rid, o->name, m->name);
		}
		if (o->group == d->group && o->iommu != d->iommu)
			return device_fail(c, i, true, PD_GROUP, "group",
					   "group %u also holds device '%s', which is behind iommu '%s'; a group cannot span iommus",
					   d->group, o->name,
					   c->p->iommus[o->iommu].name);
	}
	return 0;
}

static int check_device(struct chk *c, unsigned int i)
{
	const struct uiommu_device_desc *d = &c->p->devices[i];
	uint32_t bad_flags = d->flags & ~pdesc_words_mask(&pdesc_dev_flags);
	int rc;

	if (d->iommu >= c->p->niommus)
		return device_fail(c, i, true, PD_IOMMU, "iommu",
				   "index %u, but there are %u iommus",
				   d->iommu, c->p->niommus);
	if (pdesc_model_is_pci(c->p->iommus[d->iommu].model) &&
	    d->rid > 0xffff)
		return device_fail(c, i, true, PD_RID, "rid",
				   "0x%x does not fit in 16 bits; iommu '%s' takes PCI requester ids",
				   d->rid, c->p->iommus[d->iommu].name);
	if (bad_flags)
		return device_fail(c, i, true, PD_FLAGS, "flags",
				   "unknown flag bits 0x%x", bad_flags);
	rc = check_device_pasid(c, i);
	if (!rc)
		rc = check_resv(c, i);
	if (!rc)
		rc = check_device_vs_earlier(c, i);
	return rc;
}

int pdesc_check(const struct uiommu_platform_desc *p,
		const struct pdesc_lines *lines, char *err, size_t errlen)
{
	struct chk c = { p, lines, err, errlen };
	int rc = check_top(&c);

	for (unsigned int i = 0; !rc && i < p->niommus; i++)
		rc = check_iommu(&c, i);
	for (unsigned int i = 0; !rc && i < p->ndevices; i++)
		rc = check_device(&c, i);
	return rc;
}

UIOMMU_API int uiommu_platform_validate(const struct uiommu_platform_desc *p,
					char *err, size_t errlen)
{
	if (!p) {
		pdesc_err(err, errlen, "no platform description");
		return -EINVAL;
	}
	return pdesc_check(p, NULL, err, errlen);
}
