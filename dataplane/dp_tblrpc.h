/* table.* control methods, generic over every declared table. */
#ifndef DP_TBLRPC_H
#define DP_TBLRPC_H

#include <jansson.h>

struct dp_update;

int dp_tblrpc_register(void);
/* A pipeline's check of a batch before it is applied: sets res[i] to a
 * -errno (-EXDEV for a slice conflict) for each update it refuses. */
typedef void (*dp_tblrpc_check_fn)(const struct dp_update *u, unsigned int n, int *res);
void dp_tblrpc_set_check(dp_tblrpc_check_fn fn);
/* The schema of one table as pipeline.describe shows it (new reference). */
json_t *dp_tblrpc_describe_table(unsigned int tid);

#endif
