/* Slow-path helpers every feature uses (dp_slow.h). */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_lcore.h>

#include "dp_slow.h"
#include "dp_stats.h"

void
dp_slow_drop(struct rte_mbuf *m, unsigned int reason)
{
	struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];

	st->drops[reason]++;
	st->drop_pkts++;
	rte_pktmbuf_free(m);
}

void
dp_slow_event(unsigned int ev)
{
	dp_lcore_stats[rte_lcore_id()].events[ev]++;
}

struct rte_mbuf *
dp_slow_frame(struct rte_mempool *mp, const uint8_t *dst, const uint8_t *src, uint16_t vid,
	      uint16_t ethertype, uint16_t len, uint8_t **payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t l2 = RTE_ETHER_HDR_LEN + (vid ? 4 : 0);
	/* pad to the 60-byte minimum: virtual ports do not pad for us */
	uint16_t total = RTE_MAX((uint16_t)(l2 + len), (uint16_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN));
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, total);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p + l2 + len, 0, total - l2 - len);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (vid) {
		*(rte_be16_t *)(p + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		*(rte_be16_t *)(p + 14) = rte_cpu_to_be_16(vid);
	}
	*(rte_be16_t *)(p + l2 - 2) = rte_cpu_to_be_16(ethertype);
	*payload = p + l2;
	return m;
}
