/* table.* control methods, generic over every declared table. */
#ifndef DP_TBLRPC_H
#define DP_TBLRPC_H

#include <jansson.h>

struct dp_update;

int dp_tblrpc_register(void);
/* A feature's cross-table rules, run on every table.write batch before it
 * is applied (e.g. a bridge domain belongs to one slice): sets res[i] to a
 * -errno or a code from dp_tblrpc_reason_add for each update it refuses,
 * leaves the others alone. Main lcore, at init. 0 or -ENOSPC. */
typedef void (*dp_tblrpc_check_fn)(const struct dp_update *u, unsigned int n, int *res);
int dp_tblrpc_check_add(dp_tblrpc_check_fn fn);
/* A refusal of a feature's own, as table.write reports it: reason code and
 * message. Returns the (negative) result code its check sets, or -ENOSPC. */
int dp_tblrpc_reason_add(const char *reason, const char *message);
/* The schema of one table as pipeline.describe shows it (new reference). */
json_t *dp_tblrpc_describe_table(unsigned int tid);

#endif
