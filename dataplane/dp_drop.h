/* Every drop reason of every stage, gathered from the per-stage X-macro
 * tables into one enum so counters are a flat per-lcore array.
 * A .def file lists DP_DROP(stage, name, "description") lines. */
#ifndef DP_DROP_H
#define DP_DROP_H

enum dp_drop {
	DP_DROP_NONE = 0,
#define DP_DROP(stage, name, desc) DP_DROP_##stage##_##name,
#include "dp_parse.def"
#include "dp_core.def"
#include "pl_fwd.def"
#undef DP_DROP
	DP_DROP_MAX
};

/* "stage.name", e.g. "parse.eth_trunc"; NULL for an unknown value. */
const char *dp_drop_name(unsigned int reason);
const char *dp_drop_desc(unsigned int reason);

#endif
