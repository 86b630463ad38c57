/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_addr: PFCP peers' UDP addresses and Node IDs, parsed, printed and compared; datagrams sent from the address they came to. */
#ifndef PF_ADDR_H
#define PF_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pf_codec.h"

/* A UDP address (IPv4 or IPv6) with its port. */
struct pf_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "10.0.0.1", "10.0.0.1:8805", "[::1]:8805", "::1" (a bare IPv6 address:
 * no port), port @def_port when none: 0 or -EINVAL with why. */
int pf_addr_parse(const char *s, uint16_t def_port, struct pf_addr *a, char *why, size_t len);
/* "10.0.0.1:8805", "[::1]:8805" into @out; returns @out. */
const char *pf_addr_str(const struct pf_addr *a, char *out, size_t len);
/* A Node ID from "10.0.0.1", "2001:db8::1" or an FQDN: 0 or -EINVAL. */
int pf_node_id_parse(const char *s, struct pf_node_id *id);
/* "10.0.0.1", "2001:db8::1", "smf.example" into @out; returns @out. */
const char *pf_node_id_str(const struct pf_node_id *id, char *out, size_t len);
bool pf_addr_same(const struct pf_addr *a, const struct pf_addr *b);	/* address and port */
bool pf_addr_same_host(const struct pf_addr *a, const struct pf_addr *b);	/* the port aside */
uint16_t pf_addr_port(const struct pf_addr *a);
/* FQDNs compare without case. */
bool pf_node_id_same(const struct pf_node_id *a, const struct pf_node_id *b);

bool pf_addr_any(const struct pf_addr *a);	/* 0.0.0.0 or :: */

/* An address prefix (--pfcp-allow): where peers may send from. */
struct pf_prefix {
	int family;		/* AF_INET, AF_INET6 */
	uint8_t addr[16];	/* network order, host bits 0 */
	unsigned int bits;
};
/* "10.0.0.0/8", "2001:db8::/32", a bare address (/32, /128): 0 or -EINVAL
 * with why. Host bits set are refused (10.1.0.0/8 is a typo, not 10/8). */
int pf_prefix_parse(const char *s, struct pf_prefix *p, char *why, size_t len);
/* "10.0.0.0/8" into @out; returns @out. */
const char *pf_prefix_str(const struct pf_prefix *p, char *out, size_t len);
/* Is @a's host (IPv4-mapped IPv6 as IPv4) in @p? */
bool pf_prefix_has(const struct pf_prefix *p, const struct pf_addr *a);

/* A UDP socket bound to @a (non-blocking, IPv6 only for IPv6, a large
 * receive buffer; on a wildcard address told which address each datagram
 * came to: IP_PKTINFO, IPV6_RECVPKTINFO): the fd, or -errno with why. */
int pf_sock_open(const struct pf_addr *a, char *err, size_t len);
/* recvmsg into @b (returns the datagram's length, more than @len when cut:
 * MSG_TRUNC), its source into *@from; *@to (set by the caller to the
 * socket's address) gets the address it came to, when the socket says it.
 * -1 with errno. */
ssize_t pf_sock_recv(int fd, uint8_t *b, size_t len, struct pf_addr *from, struct pf_addr *to);
/* sendto @to, from the address of @from (NULL or a wildcard: the kernel's
 * choice): peers that check where answers come from on a host of many
 * addresses get them from the one they sent to. -1 with errno. */
ssize_t pf_sock_send(int fd, const uint8_t *b, size_t len, const struct pf_addr *to, const struct pf_addr *from);

#endif
