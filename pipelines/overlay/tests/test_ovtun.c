/* Overlay tunnel headers (pipelines/overlay/datapath/ov_tun.c): every check of the
 * decap side on crafted and truncated VXLAN/GENEVE headers, and the encap
 * side's outer headers read back field by field. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ov_tun.h"

static void
vxlan(uint8_t *p, uint8_t flags, uint32_t vni)
{
	memset(p, 0, 8);
	p[0] = flags;
	p[4] = (uint8_t)(vni >> 16);
	p[5] = (uint8_t)(vni >> 8);
	p[6] = (uint8_t)vni;
}

static void
geneve(uint8_t *p, uint8_t optlen4, uint8_t flags, uint16_t proto, uint32_t vni)
{
	memset(p, 0, 8);
	p[0] = optlen4 & 0x3f;
	p[1] = flags;
	p[2] = (uint8_t)(proto >> 8);
	p[3] = (uint8_t)proto;
	p[4] = (uint8_t)(vni >> 16);
	p[5] = (uint8_t)(vni >> 8);
	p[6] = (uint8_t)vni;
}

START_TEST(vxlan_read)
{
	uint8_t b[64] = { 0 };
	uint32_t vni = 0, hlen = 0;

	vxlan(b, 0x08, 0xabcdef);
	ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, 22, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(vni, 0xabcdef);
	ck_assert_uint_eq(hlen, 8);
	/* reserved bits are ignored on receipt; the I flag is not */
	vxlan(b, 0xff, 1);
	b[3] = b[7] = 0xff;
	ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, 22, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(vni, 1);
	vxlan(b, 0xf7, 1);
	ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, 22, &vni, &hlen), OV_TUN_VXLAN_FLAGS);
	/* the header, then a whole inner Ethernet header, must be there */
	vxlan(b, 0x08, 1);
	for (uint32_t len = 0; len < 22; len++)
		ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, len, &vni, &hlen), OV_TUN_TRUNC);
}
END_TEST

/* A tagged inner frame is discarded (RFC 7348 6.1), whatever its TPID,
 * GENEVE alike; an untagged one of any other type is taken. */
START_TEST(inner_vlan)
{
	static const uint16_t tpid[] = { 0x8100, 0x88a8, 0x9100 };
	uint8_t b[8 + 8 + 18] = { 0 };
	uint32_t vni = 0, hlen = 0;

	for (unsigned int i = 0; i < 3; i++) {
		vxlan(b, 0x08, 9);
		b[8 + 12] = (uint8_t)(tpid[i] >> 8);
		b[8 + 13] = (uint8_t)tpid[i];
		ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, 8 + 18, &vni, &hlen), OV_TUN_INNER_VLAN);
		geneve(b, 0, 0, 0x6558, 9);
		b[8 + 12] = (uint8_t)(tpid[i] >> 8);
		b[8 + 13] = (uint8_t)tpid[i];
		ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 8 + 18, &vni, &hlen), OV_TUN_INNER_VLAN);
		/* after 4 bytes of non-critical options, alike */
		geneve(b, 1, 0, 0x6558, 9);
		b[12 + 12] = (uint8_t)(tpid[i] >> 8);
		b[12 + 13] = (uint8_t)tpid[i];
		ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 12 + 18, &vni, &hlen), OV_TUN_INNER_VLAN);
	}
	memset(b, 0, sizeof(b));
	vxlan(b, 0x08, 9);
	b[8 + 12] = 0x86;
	b[8 + 13] = 0xdd;
	ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b, 8 + 14, &vni, &hlen), OV_TUN_OK);
}
END_TEST

START_TEST(geneve_read)
{
	uint8_t b[300] = { 0 };
	uint32_t vni = 0, hlen = 0;

	geneve(b, 0, 0, 0x6558, 77);
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 22, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(vni, 77);
	ck_assert_uint_eq(hlen, 8);
	/* non-critical options are skipped: 63 words of them at most */
	geneve(b, 63, 0, 0x6558, 78);
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 8 + 252 + 14, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(hlen, 8 + 252);
	for (uint32_t len = 8; len < 8 + 252 + 14; len++)
		ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, len, &vni, &hlen), OV_TUN_TRUNC);
	geneve(b, 0, 0, 0x6558, 1);
	b[0] |= 0x40;                                   /* version 1 */
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 22, &vni, &hlen), OV_TUN_GENEVE_VERSION);
	geneve(b, 0, 0x80, 0x6558, 1);
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 22, &vni, &hlen), OV_TUN_GENEVE_OAM);
	geneve(b, 1, 0x40, 0x6558, 1);
	b[10] = 0x80;                                   /* an option of a type this box does not know, critical */
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 26, &vni, &hlen), OV_TUN_GENEVE_CRITICAL);
	geneve(b, 0, 0x40, 0x6558, 1);                  /* C said, no option there */
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 22, &vni, &hlen), OV_TUN_GENEVE_CRITICAL);
	geneve(b, 1, 0x40, 0x6558, 1);                  /* C said, a non-critical option there */
	b[10] = 0x01;
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 26, &vni, &hlen), OV_TUN_GENEVE_CRITICAL);
	geneve(b, 0, 0, 0x0800, 1);
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, 22, &vni, &hlen), OV_TUN_GENEVE_PROTO);
	for (uint32_t len = 0; len < 8; len++)
		ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b, len, &vni, &hlen), OV_TUN_TRUNC);
}
END_TEST

