/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sxctl text forms, both ways: command-line words to JSON (FIELD=VALUE
 * values, table updates, the address syntax of the switch shortcuts) and
 * results to human-readable output (tables padded to their widest cell,
 * key/value lines, one line per table entry), plus the usage text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"
#include "sxctl.h"
#include "dp_num.h"

/* --------------------------------------------------------------- helpers */

void
oom(void)
{
	fputs("sxctl: out of memory\n", stderr);
	exit(EX_FAIL);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		oom();
	return p;
}

/* The dataplane's rule (dp_num.h): "010" is not 10; a word that is not
 * strict decimal goes to sxdp as a string, which refuses it the same way. */
bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return dp_num_parse(s, max, out) == 0;
}

#define USAGE_TEXT \
"Usage: sxctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS...]\n" \
"\n" \
"Commands:\n" \
"  hello                       dataplane identity (version, boot id, generation)\n" \
"  ports                       list ports\n" \
"  port-stats [PORT]           per-port counters (PORT: name or index)\n" \
"  stats [clear]               dataplane counters, or reset them\n" \
"  describe [TABLE]            pipeline schema: tables, keys, actions\n" \
"  discover                    list the RPC methods of the socket\n" \
"  table add TABLE [FIELD=VALUE ...] [priority N] action ACTION [PARAM=VALUE ...]\n" \
"  table mod TABLE [FIELD=VALUE ...] [priority N] action ACTION [PARAM=VALUE ...]\n" \
"  table del TABLE [FIELD=VALUE ...] [priority N]\n" \
"  table default TABLE action ACTION [PARAM=VALUE ...]\n" \
"  table show TABLE [--offset N] [--limit N] [--all]\n" \
"  table clear TABLE\n" \
"  table load FILE|-           send {\"atomicity\":..,\"updates\":[..]} as one write\n" \
"  raw METHOD [JSON]           call METHOD with JSON params (default {})\n" \
"  help                        this text\n" \
"\n" \
"Switch pipeline shortcuts (writes that touch several tables are one\n" \
"dataplane-atomic batch unless --atomicity says otherwise):\n" \
"  slice attach PORT [vlan V] slice S bd B\n" \
"                              PORT (VLAN V, default untagged) into slice S and\n" \
"                              bridge domain B: interfaces, bd_ports, flood\n" \
"  slice detach PORT [vlan V]  undo it (the flood entry goes when empty)\n" \
"  svi add SLICE BD MAC IP/PLEN\n" \
"                              gateway of BD: svi, fdb route, IP/32 local and\n" \
"                              the connected subnet in the slice's VRF\n" \
"  svi del SLICE BD            undo it\n" \
"  route add VRF PREFIX via NH\n" \
"  route add VRF PREFIX ecmp NH1 NH2 [NH3 [NH4]]\n" \
"  route add VRF PREFIX drop\n" \
"  route del VRF PREFIX\n" \
"  route show [VRF]\n" \
"  mac add BD MAC PORT         static forwarding entry\n" \
"  mac del BD MAC\n" \
"  mac show [BD]               learned and static MACs, idle time, hits\n" \
"  mac ageing SECONDS          idle timeout of learned MACs (0: never age)\n" \
"  neigh add VRF IP PORT VLAN DMAC SMAC\n" \
"                              static next hop: out PORT/VLAN, DMAC from SMAC\n" \
"  neigh del VRF IP\n" \
"  neigh show [VRF]\n" \
"  (VRF = SLICE; PORT: name or index; VLAN 0 = untagged.)\n" \
"\n" \
"Options (anywhere on the line):\n" \
"  --socket PATH       control socket (default $SXDP_SOCKET, else %s)\n" \
"  --json              print the JSON result, pretty-printed\n" \
"  --timeout MS        per-request timeout in milliseconds, 0 = none (default %d)\n" \
"  --atomicity MODE    writes: continue | rollback | dataplane-atomic\n" \
"  --offset N, --limit N, --all   table show paging (--all follows next_offset)\n" \
"  -h, --help          this text\n" \
"\n" \
"FIELD=VALUE forms:  V exact   A/LEN lpm   V&&&M ternary   LO..HI range\n" \
"  Decimal numbers (no sign, no leading zero) are sent as JSON integers, anything\n" \
"  else as strings (10.0.0.1, aa:bb:cc:dd:ee:ff, 2001:db8::1, p0); sxdp refuses\n" \
"  '010' or '0x11' where it wants a number. Quote '&&&' in a shell.\n" \
"\n" \
"Exit status: 0 ok, 1 server error or failed update, 2 usage error,\n" \
"             3 cannot connect or transport failure.\n"

