/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 router advertisements for SLAAC (RFC 4861 6.2, RFC 4862): a
 * slice's bridge domain named in table dhcp_ra gets unsolicited
 * advertisements of its svi6's /64 with the A (autonomous) and L flags,
 * from the SVI's link-local address, out of every member port. The
 * switch sends none of its own (sw_nd.c answers solicitations of
 * neighbours only), and router solicitations are not handed over: a host
 * waits for the next advertisement (at most interval_s). */
#ifndef DH_RA_H
#define DH_RA_H

#include <stdint.h>
#include <rte_mempool.h>

/* Declare table dhcp_ra; ev: the event each advertisement sent counts. 0 or -errno. */
int dh_ra_init(struct rte_mempool *mp, unsigned int ev);
/* Main lcore, every loop: the advertisements due. */
void dh_ra_poll(uint64_t now_tsc);
/* An advertisement of prefix (16 bytes, plen 64) from a router at mac
 * (the ICMPv6 message with its checksum over src, ff02::1), into out: its
 * length. Pure, for the unit test. */
unsigned int dh_ra_build(uint8_t *out, const uint8_t *mac, const uint8_t *src, const uint8_t *prefix,
			 uint16_t lifetime_s);

#endif
