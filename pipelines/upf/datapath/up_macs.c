/* SPDX-License-Identifier: BSD-3-Clause */
/* The MACs behind Ethernet PDU sessions (up_macs.h): a session's uplink frames reach
 * switch.l2 as its attached endpoint (SW_TUN_ATTACHED | session), where the switch learns
 * their source MACs into its fdb (tunnel_learned) and ages them by what they send (a
 * learned entry's hits count frames seen from it, never to it). Asked on the main lcore
 * for the sessions given, never on the workers' path. */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_ether.h>

#include "up_macs.h"
#include "up_state.h"
#include "sw_api.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_table.h"

#define MACS_ASK_MAX 1024	/* sessions one call names */

static const struct dp_schema_field macs_params[] = {
	{ .name = "sessions", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ, .max = MACS_ASK_MAX,
	  .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_UINT, .min = 1, .max = UP_SESSION_MAX },
	  .desc = "the Ethernet PDU sessions whose MACs are asked" },
	{ .name = NULL },
};

static const struct dp_rpc_method macs_method = {
	.name = "upf.macs",
	.description = "The source MACs the switch learned behind the sessions named (their uplink "
		       "frames'), with the seconds since each was last seen (as the fdb's ageing last "
		       "scanned it); a MAC aged out of the fdb is no longer there",
	.params = macs_params,
	.result = &(const struct dp_schema_field){ .name = "macs", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN,
						   .desc = "{macs: [{session, bd, mac, idle_s}]}" },
};

struct ask {
	const uint32_t *ids;	/* sorted */
	size_t n;
	size_t off;		/* the tunnel's offset in a tunnel_learned entry's params */
	json_t *a;
};

static bool
asked(const struct ask *k, uint32_t id)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->ids[mid] == id)
			return true;
		if (k->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int
add_mac(const struct dp_entry_view *ev, void *arg)
{
	struct ask *k = arg;
	uint32_t t;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (ev->action != SW_FDB_TUNNEL_LEARNED)
		return 0;
	memcpy(&t, ev->params + k->off, sizeof(t));
	if ((t & (SW_TUN_ATTACHED | SW_TUN_GROUP)) != SW_TUN_ATTACHED || !asked(k, t & SW_TUN_ID_MASK))
		return 0;
	/* the fdb key: the bridge domain (big-endian), then the MAC (pl_switch_fdb_key8) */
	rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)(ev->key + 2));
	return json_array_append_new(k->a, json_pack("{s:I,s:i,s:s,s:f}", "session", (json_int_t)(t & SW_TUN_ID_MASK),
						     "bd", ev->key[0] << 8 | ev->key[1], "mac", mac,
						     "idle_s", (double)ev->idle_ms / 1000.0)) < 0 ? -ENOMEM : 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
m_macs(json_t *params, const struct dp_schema_val *v __rte_unused, json_t **result, struct dp_rpc_err *err,
       void *arg __rte_unused)
{
	json_t *ids = json_object_get(params, "sessions"), *x;
	uint32_t want[MACS_ASK_MAX];
	struct ask k = { .ids = want, .off = dp_table_param_off(pl_sw.fdb, SW_FDB_TUNNEL_LEARNED, 0) };
	size_t i;

	json_array_foreach(ids, i, x)
		want[k.n++] = (uint32_t)json_integer_value(x);
	qsort(want, k.n, sizeof(want[0]), cmp_u32);
	if ((k.a = json_array()) == NULL || dp_table_each((unsigned int)pl_sw.fdb, add_mac, &k) < 0) {
		json_decref(k.a);
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	}
	*result = json_pack("{s:o}", "macs", k.a);
	return 0;
}

int
up_macs_init(void)
{
	return dp_rpc_register(&macs_method, m_macs, NULL, NULL);
}
