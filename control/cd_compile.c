/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents (site, peers, slices, vdns, policies) compiled into the entries they want (see cd_compile.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cd_compile.h"
#include "cd_gc.h"
#include "gtp.h"
#include "intent.h"
#include "intent_cc.h"
#include "ov_intent.h"
#include "qos_intent.h"
#include "sw_intent.h"

#define PATH_ID_MAX   4095
#define METER_ID_MAX  4095
/* A VDN's meter id is its pipe's (1..CD_SCHED_PIPES-1); slices' meters
 * take ids above those. */
#define SLICE_METER_MIN 1024
#define BURST_MS      10	/* a slice meter's bursts: 10 ms of its rate */
#define BURST_MIN     9600	/* ... a jumbo frame at least */
#define CLASS_PRIO    1		/* a policy's class rule when it names none */

static const char *const kinds[CD_KINDS] = { "site", "peers", "slices", "vdns", "policies", "upf" };
static const char *const schemas[CD_KINDS] = { "SiteSpec", "PeerSpec", "SliceSpec", "VdnSpec",
					       "PolicySpec", "UpfSpec" };

const char *
cd_kind_name(enum cd_kind k)
{
	return (unsigned int)k < CD_KINDS ? kinds[k] : "?";
}

int
cd_kind_of(const char *name)
{
	for (int k = 0; k < CD_KINDS; k++)
		if (name != NULL && strcmp(name, kinds[k]) == 0)
			return k;
	return -1;
}

const char *
cd_kind_schema(enum cd_kind k)
{
	return schemas[k];
}

/* The ids a namespace's allocations hold (x->ids), as a bitmap, and per
 * range start the lowest id that may still be free: an allocation is
 * then a short scan, not a pass over every id for every candidate. */
struct idns {
	struct idns *next;
	char name[32];
	uint64_t *bits;
	size_t words;
	json_int_t hint_min[8], hint[8];
	int n_hints;
};

/* A UPF intent's sessions compiled a slice of work at a time. */
struct upf_run {
	bool active;
	size_t next;		/* the session to compile next */
	json_int_t sid, n3, n9;
	json_t *peer_ids, *apps;
};

/* The compiled set and what it was compiled from, kept between updates
 * (struct cd_compiler). */
struct cx {
	const struct cd_tables *t;
	json_t *ids_touched;	/* NS → KEY → true: allocated or freed since taken */
	json_t *set, *owner, *seq, *results;
	json_t *unready;	/* "KIND/NAME" → true: its result is not Ready */
	/* the intent being compiled: [table, key, entry, owner, seq, n] as
	 * they were before its write number n; kept as its journal */
	json_t *undo;
	json_int_t n;		/* writes so far: an entry's seq is its last one's */
	json_t *ids, *used;	/* the allocations: as given, and those used now */
	json_t *used_now;	/* [ns, key] the intent being compiled added to used */
	struct idns *idns;
	/* TABLE → "VALUE" → {KEY: true}: the entries of the tables intents
	 * read (interfaces, flood, SVIs, policies) by the bridge domain or
	 * tunnel they concern, so an intent is given the few entries it can
	 * be about rather than the whole table */
	json_t *idx;
	json_t *slice_ids;	/* "ID" → name: the compiled slices' ids */
	json_t *site;		/* the site's spec, NULL: none */
	json_t *kernel;		/* cd_nl_view's, NULL: none */
	json_t *wans;		/* NAME → {"gw": the underlay next hop (or absent), "up"} */
	json_t *peers;		/* NAME → {"id", "eps": [{"wan", "addr", "path"}]}: compiled ones */
	json_t *slices;		/* NAME → {"id", "tunnels": {PEER: id}}: compiled ones */
	/* "KIND/NAME" → {"kind", "name", "spec" (as compiled), "journal" (its
	 * writes, as undo has them), "ids" ([ns, key] it uses)} */
	json_t *recs;
	json_t *shared;		/* "TABLE KEY" → {"KIND/NAME": true}: keys more than one intent wrote */
	json_t *counts;		/* "KIND/NAME" → the entries it owns */
	json_t *touched;	/* TABLE → KEY → true: what this update wrote or took back */
	/* the intent being compiled */
	char who[160];
	json_t *res;
	bool failed, pending;
	/* why it failed, when it collided: the holder ("KIND/NAME"), or
	 * unknown (order matters: an incremental update compiles all again) */
	char holder[160];
	bool order_sensitive;
	struct upf_run upf;
	uint64_t deadline_ns;	/* a slice of work ends then (0: none) */
	/* a UPF's sessions as compiled: [ID, journal from, to, ids from, to]
	 * each, and what they were compiled with (slice, links, peers, apps) */
	json_t *marks, *upf_ctx;
	json_t *freed;		/* [[ns, key], ...]: ids given back in this update */
};

static json_int_t
num(json_t *o, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The intent fails: Failed (invalid or colliding: it holds nothing) or
 * Pending (it waits for @what, and holds what compiled without it). The
 * first failure is the one reported; a Pending intent lists everything it
 * waits for. */
static void __attribute__((format(printf, 5, 6)))
fail(struct cx *x, const char *phase, const char *pointer, const char *reason, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(phase, "Pending") == 0) {
		json_array_append_new(json_object_get(x->res, "waiting_for"), json_string(msg));
		if (x->failed || x->pending)
			return;
		x->pending = true;
	} else {
		if (x->failed)
			return;
		x->failed = true;
	}
	json_object_set_new(x->res, "phase", json_string(phase));
	json_object_set_new(x->res, "reason", json_string(reason));
	json_object_set_new(x->res, "message", json_string(msg));
	json_object_set_new(x->res, "pointer", json_string(pointer));
}

static void
wait_for(struct cx *x, const char *pointer, const char *what)
{
	fail(x, "Pending", pointer, "waiting", "%s", what);
}

/* ----------------------------------------------------------- ids */

static bool
id_taken(const struct idns *n, json_int_t id)
{
	size_t w = (size_t)id / 64;

	return w < n->words && (n->bits[w] >> (id % 64)) & 1;
}

static int
id_take(struct idns *n, json_int_t id)
{
	size_t w = (size_t)id / 64;

	if (w >= n->words) {
		size_t nw = w + 1 > n->words * 2 ? w + 1 : n->words * 2;
		uint64_t *b = realloc(n->bits, nw * sizeof(*b));

		if (b == NULL)
			return -ENOMEM;
		memset(b + n->words, 0, (nw - n->words) * sizeof(*b));
		n->bits = b;
		n->words = nw;
	}
	n->bits[w] |= UINT64_C(1) << (id % 64);
	return 0;
}

/* Namespace @ns's bitmap, built from x->ids the first time. */
static struct idns *
idns_of(struct cx *x, const char *ns, json_t *m)
{
	struct idns *n;
	const char *k;
	json_t *v;

	for (n = x->idns; n != NULL; n = n->next)
		if (strcmp(n->name, ns) == 0)
			return n;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	snprintf(n->name, sizeof(n->name), "%s", ns);
	json_object_foreach(m, k, v)
		if (json_integer_value(v) > 0 && id_take(n, json_integer_value(v)) < 0) {
			free(n->bits);
			free(n);
			return NULL;
		}
	n->next = x->idns;
	x->idns = n;
	return n;
}

static void
idns_free(struct cx *x)
{
	struct idns *n, *next;

	for (n = x->idns; n != NULL; n = next) {
		next = n->next;
		free(n->bits);
		free(n);
	}
	x->idns = NULL;
}

/* @key's id in namespace @ns (@min..@max): the one it had, else the
 * lowest free one; -1 when all are taken. */
static void
touch_id(struct cx *x, const char *ns, const char *key)
{
	json_t *m = json_object_get(x->ids_touched, ns);

	if (m == NULL) {
		json_object_set_new(x->ids_touched, ns, json_object());
		m = json_object_get(x->ids_touched, ns);
	}
	json_object_set_new(m, key, json_true());
}

static json_int_t
alloc(struct cx *x, const char *ns, const char *key, json_int_t min, json_int_t max)
{
	json_t *m = json_object_get(x->ids, ns), *u = json_object_get(x->used, ns);
	json_int_t id = json_integer_value(json_object_get(m, key)), *hint = NULL;
	struct idns *n;

	if (m == NULL) {
		json_object_set_new(x->ids, ns, json_object());
		m = json_object_get(x->ids, ns);
	}
	if (u == NULL) {
		json_object_set_new(x->used, ns, json_object());
		u = json_object_get(x->used, ns);
	}
	/* stored by an sxcd whose range was another: a new one (the old one
	 * stays taken until sxcd restarts) */
	if (id < min || id > max)
		id = 0;
	if (id == 0) {
		if ((n = idns_of(x, ns, m)) == NULL)
			return -1;
		/* ids are only taken during a run: below the hint none is free */
		for (int i = 0; i < n->n_hints && hint == NULL; i++)
			if (n->hint_min[i] == min)
				hint = &n->hint[i];
		if (hint == NULL && n->n_hints < 8) {
			n->hint_min[n->n_hints] = min;
			n->hint[n->n_hints] = min;
			hint = &n->hint[n->n_hints++];
		}
		for (json_int_t cand = hint ? *hint : min; cand <= max; cand++) {
			if (!id_taken(n, cand)) {
				id = cand;
				break;
			}
		}
		if (id == 0 || id_take(n, id) < 0)
			return -1;
		touch_id(x, ns, key);
		if (hint != NULL)
			*hint = id + 1;
	}
	json_object_set_new(m, key, json_integer(id));
	if (json_object_get(u, key) == NULL)
		json_array_append_new(x->used_now, json_pack("[s,s]", ns, key));
	json_object_set_new(u, key, json_integer(id));
	return id;
}

/* ------------------------------------------------- one library intent */

/* The field an input table is indexed by (x->idx): where in an entry
 * ("match" or "params") and its name; NULL: not indexed. */
static const char *
idx_field(const char *table, const char **where)
{
	static const char *const t[][3] = {
		{ "interfaces", "params", "bd" }, { "flood", "match", "bd" }, { "svi", "match", "bd" },
		{ "svi6", "match", "bd" }, { "policies", "match", "tunnel" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(table, t[i][0]) == 0) {
			*where = t[i][1];
			return t[i][2];
		}
	return NULL;
}

/* @table's @key moved from @was to @now (either NULL) in the set. */
static void
idx_update(struct cx *x, const char *table, const char *key, json_t *was, json_t *now)
{
	const char *where, *f = idx_field(table, &where);
	json_t *rows, *b;
	char v[32];

	if (f == NULL)
		return;
	if ((rows = json_object_get(x->idx, table)) == NULL) {
		json_object_set_new(x->idx, table, json_object());
		rows = json_object_get(x->idx, table);
	}
	if (was != NULL) {
		snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(json_object_get(was, where), f)));
		json_object_del(json_object_get(rows, v), key);
	}
	if (now != NULL) {
		snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(json_object_get(now, where), f)));
		if ((b = json_object_get(rows, v)) == NULL) {
			json_object_set_new(rows, v, json_object());
			b = json_object_get(rows, v);
		}
		json_object_set_new(b, key, json_true());
	}
}

/* The value input @k is about for @it (its indexed field's), false when
 * the whole table is its input. */
static bool
idx_value(const struct intent *it, unsigned int k, json_int_t *v)
{
	switch (k) {
	case INTENT_IN_INTERFACES:
	case INTENT_IN_FLOOD:
		if (it->kind == INTENT_SLICE_ATTACH)
			*v = it->bd;
		else if (it->kind == INTENT_TUNNEL_ADD)
			*v = it->flood;
		else
			return false;
		return true;
	case INTENT_IN_SVI:
	case INTENT_IN_SVI6:
		*v = it->bd;
		return it->kind == INTENT_SVI_ADD;
	case INTENT_IN_POLICIES:
		*v = it->id;
		return it->kind == INTENT_POLICY_SET;
	default:
		return false;
	}
}

/* Input @k of @it: the entries it can be about, or the whole table. */
static json_t *
input_of(struct cx *x, const struct intent *it, unsigned int k)
{
	const char *table = intent_input_table(k), *key;
	json_t *out, *rows, *t;
	json_int_t v;
	char b[32];

	if (!idx_value(it, k, &v))
		return cd_tables_entries(x->set, table);
	snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, v);
	out = json_array();
	rows = json_object_get(x->set, table);
	json_object_foreach(json_object_get(json_object_get(x->idx, table), b), key, t)
		json_array_append(out, json_object_get(rows, key));
	return out;
}

/* @table's @key in @map (TABLE → KEY → value) set to @v (taken; NULL:
 * removed); what it was, as a new reference, in *@was. */
