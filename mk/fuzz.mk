# fuzz/: fuzz targets.  `make fuzz` builds them with clang's libFuzzer
# (needs clang and libclang-rt-14-dev) and runs each for FUZZ_SECONDS;
# without clang it says so and succeeds.  The same targets are built with
# gcc and a replay/random driver (fuzz/driver.c) for `make check`, which
# runs them through tests/e2e/test_fuzz.c.
FUZZ_TARGETS := fuzz_ioctl fuzz_platform
FUZZ_SECONDS ?= 30
FUZZ_BINS := $(patsubst %,$(O)/fuzz/%,$(FUZZ_TARGETS))

$(O)/fuzz/%: fuzz/%.c fuzz/driver.c $(O)/libuiommu.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< fuzz/driver.c \
		$(O)/libuiommu.a $(LDLIBS)

check: $(FUZZ_BINS)

LIBFUZZER_O := build-fuzz
fuzz:
	@if ! command -v clang >/dev/null 2>&1; then \
		echo "make fuzz: clang not installed (apt-get install clang libclang-rt-14-dev); skipping"; \
		exit 0; fi; \
	$(MAKE) --no-print-directory O=$(LIBFUZZER_O) CC=clang SAN= WERROR=0 \
		CFLAGS_EXTRA="-fsanitize=fuzzer-no-link,address,undefined" \
		$(LIBFUZZER_O)/libuiommu.a && \
	for t in $(FUZZ_TARGETS); do \
		clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
			-D_GNU_SOURCE -o $(LIBFUZZER_O)/$$t fuzz/$$t.c \
			$(LIBFUZZER_O)/libuiommu.a -lpthread || exit 1; \
		mkdir -p $(LIBFUZZER_O)/corpus-$$t; \
		$(LIBFUZZER_O)/$$t -max_total_time=$(FUZZ_SECONDS) \
			$(LIBFUZZER_O)/corpus-$$t fuzz/corpus || exit 1; \
	done
