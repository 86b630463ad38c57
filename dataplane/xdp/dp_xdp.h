/* AF_XDP shared-NIC mode: a port whose interface stays the kernel's too.
 * Its XDP program (dp_xdp.bpf.c, loaded by net_af_xdp through the devarg
 * xdp_prog) gives sxdp's AF_XDP socket only what the features claim here:
 * (address, IP protocol, destination port) of the box's own addresses, and
 * the ARP/ND of those addresses. Everything else (the host's SSH, its
 * management, its own ARP) goes on to the kernel.
 *
 * Features claim from the main lcore (a table deriver's done(), init, the
 * slow path), never from workers. A claim belongs to an owner (the
 * feature's name) and claiming is idempotent: adding what an owner holds,
 * or deleting what it does not, is 0 and changes nothing, so a feature
 * re-asserts what its tables say without remembering what it claimed. A
 * rule is in the XDP maps while any owner claims it; dp_xdp writes the
 * maps of every shared port. Without a shared port every call is a no-op.
 *
 * The first part is the ABI the XDP program and sxdp share: it includes
 * linux/types.h only, as it is also compiled with clang -target bpf. */
#ifndef DP_XDP_H
#define DP_XDP_H

#include <linux/types.h>

/* The rules map's key. family: 4 or 6. proto: an IP protocol, or
 * DP_XDP_RESOLVE for the address resolution of addr (ARP whose target is
 * addr, an ND solicitation for addr or an advertisement sent to it).
 * port: the destination port for TCP, UDP and SCTP (network order); 0 for
 * every other protocol, which is then claimed whole. addr: network order,
 * an IPv4 address in its first 4 bytes, the rest zero. */
struct dp_xdp_key {
	__u8 family;
	__u8 proto;
	__be16 port;
	__u8 addr[16];
};

#define DP_XDP_RESOLVE 0

/* Per-CPU verdict counters (the program's counter map, indexed by these). */
enum {
	DP_XDP_CNT_STEERED,     /* to sxdp's socket */
	DP_XDP_CNT_PASSED,      /* to the kernel: no rule */
	DP_XDP_CNT_NO_SOCKET,   /* a rule matched but its RX queue has no sxdp socket: to the kernel */
	DP_XDP_CNT_N
};

#define DP_XDP_RULES_MAX  4096
#define DP_XDP_QUEUES_MAX 64

/* Names the kernel shows (bpftool, ip link) on a box it shares with other
 * programs: they say whose they are. xsks_map is the name net_af_xdp
 * requires of a custom program's socket map. */
#define DP_XDP_PROG_NAME  "sx_steer"
#define DP_XDP_MAP_RULES  "sx_steer_rules"
#define DP_XDP_MAP_CNT    "sx_steer_cnt"

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_config;
struct dp_cfg_port;

/* Start-up, before EAL: find the XDP program the shared ports load
 * (config.xdp_prog, else the build tree's, else the installed one). 0, or
 * -errno with a message in err. Without a shared port: 0, nothing to do. */
int dp_xdp_setup(const struct dp_config *c, char *err, size_t errlen);
/* The devargs EAL gets for a port: its own, plus ",xdp_prog=PATH" when it
 * is shared. 0 or -ENAMETOOLONG. */
int dp_xdp_devargs(const struct dp_cfg_port *p, char *out, size_t n);
/* Before a shared port's queues are set up: net_af_xdp attaches its
 * program only to an interface without one. 0, or -EBUSY naming the
 * program there (logged). */
int dp_xdp_iface_free(const char *port, unsigned int ifindex);
/* A shared port whose device started: find the maps of the program on
 * ifindex (it must be sxdp's), write every claim into them. 0 or -errno
 * (logged). */
int dp_xdp_port_start(unsigned int port, const char *name, unsigned int ifindex);
/* The same once the maps are found: a port's rules and counter maps (the
 * fds are dp_xdp's from then on). Tests bind a program they loaded. */
int dp_xdp_port_bind(unsigned int port, const char *name, int rules_fd, int cnt_fd);
/* Main lcore, at exit: forget the ports (their maps go with the program). */
void dp_xdp_fini(void);

/* A claim of owner on traffic to addr (family AF_INET or AF_INET6, network
 * order): proto an IP protocol or DP_XDP_RESOLVE, port (host order) the
 * destination port for TCP/UDP/SCTP, else 0. Main lcore. 0, or -EINVAL
 * (bad family, proto/port pair, owner), -ENOSPC (too many claims or
 * rules), -errno of a map write (logged; nothing changed). */
int dp_xdp_steer_add(const char *owner, int family, const void *addr, uint8_t proto,
		     uint16_t port);
int dp_xdp_steer_del(const char *owner, int family, const void *addr, uint8_t proto,
		     uint16_t port);
/* Owner's claims on n kinds of traffic to addr, all made (on) or all
 * given back: the traffic of one of its addresses, as a table says after
 * a write. Errors are dp_xdp_steer_add's and _del's, logged there. */
struct dp_xdp_claim { uint8_t proto; uint16_t port; };
void dp_xdp_steer_set(const char *owner, int family, const void *addr, const struct dp_xdp_claim *c,
		      unsigned int n, bool on);
/* Is any port shared (after setup or a bind)? */
bool dp_xdp_active(void);

/* The map key of a claim: 0 or -EINVAL (as dp_xdp_steer_add checks). */
int dp_xdp_key_make(int family, const void *addr, uint8_t proto, uint16_t port,
		    struct dp_xdp_key *k);

/* A shared port's verdicts since its program was loaded, summed over CPUs. */
struct dp_xdp_counts {
	uint64_t steered, passed, no_socket;
};
int dp_xdp_counts(unsigned int port, struct dp_xdp_counts *c);   /* 0, -ENOENT (not shared) */

/* The control method xdp.steer (declared in dp_apidef.c). */
int dp_xdp_register(void);

#endif /* !__bpf__ */
#endif
