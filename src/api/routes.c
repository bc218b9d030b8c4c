/*
 * routes.c — the REST route table: the single source for dispatch, metric labels
 * and (later) the OpenAPI document. Hot routes first (the router scans in order).
 */
#include "api.h"
#include "server/server_int.h"

const cg_route cg_api_routes[] = {
    {CG_M(CG_HTTP_GET), "/health", cg_api_health, CG_ROUTE_OPEN, "Liveness"},
    {CG_M(CG_HTTP_GET), "/ready", cg_api_ready, CG_ROUTE_OPEN, "Readiness (503 while draining)"},
    {CG_M(CG_HTTP_GET), "/metrics", cg_api_metrics, CG_ROUTE_OPEN, "Prometheus metrics"},
    {CG_M(CG_HTTP_GET), "/api/v1/health", cg_api_health_detail, CG_ROUTE_OPEN,
     "Per-component health"},
};

const int cg_api_routes_count = (int)(sizeof cg_api_routes / sizeof cg_api_routes[0]);
