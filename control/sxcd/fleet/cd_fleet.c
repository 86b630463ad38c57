/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents in etcd (see cd_fleet.h): read, watch, resync, compare-and-swap writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cd_cas.h"
#include "cd_etcd.h"
#include "cd_fleet.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_res.h"
#include "cd_rev.h"
#include "cd_rstore.h"

#define PROBE_MS 1000		/* a member asked whether it answers */
#define LOST_PROBE_MS 250	/* ... while none did: a heal seen within ~0.5 s */
#define LOST_CALL_MS 400	/* ... with a deadline short of a SYN's retransmit (1 s) */
#define SCOPES 3		/* the shared intents, the site's own, the history */
#define HISTORY 2		/* ... the scope of the history's revisions */

enum state { SYNCING, SYNCED, UNREACHABLE };
static const char *const state_name[] = { "syncing", "synced", "unreachable" };

struct cd_fleet {
	struct event_base *base;
	struct cd_etcd *etcd;
	struct cd_res *res;
	struct cd_rstore *rs;	/* what the store says, into res */
	char endpoints[512], prefix[256], site[STORE_NAME_MAX + 1];
	char *scope[SCOPES], *scope_end[SCOPES];
	void (*kick)(void *arg);
	void *kick_arg;
	enum state state;
	struct event *probe;
	struct cd_etcd_call *probing, *reading;
	struct cd_etcd_watch *watch[SCOPES];
	json_t *read;			/* a full read under way: the intents' scopes gave */
	json_t *read_hist;		/* ... the history's: NAME → {"doc", "rev", "created"} */
	int64_t read_rev;		/* ... and at which revision */
	int64_t rev;			/* the last revision seen */
	unsigned int resyncs, lost;
	unsigned int call_ms;		/* a call's deadline */
	char error[256];		/* why it is not synced */
	char since[32];
};

bool
cd_fleet_url(const char *store)
{
	return store != NULL && strncmp(store, CD_FLEET_SCHEME, strlen(CD_FLEET_SCHEME)) == 0;
}

/* ------------------------------------------------------------ status */

static void
info(struct cd_fleet *f)
{
	json_t *i = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "backend", "etcd",
			      "endpoints", f->endpoints, "endpoint", cd_etcd_endpoint(f->etcd),
			      "prefix", f->prefix, "site", f->site, "state", state_name[f->state],
			      "revision", (json_int_t)f->rev, "resyncs", (json_int_t)f->resyncs,
			      "watches_lost", (json_int_t)f->lost, "since", f->since);

	if (f->state != SYNCED && f->error[0] != '\0')
		json_object_set_new(i, "error", json_string(f->error));
	cd_res_remote_info_set(f->res, i);
	json_decref(i);
}

static void
set_state(struct cd_fleet *f, enum state s, const char *why)
{
	if (s != f->state) {
		cd_res_now(f->since, sizeof(f->since));
		if (s == UNREACHABLE)
			CD_LOG(WARN, "fleet store %s unreachable (%s): going on with the last intents read",
			       f->endpoints, why ? why : "");
		else if (s == SYNCED)
			CD_LOG(INFO, "fleet store %s: synced at revision %lld", f->endpoints, (long long)f->rev);
	}
	f->state = s;
	snprintf(f->error, sizeof(f->error), "%s", why ? why : "");
	info(f);
}

static const char *
why(struct cd_fleet *f, int rc, json_t *answer)
{
	static char buf[200];

	if ((rc == -ECONNREFUSED || rc == -EIO || rc == -ETIMEDOUT) && cd_etcd_error(f->etcd) != NULL)
		snprintf(buf, sizeof(buf), "%s", cd_etcd_error(f->etcd));
	else if (rc == -EPROTO)
		snprintf(buf, sizeof(buf), "etcd: %s",
			 json_string_value(json_object_get(answer, "message")) ?: "refused");
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-rc));
	return buf;
}

/* ------------------------------------------------------------ keys */

static char *
key_of(struct cd_fleet *f, int kind, const char *name)
{
	char *k = NULL;

	if (asprintf(&k, "%s%s/%s", f->scope[cd_kind_per_site(kind) ? 1 : 0], cd_kind_name(kind), name) < 0)
		return NULL;
	return k;
}

static char *
rev_key(struct cd_fleet *f, const char *name)
{
	char *k = NULL;

	if (asprintf(&k, "%s%s", f->scope[HISTORY], name) < 0)
		return NULL;
	return k;
}

/* A revision's name of a key of the history's (raw): NULL when not one. */
static const char *
rev_name_of(struct cd_fleet *f, const char *key)
{
	size_t pl = strlen(f->scope[HISTORY]);

	if (strncmp(key, f->scope[HISTORY], pl) != 0 || !store_name_ok(key + pl) ||
	    strlen(key + pl) >= CD_REV_NAME_LEN)
		return NULL;
	return key + pl;
}

