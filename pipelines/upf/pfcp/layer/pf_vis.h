/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_vis: one UPF session on request (GET /api/v1/upf/sessions/{id}): a PFCP session's rules or an intent's session. */
/*
 * The Visibility API never lists sessions one by one (the counters give
 * sums per slice and per SMF); an operator names one: "pfcp/NODE/SEID"
 * (the owner its entries are claimed by, cd_claim) or "upf/NAME/ID" (an
 * upf intent's session). The answer is its PDRs, FARs, QERs and URRs as
 * installed (a PFCP session's as accepted; an intent's session in the
 * same terms) and its counters in sxdp (upf.usage {session}).
 */
#ifndef PF_VIS_H
#define PF_VIS_H

#include <jansson.h>

#include "pf_up_state.h"

/* @us's rules as JSON (new): {"source": "pfcp", "smf", "seid", "cp_seid",
 * "upf", "pdn_type", "pdrs", "fars", "qers", "urrs", "bar"}. */
json_t *pf_vis_session(const struct us *us);

#endif
