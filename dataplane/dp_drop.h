/* Every drop reason and event of every stage, gathered from the per-stage
 * X-macro tables into flat enums so counters are flat per-lcore arrays.
 * A .def file lists DP_DROP(stage, name, "description") lines (a packet
 * dropped, exported as stage.name) and DP_EVENT(stage, name, "description")
 * lines (something that happened and is worth counting, e.g. a MAC move). */
#ifndef DP_DROP_H
#define DP_DROP_H

enum dp_drop {
	DP_DROP_NONE = 0,
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) DP_DROP_##stage##_##name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
	DP_DROP_MAX
};

enum dp_event {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) DP_EVENT_##stage##_##name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
	DP_EVENT_MAX
};

/* "stage.name", e.g. "parse.eth_trunc"; NULL for an unknown value. */
const char *dp_drop_name(unsigned int reason);
const char *dp_drop_desc(unsigned int reason);
const char *dp_event_name(unsigned int ev);
const char *dp_event_desc(unsigned int ev);

#endif
