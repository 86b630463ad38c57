/* ov_esp: a tunnel datagram sealed into ESP for its path, or an ESP packet to a VTEP opened back into one (RFC 4303 tunnel mode, RFC 3948 UDP encapsulation). */
/*
 * Sealing takes the outer frame encap built (Ethernet, IPv4, UDP, VXLAN or
 * GENEVE) and makes it the inner packet of the path's outbound SA: the
 * frame leaves as Ethernet, IPv4 (VTEP to peer, DSCP and ECN of the tunnel
 * datagram), [UDP 4500], ESP. Opening is the other way: an ESP packet (IP
 * protocol 50, or UDP to port 4500 with a non-zero SPI) to one of the SAs'
 * VTEPs from its peer, decrypted, its sequence number in the window, its
 * trailer whole, comes back as the tunnel datagram it carried, re-parsed,
 * whose outer addresses must be the SA's; overlay.wan then checks it as
 * any tunnel datagram. Each failure is a named drop; a packet is never
 * half changed when it is dropped for anything but a failed check of the
 * crypto.
 *
 * Both take a burst of one SA a call of the library. Its failures come
 * back together, put last: each is told apart by its mbuf, and what
 * preparing refused (before any change to it) is asked again alone for
 * its reason, so that every refusal still has its own name.
 */
#ifndef OV_ESP_H
#define OV_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_feature.h"
#include "dp_meta.h"
#include "ov_sa.h"
#include "ov_state.h"

#define OV_ESP_NATT_KEEPALIVE 0xff	/* a NAT keepalive's one byte (RFC 3948 2.3) */

struct rte_mbuf;

/* What an ESP packet is to overlay.wan (ov_esp_kind). */
enum { OV_ESP_NOT, OV_ESP_PACKET, OV_ESP_KEEPALIVE };

/* Is @m (parsed into @md, a WAN frame) ESP or a NAT keepalive (RFC 3948
 * 2.3: UDP to 4500, one byte 0xff)? Fragments are not. */
int ov_esp_kind(const struct rte_mbuf *m, const struct dp_meta *md);

/* Seal the @n (<= DP_LOOKUP_BURST) frames @m (each its dp_meta encap's
 * outer frame) with @s, counted in @c (the lcore's row of ov_sa_ctr):
 * @res[i] 0 (sealed, its dp_meta the ESP packet's) or a drop reason. One
 * call of the library for all: what it costs a packet is shared. */
void ov_esp_seal_burst(struct rte_mbuf **m, uint16_t n, const struct ov_sa *s, struct ov_sa_ctr *c,
		       unsigned int *res);

/* Open the @n ESP packets @m[@at[0..n-1]] (each of kind OV_ESP_PACKET,
 * parsed) on @ctx's worker, those of one SA by one call of the library
 * each way: @ok[at[i]] true (the packet is the tunnel datagram it carried,
 * its dp_meta its parse), or false with its verdict in @nx[at[i]]:
 * DP_NEXT_DROP(a reason: each refusal by its own name), or OV_ESP_NOT_OURS
 * (not to an SA of ours and not to a VTEP: the underlay's). */
#define OV_ESP_NOT_OURS DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY)
struct dp_stage_ctx;
void ov_esp_open_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **m, const uint8_t *at, uint16_t n, uint16_t *nx,
		       bool *ok);
/* Opened @m (what it carried, Ethernet header stripped) of SA @s: the
 * datagram under @l2 (the frame's own Ethernet header, @l2_len bytes)
 * parsed again; true, or false with *@nx a drop (it is no IPv4 datagram
 * between @s's two ends). ESP's and WireGuard's alike. */
bool ov_esp_inner(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, const uint8_t *l2, uint16_t l2_len,
		  const struct ov_sa *s, uint16_t *nx);
/* A NAT keepalive @m: to a VTEP, DP_NEXT_DROP(natt_keepalive) (discarded,
 * as its receiver does); else OV_ESP_NOT_OURS (transit). */
uint16_t ov_esp_keepalive(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md);

#endif
