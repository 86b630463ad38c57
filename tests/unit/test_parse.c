/* Unit tests of the packet parser (dataplane/parse/dp_parse.c): crafted packets of
 * every supported kind, every truncation of each (plain buffer and split
 * across mbuf segments), named malformed cases, and the burst stage form.
 * Buffers are heap copies of exactly the length under test so ASan/valgrind
 * catch any read past the end. Needs no EAL: mbufs are faked on the heap.
 * Build with -DDP_PARSE_TEST_HOOKS to also check the fast path against the
 * general path. GTP-U is the upf's parser hook for port 2152
 * (pipelines/upf/datapath/up_gtpu.c), registered here as the upf's init does; the
 * cases check what it finds as struct pmeta, the view of dp_meta and the
 * upf's field the parser had before the hook (tun_off is l4_off + 8). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "dp_parse.h"
#include "gtp.h"
#include "up_gtpu.h"

#ifdef DP_PARSE_TEST_HOOKS
unsigned int dp_parse_pkt_general_m(const uint8_t *data, uint32_t len,
				    struct dp_meta *md, struct rte_mbuf *m);
#endif

/* dp_meta and the upf's GTP-U field as one: every field of dp_meta, and
 * the GTP-U ones it had before they went to the upf's (valid under
 * DP_MF_GTPU; their zero values, pdu_type 0xff, otherwise). */
/* a scratch mbuf with its private area: where the hook writes */
struct scratch {
	union {
		struct rte_mbuf m;
		uint8_t b[sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE];
	};
};

#define DP_MF_GTPU  DP_MF_TUN
#define DP_MF_INNER (1u << 31)   /* the view's: up_gtpu.inner */
struct pmeta {
	uint32_t flags;
	uint16_t in_port, slice, l2_len, l3_off, l4_off, ethertype, vlan[DP_META_VLAN_MAX];
	uint8_t l4_proto, ttl;
	uint16_t sport, dport, class_id;
	uint32_t tun_key, hash, out_port, tunnel;
	uint16_t drop;
	uint8_t feature, punt;
	uint16_t tun_off, inner_off, inner_l3_off;
	uint32_t tun_id;
	uint8_t gtp_msg, gtp_qfi, gtp_pdu_type, gtp_xunk;
};

static void
view(struct pmeta *v, const struct dp_meta *md, struct rte_mbuf *m)
{
	const struct up_gtpu *g = up_gtpu(m);
	bool gtpu = up_is_gtpu(md);

	memset(v, 0, sizeof(*v));
	v->flags = md->flags | (gtpu && g->inner ? DP_MF_INNER : 0);
	v->in_port = md->in_port;
	v->slice = md->slice;
	v->l2_len = md->l2_len;
	v->l3_off = md->l3_off;
	v->l4_off = md->l4_off;
	v->ethertype = md->ethertype;
	v->vlan[0] = md->vlan[0];
	v->vlan[1] = md->vlan[1];
	v->l4_proto = md->l4_proto;
	v->ttl = md->ttl;
	v->sport = md->sport;
	v->dport = md->dport;
	v->class_id = md->class_id;
	v->tun_key = md->tun_key;
	v->hash = md->hash;
	v->out_port = md->out_port;
	v->tunnel = md->tunnel;
	v->drop = md->drop;
	v->feature = md->feature;
	v->punt = md->punt;
	v->tun_id = md->tun_key;
	v->gtp_pdu_type = GTPU_PDU_TYPE_NONE;
	if (gtpu) {
		v->tun_off = up_gtpu_hdr_off(md);
		v->inner_off = g->inner_off;
		v->inner_l3_off = g->inner ? g->inner_off : 0;
		v->gtp_msg = g->msg;
		v->gtp_qfi = g->qfi;
		v->gtp_pdu_type = g->pdu_type;
		v->gtp_xunk = g->xunk;
	}
}

#define R(name) DP_DROP_parse_##name

/* ---- packet builder ------------------------------------------------- */

enum { FX_IP4, FX_IP6, FX_UDP, FX_GTP };

struct pb {
	uint8_t b[1024];
	uint32_t len;
	struct { int kind; uint32_t off; } fix[8];
	int nfix;
};

static void
put(struct pb *pk, const void *d, uint32_t n)
{
	ck_assert_uint_le(pk->len + n, sizeof(pk->b));
	memcpy(pk->b + pk->len, d, n);
	pk->len += n;
}

static void
put8(struct pb *pk, uint8_t v)
{
	put(pk, &v, 1);
}

static void
put16(struct pb *pk, uint16_t v)
{
	put8(pk, v >> 8);
	put8(pk, v & 0xff);
}

static void
put32(struct pb *pk, uint32_t v)
{
	put16(pk, v >> 16);
	put16(pk, v & 0xffff);
}

static void
wr16(struct pb *pk, uint32_t off, uint16_t v)
{
	pk->b[off] = v >> 8;
	pk->b[off + 1] = v & 0xff;
}

static void
fixup(struct pb *pk, int kind)
{
	pk->fix[pk->nfix].kind = kind;
	pk->fix[pk->nfix].off = pk->len;
	pk->nfix++;
}

/* Length fields all run to the end of the packet. */
static void
done(struct pb *pk)
{
	int i;

	for (i = 0; i < pk->nfix; i++) {
		uint32_t o = pk->fix[i].off, rest = pk->len - o;

		switch (pk->fix[i].kind) {
		case FX_IP4: wr16(pk, o + 2, rest); break;
		case FX_IP6: wr16(pk, o + 4, rest - 40); break;
		case FX_UDP: wr16(pk, o + 4, rest); break;
		case FX_GTP: wr16(pk, o + 2, rest - 8); break;
		}
	}
}

static void
b_eth(struct pb *pk, uint16_t et)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	put(pk, macs, sizeof(macs));
	put16(pk, et);
}

static void
b_vlan(struct pb *pk, uint16_t tci, uint16_t et)
{
	put16(pk, tci);
	put16(pk, et);
}

/* opt_words 32-bit words of options: router alert, then NOPs. */
static void
b_ipv4(struct pb *pk, uint8_t proto, int opt_words, uint16_t frag)
{
	int i;

	fixup(pk, FX_IP4);
	put8(pk, 0x45 + opt_words);
	put8(pk, 0);
	put16(pk, 0);            /* total length, fixed up */
	put16(pk, 0x1234);
	put16(pk, frag);
	put8(pk, 64);
	put8(pk, proto);
	put16(pk, 0);
	put32(pk, 0x0a000001);
	put32(pk, 0x0a000002);
	if (opt_words > 0)
		put32(pk, 0x94040000);
	for (i = 1; i < opt_words; i++)
		put32(pk, 0x01010101);
}

static void
b_ipv6(struct pb *pk, uint8_t nh)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	fixup(pk, FX_IP6);
	put32(pk, 0x60012345);
	put16(pk, 0);            /* payload length, fixed up */
	put8(pk, nh);
	put8(pk, 255);
	put(pk, src, 16);
	put(pk, dst, 16);
}

/* Hop-by-hop / destination options: one PadN filling (units + 1) * 8. */
static void
b_ip6_opts(struct pb *pk, uint8_t nh, uint8_t units)
{
	uint32_t total = (units + 1u) * 8, i;

	put8(pk, nh);
	put8(pk, units);
	put8(pk, 1);
	put8(pk, total - 4);
	for (i = 4; i < total; i++)
		put8(pk, 0);
}

