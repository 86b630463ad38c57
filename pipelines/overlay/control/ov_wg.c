/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_wg: sxcd's WireGuard: the box's static key, the handshake on each path to a WireGuard peer (either side starting, cookies under load), and the sessions it yields kept in sxdp as SAs, renewed on WireGuard's timers. */
/*
 * A peer whose intent says encryption {cipher: "wireguard", public_key,
 * port} speaks WireGuard: another box, or any WireGuard (wireguard-go,
 * the kernel's). Each of its paths is a WireGuard peer of its own (one
 * endpoint, one handshake, one session at a time plus the one before);
 * the inner packets are the overlay's tunnel datagrams between the two
 * VTEPs (a wireguard-go peer routes its VXLAN through its wg interface).
 *
 * sxdp carries the messages (overlay.wg.recv, overlay.wg.send) and the
 * data (the sessions' SAs, ids WG_ID_MIN..WG_ID_MAX; ESP's are below).
 * The timers are the whitepaper's (section 6; REKEY_AFTER may be made
 * shorter, --wg-rekey): a session is renewed by
 * its initiator after REKEY_AFTER (the responder steps in if it has not
 * been by then plus a margin), never used past REJECT_AFTER; a handshake
 * is sent again every REKEY_TIMEOUT until answered; a responder's new
 * session sends nothing until its initiator's first message on it came
 * (the initiator sends a keepalive at once); a side that received but
 * sent nothing for KEEPALIVE sends a keepalive; a side that sent but
 * received nothing for KEEPALIVE + REKEY_TIMEOUT starts a handshake (6.2:
 * the peer may have restarted and lost the session; it answers a new one); a path of an intent's
 * nat_traversal sends one every NAT_KEEPALIVE it sent nothing (a
 * persistent keepalive: a NAT's mapping stays open). Make-before-break: a new
 * session's inbound SA is in sxdp before its peer can use it; the old
 * session's inbound SA stays until the next one replaces it or it
 * expires, and the one before it RETIRE_GRACE more (crossed handshakes
 * leave each side on the other's previous session until the next one).
 *
 * Secrets (the static key, handshakes under way, the send key a
 * responder holds until confirmed) live in memory that is locked and out
 * of core dumps, wiped when let go; nothing secret is logged or shown.
 * Under load (more than WG_LOAD initiations a second) an initiation or a
 * response must carry a mac2 from a cookie, else it gets a cookie reply
 * and nothing else (whitepaper 5.3).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "cd_host.h"
#include "cd_log.h"
#include "cd_svc.h"
#include "cd_vis.h"
#include "dp_addr.h"
#include "ov_keyctl.h"
#include "ov_keyfile.h"
#include "ov_site.h"
#include "ov_noise.h"

#define WG_KEY_FILE	"wg.key"	/* in the store: the box's WireGuard private key, raw, 0600 */
#define WG_PORT		51820
#define WG_TICK_MS	100
#define WG_ID_MIN	512		/* sxdp's SA ids of WireGuard's sessions (ov_keys.c has those below) */
#define WG_ID_MAX	1023
#define WG_PATHS	256
#define WG_LOAD		50		/* initiations a second beyond which a cookie is asked for */
#define WG_LOG_S	10		/* at most one warning line per this */
#define WG_INTENTS_MS	1000		/* how often the intents are read again */
/* whitepaper 6.1, in ms; REKEY_AFTER is --wg-rekey (WireGuard's 120 s by
 * default), a session is never used a minute past it (REJECT_AFTER) */
#define REKEY_AFTER	((uint64_t)g.rekey_s * 1000)
#define REJECT_AFTER	(REKEY_AFTER + 60000)
#define REKEY_TIMEOUT	5000
#define KEEPALIVE	10000
#define NAT_KEEPALIVE	25000		/* wg(8)'s persistent-keepalive as wg-quick users set it */
#define COOKIE_LIFE	120000
#define WG_KEY_GRACE_S	(7 * 86400)	/* a rotated-out key taken at most this long (its peers not told) */
/* the responder renews what its initiator did not by then */
#define RESPONDER_REKEY	(REKEY_AFTER + 3 * REKEY_TIMEOUT)
/* how long a session two newer ones replaced still takes what comes in:
 * after crossed handshakes (both sides initiated at once) each side's
 * current session is the other's previous one, and the peer sends on it
 * until our next handshake's first message reaches it (a tick and a
 * round trip to sxdp later) */
#define RETIRE_GRACE	3000

/* One session: its SAs in sxdp. */
struct sess {
	bool live, confirmed, initiator;
	uint16_t in_id, out_id;		/* 0: none */
	uint32_t local, remote;		/* indices */
	uint64_t born;			/* ms */
	uint8_t send[OV_NOISE_KEY];	/* a responder's, until confirmed */
	uint64_t rx, tx;		/* packets sxdp counted, last seen */
	uint64_t rx_at, tx_at;		/* when they last grew (ms) */
	uint64_t unanswered_at;		/* the first data sent since rx last grew (0: none) */
	uint64_t ka_sent;		/* keepalives sent since the last look (not data: nothing answers them) */
};

/* One path to a WireGuard peer. */
struct wgp {
	bool used, seen, required;	/* required: sxdp told it is never clear */
	bool nat;			/* persistent keepalives (the intent's nat_traversal) */
	uint32_t gen;			/* the intent's generation: a new one is a handshake now */
	bool rekey_now;
	char name[96];			/* "PEER #PATH" */
	uint16_t path;
	/* the path's family's addresses, 16 bytes as the tables' "ip" type
	 * has them (dp_addr.h: IPv4 mapped) */
	uint8_t local[16], remote[16];	/* VTEPs */
	uint16_t rport;			/* the peer's port, as configured */
	uint8_t ep[16];			/* where the peer is now, and its port */
	uint16_t ep_port;
	uint8_t pub[OV_NOISE_KEY];
	struct ov_noise_peer peer;
	struct ov_noise_peer peer_prev;	/* the same of the box's key a rotation replaced */
	struct ov_noise_hs hs;
	bool hs_live;
	bool hs_prev;			/* the handshake under way is of the replaced key */
	bool uses_new;			/* a rotation under way: the peer was seen on the new key */
	bool try_prev;			/* ... not yet: the next initiation is of the old key (they alternate) */
	uint64_t hs_sent;
	uint8_t hs_mac1[16];
	uint8_t cookie[OV_NOISE_COOKIE];
	uint64_t cookie_at;
	uint8_t last_tai[OV_NOISE_TAI64N];
	struct sess cur, prev, next;
	struct sess old;		/* inbound only, until old_at + RETIRE_GRACE */
	uint64_t old_at;
	uint64_t handshakes, last_handshake;
};

