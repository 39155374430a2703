// SPDX-License-Identifier: MIT
/*
 * Platform descriptions: the keyword tables and helpers the parser, the
 * check and the formatter share, and the built-in default platform
 * (uiommu_platform_default(), documented in docs/platform.md).
 */
#include "platform/platform_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WORDS(a) { a, sizeof(a) / sizeof(a[0]) }

static const struct pdesc_word models[] = {
	{ "vtd", UIOMMU_IOMMU_VTD },
	{ "smmuv3", UIOMMU_IOMMU_SMMUV3 },
	{ "amd", UIOMMU_IOMMU_AMD },
};

/* Bit order: the formatter writes lists in table order. */
static const struct pdesc_word caps[] = {
	{ "nesting", UIOMMU_IOMMU_CAP_NESTING },
	{ "dirty", UIOMMU_IOMMU_CAP_DIRTY },
	{ "enforce-coherency", UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY },
	{ "msi-isolated", UIOMMU_IOMMU_CAP_MSI_ISOLATED },
	{ "coherent", UIOMMU_IOMMU_CAP_COHERENT },
};

static const struct pdesc_word dev_flags[] = {
	{ "pri", UIOMMU_DEV_PRI },
	{ "vf", UIOMMU_DEV_VF },
	{ "pasid-exec", UIOMMU_DEV_PASID_EXEC },
	{ "pasid-priv", UIOMMU_DEV_PASID_PRIV },
	{ "no-snoop", UIOMMU_DEV_NO_SNOOP },
	{ "dirty", UIOMMU_DEV_DIRTY },
};

static const struct pdesc_word resv_types[] = {
	{ "direct", UIOMMU_RESV_DIRECT },
	{ "direct-relaxable", UIOMMU_RESV_DIRECT_RELAXABLE },
	{ "reserved", UIOMMU_RESV_RESERVED },
	{ "msi", UIOMMU_RESV_MSI },
	{ "sw-msi", UIOMMU_RESV_SW_MSI },
};

const struct pdesc_words pdesc_models = WORDS(models);
const struct pdesc_words pdesc_caps = WORDS(caps);
const struct pdesc_words pdesc_dev_flags = WORDS(dev_flags);
const struct pdesc_words pdesc_resv_types = WORDS(resv_types);

const char *pdesc_word_name(const struct pdesc_words *ws, uint32_t value)
{
	for (unsigned int i = 0; i < ws->n; i++)
		if (ws->w[i].value == value)
			return ws->w[i].name;
	return NULL;
}

uint32_t pdesc_words_mask(const struct pdesc_words *ws)
{
	uint32_t mask = 0;

	for (unsigned int i = 0; i < ws->n; i++)
		mask |= ws->w[i].value;
	return mask;
}

const char *pdesc_word_list(const struct pdesc_words *ws, char *buf,
			    size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < ws->n && o < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
			      ws->w[i].name);
	return buf;
}

bool pdesc_model_is_pci(uint32_t model)
{
	return model == UIOMMU_IOMMU_VTD || model == UIOMMU_IOMMU_AMD;
}

void pdesc_rid_str(uint32_t model, uint32_t rid, char *buf)
{
	/* A PCI rid above 16 bits fails the check; show it as a number. */
	if (pdesc_model_is_pci(model) && rid <= 0xffff)
		snprintf(buf, PDESC_RID_STR_MAX, "%02x:%02x.%x", rid >> 8,
			 (rid >> 3) & 0x1f, rid & 7);
	else
		snprintf(buf, PDESC_RID_STR_MAX, "0x%x", rid);
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool pdesc_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= UIOMMU_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(s[i]))
			return false;
	return true;
}

void pdesc_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the default platform ---------------------------------------------- */

#define X86_MSI_DOORBELL 0xfee00000ULL
/* Where a GICv3 ITS's GITS_TRANSLATER would sit (ITS base + 0x10040). */
#define ITS_DOORBELL 0x08090040ULL

