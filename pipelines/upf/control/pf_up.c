/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_up: PFCP sessions into sxdp's UPF tables, in batches, answered once applied (pf_up.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_claim.h"
#include "cd_log.h"
#include "cd_res.h"
#include "cd_svc.h"
#include "cd_sync.h"
#include "cd_tables.h"
#include "cd_vis.h"
#include "ctl_async.h"
#include "pf_alloc.h"
#include "pf_map.h"
#include "pf_node.h"
#include "pf_save.h"
#include "pf_sess.h"
#include "pf_store.h"
#include "pf_up.h"
#include "pf_upf.h"
#include "pf_usage.h"
#include "qos_names.h"
#include "up_ids.h"
#include "up_names.h"

#define BATCH_MAX	4096	/* updates in one table.write (sxdp takes 65,536) */
#define WAIT_SXDP_MS	2000	/* a request waits this long for sxdp's tables, then System failure */
#define MSG_MAX		8192	/* an answer's bytes */
#define EVENTS_MS	20	/* sxdp's UPF events read this often while sessions are */
#define TICK_MS		1000	/* time-based usage reports checked this often */
#define READ_MAX	1024	/* counters in one upf.usage */
#define NTP_OFFSET	2208988800u

/* ------------------------------------------------------------ state */

/* A UPF as its sessions were compiled with it (shared, counted). */
struct snap {
	struct pf_upf u;
	unsigned int refs;
	struct snap *next;
};


/* One PFCP session. */
struct us {
	uint64_t seid;			/* ours */
	uint32_t sess_id;		/* sxdp's */
	struct pf_assoc *assoc;
	json_t *owner;			/* "pfcp/NODE/SEID" */
	struct pf_session *s;
	struct snap *upf;
	struct pf_rid *cnt, *met;
	uint16_t *shared;		/* peer and app ids it holds */
	uint8_t n_cnt, n_met, n_shared, n_shared_app;	/* peers first, then apps */
	struct op *waiting;		/* its requests behind the one under way */
	bool busy;			/* one of its requests is under way */
	bool shared_put;		/* its shared entries let go by the request under way */
	char *upf_name;			/* loaded from the journal: its UPF, found once sxdp is seen */
	struct pf_usage use;		/* its URRs' measurement */
};

enum op_kind { OP_EST, OP_MOD, OP_DEL, OP_RESTORE, OP_REARM };

/* What a compile took: the session's ids after it. */
struct took {
	struct pf_rid cnt[PF_SESS_PDR_MAX], met[PF_SESS_QER_MAX * 2];
	uint16_t shared[PF_SESS_FAR_MAX + PF_SESS_PDR_MAX * (PF_SESS_SDF_MAX + 1)];
	int n_cnt, n_met, n_peer, n_app;
	uint16_t apps[PF_SESS_PDR_MAX * (PF_SESS_SDF_MAX + 1)];
	json_t *made;			/* shared entries' inserts it made */
};

/* An answer waiting for the journal's sync. */
struct outmsg {
	struct outmsg *next;
	struct pf_txn *t;
	size_t len;
	uint8_t b[];
};

/* One request under way (or our own work: a session restored into a new sxdp). */
struct op {
	struct op *next;		/* the queue */
	enum op_kind kind;
	struct pf_txn *t;		/* NULL: ours */
	struct pf_assoc *assoc;
	struct us *us;
	uint8_t *raw;			/* a request that waited behind another of its session */
	size_t raw_len;
	struct pf_session *next_s;	/* the session after it */
	struct pf_mod mod;
	struct took took;
	json_t *ups;			/* its writes */
	json_t *claims;			/* [[table, key]] it took */
	json_t *unclaims;		/* [[table, key]] it gives back once applied */
	bool alone;			/* written in a batch of its own */
	bool read;			/* its counters to read once applied (its usage) */
	struct {
		uint16_t peer;		/* pinned until the end marker is asked for */
		uint32_t teid;
	} em[PF_SESS_FAR_MAX];		/* end markers into old tunnels (SNDEM) */
	int n_em;
	uint64_t since;			/* ms */
};

struct pf_up {
	struct pf_node *node;
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	struct ctl_async *ctl;
	const struct cd_tables *tables;	/* NULL: sxdp away */
	char boot_id[64];
	struct pf_upfs upfs;
	struct snap *snaps;
	struct pf_shared *shared;
	struct pf_ids sess_ids, meters, counters;
	bool counters_ready;
	uint64_t *ctr_bytes;		/* counters' bytes as last read, by id - counters.lo */
	struct op *reading;		/* applied, their counters being read */
	uint64_t ev_after;		/* sxdp's UPF events read up to */
	bool ev_busy, ev_known;
	struct event *ev_timer, *tick, *flush, *restore;
	struct pf_store *store;		/* the sessions' journal (NULL: none) */
	struct outmsg *out, **out_tail;
	char stored_boot[64];		/* the sxdp the journal's sessions were in */
	bool restoring;			/* sessions loaded, not yet claimed and counted */
	size_t restore_at;		/* the next slot of the table to restore */
	uint32_t teid_next[2];		/* N3, N9 */
	/* sessions by SEID: open addressing, linear probing */
	struct us **tab;
	size_t cap, n;
	json_t *claims;			/* TABLE → KEY → owner */
	struct op *head, *tail;		/* the queue */
	struct op *flight;		/* the batch in flight (chained by next) */
	json_t *flight_gc;		/* its collected shared entries' deletes */
	bool writing;
	struct event *kick, *timer;
	struct pf_msg *scratch;
	struct {
		uint64_t est, mod, del, batches, updates, restored, reports, report_fails, ddn, events_lost;
	} st;
};

static struct pf_up *g_up;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ sessions by SEID */

static size_t
slot_of(const struct pf_up *up, uint64_t seid)
{
	return (size_t)((seid * 0x9e3779b97f4a7c15ull) >> 20) & (up->cap - 1);
}

static struct us *
us_find(const struct pf_up *up, uint64_t seid)
{
	if (up->cap == 0)
		return NULL;
	for (size_t i = slot_of(up, seid);; i = (i + 1) & (up->cap - 1)) {
		if (up->tab[i] == NULL)
			return NULL;
		if (up->tab[i]->seid == seid)
			return up->tab[i];
	}
}

static int us_insert(struct pf_up *up, struct us *u);

static int
tab_grow(struct pf_up *up)
{
	struct us **old = up->tab;
	size_t n = up->cap;

	up->cap = n ? n * 2 : 1024;
	if ((up->tab = calloc(up->cap, sizeof(*up->tab))) == NULL) {
		up->tab = old;
		up->cap = n;
		return -ENOMEM;
	}
	up->n = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL)
			us_insert(up, old[i]);
	free(old);
	return 0;
}

static int
us_insert(struct pf_up *up, struct us *u)
{
	if ((up->n + 1) * 4 > up->cap * 3 && tab_grow(up) < 0)
		return -ENOMEM;
	size_t i = slot_of(up, u->seid);

	while (up->tab[i] != NULL)
		i = (i + 1) & (up->cap - 1);
	up->tab[i] = u;
	up->n++;
	return 0;
}

static void
us_remove(struct pf_up *up, struct us *u)
{
	size_t i = slot_of(up, u->seid), j, k;

	while (up->tab[i] != u) {
		if (up->tab[i] == NULL)
			return;
		i = (i + 1) & (up->cap - 1);
	}
	up->tab[i] = NULL;
	up->n--;
	/* the ones after it in its run move up where their probe allows */
	for (j = (i + 1) & (up->cap - 1); up->tab[j] != NULL; j = (j + 1) & (up->cap - 1)) {
		k = slot_of(up, up->tab[j]->seid);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			up->tab[i] = up->tab[j];
			up->tab[j] = NULL;
			i = j;
		}
	}
}

/* ------------------------------------------------------------ claims */

static const char *
claim_holder(void *arg, const char *table, const char *key)
{
	struct pf_up *up = arg;

	return json_string_value(json_object_get(json_object_get(up->claims, table), key));
}

static void
claim_set(struct pf_up *up, const char *table, const char *key, json_t *owner)
{
	json_t *t = json_object_get(up->claims, table);

	if (t == NULL) {
		json_object_set_new(up->claims, table, json_object());
		t = json_object_get(up->claims, table);
	}
	if (owner != NULL)
		json_object_set(t, key, owner);
	else
		json_object_del(t, key);
}

/* Who else holds @table's @key: an intent (written or about to be), or
 * another session; NULL: nobody. */
static const char *
held_by_other(struct pf_up *up, const char *table, const char *key, json_t *me)
{
	const char *who;

	if ((who = cd_sync_wanted_by(up->sync, table, key)) != NULL)
		return who;
	if (json_object_get(json_object_get(cd_res_state(up->res, "owned"), table), key) != NULL) {
		who = json_string_value(json_object_get(json_object_get(cd_res_state(up->res, "owners"), table), key));
		return who ? who : "an intent";
	}
	who = claim_holder(up, table, key);
	return who != NULL && (me == NULL || strcmp(who, json_string_value(me)) != 0) ? who : NULL;
}

/* ------------------------------------------------------------ snapshots of UPFs */

static struct snap *
snap_of(struct pf_up *up, const struct pf_upf *u)
{
	struct snap *s;

	for (s = up->snaps; s != NULL; s = s->next)
		if (memcmp(&s->u, u, sizeof(*u)) == 0)
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return NULL;
		s->u = *u;
		s->next = up->snaps;
		up->snaps = s;
	}
	s->refs++;
	return s;
}

static void
snap_put(struct pf_up *up, struct snap *s)
{
	struct snap **p;

	if (s == NULL || --s->refs > 0)
		return;
	for (p = &up->snaps; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			free(s);
			return;
		}
}

/* ------------------------------------------------------------ a compile's ids */

static struct pf_rid *
kv_find(struct pf_rid *a, int n, uint32_t key)
{
	for (int i = 0; i < n; i++)
		if (a[i].key == key)
			return &a[i];
	return NULL;
}

