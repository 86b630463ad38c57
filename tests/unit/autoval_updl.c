/* The upf's downlink encap in the autovalidator: stage "upf.n6+dl" is
 * upf.n6 then upf.dl (upf.dl's edge to switch.l3v6 as edge 1), the
 * general path composing each packet's outer headers (pl_upf_dl_general),
 * the fast one copying them from its peer's template (pl_upf_dl_fast).
 * The real qos, switch and upf features are set up as sxdp would, their
 * tables written as sxcd writes them: sessions of slice 1 to gNBs of every
 * kind (a flow's source port and the inner DSCP copied; a fixed port and
 * DSCP; a next hop in a VLAN, which has no template; one unresolved; one
 * over IPv6; a tunnel MTU that refuses the larger packets), the QFI
 * copied or set, no meter (upf.in+ul's stage has the QERs). The general
 * path runs as a shadow walk. Implementation 2 is the fast path with a
 * planted bug (up_encap_tpl_planted: the template's outer TOS kept),
 * which the check must catch. */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "autoval.h"
#include "dp_config.h"
#include "dp_fastcheck.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_table.h"
#include "up_dl.h"
#include "up_encap.h"
#include "up_state.h"
#include "sw_state.h"

static unsigned int impl_cur;
static struct av_tally tally = { .stage = "upf.n6+dl", .need = 1u << AV_OUT | 1u << AV_DROPPED };

/* ------------------------------------------------------------ set-up */

#define PEER(id, kind, params) \
	"{\"type\":\"insert\",\"table\":\"tunnel_peers\",\"match\":{\"id\":" #id "},\"action\":\"" kind "\"," \
	"\"params\":" params "}"
#define NEIGH(ip, vlan, mac) \
	"{\"type\":\"insert\",\"table\":\"neigh\",\"match\":{\"vrf\":100,\"ip\":\"" ip "\"},\"action\":\"rewrite\"," \
	"\"params\":{\"port\":1,\"vlan\":" #vlan ",\"dmac\":\"" mac "\",\"smac\":\"02:00:00:00:00:02\"}}"
#define SESS(ue, id, peer, teid, qfi) \
	"{\"type\":\"insert\",\"table\":\"sessions_downlink\",\"match\":{\"slice\":1,\"ue\":\"" ue "\"}," \
	"\"action\":\"encap_n3\",\"params\":{\"id\":" #id ",\"peer\":" #peer ",\"teid\":" #teid ",\"qfi\":" #qfi \
	",\"urr\":" #id "}}"

/* The tables as sxcd writes them: one table.write of these updates. */
static const char *const updates[] = {
	/* the inner DSCP copied (64), the source port the flow's (0) */
	PEER(1, "gtpu", "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.10\",\"gw\":\"192.0.2.10\",\"vrf\":100,"
		"\"sport\":0,\"mtu\":0,\"dscp\":64}"),
	NEIGH("192.0.2.10", 0, "02:00:00:00:0a:0a"),
	/* a fixed DSCP and port, a tunnel MTU of 120: larger packets refused */
	PEER(2, "gtpu", "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.11\",\"gw\":\"192.0.2.11\",\"vrf\":100,"
		"\"sport\":2152,\"mtu\":120,\"dscp\":46}"),
	NEIGH("192.0.2.11", 0, "02:00:00:00:0a:0b"),
	/* a next hop in a VLAN: no template */
	PEER(3, "gtpu", "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.12\",\"gw\":\"192.0.2.12\",\"vrf\":100,"
		"\"sport\":2152,\"mtu\":0,\"dscp\":64}"),
	NEIGH("192.0.2.12", 30, "02:00:00:00:0a:0c"),
	/* its next hop unresolved */
	PEER(4, "gtpu", "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.13\",\"gw\":\"192.0.2.13\",\"vrf\":100,"
		"\"sport\":2152,\"mtu\":0,\"dscp\":64}"),
	/* over IPv6 (routed by switch.l3v6: no route here) */
	PEER(5, "gtpu6", "{\"src\":\"2001:db8:3::1\",\"dst\":\"2001:db8:3::10\",\"vrf\":100,\"sport\":0,"
		"\"mtu\":0,\"dscp\":64}"),
	SESS("10.45.0.1", 1, 1, 4096, 9),
	SESS("10.45.0.2", 2, 1, 4097, 64),
	SESS("10.45.0.3", 3, 2, 4098, 5),
	SESS("10.45.0.4", 4, 3, 4099, 9),
	SESS("10.45.0.5", 5, 4, 4100, 9),
	SESS("10.45.0.6", 6, 5, 4101, 9),
	SESS("10.45.0.7", 7, 2, 4102, 9),
};

