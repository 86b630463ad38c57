/* libFuzzer target for the DHCPv4 codec alone (pipelines/dhcp/datapath/
 * dh_msg.c): any bytes through the reader; what it reports must lie
 * within them, and an answer built to an accepted request must read back
 * with the request's xid, chaddr and relay agent information. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dh_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static int
within(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p == NULL || (p >= data && p + n <= data + size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t types[] = { DH_OFFER, DH_ACK, DH_NAK };
	uint8_t out[DH_MAX_LEN], val[255];
	struct dh_msg q, back;
	enum dh_bad bad = dh_parse(data, size, &q);
	int n;

	CHECK(bad < DH_BAD_N);
	(void)dh_option(data, size, DH_OPT_TYPE, val, sizeof(val));
	if (bad != DH_OK)
		return 0;
	CHECK(q.type >= 1 && q.type <= DH_TYPE_MAX && q.htype == 1 && q.hlen == 6 && q.overload <= 3);
	CHECK(within(q.client_id, q.client_id_len, data, size) && within(q.hostname, q.hostname_len, data, size) &&
	      within(q.prl, q.prl_len, data, size) && within(q.relay, q.relay_len, data, size));
	for (unsigned int i = 0; i < sizeof(types); i++) {
		struct dh_answer a = { .type = types[i], .yiaddr = 0x0a00000a, .server_id = 0x0100000a,
				       .lease_s = 3600, .plen = 24, .router = 0x0100000a, .dns = { 0x08080808 } };

		n = dh_build(out, sizeof(out), &q, &a);
		CHECK(n >= DH_BOOTP_MIN && n <= (int)sizeof(out));
		CHECK(dh_parse(out, (size_t)n, &back) == DH_OK);
		CHECK(back.op == DH_OP_REPLY && back.type == types[i] && back.xid == q.xid &&
		      memcmp(back.chaddr, q.chaddr, 16) == 0 && back.relay_len == q.relay_len &&
		      (q.relay == NULL || memcmp(back.relay, q.relay, q.relay_len) == 0));
	}
	return 0;
}
