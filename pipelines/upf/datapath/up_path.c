/* SPDX-License-Identifier: BSD-3-Clause */
/* GTP-U path supervision (up_path.h). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "up_path.h"
#include "up_encap.h"
#include "up_event.h"
#include "up_state.h"
#include "gtp.h"
#include "sw_api.h"
#include "dp_log.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_slow.h"
#include "dp_table.h"

#define ROUND_MS 1000	/* the peers and endpoints looked at again */
#define ENDPOINTS_MAX 64

/* A far end: its address (IPv4 as ::ffff:a.b.c.d, the hash's key). */
struct path {
	bool used, seen;	/* seen: a peer in use goes there (this round) */
	uint8_t key[16], len;
	uint32_t peer;		/* a tunnel_peers id that goes there */
	uint16_t echo_s, seq;
	uint8_t misses_max, misses, state;
	bool pending;		/* the last request unanswered yet */
	int restart;		/* its Recovery restart counter, -1: none seen */
	uint64_t next_tsc, sent_tsc, since_tsc;
	uint64_t sent, answered, fails, recoveries, restarts, rtt_us;
};

static struct path paths[UP_PATH_MAX];
static struct rte_hash *by_addr;
static uint64_t next_round;

/* The N3 and N9 endpoints whose peers are supervised. */
static struct endpoint {
	uint8_t key[16], plen;	/* as paths' keys; plen over the 128 bits */
	uint16_t echo_s;
	uint8_t misses;
} eps[ENDPOINTS_MAX];
static unsigned int n_eps;

static void
key_of(uint8_t *k, const uint8_t *a, uint8_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (len == 16) {
		memcpy(k, a, 16);
	} else {
		memcpy(k, mapped, 12);
		memcpy(k + 12, a, 4);
	}
}

static bool
in_prefix(const uint8_t *k, const uint8_t *p, uint8_t plen)
{
	unsigned int b = plen / 8, r = plen % 8;

	return memcmp(k, p, b) == 0 && (r == 0 || ((k[b] ^ p[b]) & (uint8_t)(0xff << (8 - r))) == 0);
}

static int
each_endpoint(const struct dp_entry_view *ev, void *arg)
{
	const struct up_iface *f = (const struct up_iface *)ev->params;
	bool v6 = *(const bool *)arg;
	struct endpoint *e;

	if ((ev->action != UP_IF_N3 && ev->action != UP_IF_N9) || f->echo_s == 0 || n_eps == ENDPOINTS_MAX)
		return 0;
	/* a pair's endpoint the other box holds: its paths are that box's to watch */
	if (f->held_bd != 0 && !pl_switch_held_here(f->held_bd, v6 ? SW_HELD_V6 : SW_HELD_V4))
		return 0;
	e = &eps[n_eps++];
	key_of(e->key, ev->key, v6 ? 16 : 4);
	e->plen = (uint8_t)(v6 ? ev->plen : 96 + ev->plen);
	e->echo_s = f->echo_s;
	e->misses = f->misses ? f->misses : 3;
	return 0;
}

static const struct endpoint *
endpoint_of(const uint8_t *src)
{
	const struct endpoint *best = NULL;

	for (unsigned int i = 0; i < n_eps; i++)
		if (in_prefix(src, eps[i].key, eps[i].plen) && (best == NULL || eps[i].plen > best->plen))
			best = &eps[i];
	return best;
}

static struct path *
path_get(const uint8_t *k, uint8_t len, bool make)
{
	int32_t i = rte_hash_lookup(by_addr, k);

	if (i >= 0)
		return &paths[i];
	if (!make || (i = rte_hash_add_key(by_addr, k)) < 0)
		return NULL;
	memset(&paths[i], 0, sizeof(paths[i]));
	paths[i].used = true;
	memcpy(paths[i].key, k, 16);
	paths[i].len = len;
	paths[i].restart = -1;
	paths[i].since_tsc = rte_rdtsc();
	return &paths[i];
}

static void
tell(const struct path *p, uint8_t what)
{
	struct up_event ev = { .type = UP_EV_PATH, .path = what, .peer_len = p->len };

	memcpy(ev.peer, p->len == 16 ? p->key : p->key + 12, p->len);
	up_event_post(&ev);
}

/* every peer in use: its path seen, what it is sent with */
static int
each_peer(const struct dp_entry_view *ev, void *arg)
{
	uint8_t src[16], dst[16], len;
	const struct endpoint *e;
	struct path *p;

	(void)arg;
	if (ev->action == UP_PEER_GTPU) {
		const struct up_peer *q = (const struct up_peer *)ev->params;

		key_of(src, (const uint8_t *)&q->src, 4);
		key_of(dst, (const uint8_t *)&q->dst, 4);
		len = 4;
	} else if (ev->action == UP_PEER_GTPU6) {
		const struct up_peer6 *q = (const struct up_peer6 *)ev->params;

		memcpy(src, q->src, 16);
		memcpy(dst, q->dst, 16);
		len = 16;
	} else {
		return 0;
	}
	if ((e = endpoint_of(src)) == NULL || (p = path_get(dst, len, true)) == NULL)
		return 0;
	if (!p->seen && p->next_tsc == 0)   /* new: its first request an interval from now */
		p->next_tsc = rte_rdtsc() + (uint64_t)e->echo_s * rte_get_tsc_hz();
	p->seen = true;
	p->peer = rte_be_to_cpu_32(*(const rte_be32_t *)ev->key);
	p->echo_s = e->echo_s;
	p->misses_max = e->misses;
	return 0;
}

