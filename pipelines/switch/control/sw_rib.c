/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel VRFs' routes, prefix by prefix, from rtnetlink's messages (see sw_rib.h). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "cd_nlattr.h"
#include "sw_names.h"
#include "sw_rib.h"

#define BUCKETS0   1024
#define NHO_BUCKETS 256

/* A nexthop object (RTM_NEWNEXTHOP) of a slice's twin (ids are a
 * network namespace's): one hop, a blackhole or a group. */
struct nho {
	struct nho *chain;
	uint32_t slice, id, gen;
	bool blackhole;
	uint16_t n_grp;
	uint32_t *grp;		/* member ids */
	struct sw_rib_hop hop;
};

struct sw_rib {
	uint32_t n;
	struct sw_rib_pfx **bucket;
	size_t n_bucket, n_pfx, n_rt;
	struct sw_rib_pfx *dirty_head, **dirty_tail;
	struct nho *nho[NHO_BUCKETS];
	uint64_t malformed;
	uint32_t gen;
	uint16_t *ll_bd;	/* [slice]: sw_rib_ll_link's */
	uint16_t *ll_n;
};

static size_t
alen(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

/* ------------------------------------------------------------ prefixes */

static uint64_t
hash_of(uint32_t slice, int af, const uint8_t *dst, uint8_t plen)
{
	uint64_t h = 1469598103934665603ULL;
	uint8_t k[22];

	memcpy(k, &slice, 4);
	k[4] = (uint8_t)af;
	k[5] = plen;
	memcpy(k + 6, dst, 16);
	for (size_t i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

struct sw_rib *
sw_rib_new(uint32_t n)
{
	struct sw_rib *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->n = n;
	r->n_bucket = BUCKETS0;
	r->dirty_tail = &r->dirty_head;
	if ((r->bucket = calloc(r->n_bucket, sizeof(*r->bucket))) == NULL ||
	    (r->ll_bd = calloc((size_t)n + 1, sizeof(*r->ll_bd))) == NULL ||
	    (r->ll_n = calloc((size_t)n + 1, sizeof(*r->ll_n))) == NULL) {
		sw_rib_free(r);
		return NULL;
	}
	return r;
}

static void
rt_free(struct sw_rib_rt *rt)
{
	if (rt->hop != &rt->one)
		free(rt->hop);
	free(rt);
}

void
sw_rib_free(struct sw_rib *r)
{
	if (r == NULL)
		return;
	for (size_t b = 0; r->bucket != NULL && b < r->n_bucket; b++) {
		for (struct sw_rib_pfx *p = r->bucket[b], *pn; p != NULL; p = pn) {
			pn = p->chain;
			for (struct sw_rib_rt *rt = p->rts, *rn; rt != NULL; rt = rn) {
				rn = rt->next;
				rt_free(rt);
			}
			free(p);
		}
	}
	for (int b = 0; b < NHO_BUCKETS; b++) {
		for (struct nho *o = r->nho[b], *on; o != NULL; o = on) {
			on = o->chain;
			free(o->grp);
			free(o);
		}
	}
	free(r->bucket);
	free(r->ll_bd);
	free(r->ll_n);
	free(r);
}

struct sw_rib_pfx *
sw_rib_find(const struct sw_rib *r, uint32_t slice, int af, const uint8_t *dst, uint8_t plen)
{
	uint8_t d[16] = { 0 };

	memcpy(d, dst, alen(af));
	for (struct sw_rib_pfx *p = r->bucket[hash_of(slice, af, d, plen) & (r->n_bucket - 1)]; p != NULL;
	     p = p->chain)
		if (p->slice == slice && p->af == af && p->plen == plen && memcmp(p->dst, d, 16) == 0)
			return p;
	return NULL;
}

/* Twice the buckets, when there are as many prefixes as buckets; staying
 * as it is when that memory is not there (the chains grow instead). */
static void
grow(struct sw_rib *r)
{
	size_t nb = r->n_bucket * 2;
	struct sw_rib_pfx **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < r->n_bucket; i++) {
		for (struct sw_rib_pfx *p = r->bucket[i], *pn; p != NULL; p = pn) {
			size_t h = hash_of(p->slice, p->af, p->dst, p->plen) & (nb - 1);

			pn = p->chain;
			p->chain = b[h];
			b[h] = p;
		}
	}
	free(r->bucket);
	r->bucket = b;
	r->n_bucket = nb;
}

struct sw_rib_pfx *
sw_rib_get(struct sw_rib *r, uint32_t slice, int af, const uint8_t *dst, uint8_t plen)
{
	struct sw_rib_pfx *p = sw_rib_find(r, slice, af, dst, plen);
	size_t h;

	if (p != NULL || slice == 0 || slice > r->n || plen > alen(af) * 8 || (p = calloc(1, sizeof(*p))) == NULL)
		return p;
	p->slice = slice;
	p->af = (uint8_t)af;
	p->plen = plen;
	memcpy(p->dst, dst, alen(af));
	if (r->n_pfx >= r->n_bucket)
		grow(r);
	h = hash_of(slice, af, p->dst, plen) & (r->n_bucket - 1);
	p->chain = r->bucket[h];
	r->bucket[h] = p;
	r->n_pfx++;
	return p;
}

void
sw_rib_dirty(struct sw_rib *r, struct sw_rib_pfx *p)
{
	if (p->dirty)
		return;
	p->dirty = 1;
	p->dirty_next = NULL;
	*r->dirty_tail = p;
	r->dirty_tail = &p->dirty_next;
}

struct sw_rib_pfx *
sw_rib_dirty_pop(struct sw_rib *r)
{
	struct sw_rib_pfx *p = r->dirty_head;

	if (p == NULL)
		return NULL;
	if ((r->dirty_head = p->dirty_next) == NULL)
		r->dirty_tail = &r->dirty_head;
	p->dirty = 0;
	p->dirty_next = NULL;
	return p;
}

void
sw_rib_each(const struct sw_rib *r, uint32_t slice, void (*fn)(struct sw_rib_pfx *p, void *arg), void *arg)
{
	for (size_t b = 0; b < r->n_bucket; b++)
		for (struct sw_rib_pfx *p = r->bucket[b], *pn; p != NULL; p = pn) {
			pn = p->chain;
			if (slice == 0 || p->slice == slice)
				fn(p, arg);
		}
}

void
sw_rib_reap(struct sw_rib *r, struct sw_rib_pfx *p)
{
	struct sw_rib_pfx **pp = &r->bucket[hash_of(p->slice, p->af, p->dst, p->plen) & (r->n_bucket - 1)];

	if (p->rts != NULL || p->held != 0 || p->dirty || p->owned)
		return;
	while (*pp != NULL && *pp != p)
		pp = &(*pp)->chain;
	if (*pp == NULL)
		return;
	*pp = p->chain;
	r->n_pfx--;
	free(p);
}

/* -------------------------------------------------------------- routes */

/* The hops of a message (@t's attributes) of a route of family @af into
 * @hop (at most SW_RIB_HOPS_MAX): how many, -1 when malformed. */
static int
one_hop(int af, const struct cd_nlattrs *t, uint32_t oif, struct sw_rib_hop *h)
{
	const struct nlattr *gw = t->a[RTA_GATEWAY], *via = t->a[RTA_VIA];

	*h = (struct sw_rib_hop){ .oif = oif };
	if (gw != NULL) {
		if (mnl_attr_get_payload_len(gw) != alen(af))
			return -1;
		h->af = (uint8_t)af;
		memcpy(h->gw, mnl_attr_get_payload(gw), alen(af));
	} else if (via != NULL) {
		const struct rtvia *v = mnl_attr_get_payload(via);
		size_t len = mnl_attr_get_payload_len(via);

		if (len < sizeof(*v) || (v->rtvia_family != AF_INET && v->rtvia_family != AF_INET6) ||
		    len - sizeof(*v) != alen(v->rtvia_family))
			return -1;
		h->af = (uint8_t)v->rtvia_family;
		memcpy(h->gw, v->rtvia_addr, alen(v->rtvia_family));
	}
	return 1;
}

static int
hops_of(int af, const struct cd_nlattrs *t, struct sw_rib_hop *hop)
{
	const struct rtnexthop *nh;
	int left, n = 0;

	if (t->a[RTA_MULTIPATH] == NULL)
		return one_hop(af, t, t->a[RTA_OIF] != NULL && mnl_attr_get_payload_len(t->a[RTA_OIF]) == 4 ?
			       mnl_attr_get_u32(t->a[RTA_OIF]) : 0, hop);
	nh = mnl_attr_get_payload(t->a[RTA_MULTIPATH]);
	left = (int)mnl_attr_get_payload_len(t->a[RTA_MULTIPATH]);
	while (left > 0) {
		struct cd_nlattrs h = { 0 };

		if (left < (int)sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left ||
		    mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), cd_nlattr_cb, &h) < 0)
			return -1;
		if (n < SW_RIB_HOPS_MAX && one_hop(af, &h, (uint32_t)nh->rtnh_ifindex, &hop[n++]) < 0)
			return -1;
		left -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return n;
}

static bool
hop_eq(const struct sw_rib_hop *a, const struct sw_rib_hop *b)
{
	return a->af == b->af && a->oif == b->oif && memcmp(a->gw, b->gw, 16) == 0;
}

static bool
rt_has(const struct sw_rib_rt *rt, const struct sw_rib_hop *h)
{
	for (int i = 0; i < rt->n_hop; i++)
		if (hop_eq(&rt->hop[i], h))
			return true;
	return false;
}

/* @rt's hops made @hop[0..n-1]: 0, or -1 when out of memory (unchanged). */
static int
rt_set_hops(struct sw_rib_rt *rt, const struct sw_rib_hop *hop, int n)
{
	struct sw_rib_hop *h = &rt->one;

	if (n > 1 && (h = malloc((size_t)n * sizeof(*h))) == NULL)
		return -1;
	if (rt->hop != &rt->one)
		free(rt->hop);
	if (n > 0)
		memcpy(h, hop, (size_t)n * sizeof(*h));
	rt->hop = h;
	rt->n_hop = (uint16_t)n;
	return 0;
}

static void
rt_unlink(struct sw_rib *r, struct sw_rib_pfx *p, struct sw_rib_rt *rt)
{
	struct sw_rib_rt **pp = &p->rts;

	while (*pp != rt)
		pp = &(*pp)->next;
	*pp = rt->next;
	rt_free(rt);
	r->n_rt--;
}

static bool
learned(const struct rtmsg *rt)
{
	switch (rt->rtm_type) {
	case RTN_UNICAST:
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		return rt->rtm_protocol != RTPROT_KERNEL && rt->rtm_protocol != SW_RIB_PROTO_SXCD;
	default:
		return false;
	}
}

static void
on_route(struct sw_rib *r, const struct nlmsghdr *nlh, uint32_t slice)
{
	const struct rtmsg *m = mnl_nlmsg_get_payload(nlh);
	struct sw_rib_hop hop[SW_RIB_HOPS_MAX];
	bool del = nlh->nlmsg_type == RTM_DELROUTE;
	struct sw_rib_rt *rt, **pp;
	struct sw_rib_pfx *p;
	struct cd_nlattrs t = { 0 };
	uint8_t dst[16] = { 0 };
	uint32_t table, metric, nhid = 0;
	int af, n = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		goto bad;
	af = m->rtm_family;
	if ((af != AF_INET && af != AF_INET6) || !learned(m))
		return;
	if (mnl_attr_parse(nlh, sizeof(*m), cd_nlattr_cb, &t) < 0 || m->rtm_dst_len > alen(af) * 8)
		goto bad;
	table = t.a[RTA_TABLE] != NULL && mnl_attr_get_payload_len(t.a[RTA_TABLE]) == 4 ?
		mnl_attr_get_u32(t.a[RTA_TABLE]) : m->rtm_table;
	if (table != RT_TABLE_MAIN || slice == 0 || slice > r->n)
		return;
	if (t.a[RTA_DST] != NULL) {
		if (mnl_attr_get_payload_len(t.a[RTA_DST]) != alen(af))
			goto bad;
		memcpy(dst, mnl_attr_get_payload(t.a[RTA_DST]), alen(af));
	}
	/* host bits off: the kernel refuses them, a made-up message may not */
	for (unsigned int b = m->rtm_dst_len; b < 128; b++)
		dst[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	metric = t.a[RTA_PRIORITY] != NULL && mnl_attr_get_payload_len(t.a[RTA_PRIORITY]) == 4 ?
		 mnl_attr_get_u32(t.a[RTA_PRIORITY]) : 0;
	if (t.a[RTA_NH_ID] != NULL) {
		if (mnl_attr_get_payload_len(t.a[RTA_NH_ID]) != 4)
			goto bad;
		nhid = mnl_attr_get_u32(t.a[RTA_NH_ID]);
	} else if (m->rtm_type == RTN_UNICAST && (n = hops_of(af, &t, hop)) < 0) {
		goto bad;
	}
	p = del ? sw_rib_find(r, slice, af, dst, m->rtm_dst_len) : sw_rib_get(r, slice, af, dst, m->rtm_dst_len);
	if (p == NULL)
		return;
	for (rt = p->rts; rt != NULL && rt->metric != metric; rt = rt->next)
		;
	if (del) {
		if (rt == NULL)
			return;
		/* an IPv6 route's hops go one at a time: the others stay */
		if (af == AF_INET6 && nhid == 0 && rt->nhid == 0 && n > 0 && n < rt->n_hop) {
			struct sw_rib_hop keep[SW_RIB_HOPS_MAX];
			int k = 0, gone = 0;

			for (int i = 0; i < rt->n_hop; i++) {
				bool out = false;

				for (int j = 0; j < n; j++)
					out = out || hop_eq(&rt->hop[i], &hop[j]);
				if (out)
					gone++;
				else
					keep[k++] = rt->hop[i];
			}
			if (gone == n) {
				rt_set_hops(rt, keep, k);
				sw_rib_dirty(r, p);
				return;
			}
		}
		rt_unlink(r, p, rt);
		sw_rib_dirty(r, p);
		return;
	}
	if (rt == NULL) {
		if ((rt = calloc(1, sizeof(*rt))) == NULL)
			return;
		rt->metric = metric;
		rt->hop = &rt->one;
		for (pp = &p->rts; *pp != NULL && (*pp)->metric < metric; pp = &(*pp)->next)
			;
		rt->next = *pp;
		*pp = rt;
		r->n_rt++;
	} else if ((nlh->nlmsg_flags & NLM_F_APPEND) && af == AF_INET6 && nhid == 0 && rt->nhid == 0) {
		/* an IPv6 hop appended to the route of that metric */
		struct sw_rib_hop all[SW_RIB_HOPS_MAX];
		int k = rt->n_hop;

		memcpy(all, rt->hop, (size_t)k * sizeof(*all));
		for (int j = 0; j < n && k < SW_RIB_HOPS_MAX; j++)
			if (!rt_has(rt, &hop[j]))
				all[k++] = hop[j];
		memcpy(hop, all, (size_t)k * sizeof(*all));
		n = k;
	}
	rt->proto = m->rtm_protocol;
	rt->type = m->rtm_type;
	rt->gen = r->gen;
	rt->nhid = nhid;
	rt_set_hops(rt, hop, nhid != 0 ? 0 : n);
	sw_rib_dirty(r, p);
	return;
bad:
	r->malformed++;
}

/* ------------------------------------------------------ nexthop objects */

static struct nho **
nho_slot(struct sw_rib *r, uint32_t slice, uint32_t id)
{
	struct nho **pp = &r->nho[(id ^ slice * 2654435761u) % NHO_BUCKETS];

	while (*pp != NULL && ((*pp)->id != id || (*pp)->slice != slice))
		pp = &(*pp)->chain;
	return pp;
}

static const struct nho *
nho_find(const struct sw_rib *r, uint32_t slice, uint32_t id)
{
	const struct nho *o = r->nho[(id ^ slice * 2654435761u) % NHO_BUCKETS];

	while (o != NULL && (o->id != id || o->slice != slice))
		o = o->chain;
	return o;
}

static bool
nho_uses(const struct sw_rib *r, uint32_t slice, uint32_t nhid, uint32_t id)
{
	const struct nho *o;

	if (nhid == id)
		return true;
	if ((o = nho_find(r, slice, nhid)) == NULL)
		return false;
	for (int i = 0; i < o->n_grp; i++)
		if (o->grp[i] == id)
			return true;
	return false;
}

struct nho_mark {
	struct sw_rib *r;
	uint32_t slice, id;
};

static void
mark_users(struct sw_rib_pfx *p, void *arg)
{
	struct nho_mark *m = arg;

	for (struct sw_rib_rt *rt = p->rts; rt != NULL; rt = rt->next)
		if (rt->nhid != 0 && nho_uses(m->r, m->slice, rt->nhid, m->id)) {
			sw_rib_dirty(m->r, p);
			return;
		}
}

static void
on_nexthop(struct sw_rib *r, const struct nlmsghdr *nlh, uint32_t slice)
{
	const struct nhmsg *m = mnl_nlmsg_get_payload(nlh);
	struct nho_mark mk = { .r = r, .slice = slice };
	struct cd_nlattrs t = { 0 };
	struct nho **pp, *o;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || mnl_attr_parse(nlh, sizeof(*m), cd_nlattr_cb, &t) < 0 ||
	    t.a[NHA_ID] == NULL || mnl_attr_get_payload_len(t.a[NHA_ID]) != 4) {
		r->malformed++;
		return;
	}
	mk.id = mnl_attr_get_u32(t.a[NHA_ID]);
	/* its users are marked while it still says what they used */
	if (slice == 0 || slice > r->n)
		return;
	sw_rib_each(r, slice, mark_users, &mk);
	pp = nho_slot(r, slice, mk.id);
	if (nlh->nlmsg_type == RTM_DELNEXTHOP) {
		if ((o = *pp) != NULL) {
			*pp = o->chain;
			free(o->grp);
			free(o);
		}
		return;
	}
	if ((o = *pp) == NULL) {
		if ((o = calloc(1, sizeof(*o))) == NULL)
			return;
		o->id = mk.id;
		o->slice = slice;
		*pp = o;
	}
	o->gen = r->gen;
	free(o->grp);
	o->grp = NULL;
	o->n_grp = 0;
	o->blackhole = t.a[NHA_BLACKHOLE] != NULL;
	o->hop = (struct sw_rib_hop){ .oif = t.a[NHA_OIF] != NULL && mnl_attr_get_payload_len(t.a[NHA_OIF]) == 4 ?
						     mnl_attr_get_u32(t.a[NHA_OIF]) : 0 };
	if (t.a[NHA_GATEWAY] != NULL && (m->nh_family == AF_INET || m->nh_family == AF_INET6) &&
	    mnl_attr_get_payload_len(t.a[NHA_GATEWAY]) == alen(m->nh_family)) {
		o->hop.af = m->nh_family;
		memcpy(o->hop.gw, mnl_attr_get_payload(t.a[NHA_GATEWAY]), alen(m->nh_family));
	}
	if (t.a[NHA_GROUP] != NULL) {
		const struct nexthop_grp *g = mnl_attr_get_payload(t.a[NHA_GROUP]);
		size_t n = mnl_attr_get_payload_len(t.a[NHA_GROUP]) / sizeof(*g);

		if (n > 0 && (o->grp = calloc(n, sizeof(*o->grp))) != NULL) {
			for (size_t i = 0; i < n; i++)
				o->grp[i] = g[i].id;
			o->n_grp = (uint16_t)n;
		}
	}
	sw_rib_each(r, slice, mark_users, &mk);
}

void
sw_rib_msg(struct sw_rib *r, const struct nlmsghdr *nlh, uint32_t slice)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(r, nlh, slice);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		on_nexthop(r, nlh, slice);
		break;
	default:
		break;
	}
}

