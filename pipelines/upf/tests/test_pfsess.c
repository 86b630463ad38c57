/* Unit tests of the PFCP session model (pipelines/upf/pfcp/session/pf_sess, proto/pfcp/pf_flow): flow
 * descriptions good, bad and cut short; an establishment read field by field; every
 * check's cause, offending IE and failed rule; modifications adding, removing and
 * updating each rule type, a path switch with an end marker, buffering on and off; the
 * current session untouched by any modification; interned names all released; the
 * memory of a typical session. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pf_codec.h"
#include "pf_flow.h"
#include "pf_sess.h"
#include "pf_test_msgs.h"

/* ---- flow descriptions ---- */

/* parse from an exact-size heap copy without a NUL, so an over-read is caught */
static int
flow(const char *s, size_t n, struct pf_flow *f)
{
	char *c = malloc(n ? n : 1);
	int rc;

	ck_assert_ptr_nonnull(c);
	memcpy(c, s, n);
	rc = pf_flow_parse(c, n, f);
	free(c);
	return rc;
}

static int
flow_s(const char *s, struct pf_flow *f)
{
	return flow(s, strlen(s), f);
}

static const char *good_flows[] = {
	"permit out ip from any to assigned",
	"permit out 17 from 10.60.0.0/16 8000-8080 to assigned",
	"permit out ip from 2001:db8::/32 to assigned",
	"permit out 6 from 192.0.2.1 80,443 to 10.45.0.2",
	"permit in 6 from assigned 1000-2000,3000 to 198.51.100.0/24 443",
	"permit out 0 from any to any",
	"permit out 255 from 2001:db8::1 to 2001:db8::2/128 1,2,3,4,5,6,7,8",
	"  permit\tout ip  from any   to assigned  ",
	"permit out ip from 0.0.0.0/0 to assigned",
};

START_TEST(flow_good)
{
	struct pf_flow f;
	unsigned i;

	for (i = 0; i < sizeof(good_flows) / sizeof(good_flows[0]); i++)
		ck_assert_msg(flow_s(good_flows[i], &f) == 0, "refused: %s", good_flows[i]);
	ck_assert_int_eq(flow_s(good_flows[0], &f), 0);
	ck_assert(f.dir == PF_FLOW_OUT && f.proto == 0 && f.af == 0 && f.src.any && f.dst.assigned);
	ck_assert(pf_flow_ue(&f) == &f.dst && pf_flow_remote(&f) == &f.src);

	ck_assert_int_eq(flow_s(good_flows[1], &f), 0);
	ck_assert(f.proto == 17 && f.af == AF_INET && f.src.plen == 16 && f.src.addr[0] == 10 &&
		f.src.addr[1] == 60 && f.src.n_ports == 1 && f.src.ports[0][0] == 8000 &&
		f.src.ports[0][1] == 8080 && f.dst.assigned && f.dst.n_ports == 0);

	ck_assert_int_eq(flow_s(good_flows[2], &f), 0);
	ck_assert(f.af == AF_INET6 && f.src.plen == 32 && f.src.addr[0] == 0x20 && f.src.addr[1] == 0x01 &&
		f.src.addr[2] == 0x0d && f.src.addr[3] == 0xb8 && f.src.addr[4] == 0);

	ck_assert_int_eq(flow_s(good_flows[3], &f), 0);
	ck_assert(f.proto == 6 && f.src.plen == 32 && f.src.n_ports == 2 && f.src.ports[0][0] == 80 &&
		f.src.ports[0][1] == 80 && f.src.ports[1][0] == 443 && f.dst.addr[3] == 2 && f.dst.plen == 32);
	/* no "assigned": the direction says; "out": the UE is "to" */
	ck_assert(pf_flow_ue(&f) == &f.dst);

	/* "in": swapped */
	ck_assert_int_eq(flow_s(good_flows[4], &f), 0);
	ck_assert(f.dir == PF_FLOW_IN && pf_flow_ue(&f) == &f.src && pf_flow_remote(&f) == &f.dst);
	ck_assert(f.src.n_ports == 2 && f.src.ports[1][0] == 3000 && f.dst.ports[0][0] == 443);
	ck_assert_int_eq(flow_s("permit in ip from 10.0.0.1 to any", &f), 0);
	ck_assert(pf_flow_ue(&f) == &f.src);
	/* "assigned" wins over the direction */
	ck_assert_int_eq(flow_s("permit in ip from any to assigned", &f), 0);
	ck_assert(pf_flow_ue(&f) == &f.dst);

	ck_assert_int_eq(flow_s(good_flows[6], &f), 0);
	ck_assert(f.proto == 255 && f.dst.n_ports == 8 && f.dst.ports[7][1] == 8);
	/* host bits past the prefix cleared */
	ck_assert_int_eq(flow_s("permit out ip from 10.60.7.9/12 to assigned", &f), 0);
	ck_assert(f.src.addr[0] == 10 && f.src.addr[1] == 48 && f.src.addr[2] == 0 && f.src.addr[3] == 0);
	/* the length bounds the string even with no NUL where it ends */
	ck_assert_int_eq(pf_flow_parse("permit out ip from any to assignedXYZ", 34, &f), 0);
	ck_assert(f.dst.assigned);
}
END_TEST

START_TEST(flow_bad)
{
	static const char *bad[] = {
		"", "permit", "deny out ip from any to assigned", "permit up ip from any to assigned",
		"permit out tcp from any to assigned", "permit out 256 from any to assigned",
		"permit out -1 from any to assigned", "permit out 0017 from any to assigned",
		"permit out ip to assigned", "permit out ip from any", "permit out ip from any to",
		"permit out ip from any assigned", "permit out ip from any to assigned frag",
		"permit out 6 from any to assigned established", "permit out ip from !10.0.0.1 to assigned",
		"permit out ip from 10.0.0.1/33 to assigned", "permit out ip from 2001:db8::/129 to assigned",
		"permit out ip from 10.0.0.256 to assigned", "permit out ip from 10.0.0 to assigned",
		"permit out ip from 10.0.0.1/ to assigned", "permit out ip from 10.0.0.1/1a to assigned",
		"permit out ip from 10.0.0.1 to 2001:db8::1", "permit out 6 from any 70000 to assigned",
		"permit out 6 from any 90-80 to assigned", "permit out 6 from any 80, to assigned",
		"permit out 6 from any ,80 to assigned", "permit out 6 from any 80-,90 to assigned",
		"permit out 6 from any 1,2,3,4,5,6,7,8,9 to assigned", "permit out 6 from any 80 443 to assigned",
		"permit out 6 from any 80;443 to assigned", "permit out ip from any to assigned to any",
		"permit out ip from anything to assigned", "permit out ip from 2001:db8:::1 to assigned",
		"permit out ip from any to assigned 80 90", "permit out ip from 1.2.3.4.5 to assigned",
		"permit out ip from any to assigned 080x",
	};
	char big[400];
	struct pf_flow f;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(flow_s(bad[i], &f) == -EINVAL, "accepted: '%s'", bad[i]);
	/* overlong: refused whole even if it would parse */
	memset(big, ' ', sizeof(big));
	memcpy(big, good_flows[0], strlen(good_flows[0]));
	ck_assert_int_eq(flow(big, sizeof(big), &f), -EINVAL);
	/* a token past the bound */
	memset(big, '1', sizeof(big));
	memcpy(big, "permit out 6 from any ", 22);
	ck_assert_int_eq(flow(big, 200, &f), -EINVAL);
	ck_assert_int_eq(pf_flow_parse(NULL, 0, &f), -EINVAL);
}
END_TEST

/* every proper prefix of every good one: refused, or something sane */
START_TEST(flow_prefixes)
{
	unsigned i;
	size_t k;

	for (i = 0; i < sizeof(good_flows) / sizeof(good_flows[0]); i++)
		for (k = 0; k < strlen(good_flows[i]); k++) {
			struct pf_flow f;

			if (flow(good_flows[i], k, &f) != 0)
				continue;
			ck_assert(f.dir <= PF_FLOW_IN && f.src.n_ports <= PF_FLOW_PORTS &&
				f.dst.n_ports <= PF_FLOW_PORTS);
			ck_assert(f.af == 0 || f.af == AF_INET || f.af == AF_INET6);
			ck_assert(f.src.plen <= 128 && f.dst.plen <= 128);
		}
}
END_TEST

/* ---- message builders over pf_enc ---- */

static uint8_t B[16384];
static struct pf_enc E;
static struct pf_msg M;

static void
begin(uint8_t type)
{
	struct pf_hdr h = {.type = type, .has_seid = 1, .seid = type == PF_SESS_EST_REQ ? 0 : 0x99, .seq = 1};

	pf_enc_begin(&E, B, sizeof(B), &h);
}

static void
est_begin(void)
{
	static const struct pf_node_id smf = {.kind = 0, .addr = {192, 0, 2, 1}};
	struct pf_fseid fs = {.seid = 0x1122, .has_v4 = 1, .v4 = {192, 0, 2, 1}};

	begin(PF_SESS_EST_REQ);
	pf_enc_node_id(&E, &smf);
	pf_enc_fseid(&E, &fs);
}

