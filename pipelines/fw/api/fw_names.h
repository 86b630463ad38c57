/* SPDX-License-Identifier: BSD-3-Clause */
/* fw's tables, fields, actions and bounds, as its datapath declares them
 * and its control part and CLI write and read them: one declaration for all. */
#ifndef FW_NAMES_H
#define FW_NAMES_H

/* tables */
#define FW_T_RULES    "fw_rules"    /* (vrf, dir, proto, src, dst, sport, dport) -> allow|deny(rule) */
#define FW_T_POLICY   "fw_policy"   /* (vrf, dir) -> allow|deny: what no rule decides */

/* fields */
#define FW_F_VRF      "vrf"
#define FW_F_DIR      "dir"         /* 0 out of the slice, 1 into it (the edge's EDGE_DIR_*) */
#define FW_F_PROTO    "proto"
#define FW_F_SRC      "src"
#define FW_F_DST      "dst"
#define FW_F_SPORT    "sport"
#define FW_F_DPORT    "dport"
#define FW_F_RULE     "rule"        /* the intent's rule id: what a drop is named by */

/* actions */
#define FW_A_ALLOW    "allow"
#define FW_A_DENY     "deny"
#define FW_A_NONE     "none"

enum { FW_DIR_OUT = 0, FW_DIR_IN = 1 };

/* A rule's id is its place: the lowest id that matches decides (as an
 * ACL's sequence numbers), so its table priority is FW_PRIO_TOP - id
 * (rte_acl: the larger wins). */
#define FW_RULE_ID_MAX  65535
#define FW_PRIO_TOP     (FW_RULE_ID_MAX + 1)
#define FW_RULES_MAX    4096        /* fw_rules' size unless the config says */
#define FW_SLICE_RULES_MAX 1024     /* one slice's (FirewallSpec.rules maxItems) */

#endif
