/* The UPF's own addresses as a set, the switch's interfaces as bits (up_own.h). */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "up_own.h"
#include "up_state.h"
#include "sw_api.h"
#include "dp_table.h"

struct up_own *up_own_set;
uint64_t up_vlans[DP_PORTS_MAX][4096 / 64];

struct count {
	uint32_t hosts, prefixes;
};

static int
count_one(const struct dp_entry_view *ev, void *arg)
{
	struct count *c = arg;

	if (ev->action == UP_IF_NONE)
		return 0;
	if (ev->plen == 32)
		c->hosts++;
	else
		c->prefixes++;
	return 0;
}

static int
add_one(const struct dp_entry_view *ev, void *arg)
{
	struct up_own *s = arg;
	uint32_t addr;

	if (ev->action == UP_IF_NONE || ev->plen != 32)
		return 0;
	memcpy(&addr, ev->key, 4);
	for (uint32_t i = up_own_hash(addr, s->mask);; i = (i + 1) & s->mask)
		if (s->slot[i].addr == 0 || s->slot[i].addr == addr) {
			s->slot[i].addr = addr;
			s->slot[i].slice = ev->action == UP_IF_N6 ? ((const struct up_iface *)ev->params)->slice : 0;
			return 0;
		}
}

int
up_own_rebuild(void)
{
	struct count c = { 0, 0 };
	struct up_own *s, *old = up_own_set;
	uint32_t slots = 16;

	dp_table_each((unsigned int)pl_up.ifaces, count_one, &c);
	while (slots < 2 * c.hosts + 2)   /* at most half full: short probes, one always empty */
		slots <<= 1;
	s = rte_zmalloc("upf_own", sizeof(*s) + slots * sizeof(s->slot[0]), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	s->mask = slots - 1;
	s->n_prefix = c.prefixes;
	dp_table_each((unsigned int)pl_up.ifaces, add_one, s);
	__atomic_store_n(&up_own_set, s, __ATOMIC_RELEASE);
	if (old != NULL) {
		dp_tables_sync();   /* no worker reads the old set any more */
		rte_free(old);
	}
	return 0;
}

void
up_own_fini(void)
{
	rte_free(up_own_set);
	up_own_set = NULL;
}

void
up_vlans_written(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_entry *e;
		uint16_t port, vid;
		uint64_t bit, *w;

		if (d[i].table != pl_sw.interfaces || res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		port = rte_be_to_cpu_16(*(const rte_be16_t *)d[i].key);
		vid = rte_be_to_cpu_16(*(const rte_be16_t *)(d[i].key + 2)) & 0xfff;
		if (port >= DP_PORTS_MAX)
			continue;
		/* what the batch left at the key, whatever its order */
		e = dp_table_find((unsigned int)pl_sw.interfaces, d[i].key);
		w = &up_vlans[port][vid >> 6];
		bit = 1ull << (vid & 63);
		__atomic_store_n(w, e != NULL && (e->action == SW_IF_ATTACH || e->action == SW_IF_ROUTED) ? *w | bit : *w & ~bit, __ATOMIC_RELAXED);
	}
}
