/* SPDX-License-Identifier: BSD-3-Clause */
/* up_hook: what another feature adds to a UPF's N3 or N9 link as sxcd
 * compiles the upf intent (ha: a pair holds the link's address by VRRP),
 * registered from that feature's folder, so the upf names none of them. */
#ifndef UP_HOOK_H
#define UP_HOOK_H

#include <stdbool.h>
#include <jansson.h>

struct cd_kx;

enum up_hook_at {
	UP_AT_LINK_SVI,   /* before the link's SVI: a feature that holds its address sets held and mac */
	UP_AT_LINK_END,   /* ... after it and its endpoint */
};

/* A link as the upf compiles it. */
struct up_link {
	const char *upf, *which;   /* the intent's name; "n3" or "n9" */
	json_t *spec;              /* the link's (port, address, ...) */
	json_int_t vrf, bd;        /* its SVI's: the underlay, its own bridge domain */
	bool held;                 /* its address held by an election: the SVI and endpoint ours only while held */
	char mac[18];              /* ... with this MAC (the election's virtual one) */
};

struct up_hook {
	enum up_hook_at at;
	void (*fn)(struct cd_kx *x, struct up_link *l);
	struct up_hook *next;
};

/* From a constructor (@h: static storage). */
void up_hook_register(struct up_hook *h);
#define UP_HOOK_REGISTER(h)                                                             \
	static void __attribute__((constructor)) up_hook_register_##h(void)             \
	{                                                                               \
		up_hook_register(&h);                                                   \
	}

#endif
