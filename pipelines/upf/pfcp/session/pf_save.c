/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_save: a PFCP session's journal record, both ways (pf_save.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_save.h"

/* 2: the packet counts, the quota baselines and MNOP too (1's are still read:
 * those fields 0, as they were) */
#define FORMAT 2

struct w {
	uint8_t *b;
	size_t size, len;
};

static void
put(struct w *w, const void *v, size_t n)
{
	if (w->len + n <= w->size)
		memcpy(w->b + w->len, v, n);
	w->len += n;
}

static void
put8(struct w *w, uint64_t v, int bytes)
{
	uint8_t b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	put(w, b, (size_t)bytes);
}

static void
put_str(struct w *w, const char *s)
{
	size_t n = strnlen(s, PF_SAVE_NAME - 1);

	put8(w, n, 1);
	put(w, s, n);
}

struct r {
	const uint8_t *b;
	size_t len, at;
	bool bad;
};

static uint64_t
get(struct r *r, int bytes)
{
	uint64_t v = 0;

	if (r->at + (size_t)bytes > r->len) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | r->b[r->at++];
	return v;
}

static void
get_str(struct r *r, char *out)
{
	size_t n = (size_t)get(r, 1);

	if (r->bad || r->at + n > r->len) {
		r->bad = true;
		out[0] = '\0';
		return;
	}
	memcpy(out, r->b + r->at, n);
	out[n] = '\0';
	r->at += n;
}

/* Monotonic ms to wall-clock ms and back (0 stays 0: "none"). */
static uint64_t
ms_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
to_wall(uint64_t mono)
{
	uint64_t m = ms_of(CLOCK_MONOTONIC), wall = ms_of(CLOCK_REALTIME);

	return mono == 0 ? 0 : mono <= m ? wall - (m - mono) : wall + (mono - m);
}

static uint64_t
to_mono(uint64_t wall)
{
	uint64_t m = ms_of(CLOCK_MONOTONIC), now = ms_of(CLOCK_REALTIME);

	if (wall == 0)
		return 0;
	/* a time from before this boot's monotonic start: as far back as it goes */
	return wall <= now ? (now - wall < m ? m - (now - wall) : 1) : m + (wall - now);
}

int
pf_save_pack(const struct pf_rec *r, uint8_t *buf, size_t size)
{
	struct w w = { buf, size, 0 };
	int n;

	put8(&w, FORMAT, 1);
	put8(&w, r->seid, 8);
	put8(&w, r->sess_id, 4);
	put_str(&w, r->assoc);
	put_str(&w, r->upf);
	put8(&w, r->n_cnt, 1);
	for (int i = 0; i < r->n_cnt; i++) {
		put8(&w, r->cnt[i].key, 4);
		put8(&w, r->cnt[i].id, 4);
		put8(&w, r->cnt[i].thr, 8);
		put8(&w, r->cnt[i].stopped, 1);
	}
	put8(&w, r->n_met, 1);
	for (int i = 0; i < r->n_met; i++) {
		put8(&w, r->met[i].key, 4);
		put8(&w, r->met[i].id, 4);
	}
	put8(&w, r->use.n_link, 2);
	for (int i = 0; i < r->use.n_link; i++) {
		const struct pf_ulink *l = &r->use.link[i];

		put8(&w, l->urr, 4);
		put8(&w, l->ctr, 4);
		put8(&w, l->pdr, 2);
		put8(&w, l->ul, 1);
		put8(&w, l->base, 8);
		put8(&w, l->base_pkts, 8);
	}
	put8(&w, r->use.n_meas, 2);
	for (int i = 0; i < r->use.n_meas; i++) {
		const struct pf_meas *m = &r->use.meas[i];

		put8(&w, m->urr, 4);
		put8(&w, m->seqn, 4);
		put8(&w, m->start_ntp, 4);
		put8(&w, to_wall(m->start_ms), 8);
		put8(&w, to_wall(m->next_ms), 8);
		put8(&w, to_wall(m->born_ms), 8);
		put8(&w, m->gone_ul, 8);
		put8(&w, m->gone_dl, 8);
		put8(&w, m->rep_ul, 8);
		put8(&w, m->rep_dl, 8);
		put8(&w, m->exhausted, 1);
		put8(&w, m->quota_gen, 4);
		put8(&w, m->quota_ul, 8);
		put8(&w, m->quota_dl, 8);
		put8(&w, m->gone_ul_p, 8);
		put8(&w, m->gone_dl_p, 8);
		put8(&w, m->rep_ul_p, 8);
		put8(&w, m->rep_dl_p, 8);
		put8(&w, m->mnop, 1);
	}
	if ((n = pf_sess_pack(r->s, NULL, 0)) < 0)
		return n;
	put8(&w, (uint64_t)n, 4);
	if (w.len + (size_t)n <= size && pf_sess_pack(r->s, buf + w.len, size - w.len) != n)
		return -ENOSPC;
	w.len += (size_t)n;
	return w.len <= size ? (int)w.len : -ENOSPC;
}

