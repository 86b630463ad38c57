/* The switch's learned neighbours (main lcore): what ARP and NDP tell the
 * slow paths (pl_swctl.c, sw_nd.c) goes into neigh and neigh6 here, out of
 * a port or behind an overlay tunnel, and releases what the hold queue
 * kept for it. */
#include <string.h>

#include "sw_neigh.h"
#include "sw_hold.h"
#include "sw_state.h"
#include "dp_table.h"
#include "dp_slow.h"

/* The neigh or neigh6 key of (slice, ip) into k; the table's id. */
static int
neigh_key(uint8_t *k, bool v6, uint16_t slice, const uint8_t *ip)
{
	uint32_t a;

	if (v6) {
		pl_switch_key_vrf_ip6(k, slice, ip);
		return pl_sw.neigh6;
	}
	memcpy(&a, ip, 4);
	pl_switch_key_vrf_ip(k, slice, a);
	return pl_sw.neigh;
}

bool
sw_neigh_tunnel_ok(uint16_t slice, bool v6, const uint8_t *ip)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	if (sw_hold_asker(slice, v6, ip) != NULL)
		return true;
	e = dp_table_find(neigh_key(k, v6, slice, ip), k);
	return e != NULL && e->action == SW_NB_TUNNEL;
}

void
sw_neigh_learn(bool v6, uint16_t slice, const uint8_t *ip, uint16_t port, uint16_t vid, uint32_t tunnel,
	       const uint8_t *mac, const uint8_t *smac)
{
	struct dp_update u;
	const struct dp_entry *e;
	uint16_t action = tunnel != 0 ? SW_NB_TUNNEL : SW_NB_LEARNED;
	int table, r;

	memset(&u, 0, sizeof(u));
	table = neigh_key(u.key, v6, slice, ip);
	e = dp_table_find(table, u.key);
	if (e != NULL && e->action == SW_NB_REWRITE)
		return;   /* static neighbours are the operator's */
	if (tunnel != 0) {
		struct sw_rw_tunnel *t = (struct sw_rw_tunnel *)u.params;

		t->tunnel = tunnel;
		memcpy(t->dmac, mac, 6);
		memcpy(t->smac, smac, 6);
	} else {
		struct sw_rewrite *rw = (struct sw_rewrite *)u.params;

		rw->port = port;
		rw->vlan = vid;
		memcpy(rw->dmac, mac, 6);
		memcpy(rw->smac, smac, 6);
	}
	/* Held packets first: queued for the workers before the entry exists, so
	 * the flow's next packets (fast path) cannot overtake them by more than
	 * the burst a worker is in when the write lands. */
	sw_hold_release(slice, v6, ip, (const struct sw_rewrite *)u.params, tunnel != 0);
	if (e == NULL || e->action != action || memcmp(e->params, u.params, sizeof(struct sw_rewrite)) != 0) {
		u.type = e ? DP_UPD_MODIFY : DP_UPD_INSERT;
		u.table = table;
		u.action = action;
		if (dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r) == 0)
			dp_slow_event(v6 ? SW_EVENT(nd_learned) : SW_EVENT(neigh_learned));
	}
}
