/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_keys: sxcd's keying of encrypted paths: the box's X25519 key, each path's ESP SAs derived with a peer and kept in sxdp, rekeyed make-before-break. */
/*
 * Nothing secret leaves the box. Each sxcd has a static X25519 key (made
 * at first start, ESP_KEY_FILE in its store, mode 0600; in memory locked,
 * kept out of core dumps, wiped at exit) and shows only its public key
 * (/api/v1/status, services.esp.public_key). A peer whose intent says
 * encryption {public_key, cipher} shares a secret with the box (X25519);
 * the ESP SA of each direction of each path and epoch is derived from it
 * (HKDF-SHA256 over the two outer addresses, of either family, the epoch
 * and the cipher: the AES key, the salt and the SPI), so both ends
 * compute the same SAs and none is ever sent: a fleet publishes public
 * keys, a single box's operator copies one.
 *
 * Epochs are wall-clock periods of --esp-rekey seconds. Make-before-break:
 * the inbound SAs of the next epoch are in sxdp a whole epoch early; at the
 * epoch's start the new outbound SA is added (sxdp seals with the newest
 * of a path at once) and the old one deleted; the last epoch's inbound SAs
 * stay ESP_GRACE_S more for what was on its way. Ends whose clocks differ
 * by less than an epoch lose nothing.
 *
 * An SA's key is never used twice with a sequence number: sxcd records how
 * far each outbound SA has counted (the state document "esp", every few
 * seconds, from overlay.sa.list) and an SA made again for the same epoch
 * (an sxdp restart) starts 2^31 past it; the receiving window moves ahead.
 * Each inbound SA's window top is recorded likewise (from each second's
 * list): made again after an sxdp restart, its window starts there, every
 * number up to it taken, so a peer's numbers past 2^32 are read with the
 * right high half and no packet from before the restart is taken again
 * but those of the last second before it (sxcd's last look; a restart by
 * takeover keeps the windows whole; keying ikev2 makes new SAs instead).
 * On sxdp's (re)connect the SAs it holds are read and adopted.
 *
 * encryption.lanes (RFC 9611): each path and direction has that many SAs at
 * once, lane L's derived with L as one more byte of info (lane 0's info as
 * without lanes): sxdp seals with a worker's own lane, and the far end's
 * workers open the lanes apart. Both ends' intents name the same lanes.
 *
 * encryption.generation: an operator's rekey now. Its number is one more
 * input of every SA's derivation, so both ends' intents carry the same;
 * make-before-break as an epoch's: when a peer's generation changes, its
 * new inbound SAs are added at once, the outbound ones move to it
 * ESP_GEN_SWITCH_S later (the far end has seen the same intent by then),
 * and the old generation's inbound SAs stay ESP_GEN_KEEP_S.
 *
 * encryption.nat_traversal (RFC 3948): the SAs are UDP-encapsulated on
 * port 4500 both ways; each inbound one names its path, so sxdp takes the
 * peer's packets from wherever a NAT puts them and the path's endpoint
 * follows the verified ones; a NAT keepalive leaves on each such path
 * every --natt-keepalive seconds. The SAs' keys are derived as without
 * (the addresses in them are the VTEPs', which a NAT does not change).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "cd_host.h"
#include "cd_log.h"
#include "cd_svc.h"
#include "cd_vis.h"
#include "dp_addr.h"
#include "ov_keyctl.h"
#include "ov_keyfile.h"
#include "ov_keys.h"
#include "ov_site.h"

#define ESP_KEY_FILE	"esp.key"	/* in the store: the box's X25519 private key, raw, 0600 */
#define ESP_REKEY_S	3600		/* an epoch (--esp-rekey) */
#define ESP_GRACE_S	30		/* the last epoch's inbound SAs kept into the next */
#define ESP_TICK_MS	1000
#define ESP_HWM_SAVE_S	5		/* how often the sequence numbers' high-water marks are saved */
#define ESP_SEQ_JUMP	(UINT64_C(1) << 31)	/* past the mark, for an SA made again */
#define ESP_SA_MAX	511		/* sxdp's SA ids 1..511 are ESP's; 512..1023 WireGuard's (ov_wg.c) */
#define ESP_STATE	"esp"
#define ESP_LOG_S	10		/* at most one warning line per this */
#define ESP_NATT_PORT	4500		/* RFC 3948 */
#define ESP_GEN_SWITCH_S 5		/* a new generation's outbound SAs this long after its inbound */
#define ESP_GEN_KEEP_S	(ESP_GEN_SWITCH_S + ESP_GRACE_S)	/* the old one's inbound SAs kept */
#define ESP_LIFE_MARGIN_S 60		/* an SA's hard lifetime past its last use */
#define ESP_NATT_KA_S	20		/* a NAT keepalive's period (--natt-keepalive; RFC 3948 4: 20 s) */
#define ESP_KEY_GRACE_S	(7 * 86400)	/* a rotated-out key kept at most this long (--esp-key-grace) */

static struct {
	unsigned int rekey_s, natt_ka_s;
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	struct ctl_async *sxdp;
	struct event *tick;
	uint8_t *priv;			/* 32 bytes in a locked page, out of core dumps */
	uint8_t *prev;			/* the key a rotation replaced, while peers may still use it (same page) */
	bool has_prev;
	time_t rotated_at;
	unsigned int grace_s;		/* --esp-key-grace: the replaced key kept at most this long */
	json_t *uses;			/* peer name -> true: it was seen using the new key */
	const char *store_dir;
	uint8_t pub[32];
	char pub_b64[48], prev_b64[48];
	bool up, adopting;		/* sxdp connected; its SAs being read */
	/* "in|SRC|DST|EPOCH" / "out|..." -> {"id", "spi", "seq0"}: what sxdp holds of ours */
	json_t *held;
	/* the same keys -> {"seq0", "hwm"}: what the store keeps (sequence numbers used) */
	json_t *marks;
	bool ids[ESP_SA_MAX + 1];
	bool need[65536];		/* paths sxdp was told never to send clear */
	bool natt[65536];		/* paths whose SAs are UDP-encapsulated (their keepalives) */
	time_t ka_at;			/* when the last keepalives left */
	uint64_t keepalives;
	uint64_t made, deleted, rekeys;
	uint64_t rekeys_now;		/* generations moved to (operators' rekeys) */
	uint64_t rotations;		/* the box's key replaced (.../rotate) */
	bool ike_peers;			/* a peer of keying ikev2 has its PSK of the box's key */
	uint64_t last_epoch;
	time_t saved;
	bool dirty;
	bool saving;		/* the marks being stored (their syncs off the loop) */
	struct ov_keyctl ctl;
	json_t *peers;			/* name -> "keyed" or why not */
	json_t *gens;			/* name -> {"gen", "prev", "since"}: each peer's generations */
	json_t *pubs;			/* name -> {"pub", "prev", "since"}: each peer's public keys */
} k = { .rekey_s = ESP_REKEY_S, .natt_ka_s = ESP_NATT_KA_S, .grace_s = ESP_KEY_GRACE_S,
	.ctl = { .who = "esp", .every_s = ESP_LOG_S } };

