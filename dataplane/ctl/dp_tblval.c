/* Values of table fields and params as JSON (dp_tblval.h): strict parsing
 * of each type, its canonical text back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>

#include "dp_tblval.h"
#include "dp_addr.h"
#include "dp_num.h"
#include "dp_port.h"
#include "dp_table.h"

#define BAD(err, ptr, reason, ...) dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, reason, ptr, __VA_ARGS__)

struct dp_tblval
dp_tblval_json(const json_t *v)
{
	return (struct dp_tblval){ .is_int = json_is_integer(v), .i = json_integer_value(v),
				   .s = json_is_string(v) ? json_string_value(v) : NULL };
}

/* One value of type t, written to out in network order. */
int
dp_tblval_parse(const struct dp_tblval *v, enum dp_type t, uint32_t bound, uint8_t *out, const char *ptr,
		struct dp_rpc_err *err)
{
	const char *s = v->s;
	unsigned int sz = dp_type_size(t);
	uint64_t u = 0, max;
	int port, rc;

	switch (t) {
	case DP_T_IPV4:
	case DP_T_IPV6:
		if (s == NULL || dp_addr_ip(s, t == DP_T_IPV4 ? AF_INET : AF_INET6, out) < 0)
			return BAD(err, ptr, "bad_value", "expected an %s address string",
				   t == DP_T_IPV4 ? "IPv4" : "IPv6");
		return 0;
	case DP_T_IP: {
		bool v4;

		if (s == NULL || dp_addr_ip_any(s, out, &v4) < 0)
			return BAD(err, ptr, "bad_value", "expected an IPv4 or IPv6 address string");
		return 0;
	}
	case DP_T_IPV6NET: {
		uint8_t a[16];

		if (s == NULL || dp_addr_ip(s, AF_INET6, a) < 0 || *(const unaligned_uint64_t *)(a + 8) != 0)
			return BAD(err, ptr, "bad_value", "expected an IPv6 /64 prefix (an IPv6 address string whose "
				   "last 64 bits are zero)");
		memcpy(out, a, 8);
		return 0;
	}
	case DP_T_MAC:
		if (s == NULL || dp_addr_mac(s, out) < 0)
			return BAD(err, ptr, "bad_value", "expected a MAC address string");
		return 0;
	case DP_T_STR: {
		size_t n;

		if (s == NULL)
			return BAD(err, ptr, "wrong_type", "expected a string");
		if ((n = strlen(s)) > bound)
			return BAD(err, ptr, "out_of_range", "at most %u characters, not %zu", bound, n);
		/* a byte of no text (a control one: CR, LF, NUL; DEL; UTF-8's)
		 * could end up in a header line of a packet: never taken */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
				return BAD(err, ptr, "bad_value", "character %zu is 0x%02x: printable ASCII "
					   "(0x20..0x7e) only", i, (unsigned char)s[i]);
		memset(out, 0, bound);
		memcpy(out, s, n);
		return 0;
	}
	case DP_T_PORT:
		if (v->is_int && v->i >= 0 && v->i < (json_int_t)dp_n_ports)
			port = (int)v->i;
		else if (s != NULL)
			port = dp_port_parse(s);
		else
			return BAD(err, ptr, "wrong_type", "expected a port name or index");
		if (port < 0)
			return BAD(err, ptr, "not_found", "no such port");
		*(rte_be16_t *)out = rte_cpu_to_be_16((uint16_t)port);
		return 0;
	default:
		break;
	}
	max = bound ? bound : sz == 8 ? UINT64_MAX : (1ULL << (8 * sz)) - 1;
	if (v->is_int && v->i < 0)
		return BAD(err, ptr, "out_of_range", "value must be 0..%llu", (unsigned long long)max);
	if (v->is_int)
		u = (uint64_t)v->i;
	else if (s == NULL)
		return BAD(err, ptr, "wrong_type", "expected an unsigned integer");
	else if ((rc = dp_num_parse(s, UINT64_MAX, &u)) < 0)
		return rc == -ERANGE ? BAD(err, ptr, "out_of_range", "value must be 0..%llu",
					   (unsigned long long)max) :
		       BAD(err, ptr, "bad_value", "\"%s\" is not a decimal number (a JSON integer, "
			   "or a string of decimal digits without sign, spaces or leading zeros)", s);
	if (u > max)
		return BAD(err, ptr, "out_of_range", "value must be 0..%llu", (unsigned long long)max);
	for (unsigned int i = 0; i < sz; i++)
		out[i] = (uint8_t)(u >> (8 * (sz - 1 - i)));
	return 0;
}

