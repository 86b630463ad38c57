/* ov_handover: what the overlay hands a new sxdp taking over (sxdp --takeover) beyond its tables: the paths' liveness, the SAs with their keys, numbers and windows, where roaming peers are, WireGuard's port. */
/*
 * An SA handed over is the same SA: the same id, SPI and key; an outbound
 * one numbers on from where the old process stopped (ov_sa_next_seq:
 * never short of it, so a key never numbers two packets alike), an inbound
 * one keeps its window (what it took stays refused), and its counters go
 * on. The control plane finds them held at its reconnect and adopts them:
 * no new keying, no SA missing while it reconnects.
 *
 * The keys cross the control socket once, in the answer to sys.takeover,
 * which only a process of the same executable and user gets
 * (dp_takeover.c); the new side wipes its copies once the SAs are made.
 */
#ifndef OV_HANDOVER_H
#define OV_HANDOVER_H

struct json_t;

/* The old side, its workers stopped: the state (new), or NULL. */
struct json_t *ov_handover_out(void);
/* The new side, before its ports start: 0, or the last -errno of a part
 * not taken (logged; the control plane makes that SA again). */
int ov_handover_in(struct json_t *state);

#endif
