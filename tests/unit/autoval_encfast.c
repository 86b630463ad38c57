/* The overlay's encap fast path in the autovalidator: stage
 * "overlay.encap", by the general path (pl_overlay_encap_general) and by
 * the fast one (pl_overlay_encap_fast, the general path when it declines,
 * as pl_overlay_encap_burst does). The real qos, switch and overlay
 * features are set up as sxdp would (their init), their tables written
 * through table.write as sxcd writes them: VXLAN and GENEVE tunnels, an
 * L3 one (a router MAC), one of another slice, two metered ones (one
 * meter passes all, the other drops all: its buckets are shallower than
 * any frame, so neither path's answer hangs on the buckets the other
 * left), one that does not exist;
 * classes by ports and DSCP, by a destination mask and by DSCP alone;
 * balance, failover and missing policies (a class that falls back to
 * class 0, a tunnel with none: its own path); static paths over IPv4 and
 * IPv6, one with a small MTU, one whose next hop is unresolved, a probed
 * one that is down; an outbound ESP SA on path 2 (tunnel 7's, and
 * tunnel 2's class 0 balance): its frames leave either walk to be sealed
 * (OV_NEXT_SEAL, the stage seals after the walk), compared unsealed, and
 * too big for the path once sealed by the SA's overhead. What a frame is
 * for the switch ahead decides is set by prepare from the frame itself:
 * its tunnel from its destination MAC.
 * Beside the packets, each burst's table counts must agree, and the fast
 * path must have taken bursts and sent, punted and dropped in them.
 * Implementation 2 is the fast path with a bug planted on purpose
 * (pl_overlay_encap_fast_planted: frames too big for their path go out
 * all the same), which the check must catch. */
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
#include "dp_tblrpc.h"
#include "ov_encap.h"
#include "ov_encfast.h"
#include "ov_state.h"
#include "sw_state.h"

static struct dp_cfg_port cfg[2];
static unsigned int impl_cur;
static struct av_tally tally = { .stage = "overlay.encap",
				  .need = 1u << AV_OUT | 1u << AV_PUNTED | 1u << AV_DROPPED | 1u << AV_EDGE };

/* the tables a burst counts in: what the two paths must count alike */
static struct av_counts cnt = { .stage = "overlay.encap", .n = 7,
				 .name = { "tunnels", "classes", "policies", "paths", "neigh", "neigh6", "meter_profiles" } };

/* ------------------------------------------------------------ set-up */

#define PATH(id, kind, src, dst, mtu, gw, extra)								\
	"{\"type\":\"insert\",\"table\":\"paths\",\"match\":{\"id\":" #id "},\"action\":\"" kind "\","	\
	"\"params\":{\"src\":\"" src "\",\"dst\":\"" dst "\",\"vrf\":100,\"mtu\":" #mtu ",\"gw\":\"" gw "\"" extra "}}"
#define TUNNEL(id, kind, slice, path, ttl, dscp, csum, extra)						\
	"{\"type\":\"insert\",\"table\":\"tunnels\",\"match\":{\"id\":" #id "},\"action\":\"" kind "\","	\
	"\"params\":{\"slice\":" #slice ",\"vni\":" #id "000,\"path\":" #path ",\"ttl\":" #ttl ",\"dscp\":" #dscp	\
	",\"csum\":" #csum extra "}}"
#define POLICY(tun, class, kind, params)									\
	"{\"type\":\"insert\",\"table\":\"policies\",\"match\":{\"tunnel\":" #tun ",\"class\":" #class "},"	\
	"\"action\":\"" kind "\",\"params\":{" params "}}"

