/* IPFIX encoding: templates once, then data records in the layout they
 * declare. The templates' field lists and the record writers below are one
 * list each, kept in the same order (the unit test decodes every record
 * by its template, so a drift between them fails there). */
#include <errno.h>
#include <string.h>

#include "fx_ipfix.h"
#include "fx_names.h"

#define HDR_LEN 16
#define SET_HDR 4

/* IANA IE numbers (RFC 7012 registry) */
enum {
	IE_OCTETS = 1, IE_PACKETS = 2, IE_PROTO = 4, IE_SPORT = 7, IE_SRC4 = 8, IE_INGRESS = 10,
	IE_DPORT = 11, IE_DST4 = 12, IE_EGRESS = 14, IE_SRC6 = 27, IE_DST6 = 28,
	IE_END_REASON = 136, IE_OBS_DOMAIN = 149, IE_START_MS = 152, IE_END_MS = 153,
	IE_SAMPLING_INTERVAL = 305, IE_SAMPLING_SPACE = 306, IE_L2_SEGMENT = 351,
};

struct ie { uint16_t id, len; uint32_t pen; };

#define FLOW_IES(SRC, DST, ALEN)                                                               \
	{ SRC, ALEN, 0 }, { DST, ALEN, 0 }, { IE_SPORT, 2, 0 }, { IE_DPORT, 2, 0 },           \
	{ IE_PROTO, 1, 0 }, { IE_INGRESS, 4, 0 }, { IE_EGRESS, 4, 0 }, { IE_OCTETS, 8, 0 },   \
	{ IE_PACKETS, 8, 0 }, { IE_START_MS, 8, 0 }, { IE_END_MS, 8, 0 },                     \
	{ IE_END_REASON, 1, 0 }, { IE_L2_SEGMENT, 8, 0 }, { FX_IE_SLICE, 2, FX_PEN },         \
	{ FX_IE_TEID, 4, FX_PEN }

static const struct ie v4_ies[] = { FLOW_IES(IE_SRC4, IE_DST4, 4) };
static const struct ie v6_ies[] = { FLOW_IES(IE_SRC6, IE_DST6, 16) };
static const struct ie opt_ies[] = {   /* the first is the scope */
	{ IE_OBS_DOMAIN, 4, 0 }, { IE_SAMPLING_INTERVAL, 4, 0 }, { IE_SAMPLING_SPACE, 4, 0 },
};

/* VXLAN's segment type in layer2SegmentId's top byte (RFC 7133 4.4.4) */
#define L2SEG_VXLAN (1ull << 56)

static inline void
w8(struct fx_msg *m, uint8_t v)
{
	m->buf[m->len++] = v;
}

static inline void
w16(struct fx_msg *m, uint16_t v)
{
	m->buf[m->len++] = (uint8_t)(v >> 8);
	m->buf[m->len++] = (uint8_t)v;
}

static inline void
w32(struct fx_msg *m, uint32_t v)
{
	w16(m, (uint16_t)(v >> 16));
	w16(m, (uint16_t)v);
}

