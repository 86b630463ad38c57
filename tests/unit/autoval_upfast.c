/* The upf's fused uplink in the autovalidator: stage "upf.in+ul" is what
 * upf.in then upf.ul leave (upf.ul's edges as upf.in's UP_IN_EDGE_L3..),
 * by the general path (pl_upf_in_ul_general) and by the fused one
 * (pl_upf_in_fused, the general path when it declines, as
 * pl_upf_in_burst does). The real qos, switch and upf features are set up
 * as sxdp would (their init), their tables written through table.write
 * as sxcd writes them: N3 ports in VLANs and an N9 port, N3, N9 and
 * N6 endpoints, sessions of every uplink action (to N6 with and without
 * apps, any source, a closed gate, to an anchor over N9, another slice's,
 * an IPv6 outer header removal, an IPv4v6 one), the apps' own
 * terminations, and a slice meter small enough to drop. The general path
 * runs as a shadow walk (dp_feature.h), so both see the same meter
 * buckets and answer tokens. Implementation 2 is the fused path with a
 * planted bug (pl_upf_in_fused_planted: it takes G-PDUs from martian
 * sources), which the check must catch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>

#include "autoval.h"
#include "dp_log.h"
#include "dp_config.h"
#include "dp_feature.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_tblrpc.h"
#include "up_in.h"
#include "sw_state.h"

static struct dp_cfg_port cfg[4];
static unsigned int impl_cur;
static struct av_tally tally = { .stage = "upf.in+ul", .need = 1u << AV_EDGE | 1u << AV_DROPPED };

/* ------------------------------------------------------------ set-up */

