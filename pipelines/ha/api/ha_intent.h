/* SPDX-License-Identifier: BSD-3-Clause */
/* ha's intents (a pair's VRRP routers): its kinds in the intent library, what sxcd's hook and sxctl build. */
#ifndef HA_INTENT_H
#define HA_INTENT_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"

/* The datapath's tables and their fields (pl_ha.c declares them). */
#define HA_T_VRRP   "vrrp"
#define HA_T_VRRP6  "vrrp6"
#define HA_A_ROUTER "router"

enum ha_intent_kind {
	HA_K_VRRP_ADD,
	HA_K_VRRP_DEL,
	HA_KINDS
};
extern const struct intent_kind ha_intent_kinds[HA_KINDS];

/* vrrp add: the router of @slice's bridge domain @bd whose family is
 * @self's (the box's own address on the link, IPv6's link-local): VRID
 * @vrid, priority @prio (1..254), advertisements every @adv_ms (10 ms
 * steps), preempting a lower master after @hold_s from its start when
 * @preempt, taking advertisements from @peer alone. vrrp del: @slice @bd,
 * @ipv6: which family's. */
struct ha_vrrp_arg {
	json_int_t slice, bd, vrid, prio, adv_ms, hold_s;
	bool preempt, ipv6;
	const char *self, *peer;
};
#define INTENT_VRRP_ADD (&ha_intent_kinds[HA_K_VRRP_ADD])
#define INTENT_VRRP_DEL (&ha_intent_kinds[HA_K_VRRP_DEL])
INTENT_ARG(INTENT_VRRP_ADD, struct ha_vrrp_arg);
INTENT_ARG(INTENT_VRRP_DEL, struct ha_vrrp_arg);

/* The virtual MAC of a router (RFC 5798 7.3): 00:00:5e:00:01:VRID, IPv6's
 * 00:00:5e:00:02:VRID, as text in @out (18 bytes). */
static inline const char *
ha_vmac_text(char *out, json_int_t vrid, bool v6)
{
	snprintf(out, 18, "00:00:5e:00:%02x:%02x", v6 ? 2 : 1, (unsigned int)(vrid & 0xff));
	return out;
}

#endif
