/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_map: a PFCP session's rules into the UPF's entries (pf_map.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "pf_ethapp.h"
#include "pf_map.h"
#include "pf_pfd.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_names.h"

#define QFI_COPY 64	/* fwd_n9 with qfi 64: the QFI the uplink came with */

/* Fill @e and return -EINVAL (or @rc). */
static int
refuse(struct pf_map_err *e, int rc, uint8_t cause, uint8_t kind, uint32_t rule, uint16_t ie, const char *fmt, ...)
{
	va_list ap;

	e->f = (struct pf_fail){ .cause = cause, .rule_kind = kind, .rule_id = rule, .offending_ie = ie };
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return rc;
}

static const char *
ntop(int af, const uint8_t *a, char *b, size_t n)
{
	return inet_ntop(af, a, b, (socklen_t)n) ? b : "?";
}

/* ------------------------------------------------------------ choosing */

static bool
fteid_addr(const struct pf_fteid *f, int *af, const uint8_t **a)
{
	if (f->has_v4) {
		*af = AF_INET;
		*a = f->v4;
		return true;
	}
	if (f->has_v6) {
		*af = AF_INET6;
		*a = f->v6;
		return true;
	}
	return false;
}

const struct pf_upf *
pf_map_upf(const struct pf_upfs *all, const struct pf_session *s, struct pf_map_err *e)
{
	const struct pf_upf *u = NULL, *v;
	const uint8_t *a;
	bool n9;
	int af;

	/* an F-TEID's address names it surely; a CHOOSE's name, or a UE's
	 * pool, when no PDR gives one */
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (!p->has_fteid || p->fteid.ch || !fteid_addr(&p->fteid, &af, &a))
			continue;
		if ((v = pf_upf_by_addr(all, af, a, &n9)) == NULL) {
			char b[64];

			refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
			       "PDR %u: F-TEID address %s is none of the UPFs' N3 or N9 addresses", p->id,
			       ntop(af, a, b, sizeof(b)));
			return NULL;
		}
		if (u != NULL && v != u) {
			refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
			       "PDR %u: its F-TEID is UPF %s's, another PDR's UPF %s's", p->id, v->name, u->name);
			return NULL;
		}
		u = v;
	}
	for (int i = 0; i < s->n_pdr && u == NULL; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (p->has_fteid && p->fteid.ch && p->ni != 0)
			u = pf_upf_by_ni(all, pf_sess_name(p->ni), &n9);
	}
	for (int i = 0; i < s->n_pdr && u == NULL; i++)
		if (s->pdr[i].pool != 0)
			u = pf_upf_by_pool(all, pf_sess_name(s->pdr[i].pool));
	for (int i = 0; i < s->n_pdr && u == NULL; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		for (int k = 0; k < all->n && p->has_ue_ip && u == NULL; k++)
			if ((p->ue.has_v4 && pf_upf_in_pool(&all->u[k], AF_INET, p->ue.v4)) ||
			    (p->ue.has_v6 && pf_upf_in_pool(&all->u[k], AF_INET6, p->ue.v6)))
				u = &all->u[k];
	}
	if (u == NULL && all->n == 1)
		u = &all->u[0];
	if (u == NULL)
		refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, s->n_pdr ? PF_RULE_PDR : PF_RULE_NONE,
		       s->n_pdr ? s->pdr[0].id : 0, PF_IE_FTEID,
		       all->n == 0 ? "no UPF is Ready (an upf intent with its n3 link)" :
		       "no PDR names one UPF (an F-TEID address, a CHOOSE's Network Instance, a UE address pool's name, a UE "
		       "address in a pool)");
	return u;
}

int
pf_map_choose(const struct pf_upf *u, struct pf_session *s, pf_map_teid *teid_of, void *arg,
	      struct pf_map_err *e)
{
	for (int i = 0; i < s->n_pdr; i++) {
		struct pf_pdr *p = &s->pdr[i];
		const struct pf_link *l;
		bool n9 = p->src_iface == PF_IF_CORE;
		uint32_t teid = 0;
		int rc;

		if (!p->has_fteid || !p->fteid.ch || p->fteid.teid != 0)
			continue;
		/* what the SMF sends the UE comes in as from an anchor: on the
		 * n9 link, where it has one of the family asked (pf_map.h) */
		if (p->src_iface == PF_IF_CP)
			n9 = u->n9.present && (u->n9.af == AF_INET ? p->fteid.has_v4 : p->fteid.has_v6);
		l = n9 ? &u->n9 : &u->n3;
		if (!l->present)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
				      "PDR %u: CHOOSE on N9, and UPF %s has no n9 link", p->id, u->name);
		if ((l->af == AF_INET && !p->fteid.has_v4) || (l->af == AF_INET6 && !p->fteid.has_v6))
			return refuse(e, -EINVAL, PF_CAUSE_INVALID_FTEID_ALLOC, PF_RULE_PDR, p->id, PF_IE_FTEID,
				      "PDR %u: CHOOSE an %s F-TEID, and UPF %s's %s link is %s", p->id,
				      p->fteid.has_v4 ? "IPv4" : "IPv6", u->name, n9 ? "n9" : "n3",
				      l->af == AF_INET ? "IPv4" : "IPv6");
		/* the same CHOOSE ID: the same F-TEID (TS 29.244 5.2.3.1); but never a CP
		 * function's and a tunnel's one: what the SMF sent into it would be taken for the
		 * UE's uplink */
		for (int j = 0; j < i && p->fteid.has_chid; j++) {
			const struct pf_pdr *q = &s->pdr[j];

			if (q->has_fteid && q->fteid.ch && q->fteid.has_chid && q->fteid.chid == p->fteid.chid &&
			    q->fteid.teid != 0 && (q->src_iface == PF_IF_CORE) == n9 &&
			    (q->src_iface == PF_IF_CP) == (p->src_iface == PF_IF_CP))
				teid = q->fteid.teid;
		}
		if (teid == 0 && (rc = teid_of(arg, n9, &teid)) < 0)
			return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_FTEID,
				      "PDR %u: no TEID left on UPF %s's %s link", p->id, u->name, n9 ? "n9" : "n3");
		p->fteid.teid = teid;
		p->fteid.has_v4 = l->af == AF_INET;
		p->fteid.has_v6 = l->af == AF_INET6;
		memset(p->fteid.v4, 0, 4);
		memset(p->fteid.v6, 0, 16);
		memcpy(l->af == AF_INET ? p->fteid.v4 : p->fteid.v6, l->addr, l->af == AF_INET ? 4 : 16);
	}
	return 0;
}

static bool
asks(const struct pf_pdr *p, int af)
{
	return af == AF_INET ? p->ue.ch4 : p->ue.ch6;
}

/* The address of family @af a PDR of @s already has for the session (chosen before) */
static bool
chosen_in(const struct pf_session *s, int af, uint8_t *addr)
{
	for (int i = 0; s != NULL && i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (asks(p, af) && (af == AF_INET ? p->ue.has_v4 : p->ue.has_v6)) {
			memcpy(addr, af == AF_INET ? p->ue.v4 : p->ue.v6, af == AF_INET ? 4 : 16);
			return true;
		}
	}
	return false;
}

static bool
serves(const struct pf_pool *q, int af, const char *ni)
{
	return q->af == af && (ni == NULL ? q->ni[0] == '\0' : strcmp(q->ni, ni) == 0);
}

/* UPF @u's pool for an address of family @af: the one named @name (a
 * PDR's Pool Identity; NULL: none), else the first serving one of the
 * @n Network Instances @nis, else the first serving any. NULL: none. */
