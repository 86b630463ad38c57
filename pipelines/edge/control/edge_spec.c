/* SPDX-License-Identifier: BSD-3-Clause */
/* edge_spec: a slice's edge checked and compiled into edge_slices,
 * edge_pools, edge_return and the switch's routes of action edge, and the
 * edge's counters read back (see edge_spec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_names.h"
#include "edge_spec.h"
#include "sw_names.h"

/* One IPv4 address (host order); the edge is IPv4's, so IPv6 is named as such. */
static int
addr_of(const char *s, size_t n, uint32_t *a, const char *ptr, struct spec_err *err)
{
	char t[INET_ADDRSTRLEN];
	struct in_addr in;

	if (n >= sizeof(t) || (snprintf(t, sizeof(t), "%.*s", (int)n, s), inet_pton(AF_INET, t, &in) != 1))
		return spec_refuse(err, ptr, "bad_value", memchr(s, ':', n) ? "'%.*s' is IPv6: a slice's edge is IPv4's "
			      "(NAT44)" : "'%.*s' is not an IPv4 address", (int)n, s);
	*a = ntohl(in.s_addr);
	return 0;
}

/* "A.B.C.D/LEN" or "A.B.C.D" (a /32) into *@net (host order) and *@plen;
 * a prefix with bits set past its length is refused: its writer meant
 * another, or misplaced it. */
static int
prefix_of(json_t *v, uint32_t *net, unsigned int *plen, const char *ptr, struct spec_err *err)
{
	const char *s = json_string_value(v), *slash;
	char a[INET_ADDRSTRLEN];
	char *end;
	long l = 32;

	if (s == NULL)
		return spec_refuse(err, ptr, "bad_value", "a prefix is a string \"A.B.C.D/LEN\"");
	slash = strchr(s, '/');
	if (addr_of(s, slash ? (size_t)(slash - s) : strlen(s), net, ptr, err) < 0) {
		if (strchr(s, ':') == NULL)
			snprintf(err->msg, sizeof(err->msg), "'%s' is not an IPv4 prefix (A.B.C.D/LEN)", s);
		return -EINVAL;
	}
	if (slash != NULL) {
		l = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || l < 0 || l > 32)
			return spec_refuse(err, ptr, "bad_value", "'%s': an IPv4 prefix length is 0..32", s);
	}
	*plen = (unsigned int)l;
	if ((*net & ~spec_mask4(*plen)) != 0)
		return spec_refuse(err, ptr, "bad_value", "'%s' has host bits set (past its /%u): %s/%u is aligned", s,
			      *plen, spec_text4(*net & spec_mask4(*plen), a), *plen);
	return 0;
}

static json_t *
prefix_json(uint32_t net, unsigned int plen)
{
	char a[INET_ADDRSTRLEN];

	return json_sprintf("%s/%u", spec_text4(net, a), plen);
}

unsigned int
edge_spec_cover(uint32_t first, uint32_t last, uint32_t *net, unsigned int *plen, unsigned int max)
{
	uint64_t at = first, end = (uint64_t)last + 1;
	unsigned int n = 0;

	while (at < end && n < max) {
		/* the largest block aligned at @at that ends at @end or before */
		unsigned int size = at == 0 ? 32 : (unsigned int)__builtin_ctzll(at);

		if (size > 32)
			size = 32;
		while ((1ull << size) > end - at)
			size--;
		net[n] = (uint32_t)at;
		plen[n++] = 32 - size;
		at += 1ull << size;
	}
	return n;
}

/* A pool: a prefix, or a range "FIRST-LAST", of at most EDGE_SPEC_POOL_MAX addresses. */
static int
pool_of(json_t *v, uint32_t *first, uint32_t *last, struct spec_err *err)
{
	const char *s = json_string_value(v), *dash;
	unsigned int plen;
	uint64_t n;

	if (v == NULL)
		return spec_refuse(err, "/nat/pool", "missing", "a NAT needs its pool of outside addresses "
			      "(\"A.B.C.D/LEN\" or \"FIRST-LAST\")");
	if (s == NULL)
		return spec_refuse(err, "/nat/pool", "bad_value", "a pool is a string: \"A.B.C.D/LEN\" or \"FIRST-LAST\"");
	if ((dash = strchr(s, '-')) != NULL) {
		if (addr_of(s, (size_t)(dash - s), first, "/nat/pool", err) < 0 ||
		    addr_of(dash + 1, strlen(dash + 1), last, "/nat/pool", err) < 0)
			return -EINVAL;
		if (*first > *last)
			return spec_refuse(err, "/nat/pool", "bad_value", "the range '%s' is reversed (FIRST-LAST, FIRST <= "
				      "LAST)", s);
	} else {
		if (prefix_of(v, first, &plen, "/nat/pool", err) < 0)
			return -EINVAL;
		*last = *first | ~spec_mask4(plen);
	}
	n = (uint64_t)*last - *first + 1;
	if (n > EDGE_SPEC_POOL_MAX)
		return spec_refuse(err, "/nat/pool", "bad_value", "the pool '%s' has %llu addresses: at most %d (a /16)",
			      s, (unsigned long long)n, EDGE_SPEC_POOL_MAX);
	return 0;
}

