/* SPDX-License-Identifier: BSD-3-Clause */
/* One intent (a kind and its own argument) and the inputs a compile reads: the types the intent library's modules share. */
/*
 * A header of its own so that intent_cc (the update builder) and the
 * features' compiles see the types without the driver (intent.c), and
 * the driver sees the builder without a circle. A kind (what the intent
 * does) is a feature's registered struct intent_kind (intent.h); each
 * kind takes an argument struct of its own, declared with the kind in
 * its feature's <p>_intent.h (in the feature's api/ when other features
 * build such intents, else in its control/), as are the feature's inputs.
 */
#ifndef INTENT_ARG_H
#define INTENT_ARG_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct intent_kind;

/*
 * What an intent is compiled from: port.list's "ports" (INTENT_IN_PORTS),
 * or the entries of a table (table.read, every page), by an id its
 * feature declares in its header and registers with the table's name
 * (intent_input_register). Ids are bits of an unsigned int: 1..31.
 */
#define INTENT_IN_PORTS 0
#define INTENT_IN_MAX	32
#define INTENT_IN(k)	(1u << (k))

/*
 * One intent: its kind and the kind's argument (borrowed for the
 * intent's life, as are the strings in it). Addresses, prefixes and next
 * hops in arguments are IPv4 or IPv6, as written (an IPv6 one has a ':').
 * The driver compiles an intent only when @arg_size is the size its kind
 * declares (intent_kind.arg_size): build one with INTENT_OF, which also
 * refuses, at compile time, an argument of another type than the kind's.
 */
struct intent {
	const struct intent_kind *kind;
	const void *arg;
	size_t arg_size;	/* sizeof(*arg) as built */
};

/*
 * A kind's argument type, declared beside the kind in its feature's
 * header: INTENT_ARG(INTENT_ROUTE_ADD, struct sw_route_arg) after
 * "#define INTENT_ROUTE_ADD (...)". The kind's entry in its table then
 * takes its size from it (INTENT_KIND, intent.h), and
 * INTENT_OF(INTENT_ROUTE_ADD, &a) is the intent, which does not compile
 * when @a points to another type. (@k is pasted, not expanded: it must be
 * the kind's macro name itself.)
 */
#define INTENT_ARG(k, type)  typedef type k##_arg_t
#define INTENT_OF(k, a)                                                                    \
	__extension__({                                                                    \
		_Static_assert(__builtin_types_compatible_p(__typeof__(*(a)), k##_arg_t),  \
			       #k " takes another argument type");                         \
		(struct intent){ .kind = (k), .arg = (a), .arg_size = sizeof(*(a)) };      \
	})

/* A flow rule: what a class (the overlay's) or a VDN (QoS's) matches in
 * the inner packet, with the slice it is in (cc_flow_match). */
struct intent_rule {
	const char *src, *dst;	/* IPv4 or IPv6 prefixes, both of one family (an
				 * address: all its bits), NULL: any (either family) */
	json_int_t proto;	/* 0: any */
	json_int_t dscp;
	bool dscp_set;		/* else any DSCP */
	json_int_t sport[2], dport[2];	/* lo..hi, hi 0: any */
};

#endif
