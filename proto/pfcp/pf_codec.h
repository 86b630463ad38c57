/* SPDX-License-Identifier: BSD-3-Clause */
/* PFCP (TS 29.244 v16/v17) message codec for the UPF's N4 side: pure C, no allocation.
 *
 * Decoding validates a whole message against per-message and per-grouped-IE rule tables
 * (which IEs may appear, how often, which are mandatory) and per-IE length/shape checks,
 * and leaves a bounded tree of IEs pointing into the caller's bytes; typed getters read
 * the leaf values. A failure says which Cause the answer carries and which IE offended,
 * so the caller can answer without re-reading the message.
 *
 * Encoding writes into the caller's buffer and never past its size (-ENOSPC). */
#ifndef PF_CODEC_H
#define PF_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_PORT 8805
#define PF_VERSION 1
#define PF_HDR_NODE_LEN 8  /* flags, type, length, sequence, spare */
#define PF_HDR_SESS_LEN 16 /* with the SEID */
#define PF_DEPTH_MAX 4     /* grouped IEs inside grouped IEs, at most */
#define PF_IES_MAX 1024    /* IEs kept for one message, all levels */
#define PF_ASRSP_PSREI 0x01 /* PFCPASRsp-Flags: PFCP sessions retained */
#define PF_NTP_OFFSET 2208988800u /* its times (Recovery Time Stamp, usage reports) are NTP seconds: Unix's + this */

/* message types (TS 29.244 7.3) */
enum {
	PF_HEARTBEAT_REQ = 1,
	PF_HEARTBEAT_RSP = 2,
	PF_PFD_MGMT_REQ = 3,
	PF_PFD_MGMT_RSP = 4,
	PF_ASSOC_SETUP_REQ = 5,
	PF_ASSOC_SETUP_RSP = 6,
	PF_ASSOC_UPDATE_REQ = 7,
	PF_ASSOC_UPDATE_RSP = 8,
	PF_ASSOC_RELEASE_REQ = 9,
	PF_ASSOC_RELEASE_RSP = 10,
	PF_VERSION_NOT_SUPPORTED = 11,
	PF_NODE_REPORT_REQ = 12,
	PF_NODE_REPORT_RSP = 13,
	PF_SESS_EST_REQ = 50,
	PF_SESS_EST_RSP = 51,
	PF_SESS_MOD_REQ = 52,
	PF_SESS_MOD_RSP = 53,
	PF_SESS_DEL_REQ = 54,
	PF_SESS_DEL_RSP = 55,
	PF_SESS_REPORT_REQ = 56,
	PF_SESS_REPORT_RSP = 57,
};

