/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's intents compiled into table.write updates, registered with the intent library (see qos_intent.h). */
#include <errno.h>
#include <string.h>

#include "intent_cc.h"
#include "qos_intent.h"
#include "qos_limits.h"
#include "qos_names.h"

#define METER_MAX  (QOS_METERS_SIZE - 1)	/* meter ids of the table as shipped */
#define QSIZE_MAX  4096
#define CHARGE_MAX 3		/* l2, l2 + FCS, wire, IP */
#define U16_MAX	   65535
#define U32_MAX	   4294967295LL

static const char *const colors[] = { "green", "yellow", "red" };

/* meter add ID TYPE ...: one meters entry. */
static int
compile_meter_add(struct cc *c, const struct intent *it)
{
	const struct qos_meter_arg *a = it->arg;
	const char *how = a->type != NULL ? a->type : QOS_A_RFC4115;
	json_t *p;
	int rc;

	if ((rc = cc_check_num(c, "ID", a->id, 1, METER_MAX)) < 0 ||
	    (rc = cc_check_num(c, "cir", a->cir, 1, INT64_MAX)) < 0 ||
	    (rc = cc_check_num(c, "cbs", a->cbs, 1, U32_MAX)) < 0 ||
	    (rc = cc_check_id(c, "ebs", a->ebs, U32_MAX)) < 0 ||
	    (rc = cc_check_id(c, "charge", a->charge, CHARGE_MAX)) < 0)
		return rc;
	if (strcmp(how, QOS_A_SRTCM) == 0)
		p = json_pack("{s:I,s:I,s:I}", QOS_F_CIR, a->cir, QOS_F_CBS, a->cbs, QOS_F_EBS, a->ebs);
	else if (strcmp(how, QOS_A_TRTCM) == 0)
		p = json_pack("{s:I,s:I,s:I,s:I}", QOS_F_CIR, a->cir, QOS_F_CBS, a->cbs, QOS_F_PIR, a->pir,
			      QOS_F_PBS, a->pbs);
	else if (strcmp(how, QOS_A_RFC4115) == 0)
		p = json_pack("{s:I,s:I,s:I,s:I}", QOS_F_CIR, a->cir, QOS_F_CBS, a->cbs, QOS_F_EIR, a->eir,
			      QOS_F_EBS, a->ebs);
	else
		return cc_refuse(c, -EINVAL, "bad meter type '%s' (srtcm, trtcm or rfc4115)", how);
	if (p != NULL && (json_object_set_new(p, QOS_F_AWARE, json_integer(a->aware)) < 0 ||
			  json_object_set_new(p, QOS_F_CHARGE, json_integer(a->charge)) < 0)) {
		json_decref(p);
		p = NULL;
	}
	cc_add(c, cc_upd("insert", QOS_T_METERS, json_pack("{s:I}", QOS_F_ID, a->id), how, p));
	return 0;
}

/* The updates removing meter @id's color policies as read. */
static int
rm_colors(struct cc *c, json_int_t id)
{
	json_t *cols, *e;
	size_t i;

	if ((cols = cc_input(c, INTENT_IN_METER_COLORS)) == NULL)
		return -EAGAIN;
	json_array_foreach(cols, i, e)
		if (json_integer_value(json_object_get(json_object_get(e, "match"), QOS_F_METER)) == id)
			cc_add(c, cc_rmw(e, QOS_T_METER_COLORS, json_incref(json_object_get(e, "match")), NULL,
					 NULL));
	return 0;
}

/* meter del ID: the meter and its color policies. */
static int
compile_meter_del(struct cc *c, const struct intent *it)
{
	const struct qos_meter_arg *a = it->arg;
	int rc;

	if ((rc = cc_check_num(c, "ID", a->id, 1, METER_MAX)) < 0 || (rc = rm_colors(c, a->id)) < 0)
		return rc;
	cc_add(c, cc_upd("delete", QOS_T_METERS, json_pack("{s:I}", QOS_F_ID, a->id), NULL, NULL));
	return 0;
}

