/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's sxctl commands: their words to the overlay's intents, their output, their help. */
/*
 * Here are the words only: their syntax, which word goes where. What each
 * writes, its limits and defaults (a probed path's timers) are the intent
 * library's, which sxcd shares; it refuses a malformed argument before
 * anything is sent, and sxctl reports that as a usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "intent.h"
#include "ov_intent.h"
#include "sw_intent.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_shortcut.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

/* the intent library's defaults, as the help says them */
#define STR_(x) #x
#define STR(x)	STR_(x)

/* ---------------------------------------------------------------- output */

static json_int_t
int_of(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* "tunnel 21 class 0 balance 1:1 2:3 hits=4": the policy set syntax (a
 * path 0 is no path; sla limits of 0 are none). */
static void
policy_line(json_t *e)
{
	static const char *const limits[][2] = { { "rtt_ms", "rtt" }, { "jitter_ms", "jitter" },
						 { "loss_pct", "loss" } };
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	const char *a = fmt_action(e);
	bool balance = strcmp(a, "balance") == 0;
	char key[4];

	fmt_put("tunnel ", m, "tunnel", " ");
	fmt_put("class ", m, "class", " ");
	if (!balance && strcmp(a, "failover") != 0 && strcmp(a, "sla") != 0) {
		fmt_put_other(e);
	} else {
		printf("%s", a);
		for (int i = 0; i < INTENT_POLICY_PATHS; i++) {
			snprintf(key, sizeof(key), "p%d", i);
			if (int_of(p, key) == 0)
				continue;
			fmt_put(" ", p, key, "");
			key[0] = 'w';
			if (balance)
				fmt_put(":", p, key, "");
		}
		for (size_t i = 0; i < 3; i++)
			if (int_of(p, limits[i][0]) != 0) {
				printf(" %s", limits[i][1]);
				fmt_put(" ", p, limits[i][0], "");
			}
		if (int_of(p, "copies") > 1)
			fmt_put(" copies ", p, "copies", "");
		if (int_of(p, "fec") == 1)
			printf(" fec adaptive");
		else if (int_of(p, "fec") > 1)
			fmt_put(" fec ", p, "fec", "");
	}
	fmt_put(" hits=", e, "hits", "\n");
}

/* tunnel show: one row per tunnel (ov_intent_tunnel_rows); ttl 0 and dscp 64
 * copy the inner packet's. */
static void
tunnels_table(json_t *rows)
{
	static const char *const hdr[] = { "ID", "TYPE", "SLICE", "VNI", "PATH", "TTL", "DSCP",
		"CSUM", "RMAC", "PEERS", "FLOOD", "HITS" };
	static const char *const k1[] = { "id", "type", "slice", "vni", "path", NULL };
	json_t *r;
	struct fmt_tbl t;
	size_t i;

	fmt_tbl_init(&t, "rlrrrrrlllrr", hdr);
	json_array_foreach(rows, i, r) {
		fmt_tbl_row(&t, r, k1);
		fmt_tbl_add(&t, int_of(r, "ttl") == INTENT_TTL_COPY ? sx_asprintf("copy") :
			fmt_get(r, "ttl"));
		fmt_tbl_add(&t, int_of(r, "dscp") == INTENT_DSCP_COPY ? sx_asprintf("copy") :
			fmt_get(r, "dscp"));
		fmt_tbl_add(&t, sx_asprintf("%s", int_of(r, "csum") ? "on" : "off"));
		fmt_tbl_j(&t, r, "rmac");
		fmt_tbl_j(&t, r, "peers");
		fmt_tbl_j(&t, r, "flood");
		fmt_tbl_j(&t, r, "hits");
	}
	fmt_tbl_print(&t, 0);
}

/* path show: one line per path; RTT and jitter in ms, loss in percent */
/* A probe figure of path p, key over div with digits after the point and
 * unit; "-" where the path measures none (a bfd path). */
static void
figure(struct fmt_tbl *t, json_t *p, const char *key, int digits, double div, const char *unit)
{
	json_t *v = json_object_get(p, key);

	fmt_tbl_add(t, v == NULL ? sx_asprintf("-") :
		       sx_asprintf("%.*f%s", digits, (double)json_integer_value(v) / div, unit));
}

static void
paths_table(json_t *res)
{
	static const char *const hdr[] = { "ID", "PROBE", "SRC", "DST", "STATE", "SINCE",
		"RTT", "JITTER", "LOSS", "PACKETS", "BYTES", "SENT", "LOST", "ENCRYPTION" };
	static const char *const k1[] = { "id", "probe", "src", "dst", "state", NULL };
	json_t *p;
	struct fmt_tbl t;
	size_t i;

	fmt_tbl_init(&t, "rllllrrrrrrrrl", hdr);
	json_array_foreach(res, i, p) {
		double ms = (double)json_integer_value(json_object_get(p, "since_ms"));

		fmt_tbl_row(&t, p, k1);
		fmt_tbl_add(&t, strcmp(json_string_value(json_object_get(p, "probe")) ?: "", "static") == 0 ?
			sx_asprintf("-") : sx_asprintf("%.1fs", ms / 1000));
		figure(&t, p, "rtt_us", 2, 1000.0, "ms");
		figure(&t, p, "jitter_us", 2, 1000.0, "ms");
		figure(&t, p, "loss_pm", 1, 10.0, "%");
		fmt_tbl_j(&t, p, "packets");
		fmt_tbl_j(&t, p, "bytes");
		fmt_tbl_j(&t, p, "probes_sent");
		fmt_tbl_j(&t, p, "probes_lost");
		fmt_tbl_j(&t, p, "encryption");
	}
	fmt_tbl_print(&t, 0);
}

/* sa show: one line per ESP SA or WireGuard session, never its key
 * (overlay.sa.list has none); what is left of its hard lifetime; a
 * session's endpoint, where its peer is now */
static void
sas_table(json_t *res)
{
	static const char *const hdr[] = { "ID", "DIR", "SPI", "CIPHER", "SRC", "DST", "PATH", "ACTIVE",
		"AGE", "EXPIRES", "PACKETS", "BYTES", "REPLAY", "AUTH", "MALFORMED", "ENDPOINT" };
	static const char *const k1[] = { "id", "dir", "spi", "cipher", "src", "dst", "path", NULL };
	json_t *p;
	struct fmt_tbl t;
	size_t i;

	fmt_tbl_init(&t, "rlrllllrrrrrrrrl", hdr);
	json_array_foreach(res, i, p) {
		fmt_tbl_row(&t, p, k1);
		fmt_tbl_add(&t, sx_asprintf("%s", json_is_true(json_object_get(p, "active")) ? "yes" : "no"));
		fmt_tbl_add(&t, sx_asprintf("%.1fs", (double)int_of(p, "age_ms") / 1000));
		fmt_tbl_add(&t, json_object_get(p, "expires_ms") == NULL ? sx_asprintf("-") :
			    int_of(p, "expires_ms") == 0 ? sx_asprintf("expired") :
			    sx_asprintf("%.1fs", (double)int_of(p, "expires_ms") / 1000));
		fmt_tbl_j(&t, p, "packets");
		fmt_tbl_j(&t, p, "bytes");
		fmt_tbl_j(&t, p, "replay");
		fmt_tbl_j(&t, p, "auth");
		fmt_tbl_j(&t, p, "malformed");
		{
			json_t *ep = json_object_get(p, "endpoint");
			const char *a = json_string_value(json_object_get(ep, "address")) ?: "?";

			/* an IPv6 address bracketed before its port (RFC 3986 3.2.2) */
			fmt_tbl_add(&t, ep == NULL ? sx_asprintf("-") :
				    sx_asprintf(strchr(a, ':') != NULL ? "[%s]:%lld" : "%s:%lld", a,
						(long long)int_of(ep, "port")));
		}
	}
	fmt_tbl_print(&t, 0);
}

/* add|del: which, else a usage error naming the forms. */
static int
add_or_del(char **av, int ac, const char *usage, bool *add)
{
	*add = ac > 0 && strcmp(av[0], "add") == 0;
	if (!*add && (ac < 1 || strcmp(av[0], "del") != 0))
		return usage_error("usage: %s", usage);
	return EX_OK;
}

/* "add|del N ...": which, and N, a number named @what, into *@n. */
static int
add_or_del_number(char **av, int ac, const char *usage, const char *what, json_int_t *n, bool *add)
{
	int rc = add_or_del(av, ac, usage, add);

	if (rc != EX_OK)
		return rc;
	if (ac < 2)
		return usage_error("missing %s", what);
	return parse_number(av[1], what, n);
}

/* The options given whose @what names a number (NULL: not one), into *@out[k]. */
static int
option_numbers(struct parse_opt *o, const char *const *what, size_t n, json_int_t **out)
{
	int rc;

	for (size_t k = 0; k < n; k++)
		if (what[k] != NULL && o[k].val != NULL &&
		    (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
			return rc;
	return EX_OK;
}

/* vtep add IP | vtep del IP */
static int
cmd_vtep(struct sx_ctx *x, char **av, int ac)
{
	struct ov_vtep_arg a = { 0 };
	struct intent it;
	json_int_t num[1];
	bool add;
	int rc;

	if ((rc = add_or_del(av, ac, "vtep add|del IP", &add)) != EX_OK ||
	    (rc = parse_positional(av + 1, ac - 1, "IP", num)) != EX_OK)
		return rc;
	a.ip = av[1];
	it = add ? INTENT_OF(INTENT_VTEP_ADD, &a) : INTENT_OF(INTENT_VTEP_DEL, &a);
	return shortcut_run(x, &it);
}

/* site add SITE endpoint IP | site del IP */
static int
cmd_site(struct sx_ctx *x, char **av, int ac)
{
	struct ov_site_arg a = { 0 };
	struct intent it;
	json_int_t num[1];
	bool add;
	int rc;

	if ((rc = add_or_del(av, ac, "site add SITE endpoint IP | site del IP", &add)) != EX_OK)
		return rc;
	if (!add) {
		if ((rc = parse_positional(av + 1, ac - 1, "IP", num)) != EX_OK)
			return rc;
		a.ip = av[1];
		it = INTENT_OF(INTENT_SITE_DEL, &a);
		return shortcut_run(x, &it);
	}
	if (ac < 2)
		return usage_error("missing SITE");
	if ((rc = parse_number(av[1], "SITE", &a.site)) != EX_OK)
		return rc;
	if (ac < 3 || strcmp(av[2], "endpoint") != 0)
		return usage_error("site add needs 'endpoint IP'");
	if ((rc = parse_positional(av + 3, ac - 3, "IP", num)) != EX_OK)
		return rc;
	a.ip = av[3];
	it = INTENT_OF(INTENT_SITE_ADD, &a);
	return shortcut_run(x, &it);
}

/* vni add VNI slice S bd B | vni add VNI slice S l3 | vni del VNI */
static int
cmd_vni(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "slice", 1 }, { "bd", 1 }, { "l3", 0 } };
	static const char *const what[] = { "SLICE", "BD", NULL };
	struct ov_vni_arg a = { 0 };
	struct intent it = INTENT_OF(INTENT_VNI_DEL, &a);
	json_int_t *out[] = { &a.slice, &a.bd, NULL };
	bool add;
	int rc;

	rc = add_or_del_number(av, ac, "vni add VNI slice S (bd B | l3) | vni del VNI", "VNI", &a.vni,
			       &add);
	if (rc != EX_OK)
		return rc;
	if (!add)
		return ac > 2 ? usage_error("unexpected '%s'", av[2]) : shortcut_run(x, &it);
	if ((rc = parse_options(av + 2, ac - 2, o, 3)) != EX_OK ||
	    (rc = option_numbers(o, what, 3, out)) != EX_OK)
		return rc;
	if (o[0].val == NULL || (o[1].val == NULL) == (o[2].val == NULL))
		return usage_error("vni add needs 'slice S' and one of 'bd B' or 'l3'");
	a.l3 = o[2].val != NULL;
	it = INTENT_OF(INTENT_VNI_ADD, &a);
	return shortcut_run(x, &it);
}

/* path add ID src IP dst IP gw IP vrf VRF [mtu N] [probe static|sxdp|icmp|bfd]
 * [interval MS] [down N] [up N] [hold MS] [sealed] | path del ID | path show */
static int
cmd_path(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "src", 1 }, { "dst", 1 }, { "gw", 1 }, { "vrf", 1 },
				 { "mtu", 1 }, { "probe", 1 }, { "interval", 1 }, { "down", 1 },
				 { "up", 1 }, { "sealed", 0 }, { "hold", 1 } };
	static const char *const what[] = { NULL, NULL, NULL, "VRF", "MTU", NULL, "MS", "N", "N", NULL, "MS" };
	struct ov_path_arg a = { 0 };
	struct intent it = INTENT_OF(INTENT_PATH_DEL, &a);
	json_int_t *out[] = { NULL, NULL, NULL, &a.vrf, &a.mtu, NULL, &a.interval_ms,
			      &a.down_after, &a.up_after, NULL, &a.hold_ms };
	bool add;
	int rc;

	if (ac == 1 && strcmp(av[0], "show") == 0)	/* every path and its live state */
		return rpc_simple(x, "overlay.paths", NULL, paths_table);
	rc = add_or_del_number(av, ac, "path add|del ID ... | path show", "ID", &a.id, &add);
	if (rc != EX_OK)
		return rc;
	if (!add)
		return ac > 2 ? usage_error("unexpected '%s'", av[2]) : shortcut_run(x, &it);
	if ((rc = parse_options(av + 2, ac - 2, o, 11)) != EX_OK ||
	    (rc = option_numbers(o, what, 11, out)) != EX_OK)
		return rc;
	if (!o[0].val || !o[1].val || !o[2].val || !o[3].val)
		return usage_error("path add needs 'src IP', 'dst IP', 'gw IP' and 'vrf VRF'");
	a.src = o[0].val[0];
	a.dst = o[1].val[0];
	a.gw = o[2].val[0];
	a.probe = o[5].val != NULL ? o[5].val[0] : NULL;
	a.sealed = o[9].val != NULL;
	it = INTENT_OF(INTENT_PATH_ADD, &a);
	return shortcut_run(x, &it);
}

