/* A feature's drop reasons and events, generated from its .def table, so
 * the .def stays their one declaration. Define DP_REASONS_DEF (the .def
 * file, a string) and DP_REASONS_PREFIX (e.g. SW), then include this:
 *   enum { SW_DROP_<name>..., SW_DROP_N };  enum { SW_EVENT_<name>..., SW_EVENT_N };
 * With DP_REASONS_TABLES also defined (in the one .c that registers them):
 *   static const struct dp_reason SW_drop_reasons[], SW_event_reasons[];
 * which go to dp_reasons_register(); the feature then counts its drop
 * SW_DROP_x as base + SW_DROP_x. No include guard: meant to be expanded once
 * per feature header and once in its registering .c. */
#include "dp_drop.h"

#define DP_R_CAT3(a, b, c) a##b##c
#define DP_R_XCAT3(a, b, c) DP_R_CAT3(a, b, c)

#ifndef DP_REASONS_TABLES
enum {
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) DP_R_XCAT3(DP_REASONS_PREFIX, _DROP_, name),
#include DP_REASONS_DEF
#undef DP_DROP
#undef DP_EVENT
	DP_R_XCAT3(DP_REASONS_PREFIX, _DROP_, N)
};

enum {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) DP_R_XCAT3(DP_REASONS_PREFIX, _EVENT_, name),
#include DP_REASONS_DEF
#undef DP_DROP
#undef DP_EVENT
	DP_R_XCAT3(DP_REASONS_PREFIX, _EVENT_, N)
};
#else
static const struct dp_reason DP_R_XCAT3(DP_REASONS_PREFIX, _drop, _reasons)[] = {
#define DP_EVENT(stage, name, desc)
#define DP_DROP(stage, name, desc) { #stage "." #name, desc },
#include DP_REASONS_DEF
#undef DP_DROP
#undef DP_EVENT
	{ NULL, NULL }   /* never empty; not counted */
};

static const struct dp_reason DP_R_XCAT3(DP_REASONS_PREFIX, _event, _reasons)[] = {
#define DP_DROP(stage, name, desc)
#define DP_EVENT(stage, name, desc) { #stage "." #name, desc },
#include DP_REASONS_DEF
#undef DP_DROP
#undef DP_EVENT
	{ NULL, NULL }
};
#undef DP_REASONS_TABLES
#endif

#undef DP_R_XCAT3
#undef DP_R_CAT3