struct cctx {
	struct pf_up *up;
	struct us *us;			/* its current ids (lookup, and reused) */
	const struct pf_upf *upf;
	struct took *took;		/* NULL: lookup only */
	const struct pf_session *s;	/* what is compiled */
	json_t *ups;			/* shared inserts made */
};

static uint64_t
ctr_abs(void *arg, uint32_t id)
{
	struct pf_up *up = arg;

	return up->counters_ready && id >= up->counters.lo && id <= up->counters.hi ?
	       up->ctr_bytes[id - up->counters.lo] : 0;
}

/* The counter entry of @pdr in what the compile took, or in the session. */
static struct pf_rid *
ctr_entry(struct cctx *c, uint16_t pdr)
{
	struct pf_rid *k = NULL;

	if (c->took != NULL)
		k = kv_find(c->took->cnt, c->took->n_cnt, pdr);
	else if (c->us != NULL)
		k = kv_find(c->us->cnt, c->us->n_cnt, pdr);
	return k;
}

static uint64_t
id_watch(void *arg, uint16_t pdr)
{
	struct cctx *c = arg;
	struct pf_rid *k = ctr_entry(c, pdr);

	if (k == NULL)
		return 0;
	if (c->took != NULL && c->us != NULL)
		k->thr = pf_usage_watch(&c->us->use, c->s, pdr, ctr_abs, c->up);
	return k->thr;
}

static bool
id_stopped(void *arg, uint16_t pdr)
{
	struct cctx *c = arg;
	struct pf_rid *k = ctr_entry(c, pdr);

	if (k == NULL)
		return false;
	if (c->took != NULL && c->us != NULL)
		k->stopped = pf_usage_stopped(&c->us->use, c->s, pdr);
	return k->stopped;
}

static int
id_counter(void *arg, uint16_t pdr, uint32_t *urr)
{
	struct cctx *c = arg;
	struct pf_rid *k;

	if (c->took != NULL && (k = kv_find(c->took->cnt, c->took->n_cnt, pdr)) != NULL) {
		*urr = k->id;
		return 0;
	}
	if (c->us != NULL && (k = kv_find(c->us->cnt, c->us->n_cnt, pdr)) != NULL) {
		*urr = k->id;
	} else {
		if (c->took == NULL || !c->up->counters_ready)
			return -ENOSPC;
		if (pf_ids_take(&c->up->counters, urr) < 0)
			return -ENOSPC;
	}
	if (c->took != NULL)
		c->took->cnt[c->took->n_cnt++] = (struct pf_rid){ .key = pdr, .id = *urr };
	return 0;
}

static int
id_meter(void *arg, uint32_t qer, bool ul, uint64_t kbps, uint16_t *id)
{
	struct cctx *c = arg;
	uint32_t key = qer << 1 | ul, n;
	struct pf_rid *k;

	(void)kbps;
	if (c->took != NULL && (k = kv_find(c->took->met, c->took->n_met, key)) != NULL) {
		*id = (uint16_t)k->id;
		return 0;
	}
	if (c->us != NULL && (k = kv_find(c->us->met, c->us->n_met, key)) != NULL) {
		n = k->id;
	} else {
		if (c->took == NULL || pf_ids_take(&c->up->meters, &n) < 0)
			return -ENOSPC;
	}
	if (c->took != NULL)
		c->took->met[c->took->n_met++] = (struct pf_rid){ .key = key, .id = n };
	*id = (uint16_t)n;
	return 0;
}

static int
id_peer(void *arg, bool n9, int af, const uint8_t *addr, uint8_t dscp, uint16_t *id)
{
	struct cctx *c = arg;
	int rc;

	if (c->took == NULL)
		return pf_shared_peer_find(c->up->shared, c->upf, n9, af, addr, dscp, id);
	if ((rc = pf_shared_peer(c->up->shared, c->upf, n9, af, addr, dscp, c->upf->underlay, c->ups, id)) < 0)
		return rc;
	c->took->shared[c->took->n_peer++] = *id;
	return 0;
}

static int
id_app(void *arg, int af, const struct pf_flow_end *r, uint8_t proto, uint16_t prio, uint16_t *id)
{
	struct cctx *c = arg;
	int rc;

	if (c->took == NULL)
		return pf_shared_app_find(c->up->shared, c->upf->slice, af, r, proto, prio, id);
	if ((rc = pf_shared_app(c->up->shared, c->upf->slice, af, r, proto, prio, c->ups, id)) < 0)
		return rc;
	c->took->apps[c->took->n_app++] = *id;
	return 0;
}

/* @us's shared entries let go (@put) or taken again (a batch that let
 * them go failed): let go when the request is compiled, so that the
 * entries nobody names any more go in its own batch. */
static void
shared_of(struct pf_up *up, struct us *us, bool put)
{
	if (us->shared_put == put)
		return;
	for (int i = 0; i < us->n_shared; i++) {
		bool app = i >= us->n_shared - us->n_shared_app;

		if (put)
			(app ? pf_shared_app_put : pf_shared_peer_put)(up->shared, us->shared[i]);
		else
			(app ? pf_shared_app_get : pf_shared_peer_get)(up->shared, us->shared[i]);
	}
	us->shared_put = put;
}

/* What a compile took given back (a refused or undone request). */
static void
took_undo(struct pf_up *up, struct us *us, struct took *t)
{
	for (int i = 0; i < t->n_cnt; i++)
		if (us == NULL || kv_find(us->cnt, us->n_cnt, t->cnt[i].key) == NULL)
			pf_ids_put(&up->counters, t->cnt[i].id);
	for (int i = 0; i < t->n_met; i++)
		if (us == NULL || kv_find(us->met, us->n_met, t->met[i].key) == NULL)
			pf_ids_put(&up->meters, t->met[i].id);
	for (int i = 0; i < t->n_peer; i++)
		pf_shared_peer_put(up->shared, t->shared[i]);
	for (int i = 0; i < t->n_app; i++)
		pf_shared_app_put(up->shared, t->apps[i]);
	if (t->made != NULL)
		pf_shared_unmake(up->shared, t->made);
	json_decref(t->made);
	memset(t, 0, sizeof(*t));
}

/* @us's ids become what @t took; what it held and no longer does is given back. */
static int
took_commit(struct pf_up *up, struct us *us, struct took *t)
{
	struct pf_rid *cnt = malloc(sizeof(*cnt) * (size_t)(t->n_cnt + 1)), *met = malloc(sizeof(*met) *
										     (size_t)(t->n_met + 1));
	uint16_t *sh = malloc(sizeof(*sh) * (size_t)(t->n_peer + t->n_app + 1));

	if (cnt == NULL || met == NULL || sh == NULL) {
		free(cnt);
		free(met);
		free(sh);
		return -ENOMEM;
	}
	for (int i = 0; i < us->n_cnt; i++)
		if (kv_find(t->cnt, t->n_cnt, us->cnt[i].key) == NULL)
			pf_ids_put(&up->counters, us->cnt[i].id);
	for (int i = 0; i < us->n_met; i++)
		if (kv_find(t->met, t->n_met, us->met[i].key) == NULL)
			pf_ids_put(&up->meters, us->met[i].id);
	shared_of(up, us, true);
	memcpy(cnt, t->cnt, sizeof(*cnt) * (size_t)t->n_cnt);
	memcpy(met, t->met, sizeof(*met) * (size_t)t->n_met);
	memcpy(sh, t->shared, sizeof(*sh) * (size_t)t->n_peer);
	memcpy(sh + t->n_peer, t->apps, sizeof(*sh) * (size_t)t->n_app);
	free(us->cnt);
	free(us->met);
	free(us->shared);
	us->cnt = cnt;
	us->met = met;
	us->shared = sh;
	us->n_cnt = (uint8_t)t->n_cnt;
	us->n_met = (uint8_t)t->n_met;
	us->n_shared = (uint8_t)(t->n_peer + t->n_app);
	us->n_shared_app = (uint8_t)t->n_app;
	us->shared_put = false;
	if (t->made != NULL)
		pf_shared_made(up->shared, t->made);
	json_decref(t->made);
	memset(t, 0, sizeof(*t));
	return 0;
}

/* ------------------------------------------------------------ answers */

static void
up_fseid(struct pf_up *up, uint64_t seid, struct pf_fseid *f)
{
	const struct pf_node_id *self = pf_node_self(up->node);

	memset(f, 0, sizeof(*f));
	f->seid = seid;
	if (self->kind == 1) {
		f->has_v6 = 1;
		memcpy(f->v6, self->addr, 16);
	} else {
		/* an FQDN Node ID: the F-SEID still needs an address (0.0.0.0:
		 * the SMF keeps using the association's) */
		f->has_v4 = 1;
		if (self->kind == 0)
			memcpy(f->v4, self->addr, 4);
	}
}

/* Answers leave once what they say is in the journal: gathered over a
 * turn of the loop, then one sync, then sent. */
static void
outbox_add(struct pf_up *up, struct pf_txn *t, const uint8_t *b, size_t len)
{
	struct outmsg *m = malloc(sizeof(*m) + len);

	if (m == NULL) {
		pf_txn_drop(t);   /* the SMF asks again: answered then */
		return;
	}
	m->t = t;
	m->len = len;
	memcpy(m->b, b, len);
	m->next = NULL;
	*up->out_tail = m;
	up->out_tail = &m->next;
	event_active(up->flush, EV_TIMEOUT, 0);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	struct outmsg *m, *n;
	int rc;

	(void)fd;
	(void)what;
	if (up->store != NULL && (rc = pf_store_sync(up->store)) < 0)
		CD_LOG(ERR, "pfcp: the sessions' journal does not sync (%s): answers go, an sxcd restart may lose "
		       "them", strerror(-rc));
	for (m = up->out; m != NULL; m = n) {
		n = m->next;
		pf_txn_reply(m->t, m->b, m->len);
		free(m);
	}
	up->out = NULL;
	up->out_tail = &up->out;
}