/* IE types (TS 29.244 8.1.2) the UPF reads or writes */
enum {
	PF_IE_CREATE_PDR = 1,
	PF_IE_PDI = 2,
	PF_IE_CREATE_FAR = 3,
	PF_IE_FWD_PARAMS = 4,
	PF_IE_CREATE_URR = 6,
	PF_IE_CREATE_QER = 7,
	PF_IE_CREATED_PDR = 8,
	PF_IE_UPDATE_PDR = 9,
	PF_IE_UPDATE_FAR = 10,
	PF_IE_UPD_FWD_PARAMS = 11,
	PF_IE_UPDATE_BAR_RSP = 12, /* in Session Report Response */
	PF_IE_UPDATE_URR = 13,
	PF_IE_UPDATE_QER = 14,
	PF_IE_REMOVE_PDR = 15,
	PF_IE_REMOVE_FAR = 16,
	PF_IE_REMOVE_URR = 17,
	PF_IE_REMOVE_QER = 18,
	PF_IE_CAUSE = 19,
	PF_IE_SRC_IFACE = 20,
	PF_IE_FTEID = 21,
	PF_IE_NET_INSTANCE = 22,
	PF_IE_SDF_FILTER = 23,
	PF_IE_APP_ID = 24,
	PF_IE_GATE_STATUS = 25,
	PF_IE_MBR = 26,
	PF_IE_GBR = 27,
	PF_IE_QER_CORR_ID = 28,
	PF_IE_PRECEDENCE = 29,
	PF_IE_TLM = 30,
	PF_IE_VOL_THRESH = 31,
	PF_IE_TIME_THRESH = 32,
	PF_IE_REPORTING_TRIGGERS = 37,
	PF_IE_REPORT_TYPE = 39,
	PF_IE_OFFENDING_IE = 40,
	PF_IE_FWD_POLICY = 41,
	PF_IE_DST_IFACE = 42,
	PF_IE_UP_FEATURES = 43,
	PF_IE_APPLY_ACTION = 44,
	PF_IE_DL_DATA_SVC_INFO = 45,
	PF_IE_DL_DATA_NOTIF_DELAY = 46,
	PF_IE_SMREQ_FLAGS = 49,
	PF_IE_SRRSP_FLAGS = 50,
	PF_IE_LOAD_CONTROL = 51,
	PF_IE_SEQ_NUMBER = 52,
	PF_IE_METRIC = 53,
	PF_IE_OVERLOAD_CONTROL = 54,
	PF_IE_TIMER = 55,
	PF_IE_PDR_ID = 56,
	PF_IE_FSEID = 57,
	PF_IE_APP_PFDS = 58,		/* Application ID's PFDs (grouped) */
	PF_IE_PFD_CONTEXT = 59,		/* PFD context (grouped) */
	PF_IE_NODE_ID = 60,
	PF_IE_PFD_CONTENTS = 61,
	PF_IE_MEAS_METHOD = 62,
	PF_IE_USAGE_REPORT_TRIGGER = 63,
	PF_IE_MEAS_PERIOD = 64,
	PF_IE_VOL_MEAS = 66,
	PF_IE_DUR_MEAS = 67,
	PF_IE_TIME_FIRST_PKT = 69,
	PF_IE_TIME_LAST_PKT = 70,
	PF_IE_QUOTA_HOLDING_TIME = 71,
	PF_IE_VOL_QUOTA = 73,
	PF_IE_TIME_QUOTA = 74,
	PF_IE_START_TIME = 75,
	PF_IE_END_TIME = 76,
	PF_IE_QUERY_URR = 77,
	PF_IE_USAGE_REPORT_MOD = 78, /* in Session Modification Response */
	PF_IE_USAGE_REPORT_DEL = 79, /* in Session Deletion Response */
	PF_IE_USAGE_REPORT_RPT = 80, /* in Session Report Request */
	PF_IE_URR_ID = 81,
	PF_IE_DL_DATA_REPORT = 83,
	PF_IE_OHC = 84,
	PF_IE_CREATE_BAR = 85,
	PF_IE_UPDATE_BAR = 86,
	PF_IE_REMOVE_BAR = 87,
	PF_IE_BAR_ID = 88,
	PF_IE_CP_FEATURES = 89,
	PF_IE_UE_IP = 93,
	PF_IE_OHR = 95,
	PF_IE_RECOVERY_TS = 96,
	PF_IE_ERROR_IND_REPORT = 99,
	PF_IE_MEAS_INFO = 100,
	PF_IE_NODE_REPORT_TYPE = 101,
	PF_IE_UP_PATH_FAIL_REPORT = 102,
	PF_IE_REMOTE_GTPU_PEER = 103,
	PF_IE_UR_SEQN = 104,
	PF_IE_FAR_ID = 108,
	PF_IE_QER_ID = 109,
	PF_IE_PDN_TYPE = 113,
	PF_IE_OCI_FLAGS = 110,
	PF_IE_FAILED_RULE_ID = 114,
	PF_IE_QFI = 124,
	PF_IE_ETH_PACKET_FILTER = 132,	/* grouped: an Ethernet PDU session's filter */
	PF_IE_MAC_ADDRESS = 133,
	PF_IE_C_TAG = 134,
	PF_IE_S_TAG = 135,
	PF_IE_ETHERTYPE = 136,
	PF_IE_ETH_FILTER_ID = 138,
	PF_IE_ETH_FILTER_PROPS = 139,
	PF_IE_SUGG_BUF_PKTS = 140,
	PF_IE_ETH_PDU_INFO = 142,	/* Ethernet PDU Session Information (ETHI) */
	PF_IE_ETH_TRAFFIC_INFO = 143,	/* grouped, in a Usage Report: MACAR's */
	PF_IE_MAC_DETECTED = 144,
	PF_IE_MAC_REMOVED = 145,
	PF_IE_ETH_INACT_TIMER = 146,
	PF_IE_UE_IP_POOL_ID = 177,	/* UE IP address Pool Identity (in Create PDR) */
	PF_IE_SESS_RETENTION = 183,	/* PFCP Session Retention Information (grouped) */
	PF_IE_ASRSP_FLAGS = 184,	/* PFCPASRsp-Flags */
	PF_IE_UP_PATH_RECOV_REPORT = 187, /* User Plane Path Recovery Report (grouped) */
	PF_IE_VENDOR_MIN = 32768, /* from here on an enterprise ID follows the length */
};