static const struct pf_pool *
pool_of(const struct pf_upf *u, int af, const char *name, const char *const *nis, int n)
{
	if (name != NULL) {
		for (int i = 0; i < u->n_pool; i++)
			if (u->pool[i].af == af && strcmp(u->pool[i].name, name) == 0)
				return &u->pool[i];
		return NULL;
	}
	for (int k = 0; k < n; k++)
		for (int i = 0; i < u->n_pool; i++)
			if (serves(&u->pool[i], af, nis[k]))
				return &u->pool[i];
	for (int i = 0; i < u->n_pool; i++)
		if (serves(&u->pool[i], af, NULL))
			return &u->pool[i];
	return NULL;
}

/* The pool a session's address of family @af comes from; NULL with @e */
static const struct pf_pool *
pool_for(const struct pf_upf *u, const struct pf_session *s, int af, const struct pf_pdr *asker, struct pf_map_err *e)
{
	const char *name = NULL, *nis[PF_SESS_PDR_MAX + PF_SESS_FAR_MAX];
	const struct pf_pool *pool;
	int n = 0;

	for (int i = 0; i < s->n_pdr; i++) {
		if (asks(&s->pdr[i], af) && s->pdr[i].pool != 0 && name == NULL)
			name = pf_sess_name(s->pdr[i].pool);
		if (s->pdr[i].ni != 0)
			nis[n++] = pf_sess_name(s->pdr[i].ni);
	}
	for (int i = 0; i < s->n_far; i++)
		if (s->far[i].ni != 0)
			nis[n++] = pf_sess_name(s->far[i].ni);
	if ((pool = pool_of(u, af, name, nis, n)) == NULL)
		refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, asker->id, name ? PF_IE_UE_IP_POOL_ID : PF_IE_UE_IP,
		       "PDR %u: UPF %s has no IPv%d UE address pool %s%s", asker->id, u->name, af == AF_INET ? 4 : 6,
		       name ? "named " : "for the session's Network Instances", name ? name : "");
	return pool;
}

int
pf_map_choose_ue(const struct pf_upf *u, struct pf_session *s, const struct pf_session *cur, pf_map_ue *take,
		 void *arg, struct pf_map_err *e)
{
	static const int afs[] = { AF_INET, AF_INET6 };

	for (int f = 0; f < 2; f++) {
		int af = afs[f], rc;
		const struct pf_pdr *asker = NULL;
		const struct pf_pool *pool;
		uint8_t addr[16] = { 0 };

		for (int i = 0; i < s->n_pdr && asker == NULL; i++)
			if (asks(&s->pdr[i], af) && !(af == AF_INET ? s->pdr[i].ue.has_v4 : s->pdr[i].ue.has_v6))
				asker = &s->pdr[i];
		if (asker == NULL)
			continue;
		if (!chosen_in(s, af, addr) && !chosen_in(cur, af, addr)) {
			if ((pool = pool_for(u, s, af, asker, e)) == NULL)
				return -EINVAL;
			if ((rc = take(arg, pool, addr)) < 0) {
				char b[64];

				return refuse(e, rc, rc == -ENOSPC ? PF_CAUSE_NO_DYN_ADDRESS : PF_CAUSE_NO_RESOURCES, PF_RULE_PDR,
					      asker->id, PF_IE_UE_IP, "PDR %u: %s of UPF %s's pool %s/%u", asker->id,
					      rc == -ENOSPC ? "no address left" : "out of memory choosing an address",
					      u->name, ntop(af, pool->prefix, b, sizeof(b)), pool->plen);
			}
		}
		for (int i = 0; i < s->n_pdr; i++) {
			struct pf_ue_ip *ue = &s->pdr[i].ue;

			if (!asks(&s->pdr[i], af))
				continue;
			if (af == AF_INET) {
				ue->has_v4 = 1;
				memcpy(ue->v4, addr, 4);
			} else {
				ue->has_v6 = 1;
				memcpy(ue->v6, addr, 16);
			}
		}
	}
	return 0;
}

bool
pf_map_is_eth(const struct pf_session *s)
{
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].ethi)
			return true;
	return s->pdn_type == PF_PDN_ETHERNET;
}

static uint8_t
lan_in(const struct pf_session *s)
{
	for (int i = 0; s != NULL && i < s->n_pdr; i++)
		if (s->pdr[i].ethi && s->pdr[i].lan != 0)
			return s->pdr[i].lan;
	return 0;
}

int
pf_map_choose_lan(const struct pf_upf *u, struct pf_session *s, const struct pf_session *cur, pf_map_slot *take,
		  void *arg, struct pf_map_err *e)
{
	uint8_t lan = lan_in(s), slot;
	int rc, asker = -1;

	for (int i = 0; i < s->n_pdr && asker < 0; i++)
		if (s->pdr[i].ethi && s->pdr[i].lan == 0)
			asker = i;
	if (asker < 0 || !u->ethernet)
		return 0;   /* none to choose; a UPF without Ethernet sessions refuses it at compile */
	if (lan == 0)
		lan = lan_in(cur);
	if (lan == 0) {
		if ((rc = take(arg, &slot)) < 0)
			return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, s->pdr[asker].id, PF_IE_ETH_PDU_INFO,
				      "PDR %u: %s", s->pdr[asker].id, rc == -ENOSPC ? "UPF's 5G LAN group is full "
				      "(its bridge domain's sessions, at most 64)" : "out of memory");
		lan = (uint8_t)(slot + 1);
	}
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].ethi)
			s->pdr[i].lan = lan;
	return 0;
}

/* ------------------------------------------------------------ entries */

/* What one PDR compiles with: its FAR, QERs (AMBR, MBR), counter. */
struct term {
	const char *action;
	json_t *params;			/* the FAR's part (peer, teid, qfi), meter, urr */
};

static bool
named_by_all(const struct pf_session *s, uint32_t qer, bool ul)
{
	int n = 0;

	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		bool in = false;

		if ((p->src_iface == PF_IF_ACCESS) != ul || p->src_iface == PF_IF_CP)
			continue;
		for (int k = 0; k < p->n_qer; k++)
			in |= p->qer[k] == qer;
		if (!in)
			return false;
		n++;
	}
	return n > 0;
}

/* The meter of @q's MBR in one direction (0: none), its entry into @out
 * the first time the session names it: a two-rate meter (RFC 2698) whose
 * peak is the MBR, above it dropped, and whose committed rate is the GBR
 * of a GBR QoS flow (else the MBR): what the flow is guaranteed is green,
 * its excess up to the MBR yellow, which a congested scheduler drops
 * first (qos's WRED per color). */
static int
meter_of(const struct pf_map_ids *ids, const struct pf_qer *q, bool ul, json_t *out, json_t *seen, uint32_t *id,
	 struct pf_map_err *e)
{
	uint64_t kbps = ul ? q->mbr.ul : q->mbr.dl, gbr = q->has_gbr ? (ul ? q->gbr.ul : q->gbr.dl) : 0;
	char k[32];
	int rc;

