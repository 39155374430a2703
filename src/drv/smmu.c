// SPDX-License-Identifier: MIT
/*
 * The Arm SMMUv3 driver model.
 *
 * This file owns what is SMMUv3 specific: paging domains as stage-1
 * tables (a CD with a host ASID; stage-1-only streams use VMID 0) and nest
 * parents as stage-2 tables (an STE with a VMID); nested domains from a
 * guest STE (IOMMU_HWPT_DATA_ARM_SMMUV3): the allowed-field check, Abort /
 * Bypass / stage-1 translate, and the guest Context Descriptor read through
 * the parent stage 2 at attach; the TLBI commands (range invalidation,
 * SMMU_IDR3.RIL); and the ID registers IOMMU_GET_HW_INFO reports
 * (docs/drivers.md lists every field).
 *
 * vIOMMUs (IOMMU_VIOMMU_TYPE_ARM_SMMUV3): a vIOMMU holds its nest
 * parent's VMID on its instance for its whole life, so the guest's
 * commands can be tagged with it; nested domains allocated through it
 * attach only on that instance.  Guest invalidation goes through the
 * vIOMMU, as in Linux (nested domains themselves take none): the guest's
 * CMDQ commands TLBI_NH_{ALL,ASID,VA,VAA} and TLBI_NSNH_ALL get the VMID
 * forced to the vIOMMU's, ATC_INV / CFGI_CD / CFGI_CD_ALL get the vSID
 * turned into the physical StreamID through the vIOMMU's vDEVICEs, and
 * then run on the engine; CFGI_CD re-reads the guest CD (which is
 * otherwise read once, at attach).  Anything else is -EIO.
 */
#include "drv/drv_priv.h"

#include <uiommu/linux/iommufd.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>

/* More TLBI commands than this for one range: invalidate the tag. */
#define SMMU_MAX_TLBI 32

/* ---- ID registers (SMMUv3 spec 6.3.1-6.3.6) ---------------------------- */

#define SMMU_IDR0_S2P (1u << 0)
#define SMMU_IDR0_S1P (1u << 1)
#define SMMU_IDR0_TTF_AA64 (2u << 2)
#define SMMU_IDR0_COHACC (1u << 4)
#define SMMU_IDR0_HTTU_AD (2u << 6)	/* access flag and dirty state */
#define SMMU_IDR0_ASID16 (1u << 12)
#define SMMU_IDR0_VMID16 (1u << 18)
#define SMMU_IDR0_TTENDIAN_LE (2u << 21)
#define SMMU_IDR0_STALL_NONE (1u << 24)	/* STALL_MODEL: no stalls */
#define SMMU_IDR0_TERM_ABORT (1u << 26)	/* TERM_MODEL: always abort */
#define SMMU_IDR0_ST_2LVL (1u << 27)

#define SMMU_IDR1_SIDSIZE_SHIFT 0
#define SMMU_IDR1_SSIDSIZE_SHIFT 6
#define SMMU_IDR1_EVTQS_SHIFT 16
#define SMMU_IDR1_CMDQS_SHIFT 21
#define SMMU_SIDSIZE 16			/* StreamIDs up to HW_RID_MAX */
#define SMMU_EVTQS 8			/* the engine's 256-record queue */
#define SMMU_CMDQS 8

#define SMMU_IDR3_FWB (1u << 8)
#define SMMU_IDR3_RIL (1u << 10)

#define SMMU_IDR5_OAS_48 5u
#define SMMU_IDR5_GRAN4K (1u << 4)
#define SMMU_IDR5_GRAN16K (1u << 5)
#define SMMU_IDR5_GRAN64K (1u << 6)

#define SMMU_AIDR_V3_2 2u		/* range invalidation is SMMUv3.2 */

static void smmu_idr(const struct uiommu_iommu_desc *m,
		     struct iommu_hw_info_arm_smmuv3 *info)
{
	uint32_t idr0 = SMMU_IDR0_S1P | SMMU_IDR0_TTF_AA64 | SMMU_IDR0_ASID16 |
			SMMU_IDR0_VMID16 | SMMU_IDR0_TTENDIAN_LE |
			SMMU_IDR0_STALL_NONE | SMMU_IDR0_TERM_ABORT |
			SMMU_IDR0_ST_2LVL;