static struct {
	uint16_t port;
	unsigned int rekey_s;
	struct cd_res *res;
	struct ctl_async *sxdp;
	struct event *tick;
	/* in locked memory: the static key (and the one a rotation replaced), the paths, the cookie secret */
	struct ov_noise_static *me, *me_prev;
	bool has_prev;
	time_t rotated_at;
	uint64_t rotations;
	const char *store_dir;
	struct wgp *p;
	uint8_t *secret;
	uint64_t secret_at, intents_at;
	char pub_b64[48];
	bool ids[WG_ID_MAX + 1];
	bool up, listening, adopting;
	uint64_t load_s, load_n;	/* initiations in second load_s */
	uint64_t load_until;		/* under load until then (ms): a second past the last too many */
	uint64_t ok, answered, refused, cookies_sent, cookies_taken, sessions, expired;
	uint64_t rekeys_now;		/* handshakes an intent's new generation started */
	uint64_t unanswered;		/* handshakes started for data the peer did not answer */
	struct ov_keyctl ctl;
	json_t *peers;			/* name -> why not, for those that are not */
} g = { .port = WG_PORT, .rekey_s = 120, .ctl = { .who = "wireguard", .every_s = WG_LOG_S } };

static int
set_port(const char *v, char *why, size_t len)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 1 || x > 65535 || x == 4500) {
		snprintf(why, len, "1..65535, not 4500 (ESP's)");
		return -EINVAL;
	}
	g.port = (uint16_t)x;
	return 0;
}

static int
set_rekey(const char *v, char *why, size_t len)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 2 || x > 120) {
		snprintf(why, len, "2..120 seconds (WireGuard's REKEY_AFTER_TIME is its most)");
		return -EINVAL;
	}
	g.rekey_s = (unsigned int)x;
	return 0;
}

static const struct cd_svc_opt ov_wg_opts[] = {
	{ "wg-port", required_argument, "PORT",
	  "the UDP port the box speaks WireGuard on at its VTEPs (51820)", set_port },
	{ "wg-rekey", required_argument, "S",
	  "WireGuard sessions this box started are renewed after S seconds (120, WireGuard's)", set_rekey },
	{ NULL, 0, NULL, NULL, NULL },
};


static void
hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ----------------------------------------------------------- sxdp's SAs */

static int
id_take(void)
{
	for (int i = WG_ID_MIN; i <= WG_ID_MAX; i++)
		if (!g.ids[i]) {
			g.ids[i] = true;
			return i;
		}
	return -ENOSPC;
}

static void
answered(void *arg, json_t *result, json_t *error)
{
	ov_keyctl_answered(&g.ctl, arg, result, error);
}

