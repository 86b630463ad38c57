/* The switch's write check: a bridge domain belongs to exactly one slice,
 * so the interfaces, SVIs and connected routes (of either family) that name
 * it, and other features' tables that hand it to a slice (the overlay's
 * VNIs: pl_switch_guard_claimer), must agree on its slice, and no
 * bridge-domain member or neighbour
 * egresses onto a wire (port, VLAN) that is another slice's interface. Runs on every table.write
 * batch before it is applied (registered with dp_tblrpc_check_add). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_guard.h"
#include "dp_port.h"
#include "dp_table.h"
#include "dp_tblrpc.h"

static int slice_conflict;   /* table.write result code of a refusal */

#define CLAIMERS_MAX 4
static struct {
	int table;
	pl_switch_claim_fn *fn;
} claimers[CLAIMERS_MAX];
static unsigned int n_claimers;
static pl_switch_claim_fn *scan_fn;   /* the claimer for_each_entry is scanning */

/* owner[bd] = slice + 1 of the bridge domain, 0 while unowned;
 * wire[port][vid] = slice + 1 of that (port, VLAN) interface */
static uint32_t owner[UINT16_MAX + 1];
static uint32_t wire[DP_PORTS_MAX][4096];

static int
claim(uint16_t bd, uint16_t slice)
{
	if (owner[bd] != 0 && owner[bd] != (uint32_t)slice + 1)
		return slice_conflict;
	owner[bd] = (uint32_t)slice + 1;
	return 0;
}

struct claim_call {
	void (*fn)(const struct dp_entry_view *ev);
};

static int
call_claim(const struct dp_entry_view *ev, void *arg)
{
	((struct claim_call *)arg)->fn(ev);
	return 0;
}

/* Call fn on every installed entry of a table. */
static void
for_each_entry(int tid, void (*fn)(const struct dp_entry_view *ev))
{
	struct claim_call c = { fn };

	dp_table_each((unsigned int)tid, call_claim, &c);
}

static uint16_t
key_u16(const uint8_t *key, unsigned int off)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)(key + off));
}

static void
map_wire(const uint8_t *key, uint16_t slice)
{
	uint16_t port = key_u16(key, 0), vid = key_u16(key, 2) & 0x0fff;

	if (port < DP_PORTS_MAX)
		wire[port][vid] = (uint32_t)slice + 1;
}

static void
claim_interface(const struct dp_entry_view *ev)
{
	const struct sw_attach *a = (const struct sw_attach *)ev->params;

	if (ev->action == SW_IF_ATTACH || ev->action == SW_IF_ROUTED || ev->action == SW_IF_HOST) {
		claim(a->bd, a->slice);
		map_wire(ev->key, a->slice);
	}
}

/* Egress onto (port, vid) for a slice: refused when that wire is another
 * slice's interface. */
static int
egress_ok(uint16_t port, uint16_t vid, uint32_t slice1)
{
	uint32_t s = port < DP_PORTS_MAX ? wire[port][vid & 0x0fff] : 0;

	return (s != 0 && slice1 != 0 && s != slice1) ? slice_conflict : 0;
}

static void
claim_svi(const struct dp_entry_view *ev)
{
	claim(key_u16(ev->key, 2), key_u16(ev->key, 0));
}

static void
claim_connected(const struct dp_entry_view *ev)
{
	if (ev->action == SW_RT_CONNECTED)
		claim(((const struct sw_connected *)ev->params)->bd, key_u16(ev->key, 0));
}

static void
claim_other(const struct dp_entry_view *ev)
{
	uint16_t bd, slice;

	if (scan_fn(ev->action, ev->key, ev->params, &bd, &slice))
		claim(bd, slice);
}

static pl_switch_claim_fn *
claimer_of(int table)
{
	for (unsigned int c = 0; c < n_claimers; c++)
		if (claimers[c].table == table)
			return claimers[c].fn;
	return NULL;
}

/* Does the batch claim a bridge domain or egress onto a wire? Only such
 * updates are checked, and only then are the installed claims gathered:
 * a batch of a million routes via next hops costs no scan of the routes. */