static int
set_rekey(const char *v, char *why, size_t len)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 2 || x > 30 * 86400) {
		snprintf(why, len, "2..2592000 seconds");
		return -EINVAL;
	}
	k.rekey_s = (unsigned int)x;
	return 0;
}

static int
set_natt_ka(const char *v, char *why, size_t len)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 1 || x > 3600) {
		snprintf(why, len, "1..3600 seconds");
		return -EINVAL;
	}
	k.natt_ka_s = (unsigned int)x;
	return 0;
}

static int
set_grace(const char *v, char *why, size_t len)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 60 || x > 90 * 86400) {
		snprintf(why, len, "60..7776000 seconds");
		return -EINVAL;
	}
	k.grace_s = (unsigned int)x;
	return 0;
}

static const struct cd_svc_opt ov_keys_opts[] = {
	{ "esp-rekey", required_argument, "S",
	  "encrypted paths take new ESP keys every S seconds, make-before-break (3600)", set_rekey },
	{ "natt-keepalive", required_argument, "S",
	  "a NAT keepalive every S seconds on each ESP path of nat_traversal (20)", set_natt_ka },
	{ "esp-key-grace", required_argument, "S",
	  "after a rotation of the box's key, the old one is kept at most S seconds for peers not yet told (604800)",
	  set_grace },
	{ NULL, 0, NULL, NULL, NULL },
};


/* ----------------------------------------------------------- the box's key */

/* @priv's public key, base64, into @b64 (45 bytes). */
static int
key_public(const uint8_t *priv, char *b64)
{
	EVP_PKEY *p = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	uint8_t pub[32];
	size_t len = sizeof(pub);
	int rc = p != NULL && EVP_PKEY_get_raw_public_key(p, pub, &len) == 1 && len == 32 ? 0 : -EIO;

	EVP_PKEY_free(p);
	if (rc == 0)
		EVP_EncodeBlock((unsigned char *)b64, pub, 32);
	return rc;
}

/* The secret our key @priv shares with the peer whose public key is @b64: 0, or -EINVAL. */
static int
shared_with(const uint8_t *priv, const char *b64, uint8_t out[32])
{
	uint8_t raw[48];
	EVP_PKEY *me = NULL, *peer = NULL;
	EVP_PKEY_CTX *cx = NULL;
	size_t len = 32;
	int rc = -EINVAL;

	if (b64 == NULL || strlen(b64) != 44 || EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) != 33)
		return -EINVAL;
	if ((me = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32)) != NULL &&
	    (peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, raw, 32)) != NULL &&
	    (cx = EVP_PKEY_CTX_new(me, NULL)) != NULL && EVP_PKEY_derive_init(cx) == 1 &&
	    EVP_PKEY_derive_set_peer(cx, peer) == 1 && EVP_PKEY_derive(cx, out, &len) == 1 && len == 32) {
		uint8_t z = 0;

		/* a low-order public key gives the all-zero secret (RFC 7748 6.1) */
		for (int i = 0; i < 32; i++)
			z |= out[i];
		rc = z != 0 ? 0 : -EINVAL;
	}
	EVP_PKEY_CTX_free(cx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(me);
	return rc;
}

int
ov_keys_shared(const char *pub_b64, uint8_t out[32])
{
	return k.priv != NULL ? shared_with(k.priv, pub_b64, out) : -ENODEV;
}

int
ov_keys_shared_prev(const char *pub_b64, uint8_t out[32])
{
	return k.priv == NULL ? -ENODEV : !k.has_prev ? -ENOENT : shared_with(k.prev, pub_b64, out);
}

