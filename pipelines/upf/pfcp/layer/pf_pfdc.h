/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pfdc: the sessions whose PDRs name an Application ID recompiled when its PFDs change (pf_pfd's store, pf_report_rearm). */
/*
 * A PFD Management Request is the node's (pf_node, pf_pfd); the sessions
 * it changes are the session layer's: each whose PDRs name an Application
 * ID the request gave new PFDs, replaced or removed is rearmed (an
 * OP_REARM: compiled again and its difference written, with no session
 * message). What pf_pfd keeps per session id is kept for the sessions
 * there only (marked here, the others swept).
 */
#ifndef PF_PFDC_H
#define PF_PFDC_H

#include "pf_pfd.h"

/* pf_node_on_pfd's hook (@arg unused: the session layer is pf_up_state_current()). */
void pf_pfdc_changed(void *arg, const char (*apps)[PF_PFD_NAME_MAX], int n);

#endif