/* ttl N|copy, dscp N|copy */
static int
number_or_copy(struct parse_opt *o, const char *what, json_int_t copy, json_int_t *out)
{
	if (o->val == NULL)
		return EX_OK;
	if (strcmp(o->val[0], "copy") == 0) {
		*out = copy;
		return EX_OK;
	}
	return parse_number(o->val[0], what, out);
}

/* tunnel show: the tunnels with their peers and the bridge domains that
 * flood into them. */
static int
tunnel_show(struct sx_ctx *x)
{
	static const unsigned int from[] = { INTENT_IN_TUNNELS, INTENT_IN_PEERS,
						  INTENT_IN_FLOOD, INTENT_IN_FLOOD_MORE };
	json_t *in[4] = { NULL }, *rows, *doc;
	int rc = EX_OK;

	for (size_t k = 0; k < 4 && rc == EX_OK; k++)
		rc = table_read_all(x, intent_input_table(from[k]), &in[k]);
	if (rc == EX_OK) {
		if ((rows = ov_intent_tunnel_rows(in[0], in[1], in[2], in[3])) == NULL)
			sx_oom();
		if (x->json) {
			doc = json_pack("{s:o}", "tunnels", rows);
			fmt_json(stdout, doc);
			json_decref(doc);
		} else {
			tunnels_table(rows);
			json_decref(rows);
		}
	}
	for (size_t k = 0; k < 4; k++)
		json_decref(in[k]);
	return rc;
}

