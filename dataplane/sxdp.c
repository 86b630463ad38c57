/* sxdp: the SmartX Fastpath dataplane process. Start-up order matters:
 * config -> EAL -> mempool -> tables (pipeline) -> ports -> control socket
 * -> workers; shutdown runs it backwards and checks no mbuf was lost. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "dp_api.h"
#include "dp_config.h"
#include "dp_ctl.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_telemetry.h"
#include "dp_worker.h"
#include "dp_feature.h"
#include "dp_fastcheck.h"
#include "dp_graph.h"
#include "dp_parse.h"
#include "dp_xdp.h"
#include "dp_reload.h"
#include "dp_takeover.h"

#ifndef SXDP_BUILD_FLAGS
#define SXDP_BUILD_FLAGS "unknown"
#endif
/* The instruction-set extensions the compiler was allowed to use, as it
 * says: what DPDK's -march=corei7 used to take away without a word. */
#define SXDP_ISA ISA_AVX512F ISA_AVX2 ISA_BMI2 ISA_SSE42
#ifdef __AVX512F__
#define ISA_AVX512F " avx512f"
#else
#define ISA_AVX512F ""
#endif
#ifdef __AVX2__
#define ISA_AVX2 " avx2"
#else
#define ISA_AVX2 ""
#endif
#ifdef __BMI2__
#define ISA_BMI2 " bmi2"
#else
#define ISA_BMI2 ""
#endif
#ifdef __SSE4_2__
#define ISA_SSE42 " sse4.2"
#else
#define ISA_SSE42 ""
#endif
#define PUNT_RING_SIZE 4096
#define EAL_ARGS_MAX 96

int dp_logtype;

static struct dp_config cfg;
static struct dp_worker workers[DP_WORKER_LCORES_MAX];
static struct dp_api_ctx api = { .version = SXDP_VERSION };
static bool huge;                /* EAL runs on hugepage files */
static char file_prefix[128];
static char runtime_dir[PATH_MAX];   /* EAL's, taken once it runs (runtime_dir_remove) */
static bool takeover;            /* --takeover: from the sxdp running on this config */

/* A stop asked for (SIGTERM, SIGINT): the main loop lets the features say
 * so while the workers still forward (dp_feature_stopping), then stops. */
static volatile sig_atomic_t stop_asked;

static void
on_signal(int sig __rte_unused)
{
	stop_asked = 1;
}

static void
ctl_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	DP_LOG(INFO, "%s", buf);
}

static void
usage(const char *prog)
{
	printf("usage: %s [--config FILE] [--socket PATH] [--takeover] [--log-level N] [--log-format F] [-- EAL args...]\n"
	       "  --config FILE   JSON config (ports by devargs, lcores, pipeline); without it\n"
	       "                  sxdp starts on a built-in lab config of virtual devices\n"
	       "  --socket PATH   control socket (default from config, else /run/sxdp/sxdp.sock)\n"
	       "  --takeover      take over from the sxdp running on this config's socket: its\n"
	       "                  tables and state copied before its ports are handed over\n"
	       "                  (a restart or an upgrade that keeps the traffic)\n"
	       "  --log-level N   DPDK log level (1..8, default 6 = info)\n"
	       "  --log-format F  text (the default; journald's priorities when it is the\n"
	       "                  stream) or json (one object a line, for Fluentd/EFK)\n"
	       "  --check-config  check the config (as a start would, up to EAL) and exit:\n"
	       "                  0 when it would start, 2 with the reason when not\n"
	       "  --version       print the version\n"
	       "  -h, --help      this text\n", prog);
}

static void
boot_id(char *out, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/uuid", "r");

	if (f == NULL || fgets(out, (int)n, f) == NULL)
		snprintf(out, n, "%016llx", (unsigned long long)rte_rdtsc());
	out[strcspn(out, "\n")] = 0;
	if (f)
		fclose(f);
}