	*id = 0;
	if (gbr != 0 && (!q->has_mbr || kbps == 0))
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_QER, q->id, PF_IE_GBR,
			      "QER %u: a GBR %s without an MBR (a GBR QoS flow has both, TS 23.501 5.7.2.5)", q->id,
			      ul ? "uplink" : "downlink");
	if (gbr > kbps)
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_QER, q->id, PF_IE_GBR,
			      "QER %u: its %s GBR (%llu kbps) is above its MBR (%llu kbps)", q->id,
			      ul ? "uplink" : "downlink", (unsigned long long)gbr, (unsigned long long)kbps);
	if (!q->has_mbr || kbps == 0)
		return 0;
	if ((rc = ids->meter(ids->arg, q->id, ul, kbps, id)) < 0)
		return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_QER, q->id, PF_IE_MBR,
			      "QER %u: no meter left for its MBR", q->id);
	snprintf(k, sizeof(k), "%u", *id);
	if (json_object_get(seen, k) == NULL) {
		uint64_t bps = kbps * 1000, cir = gbr != 0 ? gbr * 1000 : bps;
		json_t *m = json_pack("{s:s,s:s,s:{s:i},s:s,s:{s:I,s:I,s:I,s:I}}", "type", "insert", "table",
				      QOS_T_METERS, "match", QOS_F_ID, *id, "action", QOS_A_TRTCM, "params", QOS_F_CIR,
				      (json_int_t)cir, QOS_F_CBS, qos_burst_of((int64_t)cir), QOS_F_PIR, (json_int_t)bps, QOS_F_PBS,
				      qos_burst_of((int64_t)bps));

		json_object_set_new(m, "pdr", json_integer(0));
		json_array_append_new(out, m);
		json_object_set_new(seen, k, json_true());
	}
	return 0;
}

_Static_assert(PF_REDIRECT_URL_MAX == UP_REDIRECT_URL_MAX, "a URL pf_sess takes is one sxdp holds");

/* FAR @f's Redirect Information as its redirects entry (TS 29.244 5.4.7): a URL, a
 * UE's HTTP answered with a 302 there (http); addresses, its DNS answered with them
 * (dns). Its id into *@id. */
static int
redirect_of(const struct pf_map_ids *ids, const struct pf_far *f, uint16_t *id, struct pf_map_err *e)
{
	json_t *params = json_object();
	const char *action = UP_A_DNS;
	char a[64];
	int rc;

	if (f->redir_type == PF_REDIR_URL) {
		action = UP_A_HTTP;
		json_object_set_new(params, UP_F_URL, json_string(pf_sess_name(f->redir_url)));
	}
	if (f->redir_type == PF_REDIR_IPV4 || f->redir_type == PF_REDIR_IPV4V6)
		json_object_set_new(params, UP_F_V4, json_string(inet_ntop(AF_INET, f->redir_v4, a, sizeof(a))));
	if (f->redir_type == PF_REDIR_IPV6 || f->redir_type == PF_REDIR_IPV4V6)
		json_object_set_new(params, UP_F_V6, json_string(inet_ntop(AF_INET6, f->redir_v6, a, sizeof(a))));
	rc = ids->redirect != NULL ? ids->redirect(ids->arg, action, params, id) : -ENOSPC;
	json_decref(params);
	if (rc < 0)
		return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_FAR, f->id, PF_IE_REDIRECT_INFO,
			      "FAR %u: no redirects id left", f->id);
	return 0;
}

/* The FAR PDR @p (@ul: an uplink one) takes once a quota of its URRs is
 * used up: the first of its URRs' FAR for Quota Action (TS 29.244
 * 5.2.2.2.1: a top-up portal's redirect, say) when it is one such a PDR
 * can take (a redirect, forwarding to the core or buffering are the
 * uplink's; forwarding to Access the downlink's, into a tunnel); NULL:
 * none, it forwards nothing. Never a refusal: the quota's stop must hold. */
static const struct pf_far *
quota_far(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *p, bool ul)
{
	const struct pf_far *f = NULL;

	for (int k = 0; k < p->n_urr && f == NULL; k++) {
		const struct pf_urr *u = pf_sess_urr(s, p->urr[k]);

		if (u != NULL && u->has_far_quota)
			f = pf_sess_far(s, u->far_quota);
	}
	if (f == NULL || (f->apply & PF_AA_DROP) || !(f->apply & PF_AA_FORW))
		return ul ? NULL : f;   /* dropping; buffering or notifying is the downlink's */
	if (f->has_redir)
		return ul ? f : NULL;
	if (ul ? f->dst_iface == PF_IF_ACCESS : f->dst_iface != PF_IF_ACCESS || !f->has_ohc)
		return NULL;
	if (f->has_ohc) {
		const struct pf_link *l = ul ? &c->upf->n9 : &c->upf->n3;

		return l->present && (l->af == AF_INET6) == pf_ohc_v6(&f->ohc, l->af) ? f : NULL;
	}
	return pf_upf_n6_ni(c->upf, pf_sess_name(f->ni)) ? f : NULL;
}

/* PDR @p's termination: action and params from its FAR, QERs and
 * counter. @ul: an uplink PDR. */
static int
term_of(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *p, bool ul,
	const struct pf_map_ids *ids, json_t *out, json_t *seen, struct term *t, uint32_t *ambr,
	struct pf_map_err *e)
{
	const struct pf_far *f = pf_sess_far(s, p->far_id);
	uint8_t qfi = ul ? QFI_COPY : 0;
	bool closed = false;
	uint32_t meter = 0, m;
	uint32_t urr = 0;
	int rc;

