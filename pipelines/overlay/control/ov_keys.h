/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_keys: sxcd's keying of ESP paths from the box's X25519 key (ov_keys.c); what the other keyings take of it. */
#ifndef OV_KEYS_H
#define OV_KEYS_H

#include <stdint.h>

/* The secret the box's key shares with the peer whose X25519 public key
 * is @pub_b64 (base64), into @out: 0, -EINVAL (no such key, or a
 * low-order one) or -ENODEV (the box's key is not loaded). The caller
 * wipes it. */
int ov_keys_shared(const char *pub_b64, uint8_t out[32]);
/* The same of the key a rotation replaced, while one is under way: 0,
 * -ENOENT (none), -EINVAL or -ENODEV. */
int ov_keys_shared_prev(const char *pub_b64, uint8_t out[32]);

#endif
