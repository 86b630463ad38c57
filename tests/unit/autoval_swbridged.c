/* The switch's bridged fused path in the autovalidator: stage
 * "switch.bridged" is what switch.ingress then switch.l2 leave (l2's
 * edges as ingress's, as sw_ingress.c's run-time check maps them), by the
 * general path (pl_switch_bridged_general) and by the fused one
 * (pl_switch_fast_bridged, the general path when it declines, as
 * pl_switch_ingress_burst does). The real qos and switch features are set
 * up as sxdp would, on four ports with tables written here: attached
 * interfaces of two bridge domains (one metered: the general path alone),
 * a routed one; in the domain, sources static, learned here, learned on
 * another port (a move: learning), unknown; destinations a member port
 * untagged, one tagged, a non-member, a port of a small MTU, the frame's
 * own port (a hairpin), a tunnel, an attached endpoint, the router MAC,
 * unknown and group ones (flooded). Each burst's table hit counts must
 * agree, and the fused path must have taken bursts. Implementation 2 has a
 * planted bug (pl_switch_fast_bridged_planted: hairpins taken), which the
 * check must catch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "autoval.h"
#include "dp_feature.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_table.h"
#include "sw_state.h"
#include "sw_fast.h"
#include "sw_ingress.h"

static struct av_counts cnt = { .stage = "switch.bridged", .n = 4,
				 .name = { "interfaces", "fdb", "bd_ports", "meter_profiles" } };

static unsigned int impl_cur;
static struct av_tally tally = { .stage = "switch.bridged", .need = 1u << AV_OUT | 1u << AV_EDGE | 1u << AV_DROPPED };

/* The stations and what the fdb says of them (bridge domain 5):
 * sources 0..3, destinations 4..11. */
#define MAC(last) { { 0x02, 0, 0, 0, 0x0b, last } }
static const struct rte_ether_addr macs[] = {
	MAC(1), MAC(2), MAC(3), MAC(4),                         /* static on 0, learned on 0, on 1, unknown */
	MAC(0x10), MAC(0x11), MAC(0x12), MAC(0x13), MAC(0x14),  /* port 2, port 1 (VLAN 20), 3 (not a member), 0 */
	MAC(0x20), MAC(0x21), MAC(0x30),                        /* tunnel 5, endpoint 7, the router MAC */
};

/* ------------------------------------------------------------ set-up */

static struct dp_update
iface(uint16_t port, uint16_t vid, uint16_t action, uint16_t bd, uint32_t meter)
{
	const struct sw_attach a = { .slice = 1, .bd = bd, .meter = meter };
	struct dp_update u = av_update(pl_sw.interfaces, action, &a, sizeof(a));

	sw_key_store(u.key, (uint64_t)rte_cpu_to_be_16(port) | (uint64_t)rte_cpu_to_be_16(vid) << 16);
	return u;
}

static struct dp_update
fdb(unsigned int mac, uint16_t action, uint32_t arg)
{
	struct dp_update u;

	if (action == SW_FDB_TUNNEL) {
		const struct sw_tun t = { .tunnel = arg };

		u = av_update(pl_sw.fdb, action, &t, sizeof(t));
	} else if (action == SW_FDB_ROUTE) {
		u = av_update(pl_sw.fdb, action, NULL, 0);
	} else {
		const struct sw_fwd f = { .port = (uint16_t)arg };

		u = av_update(pl_sw.fdb, action, &f, sizeof(f));
	}
	pl_switch_key_fdb(u.key, 5, &macs[mac]);
	return u;
}

static struct dp_update
member(uint16_t port, uint16_t vlan)
{
	const struct sw_member mb = { .vlan = vlan };
	struct dp_update u = av_update(pl_sw.bd_ports, 0, &mb, sizeof(mb));

	pl_switch_key_bd_port(u.key, 5, port);
	return u;
}

static const char *const meters[] = { AV_METER_PASS_ALL(21) };