/* The tables as sxcd writes them: one table.write of these updates. */
static const char *const updates[] = {
	/* a meter that never runs out (both paths meter each burst), and
	 * one that never has a frame's worth (red, dropped) */
	AV_METER_PASS_ALL(7),
	AV_METER_DROP_ALL(8),
	"{\"type\":\"insert\",\"table\":\"neigh\",\"match\":{\"vrf\":100,\"ip\":\"198.18.0.1\"},\"action\":\"rewrite\","
	"\"params\":{\"port\":\"p1\",\"vlan\":0,\"dmac\":\"02:00:00:00:ff:fe\",\"smac\":\"02:00:00:00:ff:01\"}}",
	"{\"type\":\"insert\",\"table\":\"neigh6\",\"match\":{\"vrf\":100,\"ip\":\"2001:db8:18::1\"},"
	"\"action\":\"rewrite\",\"params\":{\"port\":\"p1\",\"vlan\":7,\"dmac\":\"02:00:00:00:ff:fd\","
	"\"smac\":\"02:00:00:00:ff:01\"}}",
	PATH(1, "static", "198.18.0.10", "198.19.2.1", 0, "198.18.0.1", ""),
	PATH(2, "static", "198.18.0.10", "198.19.2.2", 0, "198.18.0.1", ""),
	PATH(3, "static", "198.18.0.10", "198.19.3.1", 200, "198.18.0.1", ""),
	PATH(4, "static", "2001:db8:18::10", "2001:db8:19::1", 0, "2001:db8:18::1", ""),
	PATH(5, "static", "198.18.0.10", "198.19.5.1", 0, "198.18.0.99", ""),
	PATH(6, "sxdp", "198.18.0.10", "198.19.6.1", 0, "198.18.0.1",
	     ",\"interval_ms\":1000,\"down_after\":3,\"up_after\":3"),
	TUNNEL(2, "vxlan", 1, 1, 64, 64, 0, ""),
	TUNNEL(3, "geneve", 1, 3, 0, 46, 1, ""),
	TUNNEL(4, "vxlan", 1, 5, 9, 64, 1, ""),
	TUNNEL(5, "vxlan", 1, 4, 64, 10, 0, ",\"rmac\":\"02:00:00:00:05:fe\""),
	TUNNEL(6, "vxlan", 2, 1, 64, 64, 0, ""),
	TUNNEL(7, "vxlan", 1, 2, 64, 64, 0, ",\"meter\":7"),
	TUNNEL(8, "geneve", 1, 1, 64, 64, 0, ",\"meter\":8"),
	"{\"type\":\"insert\",\"table\":\"classes\",\"match\":{\"slice\":1,\"proto\":{\"value\":17,\"mask\":255},"
	"\"dport\":{\"min\":16384,\"max\":32767},\"dscp\":{\"value\":46,\"mask\":63}},\"action\":\"class\","
	"\"params\":{\"class\":1},\"priority\":40}",
	"{\"type\":\"insert\",\"table\":\"classes\",\"match\":{\"slice\":1,\"dst\":{\"value\":\"10.0.200.0\","
	"\"mask\":\"255.0.255.0\"}},\"action\":\"class\",\"params\":{\"class\":2},\"priority\":20}",
	"{\"type\":\"insert\",\"table\":\"classes\",\"match\":{\"slice\":1,\"dscp\":{\"value\":8,\"mask\":63}},"
	"\"action\":\"class\",\"params\":{\"class\":3},\"priority\":10}",
	POLICY(2, 0, "balance", "\"p0\":1,\"p1\":2,\"p2\":0,\"p3\":0,\"w0\":1,\"w1\":1,\"w2\":0,\"w3\":0"),
	POLICY(2, 1, "failover", "\"p0\":2,\"p1\":1,\"p2\":0,\"p3\":0"),
	POLICY(3, 0, "failover", "\"p0\":3,\"p1\":0,\"p2\":0,\"p3\":0"),
	POLICY(3, 2, "balance", "\"p0\":3,\"p1\":6,\"p2\":0,\"p3\":0,\"w0\":1,\"w1\":3,\"w2\":0,\"w3\":0"),
	POLICY(5, 0, "failover", "\"p0\":6,\"p1\":4,\"p2\":0,\"p3\":0"),
	POLICY(5, 1, "failover", "\"p0\":6,\"p1\":0,\"p2\":0,\"p3\":0"),
};

/* One control call (JSON-RPC request req, method what) that must succeed;
 * the request is not printed (an SA's carries its key). */
static int
call(const char *what, const char *req)
{
	char *out = NULL;
	int rc = dp_rpc_handle(req, strlen(req), &out);

	if (rc != 0 || out == NULL || strstr(out, "\"error\"") != NULL) {
		fprintf(stderr, "autoval: overlay.encap: %s: %s\n", what, out ? out : "no answer");
		rc = -1;
	}
	free(out);
	return rc;
}

/* Path 2 encrypted: an outbound ESP SA (AES-GCM-128) as sxcd adds it. */
static int
sa_add(void)
{
	return call("overlay.sa.add", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"overlay.sa.add\",\"params\":{\"id\":1,\"dir\":\"out\","
		    "\"spi\":20481,\"cipher\":\"aes-gcm-128\",\"key\":\"000102030405060708090a0b0c0d0e0fa0a1a2a3\","
		    "\"src\":\"198.18.0.10\",\"dst\":\"198.19.2.2\",\"path\":2,\"seq\":1,\"esn\":true}}");
}

/* The SA gone: with one, the decap's memos stand aside (ov_sa_any). */
static int
teardown(void)
{
	return call("overlay.sa.del", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"overlay.sa.del\",\"params\":{\"id\":1}}");
}