/* meter color ID COLOR pass|drop|remark [dscp N] [pcp N] */
static int
compile_meter_color(struct cc *c, const struct intent *it)
{
	const struct qos_color_arg *a = it->arg;
	json_t *cols, *params = NULL;
	const char *how = a->how != NULL ? a->how : "";
	int rc;

	if ((rc = cc_check_num(c, "ID", a->meter, 1, METER_MAX)) < 0 ||
	    (rc = cc_check_id(c, "COLOR", a->color, 2)) < 0)
		return rc;
	if (strcmp(how, QOS_A_REMARK) == 0) {
		if ((rc = cc_check_id(c, "dscp", a->dscp, INTENT_DSCP_KEEP)) < 0 ||
		    (rc = cc_check_id(c, "pcp", a->pcp, INTENT_PCP_KEEP)) < 0)
			return rc;
		params = json_pack("{s:I,s:I}", QOS_F_DSCP, a->dscp, QOS_F_PCP, a->pcp);
	} else if (strcmp(how, QOS_A_PASS) != 0 && strcmp(how, QOS_A_DROP) != 0) {
		return cc_refuse(c, -EINVAL, "bad policy '%s' (pass, drop or remark)", how);
	}
	if ((cols = cc_input(c, INTENT_IN_METER_COLORS)) == NULL) {
		json_decref(params);
		return -EAGAIN;
	}
	cc_add(c, cc_rmw(cc_find(cols, json_pack("{s:I,s:I}", QOS_F_METER, a->meter, QOS_F_COLOR, a->color), NULL),
			 QOS_T_METER_COLORS, json_pack("{s:I,s:I}", QOS_F_METER, a->meter, QOS_F_COLOR, a->color), how,
			 params));
	return 0;
}

/* A VDN's pipe on @port's scheduler. */
static json_t *
pipe_upd(const char *port, json_int_t slice, json_int_t pipe, json_int_t rate, json_int_t ceil)
{
	return cc_upd("insert", QOS_T_SCHED_PIPES,
		      json_pack("{s:s,s:I,s:I}", QOS_F_PORT, port, QOS_F_SLICE, slice, QOS_F_PIPE, pipe),
		      QOS_A_PIPE, json_pack("{s:I,s:I}", QOS_F_RATE_BPS, rate, QOS_F_CEIL_BPS, ceil));
}

/* vdn add: its meter (RFC 4115: the rate committed, up to the peak in
 * excess, red dropped), its pipe on the port's scheduler, its class
 * entry; the driver writes them in one dataplane-atomic batch. */