/* tunnel add ID slice S vni V path P [geneve] [ttl N|copy] [dscp N|copy]
 * [csum] [rmac MAC] [peer IP ...] [flood BD] | tunnel del ID | tunnel show */
static int
cmd_tunnel(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "slice", 1 }, { "vni", 1 }, { "path", 1 }, { "geneve", 0 },
				 { "ttl", 1 }, { "dscp", 1 }, { "csum", 0 }, { "rmac", 1 },
				 { "peer", -1 }, { "flood", 1 } };
	static const char *const what[] = { "SLICE", "VNI", "PATH", NULL, NULL, NULL, NULL, NULL,
					    NULL, "BD" };
	struct ov_tunnel_arg a = { .ttl = INTENT_TTL, .flood = -1 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_DEL, &a);
	json_int_t *out[] = { &a.slice, &a.vni, &a.path, NULL, NULL, NULL, NULL, NULL, NULL,
			      &a.flood };
	bool add;
	int rc;

	if (ac == 1 && strcmp(av[0], "show") == 0)
		return tunnel_show(x);
	rc = add_or_del_number(av, ac, "tunnel add|del ID ... | tunnel show", "ID", &a.id, &add);
	if (rc != EX_OK)
		return rc;
	if (!add)
		return ac > 2 ? usage_error("unexpected '%s'", av[2]) : shortcut_run(x, &it);
	if ((rc = parse_options(av + 2, ac - 2, o, 10)) != EX_OK ||
	    (rc = option_numbers(o, what, 10, out)) != EX_OK ||
	    (rc = number_or_copy(&o[4], "TTL", INTENT_TTL_COPY, &a.ttl)) != EX_OK ||
	    (rc = number_or_copy(&o[5], "DSCP", INTENT_DSCP_COPY, &a.dscp)) != EX_OK)
		return rc;
	if (!o[0].val || !o[1].val || !o[2].val)
		return usage_error("tunnel add needs 'slice S', 'vni V' and 'path P' (0: its "
				   "policies only)");
	a.type = o[3].val != NULL ? "geneve" : "vxlan";
	a.csum = o[6].val != NULL;
	a.rmac = o[7].val != NULL ? o[7].val[0] : NULL;
	a.peers = (const char *const *)o[8].val;
	a.n_peers = o[8].n;
	it = INTENT_OF(INTENT_TUNNEL_ADD, &a);
	return shortcut_run(x, &it);
}

