/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_views: the views' routes: topology, counters, a feature's items, Prometheus' metrics, the OpenAPI document, the operator's page. */
/*
 * What sxdp counts, joined with the intents (cd_view, cd_metrics), is
 * answered once sxdp did (503 "sxdp" when it is not connected); a client
 * gone meanwhile is answered into nothing. /metrics adds the front door's
 * own families (cd_wire, cd_auth) to cd_metrics' text. A feature's items
 * (cd_vis_item: /api/v1/PREFIX{id}, e.g. a PFCP session) are found by
 * the feature, completed with sxdp's answers. The page's files are
 * cd_www's.
 */
#ifndef CD_HTTP_VIEWS_H
#define CD_HTTP_VIEWS_H

struct cd_route;

/* GET /api/v1/openapi.json */
void cd_http_views_openapi(struct cd_route *r);
/* GET /api/v1/topology, /api/v1/counters */
void cd_http_views_topology(struct cd_route *r);
void cd_http_views_counters(struct cd_route *r);
/* /api/v1/PREFIX{id} of a feature's item read into @r (CD_ROUTE_MATCH),
 * or not one (CD_ROUTE_NEXT); then its GET. */
int cd_http_views_match_item(struct cd_route *r, const char *rest);
void cd_http_views_item(struct cd_route *r);
/* GET /metrics: Prometheus' text */
void cd_http_views_metrics(struct cd_route *r);
/* A path of the operator's page (CD_ROUTE_MATCH, else CD_ROUTE_NEXT);
 * then its GET. */
int cd_http_views_match_page(struct cd_route *r, const char *rest);
void cd_http_views_page(struct cd_route *r);

#endif
