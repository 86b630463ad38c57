/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_stypes: a PFCP session's model (its rules, bounds, codes): the types pf_sess builds and its pack (pf_spack) lays out. */
#ifndef PF_STYPES_H
#define PF_STYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pf_codec.h"
#include "pf_flow.h"

/* Bounds per session. Past them: Cause 75 (No resources available), Offending IE the
 * Create IE (Create PDR, ...), no Failed Rule ID. SDF filters, QER IDs and URR IDs per PDR
 * are bounded by the codec already (8, 4, 8). */
#define PF_SESS_PDR_MAX 64
#define PF_SESS_FAR_MAX 64
#define PF_SESS_QER_MAX 32
#define PF_SESS_URR_MAX 32
#define PF_URR_LINKED_MAX 4	/* Linked URR IDs of one URR */
#define PF_SESS_SDF_MAX 8
#define PF_SESS_PDR_QER_MAX 4
#define PF_SESS_PDR_URR_MAX 8
/* Ethernet Packet Filters per PDR (the codec: 8 at most) and MAC address IEs per filter
 * (TS 29.244: up to 16) */
#define PF_SESS_ETHF_MAX 8
#define PF_ETHF_MAC_MAX 16
/* A 5G LAN group's sessions a bridge domain, at most (sxdp's lan_members slots) */
#define PF_LAN_SLOTS 64
/* Interned names (Network Instance, Application ID): at most this many distinct ones
 * alive at once (id 1..PF_SESS_NAMES_MAX-1), each at most PF_SESS_NAME_LEN octets. A new
 * one past the table: Cause 75, Offending IE the Network Instance / Application ID. */
#define PF_SESS_NAMES_MAX 1024
#define PF_SESS_NAME_LEN 255

/* Failed Rule ID's rule type (TS 29.244 8.2.80) */
enum { PF_RULE_PDR = 0, PF_RULE_FAR = 1, PF_RULE_QER = 2, PF_RULE_URR = 3, PF_RULE_BAR = 4,
	PF_RULE_NONE = 0xff };

/* Interfaces (Source / Destination Interface, 4 bits) */
enum { PF_IF_ACCESS = 0, PF_IF_CORE = 1, PF_IF_N6_LAN = 2, PF_IF_CP = 3, PF_IF_5GVN = 4 };
#define PF_SRC_IFACE_MAX 4
#define PF_DST_IFACE_MAX 5 /* 4 is LI function for a destination, 5 5G VN internal */

/* Outer Header Removal descriptions the UPF does (anything else: 73, the PDR) */
enum { PF_OHR_GTPU_UDP_IPV4 = 0, PF_OHR_GTPU_UDP_IPV6 = 1, PF_OHR_GTPU_UDP_IP = 6 };

/* Apply Action, 2 octets as on the wire: octet 5 in the high byte (a 1-octet IE is
 * octet 5 alone). */
#define PF_AA_DROP 0x0100
#define PF_AA_FORW 0x0200
#define PF_AA_BUFF 0x0400
#define PF_AA_NOCP 0x0800
#define PF_AA_DUPL 0x1000
#define PF_AA_IPMA 0x2000
#define PF_AA_IPMD 0x4000
#define PF_AA_DFRT 0x8000
#define PF_AA_EDRT 0x0001
#define PF_AA_BDPN 0x0002
#define PF_AA_DDPN 0x0004
#define PF_AA_FSSM 0x0008
#define PF_AA_MBSU 0x0010

/* Outer Header Creation descriptions the UPF writes (octet 5 in the high byte; octet 6's
 * N19/N6 indications are kept as sent and ignored): GTP-U over IPv4, over IPv6, or both (a
 * dual-stack peer with both its addresses, TS 29.244 8.2.56: Open5GS's to a dual-stack gNB,
 * reached in the family of the UPF's own link: pf_ohc_v6). Anything else: 73, the FAR. */
