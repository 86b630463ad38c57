/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_spack: a PFCP session packed to a self-contained byte string and back (pf_sess_pack, pf_sess_unpack in pf_sess.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pf_crc.h"
#include "pf_sess.h"
#include "pf_sess_priv.h"

/* ---- pack / unpack (see pf_sess.h) ----
 * Version 1, after the format byte: every field as a varint or raw octets, present only
 * when not zero (a mask per rule says which follow, and carries the booleans), names
 * written once per session and then referred to by their rank, a CRC32C at the end.
 * Version 2 adds a second session mask byte (its first is full) after the first one's
 * fields: the User Plane Inactivity Timer. A session that has none of version 2's
 * fields is written as version 1, so an sxcd before it reads what it could hold.
 * Its bit PACK_M2_REDIR says a FAR carries Redirect Information (its mask's bit 11):
 * a session with one is version 2, so that an sxcd before it refuses the record rather
 * than forward what it was to redirect. */


/* Every field of these structs is written and read below. One that grows (a
 * new IE's field, say) fails to build here until pf_spack packs and unpacks
 * it and its size is set anew: a field left out of the pack was lost
 * silently across a restart. Sizes as LP64 lays them out (x86-64, AArch64). */
#if defined(__LP64__)
#define PACKED_AS(t, n) \
	_Static_assert(sizeof(struct t) == (n), "struct " #t " changed: pack and unpack its new field " \
		       "in pf_spack.c (and its test), then set its size here")
PACKED_AS(pf_bar, 6);
PACKED_AS(pf_eth_filter, 424);
PACKED_AS(pf_far, 72);
PACKED_AS(pf_flow_end, 52);
PACKED_AS(pf_fteid, 32);
PACKED_AS(pf_mac, 25);
PACKED_AS(pf_ohc, 32);
PACKED_AS(pf_pdr, 136);
PACKED_AS(pf_qer, 48);
PACKED_AS(pf_sdf_rule, 124);
PACKED_AS(pf_session, 96);
PACKED_AS(pf_ue_ip, 28);
PACKED_AS(pf_urr, 184);
PACKED_AS(pf_vlan_tag, 6);
PACKED_AS(pf_volume, 56);
#endif

#define PACK_V1 1
#define PACK_V2 2
#define PACK_M2_INACT 0x01 /* version 2's session mask: the inactivity timer follows */
#define PACK_M2_REDIR 0x02 /* and: some FAR has Redirect Information (nothing follows here) */
#define PACK_NAMES 256 /* distinct names per session: at most 64 x 2 (PDR) + 64 (FAR) */

struct wr {
	uint8_t *b;
	size_t size, n;
	uint16_t names[PACK_NAMES];
	int n_names;
};

static inline void
w8(struct wr *w, uint8_t v)
{
	if (w->n < w->size)
		w->b[w->n] = v;
	w->n++;
}

static inline void
wraw(struct wr *w, const void *p, size_t n)
{
	if (w->n + n <= w->size)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

static inline void
wvar(struct wr *w, uint64_t v)
{
	while (v >= 0x80) {
		w8(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w8(w, (uint8_t)v);
}

static bool
nonzero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return true;
	return false;
}

/* a name: its rank + 1 when written before in this session, else 0, its length, octets */
static void
wname(struct wr *w, uint16_t id)
{
	const char *s = pf_sess_name(id);
	size_t n = strlen(s);
	int i;

	for (i = 0; i < w->n_names; i++)
		if (w->names[i] == id) {
			wvar(w, (uint64_t)i + 1);
			return;
		}
	w8(w, 0);
	w8(w, (uint8_t)n); /* 0 for an id not in use: unpack refuses it */
	wraw(w, s, n);
	if (w->n_names < PACK_NAMES)
		w->names[w->n_names++] = id;
}

/* bit i of a mask from a condition */
#define BIT(i, c) ((c) ? (uint64_t)1 << (i) : 0)

static void
w_fteid(struct wr *w, const struct pf_fteid *f)
{
	uint8_t m = (uint8_t)(BIT(0, f->has_v4) | BIT(1, f->has_v6) | BIT(2, f->ch) | BIT(3, f->has_chid) |
		BIT(4, f->chid) | BIT(5, f->teid) | BIT(6, nonzero(f->v4, 4)) | BIT(7, nonzero(f->v6, 16)));

	w8(w, m);
	if (m & 0x10)
		w8(w, f->chid);
	if (m & 0x20)
		wraw(w, &f->teid, 4); /* host order: the file stays on this host */
	if (m & 0x40)
		wraw(w, f->v4, 4);
	if (m & 0x80)
		wraw(w, f->v6, 16);
}

static void
w_ue(struct wr *w, const struct pf_ue_ip *u)
{
	uint8_t m = (uint8_t)(BIT(0, u->has_v4) | BIT(1, u->has_v6) | BIT(2, u->sd) | BIT(3, u->has_v6_plen) |
		BIT(4, u->v6d) | BIT(5, u->v6_plen) | BIT(6, nonzero(u->v4, 4)) | BIT(7, nonzero(u->v6, 16)));

	w8(w, m);
	if (m & 0x10)
		w8(w, u->v6d);
	if (m & 0x20)
		w8(w, u->v6_plen);
	if (m & 0x40)
		wraw(w, u->v4, 4);
	if (m & 0x80)
		wraw(w, u->v6, 16);
}

static uint8_t
af_code(uint8_t af)
{
	return af == 0 ? 0 : af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0xff;
}

static void
w_end(struct wr *w, const struct pf_flow_end *e)
{
	int n = 16, i;

	while (n > 0 && e->addr[n - 1] == 0)
		n--;
	w8(w, (uint8_t)(BIT(0, e->any) | BIT(1, e->assigned) | (unsigned)n << 2));
	wraw(w, e->addr, (size_t)n);
	w8(w, e->plen);
	w8(w, e->n_ports);
	for (i = 0; i < e->n_ports && i < PF_FLOW_PORTS; i++) {
		wvar(w, e->ports[i][0]);
		wvar(w, (uint16_t)(e->ports[i][1] - e->ports[i][0]));
	}
}

static void
w_sdf(struct wr *w, const struct pf_sdf_rule *r)
{
	uint64_t m = BIT(0, r->has_fd) | BIT(1, r->flags) | BIT(2, r->tos) | BIT(3, r->spi) |
		BIT(4, r->flow_label) | BIT(5, r->filter_id) | BIT(6, r->has_fd);

	wvar(w, m);
	if (m & 0x02)
		w8(w, r->flags);
	if (m & 0x04)
		wvar(w, r->tos);
	if (m & 0x08)
		wvar(w, r->spi);
	if (m & 0x10)
		wvar(w, r->flow_label);
	if (m & 0x20)
		wvar(w, r->filter_id);
	if (m & 0x40) {
		w8(w, r->flow.dir);
		w8(w, r->flow.proto);
		w8(w, af_code(r->flow.af));
		w_end(w, &r->flow.src);
		w_end(w, &r->flow.dst);
	}
}

static void
w_tag(struct wr *w, const struct pf_vlan_tag *t)
{
	w8(w, t->flags);
	w8(w, (uint8_t)(t->pcp | t->dei << 3));
	wvar(w, t->vid);
}

/* an Ethernet Packet Filter: its fields, then each MAC address IE's flags and addresses */
static void
w_ethf(struct wr *w, const struct pf_eth_filter *f)
{
	const uint8_t *mac[4];

	w8(w, (uint8_t)(BIT(0, f->id) | BIT(1, f->props) | BIT(2, f->has_type) | BIT(3, f->has_ctag) |
			BIT(4, f->has_stag)));
	if (f->id)
		wvar(w, f->id);
	if (f->props)
		w8(w, f->props);
	if (f->has_type)
		wvar(w, f->ethertype);
	if (f->has_ctag)
		w_tag(w, &f->ctag);
	if (f->has_stag)
		w_tag(w, &f->stag);
	w8(w, f->n_mac);
	for (int i = 0; i < f->n_mac; i++) {
		const struct pf_mac *m = &f->mac[i];

		mac[0] = m->src, mac[1] = m->dst, mac[2] = m->usrc, mac[3] = m->udst;
		w8(w, m->flags);
		for (int b = 0; b < 4; b++)
			if (m->flags >> b & 1)
				wraw(w, mac[b], 6);
	}
}

static bool
fteid_set(const struct pf_fteid *f)
{
	return f->has_v4 || f->has_v6 || f->ch || f->has_chid || f->chid || f->teid || nonzero(f->v4, 4) ||
		nonzero(f->v6, 16);
}

static bool
ue_set(const struct pf_ue_ip *u)
{
	return u->has_v4 || u->has_v6 || u->sd || u->v6d || u->has_v6_plen || u->v6_plen || nonzero(u->v4, 4) ||
		nonzero(u->v6, 16);
}

static void
w_pdr(struct wr *w, const struct pf_pdr *p)
{
	uint64_t m = BIT(0, p->has_ohr) | BIT(1, p->has_fteid) | BIT(2, p->has_ue_ip) | BIT(3, p->src_iface) |
		BIT(4, p->ohr) | BIT(5, p->ni) | BIT(6, p->app) | BIT(7, p->precedence) | BIT(8, p->far_id) |
		BIT(9, p->qfi_mask) | BIT(10, fteid_set(&p->fteid)) | BIT(11, ue_set(&p->ue)) |
		BIT(12, p->n_sdf) | BIT(13, p->n_qer) | BIT(14, p->n_urr) | BIT(15, p->ue.ch4) | BIT(16, p->ue.ch6) |
		BIT(17, p->pool) | BIT(18, p->ethi) | BIT(19, p->lan) | BIT(20, p->n_ethf);
	int i;

	wvar(w, p->id);
	wvar(w, m);
	if (m & BIT(3, 1))
		w8(w, p->src_iface);
	if (m & BIT(4, 1))
		w8(w, p->ohr);
	if (m & BIT(5, 1))
		wname(w, p->ni);
	if (m & BIT(6, 1))
		wname(w, p->app);
	if (m & BIT(7, 1))
		wvar(w, p->precedence);
	if (m & BIT(8, 1))
		wvar(w, p->far_id);
	if (m & BIT(9, 1))
		wvar(w, p->qfi_mask);
	if (m & BIT(10, 1))
		w_fteid(w, &p->fteid);
	if (m & BIT(11, 1))
		w_ue(w, &p->ue);
	if (m & BIT(12, 1)) {
		w8(w, p->n_sdf);
		for (i = 0; i < p->n_sdf; i++)
			w_sdf(w, &p->sdf[i]);
	}
	if (m & BIT(13, 1)) {
		w8(w, p->n_qer);
		for (i = 0; i < p->n_qer; i++)
			wvar(w, p->qer[i]);
	}
	if (m & BIT(14, 1)) {
		w8(w, p->n_urr);
		for (i = 0; i < p->n_urr; i++)
			wvar(w, p->urr[i]);
	}
	if (m & BIT(17, 1))
		wname(w, p->pool);
	if (m & BIT(19, 1))
		w8(w, p->lan);
	if (m & BIT(20, 1)) {
		w8(w, p->n_ethf);
		for (i = 0; i < p->n_ethf; i++)
			w_ethf(w, &p->ethf[i]);
	}
}

static void
w_ohc(struct wr *w, const struct pf_ohc *o)
{
	uint8_t m = (uint8_t)(BIT(0, o->desc) | BIT(1, o->teid) | BIT(2, nonzero(o->v4, 4)) |
		BIT(3, nonzero(o->v6, 16)) | BIT(4, o->port));

	w8(w, m);
	if (m & 0x01)
		wvar(w, o->desc);
	if (m & 0x02)
		wraw(w, &o->teid, 4);
	if (m & 0x04)
		wraw(w, o->v4, 4);
	if (m & 0x08)
		wraw(w, o->v6, 16);
	if (m & 0x10)
		wvar(w, o->port);
}

static void
w_far(struct wr *w, const struct pf_far *r)
{
	uint64_t m = BIT(0, r->has_fwd) | BIT(1, r->has_ohc) | BIT(2, r->has_tlm) | BIT(3, r->has_bar) |
		BIT(4, r->apply) | BIT(5, r->dst_iface) | BIT(6, r->ni) | BIT(7, r->tos) | BIT(8, r->tos_mask) |
		BIT(9, r->bar_id) | BIT(10, r->ohc.desc || r->ohc.teid || r->ohc.port || nonzero(r->ohc.v4, 20)) |
		BIT(11, r->has_redir);

	wvar(w, r->id);
	wvar(w, m);
	if (m & BIT(4, 1))
		wvar(w, r->apply);
	if (m & BIT(5, 1))
		w8(w, r->dst_iface);
	if (m & BIT(6, 1))
		wname(w, r->ni);
	if (m & BIT(7, 1))
		w8(w, r->tos);
	if (m & BIT(8, 1))
		w8(w, r->tos_mask);
	if (m & BIT(9, 1))
		w8(w, r->bar_id);
	if (m & BIT(10, 1))
		w_ohc(w, &r->ohc);
	if (m & BIT(11, 1)) {   /* its type, then the URL or the addresses it has */
		w8(w, r->redir_type);
		if (r->redir_type == PF_REDIR_URL)
			wname(w, r->redir_url);
		if (r->redir_type == PF_REDIR_IPV4 || r->redir_type == PF_REDIR_IPV4V6)
			wraw(w, r->redir_v4, 4);
		if (r->redir_type == PF_REDIR_IPV6 || r->redir_type == PF_REDIR_IPV4V6)
			wraw(w, r->redir_v6, 16);
	}
}

static void
w_qer(struct wr *w, const struct pf_qer *q)
{
	uint64_t m = BIT(0, q->has_corr) | BIT(1, q->has_mbr) | BIT(2, q->has_gbr) | BIT(3, q->has_qfi) |
		BIT(4, q->corr) | BIT(5, q->mbr.ul || q->mbr.dl) | BIT(6, q->gbr.ul || q->gbr.dl) | BIT(7, q->qfi) |
		BIT(8, q->gate_ul) | BIT(9, q->gate_dl);

	wvar(w, q->id);
	wvar(w, m);
	if (m & BIT(4, 1))
		wvar(w, q->corr);
	if (m & BIT(5, 1)) {
		wvar(w, q->mbr.ul);
		wvar(w, q->mbr.dl);
	}
	if (m & BIT(6, 1)) {
		wvar(w, q->gbr.ul);
		wvar(w, q->gbr.dl);
	}
	if (m & BIT(7, 1))
		w8(w, q->qfi);
	if (m & BIT(8, 1))
		w8(w, q->gate_ul);
	if (m & BIT(9, 1))
		w8(w, q->gate_dl);
}

static void
w_vol(struct wr *w, const struct pf_volume *v)
{
	uint8_t m = (uint8_t)(BIT(0, v->flags) | BIT(1, v->total) | BIT(2, v->ul) | BIT(3, v->dl));

	w8(w, m);
	if (m & 1)
		w8(w, v->flags);
	if (m & 2)
		wvar(w, v->total);
	if (m & 4)
		wvar(w, v->ul);
	if (m & 8)
		wvar(w, v->dl);
}

static void
w_urr(struct wr *w, const struct pf_urr *u)
{
	uint64_t m = BIT(0, u->has_vol_thresh) | BIT(1, u->has_vol_quota) | BIT(2, u->method) |
		BIT(3, u->triggers) | BIT(4, u->time_thresh) | BIT(5, u->time_quota) | BIT(6, u->meas_period) |
		BIT(7, u->quota_holding) |
		BIT(8, u->vol_thresh.flags || u->vol_thresh.total || u->vol_thresh.ul || u->vol_thresh.dl) |
		BIT(9, u->vol_quota.flags || u->vol_quota.total || u->vol_quota.ul || u->vol_quota.dl) |
		BIT(10, u->mnop) | BIT(11, u->quota_validity) | BIT(12, u->n_linked) | BIT(13, u->eth_inact) |
		BIT(14, u->has_far_quota);

	wvar(w, u->id);
	wvar(w, m);
	if (m & BIT(2, 1))
		w8(w, u->method);
	if (m & BIT(3, 1))
		wvar(w, u->triggers);
	if (m & BIT(4, 1))
		wvar(w, u->time_thresh);
	if (m & BIT(5, 1))
		wvar(w, u->time_quota);
	if (m & BIT(6, 1))
		wvar(w, u->meas_period);
	if (m & BIT(7, 1))
		wvar(w, u->quota_holding);
	if (m & BIT(8, 1))
		w_vol(w, &u->vol_thresh);
	if (m & BIT(9, 1))
		w_vol(w, &u->vol_quota);
	if (m & BIT(11, 1))
		wvar(w, u->quota_validity);
	if (m & BIT(12, 1)) {
		w8(w, u->n_linked);
		for (int k = 0; k < u->n_linked; k++)
			wvar(w, u->linked[k]);
	}
	if (m & BIT(13, 1))
		wvar(w, u->eth_inact);
	if (m & BIT(14, 1))
		wvar(w, u->far_quota);
}

int
pf_sess_pack(const struct pf_session *s, uint8_t *buf, size_t size)
{
	const struct pf_bar *bar = &s->bar;
	struct wr w;
	uint32_t crc;
	uint8_t m, m2;
	int i;

	w.b = buf;
	w.size = buf != NULL ? size : 0;
	w.n = 0;
	w.n_names = 0;
	m2 = (uint8_t)BIT(0, s->inact_s);
	for (i = 0; i < s->n_far; i++)
		m2 |= (uint8_t)BIT(1, s->far[i].has_redir);
	w8(&w, m2 != 0 ? PACK_V2 : PACK_V1);
	wvar(&w, s->up_seid);
	m = (uint8_t)(BIT(0, s->cp.has_v4) | BIT(1, s->cp.has_v6) | BIT(2, nonzero(s->cp.v4, 4)) |
		BIT(3, nonzero(s->cp.v6, 16)) | BIT(4, s->pdn_type) | BIT(5, bar->present) | BIT(6, bar->has_delay) |
		BIT(7, bar->has_sugg));
	w8(&w, m);
	wvar(&w, s->cp.seid);
	if (m & 0x04)
		wraw(&w, s->cp.v4, 4);
	if (m & 0x08)
		wraw(&w, s->cp.v6, 16);
	if (m & 0x10)
		w8(&w, s->pdn_type);
	if (m & 0xe0) {
		w8(&w, bar->id);
		w8(&w, bar->dl_notif_delay);
		w8(&w, bar->sugg_pkts);
	}
	if (m2 != 0) {
		w8(&w, m2);
		if (m2 & PACK_M2_INACT)
			wvar(&w, s->inact_s);
	}
	w8(&w, s->n_far);
	w8(&w, s->n_qer);
	w8(&w, s->n_urr);
	w8(&w, s->n_pdr);
	for (i = 0; i < s->n_far; i++)
		w_far(&w, &s->far[i]);
	for (i = 0; i < s->n_qer; i++)
		w_qer(&w, &s->qer[i]);
	for (i = 0; i < s->n_urr; i++)
		w_urr(&w, &s->urr[i]);
	for (i = 0; i < s->n_pdr; i++)
		w_pdr(&w, &s->pdr[i]);
	if (w.n + 4 > w.size) /* a size query, or too small */
		return buf == NULL && w.n + 4 <= INT32_MAX ? (int)(w.n + 4) : -ENOSPC;
	crc = pf_crc32c(0, buf, w.n);
	for (i = 0; i < 4; i++)
		buf[w.n++] = (uint8_t)(crc >> (8 * i));
	return (int)w.n;
}

/* ---- unpack: into a builder (static: one loop), checked, laid out as establish does ---- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static inline uint8_t
r8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static void
rraw(struct rd *r, void *d, size_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(d, 0, n);
		return;
	}
	memcpy(d, r->p, n);
	r->p += n;
}

/* a varint no larger than @max */
static uint64_t
rvar(struct rd *r, uint64_t max)
{
	uint64_t v = 0;
	unsigned sh;

	for (sh = 0; sh < 64; sh += 7) {
		uint8_t c = r8(r);

		if (sh == 63 && c > 1)
			break;
		v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			if (v > max)
				break;
			return v;
		}
	}
	r->bad = true;
	return 0;
}

struct unp {
	struct rd r;
	struct bld *b;
	bool nomem; /* the name table full, or no memory for a name */
	uint16_t names[PACK_NAMES];
	int n_names;
};

/* a name reference: its interned id (0 and bad when malformed or the table is full) */
static uint16_t
rname(struct unp *u)
{
	struct bld *b = u->b;
	char s[PF_SESS_NAME_LEN + 1];
	uint64_t k = rvar(&u->r, PACK_NAMES);
	uint16_t id;
	size_t n;

	if (u->r.bad)
		return 0;
	if (k > 0) {
		if (k > (uint64_t)u->n_names) {
			u->r.bad = true;
			return 0;
		}
		return u->names[k - 1];
	}
	n = r8(&u->r);
	rraw(&u->r, s, n);
	if (u->r.bad || n == 0 || memchr(s, 0, n) != NULL) {
		u->r.bad = true;
		return 0;
	}
	id = pf_sess_intern(s, n);
	if (id == 0) {
		u->nomem = true;
		u->r.bad = true;
		return 0;
	}
	if (pf_sess_name_unheld(id) && b->n_new < NEWNAMES_MAX)
		b->newnames[b->n_new++] = id; /* freed at the end unless the session took it */
	if (u->n_names < PACK_NAMES)
		u->names[u->n_names++] = id;
	return id;
}

static bool
is_bool(uint64_t m, int i)
{
	return (m >> i) & 1;
}

static void
r_fteid(struct rd *r, struct pf_fteid *f)
{
	uint8_t m = r8(r);

	f->has_v4 = m & 1;
	f->has_v6 = (m >> 1) & 1;
	f->ch = (m >> 2) & 1;
	f->has_chid = (m >> 3) & 1;
	if (m & 0x10)
		f->chid = r8(r);
	if (m & 0x20)
		rraw(r, &f->teid, 4);
	if (m & 0x40)
		rraw(r, f->v4, 4);
	if (m & 0x80)
		rraw(r, f->v6, 16);
	if (f->has_chid && !f->ch) /* as parse_fteid refuses it */
		r->bad = true;
}

static void
r_ue(struct rd *r, struct pf_ue_ip *u)
{
	uint8_t m = r8(r);

	u->has_v4 = m & 1;
	u->has_v6 = (m >> 1) & 1;
	u->sd = (m >> 2) & 1;
	u->has_v6_plen = (m >> 3) & 1;
	if (m & 0x10)
		u->v6d = r8(r);
	if (m & 0x20)
		u->v6_plen = r8(r);
	if (m & 0x40)
		rraw(r, u->v4, 4);
	if (m & 0x80)
		rraw(r, u->v6, 16);
}

/* one end of a flow (@af the flow's family: 0, 4 or 6): *addr whether it has an address */
static void
r_end(struct rd *r, struct pf_flow_end *e, uint8_t af, bool *addr)
{
	uint8_t m = r8(r), n = m >> 2;
	unsigned i, bits = af == 4 ? 32 : 128;

	e->any = m & 1;
	e->assigned = (m >> 1) & 1;
	*addr = !e->any && !e->assigned;
	if (n > bits / 8) {
		r->bad = true;
		return;
	}
	rraw(r, e->addr, n);
	e->plen = r8(r);
	e->n_ports = r8(r);
	if (e->n_ports > PF_FLOW_PORTS) {
		r->bad = true;
		return;
	}
	for (i = 0; i < e->n_ports; i++) {
		uint64_t lo = rvar(r, 65535), d = rvar(r, 65535 - lo);

		e->ports[i][0] = (uint16_t)lo;
		e->ports[i][1] = (uint16_t)(lo + d);
	}
	/* any, assigned or an address of the flow's family, host bits cleared */
	if (!*addr) {
		if ((e->any && e->assigned) || n != 0 || e->plen != 0)
			r->bad = true;
		return;
	}
	if (af == 0 || e->plen > bits)
		r->bad = true;
	for (i = 0; i < bits / 8 && !r->bad; i++) {
		unsigned keep = e->plen >= (i + 1) * 8 ? 8 : e->plen > i * 8 ? (unsigned)e->plen - i * 8 : 0;

		if (e->addr[i] & ~(0xff00 >> keep) & 0xff)
			r->bad = true;
	}
}

static void
r_sdf(struct rd *r, struct pf_sdf_rule *s)
{
	uint64_t m = rvar(r, 0x7f);
	bool a_src, a_dst;
	uint8_t af;

	memset(s, 0, sizeof(*s));
	s->has_fd = m & 1;
	if (m & 0x02)
		s->flags = r8(r);
	if (m & 0x04)
		s->tos = (uint16_t)rvar(r, UINT16_MAX);
	if (m & 0x08)
		s->spi = (uint32_t)rvar(r, UINT32_MAX);
	if (m & 0x10)
		s->flow_label = (uint32_t)rvar(r, UINT32_MAX);
	if (m & 0x20)
		s->filter_id = (uint32_t)rvar(r, UINT32_MAX);
	if (((m >> 6) & 1) != s->has_fd) { /* a flow exactly with FD */
		r->bad = true;
		return;
	}
	if (!s->has_fd)
		return;
	s->flow.dir = r8(r);
	s->flow.proto = r8(r);
	af = r8(r);
	if (s->flow.dir > PF_FLOW_IN || (af != 0 && af != 4 && af != 6)) {
		r->bad = true;
		return;
	}
	s->flow.af = af == 4 ? AF_INET : af == 6 ? AF_INET6 : 0;
	r_end(r, &s->flow.src, af, &a_src);
	r_end(r, &s->flow.dst, af, &a_dst);
	if ((af != 0) != (a_src || a_dst)) /* a family exactly when a side has an address */
		r->bad = true;
}

static void
r_tag(struct rd *r, struct pf_vlan_tag *t)
{
	uint8_t v;

	t->flags = r8(r);
	v = r8(r);
	t->pcp = v & 0x07;
	t->dei = v >> 3 & 1;
	t->vid = (uint16_t)rvar(r, 0xffe);
	if ((t->flags & ~0x07) || (v & ~0x0f))
		r->bad = true;
}

/* as w_ethf wrote it, and as parse_ethf leaves it */
static void
r_ethf(struct rd *r, struct pf_eth_filter *f)
{
	uint8_t m = r8(r), *mac[4];

	memset(f, 0, sizeof(*f));
	if (m & ~0x1f)
		r->bad = true;
	if (m & 0x01)
		f->id = (uint32_t)rvar(r, UINT32_MAX);
	if (m & 0x02)
		f->props = r8(r);
	f->has_type = m >> 2 & 1;
	f->has_ctag = m >> 3 & 1;
	f->has_stag = m >> 4 & 1;
	if (f->has_type)
		f->ethertype = (uint16_t)rvar(r, UINT16_MAX);
	if (f->has_ctag)
		r_tag(r, &f->ctag);
	if (f->has_stag)
		r_tag(r, &f->stag);
	f->n_mac = r8(r);
	if (f->props & ~PF_ETHF_BIDE || f->n_mac > PF_ETHF_MAC_MAX) {
		r->bad = true;
		return;
	}
	for (int i = 0; i < f->n_mac && !r->bad; i++) {
		struct pf_mac *a = &f->mac[i];

		mac[0] = a->src, mac[1] = a->dst, mac[2] = a->usrc, mac[3] = a->udst;
		a->flags = r8(r);
		if (a->flags & ~0x0f)
			r->bad = true;
		for (int b = 0; b < 4; b++)
			if (a->flags >> b & 1)
				rraw(r, mac[b], 6);
		if (((a->flags & PF_MAC_USOU) && (!(a->flags & PF_MAC_SOUR) || memcmp(a->usrc, a->src, 6) < 0)) ||
		    ((a->flags & PF_MAC_UDES) && (!(a->flags & PF_MAC_DEST) || memcmp(a->udst, a->dst, 6) < 0)))
			r->bad = true;
	}
}

static void
r_pdr(struct unp *u, struct pf_pdr *p)
{
	struct rd *r = &u->r;
	struct bld *b = u->b;
	uint64_t m;
	int i;

	memset(p, 0, sizeof(*p));
	p->id = (uint16_t)rvar(r, UINT16_MAX);
	m = rvar(r, 0x1fffff);
	p->has_ohr = is_bool(m, 0);
	p->has_fteid = is_bool(m, 1);
	p->has_ue_ip = is_bool(m, 2);
	if (m & BIT(3, 1))
		p->src_iface = r8(r);
	if (m & BIT(4, 1))
		p->ohr = r8(r);
	if (m & BIT(5, 1))
		p->ni = rname(u);
	if (m & BIT(6, 1))
		p->app = rname(u);
	if (m & BIT(7, 1))
		p->precedence = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(8, 1))
		p->far_id = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(9, 1))
		p->qfi_mask = rvar(r, UINT64_MAX);
	if (m & BIT(10, 1))
		r_fteid(r, &p->fteid);
	if (m & BIT(11, 1))
		r_ue(r, &p->ue);
	p->ue.ch4 = is_bool(m, 15);
	p->ue.ch6 = is_bool(m, 16);
	p->ethi = is_bool(m, 18);
	/* what establish leaves: a known interface and OHR, F-TEID and UE IP only with their flag */
	if (p->src_iface > PF_SRC_IFACE_MAX || (p->has_ohr ? p->ohr != PF_OHR_GTPU_UDP_IPV4 &&
		p->ohr != PF_OHR_GTPU_UDP_IPV6 && p->ohr != PF_OHR_GTPU_UDP_IP : p->ohr != 0) ||
		(!p->has_fteid && (m & BIT(10, 1))) || (!p->has_ue_ip && (m & (BIT(11, 1) | BIT(15, 1) | BIT(16, 1)))))
		r->bad = true;
	if (m & BIT(12, 1)) {
		p->n_sdf = r8(r);
		if (p->n_sdf == 0 || p->n_sdf > PF_SESS_SDF_MAX || b->n_sdfs + p->n_sdf > b->max_sdfs) {
			r->bad = true;
			return;
		}
		p->sdf = b->sdfs + b->n_sdfs;
		b->n_sdfs += p->n_sdf;
		for (i = 0; i < p->n_sdf && !r->bad; i++)
			r_sdf(r, &p->sdf[i]);
	}
	if (m & BIT(13, 1)) {
		p->n_qer = r8(r);
		if (p->n_qer == 0 || p->n_qer > PF_SESS_PDR_QER_MAX || b->n_ids + p->n_qer > b->max_ids) {
			r->bad = true;
			return;
		}
		p->qer = b->ids + b->n_ids;
		b->n_ids += p->n_qer;
		for (i = 0; i < p->n_qer; i++)
			p->qer[i] = (uint32_t)rvar(r, UINT32_MAX);
	}
	if (m & BIT(14, 1)) {
		p->n_urr = r8(r);
		if (p->n_urr == 0 || p->n_urr > PF_SESS_PDR_URR_MAX || b->n_ids + p->n_urr > b->max_ids) {
			r->bad = true;
			return;
		}
		p->urr = b->ids + b->n_ids;
		b->n_ids += p->n_urr;
		for (i = 0; i < p->n_urr; i++)
			p->urr[i] = (uint32_t)rvar(r, UINT32_MAX);
	}
	if (m & BIT(17, 1))
		p->pool = rname(u);
	if (m & BIT(19, 1))
		p->lan = r8(r);
	if ((m & BIT(19, 1)) && (p->lan == 0 || p->lan > PF_LAN_SLOTS || !p->ethi))
		r->bad = true;
	if (m & BIT(20, 1)) {
		p->n_ethf = r8(r);
		if (p->n_ethf == 0 || p->n_ethf > PF_SESS_ETHF_MAX || b->n_ethfs + p->n_ethf > b->max_ethfs) {
			r->bad = true;
			return;
		}
		p->ethf = b->ethfs + b->n_ethfs;
		b->n_ethfs += p->n_ethf;
		for (i = 0; i < p->n_ethf && !r->bad; i++)
			r_ethf(r, &p->ethf[i]);
	}
}

