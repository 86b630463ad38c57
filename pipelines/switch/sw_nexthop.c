/* Switch next hops: routes name their next hops by address ("via
 * 10.0.0.1"), workers find the rewrite by id. Each (VRF, address) a route
 * goes via gets an id; the derived table `nexthops` holds, at that id, the
 * neighbour's rewrite or "unresolved", and the route entry carries the ids
 * after its declared params (SW_RT_IDS_OFF). A routed packet then costs the
 * LPM and one direct-indexed entry, not a second hash lookup on (VRF, IP),
 * as VPP's adjacencies and grout's next hops do.
 *
 * The table is derived (dp_table_deriver): a route write that needs a new id
 * and a neighbour write that changes an id's rewrite bring their nexthops
 * update into the same batch, so every atomicity mode holds for both. Ids
 * no route uses any more are collected when the ids run out. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "pl_switch.h"
#include "dp_table.h"
#include "dp_log.h"

enum nh_state { NH_FREE, NH_PENDING, NH_LIVE };

struct nh_addr {
	uint16_t vrf;
	uint16_t pad;
	uint32_t ip;             /* network order */
};

static struct rte_hash *by_addr;        /* (vrf, ip) -> id */
static struct nh_addr *addr_of;         /* by id */
static uint8_t *state;                  /* by id */
static uint32_t *free_ids, n_free;

/* ------------------------------------------------------------ ids */

static uint32_t
id_find(uint16_t vrf, uint32_t ip)
{
	struct nh_addr a = { .vrf = vrf, .ip = ip };
	void *data;

	return rte_hash_lookup_data(by_addr, &a, &data) >= 0 ? (uint32_t)(uintptr_t)data : 0;
}

static void
id_release(uint32_t id)
{
	rte_hash_del_key(by_addr, &addr_of[id]);
	state[id] = NH_FREE;
	free_ids[n_free++] = id;
}

/* The ids a route update or an installed route refers to. */
static unsigned int
route_ids(uint16_t action, const uint8_t *params, uint32_t *ids)
{
	const uint32_t *rid = (const uint32_t *)(params + SW_RT_IDS_OFF);
	unsigned int n = 0;

	if (action == SW_RT_VIA)
		n = 1;
	else if (action == SW_RT_ECMP)
		n = RTE_MIN(RTE_MAX(((const struct sw_ecmp *)params)->n, 1), SW_ECMP_MAX);
	memcpy(ids, rid, n * sizeof(*ids));
	return n;
}

/* Out of ids: free those no installed route and no update of the batch in
 * hand refers to (their nexthops entries go in a batch of their own,
 * before the one in hand). */
static void
collect(const struct dp_update *batch, unsigned int n_batch)
{
	uint8_t *used = calloc(SW_NH_MAX, 1);
	struct dp_entry_view *ev = malloc(1000 * sizeof(*ev));
	struct dp_update *del = NULL;
	uint32_t off = 0, ids[SW_ECMP_MAX];
	unsigned int n_del = 0;
	int *res = NULL;

	if (used == NULL || ev == NULL)
		goto out;
	do {
		unsigned int got = dp_table_read(pl_sw.routes, off, 1000, ev, &off);

		for (unsigned int i = 0; i < got; i++)
			for (unsigned int j = route_ids(ev[i].action, ev[i].params, ids); j-- > 0;)
				used[ids[j] % SW_NH_MAX] = 1;
	} while (off != UINT32_MAX);
	for (unsigned int i = 0; i < n_batch; i++)
		if (batch[i].table == pl_sw.routes && batch[i].type != DP_UPD_DELETE)
			for (unsigned int j = route_ids(batch[i].action, batch[i].params, ids); j-- > 0;)
				used[ids[j] % SW_NH_MAX] = 1;
	del = calloc(SW_NH_MAX, sizeof(*del));
	res = calloc(SW_NH_MAX, sizeof(*res));
	if (del == NULL || res == NULL)
		goto out;
	for (uint32_t id = 1; id < SW_NH_MAX; id++) {
		if (state[id] != NH_LIVE || used[id])
			continue;
		del[n_del].type = DP_UPD_DELETE;
		del[n_del].table = pl_sw.nexthops;
		*(rte_be32_t *)del[n_del++].key = rte_cpu_to_be_32(id);
	}
	/* nexthops alone: not a source table, no derivation */
	if (n_del)
		dp_table_write(del, n_del, DP_ATOM_CONTINUE, res);
	for (unsigned int i = 0; i < n_del; i++)
		if (res[i] == 0 || res[i] == -ENOENT)
			id_release(rte_be_to_cpu_32(*(rte_be32_t *)del[i].key));
	DP_LOG(INFO, "switch: %u next-hop ids no route uses were freed", n_free);
out:
	free(used);
	free(ev);
	free(del);
	free(res);
}

