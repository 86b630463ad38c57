/* The switch's shared slow-path services (sw_slow.h), main lcore. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_jhash.h>

#include "sw_slow.h"
#include "sw_state.h"
#include "dp_table.h"
#include "dp_slow.h"
#include "dp_worker.h"

/* Token buckets as GCRA: tat is the time the bucket would be full again;
 * a packet is allowed while that stays within burst intervals of now. One
 * word per bucket, no division per packet. */
struct src_bucket {
	uint64_t tat, last;
	uint8_t ip[16];              /* as struct hold's */
	uint16_t slice;
	bool v6;
	bool used;
};

static struct src_bucket srcs[SW_SLOW_SRC_SETS][SW_SLOW_SRC_WAYS];
static pl_swctl_tunnel_fn *tunnel_back;   /* answers back into a tunnel (the overlay's) */
static uint64_t tx_tat, icmp_tat;
static uint64_t src_iv, tx_iv, icmp_iv;   /* TSC per token */

_Static_assert((SW_SLOW_SRC_SETS & (SW_SLOW_SRC_SETS - 1)) == 0, "sets: a power of two");

enum { LIM_OK = SW_SLOW_LIM_OK, LIM_SRC = SW_SLOW_LIM_SRC, LIM_TOTAL = SW_SLOW_LIM_TOTAL };

void
sw_slow_init(void)
{
	uint64_t hz = rte_get_tsc_hz();

	memset(srcs, 0, sizeof(srcs));
	src_iv = hz / SW_SLOW_SRC_PER_S;
	tx_iv = hz / SW_SLOW_TX_PER_S;
	icmp_iv = hz / SW_SLOW_ICMP_PER_S;
	tx_tat = icmp_tat = 0;
	tunnel_back = NULL;   /* a feature that has one registers it after */
}

bool
sw_slow_gcra_take(uint64_t *tat, uint64_t now, uint64_t iv, uint64_t burst)
{
	uint64_t t = RTE_MAX(*tat, now) + iv;

	if (t - now > burst * iv)
		return false;
	*tat = t;
	return true;
}

/* The bucket of (slice, ip): a fixed table, no allocation; a new source
 * takes a free way of its set or the one idle longest. */
static struct src_bucket *
src_bucket(uint16_t slice, bool v6, const uint8_t *ip, uint64_t now)
{
	uint8_t a[16];
	struct src_bucket *set, *old;

	sw_slow_addr_set(a, v6, ip);
	set = srcs[rte_jhash(a, sizeof(a), (uint32_t)slice << 1 | v6) & (SW_SLOW_SRC_SETS - 1)];
	old = &set[0];
	for (unsigned int w = 0; w < SW_SLOW_SRC_WAYS; w++) {
		struct src_bucket *b = &set[w];

		if (b->used && memcmp(b->ip, a, sizeof(a)) == 0 && b->slice == slice && b->v6 == v6) {
			b->last = now;
			return b;
		}
		if (!b->used || (old->used && b->last < old->last))
			old = b;
	}
	*old = (struct src_bucket){ .slice = slice, .v6 = v6, .used = true, .last = now };
	memcpy(old->ip, a, sizeof(a));
	return old;
}

/* May the box originate one more packet on behalf of src? Per source
 * first, then ICMP errors' own bucket (RFC 1812 4.3.2.8), then the total. */
int
sw_slow_limit(uint16_t slice, bool v6, const uint8_t *src, bool icmp_err)
{
	uint64_t now = rte_rdtsc();

	if (!sw_slow_gcra_take(&src_bucket(slice, v6, src, now)->tat, now, src_iv, SW_SLOW_SRC_BURST))
		return LIM_SRC;
	if (icmp_err && !sw_slow_gcra_take(&icmp_tat, now, icmp_iv, SW_SLOW_ICMP_BURST))
		return LIM_TOTAL;
	if (!sw_slow_gcra_take(&tx_tat, now, tx_iv, SW_SLOW_TX_BURST))
		return LIM_TOTAL;
	return LIM_OK;
}

