/* Switch slow path and control jobs (main lcore). Everything here runs on
 * the thread that writes tables, so it reads them with dp_table_find and
 * writes them with dp_table_write like any other control client. Packets go
 * out through dp_slowpath_send (a worker transmits them). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ring_elem.h>

#include "pl_swctl.h"
#include "pl_switch.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_worker.h"

#define ICMP_TIME_EXCEEDED 11
#define ICMP_DEST_UNREACH 3

struct hold {
	bool used;
	uint8_t n;
	uint16_t slice;
	uint32_t ip;                 /* network order */
	uint64_t first_tsc, last_arp_tsc;
	struct rte_mempool *pool;
	struct rte_mbuf *m[SWCTL_HOLD_MAX];
};

static struct hold holds[SWCTL_HOLDS];
static double icmp_tokens;
static uint64_t icmp_last, next_timer;

static struct dp_lcore_stats *
st(void)
{
	return &dp_lcore_stats[rte_lcore_id()];
}

static void
sdrop(struct rte_mbuf *m, unsigned int reason)
{
	st()->drops[reason]++;
	st()->drop_pkts++;
	rte_pktmbuf_free(m);
}

static void
event(unsigned int ev)
{
	st()->events[ev]++;
}

int
pl_swctl_init(void)
{
	memset(holds, 0, sizeof(holds));
	icmp_tokens = SWCTL_ICMP_PER_S;
	icmp_last = rte_rdtsc();
	next_timer = 0;
	return 0;
}

static uint64_t
ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static const struct sw_svi *
svi_get(uint16_t slice, uint16_t bd)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_bd_port(k, slice, bd);   /* (vrf, bd): the same two u16 */
	e = dp_table_find(pl_sw.svi, k);
	return (e && e->action == 0) ? (const struct sw_svi *)e->params : NULL;
}

static bool
in_subnet(const struct sw_svi *svi, uint32_t ip_be)
{
	uint32_t mask = svi->plen ? rte_cpu_to_be_32(~0u << (32 - svi->plen)) : 0;

	return (ip_be & mask) == (svi->ip & mask);
}

/* A new frame with an Ethernet header (and tag if vid) and room for len bytes. */
static struct rte_mbuf *
frame_new(struct rte_mempool *mp, const uint8_t *dst, const uint8_t *src, uint16_t vid,
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

/* Broadcast an ARP request for ip (in slice) on every member port of the
 * bridge domain its connected route names. */
static void
arp_request(struct rte_mempool *mp, uint16_t slice, uint32_t ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;
	const struct sw_svi *svi;
	uint32_t mask;
	uint16_t bd;

	pl_switch_key_vrf_ip(k, slice, ip);
	e = dp_table_find(pl_sw.routes, k);
	if (e == NULL || e->action != SW_RT_CONNECTED)
		return;   /* not on a connected subnet: nothing to ask */
	bd = ((const struct sw_connected *)e->params)->bd;
	if ((svi = svi_get(slice, bd)) == NULL)
		return;
	pl_switch_key_bd(k, bd);
	e = dp_table_find(pl_sw.flood, k);
	if (e == NULL || e->action != 0)
		return;
	mask = ((const struct sw_flood *)e->params)->ports;
	while (mask) {
		uint16_t p = (uint16_t)__builtin_ctz(mask);
		struct rte_arp_hdr *arp;
		struct rte_mbuf *m;
		uint8_t *pl;

		mask &= mask - 1;
		pl_switch_key_bd_port(k, bd, p);
		e = dp_table_find(pl_sw.bd_ports, k);
		if (e == NULL || e->action != 0)
			continue;
		m = frame_new(mp, bcast, svi->mac, ((const struct sw_member *)e->params)->vlan,
			      RTE_ETHER_TYPE_ARP, sizeof(*arp), &pl);
		if (m == NULL)
			return;
		arp = (struct rte_arp_hdr *)pl;
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = RTE_ETHER_ADDR_LEN;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		memcpy(&arp->arp_data.arp_sha, svi->mac, 6);
		arp->arp_data.arp_sip = svi->ip;
		memset(&arp->arp_data.arp_tha, 0, 6);
		arp->arp_data.arp_tip = ip;
		if (dp_slowpath_send(m, p) == 0)
			event(DP_EVENT_switch_arp_request);
	}
}

static struct hold *
hold_find(uint16_t slice, uint32_t ip, bool create)
{
	struct hold *free_h = NULL;

	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		if (holds[i].used && holds[i].slice == slice && holds[i].ip == ip)
			return &holds[i];
		if (!holds[i].used && free_h == NULL)
			free_h = &holds[i];
	}
	if (!create || free_h == NULL)
		return NULL;
	memset(free_h, 0, sizeof(*free_h));
	free_h->used = true;
	free_h->slice = slice;
	free_h->ip = ip;
	free_h->first_tsc = rte_rdtsc();
	return free_h;
}