/* One kv of the history's: its name into @name, its document (new; NULL:
 * not JSON, said). -1 when not a revision's key. */
static int
kv_rev(struct cd_fleet *f, json_t *kv, char *name, size_t len, json_t **doc)
{
	char *key = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL), *val;
	const char *nm = key != NULL ? rev_name_of(f, key) : NULL;
	size_t n = 0;

	*doc = NULL;
	if (nm == NULL) {
		free(key);
		return -1;
	}
	snprintf(name, len, "%s", nm);
	free(key);
	if ((val = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &n)) != NULL) {
		*doc = json_loadb(val, n, JSON_REJECT_DUPLICATES, NULL);
		free(val);
	}
	return 0;
}

/* KIND and NAME of a key of @scope (raw), of a kind of that scope; -1: none. */
static int
parse_key(struct cd_fleet *f, int scope, const char *key, char *name, size_t len)
{
	size_t pl = strlen(f->scope[scope]);
	const char *rest = key + pl, *sl;
	char kind[64];
	int k;

	if (strncmp(key, f->scope[scope], pl) != 0 || (sl = strchr(rest, '/')) == NULL ||
	    (size_t)(sl - rest) >= sizeof(kind) || strchr(sl + 1, '/') != NULL)
		return -1;
	snprintf(kind, sizeof(kind), "%.*s", (int)(sl - rest), rest);
	if ((k = cd_kind_of(kind)) < 0 || cd_kind_per_site(k) != (scope == 1) ||
	    !store_name_ok(sl + 1) || strlen(sl + 1) >= len)
		return -1;
	snprintf(name, len, "%s", sl + 1);
	return k;
}

/* One kv of etcd's: its kind, name, document (new; NULL: not JSON) into @out. */
static int
kv_parse(struct cd_fleet *f, int scope, json_t *kv, char *name, size_t len, json_t **doc)
{
	char *key = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL), *val;
	int k = key != NULL ? parse_key(f, scope, key, name, len) : -1;
	size_t n = 0;

	free(key);
	*doc = NULL;
	if (k < 0)
		return -1;
	if ((val = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &n)) != NULL) {
		*doc = json_loadb(val, n, JSON_REJECT_DUPLICATES, NULL);
		free(val);
	}
	return k;
}

/* ------------------------------------------------------------ reading and watching */

static void resync(struct cd_fleet *f);

static void
watches_stop(struct cd_fleet *f)
{
	for (int i = 0; i < SCOPES; i++) {
		cd_etcd_watch_cancel(f->watch[i]);
		f->watch[i] = NULL;
	}
}

static void
on_watch(void *arg, int rc, json_t *res, int scope)
{
	struct cd_fleet *f = arg;
	json_t *ev;
	size_t i;
	int changed = 0;

	if (rc < 0 || json_is_true(json_object_get(res, "canceled"))) {
		int64_t comp = cd_etcd_num(json_object_get(res, "compact_revision"));

		if (rc < 0)
			f->watch[scope] = NULL;
		f->lost++;
		CD_LOG(WARN, "fleet store: the watch ended (%s): reading everything again",
		       comp > 0 ? "compacted past it" : rc < 0 ? strerror(-rc) : "canceled");
		watches_stop(f);
		set_state(f, SYNCING, comp > 0 ? "the watch was compacted past" : "the watch ended");
		resync(f);
		return;
	}
	json_array_foreach(json_object_get(res, "events"), i, ev) {
		json_t *kv = json_object_get(ev, "kv"), *doc;
		char name[STORE_NAME_MAX + 1];
		int64_t mod = cd_etcd_num(json_object_get(kv, "mod_revision"));
		int k = kv_parse(f, scope, kv, name, sizeof(name), &doc);
		bool del = json_string_value(json_object_get(ev, "type")) != NULL &&
			   strcmp(json_string_value(json_object_get(ev, "type")), "DELETE") == 0;

		if (mod > f->rev)
			f->rev = mod;
		if (k < 0)
			continue;
		if (!del && doc == NULL)
			CD_LOG(ERR, "fleet store: %s/%s at revision %lld is not JSON: left out",
			       cd_kind_name(k), name, (long long)mod);
		else
			changed += cd_rstore_put(f->rs, k, name, del ? NULL : doc, mod,
						  cd_etcd_num(json_object_get(kv, "create_revision")));
		json_decref(doc);
	}
	if (cd_etcd_num(json_object_get(json_object_get(res, "header"), "revision")) > f->rev)
		f->rev = cd_etcd_num(json_object_get(json_object_get(res, "header"), "revision"));
	info(f);
	if (changed > 0)
		f->kick(f->kick_arg);
}

