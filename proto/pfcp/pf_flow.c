/* SPDX-License-Identifier: BSD-3-Clause */
/* SDF Flow Description parser (see pf_flow.h): a fixed token sequence read left to right,
 * each token copied into a bounded buffer first, so nothing past the string is read and
 * no token can grow without bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "pf_flow.h"

#define TOK_MAX 128 /* a port list of 8 ranges is 95 octets, an IPv6 prefix 49 */

struct lex {
	const char *s;
	size_t len, at;
};

/* the next blank-separated token into t: its length, 0 at the end, -1 too long */
static int
next(struct lex *l, char t[TOK_MAX])
{
	size_t n = 0;

	while (l->at < l->len && (l->s[l->at] == ' ' || l->s[l->at] == '\t'))
		l->at++;
	while (l->at < l->len && l->s[l->at] != ' ' && l->s[l->at] != '\t') {
		if (n + 1 >= TOK_MAX)
			return -1;
		t[n++] = l->s[l->at++];
	}
	t[n] = 0;
	return (int)n;
}

/* a decimal number of at most @digits digits, at most @max; its end in *end */
static int
num(const char *p, unsigned digits, unsigned long max, unsigned long *v, const char **end)
{
	unsigned long x = 0;
	unsigned n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > digits)
			return -1;
		x = x * 10 + (unsigned long)(*p - '0');
		p++;
	}
	if (n == 0 || x > max)
		return -1;
	*v = x;
	*end = p;
	return 0;
}

static int
parse_proto(const char *t, uint8_t *proto)
{
	unsigned long v;
	const char *e;

	if (strcmp(t, "ip") == 0) {
		*proto = 0;
		return 0;
	}
	if (num(t, 3, 255, &v, &e) != 0 || *e != 0)
		return -1;
	*proto = (uint8_t)v;
	return 0;
}

/* "any", "assigned" or an address with an optional prefix: its family in *af (0 for the
 * first two) */
static int
parse_addr(char *t, struct pf_flow_end *end, int *af)
{
	char *slash = strchr(t, '/');
	unsigned long plen;
	unsigned i, bits;

	*af = 0;
	if (strcmp(t, "any") == 0) {
		end->any = true;
		return 0;
	}
	if (strcmp(t, "assigned") == 0) {
		end->assigned = true;
		return 0;
	}
	if (slash != NULL)
		*slash = 0;
	*af = strchr(t, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(*af, t, end->addr) != 1)
		return -1;
	bits = *af == AF_INET6 ? 128 : 32;
	plen = bits;
	if (slash != NULL) {
		const char *e;

		if (num(slash + 1, 3, bits, &plen, &e) != 0 || *e != 0)
			return -1;
	}
	end->plen = (uint8_t)plen;
	for (i = 0; i < bits / 8; i++) { /* host bits cleared: one prefix, one form */
		unsigned keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? (unsigned)plen - i * 8 : 0;

		end->addr[i] &= (uint8_t)(0xff00 >> keep);
	}
	return 0;
}

/* "80", "8000-8080", "80,443,1000-2000" */
static int
parse_ports(const char *t, struct pf_flow_end *end)
{
	const char *p = t;

	for (;;) {
		unsigned long lo, hi;

		if (end->n_ports >= PF_FLOW_PORTS || num(p, 5, 65535, &lo, &p) != 0)
			return -1;
		hi = lo;
		if (*p == '-' && (num(p + 1, 5, 65535, &hi, &p) != 0 || hi < lo))
			return -1;
		end->ports[end->n_ports][0] = (uint16_t)lo;
		end->ports[end->n_ports][1] = (uint16_t)hi;
		end->n_ports++;
		if (*p == 0)
			return 0;
		if (*p++ != ',')
			return -1;
	}
}

/* an end and its optional ports; *t holds the token after them (tl its length) */
static int
parse_end(struct lex *l, char t[TOK_MAX], struct pf_flow_end *end, int *af, int *tl)
{
	if (next(l, t) <= 0 || parse_addr(t, end, af) != 0)
		return -1;
	*tl = next(l, t);
	if (*tl > 0 && t[0] >= '0' && t[0] <= '9') {
		if (parse_ports(t, end) != 0)
			return -1;
		*tl = next(l, t);
	}
	return *tl < 0 ? -1 : 0;
}

int
pf_flow_parse(const char *s, size_t len, struct pf_flow *f)
{
	struct lex l = {s, 0, 0};
	char t[TOK_MAX];
	int af_src, af_dst, tl;

	memset(f, 0, sizeof(*f));
	if (s == NULL)
		return -EINVAL;
	while (l.len < len && s[l.len] != 0)
		l.len++;
	if (l.len > PF_FLOW_LEN_MAX)
		return -EINVAL;
	if (next(&l, t) <= 0 || strcmp(t, "permit") != 0)
		return -EINVAL;
	if (next(&l, t) <= 0)
		return -EINVAL;
	if (strcmp(t, "out") == 0)
		f->dir = PF_FLOW_OUT;
	else if (strcmp(t, "in") == 0)
		f->dir = PF_FLOW_IN;
	else
		return -EINVAL;
	if (next(&l, t) <= 0 || parse_proto(t, &f->proto) != 0)
		return -EINVAL;
	if (next(&l, t) <= 0 || strcmp(t, "from") != 0)
		return -EINVAL;
	if (parse_end(&l, t, &f->src, &af_src, &tl) != 0 || tl == 0 || strcmp(t, "to") != 0)
		return -EINVAL;
	if (parse_end(&l, t, &f->dst, &af_dst, &tl) != 0 || tl != 0) /* options: refused */
		return -EINVAL;
	if (af_src && af_dst && af_src != af_dst)
		return -EINVAL;
	f->af = (uint8_t)(af_src ? af_src : af_dst);
	return 0;
}

static bool
ue_is_src(const struct pf_flow *f)
{
	if (f->src.assigned != f->dst.assigned)
		return f->src.assigned;
	return f->dir == PF_FLOW_IN;
}

const struct pf_flow_end *
pf_flow_remote(const struct pf_flow *f)
{
	return ue_is_src(f) ? &f->dst : &f->src;
}

const struct pf_flow_end *
pf_flow_ue(const struct pf_flow *f)
{
	return ue_is_src(f) ? &f->src : &f->dst;
}