/* "LO-HI" (or "N": one port) of ports given out, from 1. */
static int
ports_of(json_t *v, unsigned int *lo, unsigned int *hi, struct spec_err *err)
{
	const char *s = json_string_value(v);
	char *end;
	long a, b;

	*lo = EDGE_SPEC_PORTS_LO;
	*hi = EDGE_SPEC_PORTS_HI;
	if (v == NULL)
		return 0;
	if (s == NULL || *s < '0' || *s > '9')
		return spec_refuse(err, "/nat/ports", "bad_value", "ports are a range \"LO-HI\" (1024-65535)");
	a = b = strtol(s, &end, 10);
	if (*end == '-' && end[1] >= '0' && end[1] <= '9')
		b = strtol(end + 1, &end, 10);
	if (*end != '\0')
		return spec_refuse(err, "/nat/ports", "bad_value", "'%s' is not a range of ports \"LO-HI\"", s);
	if (a > 65535 || b > 65535)
		return spec_refuse(err, "/nat/ports", "bad_value", "'%s': ports are 1..65535", s);
	if (a == 0 || b == 0)
		return spec_refuse(err, "/nat/ports", "bad_value", "'%s': port 0 is no port a NAT gives out (from 1)", s);
	if (a > b)
		return spec_refuse(err, "/nat/ports", "bad_value", "the range '%s' is reversed (LO-HI, LO <= HI)", s);
	*lo = (unsigned int)a;
	*hi = (unsigned int)b;
	return 0;
}

/* An integer member of @o in @min..@max, @dflt when absent. */
static int
int_of(json_t *o, const char *k, json_int_t dflt, json_int_t min, json_int_t max, json_int_t *out,
       const char *ptr, const char *what, struct spec_err *err)
{
	json_t *v = json_object_get(o, k);

	*out = dflt;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return spec_refuse(err, ptr, "bad_value", "%s is an integer %" JSON_INTEGER_FORMAT "..%"
			      JSON_INTEGER_FORMAT, what, min, max);
	*out = json_integer_value(v);
	return 0;
}

/* The pool's params, and the prefixes that cover it in @net/@plen (*@n). */
static int
nat_of(json_t *nat, json_t **pool, uint32_t *net, unsigned int *plen, unsigned int *n, struct spec_err *err)
{
	uint32_t first, last, det = 0;
	unsigned int lo, hi, dplen = 0;
	json_int_t block, blocks;
	uint64_t per_addr, have, hosts;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	json_t *d;

	if (!json_is_object(nat))
		return spec_refuse(err, "/nat", "bad_value", "nat is {\"pool\", \"ports\", \"block\", \"blocks\", "
			      "\"deterministic\"}");
	if (pool_of(json_object_get(nat, "pool"), &first, &last, err) < 0 ||
	    ports_of(json_object_get(nat, "ports"), &lo, &hi, err) < 0 ||
	    int_of(nat, "block", EDGE_SPEC_BLOCK, 1, 65535, &block, "/nat/block", "block (ports a block)", err) < 0 ||
	    int_of(nat, "blocks", EDGE_SPEC_BLOCKS, 1, EDGE_SPEC_BLOCKS_MAX, &blocks, "/nat/blocks",
		   "blocks (port blocks a host may hold)", err) < 0)
		return -EINVAL;
	if ((uint64_t)block > hi - lo + 1)
		return spec_refuse(err, "/nat/block", "bad_value", "a block of %" JSON_INTEGER_FORMAT " ports is larger "
			      "than the %u ports %u-%u", block, hi - lo + 1, lo, hi);
	per_addr = (hi - lo + 1) / (uint64_t)block;
	have = ((uint64_t)last - first + 1) * per_addr;
	if ((d = json_object_get(nat, "deterministic")) != NULL) {
		if (prefix_of(d, &det, &dplen, "/nat/deterministic", err) < 0)
			return -EINVAL;
		hosts = 1ull << (32 - dplen);
		if (hosts > have)
			return spec_refuse(err, "/nat/deterministic", "bad_value", "%s/%u has %llu addresses, one block "
				      "each, but the pool has %llu blocks (%llu addresses x %llu blocks of %"
				      JSON_INTEGER_FORMAT " ports)", spec_text4(det, a), dplen, (unsigned long long)hosts,
				      (unsigned long long)have, (unsigned long long)last - first + 1,
				      (unsigned long long)per_addr, block);
	}
	*pool = json_pack("{s:s,s:s,s:i,s:i,s:I,s:I}", EDGE_F_FIRST, spec_text4(first, a), EDGE_F_LAST, spec_text4(last, b),
			  EDGE_F_PORT_LO, (int)lo, EDGE_F_PORT_HI, (int)hi, EDGE_F_BLOCK, block, EDGE_F_BLOCKS,
			  blocks);
	if (*pool == NULL)
		return -ENOMEM;
	if (d != NULL) {
		json_object_set_new(*pool, EDGE_F_DET_PREFIX, json_string(spec_text4(det, a)));
		json_object_set_new(*pool, EDGE_F_DET_PLEN, json_integer(dplen));
	}
	*n = edge_spec_cover(first, last, net, plen, 64);
	return 0;
}