/* The history's watch: revisions made, their results, those pushed out. */
static void
on_watch_hist(void *arg, int rc, json_t *res)
{
	struct cd_fleet *f = arg;
	json_t *ev;
	size_t i;

	if (rc < 0 || json_is_true(json_object_get(res, "canceled"))) {
		on_watch(arg, rc, res, HISTORY);
		return;
	}
	json_array_foreach(json_object_get(res, "events"), i, ev) {
		json_t *kv = json_object_get(ev, "kv"), *doc;
		char name[CD_REV_NAME_LEN];
		int64_t mod = cd_etcd_num(json_object_get(kv, "mod_revision"));
		bool del = json_string_value(json_object_get(ev, "type")) != NULL &&
			   strcmp(json_string_value(json_object_get(ev, "type")), "DELETE") == 0;

		if (mod > f->rev)
			f->rev = mod;
		if (kv_rev(f, kv, name, sizeof(name), &doc) < 0)
			continue;
		if (!del && doc == NULL)
			CD_LOG(ERR, "fleet store: revision %s at %lld is not JSON: left out of the history", name,
			       (long long)mod);
		cd_rstore_revision(f->rs, name, cd_etcd_num(json_object_get(kv, "create_revision")), mod,
				   del || doc == NULL ? NULL : doc);
		json_decref(doc);
	}
	info(f);
}

static void
on_watch0(void *arg, int rc, json_t *res)
{
	on_watch(arg, rc, res, 0);
}

static void
on_watch1(void *arg, int rc, json_t *res)
{
	on_watch(arg, rc, res, 1);
}

static void read_scope(struct cd_fleet *f, int scope);

/* A full read's part, @scope's range, in f->read. */
static void
on_read(struct cd_fleet *f, int scope, int rc, json_t *answer)
{
	json_t *kv, *doc;
	size_t i;
	int changed;

	f->reading = NULL;
	if (rc < 0) {
		set_state(f, rc == -EPROTO && cd_etcd_num(json_object_get(answer, "code")) == 11 ?
			  SYNCING : UNREACHABLE, why(f, rc, answer));
		json_decref(f->read);
		json_decref(f->read_hist);
		f->read = f->read_hist = NULL;
		return;	/* the probe starts it again */
	}
	if (scope == 0)
		f->read_rev = cd_etcd_num(json_object_get(json_object_get(answer, "header"), "revision"));
	json_array_foreach(json_object_get(answer, "kvs"), i, kv) {
		char name[STORE_NAME_MAX + 1];
		int k = scope == HISTORY ? kv_rev(f, kv, name, sizeof(name), &doc) :
			kv_parse(f, scope, kv, name, sizeof(name), &doc);
		json_t *o;

		if (k < 0)
			continue;
		if (scope == HISTORY) {
			/* not JSON: as if absent (cd_rev says what else is not a revision) */
			if (doc == NULL)
				CD_LOG(ERR, "fleet store: revision %s is not JSON: left out of the history", name);
			else
				json_object_set_new(f->read_hist, name, json_pack("{s:o,s:I,s:I}", "doc", doc,
					"rev", (json_int_t)cd_etcd_num(json_object_get(kv, "mod_revision")), "created",
					(json_int_t)cd_etcd_num(json_object_get(kv, "create_revision"))));
			continue;
		}
		if (doc == NULL) {
			CD_LOG(ERR, "fleet store: %s/%s is not JSON: left out", cd_kind_name(k), name);
			continue;
		}
		if ((o = json_object_get(f->read, cd_kind_name(k))) == NULL) {
			json_object_set_new(f->read, cd_kind_name(k), json_object());
			o = json_object_get(f->read, cd_kind_name(k));
		}
		json_object_set_new(o, name, json_pack("{s:o,s:I,s:I}", "doc", doc, "rev",
			(json_int_t)cd_etcd_num(json_object_get(kv, "mod_revision")), "created",
			(json_int_t)cd_etcd_num(json_object_get(kv, "create_revision"))));
	}
	if (scope + 1 < SCOPES) {
		read_scope(f, scope + 1);
		return;
	}
	changed = cd_rstore_reset(f->rs, f->read, f->read_rev);
	cd_rstore_revisions_reset(f->rs, f->read_hist, f->read_rev);
	json_decref(f->read);
	json_decref(f->read_hist);
	f->read = f->read_hist = NULL;
	if (f->read_rev > f->rev)
		f->rev = f->read_rev;
	f->resyncs++;
	if ((f->watch[0] = cd_etcd_watch(f->etcd, f->scope[0], f->scope_end[0], f->read_rev + 1,
					 on_watch0, f)) == NULL ||
	    (f->watch[1] = cd_etcd_watch(f->etcd, f->scope[1], f->scope_end[1], f->read_rev + 1,
					 on_watch1, f)) == NULL ||
	    (f->watch[HISTORY] = cd_etcd_watch(f->etcd, f->scope[HISTORY], f->scope_end[HISTORY],
					       f->read_rev + 1, on_watch_hist, f)) == NULL) {
		watches_stop(f);
		set_state(f, SYNCING, "out of memory");
	} else {
		set_state(f, SYNCED, NULL);
	}
	if (changed > 0)
		f->kick(f->kick_arg);
}

static void
on_read0(void *arg, int rc, json_t *answer)
{
	on_read(arg, 0, rc, answer);
}

