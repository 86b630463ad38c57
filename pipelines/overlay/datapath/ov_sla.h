/* Path health from probes, judged as BFD judges a session and measured as
 * an SLA monitor measures a link: a path sends one probe per interval; it
 * goes down once nothing came back for down_after intervals (BFD's
 * detection time: that many probes in a row unanswered) and comes back up
 * only after up_after answers in a row; RTT, jitter and loss are taken over
 * the last OV_SLA_WINDOW probes. Pure C clocked by its caller in
 * nanoseconds, so the unit test drives it with a made-up clock. */
#ifndef OV_SLA_H
#define OV_SLA_H

#include <stdbool.h>
#include <stdint.h>

#define OV_SLA_WINDOW     20     /* probes the RTT, jitter and loss means span */
#define OV_SLA_SLOTS      64     /* probes in flight remembered (power of two) */
#define OV_SLA_DOWN_MAX   32     /* down_after at most: its probes fit the slots */
#define OV_SLA_LONG_SHIFT 8      /* the long-run loss's weight: 1/256 a probe (12.8 s at 50 ms) */

struct ov_sla_cfg {
	uint64_t interval_ns;
	uint8_t down_after;      /* 1..OV_SLA_DOWN_MAX */
	uint8_t up_after;        /* >= 1 */
};

struct ov_sla_stats {
	uint64_t sent, answered, lost;
	uint64_t late;           /* answers after their probe was counted lost */
	uint64_t stray;          /* answers to no probe this path sent */
	uint32_t downs, ups;     /* transitions */
};

struct ov_sla {
	struct ov_sla_cfg cfg;
	bool up;
	uint8_t run_good;        /* on-time answers in a row, while down */
	uint32_t run_next;       /* the seq that continues the run */
	uint32_t seq;            /* the next probe's */
	uint64_t next_tx;
	uint64_t last_rx;        /* the last on-time answer (or set-up) */
	uint64_t changed;        /* when up last changed */
	struct {
		uint32_t seq;
		bool open;
		uint64_t tx;
	} slot[OV_SLA_SLOTS];
	/* windows over the last probes settled (answered or lost) */
	uint32_t lost_bits;      /* bit i: the i-th most recent was lost */
	uint8_t settled;         /* how much of the loss window is filled */
	uint8_t rtt_n, rtt_head; /* RTT samples in rtt[], the next one's place */
	uint32_t rtt_ns[OV_SLA_WINDOW];
	/* loss over the long run: a moving average of 2^16 for a probe lost
	 * and 0 for one answered, weight 1/OV_SLA_LONG */
	uint32_t loss_long;
	struct ov_sla_stats st;
};

/* A path set up at now: down, its first probe due at once. */
void ov_sla_init(struct ov_sla *s, const struct ov_sla_cfg *c, uint64_t now);
/* A path another process knew up (a restart that takes over): up from
 * now, its detection time counted from now. */
void ov_sla_resume_up(struct ov_sla *s, uint64_t now);
/* The prober itself stood still until now (the process frozen, its CPU
 * taken): its probes went unsent, so the silence is its own, not the
 * path's. An up path's detection time counts from now; the probes sent
 * before it are judged as ever. */
void ov_sla_stalled(struct ov_sla *s, uint64_t now);
/* New settings at now for a path that keeps its state (a modify of the same path). */
void ov_sla_reconfig(struct ov_sla *s, const struct ov_sla_cfg *c, uint64_t now);
/* Is a probe due at now? Then true, and *seq is that probe's, recorded as
 * sent at now. One per interval whatever the path's state: the probe rate
 * is the same with every path down. */
bool ov_sla_due(struct ov_sla *s, uint64_t now, uint32_t *seq);
/* The answer to probe seq, sent at tx (as the probe carried it), back at rx. */
void ov_sla_answer(struct ov_sla *s, uint32_t seq, uint64_t tx, uint64_t rx);
/* Count what timed out as lost and judge the path. True when up changed. */
bool ov_sla_judge(struct ov_sla *s, uint64_t now);

/* The windows' means: 0 with no sample. */
uint32_t ov_sla_rtt_us(const struct ov_sla *s);
uint32_t ov_sla_jitter_us(const struct ov_sla *s);
uint16_t ov_sla_loss_pm(const struct ov_sla *s);   /* per mille */
/* Loss over the long run, per mille: what adaptive FEC (ov_repair.h)
 * reads, as 20 probes say 0 or 5 % of a link losing 1 %. */
uint16_t ov_sla_loss_long_pm(const struct ov_sla *s);

#endif
