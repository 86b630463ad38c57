/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_restore: PFCP sessions restored from the journal at start, written again into a restarted sxdp (pf_restore.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_host.h"
#include "cd_log.h"
#include "cd_tables.h"
#include "pf_map.h"
#include "pf_node.h"
#include "pf_answer.h"
#include "pf_restore.h"
#include "pf_jsync.h"
#include "pf_sweep.h"
#include "pf_ucomp.h"
#include "pf_usess.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_ids.h"
#include "up_names.h"

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
	    (up->ctr_bytes = calloc(room - room / 2, sizeof(*up->ctr_bytes))) != NULL &&
	    (up->ctr_pkts = calloc(room - room / 2, sizeof(*up->ctr_pkts))) != NULL)
		up->counters_ready = true;
}

/* PFCP's meters: from UP_METER_PFCP_MIN to the last id of sxdp's meters
 * table (its size is the box's config), none when it has no more. */
static void
meters_size(struct pf_up *up)
{
	size_t size = cd_tables_size(up->tables, QOS_T_METERS);
	uint32_t hi;

	if (size == 0)
		return;   /* unknown: as it was */
	hi = size - 1 < UP_METER_PFCP_MIN ? UP_METER_PFCP_MIN - 1 :
	     (uint32_t)(size - 1 < QOS_METER_ID_CAP ? size - 1 : QOS_METER_ID_CAP);
	if (hi == up->meters.hi || pf_ids_limit(&up->meters, hi) < 0)
		return;
	if (hi < UP_METER_PFCP_MIN)
		CD_LOG(WARN, "pfcp: sxdp's meters table holds %zu meters: none left for PFCP's QERs (from id %u)",
		       size, UP_METER_PFCP_MIN);
	else
		CD_LOG(INFO, "pfcp: QERs' meters %u..%u (sxdp's meters table: %zu)", UP_METER_PFCP_MIN, hi, size);
}

static void restart_check(struct pf_up *up, const char *boot_id);
static void sweep(struct pf_up *up);

/* An sxdp without the sessions (one that started empty, or the pair's
 * other box's journal taken over): the shared entries, then every
 * session, written into it, in the queue before any request. */
static size_t
rewrite_all(struct pf_up *up)
{
	struct op *sh = calloc(1, sizeof(*sh));
	size_t n = 0;

	up->ev_known = false;
	if (sh != NULL) {
		sh->kind = OP_RESTORE;
		pf_usess_enqueue(up, sh, false);
		n++;
	}
	for (size_t i = 0; i < up->cap; i++) {
		struct us *us = up->tab[i];
		struct op *op;

		if (us == NULL || us->busy || (op = calloc(1, sizeof(*op))) == NULL)
			continue;
		op->kind = OP_RESTORE;
		op->us = us;
		us->busy = true;
		pf_usess_enqueue(up, op, false);
		n++;
	}
	return n;   /* the writes queued */
}

void
pf_restore_on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	struct pf_up *up = arg;

	up->tables = t;
	if (t == NULL)
		return;
	counters_size(up);
	meters_size(up);
	if (up->boot_id[0] == '\0') {   /* the first sxdp this sxcd sees */
		restart_check(up, boot_id);
		snprintf(up->boot_id, sizeof(up->boot_id), "%s", boot_id);
	}
	/* a takeover's journal says this sxdp once every session is written (taken_over) */
	if (up->journal != NULL && !up->takeover && strcmp(up->stored_boot, boot_id) != 0) {
		snprintf(up->stored_boot, sizeof(up->stored_boot), "%s", boot_id);
		pf_jsync_put(up->journal, 0, (const uint8_t *)boot_id, strlen(boot_id));
		event_active(up->flush, EV_TIMEOUT, 0);
	}
	if (up->boot_id[0] != '\0' && strcmp(up->boot_id, boot_id) != 0 && up->n > 0) {
		CD_LOG(INFO, "pfcp: sxdp restarted: its %zu sessions written again", up->n);
		/* its counters start from 0: what they had counted is kept */
		for (size_t i = 0; i < up->cap; i++)
			if (up->tab[i] != NULL)
				pf_usage_restarted(&up->tab[i]->use, pf_ucomp_ctr_abs, up);
		if (up->counters_ready) {
			memset(up->ctr_bytes, 0, sizeof(*up->ctr_bytes) * (up->counters.hi - up->counters.lo + 1));
			memset(up->ctr_pkts, 0, sizeof(*up->ctr_pkts) * (up->counters.hi - up->counters.lo + 1));
		}
		rewrite_all(up);
	}
	snprintf(up->boot_id, sizeof(up->boot_id), "%s", boot_id);
	if (up->sweep_due)
		sweep(up);
	pf_usess_kick(up);
}