void
pf_save_free(struct pf_rec *r)
{
	free(r->cnt);
	free(r->met);
	pf_usage_free(&r->use);
	pf_sess_free(r->s);
	r->cnt = r->met = NULL;
	r->s = NULL;
}

int
pf_save_unpack(const uint8_t *b, size_t len, struct pf_rec *out)
{
	struct r r = { b, len, 0, false };
	struct pf_rec x = { 0 };
	size_t n;
	int rc = -EINVAL, ver = (int)get(&r, 1);

	if (ver != 1 && ver != FORMAT)
		return -EINVAL;
	x.seid = get(&r, 8);
	x.sess_id = (uint32_t)get(&r, 4);
	get_str(&r, x.assoc);
	get_str(&r, x.upf);
	x.n_cnt = (uint8_t)get(&r, 1);
	x.cnt = calloc((size_t)x.n_cnt + 1, sizeof(*x.cnt));
	for (int i = 0; x.cnt != NULL && i < x.n_cnt; i++) {
		x.cnt[i].key = (uint32_t)get(&r, 4);
		x.cnt[i].id = (uint32_t)get(&r, 4);
		x.cnt[i].thr = get(&r, 8);
		x.cnt[i].stopped = (uint8_t)get(&r, 1);
	}
	x.n_met = (uint8_t)get(&r, 1);
	x.met = calloc((size_t)x.n_met + 1, sizeof(*x.met));
	for (int i = 0; x.met != NULL && i < x.n_met; i++) {
		x.met[i].key = (uint32_t)get(&r, 4);
		x.met[i].id = (uint32_t)get(&r, 4);
	}
	x.use.n_link = (uint16_t)get(&r, 2);
	x.use.link = calloc(x.use.n_link > 0 ? (size_t)x.use.n_link : 1, sizeof(*x.use.link));
	for (int i = 0; x.use.link != NULL && i < x.use.n_link && !r.bad; i++) {
		struct pf_ulink *l = &x.use.link[i];

		l->urr = (uint32_t)get(&r, 4);
		l->ctr = (uint32_t)get(&r, 4);
		l->pdr = (uint16_t)get(&r, 2);
		l->ul = (uint8_t)get(&r, 1);
		l->base = get(&r, 8);
		if (ver >= 2)
			l->base_pkts = get(&r, 8);
	}
	x.use.n_meas = (uint16_t)get(&r, 2);
	x.use.meas = calloc(x.use.n_meas > 0 ? (size_t)x.use.n_meas : 1, sizeof(*x.use.meas));
	for (int i = 0; x.use.meas != NULL && i < x.use.n_meas && !r.bad; i++) {
		struct pf_meas *m = &x.use.meas[i];

		m->urr = (uint32_t)get(&r, 4);
		m->seqn = (uint32_t)get(&r, 4);
		m->start_ntp = (uint32_t)get(&r, 4);
		m->start_ms = to_mono(get(&r, 8));
		m->next_ms = to_mono(get(&r, 8));
		m->born_ms = to_mono(get(&r, 8));
		m->gone_ul = get(&r, 8);
		m->gone_dl = get(&r, 8);
		m->rep_ul = get(&r, 8);
		m->rep_dl = get(&r, 8);
		m->exhausted = get(&r, 1) != 0;
		if (ver < 2)
			continue;
		m->quota_gen = (uint32_t)get(&r, 4);
		m->quota_ul = get(&r, 8);
		m->quota_dl = get(&r, 8);
		m->gone_ul_p = get(&r, 8);
		m->gone_dl_p = get(&r, 8);
		m->rep_ul_p = get(&r, 8);
		m->rep_dl_p = get(&r, 8);
		m->mnop = get(&r, 1) != 0;
	}
	n = (size_t)get(&r, 4);
	if (x.cnt == NULL || x.met == NULL || x.use.link == NULL || x.use.meas == NULL) {
		rc = -ENOMEM;
		goto bad;
	}
	if (r.bad || r.at + n != len || x.n_cnt > PF_SESS_PDR_MAX || x.n_met > PF_SESS_QER_MAX * 2 ||
	    (rc = pf_sess_unpack(b + r.at, n, &x.s)) < 0) {
		rc = rc == -ENOMEM ? rc : -EINVAL;
		goto bad;
	}
	*out = x;
	return 0;
bad:
	pf_save_free(&x);
	return rc;
}