/* The tables as sxcd writes them: one table.write of these updates. */
static const char *const updates[] = {
	"{\"type\":\"insert\",\"table\":\"meters\",\"match\":{\"id\":1},\"action\":\"rfc4115\","
	"\"params\":{\"cir\":8000000,\"cbs\":1500,\"eir\":8000000,\"ebs\":800}}",
	"{\"type\":\"insert\",\"table\":\"meter_colors\",\"match\":{\"meter\":1,\"color\":2},\"action\":\"drop\"}",
	"{\"type\":\"insert\",\"table\":\"upf_slices\",\"match\":{\"slice\":2},\"action\":\"slice\",\"params\":{\"meter\":1}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":0,\"vlan\":0},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":900}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":0,\"vlan\":10},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":910}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":1,\"vlan\":0},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":901}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":2,\"vlan\":10},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":912}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":1,\"vlan\":4094},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":914}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":2,\"vlan\":0},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":902}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":0,\"vlan\":4094},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":924}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":1,\"vlan\":10},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":911}}",
	"{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":3,\"vlan\":0},\"action\":\"attach\","
	"\"params\":{\"slice\":100,\"bd\":903}}",
	"{\"type\":\"insert\",\"table\":\"upf_interfaces\",\"match\":{\"dst\":\"192.0.2.20/32\"},\"action\":\"n3\","
	"\"params\":{\"slice\":0,\"id\":1}}",
	"{\"type\":\"insert\",\"table\":\"upf_interfaces\",\"match\":{\"dst\":\"192.0.2.30/32\"},\"action\":\"n9\","
	"\"params\":{\"slice\":0,\"id\":2}}",
	"{\"type\":\"insert\",\"table\":\"upf_interfaces\",\"match\":{\"dst\":\"10.45.0.1/32\"},\"action\":\"n6\","
	"\"params\":{\"slice\":1}}",
	"{\"type\":\"insert\",\"table\":\"upf_interfaces6\",\"match\":{\"dst\":\"2001:db8:5::20/128\"},\"action\":\"n3\","
	"\"params\":{\"slice\":0,\"id\":3}}",
	"{\"type\":\"insert\",\"table\":\"applications\",\"match\":{\"slice\":1,\"remote\":{\"value\":\"8.8.8.0\","
	"\"mask\":\"255.255.255.0\"}},\"action\":\"app\",\"params\":{\"app\":1},\"priority\":10}",
	"{\"type\":\"insert\",\"table\":\"applications\",\"match\":{\"slice\":1,\"remote\":{\"value\":\"9.9.9.9\","
	"\"mask\":\"255.255.255.255\"}},\"action\":\"app\",\"params\":{\"app\":2},\"priority\":20}",
	"{\"type\":\"insert\",\"table\":\"applications\",\"match\":{\"slice\":2,\"remote\":{\"value\":\"8.8.0.0\","
	"\"mask\":\"255.255.0.0\"}},\"action\":\"app\",\"params\":{\"app\":1},\"priority\":10}",
	"{\"type\":\"insert\",\"table\":\"tunnel_peers\",\"match\":{\"id\":1000},\"action\":\"gtpu\","
	"\"params\":{\"src\":\"192.0.2.30\",\"dst\":\"192.0.2.99\",\"gw\":\"192.0.2.99\",\"vrf\":100,\"sport\":2152,"
	"\"mtu\":0,\"dscp\":64}}",
	"{\"type\":\"insert\",\"table\":\"neigh\",\"match\":{\"vrf\":100,\"ip\":\"192.0.2.99\"},\"action\":\"rewrite\","
	"\"params\":{\"port\":3,\"vlan\":0,\"dmac\":\"02:00:00:00:0a:63\",\"smac\":\"02:00:00:00:00:02\"}}",
	/* TEID 0x1234: to the DN, apps (8.8.8.0/24 out with its own URR, 9.9.9.9 dropped) */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4660},\"action\":\"fwd_n6\","
	"\"params\":{\"id\":1,\"ue\":\"10.45.0.2\",\"slice\":1,\"ohr\":0,\"urr\":2,\"apps\":1}}",
	"{\"type\":\"insert\",\"table\":\"terminations_uplink\",\"match\":{\"session\":1,\"app\":1},\"action\":\"fwd_n6\","
	"\"params\":{\"urr\":1}}",
	"{\"type\":\"insert\",\"table\":\"terminations_uplink\",\"match\":{\"session\":1,\"app\":2},\"action\":\"drop\"}",
	/* 0x1235: any source, no apps */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4661},\"action\":\"fwd_n6\","
	"\"params\":{\"id\":2,\"slice\":1,\"ohr\":6,\"urr\":4,\"any_src\":1}}",
	/* 0x1236: the gate closed but for app 1 */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4662},\"action\":\"drop\","
	"\"params\":{\"id\":3,\"ue\":\"10.45.0.2\",\"slice\":1,\"apps\":1}}",
	"{\"type\":\"insert\",\"table\":\"terminations_uplink\",\"match\":{\"session\":3,\"app\":1},\"action\":\"fwd_n6\","
	"\"params\":{\"urr\":6}}",
	/* 0x1237: on to the anchor over N9 but app 1 broken out */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4663},\"action\":\"fwd_n9\","
	"\"params\":{\"id\":4,\"ue\":\"10.45.0.2\",\"slice\":1,\"urr\":7,\"apps\":1,\"peer\":1000,\"teid\":77,\"qfi\":9}}",
	"{\"type\":\"insert\",\"table\":\"terminations_uplink\",\"match\":{\"session\":4,\"app\":1},\"action\":\"fwd_n6\","
	"\"params\":{\"urr\":8}}",
	/* 0x1238: slice 2's, metered (its slice's meter drops red) */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4664},\"action\":\"fwd_n6\","
	"\"params\":{\"id\":5,\"ue\":\"10.45.0.2\",\"slice\":2,\"urr\":9,\"apps\":1}}",
	"{\"type\":\"insert\",\"table\":\"terminations_uplink\",\"match\":{\"session\":5,\"app\":1},\"action\":\"fwd_n6\","
	"\"params\":{\"urr\":10,\"meter\":1}}",
	/* 0x1239: outer header removal of IPv6 only */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4665},\"action\":\"fwd_n6\","
	"\"params\":{\"id\":6,\"ue\":\"10.45.0.2\",\"slice\":1,\"ohr\":1,\"urr\":11}}",
	/* 0x123a: an IPv6-only session (its /64 in sessions_downlink6) */
	"{\"type\":\"insert\",\"table\":\"sessions_uplink\",\"match\":{\"iface\":1,\"teid\":4666},\"action\":\"fwd_n6\","
	"\"params\":{\"id\":7,\"slice\":1,\"urr\":12}}",
	"{\"type\":\"insert\",\"table\":\"sessions_downlink6\",\"match\":{\"slice\":1,\"ue\":\"2001:db8:45::\"},"
	"\"action\":\"encap_n3\",\"params\":{\"id\":7,\"peer\":1000,\"teid\":99,\"qfi\":9,\"urr\":13}}",
};