static int
compile_vdn_add(struct cc *c, const struct intent *it)
{
	const struct qos_vdn_arg *a = it->arg;
	json_t *m, *u;
	int rc;

	if ((rc = cc_check_num(c, "ID", a->id, 1, QOS_PIPE_NUM_MAX)) < 0 ||
	    (rc = cc_check_id(c, "slice", a->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_num(c, "rate", a->cir, 1, INT64_MAX)) < 0 ||
	    (rc = cc_check_id(c, "peak", a->pir, INT64_MAX)) < 0 ||
	    (rc = cc_check_num(c, "prio", a->prio, 1, U32_MAX)) < 0)
		return rc;
	if (a->port == NULL)
		return cc_refuse(c, -EINVAL, "a VDN needs the port whose scheduler carries it");
	if (a->pir != 0 && a->pir < a->cir)
		return cc_refuse(c, -EINVAL, "peak %" JSON_INTEGER_FORMAT " below the rate %"
				 JSON_INTEGER_FORMAT, a->pir, a->cir);
	if ((rc = cc_flow_match(c, a->slice, &a->rule, &m)) < 0)
		return rc;
	cc_add(c, cc_upd("insert", QOS_T_METERS, json_pack("{s:I}", QOS_F_ID, a->id), QOS_A_RFC4115,
			 json_pack("{s:I,s:I,s:I,s:I}", QOS_F_CIR, a->cir, QOS_F_CBS, qos_burst_of(a->cir), QOS_F_EIR,
				   a->pir ? a->pir - a->cir : 0, QOS_F_EBS,
				   a->pir ? qos_burst_of(a->pir - a->cir) : 0)));
	cc_add(c, pipe_upd(a->port, a->slice, a->id, a->cir, a->pir));
	u = cc_upd("insert", QOS_T_VDNS, m, QOS_A_VDN, json_pack("{s:I,s:I}", QOS_F_PIPE, a->id, QOS_F_METER,
								 a->id));
	if (u != NULL)
		json_object_set_new(u, "priority", json_integer(a->prio));
	cc_add(c, u);
	return 0;
}

/* vdn del: its class entries as read first (they name the meter), then
 * its pipe and its meter. */
static int
compile_vdn_del(struct cc *c, const struct intent *it)
{
	const struct qos_vdn_arg *a = it->arg;
	json_t *vdns, *e, *u;
	bool any = false;
	size_t i;
	int rc;

	if ((rc = cc_check_num(c, "ID", a->id, 1, QOS_PIPE_NUM_MAX)) < 0 ||
	    (rc = cc_check_id(c, "slice", a->slice, U16_MAX)) < 0)
		return rc;
	if (a->port == NULL)
		return cc_refuse(c, -EINVAL, "a VDN needs the port whose scheduler carries it");
	if ((vdns = cc_input(c, INTENT_IN_VDNS)) == NULL)
		return -EAGAIN;
	json_array_foreach(vdns, i, e) {
		if (json_integer_value(json_object_get(json_object_get(e, "match"), QOS_F_SLICE)) != a->slice ||
		    !cc_is(e, QOS_A_VDN) || cc_param_int(e, QOS_F_PIPE) != a->id)
			continue;
		u = cc_rmw(e, QOS_T_VDNS, json_incref(json_object_get(e, "match")), NULL, NULL);
		if (u != NULL)
			json_object_set(u, "priority", json_object_get(e, "priority"));
		cc_add(c, u);
		any = true;
	}
	if (!any)
		return cc_refuse(c, -ENOENT, "slice %" JSON_INTEGER_FORMAT " has no VDN %" JSON_INTEGER_FORMAT,
				 a->slice, a->id);
	cc_add(c, cc_upd("delete", QOS_T_SCHED_PIPES,
			 json_pack("{s:s,s:I,s:I}", QOS_F_PORT, a->port, QOS_F_SLICE, a->slice, QOS_F_PIPE, a->id),
			 NULL, NULL));
	cc_add(c, cc_upd("delete", QOS_T_METERS, json_pack("{s:I}", QOS_F_ID, a->id), NULL, NULL));
	return 0;
}

/* sched set: a port's scheduler as it should be (a modify rebuilds it,
 * so callers keep its sizes fixed); subport set: a slice's share of it;
 * pipe set: a VDN's pipe on another port than its vdn add's. Each needs
 * its port and a rate first. */
static int
sched_common(struct cc *c, const char *port, json_int_t rate)
{
	if (port == NULL)
		return cc_refuse(c, -EINVAL, "a scheduler needs its port");
	return cc_check_num(c, "rate", rate, 1, INT64_MAX);
}

static int
compile_sched(struct cc *c, const struct intent *it)
{
	const struct qos_sched_arg *a = it->arg;
	json_t *p;
	int rc;

	if ((rc = sched_common(c, a->port, a->rate)) < 0 ||
	    (rc = cc_check_num(c, "subports", a->subports, 1, QOS_SUBPORTS_MAX)) < 0 ||
	    (rc = cc_check_num(c, "pipes", a->pipes, 1, QOS_PIPE_NUM_MAX)) < 0 ||
	    (rc = cc_check_num(c, "qsize", a->qsize, 1, QSIZE_MAX)) < 0 ||
	    (rc = cc_check_id(c, "pipe_profiles", a->pipe_profiles, QOS_PIPE_PROFILES_MAX)) < 0)
		return rc;
	p = json_pack("{s:I,s:I,s:I,s:I}", QOS_F_RATE_BPS, a->rate, QOS_F_SUBPORTS, a->subports, QOS_F_PIPES,
		      a->pipes, QOS_F_QSIZE, a->qsize);
	if (p != NULL && a->pipe_profiles != 0 &&
	    json_object_set_new(p, QOS_F_PIPE_PROFILES, json_integer(a->pipe_profiles)) < 0) {
		json_decref(p);
		p = NULL;
	}
	cc_add(c, cc_upd("insert", QOS_T_SCHED_PORTS, json_pack("{s:s}", QOS_F_PORT, a->port), QOS_A_SCHED, p));
	return 0;
}

static int
compile_subport(struct cc *c, const struct intent *it)
{
	const struct qos_subport_arg *a = it->arg;
	json_t *m;
	int rc;

	if ((rc = sched_common(c, a->port, a->cir)) < 0 ||
	    (rc = cc_check_id(c, "subport", a->subport, QOS_SUBPORTS_MAX - 1)) < 0 ||
	    (rc = cc_check_id(c, "slice", a->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "peak", a->pir, INT64_MAX)) < 0)
		return rc;
	if (a->pir != 0 && a->pir < a->cir)
		return cc_refuse(c, -EINVAL, "peak %" JSON_INTEGER_FORMAT " below the rate %"
				 JSON_INTEGER_FORMAT, a->pir, a->cir);
	m = json_pack("{s:s,s:I}", QOS_F_PORT, a->port, QOS_F_SLICE, a->slice);
	/* subport 0: the slice is a pipe of the scheduler's subport 0 */
	if (a->subport == 0)
		cc_add(c, cc_upd("insert", QOS_T_SCHED_SUBPORTS, m, QOS_A_PIPE, json_pack("{s:I,s:I}",
				 QOS_F_RATE_BPS, a->cir, QOS_F_CEIL_BPS, a->pir)));
	else
		cc_add(c, cc_upd("insert", QOS_T_SCHED_SUBPORTS, m, QOS_A_SUBPORT, json_pack("{s:I,s:I,s:I}",
				 QOS_F_SUBPORT, a->subport, QOS_F_RATE_BPS, a->cir, QOS_F_CEIL_BPS, a->pir)));
	return 0;
}

static int
compile_pipe(struct cc *c, const struct intent *it)
{
	const struct qos_pipe_arg *a = it->arg;
	int rc;

	if ((rc = sched_common(c, a->port, a->cir)) < 0 ||
	    (rc = cc_check_num(c, "ID", a->pipe, 1, QOS_PIPE_NUM_MAX)) < 0 ||
	    (rc = cc_check_id(c, "slice", a->slice, U16_MAX)) < 0)
		return rc;
	cc_add(c, pipe_upd(a->port, a->slice, a->pipe, a->cir, a->pir));
	return 0;
}

/* ------------------------------------------------------- registration */

const struct intent_kind qos_intent_kinds[QOS_KINDS] = {
	[QOS_K_METER_ADD] = { INTENT_KIND(INTENT_METER_ADD, "meter add", compile_meter_add) },
	[QOS_K_METER_DEL] = { INTENT_KIND(INTENT_METER_DEL, "meter del", compile_meter_del),
			      .writes = INTENT_IN(INTENT_IN_METER_COLORS) },
	[QOS_K_METER_COLOR] = { INTENT_KIND(INTENT_METER_COLOR, "meter color", compile_meter_color),
				.writes = INTENT_IN(INTENT_IN_METER_COLORS) },
	[QOS_K_VDN_ADD] = { INTENT_KIND(INTENT_VDN_ADD, "vdn add", compile_vdn_add) },
	[QOS_K_VDN_DEL] = { INTENT_KIND(INTENT_VDN_DEL, "vdn del", compile_vdn_del),
			    .writes = INTENT_IN(INTENT_IN_VDNS) },
	[QOS_K_SCHED_SET] = { INTENT_KIND(INTENT_SCHED_SET, "sched set", compile_sched) },
	[QOS_K_SUBPORT_SET] = { INTENT_KIND(INTENT_SUBPORT_SET, "subport set", compile_subport) },
	[QOS_K_PIPE_SET] = { INTENT_KIND(INTENT_PIPE_SET, "pipe set", compile_pipe) },
};

__attribute__((constructor)) static void
qos_intent_register(void)
{
	intent_kinds_register(qos_intent_kinds, QOS_KINDS);
	intent_input_register(INTENT_IN_METER_COLORS, QOS_T_METER_COLORS);
	intent_input_register(INTENT_IN_VDNS, QOS_T_VDNS);
}

/* ------------------------------------------------------------ vdn show */

static json_t *
by_id(json_t *rows, const char *key, json_int_t id)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, key)) == id)
			return r;
	return NULL;
}

