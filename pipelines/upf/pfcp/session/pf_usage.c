/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_usage: URRs measured from per-PDR counters; what is due (pf_usage.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_usage.h"

#define VOL_TOVOL 0x01
#define VOL_ULVOL 0x02
#define VOL_DLVOL 0x04

void
pf_usage_free(struct pf_usage *u)
{
	free(u->link);
	free(u->meas);
	memset(u, 0, sizeof(*u));
}

static struct pf_meas *
meas_of(const struct pf_usage *u, uint32_t urr)
{
	for (int i = 0; i < u->n_meas; i++)
		if (u->meas[i].urr == urr)
			return &u->meas[i];
	return NULL;
}

/* What a counter gained over @base: it never goes back, but sxdp's may
 * restart from 0. */
static uint64_t
gained(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : now;
}

/* What a measure gained since @base (0 when it is below: sxdp's counters restarted). */
static uint64_t
since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : 0;
}

/* Bytes a URR measured since it started (uplink, downlink); with @p,
 * packets too (p[0] uplink, p[1] downlink). */
static void
since_start(const struct pf_usage *u, const struct pf_meas *m, pf_ctr_abs *abs, void *aarg, uint64_t *ul, uint64_t *dl,
	    uint64_t *p)
{
	*ul = m->gone_ul;
	*dl = m->gone_dl;
	if (p != NULL) {
		p[0] = m->gone_ul_p;
		p[1] = m->gone_dl_p;
	}
	for (int i = 0; i < u->n_link; i++) {
		const struct pf_ulink *l = &u->link[i];

		if (l->urr != m->urr)
			continue;
		*(l->ul ? ul : dl) += gained(abs(aarg, l->ctr), l->base);
		if (p != NULL)
			p[l->ul ? 0 : 1] += gained(abs(aarg, l->ctr | PF_CTR_PKTS), l->base_pkts);
	}
}

static bool
pdr_is_ul(const struct pf_pdr *p)
{
	return p->src_iface == PF_IF_ACCESS;
}

