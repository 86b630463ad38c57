/* Port bring-up and teardown. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <glob.h>
#include <limits.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <dirent.h>
#include <pthread.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "dp_port.h"
#include "dp_log.h"
#include "dp_num.h"
#include "dp_xdp.h"
#include "dp_rss.h"

struct dp_port dp_ports[DP_PORTS_MAX];
unsigned int dp_n_ports;

static bool
is_vdev(const char *devargs)
{
	return strncmp(devargs, "net_", 4) == 0 || strncmp(devargs, "eth_", 4) == 0;
}

/* DPDK names a vdev port by its devargs up to the first comma. */
static void
dev_name(const char *devargs, char *out, size_t n)
{
	size_t l = strcspn(devargs, ",");

	snprintf(out, n, "%.*s", (int)RTE_MIN(l, n - 1), devargs);
}

int
dp_ports_eal_args(const struct dp_config *c, char **argv, int *argc, int max)
{
	/* what EAL gets: a shared port's devargs also name its XDP program */
	static char devargs[DP_PORTS_MAX][sizeof(c->ports[0].devargs) + PATH_MAX];
	int rc;

	for (unsigned int i = 0; i < c->n_ports; i++) {
		if (*argc + 2 > max)
			return -E2BIG;
		if ((rc = dp_xdp_devargs(&c->ports[i], devargs[i], sizeof(devargs[i]))) < 0)
			return rc;
		argv[(*argc)++] = is_vdev(c->ports[i].devargs) ? "--vdev" : "-a";
		argv[(*argc)++] = devargs[i];
	}
	return 0;
}

static int
find_port(const char *devargs, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN], alt[RTE_ETH_NAME_MAX_LEN + 8];

	dev_name(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	/* PCI devices are named with their domain. */
	snprintf(alt, sizeof(alt), "0000:%s", name);
	return rte_eth_dev_get_port_by_name(alt, port_id);
}

/* The value of key=... in devargs, or def. */
static long
devarg_num(const char *devargs, const char *key, long def)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), ",%s=", key);
	p = strstr(devargs, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : def;
}

/* RX queues the kernel interface delivers to: ethtool channels, else sysfs. */
static int
kernel_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	char path[128];
	glob_t g;
	int fd, n = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0) {
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ch.combined_count + ch.rx_count > 0)
			n = (int)(ch.combined_count + ch.rx_count);
		close(fd);
	}
	if (n > 0)
		return n;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-*", ifname);
	if (glob(path, 0, NULL, &g) == 0) {
		n = (int)g.gl_pathc;
		globfree(&g);
	}
	return n;
}

/* The kernel interface a socket-based vdev (AF_XDP, AF_PACKET) sits on. */
static void
devarg_iface(const char *devargs, char *ifname, size_t n)
{
	const char *p = strstr(devargs, ",iface=");

	ifname[0] = 0;
	if (p != NULL) {
		p += strlen(",iface=");
		snprintf(ifname, n, "%.*s", (int)strcspn(p, ","), p);
	}
}

/* An AF_XDP socket sees only the queues it is bound to; what the kernel puts
 * on any other queue is lost without a trace in any counter of ours. Refuse
 * a layout that does not cover every RX queue of the interface, unless the
 * operator says traffic is steered to these queues (rx_queue_subset). */
static int
afxdp_queues_check(const struct dp_cfg_port *cfg)
{
	char ifname[IF_NAMESIZE];
	long start = devarg_num(cfg->devargs, "start_queue", 0);
	long count = devarg_num(cfg->devargs, "queue_count", 1);
	int n;

	devarg_iface(cfg->devargs, ifname, sizeof(ifname));
	if (ifname[0] == 0 || cfg->rx_queue_subset)
		return 0;
	if ((n = kernel_rx_queues(ifname)) <= 0 || (start == 0 && count >= n))
		return 0;
	DP_LOG(ERR, "port %s: interface %s has %d RX queues but AF_XDP reads queues %ld..%ld: "
	       "packets the kernel puts on the others would be lost unseen. Use "
	       "start_queue=0,queue_count=%d, or give the interface %ld RX queue(s) (`ethtool -L %s "
	       "combined N`, `rx N tx N` on veth), or set the port's "
	       "\"rx_queue_subset\": true if flow steering sends all its traffic to these queues",
	       cfg->name, ifname, n, start, start + count - 1, n, count, ifname);
	return -EINVAL;
}

