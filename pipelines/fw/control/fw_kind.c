/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_kind: a slice's firewall (SliceSpec.firewall) compiled with the slice, on the switch's hook, into fw_rules and fw_policy. */
/*
 * The schema (fw.openapi.json) says the words and shapes; what it cannot
 * say (a prefix with bits past its length, a range reversed, an id named
 * twice, ports on a protocol that has none) fails the slice here with its
 * pointer, holding nothing. The entries are the slice's like its routes':
 * the reconciler puts them back after sxdp restarts, and a slice that
 * drops its firewall, or is withdrawn, takes them back (every connection
 * at its edge then goes, as before it had one).
 */
#include <errno.h>
#include <stdio.h>

#include "fw_names.h"
#include "fw_spec.h"
#include "sw_kind.h"

static void
slice_firewall(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *fw = json_object_get(spec, "firewall"), *ups = NULL;
	struct spec_err err;
	char ptr[96];
	int rc;

	(void)name;
	(void)item;
	(void)i;
	(void)rec;
	if (fw == NULL || cd_kx_failed(x))
		return;
	if (!cd_tables_has(cd_kx_tables(x), FW_T_RULES) || !cd_tables_has(cd_kx_tables(x), FW_T_POLICY)) {
		cd_kx_wait_for(x, "/spec/firewall", "sxdp with the fw feature (its tables " FW_T_RULES ", "
			       FW_T_POLICY ")");
		return;
	}
	if ((rc = fw_spec_compile(fw, cd_num(spec, "id", 0), &ups, &err)) < 0) {
		snprintf(ptr, sizeof(ptr), "/spec/firewall%s", err.ptr);
		if (rc == -EINVAL)
			cd_kx_fail(x, "Failed", ptr, err.reason, "%s", err.msg);
		else
			cd_kx_fail(x, "Error", "/spec/firewall", "no_memory", "out of memory");
		return;
	}
	cd_kx_apply(x, ups, "/spec/firewall");
	json_decref(ups);
}

static struct sw_hook firewall_hook = { .at = SW_AT_SLICE_END, .fn = slice_firewall };
SW_HOOK_REGISTER(firewall_hook)
