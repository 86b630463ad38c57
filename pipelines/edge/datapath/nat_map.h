/* NAT44's mappings, one store per worker (RFC 4787 endpoint-independent
 * mapping): an inside host's (address, port) keeps one outside (address,
 * port) whatever remote it talks to, and every mapping of a host is on
 * one outside address (RFC 4787 REQ-2, "paired"). A host holds port
 * blocks of its pool's address (up to the pool's blocks per host), each
 * block a worker's: blocks are dealt over the workers by number, so the
 * outside port of a packet coming back names the worker that owns it.
 * A deterministic pool (RFC 7422) gives each address of an inside prefix
 * one fixed block, so the block logs itself. */
#ifndef NAT_MAP_H
#define NAT_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include "ct_sess.h"

/* edge_pools' pool params, as the table lays them out */
struct nat_pool_p {
	uint32_t first, last;      /* the outside addresses, network order */
	uint16_t port_lo, port_hi; /* the ports given out */
	uint16_t block;            /* ports a block */
	uint16_t blocks;           /* blocks a host may hold at most */
	uint32_t det_prefix;       /* deterministic: the inside prefix, network order */
	uint8_t det_plen;          /* its length; 0: not deterministic */
	uint8_t pad[3];
};

/* A pool's shape: how many blocks an address has, and in all. */
static inline uint32_t
nat_pool_blocks_per_addr(const struct nat_pool_p *p)
{
	return p->block ? (uint32_t)(p->port_hi - p->port_lo + 1) / p->block : 0;
}

static inline uint32_t
nat_pool_addrs(const struct nat_pool_p *p)
{
	return rte_be_to_cpu_32(p->last) - rte_be_to_cpu_32(p->first) + 1;
}

/* A block's global number, from an outside address and port of the pool:
 * -1 when they are not the pool's. */
int64_t nat_pool_block_of(const struct nat_pool_p *p, uint32_t addr_be, uint16_t port);

/* The worker of an inside host (vrf, address) among n: its connections
 * and mappings live there. */
unsigned int nat_host_worker(uint16_t vrf, uint32_t ip_be, unsigned int n);

/* The worker that owns block g of a pool among n: a dynamic pool's blocks
 * are dealt by number, a deterministic one's follow their host. */
unsigned int nat_block_worker(const struct nat_pool_p *p, uint16_t vrf, int64_t g, unsigned int n);

struct nat_mapping {
	uint32_t in_ip, ext_ip;    /* network order */
	uint16_t in_port, ext_port;
	uint16_t vrf, pool;
	uint8_t proto;
	uint8_t pad;
	uint16_t pad2;
	uint32_t refs;             /* connections using it */
	uint32_t host;             /* its host's index */
	uint32_t gen;              /* its pool's generation (nat_map_get) */
};

#define NAT_HOST_BLOCKS_MAX 8

struct nat_host {
	uint32_t ip, ext_ip;       /* network order */
	uint16_t vrf, pool;
	uint16_t n_blocks;
	uint16_t block_len;        /* ports a block, as the pool said when it gave them */
	uint32_t refs;             /* mappings */
	uint32_t gen;              /* its pool's generation */
	uint32_t blocks[NAT_HOST_BLOCKS_MAX];  /* global block numbers */
	uint16_t first_port[NAT_HOST_BLOCKS_MAX];  /* each block's first port */
};

/* Told of each port block a host is given (alloc) or gives back: the
 * logging a NAT's operator keeps (RFC 8158's port block events). */
typedef void nat_block_fn(void *arg, const struct nat_host *h, unsigned int b, bool alloc);

struct nat_store {
	struct rte_hash *h;        /* mapping keys both ways, hosts, blocks */
	struct nat_mapping *m;
	struct nat_host *hosts;
	uint32_t cap, n_maps, n_hosts;
	uint32_t *free_m, n_free_m, *free_h, n_free_h;
	uint32_t cursor[4096];     /* per pool id: where the block search goes on */
	unsigned int worker, n_workers;
	nat_block_fn *on_block;    /* NULL: nobody asks */
	void *on_block_arg;
};

int nat_store_init(struct nat_store *ns, const char *name, uint32_t cap, unsigned int worker,
		   unsigned int n_workers, int socket);
void nat_store_fini(struct nat_store *ns);

/* Worker: the mapping of an inside endpoint in generation gen of its
 * pool (a changed pool's hosts and mappings are new ones: the old live on
 * while connections hold them, and their ports stay taken), or a new one.
 * *created says which. Index, or -ENOSPC (ports or blocks exhausted),
 * -ENOMEM (store full). */
int nat_map_get(struct nat_store *ns, const struct nat_pool_p *p, uint16_t pool, uint32_t gen, uint16_t vrf,
		uint8_t proto, uint32_t in_ip, uint16_t in_port, bool *created);
/* Worker: the mapping an outside (address, port) of a pool names, or -1. */
int nat_map_find_out(struct nat_store *ns, uint16_t pool, uint8_t proto, uint32_t ext_ip, uint16_t ext_port);
/* Worker: a connection holds (put: lets go of) mapping i. The last one
 * ends it, and its host's last mapping ends the host and frees its blocks. */
void nat_map_hold(struct nat_store *ns, uint32_t i);
void nat_map_put(struct nat_store *ns, uint32_t i);

#endif
