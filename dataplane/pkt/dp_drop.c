/* Names of the drop reasons and events: the core's from its .def tables,
 * then the ranges features registered. */
#include <errno.h>
#include <stddef.h>
#include "dp_drop.h"

static struct dp_reason drops[DP_DROP_MAX] = {
	[DP_DROP_NONE] = { "none", "not dropped" },
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) [DP_DROP_##stage##_##name] = { #stage "." #name, desc },
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

static struct dp_reason events[DP_EVENT_MAX] = {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) [DP_EVENT_##stage##_##name] = { #stage "." #name, desc },
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

static unsigned int n_drops = DP_DROP_CORE_MAX, n_events = DP_EVENT_CORE_MAX;

int
dp_reasons_register(const struct dp_reason *d, unsigned int nd, const struct dp_reason *e,
		    unsigned int ne, unsigned int *drop_base, unsigned int *event_base)
{
	if (n_drops + nd > DP_DROP_MAX || n_events + ne > DP_EVENT_MAX)
		return -ENOSPC;
	*drop_base = n_drops;
	*event_base = n_events;
	for (unsigned int i = 0; i < nd; i++)
		drops[n_drops++] = d[i];
	for (unsigned int i = 0; i < ne; i++)
		events[n_events++] = e[i];
	return 0;
}

unsigned int
dp_drop_count(void)
{
	return n_drops;
}

unsigned int
dp_event_count(void)
{
	return n_events;
}

const char *
dp_drop_name(unsigned int reason)
{
	return reason < n_drops ? drops[reason].name : NULL;
}

const char *
dp_event_name(unsigned int ev)
{
	return ev < n_events ? events[ev].name : NULL;
}