static void
echo_send(struct path *p, uint64_t now)
{
	uint8_t g[32];   /* an Echo Request: a header with a sequence number */
	int len;

	if (p->pending && ++p->misses >= p->misses_max && p->state != UP_PATH_DOWN) {
		/* misses_max requests in a row unanswered: the path failed (one
		 * that never answered too: its sessions' SMFs are told) */
		p->fails++;
		p->state = UP_PATH_DOWN;
		p->since_tsc = now;
		tell(p, UP_EV_PATH_DOWN);
		dp_slow_event(UP_EVENT(path_down));
	}
	p->seq++;
	if ((len = gtp_build_echo(g, sizeof(g), false, p->seq)) > 0 && up_peer_send(p->peer, g, (uint16_t)len) == 0) {
		p->sent++;
		dp_slow_event(UP_EVENT(echo_sent));
	}
	p->pending = true;
	p->sent_tsc = now;
	p->next_tsc = now + (uint64_t)p->echo_s * rte_get_tsc_hz();
}

void
up_path_poll(uint64_t now)
{
	bool v6;

	if (now < next_round)
		return;
	next_round = now + rte_get_tsc_hz() * ROUND_MS / 1000;
	n_eps = 0;
	v6 = false;
	dp_table_each((unsigned int)pl_up.ifaces, each_endpoint, &v6);
	v6 = true;
	dp_table_each((unsigned int)pl_up.ifaces6, each_endpoint, &v6);
	for (unsigned int i = 0; i < UP_PATH_MAX; i++)
		paths[i].seen = false;
	if (n_eps > 0)
		dp_table_each((unsigned int)pl_up.peers, each_peer, NULL);
	for (unsigned int i = 0; i < UP_PATH_MAX; i++) {
		struct path *p = &paths[i];

		if (!p->used)
			continue;
		if (!p->seen) {   /* no peer in use goes there any more */
			rte_hash_del_key(by_addr, p->key);
			p->used = false;
			continue;
		}
		if (now >= p->next_tsc)
			echo_send(p, now);
	}
}

void
up_path_echo_rsp(const uint8_t *addr, uint8_t len, uint16_t seq, int restart)
{
	uint8_t k[16];
	struct path *p;
	uint64_t now = rte_rdtsc();

	key_of(k, addr, len);
	/* the answer to any request since the last answered (a late one still
	 * says the far end is there), never to an older one */
	if ((p = path_get(k, len, false)) == NULL || !p->pending || (uint16_t)(p->seq - seq) > p->misses) {
		dp_slow_event(UP_EVENT(echo_unexpected));
		return;
	}
	p->pending = false;
	p->misses = 0;
	p->answered++;
	p->rtt_us = (now - p->sent_tsc) * 1000000 / rte_get_tsc_hz();
	if (p->state != UP_PATH_UP) {
		if (p->state == UP_PATH_DOWN) {
			p->recoveries++;
			tell(p, UP_EV_PATH_UP);
			dp_slow_event(UP_EVENT(path_up));
		}
		p->state = UP_PATH_UP;
		p->since_tsc = now;
	}
	if (restart >= 0) {
		if (p->restart >= 0 && restart != p->restart) {
			p->restarts++;
			tell(p, UP_EV_PATH_RESTARTED);
		}
		p->restart = restart;
	}
}

/* ---- upf.paths */

static const char *const state_name[] = { "unknown", "up", "down" };

static const struct dp_rpc_method paths_method = {
	.name = "upf.paths",
	.description = "GTP-U paths supervised (TS 29.281 7.2): each far end of the tunnel peers in use "
		       "whose endpoint has echo_s, its state (unknown until it first answers, up, down after "
		       "misses unanswered Echo Requests in a row), requests sent and answered, failures, "
		       "recoveries, restarts its Recovery IE said, the last round trip",
	.result = &(const struct dp_schema_field){
		.name = "paths", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.desc = "{paths: [{peer, peer_id, state, since_s, echo_s, misses, sent, answered, fails, "
			"recoveries, restarts, rtt_us}]}" },
};

static int
m_paths(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	json_t *a = json_array();
	char s[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; a != NULL && i < UP_PATH_MAX; i++) {
		const struct path *p = &paths[i];

		if (!p->used)
			continue;
		inet_ntop(p->len == 16 ? AF_INET6 : AF_INET, p->len == 16 ? p->key : p->key + 12, s, sizeof(s));
		if (json_array_append_new(a, json_pack("{s:s,s:I,s:s,s:I,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I}",
						       "peer", s, "peer_id", (json_int_t)p->peer, "state",
						       state_name[p->state], "since_s",
						       (json_int_t)((now - p->since_tsc) / hz), "echo_s", p->echo_s,
						       "misses", p->misses, "sent", (json_int_t)p->sent, "answered",
						       (json_int_t)p->answered, "fails", (json_int_t)p->fails,
						       "recoveries", (json_int_t)p->recoveries, "restarts",
						       (json_int_t)p->restarts, "rtt_us", (json_int_t)p->rtt_us)) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	*result = json_pack("{s:o}", "paths", a);
	return 0;
}

int
up_path_init(void)
{
	struct rte_hash_parameters hp = { .name = "up_paths", .entries = UP_PATH_MAX, .key_len = 16,
					  .hash_func = rte_jhash, .socket_id = SOCKET_ID_ANY };

	memset(paths, 0, sizeof(paths));
	next_round = 0;
	if ((by_addr = rte_hash_create(&hp)) == NULL)
		return -ENOMEM;
	return dp_rpc_register(&paths_method, m_paths, NULL, NULL);
}

void
up_path_fini(void)
{
	rte_hash_free(by_addr);
	by_addr = NULL;
}
