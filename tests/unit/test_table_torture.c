/* Concurrency torture of the table engine: worker threads look keys up
 * without pause while the control thread inserts, deletes, modifies (in
 * place and dataplane-atomic), clears and ages entries; dp_em alone is
 * crowded until it moves keys between their buckets. Every hit must be an
 * entry of the key looked up (its key bytes and the key id in its params),
 * with an action the table has, and for one reader a key's versions never
 * go back: the old value or the new one, never another key's or garbage.
 * Dataplane-atomic batches go through the exact tables' shadows (left-right),
 * cloning only after a clear dropped one; after every write a shadow must
 * map the same keys to the same entries as the live backend.
 * Routes are tortured alike: every lookup must find a route that covers
 * its address. Bounded in time (TORTURE_S seconds per part, default 3;
 * six parts), each part on past it, up to MORE_BOUND_S, until it has done
 * what its verdict needs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "dp_table.h"
#include "dp_table_int.h"

#define READERS 2
#define KEYS 4096
#define BURST 32
#define STABLE 8	/* ids below: in the table from the start, replaced, never deleted */

enum { A_SET, A_LEARNED, A_MISS };

/* params: the key id and a version the writer raises on every change */
struct val {
	uint32_t id;
	uint32_t version;
};

static const struct dp_table_def small_def = {
	/* 4-byte key: dp_em; sized to the key space, so it runs full */
	.name = "t_small", .size = KEYS, .n_fields = 1,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "set", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "learned", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "miss", 0, {} } },
	.default_action = A_MISS, .age_actions = 1u << A_LEARNED, .idle_timeout_s = 1,
};

static const struct dp_table_def dense_def = {
	/* the id bounded by the key space: a direct array */
	.name = "t_dense", .size = KEYS, .n_fields = 1,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT, KEYS - 1 } },
	.n_actions = 3,
	.actions = { { "set", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "learned", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "miss", 0, {} } },
	.default_action = A_MISS, .age_actions = 1u << A_LEARNED, .idle_timeout_s = 1,
};

static const struct dp_table_def long_def = {
	/* 20-byte key: rte_hash */
	.name = "t_long", .size = KEYS, .n_fields = 2,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT }, { "pad", DP_T_IPV6, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "set", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "learned", 2, { { "id", DP_T_U32 }, { "version", DP_T_U32 } } },
		     { "miss", 0, {} } },
	.default_action = A_MISS, .age_actions = 1u << A_LEARNED, .idle_timeout_s = 1,
};

static int table;			/* the one under torture */
static volatile bool stable_in;		/* the STABLE ids are in it */
static volatile bool stop;
static volatile uint64_t lookups[READERS], hits[READERS];
static volatile int failures;
static char failure[256];

static void
key_of(uint32_t id, uint8_t *k)
{
	uint32_t be = rte_cpu_to_be_32(id);

	memset(k, 0, DP_KEY_MAX);
	memcpy(k, &be, 4);
	if (dp_table_key_len(table) > 4)	/* t_long: the id again, in the pad */
		memcpy(k + 4 + 12, &be, 4);
}

/* A torture runs its seconds, then on until it has done what its verdict
 * needs (both readers hit, the writer's batches, moves, shadows), at most
 * this much longer: on a busy box its threads get a share of a CPU. */
#define MORE_BOUND_S 30

/* Whether the writer goes on: within its seconds (end), or past them
 * short of enough and within the bound after. */
static bool
go_on(uint64_t end, bool enough)
{
	uint64_t now = rte_rdtsc();

	return failures == 0 && (now < end || (!enough && now < end + MORE_BOUND_S * rte_get_tsc_hz()));
}

/* The seconds a torture ran, its end given. */
static double
ran_s(uint64_t end, unsigned int seconds)
{
	return (double)((int64_t)(rte_rdtsc() - end)) / (double)rte_get_tsc_hz() + seconds;
}

static void
fail(const char *what, uint32_t id, uint32_t a, uint32_t b)
{
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) == 0)
		snprintf(failure, sizeof(failure), "%s: key %u: %u vs %u", what, id, a, b);
}

