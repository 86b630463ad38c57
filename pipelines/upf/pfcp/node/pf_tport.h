/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_tport: the PFCP endpoint's UDP transport: its sockets, datagrams in from the allowed sources, out from the address a peer sent to. */
/*
 * The bottom of the endpoint (pf_node.h), on sxcd's loop. A datagram from
 * outside the allowed prefixes (--pfcp-allow, when given) is dropped
 * before it is read: counted (refused_source), never answered, logged (one
 * line naming the source, then at most one every 10 s with how many
 * more). Every other is handed up whole with the socket it came in on and
 * the address it came to. What goes out leaves from that address when
 * the socket is bound to a wildcard one (IP_PKTINFO / IPV6_PKTINFO), and
 * is counted by message type. The transport knows nothing of PFCP but
 * where a message's type is.
 */
#ifndef PF_TPORT_H
#define PF_TPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_addr.h"
#include "pf_ncount.h"
#include "pf_ntypes.h"

struct event;
struct event_base;

#define PF_TPORT_SOCKS_MAX 8
#define PF_TPORT_RX_MAX 65536

struct pf_tport;
/* A datagram in: @b (@len bytes, valid during the call) from @src on
 * socket @sock, to our address @local. */
typedef void pf_tport_rx(void *arg, uint8_t sock, const struct pf_addr *src, const struct pf_addr *local,
			 const uint8_t *b, size_t len);

struct pf_tport_sock {
	struct pf_tport *tp;
	int fd;
	struct pf_addr addr;	/* bound to (a wildcard: any of the host's) */
	struct event *ev;
};

struct pf_tport {
	struct event_base *base;
	struct pf_ncount *c;		/* the endpoint's counters */
	pf_tport_rx *rx;
	void *rx_arg;
	struct pf_tport_sock socks[PF_TPORT_SOCKS_MAX];
	int n_socks;
	struct pf_prefix allow[PF_ALLOW_MAX];
	int n_allow;
	/* datagrams refused by source: a log line at most every 10 s, the
	 * ones in between told by the next (a timer makes sure there is one) */
	bool refused_logged;
	uint64_t refused_log_ms, refused_quiet;
	struct pf_addr refused_last;
	struct event *refused_timer;
	uint8_t buf[PF_TPORT_RX_MAX];
};

/* @tp (zeroed by its owner) on @base, counting into @c, datagrams to @rx;
 * @allow copied (@n_allow 0: any source): 0, or -ENOMEM (pf_tport_fini
 * all the same). */
int pf_tport_init(struct pf_tport *tp, struct event_base *base, struct pf_ncount *c, const struct pf_prefix *allow,
		  int n_allow, pf_tport_rx *rx, void *rx_arg);
/* A socket bound to @a, read on the loop (the next socket number): 0, or
 * -errno with why in @err. */
int pf_tport_open(struct pf_tport *tp, const struct pf_addr *a, char *err, size_t len);
/* Its sockets closed, its timer freed. */
void pf_tport_fini(struct pf_tport *tp);

/* May @src send to us (in an allowed prefix, or none given)? */
bool pf_tport_allowed(const struct pf_tport *tp, const struct pf_addr *src);
/* Send @b on socket @sock to @to, from @from (the address the peer sent
 * to) when the socket is bound to a wildcard address; counted by type.
 * 0 or -errno (logged). */
int pf_tport_send(struct pf_tport *tp, uint8_t sock, const struct pf_addr *from, const struct pf_addr *to,
		  const uint8_t *b, size_t len);

#endif
