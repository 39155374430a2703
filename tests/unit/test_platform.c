// SPDX-License-Identifier: MIT
/*
 * Platform descriptions (src/platform, docs/platform.md): the parser on a
 * full example and on every error it reports (exact messages: they are
 * what a user reads), the consistency rules through
 * uiommu_platform_validate(), the default platform, format/parse round
 * trips, files, and a randomized robustness run of mutated files.
 */
#include "harness.h"

#include <uiommu/platform.h>

#include "util/alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

/* The complete example of docs/platform.md. */
static const char full_example[] =
	"# A platform with one IOMMU of each model.\n"
	"[options]\n"
	"allow_unsafe_interrupts = yes\n"
	"\n"
	"[iommu vtd0]\n"
	"model = vtd\n"
	"caps = nesting, dirty, enforce-coherency, msi-isolated, coherent\n"
	"pasid-bits = 20\n"
	"address-bits = 57\n"
	"\n"
	"[iommu smmu0]\n"
	"model = smmuv3\n"
	"caps = nesting, msi-isolated, coherent\n"
	"pasid-bits = 16\n"
	"address-bits = 44\n"
	"granule = 64k\n"
	"\n"
	"[iommu amd0]\n"
	"model = amd\n"
	"caps = dirty, coherent     # address-bits: 48 by default\n"
	"\n"
	"[device nic0]\n"
	"iommu = vtd0\n"
	"rid = 3a:1f.7\n"
	"group = 7\n"
	"pasid-bits = 20\n"
	"flags = pri, pasid-exec, pasid-priv, no-snoop, dirty, vf\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n"
	"resv = 0x7c000000-0x7c0fffff direct\n"
	"resv = 0x7d000000 - 0x7d0fffff direct-relaxable\n"
	"resv = 0-0xfff reserved\n"
	"\n"
	"[device gpu0]\n"
	"iommu = smmu0\n"
	"rid = 0x10042              # a StreamID\n"
	"pasid-bits = 16\n"
	"msi-doorbell = 0x08090040\n"
	"resv = 0x08000000-0x080fffff sw-msi\n"
	"\n"
	"[device ssd0]\n"
	"iommu = amd0\n"
	"rid = 4096                 # 10:00.0, in decimal\n";

/* Descriptor fields are unsigned, the enum constants int. */
#define ASSERT_U(a, b) ASSERT_EQ((uint64_t)(a), (uint64_t)(b))
#define ASSERT_STR(a, b) ASSERT_EQ(strcmp(a, b), 0)

static struct uiommu_platform_desc plat, plat2;
static char err[512];
static char text[1 << 16];

static void assert_resv(const struct uiommu_resv_region *r, uint64_t start,
			uint64_t last, uint32_t type)
{
	ASSERT_U(r->start, start);
	ASSERT_U(r->last, last);
	ASSERT_U(r->type, type);
	ASSERT_U(r->pad, 0);
}

TEST(platform, parse_full_example)
{
	const struct uiommu_iommu_desc *m = plat.iommus;
	const struct uiommu_device_desc *d = plat.devices;

	ASSERT_OK(uiommu_platform_parse(full_example, &plat, err,
					sizeof(err)));
	ASSERT_EQ(err[0], '\0');
	ASSERT_U(plat.niommus, 3);
	ASSERT_U(plat.ndevices, 3);
	ASSERT_U(plat.allow_unsafe_interrupts, 1);
	ASSERT_U(plat.pad, 0);

	ASSERT_STR(m[0].name, "vtd0");
	ASSERT_U(m[0].model, UIOMMU_IOMMU_VTD);
	ASSERT_U(m[0].caps, UIOMMU_IOMMU_CAP_NESTING | UIOMMU_IOMMU_CAP_DIRTY |
			     UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY |
			     UIOMMU_IOMMU_CAP_MSI_ISOLATED |
			     UIOMMU_IOMMU_CAP_COHERENT);
	ASSERT_U(m[0].pasid_bits, 20);
	ASSERT_U(m[0].address_bits, 57);
	ASSERT_U(m[0].granule, 4096);

	ASSERT_STR(m[1].name, "smmu0");
	ASSERT_U(m[1].model, UIOMMU_IOMMU_SMMUV3);
	ASSERT_U(m[1].caps, UIOMMU_IOMMU_CAP_NESTING |
			     UIOMMU_IOMMU_CAP_MSI_ISOLATED |
			     UIOMMU_IOMMU_CAP_COHERENT);
	ASSERT_U(m[1].pasid_bits, 16);
	ASSERT_U(m[1].address_bits, 44);
	ASSERT_U(m[1].granule, 65536);

	ASSERT_STR(m[2].name, "amd0");
	ASSERT_U(m[2].model, UIOMMU_IOMMU_AMD);
	ASSERT_U(m[2].caps, UIOMMU_IOMMU_CAP_DIRTY | UIOMMU_IOMMU_CAP_COHERENT);
	ASSERT_U(m[2].pasid_bits, 0);
	ASSERT_U(m[2].address_bits, 48);
	ASSERT_U(m[2].granule, 4096);

	ASSERT_STR(d[0].name, "nic0");
	ASSERT_U(d[0].iommu, 0);
	ASSERT_U(d[0].rid, 0x3a << 8 | 0x1f << 3 | 7);
	ASSERT_U(d[0].group, 7);
	ASSERT_U(d[0].pasid_bits, 20);
	ASSERT_U(d[0].flags, UIOMMU_DEV_PRI | UIOMMU_DEV_VF |
			      UIOMMU_DEV_PASID_EXEC | UIOMMU_DEV_PASID_PRIV |
			      UIOMMU_DEV_NO_SNOOP | UIOMMU_DEV_DIRTY);
	ASSERT_U(d[0].msi_doorbell, 0xfee00000);
	ASSERT_U(d[0].nresv, 4);
	assert_resv(&d[0].resv[0], 0xfee00000, 0xfeefffff, UIOMMU_RESV_MSI);
	assert_resv(&d[0].resv[1], 0x7c000000, 0x7c0fffff, UIOMMU_RESV_DIRECT);
	assert_resv(&d[0].resv[2], 0x7d000000, 0x7d0fffff,
		    UIOMMU_RESV_DIRECT_RELAXABLE);
	assert_resv(&d[0].resv[3], 0, 0xfff, UIOMMU_RESV_RESERVED);

	/* No group given: each gets the lowest number nobody else uses. */
	ASSERT_STR(d[1].name, "gpu0");
	ASSERT_U(d[1].iommu, 1);
	ASSERT_U(d[1].rid, 0x10042);
	ASSERT_U(d[1].group, 0);
	ASSERT_U(d[1].pasid_bits, 16);
	ASSERT_U(d[1].flags, 0);
	ASSERT_U(d[1].msi_doorbell, 0x08090040);
	ASSERT_U(d[1].nresv, 1);
	assert_resv(&d[1].resv[0], 0x08000000, 0x080fffff,
		    UIOMMU_RESV_SW_MSI);

	ASSERT_STR(d[2].name, "ssd0");
	ASSERT_U(d[2].iommu, 2);
	ASSERT_U(d[2].rid, 0x1000);
	ASSERT_U(d[2].group, 1);
	ASSERT_U(d[2].pasid_bits, 0);
	ASSERT_U(d[2].flags, 0);
	ASSERT_U(d[2].msi_doorbell, 0);
	ASSERT_U(d[2].nresv, 0);
	ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
}

