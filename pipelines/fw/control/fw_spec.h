/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_spec: a slice's firewall (SliceSpec.firewall) checked and compiled into
 * fw_rules and fw_policy entries, and those entries read back as rules with
 * their counts: pure C on jansson, what sxcd's kind, its page and sxctl share. */
#ifndef FW_SPEC_H
#define FW_SPEC_H

#include <jansson.h>
#include "intent_spec.h"

/* Why a firewall was refused: a JSON pointer into it ("/rules/2/sport"),
 * a reason word (bad_value, duplicate, missing) and a message. */
/*
 * The firewall @fw of the slice whose VRF is @vrf:
 *   {"default": {"in": "allow"|"deny" (deny), "out": ... (allow)},
 *    "rules": [{"id" 1..65535, "dir" "in"|"out", "action" "allow"|"deny",
 *               "proto" "tcp"|"udp"|"icmp"|"any" (any), "src", "dst" (an
 *               IPv4 prefix or address; any), "sport", "dport" ("LO-HI",
 *               "N" or N; TCP's and UDP's alone; any)}]}
 * into table.write updates (a new array in *@out: the two defaults, then
 * a rule each, lowest id first). 0, or -EINVAL with @err filled and
 * nothing made; -ENOMEM.
 */
int fw_spec_compile(json_t *fw, json_int_t vrf, json_t **out, struct spec_err *err);

/*
 * sxdp's fw_rules and fw_policy entries (table.read arrays, borrowed) as
 * one row a slice (a new array, by VRF): {"vrf", "default": {"in", "out"}
 * (allow, deny; "none" without an entry: every connection goes),
 * "default_hits": {"in", "out"}, "rules": [{"id", "dir", "action",
 * "proto", "src", "dst", "sport", "dport", "hits"}] by id}: a rule's
 * hits are the new connections it decided (a deny rule's: the packets it
 * dropped), the defaults' those no rule matched.
 */
json_t *fw_spec_rows(json_t *rules, json_t *policy);

#endif
