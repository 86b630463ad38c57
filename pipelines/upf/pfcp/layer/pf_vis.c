/* SPDX-License-Identifier: BSD-3-Clause */
/* One UPF session on request: a PFCP session's rules or an intent's session, with its counters (see pf_vis.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cd_kind.h"
#include "cd_vis.h"
#include "pf_ethapp.h"
#include "pf_node.h"
#include "pf_ucomp.h"
#include "pf_usess.h"
#include "pf_vis.h"

#define PREFIX "upf/sessions/"

/* ------------------------------------------------------------ PFCP */

static json_t *
addr(int af, const uint8_t *a)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(inet_ntop(af, a, b, sizeof(b)) ? b : "");
}

static json_t *
name_or_null(uint16_t id)
{
	return id != 0 ? json_string(pf_sess_name(id)) : json_null();
}

static const char *
src_iface(uint8_t v)
{
	static const char *const n[] = { "access", "core", "n6_lan", "cp_function", "5g_vn_internal" };

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "other";
}

static const char *
dst_iface(uint8_t v)
{
	static const char *const n[] = { "access", "core", "n6_lan", "cp_function", "li_function",
					 "5g_vn_internal" };

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "other";
}

static json_t *
ids(const uint32_t *a, unsigned int n)
{
	json_t *o = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(o, json_integer(a[i]));
	return o;
}

static json_t *
tag(const struct pf_vlan_tag *t)
{
	json_t *o = json_object();

	if (t->flags & PF_TAG_PCP)
		json_object_set_new(o, "pcp", json_integer(t->pcp));
	if (t->flags & PF_TAG_DEI)
		json_object_set_new(o, "dei", json_integer(t->dei));
	if (t->flags & PF_TAG_VID)
		json_object_set_new(o, "vid", json_integer(t->vid));
	return o;
}

