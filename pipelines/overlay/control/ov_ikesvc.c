/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikesvc: sxcd's IKEv2: each path to a peer of keying ikev2 an IKE SA of the ov_ike engine, its messages carried by sxdp, its Child SAs kept in sxdp as ESP SAs. */
/*
 * A peer whose intent says encryption {keying: "ikev2"} has its ESP SAs
 * negotiated, not derived: each of its paths (a local VTEP and one of the
 * peer's endpoints, IPv4 or IPv6) is one IKE SA of ov_ike over that
 * family (ov_ike.h says what it speaks), whose Child SA's selectors are
 * the two VTEPs, so the overlay's tunnel datagrams between them are what
 * it carries. The far end is another box (its intent names this box the
 * same way) or any IKEv2 gateway (strongSwan, a cloud's VPN gateway):
 * there the gateway routes its VXLAN to this box's VTEP through its IPsec
 * tunnel.
 *
 * Authentication is by a pre-shared key or by certificates. A third-party
 * gateway's PSK is a file (encryption.ike.psk_file: owned by sxcd's user,
 * 0600 or 0400; read again each time the intents are, so a new key takes
 * at the next IKE SA): never in an intent, a log line or a status. Between
 * two boxes it is derived from their X25519 keys (esp.key, ov_keys.c):
 * HKDF-SHA256 of the secret they share over the two VTEPs' addresses,
 * lower first (IPv4's 4 bytes each, IPv6's 16). Certificates (ike.auth
 * cert: the box's certificate and key, the anchors a peer's must chain to,
 * ov_ikecert) are loaded again when a file changes. Rekeys (CREATE_CHILD_SA, a fresh DH each) are ov_ike's, on
 * the intent's rekey_s and ike_rekey_s; a new encryption.generation is a
 * Child SA rekey now; a UDP-encapsulated path gets a NAT keepalive every
 * IKE_NATT_KA_MS.
 *
 * Why this gives what derived keying lacks (forward secrecy): each IKE SA
 * and each Child SA's keys come from an ephemeral Diffie-Hellman (a fresh
 * Curve25519 key pair per exchange, wiped once the keys are made); the
 * long-term key only proves who answers. Whoever steals esp.key (or a PSK
 * file) afterwards can pose as the box to its peers until the key is
 * replaced, but cannot open a recorded packet: its keys were never
 * derivable from the long-term key alone.
 *
 * sxdp carries the messages (overlay.ike.listen, .recv, .send: UDP 500,
 * and 4500 after the non-ESP marker, to the box's VTEPs) and the data
 * (overlay.sa.add: SA ids IKE_ID_MIN..IKE_ID_MAX; ESP's derived ones and
 * WireGuard's are below). A Child SA is up when both its SAs are in sxdp,
 * the inbound one first; a path is never clear from its intent on
 * (overlay.sa.require). Which side starts: the intent's ike.initiator;
 * by default the box towards a third-party gateway, and between two boxes
 * the one whose VTEP's address is the lower.
 *
 * At sxdp's (re)connect the Child SAs it still holds go on (an sxdp that
 * took over from the last one holds them all); a path whose SAs are gone
 * (sxdp restarted) starts its IKE SA again at once, a Delete telling the
 * peer: new SAs, new keys and windows, never the old ones' counters
 * reused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

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
#include "ov_ike.h"
#include "ov_keyctl.h"
#include "ov_keyfile.h"
#include "ov_keys.h"
#include "ov_site.h"

#define IKE_TICK_MS	100
#define IKE_ID_MIN	1024		/* sxdp's SA ids of IKEv2's Child SAs (ov_keys.c and ov_wg.c have those below) */
#define IKE_ID_MAX	1535
#define IKE_PATHS	256
#define IKE_CHILDREN	4		/* a path's Child SAs at once: the one in use and those a rekey overlaps */
#define IKE_INTENTS_MS	1000		/* how often the intents (and PSK files) are read again */
#define IKE_DPD_S	10		/* encryption.ike.dpd_s's default */
#define IKE_PSK_MIN	16		/* a PSK file's least: a shorter one is guessable offline from one exchange */
#define IKE_LOG_S	10		/* at most one warning line per this */
#define IKE_NATT_KA_MS	20000		/* a NAT keepalive on a UDP-encapsulated path sending nothing else (RFC 3948 4) */

struct child {
	bool live, encap;
	uint32_t spi_in, spi_out;
	uint16_t in_id, out_id;		/* 0: none */
};

/* One path to a peer of keying ikev2: one IKE SA. */
struct ikp {
	bool used, seen, required;
	bool start;			/* this box starts its IKE SAs */
	char name[96];			/* "PEER #PATH" */
	uint16_t path;
	uint8_t local[16], remote[16];	/* VTEPs, one family (dp_addr.h: IPv4 mapped) */
	uint8_t fp[32];			/* its configuration's digest (its PSK in it): another is a new IKE SA */
	uint32_t gen;			/* the intent's encryption.generation: another is a rekey now */
	struct ov_ikecert *crt;		/* ike.auth cert: its certificate, key and anchors (NULL: a PSK) */
	uint8_t crt_fp[32];		/* their files as last loaded (device, inode, size, time) */
	uint64_t ka_at;			/* its last NAT keepalive (ms) */
	struct ov_ike_peer *p;
	struct child ch[IKE_CHILDREN];
	char state[16];
	char why[160];
	uint64_t since;			/* ms, its state's */
	uint64_t ups;			/* Child SAs put up */
};