/* policy set TUNNEL CLASS failover|balance|sla P[:W] ... [rtt MS] [jitter MS]
 * [loss PCT] [copies N] [fec adaptive|K] | policy del TUNNEL CLASS | policy
 * show [TUNNEL] */
static int
cmd_policy(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "rtt", 1 }, { "jitter", 1 }, { "loss", 1 }, { "copies", 1 }, { "fec", 1 } };
	static const char *const what[] = { "MS", "MS", "PCT", "N" };
	struct ov_policy_arg a = { 0 };
	struct intent it = INTENT_OF(INTENT_POLICY_DEL, &a);
	json_int_t *out[] = { &a.rtt_ms, &a.jitter_ms, &a.loss_pct, &a.copies }, want = -1;
	const char *sub = ac > 0 ? av[0] : "";
	int i, rc;

	if (strcmp(sub, "show") == 0) {
		if (ac > 2)
			return usage_error("unexpected '%s'", av[2]);
		if (ac == 2 && (rc = parse_number(av[1], "TUNNEL", &want)) != EX_OK)
			return rc;
		return shortcut_show(x, INTENT_V_POLICIES, want, policy_line);
	}
	if (strcmp(sub, "set") != 0 && strcmp(sub, "del") != 0)
		return usage_error("usage: policy set|del|show ...");
	if (ac < 3)
		return usage_error(ac < 2 ? "missing TUNNEL" : "missing CLASS");
	if ((rc = parse_number(av[1], "TUNNEL", &a.tunnel)) != EX_OK ||
	    (rc = parse_number(av[2], "CLASS", &a.cls)) != EX_OK)
		return rc;
	if (sub[0] == 'd')
		return ac > 3 ? usage_error("unexpected '%s'", av[3]) : shortcut_run(x, &it);
	if (ac < 4)
		return usage_error("missing failover, balance or sla");
	it = INTENT_OF(INTENT_POLICY_SET, &a);
	a.how = av[3];
	/* the paths, up to the sla limits; how many and which is the library's to judge */
	for (i = 4; i < ac && strcmp(av[i], "rtt") != 0 && strcmp(av[i], "jitter") != 0 &&
		    strcmp(av[i], "loss") != 0 && strcmp(av[i], "copies") != 0 && strcmp(av[i], "fec") != 0;
	     i++, a.n_paths++)
		if (a.n_paths < INTENT_POLICY_PATHS &&
		    (rc = parse_number_pair(av[i], ':', "PATH", "weight", &a.paths[a.n_paths],
				      &a.weights[a.n_paths])) != EX_OK)
			return rc;
	if ((rc = parse_options(av + i, ac - i, o, 5)) != EX_OK ||
	    (rc = option_numbers(o, what, 4, out)) != EX_OK)
		return rc;
	if (o[4].val != NULL) {
		if (strcmp(o[4].val[0], "adaptive") == 0)
			a.fec = 1;
		else if ((rc = parse_number(o[4].val[0], "K", &a.fec)) != EX_OK)
			return rc;
		else if (a.fec < 2)
			return usage_error("fec: adaptive, or a block of 2..%d", INTENT_POLICY_FEC_MAX);
	}
	return shortcut_run(x, &it);
}

