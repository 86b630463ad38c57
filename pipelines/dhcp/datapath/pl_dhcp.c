/* SPDX-License-Identifier: BSD-3-Clause */
/* The dhcp feature in sxdp: a DHCPv4 server for the hosts of a slice's
 * bridge domain (tables dhcp_pools, dhcp_static) or a relay to a server
 * routed in the slice (dhcp_relay), on the main lcore. Requests come from
 * the switch (pl_switch_listen_udp: broadcasts to port 67 in a bridge
 * domain, and datagrams to the SVI's address); answers leave from the
 * SVI's address and MAC out of the port and VLAN the request came in on.
 * Leases (dh_lease) are sxdp's own state: kept in a file (written
 * atomically, at most every DH_SAVE_MS), read at start, handed over on a
 * takeover; `dhcp.leases` lists them. IPv6 hosts get SLAAC router
 * advertisements (dh_ra.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "dp_config.h"
#include "dp_feature.h"
#include "dp_log.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_slow.h"
#include "dp_table.h"
#include "dp_tblrpc.h"
#include "dp_worker.h"
#include "dh_lease.h"
#include "dh_msg.h"
#include "dh_ra.h"
#include "dhcp_names.h"
#include "sw_api.h"

#define DP_REASONS_DEF "pl_dhcp.def"
#define DP_REASONS_PREFIX DHCP
#include "dp_reasons.h"
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

static unsigned int drop_base, event_base;
#define DH_DROP(name) (drop_base + DHCP_DROP_##name)
#define DH_EVENT(name) (event_base + DHCP_EVENT_##name)

#define DH_POOLS_MAX 1024
#define DH_STATIC_MAX DHCP_STATIC_MAX
#define DH_LEASE_S_MIN DHCP_LEASE_S_MIN
#define DH_LEASE_S_MAX DHCP_LEASE_S_MAX
#define DH_PER_SRC_MAX 4          /* addresses one Ethernet source may hold in a bridge domain */
#define DH_PER_PORT_MAX 1024      /* ... the hosts behind one port, together */
#define DH_RATE_PER_S 10          /* requests answered per Ethernet source and second ... */
#define DH_RATE_BURST 20          /* ... above a burst of */
#define DH_RATE_SLOTS 1024
#define DH_SAVE_MS 250            /* the lease file written at most this often */
#define DH_EXHAUSTED_LOG_S 10
#define DH_HOPS_MAX 16
#define DH_LEASE_FILE "dhcp-leases.json"   /* in config.state_dir */

/* dhcp_pools: (vrf, bd) -> pool(first, last, router, dns1, dns2, lease_s) */
enum { DH_A_POOL, DH_A_NONE };
struct dh_pool_p { uint32_t first, last, router, dns1, dns2, lease_s; };
/* dhcp_static: (bd, mac) -> static(ip); dhcp_relay: (vrf, bd) -> relay(server) */
struct dh_static_p { uint32_t ip; };
struct dh_relay_p { uint32_t server; };

static const struct dp_table_def pools_def = {
	.name = DHCP_T_POOLS, .size = DH_POOLS_MAX, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "bd", DP_T_U16, DP_MATCH_EXACT, 4095 } },
	.n_actions = 2,
	.actions = {
		[DH_A_POOL] = { "pool", 6, { { "first", DP_T_IPV4 }, { "last", DP_T_IPV4 },
					     { "router", DP_T_IPV4, 0, true }, { "dns1", DP_T_IPV4, 0, true },
					     { "dns2", DP_T_IPV4, 0, true },
					     { "lease_s", DP_T_U32, DH_LEASE_S_MAX } } },
		[DH_A_NONE] = { "none", 0, {} },
	},
	.default_action = DH_A_NONE,
};
static const struct dp_table_def static_def = {
	.name = DHCP_T_STATIC, .size = DH_STATIC_MAX, .n_fields = 2,
	.fields = { { "bd", DP_T_U16, DP_MATCH_EXACT, 4095 }, { "mac", DP_T_MAC, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { [0] = { "static", 1, { { "ip", DP_T_IPV4 } } }, [1] = { "none", 0, {} } },
	.default_action = 1,
};
static const struct dp_table_def relay_def = {
	.name = DHCP_T_RELAY, .size = DH_POOLS_MAX, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "bd", DP_T_U16, DP_MATCH_EXACT, 4095 } },
	.n_actions = 2,
	.actions = { [0] = { "relay", 1, { { "server", DP_T_IPV4 } } }, [1] = { "none", 0, {} } },
	.default_action = 1,
};

