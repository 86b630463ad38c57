/* The switch's routed-port fused path in the autovalidator: stage
 * "switch.routed" is what switch.ingress then switch.l3 leave (L3's edges
 * as ingress's SW_IN_EDGE_L3_*, as sw_fast.c's run-time check maps them),
 * by the general path (pl_switch_ingress_general, then pl_switch_l3_burst
 * on what goes to L3) and by the fused one (pl_switch_fast_routed, the
 * general path when it declines, as pl_switch_ingress_burst does). The
 * real qos and switch features are set up as sxdp would (their init), on
 * four ports with tables written here: routed ports into three VRFs with
 * routes of every action, resolved, unresolved and VLAN next hops, a small
 * MTU, attached and unknown interfaces; no qos classes; meters on some
 * routed interfaces, one that passes all and one that drops all (its
 * buckets shallower than any frame: the two paths' answers do not hang on
 * the buckets the other left). Beside the packets, each burst's table hit
 * counts must agree, and the fused path must have taken bursts (a check
 * that never runs is no check). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>

#include "autoval.h"
#include "dp_log.h"
#include "dp_feature.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "sw_state.h"
#include "sw_fast.h"
#include "sw_ingress.h"
#include "sw_l3.h"

/* the routed ports' MAC: what tests/unit/autoval_frames.pcap's frames go to */
static const struct rte_ether_addr rmac = { { 0x02, 0, 0, 0, 0, 0x02 } };

/* the tables a burst counts hits in: what the two paths must count alike */
static struct av_counts cnt = { .stage = "switch.routed", .n = 5,
				 .name = { "interfaces", "routes", "nexthops", "neigh", "meter_profiles" } };

static unsigned int impl_cur;
static struct av_tally tally = { .stage = "switch.routed", .need = 0 };

/* ------------------------------------------------------------ set-up */

static struct dp_update
iface(uint16_t port, uint16_t vid, uint16_t action, uint16_t slice, uint16_t bd, uint32_t meter)
{
	const struct sw_attach a = { .slice = slice, .bd = bd, .meter = meter };
	struct dp_update u = av_update(pl_sw.interfaces, action, &a, action == SW_IF_DROP ? 0 : sizeof(a));

	sw_key_store(u.key, (uint64_t)rte_cpu_to_be_16(port) | (uint64_t)rte_cpu_to_be_16(vid) << 16);
	return u;
}

static struct dp_update
route(uint16_t vrf, const char *dst, uint8_t plen, uint16_t action, const void *params, size_t len)
{
	struct dp_update u = av_update(pl_sw.routes, action, params, len);

	pl_switch_key_vrf_ip(u.key, vrf, av_ip4(dst));
	u.plen = plen;
	return u;
}

static struct dp_update
neigh(uint16_t vrf, const char *ip, uint16_t port, uint16_t vlan, uint8_t dlast)
{
	struct sw_rewrite rw = { .port = port, .vlan = vlan, .dmac = { 0x02, 0, 0, 0, 0x0a, dlast } };
	struct dp_update u = av_update(pl_sw.neigh, SW_NB_REWRITE, &rw, sizeof(rw));

	memcpy(rw.smac, &dp_ports[port].mac, 6);
	memcpy(u.params, &rw, sizeof(rw));
	pl_switch_key_vrf_ip(u.key, vrf, av_ip4(ip));
	return u;
}

static int
write_all(struct dp_update *u, unsigned int n)
{
	int res[64];

	if (n > RTE_DIM(res) || dp_table_write(u, n, DP_ATOM_CONTINUE, res) != 0) {
		for (unsigned int i = 0; i < n && i < RTE_DIM(res); i++)
			if (res[i] != 0)
				fprintf(stderr, "autoval: switch.routed: table %u update %u: %s\n", u[i].table, i,
					strerror(-res[i]));
		return -EINVAL;
	}
	return 0;
}

/* The interfaces' meters (ids other stages leave alone): 11 never runs
 * out, 12 never has a frame's worth (red, dropped). */
static const char *const meters[] = { AV_METER_PASS_ALL(11), AV_METER_DROP_ALL(12) };

