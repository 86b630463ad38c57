/* VRRP version 3 (RFC 5798) for one virtual router of one address family:
 * what the box's pair (or a LAN router such as keepalived) elects a master
 * of a slice's gateway addresses by. Pure C clocked by its caller in
 * nanoseconds, as ov_bfd.h is, so the unit test runs routers against each
 * other and against a hostile LAN host on a made-up clock; the wire (IP
 * protocol 112 to 224.0.0.18 or ff02::12, TTL 255, the virtual MAC) is the
 * caller's.
 *
 * What RFC 5798 leaves to the implementation, chosen here:
 * - Accept: an advertisement is taken only from a configured peer (the
 *   pair's other box, or a LAN router named as a peer): VRRPv3 has no
 *   authentication, and a host on the slice's LAN that forges a higher
 *   priority must not take the gateway (counted: bad_source). TTL 255
 *   keeps off-link senders out (5.1.1.3).
 * - Preemption with a hold-down: a router that would preempt a lower
 *   priority master waits hold_ms after it started before it does (its
 *   tables, sessions and routes converge first); a master's failure is
 *   taken over at once whatever the hold-down. Past it, a lower priority
 *   master is taken over within Skew_Time of its advertisement, as a
 *   stopping one is (6.4.2 would wait Master_Down_Interval: the same
 *   outcome, three intervals later).
 * - The checksum covers the IPv4 pseudo-header too (5.2.8, as keepalived
 *   and the RFC's IPv6 case do). */
#ifndef HA_VRRP_H
#define HA_VRRP_H

#include <stdbool.h>
#include <stdint.h>

#define HA_VRRP_PROTO      112          /* IP protocol (5.1.1.4, 5.1.2.4) */
#define HA_VRRP_TTL        255          /* sent with, and only taken with */
#define HA_VRRP_VERSION    3
#define HA_VRRP_ADVERT     1            /* the one type (5.2.2) */
#define HA_VRRP_PRIO_OWNER 255          /* the address owner's */
#define HA_VRRP_PRIO_STOP  0            /* a master that stops (6.4.3) */
#define HA_VRRP_ADDRS_MAX  16           /* virtual addresses a router has */
#define HA_VRRP_HLEN       8            /* the header before the addresses */
#define HA_VRRP_ADV_CS_MAX 4095         /* Max Adver Int: 12 bits of centiseconds */
#define HA_VRRP_ADV_CS_DEF 100          /* 1 s (5.2.7) */
#define HA_VRRP_PEERS_MAX  4

/* 5.2's header, in network order; count addresses (4 or 16 bytes each) follow. */
struct ha_vrrp_hdr {
	uint8_t vers_type;       /* version << 4 | type */
	uint8_t vrid;
	uint8_t prio;
	uint8_t count;           /* Count IPvX Addr */
	uint16_t max_adv;        /* 4 bits reserved (0), 12 bits Max Adver Int, centiseconds */
	uint16_t cksum;
} __attribute__((packed));

enum ha_vrrp_state { HA_VRRP_INIT, HA_VRRP_BACKUP, HA_VRRP_MASTER };
/* Why a Backup's timer would make it Master: the master fell silent, it
 * said it stops (priority 0), or it is of a lower priority (preemption). */
enum { HA_VRRP_DOWN_SILENT, HA_VRRP_DOWN_STOPPED, HA_VRRP_DOWN_PREEMPT };
extern const char *const ha_vrrp_state_name[3];

/* Why a packet was not taken (0: it was). */
enum ha_vrrp_bad {
	HA_VRRP_OK,
	HA_VRRP_BAD_TTL,         /* not 255: not from the link (7.1) */
	HA_VRRP_BAD_LENGTH,      /* shorter than its header and its addresses */
	HA_VRRP_BAD_VERSION,     /* not 3 */
	HA_VRRP_BAD_TYPE,        /* not an advertisement */
	HA_VRRP_BAD_CKSUM,
	HA_VRRP_BAD_INTERVAL,    /* Max Adver Int 0 */
	HA_VRRP_BAD_SOURCE,      /* from no configured peer */
	HA_VRRP_BAD_ADDRS,       /* a priority below 255 whose addresses are not ours (7.1: logged, discarded) */
	HA_VRRP_BAD_N
};
extern const char *const ha_vrrp_bad_name[HA_VRRP_BAD_N];

struct ha_vrrp_cfg {
	uint8_t vrid;            /* 1..255 */
	uint8_t prio;            /* 1..255 (255: the addresses' owner) */
	uint16_t adv_cs;         /* Advertisement_Interval, centiseconds (1..4095) */
	bool preempt;            /* Preempt_Mode */
	uint32_t hold_ms;        /* preemption's hold-down after start */
	bool v6;
	uint8_t self[16];        /* the router's own address on the link: the advertisements' source */
	uint8_t n_peers;         /* who may advertise to it (0: nobody: it is alone) */
	uint8_t peers[HA_VRRP_PEERS_MAX][16];
	uint8_t n_addr;          /* the virtual addresses */
	uint8_t addr[HA_VRRP_ADDRS_MAX][16];
};

