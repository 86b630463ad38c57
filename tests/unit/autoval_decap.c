/* The overlay's decap memos in the autovalidator: stage "overlay.wan", by
 * its reference (pl_overlay_wan_general: every datagram through the
 * checks in order, every inner source through the fdb) and by its
 * specialised path (pl_overlay_wan_memo: the (VTEP, VNI, peer) triples
 * that passed, the sources the fdb knows, from each worker's memos; the
 * reference where it declines, as pl_overlay_wan_burst does). The real
 * qos, switch and overlay features are set up as sxdp would, their
 * tables written through table.write: two local VTEPs, L2 VNIs of two
 * slices and an L3 one, peers of each, inner sources known behind their
 * tunnels. Every input frame is wrapped as a datagram (VXLAN or GENEVE,
 * to a VTEP or not, from a peer or not, with a VNI known or not, its
 * header and outer checksum mostly right), so that runs of them take the
 * memos. Beside the packets, each burst's table counts must agree.
 * Implementation 2 has a bug planted on purpose
 * (pl_overlay_wan_memo_planted: a datagram of a triple the memo knows is
 * let in with a bad outer checksum), which the check must catch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "autoval.h"
#include "dp_config.h"
#include "dp_feature.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "ov_decap.h"
#include "ov_state.h"
#include "sw_state.h"

static struct dp_cfg_port cfg[4];
static unsigned int impl_cur;
static struct av_tally tally = { .stage = "overlay.wan", .need = 1u << AV_EDGE | 1u << AV_DROPPED };

/* the tables a burst counts in: what the two paths must count alike */
static struct av_counts cnt = { .stage = "overlay.wan", .n = 4, .name = { "vteps", "vnis", "peers", "fdb" } };

/* ------------------------------------------------------------ set-up */

#define U(t, m, a, p) "{\"type\":\"insert\",\"table\":\"" t "\",\"match\":{" m "},\"action\":\"" a "\",\"params\":{" p "}}"

static const char *const updates[] = {
	U("vteps", "\"ip\":\"198.18.0.10\"", "vtep", ""),
	U("vteps", "\"ip\":\"198.18.1.10\"", "vtep", ""),
	U("vnis", "\"vni\":5000", "l2", "\"slice\":1,\"bd\":10"),
	U("vnis", "\"vni\":6000", "l2", "\"slice\":2,\"bd\":20"),
	U("vnis", "\"vni\":7000", "l3", "\"slice\":1"),
	U("peers", "\"slice\":1,\"ip\":\"198.19.2.1\"", "peer", "\"tunnel\":2"),
	U("peers", "\"slice\":1,\"ip\":\"198.19.2.2\"", "peer", "\"tunnel\":2"),
	U("peers", "\"slice\":2,\"ip\":\"198.19.3.1\"", "peer", "\"tunnel\":3"),
	U("fdb", "\"bd\":10,\"mac\":\"02:5e:02:00:00:01\"", "tunnel", "\"tunnel\":2"),
	U("fdb", "\"bd\":10,\"mac\":\"02:5e:02:00:00:02\"", "tunnel", "\"tunnel\":3"),
	U("fdb", "\"bd\":20,\"mac\":\"02:5e:03:00:00:01\"", "tunnel", "\"tunnel\":3"),
	U("fdb", "\"bd\":10,\"mac\":\"02:00:00:00:00:01\"", "forward", "\"port\":\"p0\""),
};

static int
setup(void)
{
	static const char *const features[] = { "qos", "switch", "overlay" };

	dp_n_ports = 4;
	for (uint16_t p = 0; p < 4; p++) {
		snprintf(cfg[p].name, sizeof(cfg[p].name), "p%u", p);
		cfg[p].role = p == 0 ? DP_ROLE_LAN : DP_ROLE_WAN;
		dp_ports[p].index = p;
		dp_ports[p].port_id = p;
		dp_ports[p].cfg = &cfg[p];
		dp_ports[p].mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0xff, (uint8_t)(1 + p) } };
		dp_ports[p].mtu = 1500;
		dp_ports[p].admin_up = true;
	}
	if (av_mbuf_pool() != 0 || dp_parse_impl_set(DP_PARSE_GENERAL) != 0 ||
	    av_features(features, RTE_DIM(features)) != 0)
		return -1;
	cnt.table[0] = pl_ov.vteps;
	cnt.table[1] = pl_ov.vnis;
	cnt.table[2] = pl_ov.peers;
	cnt.table[3] = pl_sw.fdb;
	return av_table_write("overlay.wan", updates, RTE_DIM(updates));
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general (no memo)" : impl == 1 ? "memos" :
			   "memos with a planted bug (a bad outer checksum let in)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	pl_overlay_wan_memo_planted = impl == 2;
	return 0;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, false, &cnt, &tally, pl_overlay_wan_memo, pl_overlay_wan_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

