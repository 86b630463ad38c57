/* RSS hash types: what sxdp asks a port's device to spread its RX queues
 * on, masked by what the device offers, and their names for the log and
 * port.list. Pure (no device touched here: dp_port configures it), so a
 * unit test checks the masking. */
#ifndef DP_RSS_H
#define DP_RSS_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "dp_config.h"

struct dp_rss_type {
	const char *name;
	uint64_t bits;    /* RTE_ETH_RSS_* */
};

/* ip, udp, tcp, gtpu; ends with a NULL name */
extern const struct dp_rss_type dp_rss_types[];

/* Whether G-PDUs arrive on a port of this role (N3, N9): the ports GTP-U RSS
 * is asked for, and that need soft_rss without it. */
bool dp_rss_gtpu_role(enum dp_port_role role);

/* The hash types for a port of role with n_rxq RX queues on a device that
 * offers `offered` (dev_info.flow_type_rss_offloads): none for one queue;
 * else IP, UDP and TCP, and on the G-PDU ports GTP-U (the TEID: one gNB's
 * sessions spread over the queues, each on one), each only where offered
 * (ethdev refuses a configure that asks for more). */
uint64_t dp_rss_request(enum dp_port_role role, uint16_t n_rxq, uint64_t offered);

/* "ip,udp,tcp,gtpu" for the types hf has bits of, "none" for none; returns buf. */
const char *dp_rss_names(uint64_t hf, char *buf, size_t n);

#endif
