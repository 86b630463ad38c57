/* SPDX-License-Identifier: BSD-3-Clause */
/* DHCPv4 messages (dh_msg.h): the reader walks the options field and,
 * when option 52 says so, file and sname, each bounded by its own field;
 * the builder writes a server's OFFER, ACK or NAK. */
#include <errno.h>
#include <string.h>

#include "dh_msg.h"

const char *const dh_type_name[DH_TYPE_MAX + 1] = {
	"none", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform",
};

const char *const dh_bad_name[DH_BAD_N] = {
	"ok", "short", "magic", "hardware", "option", "overload", "type",
};

static const uint8_t magic[DH_MAGIC_LEN] = { 99, 130, 83, 99 };

#define SNAME_OFF 44
#define SNAME_LEN 64
#define FILE_OFF 108
#define FILE_LEN 128

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A fixed-size option: exactly want bytes, and once. */
static bool
fixed(bool *seen, uint8_t len, uint8_t want)
{
	if (*seen || len != want)
		return false;
	*seen = true;
	return true;
}

/* The options in p[0..len) (one of the three fields). in_main: the options
 * field itself, the only one that may carry option 52. */
static enum dh_bad
walk(const uint8_t *p, size_t len, struct dh_msg *m, bool in_main, bool *seen_type, bool *seen_max)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i], ol;
		const uint8_t *v;

		if (code == DH_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DH_OPT_END)
			return DH_OK;
		if (i + 1 >= len || (size_t)p[i + 1] > len - i - 2)
			return DH_BAD_OPTION;
		ol = p[i + 1];
		v = p + i + 2;
		switch (code) {
		case DH_OPT_TYPE:
			if (!fixed(seen_type, ol, 1))
				return DH_BAD_OPTION;
			m->type = v[0];
			break;
		case DH_OPT_REQ_IP:
			if (!fixed(&m->has_req_ip, ol, 4))
				return DH_BAD_OPTION;
			m->req_ip = get32(v);
			break;
		case DH_OPT_SERVER_ID:
			if (!fixed(&m->has_server_id, ol, 4))
				return DH_BAD_OPTION;
			m->server_id = get32(v);
			break;
		case DH_OPT_LEASE:
			if (!fixed(&m->has_lease, ol, 4))
				return DH_BAD_OPTION;
			m->lease_s = be32(v);
			break;
		case DH_OPT_MAX_SIZE:
			if (!fixed(seen_max, ol, 2))
				return DH_BAD_OPTION;
			m->max_size = (uint16_t)(v[0] << 8 | v[1]);
			break;
		case DH_OPT_OVERLOAD:
			if (!in_main || m->overload != 0 || ol != 1 || v[0] < 1 || v[0] > 3)
				return DH_BAD_OVERLOAD;
			m->overload = v[0];
			break;
		case DH_OPT_CLIENT_ID:
			if (ol < 2)   /* a type and at least one byte (RFC 2132 9.14) */
				return DH_BAD_OPTION;
			if (m->client_id == NULL) {
				m->client_id = v;
				m->client_id_len = ol;
			}
			break;
		case DH_OPT_HOSTNAME:
			if (ol < 1)
				return DH_BAD_OPTION;
			if (m->hostname == NULL) {
				m->hostname = v;
				m->hostname_len = ol;
			}
			break;
		case DH_OPT_PRL:
			if (m->prl == NULL) {
				m->prl = v;
				m->prl_len = ol;
			}
			break;
		case DH_OPT_RELAY:
			if (m->relay == NULL) {
				m->relay = v;
				m->relay_len = ol;
			}
			break;
		default:
			break;
		}
		i += 2u + ol;
	}
	return DH_OK;   /* no end option: what was there is taken (clients differ) */
}

enum dh_bad
dh_parse(const uint8_t *p, size_t len, struct dh_msg *m)
{
	bool seen_type = false, seen_max = false;
	enum dh_bad bad;

	memset(m, 0, sizeof(*m));
	if (p == NULL || len < DH_MIN_LEN)
		return DH_BAD_SHORT;
	if (memcmp(p + DH_FIXED_LEN, magic, DH_MAGIC_LEN) != 0)
		return DH_BAD_MAGIC;
	m->op = p[0];
	m->htype = p[1];
	m->hlen = p[2];
	m->hops = p[3];
	m->xid = get32(p + 4);
	m->secs = (uint16_t)(p[8] << 8 | p[9]);
	m->flags = (uint16_t)(p[10] << 8 | p[11]);
	m->ciaddr = get32(p + 12);
	m->yiaddr = get32(p + 16);
	m->siaddr = get32(p + 20);
	m->giaddr = get32(p + 24);
	memcpy(m->chaddr, p + 28, 16);
	if (m->htype != 1 || m->hlen != 6)
		return DH_BAD_HW;
	if ((bad = walk(p + DH_MIN_LEN, len - DH_MIN_LEN, m, true, &seen_type, &seen_max)) != DH_OK)
		return bad;
	/* RFC 2131 4.1: file first, then sname */
	if ((m->overload & 1) && (bad = walk(p + FILE_OFF, FILE_LEN, m, false, &seen_type, &seen_max)) != DH_OK)
		return bad;
	if ((m->overload & 2) && (bad = walk(p + SNAME_OFF, SNAME_LEN, m, false, &seen_type, &seen_max)) != DH_OK)
		return bad;
	if (!seen_type || m->type == 0 || m->type > DH_TYPE_MAX)
		return DH_BAD_TYPE;
	return DH_OK;
}

