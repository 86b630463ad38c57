/* Unit tests of sw_rib: a slice VRF's kernel routes, made up as the kernel writes them, into what sxdp should hold. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "sw_rib.h"


static struct sw_rib *r;
static char buf[8192];
static uint32_t slice;			/* whose twin the next message is of */
static uint32_t tbl = RT_TABLE_MAIN;	/* the table its routes are in */

static void
take(const struct nlmsghdr *nlh)
{
	sw_rib_msg(r, nlh, slice);
}

static void
setup(void)
{
	r = sw_rib_new(3999);
	ck_assert_ptr_nonnull(r);
}

static void
teardown(void)
{
	sw_rib_free(r);
}

static int
af_of(const char *ip)
{
	return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

static void
put_addr(struct nlmsghdr *nlh, uint16_t attr, const char *ip)
{
	uint8_t a[16];

	ck_assert_int_eq(inet_pton(af_of(ip), ip, a), 1);
	mnl_attr_put(nlh, attr, af_of(ip) == AF_INET6 ? 16 : 4, a);
}

/* A route message of slice @sid's twin: @pfx "ADDR/LEN" in table tbl,
 * @rtype, @proto, @metric. */
static struct nlmsghdr *
route(uint16_t type, uint16_t flags, const char *pfx, uint32_t sid, int rtype, int proto, uint32_t metric)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	char a[64];
	struct rtmsg *rt;
	const char *slash = strchr(pfx, '/');

	snprintf(a, sizeof(a), "%.*s", (int)(slash - pfx), pfx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (uint8_t)af_of(a);
	rt->rtm_dst_len = (uint8_t)atoi(slash + 1);
	rt->rtm_table = RT_TABLE_UNSPEC;
	rt->rtm_type = (uint8_t)rtype;
	rt->rtm_protocol = (uint8_t)proto;
	slice = sid;
	mnl_attr_put_u32(nlh, RTA_TABLE, tbl);
	if (rt->rtm_dst_len > 0)
		put_addr(nlh, RTA_DST, a);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return nlh;
}

/* A multipath attribute of @n gateways through interface 7 (one LAN). */
static void
put_multipath(struct nlmsghdr *nlh, const char *const *gw, int n)
{
	struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

	for (int i = 0; i < n; i++) {
		struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);
		size_t at = nlh->nlmsg_len;

		nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
		nh->rtnh_flags = 0;
		nh->rtnh_hops = 0;
		nh->rtnh_ifindex = 7;
		put_addr(nlh, RTA_GATEWAY, gw[i]);
		nh->rtnh_len = (unsigned short)(nlh->nlmsg_len - at);
	}
	mnl_attr_nest_end(nlh, mp);
}

static struct sw_rib_pfx *
find(uint32_t sid, const char *pfx)
{
	char a[64];
	uint8_t d[16] = { 0 };
	const char *slash = strchr(pfx, '/');

	snprintf(a, sizeof(a), "%.*s", (int)(slash - pfx), pfx);
	ck_assert_int_eq(inet_pton(af_of(a), a, d), 1);
	return sw_rib_find(r, sid, af_of(a), d, (uint8_t)atoi(slash + 1));
}

/* What sxdp should hold for @pfx: "via GW", "ecmp GW,GW", "drop",
 * "none: WHY" or "absent". */
static const char *
held(uint32_t sid, const char *pfx)
{
	static char out[512];
	struct sw_rib_pfx *p = find(sid, pfx);
	struct sw_rib_res res;
	char gw[64];

	if (p == NULL)
		return "absent";
	sw_rib_resolve(r, p, &res);
	switch (res.act) {
	case SW_RIB_DROP:
		return "drop";
	case SW_RIB_NONE:
		snprintf(out, sizeof(out), "none: %s", res.why ? res.why : "-");
		return out;
	default:
		snprintf(out, sizeof(out), "%s ", res.act == SW_RIB_VIA ? "via" : "ecmp");
		for (int i = 0; i < res.n; i++) {
			inet_ntop(p->af, res.hop[i].gw, gw, sizeof(gw));
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "", gw);
		}
		return out;
	}
}

