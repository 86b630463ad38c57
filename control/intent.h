/* SPDX-License-Identifier: BSD-3-Clause */
/* Switch and overlay intents compiled into table.write params from the tables they read; no I/O. */
/*
 * Why pure: sxctl drives an intent with blocking calls, sxcd from its event
 * loop; both ask intent_compile what to read, read it their own way, and
 * call it again until it yields the write. A write that lost a race with
 * another writer (intent_raced) is read again, compiled again and sent
 * again, INTENT_ATTEMPTS times at most. The tables', fields' and actions'
 * names are known in the library and nowhere else on the control side:
 * the switch's in intent.c, the overlay's in intent_overlay.c (both build
 * their updates with intent_cc.c).
 */
#ifndef INTENT_H
#define INTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define INTENT_FLOOD_PORTS 32	/* bits in a flood entry's port mask */
#define INTENT_ATTEMPTS	   8	/* writes of one intent before a lost race is final */
#define INTENT_FLOOD_TUNNELS 8	/* tunnels a flood entry names (t0..t7) */
#define INTENT_POLICY_PATHS 4	/* paths a policy picks from (p0..p3) */

/* What the overlay's intents leave out: a probed path's timers (0 in the
 * intent: BFD's common 50 ms, detection after 3 probes, up after 5
 * answers in a row) and the CLI's outer TTL. */
#define INTENT_PROBE_INTERVAL_MS 50
#define INTENT_PROBE_DOWN	 3
#define INTENT_PROBE_UP		 5
#define INTENT_TTL		 64
#define INTENT_TTL_COPY		 0	/* a tunnel's outer TTL: the inner packet's */
#define INTENT_DSCP_COPY	 64	/* a tunnel's outer DSCP: the inner packet's */

enum intent_kind {
	INTENT_SLICE_ATTACH,	/* port, vlan, slice, bd, meter (0: none) */
	INTENT_SLICE_DETACH,	/* port, vlan */
	INTENT_SVI_ADD,		/* slice, bd, mac, addr IP/PLEN (IPv4 PLEN 0..31, IPv6 1..127) */
	INTENT_SVI_DEL,		/* slice, bd, ipv6 (which of the BD's SVIs) */
	INTENT_ROUTE_ADD,	/* vrf, addr PREFIX, how, nh/n_nh */
	INTENT_ROUTE_DEL,	/* vrf, addr PREFIX */
	INTENT_MAC_ADD,		/* bd, mac, port */
	INTENT_MAC_DEL,		/* bd, mac */
	INTENT_NEIGH_ADD,	/* vrf, addr IP, port, vlan, mac (next hop's), smac */
	INTENT_NEIGH_DEL,	/* vrf, addr IP */
	/* the overlay's (intent_overlay.c); IPv4 underlay */
	INTENT_VTEP_ADD,	/* addr: a local tunnel endpoint */
	INTENT_VTEP_DEL,	/* addr */
	INTENT_SITE_ADD,	/* id (the site), addr (one of its underlay addresses) */
	INTENT_SITE_DEL,	/* addr */
	INTENT_VNI_ADD,		/* vni, slice, bd, or l3 (the slice's VRF) */
	INTENT_VNI_DEL,		/* vni */
	INTENT_PATH_ADD,	/* id, how (probe: "static" (NULL), "sxdp", "icmp"), addr (the
				 * local VTEP), dst, gw, vrf, mtu; a probed one's timers */
	INTENT_PATH_DEL,	/* id */
	INTENT_TUNNEL_ADD,	/* id, how ("vxlan" (NULL), "geneve"), slice, vni, path, ttl,
				 * dscp, csum, mac (rmac, NULL: none), peers, flood */
	INTENT_TUNNEL_DEL,	/* id */
	INTENT_POLICY_SET,	/* id (the tunnel), cls, how ("failover", "balance", "sla"),
				 * paths (weights), sla limits */
	INTENT_POLICY_DEL,	/* id, cls */
	INTENT_CLASS_ADD,	/* slice, cls, prio, rule */
	INTENT_CLASS_DEL,	/* slice, cls, prio (0: every rule of the class in the slice) */
	/* QoS's (intent_qos.c); rates in bit/s, bursts in bytes */
	INTENT_METER_ADD,	/* id, how ("srtcm", "trtcm", "rfc4115"), rate (cir), burst
				 * (cbs), peak (eir or pir), ebs (ebs or pbs), aware, charge */
	INTENT_METER_DEL,	/* id, with its color policies */
	INTENT_METER_COLOR,	/* id, color (0 green, 1 yellow, 2 red), how ("pass", "drop",
				 * "remark"), dscp, pcp (INTENT_DSCP_KEEP, INTENT_PCP_KEEP) */
	INTENT_VDN_ADD,		/* id (its meter's id and its pipe's), slice, port (the egress
				 * scheduler's), rate, peak (0: none), prio, rule */
	INTENT_VDN_DEL,		/* id, slice, port */
	INTENT_SCHED_SET,	/* port: its egress scheduler at rate (bit/s), subports
				 * (slices + 1), pipes (per subport), burst (queue size) */
	INTENT_SUBPORT_SET,	/* port, slice, id (its subport 1..), rate (guaranteed),
				 * peak (ceiling, 0: the port's) */
	INTENT_PIPE_SET,	/* port, slice, id: a VDN's pipe on one more port's
				 * scheduler, rate (guaranteed), peak (0: none) */
};

