/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's sxctl commands: its sessions, interfaces and counters, read from sxdp; their help. */
/*
 * Read only: sessions come from sxcd's UPF intents and PFCP sessions, not
 * from words typed here. Every table is read whole through table.read,
 * page after page, as the other features' show commands do.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sxctl_api.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"
#include "up_names.h"

/* The UPF's tables (api/up_names.h, as its datapath declares them). */
static const struct {
	const char *table;
	const char *dir;	/* a session table's direction, else NULL */
} upf_tables[] = {
	{ UP_T_INTERFACES, NULL }, { UP_T_INTERFACES6, NULL }, { UP_T_SLICES, NULL },
	{ UP_T_SESSIONS_UPLINK, "ul" }, { UP_T_SESSIONS_N9_DOWNLINK, "dl-n9" },
	{ UP_T_SESSIONS_DOWNLINK, "dl" }, { UP_T_SESSIONS_DOWNLINK6, "dl6" }, { UP_T_SESSIONS_ETH, "dl-eth" },
	{ UP_T_LAN_MEMBERS, NULL }, { UP_T_TERMINATIONS_UPLINK, NULL }, { UP_T_TERMINATIONS_DOWNLINK, NULL },
	{ UP_T_APPLICATIONS, NULL }, { UP_T_APPLICATIONS6, NULL }, { UP_T_TUNNEL_PEERS, NULL },
};
#define UPF_N_TABLES (sizeof(upf_tables) / sizeof(upf_tables[0]))

static bool
upf_table_known(const char *name)
{
	for (size_t i = 0; i < UPF_N_TABLES; i++)
		if (strcmp(upf_tables[i].table, name) == 0)
			return true;
	return false;
}

/* "k=v k=v" of an entry's match, in the order sxdp gives it. */
static char *
upf_key(json_t *match)
{
	char *s = sx_asprintf("%s", ""), *t, *v;
	const char *k;
	json_t *m;

	json_object_foreach(match, k, m) {
		v = fmt_text(m);
		t = sx_asprintf("%s%s%s=%s", s, *s ? " " : "", k, v);
		free(v);
		free(s);
		s = t;
	}
	return s;
}

/* Read @names (NULL-ended) whole into {"TABLE": [entries]}; an exit code. */
static int
upf_read(struct sx_ctx *x, const char *const *names, json_t **out)
{
	json_t *doc = json_object(), *e;
	int rc;

	if (doc == NULL)
		sx_oom();
	for (; *names != NULL; names++) {
		if ((rc = table_read_all(x, *names, &e)) != EX_OK) {
			json_decref(doc);
			return rc;
		}
		json_object_set_new(doc, *names, e);
	}
	*out = doc;
	return EX_OK;
}

/* The session param @k of @e (else its key's) as a cell; 0 where it
 * means "none" (no UE IPv4 address, meter, URR, QFI) is "-". */
static void
upf_param(struct fmt_tbl *t, json_t *e, const char *k, bool zero_none)
{
	json_t *v = json_object_get(json_object_get(e, "params"), k);

	if (v == NULL)	/* a downlink entry's slice and UE are its key */
		v = json_object_get(json_object_get(e, "match"), k);

	if (v == NULL || (zero_none && json_is_integer(v) && json_integer_value(v) == 0) ||
	    (zero_none && json_is_string(v) && strcmp(json_string_value(v), "0.0.0.0") == 0))
		fmt_tbl_add(t, sx_asprintf("-"));
	else
		fmt_tbl_add(t, fmt_text(v));
}

