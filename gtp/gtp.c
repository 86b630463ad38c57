/* GTP-U v1 header walk, IEs, and the builders of its headers and signalling messages (TS 29.281, TS 38.415).
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

/* Extension headers whose comprehension this library provides: a
 * comprehension-required one of another type makes the message one to
 * refuse (gtp_info.ext_unsupported). */
static bool
ext_known(uint8_t type)
{
	return type == GTPU_EXT_PDU_SESS_CONT || type == GTPU_EXT_UDP_PORT ||
	       type == GTPU_EXT_PDCP_PN || type == GTPU_EXT_LONG_PDCP_PN;
}

static int
gtp_fail(struct gtp_info *out, int err)
{
	/* Callers that ignore the return value must not act on half a parse. */
	memset(out, 0, sizeof(*out));
	out->pdu_type = GTPU_PDU_TYPE_NONE;
	out->udp_port = -1;
	return err;
}

int
gtp_parse(const uint8_t *p, uint32_t len, struct gtp_info *out)
{
	uint32_t off = GTPU_HDR_LEN;
	uint8_t flags, next = GTPU_EXT_NONE;

	memset(out, 0, sizeof(*out));
	out->pdu_type = GTPU_PDU_TYPE_NONE;
	out->udp_port = -1;

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

			/* one container per PDU: two would give two QFIs */
			if (out->pdu_type != GTPU_PDU_TYPE_NONE)
				return gtp_fail(out, -EBADMSG);
			out->pdu_type = t;
			out->qfi = p[off + 2] & GTPU_QFI_MASK;
			out->rqi = t == GTPU_PDU_TYPE_DL &&
				   (p[off + 2] & GTPU_RQI_BIT) ? 1 : 0;
			/* the PPI octet follows when PPP is set (DL only) */
			if (t == GTPU_PDU_TYPE_DL && (p[off + 2] & GTPU_PPP_BIT) && elen >= 8) {
				out->has_ppi = 1;
				out->ppi = p[off + 3] >> 5;
			}
		} else if (next == GTPU_EXT_UDP_PORT && elen >= 4) {
			out->udp_port = rd16(p + off + 1);
		} else if ((next & 0x80) && !ext_known(next) && out->ext_unsupported == 0) {
			out->ext_unsupported = next;
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

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

int
gtp_build_hdr(uint8_t *buf, uint32_t buflen, const struct gtp_hdr_opts *o, uint16_t body_len)
{
	bool psc = o->pdu_type != GTPU_PDU_TYPE_NONE, port = o->udp_port >= 0;
	bool ppp = psc && o->ppi >= 0;
	bool opt = o->seq >= 0 || o->npdu >= 0 || psc || port;
	uint32_t hlen = GTPU_HDR_LEN + (opt ? GTPU_OPT_LEN : 0) + (port ? 4 : 0) +
			(psc ? (ppp ? 8 : 4) : 0);
	uint32_t off = GTPU_HDR_LEN, length;
	uint8_t *next;

	if ((psc && ((o->pdu_type != GTPU_PDU_TYPE_DL && o->pdu_type != GTPU_PDU_TYPE_UL) ||
		     o->qfi > GTPU_QFI_MASK || o->ppi > 7 ||
		     (o->pdu_type == GTPU_PDU_TYPE_UL && (o->ppi >= 0 || o->rqi)))) ||
	    o->udp_port > UINT16_MAX || o->seq > UINT16_MAX || o->npdu > UINT8_MAX)
		return -EINVAL;
	if (buflen < hlen)
		return -ENOSPC;
	length = body_len + (hlen - GTPU_HDR_LEN);
	if (length > UINT16_MAX)
		return -EMSGSIZE;
	buf[0] = GTPU_F_V1_GTP | (psc || port ? GTPU_F_E : 0) | (o->seq >= 0 ? GTPU_F_S : 0) |
		 (o->npdu >= 0 ? GTPU_F_PN : 0);
	buf[1] = o->msg_type;
	wr16(buf + 2, (uint16_t)length);
	wr32(buf + 4, o->teid);
	if (!opt)
		return (int)hlen;
	wr16(buf + 8, o->seq >= 0 ? (uint16_t)o->seq : 0);
	buf[10] = o->npdu >= 0 ? (uint8_t)o->npdu : 0;
	next = &buf[11];
	*next = GTPU_EXT_NONE;
	off += GTPU_OPT_LEN;
	if (port) {
		*next = GTPU_EXT_UDP_PORT;
		buf[off] = 1;
		wr16(buf + off + 1, (uint16_t)o->udp_port);
		next = &buf[off + 3];
		*next = GTPU_EXT_NONE;
		off += 4;
	}
	if (psc) {
		/* DL: PDU type 0, then PPP, RQI, QFI and, with PPP, the PPI
		 * octet and padding to 8; UL: PDU type 1 and the QFI
		 * (TS 38.415 5.5.2) */
		*next = GTPU_EXT_PDU_SESS_CONT;
		memset(buf + off, 0, ppp ? 8 : 4);
		buf[off] = ppp ? 2 : 1;
		buf[off + 1] = (uint8_t)(o->pdu_type << 4);
		buf[off + 2] = (uint8_t)(o->qfi | (o->rqi ? GTPU_RQI_BIT : 0) | (ppp ? GTPU_PPP_BIT : 0));
		if (ppp)
			buf[off + 3] = (uint8_t)(o->ppi << 5);
	}
	return (int)hlen;
}

int
gtp_build_echo(uint8_t *buf, uint32_t buflen, bool response, uint16_t seq)
{
	struct gtp_hdr_opts o = GTP_HDR_OPTS(response ? GTPU_MSG_ECHO_RSP : GTPU_MSG_ECHO_REQ, 0);
	int n;

	o.seq = seq;
	/* a response carries Recovery, whose value GTP-U sets to 0 (7.2.2) */
	if ((n = gtp_build_hdr(buf, buflen, &o, response ? 2 : 0)) < 0)
		return n;
	if (!response)
		return n;
	if (buflen < (uint32_t)n + 2)
		return -ENOSPC;
	buf[n] = GTPU_IE_RECOVERY;
	buf[n + 1] = 0;
	return n + 2;
}

int
gtp_build_error_ind(uint8_t *buf, uint32_t buflen, uint16_t seq, uint32_t teid,
		    const uint8_t *addr, uint8_t addr_len, int32_t udp_port)
{
	struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_ERROR_IND, 0);
	uint16_t body = 5 + 3 + addr_len;
	int n;

	if (addr_len != 4 && addr_len != 16)
		return -EINVAL;
	o.seq = seq;
	o.udp_port = udp_port;
	if ((n = gtp_build_hdr(buf, buflen, &o, body)) < 0)
		return n;
	if (buflen < (uint32_t)n + body)
		return -ENOSPC;
	buf[n] = GTPU_IE_TEID_DATA_I;
	wr32(buf + n + 1, teid);
	buf[n + 5] = GTPU_IE_PEER_ADDR;
	wr16(buf + n + 6, addr_len);
	memcpy(buf + n + 8, addr, addr_len);
	return n + body;
}

