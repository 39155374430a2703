# src/pt: hardware-format IO page tables (generic walker + one file per
# format family).  Tests: tests/unit/test_pt_*.c (picked up by mk/tests.mk).
LIB_SRCS += src/pt/pt.c src/pt/pages.c src/pt/walk.c src/pt/walk_fast.c src/pt/fmt_vtd.c src/pt/fmt_arm.c \
	src/pt/fmt_amd.c
