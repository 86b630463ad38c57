/* A restart that keeps the traffic: a new sxdp (sxdp --takeover, the same
 * config) starts beside the running one, copies its tables over the
 * control socket (learned neighbours and MACs included) before it touches
 * a port, then asks it to hand over (sys.takeover): the old one stops its
 * workers, gives each feature's state beyond its tables (dp_feature's
 * handover_out: elections, paths' liveness, the overlay's SAs), closes
 * its ports (dp_ports_release) and exits; the new one takes the state,
 * starts each port as soon as the kernel has freed it (dp_ports_init),
 * then its workers, and moves its control socket onto the path. The
 * traffic stops only between the old one's last burst and the new one's
 * first: the ports' hand-over.
 * Only a process of the same executable and user may take over. */
#ifndef DP_TAKEOVER_H
#define DP_TAKEOVER_H

#include <stdbool.h>
#include <stddef.h>

/* The old side: register sys.takeover. */
int dp_takeover_register(void);
/* The new side, before its ports start (dp_ports_probe done): copy the
 * tables of the sxdp listening at @path, have it hand over, take its
 * features' state. 0, or -errno with a message in @err (before the
 * hand-over the old one still runs and nothing is lost; after it, the
 * caller must start the ports). */
int dp_takeover_pull(const char *path, char *err, size_t errlen);
/* The old side, after its main loop: answer the taker until it has read
 * the hand-over and gone (at most a few seconds). */
void dp_takeover_flush(void);

#endif
