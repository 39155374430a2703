// SPDX-License-Identifier: MIT
/*
 * A main() for the fuzz targets when built without libFuzzer (gcc, make
 * check): replays the files named on the command line, then runs -n N
 * seeded random inputs (default 2000) of random lengths, some of them
 * mutations of the replayed files.  Exit 0 unless a target aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t drv_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t drv_read(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t seed_buf[65536], buf[65536];
	uint64_t s = 0x243f6a8885a308d3ULL;
	size_t seed_len = 0;
	long runs = 2000;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			runs = atol(argv[++i]);
			continue;
		}
		seed_len = drv_read(argv[i], seed_buf, sizeof(seed_buf));
		LLVMFuzzerTestOneInput(seed_buf, seed_len);
	}
	for (long r = 0; r < runs; r++) {
		size_t len = drv_rand(&s) % 2048;

		if (seed_len && (r & 1)) {
			len = seed_len;
			memcpy(buf, seed_buf, len);
			for (int k = 0; k < 4; k++)
				buf[drv_rand(&s) % len] = drv_rand(&s);
		} else {
			for (size_t i = 0; i < len; i++)
				buf[i] = drv_rand(&s);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz driver: %ld inputs, no crash\n", runs);
	return 0;
}