const char *usage_cmd;
static char topic_buf[128];

const char *
usage_topic_of(char **av, int ac)
{
	/* "route add" when it has lines of its own, else "route" */
	if (ac >= 2) {
		snprintf(topic_buf, sizeof(topic_buf), "%s %s", av[0], av[1]);
		if (strchr(av[1], ' ') == NULL && usage_topic(NULL, topic_buf))
			return topic_buf;
	}
	return ac >= 1 ? av[0] : NULL;
}

static char *
usage_text(void)
{
	return xasprintf(USAGE_TEXT, CTL_DEFAULT_PATH, DEFAULT_TIMEOUT_MS);
}

void
usage(FILE *f)
{
	char *t = usage_text();

	fputs(t, f);
	free(t);
}

/* The usage lines of one command: "  CMD ..." and the deeper-indented lines
 * that continue them (CMD may be "route add"). false when CMD has none;
 * f NULL only checks. */
bool
usage_topic(FILE *f, const char *cmd)
{
	char *t = usage_text(), *save = NULL, *line;
	size_t n = strlen(cmd);
	bool in = false, any = false;

	for (line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  ", 2) == 0 && line[2] != ' ')
			in = strncmp(line + 2, cmd, n) == 0 && (line[2 + n] == ' ' || line[2 + n] == '\0');
		else if (strncmp(line, "    ", 4) != 0)
			in = false;
		if (in) {
			if (f != NULL)
				fprintf(f, "%s\n", line);
			any = true;
		}
	}
	free(t);
	return any;
}

int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* the command's own lines, not all of them */
	if (usage_cmd != NULL && usage_topic(stderr, usage_cmd))
		fprintf(stderr, "Run 'sxctl %s --help' or 'sxctl help' for more.\n", usage_cmd);
	else
		fputs("Run 'sxctl help' for the commands and options.\n", stderr);
	return EX_USAGE;
}

/* ---------------------------------------------------------------- output */

void
print_json(FILE *f, json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', f);
}

char *
jtxt(json_t *v)
{
	char *s, *t;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return xasprintf("%s", json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return xasprintf("%.2f", json_real_value(v));
	case JSON_NULL:
		return xasprintf("-");
	case JSON_ARRAY:
		/* Address lists read better as a,b,c than as JSON. */
		s = xasprintf("%s", json_array_size(v) ? "" : "-");
		json_array_foreach(v, i, e) {
			t = jtxt(e);
			s = xrealloc(s, strlen(s) + strlen(t) + 2);
			strcat(strcat(s, i ? "," : ""), t);
			free(t);
		}
		return s;
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		return s != NULL ? s : xasprintf("?");
	}
}

char *
jget(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return v != NULL ? jtxt(v) : xasprintf("-");
}

/* A text table whose columns are padded to their widest cell. */
struct tbl {
	const char *align;	/* one 'l' or 'r' per column */
	size_t ncols;
	size_t ncells;
	char **cells;
};

static void
tbl_add(struct tbl *t, char *cell /* taken */)
{
	t->cells = xrealloc(t->cells, (t->ncells + 1) * sizeof(*t->cells));
	t->cells[t->ncells++] = cell;
}

static void
tbl_init(struct tbl *t, const char *align, const char *const *hdr)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
	for (i = 0; i < t->ncols; i++)
		tbl_add(t, xasprintf("%s", hdr[i]));
}

static void
tbl_j(struct tbl *t, json_t *obj, const char *key)
{
	tbl_add(t, jget(obj, key));
}

