/* Where the UPF's own is: its IPv4 addresses (upf_interfaces' host entries) as a small
 * set the uplink checks every inner destination against (a UE may not
 * reach them): a hash of a few kilobytes that stays in cache, where an LPM
 * lookup per packet in upf_interfaces would cost its two lines. Rebuilt
 * on the main lcore after each write to upf_interfaces and swapped in
 * (RCU); while the table has an own prefix shorter than /32, the stage
 * looks the table up instead (up_own_exact() is false). */
#ifndef UP_OWN_H
#define UP_OWN_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>
#include "dp_stats.h"
#include "dp_table.h"

struct up_own_slot {
	uint32_t addr;           /* network order; 0: empty */
	uint16_t slice;          /* an N6 address: only its slice's UEs; 0: every slice's (N3, N9) */
	uint16_t pad;
};

struct up_own {
	uint32_t mask;           /* slots - 1 */
	uint32_t n_prefix;       /* own entries that are no host route */
	struct up_own_slot slot[];
};

extern struct up_own *up_own_set;

/* The product's top bits, the only ones every bit of addr reaches: the
 * addresses of one subnet differ in their last octet, the top byte of a
 * network-order word read on a little-endian CPU. */
static inline uint32_t
up_own_hash(uint32_t addr, uint32_t mask)
{
	return (uint32_t)(((uint64_t)(addr * 0x9e3779b1u) * (mask + 1)) >> 32);
}

/* Is addr (network order) an own address for a UE of slice? Workers. */
static inline bool
up_own_has(const struct up_own *s, uint32_t addr, uint16_t slice)
{
	for (uint32_t i = up_own_hash(addr, s->mask);; i = (i + 1) & s->mask) {
		const struct up_own_slot *o = &s->slot[i];

		if (o->addr == 0)
			return false;
		if (o->addr == addr)
			return o->slice == 0 || o->slice == slice;
	}
}

/* Main lcore: the set rebuilt from upf_interfaces (at init, after writes).
 * 0, -ENOMEM (the old set stays). */
int up_own_rebuild(void);
/* upf.held registered: 0 or -errno. */
int up_own_init(void);
void up_own_fini(void);

/* The switch's interfaces (its interfaces table's attach and routed entries) as bits,
 * VLAN vid of port at up_vlans[port][vid / 64] bit vid % 64 (0: untagged):
 * where GTP-U to our endpoints may arrive. Kept by the main lcore as the
 * table is written (one aligned word store per change), read by workers;
 * a bit test in cache where a lookup would cost the table's line. */
extern uint64_t up_vlans[DP_PORTS_MAX][4096 / 64];

static inline bool
up_vlan_attached(uint16_t port, uint16_t vid)
{
	return port < DP_PORTS_MAX &&
	       (__atomic_load_n(&up_vlans[port][(vid & 0xfff) >> 6], __ATOMIC_RELAXED) >> (vid & 63) & 1);
}

/* Main lcore: a batch's writes to the switch's interfaces (a deriver's done). */
void up_vlans_written(const struct dp_update *d, unsigned int n, const int *res);

#endif