/* The repair option: read back as written, beside options skipped; each
 * way it can be malformed refused by name; never read past the options. */
START_TEST(repair_option)
{
	uint8_t b[96] = { 0 };
	uint32_t vni = 0, hlen = 0;
	struct ov_tun_rep w = { .on = true, .stream = 0xdeadbeef, .seq = 0x01020304, .k = 5, .idx = 5, .lenx = 0x0abc };
	struct ov_tun_rep r;

	/* a non-critical option of someone else's (2 words), then ours (4) */
	geneve(b, 6, 0x40, 0x6558, 9);
	b[8] = 0x01;
	b[10] = 0x05;
	b[11] = 1;
	ov_tun_rep_write(b + 16, &w);
	ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 24 + 14, &vni, &hlen, &r), OV_TUN_OK);
	ck_assert(r.on);
	ck_assert_uint_eq(hlen, 32);
	ck_assert_uint_eq(r.stream, 0xdeadbeef);
	ck_assert_uint_eq(r.seq, 0x01020304);
	ck_assert_uint_eq(r.k, 5);
	ck_assert_uint_eq(r.idx, 5);
	ck_assert_uint_eq(r.lenx, 0x0abc);
	/* cut anywhere in the options: truncated, never read past */
	for (uint32_t len = 8; len < 8 + 24 + 14; len++)
		ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, len, &vni, &hlen, &r), OV_TUN_TRUNC);
	/* an option's length past the options */
	geneve(b, 4, 0x40, 0x6558, 9);
	ov_tun_rep_write(b + 8, &w);
	b[11] = 5;
	ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 16 + 14, &vni, &hlen, &r), OV_TUN_TRUNC);
	/* ours of another length */
	geneve(b, 5, 0x40, 0x6558, 9);
	ov_tun_rep_write(b + 8, &w);
	b[11] = 4;
	ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 20 + 14, &vni, &hlen, &r), OV_TUN_REPAIR);
	/* twice */
	geneve(b, 8, 0x40, 0x6558, 9);
	ov_tun_rep_write(b + 8, &w);
	ov_tun_rep_write(b + 24, &w);
	ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 32 + 14, &vni, &hlen, &r), OV_TUN_REPAIR);
	/* a block of one, of 17, an index past the parity's, a length XOR on a data frame */
	{
		const struct ov_tun_rep bad[] = {
			{ .on = true, .stream = 1, .k = 1 }, { .on = true, .stream = 1, .k = 17 },
			{ .on = true, .stream = 1, .k = 4, .idx = 5 }, { .on = true, .stream = 1, .k = 4, .idx = 2, .lenx = 3 },
		};

		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			geneve(b, 4, 0x40, 0x6558, 9);
			ov_tun_rep_write(b + 8, &bad[i]);
			ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 16 + 14, &vni, &hlen, &r), OV_TUN_REPAIR);
		}
	}
	/* a duplicated class's frame: no block */
	w = (struct ov_tun_rep){ .on = true, .stream = 7, .seq = 9 };
	geneve(b, 4, 0x40, 0x6558, 9);
	ov_tun_rep_write(b + 8, &w);
	ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, b, 8 + 16 + 14, &vni, &hlen, &r), OV_TUN_OK);
	ck_assert(r.on && r.k == 0 && r.seq == 9);
	/* the encap side: GENEVE with 4 words of options, C set */
	{
		struct ov_encap_hdr h = { .type = OV_TUN_GENEVE, .vni = 5, .src = 1, .dst = 2, .ttl = 64,
					  .sport = 50000, .opt_words = OV_REP_OPT_LEN / 4 };
		uint8_t o[36 + 16 + 14] = { 0 };

		ov_tun_rep_write(o + 36, &w);
		ov_tun_write(o, &h, 16 + 14);
		ck_assert_int_eq(ov_tun_read_rep(OV_TUN_GENEVE, o + 28, 8 + 16 + 14, &vni, &hlen, &r), OV_TUN_OK);
		ck_assert(r.on && r.stream == 7);
		ck_assert_uint_eq(hlen, 24);
		ck_assert_uint_eq(o[29] & 0x40, 0x40);
	}
}
END_TEST