static int
setup(void)
{
	const struct sw_via via2 = { av_ip4("192.168.0.2") }, via3 = { av_ip4("192.168.0.3") },
			    via5 = { av_ip4("192.168.0.5") }, via9 = { av_ip4("192.168.0.9") },
			    v2nh = { av_ip4("172.16.0.2") };
	const struct sw_ecmp ecmp = { .n = 2, .nh = { av_ip4("192.168.0.2"), av_ip4("192.168.0.4") } };
	const struct sw_ecmp ecmp3 = { .n = 3, .nh = { av_ip4("192.168.0.2"), av_ip4("192.168.0.3"), av_ip4("192.168.0.5") } };
	const struct sw_connected conn = { .bd = 100 };
	const struct sw_rt_tunnel tun = { .tunnel = 7 };
	struct sw_svi svi = { .ip = av_ip4("192.168.0.1"), .plen = 24 };
	struct dp_update u[64];
	unsigned int n = 0;
	int rc;

	static const char *const features[] = { "qos", "switch" };

	if (av_features(features, RTE_DIM(features)) != 0)
		return -1;
	cnt.table[0] = pl_sw.interfaces;
	cnt.table[1] = pl_sw.routes;
	cnt.table[2] = pl_sw.nexthops;
	cnt.table[3] = pl_sw.neigh;
	cnt.table[4] = dp_table_by_name("meter_profiles");
	if (av_table_write("switch.routed", meters, RTE_DIM(meters)) != 0)
		return -1;
	/* what rx leaves: the parser's general path (its implementations
	 * agree: the parse stage says so) */
	if (dp_parse_impl_set(DP_PARSE_GENERAL) != 0)
		return -1;
	/* the ports share the router's MAC (the frames'); 3's MTU is small */
	dp_n_ports = 4;
	for (uint16_t p = 0; p < 4; p++) {
		dp_ports[p].index = p;
		dp_ports[p].port_id = p;
		dp_ports[p].mac = rmac;
		dp_ports[p].mtu = p == 3 ? 576 : 1500;
		dp_ports[p].admin_up = true;
	}
	/* a stage before this one may have written interfaces */
	dp_table_clear((unsigned int)pl_sw.interfaces, NULL);
	/* interfaces of the frames' VLANs (none, 10, 4094, QinQ's outer 100)
	 * on the 4 ports: mostly routed (VRFs 1 and 2, and 3 without routes),
	 * some attached (a bridge domain: the general path alone, learning),
	 * dropped, and none */
	u[n++] = iface(0, 0, SW_IF_ROUTED, 1, 100, 0);
	u[n++] = iface(0, 10, SW_IF_ROUTED, 1, 110, 11);
	u[n++] = iface(0, 100, SW_IF_ROUTED, 1, 140, 0);
	u[n++] = iface(0, 4094, SW_IF_ATTACH, 1, 5, 0);
	u[n++] = iface(1, 0, SW_IF_ROUTED, 2, 200, 11);
	u[n++] = iface(1, 10, SW_IF_ROUTED, 2, 210, 0);
	u[n++] = iface(1, 100, SW_IF_ROUTED, 1, 120, 0);
	u[n++] = iface(1, 4094, SW_IF_ROUTED, 2, 220, 0);
	u[n++] = iface(2, 0, SW_IF_ATTACH, 1, 5, 0);
	u[n++] = iface(2, 10, SW_IF_ROUTED, 1, 130, 0);
	u[n++] = iface(2, 100, SW_IF_ROUTED, 3, 310, 0);
	u[n++] = iface(2, 4094, SW_IF_ROUTED, 1, 150, 12);
	u[n++] = iface(3, 0, SW_IF_ROUTED, 3, 300, 0);
	u[n++] = iface(3, 10, SW_IF_DROP, 0, 0, 0);
	u[n++] = iface(3, 4094, SW_IF_ROUTED, 1, 160, 0);
	/* (0, 10) and (1, 0) metered by 11, which passes everything, (2,
	 * 4094) by 12, which drops everything */
	/* the routed port's addresses (ARP for them, connected) */
	memcpy(svi.mac, &rmac, 6);
	u[n] = av_update(pl_sw.svi, 0, &svi, sizeof(svi));
	pl_switch_key_bd(u[n].key, 100);
	*(rte_be16_t *)u[n].key = rte_cpu_to_be_16(1);
	*(rte_be16_t *)(u[n++].key + 2) = rte_cpu_to_be_16(100);
	/* neighbours: on port 2, untagged and VLAN 20 (a push), on port 3
	 * (MTU 576); 192.168.0.4 and .9 unresolved */
	u[n++] = neigh(1, "192.168.0.2", 2, 0, 2);
	u[n++] = neigh(1, "192.168.0.3", 2, 20, 3);
	u[n++] = neigh(1, "192.168.0.5", 3, 0, 5);
	u[n++] = neigh(2, "172.16.0.2", 0, 10, 0x12);
	if ((rc = write_all(u, n)) != 0)
		return rc;
	n = 0;
	/* VRF 1: every action; VRF 2: a default route; VRF 3: none */
	u[n++] = route(1, "10.0.1.0", 24, SW_RT_VIA, &via2, sizeof(via2));
	u[n++] = route(1, "10.0.2.0", 24, SW_RT_VIA, &via3, sizeof(via3));
	u[n++] = route(1, "10.0.3.0", 24, SW_RT_ECMP, &ecmp, sizeof(ecmp));
	u[n++] = route(1, "10.0.4.0", 24, SW_RT_VIA, &via5, sizeof(via5));
	u[n++] = route(1, "10.0.5.0", 24, SW_RT_DROP, NULL, 0);
	u[n++] = route(1, "10.0.6.0", 24, SW_RT_LOCAL, NULL, 0);
	u[n++] = route(1, "10.0.7.0", 24, SW_RT_UNREACHABLE, NULL, 0);
	u[n++] = route(1, "10.0.8.0", 24, SW_RT_VIA, &via9, sizeof(via9));
	u[n++] = route(1, "10.0.9.0", 24, SW_RT_ECMP, &ecmp3, sizeof(ecmp3));
	u[n++] = route(1, "10.0.0.0", 8, SW_RT_VIA, &via3, sizeof(via3));
	u[n++] = route(1, "192.168.0.0", 24, SW_RT_CONNECTED, &conn, sizeof(conn));
	u[n++] = route(1, "192.168.7.0", 24, SW_RT_VIA, &via2, sizeof(via2));
	u[n++] = route(1, "192.0.2.0", 24, SW_RT_TUNNEL, &tun, sizeof(tun));
	u[n++] = route(1, "8.8.8.8", 32, SW_RT_VIA, &via5, sizeof(via5));
	u[n++] = route(2, "0.0.0.0", 0, SW_RT_VIA, &v2nh, sizeof(v2nh));
	u[n++] = route(2, "10.0.1.0", 24, SW_RT_TUNNEL, &tun, sizeof(tun));
	return write_all(u, n);
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general" : impl == 1 ? "fused" : "fused with a planted bug (group sources taken)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	pl_switch_fast_planted = impl == 2;
	return 0;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, false, &cnt, &tally, pl_switch_fast_routed, pl_switch_routed_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

static const char *const dsts[] = {
	"10.0.1.1", "10.0.1.9", "10.0.2.7", "10.0.3.3", "10.0.3.77", "10.0.4.4", "10.0.5.5", "10.0.6.6",
	"10.0.7.7", "10.0.8.8", "10.0.9.9", "10.9.9.9", "192.168.0.2", "192.168.0.3", "192.168.0.6",
	"192.168.0.255", "192.168.0.0", "192.168.0.1", "192.168.7.9", "192.0.2.2", "8.8.8.8", "8.8.4.4",
	"172.16.0.9", "0.1.2.3", "127.0.0.1", "224.0.0.5", "239.1.1.1", "240.0.0.1", "255.255.255.255",
};
static const char *const srcs[] = {
	"10.0.0.1", "10.0.0.1", "10.0.0.1", "192.168.0.7", "0.0.0.0", "127.0.0.1", "224.0.0.1", "240.1.1.1",
	"255.255.255.255", "192.168.0.1",
};

/* Where an IPv4 frame to the routed ports' MAC has its header (at most
 * two tags), or 0: not one. */
static uint32_t
l3_of(const uint8_t *b, uint32_t len)
{
	uint32_t off = 12;

	if (len < 14 + 20 || memcmp(b, &rmac, 6) != 0)
		return 0;
	for (int tags = 0; tags < 2 && len >= off + 6 && (b[off] == 0x81 || b[off] == 0x88) &&
	     (b[off + 1] == 0x00 || b[off + 1] == 0xa8); tags++)
		off += 4;
	if (len < off + 2 + 20 || b[off] != 0x08 || b[off + 1] != 0x00 || (b[off + 2] >> 4) != 4)
		return 0;
	return off + 2;
}

static void
cksum(uint8_t *ip, uint32_t avail)
{
	unsigned int hl = (ip[0] & 0xf) * 4u;

	if (hl < 20 || hl > avail)
		return;
	ip[10] = ip[11] = 0;
	*(uint16_t *)(ip + 10) = rte_raw_cksum(ip, hl) == 0xffff ? 0xffff : (uint16_t)~rte_raw_cksum(ip, hl);
}

/* An IPv4 frame to the routed MAC keeps its link layer (the burst's
 * shape) but for a rare edit there; its header's fields get the values
 * the routes and the checks care about, its checksum mostly made right,
 * sometimes the frame long (the small MTU). */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint32_t l3 = l3_of(b, len);
	unsigned int edits;
	uint8_t *ip;
	uint64_t r;
	uint32_t a;

	if (l3 == 0)
		return 0;
	ip = b + l3;
	r = av_rnd();
	if ((r & 15) == 0 && len + 1100 <= cap) {   /* long: over port 3's MTU */
		uint32_t grow = 600 + (uint32_t)((r >> 8) % 500);

		memset(b + len, 0x5a, grow);
		len += grow;
		*(rte_be16_t *)(ip + 2) = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(*(rte_be16_t *)(ip + 2)) + grow));
	}
	/* one in 32 breaks the shape, or what the parser vouches for: the
	 * others keep whole bursts the fused path's */
	edits = 1 + (unsigned int)((r >> 20) % 3);
	for (unsigned int e = 0; e < edits; e++) {
		r = av_rnd();
		switch (e == 0 && (r >> 56) % 32 == 0 ? r % 8 : 8) {
		case 0: /* the shape: source MAC a group's or zero, another destination, the tag */
			b[6] |= 1;
			break;
		case 1:
			memset(b + 6, 0, 6);
			break;
		case 2:
			b[(r >> 8) % 6] ^= (uint8_t)(1u << ((r >> 16) % 8));
			break;
		case 3:
			if (l3 > 14)
				b[15] ^= (uint8_t)(r >> 8);
			break;
		case 4: /* what the parser vouches for: version, IHL, lengths */
			ip[0] = (const uint8_t[]){ 0x44, 0x46, 0x47, 0x4f, 0x55, 0x65, 0x45 }[(r >> 8) % 7];
			break;
		case 5:
			a = (uint32_t)((r >> 8) % 3);
			*(rte_be16_t *)(ip + 2) = rte_cpu_to_be_16(a == 0 ? 19 : a == 1 ? (uint16_t)(len - l3 + 1) : 0xffff);
			break;
		case 6:
			len = l3 + (uint32_t)((r >> 8) % 24);
			return len > l3 ? len : l3 + 1;
		case 7: /* options: IHL 6 with a NOP word (the header grows into the payload) */
			if (len >= l3 + 24) {
				ip[0] = 0x46;
				memset(ip + 20, 1, 4);
			}
			break;
		default:
			switch ((r >> 8) % 8) {
			case 0:
				ip[8] = (const uint8_t[]){ 0, 1, 2, 64, 255 }[(r >> 16) % 5];
				break;
			case 1:
			case 2:
				a = av_ip4(dsts[(r >> 16) % RTE_DIM(dsts)]);
				memcpy(ip + 16, &a, 4);
				break;
			case 3:
				a = av_ip4(srcs[(r >> 16) % RTE_DIM(srcs)]);
				memcpy(ip + 12, &a, 4);
				break;
			case 4:
				ip[1] = (uint8_t)(r >> 16);
				break;
			case 5: { /* DF, MF, an offset */
				static const uint16_t frag[] = { 0, 0x4000, 0x2000, 0x0003, 0x2003, 0x1fff };

				*(rte_be16_t *)(ip + 6) = rte_cpu_to_be_16(frag[(r >> 16) % RTE_DIM(frag)]);
				break;
			}
			case 6:
				ip[4] = (uint8_t)(r >> 16);
				ip[5] = (uint8_t)(r >> 24);
				break;
			default: /* past the header */
				if (len > l3 + 20)
					b[l3 + 20 + (uint32_t)((r >> 16) % (len - l3 - 20))] = (uint8_t)(r >> 32);
				break;
			}
		}
	}
	r = av_rnd();
	if (r % 8 != 0)
		cksum(ip, len - l3);
	else if (r % 16 == 8)
		ip[10] ^= 0x40;
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, &cnt);
}

static const struct av_stage av_swfast = {
	.name = "switch.routed",
	.corpus = "parse",
	.setup = setup,
	.n_impls = 3,
	.impl_name = impl_name,
	.planted = 2,
	.force = force,
	.prepare = av_prepare_rx,
	.run = run,
	.mutate_shaped = mutate_shaped,
	.report = report,
};
AV_STAGE(av_swfast)