int
ov_keys_derive(const uint8_t shared[32], const uint8_t src[16], const uint8_t dst[16], uint64_t epoch, bool aes256,
	       uint8_t lane, uint32_t gen, uint8_t key[36], uint32_t *spi)
{
	static const unsigned char salt[] = "sxdp esp v1";
	/* the addresses as the path's family has them: IPv4's 4 bytes each,
	 * so an IPv4 path's info is byte for byte what it was before IPv6
	 * (peers of an older sxcd derive the same SAs); IPv6's 16 bytes each
	 * in their place, the rest after them as it is */
	size_t alen = dp_addr_mapped(src) ? 4 : 16, at = 2 * alen;
	uint8_t info[2 * 16 + 14], okm[40];
	size_t ilen = at + (gen != 0 ? 14 : lane != 0 ? 10 : 9);
	size_t len = sizeof(okm);
	EVP_PKEY_CTX *cx;
	int rc = -EIO;

	if (dp_addr_mapped(src) != dp_addr_mapped(dst))
		return -EINVAL;	/* a path is of one family */
	memcpy(info, src + 16 - alen, alen);
	memcpy(info + alen, dst + 16 - alen, alen);
	for (int i = 0; i < 8; i++)
		info[at + i] = (uint8_t)(epoch >> (56 - 8 * i));
	info[at + 8] = aes256 ? 2 : 1;
	info[at + 9] = lane;	/* lane 0's info ends before it, as before lanes */
	for (int i = 0; i < 4; i++)	/* generation 0's: none, as before generations */
		info[at + 10 + i] = (uint8_t)(gen >> (24 - 8 * i));
	cx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (cx != NULL && EVP_PKEY_derive_init(cx) == 1 && EVP_PKEY_CTX_set_hkdf_md(cx, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(cx, salt, sizeof(salt) - 1) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(cx, shared, 32) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(cx, info, (int)ilen) == 1 &&
	    EVP_PKEY_derive(cx, okm, &len) == 1 && len == sizeof(okm)) {
		memcpy(key, okm, 36);
		/* the high bit set: never one of the reserved 1..255, nor 0 */
		*spi = 0x80000000u | ((uint32_t)okm[36] << 24 | (uint32_t)okm[37] << 16 | (uint32_t)okm[38] << 8 |
				      okm[39]);
		rc = 0;
	}
	OPENSSL_cleanse(okm, sizeof(okm));
	EVP_PKEY_CTX_free(cx);
	return rc;
}

/* ------------------------------------------------------------ the SAs */

/* One SA the intents want now. */
struct want {
	char name[OV_KEYS_NAME_MAX];	/* ov_keys_sa_name's */
	bool out, natt;
	uint8_t src[16], dst[16];	/* the path's family's (dp_addr.h: IPv4 mapped) */
	uint64_t epoch;
	uint16_t path;
	uint8_t lane;			/* of the path's per-worker SAs (RFC 9611) */
	uint32_t gen;			/* the intent's generation */
	bool aes256;
	bool old_key;			/* derived from the key a rotation replaced (the peer not told yet) */
	bool was_key;			/* derived from the peer's key its rotation replaced (a while) */
	char peer[64];
	uint8_t shared[32];
};

/* What the intents want, worked out afresh by reconcile() and by the
 * adoption at a (re)connect (one loop: never both at once). */
#define ESP_WANT_MAX (4 * 21 * 256)	/* 256 peers of 4 endpoints, 7 SAs each of up to three keys around rotations */
#define ESP_LANES_MAX 8		/* sxdp's OV_SA_LANES */
static struct want wants[ESP_WANT_MAX];

void
ov_keys_sa_name(char name[OV_KEYS_NAME_MAX], bool out, const uint8_t src[16], const uint8_t dst[16], uint8_t lane,
		uint32_t gen, bool natt, const char *marker, uint64_t epoch)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], l[8] = "", g[16] = "";

	/* an IPv4 path's text dotted, as before IPv6: the marks stored under
	 * these names are found again */
	dp_addr_ntop_any(src, s, sizeof(s));
	dp_addr_ntop_any(dst, d, sizeof(d));
	if (lane != 0)
		snprintf(l, sizeof(l), "#%u", lane);
	if (gen != 0)
		snprintf(g, sizeof(g), "~g%u", gen);
	snprintf(name, OV_KEYS_NAME_MAX, "%s|%s|%s%s%s%s%s|%" PRIu64, out ? "out" : "in", s, d, l, g,
		 natt ? "~nat" : "", marker ?: "", epoch);
}

static void
want_name(struct want *w)
{
	ov_keys_sa_name(w->name, w->out, w->src, w->dst, w->lane, w->gen, w->natt,
			w->old_key ? "~old" : w->was_key ? "~was" : "", w->epoch);
}

static int
id_take(void)
{
	for (int i = 1; i <= ESP_SA_MAX; i++)
		if (!k.ids[i]) {
			k.ids[i] = true;
			return i;
		}
	return -ENOSPC;
}

static void
added(void *arg, json_t *result, json_t *error)
{
	char *name = arg;
	json_t *h = json_object_get(k.held, name);

	if (error != NULL || result == NULL) {
		if (h != NULL) {
			k.ids[json_integer_value(json_object_get(h, "id"))] = false;
			json_object_del(k.held, name);
		}
		if (!cd_host_lost(error))
			ov_keyctl_fail(&k.ctl, "sxdp refused SA %s: %s", name,
			     json_string_value(json_object_get(error, "message")) ?: "no answer");
	} else {
		k.made++;
	}
	free(name);
}

static void
deleted(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	if (error == NULL && result != NULL)
		k.deleted++;
}