static uint32_t
id_new(uint16_t vrf, uint32_t ip, const struct dp_update *batch, unsigned int n_batch)
{
	struct nh_addr a = { .vrf = vrf, .ip = ip };
	uint32_t id;

	if (n_free == 0)
		collect(batch, n_batch);
	if (n_free == 0)
		return 0;
	id = free_ids[--n_free];
	if (rte_hash_add_key_data(by_addr, &a, (void *)(uintptr_t)id) < 0) {
		free_ids[n_free++] = id;
		return 0;
	}
	addr_of[id] = a;
	state[id] = NH_PENDING;
	return id;
}

/* ------------------------------------------------------- the entries */

/* What nexthops holds for (vrf, ip): the neighbour as this batch leaves
 * it (its last update before this point), else as installed. */
static void
nh_entry(uint16_t vrf, uint32_t ip, const struct dp_update *batch, unsigned int n_batch,
	 struct dp_update *out)
{
	uint8_t key[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;
	const uint8_t *params = NULL;

	pl_switch_key_vrf_ip(key, vrf, ip);
	for (unsigned int i = n_batch; i-- > 0;) {
		const struct dp_update *b = &batch[i];

		if (b->table != pl_sw.neigh || b->type == DP_UPD_DEFAULT || memcmp(b->key, key, 6) != 0)
			continue;
		if (b->type != DP_UPD_DELETE && b->action != SW_NB_UNRESOLVED)
			params = b->params;
		goto found;
	}
	e = dp_table_find(pl_sw.neigh, key);
	if (e != NULL && e->action != SW_NB_UNRESOLVED)
		params = e->params;
found:
	memset(out->params, 0, sizeof(out->params));
	if (params != NULL) {
		struct sw_nh_resolved *r = (struct sw_nh_resolved *)out->params;

		out->action = SW_NH_RESOLVED;
		memcpy(&r->rw, params, sizeof(r->rw));
		r->vrf = vrf;
		r->ip = ip;
	} else {
		struct sw_nh_unresolved *r = (struct sw_nh_unresolved *)out->params;

		out->action = SW_NH_UNRESOLVED;
		r->vrf = vrf;
		r->ip = ip;
	}
}

static void
nh_update(struct dp_update *out, enum dp_update_type type, uint32_t id)
{
	memset(out, 0, offsetof(struct dp_update, params));
	out->type = type;
	out->table = pl_sw.nexthops;
	*(rte_be32_t *)out->key = rte_cpu_to_be_32(id);
}

static uint16_t
key_vrf(const uint8_t *k)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)k);
}

static int
expand_route(struct dp_update *u, const struct dp_update *batch, unsigned int n_batch,
	     struct dp_update *out)
{
	uint32_t *rid = (uint32_t *)(u->params + SW_RT_IDS_OFF);
	const struct sw_ecmp *g = (const struct sw_ecmp *)u->params;
	uint16_t vrf = key_vrf(u->key);
	uint32_t ips[SW_ECMP_MAX];
	unsigned int n, m = 0;

