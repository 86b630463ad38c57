/* Writes every message the GTP-U library builds, each in Ethernet/IPv4/UDP
 * to port 2152, to a pcap file (argv[1]): test_gtp_tshark.sh has tshark's
 * GTP dissector read it back (nothing malformed, the fields as built). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gtp.h"

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One frame: Ethernet, IPv4 (checksum computed), UDP 2152 -> 2152 (no
 * checksum), the message. */
static void
frame(FILE *f, const uint8_t *msg, int n)
{
	uint8_t b[256] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
	uint8_t *ip = b + 14, *udp = ip + 20;
	uint32_t sum = 0, rec[4] = { 0, 0, (uint32_t)(42 + n), (uint32_t)(42 + n) };

	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(28 + n));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]){ 192, 0, 2, 1, 192, 0, 2, 2 }, 8);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(ip + 10, (uint16_t)~sum);
	wr16(udp, GTPU_UDP_PORT);
	wr16(udp + 2, GTPU_UDP_PORT);
	wr16(udp + 4, (uint16_t)(8 + n));
	memcpy(udp + 8, msg, (size_t)n);
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(b, 1, (size_t)(42 + n), f);
}

int
main(int argc, char **argv)
{
	static const uint8_t addr[4] = { 192, 0, 2, 1 }, types[2] = { 0x85, 0x40 };
	static const uint8_t inner[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253, 0, 0,
					   10, 0, 0, 1, 10, 0, 0, 2 };
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	struct gtp_hdr_opts o;
	uint8_t m[128];
	FILE *f;
	int n;

	if (argc != 2 || (f = fopen(argv[1], "wb")) == NULL)
		return 2;
	fwrite(hdr, sizeof(hdr), 1, f);
	frame(f, m, gtp_build_echo(m, sizeof(m), false, 1));
	frame(f, m, gtp_build_echo(m, sizeof(m), true, 1));
	frame(f, m, gtp_build_error_ind(m, sizeof(m), 2, 0x11223344, addr, 4, 2152));
	frame(f, m, gtp_build_end_marker(m, sizeof(m), 0x55));
	frame(f, m, gtp_build_supp_ext(m, sizeof(m), 3, types, 2));
	/* G-PDUs: UL with QFI 9; DL with QFI 5, RQI, PPI 3; with sequence and N-PDU */
	o = GTP_HDR_OPTS(GTPU_MSG_GPDU, 0x66);
	o.pdu_type = GTPU_PDU_TYPE_UL;
	o.qfi = 9;
	n = gtp_build_hdr(m, sizeof(m), &o, sizeof(inner));
	memcpy(m + n, inner, sizeof(inner));
	frame(f, m, n + (int)sizeof(inner));
	o = GTP_HDR_OPTS(GTPU_MSG_GPDU, 0x77);
	o.pdu_type = GTPU_PDU_TYPE_DL;
	o.qfi = 5;
	o.rqi = 1;
	o.ppi = 3;
	o.seq = 9;
	o.npdu = 4;
	n = gtp_build_hdr(m, sizeof(m), &o, sizeof(inner));
	memcpy(m + n, inner, sizeof(inner));
	frame(f, m, n + (int)sizeof(inner));
	return fclose(f) == 0 ? 0 : 1;
}