static const struct pf_msg *
end(void)
{
	int n = pf_enc_end(&E);
	struct pf_result r;

	ck_assert_int_gt(n, 0);
	r = pf_decode(B, (size_t)n, &M);
	ck_assert_msg(r.kind == PF_OK, "decode: kind %d cause %d ie %d", r.kind, r.cause, r.ie_type);
	return &M;
}

static void
name(uint16_t type, const char *s)
{
	pf_enc_ie(&E, type, s, (uint16_t)strlen(s));
}

static void
dnn(const char *s) /* as a DNN label */
{
	uint8_t b[64];
	size_t n = strlen(s);

	b[0] = (uint8_t)n;
	memcpy(b + 1, s, n);
	pf_enc_ie(&E, PF_IE_NET_INSTANCE, b, (uint16_t)(n + 1));
}

struct pdr_spec {
	uint16_t id;
	uint32_t prec;
	bool no_pdi, no_src, no_far;
	uint8_t src;
	int fteid; /* 0 none, 1 CH (+CHID when chid), 2 SMF-given */
	uint8_t chid;
	const char *ni, *app;
	int ue;    /* 0 none, 1 IPv4, 2 IPv4 and IPv6 in two IEs */
	const char *fd[3];
	uint32_t far;
	uint32_t qer[2], urr[2];
	bool has_ohr;
	uint8_t ohr;
	uint8_t qfi;
};

static void
pdr(uint16_t type, const struct pdr_spec *p)
{
	int i;

	pf_enc_group(&E, type);
	pf_enc_u16(&E, PF_IE_PDR_ID, p->id);
	if (type == PF_IE_CREATE_PDR || p->prec)
		pf_enc_u32(&E, PF_IE_PRECEDENCE, p->prec ? p->prec : 255);
	if (!p->no_pdi) {
		pf_enc_group(&E, PF_IE_PDI);
		if (!p->no_src)
			pf_enc_u8(&E, PF_IE_SRC_IFACE, p->src);
		if (p->fteid == 1) {
			struct pf_fteid ft = {.ch = 1, .has_chid = p->chid != 0, .chid = p->chid, .has_v4 = 1};

			pf_enc_fteid(&E, &ft);
		} else if (p->fteid == 2) {
			struct pf_fteid ft = {.teid = 0x500 + p->id, .has_v4 = 1, .v4 = {192, 0, 2, 10}};

			pf_enc_fteid(&E, &ft);
		}
		if (p->ni)
			dnn(p->ni);
		if (p->ue) {
			struct pf_ue_ip u = {.has_v4 = 1, .sd = p->src == 0, .v4 = {10, 60, 0, 7}};

			pf_enc_ue_ip(&E, &u);
			if (p->ue == 2) {
				struct pf_ue_ip u6 = {.has_v6 = 1, .sd = p->src == 0, .v6 = {0x20, 0x01, 0x0d, 0xb8}};

				pf_enc_ue_ip(&E, &u6);
			}
		}
		for (i = 0; i < 3 && p->fd[i]; i++) {
			uint8_t b[300];
			size_t n = strlen(p->fd[i]);

			b[0] = 0x01;
			b[1] = 0;
			b[2] = (uint8_t)(n >> 8);
			b[3] = (uint8_t)n;
			memcpy(b + 4, p->fd[i], n);
			pf_enc_ie(&E, PF_IE_SDF_FILTER, b, (uint16_t)(4 + n));
		}
		if (p->app)
			name(PF_IE_APP_ID, p->app);
		if (p->qfi)
			pf_enc_u8(&E, PF_IE_QFI, p->qfi);
		pf_enc_group_end(&E);
	}
	if (p->has_ohr)
		pf_enc_u8(&E, PF_IE_OHR, p->ohr);
	if (p->far && !p->no_far)
		pf_enc_u32(&E, PF_IE_FAR_ID, p->far);
	for (i = 0; i < 2 && p->urr[i]; i++)
		pf_enc_u32(&E, PF_IE_URR_ID, p->urr[i]);
	for (i = 0; i < 2 && p->qer[i]; i++)
		pf_enc_u32(&E, PF_IE_QER_ID, p->qer[i]);
	pf_enc_group_end(&E);
}
#define PDR(t, ...) pdr(t, &(struct pdr_spec){__VA_ARGS__})

struct far_spec {
	uint32_t id;
	uint16_t apply; /* PF_AA_*; 0: no Apply Action IE */
	bool fwd, no_dst, sndem, has_bar, tlm;
	uint8_t dst, bar;
	const char *ni;
	uint16_t ohc;   /* 0: none */
	uint32_t teid;
};

static void
far(uint16_t type, const struct far_spec *f)
{
	pf_enc_group(&E, type);
	pf_enc_u32(&E, PF_IE_FAR_ID, f->id);
	if (f->apply) {
		uint8_t a[2] = {(uint8_t)(f->apply >> 8), (uint8_t)f->apply};

		pf_enc_ie(&E, PF_IE_APPLY_ACTION, a, (f->apply & 0xff) ? 2 : 1);
	}
	if (f->fwd) {
		pf_enc_group(&E, type == PF_IE_CREATE_FAR ? PF_IE_FWD_PARAMS : PF_IE_UPD_FWD_PARAMS);
		if (!f->no_dst)
			pf_enc_u8(&E, PF_IE_DST_IFACE, f->dst);
		if (f->ni)
			dnn(f->ni);
		if (f->ohc) {
			struct pf_ohc o = {.desc = f->ohc, .teid = f->teid, .v4 = {192, 0, 2, 20},
				.v6 = {0x20, 0x01}};

			pf_enc_ohc(&E, &o);
		}
		if (f->tlm) {
			uint8_t t[2] = {0xb8, 0xfc};

			pf_enc_ie(&E, PF_IE_TLM, t, 2);
		}
		if (f->sndem)
			pf_enc_u8(&E, PF_IE_SMREQ_FLAGS, PF_SMREQ_SNDEM);
		pf_enc_group_end(&E);
	}
	if (f->has_bar)
		pf_enc_u8(&E, PF_IE_BAR_ID, f->bar);
	pf_enc_group_end(&E);
}
#define FAR(t, ...) far(t, &(struct far_spec){__VA_ARGS__})

struct qer_spec {
	uint32_t id;
	int gate; /* -1: no Gate Status IE */
	uint64_t mbr_ul, mbr_dl;
	uint8_t qfi;
};