static const char *const ues[] = {
	"10.45.0.1", "10.45.0.1", "10.45.0.2", "10.45.0.3", "10.45.0.7", "10.45.0.4", "10.45.0.5", "10.45.0.6",
	"10.45.0.9",
};

static struct dp_cfg_port cfg[2];

static int
setup(void)
{
	static const char *const features[] = { "qos", "switch", "upf" };

	/* N6 on port 0, N3 on 1 (the stages before may have set more) */
	if (dp_n_ports < 2)
		dp_n_ports = 2;
	for (uint16_t p = 0; p < 2; p++) {
		snprintf(cfg[p].name, sizeof(cfg[p].name), "p%u", p);
		cfg[p].role = p == 0 ? DP_ROLE_N6 : DP_ROLE_N3;
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
	return av_table_write("upf.n6+dl", updates, RTE_DIM(updates));
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general" : impl == 1 ? "templates" : "templates with a planted bug (the TOS kept)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	up_encap_tpl_planted = impl == 2;
	return 0;
}

/* What switch.l3 leaves for upf.n6 (a route "upf" in slice 1's VRF). */
static bool
prepare(struct rte_mbuf *m)
{
	if (!av_prepare_rx(m))
		return false;
	dp_meta(m)->slice = 1;
	return true;
}

/* upf.n6, then upf.dl's general path or its fast one on what n6 sends on
 * (upf.dl's edge to switch.l3v6 as edge 1) */
static const uint8_t dl_edges[] = { [UP_DL_EDGE_L3V6] = 1 };

static uint16_t
n6_dl_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	dp_stage_then(ctx, pkts, n, next, pl_upf_n6_burst, UP_N6_EDGE_DL, pl_upf_dl_general, dl_edges,
		      RTE_DIM(dl_edges));
	return 0;
}

static uint16_t
dl_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	pl_upf_dl_fast(ctx, pkts, n, next);
	return 0;
}

static bool
n6_dl_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	dp_stage_then(ctx, pkts, n, next, pl_upf_n6_burst, UP_N6_EDGE_DL, dl_fast, dl_edges, RTE_DIM(dl_edges));
	return true;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, true, NULL, &tally, n6_dl_fast, n6_dl_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

/* An untagged IPv4 frame keeps that shape: its destination one of the
 * sessions' UEs (or none's), its TOS, DF bit, protocol and length changed,
 * the header checksum made right. */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint64_t r = av_rnd();
	uint32_t a, l;
	uint8_t *ip = b + RTE_ETHER_HDR_LEN;

	RTE_SET_USED(cap);
	if (len < RTE_ETHER_HDR_LEN + 20 || b[12] != 0x08 || b[13] != 0x00 || ip[0] != 0x45)
		return 0;
	a = av_ip4(ues[r % RTE_DIM(ues)]);
	memcpy(ip + 16, &a, 4);
	ip[1] = (uint8_t)(r >> 8);                       /* DSCP and ECN */
	if ((r >> 16) % 4 == 0)
		ip[6] ^= 0x40;                           /* DF */
	if ((r >> 20) % 8 == 0)
		ip[9] = (const uint8_t[]){ IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, 47 }[(r >> 24) % 4];
	l = rte_be_to_cpu_16(*(rte_be16_t *)(ip + 2));
	if ((r >> 28) % 4 == 0 && l > 28) {          /* shorter: a frame with padding */
		l -= (uint32_t)((r >> 32) % (l - 27));
		*(rte_be16_t *)(ip + 2) = rte_cpu_to_be_16((uint16_t)l);
	}
	ip[10] = ip[11] = 0;
	*(uint16_t *)(ip + 10) = (uint16_t)~rte_raw_cksum(ip, 20);
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, NULL);
}

static const struct av_stage av_updl = {
	.name = "upf.n6+dl",
	.corpus = "parse",
	.setup = setup,
	.n_impls = 3,
	.impl_name = impl_name,
	.planted = 2,
	.force = force,
	.prepare = prepare,
	.run = run,
	.mutate_shaped = mutate_shaped,
	.shaped_times = 16,
	.report = report,
};
AV_STAGE(av_updl)