	/* Stage 2 exists for nesting only: without it, no S2P. */
	if (m->caps & UIOMMU_IOMMU_CAP_NESTING)
		idr0 |= SMMU_IDR0_S2P;
	if (m->caps & UIOMMU_IOMMU_CAP_COHERENT)
		idr0 |= SMMU_IDR0_COHACC;
	if (m->caps & UIOMMU_IOMMU_CAP_DIRTY)
		idr0 |= SMMU_IDR0_HTTU_AD;
	info->idr[0] = idr0;
	info->idr[1] = SMMU_SIDSIZE << SMMU_IDR1_SIDSIZE_SHIFT |
		       m->pasid_bits << SMMU_IDR1_SSIDSIZE_SHIFT |
		       SMMU_EVTQS << SMMU_IDR1_EVTQS_SHIFT |
		       SMMU_CMDQS << SMMU_IDR1_CMDQS_SHIFT;
	info->idr[2] = 0;
	info->idr[3] = SMMU_IDR3_RIL;
	if (m->caps & UIOMMU_IOMMU_CAP_ENFORCE_COHERENCY)
		info->idr[3] |= SMMU_IDR3_FWB;
	info->idr[4] = 0;
	info->idr[5] = SMMU_IDR5_OAS_48 | SMMU_IDR5_GRAN4K |
		       SMMU_IDR5_GRAN16K | SMMU_IDR5_GRAN64K;
	info->iidr = 0;
	info->aidr = SMMU_AIDR_V3_2;
}

static int smmu_hw_info(struct drv_iommu *iommu,
			const struct uiommu_device_desc *dev, uint32_t *type,
			void *buf, uint32_t *len)
{
	struct iommu_hw_info_arm_smmuv3 info = { 0 };
	uint32_t n = *len < sizeof(info) ? *len : sizeof(info);

	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
		return -EOPNOTSUPP;
	smmu_idr(iommu->desc, &info);
	if (n)
		memcpy(buf, &info, n);
	*len = sizeof(info);
	*type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	return 0;
}

/* ---- TLBI by range ----------------------------------------------------- */

enum smmu_tlbi_op {
	SMMU_TLBI_NH_VA,
	SMMU_TLBI_NH_VAA,
	SMMU_TLBI_S2_IPA,
};

static int smmu_tlbi_one(struct drv_inst *in, enum smmu_tlbi_op op,
			 uint16_t vmid, uint16_t asid, uint64_t addr,
			 const struct hw_smmu_range *r)
{
	if (op == SMMU_TLBI_NH_VA)
		return hw_smmu_tlbi_nh_va(in->hw, vmid, asid, addr, r);
	if (op == SMMU_TLBI_NH_VAA)
		return hw_smmu_tlbi_nh_vaa(in->hw, vmid, addr, r);
	return hw_smmu_tlbi_s2_ipa(in->hw, vmid, addr, r);
}

/*
 * Range TLBIs covering [start, last] in granules of 2^@glg2: each covers
 * (NUM + 1) * 2^SCALE granules from its address (SMMUv3 4.4.1.1), so the
 * count is eaten from its lowest set bit up, five bits per command, as
 * Linux's driver does.  -E2BIG if it would take more than SMMU_MAX_TLBI
 * commands.
 */
static int smmu_tlbi_range(struct drv_inst *in, enum smmu_tlbi_op op,
			   uint16_t vmid, uint16_t asid, unsigned int glg2,
			   uint64_t start, uint64_t last)
{
	uint64_t addr = start & ~drv_mask(glg2);
	uint64_t n = ((last - addr) >> glg2) + 1;
	unsigned int cmds = 0;

	if (!n)
		return -E2BIG; /* the whole 64-bit space */
	while (n) {
		struct hw_smmu_range r = { .tg = (glg2 - 10) / 2 };
		unsigned int scale = (unsigned int)__builtin_ctzll(n);
		uint64_t count = (n >> scale) & 31; /* odd: never 0 */
		int rc;

		if (scale > 31) { /* SCALE is 5 bits */
			scale = 31;
			count = n >> 31 < 32 ? n >> 31 : 32;
		}
		if (++cmds > SMMU_MAX_TLBI)
			return -E2BIG;
		r.scale = scale;
		r.num = (unsigned int)count - 1;
		rc = smmu_tlbi_one(in, op, vmid, asid, addr, &r);
		if (rc)
			return rc;
		addr += (count << scale) << glg2;
		n -= count << scale;
	}
	return 0;
}

/* ---- paging domains ------------------------------------------------------ */

static int smmu_paging_cfg(const struct drv_inst *in, uint32_t flags,
			   struct pt_cfg *cfg)
{
	bool s2 = flags & DRV_PAGING_NEST_PARENT;