static void
hold_release(uint16_t slice, uint32_t ip, const struct sw_rewrite *rw)
{
	struct hold *h = hold_find(slice, ip, false);

	if (h == NULL)
		return;
	for (unsigned int i = 0; i < h->n; i++) {
		struct rte_mbuf *m = h->m[i];

		if (pl_switch_rewrite(m, dp_meta(m), rw) < 0)
			sdrop(m, DP_DROP_switch_vlan_push);
		else
			dp_slowpath_send(m, rw->port);
	}
	h->used = false;
}

static void
resolve(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;
	struct hold *h;
	uint64_t now = rte_rdtsc();

	/* resolved since the worker looked: send it (after anything held) */
	pl_switch_key_vrf_ip(k, md->slice, md->nh);
	e = dp_table_find(pl_sw.neigh, k);
	if (e != NULL && e->action != SW_NB_UNRESOLVED) {
		const struct sw_rewrite *rw = (const struct sw_rewrite *)e->params;

		hold_release(md->slice, md->nh, rw);
		if (pl_switch_rewrite(m, md, rw) < 0)
			sdrop(m, DP_DROP_switch_vlan_push);
		else
			dp_slowpath_send(m, rw->port);
		return;
	}
	h = hold_find(md->slice, md->nh, true);
	if (h == NULL || h->n == SWCTL_HOLD_MAX) {
		sdrop(m, DP_DROP_switch_hold_full);
		if (h == NULL)
			return;
	} else {
		h->m[h->n++] = m;
		h->pool = m->pool;
	}
	if (h->last_arp_tsc == 0 || now - h->last_arp_tsc >= ms_to_tsc(SWCTL_ARP_RETRY_MS)) {
		h->last_arp_tsc = now;
		arp_request(h->pool, h->slice, h->ip);
	}
}

static void
neigh_learn(uint16_t slice, uint32_t ip, uint16_t port, uint16_t vid, const uint8_t *mac,
	    const struct sw_svi *svi)
{
	struct dp_update u;
	struct sw_rewrite *rw = (struct sw_rewrite *)u.params;
	const struct dp_entry *e;
	int r;

	memset(&u, 0, sizeof(u));
	pl_switch_key_vrf_ip(u.key, slice, ip);
	e = dp_table_find(pl_sw.neigh, u.key);
	if (e != NULL && e->action == SW_NB_REWRITE)
		return;   /* static neighbours are the operator's */
	rw->port = port;
	rw->vlan = vid;
	memcpy(rw->dmac, mac, 6);
	memcpy(rw->smac, svi->mac, 6);
	/* Held packets first: queued for the workers before the entry exists, so
	 * the flow's next packets (fast path) cannot overtake them by more than
	 * the burst a worker is in when the write lands. */
	hold_release(slice, ip, rw);
	if (e == NULL || memcmp(e->params, rw, sizeof(*rw)) != 0) {
		u.type = e ? DP_UPD_MODIFY : DP_UPD_INSERT;
		u.table = pl_sw.neigh;
		u.action = SW_NB_LEARNED;
		if (dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r) == 0)
			event(DP_EVENT_switch_neigh_learned);
	}
}

