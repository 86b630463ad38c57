/* SPDX-License-Identifier: BSD-3-Clause */
/* up_kind: sxcd's upf kind: a UPF intent compiled into the UPF's entries, its sessions a slice of work at a time. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cd_kind.h"
#include "gtp.h"
#include "intent_cc.h"
#include "qos_intent.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_hook.h"
#include "up_intent.h"
#include "sw_intent.h"
#include "sw_kind.h"
#include "sw_names.h"
#include "up_ids.h"
#include "up_names.h"

/* its N3/N9 links' bridge domains, in the underlay: above the WAN links',
 * where no slice's is (a slice's is its id, 1..3999): 87 links */
#define UPF_BD_MIN	(SW_WAN_BD + SW_WAN_MAX)
#define UPF_BD_MAX	4095
#define UPF_QFI_COPY	64
#define UPF_PARTIAL_MAX 1024	/* sessions changed at most for a UPF to compile just those */

/* A UPF intent's sessions compiled a slice of work at a time. */
struct upf_run {
	bool active;
	size_t next;		/* the session to compile next */
	json_int_t sid, n3, n9;
	json_t *peer_ids, *apps;
};

/* The kind's state in a compiler: the run under way, and the UPF's
 * sessions as compiled: [ID, journal from, to, ids from, to] each, and
 * what they were compiled with (slice, links, peers, apps). */
struct upf_priv {
	struct upf_run run;
	json_t *marks, *ctx;
};

static const struct cd_kind upf_kind;

/* A meter at @bps (trTCM, CIR = PIR, drops red): its id, allocated under
 * @key, or 0 when the intent failed. */
static json_int_t
upf_meter(struct cd_kx *x, const char *key, json_int_t bps, const char *ptr)
{
	json_int_t id = cd_kx_alloc(x, "meter", key, UP_METER_REST_MIN, UP_METER_REST_MAX);

	if (id < 0) {
		cd_kx_fail(x, "Failed", ptr, "no_space", "no meter id left (%u..%u)", UP_METER_REST_MIN, UP_METER_REST_MAX);
		return 0;
	}
	struct qos_meter_arg ma = { .id = id, .type = QOS_A_TRTCM, .cir = bps, .cbs = qos_burst_of(bps),
				    .pir = bps, .pbs = qos_burst_of(bps) };
	struct intent it = INTENT_OF(INTENT_METER_ADD, &ma);

	return cd_kx_run(x, &it, ptr) < 0 ? 0 : id;
}

static struct up_hook *hooks;

void
up_hook_register(struct up_hook *h)
{
	struct up_hook **p = &hooks;

	while (*p != NULL)
		p = &(*p)->next;
	h->next = NULL;
	*p = h;
}

static void
hooks_run(enum up_hook_at at, struct cd_kx *x, struct up_link *l)
{
	for (struct up_hook *h = hooks; h != NULL; h = h->next)
		if (h->at == at)
			h->fn(x, l);
}

#define UPF_ECHO_S      60	/* GTP-U path supervision's interval by default (s) */
#define UPF_ECHO_MISSES 3	/* ... and the requests unanswered that fail a path */

/* The N3 or N9 link of a UPF: an SVI in the underlay on its port (the
 * peers' ARP or NDP answered, theirs resolved) and its GTP-U endpoint, over
 * IPv4 or IPv6 as its address is, its interface entry of action @act. Its
 * endpoint id, 0 when absent or failed. */
static json_int_t
upf_link(struct cd_kx *x, const char *name, json_t *spec, const char *which, const char *act, json_int_t under,
	 json_int_t sid, json_t *u)
{
	json_t *l = json_object_get(spec, which), *p;
	char key[200], ptr[64], what[96], ip[64];
	json_int_t bd, id;
	bool v6;

	if (l == NULL)
		return 0;
	snprintf(ptr, sizeof(ptr), "/spec/%s/port", which);
	if ((p = cd_kx_port(x, cd_str(l, "port"))) == NULL) {
		snprintf(what, sizeof(what), "port %s (sxdp has none)", cd_str(l, "port"));
		cd_kx_wait_for(x, ptr, what);
		return 0;
	}
	if (cd_str(p, "role") != NULL && strcmp(cd_str(p, "role"), which) != 0) {
		cd_kx_fail(x, "Failed", ptr, "bad_value", "port %s has role %s, not %s", cd_str(l, "port"),
		     cd_str(p, "role"), which);
		return 0;
	}
	snprintf(key, sizeof(key), "upf/%s/%s", name, which);
	if ((bd = cd_kx_alloc(x, "bd", key, UPF_BD_MIN, UPF_BD_MAX)) < 0 ||
	    (id = cd_kx_alloc(x, "upf-iface", key, 1, 4095)) < 0) {
		cd_kx_fail(x, "Failed", ptr, "no_space", "no bridge domain or endpoint id left");
		return 0;
	}
	struct sw_slice_arg at = { .port = cd_str(l, "port"), .vlan = cd_num(l, "vlan", 0), .slice = under,
				   .bd = bd };
	struct sw_svi_arg svi = { .slice = under, .bd = bd,
				  .mac = cd_str(l, "mac") ? cd_str(l, "mac") : cd_str(p, "mac"),
				  .addr = cd_str(l, "address") };
	struct up_link hl = { .upf = name, .which = which, .spec = l, .vrf = under, .bd = bd };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &at);
	json_t *params;

	cd_kx_run(x, &it, ptr);
	hooks_run(UP_AT_LINK_SVI, x, &hl);
	if (hl.held) {   /* answered, routed and carried only while the election says so */
		svi.held = true;
		svi.mac = hl.mac;
	}
	snprintf(ptr, sizeof(ptr), "/spec/%s/address", which);
	it = INTENT_OF(INTENT_SVI_ADD, &svi);
	cd_kx_run(x, &it, ptr);
	v6 = cc_af_of(cd_str(l, "address")) == AF_INET6;
	snprintf(key, sizeof(key), "%s/%d", cd_addr_part(cd_str(l, "address"), ip, sizeof(ip)), v6 ? 128 : 32);
	/* its peers' paths supervised (up_path.h), every 60 s by default */
	params = json_pack("{s:I,s:I,s:I,s:I}", UP_F_SLICE, sid, UP_F_ID, id, UP_F_ECHO_S,
			   cd_num(l, "echo_interval_s", UPF_ECHO_S), UP_F_MISSES, cd_num(l, "echo_misses", UPF_ECHO_MISSES));
	if (hl.held)
		json_object_set_new(params, UP_F_HELD_BD, json_integer(bd));
	json_array_append_new(u, cd_kx_upd(v6 ? UP_T_INTERFACES6 : UP_T_INTERFACES,
					   json_pack("{s:s}", UP_F_DST, key), act, params));
	hooks_run(UP_AT_LINK_END, x, &hl);
	return id;
}

