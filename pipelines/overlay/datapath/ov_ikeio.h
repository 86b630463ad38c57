/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikeio: IKEv2's datagrams to and from the box's VTEPs: those that come (UDP 500, or 4500 after the non-ESP marker) held for sxcd, those sxcd gives sent out through a path's underlay. */
/*
 * IKE is sxcd's (ov_ike in the overlay's control plane): the workers punt
 * what comes to a VTEP on UDP 500, or on 4500 with four zero bytes first
 * (RFC 3948's non-ESP marker: what follows is IKE, not ESP), once sxcd
 * asked for them (overlay.ike.listen); the main lcore keeps the last
 * OV_IKEIO_RING until sxcd takes them (overlay.ike.recv) and sends what
 * sxcd gives (overlay.ike.send: from a path's VTEP, the marker put before
 * it from 4500). What overflows, and what is too long or cut short, is
 * dropped by name; nothing of IKE is parsed here.
 */
#ifndef OV_IKEIO_H
#define OV_IKEIO_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "dp_meta.h"

struct rte_mbuf;
struct dp_stage_ctx;

#define OV_IKEIO_PORT	500
#define OV_IKEIO_RING	64	/* messages held for sxcd */
#define OV_IKEIO_MAX	4096	/* the longest message held or sent (sxcd's ov_ike takes no more) */
#define OV_IKEIO_MIN	28	/* an IKE header */

/* Does sxcd take IKE (overlay.ike.listen)? Written by the main lcore, read by the workers. */
extern bool ov_ikeio_on;

/* What a WAN frame is to IKE. */
enum { OV_IKEIO_NOT, OV_IKEIO_MSG, OV_IKEIO_BAD };

/* Is @m (a parsed IPv4 WAN frame, not a fragment) an IKE message: UDP to
 * 500, or to 4500 with the non-ESP marker (OV_IKEIO_BAD: shorter than an
 * IKE header after it)? */
int ov_ikeio_kind(const struct rte_mbuf *m, const struct dp_meta *md);
/* An IKE message @m: to a VTEP, punted for sxcd (DP_NEXT_PUNT), or
 * dropped (a bad outer checksum); else OV_ESP_NOT_OURS (transit). */
uint16_t ov_ikeio_punt(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md);

/* Main lcore: a punted message kept for sxcd; takes @m. */
void ov_ikeio_punted(struct rte_mbuf *m);

/* Main lcore: overlay.ike.recv's answer, up to @most held messages taken
 * (ov_held_recv: the marker taken off). */
json_t *ov_ikeio_recv(unsigned int most);
/* Main lcore: sxcd takes IKE (@on) or no more (what is held let go). */
void ov_ikeio_listen(bool on);

/* Main lcore: IKE message @msg (@len bytes) out on path @path from its
 * VTEP's @sport (500 or 4500: the marker put first) to @dst:@dport (@dst
 * "ip", of the path's family; NULL: the path's far end). 0, -ENOENT (no
 * path), -EAFNOSUPPORT (@dst of the other family), -ENOMEM, -EIO. */
int ov_ikeio_send(uint16_t path, uint16_t sport, const uint8_t *dst, uint16_t dport, const uint8_t *msg,
		  uint16_t len);

#endif