static int
handle_arp(struct rte_mbuf *m, struct dp_meta *md)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, md->l3_off);
	const struct sw_svi *svi = svi_get(md->slice, SW_AUX_BD(md->aux));
	struct rte_arp_ipv4 *a = &arp->arp_data;
	uint32_t sip = a->arp_sip;

	if (svi == NULL || arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || a->arp_tip != svi->ip) {
		sdrop(m, DP_DROP_switch_not_for_us);
		return -1;
	}
	if (in_subnet(svi, sip) && sip != svi->ip)
		neigh_learn(md->slice, sip, md->in_port, SW_AUX_VID(md->aux), a->arp_sha.addr_bytes, svi);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		event(DP_EVENT_switch_consumed);
		rte_pktmbuf_free(m);
		return -1;
	}
	/* answer in place: the frame keeps its ingress tag */
	eth->dst_addr = a->arp_sha;
	memcpy(&eth->src_addr, svi->mac, 6);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_tha = a->arp_sha;
	a->arp_tip = sip;
	memcpy(&a->arp_sha, svi->mac, 6);
	a->arp_sip = svi->ip;
	event(DP_EVENT_switch_arp_reply);
	return md->in_port;
}

static int
handle_local(struct rte_mbuf *m, struct dp_meta *md)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	struct rte_icmp_hdr *icmp;
	struct rte_ether_addr tmp;
	uint32_t a;
	uint16_t len;

	if (md->l4_proto != IPPROTO_ICMP || !(md->flags & DP_MF_L4) || (md->flags & DP_MF_FRAG)) {
		sdrop(m, DP_DROP_switch_not_for_us);
		return -1;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, md->l4_off);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		sdrop(m, DP_DROP_switch_not_for_us);
		return -1;
	}
	len = rte_be_to_cpu_16(ip->total_length) - (md->l4_off - md->l3_off);
	tmp = eth->dst_addr;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = tmp;
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, len);
	event(DP_EVENT_switch_icmp_echo);
	return md->in_port;
}

static bool
icmp_allowed(void)
{
	uint64_t now = rte_rdtsc();

	icmp_tokens += (double)(now - icmp_last) * SWCTL_ICMP_PER_S / (double)rte_get_tsc_hz();
	icmp_last = now;
	if (icmp_tokens > SWCTL_ICMP_PER_S)
		icmp_tokens = SWCTL_ICMP_PER_S;
	if (icmp_tokens < 1.0)
		return false;
	icmp_tokens -= 1.0;
	return true;
}

/* ICMP error about m back to its sender, out of the port it came in on. */
static void
icmp_error(struct rte_mbuf *m, struct dp_meta *md, uint8_t type, uint8_t code)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	const struct sw_svi *svi = svi_get(md->slice, SW_AUX_BD(md->aux));
	uint16_t quote, olen = rte_pktmbuf_data_len(m) - md->l3_off;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *r;
	uint8_t *p;

	/* never about an ICMP error, a fragment tail, or a non-unicast source */
	if (svi == NULL || (md->flags & DP_MF_FRAG_LATER) ||
	    (oip->src_addr & rte_cpu_to_be_32(0xf0000000)) == rte_cpu_to_be_32(0xe0000000) ||
	    oip->src_addr == 0 || oip->src_addr == UINT32_MAX)
		return;
	if (md->l4_proto == IPPROTO_ICMP && (md->flags & DP_MF_L4)) {
		const struct rte_icmp_hdr *oi = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, md->l4_off);

		if (oi->icmp_type != RTE_IP_ICMP_ECHO_REQUEST && oi->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
			return;
	}
	if (!icmp_allowed()) {
		event(DP_EVENT_switch_icmp_ratelimit);
		return;
	}
	quote = RTE_MIN((uint16_t)(rte_ipv4_hdr_len(oip) + 8), olen);
	r = frame_new(m->pool, eth->src_addr.addr_bytes, svi->mac, SW_AUX_VID(md->aux),
		      RTE_ETHER_TYPE_IPV4, sizeof(*ip) + sizeof(*icmp) + quote, &p);
	if (r == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)p;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0;   /* network control */
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + quote);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = svi->ip;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	memset(icmp, 0, sizeof(*icmp));
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	if (dp_slowpath_send(r, md->in_port) == 0)
		event(DP_EVENT_switch_icmp_error);
}