/* PDN Type (TS 29.244 8.2.79) */
enum { PF_PDN_IPV4 = 1, PF_PDN_IPV6 = 2, PF_PDN_IPV4V6 = 3, PF_PDN_NON_IP = 4, PF_PDN_ETHERNET = 5 };

/* The known IEs the UPF does not do, where they would change what a session forwards or
 * reports (pf_unsup.c's table): a request holding one is refused (Cause 76, Service not
 * supported, Offending IE that IE) rather than decoded with it skipped, as an IE the codec
 * does not know is (TS 29.244 7.2.3.3). The decode asks of every IE its rules do not
 * expect. Their types (TS 29.244 8.1.2): */
enum {
	PF_IE_DUPL_PARAMS = 5,
	PF_IE_MONITORING_TIME = 33,
	PF_IE_SUB_VOL_THRESH = 34,
	PF_IE_SUB_TIME_THRESH = 35,
	PF_IE_INACT_DETECT_TIME = 36,
	PF_IE_REDIRECT_INFO = 38,
	PF_IE_DROPPED_DL_THRESH = 72,
	PF_IE_LINKED_URR_ID = 82,
	PF_IE_PACKET_RATE = 94,
	PF_IE_DL_FLOW_MARKING = 97,
	PF_IE_HEADER_ENRICHMENT = 98,
	PF_IE_UPD_DUPL_PARAMS = 105,
	PF_IE_ACTIVATE_PREDEF = 106,
	PF_IE_DEACTIVATE_PREDEF = 107,
	PF_IE_TIME_QUOTA_MECH = 115,
	PF_IE_UP_INACT_TIMER = 117,
	PF_IE_AGGREGATED_URRS = 118,
	PF_IE_SUB_VOL_QUOTA = 121,
	PF_IE_SUB_TIME_QUOTA = 122,
	PF_IE_CREATE_TRAFFIC_EP = 127,
	PF_IE_UPDATE_TRAFFIC_EP = 129,
	PF_IE_REMOVE_TRAFFIC_EP = 130,
	PF_IE_TRAFFIC_EP_ID = 131,
	PF_IE_ADD_MONITORING_TIME = 147,
	PF_IE_FRAMED_ROUTE = 153,
	PF_IE_FRAMED_ROUTING = 154,
	PF_IE_FRAMED_IPV6_ROUTE = 155,
	PF_IE_ACTIVATION_TIME = 163,
	PF_IE_DEACTIVATION_TIME = 164,
	PF_IE_CREATE_MAR = 165,
	PF_IE_QUOTA_VALIDITY_TIME = 181,
	PF_IE_NUMBER_OF_REPORTS = 182,
};

/* Is IE @type refused in grouped IE @group (0: at the message level of message @msg)? */
bool pf_unsup(uint8_t msg, uint16_t group, uint16_t type);
/* its name for logs, "?" when it is none of the above */
const char *pf_unsup_name(uint16_t type);
/* the @i-th refused IE and where (@group 0: the message level of a Session Establishment
 * or Modification Request): 0, or -ENOENT past the last (for listing them) */
int pf_unsup_at(unsigned i, uint16_t *group, uint16_t *type);

/* Cause values (TS 29.244 8.2.1) */
enum {
	PF_CAUSE_ACCEPTED = 1,
	PF_CAUSE_REJECTED = 64,
	PF_CAUSE_NO_SESSION = 65,
	PF_CAUSE_MANDATORY_MISSING = 66,
	PF_CAUSE_CONDITIONAL_MISSING = 67,
	PF_CAUSE_INVALID_LENGTH = 68,
	PF_CAUSE_MANDATORY_INCORRECT = 69,
	PF_CAUSE_INVALID_FWD_POLICY = 70,
	PF_CAUSE_INVALID_FTEID_ALLOC = 71,
	PF_CAUSE_NO_ASSOCIATION = 72,
	PF_CAUSE_RULE_FAILURE = 73,
	PF_CAUSE_CONGESTION = 74,
	PF_CAUSE_NO_RESOURCES = 75,
	PF_CAUSE_NOT_SUPPORTED = 76,
	PF_CAUSE_SYSTEM_FAILURE = 77,
	PF_CAUSE_NO_DYN_ADDRESS = 79,	/* All dynamic addresses are occupied (Rel-16) */
};

