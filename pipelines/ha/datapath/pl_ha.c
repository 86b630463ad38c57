/* SPDX-License-Identifier: BSD-3-Clause */
/* The ha feature in sxdp: a pair's VRRPv3 routers (ha_vrrp), one per entry
 * of the vrrp and vrrp6 tables (a slice's bridge domain and family), on
 * the main lcore. Their advertisements come from the switch (it hands
 * over what arrives for IP protocol 112 on a slice's link) and leave
 * through it; a router's state holds or releases the slice's gateway
 * there (pl_switch_held_set): the svi and the fdb "route" entry written
 * held answer and route only while the router is master. The election's
 * state is sxdp's own, never a table entry sxcd writes, so a control
 * plane that restarts or reconciles never fights it. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <arpa/inet.h>

#include "dp_feature.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_slow.h"
#include "dp_stage.h"
#include "dp_table.h"
#include "dp_tblrpc.h"
#include "ha_vrrp.h"
#include "sw_api.h"

#define DP_REASONS_DEF "pl_ha.def"
#define DP_REASONS_PREFIX HA
#include "dp_reasons.h"
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

static unsigned int drop_base, event_base;
#define HA_DROP(name) (drop_base + HA_DROP_##name)
#define HA_EVENT(name) (event_base + HA_EVENT_##name)

#define HA_ROUTERS_MAX 1024      /* vrrp + vrrp6 entries */
#define HOLD_S_MAX 3600

/* vrrp, vrrp6: (vrf, bd) -> router(vrid, prio, adv_cs, preempt, hold_s, self, peer, peer2?) */
enum { HA_A_ROUTER, HA_A_NONE };
struct ha_router_p {
	uint8_t vrid, prio;
	uint16_t adv_cs;
	uint8_t preempt;
	uint8_t pad;
	uint16_t hold_s;
	uint8_t self[16], peer[16];   /* IPv6's; IPv4's are 4 bytes each, at self (peer_of) */
};

/* The peer's address in an entry of the router's family. */
static inline const uint8_t *
peer_of(const struct ha_router_p *p, bool v6)
{
	return v6 ? p->peer : p->self + 4;
}

/* vrrp and vrrp6: one shape, an address type apart */
#define ROUTER_TABLE(tname, addr)										\
	{													\
		.name = tname, .size = HA_ROUTERS_MAX / 2, .n_fields = 2,					\
		.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "bd", DP_T_U16, DP_MATCH_EXACT, 4095 } },	\
		.n_actions = 2,											\
		.actions = {											\
			[HA_A_ROUTER] = { "router", 7, { { "vrid", DP_T_U8, 0 }, { "prio", DP_T_U8, 0 },	\
					{ "adv_cs", DP_T_U16, HA_VRRP_ADV_CS_MAX }, { "preempt", DP_T_U8, 1 },	\
					{ "hold_s", DP_T_U16, HOLD_S_MAX }, { "self", addr }, { "peer", addr } } }, \
			[HA_A_NONE] = { "none", 0, {} },							\
		},												\
		.default_action = HA_A_NONE,									\
	}
static const struct dp_table_def vrrp_def = ROUTER_TABLE("vrrp", DP_T_IPV4);
static const struct dp_table_def vrrp6_def = ROUTER_TABLE("vrrp6", DP_T_IPV6);

static int t_vrrp = -1, t_vrrp6 = -1;
static int bad_router, bad_self6;   /* table.write's refusals */

/* What the tables cannot say of a router: VRID, priority and interval
 * from 1; two ends that are unicast and not one; an IPv6 router's own
 * address link-local (RFC 5798 5.1.2.1: its advertisements' source). */
static void
ha_check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct ha_router_p *p = (const struct ha_router_p *)u[i].params;
		bool v6 = u[i].table == t_vrrp6;
		unsigned int al = v6 ? 16 : 4;

		if ((u[i].table != t_vrrp && !v6) || u[i].type == DP_UPD_DELETE || u[i].type == DP_UPD_DEFAULT ||
		    res[i] != 0 || u[i].action != HA_A_ROUTER)
			continue;
		if (p->vrid == 0 || p->prio == 0 || p->adv_cs == 0 || memcmp(p->self, peer_of(p, v6), al) == 0)
			res[i] = bad_router;
		else if (v6 && (p->self[0] != 0xfe || (p->self[1] & 0xc0) != 0x80))
			res[i] = bad_self6;
	}
}