/* Whatever the input, the description is all zeros past what was parsed. */
TEST(platform, parse_leaves_unused_entries_zero)
{
	static const struct uiommu_platform_desc zero;

	ASSERT_OK(uiommu_platform_parse(full_example, &plat, err,
					sizeof(err)));
	ASSERT_MEMEQ(&plat.iommus[3], &zero.iommus[3],
		     sizeof(plat.iommus[0]) * (UIOMMU_PLATFORM_MAX_IOMMUS - 3));
	ASSERT_MEMEQ(&plat.devices[3], &zero.devices[3],
		     sizeof(plat.devices[0]) *
			     (UIOMMU_PLATFORM_MAX_DEVICES - 3));
	ASSERT_MEMEQ(&plat.devices[0].resv[4], &zero.devices[0].resv[4],
		     sizeof(plat.devices[0].resv[0]) *
			     (UIOMMU_DEVICE_MAX_RESV - 4));
}

/* Forward references, keyword spelling, blanks, CRLF, no final newline. */
TEST(platform, parse_lenient_spelling)
{
	static const char t[] =
		"\t[ device  d0 ]  \r\n"
		"IOMMU=late\r\n"
		"RID = 0X1f\r\n"
		"Flags = PASID_EXEC ,Dirty\r\n"
		"pasid_bits = 0x8\r\n"
		"msi-doorbell = 4276092928\r\n"
		"resv=0x1000-0x1fff   SW_MSI\r\n"
		"[Options]\r\n"
		"allow-unsafe-interrupts = YES\r\n"
		"[iommu late]\r\n"
		"model = SMMUv3\r\n"
		"pasid-bits = 20\r\n"
		"granule = 16384\r\n"
		"caps =";

	ASSERT_OK(uiommu_platform_parse(t, &plat, err, sizeof(err)));
	ASSERT_U(plat.niommus, 1);
	ASSERT_U(plat.ndevices, 1);
	ASSERT_U(plat.allow_unsafe_interrupts, 1);
	ASSERT_STR(plat.iommus[0].name, "late");
	ASSERT_U(plat.iommus[0].model, UIOMMU_IOMMU_SMMUV3);
	ASSERT_U(plat.iommus[0].granule, 16384);
	ASSERT_U(plat.iommus[0].caps, 0);
	ASSERT_STR(plat.devices[0].name, "d0");
	ASSERT_U(plat.devices[0].iommu, 0);
	ASSERT_U(plat.devices[0].rid, 0x1f);
	ASSERT_U(plat.devices[0].flags,
		  UIOMMU_DEV_PASID_EXEC | UIOMMU_DEV_DIRTY);
	ASSERT_U(plat.devices[0].pasid_bits, 8);
	ASSERT_U(plat.devices[0].msi_doorbell, 0xfee00000);
	ASSERT_U(plat.devices[0].nresv, 1);
	assert_resv(&plat.devices[0].resv[0], 0x1000, 0x1fff,
		    UIOMMU_RESV_SW_MSI);
}

TEST(platform, parse_empty_and_comments_only)
{
	ASSERT_OK(uiommu_platform_parse("", &plat, err, sizeof(err)));
	ASSERT_U(plat.niommus, 0);
	ASSERT_U(plat.ndevices, 0);
	ASSERT_OK(uiommu_platform_parse("# nothing\n\n  \t# [iommu x]\n\r\n",
					&plat, err, sizeof(err)));
	ASSERT_U(plat.niommus, 0);
}

struct bad_case {
	const char *text;
	const char *msg;
};