static void
b_ip6_frag(struct pb *pk, uint8_t nh, uint16_t off8, int more)
{
	put8(pk, nh);
	put8(pk, 0);
	put16(pk, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	put32(pk, 0xcafe);
}

/* Routing header type 4 with one segment: 24 bytes. */
static void
b_ip6_rt(struct pb *pk, uint8_t nh)
{
	put8(pk, nh);
	put8(pk, 2);
	put8(pk, 4);
	put8(pk, 0);
	put32(pk, 0);
	put32(pk, 0x20010db8);
	put32(pk, 0);
	put32(pk, 0);
	put32(pk, 3);
}

/* AH with a 12-byte ICV: (4 + 2) * 4 = 24 bytes. */
static void
b_ah(struct pb *pk, uint8_t nh)
{
	int i;

	put8(pk, nh);
	put8(pk, 4);
	put16(pk, 0);
	put32(pk, 0x1000);       /* SPI */
	put32(pk, 1);            /* sequence */
	for (i = 0; i < 3; i++)
		put32(pk, 0xa5a5a5a5);
}

static void
b_udp(struct pb *pk, uint16_t sport, uint16_t dport)
{
	fixup(pk, FX_UDP);
	put16(pk, sport);
	put16(pk, dport);
	put16(pk, 0);
	put16(pk, 0);
}

static void
b_tcp(struct pb *pk, uint16_t sport, uint16_t dport, int doff)
{
	int i;

	put16(pk, sport);
	put16(pk, dport);
	put32(pk, 1000);
	put32(pk, 0);
	put8(pk, (uint8_t)(doff << 4));
	put8(pk, 0x02);
	put16(pk, 65535);
	put32(pk, 0);
	for (i = 5; i < doff; i++)
		put32(pk, 0x01010101);
}

static void
b_icmp(struct pb *pk, uint8_t type)
{
	put8(pk, type);
	put8(pk, 0);
	put16(pk, 0);
	put32(pk, 0x00010001);
}

static void
b_vxlan(struct pb *pk, uint8_t flags, uint32_t vni)
{
	put32(pk, (uint32_t)flags << 24);
	put32(pk, vni << 8);
}

static void
b_gtp(struct pb *pk, uint8_t flags, uint8_t type, uint32_t teid)
{
	fixup(pk, FX_GTP);
	put8(pk, flags);
	put8(pk, type);
	put16(pk, 0);
	put32(pk, teid);
}

static void
b_gtp_opt(struct pb *pk, uint16_t seq, uint8_t next)
{
	put16(pk, seq);
	put8(pk, 0);
	put8(pk, next);
}

/* PDU Session Container, 4 bytes. */
static void
b_gtp_psc(struct pb *pk, uint8_t type, uint8_t qfi_byte, uint8_t next)
{
	put8(pk, 1);
	put8(pk, (uint8_t)(type << 4));
	put8(pk, qfi_byte);
	put8(pk, next);
}

static void
b_arp(struct pb *pk)
{
	static const uint8_t rest[20] = {
		2, 0, 0, 0, 0, 2, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
	};

	put32(pk, 0x00010800);
	put16(pk, 0x0604);
	put16(pk, 1);
	put(pk, rest, sizeof(rest));
}

static void
b_pay(struct pb *pk, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(pk, (uint8_t)i);
}

/* ---- good packets ---------------------------------------------------- */

/* One builder per packet kind: the layers, outermost first. */
#define KPKT(name, ...) \
	static void name(struct pb *pk) { __VA_ARGS__; }

KPKT(k_udp4, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0); b_udp(pk, 1234, 53);
	b_pay(pk, 18))
KPKT(k_tcp4, b_eth(pk, 0x0800); b_ipv4(pk, 6, 0, 0x4000);
	b_tcp(pk, 40000, 443, 5); b_pay(pk, 6))
KPKT(k_tcp4_opts, b_eth(pk, 0x0800); b_ipv4(pk, 6, 0, 0);
	b_tcp(pk, 40000, 80, 8); b_pay(pk, 10))
KPKT(k_vlan_udp4, b_eth(pk, 0x8100); b_vlan(pk, 0x2064, 0x0800);
	b_ipv4(pk, 17, 0, 0); b_udp(pk, 5000, 5001); b_pay(pk, 14))
KPKT(k_vlan_tcp4, b_eth(pk, 0x8100); b_vlan(pk, 0xfff, 0x0800);
	b_ipv4(pk, 6, 0, 0); b_tcp(pk, 179, 50000, 6); b_pay(pk, 2))
/* A lone 802.1ad S-tag is still one tag. */
KPKT(k_stag_udp4, b_eth(pk, 0x88a8); b_vlan(pk, 200, 0x0800);
	b_ipv4(pk, 17, 0, 0); b_udp(pk, 5000, 5001); b_pay(pk, 14))
KPKT(k_qinq_tcp4, b_eth(pk, 0x88a8); b_vlan(pk, 10, 0x8100);
	b_vlan(pk, 0xe014, 0x0800); b_ipv4(pk, 6, 0, 0); b_tcp(pk, 22, 60000, 5))
KPKT(k_arp, b_eth(pk, 0x0806); b_arp(pk); b_pay(pk, 18))
KPKT(k_lldp, b_eth(pk, 0x88cc); b_pay(pk, 46))
KPKT(k_vlan_lldp, b_eth(pk, 0x8100); b_vlan(pk, 7, 0x88cc); b_pay(pk, 42))
KPKT(k_ip4_opts, b_eth(pk, 0x0800); b_ipv4(pk, 17, 2, 0); b_udp(pk, 68, 67);
	b_pay(pk, 12))
/* First fragment: the UDP length is the whole datagram's. */
KPKT(k_frag_first, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0x2000);
	b_udp(pk, 7000, 7001); b_pay(pk, 32); done(pk); pk->nfix = 0;
	wr16(pk, 14 + 20 + 4, 1480))
KPKT(k_frag_later, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 185); b_pay(pk, 40))
KPKT(k_icmp4, b_eth(pk, 0x0800); b_ipv4(pk, 1, 0, 0); b_icmp(pk, 8);
	b_pay(pk, 18))
KPKT(k_v6_hbh_frag_udp, b_eth(pk, 0x86dd); b_ipv6(pk, 0);
	b_ip6_opts(pk, 44, 0); b_ip6_frag(pk, 17, 0, 1); b_udp(pk, 9000, 9001);
	b_pay(pk, 16); done(pk); pk->nfix = 0; wr16(pk, 14 + 40 + 16 + 4, 3000))
KPKT(k_v6_frag_later, b_eth(pk, 0x86dd); b_ipv6(pk, 0); b_ip6_opts(pk, 44, 0);
	b_ip6_frag(pk, 17, 181, 0); b_pay(pk, 24))
/* An atomic fragment (offset 0, M 0): the whole packet (RFC 6946). */
KPKT(k_v6_atomic_udp, b_eth(pk, 0x86dd); b_ipv6(pk, 44); b_ip6_frag(pk, 17, 0, 0);
	b_udp(pk, 9000, 9001); b_pay(pk, 16))
KPKT(k_v6_dst_rt_ah_tcp, b_eth(pk, 0x86dd); b_ipv6(pk, 60);
	b_ip6_opts(pk, 43, 0); b_ip6_rt(pk, 51); b_ah(pk, 6);
	b_tcp(pk, 1111, 2222, 5))
KPKT(k_udp6, b_eth(pk, 0x86dd); b_ipv6(pk, 17); b_udp(pk, 5353, 5354);
	b_pay(pk, 16))