struct ha_router {
	bool used, seen;
	bool lan_down;           /* no member port of its domain has a carrier: stopped (Init) */
	bool deferred;           /* its takeover held off by the witness (dp_feature_partner) */
	uint8_t prio;            /* as written; cfg.prio is the one in force (cut_by) */
	uint16_t slice, bd;
	uint64_t heard;          /* the last advertisement taken, ns */
	struct ha_vrrp v;
};
static struct ha_router routers[HA_ROUTERS_MAX];
static struct rte_mempool *pool;
/* The feature that has nowhere to carry the box's traffic off site (every
 * WAN path down: dp_feature_cut_off), NULL while none. Meanwhile every
 * router but an address owner's advertises priority 1: the other box of
 * the pair, which can carry it, preempts (the pair's default), and two
 * boxes both cut off keep the master they have. */
static const char *cut_by;
static const char LAN_FAULT[] = "a LAN of the box's routers";	/* cut_by when that is why */
static bool lan_fault_was;	/* a router's LAN had no carrier at the last poll */
static unsigned int n_routers;   /* in use (ha_sync) */
static bool stopped;             /* sxdp stops (ha_stopping): the routers said so, and stay so */
#define PRIO_CUT_OFF 1
static uint64_t ns_per_tsc_q32;   /* ns per TSC tick, 32.32 fixed point */

static uint64_t
now_ns(void)
{
	return (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() * ns_per_tsc_q32) >> 32);
}

static void
mapped(uint8_t *out, const uint8_t *a, bool v6)
{
	if (v6) {
		memcpy(out, a, 16);
		return;
	}
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

static struct ha_router *
router_of(uint16_t slice, uint16_t bd, bool v6)
{
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		if (routers[i].used && routers[i].slice == slice && routers[i].bd == bd && routers[i].v.cfg.v6 == v6)
			return &routers[i];
	return NULL;
}

/* ------------------------------------------------------------ the wire */

static const uint8_t group4[16] = { [10] = 0xff, [11] = 0xff, 224, 0, 0, 18 };
static const uint8_t group6[16] = { 0xff, 0x02, [15] = 0x12 };

/* Message msg (len bytes) from router r out of every member port of its
 * bridge domain: from the virtual MAC (RFC 5798 7.3), to the group. */
static void
send_msg(const struct ha_router *r, const uint8_t *msg, uint32_t len)
{
	static const uint8_t mac4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 };
	static const uint8_t mac6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x12 };
	uint8_t pkt[sizeof(struct rte_ipv6_hdr) + HA_VRRP_HLEN + HA_VRRP_ADDRS_MAX * 16], vmac[6];
	bool v6 = r->v.cfg.v6;
	uint16_t hl;

	ha_vrrp_mac(&r->v.cfg, vmac);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;

		hl = sizeof(*ip);
		memset(ip, 0, hl);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xc0u << 20);   /* class: network control */
		ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
		ip->proto = HA_VRRP_PROTO;
		ip->hop_limits = HA_VRRP_TTL;
		memcpy(ip->src_addr, r->v.cfg.self, 16);
		memcpy(ip->dst_addr, group6, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;

		hl = sizeof(*ip);
		memset(ip, 0, hl);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0xc0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + len));
		ip->time_to_live = HA_VRRP_TTL;
		ip->next_proto_id = HA_VRRP_PROTO;
		memcpy(&ip->src_addr, r->v.cfg.self + 12, 4);
		memcpy(&ip->dst_addr, group4 + 12, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	memcpy(pkt + hl, msg, len);
	for (unsigned int n = pl_switch_bd_out(pool, r->bd, v6 ? mac6 : mac4, vmac,
					       v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4, pkt,
					       (uint16_t)(hl + len)); n > 0; n--)
		dp_slow_event(HA_EVENT(vrrp_sent));
}

/* The box's role, what its peers hear (dp_role): active while it is
 * master of a router (or has none); else standby; fault when every
 * router's LAN has lost its carrier. */
static void
role_publish(void)
{
	bool any = false, master = false, lan = false;

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		if (routers[i].used) {
			any = true;
			master |= ha_vrrp_master(&routers[i].v);
			lan |= !routers[i].lan_down;
		}
	__atomic_store_n(&dp_role, !any || master ? DP_ROLE_ACTIVE : lan ? DP_ROLE_STANDBY : DP_ROLE_FAULT,
			 __ATOMIC_RELAXED);
}

