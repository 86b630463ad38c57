/* SPDX-License-Identifier: BSD-3-Clause */
/* flowexp's sxctl command: the export's configuration as sxdp holds it, and the exporter's counters. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fx_names.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

#define EV_PREFIX "flowexp."

/* What sxdp holds and counts: {"on", "config", "collectors", "counters"}. */
static json_t *
fx_state(json_t *cfg, json_t *coll, json_t *st)
{
	json_t *e = json_array_get(cfg, 0), *out = json_object(), *cs = json_array(), *ev = json_object(), *v;
	const char *k;
	size_t i;

	json_array_foreach(coll, i, v) {
		const char *a = fmt_action(v);

		if (strcmp(a, FX_A_IPV4) != 0 && strcmp(a, FX_A_IPV6) != 0)
			continue;
		json_array_append_new(cs, json_pack("{s:O,s:O,s:O}", "id",
			json_object_get(json_object_get(v, "match"), FX_F_ID) ?: json_null(),
			"address", json_object_get(json_object_get(v, "params"), FX_F_IP) ?: json_null(),
			"port", json_object_get(json_object_get(v, "params"), FX_F_PORT) ?: json_null()));
	}
	json_object_foreach(json_object_get(st, "events"), k, v)
		if (strncmp(k, EV_PREFIX, strlen(EV_PREFIX)) == 0)
			json_object_set(ev, k + strlen(EV_PREFIX), v);
	e = e != NULL && strcmp(fmt_action(e), FX_A_EXPORT) == 0 ? json_object_get(e, "params") : NULL;
	json_object_set_new(out, "on", json_boolean(e != NULL && json_array_size(cs) > 0));
	json_object_set(out, "config", e ?: json_null());
	json_object_set_new(out, "collectors", cs);
	json_object_set_new(out, "counters", ev);
	return out;
}

static void
fx_print(json_t *s)
{
	static const char *const hdr[] = { "ID", "ADDRESS", "PORT" };
	static const char *const keys[] = { "id", "address", "port", NULL };
	json_t *c = json_object_get(s, "config"), *v;
	struct fmt_tbl t;
	size_t i;

	printf("flow export: %s\n", json_is_true(json_object_get(s, "on")) ? "on" : "off");
	if (json_is_object(c))
		printf("  sampling 1 in %" JSON_INTEGER_FORMAT ", active timeout %" JSON_INTEGER_FORMAT
		       " s, idle timeout %" JSON_INTEGER_FORMAT " s, templates every %" JSON_INTEGER_FORMAT
		       " s, observation domain %" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(c, FX_F_SAMPLING)),
		       json_integer_value(json_object_get(c, FX_F_ACTIVE_S)),
		       json_integer_value(json_object_get(c, FX_F_IDLE_S)),
		       json_integer_value(json_object_get(c, FX_F_TEMPLATE_S)),
		       json_integer_value(json_object_get(c, FX_F_DOMAIN)));
	else
		printf("  no configuration (" FX_T_CONFIG " is empty)\n");
	if (json_array_size(json_object_get(s, "collectors")) == 0) {
		printf("  no collector (" FX_T_COLLECTORS " is empty)\n");
	} else {
		printf("collectors (UDP):\n");
		fmt_tbl_init(&t, "rlr", hdr);
		json_array_foreach(json_object_get(s, "collectors"), i, v)
			fmt_tbl_row(&t, v, keys);
		fmt_tbl_print(&t, 2);
	}
	printf("counters:\n");
	fmt_kv_lines(json_object_get(s, "counters"), 2);
}

/* flowexp show */
static int
cmd_flowexp(struct sx_ctx *x, char **av, int ac)
{
	json_t *cfg = NULL, *coll = NULL, *st = NULL, *s;
	int rc;

	if (ac != 1 || strcmp(av[0], "show") != 0)
		return usage_error("usage: flowexp show");
	if ((rc = table_read_all(x, FX_T_CONFIG, &cfg)) != EX_OK ||
	    (rc = table_read_all(x, FX_T_COLLECTORS, &coll)) != EX_OK ||
	    (rc = rpc_call(x, "stats.get", NULL, &st)) != EX_OK) {
		json_decref(cfg);
		json_decref(coll);
		return rc;
	}
	s = fx_state(cfg, coll, st);
	if (x->json)
		fmt_json(stdout, s);
	else
		fx_print(s);
	json_decref(s);
	json_decref(cfg);
	json_decref(coll);
	json_decref(st);
	return EX_OK;
}

#define FX_USAGE \
"Flow export (IPFIX; sxcd's flow_export intent configures it):\n" \
"  flowexp show                whether export is on, its sampling, timeouts,\n" \
"                              observation domain and collectors (sxdp's\n" \
"                              " FX_T_CONFIG " and " FX_T_COLLECTORS "),\n" \
"                              and the exporter's counters: flows, records,\n" \
"                              messages, templates, evicted, ring_full,\n" \
"                              send_error, not_ip\n"

static const struct feat_cli flowexp_cli = {
	.name = "flowexp",
	.rank = 5,
	.usage = FX_USAGE,
	.cmds = {
		{ "flowexp", cmd_flowexp },
	},
};
FEAT_CLI_REGISTER(flowexp_cli)