json_t *
qos_intent_vdn_rows(json_t *vdns, json_t *meters, json_t *sched)
{
	json_t *rows = json_array(), *e;
	size_t i;

	json_array_foreach(vdns, i, e) {
		json_t *mt = json_object_get(e, "match"), *row, *m, *port, *p;
		json_int_t pipe = cc_param_int(e, QOS_F_PIPE), meter = cc_param_int(e, QOS_F_METER);
		json_int_t slice = json_integer_value(json_object_get(mt, QOS_F_SLICE)), sent = 0, drops = 0;
		size_t k, j;

		if (!cc_is(e, QOS_A_VDN))
			continue;
		row = json_pack("{s:I,s:I,s:O,s:O,s:I}", "id", pipe, "slice", slice, "match", mt, "priority",
				json_object_get(e, "priority"), "meter", meter);
		m = meter != 0 ? by_id(meters, "id", meter) : NULL;
		for (k = 0; row != NULL && k < 3; k++)
			json_object_set_new(row, colors[k], m != NULL ? json_incref(json_object_get(m, colors[k])) :
					    json_pack("{s:i,s:i}", "packets", 0, "bytes", 0));
		json_array_foreach(sched, k, port)
			json_array_foreach(json_object_get(port, "pipes"), j, p)
				if (json_integer_value(json_object_get(p, "slice")) == slice &&
				    json_integer_value(json_object_get(p, "pipe")) == pipe) {
					sent += json_integer_value(json_object_get(p, "packets"));
					drops += json_integer_value(json_object_get(p, "drops"));
				}
		if (row == NULL || json_object_set_new(row, "sent", json_integer(sent)) < 0 ||
		    json_object_set_new(row, "drops", json_integer(drops)) < 0 ||
		    json_array_append_new(rows, row) < 0) {
			json_decref(row);
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}
