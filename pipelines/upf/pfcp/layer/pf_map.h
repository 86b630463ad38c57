/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_map: a PFCP session's rules compiled into the UPF's table entries (the up4 model with its uplink classifier). */
/*
 * PFCP's model is general (any PDR may name any FAR, QERs, URRs); the
 * UPF's tables are the shapes a user plane forwards at line rate (a
 * session entry per tunnel or UE address carrying its default FAR, per-app
 * terminations for what the uplink classifier breaks out or a downlink
 * QoS flow). This says which PFCP sessions fit, refusing the rest with the
 * rule that does not, and writes the entries, deterministically: the same
 * session and allocations give the same entries, so a Modification's
 * writes are the difference of two compiles and nothing per session but
 * its rules and ids is kept.
 *
 *   PDR                                   entry
 *   Access, F-TEID on N3                  sessions_uplink (N3 id, TEID); with SDFs or an
 *                                          Application ID: terminations_uplink (session, app)
 *   Core, F-TEID on N9                    sessions_n9_downlink (N9 id, TEID)
 *   Core or N6-LAN, UE IP (destination)   sessions_downlink (slice, IPv4), sessions_downlink6
 *                                          (slice, /64); with SDFs: terminations_downlink
 *   CP-function, F-TEID on N9             sessions_n9_downlink (N9 id, TEID): what the SMF
 *                                          sends the UE (Open5GS's Router Advertisements)
 *   Access with SDFs, FAR to CP-function  terminations_uplink (session, app) fwd_n9 to the
 *                                          SMF's GTP-U address (the UE's Router Solicitations)
 *     Both carried over the n9 link, when the UPF has one of the families the F-TEID and
 *     the FAR name (a CP function's CHOOSE takes an F-TEID of it, a TEID of its own, never a
 *     tunnel PDR's of the same CHOOSE ID); else both compile to nothing (what comes into the
 *     F-TEID counts as upf.unknown_teid) and the UPF answers the UE's Router Solicitation
 *     itself: an IPv6 UE address (its /64) writes sessions_ra (session) ra {prefix, router}
 *     whenever the CP function's are not carried.
 *
 *   FAR FORW with Redirect Information (an uplink PDR's, whatever its Destination
 *   Interface, TS 29.244 5.4.7): redirect {redirect: a redirects entry: http {url} for a
 *   URL, dns {v4, v6} for the server's addresses}, answered by sxdp (up_redir.h);
 *   FAR FORW to Core/N6-LAN (no OHC): fwd_n6; with OHC: fwd_n9 (a tunnel peer on N9);
 *   FORW to Access with OHC: encap_n3 (a tunnel peer on N3); BUFF (with or without NOCP):
 *   buffer; NOCP alone: notify; DROP, or its QER's gate closed: drop.
 *   QERs: one every PDR of a direction names is the session's AMBR (ambr), another one
 *   with an MBR the PDR's own (meter); a QER's QFI is the tunnel's (UL 64: the received).
 *   URRs: each PDR naming any has a counter of its own (urr); a URR's usage is its PDRs'.
 *   A PDI's QFIs: where only they tell a tunnel PDR from another of its tunnel of a lower
 *   precedence, they are matched (the PDR an app of each of its QFIs: applications and
 *   applications6 key on the QFI the packet came with); else they are not (one default PDR
 *   with a QFI takes its tunnel's packets whatever theirs). A PDR of the UE's group (N6
 *   downlink: packets without a QFI) told apart so is refused (73, QFI), as is one that
 *   would be so matched with an Application ID or Ethernet Packet Filters.
 */
#ifndef PF_MAP_H
#define PF_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_sess.h"
#include "pf_upf.h"

/* An app's QFI: any (its packets', whatever theirs) */
#define PF_APP_QFI_ANY 0xff

struct pf_pfds;

/* What a session is compiled with besides its rules. */
struct pf_map_ctx {
	uint32_t sess_id;		/* its id in sxdp (UP_SESS_PFCP_MIN..) */
	uint32_t slice, underlay;	/* its slice's VRF, the underlay's (tunnel peers) */
	const struct pf_upf *upf;
	/* the SMFs' PFDs a PDR's Application ID names (node/pf_pfd.h; NULL:
	 * none): their flows' apps, as an SDF Filter's, before a local DN of the
	 * name; @installed: this compiles what the session holds (the PFDs it
	 * was compiled with), else what it is to hold (the current ones) */
	struct pf_pfds *pfds;
	bool installed;
};

/* The ids a compile needs (pf_up's allocators). Each returns 0 and the id,
 * or -ENOSPC (none left: No resources). A compile of a session already
 * installed finds the ids it got, never takes new ones (the allocators
 * know which compile they serve). */
