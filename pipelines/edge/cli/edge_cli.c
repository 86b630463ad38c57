/* SPDX-License-Identifier: BSD-3-Clause */
/* edge's sxctl commands: the connections across the slices' edges with their NAT44 translation, and the edge's per-worker tables, timeouts and drops. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "edge_names.h"
#include "edge_spec.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_usage.h"

/* A decimal in @min..@max, else -1. */
static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end != '\0' || v < min || v > max ? -1 : v;
}

/* ADDR:PORT; an ICMP query's source "ADDR id N" (its identifier stands
 * for the port), its destination ADDR alone */
static char *
endpoint(json_t *o, const char *addr, const char *port, bool icmp)
{
	const char *a = json_string_value(json_object_get(o, addr)) ?: "?";
	json_int_t p = json_integer_value(json_object_get(o, port));

	if (icmp)
		return strcmp(port, "dport") == 0 ? sx_asprintf("%s", a) : sx_asprintf("%s id %" JSON_INTEGER_FORMAT, a, p);
	return sx_asprintf("%s:%" JSON_INTEGER_FORMAT, a, p);
}

/* What the outside sees of the inside host: the pool's address and port
 * with NAT44, its own without; and the outside VRF. */
static char *
outside(json_t *o, bool icmp)
{
	char *e, *s;

	if (json_object_get(o, "src") == NULL)
		return sx_asprintf("-");
	e = endpoint(o, "src", "sport", icmp);
	s = sx_asprintf("%s (vrf %" JSON_INTEGER_FORMAT ")", e, json_integer_value(json_object_get(o, "vrf")));
	free(e);
	return s;
}

static void
conns_print(json_t *res)
{
	static const char *const hdr[] = { "VRF", "PROTO", "STATE", "DIR", "INSIDE", "REMOTE", "OUTSIDE",
					   "REPLIED", "PACKETS", "IDLE", "WORKER" };
	json_t *c, *rows = json_object_get(res, "connections");
	struct fmt_tbl t;
	char buf[24];
	size_t i;

	if (json_array_size(rows) == 0) {
		printf("no connection across a slice's edge\n");
		return;
	}
	fmt_tbl_init(&t, "rlllllllrrr", hdr);
	json_array_foreach(rows, i, c) {
		json_t *o = json_object_get(c, "outside");
		bool icmp = json_integer_value(json_object_get(c, "proto")) == 1;

		fmt_tbl_j(&t, c, "vrf");
		fmt_tbl_add(&t, sx_asprintf("%s", edge_spec_proto(json_integer_value(json_object_get(c, "proto")), buf,
								    sizeof(buf))));
		fmt_tbl_j(&t, c, "state");
		fmt_tbl_j(&t, c, "dir");
		fmt_tbl_add(&t, endpoint(c, "src", "sport", icmp));
		fmt_tbl_add(&t, endpoint(c, "dst", "dport", icmp));
		fmt_tbl_add(&t, outside(o, icmp));
		fmt_tbl_add(&t, sx_asprintf("%s", json_is_true(json_object_get(c, "replied")) ? "yes" : "no"));
		fmt_tbl_j(&t, c, "packets");
		fmt_tbl_add(&t, sx_asprintf("%.1fs", json_number_value(json_object_get(c, "idle_s"))));
		fmt_tbl_j(&t, c, "worker");
	}
	fmt_tbl_print(&t, 0);
	if (json_integer_value(json_object_get(res, "total")) > (json_int_t)json_array_size(rows))
		printf("(%zu of %" JSON_INTEGER_FORMAT " connections: limit N shows more)\n", json_array_size(rows),
		       json_integer_value(json_object_get(res, "total")));
}

/* edge connections [VRF] [limit N]: the word, as sxctl's --limit is the
 * generic paging option that the shell lets reach table show alone (taken
 * here too, should it let it through) */
