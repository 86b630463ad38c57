/* The switch's globals its modules share (sw_state.h, sw_api.h): table
 * ids, drop-reason and event bases and the per-packet field's offset, all
 * filled by pl_switch.c at init. */
#include "sw_state.h"

struct pl_switch_tables pl_sw = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
unsigned int pl_sw_drop_base, pl_sw_event_base;
unsigned int pl_sw_drop_frag_needed, pl_sw_drop_pkt_too_big;
int pl_sw_meta_off = -1;
uint8_t pl_sw_held[4096];
pl_switch_listen_fn sw_listen[256];
struct sw_listen_udp sw_listen_udp[SW_LISTEN_UDP_MAX];
unsigned int sw_n_listen_udp;