static bool
claims_anything(const struct dp_update *u, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE)
			continue;
		if (x->table == pl_sw.interfaces || x->table == pl_sw.svi || x->table == pl_sw.svi6 ||
		    x->table == pl_sw.bd_ports || x->table == pl_sw.neigh || x->table == pl_sw.neigh6 ||
		    x->table == pl_sw.hosts ||
		    ((x->table == pl_sw.routes || x->table == pl_sw.routes6) &&
		     x->action == SW_RT_CONNECTED) || claimer_of(x->table) != NULL)
			return true;
	}
	return false;
}

static void
guard_check(const struct dp_update *u, unsigned int n, int *res)
{
	if (!claims_anything(u, n))
		return;
	memset(owner, 0, sizeof(owner));
	memset(wire, 0, sizeof(wire));
	for_each_entry(pl_sw.interfaces, claim_interface);
	for_each_entry(pl_sw.svi, claim_svi);
	for_each_entry(pl_sw.svi6, claim_svi);
	for_each_entry(pl_sw.routes, claim_connected);
	for_each_entry(pl_sw.routes6, claim_connected);
	for (unsigned int c = 0; c < n_claimers; c++) {
		scan_fn = claimers[c].fn;
		for_each_entry(claimers[c].table, claim_other);
	}
	/* first who owns what (a default action owns its BD too), ... */
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];
		const struct sw_attach *a = (const struct sw_attach *)x->params;
		pl_switch_claim_fn *fn = claimer_of(x->table);
		uint16_t bd, slice;

		if (x->type == DP_UPD_DELETE)
			continue;
		if (fn != NULL) {
			if (x->type != DP_UPD_DEFAULT && fn(x->action, x->key, x->params, &bd, &slice))
				res[i] = claim(bd, slice);
			continue;
		}
		if (x->table == pl_sw.interfaces &&
		    (x->action == SW_IF_ATTACH || x->action == SW_IF_ROUTED || x->action == SW_IF_HOST)) {
			res[i] = claim(a->bd, a->slice);
			if (x->type != DP_UPD_DEFAULT)
				map_wire(x->key, a->slice);
		} else if (x->type == DP_UPD_DEFAULT) {
			continue;
		} else if ((x->table == pl_sw.svi || x->table == pl_sw.svi6) && x->action == 0) {
			res[i] = claim(key_u16(x->key, 2), key_u16(x->key, 0));
		} else if ((x->table == pl_sw.routes || x->table == pl_sw.routes6) &&
			   x->action == SW_RT_CONNECTED) {
			res[i] = claim(((const struct sw_connected *)x->params)->bd, key_u16(x->key, 0));
		}
	}
	/* ... then that nothing egresses onto another slice's wire */
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE || x->type == DP_UPD_DEFAULT || res[i] != 0)
			continue;
		if (x->table == pl_sw.bd_ports && x->action == 0)
			res[i] = egress_ok(key_u16(x->key, 2), ((const struct sw_member *)x->params)->vlan,
					   owner[key_u16(x->key, 0)]);
		/* (one behind a tunnel: encap sends a frame into its own
		 * slice's tunnels only, overlay.wrong_slice) */
		else if ((x->table == pl_sw.neigh || x->table == pl_sw.neigh6) && pl_switch_nb_port(x->action))
			res[i] = egress_ok(((const struct sw_rewrite *)x->params)->port,
					   ((const struct sw_rewrite *)x->params)->vlan,
					   (uint32_t)key_u16(x->key, 0) + 1);
		else if (x->table == pl_sw.hosts && x->action == SW_HOST_TWIN)
			/* a VRF's kernel twin is that slice's wire only */
			res[i] = egress_ok(((const struct sw_host *)x->params)->port,
					   ((const struct sw_host *)x->params)->vlan,
					   (uint32_t)key_u16(x->key, 0) + 1);
	}
}

int
pl_switch_guard_claimer(int table, pl_switch_claim_fn *fn)
{
	if (n_claimers == CLAIMERS_MAX)
		return -ENOSPC;
	claimers[n_claimers].table = table;
	claimers[n_claimers++].fn = fn;
	return 0;
}

int
pl_switch_guard_init(void)
{
	slice_conflict = dp_tblrpc_reason_add("slice_conflict",
					      "the bridge domain or wire belongs to another slice");
	if (slice_conflict == -ENOSPC)
		return -ENOSPC;
	return dp_tblrpc_check_add(guard_check);
}
