/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_addr: PFCP peers' UDP addresses and Node IDs, parsed, printed and compared. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pf_addr.h"

int
pf_addr_parse(const char *s, uint16_t def_port, struct pf_addr *a, char *why, size_t len)
{
	char host[64];
	const char *port = NULL, *rb;
	unsigned long p = def_port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((rb = strchr(s, ']')) == NULL || (rb[1] != '\0' && rb[1] != ':')) {
			snprintf(why, len, "an IPv6 address in brackets is [ADDR] or [ADDR]:PORT");
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(rb - s - 1), s + 1);
		if (rb[1] == ':')
			port = rb + 2;
	} else if (strchr(s, ':') != NULL && strchr(s, ':') == strrchr(s, ':')) {
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(s, ':') - s), s);
		port = strchr(s, ':') + 1;
	} else {
		snprintf(host, sizeof(host), "%s", s); /* IPv4, or a bare IPv6 address */
	}
	if (port != NULL) {
		char *end;

		errno = 0;
		p = strtoul(port, &end, 10);
		if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 || p == 0 || p > 65535) {
			snprintf(why, len, "port '%s' is not 1..65535", port);
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		a->len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*v6);
		return 0;
	}
	snprintf(why, len, "'%s' is not an IPv4 or IPv6 address (ADDR, ADDR:PORT, [ADDR6]:PORT)", host);
	return -EINVAL;
}

const char *
pf_addr_str(const struct pf_addr *a, char *out, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;

		inet_ntop(AF_INET6, &v6->sin6_addr, h, sizeof(h));
		snprintf(out, len, "[%s]:%u", h, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;

		inet_ntop(AF_INET, &v4->sin_addr, h, sizeof(h));
		snprintf(out, len, "%s:%u", h, ntohs(v4->sin_port));
	}
	return out;
}

bool
pf_addr_same_host(const struct pf_addr *a, const struct pf_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
}

uint16_t
pf_addr_port(const struct pf_addr *a)
{
	return ntohs(a->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&a->ss)->sin6_port :
						   ((const struct sockaddr_in *)&a->ss)->sin_port);
}

bool
pf_addr_same(const struct pf_addr *a, const struct pf_addr *b)
{
	return pf_addr_same_host(a, b) && pf_addr_port(a) == pf_addr_port(b);
}

int
pf_node_id_parse(const char *s, struct pf_node_id *id)
{
	size_t l = strlen(s);

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, s, id->addr) == 1) {
		id->kind = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, s, id->addr) == 1) {
		id->kind = 1;
		return 0;
	}
	/* an FQDN: dotted labels of 1..63 letters, digits and hyphens */
	if (l == 0 || l >= sizeof(id->fqdn) || s[0] == '.' || s[l - 1] == '.')
		return -EINVAL;
	for (size_t i = 0, lab = 0; i < l; i++) {
		char c = s[i];

		if (c == '.') {
			if (lab == 0)
				return -EINVAL;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_') || ++lab > 63)
			return -EINVAL;
	}
	id->kind = 2;
	memcpy(id->fqdn, s, l + 1);
	return 0;
}

const char *
pf_node_id_str(const struct pf_node_id *id, char *out, size_t len)
{
	if (id->kind == 0)
		inet_ntop(AF_INET, id->addr, out, (socklen_t)len);
	else if (id->kind == 1)
		inet_ntop(AF_INET6, id->addr, out, (socklen_t)len);
	else
		snprintf(out, len, "%s", id->fqdn);
	return out;
}

bool
pf_node_id_same(const struct pf_node_id *a, const struct pf_node_id *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == 0)
		return memcmp(a->addr, b->addr, 4) == 0;
	if (a->kind == 1)
		return memcmp(a->addr, b->addr, 16) == 0;
	return strcasecmp(a->fqdn, b->fqdn) == 0;
}