KPKT(k_vlan_tcp6, b_eth(pk, 0x8100); b_vlan(pk, 0x123, 0x86dd); b_ipv6(pk, 6);
	b_tcp(pk, 443, 40001, 5); b_pay(pk, 4))
KPKT(k_icmp6, b_eth(pk, 0x86dd); b_ipv6(pk, 58); b_icmp(pk, 128);
	b_pay(pk, 8))
KPKT(k_v6_esp, b_eth(pk, 0x86dd); b_ipv6(pk, 50); put32(pk, 0x100);
	b_pay(pk, 20))
KPKT(k_v6_hbh_none, b_eth(pk, 0x86dd); b_ipv6(pk, 0); b_ip6_opts(pk, 59, 0))
KPKT(k_vxlan4, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0x4000);
	b_udp(pk, 49152, 4789); b_vxlan(pk, 0x08, 0x123456); b_eth(pk, 0x0800);
	b_ipv4(pk, 6, 0, 0); b_tcp(pk, 1000, 2000, 5))
KPKT(k_vxlan_vlan6, b_eth(pk, 0x86dd); b_ipv6(pk, 17); b_udp(pk, 50000, 4789);
	b_vxlan(pk, 0x08, 7); b_eth(pk, 0x8100); b_vlan(pk, 30, 0x86dd);
	b_ipv6(pk, 59))
KPKT(k_vxlan_arp, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 50001, 4789); b_vxlan(pk, 0x08, 0xffffff); b_eth(pk, 0x0806);
	b_arp(pk))
KPKT(k_gtp_plain4, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x30, 255, 0x11223344);
	b_ipv4(pk, 17, 0, 0); b_udp(pk, 1, 2))
KPKT(k_gtp_seq_psc_ul6, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 40000, 2152); b_gtp(pk, 0x36, 255, 0xdeadbeef);
	b_gtp_opt(pk, 0x0102, 0x85); b_gtp_psc(pk, 1, 9, 0); b_ipv6(pk, 58);
	b_icmp(pk, 128))
KPKT(k_vlan_gtp4, b_eth(pk, 0x8100); b_vlan(pk, 0x64, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x30, 255, 0x55); b_ipv4(pk, 6, 0, 0);
	b_tcp(pk, 80, 8080, 5))
KPKT(k_vlan_gtp6, b_eth(pk, 0x8100); b_vlan(pk, 7, 0x86dd); b_ipv6(pk, 17);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x30, 255, 9); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 1, 2))
KPKT(k_gtp_psc_ul4, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0x4000);
	b_udp(pk, 50000, 2152); b_gtp(pk, 0x34, 255, 0x10001); b_gtp_opt(pk, 0, 0x85);
	b_gtp_psc(pk, 1, 9, 0); b_ipv6(pk, 17); b_udp(pk, 40000, 7777))
KPKT(k_gtp_psc_dl_over6, b_eth(pk, 0x86dd); b_ipv6(pk, 17);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x34, 255, 42); b_gtp_opt(pk, 0, 0x85);
	b_gtp_psc(pk, 0, 0x40 | 5, 0); b_ipv4(pk, 6, 0, 0); b_tcp(pk, 80, 8080, 5))
KPKT(k_gtp_echo, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x32, 1, 0); b_gtp_opt(pk, 7, 0);
	b_pay(pk, 6))
KPKT(k_gtp_end_marker, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x30, 254, 77))
/* UDP port extension, then PSC: a two-long chain. */
KPKT(k_gtp_two_ext, b_eth(pk, 0x0800); b_ipv4(pk, 17, 0, 0);
	b_udp(pk, 2152, 2152); b_gtp(pk, 0x34, 255, 5); b_gtp_opt(pk, 0, 0x40);
	put8(pk, 1); put16(pk, 2152); put8(pk, 0x85); b_gtp_psc(pk, 1, 63, 0);
	b_ipv4(pk, 1, 0, 0); b_icmp(pk, 0))

#define FULL UINT32_MAX
#define F(x) DP_MF_##x

struct span {
	uint32_t upto;          /* cut < upto -> reason */
	unsigned int reason;
};

struct tcase {
	const char *name;
	void (*build)(struct pb *);
	struct pmeta exp;       /* in_port and hash not compared */
	uint32_t hdr_end;       /* smallest first segment that parses */
	struct span spans[6];   /* ends with upto == FULL */
};

#define M(...) { .gtp_pdu_type = 0xff, __VA_ARGS__ }
#define MG(...) { __VA_ARGS__ }     /* GTP-U cases set gtp_pdu_type */
#define T4(l2) { { 14, R(runt) }, { (l2) + 20, R(ipv4_trunc) }, \
		 { FULL, R(ipv4_len) } }
#define T6(l2) { { 14, R(runt) }, { (l2) + 40, R(ipv6_trunc) }, \
		 { FULL, R(ipv6_len) } }

