/* SPDX-License-Identifier: BSD-3-Clause */
/* The switch's sxctl commands: their words to intents, their output, their help. */
/*
 * What a shortcut writes is compiled by the intent library (intent.h),
 * which sxcd shares, and written by sxctl's shortcut_run; here are the
 * words, how the switch's tables read back, and the switch's part of
 * sxctl help, registered with sxctl (sxctl_feat.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "intent.h"
#include "sw_intent.h"
#include "sw_names.h"
#include "sxctl_api.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_shortcut.h"
#include "sxctl_usage.h"

/* ---------------------------------------------------------------- output */

/* Like fmt_put(), with hex digits in lower case (the server prints MACs in
 * upper case). */
static void
put_mac(const char *pre, json_t *obj, const char *key, const char *post)
{
	char *t = fmt_get(obj, key), *c;

	for (c = t; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	printf("%s%s%s", pre, t, post);
	free(t);
}

/* "vrf 1 10.0.0.0/24 via 10.0.1.254 hits=12": the route add syntax. */
static void
route_line(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	const char *a = fmt_action(e);
	json_int_t i, n;
	char key[16];

	fmt_put("vrf ", m, "vrf", " ");
	fmt_put("", m, "dst", " ");
	if (strcmp(a, "via") == 0) {
		fmt_put("via ", p, "nh", "");
	} else if (strcmp(a, "ecmp") == 0) {
		printf("ecmp");
		n = json_integer_value(json_object_get(p, "n"));
		for (i = 0; i < n && i < 4; i++) {
			snprintf(key, sizeof(key), "nh%d", (int)i);
			fmt_put(" ", p, key, "");
		}
	} else if (strcmp(a, "connected") == 0) {
		fmt_put("connected bd ", p, "bd", "");
	} else {
		fmt_put_other(e);	/* local, drop, unreachable */
	}
	fmt_put(" hits=", e, "hits", "\n");
}

/* "bd 10 02:00:00:00:00:0a port p0 learned idle 3.2s hits 12". */
static void
fdb_line(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	json_t *idle = json_object_get(e, "idle_s");
	const char *a = fmt_action(e);

	fmt_put("bd ", m, "bd", " ");
	put_mac("", m, "mac", " ");
	if (strcmp(a, "forward") == 0)
		fmt_put("port ", p, "port", " static");
	else if (strcmp(a, "learned") == 0)
		fmt_put("port ", p, "port", " learned");
	else
		fmt_put_other(e);	/* route (an SVI's MAC), drop */
	if (json_is_number(idle))
		printf(" idle %.1fs", json_number_value(idle));
	fmt_put(" hits ", e, "hits", "\n");
}

/* "vrf 1 10.0.1.254 port p1 vlan 0 dmac .. smac .. static hits=3", or
 * "... tunnel 7 dmac .. smac .. learned ..." behind an overlay tunnel. */
static void
neigh_line(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	const char *a = fmt_action(e);
	bool learned = strcmp(a, "learned") == 0;

	fmt_put("vrf ", m, "vrf", " ");
	fmt_put("", m, "ip", " ");
	if (learned || strcmp(a, "rewrite") == 0) {
		fmt_put("port ", p, "port", " ");
		fmt_put("vlan ", p, "vlan", " ");
		put_mac("dmac ", p, "dmac", " ");
		put_mac("smac ", p, "smac", learned ? " learned" : " static");
	} else if (strcmp(a, "tunnel_learned") == 0) {   /* at a peer site */
		fmt_put("tunnel ", p, "tunnel", " ");
		put_mac("dmac ", p, "dmac", " ");
		put_mac("smac ", p, "smac", " learned");
	} else {
		fmt_put_other(e);	/* unresolved */
	}
	fmt_put(" hits=", e, "hits", "\n");
}

/* mac ageing: the timeout table.config set (0 turns ageing off) */
static void
ageing_line(json_t *res)
{
	fmt_put("", res, "table", " idle timeout ");
	fmt_put("", res, "idle_timeout_s", " s");
	/* 0 is not a timeout of zero seconds */
	fputs(json_is_false(json_object_get(res, "ageing")) ||
	      json_integer_value(json_object_get(res, "idle_timeout_s")) == 0 ?
	      " (ageing off: entries never age)\n" : "\n", stdout);
}


/* slice attach PORT [vlan V] slice S bd B [routed] | slice detach PORT [vlan V] */
static int
cmd_slice(struct sx_ctx *x, char **av, int ac)
{
	static const char *const spec[] = { "VLAN", "SLICE", "BD" };
	struct parse_opt o[] = { { "vlan", 1 }, { "slice", 1 }, { "bd", 1 }, { "routed", 0 } };
	bool attach = ac > 0 && strcmp(av[0], "attach") == 0;
	json_int_t val[3] = { 0, 0, 0 };
	struct sw_slice_arg a;
	struct intent it;
	int k, rc;

	if (!attach && (ac < 1 || strcmp(av[0], "detach") != 0))
		return usage_error("usage: slice attach|detach PORT ...");
	if (ac < 2 || av[1][0] == '\0')
		return usage_error("missing PORT");
	if ((rc = parse_options(av + 2, ac - 2, o, attach ? 4 : 1)) != EX_OK)
		return rc;
	for (k = 0; k < (attach ? 3 : 1); k++)
		if (o[k].val != NULL &&
		    (rc = parse_positional(o[k].val, 1, spec[k], &val[k])) != EX_OK)
			return rc;
	if (attach && (o[1].val == NULL || o[2].val == NULL))
		return usage_error("slice attach needs 'slice S' and 'bd B'");
	a = (struct sw_slice_arg){ .port = av[1], .vlan = val[0], .slice = val[1], .bd = val[2],
				   .how = attach && o[3].val != NULL ? SW_A_ROUTED : NULL };
	it = attach ? INTENT_OF(INTENT_SLICE_ATTACH, &a) : INTENT_OF(INTENT_SLICE_DETACH, &a);
	return shortcut_run(x, &it);
}

/* svi add SLICE BD MAC IP/PLEN | svi del SLICE BD [ipv6] */
static int
cmd_svi(struct sx_ctx *x, char **av, int ac)
{
	bool add = ac >= 1 && strcmp(av[0], "add") == 0;
	bool v6 = !add && ac == 4 && strcmp(av[3], "ipv6") == 0;
	json_int_t num[8];
	struct sw_svi_arg a;
	struct intent it;
	int rc;

	if (!add && (ac < 1 || strcmp(av[0], "del") != 0))
		return usage_error("usage: svi add|del SLICE BD ...");
	rc = parse_positional(av + 1, ac - 1 - v6, add ? "SLICE BD MAC IP/PLEN" : "SLICE BD", num);
	if (rc != EX_OK)
		return rc;
	a = (struct sw_svi_arg){ .slice = num[0], .bd = num[1], .mac = add ? av[3] : NULL,
				 .addr = add ? av[4] : NULL, .ipv6 = v6 };
	it = add ? INTENT_OF(INTENT_SVI_ADD, &a) : INTENT_OF(INTENT_SVI_DEL, &a);
	return shortcut_run(x, &it);
}

/* route learned SLICE: sxcd's /api/v1/routes/SLICE, what the slice's
 * twin learned (a routing suite's routes) and what became of each */
static int
route_learned(struct sx_ctx *x, const char *slice)
{
	static const char *const hdr[] = { "PREFIX", "ORIGIN", "METRIC", "VIA", "STATE", "WHY" };
	static const char *const keys[] = { "origin", "metric", "via", "state", "why", NULL };
	json_t *res, *r, *rt, *row, *v;
	struct fmt_tbl t;
	char *path, via[512];
	size_t i, j;
	int rc;

	path = sx_asprintf("/api/v1/routes/%s", slice);
	rc = api_get(x, path, &res);
	free(path);
	if (rc != EX_OK)
		return rc;
	if (x->json) {
		fmt_json(stdout, res);
		json_decref(res);
		return EX_OK;
	}
	rt = json_object_get(res, "routing");
	if (!json_is_object(rt)) {
		printf("slice %s has no routing (its spec's routing, and the site's host port)\n", slice);
		json_decref(res);
		return EX_OK;
	}
	printf("slice %s: twin %s in namespace %s (%s), import %s\n", slice,
	       json_string_value(json_object_get(rt, "device")) ?: "-", json_string_value(json_object_get(rt, "netns")) ?: "-",
	       json_string_value(json_object_get(rt, "twin")) ?: "-", json_is_true(json_object_get(rt, "import")) ? "on" : "off");
	fmt_tbl_init(&t, "lrrlll", hdr);
	json_array_foreach(json_object_get(res, "learned"), i, r) {
		via[0] = '\0';
		json_array_foreach(json_object_get(r, "via"), j, v)
			snprintf(via + strlen(via), sizeof(via) - strlen(via), "%s%s", j ? "," : "", json_string_value(v));
		row = json_deep_copy(r);
		json_object_set_new(row, "via", json_string(via[0] ? via : json_string_value(json_object_get(r, "action"))));
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(r, "prefix"))));
		fmt_tbl_row(&t, row, keys);
		json_decref(row);
	}
	fmt_tbl_print(&t, 0);
	if (json_is_true(json_object_get(res, "truncated")))
		printf("(the first %zu only)\n", json_array_size(json_object_get(res, "learned")));
	json_decref(res);
	return EX_OK;
}

