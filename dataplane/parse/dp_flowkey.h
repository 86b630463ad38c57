/* The key of a flow classification table: (slice, source, destination,
 * protocol, source port, destination port, DSCP) from a parsed packet,
 * each field where the table's declaration laid it out. Addresses are of
 * the "ip" type: IPv6 as it is, IPv4 mapped, so an entry's IPv4 prefix
 * never matches an IPv6 packet nor the other way round, and an entry that
 * leaves them out matches both.
 * Features that classify flows (the overlay's application classes, QoS's
 * VDNs) declare their tables with these fields in this order (match kinds
 * their own) and build keys here. */
#ifndef DP_FLOWKEY_H
#define DP_FLOWKEY_H

#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_addr.h"
#include "dp_meta.h"
#include "dp_table.h"

enum { DP_FK_SLICE, DP_FK_SRC, DP_FK_DST, DP_FK_PROTO, DP_FK_SPORT, DP_FK_DPORT, DP_FK_DSCP, DP_FK_FIELDS };
#define DP_FK_ROOM 48            /* a key buffer (the ACL backend reads in words) */

/* The fields of such a table as its dp_table_def declares them: the slice
 * exact, addresses and DSCP ternary, ports ranges. */
#define DP_FLOWKEY_FIELDS							\
	{ "slice", DP_T_U16, DP_MATCH_EXACT }, { "src", DP_T_IP, DP_MATCH_TERNARY },	\
	{ "dst", DP_T_IP, DP_MATCH_TERNARY }, { "proto", DP_T_U8, DP_MATCH_TERNARY },	\
	{ "sport", DP_T_U16, DP_MATCH_RANGE }, { "dport", DP_T_U16, DP_MATCH_RANGE },	\
	{ "dscp", DP_T_U8, DP_MATCH_TERNARY }

/* The offsets of table's fields (at init, once the table exists). */
static inline void
dp_flowkey_offsets(unsigned int table, uint8_t *off)
{
	for (unsigned int f = 0; f < DP_FK_FIELDS; f++)
		off[f] = (uint8_t)dp_table_field_off(table, f);
}

/* The IP packet's traffic class byte (DSCP and ECN), 0 if not IP. */
static inline uint8_t
dp_flowkey_tos(struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV4)
		return l3[1];
	if (md->flags & DP_MF_IPV6)
		return (uint8_t)((l3[0] << 4) | (l3[1] >> 4));
	return 0;
}

/* k (DP_FK_ROOM bytes): m's key. Not IP: addresses :: (which no IPv4
 * entry matches); no TCP/UDP ports: 0. */
static inline void
dp_flowkey(uint8_t *k, const uint8_t *off, struct rte_mbuf *m, const struct dp_meta *md)
{
	memset(k, 0, DP_FK_ROOM);
	*(rte_be16_t *)(k + off[DP_FK_SLICE]) = rte_cpu_to_be_16(md->slice);
	if (md->flags & DP_MF_IPV4) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
									md->l3_off);

		dp_addr_map4(ip->src_addr, k + off[DP_FK_SRC]);
		dp_addr_map4(ip->dst_addr, k + off[DP_FK_DST]);
	} else if (md->flags & DP_MF_IPV6) {
		const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									 md->l3_off);

		memcpy(k + off[DP_FK_SRC], ip6->src_addr, 16);
		memcpy(k + off[DP_FK_DST], ip6->dst_addr, 16);
	}
	if (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) {
		k[off[DP_FK_PROTO]] = md->l4_proto;
		if ((md->flags & DP_MF_L4) && (md->l4_proto == IPPROTO_TCP || md->l4_proto == IPPROTO_UDP)) {
			*(rte_be16_t *)(k + off[DP_FK_SPORT]) = rte_cpu_to_be_16(md->sport);
			*(rte_be16_t *)(k + off[DP_FK_DPORT]) = rte_cpu_to_be_16(md->dport);
		}
		k[off[DP_FK_DSCP]] = dp_flowkey_tos(m, md) >> 2;
	}
}

#endif
