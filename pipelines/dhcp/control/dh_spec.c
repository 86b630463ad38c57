/* SPDX-License-Identifier: BSD-3-Clause */
/* dh_spec: a slice's DHCP checked against its SVI and compiled into the
 * dhcp tables' entries, and sxdp's leases counted (see dh_spec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dh_spec.h"
#include "dhcp_names.h"

/* The subnet the SVI wears: what a pool, a router and static leases must
 * be inside of, and the addresses none of them may be. */
struct subnet {
	uint32_t addr, net, mask;   /* host order */
	unsigned int plen;
	bool set;
};

/* What a host may be given or pointed at: not 0/8, loopback, multicast,
 * reserved or the limited broadcast (sxdp refuses them too: bad_address). */
static bool
unicast4(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

/* An IPv4 host address at @ptr (a string), unicast, into *@a. */
static int
addr_at(json_t *v, const char *ptr, const char *what, uint32_t *a, struct spec_err *err)
{
	const char *s = json_string_value(v);
	unsigned int plen;
	char t[INET_ADDRSTRLEN];

	if (s == NULL)
		return spec_refuse(err, ptr, "bad_value", "%s is an IPv4 address (a string \"A.B.C.D\")", what);
	if (strchr(s, '/') != NULL || spec_parse4(s, a, &plen) < 0)
		return spec_refuse(err, ptr, "bad_value", strchr(s, ':') ? "%s '%s' is IPv6: DHCP here is IPv4's (ra "
			      "advertises the IPv6 prefix)" : "%s '%s' is not an IPv4 address (A.B.C.D)", what, s);
	if (!unicast4(*a))
		return spec_refuse(err, ptr, "bad_value", "%s %s is not a unicast host address", what, spec_text4(*a, t));
	return 0;
}

/* A host address of the SVI's subnet: inside it, neither its network nor
 * its broadcast address (a /31 and a /32 have none), not the SVI's own. */
static int
in_subnet(const struct subnet *sn, uint32_t a, const char *ptr, const char *what, struct spec_err *err)
{
	char t[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN];

	if ((a & sn->mask) != sn->net)
		return spec_refuse(err, ptr, "bad_value", "%s %s is outside the SVI's subnet %s/%u", what, spec_text4(a, t),
			      spec_text4(sn->net, n), sn->plen);
	if (sn->plen <= 30 && (a == sn->net || a == (sn->net | ~sn->mask)))
		return spec_refuse(err, ptr, "bad_value", "%s %s is the %s address of %s/%u", what, spec_text4(a, t),
			      a == sn->net ? "network" : "broadcast", spec_text4(sn->net, n), sn->plen);
	if (a == sn->addr)
		return spec_refuse(err, ptr, "bad_value", "%s %s is the SVI's own address", what, spec_text4(a, t));
	return 0;
}

static json_t *
upd(const char *table, json_t *match, const char *action, json_t *params)
{
	return json_pack("{s:s,s:s,s:o,s:s,s:o}", "type", "insert", "table", table, "match", match, "action", action,
			 "params", params);
}

static json_t *
key(json_int_t vrf, json_int_t bd)
{
	return json_pack("{s:I,s:I}", DHCP_F_VRF, vrf, DHCP_F_BD, bd);
}

/* A MAC "xx:xx:xx:xx:xx:xx" (or with '-') into @m; -1 if not one. */
static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned int b[6];
	char sep[5], end;

	if (s == NULL || strlen(s) != 17 ||
	    sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0], &b[1], &sep[1], &b[2], &sep[2], &b[3],
		   &sep[3], &b[4], &sep[4], &b[5], &end) != 11)
		return -1;
	for (int i = 0; i < 5; i++)
		if (sep[i] != sep[0] || (sep[i] != ':' && sep[i] != '-'))
			return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)b[i];
	return 0;
}

