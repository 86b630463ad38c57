/* Packets into GTP-U tunnels to a peer (tunnel_peers): the outer IPv4 or
 * IPv6, UDP and GTP-U headers with a PDU Session Container. Over IPv4, the
 * underlay next hop's rewrite from the switch's neighbours (unresolved: the
 * slow path holds the packet while the switch asks for it); over IPv6 the
 * outer packet is routed as the switch routes it (one resolved next hop:
 * sent from here; else switch.l3v6 on workers, its slow path on the main
 * lcore). Workers encapsulate bursts; the main lcore releases buffered
 * packets and sends end markers. */
#ifndef UP_ENCAP_H
#define UP_ENCAP_H

#include <stdint.h>
#include "up_state.h"

/* pkts[idx[j]] (inner IPv4 at l3_off) into the tunnel its termination
 * te[j] names (peer, teid, qfi), with a PDU Session Container of pdu_type
 * (GTPU_PDU_TYPE_UL toward an anchor, _DL toward a gNB): next[] is TX,
 * a punt (next hop unresolved), a drop, or for an IPv6 peer whose route is
 * not one resolved next hop the edge edge6 (to switch.l3v6). tpl: an IPv4
 * peer's packets through an untagged next hop take their outer frame from
 * the peer's template in the worker's memo (a fast path: its caller's
 * general path passes false, and the check compares the two). Workers. */
void up_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
		    const struct dp_entry **te, uint8_t pdu_type, uint16_t edge6, uint16_t *next, bool tpl);
/* The autovalidator's planted bug: a template's packets keep the outer
 * TOS of the template (0), not their own. Never set in sxdp. */
extern bool up_encap_tpl_planted;

/* Main lcore: punted m (as up_encap_burst takes it) encapsulated for
 * termination t and sent (upf.forwarded), or held, or dropped with its
 * reason, after the checks up_encap_burst makes against the tables as they
 * are now (the peer's MTU and the egress port's: too big, its sender told
 * as up_encap_too_big tells it). Takes m; 0 or -1. */
int up_encap_send(struct rte_mbuf *m, const struct up_term *t, uint8_t pdu_type);
/* Main lcore: an encapsulated packet whose next hop was unresolved
 * (dp_meta.tunnel: its peer), sent or held. Takes m. */
void up_encap_unresolved(struct rte_mbuf *m);
/* Main lcore: m, punted UP_PUNT_TOO_BIG (dp_meta.out_port: the largest
 * inner packet its tunnel carries), its sender told by the switch's ICMP
 * generator (fragmentation needed, packet too big; rate-limited, and
 * never about a packet that came inside a tunnel), then dropped
 * (upf.too_big). Takes m. */
void up_encap_too_big(struct rte_mbuf *m);
/* Main lcore: an end marker into tunnel teid at peer (sent, or held for
 * its next hop): 0, -ENOENT (no such peer), -ENOBUFS (no buffer, or it
 * could not go: dropped and counted). */
int up_end_marker_send(uint32_t peer, uint32_t teid);
/* GTP-U message @g (@glen bytes, header and all) of ours to tunnel peer
 * @peer, in the outer headers its entry says, routed as encap's packets
 * are (main lcore). 0, -ENOENT (no such peer), -ENOBUFS. */
int up_peer_send(uint32_t peer, const uint8_t *g, uint16_t glen);
/* Main lcore: the workers' memos of peers, upf.end_marker. 0 or -errno. */
int up_encap_init(unsigned int workers);
void up_encap_fini(void);

#endif