static void
on_read1(void *arg, int rc, json_t *answer)
{
	on_read(arg, 1, rc, answer);
}

static void
on_read_hist(void *arg, int rc, json_t *answer)
{
	on_read(arg, HISTORY, rc, answer);
}

static void
read_scope(struct cd_fleet *f, int scope)
{
	json_t *req = json_pack("{s:o,s:o}", "key", cd_etcd_b64j(f->scope[scope]), "range_end",
				cd_etcd_b64j(f->scope_end[scope]));

	/* the site's own and the history at the revision the shared ones were read at: one picture */
	if (scope > 0)
		json_object_set_new(req, "revision", json_sprintf("%lld", (long long)f->read_rev));
	f->reading = cd_etcd_call(f->etcd, "kv/range", req, true, scope == HISTORY ? on_read_hist :
				  scope ? on_read1 : on_read0, f);
	json_decref(req);
	if (f->reading == NULL)
		set_state(f, SYNCING, "out of memory");
}

/* Everything read again, then watched from there. */
static void
resync(struct cd_fleet *f)
{
	if (f->reading != NULL)
		return;
	watches_stop(f);
	json_decref(f->read);
	json_decref(f->read_hist);
	f->read = json_object();
	f->read_hist = json_object();
	read_scope(f, 0);
}

/* ------------------------------------------------------------ the probe */

static void
on_probe(void *arg, int rc, json_t *answer)
{
	struct cd_fleet *f = arg;

	f->probing = NULL;
	if (rc < 0) {
		/* a watch on a member cut off says nothing: it is read again once one answers */
		watches_stop(f);
		set_state(f, UNREACHABLE, why(f, rc, answer));
		return;
	}
	if (f->state != SYNCED || f->watch[0] == NULL || f->watch[1] == NULL || f->watch[HISTORY] == NULL) {
		if (f->state == UNREACHABLE)
			set_state(f, SYNCING, "reading everything again");
		resync(f);
	}
}

static void
probe(evutil_socket_t fd, short what, void *arg)
{
	struct cd_fleet *f = arg;
	bool lost = f->state == UNREACHABLE;
	unsigned int ms = lost ? LOST_PROBE_MS : PROBE_MS;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	json_t *req;

	(void)fd;
	(void)what;
	if (f->probing == NULL && f->reading == NULL) {
		req = json_pack("{s:o,s:b}", "key", cd_etcd_b64j(f->prefix), "count_only", 1);
		/* each call its own connection: a fresh SYN, not one the kernel backs off */
		f->probing = cd_etcd_call_within(f->etcd, "kv/range", req, true,
						 lost ? LOST_CALL_MS : f->call_ms, on_probe, f);
		json_decref(req);
	}
	evtimer_add(f->probe, &tv);
}

/* ------------------------------------------------------------ writes */

/* The revision @rec (none: nothing) as the op at @op: put as new. 1, 0
 * (none) or -ENOMEM. */
static int
rev_op(struct cd_fleet *f, const struct cd_rev_rec *rec, struct cd_cas_op *op)
{
	if (rec == NULL || rec->doc == NULL)
		return 0;
	*op = (struct cd_cas_op){ .rev = 0 };
	if ((op->key = rev_key(f, rec->name)) == NULL || (op->val = json_dumps(rec->doc, JSON_COMPACT)) == NULL)
		return -ENOMEM;
	return 1;
}

static void
pruned(void *arg, int rc, json_int_t rev)
{
	(void)arg;
	(void)rev;
	if (rc < 0)	/* the next write's prune deletes them again */
		CD_LOG(WARN, "fleet store: the oldest revisions not deleted: %s", strerror(-rc));
}

/*
 * The revisions @rec pushed out, deleted whatever their revision (another
 * box may have deleted them): a txn of their own once the change is
 * stored, so that the change's takes one op more than its intents (etcd's
 * --max-txn-ops) and a lost prune costs a longer history until the next.
 */
static void
prune(void *ctx, const struct cd_rev_rec *rec)
{
	struct cd_fleet *f = ctx;
	enum { AT_ONCE = 128 };	/* etcd's default --max-txn-ops */
	struct cd_cas_op ops[AT_ONCE];

	for (size_t i = 0; i < rec->nout; i += AT_ONCE) {
		size_t n = rec->nout - i < AT_ONCE ? rec->nout - i : AT_ONCE, k;
		int rc = 0;

		for (k = 0; k < n && rc == 0; k++) {
			ops[k] = (struct cd_cas_op){ .key = rev_key(f, rec->out[i + k]), .rev = CD_CAS_ANY };
			if (ops[k].key == NULL)
				rc = -ENOMEM;
		}
		if (rc < 0 || cd_cas_txn(f->base, f->etcd, ops, n, pruned, NULL) < 0)
			CD_LOG(WARN, "fleet store: the oldest revisions not deleted: out of memory");
		while (k-- > 0)
			free((char *)ops[k].key);
	}
}

