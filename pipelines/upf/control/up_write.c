/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's end markers: a session's downlink moved off its tunnel leaves one in the old tunnel. */
/*
 * A handover (another gNB, or another TEID) is a modify of the session's
 * downlink entries, written by sxcd; the gNB it left must learn that
 * nothing more comes that way (TS 23.501 5.8.2.9), so sxcd asks sxdp for
 * an end marker into the old tunnel once the modify is applied: once per
 * tunnel and batch (a session's N6 and N9 entries move together).
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cd_hook.h"
#include "up_names.h"

static json_t *
moved(json_t *u, json_t *prev, char *key, size_t len)
{
	const char *was = json_string_value(json_object_get(prev, "action"));
	const char *now = json_string_value(json_object_get(u, "action"));
	json_t *pp = json_object_get(prev, "params"), *np = json_object_get(u, "params");
	json_int_t peer = json_integer_value(json_object_get(pp, UP_F_PEER));
	json_int_t teid = json_integer_value(json_object_get(pp, UP_F_TEID));

	if (was == NULL || strcmp(was, UP_A_ENCAP_N3) != 0)
		return NULL;
	if (now != NULL && strcmp(now, UP_A_ENCAP_N3) == 0 &&
	    json_integer_value(json_object_get(np, UP_F_PEER)) == peer &&
	    json_integer_value(json_object_get(np, UP_F_TEID)) == teid)
		return NULL;
	snprintf(key, len, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, peer, teid);
	return json_pack("{s:I,s:I}", UP_F_PEER, peer, UP_F_TEID, teid);
}

static const struct cd_hook_write up_write_dl = { UP_T_SESSIONS_DOWNLINK, "upf.end_marker", moved };
static const struct cd_hook_write up_write_n9_dl = { UP_T_SESSIONS_N9_DOWNLINK, "upf.end_marker", moved };
CD_HOOK_REGISTER(write, up_write_dl)
CD_HOOK_REGISTER(write, up_write_n9_dl)