	/* A stage 2 lives in the STE: it cannot be a PASID's (CD's). */
	if (s2 && (flags & DRV_PAGING_PASID))
		return -EOPNOTSUPP;
	cfg->format = s2 ? PT_FMT_ARM_S2 : PT_FMT_ARM_S1;
	cfg->granule = in->base.desc->granule;
	cfg->ias = in->base.desc->address_bits;
	return 0;
}

static unsigned int smmu_cache_prot(const struct drv_dom *d, uint32_t prot)
{
	return (prot & IOAS_PROT_CACHE) ? PT_PROT_CACHE : 0;
}

static int smmu_attach_check(const struct drv_inst *in,
			     const struct drv_dom *d,
			     const struct uiommu_device_desc *dev,
			     uint32_t pasid)
{
	const struct uiommu_iommu_desc *m = in->base.desc;
	const struct drv_dom *p = drv_dom_paging((struct drv_dom *)d);

	if (p->geom->ias > m->address_bits)
		return -EINVAL;
	if (d->d.kind == DRV_DOMAIN_PAGING && !d->smmu_s2)
		return 0;
	if (d->d.kind == DRV_DOMAIN_NESTED && d->nest.smmu.viommu) {
		struct drv_viommu *v = d->nest.smmu.viommu;

		/* A vIOMMU's nested domain lives on its SMMU only. */
		if (v->iommu != &in->base)
			return -EINVAL;
		/* Translating through the guest's CD needs the guest's name
		 * for the stream (its CFGI_CD and ATC_INV use it): a
		 * vDEVICE first, as Linux requires; abort and bypass STEs
		 * need none. */
		if (d->nest.smmu.cfg == DRV_SMMU_S1 && !v->has_vdev(v, dev))
			return -ENOENT;
	}
	/* Stage 2 and nested configurations are per STE: RID only. */
	if (pasid != UIOMMU_NO_PASID)
		return -EINVAL;
	if (!(m->caps & UIOMMU_IOMMU_CAP_NESTING))
		return -EINVAL;
	return 0;
}

static enum drv_tag_space smmu_tag_space(const struct drv_dom *d)
{
	if (d->d.kind == DRV_DOMAIN_NESTED)
		return DRV_TAG_NONE;
	return d->smmu_s2 ? DRV_TAG_VMID : DRV_TAG_DOM;
}

static int smmu_nested_cfg(struct drv_inst *in, struct drv_dom *d,
			   uint16_t vmid, struct hw_config *cfg);

static int smmu_build_cfg(struct drv_inst *in, struct drv_dom *d,
			  const struct drv_dinfo *info, uint32_t pasid,
			  struct hw_config *cfg)
{
	if (d->d.kind == DRV_DOMAIN_NESTED)
		return smmu_nested_cfg(in, d, info->tag, cfg);
	if (d->smmu_s2) {
		cfg->mode = HW_MODE_S2;
		drv_dom_stage(d, info->tag, &cfg->s2);
		return 0;
	}
	cfg->mode = HW_MODE_S1;
	drv_dom_stage(d, info->tag, &cfg->s1);
	cfg->s2.tag = 0; /* stage-1-only streams: VMID 0 */
	return 0;
}

/*
 * Stage 1: TLBI_NH_VA by range for (VMID 0, ASID).  Stage 2: TLBI_S2_IPA
 * by range, then TLBI_NH_ALL: nested streams on this VMID cache combined
 * entries that the stage-2 change may invalidate.
 */
static void smmu_flush_range(struct drv_inst *in, struct drv_dom *d,
			     uint16_t tag, uint64_t start, uint64_t last,
			     bool leaf_only)
{
	unsigned int glg2 = d->geom->gran_lg2;

	if (!d->smmu_s2) {
		if (smmu_tlbi_range(in, SMMU_TLBI_NH_VA, 0, tag, glg2, start,
				    last))
			hw_smmu_tlbi_nh_asid(in->hw, 0, tag);
		return;
	}
	if (smmu_tlbi_range(in, SMMU_TLBI_S2_IPA, tag, 0, glg2, start, last))
		hw_smmu_tlbi_s12_vmall(in->hw, tag);
	else
		hw_smmu_tlbi_nh_all(in->hw, tag);
}

/* A nested stream goes: its guest stage-1 entries under the VMID go too
 * (the guest may not invalidate for a stream it no longer has). */
static void smmu_flush_detach(struct drv_inst *in, struct drv_dom *d,
			      const struct drv_dinfo *info, uint32_t pasid)
{
	if (info && d->d.kind == DRV_DOMAIN_NESTED)
		hw_smmu_tlbi_nh_all(in->hw, info->tag);
}