static void
ops_free(struct cd_cas_op *ops, size_t n)
{
	for (size_t j = 0; ops != NULL && j < n; j++) {
		free((char *)ops[j].key);
		free((char *)ops[j].val);
	}
	free(ops);
}

static void
commit(void *ctx, const struct cd_change *ch, const json_int_t *revs, size_t n,
       const struct cd_rev_rec *rec, cd_rstore_done *done, void *arg)
{
	struct cd_fleet *f = ctx;
	struct cd_cas_op *ops = calloc(n + 2, sizeof(*ops));
	int rc = ops == NULL ? -ENOMEM : 0, r = 0;
	size_t i;

	for (i = 0; i < n && rc == 0; i++) {
		ops[i].rev = revs[i];
		if ((ops[i].key = key_of(f, ch[i].kind, ch[i].name)) == NULL ||
		    (ch[i].doc != NULL && (ops[i].val = json_dumps(ch[i].doc, JSON_COMPACT)) == NULL))
			rc = -ENOMEM;
	}
	if (rc == 0 && (r = rev_op(f, rec, &ops[n])) < 0)
		rc = -ENOMEM;
	if (rc == 0)	/* cd_cas_done has cd_rstore_done's shape: handed on as it is */
		rc = cd_cas_txn(f->base, f->etcd, ops, n + (size_t)r, done, arg);
	ops_free(ops, n + 1);
	if (rc < 0)
		done(arg, rc, 0);
}

static void
result_done(void *arg, int rc, json_int_t rev)
{
	(void)rev;
	if (rc < 0 && rc != -ESTALE)	/* -ESTALE: pushed out meanwhile */
		CD_LOG(WARN, "fleet store: revision %s's result not stored: %s", (char *)arg, strerror(-rc));
	free(arg);
}

/* A revision's result, into it if it is as written at @at. */
static void
result(void *ctx, const char *name, json_int_t at, json_t *doc)
{
	struct cd_fleet *f = ctx;
	json_t *d = json_deep_copy(doc);
	struct cd_cas_op op = { .key = rev_key(f, name), .rev = at };
	char *nm = strdup(name);

	/* stored as written: the store numbers it */
	json_object_del(d, "revision");
	for (size_t i = 0; i < json_array_size(json_object_get(d, "changes")); i++)
		json_object_del(json_array_get(json_object_get(d, "changes"), i), "generation");
	op.val = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	if (op.key == NULL || op.val == NULL || nm == NULL ||
	    cd_cas_txn(f->base, f->etcd, &op, 1, result_done, nm) < 0) {
		CD_LOG(WARN, "fleet store: revision %s's result not stored: out of memory", name);
		free(nm);
	}
	free((char *)op.key);
	free((char *)op.val);
	json_decref(d);
}

/* ------------------------------------------------------------ setup */

int
cd_fleet_new(struct event_base *base, const char *url, const char *site,
	     const struct cd_fleet_opts *opts, struct cd_res *res, void (*kick)(void *arg), void *arg,
	     struct cd_fleet **out, char *err, size_t errlen)
{
	const char *rest = url + strlen(CD_FLEET_SCHEME), *sl = strchr(rest, '/');
	struct cd_fleet *f;
	int rc;

