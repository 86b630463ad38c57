/* The switch's hold queue (sw_hold.h). */
#include <string.h>

#include <rte_cycles.h>

#include "sw_hold.h"
#include "sw_slow.h"
#include "sw_state.h"
#include "dp_slow.h"

/* Addresses in network order: IPv4 in the first 4 bytes, the rest zero. */
struct hold {
	bool used;
	bool v6;
	uint8_t n;
	uint16_t slice;
	uint8_t ip[16];
	uint8_t src[16];             /* source of the first held packet: pays for the requests */
	uint64_t first_tsc, last_arp_tsc;
	struct rte_mempool *pool;
	struct rte_mbuf *m[SW_HOLD_MAX];
};

static struct hold holds[SW_HOLD_HOLDS];
static uint64_t next_timer;

static const struct sw_hold_family *fam[2];   /* [v6] */

void
sw_hold_init(void)
{
	memset(holds, 0, sizeof(holds));
	next_timer = 0;
}

void
sw_hold_register(bool v6, const struct sw_hold_family *f)
{
	fam[v6] = f;
}

static uint64_t
ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static struct hold *
hold_find(uint16_t slice, bool v6, const uint8_t *ip, bool create)
{
	struct hold *free_h = NULL;
	uint8_t a[16];

	sw_slow_addr_set(a, v6, ip);
	for (unsigned int i = 0; i < SW_HOLD_HOLDS; i++) {
		if (holds[i].used && holds[i].slice == slice && holds[i].v6 == v6 &&
		    memcmp(holds[i].ip, a, sizeof(a)) == 0)
			return &holds[i];
		if (!holds[i].used && free_h == NULL)
			free_h = &holds[i];
	}
	if (!create || free_h == NULL)
		return NULL;
	memset(free_h, 0, sizeof(*free_h));
	free_h->used = true;
	free_h->v6 = v6;
	free_h->slice = slice;
	memcpy(free_h->ip, a, sizeof(a));
	free_h->first_tsc = rte_rdtsc();
	return free_h;
}

const uint8_t *
sw_hold_asker(uint16_t slice, bool v6, const uint8_t *ip)
{
	const struct hold *h = hold_find(slice, v6, ip, false);

	return h != NULL ? h->src : NULL;
}

void
sw_hold_release(uint16_t slice, bool v6, const uint8_t *ip, const struct sw_rewrite *rw, bool tun)
{
	struct hold *h = hold_find(slice, v6, ip, false);

	if (h == NULL)
		return;
	for (unsigned int i = 0; i < h->n; i++) {
		fam[v6]->out(h->m[i], rw, tun);
	}
	h->used = false;
}

/* Ask for h's neighbour: an ARP request or an NDP solicitation. */
static void
hold_ask(struct hold *h)
{
	fam[h->v6]->ask(h->pool, h->slice, h->ip, h->src);
}

void
pl_swctl_hold(struct rte_mbuf *m, uint16_t slice, bool v6, const uint8_t *ip, const uint8_t *src)
{
	struct hold *h = hold_find(slice, v6, ip, true);
	uint64_t now = rte_rdtsc();

	if (h == NULL || h->n == SW_HOLD_MAX) {
		dp_slow_drop(m, SW_DROP(hold_full));
		if (h == NULL)
			return;
	} else {
		if (h->n == 0)
			sw_slow_addr_set(h->src, v6, src);
		h->m[h->n++] = m;
		h->pool = m->pool;
	}
	if (h->last_arp_tsc == 0 || now - h->last_arp_tsc >= ms_to_tsc(SW_HOLD_ASK_MS)) {
		h->last_arp_tsc = now;
		hold_ask(h);
	}
}

void
sw_hold_fini(void)
{
	for (unsigned int i = 0; i < SW_HOLD_HOLDS; i++) {
		for (unsigned int k = 0; holds[i].used && k < holds[i].n; k++)
			rte_pktmbuf_free(holds[i].m[k]);
		holds[i].used = false;
	}
}

void
sw_hold_poll(uint64_t now)
{
	if (now < next_timer)
		return;
	next_timer = now + ms_to_tsc(100);
	for (unsigned int i = 0; i < SW_HOLD_HOLDS; i++) {
		struct hold *h = &holds[i];

		if (!h->used)
			continue;
		if (now - h->first_tsc >= ms_to_tsc(SW_HOLD_TIMEOUT_MS)) {
			for (unsigned int k = 0; k < h->n; k++) {
				fam[h->v6]->expired(h->m[k]);
			}
			h->used = false;
		} else if (now - h->last_arp_tsc >= ms_to_tsc(SW_HOLD_ASK_MS) && h->pool) {
			h->last_arp_tsc = now;
			hold_ask(h);
		}
	}
}