static void
r_ohc(struct rd *r, struct pf_ohc *o)
{
	uint8_t m = r8(r);

	if (m & 0xe0)
		r->bad = true;
	if (m & 0x01)
		o->desc = (uint16_t)rvar(r, UINT16_MAX);
	if (m & 0x02)
		rraw(r, &o->teid, 4);
	if (m & 0x04)
		rraw(r, o->v4, 4);
	if (m & 0x08)
		rraw(r, o->v6, 16);
	if (m & 0x10)
		o->port = (uint16_t)rvar(r, UINT16_MAX);
}

static void
r_far(struct unp *u, struct pf_far *f)
{
	struct rd *r = &u->r;
	uint64_t m;
	uint16_t d;

	memset(f, 0, sizeof(*f));
	f->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0xfff);
	f->has_fwd = is_bool(m, 0);
	f->has_ohc = is_bool(m, 1);
	f->has_tlm = is_bool(m, 2);
	f->has_bar = is_bool(m, 3);
	if (m & BIT(4, 1))
		f->apply = (uint16_t)rvar(r, UINT16_MAX);
	if (m & BIT(5, 1))
		f->dst_iface = r8(r);
	if (m & BIT(6, 1))
		f->ni = rname(u);
	if (m & BIT(7, 1))
		f->tos = r8(r);
	if (m & BIT(8, 1))
		f->tos_mask = r8(r);
	if (m & BIT(9, 1))
		f->bar_id = r8(r);
	if (m & BIT(10, 1))
		r_ohc(r, &f->ohc);
	if (m & BIT(11, 1)) {
		f->has_redir = true;
		f->redir_type = r8(r);
		if (f->redir_type == PF_REDIR_URL && (f->redir_url = rname(u)) == 0)
			r->bad = true;
		if (f->redir_type == PF_REDIR_IPV4 || f->redir_type == PF_REDIR_IPV4V6)
			rraw(r, f->redir_v4, 4);
		if (f->redir_type == PF_REDIR_IPV6 || f->redir_type == PF_REDIR_IPV4V6)
			rraw(r, f->redir_v6, 16);
		if (f->redir_type > PF_REDIR_IPV4V6 || f->redir_type == PF_REDIR_SIP)
			r->bad = true;
	}
	d = f->ohc.desc & 0xff00;
	switch (f->apply) { /* as parse_apply and check_refs leave it */
	case PF_AA_FORW:
	case PF_AA_DROP:
	case PF_AA_BUFF:
	case PF_AA_BUFF | PF_AA_NOCP:
	case PF_AA_NOCP:
		break;
	default:
		r->bad = true;
	}
	if (((f->apply & PF_AA_FORW) && !f->has_fwd) || f->dst_iface > PF_DST_IFACE_MAX ||
		(f->has_ohc && d != PF_OHC_GTPU_UDP_IPV4 && d != PF_OHC_GTPU_UDP_IPV6 && d != PF_OHC_GTPU_UDP_IP))
		r->bad = true;
}

