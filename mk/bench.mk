# bench/: benchmarks (make bench).  docs/performance.md says what they measure.
#
# Benchmarks must measure the library as `make` builds it, so `make bench`
# ignores SAN and the caller's O: it re-runs make in build-bench/ with SAN
# empty (-O2, no sanitizers) and BENCH_INNER=1, and that inner make builds
# libuiommu.a and the programs below, then runs them in the listed order
# (calibration first).  BENCH_FILTER="pattern ..." runs only the benchmarks
# whose names match one of the glob patterns, e.g.
#   make bench BENCH_FILTER='calib_* ioas_map_unmap_100000'
#
# Every program in BENCH_PROGS is one source file linked with the shared
# sampling code (BENCH_SRCS) and libuiommu.a.
BENCH_SRCS += bench/bench.c
BENCH_PROGS += bench/bench_calib.c bench/bench_ioas.c
BENCH_PROGS += bench/bench_pt.c bench/bench_hw.c bench/bench_dev.c
BENCH_O ?= build-bench

ifeq ($(BENCH_INNER),1)

BENCH_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(BENCH_SRCS))
BENCH_BINS := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_PROGS))

# A static pattern rule names each program's object explicitly, so make
# keeps it as a real target (no intermediate-file deletion, no rebuilds).
$(BENCH_BINS): $(O)/bench/%: $(O)/obj/bench/%.o $(BENCH_OBJS) \
		$(O)/libuiommu.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BENCH_OBJS) $(O)/libuiommu.a $(LDLIBS)

# set -f: the filter's globs are for the programs, not for the shell.
bench: $(BENCH_BINS)
	$(Q)set -ef; for b in $(BENCH_BINS); do $$b $(BENCH_FILTER); done

-include $(BENCH_OBJS:.o=.d) $(patsubst %.c,$(O)/obj/%.d,$(BENCH_PROGS))

else

bench:
	$(Q)$(MAKE) --no-print-directory BENCH_INNER=1 O=$(BENCH_O) SAN= bench

endif
