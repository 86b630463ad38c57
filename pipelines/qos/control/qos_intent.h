/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's intents (meters, their color policies, VDNs, egress schedulers): its kinds and inputs in the intent library. */
#ifndef QOS_INTENT_H
#define QOS_INTENT_H

#include <jansson.h>

#include "intent.h"

#define INTENT_DSCP_KEEP 64	/* a remark that leaves the DSCP */
#define INTENT_PCP_KEEP	 8	/* ... or the 802.1p PCP */

/* Rates in bit/s, bursts in bytes. */
enum qos_intent_kind {
	QOS_K_METER_ADD,	/* id, how ("srtcm", "trtcm", "rfc4115"), rate (cir), burst
				 * (cbs), peak (eir or pir), ebs (ebs or pbs), aware, charge */
	QOS_K_METER_DEL,	/* id, with its color policies */
	QOS_K_METER_COLOR,	/* id, color (0 green, 1 yellow, 2 red), how ("pass", "drop",
				 * "remark"), dscp, pcp (INTENT_DSCP_KEEP, INTENT_PCP_KEEP) */
	QOS_K_VDN_ADD,		/* id (its meter's id and its pipe's), slice, port (the egress
				 * scheduler's), rate, peak (0: none), prio, rule */
	QOS_K_VDN_DEL,		/* id, slice, port */
	QOS_K_SCHED_SET,	/* port: its egress scheduler at rate (bit/s), subports
				 * (slices + 1), pipes (per subport), burst (queue size) */
	QOS_K_SUBPORT_SET,	/* port, slice, id (its subport 1..), rate (guaranteed),
				 * peak (ceiling, 0: the port's) */
	QOS_K_PIPE_SET,		/* port, slice, id: a VDN's pipe on one more port's
				 * scheduler, rate (guaranteed), peak (0: none) */
	QOS_KINDS
};
extern const struct intent_kind qos_intent_kinds[QOS_KINDS];

#define INTENT_METER_ADD   (&qos_intent_kinds[QOS_K_METER_ADD])
#define INTENT_METER_DEL   (&qos_intent_kinds[QOS_K_METER_DEL])
#define INTENT_METER_COLOR (&qos_intent_kinds[QOS_K_METER_COLOR])
#define INTENT_VDN_ADD	   (&qos_intent_kinds[QOS_K_VDN_ADD])
#define INTENT_VDN_DEL	   (&qos_intent_kinds[QOS_K_VDN_DEL])
#define INTENT_SCHED_SET   (&qos_intent_kinds[QOS_K_SCHED_SET])
#define INTENT_SUBPORT_SET (&qos_intent_kinds[QOS_K_SUBPORT_SET])
#define INTENT_PIPE_SET	   (&qos_intent_kinds[QOS_K_PIPE_SET])

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
