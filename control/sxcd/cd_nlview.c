/* SPDX-License-Identifier: BSD-3-Clause */
/* rtnetlink's messages into the kernel's view of the WAN links (see cd_nlview.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "cd_nlattr.h"
#include "cd_nlview.h"


struct cd_nlview {
	/* by interface index ("INDEX") */
	json_t *links;		/* {"name", "up"} */
	json_t *gws[2];		/* IPv4, IPv6: {"GW": metric} of the default routes through it */
	json_t *neigh;		/* {"IP": "MAC"} */
	json_t *view;
};

static void
key_of(char *out, size_t len, unsigned int index)
{
	snprintf(out, len, "%u", index);
}

/* @key's object in @o, made empty when it has none. */
static json_t *
sub(json_t *o, const char *key)
{
	json_t *s = json_object_get(o, key);

	if (s == NULL && json_object_set_new(o, key, json_object()) == 0)
		s = json_object_get(o, key);
	return s;
}

struct cd_nlview *
cd_nlview_new(void)
{
	struct cd_nlview *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	*v = (struct cd_nlview){ .links = json_object(), .gws = { json_object(), json_object() },
				 .neigh = json_object() };
	if (v->links == NULL || v->gws[0] == NULL || v->gws[1] == NULL || v->neigh == NULL) {
		cd_nlview_free(v);
		return NULL;
	}
	return v;
}

void
cd_nlview_free(struct cd_nlview *v)
{
	if (v == NULL)
		return;
	json_decref(v->links);
	json_decref(v->gws[0]);
	json_decref(v->gws[1]);
	json_decref(v->neigh);
	json_decref(v->view);
	free(v);
}

/* ------------------------------------------------------------ links */

static void
on_link(struct cd_nlview *v, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct cd_nlattrs t = { 0 };
	char k[16];

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	key_of(k, sizeof(k), (unsigned int)ifi->ifi_index);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		json_object_del(v->links, k);
		json_object_del(v->gws[0], k);
		json_object_del(v->gws[1], k);
		json_object_del(v->neigh, k);
		return;
	}
	if (mnl_attr_parse(nlh, sizeof(*ifi), cd_nlattr_cb, &t) < 0 || t.a[IFLA_IFNAME] == NULL ||
	    mnl_attr_validate(t.a[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return;
	json_object_set_new(v->links, k, json_pack("{s:s,s:b}", "name", mnl_attr_get_str(t.a[IFLA_IFNAME]),
		"up", (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING)));
}

/* ----------------------------------------------------------- routes */

/* One hop of a default route of family @af: gateway @gw (its payload)
 * through interface @index, at @metric; added, or taken back (@del). */
static void
hop(struct cd_nlview *v, int af, unsigned int index, const struct nlattr *gw, uint32_t metric, bool del)
{
	char k[16], ip[INET6_ADDRSTRLEN];
	json_t *per;

	if (gw == NULL || mnl_attr_get_payload_len(gw) != (af == AF_INET6 ? 16 : 4) || index == 0 ||
	    inet_ntop(af, mnl_attr_get_payload(gw), ip, sizeof(ip)) == NULL)
		return;
	key_of(k, sizeof(k), index);
	per = json_object_get(v->gws[af == AF_INET6], k);
	if (del) {
		json_object_del(per, ip);
		if (json_object_size(per) == 0)
			json_object_del(v->gws[af == AF_INET6], k);
		return;
	}
	if ((per = sub(v->gws[af == AF_INET6], k)) != NULL)
		json_object_set_new(per, ip, json_integer(metric));
}

/* A route replaced (NLM_F_REPLACE: the kernel's one of that table, prefix
 * and metric, through any interface) is taken back before its successor
 * comes: no message takes the old one's hops back. */
static void
replaced(struct cd_nlview *v, int af, uint32_t metric)
{
	json_t *per, *m;
	const char *k, *gw;
	void *t1, *t2;

	json_object_foreach_safe(v->gws[af == AF_INET6], t1, k, per) {
		json_object_foreach_safe(per, t2, gw, m)
			if ((uint32_t)json_integer_value(m) == metric)
				json_object_del(per, gw);
		if (json_object_size(per) == 0)
			json_object_del(v->gws[af == AF_INET6], k);
	}
}

/* A multipath route's hops (struct rtnexthop each, its attributes after
 * it): the first through each interface, the others through it skipped
 * (one next hop per WAN link is what a path takes). A hop that runs past
 * the attribute ends the walk: what came before it stands. */
static void
multipath(struct cd_nlview *v, int af, const struct nlattr *mp, uint32_t metric, bool del)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	int left = (int)mnl_attr_get_payload_len(mp);
	unsigned int seen[32];
	size_t n_seen = 0;

	while (left >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		struct cd_nlattrs t = { 0 };
		bool dup = false;

		for (size_t i = 0; i < n_seen; i++)
			dup = dup || seen[i] == (unsigned int)nh->rtnh_ifindex;
		if (!dup && nh->rtnh_ifindex > 0 &&
		    mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), cd_nlattr_cb, &t) >= 0)
			hop(v, af, (unsigned int)nh->rtnh_ifindex, t.a[RTA_GATEWAY], metric, del);
		if (!dup && n_seen < sizeof(seen) / sizeof(seen[0]))
			seen[n_seen++] = (unsigned int)nh->rtnh_ifindex;
		left -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
}

