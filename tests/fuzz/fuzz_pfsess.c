/* libFuzzer target for the PFCP session model (pf_sess, pf_flow) over the codec: the input
 * is a 2-octet length L, a Session Establishment Request of L octets, then a Modification
 * Request (the rest). What is accepted must hold the model's invariants (bounds, ids
 * sorted, every PDR's FAR/QER/URR there, FAR actions and BAR as checked); the current
 * session never changes under a modification; every interned name is released at the
 * end. The SDF filters' flow descriptions also go through pf_flow_parse alone. Seeds:
 * tests/fuzz/corpus/pfsess (the establishment and modification samples of pf_test_msgs.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_codec.h"
#include "pf_flow.h"
#include "pf_sess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct pf_msg m1, m2;

static void
check_sess(const struct pf_session *s)
{
	int i, k;

	CHECK(s->n_pdr <= PF_SESS_PDR_MAX && s->n_far <= PF_SESS_FAR_MAX && s->n_qer <= PF_SESS_QER_MAX &&
		s->n_urr <= PF_SESS_URR_MAX && pf_sess_bytes(s) >= sizeof(*s));
	for (i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		CHECK(i == 0 || s->pdr[i - 1].id < p->id);
		CHECK(pf_sess_pdr(s, p->id) == p && pf_sess_far(s, p->far_id) != NULL);
		CHECK(p->n_sdf <= PF_SESS_SDF_MAX && p->src_iface <= PF_SRC_IFACE_MAX);
		CHECK(!p->has_ohr || p->ohr == 0 || p->ohr == 1 || p->ohr == 6);
		for (k = 0; k < p->n_qer; k++)
			CHECK(pf_sess_qer(s, p->qer[k]) != NULL);
		for (k = 0; k < p->n_urr; k++)
			CHECK(pf_sess_urr(s, p->urr[k]) != NULL);
		(void)strlen(pf_sess_name(p->ni));
		(void)strlen(pf_sess_name(p->app));
	}
	for (i = 0; i < s->n_far; i++) {
		const struct pf_far *r = &s->far[i];

		CHECK(i == 0 || s->far[i - 1].id < r->id);
		CHECK(r->apply == PF_AA_FORW || r->apply == PF_AA_DROP || r->apply == PF_AA_BUFF ||
			r->apply == (PF_AA_BUFF | PF_AA_NOCP) || r->apply == PF_AA_NOCP);
		CHECK(!(r->apply & PF_AA_FORW) || r->has_fwd);
		CHECK(!r->has_bar || (s->bar.present && s->bar.id == r->bar_id));
		CHECK(!r->has_ohc || (r->ohc.desc & 0xff00) == PF_OHC_GTPU_UDP_IPV4 ||
			(r->ohc.desc & 0xff00) == PF_OHC_GTPU_UDP_IPV6 || (r->ohc.desc & 0xff00) == PF_OHC_GTPU_UDP_IP);
	}
	for (i = 0; i < s->n_qer; i++)
		CHECK(s->qer[i].gate_ul <= 1 && s->qer[i].gate_dl <= 1 && pf_sess_qer(s, s->qer[i].id) == &s->qer[i]);
	for (i = 0; i < s->n_urr; i++)
		CHECK(pf_sess_urr(s, s->urr[i].id) == &s->urr[i]);
}

static void
flows(const struct pf_msg *m)
{
	struct pf_sdf sdf;
	struct pf_flow f;
	int i;

	for (i = 0; i < m->n_ies; i++)
		if (m->ies[i].type == PF_IE_SDF_FILTER && pf_get_sdf(&m->ies[i], &sdf) == 0 &&
			pf_flow_parse(sdf.fd, sizeof(sdf.fd), &f) == 0)
			CHECK(f.src.n_ports <= PF_FLOW_PORTS && f.dst.n_ports <= PF_FLOW_PORTS &&
				pf_flow_ue(&f) != pf_flow_remote(&f));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_session *s = NULL, *t = NULL, *u = NULL;
	struct pf_fail f;
	struct pf_mod x;
	size_t l;

	if (size < 2)
		return 0;
	l = (size_t)data[0] << 8 | data[1];
	if (l > size - 2)
		return 0;
	if (pf_decode(data + 2, l, &m1).kind != PF_OK)
		return 0;
	flows(&m1);
	if (pf_sess_establish(&m1, &s, &f) != 0) {
		CHECK(s == NULL && f.cause != 0);
		CHECK(pf_sess_names_used() == 0);
		return 0;
	}
	check_sess(s);
	if (pf_decode(data + 2 + l, size - 2 - l, &m2).kind == PF_OK) {
		size_t n = pf_sess_bytes(s);
		void *before = malloc(n);

		CHECK(before != NULL);
		memcpy(before, s, n);
		flows(&m2);
		if (pf_sess_modify(s, &m2, &t, &x, &f) == 0) {
			check_sess(t);
			CHECK(x.n_rm_urr <= PF_SESS_URR_MAX && x.n_query_urr <= PF_SESS_URR_MAX);
			/* again onto the result: refused or not, it holds */
			if (pf_sess_modify(t, &m2, &u, &x, &f) == 0)
				check_sess(u);
		} else {
			CHECK(t == NULL && f.cause != 0);
		}
		CHECK(memcmp(before, s, n) == 0);
		free(before);
	}
	pf_sess_free(s);
	pf_sess_free(t);
	pf_sess_free(u);
	CHECK(pf_sess_names_used() == 0);
	return 0;
}