static int t_pools = -1, t_static = -1, t_relay = -1;
static int bad_pool, bad_addr;   /* table.write's refusals */

static struct dh_leases leases;
static struct rte_mempool *pool_mp;
static char lease_file[4096];
static uint64_t last_save_tsc, last_sweep_tsc;
static struct { uint8_t mac[6]; uint64_t tat; } rate[DH_RATE_SLOTS];
static uint64_t exhausted_logged[4096];
static uint32_t reserved[DH_RESERVED_MAX];

static uint64_t
wall_s(void)
{
	return (uint64_t)time(NULL);
}

/* What the tables cannot say: a pool's first <= last, a lease of at least
 * a minute, unicast addresses. */
static void
dh_check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0 || u[i].type == DP_UPD_DELETE || u[i].type == DP_UPD_DEFAULT)
			continue;
		if (u[i].table == t_pools && u[i].action == DH_A_POOL) {
			const struct dh_pool_p *p = (const struct dh_pool_p *)u[i].params;

			if (rte_be_to_cpu_32(p->first) > rte_be_to_cpu_32(p->last) || p->lease_s < DH_LEASE_S_MIN)
				res[i] = bad_pool;
			else if (!dp_addr_ip4_unicast(p->first) || !dp_addr_ip4_unicast(p->last))
				res[i] = bad_addr;
		} else if ((u[i].table == t_static || u[i].table == t_relay) && u[i].action == 0) {
			uint32_t ip;

			memcpy(&ip, u[i].params, 4);
			if (!dp_addr_ip4_unicast(ip))
				res[i] = bad_addr;
		}
	}
}

/* ------------------------------------------------------------ lookups */

static const struct dp_entry *
find_vrf_bd(int table, uint16_t vrf, uint16_t bd)
{
	uint8_t key[DP_KEY_MAX] = { vrf >> 8, vrf & 0xff, bd >> 8, bd & 0xff };

	return dp_table_find((unsigned int)table, key);
}

static const struct sw_svi *
svi_of(uint16_t vrf, uint16_t bd)
{
	const struct dp_entry *e = find_vrf_bd(pl_sw.svi, vrf, bd);

	return e != NULL && e->action == 0 ? (const struct sw_svi *)e->params : NULL;
}

/* The static address of mac in bd (network order), or 0. */
static uint32_t
static_of(uint16_t bd, const uint8_t *mac)
{
	uint8_t key[DP_KEY_MAX] = { bd >> 8, bd & 0xff };
	const struct dp_entry *e;

	memcpy(key + 2, mac, 6);
	e = dp_table_find((unsigned int)t_static, key);
	return e != NULL && e->action == 0 ? ((const struct dh_static_p *)e->params)->ip : 0;
}

struct res_walk { uint16_t bd; const uint8_t *mac; unsigned int n; };

static int
res_one(const struct dp_entry_view *ev, void *arg)
{
	struct res_walk *w = arg;

	if (ev->action != 0 || (uint16_t)(ev->key[0] << 8 | ev->key[1]) != w->bd || memcmp(ev->key + 2, w->mac, 6) == 0)
		return 0;
	if (w->n == DH_RESERVED_MAX)
		return 1;
	reserved[w->n++] = ((const struct dh_static_p *)ev->params)->ip;
	return 0;
}

