// SPDX-License-Identifier: MIT
/*
 * End-to-end VFIO: `uiommu run -- build/tests/progs/vfio_dma_prog NODE`
 * runs an unmodified Linux VFIO-cdev program against the emulated DMA
 * engines of a platform on the real emulated IOMMU drivers — one device
 * per IOMMU model (VT-d and SMMUv3 from the default platform, AMD-Vi from
 * a platform file) — and judges its verdict (exit status, last line).  The
 * program does the detailed checking (DMA through the IOMMU, faults, no
 * stale IOTLB after unmap, blocked after detach, MSI to an eventfd).
 */
#include "harness.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct vrun {
	int status;
	char out[65536];
	char err[8192];
};

static void vrun_drain(int out, int err, struct vrun *r)
{
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	char *buf[2] = { r->out, r->err };
	size_t cap[2] = { sizeof(r->out) - 1, sizeof(r->err) - 1 };
	size_t len[2] = { 0, 0 };
	int open_fds = 2;

	while (open_fds && poll(p, 2, -1) >= 0) {
		for (int i = 0; i < 2; i++) {
			char scratch[4096];
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, scratch, sizeof(scratch));
			if (n <= 0) {
				p[i].fd = -1;
				open_fds--;
				continue;
			}
			if ((size_t)n > cap[i] - len[i])
				n = (ssize_t)(cap[i] - len[i]);
			memcpy(buf[i] + len[i], scratch, (size_t)n);
			len[i] += (size_t)n;
		}
	}
	r->out[len[0]] = '\0';
	r->err[len[1]] = '\0';
}

/* Run `uiommu run [--platform FILE] -- vfio_dma_prog NODE`. */
static void vrun(const char *platform, const char *node, const char *env,
		 struct vrun *r)
{
	char tool[PATH_MAX], prog[PATH_MAX], popt[PATH_MAX + 16];
	const char *argv[8];
	int out[2], err[2], status, n = 0;
	pid_t pid;

	snprintf(tool, sizeof(tool), "%s/uiommu", t_build_dir());
	snprintf(prog, sizeof(prog), "%s/tests/progs/vfio_dma_prog",
		 t_build_dir());
	argv[n++] = tool;
	argv[n++] = "run";
	if (platform) {
		snprintf(popt, sizeof(popt), "--platform=%s", platform);
		argv[n++] = popt;
	}
	argv[n++] = "--";
	argv[n++] = prog;
	argv[n++] = node;
	argv[n] = NULL;
	ASSERT_OK(pipe(out));
	ASSERT_OK(pipe(err));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (env)
			putenv((char *)env);
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		close(out[0]);
		close(err[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	vrun_drain(out[0], err[0], r);
	close(out[0]);
	close(err[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
}

static const char *last_line(char *s)
{
	size_t n = strlen(s);
	char *nl;

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

static void expect_pass(struct vrun *r)
{
	const char *line;
	unsigned int n = 0;

	if (r->status != 0)
		fprintf(stderr, "  stdout:\n%s\n  stderr:\n%s\n", r->out,
			r->err);
	ASSERT_EQ(r->status, 0);
	line = last_line(r->out);
	if (sscanf(line, "vfio_dma_prog: %u checks passed", &n) != 1 ||
	    n < 25)
		FAIL("last line \"%s\"", line);
}

/* Default platform, device 0: VT-d, MSIs through the x86 window. */
TEST(vfio_e2e, dma_prog_vtd)
{
	static struct vrun r;

	vrun(NULL, "/dev/vfio/devices/vfio0", NULL, &r);
	expect_pass(&r);
	ASSERT_NONNULL(strstr(r.out, "MSI_ADDR 0xfee00000"));
}

/* Default platform, device 4: SMMUv3, MSIs through the SW_MSI window. */
TEST(vfio_e2e, dma_prog_smmuv3)
{
	static struct vrun r;

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
	static struct vrun r;
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

/* A device the platform does not have: open fails ENOENT (exit 3). */
TEST(vfio_e2e, unknown_device_is_enoent)
{
	static struct vrun r;

	vrun(NULL, "/dev/vfio/devices/vfio63", NULL, &r);
	ASSERT_EQ(r.status, 3);
	ASSERT_NONNULL(strstr(r.out, "No such file or directory"));
}

/* A broken platform file: the open fails and the shim says why. */
TEST(vfio_e2e, broken_platform_file)
{
	static struct vrun r;

	vrun(NULL, "/dev/vfio/devices/vfio0",
	     "UIOMMU_PLATFORM=/nonexistent/uiommu-platform", &r);
	ASSERT_EQ(r.status, 3);
	ASSERT_NONNULL(strstr(r.err, "UIOMMU_PLATFORM=/nonexistent"));
}
