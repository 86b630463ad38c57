/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_cred: named credentials: a role (viewer, operator, admin) and optionally a scope of tenants; made, listed, rotated, revoked; a token checked in constant time per credential. */
/*
 * A credential's token is "sxc1.ID.SECRET": ID 16 hex digits (its
 * lookup key: a check is one hash lookup and one SHA-256, whatever the
 * number of credentials), SECRET 43 base64url characters of 32 random
 * bytes. Only SECRET's SHA-256 is kept (the secret is as random as a key:
 * a slow hash would add nothing); the token is shown once, when it is
 * made or rotated. Kept in the store as credentials/NAME.json (mode 0600
 * like every store file), so they outlive a restart.
 *
 * A scope is a set of tenants: intents of a tenant kind (a slice) named
 * in it, and the intents whose parent is one of them (a slice's VDNs,
 * policies, UPFs). A scoped credential sees and changes those alone; an
 * unscoped one, every intent. The role says what it may do: viewer
 * reads, operator also writes intents, admin also manages credentials.
 *
 * A credential's serial changes when it is rotated and it is gone when
 * revoked: a session made with it (cd_auth) holds its name and serial,
 * and ends at its next use after either.
 */
#ifndef CD_CRED_H
#define CD_CRED_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct store;
struct cd_creds;

enum cd_role { CD_ROLE_NONE = 0, CD_ROLE_VIEWER, CD_ROLE_OPERATOR, CD_ROLE_ADMIN };

#define CD_CRED_MAX       10000	/* credentials per box */
#define CD_CRED_SCOPE_MAX 256	/* tenants in a scope */
#define CD_CRED_TOKEN_LEN (5 + 16 + 1 + 43)

/* Who a request is: a credential as it was checked. */
struct cd_who {
	char name[64];
	enum cd_role role;
	json_t *scope;		/* ["tenant", ...] (a reference), NULL: every intent */
	uint64_t serial;	/* the credential's (0: the token file's, or none) */
};

/* The credentials in @st (borrowed). 0, or -errno. A stored one that
 * does not read back is left out and said in the log. */
int cd_creds_open(struct store *st, struct cd_creds **out);
void cd_creds_free(struct cd_creds *c);

/* @token's credential into @who: true, or false (not one of them). */
bool cd_creds_check(struct cd_creds *c, const char *token, size_t len, struct cd_who *who);
/* Is @name at @serial still a credential (a session's)? Its scope then
 * into @who. */
bool cd_creds_live(struct cd_creds *c, struct cd_who *who);

/* Are these a credential's: 0, or -EINVAL with what is wrong in @errs. */
int cd_creds_valid(const char *name, enum cd_role role, json_t *scope, json_t *errs);
/* Make @name (@role; @scope: an array of tenants, NULL every intent):
 * its token into @token (CD_CRED_TOKEN_LEN + 1). 0, -EEXIST, -EINVAL
 * (what is wrong in @errs), -ENOSPC (CD_CRED_MAX), or the store's -errno. */
int cd_creds_make(struct cd_creds *c, const char *name, enum cd_role role, json_t *scope, char *token,
		  json_t *errs);
/* A new token for @name (the old one ends, and its sessions): 0, -ENOENT, -errno. */
int cd_creds_rotate(struct cd_creds *c, const char *name, char *token);
/* @name revoked (its token and sessions end now): 0, -ENOENT, -errno. */
int cd_creds_revoke(struct cd_creds *c, const char *name);
/* Every credential without its secret: {"items": [{"name", "role",
 * "scope", "created", "rotated"}]} (new). */
json_t *cd_creds_list(struct cd_creds *c);
json_t *cd_creds_get(struct cd_creds *c, const char *name);

const char *cd_role_name(enum cd_role r);
enum cd_role cd_role_of(const char *name);

#endif