static uint32_t
mempool_size(unsigned int n_workers)
{
	uint64_t n = 4096;

	if (cfg.mbufs)
		return cfg.mbufs;
	for (unsigned int i = 0; i < cfg.n_ports; i++) {
		unsigned int rxq = cfg.ports[i].rx_queues ? cfg.ports[i].rx_queues : RTE_MAX(n_workers, 1u);

		n += (uint64_t)cfg.ports[i].rxd * rxq + (uint64_t)cfg.ports[i].txd * RTE_MAX(n_workers, 1u);
	}
	n += (uint64_t)n_workers * ((uint64_t)RTE_MAX(cfg.burst, DP_BURST) * (cfg.n_ports + 2) + 512) + PUNT_RING_SIZE;
	for (unsigned int i = 0; i < cfg.n_ports && n_workers > 1; i++)
		if (cfg.ports[i].soft_rss) {
			n += (uint64_t)n_workers * (n_workers - 1) * DP_HANDOFF_RING_SIZE;
			break;
		}
	return (uint32_t)rte_align64pow2(n) - 1;
}

/* One mbuf holds a whole frame of the largest configured MTU (a jumbo port
 * gets jumbo mbufs), so the parser and stages see every header in the first
 * segment; devices with scatter may still chain larger frames. */
static uint16_t
mbuf_size(void)
{
	uint32_t mtu = RTE_ETHER_MTU;

	for (unsigned int i = 0; i < cfg.n_ports; i++)
		mtu = RTE_MAX(mtu, (uint32_t)cfg.ports[i].mtu);
	return (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
				 RTE_PKTMBUF_HEADROOM + mtu + DP_L2_OVERHEAD);
}

/* net_af_xdp keeps the mbufs of its fill and completion rings past close;
 * everything else must give every mbuf back. What AF_XDP ports took at start
 * plus their TX rings is the allowance; any other port's share is zero. */
static unsigned int
driver_holdback(struct rte_mempool *mp)
{
	unsigned int held = 0;
	bool afxdp = false;

	for (unsigned int i = 0; i < dp_n_ports; i++) {
		if (strcmp(dp_ports[i].driver, "net_af_xdp") == 0) {
			afxdp = true;
			held += (unsigned int)dp_ports[i].cfg->txd * dp_ports[i].n_txq;
		}
	}
	return afxdp ? held + rte_mempool_in_use_count(mp) : 0;
}

/* The value of an EAL option in argv ("--opt V" or "--opt=V"), or NULL. */
static const char *
eal_opt(char **eargv, int eargc, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = 1; i < eargc; i++) {
		if (strcmp(eargv[i], opt) == 0 && i + 1 < eargc)
			return eargv[i + 1];
		if (strncmp(eargv[i], opt, n) == 0 && eargv[i][n] == '=')
			return eargv[i] + n + 1;
	}
	return NULL;
}

static bool
eal_flag(char **eargv, int eargc, const char *flag)
{
	for (int i = 1; i < eargc; i++)
		if (strcmp(eargv[i], flag) == 0)
			return true;
	return false;
}

/* EAL refuses a file prefix another primary process holds, but says so
 * only in its log and may leave rte_errno unset: ask the lock first and
 * name the holder. */
/* The process holding a DPDK file prefix's lock (0: none). EAL refuses a
 * prefix another primary process holds, but says so only in its log and
 * may leave rte_errno unset: ask the lock first and name the holder. */
static pid_t
prefix_holder(const char *prefix)
{
	char path[PATH_MAX];
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	pid_t pid = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/dpdk/%s/config", getuid() == 0 ? "/var/run" :
		 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp", prefix);
	if ((fd = open(path, O_RDWR)) < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK)
		pid = lk.l_pid;
	close(fd);
	return pid;
}

static int
prefix_free(const char *prefix)
{
	pid_t pid = prefix_holder(prefix);

	if (pid == 0)
		return 0;
	DP_LOG(ERR, "DPDK file prefix \"%s\" is in use by process %d (another sxdp?); "
		"stop it or give this one its own \"--file-prefix\" in config.eal%s", prefix, (int)pid,
		takeover ? " (taking over, this one runs on the prefix's twin, PREFIX-next, or back)" : "");
	return -EADDRINUSE;
}

/* Is the CPU one this process may run on? */
static bool
cpu_usable(unsigned int cpu)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);
}