/* ----------------------------------------------------------- building */

struct out {
	uint8_t *p;
	size_t cap, n;
	bool full;
};

static void
put(struct out *o, uint8_t code, const void *v, size_t len)
{
	if (o->full || len > 255 || o->n + 2 + len > o->cap) {
		o->full = true;
		return;
	}
	o->p[o->n] = code;
	o->p[o->n + 1] = (uint8_t)len;
	memcpy(o->p + o->n + 2, v, len);
	o->n += 2 + len;
}

static void
put32(struct out *o, uint8_t code, uint32_t host)
{
	uint8_t b[4] = { (uint8_t)(host >> 24), (uint8_t)(host >> 16), (uint8_t)(host >> 8), (uint8_t)host };

	put(o, code, b, 4);
}

static void
put_ip(struct out *o, uint8_t code, uint32_t net)
{
	put(o, code, &net, 4);
}

int
dh_build(uint8_t *out, size_t cap, const struct dh_msg *q, const struct dh_answer *a)
{
	struct out o = { .p = out, .cap = cap };
	uint32_t dns[2];
	unsigned int nd = 0;

	if (cap < DH_BOOTP_MIN)
		return -ENOSPC;
	memset(out, 0, DH_MIN_LEN);
	out[0] = DH_OP_REPLY;
	out[1] = 1;
	out[2] = 6;
	memcpy(out + 4, &q->xid, 4);
	out[10] = (uint8_t)(q->flags >> 8);
	out[11] = (uint8_t)q->flags;
	if (a->type != DH_NAK) {
		if (a->type == DH_ACK)
			memcpy(out + 12, &q->ciaddr, 4);   /* RFC 2131 table 3: ciaddr of the request */
		memcpy(out + 16, &a->yiaddr, 4);
	}
	memcpy(out + 24, &q->giaddr, 4);
	memcpy(out + 28, q->chaddr, 16);
	memcpy(out + DH_FIXED_LEN, magic, DH_MAGIC_LEN);
	o.n = DH_MIN_LEN;
	put(&o, DH_OPT_TYPE, &a->type, 1);
	put_ip(&o, DH_OPT_SERVER_ID, a->server_id);
	if (a->type != DH_NAK) {
		if (a->lease_s != 0) {
			put32(&o, DH_OPT_LEASE, a->lease_s);
			put32(&o, DH_OPT_T1, a->lease_s / 2);                          /* RFC 2131 4.4.5 */
			put32(&o, DH_OPT_T2, (uint32_t)((uint64_t)a->lease_s * 7 / 8));
		}
		if (a->plen != 0 && a->plen <= 32) {
			uint32_t mask = a->plen == 32 ? UINT32_MAX : ~(UINT32_MAX >> a->plen);

			put32(&o, DH_OPT_MASK, mask);
		}
		if (a->router != 0)
			put_ip(&o, DH_OPT_ROUTER, a->router);
		for (unsigned int i = 0; i < 2; i++)
			if (a->dns[i] != 0)
				dns[nd++] = a->dns[i];
		if (nd > 0)
			put(&o, DH_OPT_DNS, dns, nd * 4);
	}
	if (a->message != NULL)
		put(&o, DH_OPT_MESSAGE, a->message, strnlen(a->message, 255));
	if (q->relay != NULL)
		put(&o, DH_OPT_RELAY, q->relay, q->relay_len);
	if (o.full || o.n + 1 > cap)
		return -ENOSPC;
	out[o.n++] = DH_OPT_END;
	if (o.n < DH_BOOTP_MIN) {
		memset(out + o.n, 0, DH_BOOTP_MIN - o.n);
		o.n = DH_BOOTP_MIN;
	}
	return (int)o.n;
}

int
dh_option(const uint8_t *p, size_t len, uint8_t code, uint8_t *val, size_t cap)
{
	size_t i = DH_MIN_LEN;

	if (p == NULL || len < DH_MIN_LEN)
		return -1;
	while (i < len && p[i] != DH_OPT_END) {
		if (p[i] == DH_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= len || (size_t)p[i + 1] > len - i - 2)
			return -1;
		if (p[i] == code) {
			if (p[i + 1] > cap)
				return -1;
			memcpy(val, p + i + 2, p[i + 1]);
			return p[i + 1];
		}
		i += 2u + p[i + 1];
	}
	return -1;
}