/* Random bytes never read past len and never yield an inner frame past it. */
START_TEST(read_random)
{
	uint8_t b[300];

	srand(7);
	for (int it = 0; it < 200000; it++) {
		uint32_t len = (uint32_t)rand() % 300, vni, hlen;
		uint8_t *p = malloc(len ? len : 1);

		for (uint32_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rand();
		memcpy(p, b, len);
		for (int t = 0; t < 2; t++) {
			struct ov_tun_rep r;

			if (ov_tun_read_rep(t ? OV_TUN_GENEVE : OV_TUN_VXLAN, p, len, &vni, &hlen, &r) == OV_TUN_OK) {
				ck_assert_uint_le(hlen + 14, len);
				ck_assert_uint_le(vni, OV_VNI_MAX);
				ck_assert(!r.on || r.k <= OV_REP_K_MAX);
			}
		}
		free(p);
	}
}
END_TEST

/* Random headers, byte for byte what a field-by-field build gives: the
 * header is composed in registers, so every field's place is checked. */
START_TEST(write_random)
{
	srand(7);
	for (int it = 0; it < 200000; it++) {
		uint8_t b[80], want[36];
		struct ov_encap_hdr h = { .type = rand() & 1 ? OV_TUN_GENEVE : OV_TUN_VXLAN,
					  .vni = (uint32_t)rand() & OV_VNI_MAX, .src = (uint32_t)rand() * 2654435761u,
					  .dst = (uint32_t)rand() ^ (uint32_t)rand() << 16, .ttl = (uint8_t)rand(),
					  .tos = (uint8_t)rand(), .sport = (uint16_t)rand() };
		uint16_t len = (uint16_t)(rand() % 9000 + 14);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)want;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(want + 20);
		uint32_t vni = rte_cpu_to_be_32(h.vni << 8);

		memset(want, 0, sizeof(want));
		ip->version_ihl = 0x45;
		ip->type_of_service = h.tos;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(36 + len));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = h.ttl;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = h.src;
		ip->dst_addr = h.dst;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->src_port = rte_cpu_to_be_16(h.sport);
		udp->dst_port = rte_cpu_to_be_16(ov_tun_port(h.type));
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(16 + len));
		if (h.type == OV_TUN_VXLAN) {
			want[28] = OV_VXLAN_F_I;
		} else {
			want[30] = OV_ETH_P_TEB >> 8;
			want[31] = OV_ETH_P_TEB & 0xff;
		}
		memcpy(want + 32, &vni, 4);
		memset(b, 0xee, sizeof(b));
		ov_tun_write(b, &h, len);
		ck_assert_mem_eq(b, want, sizeof(want));
		ck_assert_uint_eq(b[36], 0xee);
	}
}
END_TEST

START_TEST(write_outer)
{
	uint8_t b[128];
	struct ov_encap_hdr h = { .type = OV_TUN_GENEVE, .vni = 0x123456, .src = rte_cpu_to_be_32(0xc000020a),
				  .dst = rte_cpu_to_be_32(0xc6336414), .ttl = 9, .tos = 0xb8, .sport = 50001,
				  .udp_csum = true };
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)b;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(b + 20);
	uint32_t vni, hlen;

	memset(b, 0xee, sizeof(b));
	memset(b + 36, 0x5a, 40);                       /* the inner frame */
	ov_tun_write(b, &h, 40);
	ck_assert_uint_eq(ip->version_ihl, 0x45);
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 8 + 40);
	ck_assert_uint_eq(rte_be_to_cpu_16(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG);
	ck_assert_uint_eq(ip->time_to_live, 9);
	ck_assert_uint_eq(ip->type_of_service, 0xb8);
	ck_assert_uint_eq(rte_raw_cksum(ip, 20), 0xffff);
	ck_assert_uint_eq(rte_be_to_cpu_16(udp->src_port), 50001);
	ck_assert_uint_eq(rte_be_to_cpu_16(udp->dst_port), OV_GENEVE_PORT);
	ck_assert_uint_eq(rte_be_to_cpu_16(udp->dgram_len), 8 + 8 + 40);
	ck_assert_int_eq(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	ck_assert_int_eq(ov_tun_read(OV_TUN_GENEVE, b + 28, 48, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(vni, 0x123456);
	h.type = OV_TUN_VXLAN;
	h.udp_csum = false;
	ov_tun_write(b, &h, 40);
	ck_assert_uint_eq(udp->dgram_cksum, 0);
	ck_assert_uint_eq(rte_be_to_cpu_16(udp->dst_port), OV_VXLAN_PORT);
	ck_assert_int_eq(ov_tun_read(OV_TUN_VXLAN, b + 28, 48, &vni, &hlen), OV_TUN_OK);
	ck_assert_uint_eq(vni, 0x123456);
	for (unsigned int i = 36; i < 76; i++)   /* the inner frame untouched */
		ck_assert_uint_eq(b[i], 0x5a);
	for (uint32_t hash = 0; hash < 100000; hash += 7)
		ck_assert_uint_ge(ov_tun_sport(hash * 2654435761u), 49152);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ov_tun");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, vxlan_read);
	tcase_add_test(tc, inner_vlan);
	tcase_add_test(tc, geneve_read);
	tcase_add_test(tc, repair_option);
	tcase_add_test(tc, read_random);
	tcase_add_test(tc, write_outer);
	tcase_add_test(tc, write_random);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
