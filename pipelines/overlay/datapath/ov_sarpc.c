/* ov_sarpc: overlay.sa.add, overlay.sa.del, overlay.sa.require, overlay.sa.list and overlay.sa.keepalive over ov_sa, ESP's and WireGuard's (see ov_sarpc.h). */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "ov_esp.h"
#include "ov_probe.h"
#include "ov_sa.h"
#include "ov_sarpc.h"
#include "ov_show.h"
#include "ov_state.h"
#include "ov_wg.h"
#include "dp_addr.h"
#include "dp_rpc.h"
#include "dp_schema.h"

static const char *const dir_names[] = { "in", "out", NULL };
static const char *const cipher_names[] = { "aes-gcm-128", "aes-gcm-256", "wireguard", NULL };

enum { A_ID, A_DIR, A_SPI, A_CIPHER, A_KEY, A_SRC, A_DST, A_PATH, A_ESN, A_WINDOW, A_SEQ, A_SPORT, A_DPORT, A_LANE,
       A_LIFETIME };

static const struct dp_schema_field add_params[] = {
	[A_ID] = { .name = "id", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = OV_SA_MAX,
		   .desc = "the SA's id, the control plane's (a rekey is a new id)" },
	[A_DIR] = { .name = "dir", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = dir_names,
		    .desc = "in: decrypts what its peer sends; out: encrypts what leaves on its path" },
	[A_SPI] = { .name = "spi", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = UINT32_MAX,
		    .desc = "ESP: RFC 4303's SPI (1..255 are reserved); WireGuard: the session's index (in: "
			    "ours, out: the peer's), as read little endian; an inbound one is unique on the box" },
	[A_CIPHER] = { .name = "cipher", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_DEF, .names = cipher_names,
		       .def = OV_SA_AES_GCM_128, .desc = "ESP's AES-GCM with a 16-byte ICV (RFC 4106), or a "
							 "WireGuard session's ChaCha20-Poly1305" },
	[A_KEY] = { .name = "key", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .min = 40, .max = 72,
		    .desc = "hex: the AES key, then the 4-byte salt (RFC 4106 8.1): 40 or 72 digits; "
			    "WireGuard: the transport key, 64 digits; never shown back" },
	[A_SRC] = { .name = "src", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .format = DP_SCHEMA_FMT_IP,
		    .desc = "outer source: out: the local VTEP; in: the peer's endpoint" },
	[A_DST] = { .name = "dst", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .format = DP_SCHEMA_FMT_IP,
		    .desc = "outer destination: out: the peer's endpoint; in: the local VTEP" },
	[A_PATH] = { .name = "path", .type = DP_SCHEMA_UINT, .max = OV_PATH_MAX,
		     .desc = "out: the path it encrypts (the newest SA of a path is used); in, WireGuard or "
			     "UDP-encapsulated ESP: the path whose endpoint follows the peer, its packets taken "
			     "from any source (roaming; an ESP peer behind a NAT); in, plain ESP: 0 (from its src "
			     "only)" },
	[A_ESN] = { .name = "esn", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_DEF, .def = 1,
		    .desc = "64-bit extended sequence numbers (RFC 4303 2.2.1)" },
	[A_WINDOW] = { .name = "window", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF,
		       .max = OV_SA_WINDOW_MAX, .def = OV_SA_WINDOW,
		       .desc = "in: the anti-replay window, packets (64 at least; 0, without ESN only: no "
			       "anti-replay, as RFC 4303 3.4.3 lets a receiver choose: a benchmark replaying a "
			       "capture); WireGuard: 0 likewise, any other is its own window of 8000" },
	[A_SEQ] = { .name = "seq", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .min = 1, .def = 1,
		    .desc = "out: the first sequence number sent (1: a new SA); in (ESP): the first number "
			    "taken, every one below refused (a window restored after sxdp restarted: its "
			    "ESN high half, no replay of what it took before; 1: a new SA)" },
	[A_SPORT] = { .name = "natt_sport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .max = UINT16_MAX,
		      .desc = "UDP encapsulation (RFC 3948): the outer UDP source port; 0: plain ESP; "
			      "WireGuard out: the box's WireGuard port" },
	[A_DPORT] = { .name = "natt_dport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .max = UINT16_MAX,
		      .desc = "UDP encapsulation: the outer UDP destination port (4500); 0: plain ESP; "
			      "WireGuard out: the peer's port" },
	[A_LANE] = { .name = "lane", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .max = OV_SA_LANES - 1,
		     .desc = "ESP out: which of the path's per-worker SAs (RFC 9611): worker w seals with lane "
			     "w mod the path's lanes (a lane without an SA: lane 0's); 0 for a path of one" },
	[A_LIFETIME] = { .name = "lifetime_ms", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF,
			 .max = UINT64_C(10) * 365 * 86400 * 1000,
			 .desc = "its hard lifetime (RFC 4301 4.4.2.1; WireGuard's REJECT_AFTER_TIME), ms from now: "
				 "past it the SA neither seals nor opens (overlay.sa_expired) until deleted; 0: none" },
	{ .name = NULL },
};