/* The static addresses of bd's other clients into reserved[]: their count. */
static unsigned int
reserved_of(uint16_t bd, const uint8_t *mac)
{
	struct res_walk w = { .bd = bd, .mac = mac };

	if (dp_table_entries((unsigned int)t_static) > 0)
		dp_table_each((unsigned int)t_static, res_one, &w);
	return w.n;
}

/* The pool of (vrf, bd) as the allocator takes it: the entry's range
 * within the SVI's subnet, without its network and broadcast addresses
 * (the SVI's own is skipped as the server's). False: no usable pool. */
static bool
pool_of(uint16_t vrf, uint16_t bd, const struct sw_svi *svi, struct dh_pool *p, const struct dh_pool_p **pp)
{
	const struct dp_entry *e = find_vrf_bd(t_pools, vrf, bd);
	uint32_t mask, net, lo, hi;

	if (e == NULL || e->action != DH_A_POOL)
		return false;
	*pp = (const struct dh_pool_p *)e->params;
	mask = svi->plen == 0 ? 0 : ~(UINT32_MAX >> svi->plen);
	net = rte_be_to_cpu_32(svi->ip) & mask;
	lo = RTE_MAX(rte_be_to_cpu_32((*pp)->first), svi->plen < 31 ? net + 1 : net);
	hi = RTE_MIN(rte_be_to_cpu_32((*pp)->last), svi->plen < 31 ? (net | ~mask) - 1 : (net | ~mask));
	*p = (struct dh_pool){ .vrf = vrf, .bd = bd, .first = lo, .last = hi, .server = svi->ip,
			       .lease_s = (*pp)->lease_s };
	return true;
}

/* May src ask once more now? (a GCRA per Ethernet source) */
static bool
rate_ok(const uint8_t *src)
{
	uint32_t h = rte_jhash(src, 6, 0) % DH_RATE_SLOTS;
	uint64_t now = rte_get_tsc_cycles(), iv = rte_get_tsc_hz() / DH_RATE_PER_S, tat;

	if (memcmp(rate[h].mac, src, 6) != 0) {
		memcpy(rate[h].mac, src, 6);
		rate[h].tat = 0;
	}
	tat = RTE_MAX(rate[h].tat, now);
	if (tat - now > iv * (DH_RATE_BURST - 1))
		return false;
	rate[h].tat = tat + iv;
	return true;
}

/* ------------------------------------------------------------ the wire */

/* The IPv4 and UDP headers of a datagram of len bytes from sip:sport to
 * dip:dport at ip (the UDP header after it; its checksum 0, for the
 * caller to sum once the payload is in). */