/* The interrupt window every x86 device reports (IOAPIC/MSI range). */
#define RESV_X86_MSI { 0xfee00000ULL, 0xfeefffffULL, UIOMMU_RESV_MSI, 0 }
/* The IOVA window the SMMUv3 driver maps ITS doorbells into. */
#define RESV_ARM_SW_MSI { 0x08000000ULL, 0x080fffffULL, UIOMMU_RESV_SW_MSI, 0 }
/* A USB-controller-style RMRR: firmware wants it 1:1, it may be dropped. */
#define RESV_USB_RMRR \
	{ 0x7c000000ULL, 0x7c0fffffULL, UIOMMU_RESV_DIRECT_RELAXABLE, 0 }

/*
 * Two IOMMUs of different architectures, so that every device scenario has
 * a device to run on: PASID with and without exec, dirty tracking, a
 * relaxable RMRR, a group of two functions that cannot be isolated, ARM's
 * software-managed MSI window, and no-snoop DMA behind an IOMMU that cannot
 * enforce coherency.
 */
static const struct uiommu_platform_desc default_platform = {
	.niommus = 2,
	.ndevices = 6,
	.allow_unsafe_interrupts = 0,
	.iommus = {
		{
			.name = "vtd0",
			.model = UIOMMU_IOMMU_VTD,
			.caps = UIOMMU_IOMMU_CAP_NESTING |
				UIOMMU_IOMMU_CAP_DIRTY |
				UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |
				UIOMMU_IOMMU_CAP_MSI_ISOLATED |
				UIOMMU_IOMMU_CAP_COHERENT,
			.pasid_bits = 20,
			.address_bits = 48,
			.granule = 4096,
		},
		{
			.name = "smmu0",
			.model = UIOMMU_IOMMU_SMMUV3,
			.caps = UIOMMU_IOMMU_CAP_NESTING |
				UIOMMU_IOMMU_CAP_DIRTY |
				UIOMMU_IOMMU_CAP_MSI_ISOLATED |
				UIOMMU_IOMMU_CAP_COHERENT,
			.pasid_bits = 20,
			.address_bits = 48,
			.granule = 4096,
		},
	},
	.devices = {
		{
			.name = "dma0", .iommu = 0, .rid = 0x0018, .group = 3,
			.pasid_bits = 20,
			.flags = UIOMMU_DEV_PASID_EXEC | UIOMMU_DEV_DIRTY,
			.msi_doorbell = X86_MSI_DOORBELL,
			.nresv = 1, .resv = { RESV_X86_MSI },
		},
		{
			.name = "dma1", .iommu = 0, .rid = 0x0020, .group = 4,
			.pasid_bits = 20, .flags = UIOMMU_DEV_DIRTY,
			.msi_doorbell = X86_MSI_DOORBELL,
			.nresv = 2, .resv = { RESV_X86_MSI, RESV_USB_RMRR },
		},
		{
			.name = "dma2", .iommu = 0, .rid = 0x0028, .group = 5,
			.msi_doorbell = X86_MSI_DOORBELL,
			.nresv = 1, .resv = { RESV_X86_MSI },
		},
		{
			.name = "dma3", .iommu = 0, .rid = 0x0029, .group = 5,
			.msi_doorbell = X86_MSI_DOORBELL,
			.nresv = 1, .resv = { RESV_X86_MSI },
		},
		{
			.name = "dma4", .iommu = 1, .rid = 0x100, .group = 16,
			.pasid_bits = 20,
			.msi_doorbell = ITS_DOORBELL,
			.nresv = 1, .resv = { RESV_ARM_SW_MSI },
		},
		{
			.name = "dma5", .iommu = 1, .rid = 0x101, .group = 17,
			.flags = UIOMMU_DEV_NO_SNOOP,
			.msi_doorbell = ITS_DOORBELL,
			.nresv = 1, .resv = { RESV_ARM_SW_MSI },
		},
	},
};

UIOMMU_API void uiommu_platform_default(struct uiommu_platform_desc *out)
{
	memcpy(out, &default_platform, sizeof(*out));
}
