/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl enrolment make|list|revoke|retire: a fleet authority's enrolment tokens and boxes (an admin's). */
#ifndef SXCTL_ENROL_H
#define SXCTL_ENROL_H

#include <stdbool.h>

#include "sxctl_base.h"

bool enrol_is_cmd(const char *cmd);
/* sxctl enrolment ...: an exit code. */
int enrol_cmd(struct sx_ctx *x);

#endif
