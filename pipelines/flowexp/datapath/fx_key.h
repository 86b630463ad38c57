/* The flow key of a frame as it leaves: the innermost IPv4/IPv6 5-tuple
 * and the id of the tunnel it is in (a registered encapsulation, fx_api.h),
 * read from the frame's bytes within their length (no EAL: unit tests and
 * fuzz inputs call it on plain buffers). */
#ifndef FX_KEY_H
#define FX_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include "fx_api.h"

/* 48 bytes; IPv4 addresses in the first 4 bytes of src/dst, the rest 0.
 * Every byte is set (padding none): keys compare with memcmp. */
struct fx_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;          /* host order; ICMP: 0 */
	uint16_t dport;          /* host order; ICMP: type << 8 | code */
	uint16_t slice;
	uint16_t in_port;        /* logical port indexes */
	uint16_t out_port;
	uint8_t proto;
	uint8_t flags;           /* FX_KF_* */
	uint32_t tun;            /* tunnel id (VNI, TEID), 0 with FX_TUN_NONE */
};
_Static_assert(sizeof(struct fx_key) == 48, "no padding: keys compare whole");

#define FX_KF_V6        0x01
#define FX_KF_TUN_SHIFT 1        /* enum fx_tun_kind in bits 1-2 */
#define FX_KF_TUN_MASK  0x06

static inline enum fx_tun_kind
fx_key_tun_kind(const struct fx_key *k)
{
	return (enum fx_tun_kind)((k->flags & FX_KF_TUN_MASK) >> FX_KF_TUN_SHIFT);
}

/* The registered tunnel of UDP port (NULL: none); kind set. */
fx_tun_fn fx_tun_find(uint16_t udp_port, enum fx_tun_kind *kind);

/* The registered decapsulators' answers for @md (FX_TUN_NONE: none knows it). */
enum fx_tun_kind fx_decap_find(const struct dp_meta *md, uint32_t *id);

/* Fill the address, port, protocol and tunnel part of *k from the frame
 * p[0, len) (Ethernet, up to two VLAN tags). Returns the bytes of the
 * innermost IP packet (its total length, bounded by what is there), or 0
 * when the frame carries no whole IP header (not observed). */
uint32_t fx_key_parse(const uint8_t *p, uint32_t len, struct fx_key *k);

#endif
