/* sxdp configuration: parsed from JSON once at start-up, read-only after. */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <stdint.h>
#include <rte_ether.h>

/* ports a config names at most (every per-port array is this long) */
#define DP_PORTS_MAX 16
#define DP_CFG_ADDRS_MAX 8
#define DP_CFG_EAL_MAX 32
#define DP_WORKER_LCORES_MAX 16

enum dp_port_role { DP_ROLE_LAN, DP_ROLE_WAN, DP_ROLE_N3, DP_ROLE_N6, DP_ROLE_N9, DP_ROLE_MAX };

struct dp_cfg_prefix4 {
	uint32_t addr;      /* network order */
	uint8_t plen;
};

struct dp_cfg_prefix6 {
	uint8_t addr[16];
	uint8_t plen;
};

struct dp_cfg_port {
	char name[32];
	char devargs[512];
	enum dp_port_role role;
	bool has_mac;
	struct rte_ether_addr mac;
	unsigned int n_ipv4, n_ipv6;
	struct dp_cfg_prefix4 ipv4[DP_CFG_ADDRS_MAX];
	struct dp_cfg_prefix6 ipv6[DP_CFG_ADDRS_MAX];
	uint16_t rx_queues;  /* 0 = one per worker */
	uint16_t rxd, txd;
	uint16_t mtu;        /* 0 = leave the device's */
	bool promisc;
	bool admin_down;     /* start administratively down (port.set brings it up) */
	bool rx_queue_subset; /* AF_XDP on some of the interface's queues, on purpose */
	bool soft_rss;        /* spread over the workers by the parser's flow hash */
	bool tx_ip_cksum;     /* IPv4 header checksum offload asked for (where offered) */
	bool shared;         /* AF_XDP sharing its interface with the kernel (dp_xdp.h) */
};

#define DP_CFG_TABLE_SIZES_MAX	16
#define DP_CFG_BURST		64	/* config.burst's default: DP_BURST */
#define DP_CFG_BURST_MAX	256	/* rte_graph's stream size */
#define DP_CFG_IDLE_SLEEP_MAX	10000	/* 10 ms: past it a NIC's ring overflows at any rate worth polling for */
#define DP_CFG_TABLE_SIZE_MAX	(1u << 23)
#define DP_CFG_STATE_DIR	"/var/lib/sxdp"	/* config.state_dir's default (the unit's StateDirectory) */

struct dp_config {
	char source[256];    /* file name, or "built-in lab config" */
	char socket[256];
	char xdp_prog[256];  /* the shared ports' XDP program ("": the build's or installed one) */
	/* where sxdp keeps what outlives it (features' files under it, each
	 * its own name); DP_CFG_STATE_DIR unless the config says */
	char state_dir[256];
	/* The feature a port's packets enter, per port role ("" = none): the
	 * config's "pipeline", one feature name for every role or an object
	 * {"lan": "switch", "wan": ...}. pipeline is its text for logs. */
	char pipeline[128];
	char role_feature[DP_ROLE_MAX][32];
	unsigned int n_eal;
	char *eal[DP_CFG_EAL_MAX];
	int main_lcore;      /* -1 = EAL default */
	int main_cpu;        /* CPU the main lcore runs on; -1 = the lcore id */
	unsigned int n_workers;
	unsigned int workers[DP_WORKER_LCORES_MAX];
	/* CPU each worker lcore runs on (EAL --lcores lcore@cpu): several lcores
	 * may share a CPU, so a lab or test box runs more workers than CPUs */
	unsigned int worker_cpu[DP_WORKER_LCORES_MAX];
	uint32_t mbufs;      /* per socket mempool size, 0 = computed */
	/* packets a worker reads from one RX queue per graph walk (DP_BURST
	 * a driver call): the graph's vector size, a measured knob */
	uint16_t burst;
	/* an idle worker's longest sleep (0: it never sleeps; dp_worker.c) */
	uint32_t idle_sleep_max_us;
	/* tables sized here rather than as their feature declares them */
	unsigned int n_table_sizes;
	struct { char name[32]; uint32_t size; } table_sizes[DP_CFG_TABLE_SIZES_MAX];
	unsigned int n_ports;
	struct dp_cfg_port ports[DP_PORTS_MAX];
};

/* Fill *c from a JSON file (path) or from the built-in lab config (path NULL).
 * On error returns -errno and writes a message naming the bad field to err. */
int dp_config_load(const char *path, struct dp_config *c, char *err, size_t errlen);
void dp_config_free(struct dp_config *c);
/* The state directory of the config sxdp runs on (the last one loaded
 * whole; DP_CFG_STATE_DIR before any): what a feature keeps across
 * restarts goes there, in a file of its own name. Features read it at
 * init; the core names none of them. */
const char *dp_config_state_dir(void);
const char *dp_role_name(enum dp_port_role r);

#endif
