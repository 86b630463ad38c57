/* The values of table fields and params as requests write them and answers
 * show them (dp_tblrpc.c's table.* methods): each dp_type's text or
 * integer, address prefixes, an "ip" field's family-bound masks, and a
 * value a template may carry. */
#ifndef DP_TBLVAL_H
#define DP_TBLVAL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "dp_rpc_err.h"
#include "dp_ttypes.h"

/* A scalar of a request as the value parsers read it, from a JSON tree or
 * straight from the text (the fast path): a JSON integer, a string (s), or
 * another JSON type (neither). */
struct dp_tblval {
	bool is_int;
	json_int_t i;
	const char *s;
};

struct dp_tblval dp_tblval_json(const json_t *v);
/* One value of type t (at most bound, 0: the type's), written to out in
 * network order; ptr names it in an error. 0, or -1 with err set. A str
 * (bound: its max, 1..) is written NUL-padded to bound bytes. */
int dp_tblval_parse(const struct dp_tblval *v, enum dp_type t, uint32_t bound, uint8_t *out, const char *ptr,
		    struct dp_rpc_err *err);
/* A value of type t as an answer shows it (new); not a str: */
json_t *dp_tblval_encode(enum dp_type t, const uint8_t *in);
/* A str of max bytes (NUL-padded) as a JSON string (new). */
json_t *dp_tblval_str(const uint8_t *in, unsigned int max);
/* "address/length" of type t (IPv4 or IPv6; a bare address: a host
 * prefix). 0, or -1 with err set. */
int dp_tblval_prefix(const char *s, enum dp_type t, uint8_t *out, uint8_t *plen, const char *ptr,
		     struct dp_rpc_err *err);
/* The mask of a ternary "ip" field whose value is at key, of the value's
 * family (an IPv4 one covers the mapped prefix). 0, or -1 with err set. */
int dp_tblval_ip_mask(const struct dp_tblval *v, const uint8_t *key, uint8_t *mask, const char *ptr,
		      struct dp_rpc_err *err);
/* The IPv4 part of an IPv4 "ip" value's mask, as text (new). */
json_t *dp_tblval_ip4_mask(const uint8_t *mask);
/* A value of type t and match kind m a request may carry as is (new). */
json_t *dp_tblval_example(enum dp_type t, enum dp_match_kind m);

#endif