/* route add VRF PREFIX via NH | ecmp NH1 NH2 [NH3 [NH4]] | drop,
 * route del VRF PREFIX, route show [VRF], route show6 [VRF]; an IPv6
 * PREFIX is an IPv6 route (routes6); route learned SLICE */
static int
cmd_route(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	struct sw_route_arg a;
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0 || strcmp(sub, "show6") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : shortcut_show(x, sub[4] ? INTENT_V_ROUTES6 : INTENT_V_ROUTES, num[0],
					   route_line);
	if (strcmp(sub, "learned") == 0)
		return ac == 2 ? route_learned(x, av[1]) : usage_error("usage: route learned SLICE");
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)
		return usage_error("usage: route add|del|show|show6|learned ...");
	if ((rc = parse_positional(av + 1, ac > 3 ? 2 : ac - 1, "VRF PREFIX", num)) != EX_OK)
		return rc;
	if (strcmp(sub, "del") == 0 && ac > 3)
		return usage_error("unexpected '%s'", av[3]);
	/* the next hops and how many of them: the library's to judge */
	a = (struct sw_route_arg){ .vrf = num[0], .prefix = av[2], .how = ac > 3 ? av[3] : "",
				   .nh = (const char *const *)av + 4, .n_nh = ac > 4 ? ac - 4 : 0 };
	it = sub[0] == 'a' ? INTENT_OF(INTENT_ROUTE_ADD, &a) : INTENT_OF(INTENT_ROUTE_DEL, &a);
	return shortcut_run(x, &it);
}

