/* SPDX-License-Identifier: BSD-3-Clause */
/* A DHCP server's leases (dh_lease.h): one fixed array searched linearly
 * (4,096 leases: a few microseconds on the main lcore per message, which
 * the per-client rate limit bounds), the allocator, the starvation bounds
 * and the lease file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dh_lease.h"

const char *const dh_lstate_name[4] = { "free", "offered", "bound", "declined" };

void
dh_leases_init(struct dh_leases *db, unsigned int per_src_max, unsigned int per_port_max)
{
	memset(db, 0, sizeof(*db));
	db->per_src_max = per_src_max;
	db->per_port_max = per_port_max;
}

static bool
live(const struct dh_lease *l, uint64_t now)
{
	return l->state != DH_L_FREE && l->expires > now;
}

struct dh_lease *
dh_lease_of(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac)
{
	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		struct dh_lease *l = &db->l[i];

		if (l->state != DH_L_FREE && l->state != DH_L_DECLINED && l->vrf == vrf && l->bd == bd &&
		    memcmp(l->mac, mac, 6) == 0)
			return l;
	}
	return NULL;
}

struct dh_lease *
dh_lease_at(struct dh_leases *db, uint16_t vrf, uint16_t bd, uint32_t ip, uint64_t now)
{
	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		struct dh_lease *l = &db->l[i];

		if (live(l, now) && l->ip == ip && l->vrf == vrf && l->bd == bd)
			return l;
	}
	return NULL;
}

static struct dh_lease *
slot(struct dh_leases *db, uint64_t now)
{
	struct dh_lease *stale = NULL;

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		if (db->l[i].state == DH_L_FREE)
			return &db->l[i];
		if (stale == NULL && !live(&db->l[i], now))
			stale = &db->l[i];
	}
	if (stale != NULL && stale->state == DH_L_BOUND)
		db->dirty = true;
	return stale;
}

/* May client c hold one more address in p's domain (bounds per Ethernet
 * source and per port)? mine: its own lease there, which it keeps. */
static bool
within_bounds(const struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c,
	      const struct dh_lease *mine, uint64_t now)
{
	unsigned int by_src = 0, by_port = 0;

	if (mine != NULL && live(mine, now))
		return true;
	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		const struct dh_lease *l = &db->l[i];

		if (!live(l, now) || l->state == DH_L_DECLINED || l->is_static)
			continue;
		if (l->bd == p->bd && l->vrf == p->vrf && memcmp(l->src, c->src, 6) == 0)
			by_src++;
		if (l->port == c->port)
			by_port++;
	}
	return by_src < db->per_src_max && by_port < db->per_port_max;
}

static bool
in_pool(const struct dh_pool *p, uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return h >= p->first && h <= p->last && ip != p->server;
}

static bool
reserved_has(const uint32_t *res, unsigned int n, uint32_t ip)
{
	for (unsigned int i = 0; i < n; i++)
		if (res[i] == ip)
			return true;
	return false;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The lowest address of p no live lease and no reservation holds (host
 * order), or 0. One sorted walk: the pool may be a /16, the leases few. */
static uint32_t
lowest_free(struct dh_leases *db, const struct dh_pool *p, const uint32_t *res, unsigned int n_res, uint64_t now)
{
	unsigned int n = 0;
	uint32_t want = p->first;

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++)
		if (live(&db->l[i], now) && db->l[i].vrf == p->vrf && db->l[i].bd == p->bd)
			db->scratch[n++] = ntohl(db->l[i].ip);
	for (unsigned int i = 0; i < n_res && i < DH_RESERVED_MAX; i++)
		db->scratch[n++] = ntohl(res[i]);
	db->scratch[n++] = ntohl(p->server);
	qsort(db->scratch, n, sizeof(db->scratch[0]), cmp_u32);
	for (unsigned int i = 0; i < n && want <= p->last; i++) {
		if (db->scratch[i] < want)
			continue;
		if (db->scratch[i] > want)
			break;
		if (want == UINT32_MAX)
			return 0;
		want++;
	}
	return want <= p->last && want >= p->first ? want : 0;
}