/* class add SLICE CLASS prio N [src PREFIX] [dst PREFIX] [proto N]
 * [sport A[-B]] [dport A[-B]] [dscp N] | class del SLICE CLASS [prio N] */
static int
cmd_class(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "prio", 1 }, { "src", 1 }, { "dst", 1 }, { "proto", 1 },
				 { "sport", 1 }, { "dport", 1 }, { "dscp", 1 } };
	static const char *const what[] = { "prio", NULL, NULL, "proto", NULL, NULL, "dscp" };
	struct ov_class_arg a = { 0 };
	struct intent it = INTENT_OF(INTENT_CLASS_DEL, &a);
	json_int_t *out[] = { &a.prio, NULL, NULL, &a.rule.proto, NULL, NULL, &a.rule.dscp };
	bool add;
	int rc;

	if ((rc = add_or_del(av, ac, "class add|del SLICE CLASS ...", &add)) != EX_OK)
		return rc;
	if (ac < 3)
		return usage_error(ac < 2 ? "missing SLICE" : "missing CLASS");
	if ((rc = parse_number(av[1], "SLICE", &a.slice)) != EX_OK ||
	    (rc = parse_number(av[2], "CLASS", &a.cls)) != EX_OK ||
	    (rc = parse_options(av + 3, ac - 3, o, add ? 7 : 1)) != EX_OK ||
	    (rc = option_numbers(o, what, add ? 7 : 1, out)) != EX_OK)
		return rc;
	if (add) {
		if (o[0].val == NULL)
			return usage_error("class add needs 'prio N' (>= 1, the larger wins)");
		if ((rc = parse_port_range(&o[4], a.rule.sport)) != EX_OK ||
		    (rc = parse_port_range(&o[5], a.rule.dport)) != EX_OK)
			return rc;
		it = INTENT_OF(INTENT_CLASS_ADD, &a);
		a.rule.src = o[1].val != NULL ? o[1].val[0] : NULL;
		a.rule.dst = o[2].val != NULL ? o[2].val[0] : NULL;
		a.rule.dscp_set = o[6].val != NULL;
		/* protocol 0 is none: 0 would mean any */
		if (o[3].val != NULL && a.rule.proto == 0)
			return usage_error("bad proto '0' (1..255)");
	}
	return shortcut_run(x, &it);
}