/* Add @w's SA to sxdp: its id taken, its key derived, sent, and wiped. */
static void
sa_add(const struct want *w)
{
	uint8_t key[36];
	char hex[73], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	unsigned int klen = w->aes256 ? 32 : 16;
	json_t *mark = json_object_get(k.marks, w->name), *p;
	uint64_t seq = 1;
	uint32_t spi;
	int id;

	if ((id = id_take()) < 0) {
		ov_keyctl_fail(&k.ctl, "no SA id left for %s", w->name);
		return;
	}
	if (ov_keys_derive(w->shared, w->src, w->dst, w->epoch, w->aes256, w->lane, w->gen, key, &spi) < 0) {
		k.ids[id] = false;
		ov_keyctl_fail(&k.ctl, "cannot derive SA %s", w->name);
		return;
	}
	if (w->out) {
		/* a key never numbers a packet twice: past what it counted before */
		if (mark != NULL)
			seq = (uint64_t)json_integer_value(json_object_get(mark, "hwm")) + ESP_SEQ_JUMP;
		json_object_set_new(k.marks, w->name, json_pack("{s:I,s:I}", "seq0", (json_int_t)seq, "hwm",
								 (json_int_t)seq));
		k.dirty = true;
	} else if (mark != NULL && json_integer_value(json_object_get(mark, "top")) > 0) {
		/* made again (sxdp restarted): its window where it was, so the
		 * peer's numbers past 2^32 are read right and none taken before
		 * is taken again */
		seq = (uint64_t)json_integer_value(json_object_get(mark, "top")) + 1;
	}
	for (unsigned int i = 0; i < klen + 4; i++)
		snprintf(hex + 2 * i, 3, "%02x", w->aes256 ? key[i] : (i < 16 ? key[i] : key[32 + i - 16]));
	OPENSSL_cleanse(key, sizeof(key));
	/* the path's family's text: sxdp seals IPv4 and IPv6 paths alike */
	dp_addr_ntop_any(w->src, s, sizeof(s));
	dp_addr_ntop_any(w->dst, d, sizeof(d));
	p = json_pack("{s:i,s:s,s:I,s:s,s:s,s:s,s:s,s:b}", "id", id, "dir", w->out ? "out" : "in", "spi",
		      (json_int_t)spi, "cipher", w->aes256 ? "aes-gcm-256" : "aes-gcm-128", "key", hex, "src", s,
		      "dst", d, "esn", 1);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (p == NULL)
		return;
	if (w->out)
		json_object_set_new(p, "lane", json_integer(w->lane));
	if (seq > 1 || w->out)
		json_object_set_new(p, "seq", json_integer((json_int_t)seq));
	if (w->out || w->natt)	/* inbound: the path whose endpoint follows the peer behind its NAT */
		json_object_set_new(p, "path", json_integer(w->path));
	/* a hard lifetime past any use it has (an inbound SA is made an epoch
	 * ahead and kept a grace after its own): should sxcd be gone, sxdp
	 * stops using it on its own (RFC 4301 4.4.2.1) */
	json_object_set_new(p, "lifetime_ms", json_integer((json_int_t)(3 * (uint64_t)k.rekey_s + ESP_GEN_KEEP_S +
									 ESP_LIFE_MARGIN_S) * 1000));
	if (w->natt) {
		json_object_set_new(p, "natt_sport", json_integer(ESP_NATT_PORT));
		json_object_set_new(p, "natt_dport", json_integer(ESP_NATT_PORT));
	}
	json_object_set_new(k.held, w->name, json_pack("{s:i,s:I,s:I,s:s}", "id", id, "spi", (json_int_t)spi, "seq0",
						     (json_int_t)seq, "peer", w->peer));
	/* the request's text of the key is jansson's to free: sxdp wipes its own */
	if (cd_host_call(k.sxdp, "overlay.sa.add", p, added, strdup(w->name)) < 0) {
		k.ids[id] = false;
		json_object_del(k.held, w->name);
	}
}

static void
sa_del(const char *name, json_t *h)
{
	int id = (int)json_integer_value(json_object_get(h, "id"));

	if (cd_host_call(k.sxdp, "overlay.sa.del", json_pack("{s:i}", "id", id), deleted, NULL) == 0) {
		k.ids[id] = false;
		json_object_del(k.held, name);
	}
}

/* Peer @name's generation is @gen at @now: the one its outbound SAs are
 * of (*@out_gen), and the one before whose inbound SAs are still kept
 * (*@prev; -1: none). */
static void
gen_track(const char *name, uint32_t gen, time_t now, uint32_t *out_gen, int64_t *prev)
{
	json_t *g = json_object_get(k.gens, name);
	json_int_t since;

	*out_gen = gen;
	*prev = -1;
	if (g == NULL) {
		json_object_set_new(k.gens, name, json_pack("{s:I}", "gen", (json_int_t)gen));
		return;
	}
	if ((uint32_t)json_integer_value(json_object_get(g, "gen")) != gen) {
		/* an operator's rekey: make-before-break from here */
		json_object_set(g, "prev", json_object_get(g, "gen"));
		json_object_set_new(g, "gen", json_integer((json_int_t)gen));
		json_object_set_new(g, "since", json_integer((json_int_t)now));
		k.rekeys_now++;
	}
	if (json_object_get(g, "prev") == NULL)
		return;
	since = json_integer_value(json_object_get(g, "since"));
	if (now - since < ESP_GEN_SWITCH_S)
		*out_gen = (uint32_t)json_integer_value(json_object_get(g, "prev"));
	if (now - since < ESP_GEN_KEEP_S)
		*prev = json_integer_value(json_object_get(g, "prev"));
	else
		json_object_del(g, "prev");
}

static void names_marked(const char *marker, const char *peer);

/* Peer @name's public key is @pub at @now: the one before it while its
 * SAs may still come (ESP_GEN_KEEP_S after the change), else NULL. */
static const char *
pub_track(const char *name, const char *pub, time_t now)
{
	json_t *t = json_object_get(k.pubs, name);

	if (pub == NULL)
		return NULL;
	if (t == NULL) {
		json_object_set_new(k.pubs, name, json_pack("{s:s}", "pub", pub));
		return NULL;
	}
	if (strcmp(json_string_value(json_object_get(t, "pub")) ?: "", pub) != 0) {
		json_object_set(t, "prev", json_object_get(t, "pub"));
		json_object_set_new(t, "pub", json_string(pub));
		json_object_set_new(t, "since", json_integer((json_int_t)now));
		names_marked("~was", name);
	}
	if (json_object_get(t, "prev") == NULL)
		return NULL;
	if (now - json_integer_value(json_object_get(t, "since")) >= ESP_GEN_KEEP_S) {
		json_object_del(t, "prev");
		return NULL;
	}
	return json_string_value(json_object_get(t, "prev"));
}

