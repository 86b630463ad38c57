/* The edge's NAT44 log through flowexp's collectors (RFC 8158): a
 * session's creation and deletion, and each port block given and given
 * back, as IPFIX event records. Only while export is on; a worker builds a
 * record and queues it, the main lcore sends it. */
#ifndef EG_LOG_H
#define EG_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include "ct_sess.h"
#include "nat_map.h"

/* At the edge's init: the templates. 0 or -errno. */
int eg_log_init(void);
/* Worker: a translated connection made (true) or ended. */
void eg_log_session(unsigned int worker, uint64_t now, const struct ct_sess *s, bool create);
/* nat_block_fn: the store's worker (arg: its struct nat_store). */
void eg_log_block(void *arg, const struct nat_host *h, unsigned int b, bool alloc);

#endif
