/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_alloc: PFCP sessions' ids and shared entries (pf_alloc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "gtp.h"
#include "pf_alloc.h"
#include "pf_map.h"
#include "up_ids.h"
#include "up_names.h"

/* ------------------------------------------------------------ id sets */

int
pf_ids_init(struct pf_ids *b, uint32_t lo, uint32_t hi)
{
	size_t words = ((size_t)(hi - lo) + 64) / 64;

	*b = (struct pf_ids){ .lo = lo, .hi = hi, .top = hi, .next = lo };
	b->bits = calloc(words, sizeof(*b->bits));
	return b->bits ? 0 : -ENOMEM;
}

void
pf_ids_fini(struct pf_ids *b)
{
	free(b->bits);
	b->bits = NULL;
}

bool
pf_ids_taken(const struct pf_ids *b, uint32_t id)
{
	uint32_t i = id - b->lo;

	return id >= b->lo && id <= b->top && (b->bits[i / 64] >> (i % 64) & 1);
}

int
pf_ids_limit(struct pf_ids *b, uint32_t hi)
{
	if ((uint64_t)hi + 1 < b->lo || hi > b->top)
		return -ERANGE;
	b->hi = hi;
	b->over = 0;
	for (uint64_t id = (uint64_t)hi + 1; id <= b->top; id++)
		b->over += pf_ids_taken(b, (uint32_t)id);
	if (b->next > hi)
		b->next = b->lo;
	return 0;
}

int
pf_ids_take_this(struct pf_ids *b, uint32_t id)
{
	uint32_t i = id - b->lo;

	if (id < b->lo || id > b->top)
		return -ERANGE;
	if (pf_ids_taken(b, id))
		return -EEXIST;
	b->bits[i / 64] |= 1ull << (i % 64);
	b->used++;
	b->over += id > b->hi;
	return 0;
}

int
pf_ids_take(struct pf_ids *b, uint32_t *id)
{
	uint64_t n = (uint64_t)b->hi + 1 - b->lo;

	if (b->used - b->over >= n)
		return -ENOSPC;
	/* from the last one on: an id just given back is not reused at once
	 * (a late packet of the old session never meets the new one) */
	for (uint64_t k = 0; k < n; k++) {
		uint32_t cand = b->next;

		b->next = b->next == b->hi ? b->lo : b->next + 1;
		if (!pf_ids_taken(b, cand)) {
			pf_ids_take_this(b, cand);
			*id = cand;
			return 0;
		}
		/* a whole word taken: skip it */
		uint32_t i = cand - b->lo;

		if (i % 64 == 0 && b->bits[i / 64] == ~0ull && (uint64_t)cand + 64 <= b->hi) {
			b->next = cand + 64;
			k += 63;
		}
	}
	return -ENOSPC;
}

void
pf_ids_put(struct pf_ids *b, uint32_t id)
{
	uint32_t i = id - b->lo;

	if (!pf_ids_taken(b, id))
		return;
	b->bits[i / 64] &= ~(1ull << (i % 64));
	b->used--;
	b->over -= id > b->hi;
}

/* ------------------------------------------------------------ shared */

/* One shared entry: its key (what it is), its inserts, its takers. */
struct slot {
	char *key;
	json_t *ups;		/* its inserts (applications: one per port range) */
	uint32_t refs;
	bool installed;		/* in sxdp */
	bool collecting;	/* its deletes in a batch under way */
};

struct kind {
	struct pf_ids ids;
	struct slot *slot;	/* by id - ids.lo */
	json_t *by_key;		/* key → id */
};

struct pf_shared {
	struct kind peer, app, redir;
};

static int
kind_init(struct kind *k, uint32_t lo, uint32_t hi)
{
	if (pf_ids_init(&k->ids, lo, hi) < 0 || (k->slot = calloc(hi - lo + 1, sizeof(*k->slot))) == NULL ||
	    (k->by_key = json_object()) == NULL)
		return -ENOMEM;
	return 0;
}