static const struct tcase cases[] = {
	{ "udp4", k_udp4, M(.flags = F(IPV4) | F(L4), .l2_len = 14, .l3_off = 14,
	  .l4_off = 34, .ethertype = 0x0800, .l4_proto = 17, .ttl = 64,
	  .sport = 1234, .dport = 53), 42, T4(14) },
	{ "tcp4", k_tcp4, M(.flags = F(IPV4) | F(L4), .l2_len = 14, .l3_off = 14,
	  .l4_off = 34, .ethertype = 0x0800, .l4_proto = 6, .ttl = 64,
	  .sport = 40000, .dport = 443), 54, T4(14) },
	{ "tcp4_opts", k_tcp4_opts, M(.flags = F(IPV4) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 6,
	  .ttl = 64, .sport = 40000, .dport = 80), 66, T4(14) },
	{ "vlan_udp4", k_vlan_udp4, M(.flags = F(VLAN) | F(IPV4) | F(L4),
	  .l2_len = 18, .l3_off = 18, .l4_off = 38, .ethertype = 0x0800,
	  .vlan = { 0x2064 }, .l4_proto = 17, .ttl = 64, .sport = 5000,
	  .dport = 5001), 46,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 38, R(ipv4_trunc) },
	    { FULL, R(ipv4_len) } } },
	{ "vlan_tcp4", k_vlan_tcp4, M(.flags = F(VLAN) | F(IPV4) | F(L4),
	  .l2_len = 18, .l3_off = 18, .l4_off = 38, .ethertype = 0x0800,
	  .vlan = { 0xfff }, .l4_proto = 6, .ttl = 64, .sport = 179,
	  .dport = 50000), 62,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 38, R(ipv4_trunc) },
	    { FULL, R(ipv4_len) } } },
	{ "stag_udp4", k_stag_udp4, M(.flags = F(VLAN) | F(IPV4) | F(L4),
	  .l2_len = 18, .l3_off = 18, .l4_off = 38, .ethertype = 0x0800,
	  .vlan = { 200 }, .l4_proto = 17, .ttl = 64, .sport = 5000,
	  .dport = 5001), 46,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 38, R(ipv4_trunc) },
	    { FULL, R(ipv4_len) } } },
	{ "qinq_tcp4", k_qinq_tcp4, M(.flags = F(VLAN) | F(QINQ) | F(IPV4) | F(L4),
	  .l2_len = 22, .l3_off = 22, .l4_off = 42, .ethertype = 0x0800,
	  .vlan = { 10, 0xe014 }, .l4_proto = 6, .ttl = 64, .sport = 22,
	  .dport = 60000), 62,
	  { { 14, R(runt) }, { 22, R(vlan_trunc) }, { 42, R(ipv4_trunc) },
	    { FULL, R(ipv4_len) } } },
	{ "arp", k_arp, M(.flags = F(ARP), .l2_len = 14, .l3_off = 14,
	  .ethertype = 0x0806), 42,
	  { { 14, R(runt) }, { 42, R(arp_trunc) }, { FULL, 0 } } },
	{ "lldp", k_lldp, M(.l2_len = 14, .ethertype = 0x88cc), 14,
	  { { 14, R(runt) }, { FULL, 0 } } },
	{ "vlan_lldp", k_vlan_lldp, M(.flags = F(VLAN), .l2_len = 18,
	  .ethertype = 0x88cc, .vlan = { 7 }), 18,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { FULL, 0 } } },
	{ "ip4_opts", k_ip4_opts, M(.flags = F(IPV4) | F(IP_OPTS) | F(L4),
	  .l2_len = 14, .l3_off = 14, .l4_off = 42, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 68, .dport = 67), 50,
	  { { 14, R(runt) }, { 34, R(ipv4_trunc) }, { 42, R(ipv4_ihl) },
	    { FULL, R(ipv4_len) } } },
	{ "frag_first", k_frag_first, M(.flags = F(IPV4) | F(FRAG) | F(L4),
	  .l2_len = 14, .l3_off = 14, .l4_off = 34, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 7000, .dport = 7001), 42, T4(14) },
	{ "frag_later", k_frag_later, M(.flags = F(IPV4) | F(FRAG) | F(FRAG_LATER),
	  .l2_len = 14, .l3_off = 14, .ethertype = 0x0800, .l4_proto = 17,
	  .ttl = 64), 34, T4(14) },
	{ "icmp4", k_icmp4, M(.flags = F(IPV4) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 1,
	  .ttl = 64), 42, T4(14) },
	{ "v6_hbh_frag_udp", k_v6_hbh_frag_udp,
	  M(.flags = F(IPV6) | F(IP_EXT) | F(FRAG) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 70, .ethertype = 0x86dd, .l4_proto = 17,
	  .ttl = 255, .sport = 9000, .dport = 9001), 78, T6(14) },
	{ "v6_frag_later", k_v6_frag_later,
	  M(.flags = F(IPV6) | F(IP_EXT) | F(FRAG) | F(FRAG_LATER), .l2_len = 14,
	  .l3_off = 14, .ethertype = 0x86dd, .l4_proto = 17, .ttl = 255), 70,
	  T6(14) },
	{ "v6_atomic_udp", k_v6_atomic_udp,
	  M(.flags = F(IPV6) | F(IP_EXT) | F(ATOMIC_FRAG) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 62, .ethertype = 0x86dd, .l4_proto = 17,
	  .ttl = 255, .sport = 9000, .dport = 9001), 70, T6(14) },
	{ "v6_dst_rt_ah_tcp", k_v6_dst_rt_ah_tcp,
	  M(.flags = F(IPV6) | F(IP_EXT) | F(L4), .l2_len = 14, .l3_off = 14,
	  .l4_off = 110, .ethertype = 0x86dd, .l4_proto = 6, .ttl = 255,
	  .sport = 1111, .dport = 2222), 130, T6(14) },
	{ "udp6", k_udp6, M(.flags = F(IPV6) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 54, .ethertype = 0x86dd, .l4_proto = 17,
	  .ttl = 255, .sport = 5353, .dport = 5354), 62, T6(14) },
	{ "vlan_tcp6", k_vlan_tcp6, M(.flags = F(VLAN) | F(IPV6) | F(L4),
	  .l2_len = 18, .l3_off = 18, .l4_off = 58, .ethertype = 0x86dd,
	  .vlan = { 0x123 }, .l4_proto = 6, .ttl = 255, .sport = 443,
	  .dport = 40001), 78,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 58, R(ipv6_trunc) },
	    { FULL, R(ipv6_len) } } },
	{ "icmp6", k_icmp6, M(.flags = F(IPV6) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 54, .ethertype = 0x86dd, .l4_proto = 58,
	  .ttl = 255), 58, T6(14) },
	/* its SPI is in the flow hash: the header ends after it */
	{ "v6_esp", k_v6_esp, M(.flags = F(IPV6), .l2_len = 14, .l3_off = 14,
	  .l4_off = 54, .ethertype = 0x86dd, .l4_proto = 50, .ttl = 255), 58,
	  T6(14) },
	{ "v6_hbh_none", k_v6_hbh_none, M(.flags = F(IPV6) | F(IP_EXT),
	  .l2_len = 14, .l3_off = 14, .l4_off = 62, .ethertype = 0x86dd,
	  .l4_proto = 59, .ttl = 255), 62, T6(14) },
	/* VXLAN is plain UDP to the core: the overlay feature reads it */
	{ "vxlan4", k_vxlan4, M(.flags = F(IPV4) | F(L4),
	  .l2_len = 14, .l3_off = 14, .l4_off = 34, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 49152, .dport = 4789), 42, T4(14) },
	{ "vxlan_vlan6", k_vxlan_vlan6,
	  M(.flags = F(IPV6) | F(L4), .l2_len = 14,
	  .l3_off = 14, .l4_off = 54, .ethertype = 0x86dd, .l4_proto = 17,
	  .ttl = 255, .sport = 50000, .dport = 4789), 62, T6(14) },
	{ "vxlan_arp", k_vxlan_arp, M(.flags = F(IPV4) | F(L4),
	  .l2_len = 14, .l3_off = 14, .l4_off = 34, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 50001, .dport = 4789), 42, T4(14) },
	{ "gtp_plain4", k_gtp_plain4,
	  M(.flags = F(IPV4) | F(L4) | F(GTPU) | F(INNER), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 17,
	  .ttl = 64, .sport = 2152, .dport = 2152, .tun_off = 42,
	  .inner_off = 50, .inner_l3_off = 50, .tun_id = 0x11223344,
	  .gtp_msg = 255), 70, T4(14) },
	{ "gtp_seq_psc_ul6", k_gtp_seq_psc_ul6,
	  MG(.flags = F(IPV4) | F(L4) | F(GTPU) | F(INNER), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 17,
	  .ttl = 64, .sport = 40000, .dport = 2152, .tun_off = 42,
	  .inner_off = 58, .inner_l3_off = 58, .tun_id = 0xdeadbeef,
	  .gtp_msg = 255, .gtp_qfi = 9, .gtp_pdu_type = 1), 98, T4(14) },
	{ "vlan_gtp4", k_vlan_gtp4,
	  M(.flags = F(VLAN) | F(IPV4) | F(L4) | F(GTPU) | F(INNER), .l2_len = 18,
	  .l3_off = 18, .l4_off = 38, .ethertype = 0x0800, .vlan = { 0x64 },
	  .l4_proto = 17, .ttl = 64, .sport = 2152, .dport = 2152, .tun_off = 46,
	  .inner_off = 54, .inner_l3_off = 54, .tun_id = 0x55, .gtp_msg = 255), 74,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 38, R(ipv4_trunc) },
	    { FULL, R(ipv4_len) } } },
	{ "vlan_gtp6", k_vlan_gtp6,
	  M(.flags = F(VLAN) | F(IPV6) | F(L4) | F(GTPU) | F(INNER), .l2_len = 18,
	  .l3_off = 18, .l4_off = 58, .ethertype = 0x86dd, .vlan = { 7 },
	  .l4_proto = 17, .ttl = 255, .sport = 2152, .dport = 2152, .tun_off = 66,
	  .inner_off = 74, .inner_l3_off = 74, .tun_id = 9, .gtp_msg = 255), 94,
	  { { 14, R(runt) }, { 18, R(vlan_trunc) }, { 58, R(ipv6_trunc) },
	    { FULL, R(ipv6_len) } } },
	{ "gtp_psc_ul4", k_gtp_psc_ul4,
	  MG(.flags = F(IPV4) | F(L4) | F(GTPU) | F(INNER), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 17,
	  .ttl = 64, .sport = 50000, .dport = 2152, .tun_off = 42,
	  .inner_off = 58, .inner_l3_off = 58, .tun_id = 0x10001, .gtp_msg = 255,
	  .gtp_qfi = 9, .gtp_pdu_type = 1), 98, T4(14) },
	{ "gtp_psc_dl_over6", k_gtp_psc_dl_over6,
	  MG(.flags = F(IPV6) | F(L4) | F(GTPU) | F(INNER), .l2_len = 14,
	  .l3_off = 14, .l4_off = 54, .ethertype = 0x86dd, .l4_proto = 17,
	  .ttl = 255, .sport = 2152, .dport = 2152, .tun_off = 62,
	  .inner_off = 78, .inner_l3_off = 78, .tun_id = 42, .gtp_msg = 255,
	  .gtp_qfi = 5, .gtp_pdu_type = 0), 98, T6(14) },
	{ "gtp_echo", k_gtp_echo, M(.flags = F(IPV4) | F(L4) | F(GTPU),
	  .l2_len = 14, .l3_off = 14, .l4_off = 34, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 2152, .dport = 2152,
	  .tun_off = 42, .gtp_msg = 1), 54, T4(14) },
	{ "gtp_end_marker", k_gtp_end_marker, M(.flags = F(IPV4) | F(L4) | F(GTPU),
	  .l2_len = 14, .l3_off = 14, .l4_off = 34, .ethertype = 0x0800,
	  .l4_proto = 17, .ttl = 64, .sport = 2152, .dport = 2152,
	  .tun_off = 42, .tun_id = 77, .gtp_msg = 254), 50, T4(14) },
	{ "gtp_two_ext", k_gtp_two_ext,
	  MG(.flags = F(IPV4) | F(L4) | F(GTPU) | F(INNER), .l2_len = 14,
	  .l3_off = 14, .l4_off = 34, .ethertype = 0x0800, .l4_proto = 17,
	  .ttl = 64, .sport = 2152, .dport = 2152, .tun_off = 42,
	  .inner_off = 62, .inner_l3_off = 62, .tun_id = 5, .gtp_msg = 255,
	  .gtp_qfi = 63, .gtp_pdu_type = 1), 82, T4(14) },
};