/* The intents' URR ids: the lower half of sxdp's (up_ids.h). */
static json_int_t
upf_urr_max(const struct cd_kx *x)
{
	static const char *const t[] = UP_URR_TABLES;
	size_t room = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		room += cd_tables_size(cd_kx_tables(x), t[i]);
	return room >= 2 ? (json_int_t)(room / 2) : 1;
}

/* A downlink or uplink termination's params: FAR, its URR, threshold. */
static json_t *
upf_far(json_int_t peer, json_int_t teid, json_int_t qfi, json_int_t urr, json_int_t threshold)
{
	json_t *f = json_pack("{s:I}", UP_F_URR, urr);

	if (peer) {
		json_object_set_new(f, UP_F_PEER, json_integer(peer));
		json_object_set_new(f, UP_F_TEID, json_integer(teid));
		json_object_set_new(f, UP_F_QFI, json_integer(qfi));
	}
	if (threshold)
		json_object_set_new(f, UP_F_THRESHOLD, json_integer(threshold));
	return f;
}

static const char *const ohr_names[] = { "ipv4", "ipv6", "any" };
static const json_int_t ohr_codes[] = { 0, 1, 6 };

/* One session: its uplink entry (by TEID on N3), downlink entries (by UE,
 * and by its N9 TEID when an anchor carries its default uplink), its
 * per-app uplink terminations (the local DNs, broken out), meters, URRs. */
