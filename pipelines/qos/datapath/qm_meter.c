/* The policers' arithmetic (see qm_meter.h): profile conversion, and the
 * coloring of a burst against a shared bucket state. */
#include <string.h>

#include "qm_meter.h"

/* Ticks per byte at bps bit/s on a TSC of hz: hz * 8 << QM_FRAC / bps,
 * rounded to nearest; 0 when it would not fit. */
static uint64_t
ticks_per_byte(uint64_t hz, uint64_t bps)
{
	unsigned __int128 num = ((unsigned __int128)hz * 8) << QM_FRAC;
	unsigned __int128 u = (num + bps / 2) / bps;

	return u == 0 || u >= (1ull << 62) ? 0 : (uint64_t)u;
}

/* A bucket whose depth in ticks would leave the range the virtual-time
 * arithmetic keeps signed (more than an hour of its rate). Tokens are
 * counted in bytes, so no packet's size is ever multiplied by u. */
static int
bucket_ok(uint64_t hz, uint64_t u, uint32_t d)
{
	return u != 0 && (unsigned __int128)u * d < ((unsigned __int128)hz << QM_FRAC) * 3600;
}

const char *const qm_bad_text[QM_BAD_N] = {
	[QM_OK] = "",
	[QM_BAD_CIR] = "cir: must be above 0 bit/s",
	[QM_BAD_CBS] = "cbs: must be above 0 bytes",
	[QM_BAD_PIR] = "pir: must be at least the cir (RFC 2698)",
	[QM_BAD_PBS] = "pbs: must be above 0 bytes (RFC 2698)",
	[QM_BAD_SR_EIR] = "eir: an srTCM has no excess rate (its excess bucket fills at the cir)",
	[QM_BAD_EIR] = "eir: an excess burst (ebs) needs an excess rate (RFC 4115)",
	[QM_BAD_EBS] = "ebs: an excess rate (eir) needs an excess burst (RFC 4115)",
	[QM_BAD_PORT_RATE] = "cir/eir/pir: above the fastest port's rate",
	[QM_BAD_DEPTH] = "cbs/ebs/pbs: a bucket deeper than an hour of its rate, or a rate below what the TSC resolves",
};

enum qm_bad
qm_profile_make(const struct qm_rates *r, uint64_t hz, uint64_t max_bps, struct qm_profile *p)
{
	uint64_t rate2 = r->mode == QM_SRTCM ? r->cir : r->eir;

	memset(p, 0, sizeof(*p));
	if (r->cir == 0)
		return QM_BAD_CIR;
	if (r->cbs == 0)
		return QM_BAD_CBS;
	if (r->mode == QM_TRTCM && r->eir < r->cir)
		return QM_BAD_PIR;
	if (r->mode == QM_TRTCM && r->ebs == 0)
		return QM_BAD_PBS;
	if (r->mode == QM_SRTCM && r->eir != 0)
		return QM_BAD_SR_EIR;
	if (r->mode == QM_RFC4115 && r->eir == 0 && r->ebs != 0)
		return QM_BAD_EIR;
	if (r->mode == QM_RFC4115 && r->eir != 0 && r->ebs == 0)
		return QM_BAD_EBS;
	if (max_bps != 0 && (r->cir > max_bps || r->eir > max_bps))
		return QM_BAD_PORT_RATE;
	p->mode = (uint8_t)r->mode;
	p->u[0] = ticks_per_byte(hz, r->mode == QM_TRTCM ? r->eir : r->cir);
	p->u[1] = rate2 != 0 ? ticks_per_byte(hz, r->mode == QM_TRTCM ? r->cir : rate2) : 0;
	if (r->mode == QM_TRTCM) {
		p->d[0] = r->ebs;
		p->d[1] = r->cbs;
	} else {
		p->d[0] = r->cbs;
		p->d[1] = r->ebs;
	}
	if (!bucket_ok(hz, p->u[0], r->mode == QM_SRTCM ? p->d[0] + p->d[1] : p->d[0]) ||
	    (r->mode != QM_SRTCM && rate2 != 0 && !bucket_ok(hz, p->u[1], p->d[1])))
		return QM_BAD_DEPTH;
	return QM_OK;
}