	t->params = json_object();
	*ambr = 0;
	if (f == NULL)   /* pf_sess checked: every PDR's FAR is there */
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FAR_ID,
			      "PDR %u: no FAR %u", p->id, p->far_id);
	for (int k = 0; k < p->n_qer; k++) {
		const struct pf_qer *q = pf_sess_qer(s, p->qer[k]);

		if (q == NULL)
			continue;
		closed |= (ul ? q->gate_ul : q->gate_dl) == PF_GATE_CLOSED;
		if (q->has_qfi)
			qfi = q->qfi;
		if ((rc = meter_of(ids, q, ul, out, seen, &m, e)) < 0)
			return rc;
		if (m == 0)
			continue;
		if (named_by_all(s, q->id, ul) && *ambr == 0)
			*ambr = m;
		else if (meter == 0)
			meter = m;
		else
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_QER_ID,
				      "PDR %u: more than one QER with an MBR of its own (and the session's AMBR)",
				      p->id);
	}
	/* a URR measures it; the inactivity timer watches every PDR's */
	if ((p->n_urr > 0 || s->inact_s != 0) && (rc = ids->counter(ids->arg, p->id, &urr)) < 0)
		return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_URR_ID,
			      "PDR %u: no usage counter left", p->id);
	/* a quota used up stops it as a closed gate does, or it takes its FAR
	 * for Quota Action */
	if (urr != 0 && ids->stopped(ids->arg, p->id)) {
		const struct pf_far *q = quota_far(c, s, p, ul);

		if (q != NULL)
			f = q;
		else
			closed = true;
	}
	if (closed || (f->apply & PF_AA_DROP)) {
		t->action = UP_A_DROP;
		return 0;
	}
	if (f->apply & PF_AA_BUFF) {
		if (ul)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_APPLY_ACTION,
				      "FAR %u: buffering uplink (PDR %u) is not done", f->id, p->id);
		t->action = UP_A_BUFFER;   /* counted once released, as its FAR then forwards */
		return 0;
	}
	if (!(f->apply & PF_AA_FORW)) {   /* NOCP alone: notify the CP, forward nothing */
		if (ul)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_APPLY_ACTION,
				      "FAR %u: notifying of uplink (PDR %u) is not done", f->id, p->id);
		t->action = UP_A_NOTIFY;
		return 0;
	}
	if (f->has_redir) {
		uint16_t rid;

		/* the UE's own traffic is what is redirected (the FAR's Destination
		 * Interface: Access for HTTP, Core else, 8.2.24 NOTE 4: either) */
		if (!ul)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_REDIRECT_INFO,
				      "FAR %u: redirecting downlink (PDR %u) is not done", f->id, p->id);
		if ((rc = redirect_of(ids, f, &rid, e)) < 0)
			return rc;
		json_object_set_new(t->params, UP_F_REDIRECT, json_integer(rid));
		t->action = UP_A_REDIRECT;
		goto counted;
	}
	if (ul ? f->dst_iface == PF_IF_ACCESS : f->dst_iface != PF_IF_ACCESS)
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_DST_IFACE,
			      "FAR %u: %s PDR %u forwarded to %s is not a path this UPF has", f->id,
			      ul ? "an uplink" : "a downlink", p->id, ul ? "Access" : "the core");
	if (!ul && !f->has_ohc) {
		/* no gNB tunnel yet (an SMF that sends it in a later
		 * Modification): nothing can be sent, so nothing is */
		t->action = UP_A_DROP;
		return 0;
	}
	if (f->has_ohc) {
		bool n9 = ul;
		const struct pf_link *l = n9 ? &c->upf->n9 : &c->upf->n3;
		bool v6 = pf_ohc_v6(&f->ohc, l->af);
		uint8_t dscp = f->has_tlm ? (uint8_t)(f->tos >> 2) : 64;
		uint16_t peer;

		if (!l->present || (l->af == AF_INET6) != v6)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_OHC,
				      "FAR %u: a %s tunnel, and UPF %s's %s link is %s", f->id, v6 ? "GTP-U/IPv6" :
				      "GTP-U/IPv4", c->upf->name, n9 ? "n9" : "n3", !l->present ? "absent" :
				      l->af == AF_INET ? "IPv4" : "IPv6");
		if ((rc = ids->peer(ids->arg, n9, v6 ? AF_INET6 : AF_INET, v6 ? f->ohc.v6 : f->ohc.v4, dscp,
				    &peer)) < 0)
			return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_FAR, f->id, PF_IE_OHC,
				      "FAR %u: no tunnel peer id left", f->id);
		json_object_set_new(t->params, UP_F_PEER, json_integer(peer));
		json_object_set_new(t->params, UP_F_TEID, json_integer(f->ohc.teid));
		json_object_set_new(t->params, UP_F_QFI, json_integer(qfi));
		t->action = ul ? UP_A_FWD_N9 : UP_A_ENCAP_N3;
	} else {
		if (!pf_upf_n6_ni(c->upf, pf_sess_name(f->ni)))
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, f->id, PF_IE_NET_INSTANCE,
				      "FAR %u: Network Instance %s is none of UPF %s's", f->id, pf_sess_name(f->ni),
				      c->upf->name);
		t->action = UP_A_FWD_N6;
	}
counted:
	if (meter != 0)
		json_object_set_new(t->params, UP_F_METER, json_integer(meter));
	if (urr != 0) {
		uint64_t w = ids->watch(ids->arg, p->id);

		json_object_set_new(t->params, UP_F_URR, json_integer(urr));
		if (w != 0)
			json_object_set_new(t->params, UP_F_THRESHOLD, json_integer((json_int_t)w));
	}
	return 0;
}

static json_t *
upd(const char *table, json_t *match, const char *action, json_t *params, uint16_t pdr)
{
	return json_pack("{s:s,s:s,s:o,s:s,s:o,s:i}", "type", "insert", "table", table, "match", match, "action",
			 action, "params", params, "pdr", pdr);
}

/* The session entry's own part (id, slice, AMBR...) over @t's params. */
static json_t *
session_params(const struct pf_map_ctx *c, const struct term *t, uint32_t ambr, bool apps)
{
	json_t *p = json_deep_copy(t->params);
	bool fwd = strcmp(t->action, UP_A_FWD_N6) == 0 || strcmp(t->action, UP_A_FWD_N9) == 0 ||
		   strcmp(t->action, UP_A_ENCAP_N3) == 0 || strcmp(t->action, UP_A_REDIRECT) == 0;

	json_object_set_new(p, UP_F_ID, json_integer(c->sess_id));
	json_object_set_new(p, UP_F_SLICE, json_integer(c->slice));
	/* whatever the session's own action: its terminations' packets take it */
	if (ambr != 0)
		json_object_set_new(p, UP_F_AMBR, json_integer(ambr));
	if (apps)
		json_object_set_new(p, UP_F_APPS, json_integer(1));
	/* what does not forward names no tunnel, meter or counter of its own
	 * (bad_far); the AMBR is the session's */
	if (!fwd) {
		json_object_del(p, UP_F_METER);
		json_object_del(p, UP_F_URR);
		json_object_del(p, UP_F_THRESHOLD);
	}
	return p;
}

static bool
is_rule(const struct pf_pdr *p)
{
	return p->n_sdf > 0 || p->app != 0 || p->n_ethf > 0;
}

/* Does @p forward to the CP function (Destination Interface CP-function:
 * Open5GS's IPv6 Router Solicitations, through the SMF)? SMF-bound
 * GTP-U is not carried (pf_map.h): such a rule compiles to nothing, as
 * a PDR from the CP function does, rather than a tunnel to the SMF taken
 * for an N9 peer. */
static bool
cp_bound(const struct pf_session *s, const struct pf_pdr *p)
{
	const struct pf_far *f = pf_sess_far(s, p->far_id);

	return f != NULL && f->has_fwd && f->dst_iface == PF_IF_CP;
}

/* Can a tunnel reach @a (a routable unicast host: not unspecified,
 * loopback, link-local, multicast or class E; RFC 1122 3.2.1.3, RFC 4291)? */
static bool
routable(int af, const uint8_t *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[15];

	if (af == AF_INET)
		return a[0] != 0 && a[0] != 127 && a[0] < 224;
	return !(memcmp(a, zero, 15) == 0 && a[15] <= 1) && a[0] != 0xff && !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80) &&
	       memcmp(a, v4mapped, 12) != 0;
}

/* Is the session's traffic with the CP function carried (Open5GS's
 * router discovery through the SMF: pf_map.h)? Over the n9 link alone:
 * what the SMF sends the UE comes into an F-TEID of it, as an anchor's
 * downlink does, and what goes to the SMF leaves in a tunnel of it (to
 * an address and TEID a tunnel can have: an SMF on a loopback address,
 * as a one-host core has it, cannot be reached from here). */
static bool
cp_carried(const struct pf_map_ctx *c, const struct pf_session *s)
{
	const struct pf_link *l = &c->upf->n9;
	bool from = false, to = false;
	int af;
	const uint8_t *a;

	if (!l->present)
		return false;
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		const struct pf_far *f = pf_sess_far(s, p->far_id);

		if (p->src_iface == PF_IF_CP) {
			if (!p->has_fteid || !fteid_addr(&p->fteid, &af, &a) || af != l->af ||
			    memcmp(a, l->addr, af == AF_INET ? 4 : 16) != 0)
				return false;
			from = true;
		} else if (cp_bound(s, p)) {
			bool v6 = f->has_ohc && pf_ohc_v6(&f->ohc, l->af);

			if (p->src_iface != PF_IF_ACCESS || !f->has_ohc || (l->af == AF_INET6) != v6 ||
			    f->ohc.teid == 0 || !routable(l->af, v6 ? f->ohc.v6 : f->ohc.v4))
				return false;
			to = true;
		}
	}
	return from && to;
}