static void
via(uint16_t type, uint16_t flags, const char *pfx, uint32_t sid, int proto, uint32_t metric, const char *gw)
{
	struct nlmsghdr *nlh = route(type, flags, pfx, sid, RTN_UNICAST, proto, metric);

	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	if (gw != NULL)
		put_addr(nlh, RTA_GATEWAY, gw);
	take(nlh);
}

static int
drain(void)
{
	int n = 0;

	while (sw_rib_dirty_pop(r) != NULL)
		n++;
	return n;
}

START_TEST(bgp_route_in_a_twin_table)
{
	via(RTM_NEWROUTE, NLM_F_CREATE, "192.168.50.0/24", 1, RTPROT_BGP, 20, "10.1.0.2");
	ck_assert_str_eq(held(1, "192.168.50.0/24"), "via 10.1.0.2");
	ck_assert_int_eq(find(1, "192.168.50.0/24")->rts->proto, RTPROT_BGP);
	ck_assert_int_eq(drain(), 1);
	/* replaced: another gateway */
	via(RTM_NEWROUTE, NLM_F_REPLACE, "192.168.50.0/24", 1, RTPROT_BGP, 20, "10.1.0.3");
	ck_assert_str_eq(held(1, "192.168.50.0/24"), "via 10.1.0.3");
	ck_assert_int_eq(drain(), 1);
	/* withdrawn */
	via(RTM_DELROUTE, 0, "192.168.50.0/24", 1, RTPROT_BGP, 20, "10.1.0.3");
	ck_assert_str_eq(held(1, "192.168.50.0/24"), "none: -");
	ck_assert_int_eq(drain(), 1);
	sw_rib_reap(r, find(1, "192.168.50.0/24"));
	ck_assert_str_eq(held(1, "192.168.50.0/24"), "absent");
}
END_TEST

START_TEST(not_learned)
{
	/* another table than main, no slice or one past the last, the
	 * kernel's connected route, sxcd's own default, a local route: none
	 * of them */
	tbl = 100;
	via(RTM_NEWROUTE, 0, "192.168.50.0/24", 1, RTPROT_BGP, 0, "10.1.0.2");
	tbl = RT_TABLE_MAIN;
	via(RTM_NEWROUTE, 0, "192.168.50.0/24", 0, RTPROT_BGP, 0, "10.1.0.2");
	via(RTM_NEWROUTE, 0, "192.168.50.0/24", 4000, RTPROT_BGP, 0, "10.1.0.2");
	via(RTM_NEWROUTE, 0, "10.1.0.0/24", 1, RTPROT_KERNEL, 0, NULL);
	via(RTM_NEWROUTE, 0, "0.0.0.0/0", 1, SW_RIB_PROTO_SXCD, 0xffffffff, NULL);
	take(route(RTM_NEWROUTE, 0, "10.1.0.1/32", 1, RTN_LOCAL, RTPROT_KERNEL, 0));
	ck_assert_int_eq(drain(), 0);
	ck_assert_str_eq(held(1, "0.0.0.0/0"), "absent");
	/* a route through a device only, or via the other family (RFC 5549),
	 * or via a link-local IPv6 address: learned, not one sxdp can take */
	via(RTM_NEWROUTE, 0, "172.16.0.0/16", 2, RTPROT_STATIC, 0, NULL);
	ck_assert_str_eq(held(2, "172.16.0.0/16"), "none: no gateway (a route through a device names no "
			 "next hop sxdp can reach)");
	via(RTM_NEWROUTE, 0, "2001:db8:50::/64", 2, RTPROT_BGP, 1024, "fe80::1");
	ck_assert_ptr_nonnull(strstr(held(2, "2001:db8:50::/64"), "link-local"));
}
END_TEST

/* A link-local next hop (FRR's own choice for a directly connected BGP
 * peer, OSPFv3's always) is on the slice's one IPv6 link: sxdp's
 * fe80:BD::IID; with several, on any (fe80:ffff::IID); with none, the
 * route says why. */