static void
upf_session(struct cd_kx *x, const char *name, json_t *ss, size_t i, json_int_t sid,
	    json_int_t n3, json_int_t n9, json_t *peer_ids, json_t *apps)
{
	json_t *ul = json_object_get(ss, "uplink"), *dl = json_object_get(ss, "downlink");
	json_t *an = json_object_get(ss, "anchor"), *u = json_array(), *s_ul, *s_dl, *aid;
	json_int_t id = cd_num(ss, "id", 0), thr = cd_num(ss, "usage_threshold_bytes", 0), urr_ul, urr_dl;
	json_int_t ohr = 0, gnb = cd_num(peer_ids, cd_str(dl, "peer"), 0), anc = an ? cd_num(peer_ids, cd_str(an, "peer"), 0) : 0;
	bool closed = cd_str(ss, "gate") && strcmp(cd_str(ss, "gate"), "closed") == 0;
	const char *state = cd_str(dl, "state") ? cd_str(dl, "state") : "forward", *dn;
	/* an IPv6-only session has no IPv4 address: 0 says so to the uplink */
	const char *ue = cd_str(ss, "ue") ? cd_str(ss, "ue") : "0.0.0.0", *ue6 = cd_str(ss, "ue6");
	char key[200], ptr[96], net6[64];

	snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu", i);
	if (cd_str(ss, "ue") == NULL && ue6 == NULL) {
		cd_kx_fail(x, "Failed", ptr, "missing", "a session needs its UE's IPv4 address (ue), its IPv6 /64 (ue6), "
		     "or both");
		json_decref(u);
		return;
	}
	if (ue6 != NULL) {
		unsigned int plen = 0;
		uint8_t a[16];

		if (!cc_pfx_ok(ue6, AF_INET6, false, a, &plen) || plen != 64) {
			snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/ue6", i);
			cd_kx_fail(x, "Failed", ptr, "bad_value", "ue6 is the session's IPv6 /64 prefix, not '%s'", ue6);
			json_decref(u);
			return;
		}
		/* the prefix: sxdp's key has no interface identifier */
		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, net6, sizeof(net6));
	}
	for (size_t k = 0; k < 3; k++)
		if (cd_str(ul, "ohr") && strcmp(cd_str(ul, "ohr"), ohr_names[k]) == 0)
			ohr = ohr_codes[k];
	if (gnb == 0 || (an && anc == 0)) {
		snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/%s/peer", i, gnb == 0 ? "downlink" : "anchor");
		cd_kx_fail(x, "Failed", ptr, "not_found", "no peer '%s' in this UPF's peers",
		     gnb == 0 ? cd_str(dl, "peer") : cd_str(an, "peer"));
		json_decref(u);
		return;
	}
	if (an && n9 == 0) {
		snprintf(ptr, sizeof(ptr), "/spec/sessions/%zu/anchor", i);
		cd_kx_fail(x, "Failed", ptr, "missing", "a session with an anchor needs the UPF's n9 link");
		json_decref(u);
		return;
	}
	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/ul", name, id);
	urr_ul = cd_kx_alloc(x, "upf-urr", key, 1, upf_urr_max(x));
	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/dl", name, id);
	urr_dl = cd_kx_alloc(x, "upf-urr", key, 1, upf_urr_max(x));
	if (urr_ul < 0 || urr_dl < 0) {
		cd_kx_fail(x, "Failed", ptr, "no_space", "no URR id left (1..%" JSON_INTEGER_FORMAT ")", upf_urr_max(x));
		json_decref(u);
		return;
	}
	/* uplink: the anchor's (UL CL: the local DNs' apps break out), else out */
	s_ul = an ? upf_far(anc, cd_num(an, "teid", 0), cd_num(an, "qfi", UPF_QFI_COPY), urr_ul, thr) :
		    upf_far(0, 0, 0, urr_ul, thr);
	json_object_set_new(s_ul, UP_F_ID, json_integer(id));
	json_object_set_new(s_ul, UP_F_UE, json_string(ue));
	json_object_set_new(s_ul, UP_F_SLICE, json_integer(sid));
	json_object_set_new(s_ul, UP_F_OHR, json_integer(ohr));
	if (an && json_object_size(apps))
		json_object_set_new(s_ul, UP_F_APPS, json_integer(1));
	s_dl = strcmp(state, "forward") == 0 ? upf_far(gnb, cd_num(dl, "teid", 0), cd_num(dl, "qfi", 0), urr_dl, thr) :
		json_object();
	json_object_set_new(s_dl, UP_F_ID, json_integer(id));
	if (json_object_get(ss, "ambr_ul_bps") != NULL) {
		snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/ul", name, id);
		json_object_set_new(s_ul, UP_F_AMBR, json_integer(upf_meter(x, key, cd_num(ss, "ambr_ul_bps", 0), ptr)));
	}
	if (json_object_get(ss, "ambr_dl_bps") != NULL && strcmp(state, "forward") == 0) {
		snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/dl", name, id);
		json_object_set_new(s_dl, UP_F_AMBR, json_integer(upf_meter(x, key, cd_num(ss, "ambr_dl_bps", 0), ptr)));
	}
	if (closed) {   /* the gate closed: nothing forwarded, nothing metered or counted */
		json_decref(s_ul);
		json_decref(s_dl);
		s_ul = json_pack("{s:I,s:s,s:I,s:I}", UP_F_ID, id, UP_F_UE, ue, UP_F_SLICE, sid, UP_F_OHR, ohr);
		s_dl = json_pack("{s:I}", UP_F_ID, id);
	}
	/* one DN's app: its termination inline in the session entry (app_action
	 * 0: fwd_n6; up_state.h), one lookup a packet where there were two */
	if (an && !closed && json_object_size(apps) == 1)
		json_object_foreach(apps, dn, aid) {
			json_object_set_new(s_ul, UP_F_APP, json_integer(json_integer_value(aid)));
			json_object_set_new(s_ul, UP_F_APP_URR, json_integer(urr_ul));
		}
	json_array_append_new(u, cd_kx_upd(UP_T_SESSIONS_UPLINK, json_pack("{s:I,s:I}", UP_F_IFACE, n3, UP_F_TEID,
					cd_num(ul, "teid", 0)),
				     closed ? UP_A_DROP : an ? UP_A_FWD_N9 : UP_A_FWD_N6, s_ul));
	state = closed ? UP_A_DROP : strcmp(state, "forward") == 0 ? UP_A_ENCAP_N3 : state;
	if (an) {
		json_t *s9 = json_deep_copy(s_dl);

		json_object_set_new(s9, UP_F_SLICE, json_integer(sid));
		json_array_append_new(u, cd_kx_upd(UP_T_SESSIONS_N9_DOWNLINK,
						   json_pack("{s:I,s:I}", UP_F_IFACE, n9, UP_F_TEID,
						cd_num(an, "n9_teid", 0)), state, s9));
		if (!closed && json_object_size(apps) > 1)
			json_object_foreach(apps, dn, aid)
				json_array_append_new(u, cd_kx_upd(UP_T_TERMINATIONS_UPLINK,
							     json_pack("{s:I,s:I}", UP_F_SESSION, id, UP_F_APP,
								       json_integer_value(aid)), UP_A_FWD_N6,
							     json_pack("{s:I}", UP_F_URR, urr_ul)));
	}
	if (ue6 != NULL) {
		json_array_append_new(u, cd_kx_upd(UP_T_SESSIONS_DOWNLINK6,
						   json_pack("{s:I,s:s}", UP_F_SLICE, sid, UP_F_UE, net6),
					     state, json_incref(s_dl)));
		/* its UE's router discovery, answered by the UPF (up_ra.h) */
		json_array_append_new(u, cd_kx_upd(UP_T_SESSIONS_RA, json_pack("{s:I}", UP_F_SESSION, id), UP_A_RA,
						   json_pack("{s:s,s:s}", UP_F_PREFIX, net6, UP_F_ROUTER,
							     UP_RA_ROUTER)));
	}
	if (cd_str(ss, "ue") != NULL)
		json_array_append_new(u, cd_kx_upd(UP_T_SESSIONS_DOWNLINK,
						   json_pack("{s:I,s:s}", UP_F_SLICE, sid, UP_F_UE, ue),
					     state, json_incref(s_dl)));
	json_decref(s_dl);
	cd_kx_apply(x, u, ptr);
	json_decref(u);
}

