/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_upf: the UPFs PFCP sessions land in: sxcd's Ready upf intents as PFCP sees them (links, names, pools, ids). */
/*
 * A PFCP session names no UPF: its PDRs name an F-TEID (an address of one
 * of the UPF's links, or CHOOSE with a Network Instance), a UE address,
 * Network Instances. The upf intents say what each UPF is (its slice, its
 * N3 and N9 links and their names, its UE pools, its local DNs); their
 * compile allocated the ids sxdp knows them by (the links' endpoint ids,
 * the local DNs' app ids). This reads both into a small index that a
 * session picks its UPF and links from, rebuilt when the intents change.
 */
#ifndef PF_UPF_H
#define PF_UPF_H

#include <stdbool.h>
#include <stdint.h>

struct cd_res;

#define PF_UPF_MAX   64
#define PF_UPF_NI    16
#define PF_UPF_APPS  64
#define PF_NAME_LEN  64
#define PF_UPF_POOLS 16

/* A pool the UPF chooses UE addresses from (UEIP): inside its routed
 * ue_pool or ue_pool6; an IPv4 address or an IPv6 /64 a session. */
struct pf_pool {
	char name[PF_NAME_LEN];		/* its UE IP address Pool Identity ("": none) */
	char ni[PF_NAME_LEN];		/* the Network Instance (DNN) it serves ("": any) */
	uint8_t af, plen;
	uint8_t prefix[16];
};

/* One link (N3 or N9) of a UPF. */
struct pf_link {
	bool present;
	uint16_t id;			/* its endpoint id in upf_interfaces(6): a session key's */
	uint8_t af;			/* AF_INET, AF_INET6 */
	uint8_t addr[16];		/* its GTP-U address */
	uint8_t plen;			/* its subnet */
	bool has_gw;
	uint8_t gw[16];			/* the next hop toward peers off the subnet */
	char ni[PF_NAME_LEN];		/* the Network Instance SMFs name it by ("": none) */
};

struct pf_upf {
	char name[PF_NAME_LEN];
	uint32_t slice;			/* the slice's id: its VRF, the sessions' slice */
	uint32_t underlay;		/* the site's underlay slice: its tunnel peers' VRF */
	struct pf_link n3, n9;
	bool has_pool4, has_pool6;
	uint8_t pool4[4], pool4_len, pool6[16], pool6_len;
	char ni[PF_UPF_NI][PF_NAME_LEN];	/* its N6 Network Instances (DNNs) */
	int n_ni;
	struct {
		char name[PF_NAME_LEN];
		uint16_t id;
	} app[PF_UPF_APPS];		/* its local DNs: an Application ID's app */
	int n_app;
	struct pf_pool pool[PF_UPF_POOLS];	/* where CHV4/CHV6 addresses come from */
	int n_pool;
	bool ethernet;			/* it takes Ethernet PDU sessions: its slice's bridge
					 * domain is their 5G LAN group's */
};

struct pf_upfs {
	struct pf_upf u[PF_UPF_MAX];
	int n;
	uint64_t stamp;			/* when it was built (ms, monotonic): rebuilt at most every 100 ms */
	bool all;			/* built with every phase's */
};

/* Rebuild @s from @res's Ready upf intents (and the slices and ids they
 * compiled with) if they changed since it was built. 0, or -ENOMEM. */
int pf_upfs_refresh(struct pf_upfs *s, struct cd_res *res);
/* The same now, with every upf intent whose ids are allocated whatever its
 * phase (sessions restored at start, before the reconciler's first run). */
int pf_upfs_refresh_all(struct pf_upfs *s, struct cd_res *res);

/* Which UPF and link an F-TEID's address (@af, @addr) is: the UPF, and
 * *@n9 whether it is its N9 link; NULL: none of them. */
const struct pf_upf *pf_upf_by_addr(const struct pf_upfs *s, int af, const uint8_t *addr, bool *n9);
/* The UPF a CHOOSE names by Network Instance @ni (a link's name: *@n9
 * says which; or one of its N6 ones: *@n9 false, its N3): NULL: none, or
 * more than one UPF has that name. With @ni empty: the one UPF there is. */
const struct pf_upf *pf_upf_by_ni(const struct pf_upfs *s, const char *ni, bool *n9);
/* Is @ni (a FAR's or an N6 PDR's Network Instance) one of @u's N6 ones?
 * An empty @ni, or a UPF that names none, takes any. */
bool pf_upf_n6_ni(const struct pf_upf *u, const char *ni);
/* Is the UE address in one of @u's pools? */
bool pf_upf_in_pool(const struct pf_upf *u, int af, const uint8_t *addr);
/* The UPF with a UE address pool named @name (UE IP address Pool
 * Identity): NULL: none, or more than one. */
const struct pf_upf *pf_upf_by_pool(const struct pf_upfs *s, const char *name);
/* The app id of @u's local DN @name, 0: none. */
uint16_t pf_upf_app(const struct pf_upf *u, const char *name);

#endif