/* The pool "FIRST-LAST" and its options into one dhcp_pools entry. */
static json_t *
pool_upd(json_t *dh, const struct subnet *sn, json_int_t vrf, json_int_t bd, struct spec_err *err)
{
	const char *s = json_string_value(json_object_get(dh, "pool")), *dash;
	json_t *dns = json_object_get(dh, "dns"), *lease = json_object_get(dh, "lease_s"), *p;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN], ptr[32];
	uint32_t first, last, router = sn->addr, d;
	unsigned int plen;

	if (s == NULL || (dash = strchr(s, '-')) == NULL || (size_t)(dash - s) >= sizeof(a) ||
	    strlen(dash + 1) >= sizeof(b))
		return spec_refuse(err, "/pool", "bad_value", "a pool is \"FIRST-LAST\" (two IPv4 addresses of the SVI's "
			      "subnet)"), NULL;
	snprintf(a, sizeof(a), "%.*s", (int)(dash - s), s);
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (spec_parse4(a, &first, &plen) < 0 || strchr(a, '/') || spec_parse4(b, &last, &plen) < 0 || strchr(b, '/'))
		return spec_refuse(err, "/pool", "bad_value", "'%s' is not \"FIRST-LAST\" (two IPv4 addresses)", s), NULL;
	if (first > last)
		return spec_refuse(err, "/pool", "bad_value", "the pool %s is reversed (FIRST <= LAST)", s), NULL;
	if (!unicast4(first) || !unicast4(last))
		return spec_refuse(err, "/pool", "bad_value", "the pool %s holds addresses no host may have", s), NULL;
	if (in_subnet(sn, first, "/pool", "the pool's first address", err) < 0 ||
	    in_subnet(sn, last, "/pool", "the pool's last address", err) < 0)
		return NULL;
	if (first <= sn->addr && sn->addr <= last)
		return spec_refuse(err, "/pool", "bad_value", "the pool %s holds the SVI's address %s: the box would "
			      "give its own address away", s, spec_text4(sn->addr, t)), NULL;
	if (json_object_get(dh, "router") != NULL) {
		if (addr_at(json_object_get(dh, "router"), "/router", "the router", &router, err) < 0)
			return NULL;
		/* the SVI's own address is the default: named, it is as good */
		if (router != sn->addr && in_subnet(sn, router, "/router", "the router", err) < 0)
			return NULL;
		if (first <= router && router <= last)
			return spec_refuse(err, "/router", "bad_value", "the router %s is inside the pool %s",
				      spec_text4(router, t), s), NULL;
	}
	p = json_pack("{s:s,s:s,s:s}", DHCP_P_FIRST, spec_text4(first, a), DHCP_P_LAST, spec_text4(last, b), DHCP_P_ROUTER,
		      spec_text4(router, t));
	if (dns != NULL && (!json_is_array(dns) || json_array_size(dns) > DHCP_DNS_MAX)) {
		json_decref(p);
		return spec_refuse(err, "/dns", "bad_value", "dns is an array of at most %d IPv4 addresses", DHCP_DNS_MAX),
		       NULL;
	}
	for (size_t i = 0; i < json_array_size(dns); i++) {
		snprintf(ptr, sizeof(ptr), "/dns/%zu", i);
		if (addr_at(json_array_get(dns, i), ptr, "a DNS server", &d, err) < 0) {
			json_decref(p);
			return NULL;
		}
		json_object_set_new(p, i == 0 ? DHCP_P_DNS1 : DHCP_P_DNS2, json_string(spec_text4(d, t)));
	}
	if (lease != NULL && (!json_is_integer(lease) || json_integer_value(lease) < DHCP_LEASE_S_MIN ||
			      json_integer_value(lease) > DHCP_LEASE_S_MAX)) {
		json_decref(p);
		return spec_refuse(err, "/lease_s", "bad_value", "lease_s is %d..%u seconds (a minute to 366 days)",
			      DHCP_LEASE_S_MIN, DHCP_LEASE_S_MAX), NULL;
	}
	json_object_set_new(p, DHCP_P_LEASE, json_integer(lease ? json_integer_value(lease) : DHCP_LEASE_S_DFLT));
	return upd(DHCP_T_POOLS, key(vrf, bd), DHCP_A_POOL, p);
}

/* The static leases, each a dhcp_static entry, onto @ups: inside the
 * subnet, the router's address not among them; inside the pool or not
 * (sxdp offers no one else a static address). */
