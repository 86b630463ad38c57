/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node_int: pf_node's insides, shared by its modules (pf_node.c: the endpoint; pf_nvis.c: its status and metrics); no one else's. */
#ifndef PF_NODE_INT_H
#define PF_NODE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "pf_cache.h"
#include "pf_node.h"

#define SOCKS_MAX 8
#define SMFS_MAX 16
#define BATCH 64		/* datagrams per read callback: REST is never starved */
#define RX_MAX 65536
#define TX_MAX 2048		/* what the node level writes */
#define REFUSALS_MAX 128	/* (message type, cause) pairs counted; both are finite */
#define NTP_UNIX_OFFSET 2208988800u
#define SETUP_BACKOFF_MAX_MS 60000

struct sock {
	struct pf_node *n;
	int fd;
	struct pf_addr addr;
	struct event *ev;
};

struct pf_txn {
	struct pf_node *n;
	struct pf_txn *prev, *next;
	struct pf_centry *ce;
	struct pf_addr peer;
	struct pf_addr local;	/* the address it came to: the answer's source */
	uint8_t sock, type;
	uint32_t seq;
	uint64_t seid;
};

/* One request of ours waiting for its answer. */
struct oreq {
	struct pf_node *n;
	struct oreq *prev, *next;
	struct pf_assoc *a;	/* NULL: not an association's (setup toward an SMF) */
	struct pf_addr dst;
	struct pf_addr src;	/* sent from (a wildcard: the kernel's choice) */
	uint8_t sock, type;
	uint32_t seq;
	unsigned int tries;
	struct event *timer;
	pf_req_done *done;
	void *arg;
	uint8_t *b;
	size_t len;
};

/* An SMF we set up an association with (--pfcp-smf). */
struct smf {
	struct pf_node *n;
	struct pf_addr addr;
	uint8_t sock;
	struct pf_assoc *a;	/* once set up */
	struct oreq *pending;
	struct event *timer;
	unsigned int backoff_ms;
	uint64_t tries, refusals;
};

struct pf_assoc {
	struct pf_node *n;
	struct pf_assoc *prev, *next;
	struct pf_node_id id;
	char name[260];
	struct pf_addr peer;
	struct pf_addr local;		/* where its requests came to: ours go from there */
	uint8_t sock;
	uint32_t recovery;
	uint8_t cp_feat[8];
	size_t n_cp_feat;
	bool reachable;
	bool restored;			/* from the store at start */
	uint64_t since_ms;		/* set up at; unreachable since, when not reachable */
	uint64_t last_hb_ms;		/* a heartbeat answered last, or 0 */
	uint64_t hb_failures;
	struct event *hb_timer;
	struct oreq *hb;		/* our heartbeat under way */
	struct smf *smf;		/* set up by us toward it */
};

struct refusal {
	uint8_t type, cause;
	uint64_t count;
};

struct pf_node {
	struct pf_node_cfg cfg;
	struct cd_res *res;
	struct event_base *base;
	struct sock socks[SOCKS_MAX];
	int n_socks;
	struct smf smfs[SMFS_MAX];
	int n_smfs;
	const struct pf_node_ops *ops;
	void *ops_arg;
	uint8_t features[8];
	size_t n_features;
	uint32_t recovery;
	bool recovery_unstored;		/* a new one the store has not taken yet: not sent */
	uint32_t next_seq;
	struct pf_assoc *assocs;
	int n_assocs;
	struct pf_txn *txns;
	struct oreq *oreqs;
	struct pf_cache cache;	/* answers for retransmissions */
	struct event *sweep;
	uint8_t rx[RX_MAX];
	struct pf_addr rx_local;	/* the address the datagram handled now came to */
	struct pf_msg msg;
	/* counters */
	uint64_t in[256], out[256];
	struct refusal refusals[REFUSALS_MAX];
	int n_refusals;
	uint64_t dropped_header, dropped_unknown, dropped_unexpected, dropped_unmatched;
	uint64_t from_cache, pending_ignored, retransmits, hb_failures, version_refused;
	uint64_t assoc_setups, assoc_released, smf_restarts, unreachable_gone;
	uint64_t restored, store_failures;
	char restore_error[320];	/* why the stored associations were not restored ("" none) */
};

static inline uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A Cause's name for /metrics and logs: "no_established_pfcp_association". */
const char *pf_cause_name(uint8_t c);

#endif