/* a PDR's Ethernet Packet Filters as the SMF sent them */
static json_t *
eth_filters(const struct pf_pdr *p)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < p->n_ethf; i++) {
		const struct pf_eth_filter *f = &p->ethf[i];
		json_t *o = json_object(), *macs = json_array();

		if (f->id)
			json_object_set_new(o, "filter_id", json_integer(f->id));
		json_object_set_new(o, "bidirectional", json_boolean(f->props & PF_ETHF_BIDE));
		if (f->has_type)
			json_object_set_new(o, "ethertype", json_integer(f->ethertype));
		if (f->has_ctag)
			json_object_set_new(o, "c_tag", tag(&f->ctag));
		if (f->has_stag)
			json_object_set_new(o, "s_tag", tag(&f->stag));
		for (unsigned int k = 0; k < f->n_mac; k++) {
			const struct pf_mac *m = &f->mac[k];
			json_t *x = json_object();

			if (m->flags & PF_MAC_SOUR)
				json_object_set_new(x, "source", pf_ethapp_mac(m->src));
			if (m->flags & PF_MAC_USOU)
				json_object_set_new(x, "source_upper", pf_ethapp_mac(m->usrc));
			if (m->flags & PF_MAC_DEST)
				json_object_set_new(x, "destination", pf_ethapp_mac(m->dst));
			if (m->flags & PF_MAC_UDES)
				json_object_set_new(x, "destination_upper", pf_ethapp_mac(m->udst));
			json_array_append_new(macs, x);
		}
		json_object_set_new(o, "macs", macs);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
pdr_json(const struct us *us, const struct pf_pdr *p)
{
	static const char *const ohr[] = { "gtpu_udp_ipv4", "gtpu_udp_ipv6", NULL, NULL, NULL, NULL, "gtpu_udp_ip" };
	json_t *o = json_object(), *q = json_array(), *sdf = json_array();

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "precedence", json_integer(p->precedence));
	json_object_set_new(o, "source_interface", json_string(src_iface(p->src_iface)));
	if (p->has_fteid) {
		json_t *f = json_pack("{s:I,s:b}", "teid", (json_int_t)p->fteid.teid, "choose", p->fteid.ch);

		if (p->fteid.has_v4)
			json_object_set_new(f, "ipv4", addr(AF_INET, p->fteid.v4));
		if (p->fteid.has_v6)
			json_object_set_new(f, "ipv6", addr(AF_INET6, p->fteid.v6));
		json_object_set_new(o, "f_teid", f);
	}
	if (p->has_ue_ip) {
		json_t *u = json_object();

		if (p->ue.has_v4)
			json_object_set_new(u, "ipv4", addr(AF_INET, p->ue.v4));
		if (p->ue.has_v6)
			json_object_set_new(u, "ipv6", addr(AF_INET6, p->ue.v6));
		json_object_set_new(o, "ue_ip", u);
	}
	json_object_set_new(o, "network_instance", name_or_null(p->ni));
	json_object_set_new(o, "application", name_or_null(p->app));
	for (unsigned int i = 0; i < p->n_sdf; i++) {
		const struct pf_sdf_rule *r = &p->sdf[i];
		json_t *f = json_object();

		if (r->has_fd)
			json_object_set_new(f, "protocol", json_integer(r->flow.proto));
		if (r->flags & 0x04)
			json_object_set_new(f, "spi", json_integer(r->spi));
		if (r->flags & 0x08)
			json_object_set_new(f, "flow_label", json_integer(r->flow_label));
		if (r->flags & 0x10)
			json_object_set_new(f, "filter_id", json_integer(r->filter_id));
		json_array_append_new(sdf, f);
	}
	json_object_set_new(o, "sdf_filters", sdf);
	if (p->n_ethf > 0)
		json_object_set_new(o, "ethernet_filters", eth_filters(p));
	for (unsigned int i = 0; i < 64; i++)
		if (p->qfi_mask & (1ull << i))
			json_array_append_new(q, json_integer(i));
	json_object_set_new(o, "qfi", q);
	json_object_set_new(o, "outer_header_removal",
			    p->has_ohr && p->ohr < sizeof(ohr) / sizeof(ohr[0]) && ohr[p->ohr] ? json_string(ohr[p->ohr])
											    : json_null());
	json_object_set_new(o, "far", json_integer(p->far_id));
	json_object_set_new(o, "qers", ids(p->qer, p->n_qer));
	json_object_set_new(o, "urrs", ids(p->urr, p->n_urr));
	/* the sxdp counter its packets are counted in (0: none) */
	json_object_set_new(o, "counter", json_integer(pf_ucomp_ctr_of((void *)us, p->id)));
	return o;
}

static json_t *
apply_words(uint16_t a)
{
	static const struct { uint16_t bit; const char *w; } b[] = {
		{ PF_AA_DROP, "DROP" }, { PF_AA_FORW, "FORW" }, { PF_AA_BUFF, "BUFF" }, { PF_AA_NOCP, "NOCP" },
		{ PF_AA_DUPL, "DUPL" },
	};
	json_t *o = json_array();

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (a & b[i].bit)
			json_array_append_new(o, json_string(b[i].w));
	return o;
}

static json_t *
far_json(const struct pf_far *f)
{
	json_t *o = json_pack("{s:I,s:o}", "id", (json_int_t)f->id, "apply_action", apply_words(f->apply));

	if (f->has_fwd) {
		json_object_set_new(o, "destination_interface", json_string(dst_iface(f->dst_iface)));
		json_object_set_new(o, "network_instance", name_or_null(f->ni));
	}
	if (f->has_ohc) {
		json_t *c = json_pack("{s:I}", "teid", (json_int_t)f->ohc.teid);

		if (f->ohc.desc & PF_OHC_GTPU_UDP_IPV4)
			json_object_set_new(c, "ipv4", addr(AF_INET, f->ohc.v4));
		if (f->ohc.desc & PF_OHC_GTPU_UDP_IPV6)
			json_object_set_new(c, "ipv6", addr(AF_INET6, f->ohc.v6));
		json_object_set_new(o, "outer_header_creation", c);
	}
	if (f->has_tlm)
		json_object_set_new(o, "transport_level_marking", json_integer(f->tos));
	if (f->has_bar)
		json_object_set_new(o, "bar", json_integer(f->bar_id));
	return o;
}

