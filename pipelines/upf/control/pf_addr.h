/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_addr: PFCP peers' UDP addresses and Node IDs, parsed, printed and compared. */
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

#endif