static void
udp4_header(struct rte_ipv4_hdr *ip, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport, uint16_t len)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(ip, 0, sizeof(*ip) + sizeof(*udp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
}

/* A datagram from sip:sport to dip:dport in a frame from smac to dmac,
 * tagged vid, out of port. 0 or -1 (counted). */
static int
send_udp(uint16_t port, uint16_t vid, const uint8_t *dmac, const uint8_t *smac, uint32_t sip, uint32_t dip,
	 uint16_t sport, uint16_t dport, const uint8_t *msg, uint16_t len)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *r;
	uint8_t *p;

	r = dp_slow_frame(pool_mp, dmac, smac, vid, RTE_ETHER_TYPE_IPV4, (uint16_t)(sizeof(*ip) + sizeof(*udp) + len),
			  &p);
	if (r == NULL)
		return -1;   /* the client asks again */
	ip = (struct rte_ipv4_hdr *)p;
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp4_header(ip, sip, dip, sport, dport, len);
	memcpy(udp + 1, msg, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return dp_slowpath_send(r, port);
}

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Where an answer to q goes (RFC 2131 4.1): to ciaddr when the client has
 * one (renewing, INFORM), broadcast when it asks for it or for a NAK, else
 * to yiaddr at chaddr. */
static void
answer_dest(const struct dh_msg *q, uint8_t type, uint32_t yiaddr, const uint8_t *src_mac, const uint8_t **dmac,
	    uint32_t *dip)
{
	if (type == DH_NAK || (q->ciaddr == 0 && (q->flags & DH_FLAG_BROADCAST))) {
		*dmac = bcast_mac;
		*dip = UINT32_MAX;
	} else if (q->ciaddr != 0) {
		*dmac = src_mac;
		*dip = q->ciaddr;
	} else {
		*dmac = q->chaddr;
		*dip = yiaddr;
	}
}

static unsigned int
answer(struct rte_mbuf *m, const struct dh_msg *q, const struct sw_svi *svi, const struct dh_answer *a)
{
	const struct dp_meta *md = dp_meta(m);
	const uint8_t *src = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes, *dmac;
	uint8_t buf[DH_MAX_LEN];
	uint32_t dip;
	int len = dh_build(buf, sizeof(buf), q, a);

	if (len < 0)
		return DH_DROP(malformed);
	answer_dest(q, a->type, a->yiaddr, src, &dmac, &dip);
	send_udp(md->in_port, sw_meta(m)->vid, dmac, svi->mac, svi->ip, dip, DH_SERVER_PORT, DH_CLIENT_PORT, buf,
		 (uint16_t)len);
	dp_slow_event(a->type == DH_OFFER ? DH_EVENT(offer) : a->type == DH_ACK ? DH_EVENT(ack) : DH_EVENT(nak));
	return 0;
}

static void
host_of(struct dh_lease *l, const struct dh_msg *q)
{
	unsigned int n = 0;

	for (unsigned int i = 0; q->hostname != NULL && i < q->hostname_len && n + 1 < sizeof(l->host); i++)
		if (q->hostname[i] >= 0x21 && q->hostname[i] < 0x7f)
			l->host[n++] = (char)q->hostname[i];
	if (q->hostname != NULL)
		l->host[n] = '\0';
}

static void
exhausted_log(uint16_t vrf, uint16_t bd)
{
	uint64_t now = wall_s();

	if (now - exhausted_logged[bd & 4095] < DH_EXHAUSTED_LOG_S)
		return;
	exhausted_logged[bd & 4095] = now;
	DP_LOG(WARNING, "dhcp: slice %u bd %u: the pool is exhausted (%u bound, %u offered): requests for new "
	       "addresses refused (dhcp.exhausted)", vrf, bd, dh_lease_count(&leases, DH_L_BOUND),
	       dh_lease_count(&leases, DH_L_OFFERED));
}

static unsigned int
refusal(int rc, uint16_t vrf, uint16_t bd)
{
	if (rc == -EDQUOT)
		return DH_DROP(client_limit);
	exhausted_log(vrf, bd);
	return DH_DROP(exhausted);
}

/* A request to the server of (vrf, bd). */
static unsigned int
serve(struct rte_mbuf *m, const struct dh_msg *q, uint16_t vrf, uint16_t bd, const struct sw_svi *svi)
{
	const struct dp_meta *md = dp_meta(m);
	const struct dh_pool_p *pp;
	struct dh_answer a = { .server_id = svi->ip };
	struct dh_client c = { .port = md->in_port };
	struct dh_pool p;
	struct dh_lease *l;
	uint32_t st, ip;
	unsigned int n_res;
	uint64_t now = wall_s();
	int rc;

	if (!pool_of(vrf, bd, svi, &p, &pp))
		return DH_DROP(no_pool);
	memcpy(c.mac, q->chaddr, 6);
	memcpy(c.src, rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes, 6);
	st = static_of(bd, c.mac);
	n_res = reserved_of(bd, c.mac);
	a.plen = svi->plen;
	a.router = pp->router;
	a.dns[0] = pp->dns1;
	a.dns[1] = pp->dns2;
	switch (q->type) {
	case DH_DISCOVER:
		rc = dh_lease_offer(&leases, &p, &c, q->has_req_ip ? q->req_ip : 0, st, reserved, n_res, now, &l);
		if (rc < 0)
			return refusal(rc, vrf, bd);
		host_of(l, q);
		a.type = DH_OFFER;
		a.yiaddr = l->ip;
		a.lease_s = p.lease_s;
		return answer(m, q, svi, &a);
	case DH_REQUEST:
		if (q->has_server_id && q->server_id != svi->ip) {
			/* the client took another server's offer: ours goes */
			if ((l = dh_lease_of(&leases, vrf, bd, c.mac)) != NULL && l->state == DH_L_OFFERED)
				dh_lease_release(&leases, vrf, bd, c.mac, l->ip);
			return DH_DROP(not_ours);
		}
		ip = q->has_req_ip ? q->req_ip : q->ciaddr;
		if (ip == 0)
			return DH_DROP(malformed);
		rc = dh_lease_request(&leases, &p, &c, ip, st, reserved, n_res, now, &l);
		if (rc == -EDQUOT || rc == -ENOSPC)
			return refusal(rc, vrf, bd);
		if (rc < 0) {
			a.type = DH_NAK;
			a.message = rc == -EADDRINUSE ? "address in use" : "address not yours";
			return answer(m, q, svi, &a);
		}
		host_of(l, q);
		a.type = DH_ACK;
		a.yiaddr = l->ip;
		a.lease_s = p.lease_s;
		return answer(m, q, svi, &a);
	case DH_RELEASE:
		if (dh_lease_release(&leases, vrf, bd, c.mac, q->ciaddr) < 0)
			return DH_DROP(unknown_lease);
		dp_slow_event(DH_EVENT(released));
		return 0;
	case DH_DECLINE:
		if (!q->has_req_ip || dh_lease_decline(&leases, vrf, bd, c.mac, q->req_ip, now) < 0)
			return DH_DROP(unknown_lease);
		DP_LOG(NOTICE, "dhcp: slice %u bd %u: %02x:%02x:%02x:%02x:%02x:%02x declined an address (in use on the "
		       "link): it rests %u s", vrf, bd, c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5],
		       DH_DECLINE_HOLD_S);
		dp_slow_event(DH_EVENT(declined));
		return 0;
	case DH_INFORM:
		if (q->ciaddr == 0)
			return DH_DROP(malformed);
		a.type = DH_ACK;   /* the options alone (RFC 2131 3.4): no lease, no yiaddr */
		return answer(m, q, svi, &a);
	default:   /* OFFER, ACK, NAK from a client: not a request */
		return DH_DROP(malformed);
	}
}