static int
setup(void)
{
	static const char *const features[] = { "qos", "switch" };
	struct dp_update u[32];
	unsigned int n = 0;
	int res[32];

	if (av_features(features, RTE_DIM(features)) != 0 || dp_parse_impl_set(DP_PARSE_GENERAL) != 0)
		return -1;
	for (unsigned int t = 0; t < cnt.n; t++)
		cnt.table[t] = dp_table_by_name(cnt.name[t]);
	if (av_table_write("switch.bridged", meters, RTE_DIM(meters)) != 0)
		return -1;
	/* port 3's MTU is small */
	dp_n_ports = 4;
	for (uint16_t p = 0; p < 4; p++) {
		dp_ports[p].index = p;
		dp_ports[p].port_id = p;
		dp_ports[p].mac = macs[11];
		dp_ports[p].mtu = p == 3 ? 100 : 1500;
		dp_ports[p].admin_up = true;
	}
	/* a stage before this one may have written interfaces and fdb */
	dp_table_clear((unsigned int)pl_sw.interfaces, NULL);
	dp_table_clear((unsigned int)pl_sw.fdb, NULL);
	dp_table_clear((unsigned int)pl_sw.bd_ports, NULL);
	u[n++] = iface(0, 0, SW_IF_ATTACH, 5, 0);
	u[n++] = iface(0, 10, SW_IF_ATTACH, 5, 0);
	u[n++] = iface(1, 0, SW_IF_ATTACH, 5, 0);
	u[n++] = iface(2, 0, SW_IF_ATTACH, 5, 21);   /* metered: the general path's */
	u[n++] = iface(3, 0, SW_IF_ROUTED, 5, 0);
	u[n++] = iface(3, 10, SW_IF_ATTACH, 6, 0);   /* a domain with no entries */
	u[n++] = fdb(0, SW_FDB_FORWARD, 0);
	u[n++] = fdb(1, SW_FDB_LEARNED, 0);
	u[n++] = fdb(2, SW_FDB_LEARNED, 1);
	u[n++] = fdb(4, SW_FDB_FORWARD, 2);
	u[n++] = fdb(5, SW_FDB_LEARNED, 1);
	u[n++] = fdb(6, SW_FDB_FORWARD, 3);
	u[n++] = fdb(7, SW_FDB_LEARNED, 3);
	u[n++] = fdb(8, SW_FDB_FORWARD, 0);
	u[n++] = fdb(9, SW_FDB_TUNNEL, 5);
	u[n++] = fdb(10, SW_FDB_TUNNEL, 7 | SW_TUN_ATTACHED);
	u[n++] = fdb(11, SW_FDB_ROUTE, 0);
	u[n++] = member(0, 0);
	u[n++] = member(1, 20);
	u[n++] = member(2, 0);
	if (dp_table_write(u, n, DP_ATOM_CONTINUE, res) != 0) {
		for (unsigned int i = 0; i < n; i++)
			if (res[i] != 0)
				fprintf(stderr, "autoval: switch.bridged: table %u update %u: %s\n", u[i].table, i,
					strerror(-res[i]));
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------ the stage */

static const char *
impl_name(unsigned int impl)
{
	return impl == 0 ? "general" : impl == 1 ? "fused" : "fused with a planted bug (hairpins taken)";
}

static int
force(unsigned int impl)
{
	impl_cur = impl;
	pl_switch_fast_bridged_planted = impl == 2;
	return 0;
}

static uint16_t
run(struct dp_stage_ctx *unused, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	RTE_SET_USED(unused);
	return av_run_fast(impl_cur, false, &cnt, &tally, pl_switch_fast_bridged, pl_switch_bridged_general, pkts, n, next);
}

/* ------------------------------------------------------------ inputs */

/* Any frame keeps what follows its addresses: its source one of the
 * stations (rarely a group or zero one), its destination one of the
 * domain's (rarely a group, unknown or the router's). */
static uint32_t
mutate_shaped(uint8_t *b, uint32_t len, uint32_t cap)
{
	uint64_t r = av_rnd();
	unsigned int d = (unsigned int)((r >> 8) % 256), s = (unsigned int)((r >> 16) % 256);

	RTE_SET_USED(cap);
	if (len < RTE_ETHER_HDR_LEN)
		return 0;
	/* mostly known destinations (4..10; rarely 8, port 0's: a hairpin
	 * from port 0), a few to the router, unknown, a group */
	memcpy(b, &macs[d < 246 ? (const unsigned int[]){ 4, 5, 6, 7, 9, 10 }[d % 6] : d < 250 ? 8 : d < 253 ? 11 : 3],
	       6);
	if (d == 255)
		b[0] |= 1;
	/* mostly known sources (0, 1), a few moved or unknown, rarely a group or zero */
	memcpy(b + 6, &macs[s < 250 ? s % 2 : 2 + s % 2], 6);
	if ((r >> 24) % 512 == 0)
		b[6] |= 1;
	else if ((r >> 24) % 512 == 1)
		memset(b + 6, 0, 6);
	return len;
}

static int
report(void)
{
	return av_tally_report(&tally, &cnt);
}

static const struct av_stage av_swbridged = {
	.name = "switch.bridged",
	.corpus = "parse",
	.setup = setup,
	.n_impls = 3,
	.impl_name = impl_name,
	.planted = 2,
	.force = force,
	.prepare = av_prepare_rx,
	.run = run,
	.mutate_shaped = mutate_shaped,
	.shaped_times = 2,
	.report = report,
};
AV_STAGE(av_swbridged)
