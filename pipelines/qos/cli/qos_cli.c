/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's sxctl commands: their words to the qos intents (meters, VDNs), their output, their help. */
/*
 * The words only; what each writes and its limits are the intent
 * library's, which sxcd shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "intent.h"
#include "qos_intent.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_shortcut.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

static const char *const color_words[] = { "green", "yellow", "red" };
static const char *const charge_words[] = { "l2", "fcs", "wire", "ip" };

/* ---------------------------------------------------------------- output */

/* meter show: one line per meter, packets and bytes per color */
static void
meters_table(json_t *res)
{
	static const char *const hdr[] = { "ID", "TYPE", "GREEN", "BYTES", "YELLOW", "BYTES", "RED", "BYTES" };
	static const char *const k1[] = { "id", "type", NULL };
	json_t *m;
	struct fmt_tbl t;
	size_t i;

	fmt_tbl_init(&t, "rlrrrrrr", hdr);
	json_array_foreach(res, i, m) {
		fmt_tbl_row(&t, m, k1);
		for (int c = 0; c < 3; c++) {
			fmt_tbl_j(&t, json_object_get(m, color_words[c]), "packets");
			fmt_tbl_j(&t, json_object_get(m, color_words[c]), "bytes");
		}
	}
	fmt_tbl_print(&t, 0);
}

/* sched show: per port, one line per subport and traffic class, then per pipe */
static void
sched_table(json_t *res)
{
	static const char *const sh[] = { "SUBPORT", "SLICE", "TC", "PACKETS", "BYTES", "DROPS" };
	static const char *const ph[] = { "SLICE", "PIPE", "PACKETS", "BYTES", "DROPS" };
	static const char *const pk[] = { "slice", "pipe", "packets", "bytes", "drops", NULL };
	json_t *port, *s, *tc, *p;
	size_t i, j, k;
	struct fmt_tbl t;

	json_array_foreach(res, i, port) {
		printf("port %s: %.3f Mbit/s, %" JSON_INTEGER_FORMAT " queued\n",
		       json_string_value(json_object_get(port, "port")) ?: "?",
		       (double)json_integer_value(json_object_get(port, "rate_bps")) / 1e6,
		       json_integer_value(json_object_get(port, "queued")));
		fmt_tbl_init(&t, "rrrrrr", sh);
		json_array_foreach(json_object_get(port, "subports"), j, s)
			json_array_foreach(json_object_get(s, "tcs"), k, tc) {
				fmt_tbl_j(&t, s, "subport");
				fmt_tbl_j(&t, s, "slice");
				fmt_tbl_j(&t, tc, "tc");
				fmt_tbl_j(&t, tc, "packets");
				fmt_tbl_j(&t, tc, "bytes");
				fmt_tbl_j(&t, tc, "drops");
			}
		fmt_tbl_print(&t, 2);
		fmt_tbl_init(&t, "rrrrr", ph);
		json_array_foreach(json_object_get(port, "pipes"), j, p)
			fmt_tbl_row(&t, p, pk);
		fmt_tbl_print(&t, 2);
	}
}

/* vdn show: its class, what its meter passed (rate over the sampling
 * interval), conformance (green of all it saw), its pipe's counters */
static void
vdns_table(json_t *rows)
{
	static const char *const hdr[] = { "ID", "SLICE", "PRIO", "RATE", "GREEN", "YELLOW", "RED",
					   "CONFORM", "SENT", "DROPS" };
	json_t *r;
	struct fmt_tbl t;
	size_t i;

	fmt_tbl_init(&t, "rrrrrrrrrr", hdr);
	json_array_foreach(rows, i, r) {
		json_int_t n[3], all = 0;

		for (int c = 0; c < 3; c++)
			all += n[c] = json_integer_value(json_object_get(json_object_get(r, color_words[c]), "packets"));
		fmt_tbl_j(&t, r, "id");
		fmt_tbl_j(&t, r, "slice");
		fmt_tbl_j(&t, r, "priority");
		fmt_tbl_add(&t, sx_asprintf("%.3fMbit/s", (double)json_integer_value(json_object_get(r, "rate_bps")) / 1e6));
		for (int c = 0; c < 3; c++)
			fmt_tbl_add(&t, sx_asprintf("%" JSON_INTEGER_FORMAT, n[c]));
		fmt_tbl_add(&t, all ? sx_asprintf("%.1f%%", 100.0 * (double)n[0] / (double)all) : sx_asprintf("-"));
		fmt_tbl_j(&t, r, "sent");
		fmt_tbl_j(&t, r, "drops");
	}
	fmt_tbl_print(&t, 0);
}