static void
on_route(struct cd_nlview *v, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	struct cd_nlattrs t = { 0 };
	bool del = nlh->nlmsg_type == RTM_DELROUTE;
	uint32_t table, metric;
	int af;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rt))
		return;
	af = rt->rtm_family;
	/* the main table's unicast default routes of either family */
	if ((af != AF_INET && af != AF_INET6) || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST ||
	    mnl_attr_parse(nlh, sizeof(*rt), cd_nlattr_cb, &t) < 0)
		return;
	table = t.a[RTA_TABLE] != NULL && mnl_attr_get_payload_len(t.a[RTA_TABLE]) == 4 ?
		mnl_attr_get_u32(t.a[RTA_TABLE]) : rt->rtm_table;
	metric = t.a[RTA_PRIORITY] != NULL && mnl_attr_get_payload_len(t.a[RTA_PRIORITY]) == 4 ?
		mnl_attr_get_u32(t.a[RTA_PRIORITY]) : 0;
	/* a nexthop object names its hops elsewhere (RTM_NEWNEXTHOP): not read */
	if (table != RT_TABLE_MAIN || t.a[RTA_NH_ID] != NULL)
		return;
	if (!del && (nlh->nlmsg_flags & NLM_F_REPLACE))
		replaced(v, af, metric);
	if (t.a[RTA_MULTIPATH] != NULL)
		multipath(v, af, t.a[RTA_MULTIPATH], metric, del);
	else if (t.a[RTA_OIF] != NULL && mnl_attr_get_payload_len(t.a[RTA_OIF]) == 4)
		hop(v, af, mnl_attr_get_u32(t.a[RTA_OIF]), t.a[RTA_GATEWAY], metric, del);
}

/* ------------------------------------------------------- neighbours */

static void
on_neigh(struct cd_nlview *v, const struct nlmsghdr *nlh)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct cd_nlattrs t = { 0 };
	char k[16], ip[INET6_ADDRSTRLEN], mac[18];
	const uint8_t *m;
	json_t *per;
	bool usable;
	int af;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd))
		return;
	af = nd->ndm_family;
	usable = nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP);
	if ((af != AF_INET && af != AF_INET6) || mnl_attr_parse(nlh, sizeof(*nd), cd_nlattr_cb, &t) < 0 ||
	    t.a[NDA_DST] == NULL || mnl_attr_get_payload_len(t.a[NDA_DST]) != (af == AF_INET6 ? 16 : 4))
		return;
	key_of(k, sizeof(k), (unsigned int)nd->ndm_ifindex);
	inet_ntop(af, mnl_attr_get_payload(t.a[NDA_DST]), ip, sizeof(ip));
	if (nlh->nlmsg_type == RTM_DELNEIGH || !usable || t.a[NDA_LLADDR] == NULL ||
	    mnl_attr_get_payload_len(t.a[NDA_LLADDR]) != 6) {
		json_object_del(json_object_get(v->neigh, k), ip);
		return;
	}
	m = mnl_attr_get_payload(t.a[NDA_LLADDR]);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	if ((per = sub(v->neigh, k)) != NULL)
		json_object_set_new(per, ip, json_string(mac));
}

void
cd_nlview_msg(struct cd_nlview *v, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(v, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(v, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		on_neigh(v, nlh);
		break;
	default:
		break;
	}
}

/* -------------------------------------------------------------- view */

/* The gateway of @per ({"GW": metric}) to use: the lowest metric, the
 * first among equals. */
static const char *
best_gw(json_t *per)
{
	const char *gw, *best = NULL;
	json_int_t low = 0;
	json_t *m;

	json_object_foreach(per, gw, m) {
		if (best == NULL || json_integer_value(m) < low) {
			best = gw;
			low = json_integer_value(m);
		}
	}
	return best;
}

json_t *
cd_nlview_build(struct cd_nlview *v)
{
	json_t *links = json_object(), *gws = json_object(), *gws6 = json_object(), *neigh = json_object(), *l, *n;
	const char *k, *gw;

	json_object_foreach(v->links, k, l) {
		const char *name = json_string_value(json_object_get(l, "name"));

		json_object_set_new(links, name, json_pack("{s:O,s:i}", "up", json_object_get(l, "up"),
							    "index", atoi(k)));
		if ((gw = best_gw(json_object_get(v->gws[0], k))) != NULL)
			json_object_set_new(gws, name, json_string(gw));
		if ((gw = best_gw(json_object_get(v->gws[1], k))) != NULL)
			json_object_set_new(gws6, name, json_string(gw));
		if ((n = json_object_get(v->neigh, k)) != NULL && json_object_size(n) > 0)
			json_object_set_new(neigh, name, json_deep_copy(n));
	}
	json_decref(v->view);
	v->view = json_pack("{s:o,s:o,s:o,s:o}", "links", links, "gateways", gws, "gateways6", gws6, "neigh",
			    neigh);
	return v->view;
}
