# src/util: data structures and helpers shared by every layer.
LIB_SRCS += src/util/itree.c src/util/uaccess.c src/util/errname.c \
	src/util/alloc.c src/util/slab.c