/* Add one direction of a session of @w: its SA id, or 0 (not added). */
static uint16_t
sa_add(const struct wgp *w, bool out, uint32_t idx, const uint8_t key[OV_NOISE_KEY])
{
	char khex[2 * OV_NOISE_KEY + 1], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const uint8_t *src = out ? w->local : w->remote, *dst = out ? w->ep : w->local;
	json_t *p;
	int id;

	if ((id = id_take()) < 0) {
		ov_keyctl_fail(&g.ctl, "no SA id left for %s", w->name);
		return 0;
	}
	hex(key, OV_NOISE_KEY, khex);
	dp_addr_ntop_any(src, s, sizeof(s));
	dp_addr_ntop_any(dst, d, sizeof(d));
	/* sxdp holds it to REJECT_AFTER too: no use past it, should sxcd be gone */
	p = json_pack("{s:i,s:s,s:I,s:s,s:s,s:s,s:s,s:i,s:I}", "id", id, "dir", out ? "out" : "in", "spi",
		      (json_int_t)idx, "cipher", "wireguard", "key", khex, "src", s, "dst", d, "path", w->path,
		      "lifetime_ms", (json_int_t)REJECT_AFTER);
	sodium_memzero(khex, sizeof(khex));
	if (p != NULL && out) {
		json_object_set_new(p, "natt_sport", json_integer(g.port));
		json_object_set_new(p, "natt_dport", json_integer(w->ep_port));
	}
	/* the request's text of the key is jansson's to free: sxdp wipes its own */
	if (p == NULL || cd_host_call(g.sxdp, "overlay.sa.add", p, answered, "a session") < 0) {
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
	cd_host_call(g.sxdp, "overlay.sa.del", json_pack("{s:i}", "id", *id), answered, "a deletion");
	g.ids[*id] = false;
	*id = 0;
}

static void
sess_kill(struct sess *s)
{
	sa_del(&s->in_id);
	sa_del(&s->out_id);
	sodium_memzero(s, sizeof(*s));
}

/* @n is the path's session now; the one before stays for what is on its
 * way (its inbound SA), the one before that a moment more (RETIRE_GRACE). */
static void
rotate(struct wgp *w, struct sess *n, uint64_t now)
{
	sess_kill(&w->old);
	w->old = w->prev;
	w->old_at = now;
	w->prev = w->cur;
	sa_del(&w->prev.out_id);	/* the newest outbound SA of a path is the one sxdp uses */
	w->cur = *n;
	sodium_memzero(n, sizeof(*n));
	g.sessions++;
}

/* --------------------------------------------------------- the messages */

static void
send_msg(const struct wgp *w, const uint8_t *msg, size_t len, const uint8_t dst[16], uint16_t dport)
{
	char h[2 * OV_NOISE_INIT_LEN + 1], d[INET6_ADDRSTRLEN];

	hex(msg, len, h);
	dp_addr_ntop_any(dst, d, sizeof(d));
	cd_host_call(g.sxdp, "overlay.wg.send", json_pack("{s:i,s:s,s:s,s:i}", "path", w->path, "msg", h, "dst", d,
							   "dport", dport), answered, "a handshake message");
}

/* A random index no session or handshake of ours has. */
static uint32_t
index_new(void)
{
	for (;;) {
		uint32_t x = randombytes_random();
		bool used = false;

		for (int i = 0; i < WG_PATHS && !used; i++) {
			const struct wgp *w = &g.p[i];

			used = w->used && ((w->hs_live && w->hs.local == x) || (w->cur.live && w->cur.local == x) ||
					   (w->prev.live && w->prev.local == x) || (w->next.live && w->next.local == x) ||
					   (w->old.live && w->old.local == x));
		}
		if (!used)
			return x;
	}
}

static bool
cookie_fresh(const struct wgp *w, uint64_t now)
{
	return w->cookie_at != 0 && now - w->cookie_at < COOKIE_LIFE;
}

static void
initiate(struct wgp *w, uint64_t now)
{
	uint8_t msg[OV_NOISE_INIT_LEN], tai[OV_NOISE_TAI64N];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ov_noise_tai64n((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, tai);
	/* a rotation under way and the peer not seen on the new key: the old
	 * one and the new in turn, until one is answered */
	w->hs_prev = g.has_prev && !w->uses_new && w->try_prev;
	w->try_prev = !w->try_prev;
	if (ov_noise_init_make(&w->hs, w->hs_prev ? g.me_prev : g.me, w->hs_prev ? &w->peer_prev : &w->peer,
			       index_new(), tai, cookie_fresh(w, now) ? w->cookie : NULL, NULL, msg) < 0) {
		ov_keyctl_fail(&g.ctl, "cannot make an initiation for %s", w->name);
		return;
	}
	w->hs_live = true;
	/* REKEY_TIMEOUT plus jitter (whitepaper 6.4), so two sides do not keep colliding */
	w->hs_sent = now + randombytes_uniform(333);
	memcpy(w->hs_mac1, msg + 116, 16);
	send_msg(w, msg, sizeof(msg), w->ep, w->ep_port);
}

/* The path a message from @src to our VTEP @dst is for: by the peer's
 * key @pub (NULL: any) and where it came from. */
static struct wgp *
path_of(const uint8_t *pub, const uint8_t src[16], const uint8_t dst[16])
{
	struct wgp *best = NULL;

	for (int i = 0; i < WG_PATHS; i++) {
		struct wgp *w = &g.p[i];

		if (!w->used || memcmp(w->local, dst, 16) != 0 ||
		    (pub != NULL && sodium_memcmp(w->pub, pub, OV_NOISE_KEY) != 0))
			continue;
		if (memcmp(w->remote, src, 16) == 0 || memcmp(w->ep, src, 16) == 0)
			return w;
		if (best == NULL)
			best = w;
	}
	return best;
}

static bool
under_load(uint64_t now)
{
	return now < g.load_until;
}

/* Does message @msg (@len) from @src:@sport carry the cookie of its
 * sender? If not, a cookie reply goes back on a path of @dst. */
static bool
cookie_ok(const uint8_t *msg, size_t len, const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
	  uint32_t sender)
{
	/* of the source's address as its family has it (4 or 16 bytes) and
	 * its port, big-endian (whitepaper 5.4.7), as the kernel's WireGuard
	 * makes it; only the box that made a cookie checks it */
	size_t alen = dp_addr_mapped(src) ? 4 : 16;
	uint8_t a[16 + 2], c[OV_NOISE_COOKIE], reply[OV_NOISE_COOKIE_LEN];
	const struct wgp *w;

	memcpy(a, src + 16 - alen, alen);
	a[alen] = (uint8_t)(sport >> 8);
	a[alen + 1] = (uint8_t)sport;
	ov_noise_cookie(g.secret, a, alen + 2, c);
	if (ov_noise_mac2_ok(msg, len, c)) {
		sodium_memzero(c, sizeof(c));
		return true;
	}
	if ((w = path_of(NULL, src, dst)) != NULL &&
	    ov_noise_cookie_reply(g.me, sender, msg + len - 32, c, reply) == 0) {
		send_msg(w, reply, sizeof(reply), src, sport);
		g.cookies_sent++;
	}
	sodium_memzero(c, sizeof(c));
	return false;
}

static void
on_initiation(const uint8_t *msg, const uint8_t src[16], uint16_t sport, const uint8_t dst[16], bool prev,
	      uint64_t now)
{
	uint8_t tai[OV_NOISE_TAI64N], resp[OV_NOISE_RESP_LEN];
	struct ov_noise_hs hs;
	struct ov_noise_keys k;
	struct sess n = { 0 };
	struct wgp *w;

	if (now / 1000 != g.load_s) {
		g.load_s = now / 1000;
		g.load_n = 0;
	}
	/* a second with too many keeps the box under load one more */
	if (++g.load_n > WG_LOAD)
		g.load_until = now + 1000;
	if (under_load(now) && !cookie_ok(msg, OV_NOISE_INIT_LEN, src, sport, dst, le32(msg + 4)))
		return;
	if (ov_noise_init_consume(&hs, prev ? g.me_prev : g.me, msg, tai) < 0) {
		g.refused++;
		return;
	}
	/* a key we know, on a VTEP of its paths, with a newer timestamp than
	 * its last (a replayed initiation is no new handshake) */
	if ((w = path_of(hs.rs, src, dst)) == NULL || memcmp(tai, w->last_tai, sizeof(tai)) <= 0) {
		sodium_memzero(&hs, sizeof(hs));
		g.refused++;
		return;
	}
	if (ov_noise_resp_make(&hs, prev ? &w->peer_prev : &w->peer, index_new(), cookie_fresh(w, now) ? w->cookie : NULL,
			       NULL, resp, &k) < 0) {
		sodium_memzero(&hs, sizeof(hs));
		ov_keyctl_fail(&g.ctl, "cannot make a response for %s", w->name);
		return;
	}
	memcpy(w->last_tai, tai, sizeof(tai));
	memcpy(w->ep, src, 16);
	w->ep_port = sport;
	w->uses_new |= !prev;
	/* in at once, before the response is sent: sxdp takes its calls in
	 * order, and the initiator sends on the session as soon as the
	 * response reaches it (a ping sent then was lost when the response
	 * went first); out once the initiator has used it */
	sess_kill(&w->next);
	n = (struct sess){ .live = true, .local = k.local, .remote = k.remote, .born = now };
	memcpy(n.send, k.send, OV_NOISE_KEY);
	n.in_id = sa_add(w, false, k.local, k.recv);
	sodium_memzero(&k, sizeof(k));
	send_msg(w, resp, sizeof(resp), src, sport);
	w->next = n;
	sodium_memzero(&n, sizeof(n));
	w->handshakes++;
	w->last_handshake = now;
	g.ok++;
	g.answered++;
}

static void
on_response(const uint8_t *msg, const uint8_t src[16], uint16_t sport, const uint8_t dst[16], bool prev,
	    uint64_t now)
{
	uint32_t receiver = le32(msg + 8);
	struct ov_noise_keys k;
	struct sess n;
	struct wgp *w = NULL;

	for (int i = 0; i < WG_PATHS && w == NULL; i++)
		if (g.p[i].used && g.p[i].hs_live && g.p[i].hs.local == receiver &&
		    memcmp(g.p[i].local, dst, 16) == 0 && g.p[i].hs_prev == prev)
			w = &g.p[i];
	if (w == NULL) {
		g.refused++;
		return;
	}
	if (under_load(now) && !cookie_ok(msg, OV_NOISE_RESP_LEN, src, sport, dst, le32(msg + 4)))
		return;
	if (ov_noise_resp_consume(&w->hs, prev ? g.me_prev : g.me, prev ? &w->peer_prev : &w->peer, msg, &k) < 0) {
		g.refused++;
		return;
	}
	w->hs_live = false;
	w->uses_new |= !prev;
	memcpy(w->ep, src, 16);
	w->ep_port = sport;
	n = (struct sess){ .live = true, .confirmed = true, .initiator = true, .local = k.local, .remote = k.remote,
			   .born = now, .rx_at = now, .tx_at = now };
	n.in_id = sa_add(w, false, k.local, k.recv);
	n.out_id = sa_add(w, true, k.remote, k.send);
	sodium_memzero(&k, sizeof(k));
	rotate(w, &n, now);
	/* what confirms the session to its responder */
	if (w->cur.out_id != 0) {
		cd_host_call(g.sxdp, "overlay.wg.keepalive", json_pack("{s:i}", "id", w->cur.out_id), answered,
			     "a keepalive");
		w->cur.ka_sent++;
	}
	w->handshakes++;
	w->last_handshake = now;
	g.ok++;
}

static void
on_cookie(const uint8_t *msg, uint64_t now)
{
	uint32_t receiver = le32(msg + 4);

	for (int i = 0; i < WG_PATHS; i++) {
		struct wgp *w = &g.p[i];

		if (!w->used || !w->hs_live || w->hs.local != receiver)
			continue;
		if (ov_noise_cookie_consume(&w->peer, msg, w->hs_mac1, w->cookie) == 0) {
			w->cookie_at = now;
			g.cookies_taken++;
			/* the next initiation, at REKEY_TIMEOUT, carries it */
		} else {
			g.refused++;
		}
		return;
	}
	g.refused++;
}

static void
received(void *arg, json_t *result, json_t *error)
{
	uint64_t now = ov_keyctl_now_ms();
	json_t *m;
	size_t i;

	(void)arg;
	if (error != NULL || result == NULL)
		return;
	json_array_foreach(json_object_get(result, "messages"), i, m) {
		const char *h = json_string_value(json_object_get(m, "msg"));
		uint8_t msg[OV_NOISE_INIT_LEN];
		size_t len = h != NULL ? strlen(h) / 2 : 0;
		uint8_t src[16], dst[16];
		bool src4, dst4;
		uint16_t sport = (uint16_t)json_integer_value(json_object_get(m, "sport"));

		/* either family, the two of one (a path's) */
		if (len > sizeof(msg) ||
		    dp_addr_ip_any(json_string_value(json_object_get(m, "src")) ?: "", src, &src4) < 0 ||
		    dp_addr_ip_any(json_string_value(json_object_get(m, "dst")) ?: "", dst, &dst4) < 0 || src4 != dst4)
			continue;
		for (size_t j = 0; j < len; j++)
			sscanf(h + 2 * j, "%2hhx", &msg[j]);
		/* mac1 first: what is not for our key (or, a rotation under way, the
		 * one it replaced) costs nothing more */
		bool prev = false;

		if ((len == OV_NOISE_INIT_LEN || len == OV_NOISE_RESP_LEN) && !ov_noise_mac1_ok(msg, len, g.me->mac1_key)) {
			if (!g.has_prev || !ov_noise_mac1_ok(msg, len, g.me_prev->mac1_key)) {
				g.refused++;
				continue;
			}
			prev = true;
		}
		if (len == OV_NOISE_INIT_LEN && msg[0] == OV_NOISE_MSG_INIT)
			on_initiation(msg, src, sport, dst, prev, now);
		else if (len == OV_NOISE_RESP_LEN && msg[0] == OV_NOISE_MSG_RESP)
			on_response(msg, src, sport, dst, prev, now);
		else if (len == OV_NOISE_COOKIE_LEN && msg[0] == OV_NOISE_MSG_COOKIE)
			on_cookie(msg, now);
		else
			g.refused++;
	}
	if (json_is_true(json_object_get(result, "more")))
		cd_host_call(g.sxdp, "overlay.wg.recv", NULL, received, NULL);
}

/* ------------------------------------------------------------ the paths */

static struct wgp *
wgp_of(uint16_t path)
{
	struct wgp *free_one = NULL;

	for (int i = 0; i < WG_PATHS; i++) {
		if (g.p[i].used && g.p[i].path == path)
			return &g.p[i];
		if (!g.p[i].used && free_one == NULL)
			free_one = &g.p[i];
	}
	return free_one;
}

static void
require(uint16_t path, bool on)
{
	cd_host_call(g.sxdp, "overlay.sa.require", json_pack("{s:i,s:b}", "path", path, "required", on), answered,
		     "a path's encryption");
}

static void
wgp_drop(struct wgp *w)
{
	require(w->path, false);
	sess_kill(&w->cur);
	sess_kill(&w->prev);
	sess_kill(&w->next);
	sess_kill(&w->old);
	sodium_memzero(w, sizeof(*w));
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
	for (int j = 0; j < WG_PATHS; j++)
		g.p[j].seen = false;
	json_object_foreach(peers, name, d) {
		json_t *spec = json_object_get(d, "spec"), *enc = json_object_get(spec, "encryption");
		const char *b64 = json_string_value(json_object_get(enc, "public_key"));
		uint8_t pub[48];
		json_int_t port = json_integer_value(json_object_get(enc, "port"));

		if (enc == NULL || strcmp(json_string_value(json_object_get(enc, "cipher")) ?: "", "wireguard") != 0)
			continue;
		if (b64 == NULL || strlen(b64) != 44 || EVP_DecodeBlock(pub, (const unsigned char *)b64, 44) != 33) {
			json_object_set_new(g.peers, name, json_string("its public key is no X25519 key"));
			continue;
		}
		json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
			uint8_t local[16], remote[16];
			uint16_t path;
			struct wgp *w;

			if (!ov_site_path(g.res, site, name, ep, &path, local, remote))
				continue;	/* not compiled yet, or no path */
			if ((w = wgp_of((uint16_t)path)) == NULL) {
				json_object_set_new(g.peers, name, json_string("too many WireGuard paths"));
				continue;
			}
			/* another key or other ends: another peer, from scratch */
			if (w->used && (memcmp(w->pub, pub, OV_NOISE_KEY) != 0 || memcmp(w->local, local, 16) != 0 ||
					memcmp(w->remote, remote, 16) != 0 || w->rport != (port ? port : WG_PORT)))
				wgp_drop(w);
			w->seen = true;
			w->nat = json_is_true(json_object_get(enc, "nat_traversal"));
			if (w->used && w->gen != (uint32_t)json_integer_value(json_object_get(enc, "generation"))) {
				w->gen = (uint32_t)json_integer_value(json_object_get(enc, "generation"));
				w->rekey_now = true;
			}
			if (w->used) {
				if (!w->required)
					require(w->path, w->required = true);
				continue;
			}
			*w = (struct wgp){ .used = true, .seen = true, .path = (uint16_t)path,
					   .rport = (uint16_t)(port ? port : WG_PORT),
					   .nat = json_is_true(json_object_get(enc, "nat_traversal")),
					   .gen = (uint32_t)json_integer_value(json_object_get(enc, "generation")) };
			memcpy(w->local, local, 16);
			memcpy(w->remote, remote, 16);
			memcpy(w->ep, remote, 16);
			w->ep_port = w->rport;
			snprintf(w->name, sizeof(w->name), "%s #%u", name, (unsigned int)path);
			memcpy(w->pub, pub, OV_NOISE_KEY);
			if (ov_noise_peer_init(&w->peer, g.me, pub, NULL) < 0 ||
			    (g.has_prev && ov_noise_peer_init(&w->peer_prev, g.me_prev, pub, NULL) < 0)) {
				json_object_set_new(g.peers, name, json_string("its public key is no X25519 key"));
				sodium_memzero(w, sizeof(*w));
				continue;
			}
			w->try_prev = true;
			/* never clear, from before its first session on */
			require(w->path, w->required = true);
		}
		sodium_memzero(pub, sizeof(pub));
	}
	for (int j = 0; j < WG_PATHS; j++)
		if (g.p[j].used && !g.p[j].seen)
			wgp_drop(&g.p[j]);
	json_decref(peers);
	json_decref(sites);
}

/* WireGuard's timers on path @w at @now. */
static void
timers(struct wgp *w, uint64_t now)
{
	struct sess *ss[4] = { &w->cur, &w->prev, &w->next, &w->old };
	bool want;

	if (w->old.live && now - w->old_at >= RETIRE_GRACE)
		sess_kill(&w->old);
	for (int i = 0; i < 4; i++)
		if (ss[i]->live && now - ss[i]->born >= REJECT_AFTER) {
			sess_kill(ss[i]);
			g.expired++;
		}
	/* a responder's session its initiator never used */
	if (w->next.live && now - w->next.born >= REJECT_AFTER / 2)
		sess_kill(&w->next);
	want = !w->cur.live || now - w->cur.born >= (w->cur.initiator ? REKEY_AFTER : RESPONDER_REKEY);
	/* sent, nothing back for KEEPALIVE + REKEY_TIMEOUT: the session may be
	 * gone at the peer (it restarted): a new one, sent again every
	 * REKEY_TIMEOUT until answered */
	if (w->cur.live && w->cur.unanswered_at != 0 && now - w->cur.unanswered_at >= KEEPALIVE + REKEY_TIMEOUT) {
		if (!want && (!w->hs_live || now >= w->hs_sent + REKEY_TIMEOUT))
			g.unanswered++;
		want = true;
	}
	if (w->next.live)
		want = false;	/* one is on its way, the initiator's */
	if (w->rekey_now) {	/* the operator's: whatever the timers say */
		w->rekey_now = false;
		g.rekeys_now++;
		initiate(w, now);
	} else if (want && (!w->hs_live || now >= w->hs_sent + REKEY_TIMEOUT)) {
		initiate(w, now);
	}
	if (!want && w->hs_live && now >= w->hs_sent + 3 * REKEY_TIMEOUT)
		w->hs_live = false;
	/* received but sent nothing: a keepalive says we are here (behind a
	 * NAT: also when nothing was received) */
	if (w->cur.live && w->cur.out_id != 0 &&
	    ((w->cur.rx_at > w->cur.tx_at && now - w->cur.tx_at >= KEEPALIVE) ||
	     (w->nat && now - w->cur.tx_at >= NAT_KEEPALIVE))) {
		cd_host_call(g.sxdp, "overlay.wg.keepalive", json_pack("{s:i}", "id", w->cur.out_id), answered,
			     "a keepalive");
		w->cur.tx_at = now;
		w->cur.ka_sent++;
	}
}

/* The SA @id of a list sxdp made, if it is still the one of ours of index
 * @spi on @path: the list was asked for before what we did since (an id
 * freed then is another path's session now, and its figures, its
 * endpoint not ours). NULL: none. */
static json_t *
listed_sa(json_t *const *by_id, uint16_t id, uint32_t spi, uint16_t path)
{
	json_t *sa = id != 0 ? by_id[id] : NULL;

	if (sa == NULL || json_integer_value(json_object_get(sa, "spi")) != (json_int_t)spi ||
	    json_integer_value(json_object_get(sa, "path")) != (json_int_t)path)
		return NULL;
	return sa;
}

/* overlay.sa.list: what the sessions counted (a responder's new one
 * confirmed by its first packet in), where the peers roamed to. */
static void
listed(void *arg, json_t *result, json_t *error)
{
	static json_t *by_id[WG_ID_MAX + 1];
	uint64_t now = ov_keyctl_now_ms();
	json_t *sa;
	size_t i;

	(void)arg;
	if (error != NULL || !json_is_array(result))
		return;
	memset(by_id, 0, sizeof(by_id));
	json_array_foreach(result, i, sa) {
		json_int_t id = json_integer_value(json_object_get(sa, "id"));

		if (id >= WG_ID_MIN && id <= WG_ID_MAX)
			by_id[id] = sa;
	}
	for (int j = 0; j < WG_PATHS; j++) {
		struct wgp *w = &g.p[j];
		struct sess *ss[2] = { &w->cur, &w->next };

		if (!w->used)
			continue;
		for (int s = 0; s < 2; s++) {
			json_t *in = listed_sa(by_id, ss[s]->in_id, ss[s]->local, w->path);
			json_t *out = listed_sa(by_id, ss[s]->out_id, ss[s]->remote, w->path);
			uint64_t rx = (uint64_t)json_integer_value(json_object_get(in, "packets"));
			uint64_t tx = (uint64_t)json_integer_value(json_object_get(out, "packets"));
			json_t *ep = json_object_get(in, "endpoint");
			uint8_t a[16];
			bool a4;

			if (!ss[s]->live)
				continue;
			if (tx > ss[s]->tx) {
				if (tx > ss[s]->tx + ss[s]->ka_sent && ss[s]->unanswered_at == 0)
					ss[s]->unanswered_at = now;
				ss[s]->tx = tx;
				ss[s]->tx_at = now;
			}
			ss[s]->ka_sent = 0;
			/* anything in answers what went out (both in one look: taken as answered) */
			if (rx > ss[s]->rx) {
				ss[s]->rx = rx;
				ss[s]->rx_at = now;
				ss[s]->unanswered_at = 0;
			}
			/* roamed: sxdp follows the peer already; so do our handshakes
			 * (within the path's family: its VTEP sends from that one) */
			if (ep != NULL &&
			    dp_addr_ip_any(json_string_value(json_object_get(ep, "address")) ?: "", a, &a4) == 0 &&
			    a4 == dp_addr_mapped(w->local)) {
				memcpy(w->ep, a, 16);
				w->ep_port = (uint16_t)json_integer_value(json_object_get(ep, "port"));
			}
		}
		if (w->next.live && w->next.rx > 0) {
			struct sess n = w->next;

			memset(&w->next, 0, sizeof(w->next));
			n.confirmed = true;
			n.out_id = sa_add(w, true, n.remote, n.send);
			sodium_memzero(n.send, sizeof(n.send));
			n.tx_at = now;
			rotate(w, &n, now);
		}
	}
}

static void prev_check(void);

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = ov_keyctl_now_ms();

	(void)fd;
	(void)what;
	(void)arg;
	if (now - g.secret_at >= COOKIE_LIFE) {
		randombytes_buf(g.secret, OV_NOISE_KEY);
		g.secret_at = now;
	}
	if (!g.up || g.adopting || !cd_host_up(g.sxdp))
		return;
	if (!g.listening) {
		if (cd_host_call(g.sxdp, "overlay.wg.listen", json_pack("{s:i}", "port", g.port), answered,
				 "the WireGuard port") == 0)
			g.listening = true;
		return;
	}
	if (now - g.intents_at >= WG_INTENTS_MS) {
		paths_read();
		g.intents_at = now;
	}
	cd_host_call(g.sxdp, "overlay.wg.recv", NULL, received, NULL);
	cd_host_call(g.sxdp, "overlay.sa.list", NULL, listed, NULL);
	for (int i = 0; i < WG_PATHS; i++)
		if (g.p[i].used)
			timers(&g.p[i], now);
	prev_check();
}

