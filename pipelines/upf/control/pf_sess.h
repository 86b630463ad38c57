/* SPDX-License-Identifier: BSD-3-Clause */
/* A PFCP session's rules (PDR, FAR, QER, URR, BAR) as a compact C model, built from a
 * Session Establishment Request and rebuilt by each Modification Request, with every
 * semantic check the codec (pf_codec) cannot do. Pure C: no I/O, no daemon state but the
 * interned names below; single-threaded (sxcd's loop).
 *
 * Input is a message pf_decode() accepted (its shapes, lengths and IE counts are checked
 * there). A session is one heap block (the struct, then its exactly-sized arrays), so it
 * costs pf_sess_bytes() and is freed with one pf_sess_free().
 *
 * A Modification never changes the current session: it builds a new one, so the caller
 * installs the new one whole or keeps the old (TS 29.244 7.5.4: all or nothing). */
#ifndef PF_SESS_H
#define PF_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_codec.h"
#include "pf_flow.h"

/* Bounds per session. Past them: Cause 75 (No resources available), Offending IE the
 * Create IE (Create PDR, ...), no Failed Rule ID. SDF filters, QER IDs and URR IDs per PDR
 * are bounded by the codec already (8, 4, 8). */
#define PF_SESS_PDR_MAX 64
#define PF_SESS_FAR_MAX 64
#define PF_SESS_QER_MAX 32
#define PF_SESS_URR_MAX 32
#define PF_SESS_SDF_MAX 8
#define PF_SESS_PDR_QER_MAX 4
#define PF_SESS_PDR_URR_MAX 8
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
 * N19/N6 indications are kept as sent and ignored). Anything else, or both: 73, the FAR. */
#define PF_OHC_GTPU_UDP_IPV4 0x0100
#define PF_OHC_GTPU_UDP_IPV6 0x0200

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

/* Measurement Method */
#define PF_MM_DURAT 0x01
#define PF_MM_VOLUM 0x02
#define PF_MM_EVENT 0x04

/* PFCPSMReq-Flags */
#define PF_SMREQ_DROBU 0x01
#define PF_SMREQ_SNDEM 0x02
#define PF_SMREQ_QAURR 0x04

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
	struct pf_ue_ip ue; /* both families when the SMF sent two UE IP Address IEs */
	struct pf_sdf_rule *sdf; /* n_sdf of them */
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
	struct pf_ohc ohc; /* desc PF_OHC_GTPU_UDP_IPV4 or _IPV6 */
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
	uint32_t triggers; /* PF_RT_* */
	uint32_t time_thresh, time_quota, meas_period, quota_holding; /* s; 0: absent */
	struct pf_volume vol_thresh, vol_quota;
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
	bool drobu;      /* PFCPSMReq-Flags DROBU: drop what is buffered */
	uint8_t n_rm_urr, n_query_urr, n_sndem, n_new_fteid;
	/* URRs removed: their final Usage Reports go in the Modification Response */
	uint32_t rm_urr[PF_SESS_URR_MAX];
	/* URRs to report now (Query URR, or every URR of the session with QAURR) */
	uint32_t query_urr[PF_SESS_URR_MAX];
	/* FARs whose Update Forwarding Parameters carried SNDEM: an end marker into the
	 * tunnel of the OLD session's FAR (cur), before the new one is installed */
	uint32_t sndem_far[PF_SESS_FAR_MAX];
	/* PDRs created or with their PDI replaced whose F-TEID has ch (to choose and answer
	 * in Created PDR) */
	uint16_t new_fteid[PF_SESS_PDR_MAX];
};

/* Session Establishment Request (m->hdr.type PF_SESS_EST_REQ) to a new session: 0, or
 * -EINVAL with *f filled (the session not made), -ENOMEM (f: 75 No resources). */
int pf_sess_establish(const struct pf_msg *m, struct pf_session **out, struct pf_fail *f);

/* Session Modification Request applied onto a copy of @cur: 0 with *out the new session
 * and *x what else to do, or -EINVAL / -ENOMEM with *f (nothing made). @cur is never
 * changed. Order within the message: Remove, then Create, then Update (so a rule id may
 * be removed and created again in one message), then the references are checked. */
int pf_sess_modify(const struct pf_session *cur, const struct pf_msg *m, struct pf_session **out,
	struct pf_mod *x, struct pf_fail *f);

void pf_sess_free(struct pf_session *s);
/* the heap the session holds (its block), for the memory per session */
size_t pf_sess_bytes(const struct pf_session *s);

