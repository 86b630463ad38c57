/* SPDX-License-Identifier: BSD-3-Clause */
/* SLAAC router advertisements (dh_ra.h): table dhcp_ra, (vrf, bd) ->
 * ra(interval_s, lifetime_s); the prefix is the bd's svi6's. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "dp_feature.h"
#include "dp_slow.h"
#include "dp_table.h"
#include "dh_ra.h"
#include "dhcp_names.h"
#include "sw_api.h"

#define RA_INTERVAL_MIN DHCP_RA_INTERVAL_MIN
#define RA_INTERVAL_MAX DHCP_RA_INTERVAL_MAX
#define RA_VALID_S 2592000u        /* the prefix's lifetimes (RFC 4861 6.2.1 defaults) */
#define RA_PREFERRED_S 604800u
#define RA_LEN (16 + 8 + 32)       /* header, source link-layer address, prefix information */
#define RA_BDS 4096

enum { RA_A_RA, RA_A_NONE };
struct ra_p { uint16_t interval_s, lifetime_s; };

static const struct dp_table_def ra_def = {
	.name = DHCP_T_RA, .size = 1024, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "bd", DP_T_U16, DP_MATCH_EXACT, 4095 } },
	.n_actions = 2,
	.actions = {
		[RA_A_RA] = { "ra", 2, { { "interval_s", DP_T_U16, RA_INTERVAL_MAX },
					 { "lifetime_s", DP_T_U16, DHCP_RA_LIFETIME_MAX } } },
		[RA_A_NONE] = { "none", 0, {} },
	},
	.default_action = RA_A_NONE,
};

static int t_ra = -1;
static struct rte_mempool *ra_mp;
static unsigned int ra_ev;
static uint64_t next_tsc[RA_BDS];   /* when each bd's next advertisement is due */
static uint64_t poll_tsc;

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

unsigned int
dh_ra_build(uint8_t *out, const uint8_t *mac, const uint8_t *src, const uint8_t *prefix, uint16_t lifetime_s)
{
	uint32_t sum = 0, v;
	uint8_t *o = out;

	memset(out, 0, RA_LEN);
	o[0] = 134;                     /* router advertisement */
	o[4] = 64;                      /* cur hop limit */
	o[6] = (uint8_t)(lifetime_s >> 8);
	o[7] = (uint8_t)lifetime_s;
	o += 16;                        /* reachable time, retrans timer: 0 (unspecified) */
	o[0] = 1;                       /* source link-layer address */
	o[1] = 1;
	memcpy(o + 2, mac, 6);
	o += 8;
	o[0] = 3;                       /* prefix information */
	o[1] = 4;
	o[2] = 64;
	o[3] = 0xc0;                    /* L, A */
	v = rte_cpu_to_be_32(RA_VALID_S);
	memcpy(o + 4, &v, 4);
	v = rte_cpu_to_be_32(RA_PREFERRED_S);
	memcpy(o + 8, &v, 4);
	memcpy(o + 16, prefix, 8);      /* the /64; the rest stays zero */
	/* checksum over RFC 8200 8.1's pseudo-header */
	for (int i = 0; i < 16; i += 2)
		sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(all_nodes[i] << 8 | all_nodes[i + 1]);
	sum += RA_LEN + IPPROTO_ICMPV6;
	for (int i = 0; i < RA_LEN; i += 2)
		sum += (uint32_t)(out[i] << 8 | out[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	out[2] = (uint8_t)(sum >> 8);
	out[3] = (uint8_t)sum;
	return RA_LEN;
}

static void
ra_send(uint16_t vrf, uint16_t bd, const struct ra_p *p)
{
	uint8_t key[DP_KEY_MAX] = { vrf >> 8, vrf & 0xff, bd >> 8, bd & 0xff };
	const struct dp_entry *e = dp_table_find((unsigned int)pl_sw.svi6, key);
	uint8_t pkt[sizeof(struct rte_ipv6_hdr) + RA_LEN];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;
	const struct sw_svi6 *s;

	if (e == NULL || e->action != 0)
		return;
	s = (const struct sw_svi6 *)e->params;
	if (s->plen != 64 || (s->held && !pl_switch_held_here(bd, SW_HELD_V6)))
		return;   /* SLAAC is /64 alone; a pair's standby says nothing */
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(RA_LEN);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	ip->src_addr[0] = 0xfe;         /* fe80:: + the modified EUI-64 of the SVI's MAC */
	ip->src_addr[1] = 0x80;
	ip->src_addr[8] = s->mac[0] ^ 0x02;
	ip->src_addr[9] = s->mac[1];
	ip->src_addr[10] = s->mac[2];
	ip->src_addr[11] = 0xff;
	ip->src_addr[12] = 0xfe;
	memcpy(&ip->src_addr[13], s->mac + 3, 3);
	memcpy(ip->dst_addr, all_nodes, 16);
	dh_ra_build(pkt + sizeof(*ip), s->mac, ip->src_addr, s->ip, p->lifetime_s);
	for (unsigned int n = pl_switch_bd_out(ra_mp, bd, all_nodes_mac, s->mac, RTE_ETHER_TYPE_IPV6, pkt,
					       sizeof(pkt)); n > 0; n--)
		dp_slow_event(ra_ev);
}

static int
ra_one(const struct dp_entry_view *ev, void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	uint16_t vrf = (uint16_t)(ev->key[0] << 8 | ev->key[1]), bd = (uint16_t)(ev->key[2] << 8 | ev->key[3]);
	const struct ra_p *p = (const struct ra_p *)ev->params;

	if (ev->action != RA_A_RA || now < next_tsc[bd & (RA_BDS - 1)])
		return 0;
	next_tsc[bd & (RA_BDS - 1)] = now + rte_get_tsc_hz() * RTE_MAX(p->interval_s, RA_INTERVAL_MIN);
	ra_send(vrf, bd, p);
	return 0;
}

void
dh_ra_poll(uint64_t now_tsc)
{
	/* a walk of the table ten times a second at most: the main lcore's loop is ~1 ms */
	if (now_tsc - poll_tsc < rte_get_tsc_hz() / 10 || dp_table_entries((unsigned int)t_ra) == 0)
		return;
	poll_tsc = now_tsc;
	dp_table_each((unsigned int)t_ra, ra_one, &now_tsc);
}

int
dh_ra_init(struct rte_mempool *mp, unsigned int ev)
{
	const struct dp_table_spec tables[] = { { &ra_def, &t_ra, 0 } };

	ra_mp = mp;
	ra_ev = ev;
	memset(next_tsc, 0, sizeof(next_tsc));
	return dp_feature_tables("dhcp", tables, RTE_DIM(tables));
}