static void
map_set(json_t *map, const char *table, const char *key, json_t *v, json_t **was)
{
	json_t *rows = json_object_get(map, table);

	if (rows == NULL) {
		json_object_set_new(map, table, json_object());
		rows = json_object_get(map, table);
	}
	if (was != NULL)
		*was = json_incref(json_object_get(rows, key));
	if (v != NULL)
		json_object_set_new(rows, key, v);
	else
		json_object_del(rows, key);
}

/* The entries each intent owns, as the owner map changes from @was to
 * @now (either NULL). */
static void
count_owner(struct cx *x, json_t *was, json_t *now)
{
	const char *w = json_string_value(was), *n = json_string_value(now);

	if (w != NULL && (n == NULL || strcmp(w, n) != 0))
		json_object_set_new(x->counts, w, json_integer(json_integer_value(json_object_get(x->counts, w)) - 1));
	if (n != NULL && (w == NULL || strcmp(w, n) != 0))
		json_object_set_new(x->counts, n, json_integer(json_integer_value(json_object_get(x->counts, n)) + 1));
}

/* @table's @key is written or taken back by this update; what it held
 * before the update began (entry and seq, null: nothing) is kept for a
 * dry run's diff. */
static void
touch(struct cx *x, const char *table, const char *key, json_t *entry, json_t *seq)
{
	json_t *t = json_object_get(x->touched, table);

	if (x->touched == NULL)
		return;
	if (t == NULL) {
		json_object_set_new(x->touched, table, json_object());
		t = json_object_get(x->touched, table);
	}
	if (json_object_get(t, key) == NULL)
		json_object_set_new(t, key, json_pack("[O?,O?]", entry, seq));
}

/* Put one journal entry's key back as it was. */
static void
restore(struct cx *x, json_t *u)
{
	const char *table = json_string_value(json_array_get(u, 0));
	const char *key = json_string_value(json_array_get(u, 1));
	json_t *was[3];

	/* null: the key held nothing */
	for (int j = 0; j < 3; j++) {
		was[j] = json_array_get(u, (size_t)j + 2);
		was[j] = json_is_null(was[j]) ? NULL : json_incref(was[j]);
	}
	touch(x, table, key, json_object_get(json_object_get(x->set, table), key),
	      json_object_get(json_object_get(x->seq, table), key));
	idx_update(x, table, key, json_object_get(json_object_get(x->set, table), key), was[0]);
	count_owner(x, json_object_get(json_object_get(x->owner, table), key), was[1]);
	map_set(x->set, table, key, was[0], NULL);
	map_set(x->owner, table, key, was[1], NULL);
	map_set(x->seq, table, key, was[2], NULL);
}

/* Undo what the intent being compiled wrote (x->undo, newest last): a
 * Failed intent holds nothing. */
static void
undo(struct cx *x)
{
	for (size_t i = json_array_size(x->undo); i-- > 0;)
		restore(x, json_array_get(x->undo, i));
	json_array_clear(x->undo);
}

/* Compile @it on the set (with the inputs it reads) and apply its
 * updates; on a refusal the intent (x->who) fails, with @ptr pointing at
 * what in its spec said it. */
static int apply(struct cx *x, json_t *updates, const char *ptr);

static int
run(struct cx *x, const struct intent *it, const char *ptr)
{
	json_t *in[INTENT_IN_MAX] = { NULL }, *params = NULL;
	unsigned int need = intent_inputs(it) | INTENT_IN(INTENT_IN_PORTS);
	char err[320];
	int rc;

	if (x->failed)
		return -ECANCELED;
	do {
		for (int k = 0; k < INTENT_IN_MAX; k++)
			if ((need & INTENT_IN(k)) && in[k] == NULL)
				in[k] = k == INTENT_IN_PORTS ? json_incref(cd_tables_ports(x->t)) :
					input_of(x, it, (unsigned int)k);
		need = 0;
		rc = intent_compile(it, in, &need, &params, err, sizeof(err));
	} while (rc == -EAGAIN && need != 0);
	for (int k = 0; k < INTENT_IN_MAX; k++)
		json_decref(in[k]);
	if (rc < 0) {
		/* a refusal that names no intent (a bridge domain another
		 * slice's) depends on which came first */
		if (rc == -EPERM || rc == -EEXIST)
			x->order_sensitive = true;
		fail(x, rc == -ENOMEM ? "Error" : "Failed", ptr, intent_reason(rc), "%s", err);
		return rc;
	}
	rc = apply(x, json_object_get(params, "updates"), ptr);
	json_decref(params);
	return rc;
}

/* Apply @updates (table.write's form) on the set for the intent being
 * compiled; a collision or a refusal fails it, pointing at @ptr. */
static int
apply(struct cx *x, json_t *updates, const char *ptr)
{
	json_t *u, *prev, *po, *ps;
	char err[320], *key = NULL;
	size_t i;
	int rc = 0;

	if (x->failed)
		return -ECANCELED;
	json_array_foreach(updates, i, u) {
		const char *table = str(u, "table");
		bool del = strcmp(str(u, "type"), "delete") == 0;

		rc = cd_tables_apply(x->t, x->set, u, &key, &prev, err, sizeof(err));
		if (rc == -EEXIST) {
			const char *other = str(json_object_get(x->owner, table), key);

			if (other != NULL)
				snprintf(x->holder, sizeof(x->holder), "%s", other);
			else
				x->order_sensitive = true;
			fail(x, "Failed", ptr, "conflict", "%s: %s", other ? other : "another intent",
			     err);
		} else if (rc < 0) {
			fail(x, "Failed", ptr, "bad_value", "%s", err);
		} else if (prev == NULL && !del && cd_tables_size(x->t, table) > 0 &&
			   json_object_size(json_object_get(x->set, table)) > cd_tables_size(x->t, table)) {
			/* past what sxdp's table holds: refused here, not retried there */
			json_t *rows = json_object_get(x->set, table);

			json_object_del(rows, key);
			rc = -ENOSPC;
			fail(x, "Failed", ptr, "capacity", "sxdp's table %s is full (size %zu)", table,
			     cd_tables_size(x->t, table));
		} else {
			json_t *own = json_object_get(json_object_get(x->owner, table), key), *now;

			touch(x, table, key, prev, json_object_get(json_object_get(x->seq, table), key));

			idx_update(x, table, key, prev, json_object_get(json_object_get(x->set, table), key));
			now = del ? NULL : json_string(own ? json_string_value(own) : x->who);
			count_owner(x, own, now);
			map_set(x->owner, table, key, now, &po);
			map_set(x->seq, table, key, del ? NULL : json_integer(++x->n), &ps);
			json_array_append_new(x->undo, json_pack("[s,s,o?,o?,o?,I]", table, key, prev, po, ps,
								 x->n));
			/* another intent's key written: an update of either
			 * compiles both again */
			if (po != NULL && strcmp(json_string_value(po), x->who) != 0) {
				char sk[512];
				json_t *w;

				snprintf(sk, sizeof(sk), "%s %s", table, key);
				if ((w = json_object_get(x->shared, sk)) == NULL) {
					json_object_set_new(x->shared, sk, json_object());
					w = json_object_get(x->shared, sk);
				}
				json_object_set_new(w, json_string_value(po), json_true());
				json_object_set_new(w, x->who, json_true());
			}
			prev = NULL;
		}
		json_decref(prev);
		free(key);
		key = NULL;
		if (rc < 0)
			break;
	}
	return rc;
}

/* ------------------------------------------------------------- site */

static json_t *
wan_of(struct cx *x, const char *name, int *index)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(x->site, "wan"), i, w) {
		if (strcmp(str(w, "name"), name) == 0) {
			*index = (int)i;
			return w;
		}
	}
	return NULL;
}

/* The address part of "ADDR/LEN" into @out. */
static const char *
addr_part(const char *pfx, char *out, size_t len)
{
	const char *slash = strchr(pfx, '/');

	snprintf(out, len, "%.*s", slash ? (int)(slash - pfx) : (int)strlen(pfx), pfx);
	return out;
}

/* sxdp's port named @name (port.list's object, borrowed), NULL: none. */
static json_t *
port_of(struct cx *x, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(cd_tables_ports(x->t), i, p)
		if (str(p, "name") != NULL && name != NULL && strcmp(str(p, "name"), name) == 0)
			return p;
	return NULL;
}

/* The kernel interface a WAN link is: its intent's iface, else the
 * AF_XDP port's (iface= in its devargs), else the port's name. */
static const char *
wan_iface(struct cx *x, json_t *w, char *out, size_t len)
{
	const char *dev = str(port_of(x, str(w, "port")), "devargs"), *at;

	if (str(w, "iface") != NULL)
		return str(w, "iface");
	if (dev != NULL && (at = strstr(dev, "iface=")) != NULL) {
		snprintf(out, len, "%.*s", (int)strcspn(at + 6, ","), at + 6);
		return out;
	}
	return str(w, "port");
}

static void
compile_site(struct cx *x, json_t *spec)
{
	json_int_t under = num(spec, "underlay_slice", CD_UNDERLAY);
	char ptr[64], ip[64], what[96], iface[64];
	json_t *w, *a, *w2;
	size_t i, j;

	json_array_foreach(json_object_get(spec, "lan"), i, a) {
		snprintf(ptr, sizeof(ptr), "/spec/lan/%zu/port", i);
		if (port_of(x, str(a, "port")) == NULL) {
			snprintf(what, sizeof(what), "port %s (sxdp has none)", str(a, "port"));
			wait_for(x, ptr, what);
		}
	}
	json_array_foreach(json_object_get(spec, "wan"), i, w) {
		const char *mac = str(w, "mac") ? str(w, "mac") : str(port_of(x, str(w, "port")), "mac");
		const char *ifn = wan_iface(x, w, iface, sizeof(iface));
		json_t *kl = json_object_get(json_object_get(x->kernel, "links"), ifn);
		const char *gw = str(w, "gateway") ? str(w, "gateway") :
			str(json_object_get(x->kernel, "gateways"), ifn);
		const char *gwmac = gw ? str(json_object_get(json_object_get(x->kernel, "neigh"), ifn), gw) :
			NULL;
		bool up = kl == NULL || json_is_true(json_object_get(kl, "up"));
		struct intent it = { .kind = INTENT_SLICE_ATTACH, .port = str(w, "port"),
				     .vlan = num(w, "vlan", 0), .slice = under,
				     .bd = CD_WAN_BD + (json_int_t)i };

		json_array_foreach(json_object_get(spec, "wan"), j, w2) {
			if (j < i && strcmp(str(w, "name"), str(w2, "name")) == 0) {
				snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/name", i);
				fail(x, "Failed", ptr, "duplicate", "WAN link '%s' is named twice",
				     str(w, "name"));
			}
		}
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/port", i);
		if (mac == NULL) {
			snprintf(what, sizeof(what), "port %s (sxdp has none)", str(w, "port"));
			wait_for(x, ptr, what);
			continue;
		}
		run(x, &it, ptr);
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/address", i);
		it = (struct intent){ .kind = INTENT_SVI_ADD, .slice = under,
				      .bd = CD_WAN_BD + (json_int_t)i, .mac = mac,
				      .addr = str(w, "address") };
		run(x, &it, ptr);
		it = (struct intent){ .kind = INTENT_VTEP_ADD,
				      .addr = addr_part(str(w, "address"), ip, sizeof(ip)) };
		run(x, &it, ptr);
		json_object_set_new(x->wans, str(w, "name"), json_pack("{s:b}", "up", up));
		if (gw != NULL)
			json_object_set_new(json_object_get(x->wans, str(w, "name")), "gw", json_string(gw));
		if (!up)
			json_object_set_new(x->res, "degraded", json_sprintf("WAN link %s: %s is down",
					    str(w, "name"), ifn));
		/* the kernel resolved the gateway: sxdp needs no ARP of its own */
		if (gw != NULL && gwmac != NULL) {
			it = (struct intent){ .kind = INTENT_NEIGH_ADD,
					      .vrf = num(spec, "underlay_slice", CD_UNDERLAY), .addr = gw,
					      .port = str(w, "port"), .vlan = num(w, "vlan", 0),
					      .mac = gwmac, .smac = mac };
			snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/gateway", i);
			run(x, &it, ptr);
		}
		if (json_object_get(w, "rate_bps") == NULL)
			continue;
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/rate_bps", i);
		it = (struct intent){ .kind = INTENT_SCHED_SET, .port = str(w, "port"),
				      .rate = num(w, "rate_bps", 0), .id = CD_SCHED_SUBPORTS,
				      .prio = CD_SCHED_PIPES, .burst = CD_SCHED_QSIZE };
		run(x, &it, ptr);
	}
}

/* ------------------------------------------------------------ peers */