static json_t *
qer_json(const struct pf_qer *q)
{
	json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)q->id, "gate_ul",
			      q->gate_ul == PF_GATE_CLOSED ? "closed" : "open", "gate_dl",
			      q->gate_dl == PF_GATE_CLOSED ? "closed" : "open");

	if (q->has_mbr)
		json_object_set_new(o, "mbr_kbps", json_pack("{s:I,s:I}", "ul", (json_int_t)q->mbr.ul, "dl",
							    (json_int_t)q->mbr.dl));
	if (q->has_gbr)
		json_object_set_new(o, "gbr_kbps", json_pack("{s:I,s:I}", "ul", (json_int_t)q->gbr.ul, "dl",
							    (json_int_t)q->gbr.dl));
	if (q->has_qfi)
		json_object_set_new(o, "qfi", json_integer(q->qfi));
	if (q->has_corr)
		json_object_set_new(o, "correlation", json_integer(q->corr));
	return o;
}

static json_t *
volume(const struct pf_volume *v)
{
	json_t *o = json_object();

	if (v->flags & 1)
		json_object_set_new(o, "total", json_integer((json_int_t)v->total));
	if (v->flags & 2)
		json_object_set_new(o, "ul", json_integer((json_int_t)v->ul));
	if (v->flags & 4)
		json_object_set_new(o, "dl", json_integer((json_int_t)v->dl));
	return o;
}

static json_t *
urr_json(const struct pf_urr *u)
{
	static const struct { uint32_t bit; const char *w; } t[] = {
		{ PF_RT_PERIO, "PERIO" }, { PF_RT_VOLTH, "VOLTH" }, { PF_RT_TIMTH, "TIMTH" },
		{ PF_RT_QUHTI, "QUHTI" }, { PF_RT_START, "START" }, { PF_RT_STOPT, "STOPT" },
		{ PF_RT_DROTH, "DROTH" }, { PF_RT_LIUSA, "LIUSA" }, { PF_RT_VOLQU, "VOLQU" },
		{ PF_RT_TIMQU, "TIMQU" }, { PF_RT_ENVCL, "ENVCL" }, { PF_RT_EVETH, "EVETH" },
		{ PF_RT_EVEQU, "EVEQU" }, { PF_RT_QUVTI, "QUVTI" }, { PF_RT_UPINT, "UPINT" },
	};
	json_t *m = json_array(), *tr = json_array(), *o;

	if (u->method & PF_MM_DURAT)
		json_array_append_new(m, json_string("duration"));
	if (u->method & PF_MM_VOLUM)
		json_array_append_new(m, json_string("volume"));
	if (u->method & PF_MM_EVENT)
		json_array_append_new(m, json_string("event"));
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (u->triggers & t[i].bit)
			json_array_append_new(tr, json_string(t[i].w));
	o = json_pack("{s:I,s:o,s:o}", "id", (json_int_t)u->id, "measurement_method", m, "reporting_triggers", tr);
	if (u->has_vol_thresh)
		json_object_set_new(o, "volume_threshold_bytes", volume(&u->vol_thresh));
	if (u->has_vol_quota)
		json_object_set_new(o, "volume_quota_bytes", volume(&u->vol_quota));
	if (u->time_thresh)
		json_object_set_new(o, "time_threshold_s", json_integer(u->time_thresh));
	if (u->time_quota)
		json_object_set_new(o, "time_quota_s", json_integer(u->time_quota));
	if (u->meas_period)
		json_object_set_new(o, "measurement_period_s", json_integer(u->meas_period));
	return o;
}

/* PFCP session @seid of SMF @node (pf_assoc_name's): its rules (new),
 * *@sess_id sxdp's id of it; NULL: none such. */