/* A tunnel peer (a gNB, an anchor) over its link l: over IPv4 with its
 * next hop (its gateway, or itself on the link), over IPv6 routed in the
 * underlay (a host route via its gateway, written by the caller). */
static json_t *
upf_peer(json_t *v, json_t *l, json_int_t id, json_int_t under)
{
	char ip[64];

	cd_addr_part(cd_str(l, "address"), ip, sizeof(ip));
	if (cc_af_of(ip) == AF_INET6)
		return cd_kx_upd(UP_T_TUNNEL_PEERS, json_pack("{s:I}", UP_F_ID, id), UP_A_GTPU6,
			   json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", UP_F_SRC, ip, UP_F_DST, cd_str(v, "address"),
				     UP_F_VRF, under, UP_F_SPORT, GTPU_UDP_PORT, UP_F_MTU, 0, UP_F_DSCP,
				     cd_num(v, "dscp", 64)));
	return cd_kx_upd(UP_T_TUNNEL_PEERS, json_pack("{s:I}", UP_F_ID, id), UP_A_GTPU,
		   json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", UP_F_SRC, ip, UP_F_DST, cd_str(v, "address"), UP_F_GW,
			     cd_str(v, "gateway") ? cd_str(v, "gateway") : cd_str(v, "address"), UP_F_VRF, under,
			     UP_F_SPORT, GTPU_UDP_PORT, UP_F_MTU, 0, UP_F_DSCP, cd_num(v, "dscp", 64)));
}

/* A UPF: its links (N3, N9) with their GTP-U endpoints, its N6 addresses,
 * the UE pool routed into it in the slice's VRF, the slice's QER, its
 * tunnel peers (gNBs, anchors), its local DNs (applications whose
 * sessions' uplink breaks out) and its sessions. */
static void
upf_run_clear(struct upf_run *r)
{
	json_decref(r->peer_ids);
	json_decref(r->apps);
	memset(r, 0, sizeof(*r));
}

/* A UPF's sessions from p->run.next on, as many as this slice of work
 * has time for: true when some are left for the next one. */
static bool
upf_sessions(struct cd_kx *x, const char *name, json_t *spec)
{
	struct upf_priv *p = cd_kx_priv(x, &upf_kind);
	json_t *ss = json_object_get(spec, "sessions");
	size_t n = json_array_size(ss), j0, u0, j1, u1, done = 0;

	/* the clock read after every session (tens of ns against its ~0.2
	 * ms): every 64th let a 5 ms slice of the loop run ~13 ms over */
	for (; p->run.next < n && !cd_kx_failed(x); p->run.next++, done++) {
		if (done > 0 && cd_kx_over(x))
			return true;
		cd_kx_mark(x, &j0, &u0);
		json_t *ss1 = json_array_get(ss, p->run.next);

		upf_session(x, name, ss1, p->run.next, p->run.sid, p->run.n3, p->run.n9, p->run.peer_ids,
			    p->run.apps);
		cd_kx_mark(x, &j1, &u1);
		json_array_append_new(p->marks, json_pack("[I,I,I,I,I]", cd_num(ss1, "id", 0), (json_int_t)j0,
							  (json_int_t)j1, (json_int_t)u0, (json_int_t)u1));
	}
	json_decref(p->ctx);
	p->ctx = json_pack("{s:I,s:I,s:I,s:O,s:O}", "sid", p->run.sid, "n3", p->run.n3, "n9", p->run.n9,
			       "peer_ids", p->run.peer_ids, "apps", p->run.apps);
	upf_run_clear(&p->run);
	return false;
}

#define UP_POOLS_MAX 16	/* ueip_pools' maxItems */

/* Its UEIP pools: each inside the routed pool of its family, at most
 * 2^24 addresses (IPv4) or /64s (IPv6: a session's prefix), none over
 * another, a name on one pool of each family at most, a Network Instance one of network_instances
 * when those are given. false: refused (failed). */
