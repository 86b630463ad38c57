/* Unit tests of cd_nlview: rtnetlink messages, made up as the kernel writes them, into sxcd's view of the WAN links. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <jansson.h>

#include "cd_nlview.h"

static struct cd_nlview *v;
static char buf[8192];	/* one message (MNL_SOCKET_BUFFER_SIZE is no constant) */

static void
setup(void)
{
	v = cd_nlview_new();
	ck_assert_ptr_nonnull(v);
}

static void
teardown(void)
{
	cd_nlview_free(v);
}

static void
link_msg(int index, const char *name, bool up)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = index;
	ifi->ifi_flags = up ? IFF_UP | IFF_RUNNING : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	cd_nlview_msg(v, nlh);
}

/* A route's header: @type (RTM_NEWROUTE, RTM_DELROUTE), family @af,
 * /@dst_len, table @table, route type @rtype. */
static struct nlmsghdr *
route_head(uint16_t type, int af, int dst_len, int table, int rtype)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rt;

	nlh->nlmsg_type = type;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (uint8_t)af;
	rt->rtm_dst_len = (uint8_t)dst_len;
	rt->rtm_table = (uint8_t)table;
	rt->rtm_type = (uint8_t)rtype;
	rt->rtm_protocol = RTPROT_RA;
	return nlh;
}

static void
put_addr(struct nlmsghdr *nlh, uint16_t attr, const char *ip)
{
	uint8_t a[16];
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(af, ip, a), 1);
	mnl_attr_put(nlh, attr, af == AF_INET6 ? 16 : 4, a);
}

/* A default route of one hop through @oif via @gw at @metric (0: none
 * given); @flags: the header's beside NLM_F_REQUEST (NLM_F_REPLACE). */
static void
route_flags(uint16_t type, const char *gw, int oif, uint32_t metric, uint16_t flags)
{
	struct nlmsghdr *nlh = route_head(type, strchr(gw, ':') ? AF_INET6 : AF_INET, 0, RT_TABLE_MAIN,
					  RTN_UNICAST);

	nlh->nlmsg_flags |= flags;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	put_addr(nlh, RTA_GATEWAY, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	cd_nlview_msg(v, nlh);
}

static void
route(uint16_t type, const char *gw, int oif, uint32_t metric)
{
	route_flags(type, gw, oif, metric, 0);
}

/* One hop of a multipath route being written into @nlh's RTA_MULTIPATH. */
static void
nexthop(struct nlmsghdr *nlh, int ifindex, const char *gw)
{
	struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);

	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = ifindex;
	if (gw != NULL)
		put_addr(nlh, RTA_GATEWAY, gw);
	nh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nh);
}

/* A multipath (ECMP) default route: @n hops, ifindex and gateway each. */
static void
ecmp(uint16_t type, int af, uint32_t metric, int n, const int *ifs, const char *const *gws)
{
	struct nlmsghdr *nlh = route_head(type, af, 0, RT_TABLE_MAIN, RTN_UNICAST);
	struct nlattr *mp;

	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	for (int i = 0; i < n; i++)
		nexthop(nlh, ifs[i], gws[i]);
	mnl_attr_nest_end(nlh, mp);
	cd_nlview_msg(v, nlh);
}

static void
neigh(uint16_t type, int ifindex, const char *ip, const char *mac, uint16_t state)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;
	uint8_t m[6];

	nlh->nlmsg_type = type;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	put_addr(nlh, NDA_DST, ip);
	if (mac != NULL) {
		ck_assert_int_eq(sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
					&m[5]), 6);
		mnl_attr_put(nlh, NDA_LLADDR, 6, m);
	}
	cd_nlview_msg(v, nlh);
}

/* The view's @part's @name (a string), NULL: none. */
static const char *
seen(const char *part, const char *name)
{
	return json_string_value(json_object_get(json_object_get(cd_nlview_build(v), part), name));
}

#define CK_GW(part, name, want) do { \
	const char *g_ = seen(part, name), *w_ = (want); \
	ck_assert_msg(w_ == NULL ? g_ == NULL : g_ != NULL && strcmp(g_, w_) == 0, "%s %s: got %s, want %s", \
		      part, name, g_ ? g_ : "none", w_ ? w_ : "none"); \
} while (0)