void
qm_state_init(struct qm_state *st, const struct qm_profile *p, uint64_t now)
{
	uint64_t t = now << QM_FRAC;

	if (p->mode == QM_SRTCM) {
		st->s.val[0] = t - p->u[0] * ((uint64_t)p->d[0] + p->d[1]);
		st->s.val[1] = p->d[1];
	} else {
		st->s.val[0] = t - p->u[0] * p->d[0];
		st->s.val[1] = t - p->u[1] * p->d[1];
	}
}

/* A bucket's virtual time as of t and its whole tokens. Tokens arrive one
 * byte at a time, every u ticks on a fixed grid (RFC 2697: "CIR times per
 * second"), so a full bucket's V moves by whole steps: what overflowed is
 * lost, the grid is kept. A V ahead of t (another worker's later
 * timestamp) holds no tokens; one far ahead is the wrap of an idle
 * meter's: full. */
static inline uint64_t
bucket_at(uint64_t v, uint64_t t, uint64_t u, uint64_t depth, uint64_t *tokens)
{
	int64_t e = (int64_t)(t - v);
	uint64_t dt = u * depth;

	if (e < 0 && e > INT64_MIN / 2) {
		*tokens = 0;
		return v;
	}
	if (e < 0) {
		*tokens = depth;
		return t - dt;
	}
	if ((uint64_t)e > dt)
		v += ((uint64_t)e - dt) / u * u;
	*tokens = (t - v) / u;
	return v;
}

struct qm_state
qm_color(struct qm_state *st, const struct qm_profile *p, uint64_t now, const uint32_t *len,
	 uint8_t *color, unsigned int n)
{
	const uint64_t t = now << QM_FRAC;
	const bool sr = p->mode == QM_SRTCM, tr = p->mode == QM_TRTCM;
	rte_int128_t old = st->s, nu;
	uint8_t in[QM_BURST_MAX];

	/* the colors going in, for a retry after color[] was written (a blind
	 * meter reads none) */
	if (p->aware)
		memcpy(in, color, n);
	for (;;) {
		uint64_t v0, v1 = 0, t1, t2, te = 0, took[2] = { 0, 0 };

		if (sr) {
			uint64_t tot;

			v0 = bucket_at(old.val[0], t, p->u[0], (uint64_t)p->d[0] + p->d[1], &tot);
			/* C fills first; what overflowed C went to E */
			te = RTE_MAX(old.val[1], tot > p->d[0] ? tot - p->d[0] : 0);
			te = RTE_MIN(te, tot);
			t1 = tot - te;
			t2 = te;
		} else {
			v0 = bucket_at(old.val[0], t, p->u[0], p->d[0], &t1);
			t2 = 0;
			if (p->u[1] != 0)
				v1 = bucket_at(old.val[1], t, p->u[1], p->d[1], &t2);
		}
		for (unsigned int i = 0; i < n; i++) {
			uint64_t l = len[i];
			uint8_t c = p->aware ? in[i] : QM_GREEN;

			if (tr) {
				/* RFC 2698: red past the peak; yellow past the
				 * committed rate; both buckets pay for green */
				if (c == QM_RED || t1 < l) {
					c = QM_RED;
				} else if (c == QM_YELLOW || t2 < l) {
					c = QM_YELLOW;
					t1 -= l;
					took[0] += l;
				} else {
					t1 -= l;
					t2 -= l;
					took[0] += l;
					took[1] += l;
				}
			} else {
				/* RFC 2697 and RFC 4115: green from C, yellow from E */
				if (c == QM_GREEN && t1 >= l) {
					t1 -= l;
					took[0] += l;
				} else if (c != QM_RED && t2 >= l) {
					c = QM_YELLOW;
					t2 -= l;
					took[1] += l;
				} else {
					c = QM_RED;
				}
			}
			color[i] = c;
		}
		if (sr) {
			/* both buckets' tokens are the one virtual time's */
			nu.val[0] = v0 + (took[0] + took[1]) * p->u[0];
			nu.val[1] = te - took[1];
		} else {
			nu.val[0] = v0 + took[0] * p->u[0];
			nu.val[1] = p->u[1] != 0 ? v1 + took[1] * p->u[1] : old.val[1];
		}
		if (nu.int128 == old.int128 ||
		    rte_atomic128_cmp_exchange(&st->s, &old, &nu, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return (struct qm_state){ old };
		/* another worker took tokens meanwhile: color again from its state */
	}
}
