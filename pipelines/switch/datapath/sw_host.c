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

bool
sw_host_ll_is(uint16_t slice, uint16_t bd, const uint8_t *ip)
{
	const struct sw_host *h = host_of(slice, bd);
	uint8_t ll[16];

	if (h == NULL || h->port >= dp_n_ports)
		return false;
	pl_switch_ll_addr(ll, dp_ports[h->port].mac.addr_bytes);
	return memcmp(ll, ip, 16) == 0;
}

int
sw_host_deliver(struct rte_mbuf *m, struct dp_meta *md)
{
	const struct sw_host *h = host_of(md->slice, sw_meta(m)->bd);
	struct rte_ether_addr src, dst;
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
	 * kernel side of the port wears) or the group's, from the sender's, in
	 * its VLAN */
	src = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	dst = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr;
	if (rte_pktmbuf_adj(m, md->l3_off) == NULL ||
	    (eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, l2)) == NULL) {
		dp_slow_drop(m, SW_DROP(vlan_push));
		return 0;
	}
	/* a group's frame stays the group's: the twin's daemon joined it */
	eth->dst_addr = rte_is_multicast_ether_addr(&dst) ? dst : dp_ports[h->port].mac;
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

/* Where a twin's multicast goes: the bridge domains the twin's link (the
 * port and VLAN it came on) is the hosts entry of, or, for the slice's
 * entry (bd 0), every domain the slice routes that has no link of its own. */
struct mcast_out {
	struct rte_mbuf *m;
	const struct dp_meta *md;
	uint16_t port, vlan;
	bool v6;
	bool whole;              /* the link is the slice's (bd 0) */
	unsigned int sent;
};

/* into bd from the box's MAC there (its SVI's of the packet's family) */
static void
mcast_into(struct mcast_out *o, uint16_t bd)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(o->m, const struct rte_ether_hdr *);
	const uint8_t *mac;

	if (o->v6) {
		const struct sw_svi6 *svi = sw_slow_svi(pl_sw.svi6, o->md->slice, bd);

		mac = svi != NULL ? svi->mac : NULL;
	} else {
		const struct sw_svi *svi = sw_slow_svi(pl_sw.svi, o->md->slice, bd);

		mac = svi != NULL ? svi->mac : NULL;
	}
	if (mac == NULL)
		return;
	sw_slow_bd_send(o->m->pool, o->md->slice, bd, eth->dst_addr.addr_bytes, mac,
			o->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4,
			rte_pktmbuf_mtod_offset(o->m, const uint8_t *, o->md->l3_off),
			(uint16_t)(rte_pktmbuf_pkt_len(o->m) - o->md->l3_off), SW_EVENT(twin_mcast));
	o->sent++;
}

static inline uint16_t
key_u16(const uint8_t *k, unsigned int i)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)(k + 2 * i));
}

/* hosts entries of the slice that are this link: their domains */
static int
mcast_each_host(const struct dp_entry_view *ev, void *arg)
{
	struct mcast_out *o = arg;
	const struct sw_host *h = (const struct sw_host *)ev->params;

	if (ev->action != SW_HOST_TWIN || key_u16(ev->key, 0) != o->md->slice || h->port != o->port ||
	    h->vlan != o->vlan)
		return 0;
	if (key_u16(ev->key, 1) == 0)
		o->whole = true;
	else
		mcast_into(o, key_u16(ev->key, 1));
	return 0;
}

/* the slice's routed domains without a twin link of their own */
static int
mcast_each_svi(const struct dp_entry_view *ev, void *arg)
{
	struct mcast_out *o = arg;
	uint16_t bd = key_u16(ev->key, 1);

	if (ev->action == 0 && key_u16(ev->key, 0) == o->md->slice &&
	    sw_slow_svi(pl_sw.hosts, o->md->slice, bd) == NULL)
		mcast_into(o, bd);
	return 0;
}

void
sw_host_mcast_out(struct rte_mbuf *m, struct dp_meta *md)
{
	struct mcast_out o = { .m = m, .md = md, .port = md->in_port, .vlan = sw_meta(m)->vid,
			       .v6 = (md->flags & DP_MF_IPV6) != 0 };

	if (rte_pktmbuf_linearize(m) < 0) {
		dp_slow_drop(m, SW_DROP(twin_mcast_lost));
		return;
	}
	dp_table_each((unsigned int)pl_sw.hosts, mcast_each_host, &o);
	if (o.whole)
		dp_table_each((unsigned int)(o.v6 ? pl_sw.svi6 : pl_sw.svi), mcast_each_svi, &o);
	if (o.sent == 0) {
		dp_slow_drop(m, SW_DROP(twin_mcast_lost));
		return;
	}
	dp_slow_event(SW_EVENT(consumed));
	rte_pktmbuf_free(m);
}