/* The client's lease, made or moved to ip, in state st until exp. */
static int
hold(struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c, struct dh_lease *mine, uint32_t ip,
     bool is_static, uint8_t st, uint64_t exp, uint64_t now, struct dh_lease **out)
{
	struct dh_lease *other = dh_lease_at(db, p->vrf, p->bd, ip, now);

	if (other != NULL && other != mine)
		return -EADDRINUSE;
	/* a stale lease of someone else's on ip goes */
	for (unsigned int i = 0; i < DH_LEASES_MAX; i++)
		if (&db->l[i] != mine && db->l[i].state != DH_L_FREE && db->l[i].ip == ip && db->l[i].bd == p->bd &&
		    db->l[i].vrf == p->vrf)
			db->l[i].state = DH_L_FREE;
	if (mine == NULL && (mine = slot(db, now)) == NULL)
		return -ENOSPC;
	if (mine->state == DH_L_BOUND || st == DH_L_BOUND)
		db->dirty = true;
	if (mine->state == DH_L_FREE || memcmp(mine->mac, c->mac, 6) != 0 || mine->bd != p->bd ||
	    mine->vrf != p->vrf)
		memset(mine, 0, sizeof(*mine));
	mine->state = st;
	mine->is_static = is_static;
	mine->vrf = p->vrf;
	mine->bd = p->bd;
	mine->port = c->port;
	memcpy(mine->mac, c->mac, 6);
	memcpy(mine->src, c->src, 6);
	mine->ip = ip;
	mine->expires = exp;
	*out = mine;
	return 0;
}

int
dh_lease_offer(struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c, uint32_t want,
	       uint32_t static_ip, const uint32_t *reserved, unsigned int n_res, uint64_t now, struct dh_lease **out)
{
	struct dh_lease *mine = dh_lease_of(db, p->vrf, p->bd, c->mac), *at;
	uint64_t exp = now + DH_OFFER_HOLD_S;
	uint8_t st = DH_L_OFFERED;
	uint32_t ip = 0, h;

	if (static_ip != 0)
		return hold(db, p, c, mine, static_ip, true, mine != NULL && mine->state == DH_L_BOUND &&
			    mine->ip == static_ip ? DH_L_BOUND : DH_L_OFFERED,
			    mine != NULL && mine->state == DH_L_BOUND && mine->ip == static_ip ? mine->expires : exp,
			    now, out);
	if (!within_bounds(db, p, c, mine, now))
		return -EDQUOT;
	if (mine != NULL && in_pool(p, mine->ip) && !reserved_has(reserved, n_res, mine->ip) &&
	    ((at = dh_lease_at(db, p->vrf, p->bd, mine->ip, now)) == NULL || at == mine)) {
		ip = mine->ip;
		if (mine->state == DH_L_BOUND && live(mine, now)) {
			st = DH_L_BOUND;   /* a bound client that asks again keeps its lease as it is */
			exp = mine->expires;
		}
	} else if (want != 0 && in_pool(p, want) && !reserved_has(reserved, n_res, want) &&
		   dh_lease_at(db, p->vrf, p->bd, want, now) == NULL) {
		ip = want;
	} else if ((h = lowest_free(db, p, reserved, n_res, now)) != 0) {
		ip = htonl(h);
	} else {
		return -ENOSPC;
	}
	return hold(db, p, c, mine, ip, false, st, exp, now, out);
}

int
dh_lease_request(struct dh_leases *db, const struct dh_pool *p, const struct dh_client *c, uint32_t ip,
		 uint32_t static_ip, const uint32_t *reserved, unsigned int n_res, uint64_t now, struct dh_lease **out)
{
	struct dh_lease *mine = dh_lease_of(db, p->vrf, p->bd, c->mac);

	if (static_ip != 0) {
		if (ip != static_ip)
			return -ERANGE;
		return hold(db, p, c, mine, ip, true, DH_L_BOUND, now + p->lease_s, now, out);
	}
	if (!in_pool(p, ip) || reserved_has(reserved, n_res, ip))
		return -ERANGE;
	if (!within_bounds(db, p, c, mine, now))
		return -EDQUOT;
	return hold(db, p, c, mine, ip, false, DH_L_BOUND, now + p->lease_s, now, out);
}

int
dh_lease_release(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac, uint32_t ip)
{
	struct dh_lease *l = dh_lease_of(db, vrf, bd, mac);

	if (l == NULL || l->ip != ip)
		return -ENOENT;
	if (l->state == DH_L_BOUND)
		db->dirty = true;
	l->state = DH_L_FREE;
	return 0;
}

int
dh_lease_decline(struct dh_leases *db, uint16_t vrf, uint16_t bd, const uint8_t *mac, uint32_t ip, uint64_t now)
{
	struct dh_lease *l = dh_lease_of(db, vrf, bd, mac);

	if (l == NULL || l->ip != ip)
		return -ENOENT;
	if (l->state == DH_L_BOUND)
		db->dirty = true;
	l->state = DH_L_DECLINED;
	l->is_static = 0;
	memset(l->mac, 0, 6);
	l->expires = now + DH_DECLINE_HOLD_S;
	return 0;
}

