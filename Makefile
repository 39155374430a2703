# uiommu — one non-recursive GNU Makefile (house style §7.6).
#
#   make              libuiommu.a, libuiommu.so, libuiommu-preload.so, uiommu
#   make check        build and run every test      (SAN=1: ASan + UBSan)
#   make demo         run the main job: uiommu demo
#   make bench        build and run the benchmarks (always optimised, no SAN)
#   make fuzz         libFuzzer targets with clang (skips if clang is missing)
#   make install PREFIX=DIR
#
# Options: O=DIR (build directory), SAN=1, WERROR=0, V=1.
# Each directory lists its sources in mk/<dir>.mk (all are included).

# `make` alone builds; the fragments below define other targets.
.DEFAULT_GOAL := all

ifeq ($(origin CC),default)
CC := gcc
endif
SAN ?=
O ?= $(if $(SAN),build-asan,build)
WERROR ?= 1
PREFIX ?= /usr/local
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARNINGS := -Wall -Wextra -Wshadow -Wvla -Wmissing-prototypes \
	-Wstrict-prototypes -Wold-style-definition -Wundef -Wwrite-strings \
	-Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

OPT := -O2
SANFLAGS :=
ifneq ($(SAN),)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
OPT := -O1
endif

CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -DUIOMMU_TEST_HOOKS
CFLAGS := -std=gnu11 -g $(OPT) -fPIC -fvisibility=hidden $(WARNINGS) $(SANFLAGS) \
	$(CFLAGS_EXTRA)
LDFLAGS := $(SANFLAGS)
LDLIBS := -lpthread

LIB_SRCS :=
PRELOAD_SRCS :=
TOOL_SRCS :=
TEST_SRCS :=
TEST_PROGS :=
BENCH_SRCS :=
FUZZ_TARGETS :=

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

# Every fragment: each directory lists its own sources in mk/<dir>.mk.
include $(sort $(wildcard mk/*.mk))

LIB_OBJS := $(call obj,$(LIB_SRCS))
PRELOAD_OBJS := $(call obj,$(PRELOAD_SRCS))
TOOL_OBJS := $(call obj,$(TOOL_SRCS))
TEST_OBJS := $(call obj,$(TEST_SRCS))

LIB_A := $(O)/libuiommu.a
LIB_SO := $(O)/libuiommu.so
PRELOAD_SO := $(O)/libuiommu-preload.so
TOOL := $(O)/uiommu
TEST_BIN := $(O)/tests/uiommu-tests
TEST_PROG_BINS := $(patsubst tests/%.c,$(O)/tests/%,$(TEST_PROGS))

all: $(LIB_A) $(LIB_SO) $(PRELOAD_SO) $(TOOL)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) lib.map
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,--version-script=lib.map -Wl,-soname,libuiommu.so.0 \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LDLIBS)

# The preload library carries its own copy of the core so that it needs
# nothing but libc at run time; only the interposed libc symbols are exported.
$(PRELOAD_SO): $(PRELOAD_OBJS) $(LIB_A) preload.map
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,--version-script=preload.map $(LDFLAGS) -o $@ \
		$(PRELOAD_OBJS) $(LIB_A) $(LDLIBS) -ldl

$(TOOL): $(TOOL_OBJS) $(LIB_A)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(LIB_A) $(LDLIBS)

$(TEST_BIN): $(TEST_OBJS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB_A) $(LDLIBS)

# Stand-alone programs that tests run (for example under `uiommu run`).
# They link only libc: they talk to uiommu through /dev/iommu.
$(O)/tests/%: tests/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fvisibility=default -MMD -MP \
		-MF $@.d $(LDFLAGS) -o $@ $<

check: all $(TEST_BIN) $(TEST_PROG_BINS)
	$(Q)$(TEST_BIN)

demo: $(TOOL) $(PRELOAD_SO)
	$(Q)$(TOOL) demo

install: all
	install -d $(PREFIX)/include/uiommu/linux $(PREFIX)/lib \
		$(PREFIX)/lib/pkgconfig $(PREFIX)/bin
	install -m 644 include/uiommu/*.h $(PREFIX)/include/uiommu/
	install -m 644 include/uiommu/linux/*.h $(PREFIX)/include/uiommu/linux/
	install -m 644 $(LIB_A) $(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(PREFIX)/lib/libuiommu.so.$(VERSION)
	ln -sf libuiommu.so.$(VERSION) $(PREFIX)/lib/libuiommu.so.0
	ln -sf libuiommu.so.0 $(PREFIX)/lib/libuiommu.so
	install -m 755 $(PRELOAD_SO) $(PREFIX)/lib/
	install -m 755 $(TOOL) $(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		uiommu.pc.in > $(PREFIX)/lib/pkgconfig/uiommu.pc

clean:
	rm -rf build build-asan build-bench

.PHONY: all check demo install clean bench fuzz

-include $(LIB_OBJS:.o=.d) $(PRELOAD_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
-include $(addsuffix .d,$(TEST_PROG_BINS))