#define PF_OHC_GTPU_UDP_IPV4 0x0100
#define PF_OHC_GTPU_UDP_IPV6 0x0200
#define PF_OHC_GTPU_UDP_IP   (PF_OHC_GTPU_UDP_IPV4 | PF_OHC_GTPU_UDP_IPV6)

/* Is the tunnel @o names, from a link of family @af, over IPv6? */
static inline bool
pf_ohc_v6(const struct pf_ohc *o, int af)
{
	uint16_t d = o->desc & 0xff00;

	return d == PF_OHC_GTPU_UDP_IPV6 || (d == PF_OHC_GTPU_UDP_IP && af == AF_INET6);
}

/* Reporting Triggers, 3 octets as on the wire (octet 5 in bits 16..23; a 2-octet IE has
 * octet 7 zero) */
#define PF_RT_PERIO 0x010000
#define PF_RT_VOLTH 0x020000
#define PF_RT_TIMTH 0x040000
#define PF_RT_QUHTI 0x080000
#define PF_RT_START 0x100000
#define PF_RT_STOPT 0x200000
#define PF_RT_DROTH 0x400000
#define PF_RT_LIUSA 0x800000
#define PF_RT_VOLQU 0x000100
#define PF_RT_TIMQU 0x000200
#define PF_RT_ENVCL 0x000400
#define PF_RT_MACAR 0x000800
#define PF_RT_EVETH 0x001000
#define PF_RT_EVEQU 0x002000
#define PF_RT_IPMJL 0x004000
#define PF_RT_QUVTI 0x008000
#define PF_RT_REEMR 0x000001
#define PF_RT_UPINT 0x000002
/* the ones reported on (pf_usage); a URR asking any other is refused */
#define PF_RT_DONE (PF_RT_PERIO | PF_RT_VOLTH | PF_RT_TIMTH | PF_RT_VOLQU | PF_RT_TIMQU | PF_RT_QUVTI | \
		    PF_RT_START | PF_RT_STOPT | PF_RT_LIUSA | PF_RT_MACAR)

/* Measurement Method */
#define PF_MM_DURAT 0x01
#define PF_MM_VOLUM 0x02
#define PF_MM_EVENT 0x04

/* SDF Filter flags (octet 5) */
#define PF_SDF_FD 0x01
#define PF_SDF_TTC 0x02
#define PF_SDF_SPI 0x04
#define PF_SDF_FL 0x08
#define PF_SDF_BID 0x10

/* Transport Level Marking's mask: the DSCP bits, all of them (the only one taken) */
#define PF_TLM_DSCP_MASK 0xfc

/* PFCPSMReq-Flags */
#define PF_SMREQ_DROBU 0x01
#define PF_SMREQ_SNDEM 0x02
#define PF_SMREQ_QAURR 0x04
/* PFCPSRRsp-Flags (TS 29.244 8.2.76), a Session Report Response's: DROBU */
#define PF_SRRSP_DROBU 0x01

/* Redirect Address Types done (8.2.20): 3 (SIP URI) and 5..8 (the RATP feature's ports,
 * not advertised) are refused with Cause 76, 9..15 with 69. A URL is at most
 * PF_REDIRECT_URL_MAX octets of printable ASCII (sxdp's redirects url: pf_map checks
 * they agree); a longer one: Cause 73, the FAR. */
enum { PF_REDIR_IPV4 = 0, PF_REDIR_IPV6 = 1, PF_REDIR_URL = 2, PF_REDIR_SIP = 3, PF_REDIR_IPV4V6 = 4 };
#define PF_REDIRECT_URL_MAX 100

/* Gate Status per direction */
enum { PF_GATE_OPEN = 0, PF_GATE_CLOSED = 1 };

/* An SDF Filter: the parsed Flow Description (when FD is set) and the other fields as
 * present. */
struct pf_sdf_rule {
	struct pf_flow flow; /* valid when has_fd */
	bool has_fd;
	uint8_t flags;       /* the IE's octet 5: FD 0x01, TTC 0x02, SPI 0x04, FL 0x08, BID 0x10 */
	uint16_t tos;        /* ToS/Traffic Class and its mask (TTC) */
	uint32_t spi, flow_label, filter_id;
};