/* AF_PACKET's drop counter resets when read: what sxdp has read so far */
static uint64_t packet_drops[DP_PORTS_MAX];

/* An interface's kernel drop counters (rx_dropped + rx_missed_errors). */
static uint64_t
iface_drops(unsigned int ifindex)
{
	static const char *const names[] = { "rx_dropped", "rx_missed_errors" };
	char ifname[IF_NAMESIZE], path[128];
	uint64_t sum = 0;

	if (ifindex == 0 || if_indextoname(ifindex, ifname) == NULL)
		return 0;
	for (unsigned int k = 0; k < RTE_DIM(names); k++) {
		unsigned long long v = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, names[k]);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%llu", &v) == 1)
				sum += v;
			fclose(f);
		}
	}
	return sum;
}

/* AF_PACKET ring drops (tp_drops) of the packet sockets bound to ifindex:
 * the PMD keeps its sockets to itself, so find ours by what they are bound
 * to. Reading resets the kernel's count. */
static uint64_t
packet_socket_drops(unsigned int i, unsigned int ifindex)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return packet_drops[i];
	while ((de = readdir(d)) != NULL) {
		struct sockaddr_ll sa;
		struct tpacket_stats ts = { 0 };
		socklen_t sl = sizeof(sa), ol = sizeof(ts);
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d) ||
		    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 ||
		    sa.sll_family != AF_PACKET || sa.sll_ifindex != (int)ifindex)
			continue;
		if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &ol) == 0)
			packet_drops[i] += ts.tp_drops;
	}
	closedir(d);
	return packet_drops[i];
}

/* Retries of an AF_XDP set-up the kernel refuses for a while (a queue
 * another process has just let go of): few, as DPDK 22.11's PMD keeps the
 * 2,048 mbufs of each failed try (a takeover waits for the queues to be
 * free first, afxdp_free, so they are a safety net) */
#define XSK_RETRIES  5
#define XSK_RETRY_US 20000

#define XSK_PROBE_FRAMES 16
#define XSK_PROBE_US     1000
#define XSK_FREE_MS      3000	/* a takeover: the old process's queues free, once handed over */

/* Is queue @q of @ifindex free for an AF_XDP socket: 0 (free, and now
 * bound: a zero-copy device), 1 (free: a device without zero-copy, veth's
 * say), -EBUSY (another socket's pool still holds it: a process that let
 * go of it, its release the kernel's deferred work), or another -errno. A
 * socket of our own with a few frames of umem, never the PMD's (a refused
 * PMD set-up keeps its mbufs), bound asking for zero-copy: the kernel says
 * EBUSY before it looks at the device, and a device without zero-copy
 * refuses it undoing everything at once, where a socket bound in copy mode
 * would hold the queue itself until its own deferred release. */
static int
xsk_probe(unsigned int ifindex, unsigned int q)
{
	static void *area;
	struct xdp_umem_reg reg = { .len = XSK_PROBE_FRAMES * 4096, .chunk_size = 4096 };
	struct sockaddr_xdp sa = { .sxdp_family = AF_XDP, .sxdp_ifindex = ifindex, .sxdp_queue_id = q,
				   .sxdp_flags = XDP_ZEROCOPY };
	int ring = XSK_PROBE_FRAMES, fd, rc = 0;

	if (area == NULL && (area = aligned_alloc(4096, XSK_PROBE_FRAMES * 4096)) == NULL)
		return -ENOMEM;
	reg.addr = (uintptr_t)area;
	if ((fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) < 0)
		rc = -errno;
	else if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = errno == EOPNOTSUPP ? 1 : -errno;
	close(fd);
	return rc;
}

/* Wait until the kernel would bind every AF_XDP queue of @cfg (its last
 * owner's sockets released), at most until TSC @until: 0, or -ETIMEDOUT. */
static int
afxdp_free(const struct dp_cfg_port *cfg, uint64_t until)
{
	long start = devarg_num(cfg->devargs, "start_queue", 0);
	long count = devarg_num(cfg->devargs, "queue_count", 1);
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	int rc = 0;

	devarg_iface(cfg->devargs, ifname, sizeof(ifname));
	if ((ifindex = if_nametoindex(ifname)) == 0)
		return 0;	/* the set-up says why */
	for (long q = start; q < start + count && rc != -EBUSY; q++) {
		while ((rc = xsk_probe(ifindex, (unsigned int)q)) == -EBUSY && rte_rdtsc() < until)
			rte_delay_us_sleep(XSK_PROBE_US);
		/* a probe bound (zero-copy): its socket goes in deferred work
		 * too, a moment for it (a set-up refused is asked again) */
		if (rc == 0)
			rte_delay_us_sleep(XSK_RETRY_US);
	}
	return rc == -EBUSY ? -ETIMEDOUT : 0;
}