static bool
upf_pools_ok(struct cd_kx *x, json_t *spec)
{
	json_t *pools = json_object_get(spec, "ueip_pools"), *p, *nis = json_object_get(spec, "network_instances"), *v;
	uint8_t a[UP_POOLS_MAX][16], r[16];
	unsigned int plen[UP_POOLS_MAX], rlen;
	size_t i, j, k;
	char ptr[64];

	json_array_foreach(pools, i, p) {
		const char *pfx = cd_str(p, "prefix"), *ni = cd_str(p, "network_instance"), *name = cd_str(p, "name");
		int af = pfx != NULL ? cc_af_of(pfx) : AF_INET;
		const char *routed = cd_str(spec, af == AF_INET6 ? "ue_pool6" : "ue_pool");
		bool known = ni == NULL || json_array_size(nis) == 0;

		snprintf(ptr, sizeof(ptr), "/spec/ueip_pools/%zu", i);
		if (i >= UP_POOLS_MAX || !cc_pfx_ok(pfx, af, false, a[i], &plen[i])) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "'%s' is not a prefix", pfx ? pfx : "");
			return false;
		}
		if (routed == NULL || !cc_pfx_ok(routed, af, false, r, &rlen) || plen[i] < rlen ||
		    !cc_pfx_has(r, rlen, a[i])) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "%s is not inside %s (%s): the UPF would get none of its "
				   "downlink", pfx, af == AF_INET6 ? "ue_pool6" : "ue_pool", routed ? routed : "none");
			return false;
		}
		if (af == AF_INET ? plen[i] < 8 : plen[i] < 40 || plen[i] > 64) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "%s: a pool is /%s", pfx,
				   af == AF_INET ? "8 to /32" : "40 to /64 (a /64 a session)");
			return false;
		}
		json_array_foreach(nis, k, v)
			known |= ni != NULL && strcmp(json_string_value(v), ni) == 0;
		if (!known) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "network_instance %s is none of network_instances", ni);
			return false;
		}
		for (j = 0; j < i; j++) {
			json_t *q = json_array_get(pools, j);

			if (cc_af_of(cd_str(q, "prefix")) == af &&
			    cc_pfx_has(a[i], plen[i] < plen[j] ? plen[i] : plen[j], a[j])) {
				cd_kx_fail(x, "Failed", ptr, "bad_value", "%s overlaps pool %zu", pfx, j);
				return false;
			}
			/* a Pool Identity names one pool of each family at most (a
			 * CHV4 and CHV6 PDR naming it gets both) */
			if (name != NULL && cd_str(q, "name") != NULL && strcmp(name, cd_str(q, "name")) == 0 &&
			    cc_af_of(cd_str(q, "prefix")) == af) {
				cd_kx_fail(x, "Failed", ptr, "bad_value", "pool name %s is pool %zu's", name, j);
				return false;
			}
		}
	}
	return true;
}