static void
kind_fini(struct kind *k)
{
	if (k->slot != NULL)
		for (uint32_t i = 0; i <= k->ids.hi - k->ids.lo; i++) {
			free(k->slot[i].key);
			json_decref(k->slot[i].ups);
		}
	free(k->slot);
	json_decref(k->by_key);
	pf_ids_fini(&k->ids);
}

struct pf_shared *
pf_shared_new(void)
{
	struct pf_shared *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (kind_init(&s->peer, UP_PEER_PFCP_MIN, UP_PEER_PFCP_MAX) < 0 ||
	    kind_init(&s->app, UP_APP_PFCP_MIN, UP_APP_PFCP_MAX) < 0 ||
	    kind_init(&s->redir, UP_REDIRECT_PFCP_MIN, UP_REDIRECT_PFCP_MAX) < 0) {
		pf_shared_free(s);
		return NULL;
	}
	return s;
}

void
pf_shared_free(struct pf_shared *s)
{
	if (s == NULL)
		return;
	kind_fini(&s->peer);
	kind_fini(&s->app);
	kind_fini(&s->redir);
	free(s);
}

static struct slot *
slot_of(struct kind *k, uint32_t id)
{
	return id >= k->ids.lo && id <= k->ids.hi ? &k->slot[id - k->ids.lo] : NULL;
}

static int
find(struct kind *k, const char *key, uint16_t *id)
{
	json_t *v = json_object_get(k->by_key, key);

	if (v == NULL)
		return -ENOENT;
	*id = (uint16_t)json_integer_value(v);
	return 0;
}

/* @key's id, taken once more; a new one's inserts made by @make into @ups. */
static int
take(struct kind *k, const char *key, json_t *(*make)(void *arg, uint16_t id), void *arg, json_t *ups,
     uint16_t *id)
{
	struct slot *sl;
	uint32_t n;
	json_t *u;
	size_t i;

	if (find(k, key, id) == 0) {
		sl = slot_of(k, *id);
		sl->refs++;
		return 0;
	}
	if (pf_ids_take(&k->ids, &n) < 0)
		return -ENOSPC;
	sl = slot_of(k, n);
	*sl = (struct slot){ .key = strdup(key), .ups = make(arg, (uint16_t)n), .refs = 1 };
	if (sl->key == NULL || sl->ups == NULL) {
		free(sl->key);
		json_decref(sl->ups);
		memset(sl, 0, sizeof(*sl));
		pf_ids_put(&k->ids, n);
		return -ENOMEM;
	}
	json_object_set_new(k->by_key, key, json_integer(n));
	json_array_foreach(sl->ups, i, u)
		json_array_append(ups, u);
	*id = (uint16_t)n;
	return 0;
}

static void
forget(struct kind *k, uint16_t id)
{
	struct slot *sl = slot_of(k, id);

	json_object_del(k->by_key, sl->key);
	free(sl->key);
	json_decref(sl->ups);
	memset(sl, 0, sizeof(*sl));
	pf_ids_put(&k->ids, id);
}

static void
put(struct kind *k, uint16_t id)
{
	struct slot *sl = slot_of(k, id);

	if (sl == NULL || sl->refs == 0)
		return;
	sl->refs--;
	/* never written: nothing to collect */
	if (sl->refs == 0 && !sl->installed && !sl->collecting)
		forget(k, id);
}

static void
get(struct kind *k, uint16_t id)
{
	struct slot *sl = slot_of(k, id);

	if (sl != NULL && sl->key != NULL)
		sl->refs++;
}

void
pf_shared_peer_get(struct pf_shared *s, uint16_t id)
{
	get(&s->peer, id);
}

void
pf_shared_app_get(struct pf_shared *s, uint16_t id)
{
	get(&s->app, id);
}

struct peer_make {
	const struct pf_upf *u;
	bool n9;
	int af;
	const uint8_t *addr;
	uint8_t dscp;
	uint32_t vrf;
};