/* Does sxdp hold half @id of a session, as ours: the same index (@spi),
 * direction and path? */
static bool
held(json_t *const *by_id, uint16_t id, bool out, uint32_t spi, uint16_t path)
{
	json_t *sa = listed_sa(by_id, id, spi, path);

	return sa != NULL && strcmp(json_string_value(json_object_get(sa, "dir")) ?: "", out ? "out" : "in") == 0 &&
	       strcmp(json_string_value(json_object_get(sa, "cipher")) ?: "", "wireguard") == 0;
}

/* At a (re)connect: the sessions sxdp still holds as ours go on (an sxdp
 * that took over from the last one holds them all: no handshake, nothing
 * lost); the rest are forgotten, and what sxdp holds that is not ours
 * (an earlier sxcd's, of keys nobody has now) is deleted. A path without
 * its session shakes hands again. */
static void
adopted(void *arg, json_t *result, json_t *error)
{
	static json_t *by_id[WG_ID_MAX + 1];
	unsigned int kept = 0, lost = 0, gone = 0;
	json_t *sa;
	size_t i;

	(void)arg;
	g.adopting = false;
	/* the service stopped with the call in flight (sxcd stopping: its
	 * calls failed as the connection goes): nothing is left to adopt into */
	if (g.p == NULL)
		return;
	memset(by_id, 0, sizeof(by_id));
	if (error == NULL && json_is_array(result))
		json_array_foreach(result, i, sa) {
			json_int_t id = json_integer_value(json_object_get(sa, "id"));

			if (id >= WG_ID_MIN && id <= WG_ID_MAX)
				by_id[id] = sa;
		}
	memset(g.ids, 0, sizeof(g.ids));
	for (int j = 0; j < WG_PATHS; j++) {
		struct wgp *w = &g.p[j];
		struct sess *ss[] = { &w->cur, &w->prev, &w->next, &w->old };

		if (!w->used)
			continue;
		for (unsigned int s = 0; s < sizeof(ss) / sizeof(ss[0]); s++) {
			struct sess *x = ss[s];
			bool in = x->in_id == 0 || held(by_id, x->in_id, false, x->local, w->path);
			bool out = x->out_id == 0 || held(by_id, x->out_id, true, x->remote, w->path);

			if (x->live && in && out) {
				g.ids[x->in_id] = g.ids[x->out_id] = true;
				by_id[x->in_id] = by_id[x->out_id] = NULL;
				kept++;
			} else {
				lost += x->live;
				sodium_memzero(x, sizeof(*x));
			}
		}
		g.ids[0] = false;
	}
	for (int id = WG_ID_MIN; id <= WG_ID_MAX; id++)
		if (by_id[id] != NULL) {
			cd_host_call(g.sxdp, "overlay.sa.del", json_pack("{s:i}", "id", id), answered, "a deletion");
			gone++;
		}
	/* an sxdp that took over from the last one holds them all: no handshake */
	CD_LOG(INFO, "wireguard: sxdp (re)connected: %u sessions it holds go on, %u not held shake hands again, "
	       "%u SAs not ours deleted", kept, lost, gone);
}

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	(void)arg;
	(void)boot_id;
	for (int i = 0; i < WG_PATHS; i++)
		if (g.p[i].used) {
			g.p[i].required = false;	/* told again */
			g.p[i].hs_live = false;
		}
	g.up = t != NULL;
	g.listening = false;
	if (g.up && cd_host_call(g.sxdp, "overlay.sa.list", NULL, adopted, NULL) == 0)
		g.adopting = true;
	else if (g.up)
		adopted(NULL, NULL, NULL);	/* nothing known held: every path shakes hands again */
}

