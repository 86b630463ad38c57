/* What flowexp's modules share: its events (pl_flowexp.def). */
#ifndef FX_STATE_H
#define FX_STATE_H

#define DP_REASONS_DEF "pl_flowexp.def"
#define DP_REASONS_PREFIX FX
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

extern unsigned int pl_fx_drop_base, pl_fx_event_base;
#define FX_EVENT(name) (pl_fx_event_base + FX_EVENT_##name)

#endif