/* Does @p compile to nothing (pf_map.h: toward the CP function, and not carried)? */
static bool
cp_skipped(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *p)
{
	return (p->src_iface == PF_IF_CP || cp_bound(s, p)) && !cp_carried(c, s);
}

/* Do @p and @q classify the same, but for their QFIs? */
static bool
same_but_qfi(const struct pf_pdr *p, const struct pf_pdr *q)
{
	if (is_rule(p) != is_rule(q))
		return false;
	if (!is_rule(p))
		return true;
	if (p->app != q->app || p->n_sdf != q->n_sdf || p->n_ethf != q->n_ethf ||
	    (p->n_ethf && memcmp(p->ethf, q->ethf, p->n_ethf * sizeof(*p->ethf)) != 0))
		return false;
	for (int k = 0; k < p->n_sdf; k++)
		if (p->sdf[k].has_fd != q->sdf[k].has_fd || memcmp(&p->sdf[k].flow, &q->sdf[k].flow, sizeof(p->sdf[k].flow)))
			return false;
	return true;
}

/* Is @p told from another PDR of its group (@match) of a lower precedence
 * only by its QFIs? Then its QFIs must be matched (sxdp's session entries
 * do not; its apps do), else it would take that one's packets too. */
static bool
qfi_told(const struct pf_session *s, bool (*match)(const struct pf_pdr *, const struct pf_pdr *),
	 const struct pf_pdr *like, const struct pf_pdr *p)
{
	if (p->qfi_mask == 0 || !match(p, like) || cp_bound(s, p))
		return false;
	for (int j = 0; j < s->n_pdr; j++) {
		const struct pf_pdr *q = &s->pdr[j];

		if (q != p && match(q, like) && !cp_bound(s, q) && q->qfi_mask != p->qfi_mask &&
		    p->precedence <= q->precedence && same_but_qfi(p, q))
			return true;
	}
	return false;
}

/* A tunnel group's PDRs told apart by their QFIs are matched by them
 * (rules: an app of each QFI); a UE group's (N6 downlink, no QFI on its
 * packets), or one with an Application ID or Ethernet Packet Filters (their
 * apps are not keyed by QFI) cannot be: refused, the PDR whose QFIs would
 * be ignored. */
static int
qfi_check(const struct pf_session *s, bool (*match)(const struct pf_pdr *, const struct pf_pdr *),
	  const struct pf_pdr *like, bool tunnel, struct pf_map_err *e)
{
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (qfi_told(s, match, like, p) && (!tunnel || p->app != 0 || p->n_ethf > 0))
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_QFI,
				      "PDR %u: only its QFI tells it from another PDR, and %s", p->id,
				      !tunnel ? "downlink from the data network has no QFI" :
				      "its Application ID's or Ethernet filters' apps are not keyed by QFI");
	}
	return 0;
}

/* The default PDR of the PDRs @match selects: the one that classifies
 * nothing (of those, the highest precedence: the lowest value). */
static const struct pf_pdr *
default_of(const struct pf_session *s, bool (*match)(const struct pf_pdr *, const struct pf_pdr *),
	   const struct pf_pdr *like, bool tunnel)
{
	const struct pf_pdr *d = NULL;

	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (match(p, like) && !is_rule(p) && !(tunnel && qfi_told(s, match, like, p)) &&
		    (d == NULL || p->precedence < d->precedence))
			d = p;
	}
	return d;
}

static bool
same_ul_tunnel(const struct pf_pdr *p, const struct pf_pdr *like)
{
	return p->src_iface == PF_IF_ACCESS && p->has_fteid && p->fteid.teid == like->fteid.teid;
}

static bool
same_n9_tunnel(const struct pf_pdr *p, const struct pf_pdr *like)
{
	/* a CP function's PDR only when carried: its own TEID (pf_map_choose) */
	return p->src_iface != PF_IF_ACCESS && p->has_fteid && p->fteid.teid == like->fteid.teid;
}

static bool
same_ue(const struct pf_pdr *p, const struct pf_pdr *like)
{
	(void)like;
	return p->src_iface != PF_IF_ACCESS && p->src_iface != PF_IF_CP && !p->has_fteid && p->has_ue_ip;
}

static bool
same_eth(const struct pf_pdr *p, const struct pf_pdr *like)
{
	(void)like;
	return p->src_iface != PF_IF_ACCESS && p->src_iface != PF_IF_CP && !p->has_fteid && p->ethi;
}

/* What an Ethernet PDU session may be here: a UPF that takes them (its
 * slice's bridge domain is their 5G LAN group's), PDRs that name no UE
 * address, ETHI only on downlink from the data network. */
static int
eth_check(const struct pf_map_ctx *c, const struct pf_session *s, struct pf_map_err *e)
{
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		if (!c->upf->ethernet)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id,
				      s->pdn_type == PF_PDN_ETHERNET ? PF_IE_PDN_TYPE : PF_IE_ETH_PDU_INFO,
				      "an Ethernet PDU session, and UPF %s takes none (its ethernet_sessions)",
				      c->upf->name);
		if (p->has_ue_ip)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_UE_IP,
				      "PDR %u: a UE IP address in an Ethernet PDU session", p->id);
		if (p->ethi && (p->src_iface == PF_IF_ACCESS || p->src_iface == PF_IF_CP || p->has_fteid))
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_ETH_PDU_INFO,
				      "PDR %u: ETHI is the downlink's from the data network", p->id);
		if (p->n_sdf > 0 || p->app != 0)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id,
				      p->app ? PF_IE_APP_ID : PF_IE_SDF_FILTER,
				      "PDR %u: an Ethernet PDU session's frames are classified by Ethernet Packet "
				      "Filters, not IP flows", p->id);
	}
	return 0;
}

/* An IP PDU session's packets have no frame to filter. */
static int
ip_check(const struct pf_session *s, struct pf_map_err *e)
{
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].n_ethf > 0)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, s->pdr[i].id,
				      PF_IE_ETH_PACKET_FILTER, "PDR %u: an Ethernet Packet Filter in an IP PDU session",
				      s->pdr[i].id);
	return 0;
}

/* app[n] kept unless it is one of app[0..n-1] (two filters of one PDR
 * may be one app): how many then. */
static int
add_app(const uint16_t *app, int n)
{
	for (int j = 0; j < n; j++)
		if (app[j] == app[n])
			return n;
	return n + 1;
}

/* An Ethernet PDU session's uplink termination @t: its frames into the
 * bridge domain, or dropped; never to an anchor. */
static int
eth_term(const struct pf_pdr *p, struct term *t, struct pf_map_err *e)
{
	if (strcmp(t->action, UP_A_FWD_N9) == 0)
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_FAR, p->far_id, PF_IE_OHC,
			      "FAR %u: an Ethernet PDU session's frames to an anchor are not carried", p->far_id);
	if (strcmp(t->action, UP_A_FWD_N6) == 0)
		t->action = UP_A_BRIDGE;
	return 0;
}

/* An Ethernet PDU session's uplink entry: its frames into the slice's
 * bridge domain (bridge), or the gate's drop; never to an anchor. */
static int
eth_uplink(const struct pf_pdr *d, json_t *se, struct pf_map_err *e)
{
	struct term t = { .action = json_string_value(json_object_get(se, "action")) };
	int rc = eth_term(d, &t, e);

	if (rc == 0)
		json_object_set_new(se, "action", json_string(t.action));
	return rc;
}

/* An Ethernet PDU session's downlink entry (@se's action and params) and
 * its slot in the 5G LAN group of its slice's bridge domain. */