static void
tbl_print(struct tbl *t, int indent)
{
	size_t *w = calloc(t->ncols, sizeof(*w));
	size_t i, c;

	if (w == NULL)
		oom();
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

static void
tbl_row(struct tbl *t, json_t *obj, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		tbl_j(t, obj, *keys);
}

/* Print @pre, then @obj's @key as text ("-" if absent), then @post. */
static void
putk(const char *pre, json_t *obj, const char *key, const char *post)
{
	char *t = jget(obj, key);

	printf("%s%s%s", pre, t, post);
	free(t);
}

/* One "key  value" line per member, keys padded to the longest. */
static void
kv_lines(json_t *obj, int indent)
{
	size_t w = 0;
	const char *k;
	json_t *v;
	char *t;

	json_object_foreach(obj, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach(obj, k, v) {
		t = jtxt(v);
		printf("%*s%-*s  %s\n", indent, "", (int)w, k, t);
		free(t);
	}
}

/* "name(k=v,...)" as table show prints actions. */
static void
put_call(json_t *obj, const char *name_key, json_t *params)
{
	const char *k, *sep = "";
	json_t *v;
	char *t;

	putk("", obj, name_key, "(");
	json_object_foreach(params, k, v) {
		t = jtxt(v);
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

/* Inverse of match_value() for table show, so lines can be pasted back. */
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
		return jtxt(v);
	}
	a = jget(v, k1);
	b = jget(v, k2);
	s = xasprintf("%s%s%s", a, sep, b);
	free(a);
	free(b);
	return s;
}

void
print_entry(json_t *e)
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
	put_call(e, "action", json_object_get(e, "params"));
	putk(" hits=", e, "hits", "");
	/* Tables that age entries report how long each has been idle. */
	if (json_is_number(json_object_get(e, "idle_s")))
		printf(" idle_s=%.1f",
		       json_number_value(json_object_get(e, "idle_s")));
	printf("\n");
}

/* --------------------------------------------------------- human output */

void
human_kv(json_t *res)
{
	kv_lines(res, 0);
}

void
human_ports(json_t *res)
{
	static const char *const hdr[] = { "IDX", "NAME", "PORT", "DRIVER",
		"ROLE", "MAC", "LINK", "SPEED", "RXQ", "TXQ", "ADDRESSES",
		"DEVARGS" };
	static const char *const k1[] = { "index", "name", "port_id", "driver",
		"role", "mac", NULL };
	static const char *const k2[] = { "rx_queues", "tx_queues", NULL };
	json_t *p, *up, *link, *addrs;
	struct tbl t;
	size_t i;

	tbl_init(&t, "rlrlllrrrrll", hdr);
	json_array_foreach(json_object_get(res, "ports"), i, p) {
		tbl_row(&t, p, k1);
		link = json_object_get(p, "link");
		up = json_object_get(link, "up");
		tbl_add(&t, xasprintf("%s", up == NULL ? "-" : json_is_true(up) ?
				    "up" : "down"));
		tbl_j(&t, link, "speed_mbps");
		tbl_row(&t, p, k2);
		addrs = json_array();
		json_array_extend(addrs, json_object_get(p, "ipv4"));
		json_array_extend(addrs, json_object_get(p, "ipv6"));
		tbl_add(&t, jtxt(addrs));
		json_decref(addrs);
		tbl_j(&t, p, "devargs");
	}
	tbl_print(&t, 0);
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
	struct tbl t;
	json_t *p;
	size_t i;

	tbl_init(&t, hw ? "lrrrrrrrrr" : "lrrrrr", hdr);
	json_array_foreach(ports, i, p) {
		tbl_row(&t, p, sw);
		if (hw)
			tbl_row(&t, json_object_get(p, "hw"), nic);
	}
	tbl_print(&t, indent);
}

void
human_port_stats(json_t *res)
{
	ports_counters(json_object_get(res, "ports"), true, 0);
}

void
human_stats(json_t *res)
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
	struct tbl t;
	const char *k;
	size_t i;

	putk("uptime: ", res, "uptime_s", " s\n\nlcores:\n");
	tbl_init(&t, "rlrrrrrrr", lhdr);
	json_array_foreach(json_object_get(res, "lcores"), i, l)
		tbl_row(&t, l, lkeys);
	tbl_print(&t, 2);

	printf("\nports:\n");
	ports_counters(json_object_get(res, "ports"), false, 2);

	/* The server lists only non-zero reasons. */
	printf("\ndrops:\n%s", json_object_size(drops) ? "" : "  (none)\n");
	kv_lines(drops, 2);

	/* Things the dataplane did besides forwarding (learning, ARP, ageing). */
	printf("\nevents:\n%s", json_object_size(events) ? "" : "  (none)\n");
	kv_lines(events, 2);

	printf("\ntables:\n");
	tbl_init(&t, "lrr", thdr);
	json_object_foreach(json_object_get(res, "tables"), k, v) {
		tbl_add(&t, xasprintf("%s", k));
		tbl_row(&t, v, tkeys);
	}
	tbl_print(&t, 2);

	printf("\nmempool:\n");
	kv_lines(json_object_get(res, "mempool"), 2);
}