static void
compile_peer(struct cx *x, const char *name, json_t *spec)
{
	json_t *probe = json_object_get(spec, "probe"), *ep, *eps = json_array(), *p;
	const char *how = str(probe, "how") ? str(probe, "how") : "icmp";
	char ptr[64], ip[64], key[200], what[96];
	const char *other;
	size_t i;
	int wi;

	if (x->site == NULL) {
		wait_for(x, "/spec", "site");
		json_decref(eps);
		return;
	}
	json_object_foreach(x->peers, other, p) {
		if (num(p, "id", 0) == num(spec, "id", 0) && !x->failed &&
		    snprintf(x->holder, sizeof(x->holder), "peers/%s", other) > 0)
			fail(x, "Failed", "/spec/id", "conflict", "site id %" JSON_INTEGER_FORMAT
			     " is peers/%s's", num(spec, "id", 0), other);
	}
	json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
		json_t *w = wan_of(x, str(ep, "wan"), &wi);
		json_int_t path;
		struct intent it;

		snprintf(ptr, sizeof(ptr), "/spec/endpoints/%zu/wan", i);
		if (w == NULL) {
			snprintf(what, sizeof(what), "site WAN link '%s'", str(ep, "wan"));
			wait_for(x, ptr, what);
			continue;
		}
		snprintf(key, sizeof(key), "peers/%s/%s", name, str(ep, "address"));
		if ((path = alloc(x, "path", key, 1, PATH_ID_MAX)) < 0) {
			fail(x, "Failed", ptr, "no_space", "no path id left (1..%d)", PATH_ID_MAX);
			continue;
		}
		snprintf(ptr, sizeof(ptr), "/spec/endpoints/%zu/address", i);
		it = (struct intent){ .kind = INTENT_SITE_ADD, .id = num(spec, "id", 0),
				      .addr = str(ep, "address") };
		run(x, &it, ptr);
		it = (struct intent){ .kind = INTENT_PATH_ADD, .id = path,
				      .how = strcmp(how, "static") == 0 ? NULL : how,
				      .addr = addr_part(str(w, "address"), ip, sizeof(ip)),
				      .dst = str(ep, "address"),
				      .gw = str(json_object_get(x->wans, str(ep, "wan")), "gw") ?:
					    str(ep, "address"),
				      .vrf = num(x->site, "underlay_slice", CD_UNDERLAY),
				      .mtu = num(w, "mtu", 0),
				      .interval_ms = num(probe, "interval_ms", 0),
				      .down_after = num(probe, "down_after", 0),
				      .up_after = num(probe, "up_after", 0) };
		run(x, &it, ptr);
		json_array_append_new(eps, json_pack("{s:s,s:s,s:I}", "wan", str(ep, "wan"), "addr",
						     str(ep, "address"), "path", path));
	}
	if (!x->failed)
		json_object_set_new(x->peers, name, json_pack("{s:I,s:o}", "id", num(spec, "id", 0),
							      "eps", eps));
	else
		json_decref(eps);
}

/* ----------------------------------------------------------- slices */

/* Is @wan's link up (as far as the kernel says)? */
static bool
wan_up(struct cx *x, const char *wan)
{
	json_t *w = json_object_get(x->wans, wan);

	return w == NULL || !json_is_false(json_object_get(w, "up"));
}

/* The paths of a path policy (NULL: failover over the peer's endpoints in
 * order) to @peer, over the WANs whose link is up (over all when none is:
 * the probes then decide). */
static void
pick_paths(struct cx *x, json_t *pol, json_t *peer, struct intent *it, bool only_up)
{
	json_t *wans = json_object_get(pol, "wans"), *ep;
	size_t i, j, n = pol != NULL ? json_array_size(wans) : 1;

	for (i = 0; i < n; i++) {
		json_array_foreach(json_object_get(peer, "eps"), j, ep) {
			if ((pol != NULL && strcmp(str(ep, "wan"), json_string_value(json_array_get(wans, i)))) ||
			    (only_up && !wan_up(x, str(ep, "wan"))) || it->n_paths >= INTENT_POLICY_PATHS)
				continue;
			/* a balance policy's weight (1 when it names none) */
			it->weights[it->n_paths] = strcmp(it->how, "balance") != 0 ? 0 :
				json_integer_value(json_array_get(json_object_get(pol, "weights"), i)) ?: 1;
			it->paths[it->n_paths++] = num(ep, "path", 0);
		}
	}
}

/* A policy intent's paths to @peer; 0, or -ENOENT with the WAN link no
 * path of the peer's uses. */
static int
policy_paths(struct cx *x, json_t *pol, json_t *peer, struct intent *it, const char **missing)
{
	it->how = pol != NULL ? str(pol, "mode") : "failover";
	it->n_paths = 0;
	pick_paths(x, pol, peer, it, true);
	if (it->n_paths == 0)
		pick_paths(x, pol, peer, it, false);
	if (it->n_paths == 0) {
		*missing = json_string_value(json_array_get(json_object_get(pol, "wans"), 0));
		return -ENOENT;
	}
	if (pol == NULL || strcmp(it->how, "sla") != 0)
		return 0;
	it->rtt_ms = num(json_object_get(pol, "sla"), "rtt_ms", 0);
	it->jitter_ms = num(json_object_get(pol, "sla"), "jitter_ms", 0);
	it->loss_pct = num(json_object_get(pol, "sla"), "loss_pct", 0);
	return 0;
}

static bool
lan_has(struct cx *x, json_t *m)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(x->site, "lan"), i, a)
		if (strcmp(str(a, "port"), str(m, "port")) == 0 && num(a, "vlan", 0) == num(m, "vlan", 0))
			return true;
	return false;
}

static json_int_t
burst_of(json_int_t bps)
{
	json_int_t b = bps / 8 * BURST_MS / 1000;

	return b < BURST_MIN ? BURST_MIN : b;
}

/* The slice's tunnel to each of its peers, with its policy for class 0. */
static void
compile_stretch(struct cx *x, const char *name, json_t *spec, json_int_t sid, json_t *tunnels)
{
	json_t *list = json_object_get(spec, "peers"), *pol = json_object_get(spec, "path_policy");
	json_t *peer, *v;
	const char *pn, *missing = NULL;
	char key[200], ptr[64], what[96];
	size_t i;

	if (list == NULL) {
		list = json_array();
		json_object_foreach(x->peers, pn, peer)
			json_array_append_new(list, json_string(pn));
	} else {
		json_incref(list);
	}
	json_array_foreach(list, i, v) {
		const char *peers[INTENT_POLICY_PATHS];
		struct intent it = { 0 };
		json_int_t tid;
		json_t *ep;
		size_t j;

		pn = json_string_value(v);
		snprintf(ptr, sizeof(ptr), "/spec/peers/%zu", i);
		if ((peer = json_object_get(x->peers, pn)) == NULL) {
			snprintf(what, sizeof(what), "peers/%s", pn);
			wait_for(x, ptr, what);
			continue;
		}
		if (policy_paths(x, pol, peer, &it, &missing) < 0) {
			fail(x, "Failed", "/spec/path_policy/wans", "no_path", "peers/%s has no "
			     "endpoint over WAN link %s", pn, missing);
			continue;
		}
		snprintf(key, sizeof(key), "slices/%s/%s", name, pn);
		if ((tid = alloc(x, "tunnel", key, 1, 65535)) < 0) {
			fail(x, "Failed", ptr, "no_space", "no tunnel id left");
			continue;
		}
		json_array_foreach(json_object_get(peer, "eps"), j, ep)
			peers[j] = str(ep, "addr");
		struct intent tun = { .kind = INTENT_TUNNEL_ADD, .id = tid, .slice = sid,
				      .vni = num(spec, "vni", 0), .path = it.paths[0],
				      .ttl = INTENT_TTL, .dscp = INTENT_DSCP_COPY, .peers = peers,
				      .n_peers = (int)json_array_size(json_object_get(peer, "eps")),
				      .flood = json_array_size(json_object_get(spec, "members")) ?
					       sid : -1 };
		run(x, &tun, "/spec/vni");
		it.kind = INTENT_POLICY_SET;
		it.id = tid;
		it.cls = 0;
		run(x, &it, pol != NULL ? "/spec/path_policy" : "/spec/vni");
		json_object_set_new(tunnels, pn, json_integer(tid));
	}
	json_decref(list);
}

/* The slice's guaranteed share (and ceiling) of each WAN scheduler. */
static void
compile_shares(struct cx *x, const char *name, json_int_t sid, json_t *rate)
{
	json_int_t sub;
	char key[200], ptr[64];
	json_t *w;
	size_t i;

	snprintf(key, sizeof(key), "slices/%s", name);
	json_array_foreach(json_object_get(x->site, "wan"), i, w) {
		struct intent it = { .kind = INTENT_SUBPORT_SET, .port = str(w, "port"), .slice = sid,
				     .rate = num(rate, "guaranteed_bps", 0),
				     .peak = num(rate, "peak_bps", 0) };

		if (json_object_get(w, "rate_bps") == NULL)
			continue;
		if ((sub = alloc(x, "subport", key, 1, CD_SCHED_SUBPORTS - 1)) < 0) {
			fail(x, "Failed", "/spec/rate", "no_space", "every WAN scheduler's %d slice "
			     "shares are taken", CD_SCHED_SUBPORTS - 1);
			return;
		}
		it.id = sub;
		snprintf(ptr, sizeof(ptr), "/spec/rate");
		run(x, &it, ptr);
	}
}

static void
compile_slice(struct cx *x, const char *name, json_t *spec)
{
	json_int_t sid = num(spec, "id", 0), meter = 0;
	json_t *rate = json_object_get(spec, "rate"), *m, *r, *tunnels = json_object(), *s;
	const char *other;
	char ptr[64], key[200], what[128];
	size_t i;

	if (x->site == NULL) {
		wait_for(x, "/spec", "site");
		json_decref(tunnels);
		return;
	}
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, sid);
	if ((other = str(x->slice_ids, key)) != NULL && !x->failed &&
	    snprintf(x->holder, sizeof(x->holder), "slices/%s", other) > 0)
		fail(x, "Failed", "/spec/id", "conflict", "slice id %" JSON_INTEGER_FORMAT
		     " is slices/%s's", sid, other);
	if (rate != NULL && json_object_get(rate, "peak_bps") != NULL) {
		json_int_t cir = num(rate, "guaranteed_bps", 0), pir = num(rate, "peak_bps", 0);

		if (pir < cir)
			fail(x, "Failed", "/spec/rate/peak_bps", "out_of_range", "peak_bps %"
			     JSON_INTEGER_FORMAT " is below guaranteed_bps %" JSON_INTEGER_FORMAT,
			     pir, cir);
		snprintf(key, sizeof(key), "slices/%s", name);
		if (!x->failed && (meter = alloc(x, "meter", key, SLICE_METER_MIN, METER_ID_MAX)) < 0)
			fail(x, "Failed", "/spec/rate", "no_space", "no meter id left");
		struct intent it = { .kind = INTENT_METER_ADD, .id = meter, .how = "trtcm",
				     .rate = cir, .burst = burst_of(cir), .peak = pir,
				     .ebs = burst_of(pir) };
		run(x, &it, "/spec/rate");
	}
	if (rate != NULL)
		compile_shares(x, name, sid, rate);
	json_array_foreach(json_object_get(spec, "members"), i, m) {
		struct intent it = { .kind = INTENT_SLICE_ATTACH, .port = str(m, "port"),
				     .vlan = num(m, "vlan", 0), .slice = sid, .bd = sid,
				     .meter = meter };

		snprintf(ptr, sizeof(ptr), "/spec/members/%zu", i);
		if (!lan_has(x, m)) {
			snprintf(what, sizeof(what), "site LAN port %s vlan %" JSON_INTEGER_FORMAT,
				 str(m, "port"), num(m, "vlan", 0));
			wait_for(x, ptr, what);
			continue;
		}
		run(x, &it, ptr);
	}
	if ((s = json_object_get(spec, "svi")) != NULL) {
		struct intent it = { .kind = INTENT_SVI_ADD, .slice = sid, .bd = sid,
				     .mac = str(s, "mac"), .addr = str(s, "address") };

		run(x, &it, "/spec/svi");
	}
	json_array_foreach(json_object_get(spec, "routes"), i, r) {
		const char *nh = str(r, "via");
		struct intent it = { .kind = INTENT_ROUTE_ADD, .vrf = sid, .addr = str(r, "prefix"),
				     .how = nh ? "via" : "drop", .nh = &nh, .n_nh = nh ? 1 : 0 };

		snprintf(ptr, sizeof(ptr), "/spec/routes/%zu", i);
		if (nh == NULL && !json_is_true(json_object_get(r, "drop")))
			fail(x, "Failed", ptr, "missing", "a route needs 'via' or 'drop': true");
		run(x, &it, ptr);
	}
	if (json_object_get(spec, "vni") != NULL) {
		struct intent it = { .kind = INTENT_VNI_ADD, .vni = num(spec, "vni", 0), .slice = sid,
				     .bd = sid };

		run(x, &it, "/spec/vni");
		compile_stretch(x, name, spec, sid, tunnels);
	} else if (json_object_get(spec, "peers") != NULL) {
		fail(x, "Failed", "/spec/peers", "missing", "a slice stretched to peers needs a vni");
	}
	if (!x->failed) {
		json_object_set_new(x->slices, name, json_pack("{s:I,s:o,s:b}", "id", sid, "tunnels",
							       tunnels, "rated", rate != NULL));
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, sid);
		json_object_set_new(x->slice_ids, key, json_string(name));
	} else
		json_decref(tunnels);
}