/* A request relayed to (vrf, bd)'s outside server: giaddr the SVI's
 * address (RFC 1542 4.1.1), routed in the slice from it. */
static unsigned int
relay_out(struct rte_mbuf *m, const uint8_t *msg, uint16_t len, const struct dh_msg *q, uint16_t vrf,
	  const struct sw_svi *svi, uint32_t server)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *r;
	struct dp_meta *rd;
	uint8_t *p;

	if (q->hops >= DH_HOPS_MAX)
		return DH_DROP(relay_hops);
	r = dp_slow_frame(pool_mp, bcast_mac, svi->mac, 0, RTE_ETHER_TYPE_IPV4,
			  (uint16_t)(sizeof(*ip) + sizeof(*udp) + len), &p);
	if (r == NULL)
		return DH_DROP(no_mbuf);
	ip = (struct rte_ipv4_hdr *)p;
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp4_header(ip, svi->ip, server, DH_SERVER_PORT, DH_SERVER_PORT, len);
	memcpy(udp + 1, msg, len);
	((uint8_t *)(udp + 1))[3] = (uint8_t)(q->hops + 1);
	if (q->giaddr == 0)
		memcpy((uint8_t *)(udp + 1) + 24, &svi->ip, 4);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	rd = dp_meta(r);
	memset(rd, 0, sizeof(*rd));
	rd->flags = DP_MF_IPV4 | DP_MF_L4;
	rd->slice = vrf;
	rd->l2_len = rd->l3_off = RTE_ETHER_HDR_LEN;
	rd->l4_off = RTE_ETHER_HDR_LEN + sizeof(*ip);
	rd->l4_proto = IPPROTO_UDP;
	rd->ttl = 64;
	rd->hash = rte_jhash(q->chaddr, 6, 0);
	rd->ethertype = RTE_ETHER_TYPE_IPV4;
	(void)m;
	if (pl_switch_route4(r) < 0)
		return DH_DROP(relay_no_route);
	dp_slow_event(DH_EVENT(relayed));
	return 0;
}

