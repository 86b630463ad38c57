/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel side of the slices' twins, made and kept over rtnetlink (see sw_twin.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "sw_twin.h"
#include "sw_rib.h"

#define ATTR_MAX  64	/* above every IFLA_ and IFA_ this reads */
#define LINKS_MAX 16384	/* links a dump keeps */

/* A link as the kernel's dump says. */
struct link {
	uint32_t index, master, parent, table;
	uint16_t vlan;
	unsigned int flags;
	char name[IFNAMSIZ], kind[16], alias[64];
	uint8_t mac[6];
	uint8_t addr_gen_mode;	/* IPv6's, 0xff: not said */
};

struct links {
	struct link *l;
	size_t n;
};

struct addrs {
	uint32_t index;
	int n;
	struct sw_twin_addr a[32];
};

static unsigned int seq_next;

struct attrs {
	const struct nlattr *a[ATTR_MAX];
};

static int
attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type < ATTR_MAX)
		t->a[type] = attr;
	return MNL_CB_OK;
}

/* ---------------------------------------------------------- requests */

/* Send @nlh and read to its end (an ACK, an error, a dump's DONE), each
 * message to @cb. 0 or -errno (the kernel's). */
static int
talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int rc;

	nlh->nlmsg_seq = ++seq_next + (unsigned int)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)len, nlh->nlmsg_seq, portid, cb, data);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -errno : 0;
	}
	return len < 0 ? -errno : 0;
}

static struct nlmsghdr *
req(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ------------------------------------------------------------- links */

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct links *ls = data;
	struct attrs t = { 0 }, li = { 0 }, d = { 0 }, af = { 0 }, a6 = { 0 };
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || ls->n >= LINKS_MAX ||
	    mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t) < 0 || t.a[IFLA_IFNAME] == NULL)
		return MNL_CB_OK;
	l = &ls->l[ls->n++];
	*l = (struct link){ .index = (uint32_t)ifi->ifi_index, .flags = ifi->ifi_flags, .addr_gen_mode = 0xff };
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(t.a[IFLA_IFNAME]));
	if (t.a[IFLA_IFALIAS] != NULL)
		snprintf(l->alias, sizeof(l->alias), "%.*s", (int)mnl_attr_get_payload_len(t.a[IFLA_IFALIAS]),
			 (const char *)mnl_attr_get_payload(t.a[IFLA_IFALIAS]));
	if (t.a[IFLA_MASTER] != NULL)
		l->master = mnl_attr_get_u32(t.a[IFLA_MASTER]);
	if (t.a[IFLA_LINK] != NULL)
		l->parent = mnl_attr_get_u32(t.a[IFLA_LINK]);
	if (t.a[IFLA_ADDRESS] != NULL && mnl_attr_get_payload_len(t.a[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(t.a[IFLA_ADDRESS]), 6);
	if (t.a[IFLA_LINKINFO] != NULL && mnl_attr_parse_nested(t.a[IFLA_LINKINFO], attr_cb, &li) >= 0) {
		if (li.a[IFLA_INFO_KIND] != NULL)
			snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(li.a[IFLA_INFO_KIND]));
		if (li.a[IFLA_INFO_DATA] != NULL && mnl_attr_parse_nested(li.a[IFLA_INFO_DATA], attr_cb, &d) >= 0) {
			if (strcmp(l->kind, "vrf") == 0 && d.a[IFLA_VRF_TABLE] != NULL)
				l->table = mnl_attr_get_u32(d.a[IFLA_VRF_TABLE]);
			if (strcmp(l->kind, "vlan") == 0 && d.a[IFLA_VLAN_ID] != NULL)
				l->vlan = mnl_attr_get_u16(d.a[IFLA_VLAN_ID]);
		}
	}
	if (t.a[IFLA_AF_SPEC] != NULL && mnl_attr_parse_nested(t.a[IFLA_AF_SPEC], attr_cb, &af) >= 0 &&
	    af.a[AF_INET6] != NULL && mnl_attr_parse_nested(af.a[AF_INET6], attr_cb, &a6) >= 0 &&
	    a6.a[IFLA_INET6_ADDR_GEN_MODE] != NULL)
		l->addr_gen_mode = mnl_attr_get_u8(a6.a[IFLA_INET6_ADDR_GEN_MODE]);
	return MNL_CB_OK;
}