static int
statics(json_t *list, const struct subnet *sn, uint32_t router, json_int_t bd, json_t *ups, struct spec_err *err)
{
	uint8_t (*macs)[6];
	uint32_t *ips;
	json_t *e;
	size_t i, n = json_array_size(list);
	char ptr[32], m[18], t[INET_ADDRSTRLEN];
	int rc = 0;

	if (!json_is_array(list) || n > DHCP_SLICE_STATIC_MAX)
		return spec_refuse(err, "/static", "bad_value", "static is an array of at most %d {\"mac\", \"ip\"}",
			      DHCP_SLICE_STATIC_MAX);
	macs = calloc(n + 1, sizeof(*macs));
	ips = calloc(n + 1, sizeof(*ips));
	if (macs == NULL || ips == NULL) {
		free(macs);
		free(ips);
		return -ENOMEM;
	}
	json_array_foreach(list, i, e) {
		const char *ms = json_string_value(json_object_get(e, "mac"));

		snprintf(ptr, sizeof(ptr), "/static/%zu", i);
		if (!json_is_object(e) || json_object_get(e, "mac") == NULL || json_object_get(e, "ip") == NULL) {
			rc = spec_refuse(err, ptr, "missing", "a static lease is {\"mac\": \"xx:xx:xx:xx:xx:xx\", \"ip\"}");
			break;
		}
		snprintf(ptr, sizeof(ptr), "/static/%zu/mac", i);
		if (parse_mac(ms, macs[i]) < 0) {
			rc = spec_refuse(err, ptr, "bad_value", "a MAC is \"xx:xx:xx:xx:xx:xx\"");
			break;
		}
		if ((macs[i][0] & 1) || memcmp(macs[i], "\0\0\0\0\0\0", 6) == 0) {
			rc = spec_refuse(err, ptr, "bad_value", "%s is not a unicast MAC (a host's own)", ms);
			break;
		}
		for (size_t j = 0; j < i && rc == 0; j++)
			if (memcmp(macs[j], macs[i], 6) == 0)
				rc = spec_refuse(err, ptr, "duplicate", "%s has a static lease already (static/%zu)", ms, j);
		if (rc < 0)
			break;
		snprintf(ptr, sizeof(ptr), "/static/%zu/ip", i);
		if ((rc = addr_at(json_object_get(e, "ip"), ptr, "a static lease", &ips[i], err)) < 0 ||
		    (rc = in_subnet(sn, ips[i], ptr, "a static lease", err)) < 0)
			break;
		if (ips[i] == router) {
			rc = spec_refuse(err, ptr, "bad_value", "%s is the router's address", spec_text4(ips[i], t));
			break;
		}
		for (size_t j = 0; j < i && rc == 0; j++)
			if (ips[j] == ips[i])
				rc = spec_refuse(err, ptr, "duplicate", "%s is static/%zu's already", spec_text4(ips[i], t), j);
		if (rc < 0)
			break;
		snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", macs[i][0], macs[i][1], macs[i][2], macs[i][3],
			 macs[i][4], macs[i][5]);
		json_array_append_new(ups, upd(DHCP_T_STATIC, json_pack("{s:I,s:s}", DHCP_F_BD, bd, DHCP_F_MAC, m),
					       DHCP_A_STATIC, json_pack("{s:s}", DHCP_P_IP, spec_text4(ips[i], t))));
	}
	free(macs);
	free(ips);
	return rc;
}

/* The relay {"server"}: one dhcp_relay entry. */
static json_t *
relay_upd(json_t *r, const struct subnet *sn, json_int_t vrf, json_int_t bd, struct spec_err *err)
{
	char t[INET_ADDRSTRLEN];
	uint32_t server;

	if (!json_is_object(r) || json_object_get(r, "server") == NULL)
		return spec_refuse(err, "/relay", "missing", "a relay is {\"server\": \"A.B.C.D\"}"), NULL;
	if (addr_at(json_object_get(r, "server"), "/relay/server", "the relay's server", &server, err) < 0)
		return NULL;
	if (server == sn->addr)
		return spec_refuse(err, "/relay/server", "bad_value", "the relay's server %s is the SVI's own address",
			      spec_text4(server, t)), NULL;
	return upd(DHCP_T_RELAY, key(vrf, bd), DHCP_A_RELAY, json_pack("{s:s}", DHCP_P_SERVER, spec_text4(server, t)));
}

/* The router advertisements {"interval_s", "lifetime_s"} of the SVI's
 * IPv6 /64 (SLAAC's length: another is never advertised). */
