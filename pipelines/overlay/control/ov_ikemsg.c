/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikemsg (see ov_ikemsg.h): IKEv2 messages read against their lengths, and written front to back. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ov_ikemsg.h"

/* ov_ike_buf.next_at: the chain's first type is b->first; nothing to patch (after an SK) */
#define CHAIN_FIRST  SIZE_MAX
#define CHAIN_CLOSED (SIZE_MAX - 1)

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)ov_ike_get32(p) << 32 | ov_ike_get32(p + 4);
}

static void
be64(uint8_t *p, uint64_t v)
{
	ov_ike_be32(p, (uint32_t)(v >> 32));
	ov_ike_be32(p + 4, (uint32_t)v);
}

static int
bad(const char **why, const char *what)
{
	if (why != NULL)
		*why = what;
	return -EBADMSG;
}

/* ------------------------------------------------------------ reading */

int
ov_ike_parse_chain(const uint8_t *buf, size_t len, uint8_t first, struct ov_ike_msg *m, const char **why)
{
	uint8_t next = first;
	size_t at = 0;

	while (next != OV_IKE_PL_NONE) {
		uint16_t plen;

		if (m->n == OV_IKE_PL_MAX)
			return bad(why, "too many payloads");
		if (len - at < OV_IKE_PL_HDR)
			return bad(why, "a payload's header past the end");
		plen = ov_ike_get16(buf + at + 2);
		if (plen < OV_IKE_PL_HDR || plen > len - at)
			return bad(why, "a payload's length past the end or short of its header");
		m->pl[m->n++] = (struct ov_ike_pl){ .type = next, .critical = (buf[at + 1] & 0x80) != 0,
						    .body = buf + at + OV_IKE_PL_HDR,
						    .len = (uint16_t)(plen - OV_IKE_PL_HDR) };
		if (next == OV_IKE_PL_SK || next == OV_IKE_PL_SKF) {
			/* its Next Payload is the first inside it; nothing may follow it */
			if (at + plen != len)
				return bad(why, "bytes after the encrypted payload");
			return 0;
		}
		next = buf[at];
		at += plen;
	}
	if (at != len)
		return bad(why, "bytes after the last payload");
	return 0;
}

int
ov_ike_parse(const uint8_t *buf, size_t len, struct ov_ike_msg *m, const char **why)
{
	struct ov_ike_hdr *h = &m->h;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len < OV_IKE_HDR)
		return bad(why, "shorter than the header");
	h->spi_i = get64(buf);
	h->spi_r = get64(buf + 8);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msgid = ov_ike_get32(buf + 20);
	h->length = ov_ike_get32(buf + 24);
	if ((h->version >> 4) != 2)
		return bad(why, "not version 2");
	if (h->length != len)
		return bad(why, "its length is not the datagram's");
	if ((rc = ov_ike_parse_chain(buf + OV_IKE_HDR, len - OV_IKE_HDR, h->next, m, why)) < 0)
		return rc;
	if (m->n > 0 && (m->pl[m->n - 1].type == OV_IKE_PL_SK || m->pl[m->n - 1].type == OV_IKE_PL_SKF))
		m->sk_at = (size_t)(m->pl[m->n - 1].body - buf) - OV_IKE_PL_HDR;
	return 0;
}

const struct ov_ike_pl *
ov_ike_find(const struct ov_ike_msg *m, uint8_t type)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

/* One transform at @p (@len left in its proposal) into @pr; its length. */
static int
read_xf(const uint8_t *p, size_t len, struct ov_ike_prop *pr, bool *last, const char **why)
{
	uint16_t tl;
	uint8_t type;
	uint16_t id, keylen = 0;

	if (len < 8)
		return bad(why, "a transform past its proposal");
	tl = ov_ike_get16(p + 2);
	if ((p[0] != 0 && p[0] != 3) || tl < 8 || tl > len)
		return bad(why, "a transform's header");
	*last = p[0] == 0;
	type = p[4];
	id = ov_ike_get16(p + 6);
	for (size_t a = 8; a < tl;) {
		uint16_t at, av;

		if (tl - a < 4)
			return bad(why, "an attribute past its transform");
		at = ov_ike_get16(p + a);
		av = ov_ike_get16(p + a + 2);
		if (at & 0x8000) {	/* TV */
			if ((at & 0x7fff) == OV_IKE_ATTR_KEYLEN)
				keylen = av;
			else
				pr->unknown_attr = true;
			a += 4;
		} else {		/* TLV: none is known */
			if (av > tl - a - 4)
				return bad(why, "an attribute past its transform");
			pr->unknown_attr = true;
			a += 4u + av;
		}
	}
	if (type < OV_IKE_XF_TYPES && pr->nxf[type] < OV_IKE_XF_MAX) {
		pr->xf[type][pr->nxf[type]].id = id;
		pr->xf[type][pr->nxf[type]].keylen = keylen;
		pr->nxf[type]++;
	} else if (type >= OV_IKE_XF_TYPES || type == 0) {
		pr->unknown_attr = true;	/* a transform type this box does not know: not chosen */
	}
	return tl;
}