static int
ov_wg_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	static const struct timeval tick = { 0, WG_TICK_MS * 1000 };
	uint8_t *priv;
	char path[4096];
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, len, "wireguard: libsodium does not start");
		return -EIO;
	}
	g.res = ctx->res;
	g.sxdp = ctx->sxdp;
	if ((g.me = ov_keyfile_secure(2 * sizeof(*g.me) + OV_NOISE_KEY)) == NULL ||
	    (g.p = ov_keyfile_secure(sizeof(struct wgp) * WG_PATHS)) == NULL) {
		snprintf(err, len, "wireguard: no memory for its keys");
		return -ENOMEM;
	}
	g.me_prev = g.me + 1;
	g.secret = (uint8_t *)(g.me + 2);
	g.store_dir = ctx->store_dir;
	priv = g.secret;	/* the private key passes through where the cookie secret will be */
	snprintf(path, sizeof(path), "%s/%s", ctx->store_dir, WG_KEY_FILE);
	if ((rc = ov_keyfile_load(path, priv, "wireguard")) < 0 || (rc = ov_noise_static_init(g.me, priv)) < 0) {
		snprintf(err, len, "wireguard: the box's key %s: %s", path, strerror(-rc));
		return rc;
	}
	/* a rotation under way when sxcd stopped: the old key still taken */
	g.has_prev = ov_keyfile_prev(path, priv, &g.rotated_at, "wireguard") == 0 &&
		     ov_noise_static_init(g.me_prev, priv) == 0;
	randombytes_buf(g.secret, OV_NOISE_KEY);
	g.secret_at = ov_keyctl_now_ms();
	EVP_EncodeBlock((unsigned char *)g.pub_b64, g.me->pub, OV_NOISE_KEY);
	g.peers = json_object();
	if ((rc = cd_host_watch(ctx->sync, on_sxdp, NULL)) < 0) {
		snprintf(err, len, "wireguard: cannot follow sxdp: %s", strerror(-rc));
		return rc;
	}
	if ((g.tick = event_new(ctx->base, -1, EV_PERSIST, on_tick, NULL)) == NULL || evtimer_add(g.tick, &tick) < 0) {
		snprintf(err, len, "wireguard: no timer");
		return -ENOMEM;
	}
	return 0;
}