	if (!cd_fleet_url(url) || sl == NULL || sl == rest || sl[1] == '\0' ||
	    (size_t)(sl - rest) >= sizeof(f->endpoints) || strlen(sl) >= sizeof(f->prefix) - 2) {
		snprintf(err, errlen, "a shared store is etcd://HOST:PORT[,HOST:PORT...]/PREFIX");
		return -EINVAL;
	}
	for (const char *p = sl + 1; *p != '\0'; p++)
		if (!(*p == '/' || *p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			snprintf(err, errlen, "the prefix is of [A-Za-z0-9/_.-]");
			return -EINVAL;
		}
	if (site == NULL || !store_name_ok(site)) {
		snprintf(err, errlen, "a box on a shared store needs --site NAME (1..63 of [A-Za-z0-9_.-])");
		return -EINVAL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->base = base;
	f->res = res;
	f->kick = kick;
	f->kick_arg = arg;
	snprintf(f->endpoints, sizeof(f->endpoints), "%.*s", (int)(sl - rest), rest);
	/* "/fleet1/": every key under it; a trailing '/' of the URL's is not doubled */
	snprintf(f->prefix, sizeof(f->prefix), "%s%s", sl, sl[strlen(sl) - 1] == '/' ? "" : "/");
	snprintf(f->site, sizeof(f->site), "%s", site);
	f->call_ms = opts && opts->call_ms ? opts->call_ms : CD_FLEET_CALL_MS;
	if ((rc = cd_etcd_new(base, f->endpoints, f->call_ms, &f->etcd, err, errlen)) < 0) {
		free(f);
		return rc;
	}
	if (opts != NULL && (opts->ca || opts->cert || opts->key) &&
	    (rc = cd_etcd_set_tls(f->etcd, opts->ca, opts->cert, opts->key, err, errlen)) < 0) {
		cd_etcd_free(f->etcd);
		free(f);
		return rc;
	}
	if (asprintf(&f->scope[0], "%sintents/", f->prefix) < 0 ||
	    asprintf(&f->scope[1], "%ssites/%s/intents/", f->prefix, site) < 0 ||
	    asprintf(&f->scope[HISTORY], "%srevisions/", f->prefix) < 0 ||
	    (f->scope_end[0] = cd_etcd_prefix_end(f->scope[0])) == NULL ||
	    (f->scope_end[1] = cd_etcd_prefix_end(f->scope[1])) == NULL ||
	    (f->scope_end[HISTORY] = cd_etcd_prefix_end(f->scope[HISTORY])) == NULL ||
	    (f->probe = evtimer_new(base, probe, f)) == NULL ||
	    cd_rstore_new(res, site, &(struct cd_rstore_ops){ .write = commit, .kept = prune, .result = result,
							      .ctx = f }, &f->rs) < 0) {
		cd_fleet_free(f);
		return -ENOMEM;
	}
	set_state(f, SYNCING, "reading the store");
	resync(f);
	probe(-1, 0, f);
	*out = f;
	return 0;
}

struct cd_etcd *
cd_fleet_etcd(struct cd_fleet *f)
{
	return f->etcd;
}

const char *
cd_fleet_prefix(const struct cd_fleet *f)
{
	return f->prefix;
}

const char *
cd_fleet_site(const struct cd_fleet *f)
{
	return f->site;
}

const char *
cd_fleet_state(const struct cd_fleet *f)
{
	return state_name[f->state];
}

long long
cd_fleet_revision(const struct cd_fleet *f)
{
	return (long long)f->rev;
}

void
cd_fleet_quiesce(struct cd_fleet *f)
{
	if (f == NULL)
		return;
	watches_stop(f);
	cd_etcd_cancel(f->probing);
	cd_etcd_cancel(f->reading);
	f->probing = f->reading = NULL;
	if (f->probe != NULL)
		event_del(f->probe);
}

void
cd_fleet_free(struct cd_fleet *f)
{
	if (f == NULL)
		return;
	watches_stop(f);
	cd_etcd_cancel(f->probing);
	cd_etcd_cancel(f->reading);
	cd_etcd_free(f->etcd);
	if (f->probe != NULL)
		event_free(f->probe);
	json_decref(f->read);
	json_decref(f->read_hist);
	cd_rstore_free(f->rs);
	for (int i = 0; i < SCOPES; i++) {
		free(f->scope[i]);
		free(f->scope_end[i]);
	}
	free(f);
}

/* ------------------------------------------------------------ another site's intents */

struct site_op {
	struct cd_fleet *f;
	char site[STORE_NAME_MAX + 1], name[STORE_NAME_MAX + 1];
	int kind;
	bool list, create_only, withdraw;
	json_t *spec;			/* the new one (NULL: withdrawn) */
	json_int_t expected;
	char *key;
	json_int_t rev, created;	/* what the read found (0: absent) */
	json_t *doc;			/* ... and its document */
	char by[64], from[64], route[160];	/* who asks: the revision's */
	struct cd_rev_rec rec;		/* the revision recording it */
	cd_fleet_site_done *done;
	void *arg;
};

static json_t *
err_body(int code, const char *reason, const char *msg)
{
	return json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "reason", reason, "message", msg);
}

static void
site_op_end(struct site_op *o, int code, json_t *body)
{
	o->done(o->arg, code, body);
	cd_rev_rec_clear(&o->rec);
	json_decref(o->spec);
	json_decref(o->doc);
	free(o->key);
	free(o);
}

static void
store_err(struct site_op *o, int rc, json_t *answer)
{
	if (rc == -EIO || rc == -ETIMEDOUT)
		site_op_end(o, 503, err_body(503, "store_unknown", "the fleet's store did not answer: "
					     "the change may or may not be stored (read it again)"));
	else if (rc == -ENOSPC)
		site_op_end(o, 507, err_body(507, "store_full", "the fleet's store is out of room: "
					     "nothing changed"));
	else if (rc == -EINVAL)
		site_op_end(o, 413, err_body(413, "too_large", "the fleet's store refused the "
					     "change as too large: nothing changed"));
	else
		site_op_end(o, 503, err_body(503, "store_unreachable", rc == -ENOTCONN ?
					     "the fleet's store is unreachable: nothing changed" :
					     why(o->f, rc, answer)));
}

/* A kv of the site's as the API shows an intent; its status what the
 * site's box last reported (@report, NULL: none). */
static json_t *
site_doc(const char *site, int kind, const char *name, json_t *doc, json_int_t rev,
	 json_int_t created, json_t *report)
{
	char who[2 * STORE_NAME_MAX + 2];
	json_t *d = json_is_object(doc) ? json_deep_copy(doc) : json_object(), *meta, *in;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(kind), name);
	if (!json_is_object(json_object_get(d, "metadata")))
		json_object_set_new(d, "metadata", json_object());
	meta = json_object_get(d, "metadata");
	json_object_set_new(d, "kind", json_string(cd_kind_name(kind)));
	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "site", json_string(site));
	json_object_set_new(meta, "generation", json_integer(rev));
	json_object_set_new(meta, "serial", json_integer(created));
	in = json_object_get(json_object_get(report, "intents"), who);
	if (in != NULL && json_integer_value(json_object_get(in, "generation")) == rev)
		json_object_set_new(d, "status", json_pack("{s:O}", "phase", json_object_get(in, "phase")));
	else
		json_object_set_new(d, "status", json_pack("{s:s,s:s}", "phase", "Pending", "waiting",
							   "the site's box"));
	return d;
}