/* A session's record into the journal (the sync before the answers makes it durable). */
static void
save(struct pf_up *up, struct us *us)
{
	struct pf_rec r = { .seid = us->seid, .sess_id = us->sess_id, .cnt = us->cnt, .met = us->met,
			    .n_cnt = us->n_cnt, .n_met = us->n_met, .use = us->use, .s = us->s };
	uint8_t buf[PF_STORE_REC_MAX];
	int len;

	if (up->store == NULL)
		return;
	snprintf(r.assoc, sizeof(r.assoc), "%s", us->assoc ? pf_assoc_name(us->assoc) : "");
	snprintf(r.upf, sizeof(r.upf), "%s", us->upf ? us->upf->u.name : "");
	if ((len = pf_save_pack(&r, buf, sizeof(buf))) < 0 || pf_store_put(up->store, us->seid, buf, (size_t)len) < 0)
		CD_LOG(ERR, "pfcp: session %s not journalled: an sxcd restart loses it", json_string_value(us->owner));
}

static void
answer(struct pf_up *up, struct pf_txn *t, struct pf_sess_rsp *r)
{
	uint8_t buf[MSG_MAX];
	int len;

	if (t == NULL)
		return;
	r->type = (uint8_t)(pf_txn_type(t) + 1);
	r->seq = pf_txn_seq(t);
	if (r->type == PF_SESS_EST_RSP)
		r->node = pf_node_self(up->node);
	if ((len = pf_enc_sess_rsp2(buf, sizeof(buf), r)) < 0) {
		CD_LOG(ERR, "pfcp: an answer does not encode (%d)", len);
		pf_txn_drop(t);
		return;
	}
	outbox_add(up, t, buf, (size_t)len);
}

static void
refuse(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, const struct pf_fail *f, const char *why)
{
	struct pf_sess_rsp r = { .seid = cp_seid, .cause = f->cause, .offending = f->offending_ie,
				 .has_failed_rule = f->cause == PF_CAUSE_RULE_FAILURE && f->rule_kind != PF_RULE_NONE,
				 .failed_rule_type = f->rule_kind, .failed_rule_id = f->rule_id };

	if (why != NULL)
		CD_LOG(INFO, "pfcp: %s refused (cause %u): %s", t ? pf_msg_name(pf_txn_type(t)) : "request", f->cause,
		       why);
	answer(up, t, &r);
}

static void
refuse_cause(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, uint8_t cause, const char *why)
{
	struct pf_fail f = { .cause = cause, .rule_kind = PF_RULE_NONE };

	refuse(up, t, cp_seid, &f, why);
}

/* ------------------------------------------------------------ compiling */

static json_t *
owner_of(struct pf_assoc *a, uint64_t seid)
{
	char b[320];

	snprintf(b, sizeof(b), "pfcp/%s/%llu", pf_assoc_name(a), (unsigned long long)seid);
	return json_string(b);
}

/* Each update of @a gets its canonical "key"; -EINVAL when sxdp's tables
 * do not take one (a bug of ours, or sxdp without the upf). */
static int
keys_of(struct pf_up *up, json_t *a, char *err, size_t len)
{
	json_t *u;
	size_t i;
	char *key;

	json_array_foreach(a, i, u) {
		if (cd_tables_key(up->tables, u, &key, err, len) < 0)
			return -EINVAL;
		json_object_set_new(u, "key", json_string(key));
		free(key);
	}
	return 0;
}

/* @s compiled (into @out, with keys): @took NULL for what is installed. */
static int
compile_one(struct pf_up *up, struct us *us, const struct pf_upf *u, const struct pf_session *s, uint32_t sess_id,
	    struct took *took, json_t *out, struct pf_map_err *e)
{
	struct cctx c = { .up = up, .us = us, .upf = u, .took = took, .s = s, .ups = json_array() };
	struct pf_map_ids ids = { .arg = &c, .lookup = took == NULL, .peer = id_peer, .meter = id_meter,
				  .counter = id_counter, .app = id_app, .watch = id_watch, .stopped = id_stopped };
	struct pf_map_ctx mc = { .sess_id = sess_id, .slice = u->slice, .underlay = u->underlay, .upf = u };
	json_t *own = json_array();
	int rc;

	rc = pf_map_session(&mc, s, &ids, own, e);
	if (rc == 0 && (rc = keys_of(up, own, e->why, sizeof(e->why))) < 0)
		e->f = (struct pf_fail){ .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE };
	if (rc == 0 && took != NULL) {
		if (keys_of(up, c.ups, e->why, sizeof(e->why)) < 0) {
			rc = -EINVAL;
			e->f = (struct pf_fail){ .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE };
		}
		took->made = json_incref(c.ups);
		json_array_extend(out, c.ups);
	}
	json_array_extend(out, own);
	json_decref(own);
	json_decref(c.ups);
	return rc;
}

static json_t *
by_key(json_t *ups)
{
	json_t *m = json_object(), *u;
	size_t i;

	json_array_foreach(ups, i, u) {
		char k[640];

		snprintf(k, sizeof(k), "%s %s", json_string_value(json_object_get(u, "table")),
			 json_string_value(json_object_get(u, "key")));
		json_object_set(m, k, u);
	}
	return m;
}

static bool
is_meter(json_t *u)
{
	return strcmp(json_string_value(json_object_get(u, "table")), QOS_T_METERS) == 0;
}

static bool
is_shared(json_t *u)
{
	const char *t = json_string_value(json_object_get(u, "table"));

	return strcmp(t, UP_T_TUNNEL_PEERS) == 0 || strcmp(t, UP_T_APPLICATIONS) == 0 ||
	       strcmp(t, UP_T_APPLICATIONS6) == 0;
}

static json_t *
as_type(json_t *u, const char *type)
{
	json_t *c = json_copy(u);

	json_object_set_new(c, "type", json_string(type));
	if (strcmp(type, "delete") == 0) {
		json_object_del(c, "action");
		json_object_del(c, "params");
	}
	return c;
}

/* The writes from @old to @now (own entries; shared inserts are in @now
 * as made): shared and meters first, then sessions' inserts and
 * modifies, their deletes, meters' deletes. Keys newly held into
 * @claims, keys let go into @unclaims. */
static void
diff(json_t *old, json_t *now, json_t *out, json_t *claims, json_t *unclaims)
{
	json_t *o = by_key(old), *n = by_key(now), *u, *v;
	const char *k;
	size_t i;

	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(now, i, u) {
			if ((is_meter(u) || is_shared(u)) != (pass == 0))
				continue;
			char key[640];

			snprintf(key, sizeof(key), "%s %s", json_string_value(json_object_get(u, "table")),
				 json_string_value(json_object_get(u, "key")));
			v = json_object_get(o, key);
			if (is_shared(u)) {
				json_array_append_new(out, as_type(u, "insert"));
				continue;
			}
			if (v == NULL) {
				json_array_append_new(out, as_type(u, "insert"));
				if (!is_meter(u))
					json_array_append_new(claims, json_pack("[O,O]", json_object_get(u, "table"),
										json_object_get(u, "key")));
			} else if (!json_equal(json_object_get(u, "action"), json_object_get(v, "action")) ||
				   !json_equal(json_object_get(u, "params"), json_object_get(v, "params"))) {
				json_array_append_new(out, as_type(u, "modify"));
			}
		}
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach(o, k, u) {
			if (is_shared(u) || is_meter(u) != (pass == 1) || json_object_get(n, k) != NULL)
				continue;
			json_array_append_new(out, as_type(u, "delete"));
			if (!is_meter(u))
				json_array_append_new(unclaims, json_pack("[O,O]", json_object_get(u, "table"),
									  json_object_get(u, "key")));
		}
	json_decref(o);
	json_decref(n);
}

/* The session @op makes, placed in its UPF, its F-TEIDs chosen. */
static int
teid_of(void *arg, bool n9, uint32_t *teid)
{
	struct cctx *c = arg;
	struct pf_up *up = c->up;
	const struct pf_link *l = n9 ? &c->upf->n9 : &c->upf->n3;
	char err[128], *key;

	/* the next free one: not held by an intent or a session */
	for (int tries = 0; tries < 1024; tries++) {
		uint32_t t = ++up->teid_next[n9];
		json_t *u;
		const char *who;

		if (t == 0)
			continue;
		u = json_pack("{s:s,s:{s:i,s:I}}", "table", n9 ? UP_T_SESSIONS_N9_DOWNLINK : UP_T_SESSIONS_UPLINK,
			      "match", UP_F_IFACE, l->id, UP_F_TEID, (json_int_t)t);
		if (cd_tables_key(up->tables, u, &key, err, sizeof(err)) < 0) {
			json_decref(u);
			return -EINVAL;
		}
		who = held_by_other(up, json_string_value(json_object_get(u, "table")), key, NULL);
		free(key);
		json_decref(u);
		if (who == NULL) {
			*teid = t;
			return 0;
		}
	}
	return -ENOSPC;
}

static void
op_unclaim(struct pf_up *up, json_t *keys)
{
	json_t *k;
	size_t i;

	json_array_foreach(keys, i, k)
		claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)), NULL);
}