/* An Ethernet Packet Filter (TS 29.244 7.5.2.2-3, TS 23.501 5.7.6.3): the frame's fields
 * as the filter names them. Each MAC address IE is one alternative (source and/or
 * destination, each a range with its upper one); none: any MACs. */
#define PF_ETHF_BIDE 0x01 /* Ethernet Filter Properties: bidirectional */
struct pf_eth_filter {
	uint32_t id;             /* Ethernet Filter ID (0: none) */
	uint8_t props;           /* PF_ETHF_BIDE */
	uint8_t n_mac;
	bool has_type, has_ctag, has_stag;
	uint16_t ethertype;
	struct pf_vlan_tag ctag, stag;
	struct pf_mac mac[PF_ETHF_MAC_MAX];
};

struct pf_pdr {
	uint16_t id;
	uint8_t src_iface; /* PF_IF_* */
	bool has_ohr;
	uint8_t ohr;       /* PF_OHR_* */
	bool has_fteid, has_ue_ip;
	uint8_t n_sdf, n_qer, n_urr;
	uint16_t ni;       /* Network Instance, interned (pf_sess_name); 0: none */
	uint16_t app;      /* Application ID, interned; 0: none */
	uint32_t precedence;
	uint32_t far_id;   /* always there: Create PDR without one is refused */
	uint64_t qfi_mask; /* bit q: QFI q in the PDI (several QFIs match any); 0: none (QFI
	                    * octets' spare bits 7-8 are ignored, as spare bits are) */
	/* As asked: with ch, the UPF chooses (PDRs of the session with the same chid share
	 * one). The caller writes the chosen teid and address here, keeping ch: a PDR with
	 * ch and teid 0 still needs one (a Modification copies chosen ones over, and one
	 * whose PDI was replaced is back to teid 0). */
	struct pf_fteid fteid;
	struct pf_ue_ip ue; /* both families when the SMF sent two UE IP Address IEs; with
	                     * ch4/ch6 the UP function chooses that family's address
	                     * (UEIP), then written here beside the flag, as fteid's */
	uint16_t pool;      /* UE IP address Pool Identity, interned; 0: none */
	bool ethi;          /* Ethernet PDU Session Information ETHI: all of an Ethernet PDU
	                     * session's downlink frames (TS 29.244 5.13.1) */
	uint8_t lan;        /* an ETHI PDR's slot in its 5G LAN group + 1, the UPF's choice
	                     * (0: none yet), kept as a chosen F-TEID is */
	struct pf_sdf_rule *sdf; /* n_sdf of them */
	uint8_t n_ethf;
	struct pf_eth_filter *ethf; /* n_ethf Ethernet Packet Filters */
	uint32_t *qer;           /* n_qer QER IDs, each one of the session's */
	uint32_t *urr;           /* n_urr URR IDs, each one of the session's */
};

struct pf_far {
	uint32_t id;
	uint16_t apply;    /* PF_AA_*: exactly FORW, DROP, BUFF, BUFF|NOCP or NOCP */
	bool has_fwd;      /* Forwarding Parameters (there with FORW; may stay with BUFF) */
	uint8_t dst_iface; /* PF_IF_* */
	uint16_t ni;       /* interned; 0: none */
	bool has_ohc, has_tlm, has_bar;
	uint8_t tos, tos_mask; /* Transport Level Marking */
	uint8_t bar_id;    /* with has_bar: the session's BAR */
	struct pf_ohc ohc; /* desc PF_OHC_GTPU_UDP_IPV4, _IPV6 or both (_IP) */
	/* Redirect Information (8.2.20; PF_REDIR_*): with has_redir, the URL (type 2,
	 * interned) or the server's addresses (types 0, 1, 4); stays until the FAR goes or
	 * another comes (an Update Forwarding Parameters has no IE that lifts it) */
	bool has_redir;
	uint8_t redir_type;
	uint16_t redir_url;
	uint8_t redir_v4[4], redir_v6[16];
};

