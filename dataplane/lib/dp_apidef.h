/* sxdp's control methods declared once, as data: name, description,
 * params and result (dp_rpc.h, dp_schema.h). dp_api.c and dp_tblrpc.c bind
 * handlers to them; tools print them without a running sxdp. No DPDK. */
#ifndef DP_APIDEF_H
#define DP_APIDEF_H

#include "dp_rpc.h"
#include "dp_schema.h"

/* Limits the declarations state; the handlers check them against the
 * engine's own (DPDK) constants at compile time. */
#define DP_APIDEF_MTU_MIN		576
#define DP_APIDEF_MTU_MAX		9600
#define DP_APIDEF_PRIORITY_MAX		0x1fffffff	/* RTE_ACL_MAX_PRIORITY */
#define DP_APIDEF_READ_LIMIT_MAX	1000
#define DP_APIDEF_WRITE_UPDATES_MAX	65536
#define DP_APIDEF_IDLE_TIMEOUT_MAX	(86400 * 365)

/* What REF params name (dp_schema_ref_add): ports by name or index, tables
 * by name. */
#define DP_APIDEF_REF_PORT	"port"
#define DP_APIDEF_REF_TABLE	"table"

extern const struct dp_rpc_method dp_apidef_sys_hello, dp_apidef_port_list,
	dp_apidef_port_stats, dp_apidef_port_set, dp_apidef_pipeline_describe,
	dp_apidef_graph_stats, dp_apidef_stats_get, dp_apidef_stats_clear,
	dp_apidef_table_write, dp_apidef_table_read, dp_apidef_table_clear,
	dp_apidef_table_config, dp_apidef_xdp_steer, dp_apidef_sys_takeover;
/* Every one of them, NULL-terminated. */
extern const struct dp_rpc_method *const dp_apidef_all[];

/* Each method's params in declaration order: a handler's v[] indexes. */
enum { DP_APIDEF_STATS_PORT, DP_APIDEF_STATS_N };			/* port.stats */
enum { DP_APIDEF_SET_PORT, DP_APIDEF_SET_ADMIN, DP_APIDEF_SET_MTU, DP_APIDEF_SET_N };
enum { DP_APIDEF_DESCRIBE_TABLE, DP_APIDEF_DESCRIBE_N };
enum { DP_APIDEF_WRITE_ATOMICITY, DP_APIDEF_WRITE_UPDATES, DP_APIDEF_WRITE_N };
/* the members of one of table.write's updates, and of its "expect" */
enum { DP_APIDEF_UPD_TYPE, DP_APIDEF_UPD_TABLE, DP_APIDEF_UPD_EXPECT, DP_APIDEF_UPD_MATCH,
	DP_APIDEF_UPD_PRIORITY, DP_APIDEF_UPD_ACTION, DP_APIDEF_UPD_PARAMS, DP_APIDEF_UPD_N };
enum { DP_APIDEF_EXPECT_ACTION, DP_APIDEF_EXPECT_PARAMS, DP_APIDEF_EXPECT_N };
enum { DP_APIDEF_READ_TABLE, DP_APIDEF_READ_OFFSET, DP_APIDEF_READ_LIMIT, DP_APIDEF_READ_N };
enum { DP_APIDEF_CLEAR_TABLE, DP_APIDEF_CLEAR_N };
enum { DP_APIDEF_CONFIG_TABLE, DP_APIDEF_CONFIG_IDLE, DP_APIDEF_CONFIG_N };

/* The values of the enum params, in the order their names are declared:
 * an update's type and a batch's atomicity as dp_table.h numbers them, a
 * port's admin state. */
enum { DP_APIDEF_UPD_INSERT, DP_APIDEF_UPD_MODIFY, DP_APIDEF_UPD_DELETE, DP_APIDEF_UPD_DEFAULT };
enum { DP_APIDEF_ATOM_CONTINUE, DP_APIDEF_ATOM_ROLLBACK, DP_APIDEF_ATOM_DATAPLANE };
enum { DP_APIDEF_ADMIN_DOWN, DP_APIDEF_ADMIN_UP };

#endif
