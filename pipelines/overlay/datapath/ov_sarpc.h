/* ov_sarpc: the control methods of the overlay's ESP SAs: overlay.sa.add, overlay.sa.del, overlay.sa.list, overlay.sa.require, overlay.sa.keepalive (keys go in, never out). */
#ifndef OV_SARPC_H
#define OV_SARPC_H

/* Register the methods (their counters summed over @workers and the main lcore). 0 or -errno. */
int ov_sarpc_init(void);

#endif