static int
setup(void)
{
	static const char *const features[] = { "qos", "switch", "overlay" };

	/* p0 the LAN, p1 the WAN (MTU 1500) */
	dp_n_ports = 2;
	for (uint16_t p = 0; p < 2; p++) {
		snprintf(cfg[p].name, sizeof(cfg[p].name), "p%u", p);
		cfg[p].role = p == 1 ? DP_ROLE_WAN : DP_ROLE_LAN;
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
	/* a stage before this one may have written some */
	dp_table_clear((unsigned int)pl_sw.neigh, NULL);
	dp_table_clear((unsigned int)pl_sw.neigh6, NULL);
	cnt.table[0] = pl_ov.tunnels;
	cnt.table[1] = pl_ov.classes;
	cnt.table[2] = pl_ov.policies;
	cnt.table[3] = pl_ov.paths;
	cnt.table[4] = pl_sw.neigh;
	cnt.table[5] = pl_sw.neigh6;
	cnt.table[6] = dp_table_by_name("meter_profiles");
	if (av_table_write("overlay.encap", updates, RTE_DIM(updates)) != 0)
		return -1;
	return sa_add();
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general" : impl == 1 ? "fast" : "fast with a planted bug (too big goes out)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	pl_overlay_encap_fast_planted = impl == 2;
	return 0;
}

/* The frame's tunnel, as the switch's fdb would have it: by its
 * destination MAC's last byte; mostly the fast path's four. */
static const uint32_t tunnels[] = { 2, 2, 2, 3, 3, 4, 5, 5, 2, 3, 6, 7, 8, 99 };

static bool
prepare(struct rte_mbuf *m)
{
	struct dp_meta *md;

	if (!av_prepare_rx(m))
		return false;
	md = dp_meta(m);
	md->tunnel = tunnels[rte_pktmbuf_mtod(m, const uint8_t *)[5] % RTE_DIM(tunnels)];
	md->slice = 1;
	return true;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, false, &cnt, &tally, pl_overlay_encap_fast, pl_overlay_encap_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

static const char *const dsts[] = { "10.0.200.9", "10.7.200.1", "10.0.201.9", "192.0.2.1", "10.0.200.0" };
static const uint8_t dscps[] = { 0, 46, 46, 8, 34, 10 };
static const uint16_t dports[] = { 16384, 20000, 32767, 32768, 5060, 443, 16383 };

/* An IPv4 frame (at most one tag) keeps that shape: its tunnel one of the
 * fast path's four (or rarely another), its DSCP, protocol, destination
 * and port those the classes look at, sometimes grown past the small
 * path's MTU; the checksum made right. */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint32_t l3 = 14, hl, a;
	uint64_t r = av_rnd();
	unsigned int edits = 1 + (unsigned int)(r % 3);

	if (len >= 18 && b[12] == 0x81 && b[13] == 0x00)
		l3 = 18;
	if (len < l3 + 20 || b[l3 - 2] != 0x08 || b[l3 - 1] != 0x00 || (b[l3] >> 4) != 4 || (b[l3] & 0xf) < 5)
		return 0;
	hl = (b[l3] & 0xfu) * 4;
	if (len < l3 + hl + 4)
		return 0;
	for (unsigned int e = 0; e < edits; e++) {
		r = av_rnd();
		switch ((r >> 8) % 8) {
		case 0:
		case 1:   /* the tunnel: mostly the fast path's */
			b[5] = (uint8_t)((r >> 16) % 16 == 0 ? (r >> 20) : (const uint8_t[]){ 0, 3, 5, 6, 11, 12 }[(r >> 20) % 6]);
			break;
		case 2:
			b[l3 + 1] = (uint8_t)(dscps[(r >> 16) % RTE_DIM(dscps)] << 2 | ((r >> 24) & 3));
			break;
		case 3:
			b[l3 + 9] = (const uint8_t[]){ IPPROTO_UDP, IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP }[(r >> 16) % 4];
			break;
		case 4:
			a = av_ip4(dsts[(r >> 16) % RTE_DIM(dsts)]);
			memcpy(b + l3 + 16, &a, 4);
			break;
		case 5:
			*(rte_be16_t *)(b + l3 + hl + 2) = rte_cpu_to_be_16(dports[(r >> 16) % RTE_DIM(dports)]);
			break;
		case 6:   /* grown past path 3's MTU (200), or to the WAN's */
			if ((r >> 16) % 2 && cap > l3 + 300) {
				uint32_t to = (r >> 20) % 2 ? RTE_MIN(cap, l3 + 1500u - 20) : l3 + 200;

				if (to > len) {
					memset(b + len, (int)(r >> 32) & 0xff, to - len);
					len = to;
					*(rte_be16_t *)(b + l3 + 2) = rte_cpu_to_be_16((uint16_t)(len - l3));
				}
			}
			break;
		default:   /* the TTL, DF */
			b[l3 + 8] = (const uint8_t[]){ 1, 9, 64, 255 }[(r >> 16) % 4];
			b[l3 + 6] ^= (r >> 24) & 1 ? 0x40 : 0;
			break;
		}
	}
	b[l3 + 10] = b[l3 + 11] = 0;
	*(uint16_t *)(b + l3 + 10) = (uint16_t)~rte_raw_cksum(b + l3, hl);
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, &cnt);
}

static const struct av_stage av_encfast = {
	.name = "overlay.encap",
	.corpus = "parse",
	.setup = setup,
	.n_impls = 3,
	.impl_name = impl_name,
	.planted = 2,
	.force = force,
	.prepare = prepare,
	.run = run,
	.mutate_shaped = mutate_shaped,
	.shaped_times = 8,
	.report = report,
	.teardown = teardown,
};
AV_STAGE(av_encfast)