static void smmu_flush_tag(struct drv_inst *in, struct drv_dom *d,
			   const struct drv_dinfo *info)
{
	if (d->d.kind == DRV_DOMAIN_NESTED)
		return; /* the VMID is the parent's, flushed at detach */
	if (d->smmu_s2)
		hw_smmu_tlbi_s12_vmall(in->hw, info->tag);
	else
		hw_smmu_tlbi_nh_asid(in->hw, 0, info->tag);
}

/* ---- nested domains: the guest STE ------------------------------------- */

#define STE0_V (1ULL << 0)
#define STE0_CFG_SHIFT 1
#define STE0_CFG_MASK (7ULL << STE0_CFG_SHIFT)
#define STE0_CFG_ABORT 0
#define STE0_CFG_BYPASS 4
#define STE0_CFG_S1 5
#define STE0_S1FMT_SHIFT 4
#define STE0_S1FMT_MASK (3ULL << STE0_S1FMT_SHIFT)
#define STE0_S1CTXPTR_MASK 0x000fffffffffffc0ULL	/* 51:6 */
#define STE0_S1CDMAX_SHIFT 59
#define STE0_S1CDMAX_MASK (0x1fULL << STE0_S1CDMAX_SHIFT)
#define STE0_ALLOWED (STE0_V | STE0_CFG_MASK | STE0_S1FMT_MASK | \
		      STE0_S1CTXPTR_MASK | STE0_S1CDMAX_MASK)

#define STE1_S1DSS_MASK 3ULL			/* 1:0 */
#define STE1_S1DSS_TERMINATE 0
#define STE1_S1DSS_BYPASS 1
#define STE1_S1CIR_MASK (3ULL << 2)
#define STE1_S1COR_MASK (3ULL << 4)
#define STE1_S1CSH_MASK (3ULL << 6)
#define STE1_S1STALLD (1ULL << 27)
#define STE1_EATS_SHIFT 28
#define STE1_EATS_MASK (3ULL << STE1_EATS_SHIFT)
#define STE1_EATS_ABT 0
#define STE1_EATS_TRANS 1
#define STE1_ALLOWED (STE1_S1DSS_MASK | STE1_S1CIR_MASK | STE1_S1COR_MASK | \
		      STE1_S1CSH_MASK | STE1_S1STALLD | STE1_EATS_MASK)

/*
 * The guest STE (R37): an invalid one (V=0) is ignored as hardware
 * ignores it, so the stream aborts; any field outside the nesting set, a
 * Config other than abort/bypass/stage-1, or a reserved EATS is -EIO;
 * EATS=translate asks for ATS, which this SMMU has not (IDR0.ATS=0).
 */
static int smmu_ste_decode(const uint64_t ste[2], enum drv_smmu_cfg *cfg)
{
	uint64_t eats = (ste[1] & STE1_EATS_MASK) >> STE1_EATS_SHIFT;

	if (!(ste[0] & STE0_V)) {
		*cfg = DRV_SMMU_ABORT;
		return 0;
	}
	if ((ste[0] & ~STE0_ALLOWED) || (ste[1] & ~STE1_ALLOWED))
		return -EIO;
	switch ((ste[0] & STE0_CFG_MASK) >> STE0_CFG_SHIFT) {
	case STE0_CFG_ABORT:
		*cfg = DRV_SMMU_ABORT;
		break;
	case STE0_CFG_BYPASS:
		*cfg = DRV_SMMU_BYPASS;
		break;
	case STE0_CFG_S1:
		*cfg = DRV_SMMU_S1;
		break;
	default:
		return -EIO;
	}
	if (eats != STE1_EATS_ABT && eats != STE1_EATS_TRANS)
		return -EIO;
	return eats == STE1_EATS_TRANS ? -EINVAL : 0;
}

static const struct drv_domain_ops smmu_nested_ops = {
	.free = drv_domain_free,
};

static bool smmu_is_s2(const struct drv_domain *d)
{
	return d->iommu->ops == drv_smmu_model.ops &&
	       d->kind == DRV_DOMAIN_PAGING && drv_dom_of((void *)d)->smmu_s2;
}

/* A nested domain on stage 2 @p from the user's STE (R37's checks). */
static int smmu_nested_make(struct drv_dom *p, const void *data, uint32_t len,
			    struct drv_dom **out)
{
	struct iommu_hwpt_arm_smmuv3 arg;
	enum drv_smmu_cfg cfg;
	struct drv_dom *d;
	uint64_t ste[2];
	int rc;

