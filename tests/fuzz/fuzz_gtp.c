/* libFuzzer target for the GTP-U library alone: any bytes through the header
 * walk and, when it accepts them, the IE walk; what they report must hold
 * (the header within the bytes, QFI and PPI in range), and a G-PDU header
 * rebuilt from what was read must parse to the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gtp_info gi, again;
	struct gtp_ies ies;
	struct gtp_hdr_opts o;
	uint8_t b[64];
	int n;

	if (size > UINT16_MAX || gtp_parse(data, (uint32_t)size, &gi) != 0)
		return 0;
	CHECK(gi.hdr_len >= GTPU_HDR_LEN && gi.hdr_len <= size && gi.n_ext <= GTP_EXT_MAX);
	CHECK(gi.qfi <= GTPU_QFI_MASK && gi.ppi <= 7 && gi.udp_port <= UINT16_MAX);
	if (gtp_parse_ies(data, (uint32_t)size, &gi, &ies) == 0)
		CHECK(ies.n_ext_types <= GTP_EXT_LIST_MAX && (ies.peer_len == 0 || ies.peer_len == 4 ||
							      ies.peer_len == 16));
	/* what was read, built again, reads the same */
	o = GTP_HDR_OPTS(gi.msg_type, gi.teid);
	if (gi.has_seq)
		o.seq = gi.seq;
	if (gi.pdu_type == GTPU_PDU_TYPE_DL || gi.pdu_type == GTPU_PDU_TYPE_UL) {
		o.pdu_type = gi.pdu_type;
		o.qfi = gi.qfi;
		o.rqi = gi.rqi;
		o.ppi = gi.has_ppi ? (int8_t)gi.ppi : -1;
	}
	o.udp_port = gi.udp_port;
	n = gtp_build_hdr(b, sizeof(b), &o, 0);
	CHECK(n > 0);
	CHECK(gtp_parse(b, (uint32_t)n, &again) == 0);
	CHECK(again.teid == gi.teid && again.msg_type == gi.msg_type && again.qfi == o.qfi &&
	      again.pdu_type == o.pdu_type && again.rqi == o.rqi &&
	      again.has_ppi == (o.ppi >= 0) && again.ppi == (o.ppi >= 0 ? gi.ppi : 0) &&
	      again.udp_port == gi.udp_port && again.has_seq == gi.has_seq && again.seq == gi.seq);
	return 0;
}