/* mac add BD MAC PORT | mac del BD MAC | mac show [BD] | mac ageing S */
static int
cmd_mac(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	struct sw_mac_arg a;
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[BD]", num)) != EX_OK ?
			rc : shortcut_show(x, INTENT_V_FDB, num[0], fdb_line);
	if (strcmp(sub, "ageing") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "SECONDS", num)) != EX_OK ?
			rc : rpc_simple(x, "table.config", sw_intent_ageing(num[0]), ageing_line);
	if (strcmp(sub, "add") == 0)
		rc = parse_positional(av + 1, ac - 1, "BD MAC PORT", num);
	else if (strcmp(sub, "del") == 0)
		rc = parse_positional(av + 1, ac - 1, "BD MAC", num);
	else
		return usage_error("usage: mac add|del|show|ageing ...");
	if (rc != EX_OK)
		return rc;
	a = (struct sw_mac_arg){ .bd = num[0], .mac = av[2], .port = sub[0] == 'a' ? av[3] : NULL };
	it = sub[0] == 'a' ? INTENT_OF(INTENT_MAC_ADD, &a) : INTENT_OF(INTENT_MAC_DEL, &a);
	return shortcut_run(x, &it);
}

/* neigh add VRF IP PORT VLAN DMAC SMAC | neigh del VRF IP | neigh show [VRF] |
 * neigh show6 [VRF]; an IPv6 IP is an IPv6 neighbour (neigh6) */