static void *
reader(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg;
	uint8_t keys[BURST][DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[BURST];
	const struct dp_entry *e[BURST];
	uint32_t *seen = calloc(KEYS, sizeof(*seen)), ids[BURST], x = 12345 + w;

	if (seen == NULL)
		abort();

	dp_tables_reader_online(w);
	while (!stop) {
		/* read before the lookup: the ids went in before it was raised */
		bool stable = stable_in;
		uint64_t m;

		for (unsigned int i = 0; i < BURST; i++) {
			/* runs of one key too, as bursts have them */
			x = x * 1103515245 + 12345;
			ids[i] = i > 0 && (x >> 28) < 4 ? ids[i - 1] : (x >> 8) % KEYS;
			key_of(ids[i], keys[i]);
			kp[i] = keys[i];
		}
		m = dp_table_lookup(dp_tables_root(), w, (unsigned int)table, kp, BURST, e);
		for (unsigned int i = 0; i < BURST; i++) {
			const struct val *v = (const struct val *)e[i]->params;

			if (!(m & (1ULL << i))) {
				if (e[i]->action != A_MISS)
					fail("a miss gave a non-default entry", ids[i], e[i]->action, A_MISS);
				if (ids[i] < STABLE && stable)
					fail("a key always there was missed", ids[i], 0, 0);
				continue;
			}
			if (e[i]->action != A_SET && e[i]->action != A_LEARNED)
				fail("bad action", ids[i], e[i]->action, 0);
			else if (e[i]->table != table)
				fail("another table's entry", ids[i], e[i]->table, (uint32_t)table);
			else if (v->id != ids[i])
				fail("another key's entry", ids[i], v->id, ids[i]);
			else if (dp_table_key_len(table) <= DP_ENTRY_KEY &&
				 memcmp(e[i]->key, keys[i], DP_ENTRY_KEY) != 0)
				fail("entry key differs", ids[i], 0, 0);
			else if (v->version < seen[ids[i]])
				fail("version went back", ids[i], v->version, seen[ids[i]]);
			else
				seen[ids[i]] = v->version;
		}
		lookups[w] += BURST;
		hits[w] += (uint64_t)__builtin_popcountll(m);
		dp_tables_quiescent(w);
	}
	dp_tables_reader_offline(w);
	free(seen);
	return NULL;
}

/* ---- dp_em alone, crowded: at most 28 keys of 256 in 4 buckets (32 ways),
 * so keys often find both their buckets full and entries move. Records are the
 * test's, reclaimed after a grace period of its own QSBR, as the engine
 * does. */
#define EM_MAX 28
#define EM_BUCKETS 4
#define EM_IDS 256
#define EM_RECS 1024

struct rec {
	uint8_t key[16];
	uint32_t id, version;
	uint8_t pad[40];
};

static struct rec recs[EM_RECS];
static struct dp_em *em;
static struct rte_rcu_qsbr *qs;

static void
em_key_of(uint32_t id, uint8_t *k)
{
	memset(k, 0, 16);
	memcpy(k, &id, 4);
	k[9] = (uint8_t)(id * 7);	/* bytes past 8 matter too */
}

static void *
em_reader(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg;
	uint8_t keys[BURST][16];
	const uint8_t *kp[BURST];
	uint32_t vals[BURST], ids[BURST], *seen = calloc(EM_IDS, sizeof(*seen)), x = 99 + w;

	if (seen == NULL)
		abort();
	rte_rcu_qsbr_thread_register(qs, w);
	rte_rcu_qsbr_thread_online(qs, w);
	while (!stop) {
		uint64_t m;

		for (unsigned int i = 0; i < BURST; i++) {
			x = x * 1103515245 + 12345;
			/* half the looks at the keys that must always hit */
			ids[i] = (x >> 30) & 1 ? (x >> 8) % STABLE : (x >> 8) % EM_IDS;
			em_key_of(ids[i], keys[i]);
			kp[i] = keys[i];
		}
		m = dp_em_lookup_bulk(em, kp, BURST, vals);
		for (unsigned int i = 0; i < BURST; i++) {
			const struct rec *r;

			if (!(m & (1ULL << i))) {
				if (vals[i] != DP_EM_MISS)
					fail("a miss with a value", ids[i], vals[i], 0);
				if (ids[i] < STABLE)
					fail("a key always there was missed", ids[i], 0, 0);
				continue;
			}
			if (vals[i] >= EM_RECS) {
				fail("value out of range", ids[i], vals[i], EM_RECS);
				continue;
			}
			r = &recs[vals[i]];
			if (r->id != ids[i] || memcmp(r->key, keys[i], 16) != 0)
				fail("another key's record", ids[i], r->id, ids[i]);
			else if (r->version < seen[ids[i]])
				fail("version went back", ids[i], r->version, seen[ids[i]]);
			else
				seen[ids[i]] = r->version;
		}
		lookups[w] += BURST;
		hits[w] += (uint64_t)__builtin_popcountll(m);
		rte_rcu_qsbr_quiescent(qs, w);
	}
	rte_rcu_qsbr_thread_offline(qs, w);
	free(seen);
	return NULL;
}

static int
em_torture(unsigned int seconds)
{
	uint32_t free_recs[EM_RECS], n_free = 0, cur[EM_IDS], ver = 0, x = 4242, dead[8];
	uint64_t end, ops = 0, moves0;
	unsigned int n_dead = 0;
	pthread_t th[READERS];
	size_t sz = rte_rcu_qsbr_get_memsize(READERS);

	qs = calloc(1, sz);
	em = dp_em_create(EM_MAX, EM_BUCKETS, recs, sizeof(recs[0]), 0, 0);
	if (qs == NULL || em == NULL || rte_rcu_qsbr_init(qs, READERS) != 0)
		return -1;
	for (uint32_t i = 0; i < EM_RECS; i++)
		free_recs[n_free++] = EM_RECS - 1 - i;
	for (uint32_t i = 0; i < EM_IDS; i++) {
		uint8_t k[16];
		uint32_t r;

		cur[i] = DP_EM_MISS;
		if (i >= STABLE)
			continue;
		r = free_recs[--n_free];
		em_key_of(i, k);
		memcpy(recs[r].key, k, 16);
		recs[r].id = i;
		recs[r].version = ++ver;
		if (dp_em_add(em, k, r) != 0)
			return -1;
		cur[i] = r;
	}
	stop = false;
	for (unsigned int w = 0; w < READERS; w++)
		if (pthread_create(&th[w], NULL, em_reader, (void *)(uintptr_t)w) != 0)
			return -1;
	moves0 = dp_em_moves(em);
	end = rte_rdtsc() + seconds * rte_get_tsc_hz();
	while (go_on(end, dp_em_moves(em) != moves0 && hits[0] && hits[1])) {
		uint32_t id, r;
		uint8_t k[16];

		x = x * 1103515245 + 12345;
		id = (x >> 8) % EM_IDS;
		em_key_of(id, k);
		if (cur[id] != DP_EM_MISS && id >= STABLE && (x >> 20) % 3 == 0) {	/* delete */
			if (dp_em_del(em, k) != 0)
				return fail("delete of a key it holds", id, 0, 0), -1;
			dead[n_dead++] = cur[id];
			cur[id] = DP_EM_MISS;
		} else {					/* insert or replace */
			r = free_recs[--n_free];
			memcpy(recs[r].key, k, 16);
			recs[r].id = id;
			recs[r].version = ++ver;
			if (dp_em_add(em, k, r) != 0) {		/* full: give it back */
				free_recs[n_free++] = r;
			} else {
				if (cur[id] != DP_EM_MISS)
					dead[n_dead++] = cur[id];
				cur[id] = r;
			}
		}
		if (dp_em_lookup(em, k) != cur[id])
			return fail("writer's own lookup", id, dp_em_lookup(em, k), cur[id]), -1;
		/* records a reader may still hold come back after a grace period */
		if (n_dead == RTE_DIM(dead)) {
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
			while (n_dead)
				free_recs[n_free++] = dead[--n_dead];
		}
		ops++;
	}
	stop = true;
	for (unsigned int w = 0; w < READERS; w++)
		pthread_join(th[w], NULL);
	printf("dp_em crowded (%u keys of %u in %u buckets): %lu writes, %lu moves, %lu lookups "
	       "(%lu hits) in %.1f s; %s\n", dp_em_count(em), EM_IDS, EM_BUCKETS, (unsigned long)ops,
	       (unsigned long)(dp_em_moves(em) - moves0), (unsigned long)(lookups[0] + lookups[1]),
	       (unsigned long)(hits[0] + hits[1]), ran_s(end, seconds),
	       failures ? failure : "every hit was its key's record");
	if (failures || dp_em_moves(em) == moves0 || hits[0] == 0 || hits[1] == 0)
		return -1;
	/* quiet now: the bulk lookup finds every key held, in either of its
	 * buckets, and no other */
	for (uint32_t b = 0; b < EM_IDS; b += BURST) {
		uint8_t keys[BURST][16];
		const uint8_t *kp[BURST];
		uint32_t vals[BURST];
		uint64_t m;

		for (unsigned int i = 0; i < BURST; i++) {
			em_key_of(b + i, keys[i]);
			kp[i] = keys[i];
		}
		m = dp_em_lookup_bulk(em, kp, BURST, vals);
		for (unsigned int i = 0; i < BURST; i++)
			if (vals[i] != cur[b + i] || !(m >> i & 1) != (cur[b + i] == DP_EM_MISS))
			{
				fprintf(stderr, "a quiet bulk lookup: key %u: %u, held %u\n", b + i,
					vals[i], cur[b + i]);
				return -1;
			}
	}
	lookups[0] = lookups[1] = hits[0] = hits[1] = 0;
	dp_em_free(em);
	free(qs);
	return 0;
}

/* ---- routes: a dp_lpm4 partition under churn. Readers look up addresses
 * in 10/8, which a /8 that never goes covers, so every lookup must hit, and
 * the route it returns must cover the address (its params say which prefix
 * it is). The writer adds, changes and deletes prefixes of every length in
 * 10/8 (groups made, folded, recycled), in every atomicity mode. The same
 * again on a dp_lpm6 partition, the IPv4 address in bits 32..63 of
 * 2001:db8::/32 (a /d there is a /(d + 32)). */
enum { R_VIA };

static const struct dp_table_def route_def = {
	.name = "t_routes", .size = 4096, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "dst", DP_T_IPV4, DP_MATCH_LPM } },
	.n_actions = 2,
	.actions = { [R_VIA] = { "via", 3, { { "ip", DP_T_U32 }, { "depth", DP_T_U8 },
					     { "version", DP_T_U32 } } },
		     { "none", 0, {} } },
	.default_action = 1,
};