int
gtp_build_end_marker(uint8_t *buf, uint32_t buflen, uint32_t teid)
{
	struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_END_MARKER, teid);

	return gtp_build_hdr(buf, buflen, &o, 0);
}

int
gtp_build_supp_ext(uint8_t *buf, uint32_t buflen, uint16_t seq, const uint8_t *types, uint8_t n)
{
	struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_SUPP_EXT_NOTIF, 0);
	int h;

	if (n == 0 || n > GTP_EXT_LIST_MAX)
		return -EINVAL;
	o.seq = seq;
	if ((h = gtp_build_hdr(buf, buflen, &o, (uint16_t)(2 + n))) < 0)
		return h;
	if (buflen < (uint32_t)h + 2 + n)
		return -ENOSPC;
	buf[h] = GTPU_IE_EXT_TYPE_LIST;
	buf[h + 1] = n;
	memcpy(buf + h + 2, types, n);
	return h + 2 + n;
}

int
gtp_parse_ies(const uint8_t *p, uint32_t len, const struct gtp_info *gi, struct gtp_ies *out)
{
	uint32_t off = gi->hdr_len, end = GTPU_HDR_LEN + (uint32_t)gi->length;

	memset(out, 0, sizeof(*out));
	if (end > len)	/* the message is not all there */
		return -EMSGSIZE;
	while (off < end) {
		uint8_t t = p[off];
		uint32_t l;

		switch (t) {
		case GTPU_IE_RECOVERY:
			if (end - off < 2)
				return -EMSGSIZE;
			out->has_recovery = 1;
			out->recovery = p[off + 1];
			off += 2;
			continue;
		case GTPU_IE_TEID_DATA_I:
			if (end - off < 5)
				return -EMSGSIZE;
			out->has_teid_data = 1;
			out->teid_data = rd32(p + off + 1);
			off += 5;
			continue;
		case GTPU_IE_EXT_TYPE_LIST:
			if (end - off < 2 || end - off - 2 < p[off + 1])
				return -EMSGSIZE;
			if (p[off + 1] > GTP_EXT_LIST_MAX)
				return -EBADMSG;
			out->n_ext_types = p[off + 1];
			memcpy(out->ext_types, p + off + 2, p[off + 1]);
			off += 2u + p[off + 1];
			continue;
		default:
			break;
		}
		if (t < 128)	/* a TV type: its length is unknown here */
			return -EBADMSG;
		if (end - off < 3)
			return -EMSGSIZE;
		l = rd16(p + off + 1);
		if (end - off - 3 < l)
			return -EMSGSIZE;
		if (t == GTPU_IE_PEER_ADDR) {
			if (l != 4 && l != 16)
				return -EBADMSG;
			out->peer_len = (uint8_t)l;
			memcpy(out->peer, p + off + 3, l);
		}
		off += 3 + l;
	}
	return 0;
}

int
gtp_build_gpdu_hdr(uint8_t *buf, uint32_t buflen, uint32_t teid,
		   uint16_t payload_len, int qfi, int pdu_type)
{
	struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_GPDU, teid);

	if (qfi >= 0) {
		if (qfi > GTPU_QFI_MASK || (pdu_type != GTPU_PDU_TYPE_DL && pdu_type != GTPU_PDU_TYPE_UL))
			return -EINVAL;
		o.pdu_type = (uint8_t)pdu_type;
		o.qfi = (uint8_t)qfi;
	}
	return gtp_build_hdr(buf, buflen, &o, payload_len);
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
