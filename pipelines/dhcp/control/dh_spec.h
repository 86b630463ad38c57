/* SPDX-License-Identifier: BSD-3-Clause */
/* dh_spec: a slice's DHCP (SliceSpec.dhcp) checked against its SVI and
 * compiled into dhcp_pools, dhcp_static, dhcp_relay and dhcp_ra entries,
 * and sxdp's leases (dhcp.leases) counted per slice: pure C on jansson,
 * what sxcd's kind, its page and sxctl share. */
#ifndef DH_SPEC_H
#define DH_SPEC_H

#include <jansson.h>
#include "intent_spec.h"

/* Why a slice's DHCP was refused: a JSON pointer into it ("/static/2/ip"),
 * a reason word (bad_value, duplicate, missing, no_svi) and a
 * message. */
/*
 * The DHCP @dh of the slice whose VRF and bridge domain are @vrf and @bd,
 * whose SVI here is @svi4 ("A.B.C.D/LEN", NULL: none) and @svi6
 * ("X::Y/LEN", NULL: none):
 *   {"pool": "FIRST-LAST", "router" (the SVI's address), "dns": [<= 2],
 *    "lease_s" 60..31,622,400 (3600), "static": [{"mac", "ip"}],
 *    "relay": {"server"} (instead of a pool),
 *    "ra": {"interval_s" 3..1800 (200), "lifetime_s" 0 or interval..9000 (1800)}}
 * into table.write updates (a new array in *@out: the pool or the relay,
 * the static leases in their order, the router advertisements). 0, or
 * -EINVAL with @err filled and nothing made; -ENOMEM.
 */
int dh_spec_compile(json_t *dh, json_int_t vrf, json_int_t bd, const char *svi4, const char *svi6, json_t **out,
		    struct spec_err *err);

/*
 * dhcp.leases' result (@res: {file, leases: [...]}, borrowed) as one row a
 * VRF (a new array, by VRF): {"vrf", "bound", "offered", "declined",
 * "static" (bound ones of a static lease)}; the expired are not listed by
 * sxdp.
 */
json_t *dh_spec_counts(json_t *res);

#endif