static const struct dp_rpc_method add_method = {
	.name = "overlay.sa.add",
	.description = "Add an ESP security association (tunnel mode, AES-GCM) or one direction of a "
		       "WireGuard session: an inbound one decrypts its peer's packets at once; an outbound "
		       "one encrypts its path's from now on",
	.params = add_params,
	.result = &(const struct dp_schema_field){ .name = "added", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{id}" },
};

static const struct dp_rpc_method del_method = {
	.name = "overlay.sa.del",
	.description = "Delete an ESP SA once no worker uses it (a path falls back to its newest other "
		       "outbound SA, else clear)",
	.params = (const struct dp_schema_field[]){
		{ .name = "id", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = OV_SA_MAX },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "deleted", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{id}" },
};

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }
static const struct dp_schema_field sa_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one SA, without its key",
	.fields = (const struct dp_schema_field[]){
		RU("id", ""), { .name = "dir", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "in or out" },
		RU("spi", ""), { .name = "cipher", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "" },
		{ .name = "src", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "" },
		{ .name = "dst", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "" },
		RU("path", "out: the path; in: the path whose endpoint follows it, or 0"),
		RU("lane", "out: which of its path's per-worker SAs"),
		{ .name = "active", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_REQ,
		  .desc = "out: the one its path's lane uses now; in: true" },
		RU("natt_dport", "0: plain ESP"), RU("age_ms", "since it was added"),
		{ .name = "expires_ms", .type = DP_SCHEMA_UINT,
		  .desc = "till its hard lifetime ends (0: ended); absent: it has none" },
		RU("packets", "encrypted, or decrypted and accepted"), RU("bytes", "the same, whole frames as they left or came"),
		RU("replay", "in: refused, a number seen or left of the window"),
		RU("auth", "in: refused, the ICV did not verify"), RU("malformed", "refused or not sent: malformed, "
								   "no room, sequence numbers exhausted"),
		{ .name = "top", .type = DP_SCHEMA_UINT,
		  .desc = "in (ESP with anti-replay): the highest sequence number taken (0: none yet)" },
		{ .name = NULL } },
};

static const struct dp_rpc_method require_method = {
	.name = "overlay.sa.require",
	.description = "Say whether a path must be encrypted: while it has no outbound SA or WireGuard "
		       "session its packets are dropped (overlay.sa_missing), never sent in clear",
	.params = (const struct dp_schema_field[]){
		{ .name = "path", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = OV_PATH_MAX },
		{ .name = "required", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_REQ },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "required", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{path, required}" },
};

static const struct dp_rpc_method list_method = {
	.name = "overlay.sa.list",
	.description = "Every ESP SA and WireGuard session: its SPI or index, cipher, ends, path, age and "
		       "counters (never its key); a WireGuard one's endpoint (where the peer is now)",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "sas", .type = DP_SCHEMA_ARRAY, .items = &sa_row },
};

