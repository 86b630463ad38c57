/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_sweep: PFCP's orphan entries in sxdp read back and deleted (pf_sweep.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_host.h"
#include "cd_log.h"
#include "cd_tables.h"
#include "pf_sweep.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_ids.h"
#include "up_names.h"

#define PAGE 1000	/* table.read's limit at most (sxdp's DP_APIDEF_READ_LIMIT_MAX): past it, refused */

/* Where PFCP's entries are: which tables, and how an entry says it is
 * PFCP's (a field of its match or params, in PFCP's range). Dependents
 * first: what names a peer, an app or a meter goes before it. */
static const struct {
	const char *table;
	const char *in;		/* "match" or "params" */
	const char *field;
	uint32_t lo, hi;
} where[] = {
	{ UP_T_SESSIONS_UPLINK, "params", UP_F_ID, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_SESSIONS_N9_DOWNLINK, "params", UP_F_ID, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_SESSIONS_DOWNLINK, "params", UP_F_ID, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_SESSIONS_DOWNLINK6, "params", UP_F_ID, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_TERMINATIONS_UPLINK, "match", UP_F_SESSION, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_TERMINATIONS_DOWNLINK, "match", UP_F_SESSION, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_SESSIONS_ETH, "match", UP_F_SESSION, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_LAN_MEMBERS, "params", UP_F_SESSION, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_SESSIONS_RA, "match", UP_F_SESSION, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX },
	{ UP_T_APPLICATIONS, "params", UP_F_APP, UP_APP_PFCP_MIN, UP_APP_PFCP_MAX },
	{ UP_T_ETH_APPLICATIONS, "params", UP_F_APP, UP_APP_PFCP_MIN, UP_APP_PFCP_MAX },
	{ UP_T_APPLICATIONS6, "params", UP_F_APP, UP_APP_PFCP_MIN, UP_APP_PFCP_MAX },
	{ UP_T_TUNNEL_PEERS, "match", UP_F_ID, UP_PEER_PFCP_MIN, UP_PEER_PFCP_MAX },
	{ UP_T_REDIRECTS, "match", UP_F_ID, UP_REDIRECT_PFCP_MIN, UP_REDIRECT_PFCP_MAX },
	{ QOS_T_METERS, "match", QOS_F_ID, UP_METER_PFCP_MIN, QOS_METER_ID_CAP },   /* all above: PFCP's */
};
#define N_WHERE (sizeof(where) / sizeof(where[0]))

struct sweep {
	struct ctl_async *ctl;
	const struct cd_tables *t;
	pf_sweep_held *held;
	pf_sweep_done *done;
	void *arg;
	size_t at;		/* the table being read */
	json_t *dels;		/* the deletes, in the tables' order */
};

static void next_table(struct sweep *s, json_int_t offset);

static void
finish(struct sweep *s, int rc)
{
	s->done(s->arg, rc);
	json_decref(s->dels);
	free(s);
}

static void
on_deleted(void *arg, json_t *result, json_t *error)
{
	struct sweep *s = arg;
	int n = (int)json_array_size(s->dels);

	if (error != NULL) {
		CD_LOG(ERR, "pfcp: the orphans' deletes were refused: %s", json_string_value(json_object_get(error, "message")));
		finish(s, cd_host_lost(error) ? -ENOTCONN : -EIO);
		return;
	}
	finish(s, n - (int)json_integer_value(json_object_get(result, "failed")));
}

/* One entry read: PFCP's and held by none, deleted. */
static void
judge(struct sweep *s, json_t *e)
{
	json_int_t v = json_integer_value(json_object_get(json_object_get(e, where[s->at].in), where[s->at].field));
	json_t *u;
	char *key, err[128];

	if (v < where[s->at].lo || v > where[s->at].hi)
		return;   /* an intent's */
	u = json_pack("{s:s,s:s,s:O}", "type", "delete", "table", where[s->at].table, "match", json_object_get(e, "match"));
	if (json_object_get(e, "priority") != NULL)
		json_object_set(u, "priority", json_object_get(e, "priority"));
	if (cd_tables_key(s->t, u, &key, err, sizeof(err)) < 0) {
		json_decref(u);
		return;
	}
	if (!s->held(s->arg, where[s->at].table, e, key))
		json_array_append(s->dels, u);
	free(key);
	json_decref(u);
}

static void
on_page(void *arg, json_t *result, json_t *error)
{
	struct sweep *s = arg;
	json_t *e, *next;
	size_t i;

	if (cd_host_lost(error)) {
		finish(s, -ENOTCONN);
		return;
	}
	if (error != NULL) {   /* a table not read is a table not swept: said, not passed over */
		CD_LOG(ERR, "pfcp: %s not read for the sweep: %s", where[s->at].table,
		       json_string_value(json_object_get(error, "message")));
		finish(s, -EIO);
		return;
	}
	json_array_foreach(json_object_get(result, "entries"), i, e)
		judge(s, e);
	next = json_object_get(result, "next_offset");
	if (error == NULL && json_is_integer(next)) {
		next_table(s, json_integer_value(next));
		return;
	}
	s->at++;
	next_table(s, 0);
}

static void
next_table(struct sweep *s, json_int_t offset)
{
	while (s->at < N_WHERE && !cd_tables_has(s->t, where[s->at].table))
		s->at++;
	if (s->at < N_WHERE) {
		if (cd_host_call(s->ctl, "table.read", json_pack("{s:s,s:I,s:i}", "table", where[s->at].table, "offset",
								 offset, "limit", PAGE), on_page, s) < 0)
			finish(s, -ENOTCONN);
		return;
	}
	if (json_array_size(s->dels) == 0) {
		finish(s, 0);
		return;
	}
	CD_LOG(WARN, "pfcp: %zu entries in sxdp no session holds (written and never answered before sxcd "
	       "stopped, or a pair's box's own from when it last served): deleted", json_array_size(s->dels));
	if (cd_host_call(s->ctl, "table.write", json_pack("{s:s,s:O}", "atomicity", "continue", "updates", s->dels),
			 on_deleted, s) < 0)
		finish(s, -ENOTCONN);
}

int
pf_sweep_start(struct ctl_async *ctl, const struct cd_tables *t, pf_sweep_held *held, pf_sweep_done *done,
	       void *arg)
{
	struct sweep *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->dels = json_array()) == NULL) {
		free(s);
		return -ENOMEM;
	}
	*s = (struct sweep){ .ctl = ctl, .t = t, .held = held, .done = done, .arg = arg, .dels = s->dels };
	if (!cd_host_up(ctl)) {
		json_decref(s->dels);
		free(s);
		return -ENOTCONN;
	}
	next_table(s, 0);
	return 0;
}
