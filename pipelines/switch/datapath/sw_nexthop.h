/* Next-hop ids and the derived nexthops table (sw_nexthop.c). */
#ifndef SW_NEXTHOP_H
#define SW_NEXTHOP_H

#include <stdint.h>

int pl_switch_nexthop_init(void);
void pl_switch_nexthop_fini(void);

#endif