#define INTENT_DSCP_KEEP 64	/* a remark that leaves the DSCP */
#define INTENT_PCP_KEEP	 8	/* ... or the 802.1p PCP */

/* Addresses, prefixes and next hops are IPv4 or IPv6, as written (an IPv6
 * one has a ':'): the IPv6 ones go to svi6, routes6 and neigh6. The router
 * MAC's fdb entry is shared by a BD's IPv4 and IPv6 SVIs, so an SVI intent
 * reads the other family's SVIs first. */

/* One intent's arguments; the strings are borrowed for the intent's life. */
struct intent {
	enum intent_kind kind;
	json_int_t slice;	/* its VRF, for an SVI */
	json_int_t bd;
	json_int_t vrf;
	json_int_t vlan;	/* 0: untagged */
	json_int_t meter;	/* slice attach: the meter of what enters there (0: none) */
	const char *port;	/* a name, or a decimal index */
	const char *mac;
	const char *smac;
	const char *addr;
	const char *how;	/* "via" (1 next hop), "ecmp" (2..4; IPv6 2) or "drop" (none) */
	const char *const *nh;
	int n_nh;
	bool ipv6;		/* svi del: the BD's IPv6 SVI */

	/* the overlay's (vrf: a path's underlay VRF; mac: a tunnel's rmac) */
	json_int_t id;		/* the tunnel, path or site; a policy's tunnel */
	json_int_t vni;
	json_int_t path;	/* a tunnel's own path (0: its policies only) */
	json_int_t flood;	/* tunnel add: the bridge domain that floods into it too, -1: none */
	json_int_t ttl, dscp;	/* a tunnel's outer TTL and DSCP, or INTENT_*_COPY */
	bool csum;		/* tunnel: compute the outer UDP checksum */
	bool l3;		/* vni: the slice's VRF, not a bridge domain */
	const char *const *peers;	/* tunnel add: the peer site's underlay addresses */
	int n_peers;
	const char *dst, *gw;	/* path: its far end and underlay next hop (addr: its VTEP) */
	json_int_t mtu;		/* path: 0 the WAN port's */
	json_int_t interval_ms, down_after, up_after;	/* a probed path's; 0: INTENT_PROBE_* */
	json_int_t cls;		/* an application class */
	json_int_t paths[INTENT_POLICY_PATHS];	/* policy: in order of preference */
	json_int_t weights[INTENT_POLICY_PATHS];	/* balance: each path's */
	int n_paths;
	json_int_t rtt_ms, jitter_ms, loss_pct;	/* sla: the limits, 0: none */
	json_int_t prio;	/* a class rule's priority (the larger wins) */
	/* QoS's: a meter's or a VDN's */
	json_int_t rate, peak, burst, ebs;
	json_int_t color, charge, pcp;
	bool aware;
	struct intent_rule {	/* class add: what the rule matches in the inner packet */
		const char *src, *dst;	/* IPv4 prefixes (an address: /32), NULL: any */
		json_int_t proto;	/* 0: any */
		json_int_t dscp;
		bool dscp_set;		/* else any DSCP */
		json_int_t sport[2], dport[2];	/* lo..hi, hi 0: any */
	} rule;
};

