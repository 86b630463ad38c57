/* ov_ikerpc: overlay.ike.listen, overlay.ike.recv and overlay.ike.send (see ov_ikerpc.h). */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_common.h>

#include "ov_held.h"
#include "ov_ikeio.h"
#include "ov_ikerpc.h"
#include "ov_sa.h"
#include "ov_state.h"
#include "dp_addr.h"
#include "dp_rpc.h"
#include "dp_schema.h"

#define RECV_MAX 16	/* messages a call gives (each up to 8 KiB of hex) */

static const struct dp_rpc_method listen_method = {
	.name = "overlay.ike.listen",
	.description = "Take IKE at the box's VTEPs (UDP 500, and 4500 after the non-ESP marker): its "
		       "messages kept for overlay.ike.recv (off: no more, those held let go)",
	.params = (const struct dp_schema_field[]){
		{ .name = "on", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_REQ },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "listening", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{on}" },
};

static const struct dp_rpc_method recv_method = {
	.name = "overlay.ike.recv",
	.description = "Take the IKE messages that came to the box's VTEPs, oldest first, the non-ESP marker "
		       "taken off (at most 16 a call; more: another call)",
	.params = dp_schema_none,
	.result = &ov_held_recv_result,
};

enum { S_PATH, S_MSG, S_SPORT, S_DST, S_DPORT };

static const struct dp_rpc_method send_method = {
	.name = "overlay.ike.send",
	.description = "Send an IKE message out on a path's underlay, from its VTEP's port 500 or 4500 (there "
		       "after the non-ESP marker)",
	.params = (const struct dp_schema_field[]){
		[S_PATH] = { .name = "path", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1,
			     .max = OV_PATH_MAX },
		[S_MSG] = { .name = "msg", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .min = 2 * OV_IKEIO_MIN,
			    .max = 2 * OV_IKEIO_MAX, .desc = "hex: the IKE message" },
		[S_SPORT] = { .name = "sport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = OV_IKEIO_PORT,
			      .max = OV_SA_NATT_PORT, .desc = "500 or 4500" },
		[S_DST] = { .name = "dst", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IP,
			    .desc = "where to (absent: the path's far end)" },
		[S_DPORT] = { .name = "dport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1,
			      .max = UINT16_MAX, .desc = "its port (a NAT's may be any)" },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "sent", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{path}" },
};

static int
m_listen(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	 void *arg __rte_unused)
{
	ov_ikeio_listen(v[0].b);
	if ((*result = json_pack("{s:b}", "on", v[0].b)) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	return 0;
}

static int
m_recv(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	if ((*result = ov_ikeio_recv(RECV_MAX)) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	return 0;
}

static int
m_send(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg __rte_unused)
{
	static uint8_t msg[OV_IKEIO_MAX];
	size_t len = strlen(v[S_MSG].s) / 2;
	uint8_t dst[16];
	bool v4;
	int rc;

	if (strlen(v[S_MSG].s) != 2 * len || dp_addr_hex_bytes(v[S_MSG].s, msg, len) < 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/msg", "hex bytes: an IKE message");
	if (v[S_SPORT].u != OV_IKEIO_PORT && v[S_SPORT].u != OV_SA_NATT_PORT)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/sport", "500 or 4500");
	if (v[S_DST].s != NULL && dp_addr_ip_any(v[S_DST].s, dst, &v4) < 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dst", "an IPv4 or IPv6 address");
	rc = ov_ikeio_send((uint16_t)v[S_PATH].u, (uint16_t)v[S_SPORT].u, v[S_DST].s != NULL ? dst : NULL,
			   (uint16_t)v[S_DPORT].u, msg, (uint16_t)len);
	switch (rc) {
	case 0:
		*result = json_pack("{s:I}", "path", (json_int_t)v[S_PATH].u);
		return 0;
	case -ENOENT:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_found", "/path", "no path %u",
				      (unsigned int)v[S_PATH].u);
	case -EAFNOSUPPORT:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dst",
				      "not of path %u's family", (unsigned int)v[S_PATH].u);
	default:
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "not_sent", "", "not sent: %s", strerror(-rc));
	}
}

int
ov_ikerpc_init(void)
{
	int rc;

	if ((rc = dp_rpc_register(&listen_method, m_listen, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&recv_method, m_recv, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&send_method, m_send, NULL, NULL);
}