int
pl_swctl_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	switch (md->punt) {
	case SW_PUNT_ARP:
		return handle_arp(m, md);
	case SW_PUNT_LOCAL:
		return handle_local(m, md);
	case SW_PUNT_TTL:
		icmp_error(m, md, ICMP_TIME_EXCEEDED, 0);
		sdrop(m, DP_DROP_switch_ttl_expired);
		return -1;
	case SW_PUNT_NOROUTE:
		icmp_error(m, md, ICMP_DEST_UNREACH, 0);
		sdrop(m, DP_DROP_switch_no_route);
		return -1;
	case SW_PUNT_UNRESOLVED:
		resolve(m);
		return -1;
	default:
		sdrop(m, DP_DROP_switch_not_for_us);
		return -1;
	}
}

/* Turn the workers' learn events into fdb writes: new MACs inserted as
 * "learned", moves of learned MACs modified, static entries left alone. */
static void
learn_drain(void)
{
	struct sw_learn_ev ev[256];
	struct dp_update u[256];
	int res[256], moved[256];

	for (unsigned int w = 0; w < pl_switch_workers(); w++) {
		unsigned int n = rte_ring_sc_dequeue_burst_elem(pl_switch_learn_ring(w), ev, sizeof(ev[0]),
								RTE_DIM(ev), NULL);
		unsigned int k = 0;

		for (unsigned int i = 0; i < n; i++) {
			const struct dp_entry *e;

			memset(&u[k], 0, sizeof(u[k]));
			pl_switch_key_fdb(u[k].key, ev[i].bd, &ev[i].mac);
			e = dp_table_find(pl_sw.fdb, u[k].key);
			if (e != NULL && (e->action != SW_FDB_LEARNED ||
					  ((const struct sw_fwd *)e->params)->port == ev[i].port))
				continue;
			u[k].type = e ? DP_UPD_MODIFY : DP_UPD_INSERT;
			u[k].table = pl_sw.fdb;
			u[k].action = SW_FDB_LEARNED;
			((struct sw_fwd *)u[k].params)->port = ev[i].port;
			moved[k++] = e != NULL;
		}
		if (k == 0)
			continue;
		dp_table_write(u, k, DP_ATOM_CONTINUE, res);
		for (unsigned int i = 0; i < k; i++)
			if (res[i] == 0)
				event(moved[i] ? DP_EVENT_switch_mac_move : DP_EVENT_switch_learn);
	}
}

/* owner[bd] = slice + 1 of the bridge domain, 0 while unowned;
 * wire[port][vid] = slice + 1 of that (port, VLAN) interface */
static uint32_t owner[UINT16_MAX + 1];
static uint32_t wire[DP_PORTS_MAX][4096];

static int
claim(uint16_t bd, uint16_t slice)
{
	if (owner[bd] != 0 && owner[bd] != (uint32_t)slice + 1)
		return -EXDEV;
	owner[bd] = (uint32_t)slice + 1;
	return 0;
}

/* Call fn on every installed entry of a table, a page at a time. */
static void
for_each_entry(int tid, void (*fn)(const struct dp_entry_view *ev))
{
	struct dp_entry_view ev[64];
	uint32_t off = 0, next;

	do {
		unsigned int k = dp_table_read(tid, off, RTE_DIM(ev), ev, &next);

		for (unsigned int i = 0; i < k; i++)
			fn(&ev[i]);
		off = next;
	} while (next != UINT32_MAX);
}

static uint16_t
key_u16(const uint8_t *key, unsigned int off)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)(key + off));
}

static void
map_wire(const uint8_t *key, uint16_t slice)
{
	uint16_t port = key_u16(key, 0), vid = key_u16(key, 2) & 0x0fff;

	if (port < DP_PORTS_MAX)
		wire[port][vid] = (uint32_t)slice + 1;
}