	rc = drv_copy_entry(&arg, sizeof(arg), sizeof(arg), data, len);
	if (rc)
		return rc;
	ste[0] = le64toh(arg.ste[0]);
	ste[1] = le64toh(arg.ste[1]);
	rc = smmu_ste_decode(ste, &cfg);
	if (rc)
		return rc;
	d = drv_nested_new(p, &smmu_nested_ops, 0);
	if (!d)
		return -ENOMEM;
	d->nest.smmu.cfg = cfg;
	d->nest.smmu.ste[0] = ste[0];
	d->nest.smmu.ste[1] = ste[1];
	*out = d;
	return 0;
}

static int smmu_alloc_nested(struct drv_domain *parent,
			     const struct uiommu_device_desc *dev,
			     uint32_t flags, uint32_t data_type,
			     const void *data, uint32_t len,
			     struct drv_domain **out)
{
	struct drv_dom *d;
	int rc;

	if (!smmu_is_s2(parent))
		return -EINVAL;
	if (flags || data_type != IOMMU_HWPT_DATA_ARM_SMMUV3)
		return -EOPNOTSUPP;
	rc = smmu_nested_make(drv_dom_of(parent), data, len, &d);
	if (!rc)
		*out = &d->d;
	return rc;
}

/* ---- nested domains: the guest CD at attach ----------------------------- */

#define CD0_T0SZ_MASK 0x3fULL
#define CD0_TG0_SHIFT 6
#define CD0_TG0_MASK (3ULL << CD0_TG0_SHIFT)
#define CD0_EPD0 (1ULL << 14)
#define CD0_V (1ULL << 31)
#define CD0_IPS_SHIFT 32
#define CD0_IPS_MASK (7ULL << CD0_IPS_SHIFT)
#define CD0_AA64 (1ULL << 41)
#define CD0_HD (1ULL << 42)
#define CD0_HA (1ULL << 43)
#define CD0_ASID_SHIFT 48
#define CD1_TTB0_MASK 0x000ffffffffffff0ULL	/* 51:4 */

/* Read the guest's CD 0 at IPA @ipa through the parent stage 2. */
static int smmu_read_cd(const struct drv_dom *parent, uint64_t ipa,
			uint64_t cd[2])
{
	unsigned int prot;
	uint64_t oa, raw[2];

	if (pt_iova_to_phys(parent->pt, ipa, &oa, &prot, NULL) ||
	    !(prot & PT_PROT_READ))
		return -EINVAL;
	/* 64-byte aligned: the 64-byte CD never crosses a page. */
	memcpy(raw, (const void *)(uintptr_t)oa, sizeof(raw));
	cd[0] = le64toh(raw[0]);
	cd[1] = le64toh(raw[1]);
	return 0;
}

static unsigned int smmu_ips_bits(uint64_t cd0)
{
	static const unsigned int bits[8] = { 32, 36, 40, 42, 44, 48, 48, 48 };

	return bits[(cd0 & CD0_IPS_MASK) >> CD0_IPS_SHIFT];
}

/*
 * The guest stage 1 a valid AArch64 CD describes.  V=0 or EPD0=1 leave no
 * translation (every access faults, as C_BAD_CD / a TTB0 fault would):
 * *@s1 stays zero-sized and the caller blocks.  A CD this SMMU cannot use
 * (AArch32 tables, a reserved TG0, a size the granule cannot walk) is
 * -EINVAL.
 */
static int smmu_cd_decode(const struct drv_inst *in, const uint64_t cd[2],
			  struct hw_stage *s1, bool *none)
{
	static const unsigned int tg0_gran[4] = { 4096, 65536, 16384, 0 };
	uint64_t t0sz = cd[0] & CD0_T0SZ_MASK;
	struct pt_cfg cfg = { .format = PT_FMT_ARM_S1 };

	*none = !(cd[0] & CD0_V) || (cd[0] & CD0_EPD0);
	if (*none)
		return 0;
	cfg.granule = tg0_gran[(cd[0] & CD0_TG0_MASK) >> CD0_TG0_SHIFT];
	if (!(cd[0] & CD0_AA64) || !cfg.granule || t0sz >= 64)
		return -EINVAL;
	cfg.ias = 64 - (unsigned int)t0sz;
	cfg.oas = smmu_ips_bits(cd[0]);
	if ((cd[0] & (CD0_HA | CD0_HD)) &&
	    (in->base.desc->caps & UIOMMU_IOMMU_CAP_DIRTY))
		cfg.flags |= PT_CFG_HW_AD;
	if (pt_geom_init(&s1->geom, &cfg))
		return -EINVAL;
	s1->root = cd[1] & CD1_TTB0_MASK;
	s1->tag = (uint16_t)(cd[0] >> CD0_ASID_SHIFT);
	return 0;
}

