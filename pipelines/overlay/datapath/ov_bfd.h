/* BFD (RFC 5880) in asynchronous mode for one path, single hop over IPv4
 * or IPv6 (RFC 5881): so that any router's BFD (FRR's bfdd, a vendor's)
 * can be a path's far end. One session per path, the box always taking
 * the Active role; no Echo function, no Demand mode of its own (a far end
 * that asks for Demand mode is honoured), no authentication (RFC 5881's
 * TTL 255 check keeps off-link senders out; a packet that asks for
 * authentication is discarded, as 6.8.6 says for a session without it).
 * Pure C clocked by its caller in nanoseconds, like ov_sla.h, so the unit
 * test runs two sessions and a hostile far end on a made-up clock; the
 * wire is ov_probe.c's. */
#ifndef OV_BFD_H
#define OV_BFD_H

#include <stdbool.h>
#include <stdint.h>

#define OV_BFD_PORT       3784          /* RFC 5881 4: control packets */
#define OV_BFD_SPORT_BASE 49152         /* RFC 5881 4: a session's source port from here */
#define OV_BFD_TTL        255           /* RFC 5881 5: sent with, and only taken with */
#define OV_BFD_LEN        24            /* the mandatory section */
#define OV_BFD_SLOW_US    1000000u      /* 6.8.3: the least tx interval while not Up */

enum ov_bfd_state { OV_BFD_ADMIN_DOWN, OV_BFD_DOWN, OV_BFD_INIT, OV_BFD_UP };

/* 4.1's diagnostic codes */
enum ov_bfd_diag {
	OV_BFD_DIAG_NONE, OV_BFD_DIAG_TIME_EXPIRED, OV_BFD_DIAG_ECHO_FAILED,
	OV_BFD_DIAG_NEIGHBOR_DOWN, OV_BFD_DIAG_FWD_RESET, OV_BFD_DIAG_PATH_DOWN,
	OV_BFD_DIAG_CONCAT_DOWN, OV_BFD_DIAG_ADMIN_DOWN, OV_BFD_DIAG_REV_CONCAT_DOWN,
	OV_BFD_DIAG_N
};
extern const char *const ov_bfd_state_name[4];
extern const char *const ov_bfd_diag_name[OV_BFD_DIAG_N];

/* 4.1's flags byte: the state in the top two bits, then P F C A D M */
#define OV_BFD_F_POLL   0x20
#define OV_BFD_F_FINAL  0x10
#define OV_BFD_F_CPI    0x08
#define OV_BFD_F_AUTH   0x04
#define OV_BFD_F_DEMAND 0x02
#define OV_BFD_F_MULTI  0x01

/* The mandatory section, in network order. */
struct ov_bfd_pkt {
	uint8_t vers_diag;       /* version << 5 | diag */
	uint8_t flags;           /* state << 6 | P F C A D M */
	uint8_t detect_mult;
	uint8_t length;
	uint32_t my_disc, your_disc;
	uint32_t min_tx_us, min_rx_us, min_echo_rx_us;
} __attribute__((packed));

/* Why a packet was discarded by 6.8.6's first checks (0: it was not). */
enum ov_bfd_bad {
	OV_BFD_OK, OV_BFD_BAD_VERSION, OV_BFD_BAD_LENGTH, OV_BFD_BAD_MULT, OV_BFD_BAD_MULTIPOINT,
	OV_BFD_BAD_MY_DISC, OV_BFD_BAD_YOUR_DISC, OV_BFD_BAD_AUTH,
};

struct ov_bfd_cfg {
	uint32_t interval_us;    /* DesiredMinTxInterval and RequiredMinRxInterval once Up */
	uint8_t mult;            /* DetectMult */
};

struct ov_bfd_stats {
	uint64_t tx, rx;         /* control packets sent, taken in */
	uint64_t polls, finals;  /* Poll Sequences begun, Finals sent */
	uint32_t downs, ups;
};

/* 6.8.1's state variables, and the timers around them. */
struct ov_bfd {
	struct ov_bfd_cfg cfg;
	uint8_t state, remote_state, diag, remote_diag;
	uint8_t remote_mult;
	bool remote_demand;
	bool poll;               /* a Poll Sequence of ours is under way */
	bool final_due;          /* a Poll came: answer it with a Final */
	uint32_t local_disc, remote_disc;
	uint32_t desired_tx_us, req_rx_us;          /* what this end says */
	uint32_t remote_min_rx_us, remote_tx_us;    /* what the far end said */
	uint32_t tx_us;          /* the DesiredMinTxInterval in force (an increase waits for the Final) */
	uint32_t detect_rx_us;   /* the RequiredMinRxInterval in force (a decrease waits too) */
	uint64_t next_tx;        /* when the next periodic packet is due */
	uint64_t detect_at;      /* when the far end counts as silent (0: not watched) */
	uint64_t changed;        /* when state last changed */
	struct ov_bfd_stats st;
};

/* A session set up at now: Down, local discriminator @disc (non-zero),
 * its first packet due at once. */
void ov_bfd_init(struct ov_bfd *b, const struct ov_bfd_cfg *c, uint32_t disc, uint64_t now);
/* New timers for a session that keeps its state: once Up, a Poll
 * Sequence tells the far end (6.8.3). */
void ov_bfd_reconfig(struct ov_bfd *b, const struct ov_bfd_cfg *c, uint64_t now);

/* 6.8.6's checks that need no session, on len bytes of UDP payload. */
enum ov_bfd_bad ov_bfd_check(const void *pkt, uint32_t len);
/* A packet that passed ov_bfd_check, for this session (by Your
 * Discriminator, or by addresses when that was 0), taken in at now. True
 * when the session's state changed. */
bool ov_bfd_recv(struct ov_bfd *b, const struct ov_bfd_pkt *p, uint64_t now);
/* Is a packet due at now? Then true and *out is it (rnd: a random number
 * for the jitter of 6.8.7). */
bool ov_bfd_due(struct ov_bfd *b, uint64_t now, uint32_t rnd, struct ov_bfd_pkt *out);
/* The Detection Time passed in silence: Down (6.8.4). True when state changed. */
bool ov_bfd_judge(struct ov_bfd *b, uint64_t now);
/* 6.8.4's Detection Time of this end, in µs (0: not watched). */
uint64_t ov_bfd_detect_us(const struct ov_bfd *b);

static inline bool
ov_bfd_up(const struct ov_bfd *b)
{
	return b->state == OV_BFD_UP;
}

#endif