static void
ov_wg_stop(void)
{
	if (g.tick != NULL)
		event_free(g.tick);
	g.tick = NULL;
	ov_keyfile_release(g.p, sizeof(struct wgp) * WG_PATHS);
	ov_keyfile_release(g.me, 2 * sizeof(*g.me) + OV_NOISE_KEY);
	g.me_prev = NULL;
	g.has_prev = false;
	g.p = NULL;
	g.me = NULL;
	json_decref(g.peers);
	g.peers = NULL;
}

/* The replaced key let go: its file and memory; the paths' handshakes of it end. */
static void
prev_retire(const char *why)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", g.store_dir, WG_KEY_FILE);
	ov_keyfile_prev_drop(path);
	sodium_memzero(g.me_prev, sizeof(*g.me_prev));
	g.has_prev = false;
	for (int i = 0; i < WG_PATHS; i++) {
		struct wgp *w = &g.p[i];

		if (w->hs_live && w->hs_prev)
			w->hs_live = false;
		sodium_memzero(&w->peer_prev, sizeof(w->peer_prev));
	}
	CD_LOG(INFO, "wireguard: the box's previous key retired (%s)", why);
}

/* Every path's peer seen on the new key, or the grace over: the old one goes. */
static void
prev_check(void)
{
	bool all = true, any = false;

	if (!g.has_prev)
		return;
	if (time(NULL) - g.rotated_at >= WG_KEY_GRACE_S) {
		prev_retire("a week after the rotation");
		return;
	}
	for (int i = 0; i < WG_PATHS; i++)
		if (g.p[i].used) {
			any = true;
			all = all && g.p[i].uses_new;
		}
	if (any && all)
		prev_retire("every peer uses the new key");
}

