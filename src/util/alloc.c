// SPDX-License-Identifier: MIT
/* Fault-injection counters for uz_*() (see alloc.h). */
#include "util/alloc.h"

unsigned long ut_fail_nth;
