/* libFuzzer target for IKEv2 as sxcd meets it from the network (ov_ikemsg,
 * ov_ike): any bytes as a datagram to the box's port 500 from a configured
 * gateway, then as one to 4500, over IPv4 and over IPv6 (a gateway of each
 * family). The codec reads every payload of what
 * parses (bodies within the datagram, counts within their bounds); the
 * engine, a responder for that gateway, takes the bytes as a message: an
 * IKE_SA_INIT it answers or refuses, anything else it drops under a named
 * reason. Nothing crashes, nothing is read past the input, every message
 * in is counted once as in and at most once as a drop. The corpus's seeds
 * are messages strongSwan's charon and the engine exchanged
 * (tests/e2e/ike_strongswan.py with ike_peer --dump). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "ov_ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct ov_ike *eng;
static uint8_t gw[16], box[16], gw6[16], box6[16];	/* as the engine keeps them: IPv4 mapped */
static size_t sent;

static void
on_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, const uint8_t dst[16],
	uint16_t dport)
{
	struct ov_ike_msg m;

	(void)ctx;
	(void)p;
	(void)sport;
	(void)dst;
	(void)dport;
	/* whatever the engine says parses */
	CHECK(len <= OV_IKE_MSG_MAX && ov_ike_parse(msg, len, &m, NULL) == 0);
	sent++;
}

static uint32_t
on_spi(void *ctx, struct ov_ike_peer *p)
{
	static uint32_t n = 0x1000;

	(void)ctx;
	(void)p;
	return n++;
}

static void
setup(void)
{
	struct ov_ike_ops ops = { .send = on_send, .spi = on_spi };
	struct ov_ike_conf c = { .name = "gw", .psk_len = 8 };
	struct ov_ike_peer *p;

	if (eng != NULL)
		return;
	box[10] = box[11] = gw[10] = gw[11] = 0xff;
	inet_pton(AF_INET, "10.77.0.1", box + 12);
	inet_pton(AF_INET, "10.77.0.2", gw + 12);
	inet_pton(AF_INET6, "fd77::1", box6);
	inet_pton(AF_INET6, "fd77::2", gw6);
	memcpy(c.local, box, 16);
	memcpy(c.remote, gw, 16);
	memcpy(c.psk, "fuzzpsk!", 8);
	CHECK((eng = ov_ike_new(&ops)) != NULL);
	CHECK(ov_ike_peer_add(eng, &c, &p) == 0);
	memcpy(c.name, "gw6", 4);
	memcpy(c.local, box6, 16);
	memcpy(c.remote, gw6, 16);
	CHECK(ov_ike_peer_add(eng, &c, &p) == 0);
}

static void
codec(const uint8_t *data, size_t size)
{
	struct ov_ike_msg m;

	if (ov_ike_parse(data, size, &m, NULL) < 0)
		return;
	CHECK(m.n <= OV_IKE_PL_MAX);
	for (size_t i = 0; i < m.n; i++) {
		const struct ov_ike_pl *pl = &m.pl[i];
		struct ov_ike_sa sa;
		struct ov_ike_tss ts;
		struct ov_ike_notify n;
		const uint8_t *d;
		size_t dl, cnt;
		uint16_t g;
		uint8_t t, sl;

		CHECK(pl->body >= data && pl->body + pl->len <= data + size);
		if (ov_ike_read_sa(pl, &sa, NULL) == 0)
			CHECK(sa.n <= OV_IKE_PROP_MAX);
		if (ov_ike_read_ts(pl, &ts, NULL) == 0) {
			CHECK(ts.n <= OV_IKE_TS_MAX);
			for (size_t k = 0; k < ts.n; k++)
				CHECK(ts.ts[k].type == OV_IKE_TS_IPV4_ADDR_RANGE ||
				      ts.ts[k].type == OV_IKE_TS_IPV6_ADDR_RANGE);
		}
		if (ov_ike_read_notify(pl, &n, NULL) == 0)
			CHECK(n.data + n.data_len <= pl->body + pl->len);
		if (ov_ike_read_ke(pl, &g, &d, &dl, NULL) == 0 || ov_ike_read_id(pl, &t, &d, &dl, NULL) == 0)
			CHECK(d + dl <= pl->body + pl->len);
		if (ov_ike_read_delete(pl, &t, &sl, &cnt, &d, NULL) == 0)
			CHECK(d + (size_t)sl * cnt <= pl->body + pl->len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ov_ike_stats *st;
	uint64_t in, drops = 0, after = 0;
	static uint64_t now = 1000;
	uint8_t *copy;

	setup();
	codec(data, size);
	/* the engine reads from its own copy only: a read past it is the sanitizer's to see */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	st = ov_ike_stats(eng);
	in = st->in;
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		drops += st->drop[r];
	ov_ike_input(eng, gw, 500, box, 500, copy, size, now);
	ov_ike_input(eng, gw, 4500, box, 4500, copy, size, now);
	ov_ike_input(eng, gw6, 500, box6, 500, copy, size, now);
	ov_ike_input(eng, gw6, 4500, box6, 4500, copy, size, now);
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		after += st->drop[r];
	CHECK(st->in == in + 4 && after - drops <= 4);
	/* time goes on: retransmissions and timeouts run on what it made */
	now += 700;
	ov_ike_tick(eng, now);
	free(copy);
	return 0;
}