/* --------------------------------------------------- vdns, policies */

static void
rule_of(json_t *f, struct intent *it)
{
	it->rule.src = str(f, "src");
	it->rule.dst = str(f, "dst");
	it->rule.proto = num(f, "proto", 0);
	it->rule.dscp_set = json_object_get(f, "dscp") != NULL;
	it->rule.dscp = num(f, "dscp", 0);
	for (int i = 0; i < 2; i++) {
		it->rule.sport[i] = json_integer_value(json_array_get(json_object_get(f, "sport"), i));
		it->rule.dport[i] = json_integer_value(json_array_get(json_object_get(f, "dport"), i));
	}
}

/* The slice a VDN or policy names: compiled, or Pending on it. */
static json_t *
slice_of(struct cx *x, json_t *spec)
{
	json_t *s = json_object_get(x->slices, str(spec, "slice"));
	char what[96];

	if (s == NULL) {
		snprintf(what, sizeof(what), "slices/%s", str(spec, "slice"));
		wait_for(x, "/spec/slice", what);
	}
	return s;
}

/* A VDN: a pipe on every WAN link's scheduler that has one (rate_bps),
 * its meter and its class entry. */
static void
compile_vdn(struct cx *x, const char *name, json_t *spec)
{
	json_t *s = slice_of(x, spec), *w;
	char key[200];
	json_int_t id;
	size_t i;
	bool any = false;

	if (s == NULL)
		return;
	if (!json_is_true(json_object_get(s, "rated"))) {
		snprintf(key, sizeof(key), "slices/%s with a rate (its share of the WAN schedulers)",
			 str(spec, "slice"));
		wait_for(x, "/spec/slice", key);
		return;
	}
	snprintf(key, sizeof(key), "vdns/%s", name);
	if ((id = alloc(x, "meter", key, 1, CD_SCHED_PIPES - 1)) < 0) {
		fail(x, "Failed", "/spec", "no_space", "every one of the %d VDNs is taken",
		     CD_SCHED_PIPES - 1);
		return;
	}
	json_array_foreach(json_object_get(x->site, "wan"), i, w) {
		struct intent it = { .kind = INTENT_VDN_ADD, .id = id, .slice = num(s, "id", 0),
				     .port = str(w, "port"), .rate = num(spec, "guaranteed_bps", 0),
				     .peak = num(spec, "peak_bps", 0),
				     .prio = num(spec, "priority", CLASS_PRIO) };

		if (json_object_get(w, "rate_bps") == NULL)
			continue;
		/* the meter and class once, a pipe on every scheduler */
		if (any)
			it.kind = INTENT_PIPE_SET;
		rule_of(json_object_get(spec, "match"), &it);
		run(x, &it, "/spec");
		any = true;
	}
	if (!any)
		wait_for(x, "/spec", "a site WAN link with rate_bps (an egress scheduler)");
}

static void
compile_policy(struct cx *x, const char *name, json_t *spec)
{
	json_t *s = slice_of(x, spec), *pol = json_object_get(spec, "path_policy"), *tid;
	struct intent cl = { .kind = INTENT_CLASS_ADD, .cls = num(spec, "class", 0),
			     .prio = num(spec, "priority", CLASS_PRIO) };
	const char *pn, *missing = NULL;

	(void)name;
	if (s == NULL)
		return;
	cl.slice = num(s, "id", 0);
	rule_of(json_object_get(spec, "match"), &cl);
	run(x, &cl, "/spec/match");
	json_object_foreach(json_object_get(s, "tunnels"), pn, tid) {
		struct intent it = { .kind = INTENT_POLICY_SET, .id = json_integer_value(tid),
				     .cls = cl.cls };

		if (policy_paths(x, pol, json_object_get(x->peers, pn), &it, &missing) < 0) {
			fail(x, "Failed", "/spec/path_policy/wans", "no_path", "peers/%s has no "
			     "endpoint over WAN link %s", pn, missing);
			continue;
		}
		run(x, &it, "/spec/path_policy");
	}
}

/* ------------------------------------------------------------- upf */

#define UPF_METER_MIN	4096	/* the UPF's meters: above the slices' and VDNs' */
#define UPF_METER_MAX	16383
/* its N3/N9 links' bridge domains, in the underlay: above the WAN links',
 * where no slice's is (a slice's is its id, 1..3999): 87 links */
#define UPF_BD_MIN	(CD_WAN_BD + CD_WAN_MAX)
#define UPF_BD_MAX	4095
#define UPF_URR_MAX	(1 << 22)
#define UPF_QFI_COPY	64

static json_t *
upd(const char *table, json_t *match, const char *action, json_t *params)
{
	return json_pack("{s:s,s:s,s:o,s:s,s:o}", "type", "insert", "table", table, "match", match,
			 "action", action, "params", params ? params : json_object());
}

/* A meter at @bps (trTCM, CIR = PIR, drops red): its id, allocated under
 * @key, or 0 when the intent failed. */
static json_int_t
upf_meter(struct cx *x, const char *key, json_int_t bps, const char *ptr)
{
	json_int_t id = alloc(x, "meter", key, UPF_METER_MIN, UPF_METER_MAX);

	if (id < 0) {
		fail(x, "Failed", ptr, "no_space", "no meter id left (%d..%d)", UPF_METER_MIN, UPF_METER_MAX);
		return 0;
	}
	struct intent it = { .kind = INTENT_METER_ADD, .id = id, .how = "trtcm", .rate = bps,
			     .burst = burst_of(bps), .peak = bps, .ebs = burst_of(bps) };
	return run(x, &it, ptr) < 0 ? 0 : id;
}

/* The N3 or N9 link of a UPF: an SVI in the underlay on its port (the
 * peers' ARP or NDP answered, theirs resolved) and its GTP-U endpoint, over
 * IPv4 or IPv6 as its address is. Its endpoint id, 0 when absent or failed. */
static json_int_t
upf_link(struct cx *x, const char *name, json_t *spec, const char *which, json_int_t under, json_int_t sid,
	 json_t *u)
{
	json_t *l = json_object_get(spec, which), *p;
	char key[200], ptr[64], what[96], ip[64];
	json_int_t bd, id;
	bool v6;

	if (l == NULL)
		return 0;
	snprintf(ptr, sizeof(ptr), "/spec/%s/port", which);
	if ((p = port_of(x, str(l, "port"))) == NULL) {
		snprintf(what, sizeof(what), "port %s (sxdp has none)", str(l, "port"));
		wait_for(x, ptr, what);
		return 0;
	}
	if (str(p, "role") != NULL && strcmp(str(p, "role"), which) != 0) {
		fail(x, "Failed", ptr, "bad_value", "port %s has role %s, not %s", str(l, "port"),
		     str(p, "role"), which);
		return 0;
	}
	snprintf(key, sizeof(key), "upf/%s/%s", name, which);
	if ((bd = alloc(x, "bd", key, UPF_BD_MIN, UPF_BD_MAX)) < 0 ||
	    (id = alloc(x, "upf-iface", key, 1, 4095)) < 0) {
		fail(x, "Failed", ptr, "no_space", "no bridge domain or endpoint id left");
		return 0;
	}
	struct intent it = { .kind = INTENT_SLICE_ATTACH, .port = str(l, "port"), .vlan = num(l, "vlan", 0),
			     .slice = under, .bd = bd };
	run(x, &it, ptr);
	snprintf(ptr, sizeof(ptr), "/spec/%s/address", which);
	it = (struct intent){ .kind = INTENT_SVI_ADD, .slice = under, .bd = bd,
			      .mac = str(l, "mac") ? str(l, "mac") : str(p, "mac"), .addr = str(l, "address") };
	run(x, &it, ptr);
	v6 = cc_af_of(str(l, "address")) == AF_INET6;
	snprintf(key, sizeof(key), "%s/%d", addr_part(str(l, "address"), ip, sizeof(ip)), v6 ? 128 : 32);
	json_array_append_new(u, upd(v6 ? "upf_interfaces6" : "upf_interfaces", json_pack("{s:s}", "dst", key), which,
				     json_pack("{s:I,s:I}", "slice", sid, "id", id)));
	return id;
}

/* A downlink or uplink termination's params: FAR, its URR, threshold. */
static json_t *
upf_far(json_int_t peer, json_int_t teid, json_int_t qfi, json_int_t urr, json_int_t threshold)
{
	json_t *f = json_pack("{s:I}", "urr", urr);

	if (peer) {
		json_object_set_new(f, "peer", json_integer(peer));
		json_object_set_new(f, "teid", json_integer(teid));
		json_object_set_new(f, "qfi", json_integer(qfi));
	}
	if (threshold)
		json_object_set_new(f, "threshold", json_integer(threshold));
	return f;
}

static const char *const ohr_names[] = { "ipv4", "ipv6", "any" };
static const json_int_t ohr_codes[] = { 0, 1, 6 };

/* One session: its uplink entry (by TEID on N3), downlink entries (by UE,
 * and by its N9 TEID when an anchor carries its default uplink), its
 * per-app uplink terminations (the local DNs, broken out), meters, URRs. */