/* What the intents want now, into @w (at most @max): how many. */
static size_t
wanted(struct want *w, size_t max, time_t now)
{
	json_t *peers = cd_vis_docs(k.res, "peers"), *sites = cd_vis_docs(k.res, "site"), *site = NULL, *d, *ep;
	uint64_t e = (uint64_t)now / k.rekey_s;
	bool grace = (uint64_t)now % k.rekey_s < ESP_GRACE_S;
	const char *name;
	size_t n = 0, i;

	json_object_foreach(sites, name, d)
		site = json_object_get(d, "spec");
	bool ike_peers = false;

	json_object_clear(k.peers);
	json_object_foreach(peers, name, d) {
		json_t *spec = json_object_get(d, "spec"), *enc = json_object_get(spec, "encryption");
		uint8_t shared[32], old[32], was[32];
		json_int_t lanes;
		uint32_t gen, out_gen;
		int64_t prev;
		bool aes256, natt, has_old, told, has_was;
		const char *was_pub;

		/* WireGuard's peers are ov_wg.c's, IKEv2's ov_ikesvc.c's (another box's PSK of our key) */
		if (enc != NULL && strcmp(json_string_value(json_object_get(enc, "keying")) ?: "", "ikev2") == 0 &&
		    json_object_get(json_object_get(enc, "ike"), "psk_file") == NULL)
			ike_peers = true;
		if (enc == NULL || strcmp(json_string_value(json_object_get(enc, "cipher")) ?: "", "wireguard") == 0 ||
		    strcmp(json_string_value(json_object_get(enc, "keying")) ?: "", "ikev2") == 0)
			continue;
		if (shared_with(k.priv, json_string_value(json_object_get(enc, "public_key")), shared) < 0) {
			json_object_set_new(k.peers, name, json_string("its public key is no X25519 key"));
			continue;
		}
		/* a rotation under way: the peer's SAs of either key are taken, and
		 * ours sealed with the old one's until the peer is seen on the new */
		has_old = k.has_prev && shared_with(k.prev, json_string_value(json_object_get(enc, "public_key")), old) == 0;
		told = !has_old || json_is_true(json_object_get(k.uses, name));
		/* the peer's key rotated (its intent names a new one): what it sealed
		 * with the old one, until it saw us on the new, still opens a while */
		was_pub = pub_track(name, json_string_value(json_object_get(enc, "public_key")), now);
		has_was = was_pub != NULL && shared_with(k.priv, was_pub, was) == 0;
		aes256 = strcmp(json_string_value(json_object_get(enc, "cipher")) ?: "", "aes-gcm-256") == 0;
		natt = json_is_true(json_object_get(enc, "nat_traversal"));
		gen = (uint32_t)json_integer_value(json_object_get(enc, "generation"));
		gen_track(name, gen, now, &out_gen, &prev);
		lanes = json_integer_value(json_object_get(enc, "lanes"));
		if (lanes < 1 || lanes > ESP_LANES_MAX)
			lanes = 1;
		json_object_set_new(k.peers, name, json_string("keyed"));
		json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
			uint8_t local[16], remote[16];
			uint16_t path;

			if (!ov_site_path(k.res, site, name, ep, &path, local, remote))
				continue;	/* not compiled yet, or no path */
			/* each lane: out at e; in at e and e + 1, e - 1 for a grace
			 * into e; the old generation's in likewise a while */
			for (json_int_t l = 0; l < lanes; l++)
				for (int j = 0; j < 21 && n < max; j++) {
					static const int64_t des[7] = { 0, 0, 1, -1, 0, 1, -1 };
					struct want *x = &w[n];
					/* 0..6 ours and the peer's keys, 7..13 our replaced
					 * key's, 14..20 the peer's replaced key's (inbound) */
					int v = j / 7;

					if ((j % 7 == 3 || j % 7 == 6) && (!grace || e == 0))
						continue;
					if (j % 7 >= 4 && prev < 0)
						continue;
					/* outbound: one, of the key the peer uses; inbound: of each */
					if ((v == 1 && !has_old) || (v == 2 && (!has_was || j % 7 == 0)) ||
					    (j % 7 == 0 && v < 2 && (v == 1) == told))
						continue;
					*x = (struct want){ .out = j % 7 == 0,
							    .epoch = e + (uint64_t)des[j % 7], .path = (uint16_t)path,
							    .lane = (uint8_t)l, .aes256 = aes256, .natt = natt,
							    .gen = j % 7 == 0 ? out_gen : j % 7 < 4 ? gen : (uint32_t)prev,
							    .old_key = v == 1, .was_key = v == 2 };
					memcpy(x->src, j % 7 == 0 ? local : remote, 16);
					memcpy(x->dst, j % 7 == 0 ? remote : local, 16);
					memcpy(x->shared, v == 1 ? old : v == 2 ? was : shared, 32);
					snprintf(x->peer, sizeof(x->peer), "%s", name);
					want_name(x);
					n++;
				}
		}
		OPENSSL_cleanse(shared, sizeof(shared));
		OPENSSL_cleanse(old, sizeof(old));
		OPENSSL_cleanse(was, sizeof(was));
	}
	k.ike_peers = ike_peers;
	{	/* the generations of peers that are gone */
		json_t *g;
		void *tmp;

		json_object_foreach_safe(k.gens, tmp, name, g)
			if (json_object_get(peers, name) == NULL)
				json_object_del(k.gens, name);
		json_object_foreach_safe(k.pubs, tmp, name, g)
			if (json_object_get(peers, name) == NULL)
				json_object_del(k.pubs, name);
	}
	json_decref(peers);
	json_decref(sites);
	return n;
}

static void
told(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	ov_keyctl_answered(&k.ctl, "a path's encryption", result, error);
}

/* The paths of the @n SAs wanted are never clear in sxdp (before their
 * first SA, and whatever happens to their SAs), the others no more; the
 * UDP-encapsulated ones noted for their keepalives. */
static void
need_update(const struct want *w, size_t n)
{
	static bool now[65536];

	memset(now, 0, sizeof(now));
	memset(k.natt, 0, sizeof(k.natt));
	for (size_t i = 0; i < n; i++)
		if (w[i].out) {
			now[w[i].path] = true;
			k.natt[w[i].path] |= w[i].natt;
		}
	for (unsigned int p = 1; p < 65536; p++)
		if (now[p] != k.need[p] &&
		    cd_host_call(k.sxdp, "overlay.sa.require", json_pack("{s:i,s:b}", "path", p, "required", now[p]),
				 told, NULL) == 0)
			k.need[p] = now[p];
}

/* sxdp's SAs as the intents want them: inbound ones added first, then
 * outbound (the newest of a path seals at once), then the old outbound
 * deleted, then the old inbound. */
