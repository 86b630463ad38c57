/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl output: results as text (padded tables, key/value lines, an entry a line), JSON as is. */
/* (A feature's own results are formatted in its cli/ folder, from these pieces.) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sxctl_base.h"
#include "sxctl_fmt.h"

/* ---------------------------------------------------------------- output */

void
fmt_json(FILE *f, json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', f);
}

char *
fmt_text(json_t *v)
{
	char *s, *t;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return sx_asprintf("%s", json_string_value(v));
	case JSON_INTEGER:
		return sx_asprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return sx_asprintf("%.2f", json_real_value(v));
	case JSON_NULL:
		return sx_asprintf("-");
	case JSON_ARRAY:
		/* Address lists read better as a,b,c than as JSON. */
		s = sx_asprintf("%s", json_array_size(v) ? "" : "-");
		json_array_foreach(v, i, e) {
			t = fmt_text(e);
			s = sx_realloc(s, strlen(s) + strlen(t) + 2);
			strcat(strcat(s, i ? "," : ""), t);
			free(t);
		}
		return s;
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		return s != NULL ? s : sx_asprintf("?");
	}
}

char *
fmt_get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return v != NULL ? fmt_text(v) : sx_asprintf("-");
}


void
fmt_tbl_add(struct fmt_tbl *t, char *cell /* taken */)
{
	t->cells = sx_realloc(t->cells, (t->ncells + 1) * sizeof(*t->cells));
	t->cells[t->ncells++] = cell;
}

void
fmt_tbl_init(struct fmt_tbl *t, const char *align, const char *const *hdr)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
	for (i = 0; i < t->ncols; i++)
		fmt_tbl_add(t, sx_asprintf("%s", hdr[i]));
}

void
fmt_tbl_j(struct fmt_tbl *t, json_t *obj, const char *key)
{
	fmt_tbl_add(t, fmt_get(obj, key));
}

void
fmt_tbl_print(struct fmt_tbl *t, int indent)
{
	size_t *w = calloc(t->ncols, sizeof(*w));
	size_t i, c;

	if (w == NULL)
		sx_oom();
	for (i = 0; i < t->ncells; i++) {
		size_t l = strlen(t->cells[i]);

		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		if (c == 0)
			printf("%*s", indent, "");
		if (c == t->ncols - 1 && t->align[c] == 'l')
			printf("%s\n", t->cells[i]);	/* no trailing blanks */
		else
			printf(t->align[c] == 'r' ? "%*s%s" : "%-*s%s",
			       (int)w[c], t->cells[i],
			       c == t->ncols - 1 ? "\n" : "  ");
		free(t->cells[i]);
	}
	free(t->cells);
	free(w);
	t->cells = NULL;
	t->ncells = 0;
}

void
fmt_tbl_row(struct fmt_tbl *t, json_t *obj, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		fmt_tbl_j(t, obj, *keys);
}

void
fmt_put(const char *pre, json_t *obj, const char *key, const char *post)
{
	char *t = fmt_get(obj, key);

	printf("%s%s%s", pre, t, post);
	free(t);
}

void
fmt_kv_section(const char *title, json_t *obj)
{
	printf("%s:\n%s", title, json_object_size(obj) ? "" : "  (none)\n");
	fmt_kv_lines(obj, 2);
}

