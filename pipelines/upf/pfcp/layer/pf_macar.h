/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_macar: MAC address reporting of Ethernet PDU sessions (PFCP's MACAR, TS 29.244 5.13.5). */
#ifndef PF_MACAR_H
#define PF_MACAR_H

#include "pf_up_state.h"

/* Each usage tick: the MACs behind the sessions whose URRs ask for MACAR read from sxdp
 * (upf.macs), the ones new or gone reported. */
void pf_macar_tick(struct pf_up *up);

#endif