void
sw_rib_mark(struct sw_rib *r)
{
	r->gen++;
}

struct sweep {
	struct sw_rib *r;
	bool all;	/* every route of the slice, not just the stale */
};

static void
sweep_one(struct sw_rib_pfx *p, void *arg)
{
	struct sweep *sw = arg;

	for (struct sw_rib_rt *rt = p->rts, *rn; rt != NULL; rt = rn) {
		rn = rt->next;
		if (sw->all || rt->gen != sw->r->gen) {
			rt_unlink(sw->r, p, rt);
			sw_rib_dirty(sw->r, p);
		}
	}
}

/* Slice @slice's routes and nexthop objects not said since the mark
 * (@all: every one of them) go. */
static void
sweep(struct sw_rib *r, uint32_t slice, bool all)
{
	struct sweep sw = { .r = r, .all = all };

	if (slice == 0)
		return;
	sw_rib_each(r, slice, sweep_one, &sw);
	for (int b = 0; b < NHO_BUCKETS; b++) {
		for (struct nho **pp = &r->nho[b], *o; (o = *pp) != NULL;) {
			if (o->slice == slice && (all || o->gen != r->gen)) {
				*pp = o->chain;
				free(o->grp);
				free(o);
			} else {
				pp = &o->chain;
			}
		}
	}
}

