/* Path health state machine and SLA windows (see ov_sla.h). */
#include <string.h>

#include "ov_sla.h"

/* A probe unanswered this long is lost: BFD's detection time. */
static inline uint64_t
timeout(const struct ov_sla *s)
{
	return s->cfg.interval_ns * s->cfg.down_after;
}

void
ov_sla_init(struct ov_sla *s, const struct ov_sla_cfg *c, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *c;
	s->next_tx = now;
	s->last_rx = now;
	s->changed = now;
}

void
ov_sla_resume_up(struct ov_sla *s, uint64_t now)
{
	s->up = true;
	s->run_good = 0;
	s->last_rx = now;
	s->changed = now;
}

void
ov_sla_stalled(struct ov_sla *s, uint64_t now)
{
	if (s->up && (int64_t)(now - s->last_rx) > 0)
		s->last_rx = now;
	if ((int64_t)(now - s->next_tx) > 0)
		s->next_tx = now;   /* no catch-up: one probe now */
}

void
ov_sla_reconfig(struct ov_sla *s, const struct ov_sla_cfg *c, uint64_t now)
{
	if (c->interval_ns < s->cfg.interval_ns)
		s->next_tx = now;   /* a shorter interval starts at once */
	/* the new detection time counts from now, not from the last answer */
	if (s->up && s->last_rx < now)
		s->last_rx = now;
	s->cfg = *c;
}

static void
settle(struct ov_sla *s, bool lost)
{
	s->lost_bits = s->lost_bits << 1 | lost;
	s->loss_long = s->loss_long - (s->loss_long >> OV_SLA_LONG_SHIFT) +
		       (lost ? (1u << 16) >> OV_SLA_LONG_SHIFT : 0);
	if (s->settled < OV_SLA_WINDOW)
		s->settled++;
}

bool
ov_sla_due(struct ov_sla *s, uint64_t now, uint32_t *seq)
{
	unsigned int i;

	if (now < s->next_tx)
		return false;
	/* fallen behind (a stalled loop): the cadence restarts, no catch-up burst */
	s->next_tx = now - s->next_tx >= s->cfg.interval_ns ? now + s->cfg.interval_ns :
							      s->next_tx + s->cfg.interval_ns;
	i = s->seq & (OV_SLA_SLOTS - 1);
	if (s->slot[i].open) {   /* cannot be: it timed out long ago; settle it anyway */
		s->slot[i].open = false;
		s->st.lost++;
		settle(s, true);
	}
	s->slot[i].seq = s->seq;
	s->slot[i].tx = now;
	s->slot[i].open = true;
	*seq = s->seq++;
	s->st.sent++;
	return true;
}

void
ov_sla_answer(struct ov_sla *s, uint32_t seq, uint64_t tx, uint64_t rx)
{
	unsigned int i = seq & (OV_SLA_SLOTS - 1);
	uint64_t rtt;

	if (s->slot[i].seq != seq || s->slot[i].tx != tx || seq >= s->seq) {
		s->st.stray++;
		return;
	}
	if (!s->slot[i].open) {
		s->st.late++;
		return;
	}
	rtt = rx > tx ? rx - tx : 0;
	if (rtt > timeout(s)) {   /* the judge has not run since it timed out */
		s->slot[i].open = false;
		s->st.lost++;
		s->st.late++;
		settle(s, true);
		s->run_good = 0;
		return;
	}
	s->slot[i].open = false;
	s->st.answered++;
	settle(s, false);
	s->rtt_ns[s->rtt_head] = (uint32_t)(rtt < UINT32_MAX ? rtt : UINT32_MAX);
	s->rtt_head = (uint8_t)((s->rtt_head + 1) % OV_SLA_WINDOW);
	if (s->rtt_n < OV_SLA_WINDOW)
		s->rtt_n++;
	if (rx > s->last_rx)
		s->last_rx = rx;
	/* in a row: by sequence, so a probe still out breaks the run */
	if (!s->up && s->run_good < UINT8_MAX)
		s->run_good = seq == s->run_next ? s->run_good + 1 : 1;
	s->run_next = seq + 1;
}

bool
ov_sla_judge(struct ov_sla *s, uint64_t now)
{
	uint64_t to = timeout(s);

	/* signed: now may be before a probe's send time (judged up to where the
	 * workers have looked, which can be behind the prober's clock) */
	for (unsigned int i = 0; i < OV_SLA_SLOTS; i++) {
		if (!s->slot[i].open || (int64_t)(now - s->slot[i].tx) <= (int64_t)to)
			continue;
		s->slot[i].open = false;
		s->st.lost++;
		settle(s, true);
		s->run_good = 0;
	}
	if (s->up && (int64_t)(now - s->last_rx) > (int64_t)to) {
		s->up = false;
		s->run_good = 0;
		s->changed = now;
		s->st.downs++;
		return true;
	}
	if (!s->up && s->run_good >= s->cfg.up_after) {
		s->up = true;
		s->changed = now;
		s->st.ups++;
		return true;
	}
	return false;
}

uint32_t
ov_sla_rtt_us(const struct ov_sla *s)
{
	uint64_t sum = 0;

	if (s->rtt_n == 0)
		return 0;
	for (unsigned int i = 0; i < s->rtt_n; i++)
		sum += s->rtt_ns[i];
	return (uint32_t)(sum / s->rtt_n / 1000);
}

/* Mean difference of consecutive RTTs (RFC 3550's interarrival jitter,
 * over the window rather than smoothed). */
uint32_t
ov_sla_jitter_us(const struct ov_sla *s)
{
	unsigned int first = (s->rtt_head + OV_SLA_WINDOW - s->rtt_n) % OV_SLA_WINDOW;
	uint64_t sum = 0;

	if (s->rtt_n < 2)
		return 0;
	for (unsigned int i = 1; i < s->rtt_n; i++) {
		uint32_t a = s->rtt_ns[(first + i - 1) % OV_SLA_WINDOW];
		uint32_t b = s->rtt_ns[(first + i) % OV_SLA_WINDOW];

		sum += a > b ? a - b : b - a;
	}
	return (uint32_t)(sum / (s->rtt_n - 1) / 1000);
}

uint16_t
ov_sla_loss_pm(const struct ov_sla *s)
{
	uint32_t bits = s->settled >= 32 ? s->lost_bits :
			s->lost_bits & ((1u << s->settled) - 1);

	if (s->settled == 0)
		return 0;
	return (uint16_t)(__builtin_popcount(bits) * 1000u / s->settled);
}

uint16_t
ov_sla_loss_long_pm(const struct ov_sla *s)
{
	return (uint16_t)((uint64_t)s->loss_long * 1000 >> 16);
}