int
pf_usage_update(struct pf_usage *u, const struct pf_session *s, pf_ctr_of *ctr_of, void *carg, pf_ctr_abs *abs,
		void *aarg, uint64_t now_ms, uint32_t now_ntp, struct pf_usage_report *out, int *n_out)
{
	int nl = 0, nm = 0;
	struct pf_ulink *link;
	struct pf_meas *meas;

	*n_out = 0;
	for (int i = 0; i < s->n_pdr; i++)
		nl += s->pdr[i].n_urr;
	/* exactly as many as there are: a session holds them as long as it lives
	 * (one more of each was a third of a PFCP session's heap) */
	link = calloc(nl > 0 ? (size_t)nl : 1, sizeof(*link));
	meas = calloc(s->n_urr > 0 ? (size_t)s->n_urr : 1, sizeof(*meas));
	if (link == NULL || meas == NULL) {
		free(link);
		free(meas);
		return -ENOMEM;
	}
	/* measurements: the ones kept, new ones from now */
	for (int i = 0; i < s->n_urr; i++) {
		const struct pf_meas *o = meas_of(u, s->urr[i].id);
		struct pf_meas *m = &meas[nm++];

		if (o != NULL) {
			*m = *o;
			if (m->quota_gen != s->urr[i].quota_gen) {
				/* a quota granted again (TS 29.244 5.2.2.2): measured from
				 * now, its PDRs forwarding again until it is used up */
				since_start(u, o, abs, aarg, &m->quota_ul, &m->quota_dl, NULL);
				m->born_ms = now_ms;
				m->exhausted = false;
			}
		} else {
			*m = (struct pf_meas){ .urr = s->urr[i].id, .start_ntp = now_ntp, .start_ms = now_ms,
					       .born_ms = now_ms };
		}
		m->quota_gen = s->urr[i].quota_gen;
		m->mnop = s->urr[i].mnop;
		m->next_ms = s->urr[i].meas_period ? (o && o->next_ms ? o->next_ms :
						     now_ms + (uint64_t)s->urr[i].meas_period * 1000) : 0;
	}
	/* links: the ones kept keep their base, new ones start now */
	nl = 0;
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		uint32_t ctr = ctr_of(carg, p->id);

		for (int k = 0; k < p->n_urr; k++) {
			struct pf_ulink *l = &link[nl];
			const struct pf_ulink *o = NULL;

			if (ctr == 0)
				continue;
			for (int j = 0; j < u->n_link && o == NULL; j++)
				if (u->link[j].pdr == p->id && u->link[j].urr == p->urr[k] && u->link[j].ctr == ctr)
					o = &u->link[j];
			*l = o ? *o : (struct pf_ulink){ .urr = p->urr[k], .ctr = ctr, .pdr = p->id, .ul = pdr_is_ul(p),
							.base = abs(aarg, ctr),
							.base_pkts = abs(aarg, ctr | PF_CTR_PKTS) };
			l->ul = pdr_is_ul(p);
			nl++;
		}
	}
	/* links gone: what they counted stays their URR's */
	for (int j = 0; j < u->n_link; j++) {
		const struct pf_ulink *o = &u->link[j];
		bool kept = false;
		struct pf_meas *m;

		for (int i = 0; i < nl && !kept; i++)
			kept = link[i].pdr == o->pdr && link[i].urr == o->urr && link[i].ctr == o->ctr;
		if (kept)
			continue;
		for (int i = 0; i < nm; i++) {
			m = &meas[i];
			if (m->urr == o->urr) {
				*(o->ul ? &m->gone_ul : &m->gone_dl) += gained(abs(aarg, o->ctr), o->base);
				*(o->ul ? &m->gone_ul_p : &m->gone_dl_p) +=
					gained(abs(aarg, o->ctr | PF_CTR_PKTS), o->base_pkts);
			}
		}
	}
	/* URRs gone: their final report (the old links still counted) */
	for (int j = 0; j < u->n_meas; j++) {
		bool kept = false;

		for (int i = 0; i < nm && !kept; i++)
			kept = meas[i].urr == u->meas[j].urr;
		if (!kept && *n_out < PF_SESS_URR_MAX &&
		    pf_usage_report(u, NULL, u->meas[j].urr, PF_URT_TERMR, false, abs, aarg, now_ms, now_ntp,
				    &out[*n_out]) == 0)
			(*n_out)++;
	}
	free(u->link);
	free(u->meas);
	u->link = link;
	u->meas = meas;
	u->n_link = (uint16_t)nl;
	u->n_meas = (uint16_t)nm;
	return 0;
}

int
pf_usage_report(struct pf_usage *u, const struct pf_session *s, uint32_t urr, uint32_t trigger, bool reset,
		pf_ctr_abs *abs, void *aarg, uint64_t now_ms, uint32_t now_ntp, struct pf_usage_report *r)
{
	struct pf_meas *m = meas_of(u, urr);
	uint64_t ul, dl, p[2];

	(void)s;
	if (m == NULL)
		return -ENOENT;
	since_start(u, m, abs, aarg, &ul, &dl, p);
	ul = since(ul, m->rep_ul);
	dl = since(dl, m->rep_dl);
	p[0] = since(p[0], m->rep_ul_p);
	p[1] = since(p[1], m->rep_dl_p);
	*r = (struct pf_usage_report){ .urr_id = urr, .ur_seqn = m->seqn++, .trigger = trigger,
				       .start = m->start_ntp, .end = now_ntp, .has_vol = 1, .has_dur = 1,
				       .vol = { .flags = VOL_TOVOL | VOL_ULVOL | VOL_DLVOL, .total = ul + dl, .ul = ul,
						.dl = dl },
				       .duration = (uint32_t)((now_ms - m->start_ms) / 1000) };
	if (m->mnop) {   /* TS 29.244 5.2.2.2: asked for by the URR's Measurement Information */
		r->vol.flags |= PF_VOL_NOP;
		r->vol.total_pkts = p[0] + p[1];
		r->vol.ul_pkts = p[0];
		r->vol.dl_pkts = p[1];
	}
	if (reset) {
		m->rep_ul += ul;
		m->rep_dl += dl;
		m->rep_ul_p += p[0];
		m->rep_dl_p += p[1];
		m->start_ms = now_ms;
		m->start_ntp = now_ntp;
	}
	return 0;
}