static void
reconcile(time_t now)
{
	size_t n = wanted(wants, ESP_WANT_MAX, now);
	json_t *keep = json_object(), *h;
	const char *name;
	void *tmp;

	if ((uint64_t)now / k.rekey_s != k.last_epoch) {
		if (k.last_epoch != 0)
			k.rekeys++;
		k.last_epoch = (uint64_t)now / k.rekey_s;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (wants[i].out == (pass == 1) && json_object_get(k.held, wants[i].name) == NULL)
				sa_add(&wants[i]);
	need_update(wants, n);
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(keep, wants[i].name, json_true());
		OPENSSL_cleanse(wants[i].shared, sizeof(wants[i].shared));
	}
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach_safe(k.held, tmp, name, h)
			if ((strncmp(name, "out|", 4) == 0) == (pass == 0) && json_object_get(keep, name) == NULL)
				sa_del(name, h);
	json_decref(keep);
}

/* overlay.sa.list's answer: how far the outbound SAs counted (the marks),
 * or, at a (re)connect, the SAs sxdp holds adopted as ours. */
static void
listed(void *arg, json_t *result, json_t *error)
{
	bool adopt = arg != NULL;
	json_t *sa, *h;
	const char *name;
	size_t i;

	if (error != NULL || !json_is_array(result)) {
		k.adopting = false;
		return;
	}
	if (adopt) {
		/* ours are found by their SPI among what the intents want */
		static uint32_t spis[ESP_WANT_MAX];
		size_t n = wanted(wants, ESP_WANT_MAX, time(NULL));

		for (size_t j = 0; j < n; j++) {
			uint8_t key[36];

			if (ov_keys_derive(wants[j].shared, wants[j].src, wants[j].dst, wants[j].epoch, wants[j].aes256,
					   wants[j].lane, wants[j].gen, key, &spis[j]) < 0)
				spis[j] = 0;	/* no SPI: none is 0 */
			OPENSSL_cleanse(key, sizeof(key));
			OPENSSL_cleanse(wants[j].shared, sizeof(wants[j].shared));
		}
		size_t held = 0;

		json_array_foreach(result, i, sa) {
			json_int_t id = json_integer_value(json_object_get(sa, "id"));
			uint32_t spi = (uint32_t)json_integer_value(json_object_get(sa, "spi"));
			bool out = strcmp(json_string_value(json_object_get(sa, "dir")) ?: "", "out") == 0;
			bool natt = json_integer_value(json_object_get(sa, "natt_dport")) != 0;

			if (id < 1 || id > ESP_SA_MAX)
				continue;
			k.ids[id] = true;
			for (size_t j = 0; j < n; j++) {
				json_t *m;

				if (spis[j] != spi || wants[j].out != out || wants[j].natt != natt)
					continue;
				m = json_object_get(k.marks, wants[j].name);
				json_object_set_new(k.held, wants[j].name, json_pack("{s:I,s:I,s:I,s:s}", "id", id, "spi",
					(json_int_t)spi, "seq0", m ? json_integer_value(json_object_get(m, "seq0")) : 1,
					"peer", wants[j].peer));
				held++;
				break;
			}
		}
		/* an sxdp that took over from the last one holds every SA: none made again */
		CD_LOG(INFO, "esp: sxdp (re)connected holding %zu of our SAs, %zu in all: adopted", held,
		       json_array_size(result));
		k.adopting = false;
		reconcile(time(NULL));
		return;
	}
	{
		static json_t *by_id[ESP_SA_MAX + 1];	/* sxdp's rows by SA id, this answer's */

		memset(by_id, 0, sizeof(by_id));
		json_array_foreach(result, i, sa) {
			json_int_t id = json_integer_value(json_object_get(sa, "id"));

			if (id >= 1 && id <= ESP_SA_MAX)
				by_id[id] = sa;
		}
		json_object_foreach(k.held, name, h) {
			json_t *m = json_object_get(k.marks, name);
			json_int_t id = json_integer_value(json_object_get(h, "id")), hwm;

			/* a row of the id, not of the SA: the list was asked for
			 * before what was deleted and made since */
			if (id < 1 || id > ESP_SA_MAX || by_id[id] == NULL ||
			    json_integer_value(json_object_get(by_id[id], "spi")) != json_integer_value(json_object_get(h, "spi")))
				continue;
			if (strncmp(name, "in|", 3) == 0) {
				/* how far the peer counted: the window's top should sxdp restart */
				json_int_t top = json_integer_value(json_object_get(by_id[id], "top"));
				const char *peer = json_string_value(json_object_get(h, "peer"));

				/* the peer opened by the new key's SA: told, our outbound moves to it */
				if (k.has_prev && peer != NULL && strstr(name, "~old") == NULL &&
				    json_integer_value(json_object_get(by_id[id], "packets")) > 0 &&
				    !json_is_true(json_object_get(k.uses, peer))) {
					json_object_set_new(k.uses, peer, json_true());
					CD_LOG(INFO, "esp: %s uses the box's new key: its SAs move to it", peer);
				}
				if (top > json_integer_value(json_object_get(m, "top"))) {
					if (m == NULL)
						json_object_set_new(k.marks, name, m = json_object());
					json_object_set_new(m, "top", json_integer(top));
					k.dirty = true;
				}
				continue;
			}
			if (m == NULL)
				continue;
			hwm = json_integer_value(json_object_get(h, "seq0")) +
			      json_integer_value(json_object_get(by_id[id], "packets"));
			if (hwm > json_integer_value(json_object_get(m, "hwm"))) {
				json_object_set_new(m, "hwm", json_integer(hwm));
				k.dirty = true;
			}
		}
	}
}

/* The marks stored, or not: saved again at the next round. */
static void
marks_saved(void *arg, int rc)
{
	(void)arg;
	k.saving = false;
	if (rc < 0 && k.marks != NULL) {   /* (not once stopped) */
		k.dirty = true;
		ov_keyctl_fail(&k.ctl, "cannot save the sequence numbers' marks");
	}
}

static void
marks_save(time_t now)
{
	const char *name;
	json_t *m;
	void *tmp;

	if (!k.dirty || k.saving || now - k.saved < ESP_HWM_SAVE_S)
		return;
	/* the marks of epochs long gone are of no use */
	json_object_foreach_safe(k.marks, tmp, name, m) {
		const char *bar = strrchr(name, '|');

		if (bar != NULL && strtoull(bar + 1, NULL, 10) + 2 < (uint64_t)now / k.rekey_s)
			json_object_del(k.marks, name);
	}
	k.dirty = false;
	k.saved = now;
	k.saving = true;
	cd_host_save_async(k.res, ESP_STATE, k.marks, marks_saved, NULL);
}