/* An election holds bd's gateway while a router of either family is there. */
static void
elected_publish(uint16_t bd)
{
	bool any = false;

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		any |= routers[i].used && routers[i].bd == bd;
	pl_switch_held_elected(bd, any);
}

/* Router r's state became what it is: the gateway follows it. */
static void
follow(struct ha_router *r)
{
	bool master = ha_vrrp_master(&r->v);
	char who[INET6_ADDRSTRLEN] = "-";

	if (!master)
		inet_ntop(r->v.cfg.v6 ? AF_INET6 : AF_INET, r->v.cfg.v6 ? r->v.master_ip : r->v.master_ip + 12, who,
			  sizeof(who));
	DP_LOG(INFO, "ha: slice %u bd %u %s VRID %u: %s (priority %u; %s; last advertisement taken %.0f ms ago)",
	       r->slice, r->bd, r->v.cfg.v6 ? "IPv6" : "IPv4", r->v.cfg.vrid, ha_vrrp_state_name[r->v.state],
	       r->v.cfg.prio, master ? "the gateway is here" : who,
	       r->heard ? (double)(now_ns() - r->heard) / 1e6 : -1.0);

	pl_switch_held_set(r->slice, r->bd, r->v.cfg.v6, master);
	role_publish();
	dp_slow_event(master ? HA_EVENT(vrrp_master) : HA_EVENT(vrrp_backup));
}

static const unsigned int bad_drop[HA_VRRP_BAD_N] = {
	[HA_VRRP_BAD_TTL] = HA_DROP_vrrp_ttl, [HA_VRRP_BAD_LENGTH] = HA_DROP_vrrp_length,
	[HA_VRRP_BAD_VERSION] = HA_DROP_vrrp_version, [HA_VRRP_BAD_TYPE] = HA_DROP_vrrp_type,
	[HA_VRRP_BAD_CKSUM] = HA_DROP_vrrp_checksum, [HA_VRRP_BAD_INTERVAL] = HA_DROP_vrrp_interval,
	[HA_VRRP_BAD_SOURCE] = HA_DROP_vrrp_source, [HA_VRRP_BAD_ADDRS] = HA_DROP_vrrp_addresses,
};

/* An advertisement the switch heard on a slice's link (main lcore). */
static unsigned int
ha_heard(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	bool v6 = md->flags & DP_MF_IPV6, changed = false;
	uint8_t src[16], dst[16], ttl;
	const uint8_t *msg;
	uint32_t len, off;
	struct ha_router *r;
	enum ha_vrrp_bad bad;

	if (rte_pktmbuf_linearize(m) < 0)
		return HA_DROP(vrrp_length);
	if (v6) {
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, md->l3_off);

		if (ip->proto != HA_VRRP_PROTO)   /* RFC 5798 has no extension headers */
			return HA_DROP(vrrp_length);
		off = md->l3_off + (uint32_t)sizeof(*ip);
		len = rte_be_to_cpu_16(ip->payload_len);
		mapped(src, ip->src_addr, true);
		mapped(dst, ip->dst_addr, true);
		ttl = ip->hop_limits;
	} else {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
		uint32_t ihl = (ip->version_ihl & 0xf) * 4u;

		off = md->l3_off + ihl;
		len = rte_be_to_cpu_16(ip->total_length) - ihl;   /* the parser checked ihl <= total */
		mapped(src, (const uint8_t *)&ip->src_addr, false);
		mapped(dst, (const uint8_t *)&ip->dst_addr, false);
		ttl = ip->time_to_live;
	}
	if (off + len > rte_pktmbuf_data_len(m))
		return HA_DROP(vrrp_length);
	msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	if ((bad = ha_vrrp_check(msg, len, v6, src, dst, ttl)) != HA_VRRP_OK)
		return drop_base + bad_drop[bad];
	r = router_of(md->slice, sw_meta(m)->bd, v6);
	if (r == NULL || r->v.cfg.vrid != ((const struct ha_vrrp_hdr *)msg)->vrid)
		return HA_DROP(vrrp_no_router);
	if ((bad = ha_vrrp_recv(&r->v, msg, src, now_ns(), &changed)) != HA_VRRP_OK)
		return drop_base + bad_drop[bad];
	r->heard = now_ns();
	r->deferred = false;   /* the master heard again */
	dp_slow_event(HA_EVENT(vrrp_taken));
	if (changed)
		follow(r);
	return 0;
}

static void ha_sync(const struct dp_update *d, unsigned int n, const int *res);