/* Why a message was refused. PF_ERR_UNKNOWN_MSG: the caller answers Version not supported
 * or ignores it; PF_ERR_HEADER: too short or not version 1, nothing can be answered. For the
 * others, cause is the Cause to answer and ie_type the Offending IE (0: none). */
enum pf_err_kind {
	PF_OK = 0,
	PF_ERR_HEADER,
	PF_ERR_UNKNOWN_MSG,
	PF_ERR_IE, /* cause and ie_type say which */
};

struct pf_result {
	enum pf_err_kind kind;
	uint8_t cause;
	uint16_t ie_type;
};

struct pf_hdr {
	uint8_t type;
	uint8_t has_seid;
	uint8_t has_prio; /* MP */
	uint8_t prio;     /* 0..15 */
	uint64_t seid;
	uint32_t seq; /* 24 bits */
	uint16_t len; /* the whole message */
};

/* One IE of the tree. Children of a grouped IE are the next n_desc entries (all
 * descendants, preorder); its direct children are found by skipping each one's n_desc. */
struct pf_ie {
	uint16_t type;
	uint16_t len;     /* of the value */
	uint16_t n_desc;  /* descendants, for grouped IEs */
	uint8_t depth;    /* 0: at message level */
	uint8_t grouped;
	const uint8_t *v; /* into the decoded bytes */
};

/* A decoded message; the bytes it was decoded from must outlive it. */
struct pf_msg {
	struct pf_hdr hdr;
	uint16_t n_ies;
	struct pf_ie ies[PF_IES_MAX];
};

/* The IE's name for logs ("?" when not known). */
const char *pf_ie_name(uint16_t type);
const char *pf_msg_name(uint8_t type);

/* Decodes the header alone: 0, or -EBADMSG (too short, bad version, length past len). */
int pf_hdr_decode(const uint8_t *b, size_t len, struct pf_hdr *h);
/* Decodes and validates a whole message (bytes after the message's length are refused). */
struct pf_result pf_decode(const uint8_t *b, size_t len, struct pf_msg *m);

/* The value of the first top-level IE of @type in the message @b (its
 * header by its S flag), read as the bytes are with no decode (a message
 * the codec refused, an answer about to be sent); *@vlen its length. NULL:
 * none, or the IEs before it do not fit. */
const uint8_t *pf_peek_ie(const uint8_t *b, size_t len, uint16_t type, uint16_t *vlen);

/* Iteration: index of the first direct child of ies[parent] (parent -1: the message level)
 * with this type (0: any type), starting after index `after` (-1: from the start); -1 when
 * none. */
int pf_find(const struct pf_msg *m, int parent, uint16_t type, int after);

/* Typed leaf values (the IE was validated by pf_decode; these check again and return
 * -EINVAL on a wrong one, so they are safe on any IE). */