#define N_CASES (int)(sizeof(cases) / sizeof(cases[0]))

static void
build(const struct tcase *tc, struct pb *pk)
{
	memset(pk, 0, sizeof(*pk));
	tc->build(pk);
	done(pk);
}

/* Parse from an exact-size heap copy so any over-read is caught; v's
 * in_port is the one the parser must keep, every other byte is garbage. */
static unsigned int
parse_copy(const uint8_t *d, uint32_t len, struct pmeta *v)
{
	uint8_t *c = malloc(len ? len : 1);
	struct scratch m;
	struct dp_meta md;
	unsigned int r;

	ck_assert_ptr_nonnull(c);
	memcpy(c, d, len);
	memset(&md, 0xa5, sizeof(md));
	memset(&m, 0x5a, sizeof(m));
	md.in_port = v->in_port;
	r = dp_parse_pkt_m(c, len, &md, &m.m);
	view(v, &md, &m.m);
	free(c);
	return r;
}

static void
assert_meta(const char *name, const struct pmeta *got,
	    const struct pmeta *exp)
{
#define EQ(f) ck_assert_msg(got->f == exp->f, "%s: " #f " got %#x want %#x", \
			    name, (unsigned int)got->f, (unsigned int)exp->f)
	EQ(flags); EQ(slice); EQ(l2_len); EQ(l3_off); EQ(l4_off); EQ(ethertype);
	EQ(vlan[0]); EQ(vlan[1]); EQ(l4_proto); EQ(ttl); EQ(sport); EQ(dport);
	EQ(tun_off); EQ(inner_off); EQ(inner_l3_off); EQ(tun_id); EQ(gtp_msg);
	EQ(gtp_qfi); EQ(gtp_pdu_type); EQ(gtp_xunk); EQ(out_port); EQ(tunnel); EQ(drop);
	EQ(feature); EQ(punt);
#undef EQ
}

static unsigned int
expected_cut(const struct tcase *tc, uint32_t cut, uint32_t full)
{
	int i;

	if (cut == full)
		return 0;
	for (i = 0; tc->spans[i].upto != FULL; i++)
		if (cut < tc->spans[i].upto)
			return tc->spans[i].reason;
	return tc->spans[i].reason;
}

START_TEST(good_packet)
{
	const struct tcase *tc = &cases[_i];
	struct pmeta md, md2;
	struct pb pk;
	unsigned int r;

	build(tc, &pk);
	/* Garbage first (parse_copy): nothing stale may survive. */
	memset(&md, 0xa5, sizeof(md));
	md.in_port = 3;
	r = parse_copy(pk.b, pk.len, &md);
	ck_assert_msg(r == 0, "%s: drop %s", tc->name, dp_drop_name(r));
	ck_assert_uint_eq(md.in_port, 3);
	assert_meta(tc->name, &md, &tc->exp);

	memset(&md2, 0x5a, sizeof(md2));
	md2.in_port = 3;
	ck_assert_uint_eq(parse_copy(pk.b, pk.len, &md2), 0);
	ck_assert_msg(memcmp(&md, &md2, sizeof(md)) == 0, "%s: not deterministic",
		      tc->name);
#ifdef DP_PARSE_TEST_HOOKS
	{
		struct dp_meta g;
		struct scratch m;

		memset(&g, 0x11, sizeof(g));
		memset(&m, 0x22, sizeof(m));
		g.in_port = 3;
		ck_assert_uint_eq(dp_parse_pkt_general_m(pk.b, pk.len, &g, &m.m), 0);
		view(&md2, &g, &m.m);
		ck_assert_msg(memcmp(&md, &md2, sizeof(md)) == 0,
			      "%s: fast path differs from general path", tc->name);
	}
#endif
}
END_TEST

/* Every prefix of every good packet, as a plain buffer. */
START_TEST(truncations)
{
	const struct tcase *tc = &cases[_i];
	struct pmeta md = { 0 };
	struct pb pk;
	uint32_t cut;

	build(tc, &pk);
	for (cut = 0; cut <= pk.len; cut++) {
		unsigned int r = parse_copy(pk.b, cut, &md), want;
		const char *n = dp_drop_name(r);

		ck_assert_msg(n != NULL && (r == 0 || strncmp(n, "parse.", 6) == 0),
			      "%s/%u: bad reason %u", tc->name, cut, r);
		want = expected_cut(tc, cut, pk.len);
		ck_assert_msg(r == want, "%s/%u: got %s want %s", tc->name, cut,
			      n, dp_drop_name(want));
#ifdef DP_PARSE_TEST_HOOKS
		{
			struct dp_meta g;
			struct scratch m;

			ck_assert_uint_eq(dp_parse_pkt_general_m(pk.b, cut, &g, &m.m), r);
		}
#endif
	}
}
END_TEST

/* ---- fake mbufs (no EAL) -------------------------------------------- */

struct fake {
	struct rte_mbuf *m;
	uint8_t *data;
};