static void
upf_session(struct cx *x, const char *name, json_t *ss, size_t i, json_int_t sid,
	    json_int_t n3, json_int_t n9, json_t *peer_ids, json_t *apps)
{
	json_t *ul = json_object_get(ss, "uplink"), *dl = json_object_get(ss, "downlink");
	json_t *an = json_object_get(ss, "anchor"), *u = json_array(), *s_ul, *s_dl, *aid;
	json_int_t id = num(ss, "id", 0), thr = num(ss, "usage_threshold_bytes", 0), urr_ul, urr_dl;
	json_int_t ohr = 0, gnb = num(peer_ids, str(dl, "peer"), 0), anc = an ? num(peer_ids, str(an, "peer"), 0) : 0;
	bool closed = str(ss, "gate") && strcmp(str(ss, "gate"), "closed") == 0;
	const char *state = str(dl, "state") ? str(dl, "state") : "forward", *dn;
	/* an IPv6-only session has no IPv4 address: 0 says so to the uplink */
	const char *ue = str(ss, "ue") ? str(ss, "ue") : "0.0.0.0", *ue6 = str(ss, "ue6");
	char key[200], ptr[96], net6[64];

	snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu", i);
	if (str(ss, "ue") == NULL && ue6 == NULL) {
		fail(x, "Failed", ptr, "missing", "a session needs its UE's IPv4 address (ue), its IPv6 /64 (ue6), "
		     "or both");
		json_decref(u);
		return;
	}
	if (ue6 != NULL) {
		unsigned int plen = 0;
		uint8_t a[16];

		if (!cc_pfx_ok(ue6, AF_INET6, false, a, &plen) || plen != 64) {
			snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/ue6", i);
			fail(x, "Failed", ptr, "bad_value", "ue6 is the session's IPv6 /64 prefix, not '%s'", ue6);
			json_decref(u);
			return;
		}
		/* the prefix: sxdp's key has no interface identifier */
		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, net6, sizeof(net6));
	}
	for (size_t k = 0; k < 3; k++)
		if (str(ul, "ohr") && strcmp(str(ul, "ohr"), ohr_names[k]) == 0)
			ohr = ohr_codes[k];
	if (gnb == 0 || (an && anc == 0)) {
		snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/%s/peer", i, gnb == 0 ? "downlink" : "anchor");
		fail(x, "Failed", ptr, "not_found", "no peer '%s' in this UPF's peers",
		     gnb == 0 ? str(dl, "peer") : str(an, "peer"));
		json_decref(u);
		return;
	}
	if (an && n9 == 0) {
		snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/anchor", i);
		fail(x, "Failed", ptr, "missing", "a session with an anchor needs the UPF's n9 link");
		json_decref(u);
		return;
	}
	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/ul", name, id);
	urr_ul = alloc(x, "upf-urr", key, 1, UPF_URR_MAX);
	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/dl", name, id);
	urr_dl = alloc(x, "upf-urr", key, 1, UPF_URR_MAX);
	/* uplink: the anchor's (UL CL: the local DNs' apps break out), else out */
	s_ul = an ? upf_far(anc, num(an, "teid", 0), num(an, "qfi", UPF_QFI_COPY), urr_ul, thr) :
		    upf_far(0, 0, 0, urr_ul, thr);
	json_object_set_new(s_ul, "id", json_integer(id));
	json_object_set_new(s_ul, "ue", json_string(ue));
	json_object_set_new(s_ul, "slice", json_integer(sid));
	json_object_set_new(s_ul, "ohr", json_integer(ohr));
	if (an && json_object_size(apps))
		json_object_set_new(s_ul, "apps", json_integer(1));
	s_dl = strcmp(state, "forward") == 0 ? upf_far(gnb, num(dl, "teid", 0), num(dl, "qfi", 0), urr_dl, thr) :
		json_object();
	json_object_set_new(s_dl, "id", json_integer(id));
	if (json_object_get(ss, "ambr_ul_bps") != NULL) {
		snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/ul", name, id);
		json_object_set_new(s_ul, "ambr", json_integer(upf_meter(x, key, num(ss, "ambr_ul_bps", 0), ptr)));
	}
	if (json_object_get(ss, "ambr_dl_bps") != NULL && strcmp(state, "forward") == 0) {
		snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/dl", name, id);
		json_object_set_new(s_dl, "ambr", json_integer(upf_meter(x, key, num(ss, "ambr_dl_bps", 0), ptr)));
	}
	if (closed) {   /* the gate closed: nothing forwarded, nothing metered or counted */
		json_decref(s_ul);
		json_decref(s_dl);
		s_ul = json_pack("{s:I,s:s,s:I,s:I}", "id", id, "ue", ue, "slice", sid, "ohr", ohr);
		s_dl = json_pack("{s:I}", "id", id);
	}
	json_array_append_new(u, upd("sessions_uplink", json_pack("{s:I,s:I}", "iface", n3, "teid",
					num(ul, "teid", 0)),
				     closed ? "drop" : an ? "fwd_n9" : "fwd_n6", s_ul));
	state = closed ? "drop" : strcmp(state, "forward") == 0 ? "encap_n3" : state;
	if (an) {
		json_t *s9 = json_deep_copy(s_dl);

		json_object_set_new(s9, "slice", json_integer(sid));
		json_array_append_new(u, upd("sessions_n9_downlink", json_pack("{s:I,s:I}", "iface", n9, "teid",
						num(an, "n9_teid", 0)), state, s9));
		if (!closed)
			json_object_foreach(apps, dn, aid)
				json_array_append_new(u, upd("terminations_uplink",
							     json_pack("{s:I,s:I}", "session", id, "app",
								       json_integer_value(aid)), "fwd_n6",
							     json_pack("{s:I}", "urr", urr_ul)));
	}
	if (ue6 != NULL)
		json_array_append_new(u, upd("sessions_downlink6", json_pack("{s:I,s:s}", "slice", sid, "ue", net6),
					     state, json_incref(s_dl)));
	if (str(ss, "ue") != NULL)
		json_array_append_new(u, upd("sessions_downlink", json_pack("{s:I,s:s}", "slice", sid, "ue", ue),
					     state, json_incref(s_dl)));
	json_decref(s_dl);
	apply(x, u, ptr);
	json_decref(u);
}

/* A tunnel peer (a gNB, an anchor) over its link l: over IPv4 with its
 * next hop (its gateway, or itself on the link), over IPv6 routed in the
 * underlay (a host route via its gateway, written by the caller). */
static json_t *
upf_peer(json_t *v, json_t *l, json_int_t id, json_int_t under)
{
	char ip[64];

	addr_part(str(l, "address"), ip, sizeof(ip));
	if (cc_af_of(ip) == AF_INET6)
		return upd("tunnel_peers", json_pack("{s:I}", "id", id), "gtpu6",
			   json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "src", ip, "dst", str(v, "address"), "vrf", under,
				     "sport", GTPU_UDP_PORT, "mtu", 0, "dscp", num(v, "dscp", 64)));
	return upd("tunnel_peers", json_pack("{s:I}", "id", id), "gtpu",
		   json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "src", ip, "dst", str(v, "address"), "gw",
			     str(v, "gateway") ? str(v, "gateway") : str(v, "address"), "vrf", under, "sport",
			     GTPU_UDP_PORT, "mtu", 0, "dscp", num(v, "dscp", 64)));
}

/* A UPF: its links (N3, N9) with their GTP-U endpoints, its N6 addresses,
 * the UE pool routed into it in the slice's VRF, the slice's QER, its
 * tunnel peers (gNBs, anchors), its local DNs (applications whose
 * sessions' uplink breaks out) and its sessions. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Is this slice of work's time up? */
static bool
over(struct cx *x)
{
	return x->deadline_ns != 0 && now_ns() >= x->deadline_ns;
}

static void
upf_run_clear(struct cx *x)
{
	json_decref(x->upf.peer_ids);
	json_decref(x->upf.apps);
	memset(&x->upf, 0, sizeof(x->upf));
}

/* A UPF's sessions from x->upf.next on, as many as this slice of work
 * has time for: true when some are left for the next one. */
static bool
upf_sessions(struct cx *x, const char *name, json_t *spec)
{
	json_t *ss = json_object_get(spec, "sessions");
	size_t n = json_array_size(ss);

	for (; x->upf.next < n && !x->failed; x->upf.next++) {
		if (x->upf.next % 64 == 63 && over(x))
			return true;
		size_t j0 = json_array_size(x->undo), u0 = json_array_size(x->used_now);
		json_t *ss1 = json_array_get(ss, x->upf.next);

		upf_session(x, name, ss1, x->upf.next, x->upf.sid, x->upf.n3, x->upf.n9, x->upf.peer_ids,
			    x->upf.apps);
		json_array_append_new(x->marks, json_pack("[I,I,I,I,I]", num(ss1, "id", 0), (json_int_t)j0,
							  (json_int_t)json_array_size(x->undo), (json_int_t)u0,
							  (json_int_t)json_array_size(x->used_now)));
	}
	json_decref(x->upf_ctx);
	x->upf_ctx = json_pack("{s:I,s:I,s:I,s:O,s:O}", "sid", x->upf.sid, "n3", x->upf.n3, "n9", x->upf.n9,
			       "peer_ids", x->upf.peer_ids, "apps", x->upf.apps);
	upf_run_clear(x);
	return false;
}

/* true when the UPF's sessions continue in the next slice of work */
static bool
compile_upf(struct cx *x, const char *name, json_t *spec)
{
	json_t *s, *u, *peer_ids, *apps, *v;
	json_int_t sid, n3, n9, under = x->site ? num(x->site, "underlay_slice", CD_UNDERLAY) : CD_UNDERLAY;
	char key[200], ptr[96];
	size_t i, j;
	bool v6;

	if (x->upf.active)
		return upf_sessions(x, name, spec);
	s = slice_of(x, spec);
	if (!cd_tables_has(x->t, "sessions_uplink")) {
		wait_for(x, "/spec", "sxdp with the upf feature (a port of role n3 in the upf pipeline)");
		return false;
	}
	if (s == NULL)
		return false;
	sid = num(s, "id", 0);
	u = json_array();
	peer_ids = json_object();
	apps = json_object();
	n3 = upf_link(x, name, spec, "n3", under, sid, u);
	n9 = upf_link(x, name, spec, "n9", under, sid, u);
	json_array_foreach(json_object_get(spec, "n6_addresses"), i, v) {
		snprintf(key, sizeof(key), "%s/32", json_string_value(v));
		json_array_append_new(u, upd("upf_interfaces", json_pack("{s:s}", "dst", key), "n6",
					     json_pack("{s:I}", "slice", sid)));
	}
	json_array_append_new(u, upd("routes", json_pack("{s:I,s:s}", "vrf", sid, "dst", str(spec, "ue_pool")),
				     "upf", NULL));
	if (str(spec, "ue_pool6") != NULL) {
		char ip[64];

		if (cc_af_of(addr_part(str(spec, "ue_pool6"), ip, sizeof(ip))) != AF_INET6) {
			fail(x, "Failed", "/spec/ue_pool6", "bad_value", "ue_pool6 is an IPv6 prefix, not '%s'",
			     str(spec, "ue_pool6"));
			json_decref(u);
			json_decref(peer_ids);
			json_decref(apps);
			return false;
		}
		json_array_append_new(u, upd("routes6", json_pack("{s:I,s:s}", "vrf", sid, "dst",
								 str(spec, "ue_pool6")), "upf", NULL));
	}
	if (json_object_get(spec, "rate_bps") != NULL) {
		snprintf(key, sizeof(key), "upf/%s", name);
		json_array_append_new(u, upd("upf_slices", json_pack("{s:I}", "slice", sid), "slice",
					     json_pack("{s:I}", "meter", upf_meter(x, key, num(spec, "rate_bps", 0),
									       "/spec/rate_bps"))));
	}
	json_array_foreach(json_object_get(spec, "peers"), i, v) {
		const char *via = str(v, "via") ? str(v, "via") : "n3";
		json_t *l = json_object_get(spec, via);
		json_int_t id;

		snprintf(ptr, sizeof(ptr), "/spec/peers/%zu", i);
		snprintf(key, sizeof(key), "upf/%s/%s", name, str(v, "name"));
		if (l == NULL) {
			fail(x, "Failed", ptr, "missing", "peer %s is reached over %s: the UPF has no %s link",
			     str(v, "name"), via, via);
			break;
		}
		v6 = cc_af_of(str(v, "address")) == AF_INET6;
		if (v6 != (cc_af_of(str(l, "address")) == AF_INET6) ||
		    (str(v, "gateway") && v6 != (cc_af_of(str(v, "gateway")) == AF_INET6))) {
			fail(x, "Failed", ptr, "bad_value", "peer %s: its address%s and the %s link's are not of "
			     "one IP version", str(v, "name"), str(v, "gateway") ? ", its gateway" : "", via);
			break;
		}
		if ((id = alloc(x, "upf-peer", key, 1, 65535)) < 0) {
			fail(x, "Failed", ptr, "no_space", "no tunnel peer id left");
			break;
		}
		json_object_set_new(peer_ids, str(v, "name"), json_integer(id));
		json_array_append_new(u, upf_peer(v, l, id, under));
		if (v6 && str(v, "gateway")) {   /* a host route: the switch routes the outer packets */
			snprintf(key, sizeof(key), "%s/128", str(v, "address"));
			json_array_append_new(u, upd("routes6", json_pack("{s:I,s:s}", "vrf", under, "dst", key), "via",
						     json_pack("{s:s}", "nh", str(v, "gateway"))));
		}
	}
	json_array_foreach(json_object_get(spec, "local_dns"), i, v) {
		json_t *pfx, *ports = json_object_get(v, "ports");
		json_int_t app;

		snprintf(key, sizeof(key), "upf/%s/%s", name, str(v, "name"));
		if ((app = alloc(x, "upf-app", key, 1, 65535)) < 0) {
			fail(x, "Failed", "/spec/local_dns", "no_space", "no app id left");
			break;
		}
		json_object_set_new(apps, str(v, "name"), json_integer(app));
		json_array_foreach(json_object_get(v, "prefixes"), j, pfx) {
			const char *ps = json_string_value(pfx);
			json_t *rm = cc_prefix_match(ps, cc_af_of(ps)), *m, *e;

			if (rm == NULL) {   /* the schema's ip-prefix, but not a prefix of its family */
				fail(x, "Failed", "/spec/local_dns", "bad_value", "'%s' is no IPv4 or IPv6 prefix", ps);
				break;
			}
			m = json_pack("{s:I,s:o}", "slice", sid, "remote", rm);
			if (ports != NULL)
				json_object_set_new(m, "port", json_pack("{s:O,s:O}", "min", json_array_get(ports, 0),
									"max", json_array_get(ports, 1)));
			if (json_object_get(v, "proto") != NULL)
				json_object_set_new(m, "proto", json_pack("{s:I,s:I}", "value", num(v, "proto", 0),
									 "mask", (json_int_t)255));
			e = upd(cc_af_of(ps) == AF_INET6 ? "applications6" : "applications", m, "app",
				json_pack("{s:I}", "app", app));
			json_object_set_new(e, "priority", json_integer(100));
			json_array_append_new(u, e);
		}
	}
	apply(x, u, "/spec");
	json_decref(u);
	if (n3 == 0 && !x->failed)
		wait_for(x, "/spec/n3", "the UPF's n3 link");
	if (x->failed || n3 == 0) {
		json_decref(peer_ids);
		json_decref(apps);
		return false;
	}
	x->upf = (struct upf_run){ .active = true, .sid = sid, .n3 = n3, .n9 = n9, .peer_ids = peer_ids,
				   .apps = apps };
	return upf_sessions(x, name, spec);
}

