/* Unit tests of dp_rss.h: the RSS hash types sxdp asks of a port's device
 * are masked by what the device offers (ethdev refuses more), GTP-U RSS is
 * asked only on the ports G-PDUs arrive on, and a virtual device that offers
 * none gets none (what the start-up log then says). */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include <rte_ethdev.h>

#include "dp_rss.h"

#define BASE (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)

START_TEST(masked_by_offer)
{
	/* a NIC with GTP-U RSS (ice): the N3/N9 ports get it, the others not */
	uint64_t ice = BASE | RTE_ETH_RSS_GTPU | RTE_ETH_RSS_SCTP;

	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 2, ice), BASE | RTE_ETH_RSS_GTPU);
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N9, 4, ice), BASE | RTE_ETH_RSS_GTPU);
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N6, 2, ice), BASE);
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_LAN, 2, ice), BASE);
	/* a device without it (net_null offers RTE_ETH_RSS_PROTO_MASK): never asked */
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 2, RTE_ETH_RSS_PROTO_MASK), BASE);
	ck_assert_uint_eq(RTE_ETH_RSS_PROTO_MASK & RTE_ETH_RSS_GTPU, 0);
	/* only GTP-U offered: only GTP-U asked */
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 2, RTE_ETH_RSS_GTPU), RTE_ETH_RSS_GTPU);
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_WAN, 2, RTE_ETH_RSS_GTPU), 0);
	/* net_pcap, net_tap's queues, AF_PACKET: nothing offered, nothing asked */
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 2, 0), 0);
	/* one RX queue: no RSS at all, whatever the device offers */
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 1, ice), 0);
	ck_assert_uint_eq(dp_rss_request(DP_ROLE_N3, 0, ice), 0);
	ck_assert(dp_rss_gtpu_role(DP_ROLE_N3) && dp_rss_gtpu_role(DP_ROLE_N9));
	ck_assert(!dp_rss_gtpu_role(DP_ROLE_N6) && !dp_rss_gtpu_role(DP_ROLE_LAN) &&
		  !dp_rss_gtpu_role(DP_ROLE_WAN));
}
END_TEST

START_TEST(names)
{
	char b[64];

	ck_assert_str_eq(dp_rss_names(BASE | RTE_ETH_RSS_GTPU, b, sizeof(b)), "ip,udp,tcp,gtpu");
	ck_assert_str_eq(dp_rss_names(0, b, sizeof(b)), "none");
	/* one bit of a group names the group */
	ck_assert_str_eq(dp_rss_names(RTE_ETH_RSS_NONFRAG_IPV6_UDP, b, sizeof(b)), "udp");
	ck_assert_str_eq(dp_rss_names(RTE_ETH_RSS_L2_PAYLOAD, b, sizeof(b)), "none");
	/* cut short, still a string */
	ck_assert_uint_lt(strlen(dp_rss_names(BASE, b, 6)), 6);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rss");
	TCase *tc = tcase_create("rss");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, masked_by_offer);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
