/* GTP-U v1 (3GPP TS 29.281) wire format and a bounded header walk.
 * Plain C with no DPDK dependency so the parser, the UPF stages, unit tests
 * and fuzzers can all use it without an EAL. */
#ifndef GTP_H
#define GTP_H

#include <stdbool.h>
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

/* Information elements of the signalling messages (TS 29.281 section 8):
 * types below 128 are TV with a fixed length, from 128 on TLV. */
#define GTPU_IE_RECOVERY         14   /* TV, 1 octet: 0 in GTP-U */
#define GTPU_IE_TEID_DATA_I      16   /* TV, 4 octets */
#define GTPU_IE_PEER_ADDR        133  /* TLV, 2-octet length: 4 (IPv4) or 16 (IPv6) */
#define GTPU_IE_EXT_TYPE_LIST    141  /* type, 1-octet length, the types */
#define GTPU_IE_PRIVATE_EXT      255  /* TLV, 2-octet length */

#define GTP_EXT_LIST_MAX         8    /* types a notification lists */

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
	uint8_t  has_ppi;   /* DL PDU Session Container with PPP set */
	uint8_t  ppi;       /* paging policy indicator, 0..7, valid when has_ppi */
	/* The first extension header that must be understood (its type's top
	 * bit set) and is not one of those this library knows; 0: none. A
	 * receiver drops the message and answers with a Supported Extension
	 * Headers Notification (TS 29.281 5.2.1). */
	uint8_t  ext_unsupported;
	int32_t  udp_port;  /* UDP Port extension header's port, -1: none */
};

/* The IEs of an echo, error indication or notification (gtp_parse_ies). */
struct gtp_ies {
	uint8_t  has_recovery, recovery;
	uint8_t  has_teid_data;
	uint32_t teid_data;           /* host order */
	uint8_t  peer_len;            /* 0: none, 4 or 16 */
	uint8_t  peer[16];
	uint8_t  n_ext_types;
	uint8_t  ext_types[GTP_EXT_LIST_MAX];
};

/* What a header carries beyond its mandatory part (gtp_build_hdr). */
struct gtp_hdr_opts {
	uint8_t  msg_type;
	uint32_t teid;       /* host order */
	int32_t  seq;        /* -1: none (S clear) */
	int32_t  npdu;       /* -1: none (PN clear) */
	uint8_t  pdu_type;   /* GTPU_PDU_TYPE_NONE: no PDU Session Container */
	uint8_t  qfi;        /* its QFI, 0..63 */
	uint8_t  rqi;        /* DL: reflective QoS indication */
	int8_t   ppi;        /* DL: -1 none (PPP clear), else the paging policy 0..7 */
	int32_t  udp_port;   /* -1: none, else a UDP Port extension header */
};

/* Parse the GTP-U header at p (len bytes available: may be less than the
 * whole message, only the header must fit). Returns 0, or
 *   -EINVAL   version is not 1 or PT is not GTP,
 *   -EMSGSIZE header or an extension header truncated, or the header is
 *             longer than the length field allows,
 *   -ELOOP    more than GTP_EXT_MAX extension headers,
 *   -EBADMSG  extension header with length 0, or a second PDU Session
 *             Container.
 * *out is fully written on success and cleared on error. */
int gtp_parse(const uint8_t *p, uint32_t len, struct gtp_info *out);

/* Write a G-PDU header for a payload_len-byte T-PDU into buf: 8 bytes, or
 * 16 with a PDU Session Container when qfi >= 0 (pdu_type GTPU_PDU_TYPE_DL
 * or _UL). Returns the header length, or -ENOSPC (buf too small), -EINVAL
 * (qfi > 63, pdu_type not DL/UL), -EMSGSIZE (length field would overflow). */
int gtp_build_gpdu_hdr(uint8_t *buf, uint32_t buflen, uint32_t teid,
		       uint16_t payload_len, int qfi, int pdu_type);

/* Options with nothing optional: a plain header of @msg_type to @teid. */
#define GTP_HDR_OPTS(msg_type_, teid_) \
	((struct gtp_hdr_opts){ .msg_type = (msg_type_), .teid = (teid_), .seq = -1, .npdu = -1, \
				.pdu_type = GTPU_PDU_TYPE_NONE, .ppi = -1, .udp_port = -1 })

