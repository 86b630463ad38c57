/* libFuzzer target for the PFCP codec alone: any bytes through pf_decode; what it accepts,
 * re-encoded, decodes again to the same bytes (the re-encoding is the canonical form:
 * unknown and vendor IEs dropped), and the typed getters hold on every IE. Seeds:
 * `build/tests/pfcp_dump seeds tests/fuzz/corpus/pfcp` (every message of pf_test_msgs.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct pf_msg m1, m2;
static uint8_t b1[65600], b2[65600];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		struct pf_node_id n;
		struct pf_fseid fs;
		struct pf_fteid ft;
		struct pf_ue_ip ue;
		struct pf_sdf sdf;
		struct pf_ohc ohc;
		struct pf_volume vol;
	} u;
	char s[256];
	uint32_t rule_id;
	uint8_t rule_kind;
	int n1, n2, i;

	if (pf_decode(data, size, &m1).kind != PF_OK)
		return 0;
	CHECK(m1.n_ies <= PF_IES_MAX);
	for (i = 0; i < m1.n_ies; i++) {
		const struct pf_ie *ie = &m1.ies[i];

		CHECK(ie->depth < PF_DEPTH_MAX && ie->v >= data && ie->v + ie->len <= data + size);
		switch (ie->type) {
		case PF_IE_NODE_ID:
			CHECK(pf_get_node_id(ie, &u.n) == 0 || u.n.kind == 2);
			break;
		case PF_IE_FSEID:
			CHECK(pf_get_fseid(ie, &u.fs) == 0);
			break;
		case PF_IE_FTEID:
			CHECK(pf_get_fteid(ie, &u.ft) == 0);
			break;
		case PF_IE_UE_IP:
			CHECK(pf_get_ue_ip(ie, &u.ue) == 0);
			break;
		case PF_IE_SDF_FILTER:
			CHECK(pf_get_sdf(ie, &u.sdf) == 0);
			break;
		case PF_IE_OHC:
			CHECK(pf_get_ohc(ie, &u.ohc) == 0);
			break;
		case PF_IE_VOL_MEAS:
		case PF_IE_VOL_QUOTA:
		case PF_IE_VOL_THRESH:
			CHECK(pf_get_volume(ie, &u.vol) == 0);
			break;
		case PF_IE_FAILED_RULE_ID:
			CHECK(pf_get_failed_rule(ie, &rule_kind, &rule_id) == 0);
			break;
		case PF_IE_NET_INSTANCE:
			(void)pf_get_string(ie, s, sizeof(s));
			break;
		}
	}
	n1 = pf_reencode(&m1, b1, sizeof(b1));
	CHECK(n1 > 0 && (size_t)n1 <= size);
	CHECK(pf_decode(b1, (size_t)n1, &m2).kind == PF_OK);
	CHECK(m2.n_ies == m1.n_ies && m2.hdr.type == m1.hdr.type && m2.hdr.seq == m1.hdr.seq &&
		m2.hdr.seid == m1.hdr.seid);
	n2 = pf_reencode(&m2, b2, sizeof(b2));
	CHECK(n2 == n1 && memcmp(b1, b2, (size_t)n1) == 0);
	return 0;
}
