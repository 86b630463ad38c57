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
 * update into the same batch, so every atomicity mode holds for both. An
 * id no installed route uses any more is freed with its entry right after
 * the batch that deleted or changed its last route (a withdrawn VRF leaves
 * no next hops behind), and again when the ids run out.
 *
 * IPv6 next hops (routes6 via neigh6) share the ids and the table: an id is
 * a (VRF, address) of either family, its entry resolved/unresolved or
 * resolved6/unresolved6, as VPP's adjacencies are one pool for both. A
 * routes6 entry carries 16-bit ids (SW_RT6_IDS_OFF), since its addresses
 * take most of the entry. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "sw_state.h"
#include "sw_nexthop.h"
#include "dp_table.h"
#include "dp_log.h"

enum nh_state { NH_FREE, NH_PENDING, NH_LIVE };

/* A next hop of either family: IPv4 in ip[0..3] (network order), the
 * rest zero. */
struct nh_addr {
	uint16_t vrf;
	uint8_t v6;
	uint8_t pad;
	uint8_t ip[16];
};

/* Each family's route and neighbour tables and how a route holds its next
 * hops and their ids. */
struct nh_family {
	int *routes, *neigh;
	uint8_t ip_len, max_nh;
	uint16_t ids_off;
	uint8_t id_bytes;
	uint16_t resolved, unresolved, tunnel;       /* nexthops actions */
};

static const struct nh_family fam4 = {
	&pl_sw.routes, &pl_sw.neigh, 4, SW_ECMP_MAX, SW_RT_IDS_OFF, 4,
	SW_NH_RESOLVED, SW_NH_UNRESOLVED, SW_NH_TUNNEL,
};
static const struct nh_family fam6 = {
	&pl_sw.routes6, &pl_sw.neigh6, 16, SW_ECMP6_MAX, SW_RT6_IDS_OFF, 2,
	SW_NH_RESOLVED6, SW_NH_UNRESOLVED6, SW_NH_TUNNEL6,
};

static struct rte_hash *by_addr;        /* (vrf, ip) -> id */
static struct nh_addr *addr_of;         /* by id */
static uint8_t *state;                  /* by id */
static uint32_t *free_ids, n_free;

/* ------------------------------------------------------------ ids */

static struct nh_addr
nh_addr(const struct nh_family *f, uint16_t vrf, const uint8_t *ip)
{
	struct nh_addr a = { .vrf = vrf, .v6 = f == &fam6 };

	memcpy(a.ip, ip, f->ip_len);
	return a;
}

