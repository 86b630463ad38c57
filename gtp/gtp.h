/* GTP-U v1 (3GPP TS 29.281) wire format and a bounded header walk.
 * Plain C with no DPDK dependency so the parser, the UPF stages, unit tests
 * and fuzzers can all use it without an EAL. */
#ifndef GTP_H
#define GTP_H

#include <stdint.h>

#define GTPU_UDP_PORT     2152
#define GTPC_UDP_PORT     2123

/* First octet of the mandatory header. */
#define GTPU_F_VER_MASK   0xe0
#define GTPU_F_VER1       0x20
#define GTPU_F_PT         0x10  /* protocol type: 1 = GTP, 0 = GTP' */
#define GTPU_F_SPARE      0x08
#define GTPU_F_E          0x04  /* next extension header field meaningful */
#define GTPU_F_S          0x02  /* sequence number meaningful */
#define GTPU_F_PN         0x01  /* N-PDU number meaningful */
#define GTPU_F_OPT_MASK   (GTPU_F_E | GTPU_F_S | GTPU_F_PN)
#define GTPU_F_V1_GTP     (GTPU_F_VER1 | GTPU_F_PT)  /* 0x30 */

/* Message types (TS 29.281 table 6.1-1). */
#define GTPU_MSG_ECHO_REQ        1
#define GTPU_MSG_ECHO_RSP        2
#define GTPU_MSG_ERROR_IND       26
#define GTPU_MSG_SUPP_EXT_NOTIF  31
#define GTPU_MSG_TUNNEL_STATUS   253
#define GTPU_MSG_END_MARKER      254
#define GTPU_MSG_GPDU            255

/* Next extension header types (TS 29.281 figure 5.2.1-3). The two high bits
 * say what a receiver that does not know the type must do. */
#define GTPU_EXT_NONE            0x00
#define GTPU_EXT_LONG_PDCP_PN_CP 0x03
#define GTPU_EXT_SCI             0x20  /* service class indicator */
#define GTPU_EXT_UDP_PORT        0x40
#define GTPU_EXT_RAN_CONT        0x81
#define GTPU_EXT_LONG_PDCP_PN    0x82
#define GTPU_EXT_XW_RAN_CONT     0x83
#define GTPU_EXT_NR_RAN_CONT     0x84
#define GTPU_EXT_PDU_SESS_CONT   0x85
#define GTPU_EXT_PDCP_PN         0xc0

#define GTPU_EXT_COMPREHENSION_MASK 0xc0

/* PDU Session Container (TS 38.415 5.5.2): PDU type in the high nibble of
 * the first content octet, QFI in the low 6 bits of the second; RQI is bit 6
 * of the second octet in the DL form only. */
#define GTPU_PDU_TYPE_DL   0
#define GTPU_PDU_TYPE_UL   1
#define GTPU_PDU_TYPE_NONE 0xff
#define GTPU_QFI_MASK      0x3f
#define GTPU_RQI_BIT       0x40
#define GTPU_PPP_BIT       0x80

#define GTPU_HDR_LEN       8
#define GTPU_OPT_LEN       4
#define GTPU_EXT_UNIT      4   /* extension length field counts 4-octet units */

/* Extension headers walked before giving up with -ELOOP. */
#define GTP_EXT_MAX        8

struct gtpu_hdr {
	uint8_t  flags;
	uint8_t  msg_type;
	uint16_t length;   /* network order: octets after the mandatory 8 */
	uint32_t teid;     /* network order */
} __attribute__((packed));

/* Present when any of E, S, PN is set (all three fields then exist). */
struct gtpu_opt_hdr {
	uint16_t seq;      /* network order */
	uint8_t  npdu;
	uint8_t  next_ext;
} __attribute__((packed));

/* Minimal PDU Session Container as built by gtp_build_gpdu_hdr(). */
struct gtpu_ext_pdu_sess {
	uint8_t  len;      /* 1: four octets */
	uint8_t  type_flags;
	uint8_t  qfi_flags;
	uint8_t  next_ext;
} __attribute__((packed));

struct gtp_info {
	uint32_t teid;      /* host order */
	uint16_t length;    /* header length field, host order */
	uint16_t hdr_len;   /* full header incl. extensions = payload offset */
	uint16_t seq;       /* host order, valid when has_seq */
	uint8_t  msg_type;
	uint8_t  flags;     /* first octet as received */
	uint8_t  has_seq;
	uint8_t  npdu;      /* valid when flags & GTPU_F_PN */
	uint8_t  qfi;       /* 0 when no PDU Session Container */
	uint8_t  pdu_type;  /* GTPU_PDU_TYPE_NONE when absent */
	uint8_t  rqi;
	uint8_t  n_ext;     /* extension headers walked */
};

/* Parse the GTP-U header at p (len bytes available: may be less than the
 * whole message, only the header must fit). Returns 0, or
 *   -EINVAL   version is not 1 or PT is not GTP,
 *   -EMSGSIZE header or an extension header truncated, or the header is
 *             longer than the length field allows,
 *   -ELOOP    more than GTP_EXT_MAX extension headers,
 *   -EBADMSG  extension header with length 0.
 * *out is fully written on success and cleared on error. */
int gtp_parse(const uint8_t *p, uint32_t len, struct gtp_info *out);

/* Write a G-PDU header for a payload_len-byte T-PDU into buf: 8 bytes, or
 * 16 with a PDU Session Container when qfi >= 0 (pdu_type GTPU_PDU_TYPE_DL
 * or _UL). Returns the header length, or -ENOSPC (buf too small), -EINVAL
 * (qfi > 63, pdu_type not DL/UL), -EMSGSIZE (length field would overflow). */
int gtp_build_gpdu_hdr(uint8_t *buf, uint32_t buflen, uint32_t teid,
		       uint16_t payload_len, int qfi, int pdu_type);

/* Short name of a message type for logs, "unknown" otherwise. */
const char *gtp_msg_name(uint8_t msg_type);

#endif