/* Compile @op: its writes, ids and claims; -1 (answered) when refused. */
static int
op_compile(struct pf_up *up, struct op *op)
{
	struct pf_map_err e = { .f = { .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE } };
	struct us *us = op->us;
	json_t *old = json_array(), *now = json_array(), *k;
	const struct pf_upf *u = NULL;
	struct cctx cc = { .up = up };
	uint64_t cp_seid = op->next_s ? op->next_s->cp.seid : us && us->s ? us->s->cp.seid : 0;
	size_t i;
	int rc = 0;

	op->ups = json_array();
	op->claims = json_array();
	op->unclaims = json_array();
	if (op->kind == OP_RESTORE && us == NULL)
		goto shared;
	if (op->kind == OP_EST) {
		pf_upfs_refresh(&up->upfs, up->res);
		if ((u = pf_map_upf(&up->upfs, op->next_s, &e)) == NULL) {
			rc = -EINVAL;
			goto out;
		}
		cc.upf = u;
		if ((rc = pf_map_choose(u, op->next_s, teid_of, &cc, &e)) < 0)
			goto out;
		if ((us->upf = snap_of(up, u)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (op->kind == OP_MOD) {
		cc.upf = &us->upf->u;
		if ((rc = pf_map_choose(&us->upf->u, op->next_s, teid_of, &cc, &e)) < 0)
			goto out;
	}
	/* what it holds now */
	if (op->kind != OP_EST && op->kind != OP_RESTORE &&
	    (rc = compile_one(up, us, &us->upf->u, us->s, us->sess_id, NULL, old, &e)) < 0) {
		CD_LOG(ERR, "pfcp: session %s does not compile as installed: %s", json_string_value(us->owner), e.why);
		rc = 0;		/* what it holds is what it was written with: a changed UPF; write from scratch */
		json_array_clear(old);
	}
	if (op->kind == OP_EST || op->kind == OP_MOD || op->kind == OP_REARM) {
		if ((rc = compile_one(up, us, &us->upf->u, op->next_s ? op->next_s : us->s, us->sess_id, &op->took,
				      now, &e)) < 0)
			goto out;
	}
shared:
	if (op->kind == OP_RESTORE && us == NULL) {   /* the shared entries sessions name */
		json_t *all = pf_shared_all(up->shared);

		json_array_extend(op->ups, all);
		json_decref(all);
		goto out;
	}
	if (op->kind == OP_RESTORE) {   /* into an sxdp that lost it: all of it again */
		if ((rc = compile_one(up, us, &us->upf->u, us->s, us->sess_id, NULL, now, &e)) < 0)
			goto out;
		json_array_foreach(now, i, k)
			if (!is_shared(k))
				json_array_append_new(op->ups, as_type(k, "insert"));
		goto out;
	}
	diff(old, now, op->ups, op->claims, op->unclaims);
	/* who else holds what it is to hold */
	json_array_foreach(op->claims, i, k) {
		const char *t = json_string_value(json_array_get(k, 0)), *key = json_string_value(json_array_get(k, 1));
		const char *who = held_by_other(up, t, key, us->owner);

		if (who != NULL) {
			json_t *w;
			size_t j;
			uint16_t pdr = 0;

			json_array_foreach(now, j, w)
				if (strcmp(json_string_value(json_object_get(w, "key")), key) == 0 &&
				    strcmp(json_string_value(json_object_get(w, "table")), t) == 0)
					pdr = (uint16_t)json_integer_value(json_object_get(w, "pdr"));
			e.f = (struct pf_fail){ .cause = PF_CAUSE_RULE_FAILURE, .rule_kind = pdr ? PF_RULE_PDR :
						PF_RULE_NONE, .rule_id = pdr, .offending_ie = 0 };
			snprintf(e.why, sizeof(e.why), "PDR %u: %s %s is %s's", pdr, t, key, who);
			json_array_clear(op->claims);   /* none taken yet */
			rc = -EEXIST;
			goto out;
		}
	}
	json_array_foreach(op->claims, i, k)
		claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)),
			  us->owner);
	if (op->kind == OP_MOD || op->kind == OP_DEL || op->kind == OP_REARM)
		shared_of(up, us, true);
	/* the old tunnels an end marker goes into: their peers kept until it is asked for */
	for (int k = 0; op->kind == OP_MOD && k < op->mod.n_sndem; k++) {
		const struct pf_far *f = pf_sess_far(us->s, op->mod.sndem_far[k]);
		bool v6;
		uint16_t peer;

		if (f == NULL || !f->has_ohc || f->dst_iface != PF_IF_ACCESS)
			continue;
		v6 = f->ohc.desc & PF_OHC_GTPU_UDP_IPV6;
		if (pf_shared_peer_find(up->shared, &us->upf->u, false, v6 ? AF_INET6 : AF_INET, v6 ? f->ohc.v6 : f->ohc.v4,
					f->has_tlm ? (uint8_t)(f->tos >> 2) : 64, &peer) == 0) {
			pf_shared_peer_get(up->shared, peer);
			op->em[op->n_em].peer = peer;
			op->em[op->n_em++].teid = f->ohc.teid;
		}
	}
	/* its usage measured once it is applied: the counters it had and has */
	op->read = (op->kind == OP_MOD || op->kind == OP_DEL) &&
		   (us->use.n_meas > 0 || (op->next_s != NULL && op->next_s->n_urr > 0));
out:
	json_decref(old);
	json_decref(now);
	if (rc < 0) {
		took_undo(up, us, &op->took);
		refuse(up, op->t, cp_seid, &e.f, e.why);
		op->t = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the queue, batches */

static void pump(struct pf_up *up);

static void
kick(struct pf_up *up)
{
	event_active(up->kick, EV_TIMEOUT, 0);
}

static void
enqueue(struct pf_up *up, struct op *op, bool front)
{
	op->since = now_ms();
	if (front) {
		op->next = up->head;
		up->head = op;
		if (up->tail == NULL)
			up->tail = op;
	} else {
		op->next = NULL;
		if (up->tail != NULL)
			up->tail->next = op;
		else
			up->head = op;
		up->tail = op;
	}
	kick(up);
}

static void us_free(struct pf_up *up, struct us *us);
static void op_next_of_session(struct pf_up *up, struct us *us);

static void
op_free(struct op *op)
{
	if (op->t != NULL)
		pf_txn_drop(op->t);
	pf_sess_free(op->next_s);
	free(op->raw);
	json_decref(op->ups);
	json_decref(op->claims);
	json_decref(op->unclaims);
	json_decref(op->took.made);
	free(op);
}

static void
created_pdrs(const struct pf_session *s, const uint16_t *ids, int n, struct pf_created_pdr *out, int *n_out)
{
	*n_out = 0;
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		bool want = ids == NULL;

		for (int k = 0; k < n && !want; k++)
			want = ids[k] == p->id;
		if (!want || !p->has_fteid || !p->fteid.ch)
			continue;
		out[*n_out] = (struct pf_created_pdr){ .pdr_id = p->id, .has_fteid = 1, .fteid = p->fteid };
		out[*n_out].fteid.ch = 0;
		out[*n_out].fteid.has_chid = 0;
		(*n_out)++;
	}
}

static uint32_t
ctr_of(void *arg, uint16_t pdr)
{
	struct us *us = arg;
	struct pf_rid *k = kv_find(us->cnt, us->n_cnt, pdr);

	return k ? k->id : 0;
}

static uint32_t
now_ntp(void)
{
	return (uint32_t)(time(NULL) + NTP_OFFSET);
}

static void rearm(struct pf_up *up, struct us *us);

/* Are the thresholds and stops @us's entries carry what its usage says
 * now? (A new URR's links start once it is applied.) */
static bool
armed_right(struct pf_up *up, struct us *us)
{
	for (int i = 0; i < us->n_cnt; i++)
		if (us->cnt[i].thr != pf_usage_watch(&us->use, us->s, (uint16_t)us->cnt[i].key, ctr_abs, up) ||
		    us->cnt[i].stopped != pf_usage_stopped(&us->use, us->s, (uint16_t)us->cnt[i].key))
			return false;
	return true;
}

static void
on_end_marker(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	(void)result;
	if (error != NULL)
		CD_LOG(WARN, "pfcp: an end marker was not sent: %s", json_string_value(json_object_get(error, "message")));
}

/* The end markers @op's SNDEMs asked for, into the old tunnels, now that
 * the new path is in sxdp; their peers let go after (the calls go in
 * order, before any batch that would collect them). */
static void
end_markers(struct pf_up *up, struct op *op)
{
	for (int k = 0; k < op->n_em; k++) {
		ctl_async_call(up->ctl, "upf.end_marker", json_pack("{s:i,s:I}", UP_F_PEER, op->em[k].peer, UP_F_TEID,
								    (json_int_t)op->em[k].teid), on_end_marker, up);
		pf_shared_peer_put(up->shared, op->em[k].peer);
	}
	op->n_em = 0;
}

/* @op applied (and its counters read): the session is what it made; answered. */
static void
op_done(struct pf_up *up, struct op *op)
{
	struct us *us = op->us;
	struct pf_created_pdr pdrs[PF_SESS_PDR_MAX];
	struct pf_usage_report urs[PF_SESS_URR_MAX * 2];
	struct pf_fseid fs;
	struct pf_sess_rsp r = { .cause = PF_CAUSE_ACCEPTED, .urs = urs };
	uint64_t now = now_ms();
	int n = 0, nu = 0;

	op_unclaim(up, op->unclaims);
	switch (op->kind) {
	case OP_EST:
	case OP_MOD:
	case OP_REARM:
		took_commit(up, us, &op->took);
		if (op->next_s != NULL) {
			pf_sess_free(us->s);
			us->s = op->next_s;
			op->next_s = NULL;
			us->s->up_seid = us->seid;
		}
		/* its URRs follow its rules: the ones removed report their last */
		if (pf_usage_update(&us->use, us->s, ctr_of, us, ctr_abs, up, now, now_ntp(), urs, &nu) < 0)
			CD_LOG(ERR, "pfcp: session %s: out of memory measuring its usage", json_string_value(us->owner));
		for (int k = 0; k < op->mod.n_query_urr && nu < PF_SESS_URR_MAX * 2; k++)
			if (pf_usage_report(&us->use, us->s, op->mod.query_urr[k], PF_URT_IMMER, false, ctr_abs, up, now,
					    now_ntp(), &urs[nu]) == 0)
				nu++;
		r.seid = us->s->cp.seid;
		r.n_urs = nu;
		if (op->kind == OP_EST) {
			created_pdrs(us->s, NULL, 0, pdrs, &n);
			up_fseid(up, us->seid, &fs);
			r.up_fseid = &fs;
			r.n_urs = 0;
			up->st.est++;
		} else if (op->kind == OP_MOD) {
			created_pdrs(us->s, op->mod.new_fteid, op->mod.n_new_fteid, pdrs, &n);
			up->st.mod++;
		}
		end_markers(up, op);
		save(up, us);
		r.pdrs = pdrs;
		r.n_pdrs = n;
		answer(up, op->t, &r);
		op->t = NULL;
		break;
	case OP_DEL:
		/* every URR's final report (TS 29.244 7.5.7: in the Deletion Response) */
		for (int k = 0; k < us->use.n_meas && nu < PF_SESS_URR_MAX; k++)
			if (pf_usage_report(&us->use, us->s, us->use.meas[k].urr, PF_URT_TERMR, false, ctr_abs, up, now,
					    now_ntp(), &urs[nu]) == 0)
				nu++;
		r.seid = us->s->cp.seid;
		r.n_urs = nu;
		answer(up, op->t, &r);
		op->t = NULL;
		up->st.del++;
		if (up->store != NULL)
			pf_store_del(up->store, us->seid);
		us_free(up, us);
		us = NULL;
		break;
	case OP_RESTORE:
		up->st.restored++;
		break;
	}
	if (us != NULL) {
		op_next_of_session(up, us);
		/* a rearm's own compile wrote what the usage says now (a
		 * termination that does not forward carries no threshold) */
		if (op->kind != OP_REARM && us->s != NULL && !armed_right(up, us))
			rearm(up, us);
	}
	op_free(op);
}

/* @op's batch was refused or lost: what it took given back. */
static void
op_undo(struct pf_up *up, struct op *op)
{
	json_t *k;
	size_t i;

	json_array_foreach(op->claims, i, k)
		claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)), NULL);
	json_array_clear(op->claims);
	took_undo(up, op->kind == OP_EST ? NULL : op->us, &op->took);
	if (op->us != NULL && op->kind != OP_EST)
		shared_of(up, op->us, false);
	for (int k = 0; k < op->n_em; k++)
		pf_shared_peer_put(up->shared, op->em[k].peer);
	op->n_em = 0;
	json_decref(op->ups);
	json_decref(op->unclaims);
	op->ups = op->unclaims = NULL;
	if (op->kind == OP_EST && op->us->upf != NULL) {
		snap_put(up, op->us->upf);
		op->us->upf = NULL;
	}
}