unsigned int
dh_lease_expire(struct dh_leases *db, uint64_t now)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		struct dh_lease *l = &db->l[i];

		if (l->state == DH_L_FREE || l->expires > now)
			continue;
		if (l->state == DH_L_BOUND)
			db->dirty = true;
		l->state = DH_L_FREE;
		n++;
	}
	return n;
}

unsigned int
dh_lease_count(const struct dh_leases *db, enum dh_lstate state)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++)
		n += db->l[i].state == state;
	return n;
}

/* ----------------------------------------------------------- as JSON */

static void
mac_str(char *s, const uint8_t *m)
{
	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

json_t *
dh_lease_to_json(const struct dh_leases *db)
{
	json_t *rows = json_array();

	for (unsigned int i = 0; i < DH_LEASES_MAX; i++) {
		const struct dh_lease *l = &db->l[i];
		char mac[18], ip[INET_ADDRSTRLEN];

		if (l->state != DH_L_BOUND)
			continue;
		mac_str(mac, l->mac);
		inet_ntop(AF_INET, &l->ip, ip, sizeof(ip));
		json_array_append_new(rows, json_pack("{s:i,s:i,s:s,s:s,s:I,s:i,s:b,s:s}", "vrf", l->vrf, "bd", l->bd,
						      "mac", mac, "ip", ip, "expires", (json_int_t)l->expires,
						      "port", l->port, "static", l->is_static, "host", l->host));
	}
	return rows;
}

int
dh_lease_from_json(struct dh_leases *db, const json_t *rows, uint64_t now)
{
	const json_t *row;
	size_t i;
	int n = 0;

	if (!json_is_array(rows))
		return -EINVAL;
	json_array_foreach(rows, i, row) {
		json_int_t vrf = json_integer_value(json_object_get(row, "vrf"));
		json_int_t bd = json_integer_value(json_object_get(row, "bd"));
		json_int_t exp = json_integer_value(json_object_get(row, "expires"));
		json_int_t port = json_integer_value(json_object_get(row, "port"));
		const char *mac = json_string_value(json_object_get(row, "mac"));
		const char *ip = json_string_value(json_object_get(row, "ip"));
		const char *host = json_string_value(json_object_get(row, "host"));
		unsigned int m[6];
		struct dh_lease *l;
		struct in_addr a;
		char tail;

		if (vrf < 0 || vrf > UINT16_MAX || bd < 1 || bd > 4095 || exp <= (json_int_t)now || port < 0 ||
		    port > UINT16_MAX || mac == NULL || ip == NULL ||
		    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6 ||
		    inet_pton(AF_INET, ip, &a) != 1)
			continue;
		if ((l = slot(db, now)) == NULL)
			break;
		memset(l, 0, sizeof(*l));
		for (int k = 0; k < 6; k++)
			l->mac[k] = (uint8_t)m[k];
		if (dh_lease_of(db, (uint16_t)vrf, (uint16_t)bd, l->mac) != NULL ||
		    dh_lease_at(db, (uint16_t)vrf, (uint16_t)bd, a.s_addr, now) != NULL)
			continue;   /* the slot stays free: a duplicate row */
		l->state = DH_L_BOUND;
		l->vrf = (uint16_t)vrf;
		l->bd = (uint16_t)bd;
		l->port = (uint16_t)port;
		memcpy(l->src, l->mac, 6);
		l->ip = a.s_addr;
		l->expires = (uint64_t)exp;
		l->is_static = json_is_true(json_object_get(row, "static"));
		snprintf(l->host, sizeof(l->host), "%s", host != NULL ? host : "");
		n++;
	}
	return n;
}

int
dh_lease_save(struct dh_leases *db, const char *path)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	json_t *doc = json_pack("{s:i,s:o}", "version", 1, "leases", dh_lease_to_json(db));
	char *text = json_dumps(doc, JSON_INDENT(1));
	size_t len;
	int fd, rc = 0;

	json_decref(doc);
	if (text == NULL)
		return -ENOMEM;
	len = strlen(text);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		free(text);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	for (size_t off = 0; off < len && rc == 0;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	free(text);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	db->dirty = false;
	return 0;
}

int
dh_lease_load(struct dh_leases *db, const char *path, uint64_t now)
{
	json_error_t e;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	int n;

	if (doc == NULL)
		return access(path, F_OK) == 0 ? -EINVAL : -ENOENT;
	if (json_integer_value(json_object_get(doc, "version")) != 1) {
		json_decref(doc);
		return -EINVAL;
	}
	n = dh_lease_from_json(db, json_object_get(doc, "leases"), now);
	json_decref(doc);
	return n;
}