/* The remote sites as the pair's witness (dp_feature_partner: the
 * overlay's probe answers say whether a peer site sees another box of
 * this site active).
 * - The tie-breaker of a pair that no longer hears itself (the LAN between
 *   the two boxes cut, both alive): a backup whose master went silent does
 *   not take over while a peer site sees the other box active. The box the
 *   remote sites reach keeps the gateway; the silent half of a cut LAN has
 *   none rather than a second one.
 * - A master gone for the remote sites too (dead, frozen, its LAN or WAN
 *   cut): the backup takes over after two advertisement intervals and the
 *   skew of silence instead of three (ha_vrrp_hasten).
 * With no peer site heard lately (none, or none reached), VRRP alone
 * decides. */
#define WITNESS_RECHECK_NS (10 * 1000000ull)
static void
witness(struct ha_router *r, uint64_t now, int partner)
{
	if (r->v.state != HA_VRRP_BACKUP) {
		r->deferred = false;
		return;
	}
	if (partner == DP_PARTNER_GONE && ha_vrrp_hasten(&r->v))
		dp_slow_event(HA_EVENT(takeover_hastened));
	if (!ha_vrrp_silence_due(&r->v, now))
		return;
	if (partner != DP_PARTNER_ACTIVE) {
		if (r->deferred)
			DP_LOG(NOTICE, "ha: slice %u bd %u %s VRID %u: no peer site sees the other box active now: "
			       "taking over", r->slice, r->bd, r->v.cfg.v6 ? "IPv6" : "IPv4", r->v.cfg.vrid);
		return;
	}
	if (!r->deferred) {
		DP_LOG(NOTICE, "ha: slice %u bd %u %s VRID %u: the master is silent here, but a peer site sees the "
		       "other box active: no takeover (the pair's link cut?)", r->slice, r->bd,
		       r->v.cfg.v6 ? "IPv6" : "IPv4", r->v.cfg.vrid);
		dp_slow_event(HA_EVENT(takeover_deferred));
		r->deferred = true;
	}
	ha_vrrp_defer(&r->v, now + WITNESS_RECHECK_NS);
}

/* Has router r's LAN a carrier on any member port of its domain? (A
 * domain with no member known: as if it had.) */
static bool
lan_up(const struct ha_router *r)
{
	uint32_t mask = pl_switch_bd_members(r->bd);

	if (mask == 0)
		return true;
	for (; mask != 0; mask &= mask - 1)
		if (dp_port_carrier((unsigned int)__builtin_ctz(mask)))
			return true;
	return false;
}

/* A router whose LAN lost its carrier stops (a master says priority 0, to
 * no one on that link, and lets the gateway go: the box is no longer its
 * peers' active one), keepalived's FAULT; back, it starts again as a new
 * router does (backup, with its hold-down before it preempts). */
static void router_stop_msg(struct ha_router *r);
static void
lan_watch(struct ha_router *r, uint64_t now)
{
	bool up = lan_up(r);
	struct ha_vrrp_stats st;
	struct ha_vrrp_cfg c;

	if (up != r->lan_down)
		return;
	r->lan_down = !up;
	DP_LOG(NOTICE, "ha: slice %u bd %u %s VRID %u: LAN %s", r->slice, r->bd, r->v.cfg.v6 ? "IPv6" : "IPv4",
	       r->v.cfg.vrid, up ? "carrier back: the router starts again" : "has no carrier: the router stops");
	dp_slow_event(up ? HA_EVENT(lan_up) : HA_EVENT(lan_down));
	if (!up) {
		router_stop_msg(r);
		follow(r);
		return;
	}
	st = r->v.st;
	c = r->v.cfg;   /* ha_vrrp_start clears the router, its cfg with it */
	ha_vrrp_start(&r->v, &c, now);
	r->v.st = st;
	if (ha_vrrp_master(&r->v))
		follow(r);
}

/* Every router's timers: masters advertise, silent masters are taken over;
 * a box cut off, or no more, sets its routers' priority in force. */
