# tests/: one runner binary with every unit, spec and end-to-end test; the
# programs under tests/progs/ are built stand-alone (they are what end-to-end
# tests run, e.g. under `uiommu run`).
TEST_SRCS += tests/harness.c $(wildcard tests/unit/*.c tests/spec/*.c tests/e2e/*.c)
TEST_PROGS += $(wildcard tests/progs/*.c)
$(call obj,$(TEST_SRCS)): CPPFLAGS += -Itests
