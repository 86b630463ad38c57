/* Declared shapes of JSON values, as data: the control socket's params and
 * results, the start-up config. One declaration checks a value strictly,
 * hands its owner the checked values, and prints itself as JSON Schema
 * (what rpc.discover shows). No DPDK, so tests, fuzzers and tools link it.
 *
 * What a check refuses, and the data.reason it says (-32602 for params):
 *   a member not declared          unknown_field  (pointer: the member)
 *   a required member left out     missing_field  (pointer: the member)
 *   a JSON type not declared       wrong_type     (null is a type, not absence)
 *   an integer outside min..max    out_of_range
 *   an array outside min..max long out_of_range
 *   an enum name not listed        bad_value
 *   a string too short/long, or not in its format (MAC, address, prefix)
 *                                  bad_value
 *   a name (or index) the server does not hold (ports, tables)
 *                                  not_found
 * Pointers are RFC 6901, as everywhere in the RPC (dp_rpc.h).
 *
 * The same checker checks sxcd's intents against its OpenAPI document:
 * control/sxcd/store/cd_schema.c turns the document's schemas into declarations and
 * dp_schema_check_all reports every error in the document's own words
 * (see there).
 */
#ifndef DP_SCHEMA_H
#define DP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dp_rpc_err.h"

enum dp_schema_type {
	DP_SCHEMA_ANY = 1,	/* any JSON value: its owner checks it (a table's match) */
	DP_SCHEMA_BOOL,
	DP_SCHEMA_INT,		/* an integer in min..max (both 0: any) */
	DP_SCHEMA_UINT,		/* an integer in min..max (max 0: up to INT64_MAX) */
	DP_SCHEMA_NUMBER,	/* an integer or a real (results only) */
	DP_SCHEMA_STRING,	/* min..max bytes long (max 0: any length), in format */
	DP_SCHEMA_ENUM,		/* one of names; its value is the name's index */
	DP_SCHEMA_REF,		/* the name of something the server holds (ref: "port",
				 * "table"), resolved to its id; with DP_SCHEMA_BY_INDEX
				 * an integer index names one too */
	DP_SCHEMA_OBJECT,	/* the members in fields; without fields a map whose
				 * values are items (or anything) */
	DP_SCHEMA_ARRAY,	/* of items, min..max long (max 0: any length) */
};

enum dp_schema_format {
	DP_SCHEMA_FMT_NONE,
	DP_SCHEMA_FMT_MAC,		/* "02:00:00:00:00:01" (dp_addr_mac) */
	DP_SCHEMA_FMT_IPV4,		/* "192.0.2.1" */
	DP_SCHEMA_FMT_IPV6,
	DP_SCHEMA_FMT_IPV4_PREFIX,	/* "192.0.2.0/24" (dp_addr_prefix, length required) */
	DP_SCHEMA_FMT_IPV6_PREFIX,
	DP_SCHEMA_FMT_IP,		/* an IPv4 or an IPv6 address */
	DP_SCHEMA_FMT_IP_PREFIX,	/* an IPv4 or an IPv6 prefix */
	DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR, /* "192.0.2.0/24" or "192.0.2.1" */
	DP_SCHEMA_FMT_OWN,		/* its owner's check (dp_schema_field.own) */
};

/* A string format its owner checks (sxcd's names): how JSON Schema calls
 * it, what a message says it must be, and the check. */
struct dp_schema_format_own {
	const char *name, *says;
	int (*ok)(const char *s);	/* non-zero: s is one */
};

#define DP_SCHEMA_REQ		0x1u	/* a member that must be given */
#define DP_SCHEMA_DEF		0x2u	/* absent means def (INT, UINT, BOOL, ENUM index) */
#define DP_SCHEMA_NULL		0x4u	/* null is a value too (results) */
#define DP_SCHEMA_BY_INDEX	0x8u	/* REF: an integer index names one as well */
#define DP_SCHEMA_OPEN		0x10u	/* OBJECT: members beyond those declared are let
					 * through (results whose owner may add some) */
#define DP_SCHEMA_BOUNDS	0x20u	/* INT, STRING, ARRAY: min and max are the bounds as
					 * they stand, 0 meaning 0 (a document's minimum,
					 * maxLength...; absent ones INT64_MIN/INT64_MAX) */

/* One value's declaration; as an object member, also its name. Arrays of
 * members end with an entry whose name is NULL. */