static bool
on_subnet(const struct pf_link *l, const uint8_t *a)
{
	unsigned int full = l->plen / 8, rest = l->plen % 8;

	if (memcmp(l->addr, a, full) != 0)
		return false;
	return rest == 0 || ((l->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static json_t *
peer_entry(void *arg, uint16_t id)
{
	struct peer_make *m = arg;
	const struct pf_link *l = m->n9 ? &m->u->n9 : &m->u->n3;
	char src[64], dst[64], gw[64];
	json_t *e;

	inet_ntop(m->af, l->addr, src, sizeof(src));
	inet_ntop(m->af, m->addr, dst, sizeof(dst));
	if (m->af == AF_INET6)
		e = json_pack("{s:s,s:s,s:{s:i},s:s,s:{s:s,s:s,s:I,s:i,s:i,s:i}}", "type", "insert", "table",
			      UP_T_TUNNEL_PEERS, "match", UP_F_ID, id, "action", UP_A_GTPU6, "params", UP_F_SRC, src, UP_F_DST,
			      dst, UP_F_VRF, (json_int_t)m->vrf, UP_F_SPORT, GTPU_UDP_PORT, UP_F_MTU, 0, UP_F_DSCP,
			      m->dscp);
	else {
		/* on the link's subnet: itself; else the link's gateway */
		inet_ntop(AF_INET, on_subnet(l, m->addr) || !l->has_gw ? m->addr : l->gw, gw, sizeof(gw));
		e = json_pack("{s:s,s:s,s:{s:i},s:s,s:{s:s,s:s,s:s,s:I,s:i,s:i,s:i}}", "type", "insert", "table",
			      UP_T_TUNNEL_PEERS, "match", UP_F_ID, id, "action", UP_A_GTPU, "params", UP_F_SRC, src, UP_F_DST,
			      dst, UP_F_GW, gw, UP_F_VRF, (json_int_t)m->vrf, UP_F_SPORT, GTPU_UDP_PORT, UP_F_MTU, 0,
			      UP_F_DSCP, m->dscp);
	}
	return e ? json_pack("[o]", e) : NULL;
}

static void
peer_key(const struct pf_upf *u, bool n9, int af, const uint8_t *addr, uint8_t dscp, char *k, size_t len)
{
	char a[64];

	inet_ntop(af, addr, a, sizeof(a));
	snprintf(k, len, "%s|%s|%s|%u", u->name, n9 ? "n9" : "n3", a, dscp);
}

int
pf_shared_peer(struct pf_shared *s, const struct pf_upf *u, bool n9, int af, const uint8_t *addr, uint8_t dscp,
	       uint32_t vrf, json_t *ups, uint16_t *id)
{
	struct peer_make m = { u, n9, af, addr, dscp, vrf };
	char k[256];

	peer_key(u, n9, af, addr, dscp, k, sizeof(k));
	return take(&s->peer, k, peer_entry, &m, ups, id);
}

int
pf_shared_peer_find(struct pf_shared *s, const struct pf_upf *u, bool n9, int af, const uint8_t *addr,
		    uint8_t dscp, uint16_t *id)
{
	char k[256];

	peer_key(u, n9, af, addr, dscp, k, sizeof(k));
	return find(&s->peer, k, id);
}

void
pf_shared_peer_put(struct pf_shared *s, uint16_t id)
{
	put(&s->peer, id);
}

struct app_make {
	uint32_t slice;
	int af;
	const struct pf_flow_end *r;
	uint8_t proto, qfi;
	uint16_t prio;
};

/* @m's match in the table of family @af */
static json_t *
app_match(const struct app_make *m, int af)
{
	uint8_t mask[16] = { 0 }, net[16] = { 0 };
	int bytes = af == AF_INET ? 4 : 16;
	char v[64], k[64];
	json_t *o;

	if (!m->r->any && !m->r->assigned) {
		for (int i = 0; i < m->r->plen && i < bytes * 8; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		for (int i = 0; i < bytes; i++)
			net[i] = m->r->addr[i] & mask[i];
	}
	inet_ntop(af, net, v, sizeof(v));
	inet_ntop(af, mask, k, sizeof(k));
	o = json_pack("{s:I,s:{s:s,s:s}}", UP_F_SLICE, (json_int_t)m->slice, UP_F_REMOTE, "value", v, "mask", k);
	if (m->proto != 0)
		json_object_set_new(o, UP_F_PROTO, json_pack("{s:i,s:i}", "value", m->proto, "mask", 255));
	if (m->qfi != PF_APP_QFI_ANY)
		json_object_set_new(o, UP_F_QFI, json_pack("{s:i,s:i}", "value", m->qfi, "mask", 63));
	return o;
}

static json_t *
app_entries(void *arg, uint16_t id)
{
	struct app_make *m = arg;
	/* of one family, or (af 0: a remote side of any) of both */
	const int fams[2] = { m->af ? m->af : AF_INET, AF_INET6 };
	json_t *a = json_array(), *match;
	int n = m->r->n_ports ? m->r->n_ports : 1;

	for (int f = 0; f < (m->af ? 1 : 2); f++)
		for (int i = 0; i < n; i++) {
			match = app_match(m, fams[f]);
			if (m->r->n_ports)
				json_object_set_new(match, UP_F_PORT, json_pack("{s:i,s:i}", "min", m->r->ports[i][0],
										 "max", m->r->ports[i][1]));
			json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:i,s:s,s:{s:i}}", "type", "insert", "table",
							   fams[f] == AF_INET6 ? UP_T_APPLICATIONS6 : UP_T_APPLICATIONS,
							   "match", match, "priority", m->prio, "action", UP_A_APP, "params",
							   UP_F_APP, id));
		}
	return a;
}

static void
app_key(uint32_t slice, int af, const struct pf_flow_end *r, uint8_t proto, uint8_t qfi, uint16_t prio, char *k,
	size_t len)
{
	char a[64];
	int n;

	inet_ntop(af ? af : AF_INET6, r->addr, a, sizeof(a));
	n = snprintf(k, len, "%u|%d|%s/%u|%u|%u|%u", slice, af ? af : 0, r->any || r->assigned ? "any" : a,
		     r->any || r->assigned ? 0 : r->plen, proto, prio, qfi);
	for (int i = 0; i < r->n_ports && n > 0 && (size_t)n < len; i++)
		n += snprintf(k + n, len - (size_t)n, "|%u-%u", r->ports[i][0], r->ports[i][1]);
}

int
pf_shared_app(struct pf_shared *s, uint32_t slice, int af, const struct pf_flow_end *r, uint8_t proto,
	      uint8_t qfi, uint16_t prio, json_t *ups, uint16_t *id)
{
	struct app_make m = { slice, af, r, proto, qfi, prio };
	char k[512];

	app_key(slice, af, r, proto, qfi, prio, k, sizeof(k));
	return take(&s->app, k, app_entries, &m, ups, id);
}

int
pf_shared_app_find(struct pf_shared *s, uint32_t slice, int af, const struct pf_flow_end *r, uint8_t proto,
		   uint8_t qfi, uint16_t prio, uint16_t *id)
{
	char k[512];

	app_key(slice, af, r, proto, qfi, prio, k, sizeof(k));
	return find(&s->app, k, id);
}

struct app_of {
	const char *table;
	json_t *matches;
	uint16_t prio;
};

static json_t *
app_of_entries(void *arg, uint16_t id)
{
	struct app_of *m = arg;
	json_t *a = json_array(), *match;
	size_t i;

	json_array_foreach(m->matches, i, match)
		json_array_append_new(a, json_pack("{s:s,s:s,s:O,s:i,s:s,s:{s:i}}", "type", "insert", "table", m->table,
						   "match", match, "priority", m->prio, "action", UP_A_APP, "params",
						   UP_F_APP, id));
	return a;
}

/* the table, the priority and the matches as one canonical text (a new string) */
static char *
app_of_key(const char *table, json_t *matches, uint16_t prio)
{
	char *d = json_dumps(matches, JSON_COMPACT | JSON_SORT_KEYS), *k = NULL;

	if (d != NULL && asprintf(&k, "%s|%u|%s", table, prio, d) < 0)
		k = NULL;
	free(d);
	return k;
}

int
pf_shared_app_of(struct pf_shared *s, const char *table, json_t *matches, uint16_t prio, json_t *ups, uint16_t *id)
{
	struct app_of m = { table, matches, prio };
	char *k = app_of_key(table, matches, prio);
	int rc;

	if (k == NULL)
		return -ENOMEM;
	rc = take(&s->app, k, app_of_entries, &m, ups, id);
	free(k);
	return rc;
}

int
pf_shared_app_of_find(struct pf_shared *s, const char *table, json_t *matches, uint16_t prio, uint16_t *id)
{
	char *k = app_of_key(table, matches, prio);
	int rc;

	if (k == NULL)
		return -ENOMEM;
	rc = find(&s->app, k, id);
	free(k);
	return rc;
}

void
pf_shared_app_put(struct pf_shared *s, uint16_t id)
{
	put(&s->app, id);
}

/* Redirects: one entry for every FAR of every session that redirects alike. */
struct redir_make {
	const char *action;
	json_t *params;
};

static json_t *
redir_entry(void *arg, uint16_t id)
{
	struct redir_make *m = arg;

	return json_pack("[{s:s,s:s,s:{s:i},s:s,s:O}]", "type", "insert", "table", UP_T_REDIRECTS, "match", UP_F_ID,
			 id, "action", m->action, "params", m->params);
}

static char *
redir_key(const char *action, json_t *params)
{
	char *d = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS), *k = NULL;

	if (d != NULL && asprintf(&k, "%s|%s", action, d) < 0)
		k = NULL;
	free(d);
	return k;
}