/* POST /api/v1/services/wireguard/rotate: a new static key, make-before-break:
 * handshakes to either key answered, ours of the old and the new in turn
 * until the peer answers the new one; the old retires once every peer was
 * seen on the new, after WG_KEY_GRACE_S, or by .../retire. */
static int
ov_wg_act(const char *action, json_t *body, json_t **result, char *msg, size_t len)
{
	uint8_t *fresh = g.secret + OV_NOISE_KEY;	/* past the cookie secret, the same locked page */
	char path[4096], old_b64[48];
	int rc;

	(void)body;
	if (strcmp(action, "retire") == 0) {
		if (!g.has_prev) {
			snprintf(msg, len, "no previous key to retire");
			return -EINVAL;
		}
		prev_retire("asked");
		*result = json_pack("{s:s}", "public_key", g.pub_b64);
		return 0;
	}
	if (strcmp(action, "rotate") != 0) {
		snprintf(msg, len, "wireguard's actions: rotate, retire");
		return -ENOENT;
	}
	if (g.has_prev) {
		snprintf(msg, len, "a rotation is under way: its old key goes once every peer uses the new one, a "
			 "week after, or by .../retire");
		return -EBUSY;
	}
	randombytes_buf(fresh, OV_NOISE_KEY);
	snprintf(path, sizeof(path), "%s/%s", g.store_dir, WG_KEY_FILE);
	if ((rc = ov_keyfile_rotate(path, g.me->priv, fresh)) < 0) {
		sodium_memzero(fresh, OV_NOISE_KEY);
		snprintf(msg, len, "the store: %s", strerror(-rc));
		return rc;
	}
	*g.me_prev = *g.me;
	rc = ov_noise_static_init(g.me, fresh);
	sodium_memzero(fresh, OV_NOISE_KEY);
	if (rc < 0) {
		*g.me = *g.me_prev;
		snprintf(msg, len, "the new key: %s", strerror(-rc));
		return rc;
	}
	g.has_prev = true;
	g.rotated_at = time(NULL);
	g.rotations++;
	memcpy(old_b64, g.pub_b64, sizeof(old_b64));
	EVP_EncodeBlock((unsigned char *)g.pub_b64, g.me->pub, OV_NOISE_KEY);
	for (int i = 0; i < WG_PATHS; i++) {
		struct wgp *w = &g.p[i];

		if (!w->used)
			continue;
		/* what the paths had is the old key's now; a handshake under way too */
		w->peer_prev = w->peer;
		ov_noise_peer_init(&w->peer, g.me, w->pub, NULL);
		w->hs_prev = w->hs_live;
		w->uses_new = false;
		w->try_prev = true;
	}
	CD_LOG(INFO, "wireguard: the box's key rotated: new public key %s; peers keep the old one until told",
	       g.pub_b64);
	*result = json_pack("{s:s,s:s,s:i}", "public_key", g.pub_b64, "previous_public_key", old_b64,
			    "retires_after_s", WG_KEY_GRACE_S);
	return 0;
}

