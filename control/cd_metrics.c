/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "cd_metrics.h"
void cd_metrics(struct cd_sync *s, struct cd_res *r, cd_metrics_done *done, void *arg) { (void)s; (void)r; done(arg, strdup("")); }
