/* SPDX-License-Identifier: BSD-3-Clause */
/* A DHCP server's leases, pure C on its caller's clock (Unix seconds, so
 * they mean the same after a restart): the allocator of a pool's
 * addresses, the per-client bounds that keep one host from draining a
 * pool (starvation), and the leases as JSON for the lease file and a
 * takeover. No DPDK, no allocation (one fixed array), unit tested alone
 * (tests/test_dhcp.c). Addresses in network order unless said. */
#ifndef DH_LEASE_H
#define DH_LEASE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#define DH_LEASES_MAX 4096       /* leases of the whole box (offered, bound, declined) */
#define DH_RESERVED_MAX 1024     /* static addresses of one bridge domain an allocation skips */
#define DH_OFFER_HOLD_S 60       /* an offer holds its address this long for a REQUEST */
#define DH_DECLINE_HOLD_S 600    /* an address a client declined (in use on the link) rests this long */

enum dh_lstate { DH_L_FREE, DH_L_OFFERED, DH_L_BOUND, DH_L_DECLINED };
extern const char *const dh_lstate_name[4];

struct dh_lease {
	uint8_t state;               /* enum dh_lstate */
	uint8_t is_static;
	uint16_t vrf, bd, port;      /* port: where its client's frames came in */
	uint8_t mac[6];              /* the client's chaddr */
	uint8_t src[6];              /* the Ethernet source that asked for it */
	uint32_t ip;
	uint64_t expires;            /* Unix seconds */
	char host[33];               /* option 12, printable bytes only */
};

/* A bridge domain's pool, as the allocator needs it (host order). */
struct dh_pool {
	uint16_t vrf, bd;
	uint32_t first, last;        /* host order, first <= last */
	uint32_t server;             /* the SVI's address (network order): never given out */
	uint32_t lease_s;
};

/* Who asks: the chaddr, the frame's Ethernet source and its port. */
struct dh_client {
	uint8_t mac[6], src[6];
	uint16_t port;
};

struct dh_leases {
	struct dh_lease l[DH_LEASES_MAX];
	uint32_t scratch[DH_LEASES_MAX + DH_RESERVED_MAX + 1];
	unsigned int per_src_max;    /* addresses one Ethernet source holds in one bridge domain */
	unsigned int per_port_max;   /* addresses the clients behind one port hold */
	bool dirty;                  /* a bound lease changed since the last save */
};

void dh_leases_init(struct dh_leases *db, unsigned int per_src_max, unsigned int per_port_max);
/* The lease of chaddr mac in (vrf, bd), whatever its state, or NULL. */
struct dh_lease *dh_lease_of(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac);
/* The live lease (offered, bound, declined, not expired at now) of ip in (vrf, bd), or NULL. */
struct dh_lease *dh_lease_at(struct dh_leases *db, uint16_t vrf, uint16_t bd, uint32_t ip, uint64_t now);

/* An address for a DISCOVER: static_ip (0: none) if the client has one;
 * else its lease's; else want (option 50, 0: none) if free; else the
 * lowest free one of the pool, skipping reserved (others' static
 * addresses, host order, any order, n_res of them). Held DH_OFFER_HOLD_S.
 * 0 and *out, -ENOSPC (the pool, or the box's lease table, is full),
 * -EDQUOT (the client's source or port holds its bound already). */
int dh_lease_offer(struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c, uint32_t want,
		   uint32_t static_ip, const uint32_t *reserved, unsigned int n_res, uint64_t now,
		   struct dh_lease **out);
/* A REQUEST for ip (selecting, init-reboot, renewing or rebinding alike):
 * 0 and *out (bound for p->lease_s from now), -ERANGE (not the client's to
 * have: outside the pool, another's static address, the server's, or not
 * its static one), -EADDRINUSE (another client's lease), -EDQUOT,
 * -ENOSPC. */
int dh_lease_request(struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c, uint32_t ip,
		     uint32_t static_ip, const uint32_t *reserved, unsigned int n_res, uint64_t now,
		     struct dh_lease **out);
/* RELEASE: the client's lease of ip freed. 0, or -ENOENT (not its lease). */
int dh_lease_release(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac, uint32_t ip);
/* DECLINE: ip is in use on the link; it rests DH_DECLINE_HOLD_S, no one's.
 * 0, or -ENOENT (not the client's lease). */
int dh_lease_decline(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac, uint32_t ip,
		     uint64_t now);
/* Expired leases freed; the number. */
unsigned int dh_lease_expire(struct dh_leases *db, uint64_t now);
unsigned int dh_lease_count(const struct dh_leases *db, enum dh_lstate state);

/* The bound leases as JSON [{vrf, bd, mac, ip, expires, port, static, host}]. */
json_t *dh_lease_to_json(const struct dh_leases *db);
/* Bound leases from rows (a lease file's, a takeover's): those expired at
 * now or malformed are skipped. The number taken. */
int dh_lease_from_json(struct dh_leases *db, const json_t *rows, uint64_t now);
/* The lease file: written whole to path.tmp, fsync'd, renamed over path
 * and its directory fsync'd (a crash leaves the old file or the new one).
 * 0 or -errno. */
int dh_lease_save(struct dh_leases *db, const char *path);
/* Read path: the leases taken (>= 0), or -errno (-ENOENT: no file yet,
 * -EINVAL: not a lease file). */
int dh_lease_load(struct dh_leases *db, const char *path, uint64_t now);

#endif
