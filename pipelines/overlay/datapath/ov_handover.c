/* ov_handover: the overlay's state beyond its tables, from the sxdp handing over to the one taking over (see ov_handover.h). */
#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "dp_addr.h"
#include "dp_log.h"
#include "ov_handover.h"
#include "ov_path.h"
#include "ov_probe.h"
#include "ov_sa.h"
#include "ov_wg.h"

#define KEY_LEN		((int)sizeof(((struct ov_sa_conf *)0)->key))

/* One SA as it is now: what makes it again, and where it stands. */
static json_t *
sa_out(const struct ov_sa *s, uint64_t now, uint64_t hz)
{
	const struct ov_sa_conf *c = &s->conf;
	char key[2 * KEY_LEN + 1], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct ov_sa_ctr t;
	json_t *r;

	ov_sa_counted(s, &t);
	dp_addr_ntop_any(c->src, src, sizeof(src));
	dp_addr_ntop_any(c->dst, dst, sizeof(dst));
	dp_addr_bytes_hex(c->key, KEY_LEN, key);
	r = json_pack("{s:i,s:i,s:i,s:I,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:b,s:I,s:I,s:I,s:[I,I,I,I,I]}",
		      "id", c->id, "dir", c->dir, "cipher", c->cipher, "spi", (json_int_t)c->spi, "key", key,
		      "src", src, "dst", dst, "path", c->path, "lane", c->lane,
		      "sport", c->sport, "dport", c->dport, "esn", c->esn, "window", (json_int_t)c->window,
		      "seq", (json_int_t)(s->dir == OV_SA_OUT ? ov_sa_next_seq(s) : 1),
		      "age_ns", (json_int_t)((double)(now - s->created_tsc) * 1e9 / (double)hz),
		      "counted", (json_int_t)t.pkts, (json_int_t)t.bytes, (json_int_t)t.replay,
		      (json_int_t)t.auth, (json_int_t)t.bad);
	explicit_bzero(key, sizeof(key));
	if (r == NULL)
		return NULL;
	if (s->expire_tsc != 0)	/* at least 1: one past it stays past it */
		json_object_set_new(r, "life_ms", json_integer(now >= s->expire_tsc ? 1 :
			(json_int_t)RTE_MAX((s->expire_tsc - now) / (hz / 1000), UINT64_C(1))));
	if (s->rp != NULL) {
		size_t n = (size_t)s->rp->mask + 1;
		char blocks[2 * sizeof(s->rp->block) + 1];

		dp_addr_bytes_hex((const uint8_t *)s->rp->block, n * sizeof(s->rp->block[0]), blocks);
		json_object_set_new(r, "seen", json_pack("{s:I,s:I,s:I,s:b,s:s}", "top", (json_int_t)s->rp->top,
			"win", (json_int_t)s->rp->win, "mask", (json_int_t)s->rp->mask, "esn", s->rp->esn,
			"blocks", blocks));
	}
	return r;
}

/* The SAs, oldest first: made again in that order, a path's newest stays
 * the one that seals. */
