/* RSS hash types asked of a port's device (dp_rss.h). */
#include <stdio.h>

#include <rte_ethdev.h>

#include "dp_rss.h"

const struct dp_rss_type dp_rss_types[] = {
	{ "ip", RTE_ETH_RSS_IP },
	{ "udp", RTE_ETH_RSS_UDP },
	{ "tcp", RTE_ETH_RSS_TCP },
	{ "gtpu", RTE_ETH_RSS_GTPU },
	{ NULL, 0 },
};

bool
dp_rss_gtpu_role(enum dp_port_role role)
{
	return role == DP_ROLE_N3 || role == DP_ROLE_N9;
}

uint64_t
dp_rss_request(enum dp_port_role role, uint16_t n_rxq, uint64_t offered)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP;

	if (n_rxq <= 1)
		return 0;
	if (dp_rss_gtpu_role(role))
		want |= RTE_ETH_RSS_GTPU;
	return want & offered;
}

const char *
dp_rss_names(uint64_t hf, char *buf, size_t n)
{
	size_t off = 0;

	if (n == 0)
		return buf;
	buf[0] = 0;
	for (const struct dp_rss_type *t = dp_rss_types; t->name != NULL && off < n; t++)
		if (hf & t->bits)
			off += (size_t)snprintf(buf + off, n - off, "%s%s", off ? "," : "", t->name);
	if (off == 0)
		snprintf(buf, n, "none");
	return buf;
}