/* The device of port p made anew (closed, unplugged, probed again from
 * its devargs): a set-up that failed half-way leaves nothing behind. */
static int
reprobe(struct dp_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	const char *args = strchr(p->cfg->devargs, ',');
	int rc;

	if (rte_eth_dev_get_name_by_port(p->port_id, name) != 0)
		return -ENODEV;
	rte_eth_dev_close(p->port_id);
	if ((rc = rte_eal_hotplug_remove("vdev", name)) < 0 ||
	    (rc = rte_eal_hotplug_add("vdev", name, args != NULL ? args + 1 : "")) < 0)
		return rc;
	return find_port(p->cfg->devargs, &p->port_id) < 0 ? -ENODEV : 0;
}

static int
port_setup(struct dp_port *p, struct rte_mempool *mp, unsigned int n_workers)
{
	const struct dp_cfg_port *cfg = p->cfg;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rxd = cfg->rxd, txd = cfg->txd, mtu;
	int rc;

	if ((rc = rte_eth_dev_info_get(p->port_id, &info)) < 0)
		return rc;
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	if (strcmp(p->driver, "net_af_xdp") == 0 || strcmp(p->driver, "net_af_packet") == 0) {
		char ifname[IF_NAMESIZE];

		devarg_iface(cfg->devargs, ifname, sizeof(ifname));
		p->ifindex = if_nametoindex(ifname);
		p->iface_drops0 = iface_drops(p->ifindex);
	}
	if (strcmp(p->driver, "net_af_xdp") == 0 && (rc = afxdp_queues_check(cfg)) < 0)
		return rc;
	if (cfg->shared && (rc = dp_xdp_iface_free(cfg->name, p->ifindex)) < 0)
		return rc;
	p->n_rxq = cfg->rx_queues ? cfg->rx_queues : RTE_MAX(n_workers, 1u);
	p->n_rxq = RTE_MIN(p->n_rxq, info.max_rx_queues);
	p->n_txq = RTE_MIN((uint16_t)RTE_MAX(n_workers, 1u), info.max_tx_queues);
	if (p->n_txq == 0 || p->n_rxq == 0)
		return -ENOTSUP;
	p->rss_offered = info.flow_type_rss_offloads;
	p->rss_hf = dp_rss_request(cfg->role, p->n_rxq, info.flow_type_rss_offloads);
	if (p->n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = p->rss_hf;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH && p->n_rxq > 1)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	/* frames longer than one mbuf arrive chained where the device can */
	if (cfg->mtu && cfg->mtu + DP_L2_OVERHEAD > rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (cfg->mtu)
		conf.rxmode.mtu = cfg->mtu;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* the ESP seal's outer IPv4 header: its checksum by the NIC, where
	 * asked (some NICs' fastest TX path takes no offload: not on a port
	 * that seals nothing unless the config says so) */
	if (cfg->tx_ip_cksum && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	p->tx_offloads = conf.txmode.offloads;
	if ((rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf)) < 0)
		return rc;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd)) < 0)
		return rc;
	if (cfg->mtu && (rc = rte_eth_dev_set_mtu(p->port_id, cfg->mtu)) < 0)
		DP_LOG(WARNING, "port %s: device refuses MTU %u (%s); sxdp enforces it on egress",
		       cfg->name, cfg->mtu, strerror(-rc));
	p->mtu = cfg->mtu;
	if (p->mtu == 0 && (rte_eth_dev_get_mtu(p->port_id, &mtu) < 0 || (p->mtu = mtu) == 0))
		p->mtu = RTE_ETHER_MTU;
	for (uint16_t q = 0; q < p->n_rxq; q++)
		if ((rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id),
						 NULL, mp)) < 0)
			return rc;
	for (uint16_t q = 0; q < p->n_txq; q++)
		if ((rc = rte_eth_tx_queue_setup(p->port_id, q, txd, rte_eth_dev_socket_id(p->port_id),
						 NULL)) < 0)
			return rc;
	if (cfg->has_mac && (rc = rte_eth_dev_default_mac_addr_set(p->port_id,
			(struct rte_ether_addr *)&cfg->mac)) < 0)
		DP_LOG(WARNING, "port %s: driver keeps its MAC (%s); using the configured one in headers",
		       cfg->name, strerror(-rc));
	if (cfg->has_mac)
		p->mac = cfg->mac;
	else
		rte_eth_macaddr_get(p->port_id, &p->mac);
	if ((rc = rte_eth_dev_start(p->port_id)) < 0)
		return rc;
	p->started = true;
	/* net_af_xdp attached the program when it set up the RX queues */
	if (cfg->shared && (rc = dp_xdp_port_start(p->index, cfg->name, p->ifindex)) < 0)
		return rc;
	p->admin_up = !cfg->admin_down;
	if (cfg->promisc)
		rte_eth_promiscuous_enable(p->port_id); /* some vdevs cannot; harmless */
	return 0;
}