/* Is @v (since the last report, or since start for a quota) at or past
 * volume @t (its flags say which of total, UL, DL count)? */
static bool
reached(const struct pf_volume *t, uint64_t ul, uint64_t dl)
{
	return ((t->flags & VOL_TOVOL) && ul + dl >= t->total) || ((t->flags & VOL_ULVOL) && ul >= t->ul) ||
	       ((t->flags & VOL_DLVOL) && dl >= t->dl);
}

/* What is left of @t after @ul, @dl (the least of the volumes it names). */
static uint64_t
left(const struct pf_volume *t, uint64_t ul, uint64_t dl)
{
	uint64_t l = UINT64_MAX;

	if ((t->flags & VOL_TOVOL) && t->total > ul + dl)
		l = t->total - ul - dl < l ? t->total - ul - dl : l;
	else if (t->flags & VOL_TOVOL)
		return 0;
	if ((t->flags & VOL_ULVOL))
		l = t->ul > ul ? (t->ul - ul < l ? t->ul - ul : l) : 0;
	if ((t->flags & VOL_DLVOL))
		l = t->dl > dl ? (t->dl - dl < l ? t->dl - dl : l) : 0;
	return l;
}

int
pf_usage_due(struct pf_usage *u, const struct pf_session *s, pf_ctr_abs *abs, void *aarg, uint64_t now_ms,
	     uint32_t now_ntp, struct pf_usage_report *out, bool *rearm)
{
	int n = 0;

	*rearm = false;
	for (int i = 0; i < u->n_meas && n < PF_SESS_URR_MAX; i++) {
		struct pf_meas *m = &u->meas[i];
		const struct pf_urr *r = pf_sess_urr(s, m->urr);
		uint64_t ul, dl;
		uint32_t why = 0;
		bool stop = false;

		if (r == NULL)
			continue;
		since_start(u, m, abs, aarg, &ul, &dl, NULL);
		if (r->has_vol_quota && !m->exhausted && (r->triggers & PF_RT_VOLQU) &&
		    reached(&r->vol_quota, since(ul, m->quota_ul), since(dl, m->quota_dl))) {
			why |= PF_URT_VOLQU;
			stop = true;
		}
		if (r->time_quota && !m->exhausted && now_ms - m->born_ms >= (uint64_t)r->time_quota * 1000) {
			why |= PF_URT_TIMQU;
			stop = true;
		}
		/* a quota no longer valid (TS 29.244 5.2.2.2.1) is as one used up;
		 * reported when the URR asks (QUVTI) */
		if (r->quota_validity && !m->exhausted && now_ms - m->born_ms >= (uint64_t)r->quota_validity * 1000) {
			why |= r->triggers & PF_RT_QUVTI ? PF_URT_QUVTI : 0;
			stop = true;
		}
		/* the start of its traffic (its PDRs forward again), and its stop */
		if (r->triggers & (PF_RT_START | PF_RT_STOPT)) {
			if (ul + dl != m->seen) {
				if (!m->traffic && (r->triggers & PF_RT_START))
					why |= PF_URT_START;
				m->traffic = true;
				m->seen = ul + dl;
				m->moved_ms = now_ms;
			} else if (m->traffic && now_ms - m->moved_ms >= PF_USAGE_STOPT_MS) {
				why |= r->triggers & PF_RT_STOPT ? PF_URT_STOPT : 0;
				m->traffic = false;
			}
		}
		if (r->has_vol_thresh && (r->triggers & PF_RT_VOLTH) &&
		    reached(&r->vol_thresh, since(ul, m->rep_ul), since(dl, m->rep_dl)))
			why |= PF_URT_VOLTH;
		if (r->time_thresh && (r->triggers & PF_RT_TIMTH) && now_ms - m->start_ms >= (uint64_t)r->time_thresh * 1000)
			why |= PF_URT_TIMTH;
		if (m->next_ms && now_ms >= m->next_ms && (r->triggers & PF_RT_PERIO)) {
			why |= PF_URT_PERIO;
			while (m->next_ms <= now_ms)
				m->next_ms += (uint64_t)r->meas_period * 1000;
		}
		if (stop)
			m->exhausted = true;
		if (why == 0) {
			*rearm |= stop;
			continue;
		}
		pf_usage_report(u, s, m->urr, why, true, abs, aarg, now_ms, now_ntp, &out[n++]);
		/* a new threshold to watch, or PDRs to stop */
		*rearm |= stop || (why & PF_URT_VOLTH);
	}
	/* linked usage reporting (TS 29.244 5.2.2.4): a URR asking LIUSA reports
	 * with any of its linked URRs that reported, in the same message */
	for (int i = 0, n0 = n; i < u->n_meas && n < PF_SESS_URR_MAX; i++) {
		struct pf_meas *m = &u->meas[i];
		const struct pf_urr *r = pf_sess_urr(s, m->urr);
		int self = -1;
		bool with = false;

		if (r == NULL || !(r->triggers & PF_RT_LIUSA))
			continue;
		for (int k = 0; k < n0; k++) {
			if (out[k].urr_id == m->urr)
				self = k;
			for (int j = 0; j < r->n_linked && !with; j++)
				with = out[k].urr_id == r->linked[j];
		}
		if (with && self >= 0)
			out[self].trigger |= PF_URT_LIUSA;   /* it reports anyway: for both reasons */
		else if (with)
			pf_usage_report(u, s, m->urr, PF_URT_LIUSA, true, abs, aarg, now_ms, now_ntp, &out[n++]);
	}
	return n;
}