static int
links_dump(struct mnl_socket *nl, struct links *ls)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ls->n = 0;
	return talk(nl, nlh, link_cb, ls);
}

static struct link *
link_named(struct links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].name, name) == 0)
			return &ls->l[i];
	return NULL;
}

static bool
ours(const struct link *l, uint16_t sid)
{
	char want[64];

	snprintf(want, sizeof(want), SW_TWIN_ALIAS "%u", sid);
	return strcmp(l->alias, want) == 0;
}

/* Create (@l NULL) or change link @name: kind @kind (VRF @table or VLAN
 * @vlan on @parent), @master, @mac, @flags under @change, IPv6 address
 * generation off. */
static int
link_set(struct mnl_socket *nl, const struct link *l, const char *name, const char *kind, uint32_t table,
	 uint16_t vlan, uint32_t parent, uint32_t master, const uint8_t *mac, unsigned int flags,
	 unsigned int change, const char *alias, bool no_ll)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_NEWLINK, NLM_F_ACK | (l == NULL ? NLM_F_CREATE | NLM_F_EXCL : 0));
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *n1, *n2;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l != NULL ? (int)l->index : 0;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (l == NULL) {
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		if (parent != 0)
			mnl_attr_put_u32(nlh, IFLA_LINK, parent);
		n1 = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		n2 = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (strcmp(kind, "vrf") == 0)
			mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, table);
		else
			mnl_attr_put_u16(nlh, IFLA_VLAN_ID, vlan);
		mnl_attr_nest_end(nlh, n2);
		mnl_attr_nest_end(nlh, n1);
	}
	if (master != 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	if (mac != NULL)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (alias != NULL && l != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (no_ll && l != NULL) {
		n1 = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		n2 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, n2);
		mnl_attr_nest_end(nlh, n1);
	}
	return talk(nl, nlh, NULL, NULL);
}

static int
link_del(struct mnl_socket *nl, uint32_t index)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)index;
	return talk(nl, nlh, NULL, NULL);
}

/* --------------------------------------------------------- addresses */

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addrs *as = data;
	struct attrs t = { 0 };
	const struct nlattr *a;
	struct sw_twin_addr *x;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != as->index ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    as->n >= (int)(sizeof(as->a) / sizeof(as->a[0])) || mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &t) < 0)
		return MNL_CB_OK;
	a = t.a[IFA_LOCAL] != NULL ? t.a[IFA_LOCAL] : t.a[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != (ifa->ifa_family == AF_INET6 ? 16u : 4u))
		return MNL_CB_OK;
	x = &as->a[as->n++];
	*x = (struct sw_twin_addr){ .af = ifa->ifa_family, .plen = ifa->ifa_prefixlen };
	memcpy(x->a, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	return MNL_CB_OK;
}

static int
addrs_dump(struct mnl_socket *nl, struct addrs *as)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_UNSPEC;
	as->n = 0;
	return talk(nl, nlh, addr_cb, as);
}

static int
addr_set(struct mnl_socket *nl, uint32_t index, const struct sw_twin_addr *a, bool del)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, del ? RTM_DELADDR : RTM_NEWADDR, NLM_F_ACK | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE));
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = a->af == AF_INET6 ? 16 : 4;

	ifa->ifa_family = (uint8_t)a->af;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_index = index;
	/* the box's address is sxdp's, which answers for it: no DAD */
	ifa->ifa_flags = a->af == AF_INET6 ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->a);
	return talk(nl, nlh, NULL, NULL);
}