static void
wr40(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 4; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void
qer(uint16_t type, const struct qer_spec *q)
{
	pf_enc_group(&E, type);
	pf_enc_u32(&E, PF_IE_QER_ID, q->id);
	if (q->gate >= 0)
		pf_enc_u8(&E, PF_IE_GATE_STATUS, (uint8_t)q->gate);
	if (q->mbr_ul || q->mbr_dl) {
		uint8_t r[10];

		wr40(r, q->mbr_ul);
		wr40(r + 5, q->mbr_dl);
		pf_enc_ie(&E, PF_IE_MBR, r, 10);
	}
	if (q->qfi)
		pf_enc_u8(&E, PF_IE_QFI, q->qfi);
	pf_enc_group_end(&E);
}
#define QER(t, ...) qer(t, &(struct qer_spec){__VA_ARGS__})

struct urr_spec {
	uint32_t id;
	uint8_t method;
	uint32_t triggers; /* 3 octets; 0 in an update: none */
	uint64_t vol_thresh;
	uint32_t time_thresh, period;
};

static void
urr(uint16_t type, const struct urr_spec *u)
{
	pf_enc_group(&E, type);
	pf_enc_u32(&E, PF_IE_URR_ID, u->id);
	if (u->method)
		pf_enc_u8(&E, PF_IE_MEAS_METHOD, u->method);
	if (u->triggers || type == PF_IE_CREATE_URR) {
		uint8_t t[3] = {(uint8_t)(u->triggers >> 16), (uint8_t)(u->triggers >> 8), (uint8_t)u->triggers};

		pf_enc_ie(&E, PF_IE_REPORTING_TRIGGERS, t, t[2] ? 3 : 2);
	}
	if (u->vol_thresh) {
		struct pf_volume v = {.flags = 1, .total = u->vol_thresh};

		pf_enc_volume(&E, PF_IE_VOL_THRESH, &v);
	}
	if (u->time_thresh)
		pf_enc_u32(&E, PF_IE_TIME_THRESH, u->time_thresh);
	if (u->period)
		pf_enc_u32(&E, PF_IE_MEAS_PERIOD, u->period);
	pf_enc_group_end(&E);
}
#define URR(t, ...) urr(t, &(struct urr_spec){__VA_ARGS__})

static void
bar(uint16_t type, uint8_t id, int delay)
{
	pf_enc_group(&E, type);
	pf_enc_u8(&E, PF_IE_BAR_ID, id);
	if (delay >= 0)
		pf_enc_u8(&E, PF_IE_DL_DATA_NOTIF_DELAY, (uint8_t)delay);
	pf_enc_group_end(&E);
}

static void
rm(uint16_t type, uint16_t id_type, uint32_t id)
{
	pf_enc_group(&E, type);
	if (id_type == PF_IE_PDR_ID)
		pf_enc_u16(&E, id_type, (uint16_t)id);
	else if (id_type == PF_IE_BAR_ID)
		pf_enc_u8(&E, id_type, (uint8_t)id);
	else
		pf_enc_u32(&E, id_type, id);
	pf_enc_group_end(&E);
}

/* the session free5GC makes for one PDU session: UL (CHOOSE F-TEID) and DL PDRs, their
 * FARs, a QER and a URR; with ulcl, an I-UPF's: a local breakout PDR to N6 and the rest
 * to N9 (three FARs, two QERs, two URRs) */
static void
typical_ies(bool ulcl)
{
	PDR(PF_IE_CREATE_PDR, .id = 1, .prec = 255, .src = PF_IF_ACCESS, .fteid = 1, .chid = 1,
		.ni = "internet", .ue = 1, .fd = {"permit out ip from any to assigned"}, .has_ohr = true,
		.ohr = 0, .far = 1, .qer = {1}, .urr = {1});
	PDR(PF_IE_CREATE_PDR, .id = 2, .prec = 255, .src = PF_IF_CORE, .ni = "internet", .ue = 1, .far = 2,
		.qer = {1}, .urr = {1});
	if (ulcl) {
		PDR(PF_IE_CREATE_PDR, .id = 3, .prec = 100, .src = PF_IF_ACCESS, .fteid = 1, .chid = 1,
			.ni = "internet", .ue = 1, .fd = {"permit out ip from 10.100.0.0/16 to assigned"},
			.has_ohr = true, .ohr = 0, .far = 3, .qer = {2}, .urr = {2});
		PDR(PF_IE_CREATE_PDR, .id = 4, .prec = 100, .src = PF_IF_N6_LAN, .ni = "edge", .ue = 1,
			.far = 2, .qer = {2}, .urr = {2});
	}
	FAR(PF_IE_CREATE_FAR, .id = 1, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_CORE,
		.ni = ulcl ? "n9" : "internet", .ohc = ulcl ? PF_OHC_GTPU_UDP_IPV4 : 0, .teid = 0x77);
	FAR(PF_IE_CREATE_FAR, .id = 2, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_ACCESS,
		.ohc = PF_OHC_GTPU_UDP_IPV4, .teid = 0xabcd);
	if (ulcl)
		FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_N6_LAN, .ni = "edge");
	QER(PF_IE_CREATE_QER, .id = 1, .gate = 0, .mbr_ul = 100000, .mbr_dl = 200000, .qfi = 9);
	if (ulcl)
		QER(PF_IE_CREATE_QER, .id = 2, .gate = 0, .qfi = 5);
	URR(PF_IE_CREATE_URR, .id = 1, .method = PF_MM_VOLUM, .triggers = PF_RT_VOLTH | PF_RT_PERIO,
		.vol_thresh = 1000000, .period = 60);
	if (ulcl)
		URR(PF_IE_CREATE_URR, .id = 2, .method = PF_MM_VOLUM | PF_MM_DURAT, .triggers = PF_RT_VOLQU);
}

static struct pf_session *
typical(bool ulcl)
{
	struct pf_session *s;
	struct pf_fail f;

	est_begin();
	typical_ies(ulcl);
	bar(PF_IE_CREATE_BAR, 1, 2);
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	return s;
}

/* establishment refused with these */
static void
est_fails(uint8_t cause, uint16_t ie, uint8_t kind, uint32_t id)
{
	struct pf_session *s = (struct pf_session *)1;
	struct pf_fail f;
	int rc = pf_sess_establish(end(), &s, &f);

	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(f.cause, cause);
	ck_assert_int_eq(f.offending_ie, ie);
	ck_assert_int_eq(f.rule_kind, kind);
	if (kind != PF_RULE_NONE)
		ck_assert_int_eq(f.rule_id, id);
}

/* the codec refuses it first (a name that is no printable text, or too long) */
static void
decode_fails(uint8_t cause, uint16_t ie)
{
	int n = pf_enc_end(&E);
	struct pf_result r;

	ck_assert_int_gt(n, 0);
	r = pf_decode(B, (size_t)n, &M);
	ck_assert_int_eq(r.kind, PF_ERR_IE);
	ck_assert_int_eq(r.cause, cause);
	ck_assert_int_eq(r.ie_type, ie);
}

/* ---- establishment ---- */

START_TEST(establish_fields)
{
	struct pf_session *s = typical(false);
	struct pf_pdr *p;
	struct pf_far *r;
	struct pf_qer *q;
	struct pf_urr *u;

	ck_assert_int_eq(s->n_pdr, 2);
	ck_assert_int_eq(s->n_far, 2);
	ck_assert_int_eq(s->cp.seid, 0x1122);
	ck_assert(s->cp.has_v4 && s->cp.v4[3] == 1);
	p = pf_sess_pdr(s, 1);
	ck_assert_ptr_nonnull(p);
	ck_assert(p->src_iface == PF_IF_ACCESS && p->precedence == 255 && p->has_ohr && p->ohr == 0);
	ck_assert(p->has_fteid && p->fteid.ch && p->fteid.has_chid && p->fteid.chid == 1 && p->fteid.teid == 0);
	ck_assert_str_eq(pf_sess_name(p->ni), "internet");
	ck_assert_int_eq(p->ni, pf_sess_name_id("internet"));
	ck_assert(p->has_ue_ip && p->ue.has_v4 && p->ue.sd && p->ue.v4[3] == 7);
	ck_assert_int_eq(p->n_sdf, 1);
	ck_assert(p->sdf[0].has_fd && p->sdf[0].flow.src.any && p->sdf[0].flow.dst.assigned);
	ck_assert(p->far_id == 1 && p->n_qer == 1 && p->qer[0] == 1 && p->n_urr == 1 && p->urr[0] == 1);
	p = pf_sess_pdr(s, 2);
	ck_assert(p != NULL && p->src_iface == PF_IF_CORE && !p->has_fteid && !p->has_ohr && p->n_sdf == 0);
	ck_assert_ptr_null(pf_sess_pdr(s, 3));
	r = pf_sess_far(s, 2);
	ck_assert(r != NULL && r->apply == PF_AA_FORW && r->has_fwd && r->dst_iface == PF_IF_ACCESS);
	ck_assert(r->has_ohc && r->ohc.desc == PF_OHC_GTPU_UDP_IPV4 && r->ohc.teid == 0xabcd && r->ohc.v4[3] == 20);
	q = pf_sess_qer(s, 1);
	ck_assert(q != NULL && q->gate_ul == PF_GATE_OPEN && q->gate_dl == PF_GATE_OPEN && q->has_mbr &&
		q->mbr.ul == 100000 && q->mbr.dl == 200000 && q->has_qfi && q->qfi == 9);
	u = pf_sess_urr(s, 1);
	ck_assert(u != NULL && u->method == PF_MM_VOLUM && u->triggers == (PF_RT_VOLTH | PF_RT_PERIO));
	ck_assert(u->has_vol_thresh && u->vol_thresh.total == 1000000 && u->meas_period == 60);
	ck_assert(s->bar.present && s->bar.id == 1 && s->bar.has_delay && s->bar.dl_notif_delay == 2);
	pf_sess_free(s);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* the sample message of the codec's tests (free5GC's shape) */
START_TEST(establish_sample)
{
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	struct pf_session *s;
	struct pf_fail f;

	ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&M, &s, &f), 0);
	ck_assert_int_eq(s->n_pdr, 2);
	ck_assert_int_eq(s->cp.seid, 0x1122334455667788ull);
	ck_assert_int_eq(pf_sess_urr(s, 1)->meas_period, 60);
	pf_sess_free(s);
	/* not an establishment */
	n = pf_test_msg(0, b, sizeof(b));
	ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&M, &s, &f), -EINVAL);
}
END_TEST

/* the shared samples: free5GC's establishment, then a handover with a new flow */
START_TEST(modify_sample)
{
	static struct pf_msg m2;
	uint8_t b[2048], b2[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	int n2 = pf_test_msg(PF_TEST_MOD_REQ, b2, sizeof(b2));
	struct pf_session *s, *t;
	struct pf_fail f;
	struct pf_mod x;

	ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&M, &s, &f), 0);
	ck_assert_int_eq(pf_decode(b2, (size_t)n2, &m2).kind, PF_OK);
	ck_assert_int_eq(pf_sess_modify(s, &m2, &t, &x, &f), 0);
	ck_assert(t->n_pdr == 3 && t->n_far == 3 && t->n_urr == 2 && t->bar.present);
	ck_assert(x.n_sndem == 1 && x.sndem_far[0] == 2 && x.n_query_urr == 1 && x.query_urr[0] == 1);
	ck_assert(pf_sess_far(t, 2)->ohc.teid == 0xbeef && pf_sess_far(t, 2)->dst_iface == PF_IF_ACCESS);
	ck_assert(pf_sess_far(t, 3)->apply == PF_AA_BUFF && pf_sess_qer(t, 1)->mbr.ul == 2000);
	ck_assert(pf_sess_pdr(t, 3)->sdf[0].flow.src.ports[0][0] == 5060);
	/* applied twice: its creates collide (the BAR first, as FARs name it) */
	pf_sess_free(s);
	ck_assert_int_eq(pf_sess_modify(t, &m2, &s, &x, &f), -EINVAL);
	ck_assert(f.cause == PF_CAUSE_RULE_FAILURE && f.rule_kind == PF_RULE_BAR && f.rule_id == 1);
	pf_sess_free(t);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* what other SMFs send: OHR 6 (Open5GS), an SMF-given F-TEID (OAI), a 2-octet Apply
 * Action, UE IPv4 and IPv6 in two IEs, a plain-string Network Instance, an Application
 * ID, BUFF|NOCP with a BAR */