static json_t *
pfcp_session(const char *node, uint64_t seid, uint32_t *sess_id)
{
	struct pf_up *up = pf_up_state_current();
	struct us *us = up != NULL ? pf_usess_find(up, seid) : NULL;

	if (us == NULL || us->assoc == NULL || us->s == NULL || strcmp(pf_assoc_name(us->assoc), node) != 0)
		return NULL;
	*sess_id = us->sess_id;
	return pf_vis_session(us);
}

json_t *
pf_vis_session(const struct us *us)
{
	const struct pf_session *s = us->s;
	json_t *pdrs = json_array(), *fars = json_array(), *qers = json_array(), *urrs = json_array(), *o;

	for (unsigned int i = 0; i < s->n_pdr; i++)
		json_array_append_new(pdrs, pdr_json(us, &s->pdr[i]));
	for (unsigned int i = 0; i < s->n_far; i++)
		json_array_append_new(fars, far_json(&s->far[i]));
	for (unsigned int i = 0; i < s->n_qer; i++)
		json_array_append_new(qers, qer_json(&s->qer[i]));
	for (unsigned int i = 0; i < s->n_urr; i++)
		json_array_append_new(urrs, urr_json(&s->urr[i]));
	o = json_pack("{s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:o}", "source", "pfcp", "smf", pf_assoc_name(us->assoc),
		      "seid", (json_int_t)us->seid,
		      "upf", us->upf != NULL ? us->upf->u.name : us->upf_name != NULL ? us->upf_name : "",
		      "pdrs", pdrs, "fars", fars, "qers", qers, "urrs", urrs);
	json_object_set_new(o, "cp_seid", json_integer((json_int_t)s->cp.seid));
	json_object_set_new(o, "pdn_type", s->pdn_type ? json_integer(s->pdn_type) : json_null());
	json_object_set_new(o, "bar", s->bar.present ?
			    json_pack("{s:i,s:I,s:i}", "id", s->bar.id, "dl_notification_delay_ms",
				      (json_int_t)s->bar.dl_notif_delay * 50, "suggested_packets", s->bar.sugg_pkts) :
			    json_null());
	return o;
}

/* ------------------------------------------------------------ intents */

/* An upf intent's session in the PFCP terms: the uplink PDR (its N3 TEID),
 * the downlink PDRs (its UE address from N6, its N9 TEID from the anchor),
 * the uplink FAR (N6, or the anchor's tunnel), the downlink FAR (the gNB's
 * tunnel, buffer, notify or drop), its AMBR as a QER and its two URRs (the
 * ids sxdp counts them under). */
