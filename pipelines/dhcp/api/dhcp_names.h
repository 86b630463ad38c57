/* SPDX-License-Identifier: BSD-3-Clause */
/* dhcp's tables, fields, actions and bounds, as its datapath declares them
 * and its control part and CLI write and read them: one declaration for all. */
#ifndef DHCP_NAMES_H
#define DHCP_NAMES_H

/* tables */
#define DHCP_T_POOLS   "dhcp_pools"   /* (vrf, bd) -> pool(first, last, router?, dns1?, dns2?, lease_s) */
#define DHCP_T_STATIC  "dhcp_static"  /* (bd, mac) -> static(ip) */
#define DHCP_T_RELAY   "dhcp_relay"   /* (vrf, bd) -> relay(server) */
#define DHCP_T_RA      "dhcp_ra"      /* (vrf, bd) -> ra(interval_s, lifetime_s) */

/* fields and params */
#define DHCP_F_VRF     "vrf"
#define DHCP_F_BD      "bd"
#define DHCP_F_MAC     "mac"
#define DHCP_P_FIRST   "first"
#define DHCP_P_LAST    "last"
#define DHCP_P_ROUTER  "router"
#define DHCP_P_DNS1    "dns1"
#define DHCP_P_DNS2    "dns2"
#define DHCP_P_LEASE   "lease_s"
#define DHCP_P_IP      "ip"
#define DHCP_P_SERVER  "server"
#define DHCP_P_INTERVAL "interval_s"
#define DHCP_P_LIFETIME "lifetime_s"

/* actions */
#define DHCP_A_POOL    "pool"
#define DHCP_A_STATIC  "static"
#define DHCP_A_RELAY   "relay"
#define DHCP_A_RA      "ra"

/* the RPC that lists the leases */
#define DHCP_M_LEASES  "dhcp.leases"

/* bounds the table checks (pl_dhcp.c, dh_ra.c) and the intent's schema share */
#define DHCP_LEASE_S_MIN   60
#define DHCP_LEASE_S_MAX   (366u * 86400)
#define DHCP_LEASE_S_DFLT  3600
#define DHCP_DNS_MAX       2          /* dns1, dns2 */
#define DHCP_STATIC_MAX    4096       /* dhcp_static's size: the box's */
#define DHCP_SLICE_STATIC_MAX 1024    /* one slice's (DhcpSpec.static maxItems) */
#define DHCP_RA_INTERVAL_MIN 3        /* RFC 4861 6.2.1 MinRtrAdvInterval's floor */
#define DHCP_RA_INTERVAL_MAX 1800
#define DHCP_RA_INTERVAL_DFLT 200
#define DHCP_RA_LIFETIME_MAX 9000     /* RFC 4861 4.2 */
#define DHCP_RA_LIFETIME_DFLT 1800

#endif