static void
eth_entries(const struct pf_map_ctx *c, const struct pf_pdr *p, json_t *se, json_t *out)
{
	uint16_t pdr = (uint16_t)json_integer_value(json_object_get(se, "pdr"));

	json_array_append_new(out, upd(UP_T_SESSIONS_ETH, json_pack("{s:I}", UP_F_SESSION, (json_int_t)c->sess_id),
				       json_string_value(json_object_get(se, "action")),
				       json_incref(json_object_get(se, "params")), pdr));
	if (p->lan != 0)
		json_array_append_new(out, upd(UP_T_LAN_MEMBERS, json_pack("{s:I,s:i}", UP_F_BD, (json_int_t)c->slice,
									    UP_F_SLOT, p->lan - 1), UP_A_MEMBER,
					       json_pack("{s:I}", UP_F_SESSION, (json_int_t)c->sess_id), pdr));
}

/* The apps of rule PDR @p (its SDFs' remote sides, its Ethernet Packet
 * Filters, its Application ID),
 * each with its termination; *@ambr: the session's AMBR meter it names. */
/* The QFIs @p's apps are keyed by, into @q: its own when @by_qfi (its
 * QFIs tell it from another PDR: qfi_told), else any; how many. */
static int
qfis_of(const struct pf_pdr *p, bool by_qfi, uint8_t *q)
{
	int n = 0;

	if (!by_qfi) {
		q[0] = PF_APP_QFI_ANY;
		return 1;
	}
	for (int k = 0; k < 64; k++)
		if (p->qfi_mask >> k & 1)
			q[n++] = (uint8_t)k;
	return n;
}

#define RULE_APPS_MAX 64	/* a PDR's apps: its filters (and App ID), each of its QFIs */

/* The apps of PDR @p's Application ID into @app (*@n of them): its PFDs'
 * flows (pf_pfd_resolve: the SMF's, the more specific, win over a local
 * DN of the name), each as an SDF Filter's remote side is, or the local
 * DN's app; neither: refused as a rule that cannot be detected. */
static int
app_id_apps(const struct pf_map_ctx *c, const struct pf_pdr *p, const uint8_t *qfi, int nq, uint16_t prio,
	    const struct pf_map_ids *ids, uint16_t *app, int *n, struct pf_map_err *e)
{
	const char *name = pf_sess_name(p->app);
	uint16_t dn = pf_upf_app(c->upf, name);
	const struct pf_flow *fl = NULL;
	int nf = 0, rc;

	if (c->pfds == NULL || pf_pfd_resolve(c->pfds, c->sess_id, name, c->installed, dn != 0, &fl, &nf) == 0) {
		if ((app[(*n)++] = dn) == 0)
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_APP_ID,
				      "PDR %u: Application ID %s has no PFDs and is no local DN of UPF %s", p->id, name,
				      c->upf->name);
		return 0;
	}
	/* a session's apps are bounded by its PDRs' filters and one app each
	 * (pf_ucomp's took) */
	if ((nf + p->n_sdf + p->n_ethf) * nq > PF_SESS_SDF_MAX + 1)
		return refuse(e, -ENOSPC, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_APP_ID,
			      "PDR %u: its Application ID's %d PFD flows and its filters are past %d apps", p->id, nf,
			      PF_SESS_SDF_MAX + 1);
	for (int k = 0; k < nf; k++)
		for (int j = 0; j < nq; j++) {
			if ((rc = ids->app(ids->arg, fl[k].af ? fl[k].af : AF_INET, pf_flow_remote(&fl[k]), fl[k].proto,
					   qfi[j], prio, &app[*n])) < 0)
				return refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_APP_ID,
					      "PDR %u: no application id left for its Application ID %s's PFDs", p->id, name);
			*n = add_app(app, *n);
		}
	return 0;
}

static int
rule_terms(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *p, bool ul, bool by_qfi,
	   const struct pf_map_ids *ids, json_t *out, json_t *seen, uint32_t *ambr, struct pf_map_err *e)
{
	uint16_t app[RULE_APPS_MAX], prio = (uint16_t)(p->precedence > 65000 ? 1 : 65001 - p->precedence);
	uint8_t qfi[64];
	struct term t = { 0 };
	int rc, n = 0, nq = qfis_of(p, by_qfi, qfi);

	if ((rc = term_of(c, s, p, ul, ids, out, seen, &t, ambr, e)) < 0)
		goto out;
	if (p->app != 0 && (rc = app_id_apps(c, p, qfi, nq, prio, ids, app, &n, e)) < 0)
		goto out;
	if (pf_map_is_eth(s) && ul && (rc = eth_term(p, &t, e)) < 0)
		goto out;
	_Static_assert(PF_SESS_ETHF_MAX <= PF_SESS_SDF_MAX, "app[] holds a PDR's filters");
	for (int k = 0; k < p->n_ethf; k++) {
		if ((rc = ids->eth_app(ids->arg, &p->ethf[k], ul, prio, &app[n])) == -E2BIG) {
			rc = refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_ETH_PACKET_FILTER,
				    "PDR %u: its Ethernet Packet Filter's MAC ranges are past %d classifier entries",
				    p->id, PF_ETHAPP_MATCHES_MAX);
			goto out;
		}
		if (rc < 0) {
			rc = refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_ETH_PACKET_FILTER,
				    "PDR %u: no application id left for its Ethernet Packet Filter", p->id);
			goto out;
		}
		n = add_app(app, n);
	}
	if ((p->n_sdf ? p->n_sdf : 1) * nq > RULE_APPS_MAX - 1) {
		rc = refuse(e, -ENOSPC, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_QFI,
			    "PDR %u: its SDF Filters times its QFIs are past %d apps", p->id, RULE_APPS_MAX - 1);
		goto out;
	}
	for (int k = 0; k < p->n_sdf; k++) {
		const struct pf_sdf_rule *r = &p->sdf[k];

		if (!r->has_fd) {   /* SPI, flow label, ToS alone: not a classifier of ours */
			rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_SDF_FILTER,
				    "PDR %u: an SDF Filter without a Flow Description is not classified", p->id);
			goto out;
		}
		for (int j = 0; j < nq; j++) {
			if ((rc = ids->app(ids->arg, r->flow.af ? r->flow.af : AF_INET, pf_flow_remote(&r->flow),
					   r->flow.proto, qfi[j], prio, &app[n])) < 0) {
				rc = refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_SDF_FILTER,
					    "PDR %u: no application id left for its SDF Filter", p->id);
				goto out;
			}
			n = add_app(app, n);
		}
	}
	/* told apart by its QFIs alone: an app of each, of any remote side, either family */
	if (by_qfi && p->n_sdf == 0) {
		static const struct pf_flow_end any = { .any = true };

		for (int j = 0; j < nq; j++) {
			if ((rc = ids->app(ids->arg, 0, &any, 0, qfi[j], prio, &app[n])) < 0) {
				rc = refuse(e, rc, PF_CAUSE_NO_RESOURCES, PF_RULE_PDR, p->id, PF_IE_QFI,
					    "PDR %u: no application id left for its QFIs", p->id);
				goto out;
			}
			n = add_app(app, n);
		}
	}
	for (int k = 0; k < n; k++)
		json_array_append_new(out, upd(ul ? UP_T_TERMINATIONS_UPLINK : UP_T_TERMINATIONS_DOWNLINK,
					       json_pack("{s:I,s:i}", UP_F_SESSION, (json_int_t)c->sess_id, UP_F_APP,
							 app[k]), t.action, json_deep_copy(t.params), p->id));
out:
	json_decref(t.params);
	return rc;
}