static void
r_qer(struct rd *r, struct pf_qer *q)
{
	uint64_t m;

	memset(q, 0, sizeof(*q));
	q->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0x3ff);
	q->has_corr = is_bool(m, 0);
	q->has_mbr = is_bool(m, 1);
	q->has_gbr = is_bool(m, 2);
	q->has_qfi = is_bool(m, 3);
	if (m & BIT(4, 1))
		q->corr = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(5, 1)) {
		q->mbr.ul = rvar(r, UINT64_MAX);
		q->mbr.dl = rvar(r, UINT64_MAX);
	}
	if (m & BIT(6, 1)) {
		q->gbr.ul = rvar(r, UINT64_MAX);
		q->gbr.dl = rvar(r, UINT64_MAX);
	}
	if (m & BIT(7, 1))
		q->qfi = r8(r);
	if (m & BIT(8, 1))
		q->gate_ul = r8(r);
	if (m & BIT(9, 1))
		q->gate_dl = r8(r);
	if (q->gate_ul > PF_GATE_CLOSED || q->gate_dl > PF_GATE_CLOSED || q->qfi > 63)
		r->bad = true;
}

static void
r_vol(struct rd *r, struct pf_volume *v)
{
	uint8_t m = r8(r);

	if (m & 0xf0)
		r->bad = true;
	if (m & 1)
		v->flags = r8(r);
	if (m & 2)
		v->total = rvar(r, UINT64_MAX);
	if (m & 4)
		v->ul = rvar(r, UINT64_MAX);
	if (m & 8)
		v->dl = rvar(r, UINT64_MAX);
}