void
human_describe(json_t *res)
{
	static const char *const khdr[] = { "KEY", "MATCH", "TYPE", "BITS" };
	static const char *const kkeys[] = { "name", "match", "type", "bits",
		NULL };
	json_t *tb, *key, *act, *p, *def, *next;
	struct tbl t;
	size_t i, j, n;

	putk("pipeline ", res, "pipeline", "\n");
	json_array_foreach(json_object_get(res, "tables"), i, tb) {
		putk("\ntable ", tb, "name", " (");
		putk("", tb, "kind", ", ");
		putk("size ", tb, "size", ", ");
		putk("", tb, "entries", " entries)");
		next = json_object_get(tb, "next_table");
		if (json_is_string(next))
			printf(" -> next %s", json_string_value(next));
		printf("\n");

		tbl_init(&t, "lllr", khdr);
		json_array_foreach(json_object_get(tb, "keys"), j, key)
			tbl_row(&t, key, kkeys);
		tbl_print(&t, 2);

		printf("  actions:\n");
		json_array_foreach(json_object_get(tb, "actions"), j, act) {
			putk("    ", act, "name", "(");
			json_array_foreach(json_object_get(act, "params"), n, p) {
				putk(n ? ", " : "", p, "name", ": ");
				putk("", p, "type", "/");
				putk("", p, "bits", "");
			}
			printf(")\n");
		}
		def = json_object_get(tb, "default_action");
		printf("  default: ");
		put_call(def, "action", json_object_get(def, "params"));
		printf("\n");
	}
}

void
human_discover(json_t *res)
{
	static const char *const hdr[] = { "METHOD", "PARAMS", "DESCRIPTION" };
	static const char *const keys[] = { "name", "params", "description",
		NULL };
	struct tbl t;
	json_t *m;
	size_t i;

	tbl_init(&t, "lll", hdr);
	json_array_foreach(json_object_get(res, "methods"), i, m)
		tbl_row(&t, m, keys);
	tbl_print(&t, 0);
}

void
human_clear(json_t *res)
{
	putk("deleted ", res, "deleted", " entries, ");
	putk("generation ", res, "generation", "\n");
}


void
human_ageing(json_t *res)
{
	putk("", res, "table", " idle timeout ");
	putk("", res, "idle_timeout_s", " s");
	/* 0 is not a timeout of zero seconds */
	fputs(json_is_false(json_object_get(res, "ageing")) ||
	      json_integer_value(json_object_get(res, "idle_timeout_s")) == 0 ?
	      " (ageing off: entries never age)\n" : "\n", stdout);
}

/* ------------------------------------------------- switch table entries */

/* Like putk(), with hex digits in lower case (the server prints MACs in
 * upper case). */