/* The bridge domain whose SVI in vrf has address ip (giaddr). */
struct giaddr_walk { uint16_t vrf, bd; uint32_t ip; };

static int
giaddr_one(const struct dp_entry_view *ev, void *arg)
{
	struct giaddr_walk *w = arg;

	if (ev->action != 0 || (uint16_t)(ev->key[0] << 8 | ev->key[1]) != w->vrf ||
	    ((const struct sw_svi *)ev->params)->ip != w->ip)
		return 0;
	w->bd = (uint16_t)(ev->key[2] << 8 | ev->key[3]);
	return 1;
}

/* A relayed server's answer (to giaddr, one of the box's SVIs in the
 * slice): to its client, out of the bridge domain of that SVI. */
static unsigned int
relay_back(const uint8_t *msg, uint16_t len, const struct dh_msg *q, uint16_t vrf)
{
	struct giaddr_walk w = { .vrf = vrf, .ip = q->giaddr };
	const struct dp_entry *e;
	const struct sw_svi *svi;
	const uint8_t *dmac;
	uint8_t frame[sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) + DH_MAX_LEN];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)frame;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t dip;
	uint16_t bd;

	if (dp_table_each((unsigned int)pl_sw.svi, giaddr_one, &w) != 1)
		return DH_DROP(relay_no_route);
	bd = w.bd;
	if ((svi = svi_of(vrf, bd)) == NULL)
		return DH_DROP(relay_no_route);
	e = find_vrf_bd(t_relay, vrf, bd);
	if (e == NULL || e->action != 0)
		return DH_DROP(reply_in);
	if (len > DH_MAX_LEN)
		return DH_DROP(malformed);
	answer_dest(q, q->type, q->yiaddr, q->chaddr, &dmac, &dip);
	udp4_header(ip, svi->ip, dip, DH_SERVER_PORT, DH_CLIENT_PORT, len);
	memcpy(udp + 1, msg, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	if (pl_switch_bd_out(pool_mp, bd, dmac, svi->mac, RTE_ETHER_TYPE_IPV4, frame,
			     (uint16_t)(sizeof(*ip) + sizeof(*udp) + len)) == 0)
		return DH_DROP(no_mbuf);
	dp_slow_event(DH_EVENT(relayed_back));
	return 0;
}

/* A datagram to UDP port 67 the switch heard in a bridge domain (main
 * lcore): 0 when taken (switch.consumed), else the drop reason. */