/* ------------------------------------------------------------ driver */

/* The names of @objs in the order given: the caller's (sxcd gives each
 * kind's oldest first, so of two colliding intents the younger fails);
 * borrowed from @objs, free the array. */
static const char **
names_of(json_t *objs, size_t *n)
{
	const char **out = calloc(json_object_size(objs) + 1, sizeof(*out)), *k;
	json_t *v;

	*n = 0;
	if (out == NULL)
		return NULL;
	json_object_foreach(objs, k, v)
		out[(*n)++] = k;
	return out;
}

struct cd_compiler {
	struct cx x;
	json_t *kernel_seen;	/* the kernel's view the set was compiled with */
	bool compiled_once;
	/* the update under way */
	json_t *intents;
	json_t *queue;		/* [[kind, name], ...] in compile order */
	size_t next;
	bool in_one;		/* queue[next] is under way (a UPF's sessions) */
	bool full, keep_ids;
	/* what changed since the reconciler last took it (cd_compiler_take):
	 * TABLE → KEY → true; all, after a whole compile */
	json_t *pending;
	bool pending_all;
	json_t *pre_set, *pre_seq;	/* a whole compile's: the set before it */
	json_t *changed;	/* "KIND/NAME" → true: spec changed, added or gone */
	json_t *partial;	/* "KIND/NAME" → true: a UPF of which some sessions changed */
	json_t *compiled;	/* "KIND/NAME" → true: compiled by this update */
	/* slice NAME → its x->slices record before: its VDNs, policies and
	 * UPFs were not compiled again on the word that it stays the same */
	json_t *cut;
	/* the intents the last finished update brought the set to: what is
	 * the same object in @intents now (a kind, a spec) has not changed
	 * (cd_res hands specs out so), and needs no look */
	json_t *prev;
	struct cd_compiled view;
};

/* @who's result is @res (taken; NULL: it has none). */
static void
result_set(struct cx *x, const char *who, json_t *res)
{
	if (res != NULL && strcmp(str(res, "phase") ?: "", "Ready") != 0)
		json_object_set_new(x->unready, who, json_true());
	else
		json_object_del(x->unready, who);
	if (res != NULL)
		json_object_set_new(x->results, who, res);
	else
		json_object_del(x->results, who);
}

static void
one_begin(struct cx *x, enum cd_kind k, const char *name)
{
	json_array_clear(x->used_now);
	snprintf(x->who, sizeof(x->who), "%s/%s", kinds[k], name);
	x->res = json_pack("{s:s,s:[]}", "phase", "Ready", "waiting_for");
	x->failed = false;
	x->pending = false;
	x->holder[0] = '\0';
	x->order_sensitive = false;
	json_array_clear(x->marks);
	json_decref(x->upf_ctx);
	x->upf_ctx = NULL;
}

/* true when the intent continues in the next slice of work */
static bool
one_body(struct cx *x, enum cd_kind k, const char *name, json_t *spec)
{
	switch (k) {
	case CD_SITE:
		compile_site(x, spec);
		break;
	case CD_PEERS:
		compile_peer(x, name, spec);
		break;
	case CD_SLICES:
		compile_slice(x, name, spec);
		break;
	case CD_VDNS:
		compile_vdn(x, name, spec);
		break;
	case CD_POLICIES:
		compile_policy(x, name, spec);
		break;
	case CD_UPF:
		return compile_upf(x, name, spec);
	default:
		break;
	}
	return false;
}

static json_t *
slice_of_array(json_t *a, size_t from, size_t to)
{
	json_t *out = json_array();

	for (size_t i = from; i < to && i < json_array_size(a); i++)
		json_array_append(out, json_array_get(a, i));
	return out;
}

/* A Ready UPF's journal and ids by session (rec "sess": ID → {"j",
 * "ids", "spec"}), the header's ("hj", "hids") and what its sessions were
 * compiled with ("ctx"): a change of some sessions then compiles those
 * only (upf_partial). Not when two sessions share an id. */
static void
upf_record(struct cx *x, json_t *rec)
{
	json_t *sess = json_object(), *m, *ss = json_object_get(json_object_get(rec, "spec"), "sessions");
	size_t i, h = json_array_size(x->marks) ? (size_t)json_integer_value(json_array_get(json_array_get(x->marks, 0), 1)) :
		json_array_size(json_object_get(rec, "journal"));
	size_t hu = json_array_size(x->marks) ? (size_t)json_integer_value(json_array_get(json_array_get(x->marks, 0), 3)) :
		json_array_size(json_object_get(rec, "ids"));
	char id[32];

	json_array_foreach(x->marks, i, m) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(json_array_get(m, 0)));
		if (json_object_get(sess, id) != NULL) {
			json_decref(sess);
			return;
		}
		json_object_set_new(sess, id, json_pack("{s:o,s:o,s:O}", "j",
			slice_of_array(json_object_get(rec, "journal"), (size_t)json_integer_value(json_array_get(m, 1)),
				       (size_t)json_integer_value(json_array_get(m, 2))), "ids",
			slice_of_array(json_object_get(rec, "ids"), (size_t)json_integer_value(json_array_get(m, 3)),
				       (size_t)json_integer_value(json_array_get(m, 4))), "spec", json_array_get(ss, i)));
	}
	json_object_set_new(rec, "sess", sess);
	json_object_set_new(rec, "hj", slice_of_array(json_object_get(rec, "journal"), 0, h));
	json_object_set_new(rec, "hids", slice_of_array(json_object_get(rec, "ids"), 0, hu));
	json_object_set(rec, "ctx", x->upf_ctx);
}

static void
one_end(struct cx *x, enum cd_kind k, const char *name, json_t *spec)
{
	json_t *u;
	size_t i;

	/* A Failed intent holds nothing; a Pending one what it could compile
	 * (a slice waiting for one peer still carries its LAN traffic). */
	if (x->failed) {
		undo(x);
		json_array_foreach(x->used_now, i, u) {
			json_object_del(json_object_get(x->used, json_string_value(json_array_get(u, 0))),
					json_string_value(json_array_get(u, 1)));
			json_array_append(x->freed, u);
		}
		json_array_clear(x->used_now);
	}
	json_object_set_new(x->recs, x->who, json_pack("{s:i,s:s,s:O,s:o,s:o}", "kind", (int)k, "name", name,
						       "spec", spec, "journal", x->undo, "ids",
						       json_copy(x->used_now)));
	if (k == CD_UPF && !x->failed && x->upf_ctx != NULL)
		upf_record(x, json_object_get(x->recs, x->who));
	if (x->failed && x->holder[0] != '\0' && !x->order_sensitive)
		json_object_set_new(json_object_get(x->recs, x->who), "holder", json_string(x->holder));
	x->undo = json_array();
	json_array_clear(x->used_now);
	if (k == CD_SITE && !x->failed)
		x->site = spec;
	json_object_set_new(x->res, "entries", json_integer(0));
	result_set(x, x->who, x->res);
	x->res = NULL;
}

/* Everything compiled again from nothing (the ids stay). */
static void
start_full(struct cd_compiler *cc)
{
	struct cx *x = &cc->x;
	json_t **objs[] = { &x->set, &x->owner, &x->seq, &x->results, &x->unready, &x->undo, &x->wans, &x->peers,
			    &x->slices, &x->used, &x->idx, &x->slice_ids, &x->recs, &x->shared, &x->counts };
	size_t n = 0;

	/* (the ids the intents held that this compile does not use are
	 * freed by finish's sweep of every id) */
	if (cc->pre_set == NULL) {   /* the set as the update found it (a dry run's diff) */
		cc->pre_set = json_incref(x->set);
		cc->pre_seq = json_incref(x->seq);
	}
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		cd_gc_free(*objs[i]);
		*objs[i] = objs[i] == &x->undo ? json_array() : json_object();
	}
	x->site = NULL;
	x->n = 0;
	json_decref(x->touched);
	x->touched = NULL;
	upf_run_clear(x);
	cc->full = true;
	cc->in_one = false;
	cc->next = 0;
	json_array_clear(cc->queue);
	json_object_clear(cc->compiled);
	for (int k = 0; k < CD_KINDS; k++) {
		json_t *objs_k = json_object_get(cc->intents, kinds[k]);
		const char **names = names_of(objs_k, &n);

		for (size_t i = 0; names != NULL && i < n; i++)
			json_array_append_new(cc->queue, json_pack("[i,s]", k, names[i]));
		free(names);
	}
}

static int
kind_of_who(const char *who, const char **name)
{
	const char *slash = strchr(who, '/');

	*name = slash ? slash + 1 : who;
	for (int k = 0; slash != NULL && k < CD_KINDS; k++)
		if (strlen(kinds[k]) == (size_t)(slash - who) && strncmp(who, kinds[k], (size_t)(slash - who)) == 0)
			return k;
	return -1;
}

/* Does @a come after @b in compile order (of the intents being compiled;
 * one not among them comes last)? */
static bool
later(struct cd_compiler *cc, const char *a, const char *b)
{
	const char *na, *nb;
	int ka = kind_of_who(a, &na), kb = kind_of_who(b, &nb);
	json_t *objs;
	void *it;

	if (ka != kb)
		return ka > kb;
	objs = json_object_get(cc->intents, kinds[ka < 0 ? 0 : ka]);
	for (it = json_object_iter(objs); it != NULL; it = json_object_iter_next(objs, it)) {
		if (strcmp(json_object_iter_key(it), nb) == 0)
			return true;	/* b first */
		if (strcmp(json_object_iter_key(it), na) == 0)
			return false;
	}
	return true;
}

struct jent {
	json_int_t n;
	json_t *e;
};

static int
by_n_desc(const void *a, const void *b)
{
	json_int_t x = ((const struct jent *)a)->n, y = ((const struct jent *)b)->n;

	return x > y ? -1 : x < y;
}

/* Take back what the intents in @r ("KIND/NAME" → true) hold: their
 * writes undone, newest first, and what they told the others. */
static int
take_back(struct cd_compiler *cc, json_t *r)
{
	struct cx *x = &cc->x;
	struct jent *all;
	size_t n = 0, cap = 0, i;
	const char *who, *name;
	json_t *t, *rec, *e;
	char sk[512];

	json_object_foreach(r, who, t)
		cap += json_array_size(json_object_get(json_object_get(x->recs, who), "journal"));
	if ((all = calloc(cap + 1, sizeof(*all))) == NULL)
		return -ENOMEM;
	json_object_foreach(r, who, t) {
		json_array_foreach(json_object_get(json_object_get(x->recs, who), "journal"), i, e)
			all[n++] = (struct jent){ json_integer_value(json_array_get(e, 5)), e };
	}
	qsort(all, n, sizeof(*all), by_n_desc);
	for (i = 0; i < n; i++)
		restore(x, all[i].e);
	free(all);
	json_object_foreach(r, who, t) {
		int k = kind_of_who(who, &name);
		json_t *s;

		if ((rec = json_object_get(x->recs, who)) == NULL)
			continue;
		json_array_foreach(json_object_get(rec, "journal"), i, e) {
			snprintf(sk, sizeof(sk), "%s %s", json_string_value(json_array_get(e, 0)),
				 json_string_value(json_array_get(e, 1)));
			json_object_del(json_object_get(x->shared, sk), who);
		}
		json_array_foreach(json_object_get(rec, "ids"), i, e) {
			json_object_del(json_object_get(x->used, json_string_value(json_array_get(e, 0))),
					json_string_value(json_array_get(e, 1)));
			json_array_append(cc->x.freed, e);
		}
		if (k == CD_PEERS)
			json_object_del(x->peers, name);
		if (k == CD_SLICES && (s = json_object_get(x->slices, name)) != NULL) {
			snprintf(sk, sizeof(sk), "%" JSON_INTEGER_FORMAT, num(s, "id", 0));
			if (str(x->slice_ids, sk) != NULL && strcmp(str(x->slice_ids, sk), name) == 0)
				json_object_del(x->slice_ids, sk);
			json_object_del(x->slices, name);
		}
		result_set(x, who, NULL);
		json_object_del(x->counts, who);
		json_object_del(x->recs, who);
	}
	return 0;
}

#define UPF_PARTIAL_MAX 1024	/* sessions changed at most for a UPF to compile just those */