/* Every error the parser reports, and the exact message a user reads. */
static const struct bad_case bad_cases[] = {
	{ "[bus pci0]\n",
	  "line 1: section 'bus pci0': unknown section; expected [options], [iommu NAME] or [device NAME]" },
	{ "[iommu a]\nmodel = vtd\ncolour = red\n",
	  "line 3: field 'colour': unknown key in [iommu a]; expected model, caps, pasid-bits, address-bits, granule" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nspeed = 5\n",
	  "line 6: field 'speed': unknown key in [device d]; expected iommu, rid, group, pasid-bits, flags, msi-doorbell, resv" },
	{ "model = vtd\n",
	  "line 1: field 'model': outside any section; put [options], [iommu NAME] or [device NAME] first" },
	{ "[iommu a]\nmodel vtd\n",
	  "line 2: expected 'KEY = VALUE' or '[SECTION]', got 'model vtd'" },
	{ "[iommu a]\n= vtd\n",
	  "line 2: expected 'KEY = VALUE' or '[SECTION]', got '= vtd'" },
	{ "[iommu a\n",
	  "line 1: expected '[SECTION]', got '[iommu a'" },
	{ "[options x]\n",
	  "line 1: section 'options x': [options] takes no name" },
	{ "[options]\n[options]\n",
	  "line 2: section 'options': given twice (first on line 1)" },
	{ "[iommu]\n",
	  "line 1: section 'iommu': missing name; expected [iommu NAME]" },
	{ "[device d@1]\n",
	  "line 1: section 'device d@1': bad name 'd@1'; a name is 1 to 31 characters A-Z a-z 0-9 _ . -" },
	{ "[iommu abcdefghijabcdefghijabcdefghij12]\n",
	  "line 1: section 'iommu abcdefghijabcdefghijabcdefghij12': bad name 'abcdefghijabcdefghijabcdefghij12'; a name is 1 to 31 characters A-Z a-z 0-9 _ . -" },
	{ "[iommu a]\nmodel = vtd\n[iommu a]\n",
	  "line 3: section 'iommu a': name already used on line 1" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\n[device d]\n",
	  "line 6: section 'device d': name already used on line 3" },
	{ "[iommu a]\nmodel = vtd\nmodel = amd\n",
	  "line 3: field 'model': given twice in a section (first on line 2)" },
	{ "[iommu a]\nmodel = power9\n",
	  "line 2: field 'model': expected vtd, smmuv3 or amd, got 'power9'" },
	{ "[iommu a]\nmodel = vtd\ncaps = nesting, wings\n",
	  "line 3: field 'caps': unknown 'wings'; expected none or a list of: nesting, dirty, enforce-coherency, msi-isolated, coherent" },
	{ "[iommu a]\nmodel = vtd\ncaps = nesting,,dirty\n",
	  "line 3: field 'caps': empty item in 'nesting,,dirty'" },
	{ "[iommu a]\nmodel = vtd\ncaps = none, dirty\n",
	  "line 3: field 'caps': 'none' stands alone, not in a list" },
	{ "[iommu a]\nmodel = vtd\npasid-bits = 21\n",
	  "line 3: field 'pasid-bits': expected a number from 0 to 20, got '21'" },
	{ "[iommu a]\nmodel = vtd\npasid-bits = -1\n",
	  "line 3: field 'pasid-bits': expected a number from 0 to 20, got '-1'" },
	{ "[iommu a]\nmodel = vtd\naddress-bits = 31\n",
	  "line 3: field 'address-bits': expected a number from 32 to 64, got '31'" },
	{ "[iommu a]\nmodel = vtd\naddress-bits = 40\n",
	  "line 3: field 'address-bits': 40 is not valid for vtd; expected 39, 48 or 57" },
	{ "[iommu a]\nmodel = smmuv3\naddress-bits = 49\n",
	  "line 3: field 'address-bits': 49 is not valid for smmuv3; expected 32 to 48" },
	{ "[iommu a]\nmodel = amd\naddress-bits = 65\n",
	  "line 3: field 'address-bits': expected a number from 32 to 64, got '65'" },
	{ "[iommu a]\nmodel = smmuv3\ngranule = 8k\n",
	  "line 3: field 'granule': expected 4k, 16k or 64k, got '8k'" },
	{ "[iommu a]\nmodel = vtd\ngranule = 16k\n",
	  "line 3: field 'granule': only smmuv3 has a granule other than 4k" },
	{ "[options]\nallow_unsafe_interrupts = maybe\n",
	  "line 2: field 'allow_unsafe_interrupts': expected yes or no, got 'maybe'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 00:3g.0\n",
	  "line 5: field 'rid': expected BB:DD.F or a number, got '00:3g.0'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 00:20.0\n",
	  "line 5: field 'rid': in BB:DD.F, DD is at most 1f and F at most 7, got '00:20.0'" },
	{ "[iommu a]\nmodel = smmuv3\n[device d]\niommu = a\nrid = 0x100000000\n",
	  "line 5: field 'rid': expected BB:DD.F or a number, got '0x100000000'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 0x10000\n",
	  "line 5: field 'rid': 0x10000 does not fit in 16 bits; iommu 'a' takes PCI requester ids" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\ngroup = x\n",
	  "line 6: field 'group': expected a number from 0 to 4294967295, got 'x'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\ngroup = 4294967296\n",
	  "line 6: field 'group': expected a number from 0 to 4294967295, got '4294967296'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nflags = pri, turbo\n",
	  "line 6: field 'flags': unknown 'turbo'; expected none or a list of: pri, vf, pasid-exec, pasid-priv, no-snoop, dirty" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nmsi-doorbell = 0x1fee00000000000000\n",
	  "line 6: field 'msi-doorbell': expected an address (decimal or 0x hex), got '0x1fee00000000000000'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nmsi-doorbell = fee00000\n",
	  "line 6: field 'msi-doorbell': expected an address (decimal or 0x hex), got 'fee00000'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nresv = 0xfee00000 msi\n",
	  "line 6: field 'resv': expected START-LAST TYPE, got '0xfee00000 msi'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nresv = 0x1000-0x1fff\n",
	  "line 6: field 'resv': expected START-LAST TYPE, got '0x1000-0x1fff'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nresv = 0x1000-0x1fff rmrr\n",
	  "line 6: field 'resv': unknown type 'rmrr'; expected one of: direct, direct-relaxable, reserved, msi, sw-msi" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nresv = 0x2000-0x1fff direct\n",
	  "line 6: field 'resv': start 0x2000 is after last 0x1fff" },
	{ "[iommu a]\ncaps = dirty\n[device d]\n",
	  "line 1: field 'model': missing; [iommu a] needs one" },
	{ "[iommu a]\ncaps = dirty\n",
	  "line 1: field 'model': missing; [iommu a] needs one" },
	{ "[iommu a]\nmodel = vtd\n[device d]\nrid = 1\n[device e]\n",
	  "line 3: field 'iommu': missing; [device d] needs one" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\n",
	  "line 3: field 'rid': missing; [device d] needs one" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = b\nrid = 1\n",
	  "line 4: field 'iommu': no [iommu b] in the file" },
	{ "[iommu a]\nmodel = vtd\npasid-bits = 8\n[device d]\niommu = a\nrid = 1\npasid-bits = 10\n",
	  "line 7: field 'pasid-bits': 10 is more than the 8 of iommu 'a'" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 00:01.0\n[device e]\niommu = a\nrid = 8\n",
	  "line 8: field 'rid': 00:01.0 is also the rid of device 'd' on iommu 'a'" },
	{ "[iommu a]\nmodel = vtd\n[iommu b]\nmodel = amd\n[device d]\niommu = a\nrid = 1\ngroup = 5\n[device e]\niommu = b\nrid = 1\ngroup = 5\n",
	  "line 12: field 'group': group 5 also holds device 'd', which is behind iommu 'a'; a group cannot span iommus" },
	{ "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\nflags = pasid-exec\n",
	  "line 6: field 'flags': pasid-exec and pasid-priv need pasid-bits above 0" },
};

