/* Drop reasons and events. The core's own (parser, worker loop) are an enum
 * built from their X-macro .def tables; a feature registers its .def at
 * start-up and gets a range of slots after them (dp_reasons_register; its
 * enums and name tables come from dp_reasons.h), so the core never lists a
 * feature. Counters are flat per-lcore arrays of
 * DP_DROP_MAX / DP_EVENT_MAX slots.
 *
 * A .def file lists DP_DROP(stage, name, "description") lines (a packet
 * dropped, exported as stage.name) and DP_EVENT(stage, name, "description")
 * lines (something that happened and is worth counting, e.g. a MAC move). */
#ifndef DP_DROP_H
#define DP_DROP_H

#define DP_DROP_MAX  256   /* slots, core and features together */
#define DP_EVENT_MAX 256

enum dp_drop {
	DP_DROP_NONE = 0,
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) DP_DROP_##stage##_##name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
	DP_DROP_CORE_MAX
};

enum dp_event {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) DP_EVENT_##stage##_##name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
	DP_EVENT_CORE_MAX
};

struct dp_reason {
	const char *name;   /* "stage.name" */
	const char *desc;
};

/* Give a feature's n_drops drops and n_events events their slots: its drop
 * i is counted as *drop_base + i, its event j as *event_base + j. Main
 * lcore, before workers start. 0, or -ENOSPC when the slots are used up. */
int dp_reasons_register(const struct dp_reason *drops, unsigned int n_drops,
			const struct dp_reason *events, unsigned int n_events,
			unsigned int *drop_base, unsigned int *event_base);
/* Slots in use: valid drop reasons are 1..dp_drop_count() - 1, events
 * 0..dp_event_count() - 1. */
unsigned int dp_drop_count(void);
unsigned int dp_event_count(void);

/* "stage.name", e.g. "parse.eth_trunc"; NULL for an unknown value. */
const char *dp_drop_name(unsigned int reason);
const char *dp_event_name(unsigned int ev);

#endif