static json_t *
ra_upd(json_t *ra, const char *svi6, json_int_t vrf, json_int_t bd, struct spec_err *err)
{
	json_t *iv = json_object_get(ra, "interval_s"), *lt = json_object_get(ra, "lifetime_s");
	json_int_t interval = DHCP_RA_INTERVAL_DFLT, lifetime = DHCP_RA_LIFETIME_DFLT;
	const char *slash = svi6 != NULL ? strchr(svi6, '/') : NULL;

	if (!json_is_object(ra))
		return spec_refuse(err, "/ra", "bad_value", "ra is {\"interval_s\", \"lifetime_s\"}"), NULL;
	if (svi6 == NULL || slash == NULL)
		return spec_refuse(err, "/ra", "no_svi", "router advertisements are of the slice's IPv6 SVI: it has none "
			      "here (svi.address6)"), NULL;
	if (strcmp(slash, "/64") != 0)
		return spec_refuse(err, "/ra", "bad_value", "the SVI's IPv6 prefix %s is not a /64: SLAAC hosts make "
			      "their addresses in a /64 alone", svi6), NULL;
	if (iv != NULL && (!json_is_integer(iv) || json_integer_value(iv) < DHCP_RA_INTERVAL_MIN ||
			   json_integer_value(iv) > DHCP_RA_INTERVAL_MAX))
		return spec_refuse(err, "/ra/interval_s", "bad_value", "interval_s is %d..%d seconds",
			      DHCP_RA_INTERVAL_MIN, DHCP_RA_INTERVAL_MAX), NULL;
	interval = iv != NULL ? json_integer_value(iv) : interval;
	if (lt != NULL && (!json_is_integer(lt) || json_integer_value(lt) < 0 ||
			   json_integer_value(lt) > DHCP_RA_LIFETIME_MAX))
		return spec_refuse(err, "/ra/lifetime_s", "bad_value", "lifetime_s is 0..%d seconds",
			      DHCP_RA_LIFETIME_MAX), NULL;
	lifetime = lt != NULL ? json_integer_value(lt) : lifetime;
	/* RFC 4861 6.2.1: a default router's lifetime outlasts the interval,
	 * or hosts drop it between two advertisements */
	if (lifetime != 0 && lifetime < interval)
		return spec_refuse(err, lt != NULL ? "/ra/lifetime_s" : "/ra/interval_s", "bad_value", "lifetime_s %"
			      JSON_INTEGER_FORMAT " is below interval_s %" JSON_INTEGER_FORMAT " (0: not a default "
			      "router, else at least the interval)", lifetime, interval), NULL;
	return upd(DHCP_T_RA, key(vrf, bd), DHCP_A_RA,
		   json_pack("{s:I,s:I}", DHCP_P_INTERVAL, interval, DHCP_P_LIFETIME, lifetime));
}

/* The router a pool entry names (host order). */
static uint32_t
router_of(json_t *u)
{
	uint32_t a = 0;
	unsigned int plen;

	spec_parse4(json_string_value(json_object_get(json_object_get(u, "params"), DHCP_P_ROUTER)), &a, &plen);
	return a;
}

static const char *const known[] = { "pool", "router", "dns", "lease_s", "static", "relay", "ra", NULL };

/* What cannot go together, and what needs what. */
static int
shape(json_t *dh, bool have4, struct spec_err *err)
{
	static const char *const pool_only[] = { "router", "dns", "lease_s", "static" };
	bool pool = json_object_get(dh, "pool") != NULL, relay = json_object_get(dh, "relay") != NULL;
	const char *k;
	json_t *v;
	char ptr[48];

	if (!json_is_object(dh))
		return spec_refuse(err, "", "bad_value", "dhcp is {\"pool\": \"FIRST-LAST\", ...}, {\"relay\": "
			      "{\"server\"}} or {\"ra\": {...}}");
	json_object_foreach(dh, k, v) {
		size_t i;

		for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] == NULL) {
			snprintf(ptr, sizeof(ptr), "/%.40s", k);
			return spec_refuse(err, ptr, "bad_value", "unknown member (pool, router, dns, lease_s, static, "
				      "relay, ra)");
		}
	}
	if (!pool && !relay && json_object_get(dh, "ra") == NULL)
		return spec_refuse(err, "", "missing", "dhcp needs a pool (the box serves it), a relay (to an outside "
			      "server) or ra (IPv6 SLAAC)");
	if (pool && relay)
		return spec_refuse(err, "/relay", "bad_value", "a relay is instead of a pool: the box serves its pool "
			      "itself (drop one)");
	for (size_t i = 0; i < sizeof(pool_only) / sizeof(pool_only[0]); i++)
		if (!pool && json_object_get(dh, pool_only[i]) != NULL) {
			snprintf(ptr, sizeof(ptr), "/%s", pool_only[i]);
			return spec_refuse(err, ptr, "bad_value", "%s is the pool's: %s", pool_only[i], relay ?
				      "the relay's server answers with its own" : "name a pool");
		}
	if ((pool || relay) && !have4)
		return spec_refuse(err, pool ? "/pool" : "/relay", "no_svi", "the box answers DHCP from the slice's IPv4 "
			      "SVI: it has none here (svi.address)");
	return 0;
}