const void *
sw_slow_svi(int table, uint16_t slice, uint16_t bd)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_bd_port(k, slice, bd);   /* (vrf, bd): the same two u16 */
	e = dp_table_find(table, k);
	return (e && e->action == 0) ? e->params : NULL;
}

static const struct sw_svi *
svi_get(uint16_t slice, uint16_t bd)
{
	return sw_slow_svi(pl_sw.svi, slice, bd);
}

void
pl_swctl_tunnel_back(pl_swctl_tunnel_fn *fn)
{
	tunnel_back = fn;
}

bool
sw_slow_answerable(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	return !(md->flags & DP_MF_DECAP) ||
	       (tunnel_back != NULL && pl_switch_back_tunnel(m) != 0 && sw_meta(m)->bd != SW_BD_NONE);
}

int
sw_slow_answer(struct rte_mbuf *r, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (!(md->flags & DP_MF_DECAP))
		return dp_slowpath_send(r, md->in_port);
	/* sw_slow_answerable said there is a way back; never the port */
	if (tunnel_back != NULL && pl_switch_back_tunnel(m) != 0 && sw_meta(m)->bd != SW_BD_NONE) {
		struct dp_meta about = *md;

		about.tunnel = pl_switch_back_tunnel(m);
		if (tunnel_back(r, &about) == 0)
			return 0;
		dp_slow_event(SW_EVENT(answer_no_path));
		return -1;
	}
	rte_pktmbuf_free(r);
	dp_slow_event(SW_EVENT(icmp_tunnelled));
	return -1;
}

bool
sw_slow_dst_ok(uint16_t slice, uint16_t bd, bool v6, const uint8_t *dst)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	if (v6) {
		const struct sw_svi6 *svi;
		uint8_t ll[16];

		if (!dp_addr_ip6_unicast(dst))
			return false;
		if (pl_switch_ip6_ll(dst)) {
			svi = bd != SW_BD_NONE ? sw_slow_svi(pl_sw.svi6, slice, bd) : NULL;
			if (svi != NULL)
				pl_switch_ll_addr(ll, svi->mac);
			return svi == NULL || memcmp(ll, dst, 16) != 0;
		}
		pl_switch_key_vrf_ip6(k, slice, dst);
		e = dp_table_find(pl_sw.routes6, k);
		if (e != NULL && e->action == SW_RT_LOCAL)
			return false;
		if (e != NULL && e->action == SW_RT_CONNECTED &&
		    (svi = sw_slow_svi(pl_sw.svi6, slice, ((const struct sw_connected *)e->params)->bd)) != NULL &&
		    memcmp(svi->ip, dst, 16) == 0)
			return false;
		return true;
	}
	{
		const struct sw_svi *svi;
		uint32_t ip;

		memcpy(&ip, dst, 4);
		if (!dp_addr_ip4_unicast(ip))
			return false;
		pl_switch_key_vrf_ip(k, slice, ip);
		e = dp_table_find(pl_sw.routes, k);
		if (e != NULL && e->action == SW_RT_LOCAL)
			return false;
		if (e != NULL && e->action == SW_RT_CONNECTED &&
		    (svi = svi_get(slice, ((const struct sw_connected *)e->params)->bd)) != NULL) {
			uint32_t host = rte_be_to_cpu_32(ip) & (UINT32_MAX >> svi->plen);

			/* the box's own, or the subnet's broadcast or network
			 * address (none on a /31, RFC 3021) */
			if (ip == svi->ip || (svi->plen <= 30 && svi->plen > 0 &&
					      (host == 0 || host == (UINT32_MAX >> svi->plen))))
				return false;
		}
		return true;
	}
}

uint32_t
pl_switch_bd_members(uint16_t bd)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_bd(k, bd);
	e = dp_table_find(pl_sw.flood, k);
	return e != NULL && e->action == 0 ? ((const struct sw_flood *)e->params)->ports : 0;
}