void
sw_rib_sweep(struct sw_rib *r, uint32_t slice)
{
	sweep(r, slice, false);
}

void
sw_rib_forget(struct sw_rib *r, uint32_t slice)
{
	sweep(r, slice, true);
}

/* ------------------------------------------------------------ resolve */

static int
hop_cmp(const void *a, const void *b)
{
	return memcmp(((const struct sw_rib_hop *)a)->gw, ((const struct sw_rib_hop *)b)->gw, 16);
}

/* A link-local gateway @h of slice @slice as sxdp's routes name it
 * (sw_names.h): fe80:BD::IID on the slice's one IPv6 link here
 * (sw_rib_ll_link), or fe80:SW_LL_ANY::IID when it has several, which
 * sxdp asks on all (the twin is one device: its route does not say
 * which). False, with @out->why, when the slice has none. */
static bool
ll_scope(const struct sw_rib *r, uint32_t slice, struct sw_rib_res *out, struct sw_rib_hop *h)
{
	static const uint8_t fe80[8] = { 0xfe, 0x80 };
	uint16_t n = slice <= r->n ? r->ll_n[slice] : 0, bd = n == 1 ? r->ll_bd[slice] : SW_LL_ANY;

	if (memcmp(h->gw, fe80, 8) != 0) {
		out->why = "a link-local next hop outside fe80::/64";
		return false;
	}
	if (n == 0) {
		out->why = "a link-local next hop, and the slice routes IPv6 on no link of its own here";
		return false;
	}
	h->gw[2] = (uint8_t)(bd >> 8);
	h->gw[3] = (uint8_t)bd;
	return true;
}

