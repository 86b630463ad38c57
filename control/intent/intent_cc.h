/* SPDX-License-Identifier: BSD-3-Clause */
/* One intent's compile step (what it read, its updates, why it stops): the compilers' helpers. */
/*
 * The features' compiles (pipelines/<f>/control/<p>_intent.c) build their
 * table.write updates with these helpers and check their arguments with
 * the dataplane's own address and number rules (dp_addr.h, dp_num.h); no
 * table is named here. A lower module than the driver (intent.c), which
 * runs a step: it takes only the types of intent_arg.h. Not for callers
 * of the intent library: they see intent.h and the features' headers.
 */
#ifndef INTENT_CC_H
#define INTENT_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "intent_arg.h"

/* One compile step's state: what was read, what it still needs, the
 * updates so far and the reason it stops. */
struct cc {
	json_t *const *in;
	unsigned int need;
	json_t *ups;
	bool nomem;
	char *err;
	size_t errlen;
};

/* @rc, with the message in c->err. */
int cc_refuse(struct cc *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Input @k, or NULL once it is noted as needed. */
json_t *cc_input(struct cc *c, unsigned int k);

/* One table.write update (match and params taken); a delete (NULL
 * action) has no params. NULL when out of memory. */
json_t *cc_upd(const char *type, const char *table, json_t *match, const char *action,
	       json_t *params);
/*
 * The update that makes @e (an entry as read, NULL: there was none) hold
 * @action(@params), or (NULL action) removes it: an insert when there
 * was none, else a modify or delete carrying "expect", what was read, so
 * that sxdp applies it only while the entry still holds that: a writer
 * that changed it meanwhile is never overwritten (intent_raced). NULL
 * when there is nothing to do (no entry to remove) or no memory.
 */
json_t *cc_rmw(json_t *e, const char *table, json_t *match, const char *action, json_t *params);
/* Append @u (taken) to the updates; NULL counts as out of memory. */
void cc_add(struct cc *c, json_t *u);

/* The first of @entries (a table.read array) whose match has every member
 * of @match (taken) and, unless NULL, whose action is @action; borrowed. */
json_t *cc_find(json_t *entries, json_t *match, const char *action);
/* Is @e's action @action? */
bool cc_is(json_t *e, const char *action);
/* @e's param @key as an integer (0 when absent). */
json_int_t cc_param_int(json_t *e, const char *key);

/* The family an address, prefix or next hop is written in (IPv6: a ':'). */
int cc_af_of(const char *s);
/* Either family's address or prefix into @addr (16 bytes, network order). */
bool cc_addr_ok(const char *s, int af, uint8_t *addr);
bool cc_pfx_ok(const char *s, int af, bool bare_ok, uint8_t *addr, unsigned int *plen);
/* Is address @a (network order) inside @net/@plen? */
bool cc_pfx_has(const uint8_t *net, unsigned int plen, const uint8_t *a);
/* A prefix (or a bare address: all its bits) of family @af as a ternary
 * match: {"value": the network, "mask"}; NULL when it is not one. */
json_t *cc_prefix_match(const char *s, int af);
bool cc_mac_ok(const char *s);

/* -EINVAL naming the first bad argument: a number outside min..max, a
 * MAC, an address of either family (cc_check_ip: its family in *@af, as
 * cc_af_of says, even when refused). */
int cc_check_num(struct cc *c, const char *what, json_int_t v, json_int_t min, json_int_t max);
int cc_check_id(struct cc *c, const char *what, json_int_t v, json_int_t max);
int cc_check_mac(struct cc *c, const char *what, const char *mac);
int cc_check_ip(struct cc *c, const char *what, const char *ip, int *af);
/* "IPv4" or "IPv6", for messages. */
const char *cc_af_name(int af);
/* Is @s (an address, or ADDRESS/LENGTH) IPv6 link-local (fe80::/10)? */
bool cc_link_local(const char *s);

/* Flow rule @r in @slice as a flow-key table's match (the overlay's
 * classes, QoS's vdns: dp_flowkey's fields, src and dst of either
 * family); unset fields match anything. 0 and *@out, or a refusal (a src
 * and a dst of two families among them: no packet is of both). */
int cc_flow_match(struct cc *c, json_int_t slice, const struct intent_rule *r, json_t **out);

#endif
