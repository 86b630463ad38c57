/* SPDX-License-Identifier: BSD-3-Clause */
/* edge_spec: a slice's edge (SliceSpec.edge) checked and compiled into the
 * edge's tables and the switch's routes of action edge, and what sxctl and
 * the page read back of the edge: pure C on jansson, what sxcd's kind, its
 * page and sxctl share. */
#ifndef EDGE_SPEC_H
#define EDGE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include "intent_spec.h"

/* Why an edge was refused: a JSON pointer into it ("/nat/block"), a reason
 * word (bad_value, missing, duplicate, conflict) and a message. */
/* The defaults of an edge's NAT44 (the schema documents the same). */
#define EDGE_SPEC_PORTS_LO   1024
#define EDGE_SPEC_PORTS_HI   65535
#define EDGE_SPEC_BLOCK      512
#define EDGE_SPEC_BLOCKS     4
#define EDGE_SPEC_BLOCKS_MAX 8     /* the datapath's NAT_HOST_BLOCKS_MAX */
#define EDGE_SPEC_POOL_MAX   65536 /* addresses a pool may have */
#define EDGE_SPEC_VRF_MAX    3999  /* a slice's id */

/*
 * The edge @edge of the slice whose id (VRF, and pool id) is @vrf, whose
 * own routes are @routes (SliceSpec.routes, borrowed, NULL: none):
 *   {"outside": VRF, "to": [prefix] (["0.0.0.0/0"]),
 *    "nat": {"pool": "A.B.C.D/LEN" | "A.B.C.D-E.F.G.H", "ports": "LO-HI"
 *            (1024-65535), "block": N (512), "blocks": 1..8 (4),
 *            "deterministic": prefix (none)},
 *    "prefixes": [prefix] (without nat, required: what comes back in)}
 * into table.write inserts (a new array in *@out): edge_slices {vrf} ->
 * edge {outside, pool (@vrf with nat, else 0)}; with nat edge_pools {id
 * @vrf} -> pool; for each prefix that comes back in (the pool's covering
 * prefixes, or "prefixes") edge_return {outside, prefix} -> inside {vrf,
 * pool} and the outside VRF's route of it -> edge; each "to" a route of
 * @vrf -> edge. 0, or -EINVAL with @err filled and nothing made; -ENOMEM.
 */
int edge_spec_compile(json_t *edge, json_int_t vrf, json_t *routes, json_t **out, struct spec_err *err);

/*
 * The prefixes that cover the addresses @first..@last (host order) exactly,
 * fewest first to last, into @net/@plen (at most @max; a range needs 62 at
 * most). Their count.
 */
unsigned int edge_spec_cover(uint32_t first, uint32_t last, uint32_t *net, unsigned int *plen, unsigned int max);

/* A stats.get counter set ("drops" or "events", borrowed) as {REASON: n}
 * of the edge's alone (their "edge." left off; new). */
json_t *edge_spec_reasons(json_t *counts);

/* "tcp", "udp", "icmp", else the number: a connection's protocol as read. */
const char *edge_spec_proto(json_int_t proto, char *buf, size_t len);

#endif
