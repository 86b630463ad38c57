/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_enrol (see cd_enrol.h): one-time enrolment tokens in the fleet's store, CSRs signed by the fleet's CA. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cd_cas.h"
#include "cd_clock.h"
#include "cd_enrol.h"
#include "cd_etcd.h"
#include "cd_log.h"
#include "cd_secret.h"
#include "store.h"

#define TOKEN_PREFIX "sxe1."
#define ID_HEX 16

struct cd_enrol {
	struct event_base *base;
	struct cd_etcd *etcd;
	char *prefix, *store_url, *store_ca, *crl;
	bool store_tls;
	X509 *ca;
	EVP_PKEY *ca_key;
	char pin[65];		/* SHA-256 of this box's HTTPS certificate, hex */
	uint64_t redeemed;
	json_t *refused;	/* reason → count */
};

/* One request under way. */
struct op {
	struct cd_enrol *e;
	cd_enrol_done *done;
	void *arg;
	char id[ID_HEX + 1], site[STORE_NAME_MAX + 1], hash[65], from[64];
	char *csr;
	json_int_t ttl, tok_rev, box_rev;
	json_t *tok, *box;	/* the token's and the site's records as read (NULL: none) */
	bool remove;
	char by[64];
};

static void
op_end(struct op *o, int code, json_t *body)
{
	o->done(o->arg, code, body);
	json_decref(o->tok);
	json_decref(o->box);
	free(o->csr);
	free(o);
}

static json_t *
err_body(int code, const char *reason, const char *msg)
{
	return json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "reason", reason, "message", msg);
}

static void
op_err(struct op *o, int code, const char *reason, const char *msg)
{
	op_end(o, code, err_body(code, reason, msg));
}

/* A request of @e's answered by @done(@arg): NULL when out of memory (answered so). */
static struct op *
op_new(struct cd_enrol *e, cd_enrol_done *done, void *arg)
{
	struct op *o = calloc(1, sizeof(*o));

	if (o == NULL)
		done(arg, 500, err_body(500, "no_memory", "out of memory"));
	else
		*o = (struct op){ .e = e, .done = done, .arg = arg };
	return o;
}

static void
refused(struct cd_enrol *e, const char *reason)
{
	json_object_set_new(e->refused, reason, json_integer(json_integer_value(json_object_get(e->refused, reason)) + 1));
}

/* ------------------------------------------------------------ set-up */

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&buf, &n, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* SHA-256 of @cert's DER in hex into @hex (65). */
static int
cert_pin(X509 *cert, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return -EIO;
	cd_hex(hex, md, n);
	return 0;
}

static X509 *
load_cert(const char *path)
{
	FILE *f = fopen(path, "re");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose(f);
	return x;
}

static int write_crl(struct cd_enrol *e, json_t *kvs);

int
cd_enrol_new(struct event_base *base, struct cd_etcd *etcd, const struct cd_enrol_conf *conf,
	     struct cd_enrol **out, char *err, size_t len)
{
	struct cd_enrol *e = calloc(1, sizeof(*e));
	X509 *tls = NULL;
	FILE *f;