/*
 * Program the STE the guest gave: abort blocks, bypass is the parent's
 * stage 2 alone (exactly the parent's translation, same VMID), stage-1
 * translate walks the guest's CD 0 table through the parent.  With
 * substreams (S1CDMax != 0) a request without PASID follows S1DSS.
 */
static int smmu_nested_cfg(struct drv_inst *in, struct drv_dom *d,
			   uint16_t vmid, struct hw_config *cfg)
{
	const struct drv_dom *p = drv_dom_of(d->d.parent);
	const uint64_t *ste = d->nest.smmu.ste;
	enum drv_smmu_cfg c = d->nest.smmu.cfg;
	uint64_t cd[2];
	bool none;
	int rc;

	if (c == DRV_SMMU_S1 && (ste[0] & STE0_S1CDMAX_MASK)) {
		if (ste[0] & STE0_S1FMT_MASK)
			return -EINVAL; /* 2-level CD tables: IDR0.CD2L=0 */
		if ((ste[1] & STE1_S1DSS_MASK) == STE1_S1DSS_TERMINATE)
			c = DRV_SMMU_ABORT;
		else if ((ste[1] & STE1_S1DSS_MASK) == STE1_S1DSS_BYPASS)
			c = DRV_SMMU_BYPASS;
	}
	drv_dom_stage(p, vmid, &cfg->s2);
	switch (c) {
	case DRV_SMMU_ABORT:
		cfg->mode = HW_MODE_BLOCKED;
		return 0;
	case DRV_SMMU_BYPASS:
		cfg->mode = HW_MODE_S2;
		return 0;
	default:
		break;
	}
	rc = smmu_read_cd(p, ste[0] & STE0_S1CTXPTR_MASK, cd);
	if (!rc)
		rc = smmu_cd_decode(in, cd, &cfg->s1, &none);
	if (rc)
		return rc;
	cfg->mode = none ? HW_MODE_BLOCKED : HW_MODE_NESTED;
	return 0;
}

/* ---- vIOMMU ------------------------------------------------------------ */

struct smmu_viommu {
	struct drv_viommu v;
	struct drv_inst *in;
	struct drv_dom *s2;
	struct drv_dinfo *vmid;	/* the parent's VMID on in, held */
};

static struct smmu_viommu *smmu_viommu_of(struct drv_viommu *v)
{
	return container_of(v, struct smmu_viommu, v);
}

/* Through a vIOMMU the data type must be the STE's: Linux's copy rule
 * (a type mismatch is -EINVAL there, not -EOPNOTSUPP). */
static int smmu_viommu_alloc_nested(struct drv_viommu *v,
				    const struct uiommu_device_desc *dev,
				    uint32_t flags, uint32_t data_type,
				    const void *data, uint32_t len,
				    struct drv_domain **out)
{
	struct drv_dom *d;
	int rc;

	if (flags)
		return -EOPNOTSUPP;
	if (data_type != IOMMU_HWPT_DATA_ARM_SMMUV3)
		return -EINVAL;
	rc = smmu_nested_make(smmu_viommu_of(v)->s2, data, len, &d);
	if (rc)
		return rc;
	d->nest.smmu.viommu = v;
	*out = &d->d;
	return 0;
}

/* CMDQ command fields (SMMUv3 spec 4.3, 4.4, 4.5). */
#define CMD0_OP_MASK 0xffULL
#define CMD_OP_CFGI_CD 0x05
#define CMD_OP_CFGI_CD_ALL 0x06
#define CMD_OP_TLBI_NH_ALL 0x10
#define CMD_OP_TLBI_NH_ASID 0x11
#define CMD_OP_TLBI_NH_VA 0x12
#define CMD_OP_TLBI_NH_VAA 0x13
#define CMD_OP_TLBI_NSNH_ALL 0x30
#define CMD_OP_ATC_INV 0x40
#define CMD0_TLBI_NUM(c) (((c) >> 12) & 0x1f)
#define CMD0_TLBI_SCALE(c) (((c) >> 20) & 0x1f)
#define CMD0_TLBI_ASID(c) ((uint16_t)((c) >> 48))
#define CMD1_TLBI_TTL(c) (((c) >> 8) & 3)
#define CMD1_TLBI_TG(c) (((c) >> 10) & 3)
#define CMD1_ADDR_MASK (~0xfffULL)
#define CMD0_SID(c) ((uint32_t)((c) >> 32))

/*
 * The physical stream a guest's vSID names, through the vDEVICEs: -EIO
 * for an unknown one, as Linux answers.  *@rid gets the StreamID.
 */
