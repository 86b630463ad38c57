/* The UPF's own addresses as a set, the switch's interfaces as bits, the endpoints a pair holds (up_own.h). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_malloc.h>

#include "up_own.h"
#include "up_state.h"
#include "sw_api.h"
#include "dp_rpc.h"
#include "dp_schema.h"
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

/* ---- upf.held: the GTP-U endpoints a pair holds (held_bd), and whether here */

struct held {
	json_t *a;
	bool v6;
	uint32_t here, elsewhere;
};

static int
held_one(const struct dp_entry_view *ev, void *arg)
{
	const struct up_iface *f = (const struct up_iface *)ev->params;
	struct held *h = arg;
	char s[INET6_ADDRSTRLEN];
	bool here;

	if ((ev->action != UP_IF_N3 && ev->action != UP_IF_N9) || f->held_bd == 0)
		return 0;
	here = pl_switch_held_here(f->held_bd, h->v6 ? SW_HELD_V6 : SW_HELD_V4);
	if (here)
		h->here++;
	else
		h->elsewhere++;
	inet_ntop(h->v6 ? AF_INET6 : AF_INET, ev->key, s, sizeof(s));
	return json_array_append_new(h->a, json_pack("{s:s,s:s,s:i,s:i,s:b}", "address", s, "link",
						     ev->action == UP_IF_N3 ? "n3" : "n9", "id", f->id, "held_bd",
						     f->held_bd, "here", here)) < 0 ? -ENOMEM : 0;
}

static const struct dp_rpc_method held_method = {
	.name = "upf.held",
	.description = "the GTP-U endpoints (N3, N9) a pair of boxes holds (upf_interfaces' held_bd): "
		       "whether each is this box's now (its router on that bridge domain master); what "
		       "sxcd's PFCP follows to know whether it serves the pair's sessions",
	.result = &(const struct dp_schema_field){
		.name = "held", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.desc = "{endpoints: [{address, link, id, held_bd, here}], here: N, elsewhere: N}" },
};

static int
m_held(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	struct held h = { .a = json_array() };
	int rc = h.a == NULL ? -ENOMEM : 0;

	if (rc == 0)
		rc = dp_table_each((unsigned int)pl_up.ifaces, held_one, &h);
	h.v6 = true;
	if (rc == 0)
		rc = dp_table_each((unsigned int)pl_up.ifaces6, held_one, &h);
	if (rc < 0) {
		json_decref(h.a);
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	}
	*result = json_pack("{s:o,s:I,s:I}", "endpoints", h.a, "here", (json_int_t)h.here, "elsewhere",
			    (json_int_t)h.elsewhere);
	return 0;
}

int
up_own_init(void)
{
	return dp_rpc_register(&held_method, m_held, NULL, NULL);
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