	if (e == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	*e = (struct cd_enrol){ .base = base, .etcd = etcd, .prefix = strdup(conf->prefix),
				.store_url = strdup(conf->store_url), .refused = json_object(),
				.store_tls = conf->store_tls || conf->store_ca != NULL };
	if ((e->ca = load_cert(conf->ca_cert)) == NULL) {
		snprintf(err, len, "--enrol-ca-cert %s: no PEM certificate", conf->ca_cert);
		goto fail;
	}
	if ((f = fopen(conf->ca_key, "re")) == NULL || (e->ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    X509_check_private_key(e->ca, e->ca_key) != 1) {
		if (f != NULL)
			fclose(f);
		snprintf(err, len, "--enrol-ca-key %s: no PEM private key of --enrol-ca-cert's", conf->ca_key);
		goto fail;
	}
	fclose(f);
	if (conf->tls_cert == NULL || (tls = load_cert(conf->tls_cert)) == NULL || cert_pin(tls, e->pin) < 0) {
		snprintf(err, len, "an enrolment authority serves HTTPS (--tls-cert): a new box checks its certificate");
		X509_free(tls);
		goto fail;
	}
	X509_free(tls);
	if (conf->store_ca != NULL && (e->store_ca = read_file(conf->store_ca)) == NULL) {
		snprintf(err, len, "--store-cacert %s: cannot read it", conf->store_ca);
		goto fail;
	}
	if (conf->crl != NULL && (e->crl = strdup(conf->crl)) == NULL)
		goto fail;
	/* etcd reads the CRL at every handshake and refuses every client while
	 * it is missing: there is one from the first start on (empty) */
	if (e->crl != NULL && access(e->crl, F_OK) != 0) {
		json_t *none = json_array();
		int rc = write_crl(e, none);

		json_decref(none);
		if (rc < 0) {
			snprintf(err, len, "--enrol-crl %s: cannot write it: %s", e->crl, strerror(-rc));
			goto fail;
		}
	}
	if (e->prefix == NULL || e->store_url == NULL || e->refused == NULL) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	*out = e;
	return 0;
fail:
	cd_enrol_free(e);
	return -EINVAL;
}

void
cd_enrol_free(struct cd_enrol *e)
{
	if (e == NULL)
		return;
	X509_free(e->ca);
	EVP_PKEY_free(e->ca_key);
	free(e->prefix);
	free(e->store_url);
	free(e->store_ca);
	free(e->crl);
	json_decref(e->refused);
	free(e);
}

json_t *
cd_enrol_stats(const struct cd_enrol *e)
{
	return json_pack("{s:I,s:O}", "redeemed", (json_int_t)e->redeemed, "refused", e->refused);
}

/* ------------------------------------------------------------ the store */

static char *
key(struct cd_enrol *e, const char *what, const char *name)
{
	char *k = NULL;

	return asprintf(&k, "%s%s/%s", e->prefix, what, name) < 0 ? NULL : k;
}

/* The record (new) and mod_revision of the @i-th range of a txn's answer. */
static json_t *
range_kv(json_t *answer, size_t i, json_int_t *rev)
{
	json_t *kv = json_array_get(json_object_get(json_object_get(json_array_get(json_object_get(answer, "responses"), i),
								   "response_range"), "kvs"), 0);
	size_t n = 0;
	char *v;
	json_t *doc;

	*rev = kv != NULL ? cd_etcd_num(json_object_get(kv, "mod_revision")) : 0;
	if (kv == NULL || (v = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &n)) == NULL)
		return NULL;
	doc = json_loadb(v, n, JSON_REJECT_DUPLICATES, NULL);
	free(v);
	return json_is_object(doc) ? doc : (json_decref(doc), NULL);
}

/* Read token @id's record and site @site's (NULL: either not wanted: its
 * range is of a key that is none) in one linearizable txn, then @then(@o,
 * rc, answer): responses 0 and 1. */
static void
read_both(struct op *o, const char *id, const char *site, cd_etcd_cb *then)
{
	/* "-" is no token's id nor a site's name: a range of nothing */
	char *tk = key(o->e, "enrolments", id ? id : "-"), *bk = key(o->e, "enrolled", site ? site : "-");
	json_t *txn = json_pack("{s:[],s:[{s:{s:o}},{s:{s:o}}]}", "compare", "success", "request_range", "key",
				cd_etcd_b64j(tk ? tk : ""), "request_range", "key", cd_etcd_b64j(bk ? bk : ""));

	if (tk == NULL || bk == NULL || txn == NULL || cd_etcd_call(o->e->etcd, "kv/txn", txn, true, then, o) == NULL)
		op_err(o, 500, "no_memory", "out of memory");
	free(tk);
	free(bk);
	json_decref(txn);
}

static const char *
store_why(int rc)
{
	return rc == -ESTALE ? "another writer came between" : rc == -ENOTCONN ? "the fleet's store is unreachable" :
	       "the fleet's store did not say whether it took it";
}

/* ------------------------------------------------------------ make */

static void
made(void *arg, int rc, json_int_t rev)
{
	struct op *o = arg;
	char tok[256], exp[40];
	time_t t = (time_t)json_integer_value(json_object_get(o->tok, "expires"));
	struct tm tm;
	json_t *body;

	(void)rev;
	if (rc < 0) {
		op_err(o, rc == -ESTALE ? 409 : 503, rc == -ESTALE ? "exists" : "store_unreachable", store_why(rc));
		return;
	}
	gmtime_r(&t, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(tok, sizeof(tok), TOKEN_PREFIX "%s.%s.%s", o->id, json_string_value(json_object_get(o->tok, "secret")),
		 o->e->pin);
	body = json_pack("{s:s,s:s,s:s,s:s}", "id", o->id, "site", o->site, "expires", exp, "token", tok);
	explicit_bzero(tok, sizeof(tok));
	op_end(o, 201, body);
}

static void
make_read(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	struct cd_cas_op op;
	char *k, *val;
	json_t *rec;

	if (rc < 0) {
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	o->box = range_kv(answer, 1, &o->box_rev);
	if (o->box != NULL && strcmp(json_string_value(json_object_get(o->box, "state")) ?: "", "retired") != 0) {
		op_err(o, 409, "enrolled", "that site's box is enrolled: retire it first");
		return;
	}
	/* the record keeps the secret's hash alone; the secret goes in the answer once */
	rec = json_pack("{s:s,s:s,s:I,s:s,s:s}", "site", o->site, "hash", o->hash, "expires", o->ttl, "by", o->by,
			"state", "open");
	k = key(o->e, "enrolments", o->id);
	val = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	op = (struct cd_cas_op){ .key = k, .val = val, .rev = 0 };
	if (k == NULL || val == NULL || cd_cas_txn(o->e->base, o->e->etcd, &op, 1, made, o) < 0)
		op_err(o, 500, "no_memory", "out of memory");
	free(k);
	free(val);
}

void
cd_enrol_make(struct cd_enrol *e, const char *site, json_int_t ttl_s, const char *by, cd_enrol_done *done, void *arg)
{
	struct op *o = op_new(e, done, arg);
	unsigned char raw[8 + 32];
	char b64[64];

	if (o == NULL)
		return;
	if (site == NULL || !store_name_ok(site) || strlen(site) > STORE_NAME_MAX || ttl_s < 0 || ttl_s > CD_ENROL_TTL_MAX_S) {
		op_err(o, 400, "bad_value", "site: 1..63 of [A-Za-z0-9_.-]; ttl_s: 1..604800");
		return;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		op_err(o, 503, "no_entropy", "no randomness for a token: retry");
		return;
	}
	snprintf(o->site, sizeof(o->site), "%s", site);
	snprintf(o->by, sizeof(o->by), "%s", by ? by : "-");
	cd_hex(o->id, raw, 8);
	cd_b64url32(b64, raw + 8);
	cd_sha256_hex(b64, 43, o->hash);
	o->ttl = (json_int_t)time(NULL) + (ttl_s ? ttl_s : CD_ENROL_TTL_S);
	/* the secret rides in o->tok until the answer */
	o->tok = json_pack("{s:s,s:I}", "secret", b64, "expires", o->ttl);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	read_both(o, NULL, o->site, make_read);
}

/* ------------------------------------------------------------ list */

static void
listed(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	json_t *tokens = json_array(), *boxes = json_array(), *kv;
	size_t pl = strlen(o->e->prefix), i;

	if (rc < 0) {
		json_decref(tokens);
		json_decref(boxes);
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	for (int r = 0; r < 2; r++)
		json_array_foreach(json_object_get(json_object_get(json_array_get(json_object_get(answer, "responses"), r),
								   "response_range"), "kvs"), i, kv) {
			char *k = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL), *v;
			size_t n = 0;
			json_t *d;

			v = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &n);
			d = v ? json_loadb(v, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
			free(v);
			if (k != NULL && json_is_object(d) && strchr(k + pl, '/') != NULL) {
				json_object_del(d, "hash");	/* never a secret's trace */
				json_object_set_new(d, r == 0 ? "id" : "site", json_string(strchr(k + pl, '/') + 1));
				json_array_append(r == 0 ? tokens : boxes, d);
			}
			json_decref(d);
			free(k);
		}
	op_end(o, 200, json_pack("{s:o,s:o}", "tokens", tokens, "boxes", boxes));
}

void
cd_enrol_list(struct cd_enrol *e, cd_enrol_done *done, void *arg)
{
	struct op *o = op_new(e, done, arg);
	char *t = key(e, "enrolments", ""), *b = key(e, "enrolled", ""), *te = t ? cd_etcd_prefix_end(t) : NULL,
	     *be = b ? cd_etcd_prefix_end(b) : NULL;
	json_t *txn = t && b && te && be ? json_pack("{s:[],s:[{s:{s:o,s:o}},{s:{s:o,s:o}}]}", "compare", "success",
						     "request_range", "key", cd_etcd_b64j(t), "range_end", cd_etcd_b64j(te),
						     "request_range", "key", cd_etcd_b64j(b), "range_end",
						     cd_etcd_b64j(be)) : NULL;

	if (o != NULL && (txn == NULL || cd_etcd_call(e->etcd, "kv/txn", txn, true, listed, o) == NULL))
		op_err(o, 500, "no_memory", "out of memory");
	json_decref(txn);
	free(t);
	free(b);
	free(te);
	free(be);
}

/* ------------------------------------------------------------ one token's or box's state changed */

static void
changed(void *arg, int rc, json_int_t rev)
{
	struct op *o = arg;

	(void)rev;
	if (rc < 0) {
		op_err(o, rc == -ESTALE ? 409 : 503, rc == -ESTALE ? "changed" : "store_unreachable", store_why(rc));
		return;
	}
	op_end(o, 200, json_incref(o->tok ? o->tok : o->box));
}

/* @rec (taken) as @what/@name at @rev, then @then. */
static void
put_at(struct op *o, const char *what, const char *name, json_t *rec, json_int_t rev, cd_cas_done *then)
{
	char *k = key(o->e, what, name), *val = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	struct cd_cas_op op = { .key = k, .val = val, .rev = rev };

	if (k == NULL || val == NULL || cd_cas_txn(o->e->base, o->e->etcd, &op, 1, then, o) < 0)
		op_err(o, 500, "no_memory", "out of memory");
	json_decref(rec);
	free(k);
	free(val);
}

static void
revoke_read(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;

	if (rc < 0) {
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	if ((o->tok = range_kv(answer, 0, &o->tok_rev)) == NULL) {
		op_err(o, 404, "not_found", "no such enrolment token");
		return;
	}
	if (strcmp(json_string_value(json_object_get(o->tok, "state")) ?: "", "open") != 0) {
		op_err(o, 409, "not_open", "that token is used or revoked already");
		return;
	}
	json_object_set_new(o->tok, "state", json_string("revoked"));
	put_at(o, "enrolments", o->id, json_incref(o->tok), o->tok_rev, changed);
	json_object_del(o->tok, "hash");
}

void
cd_enrol_revoke(struct cd_enrol *e, const char *id, cd_enrol_done *done, void *arg)
{
	struct op *o = op_new(e, done, arg);

	if (o == NULL)
		return;
	if (id == NULL || strlen(id) != ID_HEX || strspn(id, "0123456789abcdef") != ID_HEX) {
		op_err(o, 404, "not_found", "no such enrolment token");
		return;
	}
	snprintf(o->id, sizeof(o->id), "%s", id);
	read_both(o, o->id, NULL, revoke_read);
}

/* ------------------------------------------------------------ redeem */

/* @req's key is one the fleet takes. */
static bool
key_ok(EVP_PKEY *k)
{
	int id = EVP_PKEY_get_base_id(k), bits = EVP_PKEY_get_bits(k);

	return (id == EVP_PKEY_EC && bits >= 256) || (id == EVP_PKEY_RSA && bits >= 2048) || id == EVP_PKEY_ED25519;
}

static int
add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int rc = ex != NULL && X509_add_ext(cert, ex, -1) == 1 ? 0 : -1;

	X509_EXTENSION_free(ex);
	return rc;
}

/* A client certificate for @site of @req's key, signed by the CA: its PEM
 * (new) and serial (hex) into @serial, NULL with why in @why. */
static char *
sign(struct cd_enrol *e, const char *site, const char *csr, char *serial, size_t slen, const char **why)
{
	BIO *in = BIO_new_mem_buf(csr, -1), *out = NULL;
	X509_REQ *req = in ? PEM_read_bio_X509_REQ(in, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pk = req ? X509_REQ_get0_pubkey(req) : NULL;
	X509 *cert = NULL;
	ASN1_INTEGER *sn = NULL;
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	char *pem = NULL, *hex = NULL;
	unsigned char r[16];
	long n;

	*why = "a PEM certificate request, signed by its key";
	if (req == NULL || pk == NULL || X509_REQ_verify(req, pk) != 1)
		goto out;
	*why = "its key: EC of 256 bits or more, Ed25519, or RSA of 2048 or more";
	if (!key_ok(pk))
		goto out;
	*why = "out of memory";
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		goto out;
	r[0] &= 0x7f;	/* positive, as RFC 5280 wants */
	if ((cert = X509_new()) == NULL || (bn = BN_bin2bn(r, sizeof(r), NULL)) == NULL ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || X509_set_version(cert, 2) != 1 ||
	    X509_set_serialNumber(cert, sn) != 1 || X509_gmtime_adj(X509_getm_notBefore(cert), -300) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * CD_ENROL_CERT_DAYS) == NULL ||
	    X509_set_issuer_name(cert, X509_get_subject_name(e->ca)) != 1 || X509_set_pubkey(cert, pk) != 1)
		goto out;
	/* the site is the authority's word, not the request's */
	if (X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "O", MBSTRING_ASC,
				       (const unsigned char *)"smartx-fastpath", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC, (const unsigned char *)site, -1,
				       -1, 0) != 1)
		goto out;
	X509V3_set_ctx(&ctx, e->ca, cert, NULL, NULL, 0);
	if (add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(cert, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(cert, &ctx, NID_ext_key_usage, "clientAuth") < 0 ||
	    add_ext(cert, &ctx, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(cert, &ctx, NID_authority_key_identifier, "keyid") < 0 ||
	    X509_sign(cert, e->ca_key, EVP_sha256()) <= 0 || (out = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(out, cert) != 1 || (hex = BN_bn2hex(bn)) == NULL)
		goto out;
	snprintf(serial, slen, "%s", hex);
	if ((n = BIO_get_mem_data(out, &pem)) > 0)
		pem = strndup(pem, (size_t)n);
	else
		pem = NULL;
	*why = NULL;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	X509_free(cert);
	X509_REQ_free(req);
	BIO_free(in);
	BIO_free(out);
	return *why == NULL ? pem : NULL;
}

static void
no(struct op *o, int code, const char *reason, const char *msg)
{
	refused(o->e, reason);
	CD_LOG(WARN, "enrolment: refused from %s: %s (%s)", o->from, reason, msg);
	op_err(o, code, reason, msg);
}

static void
redeemed(void *arg, int rc, json_int_t rev)
{
	struct op *o = arg;
	json_t *body;

	(void)rev;
	if (rc == -ESTALE) {
		no(o, 401, "used", "that token was used meanwhile");
		return;
	}
	if (rc < 0) {
		op_err(o, 503, "store_unreachable", store_why(rc));
		return;
	}
	o->e->redeemed++;
	CD_LOG(INFO, "enrolment: the box of site %s enrolled from %s (token %s, certificate %s)", o->site, o->from,
	       o->id, json_string_value(json_object_get(o->box, "serial")));
	body = json_pack("{s:s,s:O,s:s,s:b,s:s*}", "site", o->site, "certificate", json_object_get(o->box, "certificate"),
			 "store", o->e->store_url, "store_tls", o->e->store_tls, "store_ca", o->e->store_ca);
	op_end(o, 200, body);
}

static void redeem_site(void *arg, int rc, json_t *answer);

static void
redeem_read(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	const char *state;

	if (rc < 0) {
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	if ((o->tok = range_kv(answer, 0, &o->tok_rev)) == NULL ||
	    CRYPTO_memcmp(json_string_value(json_object_get(o->tok, "hash")) ?: "", o->hash, 64) != 0) {
		no(o, 401, "unknown", "not a token of this fleet's");
		return;
	}
	state = json_string_value(json_object_get(o->tok, "state")) ?: "";
	if (strcmp(state, "open") != 0) {
		no(o, 401, strcmp(state, "revoked") == 0 ? "revoked" : "used", strcmp(state, "revoked") == 0 ?
		   "that token was revoked" : "that token was used: a token enrols one box, once");
		return;
	}
	if (json_integer_value(json_object_get(o->tok, "expires")) < (json_int_t)time(NULL)) {
		no(o, 401, "expired", "that token expired: ask for another");
		return;
	}
	snprintf(o->site, sizeof(o->site), "%s", json_string_value(json_object_get(o->tok, "site")) ?: "");
	if (!store_name_ok(o->site)) {
		no(o, 401, "unknown", "not a token of this fleet's");
		return;
	}
	/* the token names its site: the site's record, then the rest */
	read_both(o, NULL, o->site, redeem_site);
}

static void
redeem_site(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	struct cd_cas_op ops[2];
	char serial[80], now[32], *pem, *tk, *bk, *tv = NULL, *bv = NULL;
	const char *why;
	json_t *box;

	if (rc < 0) {
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	o->box = range_kv(answer, 1, &o->box_rev);
	if (o->box != NULL && strcmp(json_string_value(json_object_get(o->box, "state")) ?: "", "retired") != 0) {
		no(o, 409, "enrolled", "that site's box is enrolled already");
		return;
	}
	if ((pem = sign(o->e, o->site, o->csr, serial, sizeof(serial), &why)) == NULL) {
		no(o, 400, "bad_csr", why);
		return;
	}
	json_object_set_new(o->tok, "state", json_string("used"));
	json_object_set_new(o->tok, "used", json_string(cd_clock_utc(now, sizeof(now), false)));
	json_object_set_new(o->tok, "used_from", json_string(o->from));
	box = json_pack("{s:s,s:s,s:s,s:s,s:s}", "state", "enrolled", "serial", serial, "enrolled", now, "token", o->id,
			"certificate", pem);
	free(pem);
	json_decref(o->box);
	o->box = box;
	tk = key(o->e, "enrolments", o->id);
	bk = key(o->e, "enrolled", o->site);
	tv = json_dumps(o->tok, JSON_COMPACT);
	bv = box ? json_dumps(box, JSON_COMPACT) : NULL;
	/* the token used and the site enrolled, both or neither */
	ops[0] = (struct cd_cas_op){ .key = tk, .val = tv, .rev = o->tok_rev };
	ops[1] = (struct cd_cas_op){ .key = bk, .val = bv, .rev = o->box_rev };
	if (tk == NULL || bk == NULL || tv == NULL || bv == NULL ||
	    cd_cas_txn(o->e->base, o->e->etcd, ops, 2, redeemed, o) < 0)
		op_err(o, 500, "no_memory", "out of memory");
	free(tk);
	free(bk);
	free(tv);
	free(bv);
}

void
cd_enrol_redeem(struct cd_enrol *e, const char *token, const char *csr, const char *from, cd_enrol_done *done,
		void *arg)
{
	struct op *o = op_new(e, done, arg);
	const size_t pl = strlen(TOKEN_PREFIX);

	if (o == NULL)
		return;
	o->csr = strdup(csr ? csr : "");
	snprintf(o->from, sizeof(o->from), "%s", from ? from : "-");
	/* sxe1.ID.SECRET.PIN (the pin is the new box's to check: not looked at here) */
	if (token == NULL || strncmp(token, TOKEN_PREFIX, pl) != 0 || strlen(token) < pl + ID_HEX + 1 + 43 ||
	    strspn(token + pl, "0123456789abcdef") != ID_HEX || token[pl + ID_HEX] != '.' ||
	    strspn(token + pl + ID_HEX + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != 43 ||
	    o->csr == NULL) {
		no(o, 401, "unknown", "not a token of this fleet's");
		return;
	}
	memcpy(o->id, token + pl, ID_HEX);
	cd_sha256_hex(token + pl + ID_HEX + 1, 43, o->hash);
	/* the site is the token's: its record is read once the token is */
	read_both(o, o->id, NULL, redeem_read);
}

/* ------------------------------------------------------------ retire */

/* The CRL file anew: every serial under PREFIX/revoked/, signed by the CA,
 * written to a temp file and renamed over (etcd --client-crl-file reads
 * it whole). 0 or -errno. */
static int
write_crl(struct cd_enrol *e, json_t *kvs)
{
	size_t pl = strlen(e->prefix) + strlen("revoked/"), i;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	char tmp[4096];
	json_t *kv;
	FILE *f;
	int rc = -ENOMEM;

	if (crl == NULL || t == NULL || X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(e->ca)) != 1 || X509_gmtime_adj(t, 0) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1 || X509_gmtime_adj(t, 86400L * 30) == NULL ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1)
		goto out;
	json_array_foreach(kvs, i, kv) {
		char *k = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL);
		X509_REVOKED *r = X509_REVOKED_new();
		BIGNUM *bn = NULL;
		ASN1_INTEGER *sn = NULL;

		if (k != NULL && strlen(k) > pl && BN_hex2bn(&bn, k + pl) > 0 && (sn = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
		    r != NULL && X509_REVOKED_set_serialNumber(r, sn) == 1 && X509_gmtime_adj(t, 0) != NULL &&
		    X509_REVOKED_set_revocationDate(r, t) == 1 && X509_CRL_add0_revoked(crl, r) == 1)
			r = NULL;
		X509_REVOKED_free(r);
		ASN1_INTEGER_free(sn);
		BN_free(bn);
		free(k);
	}
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, e->ca_key, EVP_sha256()) <= 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", e->crl);
	rc = -errno;
	if ((f = fopen(tmp, "we")) == NULL)
		goto out;
	rc = PEM_write_X509_CRL(f, crl) == 1 && fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -EIO;
	if (fclose(f) != 0 || rc < 0 || rename(tmp, e->crl) != 0) {
		rc = rc < 0 ? rc : -errno;
		unlink(tmp);
	}
out:
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return rc;
}

static void
crl_read(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	int w = rc == 0 ? write_crl(o->e, json_object_get(answer, "kvs")) : rc;

	if (w < 0)
		CD_LOG(ERR, "enrolment: the CRL %s is not written again (%s): site %s's certificate is revoked in "
		       "the store alone", o->e->crl, strerror(-w), o->site);
	op_end(o, 200, json_incref(o->box));
}

static void
retired_answer(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	char *rk, *re;
	json_t *req;

	if (rc < 0 || !json_is_true(json_object_get(answer, "succeeded"))) {
		op_err(o, rc < 0 ? 503 : 409, rc < 0 ? "store_unreachable" : "changed", rc < 0 ?
		       "the fleet's store did not say whether it took it" : "another writer came between: read it again");
		return;
	}
	CD_LOG(INFO, "enrolment: the box of site %s retired, its certificate %s revoked, its intents %s", o->site,
	       json_string_value(json_object_get(o->box, "serial")), o->remove ? "removed" : "kept");
	if (o->e->crl == NULL) {
		op_end(o, 200, json_incref(o->box));
		return;
	}
	rk = key(o->e, "revoked", "");
	re = rk ? cd_etcd_prefix_end(rk) : NULL;
	req = rk && re ? json_pack("{s:o,s:o}", "key", cd_etcd_b64j(rk), "range_end", cd_etcd_b64j(re)) : NULL;
	if (req == NULL || cd_etcd_call(o->e->etcd, "kv/range", req, true, crl_read, o) == NULL)
		crl_read(o, -ENOMEM, NULL);
	json_decref(req);
	free(rk);
	free(re);
}

static void
retire_read(void *arg, int rc, json_t *answer)
{
	struct op *o = arg;
	char *bk, *bv, *rk, *rv, *sk, *se, now[32];
	json_t *txn, *ok;

	if (rc < 0) {
		op_err(o, 503, "store_unreachable", "the fleet's store did not answer");
		return;
	}
	if ((o->box = range_kv(answer, 1, &o->box_rev)) == NULL ||
	    strcmp(json_string_value(json_object_get(o->box, "state")) ?: "", "enrolled") != 0) {
		op_err(o, 404, "not_found", "no box enrolled for that site");
		return;
	}
	json_object_set_new(o->box, "state", json_string("retired"));
	json_object_set_new(o->box, "retired", json_string(cd_clock_utc(now, sizeof(now), false)));
	json_object_set_new(o->box, "intents", json_string(o->remove ? "removed" : "kept"));
	bk = key(o->e, "enrolled", o->site);
	rk = key(o->e, "revoked", json_string_value(json_object_get(o->box, "serial")) ?: "-");
	sk = key(o->e, "sites", o->site);
	se = NULL;
	if (sk != NULL) {
		char *s2 = NULL;

		/* the site's own intents: PREFIX/sites/SITE/... */
		if (asprintf(&s2, "%s/", sk) > 0) {
			free(sk);
			sk = s2;
			se = cd_etcd_prefix_end(sk);
		}
	}
	bv = json_dumps(o->box, JSON_COMPACT);
	ok = json_pack("{s:s,s:s}", "site", o->site, "revoked", now);
	rv = ok ? json_dumps(ok, JSON_COMPACT) : NULL;
	json_decref(ok);
	ok = json_pack("[{s:{s:o,s:o}},{s:{s:o,s:o}}]", "request_put", "key", cd_etcd_b64j(bk ? bk : ""), "value",
		       cd_etcd_b64j(bv ? bv : ""), "request_put", "key", cd_etcd_b64j(rk ? rk : ""), "value",
		       cd_etcd_b64j(rv ? rv : ""));
	if (o->remove && ok != NULL && sk != NULL && se != NULL)
		json_array_append_new(ok, json_pack("{s:{s:o,s:o}}", "request_delete_range", "key", cd_etcd_b64j(sk),
						    "range_end", cd_etcd_b64j(se)));
	/* as it was read: a retirement that raced another is refused whole */
	txn = json_pack("{s:[{s:s,s:s,s:o,s:I}],s:o}", "compare", "result", "EQUAL", "target", "MOD", "key",
			cd_etcd_b64j(bk ? bk : ""), "mod_revision", o->box_rev, "success", ok);
	if (bk == NULL || rk == NULL || bv == NULL || rv == NULL || txn == NULL ||
	    cd_etcd_call(o->e->etcd, "kv/txn", txn, false, retired_answer, o) == NULL)
		op_err(o, 500, "no_memory", "out of memory");
	json_decref(txn);
	free(bk);
	free(bv);
	free(rk);
	free(rv);
	free(sk);
	free(se);
}

void
cd_enrol_retire(struct cd_enrol *e, const char *site, bool remove, cd_enrol_done *done, void *arg)
{
	struct op *o = op_new(e, done, arg);

	if (o == NULL)
		return;
	o->remove = remove;
	if (site == NULL || !store_name_ok(site) || strlen(site) > STORE_NAME_MAX) {
		op_err(o, 404, "not_found", "no box enrolled for that site");
		return;
	}
	snprintf(o->site, sizeof(o->site), "%s", site);
	read_both(o, NULL, o->site, retire_read);
}
