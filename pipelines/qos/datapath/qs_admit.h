/* Admission of writes to the schedulers' tables (qs_admit.c): a rate
 * within its parent's, guarantees within the port (less 1 % for best
 * effort), a slice's pipes within its share, pipes and profiles the
 * scheduler has room for; refused with a named reason, nothing applied. */
#ifndef QS_ADMIT_H
#define QS_ADMIT_H

/* Main lcore, at init (the tables declared): the refusal reasons and the
 * write check registered. 0 or -ENOSPC. */
int qs_admit_init(void);

#endif