static int
m_add(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
      void *arg __rte_unused)
{
	struct ov_sa_conf c = {
		.id = (uint16_t)v[A_ID].u, .dir = (enum ov_sa_dir)v[A_DIR].u,
		.cipher = (enum ov_sa_cipher)v[A_CIPHER].u, .spi = (uint32_t)v[A_SPI].u,
		.path = (uint16_t)v[A_PATH].u, .esn = v[A_ESN].b, .window = (uint32_t)v[A_WINDOW].u,
		.seq = v[A_SEQ].u, .sport = (uint16_t)v[A_SPORT].u, .dport = (uint16_t)v[A_DPORT].u,
		.lane = (uint8_t)v[A_LANE].u, .lifetime_ms = v[A_LIFETIME].u,
	};
	bool wg = c.cipher == OV_SA_WIREGUARD, v4, dst4;
	size_t klen = wg ? 32 : (c.cipher == OV_SA_AES_GCM_256 ? 32 : 16) + 4;
	int rc;

	if (strlen(v[A_KEY].s) != 2 * klen || dp_addr_hex_bytes(v[A_KEY].s, c.key, klen) < 0) {
		explicit_bzero(c.key, sizeof(c.key));
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/key",
				      wg ? "the key is %zu hex digits for %s: the transport key" :
					   "the key is %zu hex digits for %s: the AES key, then the salt",
				      2 * klen, cipher_names[c.cipher]);
	}
	if (wg) {
		c.esn = false;	/* its counter is 64 bits on the wire */
		/* its own window (0: none, a benchmark replaying a capture; sxcd never asks) */
		c.window = c.window == 0 ? 0 : OV_SA_WG_WINDOW;
	}
	if (dp_addr_ip_any(v[A_SRC].s, c.src, &v4) < 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/src", "an IPv4 or IPv6 address");
	if (dp_addr_ip_any(v[A_DST].s, c.dst, &dst4) < 0 || dst4 != v4)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dst",
				      "an IPv4 or IPv6 address, of src's family");
	if (!wg && c.spi < 256)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/spi",
				      "SPIs 0..255 are reserved (RFC 4303 2.1)");
	if (c.lane != 0 && (wg || c.dir != OV_SA_OUT))
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/lane",
				      "lanes are outbound ESP SAs'");
	if (c.path != 0 && ov_state_path(c.path) != NULL && ov_path_v6(ov_state_path(c.path)) == v4)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/path",
				      "path %u is over %s: src and dst are of its family", (unsigned int)c.path,
				      v4 ? "IPv6" : "IPv4");
	if ((c.dir == OV_SA_OUT || wg) && c.path == 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "missing", "/path",
				      wg ? "a WireGuard session is of one path: its id" :
					   "an outbound SA encrypts one path: its id");
	if (c.dir == OV_SA_IN && !wg && c.path != 0 && c.dport == 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/path",
				      "an inbound plain ESP SA is found by its SPI and its src: no path (a path "
				      "follows a peer behind a NAT: UDP encapsulation)");
	if ((c.sport == 0) != (c.dport == 0) || (wg && c.dir == OV_SA_OUT && c.dport == 0))
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/natt_dport",
				      wg ? "a WireGuard session sends from the box's port to the peer's: both ports" :
					   "UDP encapsulation takes both ports");
	if (c.dir == OV_SA_IN && (c.window == 0 ? c.esn : c.window < 64))
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/window",
				      "a window is 64 packets at least (0, no anti-replay, only without ESN)");
	if (!c.esn && !wg && c.seq > UINT32_MAX)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/seq",
				      "without ESN a sequence number is 32 bits");
	rc = ov_sa_add(&c);
	if (rc == 0 && wg && c.dir == OV_SA_OUT)
		ov_sa_roamed(c.path, NULL);	/* its endpoint the one the control plane gives */
	/* the key lives on in the crypto session only: this copy and the
	 * request's text of it (the request's own string) are wiped */
	explicit_bzero(c.key, sizeof(c.key));
	memset((char *)(uintptr_t)v[A_KEY].s, '0', strlen(v[A_KEY].s));
	switch (rc) {
	case 0:
		*result = json_pack("{s:I}", "id", (json_int_t)c.id);
		return 0;
	case -EEXIST:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "exists", "/id", "SA %u exists: a rekey is a new id",
				      c.id);
	case -EADDRINUSE:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "exists", "/spi",
				      wg ? "a WireGuard session has index %u" : "an inbound SA has SPI %u", c.spi);
	case -ENODEV:
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_crypto", "",
				      "no AES-GCM crypto device (ipsec-mb's aesni_gcm PMD) on this box");
	case -ENOMEM:
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	default:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "", "the SA is refused: %s",
				      strerror(-rc));
	}
}