static bool
addr_eq(const struct sw_twin_addr *a, const struct sw_twin_addr *b)
{
	return a->af == b->af && a->plen == b->plen && memcmp(a->a, b->a, a->af == AF_INET6 ? 16 : 4) == 0;
}

/* ------------------------------------------------------------ routes */

/* The default route of family @af through @oif in @table: the kernel's
 * last resort is sxdp. */
static int
default_route(struct mnl_socket *nl, int af, uint32_t table, uint32_t oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));

	rt->rtm_family = (uint8_t)af;
	rt->rtm_table = RT_TABLE_UNSPEC;
	rt->rtm_protocol = SW_RIB_PROTO_SXCD;
	rt->rtm_scope = RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, SW_TWIN_METRIC);
	return talk(nl, nlh, NULL, NULL);
}

/* ------------------------------------------------------------- twins */

static void
say(struct sw_twin_want *w, const char *what, int rc)
{
	if (w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "%s: %s", what, strerror(-rc));
}

/* Twin @w's VRF and VLAN device on @parent as they should be. */
static void
twin_one(struct mnl_socket *nl, struct links *ls, uint32_t pidx, const char *pname, struct sw_twin_want *w,
	 struct addrs *as)
{
	char alias[64], vname[IFNAMSIZ];
	struct link *vrf, *v;
	int rc;

	snprintf(alias, sizeof(alias), SW_TWIN_ALIAS "%u", w->sid);
	snprintf(vname, sizeof(vname), "sxt%u", w->sid);
	if ((vrf = link_named(ls, w->vrf)) != NULL && (strcmp(vrf->kind, "vrf") != 0 || vrf->table != w->table)) {
		snprintf(w->err, sizeof(w->err), "the kernel has a link %s that is not the slice's VRF (table %u)",
			 w->vrf, w->table);
		return;
	}
	if (vrf == NULL) {
		if ((rc = link_set(nl, NULL, w->vrf, "vrf", w->table, 0, 0, 0, NULL, 0, 0, NULL, false)) < 0 ||
		    (rc = links_dump(nl, ls)) < 0 || (vrf = link_named(ls, w->vrf)) == NULL) {
			say(w, "creating its VRF", rc < 0 ? rc : -ENOENT);
			return;
		}
	}
	if ((!(vrf->flags & IFF_UP) || strcmp(vrf->alias, alias) != 0) &&
	    (rc = link_set(nl, vrf, w->vrf, "vrf", 0, 0, 0, 0, NULL, IFF_UP, IFF_UP, alias, false)) < 0) {
		say(w, "bringing its VRF up", rc);
		return;
	}
	if ((v = link_named(ls, vname)) != NULL && (strcmp(v->kind, "vlan") != 0 || v->vlan != w->sid ||
						     v->parent != pidx)) {
		snprintf(w->err, sizeof(w->err), "the kernel has a link %s that is not the twin (VLAN %u on %s)", vname,
			 w->sid, pname);
		return;
	}
	if (v == NULL) {
		if ((rc = link_set(nl, NULL, vname, "vlan", 0, w->sid, pidx, 0, NULL, 0, 0, NULL, false)) < 0 ||
		    (rc = links_dump(nl, ls)) < 0 || (v = link_named(ls, vname)) == NULL ||
		    (vrf = link_named(ls, w->vrf)) == NULL) {
			say(w, "creating its VLAN device", rc < 0 ? rc : -ENOENT);
			return;
		}
	}
	/* address generation off before it is up: no link-local appears */
	if ((v->addr_gen_mode != IN6_ADDR_GEN_MODE_NONE || strcmp(v->alias, alias) != 0 ||
	     memcmp(v->mac, w->mac, 6) != 0 || v->master != vrf->index) &&
	    (rc = link_set(nl, v, vname, "vlan", 0, 0, 0, vrf->index, w->mac, 0, 0, alias, true)) < 0) {
		say(w, "setting its VLAN device's VRF, MAC and addressing", rc);
		return;
	}
	if ((v->flags & (IFF_UP | IFF_NOARP)) != (IFF_UP | IFF_NOARP) &&
	    (rc = link_set(nl, v, vname, "vlan", 0, 0, 0, 0, NULL, IFF_UP | IFF_NOARP, IFF_UP | IFF_NOARP, NULL,
			   false)) < 0) {
		say(w, "bringing its VLAN device up", rc);
		return;
	}
	as->index = v->index;
	if ((rc = addrs_dump(nl, as)) < 0) {
		say(w, "reading its addresses", rc);
		return;
	}
	for (int i = 0; i < as->n; i++) {
		bool want = false;

		for (int j = 0; j < w->n_addr; j++)
			want = want || addr_eq(&as->a[i], &w->addr[j]);
		if (!want && (rc = addr_set(nl, v->index, &as->a[i], true)) < 0 && rc != -EADDRNOTAVAIL)
			say(w, "removing an address", rc);
	}
	for (int j = 0; j < w->n_addr; j++) {
		bool has = false;

		for (int i = 0; i < as->n; i++)
			has = has || addr_eq(&as->a[i], &w->addr[j]);
		if (!has && (rc = addr_set(nl, v->index, &w->addr[j], false)) < 0)
			say(w, "adding an address", rc);
	}
	if ((rc = default_route(nl, AF_INET, w->table, v->index)) < 0)
		say(w, "its IPv4 default route", rc);
	if ((rc = default_route(nl, AF_INET6, w->table, v->index)) < 0)
		say(w, "its IPv6 default route", rc);
}