/* seg bytes in the first segment (an exact-size allocation), pkt_len in
 * total: bytes past seg are never there to read. */
static struct fake
fake_mbuf(const uint8_t *d, uint32_t seg, uint32_t pkt_len)
{
	struct fake f;
	size_t sz = RTE_ALIGN_CEIL(sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE,
				   RTE_CACHE_LINE_SIZE);

	f.m = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	ck_assert_ptr_nonnull(f.m);
	memset(f.m, 0, sz);
	f.data = malloc(seg ? seg : 1);
	ck_assert_ptr_nonnull(f.data);
	memcpy(f.data, d, seg);
	f.m->buf_addr = f.data;
	f.m->data_off = 0;
	f.m->buf_len = (uint16_t)seg;
	f.m->data_len = (uint16_t)seg;
	f.m->pkt_len = pkt_len;
	f.m->nb_segs = seg < pkt_len ? 2 : 1;
	f.m->priv_size = DP_META_PRIV_SIZE;
	return f;
}

static void
fake_free(struct fake *f)
{
	free(f->data);
	free(f->m);
}

/* Every first-segment length: below hdr_end multiseg, from it on the same
 * metadata as the whole packet. */
START_TEST(multiseg)
{
	const struct tcase *tc = &cases[_i];
	struct pmeta full, got;
	struct pb pk;
	uint32_t seg;

	build(tc, &pk);
	memset(&full, 0, sizeof(full));
	ck_assert_uint_eq(parse_copy(pk.b, pk.len, &full), 0);
	for (seg = 0; seg <= pk.len; seg++) {
		struct fake f = fake_mbuf(pk.b, seg, pk.len);
		struct dp_meta *md = dp_meta(f.m);
		uint16_t next = 0xffff, n;

		memset(md, 0x77, sizeof(*md));
		md->in_port = full.in_port;
		n = dp_parse_burst(NULL, &f.m, 1, &next);
		if (seg < tc->hdr_end) {
			ck_assert_msg(n == 0 && next == DP_NEXT_DROP(R(multiseg)),
				      "%s/%u: next %#x", tc->name, seg, next);
		} else {
			ck_assert_msg(n == 1 && next == DP_NEXT_CONTINUE,
				      "%s/%u: next %#x (%s)", tc->name, seg, next,
				      DP_NEXT_IS_DROP(next) ?
				      dp_drop_name(DP_NEXT_REASON(next)) : "");
			view(&got, md, f.m);
			ck_assert_msg(memcmp(&got, &full, sizeof(full)) == 0,
				      "%s/%u: meta differs", tc->name, seg);
		}
		fake_free(&f);
	}
}
END_TEST

/* ---- malformed packets ---------------------------------------------- */

static unsigned int
parse_pb(struct pb *pk, struct pmeta *md)
{
	return parse_copy(pk->b, pk->len, md);
}

#define EXPECT(pk, reason) do {                                         \
	struct pmeta md_ = { 0 };                                       \
	unsigned int r_ = parse_pb(pk, &md_);                           \
	ck_assert_msg(r_ == (reason), "got %s want %s", dp_drop_name(r_), \
		      dp_drop_name(reason));                            \
} while (0)

/* Parsed (0) with its GTP-U flags as want: plain UDP to port 2152 is no
 * drop. */
#define EXPECT_FLAGS(pk, want) do {                                     \
	struct pmeta md_ = { 0 };                                       \
	unsigned int r_ = parse_pb(pk, &md_);                           \
	ck_assert_msg(r_ == 0, "got %s want no drop", dp_drop_name(r_)); \
	ck_assert_uint_eq(md_.flags & (DP_MF_GTPU | DP_MF_INNER), (want)); \
	ck_assert(md_.flags & DP_MF_L4);                                \
} while (0)

static void
fresh(struct pb *pk, void (*k)(struct pb *))
{
	memset(pk, 0, sizeof(*pk));
	k(pk);
	done(pk);
}

START_TEST(bad_ipv4)
{
	struct pb pk;

	fresh(&pk, k_udp4);
	pk.b[14] = 0x44;                        /* IHL 4 */
	EXPECT(&pk, R(ipv4_ihl));
	fresh(&pk, k_udp4);
	pk.b[14] = 0x4f;                        /* IHL 15: 60 > 46 bytes left */
	EXPECT(&pk, R(ipv4_ihl));
	fresh(&pk, k_udp4);
	pk.b[14] = 0x65;
	EXPECT(&pk, R(ipv4_version));
	fresh(&pk, k_udp4);
	wr16(&pk, 16, (uint16_t)(pk.len - 14 + 1));   /* total length too big */
	EXPECT(&pk, R(ipv4_len));
	fresh(&pk, k_udp4);
	wr16(&pk, 16, 19);                      /* below the header */
	EXPECT(&pk, R(ipv4_len));
	fresh(&pk, k_udp4);
	wr16(&pk, 16, 24);                      /* UDP header past the datagram */
	EXPECT(&pk, R(l4_trunc));
	fresh(&pk, k_icmp4);
	wr16(&pk, 16, 24);
	EXPECT(&pk, R(l4_trunc));
	/* Ethernet padding after a short datagram is fine. */
	fresh(&pk, k_udp4);
	wr16(&pk, 16, 28);
	wr16(&pk, 38, 8);
	EXPECT(&pk, 0);
}
END_TEST

START_TEST(bad_l4)
{
	struct pb pk;

	fresh(&pk, k_tcp4);
	pk.b[46] = 3 << 4;                      /* doff 3 */
	EXPECT(&pk, R(tcp_doff));
	fresh(&pk, k_tcp4);
	pk.b[46] = 15 << 4;                     /* 60 bytes, only 26 there */
	EXPECT(&pk, R(tcp_doff));
	fresh(&pk, k_udp4);
	wr16(&pk, 38, 4);
	EXPECT(&pk, R(udp_len));
	fresh(&pk, k_udp4);
	wr16(&pk, 38, (uint16_t)(pk.len - 34 + 1));
	EXPECT(&pk, R(udp_len));
	fresh(&pk, k_vlan_udp4);                /* same through the slow path */
	wr16(&pk, 42, 7);
	EXPECT(&pk, R(udp_len));
}
END_TEST

START_TEST(bad_l2)
{
	struct pb pk;

	memset(&pk, 0, sizeof(pk));
	b_eth(&pk, 0x8100);
	b_vlan(&pk, 1, 0x88a8);
	b_vlan(&pk, 2, 0x8100);
	b_vlan(&pk, 3, 0x0800);
	b_ipv4(&pk, 17, 0, 0);
	b_udp(&pk, 1, 2);
	done(&pk);
	EXPECT(&pk, R(vlan_depth));

	fresh(&pk, k_arp);
	pk.b[15] = 6;                           /* IEEE 802 hardware type */
	EXPECT(&pk, R(arp_trunc));
	fresh(&pk, k_arp);
	pk.b[19] = 16;                          /* plen */
	EXPECT(&pk, R(arp_trunc));
}
END_TEST

static void
v6_chain(struct pb *pk, int n_ext)
{
	int i;

	memset(pk, 0, sizeof(*pk));
	b_eth(pk, 0x86dd);
	b_ipv6(pk, 60);
	for (i = 0; i < n_ext; i++)
		b_ip6_opts(pk, i == n_ext - 1 ? 17 : 60, 0);
	b_udp(pk, 1, 2);
	done(pk);
}