/* Default routes of both families, each through its interface: the
 * lowest metric wins, one taken back leaves the next; neither another
 * table's, a prefix's, an unreachable one nor one through a nexthop
 * object counts. */
START_TEST(default_routes_both_families)
{
	struct nlmsghdr *nlh;

	link_msg(2, "wan1", true);
	link_msg(3, "wan2", true);
	route(RTM_NEWROUTE, "192.0.2.254", 2, 0);
	route(RTM_NEWROUTE, "fe80::1", 2, 1024);
	CK_GW("gateways", "wan1", "192.0.2.254");
	CK_GW("gateways6", "wan1", "fe80::1");
	CK_GW("gateways6", "wan2", NULL);
	/* a second router on the link (another RA) with a better metric */
	route(RTM_NEWROUTE, "fe80::2", 2, 100);
	CK_GW("gateways6", "wan1", "fe80::2");
	route(RTM_DELROUTE, "fe80::2", 2, 100);
	CK_GW("gateways6", "wan1", "fe80::1");
	/* ip route replace: the one of that metric goes, through whichever link */
	route(RTM_NEWROUTE, "192.0.2.253", 2, 10);
	route_flags(RTM_NEWROUTE, "198.51.100.254", 3, 10, NLM_F_REPLACE);
	CK_GW("gateways", "wan2", "198.51.100.254");
	CK_GW("gateways", "wan1", "192.0.2.254");
	route(RTM_DELROUTE, "198.51.100.254", 3, 10);
	/* what is not a main-table unicast default route of its own family */
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 0, 200, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_TABLE, 200);
	put_addr(nlh, RTA_GATEWAY, "2001:db8:3::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_COMPAT, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);	/* a table id above 255 */
	put_addr(nlh, RTA_GATEWAY, "2001:db8:3::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 64, RT_TABLE_MAIN, RTN_UNICAST);
	put_addr(nlh, RTA_GATEWAY, "2001:db8:3::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNREACHABLE);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 7);
	put_addr(nlh, RTA_GATEWAY, "2001:db8:3::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	/* an IPv4 default via an IPv6 next hop (RTA_VIA, RFC 5549): no IPv4 gateway */
	nlh = route_head(RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	{
		uint8_t via[2 + 16] = { AF_INET6 & 0xff, 0, 0xfe, 0x80, [17] = 9 };

		mnl_attr_put(nlh, RTA_VIA, sizeof(via), via);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	/* a gateway of the wrong length for its family */
	nlh = route_head(RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	put_addr(nlh, RTA_GATEWAY, "2001:db8:3::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	cd_nlview_msg(v, nlh);
	CK_GW("gateways6", "wan2", NULL);
	CK_GW("gateways", "wan2", NULL);
	/* a link that goes takes its gateways along */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))->ifi_index = 2;
	cd_nlview_msg(v, nlh);
	CK_GW("gateways", "wan1", NULL);
	CK_GW("gateways6", "wan1", NULL);
	link_msg(2, "wan1", true);
	CK_GW("gateways6", "wan1", NULL);
}
END_TEST

/* A multipath (ECMP) default route: each hop through its own interface,
 * the first per interface; its removal takes its hops back. */
START_TEST(multipath_default_routes)
{
	static const int ifs6[] = { 3, 3, 2 };
	static const char *const gws6[] = { "2001:db8:3::1", "2001:db8:3::2", "fe80::9" };
	static const int ifs4[] = { 2, 3 };
	static const char *const gws4[] = { "192.0.2.1", "198.51.100.1" };

	link_msg(2, "wan1", true);
	link_msg(3, "wan2", false);
	route(RTM_NEWROUTE, "fe80::1", 2, 1024);
	ecmp(RTM_NEWROUTE, AF_INET6, 2048, 3, ifs6, gws6);
	CK_GW("gateways6", "wan2", "2001:db8:3::1");
	CK_GW("gateways6", "wan1", "fe80::1");	/* its own route's metric is the lower */
	ecmp(RTM_NEWROUTE, AF_INET, 0, 2, ifs4, gws4);
	CK_GW("gateways", "wan1", "192.0.2.1");
	CK_GW("gateways", "wan2", "198.51.100.1");
	ck_assert(json_is_false(json_object_get(json_object_get(json_object_get(cd_nlview_build(v), "links"), "wan2"),
						"up")));
	ecmp(RTM_DELROUTE, AF_INET6, 2048, 3, ifs6, gws6);
	CK_GW("gateways6", "wan2", NULL);
	CK_GW("gateways6", "wan1", "fe80::1");
	ecmp(RTM_DELROUTE, AF_INET, 0, 2, ifs4, gws4);
	CK_GW("gateways", "wan1", NULL);
}
END_TEST

/* Hops that lie about their length end the walk there, whatever they
 * claim: what came before stands, nothing is read past the message. */
START_TEST(multipath_malformed)
{
	struct nlmsghdr *nlh;
	struct nlattr *mp;
	struct rtnexthop *nh;

	link_msg(2, "wan1", true);
	link_msg(3, "wan2", true);
	/* the second hop says it is longer than what is left */
	nlh = route_head(RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nexthop(nlh, 2, "fe80::1");
	nh = mnl_nlmsg_get_payload_tail(nlh);
	nexthop(nlh, 3, "fe80::3");
	nh->rtnh_len = 200;
	mnl_attr_nest_end(nlh, mp);
	cd_nlview_msg(v, nlh);
	CK_GW("gateways6", "wan1", "fe80::1");
	CK_GW("gateways6", "wan2", NULL);
	/* a hop shorter than its own header, then a hop without a gateway */
	nlh = route_head(RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(nlh);
	nexthop(nlh, 3, "198.51.100.1");
	nh->rtnh_len = 4;
	mnl_attr_nest_end(nlh, mp);
	cd_nlview_msg(v, nlh);
	nlh = route_head(RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nexthop(nlh, 3, NULL);
	mnl_attr_nest_end(nlh, mp);
	cd_nlview_msg(v, nlh);
	CK_GW("gateways", "wan2", NULL);
	/* a message shorter than its header */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_len += 2;
	cd_nlview_msg(v, nlh);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	cd_nlview_msg(v, nlh);
	nlh->nlmsg_type = RTM_NEWLINK;
	cd_nlview_msg(v, nlh);
	CK_GW("gateways6", "wan1", "fe80::1");
}
END_TEST

/* Neighbours of both families, resolved ones only, by interface. */
START_TEST(neighbours_both_families)
{
	json_t *n;

	link_msg(2, "wan1", true);
	neigh(RTM_NEWNEIGH, 2, "192.0.2.254", "02:00:00:00:00:fe", NUD_REACHABLE);
	neigh(RTM_NEWNEIGH, 2, "fe80::1", "02:00:00:00:00:01", NUD_STALE);
	neigh(RTM_NEWNEIGH, 2, "fe80::2", NULL, NUD_INCOMPLETE);
	neigh(RTM_NEWNEIGH, 2, "2001:db8::9", "02:00:00:00:00:09", NUD_FAILED);
	n = json_object_get(json_object_get(cd_nlview_build(v), "neigh"), "wan1");
	ck_assert_int_eq(json_object_size(n), 2);
	ck_assert_str_eq(json_string_value(json_object_get(n, "192.0.2.254")), "02:00:00:00:00:fe");
	ck_assert_str_eq(json_string_value(json_object_get(n, "fe80::1")), "02:00:00:00:00:01");
	/* unresolved again, then gone */
	neigh(RTM_NEWNEIGH, 2, "fe80::1", NULL, NUD_FAILED);
	neigh(RTM_DELNEIGH, 2, "192.0.2.254", "02:00:00:00:00:fe", NUD_REACHABLE);
	ck_assert_ptr_null(json_object_get(json_object_get(cd_nlview_build(v), "neigh"), "wan1"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cd_nl");
	TCase *tc = tcase_create("nlview");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_routes_both_families);
	tcase_add_test(tc, multipath_default_routes);
	tcase_add_test(tc, multipath_malformed);
	tcase_add_test(tc, neighbours_both_families);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
