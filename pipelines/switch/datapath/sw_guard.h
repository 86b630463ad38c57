/* The switch's write check (sw_guard.c). */
#ifndef SW_GUARD_H
#define SW_GUARD_H

#include <stdint.h>

/* Registers it and its refusal reason. */
int pl_switch_guard_init(void);

#endif
