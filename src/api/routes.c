/*
 * routes.c — the REST route table: the single source for dispatch, metric labels
 * and the OpenAPI document (src/api/openapi.c). Hot routes first (the router scans in order).
 */
#include "api.h"
#include "server/server_int.h"

#define GET CG_M(CG_HTTP_GET)
#define POST CG_M(CG_HTTP_POST)
#define DEL CG_M(CG_HTTP_DELETE)
/* R(methods, template, handler, access, summary[, flags]) */
#define R(m, t, h, a, ...)                                                                         \
    {                                                                                              \
        .methods = m, .tmpl = t, .handler = h, .access = a, ROUTE_TAIL(__VA_ARGS__, 0)             \
    }
#define ROUTE_TAIL(sum, fl, ...) .summary = sum, .flags = fl

const cg_route cg_api_routes[] = {
    R(GET, "/health", cg_api_health, CG_ROUTE_OPEN, "Liveness"),
    R(GET, "/ready", cg_api_ready, CG_ROUTE_OPEN, "Readiness (503 while draining)"),
    R(GET, "/metrics", cg_api_metrics, CG_ROUTE_OPEN, "Prometheus metrics"),
    R(GET, "/api/v1/health", cg_api_health_detail, CG_ROUTE_OPEN, "Per-component health"),
    R(GET, "/openapi.json", cg_api_openapi, CG_ROUTE_OPEN, "OpenAPI 3.1 document of this API"),
    /* code graph: entities and queries */
    R(GET, "/api/v1/entities/{id}", cg_api_entity_get, CG_ROUTE_USER, "One entity"),
    R(GET, "/api/v1/entities/{id}/callers", cg_api_entity_callers, CG_ROUTE_USER,
      "Entities calling this one (bounded depth, paginated)"),
    R(GET, "/api/v1/entities/{id}/callees", cg_api_entity_callees, CG_ROUTE_USER,
      "Entities this one calls (bounded depth, paginated)"),
    R(GET, "/api/v1/entities/{id}/references", cg_api_entity_references, CG_ROUTE_USER,
      "Every reference to this entity (paginated)"),
    R(GET, "/api/v1/graph/path", cg_api_graph_path, CG_ROUTE_USER,
      "Shortest call path between two entities"),
    /* search (TXT) */
    R(GET, "/api/v1/search", cg_api_search, CG_ROUTE_USER,
      "Search entities: hybrid (default), lexical, semantic or symbol"),
    R(POST, "/api/v1/similar", cg_api_similar, CG_ROUTE_USER,
      "Entities similar to a code snippet or to an entity", CG_ROUTE_F_READS),
    R(GET, "/api/v1/projects/{id}/symbols", cg_api_project_symbols, CG_ROUTE_USER,
      "Symbol lookup by name (exact, prefix, fuzzy)"),
    R(GET, "/api/v1/projects/{id}/outline", cg_api_project_outline, CG_ROUTE_USER,
      "The entities of one file in source order"),
    /* projects and index jobs */
    R(GET, "/api/v1/projects", cg_api_projects_list, CG_ROUTE_USER, "List projects"),
    R(POST, "/api/v1/projects", cg_api_projects_create, CG_ROUTE_USER,
      "Create a project and start indexing it (202)"),
    R(GET, "/api/v1/projects/{id}", cg_api_project_get, CG_ROUTE_USER,
      "One project with its statistics"),
    R(DEL, "/api/v1/projects/{id}", cg_api_project_delete, CG_ROUTE_USER,
      "Delete a project and its graph"),
    R(POST, "/api/v1/projects/{id}/reindex", cg_api_project_reindex, CG_ROUTE_USER,
      "Re-index a project (202)"),
    R(GET, "/api/v1/jobs/{id}", cg_api_job_get, CG_ROUTE_USER, "Index job state and progress"),
    /* MCP Streamable HTTP (mcp_api.c); the path is [mcp] endpoint */
    /* MCP: its one write tool (index_repository) checks maintenance mode itself */
    R(POST, "/mcp", cg_api_mcp, CG_ROUTE_USER, "MCP (Model Context Protocol) JSON-RPC endpoint",
      CG_ROUTE_F_READS),
    /* admin: data operations (admin_api.c); long ones answer 202 with an admin job */
    R(POST, "/api/v1/admin/checkpoint", cg_api_admin_checkpoint, CG_ROUTE_ADMIN,
      "Consistent copy of the database and vector files into a new directory (202)"),
    R(POST, "/api/v1/admin/backup", cg_api_admin_backup, CG_ROUTE_ADMIN,
      "Full backup: flush, BackupEngine backup, verify every file (202)"),
    R(POST, "/api/v1/admin/backup-incremental", cg_api_admin_backup_incremental, CG_ROUTE_ADMIN,
      "Incremental backup: copy only new files, verify them (202)"),
    R(GET, "/api/v1/admin/backups", cg_api_admin_backups, CG_ROUTE_ADMIN,
      "Backups in [database] backup_path with sizes"),
    R(POST, "/api/v1/admin/compact", cg_api_admin_compact, CG_ROUTE_ADMIN,
      "Compact every column family (202)"),
    R(POST, "/api/v1/admin/optimize", cg_api_admin_optimize, CG_ROUTE_ADMIN,
      "Flush and compact, rewriting the bottommost level (202)"),
    R(GET, "/api/v1/admin/jobs/{id}", cg_api_admin_job_get, CG_ROUTE_ADMIN,
      "Admin job state and result"),
    R(POST, "/api/v1/admin/maintenance", cg_api_admin_maintenance, CG_ROUTE_ADMIN,
      "Maintenance mode on/off (writes 503, reads work)"),
    R(POST, "/api/v1/admin/pause-indexing", cg_api_admin_pause_indexing, CG_ROUTE_ADMIN,
      "Pause indexing between files"),
    R(POST, "/api/v1/admin/resume-indexing", cg_api_admin_resume_indexing, CG_ROUTE_ADMIN,
      "Resume indexing"),
    R(GET, "/api/v1/admin/stats", cg_api_admin_stats, CG_ROUTE_ADMIN,
      "Database, index, cache, queue and backup figures"),
    R(GET, "/api/v1/admin/queries", cg_api_admin_queries, CG_ROUTE_ADMIN,
      "In-flight requests, index jobs and admin jobs"),
    R(GET, "/api/v1/admin/vector/stats", cg_api_vector_stats, CG_ROUTE_ADMIN,
      "Vector index: size, parameters, file, delta, rebuild state"),
    R(POST, "/api/v1/admin/vector/rebuild", cg_api_vector_rebuild, CG_ROUTE_ADMIN,
      "Rebuild the vector index in the background and swap it in (202)"),
};

const int cg_api_routes_count = (int)(sizeof cg_api_routes / sizeof cg_api_routes[0]);