/* upf sessions [ul|dl]: one line per session entry, each direction's. */
static int
cmd_sessions(struct sx_ctx *x, char **av, int ac)
{
	static const char *const hdr[] = { "DIR", "KEY", "SESSION", "ACTION", "SLICE", "UE",
		"PEER", "TEID", "QFI", "AMBR", "METER", "URR", "APPS" };
	const char *names[UPF_N_TABLES + 1];
	const char *want = ac == 1 ? av[0] : NULL;
	json_t *doc, *entries, *e;
	struct fmt_tbl t;
	size_t n = 0, i;
	const char *k;
	int rc;

	if (ac > 1 || (want != NULL && strcmp(want, "ul") != 0 && strcmp(want, "dl") != 0))
		return usage_error("usage: upf sessions [ul|dl]");
	for (i = 0; i < UPF_N_TABLES; i++)
		if (upf_tables[i].dir != NULL &&
		    (want == NULL || strncmp(upf_tables[i].dir, want, 2) == 0))
			names[n++] = upf_tables[i].table;
	names[n] = NULL;
	if ((rc = upf_read(x, names, &doc)) != EX_OK)
		return rc;
	if (x->json) {
		fmt_json(stdout, doc);
		json_decref(doc);
		return EX_OK;
	}
	fmt_tbl_init(&t, "llrlrlrrrrrrr", hdr);
	json_object_foreach(doc, k, entries) {
		const char *dir = "?";

		for (i = 0; i < UPF_N_TABLES; i++)
			if (strcmp(upf_tables[i].table, k) == 0)
				dir = upf_tables[i].dir;
		json_array_foreach(entries, i, e) {
			fmt_tbl_add(&t, sx_asprintf("%s", dir));
			fmt_tbl_add(&t, upf_key(json_object_get(e, "match")));
			upf_param(&t, e, "id", false);
			fmt_tbl_j(&t, e, "action");
			upf_param(&t, e, "slice", false);
			upf_param(&t, e, "ue", true);
			upf_param(&t, e, "peer", false);
			upf_param(&t, e, "teid", false);
			upf_param(&t, e, "qfi", true);
			upf_param(&t, e, "ambr", true);
			upf_param(&t, e, "meter", true);
			upf_param(&t, e, "urr", true);
			upf_param(&t, e, "apps", false);
		}
	}
	fmt_tbl_print(&t, 0);
	json_decref(doc);
	return EX_OK;
}

/* upf interfaces: the box's GTP-U endpoints (n3, n9) and N6 addresses. */
static int
cmd_interfaces(struct sx_ctx *x, char **av, int ac)
{
	static const char *const hdr[] = { "PREFIX", "KIND", "SLICE", "ID", "HITS" };
	static const char *const names[] = { UP_T_INTERFACES, UP_T_INTERFACES6, NULL };
	json_t *doc, *entries, *e;
	struct fmt_tbl t;
	const char *k;
	size_t i;
	int rc;

	(void)av;
	if (ac != 0)
		return usage_error("usage: upf interfaces");
	if ((rc = upf_read(x, names, &doc)) != EX_OK)
		return rc;
	if (x->json) {
		fmt_json(stdout, doc);
		json_decref(doc);
		return EX_OK;
	}
	fmt_tbl_init(&t, "llrrr", hdr);
	json_object_foreach(doc, k, entries)
		json_array_foreach(entries, i, e) {
			fmt_tbl_j(&t, json_object_get(e, "match"), "dst");
			fmt_tbl_j(&t, e, "action");
			upf_param(&t, e, "slice", false);
			upf_param(&t, e, "id", false);
			fmt_tbl_j(&t, e, "hits");
		}
	fmt_tbl_print(&t, 0);
	json_decref(doc);
	return EX_OK;
}

/* The members of @obj whose key starts with "upf.", or are UPF tables. */
static json_t *
upf_only(json_t *obj, bool tables)
{
	json_t *out = json_object(), *v;
	const char *k;

	if (out == NULL)
		sx_oom();
	json_object_foreach(obj, k, v)
		if (tables ? upf_table_known(k) : strncmp(k, "upf.", 4) == 0)
			json_object_set(out, k, v);
	return out;
}

/* upf counters: the UPF's drop reasons and events (stats.get lists those
 * not zero), and its tables' hits and misses. */
static int
cmd_counters(struct sx_ctx *x, char **av, int ac)
{
	static const char *const thdr[] = { "TABLE", "ENTRIES", "HITS", "MISSES" };
	static const char *const tkeys[] = { "entries", "hits", "misses", NULL };
	json_t *res, *doc, *v;
	struct fmt_tbl t;
	const char *k;
	int rc;

	(void)av;
	if (ac != 0)
		return usage_error("usage: upf counters");
	if ((rc = rpc_call(x, "stats.get", NULL, &res)) != EX_OK)
		return rc;
	doc = json_pack("{s:o,s:o,s:o}", "drops", upf_only(json_object_get(res, "drops"), false),
			"events", upf_only(json_object_get(res, "events"), false),
			"tables", upf_only(json_object_get(res, "tables"), true));
	json_decref(res);
	if (doc == NULL)
		sx_oom();
	if (x->json) {
		fmt_json(stdout, doc);
		json_decref(doc);
		return EX_OK;
	}
	fmt_kv_section("drops", json_object_get(doc, "drops"));
	printf("\n");
	fmt_kv_section("events", json_object_get(doc, "events"));
	printf("\ntables:\n");
	fmt_tbl_init(&t, "lrrr", thdr);
	json_object_foreach(json_object_get(doc, "tables"), k, v) {
		fmt_tbl_add(&t, sx_asprintf("%s", k));
		fmt_tbl_row(&t, v, tkeys);
	}
	fmt_tbl_print(&t, 2);
	json_decref(doc);
	return EX_OK;
}

