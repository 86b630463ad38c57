/* Names of the drop reasons and events, built from the same .def tables as
 * the enums. */
#include <stddef.h>
#include "dp_drop.h"

static const char *const drop_names[DP_DROP_MAX] = {
	[DP_DROP_NONE] = "none",
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) [DP_DROP_##stage##_##name] = #stage "." #name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

static const char *const drop_descs[DP_DROP_MAX] = {
	[DP_DROP_NONE] = "not dropped",
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) [DP_DROP_##stage##_##name] = desc,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

static const char *const event_names[DP_EVENT_MAX + 1] = {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) [DP_EVENT_##stage##_##name] = #stage "." #name,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

static const char *const event_descs[DP_EVENT_MAX + 1] = {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) [DP_EVENT_##stage##_##name] = desc,
#include "dp_defs.inc"
#undef DP_DROP
#undef DP_EVENT
};

const char *
dp_drop_name(unsigned int reason)
{
	return reason < DP_DROP_MAX ? drop_names[reason] : NULL;
}

const char *
dp_drop_desc(unsigned int reason)
{
	return reason < DP_DROP_MAX ? drop_descs[reason] : NULL;
}

const char *
dp_event_name(unsigned int ev)
{
	return ev < DP_EVENT_MAX ? event_names[ev] : NULL;
}

const char *
dp_event_desc(unsigned int ev)
{
	return ev < DP_EVENT_MAX ? event_descs[ev] : NULL;
}