static void
put_mac(const char *pre, json_t *obj, const char *key, const char *post)
{
	char *t = jget(obj, key), *c;

	for (c = t; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	printf("%s%s%s", pre, t, post);
	free(t);
}

static const char *
action_of(json_t *e)
{
	const char *a = json_string_value(json_object_get(e, "action"));

	return a != NULL ? a : "?";
}

/* An action the shortcuts do not know: "name" or "name(k=v,...)". */
static void
put_other(json_t *e)
{
	json_t *p = json_object_get(e, "params");

	if (json_object_size(p) > 0)
		put_call(e, "action", p);
	else
		printf("%s", action_of(e));
}

/* "vrf 1 10.0.0.0/24 via 10.0.1.254 hits=12": the route add syntax. */
void
print_route(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	const char *a = action_of(e);
	json_int_t i, n;
	char key[16];

	putk("vrf ", m, "vrf", " ");
	putk("", m, "dst", " ");
	if (strcmp(a, "via") == 0) {
		putk("via ", p, "nh", "");
	} else if (strcmp(a, "ecmp") == 0) {
		printf("ecmp");
		n = json_integer_value(json_object_get(p, "n"));
		for (i = 0; i < n && i < 4; i++) {
			snprintf(key, sizeof(key), "nh%d", (int)i);
			putk(" ", p, key, "");
		}
	} else if (strcmp(a, "connected") == 0) {
		putk("connected bd ", p, "bd", "");
	} else {
		put_other(e);	/* local, drop, unreachable */
	}
	putk(" hits=", e, "hits", "\n");
}

/* "bd 10 02:00:00:00:00:0a port p0 learned idle 3.2s hits 12". */
void
print_fdb(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	json_t *idle = json_object_get(e, "idle_s");
	const char *a = action_of(e);

	putk("bd ", m, "bd", " ");
	put_mac("", m, "mac", " ");
	if (strcmp(a, "forward") == 0)
		putk("port ", p, "port", " static");
	else if (strcmp(a, "learned") == 0)
		putk("port ", p, "port", " learned");
	else
		put_other(e);	/* route (an SVI's MAC), drop */
	if (json_is_number(idle))
		printf(" idle %.1fs", json_number_value(idle));
	putk(" hits ", e, "hits", "\n");
}

/* "vrf 1 10.0.1.254 port p1 vlan 0 dmac .. smac .. static hits=3". */
void
print_neigh(json_t *e)
{
	json_t *m = json_object_get(e, "match"), *p = json_object_get(e, "params");
	const char *a = action_of(e);
	bool learned = strcmp(a, "learned") == 0;

	putk("vrf ", m, "vrf", " ");
	putk("", m, "ip", " ");
	if (learned || strcmp(a, "rewrite") == 0) {
		putk("port ", p, "port", " ");
		putk("vlan ", p, "vlan", " ");
		put_mac("dmac ", p, "dmac", " ");
		put_mac("smac ", p, "smac", learned ? " learned" : " static");
	} else {
		put_other(e);	/* unresolved */
	}
	putk(" hits=", e, "hits", "\n");
}

/* ----------------------------------------------------- address syntax */

bool
parse_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

bool
parse_prefix(const char *s, bool bare_ok, uint32_t *ip, unsigned int *plen)
{
	const char *slash = strchr(s, '/');
	uint64_t l = 32;
	char buf[INET_ADDRSTRLEN];

	if (slash == NULL) {
		if (!bare_ok)
			return false;
		slash = s + strlen(s);
	} else if (!parse_u64(slash + 1, 32, &l)) {
		return false;
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	*plen = (unsigned int)l;
	return parse_ipv4(buf, ip);
}

bool
parse_mac(const char *s)
{
	int i;

	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return s[17] == '\0';
}

/* ------------------------------------------------ words to JSON values */

/* Strict decimal (dp_num.h) → JSON integer; anything else goes as a string. */
json_t *
scalar_value(const char *s)
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
	char *left = xasprintf("%.*s", (int)(p - s), s);
	json_t *a = scalar_value(left), *b = scalar_value(p + strlen(sep));

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
	return scalar_value(s);
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
	key = xasprintf("%.*s", (int)(eq - tok), tok);
	if (json_object_get(obj, key) == NULL)
		v = match ? match_value(eq + 1) : scalar_value(eq + 1);
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
		oom();
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
check_args(char **av, int ac, const char *spec, json_int_t *num)
{
	uint32_t ip;
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
		      !strcmp(w, "VLAN") ? 4095 : !strcmp(w, "SECONDS") ? 86400 * 365 : 0;
		why[0] = '\0';
		if (max != 0) {	/* the dataplane's rule, dp_num.h */
			ok = parse_u64(av[i], max, &v);
			snprintf(why, sizeof(why), " (decimal 0..%" PRIu64 ", no sign or leading zero%s)",
				 max, strcmp(w, "SECONDS") ? "" : "; 0: never age");
		} else if (!strcmp(w, "IP") || !strcmp(w, "NH"))
			ok = parse_ipv4(av[i], &ip);
		else if (!strcmp(w, "PREFIX"))
			ok = parse_prefix(av[i], true, &ip, &plen);
		else if (!strcmp(w, "IP/PLEN"))
			ok = parse_prefix(av[i], false, &ip, &plen) && plen < 32;
		else if (strstr(w, "MAC") != NULL)
			ok = parse_mac(av[i]);
		else	/* PORT: a name or an index, the server judges */
			ok = av[i][0] != '\0';
		if (!ok)
			return usage_error("bad %s '%s'%s", w, av[i],
					   strcmp(w, "IP/PLEN") ? why :
					   " (an SVI needs PLEN 0..31)");
		if (v != UINT64_MAX)
			num[i] = (json_int_t)v;
	}
	return i < ac ? usage_error("unexpected '%s'", av[i]) : EX_OK;
}