/* ------------------------------------------------------------ restarts */

/* One record of the journal at start: sxdp's boot id (key 0) or a session
 * (its association gone: dropped). */
int
pf_restore_load_one(void *arg, uint64_t key, const uint8_t *b, size_t len)
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
		pf_jsync_del(up->journal, key);
		return 0;
	}
	if ((a = pf_node_assoc_by_name(up->node, r.assoc)) == NULL || r.seid != key ||
	    pf_ids_take_this(&up->sess_ids, r.sess_id) < 0 || (us = calloc(1, sizeof(*us))) == NULL) {
		CD_LOG(INFO, "pfcp: session %llu of %s not restored: %s", (unsigned long long)key, r.assoc,
		       a == NULL ? "its association is gone" : "its ids are taken");
		pf_save_free(&r);
		pf_jsync_del(up->journal, key);
		return 0;
	}
	for (int i = 0; i < r.n_met; i++)
		pf_ids_take_this(&up->meters, r.met[i].id);
	*us = (struct us){ .seid = r.seid, .sess_id = r.sess_id, .assoc = a, .s = r.s, .cnt = r.cnt, .met = r.met,
			   .n_cnt = r.n_cnt, .n_met = r.n_met, .use = r.use, .upf_name = strdup(r.upf) };
	us->owner = pf_ucomp_owner_of(a, us->seid);
	us->shared_put = true;   /* none taken yet: taken by its restore */
	pf_usess_insert(up, us);
	pf_usess_index_cp(up, us, true);
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
	if (u == NULL || (us->upf = pf_ucomp_snap_of(up, u)) == NULL ||
	    pf_ucomp_compile_one(up, us, &us->upf->u, us->s, us->sess_id, &took, now, &e) < 0) {
		CD_LOG(ERR, "pfcp: session %s not restored: %s", json_string_value(us->owner),
		       u == NULL ? "its UPF is gone" : e.why);
		pf_ucomp_took_undo(up, us, &took);
		if (up->journal != NULL)
			pf_jsync_del(up->journal, us->seid);
		pf_usess_free(up, us);
		json_decref(now);
		return;
	}
	pf_ucomp_chosen_hold(up, u, us->s, true);
	json_array_foreach(now, i, k)
		if (!pf_ucomp_is_shared(k) && !pf_ucomp_is_meter(k))
			pf_ucomp_claim_set(up, json_string_value(json_object_get(k, "table")),
				  json_string_value(json_object_get(k, "key")), us->owner);
	pf_ucomp_took_commit(up, us, &took);   /* what it made is in sxdp: installed */
	free(us->upf_name);
	us->upf_name = NULL;
	json_decref(now);
}

/* What the sweep keeps: an entry a restored session claims, or an id the
 * layer holds (meters, shared peers and apps). */
static bool
held(void *arg, const char *table, json_t *e, const char *key)
{
	struct pf_up *up = arg;

	if (pf_ucomp_claim_holder(up, table, key) != NULL)
		return true;
	if (strcmp(table, QOS_T_METERS) == 0)
		return pf_ids_taken(&up->meters, (uint32_t)json_integer_value(json_object_get(json_object_get(e,
					"match"), QOS_F_ID)));
	if (strcmp(table, UP_T_TUNNEL_PEERS) == 0)
		return pf_shared_holds(up->shared, false, (uint32_t)json_integer_value(json_object_get(json_object_get(e,
					"match"), UP_F_ID)));
	if (strcmp(table, UP_T_REDIRECTS) == 0)
		return pf_shared_holds_redirect(up->shared, (uint32_t)json_integer_value(
			json_object_get(json_object_get(e, "match"), UP_F_ID)));
	if (strcmp(table, UP_T_APPLICATIONS) == 0 || strcmp(table, UP_T_APPLICATIONS6) == 0 ||
	    strcmp(table, UP_T_ETH_APPLICATIONS) == 0)
		return pf_shared_holds(up->shared, true, (uint32_t)json_integer_value(json_object_get(json_object_get(e,
					"params"), UP_F_APP)));
	return false;
}

#define RESWEEP_MS 500	/* a failed sweep, done again after */
#define RESWEEP_TRIES 20	/* ... at most so many times in a row with sxdp there: then requests go */

