// SPDX-License-Identifier: MIT
/*
 * End-to-end VFIO: `uiommu run -- build/tests/progs/vfio_dma_prog NODE`
 * runs an unmodified Linux VFIO-cdev program against the emulated DMA
 * engines of a platform on the real emulated IOMMU drivers — one device
 * per IOMMU model (VT-d and SMMUv3 from the default platform, AMD-Vi from
 * a platform file) — and judges its verdict (exit status, last line).  The
 * program does the detailed checking (DMA through the IOMMU, faults, no
 * stale IOTLB after unmap, blocked after detach, MSI to an eventfd).
 * vfio_nested_prog does the same for a nested configuration: a guest's
 * stage 1 in guest RAM over the VMM's stage 2.
 */
#include "t_run.h"

/* Run `uiommu run [--platform FILE] -- tests/progs/PROG NODE` with @env
 * ("NAME=VALUE", or NULL) set in the child. */
static void prun(const char *prog, const char *platform, const char *node,
		 const char *env, struct run_result *r)
{
	char popt[PATH_MAX + 16];
	const char *argv[8], *envs[2] = { env, NULL };
	int n = 0;

	argv[n++] = build_path(0, "uiommu");
	argv[n++] = "run";
	if (platform) {
		snprintf(popt, sizeof(popt), "--platform=%s", platform);
		argv[n++] = popt;
	}
	argv[n++] = "--";
	argv[n++] = build_path(1, prog);
	argv[n++] = node;
	argv[n] = NULL;
	run_cmd(argv, envs, r);
}

static void vrun(const char *platform, const char *node, const char *env,
		 struct run_result *r)
{
	prun("tests/progs/vfio_dma_prog", platform, node, env, r);
}

/* Exit 0 and a last line "@prog: N checks passed" with N >= @min. */
static void expect_prog_pass(struct run_result *r, const char *prog,
			     unsigned int min)
{
	char fmt[64];
	const char *line;
	unsigned int n = 0;

	if (r->status != 0)
		fprintf(stderr, "  stdout:\n%s\n  stderr:\n%s\n", r->out,
			r->err);
	ASSERT_EQ(r->status, 0);
	line = last_line(r->out);
	snprintf(fmt, sizeof(fmt), "%s: %%u checks passed", prog);
	if (sscanf(line, fmt, &n) != 1 || n < min)
		FAIL("last line \"%s\"", line);
}

static void expect_pass(struct run_result *r)
{
	expect_prog_pass(r, "vfio_dma_prog", 25);
}

/* Default platform, device 0: VT-d, MSIs through the x86 window. */
TEST(vfio_e2e, dma_prog_vtd)
{
	static struct run_result r;

	vrun(NULL, "/dev/vfio/devices/vfio0", NULL, &r);
	expect_pass(&r);
	ASSERT_NONNULL(strstr(r.out, "MSI_ADDR 0xfee00000"));
}

/* Default platform, device 4: SMMUv3, MSIs through the SW_MSI window. */
TEST(vfio_e2e, dma_prog_smmuv3)
{
	static struct run_result r;

	vrun(NULL, "/dev/vfio/devices/vfio4", NULL, &r);
	expect_pass(&r);
	/* The doorbell's page mapped at the start of its SW_MSI window. */
	ASSERT_NONNULL(strstr(r.out, "MSI_ADDR 0x8000040"));
}

static const char amd_platform[] =
	"[iommu amd0]\n"
	"model = amd\n"
	"caps = msi-isolated, coherent, enforce-coherency\n"
	"pasid-bits = 16\n"
	"address-bits = 48\n"
	"\n"
	"[device nic0]\n"
	"iommu = amd0\n"
	"rid = 00:01.0\n"
	"group = 1\n"
	"msi-doorbell = 0xfee00000\n"
	"resv = 0xfee00000-0xfeefffff msi\n";

/* A platform file: AMD-Vi. */
TEST(vfio_e2e, dma_prog_amd_platform_file)
{
	static struct run_result r;
	char path[] = "/tmp/uiommu-vfio-amd-XXXXXX";
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, amd_platform, sizeof(amd_platform) - 1),
		  (ssize_t)(sizeof(amd_platform) - 1));
	close(fd);
	vrun(path, "/dev/vfio/devices/vfio0", NULL, &r);
	unlink(path);
	expect_pass(&r);
}

/*
 * Nested, VT-d (default platform, device 0): a VMM's stage 2 from guest
 * RAM and a guest x86-64 first-stage table; DMA at guest IOVAs through
 * both stages, stage-1 and stage-2 faults, a forwarded invalidation, a
 * host unmap, the MSI, detach (tests/progs/vfio_nested_prog.c).
 */
TEST(vfio_e2e, nested_prog_vtd)
{
	static struct run_result r;

	prun("tests/progs/vfio_nested_prog", NULL, "/dev/vfio/devices/vfio0",
	     NULL, &r);
	expect_prog_pass(&r, "vfio_nested_prog", 24);
	ASSERT_NONNULL(strstr(r.out, "type 1 (VT-d)"));
	ASSERT_NONNULL(strstr(r.out, "reason 1, stage 2, addr 0x10030000"));
}

/*
 * Nested, SMMUv3 (default platform, device 4), as Linux has it: a vIOMMU
 * over the parent, the device's vSID as a vDEVICE, the guest's STE, CD and
 * VMSAv8-64 table in guest RAM, TLBI_NH_VA forwarded through the vIOMMU,
 * and the MSI through the guest's 1:1 map of the SW_MSI window.
 */
TEST(vfio_e2e, nested_prog_smmuv3)
{
	static struct run_result r;

	prun("tests/progs/vfio_nested_prog", NULL, "/dev/vfio/devices/vfio4",
	     NULL, &r);
	expect_prog_pass(&r, "vfio_nested_prog", 28);
	ASSERT_NONNULL(strstr(r.out, "type 2 (SMMUv3)"));
	ASSERT_NONNULL(strstr(r.out, "SMMUv3 TLBI_NH_VA) of that page: "
				     "success, entry_num 1"));
	ASSERT_NONNULL(strstr(r.out, "MSI_ADDR 0x8000040"));
}

/* A device the platform does not have: open fails ENOENT (exit 3). */
TEST(vfio_e2e, unknown_device_is_enoent)
{
	static struct run_result r;

	vrun(NULL, "/dev/vfio/devices/vfio63", NULL, &r);
	ASSERT_EQ(r.status, 3);
	ASSERT_NONNULL(strstr(r.out, "No such file or directory"));
}

/* A broken platform file: the open fails and the shim says why. */
TEST(vfio_e2e, broken_platform_file)
{
	static struct run_result r;

	vrun(NULL, "/dev/vfio/devices/vfio0",
	     "UIOMMU_PLATFORM=/nonexistent/uiommu-platform", &r);
	ASSERT_EQ(r.status, 3);
	ASSERT_NONNULL(strstr(r.err, "UIOMMU_PLATFORM=/nonexistent"));
}