START_TEST(establish_variants)
{
	struct pf_session *s;
	struct pf_fail f;
	struct pf_pdr *p;

	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .src = PF_IF_ACCESS, .fteid = 2, .ue = 2, .has_ohr = true, .ohr = 6,
		.far = 1, .app = "video", .qfi = 0xc9);
	PDR(PF_IE_CREATE_PDR, .id = 2, .src = PF_IF_CORE, .ue = 2, .far = 2);
	FAR(PF_IE_CREATE_FAR, .id = 1, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_CORE, .tlm = true);
	FAR(PF_IE_CREATE_FAR, .id = 2, .apply = PF_AA_BUFF | PF_AA_NOCP, .has_bar = true, .bar = 5);
	bar(PF_IE_CREATE_BAR, 5, -1);
	pf_enc_group(&E, PF_IE_CREATE_FAR);
	pf_enc_u32(&E, PF_IE_FAR_ID, 3);
	pf_enc_ie(&E, PF_IE_APPLY_ACTION, "\x02\x00", 2); /* FORW, 2 octets */
	pf_enc_group(&E, PF_IE_FWD_PARAMS);
	pf_enc_u8(&E, PF_IE_DST_IFACE, PF_IF_CORE);
	name(PF_IE_NET_INSTANCE, "internet.apn");
	pf_enc_group_end(&E);
	pf_enc_group_end(&E);
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	p = pf_sess_pdr(s, 1);
	ck_assert(p->ohr == PF_OHR_GTPU_UDP_IP && !p->fteid.ch && p->fteid.teid == 0x501 && p->fteid.v4[3] == 10);
	ck_assert(p->ue.has_v4 && p->ue.has_v6 && p->ue.v6[1] == 0x01 && p->ue.v4[0] == 10);
	ck_assert_str_eq(pf_sess_name(p->app), "video");
	ck_assert_uint_eq(p->qfi_mask, 1ull << 9);
	ck_assert(pf_sess_far(s, 1)->has_tlm && pf_sess_far(s, 1)->tos == 0xb8 && pf_sess_far(s, 1)->tos_mask == 0xfc);
	ck_assert(pf_sess_far(s, 2)->apply == (PF_AA_BUFF | PF_AA_NOCP) && pf_sess_far(s, 2)->bar_id == 5);
	ck_assert_int_eq(pf_sess_far(s, 3)->apply, PF_AA_FORW);
	ck_assert_str_eq(pf_sess_name(pf_sess_far(s, 3)->ni), "internet.apn");
	ck_assert_uint_eq(pf_sess_names_used(), 2);
	pf_sess_free(s);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* ---- each check ---- */

static void
two_fars(void)
{
	FAR(PF_IE_CREATE_FAR, .id = 1, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_CORE);
	FAR(PF_IE_CREATE_FAR, .id = 2, .apply = PF_AA_DROP);
}

START_TEST(check_ids)
{
	/* a PDR ID twice */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 7, .far = 1);
	PDR(PF_IE_CREATE_PDR, .id = 7, .far = 2);
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_PDR, PF_RULE_PDR, 7);
	/* a FAR ID twice */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	two_fars();
	FAR(PF_IE_CREATE_FAR, .id = 2, .apply = PF_AA_DROP);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_FAR, PF_RULE_FAR, 2);
	/* QER, URR twice */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	two_fars();
	QER(PF_IE_CREATE_QER, .id = 4, .gate = 0);
	QER(PF_IE_CREATE_QER, .id = 4, .gate = 0);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_QER, PF_RULE_QER, 4);
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	two_fars();
	URR(PF_IE_CREATE_URR, .id = 9, .method = PF_MM_VOLUM);
	URR(PF_IE_CREATE_URR, .id = 9, .method = PF_MM_VOLUM);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_URR, PF_RULE_URR, 9);
	/* a PDR naming a FAR, QER, URR not there */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 3, .far = 8);
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_FAR_ID, PF_RULE_PDR, 3);
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 3, .far = 1, .qer = {5});
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_QER_ID, PF_RULE_PDR, 3);
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 3, .far = 1, .urr = {5});
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_URR_ID, PF_RULE_PDR, 3);
	/* Create PDR without FAR ID */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 3, .far = 1, .no_far = true);
	two_fars();
	est_fails(PF_CAUSE_MANDATORY_MISSING, PF_IE_FAR_ID, PF_RULE_NONE, 0);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

START_TEST(check_pdr)
{
	static const char *long_ni = "a123456789b123456789c123456789d123456789e123456789f12345678";

	/* OHR 2 (UDP/IPv4) */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 4, .far = 1, .has_ohr = true, .ohr = 2);
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_OHR, PF_RULE_PDR, 4);
	/* Source Interface out of range */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 4, .far = 1, .src = 7);
	two_fars();
	est_fails(PF_CAUSE_MANDATORY_INCORRECT, PF_IE_SRC_IFACE, PF_RULE_NONE, 0);
	/* a flow description refused */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 4, .far = 1, .fd = {"permit out ip from any to assigned", "permit out ip from any to assigned frag"});
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_SDF_FILTER, PF_RULE_PDR, 4);
	/* the UP asked to choose a UE IPv6 prefix longer than a /64 (CHV6, IPv6D) */
	est_begin();
	pf_enc_group(&E, PF_IE_CREATE_PDR);
	pf_enc_u16(&E, PF_IE_PDR_ID, 6);
	pf_enc_u32(&E, PF_IE_PRECEDENCE, 1);
	pf_enc_group(&E, PF_IE_PDI);
	pf_enc_u8(&E, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&E, PF_IE_UE_IP, "\x2c\x08", 2);
	pf_enc_group_end(&E);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_group_end(&E);
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_UE_IP, PF_RULE_PDR, 6);
	/* two UE IPv4 */
	est_begin();
	pf_enc_group(&E, PF_IE_CREATE_PDR);
	pf_enc_u16(&E, PF_IE_PDR_ID, 6);
	pf_enc_u32(&E, PF_IE_PRECEDENCE, 1);
	pf_enc_group(&E, PF_IE_PDI);
	pf_enc_u8(&E, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&E, PF_IE_UE_IP, "\x02\x0a\x00\x00\x01", 5);
	pf_enc_ie(&E, PF_IE_UE_IP, "\x02\x0a\x00\x00\x02", 5);
	pf_enc_group_end(&E);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_group_end(&E);
	two_fars();
	est_fails(PF_CAUSE_MANDATORY_INCORRECT, PF_IE_UE_IP, PF_RULE_NONE, 0);
	/* an Application ID with a NUL; a Network Instance name too long for a string */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 4, .far = 1);
	two_fars();
	pf_enc_group(&E, PF_IE_CREATE_PDR);
	pf_enc_u16(&E, PF_IE_PDR_ID, 5);
	pf_enc_u32(&E, PF_IE_PRECEDENCE, 1);
	pf_enc_group(&E, PF_IE_PDI);
	pf_enc_u8(&E, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&E, PF_IE_APP_ID, "a\0b", 3);
	pf_enc_group_end(&E);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_group_end(&E);
	decode_fails(PF_CAUSE_INVALID_LENGTH, PF_IE_APP_ID);
	{
		char big[300];
		int i;

		for (i = 0; i < 5; i++)
			memcpy(big + i * 59, long_ni, 59);
		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 4, .far = 1);
		two_fars();
		pf_enc_group(&E, PF_IE_CREATE_FAR);
		pf_enc_u32(&E, PF_IE_FAR_ID, 3);
		pf_enc_u8(&E, PF_IE_APPLY_ACTION, 0x02);
		pf_enc_group(&E, PF_IE_FWD_PARAMS);
		pf_enc_u8(&E, PF_IE_DST_IFACE, 1);
		pf_enc_ie(&E, PF_IE_NET_INSTANCE, big, 295);
		pf_enc_group_end(&E);
		pf_enc_group_end(&E);
		decode_fails(PF_CAUSE_INVALID_LENGTH, PF_IE_NET_INSTANCE);
	}
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* a PDR with this raw F-TEID value */
static void
fteid_fails(const void *v, uint16_t n)
{
	est_begin();
	pf_enc_group(&E, PF_IE_CREATE_PDR);
	pf_enc_u16(&E, PF_IE_PDR_ID, 2);
	pf_enc_u32(&E, PF_IE_PRECEDENCE, 1);
	pf_enc_group(&E, PF_IE_PDI);
	pf_enc_u8(&E, PF_IE_SRC_IFACE, 0);
	pf_enc_ie(&E, PF_IE_FTEID, v, n);
	pf_enc_group_end(&E);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_group_end(&E);
	two_fars();
	est_fails(PF_CAUSE_MANDATORY_INCORRECT, PF_IE_FTEID, PF_RULE_NONE, 0);
}

