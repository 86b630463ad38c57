/* Policers (RFC 2697 srTCM, RFC 2698 trTCM, RFC 4115 trTCM) that hold their
 * rate however their traffic is spread over workers. A meter is one 16-byte
 * bucket state shared by every worker, in virtual-time form (GCRA): a
 * bucket's tokens at time t are (t - V) / u bytes, capped at its depth, so
 * one word is one bucket and a 128-bit compare-and-swap updates both of a
 * meter's buckets at once. A worker colors all of a burst's packets for one
 * meter against one read of the state and publishes what they took with
 * one CAS (retried on a race): the packets are colored exactly as if they
 * had arrived back to back at the burst's timestamp, and no interleaving
 * of workers can take more than the buckets hold. Profiles come from the
 * API's bits per second here and nowhere else (qm_profile_make). */
#ifndef QM_METER_H
#define QM_METER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_common.h>

enum qm_mode { QM_SRTCM, QM_TRTCM, QM_RFC4115 };
enum qm_color { QM_GREEN, QM_YELLOW, QM_RED };
enum qm_charge { QM_CHARGE_L2, QM_CHARGE_L2_FCS, QM_CHARGE_WIRE, QM_CHARGE_IP };

/* Virtual time: TSC cycles << QM_FRAC, so a byte at 100 Gbit/s on a 2 GHz
 * TSC still weighs ~650 ticks (rounding below 0.1 %). Signed differences
 * keep it right across a wrap (2^52 cycles: weeks). */
#define QM_FRAC 12

#define QM_BURST_MAX 256

/* What the API says (bits per second, bytes). srTCM: cir, cbs, ebs (eir
 * and the excess rate are the cir). trTCM: cir, cbs, pir (eir field), pbs
 * (ebs field). RFC 4115: cir, cbs, eir, ebs. */
struct qm_rates {
	enum qm_mode mode;
	uint64_t cir, eir;       /* bit/s */
	uint32_t cbs, ebs;       /* bytes */
};

/* What a worker uses. Bucket 1 and 2: srTCM C and E (one rate), trTCM P
 * and C, RFC 4115 C and E. */
struct qm_profile {
	uint64_t u[2];           /* ticks per byte */
	uint32_t d[2];           /* depth, bytes */
	uint8_t mode;
	uint8_t aware;           /* color-aware: the packet's color going in counts */
};

/* Bucket state: srTCM {V of C+E together, E's tokens as last written};
 * trTCM and RFC 4115 {V1, V2}. 16-byte aligned for the CAS; one per
 * cache line in a meter array (no false sharing between meters). */
struct qm_state {
	rte_int128_t s;
};

/* Why a profile is refused: each a field and a reason (qm_bad_text). */
enum qm_bad {
	QM_OK, QM_BAD_CIR, QM_BAD_CBS, QM_BAD_PIR, QM_BAD_PBS, QM_BAD_SR_EIR, QM_BAD_EIR, QM_BAD_EBS,
	QM_BAD_PORT_RATE, QM_BAD_DEPTH, QM_BAD_N
};
extern const char *const qm_bad_text[QM_BAD_N];

/* The profile for r on a TSC of hz: QM_OK, or why not. Refused: a zero
 * rate or committed burst, a trTCM peak below its committed rate, an
 * excess rate without an excess burst or the other way round, rates above
 * max_bps (the fastest port's; 0: unchecked), and buckets too deep or
 * rates too slow for the virtual-time arithmetic (over an hour of traffic
 * in a bucket). */
enum qm_bad qm_profile_make(const struct qm_rates *r, uint64_t hz, uint64_t max_bps, struct qm_profile *p);
/* A full bucket state for p (a new meter), as of TSC now. */
void qm_state_init(struct qm_state *st, const struct qm_profile *p, uint64_t now);

/* Color n (at most QM_BURST_MAX) packets of len[i] bytes arriving at TSC now, in order: color[i]
 * holds the packet's color going in (read when p is color-aware) and gets
 * the meter's. Safe against other workers metering on the same state.
 * Returns the state the colors were drawn from (after what other workers
 * took before this call's update landed). */
struct qm_state qm_color(struct qm_state *st, const struct qm_profile *p, uint64_t now, const uint32_t *len,
	      uint8_t *color, unsigned int n);

#endif
