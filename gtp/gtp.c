/* GTP-U v1 header walk and G-PDU header builder (TS 29.281, TS 38.415).
 * Every read is checked against len; the extension chain is capped at
 * GTP_EXT_MAX so a crafted chain costs bounded work. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "gtp.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int
gtp_fail(struct gtp_info *out, int err)
{
	/* Callers that ignore the return value must not act on half a parse. */
	memset(out, 0, sizeof(*out));
	out->pdu_type = GTPU_PDU_TYPE_NONE;
	return err;
}

int
gtp_parse(const uint8_t *p, uint32_t len, struct gtp_info *out)
{
	uint32_t off = GTPU_HDR_LEN;
	uint8_t flags, next = GTPU_EXT_NONE;

	memset(out, 0, sizeof(*out));
	out->pdu_type = GTPU_PDU_TYPE_NONE;

	if (len < GTPU_HDR_LEN)
		return gtp_fail(out, -EMSGSIZE);
	flags = p[0];
	if ((flags & (GTPU_F_VER_MASK | GTPU_F_PT)) != GTPU_F_V1_GTP)
		return gtp_fail(out, -EINVAL);

	out->flags = flags;
	out->msg_type = p[1];
	out->length = rd16(p + 2);
	out->teid = rd32(p + 4);

	/* One of E/S/PN set means all three optional fields are on the wire;
	 * only the flagged ones carry meaning. */
	if (flags & GTPU_F_OPT_MASK) {
		if (len < GTPU_HDR_LEN + GTPU_OPT_LEN)
			return gtp_fail(out, -EMSGSIZE);
		if (flags & GTPU_F_S) {
			out->has_seq = 1;
			out->seq = rd16(p + 8);
		}
		if (flags & GTPU_F_PN)
			out->npdu = p[10];
		if (flags & GTPU_F_E)
			next = p[11];
		off += GTPU_OPT_LEN;
	}

	while (next != GTPU_EXT_NONE) {
		uint32_t elen;

		if (out->n_ext >= GTP_EXT_MAX)
			return gtp_fail(out, -ELOOP);
		if (off >= len)
			return gtp_fail(out, -EMSGSIZE);
		elen = (uint32_t)p[off] * GTPU_EXT_UNIT;
		if (elen == 0)
			return gtp_fail(out, -EBADMSG);
		if (elen > len - off)
			return gtp_fail(out, -EMSGSIZE);
		if (next == GTPU_EXT_PDU_SESS_CONT) {
			/* elen >= 4, so both content octets are present. */
			uint8_t t = p[off + 1] >> 4;

			out->pdu_type = t;
			out->qfi = p[off + 2] & GTPU_QFI_MASK;
			out->rqi = t == GTPU_PDU_TYPE_DL &&
				   (p[off + 2] & GTPU_RQI_BIT) ? 1 : 0;
		}
		next = p[off + elen - 1];
		off += elen;
		out->n_ext++;
	}

	/* The length field covers optional fields and extensions too. */
	if (off - GTPU_HDR_LEN > out->length)
		return gtp_fail(out, -EMSGSIZE);
	out->hdr_len = (uint16_t)off;
	return 0;
}

int
gtp_build_gpdu_hdr(uint8_t *buf, uint32_t buflen, uint32_t teid,
		   uint16_t payload_len, int qfi, int pdu_type)
{
	struct gtpu_hdr h;
	uint32_t hlen = GTPU_HDR_LEN;
	uint32_t length;

	if (qfi >= 0) {
		if (qfi > GTPU_QFI_MASK ||
		    (pdu_type != GTPU_PDU_TYPE_DL && pdu_type != GTPU_PDU_TYPE_UL))
			return -EINVAL;
		hlen += GTPU_OPT_LEN + sizeof(struct gtpu_ext_pdu_sess);
	}
	if (buflen < hlen)
		return -ENOSPC;
	length = payload_len + (hlen - GTPU_HDR_LEN);
	if (length > UINT16_MAX)
		return -EMSGSIZE;

	h.flags = GTPU_F_V1_GTP | (qfi >= 0 ? GTPU_F_E : 0);
	h.msg_type = GTPU_MSG_GPDU;
	h.length = htons((uint16_t)length);
	h.teid = htonl(teid);
	memcpy(buf, &h, sizeof(h));

	if (qfi >= 0) {
		struct gtpu_opt_hdr o = {
			.seq = 0, .npdu = 0, .next_ext = GTPU_EXT_PDU_SESS_CONT,
		};
		/* DL: PPP/RQI clear; UL: delay-indication/new-IE flags clear.
		 * Either way the second octet is just the QFI. */
		struct gtpu_ext_pdu_sess e = {
			.len = 1,
			.type_flags = (uint8_t)(pdu_type << 4),
			.qfi_flags = (uint8_t)qfi,
			.next_ext = GTPU_EXT_NONE,
		};

		memcpy(buf + GTPU_HDR_LEN, &o, sizeof(o));
		memcpy(buf + GTPU_HDR_LEN + GTPU_OPT_LEN, &e, sizeof(e));
	}
	return (int)hlen;
}

const char *
gtp_msg_name(uint8_t msg_type)
{
	switch (msg_type) {
	case GTPU_MSG_ECHO_REQ:       return "echo-request";
	case GTPU_MSG_ECHO_RSP:       return "echo-response";
	case GTPU_MSG_ERROR_IND:      return "error-indication";
	case GTPU_MSG_SUPP_EXT_NOTIF: return "supported-ext-hdr-notification";
	case GTPU_MSG_TUNNEL_STATUS:  return "tunnel-status";
	case GTPU_MSG_END_MARKER:     return "end-marker";
	case GTPU_MSG_GPDU:           return "g-pdu";
	default:                      return "unknown";
	}
}
