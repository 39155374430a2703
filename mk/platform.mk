# src/platform: platform descriptions — the platform-file parser, the
# consistency check, the formatter and the built-in default platform
# (docs/platform.md).  Tests: tests/unit/test_platform.c.
LIB_SRCS += src/platform/platform.c src/platform/pstr.c src/platform/parse.c \
	src/platform/load.c src/platform/check.c src/platform/format.c
