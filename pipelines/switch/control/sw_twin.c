/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel side of the slices' twins, made and kept over rtnetlink in their namespaces (see sw_twin.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "cd_nlattr.h"
#include "sw_twin.h"
#include "sw_rib.h"

#define LINKS_MAX 16384	/* links a dump keeps */

/* A link as the kernel's dump says. */
struct link {
	uint32_t index, master, parent;
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
	struct cd_nlattrs t = { 0 }, li = { 0 }, d = { 0 }, af = { 0 }, a6 = { 0 };
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || ls->n >= LINKS_MAX ||
	    mnl_attr_parse(nlh, sizeof(*ifi), cd_nlattr_cb, &t) < 0 || t.a[IFLA_IFNAME] == NULL)
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
	if (t.a[IFLA_LINKINFO] != NULL && mnl_attr_parse_nested(t.a[IFLA_LINKINFO], cd_nlattr_cb, &li) >= 0) {
		if (li.a[IFLA_INFO_KIND] != NULL)
			snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(li.a[IFLA_INFO_KIND]));
		if (li.a[IFLA_INFO_DATA] != NULL && mnl_attr_parse_nested(li.a[IFLA_INFO_DATA], cd_nlattr_cb, &d) >= 0) {
			if (strcmp(l->kind, "vlan") == 0 && d.a[IFLA_VLAN_ID] != NULL)
				l->vlan = mnl_attr_get_u16(d.a[IFLA_VLAN_ID]);
		}
	}
	if (t.a[IFLA_AF_SPEC] != NULL && mnl_attr_parse_nested(t.a[IFLA_AF_SPEC], cd_nlattr_cb, &af) >= 0 &&
	    af.a[AF_INET6] != NULL && mnl_attr_parse_nested(af.a[AF_INET6], cd_nlattr_cb, &a6) >= 0 &&
	    a6.a[IFLA_INET6_ADDR_GEN_MODE] != NULL)
		l->addr_gen_mode = mnl_attr_get_u8(a6.a[IFLA_INET6_ADDR_GEN_MODE]);
	return MNL_CB_OK;
}

/* Dump @type (its header @hdrlen long, of every family) to @cb. */
static int
dump_all(struct mnl_socket *nl, uint16_t type, size_t hdrlen, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, type, NLM_F_DUMP);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	g->rtgen_family = AF_UNSPEC;
	return talk(nl, nlh, cb, data);
}

static int
links_dump(struct mnl_socket *nl, struct links *ls)
{
	ls->n = 0;
	return dump_all(nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, ls);
}

static struct link *
link_named(struct links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].name, name) == 0)
			return &ls->l[i];
	return NULL;
}

/* The alias of slice @sid's twin device: "sxcd twin ID of NS" (NS: the
 * inode of sxcd's network namespace, so that two sxcd on one kernel, a
 * test's sites, never take each other's twins), + " (adopted)". */
static void
alias_of(char *out, size_t len, uint16_t sid, bool adopted)
{
	static unsigned long long self;
	struct stat st;

	if (self == 0 && stat("/proc/self/ns/net", &st) == 0)
		self = (unsigned long long)st.st_ino;
	snprintf(out, len, SW_TWIN_ALIAS "%u of %llu%s", sid, self, adopted ? SW_TWIN_ADOPTED : "");
}

/* Is @l a twin device of this sxcd's: its slice's id, or 0? */
static int
ours(const struct link *l)
{
	char a[64];
	unsigned int sid;

	if (sscanf(l->alias, SW_TWIN_ALIAS "%u", &sid) != 1 || sid == 0 || sid > UINT16_MAX)
		return 0;
	alias_of(a, sizeof(a), (uint16_t)sid, false);
	if (strcmp(l->alias, a) == 0)
		return (int)sid;
	alias_of(a, sizeof(a), (uint16_t)sid, true);
	return strcmp(l->alias, a) == 0 ? (int)sid : 0;
}