static uint32_t
id_find(const struct nh_family *f, uint16_t vrf, const uint8_t *ip)
{
	struct nh_addr a = nh_addr(f, vrf, ip);
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

/* How many next hops a route's action names (its ECMP count is its first
 * param in both families). */
static unsigned int
route_n(const struct nh_family *f, uint16_t action, const uint8_t *params)
{
	if (action == SW_RT_VIA)
		return 1;
	if (action == SW_RT_ECMP)
		return RTE_MIN(RTE_MAX(params[0], 1), f->max_nh);
	return 0;
}

/* Next hop j of a via/ecmp route: via's only param, ecmp's after its count. */
static const uint8_t *
route_nh(const struct nh_family *f, uint16_t action, const uint8_t *params, unsigned int j)
{
	if (action == SW_RT_VIA)
		return params;
	return f == &fam6 ? ((const struct sw_ecmp6 *)params)->nh[j] :
			    (const uint8_t *)&((const struct sw_ecmp *)params)->nh[j];
}

static uint32_t
id_get(const struct nh_family *f, const uint8_t *params, unsigned int j)
{
	const uint8_t *p = params + f->ids_off + j * f->id_bytes;

	return f->id_bytes == 2 ? *(const uint16_t *)p : *(const uint32_t *)p;
}

static void
id_put(const struct nh_family *f, uint8_t *params, unsigned int j, uint32_t id)
{
	uint8_t *p = params + f->ids_off + j * f->id_bytes;

	if (f->id_bytes == 2)
		*(uint16_t *)p = (uint16_t)id;
	else
		*(uint32_t *)p = id;
}

/* The ids a route update or an installed route refers to. */
static unsigned int
route_ids(const struct nh_family *f, uint16_t action, const uint8_t *params, uint32_t *ids)
{
	unsigned int n = route_n(f, action, params);

	for (unsigned int j = 0; j < n; j++)
		ids[j] = id_get(f, params, j);
	return n;
}

/* Mark every id the installed routes of a family use. */
static void
mark_installed(const struct nh_family *f, struct dp_entry_view *ev, uint8_t *used)
{
	uint32_t off = 0, ids[SW_ECMP_MAX];

	do {
		unsigned int got = dp_table_read(*f->routes, off, 1000, ev, &off);

		for (unsigned int i = 0; i < got; i++)
			for (unsigned int j = route_ids(f, ev[i].action, ev[i].params, ids); j-- > 0;)
				used[ids[j] % SW_NH_MAX] = 1;
	} while (off != UINT32_MAX);
}

/* Free the ids no installed route and no update of the batch in hand
 * refers to, with their nexthops entries (in a batch of their own: before
 * the one in hand when the ids ran out, after the one that deleted or
 * changed their last route otherwise; workers no longer see that route
 * then, as a write returns once they do). Returns how many were freed. */
static unsigned int
collect(const struct dp_update *batch, unsigned int n_batch)
{
	uint8_t *used = calloc(SW_NH_MAX, 1);
	struct dp_entry_view *ev = malloc(1000 * sizeof(*ev));
	struct dp_update *del = NULL;
	uint32_t ids[SW_ECMP_MAX];
	unsigned int n_del = 0, freed = 0;
	int *res = NULL;

	if (used == NULL || ev == NULL)
		goto out;
	mark_installed(&fam4, ev, used);
	mark_installed(&fam6, ev, used);
	for (unsigned int i = 0; i < n_batch; i++) {
		const struct nh_family *f = batch[i].table == pl_sw.routes ? &fam4 :
					    batch[i].table == pl_sw.routes6 ? &fam6 : NULL;

		if (f != NULL && batch[i].type != DP_UPD_DELETE)
			for (unsigned int j = route_ids(f, batch[i].action, batch[i].params, ids); j-- > 0;)
				used[ids[j] % SW_NH_MAX] = 1;
	}
	for (uint32_t id = 1; id < SW_NH_MAX; id++)
		n_del += state[id] == NH_LIVE && !used[id];
	if (n_del == 0)
		goto out;
	del = calloc(n_del, sizeof(*del));
	res = calloc(n_del, sizeof(*res));
	if (del == NULL || res == NULL)
		goto out;
	n_del = 0;
	for (uint32_t id = 1; id < SW_NH_MAX; id++) {
		if (state[id] != NH_LIVE || used[id])
			continue;
		del[n_del].type = DP_UPD_DELETE;
		del[n_del].table = pl_sw.nexthops;
		*(rte_be32_t *)del[n_del++].key = rte_cpu_to_be_32(id);
	}
	/* nexthops alone: not a source table, no derivation */
	dp_table_write(del, n_del, DP_ATOM_CONTINUE, res);
	for (unsigned int i = 0; i < n_del; i++)
		if (res[i] == 0 || res[i] == -ENOENT) {
			id_release(rte_be_to_cpu_32(*(rte_be32_t *)del[i].key));
			freed++;
		}
out:
	free(used);
	free(ev);
	free(del);
	free(res);
	return freed;
}

static uint32_t
id_new(const struct nh_family *f, uint16_t vrf, const uint8_t *ip, const struct dp_update *batch,
       unsigned int n_batch)
{
	struct nh_addr a = nh_addr(f, vrf, ip);
	uint32_t id;

	if (n_free == 0)
		DP_LOG(INFO, "switch: out of next-hop ids: %u no route uses were freed",
		       collect(batch, n_batch));
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
nh_entry(const struct nh_family *f, uint16_t vrf, const uint8_t *ip,
	 const struct dp_update *batch, unsigned int n_batch, struct dp_update *out)
{
	uint8_t key[DP_KEY_MAX] = { 0 };
	unsigned int key_len = 2u + f->ip_len;
	const struct dp_entry *e;
	const uint8_t *params = NULL;
	bool tunnel = false;

	*(rte_be16_t *)key = rte_cpu_to_be_16(vrf);
	memcpy(key + 2, ip, f->ip_len);
	for (unsigned int i = n_batch; i-- > 0;) {
		const struct dp_update *b = &batch[i];

		if (b->table != *f->neigh || b->type == DP_UPD_DEFAULT ||
		    memcmp(b->key, key, key_len) != 0)
			continue;
		if (b->type != DP_UPD_DELETE && b->action != SW_NB_UNRESOLVED) {
			params = b->params;
			tunnel = b->action == SW_NB_TUNNEL;
		}
		goto found;
	}
	e = dp_table_find(*f->neigh, key);
	if (e != NULL && e->action != SW_NB_UNRESOLVED) {
		params = e->params;
		tunnel = e->action == SW_NB_TUNNEL;
	}
found:
	/* both families: the rewrite (or a tunnel neighbour's, the same
	 * size), then (vrf, ip); unresolved: (vrf, ip) */
	memset(out->params, 0, sizeof(out->params));
	out->action = params == NULL ? f->unresolved : tunnel ? f->tunnel : f->resolved;
	if (params != NULL)
		memcpy(out->params, params, sizeof(struct sw_rewrite));
	memcpy(out->params + dp_table_param_off(pl_sw.nexthops, out->action, params ? (tunnel ? 3 : 4) : 0),
	       &vrf, sizeof(vrf));
	memcpy(out->params + dp_table_param_off(pl_sw.nexthops, out->action, params ? (tunnel ? 4 : 5) : 1),
	       ip, f->ip_len);
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

/* An IPv6 next hop must be a unicast address a neighbour can have: not
 * reserved or multicast, and a link-local one names its bridge domain
 * (pl_switch_ll_scope), as an address alone does not say which link. */
static int
nh6_ok(const uint8_t *ip)
{
	if (pl_switch_ip6_ll(ip))
		return pl_switch_ll_scope(ip) != 0;
	return !pl_switch_ip6_reserved(ip) && !pl_switch_ip6_mcast(ip);
}

static int
expand_route(const struct nh_family *f, struct dp_update *u, const struct dp_update *batch,
	     unsigned int n_batch, struct dp_update *out)
{
	uint16_t vrf = key_vrf(u->key);
	unsigned int n, m = 0;

	if (u->type == DP_UPD_DELETE || u->type == DP_UPD_DEFAULT)
		return 0;
	memset(u->params + f->ids_off, 0, (size_t)f->max_nh * f->id_bytes);
	n = route_n(f, u->action, u->params);
	for (unsigned int j = 0; f == &fam6 && j < n; j++)
		if (!nh6_ok(route_nh(f, u->action, u->params, j)))
			return -EINVAL;
	for (unsigned int j = 0; j < n; j++) {
		const uint8_t *ip = route_nh(f, u->action, u->params, j);
		uint32_t id = id_find(f, vrf, ip);

		if (id == 0) {
			if ((id = id_new(f, vrf, ip, batch, n_batch)) == 0) {
				/* appended nothing, keeps nothing */
				for (unsigned int k = 0; k < m; k++)
					id_release(rte_be_to_cpu_32(*(rte_be32_t *)out[k].key));
				return -ENOSPC;
			}
			/* its own entry whatever becomes of the route: an id with
			 * no route is collected later */
			nh_update(&out[m], DP_UPD_INSERT, id);
			nh_entry(f, vrf, ip, batch, n_batch, &out[m++]);
		}
		/* pending: an earlier update of this batch inserts its entry */
		id_put(f, u->params, j, id);
	}
	return (int)m;
}

static int
expand_neigh(const struct nh_family *f, struct dp_update *u, const struct dp_update *batch,
	     unsigned int n_batch, struct dp_update *out)
{
	uint32_t id;

	if (u->type == DP_UPD_DEFAULT)
		return 0;
	if ((id = id_find(f, key_vrf(u->key), u->key + 2)) == 0)
		return 0;
	/* the id's entry becomes what the neighbour becomes, if it does (a
	 * pending id's insert is earlier in the batch and always applies) */
	nh_update(out, DP_UPD_MODIFY, id);
	out->after = 1;
	/* batch as it will be with u applied: u is its last word on (vrf, ip) */
	nh_entry(f, key_vrf(u->key), u->key + 2, batch, n_batch + 1, out);
	return 1;
}

static int
expand(struct dp_update *u, const struct dp_update *batch, unsigned int n_batch, struct dp_update *out)
{
	const struct nh_family *f = u->table == pl_sw.routes || u->table == pl_sw.neigh ? &fam4 : &fam6;

	if (u->table == *f->routes)
		return expand_route(f, u, batch, n_batch, out);
	return expand_neigh(f, u, batch, n_batch, out);
}

static void
done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool unrouted = false;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t id;

		if (res[i] == 0 && (d[i].table == pl_sw.routes || d[i].table == pl_sw.routes6) &&
		    (d[i].type == DP_UPD_DELETE || d[i].type == DP_UPD_MODIFY))
			unrouted = true;
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
	/* a route that went or changed may have been its next hops' last */
	if (unrouted)
		collect(NULL, 0);
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
	deriver.sources = (1ull << pl_sw.routes) | (1ull << pl_sw.neigh) | (1ull << pl_sw.routes6) |
			  (1ull << pl_sw.neigh6);
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
