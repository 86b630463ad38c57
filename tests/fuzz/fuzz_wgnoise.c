/* libFuzzer target for WireGuard's handshake (ov_noise) as sxcd meets it
 * from the network: any bytes as an initiation to the box, as the response
 * to the box's own initiation, as a cookie reply to it. Nothing crashes; a
 * message that fails leaves the handshake under way exactly as it was; one
 * that opens gives what only the true peer could have sent (its static
 * key) and a response the box can make. The keys are wg_vectors.py's (the
 * corpus's seeds are its messages: gen_corpus.py). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ov_noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct ov_noise_static me_r, me_i;	/* the box (responder) and its peer (initiator) */
static struct ov_noise_peer peer_i, peer_r;	/* the initiator as the box knows it, the box as the peer does */
static uint8_t e_i[32];

/* wg_vectors.py's fixed(label): BLAKE2s of the label */
static void
fixed(const char *label, uint8_t out[32])
{
	unsigned int len = 32;

	CHECK(EVP_Digest(label, strlen(label), out, &len, EVP_get_digestbyname("BLAKE2S-256"), NULL) == 1);
}

static void
setup(void)
{
	static int done;
	uint8_t s_i[32], s_r[32], psk[32];

	if (done)
		return;
	done = 1;
	fixed("initiator static", s_i);
	fixed("responder static", s_r);
	fixed("initiator ephemeral", e_i);
	fixed("pre-shared key", psk);
	CHECK(ov_noise_static_init(&me_i, s_i) == 0 && ov_noise_static_init(&me_r, s_r) == 0);
	CHECK(ov_noise_peer_init(&peer_i, &me_r, me_i.pub, psk) == 0);
	CHECK(ov_noise_peer_init(&peer_r, &me_i, me_r.pub, psk) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t len[] = { OV_NOISE_INIT_LEN, OV_NOISE_RESP_LEN, OV_NOISE_COOKIE_LEN };
	uint8_t msg[OV_NOISE_INIT_LEN] = { 0 }, tai[OV_NOISE_TAI64N], init[OV_NOISE_INIT_LEN];
	uint8_t cookie[OV_NOISE_COOKIE], resp[OV_NOISE_RESP_LEN];
	struct ov_noise_hs hs, before;
	struct ov_noise_keys k;
	unsigned int kind;

	setup();
	if (size < 1)
		return 0;
	kind = data[0] % 3;
	memcpy(msg, data + 1, size - 1 < len[kind] ? size - 1 : len[kind]);
	switch (kind) {
	case 0:	/* an initiation to the box */
		(void)ov_noise_mac1_ok(msg, OV_NOISE_INIT_LEN, me_r.mac1_key);
		memset(&hs, 0, sizeof(hs));
		if (ov_noise_init_consume(&hs, &me_r, msg, tai) == 0) {
			/* only the initiator's key opens an initiation to us */
			CHECK(memcmp(hs.rs, me_i.pub, 32) == 0);
			CHECK(ov_noise_resp_make(&hs, &peer_i, 7, NULL, NULL, resp, &k) == 0);
		}
		break;
	default:
		/* the peer's own initiation (wg_vectors.py's), then any bytes as
		 * the response to it, or as a cookie reply to it */
		memset(&hs, 0, sizeof(hs));
		ov_noise_tai64n(1700000000123456789ull, tai);
		CHECK(ov_noise_init_make(&hs, &me_i, &peer_r, 0x11223344, tai, NULL, e_i, init) == 0);
		before = hs;
		if (kind == 1) {
			(void)ov_noise_mac1_ok(msg, OV_NOISE_RESP_LEN, me_i.mac1_key);
			if (ov_noise_resp_consume(&hs, &me_i, &peer_r, msg, &k) != 0)
				CHECK(memcmp(&hs, &before, sizeof(hs)) == 0);
		} else if (ov_noise_cookie_consume(&peer_r, msg, init + 116, cookie) == 0) {
			(void)ov_noise_mac2_ok(init, OV_NOISE_INIT_LEN, cookie);
		}
		break;
	}
	return 0;
}