static int
m_del(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
      void *arg __rte_unused)
{
	if (ov_sa_del((uint16_t)v[0].u) < 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_found", "/id", "no SA %u", (unsigned int)v[0].u);
	*result = json_pack("{s:I}", "id", (json_int_t)v[0].u);
	return 0;
}

static int
m_require(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	  void *arg __rte_unused)
{
	ov_sa_require((uint16_t)v[0].u, v[1].b);
	if ((*result = json_pack("{s:I,s:b}", "path", (json_int_t)v[0].u, "required", v[1].b)) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	return 0;
}

static json_t *
sa_json(const struct ov_sa *s, uint64_t now_ns)
{
	struct ov_sa_ctr t;
	json_t *r;

	ov_sa_counted(s, &t);
	r = json_pack("{s:I, s:s, s:I, s:s, s:o, s:o, s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "id", (json_int_t)s->id, "dir", dir_names[s->dir], "spi", (json_int_t)s->spi,
		      "cipher", cipher_names[s->cipher], "src", ov_show_addr(s->src), "dst", ov_show_addr(s->dst),
		      "path", (json_int_t)s->path, "lane", (json_int_t)s->lane, "active", ov_sa_active(s),
		      "natt_dport", (json_int_t)s->dport, "age_ms", (json_int_t)((now_ns - ov_probe_ns(s->created_tsc)) / 1000000),
		      "packets", (json_int_t)t.pkts, "bytes", (json_int_t)t.bytes, "replay", (json_int_t)t.replay,
		      "auth", (json_int_t)t.auth, "malformed", (json_int_t)t.bad);
	if (r != NULL && s->dir == OV_SA_IN && s->proto != OV_SA_WG && s->rp != NULL)
		/* a worker's to write: read whole, as it was a moment ago */
		json_object_set_new(r, "top", json_integer((json_int_t)__atomic_load_n(&s->rp->top, __ATOMIC_RELAXED)));
	if (r != NULL && s->expire_tsc != 0) {
		uint64_t now = rte_rdtsc();

		json_object_set_new(r, "expires_ms", json_integer(now >= s->expire_tsc ? 0 :
			(json_int_t)((s->expire_tsc - now) / (rte_get_tsc_hz() / 1000))));
	}
	if (r != NULL && (s->proto == OV_SA_WG || (s->dport != 0 && s->path != 0))) {
		/* where the peer is now: roamed (behind a NAT), or as given */
		struct ov_sa_ep ep;
		bool roamed = ov_sa_endpoint(s->path, (enum ov_sa_proto)s->proto, &ep);

		if (!roamed && s->dir == OV_SA_OUT)
			ov_sa_dest(s, &ep);
		if (roamed || s->dir == OV_SA_OUT)
			json_object_set_new(r, "endpoint", json_pack("{s:o,s:I}", "address", ov_show_addr(ep.ip),
								     "port", (json_int_t)ep.port));
		if (s->dir == OV_SA_OUT)
			json_object_set_new(r, "counter", json_integer((json_int_t)__atomic_load_n(&s->wg_next,
											   __ATOMIC_RELAXED)));
	}
	return r;
}

static const struct dp_rpc_method keepalive_method = {
	.name = "overlay.sa.keepalive",
	.description = "Send a NAT keepalive (RFC 3948 2.3: one byte 0xff) from a path's VTEP to its peer, "
		       "from and to its outbound UDP-encapsulated ESP SA's ports: what keeps a NAT's mapping "
		       "of the path open while it carries nothing",
	.params = (const struct dp_schema_field[]){
		{ .name = "path", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = OV_PATH_MAX },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "sent", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{path}" },
};

/* A NAT keepalive out on @path from and to its outbound UDP-encapsulated
 * SA's ports, to where its peer is now. 0, -EINVAL (no such SA), -ENOENT
 * (no path), -ENOMEM, -EIO. */
static int
natt_keepalive(uint16_t path)
{
	static const uint8_t ka = OV_ESP_NATT_KEEPALIVE;
	const struct ov_sa *s = ov_sa_out(path);
	struct ov_sa_ep to;

	if (s == NULL || s->proto != OV_SA_ESP || s->dport == 0)
		return -EINVAL;
	ov_sa_dest(s, &to);
	return ov_wg_udp_out(path, s->sport, to.ip, to.port, &ka, 1);
}

static int
m_keepalive(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	    void *arg __rte_unused)
{
	switch (natt_keepalive((uint16_t)v[0].u)) {
	case 0:
		break;
	case -EINVAL:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/path",
				      "path %u has no outbound UDP-encapsulated ESP SA", (unsigned int)v[0].u);
	case -ENOENT:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_found", "/path", "no path %u",
				      (unsigned int)v[0].u);
	default:
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "not_sent", "", "the keepalive was not sent");
	}
	if ((*result = json_pack("{s:I}", "path", (json_int_t)v[0].u)) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	return 0;
}

static int
m_list(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	uint64_t now_ns = ov_probe_ns(rte_rdtsc());
	json_t *a = json_array();

	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	for (uint16_t id = 1; id <= OV_SA_MAX; id++) {
		const struct ov_sa *s = ov_sa_get(id);

		if (s != NULL && json_array_append_new(a, sa_json(s, now_ns)) < 0) {
			json_decref(a);
			return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
		}
	}
	*result = a;
	return 0;
}

int
ov_sarpc_init(void)
{
	int rc;

	if ((rc = dp_rpc_register(&add_method, m_add, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&del_method, m_del, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&require_method, m_require, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&keepalive_method, m_keepalive, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&list_method, m_list, NULL, NULL);
}