/* its part of sxctl help */
#define OV_USAGE \
"Overlay shortcuts (the same: one batch; an IPv4 or IPv6 underlay):\n" \
"  vtep add IP                 a local tunnel endpoint (vteps)\n" \
"  vtep del IP\n" \
"  site add SITE endpoint IP   IP is peer site SITE's: its probes are turned\n" \
"                              around (endpoints)\n" \
"  site del IP\n" \
"  vni add VNI slice S bd B    frames of VNI into slice S's bridge domain B (vnis)\n" \
"  vni add VNI slice S l3      packets of VNI into slice S's VRF\n" \
"  vni del VNI\n" \
"  path add ID src IP dst IP gw IP vrf VRF [mtu N] [probe static|sxdp|icmp|bfd]\n" \
"           [interval MS] [down N] [up N] [hold MS] [sealed]\n" \
"                              local VTEP src to far end dst via the underlay\n" \
"                              next hop gw in VRF (paths), all three of one\n" \
"                              family (an IPv6 gw may be link-local); mtu 0: the\n" \
"                              port's;\n" \
"                              static is always up, sxdp/icmp are probed every\n" \
"                              interval (" STR(INTENT_PROBE_INTERVAL_MS) ") ms, down after down (" \
	STR(INTENT_PROBE_DOWN) ") probes\n" \