static int
eal_start(char *prog, const char *log_level, char **extra, int n_extra)
{
	static char lcores[512], main_l[16];
	char *eargv[EAL_ARGS_MAX];
	int eargc = 0, rc;
	size_t off;

	eargv[eargc++] = prog;
	if (cfg.main_lcore < 0)
		cfg.main_lcore = 0;
	if (cfg.main_cpu < 0)
		cfg.main_cpu = cfg.main_lcore;
	if (cfg.n_workers == 0) {
		cfg.workers[0] = cfg.main_lcore == 0 ? 1 : 0;
		cfg.worker_cpu[cfg.n_workers++] = cfg.workers[0];
	}
	if (!cpu_usable((unsigned int)cfg.main_cpu)) {
		DP_LOG(ERR, "config.lcores.main: CPU %d is not available to this process",
			cfg.main_cpu);
		return -ENODEV;
	}
	/* --lcores lcore@cpu: a worker may share a CPU with another lcore */
	off = snprintf(lcores, sizeof(lcores), "%d@%d", cfg.main_lcore, cfg.main_cpu);
	for (unsigned int i = 0; i < cfg.n_workers && off < sizeof(lcores); i++) {
		if (!cpu_usable(cfg.worker_cpu[i])) {
			DP_LOG(ERR, "config.lcores.workers[%u]: CPU %u is not available to this "
				"process (%ld online); run worker lcores on existing CPUs with "
				"{\"lcore\": %u, \"cpu\": C}", i, cfg.worker_cpu[i],
				sysconf(_SC_NPROCESSORS_ONLN), cfg.workers[i]);
			return -ENODEV;
		}
		off += snprintf(lcores + off, sizeof(lcores) - off, ",%u@%u", cfg.workers[i], cfg.worker_cpu[i]);
	}
	snprintf(main_l, sizeof(main_l), "%d", cfg.main_lcore);
	eargv[eargc++] = "--lcores";
	eargv[eargc++] = lcores;
	eargv[eargc++] = "--main-lcore";
	eargv[eargc++] = main_l;
	for (unsigned int i = 0; i < cfg.n_eal && eargc < EAL_ARGS_MAX - 4; i++)
		eargv[eargc++] = cfg.eal[i];
	for (int i = 0; i < n_extra && eargc < EAL_ARGS_MAX - 4; i++)
		eargv[eargc++] = extra[i];
	if (log_level) {
		eargv[eargc++] = "--log-level";
		eargv[eargc++] = (char *)log_level;
	}
	if ((rc = dp_ports_eal_args(&cfg, eargv, &eargc, EAL_ARGS_MAX - 1)) < 0)
		return rc;
	eargv[eargc] = NULL;
	huge = !eal_flag(eargv, eargc, "--no-huge") && !eal_flag(eargv, eargc, "--in-memory");
	snprintf(file_prefix, sizeof(file_prefix), "%s",
		 eal_opt(eargv, eargc, "--file-prefix") ? eal_opt(eargv, eargc, "--file-prefix") : "rte");
	/* taking over: the running sxdp holds the prefix, this one runs
	 * beside it on its twin (and the next takeover on the first again) */
	if (takeover) {
		static char twin[sizeof(file_prefix)];
		size_t n = strlen(file_prefix);

		if (n > 5 && strcmp(file_prefix + n - 5, "-next") == 0)
			snprintf(twin, sizeof(twin), "%.*s", (int)(n - 5), file_prefix);
		else
			snprintf(twin, sizeof(twin), "%.*s-next", (int)RTE_MIN(n, sizeof(twin) - 6), file_prefix);
		if (prefix_holder(file_prefix) != 0 && prefix_holder(twin) == 0) {
			snprintf(file_prefix, sizeof(file_prefix), "%s", twin);
			if (eargc < EAL_ARGS_MAX - 2) {
				eargv[eargc++] = "--file-prefix";
				eargv[eargc++] = twin;
				eargv[eargc] = NULL;
			}
		}
	}
	if ((rc = prefix_free(file_prefix)) < 0)
		return rc;
	rc = rte_eal_init(eargc, eargv);
	if (rc < 0) {
		/* EAL does not always set rte_errno; never report a failure as success */
		rc = rte_errno > 0 ? -rte_errno : -EINVAL;
		DP_LOG(ERR, "EAL init failed: %s (EAL's own messages above say why)",
			strerror(-rc));
		return rc;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

/* EAL keeps its hugepage files after exit (a restart could reuse them), so a
 * stopped sxdp would hold its memory until someone deletes them. A clean
 * exit deletes its own: files named <prefix>map_* on every hugetlbfs mount
 * (the prefix lock says nobody else uses them). */
static void
huge_unlink(void)
{
	char line[1024], dev[256], dir[512], type[64];
	FILE *mounts;

	if (!huge || (mounts = fopen("/proc/mounts", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), mounts)) {
		char pattern[1024];
		glob_t g;

		if (sscanf(line, "%255s %511s %63s", dev, dir, type) != 3 || strcmp(type, "hugetlbfs"))
			continue;
		snprintf(pattern, sizeof(pattern), "%s/%smap_*", dir, file_prefix);
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		if (g.gl_pathc)
			DP_LOG(INFO, "removed %zu hugepage files %s", g.gl_pathc, pattern);
		globfree(&g);
	}
	fclose(mounts);
}

/* EAL leaves its runtime directory (/var/run/dpdk/<prefix>: its config,
 * the memory's fbarrays, 12 MB without hugepages, the telemetry and
 * multi-process sockets) after exit; a clean exit removes it (the prefix
 * lock says nobody else uses it: a secondary such as dpdk-dumpcap goes
 * with its primary), so boxes and tests that start sxdp under new prefixes
 * do not fill /run. */
static void
runtime_dir_remove(void)
{
	const char *base = strrchr(runtime_dir, '/');
	struct dirent *d;
	DIR *dir;

	if (runtime_dir[0] == '\0' || base == NULL || strcmp(base + 1, file_prefix) != 0 ||
	    (dir = opendir(runtime_dir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			unlinkat(dirfd(dir), d->d_name, 0);
	closedir(dir);
	rmdir(runtime_dir);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "takeover", no_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *socket_path = NULL, *log_level = NULL, *log_format = NULL;
	struct rte_mempool *mp = NULL;
	struct rte_ring *punt = NULL;
	char err[512];
	unsigned int leaked, driver_held = 0;
	uint64_t next_age, stop_at = 0;
	bool slowpath, check_only = false;
	char sock_tmp[sizeof(cfg.socket) + 8];
	uint64_t t_handed = 0; /* taking over: when the old one handed over */
	int opt, rc, exit_code = 1;

	while ((opt = getopt_long(argc, argv, "c:s:L:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 's': socket_path = optarg; break;
		case 'L': log_level = optarg; break;
		case 'F': log_format = optarg; break;
		case 'C': check_only = true; break;
		case 'T': takeover = true; break;
		case 'V':
			printf("sxdp %s\nbuilt with %s, using%s\nparser: %s on this CPU\n", SXDP_VERSION,
			       SXDP_BUILD_FLAGS, SXDP_ISA, dp_parse_impl_name((unsigned int)dp_parse_impl_get()));
			return 0;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if (dp_log_setup(log_format) < 0) {
		fprintf(stderr, "sxdp: --log-format: text or json\n");
		return 2;
	}
	if ((rc = dp_config_load(config, &cfg, err, sizeof(err))) < 0) {
		DP_LOG(ERR, "config: %s", err);
		return 2;
	}
	if (config == NULL)
		DP_LOG(NOTICE, "no --config given: starting on the %s "
			"(TAP ports sxlab0/sxlab1, pipeline forward)", cfg.source);
	if (socket_path)
		snprintf(cfg.socket, sizeof(cfg.socket), "%s", socket_path);
	if (dp_feature_check(&cfg, err, sizeof(err)) < 0 || dp_xdp_setup(&cfg, err, sizeof(err)) < 0) {
		DP_LOG(ERR, "config: %s", err);
		return 2;
	}
	/* an operator's edit, checked before a restart would meet it */
	if (check_only) {
		printf("sxdp: config %s: ok\n", cfg.source);
		return 0;
	}
	/* before EAL pins this thread: a successor gets this process's CPUs */
	dp_reload_init(config, socket_path, log_level, log_format, argv + optind, argc - optind);
	if (eal_start(argv[0], log_level, argv + optind, argc - optind) < 0)
		return 1;
	dp_logtype = rte_log_register_type_and_pick_level("sxdp", RTE_LOG_INFO);
	dp_ctl_log = ctl_log;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, dp_reload_ask);
	DP_LOG(INFO, "sxdp %s starting: config %s, pipeline %s, main lcore %u, %u worker(s); "
	       "built with %s, using%s", SXDP_VERSION, cfg.source, cfg.pipeline,
	       rte_get_main_lcore(), cfg.n_workers, SXDP_BUILD_FLAGS, SXDP_ISA);
	/* chosen now the EAL has read its SIMD width, before the workers */
	DP_LOG(INFO, "parser: %s", dp_parse_impl_name((unsigned int)dp_parse_impl_get()));

	for (unsigned int i = 0; i < cfg.n_workers; i++) {
		if (!rte_lcore_is_enabled(cfg.workers[i]) || cfg.workers[i] == rte_get_main_lcore()) {
			DP_LOG(ERR, "worker lcore %u is not available", cfg.workers[i]);
			goto out;
		}
	}
	/* dpdk-dumpcap and dpdk-pdump attach as secondary processes and ask
	 * this process to mirror a port's packets to them */
	if (rte_pdump_init() < 0)
		DP_LOG(WARNING, "packet capture (dpdk-dumpcap) unavailable: %s", rte_strerror(rte_errno));
	mp = rte_pktmbuf_pool_create(DP_MBUF_POOL_NAME, mempool_size(cfg.n_workers), 256,
				     DP_META_PRIV_SIZE, mbuf_size(), rte_socket_id());
	if (mp == NULL) {
		DP_LOG(ERR, "mbuf pool of %u mbufs: %s", mempool_size(cfg.n_workers),
		       rte_errno ? rte_strerror(rte_errno) : "unknown error");
		goto out;
	}
	if ((rc = dp_tables_init(cfg.n_workers, rte_socket_id())) < 0) {
		DP_LOG(ERR, "table set-up failed: %s", strerror(-rc));
		goto out;
	}
	for (unsigned int i = 0; i < cfg.n_table_sizes; i++)
		dp_table_size_set(cfg.table_sizes[i].name, cfg.table_sizes[i].size);
	dp_fast_check_init();
	if (dp_feature_setup(&cfg, cfg.n_workers, err, sizeof(err)) < 0) {
		DP_LOG(ERR, "pipeline %s: %s", cfg.pipeline, err);
		goto out;
	}
	for (unsigned int i = 0; i < cfg.n_table_sizes; i++)
		if (dp_table_by_name(cfg.table_sizes[i].name) < 0 && !dp_table_size_declared(cfg.table_sizes[i].name)) {
			DP_LOG(ERR, "config.table_sizes.%s: the pipeline has no such table",
			       cfg.table_sizes[i].name);
			goto out;
		}
	boot_id(api.boot_id, sizeof(api.boot_id));
	api.pipeline = cfg.pipeline;
	api.n_workers = cfg.n_workers;
	api.worker_lcores = cfg.workers;
	api.mp = mp;
	api.start_tsc = rte_rdtsc();
	if (dp_api_register(&api) < 0 || dp_xdp_register() < 0 || dp_takeover_register() < 0 ||
	    dp_telemetry_register(cfg.workers, cfg.n_workers) < 0) {
		DP_LOG(ERR, "registering control methods failed");
		goto out;
	}
	/* the running sxdp's tables (its ports named as ours are), then its ports */
	if (takeover && (rc = dp_ports_probe(&cfg)) < 0) {
		DP_LOG(ERR, "takeover: not taken: a port of this config is missing (above)");
		goto out;
	}
	if (takeover && (rc = dp_takeover_pull(cfg.socket, err, sizeof(err))) < 0) {
		DP_LOG(ERR, "takeover: %s", err);
		goto out;
	}
	t_handed = rte_rdtsc();
	if ((rc = dp_ports_init(&cfg, mp, cfg.n_workers, takeover)) < 0)
		goto out;
	driver_held = driver_holdback(mp);
	for (unsigned int i = 0; i < dp_n_ports; i++) {
		if (dp_ports[i].n_txq < cfg.n_workers) {
			DP_LOG(ERR, "port %s: %u TX queues for %u workers; use fewer workers",
			       dp_ports[i].cfg->name, dp_ports[i].n_txq, cfg.n_workers);
			goto out;
		}
	}
	punt = rte_ring_create("sxdp_punt", PUNT_RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	if (punt == NULL || dp_graph_setup() < 0 ||
	    dp_workers_setup(workers, cfg.n_workers, cfg.workers, punt, cfg.burst, cfg.idle_sleep_max_us) < 0) {
		DP_LOG(ERR, "worker set-up failed");
		goto out;
	}
	/* taking over: listen beside the running sxdp's socket, then in its place */
	snprintf(sock_tmp, sizeof(sock_tmp), "%s%s", cfg.socket, takeover ? ".next" : "");
	rc = dp_ctl_open(&(struct dp_ctl_opts){ .path = sock_tmp, .mode = 0660,
						.max_msg = 16u << 20 });
	if (rc == 0 && takeover)
		rc = dp_ctl_move(cfg.socket);
	if (rc < 0) {
		DP_LOG(ERR, "control socket %s: %s", cfg.socket, strerror(-rc));
		goto out;
	}
	for (unsigned int i = 0; i < cfg.n_workers; i++)
		rte_eal_remote_launch(dp_worker_main, &workers[i], cfg.workers[i]);
	if (takeover) {
		DP_LOG(INFO, "takeover: forwarding %.1f ms after the hand-over",
		       (double)(rte_rdtsc() - t_handed) * 1e3 / (double)rte_get_tsc_hz());
		/* the service's main process now (systemd), before the old one exits */
		if ((rc = dp_reload_notify_main()) < 0)
			DP_LOG(WARNING, "takeover: systemd not told this is the main process: %s", strerror(-rc));
	}
	DP_LOG(INFO, "ready: control socket %s, boot_id %s", cfg.socket, api.boot_id);

	next_age = rte_rdtsc() + rte_get_tsc_hz();
	slowpath = dp_feature_has_slowpath();
	while (!dp_quit) {
		uint64_t now;

		if (stop_asked && stop_at == 0) {
			unsigned int ms = dp_feature_stopping();

			stop_at = rte_rdtsc() + rte_get_tsc_hz() / 1000 * ms;
			if (ms > 0)
				DP_LOG(INFO, "stopping in %u ms: the features' peers hear it first", ms);
		}
		if (stop_at != 0 && rte_rdtsc() >= stop_at) {
			dp_quit = true;
			break;
		}
		/* punted packets want low latency; otherwise sleep in poll() */
		rc = dp_ctl_poll(slowpath ? 1 : 20);
		if (rc < 0 && rc != -EINTR)
			DP_LOG(WARNING, "control socket poll: %s", strerror(-rc));
		if (slowpath)
			while (dp_slowpath_drain(punt) > 0)
				;
		dp_ports_carrier_poll(rte_rdtsc());
		dp_feature_poll(rte_rdtsc());
		if (dp_reload_poll() > 0)
			stop_asked = 1;
		dp_workers_balance(rte_rdtsc());
		/* read after ctl_poll: entries it inserted are stamped before now */
		now = rte_rdtsc();
		if (now >= next_age) {
			dp_lcore_stats[rte_lcore_id()].events[DP_EVENT_core_aged] += dp_tables_age(now, NULL);
			next_age = now + rte_get_tsc_hz();
		}
	}
	/* handed over: the taker reads the hand-over, then this one goes at
	 * once (its successor waits for it: the kernel frees the ports' sockets
	 * at its exit); its memory and hugepage files go with it */
	dp_takeover_flush();
	if (dp_handed_over) {
		DP_LOG(INFO, "handed over: exiting");
		huge_unlink();
		runtime_dir_remove();
		_exit(0);
	}
	DP_LOG(INFO, "stopping");
	exit_code = 0;
out:
	dp_quit = true;
	rte_eal_mp_wait_lcore();
	dp_ctl_close();
	if (punt) {
		void *m = NULL;

		while (rte_ring_dequeue(punt, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(punt);
	}
	dp_workers_fini(workers, cfg.n_workers);
	dp_feature_fini();
	dp_xdp_fini();
	dp_ports_stop();
	dp_tables_fini();
	if (mp) {
		leaked = rte_mempool_in_use_count(mp);
		if (leaked && exit_code != 0) {
			/* a device that failed its set-up may keep what it took */
			DP_LOG(INFO, "start-up failed: %u mbufs not returned, not checked", leaked);
		} else if (leaked && leaked <= driver_held) {
			DP_LOG(WARNING, "%u mbufs still held by AF_XDP rings after close (the DPDK 22.11 "
			       "PMD does not return its fill/completion ring mbufs); allowance %u",
			       leaked, driver_held);
		} else if (leaked) {
			DP_LOG(ERR, "mbuf leak: %u mbufs still in use at exit", leaked);
#ifndef NDEBUG
			exit_code = 3;
#endif
		} else {
			DP_LOG(INFO, "mempool clean: all %u mbufs returned", mp->size);
		}
		rte_mempool_free(mp);
	}
	dp_config_free(&cfg);
	rte_pdump_uninit();
	rte_eal_cleanup();
	huge_unlink();
	runtime_dir_remove();
	return exit_code;
}