static json_t *
kv_doc(json_t *kv)
{
	char *val = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", NULL);
	json_t *d = val ? json_loads(val, JSON_REJECT_DUPLICATES, NULL) : NULL;

	free(val);
	return d;
}

static void on_site_txn(void *arg, int rc, json_int_t rev);

/* The revision recording the site op's change of @before (borrowed; NULL: none). */
static int
record(struct site_op *o, json_t *before)
{
	struct cd_change ch = { .kind = o->kind, .doc = o->doc,
				.action = o->withdraw ? "withdrawn" : before != NULL ? "replaced" : "created" };
	struct cd_rev_who who = { .by = o->by, .from = o->from, .route = o->route, .site = o->site };

	snprintf(ch.name, sizeof(ch.name), "%s", o->name);
	return cd_rev_record(cd_res_history(o->f->res), &ch, &before, 1, &who, &o->rec);
}

/* The read: [the key (or the kind's range), the site's box report] at one revision. */
static void
on_site_read(void *arg, int rc, json_t *answer)
{
	struct site_op *o = arg;
	json_t *rs = json_object_get(answer, "responses"), *kvs, *rep, *report = NULL, *kv, *out, *before;
	struct cd_cas_op ops[2] = { 0 };
	char now[32], *val;
	size_t i;
	int n;

	if (rc < 0) {
		store_err(o, rc, answer);
		return;
	}
	kvs = json_object_get(json_object_get(json_array_get(rs, 0), "response_range"), "kvs");
	rep = json_object_get(json_object_get(json_array_get(rs, 1), "response_range"), "kvs");
	if (json_array_size(rep) > 0)
		report = kv_doc(json_array_get(rep, 0));
	if (o->list) {
		size_t pl = strlen(o->key);

		out = json_array();
		json_array_foreach(kvs, i, kv) {
			char *key = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL);
			json_t *d = kv_doc(kv);

			if (key != NULL && strlen(key) > pl && store_name_ok(key + pl))
				json_array_append_new(out, site_doc(o->site, o->kind, key + pl, d,
					cd_etcd_num(json_object_get(kv, "mod_revision")),
					cd_etcd_num(json_object_get(kv, "create_revision")), report));
			json_decref(d);
			free(key);
		}
		json_decref(report);
		site_op_end(o, 200, json_pack("{s:o}", "items", out));
		return;
	}
	if ((kv = json_array_get(kvs, 0)) != NULL) {
		o->rev = cd_etcd_num(json_object_get(kv, "mod_revision"));
		o->created = cd_etcd_num(json_object_get(kv, "create_revision"));
		o->doc = kv_doc(kv);
	}
	if (o->spec == NULL && !o->withdraw) {	/* a GET */
		out = kv ? site_doc(o->site, o->kind, o->name, o->doc, o->rev, o->created, report) : NULL;
		json_decref(report);
		if (out == NULL)
			site_op_end(o, 404, err_body(404, "not_found", "no such intent at that site"));
		else
			site_op_end(o, 200, out);
		return;
	}
	json_decref(report);
	if (o->withdraw && kv == NULL) {
		site_op_end(o, 404, err_body(404, "not_found", "no such intent at that site"));
		return;
	}
	if (o->create_only && kv != NULL) {
		site_op_end(o, 409, err_body(409, "exists", "it exists (PUT replaces it)"));
		return;
	}
	if (o->expected >= 0 && o->expected != o->rev) {
		site_op_end(o, 409, err_body(409, "stale_generation", "its revision is not the one "
					     "expected: nothing changed (read it again, then write)"));
		return;
	}
	if (!o->withdraw && kv != NULL && json_equal(json_object_get(o->doc, "spec"), o->spec)) {
		out = site_doc(o->site, o->kind, o->name, o->doc, o->rev, o->created, NULL);
		json_object_del(out, "status");
		json_object_set_new(out, "action", json_string("unchanged"));
		site_op_end(o, 200, out);
		return;
	}
	cd_res_now(now, sizeof(now));
	before = o->doc;
	o->doc = NULL;
	if (!o->withdraw) {
		const char *cr = json_string_value(json_object_get(json_object_get(before, "metadata"),
								   "created"));

		o->doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:O}", "kind", cd_kind_name(o->kind), "metadata", "name",
				   o->name, "created", cr ? cr : now, "updated", now, "spec", o->spec);
	}
	n = record(o, before);
	json_decref(before);
	val = o->withdraw ? NULL : json_dumps(o->doc, JSON_COMPACT);
	ops[0] = (struct cd_cas_op){ .key = o->key, .val = val, .rev = o->rev };
	if (n >= 0)
		n = rev_op(o->f, &o->rec, &ops[1]);
	if (n < 0 || (!o->withdraw && val == NULL) ||
	    cd_cas_txn(o->f->base, o->f->etcd, ops, 1 + (size_t)n, on_site_txn, o) < 0)
		site_op_end(o, 500, err_body(500, "no_memory", "out of memory"));
	free(val);
	free((char *)ops[1].key);
	free((char *)ops[1].val);
}

