/* SPDX-License-Identifier: BSD-3-Clause */
/* dh_kind: a slice's DHCP (SliceSpec.dhcp) compiled with the slice, on the switch's hook, into the dhcp tables. */
/*
 * A slice is the one place with a link of its own (its bridge domain and
 * SVI): a VDN is a flow and a guarantee inside a slice, with no subnet to
 * give addresses in, so its hosts get theirs from their slice's DHCP. The
 * schema (dhcp.openapi.json) says the words and shapes; what it cannot say
 * (a pool outside the SVI's subnet or holding its address, a reversed
 * pool, a MAC or an address given twice, a relay beside a pool) fails the
 * slice here with its pointer, holding nothing. The entries are the
 * slice's: the reconciler puts them back after sxdp restarts; the leases
 * are sxdp's own (its lease file), never written from here, so a client
 * keeps its address whatever sxcd does.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dh_spec.h"
#include "dhcp_names.h"
#include "intent_cc.h"
#include "sw_kind.h"

/* The SVI this box's site wears in the slice: the entry of svi.sites for
 * this site, else the shared one (as the switch compiles it). */
static json_t *
svi_here(struct cd_kx *x, json_t *svi)
{
	json_int_t here = cd_num(sw_kind_site(x), "id", -1);
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(svi, "sites"), i, e)
		if (cd_num(e, "site", -2) == here)
			return e;
	return svi;
}

static void
slice_dhcp(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	static const char *const tables[] = { DHCP_T_POOLS, DHCP_T_STATIC, DHCP_T_RELAY, DHCP_T_RA };
	json_t *dh = json_object_get(spec, "dhcp"), *svi, *ups = NULL;
	const char *a, *a6, *svi4 = NULL, *svi6 = NULL;
	json_int_t sid = cd_num(spec, "id", 0);
	struct spec_err err;
	char ptr[96];
	int rc;

	(void)name;
	(void)item;
	(void)i;
	(void)rec;
	if (dh == NULL || cd_kx_failed(x))
		return;
	if ((svi = json_object_get(spec, "svi")) != NULL) {
		svi = svi_here(x, svi);
		a = cd_str(svi, "address");
		a6 = cd_str(svi, "address6");
		if (a != NULL && cc_af_of(a) == AF_INET)
			svi4 = a;
		svi6 = a6 != NULL ? a6 : (a != NULL && cc_af_of(a) == AF_INET6 ? a : NULL);
	}
	/* a slice's bridge domain and VRF are its id (sw_kind.h) */
	if ((rc = dh_spec_compile(dh, sid, sid, svi4, svi6, &ups, &err)) < 0) {
		snprintf(ptr, sizeof(ptr), "/spec/dhcp%s", err.ptr);
		if (rc == -EINVAL)
			cd_kx_fail(x, "Failed", ptr, err.reason, "%s", err.msg);
		else
			cd_kx_fail(x, "Error", "/spec/dhcp", "no_memory", "out of memory");
		return;
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		if (!cd_tables_has(cd_kx_tables(x), tables[t])) {
			cd_kx_wait_for(x, "/spec/dhcp", "sxdp with the dhcp feature (its tables " DHCP_T_POOLS ", "
				       DHCP_T_STATIC ", " DHCP_T_RELAY ", " DHCP_T_RA ")");
			json_decref(ups);
			return;
		}
	cd_kx_apply(x, ups, "/spec/dhcp");
	json_decref(ups);
}

static struct sw_hook dhcp_hook = { .at = SW_AT_SLICE_END, .fn = slice_dhcp };
SW_HOOK_REGISTER(dhcp_hook)
