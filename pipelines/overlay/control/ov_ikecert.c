/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikecert: IKEv2's certificates and RFC 7427 signatures (see ov_ikecert.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ov_ikecert.h"
#include "ov_ikemsg.h"

#define KEY_FILE_MAX	16384

struct ov_ikecert {
	X509 *cert;
	EVP_PKEY *key;
	X509_STORE *ca;
	uint8_t *der;
	size_t der_len;
	uint8_t req[20 * OV_IKECERT_CAS_MAX];
	size_t req_len;
};

/* RFC 7427's AlgorithmIdentifiers (appendix A), DER: what a signature is made with. */
static const struct alg {
	uint8_t der[16];
	uint8_t len;
	int key_type;		/* EVP_PKEY_EC, EVP_PKEY_RSA, EVP_PKEY_ED25519 */
	int bits;		/* EC: the curve's size this hash goes with (0: any) */
	const char *md;		/* NULL: none (Ed25519) */
} algs[] = {
	{ { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 }, 12, EVP_PKEY_EC, 256, "SHA256" },
	{ { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 }, 12, EVP_PKEY_EC, 384, "SHA384" },
	{ { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 }, 12, EVP_PKEY_EC, 521, "SHA512" },
	{ { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 }, 15,
	  EVP_PKEY_RSA, 0, "SHA256" },
	{ { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 }, 15,
	  EVP_PKEY_RSA, 0, "SHA384" },
	{ { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 }, 15,
	  EVP_PKEY_RSA, 0, "SHA512" },
	{ { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 }, 7, EVP_PKEY_ED25519, 0, NULL },
};

void
ov_ikecert_free(struct ov_ikecert *c)
{
	if (c == NULL)
		return;
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	X509_STORE_free(c->ca);
	OPENSSL_free(c->der);
	free(c);
}

/* The private key at @path: PEM, a file of sxcd's user no one else reads. */
static EVP_PKEY *
key_load(const char *path, char *why, size_t len)
{
	struct stat st;
	char *buf = NULL;
	EVP_PKEY *key = NULL;
	ssize_t n = -1;
	BIO *b;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(why, len, "its key file: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 && st.st_uid == geteuid() &&
	    st.st_size > 0 && st.st_size <= KEY_FILE_MAX && (buf = OPENSSL_secure_malloc(KEY_FILE_MAX)) != NULL)
		n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n <= 0) {
		snprintf(why, len, "its key file: not a file of mode 0600 or 0400 owned by uid %u, of at most %d bytes",
			 (unsigned int)geteuid(), KEY_FILE_MAX);
	} else if ((b = BIO_new_mem_buf(buf, (int)n)) != NULL) {
		key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
		if (key == NULL)
			snprintf(why, len, "its key file holds no PEM private key");
	}
	if (buf != NULL)
		OPENSSL_secure_clear_free(buf, KEY_FILE_MAX);
	return key;
}

static X509 *
cert_load(const char *path)
{
	FILE *f = fopen(path, "re");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose(f);
	return x;
}

/* The anchors of @path into the store, and the CERTREQ's hashes of them. */
static int
ca_load(struct ov_ikecert *c, const char *path, char *why, size_t len)
{
	FILE *f = fopen(path, "re");
	X509 *x;
	int n = 0;

	if (f == NULL || (c->ca = X509_STORE_new()) == NULL) {
		snprintf(why, len, "its CA file: %s", f == NULL ? strerror(errno) : "no memory");
		if (f != NULL)
			fclose(f);
		return -EINVAL;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		unsigned char *spki = NULL;
		int sl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
		unsigned int ml = 0;

		if (X509_STORE_add_cert(c->ca, x) != 1 || sl <= 0) {
			OPENSSL_free(spki);
			X509_free(x);
			fclose(f);
			snprintf(why, len, "its CA file: a certificate not taken");
			return -EINVAL;
		}
		if (n < OV_IKECERT_CAS_MAX && EVP_Digest(spki, (size_t)sl, c->req + 20 * n, &ml, EVP_sha1(), NULL) == 1)
			n++;
		OPENSSL_free(spki);
		X509_free(x);
	}
	fclose(f);
	ERR_clear_error();	/* the end of the file, read as a failure */
	if (n == 0) {
		snprintf(why, len, "its CA file holds no PEM certificate");
		return -EINVAL;
	}
	c->req_len = 20 * (size_t)n;
	return 0;
}

int
ov_ikecert_load(const char *cert_file, const char *key_file, const char *ca_file, struct ov_ikecert **out,
		char *why, size_t len)
{
	struct ov_ikecert *c = calloc(1, sizeof(*c));
	int dl;

	if (c == NULL)
		return -ENOMEM;
	if ((c->cert = cert_load(cert_file)) == NULL) {
		snprintf(why, len, "its certificate file holds no PEM certificate");
		goto fail;
	}
	if ((c->key = key_load(key_file, why, len)) == NULL)
		goto fail;
	if (X509_check_private_key(c->cert, c->key) != 1) {
		snprintf(why, len, "its key is not its certificate's");
		goto fail;
	}
	if (ca_load(c, ca_file, why, len) < 0)
		goto fail;
	if ((dl = i2d_X509(c->cert, &c->der)) <= 0 || dl > OV_IKECERT_DER_MAX) {
		snprintf(why, len, "its certificate is larger than %d bytes", OV_IKECERT_DER_MAX);
		goto fail;
	}
	c->der_len = (size_t)dl;
	*out = c;
	return 0;
fail:
	ERR_clear_error();
	ov_ikecert_free(c);
	return -EINVAL;
}