START_TEST(link_local_hop_on_the_one_link)
{
	via(RTM_NEWROUTE, 0, "2001:db8:50::/64", 2, RTPROT_BGP, 20, "fe80::a8bb:ccff:fe00:2");
	ck_assert_str_eq(held(2, "2001:db8:50::/64"),
			 "none: a link-local next hop, and the slice routes IPv6 on no link of its own here");
	drain();
	sw_rib_ll_link(r, 2, 7, 1);
	ck_assert_int_eq(drain(), 1);   /* its IPv6 prefix again, to be written */
	ck_assert_str_eq(held(2, "2001:db8:50::/64"), "via fe80:7::a8bb:ccff:fe00:2");
	sw_rib_ll_link(r, 2, 7, 1);
	ck_assert_int_eq(drain(), 0);   /* no change, nothing again */
	/* ECMP over a global and a link-local hop */
	{
		static const char *const gw[] = { "fe80::a8bb:ccff:fe00:2", "2001:db8:1::9" };
		struct nlmsghdr *nlh = route(RTM_NEWROUTE, NLM_F_REPLACE, "2001:db8:50::/64", 2, RTN_UNICAST,
					     RTPROT_BGP, 20);

		put_multipath(nlh, gw, 2);
		take(nlh);
	}
	ck_assert_str_eq(held(2, "2001:db8:50::/64"), "ecmp 2001:db8:1::9,fe80:7::a8bb:ccff:fe00:2");
	/* two IPv6 links: which one is not said, sxdp asks on both */
	sw_rib_ll_link(r, 2, 0, 2);
	ck_assert_str_eq(held(2, "2001:db8:50::/64"), "ecmp 2001:db8:1::9,fe80:ffff::a8bb:ccff:fe00:2");
	/* fe80::/10 beyond fe80::/64 is no address a link sends */
	sw_rib_ll_link(r, 2, 7, 1);
	via(RTM_NEWROUTE, 0, "2001:db8:51::/64", 2, RTPROT_BGP, 20, "fe80:1::2");
	ck_assert_str_eq(held(2, "2001:db8:51::/64"), "none: a link-local next hop outside fe80::/64");
	/* IPv4 stays as it was */
	via(RTM_NEWROUTE, 0, "10.50.0.0/16", 2, RTPROT_BGP, 20, "10.1.0.2");
	ck_assert_str_eq(held(2, "10.50.0.0/16"), "via 10.1.0.2");
}
END_TEST

START_TEST(lowest_metric_wins)
{
	via(RTM_NEWROUTE, 0, "10.9.0.0/16", 3, RTPROT_OSPF, 110, "10.1.0.5");
	via(RTM_NEWROUTE, 0, "10.9.0.0/16", 3, RTPROT_BGP, 20, "10.1.0.6");
	ck_assert_str_eq(held(3, "10.9.0.0/16"), "via 10.1.0.6");
	via(RTM_DELROUTE, 0, "10.9.0.0/16", 3, RTPROT_BGP, 20, "10.1.0.6");
	ck_assert_str_eq(held(3, "10.9.0.0/16"), "via 10.1.0.5");
	/* host bits of a made-up message are off */
	via(RTM_NEWROUTE, 0, "10.9.3.7/16", 3, RTPROT_OSPF, 110, "10.1.0.7");
	ck_assert_str_eq(held(3, "10.9.0.0/16"), "via 10.1.0.7");
}
END_TEST

