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

#endif