/* A session as a self-contained byte string, for sxcd's journal (pf_store): a format
 * octet (1), the fields that are not zero as varints or raw octets, the names as strings
 * (each once per session), a CRC32C at the end. Compact (a typical session, 2 PDRs, 2
 * FARs, a QER, a URR, 708 bytes in memory, packs into 133; ~250 ns) and fast (no
 * allocation). pf_sess_pack: the bytes written, or with @buf NULL the size it needs;
 * -ENOSPC when @size is short (nothing useful written). Round trip exact: every field
 * equal, names equal, the same pf_sess_bytes(). Byte order and address family numbers
 * are this host's: a journal moves with its machine, not across architectures. */
int pf_sess_pack(const struct pf_session *s, uint8_t *buf, size_t size);
/* The session @b packed: 0 with *out a new session (names interned in this process), or
 * -EINVAL for anything malformed: another format octet, a CRC mismatch (so any one
 * octet changed), a prefix or trailing bytes, a count or length past the bounds above,
 * ids not strictly increasing, a PDR's FAR/QER/URR or a FAR's BAR that is not there, a
 * field out of the range pf_sess_establish allows (interfaces, OHR, Apply Action, OHC,
 * gates, QFI, measurement method, flow descriptions' shape); -ENOMEM (no memory, or the
 * name table full). Uses static scratch: one caller at a time (sxcd's loop). */
int pf_sess_unpack(const uint8_t *b, size_t len, struct pf_session **out);

/* lookups by rule id (binary search): NULL when none */
struct pf_pdr *pf_sess_pdr(const struct pf_session *s, uint16_t id);
struct pf_far *pf_sess_far(const struct pf_session *s, uint32_t id);
struct pf_qer *pf_sess_qer(const struct pf_session *s, uint32_t id);
struct pf_urr *pf_sess_urr(const struct pf_session *s, uint32_t id);

/* An interned name ("" for 0 or an id not in use). Ids are counted references held by
 * sessions: valid while a session holding them lives (do not keep them past it). */
const char *pf_sess_name(uint16_t id);
/* the id of a name in use, 0 when none (to compare a session's ni with a known one) */
uint16_t pf_sess_name_id(const char *name);
/* names in use */
unsigned pf_sess_names_used(void);

/* What each check answers (cause / offending IE / Failed Rule ID; the rule is given with
 * 73 only, as TS 29.244 7.5.3 has it):
 *   rule id repeated in the message or already in the session   73 / the Create IE / the rule
 *   Remove or Update of a rule not in the session  73 / the Remove/Update IE / the rule
 *   PDR naming a FAR/QER/URR not in the session after the message: 73 / FAR/QER/URR ID /
 *     the PDR, or the removed FAR/QER/URR when this message removed it
 *   Create PDR without FAR ID                     66 / FAR ID
 *   PDI without Source Interface                  66 / Source Interface
 *   Source Interface > 4, Destination Interface > 5   69 / that IE
 *   Outer Header Removal not 0, 1 or 6            73 / Outer Header Removal / the PDR
 *   F-TEID with CH and a (non-zero) TEID/address, CHID without CH, or without CH and
 *     without an address                          69 / F-TEID
 *   UE IP Address with CHV4/CHV6 (UEIP not advertised)   73 / UE IP Address / the PDR
 *   UE IP Address twice for one family            69 / UE IP Address
 *   SDF Filter whose Flow Description pf_flow_parse refuses  73 / SDF Filter / the PDR
 *   Network Instance / Application ID unusable (too long, a NUL)  69 / that IE
 *   Apply Action not FORW, DROP, BUFF, BUFF|NOCP or NOCP: other bits (DUPL, IPMA,
 *     IPMD, DFRT, EDRT, BDPN, DDPN, FSSM, MBSU: features not advertised), none, or two
 *     of FORW/DROP/BUFF                           73 / Apply Action / the FAR
 *   FORW without Forwarding Parameters            67 / Forwarding Parameters
 *   FORW without Destination Interface            66 / Destination Interface
 *   Outer Header Creation not GTP-U/UDP/IPv4 or /IPv6 (incl. both)  73 / OHC / the FAR
 *   FAR naming a BAR the session does not have (after the message)  73 / BAR ID / the FAR
 *   Create BAR with a BAR there, Update/Remove BAR of another id   73 / that IE / the BAR
 *   Gate Status other than open/closed per direction   69 / Gate Status
 *   more rules than the bounds above              75 / the Create IE
 *   out of memory                                 75 / -
 *   not the message type the function takes       64 / -
 */

#endif