struct ha_vrrp_stats {
	uint64_t tx, rx;                 /* advertisements sent, taken */
	uint64_t bad[HA_VRRP_BAD_N];     /* not taken, by why */
	uint64_t stops_rx;               /* priority 0 taken */
	uint32_t masters, backups;       /* transitions */
};

/* 6.1's variables, and the timers. */
struct ha_vrrp {
	struct ha_vrrp_cfg cfg;
	uint8_t state;
	uint16_t master_adv_cs;  /* Master_Adver_Interval (the master's, as it says) */
	uint8_t master_ip[16];   /* whose advertisements keep it Backup */
	uint64_t adver_at;       /* Master: the next advertisement */
	uint64_t down_at;        /* Backup: Master_Down_Timer */
	uint8_t down_why;        /* what it runs for: HA_VRRP_DOWN_* */
	bool hastened;           /* down_at brought forward (ha_vrrp_hasten) */
	uint64_t preempt_from;   /* preemption allowed from (start + hold-down) */
	uint64_t changed;        /* when state last changed */
	struct ha_vrrp_stats st;
};

/* A virtual router started at now (6.4.1): the owner Master at once (an
 * advertisement due), any other Backup until the master is heard. */
void ha_vrrp_start(struct ha_vrrp *v, const struct ha_vrrp_cfg *c, uint64_t now);
/* New settings for a router that keeps its state where they allow (its
 * priority, interval, peers and addresses); a change of the VRID or the
 * family starts it again. */
void ha_vrrp_reconfig(struct ha_vrrp *v, const struct ha_vrrp_cfg *c, uint64_t now);

/* No preemption before @until (the box's LANs back: it converges before
 * it takes the traffic back, all its routers at once). */
void ha_vrrp_hold(struct ha_vrrp *v, uint64_t until);

/* A router started here going on where another process left it (a
 * restart that takes over): @state (Master or Backup), the master's
 * interval and address as they were there, its timers from @now (a
 * Master advertises at once), no hold-down. */
void ha_vrrp_resume(struct ha_vrrp *v, uint8_t state, uint16_t master_adv_cs, const uint8_t *master_ip,
		    uint64_t now);

/* 7.1's checks of @len bytes of VRRP message (its IP header's @ttl, its
 * source @src and destination @dst of @v6's family) that need no router:
 * version, type, length, checksum. The VRID names the router. */
enum ha_vrrp_bad ha_vrrp_check(const void *msg, uint32_t len, bool v6, const uint8_t *src, const uint8_t *dst,
			       uint8_t ttl);
/* A message that passed ha_vrrp_check, for this router (its VRID), from
 * @src, taken in at now (6.4.2, 6.4.3). 0 when taken (true in *changed
 * when the state changed), or why not (counted). */
enum ha_vrrp_bad ha_vrrp_recv(struct ha_vrrp *v, const void *msg, const uint8_t *src, uint64_t now, bool *changed);
/* A Backup's Master_Down_Timer fires no sooner than @until (the caller
 * knows the master lives: a witness saw it). */
void ha_vrrp_defer(struct ha_vrrp *v, uint64_t until);
/* ... or, the caller knowing the master gone (a witness saw none), after
 * two Master_Adver_Intervals and the Skew_Time of silence instead of
 * three (one advertisement late is still no takeover): true when that is
 * now sooner than it was. */
bool ha_vrrp_hasten(struct ha_vrrp *v);
/* The timers at now: a Backup whose master went silent becomes Master
 * (6.4.2). True when the state changed. */
bool ha_vrrp_judge(struct ha_vrrp *v, uint64_t now);
/* Is an advertisement due at now? Then its message (from the router's own
 * address to @dst of its family) in @out (room: ha_vrrp_msg_len), its
 * length returned; else 0. A new Master's first one is due at once, and
 * with it the caller sends gratuitous ARPs or unsolicited NAs (6.4.1). */
uint32_t ha_vrrp_due(struct ha_vrrp *v, uint64_t now, const uint8_t *dst, void *out);
/* The router stops at now (6.4.3, Shutdown): a Master says so with
 * priority 0 (its message in @out, length returned; 0 when it was not
 * Master), and it is Init. */
uint32_t ha_vrrp_stop(struct ha_vrrp *v, uint64_t now, const uint8_t *dst, void *out);

/* The length of the router's advertisement. */
uint32_t ha_vrrp_msg_len(const struct ha_vrrp_cfg *c);
/* 6.1's Skew_Time and Master_Down_Interval, ns. */
uint64_t ha_vrrp_skew_ns(const struct ha_vrrp *v);
uint64_t ha_vrrp_down_ns(const struct ha_vrrp *v);
/* The virtual MAC of a router (7.3): 00:00:5e:00:01:VRID, IPv6's 00:00:5e:00:02:VRID. */
void ha_vrrp_mac(const struct ha_vrrp_cfg *c, uint8_t mac[6]);

static inline bool
ha_vrrp_master(const struct ha_vrrp *v)
{
	return v->state == HA_VRRP_MASTER;
}

/* A Backup about to take over from a master that fell silent (not one
 * that stopped or that it preempts): its timer is due at now. */
static inline bool
ha_vrrp_silence_due(const struct ha_vrrp *v, uint64_t now)
{
	return v->state == HA_VRRP_BACKUP && now >= v->down_at && v->down_why == HA_VRRP_DOWN_SILENT;
}

#endif
