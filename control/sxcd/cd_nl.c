/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's view of the WAN links over rtnetlink: links, default routes, neighbours (see cd_nl.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <event2/event.h>

#include "cd_log.h"
#include "cd_nl.h"

struct cd_nl {
	struct mnl_socket *ev;		/* subscribed to the changes */
	struct event *rd, *settle;
	cd_nl_changed *changed;
	void *arg;
	/* what the kernel said, by interface index */
	json_t *links;			/* "INDEX" → {"name", "up"} */
	json_t *gws;			/* "INDEX" → gateway of the default route through it */
	json_t *neigh;			/* "INDEX" → {"IP": "MAC"} */
	json_t *view;
};

static void
key_of(char *out, size_t len, unsigned int index)
{
	snprintf(out, len, "%u", index);
}

/* ------------------------------------------------------------ parsing */

struct attrs {
	const struct nlattr *a[64];
};

static int
attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type < 64)
		t->a[type] = attr;
	return MNL_CB_OK;
}

static void
on_link(struct cd_nl *n, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { 0 };
	char k[16];

	key_of(k, sizeof(k), (unsigned int)ifi->ifi_index);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		json_object_del(n->links, k);
		json_object_del(n->gws, k);
		json_object_del(n->neigh, k);
		return;
	}
	if (mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t) < 0 || t.a[IFLA_IFNAME] == NULL)
		return;
	json_object_set_new(n->links, k, json_pack("{s:s,s:b}", "name",
		mnl_attr_get_str(t.a[IFLA_IFNAME]),
		"up", (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING)));
}

static void
on_route(struct cd_nl *n, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { 0 };
	char k[16], gw[INET_ADDRSTRLEN];

	/* the main table's IPv4 default routes with one gateway */
	if (rt->rtm_family != AF_INET || rt->rtm_dst_len != 0 || rt->rtm_table != RT_TABLE_MAIN ||
	    mnl_attr_parse(nlh, sizeof(*rt), attr_cb, &t) < 0 || t.a[RTA_OIF] == NULL ||
	    t.a[RTA_GATEWAY] == NULL || mnl_attr_get_payload_len(t.a[RTA_GATEWAY]) != 4)
		return;
	key_of(k, sizeof(k), mnl_attr_get_u32(t.a[RTA_OIF]));
	if (nlh->nlmsg_type == RTM_DELROUTE)
		json_object_del(n->gws, k);
	else
		json_object_set_new(n->gws, k, json_string(inet_ntop(AF_INET,
			mnl_attr_get_payload(t.a[RTA_GATEWAY]), gw, sizeof(gw))));
}

