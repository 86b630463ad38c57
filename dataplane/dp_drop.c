/* Names of the drop reasons, built from the same .def tables as the enum. */
#include <stddef.h>
#include "dp_drop.h"

static const char *const drop_names[DP_DROP_MAX] = {
	[DP_DROP_NONE] = "none",
#define DP_DROP(stage, name, desc) [DP_DROP_##stage##_##name] = #stage "." #name,
#include "dp_parse.def"
#include "dp_core.def"
#include "pl_fwd.def"
#undef DP_DROP
};

static const char *const drop_descs[DP_DROP_MAX] = {
	[DP_DROP_NONE] = "not dropped",
#define DP_DROP(stage, name, desc) [DP_DROP_##stage##_##name] = desc,
#include "dp_parse.def"
#include "dp_core.def"
#include "pl_fwd.def"
#undef DP_DROP
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
