/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_answer: the PFCP session layer's answers, sent once the journal has what they say (one sync a loop turn). */
#ifndef PF_ANSWER_H
#define PF_ANSWER_H

#include <event2/util.h>

#include "pf_up_state.h"

/* @seid as an F-SEID of this UP function (its Node ID's address). */
void pf_answer_fseid(struct pf_up *up, uint64_t seid, struct pf_fseid *f);
/* up->flush's callback: the journal synced, then the answers gathered sent. */
void pf_answer_flush(evutil_socket_t fd, short what, void *arg);
/* A batch of answers a replica held (pf_up_replica's hold) sent. */
void pf_answer_release(struct pf_up *up, struct outmsg *m);
/* @fn(@up, @arg) once the journal has synced what is in it now (a
 * Session Report Request whose usage the journal must have first: a crash
 * may lose a report, never send one twice). */
void pf_answer_after_sync(struct pf_up *up, void (*fn)(struct pf_up *up, void *arg), void *arg);
/* @us's record into the journal (durable at the next flush). */
void pf_answer_save(struct pf_up *up, struct us *us);
/* The response to @t (NULL: none) into the outbox; @r's type, sequence and Node ID filled. */
void pf_answer_send(struct pf_up *up, struct pf_txn *t, struct pf_sess_rsp *r);
/* @t refused with @f (logged with @why unless NULL), or with a bare @cause. */
void pf_answer_refuse(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, const struct pf_fail *f, const char *why);
void pf_answer_refuse_cause(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, uint8_t cause, const char *why);

#endif