/* Why sxdp refused a batch, as a Cause. */
static uint8_t
cause_of(json_t *result, json_t *error, char *why, size_t len)
{
	const char *reason = NULL, *msg = NULL;
	json_t *r;
	size_t i;

	if (error != NULL) {
		reason = json_string_value(json_object_get(json_object_get(error, "data"), "reason"));
		msg = json_string_value(json_object_get(error, "message"));
	}
	json_array_foreach(json_object_get(result, "results"), i, r)
		if (!json_is_true(json_object_get(r, "ok"))) {
			json_t *e = json_object_get(r, "error");
			const char *rs = json_string_value(json_object_get(json_object_get(e, "data"), "reason"));

			if (rs != NULL && strcmp(rs, "not_applied") == 0)
				continue;
			reason = rs;
			msg = json_string_value(json_object_get(e, "message"));
			break;
		}
	snprintf(why, len, "sxdp refused the writes: %s (%s)", msg ? msg : "?", reason ? reason : "?");
	if (reason != NULL && (strcmp(reason, "table_full") == 0 || strcmp(reason, "no_memory") == 0))
		return PF_CAUSE_NO_RESOURCES;
	return PF_CAUSE_SYSTEM_FAILURE;
}

/* ------------------------------------------------------------ counters, reports */

/* A read of counters, then @done: @ops (applied requests) or @check
 * (sessions whose reports may be due). */
struct reading {
	struct pf_up *up;
	struct op *ops;
	uint64_t *check;		/* SEIDs */
	size_t n_check;
	int pending;
};

static void reading_end(struct reading *rd);

static void
on_usage(void *arg, json_t *result, json_t *error)
{
	struct reading *rd = arg;
	struct pf_up *up = rd->up;
	json_t *u;
	size_t i;

	if (error != NULL)
		CD_LOG(WARN, "pfcp: upf.usage: %s (usage as last read)", json_string_value(json_object_get(error, "message")));
	json_array_foreach(json_object_get(result, "urrs"), i, u) {
		uint32_t id = (uint32_t)json_integer_value(json_object_get(u, "urr"));

		if (up->counters_ready && id >= up->counters.lo && id <= up->counters.hi)
			up->ctr_bytes[id - up->counters.lo] = (uint64_t)json_integer_value(json_object_get(u, "bytes"));
	}
	if (--rd->pending == 0)
		reading_end(rd);
}

static void
add_ctrs(json_t *ids, const struct pf_rid *k, int n)
{
	for (int i = 0; i < n; i++)
		json_array_append_new(ids, json_integer(k[i].id));
}

/* Read @ids (counters) in calls of READ_MAX, then end @rd. */
static void
read_start(struct reading *rd, json_t *ids)
{
	size_t n = json_array_size(ids);

	rd->pending = 1;
	for (size_t at = 0; at < n; at += READ_MAX) {
		json_t *part = json_array();

		for (size_t i = at; i < n && i < at + READ_MAX; i++)
			json_array_append(part, json_array_get(ids, i));
		rd->pending++;
		if (ctl_async_call(rd->up->ctl, "upf.usage", json_pack("{s:o}", "urrs", part), on_usage, rd) < 0)
			rd->pending--;
	}
	json_decref(ids);
	if (--rd->pending == 0)
		reading_end(rd);
}

static void
read_ops(struct pf_up *up, struct op *ops)
{
	struct reading *rd = calloc(1, sizeof(*rd));
	json_t *ids = json_array();

	if (rd == NULL) {
		for (struct op *o = ops, *n; o != NULL; o = n) {
			n = o->next;
			op_done(up, o);
		}
		json_decref(ids);
		return;
	}
	rd->up = up;
	rd->ops = ops;
	for (struct op *o = ops; o != NULL; o = o->next) {
		add_ctrs(ids, o->us->cnt, o->us->n_cnt);
		add_ctrs(ids, o->took.cnt, o->took.n_cnt);
	}
	read_start(rd, ids);
}

static uint64_t
seid_of(struct pf_up *up, uint32_t sid)
{
	return (uint64_t)pf_node_recovery(up->node) << 24 | sid;
}

static void
on_report_answered(void *arg, int rc, const struct pf_msg *rsp)
{
	struct pf_up *up = arg;
	uint8_t cause = 0;
	int i;

	if (rc == 0 && (i = pf_find(rsp, -1, PF_IE_CAUSE, -1)) >= 0)
		pf_get_cause(&rsp->ies[i], &cause);
	if (rc < 0 || cause != PF_CAUSE_ACCEPTED) {
		up->st.report_fails++;
		CD_LOG(WARN, "pfcp: a Session Report Request %s (%d, cause %u)", rc < 0 ? "went unanswered" : "refused",
		       rc, cause);
	}
}

/* A Session Report Request to @us's SMF. */
static void
report(struct pf_up *up, struct us *us, uint8_t type, const uint16_t *pdrs, int n_pdrs,
       const struct pf_usage_report *urs, int n_urs)
{
	uint8_t buf[MSG_MAX];
	int len;

	if (us->assoc == NULL)
		return;
	len = pf_enc_sess_report_req(buf, sizeof(buf), us->s->cp.seid, 0, type, pdrs, n_pdrs, urs, n_urs);
	if (len < 0 || pf_node_request(up->node, us->assoc, buf, (size_t)len, on_report_answered, up) < 0) {
		up->st.report_fails++;
		return;
	}
	up->st.reports++;
}

static void
reading_end(struct reading *rd)
{
	struct pf_up *up = rd->up;
	struct pf_usage_report urs[PF_SESS_URR_MAX];
	uint64_t now = now_ms();

	for (struct op *o = rd->ops, *n; o != NULL; o = n) {
		n = o->next;
		op_done(up, o);
	}
	for (size_t i = 0; i < rd->n_check; i++) {
		struct us *us = us_find(up, rd->check[i]);
		bool again;
		int nu;

		if (us == NULL || us->s == NULL)
			continue;
		nu = pf_usage_due(&us->use, us->s, ctr_abs, up, now, now_ntp(), urs, &again);
		if (nu > 0)
			report(up, us, 0x02 /* USAR */, NULL, 0, urs, nu);
		if (again || !armed_right(up, us))
			rearm(up, us);
	}
	free(rd->check);
	free(rd);
}

/* Sessions whose reports may be due: their counters read, then checked. */
static void
check_usage(struct pf_up *up, uint64_t *seids, size_t n)
{
	struct reading *rd = calloc(1, sizeof(*rd));
	json_t *ids = json_array();

	if (rd == NULL) {
		free(seids);
		json_decref(ids);
		return;
	}
	rd->up = up;
	rd->check = seids;
	rd->n_check = n;
	for (size_t i = 0; i < n; i++) {
		struct us *us = us_find(up, seids[i]);

		if (us != NULL)
			add_ctrs(ids, us->cnt, us->n_cnt);
	}
	read_start(rd, ids);
}

static void
rearm(struct pf_up *up, struct us *us)
{
	struct op *op = calloc(1, sizeof(*op)), **p;

	if (op == NULL)
		return;
	op->kind = OP_REARM;
	op->us = us;
	if (us->busy) {
		for (p = &us->waiting; *p != NULL; p = &(*p)->next)
			if ((*p)->kind == OP_REARM) {   /* one is enough */
				free(op);
				return;
			}
		*p = op;
		return;
	}
	us->busy = true;
	enqueue(up, op, false);
}

/* A buffering termination got its first downlink: the DL Data Report, if
 * its FAR asks the CP to be notified (NOCP). */