uint64_t
pf_usage_watch(const struct pf_usage *u, const struct pf_session *s, uint16_t pdr, pf_ctr_abs *abs, void *aarg)
{
	const struct pf_pdr *p = pf_sess_pdr(s, pdr);
	uint64_t best = 0;

	/* from the session's rules, not the links: a PDR new to a URR is
	 * watched from the write that makes it */
	for (int k = 0; p != NULL && k < p->n_urr; k++) {
		const struct pf_meas *m = meas_of(u, p->urr[k]);
		const struct pf_urr *r = pf_sess_urr(s, p->urr[k]);
		uint64_t ul = 0, dl = 0, rul = 0, rdl = 0, w = UINT64_MAX, share;
		int links = 0;

		if (r == NULL || (m != NULL && m->exhausted))
			continue;
		if (m != NULL) {
			since_start(u, m, abs, aarg, &ul, &dl, NULL);
			rul = since(ul, m->rep_ul);
			rdl = since(dl, m->rep_dl);
		}
		if (r->has_vol_quota && (r->triggers & PF_RT_VOLQU))
			w = left(&r->vol_quota, since(ul, m != NULL ? m->quota_ul : 0), since(dl, m != NULL ? m->quota_dl : 0));
		if (r->has_vol_thresh && (r->triggers & PF_RT_VOLTH)) {
			uint64_t t = left(&r->vol_thresh, rul, rdl);

			w = t < w ? t : w;
		}
		if (w == UINT64_MAX)
			continue;
		for (int i = 0; i < s->n_pdr; i++)
			for (int j = 0; j < s->pdr[i].n_urr; j++)
				links += s->pdr[i].urr[j] == p->urr[k];
		/* whichever link crosses its share first, the URR may have crossed */
		share = w / (uint64_t)(links ? links : 1);
		share = share ? share : 1;
		best = best == 0 || share < best ? share : best;
	}
	return best;
}

bool
pf_usage_stopped(const struct pf_usage *u, const struct pf_session *s, uint16_t pdr)
{
	const struct pf_pdr *p = pf_sess_pdr(s, pdr);
	const struct pf_meas *m;

	for (int k = 0; p != NULL && k < p->n_urr; k++)
		if ((m = meas_of(u, p->urr[k])) != NULL && m->exhausted)
			return true;
	return false;
}