struct pf_node_id {
	uint8_t kind; /* 0 IPv4, 1 IPv6, 2 FQDN */
	uint8_t addr[16];
	char fqdn[256]; /* dotted, from labels */
};
struct pf_fseid {
	uint64_t seid;
	uint8_t has_v4, has_v6;
	uint8_t v4[4], v6[16];
};
struct pf_fteid {
	uint8_t has_v4, has_v6, ch, has_chid;
	uint8_t chid;
	uint32_t teid;
	uint8_t v4[4], v6[16];
};
struct pf_ue_ip {
	uint8_t has_v4, has_v6, sd; /* sd: 1 destination */
	uint8_t ch4, ch6;           /* CHV4/CHV6: the UP function chooses that family's address */
	uint8_t v6d, has_v6_plen;
	uint8_t v6_plen;
	uint8_t v4[4], v6[16];
};
struct pf_sdf {
	uint8_t flags; /* FD, TTC, SPI, FL, BID */
	char fd[256];  /* flow description, NUL-terminated */
	uint16_t tos;
	uint32_t spi, flow_label, filter_id;
};
/* MAC address (TS 29.244 8.2.93): the addresses its flags say, in this order */
#define PF_MAC_SOUR 0x01
#define PF_MAC_DEST 0x02
#define PF_MAC_USOU 0x04 /* upper source: src..usrc a range */
#define PF_MAC_UDES 0x08
struct pf_mac {
	uint8_t flags;
	uint8_t src[6], dst[6], usrc[6], udst[6];
};
/* C-TAG and S-TAG (8.2.94, 8.2.95): the fields its flags say are there */
#define PF_TAG_PCP 0x01
#define PF_TAG_DEI 0x02
#define PF_TAG_VID 0x04
struct pf_vlan_tag {
	uint8_t flags, pcp, dei;
	uint16_t vid;
};
struct pf_ohc {
	uint16_t desc;
	uint32_t teid;
	uint8_t v4[4], v6[16];
	uint16_t port;
};
struct pf_ohr {
	uint8_t desc;
	uint8_t has_ext;
	uint8_t ext;
};
struct pf_rate { /* MBR, GBR: kbps */
	uint64_t ul, dl;
};
struct pf_volume { /* Volume Threshold, Quota, Measurement */
	uint8_t flags; /* TOVOL, ULVOL, DLVOL (bits 0..2); measurement also TONOP, ULNOP, DLNOP (3..5) */
	uint64_t total, ul, dl;
	uint64_t total_pkts, ul_pkts, dl_pkts; /* measurement: its TONOP, ULNOP, DLNOP */
};
#define PF_VOL_NOP 0x38	 /* TONOP | ULNOP | DLNOP */
#define PF_MI_MNOP 0x10	 /* Measurement Information: measure the number of packets */
#define PF_MI_ISTM 0x08	 /* ... start the time measurement at once */
#define PF_MI_MBQE 0x01	 /* ... measure before QoS enforcement */

int pf_get_u8(const struct pf_ie *ie, uint8_t *v);   /* any 1-octet IE's first octet */
int pf_get_u16(const struct pf_ie *ie, uint16_t *v); /* PDR ID, 2 octets */
int pf_get_u32(const struct pf_ie *ie, uint32_t *v); /* FAR/QER/URR ID, Precedence... */
int pf_get_cause(const struct pf_ie *ie, uint8_t *cause);
int pf_get_node_id(const struct pf_ie *ie, struct pf_node_id *n);
int pf_get_fseid(const struct pf_ie *ie, struct pf_fseid *f);
int pf_get_fteid(const struct pf_ie *ie, struct pf_fteid *f);
int pf_get_ue_ip(const struct pf_ie *ie, struct pf_ue_ip *u);
int pf_get_sdf(const struct pf_ie *ie, struct pf_sdf *s);
int pf_get_ohc(const struct pf_ie *ie, struct pf_ohc *o);
int pf_get_ohr(const struct pf_ie *ie, struct pf_ohr *o);
/* Redirect Information (8.2.20): its Redirect Address Type (octet 5's low 4 bits), the
 * Redirect Server Address (@len octets at @addr, UTF8String) and the Other one (@len2 at
 * @addr2; 0: none), the Redirect Port (with has_port: types 5-8). Pointers into the IE. */
struct pf_redirect {
	uint8_t type;
	bool has_port;
	uint16_t len, len2, port;
	const uint8_t *addr, *addr2;
};
int pf_get_redirect(const struct pf_ie *ie, struct pf_redirect *r);
int pf_get_mac(const struct pf_ie *ie, struct pf_mac *m);
int pf_get_vlan_tag(const struct pf_ie *ie, struct pf_vlan_tag *t);
int pf_get_rate(const struct pf_ie *ie, struct pf_rate *r);
int pf_get_volume(const struct pf_ie *ie, struct pf_volume *v);
/* PFD Contents (TS 29.244 8.2.39): its flags octet and the fields they say,
 * each a 2-octet length and its octets, in the order of the flags' bits. The
 * decode checks each one flagged is there and ends inside the IE, and that
 * an AFD/AURL/ADNP field is a list of such length-prefixed items filling it
 * exactly; the getter points into the IE (fields are not NUL-terminated). */