static void
intent_rules(struct cd_res *r, const char *name, json_t *ss, json_t *o)
{
	json_t *ul = json_object_get(ss, "uplink"), *dl = json_object_get(ss, "downlink");
	json_t *an = json_object_get(ss, "anchor"), *ue = json_object();
	json_t *pdrs = json_array(), *fars = json_array(), *qers = json_array(), *urrs = json_array();
	json_int_t id = json_integer_value(json_object_get(ss, "id")), thr;
	const char *gate = json_string_value(json_object_get(ss, "gate"));
	const char *state = json_string_value(json_object_get(dl, "state"));
	bool closed = gate != NULL && strcmp(gate, "closed") == 0;
	char key[400];
	json_int_t urr_ul, urr_dl;
	json_t *qer = json_array(), *far;

	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/ul", name, id);
	urr_ul = cd_vis_id(r, "upf-urr", key);
	snprintf(key, sizeof(key), "upf/%s/%" JSON_INTEGER_FORMAT "/dl", name, id);
	urr_dl = cd_vis_id(r, "upf-urr", key);
	if (json_object_get(ss, "ue") != NULL)
		json_object_set(ue, "ipv4", json_object_get(ss, "ue"));
	if (json_object_get(ss, "ue6") != NULL)
		json_object_set(ue, "ipv6", json_object_get(ss, "ue6"));
	if (json_object_get(ss, "ambr_ul_bps") != NULL || json_object_get(ss, "ambr_dl_bps") != NULL || closed) {
		json_t *q = json_pack("{s:i,s:s,s:s}", "id", 1, "gate_ul", closed ? "closed" : "open", "gate_dl",
				      closed ? "closed" : "open");

		json_object_set_new(q, "mbr_kbps", json_pack("{s:I,s:I}", "ul",
			json_integer_value(json_object_get(ss, "ambr_ul_bps")) / 1000, "dl",
			json_integer_value(json_object_get(ss, "ambr_dl_bps")) / 1000));
		json_array_append_new(qers, q);
		json_array_append_new(qer, json_integer(1));
	}
	json_array_append_new(pdrs, json_pack("{s:i,s:s,s:{s:O*},s:O,s:s,s:i,s:O,s:[I]}", "id", 1,
		"source_interface", "access", "f_teid", "teid", json_object_get(ul, "teid"), "ue_ip", ue,
		"outer_header_removal", json_string_value(json_object_get(ul, "ohr")) ?: "ipv4", "far", 1,
		"qers", qer, "urrs", urr_ul));
	json_array_append_new(pdrs, json_pack("{s:i,s:s,s:O,s:i,s:O,s:[I]}", "id", 2, "source_interface", "core",
		"ue_ip", ue, "far", 2, "qers", qer, "urrs", urr_dl));
	if (an != NULL)
		json_array_append_new(pdrs, json_pack("{s:i,s:s,s:{s:O*},s:i,s:O,s:[I]}", "id", 3, "source_interface",
			"core", "f_teid", "teid", json_object_get(an, "n9_teid"), "far", 2, "qers", qer, "urrs", urr_dl));
	if (closed)
		far = json_pack("{s:i,s:[s]}", "id", 1, "apply_action", "DROP");
	else if (an != NULL)
		far = json_pack("{s:i,s:[s],s:s,s:{s:O*,s:O*,s:O*}}", "id", 1, "apply_action", "FORW",
				"destination_interface", "core", "outer_header_creation", "teid",
				json_object_get(an, "teid"), "peer", json_object_get(an, "peer"), "qfi",
				json_object_get(an, "qfi"));
	else
		far = json_pack("{s:i,s:[s],s:s}", "id", 1, "apply_action", "FORW", "destination_interface", "n6_lan");
	json_array_append_new(fars, far);
	state = closed ? "drop" : state != NULL ? state : "forward";
	if (strcmp(state, "forward") == 0)
		far = json_pack("{s:i,s:[s],s:s,s:{s:O*,s:O*,s:O*}}", "id", 2, "apply_action", "FORW",
				"destination_interface", "access", "outer_header_creation", "teid",
				json_object_get(dl, "teid"), "peer", json_object_get(dl, "peer"), "qfi",
				json_object_get(dl, "qfi"));
	else
		far = json_pack("{s:i,s:[s]}", "id", 2, "apply_action", strcmp(state, "buffer") == 0 ? "BUFF" :
				strcmp(state, "notify") == 0 ? "NOCP" : "DROP");
	json_array_append_new(fars, far);
	thr = json_integer_value(json_object_get(ss, "usage_threshold_bytes"));
	for (int d = 0; d < 2; d++) {
		json_t *u = json_pack("{s:I,s:s,s:[s],s:[]}", "id", d ? urr_dl : urr_ul, "direction",
				      d ? "downlink" : "uplink", "measurement_method", "volume", "reporting_triggers");

		if (thr > 0) {
			json_array_append_new(json_object_get(u, "reporting_triggers"), json_string("VOLTH"));
			json_object_set_new(u, "volume_threshold_bytes", json_pack("{s:I}", "total", thr));
		}
		json_array_append_new(urrs, u);
	}
	json_object_set_new(o, "pdrs", pdrs);
	json_object_set_new(o, "fars", fars);
	json_object_set_new(o, "qers", qers);
	json_object_set_new(o, "urrs", urrs);
	json_decref(ue);
	json_decref(qer);
}

/* ------------------------------------------------------------ the item */

/* A decimal 1..UINT64_MAX, all of @s. */
static bool
dec_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0;
}

