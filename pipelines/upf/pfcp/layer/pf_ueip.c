/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ueip: the UE addresses a UPF chooses for PFCP sessions (UEIP): a pool's, by bitmap. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "intent_cc.h"
#include "pf_alloc.h"
#include "pf_ueip.h"

#define HELD_SKIPS 64	/* held addresses passed over in one take before giving up */

/* One UPF's pool: the index of an address is its host part (IPv4) or
 * its /64's bits past the prefix (IPv6). */
struct slot {
	struct slot *next;
	char upf[PF_NAME_LEN];
	uint8_t af, plen, prefix[16];
	struct pf_ids ids;
};

struct pf_ueip {
	struct slot *slots;
};

struct pf_ueip *
pf_ueip_new(void)
{
	return calloc(1, sizeof(struct pf_ueip));
}

void
pf_ueip_free(struct pf_ueip *p)
{
	struct slot *s, *n;

	if (p == NULL)
		return;
	for (s = p->slots; s != NULL; s = n) {
		n = s->next;
		pf_ids_fini(&s->ids);
		free(s);
	}
	free(p);
}

static uint64_t
be64(const uint8_t *a)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | a[i];
	return v;
}

/* bits of an address past the prefix a pool numbers */
static unsigned int
host_bits(uint8_t af, uint8_t plen)
{
	return af == AF_INET ? 32u - plen : 64u - plen;
}

static uint32_t
index_of(const struct slot *s, const uint8_t *addr)
{
	uint64_t mask = (1ull << host_bits(s->af, s->plen)) - 1;

	if (s->af == AF_INET)
		return (uint32_t)((uint64_t)addr[0] << 24 | (uint64_t)addr[1] << 16 | (uint64_t)addr[2] << 8 | addr[3]) & mask;
	return (uint32_t)(be64(addr) & mask);
}

static void
addr_of(const struct slot *s, uint32_t idx, uint8_t *addr)
{
	int n = s->af == AF_INET ? 4 : 8;   /* IPv6: the /64, interface id zero */
	uint64_t v = idx;

	memset(addr, 0, 16);
	memcpy(addr, s->prefix, (size_t)n);
	for (int i = n - 1; i >= 0 && v != 0; i--, v >>= 8)
		addr[i] |= (uint8_t)v;
}

static bool
same_pool(const struct slot *s, const char *upf, uint8_t af, uint8_t plen, const uint8_t *prefix)
{
	return s->af == af && s->plen == plen && memcmp(s->prefix, prefix, 16) == 0 && strcmp(s->upf, upf) == 0;
}

/* The slot of @upf's pool (af, plen, prefix), made the first time. */
static struct slot *
slot_of(struct pf_ueip *p, const char *upf, uint8_t af, uint8_t plen, const uint8_t *prefix)
{
	struct slot *s;
	unsigned int hb = host_bits(af, plen);
	/* IPv4: neither the all-zeros nor the all-ones host where there are others */
	uint32_t skip = af == AF_INET && hb >= 2 ? 1 : 0, top = (uint32_t)((1ull << hb) - 1);

	for (s = p->slots; s != NULL; s = s->next)
		if (same_pool(s, upf, af, plen, prefix))
			return s;
	if (hb > 24 || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	snprintf(s->upf, sizeof(s->upf), "%s", upf);
	s->af = af;
	s->plen = plen;
	memcpy(s->prefix, prefix, 16);
	if (pf_ids_init(&s->ids, skip, top - skip) < 0) {
		free(s);
		return NULL;
	}
	s->next = p->slots;
	p->slots = s;
	return s;
}

int
pf_ueip_take(struct pf_ueip *p, const char *upf, const struct pf_pool *pool, pf_ueip_held *held, void *arg,
	     uint8_t *addr)
{
	struct slot *s = slot_of(p, upf, pool->af, pool->plen, pool->prefix);
	uint32_t skipped[HELD_SKIPS], idx;
	int n = 0, rc;

	if (s == NULL)
		return -ENOMEM;
	/* an address someone else holds (an intent's session, an SMF's own
	 * choice inside the pool) stays taken until one is found, then each
	 * goes back: it is theirs, not ours to keep */
	while ((rc = pf_ids_take(&s->ids, &idx)) == 0) {
		addr_of(s, idx, addr);
		if (!held(arg, s->af, addr))
			break;
		if (n == HELD_SKIPS) {
			pf_ids_put(&s->ids, idx);
			rc = -ENOSPC;
			break;
		}
		skipped[n++] = idx;
	}
	for (int i = 0; i < n; i++)
		pf_ids_put(&s->ids, skipped[i]);
	return rc;
}

int
pf_ueip_take_this(struct pf_ueip *p, const struct pf_upf *u, int af, const uint8_t *addr)
{
	for (int i = 0; i < u->n_pool; i++) {
		const struct pf_pool *q = &u->pool[i];
		struct slot *s;

		if (q->af != af || !cc_pfx_has(q->prefix, q->plen, addr))
			continue;
		if ((s = slot_of(p, u->name, q->af, q->plen, q->prefix)) == NULL)
			return -ENOMEM;
		return pf_ids_take_this(&s->ids, index_of(s, addr)) == -EEXIST ? -EEXIST : 0;
	}
	return -ENOENT;
}

void
pf_ueip_put(struct pf_ueip *p, const char *upf, int af, const uint8_t *addr)
{
	for (struct slot *s = p->slots; s != NULL; s = s->next)
		if (s->af == af && strcmp(s->upf, upf) == 0 && cc_pfx_has(s->prefix, s->plen, addr)) {
			pf_ids_put(&s->ids, index_of(s, addr));
			return;
		}
}

static uint64_t
used_of(const struct pf_ueip *p, const char *upf, const struct pf_pool *pool)
{
	for (const struct slot *s = p->slots; s != NULL; s = s->next)
		if (same_pool(s, upf, pool->af, pool->plen, pool->prefix))
			return s->ids.used;
	return 0;
}

json_t *
pf_ueip_status(const struct pf_ueip *p, const struct pf_upfs *all)
{
	json_t *a = json_array();

	for (int k = 0; a != NULL && k < all->n; k++)
		for (int i = 0; i < all->u[k].n_pool; i++) {
			const struct pf_pool *q = &all->u[k].pool[i];
			unsigned int hb = host_bits(q->af, q->plen);
			char b[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 4];

			snprintf(pfx, sizeof(pfx), "%s/%u", inet_ntop(q->af, q->prefix, b, sizeof(b)), q->plen);
			json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "upf", all->u[k].name, "prefix", pfx,
							   "network_instance", q->ni, "name", q->name, "size",
							   (json_int_t)((1ull << hb) - (q->af == AF_INET && hb >= 2 ? 2 : 0)),
							   "used", (json_int_t)used_of(p, all->u[k].name, q)));
		}
	return a;
}
