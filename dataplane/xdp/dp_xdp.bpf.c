/* The XDP half of dp_xdp (AF_XDP shared-NIC mode), built with clang
 * -target bpf and loaded by DPDK's net_af_xdp (devarg xdp_prog) instead of
 * its default program, which would take every frame from the kernel. This
 * one sends a frame to the AF_XDP socket of its RX queue only when it is
 * for one of sxdp's own addresses as a feature claimed it (sx_steer_rules,
 * written by dp_xdp.c): (destination, IP protocol, destination port), or
 * the address resolution of such an address (ARP whose target it is, an
 * ND solicitation for it, an advertisement sent to it). Everything else is
 * XDP_PASS: the host's own traffic on the same interface is untouched.
 *
 * Parsed: Ethernet, one optional 802.1Q/802.1ad tag, ARP, IPv4 (options
 * skipped), IPv6 without extension headers. A non-first fragment of TCP,
 * UDP or SCTP has no port to match and goes to the kernel. Verdicts are
 * counted per CPU (sx_steer_cnt), and each rule counts its packets per CPU
 * (the rules map's value). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dp_xdp.h"

#define IP_FRAG_MASK 0x3fff           /* MF and the offset: a fragment */
#define IP_OFFSET_MASK 0x1fff
#define ND_SOLICIT 135
#define ND_ADVERT 136

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* ARP for IPv4 over Ethernet (RFC 826), the only kind a box answers. */
struct arp_eth4 {
	__be16 hrd, pro;
	__u8 hln, pln;
	__be16 op;
	__u8 sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, DP_XDP_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DP_XDP_RULES_MAX);
	__type(key, struct dp_xdp_key);
	__type(value, __u64);
} sx_steer_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DP_XDP_CNT_N);
	__type(key, __u32);
	__type(value, __u64);
} sx_steer_cnt SEC(".maps");

static __always_inline void
count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&sx_steer_cnt, &what);

	if (c)
		*c += 1;
}

/* ARP over Ethernet for IPv4: keyed by its target address. */
static __always_inline int
key_arp(void *p, void *end, struct dp_xdp_key *k)
{
	struct arp_eth4 *a = p;

	if ((void *)(a + 1) > end || a->hrd != bpf_htons(1) || a->pro != bpf_htons(ETH_P_IP) ||
	    a->hln != 6 || a->pln != 4)
		return -1;
	k->family = 4;
	k->proto = DP_XDP_RESOLVE;
	__builtin_memcpy(k->addr, a->tpa, 4);
	return 0;
}

/* The destination port of TCP, UDP and SCTP (all start with the two
 * ports); 0 for other protocols, which are claimed whole. -1: a TCP, UDP
 * or SCTP header cut short. */
static __always_inline int
l4_port(__u8 proto, void *l4, void *end, __be16 *port)
{
	__be16 *ports = l4;

	*port = 0;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP)
		return 0;
	if ((void *)(ports + 2) > end)
		return -1;
	*port = ports[1];
	return 0;
}

static __always_inline int
key_ip4(void *p, void *end, struct dp_xdp_key *k)
{
	struct iphdr *ip = p;
	__u32 ihl;

	if ((void *)(ip + 1) > end || ip->version != 4)
		return -1;
	ihl = ip->ihl * 4u;
	if (ihl < sizeof(*ip))
		return -1;
	k->family = 4;
	k->proto = ip->protocol;
	__builtin_memcpy(k->addr, &ip->daddr, 4);
	if (ip->frag_off & bpf_htons(IP_OFFSET_MASK))
		/* a later fragment: the port is in the first one */
		return k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
		       k->proto == IPPROTO_SCTP ? -1 : 0;
	return l4_port(k->proto, p + ihl, end, &k->port);
}

static __always_inline int
key_ip6(void *p, void *end, struct dp_xdp_key *k)
{
	struct ipv6hdr *ip = p;
	__u8 *l4 = (__u8 *)(ip + 1);

	if ((void *)(ip + 1) > end || ip->version != 6)
		return -1;
	k->family = 6;
	k->proto = ip->nexthdr;
	__builtin_memcpy(k->addr, &ip->daddr, 16);
	if (k->proto != IPPROTO_ICMPV6)
		return l4_port(k->proto, l4, end, &k->port);
	/* ICMPv6 type, code, checksum, reserved, then an ND message's target */
	if ((void *)(l4 + 24) > end)
		return 0;
	if (l4[0] == ND_SOLICIT) {
		k->proto = DP_XDP_RESOLVE;
		__builtin_memcpy(k->addr, l4 + 8, 16);
	} else if (l4[0] == ND_ADVERT) {
		/* the answer to the box's solicitation comes to its address */
		k->proto = DP_XDP_RESOLVE;
	}
	return 0;
}

SEC("xdp")
int
sx_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct dp_xdp_key k = { 0 };
	__u64 *hits;
	__be16 type;
	void *l3;
	int rc;

	if ((void *)(eth + 1) > end)
		goto pass;
	type = eth->h_proto;
	l3 = eth + 1;
	if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD)) {
		struct vlan_tag *v = l3;

		if ((void *)(v + 1) > end)
			goto pass;
		type = v->proto;
		l3 = v + 1;
	}
	if (type == bpf_htons(ETH_P_ARP))
		rc = key_arp(l3, end, &k);
	else if (type == bpf_htons(ETH_P_IP))
		rc = key_ip4(l3, end, &k);
	else if (type == bpf_htons(ETH_P_IPV6))
		rc = key_ip6(l3, end, &k);
	else
		rc = -1;
	if (rc < 0 || (hits = bpf_map_lookup_elem(&sx_steer_rules, &k)) == NULL)
		goto pass;
	*hits += 1;
	/* no socket on this queue (sxdp reads other queues, or is starting or
	 * stopping): the kernel gets it rather than nobody */
	rc = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	count(rc == XDP_REDIRECT ? DP_XDP_CNT_STEERED : DP_XDP_CNT_NO_SOCKET);
	return rc;
pass:
	count(DP_XDP_CNT_PASSED);
	return XDP_PASS;
}

/* BSD like the rest of sxdp; GPL-compatible so that any helper loads. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