static int
setup(void)
{
	static const char *const features[] = { "qos", "switch", "upf" };

	/* N3 on ports 0..2 (0 and 1 untagged, VLAN 10 and 4094; 2 untagged
	 * and VLAN 10), N9 on 3; the frames' MAC is every port's */
	dp_n_ports = 4;
	for (uint16_t p = 0; p < 4; p++) {
		snprintf(cfg[p].name, sizeof(cfg[p].name), "p%u", p);
		cfg[p].role = p == 3 ? DP_ROLE_N9 : DP_ROLE_N3;
		dp_ports[p].index = p;
		dp_ports[p].port_id = p;
		dp_ports[p].cfg = &cfg[p];
		dp_ports[p].mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x02 } };
		dp_ports[p].mtu = 1500;
		dp_ports[p].admin_up = true;
	}
	if (dp_parse_impl_set(DP_PARSE_GENERAL) != 0 || av_features(features, RTE_DIM(features)) != 0 ||
	    av_table_rpc() != 0)
		return -1;
	/* a stage before this one may have written interfaces */
	dp_table_clear((unsigned int)pl_sw.interfaces, NULL);
	return av_table_write("upf.in+ul", updates, RTE_DIM(updates));
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general" : impl == 1 ? "fused" : "fused with a planted bug (martian sources taken)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	pl_upf_in_fused_planted = impl == 2;
	return 0;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, true, NULL, &tally, pl_upf_in_fused, pl_upf_in_ul_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

static void
cksum(uint8_t *ip)
{
	unsigned int hl = (ip[0] & 0xf) * 4u;

	ip[10] = ip[11] = 0;
	*(uint16_t *)(ip + 10) = (uint16_t)~rte_raw_cksum(ip, hl);
}

/* Where a G-PDU over IPv4 to our N3 endpoint has its outer IPv4 header
 * (at most two tags), its GTP-U header and its T-PDU; false: not one. */
static bool
gpdu_of(const uint8_t *b, uint32_t len, uint32_t *l3, uint32_t *g, uint32_t *in)
{
	uint32_t off = 12, x;

	for (int tags = 0; tags < 2 && len >= off + 6 && (b[off] == 0x81 || b[off] == 0x88) &&
	     (b[off + 1] == 0x00 || b[off + 1] == 0xa8); tags++)
		off += 4;
	if (len < off + 2 + 20 || b[off] != 0x08 || b[off + 1] != 0x00 || b[off + 2] != 0x45)
		return false;
	*l3 = off + 2;
	if (b[*l3 + 9] != IPPROTO_UDP || memcmp(b + *l3 + 16, &(uint32_t){ av_ip4("192.0.2.20") }, 4) != 0)
		return false;
	*g = *l3 + 20 + 8;
	if (len < *g + 8 || b[*g - 6] != 0x08 || b[*g - 5] != 0x68 || (b[*g] & 0xe0) != 0x20 || b[*g + 1] != 255)
		return false;
	x = *g + 8;
	if (b[*g] & 0x07) {
		uint8_t nx;

		if (len < x + 4)
			return false;
		nx = (b[*g] & 0x04) ? b[x + 3] : 0;
		x += 4;
		while (nx != 0) {
			if (len < x + 4 || b[x] == 0)
				return false;
			nx = b[x + b[x] * 4u - 1];
			x += b[x] * 4u;
		}
	}
	if (len < x + 20 || (b[x] >> 4) != 4)
		return false;
	*in = x;
	return true;
}

static const char *const inner_dsts[] = {
	"8.8.8.8", "8.8.8.8", "8.8.4.4", "9.9.9.9", "1.1.1.1", "10.45.0.1", "192.0.2.20", "192.0.2.30",
};
static const char *const inner_srcs[] = { "10.45.0.2", "10.45.0.2", "10.45.0.2", "10.45.0.3", "0.0.0.0" };
static const char *const outer_srcs[] = {
	"192.0.2.10", "192.0.2.10", "192.0.2.11", "198.51.100.7", "0.1.2.3", "127.0.0.1", "224.0.0.1",
	"255.255.255.255",
};
static const uint32_t teids[] = { 0x1234, 0x1234, 0x1234, 0x1235, 0x1236, 0x1237, 0x1238, 0x1238, 0x1239, 0x123a,
				  0x9999 };

