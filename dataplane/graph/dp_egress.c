/* Ports whose egress a feature took over (dp_egress.h). */
#include "dp_egress.h"
#include "dp_table.h"

struct dp_egress *dp_egress_of[DP_PORTS_MAX];

void
dp_egress_set(uint16_t port, struct dp_egress *e)
{
	if (port >= DP_PORTS_MAX)
		return;
	__atomic_store_n(&dp_egress_of[port], e, __ATOMIC_RELEASE);
	/* a worker reads the entry within a walk; every walk ends quiescent */
	dp_tables_sync();
}