json_t *
dp_tblval_encode(enum dp_type t, const uint8_t *in)
{
	char buf[INET6_ADDRSTRLEN];
	uint64_t u = 0;
	uint16_t port;

	switch (t) {
	case DP_T_IPV4:
		return json_string(inet_ntop(AF_INET, in, buf, sizeof(buf)));
	case DP_T_IPV6:
		return json_string(inet_ntop(AF_INET6, in, buf, sizeof(buf)));
	case DP_T_IP:
		return json_string(dp_addr_ntop_any(in, buf, sizeof(buf)));
	case DP_T_IPV6NET: {
		uint8_t a[16] = { 0 };

		memcpy(a, in, 8);
		return json_string(inet_ntop(AF_INET6, a, buf, sizeof(buf)));
	}
	case DP_T_MAC:
		rte_ether_format_addr(buf, sizeof(buf), (const struct rte_ether_addr *)in);
		return json_string(buf);
	case DP_T_PORT:
		port = rte_be_to_cpu_16(*(const rte_be16_t *)in);
		return port < dp_n_ports ? json_string(dp_ports[port].cfg->name) : json_integer(port);
	default:
		for (unsigned int i = 0; i < dp_type_size(t); i++)
			u = (u << 8) | in[i];
		return json_integer((json_int_t)u);
	}
}

json_t *
dp_tblval_str(const uint8_t *in, unsigned int max)
{
	return json_stringn((const char *)in, strnlen((const char *)in, max));
}

/* The mask of an IPv4 value of an "ip" field: its IPv4 part (the mapped
 * prefix it also covers is implied by the family). */
json_t *
dp_tblval_ip4_mask(const uint8_t *mask)
{
	char buf[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, mask + 12, buf, sizeof(buf)));
}

/* "a.b.c.d/len" (or a bare address meaning a host route); s NULL: not a
 * string. */
int
dp_tblval_prefix(const char *s, enum dp_type t, uint8_t *out, uint8_t *plen, const char *ptr,
		 struct dp_rpc_err *err)
{
	if (s == NULL)
		return BAD(err, ptr, "wrong_type", "expected \"address/length\"");
	switch (dp_addr_prefix(s, t == DP_T_IPV4 ? AF_INET : AF_INET6, true, out, plen)) {
	case 0:
		return 0;
	case -ERANGE:
		return BAD(err, ptr, "bad_value", "prefix length must be decimal 0..%u "
			   "(no leading zeros)", dp_type_bits(t));
	default:
		return BAD(err, ptr, "bad_value", "expected an %s address string",
			   t == DP_T_IPV4 ? "IPv4" : "IPv6");
	}
}

/* The mask of a ternary "ip" field whose value is at key: of the value's
 * family. An IPv4 mask covers the IPv4-mapped prefix too, so that the
 * entry matches IPv4 packets only ("0.0.0.0": any IPv4 packet); an IPv6
 * value takes an IPv6 mask. */
int
dp_tblval_ip_mask(const struct dp_tblval *v, const uint8_t *key, uint8_t *mask, const char *ptr, struct dp_rpc_err *err)
{
	bool v4;

	if (v->s == NULL || dp_addr_ip_any(v->s, mask, &v4) < 0)
		return BAD(err, ptr, "bad_value", "expected an IPv4 or IPv6 mask string");
	if (v4 != dp_addr_mapped(key))
		return BAD(err, ptr, "bad_value", "the mask is %s, the value %s: an entry matches one family",
			   v4 ? "IPv4" : "IPv6", v4 ? "IPv6" : "IPv4");
	if (v4)
		memset(mask, 0xff, 12);
	return 0;
}

/* A value of type t a request may carry as is (templates). */
json_t *
dp_tblval_example(enum dp_type t, enum dp_match_kind m)
{
	switch (t) {
	case DP_T_IPV4:
		return json_string(m == DP_MATCH_LPM ? "10.0.0.0/8" : "10.0.0.1");
	case DP_T_IPV6:
		return json_string(m == DP_MATCH_LPM ? "2001:db8::/32" : "2001:db8::1");
	case DP_T_IP:
		return m == DP_MATCH_TERNARY ? json_pack("{s:s,s:s}", "value", "10.0.0.0", "mask", "255.0.0.0") :
		       json_string("10.0.0.1");
	case DP_T_IPV6NET:
		return json_string("2001:db8:0:1::");
	case DP_T_MAC:
		return json_string("02:00:00:00:00:01");
	case DP_T_PORT:
		return dp_n_ports ? json_string(dp_ports[0].cfg->name) : json_integer(0);
	case DP_T_STR:
		return json_string("text");
	default:
		break;
	}
	if (m == DP_MATCH_TERNARY)
		return json_pack("{s:i,s:i}", "value", 1, "mask", 255);
	if (m == DP_MATCH_RANGE)
		return json_pack("{s:i,s:i}", "min", 1, "max", 255);
	return json_integer(1);
}