/* true when the UPF's sessions continue in the next slice of work */
static bool
compile_upf(struct cd_kx *x, const char *name, json_t *spec)
{
	json_t *s, *u, *peer_ids, *apps, *v;
	struct upf_priv *p = cd_kx_priv(x, &upf_kind);
	json_int_t sid, n3, n9, under = sw_kind_underlay(x);
	char key[200], ptr[96];
	size_t i, j;
	bool v6;

	if (p->run.active)
		return upf_sessions(x, name, spec);
	s = sw_kind_slice(x, spec);
	if (!cd_tables_has(cd_kx_tables(x), UP_T_SESSIONS_UPLINK)) {
		cd_kx_wait_for(x, "/spec", "sxdp with the upf feature (a port of role n3 in the upf pipeline)");
		return false;
	}
	if (s == NULL)
		return false;
	sid = cd_num(s, "id", 0);
	u = json_array();
	peer_ids = json_object();
	apps = json_object();
	n3 = upf_link(x, name, spec, "n3", UP_A_N3, under, sid, u);
	n9 = upf_link(x, name, spec, "n9", UP_A_N9, under, sid, u);
	json_array_foreach(json_object_get(spec, "n6_addresses"), i, v) {
		snprintf(key, sizeof(key), "%s/32", json_string_value(v));
		json_array_append_new(u, cd_kx_upd(UP_T_INTERFACES, json_pack("{s:s}", UP_F_DST, key), UP_A_N6,
					     json_pack("{s:I}", UP_F_SLICE, sid)));
	}
	json_array_append_new(u, cd_kx_upd(SW_T_ROUTES,
					   json_pack("{s:I,s:s}", SW_F_VRF, sid, SW_F_DST, cd_str(spec, "ue_pool")),
					   UP_A_ROUTE, NULL));
	if (cd_str(spec, "ue_pool6") != NULL) {
		char ip[64];

		if (cc_af_of(cd_addr_part(cd_str(spec, "ue_pool6"), ip, sizeof(ip))) != AF_INET6) {
			cd_kx_fail(x, "Failed", "/spec/ue_pool6", "bad_value", "ue_pool6 is an IPv6 prefix, not '%s'",
			     cd_str(spec, "ue_pool6"));
			json_decref(u);
			json_decref(peer_ids);
			json_decref(apps);
			return false;
		}
		json_array_append_new(u, cd_kx_upd(SW_T_ROUTES6, json_pack("{s:I,s:s}", SW_F_VRF, sid, SW_F_DST,
								 cd_str(spec, "ue_pool6")), UP_A_ROUTE, NULL));
	}
	if (!upf_pools_ok(x, spec)) {
		json_decref(u);
		json_decref(peer_ids);
		json_decref(apps);
		return false;
	}
	if (json_is_true(json_object_get(spec, "ethernet_sessions"))) {
		/* its slice's bridge domain (a slice's is its id) floods to the
		 * Ethernet PDU sessions there too: the 5G LAN group */
		struct up_lan_arg la = { .bd = sid, .slice = sid, .group = SW_TUN_ATTACHED | SW_TUN_GROUP | sid };
		struct intent it = INTENT_OF(INTENT_UP_LAN_JOIN, &la);

		cd_kx_run(x, &it, "/spec/ethernet_sessions");
	}
	if (json_object_get(spec, "rate_bps") != NULL) {
		snprintf(key, sizeof(key), "upf/%s", name);
		json_array_append_new(u, cd_kx_upd(UP_T_SLICES, json_pack("{s:I}", UP_F_SLICE, sid), UP_A_SLICE,
					     json_pack("{s:I}", UP_F_METER, upf_meter(x, key, cd_num(spec, "rate_bps", 0),
									       "/spec/rate_bps"))));
	}
	json_array_foreach(json_object_get(spec, "peers"), i, v) {
		const char *via = cd_str(v, "via") ? cd_str(v, "via") : "n3";
		json_t *l = json_object_get(spec, via);
		json_int_t id;

		snprintf(ptr, sizeof(ptr), "/spec/peers/%zu", i);
		snprintf(key, sizeof(key), "upf/%s/%s", name, cd_str(v, "name"));
		if (l == NULL) {
			cd_kx_fail(x, "Failed", ptr, "missing", "peer %s is reached over %s: the UPF has no %s link",
			     cd_str(v, "name"), via, via);
			break;
		}
		v6 = cc_af_of(cd_str(v, "address")) == AF_INET6;
		if (v6 != (cc_af_of(cd_str(l, "address")) == AF_INET6) ||
		    (cd_str(v, "gateway") && v6 != (cc_af_of(cd_str(v, "gateway")) == AF_INET6))) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "peer %s: its address%s and the %s link's are not of "
			     "one IP version", cd_str(v, "name"), cd_str(v, "gateway") ? ", its gateway" : "", via);
			break;
		}
		if ((id = cd_kx_alloc(x, "upf-peer", key, 1, UP_PEER_REST_MAX)) < 0) {
			cd_kx_fail(x, "Failed", ptr, "no_space", "no tunnel peer id left");
			break;
		}
		json_object_set_new(peer_ids, cd_str(v, "name"), json_integer(id));
		json_array_append_new(u, upf_peer(v, l, id, under));
		if (v6 && cd_str(v, "gateway")) {   /* a host route: the switch routes the outer packets */
			snprintf(key, sizeof(key), "%s/128", cd_str(v, "address"));
			json_array_append_new(u, cd_kx_upd(SW_T_ROUTES6,
							   json_pack("{s:I,s:s}", SW_F_VRF, under, SW_F_DST, key), SW_A_VIA,
						     json_pack("{s:s}", SW_F_NH, cd_str(v, "gateway"))));
		}
	}
	json_array_foreach(json_object_get(spec, "local_dns"), i, v) {
		json_t *pfx, *ports = json_object_get(v, "ports");
		json_int_t app;

		snprintf(key, sizeof(key), "upf/%s/%s", name, cd_str(v, "name"));
		if ((app = cd_kx_alloc(x, "upf-app", key, 1, UP_APP_REST_MAX)) < 0) {
			cd_kx_fail(x, "Failed", "/spec/local_dns", "no_space", "no app id left");
			break;
		}
		json_object_set_new(apps, cd_str(v, "name"), json_integer(app));
		json_array_foreach(json_object_get(v, "prefixes"), j, pfx) {
			const char *ps = json_string_value(pfx);
			json_t *rm = cc_prefix_match(ps, cc_af_of(ps)), *m, *e;

			if (rm == NULL) {   /* the schema's ip-prefix, but not a prefix of its family */
				cd_kx_fail(x, "Failed", "/spec/local_dns", "bad_value", "'%s' is no IPv4 or IPv6 prefix", ps);
				break;
			}
			m = json_pack("{s:I,s:o}", UP_F_SLICE, sid, UP_F_REMOTE, rm);
			if (ports != NULL)
				json_object_set_new(m, UP_F_PORT, json_pack("{s:O,s:O}", "min", json_array_get(ports, 0),
									"max", json_array_get(ports, 1)));
			if (json_object_get(v, "proto") != NULL)
				json_object_set_new(m, UP_F_PROTO, json_pack("{s:I,s:I}", "value", cd_num(v, "proto", 0),
									 "mask", (json_int_t)255));
			e = cd_kx_upd(cc_af_of(ps) == AF_INET6 ? UP_T_APPLICATIONS6 : UP_T_APPLICATIONS, m, UP_A_APP,
				json_pack("{s:I}", UP_F_APP, app));
			json_object_set_new(e, "priority", json_integer(100));
			json_array_append_new(u, e);
		}
	}
	cd_kx_apply(x, u, "/spec");
	json_decref(u);
	if (n3 == 0 && !cd_kx_failed(x))
		cd_kx_wait_for(x, "/spec/n3", "the UPF's n3 link");
	if (cd_kx_failed(x) || n3 == 0) {
		json_decref(peer_ids);
		json_decref(apps);
		return false;
	}
	p->run = (struct upf_run){ .active = true, .sid = sid, .n3 = n3, .n9 = n9, .peer_ids = peer_ids,
				   .apps = apps };
	return upf_sessions(x, name, spec);
}

