/* The PFCP codec from the command line, for tests/unit/test_pfcp_scapy.py and the fuzz seeds:
 *   pfcp_dump decode     < msg   the decoded tree, one IE a line ("depth type name len hex",
 *                                typed fields after), or "error kind cause ie"
 *   pfcp_dump reencode   < msg   the decoded message encoded again, to stdout
 *   pfcp_dump msg N              sample message N (pf_test_msgs.c) to stdout
 *   pfcp_dump seeds DIR          every sample message as DIR/seed-N.bin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_codec.h"
#include "pf_test_msgs.h"

static struct pf_msg m;
static uint8_t in[65600], out[65600];

static void
ip4(const uint8_t *a)
{
	printf("%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void
typed(const struct pf_ie *ie)
{
	struct pf_fteid ft;
	struct pf_fseid fs;
	struct pf_ue_ip ue;
	struct pf_sdf sdf;
	struct pf_ohc ohc;
	struct pf_node_id n;
	struct pf_volume v;
	uint32_t u32;
	uint16_t u16;
	char s[256];

	switch (ie->type) {
	case PF_IE_NODE_ID:
		if (pf_get_node_id(ie, &n) == 0 && n.kind == 0)
			printf(" ipv4="), ip4(n.addr);
		else if (n.kind == 2)
			printf(" fqdn=%s", n.fqdn);
		break;
	case PF_IE_FSEID:
		if (pf_get_fseid(ie, &fs) == 0) {
			printf(" seid=%llu", (unsigned long long)fs.seid);
			if (fs.has_v4)
				printf(" ipv4="), ip4(fs.v4);
		}
		break;
	case PF_IE_FTEID:
		if (pf_get_fteid(ie, &ft) == 0) {
			printf(" ch=%u chid=%u teid=%u v4=%u", ft.ch, ft.chid, ft.teid, ft.has_v4);
			if (ft.has_v4 && !ft.ch)
				printf(" ipv4="), ip4(ft.v4);
		}
		break;
	case PF_IE_UE_IP:
		if (pf_get_ue_ip(ie, &ue) == 0 && ue.has_v4)
			printf(" sd=%u ipv4=", ue.sd), ip4(ue.v4);
		break;
	case PF_IE_SDF_FILTER:
		if (pf_get_sdf(ie, &sdf) == 0)
			printf(" fd=%s", sdf.fd);
		break;
	case PF_IE_OHC:
		if (pf_get_ohc(ie, &ohc) == 0)
			printf(" desc=%u teid=%u ipv4=", ohc.desc, ohc.teid), ip4(ohc.v4);
		break;
	case PF_IE_NET_INSTANCE:
		if (pf_get_string(ie, s, sizeof(s)) == 0)
			printf(" name=%s", s);
		break;
	case PF_IE_VOL_MEAS:
		if (pf_get_volume(ie, &v) == 0)
			printf(" total=%llu ul=%llu dl=%llu", (unsigned long long)v.total,
				(unsigned long long)v.ul, (unsigned long long)v.dl);
		break;
	case PF_IE_PDR_ID:
	case PF_IE_OFFENDING_IE:
		if (pf_get_u16(ie, &u16) == 0)
			printf(" value=%u", u16);
		break;
	case PF_IE_FAR_ID:
	case PF_IE_QER_ID:
	case PF_IE_URR_ID:
	case PF_IE_PRECEDENCE:
	case PF_IE_RECOVERY_TS:
	case PF_IE_UR_SEQN:
	case PF_IE_DUR_MEAS:
		if (pf_get_u32(ie, &u32) == 0)
			printf(" value=%u", u32);
		break;
	case PF_IE_CAUSE:
	case PF_IE_SRC_IFACE:
	case PF_IE_DST_IFACE:
	case PF_IE_OHR:
	case PF_IE_APPLY_ACTION:
	case PF_IE_GATE_STATUS:
	case PF_IE_QFI:
	case PF_IE_REPORT_TYPE:
		printf(" value=%u", ie->v[0]);
		break;
	}
}

int
main(int argc, char **argv)
{
	struct pf_result r;
	size_t n;
	int i, k;

	if (argc >= 3 && strcmp(argv[1], "msg") == 0) {
		k = pf_test_msg(atoi(argv[2]), out, sizeof(out));
		if (k < 0)
			return 1;
		fwrite(out, 1, (size_t)k, stdout);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "seeds") == 0) {
		for (i = 0; i < PF_TEST_N_MSGS; i++) {
			char p[4096];
			FILE *f;

			k = pf_test_msg(i, out, sizeof(out));
			snprintf(p, sizeof(p), "%s/seed-%02d.bin", argv[2], i);
			f = fopen(p, "wb");
			if (k < 0 || f == NULL)
				return 1;
			fwrite(out, 1, (size_t)k, f);
			fclose(f);
		}
		return 0;
	}
	if (argc < 2)
		return 2;
	n = fread(in, 1, sizeof(in), stdin);
	r = pf_decode(in, n, &m);
	if (r.kind != PF_OK) {
		printf("error %d %u %u\n", r.kind, r.cause, r.ie_type);
		return 1;
	}
	if (strcmp(argv[1], "reencode") == 0) {
		k = pf_reencode(&m, out, sizeof(out));
		if (k < 0)
			return 1;
		fwrite(out, 1, (size_t)k, stdout);
		return 0;
	}
	printf("msg type=%u seid=%llu seq=%u\n", m.hdr.type, (unsigned long long)m.hdr.seid, m.hdr.seq);
	for (i = 0; i < m.n_ies; i++) {
		const struct pf_ie *ie = &m.ies[i];

		printf("ie %u %u %s len=%u", ie->depth, ie->type, pf_ie_name(ie->type), ie->len);
		typed(ie);
		printf("\n");
	}
	return 0;
}
