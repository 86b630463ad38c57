/* SPDX-License-Identifier: BSD-3-Clause */
/* fw's sxctl command: each slice's firewall as sxdp holds it, with what each rule and default decided and dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fw_names.h"
#include "fw_spec.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

static void
fw_print(json_t *s)
{
	static const char *const hdr[] = { "ID", "DIR", "ACTION", "PROTO", "SRC", "DST", "SPORT", "DPORT", "HITS" };
	static const char *const keys[] = { "id", "dir", "action", "proto", "src", "dst", "sport", "dport", "hits",
					    NULL };
	json_t *row, *d, *h, *drops = json_object_get(s, "drops");
	struct fmt_tbl t;
	size_t i, j;

	if (json_array_size(json_object_get(s, "slices")) == 0)
		printf("no slice has a firewall (" FW_T_RULES " and " FW_T_POLICY " are empty): every connection "
		       "at a slice's edge goes\n");
	json_array_foreach(json_object_get(s, "slices"), i, row) {
		d = json_object_get(row, "default");
		h = json_object_get(row, "default_hits");
		printf("vrf %" JSON_INTEGER_FORMAT ": default in %s (%" JSON_INTEGER_FORMAT " hits), out %s (%"
		       JSON_INTEGER_FORMAT " hits)\n", json_integer_value(json_object_get(row, "vrf")),
		       json_string_value(json_object_get(d, "in")), json_integer_value(json_object_get(h, "in")),
		       json_string_value(json_object_get(d, "out")), json_integer_value(json_object_get(h, "out")));
		if (json_array_size(json_object_get(row, "rules")) == 0)
			continue;
		fmt_tbl_init(&t, "rllllllrr", hdr);
		json_array_foreach(json_object_get(row, "rules"), j, d)
			fmt_tbl_row(&t, d, keys);
		fmt_tbl_print(&t, 2);
	}
	printf("dropped: %" JSON_INTEGER_FORMAT " by a deny rule (fw.rule_deny), %" JSON_INTEGER_FORMAT
	       " by a default (fw.default_deny)\n", json_integer_value(json_object_get(drops, "rule_deny")),
	       json_integer_value(json_object_get(drops, "default_deny")));
}

/* fw show [VRF] */
static int
cmd_fw(struct sx_ctx *x, char **av, int ac)
{
	json_t *rules = NULL, *policy = NULL, *st = NULL, *rows, *keep, *row, *s, *drops;
	char *end = NULL;
	long vrf = -1;
	size_t i;
	int rc;

	if (ac < 1 || ac > 2 || strcmp(av[0], "show") != 0 ||
	    (ac == 2 && ((vrf = strtol(av[1], &end, 10)) < 0 || vrf > 65535 || *end != '\0' || end == av[1])))
		return usage_error("usage: fw show [VRF]");
	if ((rc = table_read_all(x, FW_T_RULES, &rules)) != EX_OK ||
	    (rc = table_read_all(x, FW_T_POLICY, &policy)) != EX_OK ||
	    (rc = rpc_call(x, "stats.get", NULL, &st)) != EX_OK) {
		json_decref(rules);
		json_decref(policy);
		return rc;
	}
	rows = fw_spec_rows(rules, policy);
	keep = json_array();
	json_array_foreach(rows, i, row)
		if (vrf < 0 || json_integer_value(json_object_get(row, "vrf")) == vrf)
			json_array_append(keep, row);
	drops = json_object_get(st, "drops");
	s = json_pack("{s:o,s:{s:I,s:I}}", "slices", keep, "drops",
		      "rule_deny", json_integer_value(json_object_get(drops, "fw.rule_deny")),
		      "default_deny", json_integer_value(json_object_get(drops, "fw.default_deny")));
	if (x->json)
		fmt_json(stdout, s);
	else
		fw_print(s);
	json_decref(s);
	json_decref(rows);
	json_decref(rules);
	json_decref(policy);
	json_decref(st);
	return EX_OK;
}

#define FW_USAGE \
"Slice firewall (a slice's firewall intent compiles to it; the edge asks it):\n" \
"  fw show [VRF]               each slice's firewall as sxdp holds it\n" \
"                              (" FW_T_RULES ", " FW_T_POLICY "): its defaults\n" \
"                              per direction and its rules, lowest id first,\n" \
"                              each with its hits (the new connections it\n" \
"                              decided: a deny rule's, the packets it\n" \
"                              dropped), and the drops by reason\n"

static const struct feat_cli fw_cli = {
	.name = "fw",
	.rank = 7,
	.usage = FW_USAGE,
	.cmds = {
		{ "fw", cmd_fw },
	},
};
FEAT_CLI_REGISTER(fw_cli)