START_TEST(bad_ipv6)
{
	struct pb pk;
	struct pmeta md = { 0 };

	v6_chain(&pk, DP_PARSE_IPV6_EXT_MAX);
	ck_assert_uint_eq(parse_pb(&pk, &md), 0);
	ck_assert_uint_eq(md.l4_off, 14 + 40 + 8 * DP_PARSE_IPV6_EXT_MAX);
	v6_chain(&pk, DP_PARSE_IPV6_EXT_MAX + 1);
	EXPECT(&pk, R(ipv6_ext));

	fresh(&pk, k_icmp6);
	pk.b[14] = 0x45;
	EXPECT(&pk, R(ipv6_version));
	fresh(&pk, k_icmp6);
	wr16(&pk, 18, (uint16_t)(pk.len - 54 + 1));
	EXPECT(&pk, R(ipv6_len));
	fresh(&pk, k_v6_hbh_frag_udp);
	pk.b[55] = 4;                           /* HBH of 40 bytes */
	EXPECT(&pk, R(ipv6_ext));
	fresh(&pk, k_v6_dst_rt_ah_tcp);
	pk.b[86 + 1] = 200;                     /* AH past the payload */
	EXPECT(&pk, R(ipv6_ext));
}
END_TEST

START_TEST(bad_tunnels)
{
	struct pb pk;

	/* a broken VXLAN header is not the core's to judge: a switch passes
	 * such UDP on, an overlay decap names what is wrong with it */
	fresh(&pk, k_vxlan4);
	pk.b[42] = 0;                           /* I flag clear */
	EXPECT(&pk, 0);

	memset(&pk, 0, sizeof(pk));             /* inner Ethernet cut short */
	b_eth(&pk, 0x0800);
	b_ipv4(&pk, 17, 0, 0);
	b_udp(&pk, 1, 4789);
	b_vxlan(&pk, 0x08, 1);
	b_pay(&pk, 10);
	done(&pk);
	EXPECT(&pk, 0);

	/* Nor is a broken GTP-U header: UDP to 2152 is GTP-U only to the
	 * UPF's endpoints, whose stage names what is wrong; here it is plain
	 * UDP (no DP_MF_GTPU), or GTP-U without an inner header (DP_MF_INNER
	 * clear) when the T-PDU's IP header is cut short. */
	memset(&pk, 0, sizeof(pk));             /* inner IPv4 header short */
	b_eth(&pk, 0x0800);
	b_ipv4(&pk, 17, 0, 0);
	b_udp(&pk, 1, 2152);
	b_gtp(&pk, 0x30, 255, 1);
	put8(&pk, 0x45);
	b_pay(&pk, 10);
	done(&pk);
	EXPECT_FLAGS(&pk, DP_MF_GTPU);

	fresh(&pk, k_gtp_plain4);
	pk.b[42] = 0x50;                        /* version 2 */
	EXPECT_FLAGS(&pk, 0);
	fresh(&pk, k_gtp_plain4);
	pk.b[42] = 0x20;                        /* PT 0: GTP' */
	EXPECT_FLAGS(&pk, 0);
	fresh(&pk, k_gtp_seq_psc_ul6);
	pk.b[54] = 0;                           /* extension length 0 */
	EXPECT_FLAGS(&pk, 0);
	fresh(&pk, k_gtp_plain4);
	wr16(&pk, 44, (uint16_t)(pk.len - 50 + 1));   /* longer than UDP */
	EXPECT_FLAGS(&pk, 0);

	/* A chain of GTP_EXT_MAX + 1 PDCP number extensions. */
	{
		int i;

		memset(&pk, 0, sizeof(pk));
		b_eth(&pk, 0x0800);
		b_ipv4(&pk, 17, 0, 0);
		b_udp(&pk, 2152, 2152);
		b_gtp(&pk, 0x34, 255, 1);
		b_gtp_opt(&pk, 0, 0xc0);
		for (i = 0; i <= GTP_EXT_MAX; i++) {
			put8(&pk, 1);
			put16(&pk, (uint16_t)i);
			put8(&pk, i == GTP_EXT_MAX ? 0 : 0xc0);
		}
		done(&pk);
		EXPECT_FLAGS(&pk, 0);
	}
	/* Fragments are not tunnel-parsed: a later stage reassembles. */
	fresh(&pk, k_gtp_plain4);
	wr16(&pk, 20, 0x2000);
	pk.b[42] = 0x50;
	EXPECT(&pk, 0);
}
END_TEST

START_TEST(hash)
{
	struct pb pk;
	struct pmeta a = { 0 }, b = { 0 };

	fresh(&pk, k_udp4);
	parse_pb(&pk, &a);
	pk.b[36] ^= 1;                          /* other dport */
	parse_pb(&pk, &b);
	ck_assert_uint_ne(a.hash, b.hash);

	/* All fragments of one datagram hash alike. */
	fresh(&pk, k_frag_first);
	parse_pb(&pk, &a);
	fresh(&pk, k_frag_later);
	parse_pb(&pk, &b);
	ck_assert_uint_eq(a.hash, b.hash);
	fresh(&pk, k_v6_hbh_frag_udp);
	parse_pb(&pk, &a);
	fresh(&pk, k_v6_frag_later);
	parse_pb(&pk, &b);
	ck_assert_uint_eq(a.hash, b.hash);
	/* An atomic fragment is no fragment: its ports are its flow's, the
	 * reserved bits do not matter, and M or an offset make a fragment. */
	fresh(&pk, k_v6_atomic_udp);
	parse_pb(&pk, &a);
	pk.b[62 + 1] ^= 1;                      /* other sport */
	parse_pb(&pk, &b);
	ck_assert_uint_ne(a.hash, b.hash);
	fresh(&pk, k_v6_atomic_udp);
	pk.b[54 + 3] |= 0x06;                   /* reserved bits */
	parse_pb(&pk, &b);
	ck_assert_uint_eq(a.hash, b.hash);
	ck_assert_uint_eq(b.flags, F(IPV6) | F(IP_EXT) | F(ATOMIC_FRAG) | F(L4));
	pk.b[54 + 3] |= 0x01;                   /* M */
	parse_pb(&pk, &b);
	ck_assert_uint_eq(b.flags, F(IPV6) | F(IP_EXT) | F(FRAG) | F(L4));
	fresh(&pk, k_v6_atomic_udp);
	pk.b[54 + 3] = 0x08;                    /* offset 1 */
	parse_pb(&pk, &b);
	ck_assert_uint_eq(b.flags, F(IPV6) | F(IP_EXT) | F(FRAG) | F(FRAG_LATER));

	/* GTP-U flows between the same two nodes still spread by TEID. */
	fresh(&pk, k_gtp_plain4);
	parse_pb(&pk, &a);
	pk.b[49] ^= 1;
	parse_pb(&pk, &b);
	ck_assert_uint_ne(a.hash, b.hash);

	/* ESP between two nodes by SPI (per-resource SAs spread), not by
	 * what follows it */
	fresh(&pk, k_v6_esp);
	parse_pb(&pk, &a);
	pk.b[54 + 3] ^= 1;                      /* another SPI */
	parse_pb(&pk, &b);
	ck_assert_uint_ne(a.hash, b.hash);
	pk.b[54 + 3] ^= 1;
	pk.b[54 + 7] ^= 1;                      /* another sequence number */
	parse_pb(&pk, &b);
	ck_assert_uint_eq(a.hash, b.hash);
}
END_TEST