const uint8_t *
ov_ikecert_der(const struct ov_ikecert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

const uint8_t *
ov_ikecert_req(const struct ov_ikecert *c, size_t *len)
{
	*len = c->req_len;
	return c->req;
}

static bool
names(X509 *x, uint8_t type, const uint8_t *id, size_t len)
{
	char host[256];
	unsigned char *dn = NULL;
	int dl;
	bool ok;

	switch (type) {
	case OV_IKE_ID_FQDN:
		if (len == 0 || len >= sizeof(host) || memchr(id, 0, len) != NULL)
			return false;
		memcpy(host, id, len);
		host[len] = '\0';
		/* its subjectAltName's, never a wildcard, never the CN */
		return X509_check_host(x, host, len, X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
				       NULL) == 1;
	case OV_IKE_ID_IPV4_ADDR:
		return len == 4 && X509_check_ip(x, id, 4, 0) == 1;
	case OV_IKE_ID_DER_ASN1_DN:
		dl = i2d_X509_NAME(X509_get_subject_name(x), &dn);
		ok = dl > 0 && (size_t)dl == len && memcmp(dn, id, len) == 0;
		OPENSSL_free(dn);
		return ok;
	default:
		return false;
	}
}

bool
ov_ikecert_names(const struct ov_ikecert *c, uint8_t type, const uint8_t *id, size_t len)
{
	return names(c->cert, type, id, len);
}

/* The algorithm this box signs with: by its key's type (and an EC key's size). */
static const struct alg *
alg_of_key(EVP_PKEY *k)
{
	int type = EVP_PKEY_get_base_id(k), bits = EVP_PKEY_get_bits(k);

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].key_type == type && (type != EVP_PKEY_EC || algs[i].bits == bits))
			return &algs[i];
	return type == EVP_PKEY_RSA ? &algs[3] : NULL;
}

int
ov_ikecert_sign(const struct ov_ikecert *c, const uint8_t *octets, size_t n, uint8_t *out)
{
	const struct alg *a = alg_of_key(c->key);
	EVP_MD_CTX *mx = EVP_MD_CTX_new();
	size_t sl = OV_IKECERT_SIG_MAX - 1 - 16;
	int rc = -EIO;

	if (a == NULL) {
		EVP_MD_CTX_free(mx);
		return -ENOTSUP;
	}
	out[0] = a->len;
	memcpy(out + 1, a->der, a->len);
	if (mx != NULL && EVP_DigestSignInit_ex(mx, NULL, a->md, NULL, NULL, c->key, NULL) == 1 &&
	    EVP_DigestSign(mx, out + 1 + a->len, &sl, octets, n) == 1)
		rc = (int)(1 + a->len + sl);
	EVP_MD_CTX_free(mx);
	ERR_clear_error();
	return rc;
}

int
ov_ikecert_verify(const struct ov_ikecert *c, const uint8_t *const *certs, const size_t *lens, size_t n,
		  uint8_t type, const uint8_t *id, size_t id_len, const uint8_t *auth, size_t auth_len,
		  const uint8_t *octets, size_t olen)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE_CTX *sx = X509_STORE_CTX_new();
	EVP_MD_CTX *mx = NULL;
	const struct alg *a = NULL;
	X509 *leaf = NULL;
	int rc = -EACCES;

	if (chain == NULL || sx == NULL || n == 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = certs[i];
		X509 *x = lens[i] <= OV_IKECERT_DER_MAX ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;

		/* one that does not parse whole is no certificate of the chain */
		if (x == NULL || p != certs[i] + lens[i]) {
			X509_free(x);
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (sk_X509_push(chain, x) <= 0)
			X509_free(x);
	}
	if (X509_STORE_CTX_init(sx, c->ca, leaf, chain) != 1 || X509_verify_cert(sx) != 1)
		goto out;
	rc = -EPERM;
	if (!names(leaf, type, id, id_len))
		goto out;
	rc = -EBADMSG;
	if (auth_len < 2 || auth[0] == 0 || (size_t)auth[0] + 1 >= auth_len)
		goto out;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]) && a == NULL; i++)
		if (algs[i].len == auth[0] && memcmp(algs[i].der, auth + 1, auth[0]) == 0)
			a = &algs[i];
	if (a == NULL || EVP_PKEY_get_base_id(X509_get0_pubkey(leaf)) != a->key_type)
		goto out;
	if ((mx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(mx, NULL, a->md, NULL, NULL, X509_get0_pubkey(leaf), NULL) == 1 &&
	    EVP_DigestVerify(mx, auth + 1 + auth[0], auth_len - 1 - auth[0], octets, olen) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(mx);
	X509_STORE_CTX_free(sx);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return rc;
}
