/* The "forward" pipeline: an exact 5-tuple flow table, then a per-port
 * cross-connect for what the flow table leaves alone. P4 equivalent:
 *   if (flow.apply().action == noop) port.apply();  */
#ifndef PL_FWD_H
#define PL_FWD_H

#include "dp_feature.h"

extern const struct dp_feature pl_fwd_feature;

/* drop reasons (pl_fwd.def), in the slots registered at init */
#define DP_REASONS_DEF "pl_fwd.def"
#define DP_REASONS_PREFIX FWD
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_fwd_drop_base;
#define FWD_DROP(name) (pl_fwd_drop_base + FWD_DROP_##name)

#endif