static int
session_find(struct cd_res *r, const char *id, json_t **doc, json_t **calls, char *msg, size_t len)
{
	const char *slash = strrchr(id, '/'), *name;
	char head[320];
	uint64_t n;
	uint32_t sid = 0;

	if (slash == NULL || !dec_u64(slash + 1, &n) || (size_t)(slash - id) >= sizeof(head) ||
	    (strncmp(id, "pfcp/", 5) != 0 && strncmp(id, "upf/", 4) != 0)) {
		snprintf(msg, len, "a session is pfcp/NODE/SEID or upf/NAME/ID (decimal, not 0), not '%.64s'", id);
		return 400;
	}
	snprintf(head, sizeof(head), "%.*s", (int)(slash - id), id);
	if (strncmp(id, "pfcp/", 5) == 0) {
		name = head + 5;
		if (*name == '\0') {
			snprintf(msg, len, "pfcp/NODE/SEID names the SMF's Node ID");
			return 400;
		}
		if ((*doc = pfcp_session(name, n, &sid)) == NULL) {
			snprintf(msg, len, "no PFCP session %" PRIu64 " of SMF %.64s", n, name);
			return 404;
		}
	} else {
		json_t *it, *ss = NULL, *s;
		size_t i;

		name = head + 4;
		if (*name == '\0' || strchr(name, '/') != NULL || n > 8388607) {
			snprintf(msg, len, "upf/NAME/ID: an upf intent's name and a session id 1..8388607");
			return 400;
		}
		if ((it = cd_vis_doc(r, "upf", name)) == NULL) {
			snprintf(msg, len, "no upf intent %.64s", name);
			return 404;
		}
		json_array_foreach(json_object_get(json_object_get(it, "spec"), "sessions"), i, s)
			if ((uint64_t)json_integer_value(json_object_get(s, "id")) == n)
				ss = s;
		if (ss == NULL) {
			json_decref(it);
			snprintf(msg, len, "upf intent %.64s has no session %" PRIu64, name, n);
			return 404;
		}
		*doc = json_pack("{s:s,s:s+,s:O*,s:O*,s:O}", "source", "intent", "intent", "upf/", name, "slice",
				 json_object_get(json_object_get(it, "spec"), "slice"), "phase",
				 json_object_get(json_object_get(it, "status"), "phase"), "spec", ss);
		intent_rules(r, name, ss, *doc);
		json_decref(it);
		sid = (uint32_t)n;
	}
	json_object_set_new(*doc, "id", json_string(id));
	json_object_set_new(*doc, "session", json_integer(sid));
	*calls = json_pack("{s:[s,{s:I}]}", "usage", "upf.usage", "session", (json_int_t)sid);
	return 200;
}

/* Its terminations' counters as sxdp has them, and per direction their
 * sum (a URR two of its entries share counted once). */
static void
session_amend(const struct cd_vis_in *in, json_t *doc)
{
	json_t *t = json_object_get(json_object_get(in->res, "usage"), "terminations"), *row, *seen;
	json_int_t p[2] = { 0, 0 }, b[2] = { 0, 0 };
	char k[32];
	size_t i;

	if (!json_is_array(t)) {
		json_object_set_new(doc, "counters", json_null());
		return;
	}
	seen = json_object();
	json_array_foreach(t, i, row) {
		int d = strcmp(json_string_value(json_object_get(row, "direction")) ?: "", "uplink") == 0 ? 0 : 1;

		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(row, "urr")));
		if (json_object_get(seen, k) != NULL)
			continue;
		json_object_set_new(seen, k, json_true());
		p[d] += json_integer_value(json_object_get(row, "packets"));
		b[d] += json_integer_value(json_object_get(row, "bytes"));
	}
	json_decref(seen);
	json_object_set_new(doc, "counters", json_pack("{s:{s:I,s:I},s:{s:I,s:I},s:O}", "uplink", "packets", p[0],
						       "bytes", b[0], "downlink", "packets", p[1], "bytes", b[1],
						       "terminations", t));
}

static const struct cd_vis_item up_session_item = {
	.prefix = PREFIX, .find = session_find, .amend = session_amend,
};
CD_VIS_ITEM_REGISTER(up_session_item)