static void
kept(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	if (error == NULL && result != NULL)
		k.keepalives++;
	else
		ov_keyctl_answered(&k.ctl, "a NAT keepalive", result, error);
}

/* A NAT keepalive on each UDP-encapsulated path (RFC 3948 2.3): what keeps
 * a NAT's mapping of it open while it carries nothing. */
static void
keepalives(time_t now)
{
	for (unsigned int p = 1; p < 65536; p++)
		if (k.natt[p])
			cd_host_call(k.sxdp, "overlay.sa.keepalive", json_pack("{s:i}", "path", p), kept, NULL);
	k.ka_at = now;
}

/* ------------------------------------------------------------ rotation */

/* A key replaced (ours, or peer @peer's; NULL: every peer's): what sxdp
 * holds of its SAs, and their marks, under the names that key's wants
 * have now (@marker, "~old" or "~was", before the epoch), so that the new
 * key's SAs, of the names these had, are made anew beside them. */
static void
names_marked(const char *marker, const char *peer)
{
	json_t *moved = json_object(), *marks = json_object(), *v;
	const char *name;
	void *tmp;

	json_object_foreach_safe(k.held, tmp, name, v) {
		const char *bar = strrchr(name, '|');
		char n[OV_KEYS_NAME_MAX + 8];

		if (bar == NULL || strstr(name, "~old") != NULL || strstr(name, "~was") != NULL ||
		    (peer != NULL && strcmp(json_string_value(json_object_get(v, "peer")) ?: "", peer) != 0))
			continue;
		snprintf(n, sizeof(n), "%.*s%s%s", (int)(bar - name), name, marker, bar);
		json_object_set(moved, n, v);
		if (json_object_get(k.marks, name) != NULL) {
			json_object_set(marks, n, json_object_get(k.marks, name));
			json_object_del(k.marks, name);
		}
		json_object_del(k.held, name);
	}
	json_object_update(k.held, moved);
	json_object_update(k.marks, marks);
	json_decref(moved);
	json_decref(marks);
	k.dirty = true;
}

/* The replaced key let go: its file, its memory; its SAs leave at the next reconcile. */
static void
prev_retire(const char *why)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", k.store_dir, ESP_KEY_FILE);
	ov_keyfile_prev_drop(path);
	OPENSSL_cleanse(k.prev, 32);
	k.has_prev = false;
	k.prev_b64[0] = '\0';
	json_object_clear(k.uses);
	CD_LOG(INFO, "esp: the box's previous key retired (%s)", why);
}

/* POST /api/v1/services/esp/rotate: a new key for the box, make-before-break
 * (the old one kept, in memory and in esp.key.prev, until every peer is
 * seen on the new one, or --esp-key-grace, or .../retire); retire: the
 * old one let go now (every peer's intent has the new public key). */
static int
ov_keys_act(const char *action, json_t *body, json_t **result, char *msg, size_t len)
{
	char path[4096];
	uint8_t *fresh = k.priv + 64;	/* the same locked page */
	int rc;

	(void)body;
	if (strcmp(action, "retire") == 0) {
		if (!k.has_prev) {
			snprintf(msg, len, "no previous key to retire");
			return -EINVAL;
		}
		prev_retire("asked");
		*result = json_pack("{s:s}", "public_key", k.pub_b64);
		return 0;
	}
	if (strcmp(action, "rotate") != 0) {
		snprintf(msg, len, "esp's actions: rotate, retire");
		return -ENOENT;
	}
	if (k.has_prev) {
		snprintf(msg, len, "a rotation is under way: its old key goes once every peer uses the new one, after "
			 "--esp-key-grace, or by .../retire");
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "%s/%s", k.store_dir, ESP_KEY_FILE);
	if (RAND_priv_bytes(fresh, 32) != 1) {
		snprintf(msg, len, "no randomness");
		return -EIO;
	}
	if ((rc = ov_keyfile_rotate(path, k.priv, fresh)) < 0) {
		OPENSSL_cleanse(fresh, 32);
		snprintf(msg, len, "the store: %s", strerror(-rc));
		return rc;
	}
	memcpy(k.prev, k.priv, 32);
	memcpy(k.priv, fresh, 32);
	OPENSSL_cleanse(fresh, 32);
	k.has_prev = true;
	k.rotated_at = time(NULL);
	json_object_clear(k.uses);
	memcpy(k.prev_b64, k.pub_b64, sizeof(k.prev_b64));
	key_public(k.priv, k.pub_b64);
	names_marked("~old", NULL);
	k.rotations++;
	/* the new key's inbound SAs in sxdp before the answer: a peer told at
	 * once may seal with them at once */
	if (k.up && !k.adopting && cd_host_up(k.sxdp))
		reconcile(time(NULL));
	CD_LOG(INFO, "esp: the box's key rotated: new public key %s; peers keep using the old one until their "
	       "intents name the new", k.pub_b64);
	*result = json_pack("{s:s,s:s,s:i}", "public_key", k.pub_b64, "previous_public_key", k.prev_b64,
			    "retires_after_s", k.grace_s);
	return 0;
}

/* Every peer of the derived keying seen on the new key, or the grace over: the old one goes. */
static void
prev_check(time_t now)
{
	const char *name;
	json_t *v;
	bool all = true;

	if (!k.has_prev)
		return;
	if (now - k.rotated_at >= (time_t)k.grace_s) {
		prev_retire("--esp-key-grace over");
		return;
	}
	json_object_foreach(k.peers, name, v)
		all = all && (strcmp(json_string_value(v) ?: "", "keyed") != 0 || json_is_true(json_object_get(k.uses,
														  name)));
	/* IKEv2's peers' PSKs are of the keys too: only the grace or .../retire lets those go */
	if (all && json_object_size(k.peers) > 0 && !k.ike_peers)
		prev_retire("every peer uses the new key");
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	time_t now = time(NULL);

	(void)fd;
	(void)what;
	(void)arg;
	if (k.up && !k.adopting && cd_host_up(k.sxdp)) {
		reconcile(now);
		cd_host_call(k.sxdp, "overlay.sa.list", NULL, listed, NULL);
		if (now - k.ka_at >= (time_t)k.natt_ka_s)
			keepalives(now);
	}
	marks_save(now);
	prev_check(now);
}