/* Create VLAN device @name, id @vlan on @parent, in the namespace of
 * @nsfd (made here, found there). */
static int
vlan_add(struct mnl_socket *nl, const char *name, uint16_t vlan, uint32_t parent, int nsfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *n1, *n2;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, parent);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	n1 = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	n2 = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, vlan);
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	return talk(nl, nlh, NULL, NULL);
}

/* Change link @l: @flags under @change, and unless NULL its @mac and
 * @alias, IPv6 address generation off (@no_ll). */
static int
link_set(struct mnl_socket *nl, const struct link *l, const uint8_t *mac, unsigned int flags, unsigned int change,
	 const char *alias, bool no_ll)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *n1, *n2;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)l->index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (mac != NULL)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (alias != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (no_ll) {
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
	struct cd_nlattrs t = { 0 };
	const struct nlattr *a;
	struct sw_twin_addr *x;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != as->index ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    as->n >= (int)(sizeof(as->a) / sizeof(as->a[0])) || mnl_attr_parse(nlh, sizeof(*ifa), cd_nlattr_cb, &t) < 0)
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
	as->n = 0;
	return dump_all(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, as);
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

/* The default route of family @af through @oif in the main table: the
 * kernel's last resort is sxdp. */
static int
default_route(struct mnl_socket *nl, int af, uint32_t oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = req(buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));

	rt->rtm_family = (uint8_t)af;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = SW_RIB_PROTO_SXCD;
	rt->rtm_scope = RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, SW_TWIN_METRIC);
	return talk(nl, nlh, NULL, NULL);
}

/* -------------------------------------------------------- namespaces */

static int
ns_path(const char *ns, char *out, size_t len)
{
	if (ns[0] == '\0' || ns[0] == '.' || strchr(ns, '/') != NULL)
		return -EINVAL;
	snprintf(out, len, "%s/%s", SW_TWIN_NETNS_DIR, ns);
	return 0;
}