static const struct dp_table_def route6_def = {
	.name = "t_routes6", .size = 4096, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "dst", DP_T_IPV6, DP_MATCH_LPM } },
	.n_actions = 2,
	.actions = { [R_VIA] = { "via", 3, { { "ip", DP_T_U32 }, { "depth", DP_T_U8 },
					     { "version", DP_T_U32 } } },
		     { "none", 0, {} } },
	.default_action = 1,
};

struct rval {
	uint32_t ip;		/* host order */
	uint8_t depth;
	uint8_t pad[3];
	uint32_t version;
};

static int t_routes, t_routes4, t_routes6;

static void
route_key(uint16_t vrf, uint32_t ip, uint8_t *k)
{
	static const uint8_t doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	rte_be16_t v = rte_cpu_to_be_16(vrf);
	uint32_t a = rte_cpu_to_be_32(ip);

	memset(k, 0, DP_KEY_MAX);
	memcpy(k, &v, 2);
	if (t_routes == t_routes6) {
		memcpy(k + 2, doc, 4);
		memcpy(k + 6, &a, 4);
	} else {
		memcpy(k + 2, &a, 4);
	}
}

static void *
route_reader(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg;
	uint8_t keys[BURST][DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[BURST];
	const struct dp_entry *e[BURST];
	uint32_t ips[BURST], x = 31337 + w;

	dp_tables_reader_online(w);
	while (!stop) {
		uint64_t m;

		for (unsigned int i = 0; i < BURST; i++) {
			x = x * 1103515245 + 12345;
			/* half the looks where the groups churn */
			ips[i] = 0x0a000000 | (x & ((x >> 31) ? 0x0003ffff : 0x00ffffff));
			route_key(3, ips[i], keys[i]);
			kp[i] = keys[i];
		}
		m = dp_table_lookup(dp_tables_root(), w, (unsigned int)t_routes, kp, BURST, e);
		for (unsigned int i = 0; i < BURST; i++) {
			const struct rval *v = (const struct rval *)e[i]->params;
			uint32_t mask = v->depth == 0 ? 0 : ~(UINT32_MAX >> v->depth);

			if (!(m & (1ULL << i)))
				fail("an address the /8 covers was missed", ips[i], 0, 0);
			else if (e[i]->action != R_VIA || e[i]->table != t_routes)
				fail("bad route entry", ips[i], e[i]->action, e[i]->table);
			else if (v->depth < 8 || v->depth > 32 || (ips[i] & mask) != v->ip)
				fail("a route that does not cover the address", ips[i], v->ip, v->depth);
		}
		lookups[w] += BURST;
		hits[w] += (uint64_t)__builtin_popcountll(m);
		dp_tables_quiescent(w);
	}
	dp_tables_reader_offline(w);
	return NULL;
}

static void
route_upd(struct dp_update *u, enum dp_update_type type, uint32_t ip, uint8_t depth, uint32_t ver)
{
	struct rval v = { ip, depth, { 0 }, ver };

	memset(u, 0, sizeof(*u));
	u->type = type;
	u->table = (uint16_t)t_routes;
	route_key(3, ip, u->key);
	u->plen = (uint8_t)(depth + (t_routes == t_routes6 ? 32 : 0));
	u->action = R_VIA;
	memcpy(u->params, &v, sizeof(v));
}

static int
route_torture(int table, unsigned int seconds)
{
	static const enum dp_atomicity modes[] = { DP_ATOM_CONTINUE, DP_ATOM_ROLLBACK,
						    DP_ATOM_DATAPLANE };
	struct { uint32_t ip; uint8_t depth; bool in; } pfx[512];
	struct dp_update u[32];
	int res[32];
	pthread_t th[READERS];
	uint64_t end, batches = 0, updates = 0;
	uint32_t x = 4711, ver = 1;

	t_routes = table;
	/* prefixes of every length in 10/8, a few places crowded */
	for (unsigned int i = 0; i < RTE_DIM(pfx); i++) {
		/* mostly longer than /16, in four /16s: groups made, folded, reused */
		uint8_t d = (uint8_t)(i % 4 ? 17 + i % 16 : 9 + i % 8);

		x = x * 1103515245 + 12345;
		pfx[i].ip = (0x0a000000 | ((i % 4) << 16) | (x & 0xffff) | ((x >> 8) & 0xf00000)) &
			    ~(UINT32_MAX >> d);
		pfx[i].depth = d;
		pfx[i].in = false;
	}
	route_upd(&u[0], DP_UPD_INSERT, 0x0a000000, 8, ver++);
	if (dp_table_write(u, 1, DP_ATOM_ROLLBACK, res) != 0)
		return -1;
	stop = false;
	for (unsigned int w = 0; w < READERS; w++)
		if (pthread_create(&th[w], NULL, route_reader, (void *)(uintptr_t)w) != 0)
			return -1;
	end = rte_rdtsc() + seconds * rte_get_tsc_hz();
	while (go_on(end, batches != 0 && hits[0] && hits[1])) {
		unsigned int n = 1 + (x >> 9) % 32, k = 0;
		unsigned int pick[32];
		enum dp_atomicity mode = modes[(x >> 5) % 3];

		for (unsigned int i = 0; i < n; i++) {
			unsigned int p;

			x = x * 1103515245 + 12345;
			p = (x >> 7) % RTE_DIM(pfx);
			for (unsigned int j = 0; j < k; j++)
				if (pfx[pick[j]].ip == pfx[p].ip && pfx[pick[j]].depth == pfx[p].depth)
					goto next;
			pick[k] = p;
			route_upd(&u[k], !pfx[p].in ? DP_UPD_INSERT : (x >> 3) & 1 ? DP_UPD_MODIFY :
				  DP_UPD_DELETE, pfx[p].ip, pfx[p].depth, ver++);
			k++;
next:;
		}
		dp_table_write(u, k, mode, res);
		for (unsigned int j = 0; j < k; j++)
			if (res[j] == 0)
				pfx[pick[j]].in = u[j].type != DP_UPD_DELETE;
		batches++;
		updates += k;
	}
	stop = true;
	for (unsigned int w = 0; w < READERS; w++)
		pthread_join(th[w], NULL);
	printf("engine, %s routes: %lu batches (%lu updates) against %lu lookups (%lu hits) in "
	       "%.1f s; %s\n", dp_table_backend_name((unsigned int)table), (unsigned long)batches, (unsigned long)updates,
	       (unsigned long)(lookups[0] + lookups[1]), (unsigned long)(hits[0] + hits[1]), ran_s(end, seconds),
	       failures ? failure : "every lookup found a route covering its address");
	if (failures || batches == 0 || hits[0] == 0 || hits[1] == 0)
		return -1;
	lookups[0] = lookups[1] = hits[0] = hits[1] = 0;
	return 0;
}

/* ---- the engine */

static uint32_t version[KEYS];		/* last written; 0: not in the table */

static void
upd_of(struct dp_update *u, enum dp_update_type type, uint32_t id)
{
	struct val v = { id, ++version[id] };

	memset(u, 0, sizeof(*u));
	u->type = type;
	u->table = (uint16_t)table;
	key_of(id, u->key);
	/* the stable ids never age */
	u->action = (v.version & 3) || id < STABLE ? A_SET : A_LEARNED;
	memcpy(u->params, &v, sizeof(v));
}

/* The stable ids, in one batch; readers check them from then on. */
static int
stable_insert(void)
{
	struct dp_update u[STABLE];
	int res[STABLE];

	for (uint32_t id = 0; id < STABLE; id++)
		upd_of(&u[id], DP_UPD_INSERT, id);
	if (dp_table_write(u, STABLE, DP_ATOM_ROLLBACK, res) != 0)
		return -1;
	stable_in = true;
	return 0;
}

static int
torture(int t, unsigned int seconds, const char *name)
{
	static const enum dp_atomicity modes[] = { DP_ATOM_CONTINUE, DP_ATOM_ROLLBACK,
						    DP_ATOM_DATAPLANE };
	struct dp_update u[64];
	int res[64], rc = 0;
	pthread_t th[READERS];
	uint64_t end, batches = 0, updates = 0, clears = 0, aged = 0, hz = rte_get_tsc_hz();
	uint64_t atomic = 0, via_shadow = 0, clones = 0, drops = 0;
	struct dp_table *tt = dp_tg.t[t];
	bool shadow = false;
	uint32_t x = 777;

	table = t;
	stop = false;
	memset(version, 0, sizeof(version));
	if (stable_insert() < 0)
		return -1;
	for (unsigned int w = 0; w < READERS; w++)
		if (pthread_create(&th[w], NULL, reader, (void *)(uintptr_t)w) != 0)
			return -1;
	end = rte_rdtsc() + seconds * hz;
	while (go_on(end, batches != 0 && hits[0] && hits[1] && via_shadow >= 10)) {
		unsigned int n = 1 + (x >> 8) % 64;
		enum dp_atomicity mode = modes[(x >> 4) % 3];
		unsigned int k = 0;

		x = x * 1103515245 + 12345;
		drops += shadow && tt->shadow == NULL;   /* by the last write */
		shadow = tt->shadow != NULL;
		if (batches % 150 == 149) {	/* now and then: the whole table at once */
			/* readers that saw the flag up finish their burst first */
			stable_in = false;
			rte_rcu_qsbr_synchronize(dp_tg.rcu, RTE_QSBR_THRID_INVALID);
			if (dp_table_clear((unsigned int)t, NULL) != 0)
				return -1;
			clears++;	/* versions go on rising: a reader's never go back */
			if (stable_insert() < 0)
				return -1;
			batches++;
			continue;
		}
		if (batches % 40 == 39) {	/* ageing: every learned entry idles out */
			aged += dp_tables_age(rte_rdtsc() + 10 * hz, NULL);
			batches++;
			continue;
		}
		/* a batch of distinct keys, each changed by what it holds now */
		for (unsigned int i = 0; i < n; i++) {
			uint32_t id;

			x = x * 1103515245 + 12345;
			id = (x >> 6) % KEYS;
			for (unsigned int j = 0; j < k; j++)
				if (rte_be_to_cpu_32(*(uint32_t *)u[j].key) == id)
					goto next;
			upd_of(&u[k++], DP_UPD_INSERT, id);
next:;
		}
		/* what each key is now decides the update: insert, modify or delete;
		 * a key that turns out gone (aged) just fails in continue mode */
		for (unsigned int j = 0; j < k; j++) {
			bool there = dp_table_find((unsigned int)t, u[j].key) != NULL;

			u[j].type = !there ? DP_UPD_INSERT :
				    (x >> (j % 16)) & 1 ||
				    rte_be_to_cpu_32(*(const uint32_t *)u[j].key) < STABLE ? DP_UPD_MODIFY : DP_UPD_DELETE;
		}
		{
			bool had_shadow = tt->shadow != NULL;
			uint64_t cloned = tt->clone_bytes;

			dp_table_write(u, k, mode, res);
			if (mode == DP_ATOM_DATAPLANE) {
				atomic++;
				via_shadow += had_shadow;
				clones += tt->clone_bytes != cloned;
			}
			if (had_shadow && tt->clone_bytes != cloned)
				fail("a dataplane-atomic batch cloned a table with a shadow", 0, 0, 0);
		}
		if (tt->shadow != NULL && dp_tbe_shadow_check(tt) != 0)
			fail("the shadow differs from the live backend", 0, (uint32_t)batches, mode);
		batches++;
		updates += k;
	}
	stop = true;
	for (unsigned int w = 0; w < READERS; w++)
		pthread_join(th[w], NULL);
	printf("%s: %lu batches (%lu updates, %lu clears, %lu aged; %lu dataplane-atomic, %lu of them "
	       "through the shadow, %lu clones, %lu shadows dropped) against %lu lookups (%lu hits) "
	       "in %.1f s; %s\n", name,
	       (unsigned long)batches, (unsigned long)updates, (unsigned long)clears,
	       (unsigned long)aged, (unsigned long)atomic, (unsigned long)via_shadow,
	       (unsigned long)clones, (unsigned long)drops, (unsigned long)(lookups[0] + lookups[1]),
	       (unsigned long)(hits[0] + hits[1]), ran_s(end, seconds),
	       failures ? failure : "every hit was its key's entry");
	/* a clear of more than a quarter of the table drops the shadow: the
	 * next atomic batch clones, the others do not */
	if (failures || hits[0] == 0 || hits[1] == 0 || batches == 0 || via_shadow < 10 ||
	    clones > drops + 1)
		rc = -1;
	lookups[0] = lookups[1] = hits[0] = hits[1] = 0;
	return rc;
}

int
main(void)
{
	char *eal[] = { "test_table_torture", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--no-shconf", "--log-level=3", NULL };
	const char *env = getenv("TORTURE_S");
	unsigned int seconds = env ? (unsigned int)atoi(env) : 3;
	int t_small, t_long, t_dense, rc = 0;
	cpu_set_t all;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	/* EAL pinned this thread to one CPU, and threads inherit it: let the
	 * readers and the writer run on every CPU, at the same time */
	CPU_ZERO(&all);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	if (dp_tables_init(READERS, 0) < 0 || (t_small = dp_table_create(&small_def)) < 0 ||
	    (t_long = dp_table_create(&long_def)) < 0 || (t_dense = dp_table_create(&dense_def)) < 0 ||
	    (t_routes4 = dp_table_create(&route_def)) < 0 ||
	    (t_routes6 = dp_table_create(&route6_def)) < 0) {
		fprintf(stderr, "table set-up failed\n");
		return 1;
	}
	if (!dp_tg.t[t_small]->em || dp_tg.t[t_long]->em || dp_tg.t[t_long]->dense ||
	    !dp_tg.t[t_dense]->dense) {
		fprintf(stderr, "backends: t_small must be dp_em, t_long rte_hash, t_dense an array\n");
		return 1;
	}
	if (em_torture(seconds) < 0)
		rc = 1;
	if (torture(t_small, seconds, "engine, dp_em (4-byte keys)") < 0)
		rc = 1;
	if (torture(t_long, seconds, "engine, rte_hash (20-byte keys)") < 0)
		rc = 1;
	if (torture(t_dense, seconds, "engine, direct array (bounded 4-byte keys)") < 0)
		rc = 1;
	if (route_torture(t_routes4, seconds) < 0 || route_torture(t_routes6, seconds) < 0)
		rc = 1;
	dp_tables_fini();
	rte_eal_cleanup();
	return rc;
}