START_TEST(multipath_and_ipv6_hops)
{
	static const char *const gw4[] = { "10.1.0.3", "10.1.0.2", "10.1.0.3" };
	static const char *const gw6[] = { "2001:db8:1::2", "2001:db8:1::3" };
	struct nlmsghdr *nlh = route(RTM_NEWROUTE, 0, "172.16.9.0/24", 1, RTN_UNICAST, RTPROT_BOOT, 0);

	put_multipath(nlh, gw4, 3);
	take(nlh);
	/* one order, each gateway once */
	ck_assert_str_eq(held(1, "172.16.9.0/24"), "ecmp 10.1.0.2,10.1.0.3");
	nlh = route(RTM_NEWROUTE, 0, "2001:db8:60::/48", 1, RTN_UNICAST, RTPROT_BGP, 1024);
	put_multipath(nlh, gw6, 2);
	take(nlh);
	ck_assert_str_eq(held(1, "2001:db8:60::/48"), "ecmp 2001:db8:1::2,2001:db8:1::3");
	/* IPv6 takes a hop back alone, and appends one */
	via(RTM_DELROUTE, 0, "2001:db8:60::/48", 1, RTPROT_BGP, 1024, "2001:db8:1::3");
	ck_assert_str_eq(held(1, "2001:db8:60::/48"), "via 2001:db8:1::2");
	via(RTM_NEWROUTE, NLM_F_APPEND, "2001:db8:60::/48", 1, RTPROT_BGP, 1024, "2001:db8:1::4");
	ck_assert_str_eq(held(1, "2001:db8:60::/48"), "ecmp 2001:db8:1::2,2001:db8:1::4");
	via(RTM_DELROUTE, 0, "2001:db8:60::/48", 1, RTPROT_BGP, 1024, "2001:db8:1::4");
	via(RTM_DELROUTE, 0, "2001:db8:60::/48", 1, RTPROT_BGP, 1024, "2001:db8:1::2");
	ck_assert_str_eq(held(1, "2001:db8:60::/48"), "none: -");
}
END_TEST

static void
nexthop(uint16_t type, uint32_t id, const char *gw, const uint32_t *grp, int n, bool blackhole)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nhmsg *nh;

	nlh->nlmsg_type = type;
	nh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nh));
	nh->nh_family = gw ? (uint8_t)af_of(gw) : AF_UNSPEC;
	mnl_attr_put_u32(nlh, NHA_ID, id);
	if (gw != NULL) {
		put_addr(nlh, NHA_GATEWAY, gw);
		mnl_attr_put_u32(nlh, NHA_OIF, 7);
	}
	if (blackhole)
		mnl_attr_put(nlh, NHA_BLACKHOLE, 0, NULL);
	if (n > 0) {
		struct nexthop_grp g[8] = { 0 };

		for (int i = 0; i < n; i++)
			g[i].id = grp[i];
		mnl_attr_put(nlh, NHA_GROUP, (size_t)n * sizeof(g[0]), g);
	}
	take(nlh);
}

START_TEST(nexthop_objects)
{
	static const uint32_t both[] = { 11, 12 };
	struct nlmsghdr *nlh;

	/* ids are a namespace's: slice 6's object 11 is not slice 5's */
	slice = 6;
	nexthop(RTM_NEWNEXTHOP, 11, "10.6.0.9", NULL, 0, false);
	/* FRR's zebra: the objects first, then a route naming the group */
	slice = 5;
	nexthop(RTM_NEWNEXTHOP, 11, "10.1.0.2", NULL, 0, false);
	nexthop(RTM_NEWNEXTHOP, 12, "10.1.0.3", NULL, 0, false);
	nexthop(RTM_NEWNEXTHOP, 20, NULL, both, 2, false);
	nlh = route(RTM_NEWROUTE, 0, "192.168.60.0/24", 5, RTN_UNICAST, RTPROT_BGP, 20);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 20);
	take(nlh);
	ck_assert_str_eq(held(5, "192.168.60.0/24"), "ecmp 10.1.0.2,10.1.0.3");
	ck_assert_int_eq(drain(), 1);
	/* a member changes: the route's prefix is dirty, and follows */
	nexthop(RTM_NEWNEXTHOP, 12, "10.1.0.4", NULL, 0, false);
	ck_assert_int_eq(drain(), 1);
	ck_assert_str_eq(held(5, "192.168.60.0/24"), "ecmp 10.1.0.2,10.1.0.4");
	/* the group shrinks to one member */
	nexthop(RTM_NEWNEXTHOP, 20, NULL, both, 1, false);
	ck_assert_str_eq(held(5, "192.168.60.0/24"), "via 10.1.0.2");
	/* a blackhole object is a drop; an unknown one, none */
	nexthop(RTM_NEWNEXTHOP, 30, NULL, NULL, 0, true);
	nlh = route(RTM_NEWROUTE, NLM_F_REPLACE, "192.168.60.0/24", 5, RTN_UNICAST, RTPROT_BGP, 20);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 30);
	take(nlh);
	ck_assert_str_eq(held(5, "192.168.60.0/24"), "drop");
	nexthop(RTM_DELNEXTHOP, 30, NULL, NULL, 0, false);
	ck_assert_str_eq(held(5, "192.168.60.0/24"), "none: its nexthop object is unknown");
}
END_TEST

