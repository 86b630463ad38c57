/* libFuzzer target for the packet parser and the GTP-U header walk.
 * Beyond "no crash, no over-read" it checks what later stages rely on:
 * a named parse.* reason, offsets inside the packet, no stale metadata,
 * the same answer when headers are split across mbuf segments, and (built
 * with -DDP_PARSE_TEST_HOOKS) the fast path agreeing with the general one.
 * GTP-U is the upf's hook for port 2152 (pipelines/upf/datapath/up_gtpu.c),
 * registered as the upf's init does; what it finds is compared with the
 * metadata (struct pmeta).
 * Link with replay_main.c instead of -fsanitize=fuzzer to replay a corpus. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_parse.h"
#include "gtp.h"
#include "up_gtpu.h"

#ifdef DP_PARSE_TEST_HOOKS
unsigned int dp_parse_pkt_general_m(const uint8_t *data, uint32_t len,
				    struct dp_meta *md, struct rte_mbuf *m);
#endif

/* dp_meta and the upf's field, which is valid (else zeroed here) under
 * up_is_gtpu() only */
struct pmeta {
	struct dp_meta md;
	struct up_gtpu g;
};
_Static_assert(sizeof(struct pmeta) == sizeof(struct dp_meta) + sizeof(struct up_gtpu), "no padding");