static void
on_site_txn(void *arg, int rc, json_int_t rev)
{
	struct site_op *o = arg;
	json_t *out;

	if (rc == -ESTALE) {
		site_op_end(o, 409, err_body(409, "stale_generation", "another writer changed it "
					     "meanwhile: nothing changed (read it again, then write)"));
		return;
	}
	if (rc < 0) {
		store_err(o, rc, NULL);
		return;
	}
	if (o->rec.doc != NULL) {
		prune(o->f, &o->rec);
		cd_rev_kept(cd_res_history(o->f->res), &o->rec, rev);
	}
	if (o->withdraw) {
		site_op_end(o, 200, json_pack("{s:s,s:{s:s,s:s},s:s,s:{s:s}}", "kind",
			    cd_kind_name(o->kind), "metadata", "name", o->name, "site", o->site,
			    "action", "withdrawn", "status", "phase", "Withdrawing"));
		return;
	}
	out = site_doc(o->site, o->kind, o->name, o->doc, rev, o->created ? o->created : rev, NULL);
	json_object_set_new(out, "action", json_string(o->rev ? "replaced" : "created"));
	site_op_end(o, o->rev ? 200 : 201, out);
}

static void
site_op(struct cd_fleet *f, const char *site, int kind, const char *name, json_t *spec,
	json_int_t expected, bool create_only, bool withdraw, const struct cd_rev_who *who,
	cd_fleet_site_done *done, void *arg)
{
	struct site_op *o = calloc(1, sizeof(*o));
	char *rep = NULL, *end = NULL;
	json_t *txn;

	if (o == NULL) {
		done(arg, 500, err_body(500, "no_memory", "out of memory"));
		return;
	}
	*o = (struct site_op){ .f = f, .kind = kind, .list = name == NULL, .create_only = create_only,
			       .withdraw = withdraw, .spec = json_incref(spec), .expected = expected,
			       .done = done, .arg = arg };
	snprintf(o->site, sizeof(o->site), "%s", site);
	snprintf(o->name, sizeof(o->name), "%s", name ? name : "");
	if (who != NULL) {
		snprintf(o->by, sizeof(o->by), "%s", who->by ? who->by : "-");
		snprintf(o->from, sizeof(o->from), "%s", who->from ? who->from : "-");
		snprintf(o->route, sizeof(o->route), "%s", who->route ? who->route : "-");
	}
	if (asprintf(&o->key, "%ssites/%s/intents/%s/%s", f->prefix, site, cd_kind_name(kind),
		     name ? name : "") < 0 || asprintf(&rep, "%sboxes/%s", f->prefix, site) < 0 ||
	    (end = cd_etcd_prefix_end(o->key)) == NULL) {
		free(rep);
		site_op_end(o, 500, err_body(500, "no_memory", "out of memory"));
		return;
	}
	txn = json_pack("{s:[],s:[{s:{s:o,s:o*}},{s:{s:o}}]}", "compare", "success",
			"request_range", "key", cd_etcd_b64j(o->key), "range_end", o->list ? cd_etcd_b64j(end) : NULL,
			"request_range", "key", cd_etcd_b64j(rep));
	free(rep);
	free(end);
	if (txn == NULL || cd_etcd_call(f->etcd, "kv/txn", txn, true, on_site_read, o) == NULL)
		site_op_end(o, 500, err_body(500, "no_memory", "out of memory"));
	json_decref(txn);
}

void
cd_fleet_site_get(void *f, const char *site, int kind, const char *name, cd_fleet_site_done *done,
		  void *arg)
{
	site_op(f, site, kind, name, NULL, -1, false, false, NULL, done, arg);
}

void
cd_fleet_site_change(void *f, const char *site, int kind, const char *name, json_t *spec,
		     json_int_t expected, bool create_only, const struct cd_rev_who *who,
		     cd_fleet_site_done *done, void *arg)
{
	site_op(f, site, kind, name, spec, expected, create_only, spec == NULL, who, done, arg);
}
