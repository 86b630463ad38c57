/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_join: a new box joins a fleet: the authority's address and a one-time token traded for its identity, kept in its state directory. */
/*
 * sxcd --enrol https://HOST:PORT --enrol-token sxe1.ID.SECRET.PIN: before
 * the loop starts, this box makes its key (EC P-256) and a CSR, reaches
 * the authority over TLS and goes on only if the certificate it shows is
 * the one the token pins (no CA file needed, nothing sent otherwise), and
 * POSTs /api/v1/enrol {"token", "csr"}. The answer (its site, its client
 * certificate, the store's address and CA) is written to DIR: enrol.key
 * (0600), enrol.crt, store-ca.crt, then enrolment.json last, whose being
 * there says the box is enrolled: a start after it uses what it holds and
 * the token is not asked for again (nor sent).
 */
#ifndef CD_JOIN_H
#define CD_JOIN_H

#include <limits.h>
#include <stdbool.h>

#define CD_JOIN_TIMEOUT_S 20

/* What a box enrolled holds (paths into its state directory). */
struct cd_join {
	char site[64];
	char store[1024];	/* etcd://EP[,EP]/PREFIX */
	char key[PATH_MAX], cert[PATH_MAX], ca[PATH_MAX];
	bool tls;		/* the store is etcd over TLS: the certificate is shown to it */
	bool have_ca;		/* ... and its CA is ca (else the system's) */
};

/* Enrolled already (@dir/enrolment.json), or enrol now with @url and
 * @token (NULL: not given): 0 and @out, or -errno with why in @err
 * (-EACCES: the authority refused, its reason said; -ENOENT: not enrolled
 * and no token). */
int cd_join(const char *dir, const char *url, const char *token, struct cd_join *out, char *err, size_t len);

#endif