static inline void
w64(struct fx_msg *m, uint64_t v)
{
	w32(m, (uint32_t)(v >> 32));
	w32(m, (uint32_t)v);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
fx_msg_begin(struct fx_msg *m, uint32_t export_s, uint32_t seq, uint32_t domain)
{
	m->len = 0;
	m->set_off = 0;
	m->set_id = 0;
	m->n_data = 0;
	w16(m, 10);           /* version */
	w16(m, 0);            /* length, at the end */
	w32(m, export_s);
	w32(m, seq);
	w32(m, domain);
}

static void
set_close(struct fx_msg *m)
{
	if (m->set_off) {
		put16(m->buf + m->set_off + 2, (uint16_t)(m->len - m->set_off));
		m->set_off = 0;
		m->set_id = 0;
	}
}

static void
set_open(struct fx_msg *m, uint16_t id)
{
	set_close(m);
	m->set_off = m->len;
	m->set_id = id;
	w16(m, id);
	w16(m, 0);
}

static unsigned int
ies_len(const struct ie *ie, unsigned int n)
{
	unsigned int b = 0;

	for (unsigned int i = 0; i < n; i++)
		b += ie[i].pen ? 8 : 4;
	return b;
}

static void
ies_write(struct fx_msg *m, const struct ie *ie, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		w16(m, (uint16_t)(ie[i].id | (ie[i].pen ? 0x8000 : 0)));
		w16(m, ie[i].len);
		if (ie[i].pen)
			w32(m, ie[i].pen);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
fx_msg_templates(struct fx_msg *m, uint32_t domain, uint32_t sampling)
{
	size_t need = SET_HDR + 4 + ies_len(v4_ies, N(v4_ies)) + 4 + ies_len(v6_ies, N(v6_ies)) +
		      SET_HDR + 6 + ies_len(opt_ies, N(opt_ies)) + SET_HDR + FX_REC_OPTS_LEN;

	if (m->len + need > FX_MSG_MAX)
		return -ENOSPC;
	set_open(m, 2);                       /* template set */
	w16(m, FX_TMPL_V4);
	w16(m, (uint16_t)N(v4_ies));
	ies_write(m, v4_ies, N(v4_ies));
	w16(m, FX_TMPL_V6);
	w16(m, (uint16_t)N(v6_ies));
	ies_write(m, v6_ies, N(v6_ies));
	set_open(m, 3);                       /* options template set */
	w16(m, FX_TMPL_OPTS);
	w16(m, (uint16_t)N(opt_ies));
	w16(m, 1);                            /* scope fields */
	ies_write(m, opt_ies, N(opt_ies));
	set_open(m, FX_TMPL_OPTS);
	w32(m, domain);
	w32(m, 1);
	w32(m, sampling ? sampling - 1 : 0);
	m->n_data++;
	set_close(m);
	return 0;
}

int
fx_msg_evt_templates(struct fx_msg *m, const struct fx_evt_tmpl *t, unsigned int n)
{
	size_t need = SET_HDR;

	for (unsigned int k = 0; k < n; k++)
		need += 4 + 4 * (1 + t[k].n_ies);
	if (n == 0)
		return 0;
	if (m->len + need > FX_MSG_MAX)
		return -ENOSPC;
	set_open(m, 2);
	for (unsigned int k = 0; k < n; k++) {
		w16(m, (uint16_t)(FX_EVT_TMPL_BASE + k));
		w16(m, (uint16_t)(1 + t[k].n_ies));
		w16(m, FX_IE_OBS_TIME_MS);
		w16(m, 8);
		for (unsigned int i = 0; i < t[k].n_ies; i++) {
			w16(m, t[k].ie[i].id);
			w16(m, t[k].ie[i].len);
		}
	}
	set_close(m);
	return 0;
}

int
fx_msg_add_evt(struct fx_msg *m, unsigned int id, uint64_t ms, const uint8_t *rec, unsigned int len)
{
	uint16_t tid = (uint16_t)(FX_EVT_TMPL_BASE + id);
	size_t need = 8 + len + (m->set_id == tid ? 0 : SET_HDR);

	if (m->len + need > FX_MSG_MAX)
		return -ENOSPC;
	if (m->set_id != tid)
		set_open(m, tid);
	w64(m, ms);
	memcpy(m->buf + m->len, rec, len);
	m->len = (uint16_t)(m->len + len);
	m->n_data++;
	return 0;
}

int
fx_msg_add(struct fx_msg *m, const struct fx_flow *f)
{
	const struct fx_key *k = &f->k;
	bool v6 = k->flags & FX_KF_V6;
	uint16_t tid = v6 ? FX_TMPL_V6 : FX_TMPL_V4;
	unsigned int alen = v6 ? 16 : 4;
	size_t need = (v6 ? FX_REC_V6_LEN : FX_REC_V4_LEN) + (m->set_id == tid ? 0 : SET_HDR);
	enum fx_tun_kind tk = fx_key_tun_kind(k);

	if (m->len + need > FX_MSG_MAX)
		return -ENOSPC;
	if (m->set_id != tid)
		set_open(m, tid);
	memcpy(m->buf + m->len, k->src, alen);
	m->len = (uint16_t)(m->len + alen);
	memcpy(m->buf + m->len, k->dst, alen);
	m->len = (uint16_t)(m->len + alen);
	w16(m, k->sport);
	w16(m, k->dport);
	w8(m, k->proto);
	w32(m, k->in_port);
	w32(m, k->out_port);
	w64(m, f->bytes);
	w64(m, f->pkts);
	w64(m, f->start_ms);
	w64(m, f->end_ms);
	w8(m, f->reason);
	w64(m, tk == FX_TUN_VNI ? L2SEG_VXLAN | k->tun : 0);
	w16(m, k->slice);
	w32(m, tk == FX_TUN_TEID ? k->tun : 0);
	m->n_data++;
	return 0;
}

size_t
fx_msg_end(struct fx_msg *m)
{
	set_close(m);
	put16(m->buf + 2, m->len);
	return m->len;
}