/* The spec without its sessions (a new shallow copy). */
static json_t *
upf_header(json_t *spec)
{
	json_t *h = json_copy(spec);

	json_object_del(h, "sessions");
	return h;
}

static int
id_cmp(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* The session ids of @spec, sorted (new, *@n of them); NULL: none or no
 * memory. */
static json_int_t *
upf_ids(json_t *spec, size_t *n)
{
	json_t *all = json_object_get(spec, "sessions"), *ss;
	json_int_t *ids;
	size_t i;

	*n = json_array_size(all);
	if ((ids = malloc((*n + 1) * sizeof(*ids))) == NULL)
		return NULL;
	json_array_foreach(all, i, ss)
		ids[i] = num(ss, "id", 0);
	qsort(ids, *n, sizeof(*ids), id_cmp);
	return ids;
}

/* Can @who (a UPF, changed) compile only its changed sessions? It was
 * Ready with its sessions recorded, its header is the same, few sessions
 * changed, and its new sessions have distinct ids. If so, *@chg is the
 * ids of its sessions new or not the same as compiled (new). */
static bool
upf_partial_ok(struct cd_compiler *cc, const char *who, const char *name, json_t **chg)
{
	json_t *rec = json_object_get(cc->x.recs, who), *spec, *sess, *ss, *h1, *h2, *o, *old;
	json_int_t *ids;
	size_t i, n, known = 0;
	bool ok;
	char id[32];

	*chg = NULL;
	spec = json_object_get(json_object_get(cc->intents, kinds[CD_UPF]), name);
	sess = json_object_get(rec, "sess");
	if (spec == NULL || sess == NULL ||
	    strcmp(str(json_object_get(cc->x.results, who), "phase") ?: "", "Ready") != 0)
		return false;
	h1 = upf_header(spec);
	h2 = upf_header(json_object_get(rec, "spec"));
	ok = json_equal(h1, h2);
	json_decref(h1);
	json_decref(h2);
	if (!ok || (ids = upf_ids(spec, &n)) == NULL)
		return false;
	for (i = 1; i < n && ok; i++)
		ok = ids[i] != ids[i - 1];
	free(ids);
	if (!ok)
		return false;
	*chg = json_object();
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, num(ss, "id", 0));
		o = json_object_get(sess, id);
		known += o != NULL;
		old = json_object_get(o, "spec");
		if (old == NULL || (old != ss && !json_equal(old, ss)))
			json_object_set_new(*chg, id, json_true());
	}
	/* and those gone */
	if (json_object_size(*chg) + json_object_size(sess) - known <= UPF_PARTIAL_MAX)
		return true;
	json_decref(*chg);
	*chg = NULL;
	return false;
}

/* Compile a UPF's changed sessions only (upf_partial_ok): the ones gone
 * or changed taken back, the new or changed ones compiled with what its
 * sessions were compiled with. 0, or -1 when one failed: everything it
 * did is undone and the UPF is to be compiled whole. */
static int
upf_partial(struct cd_compiler *cc, const char *name, json_t *spec)
{
	struct cx *x = &cc->x;
	json_t *rec = json_object_get(x->recs, x->who), *sess = json_object_get(rec, "sess"), *ctx;
	json_t *ss, *chg = json_object_get(cc->partial, x->who), *gone = json_object(), *added = json_object();
	json_t *v, *e, *nj, *nids;
	struct jent *all;
	json_int_t *ids, one;
	const char *id;
	size_t i, n = 0, cap = 0, n_ids;
	char b[32];

	ctx = json_object_get(rec, "ctx");
	/* what goes: sessions changed (plan found them) or no longer there */
	if ((ids = upf_ids(spec, &n_ids)) == NULL) {
		json_decref(gone);
		json_decref(added);
		return -1;
	}
	json_object_foreach(sess, id, v) {
		one = strtoll(id, NULL, 10);
		if (json_object_get(chg, id) != NULL || bsearch(&one, ids, n_ids, sizeof(*ids), id_cmp) == NULL) {
			json_object_set(gone, id, v);
			cap += json_array_size(json_object_get(v, "j"));
		}
	}
	free(ids);
	if ((all = calloc(cap + 1, sizeof(*all))) == NULL) {
		json_decref(gone);
		json_decref(added);
		return -1;
	}
	json_object_foreach(gone, id, v)
		json_array_foreach(json_object_get(v, "j"), i, e)
			all[n++] = (struct jent){ json_integer_value(json_array_get(e, 5)), e };
	qsort(all, n, sizeof(*all), by_n_desc);
	for (i = 0; i < n; i++)
		restore(x, all[i].e);
	free(all);
	json_object_foreach(gone, id, v) {
		json_array_foreach(json_object_get(v, "ids"), i, e) {
			json_object_del(json_object_get(x->used, json_string_value(json_array_get(e, 0))),
					json_string_value(json_array_get(e, 1)));
			json_array_append(x->freed, e);
		}
		json_object_del(sess, id);
	}
	json_decref(gone);
	/* the new and changed ones */
	json_array_clear(x->undo);
	json_array_clear(x->used_now);
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		size_t j0 = json_array_size(x->undo), u0 = json_array_size(x->used_now);

		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, num(ss, "id", 0));
		if (json_object_get(chg, b) == NULL)
			continue;
		upf_session(x, name, ss, i, num(ctx, "sid", 0), num(ctx, "n3", 0), num(ctx, "n9", 0),
			    json_object_get(ctx, "peer_ids"), json_object_get(ctx, "apps"));
		if (x->failed)
			break;
		json_object_set_new(added, b, json_pack("{s:o,s:o,s:O}", "j", slice_of_array(x->undo, j0, json_array_size(x->undo)),
						       "ids", slice_of_array(x->used_now, u0, json_array_size(x->used_now)),
						       "spec", ss));
	}
	if (x->failed) {
		undo(x);
		json_array_foreach(x->used_now, i, e) {
			json_object_del(json_object_get(x->used, json_string_value(json_array_get(e, 0))),
					json_string_value(json_array_get(e, 1)));
			json_array_append(x->freed, e);
		}
		json_array_clear(x->used_now);
		json_decref(added);
		/* what it still holds (header, sessions kept) is taken back with
		 * the record: compiled whole next */
		nj = json_copy(json_object_get(rec, "hj"));
		nids = json_copy(json_object_get(rec, "hids"));
		json_object_foreach(sess, id, v) {
			json_array_extend(nj, json_object_get(v, "j"));
			json_array_extend(nids, json_object_get(v, "ids"));
		}
		json_object_set_new(rec, "journal", nj);
		json_object_set_new(rec, "ids", nids);
		json_object_del(rec, "sess");
		return -1;
	}
	json_object_update(sess, added);
	json_decref(added);
	/* the record: header, then every session's, as a whole compile has it */
	nj = json_copy(json_object_get(rec, "hj"));
	nids = json_copy(json_object_get(rec, "hids"));
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, num(ss, "id", 0));
		json_array_extend(nj, json_object_get(json_object_get(sess, b), "j"));
		json_array_extend(nids, json_object_get(json_object_get(sess, b), "ids"));
	}
	json_object_set_new(rec, "journal", nj);
	json_object_set_new(rec, "ids", nids);
	json_object_set(rec, "spec", spec);
	json_array_clear(x->undo);
	json_array_clear(x->used_now);
	return 0;
}

#define TAKE_BACK_MAX 20000	/* entries an update takes back in one go, at most */

/* @who (a slice, changed) was Ready and its spec changed in its routes
 * and subnets only: its own entries in its VRF. */
static bool
slice_routes_only(struct cd_compiler *cc, const char *who, const char *name)
{
	json_t *rec = json_object_get(cc->x.recs, who), *a, *b;
	json_t *now = json_object_get(json_object_get(cc->intents, kinds[CD_SLICES]), name);
	bool same;

	if (rec == NULL || now == NULL || json_object_get(cc->x.slices, name) == NULL ||
	    strcmp(str(json_object_get(cc->x.results, who), "phase") ?: "", "Ready") != 0)
		return false;
	a = json_copy(json_object_get(rec, "spec"));
	b = json_copy(now);
	json_object_del(a, "routes");
	json_object_del(a, "subnets");
	json_object_del(b, "routes");
	json_object_del(b, "subnets");
	same = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return same;
}

/* What an update of the intents compiles again (see cd_compile.h): into
 * cc->queue, after taking it back. Returns true when that is everything. */