/* Is @net/@plen one of the slice's own routes (@routes: SliceSpec.routes)?
 * Its index, else -1. An IPv6 or unreadable route names none of ours. */
static long
route_named(json_t *routes, uint32_t net, unsigned int plen)
{
	struct spec_err ignored;
	uint32_t rn;
	unsigned int rl;
	json_t *r;
	size_t i;

	json_array_foreach(routes, i, r)
		if (prefix_of(json_object_get(r, "prefix"), &rn, &rl, "", &ignored) == 0 && rn == net && rl == plen)
			return (long)i;
	return -1;
}

/* An array of prefixes (@key of @edge) into @net/@plen (at most @max); @dflt
 * (NULL: required) when absent. */
static int
prefixes_of(json_t *edge, const char *key, const char *dflt, uint32_t *net, unsigned int *plen, unsigned int max,
	    unsigned int *n, struct spec_err *err)
{
	json_t *a = json_object_get(edge, key), *v;
	char p[48];
	size_t i;

	*n = 0;
	if (a == NULL && dflt != NULL) {
		json_t *s = json_string(dflt);
		int rc = prefix_of(s, net, plen, "", err);

		json_decref(s);
		*n = rc == 0;
		return rc;
	}
	snprintf(p, sizeof(p), "/%s", key);
	if (!json_is_array(a) || json_array_size(a) == 0)
		return spec_refuse(err, p, a == NULL ? "missing" : "bad_value", "%s is an array of one IPv4 prefix at least",
			      key);
	if (json_array_size(a) > max)
		return spec_refuse(err, p, "bad_value", "at most %u prefixes in %s", max, key);
	json_array_foreach(a, i, v) {
		snprintf(p, sizeof(p), "/%s/%zu", key, i);
		if (prefix_of(v, &net[i], &plen[i], p, err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (net[j] == net[i] && plen[j] == plen[i])
				return spec_refuse(err, p, "duplicate", "'%s' is %s/%zu too", json_string_value(v), key, j);
		*n = (unsigned int)i + 1;
	}
	return 0;
}

#define EDGE_TO_MAX 64	/* a slice's destinations through its edge (the schema's maxItems) */

static int
compile(json_t *edge, json_int_t vrf, json_t *routes, json_t *ups, struct spec_err *err)
{
	uint32_t tnet[EDGE_TO_MAX], rnet[EDGE_TO_MAX];
	unsigned int tplen[EDGE_TO_MAX], rplen[EDGE_TO_MAX], nt = 0, nr = 0;
	json_t *nat = json_object_get(edge, "nat"), *pool = NULL, *o = json_object_get(edge, "outside");
	json_int_t outside, pid = 0;
	char p[48];
	long r;

	if (!json_is_object(edge))
		return spec_refuse(err, "", "bad_value", "an edge is {\"outside\": VRF, \"to\": [...], \"nat\": {...} | "
			      "\"prefixes\": [...]}");
	if (o == NULL)
		return spec_refuse(err, "/outside", "missing", "an edge needs its outside: the id of the slice (VRF) it "
			      "leads into");
	if (int_of(edge, "outside", 0, 1, EDGE_SPEC_VRF_MAX, &outside, "/outside", "outside (a slice's id)", err) < 0)
		return -EINVAL;
	if (outside == vrf)
		return spec_refuse(err, "/outside", "bad_value", "the outside is this slice's own VRF (%" JSON_INTEGER_FORMAT
			      "): an edge leads into another slice's", vrf);
	if (prefixes_of(edge, "to", "0.0.0.0/0", tnet, tplen, EDGE_TO_MAX, &nt, err) < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < nt; i++)
		if ((r = route_named(routes, tnet[i], tplen[i])) >= 0) {
			/* left out, "to" is its default: the pointer names the member */
			if (json_object_get(edge, "to") != NULL)
				snprintf(p, sizeof(p), "/to/%u", i);
			else
				snprintf(p, sizeof(p), "/to");
			return spec_refuse(err, p, "conflict", "the slice's own route /spec/routes/%ld names %s too%s: a "
				      "destination leaves through the edge or by the route, not both", r,
				      json_string_value(json_object_get(json_array_get(routes, (size_t)r), "prefix")),
				      json_object_get(edge, "to") != NULL ? "" : " (to's default, to left out)");
		}
	if (nat != NULL) {
		if (json_object_get(edge, "prefixes") != NULL)
			return spec_refuse(err, "/prefixes", "bad_value", "prefixes are an edge's without nat: with nat the "
				      "outside routes the pool back in");
		if (nat_of(nat, &pool, rnet, rplen, &nr, err) < 0)
			return err->reason != NULL ? -EINVAL : -ENOMEM;
		pid = vrf;	/* a slice's pool is its own: by convention its id */
		json_array_append_new(ups, json_pack("{s:s,s:s,s:{s:I},s:s,s:o}", "type", "insert", "table",
						     EDGE_T_POOLS, "match", EDGE_F_ID, pid, "action", EDGE_A_POOL,
						     "params", pool));
	} else if (prefixes_of(edge, "prefixes", NULL, rnet, rplen, EDGE_TO_MAX, &nr, err) < 0) {
		return -EINVAL;
	}
	json_array_append_new(ups, json_pack("{s:s,s:s,s:{s:I},s:s,s:{s:I,s:I}}", "type", "insert", "table",
					     EDGE_T_SLICES, "match", EDGE_F_VRF, vrf, "action", EDGE_A_EDGE, "params",
					     EDGE_F_OUTSIDE, outside, EDGE_F_POOL, pid));
	/* back in first, then the routes that send packets there: each
	 * write finds what it leads to in place */
	for (unsigned int i = 0; i < nr; i++)
		json_array_append_new(ups, json_pack("{s:s,s:s,s:{s:I,s:o},s:s,s:{s:I,s:I}}", "type", "insert",
						     "table", EDGE_T_RETURN, "match", EDGE_F_VRF, outside, EDGE_F_DST,
						     prefix_json(rnet[i], rplen[i]), "action", EDGE_A_INSIDE, "params",
						     EDGE_F_VRF, vrf, EDGE_F_POOL, pid));
	for (unsigned int i = 0; i < nr; i++)
		json_array_append_new(ups, json_pack("{s:s,s:s,s:{s:I,s:o},s:s,s:{}}", "type", "insert", "table",
						     SW_T_ROUTES, "match", SW_F_VRF, outside, SW_F_DST,
						     prefix_json(rnet[i], rplen[i]), "action", EDGE_A_EDGE, "params"));
	for (unsigned int i = 0; i < nt; i++)
		json_array_append_new(ups, json_pack("{s:s,s:s,s:{s:I,s:o},s:s,s:{}}", "type", "insert", "table",
						     SW_T_ROUTES, "match", SW_F_VRF, vrf, SW_F_DST,
						     prefix_json(tnet[i], tplen[i]), "action", EDGE_A_EDGE, "params"));
	return 0;
}

int
edge_spec_compile(json_t *edge, json_int_t vrf, json_t *routes, json_t **out, struct spec_err *err)
{
	json_t *ups = json_array();
	int rc;

	memset(err, 0, sizeof(*err));
	if (ups == NULL)
		return -ENOMEM;
	if ((rc = compile(edge, vrf, routes, ups, err)) < 0) {
		json_decref(ups);
		return rc;
	}
	*out = ups;
	return 0;
}

/* ------------------------------------------------------------ read back */

json_t *
edge_spec_reasons(json_t *counts)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(counts, k, v)
		if (strncmp(k, "edge.", 5) == 0 && json_is_integer(v))
			json_object_set(out, k + 5, v);
	return out;
}

const char *
edge_spec_proto(json_int_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	default:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, proto);
		return buf;
	}
}