/* A failed parse reports -EINVAL and leaves nothing that looks parsed. */
static void assert_parse_fails(const char *t, const char *msg)
{
	static const struct uiommu_platform_desc zero;

	memset(&plat, 0xa5, sizeof(plat));
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse(t, &plat, err,
						   sizeof(err)));
	if (strcmp(err, msg))
		FAIL("input:\n%s\ngot:  %s\nwant: %s", t, err, msg);
	ASSERT_MEMEQ(&plat, &zero, sizeof(plat));
}

TEST(platform, parse_errors_name_line_and_field)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		assert_parse_fails(bad_cases[i].text, bad_cases[i].msg);
}

/* Append to text[] at *o. */
static void __attribute__((format(printf, 2, 3)))
add(size_t *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*o += vsnprintf(text + *o, sizeof(text) - *o, fmt, ap);
	va_end(ap);
	ASSERT_LT(*o, sizeof(text));
}

TEST(platform, too_many_iommus)
{
	size_t o = 0;

	for (int i = 0; i <= UIOMMU_PLATFORM_MAX_IOMMUS; i++)
		add(&o, "[iommu i%d]\nmodel = vtd\n", i);
	assert_parse_fails(text, "line 17: section 'iommu i8': too many iommus; at most 8");
}

TEST(platform, too_many_devices)
{
	size_t o = 0;
	char msg[128];

	add(&o, "[iommu a]\nmodel = smmuv3\n");
	for (int i = 0; i <= UIOMMU_PLATFORM_MAX_DEVICES; i++)
		add(&o, "[device d%d]\niommu = a\nrid = %d\n", i, i);
	snprintf(msg, sizeof(msg),
		 "line %d: section 'device d64': too many devices; at most 64",
		 2 + 3 * UIOMMU_PLATFORM_MAX_DEVICES + 1);
	assert_parse_fails(text, msg);

	/* 64 is fine, and the groups given out are 0..63. */
	text[o - strlen("[device d64]\niommu = a\nrid = 64\n")] = '\0';
	ASSERT_OK(uiommu_platform_parse(text, &plat, err, sizeof(err)));
	ASSERT_U(plat.ndevices, UIOMMU_PLATFORM_MAX_DEVICES);
	for (int i = 0; i < UIOMMU_PLATFORM_MAX_DEVICES; i++)
		ASSERT_U(plat.devices[i].group, i);
}

TEST(platform, too_many_resv)
{
	size_t o = 0;

	add(&o, "[iommu a]\nmodel = vtd\n[device d]\niommu = a\nrid = 1\n");
	for (int i = 0; i <= UIOMMU_DEVICE_MAX_RESV; i++)
		add(&o, "resv = 0x%x000-0x%xfff direct\n", i + 1, i + 1);
	assert_parse_fails(text, "line 14: field 'resv': too many; at most 8 per device");
}

/* Automatic groups never take a number a later device names. */
TEST(platform, auto_groups_avoid_given_ones)
{
	static const char t[] =
		"[iommu a]\nmodel = vtd\n"
		"[device d0]\niommu = a\nrid = 1\n"
		"[device d1]\niommu = a\nrid = 2\ngroup = 0\n"
		"[device d2]\niommu = a\nrid = 3\n"
		"[device d3]\niommu = a\nrid = 4\ngroup = 1\n";

	ASSERT_OK(uiommu_platform_parse(t, &plat, err, sizeof(err)));
	ASSERT_U(plat.devices[0].group, 2);
	ASSERT_U(plat.devices[1].group, 0);
	ASSERT_U(plat.devices[2].group, 3);
	ASSERT_U(plat.devices[3].group, 1);
}

/* Lines of any length: no fixed line buffer, and messages stay short. */
TEST(platform, long_lines)
{
	size_t n = 1 << 20;
	char *t = malloc(2 * n + 64), *p;

	ASSERT_NONNULL(t);
	/* A 1 MiB comment, then a 1 MiB value. */
	p = t + sprintf(t, "#");
	memset(p, 'c', n);
	p += n;
	p += sprintf(p, "\n[iommu a]\nmodel = ");
	memset(p, 'v', n);
	strcpy(p + n, "\n");
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse(t, &plat, err, sizeof(err)));
	ASSERT_STR(err, "line 3: field 'model': expected vtd, smmuv3 or amd, got 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...'");

	/* A 1 MiB key; control bytes are shown escaped. */
	p = t + sprintf(t, "[iommu a]\n\x01");
	memset(p, 'k', n);
	strcpy(p + n, " = 1");
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse(t, &plat, err, sizeof(err)));
	ASSERT_EQ(strcmp(err, "line 2: field '\\x01kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...': unknown key in [iommu a]; expected model, caps, pasid-bits, address-bits, granule"), 0);
	free(t);
}

/* The message is cut to the caller's buffer, and no buffer is fine. */
TEST(platform, small_error_buffers)
{
	char small[8];

	memset(small, 'x', sizeof(small));
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse("[x]", &plat, small,
						   sizeof(small)));
	ASSERT_STR(small, "line 1:");
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse("[x]", &plat, NULL, 0));
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse("[x]", &plat, small, 0));
	ASSERT_EQ(small[0], 'l');
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse(NULL, &plat, err,
						   sizeof(err)));
	ASSERT_ERRNO(EINVAL, uiommu_platform_parse("", NULL, err,
						   sizeof(err)));
}

/* ---- the default platform ---------------------------------------------- */