#define PF_PFD_FD 0x01
#define PF_PFD_URL 0x02
#define PF_PFD_DN 0x04
#define PF_PFD_CP 0x08
#define PF_PFD_DNP 0x10
#define PF_PFD_AFD 0x20
#define PF_PFD_AURL 0x40
#define PF_PFD_ADNP 0x80
struct pf_pfd_field {
	const uint8_t *v;
	uint16_t len;
};
struct pf_pfd_contents {
	uint8_t flags;
	struct pf_pfd_field f[8];	/* by flag bit: FD, URL, DN, CP, DNP, AFD, AURL, ADNP */
};
int pf_get_pfd_contents(const struct pf_ie *ie, struct pf_pfd_contents *c);
/* The @i-th item of a list field (AFD, AURL, ADNP): 0 and *@item, or -ENOENT past the last. */
int pf_pfd_item(const struct pf_pfd_field *list, unsigned i, struct pf_pfd_field *item);
/* Failed Rule ID: the rule type (0 PDR, 1 FAR, 2 QER, 3 URR, 4 BAR) and its id */
int pf_get_failed_rule(const struct pf_ie *ie, uint8_t *kind, uint32_t *id);
/* The octets of a Failed Rule ID's rule id for rule type @kind (bits 1-5): 2 for a PDR,
 * 1 for a BAR, 4 for the others, 0 for none of them. */
unsigned pf_failed_rule_len(uint8_t kind);
/* Network Instance: DNN labels made dotted, or the octets as a string */
int pf_get_string(const struct pf_ie *ie, char *out, size_t size);
/* UE IP address Pool Identity: printable ASCII, with or without its length octets */
int pf_get_pool_id(const struct pf_ie *ie, char *out, size_t size);

/* The encoder: a builder over the caller's buffer. Any overflow is remembered and
 * pf_enc_end() returns -ENOSPC; nothing is ever written past size. */
struct pf_enc {
	uint8_t *b;
	size_t size, len;
	int err;
	int depth;
	size_t open[PF_DEPTH_MAX + 1]; /* where each open group's header starts */
};

void pf_enc_begin(struct pf_enc *e, uint8_t *buf, size_t size, const struct pf_hdr *h);
/* the message's length, or -ENOSPC / -EINVAL (groups left open) */
int pf_enc_end(struct pf_enc *e);
void pf_enc_ie(struct pf_enc *e, uint16_t type, const void *v, uint16_t len);
void pf_enc_u8(struct pf_enc *e, uint16_t type, uint8_t v);
void pf_enc_u16(struct pf_enc *e, uint16_t type, uint16_t v);
void pf_enc_u32(struct pf_enc *e, uint16_t type, uint32_t v);
void pf_enc_group(struct pf_enc *e, uint16_t type); /* open a grouped IE */
void pf_enc_group_end(struct pf_enc *e);
void pf_enc_node_id(struct pf_enc *e, const struct pf_node_id *n);
void pf_enc_fseid(struct pf_enc *e, const struct pf_fseid *f);
void pf_enc_fteid(struct pf_enc *e, const struct pf_fteid *f);
void pf_enc_ue_ip(struct pf_enc *e, const struct pf_ue_ip *u);
void pf_enc_ohc(struct pf_enc *e, const struct pf_ohc *o);
void pf_enc_volume(struct pf_enc *e, uint16_t type, const struct pf_volume *v);

/* Re-encodes a decoded message (unknown and vendor IEs were dropped by the decode). */
int pf_reencode(const struct pf_msg *m, uint8_t *buf, size_t size);
/* The sequence number @seq (24 bits) written into the encoded message @b of
 * @len bytes, after the SEID in a session message (its S flag): what a
 * transaction stamps on a message built before it was numbered. Nothing
 * is written when @len is too short to hold it. */
void pf_put_seq(uint8_t *b, size_t len, uint32_t seq);

/* What the UPF answers and sends. */
struct pf_usage_report {
	uint32_t urr_id, ur_seqn;
	uint32_t trigger; /* Usage Report Trigger, 3 octets */
	uint32_t start, end; /* NTP seconds; 0: absent */
	uint8_t has_vol, has_dur;
	struct pf_volume vol;
	uint32_t duration;
	/* MACAR (Ethernet Traffic Information): MACs seen behind the session since the last
	 * report and MACs gone, 6 octets each, at most 255 of each (the caller's arrays) */
	const uint8_t *mac_det, *mac_rm;
	uint8_t n_det, n_rm;
};
struct pf_created_pdr {
	uint16_t pdr_id;
	uint8_t has_fteid, has_ue;
	struct pf_fteid fteid;
	struct pf_ue_ip ue;	/* the UE address the UP function chose (UEIP) */
};

