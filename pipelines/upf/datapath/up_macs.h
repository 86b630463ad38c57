/* SPDX-License-Identifier: BSD-3-Clause */
/* up_macs: the MACs the switch learned behind Ethernet PDU sessions, for the control side's
 * MAC address reporting (PFCP's MACAR, TS 29.244 5.13.5). */
#ifndef UP_MACS_H
#define UP_MACS_H

/* Registers upf.macs: 0 or -errno. */
int up_macs_init(void);

#endif