uint64_t
pf_usage_next(const struct pf_usage *u, const struct pf_session *s)
{
	uint64_t next = 0;

	for (int i = 0; i < u->n_meas; i++) {
		const struct pf_meas *m = &u->meas[i];
		const struct pf_urr *r = pf_sess_urr(s, m->urr);
		uint64_t t[5] = { m->next_ms, 0, 0, 0, 0 };

		if (r == NULL)
			continue;
		if (r->time_thresh && (r->triggers & PF_RT_TIMTH))
			t[1] = m->start_ms + (uint64_t)r->time_thresh * 1000;
		if (r->time_quota && !m->exhausted)
			t[2] = m->born_ms + (uint64_t)r->time_quota * 1000;
		if (r->quota_validity && !m->exhausted)
			t[3] = m->born_ms + (uint64_t)r->quota_validity * 1000;
		/* its traffic's start is looked for at every check (now: due); its
		 * stop, once it has been quiet long enough */
		if (r->triggers & (PF_RT_START | PF_RT_STOPT))
			t[4] = !m->traffic ? (r->triggers & PF_RT_START ? 1 : 0) : m->moved_ms + PF_USAGE_STOPT_MS;
		for (int k = 0; k < 5; k++)
			if (t[k] != 0 && (next == 0 || t[k] < next))
				next = t[k];
	}
	return next;
}

void
pf_usage_restarted(struct pf_usage *u, pf_ctr_abs *abs, void *aarg)
{
	for (int i = 0; i < u->n_link; i++) {
		struct pf_ulink *l = &u->link[i];
		struct pf_meas *m = meas_of(u, l->urr);
		uint64_t now = abs(aarg, l->ctr), now_p = abs(aarg, l->ctr | PF_CTR_PKTS);

		if (m != NULL && now >= l->base)
			*(l->ul ? &m->gone_ul : &m->gone_dl) += now - l->base;
		if (m != NULL && now_p >= l->base_pkts)
			*(l->ul ? &m->gone_ul_p : &m->gone_dl_p) += now_p - l->base_pkts;
		l->base = 0;
		l->base_pkts = 0;
	}
}

void
pf_usage_taken_over(struct pf_usage *u, pf_ctr_abs *abs, void *aarg)
{
	for (int i = 0; i < u->n_meas; i++) {
		struct pf_meas *m = &u->meas[i];

		/* what is known counted: at least what was reported */
		m->gone_ul = m->gone_ul > m->rep_ul ? m->gone_ul : m->rep_ul;
		m->gone_dl = m->gone_dl > m->rep_dl ? m->gone_dl : m->rep_dl;
		m->gone_ul_p = m->gone_ul_p > m->rep_ul_p ? m->gone_ul_p : m->rep_ul_p;
		m->gone_dl_p = m->gone_dl_p > m->rep_dl_p ? m->gone_dl_p : m->rep_dl_p;
		m->quota_ul = m->quota_ul < m->gone_ul ? m->quota_ul : m->gone_ul;
		m->quota_dl = m->quota_dl < m->gone_dl ? m->quota_dl : m->gone_dl;
	}
	for (int i = 0; i < u->n_link; i++) {
		struct pf_ulink *l = &u->link[i];

		l->base = abs(aarg, l->ctr);
		l->base_pkts = abs(aarg, l->ctr | PF_CTR_PKTS);
	}
}

bool
pf_usage_fold(struct pf_usage *u, pf_ctr_abs *abs, void *aarg)
{
	bool moved = false;

	for (int i = 0; i < u->n_link; i++) {
		struct pf_ulink *l = &u->link[i];
		struct pf_meas *m = meas_of(u, l->urr);
		uint64_t now = abs(aarg, l->ctr), now_p = abs(aarg, l->ctr | PF_CTR_PKTS);

		if (m == NULL)
			continue;
		if (now > l->base) {
			*(l->ul ? &m->gone_ul : &m->gone_dl) += now - l->base;
			l->base = now;
			moved = true;
		}
		if (now_p > l->base_pkts) {
			*(l->ul ? &m->gone_ul_p : &m->gone_dl_p) += now_p - l->base_pkts;
			l->base_pkts = now_p;
			moved = true;
		}
	}
	return moved;
}

