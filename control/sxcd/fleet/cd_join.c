/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_join (see cd_join.h): a key, a CSR, one pinned TLS request to the authority, the answer kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cd_join.h"
#include "cd_secret.h"

#define ANSWER_MAX (1u << 20)

static int
paths(struct cd_join *j, const char *dir)
{
	if (snprintf(j->key, sizeof(j->key), "%s/enrol.key", dir) >= (int)sizeof(j->key) ||
	    snprintf(j->cert, sizeof(j->cert), "%s/enrol.crt", dir) >= (int)sizeof(j->cert) ||
	    snprintf(j->ca, sizeof(j->ca), "%s/store-ca.crt", dir) >= (int)sizeof(j->ca))
		return -ENAMETOOLONG;
	return 0;
}

/* @text as @path (@mode), durably: a temp file, fsync, rename. */
static int
put_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX + 8];
	size_t n = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0)
		rc = -errno ? -errno : -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Enrolled before: what @dir holds. */
static int
held(const char *dir, struct cd_join *out, char *err, size_t len)
{
	char p[PATH_MAX];
	json_error_t je;
	json_t *d;

	snprintf(p, sizeof(p), "%s/enrolment.json", dir);
	if ((d = json_load_file(p, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return access(p, F_OK) == 0 ? (snprintf(err, len, "%s: %s", p, je.text), -EINVAL) : -ENOENT;
	snprintf(out->site, sizeof(out->site), "%s", json_string_value(json_object_get(d, "site")) ?: "");
	snprintf(out->store, sizeof(out->store), "%s", json_string_value(json_object_get(d, "store")) ?: "");
	out->have_ca = json_is_true(json_object_get(d, "store_ca"));
	out->tls = json_is_true(json_object_get(d, "store_tls")) || out->have_ca;
	json_decref(d);
	if (out->site[0] == '\0' || strncmp(out->store, "etcd://", 7) != 0) {
		snprintf(err, len, "%s: no site or store in it", p);
		return -EINVAL;
	}
	return 0;
}

/* A new EC P-256 key (its PEM into *@pem) and a CSR of it (*@csr). */
static int
make_csr(EVP_PKEY **key, char **pem, char **csr)
{
	X509_REQ *req = X509_REQ_new();
	BIO *kb = BIO_new(BIO_s_mem()), *rb = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc = -ENOMEM;

	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	*pem = *csr = NULL;
	if (*key == NULL || req == NULL || kb == NULL || rb == NULL || X509_REQ_set_version(req, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
				       (const unsigned char *)"sxcd-enrolling", -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, *key) != 1 || X509_REQ_sign(req, *key, EVP_sha256()) <= 0 ||
	    PEM_write_bio_PrivateKey(kb, *key, NULL, NULL, 0, NULL, NULL) != 1 || PEM_write_bio_X509_REQ(rb, req) != 1)
		goto out;
	if ((n = BIO_get_mem_data(kb, &p)) <= 0 || (*pem = strndup(p, (size_t)n)) == NULL ||
	    (n = BIO_get_mem_data(rb, &p)) <= 0 || (*csr = strndup(p, (size_t)n)) == NULL)
		goto out;
	rc = 0;
out:
	X509_REQ_free(req);
	BIO_free(kb);
	BIO_free(rb);
	return rc;
}

/* POST @body to @host:@port's /api/v1/enrol over TLS, its certificate the
 * one @pin names: the status into *@code, the body into *@answer (new). */
static int
post(const char *host, const char *port, const char *pin, const char *body, int *code, json_t **answer, char *err,
     size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct timeval tv = { CD_JOIN_TIMEOUT_S, 0 };
	char target[600], hex[65], *buf = NULL, *req = NULL, *b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdn = 0;
	size_t have = 0;
	X509 *peer = NULL;
	SSL *ssl = NULL;
	BIO *bio = NULL;
	int rc = -EIO, fd, n;

	*answer = NULL;
	snprintf(target, sizeof(target), "%s:%s", host, port);
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    (bio = BIO_new_ssl_connect(ctx)) == NULL || BIO_get_ssl(bio, &ssl) != 1 ||
	    BIO_set_conn_hostname(bio, target) != 1) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
	if (strchr(host, ':') == NULL && strspn(host, "0123456789.") != strlen(host))
		SSL_set_tlsext_host_name(ssl, host);
	if (BIO_do_connect(bio) <= 0) {
		snprintf(err, len, "cannot reach %s over TLS: %s", target, ERR_reason_error_string(ERR_get_error()) ?: "refused");
		goto out;
	}
	if ((fd = (int)BIO_get_fd(bio, NULL)) >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	/* the authority is the one the token names, or nothing is sent */
	if ((peer = SSL_get1_peer_certificate(ssl)) == NULL || X509_digest(peer, EVP_sha256(), md, &mdn) != 1) {
		snprintf(err, len, "%s showed no certificate", target);
		goto out;
	}
	cd_hex(hex, md, mdn);
	if (strlen(pin) != 64 || CRYPTO_memcmp(hex, pin, 64) != 0) {
		snprintf(err, len, "%s's certificate is not the one the token names (SHA-256 %s): nothing sent", target, hex);
		rc = -EACCES;
		goto out;
	}
	if (asprintf(&req, "POST /api/v1/enrol HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		     "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", target,
		     strlen(body), body) < 0 || BIO_write(bio, req, (int)strlen(req)) != (int)strlen(req) ||
	    BIO_flush(bio) != 1) {
		snprintf(err, len, "%s: the request did not go", target);
		goto out;
	}
	if ((buf = malloc(ANSWER_MAX + 1)) == NULL)
		goto out;
	while (have < ANSWER_MAX && (n = BIO_read(bio, buf + have, (int)(ANSWER_MAX - have))) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", code) != 1 || (b = strstr(buf, "\r\n\r\n")) == NULL) {
		snprintf(err, len, "%s: no HTTP answer", target);
		goto out;
	}
	*answer = json_loads(b + 4, JSON_REJECT_DUPLICATES, NULL);
	rc = 0;
out:
	if (req != NULL) {
		explicit_bzero(req, strlen(req));
		free(req);
	}
	free(buf);
	X509_free(peer);
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return rc;
}

int
cd_join(const char *dir, const char *url, const char *token, struct cd_join *out, char *err, size_t len)
{
	char host[256], port[8] = "8181", *body = NULL, *pem = NULL, *csr = NULL, p[PATH_MAX];
	const char *pin, *h, *e;
	EVP_PKEY *key = NULL;
	json_t *ans = NULL, *doc;
	int rc, code = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = paths(out, dir)) < 0) {
		snprintf(err, len, "%s: too long a path", dir);
		return rc;
	}
	if ((rc = held(dir, out, err, len)) != -ENOENT)
		return rc;
	if (url == NULL || token == NULL) {
		snprintf(err, len, "not enrolled: give --enrol https://HOST[:PORT] and --enrol-token");
		return -ENOENT;
	}
	/* https://HOST[:PORT] (an IPv6 address in brackets) */
	if (strncmp(url, "https://", 8) != 0) {
		snprintf(err, len, "--enrol %s: https://HOST[:PORT]: the authority answers over TLS", url);
		return -EINVAL;
	}
	h = url + 8;
	if (*h == '[') {
		e = strchr(h, ']');
		snprintf(host, sizeof(host), "%.*s", e ? (int)(e - h - 1) : 0, h + 1);
		e = e ? e + 1 : h;
	} else {
		e = h + strcspn(h, ":/");
		snprintf(host, sizeof(host), "%.*s", (int)(e - h), h);
	}
	if (*e == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(e + 1, "/"), e + 1);
	if (host[0] == '\0' || (*e != '\0' && *e != ':' && strcmp(e, "/") != 0) || strspn(port, "0123456789") != strlen(port)) {
		snprintf(err, len, "--enrol %s: https://HOST[:PORT]", url);
		return -EINVAL;
	}
	/* sxe1.ID.SECRET.PIN: the pin is the last part */
	if ((pin = strrchr(token, '.')) == NULL || strncmp(token, "sxe1.", 5) != 0) {
		snprintf(err, len, "--enrol-token: not an enrolment token (sxe1.ID.SECRET.PIN)");
		return -EINVAL;
	}
	pin++;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if ((rc = make_csr(&key, &pem, &csr)) < 0) {
		snprintf(err, len, "no key or CSR: out of memory");
		goto out;
	}
	doc = json_pack("{s:s,s:s}", "token", token, "csr", csr);
	body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (body == NULL || (rc = post(host, port, pin, body, &code, &ans, err, len)) < 0)
		goto out;
	if (code != 200) {
		json_t *er = json_object_get(ans, "error");

		snprintf(err, len, "the authority refused the enrolment: %d %s: %s", code,
			 json_string_value(json_object_get(er, "reason")) ?: "-",
			 json_string_value(json_object_get(er, "message")) ?: "");
		rc = -EACCES;
		goto out;
	}
	snprintf(out->site, sizeof(out->site), "%s", json_string_value(json_object_get(ans, "site")) ?: "");
	snprintf(out->store, sizeof(out->store), "%s", json_string_value(json_object_get(ans, "store")) ?: "");
	out->have_ca = json_is_string(json_object_get(ans, "store_ca"));
	out->tls = json_is_true(json_object_get(ans, "store_tls")) || out->have_ca;
	if (out->site[0] == '\0' || strncmp(out->store, "etcd://", 7) != 0 ||
	    !json_is_string(json_object_get(ans, "certificate"))) {
		snprintf(err, len, "the authority's answer has no site, store or certificate");
		rc = -EPROTO;
		goto out;
	}
	/* the key and certificates first, enrolment.json last: its being there says all is */
	doc = json_pack("{s:s,s:s,s:b,s:b}", "site", out->site, "store", out->store, "store_tls", out->tls, "store_ca",
			out->have_ca);
	snprintf(p, sizeof(p), "%s/enrolment.json", dir);
	{
		char *dj = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;

		json_decref(doc);
		if ((rc = put_file(out->key, pem, 0600)) < 0 ||
		    (rc = put_file(out->cert, json_string_value(json_object_get(ans, "certificate")), 0644)) < 0 ||
		    (out->have_ca && (rc = put_file(out->ca, json_string_value(json_object_get(ans, "store_ca")), 0644)) < 0) ||
		    (rc = dj ? put_file(p, dj, 0600) : -ENOMEM) < 0)
			snprintf(err, len, "%s: cannot keep the enrolment: %s", dir, strerror(-rc));
		free(dj);
	}
out:
	if (pem != NULL) {
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (body != NULL) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	free(csr);
	EVP_PKEY_free(key);
	json_decref(ans);
	return rc;
}