/* What RSS a port got, and for a port G-PDUs arrive on with several
 * workers, how one gNB's sessions (one outer 5-tuple) reach them: the
 * device's GTP-U RSS (the TEID), soft_rss, or not at all. */
static void
rss_log(const struct dp_port *p, unsigned int n_workers)
{
	char got[64], offered[64];

	dp_rss_names(p->rss_hf, got, sizeof(got));
	dp_rss_names(p->rss_offered, offered, sizeof(offered));
	if (p->n_rxq > 1)
		DP_LOG(INFO, "port %s: RSS over %u RX queues on %s (the device offers %s)", p->cfg->name,
		       p->n_rxq, got, offered);
	if (!dp_rss_gtpu_role(p->cfg->role) || n_workers < 2)
		return;
	if (p->rss_hf & RTE_ETH_RSS_GTPU)
		DP_LOG(INFO, "port %s: GTP-U RSS: the device spreads G-PDUs on their TEID, each session "
		       "stays on one worker%s", p->cfg->name, p->cfg->soft_rss ? "; its soft_rss is redundant "
		       "(it still hands each G-PDU to the worker its own TEID hash names)" : "");
	else if (p->cfg->soft_rss)
		DP_LOG(INFO, "port %s: no GTP-U RSS (%s offers RSS on %s): soft_rss spreads G-PDUs over "
		       "the %u workers on their TEID, each session on one", p->cfg->name, p->driver,
		       offered, n_workers);
	else
		DP_LOG(WARNING, "port %s: no GTP-U RSS (%s offers RSS on %s): one gNB's G-PDUs (one "
		       "outer 5-tuple) all reach one queue, one worker; give the port \"soft_rss\": true "
		       "to spread them over the %u workers on their TEID", p->cfg->name, p->driver,
		       offered, n_workers);
}

int
dp_ports_probe(const struct dp_config *c)
{
	for (unsigned int i = dp_n_ports; i < c->n_ports; i++) {
		struct dp_port *p = &dp_ports[i];

		p->index = i;
		p->cfg = &c->ports[i];
		if (find_port(p->cfg->devargs, &p->port_id) < 0) {
			DP_LOG(ERR, "port %s: no device for devargs \"%s\" (the driver's messages above "
			       "say why)", p->cfg->name, p->cfg->devargs);
			return -ENODEV;
		}
		dp_n_ports = i + 1;
	}
	return 0;
}

/* A takeover: an AF_PACKET device's sockets, open since its probe (before
 * the hand-over), hold copies of what the old process read, which would be
 * forwarded a second time: dropped before the workers start (with what
 * came since the old one stopped, which a socket made now would not have
 * seen either). Made anew instead, its sockets' close waits out the
 * kernel's grace periods: 70-85 ms a port. */
static void
stale_drop(struct dp_port *p)
{
	struct rte_mbuf *m[32];
	unsigned int n = 0, k;

	if (strcmp(p->driver, "net_af_packet") != 0)
		return;
	for (uint16_t q = 0; q < p->n_rxq; q++)
		do {
			k = rte_eth_rx_burst(p->port_id, q, m, RTE_DIM(m));
			rte_pktmbuf_free_bulk(m, k);
			n += k;
		} while (k != 0 && n < 4u * p->cfg->rxd * p->n_rxq);
	if (n != 0)
		DP_LOG(INFO, "takeover: port %s: %u frames the old sxdp read too dropped", p->cfg->name, n);
}

static bool
afxdp(const struct dp_cfg_port *cfg)
{
	return strncmp(cfg->devargs, "net_af_xdp", 10) == 0;
}