/* A session's part of its UPF's record: [journal, ids, spec], an array
 * (an object of three costs 300 bytes more, 100k sessions). */
#define SESS_J	 0
#define SESS_IDS 1
#define SESS_SPEC 2

static json_t *
sess_new(json_t *j, json_t *ids, json_t *spec)
{
	return json_pack("[o,o,O]", j, ids, spec);
}

/* A Ready UPF's journal and ids by session (rec "sess": ID → sess_new's),
 * the header's ("hj", "hids") and what its sessions were compiled with
 * ("ctx"): a change of some sessions then compiles those only
 * (upf_partial). Not when two sessions share an id. */
static void
upf_record(struct upf_priv *p, json_t *rec)
{
	json_t *sess = json_object(), *m, *ss = json_object_get(json_object_get(rec, "spec"), "sessions");
	size_t i, h = json_array_size(p->marks) ? (size_t)json_integer_value(json_array_get(json_array_get(p->marks, 0), 1)) :
		json_array_size(json_object_get(rec, "journal"));
	size_t hu = json_array_size(p->marks) ? (size_t)json_integer_value(json_array_get(json_array_get(p->marks, 0), 3)) :
		json_array_size(json_object_get(rec, "ids"));
	char id[32];

	json_array_foreach(p->marks, i, m) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(json_array_get(m, 0)));
		if (json_object_get(sess, id) != NULL) {
			json_decref(sess);
			return;
		}
		json_object_set_new(sess, id, sess_new(
			cd_slice(json_object_get(rec, "journal"), (size_t)json_integer_value(json_array_get(m, 1)),
				       (size_t)json_integer_value(json_array_get(m, 2))),
			cd_slice(json_object_get(rec, "ids"), (size_t)json_integer_value(json_array_get(m, 3)),
				       (size_t)json_integer_value(json_array_get(m, 4))), json_array_get(ss, i)));
	}
	json_object_set_new(rec, "sess", sess);
	json_object_set_new(rec, "hj", cd_slice(json_object_get(rec, "journal"), 0, h));
	json_object_set_new(rec, "hids", cd_slice(json_object_get(rec, "ids"), 0, hu));
	json_object_set(rec, "ctx", p->ctx);
}
/* The spec without its sessions (a new shallow copy). */
static json_t *
upf_header(json_t *spec)
{
	json_t *h = json_copy(spec);

	json_object_del(h, "sessions");
	return h;
}

static int
id_cmp(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* The session ids of @spec, sorted (new, *@n of them); NULL: none or no
 * memory. */
static json_int_t *
upf_ids(json_t *spec, size_t *n)
{
	json_t *all = json_object_get(spec, "sessions"), *ss;
	json_int_t *ids;
	size_t i;

	*n = json_array_size(all);
	if ((ids = malloc((*n + 1) * sizeof(*ids))) == NULL)
		return NULL;
	json_array_foreach(all, i, ss)
		ids[i] = cd_num(ss, "id", 0);
	qsort(ids, *n, sizeof(*ids), id_cmp);
	return ids;
}

/* Can @who (a UPF, changed) compile only its changed sessions? It was
 * Ready with its sessions recorded, its header is the same, few sessions
 * changed, and its new sessions have distinct ids. If so, *@chg is the
 * ids of its sessions new or not the same as compiled (new). */
static bool
upf_partial_ok(json_t *rec, json_t *spec, json_t **chg)
{
	json_t *sess, *ss, *h1, *h2, *o, *old;
	json_int_t *ids;
	size_t i, n, known = 0;
	bool ok;
	char id[32];

	*chg = NULL;
	sess = json_object_get(rec, "sess");
	if (spec == NULL || sess == NULL)
		return false;
	h1 = upf_header(spec);
	h2 = upf_header(json_object_get(rec, "spec"));
	ok = json_equal(h1, h2);
	json_decref(h1);
	json_decref(h2);
	if (!ok || (ids = upf_ids(spec, &n)) == NULL)
		return false;
	for (i = 1; i < n && ok; i++)
		ok = ids[i] != ids[i - 1];
	free(ids);
	if (!ok)
		return false;
	*chg = json_object();
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, cd_num(ss, "id", 0));
		o = json_object_get(sess, id);
		known += o != NULL;
		old = json_array_get(o, SESS_SPEC);
		if (old == NULL || (old != ss && !json_equal(old, ss)))
			json_object_set_new(*chg, id, json_true());
	}
	/* and those gone */
	if (json_object_size(*chg) + json_object_size(sess) - known <= UPF_PARTIAL_MAX)
		return true;
	json_decref(*chg);
	*chg = NULL;
	return false;
}

