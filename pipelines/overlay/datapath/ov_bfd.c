/* BFD's session state machine and timers (see ov_bfd.h); section numbers
 * are RFC 5880's. */
#include <string.h>

#include <rte_byteorder.h>

#include "ov_bfd.h"

const char *const ov_bfd_state_name[4] = { "admin_down", "down", "init", "up" };
const char *const ov_bfd_diag_name[OV_BFD_DIAG_N] = {
	"none", "time_expired", "echo_failed", "neighbor_down", "forwarding_reset",
	"path_down", "concatenated_down", "admin_down", "reverse_concatenated_down",
};

static inline uint32_t
max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* 6.8.3: never faster than once a second until Up */
static inline uint32_t
desired_tx(const struct ov_bfd *b, uint8_t state)
{
	return state == OV_BFD_UP ? b->cfg.interval_us : max32(b->cfg.interval_us, OV_BFD_SLOW_US);
}

void
ov_bfd_init(struct ov_bfd *b, const struct ov_bfd_cfg *c, uint32_t disc, uint64_t now)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *c;
	b->state = b->remote_state = OV_BFD_DOWN;
	b->local_disc = disc;
	b->desired_tx_us = b->tx_us = desired_tx(b, OV_BFD_DOWN);
	b->req_rx_us = b->detect_rx_us = c->interval_us;
	b->remote_min_rx_us = 1;   /* 6.8.1: its initial value */
	b->next_tx = now;
	b->changed = now;
}

/* New DesiredMinTxInterval and RequiredMinRxInterval (6.8.3). While Up the
 * far end learns them by a Poll Sequence, and until its Final a slower tx
 * and a faster rx than before do not apply (the far end still detects
 * with, and sends at, the old ones); otherwise at once. */
static void
set_timers(struct ov_bfd *b, uint32_t tx, uint32_t rx, uint64_t now)
{
	if (tx == b->desired_tx_us && rx == b->req_rx_us)
		return;
	b->desired_tx_us = tx;
	b->req_rx_us = rx;
	if (b->state != OV_BFD_UP) {
		b->tx_us = tx;
		b->detect_rx_us = rx;
		return;
	}
	if (tx < b->tx_us)
		b->tx_us = tx;
	if (rx > b->detect_rx_us)
		b->detect_rx_us = rx;
	if (!b->poll)
		b->st.polls++;
	b->poll = true;
	b->next_tx = now;   /* the Poll goes at once */
}

void
ov_bfd_reconfig(struct ov_bfd *b, const struct ov_bfd_cfg *c, uint64_t now)
{
	b->cfg = *c;
	set_timers(b, desired_tx(b, b->state), c->interval_us, now);
}

/* A change of state is sent at once: the far end learns of it without
 * waiting out an interval (a one-second one, while not Up). */
static void
set_state(struct ov_bfd *b, uint8_t state, uint8_t diag, uint64_t now)
{
	bool was_up = b->state == OV_BFD_UP;

	b->state = state;
	b->diag = diag;
	b->changed = now;
	if (state == OV_BFD_UP)
		b->st.ups++;
	else if (was_up)
		b->st.downs++;
	if (was_up && state != OV_BFD_UP)
		b->poll = false;   /* a Poll under way ends with the session */
	set_timers(b, desired_tx(b, state), b->cfg.interval_us, now);
	b->next_tx = now;
}

enum ov_bfd_bad
ov_bfd_check(const void *pkt, uint32_t len)
{
	const struct ov_bfd_pkt *p = pkt;

	if (len < OV_BFD_LEN)
		return OV_BFD_BAD_LENGTH;
	if (p->vers_diag >> 5 != 1)
		return OV_BFD_BAD_VERSION;
	/* with the A bit, an authentication section of at least 2 bytes */
	if (p->length < OV_BFD_LEN + ((p->flags & OV_BFD_F_AUTH) ? 2 : 0) || p->length > len)
		return OV_BFD_BAD_LENGTH;
	if (p->detect_mult == 0)
		return OV_BFD_BAD_MULT;
	if (p->flags & OV_BFD_F_MULTI)
		return OV_BFD_BAD_MULTIPOINT;
	if (p->my_disc == 0)
		return OV_BFD_BAD_MY_DISC;
	if (p->your_disc == 0 && p->flags >> 6 != OV_BFD_DOWN && p->flags >> 6 != OV_BFD_ADMIN_DOWN)
		return OV_BFD_BAD_YOUR_DISC;
	/* no session here uses authentication */
	if (p->flags & OV_BFD_F_AUTH)
		return OV_BFD_BAD_AUTH;
	return OV_BFD_OK;
}

/* 6.8.4: the far end's DetectMult times the slower of what this end asks
 * for and what the far end says it sends at */
static inline uint64_t
detect_us(const struct ov_bfd *b)
{
	return (uint64_t)b->remote_mult * max32(b->detect_rx_us, b->remote_tx_us);
}

uint64_t
ov_bfd_detect_us(const struct ov_bfd *b)
{
	return b->detect_at == 0 ? 0 : detect_us(b);
}

/* The far end asks for packets faster than the one scheduled comes (its
 * RequiredMinRxInterval came down, as a router's does once Up after a
 * second's while not): the next one comes within the new interval, or
 * the far end's detection runs out first. */
static void
tx_sooner(struct ov_bfd *b, uint64_t now)
{
	uint64_t iv = (uint64_t)max32(b->tx_us, b->remote_min_rx_us) * 1000u;

	if (b->remote_min_rx_us != 0 && b->next_tx > now + iv)
		b->next_tx = now + iv * 3 / 4;
}