TEST(platform, default_platform_is_as_documented)
{
	const struct uiommu_device_desc *d = plat.devices;

	uiommu_platform_default(&plat);
	ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
	ASSERT_U(plat.niommus, 2);
	ASSERT_U(plat.ndevices, 6);
	ASSERT_U(plat.allow_unsafe_interrupts, 0);
	ASSERT_STR(plat.iommus[0].name, "vtd0");
	ASSERT_U(plat.iommus[0].model, UIOMMU_IOMMU_VTD);
	ASSERT_U(plat.iommus[0].caps, 0x1f);
	ASSERT_U(plat.iommus[0].pasid_bits, 20);
	ASSERT_U(plat.iommus[0].address_bits, 48);
	ASSERT_STR(plat.iommus[1].name, "smmu0");
	ASSERT_U(plat.iommus[1].model, UIOMMU_IOMMU_SMMUV3);
	ASSERT_U(plat.iommus[1].caps,
		  0x1f & ~UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY);
	ASSERT_U(plat.iommus[1].granule, 4096);

	/* dma2 and dma3: two functions of one device, one group. */
	ASSERT_U(d[2].rid, 0x28);
	ASSERT_U(d[3].rid, 0x29);
	ASSERT_U(d[2].group, 5);
	ASSERT_U(d[3].group, 5);
	ASSERT_U(d[2].pasid_bits, 0);
	/* dma1: the relaxable RMRR next to the MSI window. */
	ASSERT_U(d[1].nresv, 2);
	assert_resv(&d[1].resv[1], 0x7c000000, 0x7c0fffff,
		    UIOMMU_RESV_DIRECT_RELAXABLE);
	/* dma4/dma5 behind the SMMU: StreamIDs, the ITS, sw-msi. */
	ASSERT_U(d[4].iommu, 1);
	ASSERT_U(d[4].rid, 0x100);
	ASSERT_U(d[4].group, 16);
	ASSERT_U(d[4].msi_doorbell, 0x08090040);
	assert_resv(&d[4].resv[0], 0x08000000, 0x080fffff,
		    UIOMMU_RESV_SW_MSI);
	ASSERT_U(d[5].rid, 0x101);
	ASSERT_U(d[5].flags, UIOMMU_DEV_NO_SNOOP);
	ASSERT_U(d[5].pasid_bits, 0);
}

/* The canonical text, byte for byte: docs/platform.md shows it. */
static const char default_text[] =
	"# uiommu platform file (docs/platform.md), canonical form\n"
	"\n"
	"[options]\n"
	"allow_unsafe_interrupts = no\n"
	"\n"
	"[iommu vtd0]\n"
	"model = vtd\n"
	"caps = nesting, dirty, enforce-coherency, msi-isolated, coherent\n"
	"pasid-bits = 20\n"
	"address-bits = 48\n"
	"\n"
	"[iommu smmu0]\n"
	"model = smmuv3\n"
	"caps = nesting, dirty, msi-isolated, coherent\n"
	"pasid-bits = 20\n"
	"address-bits = 48\n"
	"granule = 4k\n"
	"\n"
	"[device dma0]\n"
	"iommu = vtd0\n"
	"rid = 00:03.0\n"
	"group = 3\n"
	"pasid-bits = 20\n"
	"flags = pasid-exec, dirty\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n"
	"\n"
	"[device dma1]\n"
	"iommu = vtd0\n"
	"rid = 00:04.0\n"
	"group = 4\n"
	"pasid-bits = 20\n"
	"flags = dirty\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n"
	"resv = 0x7c000000-0x7c0fffff direct-relaxable\n"
	"\n"
	"[device dma2]\n"
	"iommu = vtd0\n"
	"rid = 00:05.0\n"
	"group = 5\n"
	"pasid-bits = 0\n"
	"flags = none\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n"
	"\n"
	"[device dma3]\n"
	"iommu = vtd0\n"
	"rid = 00:05.1\n"
	"group = 5\n"
	"pasid-bits = 0\n"
	"flags = none\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n"
	"\n"
	"[device dma4]\n"
	"iommu = smmu0\n"
	"rid = 0x100\n"
	"group = 16\n"
	"pasid-bits = 20\n"
	"flags = none\n"
	"msi-doorbell = 0x08090040\n"
	"resv = 0x08000000-0x080fffff sw-msi\n"
	"\n"
	"[device dma5]\n"
	"iommu = smmu0\n"
	"rid = 0x101\n"
	"group = 17\n"
	"pasid-bits = 0\n"
	"flags = no-snoop\n"
	"msi-doorbell = 0x08090040\n"
	"resv = 0x08000000-0x080fffff sw-msi\n";

TEST(platform, default_formats_canonically_and_round_trips)
{
	int n;

	uiommu_platform_default(&plat);
	n = uiommu_platform_format(&plat, text, sizeof(text));
	ASSERT_EQ(n, (int)strlen(default_text));
	ASSERT_STR(text, default_text);
	memset(&plat2, 0xa5, sizeof(plat2));
	ASSERT_OK(uiommu_platform_parse(text, &plat2, err, sizeof(err)));
	ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
}

TEST(platform, full_example_round_trips)
{
	ASSERT_OK(uiommu_platform_parse(full_example, &plat, err,
					sizeof(err)));
	ASSERT_GT(uiommu_platform_format(&plat, text, sizeof(text)), 0);
	ASSERT_OK(uiommu_platform_parse(text, &plat2, err, sizeof(err)));
	ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
}

/* ---- format ------------------------------------------------------------ */

TEST(platform, format_needs_room_and_a_valid_description)
{
	char small[64];
	int n;

	uiommu_platform_default(&plat);
	n = uiommu_platform_format(&plat, text, sizeof(text));
	ASSERT_GT(n, 0);
	/* Exactly enough is the text and its NUL; one byte less is not. */
	ASSERT_EQ(uiommu_platform_format(&plat, text, n + 1), n);
	ASSERT_ERRNO(ENOSPC, uiommu_platform_format(&plat, text, n));
	ASSERT_EQ(text[n - 1], '\0');
	ASSERT_ERRNO(ENOSPC, uiommu_platform_format(&plat, small,
						    sizeof(small)));
	ASSERT_EQ(strlen(small), sizeof(small) - 1);
	ASSERT_ERRNO(ENOSPC, uiommu_platform_format(&plat, NULL, 0));
	ASSERT_ERRNO(EINVAL, uiommu_platform_format(&plat, NULL, 10));
	ASSERT_ERRNO(EINVAL, uiommu_platform_format(NULL, text, sizeof(text)));
	plat.devices[0].iommu = 7;
	ASSERT_ERRNO(EINVAL, uiommu_platform_format(&plat, text, sizeof(text)));
}

