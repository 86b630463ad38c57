/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_up: the UPF's PFCP session layer: sessions established, modified and deleted into sxdp's tables. */
/*
 * Between pf_node (the endpoint: associations, transactions) and sxdp:
 * each request is checked into a typed session (pf_sess), placed in a UPF
 * (pf_upf) and compiled into table entries (pf_map); its writes go to
 * sxdp in dataplane-atomic batches that gather the requests of a moment
 * (a batch refused is undone and its requests written one by one, so one
 * bad session never fails another), and the answer leaves once sxdp has
 * applied them: an accepted session is in the dataplane. A Modification
 * applies whole or not at all. Requests of one session are applied in the
 * order they came.
 *
 * The entries a session holds are claimed (cd_claim): an intent that
 * would write one fails as a conflict naming the session's owner,
 * "pfcp/NODE/SEID"; a session that would write an intent's entry (or
 * another session's) is refused with the rule that would.
 */
#ifndef PF_UP_H
#define PF_UP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct pf_node;
struct cd_svc_ctx;
struct cd_vis_fams;
struct outmsg;

/* The session layer on @n (the service starts it after the node is made,
 * before the loop reads a datagram): 0 or -errno with @err. @takeover: the
 * journal is the pair's other box's (pf_pair), its sessions are not in this
 * sxdp: PFCP's entries there are swept, then every session is written. */
struct pf_load_cfg;
int pf_up_attach(struct pf_node *n, const struct cd_svc_ctx *ctx, bool takeover, const struct pf_load_cfg *load,
		 char *err, size_t len);

/* The journal's replica at the pair's other box (pf_pair): @tap told each
 * record as it is buffered (@b NULL: its key deleted); @hold given each
 * batch of answers (NULL: none, records alone) once the journal synced it
 * here: true when it keeps them until the replica has the batch too, then
 * hands them to pf_up_release(). */
struct pf_up_replica {
	void (*tap)(void *arg, uint64_t key, const uint8_t *b, size_t len);
	bool (*hold)(void *arg, struct outmsg *answers);
	void *arg;
	/* every session's usage checkpointed this often (pf_usage_fold: its
	 * counters read, its record written when they moved): what a takeover
	 * may lose of it. 0: never. */
	unsigned int usage_ms;
};
/* From now on (@r NULL: none). */
void pf_up_replicate(const struct pf_up_replica *r);
/* Answers a replica held, sent. */
void pf_up_release(struct outmsg *answers);
/* Every live record of the journal, oldest first (a replica's snapshot):
 * pf_store_load's contract. -ENOENT: no journal. */
int pf_up_journal_each(int (*fn)(void *arg, uint64_t key, const uint8_t *b, size_t len), void *arg);
/* Before the node is freed. */
void pf_up_detach(struct pf_node *n);
/* {"total", "by_node": {NODE: n}, "established", "modified", "deleted",
 * "reports", "report_failures", "dl_data_reports", "batches", "updates",
 * "peers", "apps"} (new): "sessions" in the pfcp service's status; its
 * refusals are the node's, by cause. NULL: not attached. */
json_t *pf_up_stats(void);
/* Its /metrics families, after the node's: sessions per SMF (labels: the
 * associations, few), what was done to them, reports sent and unanswered. */
void pf_up_metrics(struct cd_vis_fams *f);

#endif