static uint64_t
idle_read_ms(uint32_t inact_s)
{
	uint64_t q = (uint64_t)inact_s * 1000 / 4;

	return q > PF_IDLE_READ_MS ? q : PF_IDLE_READ_MS;
}

bool
pf_idle_due(const struct pf_idle *w, uint32_t inact_s, uint64_t now_ms)
{
	return inact_s != 0 && (w->inact_s != inact_s || w->next_ms <= now_ms);
}

bool
pf_idle_check(struct pf_idle *w, uint32_t inact_s, uint64_t pkts, uint64_t now_ms)
{
	uint64_t end;
	bool due = false;

	if (w->inact_s != inact_s) /* set, or set anew: watched from now */
		*w = (struct pf_idle){ .inact_s = inact_s, .seen = pkts, .moved_ms = now_ms };
	if (inact_s == 0)
		return false;
	if (pkts != w->seen) {
		w->seen = pkts;
		w->moved_ms = now_ms;
		w->told = false;
	}
	end = w->moved_ms + (uint64_t)inact_s * 1000;
	if (!w->told && now_ms >= end) {
		w->told = true;
		due = true;
	}
	w->next_ms = now_ms + idle_read_ms(inact_s);
	/* read again as the timer runs out, if that comes first */
	if (!w->told && end < w->next_ms)
		w->next_ms = end;
	return due;
}

void
pf_macs_free(struct pf_macs *m)
{
	free(m->mac);
	memset(m, 0, sizeof(*m));
}

static const struct pf_mac_seen *
seen_of(const struct pf_mac_seen *cur, int n, const uint8_t *mac)
{
	for (int i = 0; i < n; i++)
		if (memcmp(cur[i].mac, mac, 6) == 0)
			return &cur[i];
	return NULL;
}

static bool
reported(const struct pf_macs *m, const uint8_t *mac)
{
	for (int i = 0; i < m->n; i++)
		if (memcmp(m->mac[i], mac, 6) == 0)
			return true;
	return false;
}

int
pf_macs_diff(struct pf_macs *m, const struct pf_mac_seen *cur, int n_cur, uint64_t inact_ms, uint8_t *det,
	     uint8_t *n_det, uint8_t *rm, uint8_t *n_rm)
{
	int want = m->n, keep = 0;

	*n_det = *n_rm = 0;
	/* room for every MAC now behind it, as far as the bound goes */
	if (want + n_cur > m->cap && m->cap < PF_MACS_MAX) {
		int cap = want + n_cur < PF_MACS_MAX ? want + n_cur : PF_MACS_MAX;
		void *p = realloc(m->mac, (size_t)cap * 6);

		if (p == NULL)
			return -ENOMEM;
		m->mac = p;
		m->cap = (uint16_t)cap;
	}
	/* removed: gone from behind it, or silent past the timer */
	for (int i = 0; i < m->n; i++) {
		const struct pf_mac_seen *c = seen_of(cur, n_cur, m->mac[i]);
		bool gone = c == NULL || (inact_ms != 0 && c->idle_ms >= inact_ms);

		if (gone && *n_rm < PF_MACS_REPORT_MAX) {
			memcpy(rm + 6 * (*n_rm)++, m->mac[i], 6);
			continue;
		}
		if (keep != i)
			memcpy(m->mac[keep], m->mac[i], 6);
		keep++;
	}
	m->n = (uint16_t)keep;
	/* detected: there, seen within the timer, not reported yet */
	for (int i = 0; i < n_cur && *n_det < PF_MACS_REPORT_MAX && m->n < m->cap; i++) {
		if ((inact_ms != 0 && cur[i].idle_ms >= inact_ms) || reported(m, cur[i].mac))
			continue;
		memcpy(m->mac[m->n++], cur[i].mac, 6);
		memcpy(det + 6 * (*n_det)++, cur[i].mac, 6);
	}
	return 0;
}