static struct {
	struct cd_res *res;
	struct ctl_async *sxdp;
	struct event *tick;
	struct ov_ike *e;
	struct ikp p[IKE_PATHS];
	bool ids[IKE_ID_MAX + 1];
	bool up, listening, adopting;
	uint64_t intents_at;
	uint64_t children, restarts, rekeys_now, keepalives;
	struct ov_keyctl ctl;
	json_t *peers;			/* name -> why not, for those that are not */
} g = { .ctl = { .who = "ike", .every_s = IKE_LOG_S } };


static void
answered(void *arg, json_t *result, json_t *error)
{
	ov_keyctl_answered(&g.ctl, arg, result, error);
}

static struct ikp *
ikp_of(const struct ov_ike_peer *p)
{
	for (int i = 0; i < IKE_PATHS; i++)
		if (g.p[i].used && g.p[i].p == p)
			return &g.p[i];
	return NULL;
}

/* ------------------------------------------------------- the engine's ops */

static void
op_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, const uint8_t dst[16],
	uint16_t dport)
{
	struct ikp *w = ikp_of(p);
	char d[INET6_ADDRSTRLEN], *h;

	(void)ctx;
	if (w == NULL || !g.listening || (h = malloc(2 * len + 1)) == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		snprintf(h + 2 * i, 3, "%02x", msg[i]);
	/* to where the peer's messages come from: a NAT's address before sxdp's
	 * path follows it; the text of the path's family is what sxdp sends over */
	dp_addr_ntop_any(dst, d, sizeof(d));
	cd_host_call(g.sxdp, "overlay.ike.send", json_pack("{s:i,s:s,s:i,s:s,s:i}", "path", w->path, "msg", h,
							    "sport", sport, "dst", d, "dport", dport), answered,
		     "an IKE message");
	free(h);
}

static bool
spi_used(uint32_t spi)
{
	for (int i = 0; i < IKE_PATHS; i++)
		for (int j = 0; j < IKE_CHILDREN; j++)
			if (g.p[i].used && g.p[i].ch[j].live && g.p[i].ch[j].spi_in == spi)
				return true;
	return false;
}

static uint32_t
op_spi(void *ctx, struct ov_ike_peer *p)
{
	uint32_t spi;

	(void)ctx;
	(void)p;
	/* the high bit clear: ESP's derived SPIs have it set (ov_keys.c), so
	 * the two never meet in sxdp's index; 1..255 are reserved */
	do {
		if (RAND_bytes((unsigned char *)&spi, sizeof(spi)) != 1)
			spi = (uint32_t)ov_keyctl_now_ms();
		spi &= 0x7fffffffu;
	} while (spi < 256 || spi_used(spi));
	return spi;
}

static int
id_take(void)
{
	for (int i = IKE_ID_MIN; i <= IKE_ID_MAX; i++)
		if (!g.ids[i]) {
			g.ids[i] = true;
			return i;
		}
	return -ENOSPC;
}

/* One direction of Child SA @c of @w into sxdp: its SA id, or 0. */
static uint16_t
sa_add(const struct ikp *w, const struct ov_ike_child *c, bool out)
{
	char hex[2 * OV_IKE_KEY_MAX + 1], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const uint8_t *src = out ? w->local : w->remote, *dst = out ? w->remote : w->local;
	const uint8_t *key = out ? c->key_out : c->key_in;
	json_t *req;
	int id;

	if ((id = id_take()) < 0) {
		ov_keyctl_fail(&g.ctl, "no SA id left for %s", w->name);
		return 0;
	}
	for (size_t i = 0; i < c->key_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	dp_addr_ntop_any(src, s, sizeof(s));
	dp_addr_ntop_any(dst, d, sizeof(d));
	req = json_pack("{s:i,s:s,s:I,s:s,s:s,s:s,s:s,s:b,s:i}", "id", id, "dir", out ? "out" : "in", "spi",
			(json_int_t)(out ? c->spi_out : c->spi_in), "cipher",
			c->key_len == 36 ? "aes-gcm-256" : "aes-gcm-128", "key", hex, "src", s, "dst", d, "esn",
			c->esn, "path", w->path);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (req != NULL && c->encap) {
		/* inbound: the path's endpoint follows where its verified packets come from */
		json_object_set_new(req, "natt_sport", json_integer(OV_IKE_NATT_PORT));
		json_object_set_new(req, "natt_dport", json_integer(c->encap_port));
	}
	/* the request's text of the key is jansson's to free: sxdp wipes its own */
	if (req == NULL || cd_host_call(g.sxdp, "overlay.sa.add", req, answered, "a Child SA") < 0) {
		g.ids[id] = false;
		return 0;
	}
	return (uint16_t)id;
}

static void
sa_del(uint16_t *id)
{
	if (*id == 0)
		return;
	cd_host_call(g.sxdp, "overlay.sa.del", json_pack("{s:i}", "id", *id), answered, "a Child SA's deletion");
	g.ids[*id] = false;
	*id = 0;
}

static void
op_child_up(void *ctx, struct ov_ike_peer *p, const struct ov_ike_child *c)
{
	struct ikp *w = ikp_of(p);
	struct child *x = NULL;

	(void)ctx;
	if (w == NULL)
		return;
	/* a responder's rekeyed Child SA, its inbound SA in already: its outbound now */
	for (int j = 0; j < IKE_CHILDREN; j++)
		if (w->ch[j].live && w->ch[j].spi_in == c->spi_in) {
			if (!c->in_only && w->ch[j].out_id == 0)
				w->ch[j].out_id = sa_add(w, c, true);
			return;
		}
	for (int j = 0; j < IKE_CHILDREN && x == NULL; j++)
		if (!w->ch[j].live)
			x = &w->ch[j];
	if (x == NULL) {
		ov_keyctl_fail(&g.ctl, "%s: more Child SAs at once than %d", w->name, IKE_CHILDREN);
		return;
	}
	/* inbound first: sxdp takes its calls in order, and the peer may send
	 * on the new SA as soon as the exchange ends; the newest outbound SA
	 * of a path is the one sxdp seals with */
	for (int j = 0; j < IKE_CHILDREN; j++)
		if (w->ch[j].live) {
			CD_LOG(INFO, "ike: %s: a new Child SA (SPIs in %08x, out %08x) beside the one of %08x",
			       w->name, c->spi_in, c->spi_out, w->ch[j].spi_in);
			break;
		}
	*x = (struct child){ .live = true, .encap = c->encap, .spi_in = c->spi_in, .spi_out = c->spi_out };
	x->in_id = sa_add(w, c, false);
	if (!c->in_only)
		x->out_id = sa_add(w, c, true);
	w->ups++;
	g.children++;
}

static void
op_child_down(void *ctx, struct ov_ike_peer *p, uint32_t spi_in, uint32_t spi_out)
{
	struct ikp *w = ikp_of(p);

	(void)ctx;
	if (w == NULL)
		return;
	for (int j = 0; j < IKE_CHILDREN; j++) {
		struct child *x = &w->ch[j];

		if (!x->live || x->spi_in != spi_in || x->spi_out != spi_out)
			continue;
		sa_del(&x->out_id);
		sa_del(&x->in_id);
		*x = (struct child){ 0 };
	}
}

static void
op_state(void *ctx, struct ov_ike_peer *p, const char *state, const char *why)
{
	struct ikp *w = ikp_of(p);

	(void)ctx;
	if (w == NULL)
		return;
	if (strcmp(w->state, state) != 0)
		CD_LOG(INFO, "ike: %s %s%s%s", w->name, state, why != NULL ? ": " : "", why ?: "");
	snprintf(w->state, sizeof(w->state), "%s", state);
	snprintf(w->why, sizeof(w->why), "%s", why ?: "");
	w->since = ov_keyctl_now_ms();
}

static const struct ov_ike_ops ops = {
	.send = op_send, .spi = op_spi, .child_up = op_child_up, .child_down = op_child_down, .state = op_state,
};

/* ------------------------------------------------------------ the paths */

/* Two boxes' PSK: HKDF-SHA256 of the secret their X25519 keys share, over
 * their VTEPs' addresses (the lower first: both compute the same; IPv4's 4
 * bytes each, as before IPv6, so a pair of boxes keeps its PSK across an
 * upgrade; IPv6's 16); @prev: of the box's key a rotation replaced
 * (-ENOENT: none under way). */
static int
psk_derived(const char *pub_b64, const uint8_t local[16], const uint8_t remote[16], bool prev, uint8_t psk[32])
{
	static const unsigned char salt[] = "sxdp ike psk v1";
	/* mapped IPv4 orders as its 4 bytes do */
	const uint8_t *lo = memcmp(local, remote, 16) < 0 ? local : remote, *hi = lo == local ? remote : local;
	size_t len = 32, al = dp_addr_mapped(local) ? 4 : 16;
	uint8_t shared[32], info[32];
	EVP_PKEY_CTX *cx = NULL;
	int rc;

	if ((rc = prev ? ov_keys_shared_prev(pub_b64, shared) : ov_keys_shared(pub_b64, shared)) < 0)
		return rc;
	memcpy(info, lo + 16 - al, al);
	memcpy(info + al, hi + 16 - al, al);
	rc = -EIO;
	if ((cx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) != NULL && EVP_PKEY_derive_init(cx) == 1 &&
	    EVP_PKEY_CTX_set_hkdf_md(cx, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(cx, salt, sizeof(salt) - 1) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(cx, shared, 32) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(cx, info, (int)(2 * al)) == 1 && EVP_PKEY_derive(cx, psk, &len) == 1 &&
	    len == 32)
		rc = 0;
	EVP_PKEY_CTX_free(cx);
	OPENSSL_cleanse(shared, sizeof(shared));
	return rc;
}

/* The engine's configuration of a path of peer @name (@enc its intent's
 * encryption) into @c: 0, or -errno with @why said. The caller wipes @c
 * (its PSK is in it). */
static int
conf_of(const struct ikp *w, const char *name, json_t *enc, uint16_t path, const uint8_t local[16],
	const uint8_t remote[16], struct ov_ike_conf *c, char *why, size_t len)
{
	json_t *ike = json_object_get(enc, "ike");
	const char *psk_file = json_string_value(json_object_get(ike, "psk_file"));
	const char *id = json_string_value(json_object_get(ike, "local_id"));
	const char *rid = json_string_value(json_object_get(ike, "remote_id"));
	const char *dh = json_string_value(json_object_get(ike, "dh")) ?: "curve25519";
	json_t *dpd = json_object_get(ike, "dpd_s"), *start = json_object_get(ike, "initiator");
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s #%u", name, (unsigned int)path);
	memcpy(c->local, local, 16);
	memcpy(c->remote, remote, 16);
	if (w->crt != NULL) {
		c->cert = w->crt;	/* certificates, no PSK */
	} else if (psk_file != NULL) {
		if ((rc = ov_keyfile_read(psk_file, c->psk, IKE_PSK_MIN, OV_IKE_PSK_MAX, &c->psk_len, "ike")) < 0) {
			snprintf(why, len, "its PSK file: %s", rc == -EPERM ? "not a file of 16 to 128 bytes, 0600 or "
				 "0400, of sxcd's user" : strerror(-rc));
			return rc;
		}
	} else if ((rc = psk_derived(json_string_value(json_object_get(enc, "public_key")), local, remote, false,
				     c->psk)) < 0) {
		snprintf(why, len, "%s", rc == -ENODEV ? "the box's esp.key is not loaded"
						       : "its public key is no X25519 key");
		return rc;
	} else {
		c->psk_len = 32;
		/* a rotation of the box's key under way: the peer may not know the new one yet */
		if (psk_derived(json_string_value(json_object_get(enc, "public_key")), local, remote, true,
				c->psk_alt) == 0)
			c->psk_alt_len = 32;
	}
	if (id != NULL) {
		c->id_type = OV_IKE_ID_FQDN;
		c->id_len = strlen(id) < OV_IKE_ID_MAX ? strlen(id) : OV_IKE_ID_MAX;
		memcpy(c->id, id, c->id_len);
	}
	if (rid != NULL) {
		c->rid_type = OV_IKE_ID_FQDN;
		c->rid_len = strlen(rid) < OV_IKE_ID_MAX ? strlen(rid) : OV_IKE_ID_MAX;
		memcpy(c->rid, rid, c->rid_len);
	}
	c->dh = strcmp(dh, "ecp256") == 0 ? OV_IKE_DH_ECP_256 : strcmp(dh, "modp2048") == 0 ? OV_IKE_DH_MODP_2048
											    : OV_IKE_DH_CURVE25519;
	c->aes_bits = strcmp(json_string_value(json_object_get(enc, "cipher")) ?: "", "aes-gcm-256") == 0 ? 256 : 128;
	c->start = start != NULL ? json_is_true(start) : psk_file != NULL || memcmp(local, remote, 16) < 0;
	c->encap = json_is_true(json_object_get(enc, "nat_traversal"));
	c->dpd_ms = (unsigned int)(dpd != NULL ? json_integer_value(dpd) : IKE_DPD_S) * 1000;
	c->child_life_ms = (unsigned int)json_integer_value(json_object_get(ike, "rekey_s")) * 1000;
	c->ike_life_ms = (unsigned int)json_integer_value(json_object_get(ike, "ike_rekey_s")) * 1000;
	return 0;
}

static void
require(struct ikp *w, bool on)
{
	if (cd_host_call(g.sxdp, "overlay.sa.require", json_pack("{s:i,s:b}", "path", w->path, "required", on),
			 answered, "a path's encryption") == 0)
		w->required = on;
}

/* Path @w's IKE SA let go (a Delete said when up), its Child SAs with it. */
static void
ikp_stop(struct ikp *w)
{
	if (w->p != NULL)
		ov_ike_peer_del(g.e, w->p, ov_keyctl_now_ms());
	w->p = NULL;
	memset(w->fp, 0, sizeof(w->fp));
	snprintf(w->state, sizeof(w->state), "down");
}

static void
ikp_drop(struct ikp *w)
{
	ikp_stop(w);
	ov_ikecert_free(w->crt);
	require(w, false);
	*w = (struct ikp){ 0 };
}

static struct ikp *
ikp_at(uint16_t path)
{
	struct ikp *free_one = NULL;

	for (int i = 0; i < IKE_PATHS; i++) {
		if (g.p[i].used && g.p[i].path == path)
			return &g.p[i];
		if (!g.p[i].used && free_one == NULL)
			free_one = &g.p[i];
	}
	return free_one;
}

/* The files of @ike's certificate, key and anchors, as they are now, into @fp. */
static int
cert_files(json_t *ike, uint8_t fp[32])
{
	static const char *const keys[] = { "cert_file", "key_file", "ca_file" };
	EVP_MD_CTX *mx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int rc = mx != NULL && EVP_DigestInit_ex(mx, EVP_sha256(), NULL) == 1 ? 0 : -ENOMEM;

	for (size_t i = 0; i < 3 && rc == 0; i++) {
		const char *f = json_string_value(json_object_get(ike, keys[i]));
		struct stat st;
		uint64_t v[5];

		if (f == NULL || stat(f, &st) < 0) {
			rc = -ENOENT;
			break;
		}
		v[0] = st.st_dev;
		v[1] = st.st_ino;
		v[2] = (uint64_t)st.st_size;
		v[3] = (uint64_t)st.st_mtim.tv_sec;
		v[4] = (uint64_t)st.st_mtim.tv_nsec;
		rc = EVP_DigestUpdate(mx, v, sizeof(v)) == 1 ? 0 : -EIO;
	}
	if (rc == 0 && EVP_DigestFinal_ex(mx, fp, &len) != 1)
		rc = -EIO;
	EVP_MD_CTX_free(mx);
	return rc;
}

/* Path @w's certificates as @ike (its intent's) says: none (a PSK), or
 * loaded again when a file changed (the IKE SA in use goes: the next one
 * is proved with them). 0, or -errno with @why said. */
static int
certs_set(struct ikp *w, json_t *ike, char *why, size_t len)
{
	const char *id = json_string_value(json_object_get(ike, "local_id"));
	uint8_t fp[32];
	int rc;

	if (strcmp(json_string_value(json_object_get(ike, "auth")) ?: "psk", "cert") != 0) {
		if (w->crt != NULL) {
			ikp_stop(w);
			ov_ikecert_free(w->crt);
			w->crt = NULL;
		}
		return 0;
	}
	if ((rc = cert_files(ike, fp)) < 0) {
		snprintf(why, len, "its certificate, key or CA file: %s", strerror(-rc));
		return rc;
	}
	if (w->crt != NULL && memcmp(fp, w->crt_fp, sizeof(fp)) == 0)
		return 0;
	ikp_stop(w);	/* its engine's peer holds the old ones */
	ov_ikecert_free(w->crt);
	w->crt = NULL;
	memset(w->crt_fp, 0, sizeof(w->crt_fp));
	if ((rc = ov_ikecert_load(json_string_value(json_object_get(ike, "cert_file")),
				  json_string_value(json_object_get(ike, "key_file")),
				  json_string_value(json_object_get(ike, "ca_file")), &w->crt, why, len)) < 0)
		return rc;
	if (id == NULL || !ov_ikecert_names(w->crt, OV_IKE_ID_FQDN, (const uint8_t *)id, strlen(id))) {
		snprintf(why, len, "its certificate does not name ike.local_id (a DNS name of its subjectAltName)");
		ov_ikecert_free(w->crt);
		w->crt = NULL;
		return -EINVAL;
	}
	memcpy(w->crt_fp, fp, sizeof(fp));
	return 0;
}

/* Path @path of peer @name as its intent says now: set up, or started
 * again when its configuration changed. */
static void
path_set(const char *name, json_t *enc, uint16_t path, const uint8_t local[16], const uint8_t remote[16])
{
	uint32_t gen = (uint32_t)json_integer_value(json_object_get(enc, "generation"));
	struct ov_ike_conf c, timers;
	char why[160] = "";
	uint8_t fp[32];
	unsigned int fplen = 0;
	struct ikp *w;
	int rc;

	if ((w = ikp_at(path)) == NULL) {
		json_object_set_new(g.peers, name, json_string("too many IKEv2 paths"));
		return;
	}
	if (!w->used) {
		*w = (struct ikp){ .used = true, .path = path };
		memcpy(w->local, local, 16);
		memcpy(w->remote, remote, 16);
		snprintf(w->name, sizeof(w->name), "%s #%u", name, (unsigned int)path);
		snprintf(w->state, sizeof(w->state), "down");
	}
	w->seen = true;
	if (!w->required)	/* never clear, from before its first Child SA on */
		require(w, true);
	if (certs_set(w, json_object_get(enc, "ike"), why, sizeof(why)) < 0 ||
	    conf_of(w, name, enc, path, local, remote, &c, why, sizeof(why)) < 0) {
		json_object_set_new(g.peers, name, json_string(why));
		OPENSSL_cleanse(&c, sizeof(c));
		return;
	}
	/* the timers (which side starts, liveness checks, lifetimes) and the
	 * PSKs (a rotation: the next IKE_AUTH's) change in place; the rest is
	 * of the IKE SA itself */
	timers = c;
	c.start = false;
	c.dpd_ms = c.child_life_ms = c.ike_life_ms = 0;
	OPENSSL_cleanse(c.psk, sizeof(c.psk));
	OPENSSL_cleanse(c.psk_alt, sizeof(c.psk_alt));
	c.psk_len = c.psk_alt_len = 0;
	if (EVP_Digest(&c, sizeof(c), fp, &fplen, EVP_sha256(), NULL) != 1 || fplen != sizeof(fp)) {
		OPENSSL_cleanse(&c, sizeof(c));
		OPENSSL_cleanse(&timers, sizeof(timers));
		return;
	}
	OPENSSL_cleanse(&c, sizeof(c));
	w->start = timers.start;
	if (w->p != NULL && CRYPTO_memcmp(fp, w->fp, sizeof(fp)) == 0) {
		ov_ike_peer_tune(w->p, &timers);
		OPENSSL_cleanse(&timers, sizeof(timers));
		if (gen != w->gen) {	/* an operator's rekey now */
			w->gen = gen;
			ov_ike_rekey_now(w->p);
			g.rekeys_now++;
		}
		return;
	}
	w->gen = gen;
	/* new, or another key, identity, group or end: a new IKE SA */
	ikp_stop(w);
	memcpy(w->local, local, 16);
	memcpy(w->remote, remote, 16);
	rc = ov_ike_peer_add(g.e, &timers, &w->p);
	OPENSSL_cleanse(&timers, sizeof(timers));
	if (rc < 0) {
		w->p = NULL;
		json_object_set_new(g.peers, name, json_string("its IKE configuration is refused"));
		return;
	}
	memcpy(w->fp, fp, sizeof(fp));
}

/* The paths the intents want now: new ones set up, gone ones dropped. */
static void
paths_read(void)
{
	json_t *peers = cd_vis_docs(g.res, "peers"), *sites = cd_vis_docs(g.res, "site"), *site = NULL, *d, *ep;
	const char *name;
	size_t i;

	json_object_foreach(sites, name, d)
		site = json_object_get(d, "spec");
	json_object_clear(g.peers);
	for (int j = 0; j < IKE_PATHS; j++)
		g.p[j].seen = false;
	json_object_foreach(peers, name, d) {
		json_t *spec = json_object_get(d, "spec"), *enc = json_object_get(spec, "encryption");

		if (strcmp(json_string_value(json_object_get(enc, "keying")) ?: "", "ikev2") != 0)
			continue;
		json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
			uint8_t l[16], r[16];
			uint16_t path;

			/* a path of either family: its IKE SA runs over it */
			if (ov_site_path(g.res, site, name, ep, &path, l, r))
				path_set(name, enc, path, l, r);
		}
	}
	for (int j = 0; j < IKE_PATHS; j++)
		if (g.p[j].used && !g.p[j].seen)
			ikp_drop(&g.p[j]);
	json_decref(peers);
	json_decref(sites);
}

/* --------------------------------------------------------- the messages */

static void
received(void *arg, json_t *result, json_t *error)
{
	static uint8_t msg[OV_IKE_MSG_MAX];
	uint64_t now = ov_keyctl_now_ms();
	json_t *m;
	size_t i;

	(void)arg;
	if (error != NULL || result == NULL || g.e == NULL)
		return;
	json_array_foreach(json_object_get(result, "messages"), i, m) {
		const char *h = json_string_value(json_object_get(m, "msg"));
		size_t len = h != NULL ? strlen(h) / 2 : 0;
		uint8_t src[16], dst[16];
		bool v4s, v4d;
		/* either family (IPv4 mapped): the engine matches them to its paths' */
		bool ok = len > 0 && len <= sizeof(msg) &&
			  dp_addr_ip_any(json_string_value(json_object_get(m, "src")) ?: "", src, &v4s) == 0 &&
			  dp_addr_ip_any(json_string_value(json_object_get(m, "dst")) ?: "", dst, &v4d) == 0 &&
			  v4s == v4d;

		for (size_t j = 0; ok && j < len; j++)
			ok = sscanf(h + 2 * j, "%2hhx", &msg[j]) == 1;
		if (ok)
			ov_ike_input(g.e, src, (uint16_t)json_integer_value(json_object_get(m, "sport")), dst,
				     (uint16_t)json_integer_value(json_object_get(m, "dport")), msg, len, now);
	}
	if (json_is_true(json_object_get(result, "more")))
		cd_host_call(g.sxdp, "overlay.ike.recv", NULL, received, NULL);
}

static void
kept(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	if (error == NULL && result != NULL)
		g.keepalives++;
	else
		ov_keyctl_answered(&g.ctl, "a NAT keepalive", result, error);
}

/* A NAT keepalive on each path whose Child SA is UDP-encapsulated, every
 * IKE_NATT_KA_MS: what keeps a NAT's mapping open while nothing else
 * crosses it (IKE's liveness checks may be off). */
static void
keepalives(uint64_t now)
{
	for (int i = 0; i < IKE_PATHS; i++) {
		struct ikp *w = &g.p[i];
		bool encap = false;

		for (int c = 0; c < IKE_CHILDREN; c++)
			encap |= w->used && w->ch[c].live && w->ch[c].encap && w->ch[c].out_id != 0;
		if (!encap || now - w->ka_at < IKE_NATT_KA_MS)
			continue;
		w->ka_at = now;
		cd_host_call(g.sxdp, "overlay.sa.keepalive", json_pack("{s:i}", "path", w->path), kept, NULL);
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = ov_keyctl_now_ms();

	(void)fd;
	(void)what;
	(void)arg;
	bool any = false;

	if (!g.up || g.adopting || !cd_host_up(g.sxdp))
		return;
	if (now - g.intents_at >= IKE_INTENTS_MS) {
		paths_read();
		g.intents_at = now;
	}
	/* sxdp hands IKE's ports up while a peer of keying ikev2 is; a box with
	 * none asks nothing of it */
	for (int i = 0; i < IKE_PATHS && !any; i++)
		any = g.p[i].used;
	if (any != g.listening) {
		if (cd_host_call(g.sxdp, "overlay.ike.listen", json_pack("{s:b}", "on", any), answered,
				 "IKE's ports") == 0)
			g.listening = any;
		return;
	}
	if (!g.listening)
		return;
	cd_host_call(g.sxdp, "overlay.ike.recv", NULL, received, NULL);
	ov_ike_tick(g.e, now);
	keepalives(now);
}

/* Does sxdp hold SA @id as ours: its SPI, direction and path? */
static bool
held(json_t *const *by_id, uint16_t id, bool out, uint32_t spi, uint16_t path)
{
	json_t *sa = id >= IKE_ID_MIN && id <= IKE_ID_MAX ? by_id[id] : NULL;

	return sa != NULL && json_integer_value(json_object_get(sa, "spi")) == (json_int_t)spi &&
	       json_integer_value(json_object_get(sa, "path")) == (json_int_t)path &&
	       strcmp(json_string_value(json_object_get(sa, "dir")) ?: "", out ? "out" : "in") == 0;
}

/* At a (re)connect: the Child SAs sxdp still holds go on; a path that
 * lost one starts its IKE SA again (new keys, new windows: nothing of
 * the old SAs' counters is reused); what sxdp holds in our range that is
 * not ours is deleted. */
static void
adopted(void *arg, json_t *result, json_t *error)
{
	static json_t *by_id[IKE_ID_MAX + 1];
	unsigned int kept = 0, lost = 0, gone = 0;
	json_t *sa;
	size_t i;

	(void)arg;
	g.adopting = false;
	if (g.e == NULL)
		return;
	memset(by_id, 0, sizeof(by_id));
	if (error == NULL && json_is_array(result))
		json_array_foreach(result, i, sa) {
			json_int_t id = json_integer_value(json_object_get(sa, "id"));

			if (id >= IKE_ID_MIN && id <= IKE_ID_MAX)
				by_id[id] = sa;
		}
	memset(g.ids, 0, sizeof(g.ids));
	for (int j = 0; j < IKE_PATHS; j++) {
		struct ikp *w = &g.p[j];
		bool lost_one = false;

		if (!w->used)
			continue;
		for (int c = 0; c < IKE_CHILDREN; c++) {
			struct child *x = &w->ch[c];

			if (!x->live)
				continue;
			if (held(by_id, x->in_id, false, x->spi_in, w->path) &&
			    (x->out_id == 0 || held(by_id, x->out_id, true, x->spi_out, w->path))) {
				g.ids[x->in_id] = g.ids[x->out_id] = true;
				by_id[x->in_id] = by_id[x->out_id] = NULL;
				kept++;
			} else {
				lost_one = true;
				lost++;
				*x = (struct child){ 0 };	/* nothing of it left to delete */
			}
		}
		if (lost_one) {
			ikp_stop(w);	/* the intents' next reading starts it again */
			g.restarts++;
		}
	}
	for (int id = IKE_ID_MIN; id <= IKE_ID_MAX; id++)
		if (by_id[id] != NULL) {
			cd_host_call(g.sxdp, "overlay.sa.del", json_pack("{s:i}", "id", id), answered, "a deletion");
			gone++;
		}
	g.intents_at = 0;
	CD_LOG(INFO, "ike: sxdp (re)connected: %u Child SAs it holds go on, %u lost (their IKE SAs start again), "
	       "%u SAs not ours deleted", kept, lost, gone);
}

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	(void)arg;
	(void)boot_id;
	for (int i = 0; i < IKE_PATHS; i++)
		g.p[i].required = false;	/* told again */
	g.up = t != NULL;
	g.listening = false;
	if (g.up && cd_host_call(g.sxdp, "overlay.sa.list", NULL, adopted, NULL) == 0)
		g.adopting = true;
	else if (g.up)
		adopted(NULL, NULL, NULL);
}

static int
ov_ikesvc_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	static const struct timeval tick = { 0, IKE_TICK_MS * 1000 };
	int rc;

	g.res = ctx->res;
	g.sxdp = ctx->sxdp;
	if ((g.e = ov_ike_new(&ops)) == NULL || (g.peers = json_object()) == NULL) {
		snprintf(err, len, "ike: no memory");
		return -ENOMEM;
	}
	if ((rc = cd_host_watch(ctx->sync, on_sxdp, NULL)) < 0) {
		snprintf(err, len, "ike: cannot follow sxdp: %s", strerror(-rc));
		return rc;
	}
	if ((g.tick = event_new(ctx->base, -1, EV_PERSIST, on_tick, NULL)) == NULL || evtimer_add(g.tick, &tick) < 0) {
		snprintf(err, len, "ike: no timer");
		return -ENOMEM;
	}
	return 0;
}

static void
ov_ikesvc_stop(void)
{
	if (g.tick != NULL)
		event_free(g.tick);
	g.tick = NULL;
	/* nothing sent: sxcd stopping leaves sxdp's SAs to the next one */
	for (int i = 0; i < IKE_PATHS; i++)
		g.p[i].used = false;
	ov_ike_free(g.e);
	g.e = NULL;
	for (int i = 0; i < IKE_PATHS; i++)
		ov_ikecert_free(g.p[i].crt);
	memset(g.p, 0, sizeof(g.p));
	json_decref(g.peers);
	g.peers = NULL;
}

static json_t *
ov_ikesvc_status(void)
{
	const struct ov_ike_stats *st;
	json_t *paths, *drops;
	uint64_t now = ov_keyctl_now_ms();

	if (g.e == NULL)
		return NULL;
	st = ov_ike_stats(g.e);
	paths = json_object();
	drops = json_object();
	for (int i = 0; i < IKE_PATHS; i++) {
		const struct ikp *w = &g.p[i];
		json_t *ch;

		if (!w->used)
			continue;
		ch = json_array();
		for (int c = 0; c < IKE_CHILDREN; c++)
			if (w->ch[c].live)
				json_array_append_new(ch, json_pack("{s:I,s:I}", "spi_in", (json_int_t)w->ch[c].spi_in,
								    "spi_out", (json_int_t)w->ch[c].spi_out));
		json_object_set_new(paths, w->name, json_pack("{s:i,s:b,s:s,s:s,s:I,s:o,s:I}", "path", w->path,
			"initiator", w->start, "state", w->state, "why", w->why, "since_ms", (json_int_t)(w->since != 0 ? now - w->since : 0),
			"children", ch, "children_up", (json_int_t)w->ups));
	}
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		json_object_set_new(drops, ov_ike_reason_name[r], json_integer((json_int_t)st->drop[r]));
	return json_pack("{s:o,s:O,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:s}", "paths", paths,
			 "peers",
			 g.peers, "in", (json_int_t)st->in, "out", (json_int_t)st->out, "retransmits",
			 (json_int_t)st->retransmits, "established", (json_int_t)st->established, "rekeys",
			 (json_int_t)st->rekeys, "deleted",
			 (json_int_t)st->deleted, "dead", (json_int_t)st->dead, "refused_new",
			 (json_int_t)st->refused_new, "cookies_sent", (json_int_t)st->cookies_sent, "children",
			 (json_int_t)g.children, "restarts", (json_int_t)g.restarts, "rekeys_now", (json_int_t)g.rekeys_now,
			 "nat_keepalives", (json_int_t)g.keepalives, "drops", drops, "errors",
			 (json_int_t)g.ctl.errors, "last_error", g.ctl.last_error);
}

static void
ov_ikesvc_metrics(struct cd_vis_fams *f)
{
	const struct ov_ike_stats *st = g.e != NULL ? ov_ike_stats(g.e) : NULL;

	if (st == NULL)
		return;
	cd_vis_sample(f, "sxcd_ike_established_total", "counter", "IKE SAs established (either side)",
		      (double)st->established, NULL);
	cd_vis_sample(f, "sxcd_ike_children_total", "counter", "IKEv2 Child SAs put into sxdp", (double)g.children,
		      NULL);
	cd_vis_sample(f, "sxcd_ike_rekeys_total", "counter",
		      "IKEv2 Child SAs and IKE SAs rekeyed with a fresh Diffie-Hellman (either side)", (double)st->rekeys, NULL);
	cd_vis_sample(f, "sxcd_ike_dead_total", "counter", "IKE SAs given up: the peer answered no request",
		      (double)st->dead, NULL);
	cd_vis_sample(f, "sxcd_ike_retransmits_total", "counter", "IKE requests sent again", (double)st->retransmits,
		      NULL);
	cd_vis_sample(f, "sxcd_ike_cookies_sent_total", "counter", "IKE_SA_INITs answered with a cookie, under load",
		      (double)st->cookies_sent, NULL);
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		cd_vis_sample(f, "sxcd_ike_dropped_total", "counter", "IKE messages that changed nothing, by reason",
			      (double)st->drop[r], "reason", ov_ike_reason_name[r], NULL);
}

static const struct cd_svc ov_ikesvc_svc = {
	.name = "ike",
	.start = ov_ikesvc_start,
	.stop = ov_ikesvc_stop,
	.status = ov_ikesvc_status,
	.metrics = ov_ikesvc_metrics,
};
CD_SVC_REGISTER(ov_ikesvc_svc)
