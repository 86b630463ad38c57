/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_secret: the forms sxcd's secrets and their traces take (hex, base64url, SHA-256 in hex), written once. */
#ifndef CD_SECRET_H
#define CD_SECRET_H

#include <stddef.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* @n bytes of @b as lower-case hex into @out (2n + 1): @out. */
static inline char *
cd_hex(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = '\0';
	return out;
}

/* SHA-256 of @n bytes of @s in hex into @hex (65). 0, or -1. */
static inline int
cd_sha256_hex(const void *s, size_t n, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	cd_hex(hex, md, len);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* 32 bytes of @b as base64url without padding: 43 characters and a NUL
 * into @out (45 or more). */
static inline void
cd_b64url32(char *out, const unsigned char b[32])
{
	int n = EVP_EncodeBlock((unsigned char *)out, b, 32);	/* 44, one '=' */

	for (int i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	out[43] = '\0';
}

#endif