static void
claim_interface(const struct dp_entry_view *ev)
{
	const struct sw_attach *a = (const struct sw_attach *)ev->params;

	if (ev->action == SW_IF_ATTACH) {
		claim(a->bd, a->slice);
		map_wire(ev->key, a->slice);
	}
}

/* Egress onto (port, vid) for a slice: refused when that wire is another
 * slice's interface. */
static int
egress_ok(uint16_t port, uint16_t vid, uint32_t slice1)
{
	uint32_t s = port < DP_PORTS_MAX ? wire[port][vid & 0x0fff] : 0;

	return (s != 0 && slice1 != 0 && s != slice1) ? -EXDEV : 0;
}

static void
claim_svi(const struct dp_entry_view *ev)
{
	claim(key_u16(ev->key, 2), key_u16(ev->key, 0));
}

static void
claim_connected(const struct dp_entry_view *ev)
{
	if (ev->action == SW_RT_CONNECTED)
		claim(((const struct sw_connected *)ev->params)->bd, key_u16(ev->key, 0));
}

void
pl_swctl_check(const struct dp_update *u, unsigned int n, int *res)
{
	memset(owner, 0, sizeof(owner));
	memset(wire, 0, sizeof(wire));
	for_each_entry(pl_sw.interfaces, claim_interface);
	for_each_entry(pl_sw.svi, claim_svi);
	for_each_entry(pl_sw.routes, claim_connected);
	/* first who owns what (a default action owns its BD too), ... */
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];
		const struct sw_attach *a = (const struct sw_attach *)x->params;

		if (x->type == DP_UPD_DELETE)
			continue;
		if (x->table == pl_sw.interfaces && x->action == SW_IF_ATTACH) {
			res[i] = claim(a->bd, a->slice);
			if (x->type != DP_UPD_DEFAULT)
				map_wire(x->key, a->slice);
		} else if (x->type == DP_UPD_DEFAULT) {
			continue;
		} else if (x->table == pl_sw.svi && x->action == 0) {
			res[i] = claim(key_u16(x->key, 2), key_u16(x->key, 0));
		} else if (x->table == pl_sw.routes && x->action == SW_RT_CONNECTED) {
			res[i] = claim(((const struct sw_connected *)x->params)->bd, key_u16(x->key, 0));
		}
	}
	/* ... then that nothing egresses onto another slice's wire */
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE || x->type == DP_UPD_DEFAULT || res[i] != 0)
			continue;
		if (x->table == pl_sw.bd_ports && x->action == 0)
			res[i] = egress_ok(key_u16(x->key, 2), ((const struct sw_member *)x->params)->vlan,
					   owner[key_u16(x->key, 0)]);
		else if (x->table == pl_sw.neigh && x->action != SW_NB_UNRESOLVED)
			res[i] = egress_ok(((const struct sw_rewrite *)x->params)->port,
					   ((const struct sw_rewrite *)x->params)->vlan,
					   (uint32_t)key_u16(x->key, 0) + 1);
	}
}

void
pl_swctl_fini(void)
{
	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		for (unsigned int k = 0; holds[i].used && k < holds[i].n; k++)
			rte_pktmbuf_free(holds[i].m[k]);
		holds[i].used = false;
	}
}

void
pl_swctl_poll(uint64_t now)
{
	learn_drain();
	if (now < next_timer)
		return;
	next_timer = now + ms_to_tsc(100);
	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		struct hold *h = &holds[i];

		if (!h->used)
			continue;
		if (now - h->first_tsc >= ms_to_tsc(SWCTL_HOLD_TIMEOUT_MS)) {
			for (unsigned int k = 0; k < h->n; k++)
				sdrop(h->m[k], DP_DROP_switch_arp_unresolved);
			h->used = false;
		} else if (now - h->last_arp_tsc >= ms_to_tsc(SWCTL_ARP_RETRY_MS) && h->pool) {
			h->last_arp_tsc = now;
			arp_request(h->pool, h->slice, h->ip);
		}
	}
}
