/*
 * api.h — the REST handlers (one file per endpoint group) and the helpers they share,
 * private to src/api.
 *
 * Helper convention: a function documented as "answers" writes the error response itself
 * (cg_req_error with the right status and CG code) when it fails and returns < 0; the
 * handler then just returns. On success it returns 0 and has answered nothing.
 */
#ifndef CODEGRAPH_API_H
#define CODEGRAPH_API_H

#include <stdint.h>

#include "codegraph/graph.h"
#include "codegraph/server.h"

#define CG_API_PARAM_MAX 4096    /* bytes of one decoded query/route parameter (+ NUL) */
#define CG_API_PROJECTS_MAX 1000 /* projects one GET /api/v1/projects lists */

/* health.c */
void cg_api_health(cg_req *rq);
void cg_api_ready(cg_req *rq);
void cg_api_health_detail(cg_req *rq);
void cg_api_metrics(cg_req *rq);

/* openapi.c: the generated OpenAPI 3.1 document (annotations in openapi_spec.c) */
void cg_api_openapi(cg_req *rq);

/* vector_api.c: the vector index (VEC) */
void cg_api_vector_stats(cg_req *rq);
void cg_api_vector_rebuild(cg_req *rq);
/** The "vector_search" health component into b; returns 0 healthy, 1 degraded. */
int cg_api_vector_health(cg_server *s, cg_buf *b);

/* admin_api.c: data operations (admin key) */
void cg_api_admin_checkpoint(cg_req *rq);
void cg_api_admin_backup(cg_req *rq);
void cg_api_admin_backup_incremental(cg_req *rq);
void cg_api_admin_backups(cg_req *rq);
void cg_api_admin_compact(cg_req *rq);
void cg_api_admin_optimize(cg_req *rq);
void cg_api_admin_job_get(cg_req *rq);
void cg_api_admin_maintenance(cg_req *rq);
void cg_api_admin_pause_indexing(cg_req *rq);
void cg_api_admin_resume_indexing(cg_req *rq);
void cg_api_admin_stats(cg_req *rq);
void cg_api_admin_queries(cg_req *rq);

/* projects.c: projects and index jobs */
void cg_api_projects_create(cg_req *rq);
void cg_api_projects_list(cg_req *rq);
void cg_api_project_get(cg_req *rq);
void cg_api_project_delete(cg_req *rq);
void cg_api_project_reindex(cg_req *rq);
void cg_api_job_get(cg_req *rq);
/** The project named by the route parameter {id} (a number, else a name); answers 404. */
int cg_api_project_resolve(cg_req *rq, cg_graph_project *out);

/* graph_api.c: entities and graph queries */
void cg_api_entity_get(cg_req *rq);
void cg_api_entity_callers(cg_req *rq);
void cg_api_entity_callees(cg_req *rq);
void cg_api_entity_references(cg_req *rq);
void cg_api_graph_path(cg_req *rq);
void cg_api_project_outline(cg_req *rq);
void cg_api_project_symbols(cg_req *rq);

/* mcp_api.c: MCP Streamable HTTP (POST [mcp] endpoint) */
void cg_api_mcp(cg_req *rq);

/* search_api.c (TXT): GET /api/v1/search, POST /api/v1/similar, health capabilities */
void cg_api_search(cg_req *rq);
void cg_api_similar(cg_req *rq);
/** Append `"capabilities":{"search":{…}}` (which modes work and why) to b; returns 1 when
 *  search is degraded (e.g. the embedding provider fails), else 0. */
int cg_api_search_capabilities(cg_server *srv, cg_buf *b);

/* params.c: query-string and route parameters */
/**
 * The first query parameter `name`, percent-decoded ("+" is a space) into out (NUL
 * terminated). 1 found, 0 absent, CG_EINVAL (bad escape or a NUL byte), CG_ELIMIT (longer
 * than cap - 1). Answers nothing.
 */
int cg_api_query_get(const cg_req *rq, const char *name, char *out, size_t cap, size_t *len);
/** A string parameter; `*present` (may be NULL) says whether it was given. When `required`
 *  and absent, or malformed: answers 400 naming it. */
int cg_api_param_str(cg_req *rq, const char *name, int required, char *out, size_t cap,
                     int *present);
/** A decimal integer in [lo, hi], `def` when absent. Answers 400 naming it. */
int cg_api_param_int(cg_req *rq, const char *name, int64_t lo, int64_t hi, int64_t def,
                     int64_t *out);
/** A required entity id (decimal, 1 .. 2^53). Answers 400 naming it. */
int cg_api_param_id(cg_req *rq, const char *name, uint64_t *out);
/** limit (1.., clamped to CG_GRAPH_LIMIT_MAX, default CG_GRAPH_LIMIT_DEFAULT) and offset
 *  (0..). Answers 400 naming the bad one. */
int cg_api_param_page(cg_req *rq, cg_graph_page *page);
/** An edge-kind list "calls,references" as a CG_EDGE_BIT mask (0 when absent: the graph's
 *  default). Answers 400 naming an unknown kind. */
int cg_api_param_edges(cg_req *rq, const char *name, uint32_t *mask);
/** The route parameter {name}, percent-decoded. Answers 400. */
int cg_api_route_str(cg_req *rq, const char *name, char *out, size_t cap);
/** The route parameter {name} as an id (decimal, 1 .. 2^53). Answers 400. */
int cg_api_route_id(cg_req *rq, const char *name, uint64_t *out);
/** Parse a whole string as a decimal uint64 without sign or spaces. 0 or CG_EINVAL. */
int cg_api_parse_u64(const char *s, size_t n, uint64_t *out);

/* json_out.c: response writers (cg_buf appenders, never a JSON library) */
/** A JSON string, or null when s is NULL. */
void cg_api_json_str(cg_buf *b, const char *s);
/** RFC 3339 UTC time ("2025-01-31T12:00:00Z"), or null when s <= 0. */
void cg_api_json_time(cg_buf *b, int64_t s);
/** `"key":` */
void cg_api_json_key(cg_buf *b, const char *key);

#define CG_API_HIT_TRAVERSAL 1u /* add depth, via, edge, resolution */
#define CG_API_HIT_REFERENCE 2u /* add edge, resolution, line/col of the site, count */
#define CG_API_HIT_SCORE 4u     /* add score */
#define CG_API_HIT_PATH 8u      /* add position (depth), edge and resolution into the node */

/** One entity (CONTRACT.md fields) with the extras of `flags` as a JSON object. */
void cg_api_json_hit(cg_buf *b, const cg_graph_hit *h, const char *project_name, unsigned flags);
/** The paged-list members (no braces): "items":[…],"total","limit","offset",
 *  "next_offset","truncated","bounded","generation". */
void cg_api_json_list(cg_buf *b, const cg_graph_result *r, const cg_graph_page *page,
                      const char *project_name, unsigned flags);
/** Answer an error code from a lower layer with its status (404, 409, 503, 500, …);
 *  `msg` NULL = the code's description. */
void cg_api_error(cg_req *rq, int err, const char *msg);

#endif