static bool
plan(struct cd_compiler *cc)
{
	size_t back = 0;
	struct cx *x = &cc->x;
	json_t *r = json_object(), *work = json_array(), *objs, *spec, *rec, *t, *e, *res;
	const char *name, *who, *other;
	char w[300], sk[512];
	bool full = false;
	size_t i;

	for (int k = 0; k < CD_KINDS; k++) {
		json_t *now = json_object_get(cc->intents, kinds[k]), *was = json_object_get(cc->prev, kinds[k]);

		if (cc->prev != NULL && now == was)
			continue;
		json_object_foreach(now, name, spec) {
			if (cc->prev != NULL && json_object_get(was, name) == spec)
				continue;
			snprintf(w, sizeof(w), "%s/%s", kinds[k], name);
			rec = json_object_get(x->recs, w);
			if (rec == NULL || (json_object_get(rec, "spec") != spec &&
					    !json_equal(json_object_get(rec, "spec"), spec)))
				json_object_set_new(cc->changed, w, json_true());
		}
		json_object_foreach(was, name, spec) {
			snprintf(w, sizeof(w), "%s/%s", kinds[k], name);
			if (json_object_get(now, name) == NULL && json_object_get(x->recs, w) != NULL)
				json_object_set_new(cc->changed, w, json_true());
		}
	}
	if (cc->prev == NULL) {
		json_object_foreach(x->recs, who, rec) {
			objs = json_object_get(cc->intents, kinds[num(rec, "kind", 0)]);
			if (json_object_get(objs, str(rec, "name")) == NULL)
				json_object_set_new(cc->changed, who, json_true());
		}
	}
	json_object_foreach(cc->changed, who, t) {
		int k = kind_of_who(who, &name);

		full = full || k == CD_SITE || k == CD_PEERS;
		json_t *chg;

		if (k == CD_UPF && upf_partial_ok(cc, who, name, &chg))
			json_object_set_new(cc->partial, who, chg);
		else
			json_object_set_new(r, who, json_true());
	}
	/* what was not Ready may be now: Pending ones, and Failed ones whose
	 * holder is compiled again, or which ran out of ids or collided with
	 * an intent unnamed (a Failed one holds nothing: cheap) */
	json_object_foreach(x->unready, who, t) {
		const char *ph, *why;

		res = json_object_get(x->results, who);
		ph = str(res, "phase");
		why = str(res, "reason") ?: "";
		const char *h = str(json_object_get(x->recs, who), "holder");

		if (strcmp(ph, "Ready") == 0)
			continue;
		if (strcmp(ph, "Failed") != 0 || (h != NULL && json_object_get(cc->changed, h) != NULL) ||
		    (h == NULL && json_object_size(cc->changed) > 0 && strcmp(why, "bad_value") != 0 &&
		     strcmp(why, "missing") != 0 && strcmp(why, "out_of_range") != 0 &&
		     strcmp(why, "duplicate") != 0 && strcmp(why, "no_space") != 0))
			json_object_set_new(r, who, json_true());
	}
	/* a slice's VDNs, policies and UPFs read what it compiled to (its
	 * x->slices record), unless only its routes changed: then that is
	 * checked once it compiled (cc->cut) */
	json_object_foreach(r, who, t) {
		if (kind_of_who(who, &name) != CD_SLICES)
			continue;
		if (slice_routes_only(cc, who, name)) {
			json_t *was = json_object_get(x->slices, name);

			json_object_set_new(cc->cut, name, was != NULL ? json_deep_copy(was) : json_null());
			continue;
		}
		for (int k = CD_VDNS; k < CD_KINDS; k++) {
			json_object_foreach(json_object_get(cc->intents, kinds[k]), other, spec) {
				if (str(spec, "slice") == NULL || strcmp(str(spec, "slice"), name) != 0)
					continue;
				snprintf(w, sizeof(w), "%s/%s", kinds[k], other);
				json_array_append_new(work, json_string(w));
			}
		}
	}
	json_array_foreach(work, i, t)
		json_object_set_new(r, json_string_value(t), json_true());
	json_array_clear(work);
	/* and whoever shares an entry with one of them */
	json_object_foreach(r, who, t)
		json_array_append_new(work, json_string(who));
	while (!full && json_array_size(work) > 0) {
		json_t *cur = json_incref(json_array_get(work, json_array_size(work) - 1));

		json_array_remove(work, json_array_size(work) - 1);
		/* taking back is one go: past TAKE_BACK_MAX entries, compiling
		 * everything afresh (in slices) holds the loop less, and so
		 * does not walking on */
		back += json_array_size(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"));
		full = full || back > TAKE_BACK_MAX;
		json_array_foreach(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"), i, e) {
			json_t *ws;

			if (full)
				break;
			snprintf(sk, sizeof(sk), "%s %s", json_string_value(json_array_get(e, 0)),
				 json_string_value(json_array_get(e, 1)));
			if ((ws = json_object_get(x->shared, sk)) == NULL)
				continue;
			json_object_foreach(ws, other, t) {
				if (json_object_get(r, other) != NULL || json_object_get(x->recs, other) == NULL)
					continue;
				json_object_set_new(r, other, json_true());
				json_array_append_new(work, json_string(other));
			}
		}
		json_decref(cur);
	}
	json_decref(work);
	/* a UPF whose sessions only changed compiles those, unless it is
	 * compiled whole anyway */
	json_object_foreach(r, who, t)
		json_object_del(cc->partial, who);
	if (full || take_back(cc, r) < 0) {
		json_decref(r);
		return true;
	}
	/* ids given back: who ran out of them tries again */
	if (json_array_size(x->freed) > 0) {
		json_t *more = json_object();

		json_object_foreach(x->results, who, res)
			if (strcmp(str(res, "reason") ?: "", "no_space") == 0 && json_object_get(r, who) == NULL)
				json_object_set_new(more, who, json_true());
		if (take_back(cc, more) < 0) {
			json_decref(more);
			json_decref(r);
			return true;
		}
		json_object_update(r, more);
		json_decref(more);
	}
	/* what is still there, in compile order */
	for (int k = 0; k < CD_KINDS; k++) {
		json_object_foreach(json_object_get(cc->intents, kinds[k]), name, spec) {
			snprintf(w, sizeof(w), "%s/%s", kinds[k], name);
			if (json_object_get(r, w) != NULL)
				json_array_append_new(cc->queue, json_pack("[i,s]", k, name));
			else if (json_object_get(cc->partial, w) != NULL)
				json_array_append_new(cc->queue, json_pack("[i,s,b]", k, name, 1));
		}
	}
	json_decref(r);
	return false;
}

struct cd_compiler *
cd_compiler_new(json_t *ids)
{
	struct cd_compiler *cc = calloc(1, sizeof(*cc));

	if (cc == NULL)
		return NULL;
	cc->x.ids = ids != NULL ? json_deep_copy(ids) : json_object();
	cc->x.ids_touched = json_object();
	cc->x.used_now = json_array();
	cc->x.marks = json_array();
	cc->queue = json_array();
	cc->changed = json_object();
	cc->partial = json_object();
	cc->compiled = json_object();
	cc->cut = json_object();
	cc->x.freed = json_array();
	cc->kernel_seen = json_null();
	cc->pending = json_object();
	cc->intents = json_object();
	/* the state start_full makes anew */
	cc->x.set = cc->x.owner = cc->x.seq = cc->x.results = NULL;
	start_full(cc);
	json_decref(cc->intents);
	cc->intents = NULL;
	return cc;
}

void
cd_compiler_free(struct cd_compiler *cc)
{
	struct cx *x;

	if (cc == NULL)
		return;
	x = &cc->x;
	upf_run_clear(x);
	json_decref(x->set);
	json_decref(x->owner);
	json_decref(x->seq);
	json_decref(x->results);
	json_decref(x->unready);
	json_decref(x->undo);
	json_decref(x->ids);
	json_decref(x->ids_touched);
	json_decref(x->used);
	json_decref(x->used_now);
	json_decref(x->marks);
	json_decref(x->upf_ctx);
	json_decref(x->idx);
	json_decref(x->slice_ids);
	json_decref(x->wans);
	json_decref(x->peers);
	json_decref(x->slices);
	json_decref(x->recs);
	json_decref(cc->prev);
	json_decref(x->shared);
	json_decref(x->counts);
	json_decref(x->touched);
	json_decref(x->res);
	idns_free(x);
	json_decref(cc->kernel_seen);
	json_decref(cc->pending);
	json_decref(cc->pre_set);
	json_decref(cc->pre_seq);
	json_decref(cc->queue);
	json_decref(cc->changed);
	json_decref(cc->partial);
	json_decref(cc->cut);
	json_decref(cc->compiled);
	json_decref(cc->x.freed);
	free(cc);
}

void
cd_compiler_begin(struct cd_compiler *cc, const struct cd_tables *t, json_t *intents, json_t *kernel,
		  bool keep_ids)
{
	struct cx *x = &cc->x;
	bool full = !cc->compiled_once || t != x->t ||
		    !json_equal(kernel != NULL ? kernel : json_null(), cc->kernel_seen);

	x->t = t;
	x->kernel = kernel;
	cc->intents = intents;
	cc->keep_ids = keep_ids;
	cc->full = false;
	cc->in_one = false;
	cc->next = 0;
	upf_run_clear(x);
	json_array_clear(cc->queue);
	json_object_clear(cc->changed);
	json_object_clear(cc->partial);
	json_object_clear(cc->compiled);
	json_object_clear(cc->cut);
	json_array_clear(cc->x.freed);
	cd_gc_free(x->touched);
	x->touched = json_object();
	/* the set before a whole compile: every entry, freed in slices */
	cd_gc_free(cc->pre_set);
	cd_gc_free(cc->pre_seq);
	cc->pre_set = cc->pre_seq = NULL;
	if (full || plan(cc))
		start_full(cc);
}

/* The update is done: ids nobody uses are free again, entry counts. */
static void
finish(struct cd_compiler *cc)
{
	struct cx *x = &cc->x;
	const char *ns, *key, *who;
	json_t *m, *v, *u, *t;
	size_t i;

	if (cc->full) {
		json_object_foreach(x->ids, ns, m)
			json_object_foreach(m, key, v)
				if (json_object_get(json_object_get(x->used, ns), key) == NULL)
					json_array_append_new(cc->x.freed, json_pack("[s,s]", ns, key));
	}
	json_array_foreach(cc->x.freed, i, u) {
		const char *n = json_string_value(json_array_get(u, 0));
		struct idns *b;

		key = json_string_value(json_array_get(u, 1));
		m = json_object_get(x->ids, n);
		if (cc->keep_ids || (v = json_object_get(m, key)) == NULL ||
		    json_object_get(json_object_get(x->used, n), key) != NULL)
			continue;
		for (b = x->idns; b != NULL; b = b->next) {
			if (strcmp(b->name, n) != 0)
				continue;
			if ((size_t)json_integer_value(v) / 64 < b->words)
				b->bits[json_integer_value(v) / 64] &= ~(UINT64_C(1) << (json_integer_value(v) % 64));
			b->n_hints = 0;
		}
		json_object_del(m, key);
		touch_id(x, n, key);
	}
	json_array_clear(cc->x.freed);
	json_object_foreach(cc->compiled, who, t)
		json_object_set_new(json_object_get(x->results, who), "entries",
				    json_integer(json_integer_value(json_object_get(x->counts, who))));
	if (cc->full) {
		cc->pending_all = true;
		json_object_clear(cc->pending);
	} else if (!cc->pending_all) {
		json_object_foreach(x->touched, ns, m) {
			json_t *p = json_object_get(cc->pending, ns);

			if (p == NULL) {
				json_object_set_new(cc->pending, ns, json_object());
				p = json_object_get(cc->pending, ns);
			}
			json_object_foreach(m, key, v)
				json_object_set_new(p, key, json_true());
		}
	}
	json_decref(cc->kernel_seen);
	cc->kernel_seen = x->kernel != NULL ? json_deep_copy(x->kernel) : json_null();
	cc->compiled_once = true;
	json_decref(cc->prev);
	cc->prev = json_incref(cc->intents);
	cc->view = (struct cd_compiled){ .want = x->set, .owner = x->owner, .seq = x->seq,
					 .results = x->results };
}

int
cd_compiler_step(struct cd_compiler *cc, unsigned int budget_us)
{
	struct cx *x = &cc->x;

	x->deadline_ns = budget_us ? now_ns() + (uint64_t)budget_us * 1000u : 0;
	while (cc->next < json_array_size(cc->queue)) {
		json_t *td = json_array_get(cc->queue, cc->next);
		enum cd_kind k = (enum cd_kind)json_integer_value(json_array_get(td, 0));
		const char *name = json_string_value(json_array_get(td, 1));
		json_t *spec = json_object_get(json_object_get(cc->intents, kinds[k]), name);

		if (!cc->in_one)
			one_begin(x, k, name);
		if (!cc->in_one && json_is_true(json_array_get(td, 2))) {
			json_t *r;

			if (upf_partial(cc, name, spec) == 0) {
				json_object_set_new(x->res, "entries", json_integer(0));
				result_set(x, x->who, x->res);
				x->res = NULL;
				json_object_set_new(cc->compiled, x->who, json_true());
				cc->next++;
				continue;
			}
			/* a session failed: the UPF compiled whole, as it would be */
			json_decref(x->res);
			x->res = NULL;
			r = json_pack("{s:b}", x->who, 1);
			take_back(cc, r);
			json_decref(r);
			json_array_set_new(cc->queue, cc->next, json_pack("[i,s]", (int)k, name));
			continue;
		}
		if (one_body(x, k, name, spec)) {
			cc->in_one = true;
			return -EAGAIN;
		}
		cc->in_one = false;
		one_end(x, k, name, spec);
		json_object_set_new(cc->compiled, x->who, json_true());
		/* a slice whose dependents were left as they were compiled to
		 * something else after all: everything again */
		if (!cc->full && k == CD_SLICES && json_object_get(cc->cut, name) != NULL &&
		    !json_equal(json_object_get(cc->cut, name),
				json_object_get(x->slices, name) ?: json_null())) {
			start_full(cc);
			continue;
		}
		/* an intent changed now collides with one that comes after it:
		 * in compile order it would have won, so everything again */
		if (!cc->full && json_object_get(json_object_get(x->results, x->who), "reason") != NULL &&
		    strcmp(str(json_object_get(x->results, x->who), "phase"), "Failed") == 0 &&
		    json_object_get(cc->changed, x->who) != NULL &&
		    (x->order_sensitive || (x->holder[0] != '\0' && later(cc, x->holder, x->who)))) {
			start_full(cc);
			continue;
		}
		cc->next++;
		if (over(x))
			return cc->next < json_array_size(cc->queue) ? -EAGAIN : (finish(cc), 0);
	}
	finish(cc);
	return 0;
}

const struct cd_compiled *
cd_compiler_set(struct cd_compiler *cc)
{
	return &cc->view;
}

json_t *
cd_compiler_touched(struct cd_compiler *cc)
{
	return cc->full ? NULL : cc->x.touched;
}

json_t *
cd_compiler_take(struct cd_compiler *cc)
{
	json_t *p = cc->pending_all ? NULL : json_incref(cc->pending);

	json_decref(cc->pending);
	cc->pending = json_object();
	cc->pending_all = false;
	return p;
}

void
cd_compiler_pre(struct cd_compiler *cc, json_t **set, json_t **seq)
{
	*set = cc->pre_set;
	*seq = cc->pre_seq;
}

json_t *
cd_compiler_ids_take(struct cd_compiler *cc)
{
	json_t *t = cc->x.ids_touched;

	cc->x.ids_touched = json_object();
	return t;
}

json_t *
cd_compiler_ids(struct cd_compiler *cc)
{
	return cc->x.ids;
}

json_t *
cd_compiler_compiled(struct cd_compiler *cc)
{
	return cc->compiled;
}

int
cd_compile(const struct cd_tables *t, json_t *intents, json_t *kernel, json_t *ids,
	   struct cd_compiled *out)
{
	struct cd_compiler *cc = cd_compiler_new(ids);
	const char *ns;
	json_t *m;

	memset(out, 0, sizeof(*out));
	if (cc == NULL)
		return -ENOMEM;
	cd_compiler_begin(cc, t, intents, kernel, false);
	cd_compiler_step(cc, 0);
	/* ids of what is gone are free again */
	json_object_foreach(ids, ns, m)
		json_object_clear(m);
	json_object_update(ids, cc->x.ids);
	out->want = json_incref(cc->x.set);
	out->owner = json_incref(cc->x.owner);
	out->seq = json_incref(cc->x.seq);
	out->results = json_incref(cc->x.results);
	cd_compiler_free(cc);
	return out->want && out->owner && out->seq && out->results ? 0 : -ENOMEM;
}

void
cd_compiled_free(struct cd_compiled *c)
{
	json_decref(c->want);
	json_decref(c->owner);
	json_decref(c->seq);
	json_decref(c->results);
	memset(c, 0, sizeof(*c));
}
