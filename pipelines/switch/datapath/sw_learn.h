/* Worker -> control learn rings (one per worker), and their drain into
 * the fdb (main lcore, every loop); the workers post by pl_switch_learn_post
 * (sw_api.h). */
#ifndef SW_LEARN_H
#define SW_LEARN_H

#include <stdint.h>

int pl_switch_learn_init(unsigned int n_workers);
void pl_switch_learn_fini(void);
void pl_switch_learn_drain(void);

#endif