int
pf_shared_redirect(struct pf_shared *s, const char *action, json_t *params, json_t *ups, uint16_t *id)
{
	struct redir_make m = { action, params };
	char *k = redir_key(action, params);
	int rc;

	if (k == NULL)
		return -ENOMEM;
	rc = take(&s->redir, k, redir_entry, &m, ups, id);
	free(k);
	return rc;
}

int
pf_shared_redirect_find(struct pf_shared *s, const char *action, json_t *params, uint16_t *id)
{
	char *k = redir_key(action, params);
	int rc;

	if (k == NULL)
		return -ENOMEM;
	rc = find(&s->redir, k, id);
	free(k);
	return rc;
}

void
pf_shared_redirect_put(struct pf_shared *s, uint16_t id)
{
	put(&s->redir, id);
}

void
pf_shared_redirect_get(struct pf_shared *s, uint16_t id)
{
	get(&s->redir, id);
}

/* The slot @u (an update of ours) is for, NULL: not a shared one. */
static struct slot *
slot_of_update(struct pf_shared *s, json_t *u, struct kind **k, uint16_t *id)
{
	const char *t = json_string_value(json_object_get(u, "table"));

	if (t == NULL)
		return NULL;
	if (strcmp(t, UP_T_TUNNEL_PEERS) == 0) {
		*k = &s->peer;
		*id = (uint16_t)json_integer_value(json_object_get(json_object_get(u, "match"), UP_F_ID));
	} else if (strcmp(t, UP_T_APPLICATIONS) == 0 || strcmp(t, UP_T_APPLICATIONS6) == 0 ||
		   strcmp(t, UP_T_ETH_APPLICATIONS) == 0) {
		*k = &s->app;
		*id = (uint16_t)json_integer_value(json_object_get(json_object_get(u, "params"), UP_F_APP));
	} else if (strcmp(t, UP_T_REDIRECTS) == 0) {
		*k = &s->redir;
		*id = (uint16_t)json_integer_value(json_object_get(json_object_get(u, "match"), UP_F_ID));
	} else {
		return NULL;
	}
	return slot_of(*k, *id);
}

