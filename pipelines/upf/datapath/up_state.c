/* The upf's globals its modules share (up_state.h): table ids, drop-reason
 * and event bases and its per-packet fields' offsets, filled by pl_upf.c
 * at init. */
#include "up_state.h"

struct pl_upf_tables pl_up = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
unsigned int pl_up_drop_base, pl_up_event_base;
unsigned int up_buf_held_n;
int pl_up_meta_off = -1, pl_up_sess_off = -1;