static void
on_ddn(struct pf_up *up, struct us *us)
{
	uint16_t pdrs[PF_SESS_PDR_MAX];
	int n = 0;

	for (int i = 0; i < us->s->n_pdr; i++) {
		const struct pf_pdr *p = &us->s->pdr[i];
		const struct pf_far *f = pf_sess_far(us->s, p->far_id);

		if (p->src_iface != PF_IF_ACCESS && f != NULL && (f->apply & PF_AA_NOCP))
			pdrs[n++] = p->id;
	}
	if (n > 0) {
		up->st.ddn++;
		report(up, us, 0x01 /* DLDR */, pdrs, n, NULL, 0);
	}
}

static void
on_events(void *arg, json_t *result, json_t *error)
{
	struct pf_up *up = arg;
	uint64_t *check = NULL;
	size_t n = 0;
	json_t *e;
	size_t i;

	up->ev_busy = false;
	if (error != NULL)
		return;
	if (up->ev_known) {
		up->st.events_lost += (uint64_t)json_integer_value(json_object_get(result, "lost"));
		json_array_foreach(json_object_get(result, "events"), i, e) {
			const char *type = json_string_value(json_object_get(e, "type"));
			uint32_t sid = (uint32_t)json_integer_value(json_object_get(e, "session"));
			struct us *us;

			if (type == NULL || sid < UP_SESS_PFCP_MIN || (us = us_find(up, seid_of(up, sid))) == NULL ||
			    us->s == NULL)
				continue;
			if (strcmp(type, "ddn") == 0) {
				on_ddn(up, us);
			} else if (strcmp(type, "usage") == 0) {
				uint64_t *c = realloc(check, (n + 1) * sizeof(*c));

				if (c != NULL) {
					check = c;
					check[n++] = us->seid;
				}
			}
		}
	}
	/* the first read after sxdp came: what it held before is no session's of ours */
	up->ev_known = true;
	up->ev_after = (uint64_t)json_integer_value(json_object_get(result, "last"));
	if (n > 0)
		check_usage(up, check, n);
	else
		free(check);
}

static void
on_ev_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;

	(void)fd;
	(void)what;
	if (up->tables == NULL || up->ev_busy || (up->n == 0 && up->ev_known))
		return;
	if (ctl_async_call(up->ctl, "upf.events", json_pack("{s:I,s:i}", "after", (json_int_t)up->ev_after, "limit",
							    1024), on_events, up) == 0)
		up->ev_busy = true;
}

/* Time-based reports (periods, time thresholds and quotas) due. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	uint64_t now = now_ms(), *check = NULL, next;
	size_t n = 0;

	(void)fd;
	(void)what;
	if (up->tables == NULL)
		return;
	for (size_t i = 0; i < up->cap; i++) {
		struct us *us = up->tab[i];

		if (us == NULL || us->s == NULL || us->use.n_meas == 0 ||
		    (next = pf_usage_next(&us->use, us->s)) == 0 || next > now)
			continue;
		uint64_t *c = realloc(check, (n + 1) * sizeof(*c));

		if (c == NULL)
			break;
		check = c;
		check[n++] = us->seid;
	}
	if (n > 0)
		check_usage(up, check, n);
}

/* The batch in flight ended: applied (@error NULL and nothing failed) or not. */
static void
batch_end(struct pf_up *up, json_t *result, json_t *error)
{
	struct op *op = up->flight, *next;
	bool ok = error == NULL && json_integer_value(json_object_get(result, "failed")) == 0;
	char why[320];
	uint8_t cause = ok ? PF_CAUSE_ACCEPTED : cause_of(result, error, why, sizeof(why));

	up->writing = false;
	up->flight = NULL;
	if (up->flight_gc != NULL) {
		pf_shared_collected(up->shared, up->flight_gc, ok);
		json_decref(up->flight_gc);
		up->flight_gc = NULL;
	}
	if (ok) {
		struct op *rd = NULL;

		for (; op != NULL; op = next) {
			next = op->next;
			if (op->read) {   /* answered once its counters are read */
				op->next = rd;
				rd = op;
			} else {
				op_done(up, op);
			}
		}
		if (rd != NULL)
			read_ops(up, rd);
		return;
	}
	if (ctl_async_lost(error))
		snprintf(why, sizeof(why), "sxdp's connection was lost during the writes");
	/* undone whole; each written alone, so that one bad request fails alone */
	struct op *last = NULL;

	for (struct op *o = op; o != NULL; o = o->next) {
		op_undo(up, o);
		last = o;
	}
	if (op != NULL && op->next == NULL && op->alone) {
		/* it alone was refused */
		uint64_t cp = op->kind == OP_EST ? op->next_s->cp.seid : op->us ? op->us->s->cp.seid : 0;

		refuse_cause(up, op->t, cp, cause, why);
		op->t = NULL;
		if (op->kind == OP_EST)
			us_free(up, op->us);
		else if (op->us != NULL)
			op_next_of_session(up, op->us);
		op_free(op);
	} else if (op != NULL) {
		for (struct op *o = op; o != NULL; o = o->next)
			o->alone = true;
		last->next = up->head;
		up->head = op;
		if (up->tail == NULL)
			up->tail = last;
	}
}

static void
on_written(void *arg, json_t *result, json_t *error)
{
	batch_end(arg, result, error);
	pump(arg);
}

