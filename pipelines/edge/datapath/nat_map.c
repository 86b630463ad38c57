/* NAT44's per-worker mappings, hosts and port blocks (nat_map.h). One
 * rte_hash holds four kinds of 16-byte keys, told apart by ct_key.pad. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "nat_map.h"

enum { K_MAP_IN = 1, K_MAP_OUT, K_HOST, K_BLOCK };

/* How many candidate blocks a search looks at before it calls the pool
 * exhausted: a bound on a worker's work per new host. */
#define BLOCK_PROBES 256

static uint32_t
key_hash(const void *key, uint32_t len __rte_unused, uint32_t init)
{
	const uint64_t *k = key;

	return rte_hash_crc_8byte(k[1], rte_hash_crc_8byte(k[0], init));
}

static inline struct ct_key
key_of(uint8_t kind, uint16_t vrf, uint8_t proto, uint32_t a, uint16_t port)
{
	return (struct ct_key){ .vrf = vrf, .proto = proto, .pad = kind, .src = a, .sport = port };
}

/* a host's and an inside endpoint's keys hold their pool's generation */
static inline struct ct_key
key_gen(uint8_t kind, uint16_t vrf, uint8_t proto, uint32_t a, uint16_t port, uint32_t gen)
{
	struct ct_key k = key_of(kind, vrf, proto, a, port);

	k.dst = gen;
	return k;
}

int64_t
nat_pool_block_of(const struct nat_pool_p *p, uint32_t addr_be, uint16_t port)
{
	uint32_t a = rte_be_to_cpu_32(addr_be), first = rte_be_to_cpu_32(p->first);
	uint32_t bpa = nat_pool_blocks_per_addr(p);

	if (bpa == 0 || a < first || a > rte_be_to_cpu_32(p->last) || port < p->port_lo ||
	    (uint32_t)(port - p->port_lo) / p->block >= bpa)
		return -1;
	return (int64_t)(a - first) * bpa + (port - p->port_lo) / p->block;
}

unsigned int
nat_host_worker(uint16_t vrf, uint32_t ip_be, unsigned int n)
{
	return n > 1 ? rte_hash_crc_4byte(ip_be, vrf) % n : 0;
}

unsigned int
nat_block_worker(const struct nat_pool_p *p, uint16_t vrf, int64_t g, unsigned int n)
{
	if (n <= 1)
		return 0;
	if (p->det_plen)
		return nat_host_worker(vrf, rte_cpu_to_be_32(rte_be_to_cpu_32(p->det_prefix) + (uint32_t)g), n);
	return (unsigned int)(g % n);
}

int
nat_store_init(struct nat_store *ns, const char *name, uint32_t cap, unsigned int worker,
	       unsigned int n_workers, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		/* a mapping's two keys, a host, its blocks */
		.entries = cap * 4 + 64,
		.key_len = sizeof(struct ct_key),
		.hash_func = key_hash,
		.socket_id = socket,
	};

	memset(ns, 0, sizeof(*ns));
	ns->cap = cap;
	ns->worker = worker;
	ns->n_workers = n_workers ? n_workers : 1;
	ns->h = rte_hash_create(&hp);
	ns->m = rte_zmalloc_socket("nat_map", sizeof(ns->m[0]) * cap, RTE_CACHE_LINE_SIZE, socket);
	ns->hosts = rte_zmalloc_socket("nat_host", sizeof(ns->hosts[0]) * cap, RTE_CACHE_LINE_SIZE, socket);
	ns->free_m = rte_malloc_socket("nat_free_m", sizeof(uint32_t) * cap, 0, socket);
	ns->free_h = rte_malloc_socket("nat_free_h", sizeof(uint32_t) * cap, 0, socket);
	if (ns->h == NULL || ns->m == NULL || ns->hosts == NULL || ns->free_m == NULL || ns->free_h == NULL) {
		nat_store_fini(ns);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		ns->free_m[i] = ns->free_h[i] = cap - 1 - i;
	ns->n_free_m = ns->n_free_h = cap;
	return 0;
}

void
nat_store_fini(struct nat_store *ns)
{
	rte_hash_free(ns->h);
	rte_free(ns->m);
	rte_free(ns->hosts);
	rte_free(ns->free_m);
	rte_free(ns->free_h);
	memset(ns, 0, sizeof(*ns));
}

static int32_t
find(struct nat_store *ns, const struct ct_key *k)
{
	void *d;

	return rte_hash_lookup_data(ns->h, k, &d) < 0 ? -1 : (int32_t)(uintptr_t)d;
}

static bool
block_taken(struct nat_store *ns, uint16_t pool, uint32_t g)
{
	struct ct_key k = key_of(K_BLOCK, pool, 0, g, 0);

	return rte_hash_lookup(ns->h, &k) >= 0;
}