static unsigned int
dh_heard(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct sw_svi *svi;
	const struct dp_entry *e;
	const uint8_t *msg;
	struct dh_msg q;
	uint16_t vrf = md->slice, bd = sw_meta(m)->bd, ulen;
	uint32_t ihl_end;

	if (rte_pktmbuf_linearize(m) < 0 || !(md->flags & DP_MF_L4) || (md->flags & DP_MF_FRAG))
		return DH_DROP(udp_length);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, md->l4_off);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	ihl_end = md->l3_off + rte_be_to_cpu_16(ip->total_length);
	if (ulen < sizeof(*udp) || md->l4_off + (uint32_t)ulen > ihl_end || ihl_end > rte_pktmbuf_data_len(m) ||
	    (udp->dgram_cksum != 0 && rte_ipv4_udptcp_cksum_verify(ip, udp) != 0))
		return DH_DROP(udp_length);
	msg = (const uint8_t *)(udp + 1);
	ulen -= sizeof(*udp);
	if (dh_parse(msg, ulen, &q) != DH_OK)
		return DH_DROP(malformed);
	if (q.op == DH_OP_REPLY) {
		/* a server's answer to a relay of ours: sent to the SVI's address */
		if (rte_be_to_cpu_16(udp->src_port) != DH_SERVER_PORT || q.giaddr == 0)
			return DH_DROP(reply_in);
		return relay_back(msg, ulen, &q, vrf);
	}
	if (q.op != DH_OP_REQUEST)
		return DH_DROP(malformed);
	if (md->flags & DP_MF_DECAP)
		return DH_DROP(tunnelled);
	if (bd == SW_BD_NONE || (svi = svi_of(vrf, bd)) == NULL) {
		e = find_vrf_bd(t_pools, vrf, bd);
		return e != NULL && e->action == DH_A_POOL ? DH_DROP(no_svi) : DH_DROP(no_pool);
	}
	if (!rate_ok(rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes))
		return DH_DROP(rate_limit);
	e = find_vrf_bd(t_pools, vrf, bd);
	if (e != NULL && e->action == DH_A_POOL) {
		if (q.giaddr != 0)
			return DH_DROP(relayed_in);
		return serve(m, &q, vrf, bd, svi);
	}
	e = find_vrf_bd(t_relay, vrf, bd);
	if (e != NULL && e->action == 0)
		return relay_out(m, msg, ulen, &q, vrf, svi, ((const struct dh_relay_p *)e->params)->server);
	return DH_DROP(no_pool);
}

/* ------------------------------------------------------------ the lease file */

static void
save(void)
{
	char dir[sizeof(lease_file)], *slash;
	int rc;

	snprintf(dir, sizeof(dir), "%s", lease_file);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);   /* the unit's StateDirectory makes it; a test's or a hand-run one may not be there */
	}
	if ((rc = dh_lease_save(&leases, lease_file)) < 0) {
		DP_LOG(WARNING, "dhcp: lease file %s: %s (retried in a second)", lease_file, strerror(-rc));
		dp_slow_event(DH_EVENT(save_failed));
		last_save_tsc = rte_get_tsc_cycles() + rte_get_tsc_hz() - rte_get_tsc_hz() * DH_SAVE_MS / 1000;
		return;
	}
	dp_slow_event(DH_EVENT(saved));
}

static void
dh_poll(uint64_t now_tsc)
{
	uint64_t hz = rte_get_tsc_hz();

	if (now_tsc - last_sweep_tsc >= hz) {
		unsigned int n = dh_lease_expire(&leases, wall_s());

		last_sweep_tsc = now_tsc;
		for (; n > 0; n--)
			dp_slow_event(DH_EVENT(expired));
	}
	if (leases.dirty && now_tsc - last_save_tsc >= hz * DH_SAVE_MS / 1000) {
		last_save_tsc = now_tsc;
		save();
	}
	dh_ra_poll(now_tsc);
}

/* ------------------------------------------------------------ dhcp.leases */

static const struct dp_rpc_method leases_method = {
	.name = DHCP_M_LEASES,
	.description = "The DHCP server's leases: bound ones (kept in the lease file), offers pending and "
		       "declined addresses resting, with the file they are kept in",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "leases", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN,
						   .desc = "{file, leases: [{vrf, bd, mac, ip, state (offered, bound, "
							   "declined), expires (Unix s), remaining_s, port, static, host}]}" },
};

static int
m_leases(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	 struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *rows = json_array();
	uint64_t now = wall_s();

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		const struct dh_lease *l = &leases.l[i];
		char mac[18], ip[INET_ADDRSTRLEN];

		if (l->state == DH_L_FREE || l->expires <= now)
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2],
			 l->mac[3], l->mac[4], l->mac[5]);
		inet_ntop(AF_INET, &l->ip, ip, sizeof(ip));
		json_array_append_new(rows, json_pack("{s:i,s:i,s:s,s:s,s:s,s:I,s:I,s:i,s:b,s:s}", "vrf", l->vrf,
						      "bd", l->bd, "mac", mac, "ip", ip, "state",
						      dh_lstate_name[l->state & 3], "expires", (json_int_t)l->expires,
						      "remaining_s", (json_int_t)(l->expires - now), "port", l->port,
						      "static", l->is_static, "host", l->host));
	}
	*result = json_pack("{s:s,s:o}", "file", lease_file, "leases", rows);
	return 0;
}

