// SPDX-License-Identifier: MIT
/*
 * uiommu_platform_format(): a description back to platform-file text, in
 * the canonical form docs/platform.md shows.  Every field is written, even
 * at its default, so the output doubles as a template listing every key;
 * sections keep the struct's order, so parsing the text gives back an
 * identical struct.
 */
#include "platform/platform_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

struct writer {
	char *buf;
	size_t len;
	size_t pos; /* bytes the whole text needs so far, past len or not */
};

static void __attribute__((format(printf, 2, 3)))
w_printf(struct writer *w, const char *fmt, ...)
{
	size_t room = w->pos < w->len ? w->len - w->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? w->buf + w->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->pos += n;
}

/* "KEY = a, b" in table order, or "KEY = none". */
static void w_list(struct writer *w, const char *key,
		   const struct pdesc_words *ws, uint32_t bits)
{
	const char *sep = "";

	w_printf(w, "%s = ", key);
	if (!bits)
		w_printf(w, "none");
	for (unsigned int i = 0; i < ws->n; i++) {
		if (!(bits & ws->w[i].value))
			continue;
		w_printf(w, "%s%s", sep, ws->w[i].name);
		sep = ", ";
	}
	w_printf(w, "\n");
}

/* Addresses in hex, zero-padded to 32 bits so that columns line up. */
static void w_addr(struct writer *w, uint64_t a)
{
	w_printf(w, "0x%08" PRIx64, a);
}

static void w_iommu(struct writer *w, const struct uiommu_iommu_desc *m)
{
	w_printf(w, "\n[iommu %s]\n", m->name);
	w_printf(w, "model = %s\n", pdesc_word_name(&pdesc_models, m->model));
	w_list(w, "caps", &pdesc_caps, m->caps);
	w_printf(w, "pasid-bits = %u\n", m->pasid_bits);
	w_printf(w, "address-bits = %u\n", m->address_bits);
	/* The other models have no choice of granule: the key is SMMUv3's. */
	if (m->model == UIOMMU_IOMMU_SMMUV3)
		w_printf(w, "granule = %uk\n", m->granule / 1024);
}

static void w_device(struct writer *w, const struct uiommu_platform_desc *p,
		     const struct uiommu_device_desc *d)
{
	const struct uiommu_iommu_desc *m = &p->iommus[d->iommu];
	char rid[PDESC_RID_STR_MAX];

	pdesc_rid_str(m->model, d->rid, rid);
	w_printf(w, "\n[device %s]\n", d->name);
	w_printf(w, "iommu = %s\n", m->name);
	w_printf(w, "rid = %s\n", rid);
	w_printf(w, "group = %u\n", d->group);
	w_printf(w, "pasid-bits = %u\n", d->pasid_bits);
	w_list(w, "flags", &pdesc_dev_flags, d->flags);
	w_printf(w, "msi-doorbell = ");
	w_addr(w, d->msi_doorbell);
	w_printf(w, "\n");
	for (unsigned int j = 0; j < d->nresv; j++) {
		const struct uiommu_resv_region *r = &d->resv[j];

		w_printf(w, "resv = ");
		w_addr(w, r->start);
		w_printf(w, "-");
		w_addr(w, r->last);
		w_printf(w, " %s\n",
			 pdesc_word_name(&pdesc_resv_types, r->type));
	}
}

UIOMMU_API int uiommu_platform_format(const struct uiommu_platform_desc *p,
				      char *buf, size_t len)
{
	struct writer w = { buf, len, 0 };

	if (!p || (!buf && len))
		return -EINVAL;
	/* Only a valid description is sure to parse back the same. */
	if (pdesc_check(p, NULL, NULL, 0))
		return -EINVAL;
	w_printf(&w, "# uiommu platform file (docs/platform.md), canonical form\n");
	w_printf(&w, "\n[options]\n");
	w_printf(&w, "allow_unsafe_interrupts = %s\n",
		 p->allow_unsafe_interrupts ? "yes" : "no");
	for (unsigned int i = 0; i < p->niommus; i++)
		w_iommu(&w, &p->iommus[i]);
	for (unsigned int i = 0; i < p->ndevices; i++)
		w_device(&w, p, &p->devices[i]);
	if (w.pos >= len)
		return -ENOSPC;
	return w.pos;
}