/* Take block g of pool p for host h. 0 or -ENOSPC. */
static int
block_take(struct nat_store *ns, const struct nat_pool_p *p, uint16_t pool, uint32_t g, uint32_t h)
{
	struct ct_key k = key_of(K_BLOCK, pool, 0, g, 0);
	struct nat_host *ho = &ns->hosts[h];

	if (rte_hash_add_key_data(ns->h, &k, (void *)(uintptr_t)h) < 0)
		return -ENOSPC;
	ho->blocks[ho->n_blocks] = g;
	ho->first_port[ho->n_blocks] = (uint16_t)(p->port_lo + (g % nat_pool_blocks_per_addr(p)) * p->block);
	ho->block_len = p->block;
	if (ns->on_block)
		ns->on_block(ns->on_block_arg, ho, ho->n_blocks, true);
	ho->n_blocks++;
	return 0;
}

/* A free block of this worker's on address index a (a < 0: any address,
 * the search going on from the pool's cursor). Its number, or -1. */
static int64_t
block_search(struct nat_store *ns, const struct nat_pool_p *p, uint16_t pool, int64_t a)
{
	uint32_t bpa = nat_pool_blocks_per_addr(p), n = ns->n_workers, w = ns->worker;
	uint64_t lo = a < 0 ? 0 : (uint64_t)a * bpa, span = a < 0 ? (uint64_t)nat_pool_addrs(p) * bpa : bpa;
	/* the candidates: g in [lo, lo + span) with g % n == w */
	uint64_t first = lo + (w + n - lo % n) % n;
	uint64_t count = first < lo + span ? (lo + span - first + n - 1) / n : 0;
	uint32_t *cur = &ns->cursor[pool % RTE_DIM(ns->cursor)];

	for (uint64_t j = 0; j < RTE_MIN(count, (uint64_t)BLOCK_PROBES); j++) {
		uint64_t g = first + ((*cur + j) % count) * n;

		if (!block_taken(ns, pool, (uint32_t)g)) {
			*cur = (uint32_t)((*cur + j + 1) % count);
			return (int64_t)g;
		}
	}
	return -1;
}

/* The host record of (vrf, ip), made with its first block when new. */
static int32_t
host_get(struct nat_store *ns, const struct nat_pool_p *p, uint16_t pool, uint32_t gen, uint16_t vrf, uint32_t ip)
{
	struct ct_key k = key_gen(K_HOST, vrf, 0, ip, 0, gen);
	int32_t h = find(ns, &k);
	uint32_t bpa = nat_pool_blocks_per_addr(p);
	struct nat_host *ho;
	int64_t g;

	if (h >= 0)
		return h;
	if (ns->n_free_h == 0)
		return -ENOMEM;
	if (p->det_plen) {
		uint32_t off = rte_be_to_cpu_32(ip) - rte_be_to_cpu_32(p->det_prefix);

		/* outside the prefix, or more hosts than the pool has blocks */
		if (p->det_plen > 32 || (p->det_plen > 0 && p->det_plen < 32 && off >> (32 - p->det_plen)) ||
		    (p->det_plen == 32 && off != 0) || (uint64_t)off >= (uint64_t)nat_pool_addrs(p) * bpa)
			return -ENOSPC;
		g = off;
		if (block_taken(ns, pool, (uint32_t)g))
			return -ENOSPC;
	} else if ((g = block_search(ns, p, pool, -1)) < 0) {
		return -ENOSPC;
	}
	h = (int32_t)ns->free_h[--ns->n_free_h];
	ho = &ns->hosts[h];
	memset(ho, 0, sizeof(*ho));
	ho->ip = ip;
	ho->vrf = vrf;
	ho->pool = pool;
	ho->gen = gen;
	ho->ext_ip = rte_cpu_to_be_32(rte_be_to_cpu_32(p->first) + (uint32_t)(g / bpa));
	if (rte_hash_add_key_data(ns->h, &k, (void *)(uintptr_t)h) < 0 || block_take(ns, p, pool, (uint32_t)g, h) < 0) {
		rte_hash_del_key(ns->h, &k);
		ns->free_h[ns->n_free_h++] = (uint32_t)h;
		return -ENOMEM;
	}
	ns->n_hosts++;
	return h;
}

static void
host_put(struct nat_store *ns, uint32_t h)
{
	struct nat_host *ho = &ns->hosts[h];
	struct ct_key k;

	if (--ho->refs)
		return;
	for (unsigned int b = 0; b < ho->n_blocks; b++) {
		if (ns->on_block)
			ns->on_block(ns->on_block_arg, ho, b, false);
		k = key_of(K_BLOCK, ho->pool, 0, ho->blocks[b], 0);
		rte_hash_del_key(ns->h, &k);
	}
	k = key_gen(K_HOST, ho->vrf, 0, ho->ip, 0, ho->gen);
	rte_hash_del_key(ns->h, &k);
	ns->free_h[ns->n_free_h++] = h;
	ns->n_hosts--;
}