"                              unanswered, up after up (" STR(INTENT_PROBE_UP) ") answers in a " \
	"row;\n" \
"                              bfd is up while its BFD session with dst is\n" \
"                              (RFC 5880/5881: any router's bfdd), interval its\n" \
"                              tx and rx intervals, down its detect multiplier;\n" \
"                              hold: a probed path that came up is taken only\n" \
"                              once up this long (a failback hold-down);\n" \
"                              sealed: never clear, before its first SA\n" \
"                              or WireGuard session too\n" \
"  path del ID\n" \
"  path show                   every path: state and since when, RTT, jitter and\n" \
"                              loss of its probes, packets and bytes it carried\n" \
"  tunnel add ID slice S vni V path P [geneve] [ttl N|copy] [dscp N|copy] [csum]\n" \
"           [rmac MAC] [peer IP ...] [flood BD]\n" \
"                              slice S's frames to a peer site over VXLAN (or\n" \
"                              GENEVE) on path P (0: its policies only); ttl " \
	STR(INTENT_TTL) ",\n" \
"                              dscp 0 and no UDP checksum unless told; rmac: the\n" \
"                              far end's router MAC (L3 VNI); each peer IP may\n" \
"                              send into the slice through it (peers); flood BD:\n" \
"                              BD's broadcasts get a copy too (a free t0..t7 of\n" \
"                              its flood entry, which must exist)\n" \
"  tunnel del ID               the tunnel, its peers and policies, its flood slots\n" \
"  tunnel show                 tunnels, their peers and the BDs flooding into them\n" \
"  policy set TUNNEL CLASS failover P0 [P1 [P2 [P3]]]\n" \
"                              the first path up (policies; class 0: the\n" \
"                              tunnel's classes without a policy of their own)\n" \
"  policy set TUNNEL CLASS balance P0:W0 [P1:W1 ...]\n" \
"                              by flow over the paths up, by weight\n" \
"  policy set TUNNEL CLASS sla P0 [P1 ...] [rtt MS] [jitter MS] [loss PCT]\n" \
"                              the first path up within the limits, else the\n" \
"                              first up; set replaces the class's policy\n" \
"  policy set ... [copies N] [fec adaptive|K]\n" \
"                              loss repair (the far end an sxdp): every frame on\n" \
"                              N paths at once (2..4, the one picked then the\n" \
"                              next up); an XOR parity after every K frames\n" \
"                              (2..16; adaptive: by the path's loss)\n" \
"  policy del TUNNEL CLASS\n" \
"  policy show [TUNNEL]\n" \
"  class add SLICE CLASS prio N [src PREFIX] [dst PREFIX] [proto N] [sport A[-B]]\n" \
"            [dport A[-B]] [dscp N]\n" \
"                              inner packets of the slice that match all of these\n" \
"                              are of CLASS (classes; the larger prio wins); src\n" \
"                              and dst IPv4 or IPv6, of one family: the rule then\n" \
"                              matches that family only (neither: both)\n" \
"  class del SLICE CLASS [prio N]\n" \
"                              the class's rules in the slice (or the one at N)\n" \
"  app add SLICE APP class CLASS\n" \
"                              the slice's flows nDPI names APP (a name of app\n" \
"                              list, any case) are of CLASS, over the rules\n" \
"                              (app_classes)\n" \
"  app del SLICE APP\n" \
"  app show [SLICE]\n" \
"  app list                    the applications nDPI names, with their ids\n" \
"  sa show                     the ESP SAs and WireGuard sessions: SPI or index,\n" \
"                              cipher, ends, path, counters, a session's endpoint\n" \
"                              (never a key: sxcd keys them)\n" \
"  sa del ID                   an SA (its path falls back to the one before)\n"