static int smmu_vsid(struct smmu_viommu *sv, uint32_t vsid, uint32_t *rid)
{
	const struct uiommu_device_desc *dev = sv->v.find_dev(&sv->v, vsid);

	if (!dev)
		return -EIO;
	*rid = dev->rid;
	return 0;
}

/*
 * CFGI_CD / CFGI_CD_ALL for StreamID @rid: the guest changed its CD, so
 * a stream attached to one of this vIOMMU's nested domains reads it
 * again (CD 0 is the only CD modelled, so any SSID means it).  A CD the
 * SMMU cannot use aborts the stream, as C_BAD_CD would; the command
 * itself completes.
 */
static void smmu_cfgi_cd(struct smmu_viommu *sv, uint32_t rid)
{
	struct drv_att *a = drv_att_find(sv->in, rid, UIOMMU_NO_PASID);

	if (a && a->dom->d.kind == DRV_DOMAIN_NESTED &&
	    a->dom->nest.smmu.viommu == &sv->v)
		drv_att_reprogram(a);
}

/*
 * TLBI_NH_VA / TLBI_NH_VAA.  TG = 0: the single address.  Otherwise the
 * command's range (SMMUv3 4.4.1.1: (NUM + 1) * 2^SCALE granules from the
 * address) goes to the engine as it is; an engine without range
 * invalidation (no RIL) gets the whole ASID / VMID instead.  TTL only
 * narrows what must go, so ignoring it only over-invalidates.
 */
static int smmu_tlbi_va(struct smmu_viommu *sv, const uint64_t cmd[2])
{
	bool va = (cmd[0] & CMD0_OP_MASK) == CMD_OP_TLBI_NH_VA;
	enum smmu_tlbi_op op = va ? SMMU_TLBI_NH_VA : SMMU_TLBI_NH_VAA;
	uint16_t vmid = sv->vmid->tag, asid = CMD0_TLBI_ASID(cmd[0]);
	uint64_t addr = cmd[1] & CMD1_ADDR_MASK;
	struct hw_smmu_range r = {
		.tg = CMD1_TLBI_TG(cmd[1]),
		.scale = CMD0_TLBI_SCALE(cmd[0]),
		.num = CMD0_TLBI_NUM(cmd[0]),
	};

	if (!r.tg)
		return smmu_tlbi_one(sv->in, op, vmid, asid, addr, NULL);
	if (!smmu_tlbi_one(sv->in, op, vmid, asid, addr, &r))
		return 0;
	return va ? hw_smmu_tlbi_nh_asid(sv->in->hw, vmid, asid) :
		    hw_smmu_tlbi_nh_all(sv->in->hw, vmid);
}

/*
 * One guest command, converted and run (instance lock held).  The VMID
 * field the guest wrote is ignored: the vIOMMU's is used.  -EIO for a
 * command outside the set, an unknown vSID, or one the engine refuses.
 */
static int smmu_vcmd(struct smmu_viommu *sv, const uint64_t cmd[2])
{
	struct hw_iommu *hw = sv->in->hw;
	uint16_t vmid = sv->vmid->tag;
	uint32_t rid;
	int rc;

	switch (cmd[0] & CMD0_OP_MASK) {
	case CMD_OP_TLBI_NSNH_ALL: /* the guest's "everything" is its VMID */
	case CMD_OP_TLBI_NH_ALL:
		rc = hw_smmu_tlbi_nh_all(hw, vmid);
		break;
	case CMD_OP_TLBI_NH_ASID:
		rc = hw_smmu_tlbi_nh_asid(hw, vmid, CMD0_TLBI_ASID(cmd[0]));
		break;
	case CMD_OP_TLBI_NH_VA:
	case CMD_OP_TLBI_NH_VAA:
		rc = smmu_tlbi_va(sv, cmd);
		break;
	case CMD_OP_ATC_INV:
		/* No ATS (IDR0.ATS = 0): no ATC to invalidate. */
		return smmu_vsid(sv, CMD0_SID(cmd[0]), &rid);
	case CMD_OP_CFGI_CD:
	case CMD_OP_CFGI_CD_ALL:
		rc = smmu_vsid(sv, CMD0_SID(cmd[0]), &rid);
		if (!rc)
			smmu_cfgi_cd(sv, rid);
		return rc;
	default:
		return -EIO;
	}
	return rc ? -EIO : 0;
}

