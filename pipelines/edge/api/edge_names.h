/* The edge's table, field and action names: sxdp declares them, sxcd's
 * compile and sxctl write and read them. */
#ifndef EDGE_NAMES_H
#define EDGE_NAMES_H

#define EDGE_T_SLICES    "edge_slices"
#define EDGE_T_RETURN    "edge_return"
#define EDGE_T_POOLS     "edge_pools"
#define EDGE_T_TIMEOUTS  "edge_timeouts"
/* table_sizes' name for the connections of all workers together */
#define EDGE_SIZE_CONNS  "edge_connections"

#define EDGE_F_VRF        "vrf"
#define EDGE_F_DST        "dst"
#define EDGE_F_OUTSIDE    "outside"
#define EDGE_F_POOL       "pool"
#define EDGE_F_ID         "id"
#define EDGE_F_FIRST      "first"
#define EDGE_F_LAST       "last"
#define EDGE_F_PORT_LO    "port_lo"
#define EDGE_F_PORT_HI    "port_hi"
#define EDGE_F_BLOCK      "block"
#define EDGE_F_BLOCKS     "blocks"
#define EDGE_F_DET_PREFIX "det_prefix"
#define EDGE_F_DET_PLEN   "det_plen"
#define EDGE_F_WHAT       "what"
#define EDGE_F_SECONDS    "s"

#define EDGE_A_EDGE    "edge"
#define EDGE_A_INSIDE  "inside"
#define EDGE_A_POOL    "pool"
#define EDGE_A_NONE    "none"
#define EDGE_A_TIMEOUT "timeout"
#define EDGE_A_DEFAULT "default"

#endif