/* A G-PDU to our N3 endpoint keeps that shape but for a rare edit: its
 * TEID one of the sessions' (or none's), the T-PDU's addresses those the
 * sessions, apps and our own addresses care about, its length and GTP's
 * sometimes wrong, the outer source sometimes a martian one; the
 * checksums mostly made right. */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint32_t l3, g, in, a;
	uint64_t r = av_rnd();
	unsigned int edits = 1 + (unsigned int)(r % 3);

	RTE_SET_USED(cap);
	if (!gpdu_of(b, len, &l3, &g, &in))
		return 0;
	for (unsigned int e = 0; e < edits; e++) {
		r = av_rnd();
		switch ((r >> 8) % 16) {
		case 0:
		case 1:
		case 2:
			*(rte_be32_t *)(b + g + 4) = rte_cpu_to_be_32(teids[(r >> 16) % RTE_DIM(teids)]);
			break;
		case 3:
		case 4:
		case 5:
			a = av_ip4(inner_dsts[(r >> 16) % RTE_DIM(inner_dsts)]);
			memcpy(b + in + 16, &a, 4);
			break;
		case 6:
		case 7:
			a = av_ip4(inner_srcs[(r >> 16) % RTE_DIM(inner_srcs)]);
			memcpy(b + in + 12, &a, 4);
			break;
		case 8:   /* rarely a martian outer source */
			a = av_ip4(outer_srcs[(r >> 16) % ((r >> 24) % 8 == 0 ? RTE_DIM(outer_srcs) : 4)]);
			memcpy(b + l3 + 12, &a, 4);
			break;
		case 9:   /* the inner protocol and ports */
			b[in + 9] = (const uint8_t[]){ IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, 47 }[(r >> 16) % 4];
			if (len >= in + 24)
				*(rte_be16_t *)(b + in + 22) = rte_cpu_to_be_16((uint16_t)(r >> 24));
			break;
		case 10:   /* GTP's length: one more or fewer */
			if ((r >> 16) % 4 == 0)
				*(rte_be16_t *)(b + g + 2) = rte_cpu_to_be_16(
					(uint16_t)(rte_be_to_cpu_16(*(rte_be16_t *)(b + g + 2)) + ((r >> 20) & 1 ? 1 : -1)));
			break;
		case 11:   /* the T-PDU's IP length */
			if ((r >> 16) % 4 == 0)
				*(rte_be16_t *)(b + in + 2) = rte_cpu_to_be_16(
					(uint16_t)(rte_be_to_cpu_16(*(rte_be16_t *)(b + in + 2)) + ((r >> 20) & 1 ? 4 : -4)));
			break;
		case 12:   /* a PDU Session Container's direction */
			if ((b[g] & 0x04) && b[g + 11] == 0x85 && len > g + 13)
				b[g + 13] = (uint8_t)((r >> 16) & 1 ? 0x10 : 0x00);
			break;
		case 13:   /* rarely the outer fragment bits */
			if ((r >> 16) % 64 == 0)
				*(rte_be16_t *)(b + l3 + 6) = rte_cpu_to_be_16((r >> 20) & 1 ? 0x2000 : 0x0001);
			break;
		case 14:   /* the inner TTL */
			b[in + 8] = (const uint8_t[]){ 0, 1, 64 }[(r >> 16) % 3];
			break;
		default:   /* the T-PDU's bytes past its header */
			if (len > in + 20)
				b[in + 20 + (uint32_t)((r >> 16) % (len - in - 20))] = (uint8_t)(r >> 32);
			break;
		}
	}
	cksum(b + in);
	r = av_rnd();
	if (r % 1024 != 0)   /* rarely a bad one: one takes its whole burst from the fused path */
		cksum(b + l3);
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, NULL);
}

static const struct av_stage av_upfast = {
	.name = "upf.in+ul",
	.corpus = "parse",
	.setup = setup,
	.n_impls = 3,
	.impl_name = impl_name,
	.planted = 2,
	.force = force,
	.prepare = av_prepare_rx,
	.run = run,
	.mutate_shaped = mutate_shaped,
	.shaped_times = 16,   /* 24 frames of its shape */
	.report = report,
};
AV_STAGE(av_upfast)