bool
ov_bfd_recv(struct ov_bfd *b, const struct ov_bfd_pkt *p, uint64_t now)
{
	uint8_t was = b->state, rs = p->flags >> 6;

	b->st.rx++;
	b->remote_disc = rte_be_to_cpu_32(p->my_disc);
	b->remote_state = rs;
	b->remote_diag = p->vers_diag & 0x1f;
	b->remote_demand = (p->flags & OV_BFD_F_DEMAND) != 0;
	b->remote_min_rx_us = rte_be_to_cpu_32(p->min_rx_us);
	b->remote_tx_us = rte_be_to_cpu_32(p->min_tx_us);
	b->remote_mult = p->detect_mult;
	/* the far end has our new timers: they all apply now */
	if ((p->flags & OV_BFD_F_FINAL) && b->poll) {
		b->poll = false;
		b->tx_us = b->desired_tx_us;
		b->detect_rx_us = b->req_rx_us;
	}
	if (b->state == OV_BFD_ADMIN_DOWN)
		return false;
	if (rs == OV_BFD_ADMIN_DOWN) {
		if (b->state != OV_BFD_DOWN)
			set_state(b, OV_BFD_DOWN, OV_BFD_DIAG_NEIGHBOR_DOWN, now);
	} else if (b->state == OV_BFD_DOWN) {
		if (rs == OV_BFD_DOWN)
			set_state(b, OV_BFD_INIT, OV_BFD_DIAG_NONE, now);
		else if (rs == OV_BFD_INIT)
			set_state(b, OV_BFD_UP, OV_BFD_DIAG_NONE, now);
	} else if (b->state == OV_BFD_INIT) {
		if (rs == OV_BFD_INIT || rs == OV_BFD_UP)
			set_state(b, OV_BFD_UP, OV_BFD_DIAG_NONE, now);
	} else if (rs == OV_BFD_DOWN) {   /* Up */
		set_state(b, OV_BFD_DOWN, OV_BFD_DIAG_NEIGHBOR_DOWN, now);
	}
	tx_sooner(b, now);
	if (p->flags & OV_BFD_F_POLL)
		b->final_due = true;
	b->detect_at = now + detect_us(b) * 1000u;
	return b->state != was;
}

static void
fill(const struct ov_bfd *b, struct ov_bfd_pkt *out, uint8_t pf)
{
	out->vers_diag = (uint8_t)(1u << 5 | b->diag);
	out->flags = (uint8_t)(b->state << 6 | pf);
	out->detect_mult = b->cfg.mult;
	out->length = OV_BFD_LEN;
	out->my_disc = rte_cpu_to_be_32(b->local_disc);
	out->your_disc = rte_cpu_to_be_32(b->remote_disc);
	out->min_tx_us = rte_cpu_to_be_32(b->desired_tx_us);
	out->min_rx_us = rte_cpu_to_be_32(b->req_rx_us);
	out->min_echo_rx_us = 0;   /* no Echo function */
}

bool
ov_bfd_due(struct ov_bfd *b, uint64_t now, uint32_t rnd, struct ov_bfd_pkt *out)
{
	uint64_t iv;

	/* 6.8.7: a Final as soon as practicable, whatever the timer; never
	 * with the Poll bit */
	if (b->final_due) {
		b->final_due = false;
		b->st.finals++;
		b->st.tx++;
		fill(b, out, OV_BFD_F_FINAL);
		return true;
	}
	if (now < b->next_tx)
		return false;
	iv = (uint64_t)max32(b->tx_us, b->remote_min_rx_us) * 1000u;
	/* 6.8.7: nothing periodic to a far end that wants none (a
	 * RequiredMinRxInterval of 0), or that runs Demand mode while both
	 * ends are Up, save a Poll Sequence */
	if (b->remote_min_rx_us == 0 ||
	    (b->remote_demand && b->state == OV_BFD_UP && b->remote_state == OV_BFD_UP && !b->poll)) {
		b->next_tx = now + (uint64_t)b->tx_us * 1000u;
		return false;
	}
	/* 6.8.7: each interval 75 to 100% of the nominal, 75 to 90% with a
	 * DetectMult of 1, so that a packet always comes within the far end's
	 * Detection Time */
	b->next_tx = now + iv * (75 + rnd % (b->cfg.mult == 1 ? 16 : 26)) / 100;
	b->st.tx++;
	fill(b, out, b->poll ? OV_BFD_F_POLL : 0);
	return true;
}

bool
ov_bfd_judge(struct ov_bfd *b, uint64_t now)
{
	bool down;

	if (b->detect_at == 0 || now < b->detect_at)
		return false;
	b->detect_at = 0;
	/* 6.8.1: a session timed out forgets the far end's discriminator;
	 * the far end's state is the last one it sent (bfd.RemoteSessionState),
	 * Down once it went quiet, but an AdminDown it said stays: a far end
	 * taken down by its operator may stop sending (6.8.16), and that is
	 * what the operator here must see, not a failure */
	b->remote_disc = 0;
	if (b->remote_state != OV_BFD_ADMIN_DOWN)
		b->remote_state = OV_BFD_DOWN;
	down = b->state == OV_BFD_INIT || b->state == OV_BFD_UP;
	if (down)
		set_state(b, OV_BFD_DOWN, OV_BFD_DIAG_TIME_EXPIRED, now);
	return down;
}