START_TEST(check_fteid)
{
	struct pf_session *s;
	struct pf_fail f;

	fteid_fails("\x05\x00\x00\x00\x01\xc0\x00\x02\x0a", 9); /* CH with a TEID and address */
	fteid_fails("\x09\x00\x00\x00\x01\xc0\x00\x02\x0a", 9); /* CHID without CH */
	fteid_fails("\x00\x00\x00\x00\x01", 5);                 /* no address */
	/* CH with zero octets after it: accepted (an encoder writing empty fields) */
	est_begin();
	pf_enc_group(&E, PF_IE_CREATE_PDR);
	pf_enc_u16(&E, PF_IE_PDR_ID, 2);
	pf_enc_u32(&E, PF_IE_PRECEDENCE, 1);
	pf_enc_group(&E, PF_IE_PDI);
	pf_enc_u8(&E, PF_IE_SRC_IFACE, 0);
	pf_enc_ie(&E, PF_IE_FTEID, "\x0d\x07\x00\x00\x00\x00", 6);
	pf_enc_group_end(&E);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_group_end(&E);
	two_fars();
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	ck_assert(pf_sess_pdr(s, 2)->fteid.ch && pf_sess_pdr(s, 2)->fteid.chid == 7);
	pf_sess_free(s);
}
END_TEST

START_TEST(check_far)
{
	static const uint16_t bad_aa[] = {PF_AA_FORW | PF_AA_DROP, PF_AA_FORW | PF_AA_BUFF, PF_AA_DUPL,
		PF_AA_FORW | PF_AA_DUPL, PF_AA_FORW | PF_AA_IPMA, PF_AA_DROP | PF_AA_IPMD, PF_AA_DFRT,
		PF_AA_FORW | PF_AA_EDRT, PF_AA_BUFF | PF_AA_BDPN, PF_AA_DROP | PF_AA_DDPN, PF_AA_FORW | PF_AA_FSSM,
		PF_AA_FORW | PF_AA_MBSU, PF_AA_FORW | PF_AA_NOCP, PF_AA_DROP | PF_AA_NOCP, PF_AA_EDRT};
	unsigned i;

	for (i = 0; i < sizeof(bad_aa) / sizeof(bad_aa[0]); i++) {
		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
		FAR(PF_IE_CREATE_FAR, .id = 1, .apply = bad_aa[i], .fwd = true, .dst = 1);
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_APPLY_ACTION, PF_RULE_FAR, 1);
	}
	/* no action at all (an Apply Action of zero octets... of zero value) */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	pf_enc_group(&E, PF_IE_CREATE_FAR);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_u8(&E, PF_IE_APPLY_ACTION, 0);
	pf_enc_group_end(&E);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_APPLY_ACTION, PF_RULE_FAR, 1);
	/* FORW without Forwarding Parameters */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW);
	est_fails(PF_CAUSE_CONDITIONAL_MISSING, PF_IE_FWD_PARAMS, PF_RULE_NONE, 0);
	/* OHC other than GTP-U/UDP/IPv4, IPv6 or both (a dual-stack peer: taken) */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = 0, .ohc = 0x0400);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_OHC, PF_RULE_FAR, 3);
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = 0, .ohc = 0x0500);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_OHC, PF_RULE_FAR, 3);
	{
		struct pf_session *d;
		struct pf_fail df;

		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
		FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = 0, .ohc = 0x0300);
		ck_assert_int_eq(pf_sess_establish(end(), &d, &df), 0);
		/* reached in the family of the link it leaves by */
		ck_assert(pf_ohc_v6(&pf_sess_far(d, 3)->ohc, AF_INET6) && !pf_ohc_v6(&pf_sess_far(d, 3)->ohc, AF_INET));
		pf_sess_free(d);
	}
	/* Destination Interface out of range */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = 9);
	est_fails(PF_CAUSE_MANDATORY_INCORRECT, PF_IE_DST_IFACE, PF_RULE_NONE, 0);
	/* a BAR ID with no BAR, or another BAR */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_BUFF, .has_bar = true, .bar = 1);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_BAR_ID, PF_RULE_FAR, 3);
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 3);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_BUFF, .has_bar = true, .bar = 1);
	bar(PF_IE_CREATE_BAR, 2, -1);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_BAR_ID, PF_RULE_FAR, 3);
}
END_TEST

START_TEST(check_qer)
{
	static const uint8_t bad[] = {0x02, 0x03, 0x08, 0x0c, 0x0a};
	unsigned i;

	for (i = 0; i < sizeof(bad); i++) {
		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1, .qer = {1});
		two_fars();
		QER(PF_IE_CREATE_QER, .id = 1, .gate = bad[i]);
		est_fails(PF_CAUSE_MANDATORY_INCORRECT, PF_IE_GATE_STATUS, PF_RULE_NONE, 0);
	}
}
END_TEST

/* more rules than a session holds: 75 */
START_TEST(check_bounds)
{
	struct pf_session *s, *n;
	struct pf_mod x;
	struct pf_fail f;
	int k, id = 1;

	/* 32 PDRs a message (the codec's bound), two messages: 64, then one more */
	est_begin();
	for (k = 0; k < 32; k++)
		PDR(PF_IE_CREATE_PDR, .id = (uint16_t)id++, .far = 1);
	two_fars();
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	begin(PF_SESS_MOD_REQ);
	for (k = 0; k < 32; k++)
		PDR(PF_IE_CREATE_PDR, .id = (uint16_t)id++, .far = 1);
	ck_assert_int_eq(pf_sess_modify(s, end(), &n, &x, &f), 0);
	ck_assert_int_eq(n->n_pdr, 64);
	pf_sess_free(s);
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_CREATE_PDR, .id = (uint16_t)id++, .far = 1);
	ck_assert_int_eq(pf_sess_modify(n, end(), &s, &x, &f), -EINVAL);
	ck_assert_int_eq(f.cause, PF_CAUSE_NO_RESOURCES);
	ck_assert_int_eq(f.offending_ie, PF_IE_CREATE_PDR);
	ck_assert_int_eq(f.rule_kind, PF_RULE_NONE);
	pf_sess_free(n);
}
END_TEST

/* ---- modification ---- */