int
dp_ports_init(const struct dp_config *c, struct rte_mempool *mp, unsigned int n_workers, bool taking_over)
{
	uint64_t until = rte_rdtsc() + rte_get_tsc_hz() / 1000 * XSK_FREE_MS;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	int rc;

	if ((rc = dp_ports_probe(c)) < 0)
		return rc;
	for (unsigned int i = 0; i < c->n_ports; i++) {
		struct dp_port *p = &dp_ports[i];
		unsigned int t = 0;

		/* An AF_XDP queue another process has just let go of (a
		 * takeover, dp_takeover.h) is the kernel's to free first (the
		 * socket's pool goes in deferred work): waited for, each port's
		 * in turn (set-ups at once, in threads, starve the kernel's
		 * workers on a small box: worse), and the device asked again
		 * if it refuses it all the same, made anew each time. */
		if (taking_over && afxdp(p->cfg) && afxdp_free(p->cfg, until) < 0)
			DP_LOG(WARNING, "port %s: its AF_XDP queues still taken %u ms after the hand-over",
			       p->cfg->name, XSK_FREE_MS);
		for (;; t++) {
			rc = port_setup(p, mp, n_workers);
			if (rc >= 0 || strcmp(p->driver, "net_af_xdp") != 0 || t == XSK_RETRIES || reprobe(p) < 0)
				break;
			rte_delay_us_sleep(XSK_RETRY_US);
		}
		if (rc < 0) {
			/* a driver that fills its rings from the pool at set-up
			 * (AF_XDP's umem) fails with a bare EINVAL when the
			 * ports before it took what the pool had */
			unsigned int avail = rte_mempool_avail_count(mp);
			bool short_pool = avail < 2u * p->cfg->rxd * RTE_MAX(p->cfg->rx_queues, 1u);

			DP_LOG(ERR, "port %s (%s): setup failed: %s%s%s", p->cfg->name, p->cfg->devargs,
			       strerror(-rc), strstr(p->cfg->devargs, "infinite_rx=1") == NULL ? "" :
			       " (infinite_rx replays only frames that fit one mbuf: give the port an "
			       "\"mtu\" of at least its largest frame's IP length)",
			       short_pool ? " (the mbuf pool had few left for its queues: raise the "
			       "config's \"mbufs\")" : "");
			if (short_pool)
				DP_LOG(ERR, "port %s: %u of %u mbufs were free for %u queue(s) of %u descriptors",
				       p->cfg->name, avail, mp->size, RTE_MAX(p->cfg->rx_queues, 1u), p->cfg->rxd);
			return rc;
		}
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		DP_LOG(INFO, "port %u %s: %s driver %s mac %s rxq %u txq %u mtu %u role %s", i, p->cfg->name,
		       p->cfg->devargs, p->driver, mac, p->n_rxq, p->n_txq, p->mtu, dp_role_name(p->cfg->role));
		rss_log(p, n_workers);
	}
	for (unsigned int i = 0; taking_over && i < c->n_ports; i++)
		stale_drop(&dp_ports[i]);
	return 0;
}

/* Port @p stopped and closed: what it held the device's again. */
static void
port_close(struct dp_port *p)
{
	if (p->closed)
		return;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	p->started = false;
	/* close releases the queues and the mbufs still sitting in them */
	rte_eth_dev_close(p->port_id);
	p->closed = true;
}

void
dp_ports_stop(void)
{
	for (unsigned int i = 0; i < dp_n_ports; i++)
		port_close(&dp_ports[i]);
}

static void *
close_port(void *arg)
{
	port_close(arg);
	return NULL;
}