int
sw_twin_sync(struct mnl_socket *nl, const char *parent, struct sw_twin_want *w, size_t n, char *err, size_t len)
{
	struct links ls = { .l = calloc(LINKS_MAX, sizeof(struct link)) };
	struct addrs *as = calloc(1, sizeof(*as));
	struct link *p;
	uint32_t pidx = 0;
	int rc = 0;

	if (ls.l == NULL || as == NULL) {
		rc = -ENOMEM;
		snprintf(err, len, "out of memory");
		goto out;
	}
	if ((rc = links_dump(nl, &ls)) < 0) {
		snprintf(err, len, "reading the kernel's links: %s", strerror(-rc));
		goto out;
	}
	/* twins no slice wants: VLAN devices first, then their VRFs */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ls.n; i++) {
			struct link *l = &ls.l[i];
			bool want = false;

			if (strncmp(l->alias, SW_TWIN_ALIAS, strlen(SW_TWIN_ALIAS)) != 0 ||
			    strcmp(l->kind, pass == 0 ? "vlan" : "vrf") != 0)
				continue;
			for (size_t j = 0; j < n; j++)
				want = want || (ours(l, w[j].sid) && (pass == 0 || strcmp(l->name, w[j].vrf) == 0));
			if (!want)
				link_del(nl, l->index);
		}
	}
	if ((rc = links_dump(nl, &ls)) < 0) {
		snprintf(err, len, "reading the kernel's links: %s", strerror(-rc));
		goto out;
	}
	if ((p = link_named(&ls, parent)) != NULL)
		pidx = p->index;
	if (p != NULL && !(p->flags & IFF_UP))
		link_set(nl, p, parent, NULL, 0, 0, 0, 0, NULL, IFF_UP, IFF_UP, NULL, false);
	for (size_t j = 0; j < n; j++) {
		w[j].err[0] = '\0';
		if (p == NULL) {
			snprintf(w[j].err, sizeof(w[j].err), "the host port's kernel interface %s is not there", parent);
			continue;
		}
		twin_one(nl, &ls, pidx, parent, &w[j], as);
	}
out:
	free(ls.l);
	free(as);
	return rc;
}