/* One "key  value" line per member, keys padded to the longest. */
void
fmt_kv_lines(json_t *obj, int indent)
{
	size_t w = 0;
	const char *k;
	json_t *v;
	char *t;

	json_object_foreach(obj, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach(obj, k, v) {
		t = fmt_text(v);
		printf("%*s%-*s  %s\n", indent, "", (int)w, k, t);
		free(t);
	}
}

void
fmt_put_call(json_t *obj, const char *name_key, json_t *params)
{
	const char *k, *sep = "";
	json_t *v;
	char *t;

	fmt_put("", obj, name_key, "(");
	json_object_foreach(params, k, v) {
		t = fmt_text(v);
		printf("%s%s=%s", sep, k, t);
		free(t);
		sep = ",";
	}
	printf(")");
}

void
fmt_error(json_t *err, char *buf, size_t len)
{
	json_t *data = json_object_get(err, "data");
	const char *reason = json_string_value(json_object_get(data, "reason"));
	const char *ptr = json_string_value(json_object_get(data, "pointer"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	json_t *code = json_object_get(err, "code");
	size_t n;

	n = (size_t)snprintf(buf, len, "error %" JSON_INTEGER_FORMAT,
			     json_integer_value(code));
	if (reason != NULL && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s", reason);
	if (ptr != NULL && n < len)
		n += (size_t)snprintf(buf + n, len - n, " at %s", ptr);
	if (n < len)
		snprintf(buf + n, len - n, ": %s", msg != NULL ? msg : "(no message)");
}

/* ---------------------------------------------------------- table show */

/* Inverse of sxctl_parse.c's match syntax, so table show lines can be pasted back. */
static char *
match_text(json_t *v)
{
	const char *k1 = NULL, *k2 = NULL, *sep = NULL;
	char *a, *b, *s;

	if (json_is_object(v) && json_object_get(v, "mask") != NULL) {
		k1 = "value", k2 = "mask", sep = "&&&";
	} else if (json_is_object(v) && json_object_get(v, "min") != NULL) {
		k1 = "min", k2 = "max", sep = "..";
	} else {
		return fmt_text(v);
	}
	a = fmt_get(v, k1);
	b = fmt_get(v, k2);
	s = sx_asprintf("%s%s%s", a, sep, b);
	free(a);
	free(b);
	return s;
}

void
fmt_entry(json_t *e)
{
	json_t *match = json_object_get(e, "match");
	json_t *prio = json_object_get(e, "priority");
	bool masked = false;
	const char *k;
	json_t *v;
	char *t;

	json_object_foreach(match, k, v) {
		t = match_text(v);
		printf("%s=%s ", k, t);
		free(t);
		masked |= json_is_object(v);
	}
	/* Priority 0 on an exact/lpm entry is noise; on a masked one it matters. */
	if (json_is_integer(prio) && (masked || json_integer_value(prio) != 0))
		printf("priority %" JSON_INTEGER_FORMAT " ",
		       json_integer_value(prio));
	printf("-> ");
	fmt_put_call(e, "action", json_object_get(e, "params"));
	fmt_put(" hits=", e, "hits", "");
	/* Tables that age entries report how long each has been idle. */
	if (json_is_number(json_object_get(e, "idle_s")))
		printf(" idle_s=%.1f",
		       json_number_value(json_object_get(e, "idle_s")));
	printf("\n");
}

/* --------------------------------------------------------- human output */

void
fmt_kv(json_t *res)
{
	fmt_kv_lines(res, 0);
}

void
fmt_ports(json_t *res)
{
	static const char *const hdr[] = { "IDX", "NAME", "PORT", "DRIVER",
		"ROLE", "MAC", "LINK", "SPEED", "RXQ", "TXQ", "RSS", "ADDRESSES",
		"DEVARGS" };
	static const char *const k1[] = { "index", "name", "port_id", "driver",
		"role", "mac", NULL };
	static const char *const k2[] = { "rx_queues", "tx_queues", NULL };
	json_t *p, *up, *link, *addrs, *rss, *ty;
	struct fmt_tbl t;
	size_t i, k;

	fmt_tbl_init(&t, "rlrlllrrrrlll", hdr);
	json_array_foreach(json_object_get(res, "ports"), i, p) {
		fmt_tbl_row(&t, p, k1);
		link = json_object_get(p, "link");
		up = json_object_get(link, "up");
		fmt_tbl_add(&t, sx_asprintf("%s", up == NULL ? "-" : json_is_true(up) ?
				       "up" : "down"));
		fmt_tbl_j(&t, link, "speed_mbps");
		fmt_tbl_row(&t, p, k2);
		/* the hash types the device spreads on, +soft: the workers again */
		rss = json_object_get(p, "rss");
		addrs = json_array();
		json_array_foreach(json_object_get(rss, "types"), k, ty)
			json_array_append(addrs, ty);
		if (json_is_true(json_object_get(rss, "soft_rss")))
			json_array_append_new(addrs, json_string("+soft"));
		fmt_tbl_add(&t, fmt_text(addrs));
		json_decref(addrs);
		addrs = json_array();
		json_array_extend(addrs, json_object_get(p, "ipv4"));
		json_array_extend(addrs, json_object_get(p, "ipv6"));
		fmt_tbl_add(&t, fmt_text(addrs));
		json_decref(addrs);
		fmt_tbl_j(&t, p, "devargs");
	}
	fmt_tbl_print(&t, 0);
}

/* Port counters; @hw adds the NIC's own counters. */
static void
ports_counters(json_t *ports, bool hw, int indent)
{
	static const char *const hdr[] = { "NAME", "RX_PKTS", "RX_BYTES",
		"TX_PKTS", "TX_BYTES", "TX_DROP", "IMISSED", "IERRORS",
		"OERRORS", "RX_NOMBUF" };
	static const char *const sw[] = { "name", "rx_packets", "rx_bytes",
		"tx_packets", "tx_bytes", "tx_dropped", NULL };
	static const char *const nic[] = { "imissed", "ierrors", "oerrors",
		"rx_nombuf", NULL };
	struct fmt_tbl t;
	json_t *p;
	size_t i;

	fmt_tbl_init(&t, hw ? "lrrrrrrrrr" : "lrrrrr", hdr);
	json_array_foreach(ports, i, p) {
		fmt_tbl_row(&t, p, sw);
		if (hw)
			fmt_tbl_row(&t, json_object_get(p, "hw"), nic);
	}
	fmt_tbl_print(&t, indent);
}

void
fmt_port_stats(json_t *res)
{
	ports_counters(json_object_get(res, "ports"), true, 0);
}

/* xdp: the shared ports' verdicts, then the rules with their owners */
void
fmt_xdp(json_t *res)
{
	static const char *const phdr[] = { "PORT", "IFACE", "PROG", "MODE", "STEERED", "PASSED",
		"NO_SOCKET" };
	static const char *const pk[] = { "port", "iface", "prog_id", "mode", "steered", "passed",
		"no_socket", NULL };
	static const char *const rhdr[] = { "ADDRESS", "PROTO", "PORT", "OWNERS", "PACKETS" };
	static const char *const rk[] = { "addr", "proto", "port", NULL };
	json_t *ports = json_object_get(res, "ports"), *p;
	struct fmt_tbl t;
	size_t i;

	if (json_array_size(ports) == 0) {
		printf("no port is shared with the kernel (config: \"shared\": true on an AF_XDP port)\n");
		return;
	}
	fmt_tbl_init(&t, "llrlrrr", phdr);
	json_array_foreach(ports, i, p)
		fmt_tbl_row(&t, p, pk);
	fmt_tbl_print(&t, 0);
	printf("\n");
	fmt_tbl_init(&t, "llrlr", rhdr);
	json_array_foreach(json_object_get(res, "rules"), i, p) {
		fmt_tbl_row(&t, p, rk);
		fmt_tbl_add(&t, fmt_text(json_object_get(p, "owners")));
		fmt_tbl_j(&t, p, "packets");
	}
	fmt_tbl_print(&t, 0);
}

void
fmt_stats(json_t *res)
{
	static const char *const lhdr[] = { "LCORE", "ROLE", "RX_PKTS",
		"TX_PKTS", "DROP_PKTS", "BUSY_CYCLES", "IDLE_CYCLES",
		"PIPELINE_CYCLES", "CYCLES/PKT" };
	static const char *const lkeys[] = { "lcore", "role", "rx_packets",
		"tx_packets", "drop_packets", "busy_cycles", "idle_cycles",
		"pipeline_cycles", "cycles_per_packet", NULL };
	static const char *const thdr[] = { "TABLE", "HITS", "MISSES" };
	static const char *const tkeys[] = { "hits", "misses", NULL };
	json_t *l, *v, *drops = json_object_get(res, "drops");
	json_t *events = json_object_get(res, "events");
	struct fmt_tbl t;
	const char *k;
	size_t i;

	fmt_put("uptime: ", res, "uptime_s", " s\n\nlcores:\n");
	fmt_tbl_init(&t, "rlrrrrrrr", lhdr);
	json_array_foreach(json_object_get(res, "lcores"), i, l)
		fmt_tbl_row(&t, l, lkeys);
	fmt_tbl_print(&t, 2);

	printf("\nports:\n");
	ports_counters(json_object_get(res, "ports"), false, 2);

	/* The server lists only non-zero reasons. */
	printf("\n");
	fmt_kv_section("drops", drops);

	/* Things the dataplane did besides forwarding (learning, ARP, ageing). */
	printf("\n");
	fmt_kv_section("events", events);

	printf("\ntables:\n");
	fmt_tbl_init(&t, "lrr", thdr);
	json_object_foreach(json_object_get(res, "tables"), k, v) {
		fmt_tbl_add(&t, sx_asprintf("%s", k));
		fmt_tbl_row(&t, v, tkeys);
	}
	fmt_tbl_print(&t, 2);

	printf("\nmempool:\n");
	fmt_kv_lines(json_object_get(res, "mempool"), 2);
}

void
fmt_describe(json_t *res)
{
	static const char *const khdr[] = { "KEY", "MATCH", "TYPE", "BITS" };
	static const char *const kkeys[] = { "name", "match", "type", "bits",
		NULL };
	json_t *tb, *key, *act, *p, *def, *next;
	struct fmt_tbl t;
	size_t i, j, n;

	fmt_put("pipeline ", res, "pipeline", "\n");
	json_array_foreach(json_object_get(res, "tables"), i, tb) {
		fmt_put("\ntable ", tb, "name", " (");
		fmt_put("", tb, "kind", ", ");
		fmt_put("size ", tb, "size", ", ");
		fmt_put("", tb, "entries", " entries)");
		next = json_object_get(tb, "next_table");
		if (json_is_string(next))
			printf(" -> next %s", json_string_value(next));
		printf("\n");

		fmt_tbl_init(&t, "lllr", khdr);
		json_array_foreach(json_object_get(tb, "keys"), j, key)
			fmt_tbl_row(&t, key, kkeys);
		fmt_tbl_print(&t, 2);

		printf("  actions:\n");
		json_array_foreach(json_object_get(tb, "actions"), j, act) {
			fmt_put("    ", act, "name", "(");
			json_array_foreach(json_object_get(act, "params"), n, p) {
				fmt_put(n ? ", " : "", p, "name", ": ");
				fmt_put("", p, "type", "/");
				fmt_put("", p, "bits", "");
			}
			printf(")\n");
		}
		def = json_object_get(tb, "default_action");
		printf("  default: ");
		fmt_put_call(def, "action", json_object_get(def, "params"));
		printf("\n");
	}
}

void
fmt_discover(json_t *res)
{
	static const char *const hdr[] = { "METHOD", "PARAMS", "DESCRIPTION" };
	static const char *const keys[] = { "name", "params", "description",
		NULL };
	struct fmt_tbl t;
	json_t *m;
	size_t i;

	fmt_tbl_init(&t, "lll", hdr);
	json_array_foreach(json_object_get(res, "methods"), i, m)
		fmt_tbl_row(&t, m, keys);
	fmt_tbl_print(&t, 0);
}

void
fmt_clear(json_t *res)
{
	fmt_put("deleted ", res, "deleted", " entries, ");
	fmt_put("generation ", res, "generation", "\n");
}

/* ---------------------------------------- pieces of a feature's lines */

const char *
fmt_action(json_t *e)
{
	const char *a = json_string_value(json_object_get(e, "action"));

	return a != NULL ? a : "?";
}

void
fmt_put_other(json_t *e)
{
	json_t *p = json_object_get(e, "params");

	if (json_object_size(p) > 0)
		fmt_put_call(e, "action", p);
	else
		printf("%s", fmt_action(e));
}
