/* ov_wgrpc: overlay.wg.listen, overlay.wg.recv, overlay.wg.send and overlay.wg.keepalive (see ov_wgrpc.h). */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_common.h>

#include "ov_held.h"
#include "ov_sa.h"
#include "ov_show.h"
#include "ov_state.h"
#include "ov_wg.h"
#include "ov_wgrpc.h"
#include "dp_addr.h"
#include "dp_rpc.h"
#include "dp_schema.h"

#define RECV_MAX 32	/* messages a call gives */

static const struct dp_rpc_method listen_method = {
	.name = "overlay.wg.listen",
	.description = "The UDP port WireGuard is spoken on at the box's VTEPs (0: none): its data "
		       "messages are opened there, its handshake messages kept for overlay.wg.recv",
	.params = (const struct dp_schema_field[]){
		{ .name = "port", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = UINT16_MAX },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "listening", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{port}" },
};

static const struct dp_rpc_method recv_method = {
	.name = "overlay.wg.recv",
	.description = "Take the WireGuard handshake messages that came to the box's VTEPs, oldest first "
		       "(at most 32 a call; more: another call)",
	.params = dp_schema_none,
	.result = &ov_held_recv_result,
};

enum { S_PATH, S_MSG, S_DST, S_DPORT };

static const struct dp_rpc_method send_method = {
	.name = "overlay.wg.send",
	.description = "Send a WireGuard handshake message out on a path's underlay, from its VTEP and "
		       "the box's WireGuard port",
	.params = (const struct dp_schema_field[]){
		[S_PATH] = { .name = "path", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1,
			     .max = OV_PATH_MAX },
		[S_MSG] = { .name = "msg", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .min = 128,
			    .max = 2 * OV_WG_HS_MAX, .desc = "hex: an initiation, a response or a cookie reply" },
		[S_DST] = { .name = "dst", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IP,
			    .desc = "where to (absent: the path's endpoint, as roamed)" },
		[S_DPORT] = { .name = "dport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .max = UINT16_MAX,
			      .desc = "its port (with dst; without: the session's)" },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "sent", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{path}" },
};

static const struct dp_rpc_method keepalive_method = {
	.name = "overlay.wg.keepalive",
	.description = "Send a WireGuard keepalive (an empty data message) with an outbound session: what "
		       "confirms a new session to its responder",
	.params = (const struct dp_schema_field[]){
		{ .name = "id", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = OV_SA_MAX },
		{ .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "sent", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{id}" },
};

static int
m_listen(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	 void *arg __rte_unused)
{
	uint16_t port = (uint16_t)v[0].u;

	if (port == OV_SA_NATT_PORT)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/port",
				      "port %u is ESP's (RFC 3948)", port);
	ov_wg_listen(port);
	*result = json_pack("{s:i}", "port", port);
	return 0;
}

static int
m_recv(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	if ((*result = ov_wg_recv(RECV_MAX)) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	return 0;
}

static int
m_send(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg __rte_unused)
{
	uint8_t msg[OV_WG_HS_MAX];
	size_t len = strlen(v[S_MSG].s) / 2;
	uint8_t dst[16];
	bool v4;
	int rc;

	if ((len != 148 && len != 92 && len != 64) || strlen(v[S_MSG].s) != 2 * len ||
	    dp_addr_hex_bytes(v[S_MSG].s, msg, len) < 0 || msg[0] < 1 || msg[0] > 3)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/msg",
				      "a handshake message: 148, 92 or 64 bytes in hex, of type 1, 2 or 3");
	if (v[S_DST].s != NULL && dp_addr_ip_any(v[S_DST].s, dst, &v4) < 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dst", "an IPv4 or IPv6 address");
	if (v[S_DST].s != NULL && v[S_DPORT].u == 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dport",
				      "a destination takes its port");
	if (ov_wg_port == 0)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_listening", "",
				      "no WireGuard port (overlay.wg.listen)");
	rc = ov_wg_send((uint16_t)v[S_PATH].u, v[S_DST].s != NULL ? dst : NULL, (uint16_t)v[S_DPORT].u, msg,
			(uint16_t)len);
	switch (rc) {
	case 0:
		*result = json_pack("{s:I}", "path", (json_int_t)v[S_PATH].u);
		return 0;
	case -ENOENT:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_found", "/path", "no path %u",
				      (unsigned int)v[S_PATH].u);
	case -EINVAL:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dport",
				      "the path has no session: where to goes with dst and dport");
	case -EAFNOSUPPORT:
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "bad_value", "/dst", "not of path %u's family",
				      (unsigned int)v[S_PATH].u);
	default:
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "not_sent", "", "not sent: %s", strerror(-rc));
	}
}

static int
m_keepalive(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	    void *arg __rte_unused)
{
	const struct ov_sa *s = ov_sa_get((uint16_t)v[0].u);
	int rc;

	if (s == NULL || s->proto != OV_SA_WG || s->dir != OV_SA_OUT)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "not_found", "/id",
				      "no outbound WireGuard session %u", (unsigned int)v[0].u);
	if ((rc = ov_wg_keepalive(s)) < 0)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "not_sent", "", "not sent: %s", strerror(-rc));
	*result = json_pack("{s:I}", "id", (json_int_t)v[0].u);
	return 0;
}

int
ov_wgrpc_init(void)
{
	int rc;

	if ((rc = dp_rpc_register(&listen_method, m_listen, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&recv_method, m_recv, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&send_method, m_send, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&keepalive_method, m_keepalive, NULL, NULL);
}