static int
cmd_neigh(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	bool add = strcmp(sub, "add") == 0;
	struct sw_neigh_arg a;
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0 || strcmp(sub, "show6") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : shortcut_show(x, sub[4] ? INTENT_V_NEIGH6 : INTENT_V_NEIGH, num[0],
					   neigh_line);
	if (add)
		rc = parse_positional(av + 1, ac - 1, "VRF IP PORT VLAN DMAC SMAC", num);
	else if (strcmp(sub, "del") == 0)
		rc = parse_positional(av + 1, ac - 1, "VRF IP", num);
	else
		return usage_error("usage: neigh add|del|show|show6 ...");
	if (rc != EX_OK)
		return rc;
	a = (struct sw_neigh_arg){ .vrf = num[0], .ip = av[2] };
	if (add) {
		a.port = av[3];
		a.vlan = num[3];
		a.dmac = av[5];
		a.smac = av[6];
	}
	it = add ? INTENT_OF(INTENT_NEIGH_ADD, &a) : INTENT_OF(INTENT_NEIGH_DEL, &a);
	return shortcut_run(x, &it);
}

/* its part of sxctl help */
#define SW_USAGE \
"Switch pipeline shortcuts (writes that touch several tables are one\n" \
"dataplane-atomic batch unless --atomicity says otherwise):\n" \
"  slice attach PORT [vlan V] slice S bd B [routed]\n" \
"                              PORT (VLAN V, default untagged) into slice S and\n" \
"                              bridge domain B: interfaces, bd_ports, flood;\n" \
"                              routed: a routed port straight into the slice's\n" \
"                              VRF (no learning, no fdb), B its own link, whose\n" \
"                              SVIs (svi add, the port's MAC) are its addresses\n" \
"  slice detach PORT [vlan V]  undo it (the flood entry goes when empty)\n" \
"  svi add SLICE BD MAC IP/PLEN\n" \
"                              gateway of BD: svi, fdb route, IP/32 local and\n" \
"                              the connected subnet in the slice's VRF; an IPv6\n" \
"                              IP/PLEN (PLEN 1..127): svi6, IP/128, routes6\n" \
"                              (the box also answers on fe80:: + EUI-64 of MAC)\n" \
"  svi del SLICE BD [ipv6]     undo it (the BD's IPv4 SVI, or its IPv6 one)\n" \
"  route add VRF PREFIX via NH\n" \
"  route add VRF PREFIX ecmp NH1 NH2 [NH3 [NH4]]\n" \
"                              an IPv6 PREFIX (routes6): IPv6 next hops, ecmp of 2\n" \
"  route add VRF PREFIX drop\n" \
"  route del VRF PREFIX\n" \
"  route show [VRF]\n" \
"  route show6 [VRF]           the IPv6 routes\n" \
"  route learned SLICE         what the slice's twin learned (FRR's routes, from\n" \
"                              sxcd: --api): origin, next hops, installed in\n" \
"                              sxdp, shadowed by an intent's, or why not\n" \
"  mac add BD MAC PORT         static forwarding entry\n" \
"  mac del BD MAC\n" \
"  mac show [BD]               learned and static MACs, idle time, hits\n" \
"  mac ageing SECONDS          idle timeout of learned MACs (0: never age)\n" \
"  neigh add VRF IP PORT VLAN DMAC SMAC\n" \
"                              static next hop: out PORT/VLAN, DMAC from SMAC\n" \
"                              (an IPv6 IP: neigh6)\n" \
"  neigh del VRF IP\n" \
"  neigh show [VRF]\n" \
"  neigh show6 [VRF]           IPv6 neighbours (static, learned by NDP)\n" \
"  (VRF = SLICE; PORT: name or index; VLAN 0 = untagged.)\n"

static const struct feat_cli sw_cli = {
	.name = "switch",
	.rank = 1,
	.usage = SW_USAGE,
	.cmds = {
		{ "slice", cmd_slice },
		{ "svi", cmd_svi },
		{ "route", cmd_route, "show6 learned" },
		{ "mac", cmd_mac, "ageing" },
		{ "neigh", cmd_neigh },
	},
};
FEAT_CLI_REGISTER(sw_cli)
