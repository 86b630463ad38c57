/* table.* control methods, generic over every declared table. */
#ifndef DP_TBLRPC_H
#define DP_TBLRPC_H

#include <jansson.h>

int dp_tblrpc_register(void);
/* The schema of one table as pipeline.describe shows it (new reference). */
json_t *dp_tblrpc_describe_table(unsigned int tid);

#endif