/* A free outside port for (proto, in_port) in the host's blocks, the
 * inside port's place in a block first (ports keep their parity and
 * often their number: RFC 4787 REQ-3 asks no more). 0 when none. */
static uint16_t
port_pick(struct nat_store *ns, const struct nat_host *ho, uint8_t proto,
	  uint16_t in_port)
{
	for (unsigned int b = 0; b < ho->n_blocks; b++) {
		uint16_t base = ho->first_port[b];

		for (uint32_t j = 0; j < ho->block_len; j++) {
			uint16_t port = (uint16_t)(base + (in_port + j) % ho->block_len);
			struct ct_key k = key_of(K_MAP_OUT, ho->pool, proto, ho->ext_ip, port);

			if (port != 0 && rte_hash_lookup(ns->h, &k) < 0)
				return port;
		}
	}
	return 0;
}

int
nat_map_get(struct nat_store *ns, const struct nat_pool_p *p, uint16_t pool, uint32_t gen, uint16_t vrf,
	    uint8_t proto, uint32_t in_ip, uint16_t in_port, bool *created)
{
	struct ct_key kin = key_gen(K_MAP_IN, vrf, proto, in_ip, in_port, gen), kout;
	int32_t i = find(ns, &kin), h;
	struct nat_mapping *m;
	struct nat_host *ho;
	uint16_t port;

	*created = false;
	if (i >= 0)
		return i;
	if (ns->n_free_m == 0)
		return -ENOMEM;
	if ((h = host_get(ns, p, pool, gen, vrf, in_ip)) < 0)
		return h;
	ho = &ns->hosts[h];
	port = port_pick(ns, ho, proto, in_port);
	/* the host's blocks are full: one more on its address, up to the
	 * pool's share per host (a deterministic host has its one) */
	if (port == 0 && !p->det_plen && ho->n_blocks < RTE_MIN(p->blocks, NAT_HOST_BLOCKS_MAX)) {
		uint32_t bpa = nat_pool_blocks_per_addr(p);
		int64_t g = block_search(ns, p, pool, ho->blocks[0] / bpa);

		if (g >= 0 && block_take(ns, p, pool, (uint32_t)g, (uint32_t)h) == 0)
			port = port_pick(ns, ho, proto, in_port);
	}
	if (port == 0) {
		if (ho->refs == 0) {   /* made for this mapping alone */
			ho->refs = 1;
			host_put(ns, (uint32_t)h);
		}
		return -ENOSPC;
	}
	i = (int32_t)ns->free_m[--ns->n_free_m];
	m = &ns->m[i];
	*m = (struct nat_mapping){ .in_ip = in_ip, .ext_ip = ho->ext_ip, .in_port = in_port, .ext_port = port,
				   .vrf = vrf, .pool = pool, .proto = proto, .host = (uint32_t)h, .gen = gen };
	kout = key_of(K_MAP_OUT, pool, proto, ho->ext_ip, port);
	if (rte_hash_add_key_data(ns->h, &kin, (void *)(uintptr_t)i) < 0) {
		ns->free_m[ns->n_free_m++] = (uint32_t)i;
		return -ENOMEM;
	}
	if (rte_hash_add_key_data(ns->h, &kout, (void *)(uintptr_t)i) < 0) {
		rte_hash_del_key(ns->h, &kin);
		ns->free_m[ns->n_free_m++] = (uint32_t)i;
		return -ENOMEM;
	}
	ho->refs++;
	ns->n_maps++;
	*created = true;
	return i;
}

int
nat_map_find_out(struct nat_store *ns, uint16_t pool, uint8_t proto, uint32_t ext_ip, uint16_t ext_port)
{
	struct ct_key k = key_of(K_MAP_OUT, pool, proto, ext_ip, ext_port);

	return find(ns, &k);
}

void
nat_map_hold(struct nat_store *ns, uint32_t i)
{
	ns->m[i].refs++;
}

void
nat_map_put(struct nat_store *ns, uint32_t i)
{
	struct nat_mapping *m = &ns->m[i];
	struct ct_key k;

	if (m->refs && --m->refs)
		return;
	k = key_gen(K_MAP_IN, m->vrf, m->proto, m->in_ip, m->in_port, m->gen);
	rte_hash_del_key(ns->h, &k);
	k = key_of(K_MAP_OUT, m->pool, m->proto, m->ext_ip, m->ext_port);
	rte_hash_del_key(ns->h, &k);
	host_put(ns, m->host);
	ns->free_m[ns->n_free_m++] = i;
	ns->n_maps--;
}
