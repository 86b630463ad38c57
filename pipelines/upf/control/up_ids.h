/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's id spaces in sxdp, split between sxcd's upf intents and PFCP sessions (one place, both read it). */
/*
 * The upf intents' compile (up_kind.c) allocates its ids in the stored
 * allocations the reconciler keeps; PFCP sessions (pf_up.c) allocate
 * theirs in their own state, at a rate the reconciler's store is not for.
 * So each space is cut in two here, and neither side ever takes the
 * other's: an id of one never names the other's entry. (An intent's id
 * stored from before the cut, now outside its range, is allocated anew.)
 */
#ifndef UP_IDS_H
#define UP_IDS_H

#include <stdint.h>

#include "up_names.h"

/* session ids (24 bits in sxdp): an intent names its own, below */
#define UP_SESS_REST_MAX  8388607u
#define UP_SESS_PFCP_MIN  8388608u
#define UP_SESS_PFCP_MAX  16777215u
/* tunnel peers (tunnel_peers, 1..65535) */
#define UP_PEER_REST_MAX  32767u
#define UP_PEER_PFCP_MIN  32768u
#define UP_PEER_PFCP_MAX  65535u
/* meters (qos: 1..the meters table's size - 1, qos_names.h; the slices'
 * and VDNs' are below 4096): PFCP's from 8192 to the last sxdp has, as
 * sxcd learns its size (pf_restore.c; QOS_METERS_SIZE - 1 until then) */
#define UP_METER_REST_MIN 4096u
#define UP_METER_REST_MAX 8191u
#define UP_METER_PFCP_MIN 8192u
/* URR counters: sxdp has 1..(the sizes of the six session and termination
 * tables summed): intents the lower half, PFCP the upper */
#define UP_URR_TABLES { UP_T_SESSIONS_UPLINK, UP_T_SESSIONS_N9_DOWNLINK, UP_T_SESSIONS_DOWNLINK, \
			UP_T_SESSIONS_DOWNLINK6, UP_T_TERMINATIONS_UPLINK, UP_T_TERMINATIONS_DOWNLINK }
/* applications (app ids 1..65535): a local DN's are the intents' */
#define UP_APP_REST_MAX   32767u
#define UP_APP_PFCP_MIN   32768u
#define UP_APP_PFCP_MAX   65535u
/* redirects (1..UP_REDIRECT_MAX): PFCP's Redirect Information alone names
 * them now; the lower half is left to intents */
#define UP_REDIRECT_REST_MAX 2047u
#define UP_REDIRECT_PFCP_MIN 2048u
#define UP_REDIRECT_PFCP_MAX UP_REDIRECT_MAX

#endif