static void
on_neigh(struct cd_nl *n, const struct nlmsghdr *nlh)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { 0 };
	char k[16], ip[INET_ADDRSTRLEN], mac[18];
	const uint8_t *m;
	json_t *per;
	bool usable = nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
				       NUD_PERMANENT | NUD_NOARP);

	if (nd->ndm_family != AF_INET || mnl_attr_parse(nlh, sizeof(*nd), attr_cb, &t) < 0 ||
	    t.a[NDA_DST] == NULL || mnl_attr_get_payload_len(t.a[NDA_DST]) != 4)
		return;
	key_of(k, sizeof(k), (unsigned int)nd->ndm_ifindex);
	inet_ntop(AF_INET, mnl_attr_get_payload(t.a[NDA_DST]), ip, sizeof(ip));
	if ((per = json_object_get(n->neigh, k)) == NULL) {
		json_object_set_new(n->neigh, k, json_object());
		per = json_object_get(n->neigh, k);
	}
	if (nlh->nlmsg_type == RTM_DELNEIGH || !usable || t.a[NDA_LLADDR] == NULL ||
	    mnl_attr_get_payload_len(t.a[NDA_LLADDR]) != 6) {
		json_object_del(per, ip);
		return;
	}
	m = mnl_attr_get_payload(t.a[NDA_LLADDR]);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	json_object_set_new(per, ip, json_string(mac));
}

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cd_nl *n = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(n, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(n, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		on_neigh(n, nlh);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* The view by interface name, from the state by index. */
static void
rebuild(struct cd_nl *n)
{
	json_t *links = json_object(), *gws = json_object(), *neigh = json_object(), *l, *v;
	const char *k;

	json_object_foreach(n->links, k, l) {
		const char *name = json_string_value(json_object_get(l, "name"));

		json_object_set_new(links, name, json_pack("{s:O,s:i}", "up", json_object_get(l, "up"),
							    "index", atoi(k)));
		if ((v = json_object_get(n->gws, k)) != NULL)
			json_object_set(gws, name, v);
		if ((v = json_object_get(n->neigh, k)) != NULL && json_object_size(v) > 0)
			json_object_set_new(neigh, name, json_deep_copy(v));
	}
	json_decref(n->view);
	n->view = json_pack("{s:o,s:o,s:o}", "links", links, "gateways", gws, "neigh", neigh);
}

/* ------------------------------------------------------------- dumps */

static int
dump(struct mnl_socket *s, uint16_t type, size_t hdrlen, struct cd_nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned int seq = (unsigned int)time(NULL) + type, portid = mnl_socket_get_portid(s);
	struct rtgenmsg *g;
	ssize_t len;
	int rc;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	g->rtgen_family = type == RTM_GETLINK ? AF_UNSPEC : AF_INET;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((len = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, msg_cb, n);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -errno : 0;
	}
	return len < 0 ? -errno : 0;
}

static void
on_settle(evutil_socket_t fd, short what, void *arg)
{
	struct cd_nl *n = arg;

	(void)fd;
	(void)what;
	rebuild(n);
	n->changed(n->arg);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct cd_nl *n = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct timeval tv = { 0, CD_NL_SETTLE_MS * 1000 };
	ssize_t len;

	(void)fd;
	(void)what;
	while ((len = mnl_socket_recvfrom(n->ev, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)len, 0, 0, msg_cb, n);
	if (len < 0 && errno == ENOBUFS)	/* events lost: the next change's dump is whole */
		CD_LOG(WARN, "netlink: events lost (ENOBUFS)");
	if (!evtimer_pending(n->settle, NULL))
		evtimer_add(n->settle, &tv);
}

struct cd_nl *
cd_nl_new(struct event_base *base, cd_nl_changed *changed, void *arg)
{
	struct cd_nl *n = calloc(1, sizeof(*n));
	struct mnl_socket *d = NULL;
	int err;

	if (n == NULL)
		return NULL;
	*n = (struct cd_nl){ .changed = changed, .arg = arg, .links = json_object(),
			     .gws = json_object(), .neigh = json_object() };
	/* subscribe first, then dump: a change in between is seen twice, not lost */
	if ((n->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(n->ev, RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_NEIGH, MNL_SOCKET_AUTOPID) < 0 ||
	    (d = mnl_socket_open(NETLINK_ROUTE)) == NULL || mnl_socket_bind(d, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    dump(d, RTM_GETLINK, sizeof(struct ifinfomsg), n) < 0 ||
	    dump(d, RTM_GETROUTE, sizeof(struct rtmsg), n) < 0 ||
	    dump(d, RTM_GETNEIGH, sizeof(struct ndmsg), n) < 0 ||
	    (n->rd = event_new(base, mnl_socket_get_fd(n->ev), EV_READ | EV_PERSIST, on_readable, n)) == NULL ||
	    (n->settle = evtimer_new(base, on_settle, n)) == NULL || event_add(n->rd, NULL) < 0) {
		err = errno;
		if (d != NULL)
			mnl_socket_close(d);
		cd_nl_free(n);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	mnl_socket_close(d);
	rebuild(n);
	return n;
}

void
cd_nl_free(struct cd_nl *n)
{
	if (n == NULL)
		return;
	if (n->rd != NULL)
		event_free(n->rd);
	if (n->settle != NULL)
		event_free(n->settle);
	if (n->ev != NULL)
		mnl_socket_close(n->ev);
	json_decref(n->links);
	json_decref(n->gws);
	json_decref(n->neigh);
	json_decref(n->view);
	free(n);
}

json_t *
cd_nl_view(struct cd_nl *n)
{
	return n->view;
}
