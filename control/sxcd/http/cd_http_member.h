/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_member: one member of an intent's spec as a resource of its own (a UPF's session): read, put, taken out. */
/*
 * A kind that names a member array (struct cd_kind member: the upf kind's
 * sessions) has /api/v1/KIND/NAME/MEMBER/KEY: GET the member, PUT one
 * ({"spec": the member}, its key the path's when left out), DELETE it.
 * A change is one of the intent, to the stored spec with that member put
 * or taken out, the others shared (cd_member.h); only the member is
 * checked against its schema (the rest was, when stored), and only it is
 * sent, parsed and answered: one session of a UPF of thousands changes
 * without its siblings crossing the API. From there it goes the way of a
 * PUT of the intent (cd_http_intents_change): scope, ?expected_generation
 * (the intent's), the collision check, the store and a revision,
 * ?wait=1, ?dry_run=1. An answer is the intent's document with the
 * member as its spec (null: taken out) and "member": "MEMBER/KEY".
 */
#ifndef CD_HTTP_MEMBER_H
#define CD_HTTP_MEMBER_H

struct cd_route;

/* KIND/NAME/MEMBER/KEY after /api/v1/ read into @r (CD_ROUTE_MATCH), not
 * this form (CD_ROUTE_NEXT), or a bad one answered (CD_ROUTE_ANSWERED). */
int cd_http_member_match(struct cd_route *r, const char *rest);
/* GET, PUT or DELETE of the member @r names. */
void cd_http_member_route(struct cd_route *r);

#endif
