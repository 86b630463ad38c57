/* The main lcore's part of flow export: drain the workers' rings, encode
 * IPFIX, send to every collector over UDP (the kernel's sockets: the main
 * lcore may make syscalls), templates at start, after a change and on
 * schedule. Configured from flowexp's tables (pl_flowexp.c). */
#ifndef FX_EXPORT_H
#define FX_EXPORT_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

struct fx_conf {
	bool on;
	uint32_t sampling, active_s, idle_s, template_s, domain;
	unsigned int n_coll;
	struct sockaddr_storage coll[8];
	socklen_t coll_len[8];
};

int fx_export_init(void);
void fx_export_fini(void);
/* A new configuration (the tables changed): workers flush what they hold,
 * templates go out again. */
void fx_export_apply(const struct fx_conf *c);
void fx_export_poll(uint64_t now_tsc);

#endif