/* The session entry of tunnel or UE PDR @d (the default of its group)
 * and the terminations of the group's rule PDRs. */
static int
group(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *like,
      bool (*match)(const struct pf_pdr *, const struct pf_pdr *), bool ul, const struct pf_map_ids *ids,
      json_t *out, json_t *seen, json_t *sess_entries, struct pf_map_err *e)
{
	bool tunnel = match == same_ul_tunnel || match == same_n9_tunnel;
	const struct pf_pdr *d = default_of(s, match, like, tunnel);
	struct term t = { .action = UP_A_DROP };
	uint32_t ambr = 0, rule_ambr = 0;
	bool rules = false;
	int rc = qfi_check(s, match, like, tunnel, e);

	for (int i = 0; i < s->n_pdr && rc == 0; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		bool by_qfi = tunnel && qfi_told(s, match, like, p);

		if (match(p, like) && (is_rule(p) || by_qfi) && !cp_skipped(c, s, p)) {
			rules = true;
			rc = rule_terms(c, s, p, ul, by_qfi, ids, out, seen, &rule_ambr, e);
		}
	}
	if (rc < 0)
		return rc;
	if (d != NULL && (rc = term_of(c, s, d, ul, ids, out, seen, &t, &ambr, e)) < 0) {
		json_decref(t.params);
		return rc;
	}
	if (t.params == NULL)
		t.params = json_object();
	/* the AMBR is every PDR's of the direction: the rules' when there is no default */
	if (ambr == 0)
		ambr = rule_ambr;
	json_object_set_new(sess_entries, "action", json_string(t.action));
	json_object_set_new(sess_entries, "params", session_params(c, &t, ambr, rules));
	if (pf_map_is_eth(s))   /* its T-PDUs are frames, whatever its own action */
		json_object_set_new(json_object_get(sess_entries, "params"), UP_F_ETH, json_integer(1));
	json_object_set_new(sess_entries, "pdr", json_integer(d ? d->id : like->id));
	json_decref(t.params);
	return 0;
}

static bool
same_ue_ip(const struct pf_ue_ip *a, const struct pf_ue_ip *b)
{
	return a->has_v4 == b->has_v4 && a->has_v6 == b->has_v6 && (!a->has_v4 || memcmp(a->v4, b->v4, 4) == 0) &&
	       (!a->has_v6 || memcmp(a->v6, b->v6, 8) == 0);
}

/* The downlink session entries of the UE's addresses (@p's: every
 * UE-addressed PDR of the session names the same), @se's action and
 * params. */
static int
ue_entries(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_pdr *p, json_t *se, json_t *out,
	   struct pf_map_err *e)
{
	const char *act = json_string_value(json_object_get(se, "action"));
	uint16_t pdr = (uint16_t)json_integer_value(json_object_get(se, "pdr"));
	char ue[64];

	for (int k = 0; k < s->n_pdr; k++)
		if (same_ue(&s->pdr[k], p) && !same_ue_ip(&s->pdr[k].ue, &p->ue))
			return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, s->pdr[k].id, PF_IE_UE_IP,
				      "PDR %u: another UE address than PDR %u's", s->pdr[k].id, p->id);
	if (p->ue.has_v4 && !pf_upf_in_pool(c->upf, AF_INET, p->ue.v4))
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_UE_IP,
			      "PDR %u: UE %s is outside UPF %s's pool", p->id, ntop(AF_INET, p->ue.v4, ue, sizeof(ue)),
			      c->upf->name);
	if (p->ue.has_v6 && !pf_upf_in_pool(c->upf, AF_INET6, p->ue.v6))
		return refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_UE_IP,
			      "PDR %u: UE %s is outside UPF %s's IPv6 pool", p->id,
			      ntop(AF_INET6, p->ue.v6, ue, sizeof(ue)), c->upf->name);
	if (p->ue.has_v4)
		json_array_append_new(out, upd(UP_T_SESSIONS_DOWNLINK, json_pack("{s:I,s:s}", UP_F_SLICE,
					       (json_int_t)c->slice, UP_F_UE, ntop(AF_INET, p->ue.v4, ue, sizeof(ue))),
					       act, json_deep_copy(json_object_get(se, "params")), pdr));
	if (p->ue.has_v6) {
		uint8_t net[16] = { 0 };

		memcpy(net, p->ue.v6, 8);   /* the session's /64 (TS 23.501 5.8.2.2) */
		json_array_append_new(out, upd(UP_T_SESSIONS_DOWNLINK6, json_pack("{s:I,s:s}", UP_F_SLICE,
					       (json_int_t)c->slice, UP_F_UE, ntop(AF_INET6, net, ue, sizeof(ue))),
					       act, json_deep_copy(json_object_get(se, "params")), pdr));
		/* the UE's router discovery: the UPF's own answer, unless the
		 * SMF's is carried (TS 23.501 5.8.2.2.1 lets either send it) */
		if (!cp_carried(c, s))
			json_array_append_new(out, upd(UP_T_SESSIONS_RA, json_pack("{s:I}", UP_F_SESSION,
						       (json_int_t)c->sess_id), UP_A_RA,
						       json_pack("{s:s,s:s}", UP_F_PREFIX, ue, UP_F_ROUTER,
								 UP_RA_ROUTER), pdr));
	}
	return 0;
}

static uint8_t
ohr_of(const struct pf_pdr *p)
{
	/* no OHR on a tunnel PDR: decapsulated as either family arrives */
	return p->has_ohr ? p->ohr : PF_OHR_GTPU_UDP_IP;
}

/* The uplink session entry's source check (params @pp), from the PDRs of
 * @p's tunnel: a PDR naming no UE address matches any source (TS 29.244
 * 5.2.1), so one of them makes the session's any_src; otherwise the
 * sources are the UE's (its IPv4 address, the first a PDR names; IPv6:
 * the session's /64). */
static void
ul_sources(const struct pf_session *s, const struct pf_pdr *p, json_t *pp)
{
	const uint8_t *v4 = NULL;
	bool any = false;
	char ue[64];

	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *q = &s->pdr[i];

		if (!same_ul_tunnel(q, p))
			continue;
		if (!q->has_ue_ip)
			any = true;
		else if (q->ue.has_v4 && v4 == NULL)
			v4 = q->ue.v4;
	}
	json_object_set_new(pp, UP_F_UE, json_string(v4 != NULL ? ntop(AF_INET, v4, ue, sizeof(ue)) : "0.0.0.0"));
	if (any)
		json_object_set_new(pp, UP_F_ANY_SRC, json_integer(1));
}

/* Is update u one of table's? */
static bool
of_table(json_t *u, const char *table)
{
	return strcmp(json_string_value(json_object_get(u, "table")), table) == 0;
}

/* A session of one uplink app (the common case: a local DN's app broken
 * out): its terminations_uplink entry goes inline into its sessions_uplink
 * entries (app, app_action, app_*; up_state.h), where sxdp finds it with
 * the session, one lookup a packet where there were two. Not one whose
 * URR has a usage threshold: sxdp watches those in terminations_uplink. */
