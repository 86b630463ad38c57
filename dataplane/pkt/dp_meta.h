/* Per-packet metadata every feature shares, filled once by the parser and
 * read by every stage: what several features or the core read, nothing
 * one feature alone does. It lives in the mbuf private area so it follows the
 * packet through hold queues and the slow path without a side table. A
 * feature's own per-packet fields are an rte_mbuf dynamic field it
 * registers itself (see pipelines/switch/api/sw_api.h sw_meta) or a field in
 * the rest of this line (dp_meta_field_claim: pipelines/upf/datapath/up_gtpu.h). */
#ifndef DP_META_H
#define DP_META_H

#include <stdint.h>
#include <rte_mbuf.h>

/* dp_meta.flags */
#define DP_MF_VLAN      (1u << 0)  /* at least one 802.1Q/802.1ad tag */
#define DP_MF_QINQ      (1u << 1)  /* two tags */
#define DP_MF_ARP       (1u << 2)
#define DP_MF_IPV4      (1u << 3)
#define DP_MF_IPV6      (1u << 4)
#define DP_MF_IP_OPTS   (1u << 5)  /* IPv4 options present */
#define DP_MF_FRAG      (1u << 6)  /* any fragment (IPv4 MF/offset or IPv6 frag hdr) */
#define DP_MF_FRAG_LATER (1u << 7) /* non-first fragment: no L4 header */
#define DP_MF_L4        (1u << 8)  /* l4_off valid and L4 header fully present */
#define DP_MF_HOST      (1u << 9)  /* sent by the box's own kernel (a VRF's twin, with DP_MF_OWN): the
				    * box originates it, so no hop of the box counts against its
				    * TTL (RFC 1812 5.3.1: a router decrements what it forwards) */
#define DP_MF_ROUTED    (1u << 11) /* routed by the box into a bridged way on (a neighbour behind an L2
				    * tunnel): what is said about it there (too big) is a router's */
#define DP_MF_TUN       (1u << 10) /* a UDP port's registered parser took the payload
				    * (dp_parse_udp_register; md->dport names whose): tun_key is
				    * valid and so are that feature's own per-packet fields */
#define DP_MF_IP_EXT    (1u << 12) /* IPv6 extension headers walked */
#define DP_MF_OWN       (1u << 13) /* the box is its IP source (a tunnel's outer header): no ICMP error
				    * is ever sent about it */
#define DP_MF_MADE      (1u << 14) /* made on the main lcore, never punted: the slow path counts it
				    * under its own events only, never as forwarded */
#define DP_MF_DECAP     (1u << 15) /* taken out of a tunnel on this box (dp_meta.tunnel names it where
				    * the feature has ids): in_port is the transport side, so what the
				    * box says about the packet goes back inside the tunnel or nowhere */

#define DP_MF_ATOMIC_FRAG (1u << 16) /* IPv6 Fragment header with offset 0 and M 0: not a fragment
				      * (RFC 6946), but NDP in one is still refused (RFC 6980) */

#define DP_MF_RESUME    (1u << 17) /* handed to another worker (DP_NEXT_HANDOFF): dp_meta.drop is the
				    * receiving reader's edge into the stage that takes it again */
#define DP_MF_RESUMED   (1u << 18) /* taken again by that stage on the worker it was handed to: the
				    * stage hands it off no more (its tables may have changed in
				    * between) and clears this when done with it */
#define DP_MF_RAW       (1u << 19) /* not parsed yet (every other field but in_port stale): software
				    * RSS handed it over before the parse, the worker that takes it
				    * parses it (dp_parse_mbuf) before any stage sees it */

#define DP_META_VLAN_MAX 2

struct dp_meta {
	uint32_t flags;
	uint16_t in_port;        /* DPDK port id of arrival */
	uint16_t slice;          /* slice id decided at ingress (0 = none yet): the
				  * isolation domain every feature keys on */

	uint16_t l2_len;         /* Ethernet + VLAN tags */
	uint16_t l3_off;         /* == l2_len when an L3 header is present */
	uint16_t l4_off;         /* valid when DP_MF_L4 */
	uint16_t ethertype;      /* innermost ethertype, host order */
	uint16_t vlan[DP_META_VLAN_MAX]; /* TCI host order, outer first */

	uint8_t  l4_proto;       /* IPPROTO_* of the final header (after v6 ext) */
	uint8_t  ttl;            /* IPv4 TTL / IPv6 hop limit */
	uint16_t sport;          /* host order, valid when DP_MF_L4 and TCP/UDP */
	uint16_t dport;

	uint16_t class_id;       /* the class a feature put the packet in (an egress
				  * scheduler's pipe; 0: its slice's default). qos's,
				  * but set by the stages of the features that classify
				  * and read for every packet a scheduled port sends,
				  * classified or not: its 0 is the parser's clearing */
	uint32_t tun_key;        /* DP_MF_TUN: the key within the outer 5-tuple its
				  * encapsulation names (GTP-U: the TEID), host order: the
				  * flow hash and software RSS spread on it. Without
				  * DP_MF_TUN, on a DP_MF_DECAP packet: the id of the tunnel
				  * it was taken out of, as the feature that took it out
				  * left it there (for observers; nothing forwards on it) */
	uint32_t hash;           /* flow hash (RSS or computed), for ECMP */
	uint32_t out_port;       /* DP_NEXT_TX's parameter: egress port index */
	uint32_t tunnel;         /* overlay tunnel id: the one a decapsulated frame came
				  * through, then the one an edge to encap sends it into */
	uint16_t drop;           /* DP_DROP's reason, for the graph's drop node */
	uint8_t  feature;        /* DP_NEXT_PUNT: whose slow path takes it */
	uint8_t  punt;           /* DP_NEXT_PUNT: why, in the feature's own terms (the parser clears it) */
	/* no padding anywhere: the parser clears every byte */
};

static inline struct dp_meta *
dp_meta(struct rte_mbuf *m)
{
	return (struct dp_meta *)rte_mbuf_to_priv(m);
}

/* Size to reserve as mbuf private area: a whole cache line, so the packet
 * data after the headroom starts on a cache line (a 64 B frame is one line,
 * not two: measured 15 % of l3 throughput) and a multiple of
 * RTE_MBUF_PRIV_ALIGN as DPDK requires. */
#define DP_META_PRIV_SIZE RTE_ALIGN_CEIL(sizeof(struct dp_meta), RTE_CACHE_LINE_SIZE)
_Static_assert(DP_META_PRIV_SIZE % RTE_MBUF_PRIV_ALIGN == 0, "DPDK's private area rule");

/* The rest of that line after struct dp_meta: room for features' own
 * per-packet fields, claimed at init as rte_mbuf dynamic fields are
 * registered (which live in the mbuf's second line, full with the
 * switch's, the upf's and a PMD's timestamp): in the line every stage
 * already reads. A feature claims bytes @off..@off+@size-1 (@off from the
 * mbuf, RTE_MBUF_DYNFIELD takes it), which its hot path then uses as a
 * constant (no offset to load per packet): the offset, -EINVAL before the
 * room, -ENOSPC past it, -EBUSY when another has them. Main lcore, before the workers run;
 * the parser never clears it: a feature's field is valid only where the
 * feature says so. */
#define DP_META_FIELDS_ROOM (DP_META_PRIV_SIZE - sizeof(struct dp_meta))
int dp_meta_field_claim(size_t off, size_t size);
/* Features' fini: all given back (they are laid out again at init). */
void dp_meta_fields_reset(void);

#endif