static void
ha_poll(uint64_t now_tsc __rte_unused)
{
	uint8_t msg[HA_VRRP_HLEN + HA_VRRP_ADDRS_MAX * 16];
	uint64_t now = now_ns();
	const char *cut = n_routers != 0 ? dp_feature_cut_off() : NULL;
	/* what the peer sites say, once a poll for every router */
	int partner = n_routers != 0 ? dp_feature_partner() : DP_PARTNER_UNKNOWN;

	if (stopped)
		return;
	/* one router's LAN without carrier: the box's other routers yield too
	 * (keepalived's sync group), so that a slice's gateway and the UPF's
	 * N3 address, or two gateways a flow crosses, never end on two boxes */
	bool lan_fault = false;

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		lan_fault |= routers[i].used && routers[i].lan_down;
	if (cut == NULL && lan_fault)
		cut = LAN_FAULT;
	if (lan_fault_was && !lan_fault) {
		/* every LAN back: the box converges before it takes anything
		 * back, its routers together (the longest hold-down of them) */
		uint64_t hold = 0;

		for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
			if (routers[i].used && routers[i].v.cfg.hold_ms > hold)
				hold = routers[i].v.cfg.hold_ms;
		for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
			if (routers[i].used)
				ha_vrrp_hold(&routers[i].v, now + hold * 1000000ull);
	}
	lan_fault_was = lan_fault;
	if (cut != cut_by) {
		if (cut == LAN_FAULT)
			DP_LOG(NOTICE, "ha: %s has no carrier: the others advertise priority %u, the pair's other box "
			       "takes them over too", cut, PRIO_CUT_OFF);
		else if (cut != NULL)
			DP_LOG(NOTICE, "ha: %s has no path off site: the routers advertise priority %u, the pair's "
			       "other box takes over", cut, PRIO_CUT_OFF);
		else if (cut_by == LAN_FAULT)
			DP_LOG(NOTICE, "ha: every LAN of the box's routers has its carrier again: their own priorities, "
			       "preempting after the hold-down");
		else
			DP_LOG(NOTICE, "ha: %s has a path off site again: the routers' own priorities", cut_by);
		cut_by = cut;
		dp_slow_event(cut != NULL ? HA_EVENT(cut_off) : HA_EVENT(cut_off_over));
		ha_sync(NULL, 0, NULL);
	}

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++) {
		struct ha_router *r = &routers[i];
		uint32_t len;

		if (!r->used)
			continue;
		lan_watch(r, now);
		if (r->lan_down)
			continue;
		witness(r, now, partner);
		if (ha_vrrp_judge(&r->v, now))
			follow(r);
		if ((len = ha_vrrp_due(&r->v, now, r->v.cfg.v6 ? group6 : group4, msg)) > 0)
			send_msg(r, msg, len);
	}
}

/* ------------------------------------------------------ the routers' config */

/* A router's settings from its entry and its gateway's SVI: the virtual
 * addresses are the SVI's (IPv6: the link-local one of the virtual MAC
 * first, as RFC 5798 5.2.9 asks, then the SVI6's). False while the SVI
 * is missing: the router waits for it. */
static bool
cfg_of(struct ha_vrrp_cfg *c, uint16_t slice, uint16_t bd, bool v6, const struct ha_router_p *p)
{
	uint8_t key[DP_KEY_MAX] = { slice >> 8, slice & 0xff, bd >> 8, bd & 0xff };
	const struct dp_entry *svi = dp_table_find(v6 ? pl_sw.svi6 : pl_sw.svi, key);
	uint8_t vmac[6];

	if (svi == NULL || svi->action != 0)
		return false;
	*c = (struct ha_vrrp_cfg){ .vrid = p->vrid, .adv_cs = p->adv_cs, .preempt = p->preempt,
				   .hold_ms = p->hold_s * 1000u, .v6 = v6, .n_peers = 1,
				   .prio = cut_by != NULL && p->prio != HA_VRRP_PRIO_OWNER ? PRIO_CUT_OFF : p->prio };
	mapped(c->self, p->self, v6);
	mapped(c->peers[0], peer_of(p, v6), v6);
	if (v6) {
		const struct sw_svi6 *s = (const struct sw_svi6 *)svi->params;

		ha_vrrp_mac(c, vmac);
		c->addr[0][0] = 0xfe;
		c->addr[0][1] = 0x80;
		c->addr[0][8] = vmac[0] ^ 0x02;   /* EUI-64 (RFC 4291 2.5.1) */
		c->addr[0][9] = vmac[1];
		c->addr[0][10] = vmac[2];
		c->addr[0][11] = 0xff;
		c->addr[0][12] = 0xfe;
		memcpy(&c->addr[0][13], vmac + 3, 3);
		memcpy(c->addr[1], s->ip, 16);
		c->n_addr = 2;
	} else {
		mapped(c->addr[0], (const uint8_t *)&((const struct sw_svi *)svi->params)->ip, false);
		c->n_addr = 1;
	}
	return true;
}