static void
pump(struct pf_up *up)
{
	json_t *batch, *gc;
	struct op *op, *last = NULL;
	size_t i;
	json_t *u;

	if (up->writing || up->tables == NULL || up->head == NULL || up->restoring)
		return;
	batch = json_array();
	while ((op = up->head) != NULL && json_array_size(batch) < BATCH_MAX) {
		if (op->alone && json_array_size(batch) > 0)
			break;
		up->head = op->next;
		if (up->head == NULL)
			up->tail = NULL;
		op->next = NULL;
		if (op_compile(up, op) < 0) {
			struct us *us = op->us;

			if (op->kind == OP_EST)
				us_free(up, us);
			else
				op_next_of_session(up, us);
			op_free(op);
			continue;
		}
		json_array_foreach(op->ups, i, u) {
			json_t *c = json_copy(u);

			json_object_del(c, "key");
			json_object_del(c, "pdr");
			json_object_del(c, "id");
			json_array_append_new(batch, c);
		}
		if (last != NULL)
			last->next = op;
		else
			up->flight = op;
		last = op;
		if (op->alone)
			break;
	}
	if (up->flight == NULL) {
		json_decref(batch);
		return;
	}
	if ((gc = pf_shared_gc(up->shared)) != NULL) {
		json_array_foreach(gc, i, u) {
			json_t *c = json_copy(u);

			json_object_del(c, "key");
			json_object_del(c, "id");
			json_array_append_new(batch, c);
		}
		up->flight_gc = gc;
	}
	up->st.batches++;
	up->st.updates += json_array_size(batch);
	up->writing = true;
	if (json_array_size(batch) == 0) {   /* nothing to write (a modification that changes no entry) */
		json_t *r = json_pack("{s:i}", "failed", 0);

		json_decref(batch);
		batch_end(up, r, NULL);   /* then the next batch: from the loop, not deeper */
		json_decref(r);
		kick(up);
		return;
	}
	if (ctl_async_call(up->ctl, "table.write", json_pack("{s:s,s:o}", "atomicity", "dataplane-atomic", "updates",
							     batch), on_written, up) < 0) {
		json_t *e = json_pack("{s:i,s:s}", "code", CTL_ASYNC_LOST, "message", "not connected");

		batch_end(up, NULL, e);
		kick(up);
		json_decref(e);
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

/* Requests that waited too long for sxdp: System failure. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	struct op **p = &up->head, *op;
	uint64_t now = now_ms();

	(void)fd;
	(void)what;
	while ((op = *p) != NULL) {
		if (up->tables == NULL && op->t != NULL && now - op->since > WAIT_SXDP_MS) {
			*p = op->next;
			if (up->tail == op)
				up->tail = NULL;
			refuse_cause(up, op->t, op->kind == OP_EST ? op->next_s->cp.seid : op->us->s->cp.seid,
				     PF_CAUSE_SYSTEM_FAILURE, "sxdp is away");
			op->t = NULL;
			if (op->kind == OP_EST)
				us_free(up, op->us);
			else
				op_next_of_session(up, op->us);
			op_free(op);
			continue;
		}
		up->tail = op;
		p = &op->next;
	}
}

/* ------------------------------------------------------------ sessions */

static void
us_free(struct pf_up *up, struct us *us)
{
	struct op *w;

	if (us == NULL)
		return;
	us_remove(up, us);
	/* its requests still waiting: the session is gone */
	while ((w = us->waiting) != NULL) {
		us->waiting = w->next;
		refuse_cause(up, w->t, us->s ? us->s->cp.seid : 0, PF_CAUSE_NO_SESSION, "its session was deleted");
		w->t = NULL;
		op_free(w);
	}
	for (int i = 0; i < us->n_cnt; i++)
		pf_ids_put(&up->counters, us->cnt[i].id);
	for (int i = 0; i < us->n_met; i++)
		pf_ids_put(&up->meters, us->met[i].id);
	shared_of(up, us, true);
	pf_ids_put(&up->sess_ids, us->sess_id);
	snap_put(up, us->upf);
	pf_sess_free(us->s);
	pf_usage_free(&us->use);
	free(us->upf_name);
	json_decref(us->owner);
	free(us->cnt);
	free(us->met);
	free(us->shared);
	free(us);
}

/* The next request of @us (it waited behind the one that ended) goes. */
static void
op_next_of_session(struct pf_up *up, struct us *us)
{
	struct op *w = us->waiting;
	struct pf_result r;
	struct pf_fail f;

	us->busy = false;
	if (w == NULL)
		return;
	us->waiting = w->next;
	us->busy = true;
	if (w->kind == OP_MOD) {
		r = pf_decode(w->raw, w->raw_len, up->scratch);
		if (r.kind != PF_OK || pf_sess_modify(us->s, up->scratch, &w->next_s, &w->mod, &f) < 0) {
			if (r.kind != PF_OK)
				f = (struct pf_fail){ .cause = r.cause, .offending_ie = r.ie_type, .rule_kind = PF_RULE_NONE };
			refuse(up, w->t, us->s->cp.seid, &f, "a Modification that waited does not apply");
			w->t = NULL;
			op_free(w);
			op_next_of_session(up, us);
			return;
		}
	}
	enqueue(up, w, false);
}

static void
on_request(void *arg, struct pf_assoc *a, const struct pf_msg *m, struct pf_txn *t)
{
	struct pf_up *up = arg;
	struct pf_fail f = { .cause = PF_CAUSE_ACCEPTED, .rule_kind = PF_RULE_NONE };
	struct op *op = calloc(1, sizeof(*op));
	struct us *us;
	uint32_t sid = 0;

	if (op == NULL) {
		refuse_cause(up, t, 0, PF_CAUSE_NO_RESOURCES, "out of memory");
		return;
	}
	op->t = t;
	op->assoc = a;
	switch (m->hdr.type) {
	case PF_SESS_EST_REQ:
		op->kind = OP_EST;
		if (pf_sess_establish(m, &op->next_s, &f) < 0) {
			struct pf_fseid cp = { 0 };
			int i = pf_find(m, -1, PF_IE_FSEID, -1);

			if (i >= 0)
				pf_get_fseid(&m->ies[i], &cp);
			op->t = NULL;
			op_free(op);
			refuse(up, t, cp.seid, &f, "its rules do not hold");
			return;
		}
		us = NULL;
		if (pf_ids_take(&up->sess_ids, &sid) < 0 || (us = calloc(1, sizeof(*us))) == NULL) {
			if (us == NULL && pf_ids_taken(&up->sess_ids, sid))
				pf_ids_put(&up->sess_ids, sid);
			refuse_cause(up, t, op->next_s->cp.seid, PF_CAUSE_NO_RESOURCES, "no session id left");
			op->t = NULL;
			op_free(op);
			return;
		}
		us->sess_id = sid;
		us->seid = (uint64_t)pf_node_recovery(up->node) << 24 | sid;
		us->assoc = a;
		us->owner = owner_of(a, us->seid);
		us->busy = true;
		us_insert(up, us);
		op->us = us;
		enqueue(up, op, false);
		return;
	case PF_SESS_MOD_REQ:
	case PF_SESS_DEL_REQ:
		op->kind = m->hdr.type == PF_SESS_MOD_REQ ? OP_MOD : OP_DEL;
		if ((us = us_find(up, m->hdr.seid)) == NULL || us->assoc != a) {
			op->t = NULL;
			op_free(op);
			refuse_cause(up, t, 0, PF_CAUSE_NO_SESSION, "no such session");
			return;
		}
		op->us = us;
		if (us->busy) {   /* behind the one under way: decoded again when its turn comes */
			uint8_t buf[MSG_MAX];
			int len = pf_reencode(m, buf, sizeof(buf));

			if (len < 0 || (op->raw = malloc((size_t)len)) == NULL) {
				op->t = NULL;
				op_free(op);
				refuse_cause(up, t, us->s->cp.seid, PF_CAUSE_NO_RESOURCES, "cannot keep it");
				return;
			}
			memcpy(op->raw, buf, (size_t)len);
			op->raw_len = (size_t)len;
			struct op **p = &us->waiting;

			while (*p != NULL)
				p = &(*p)->next;
			*p = op;
			return;
		}
		if (op->kind == OP_MOD && pf_sess_modify(us->s, m, &op->next_s, &op->mod, &f) < 0) {
			op->t = NULL;
			op_free(op);
			refuse(up, t, us->s->cp.seid, &f, "its rules do not hold");
			return;
		}
		us->busy = true;
		enqueue(up, op, false);
		return;
	default:
		op->t = NULL;
		op_free(op);
		refuse_cause(up, t, 0, PF_CAUSE_REJECTED, "not a session request this UPF takes");
	}
}

static void
on_refused(void *arg, struct pf_assoc *a, const struct pf_hdr *h, struct pf_result r, struct pf_txn *t)
{
	struct pf_up *up = arg;
	struct us *us = us_find(up, h->seid);
	struct pf_fail f = { .cause = r.cause, .offending_ie = r.ie_type, .rule_kind = PF_RULE_NONE };

	if (us == NULL || us->assoc != a) {
		refuse_cause(up, t, 0, PF_CAUSE_NO_SESSION, "malformed, for no session of its node");
		return;
	}
	refuse(up, t, us->s->cp.seid, &f, "malformed");
}

static int
delete_of(void *arg, struct us *us)
{
	struct pf_up *up = arg;
	struct op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -ENOMEM;
	op->kind = OP_DEL;
	op->us = us;
	if (us->busy) {
		struct op **p = &us->waiting;

		while (*p != NULL)
			p = &(*p)->next;
		*p = op;
		return 0;
	}
	us->busy = true;
	enqueue(up, op, false);
	return 0;
}

static void
on_assoc_gone(void *arg, struct pf_assoc *a, enum pf_gone why)
{
	struct pf_up *up = arg;
	size_t n = 0;

	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL && up->tab[i]->assoc == a) {
			delete_of(up, up->tab[i]);
			up->tab[i]->assoc = NULL;   /* no answer goes to it now */
			n++;
		}
	if (n > 0)
		CD_LOG(INFO, "pfcp: %s's association %s: its %zu sessions deleted", pf_assoc_name(a), pf_gone_name(why),
		       n);
}

static void
on_assoc_up(void *arg, struct pf_assoc *a)
{
	(void)arg;
	(void)a;
}

static void
on_reachable(void *arg, struct pf_assoc *a, bool reachable)
{
	(void)arg;
	if (reachable)
		CD_LOG(INFO, "pfcp: %s is reachable again", pf_assoc_name(a));
	else
		CD_LOG(WARN, "pfcp: %s is unreachable; its sessions keep forwarding", pf_assoc_name(a));
}

/* ------------------------------------------------------------ sxdp comes and goes */

static void
counters_size(struct pf_up *up)
{
	static const char *const t[] = UP_URR_TABLES;
	size_t room = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		room += cd_tables_size(up->tables, t[i]);
	if (up->counters_ready || room < 2)
		return;
	if (pf_ids_init(&up->counters, (uint32_t)(room / 2 + 1), (uint32_t)room) == 0 &&
	    (up->ctr_bytes = calloc(room - room / 2, sizeof(*up->ctr_bytes))) != NULL)
		up->counters_ready = true;
}

static void restart_check(struct pf_up *up, const char *boot_id);

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	struct pf_up *up = arg;

	up->tables = t;
	if (t == NULL)
		return;
	counters_size(up);
	if (up->boot_id[0] == '\0') {   /* the first sxdp this sxcd sees */
		restart_check(up, boot_id);
		snprintf(up->boot_id, sizeof(up->boot_id), "%s", boot_id);
	}
	if (up->store != NULL && strcmp(up->stored_boot, boot_id) != 0) {
		snprintf(up->stored_boot, sizeof(up->stored_boot), "%s", boot_id);
		pf_store_put(up->store, 0, (const uint8_t *)boot_id, strlen(boot_id));
		event_active(up->flush, EV_TIMEOUT, 0);
	}
	if (up->boot_id[0] != '\0' && strcmp(up->boot_id, boot_id) != 0 && up->n > 0) {
		/* an sxdp that started empty: the shared entries, then every
		 * session, into it again */
		struct op *sh = calloc(1, sizeof(*sh));

		CD_LOG(INFO, "pfcp: sxdp restarted: its %zu sessions written again", up->n);
		/* its counters start from 0: what they had counted is kept */
		for (size_t i = 0; i < up->cap; i++)
			if (up->tab[i] != NULL)
				pf_usage_restarted(&up->tab[i]->use, ctr_abs, up);
		if (up->counters_ready)
			memset(up->ctr_bytes, 0, sizeof(*up->ctr_bytes) * (up->counters.hi - up->counters.lo + 1));
		up->ev_known = false;
		if (sh != NULL) {
			sh->kind = OP_RESTORE;
			enqueue(up, sh, false);
		}
		for (size_t i = 0; i < up->cap; i++) {
			struct us *us = up->tab[i];
			struct op *op;

			if (us == NULL || us->busy || (op = calloc(1, sizeof(*op))) == NULL)
				continue;
			op->kind = OP_RESTORE;
			op->us = us;
			us->busy = true;
			enqueue(up, op, false);
		}
	}
	snprintf(up->boot_id, sizeof(up->boot_id), "%s", boot_id);
	kick(up);
}

/* ------------------------------------------------------------ restarts */

/* One record of the journal at start: sxdp's boot id (key 0) or a session
 * (its association gone: dropped). */
static int
load_one(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	struct pf_up *up = arg;
	struct pf_rec r;
	struct pf_assoc *a;
	struct us *us;

	if (key == 0) {
		snprintf(up->stored_boot, sizeof(up->stored_boot), "%.*s", (int)len, (const char *)b);
		return 0;
	}
	if (pf_save_unpack(b, len, &r) < 0) {
		CD_LOG(ERR, "pfcp: a journal record (SEID %llu) does not read back: dropped", (unsigned long long)key);
		pf_store_del(up->store, key);
		return 0;
	}
	if ((a = pf_node_assoc_by_name(up->node, r.assoc)) == NULL || r.seid != key ||
	    pf_ids_take_this(&up->sess_ids, r.sess_id) < 0 || (us = calloc(1, sizeof(*us))) == NULL) {
		CD_LOG(INFO, "pfcp: session %llu of %s not restored: %s", (unsigned long long)key, r.assoc,
		       a == NULL ? "its association is gone" : "its ids are taken");
		pf_save_free(&r);
		pf_store_del(up->store, key);
		return 0;
	}
	for (int i = 0; i < r.n_met; i++)
		pf_ids_take_this(&up->meters, r.met[i].id);
	*us = (struct us){ .seid = r.seid, .sess_id = r.sess_id, .assoc = a, .s = r.s, .cnt = r.cnt, .met = r.met,
			   .n_cnt = r.n_cnt, .n_met = r.n_met, .use = r.use, .upf_name = strdup(r.upf) };
	us->owner = owner_of(a, us->seid);
	us->shared_put = true;   /* none taken yet: taken by its restore */
	us_insert(up, us);
	up->restoring = true;
	return 0;
}