int
ov_ike_read_sa(const struct ov_ike_pl *p, struct ov_ike_sa *sa, const char **why)
{
	const uint8_t *b = p->body;
	size_t at = 0, len = p->len;
	bool more = true;

	memset(sa, 0, sizeof(*sa));
	while (more) {
		struct ov_ike_prop pr = { 0 };
		uint16_t pl;
		uint8_t nxf;
		size_t x;
		bool last = false;

		if (len - at < 8)
			return bad(why, "a proposal past its SA");
		pl = ov_ike_get16(b + at + 2);
		if ((b[at] != 0 && b[at] != 2) || pl < 8 || pl > len - at)
			return bad(why, "a proposal's header");
		more = b[at] == 2;
		pr.num = b[at + 4];
		pr.proto = b[at + 5];
		pr.spi_len = b[at + 6];
		nxf = b[at + 7];
		if (pr.spi_len > OV_IKE_SPI_MAX || 8u + pr.spi_len > pl)
			return bad(why, "a proposal's SPI");
		memcpy(pr.spi, b + at + 8, pr.spi_len);
		x = 8u + pr.spi_len;
		for (unsigned int t = 0; t < nxf; t++) {
			int tl;

			if (last)
				return bad(why, "more transforms than the last");
			if ((tl = read_xf(b + at + x, pl - x, &pr, &last, why)) < 0)
				return tl;
			x += (size_t)tl;
		}
		if (x != pl || (nxf > 0 && !last))
			return bad(why, "a proposal's transforms do not fill it");
		if (sa->n < OV_IKE_PROP_MAX)
			sa->prop[sa->n++] = pr;
		at += pl;
	}
	if (at != len)
		return bad(why, "bytes after the last proposal");
	return 0;
}

int
ov_ike_read_ke(const struct ov_ike_pl *p, uint16_t *group, const uint8_t **data, size_t *len, const char **why)
{
	if (p->len < 4)
		return bad(why, "a KE payload short of its header");
	*group = ov_ike_get16(p->body);
	*data = p->body + 4;
	*len = p->len - 4u;
	return 0;
}

int
ov_ike_read_notify(const struct ov_ike_pl *p, struct ov_ike_notify *n, const char **why)
{
	if (p->len < 4 || p->body[1] > OV_IKE_SPI_MAX || 4u + p->body[1] > p->len)
		return bad(why, "a notify's header or SPI");
	n->proto = p->body[0];
	n->spi_len = p->body[1];
	n->type = ov_ike_get16(p->body + 2);
	n->spi = p->body + 4;
	n->data = p->body + 4 + n->spi_len;
	n->data_len = p->len - 4u - n->spi_len;
	return 0;
}

int
ov_ike_find_notify(const struct ov_ike_msg *m, uint16_t type, struct ov_ike_notify *n)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == OV_IKE_PL_NOTIFY && ov_ike_read_notify(&m->pl[i], n, NULL) == 0 &&
		    n->type == type)
			return 0;
	return -ENOENT;
}

int
ov_ike_read_id(const struct ov_ike_pl *p, uint8_t *type, const uint8_t **data, size_t *len, const char **why)
{
	if (p->len < 5)
		return bad(why, "an ID payload short of its header or empty");
	*type = p->body[0];
	*data = p->body + 4;
	*len = p->len - 4u;
	return 0;
}

int
ov_ike_read_auth(const struct ov_ike_pl *p, uint8_t *method, const uint8_t **data, size_t *len,
		 const char **why)
{
	if (p->len < 5)
		return bad(why, "an AUTH payload short of its header or empty");
	*method = p->body[0];
	*data = p->body + 4;
	*len = p->len - 4u;
	return 0;
}