int pf_enc_heartbeat(uint8_t *buf, size_t size, uint8_t type, uint32_t seq, uint32_t recovery);
/* Association Setup/Update/Release Request or Response: cause 0 in requests; recovery 0
 * and up_features NULL: left out. */
int pf_enc_assoc(uint8_t *buf, size_t size, uint8_t type, uint32_t seq, const struct pf_node_id *node,
	uint8_t cause, uint32_t recovery, const uint8_t *up_features, uint16_t n_up_features);
/* Session Establishment/Modification/Deletion Response: node and up_fseid only in the
 * establishment one (NULL: left out); offending 0: left out. */
int pf_enc_sess_rsp(uint8_t *buf, size_t size, uint8_t type, uint64_t seid, uint32_t seq,
	const struct pf_node_id *node, uint8_t cause, uint16_t offending, const struct pf_fseid *up_fseid,
	const struct pf_created_pdr *pdrs, int n_pdrs, const struct pf_usage_report *urs, int n_urs);
/* Session Establishment/Modification/Deletion Response with every optional part: what
 * pf_enc_sess_rsp writes, and a Failed Rule ID (with has_failed_rule; only in the
 * Establishment and Modification ones, as with Cause 73). */
/* Load Control Information (TS 29.244 6.2.3, 7.5.3.3): the UP function's
 * load, 0..100, numbered anew each time it changes. */
struct pf_load_ctl {
	uint32_t seq;
	uint8_t metric;
};

/* Overload Control Information (TS 29.244 6.2.4, 7.5.3.4): the share of its
 * session-related requests, 0..100, the CP function is asked to shed, for
 * the period of validity (a Timer IE octet, 8.2.43: unit in bits 8-6, value
 * in bits 5-1); aoci: it is the node's, not only this association's. */
struct pf_overload_ctl {
	uint32_t seq;
	uint8_t metric;
	uint8_t timer;
	bool aoci;
};

struct pf_sess_rsp {
	uint8_t type;
	uint64_t seid;
	uint32_t seq;
	const struct pf_node_id *node; /* establishment only (and there mandatory) */
	uint8_t cause;
	uint16_t offending;            /* 0: left out */
	uint8_t has_failed_rule;
	uint8_t failed_rule_type;      /* 0 PDR, 1 FAR, 2 QER, 3 URR, 4 BAR */
	uint32_t failed_rule_id;
	const struct pf_fseid *up_fseid; /* establishment only; NULL: left out */
	const struct pf_created_pdr *pdrs;
	int n_pdrs;
	const struct pf_usage_report *urs; /* not in the establishment one */
	int n_urs;
	const struct pf_load_ctl *lci;      /* NULL: left out */
	const struct pf_overload_ctl *oci;  /* NULL: left out */
};
int pf_enc_sess_rsp2(uint8_t *buf, size_t size, const struct pf_sess_rsp *r);
/* Session Report Request: report_type bits (DLDR 0x01, USAR 0x02, ERIR 0x04, UPIR 0x08);
 * a Downlink Data Report with these PDR IDs when n_dl_pdrs > 0; an Error
 * Indication Report naming the Remote F-TEID @eir (NULL: none). */
int pf_enc_sess_report_req(uint8_t *buf, size_t size, uint64_t seid, uint32_t seq,
	uint8_t report_type, const uint16_t *dl_pdrs, int n_dl_pdrs, const struct pf_usage_report *urs, int n_urs,
	const struct pf_fteid *eir);
/* Node Report Response */
/* Node Report Request of a GTP-U path (TS 29.244 7.4.5.1): Node Report Type
 * UPFR (@recovered false: a User Plane Path Failure Report) or UPRR (a User
 * Plane Path Recovery Report), each naming the Remote GTP-U Peer at @addr
 * (@len 4 or 16). */
#define PF_NRT_UPFR 0x01
#define PF_NRT_UPRR 0x02
int pf_enc_node_report_req(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node, bool recovered,
	const uint8_t *addr, uint8_t len);
/* PFD Management Response (TS 29.244 7.4.3.2): Cause, Offending IE (0: left
 * out), our Node ID (optional there since Rel-16; NULL: left out). */
int pf_enc_pfd_rsp(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node, uint8_t cause,
	uint16_t offending);
int pf_enc_node_report_rsp(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node,
	uint8_t cause);

#endif
