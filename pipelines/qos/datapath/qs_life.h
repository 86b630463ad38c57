/* A scheduler's life (qs_life.c): made when its sched_ports entry is, what
 * it holds flushed and freed when the entry goes or changes. Main lcore. */
#ifndef QS_LIFE_H
#define QS_LIFE_H

#include <stdint.h>

#include "qs_state.h"

/* At init: the workers a port's owner is picked among, the drop reason of
 * what a freed scheduler still held. */
void qs_life_init(unsigned int workers, unsigned int drop_flushed_reason);

/* @v rounded up to a power of 2 (1 at least): rte_sched's subports and pipes. */
uint32_t qs_life_pow2(uint32_t v);
/* A scheduler's memory past rte_sched's own structures, by its params. */
uint64_t qs_life_queue_bytes(const struct sched_p *p);
/* The distinct pipe rates a subport of it keeps. */
uint32_t qs_life_pipe_profiles(const struct sched_p *p);

/* Port @port's scheduler as @p says, or NULL (logged). Not published:
 * dp_egress_set does that. */
struct qs_port *qs_life_new(uint16_t port, const struct sched_p *p);
/* Once no worker uses @q: what it holds dropped (qos.sched_flushed), then freed. */
void qs_life_free(struct qs_port *q);
/* Port @port's scheduler unpublished and freed, if it has one. */
void qs_life_drop(uint16_t port);

#endif
