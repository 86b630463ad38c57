/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_schema: sxcd's intents checked against the schemas of its OpenAPI document, every error with a JSON pointer. */
/*
 * The document (sxcd-openapi.json) is the one schema: sxcd serves
 * it, the REST contract test reads it, and specs are validated against its
 * components.schemas. This file loads it and turns each schema into a
 * declaration of dataplane/lib/dp_schema.h, the one checker sxdp's socket
 * uses too, which checks intents in the document's words. The document may
 * use only what that checks (a keyword this does not know, or one its type
 * does not take, fails the load, so the document cannot promise a check
 * that is not made): type (integer, number, boolean, string, array,
 * object: every schema has one, or is a $ref), properties, required (of
 * members in properties), additionalProperties (false), items, minItems,
 * maxItems, minimum, maximum, minLength, maxLength, enum (of strings),
 * format (name, ipv4, ipv6, ip, ipv4-prefix, ipv6-prefix, ip-prefix,
 * ipv4-prefix-or-address, ip-prefix-or-address, mac) and local $ref (no
 * cycle); description, default and title are notes.
 */
#ifndef CD_SCHEMA_H
#define CD_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

#define CD_SCHEMA_ERRORS_MAX 32	/* errors reported for one document */

struct cd_schema;

/* Load the OpenAPI document at @path and check that its schemas use only
 * the keywords above. 0 and *@out, or -errno with @err saying why. */
int cd_schema_load(const char *path, struct cd_schema **out, char *err, size_t errlen);
void cd_schema_free(struct cd_schema *s);
/* The document as loaded (borrowed). */
json_t *cd_schema_doc(const struct cd_schema *s);

/*
 * Check @v against components.schemas.@name. Every error is appended to
 * @errs as {"pointer": @base + the JSON pointer, "reason", "message"}
 * (reasons: wrong_type, missing, unknown_field, out_of_range, too_long,
 * too_short, too_many, too_few, bad_value). Returns how many were found.
 */
int cd_schema_check(const struct cd_schema *s, const char *name, json_t *v, const char *base,
		    json_t *errs);

/* One error in @errs, as cd_schema_check adds them (also for sxcd's own
 * checks beyond the schema). */
void cd_schema_err(json_t *errs, const char *pointer, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
