/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_up_state: the PFCP session layer's state its modules share (pf_up, pf_usess, pf_answer, pf_ucomp, pf_report, pf_restore, pf_vis); the layer now; NTP time. */
/*
 * What the session layer's modules share, and only they (pf_up.h is what
 * the service sees). It includes none of the layer's modules but those
 * below it (the session model, the UPFs sessions land in, the ids they
 * take), so each module of the layer stands on it and none on pf_up.c.
 */
#ifndef PF_UP_STATE_H
#define PF_UP_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "cd_clock.h"
#include "cd_hmap.h"
#include "pf_alloc.h"
#include "pf_save.h"
#include "pf_sess.h"
#include "pf_lan.h"
#include "pf_load.h"
#include "pf_ueip.h"
#include "pf_upf.h"
#include "pf_usage.h"

#define PF_UP_MSG_MAX	8192	/* an answer's bytes */
#define PF_RATE_SAMPLES	11	/* 10 s of rates, sampled each second */

struct cd_res;
struct cd_sync;
struct cd_tables;
struct ctl_async;
struct event;
struct event_base;
struct outmsg;
struct pf_assoc;
struct pf_node;
struct pf_jsync;
struct pf_txn;

/* ------------------------------------------------------------ state */

/* A UPF as its sessions were compiled with it (shared, counted). */
struct snap {
	struct pf_upf u;
	unsigned int refs;
	struct snap *next;
};


/* One PFCP session. */
struct us {
	uint64_t seid;			/* ours */
	uint32_t sess_id;		/* sxdp's */
	struct pf_assoc *assoc;
	json_t *owner;			/* "pfcp/NODE/SEID" */
	struct pf_session *s;
	struct snap *upf;
	struct pf_rid *cnt, *met;
	uint16_t *shared;		/* peer, app and redirects ids it holds */
	uint8_t n_cnt, n_met;
	uint16_t n_shared, n_shared_app;	/* peers first, then apps (64 PDRs' 9 apps each: past a u8) */
	uint16_t n_shared_redir;	/* ... then redirects, the last n_shared_redir */
	struct op *waiting;		/* its requests behind the one under way */
	bool busy;			/* one of its requests is under way */
	bool shared_put;		/* its shared entries let go by the request under way */
	bool ddn_waiting;		/* its DL Data Report waits out its BAR's delay (up->ddn_wait) */
	bool bar_upd;			/* a Report Response's Update BAR, for the session after the request under way */
	uint8_t bar_upd_delay;		/* ... its DL Data Notification Delay (50 ms units) */
	char *upf_name;			/* loaded from the journal: its UPF, found once sxdp is seen */
	struct pf_usage use;		/* its URRs' measurement */
	struct pf_idle idle;		/* its User Plane Inactivity Timer's watch */
	struct pf_macs macs;		/* the MACs behind it reported (MACAR) */
};

enum op_kind { OP_EST, OP_MOD, OP_DEL, OP_RESTORE, OP_REARM };

/* What a compile took: the session's ids after it. */
struct took {
	struct pf_rid cnt[PF_SESS_PDR_MAX], met[PF_SESS_QER_MAX * 2];
	uint16_t shared[PF_SESS_FAR_MAX + PF_SESS_PDR_MAX * (PF_SESS_SDF_MAX + 1)];
	int n_cnt, n_met, n_peer, n_app, n_ue, n_redir;
	uint16_t redirs[PF_SESS_PDR_MAX * (PF_SESS_SDF_MAX + 1)];	/* redirects entries, a term each */
	/* a PDR's apps: its SDF Filters' or Ethernet Packet Filters' (one
	 * session is of one kind), and its Application ID's */
	uint16_t apps[PF_SESS_PDR_MAX * (PF_SESS_SDF_MAX + 1)];
	struct {
		uint8_t af, addr[16];
	} ue[2];			/* UE addresses it chose (UEIP), in upf's pools */
	uint8_t lan;			/* the 5G LAN slot + 1 it chose, in upf's lan_bd */
	uint16_t lan_bd;
	char upf[PF_NAME_LEN];
	json_t *made;			/* shared entries' inserts it made */
};

/* A DL Data Report held for its session's BAR's DL Data Notification Delay. */
struct ddn_wait {
	struct us *us;
	uint64_t due;			/* ms (cd_clock_ms) */
};

/* One request under way (or our own work: a session restored into a new sxdp). */
struct op {
	struct op *next;		/* the queue */
	enum op_kind kind;
	struct pf_txn *t;		/* NULL: ours */
	struct pf_assoc *assoc;
	struct us *us;
	uint8_t *raw;			/* a request that waited behind another of its session */
	size_t raw_len;
	struct pf_session *next_s;	/* the session after it */
	struct pf_mod mod;
	struct took took;
	json_t *ups;			/* its writes */
	json_t *claims;			/* [[table, key]] it took */
	json_t *unclaims;		/* [[table, key]] it gives back once applied */
	bool alone;			/* written in a batch of its own */
	bool admitted;			/* an establishment pf_load counts pending */
	bool read;			/* its counters to read once applied (its usage) */
	struct {
		uint16_t peer;		/* pinned until the end marker is asked for */
		uint32_t teid;
	} em[PF_SESS_FAR_MAX];		/* end markers into old tunnels (SNDEM) */
	int n_em;
	uint64_t since;			/* ms */
};