static void
r_urr(struct rd *r, struct pf_urr *u)
{
	uint64_t m;

	memset(u, 0, sizeof(*u));
	u->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0x7fff);
	u->has_vol_thresh = is_bool(m, 0);
	u->has_vol_quota = is_bool(m, 1);
	u->mnop = is_bool(m, 10);
	if (m & BIT(2, 1))
		u->method = r8(r);
	if (m & BIT(3, 1))
		u->triggers = (uint32_t)rvar(r, 0xffffff);
	if (m & BIT(4, 1))
		u->time_thresh = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(5, 1))
		u->time_quota = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(6, 1))
		u->meas_period = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(7, 1))
		u->quota_holding = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(8, 1))
		r_vol(r, &u->vol_thresh);
	if (m & BIT(9, 1))
		r_vol(r, &u->vol_quota);
	if (m & BIT(11, 1))
		u->quota_validity = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(12, 1)) {
		u->n_linked = r8(r);
		if (u->n_linked > PF_URR_LINKED_MAX) {
			r->bad = true;
			u->n_linked = 0;
		}
		for (int k = 0; k < u->n_linked; k++)
			u->linked[k] = (uint32_t)rvar(r, UINT32_MAX);
	}
	if (m & BIT(13, 1))
		u->eth_inact = (uint32_t)rvar(r, UINT32_MAX);
	u->has_far_quota = is_bool(m, 14);
	if (u->has_far_quota)
		u->far_quota = (uint32_t)rvar(r, UINT32_MAX);
	if (u->method & ~(PF_MM_DURAT | PF_MM_VOLUM | PF_MM_EVENT))
		r->bad = true;
}

