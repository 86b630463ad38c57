/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_keys: sxcd's keying of ESP paths from the box's X25519 key (ov_keys.c); what the other keyings take of it. */
#ifndef OV_KEYS_H
#define OV_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#define OV_KEYS_NAME_MAX 160	/* an SA's name, IPv6 addresses and every tag in it */

/* The secret the box's key shares with the peer whose X25519 public key
 * is @pub_b64 (base64), into @out: 0, -EINVAL (no such key, or a
 * low-order one) or -ENODEV (the box's key is not loaded). The caller
 * wipes it. */
int ov_keys_shared(const char *pub_b64, uint8_t out[32]);
/* The same of the key a rotation replaced, while one is under way: 0,
 * -ENOENT (none), -EINVAL or -ENODEV. */
int ov_keys_shared_prev(const char *pub_b64, uint8_t out[32]);

/* The ESP SA of direction @src -> @dst at @epoch, of @lane and generation
 * @gen, from the secret @shared: 36 bytes of key then salt (AES-256's key
 * and salt, or AES-128's key, 16 bytes unused, and salt) and the SPI, by
 * HKDF-SHA256. The addresses are 16 bytes each as the tables' "ip" type
 * has them (dp_addr.h: IPv4 mapped), both of the path's family; the info
 * holds IPv4's as 4 bytes, so an IPv4 SA is what it always was. 0,
 * -EINVAL (two families) or -EIO. */
int ov_keys_derive(const uint8_t shared[32], const uint8_t src[16], const uint8_t dst[16], uint64_t epoch,
		   bool aes256, uint8_t lane, uint32_t gen, uint8_t key[36], uint32_t *spi);
/* An SA's name, what sxcd keys the SAs it holds and their stored
 * sequence numbers by: "in|SRC|DST|EPOCH" ("out|..."), the lane, the
 * generation, NAT-T and @marker ("~old", "~was" or "") after DST when
 * set: "in|SRC|DST#LANE~gGEN~nat~old|EPOCH". The addresses are their
 * family's text (IPv4 dotted). */
void ov_keys_sa_name(char name[OV_KEYS_NAME_MAX], bool out, const uint8_t src[16], const uint8_t dst[16],
		     uint8_t lane, uint32_t gen, bool natt, const char *marker, uint64_t epoch);

#endif
