/* SPDX-License-Identifier: BSD-3-Clause */
/* What the features' property compiles share (a slice's edge, firewall, DHCP): a refusal's pointer, reason and message, IPv4's words. */
/*
 * A feature that hangs a property on an intent (pipelines/<f>/control/
 * <p>_spec.c, pure C its sxcd hook and sxctl both link) checks and
 * compiles it by itself; these are the pieces every such compile writes
 * the same way.
 */
#ifndef INTENT_SPEC_H
#define INTENT_SPEC_H

#include <stdint.h>
#include <arpa/inet.h>

/* Why a property was refused: a JSON pointer into it ("/rules/2/sport"),
 * a reason word (bad_value, missing, duplicate, ...) and a message. */
struct spec_err {
	char ptr[64];
	const char *reason;
	char msg[224];
};

/* Fill @err; returns -EINVAL. */
int spec_refuse(struct spec_err *err, const char *ptr, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* An IPv4 prefix length's mask (host order). */
static inline uint32_t
spec_mask4(unsigned int plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

/* An IPv4 address (host order) as text in @buf (INET_ADDRSTRLEN). */
const char *spec_text4(uint32_t host, char *buf);

/* "A.B.C.D[/LEN]" (LEN 0..32, 32 without) into *@a (host order) and
 * *@plen; -1 when it is not one. */
int spec_parse4(const char *s, uint32_t *a, unsigned int *plen);

#endif