/* A loaded session into this sxcd's books: its UPF, counters, shared
 * entries and claims, from its compile (its entries are in sxdp already). */
static void
restore_one(struct pf_up *up, struct us *us)
{
	struct pf_map_err e = { 0 };
	struct took took = { 0 };
	const struct pf_upf *u = NULL;
	json_t *now = json_array(), *k;
	size_t i;

	for (int j = 0; j < up->upfs.n && u == NULL; j++)
		if (strcmp(up->upfs.u[j].name, us->upf_name) == 0)
			u = &up->upfs.u[j];
	for (int j = 0; j < us->n_cnt && up->counters_ready; j++)
		pf_ids_take_this(&up->counters, us->cnt[j].id);
	if (u == NULL || (us->upf = snap_of(up, u)) == NULL ||
	    compile_one(up, us, &us->upf->u, us->s, us->sess_id, &took, now, &e) < 0) {
		CD_LOG(ERR, "pfcp: session %s not restored: %s", json_string_value(us->owner),
		       u == NULL ? "its UPF is gone" : e.why);
		took_undo(up, us, &took);
		if (up->store != NULL)
			pf_store_del(up->store, us->seid);
		us_free(up, us);
		json_decref(now);
		return;
	}
	json_array_foreach(now, i, k)
		if (!is_shared(k) && !is_meter(k))
			claim_set(up, json_string_value(json_object_get(k, "table")),
				  json_string_value(json_object_get(k, "key")), us->owner);
	took_commit(up, us, &took);   /* what it made is in sxdp: installed */
	free(us->upf_name);
	us->upf_name = NULL;
	json_decref(now);
}

/* The journal's sessions restored a slice at a time: the loop (heartbeats,
 * REST) is served between; requests wait until all are. */
static void
on_restore(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	int done = 0;

	(void)fd;
	(void)what;
	if (up->restore_at == 0)
		pf_upfs_refresh_all(&up->upfs, up->res);
	for (; up->restore_at < up->cap && done < 512; up->restore_at++) {
		struct us *us = up->tab[up->restore_at];

		if (us != NULL && us->upf_name != NULL) {
			restore_one(up, us);
			done++;
			/* its removal may have moved a later one into this slot */
			if (up->tab[up->restore_at] != NULL && up->tab[up->restore_at] != us &&
			    up->tab[up->restore_at]->upf_name != NULL)
				up->restore_at--;
		}
	}
	if (up->restore_at < up->cap) {
		event_active(up->restore, EV_TIMEOUT, 0);
		return;
	}
	up->restoring = false;
	CD_LOG(INFO, "pfcp: %zu sessions restored from the journal", up->n);
	event_active(up->flush, EV_TIMEOUT, 0);
	kick(up);
}

/* sxdp seen at start: the journal's sessions are in it (the same sxdp),
 * or the whole UP function restarted (sxdp too): a new Recovery Time
 * Stamp, and its sessions are gone (TS 29.244 19A: the SMF sees it). */
static void
restart_check(struct pf_up *up, const char *boot_id)
{
	if (up->stored_boot[0] != '\0' && strcmp(up->stored_boot, boot_id) != 0 && up->n > 0) {
		CD_LOG(WARN, "pfcp: sxdp %s is not the one the journal's %zu sessions were in (%s): the UP function "
		       "restarted; a new Recovery Time Stamp, its sessions gone", boot_id, up->n, up->stored_boot);
		for (size_t i = 0; i < up->cap; i++) {
			struct us *us = up->tab[i];

			if (us == NULL)
				continue;
			pf_store_del(up->store, us->seid);
			us_free(up, us);
			i--;   /* what moved into this slot */
		}
		up->restoring = false;
		pf_node_renew_recovery(up->node);
	} else if (up->restoring) {
		up->restore_at = 0;
		event_active(up->restore, EV_TIMEOUT, 0);
	}
}

/* ------------------------------------------------------------ attach */

static const struct pf_node_ops ops = {
	.request = on_request,
	.refused = on_refused,
	.assoc_up = on_assoc_up,
	.assoc_reachable = on_reachable,
	.assoc_gone = on_assoc_gone,
};

/* UP Function Features (TS 29.244 8.2.25) as implemented: FTUP (F-TEID
 * allocation), BUCP (buffering in the UP), DDND (DL data notification
 * delay), EMPU (end markers)... octet 5 first. */
static const uint8_t features[] = {
	0x01 | 0x10,	/* octet 5: BUCP (bit 1), FTUP (bit 5) */
	0x00,		/* octet 6 */
	0x00,
};

int
pf_up_attach(struct pf_node *n, const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	struct pf_up *up = calloc(1, sizeof(*up));
	int rc;

	if (up == NULL || (up->shared = pf_shared_new()) == NULL || (up->claims = json_object()) == NULL ||
	    (up->scratch = malloc(sizeof(*up->scratch))) == NULL ||
	    pf_ids_init(&up->sess_ids, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX) < 0 ||
	    pf_ids_init(&up->meters, UP_METER_PFCP_MIN, UP_METER_PFCP_MAX) < 0) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	up->node = n;
	up->base = ctx->base;
	up->res = ctx->res;
	up->sync = ctx->sync;
	up->ctl = cd_sync_ctl(ctx->sync);
	up->kick = event_new(up->base, -1, 0, on_kick, up);
	up->timer = event_new(up->base, -1, EV_PERSIST, on_timer, up);
	struct timeval tv = { 0, 250000 }, ev = { 0, EVENTS_MS * 1000 }, tick = { TICK_MS / 1000, 0 };

	up->ev_timer = event_new(up->base, -1, EV_PERSIST, on_ev_timer, up);
	up->tick = event_new(up->base, -1, EV_PERSIST, on_tick, up);
	up->flush = event_new(up->base, -1, 0, on_flush, up);
	up->restore = event_new(up->base, -1, 0, on_restore, up);
	up->out_tail = &up->out;
	if (ctx->store_dir != NULL && (rc = pf_store_open(ctx->store_dir, &up->store)) < 0) {
		snprintf(err, len, "the PFCP sessions' journal in %s: %s", ctx->store_dir, strerror(-rc));
		return rc;
	}
	g_up = up;
	if (up->store != NULL && (rc = pf_store_load(up->store, load_one, up)) < 0) {
		snprintf(err, len, "the PFCP sessions' journal: %s", strerror(-rc));
		return rc;
	}
	if (up->n > 0)
		CD_LOG(INFO, "pfcp: %zu sessions from the journal (sxdp %s); claimed once sxdp is seen", up->n,
		       up->stored_boot);
	event_add(up->timer, &tv);
	event_add(up->ev_timer, &ev);
	event_add(up->tick, &tick);
	cd_claim_register(claim_holder, up);
	cd_sync_watch(up->sync, on_sxdp, up);
	pf_node_set_handler(n, &ops, up);
	pf_node_set_features(n, features, sizeof(features));
	g_up = up;
	return 0;
}

void
pf_up_detach(struct pf_node *n)
{
	(void)n;
}

/* /metrics: sessions per SMF (labels: the associations, few), what was
 * done to them, reports sent and unanswered. */
static void
pf_up_metrics(struct cd_vis_fams *f)
{
	struct pf_up *up = g_up;
	json_t *st = pf_up_stats(), *v;
	const char *k;

	if (up == NULL || st == NULL) {
		json_decref(st);
		return;
	}
	cd_vis_sample(f, "sxcd_pfcp_sessions", "gauge", "PFCP sessions in sxdp", (double)up->n, NULL);
	json_object_foreach(json_object_get(st, "by_node"), k, v)
		cd_vis_sample(f, "sxcd_pfcp_sessions_by_smf", "gauge", "PFCP sessions by the SMF's Node ID",
			      (double)json_integer_value(v), "smf", k, NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.est, "procedure",
		      "establishment", NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.mod, "procedure",
		      "modification", NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.del, "procedure",
		      "deletion", NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_reports_total", "counter",
		      "Session Report Requests sent (usage, DL data)", (double)up->st.reports, NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_report_failures_total", "counter",
		      "Session Report Requests unanswered or refused", (double)up->st.report_fails, NULL);
	cd_vis_sample(f, "sxcd_pfcp_dl_data_reports_total", "counter", "DL Data Reports sent",
		      (double)up->st.ddn, NULL);
	json_decref(st);
}

static const struct pf_svc_layer pf_up_layer = {
	.attach = pf_up_attach, .detach = pf_up_detach, .status = pf_up_stats, .metrics = pf_up_metrics,
};

static void __attribute__((constructor))
pf_up_register(void)
{
	pf_svc_session_layer(&pf_up_layer);
}

json_t *
pf_up_stats(void)
{
	struct pf_up *up = g_up;
	json_t *o, *by = json_object();
	unsigned int peers, apps;

	if (up == NULL)
		return NULL;
	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL && up->tab[i]->assoc != NULL) {
			const char *k = pf_assoc_name(up->tab[i]->assoc);

			json_object_set_new(by, k, json_integer(json_integer_value(json_object_get(by, k)) + 1));
		}
	pf_shared_counts(up->shared, &peers, &apps);
	o = json_pack("{s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i}", "total", (json_int_t)up->n, "by_node", by,
		      "established", (json_int_t)up->st.est, "modified", (json_int_t)up->st.mod, "deleted",
		      (json_int_t)up->st.del, "reports", (json_int_t)up->st.reports, "report_failures",
		      (json_int_t)up->st.report_fails, "dl_data_reports", (json_int_t)up->st.ddn, "batches",
		      (json_int_t)up->st.batches, "updates", (json_int_t)up->st.updates, "peers", peers, "apps", apps);
	return o;
}