/* What an intent is compiled from: port.list's "ports", or the entries of
 * a table (table.read, every page). */
enum intent_input {
	INTENT_IN_PORTS,
	INTENT_IN_INTERFACES,
	INTENT_IN_FLOOD,
	INTENT_IN_SVI,
	INTENT_IN_SVI6,
	INTENT_IN_TUNNELS,	/* the overlay's */
	INTENT_IN_PEERS,
	INTENT_IN_POLICIES,
	INTENT_IN_CLASSES,
	INTENT_IN_METER_COLORS,	/* QoS's */
	INTENT_IN_VDNS,
	INTENT_IN_MAX
};
#define INTENT_IN(k) (1u << (k))

/* The table input @k is read from; NULL for INTENT_IN_PORTS (port.list). */
const char *intent_input_table(enum intent_input k);
/* Every input @it's compile step may ask for (INTENT_IN() bits), for a
 * caller that would rather read them all up front. */
unsigned int intent_inputs(const struct intent *it);

/*
 * Compile @it from what was read so far: in[k] is input k as a JSON array
 * (borrowed), NULL while not read. Inputs beyond those asked for are used
 * when given (slice attach then refuses a bridge domain of another slice
 * before sxdp does).
 *   0        *params is the table.write params (the caller's): "updates",
 *            and "atomicity": "dataplane-atomic" when there are several
 *   -EAGAIN  read the inputs in *need and call again
 *   -EINVAL  a malformed argument; -ENOENT no such port, attachment,
 *            SVI, flood entry or class rule; -ERANGE a port beyond the
 *            flood mask; -ENOSPC a flood entry naming INTENT_FLOOD_TUNNELS
 *            tunnels already; -EPERM the bridge domain is another slice's;
 *            -ENOMEM. @err says which.
 */
int intent_compile(const struct intent *it, json_t *const in[INTENT_IN_MAX], unsigned int *need,
		   json_t **params, char *err, size_t errlen);
/* The reason word of a compile error, as sxdp would name it ("not_found"). */
const char *intent_reason(int rc);

/*
 * After @params (from intent_compile) got @result from table.write: did
 * it lose a race? Nothing applied, and an update computed from an input
 * found its entry changed, gone or already there. Returns the inputs to
 * drop and read again before compiling anew (0: the result stands), and
 * names the entry in @what ("the flood entry of bd 10").
 */
unsigned int intent_raced(const struct intent *it, json_t *params, json_t *result, char *what,
			  size_t len);

/* The tables sxctl lists, and the match field a listing filters on. */
enum intent_view {
	INTENT_V_ROUTES,	/* by VRF */
	INTENT_V_FDB,		/* by bridge domain */
	INTENT_V_NEIGH,		/* by VRF */
	INTENT_V_ROUTES6,	/* by VRF */
	INTENT_V_NEIGH6,	/* by VRF */
	INTENT_V_POLICIES,	/* by tunnel */
};

const char *intent_view_table(enum intent_view v);
/* The entries (a table.read array, borrowed) whose VRF or bridge domain is
 * @key, all when @key < 0: a new array. */
json_t *intent_view_select(enum intent_view v, json_t *entries, json_int_t key);
/*
 * tunnel show: from the tunnels, peers and flood entries as read
 * (borrowed), one row per tunnel: {"id", "type" (vxlan|geneve), "slice",
 * "vni", "path", "ttl", "dscp", "csum", "rmac" (when set), "peers" (the
 * underlay addresses whose frames arrive through it), "flood" (the bridge
 * domains that flood into it), "hits"}. A new array.
 */
json_t *intent_tunnel_rows(json_t *tunnels, json_t *peers, json_t *floods);
/*
 * vdn show: from the vdns entries, qos.meters and qos.sched as read
 * (borrowed), one row per VDN (a vdns entry): {"id" (its pipe), "slice",
 * "match", "priority", "meter", "green"/"yellow"/"red" (packets, bytes:
 * its meter's), "sent", "drops" (its pipe's, summed over the ports that
 * schedule it)}. A new array.
 */
json_t *intent_vdn_rows(json_t *vdns, json_t *meters, json_t *sched);
/* table.config params for the idle timeout of learned MACs (0: never age). */
json_t *intent_ageing(json_int_t seconds);

#endif