/* a modification that must fail with these, and leave cur byte for byte as it was */
static void
mod_fails(struct pf_session *cur, uint8_t cause, uint16_t ie, uint8_t kind, uint32_t id)
{
	size_t n = pf_sess_bytes(cur);
	void *before = malloc(n);
	struct pf_session *out = (struct pf_session *)1;
	unsigned names = pf_sess_names_used();
	struct pf_mod x;
	struct pf_fail f;

	ck_assert_ptr_nonnull(before);
	memcpy(before, cur, n);
	ck_assert_int_eq(pf_sess_modify(cur, end(), &out, &x, &f), -EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(f.cause, cause);
	ck_assert_int_eq(f.offending_ie, ie);
	ck_assert_int_eq(f.rule_kind, kind);
	if (kind != PF_RULE_NONE)
		ck_assert_int_eq(f.rule_id, id);
	ck_assert_mem_eq(before, cur, n);
	ck_assert_uint_eq(pf_sess_names_used(), names);
	free(before);
}

/* a modification that must succeed; cur untouched; the old one freed, the new one back */
static struct pf_session *
mod_ok(struct pf_session *cur, struct pf_mod *x)
{
	size_t n = pf_sess_bytes(cur);
	void *before = malloc(n);
	struct pf_session *out;
	struct pf_fail f;
	int rc;

	ck_assert_ptr_nonnull(before);
	memcpy(before, cur, n);
	rc = pf_sess_modify(cur, end(), &out, x, &f);
	ck_assert_msg(rc == 0, "modify: %d cause %d ie %d rule %d/%u", rc, f.cause, f.offending_ie, f.rule_kind,
		f.rule_id);
	ck_assert_mem_eq(before, cur, n);
	free(before);
	pf_sess_free(cur);
	return out;
}

START_TEST(modify_checks)
{
	struct pf_session *s = typical(false);

	/* Remove / Update of rules not there */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_PDR, PF_IE_PDR_ID, 9);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_PDR, PF_RULE_PDR, 9);
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_URR, PF_IE_URR_ID, 9);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_URR, PF_RULE_URR, 9);
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_UPDATE_FAR, .id = 9, .apply = PF_AA_DROP);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_UPDATE_FAR, PF_RULE_FAR, 9);
	begin(PF_SESS_MOD_REQ);
	QER(PF_IE_UPDATE_QER, .id = 9, .gate = 5);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_UPDATE_QER, PF_RULE_QER, 9);
	begin(PF_SESS_MOD_REQ);
	URR(PF_IE_UPDATE_URR, .id = 9);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_UPDATE_URR, PF_RULE_URR, 9);
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_UPDATE_PDR, .id = 9, .no_pdi = true);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_UPDATE_PDR, PF_RULE_PDR, 9);
	/* a create colliding with a rule of the session */
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_CREATE_FAR, .id = 2, .apply = PF_AA_DROP);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_FAR, PF_RULE_FAR, 2);
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_PDR, PF_RULE_PDR, 1);
	/* Remove FAR of a FAR a PDR still uses: the FAR named */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_FAR, PF_IE_FAR_ID, 2);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_FAR, PF_RULE_FAR, 2);
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_QER, PF_IE_QER_ID, 1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_QER, PF_RULE_QER, 1);
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_URR, PF_IE_URR_ID, 1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_URR, PF_RULE_URR, 1);
	/* an Update PDR pointing at a FAR not there */
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_UPDATE_PDR, .id = 2, .no_pdi = true, .far = 7);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_FAR_ID, PF_RULE_PDR, 2);
	/* BAR: a second one, Update/Remove of another id */
	begin(PF_SESS_MOD_REQ);
	bar(PF_IE_CREATE_BAR, 3, -1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_CREATE_BAR, PF_RULE_BAR, 3);
	begin(PF_SESS_MOD_REQ);
	bar(PF_IE_UPDATE_BAR, 3, 1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_UPDATE_BAR, PF_RULE_BAR, 3);
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_BAR, PF_IE_BAR_ID, 3);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_BAR, PF_RULE_BAR, 3);
	/* Query URR of a URR not there */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_QUERY_URR, PF_IE_URR_ID, 4);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_QUERY_URR, PF_RULE_URR, 4);
	/* Update FAR to FORW on a FAR without Destination Interface, given other parameters */
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_CREATE_FAR, .id = 5, .apply = PF_AA_DROP);
	FAR(PF_IE_UPDATE_FAR, .id = 5, .apply = PF_AA_FORW, .fwd = true, .no_dst = true, .ohc = PF_OHC_GTPU_UDP_IPV4);
	mod_fails(s, PF_CAUSE_MANDATORY_MISSING, PF_IE_DST_IFACE, PF_RULE_NONE, 0);
	/* a failure after names were interned: the new names released */
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_CREATE_PDR, .id = 5, .src = 1, .ni = "brand-new", .far = 1);
	PDR(PF_IE_CREATE_PDR, .id = 6, .src = 1, .app = "new-app", .far = 99);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_FAR_ID, PF_RULE_PDR, 6);
	ck_assert_int_eq(pf_sess_name_id("brand-new"), 0);
	pf_sess_free(s);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* A URR of the typical session's shape with one IE more (@type, @v of @n octets). */
static void
urr_with(uint16_t type, const uint8_t *v, uint16_t n)
{
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1, .urr = {4});
	two_fars();
	pf_enc_group(&E, PF_IE_CREATE_URR);
	pf_enc_u32(&E, PF_IE_URR_ID, 4);
	pf_enc_u8(&E, PF_IE_MEAS_METHOD, PF_MM_VOLUM | PF_MM_DURAT);
	if (type != PF_IE_REPORTING_TRIGGERS)
		pf_enc_ie(&E, PF_IE_REPORTING_TRIGGERS, (const uint8_t[]){0x03, 0x03}, 2);
	pf_enc_ie(&E, type, v, n);
	pf_enc_group_end(&E);
}

/* PDR 1 to FAR 1, FORW to Core with one IE more (@type, @v of @n octets) in its Forwarding
 * Parameters. */
static void
far_with(uint16_t type, const uint8_t *v, uint16_t n)
{
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1);
	pf_enc_group(&E, PF_IE_CREATE_FAR);
	pf_enc_u32(&E, PF_IE_FAR_ID, 1);
	pf_enc_u8(&E, PF_IE_APPLY_ACTION, PF_AA_FORW >> 8);
	pf_enc_group(&E, PF_IE_FWD_PARAMS);
	pf_enc_u8(&E, PF_IE_DST_IFACE, PF_IF_CORE);
	pf_enc_ie(&E, type, v, n);
	pf_enc_group_end(&E);
	pf_enc_group_end(&E);
}

/* IEs that are taken only when they are acted on: each part that is not refused with the
 * rule it is in, and what is done accepted */
START_TEST(check_unacted)
{
	static const uint32_t bad_rt[] = {PF_RT_QUHTI, PF_RT_DROTH,
		PF_RT_ENVCL, PF_RT_MACAR, PF_RT_EVETH, PF_RT_EVEQU, PF_RT_IPMJL, PF_RT_REEMR,
		PF_RT_UPINT, PF_RT_VOLTH | 0x000004};
	static const uint8_t bad_mi[] = {0x02, 0x04, 0x20, 0x40, 0x80, PF_MI_MNOP | 0x02};
	static const char *const bad_fd[] = {"permit out ip from 10.1.0.0/16 to assigned 4000",
		"permit out 17 from any to 10.99.0.1", "permit out 17 from any 53 to 2001:db9::/32"};
	struct pf_session *s;
	struct pf_mod x;
	struct pf_fail f;
	unsigned i;

	for (i = 0; i < sizeof(bad_rt) / sizeof(bad_rt[0]); i++) {
		uint8_t t[3] = {(uint8_t)(bad_rt[i] >> 16), (uint8_t)(bad_rt[i] >> 8), (uint8_t)bad_rt[i]};

		est_begin();
		urr_with(PF_IE_REPORTING_TRIGGERS, t, 3);
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_REPORTING_TRIGGERS, PF_RULE_URR, 4);
	}
	for (i = 0; i < sizeof(bad_mi); i++) {
		est_begin();
		urr_with(PF_IE_MEAS_INFO, &bad_mi[i], 1);
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_MEAS_INFO, PF_RULE_URR, 4);
	}
	est_begin();
	urr_with(PF_IE_MEAS_INFO, (const uint8_t[]){PF_MI_MNOP | PF_MI_ISTM | PF_MI_MBQE}, 1);
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	ck_assert(pf_sess_urr(s, 4)->mnop);
	pf_sess_free(s);
	est_begin();
	urr_with(PF_IE_QUOTA_HOLDING_TIME, (const uint8_t[]){0, 0, 0, 30}, 4);
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_QUOTA_HOLDING_TIME, PF_RULE_URR, 4);
	est_begin();
	URR(PF_IE_CREATE_URR, .id = 4, .method = PF_MM_EVENT | PF_MM_VOLUM, .triggers = PF_RT_PERIO, .period = 5);
	PDR(PF_IE_CREATE_PDR, .id = 1, .far = 1, .urr = {4});
	two_fars();
	est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_MEAS_METHOD, PF_RULE_URR, 4);
	/* an SDF Filter with ToS, SPI or Flow Label; a UE side with ports, or an address that
	 * holds none of the session's UE addresses */
	for (i = 0; i < 3; i++) {
		static const uint8_t flags[] = {PF_SDF_TTC, PF_SDF_SPI, PF_SDF_FL};
		static const uint8_t len[] = {2, 4, 3};
		uint8_t v[64] = {(uint8_t)(PF_SDF_FD | flags[i]), 0, 0, 34};

		memcpy(v + 4, "permit out ip from any to assigned", 34);
		est_begin();
		pf_enc_group(&E, PF_IE_CREATE_PDR);
		pf_enc_u16(&E, PF_IE_PDR_ID, 1);
		pf_enc_u32(&E, PF_IE_PRECEDENCE, 9);
		pf_enc_group(&E, PF_IE_PDI);
		pf_enc_u8(&E, PF_IE_SRC_IFACE, PF_IF_CORE);
		pf_enc_ie(&E, PF_IE_SDF_FILTER, v, (uint16_t)(4 + 34 + len[i]));
		pf_enc_group_end(&E);
		pf_enc_u32(&E, PF_IE_FAR_ID, 1);
		pf_enc_group_end(&E);
		two_fars();
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_SDF_FILTER, PF_RULE_PDR, 1);
	}
	for (i = 0; i < sizeof(bad_fd) / sizeof(bad_fd[0]); i++) {
		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 1, .src = PF_IF_CORE, .ue = 1, .far = 1);
		PDR(PF_IE_CREATE_PDR, .id = 3, .src = PF_IF_CORE, .ue = 2, .far = 1, .fd = {bad_fd[i]});
		two_fars();
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_SDF_FILTER, PF_RULE_PDR, 3);
	}
	/* a UE side that holds the UE's address is what "assigned" is */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 3, .src = PF_IF_CORE, .ue = 2, .far = 1,
		.fd = {"permit out 17 from any 53 to 10.60.0.0/24", "permit out 6 from 2001:db8::1 to 2001:db8::/64"});
	two_fars();
	ck_assert_int_eq(pf_sess_establish(end(), &s, &f), 0);
	pf_sess_free(s);
	/* Forwarding Policy: none is configured (70); a TLM mask other than the whole DSCP */
	est_begin();
	far_with(PF_IE_FWD_POLICY, (const uint8_t *)"\x03" "abc", 4);
	est_fails(PF_CAUSE_INVALID_FWD_POLICY, PF_IE_FWD_POLICY, PF_RULE_NONE, 0);
	for (i = 0; i < 3; i++) {
		static const uint8_t masks[] = {0xff, 0xe0, 0x03};

		est_begin();
		far_with(PF_IE_TLM, (const uint8_t[]){0xb8, masks[i]}, 2);
		est_fails(PF_CAUSE_RULE_FAILURE, PF_IE_TLM, PF_RULE_FAR, 1);
	}
	/* DROBU: taken (the caller drops what is buffered), QAURR beside it */
	s = typical(false);
	begin(PF_SESS_MOD_REQ);
	pf_enc_u8(&E, PF_IE_SMREQ_FLAGS, PF_SMREQ_DROBU | PF_SMREQ_QAURR);
	s = mod_ok(s, &x);
	ck_assert(x.drobu);
	ck_assert_uint_eq(x.n_query_urr, s->n_urr);
	begin(PF_SESS_MOD_REQ);
	pf_enc_u8(&E, PF_IE_SMREQ_FLAGS, PF_SMREQ_QAURR);
	s = mod_ok(s, &x);
	ck_assert(!x.drobu);
	/* and in an Update URR as in a Create URR */
	begin(PF_SESS_MOD_REQ);
	URR(PF_IE_UPDATE_URR, .id = 1, .triggers = PF_RT_DROTH);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_REPORTING_TRIGGERS, PF_RULE_URR, 1);
	/* START, STOPT and QUVTI taken (pf_usage reports them), a Quota Validity Time with them:
	 * a grant (its quota generation one more) */
	begin(PF_SESS_MOD_REQ);
	pf_enc_group(&E, PF_IE_UPDATE_URR);
	pf_enc_u32(&E, PF_IE_URR_ID, 1);
	pf_enc_ie(&E, PF_IE_REPORTING_TRIGGERS, (const uint8_t[]){0x30, 0x80}, 2);
	pf_enc_u32(&E, PF_IE_QUOTA_VALIDITY_TIME, 30);
	pf_enc_group_end(&E);
	{
		uint32_t gen = pf_sess_urr(s, 1)->quota_gen;

		s = mod_ok(s, &x);
		ck_assert_uint_eq(pf_sess_urr(s, 1)->triggers, PF_RT_START | PF_RT_STOPT | PF_RT_QUVTI);
		ck_assert_uint_eq(pf_sess_urr(s, 1)->quota_validity, 30);
		ck_assert_uint_eq(pf_sess_urr(s, 1)->quota_gen, gen + 1);
	}
	begin(PF_SESS_MOD_REQ);
	URR(PF_IE_UPDATE_URR, .id = 1, .triggers = PF_RT_VOLQU | PF_RT_TIMTH);
	s = mod_ok(s, &x);
	ck_assert_uint_eq(pf_sess_urr(s, 1)->triggers, PF_RT_VOLQU | PF_RT_TIMTH);
	pf_sess_free(s);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST


