/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's intents (meters, their color policies, VDNs, egress schedulers): its kinds and inputs in the intent library. */
/* In api/: the switch's and the UPF's kinds build meters with it. */
#ifndef QOS_INTENT_H
#define QOS_INTENT_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"

#define INTENT_DSCP_KEEP 64	/* a remark that leaves the DSCP */
#define INTENT_PCP_KEEP	 8	/* ... or the 802.1p PCP */

/* Rates in bit/s, bursts in bytes, named as DPDK's rte_meter names them
 * (qos_limits.h): cir what is guaranteed (committed), pir the ceiling (the
 * peak). */
enum qos_intent_kind {
	QOS_K_METER_ADD,
	QOS_K_METER_DEL,
	QOS_K_METER_COLOR,
	QOS_K_VDN_ADD,
	QOS_K_VDN_DEL,
	QOS_K_SCHED_SET,
	QOS_K_SUBPORT_SET,
	QOS_K_PIPE_SET,
	QOS_KINDS
};
extern const struct intent_kind qos_intent_kinds[QOS_KINDS];

/* meter add: meter @id of @type ("srtcm", "trtcm", "rfc4115" (NULL)) at
 * @cir with burst @cbs, and trTCM's @pir with burst @pbs (RFC 4115's
 * @eir and @ebs; srTCM's @ebs), color-@aware, charging @charge (0 l2, 1
 * l2 + FCS, 2 wire, 3 IP). meter del: @id, with its color policies. */
struct qos_meter_arg {
	json_int_t id;
	const char *type;
	json_int_t cir, cbs;
	union { json_int_t pir, eir; };	/* the second rate, by type */
	union { json_int_t pbs, ebs; };	/* and its burst */
	bool aware;
	json_int_t charge;
};
#define INTENT_METER_ADD (&qos_intent_kinds[QOS_K_METER_ADD])
#define INTENT_METER_DEL (&qos_intent_kinds[QOS_K_METER_DEL])
INTENT_ARG(INTENT_METER_ADD, struct qos_meter_arg);
INTENT_ARG(INTENT_METER_DEL, struct qos_meter_arg);

/* meter color: what meter @meter does to its @color (0 green, 1 yellow,
 * 2 red) packets: @how "pass", "drop" or "remark" to @dscp and @pcp
 * (INTENT_DSCP_KEEP, INTENT_PCP_KEEP). */
struct qos_color_arg {
	json_int_t meter, color;
	const char *how;
	json_int_t dscp, pcp;
};
#define INTENT_METER_COLOR (&qos_intent_kinds[QOS_K_METER_COLOR])
INTENT_ARG(INTENT_METER_COLOR, struct qos_color_arg);

/* vdn add: VDN @id (its meter's id and its pipe's) of @slice, scheduled
 * on @port's egress scheduler, at @cir up to @pir (0: none), for the
 * traffic @rule matches at priority @prio. vdn del: @id @slice @port. */
struct qos_vdn_arg {
	json_int_t id, slice;
	const char *port;
	json_int_t cir, pir, prio;
	struct intent_rule rule;
};
#define INTENT_VDN_ADD (&qos_intent_kinds[QOS_K_VDN_ADD])
#define INTENT_VDN_DEL (&qos_intent_kinds[QOS_K_VDN_DEL])
INTENT_ARG(INTENT_VDN_ADD, struct qos_vdn_arg);
INTENT_ARG(INTENT_VDN_DEL, struct qos_vdn_arg);

/* sched set: @port's egress scheduler at @rate, @subports (1 + the slices
 * with a subport of their own), @pipes per subport (subport 0's: best
 * effort and the slices that are pipes with their VDNs), queues of @qsize
 * packets, @pipe_profiles distinct pipe rates per subport (0: sxdp's
 * default). */
struct qos_sched_arg {
	const char *port;
	json_int_t rate, subports, pipes, qsize, pipe_profiles;
};
#define INTENT_SCHED_SET (&qos_intent_kinds[QOS_K_SCHED_SET])
INTENT_ARG(INTENT_SCHED_SET, struct qos_sched_arg);

/* subport set: @slice's share of @port's scheduler, its subport @subport
 * (1..; 0: a pipe of subport 0, where a thousand slices fit), @cir
 * guaranteed, up to @pir (0: none). */
struct qos_subport_arg {
	const char *port;
	json_int_t slice, subport, cir, pir;
};
#define INTENT_SUBPORT_SET (&qos_intent_kinds[QOS_K_SUBPORT_SET])
INTENT_ARG(INTENT_SUBPORT_SET, struct qos_subport_arg);

/* pipe set: a VDN's pipe @pipe of @slice on one more port's (@port's)
 * scheduler, @cir guaranteed, up to @pir (0: none). */
struct qos_pipe_arg {
	const char *port;
	json_int_t slice, pipe, cir, pir;
};
#define INTENT_PIPE_SET (&qos_intent_kinds[QOS_K_PIPE_SET])
INTENT_ARG(INTENT_PIPE_SET, struct qos_pipe_arg);

/* QoS's inputs (intent_input_register'd ids, 9..10). */
#define INTENT_IN_METER_COLORS 9
#define INTENT_IN_VDNS	       10

/*
 * vdn show: from the vdns entries, qos.meters and qos.sched as read
 * (borrowed), one row per VDN (a vdns entry): {"id" (its pipe), "slice",
 * "match", "priority", "meter", "green"/"yellow"/"red" (packets, bytes:
 * its meter's), "sent", "drops" (its pipe's, summed over the ports that
 * schedule it)}. A new array.
 */
json_t *qos_intent_vdn_rows(json_t *vdns, json_t *meters, json_t *sched);

#endif