START_TEST(blackhole_and_malformed)
{
	struct nlmsghdr *nlh;
	struct sw_rib_stats st;

	take(route(RTM_NEWROUTE, 0, "10.66.0.0/16", 1, RTN_BLACKHOLE, RTPROT_STATIC, 0));
	ck_assert_str_eq(held(1, "10.66.0.0/16"), "drop");
	/* a gateway of the wrong length, a prefix longer than the family */
	nlh = route(RTM_NEWROUTE, 0, "10.67.0.0/16", 1, RTN_UNICAST, RTPROT_BGP, 0);
	mnl_attr_put(nlh, RTA_GATEWAY, 6, "abcdef");
	take(nlh);
	nlh = route(RTM_NEWROUTE, 0, "10.68.0.0/16", 1, RTN_UNICAST, RTPROT_BGP, 0);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 33;
	take(nlh);
	ck_assert_str_eq(held(1, "10.67.0.0/16"), "absent");
	sw_rib_stats(r, &st);
	ck_assert_uint_eq(st.malformed, 2);
	ck_assert_uint_eq(st.prefixes, 1);
}
END_TEST

START_TEST(resync_takes_back_what_a_dump_did_not_say)
{
	via(RTM_NEWROUTE, 0, "192.168.50.0/24", 1, RTPROT_BGP, 20, "10.1.0.2");
	via(RTM_NEWROUTE, 0, "192.168.51.0/24", 1, RTPROT_BGP, 20, "10.1.0.2");
	drain();
	via(RTM_NEWROUTE, 0, "192.168.52.0/24", 2, RTPROT_BGP, 20, "10.1.0.2");
	sw_rib_mark(r);
	via(RTM_NEWROUTE, 0, "192.168.51.0/24", 1, RTPROT_BGP, 20, "10.1.0.2");
	sw_rib_sweep(r, 1);
	/* another slice's twin is read apart */
	ck_assert_str_eq(held(2, "192.168.52.0/24"), "via 10.1.0.2");
	sw_rib_forget(r, 2);
	ck_assert_str_eq(held(2, "192.168.52.0/24"), "none: -");
	ck_assert_str_eq(held(1, "192.168.50.0/24"), "none: -");
	ck_assert_str_eq(held(1, "192.168.51.0/24"), "via 10.1.0.2");
}
END_TEST

START_TEST(many_prefixes)
{
	char pfx[64];
	struct sw_rib_stats st;

	for (int i = 0; i < 100000; i++) {
		snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", i / 256 % 256, i % 256);
		via(RTM_NEWROUTE, 0, pfx, 1 + (uint32_t)(i / 65536), RTPROT_BGP, 20, "10.1.0.2");
	}
	sw_rib_stats(r, &st);
	ck_assert_uint_eq(st.prefixes, 100000);
	ck_assert_int_eq(drain(), 100000);
	ck_assert_str_eq(held(2, "10.1.255.0/24"), "via 10.1.0.2");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sw_rib");
	TCase *tc = tcase_create("rib");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bgp_route_in_a_twin_table);
	tcase_add_test(tc, not_learned);
	tcase_add_test(tc, link_local_hop_on_the_one_link);
	tcase_add_test(tc, lowest_metric_wins);
	tcase_add_test(tc, multipath_and_ipv6_hops);
	tcase_add_test(tc, nexthop_objects);
	tcase_add_test(tc, blackhole_and_malformed);
	tcase_add_test(tc, resync_takes_back_what_a_dump_did_not_say);
	tcase_add_test(tc, many_prefixes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
