/* SPDX-License-Identifier: BSD-3-Clause */
/* dhcp's sxctl command: the leases the box's DHCP server holds (sxdp's dhcp.leases), per slice, and the drops by reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dh_spec.h"
#include "dhcp_names.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_usage.h"

static void
dh_print(json_t *s)
{
	static const char *const hdr[] = { "VRF", "BD", "MAC", "IP", "STATE", "REMAINING_S", "PORT", "STATIC",
					   "HOST" };
	static const char *const keys[] = { "vrf", "bd", "mac", "ip", "state", "remaining_s", "port", "static",
					    "host", NULL };
	json_t *rows = json_object_get(s, "leases"), *c, *v;
	struct fmt_tbl t;
	const char *k;
	size_t i;

	printf("lease file: %s\n", json_string_value(json_object_get(s, "file")) ?: "-");
	if (json_array_size(rows) == 0) {
		printf("no leases\n");
	} else {
		fmt_tbl_init(&t, "rrllllrll", hdr);
		json_array_foreach(rows, i, c)
			fmt_tbl_row(&t, c, keys);
		fmt_tbl_print(&t, 0);
	}
	json_array_foreach(json_object_get(s, "slices"), i, c)
		printf("vrf %" JSON_INTEGER_FORMAT ": %" JSON_INTEGER_FORMAT " bound (%" JSON_INTEGER_FORMAT
		       " static), %" JSON_INTEGER_FORMAT " offered, %" JSON_INTEGER_FORMAT " declined\n",
		       json_integer_value(json_object_get(c, "vrf")), json_integer_value(json_object_get(c, "bound")),
		       json_integer_value(json_object_get(c, "static")), json_integer_value(json_object_get(c, "offered")),
		       json_integer_value(json_object_get(c, "declined")));
	if (json_object_size(json_object_get(s, "drops")) > 0) {
		printf("dropped:");
		json_object_foreach(json_object_get(s, "drops"), k, v)
			printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		printf("\n");
	}
}

/* dhcp leases [VRF] */
static int
cmd_dhcp(struct sx_ctx *x, char **av, int ac)
{
	json_t *res = NULL, *st = NULL, *keep, *l, *drops, *v, *s, *only;
	char *end = NULL;
	const char *k;
	long vrf = -1;
	size_t i;
	int rc;

	if (ac < 1 || ac > 2 || strcmp(av[0], "leases") != 0 ||
	    (ac == 2 && ((vrf = strtol(av[1], &end, 10)) < 0 || vrf > 65535 || *end != '\0' || end == av[1])))
		return usage_error("usage: dhcp leases [VRF]");
	if ((rc = rpc_call(x, DHCP_M_LEASES, NULL, &res)) != EX_OK)
		return rc;
	if ((rc = rpc_call(x, "stats.get", NULL, &st)) != EX_OK) {
		json_decref(res);
		return rc;
	}
	keep = json_array();
	json_array_foreach(json_object_get(res, "leases"), i, l)
		if (vrf < 0 || json_integer_value(json_object_get(l, "vrf")) == vrf)
			json_array_append(keep, l);
	drops = json_object();
	json_object_foreach(json_object_get(st, "drops"), k, v)
		if (strncmp(k, "dhcp.", 5) == 0 && json_integer_value(v) != 0)
			json_object_set(drops, k, v);
	only = json_pack("{s:O}", "leases", keep);
	s = json_pack("{s:O,s:O,s:o,s:o}", "file", json_object_get(res, "file") ?: json_null(), "leases", keep,
		      "slices", dh_spec_counts(only), "drops", drops);
	if (x->json)
		fmt_json(stdout, s);
	else
		dh_print(s);
	json_decref(s);
	json_decref(only);
	json_decref(keep);
	json_decref(res);
	json_decref(st);
	return EX_OK;
}

#define DHCP_USAGE \
"DHCP (a slice's dhcp intent writes its pool, static leases, relay, ra):\n" \
"  dhcp leases [VRF]           the leases the box's DHCP server holds (sxdp's\n" \
"                              own, kept in its lease file across restarts):\n" \
"                              each client's MAC, address, state (offered,\n" \
"                              bound, declined), seconds left, port, static\n" \
"                              or not, host name; a count per slice (VRF) and\n" \
"                              the dhcp.* drops by reason\n"

static const struct feat_cli dhcp_cli = {
	.name = "dhcp",
	.rank = 8,
	.usage = DHCP_USAGE,
	.cmds = {
		{ "dhcp", cmd_dhcp, "*" },
	},
};
FEAT_CLI_REGISTER(dhcp_cli)