/* Requests wait until it is done: an entry no session holds would refuse
 * the establishment that needs its key (the SMF's retransmission of one
 * never answered) with System failure. A failed one is done again, up to
 * RESWEEP_TRIES times in a row while sxdp is there (about 10 s), then
 * requests go all the same. */
static void
swept(void *arg, int rc)
{
	struct pf_up *up = arg;
	struct timeval tv = { 0, RESWEEP_MS * 1000 };

	if (rc < 0 && (up->tables == NULL || ++up->sweep_tries < RESWEEP_TRIES)) {
		CD_LOG(ERR, "pfcp: the sweep of sxdp's entries no session holds failed (%s): done again %s", strerror(-rc),
		       up->tables != NULL ? "shortly" : "once sxdp is back");
		up->sweep_due = true;
		if (up->tables != NULL)
			event_add(up->resweep, &tv);
		return;
	}
	if (rc < 0)   /* a PFCP that never serves is worse than an entry left */
		CD_LOG(ERR, "pfcp: the sweep failed %u times in a row (%s): requests go; an establishment whose key an "
		       "entry left holds is refused (System failure) until sxcd restarts", up->sweep_tries, strerror(-rc));
	up->sweep_tries = 0;
	up->restoring = false;
	event_active(up->flush, EV_TIMEOUT, 0);
	pf_usess_kick(up);
}

void
pf_restore_resweep(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;

	(void)fd;
	(void)what;
	if (up->sweep_due && up->tables != NULL)
		sweep(up);
}

/* Once the journal's sessions are restored: PFCP's entries in sxdp no
 * session holds (pf_sweep.h), then requests go. */
static void
sweep(struct pf_up *up)
{
	up->sweep_due = false;   /* (set again if it fails) */
	event_del(up->resweep);
	if (up->tables == NULL || pf_sweep_start(up->ctl, up->tables, held, swept, up) < 0)
		swept(up, -ENOTCONN);
}

/* ------------------------------------------------------------ a pair's takeover */

/*
 * The journal is the pair's other box's (pf_pair streamed it here); this
 * sxdp has none of its sessions, and may hold PFCP entries of its own from
 * when this box last served (a failback): all of them swept first, so the
 * sessions' inserts find their keys free; then the counters the sessions
 * name read (they never restart: links count from what they hold now);
 * then the sessions restored into the books and written, ahead of every
 * request that came meanwhile.
 */
static bool
held_none(void *arg, const char *table, json_t *e, const char *key)
{
	(void)arg;
	(void)table;
	(void)e;
	(void)key;
	return false;
}

#define CTR_READ 1024	/* counters a upf.usage call reads */

static void read_counters(struct pf_up *up);

#define CTR_TRIES 5	/* a read sxdp refused, asked again */

static void
on_counters(void *arg, json_t *result, json_t *error)
{
	struct pf_up *up = arg;
	json_t *c;
	size_t i;

	if (error != NULL) {
		/* a session counting from what it cannot know would report earlier
		 * sessions' bytes: asked again, then logged */
		if (++up->takeover_tries < CTR_TRIES) {
			up->takeover_ctr = up->takeover_from;
		} else {
			CD_LOG(ERR, "pfcp: takeover: sxdp's counters of some sessions not read (%s): their usage may "
			       "count what earlier sessions counted there", json_string_value(json_object_get(error,
			       "message")));
			up->takeover_tries = 0;
		}
	} else {
		up->takeover_tries = 0;
	}
	json_array_foreach(json_object_get(result, "urrs"), i, c) {
		uint32_t id = (uint32_t)json_integer_value(json_object_get(c, "urr"));

		if (up->counters_ready && id >= up->counters.lo && id <= up->counters.hi) {
			up->ctr_bytes[id - up->counters.lo] = (uint64_t)json_integer_value(json_object_get(c, "bytes"));
			up->ctr_pkts[id - up->counters.lo] = (uint64_t)json_integer_value(json_object_get(c, "packets"));
		}
	}
	read_counters(up);
}

/* The counters of the sessions' links, CTR_READ a call, from slot
 * up->takeover_ctr of the table on; then the restore. */
