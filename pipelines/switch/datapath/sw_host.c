/* The switch's exception path to the kernel (sw_host.h). */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>

#include "sw_host.h"
#include "sw_slow.h"
#include "sw_state.h"
#include "dp_port.h"
#include "dp_slow.h"
#include "dp_worker.h"

static uint64_t tat, iv;   /* the exception path's bucket (sw_slow_gcra_take) */

void
sw_host_init(void)
{
	iv = rte_get_tsc_hz() / SW_HOST_PER_S;
	tat = 0;
}

_Static_assert(SW_HOST_TWIN == 0, "sw_slow_svi reads a (vrf, bd) table's action 0");

/* The hosts entry of (slice, bd), else the slice's own (bd 0). */
static const struct sw_host *
host_of(uint16_t slice, uint16_t bd)
{
	const struct sw_host *h = sw_slow_svi(pl_sw.hosts, slice, bd);

	return h != NULL || bd == 0 ? h : sw_slow_svi(pl_sw.hosts, slice, 0);
}

int
sw_host_deliver(struct rte_mbuf *m, struct dp_meta *md)
{
	const struct sw_host *h = host_of(md->slice, sw_meta(m)->bd);
	struct rte_ether_addr src;
	struct rte_ether_hdr *eth;
	uint16_t l2 = h != NULL && h->vlan != 0 ? RTE_ETHER_HDR_LEN + 4 : RTE_ETHER_HDR_LEN;
	rte_be16_t et = rte_cpu_to_be_16((md->flags & DP_MF_IPV6) ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);

	if (h == NULL)
		return -ENOENT;
	/* the twin is the box: what came for it out of a tunnel is its too,
	 * but never what the box sent itself (a loop back in) */
	if (md->flags & DP_MF_OWN) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return 0;
	}
	if (h->port >= dp_n_ports) {
		dp_slow_drop(m, SW_DROP(host_gone));
		return 0;
	}
	/* a flood of the box's addresses is the kernel's to see, not to
	 * drown in: at most SW_HOST_PER_S */
	if (!sw_slow_gcra_take(&tat, rte_rdtsc(), iv, SW_HOST_BURST)) {
		dp_slow_drop(m, SW_DROP(host_limit));
		return 0;
	}
	/* the frame as the twin takes it: to its MAC (the port's, which the
	 * kernel side of the port wears), from the sender's, in its VLAN */
	src = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	if (rte_pktmbuf_adj(m, md->l3_off) == NULL ||
	    (eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, l2)) == NULL) {
		dp_slow_drop(m, SW_DROP(vlan_push));
		return 0;
	}
	eth->dst_addr = dp_ports[h->port].mac;
	eth->src_addr = src;
	eth->ether_type = et;
	if (h->vlan != 0) {
		struct rte_vlan_hdr *v = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		v->vlan_tci = rte_cpu_to_be_16(h->vlan);
		v->eth_proto = et;
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_QINQ);
	if (dp_slowpath_send(m, h->port) == 0)
		dp_slow_event(SW_EVENT(host_delivered));
	dp_slow_event(SW_EVENT(forwarded));   /* sent on, as a held packet is */
	return 0;
}