int
ov_ike_read_ts(const struct ov_ike_pl *p, struct ov_ike_tss *ts, const char **why)
{
	size_t at = 4, n;

	memset(ts, 0, sizeof(*ts));
	if (p->len < 4)
		return bad(why, "a TS payload short of its header");
	n = p->body[0];
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = p->body + at;
		struct ov_ike_ts t;
		uint16_t sl;

		if (p->len - at < 4)
			return bad(why, "a selector past its payload");
		sl = ov_ike_get16(s + 2);
		if (sl < 8 || sl > p->len - at)
			return bad(why, "a selector's length");
		at += sl;
		if (s[0] != OV_IKE_TS_IPV4_ADDR_RANGE && s[0] != OV_IKE_TS_IPV6_ADDR_RANGE)
			continue;	/* another type (Fibre Channel's, a security label): no path has one */
		if (sl != (s[0] == OV_IKE_TS_IPV4_ADDR_RANGE ? 16 : 40))
			return bad(why, s[0] == OV_IKE_TS_IPV4_ADDR_RANGE ? "an IPv4 selector not 16 bytes"
									  : "an IPv6 selector not 40 bytes");
		if (ts->n == OV_IKE_TS_MAX)
			continue;
		t = (struct ov_ike_ts){ .type = s[0], .proto = s[1], .port_lo = ov_ike_get16(s + 4),
					.port_hi = ov_ike_get16(s + 6) };
		if (s[0] == OV_IKE_TS_IPV4_ADDR_RANGE) {
			t.lo[10] = t.lo[11] = t.hi[10] = t.hi[11] = 0xff;
			memcpy(t.lo + 12, s + 8, 4);
			memcpy(t.hi + 12, s + 12, 4);
		} else {
			memcpy(t.lo, s + 8, 16);
			memcpy(t.hi, s + 24, 16);
		}
		ts->ts[ts->n++] = t;
	}
	if (at != p->len)
		return bad(why, "bytes after the last selector");
	return 0;
}

int
ov_ike_read_delete(const struct ov_ike_pl *p, uint8_t *proto, uint8_t *spi_len, size_t *n,
		   const uint8_t **spis, const char **why)
{
	if (p->len < 4)
		return bad(why, "a delete short of its header");
	*proto = p->body[0];
	*spi_len = p->body[1];
	*n = ov_ike_get16(p->body + 2);
	*spis = p->body + 4;
	if ((size_t)*spi_len * *n != p->len - 4u || (*proto == OV_IKE_PROTO_IKE && (*spi_len != 0 || *n != 0)) ||
	    (*proto != OV_IKE_PROTO_IKE && *spi_len != 4))
		return bad(why, "a delete's SPIs");
	return 0;
}

/* ------------------------------------------------------------ writing */

void
ov_ike_buf_init(struct ov_ike_buf *b, uint8_t *p, size_t cap)
{
	*b = (struct ov_ike_buf){ .p = p, .cap = cap };
}

static uint8_t *
room(struct ov_ike_buf *b, size_t len)
{
	uint8_t *at;

	if (b->err < 0 || len > b->cap - b->len) {
		b->err = -ENOSPC;
		return NULL;
	}
	at = b->p + b->len;
	b->len += len;
	return at;
}

void
ov_ike_put_hdr(struct ov_ike_buf *b, const struct ov_ike_hdr *h)
{
	uint8_t *p = room(b, OV_IKE_HDR);

	if (p == NULL)
		return;
	be64(p, h->spi_i);
	be64(p + 8, h->spi_r);
	p[16] = OV_IKE_PL_NONE;
	p[17] = OV_IKE_VERSION;
	p[18] = h->exchange;
	p[19] = h->flags;
	ov_ike_be32(p + 20, h->msgid);
	ov_ike_be32(p + 24, 0);
	b->next_at = (size_t)(p - b->p) + 16;
}

void
ov_ike_chain_start(struct ov_ike_buf *b)
{
	b->next_at = CHAIN_FIRST;
	b->first = OV_IKE_PL_NONE;
}

/* A payload of @type begins at @at: the one before names it. */
static void
link_next(struct ov_ike_buf *b, uint8_t type, size_t at)
{
	if (b->next_at == CHAIN_FIRST)
		b->first = type;
	else if (b->next_at != CHAIN_CLOSED)
		b->p[b->next_at] = type;
	b->next_at = at;
}

size_t
ov_ike_putv(struct ov_ike_buf *b, uint8_t type, const void *const *parts, const size_t *lens, size_t n)
{
	size_t len = 0, start;
	uint8_t *p;

	for (size_t i = 0; i < n; i++)
		len += lens[i];
	if (len > 0xffff - OV_IKE_PL_HDR) {
		b->err = -ENOSPC;
		return 0;
	}
	if ((p = room(b, OV_IKE_PL_HDR + len)) == NULL)
		return 0;
	start = (size_t)(p - b->p);
	p[0] = OV_IKE_PL_NONE;
	p[1] = 0;
	ov_ike_be16(p + 2, (uint16_t)(OV_IKE_PL_HDR + len));
	for (size_t i = 0, at = OV_IKE_PL_HDR; i < n; at += lens[i], i++)
		memcpy(p + at, parts[i], lens[i]);
	link_next(b, type, start);
	return start + OV_IKE_PL_HDR;
}

size_t
ov_ike_put(struct ov_ike_buf *b, uint8_t type, const void *body, size_t len)
{
	return ov_ike_putv(b, type, &body, &len, 1);
}