static void
read_counters(struct pf_up *up)
{
	json_t *ids = json_array();
	size_t n;

	/* the counters a session holds (its links name them, several a counter) */
	up->takeover_from = up->takeover_ctr;
	for (; up->takeover_ctr < up->cap && json_array_size(ids) + UINT8_MAX <= CTR_READ; up->takeover_ctr++) {
		const struct us *us = up->tab[up->takeover_ctr];

		for (int j = 0; us != NULL && j < us->n_cnt; j++)
			json_array_append_new(ids, json_integer(us->cnt[j].id));
	}
	n = json_array_size(ids);
	if (n > 0 && up->counters_ready) {
		/* the call takes ids (and frees them when it cannot be made) */
		if (cd_host_call(up->ctl, "upf.usage", json_pack("{s:o}", "urrs", ids), on_counters, up) == 0)
			return;
		CD_LOG(ERR, "pfcp: takeover: sxdp away: its counters not read");
	} else {
		json_decref(ids);
	}
	up->restore_at = 0;
	event_active(up->restore, EV_TIMEOUT, 0);
}

static void
takeover_swept(void *arg, int rc)
{
	struct pf_up *up = arg;

	if (rc < 0)
		CD_LOG(ERR, "pfcp: takeover: PFCP's entries of this sxdp not swept (%s): a session whose key one "
		       "holds fails to be written", strerror(-rc));
	up->takeover_ctr = 0;
	read_counters(up);
}

/* Restored into the books: their usage from what the other box journalled,
 * and every one written. */
static void
taken_over(struct pf_up *up)
{
	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL)
			pf_usage_taken_over(&up->tab[i]->use, pf_ucomp_ctr_abs, up);
	CD_LOG(INFO, "pfcp: took over the pair's %zu sessions: written into this sxdp; what their usage counted "
	       "at the other box since its last journal record is lost (never reported twice)", up->n);
	up->st.taken_over += up->n;
	up->takeover = false;
	up->rewriting = rewrite_all(up);
	/* the usage's new bases journalled; the journal says this sxdp once
	 * every session is in it (pf_restore_written): a takeover cut short is
	 * done again from the other box's boot id */
	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL)
			pf_answer_save(up, up->tab[i]);
	if (up->rewriting == 0)
		pf_restore_written(up);
	swept(up, 0);
}

void
pf_restore_written(struct pf_up *up)
{
	if (up->rewriting > 1) {
		up->rewriting--;
		return;
	}
	up->rewriting = 0;
	if (up->journal != NULL && strcmp(up->stored_boot, up->boot_id) != 0) {
		snprintf(up->stored_boot, sizeof(up->stored_boot), "%s", up->boot_id);
		pf_jsync_put(up->journal, 0, (const uint8_t *)up->boot_id, strlen(up->boot_id));
		event_active(up->flush, EV_TIMEOUT, 0);
	}
}

/* The journal's sessions restored a slice at a time: the loop (heartbeats,
 * REST) is served between; requests wait until all are. */
void
pf_restore_slice(evutil_socket_t fd, short what, void *arg)
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
	CD_LOG(INFO, "pfcp: %zu sessions restored from the journal", up->n);
	if (up->takeover) {
		taken_over(up);
		return;
	}
	sweep(up);
}

/* sxdp seen at start: the journal's sessions are in it (the same sxdp),
 * or the whole UP function restarted (sxdp too): a new Recovery Time
 * Stamp, and its sessions are gone (TS 29.244 19A: the SMF sees it). */
static void
restart_check(struct pf_up *up, const char *boot_id)
{
	if (up->takeover) {
		CD_LOG(INFO, "pfcp: taking over the pair's %zu sessions: this sxdp's PFCP entries swept first", up->n);
		up->restoring = true;
		if (up->tables == NULL || pf_sweep_start(up->ctl, up->tables, held_none, takeover_swept, up) < 0)
			takeover_swept(up, -ENOTCONN);
	} else if (up->stored_boot[0] != '\0' && strcmp(up->stored_boot, boot_id) != 0 && up->n > 0) {
		CD_LOG(WARN, "pfcp: sxdp %s is not the one the journal's %zu sessions were in (%s): the UP function "
		       "restarted; a new Recovery Time Stamp, its sessions gone", boot_id, up->n, up->stored_boot);
		for (size_t i = 0; i < up->cap; i++) {
			struct us *us = up->tab[i];

			if (us == NULL)
				continue;
			pf_jsync_del(up->journal, us->seid);
			pf_usess_free(up, us);
			i--;   /* what moved into this slot */
		}
		up->restoring = false;
		pf_node_renew_recovery(up->node);
	} else if (up->restoring) {
		up->restore_at = 0;
		event_active(up->restore, EV_TIMEOUT, 0);
	} else {
		up->restoring = true;   /* requests wait for the sweep */
		sweep(up);
	}
}
