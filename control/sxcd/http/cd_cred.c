/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_cred (see cd_cred.h): named credentials, their tokens' hashes in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/crypto.h>

#include "cd_clock.h"
#include "cd_cred.h"
#include "cd_log.h"
#include "cd_secret.h"
#include "store.h"

#define KIND   "credentials"
#define PREFIX "sxc1."
#define ID_HEX 16

struct cd_creds {
	struct store *st;
	json_t *byname;	/* NAME → {"name", "role", "scope", "id", "hash", "serial", "created", "rotated"} */
	json_t *byid;	/* ID → the same object */
};

static const char *const roles[] = { [CD_ROLE_VIEWER] = "viewer", [CD_ROLE_OPERATOR] = "operator",
				     [CD_ROLE_ADMIN] = "admin" };

const char *
cd_role_name(enum cd_role r)
{
	return r >= CD_ROLE_VIEWER && r <= CD_ROLE_ADMIN ? roles[r] : "none";
}

enum cd_role
cd_role_of(const char *name)
{
	for (int r = CD_ROLE_VIEWER; name != NULL && r <= CD_ROLE_ADMIN; r++)
		if (strcmp(name, roles[r]) == 0)
			return (enum cd_role)r;
	return CD_ROLE_NONE;
}

static bool
valid_doc(const char *name, json_t *d)
{
	const char *id = json_string_value(json_object_get(d, "id"));
	const char *h = json_string_value(json_object_get(d, "hash"));
	json_t *sc = json_object_get(d, "scope");

	return strcmp(json_string_value(json_object_get(d, "name")) ?: "", name) == 0 &&
	       cd_role_of(json_string_value(json_object_get(d, "role"))) != CD_ROLE_NONE &&
	       id != NULL && strlen(id) == ID_HEX && strspn(id, "0123456789abcdef") == ID_HEX &&
	       h != NULL && strlen(h) == 64 && json_integer_value(json_object_get(d, "serial")) > 0 &&
	       (sc == NULL || json_is_null(sc) || json_is_array(sc));
}

int
cd_creds_open(struct store *st, struct cd_creds **out)
{
	struct cd_creds *c = calloc(1, sizeof(*c));
	json_t *bad = json_array(), *all, *d, *b;
	const char *name;
	size_t i;

	if (c == NULL || bad == NULL || (all = store_load_kind(st, KIND, bad)) == NULL) {
		free(c);
		json_decref(bad);
		return -ENOMEM;
	}
	*c = (struct cd_creds){ .st = st, .byname = json_object(), .byid = json_object() };
	json_array_foreach(bad, i, b)
		CD_LOG(ERR, "the store's %s.json does not read back: that credential is left out",
		       json_string_value(b));
	json_object_foreach(all, name, d) {
		if (!valid_doc(name, d) || json_object_get(c->byid, json_string_value(json_object_get(d, "id")))) {
			CD_LOG(ERR, "the store's %s/%s.json is not a credential: left out", KIND, name);
			continue;
		}
		json_object_set(c->byname, name, d);
		json_object_set(c->byid, json_string_value(json_object_get(d, "id")), d);
	}
	json_decref(all);
	json_decref(bad);
	*out = c;
	return 0;
}

void
cd_creds_free(struct cd_creds *c)
{
	if (c == NULL)
		return;
	json_decref(c->byname);
	json_decref(c->byid);
	free(c);
}

static void
who_of(json_t *d, struct cd_who *who)
{
	json_t *sc = json_object_get(d, "scope");

	snprintf(who->name, sizeof(who->name), "%s", json_string_value(json_object_get(d, "name")));
	who->role = cd_role_of(json_string_value(json_object_get(d, "role")));
	who->scope = json_is_array(sc) ? sc : NULL;
	who->serial = (uint64_t)json_integer_value(json_object_get(d, "serial"));
}

bool
cd_creds_check(struct cd_creds *c, const char *token, size_t len, struct cd_who *who)
{
	char id[ID_HEX + 1], hex[65];
	const size_t pl = strlen(PREFIX);
	json_t *d;
	bool ok;

	if (c == NULL || len != CD_CRED_TOKEN_LEN || strncmp(token, PREFIX, pl) != 0 || token[pl + ID_HEX] != '.')
		return false;
	memcpy(id, token + pl, ID_HEX);
	id[ID_HEX] = '\0';
	if ((d = json_object_get(c->byid, id)) == NULL ||
	    cd_sha256_hex(token + pl + ID_HEX + 1, len - pl - ID_HEX - 1, hex) < 0)
		return false;
	ok = CRYPTO_memcmp(hex, json_string_value(json_object_get(d, "hash")), 64) == 0;
	explicit_bzero(hex, sizeof(hex));
	if (ok)
		who_of(d, who);
	return ok;
}

bool
cd_creds_live(struct cd_creds *c, struct cd_who *who)
{
	json_t *d = c != NULL ? json_object_get(c->byname, who->name) : NULL;

	if (d == NULL || (uint64_t)json_integer_value(json_object_get(d, "serial")) != who->serial)
		return false;
	who_of(d, who);
	return true;
}

/* A new token into @token and its id and hash into @d (its serial too). */
static int
new_token(json_t *d, char *token)
{
	unsigned char raw[8 + 32];
	char id[ID_HEX + 1], hex[65], b64[64], *sec;
	uint64_t serial;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw) ||
	    getrandom(&serial, sizeof(serial), 0) != (ssize_t)sizeof(serial))
		return -EAGAIN;
	cd_hex(id, raw, 8);
	cd_b64url32(b64, raw + 8);
	snprintf(token, CD_CRED_TOKEN_LEN + 1, PREFIX "%s.%.43s", id, b64);
	sec = token + strlen(PREFIX) + ID_HEX + 1;
	if (cd_sha256_hex(sec, strlen(sec), hex) < 0)
		return -EIO;
	json_object_set_new(d, "id", json_string(id));
	json_object_set_new(d, "hash", json_string(hex));
	/* a session holds it: never the same after a rotation or a revocation and a remake */
	json_object_set_new(d, "serial", json_integer((json_int_t)(serial >> 11) | 1));
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	return 0;
}