static int
sync_one(const struct dp_entry_view *ev, void *arg)
{
	bool v6 = *(const bool *)arg;
	uint16_t slice = (uint16_t)(ev->key[0] << 8 | ev->key[1]), bd = (uint16_t)(ev->key[2] << 8 | ev->key[3]);
	const struct ha_router_p *p = (const struct ha_router_p *)ev->params;
	struct ha_router *r = router_of(slice, bd, v6);
	struct ha_vrrp_cfg c;
	bool was;

	if (ev->action != HA_A_ROUTER || !cfg_of(&c, slice, bd, v6, p))
		return 0;
	if (r == NULL) {
		for (unsigned int i = 0; i < HA_ROUTERS_MAX && r == NULL; i++)
			if (!routers[i].used)
				r = &routers[i];
		if (r == NULL)
			return 0;
		*r = (struct ha_router){ .used = true, .slice = slice, .bd = bd };
		ha_vrrp_start(&r->v, &c, now_ns());
		pl_switch_held_set(slice, bd, v6, false);
		pl_switch_held_elected(bd, true);
		if (ha_vrrp_master(&r->v))
			follow(r);
	} else if (r->lan_down) {
		r->v.cfg = c;   /* taken when the LAN is back */
	} else {
		was = ha_vrrp_master(&r->v);
		ha_vrrp_reconfig(&r->v, &c, now_ns());
		if (was != ha_vrrp_master(&r->v))
			follow(r);
	}
	r->prio = p->prio;
	r->seen = true;
	return 0;
}

/* Router r stops (Init): a master says so (priority 0). */
static void
router_stop_msg(struct ha_router *r)
{
	uint8_t msg[HA_VRRP_HLEN + HA_VRRP_ADDRS_MAX * 16];
	uint32_t len = ha_vrrp_stop(&r->v, now_ns(), r->v.cfg.v6 ? group6 : group4, msg);

	if (len > 0)
		send_msg(r, msg, len);
}

/* A router that goes: it stops and lets the gateway go. */
static void
router_stop(struct ha_router *r)
{
	router_stop_msg(r);
	pl_switch_held_set(r->slice, r->bd, r->v.cfg.v6, false);
	r->used = false;
	elected_publish(r->bd);
}

/* After any write to the routers or the SVIs: each entry's router started
 * or set anew, those whose entry (or SVI) is gone stopped. */
static void
ha_sync(const struct dp_update *d __rte_unused, unsigned int n __rte_unused, const int *res __rte_unused)
{
	bool v6;

	if (stopped)
		return;   /* a write while sxdp stops starts no router again */
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		routers[i].seen = false;
	v6 = false;
	dp_table_each((unsigned int)t_vrrp, sync_one, &v6);
	v6 = true;
	dp_table_each((unsigned int)t_vrrp6, sync_one, &v6);
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		if (routers[i].used && !routers[i].seen)
			router_stop(&routers[i]);
	n_routers = 0;
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		n_routers += routers[i].used;
	role_publish();
}

static struct dp_table_deriver sync_watch = { .done = ha_sync };

/* ------------------------------------------------------------ ha.vrrp */

static const struct dp_schema_field router_row = {
	.name = "router", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
	.desc = "{vrf, bd, family, vrid, state, lan_down (no carrier on its LAN: stopped), deferred (a silent "
		"master not taken over: a peer site sees the other box active), priority (as "
		"written), priority_in_force, cut_off (the "
		"feature with no path off site, or null), master, master_adv_cs, since_s, tx, rx, stops_rx, "
		"masters, backups, refused: {reason: count}}",
};

static const struct dp_rpc_method vrrp_method = {
	.name = "ha.vrrp",
	.description = "Every VRRP router of the box (one per slice gateway and family): its state, whose "
		       "advertisements keep it backup, and what it sent, took and refused",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "routers", .type = DP_SCHEMA_ARRAY, .items = &router_row },
};

static json_t *
addr_json(const uint8_t *a, bool v6)
{
	char s[INET6_ADDRSTRLEN];

	return json_string(inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? a : a + 12, s, sizeof(s)));
}

