/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_hook: what features plug into sxcd's reconciler besides their kinds: health checks after a run, calls after a write. */
/*
 * The reconciler (cd_sync, cd_write) names no feature: a feature whose
 * guarantees depend on sxdp's state (the overlay's paths) reads it after
 * a run's writes and says which Ready intents are Degraded; a feature
 * that tells sxdp something when one of its entries is modified (the
 * UPF's end marker after a handover) asks for that call. Both register
 * from a constructor in the feature's control part, like its kinds.
 */
#ifndef CD_HOOK_H
#define CD_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* After a run's writes, when sxdp has @table (NULL: always): @method is
 * called and @check given its result, sxcd's allocated ids ({"NS":
 * {"KEY": id}}) and the run's results ("KIND/NAME" → result), which it
 * marks with cd_hook_degrade. */
struct cd_hook_health {
	const char *method, *table;
	void (*check)(json_t *result, json_t *ids, json_t *results);
};
void cd_hook_health_register(const struct cd_hook_health *h);
/* The registered ones in order, NULL past the last. */
const struct cd_hook_health *cd_hook_health_at(int i);
/* Ready @who of @results is Degraded for @reason (@message: new), in the
 * run's own copy of its result (the compiler's stays as compiled); false
 * (and @message dropped) when it is not Ready. */
bool cd_hook_degrade(json_t *results, const char *who, const char *reason, json_t *message);

/* After a batch is applied, @modified is asked of each modify of @table
 * with the entry before it (@prev): the params (new) of a call of
 * @method to make, NULL for none, and a name for it in @key (one call per
 * name and batch). A refusal is only logged. */
struct cd_hook_write {
	const char *table, *method;
	json_t *(*modified)(json_t *u, json_t *prev, char *key, size_t len);
};
void cd_hook_write_register(const struct cd_hook_write *h);
const struct cd_hook_write *cd_hook_write_at(int i);

#define CD_HOOK_REGISTER(kind, h)                                                          \
	static void __attribute__((constructor)) cd_hook_register_##h(void)               \
	{                                                                                  \
		cd_hook_##kind##_register(&h);                                             \
	}

#endif
