/*
 * routes.c — the REST route table: the single source for dispatch, metric labels
 * and (later) the OpenAPI document. Hot routes first (the router scans in order).
 */
#include "api.h"
#include "server/server_int.h"

#define GET CG_M(CG_HTTP_GET)
#define POST CG_M(CG_HTTP_POST)
#define DEL CG_M(CG_HTTP_DELETE)

const cg_route cg_api_routes[] = {
    {GET, "/health", cg_api_health, CG_ROUTE_OPEN, "Liveness"},
    {GET, "/ready", cg_api_ready, CG_ROUTE_OPEN, "Readiness (503 while draining)"},
    {GET, "/metrics", cg_api_metrics, CG_ROUTE_OPEN, "Prometheus metrics"},
    {GET, "/api/v1/health", cg_api_health_detail, CG_ROUTE_OPEN, "Per-component health"},
    /* code graph: entities and queries */
    {GET, "/api/v1/entities/{id}", cg_api_entity_get, CG_ROUTE_USER, "One entity"},
    {GET, "/api/v1/entities/{id}/callers", cg_api_entity_callers, CG_ROUTE_USER,
     "Entities calling this one (bounded depth, paginated)"},
    {GET, "/api/v1/entities/{id}/callees", cg_api_entity_callees, CG_ROUTE_USER,
     "Entities this one calls (bounded depth, paginated)"},
    {GET, "/api/v1/entities/{id}/references", cg_api_entity_references, CG_ROUTE_USER,
     "Every reference to this entity (paginated)"},
    {GET, "/api/v1/graph/path", cg_api_graph_path, CG_ROUTE_USER,
     "Shortest call path between two entities"},
    {GET, "/api/v1/projects/{id}/symbols", cg_api_project_symbols, CG_ROUTE_USER,
     "Symbol lookup by name (exact, prefix, fuzzy)"},
    {GET, "/api/v1/projects/{id}/outline", cg_api_project_outline, CG_ROUTE_USER,
     "The entities of one file in source order"},
    /* projects and index jobs */
    {GET, "/api/v1/projects", cg_api_projects_list, CG_ROUTE_USER, "List projects"},
    {POST, "/api/v1/projects", cg_api_projects_create, CG_ROUTE_USER,
     "Create a project and start indexing it (202)"},
    {GET, "/api/v1/projects/{id}", cg_api_project_get, CG_ROUTE_USER,
     "One project with its statistics"},
    {DEL, "/api/v1/projects/{id}", cg_api_project_delete, CG_ROUTE_USER,
     "Delete a project and its graph"},
    {POST, "/api/v1/projects/{id}/reindex", cg_api_project_reindex, CG_ROUTE_USER,
     "Re-index a project (202)"},
    {GET, "/api/v1/jobs/{id}", cg_api_job_get, CG_ROUTE_USER, "Index job state and progress"},
};

const int cg_api_routes_count = (int)(sizeof cg_api_routes / sizeof cg_api_routes[0]);
