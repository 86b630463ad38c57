/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl QoS shortcuts: their words to the qos intents (meters, VDNs), and their output. */
/*
 * The words only; what each writes and its limits are the intent
 * library's (intent_qos.c), which sxcd shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "intent.h"
#include "sxctl.h"

static const char *const color_words[] = { "green", "yellow", "red" };
static const char *const charge_words[] = { "l2", "fcs", "wire", "ip" };

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
	struct intent it = { .kind = INTENT_METER_DEL };
	int rc;

	if (ac == 1 && strcmp(av[0], "show") == 0)
		return sx_simple(x, "qos.meters", NULL, fmt_meters);
	if (ac < 2)
		return usage_error("usage: meter add|del|color ID ... | meter show");
	if ((rc = parse_number(av[1], "ID", &it.id)) != EX_OK)
		return rc;
	if (strcmp(av[0], "del") == 0)
		return ac > 2 ? usage_error("unexpected '%s'", av[2]) : shortcut_run(x, &it);
	if (strcmp(av[0], "color") == 0) {
		struct parse_opt o[] = { { "dscp", 1 }, { "pcp", 1 } };
		json_int_t *out[] = { &it.dscp, &it.pcp };
		static const char *const what[] = { "dscp", "pcp" };

		if (ac < 4)
			return usage_error("usage: meter color ID green|yellow|red pass|drop|remark [dscp N] [pcp N]");
		it.kind = INTENT_METER_COLOR;
		it.how = av[3];
		it.dscp = INTENT_DSCP_KEEP;
		it.pcp = INTENT_PCP_KEEP;
		if ((rc = word_index(av[2], color_words, 3, "color", &it.color)) != EX_OK ||
		    (rc = parse_options(av + 4, ac - 4, o, 2)) != EX_OK)
			return rc;
		for (int k = 0; k < 2; k++)
			if (o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
				return rc;
		return shortcut_run(x, &it);
	}
	if (strcmp(av[0], "add") != 0 || ac < 3)
		return usage_error("usage: meter add ID srtcm|trtcm|rfc4115 cir BPS cbs B ...");
	{
		struct parse_opt o[] = { { "cir", 1 }, { "cbs", 1 }, { "eir", 1 }, { "pir", 1 },
					 { "ebs", 1 }, { "pbs", 1 }, { "aware", 0 }, { "charge", 1 } };
		json_int_t *out[] = { &it.rate, &it.burst, &it.peak, &it.peak, &it.ebs, &it.ebs };
		static const char *const what[] = { "cir", "cbs", "eir", "pir", "ebs", "pbs" };

		it.kind = INTENT_METER_ADD;
		it.how = av[2];
		if ((rc = parse_options(av + 3, ac - 3, o, 8)) != EX_OK)
			return rc;
		for (int k = 0; k < 6; k++)
			if (o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
				return rc;
		if (o[0].val == NULL || o[1].val == NULL)
			return usage_error("meter add needs 'cir BPS' and 'cbs BYTES'");
		it.aware = o[6].val != NULL;
		if (o[7].val != NULL && (rc = word_index(o[7].val[0], charge_words, 4, "charge", &it.charge)) != EX_OK)
			return rc;
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
	    (rc = sx_call(x, "qos.meters", NULL, &meters)) == EX_OK &&
	    (rc = sx_call(x, "qos.sched", NULL, &sched)) == EX_OK &&
	    (*rows = intent_vdn_rows(vdns, meters, sched)) == NULL)
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
		fmt_vdns(b);
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
	struct intent it = { .kind = INTENT_VDN_DEL, .prio = 1 };
	json_int_t *out[] = { &it.slice, NULL, &it.rate, &it.peak, &it.prio, &it.rule.proto, &it.rule.dscp };
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
	if ((rc = parse_number(av[1], "ID", &it.id)) != EX_OK ||
	    (rc = parse_options(av + 2, ac - 2, o, add ? 11 : 2)) != EX_OK)
		return rc;
	for (int k = 0; k < 7; k++)
		if (what[k] != NULL && o[k].val != NULL && (rc = parse_number(o[k].val[0], what[k], out[k])) != EX_OK)
			return rc;
	if (o[0].val == NULL || o[1].val == NULL)
		return usage_error("vdn %s needs 'slice S' and 'port P'", av[0]);
	it.port = o[1].val[0];
	if (add) {
		if (o[2].val == NULL)
			return usage_error("vdn add needs 'rate BPS' (its guarantee)");
		if ((rc = parse_port_range(&o[9], it.rule.sport)) != EX_OK ||
		    (rc = parse_port_range(&o[10], it.rule.dport)) != EX_OK)
			return rc;
		it.kind = INTENT_VDN_ADD;
		it.rule.src = o[7].val != NULL ? o[7].val[0] : NULL;
		it.rule.dst = o[8].val != NULL ? o[8].val[0] : NULL;
		it.rule.dscp_set = o[6].val != NULL;
		if (o[5].val != NULL && it.rule.proto == 0)
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
	return sx_simple(x, "qos.sched", NULL, fmt_sched);
}

static const struct {
	const char *name;
	shortcut_fn *fn;
} cmds[] = {
	{ "meter", cmd_meter }, { "vdn", cmd_vdn }, { "sched", cmd_sched },
};

shortcut_fn *
qos_shortcut_find(const char *cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn;
	return upf_shortcut_find(cmd);
}