/* Add @h to @out's hops (once each gateway): false, with @out->why, when
 * sxdp cannot take it. */
static bool
add_hop(const struct sw_rib *r, uint32_t slice, struct sw_rib_res *out, int af, const struct sw_rib_hop *hop)
{
	static const uint8_t zero[16];
	struct sw_rib_hop one = *hop, *h = &one;

	if (h->af == 0 || memcmp(h->gw, zero, 16) == 0) {
		out->why = "no gateway (a route through a device names no next hop sxdp can reach)";
		return false;
	}
	if (h->af != af) {
		out->why = "a next hop of the other family (RFC 5549): sxdp's routes take their own family's";
		return false;
	}
	if (af == AF_INET6 && h->gw[0] == 0xfe && (h->gw[1] & 0xc0) == 0x80 && !ll_scope(r, slice, out, h))
		return false;
	for (int i = 0; i < out->n; i++)
		if (memcmp(out->hop[i].gw, h->gw, 16) == 0)
			return true;
	if (out->n < SW_RIB_HOPS_MAX)
		out->hop[out->n++] = *h;
	return true;
}

void
sw_rib_resolve(const struct sw_rib *r, const struct sw_rib_pfx *p, struct sw_rib_res *out)
{
	const struct sw_rib_rt *rt = p->rts;
	const struct nho *o;

	*out = (struct sw_rib_res){ .act = SW_RIB_NONE, .rt = rt };
	if (rt == NULL)
		return;
	if (rt->type != RTN_UNICAST) {
		out->act = SW_RIB_DROP;
		return;
	}
	if (rt->nhid == 0) {
		for (int i = 0; i < rt->n_hop; i++)
			if (!add_hop(r, p->slice, out, p->af, &rt->hop[i]))
				goto none;
	} else if ((o = nho_find(r, p->slice, rt->nhid)) == NULL) {
		out->why = "its nexthop object is unknown";
		goto none;
	} else if (o->blackhole) {
		out->act = SW_RIB_DROP;
		return;
	} else if (o->n_grp == 0) {
		if (!add_hop(r, p->slice, out, p->af, &o->hop))
			goto none;
	} else {
		for (int i = 0; i < o->n_grp; i++) {
			const struct nho *m = nho_find(r, p->slice, o->grp[i]);

			if (m == NULL || m->blackhole) {
				out->why = "a member of its nexthop group is unknown or a blackhole";
				goto none;
			}
			if (!add_hop(r, p->slice, out, p->af, &m->hop))
				goto none;
		}
	}
	if (out->n == 0) {
		out->why = "no next hop";
		goto none;
	}
	/* one order whatever the kernel's: the same hops are the same entry */
	qsort(out->hop, out->n, sizeof(out->hop[0]), hop_cmp);
	out->act = out->n == 1 ? SW_RIB_VIA : SW_RIB_ECMP;
	return;
none:
	out->act = SW_RIB_NONE;
	out->n = 0;
}