/* Every limit filled at its longest: the size docs/platform.md promises. */
TEST(platform, format_worst_case_fits_64k)
{
	int n;

	memset(&plat, 0, sizeof(plat));
	plat.niommus = UIOMMU_PLATFORM_MAX_IOMMUS;
	plat.ndevices = UIOMMU_PLATFORM_MAX_DEVICES;
	plat.allow_unsafe_interrupts = 1;
	for (int i = 0; i < UIOMMU_PLATFORM_MAX_IOMMUS; i++) {
		struct uiommu_iommu_desc *m = &plat.iommus[i];

		/* The longest names: 31 characters. */
		memset(m->name, 'i', UIOMMU_NAME_MAX - 1);
		m->name[UIOMMU_NAME_MAX - 2] = '0' + i;
		m->model = UIOMMU_IOMMU_SMMUV3;
		m->caps = 0x1f;
		m->pasid_bits = 20;
		m->address_bits = 48;
		m->granule = 65536;
	}
	for (int i = 0; i < UIOMMU_PLATFORM_MAX_DEVICES; i++) {
		struct uiommu_device_desc *d = &plat.devices[i];

		memset(d->name, 'd', UIOMMU_NAME_MAX - 1);
		d->name[UIOMMU_NAME_MAX - 3] = '0' + i / 10;
		d->name[UIOMMU_NAME_MAX - 2] = '0' + i % 10;
		d->iommu = i % UIOMMU_PLATFORM_MAX_IOMMUS;
		d->rid = UINT32_MAX - i;
		d->group = UINT32_MAX - i;
		d->pasid_bits = 20;
		d->flags = 0x3f;
		d->msi_doorbell = UINT64_MAX;
		d->nresv = UIOMMU_DEVICE_MAX_RESV;
		for (int j = 0; j < UIOMMU_DEVICE_MAX_RESV; j++)
			d->resv[j] = (struct uiommu_resv_region){
				UINT64_MAX - 1, UINT64_MAX,
				UIOMMU_RESV_DIRECT_RELAXABLE, 0
			};
	}
	ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
	n = uiommu_platform_format(&plat, text, sizeof(text));
	ASSERT_GT(n, 0);
	ASSERT_LT(n, 65536);
	ASSERT_OK(uiommu_platform_parse(text, &plat2, err, sizeof(err)));
	ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
}

/* ---- validate ---------------------------------------------------------- */

struct rule_case {
	const char *what;
	void (*edit)(struct uiommu_platform_desc *p);
	const char *msg;
};

static void e_counts(struct uiommu_platform_desc *p) { p->niommus = 9; }
static void e_unsafe(struct uiommu_platform_desc *p)
{
	p->allow_unsafe_interrupts = 2;
}
static void e_iommu_name(struct uiommu_platform_desc *p)
{
	memset(p->iommus[1].name, 'a', sizeof(p->iommus[1].name));
}
static void e_device_name(struct uiommu_platform_desc *p)
{
	strcpy(p->devices[2].name, "dma 2");
}
static void e_dup_iommu(struct uiommu_platform_desc *p)
{
	strcpy(p->iommus[1].name, "vtd0");
}
static void e_dup_device(struct uiommu_platform_desc *p)
{
	strcpy(p->devices[5].name, "dma0");
}
static void e_model(struct uiommu_platform_desc *p) { p->iommus[0].model = 0; }
static void e_caps(struct uiommu_platform_desc *p)
{
	p->iommus[0].caps |= 1 << 7;
}
static void e_iommu_pasid(struct uiommu_platform_desc *p)
{
	p->iommus[1].pasid_bits = 21;
}
static void e_vtd_bits(struct uiommu_platform_desc *p)
{
	p->iommus[0].address_bits = 40;
}
static void e_arm_bits(struct uiommu_platform_desc *p)
{
	p->iommus[1].address_bits = 52;
}
static void e_amd_bits(struct uiommu_platform_desc *p)
{
	p->iommus[0].model = UIOMMU_IOMMU_AMD;
	p->iommus[0].address_bits = 31;
}
static void e_arm_granule(struct uiommu_platform_desc *p)
{
	p->iommus[1].granule = 8192;
}
static void e_vtd_granule(struct uiommu_platform_desc *p)
{
	p->iommus[0].granule = 65536;
}
static void e_iommu_index(struct uiommu_platform_desc *p)
{
	p->devices[1].iommu = 2;
}
static void e_pci_rid(struct uiommu_platform_desc *p)
{
	p->devices[0].rid = 0x10000;
}
static void e_flags(struct uiommu_platform_desc *p)
{
	p->devices[0].flags |= 1 << 6;
}
static void e_dev_pasid(struct uiommu_platform_desc *p)
{
	p->iommus[0].pasid_bits = 8;
}
static void e_pasid_exec(struct uiommu_platform_desc *p)
{
	p->devices[2].flags = UIOMMU_DEV_PASID_PRIV;
}
static void e_nresv(struct uiommu_platform_desc *p)
{
	p->devices[0].nresv = 9;
}
static void e_resv_type(struct uiommu_platform_desc *p)
{
	p->devices[1].resv[1].type = 6;
}
static void e_resv_order(struct uiommu_platform_desc *p)
{
	p->devices[1].resv[1].last = 0x7bffffff;
}
static void e_dup_rid(struct uiommu_platform_desc *p)
{
	p->devices[3].rid = p->devices[2].rid;
}
static void e_group_span(struct uiommu_platform_desc *p)
{
	p->devices[4].group = 5;
}

