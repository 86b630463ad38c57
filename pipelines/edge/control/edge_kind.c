/* SPDX-License-Identifier: BSD-3-Clause */
/* edge_kind: a slice's edge (SliceSpec.edge) compiled with the slice, on the switch's hook, into the edge's tables and the routes of action edge. */
/*
 * The schema (edge.openapi.json) says the words and shapes; what it cannot
 * say (host bits, a pool too large or too small for its deterministic
 * prefix, a block past the ports, the slice's own VRF as its outside, a
 * destination its own routes name) fails the slice here with its pointer,
 * holding nothing. The entries, those in the outside VRF too, are the
 * slice's like its routes': the reconciler puts them back after sxdp
 * restarts, and a slice that drops its edge, or is withdrawn, takes them
 * back. Two slices that bring the same addresses back into one outside
 * collide on its route (the second fails, naming the first).
 */
#include <errno.h>
#include <stdio.h>

#include "edge_names.h"
#include "edge_spec.h"
#include "sw_kind.h"
#include "sw_names.h"

static void
slice_edge(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *edge = json_object_get(spec, "edge"), *ups = NULL;
	const struct cd_tables *t = cd_kx_tables(x);
	struct spec_err err;
	char ptr[96];
	int rc;

	(void)name;
	(void)item;
	(void)i;
	(void)rec;
	if (edge == NULL || cd_kx_failed(x))
		return;
	if (!cd_tables_has(t, EDGE_T_SLICES) || !cd_tables_has(t, EDGE_T_RETURN) || !cd_tables_has(t, EDGE_T_POOLS)) {
		cd_kx_wait_for(x, "/spec/edge", "sxdp with the edge feature (its tables " EDGE_T_SLICES ", "
			       EDGE_T_RETURN ", " EDGE_T_POOLS ")");
		return;
	}
	if ((rc = edge_spec_compile(edge, cd_num(spec, "id", 0), json_object_get(spec, "routes"), &ups, &err)) < 0) {
		snprintf(ptr, sizeof(ptr), "/spec/edge%s", err.ptr);
		if (rc == -EINVAL)
			cd_kx_fail(x, "Failed", ptr, err.reason, "%s", err.msg);
		else
			cd_kx_fail(x, "Error", "/spec/edge", "no_memory", "out of memory");
		return;
	}
	cd_kx_apply(x, ups, "/spec/edge");
	json_decref(ups);
}

static struct sw_hook edge_hook = { .at = SW_AT_SLICE_END, .fn = slice_edge };
SW_HOOK_REGISTER(edge_hook)
