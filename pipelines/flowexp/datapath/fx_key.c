/* The flow key of an outgoing frame: Ethernet and its tags, IPv4 or IPv6
 * (extension headers walked a few deep), the L4 ports; a UDP datagram to a
 * registered tunnel port is looked into once (the tunnel's id, its inner
 * packet). Bounded by the frame's length at every read: what leaves the
 * box came from anyone. */
#include <errno.h>
#include <string.h>

#include "fx_key.h"

#define ETH_HLEN    14
#define VLAN_HLEN   4
#define IP6_HLEN    40
#define IP6_EXT_MAX 4

static struct {
	uint16_t port;
	uint8_t kind;
	fx_tun_fn fn;
} tuns[FX_TUN_MAX];
static unsigned int n_tuns;

int
fx_tun_register(uint16_t udp_port, enum fx_tun_kind kind, fx_tun_fn fn)
{
	if (fn == NULL || kind == FX_TUN_NONE || udp_port == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < n_tuns; i++)
		if (tuns[i].port == udp_port)
			return -EEXIST;
	if (n_tuns == FX_TUN_MAX)
		return -ENOSPC;
	tuns[n_tuns].port = udp_port;
	tuns[n_tuns].kind = (uint8_t)kind;
	tuns[n_tuns++].fn = fn;
	return 0;
}

fx_tun_fn
fx_tun_find(uint16_t udp_port, enum fx_tun_kind *kind)
{
	for (unsigned int i = 0; i < n_tuns; i++)
		if (tuns[i].port == udp_port) {
			*kind = (enum fx_tun_kind)tuns[i].kind;
			return tuns[i].fn;
		}
	return NULL;
}

static fx_decap_fn decaps[FX_DECAP_MAX];
static unsigned int n_decaps;

int
fx_decap_register(fx_decap_fn fn)
{
	if (fn == NULL)
		return -EINVAL;
	if (n_decaps == FX_DECAP_MAX)
		return -ENOSPC;
	decaps[n_decaps++] = fn;
	return 0;
}

enum fx_tun_kind
fx_decap_find(const struct dp_meta *md, uint32_t *id)
{
	enum fx_tun_kind kind;

	for (unsigned int i = 0; i < n_decaps; i++)
		if (decaps[i](md, &kind, id) == 1 && kind != FX_TUN_NONE)
			return kind;
	return FX_TUN_NONE;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Past Ethernet and its tags: the offset of the L3 header and its
 * ethertype, or 0 when cut short. */
static uint32_t
l2_skip(const uint8_t *p, uint32_t len, uint16_t *et)
{
	uint32_t off = ETH_HLEN;

	if (len < ETH_HLEN)
		return 0;
	*et = rd16(p + 12);
	for (int tags = 0; (*et == 0x8100 || *et == 0x88a8) && tags < 2; tags++) {
		if (len < off + VLAN_HLEN)
			return 0;
		*et = rd16(p + off + 2);
		off += VLAN_HLEN;
	}
	return off;
}

/* The IP packet at p[0, len): addresses, protocol, ports into *k; returns
 * its bytes and (*l4, *l4len) the L4 header and what follows of the
 * packet, or 0 when no whole IP header is there. */
static uint32_t
ip_parse(const uint8_t *p, uint32_t len, struct fx_key *k, const uint8_t **l4, uint32_t *l4len)
{
	uint32_t hl, tot, off;
	uint8_t proto;
	bool first = true;

	*l4 = NULL;
	*l4len = 0;
	if (len < 20)
		return 0;
	memset(k->src, 0, sizeof(k->src));
	memset(k->dst, 0, sizeof(k->dst));
	k->sport = k->dport = 0;
	if ((p[0] >> 4) == 4) {
		hl = (uint32_t)(p[0] & 0xf) * 4;
		tot = rd16(p + 2);
		if (hl < 20 || len < hl || tot < hl)
			return 0;
		tot = tot < len ? tot : len;
		k->flags &= (uint8_t)~FX_KF_V6;
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
		proto = p[9];
		first = (rd16(p + 6) & 0x1fff) == 0;
		off = hl;
	} else if ((p[0] >> 4) == 6) {
		if (len < IP6_HLEN)
			return 0;
		tot = IP6_HLEN + rd16(p + 4);
		tot = tot < len ? tot : len;
		k->flags |= FX_KF_V6;
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
		proto = p[6];
		off = IP6_HLEN;
		for (int n = 0; n < IP6_EXT_MAX; n++) {
			if (proto == 44) {             /* fragment: 8 bytes */
				if (tot < off + 8)
					break;
				first = (rd16(p + off + 2) & 0xfff8) == 0;
				proto = p[off];
				off += 8;
			} else if (proto == 0 || proto == 43 || proto == 60) {
				if (tot < off + 8 || tot < off + 8 + (uint32_t)p[off + 1] * 8)
					break;
				proto = p[off];
				off += 8 + (uint32_t)p[off + 1] * 8;
			} else {
				break;
			}
		}
	} else {
		return 0;
	}
	k->proto = proto;
	if (!first || off > tot)
		return tot;
	*l4 = p + off;
	*l4len = tot - off;
	if ((proto == 6 || proto == 17 || proto == 132 || proto == 136) && *l4len >= 4) {
		k->sport = rd16(*l4);
		k->dport = rd16(*l4 + 2);
	} else if ((proto == 1 || proto == 58) && *l4len >= 2) {
		k->dport = (uint16_t)((*l4)[0] << 8 | (*l4)[1]);
	}
	return tot;
}

uint32_t
fx_key_parse(const uint8_t *p, uint32_t len, struct fx_key *k)
{
	const uint8_t *l4, *in;
	uint32_t off, bytes, ibytes, l4len, id = 0, inner = 0;
	enum fx_tun_kind kind = FX_TUN_NONE;
	struct fx_key ik;
	uint16_t et = 0;
	fx_tun_fn fn;
	bool eth = false;

	k->flags &= (uint8_t)~FX_KF_TUN_MASK;
	k->tun = 0;
	if ((off = l2_skip(p, len, &et)) == 0 || (et != 0x0800 && et != 0x86dd))
		return 0;
	if ((bytes = ip_parse(p + off, len - off, k, &l4, &l4len)) == 0)
		return 0;
	/* a tunnel this box sends: its id, and the flow is the inner packet's */
	if (k->proto != 17 || l4 == NULL || l4len < 8 || n_tuns == 0 ||
	    (fn = fx_tun_find(k->dport, &kind)) == NULL || fn(l4 + 8, l4len - 8, &id, &inner, &eth) != 1 ||
	    inner > l4len - 8)
		return bytes;
	in = l4 + 8 + inner;
	l4len -= 8 + inner;
	ik = *k;
	if (eth) {
		if ((off = l2_skip(in, l4len, &et)) == 0 || (et != 0x0800 && et != 0x86dd))
			return bytes;
		in += off;
		l4len -= off;
	}
	/* an inner packet cut short: the outer flow's, as if no tunnel */
	if ((ibytes = ip_parse(in, l4len, &ik, &l4, &inner)) == 0)
		return bytes;
	bytes = ibytes;
	*k = ik;
	k->flags = (uint8_t)((k->flags & ~FX_KF_TUN_MASK) | (uint8_t)kind << FX_KF_TUN_SHIFT);
	k->tun = id;
	return bytes;
}