START_TEST(modify_rules)
{
	struct pf_session *s = typical(false);
	struct pf_mod x;
	struct pf_pdr *p;

	/* add a PDR with its FAR, QER, URR (a dedicated QoS flow) */
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_CREATE_PDR, .id = 3, .prec = 10, .src = PF_IF_ACCESS, .fteid = 1, .chid = 1, .ue = 1,
		.fd = {"permit out 17 from 198.51.100.0/24 5060 to assigned"}, .far = 3, .qer = {3, 1},
		.urr = {3}, .qfi = 2);
	FAR(PF_IE_CREATE_FAR, .id = 3, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_CORE);
	QER(PF_IE_CREATE_QER, .id = 3, .gate = 0, .qfi = 2);
	URR(PF_IE_CREATE_URR, .id = 3, .method = PF_MM_VOLUM, .triggers = PF_RT_VOLQU);
	s = mod_ok(s, &x);
	ck_assert(s->n_pdr == 3 && s->n_far == 3 && s->n_qer == 2 && s->n_urr == 2);
	ck_assert(x.n_new_choice == 1 && x.new_choice[0] == 3 && !x.cp_changed && x.n_rm_urr == 0);
	p = pf_sess_pdr(s, 3);
	ck_assert(p->n_qer == 2 && p->qer[0] == 3 && p->qer[1] == 1 && p->qfi_mask == 1u << 2);
	ck_assert(p->sdf[0].flow.proto == 17 && p->sdf[0].flow.src.ports[0][0] == 5060);
	/* the chosen F-TEID (as the caller writes it) survives a modification */
	pf_sess_pdr(s, 1)->fteid.teid = 0x1001;
	/* update each: PDR precedence and URR list, FAR action, QER gate and MBR, URR threshold */
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_UPDATE_PDR, .id = 3, .prec = 20, .no_pdi = true, .urr = {1});
	QER(PF_IE_UPDATE_QER, .id = 3, .gate = 0x05, .mbr_ul = 10, .mbr_dl = 20);
	URR(PF_IE_UPDATE_URR, .id = 3, .vol_thresh = 5000, .triggers = PF_RT_VOLTH);
	FAR(PF_IE_UPDATE_FAR, .id = 3, .apply = PF_AA_DROP);
	s = mod_ok(s, &x);
	p = pf_sess_pdr(s, 3);
	ck_assert(p->precedence == 20 && p->n_urr == 1 && p->urr[0] == 1 && p->n_qer == 2 && p->n_sdf == 1);
	ck_assert(p->has_fteid && p->fteid.ch);
	ck_assert_int_eq(pf_sess_pdr(s, 1)->fteid.teid, 0x1001);
	ck_assert(pf_sess_qer(s, 3)->gate_ul == PF_GATE_CLOSED && pf_sess_qer(s, 3)->gate_dl == PF_GATE_CLOSED);
	ck_assert(pf_sess_qer(s, 3)->has_mbr && pf_sess_qer(s, 3)->mbr.dl == 20 && pf_sess_qer(s, 3)->qfi == 2);
	ck_assert(pf_sess_urr(s, 3)->has_vol_thresh && pf_sess_urr(s, 3)->vol_thresh.total == 5000 &&
		pf_sess_urr(s, 3)->triggers == PF_RT_VOLTH && pf_sess_urr(s, 3)->method == PF_MM_VOLUM);
	ck_assert(pf_sess_far(s, 3)->apply == PF_AA_DROP && pf_sess_far(s, 3)->has_fwd);
	/* Update PDR with a new PDI: the PDI replaced, its F-TEID to choose again */
	begin(PF_SESS_MOD_REQ);
	PDR(PF_IE_UPDATE_PDR, .id = 1, .src = PF_IF_ACCESS, .fteid = 1, .chid = 2, .ni = "ims", .ue = 1);
	s = mod_ok(s, &x);
	p = pf_sess_pdr(s, 1);
	ck_assert(p->fteid.ch && p->fteid.teid == 0 && p->fteid.chid == 2 && p->n_sdf == 0);
	ck_assert_str_eq(pf_sess_name(p->ni), "ims");
	ck_assert(x.n_new_choice == 1 && x.new_choice[0] == 1);
	/* remove the flow: its PDR, FAR, QER, URR; the URR's final report asked */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_PDR, PF_IE_PDR_ID, 3);
	rm(PF_IE_REMOVE_FAR, PF_IE_FAR_ID, 3);
	rm(PF_IE_REMOVE_QER, PF_IE_QER_ID, 3);
	rm(PF_IE_REMOVE_URR, PF_IE_URR_ID, 3);
	s = mod_ok(s, &x);
	ck_assert(s->n_pdr == 2 && s->n_far == 2 && s->n_qer == 1 && s->n_urr == 1);
	ck_assert(x.n_rm_urr == 1 && x.rm_urr[0] == 3);
	ck_assert_ptr_null(pf_sess_pdr(s, 3));
	/* remove and create again in one message */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_PDR, PF_IE_PDR_ID, 2);
	PDR(PF_IE_CREATE_PDR, .id = 2, .src = PF_IF_CORE, .ue = 1, .far = 2, .prec = 7);
	s = mod_ok(s, &x);
	ck_assert_int_eq(pf_sess_pdr(s, 2)->precedence, 7);
	/* a new CP F-SEID, Query URR and QAURR */
	begin(PF_SESS_MOD_REQ);
	{
		struct pf_fseid fs = {.seid = 0x3344, .has_v4 = 1, .v4 = {192, 0, 2, 2}};

		pf_enc_fseid(&E, &fs);
	}
	rm(PF_IE_QUERY_URR, PF_IE_URR_ID, 1);
	s = mod_ok(s, &x);
	ck_assert(x.cp_changed && s->cp.seid == 0x3344 && x.n_query_urr == 1 && x.query_urr[0] == 1);
	begin(PF_SESS_MOD_REQ);
	URR(PF_IE_CREATE_URR, .id = 8, .method = PF_MM_DURAT, .time_thresh = 30);
	pf_enc_u8(&E, PF_IE_SMREQ_FLAGS, PF_SMREQ_QAURR);
	s = mod_ok(s, &x);
	ck_assert(!x.cp_changed && x.n_query_urr == 2);
	ck_assert_int_eq(pf_sess_urr(s, 8)->time_thresh, 30);
	pf_sess_free(s);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* Xn/N2 handover: the DL FAR's tunnel changes, an end marker into the old one; then
 * idle mode: buffering with a notification, and back */