START_TEST(burst)
{
	enum { NB = 5 };
	struct fake f[NB];
	struct rte_mbuf *ms[NB];
	uint16_t next[NB];
	struct pb a, b, c;
	int i;

	fresh(&a, k_udp4);
	fresh(&b, k_udp4);
	b.b[14] = 0x44;
	fresh(&c, k_lldp);
	f[0] = fake_mbuf(a.b, a.len, a.len);
	f[1] = fake_mbuf(b.b, b.len, b.len);
	f[2] = fake_mbuf(c.b, c.len, c.len);
	f[3] = fake_mbuf(a.b, 20, a.len);       /* split inside IPv4 */
	f[4] = fake_mbuf(a.b, a.len, a.len);
	f[4].m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
	f[4].m->hash.rss = 0xfeedf00d;
	for (i = 0; i < NB; i++) {
		ms[i] = f[i].m;
		memset(dp_meta(ms[i]), 0xee, sizeof(struct dp_meta));
		dp_meta(ms[i])->in_port = (uint16_t)(10 + i);
	}
	ck_assert_uint_eq(dp_parse_burst(NULL, ms, NB, next), 3);
	ck_assert_uint_eq(next[0], DP_NEXT_CONTINUE);
	ck_assert_uint_eq(next[1], DP_NEXT_DROP(R(ipv4_ihl)));
	ck_assert_uint_eq(next[2], DP_NEXT_CONTINUE);
	ck_assert_uint_eq(next[3], DP_NEXT_DROP(R(multiseg)));
	ck_assert_uint_eq(next[4], DP_NEXT_CONTINUE);
	for (i = 0; i < NB; i++)
		ck_assert_uint_eq(dp_meta(ms[i])->in_port, 10 + i);
	ck_assert_uint_eq(dp_meta(ms[4])->hash, 0xfeedf00d);
	ck_assert_uint_ne(dp_meta(ms[0])->hash, 0xfeedf00d);
	ck_assert_uint_eq(dp_meta(ms[2])->flags, 0);
	ck_assert_uint_eq(dp_meta(ms[2])->tun_key, 0);
	ck_assert_uint_eq(dp_meta(ms[2])->out_port, 0);
	ck_assert_uint_eq(dp_parse_burst(NULL, ms, 0, next), 0);
	for (i = 0; i < NB; i++)
		fake_free(&f[i]);
}
END_TEST

/* The fast IPv4 header check agrees with DPDK's 16-bit sum, on random
 * headers with and without options, right and wrong; so does the checksum
 * to store, whatever the field held. */
START_TEST(ipv4_cksum)
{
	uint32_t x = 2463534242u;

	for (int n = 0; n < 20000; n++) {
		uint8_t h[60] __attribute__((aligned(4)));
		unsigned int ihl = 5 + (n % 4 == 0 ? (unsigned int)(n / 4) % 11 : 0);
		uint16_t ck;

		for (unsigned int i = 0; i < sizeof(h); i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			h[i] = (uint8_t)x;
		}
		h[0] = (uint8_t)(0x40 | ihl);
		if (n % 2 == 0) {	/* a right checksum */
			h[10] = h[11] = 0;
			ck = (uint16_t)~rte_raw_cksum(h, ihl * 4);
			memcpy(h + 10, &ck, 2);
		}
		ck_assert_int_eq(dp_ipv4_cksum_ok(h), rte_raw_cksum(h, ihl * 4) == 0xffff);
		/* the checksum to store: the library's over the header with its field 0 */
		{
			uint8_t z[60];

			memcpy(z, h, ihl * 4);
			z[10] = z[11] = 0;
			ck_assert_uint_eq(dp_ipv4_cksum(h), rte_ipv4_cksum((const struct rte_ipv4_hdr *)z));
		}
		/* misaligned, as a header behind a VLAN tag or at any offset is */
		{
			uint8_t m[64];

			memcpy(m + 2, h, ihl * 4);
			ck_assert_int_eq(dp_ipv4_cksum_ok(m + 2), rte_raw_cksum(h, ihl * 4) == 0xffff);
		}
	}
}
END_TEST

/* Software RSS's peek (dp_parse_peek_key): where it reads a key, a frame
 * the port's parser takes gets that key and the flow hash the peek gave,
 * so a flow goes to one worker whether it is spread before the parse or
 * after. Every good case and every prefix of it, and random bytes in
 * G-PDUs' headers (from an exact-size copy: an over-read is caught). */
static void
peek_agrees(const uint8_t *d, uint32_t len, unsigned int *peeked)
{
	uint8_t *c = malloc(len ? len : 1);
	uint32_t key, h, rss = 0x5eed1234;
	struct scratch m;
	struct dp_meta md;

	ck_assert_ptr_nonnull(c);
	memcpy(c, d, len);
	if (dp_parse_peek_key(c, len, len, NULL, &key, &h) == 0) {
		memset(&md, 0xa5, sizeof(md));
		memset(&m, 0x5a, sizeof(m));
		++*peeked;
		if (dp_parse_pkt_m(c, len, &md, &m.m) == 0 && (md.flags & DP_MF_TUN)) {
			ck_assert_uint_eq(md.tun_key, key);
			ck_assert_uint_eq(md.hash, h);
		}
		ck_assert_int_eq(dp_parse_peek_key(c, len, len, &rss, &key, &h), 0);
		ck_assert_uint_eq(h, rss);
	}
	free(c);
}

START_TEST(peek_key)
{
	unsigned int peeked = 0, gpdus = 0;
	uint32_t x = 88172645u;
	struct pb pk;

	for (unsigned int i = 0; i < N_CASES; i++) {
		build(&cases[i], &pk);
		for (uint32_t len = 0; len <= pk.len; len++)
			peek_agrees(pk.b, len, &peeked);
		if (pk.len < 14 + 20 + 8 + 8 || pk.b[12] != 0x08 || pk.b[23] != 17 || pk.b[36] != 0x08 ||
		    pk.b[37] != 0x68)
			continue;
		gpdus++;
		for (int n = 0; n < 2000; n++) {
			uint8_t b[sizeof(pk.b)];

			memcpy(b, pk.b, pk.len);
			for (int e = 0; e < 3; e++) {
				x ^= x << 13; x ^= x >> 17; x ^= x << 5;
				b[14 + (x >> 8) % (pk.len - 14 < 48 ? pk.len - 14 : 48)] = (uint8_t)x;
			}
			peek_agrees(b, pk.len, &peeked);
		}
	}
	ck_assert_msg(gpdus > 0 && peeked > gpdus, "the peek never read a key (%u of %u G-PDUs)", peeked, gpdus);
}
END_TEST

START_TEST(names)
{
	unsigned int r;

	for (r = 1; r <= R(multiseg); r++) {
		const char *n = dp_drop_name(r);

		ck_assert_ptr_nonnull(n);
		ck_assert_msg(strncmp(n, "parse.", 6) == 0, "%s", n);
	}
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite *s = suite_create("dp_parse");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, good_packet, 0, N_CASES);
	tcase_add_loop_test(tc, truncations, 0, N_CASES);
	tcase_add_loop_test(tc, multiseg, 0, N_CASES);
	tcase_add_test(tc, bad_ipv4);
	tcase_add_test(tc, bad_l4);
	tcase_add_test(tc, bad_l2);
	tcase_add_test(tc, bad_ipv6);
	tcase_add_test(tc, bad_tunnels);
	tcase_add_test(tc, hash);
	tcase_add_test(tc, burst);
	tcase_add_test(tc, names);
	tcase_add_test(tc, ipv4_cksum);
	tcase_add_test(tc, peek_key);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	/* the upf's init */
	if (up_gtpu_init() != 0)
		return EXIT_FAILURE;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