size_t
ov_ike_put_sk_hdr(struct ov_ike_buf *b, uint8_t first_inner, size_t body_len)
{
	uint8_t *p;
	size_t start;

	if (body_len > 0xffff - OV_IKE_PL_HDR) {
		b->err = -ENOSPC;
		return 0;
	}
	if ((p = room(b, OV_IKE_PL_HDR)) == NULL)
		return 0;
	start = (size_t)(p - b->p);
	p[0] = first_inner;
	p[1] = 0;
	ov_ike_be16(p + 2, (uint16_t)(OV_IKE_PL_HDR + body_len));
	link_next(b, OV_IKE_PL_SK, CHAIN_CLOSED);	/* nothing follows it */
	return start;
}

void
ov_ike_raw(struct ov_ike_buf *b, const void *src, size_t len)
{
	uint8_t *p = room(b, len);

	if (p != NULL)
		memcpy(p, src, len);
}

int
ov_ike_end(struct ov_ike_buf *b)
{
	if (b->err < 0)
		return b->err;
	if (b->len >= OV_IKE_HDR)
		ov_ike_be32(b->p + 24, (uint32_t)b->len);
	return (int)b->len;
}

uint8_t
ov_ike_chain_first(const struct ov_ike_buf *b)
{
	return b->first;
}

/* ------------------------------------------------------------ bodies */

int
ov_ike_body_sa(uint8_t *out, size_t cap, uint8_t num, uint8_t proto, const uint8_t *spi, uint8_t spi_len,
	       const struct ov_ike_xf *xf, size_t nxf)
{
	size_t len = 8u + spi_len;

	for (size_t i = 0; i < nxf; i++)
		len += xf[i].keylen ? 12 : 8;
	if (len > cap || len > 0xffff || nxf > 255)
		return -ENOSPC;
	out[0] = 0;	/* the last proposal */
	out[1] = 0;
	ov_ike_be16(out + 2, (uint16_t)len);
	out[4] = num;
	out[5] = proto;
	out[6] = spi_len;
	out[7] = (uint8_t)nxf;
	memcpy(out + 8, spi, spi_len);
	for (size_t i = 0, at = 8u + spi_len; i < nxf; i++) {
		size_t tl = xf[i].keylen ? 12 : 8;

		out[at] = i + 1 == nxf ? 0 : 3;
		out[at + 1] = 0;
		ov_ike_be16(out + at + 2, (uint16_t)tl);
		out[at + 4] = xf[i].type;
		out[at + 5] = 0;
		ov_ike_be16(out + at + 6, xf[i].id);
		if (xf[i].keylen) {
			ov_ike_be16(out + at + 8, 0x8000 | OV_IKE_ATTR_KEYLEN);
			ov_ike_be16(out + at + 10, xf[i].keylen);
		}
		at += tl;
	}
	return (int)len;
}

int
ov_ike_body_notify(uint8_t *out, size_t cap, uint8_t proto, const uint8_t *spi, uint8_t spi_len, uint16_t type,
		   const void *data, size_t len)
{
	if (4u + spi_len + len > cap)
		return -ENOSPC;
	out[0] = proto;
	out[1] = spi_len;
	ov_ike_be16(out + 2, type);
	if (spi_len)
		memcpy(out + 4, spi, spi_len);
	if (len)
		memcpy(out + 4 + spi_len, data, len);
	return (int)(4u + spi_len + len);
}

int
ov_ike_body_ts(uint8_t *out, size_t cap, const struct ov_ike_ts *ts, size_t n)
{
	size_t len = 4;

	for (size_t i = 0; i < n; i++) {
		if (ts[i].type != OV_IKE_TS_IPV4_ADDR_RANGE && ts[i].type != OV_IKE_TS_IPV6_ADDR_RANGE)
			return -EINVAL;
		len += ts[i].type == OV_IKE_TS_IPV4_ADDR_RANGE ? 16 : 40;
	}
	if (len > cap || n > 255)
		return -ENOSPC;
	memset(out, 0, 4);
	out[0] = (uint8_t)n;
	for (size_t i = 0, at = 4; i < n; i++) {
		uint8_t *p = out + at;
		size_t al = ts[i].type == OV_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		p[0] = ts[i].type;
		p[1] = ts[i].proto;
		ov_ike_be16(p + 2, (uint16_t)(8 + 2 * al));
		ov_ike_be16(p + 4, ts[i].port_lo);
		ov_ike_be16(p + 6, ts[i].port_hi);
		/* IPv4's ends are the last 4 bytes of their mapped form */
		memcpy(p + 8, ts[i].lo + 16 - al, al);
		memcpy(p + 8 + al, ts[i].hi + 16 - al, al);
		at += 8 + 2 * al;
	}
	return (int)len;
}