struct pf_up {
	struct pf_node *node;
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	struct ctl_async *ctl;
	const struct cd_tables *tables;	/* NULL: sxdp away */
	char boot_id[64];
	struct pf_upfs upfs;
	struct snap *snaps;
	struct pf_shared *shared;
	struct pf_ueip *ueip;		/* UE addresses sessions left to the UPF (UEIP) */
	struct pf_lan *lan;		/* the 5G LAN groups' slots Ethernet PDU sessions hold */
	struct pf_ids sess_ids, meters, counters;
	bool counters_ready;
	uint64_t *ctr_bytes;		/* counters' bytes as last read, by id - counters.lo */
	uint64_t *ctr_pkts;		/* ... and packets */
	struct op *reading;		/* applied, their counters being read */
	uint64_t ev_after;		/* sxdp's UPF events read up to */
	bool ev_busy, ev_known;
	bool macs_busy;			/* sxdp asked for the MACs behind sessions (pf_macar) */
	size_t macs_at;			/* the table slot the next ask starts from */
	struct event *ev_timer, *tick, *flush, *restore, *resweep;
	struct pf_jsync *journal;	/* the sessions' journal, synced on its thread (NULL: none) */
	struct pf_load load;		/* N4 load, admission, overload (pf_load.h) */
	/* the journal's copy at the pair's other box (pf_up_replicate; hold NULL: none) */
	bool (*replica_hold)(void *arg, struct outmsg *answers);
	void *replica_arg;
	uint64_t usage_ckpt_at;		/* the next usage checkpoint (ms) */
	unsigned int usage_ckpt_ms;	/* every so often (0: none) */
	bool takeover;			/* the journal is the pair's other box's: its sessions written into this sxdp */
	struct outmsg *out, **out_tail;
	char stored_boot[64];		/* the sxdp the journal's sessions were in */
	bool restoring;			/* sessions loaded, not yet claimed and counted */
	bool sweep_due;			/* the sweep failed: done again (requests wait) */
	unsigned int sweep_tries;	/* ... failed in a row, sxdp there */
	size_t restore_at;		/* the next slot of the table to restore */
	size_t takeover_ctr;		/* the next slot whose counters a takeover reads */
	size_t takeover_from;		/* ... the first of the read under way */
	unsigned int takeover_tries;	/* ... its tries so far */
	size_t rewriting;		/* a takeover's writes not yet done (pf_restore_written) */
	uint32_t teid_next[2];		/* N3, N9 */
	/* sessions by SEID: open addressing, linear probing */
	struct us **tab;
	size_t cap, n;
	struct us **ctab;		/* the same by their SMF's F-SEID (pf_usess) */
	size_t ccap, cn;
	/* TABLE KEY → the session holding it (pf_ucomp's struct claim): a
	 * table that grows a few buckets at a time, a million sessions' keys
	 * never rehashed at once */
	struct cd_hmap claims;
	struct op *head, *tail;		/* the queue: modifications and deletions first (up to xtail) */
	struct op *xtail;		/* the last of those (NULL: none queued) */
	struct op *flight;		/* the batch in flight (chained by next) */
	json_t *flight_gc;		/* its collected shared entries' deletes */
	bool writing;
	struct event *kick, *timer;
	struct pf_msg *scratch;
	struct ddn_wait *ddn_wait;	/* DL Data Reports delayed (DDND), at most DDN_WAIT_MAX, unordered */
	size_t n_ddn_wait;
	struct {
		uint64_t est, mod, del, batches, updates, restored, reports, report_fails, ddn, events_lost;
		uint64_t ddn_delayed, ddn_cancelled;	/* DL Data Reports held for a BAR's delay; not sent */
		uint64_t inactivity_reports;	/* User Plane Inactivity Reports sent (UPIR) */
		uint64_t mac_reports;		/* usage reports of MACs detected or removed (MACAR) */
		uint64_t error_inds, error_ind_reports, error_inds_skipped;	/* peers' Error Indications */
		uint64_t path_failures, path_recoveries, node_reports, node_report_fails;	/* GTP-U paths */
		uint64_t taken_over;		/* sessions taken over from the pair's other box */
		uint64_t usage_checkpoints;	/* sessions' usage journalled as it moved (a pair's) */
	} st;
	/* st's est, mod and del once a second over the last RATE_SAMPLES s:
	 * the rates the Visibility API shows (a ring, oldest at rate_at) */
	struct rate_sample {
		uint64_t ms, est, mod, del;
	} rate[PF_RATE_SAMPLES];
	unsigned int rate_at, rate_n;
};

/* The layer's state, new: its session ids, meters, shared entries and
 * claims ready, nothing else (NULL: no memory). */
struct pf_up *pf_up_state_new(void);
/* The session layer, for the modules that read it on their own (pf_vis,
 * the service's status and metrics): NULL until set (PFCP off). */
struct pf_up *pf_up_state_current(void);
void pf_up_state_set(struct pf_up *up);
/* Now, in NTP seconds (the times of usage reports). */
uint32_t pf_up_state_ntp(void);

#endif