struct pf_map_ids {
	void *arg;
	/* a tunnel peer: its address (@af, @addr) on the session's N3 or N9
	 * link, the outer DSCP (64: the inner's) */
	int (*peer)(void *arg, bool n9, int af, const uint8_t *addr, uint8_t dscp, uint16_t *id);
	/* a meter for QER @qer's MBR in one direction at @kbps */
	int (*meter)(void *arg, uint32_t qer, bool ul, uint64_t kbps, uint32_t *id);
	/* PDR @pdr's counter */
	int (*counter)(void *arg, uint16_t pdr, uint32_t *urr);
	/* the app of a flow of the slice: its remote side and protocol, the
	 * QFI it came with (PF_APP_QFI_ANY: any), its priority (larger wins);
	 * @af 0: of both families (a remote side of any) */
	int (*app)(void *arg, int af, const struct pf_flow_end *remote, uint8_t proto, uint8_t qfi, uint16_t prio,
		   uint16_t *app);
	/* the app of Ethernet Packet Filter @f of a PDR of direction @ul
	 * (pf_ethapp.h): -E2BIG, its ranges past what one filter may be */
	int (*eth_app)(void *arg, const struct pf_eth_filter *f, bool ul, uint16_t prio, uint16_t *app);
	/* the volume sxdp is to watch on PDR @pdr's termination (0: none),
	 * and whether it is stopped (a URR of it used its quota: it drops) */
	uint64_t (*watch)(void *arg, uint16_t pdr);
	/* the redirects entry of action @action (http, dns) with @params: what
	 * a FAR's Redirect Information compiles to, one for FARs alike */
	int (*redirect)(void *arg, const char *action, json_t *params, uint16_t *id);
	bool (*stopped)(void *arg, uint16_t pdr);
};

/* Why a session does not compile: the Cause and the rule (pf_fail), and
 * a line for the log. */
struct pf_map_err {
	struct pf_fail f;
	char why[160];
};

/*
 * @s's entries into @out (an array of table.write inserts, each with
 * "pdr": the PDR it is for, 0: the session's shared part), in the order
 * they depend on each other (meters before what names them). 0, or
 * -EINVAL / -ENOSPC with @e (nothing to undo but what @ids took).
 */
int pf_map_session(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_map_ids *ids,
		   json_t *out, struct pf_map_err *e);

/* The F-TEIDs a session's PDRs ask the UPF to choose, chosen: each PDR
 * with CH and TEID 0 gets @teid_of(link)'s TEID and the link's address;
 * PDRs with the same CHOOSE ID share one. 0, or -ENOSPC / -EINVAL (a
 * link the UPF lacks, a family it does not have) with @e. */
typedef int pf_map_teid(void *arg, bool n9, uint32_t *teid);
int pf_map_choose(const struct pf_upf *u, struct pf_session *s, pf_map_teid *teid_of, void *arg,
		  struct pf_map_err *e);

/* The UE addresses a session's PDRs ask the UPF to choose (CHV4/CHV6),
 * chosen: one of each family a session, the one a PDR of @s or of @cur
 * (what the session holds: NULL, none) already has, else @take's from
 * the pool a PDR's Pool Identity names, else the one serving a Network
 * Instance of the session's PDRs and FARs, else one serving any. 0, or
 * -EINVAL (no such pool: Cause 73), -ENOSPC (the pool is full: Cause
 * 79, All dynamic addresses are occupied), -ENOMEM, with @e. */
typedef int pf_map_ue(void *arg, const struct pf_pool *pool, uint8_t *addr);
int pf_map_choose_ue(const struct pf_upf *u, struct pf_session *s, const struct pf_session *cur, pf_map_ue *take,
		     void *arg, struct pf_map_err *e);

/* An Ethernet PDU session (PDN Type Ethernet, or a PDR with ETHI): its
 * frames bridged in its UPF's slice's bridge domain (sessions_uplink
 * bridge, sessions_eth, its 5G LAN group's lan_members). */
bool pf_map_is_eth(const struct pf_session *s);
/* An Ethernet PDU session's slot in its 5G LAN group, chosen: the one
 * its ETHI PDRs or @cur's (what it holds: NULL, none) have, else
 * @take's for UPF @u's bridge domain, into every ETHI PDR's lan. 0, or
 * -ENOSPC (the group is full: Cause 75) / -ENOMEM with @e. */
typedef int pf_map_slot(void *arg, uint8_t *slot);
int pf_map_choose_lan(const struct pf_upf *u, struct pf_session *s, const struct pf_session *cur, pf_map_slot *take,
		      void *arg, struct pf_map_err *e);

/* The UPF a session's PDRs name (an F-TEID's address, a CHOOSE's Network
 * Instance, a UE address in a pool, or the only one): NULL with @e when
 * none does or they name two. */
const struct pf_upf *pf_map_upf(const struct pf_upfs *all, const struct pf_session *s, struct pf_map_err *e);

#endif