/* Who is master: the box itself, the peer it hears, or nobody known yet. */
static json_t *
master_json(const struct ha_vrrp *v)
{
	static const uint8_t none[16];

	if (v->state == HA_VRRP_MASTER)
		return addr_json(v->cfg.self, v->cfg.v6);
	if (v->state == HA_VRRP_BACKUP && memcmp(v->master_ip, none, 16) != 0)
		return addr_json(v->master_ip, v->cfg.v6);
	return json_null();
}

static int
m_vrrp(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *rows = json_array();
	uint64_t now = now_ns();

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++) {
		const struct ha_router *r = &routers[i];
		const struct ha_vrrp_stats *st = &r->v.st;
		json_t *bad = json_object();

		if (!r->used) {
			json_decref(bad);
			continue;
		}
		for (unsigned int b = 1; b < HA_VRRP_BAD_N; b++)
			if (st->bad[b] != 0)
				json_object_set_new(bad, ha_vrrp_bad_name[b], json_integer((json_int_t)st->bad[b]));
		json_array_append_new(rows, json_pack(
			"{s:i,s:i,s:s,s:i,s:s,s:b,s:b,s:i,s:i,s:o,s:o,s:i,s:f,s:I,s:I,s:I,s:i,s:i,s:o}", "vrf", r->slice,
			"bd", r->bd, "family", r->v.cfg.v6 ? "ipv6" : "ipv4", "vrid", r->v.cfg.vrid,
			"state", ha_vrrp_state_name[r->v.state], "lan_down", r->lan_down, "deferred", r->deferred,
			"priority", r->prio,
			"priority_in_force", r->v.cfg.prio, "cut_off", cut_by != NULL ? json_string(cut_by) : json_null(),
			"master", master_json(&r->v),
			"master_adv_cs", r->v.master_adv_cs, "since_s", (double)(now - r->v.changed) / 1e9,
			"tx", (json_int_t)st->tx, "rx", (json_int_t)st->rx, "stops_rx", (json_int_t)st->stops_rx,
			"masters", (int)st->masters, "backups", (int)st->backups, "refused", bad));
	}
	*result = rows;
	return 0;
}

static const struct dp_rpc_method role_method = {
	.name = "ha.role",
	.description = "The box's role in its pair as its peer sites hear it (active, standby, fault), what they "
		       "say of the pair's other box (unknown, active, gone), and the feature with no path off site",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "role", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
						   .desc = "{role, partner, cut_off, routers}" },
};

static int
m_role(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	static const char *const role[] = { "active", "standby", "fault" }, *const partner[] = { "unknown", "active",
												  "gone" };

	*result = json_pack("{s:s,s:s,s:o,s:i}", "role", role[dp_role_get() % 3],
			    "partner", partner[dp_feature_partner() % 3],
			    "cut_off", cut_by != NULL ? json_string(cut_by) : json_null(), "routers", (int)n_routers);
	return 0;
}

/* ------------------------------------------------------------ the feature */