	if (u->type == DP_UPD_DELETE || u->type == DP_UPD_DEFAULT)
		return 0;
	memset(rid, 0, SW_ECMP_MAX * sizeof(*rid));
	if (u->action == SW_RT_VIA) {
		n = 1;
		ips[0] = ((const struct sw_via *)u->params)->nh;
	} else if (u->action == SW_RT_ECMP) {
		n = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP_MAX);
		memcpy(ips, g->nh, n * sizeof(ips[0]));
	} else {
		return 0;
	}
	for (unsigned int j = 0; j < n; j++) {
		uint32_t id = id_find(vrf, ips[j]);

		if (id == 0) {
			if ((id = id_new(vrf, ips[j], batch, n_batch)) == 0) {
				/* appended nothing, keeps nothing */
				for (unsigned int k = 0; k < m; k++)
					id_release(rte_be_to_cpu_32(*(rte_be32_t *)out[k].key));
				return -ENOSPC;
			}
			/* its own entry whatever becomes of the route: an id with
			 * no route is collected later */
			nh_update(&out[m], DP_UPD_INSERT, id);
			nh_entry(vrf, ips[j], batch, n_batch, &out[m++]);
		}
		/* pending: an earlier update of this batch inserts its entry */
		rid[j] = id;
	}
	return (int)m;
}

static int
expand_neigh(struct dp_update *u, const struct dp_update *batch, unsigned int n_batch,
	     struct dp_update *out)
{
	uint32_t ip, id;

	if (u->type == DP_UPD_DEFAULT)
		return 0;
	memcpy(&ip, u->key + 2, 4);
	if ((id = id_find(key_vrf(u->key), ip)) == 0)
		return 0;
	/* the id's entry becomes what the neighbour becomes, if it does (a
	 * pending id's insert is earlier in the batch and always applies) */
	nh_update(out, DP_UPD_MODIFY, id);
	out->after = 1;
	/* batch as it will be with u applied: u is its last word on (vrf, ip) */
	nh_entry(key_vrf(u->key), ip, batch, n_batch + 1, out);
	return 1;
}

static int
expand(struct dp_update *u, const struct dp_update *batch, unsigned int n_batch, struct dp_update *out)
{
	if (u->table == pl_sw.routes)
		return expand_route(u, batch, n_batch, out);
	return expand_neigh(u, batch, n_batch, out);
}

static void
done(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id;

		if (d[i].table != pl_sw.nexthops || d[i].type != DP_UPD_INSERT)
			continue;
		id = rte_be_to_cpu_32(*(const rte_be32_t *)d[i].key);
		if (id >= SW_NH_MAX || state[id] != NH_PENDING)
			continue;
		/* an id whose insert did not apply was never installed */
		if (res[i] == 0)
			state[id] = NH_LIVE;
		else
			id_release(id);
	}
}

static struct dp_table_deriver deriver = { .expand = expand, .done = done };

int
pl_switch_nexthop_init(void)
{
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "sw_nh_%d", (int)getpid());
	by_addr = rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = SW_NH_MAX, .key_len = sizeof(struct nh_addr),
		.hash_func = rte_jhash, .socket_id = SOCKET_ID_ANY });
	addr_of = calloc(SW_NH_MAX, sizeof(*addr_of));
	state = calloc(SW_NH_MAX, sizeof(*state));
	free_ids = malloc(SW_NH_MAX * sizeof(*free_ids));
	if (by_addr == NULL || addr_of == NULL || state == NULL || free_ids == NULL)
		return -ENOMEM;
	/* handed out from 1 up (0: no id) */
	n_free = 0;
	for (uint32_t id = SW_NH_MAX - 1; id >= 1; id--)
		free_ids[n_free++] = id;
	deriver.sources = (1u << pl_sw.routes) | (1u << pl_sw.neigh);
	return dp_table_deriver_add(&deriver);
}

void
pl_switch_nexthop_fini(void)
{
	rte_hash_free(by_addr);
	free(addr_of);
	free(state);
	free(free_ids);
	by_addr = NULL;
	addr_of = NULL;
	state = NULL;
	free_ids = NULL;
}