void
sw_rib_ll_link(struct sw_rib *r, uint32_t slice, uint16_t bd, uint16_t n_links)
{
	if (slice == 0 || slice > r->n || (r->ll_bd[slice] == bd && r->ll_n[slice] == n_links))
		return;
	r->ll_bd[slice] = bd;
	r->ll_n[slice] = n_links;
	for (size_t b = 0; b < r->n_bucket; b++)
		for (struct sw_rib_pfx *p = r->bucket[b]; p != NULL; p = p->chain)
			if (p->slice == slice && p->af == AF_INET6)
				sw_rib_dirty(r, p);
}

/* ---------------------------------------------------------------- misc */

const char *
sw_rib_proto_name(uint8_t proto, char *buf, size_t len)
{
	/* linux/rtnetlink.h's RTPROT_ values */
	switch (proto) {
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_RA: return "ra";
	case RTPROT_DHCP: return "dhcp";
	case RTPROT_ZEBRA: return "zebra";
	case RTPROT_BIRD: return "bird";
	case RTPROT_BABEL: return "babel";
	case RTPROT_BGP: return "bgp";
	case RTPROT_ISIS: return "isis";
	case RTPROT_OSPF: return "ospf";
	case RTPROT_RIP: return "rip";
	case RTPROT_EIGRP: return "eigrp";
	/* FRR's zebra's own, beside those */
	case 190: return "ripng";
	case 191: return "nhrp";
	case 193: return "ldp";
	case 195: return "pbr";
	case 196: return "frr-static";
	case 197: return "openfabric";
	default:
		snprintf(buf, len, "proto-%u", proto);
		return buf;
	}
}

void
sw_rib_stats(const struct sw_rib *r, struct sw_rib_stats *st)
{
	*st = (struct sw_rib_stats){ .prefixes = r->n_pfx, .routes = r->n_rt, .malformed = r->malformed };
}