static json_t *
sas_out(void)
{
	const struct ov_sa *by_age[OV_SA_MAX];
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	unsigned int n = 0;
	json_t *a = json_array();

	for (unsigned int id = 1; id <= OV_SA_MAX; id++) {
		const struct ov_sa *s = ov_sa_get((uint16_t)id);
		unsigned int j;

		if (s == NULL)
			continue;
		for (j = n++; j > 0 && by_age[j - 1]->created_tsc > s->created_tsc; j--)
			by_age[j] = by_age[j - 1];
		by_age[j] = s;
	}
	for (unsigned int i = 0; i < n && a != NULL; i++)
		if (json_array_append_new(a, sa_out(by_age[i], now, hz)) < 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

json_t *
ov_handover_out(void)
{
	json_t *eps = json_array(), *req = json_array();

	for (unsigned int p = 1; p <= OV_PATH_MAX; p++) {
		struct ov_sa_ep ep;
		char a[INET6_ADDRSTRLEN];

		if (ov_sa_endpoint((uint16_t)p, OV_SA_ESP, &ep) || ov_sa_endpoint((uint16_t)p, OV_SA_WG, &ep))
			json_array_append_new(eps, json_pack("[i,s,i,s]", p, dp_addr_ntop_any(ep.ip, a, sizeof(a)),
							     ep.port, ep.proto == OV_SA_WG ? "wireguard" : "esp"));
		if (ov_sa_require_told((uint16_t)p))
			json_array_append_new(req, json_integer(p));
	}
	return json_pack("{s:o,s:o*,s:o,s:o,s:i}", "paths_up", ov_probe_handover_out(), "sas", sas_out(),
			 "endpoints", eps, "required", req, "wg_port", ov_wg_port);
}

/* An unsigned member @name of @o, at most @max, into @v: 0 or -EINVAL. */
static int
uint_of(const json_t *o, const char *name, uint64_t max, uint64_t *v)
{
	const json_t *j = json_object_get(o, name);

	if (!json_is_integer(j) || json_integer_value(j) < 0 || (uint64_t)json_integer_value(j) > max)
		return -EINVAL;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

/* An address member @name of @o into @a ("ip"): text of either family,
 * or (an sxdp from before IPv6 underlays handing over) an IPv4 address's
 * network-order integer. 0 or -EINVAL. */
static int
addr_of(const json_t *o, const char *name, uint8_t *a)
{
	const json_t *j = json_object_get(o, name);
	uint64_t v;
	bool v4;

	if (json_is_string(j))
		return dp_addr_ip_any(json_string_value(j), a, &v4);
	if (uint_of(o, name, UINT32_MAX, &v) < 0)
		return -EINVAL;
	dp_addr_map4((uint32_t)v, a);
	return 0;
}

/* The window @j into @r: 0 or -EINVAL (ov_sa_add checks it is the SA's shape). */
static int
seen_in(const json_t *j, struct ov_replay *r)
{
	const char *blocks = json_string_value(json_object_get(j, "blocks"));
	uint64_t top, win, mask;

	memset(r, 0, sizeof(*r));
	if (uint_of(j, "top", INT64_MAX, &top) < 0 || uint_of(j, "win", UINT32_MAX, &win) < 0 ||
	    uint_of(j, "mask", OV_REPLAY_BUCKETS - 1, &mask) < 0 || !json_is_boolean(json_object_get(j, "esn")) ||
	    blocks == NULL || strlen(blocks) != (mask + 1) * 16 ||
	    dp_addr_hex_bytes(blocks, (uint8_t *)r->block, (mask + 1) * 8) < 0)
		return -EINVAL;
	r->top = top;
	r->win = (uint32_t)win;
	r->mask = (uint32_t)mask;
	r->esn = json_is_true(json_object_get(j, "esn"));
	return 0;
}

/* One SA made again from @j: 0 or -errno. Its key's text is wiped. */
static int
sa_in(json_t *j)
{
	const char *key = json_string_value(json_object_get(j, "key"));
	const json_t *cnt = json_object_get(j, "counted"), *seen = json_object_get(j, "seen");
	static const char *const names[] = { "id", "dir", "cipher", "spi", "path", "lane", "sport", "dport",
					     "window", "seq", "age_ns" };
	uint64_t v[RTE_DIM(names)] = { 0 }, life = 0;
	static const uint64_t max[] = { OV_SA_MAX, OV_SA_OUT, OV_SA_WIREGUARD, UINT32_MAX, OV_PATH_MAX,
					OV_SA_LANES - 1, UINT16_MAX, UINT16_MAX, UINT32_MAX, INT64_MAX, INT64_MAX };
	struct ov_sa_ctr counted = { 0 };
	struct ov_replay rp;
	struct ov_sa_conf c;
	int rc = 0;

	for (unsigned int i = 0; i < RTE_DIM(names) && rc == 0; i++)
		rc = uint_of(j, names[i], max[i], &v[i]);
	c = (struct ov_sa_conf){ 0 };
	if (rc == 0 && (addr_of(j, "src", c.src) < 0 || addr_of(j, "dst", c.dst) < 0))
		rc = -EINVAL;
	if (rc < 0 || !json_is_boolean(json_object_get(j, "esn")) || key == NULL || strlen(key) != 2 * KEY_LEN ||
	    (json_object_get(j, "life_ms") != NULL && uint_of(j, "life_ms", INT64_MAX, &life) < 0) ||
	    json_array_size(cnt) != 5 || (seen != NULL && seen_in(seen, &rp) < 0))
		rc = -EINVAL;
	c.id = (uint16_t)v[0];
	c.dir = (enum ov_sa_dir)v[1];
	c.cipher = (enum ov_sa_cipher)v[2];
	c.spi = (uint32_t)v[3];
	c.path = (uint16_t)v[4];
	c.lane = (uint8_t)v[5];
	c.sport = (uint16_t)v[6];
	c.dport = (uint16_t)v[7];
	c.window = (uint32_t)v[8];
	c.seq = v[9];
	c.age_ns = v[10];
	c.esn = json_is_true(json_object_get(j, "esn"));
	c.lifetime_ms = life;
	c.counted = &counted;
	c.seen = seen != NULL ? &rp : NULL;
	if (rc == 0) {
		counted.pkts = (uint64_t)json_integer_value(json_array_get(cnt, 0));
		counted.bytes = (uint64_t)json_integer_value(json_array_get(cnt, 1));
		counted.replay = (uint64_t)json_integer_value(json_array_get(cnt, 2));
		counted.auth = (uint64_t)json_integer_value(json_array_get(cnt, 3));
		counted.bad = (uint64_t)json_integer_value(json_array_get(cnt, 4));
		rc = dp_addr_hex_bytes(key, c.key, KEY_LEN) < 0 ? -EINVAL : ov_sa_add(&c);
	}
	explicit_bzero(c.key, sizeof(c.key));
	if (key != NULL)
		memset((char *)(uintptr_t)key, '0', strlen(key));
	return rc;
}

int
ov_handover_in(json_t *state)
{
	const json_t *v;
	json_t *sa;
	unsigned int taken = 0;
	uint64_t port;
	size_t i;
	int rc = 0, r;

	/* its port first: a session's packets are WireGuard's from the start */
	if (uint_of(state, "wg_port", UINT16_MAX, &port) == 0 && port != 0)
		ov_wg_listen((uint16_t)port);
	json_array_foreach(json_object_get(state, "required"), i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > OV_PATH_MAX ||
		    ov_sa_require((uint16_t)json_integer_value(v), true) < 0)
			rc = -EINVAL;
	json_array_foreach(json_object_get(state, "sas"), i, sa)
		if ((r = sa_in(sa)) < 0) {
			DP_LOG(WARNING, "takeover: SA %" JSON_INTEGER_FORMAT " not taken: %s",
			       json_integer_value(json_object_get(sa, "id")), strerror(-r));
			rc = r;
		} else {
			taken++;
		}
	DP_LOG(INFO, "takeover: %u of %zu SAs taken over", taken, json_array_size(json_object_get(state, "sas")));
	json_array_foreach(json_object_get(state, "endpoints"), i, v) {
		json_int_t p = json_integer_value(json_array_get(v, 0));
		const json_t *a = json_array_get(v, 1), *port = json_array_get(v, 2);
		const char *proto = json_string_value(json_array_get(v, 3));
		const struct ov_sa *o;
		struct ov_sa_ep ep;
		bool v4;

		if (p < 1 || p > OV_PATH_MAX)
			continue;
		/* whose packets showed it: as said, else (an older sxdp) the
		 * protocol the path seals with, its SAs taken over above */
		o = ov_sa_out((uint16_t)p);
		ep.proto = proto != NULL ? (strcmp(proto, "wireguard") == 0 ? OV_SA_WG : OV_SA_ESP) :
			   o != NULL && o->proto == OV_SA_WG ? OV_SA_WG : OV_SA_ESP;
		if (json_is_string(a) && json_is_integer(port) && json_integer_value(port) > 0 &&
		    json_integer_value(port) <= UINT16_MAX && dp_addr_ip_any(json_string_value(a), ep.ip, &v4) == 0) {
			ep.port = (uint16_t)json_integer_value(port);
			ov_sa_roamed((uint16_t)p, &ep);
		} else if (json_is_integer(a) && json_integer_value(a) > 0) {
			/* an sxdp from before IPv6 underlays: IPv4 << 16 | port */
			dp_addr_map4((uint32_t)((uint64_t)json_integer_value(a) >> 16), ep.ip);
			ep.port = (uint16_t)json_integer_value(a);
			ov_sa_roamed((uint16_t)p, &ep);
		}
	}
	if ((r = ov_probe_handover_in(json_object_get(state, "paths_up"))) < 0)
		rc = r;
	return rc;
}