static int
edge_conns(struct sx_ctx *x, char **av, int ac)
{
	json_t *params = json_object(), *res = NULL;
	long v;
	int rc;

	if (x->have_limit && x->limit <= 100000)
		json_object_set_new(params, "limit", json_integer((json_int_t)x->limit));
	for (int i = 1; i < ac; i++) {
		if (strcmp(av[i], "limit") == 0 && i + 1 < ac && (v = number(av[i + 1], 1, 100000)) > 0 &&
		    json_object_get(params, "limit") == NULL) {
			json_object_set_new(params, "limit", json_integer(v));
			i++;
		} else if ((v = number(av[i], 0, 4095)) >= 0 && json_object_get(params, "vrf") == NULL) {
			json_object_set_new(params, "vrf", json_integer(v));
		} else {
			json_decref(params);
			return usage_error("usage: edge connections [VRF] [limit N] (VRF 0..4095, N 1..100000)");
		}
	}
	if ((rc = rpc_call(x, "edge.connections", params, &res)) != EX_OK)
		return rc;
	if (x->json)
		fmt_json(stdout, res);
	else
		conns_print(res);
	json_decref(res);
	return EX_OK;
}

/* "TITLE: edge.REASON N ..." of the reasons that counted, else "none". */
static void
reasons_print(const char *title, json_t *counts)
{
	const char *k;
	json_t *v;
	int n = 0;

	printf("%s:", title);
	json_object_foreach(counts, k, v)
		if (json_integer_value(v) != 0 && ++n)
			printf(" edge.%s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("%s\n", n ? "" : " none");
}

static void
stats_print(json_t *s)
{
	static const char *const hdr[] = { "WORKER", "CONNECTIONS", "CAPACITY", "MAPPINGS", "HOSTS" };
	static const char *const keys[] = { "worker", "connections", "capacity", "mappings", "hosts", NULL };
	json_t *w, *v;
	struct fmt_tbl t;
	const char *k;
	size_t i;

	fmt_tbl_init(&t, "rrrrr", hdr);
	json_array_foreach(json_object_get(s, "workers"), i, w) {
		json_t *row = json_pack("{s:I}", "worker", (json_int_t)i);

		json_object_update(row, w);
		fmt_tbl_row(&t, row, keys);
		json_decref(row);
	}
	fmt_tbl_print(&t, 0);
	printf("timeouts (s):");
	json_object_foreach(json_object_get(s, "timeouts"), k, v)
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\n");
	reasons_print("drops", json_object_get(s, "drops"));
	reasons_print("events", json_object_get(s, "events"));
}

/* edge stats: edge.stats with the edge's drops and events by reason */
static int
edge_stats(struct sx_ctx *x, int ac)
{
	json_t *res = NULL, *st = NULL;
	int rc;

	if (ac != 1)
		return usage_error("usage: edge stats");
	if ((rc = rpc_call(x, "edge.stats", NULL, &res)) != EX_OK)
		return rc;
	if ((rc = rpc_call(x, "stats.get", NULL, &st)) != EX_OK) {
		json_decref(res);
		return rc;
	}
	json_object_set_new(res, "drops", edge_spec_reasons(json_object_get(st, "drops")));
	json_object_set_new(res, "events", edge_spec_reasons(json_object_get(st, "events")));
	if (x->json)
		fmt_json(stdout, res);
	else
		stats_print(res);
	json_decref(res);
	json_decref(st);
	return EX_OK;
}

static int
cmd_edge(struct sx_ctx *x, char **av, int ac)
{
	if (ac >= 1 && strcmp(av[0], "connections") == 0)
		return edge_conns(x, av, ac);
	if (ac >= 1 && strcmp(av[0], "stats") == 0)
		return edge_stats(x, ac);
	return usage_error("usage: edge connections [VRF] [limit N] | edge stats");
}

#define EDGE_USAGE \
"Slice edge (a slice's edge intent compiles to it: connection tracking, NAT44):\n" \
"  edge connections [VRF] [limit N]\n" \
"                              the connections across the slices' edges (a\n" \
"                              slice's alone with VRF; the first N, 1000):\n" \
"                              protocol, state, who opened it, the inside\n" \
"                              host's source and destination, what the\n" \
"                              outside sees of it (NAT44's pool address and\n" \
"                              port), replied, packets, idle time\n" \
"  edge stats                  per worker the connections held (and room),\n" \
"                              NAT44 mappings and hosts with port blocks; the\n" \
"                              timeouts in force; the edge's drops and events\n"

static const struct feat_cli edge_cli = {
	.name = "edge",
	.rank = 6,
	.usage = EDGE_USAGE,
	.cmds = {
		{ "edge", cmd_edge, "connections stats" },
	},
};
FEAT_CLI_REGISTER(edge_cli)