static int
ha_init(unsigned int workers __rte_unused)
{
	const struct dp_table_spec tables[] = {
		{ &vrrp_def, &t_vrrp, 0 }, { &vrrp6_def, &t_vrrp6, 0 },
	};
	int rc;

	if ((rc = dp_reasons_register(HA_drop_reasons, HA_DROP_N, HA_event_reasons, HA_EVENT_N, &drop_base,
				      &event_base)) < 0 ||
	    (rc = dp_feature_tables("ha", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(t_vrrp6, HA_A_ROUTER, 5) != offsetof(struct ha_router_p, self) ||
	    dp_table_param_off(t_vrrp6, HA_A_ROUTER, 6) != offsetof(struct ha_router_p, peer) ||
	    dp_table_param_off(t_vrrp, HA_A_ROUTER, 4) != offsetof(struct ha_router_p, hold_s) ||
	    dp_table_param_off(t_vrrp, HA_A_ROUTER, 5) != offsetof(struct ha_router_p, self) ||
	    dp_table_param_off(t_vrrp, HA_A_ROUTER, 6) != offsetof(struct ha_router_p, self) + 4)
		return -EINVAL;
	bad_router = dp_tblrpc_reason_add("bad_router", "a VRRP router needs vrid, prio and adv_cs from 1, and "
					  "a peer that is not itself");
	bad_self6 = dp_tblrpc_reason_add("self_not_link_local", "an IPv6 VRRP router advertises from its "
					 "link-local address (RFC 5798 5.1.2.1)");
	if (bad_router >= 0 || bad_self6 >= 0 || (rc = dp_tblrpc_check_add(ha_check)) < 0)
		return bad_router >= 0 || bad_self6 >= 0 ? -ENOSPC : rc;
	ns_per_tsc_q32 = (uint64_t)(((unsigned __int128)1000000000u << 32) / rte_get_tsc_hz());
	pool = rte_mempool_lookup(DP_MBUF_POOL_NAME);
	memset(routers, 0, sizeof(routers));
	/* told of every write to the routers or the gateways' SVIs */
	sync_watch.sources = 1ull << t_vrrp | 1ull << t_vrrp6 | 1ull << pl_sw.svi | 1ull << pl_sw.svi6;
	if ((rc = pl_switch_listen(HA_VRRP_PROTO, ha_heard)) < 0 || (rc = dp_table_deriver_add(&sync_watch)) < 0)
		return rc;
	if ((rc = dp_rpc_register(&vrrp_method, m_vrrp, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&role_method, m_role, NULL, NULL);
}

/* sxdp asked to stop, its workers still forwarding: every master says so
 * (priority 0: its backup takes over within its Skew_Time instead of
 * three advertisements) and lets its gateway go, and the box tells its
 * peer sites it is in fault (its probe answers), so they turn to the
 * other box's paths at their next probe instead of their detection time.
 * The workers go on for a probe interval and more, for them to hear it:
 * a package upgrade or a unit's restart costs the pair about one skew. */
#define STOPPING_MS 120
static unsigned int
ha_stopping(void)
{
	if (n_routers == 0)
		return 0;
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++)
		if (routers[i].used) {
			router_stop_msg(&routers[i]);
			pl_switch_held_set(routers[i].slice, routers[i].bd, routers[i].v.cfg.v6, false);
		}
	stopped = true;   /* nothing starts them again */
	__atomic_store_n(&dp_role, DP_ROLE_FAULT, __ATOMIC_RELAXED);
	DP_LOG(NOTICE, "ha: stopping: the routers said priority 0, the peer sites hear the box in fault");
	return STOPPING_MS;
}

/* sxdp stops: its masters say so, and their backups take over within
 * their Skew_Time instead of three advertisements (ha_stopping did, with
 * the workers still there). Handed over to a new sxdp, they say nothing:
 * the new one goes on as they were. */
static void
ha_fini(void)
{
	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++) {
		if (routers[i].used && dp_handed_over)
			routers[i].used = false;
		else if (routers[i].used)
			router_stop(&routers[i]);
	}
}

/* A takeover: each router's state, and whose advertisements keep it backup. */
static json_t *
ha_handover_out(void)
{
	json_t *rows = json_array();

	for (unsigned int i = 0; i < HA_ROUTERS_MAX; i++) {
		const struct ha_router *r = &routers[i];

		if (r->used)
			json_array_append_new(rows, json_pack("{s:i,s:i,s:b,s:i,s:i,s:o}", "vrf", r->slice, "bd", r->bd,
							      "v6", r->v.cfg.v6, "state", r->v.state, "master_adv_cs",
							      r->v.master_adv_cs, "master",
							      addr_json(r->v.master_ip, true)));
	}
	return rows;
}

static int
ha_handover_in(json_t *rows)
{
	uint64_t now = now_ns();
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		struct ha_router *r = router_of((uint16_t)json_integer_value(json_object_get(row, "vrf")),
						(uint16_t)json_integer_value(json_object_get(row, "bd")),
						json_is_true(json_object_get(row, "v6")));
		uint8_t ip[16] = {0};
		bool was;

		if (r == NULL)
			continue;
		inet_pton(AF_INET6, json_string_value(json_object_get(row, "master")) ?: "::", ip);
		was = ha_vrrp_master(&r->v);
		ha_vrrp_resume(&r->v, (uint8_t)json_integer_value(json_object_get(row, "state")),
			       (uint16_t)json_integer_value(json_object_get(row, "master_adv_cs")), ip, now);
		if (was != ha_vrrp_master(&r->v))
			follow(r);
	}
	role_publish();
	return 0;
}

static const struct dp_feature ha_feature = {
	.name = "ha",
	.description = "a pair of boxes: VRRPv3 for the slices' gateways (vrrp, vrrp6)",
	.needs = { "switch" },
	.init = ha_init,
	.ctl_poll = ha_poll,
	.stopping = ha_stopping,
	.fini = ha_fini,
	.handover_out = ha_handover_out,
	.handover_in = ha_handover_in,
	.always = true,
};
DP_FEATURE_REGISTER(ha_feature)
