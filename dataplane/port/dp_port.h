/* Ports: probed from config devargs, RX queues spread over the workers, one
 * TX queue per worker (the main lcore's packets go out through a worker's
 * inject ring). Ports are named and numbered (index) by config order; tables
 * use the index. */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include "dp_config.h"

#define DP_PORT_MTU_MIN 576    /* RFC 791: every host takes 576 */
#define DP_PORT_MTU_MAX 9600
/* Ethernet header, two VLAN tags and the FCS: a frame is at most MTU + this */
#define DP_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * 4 + RTE_ETHER_CRC_LEN)

struct dp_port {
	uint16_t index;              /* logical, config order */
	uint16_t port_id;            /* DPDK */
	const struct dp_cfg_port *cfg;
	struct rte_ether_addr mac;
	uint16_t n_rxq, n_txq;
	/* RSS hash types configured (dp_rss_request: asked, masked by what the
	 * device offers) and what the device offers: port.list shows both */
	uint64_t rss_hf, rss_offered;
	/* TX offloads configured (of those sxdp asks for, what the device
	 * offers): port.list shows them; workers ask dp_port_tx_ip4_cksum */
	uint64_t tx_offloads;
	char driver[48];
	bool started;
	bool closed;                 /* its device closed (a takeover closes it before the exit does) */
	volatile bool admin_up;      /* workers skip the RX queues of a port that is down */
	/* Largest L3 packet (IP total length) this port sends, as Linux's MTU:
	 * the config's "mtu", else the device's, else 1500. Workers read it per
	 * routed/bridged packet; port.set changes it (one aligned 16-bit store). */
	volatile uint16_t mtu;
	unsigned int ifindex;        /* kernel interface of an AF_XDP/AF_PACKET port, else 0 */
	uint64_t iface_drops0;       /* that interface's drop counters when sxdp took it */
};

extern struct dp_port dp_ports[DP_PORTS_MAX];
extern unsigned int dp_n_ports;

/* Does port fill in the IPv4 header checksum of a frame flagged
 * RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM (the field 0, its l2_len and
 * l3_len set)? A worker's question about a frame it is about to send
 * (a port past the array: no; port_out drops that frame). */
static inline bool
dp_port_tx_ip4_cksum(unsigned int port)
{
	return port < DP_PORTS_MAX && (dp_ports[port].tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
}

/* Append the EAL arguments that make the configured devices exist. */
int dp_ports_eal_args(const struct dp_config *c, char **argv, int *argc, int max);
/* The config's ports named and indexed (their devices found, nothing set
 * up): table entries may name them before they start (a takeover copies
 * the tables first). 0 or -ENODEV. Idempotent. */
int dp_ports_probe(const struct dp_config *c);
/* The ports set up and started. Taking over (dp_takeover.h): each AF_XDP
 * one as soon as the kernel frees its queues (the old process's sockets),
 * within a few seconds. */
int dp_ports_init(const struct dp_config *c, struct rte_mempool *mp, unsigned int n_workers, bool taking_over);
void dp_ports_stop(void);
/* A hand-over: every port stopped and closed at once (a thread each: the
 * kernel's waits overlap) but the AF_XDP ones of the driver's own program,
 * whose program stays for the next sxdp; then every AF_XDP socket closed
 * (the kernel frees a queue when its socket goes; DPDK 22.11's net_af_xdp
 * keeps its umem's socket open even at a close): how many. */
unsigned int dp_ports_release(void);
/* Frames the device or the kernel dropped before sxdp could read them:
 * ethdev imissed + rx_nombuf, and for AF_XDP/AF_PACKET ports the kernel
 * losses those PMDs do not report. Main lcore. */
struct rte_eth_stats;
uint64_t dp_port_rx_missed(unsigned int port, const struct rte_eth_stats *hw);

/* Has the port a carrier (its link up, its far end there)? The socket
 * PMDs (AF_XDP, AF_PACKET) report a link that is always up, so for a port
 * on a kernel interface it is the interface's IFF_RUNNING (a veth whose
 * peer is down, a cable pulled), else the device's link status. Read on
 * the main lcore every DP_CARRIER_POLL_MS (dp_ports_carrier_poll); true
 * until first read. */
#define DP_CARRIER_POLL_MS 50
bool dp_port_carrier(unsigned int port);
void dp_ports_carrier_poll(uint64_t now_tsc);
int dp_port_parse(const char *s);        /* name or decimal index -> index, or -ENOENT */

#endif