struct dp_schema_field {
	const char *name;
	enum dp_schema_type type;
	unsigned int flags;
	const char *desc;
	int64_t min, max;		/* integers: range; strings: length; arrays: items */
	int64_t def;			/* with DP_SCHEMA_DEF */
	const char *const *names;	/* ENUM: NULL-terminated */
	enum dp_schema_format format;	/* STRING */
	const struct dp_schema_format_own *own;	/* DP_SCHEMA_FMT_OWN */
	const char *ref;		/* REF: what it names ("port") */
	const struct dp_schema_field *fields;	/* OBJECT: members */
	const struct dp_schema_field *items;	/* ARRAY: each element; OBJECT map: each value */
	/* A value of another JSON type may be this instead (an lcore id or
	 * {"lcore", "cpu"}); the first declaration whose type fits is used. */
	const struct dp_schema_field *alt;
	/* OBJECT with a tag: that member (a required ENUM) says which other
	 * members the object takes; a member's "in" bits are the tag values
	 * (1 << index) it is taken with (0: all), its "need" bits those it is
	 * required with. */
	const char *tag;
	uint32_t in, need;
	const char *example;		/* JSON text of a value a request may carry */
};

#define DP_SCHEMA_BIT(i) (1u << (i))

/* The members of params that take none. */
extern const struct dp_schema_field dp_schema_none[];

/* A checked value. An object's sub holds one value per declared member,
 * in declaration order (absent ones with set false and their default); a
 * map's and an array's one per member or element. */
struct dp_schema_val {
	const struct dp_schema_field *decl;	/* the declaration it matched (alt) */
	json_t *json;		/* the value as given (borrowed); NULL when absent */
	const char *key;	/* a map's member: its name */
	bool set;		/* given (else absent: the default, or zero) */
	union {
		int64_t i;	/* INT */
		uint64_t u;	/* UINT, ENUM (index), REF (id) */
		bool b;		/* BOOL */
	};
	const char *s;		/* STRING, ENUM (its name), REF given by name */
	size_t n;		/* entries of sub */
	struct dp_schema_val *sub;
};

/* Check value (at pointer ptr, "" for the root) against decl. 0 with *out
 * set (free it with dp_schema_val_free), or -1 with err filled (code -32602,
 * a reason above; -32603 no_memory). style NULL words messages for the RPC
 * ("field 'mtu' must be between 576 and 9600"); any other string names the
 * place as a path under it ("config.ports[0].mtu: must be ..."). */
int dp_schema_check(const struct dp_schema_field *decl, json_t *value, const char *ptr,
		    const char *style, struct dp_schema_val **out, struct dp_rpc_err *err);
void dp_schema_val_free(struct dp_schema_val *v);
/* Check value against decl as sxcd checks an intent against its OpenAPI
 * document: every error is counted, and appended to errs (while it holds
 * fewer than cap) as {"pointer": ptr + the pointer, "reason", "message"},
 * in the document's words (reasons wrong_type, missing, unknown_field,
 * out_of_range, too_short, too_long, too_few, too_many, bad_value). An
 * object's required members are checked first, then its members in the
 * value's order. Returns how many errors there were. */
int dp_schema_check_all(const struct dp_schema_field *decl, json_t *value, const char *ptr,
			json_t *errs, size_t cap);
/* Member m of an object with a tag, whose tag holds the value of bit
 * tag_bit (DP_SCHEMA_BIT; 0: no tag): may it be given, must it be. */
void dp_schema_member_rule(const struct dp_schema_field *m, uint32_t tag_bit, bool *taken,
			   bool *needed);

/* 0 when decl is well formed (types, enums, tags, examples that parse,
 * ranges, no member twice), else -EINVAL. */
int dp_schema_valid(const struct dp_schema_field *decl);

/* decl as JSON Schema (draft 2020-12 keywords; "x-ref" names what a REF
 * refers to and "x-known" the names the server holds now). New reference,
 * NULL on no memory. */
json_t *dp_schema_json(const struct dp_schema_field *decl);
/* A value of decl a request may carry as it stands: examples, defaults,
 * the first name a REF knows; of an object the members that are required
 * or have one of those. New reference. */
json_t *dp_schema_example(const struct dp_schema_field *decl);

/* What the server holds, for REF values: the names (and, by index, the
 * ids 0..count-1) of its ports or tables. Registered by the code that owns
 * them; a REF nobody registered finds nothing. 0, -EINVAL, -ENOSPC. */
struct dp_schema_ref {
	const char *name;				/* matches dp_schema_field.ref */
	int (*find)(const char *name);			/* its id, or < 0 */
	unsigned int (*count)(void);
	const char *(*name_of)(unsigned int id);
};
int dp_schema_ref_add(const struct dp_schema_ref *r);
void dp_schema_ref_reset(void);

#endif