/* sxdp connected (its tables known) or lost: what it holds is read again. */
static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	(void)arg;
	(void)boot_id;
	json_object_clear(k.held);
	memset(k.ids, 0, sizeof(k.ids));
	memset(k.need, 0, sizeof(k.need));	/* told again */
	k.up = t != NULL;
	if (k.up && cd_host_call(k.sxdp, "overlay.sa.list", NULL, listed, &k) == 0)
		k.adopting = true;
}

static int
ov_keys_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	static const struct timeval tick = { ESP_TICK_MS / 1000, (ESP_TICK_MS % 1000) * 1000 };
	char path[4096];
	json_t *st;
	int rc;

	k.base = ctx->base;
	k.res = ctx->res;
	k.sync = ctx->sync;
	k.sxdp = ctx->sxdp;
	k.store_dir = ctx->store_dir;
	if ((k.priv = ov_keyfile_secure(4096)) == NULL) {
		snprintf(err, len, "esp: no memory for the key");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/%s", ctx->store_dir, ESP_KEY_FILE);
	if ((rc = ov_keyfile_load(path, k.priv, "esp")) < 0 || (rc = key_public(k.priv, k.pub_b64)) < 0) {
		snprintf(err, len, "esp: the box's key %s: %s", path, strerror(-rc));
		return rc;
	}
	/* a rotation under way when sxcd stopped: the old key still taken */
	k.prev = k.priv + 32;
	k.has_prev = ov_keyfile_prev(path, k.prev, &k.rotated_at, "esp") == 0 && key_public(k.prev, k.prev_b64) == 0;
	k.uses = json_object();
	st = cd_host_state(k.res, ESP_STATE);
	k.marks = json_is_object(st) ? json_deep_copy(st) : json_object();
	k.held = json_object();
	k.peers = json_object();
	k.gens = json_object();
	k.pubs = json_object();
	if ((rc = cd_host_watch(k.sync, on_sxdp, NULL)) < 0) {
		snprintf(err, len, "esp: cannot follow sxdp: %s", strerror(-rc));
		return rc;
	}
	if ((k.tick = event_new(k.base, -1, EV_PERSIST, on_tick, NULL)) == NULL || evtimer_add(k.tick, &tick) < 0) {
		snprintf(err, len, "esp: no timer");
		return -ENOMEM;
	}
	return 0;
}

static void
ov_keys_stop(void)
{
	if (k.tick != NULL)
		event_free(k.tick);
	k.tick = NULL;
	ov_keyfile_release(k.priv, 4096);
	k.priv = k.prev = NULL;
	k.has_prev = false;
	json_decref(k.uses);
	k.uses = NULL;
	json_decref(k.held);
	json_decref(k.marks);
	json_decref(k.peers);
	json_decref(k.gens);
	json_decref(k.pubs);
	k.held = k.marks = k.peers = k.gens = k.pubs = NULL;
}

static json_t *
ov_keys_status(void)
{
	size_t in = 0, out = 0;
	const char *name;
	json_t *h;

	if (k.held == NULL)
		return NULL;
	json_object_foreach(k.held, name, h) {
		if (strncmp(name, "out|", 4) == 0)
			out++;
		else
			in++;
	}
	json_t *st = json_pack("{s:s,s:i,s:I,s:{s:i,s:i},s:O,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "public_key",
			       k.pub_b64, "rekey_s", k.rekey_s, "epoch", (json_int_t)k.last_epoch, "sas", "in", (int)in,
			       "out", (int)out, "peers", k.peers, "made", (json_int_t)k.made, "deleted",
			       (json_int_t)k.deleted, "rekeys", (json_int_t)k.rekeys, "rekeys_now",
			       (json_int_t)k.rekeys_now, "nat_keepalives", (json_int_t)k.keepalives, "rotations",
			       (json_int_t)k.rotations, "errors", (json_int_t)k.ctl.errors, "last_error",
			       k.ctl.last_error);

	/* a rotation under way: the old public key, who moved to the new one, when the old goes */
	if (st != NULL && k.has_prev)
		json_object_set_new(st, "rotation", json_pack("{s:s,s:O,s:I}", "previous_public_key", k.prev_b64,
			"moved", k.uses, "retires_in_s", (json_int_t)(k.rotated_at + k.grace_s - time(NULL))));
	return st;
}

static void
ov_keys_metrics(struct cd_vis_fams *f)
{
	cd_vis_sample(f, "sxcd_esp_sas_made_total", "counter", "ESP SAs sxcd derived and added to sxdp",
		      (double)k.made, NULL);
	cd_vis_sample(f, "sxcd_esp_rekeys_total", "counter", "Epochs sxcd moved its encrypted paths on to",
		      (double)k.rekeys, NULL);
	cd_vis_sample(f, "sxcd_esp_rekeys_now_total", "counter",
		      "Peers' generations sxcd moved their ESP SAs to (an intent's encryption.generation: a rekey now)",
		      (double)k.rekeys_now, NULL);
	cd_vis_sample(f, "sxcd_esp_nat_keepalives_total", "counter",
		      "NAT keepalives sxdp sent on sxcd's asking (paths of encryption.nat_traversal)",
		      (double)k.keepalives, NULL);
	cd_vis_sample(f, "sxcd_esp_errors_total", "counter", "What sxcd could not do for encrypted paths",
		      (double)k.ctl.errors, NULL);
}

static const struct cd_svc ov_keys_svc = {
	.name = "esp",
	.opts = ov_keys_opts,
	.start = ov_keys_start,
	.stop = ov_keys_stop,
	.status = ov_keys_status,
	.metrics = ov_keys_metrics,
	.act = ov_keys_act,
};
CD_SVC_REGISTER(ov_keys_svc)