static const char *const vteps[] = { "198.18.0.10", "198.18.0.10", "198.18.1.10", "198.18.0.11" };
static const char *const srcs[] = { "198.19.2.1", "198.19.2.1", "198.19.2.2", "198.19.3.1", "198.19.9.9" };
static const uint32_t vnis[] = { 5000, 5000, 5000, 6000, 7000, 4999 };
static const uint8_t known_src[][6] = {
	{ 0x02, 0x5e, 0x02, 0, 0, 0x01 }, { 0x02, 0x5e, 0x02, 0, 0, 0x02 }, { 0x02, 0x5e, 0x03, 0, 0, 0x01 },
	{ 0x02, 0x5e, 0x02, 0, 0, 0x09 },
};

/* Any Ethernet frame becomes the inner frame of a datagram to the WAN
 * port: mostly one the memos know (a known triple, its header right, the
 * inner source a known one), else any of the checks' refusals. */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint64_t r = av_rnd();
	bool geneve = (r & 7) == 0;
	uint32_t out = 14 + 20 + 8 + 8, a;
	uint8_t *ip = b + 14, *udp = b + 34, *t = b + 42;

	if (len < 14 || len + out > cap)
		return 0;
	memmove(b + out, b, len);
	if ((r >> 3) % 2)   /* the inner source one the fdb knows */
		memcpy(b + out + 6, known_src[(r >> 4) % RTE_DIM(known_src)], 6);
	len += out;
	memcpy(b, (const uint8_t[]){ 0x02, 0, 0, 0, 0xff, 0x02, 0x02, 0, 0, 0, 0xfe, 0xfe, 0x08, 0x00 }, 14);
	ip[0] = 0x45;
	ip[1] = 0;
	*(rte_be16_t *)(ip + 2) = rte_cpu_to_be_16((uint16_t)(len - 14));
	*(rte_be32_t *)(ip + 4) = rte_cpu_to_be_32(0x4000);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	r = av_rnd();
	a = av_ip4(srcs[r % 64 == 0 ? (r >> 6) % RTE_DIM(srcs) : (r >> 6) % 3]);
	memcpy(ip + 12, &a, 4);
	a = av_ip4(vteps[r % 32 == 1 ? (r >> 10) % RTE_DIM(vteps) : (r >> 10) % 3]);
	memcpy(ip + 16, &a, 4);
	ip[10] = ip[11] = 0;
	*(uint16_t *)(ip + 10) = (uint16_t)~rte_raw_cksum(ip, 20);
	if (r % 128 == 2)   /* rarely a bad outer checksum */
		ip[11] ^= 0x5a;
	*(rte_be16_t *)udp = rte_cpu_to_be_16((uint16_t)(49152 + (r >> 16) % 16384));
	*(rte_be16_t *)(udp + 2) = rte_cpu_to_be_16(geneve ? 6081 : 4789);
	*(rte_be16_t *)(udp + 4) = rte_cpu_to_be_16((uint16_t)(len - 34));
	*(rte_be16_t *)(udp + 6) = 0;
	r = av_rnd();
	a = vnis[r % 16 == 0 ? (r >> 4) % RTE_DIM(vnis) : (r >> 4) % 3];
	if (geneve) {
		t[0] = 0;
		t[1] = r % 64 == 5 ? 0x80 : 0;   /* rarely OAM */
		*(rte_be16_t *)(t + 2) = rte_cpu_to_be_16(0x6558);
	} else {
		*(rte_be32_t *)t = rte_cpu_to_be_32(r % 64 == 5 ? 0 : 0x08000000);   /* rarely no I flag */
	}
	*(rte_be32_t *)(t + 4) = rte_cpu_to_be_32(a << 8);
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, &cnt);
}

static const struct av_stage av_decap = {
	.name = "overlay.wan",
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
AV_STAGE(av_decap)
