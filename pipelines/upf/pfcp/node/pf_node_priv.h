/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node_priv: what pf_node.c and pf_ntxn.c share of the PFCP endpoint (pf_node.h): its state, helpers, sending. */
#ifndef PF_NODE_PRIV_H
#define PF_NODE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "pf_cache.h"
#include "pf_codec.h"
#include "pf_ncount.h"
#include "pf_ntypes.h"

struct event;
struct pf_node_ops;

#define SOCKS_MAX 8
#define SMFS_MAX 16
#define RX_MAX 65536

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
	struct pf_ncount c;
	struct pf_prefix allow[PF_ALLOW_MAX];	/* cfg.allow's copy */
	/* datagrams refused by source: a log line at most every REFUSED_LOG_MS, the
	 * ones in between told by the next (a timer makes sure there is one) */
	bool refused_logged;
	uint64_t refused_log_ms, refused_quiet;
	struct pf_addr refused_last;
	struct event *refused_timer;
	char restore_error[320];	/* why the stored associations were not restored ("" none) */
};

static inline void
ms_tv(unsigned int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static inline bool
is_request(uint8_t t)
{
	switch (t) {
	case PF_HEARTBEAT_REQ: case PF_ASSOC_SETUP_REQ: case PF_ASSOC_UPDATE_REQ: case PF_ASSOC_RELEASE_REQ:
	case PF_NODE_REPORT_REQ: case PF_SESS_EST_REQ: case PF_SESS_MOD_REQ: case PF_SESS_DEL_REQ:
	case PF_SESS_REPORT_REQ:
		return true;
	}
	return false;
}

/* Send @b on socket @sock to @to, from @from when the socket is bound to a
 * wildcard address; counted. 0 or -errno. */
int pf_node_send(struct pf_node *n, uint8_t sock, const struct pf_addr *from, const struct pf_addr *to,
		 const uint8_t *b, size_t len);

/* Our request @b (copied, a fresh sequence number put in) sent to @dst and
 * retransmitted every T1 up to N1 times; @done once (its answer, or
 * -ETIMEDOUT). @a: the association it is for (NULL: a setup toward an
 * SMF). NULL when out of memory. */
struct oreq *pf_oreq_send(struct pf_node *n, struct pf_assoc *a, uint8_t sock, const struct pf_addr *src,
			  const struct pf_addr *dst, const uint8_t *b, size_t len, pf_req_done *done,
			  void *arg);
/* Forgotten, its caller not told. */
void pf_oreq_free(struct oreq *o);
/* Our requests to @a end: their callers hear it (-ECANCELED). */
void pf_oreq_cancel(struct pf_node *n, struct pf_assoc *a);

#endif