struct pf_qer {
	uint32_t id;
	uint32_t corr;
	bool has_corr, has_mbr, has_gbr, has_qfi;
	uint8_t gate_ul, gate_dl; /* PF_GATE_* */
	uint8_t qfi;
	struct pf_rate mbr, gbr;  /* kbps */
};

struct pf_urr {
	uint32_t id;
	uint8_t method;    /* PF_MM_* */
	bool has_vol_thresh, has_vol_quota;
	bool has_far_quota; /* FAR ID for Quota Action: its PDRs take that FAR once a quota is used up */
	uint32_t triggers; /* PF_RT_* */
	uint32_t time_thresh, time_quota, meas_period, quota_holding; /* s; 0: absent */
	uint32_t quota_validity; /* s (Quota Validity Time); 0: absent */
	uint32_t eth_inact;      /* s (Ethernet Inactivity Timer): MACAR's MACs silent this long are removed; 0: absent */
	uint32_t far_quota;      /* the FAR for Quota Action (has_far_quota) */
	uint8_t n_linked;
	uint32_t linked[PF_URR_LINKED_MAX]; /* Linked URR IDs: this one reports (LIUSA) with each */
	struct pf_volume vol_thresh, vol_quota;
	bool mnop;         /* Measurement Information MNOP: packets counted too */
	uint32_t quota_gen; /* one more each Volume or Time Quota (or its validity) the SMF grants (not journalled: a
			     * restart measures afresh) */
};

struct pf_bar {
	bool present;
	uint8_t id;
	bool has_delay, has_sugg;
	uint8_t dl_notif_delay; /* the IE's value: units of 50 ms */
	uint8_t sugg_pkts;      /* Suggested Buffering Packets Count */
};

struct pf_session {
	uint64_t up_seid;   /* the caller's; establish leaves 0, modify copies it */
	struct pf_fseid cp; /* the SMF's F-SEID */
	uint8_t pdn_type;   /* 0: absent; 1 IPv4, 2 IPv6, 3 IPv4v6, 4 Non-IP, 5 Ethernet */
	uint8_t n_pdr, n_far, n_qer, n_urr;
	struct pf_bar bar;
	uint32_t bytes;     /* the block's size */
	uint32_t inact_s;   /* User Plane Inactivity Timer (s), 0: none (TS 29.244 5.11.2) */
	struct pf_pdr *pdr; /* sorted by id, each array */
	struct pf_far *far;
	struct pf_qer *qer;
	struct pf_urr *urr;
};

/* Why a request was refused: the Cause, the Offending IE (0: none) and the Failed Rule ID
 * (rule_kind PF_RULE_NONE: none) the response carries. */
struct pf_fail {
	uint8_t cause;
	uint8_t rule_kind;
	uint16_t offending_ie;
	uint32_t rule_id;
};

/* What a Modification asks of the caller besides installing the new session. */
struct pf_mod {
	bool cp_changed; /* the SMF sent a new CP F-SEID (new->cp) */
	bool drobu;      /* PFCPSMReq-Flags DROBU: what the session buffers is dropped, not sent */
	uint8_t n_rm_urr, n_query_urr, n_sndem, n_new_choice;
	/* URRs removed: their final Usage Reports go in the Modification Response */
	uint32_t rm_urr[PF_SESS_URR_MAX];
	/* URRs to report now (Query URR, or every URR of the session with QAURR) */
	uint32_t query_urr[PF_SESS_URR_MAX];
	/* FARs whose Update Forwarding Parameters carried SNDEM: an end marker into the
	 * tunnel of the OLD session's FAR (cur), before the new one is installed */
	uint32_t sndem_far[PF_SESS_FAR_MAX];
	/* PDRs created or with their PDI replaced that ask the UP function to choose: an
	 * F-TEID with ch, a UE address with CHV4/CHV6 (chosen, then answered in Created PDR) */
	uint16_t new_choice[PF_SESS_PDR_MAX];
};

#endif