static const struct rule_case rule_cases[] = {
	{ "counts", e_counts, "9 iommus and 6 devices; at most 8 and 64" },
	{ "unsafe", e_unsafe, "options: field 'allow_unsafe_interrupts': 2 is not 0 (no) or 1 (yes)" },
	{ "iommu name", e_iommu_name, "iommus[1]: field 'name': not a name of 1 to 31 characters A-Z a-z 0-9 _ . -" },
	{ "device name", e_device_name, "devices[2]: field 'name': not a name of 1 to 31 characters A-Z a-z 0-9 _ . -" },
	{ "dup iommu", e_dup_iommu, "iommu 'vtd0': field 'name': 'vtd0' is also the name of iommus[0]" },
	{ "dup device", e_dup_device, "device 'dma0': field 'name': 'dma0' is also the name of devices[0]" },
	{ "model", e_model, "iommu 'vtd0': field 'model': 0 is not vtd (1), smmuv3 (2) or amd (3)" },
	{ "caps", e_caps, "iommu 'vtd0': field 'caps': unknown capability bits 0x80" },
	{ "iommu pasid", e_iommu_pasid, "iommu 'smmu0': field 'pasid-bits': 21 is more than 20" },
	{ "vtd bits", e_vtd_bits, "iommu 'vtd0': field 'address-bits': 40 is not valid for vtd; expected 39, 48 or 57" },
	{ "arm bits", e_arm_bits, "iommu 'smmu0': field 'address-bits': 52 is not valid for smmuv3; expected 32 to 48" },
	{ "amd bits", e_amd_bits, "iommu 'vtd0': field 'address-bits': 31 is not valid for amd; expected 32 to 64" },
	{ "arm granule", e_arm_granule, "iommu 'smmu0': field 'granule': 8192 is not 4k, 16k or 64k" },
	{ "vtd granule", e_vtd_granule, "iommu 'vtd0': field 'granule': only smmuv3 has a granule other than 4k" },
	{ "iommu index", e_iommu_index, "device 'dma1': field 'iommu': index 2, but there are 2 iommus" },
	{ "pci rid", e_pci_rid, "device 'dma0': field 'rid': 0x10000 does not fit in 16 bits; iommu 'vtd0' takes PCI requester ids" },
	{ "flags", e_flags, "device 'dma0': field 'flags': unknown flag bits 0x40" },
	{ "device pasid", e_dev_pasid, "device 'dma0': field 'pasid-bits': 20 is more than the 8 of iommu 'vtd0'" },
	{ "pasid modes", e_pasid_exec, "device 'dma2': field 'flags': pasid-exec and pasid-priv need pasid-bits above 0" },
	{ "nresv", e_nresv, "device 'dma0': field 'resv': 9 regions; at most 8" },
	{ "resv type", e_resv_type, "device 'dma1': field 'resv': unknown type 6" },
	{ "resv order", e_resv_order, "device 'dma1': field 'resv': start 0x7c000000 is after last 0x7bffffff" },
	{ "dup rid", e_dup_rid, "device 'dma3': field 'rid': 00:05.0 is also the rid of device 'dma2' on iommu 'vtd0'" },
	{ "group span", e_group_span, "device 'dma4': field 'group': group 5 also holds device 'dma2', which is behind iommu 'vtd0'; a group cannot span iommus" },
};

/* Firmware can report both MSI kinds; that stays describable, so that
 * attach can refuse the device (R65) as Linux does. */
TEST(platform, msi_and_sw_msi_describable)
{
	struct uiommu_device_desc *d;

	uiommu_platform_default(&plat);
	d = &plat.devices[0];
	d->resv[d->nresv++] = (struct uiommu_resv_region){
		0x08000000, 0x080fffff, UIOMMU_RESV_SW_MSI, 0
	};
	d->resv[d->nresv++] = (struct uiommu_resv_region){
		0x09000000, 0x090fffff, UIOMMU_RESV_SW_MSI, 0
	};
	ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
	ASSERT_GT(uiommu_platform_format(&plat, text, sizeof(text)), 0);
	ASSERT_OK(uiommu_platform_parse(text, &plat2, err, sizeof(err)));
	ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
}

TEST(platform, validate_rules)
{
	size_t n = sizeof(rule_cases) / sizeof(rule_cases[0]);

	ASSERT_ERRNO(EINVAL, uiommu_platform_validate(NULL, err, sizeof(err)));
	for (size_t i = 0; i < n; i++) {
		const struct rule_case *c = &rule_cases[i];

		uiommu_platform_default(&plat);
		c->edit(&plat);
		ASSERT_ERRNO(EINVAL, uiommu_platform_validate(&plat, err,
							      sizeof(err)));
		if (strcmp(err, c->msg))
			FAIL("%s:\ngot:  %s\nwant: %s", c->what, err, c->msg);
		/* What does not validate cannot be written out either. */
		ASSERT_ERRNO(EINVAL, uiommu_platform_format(&plat, text,
							    sizeof(text)));
	}
}

/* The same requester id behind two IOMMUs is two different devices. */
TEST(platform, validate_rid_is_per_iommu)
{
	uiommu_platform_default(&plat);
	plat.devices[4].rid = plat.devices[0].rid;
	ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
}

/* ---- files ------------------------------------------------------------- */

/* A temporary file holding @len bytes of @data; its path in @path. */
static void write_tmp(char path[64], const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "/tmp/uiommu-platform-XXXXXX");
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, data, len), (ssize_t)len);
	close(fd);
}

TEST(platform, load_file)
{
	char path[64];
	int rc;

	write_tmp(path, full_example, strlen(full_example));
	rc = uiommu_platform_load(path, &plat, err, sizeof(err));
	unlink(path);
	ASSERT_OK(rc);
	ASSERT_OK(uiommu_platform_parse(full_example, &plat2, err,
					sizeof(err)));
	ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
}

TEST(platform, load_errors)
{
	static const char nul[] = "[iommu a]\nmodel = vtd\0\n";
	char path[64];
	int rc;

	ASSERT_ERRNO(ENOENT, uiommu_platform_load("/nonexistent/x.platform",
						  &plat, err, sizeof(err)));
	ASSERT_STR(err, strerror(ENOENT));
	ASSERT_ERRNO(EISDIR, uiommu_platform_load("/tmp", &plat, err,
						  sizeof(err)));
	ASSERT_ERRNO(EINVAL, uiommu_platform_load(NULL, &plat, err,
						  sizeof(err)));

	write_tmp(path, nul, sizeof(nul) - 1);
	rc = uiommu_platform_load(path, &plat, err, sizeof(err));
	unlink(path);
	ASSERT_ERRNO(EINVAL, rc);
	ASSERT_EQ(strcmp(err, "line 2: a NUL byte; a platform file is text"), 0);
}