/* Write the header @o describes for a body_len-byte body (a T-PDU, or the
 * IEs) into buf: the optional fields when any of seq, npdu or an extension
 * is wanted, then a UDP Port and a PDU Session Container extension header.
 * Returns the header length, or -ENOSPC, -EINVAL (a field out of range: QFI
 * > 63, PPI > 7 or in UL, port > 65535, pdu_type neither DL nor UL nor
 * none), -EMSGSIZE (the length field would overflow). */
int gtp_build_hdr(uint8_t *buf, uint32_t buflen, const struct gtp_hdr_opts *o, uint16_t body_len);

/* The header of a G-PDU with a PDU Session Container and nothing else
 * optional, as gtp_build_hdr writes it for the same options (pdu_type
 * GTPU_PDU_TYPE_UL or _DL, qfi 0..63, no RQI, PPI, sequence or N-PDU
 * number): GTPU_PSC_HDR_LEN bytes at p, with no checks, for the fast path
 * that encapsulates every packet. The caller keeps body_len +
 * GTPU_PSC_HDR_LEN - GTPU_HDR_LEN within 16 bits. */
#define GTPU_PSC_HDR_LEN 16
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gtp_write_gpdu_psc composes the header in little-endian words"
#endif
static inline void
gtp_write_gpdu_psc(uint8_t *p, uint32_t teid, uint16_t body_len, uint8_t pdu_type, uint8_t qfi)
{
	uint16_t len = (uint16_t)(body_len + GTPU_PSC_HDR_LEN - GTPU_HDR_LEN);
	/* two words as the bytes lie in memory (little-endian hosts, checked
	 * above): two stores, where byte stores leave a later wide
	 * read of the header waiting for all sixteen */
	uint64_t w0 = (uint64_t)(GTPU_F_V1_GTP | GTPU_F_E) | (uint64_t)GTPU_MSG_GPDU << 8 |
		      (uint64_t)(len >> 8) << 16 | (uint64_t)(len & 0xff) << 24 |
		      (uint64_t)__builtin_bswap32(teid) << 32;
	uint64_t w1 = (uint64_t)GTPU_EXT_PDU_SESS_CONT << 24 | (uint64_t)1 << 32 |
		      (uint64_t)(uint8_t)(pdu_type << 4) << 40 | (uint64_t)(qfi & GTPU_QFI_MASK) << 48 |
		      (uint64_t)GTPU_EXT_NONE << 56;

	__builtin_memcpy(p, &w0, 8);
	__builtin_memcpy(p + 8, &w1, 8);
}

/* Whole signalling messages; each returns its length or gtp_build_hdr's
 * errors. Echo request (@response false) or response (with the Recovery
 * IE), sequence number @seq; Error Indication for a G-PDU to @teid that had
 * no tunnel, from this peer address (@addr_len 4 or 16) and, when @udp_port
 * >= 0, the G-PDU's UDP source port; End Marker on @teid; Supported
 * Extension Headers Notification listing @types. */
int gtp_build_echo(uint8_t *buf, uint32_t buflen, bool response, uint16_t seq);
int gtp_build_error_ind(uint8_t *buf, uint32_t buflen, uint16_t seq, uint32_t teid,
			const uint8_t *addr, uint8_t addr_len, int32_t udp_port);
int gtp_build_end_marker(uint8_t *buf, uint32_t buflen, uint32_t teid);
int gtp_build_supp_ext(uint8_t *buf, uint32_t buflen, uint16_t seq, const uint8_t *types,
		       uint8_t n);

/* The IEs after the header gtp_parse read (@gi), up to the message's
 * length: 0, -EMSGSIZE (@len holds less than the length field says, or an
 * IE runs past the end), -EBADMSG (a TV
 * type this library does not know the length of, a peer address neither 4
 * nor 16 octets, more than GTP_EXT_LIST_MAX types listed). */
int gtp_parse_ies(const uint8_t *p, uint32_t len, const struct gtp_info *gi, struct gtp_ies *out);

/* Short name of a message type for logs, "unknown" otherwise. */
const char *gtp_msg_name(uint8_t msg_type);

#endif