START_TEST(modify_path_switch_buffering)
{
	struct pf_session *s = typical(false);
	struct pf_mod x;
	struct pf_far *r;

	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_UPDATE_FAR, .id = 2, .apply = PF_AA_FORW, .fwd = true, .no_dst = true,
		.ohc = PF_OHC_GTPU_UDP_IPV4, .teid = 0xbeef, .sndem = true);
	s = mod_ok(s, &x);
	ck_assert(x.n_sndem == 1 && x.sndem_far[0] == 2);
	r = pf_sess_far(s, 2);
	ck_assert(r->ohc.teid == 0xbeef && r->dst_iface == PF_IF_ACCESS && r->has_fwd);
	/* to IPv6 transport */
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_UPDATE_FAR, .id = 2, .fwd = true, .no_dst = true, .ohc = PF_OHC_GTPU_UDP_IPV6, .teid = 0xcafe);
	s = mod_ok(s, &x);
	ck_assert(x.n_sndem == 0 && pf_sess_far(s, 2)->ohc.desc == PF_OHC_GTPU_UDP_IPV6);
	/* buffering on: BUFF|NOCP with the BAR, tunnel kept */
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_UPDATE_FAR, .id = 2, .apply = PF_AA_BUFF | PF_AA_NOCP, .has_bar = true, .bar = 1);
	bar(PF_IE_UPDATE_BAR, 1, 10);
	s = mod_ok(s, &x);
	r = pf_sess_far(s, 2);
	ck_assert(r->apply == (PF_AA_BUFF | PF_AA_NOCP) && r->has_bar && r->has_ohc && s->bar.dl_notif_delay == 10);
	/* buffering off: FORW to the new tunnel */
	begin(PF_SESS_MOD_REQ);
	FAR(PF_IE_UPDATE_FAR, .id = 2, .apply = PF_AA_FORW, .fwd = true, .dst = PF_IF_ACCESS,
		.ohc = PF_OHC_GTPU_UDP_IPV4, .teid = 0xf00d);
	s = mod_ok(s, &x);
	r = pf_sess_far(s, 2);
	ck_assert(r->apply == PF_AA_FORW && r->ohc.teid == 0xf00d && r->ohc.desc == PF_OHC_GTPU_UDP_IPV4);
	/* the BAR removed while a FAR still names it: refused; with the FAR's BAR ID gone... */
	begin(PF_SESS_MOD_REQ);
	rm(PF_IE_REMOVE_BAR, PF_IE_BAR_ID, 1);
	mod_fails(s, PF_CAUSE_RULE_FAILURE, PF_IE_BAR_ID, PF_RULE_FAR, 2);
	pf_sess_free(s);
}
END_TEST

/* the memory of typical sessions (the goal: <= 2 KiB each) */
START_TEST(memory)
{
	struct pf_session *a = typical(false), *b = typical(true);

	printf("pf_sess: %zu bytes for 2 PDRs, 2 FARs, 1 QER, 1 URR, a BAR; %zu for the UL CL one "
	       "(4 PDRs, 3 FARs, 2 QERs, 2 URRs); names used %u\n",
		pf_sess_bytes(a), pf_sess_bytes(b), pf_sess_names_used());
	ck_assert_uint_le(pf_sess_bytes(a), 2048);
	ck_assert_uint_le(pf_sess_bytes(b), 2048);
	ck_assert_uint_eq(pf_sess_bytes(a), a->bytes);
	pf_sess_free(a);
	pf_sess_free(b);
	pf_sess_free(NULL);
	ck_assert_uint_eq(pf_sess_bytes(NULL), 0);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* names: a full table refuses with 75, and frees as sessions go */
START_TEST(names_full)
{
	static struct pf_session *ss[PF_SESS_NAMES_MAX];
	struct pf_fail f;
	char nm[32];
	int i, n = 0;

	for (i = 0; i < PF_SESS_NAMES_MAX; i++) {
		snprintf(nm, sizeof(nm), "dnn%d", i);
		est_begin();
		PDR(PF_IE_CREATE_PDR, .id = 1, .src = 1, .ni = nm, .far = 1);
		two_fars();
		if (pf_sess_establish(end(), &ss[n], &f) != 0)
			break;
		n++;
	}
	ck_assert_int_eq(n, PF_SESS_NAMES_MAX - 1);
	ck_assert_int_eq(f.cause, PF_CAUSE_NO_RESOURCES);
	ck_assert_int_eq(f.offending_ie, PF_IE_NET_INSTANCE);
	/* a name in use still works */
	est_begin();
	PDR(PF_IE_CREATE_PDR, .id = 1, .src = 1, .ni = "dnn5", .far = 1);
	two_fars();
	ck_assert_int_eq(pf_sess_establish(end(), &ss[n], &f), 0);
	ck_assert_str_eq(pf_sess_name(ss[n]->pdr[0].ni), "dnn5");
	n++;
	for (i = 0; i < n; i++)
		pf_sess_free(ss[i]);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
	ck_assert_str_eq(pf_sess_name(5), "");
}
END_TEST

/* the Failed Rule ID the responses carry (pf_codec's addition for this layer) */
START_TEST(failed_rule_ie)
{
	static const struct pf_node_id up = {.kind = 0, .addr = {192, 0, 2, 10}};
	static const uint32_t want[][2] = {{12, 0x01020307}, {13, 3}};
	struct pf_sess_rsp r = {.type = PF_SESS_DEL_RSP, .cause = 73, .has_failed_rule = 1};
	uint8_t b[512];
	unsigned i;

	for (i = 0; i < 2; i++) {
		int n = pf_test_msg((int)want[i][0], b, sizeof(b)), k;
		uint8_t kind;
		uint32_t id;

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
		k = pf_find(&M, -1, PF_IE_FAILED_RULE_ID, -1);
		ck_assert_int_ge(k, 0);
		ck_assert_int_eq(pf_get_failed_rule(&M.ies[k], &kind, &id), 0);
		ck_assert_int_eq(kind, i == 0 ? PF_RULE_FAR : PF_RULE_PDR);
		ck_assert_uint_eq(id, want[i][1]);
	}
	/* not in a Deletion Response; no rule type 5 */
	ck_assert_int_eq(pf_enc_sess_rsp2(b, sizeof(b), &r), -EINVAL);
	r.type = PF_SESS_EST_RSP;
	r.node = &up;
	r.failed_rule_type = 5;
	ck_assert_int_eq(pf_enc_sess_rsp2(b, sizeof(b), &r), -EINVAL);
	/* a BAR's id is one octet */
	r.failed_rule_type = PF_RULE_BAR;
	r.failed_rule_id = 9;
	ck_assert_int_gt(pf_enc_sess_rsp2(b, sizeof(b), &r), 0);
	ck_assert_int_eq(pf_decode(b, (size_t)pf_enc_sess_rsp2(b, sizeof(b), &r), &M).kind, PF_OK);
	{
		int k = pf_find(&M, -1, PF_IE_FAILED_RULE_ID, -1);
		uint8_t kind;
		uint32_t id;

		ck_assert_int_eq(M.ies[k].len, 2);
		ck_assert_int_eq(pf_get_failed_rule(&M.ies[k], &kind, &id), 0);
		ck_assert(kind == PF_RULE_BAR && id == 9);
	}
	/* a short one refused by the decoder: a FAR's with 2 octets of id */
	begin(PF_SESS_MOD_RSP);
	pf_enc_u8(&E, PF_IE_CAUSE, 73);
	pf_enc_ie(&E, PF_IE_FAILED_RULE_ID, "\x01\x00\x07", 3);
	{
		int n = pf_enc_end(&E);

		ck_assert_int_gt(n, 0);
		ck_assert_int_ne(pf_decode(B, (size_t)n, &M).kind, PF_OK);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pfsess");
	TCase *t = tcase_create("all");

	tcase_add_test(t, flow_good);
	tcase_add_test(t, flow_bad);
	tcase_add_test(t, flow_prefixes);
	tcase_add_test(t, establish_fields);
	tcase_add_test(t, establish_sample);
	tcase_add_test(t, establish_variants);
	tcase_add_test(t, modify_sample);
	tcase_add_test(t, check_ids);
	tcase_add_test(t, check_pdr);
	tcase_add_test(t, check_fteid);
	tcase_add_test(t, check_far);
	tcase_add_test(t, check_qer);
	tcase_add_test(t, check_bounds);
	tcase_add_test(t, modify_checks);
	tcase_add_test(t, modify_rules);
	tcase_add_test(t, modify_path_switch_buffering);
	tcase_add_test(t, memory);
	tcase_add_test(t, names_full);
	tcase_add_test(t, failed_rule_ie);
	tcase_add_test(t, check_unacted);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_ENV);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
