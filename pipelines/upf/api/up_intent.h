/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's intents in the intent library: what a upf intent adds to the switch's shared entries (its 5G LAN group's flooding). */
#ifndef UP_INTENT_H
#define UP_INTENT_H

#include <jansson.h>

#include "intent.h"

enum up_intent_kind {
	UP_K_LAN_JOIN,
	UP_KINDS
};
extern const struct intent_kind up_intent_kinds[UP_KINDS];

/* lan join: bridge domain @bd of slice @slice floods to the UPF's 5G LAN
 * group @group (the switch's SW_TUN_ATTACHED | SW_TUN_GROUP | bd: its
 * Ethernet PDU sessions there), its flood entry made if it has none (a
 * group with no port of the box's in the domain still floods among its
 * sessions). */
struct up_lan_arg {
	json_int_t bd, slice, group;
};
#define INTENT_UP_LAN_JOIN (&up_intent_kinds[UP_K_LAN_JOIN])
INTENT_ARG(INTENT_UP_LAN_JOIN, struct up_lan_arg);

#endif