/*
 * IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: every entry is taken first
 * (Linux copies the whole array before running any: a bad entry size is
 * -EINVAL / -E2BIG with nothing run), then the commands run in order and
 * stop at the first one refused; *@num = commands run.  Linux runs them
 * in batches and may count commands of the failing batch it never issued;
 * here each counted command has run.  @data_type is checked even for a
 * probe (*@num = 0), which then succeeds (R40; Linux's SMMUv3 answers a
 * probe -EINVAL).
 */
static int smmu_viommu_invalidate(struct drv_viommu *v, uint32_t data_type,
				  const void *entries, uint32_t entry_len,
				  uint32_t *num)
{
	struct smmu_viommu *sv = smmu_viommu_of(v);
	const char *e = entries;
	uint32_t n = *num, done;
	int rc = 0;

	*num = 0;
	if (data_type != IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		struct iommu_viommu_arm_smmuv3_invalidate c;

		rc = drv_copy_entry(&c, sizeof(c), 1,
				    e + (size_t)i * entry_len, entry_len);
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&sv->in->lock);
	for (done = 0; done < n; done++) {
		struct iommu_viommu_arm_smmuv3_invalidate c;
		uint64_t cmd[2];

		drv_copy_entry(&c, sizeof(c), 1,
			       e + (size_t)done * entry_len, entry_len);
		cmd[0] = le64toh(c.cmd[0]);
		cmd[1] = le64toh(c.cmd[1]);
		rc = smmu_vcmd(sv, cmd);
		if (rc)
			break;
	}
	pthread_mutex_unlock(&sv->in->lock);
	*num = done;
	return rc;
}

static void smmu_viommu_free(struct drv_viommu *v)
{
	struct smmu_viommu *sv = smmu_viommu_of(v);

	pthread_mutex_lock(&sv->in->lock);
	drv_dinfo_put(sv->in, sv->s2, sv->vmid);
	pthread_mutex_unlock(&sv->in->lock);
	free(sv);
}

static const struct drv_viommu_ops smmu_viommu_ops = {
	.alloc_domain_nested = smmu_viommu_alloc_nested,
	.cache_invalidate = smmu_viommu_invalidate,
	.free = smmu_viommu_free,
};

/* Only the plain SMMUv3 type, and only with stage 2 (nesting). */
static int smmu_viommu_check(struct drv_iommu *iommu,
			     const struct uiommu_device_desc *dev,
			     uint32_t type)
{
	if (type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3 ||
	    !(iommu->desc->caps & UIOMMU_IOMMU_CAP_NESTING))
		return -EOPNOTSUPP;
	return 0;
}

/* The parent must be a stage 2 of this very SMMU (-EINVAL). */
static int smmu_viommu_alloc(struct drv_iommu *iommu,
			     const struct uiommu_device_desc *dev,
			     uint32_t type, struct drv_domain *parent,
			     struct drv_viommu **out)
{
	struct drv_inst *in = drv_inst_of(iommu);
	struct smmu_viommu *sv;
	int rc;

	if (!smmu_is_s2(parent) || parent->iommu != iommu)
		return -EINVAL;
	sv = calloc(1, sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	sv->in = in;
	sv->s2 = drv_dom_of(parent);
	pthread_mutex_lock(&in->lock);
	rc = drv_dinfo_get(in, sv->s2, &sv->vmid);
	pthread_mutex_unlock(&in->lock);
	if (rc) {
		free(sv);
		return rc;
	}
	sv->v.ops = &smmu_viommu_ops;
	sv->v.iommu = iommu;
	sv->v.parent = parent;
	sv->v.type = type;
	*out = &sv->v;
	return 0;
}

static const struct drv_iommu_ops smmu_iommu_ops = {
	.hw_info = smmu_hw_info,
	.domain_alloc_paging = drv_domain_alloc_paging,
	.domain_alloc_nested = smmu_alloc_nested,
	.viommu_check = smmu_viommu_check,
	.viommu_alloc = smmu_viommu_alloc,
	.attach = drv_attach,
	.translate = drv_translate,
	.dma_begin = drv_dma_begin,
	.dma_end = drv_dma_end,
	.translate_run = drv_translate_run,
};

const struct drv_model drv_smmu_model = {
	.hw = HW_MODEL_SMMUV3,
	.hw_flags = HW_CAP_SMMU_RIL,
	.ops = &smmu_iommu_ops,
	.paging_cfg = smmu_paging_cfg,
	.cache_prot = smmu_cache_prot,
	.attach_check = smmu_attach_check,
	.tag_space = smmu_tag_space,
	.build_cfg = smmu_build_cfg,
	.flush_range = smmu_flush_range,
	.flush_detach = smmu_flush_detach,
	.flush_tag = smmu_flush_tag,
};
