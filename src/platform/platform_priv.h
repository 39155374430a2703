/* SPDX-License-Identifier: MIT */
/*
 * src/platform private: what the platform-description code shares between
 * its files: the keyword tables (models, capabilities, device flags,
 * reserved-region types), the limits of each field, the line map the parser
 * hands to the consistency check, and small helpers.
 *
 * The files: platform.c (tables, helpers, the default platform), pstr.c
 * (the format's lexical pieces), parse.c (platform-file text), load.c
 * (platform files), check.c (consistency rules) and format.c (writing the
 * text back).  Internal symbols carry a pdesc_ prefix so they
 * cannot meet src/core's platform_* and plat_* names in the library.
 */
#ifndef UIOMMU_PLATFORM_PRIV_H
#define UIOMMU_PLATFORM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uiommu/platform.h>

/* Widest PASID any model offers (PCIe: 20 bits). */
#define PDESC_PASID_BITS_MAX 20
/* address-bits when the file gives none; the same for every model. */
#define PDESC_ADDRESS_BITS_DEFAULT 48
#define PDESC_GRANULE_DEFAULT 4096

/* One keyword of the file and the value it stands for. */
struct pdesc_word {
	const char *name;
	uint32_t value;
};

struct pdesc_words {
	const struct pdesc_word *w;
	unsigned int n;
};

extern const struct pdesc_words pdesc_models;     /* enum uiommu_iommu_model */
extern const struct pdesc_words pdesc_caps;       /* enum uiommu_iommu_caps */
extern const struct pdesc_words pdesc_dev_flags;  /* enum uiommu_device_flags */
extern const struct pdesc_words pdesc_resv_types; /* enum uiommu_resv_type */

/* The keyword for @value, or NULL. */
const char *pdesc_word_name(const struct pdesc_words *ws, uint32_t value);
/* "a, b, c": the keywords of @ws, for messages; returns @buf. */
const char *pdesc_word_list(const struct pdesc_words *ws, char *buf,
			    size_t len);
/* The OR of every value in a table of bit flags. */
uint32_t pdesc_words_mask(const struct pdesc_words *ws);

/* VT-d and AMD-Vi see PCI requester ids; SMMUv3 sees StreamIDs. */
bool pdesc_model_is_pci(uint32_t model);

/* A PCI requester id from bus, device, function, and back to "BB:DD.F". */
static inline uint32_t pdesc_bdf(uint32_t bus, uint32_t dev, uint32_t fn)
{
	return bus << 8 | dev << 3 | fn;
}

#define PDESC_RID_STR_MAX 16
/* @rid as the file writes it for @model: BB:DD.F or 0x hex. */
void pdesc_rid_str(uint32_t model, uint32_t rid, char *buf);

/* 1..UIOMMU_NAME_MAX-1 characters of A-Z a-z 0-9 _ . - */
bool pdesc_name_ok(const char *s, size_t n);

/* snprintf into an error buffer that may be NULL or empty. */
void pdesc_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Where each field of a parsed description came from: the line numbers of
 * its section header and of each key (0: not in the file, a default).  The
 * parser fills it so that the shared consistency check can name lines.
 */
enum pdesc_option_field { PO_SECTION, PO_ALLOW_UNSAFE, PO_NFIELDS };
enum pdesc_iommu_field {
	PI_SECTION, PI_MODEL, PI_CAPS, PI_PASID_BITS, PI_ADDRESS_BITS,
	PI_GRANULE, PI_NFIELDS
};
enum pdesc_device_field {
	PD_SECTION, PD_IOMMU, PD_RID, PD_GROUP, PD_PASID_BITS, PD_FLAGS,
	PD_MSI_DOORBELL, PD_NFIELDS
};

struct pdesc_lines {
	unsigned long options[PO_NFIELDS];
	unsigned long iommu[UIOMMU_PLATFORM_MAX_IOMMUS][PI_NFIELDS];
	unsigned long device[UIOMMU_PLATFORM_MAX_DEVICES][PD_NFIELDS];
	unsigned long resv[UIOMMU_PLATFORM_MAX_DEVICES][UIOMMU_DEVICE_MAX_RESV];
};

/*
 * Every consistency rule of a description (docs/platform.md).  With
 * @lines, messages start "line N: field 'x': "; without, they name the
 * iommu or device instead.  0 or -EINVAL.
 */
int pdesc_check(const struct uiommu_platform_desc *p,
		const struct pdesc_lines *lines, char *err, size_t errlen);

#endif