static void
take(struct pmeta *p, const struct dp_meta *md, struct rte_mbuf *m)
{
	p->md = *md;
	if (up_is_gtpu(md))
		p->g = *up_gtpu(m);
	else
		memset(&p->g, 0, sizeof(p->g));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {                                                   \
	if (!(c)) {                                                     \
		fprintf(stderr, "fuzz_parse: check failed: %s (line %d)\n", \
			#c, __LINE__);                                  \
		abort();                                                \
	}                                                               \
} while (0)

static void
check_reason(unsigned int r)
{
	const char *n = dp_drop_name(r);

	CHECK(n != NULL);
	CHECK(r == 0 || strncmp(n, "parse.", 6) == 0);
}

/* What a stage may assume about an accepted packet. */
static void
check_meta(const struct pmeta *p, size_t size)
{
	const struct dp_meta *md = &p->md;
	const struct up_gtpu *g = &p->g;
	uint32_t f = md->flags;

	CHECK(md->l2_len == 14 || md->l2_len == 18 || md->l2_len == 22);
	CHECK(md->l2_len <= size);
	CHECK(!(f & DP_MF_QINQ) || (f & DP_MF_VLAN));
	CHECK((md->l2_len == 14) == !(f & DP_MF_VLAN));
	CHECK(!((f & DP_MF_IPV4) && (f & DP_MF_IPV6)));
	if (f & DP_MF_IPV4)
		CHECK(md->l3_off == md->l2_len && md->l3_off + 20u <= size &&
		      md->ethertype == 0x0800);
	if (f & DP_MF_IPV6)
		CHECK(md->l3_off == md->l2_len && md->l3_off + 40u <= size &&
		      md->ethertype == 0x86dd);
	if (f & DP_MF_ARP)
		CHECK(md->l3_off + 28u <= size && md->ethertype == 0x0806);
	if (!(f & (DP_MF_IPV4 | DP_MF_IPV6 | DP_MF_ARP)))
		CHECK(md->l3_off == 0 && md->ttl == 0 && md->l4_proto == 0);
	if (f & DP_MF_FRAG_LATER)
		CHECK((f & DP_MF_FRAG) && !(f & DP_MF_L4) && md->l4_off == 0);
	if (f & DP_MF_L4) {
		CHECK(f & (DP_MF_IPV4 | DP_MF_IPV6));
		CHECK(md->l4_off > md->l3_off);
		switch (md->l4_proto) {
		case 6:  CHECK(md->l4_off + 20u <= size); break;
		case 17: CHECK(md->l4_off + 8u <= size); break;
		case 1:  CHECK(md->l4_off + 8u <= size); break;
		case 58: CHECK(md->l4_off + 4u <= size); break;
		default: CHECK(0);
		}
	} else {
		CHECK(md->sport == 0 && md->dport == 0);
	}
	/* port 2152's is the only parser registered */
	if (f & DP_MF_TUN) {
		CHECK((f & DP_MF_L4) && md->l4_proto == 17 && up_is_gtpu(md) &&
		      up_gtpu_hdr_off(md) + 8u <= size);
		CHECK(g->qfi <= 63);
		CHECK(g->pdu_type == 0xff || g->pdu_type <= 15);
		CHECK(g->msg == GTPU_MSG_GPDU || (g->inner_off == 0 && !g->inner));
	} else {
		CHECK(md->tun_key == 0);
	}
	if (g->inner) {
		CHECK(f & DP_MF_TUN);
		CHECK(g->inner_off >= up_gtpu_hdr_off(md) + 8u);
		CHECK(g->inner_off + 20u <= size);
	}
	CHECK(md->slice == 0 && md->out_port == 0 && md->tunnel == 0 && md->drop == 0 &&
	      md->feature == 0 && md->punt == 0);
}

/* The parser as the worker runs it: on an mbuf whose first segment holds
 * only seg bytes (an exact-size copy, so reads past it are caught). */
static unsigned int
parse_split(const uint8_t *data, uint32_t seg, uint32_t pkt, int rss,
	    struct pmeta *out)
{
	static union {
		struct rte_mbuf m;
		uint8_t raw[sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE];
	} mb __attribute__((aligned(RTE_CACHE_LINE_SIZE)));
	struct rte_mbuf *m = &mb.m;
	uint8_t *copy = malloc(seg ? seg : 1);
	uint16_t next = 0xffff;
	uint16_t n;

	CHECK(copy != NULL);
	memcpy(copy, data, seg);
	memset(&mb, 0, sizeof(mb));
	memset(up_gtpu(m), 0x6b, sizeof(struct up_gtpu));
	m->buf_addr = copy;
	m->buf_len = (uint16_t)seg;
	m->data_len = (uint16_t)seg;
	m->pkt_len = pkt;
	m->nb_segs = seg < pkt ? 2 : 1;
	m->priv_size = DP_META_PRIV_SIZE;
	if (rss) {
		m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
		m->hash.rss = 0x12345678;
	}
	memset(dp_meta(m), 0x3c, sizeof(struct dp_meta));
	dp_meta(m)->in_port = 7;
	n = dp_parse_burst(NULL, &m, 1, &next);
	CHECK(n == (next == DP_NEXT_CONTINUE));
	CHECK(next == DP_NEXT_CONTINUE || DP_NEXT_IS_DROP(next));
	take(out, dp_meta(m), m);
	free(copy);
	return next == DP_NEXT_CONTINUE ? 0 : DP_NEXT_REASON(next);
}

static void
fuzz_gtp(const uint8_t *data, size_t size)
{
	struct gtp_info gi;
	uint8_t hb[16];
	int rc, n;

	rc = gtp_parse(data, (uint32_t)size, &gi);
	CHECK(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE || rc == -ELOOP ||
	      rc == -EBADMSG);
	if (rc == 0) {
		CHECK(gi.hdr_len >= 8 && gi.hdr_len <= size);
		CHECK(gi.hdr_len - 8u <= gi.length);
		CHECK(gi.n_ext <= GTP_EXT_MAX);
		CHECK(gi.qfi <= 63);
		CHECK(gi.pdu_type == 0xff || gi.pdu_type <= 15);
	} else {
		CHECK(gi.hdr_len == 0 && gi.pdu_type == 0xff);
	}

	/* Builder round trip with parameters taken from the input. */
	if (size >= 8) {
		uint32_t teid = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
				(uint32_t)data[2] << 8 | data[3];
		uint16_t plen = (uint16_t)(data[4] << 8 | data[5]);
		int qfi = (int)(int8_t)data[6];
		int t = data[7] & 3;

		n = gtp_build_gpdu_hdr(hb, data[7] >> 3, teid, plen, qfi, t);
		if (n > 0) {
			CHECK(gtp_parse(hb, (uint32_t)n, &gi) == 0);
			CHECK(gi.hdr_len == n && gi.teid == teid &&
			      gi.msg_type == GTPU_MSG_GPDU &&
			      gi.length == plen + n - 8);
			CHECK(qfi < 0 ? gi.pdu_type == 0xff :
			      gi.qfi == qfi && gi.pdu_type == t);
		} else {
			CHECK(n == -ENOSPC || n == -EINVAL || n == -EMSGSIZE);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int hooked;
	struct pmeta md, md2, ms;
	struct dp_meta tmp;
	union {
		struct rte_mbuf m;
		uint8_t b[sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE];
	} mb;
	unsigned int r, r2, rs;
	uint32_t len = (uint32_t)size, seg;

	if (size > 65535)
		return 0;       /* a first segment never holds more */
	if (!hooked) {
		CHECK(up_gtpu_init() == 0);   /* the upf's init */
		hooked = 1;
	}

	memset(&tmp, 0xa5, sizeof(tmp));
	memset(&mb, 0xa5, sizeof(mb));
	tmp.in_port = 7;
	r = dp_parse_pkt_m(data, len, &tmp, &mb.m);
	take(&md, &tmp, &mb.m);
	check_reason(r);
	CHECK(md.md.in_port == 7);
	if (r == 0)
		check_meta(&md, size);

	/* Other garbage in, same metadata out: nothing stale survives. */
	memset(&tmp, 0x5a, sizeof(tmp));
	memset(&mb, 0x5a, sizeof(mb));
	tmp.in_port = 7;
	r2 = dp_parse_pkt_m(data, len, &tmp, &mb.m);
	take(&md2, &tmp, &mb.m);
	CHECK(r2 == r);
	if (r == 0)
		CHECK(memcmp(&md, &md2, sizeof(md)) == 0);

#ifdef DP_PARSE_TEST_HOOKS
	memset(&tmp, 0xc3, sizeof(tmp));
	memset(&mb, 0xc3, sizeof(mb));
	tmp.in_port = 7;
	r2 = dp_parse_pkt_general_m(data, len, &tmp, &mb.m);
	take(&md2, &tmp, &mb.m);
	CHECK(r2 == r);
	if (r == 0)
		CHECK(memcmp(&md, &md2, sizeof(md)) == 0);
#endif

	/* Whole packet in one mbuf segment, then split where the input's last
	 * byte says: the split may only turn the answer into multiseg. */
	rs = parse_split(data, len, len, 0, &ms);
	CHECK(rs == r);
	if (r == 0)
		CHECK(memcmp(&md, &ms, sizeof(md)) == 0);
	seg = size ? (uint32_t)(data[size - 1] * size / 256) : 0;
	rs = parse_split(data, seg, len, size && (data[0] & 1), &ms);
	check_reason(rs);
	if (rs == 0) {
		CHECK(r == 0);
		md2 = md;
		if (size && (data[0] & 1))
			md2.md.hash = 0x12345678;
		CHECK(memcmp(&md2, &ms, sizeof(md)) == 0);
	} else {
		CHECK(rs == r || rs == DP_DROP_parse_multiseg);
	}

	fuzz_gtp(data, size);
	return 0;
}