unsigned int
pl_switch_bd_out(struct rte_mempool *mp, uint16_t bd, const uint8_t *dst, const uint8_t *src, uint16_t ethertype,
		 const void *payload, uint16_t len)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;
	struct rte_mbuf *m;
	unsigned int sent = 0;
	uint8_t *pl;
	uint32_t mask = pl_switch_bd_members(bd);

	while (mask) {
		uint16_t p = (uint16_t)__builtin_ctz(mask);

		mask &= mask - 1;
		pl_switch_key_bd_port(k, bd, p);
		e = dp_table_find(pl_sw.bd_ports, k);
		if (e == NULL || e->action != 0)
			continue;
		m = dp_slow_frame(mp, dst, src, ((const struct sw_member *)e->params)->vlan,
				       ethertype, len, &pl);
		if (m == NULL)
			break;
		memcpy(pl, payload, len);
		sent += dp_slowpath_send(m, p) == 0;
	}
	return sent;
}

void
sw_slow_bd_send(struct rte_mempool *mp, uint16_t slice, uint16_t bd, const uint8_t *dst, const uint8_t *src,
		 uint16_t ethertype, const void *payload, uint16_t len, unsigned int ev)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;
	struct sw_flood fl;
	struct rte_mbuf *m;
	uint8_t *pl;

	for (unsigned int n = pl_switch_bd_out(mp, bd, dst, src, ethertype, payload, len); n > 0; n--)
		dp_slow_event(ev);
	pl_switch_key_bd(k, bd);
	e = dp_table_find(pl_sw.flood, k);
	if (e == NULL || e->action != 0)
		return;
	fl = *(const struct sw_flood *)e->params;
	/* the peer sites' copies, untagged (the VNI names the bd); the
	 * tunnel must be the slice's (tunnel_back checks) */
	for (unsigned int i = 0; i < SW_FLOOD_TUNNELS + RTE_MIN(fl.more, (unsigned int)SW_FLOOD_MORE_MAX) &&
	     tunnel_back != NULL;
	     i++) {
		uint32_t t = i < SW_FLOOD_TUNNELS ? fl.tunnels[i] : 0;
		struct dp_meta about;

		if (i >= SW_FLOOD_TUNNELS) {
			pl_switch_key_bd_index(k, bd, (uint16_t)(i - SW_FLOOD_TUNNELS));
			e = dp_table_find(pl_sw.flood_more, k);
			t = e != NULL && e->action == 0 ? ((const struct sw_tun *)e->params)->tunnel : 0;
		}
		if (t == 0)
			continue;
		about = (struct dp_meta){ .slice = slice, .tunnel = t, .hash = t };
		m = dp_slow_frame(mp, dst, src, 0, ethertype, len, &pl);
		if (m == NULL)
			return;
		memcpy(pl, payload, len);
		if (tunnel_back(m, &about) == 0)
			dp_slow_event(ev);
	}
}

void
sw_slow_tunnel_out(struct rte_mbuf *m, const struct sw_rw_tunnel *t)
{
	struct dp_meta *md = dp_meta(m);
	struct dp_meta about = *md;
	bool made = md->flags & DP_MF_MADE;

	pl_switch_macs_set(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), (const struct sw_rewrite *)t);
	if (md->flags & DP_MF_IPV4)
		pl_switch_ttl_dec(m, md);
	else
		pl_switch_hlim_dec(m, md);
	/* untagged, as the tunnel carries it (popping needs no room) */
	pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, 0);
	about.tunnel = t->tunnel;
	if (tunnel_back != NULL && tunnel_back(m, &about) == 0) {
		if (!made)
			dp_slow_event(SW_EVENT(forwarded));
		return;
	}
	if (tunnel_back == NULL)
		rte_pktmbuf_free(m);
	/* m is gone (the tunnel's send frees what it cannot send): counted as
	 * dp_slow_drop would */
	dp_lcore_stats[rte_lcore_id()].drops[SW_DROP(tunnel_no_way)]++;
	dp_lcore_stats[rte_lcore_id()].drop_pkts++;
}

void
sw_slow_limited(struct rte_mbuf *m, int lim)
{
	dp_slow_drop(m, lim == LIM_SRC ? SW_DROP(limit_src) : SW_DROP(limit_total));
}

