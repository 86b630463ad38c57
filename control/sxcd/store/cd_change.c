/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_change: a checked change of one intent (see cd_change.h). */
#include "cd_change.h"

void
cd_change_clear(struct cd_change *ch)
{
	json_decref(ch->doc);
	ch->doc = NULL;
	json_decref(ch->member);
	ch->member = NULL;
}
