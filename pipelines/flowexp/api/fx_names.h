/* SPDX-License-Identifier: BSD-3-Clause */
/* flowexp's table, field and action names and bounds, as its datapath
 * declares them and its control part writes them: one declaration for both. */
#ifndef FX_NAMES_H
#define FX_NAMES_H

/* tables */
#define FX_T_CONFIG      "flowexp_config"       /* one entry (id 0): export on, and how */
#define FX_T_COLLECTORS  "flowexp_collectors"   /* where the records go */

/* fields */
#define FX_F_ID          "id"
#define FX_F_SAMPLING    "sampling"     /* 1 in N packets observed */
#define FX_F_ACTIVE_S    "active_s"     /* a flow still going is reported this often */
#define FX_F_IDLE_S      "idle_s"       /* a flow this long silent is over */
#define FX_F_TEMPLATE_S  "template_s"   /* templates re-sent this often */
#define FX_F_DOMAIN      "domain"       /* IPFIX observation domain id */
#define FX_F_IP          "ip"
#define FX_F_PORT        "port"

/* actions */
#define FX_A_EXPORT      "export"
#define FX_A_IPV4        "ipv4"
#define FX_A_IPV6        "ipv6"
#define FX_A_NONE        "none"

#define FX_COLLECTORS_MAX 8
#define FX_SAMPLING_MAX   65535
#define FX_TIMEOUT_MAX    3600          /* seconds, each of the three */

#define FX_DEFAULT_ACTIVE_S   60
#define FX_DEFAULT_IDLE_S     15
#define FX_DEFAULT_TEMPLATE_S 60

/* The private enterprise number of the enterprise-specific IEs (slice,
 * TEID): IANA's "reserved for documentation" one (RFC 5612) until SmartX
 * has its own; the numbers below are SmartX's within it. */
#define FX_PEN           32473u
#define FX_IE_SLICE      1              /* unsigned16: the slice id */
#define FX_IE_TEID       2              /* unsigned32: the GTP-U TEID */

#endif
