/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's table, field and action names, as its datapath declares them and its control part writes them. */
/* One declaration for both planes; fields are named once whatever table has them. */
#ifndef OV_NAMES_H
#define OV_NAMES_H

/* tables */
#define OV_T_VTEPS     "vteps"
#define OV_T_VNIS      "vnis"
#define OV_T_PEERS     "peers"
#define OV_T_TUNNELS   "tunnels"
#define OV_T_ENDPOINTS "endpoints"
#define OV_T_PATHS     "paths"
#define OV_T_CLASSES   "classes"
#define OV_T_POLICIES  "policies"
#define OV_T_APPS      "app_classes"

/* fields: matches and params */
#define OV_F_IP		 "ip"
#define OV_F_SITE	 "site"
#define OV_F_VNI	 "vni"
#define OV_F_SLICE	 "slice"
#define OV_F_BD		 "bd"
#define OV_F_ID		 "id"
#define OV_F_TUNNEL	 "tunnel"
#define OV_F_SRC	 "src"
#define OV_F_DST	 "dst"
#define OV_F_GW		 "gw"
#define OV_F_VRF	 "vrf"
#define OV_F_MTU	 "mtu"
#define OV_F_SEALED	 "sealed"
#define OV_F_INTERVAL_MS "interval_ms"
#define OV_F_DOWN_AFTER	 "down_after"
#define OV_F_UP_AFTER	 "up_after"
#define OV_F_PATH	 "path"
#define OV_F_TTL	 "ttl"
#define OV_F_DSCP	 "dscp"
#define OV_F_CSUM	 "csum"
#define OV_F_RMAC	 "rmac"
#define OV_F_METER	 "meter"
#define OV_F_CLASS	 "class"
#define OV_F_P_		 "p"	/* a policy's paths p0..p7: OV_F_P_ "0" */
#define OV_F_P_FMT	 OV_F_P_ "%d"
#define OV_F_W_		 "w"	/* a balance policy's weights w0..w7 */
#define OV_F_W_FMT	 OV_F_W_ "%d"
#define OV_F_RTT_MS	 "rtt_ms"
#define OV_F_JITTER_MS	 "jitter_ms"
#define OV_F_LOSS_PCT	 "loss_pct"
#define OV_F_APP	 "app"	/* app_classes: an application, by nDPI's id (overlay.apps) */
#define OV_F_HOLD_MS	 "hold_ms"	/* a probed path: taken again once up this long */
#define OV_F_COPIES	 "copies"	/* a policy's repair: paths a frame goes on at once (2..4) */
#define OV_F_FEC	 "fec"	/* ... FEC: 1 adaptive, 2..16 a block of that many frames */

/* actions */
#define OV_A_VTEP     "vtep"	/* vteps */
#define OV_A_ENDPOINT "endpoint"	/* endpoints */
#define OV_A_L2	      "l2"	/* vnis */
#define OV_A_L3	      "l3"
#define OV_A_PEER     "peer"	/* peers */
#define OV_A_VXLAN    "vxlan"	/* tunnels */
#define OV_A_GENEVE   "geneve"
#define OV_A_STATIC   "static"	/* paths: the probe */
#define OV_A_SXDP     "sxdp"
#define OV_A_ICMP     "icmp"
#define OV_A_BFD      "bfd"
#define OV_A_CLASS    "class"	/* classes */
#define OV_A_DEFAULT  "default"
#define OV_A_FAILOVER "failover"	/* policies */
#define OV_A_BALANCE  "balance"
#define OV_A_SLA      "sla"
#define OV_A_NONE     "none"

#endif
