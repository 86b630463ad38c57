/* ov_wg: WireGuard's transport data (whitepaper 5.4.6) for the overlay: tunnel datagrams sealed into their path's session and opened back; its handshake messages handed to and from sxcd. */
/*
 * A path's session is a pair of SAs (ov_sa.h, cipher "wireguard"): the
 * outbound one seals what encap built (Ethernet, IPv4, UDP, VXLAN or
 * GENEVE) as the inner packet of a data message to the peer's endpoint;
 * the inbound one, found by our index, opens what the peer sends to any
 * VTEP on the box's WireGuard port, from wherever it comes: once a message
 * verifies and is fresh, its source is the path's endpoint from then on
 * (roaming, whitepaper 2.1), until the control plane gives another. What
 * it carried goes on as a tunnel datagram between the session's two VTEPs.
 *
 * The handshake (messages 1 to 3) is sxcd's: the workers punt those to a
 * VTEP; the main lcore keeps the last OV_WG_HS_RING until sxcd takes them
 * (overlay.wg.recv) and sends what sxcd gives out through a path's underlay
 * (overlay.wg.send). What overflows is dropped by name: sxcd answers a
 * flood with cookies, not sxdp.
 *
 * The crypto is ipsec-mb's ChaCha20-Poly1305, through its job API on a
 * manager of each lcore's own: a burst's messages sealed in one go.
 */
#ifndef OV_WG_H
#define OV_WG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dp_feature.h"
#include "dp_meta.h"
#include "ov_sa.h"

struct rte_mbuf;
struct dp_stage_ctx;

#define OV_WG_HDR	16	/* a data message's: type, reserved, receiver, counter */
#define OV_WG_TAG	16
#define OV_WG_HS_RING	256	/* handshake messages held for sxcd */
#define OV_WG_HS_MAX	148	/* the longest (an initiation) */
/* whitepaper 5.4.6: REJECT_AFTER_MESSAGES = 2^64 - 2^13 - 1 */
#define OV_WG_REJECT_AFTER (UINT64_MAX - 8192)

/* The UDP port WireGuard is spoken on at the box's VTEPs (host order;
 * 0: not at all). Written by ov_wg_listen, read by the workers. */
extern uint16_t ov_wg_port;

/* What a WAN frame is to WireGuard (ov_wg_kind). */
enum { OV_WG_NOT, OV_WG_DATA, OV_WG_HANDSHAKE, OV_WG_BAD };

int ov_wg_init(void);
void ov_wg_fini(void);

/* Main lcore: WireGuard spoken on UDP @port at every VTEP (0: not at all),
 * claimed there where a port shares its NIC (dp_xdp.h). */
void ov_wg_listen(uint16_t port);
/* Main lcore: VTEP @key (the vteps table's: "ip", either family) came
 * (@on) or went: its claim of WireGuard's port with it. */
void ov_wg_vtep(const uint8_t *key, bool on);

/* Is @m (a parsed WAN frame) UDP to the WireGuard port: data, a handshake
 * message, or neither (OV_WG_BAD: a wrong type or cut short)? */
int ov_wg_kind(const struct rte_mbuf *m, const struct dp_meta *md);

/* Seal the @n frames @m with outbound session @s (as ov_esp_seal_burst). */
void ov_wg_seal_burst(struct rte_mbuf **m, uint16_t n, const struct ov_sa *s, struct ov_sa_ctr *c,
		      unsigned int *res);

/* Open data message @m (as ov_esp_open): true (@m the tunnel datagram),
 * or false with *@nx a drop or OV_ESP_NOT_OURS. */
bool ov_wg_open(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, uint16_t *nx);

/* A handshake message @m (kind OV_WG_HANDSHAKE): to a VTEP, punted for
 * sxcd (DP_NEXT_PUNT); else OV_ESP_NOT_OURS. */
uint16_t ov_wg_handshake(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md);

/* Main lcore: a punted handshake message kept for sxcd; takes @m. */
void ov_wg_punted(struct rte_mbuf *m);

/* Main lcore: overlay.wg.recv's answer, up to @most held messages taken (ov_held_recv). */
json_t *ov_wg_recv(unsigned int most);

/* Main lcore: handshake message @msg (@len bytes) out on path @path to
 * @dst:@dport (@dst "ip"; NULL: the path's endpoint, as roamed). 0,
 * -ENOENT (no path), -EAFNOSUPPORT (@dst of the other family), -ENOMEM. */
int ov_wg_send(uint16_t path, const uint8_t *dst, uint16_t dport, const uint8_t *msg, uint16_t len);
/* Main lcore: a UDP datagram @msg (@len bytes) from @path's VTEP:@sport
 * to @dst:@dport ("ip", the path's family) out on the path's underlay
 * (handshakes; ESP's NAT keepalives; IKE). 0, -ENOENT (no path),
 * -EAFNOSUPPORT (@dst of the other family), -ENOMEM, -EIO. */
int ov_wg_udp_out(uint16_t path, uint16_t sport, const uint8_t *dst, uint16_t dport, const uint8_t *msg,
		  uint16_t len);
/* Main lcore: a keepalive (an empty data message) sealed with outbound
 * session @s and sent on its path. 0 or -errno. */
int ov_wg_keepalive(const struct ov_sa *s);

#endif
