/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ndoc: the PFCP node's document in sxcd's store: its associations to JSON and back, every field checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_ndoc.h"

#define ASSOCS_MAX 4096	/* far more than any N4 peer set; a bound on what a document makes us allocate */

static void
hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* "0aff" into @b (at most @max octets): the count, or -1. */
static int
unhex(const char *s, uint8_t *b, size_t max)
{
	size_t l = strlen(s);

	if (l % 2 != 0 || l / 2 > max)
		return -1;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -1;
		b[i] = (uint8_t)v;
	}
	return (int)(l / 2);
}

json_t *
pf_ndoc_assoc_json(const struct pf_ndoc_assoc *a)
{
	static const char *const kinds[] = { "ipv4", "ipv6", "fqdn" };
	char id[300], peer[64], local[64], smf[64], feat[17];
	json_t *o, *name;

	pf_node_id_str(&a->id, id, sizeof(id));
	hex(a->cp_feat, a->n_cp_feat, feat);
	o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "node_id_type", kinds[a->id.kind > 2 ? 2 : a->id.kind], "peer",
		      pf_addr_str(&a->peer, peer, sizeof(peer)), "local", pf_addr_str(&a->local, local, sizeof(local)),
		      "recovery_ts", (json_int_t)a->recovery, "cp_features", feat, "initiated",
		      a->upf_initiated ? "upf" : "smf");
	if (o == NULL)
		return NULL;
	/* an FQDN from the wire may hold any octets: those go as hex */
	if ((name = json_string(id)) != NULL) {
		json_object_set_new(o, "node_id", name);
	} else {
		char h[2 * sizeof(a->id.fqdn) + 1];

		hex((const uint8_t *)a->id.fqdn, strlen(a->id.fqdn), h);
		json_object_set_new(o, "node_id_hex", json_string(h));
	}
	if (a->has_smf)
		json_object_set_new(o, "smf", json_string(pf_addr_str(&a->smf, smf, sizeof(smf))));
	return o;
}

static int
get_addr(json_t *o, const char *k, bool need, struct pf_addr *a, bool *has, char *err, size_t len)
{
	json_t *v = json_object_get(o, k);
	char why[160];

	if (has)
		*has = false;
	if (v == NULL && !need)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, len, "%s: not a string", k);
		return -EINVAL;
	}
	if (pf_addr_parse(json_string_value(v), 0, a, why, sizeof(why)) < 0) {
		snprintf(err, len, "%s: %s", k, why);
		return -EINVAL;
	}
	if (pf_addr_port(a) == 0) {
		snprintf(err, len, "%s: no port", k);
		return -EINVAL;
	}
	if (has)
		*has = true;
	return 0;
}

/* One stored association into @a: 0 or -EINVAL with why. */
static int
one(json_t *o, struct pf_ndoc_assoc *a, char *err, size_t len)
{
	const char *kind = json_string_value(json_object_get(o, "node_id_type")),
		   *name = json_string_value(json_object_get(o, "node_id")),
		   *nhex = json_string_value(json_object_get(o, "node_id_hex")),
		   *feat = json_string_value(json_object_get(o, "cp_features")),
		   *init = json_string_value(json_object_get(o, "initiated"));
	json_t *rts = json_object_get(o, "recovery_ts");
	int k;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(o)) {
		snprintf(err, len, "not an object");
		return -EINVAL;
	}
	if (kind == NULL || (strcmp(kind, "ipv4") != 0 && strcmp(kind, "ipv6") != 0 && strcmp(kind, "fqdn") != 0)) {
		snprintf(err, len, "node_id_type: ipv4, ipv6 or fqdn");
		return -EINVAL;
	}
	if ((name == NULL) == (nhex == NULL) || (nhex != NULL && strcmp(kind, "fqdn") != 0)) {
		snprintf(err, len, "node_id (or, for an FQDN, node_id_hex): one of them, a string");
		return -EINVAL;
	}
	if (strcmp(kind, "fqdn") == 0) {
		a->id.kind = 2;
		if (nhex != NULL) {
			if ((k = unhex(nhex, (uint8_t *)a->id.fqdn, sizeof(a->id.fqdn) - 1)) <= 0 ||
			    memchr(a->id.fqdn, 0, (size_t)k) != NULL) {
				snprintf(err, len, "node_id_hex: not the hex of an FQDN");
				return -EINVAL;
			}
		} else if (name[0] == '\0' || strlen(name) >= sizeof(a->id.fqdn)) {
			snprintf(err, len, "node_id: an FQDN of 1..255 characters");
			return -EINVAL;
		} else {
			memcpy(a->id.fqdn, name, strlen(name) + 1);
		}
	} else if (pf_node_id_parse(name, &a->id) < 0 || a->id.kind != (strcmp(kind, "ipv4") == 0 ? 0 : 1)) {
		snprintf(err, len, "node_id: not an %s address", kind);
		return -EINVAL;
	}
	if (get_addr(o, "peer", true, &a->peer, NULL, err, len) < 0 ||
	    get_addr(o, "local", true, &a->local, NULL, err, len) < 0 ||
	    get_addr(o, "smf", false, &a->smf, &a->has_smf, err, len) < 0)
		return -EINVAL;
	if (a->peer.ss.ss_family != a->local.ss.ss_family) {
		snprintf(err, len, "peer and local: not of one address family");
		return -EINVAL;
	}
	if (!json_is_integer(rts) || json_integer_value(rts) < 0 || json_integer_value(rts) > 0xffffffffll) {
		snprintf(err, len, "recovery_ts: 0..4294967295");
		return -EINVAL;
	}
	a->recovery = (uint32_t)json_integer_value(rts);
	if (feat == NULL || (k = unhex(feat, a->cp_feat, sizeof(a->cp_feat))) < 0) {
		snprintf(err, len, "cp_features: the hex of at most 8 octets");
		return -EINVAL;
	}
	a->n_cp_feat = (size_t)k;
	if (init == NULL || (strcmp(init, "smf") != 0 && strcmp(init, "upf") != 0)) {
		snprintf(err, len, "initiated: smf or upf");
		return -EINVAL;
	}
	a->upf_initiated = strcmp(init, "upf") == 0;
	if (a->has_smf != a->upf_initiated) {
		snprintf(err, len, "smf: given exactly when initiated is upf");
		return -EINVAL;
	}
	return 0;
}

int
pf_ndoc_assocs(json_t *doc, struct pf_ndoc_assoc **out, size_t *n, char *err, size_t len)
{
	json_t *as = json_object_get(doc, "associations");
	struct pf_ndoc_assoc *v;
	size_t cnt = json_array_size(as);
	char why[200];

	*out = NULL;
	*n = 0;
	if (as == NULL)
		return 0;
	if (!json_is_array(as) || cnt > ASSOCS_MAX) {
		snprintf(err, len, "associations: not an array of at most %d", ASSOCS_MAX);
		return -EINVAL;
	}
	if (cnt == 0)
		return 0;
	if ((v = calloc(cnt, sizeof(*v))) == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (one(json_array_get(as, i), &v[i], why, sizeof(why)) < 0) {
			snprintf(err, len, "associations/%zu: %s", i, why);
			free(v);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (pf_node_id_same(&v[j].id, &v[i].id)) {
				snprintf(err, len, "associations/%zu: the Node ID of associations/%zu again", i, j);
				free(v);
				return -EINVAL;
			}
	}
	*out = v;
	*n = cnt;
	return 0;
}