/* upf pfcp: sxcd's PFCP endpoint (its services status): our node, the
 * SMFs associated and their sessions, what was established, modified,
 * deleted, reported and refused. */
static int
cmd_pfcp(struct sx_ctx *x, char **av, int ac)
{
	static const char *const hdr[] = { "SMF", "ADDRESS", "STATE", "INITIATED", "RECOVERY", "SESSIONS" };
	static const char *const keys[] = { "address", "state", "initiated", "recovery_ts", "sessions", NULL };
	json_t *res, *p, *a, *by;
	struct fmt_tbl t;
	size_t i;
	int rc;

	(void)av;
	if (ac != 0)
		return usage_error("usage: upf pfcp");
	if ((rc = api_get(x, "/api/v1/status", &res)) != EX_OK)
		return rc;
	p = json_object_get(json_object_get(res, "services"), "pfcp");
	if (x->json) {
		fmt_json(stdout, p ? p : json_null());
		json_decref(res);
		return EX_OK;
	}
	if (p == NULL) {
		printf("PFCP: off (sxcd --pfcp ADDR[:PORT])\n");
		json_decref(res);
		return EX_OK;
	}
	printf("PFCP node %s, recovery time stamp %" JSON_INTEGER_FORMAT ", UP function features %s\n",
	       json_string_value(json_object_get(p, "node_id")), json_integer_value(json_object_get(p, "recovery_ts")),
	       json_string_value(json_object_get(p, "up_features")) ?: "-");
	by = json_object_get(json_object_get(p, "sessions"), "by_node");
	fmt_tbl_init(&t, "llllrr", hdr);
	json_array_foreach(json_object_get(p, "associations"), i, a) {
		json_t *row = json_deep_copy(a);

		json_object_set_new(row, "sessions", json_integer(json_integer_value(
			json_object_get(by, json_string_value(json_object_get(a, "node_id")) ?: ""))));
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(a, "node_id")) ?: "?"));
		fmt_tbl_row(&t, row, keys);
		json_decref(row);
	}
	fmt_tbl_print(&t, 0);
	if (json_object_get(p, "sessions") != NULL) {
		printf("\n");
		fmt_kv_section("sessions", json_object_get(p, "sessions"));
	}
	json_decref(res);
	return EX_OK;
}

static int
cmd_upf(struct sx_ctx *x, char **av, int ac)
{
	static const struct {
		const char *name;
		feat_cmd_fn *fn;
	} subs[] = {
		{ "sessions", cmd_sessions }, { "interfaces", cmd_interfaces },
		{ "counters", cmd_counters }, { "pfcp", cmd_pfcp },
	};

	for (size_t i = 0; ac > 0 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(av[0], subs[i].name) == 0)
			return subs[i].fn(x, av + 1, ac - 1);
	return usage_error(ac > 0 ? "unknown 'upf %s'" : "missing what to show%s", ac > 0 ? av[0] : "");
}

/* its part of sxctl help */
#define UP_USAGE \
"UPF (what sxcd's upf intents and PFCP sessions wrote; read only):\n" \
"  upf sessions [ul|dl]        session entries: uplink by N3/N9 tunnel (ul),\n" \
"                              downlink by UE address or N9 tunnel (dl, dl6,\n" \
"                              dl-n9), with their default FAR, QER and URR\n" \
"  upf interfaces              the box's GTP-U endpoints (n3, n9) and N6\n" \
"                              addresses (upf_interfaces, upf_interfaces6)\n" \
"  upf counters                the UPF's drop reasons and events that are not\n" \
"                              zero, its tables' entries, hits and misses\n" \
"  upf pfcp                    sxcd's PFCP endpoint (from its API): the SMFs\n" \
"                              associated, their sessions, what was established,\n" \
"                              modified, deleted, reported and refused\n"

static const struct feat_cli up_cli = {
	.name = "upf",
	.rank = 4,
	.usage = UP_USAGE,
	.cmds = {
		{ "upf", cmd_upf, "*" },
	},
};
FEAT_CLI_REGISTER(up_cli)