int
cd_creds_valid(const char *name, enum cd_role role, json_t *scope, json_t *errs)
{
	size_t i, j, before = json_array_size(errs);
	json_t *v;

	if (!store_name_ok(name) || strlen(name) > STORE_NAME_MAX)
		json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", "/name", "reason", "bad_value",
						      "message", "1..63 of [A-Za-z0-9_.-], not starting with '.'"));
	if (role == CD_ROLE_NONE)
		json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", "/role", "reason", "bad_value",
						      "message", "viewer, operator or admin"));
	if (scope != NULL && (!json_is_array(scope) || json_array_size(scope) == 0 ||
			      json_array_size(scope) > CD_CRED_SCOPE_MAX))
		json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", "/scope", "reason", "bad_value",
						      "message", "1..256 tenants (slices' names), or none at all"));
	json_array_foreach(json_is_array(scope) ? scope : NULL, i, v) {
		bool twice = false;

		for (j = 0; j < i; j++)
			twice = twice || json_equal(v, json_array_get(scope, j));
		char ptr[32];

		snprintf(ptr, sizeof(ptr), "/scope/%zu", i);
		if (!json_is_string(v) || !store_name_ok(json_string_value(v)) || twice)
			json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", ptr, "reason",
							      twice ? "duplicate" : "bad_value", "message",
							      twice ? "named twice" : "a slice's name"));
	}
	if (role == CD_ROLE_ADMIN && scope != NULL)
		json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", "/scope", "reason", "bad_value",
						      "message", "an admin manages every credential: it has no scope"));
	return json_array_size(errs) > before ? -EINVAL : 0;
}

int
cd_creds_make(struct cd_creds *c, const char *name, enum cd_role role, json_t *scope, char *token, json_t *errs)
{
	char now[32];
	json_t *d;
	int rc;

	if (cd_creds_valid(name, role, scope, errs) < 0)
		return -EINVAL;
	if (json_object_get(c->byname, name) != NULL)
		return -EEXIST;
	if (json_object_size(c->byname) >= CD_CRED_MAX)
		return -ENOSPC;
	cd_clock_utc(now, sizeof(now), false);
	d = json_pack("{s:s,s:s,s:O?,s:s,s:s}", "name", name, "role", cd_role_name(role), "scope", scope,
		      "created", now, "rotated", now);
	if (d == NULL)
		return -ENOMEM;
	if ((rc = new_token(d, token)) < 0 || (rc = store_put(c->st, KIND, name, d)) < 0) {
		explicit_bzero(token, CD_CRED_TOKEN_LEN + 1);
		json_decref(d);
		return rc;
	}
	json_object_set(c->byname, name, d);
	json_object_set_new(c->byid, json_string_value(json_object_get(d, "id")), d);
	return 0;
}

int
cd_creds_rotate(struct cd_creds *c, const char *name, char *token)
{
	json_t *d = json_object_get(c->byname, name), *nd;
	char old[ID_HEX + 1], now[32];
	int rc;

	if (d == NULL)
		return -ENOENT;
	snprintf(old, sizeof(old), "%s", json_string_value(json_object_get(d, "id")));
	if ((nd = json_deep_copy(d)) == NULL)
		return -ENOMEM;
	json_object_set_new(nd, "rotated", json_string(cd_clock_utc(now, sizeof(now), false)));
	if ((rc = new_token(nd, token)) < 0 || (rc = store_put(c->st, KIND, name, nd)) < 0) {
		explicit_bzero(token, CD_CRED_TOKEN_LEN + 1);
		json_decref(nd);
		return rc;
	}
	json_object_del(c->byid, old);
	json_object_set(c->byname, name, nd);
	json_object_set_new(c->byid, json_string_value(json_object_get(nd, "id")), nd);
	return 0;
}

int
cd_creds_revoke(struct cd_creds *c, const char *name)
{
	json_t *d = json_object_get(c->byname, name);
	int rc;

	if (d == NULL)
		return -ENOENT;
	if ((rc = store_del(c->st, KIND, name)) < 0 && rc != -ENOENT)
		return rc;
	json_object_del(c->byid, json_string_value(json_object_get(d, "id")));
	json_object_del(c->byname, name);
	return 0;
}

json_t *
cd_creds_get(struct cd_creds *c, const char *name)
{
	json_t *d = json_object_get(c->byname, name);

	json_t *out;

	if (d == NULL || (out = json_pack("{s:O,s:O,s:O,s:O}", "name", json_object_get(d, "name"), "role",
					  json_object_get(d, "role"), "created", json_object_get(d, "created"),
					  "rotated", json_object_get(d, "rotated"))) == NULL)
		return NULL;
	if (json_is_array(json_object_get(d, "scope")))	/* none: every intent */
		json_object_set(out, "scope", json_object_get(d, "scope"));
	return out;
}

json_t *
cd_creds_list(struct cd_creds *c)
{
	json_t *items = json_array(), *d;
	const char *name;

	json_object_foreach(c->byname, name, d)
		json_array_append_new(items, cd_creds_get(c, name));
	(void)d;
	return json_pack("{s:o}", "items", items);
}