/* Compile a UPF's changed sessions only (upf_partial_ok): the ones gone
 * or changed taken back, the new or changed ones compiled with what its
 * sessions were compiled with. 0, or -1 when one failed: everything it
 * did is undone and the UPF is to be compiled whole. */
static int
upf_partial(struct cd_kx *x, const char *name, json_t *spec, json_t *rec, json_t *chg)
{
	json_t *sess = json_object_get(rec, "sess"), *ctx, *ss, *gone = json_object(), *added = json_object();
	json_t *v, *nj, *nids, *js;
	json_int_t *ids, one;
	const char *id;
	size_t i, n_ids, j0, u0, j1, u1;
	char b[32];

	ctx = json_object_get(rec, "ctx");
	/* what goes: sessions changed (plan found them) or no longer there */
	if ((ids = upf_ids(spec, &n_ids)) == NULL) {
		json_decref(gone);
		json_decref(added);
		return -1;
	}
	json_object_foreach(sess, id, v) {
		one = strtoll(id, NULL, 10);
		if (json_object_get(chg, id) != NULL || bsearch(&one, ids, n_ids, sizeof(*ids), id_cmp) == NULL) {
			json_object_set(gone, id, v);
		}
	}
	free(ids);
	js = json_array();
	json_object_foreach(gone, id, v)
		json_array_append(js, json_array_get(v, SESS_J));
	if (cd_kx_restore(x, js) < 0) {
		json_decref(js);
		json_decref(gone);
		json_decref(added);
		return -1;
	}
	json_decref(js);
	json_object_foreach(gone, id, v) {
		cd_kx_unuse(x, json_array_get(v, SESS_IDS));
		json_object_del(sess, id);
	}
	json_decref(gone);
	/* the new and changed ones */
	cd_kx_forget_journal(x);
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		cd_kx_mark(x, &j0, &u0);
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, cd_num(ss, "id", 0));
		if (json_object_get(chg, b) == NULL)
			continue;
		upf_session(x, name, ss, i, cd_num(ctx, "sid", 0), cd_num(ctx, "n3", 0), cd_num(ctx, "n9", 0),
			    json_object_get(ctx, "peer_ids"), json_object_get(ctx, "apps"));
		if (cd_kx_failed(x))
			break;
		cd_kx_mark(x, &j1, &u1);
		json_object_set_new(added, b, sess_new(cd_kx_journal(x, j0, j1), cd_kx_ids(x, u0, u1), ss));
	}
	if (cd_kx_failed(x)) {
		cd_kx_drop(x);
		json_decref(added);
		/* what it still holds (header, sessions kept) is taken back with
		 * the record: compiled whole next */
		nj = json_copy(json_object_get(rec, "hj"));
		nids = json_copy(json_object_get(rec, "hids"));
		json_object_foreach(sess, id, v) {
			json_array_extend(nj, json_array_get(v, SESS_J));
			json_array_extend(nids, json_array_get(v, SESS_IDS));
		}
		json_object_set_new(rec, "journal", nj);
		json_object_set_new(rec, "ids", nids);
		json_object_del(rec, "sess");
		return -1;
	}
	json_object_update(sess, added);
	json_decref(added);
	/* the record: header, then every session's, as a whole compile has it */
	nj = json_copy(json_object_get(rec, "hj"));
	nids = json_copy(json_object_get(rec, "hids"));
	json_array_foreach(json_object_get(spec, "sessions"), i, ss) {
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, cd_num(ss, "id", 0));
		json_array_extend(nj, json_array_get(json_object_get(sess, b), SESS_J));
		json_array_extend(nids, json_array_get(json_object_get(sess, b), SESS_IDS));
	}
	json_object_set_new(rec, "journal", nj);
	json_object_set_new(rec, "ids", nids);
	json_object_set(rec, "spec", spec);
	cd_kx_forget_journal(x);
	return 0;
}


static void
upf_begin(struct cd_kx *x)
{
	struct upf_priv *p = cd_kx_priv(x, &upf_kind);

	json_decref(p->marks);
	p->marks = json_array();
	json_decref(p->ctx);
	p->ctx = NULL;
}

static void
upf_end(struct cd_kx *x, const char *name, json_t *spec, json_t *rec)
{
	struct upf_priv *p = cd_kx_priv(x, &upf_kind);

	(void)name;
	(void)spec;
	if (!cd_kx_failed(x) && p->ctx != NULL)
		upf_record(p, rec);
}

static void
upf_priv_clear(void *priv)
{
	struct upf_priv *p = priv;

	upf_run_clear(&p->run);
	json_decref(p->marks);
	json_decref(p->ctx);
	p->marks = p->ctx = NULL;
}

static const struct cd_kind upf_kind = {
	.name = "upf", .schema = "UpfSpec", .order = 600, .spread = true, .per_site = true, .parent = "slices",
	.parent_field = "slice", .compile = compile_upf, .begin = upf_begin, .end = upf_end,
	.part_ok = upf_partial_ok, .part = upf_partial, .priv_size = sizeof(struct upf_priv),
	.priv_clear = upf_priv_clear, .member = "sessions", .member_key = "id", .member_schema = "UpfSession",
};
CD_KIND_REGISTER(upf_kind)