static int
word_index(const char *w, const char *const *words, int n, const char *what, json_int_t *out)
{
	for (int i = 0; i < n; i++)
		if (strcmp(w, words[i]) == 0) {
			*out = i;
			return EX_OK;
		}
	return usage_error("bad %s '%s'", what, w);
}

/* meter add ID srtcm|trtcm|rfc4115 cir BPS cbs B [eir|pir BPS] [ebs|pbs B]
 * [aware] [charge l2|fcs|wire|ip] | meter del ID
 * | meter color ID green|yellow|red pass|drop|remark [dscp N] [pcp N] | meter show */
static int
cmd_meter(struct sx_ctx *x, char **av, int ac)
{
	struct qos_meter_arg m = { 0 };
	struct intent it = INTENT_OF(INTENT_METER_DEL, &m);
	int rc;

	if (ac == 1 && strcmp(av[0], "show") == 0)
		return rpc_simple(x, "qos.meters", NULL, meters_table);
	if (ac < 2)
		return usage_error("usage: meter add|del|color ID ... | meter show");
	if ((rc = parse_number(av[1], "ID", &m.id)) != EX_OK)
		return rc;
	if (strcmp(av[0], "del") == 0)
		return ac > 2 ? usage_error("unexpected '%s'", av[2]) : shortcut_run(x, &it);
	if (strcmp(av[0], "color") == 0) {
		struct qos_color_arg col = { .meter = m.id, .dscp = INTENT_DSCP_KEEP, .pcp = INTENT_PCP_KEEP };
		struct parse_opt o[] = { { "dscp", 1 }, { "pcp", 1 } };
		json_int_t *out[] = { &col.dscp, &col.pcp };
		static const char *const what[] = { "dscp", "pcp" };

		if (ac < 4)
			return usage_error("usage: meter color ID green|yellow|red pass|drop|remark [dscp N] [pcp N]");
		col.how = av[3];
		if ((rc = word_index(av[2], color_words, 3, "color", &col.color)) != EX_OK ||
		    (rc = parse_options(av + 4, ac - 4, o, 2)) != EX_OK)
			return rc;
		for (int k = 0; k < 2; k++)
			if (o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
				return rc;
		it = INTENT_OF(INTENT_METER_COLOR, &col);
		return shortcut_run(x, &it);
	}
	if (strcmp(av[0], "add") != 0 || ac < 3)
		return usage_error("usage: meter add ID srtcm|trtcm|rfc4115 cir BPS cbs B ...");
	{
		struct parse_opt o[] = { { "cir", 1 }, { "cbs", 1 }, { "eir", 1 }, { "pir", 1 },
					 { "ebs", 1 }, { "pbs", 1 }, { "aware", 0 }, { "charge", 1 } };
		json_int_t *out[] = { &m.cir, &m.cbs, &m.eir, &m.pir, &m.ebs, &m.pbs };
		static const char *const what[] = { "cir", "cbs", "eir", "pir", "ebs", "pbs" };

		m.type = av[2];
		if ((rc = parse_options(av + 3, ac - 3, o, 8)) != EX_OK)
			return rc;
		for (int k = 0; k < 6; k++)
			if (o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
				return rc;
		if (o[0].val == NULL || o[1].val == NULL)
			return usage_error("meter add needs 'cir BPS' and 'cbs BYTES'");
		m.aware = o[6].val != NULL;
		if (o[7].val != NULL && (rc = word_index(o[7].val[0], charge_words, 4, "charge", &m.charge)) != EX_OK)
			return rc;
		it = INTENT_OF(INTENT_METER_ADD, &m);
		return shortcut_run(x, &it);
	}
}

/* vdn show: each VDN's class, its meter's colors and its pipe's counters,
 * with the rate it passed over @interval_ms (two reads). */
static int
vdn_rows(struct sx_ctx *x, json_t **rows)
{
	json_t *vdns = NULL, *meters = NULL, *sched = NULL;
	int rc;

	if ((rc = table_read_all(x, intent_input_table(INTENT_IN_VDNS), &vdns)) == EX_OK &&
	    (rc = rpc_call(x, "qos.meters", NULL, &meters)) == EX_OK &&
	    (rc = rpc_call(x, "qos.sched", NULL, &sched)) == EX_OK &&
	    (*rows = qos_intent_vdn_rows(vdns, meters, sched)) == NULL)
		sx_oom();
	json_decref(vdns);
	json_decref(meters);
	json_decref(sched);
	return rc;
}

static int
vdn_show(struct sx_ctx *x, json_int_t interval_ms)
{
	json_t *a = NULL, *b = NULL, *r;
	size_t i;
	int rc;

	if ((rc = vdn_rows(x, &a)) != EX_OK)
		return rc;
	usleep((useconds_t)interval_ms * 1000);
	if ((rc = vdn_rows(x, &b)) != EX_OK) {
		json_decref(a);
		return rc;
	}
	json_array_foreach(b, i, r) {
		json_t *was = json_array_get(a, i);
		json_int_t d = 0;

		if (was != NULL && json_integer_value(json_object_get(was, "id")) ==
				   json_integer_value(json_object_get(r, "id")))
			for (int c = 0; c < 2; c++)   /* what it let through: green and yellow */
				d += json_integer_value(json_object_get(json_object_get(r, color_words[c]), "bytes")) -
				     json_integer_value(json_object_get(json_object_get(was, color_words[c]), "bytes"));
		json_object_set_new(r, "rate_bps", json_integer(interval_ms ? d * 8 * 1000 / interval_ms : 0));
	}
	json_decref(a);
	if (x->json) {
		json_t *doc = json_pack("{s:o}", "vdns", b);

		fmt_json(stdout, doc);
		json_decref(doc);
	} else {
		vdns_table(b);
		json_decref(b);
	}
	return EX_OK;
}

/* vdn add ID slice S port P rate BPS [peak BPS] [prio N] [src PREFIX]
 * [dst PREFIX] [proto N] [sport A[-B]] [dport A[-B]] [dscp N]
 * | vdn del ID slice S port P | vdn show [interval MS] */
static int
cmd_vdn(struct sx_ctx *x, char **av, int ac)
{
	struct parse_opt o[] = { { "slice", 1 }, { "port", 1 }, { "rate", 1 }, { "peak", 1 },
				 { "prio", 1 }, { "proto", 1 }, { "dscp", 1 }, { "src", 1 },
				 { "dst", 1 }, { "sport", 1 }, { "dport", 1 } };
	static const char *const what[] = { "slice", NULL, "rate", "peak", "prio", "proto", "dscp" };
	struct qos_vdn_arg v = { .prio = 1 };
	struct intent it = INTENT_OF(INTENT_VDN_DEL, &v);
	json_int_t *out[] = { &v.slice, NULL, &v.cir, &v.pir, &v.prio, &v.rule.proto, &v.rule.dscp };
	bool add;
	int rc;

	if (ac >= 1 && strcmp(av[0], "show") == 0) {
		struct parse_opt so[] = { { "interval", 1 } };
		json_int_t ms = 1000;

		if ((rc = parse_options(av + 1, ac - 1, so, 1)) != EX_OK ||
		    (so[0].val != NULL && (rc = parse_number(so[0].val[0], "MS", &ms)) != EX_OK))
			return rc;
		return vdn_show(x, ms);
	}
	add = ac > 0 && strcmp(av[0], "add") == 0;
	if (!add && (ac < 1 || strcmp(av[0], "del") != 0))
		return usage_error("usage: vdn add|del ID ... | vdn show [interval MS]");
	if (ac < 2)
		return usage_error("missing ID");
	if ((rc = parse_number(av[1], "ID", &v.id)) != EX_OK ||
	    (rc = parse_options(av + 2, ac - 2, o, add ? 11 : 2)) != EX_OK)
		return rc;
	for (int k = 0; k < 7; k++)
		if (what[k] != NULL && o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
			return rc;
	if (o[0].val == NULL || o[1].val == NULL)
		return usage_error("vdn %s needs 'slice S' and 'port P'", av[0]);
	v.port = o[1].val[0];
	if (add) {
		if (o[2].val == NULL)
			return usage_error("vdn add needs 'rate BPS' (its guarantee)");
		if ((rc = parse_port_range(&o[9], v.rule.sport)) != EX_OK ||
		    (rc = parse_port_range(&o[10], v.rule.dport)) != EX_OK)
			return rc;
		it = INTENT_OF(INTENT_VDN_ADD, &v);
		v.rule.src = o[7].val != NULL ? o[7].val[0] : NULL;
		v.rule.dst = o[8].val != NULL ? o[8].val[0] : NULL;
		v.rule.dscp_set = o[6].val != NULL;
		if (o[5].val != NULL && v.rule.proto == 0)
			return usage_error("bad proto '0' (1..255)");
	}
	return shortcut_run(x, &it);
}

/* sched show: every egress scheduler's counters */
static int
cmd_sched(struct sx_ctx *x, char **av, int ac)
{
	if (ac != 1 || strcmp(av[0], "show") != 0)
		return usage_error("usage: sched show");
	return rpc_simple(x, "qos.sched", NULL, sched_table);
}

/* its part of sxctl help */
#define QOS_USAGE \
"QoS shortcuts (rates in bit/s, bursts in bytes):\n" \
"  meter add ID srtcm|trtcm|rfc4115 cir BPS cbs B [eir|pir BPS] [ebs|pbs B]\n" \
"            [aware] [charge l2|fcs|wire|ip]\n" \
"                              a meter (meters): srtcm cir/cbs/ebs, trtcm\n" \
"                              cir/cbs/pir/pbs, rfc4115 cir/cbs/eir/ebs; aware:\n" \
"                              color-aware; charge: the frame (l2, default),\n" \
"                              with FCS, on the wire (+24), or the IP packet\n" \
"  meter color ID green|yellow|red pass|drop|remark [dscp N] [pcp N]\n" \
"                              what the color gets (meter_colors; without: red\n" \
"                              drops); remark keeps what it is not told\n" \
"  meter del ID                the meter and its color policies\n" \
"  meter show                  every meter: packets and bytes per color\n" \
"  vdn add ID slice S port P rate BPS [peak BPS] [prio N] [src PREFIX]\n" \
"          [dst PREFIX] [proto N] [sport A[-B]] [dport A[-B]] [dscp N]\n" \
"                              a VDN of slice S, in one batch: its class (vdns;\n" \
"                              src and dst IPv4 or IPv6, of one family),\n" \
"                              meter ID (RFC 4115: rate committed, up to peak in\n" \
"                              excess, the rest dropped) and pipe ID on port P's\n" \
"                              scheduler (sched_pipes: rate guaranteed)\n" \
"  vdn del ID slice S port P   the VDN's class entries, pipe and meter\n" \
"  vdn show [interval MS]      every VDN: the rate it passed over MS (1000),\n" \
"                              its meter's colors, conformance, its pipe's\n" \
"                              packets and drops\n" \
"  sched show                  every egress scheduler: per subport (slice) and\n" \
"                              traffic class, and per pipe: packets, bytes, drops\n"

static const struct feat_cli qos_cli = {
	.name = "qos",
	.rank = 3,
	.usage = QOS_USAGE,
	.cmds = {
		{ "meter", cmd_meter },
		{ "vdn", cmd_vdn },
		{ "sched", cmd_sched },
	},
};
FEAT_CLI_REGISTER(qos_cli)