void
pf_shared_unmake(struct pf_shared *s, json_t *ups)
{
	struct kind *k;
	struct slot *sl;
	json_t *u;
	uint16_t id;
	size_t i;

	/* the batch's takers put theirs back first (pf_up): those it made
	 * are left with no taker and were never written */
	json_array_foreach(ups, i, u)
		if ((sl = slot_of_update(s, u, &k, &id)) != NULL && sl->key != NULL && sl->refs == 0 &&
		    !sl->installed && !sl->collecting)
			forget(k, id);
}

void
pf_shared_made(struct pf_shared *s, json_t *ups)
{
	struct kind *k;
	struct slot *sl;
	json_t *u;
	uint16_t id;
	size_t i;

	json_array_foreach(ups, i, u)
		if ((sl = slot_of_update(s, u, &k, &id)) != NULL && sl->key != NULL)
			sl->installed = true;
}

static void
gc_kind(struct kind *k, json_t *out)
{
	for (uint32_t i = 0; i <= k->ids.hi - k->ids.lo; i++) {
		struct slot *sl = &k->slot[i];
		json_t *u, *d;
		size_t j;

		if (sl->key == NULL || sl->refs != 0 || !sl->installed || sl->collecting)
			continue;
		sl->collecting = true;
		json_array_foreach(sl->ups, j, u) {
			d = json_copy(u);
			json_object_set_new(d, "type", json_string("delete"));
			json_object_del(d, "action");
			json_object_del(d, "params");
			json_object_set_new(d, "id", json_integer(k->ids.lo + i));
			json_array_append_new(out, d);
		}
	}
}

