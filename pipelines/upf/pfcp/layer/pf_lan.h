/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_lan: the slots of the 5G LAN groups Ethernet PDU sessions join (sxdp's lan_members), a bitmap a UPF's bridge domain. */
/*
 * An Ethernet PDU session is a member of its UPF's 5G LAN group (its
 * slice's bridge domain floods to the group, sxdp replicates to the
 * members' slots): its slot is the UPF's choice, kept in the session's
 * ETHI PDRs as a chosen F-TEID is (journalled with it), taken when its
 * compile chooses, given back when it goes or its batch fails, taken
 * again from the journal at start.
 */
#ifndef PF_LAN_H
#define PF_LAN_H

#include <stdint.h>

struct pf_lan;

struct pf_lan *pf_lan_new(void);
void pf_lan_free(struct pf_lan *l);
/* A free slot (0..PF_LAN_SLOTS-1) of UPF @upf's group in bridge domain
 * @bd, taken: 0, -ENOSPC (the group is full), -ENOMEM. */
int pf_lan_take(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t *slot);
/* @slot taken again (a session restored): 0, -EEXIST, -ENOMEM. */
int pf_lan_take_this(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t slot);
void pf_lan_put(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t slot);

#endif