static void *
close_fd(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

unsigned int
dp_ports_release(void)
{
	static pthread_t th[DP_PORTS_MAX + 1024];
	bool threaded[DP_PORTS_MAX + 1024] = { false };
	unsigned int n = 0;
	struct dirent *e;
	DIR *d;

	for (unsigned int i = 0; i < dp_n_ports; i++) {
		/* An AF_XDP port of its own program is left as it is: its
		 * sockets closed below free its queues, and its program stays
		 * for the next sxdp's driver to use again (libxdp finds it), where
		 * the driver's close would detach it, one port after another
		 * under the kernel's lock, and the next one attach it again
		 * (15 ms a port, each way). This process's memory goes with it. */
		if (strcmp(dp_ports[i].driver, "net_af_xdp") == 0 && !dp_ports[i].cfg->shared) {
			dp_ports[i].closed = true;
			continue;
		}
		if ((threaded[i] = pthread_create(&th[i], NULL, close_port, &dp_ports[i]) == 0) == false)
			port_close(&dp_ports[i]);
	}
	for (unsigned int i = 0; i < dp_n_ports; i++)
		if (threaded[i])
			pthread_join(th[i], NULL);
	/* the kernel frees a queue when its socket goes (DPDK 22.11's
	 * net_af_xdp leaves its umem's socket open even when it closes one) */
	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < RTE_DIM(th)) {
		int fd = atoi(e->d_name), dom = 0;
		socklen_t len = sizeof(dom);

		if (e->d_name[0] == '.' || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0 || dom != AF_XDP)
			continue;
		if ((threaded[n] = pthread_create(&th[n], NULL, close_fd, (void *)(intptr_t)fd) == 0) == false)
			close(fd);
		n++;
	}
	closedir(d);
	for (unsigned int i = 0; i < n; i++)
		if (threaded[i])
			pthread_join(th[i], NULL);
	return n;
}

/* The DPDK 22.11 socket PMDs miss most kernel-side losses: net_af_packet
 * reports none (its sockets count tp_drops), and net_af_xdp reports its
 * sockets' rx_dropped but not a redirect into a full RX ring, which the
 * kernel counts on the interface (veth: rx_dropped). While sxdp owns an
 * AF_XDP interface every frame is redirected to it (sxdp refuses queue
 * layouts that leave some out), so the interface's drops since start are
 * sxdp's; they include what the sockets counted, hence the max. A shared
 * interface's drops are the kernel's too: only the device's count there. */
uint64_t
dp_port_rx_missed(unsigned int i, const struct rte_eth_stats *hw)
{
	const struct dp_port *p = &dp_ports[i];
	uint64_t dev = hw->imissed + hw->rx_nombuf, k;

	if (i >= dp_n_ports || p->ifindex == 0 || p->cfg->shared)
		return dev;
	if (strcmp(p->driver, "net_af_packet") == 0)
		return dev + packet_socket_drops(i, p->ifindex);
	k = iface_drops(p->ifindex) - p->iface_drops0;
	return RTE_MAX(dev, k);
}

static bool carrier[DP_PORTS_MAX] = { [0 ... DP_PORTS_MAX - 1] = true };

bool
dp_port_carrier(unsigned int port)
{
	return port < dp_n_ports && carrier[port];
}

static bool
iface_running(int fd, unsigned int ifindex, bool was)
{
	struct ifreq ifr = { 0 };

	if (fd < 0 || if_indextoname(ifindex, ifr.ifr_name) == NULL || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return was;   /* unknown: as it was */
	return (ifr.ifr_flags & IFF_RUNNING) != 0;
}

void
dp_ports_carrier_poll(uint64_t now_tsc)
{
	static uint64_t next;
	static int fd = -2;

	if (now_tsc < next)
		return;
	next = now_tsc + rte_get_tsc_hz() / 1000 * DP_CARRIER_POLL_MS;
	if (fd == -2)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (unsigned int i = 0; i < dp_n_ports; i++) {
		const struct dp_port *p = &dp_ports[i];
		struct rte_eth_link link;
		bool up;

		if (!p->started || p->closed)
			continue;
		if (p->ifindex != 0)
			up = iface_running(fd, p->ifindex, carrier[i]);
		else
			up = rte_eth_link_get_nowait(p->port_id, &link) != 0 || link.link_status == RTE_ETH_LINK_UP;
		if (up != carrier[i])
			DP_LOG(NOTICE, "port %u %s: carrier %s", i, p->cfg->name, up ? "up" : "down");
		carrier[i] = up;
	}
}

/* index or -ENOENT */
static int
dp_port_by_name(const char *name)
{
	for (unsigned int i = 0; i < dp_n_ports; i++)
		if (strcmp(dp_ports[i].cfg->name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int
dp_port_parse(const char *s)
{
	uint64_t v;

	/* names are never all digits (config): digits are an index, strictly decimal */
	if (s[0] >= '0' && s[0] <= '9')
		return (dp_num_parse(s, dp_n_ports ? dp_n_ports - 1 : 0, &v) == 0 && v < dp_n_ports) ?
		       (int)v : -ENOENT;
	return dp_port_by_name(s);
}