/* sa show | sa del ID: the SAs the control plane keyed (sxcd adds
 * them: a key never goes on a command line) */
static int
cmd_sa(struct sx_ctx *x, char **av, int ac)
{
	json_int_t id;
	int rc;

	if (ac == 1 && strcmp(av[0], "show") == 0)
		return rpc_simple(x, "overlay.sa.list", NULL, sas_table);
	if (ac != 2 || strcmp(av[0], "del") != 0)
		return usage_error("usage: sa show | sa del ID");
	if ((rc = parse_number(av[1], "ID", &id)) != EX_OK)
		return rc;
	return rpc_simple(x, "overlay.sa.del", json_pack("{s:I}", "id", id), NULL);
}

/* "slice 1 app DNS (5) class 3 hits=4" */
static void
app_line(json_t *e)
{
	json_t *m = json_object_get(e, "match");
	const char *name = ov_intent_app_name((unsigned int)int_of(m, "app"));

	fmt_put("slice ", m, "slice", " ");
	printf("app %s (%lld)", name != NULL ? name : "?", (long long)int_of(m, "app"));
	if (strcmp(fmt_action(e), "class") == 0)
		fmt_put(" class ", json_object_get(e, "params"), "class", "");
	else
		fmt_put_other(e);
	fmt_put(" hits=", e, "hits", "\n");
}

/* app add SLICE APP class CLASS | app del SLICE APP | app show [SLICE] | app list */
static int
cmd_app(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "class", 1 } };
	static const char *const what[] = { "CLASS" };
	struct ov_app_arg a = { 0 };
	struct intent it = INTENT_OF(INTENT_APP_DEL, &a);
	json_int_t *out[] = { &a.cls }, want = -1;
	const char *sub = ac > 0 ? av[0] : "";
	int rc;

	if (strcmp(sub, "list") == 0) {   /* the names nDPI gives, as this sxctl knows them */
		if (ac > 1)
			return usage_error("unexpected '%s'", av[1]);
		for (unsigned int id = 1; id <= 0x7fff; id++)
			if (ov_intent_app_name(id) != NULL)
				printf("%u %s\n", id, ov_intent_app_name(id));
		return EX_OK;
	}
	if (strcmp(sub, "show") == 0) {
		if (ac > 2)
			return usage_error("unexpected '%s'", av[2]);
		if (ac == 2 && (rc = parse_number(av[1], "SLICE", &want)) != EX_OK)
			return rc;
		return shortcut_show(x, INTENT_V_APPS, want, app_line);
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)
		return usage_error("usage: app add|del|show|list ...");
	if (ac < 3)
		return usage_error(ac < 2 ? "missing SLICE" : "missing APP");
	if ((rc = parse_number(av[1], "SLICE", &a.slice)) != EX_OK)
		return rc;
	a.app = av[2];
	if (sub[0] == 'd')
		return ac > 3 ? usage_error("unexpected '%s'", av[3]) : shortcut_run(x, &it);
	if ((rc = parse_options(av + 3, ac - 3, o, 1)) != EX_OK || (rc = option_numbers(o, what, 1, out)) != EX_OK)
		return rc;
	if (o[0].val == NULL)
		return usage_error("app add needs 'class CLASS'");
	it = INTENT_OF(INTENT_APP_ADD, &a);
	return shortcut_run(x, &it);
}

static const struct feat_cli ov_cli = {
	.name = "overlay",
	.rank = 2,
	.usage = OV_USAGE,
	.cmds = {
		{ "vtep", cmd_vtep },
		{ "site", cmd_site },
		{ "vni", cmd_vni },
		{ "path", cmd_path },
		{ "tunnel", cmd_tunnel },
		{ "policy", cmd_policy },
		{ "class", cmd_class },
		{ "app", cmd_app },
		{ "sa", cmd_sa },
	},
};
FEAT_CLI_REGISTER(ov_cli)
