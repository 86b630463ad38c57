/* flowexp's registry of tunnels it looks into: a feature that owns an
 * encapsulation (overlay: VXLAN; upf: GTP-U) registers, from a constructor,
 * how to find the tunnel id and the inner packet in a UDP payload, so the
 * flow key is the innermost 5-tuple and the tunnel's id, and flowexp
 * names no encapsulation. */
#ifndef FX_API_H
#define FX_API_H

#include <stdbool.h>
#include <stdint.h>

enum fx_tun_kind {
	FX_TUN_NONE = 0,
	FX_TUN_VNI = 1,    /* exported as layer2SegmentId (VXLAN segment type) */
	FX_TUN_TEID = 2,   /* exported as the enterprise IE FX_IE_TEID */
};

/* The UDP payload p[0, len) of a datagram to the registered port: 1 when it
 * is the tunnel's, with its id, the inner packet's offset in p (<= len)
 * and whether that is an Ethernet frame (else an IP packet, v4 or v6 by
 * its version); 0 when it is not. Must never read past p + len. */
typedef int (*fx_tun_fn)(const uint8_t *p, uint32_t len, uint32_t *id, uint32_t *inner, bool *eth);

#define FX_TUN_MAX 8
/* A constructor (before main). 0, -ENOSPC, -EEXIST (the port is taken). */
int fx_tun_register(uint16_t udp_port, enum fx_tun_kind kind, fx_tun_fn fn);

struct dp_meta;
/* A packet taken out of a tunnel on this box (DP_MF_DECAP) leaves it
 * plain: the feature that took it out says, from the metadata it left,
 * which tunnel that was: 1 with its kind and id, 0 when the packet is not
 * one of its own. Called on workers for sampled packets only: no locks,
 * no allocation. */
typedef int (*fx_decap_fn)(const struct dp_meta *md, enum fx_tun_kind *kind, uint32_t *id);
#define FX_DECAP_MAX 4
/* A constructor (before main). 0, -EINVAL, -ENOSPC. */
int fx_decap_register(fx_decap_fn fn);

#endif
