/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's intents: its 5G LAN group joining its slice's bridge domain's flood list (the switch's shared entry, read-modify-write). */
#include "sw_intent.h"
#include "up_intent.h"

static int
compile_lan_join(struct cc *c, const struct intent *it)
{
	const struct up_lan_arg *a = it->arg;

	return sw_intent_flood_join(c, a->bd, a->slice, a->group, true);
}

static unsigned int
lan_join_reads(const struct intent *it)
{
	(void)it;
	return INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD) | INTENT_IN(INTENT_IN_FLOOD_MORE);
}

static unsigned int
lan_join_writes(const struct intent *it)
{
	(void)it;
	return INTENT_IN(INTENT_IN_FLOOD) | INTENT_IN(INTENT_IN_FLOOD_MORE);
}

/* about its bridge domain's interfaces and flood entries (the switch
 * indexes them by bridge domain) */
static bool
lan_join_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	const struct up_lan_arg *a = it->arg;

	*v = a->bd;
	return k == INTENT_IN_INTERFACES || k == INTENT_IN_FLOOD || k == INTENT_IN_FLOOD_MORE;
}

const struct intent_kind up_intent_kinds[UP_KINDS] = {
	[UP_K_LAN_JOIN] = { INTENT_KIND(INTENT_UP_LAN_JOIN, "upf lan join", compile_lan_join),
			    .reads_of = lan_join_reads, .writes_of = lan_join_writes, .about = lan_join_about },
};

__attribute__((constructor)) static void
up_intent_register(void)
{
	intent_kinds_register(up_intent_kinds, UP_KINDS);
}