int
dh_spec_compile(json_t *dh, json_int_t vrf, json_int_t bd, const char *svi4, const char *svi6, json_t **out,
		struct spec_err *err)
{
	struct subnet sn = { 0 };
	json_t *ups, *u = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	if (svi4 != NULL && strchr(svi4, ':') == NULL && spec_parse4(svi4, &sn.addr, &sn.plen) == 0) {
		sn.mask = spec_mask4(sn.plen);
		sn.net = sn.addr & sn.mask;
		sn.set = true;
	}
	if ((rc = shape(dh, sn.set, err)) < 0)
		return rc;
	if ((ups = json_array()) == NULL)
		return -ENOMEM;
	if (json_object_get(dh, "pool") != NULL) {
		if ((u = pool_upd(dh, &sn, vrf, bd, err)) == NULL)
			goto fail;
		json_array_append_new(ups, u);
		if (json_object_get(dh, "static") != NULL &&
		    (rc = statics(json_object_get(dh, "static"), &sn, router_of(u), bd, ups, err)) < 0)
			goto fail;
	}
	if (json_object_get(dh, "relay") != NULL) {
		if ((u = relay_upd(json_object_get(dh, "relay"), &sn, vrf, bd, err)) == NULL)
			goto fail;
		json_array_append_new(ups, u);
	}
	if (json_object_get(dh, "ra") != NULL) {
		if ((u = ra_upd(json_object_get(dh, "ra"), svi6, vrf, bd, err)) == NULL)
			goto fail;
		json_array_append_new(ups, u);
	}
	*out = ups;
	return 0;
fail:
	json_decref(ups);
	return err->reason != NULL ? -EINVAL : -ENOMEM;
}

/* ------------------------------------------------------------ read back */

static int
by_vrf(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "vrf"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "vrf"));

	return x < y ? -1 : x > y;
}

json_t *
dh_spec_counts(json_t *res)
{
	json_t *rows = json_array(), *l, *row, **a;
	size_t i, j, n;

	json_array_foreach(json_object_get(res, "leases"), i, l) {
		json_int_t vrf = json_integer_value(json_object_get(l, "vrf"));
		const char *st = json_string_value(json_object_get(l, "state"));

		row = NULL;
		json_array_foreach(rows, j, row)
			if (json_integer_value(json_object_get(row, "vrf")) == vrf)
				break;
		if (j == json_array_size(rows)) {
			row = json_pack("{s:I,s:i,s:i,s:i,s:i}", "vrf", vrf, "bound", 0, "offered", 0, "declined", 0,
					"static", 0);
			json_array_append_new(rows, row);
		}
		if (st != NULL && json_object_get(row, st) != NULL)
			json_object_set_new(row, st, json_integer(json_integer_value(json_object_get(row, st)) + 1));
		if (st != NULL && strcmp(st, "bound") == 0 && json_is_true(json_object_get(l, "static")))
			json_object_set_new(row, "static", json_integer(json_integer_value(json_object_get(row, "static")) + 1));
	}
	n = json_array_size(rows);
	if (n > 1 && (a = calloc(n, sizeof(*a))) != NULL) {
		for (i = 0; i < n; i++)
			a[i] = json_incref(json_array_get(rows, i));
		qsort(a, n, sizeof(*a), by_vrf);
		json_array_clear(rows);
		for (i = 0; i < n; i++)
			json_array_append_new(rows, a[i]);
		free(a);
	}
	return rows;
}
