/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pf_macar: MACAR (pf_macar.h). The MACs behind an Ethernet PDU session are the source
 * MACs of its uplink frames, which the switch learns into its fdb and ages by what they
 * send; sxdp says which are there now and how long each has been silent (upf.macs). A
 * URR with the MACAR trigger reports those it had not (MAC Addresses Detected: at once
 * for what is there when it is made) and those gone (MAC Addresses Removed: silent for
 * its Ethernet Inactivity Timer, or no longer in the fdb: aged out by the switch's own
 * timer or moved behind something else), in a Usage Report whose trigger is MACAR.
 * What was reported is not journalled: after an sxcd restart (or a takeover) the MACs
 * there are reported detected once again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cd_host.h"
#include "cd_log.h"
#include "pf_macar.h"
#include "pf_report.h"
#include "pf_ucomp.h"
#include "pf_usess.h"

#define ASK_MAX	1024	/* sessions one upf.macs names (sxdp's bound) */
#define LOG_S	10

struct ask {
	struct pf_up *up;
	size_t n;
	uint64_t seids[];	/* the sessions asked of, in the order asked */
};

/* The session's URRs that ask for MACAR; the least of their Ethernet Inactivity Timers
 * (ms, 0: none). */
static int
macar_urrs(const struct pf_session *s, uint32_t *ids, uint64_t *inact_ms)
{
	int n = 0;

	*inact_ms = 0;
	for (int i = 0; i < s->n_urr; i++) {
		const struct pf_urr *u = &s->urr[i];

		if (!(u->triggers & PF_RT_MACAR))
			continue;
		ids[n++] = u->id;
		if (u->eth_inact != 0 && (*inact_ms == 0 || (uint64_t)u->eth_inact * 1000 < *inact_ms))
			*inact_ms = (uint64_t)u->eth_inact * 1000;
	}
	return n;
}

static int
by_session(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* upf.macs' answer, each MAC as (session, seen) sorted by session */
struct row {
	uint32_t session;
	struct pf_mac_seen seen;
};

static void
report_session(struct pf_up *up, struct us *us, const struct pf_mac_seen *cur, int n_cur)
{
	uint8_t det[PF_MACS_REPORT_MAX * 6], rm[PF_MACS_REPORT_MAX * 6], n_det, n_rm;
	struct pf_usage_report urs[PF_SESS_URR_MAX];
	uint32_t ids[PF_SESS_URR_MAX];
	uint64_t inact_ms, now = cd_clock_ms();
	int n = macar_urrs(us->s, ids, &inact_ms), nu = 0;

	if (n == 0 || pf_macs_diff(&us->macs, cur, n_cur, inact_ms, det, &n_det, rm, &n_rm) < 0 ||
	    (n_det == 0 && n_rm == 0))
		return;
	for (int i = 0; i < n; i++) {
		/* the MACs alone: the URR's measurement goes on (its counters are read when its
		 * own triggers are due, not for this) */
		if (pf_usage_report(&us->use, us->s, ids[i], PF_URT_MACAR, false, pf_ucomp_ctr_abs, up, now,
				    pf_up_state_ntp(), &urs[nu]) != 0)
			continue;
		urs[nu].has_vol = urs[nu].has_dur = 0;
		urs[nu].mac_det = det;
		urs[nu].n_det = n_det;
		urs[nu].mac_rm = rm;
		urs[nu].n_rm = n_rm;
		nu++;
	}
	if (nu > 0) {
		up->st.mac_reports++;
		pf_report_usage(up, us, urs, nu);
	}
}

static void
on_macs(void *arg, json_t *result, json_t *error)
{
	struct ask *a = arg;
	struct pf_up *up = a->up;
	json_t *macs = json_object_get(result, "macs"), *m;
	size_t n = json_array_size(macs), i, k = 0;
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	static struct cd_log_limit lim;

	up->macs_busy = false;
	if (error != NULL || rows == NULL) {
		cd_log_limitedf(&lim, LOG_S, "pfcp", "upf.macs: %s (MAC addresses not reported now)",
				error ? json_string_value(json_object_get(error, "message")) : "out of memory");
		goto out;
	}
	json_array_foreach(macs, i, m) {
		const char *s = json_string_value(json_object_get(m, "mac"));
		uint8_t *b = rows[k].seen.mac;
		int end = 0;

		if (s == NULL || sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", &b[0], &b[1], &b[2], &b[3], &b[4],
					&b[5], &end) != 6 || s[end] != '\0')
			continue;
		rows[k].session = (uint32_t)json_integer_value(json_object_get(m, "session"));
		rows[k].seen.idle_ms = (uint64_t)(json_number_value(json_object_get(m, "idle_s")) * 1000.0);
		k++;
	}
	qsort(rows, k, sizeof(*rows), by_session);
	for (i = 0; i < a->n; i++) {
		struct us *us = pf_usess_find(up, a->seids[i]);
		struct pf_mac_seen cur[PF_MACS_MAX];
		size_t lo = 0, hi = k;
		int nc = 0;

		if (us == NULL || us->s == NULL)
			continue;
		while (lo < hi) {   /* the first row of its session */
			size_t mid = (lo + hi) / 2;

			if (rows[mid].session < us->sess_id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < k && rows[lo].session == us->sess_id && nc < PF_MACS_MAX; lo++)
			cur[nc++] = rows[lo].seen;
		report_session(up, us, cur, nc);
	}
out:
	free(rows);
	free(a);
}

void
pf_macar_tick(struct pf_up *up)
{
	struct ask *a;
	json_t *ids;
	size_t i, n = 0;

	if (up->macs_busy || up->tables == NULL || up->n == 0 || up->restoring)
		return;
	if ((a = malloc(sizeof(*a) + ASK_MAX * sizeof(a->seids[0]))) == NULL || (ids = json_array()) == NULL) {
		free(a);
		return;
	}
	a->up = up;
	/* from where the last ask stopped, so that every session's turn comes */
	for (i = 0; i < up->cap && n < ASK_MAX; i++) {
		size_t at = (up->macs_at + i) % up->cap;
		struct us *us = up->tab[at];
		uint32_t urrs[PF_SESS_URR_MAX];
		uint64_t inact;

		if (us == NULL || us->s == NULL)
			continue;
		if (macar_urrs(us->s, urrs, &inact) == 0) {
			pf_macs_free(&us->macs);   /* no URR asks any more: reported afresh if one does */
			continue;
		}
		a->seids[n++] = us->seid;
		json_array_append_new(ids, json_integer(us->sess_id));
	}
	up->macs_at = up->cap ? (up->macs_at + i) % up->cap : 0;
	a->n = n;
	if (n == 0 || cd_host_call(up->ctl, "upf.macs", json_pack("{s:o}", "sessions", ids), on_macs, a) < 0) {
		if (n == 0)
			json_decref(ids);
		free(a);
		return;
	}
	up->macs_busy = true;
}
