/* flowexp's event records (fx_api.h fx_evt_*): the features' templates
 * and the workers' rings to the main lcore, which fx_export drains. */
#ifndef FX_EVT_H
#define FX_EVT_H

#include <stdint.h>
#include "fx_api.h"

/* What a ring carries: the record as the worker made it. */
struct fx_evt_rec {
	uint64_t tsc;
	uint16_t id, len;
	uint8_t data[FX_EVT_LEN_MAX];
};

/* At flowexp's init: a ring per worker. 0 or -ENOMEM. */
int fx_evt_init(unsigned int n_workers);
void fx_evt_fini(void);
/* The templates registered: how many, and all of them. */
unsigned int fx_evt_tmpls(void);
const struct fx_evt_tmpl *fx_evt_tmpl_all(void);
/* Main lcore: up to max records of worker w into r; how many. */
unsigned int fx_evt_drain(unsigned int w, struct fx_evt_rec *r, unsigned int max);
unsigned int fx_evt_workers(void);

#endif
