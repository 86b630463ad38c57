/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's table, field and action names, as its datapath declares them and its control part writes them. */
/* One declaration for both planes; fields are named once whatever table has them. */
#ifndef QOS_NAMES_H
#define QOS_NAMES_H

/* (its limits and the burst rule: qos_limits.h) */

/* tables */
#define QOS_T_METERS	     "meters"
#define QOS_T_METER_COLORS   "meter_colors"
#define QOS_T_METER_PROFILES "meter_profiles"
#define QOS_T_VDNS	     "vdns"
#define QOS_T_SCHED_PORTS    "sched_ports"
#define QOS_T_SCHED_SUBPORTS "sched_subports"
#define QOS_T_SCHED_PIPES    "sched_pipes"
#define QOS_T_DSCP_TC	     "dscp_tc"

/* fields: matches and params */
#define QOS_F_ID       "id"
#define QOS_F_CIR      "cir"	/* a meter's */
#define QOS_F_CBS      "cbs"
#define QOS_F_EBS      "ebs"
#define QOS_F_PIR      "pir"
#define QOS_F_PBS      "pbs"
#define QOS_F_EIR      "eir"
#define QOS_F_AWARE    "aware"
#define QOS_F_CHARGE   "charge"
#define QOS_F_METER    "meter"	/* meter_colors, vdns */
#define QOS_F_COLOR    "color"
#define QOS_F_DSCP     "dscp"
#define QOS_F_PCP      "pcp"
#define QOS_F_PIPE     "pipe"
#define QOS_F_PORT     "port"	/* the schedulers' */
#define QOS_F_SLICE    "slice"
#define QOS_F_RATE_BPS "rate_bps"
#define QOS_F_CEIL_BPS "ceil_bps"
#define QOS_F_SUBPORTS "subports"
#define QOS_F_SUBPORT  "subport"
#define QOS_F_PIPES    "pipes"
#define QOS_F_PIPE_PROFILES "pipe_profiles"	/* distinct pipe rates a subport keeps */
#define QOS_F_QSIZE    "qsize"
#define QOS_F_RED      "red"	/* a scheduler's RED on */
#define QOS_F_TC       "tc"	/* dscp_tc's */
#define QOS_F_QUEUE    "queue"
/* meter_profiles' (derived: sxdp writes them from meters, control reads them) */
#define QOS_F_TICKS_PER_BYTE_1 "ticks_per_byte_1"
#define QOS_F_TICKS_PER_BYTE_2 "ticks_per_byte_2"
#define QOS_F_DEPTH_1	       "depth_1"
#define QOS_F_DEPTH_2	       "depth_2"
#define QOS_F_MODE	       "mode"
#define QOS_F_ACTS	       "acts"
#define QOS_F_DSCPS	       "dscps"
#define QOS_F_PCPS	       "pcps"

/* actions */
#define QOS_A_SRTCM   "srtcm"	/* meters */
#define QOS_A_TRTCM   "trtcm"
#define QOS_A_RFC4115 "rfc4115"
#define QOS_A_PASS    "pass"	/* meter_colors */
#define QOS_A_DROP    "drop"
#define QOS_A_REMARK  "remark"
#define QOS_A_VDN     "vdn"	/* vdns */
#define QOS_A_SCHED   "sched"	/* sched_ports */
#define QOS_A_SUBPORT "subport"	/* sched_subports */
#define QOS_A_PIPE    "pipe"	/* sched_pipes; sched_subports: the slice as a pipe of subport 0 */
#define QOS_A_TC      "tc"	/* dscp_tc */
#define QOS_A_BEST_EFFORT "best_effort"
#define QOS_A_PROFILE "profile"	/* meter_profiles */
#define QOS_A_NONE    "none"

#endif