uint64_t
sw_twin_ns_ino(const char *ns)
{
	char path[300];
	struct stat st;

	if (ns_path(ns, path, sizeof(path)) < 0 || stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

struct mnl_socket *
sw_twin_socket(const char *ns, unsigned int groups, bool nonblock, uint64_t *ino)
{
	struct mnl_socket *s = NULL;
	char path[300];
	struct stat st;
	int fd, self, err = 0;

	if (ns_path(ns, path, sizeof(path)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	/* a socket stays in the namespace it was made in: made there, and
	 * this thread back home at once */
	if (fstat(fd, &st) < 0 || setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
	} else {
		s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
		err = errno;
		if (setns(self, CLONE_NEWNET) < 0)
			abort();	/* sxcd would go on in a slice's namespace */
		if (s != NULL && mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
			err = errno;
			mnl_socket_close(s);
			s = NULL;
		}
	}
	close(fd);
	close(self);
	if (s != NULL && ino != NULL)
		*ino = (uint64_t)st.st_ino;
	errno = err;
	return s;
}

/* ------------------------------------------------------------- twins */

static void
say(struct sw_twin_want *w, const char *what, int rc)
{
	if (w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "%s: %s", what, strerror(-rc));
}

/* Twin @w in its namespace: its VLAN device on @pidx (made from @root, the
 * socket in sxcd's namespace), its addresses and default routes. */
static void
twin_one(struct mnl_socket *root, uint32_t pidx, struct sw_twin_want *w, struct links *ls, struct addrs *as)
{
	char alias[64], vname[IFNAMSIZ], path[300];
	struct sw_twin_addr want[SW_TWIN_ADDRS + 1];
	struct mnl_socket *s;
	struct link *v, *lo;
	int rc, nsfd;

	alias_of(alias, sizeof(alias), w->sid, false);
	snprintf(vname, sizeof(vname), "sxt%u", w->sid);
	if (ns_path(w->ns, path, sizeof(path)) < 0 || sw_twin_ns_ino(w->ns) == 0) {
		snprintf(w->err, sizeof(w->err), "waiting for the network namespace %s (ip netns add %s: the "
			 "routing suite runs there)", w->ns, w->ns);
		return;
	}
	if ((s = sw_twin_socket(w->ns, 0, false, NULL)) == NULL) {
		say(w, "entering its namespace", -errno);
		return;
	}
	if ((rc = links_dump(s, ls)) < 0) {
		say(w, "reading its namespace's links", rc);
		goto out;
	}
	/* a VLAN device of another id is no twin; any other link of the name
	 * is the operator's way to the host port's VLAN: taken as it is */
	if ((v = link_named(ls, vname)) != NULL && strcmp(v->kind, "vlan") == 0 && v->vlan != w->sid) {
		snprintf(w->err, sizeof(w->err), "namespace %s has a link %s that is not the twin (VLAN %u)", w->ns,
			 vname, w->sid);
		goto out;
	}
	if (v != NULL && strcmp(v->kind, "vlan") != 0)
		alias_of(alias, sizeof(alias), w->sid, true);
	if (v == NULL) {
		if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			say(w, "opening its namespace", -errno);
			goto out;
		}
		rc = vlan_add(root, vname, w->sid, pidx, nsfd);
		close(nsfd);
		if (rc == -EOPNOTSUPP) {
			snprintf(w->err, sizeof(w->err), "this kernel has no VLAN devices (CONFIG_VLAN_8021Q): give "
				 "namespace %s a link %s that reaches VLAN %u of the host port (sxcd takes it)",
				 w->ns, vname, w->sid);
			goto out;
		}
		if (rc < 0 || (rc = links_dump(s, ls)) < 0 || (v = link_named(ls, vname)) == NULL) {
			say(w, "making its VLAN device", rc < 0 ? rc : -ENOENT);
			goto out;
		}
	}
	if ((lo = link_named(ls, "lo")) != NULL && !(lo->flags & IFF_UP) &&
	    (rc = link_set(s, lo, NULL, IFF_UP, IFF_UP, NULL, false)) < 0)
		say(w, "bringing its loopback up", rc);
	/* address generation off before it is up: no link-local appears */
	if ((v->addr_gen_mode != IN6_ADDR_GEN_MODE_NONE || strcmp(v->alias, alias) != 0 ||
	     memcmp(v->mac, w->mac, 6) != 0) && (rc = link_set(s, v, w->mac, 0, 0, alias, true)) < 0) {
		say(w, "setting its VLAN device's MAC and addressing", rc);
		goto out;
	}
	if ((v->flags & (IFF_UP | IFF_NOARP)) != (IFF_UP | IFF_NOARP) &&
	    (rc = link_set(s, v, NULL, IFF_UP | IFF_NOARP, IFF_UP | IFF_NOARP, NULL, false)) < 0) {
		say(w, "bringing its VLAN device up", rc);
		goto out;
	}
	/* the slice's addresses, and a link-local one of the twin's MAC
	 * (EUI-64): a BGP speaker names one beside each global IPv6 next hop
	 * (RFC 2545) and will not speak IPv6 on a link without it */
	want[0] = (struct sw_twin_addr){ .af = AF_INET6, .plen = 64, .a = { 0xfe, 0x80 } };
	memcpy(want[0].a + 8, (uint8_t[]){ w->mac[0] ^ 2, w->mac[1], w->mac[2], 0xff, 0xfe, w->mac[3], w->mac[4],
					   w->mac[5] }, 8);
	memcpy(want + 1, w->addr, (size_t)w->n_addr * sizeof(want[0]));
	as->index = v->index;
	if ((rc = addrs_dump(s, as)) < 0) {
		say(w, "reading its addresses", rc);
		goto out;
	}
	for (int i = 0; i < as->n; i++) {
		bool keep = false;

		for (int j = 0; j <= w->n_addr; j++)
			keep = keep || addr_eq(&as->a[i], &want[j]);
		if (!keep && (rc = addr_set(s, v->index, &as->a[i], true)) < 0 && rc != -EADDRNOTAVAIL)
			say(w, "removing an address", rc);
	}
	for (int j = 0; j <= w->n_addr; j++) {
		bool has = false;

		for (int i = 0; i < as->n; i++)
			has = has || addr_eq(&as->a[i], &want[j]);
		if (!has && (rc = addr_set(s, v->index, &want[j], false)) < 0)
			say(w, "adding an address", rc);
	}
	if ((rc = default_route(s, AF_INET, v->index)) < 0)
		say(w, "its IPv4 default route", rc);
	if ((rc = default_route(s, AF_INET6, v->index)) < 0)
		say(w, "its IPv6 default route", rc);
out:
	mnl_socket_close(s);
}

/* Twin devices no entry of @w wants, in namespace @ns: deleted, or (an
 * operator's, adopted) given back bare: down, no address, no alias. */
static void
unwanted(const char *ns, const struct sw_twin_want *w, size_t n, struct links *ls, struct addrs *as)
{
	struct mnl_socket *s = sw_twin_socket(ns, 0, false, NULL);

	if (s == NULL)
		return;
	if (links_dump(s, ls) == 0) {
		for (size_t i = 0; i < ls->n; i++) {
			const struct link *l = &ls->l[i];
			int sid = ours(l);
			bool want = false;

			if (sid == 0)
				continue;
			for (size_t j = 0; j < n; j++)
				want = want || (w[j].sid == sid && strcmp(ns, w[j].ns) == 0);
			if (want)
				continue;
			if (strstr(l->alias, SW_TWIN_ADOPTED) == NULL) {
				link_del(s, l->index);
				continue;
			}
			as->index = l->index;
			if (addrs_dump(s, as) == 0)
				for (int k = 0; k < as->n; k++)
					addr_set(s, l->index, &as->a[k], true);
			link_set(s, l, NULL, 0, IFF_UP, "", false);
		}
	}
	mnl_socket_close(s);
}

int
sw_twin_sync(const char *parent, struct sw_twin_want *w, size_t n, char *err, size_t len)
{
	struct links ls = { .l = calloc(LINKS_MAX, sizeof(struct link)) };
	struct addrs *as = calloc(1, sizeof(*as));
	struct mnl_socket *root = mnl_socket_open(NETLINK_ROUTE);
	struct dirent *e;
	struct link *p;
	uint32_t pidx = 0;
	DIR *d;
	int rc = 0;

	if (ls.l == NULL || as == NULL || root == NULL || mnl_socket_bind(root, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = root == NULL ? -errno : -ENOMEM;
		snprintf(err, len, "rtnetlink: %s", strerror(-rc));
		goto out;
	}
	for (size_t j = 0; j < n; j++)
		w[j].err[0] = '\0';
	if ((d = opendir(SW_TWIN_NETNS_DIR)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				unwanted(e->d_name, w, n, &ls, as);
		closedir(d);
	}
	if ((rc = links_dump(root, &ls)) < 0) {
		snprintf(err, len, "reading the kernel's links: %s", strerror(-rc));
		goto out;
	}
	if ((p = link_named(&ls, parent)) != NULL) {
		pidx = p->index;
		if (!(p->flags & IFF_UP))
			link_set(root, p, NULL, IFF_UP, IFF_UP, NULL, false);
	}
	for (size_t j = 0; j < n; j++) {
		if (pidx == 0) {
			snprintf(w[j].err, sizeof(w[j].err), "the host port's kernel interface %s is not there", parent);
			continue;
		}
		twin_one(root, pidx, &w[j], &ls, as);
	}
out:
	if (root != NULL)
		mnl_socket_close(root);
	free(ls.l);
	free(as);
	return rc;
}