static void
fold_one_app(json_t *out)
{
	static const char *const actions[] = UP_UL_ACTION_NAMES;
	static const struct { const char *from, *to; } far[] = {
		{ UP_F_METER, UP_F_APP_METER }, { UP_F_TEID, UP_F_APP_TEID }, { UP_F_REDIRECT, UP_F_APP_TEID },
		{ UP_F_URR, UP_F_APP_URR }, { UP_F_PEER, UP_F_APP_PEER }, { UP_F_QFI, UP_F_APP_QFI },
	};
	json_t *term = NULL, *u, *tp, *inl;
	json_int_t app = 0;
	int action = -1;
	bool sess = false;
	size_t i;

	json_array_foreach(out, i, u) {
		sess |= of_table(u, UP_T_SESSIONS_UPLINK);
		if (!of_table(u, UP_T_TERMINATIONS_UPLINK))
			continue;
		if (term != NULL && !json_equal(json_object_get(u, "match"), json_object_get(term, "match")))
			return;   /* two apps */
		term = u;
	}
	if (term == NULL || !sess)
		return;
	tp = json_object_get(term, "params");
	if (json_integer_value(json_object_get(tp, UP_F_THRESHOLD)) != 0)
		return;
	{
		const char *k;
		json_t *v;

		json_object_foreach(tp, k, v) {   /* a param the inline one has no room for: left as it is */
			bool known = strcmp(k, UP_F_THRESHOLD) == 0;

			for (unsigned int f = 0; f < sizeof(far) / sizeof(far[0]); f++)
				known |= strcmp(k, far[f].from) == 0;
			if (!known)
				return;
		}
	}
	for (unsigned int a = 0; a < sizeof(actions) / sizeof(actions[0]); a++)
		if (strcmp(json_string_value(json_object_get(term, "action")), actions[a]) == 0)
			action = (int)a;
	if (action < 0)
		return;
	app = json_integer_value(json_object_get(json_object_get(term, "match"), UP_F_APP));
	inl = json_pack("{s:I}", UP_F_APP, app);
	if (action != 0)   /* as sxdp reads an entry back: no param of 0 */
		json_object_set_new(inl, UP_F_APP_ACTION, json_integer(action));
	for (unsigned int f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
		json_t *v = json_object_get(tp, far[f].from);

		if (v != NULL && json_integer_value(v) != 0)
			json_object_set(inl, far[f].to, v);
	}
	json_array_foreach(out, i, u)
		if (of_table(u, UP_T_SESSIONS_UPLINK))
			json_object_update(json_object_get(u, "params"), inl);
	json_decref(inl);
	/* the terminations_uplink entries it stood for (one app: one key) */
	for (i = json_array_size(out); i-- > 0;)
		if (of_table(json_array_get(out, i), UP_T_TERMINATIONS_UPLINK))
			json_array_remove(out, i);
}

int
pf_map_session(const struct pf_map_ctx *c, const struct pf_session *s, const struct pf_map_ids *ids,
	       json_t *out, struct pf_map_err *e)
{
	json_t *seen = json_object(), *done = json_object(), *se = json_object();
	bool eth = pf_map_is_eth(s);
	char key[64];
	int rc = 0;

	if ((rc = eth ? eth_check(c, s, e) : ip_check(s, e)) < 0)
		goto out;
	for (int i = 0; i < s->n_pdr && rc == 0; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		json_object_clear(se);
		if (p->src_iface == PF_IF_CP && cp_skipped(c, s, p))
			continue;   /* SMF-bound GTP-U: not carried (pf_map.h) */
		if (p->src_iface == PF_IF_ACCESS) {
			if (!p->has_fteid) {
				rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
					    "PDR %u: uplink from Access comes in a tunnel: it needs an F-TEID", p->id);
				break;
			}
			if (p->fteid.has_v4 != (c->upf->n3.af == AF_INET) ||
			    memcmp(p->fteid.has_v4 ? p->fteid.v4 : p->fteid.v6, c->upf->n3.addr,
				   p->fteid.has_v4 ? 4 : 16) != 0) {
				rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
					    "PDR %u: uplink over N9 (an F-TEID of the n9 link) is not terminated here",
					    p->id);
				break;
			}
			snprintf(key, sizeof(key), "ul/%u", p->fteid.teid);
			if (json_object_get(done, key) != NULL)
				continue;
			json_object_set_new(done, key, json_true());
			if ((rc = group(c, s, p, same_ul_tunnel, true, ids, out, seen, se, e)) < 0)
				break;
			const struct pf_pdr *d = pf_sess_pdr(s, (uint16_t)json_integer_value(json_object_get(se, "pdr")));
			json_t *pp = json_object_get(se, "params");

			json_object_set_new(pp, UP_F_OHR, json_integer(ohr_of(d)));
			if (eth && (rc = eth_uplink(d, se, e)) < 0)
				break;
			if (!eth)
				ul_sources(s, p, pp);
			json_array_append_new(out, upd(UP_T_SESSIONS_UPLINK, json_pack("{s:i,s:I}", UP_F_IFACE,
							(int)c->upf->n3.id, UP_F_TEID, (json_int_t)p->fteid.teid),
						       json_string_value(json_object_get(se, "action")),
						       json_incref(pp), d->id));
			continue;
		}
		if (p->src_iface != PF_IF_CORE && p->src_iface != PF_IF_N6_LAN && p->src_iface != PF_IF_CP) {
			rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_SRC_IFACE,
				    "PDR %u: source interface %u is not one this UPF has", p->id, p->src_iface);
			break;
		}
		if (p->has_fteid) {   /* downlink from the anchor (or the SMF), over N9 */
			if (!c->upf->n9.present || p->fteid.has_v4 != (c->upf->n9.af == AF_INET) ||
			    memcmp(p->fteid.has_v4 ? p->fteid.v4 : p->fteid.v6, c->upf->n9.addr,
				   p->fteid.has_v4 ? 4 : 16) != 0) {
				rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_FTEID,
					    "PDR %u: a downlink F-TEID is one of the n9 link's (UPF %s)", p->id,
					    c->upf->name);
				break;
			}
			snprintf(key, sizeof(key), "n9/%u", p->fteid.teid);
			if (json_object_get(done, key) != NULL)
				continue;
			json_object_set_new(done, key, json_true());
			if ((rc = group(c, s, p, same_n9_tunnel, false, ids, out, seen, se, e)) < 0)
				break;
			json_array_append_new(out, upd(UP_T_SESSIONS_N9_DOWNLINK, json_pack("{s:i,s:I}", UP_F_IFACE,
							(int)c->upf->n9.id, UP_F_TEID, (json_int_t)p->fteid.teid),
						       json_string_value(json_object_get(se, "action")),
						       json_incref(json_object_get(se, "params")),
						       (uint16_t)json_integer_value(json_object_get(se, "pdr"))));
			continue;
		}
		if (p->ethi) {
			if (json_object_get(done, "eth") != NULL)
				continue;
			json_object_set_new(done, "eth", json_true());
			if ((rc = group(c, s, p, same_eth, false, ids, out, seen, se, e)) < 0)
				break;
			eth_entries(c, p, se, out);
			continue;
		}
		if (!p->has_ue_ip) {
			rc = refuse(e, -EINVAL, PF_CAUSE_RULE_FAILURE, PF_RULE_PDR, p->id, PF_IE_UE_IP,
				    "PDR %u: downlink from the data network needs the UE's address%s", p->id,
				    eth ? " (or, an Ethernet PDU session's, its ETHI)" : "");
			break;
		}
		if (json_object_get(done, "dl") != NULL)
			continue;
		json_object_set_new(done, "dl", json_true());
		if ((rc = group(c, s, p, same_ue, false, ids, out, seen, se, e)) < 0)
			break;
		if ((rc = ue_entries(c, s, p, se, out, e)) < 0)
			break;
	}
	if (rc == 0)
		fold_one_app(out);
out:
	json_decref(seen);
	json_decref(done);
	json_decref(se);
	return rc;
}