static const char *
state_of(const struct wgp *w)
{
	if (w->cur.live)
		return w->next.live || w->hs_live ? "up, renewing" : "up";
	return w->hs_live ? "handshaking" : "down";
}

static json_t *
ov_wg_status(void)
{
	uint64_t now = ov_keyctl_now_ms();
	json_t *paths, *st;
	char ep[INET6_ADDRSTRLEN];

	if (g.p == NULL)
		return NULL;
	paths = json_object();
	for (int i = 0; i < WG_PATHS; i++) {
		const struct wgp *w = &g.p[i];

		if (!w->used)
			continue;
		dp_addr_ntop_any(w->ep, ep, sizeof(ep));
		json_object_set_new(paths, w->name, json_pack("{s:i,s:s,s:s,s:i,s:I,s:I,s:I}", "path", w->path, "state",
			state_of(w), "endpoint", ep, "port", w->ep_port, "handshakes", (json_int_t)w->handshakes,
			"session_age_ms", (json_int_t)(w->cur.live ? now - w->cur.born : 0), "index",
			(json_int_t)(w->cur.live ? w->cur.local : 0)));
	}
	st = json_pack("{s:s,s:i,s:i,s:o,s:O,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "public_key", g.pub_b64, "port",
			 g.port, "rekey_s", g.rekey_s, "paths", paths, "peers", g.peers, "handshakes", (json_int_t)g.ok,
			 "answered", (json_int_t)g.answered, "refused",
			 (json_int_t)g.refused, "cookies_sent", (json_int_t)g.cookies_sent, "cookies_taken",
			 (json_int_t)g.cookies_taken, "sessions", (json_int_t)g.sessions, "expired",
			 (json_int_t)g.expired, "rekeys_now", (json_int_t)g.rekeys_now, "unanswered",
			 (json_int_t)g.unanswered, "errors", (json_int_t)g.ctl.errors, "last_error", g.ctl.last_error);
	if (st != NULL) {
		json_object_set_new(st, "rotations", json_integer((json_int_t)g.rotations));
		if (g.has_prev) {
			char old_b64[48];
			json_t *moved = json_array();

			EVP_EncodeBlock((unsigned char *)old_b64, g.me_prev->pub, OV_NOISE_KEY);
			for (int i = 0; i < WG_PATHS; i++)
				if (g.p[i].used && g.p[i].uses_new)
					json_array_append_new(moved, json_string(g.p[i].name));
			json_object_set_new(st, "rotation", json_pack("{s:s,s:o,s:I}", "previous_public_key", old_b64,
				"moved", moved, "retires_in_s", (json_int_t)(g.rotated_at + WG_KEY_GRACE_S - time(NULL))));
		}
	}
	return st;
}

static void
ov_wg_metrics(struct cd_vis_fams *f)
{
	cd_vis_sample(f, "sxcd_wg_handshakes_total", "counter", "WireGuard handshakes completed (either side)",
		      (double)g.ok, NULL);
	cd_vis_sample(f, "sxcd_wg_refused_total", "counter",
		      "WireGuard handshake messages refused (MACs, keys, replayed timestamps, unknown indices)",
		      (double)g.refused, NULL);
	cd_vis_sample(f, "sxcd_wg_cookies_sent_total", "counter", "WireGuard cookie replies sent under load",
		      (double)g.cookies_sent, NULL);
	cd_vis_sample(f, "sxcd_wg_sessions_total", "counter", "WireGuard sessions put to use", (double)g.sessions,
		      NULL);
	cd_vis_sample(f, "sxcd_wg_expired_total", "counter", "WireGuard sessions let go at REJECT_AFTER_TIME",
		      (double)g.expired, NULL);
	cd_vis_sample(f, "sxcd_wg_rekeys_now_total", "counter",
		      "WireGuard handshakes an intent's new encryption.generation started (a rekey now)",
		      (double)g.rekeys_now, NULL);
	cd_vis_sample(f, "sxcd_wg_unanswered_total", "counter",
		      "WireGuard handshakes started because data sent went unanswered for 15 s (the peer lost its session)",
		      (double)g.unanswered, NULL);
}

static const struct cd_svc ov_wg_svc = {
	.name = "wireguard",
	.opts = ov_wg_opts,
	.start = ov_wg_start,
	.stop = ov_wg_stop,
	.status = ov_wg_status,
	.metrics = ov_wg_metrics,
	.act = ov_wg_act,
};
CD_SVC_REGISTER(ov_wg_svc)
