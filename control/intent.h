/* SPDX-License-Identifier: BSD-3-Clause */
/* Switch intents compiled into table.write params from the tables they read; no I/O. */
/*
 * Why pure: sxctl drives an intent with blocking calls, sxcd from its event
 * loop; both ask intent_compile what to read, read it their own way, and
 * call it again until it yields the write. A write that lost a race with
 * another writer (intent_raced) is read again, compiled again and sent
 * again, INTENT_ATTEMPTS times at most. The switch's table, field and
 * action names are known here and nowhere else on the control side.
 */
#ifndef INTENT_H
#define INTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define INTENT_FLOOD_PORTS 32	/* bits in a flood entry's port mask */
#define INTENT_ATTEMPTS	   8	/* writes of one intent before a lost race is final */

enum intent_kind {
	INTENT_SLICE_ATTACH,	/* port, vlan, slice, bd */
	INTENT_SLICE_DETACH,	/* port, vlan */
	INTENT_SVI_ADD,		/* slice, bd, mac, addr IP/PLEN (IPv4 PLEN 0..31, IPv6 1..127) */
	INTENT_SVI_DEL,		/* slice, bd, ipv6 (which of the BD's SVIs) */
	INTENT_ROUTE_ADD,	/* vrf, addr PREFIX, how, nh/n_nh */
	INTENT_ROUTE_DEL,	/* vrf, addr PREFIX */
	INTENT_MAC_ADD,		/* bd, mac, port */
	INTENT_MAC_DEL,		/* bd, mac */
	INTENT_NEIGH_ADD,	/* vrf, addr IP, port, vlan, mac (next hop's), smac */
	INTENT_NEIGH_DEL,	/* vrf, addr IP */
};

/* Addresses, prefixes and next hops are IPv4 or IPv6, as written (an IPv6
 * one has a ':'): the IPv6 ones go to svi6, routes6 and neigh6. The router
 * MAC's fdb entry is shared by a BD's IPv4 and IPv6 SVIs, so an SVI intent
 * reads the other family's SVIs first. */

/* One intent's arguments; the strings are borrowed for the intent's life. */
struct intent {
	enum intent_kind kind;
	json_int_t slice;	/* its VRF, for an SVI */
	json_int_t bd;
	json_int_t vrf;
	json_int_t vlan;	/* 0: untagged */
	const char *port;	/* a name, or a decimal index */
	const char *mac;
	const char *smac;
	const char *addr;
	const char *how;	/* "via" (1 next hop), "ecmp" (2..4; IPv6 2) or "drop" (none) */
	const char *const *nh;
	int n_nh;
	bool ipv6;		/* svi del: the BD's IPv6 SVI */
};

/* What an intent is compiled from: port.list's "ports", or the entries of
 * a table (table.read, every page). */
enum intent_input {
	INTENT_IN_PORTS,
	INTENT_IN_INTERFACES,
	INTENT_IN_FLOOD,
	INTENT_IN_SVI,
	INTENT_IN_SVI6,
	INTENT_IN_MAX
};
#define INTENT_IN(k) (1u << (k))

/* The table input @k is read from; NULL for INTENT_IN_PORTS (port.list). */
const char *intent_input_table(enum intent_input k);
/* Every input @it's compile step may ask for (INTENT_IN() bits), for a
 * caller that would rather read them all up front. */
unsigned int intent_inputs(const struct intent *it);

/*
 * Compile @it from what was read so far: in[k] is input k as a JSON array
 * (borrowed), NULL while not read. Inputs beyond those asked for are used
 * when given (slice attach then refuses a bridge domain of another slice
 * before sxdp does).
 *   0        *params is the table.write params (the caller's): "updates",
 *            and "atomicity": "dataplane-atomic" when there are several
 *   -EAGAIN  read the inputs in *need and call again
 *   -EINVAL  a malformed argument; -ENOENT no such port, attachment or
 *            SVI; -ERANGE a port beyond the flood mask; -EPERM the bridge
 *            domain is another slice's; -ENOMEM. @err says which.
 */
int intent_compile(const struct intent *it, json_t *const in[INTENT_IN_MAX], unsigned int *need,
		   json_t **params, char *err, size_t errlen);
/* The reason word of a compile error, as sxdp would name it ("not_found"). */
const char *intent_reason(int rc);

/*
 * After @params (from intent_compile) got @result from table.write: did
 * it lose a race? Nothing applied, and an update computed from an input
 * found its entry changed, gone or already there. Returns the inputs to
 * drop and read again before compiling anew (0: the result stands), and
 * names the entry in @what ("the flood entry of bd 10").
 */
unsigned int intent_raced(const struct intent *it, json_t *params, json_t *result, char *what,
			  size_t len);

/* The switch tables sxctl lists, and the match field a listing filters on. */
enum intent_view {
	INTENT_V_ROUTES,	/* by VRF */
	INTENT_V_FDB,		/* by bridge domain */
	INTENT_V_NEIGH,		/* by VRF */
	INTENT_V_ROUTES6,	/* by VRF */
	INTENT_V_NEIGH6,	/* by VRF */
};

const char *intent_view_table(enum intent_view v);
/* The entries (a table.read array, borrowed) whose VRF or bridge domain is
 * @key, all when @key < 0: a new array. */
json_t *intent_view_select(enum intent_view v, json_t *entries, json_int_t key);
/* table.config params for the idle timeout of learned MACs (0: never age). */
json_t *intent_ageing(json_int_t seconds);

#endif
