/* flowexp's registry of tunnels it looks into: a feature that owns an
 * encapsulation (overlay: VXLAN; upf: GTP-U) registers, from a constructor,
 * how to find the tunnel id and the inner packet in a UDP payload, so the
 * flow key is the innermost 5-tuple and the tunnel's id, and flowexp
 * names no encapsulation. */
#ifndef FX_API_H
#define FX_API_H

#include <stdbool.h>
#include <stdint.h>

enum fx_tun_kind {
	FX_TUN_NONE = 0,
	FX_TUN_VNI = 1,    /* exported as layer2SegmentId (VXLAN segment type) */
	FX_TUN_TEID = 2,   /* exported as the enterprise IE FX_IE_TEID */
};

/* The UDP payload p[0, len) of a datagram to the registered port: 1 when it
 * is the tunnel's, with its id, the inner packet's offset in p (<= len)
 * and whether that is an Ethernet frame (else an IP packet, v4 or v6 by
 * its version); 0 when it is not. Must never read past p + len. */
typedef int (*fx_tun_fn)(const uint8_t *p, uint32_t len, uint32_t *id, uint32_t *inner, bool *eth);

#define FX_TUN_MAX 8
/* A constructor (before main). 0, -ENOSPC, -EEXIST (the port is taken). */
int fx_tun_register(uint16_t udp_port, enum fx_tun_kind kind, fx_tun_fn fn);

struct dp_meta;
/* A packet taken out of a tunnel on this box (DP_MF_DECAP) leaves it
 * plain: the feature that took it out says, from the metadata it left,
 * which tunnel that was: 1 with its kind and id, 0 when the packet is not
 * one of its own. Called on workers for sampled packets only: no locks,
 * no allocation. */
typedef int (*fx_decap_fn)(const struct dp_meta *md, enum fx_tun_kind *kind, uint32_t *id);
#define FX_DECAP_MAX 4
/* A constructor (before main). 0, -EINVAL, -ENOSPC. */
int fx_decap_register(fx_decap_fn fn);

/* Event records a feature sends with the flows (NAT44's session and port
 * block events, RFC 8158): it declares a template of IANA IEs at init, its
 * workers queue records, and flowexp's main lcore sends them to the
 * collectors (templates FX_EVT_TMPL_BASE + id) while export is on. Every
 * event template begins with observationTimeMilliseconds (323), which
 * flowexp writes from the TSC a worker stamps: the record a feature
 * writes is the rest, its IEs in network order as the template lays them. */
struct fx_evt_ie { uint16_t id, len; };
#define FX_EVT_IES_MAX 15
#define FX_EVT_LEN_MAX 60       /* a record's bytes after the time */
#define FX_EVT_TMPLS_MAX 8
#define FX_EVT_TMPL_BASE 259
#define FX_IE_OBS_TIME_MS 323
struct fx_evt_tmpl {
	uint16_t n_ies;                      /* after observationTimeMilliseconds */
	struct fx_evt_ie ie[FX_EVT_IES_MAX];
};
/* At init, before the workers start (any feature's, before or after
 * flowexp's): the template's id (0..), or -EINVAL (no IEs, too long),
 * -ENOSPC. */
int fx_evt_register(const struct fx_evt_tmpl *t);
/* Worker: would a record go anywhere (export on)? A feature asks before it
 * builds one. */
bool fx_evt_wanted(void);
/* Worker `worker`: record rec (len bytes, the template's after the time)
 * of template id, at TSC tsc, to the main lcore. 0; -ENODEV while export
 * is off; -ENOBUFS when its ring is full (counted: flowexp.evt_lost). */
int fx_evt_emit(unsigned int worker, int id, uint64_t tsc, const void *rec, unsigned int len);

#endif