/* The read buffer is the one allocation: its failure is reported. */
TEST(platform, load_allocation_failure)
{
	char path[64];
	int rc;

	write_tmp(path, full_example, strlen(full_example));
	ut_fail_nth = 1;
	rc = uiommu_platform_load(path, &plat, err, sizeof(err));
	ut_fail_nth = 0;
	unlink(path);
	ASSERT_ERRNO(ENOMEM, rc);
	ASSERT_STR(err, strerror(ENOMEM));
}

/* A file of up to 1 MiB is read; one byte more is refused. */
TEST(platform, load_size_limit)
{
	size_t n = 1 << 20;
	char path[64], *big = malloc(n + 1);
	int rc;

	ASSERT_NONNULL(big);
	memset(big, ' ', n + 1);
	big[0] = '#';
	write_tmp(path, big, n);
	rc = uiommu_platform_load(path, &plat, err, sizeof(err));
	unlink(path);
	ASSERT_OK(rc);

	write_tmp(path, big, n + 1);
	rc = uiommu_platform_load(path, &plat, err, sizeof(err));
	unlink(path);
	free(big);
	ASSERT_ERRNO(EFBIG, rc);
	ASSERT_STR(err, "larger than 1048576 bytes (1 MiB); not a platform file");
}

/* ---- robustness -------------------------------------------------------- */

/* Bytes the format gives meaning to, so mutations hit the parser's paths. */
static const char mut_chars[] = "[]=#,-:.x0123456789abcdefk \t\r\n_";

/* Whole lines worth inserting: valid ones and near misses. */
static const char *const mut_lines[] = {
	"[device zz]\n", "[iommu zz]\n", "[options]\n", "iommu = vtd0\n",
	"iommu = smmu0\n", "rid = 00:03.0\n", "rid = 0x100\n", "group = 5\n",
	"resv = 0x08000000-0x080fffff sw-msi\n",
	"resv = 0xfee00000-0xfeefffff msi\n", "pasid-bits = 20\n",
	"model = amd\n", "granule = 64k\n", "address-bits = 39\n",
	"flags = pri, vf\n", "caps = none\n", "=\n", "[\n", "]\n",
	"resv = 1-0 direct\n", "rid = ff:1f.7\n",
};

static size_t mut_pos(uint64_t *seed, size_t len)
{
	return len ? t_rand(seed) % len : 0;
}

/* Start and length of the line around @pos in @t. */
static void mut_line_at(const char *t, size_t len, size_t pos, size_t *start,
			size_t *n)
{
	size_t s = pos, e = pos;

	while (s && t[s - 1] != '\n')
		s--;
	while (e < len && t[e] != '\n')
		e++;
	*start = s;
	*n = e - s + (e < len);
}

/* Insert @n bytes of @src at @pos of @t (length *@len, room @cap). */
static void mut_insert(char *t, size_t *len, size_t cap, size_t pos,
		       const char *src, size_t n)
{
	if (*len + n >= cap)
		return;
	memmove(t + pos + n, t + pos, *len - pos);
	memcpy(t + pos, src, n);
	*len += n;
}

static void mutate(char *t, size_t *len, size_t cap, uint64_t *seed)
{
	size_t pos = mut_pos(seed, *len), start, n;
	char line[512];

	switch (t_rand(seed) % 6) {
	case 0: /* a byte from the format's alphabet */
		if (*len)
			t[pos] = mut_chars[t_rand(seed) %
					   (sizeof(mut_chars) - 1)];
		break;
	case 1: /* any byte but NUL */
		if (*len)
			t[pos] = 1 + t_rand(seed) % 255;
		break;
	case 2: /* delete a few bytes */
		n = 1 + t_rand(seed) % 16;
		if (n > *len - pos)
			n = *len - pos;
		memmove(t + pos, t + pos + n, *len - pos - n);
		*len -= n;
		break;
	case 3: /* truncate */
		*len = pos;
		break;
	case 4: /* duplicate a line */
		mut_line_at(t, *len, pos, &start, &n);
		if (n >= sizeof(line))
			break;
		memcpy(line, t + start, n);
		mut_insert(t, len, cap, start, line, n);
		break;
	default: /* insert a line of the format */
		mut_line_at(t, *len, pos, &start, &n);
		n = t_rand(seed) % (sizeof(mut_lines) / sizeof(mut_lines[0]));
		mut_insert(t, len, cap, start, mut_lines[n],
			   strlen(mut_lines[n]));
		break;
	}
	t[*len] = '\0';
}

/*
 * 20000 mutated files: each parses into a description that validates and
 * round-trips through format, or fails with -EINVAL, a "line N: " message
 * and a zeroed description.  ASan/UBSan (make check SAN=1) watch the rest.
 */
TEST(platform, mutated_files_never_crash)
{
	static char t[8192], out[1 << 16];
	static const struct uiommu_platform_desc zero;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int parsed = 0;

	for (int iter = 0; iter < 20000; iter++) {
		const char *base = iter & 1 ? full_example : default_text;
		size_t len = strlen(base);
		int rc, muts = 1 + t_rand(&seed) % 4;

		memcpy(t, base, len + 1);
		for (int m = 0; m < muts; m++)
			mutate(t, &len, sizeof(t), &seed);
		memset(err, 'x', sizeof(err));
		rc = uiommu_platform_parse(t, &plat, err, sizeof(err));
		if (rc) {
			ASSERT_ERRNO(EINVAL, rc);
			ASSERT_NONNULL(memchr(err, '\0', sizeof(err)));
			if (strncmp(err, "line ", 5))
				FAIL("input:\n%s\nmessage: %s", t, err);
			ASSERT_MEMEQ(&plat, &zero, sizeof(plat));
			continue;
		}
		parsed++;
		ASSERT_OK(uiommu_platform_validate(&plat, err, sizeof(err)));
		ASSERT_GT(uiommu_platform_format(&plat, out, sizeof(out)), 0);
		ASSERT_OK(uiommu_platform_parse(out, &plat2, err, sizeof(err)));
		ASSERT_MEMEQ(&plat, &plat2, sizeof(plat));
	}
	/* Both outcomes must be common, or the test tests little. */
	ASSERT_GT(parsed, 1000u);
	ASSERT_LT(parsed, 19000u);
}