json_t *
pf_shared_gc(struct pf_shared *s)
{
	json_t *out = json_array();

	gc_kind(&s->app, out);	/* apps before peers: nothing of one names the other, any order */
	gc_kind(&s->peer, out);
	gc_kind(&s->redir, out);
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void
pf_shared_collected(struct pf_shared *s, json_t *deletes, bool applied)
{
	json_t *u;
	size_t i;

	json_array_foreach(deletes, i, u) {
		const char *t = json_string_value(json_object_get(u, "table"));
		struct kind *k = strcmp(t, UP_T_TUNNEL_PEERS) == 0 ? &s->peer :
				 strcmp(t, UP_T_REDIRECTS) == 0 ? &s->redir : &s->app;
		uint16_t id = (uint16_t)json_integer_value(json_object_get(u, "id"));
		struct slot *sl = slot_of(k, id);

		if (sl == NULL || sl->key == NULL || !sl->collecting)
			continue;
		sl->collecting = false;
		if (applied)
			sl->installed = false;
		/* gone, unless taken again meanwhile (then written again) */
		if (sl->refs == 0 && !sl->installed)
			forget(k, id);
	}
}

json_t *
pf_shared_all(struct pf_shared *s)
{
	json_t *out = json_array();
	struct kind *ks[] = { &s->peer, &s->app, &s->redir };

	for (int n = 0; n < 3; n++)
		for (uint32_t i = 0; i <= ks[n]->ids.hi - ks[n]->ids.lo; i++)
			if (ks[n]->slot[i].key != NULL && ks[n]->slot[i].refs > 0)
				json_array_extend(out, ks[n]->slot[i].ups);
	return out;
}

void
pf_shared_counts(const struct pf_shared *s, unsigned int *peers, unsigned int *apps)
{
	*peers = s->peer.ids.used;
	*apps = s->app.ids.used;
}

bool
pf_shared_holds_redirect(const struct pf_shared *s, uint32_t id)
{
	const struct kind *k = &s->redir;

	return id >= k->ids.lo && id <= k->ids.hi && k->slot[id - k->ids.lo].key != NULL;
}

bool
pf_shared_holds(const struct pf_shared *s, bool app, uint32_t id)
{
	const struct kind *k = app ? &s->app : &s->peer;

	return id >= k->ids.lo && id <= k->ids.hi && k->slot[id - k->ids.lo].key != NULL;
}