/* ids strictly increasing (the arrays sorted, no id twice) */
#define SORTED(arr, n) ({                                        \
	bool ok_ = true;                                         \
	for (int i_ = 1; i_ < (n); i_++)                         \
		if ((arr)[i_ - 1].id >= (arr)[i_].id)            \
			ok_ = false;                             \
	ok_;                                                     \
})

/* the builder's refs checked by what a session's lookups would find */
static bool
refs_ok(struct bld *b)
{
	if (!pf_sess_refs_resolve(b))
		return false;
	for (int i = 0; i < b->n_far; i++)
		if (b->far[i].has_bar ? !b->bar.present || b->bar.id != b->far[i].bar_id : b->far[i].bar_id != 0)
			return false;
	return true;
}

int
pf_sess_unpack(const uint8_t *buf, size_t len, struct pf_session **out)
{
	static struct pf_sdf_rule sdfs[PF_SESS_PDR_MAX * PF_SESS_SDF_MAX];
	static struct pf_eth_filter ethfs[PF_SESS_PDR_MAX * PF_SESS_ETHF_MAX];
	static uint32_t ids[PF_SESS_PDR_MAX * (PF_SESS_PDR_QER_MAX + PF_SESS_PDR_URR_MAX)];
	static struct bld bb;
	static struct unp u;
	struct bld *b = &bb;
	struct rd *r = &u.r;
	uint32_t crc;
	uint8_t m, m2 = 0;
	int i, rc = -EINVAL;

	*out = NULL;
	if (buf == NULL || len < 1 + 4 || (buf[0] != PACK_V1 && buf[0] != PACK_V2))
		return -EINVAL;
	crc = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 | (uint32_t)buf[len - 2] << 16 |
		(uint32_t)buf[len - 1] << 24;
	if (pf_crc32c(0, buf, len - 4) != crc)
		return -EINVAL;
	memset(b, 0, offsetof(struct bld, pdr));
	b->n_rm_far = b->n_rm_qer = b->n_rm_urr = 0;
	b->sdfs = sdfs;
	b->ethfs = ethfs;
	b->ids = ids;
	b->n_sdfs = b->n_ethfs = b->n_ids = b->n_new = 0;
	b->max_sdfs = (int)(sizeof(sdfs) / sizeof(sdfs[0]));
	b->max_ethfs = (int)(sizeof(ethfs) / sizeof(ethfs[0]));
	b->max_ids = (int)(sizeof(ids) / sizeof(ids[0]));
	u.b = b;
	u.nomem = false;
	u.n_names = 0;
	r->p = buf + 1;
	r->end = buf + len - 4;
	r->bad = false;

	b->up_seid = rvar(r, UINT64_MAX);
	m = r8(r);
	b->cp.has_v4 = m & 1;
	b->cp.has_v6 = (m >> 1) & 1;
	b->cp.seid = rvar(r, UINT64_MAX);
	if (m & 0x04)
		rraw(r, b->cp.v4, 4);
	if (m & 0x08)
		rraw(r, b->cp.v6, 16);
	if (m & 0x10)
		b->pdn_type = r8(r);
	b->bar.present = (m >> 5) & 1;
	b->bar.has_delay = (m >> 6) & 1;
	b->bar.has_sugg = (m >> 7) & 1;
	if (m & 0xe0) {
		b->bar.id = r8(r);
		b->bar.dl_notif_delay = r8(r);
		b->bar.sugg_pkts = r8(r);
	}
	if (buf[0] == PACK_V2) {
		m2 = r8(r);
		if (m2 == 0 || (m2 & ~(PACK_M2_INACT | PACK_M2_REDIR)) != 0) /* written only when some field is */
			goto out;
		if (m2 & PACK_M2_INACT)
			b->inact_s = (uint32_t)rvar(r, UINT32_MAX);
	}
	b->n_far = r8(r);
	b->n_qer = r8(r);
	b->n_urr = r8(r);
	b->n_pdr = r8(r);
	if (r->bad || b->pdn_type > 7 || (!b->bar.present && (m & 0xe0)) || b->n_far > PF_SESS_FAR_MAX ||
		b->n_qer > PF_SESS_QER_MAX || b->n_urr > PF_SESS_URR_MAX || b->n_pdr > PF_SESS_PDR_MAX)
		goto out;
	for (i = 0; i < b->n_far && !r->bad; i++) {
		r_far(&u, &b->far[i]);
		/* a redirect only where the session's mask says some FAR has one */
		if (b->far[i].has_redir && (buf[0] != PACK_V2 || !(m2 & PACK_M2_REDIR)))
			r->bad = true;
	}
	for (i = 0; i < b->n_qer && !r->bad; i++)
		r_qer(r, &b->qer[i]);
	for (i = 0; i < b->n_urr && !r->bad; i++)
		r_urr(r, &b->urr[i]);
	for (i = 0; i < b->n_pdr && !r->bad; i++)
		r_pdr(&u, &b->pdr[i]);
	if (r->bad || r->p != r->end || !SORTED(b->far, b->n_far) || !SORTED(b->qer, b->n_qer) ||
		!SORTED(b->urr, b->n_urr) || !SORTED(b->pdr, b->n_pdr) || !refs_ok(b))
		goto out;
	*out = pf_sess_layout(b);
	rc = *out != NULL ? 0 : -ENOMEM;
out:
	if (u.nomem)
		rc = -ENOMEM;
	for (i = 0; i < b->n_new; i++)
		pf_sess_name_gc(b->newnames[i]); /* the ones no session took */
	return rc;
}