/* ------------------------------------------------------------ the feature */

static int
dh_init(unsigned int workers __rte_unused)
{
	const struct dp_table_spec tables[] = {
		{ &pools_def, &t_pools, 0 }, { &static_def, &t_static, 0 }, { &relay_def, &t_relay, 0 },
	};
	const char *dir = dp_config_state_dir();
	int rc;

	if ((rc = dp_reasons_register(DHCP_drop_reasons, DHCP_DROP_N, DHCP_event_reasons, DHCP_EVENT_N, &drop_base,
				      &event_base)) < 0 ||
	    (rc = dp_feature_tables("dhcp", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(t_pools, DH_A_POOL, 5) != offsetof(struct dh_pool_p, lease_s) ||
	    dp_table_param_off(t_pools, DH_A_POOL, 2) != offsetof(struct dh_pool_p, router))
		return -EINVAL;
	bad_pool = dp_tblrpc_reason_add("bad_pool", "a DHCP pool needs first <= last and lease_s of at least 60");
	bad_addr = dp_tblrpc_reason_add("bad_address", "a DHCP address (pool bound, static lease, relay server) "
					"must be a unicast host address");
	if (bad_pool >= 0 || bad_addr >= 0 || (rc = dp_tblrpc_check_add(dh_check)) < 0)
		return bad_pool >= 0 || bad_addr >= 0 ? -ENOSPC : rc;
	pool_mp = rte_mempool_lookup(DP_MBUF_POOL_NAME);
	dh_leases_init(&leases, DH_PER_SRC_MAX, DH_PER_PORT_MAX);
	/* the core's state directory (config.state_dir), in a file of ours */
	if ((size_t)snprintf(lease_file, sizeof(lease_file), "%s/" DH_LEASE_FILE, dir) >= sizeof(lease_file))
		return -ENAMETOOLONG;
	rc = dh_lease_load(&leases, lease_file, wall_s());
	if (rc >= 0)
		DP_LOG(INFO, "dhcp: %d lease(s) read from %s", rc, lease_file);
	else if (rc != -ENOENT)
		DP_LOG(WARNING, "dhcp: lease file %s: %s: starting with no leases", lease_file, strerror(-rc));
	leases.dirty = false;
	last_save_tsc = last_sweep_tsc = rte_get_tsc_cycles();
	if ((rc = pl_switch_listen_udp(DH_SERVER_PORT, dh_heard)) < 0 ||
	    (rc = dp_rpc_register(&leases_method, m_leases, NULL, NULL)) < 0)
		return rc;
	return dh_ra_init(pool_mp, event_base + DHCP_EVENT_ra_sent);
}

/* sxdp stops: the leases are written once more (a takeover hands them
 * over instead: the new process writes them). */
static void
dh_fini(void)
{
	if (leases.dirty && !dp_handed_over)
		save();
}

static json_t *
dh_handover_out(void)
{
	return dh_lease_to_json(&leases);
}

static int
dh_handover_in(json_t *rows)
{
	int n;

	dh_leases_init(&leases, DH_PER_SRC_MAX, DH_PER_PORT_MAX);
	n = dh_lease_from_json(&leases, rows, wall_s());
	leases.dirty = n > 0;   /* this process's file from now on */
	return n < 0 ? -EINVAL : 0;
}

static const struct dp_feature dhcp_feature = {
	.name = "dhcp",
	.description = "DHCPv4 server and relay for the slices' bridge domains (dhcp_pools, dhcp_static, "
		       "dhcp_relay), SLAAC router advertisements",
	.needs = { "switch" },
	.init = dh_init,
	.ctl_poll = dh_poll,
	.fini = dh_fini,
	.handover_out = dh_handover_out,
	.handover_in = dh_handover_in,
	.always = true,
};
DP_FEATURE_REGISTER(dhcp_feature)
