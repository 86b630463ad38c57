/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl input: command-line words to JSON values, table updates and checked arguments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sxctl_base.h"
#include "sxctl_parse.h"
#include "sxctl_usage.h"
#include "dp_addr.h"
#include "dp_apidef.h"
#include "dp_num.h"

/* The dataplane's rule (dp_num.h): "010" is not 10; a word that is not
 * strict decimal goes to sxdp as a string, which refuses it the same way. */
bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return dp_num_parse(s, max, out) == 0;
}

/* ----------------------------------------------------- address syntax */

/* IPv4, or IPv6 when it has a ':' (the switch shortcuts take both). */
static int
af_of(const char *s)
{
	return strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

static bool
parse_ip(const char *s)
{
	uint8_t a[16];

	return dp_addr_ip(s, af_of(s), a) == 0;
}

static bool
parse_prefix(const char *s, bool bare_ok, unsigned int *plen)
{
	uint8_t a[16], l;

	if (dp_addr_prefix(s, af_of(s), bare_ok, a, &l) < 0)
		return false;
	*plen = l;
	return true;
}

static bool
parse_mac(const char *s)
{
	uint8_t mac[6];

	return dp_addr_mac(s, mac) == 0;
}

/* ------------------------------------------------ words to JSON values */

/* Strict decimal (dp_num.h) → JSON integer; anything else goes as a string. */
json_t *
parse_scalar(const char *s)
{
	uint64_t v;

	if (*s == '\0')
		return NULL;
	if (parse_u64(s, INT64_MAX, &v))
		return json_integer((json_int_t)v);
	return json_string(s);
}

static json_t *
pair_value(const char *s, const char *sep, const char *k1, const char *k2)
{
	const char *p = strstr(s, sep);
	char *left = sx_asprintf("%.*s", (int)(p - s), s);
	json_t *a = parse_scalar(left), *b = parse_scalar(p + strlen(sep));

	free(left);
	if (a == NULL || b == NULL) {
		json_decref(a);
		json_decref(b);
		return NULL;
	}
	return json_pack("{s:o,s:o}", k1, a, k2, b);
}

/* FIELD=VALUE right-hand side; "a/len" (lpm) stays a string. */
static json_t *
match_value(const char *s)
{
	if (strstr(s, "&&&") != NULL)
		return pair_value(s, "&&&", "value", "mask");
	if (strstr(s, "..") != NULL)
		return pair_value(s, "..", "min", "max");
	return parse_scalar(s);
}

static int
parse_kv(const char *tok, bool match, json_t *obj)
{
	const char *eq = strchr(tok, '=');
	json_t *v = NULL;
	char *key;

	if (eq == NULL || eq == tok || eq[1] == '\0')
		return usage_error("expected %s=VALUE, got '%s'",
				   match ? "FIELD" : "PARAM", tok);
	key = sx_asprintf("%.*s", (int)(eq - tok), tok);
	if (json_object_get(obj, key) == NULL)
		v = match ? match_value(eq + 1) : parse_scalar(eq + 1);
	if (v != NULL)
		json_object_set_new(obj, key, v);
	free(key);
	return v != NULL ? EX_OK :
		usage_error("bad or repeated '%s'", tok);
}

/*
 * Build one table.write update from "TABLE [FIELD=VALUE ...] [priority N]
 * [action ACTION [PARAM=VALUE ...]]". @type decides which parts are
 * allowed. Returns an exit code; *out on success.
 */
int
parse_update(char **av, int ac, const char *type, json_t **out)
{
	bool is_default = strcmp(type, "default") == 0;
	bool is_delete = strcmp(type, "delete") == 0;
	json_t *match = json_object(), *params = json_object(), *u;
	const char *action = NULL;
	uint64_t prio = 0;
	bool have_prio = false;
	int i = 1, rc = EX_USAGE;

	if (ac < 1 || strchr(av[0], '=') != NULL || strcmp(av[0], "action") == 0) {
		usage_error("missing TABLE");
		goto out;
	}
	while (i < ac) {
		if (strcmp(av[i], "priority") == 0 && !is_default) {
			if (have_prio || i + 1 >= ac ||
			    !parse_u64(av[i + 1], UINT32_MAX, &prio)) {
				usage_error("'priority' needs one number (0..%u)",
					    UINT32_MAX);
				goto out;
			}
			have_prio = true;
			i += 2;
		} else if (strcmp(av[i], "action") == 0 && !is_delete) {
			if (i + 1 >= ac || strchr(av[i + 1], '=') != NULL) {
				usage_error("'action' needs an ACTION name");
				goto out;
			}
			action = av[i + 1];
			i += 2;
			break;
		} else if (is_default) {
			usage_error("expected 'action ACTION', got '%s'", av[i]);
			goto out;
		} else if (parse_kv(av[i++], true, match) != EX_OK) {
			goto out;
		}
	}
	for (; i < ac; i++)
		if (parse_kv(av[i], false, params) != EX_OK)
			goto out;
	if (!is_delete && action == NULL) {
		usage_error("missing 'action ACTION'");
		goto out;
	}

	u = json_pack("{s:s,s:s}", "type", type, "table", av[0]);
	if (u == NULL)
		sx_oom();
	if (!is_default)
		json_object_set(u, "match", match);
	if (have_prio)
		json_object_set_new(u, "priority", json_integer((json_int_t)prio));
	if (!is_delete) {
		json_object_set_new(u, "action", json_string(action));
		json_object_set(u, "params", params);
	}
	*out = u;
	rc = EX_OK;
out:
	json_decref(match);
	json_decref(params);
	return rc;
}

/*
 * Check positional arguments against @spec, the synopsis words ("VRF
 * PREFIX", "[BD]": optional). Numbers land in @num at their position;
 * the rest stays in @av.
 */
int
parse_positional(char **av, int ac, const char *spec, json_int_t *num)
{
	unsigned int plen;
	uint64_t v, max;
	char w[16], why[96];
	bool ok;
	int i;

	for (i = 0; *spec != '\0'; i++) {
		size_t n = strcspn(spec, " ");

		snprintf(w, sizeof(w), "%.*s", (int)n, spec);
		spec += n + (spec[n] == ' ');
		if (i >= ac) {
			if (w[0] == '[')
				return EX_OK;
			return usage_error("missing %s", w);
		}
		if (w[0] == '[') {	/* "[VRF]" */
			w[strlen(w) - 1] = '\0';
			memmove(w, w + 1, strlen(w));
		}
		v = UINT64_MAX;	/* not a number */
		max = !strcmp(w, "VRF") || !strcmp(w, "SLICE") || !strcmp(w, "BD") ? UINT16_MAX :
		      !strcmp(w, "VLAN") ? 4095 : !strcmp(w, "SECONDS") ? DP_APIDEF_IDLE_TIMEOUT_MAX : 0;
		why[0] = '\0';
		if (max != 0) {	/* the dataplane's rule, dp_num.h */
			ok = parse_u64(av[i], max, &v);
			snprintf(why, sizeof(why), " (decimal 0..%" PRIu64 ", no sign or leading zero%s)",
				 max, strcmp(w, "SECONDS") ? "" : "; 0: never age");
		} else if (!strcmp(w, "IP") || !strcmp(w, "NH"))
			ok = parse_ip(av[i]);
		else if (!strcmp(w, "PREFIX"))
			ok = parse_prefix(av[i], true, &plen);
		else if (!strcmp(w, "IP/PLEN"))
			ok = parse_prefix(av[i], false, &plen) &&
			     (af_of(av[i]) == AF_INET ? plen < 32 : plen >= 1 && plen < 128);
		else if (strstr(w, "MAC") != NULL)
			ok = parse_mac(av[i]);
		else	/* PORT: a name or an index, the server judges */
			ok = av[i][0] != '\0';
		if (!ok)
			return usage_error("bad %s '%s'%s", w, av[i],
					   strcmp(w, "IP/PLEN") ? why :
					   af_of(av[i]) == AF_INET ? " (an SVI needs PLEN 0..31)" :
					   " (an IPv6 SVI needs PLEN 1..127)");
		if (v != UINT64_MAX)
			num[i] = (json_int_t)v;
	}
	return i < ac ? usage_error("unexpected '%s'", av[i]) : EX_OK;
}

/* The index of @word among @opts' words, @n when it is none of them. */
static size_t
option_index(const char *word, const struct parse_opt *opts, size_t n)
{
	size_t k;

	for (k = 0; k < n && strcmp(word, opts[k].word) != 0; k++)
		;
	return k;
}

/*
 * A shortcut's options, "WORD [VALUE ...]" in any order, each once: the
 * words of @opts found in @av, their values left in @av. A word that is
 * none of them, one given twice or one missing its value is a usage error.
 */
int
parse_options(char **av, int ac, struct parse_opt *opts, size_t n)
{
	struct parse_opt *o;
	size_t k;
	int i = 0;

	for (k = 0; k < n; k++) {
		opts[k].val = NULL;
		opts[k].n = 0;
	}
	while (i < ac) {
		k = option_index(av[i], opts, n);
		if (k == n || opts[k].val != NULL)
			return usage_error("unexpected '%s'", av[i]);
		o = &opts[k];
		o->val = av + ++i;
		/* a list runs up to the next option word */
		while (i < ac &&
		       (o->nval < 0 ? option_index(av[i], opts, n) == n : o->n < o->nval)) {
			o->n++;
			i++;
		}
		if (o->n == 0 && o->nval != 0)
			return usage_error("'%s' needs a value", o->word);
	}
	return EX_OK;
}

int
parse_number(const char *s, const char *what, json_int_t *out)
{
	uint64_t v;

	if (!parse_u64(s, UINT32_MAX, &v))
		return usage_error("bad %s '%s' (a decimal number, no sign or leading zero)",
				   what, s);
	*out = (json_int_t)v;
	return EX_OK;
}

/* A number, or two joined by @sep ("P:W", "A-B"); *@b stays as it is
 * without the second. */
int
parse_number_pair(const char *s, char sep, const char *wa, const char *wb, json_int_t *a, json_int_t *b)
{
	const char *p = strchr(s, sep);
	char *first = p != NULL ? sx_asprintf("%.*s", (int)(p - s), s) : NULL;
	int rc = parse_number(first != NULL ? first : s, wa, a);

	free(first);
	if (rc == EX_OK && p != NULL)
		rc = parse_number(p + 1, wb, b);
	return rc;
}

/* sport/dport A[-B] */
int
parse_port_range(struct parse_opt *o, json_int_t *r)
{
	int rc;

	if (o->val == NULL)
		return EX_OK;
	r[1] = -1;
	if ((rc = parse_number_pair(o->val[0], '-', o->word, o->word, &r[0], &r[1])) != EX_OK)
		return rc;
	if (r[1] < 0)
		r[1] = r[0];
	/* port 0 is none: 0 alone would mean any */
	return r[1] == 0 ? usage_error("bad %s '%s' (ports 1..65535)", o->word, o->val[0]) : EX_OK;
}
