// SPDX-License-Identifier: MIT
/*
 * Walker entry points: dispatch to the format's instance of the walker
 * template (walk_tmpl.h), and iova_to_phys on top of it.
 */
#include <errno.h>

#include "pt/pt_priv.h"

int pt_walk(const struct pt_geom *g, uint64_t root, const struct pt_mem *mem,
	    uint64_t iova, unsigned int access, struct pt_walk_result *res)
{
	if (!g->fmt)
		return -EINVAL;
	return g->fmt->walk(g, root, mem, iova, access, res);
}

int pt_walk_table(const struct pt *pt, uint64_t iova, unsigned int access,
		  struct pt_walk_result *res)
{
	return pt_walk(&pt->g, pt_addr(pt->root), NULL, iova, access, res);
}

int pt_iova_to_phys(const struct pt *pt, uint64_t iova, uint64_t *oa,
		    unsigned int *prot, uint64_t *leaf_size)
{
	struct pt_walk_result res;
	int rc;

	rc = pt_walk(&pt->g, pt_addr(pt->root), NULL, iova, PT_ACCESS_PROBE,
		     &res);
	if (rc) {
		if (res.fault == PT_FAULT_NON_CANONICAL ||
		    (res.fault == PT_FAULT_ADDRESS_SIZE && !res.reads))
			return -EINVAL;
		return -ENOENT;
	}
	if (oa)
		*oa = res.oa;
	if (prot)
		*prot = res.prot;
	if (leaf_size)
		*leaf_size = 1ULL << res.leaf_lg2;
	return 0;
}
