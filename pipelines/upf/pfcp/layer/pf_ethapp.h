/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ethapp: an Ethernet Packet Filter as sxdp's eth_applications matches (TS 29.244 7.5.2.2-3 onto up_names.h's fields). */
/*
 * The table is ternary (rte_acl) and direction-neutral, as applications
 * is: "local" is the UE side's MAC (a frame's source uplink, destination
 * downlink), "remote" the other, so one app holds for both directions.
 * A filter's MAC ranges become the few ternary prefixes that cover them
 * exactly; a bidirectional one (BIDE) also matches with the two sides
 * swapped.
 */
#ifndef PF_ETHAPP_H
#define PF_ETHAPP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_stypes.h"

/* The most matches one filter may become: more is refused rather than
 * filling the shared table with one SMF's ranges. */
#define PF_ETHAPP_MATCHES_MAX 64

/* Filter @f of a PDR of direction @ul in slice @slice: its matches (a new
 * array of "match" objects), or NULL with *@rc -E2BIG (past the bound) or
 * -ENOMEM. */
json_t *pf_ethapp_matches(uint32_t slice, const struct pf_eth_filter *f, bool ul, int *rc);

/* MAC address @a as the tables write one, "xx:xx:xx:xx:xx:xx" (new). */
json_t *pf_ethapp_mac(const uint8_t *a);

/* The ternary prefixes (value, mask) that cover exactly lo..hi (48-bit
 * values), at most @max into @val/@mask: how many, or -E2BIG. */
int pf_ethapp_prefixes(uint64_t lo, uint64_t hi, uint64_t *val, uint64_t *mask, int max);

#endif
