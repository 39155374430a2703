/* SPDX-License-Identifier: MIT */
/*
 * The access kinds the engine issues to a walker, probes included: what
 * the walker comparison tests (test_pt_lean.c, test_pt_fast.c) try on
 * every address.
 */
#ifndef UIOMMU_TESTS_T_ACCESS_H
#define UIOMMU_TESTS_T_ACCESS_H

#include "pt/pt.h"

static const unsigned int t_access[] = {
	PT_ACCESS_READ,
	PT_ACCESS_WRITE,
	PT_ACCESS_READ | PT_ACCESS_WRITE,
	PT_ACCESS_EXEC,
	PT_ACCESS_READ | PT_ACCESS_PRIV,
	PT_ACCESS_WRITE | PT_ACCESS_PRIV,
	PT_ACCESS_EXEC | PT_ACCESS_PRIV,
	PT_ACCESS_PROBE,
};

#endif
