/* Application identification for the overlay's classes: a slice's flow
 * that goes into a tunnel is named by nDPI (Debian's libndpi) on the slow
 * path from its first packets, and the name is cached per flow in each
 * worker, so that the app_classes table (slice, application) can put the
 * flow's packets in a class, over what the classes rules said. The fast
 * path: a worker looks its flow up in its own cache (set-associative,
 * aged); a flow not named yet has a copy of its packet punted (at most
 * OV_APP_PUNT_MAX of them), and the main lcore answers through the
 * worker's ring. Bounded everywhere: the cache's ways, the flows being
 * classified (OV_APP_FLOWS_MAX, OV_APP_SLICE_FLOWS a slice), the copies a
 * flow punts; past a bound a flow goes unnamed (counted), never stalls. */
#ifndef OV_APP_H
#define OV_APP_H

#include <stdbool.h>
#include <stdint.h>

struct dp_stage_ctx;
struct rte_mbuf;

#define OV_APP_PUNT_MAX    8       /* packets of a flow nDPI is shown, at most */
#define OV_APP_PUNT_RATE   20000   /* copies a second a worker punts, at most ... */
#define OV_APP_PUNT_BURST  256     /* ... this many at once */
#define OV_APP_SLICE_PUNT_RATE  5000 /* ... of them one slice's, */
#define OV_APP_SLICE_PUNT_BURST 64   /* ... this many at once: a slice's flood leaves the others the rest */
#define OV_APP_FLOWS_MAX   16384   /* flows being classified on the slow path */
#define OV_APP_SLICE_FLOWS 4096    /* ... of one slice */
#define OV_APP_IDLE_MS     30000   /* a cached verdict idle this long is forgotten */
#define OV_APP_MAX         0x7fff  /* application ids (nDPI's protocol ids) */

/* Some app_classes entry exists: encap looks flows up (the fast path's
 * caches know no applications, so it declines). Main lcore writes. */
extern bool ov_app_on;

int ov_app_init(unsigned int workers);
void ov_app_fini(void);
/* Main lcore, after a write to app_classes: ov_app_on anew. */
void ov_app_table_done(void);

/* Workers, encap: the classes of the burst's packets idx[0..k) (cls[j],
 * from the classes rules) overridden where their flow's application (or
 * its master protocol: TLS for a named TLS service) has an app_classes
 * entry; a copy of each packet of a flow not named yet punted to be
 * named (ctx's extra packets). */
void ov_app_classes(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
		    uint16_t *cls);
/* Main lcore: a copy punted (OV_PUNT_APP) through nDPI; the verdict, once
 * there is one, to the worker(s) that asked. Takes m. */
void ov_app_punted(struct rte_mbuf *m);
/* Main lcore: the classifier's idle flows freed. */
void ov_app_poll(uint64_t now_tsc);

#endif
