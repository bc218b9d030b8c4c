/*
 * openapi_spec.c — the annotations of the OpenAPI document: reusable parameters, component
 * schemas and one row per route method (see openapi.h for how they combine with the route
 * table, and openapi.c for the generator).
 *
 * JSON fragments are written with ' in place of " so the C literals stay readable; the
 * generator swaps them back, so no description may contain an apostrophe. Schemas follow
 * the handlers' writers (json_out.c, projects.c, graph_api.c, health.c and the other
 * helpers' api files); tests/integration/test_openapi.py validates live answers against
 * them, so a field renamed in a handler and not here fails a test.
 */
#include <stddef.h>

#include "openapi_int.h"

#define S_INT "{'type':'integer'}"
#define S_STR "{'type':'string'}"

/* ---------------------------------------------------------------- parameters */

const cg_openapi_param cg_openapi_params[] = {
    {"project_ref", "id", "path", S_STR, "Project id (a number) or name"},
    {"entity_id", "id", "path", "{'type':'integer','minimum':1,'maximum':9007199254740992}",
     "Entity id"},
    {"job_id", "id", "path", "{'type':'integer','minimum':1}", "Index job id"},
    {"limit", "limit", "query", "{'type':'integer','minimum':1,'default':20}",
     "Page size; above 1000 it is clamped to 1000 (the answer says truncated)"},
    {"projects_limit", "limit", "query", "{'type':'integer','minimum':1,'default':100}",
     "Most projects to list (at most 1000 are listed)"},
    {"offset", "offset", "query", "{'type':'integer','minimum':0,'default':0}",
     "Items to skip; use next_offset of the previous page"},
    {"depth", "depth", "query", "{'type':'integer','minimum':1,'default':1}",
     "Traversal depth; above 10 it is clamped to 10"},
    {"max_depth", "max_depth", "query", "{'type':'integer','minimum':1,'default':10}",
     "Longest path searched, in edges (clamped to 10)"},
    {"edges", "edges", "query", S_STR,
     "Comma-separated edge kinds to follow: calls, references, imports, inherits, "
     "implements, contains (default: calls)"},
    {"q", "q", "query", "{'type':'string','minLength':1}", "Name to look up"},
    {"match", "match", "query", "{'type':'string','enum':['exact','prefix','fuzzy']}",
     "How q matches names (default exact)"},
    {"kind", "kind", "query", S_STR,
     "Comma-separated entity kinds: function, method, class, struct, interface, trait, "
     "enum, module, constant, type_alias"},
    {"lang", "lang", "query", S_STR, "Language (rust, python, javascript, ...)"},
    {"file_path", "path", "query", "{'type':'string','minLength':1}",
     "File path relative to the project root"},
    {"from", "from", "query", "{'type':'integer','minimum':1}", "Entity id the path starts at"},
    {"to", "to", "query", "{'type':'integer','minimum':1}", "Entity id the path ends at"},
    {"search_q", "q", "query", "{'type':'string','minLength':1}",
     "Search text: words, identifiers (split on case and underscores) or a phrase"},
    {"mode", "mode", "query",
     "{'type':'string','enum':['hybrid','lexical','semantic','symbol'],'default':'hybrid'}",
     "Sources to rank with: lexical (BM25), semantic (vector index), symbol (names), or all "
     "three fused (hybrid)"},
    {"project", "project", "query", S_STR, "Only this project (id or name)"},
    {"path_filter", "path", "query", S_STR,
     "Only entities under this file path (relative to the project root)"},
    {"explain", "explain", "query", "{'type':'string','enum':['0','1','true','false']}",
     "Add each hit's per-source ranks and scores"},
    {"admin_job_id", "id", "path", "{'type':'integer','minimum':1}", "Admin job id"},
};
const int cg_openapi_params_n = (int)(sizeof cg_openapi_params / sizeof cg_openapi_params[0]);

/* ---------------------------------------------------------------- schemas */

#define S_NULLABLE_INT "{'type':['integer','null']}"
#define S_NULLABLE_STR "{'type':['string','null']}"
#define S_TIME "{'type':['string','null'],'format':'date-time'}"

/* Members every paged list carries (json_out.c cg_api_json_list). */
#define PAGE_PROPS                                                                                 \
    "'total':{'type':'integer','description':'Items in all pages (at most the bound)'},"           \
    "'limit':{'type':'integer'},'offset':{'type':'integer'},"                                      \
    "'next_offset':{'type':['integer','null'],'description':'Offset of the next page, or null'},"  \
    "'truncated':{'type':'boolean','description':'The limit was clamped to the maximum'},"         \
    "'bounded':{'type':'boolean','description':'A traversal or result bound was reached'},"        \
    "'generation':{'type':'integer','description':'Index generation the answer was read from'}"
#define PAGE_REQ "'total','limit','offset','next_offset','truncated','generation'"

const cg_openapi_schema cg_openapi_schemas[] = {
    {"Error",
     "{'type':'object','required':['error'],'properties':{'error':{'type':'object',"
     "'required':['code','message','request_id'],'properties':{"
     "'code':{'type':'string','pattern':'^CG0[0-9]{2}$','description':'See docs/operations.md'},"
     "'message':{'type':'string'},'request_id':{'type':'string'}}}}}"},
    {"Health", "{'type':'object','required':['status','version','uptime','features'],'properties':{"
               "'status':{'const':'healthy'},'version':{'type':'string'},"
               "'uptime':{'type':'string','examples':['30s','4m5s','2h7m']},"
               "'features':{'type':'array','items':{'type':'string'}}}}"},
    {"Ready", "{'type':'object','required':['status'],'properties':{'status':{'const':'ready'}}}"},
    {"Component",
     "{'type':'object','required':['status'],'additionalProperties':true,'properties':{"
     "'status':{'type':'string','enum':['healthy','degraded','unhealthy','unavailable',"
     "'disabled']}}}"},
    {"HealthDetail",
     "{'type':'object','required':['status','version','components'],'properties':{"
     "'status':{'type':'string','enum':['healthy','degraded','unhealthy']},"
     "'version':{'type':'string'},'uptime_seconds':{'type':'integer'},"
     "'io_backend':{'type':'string','enum':['io_uring','epoll']},'workers':{'type':'integer'},"
     "'components':{'type':'object','additionalProperties':{'$ref':'#/components/schemas/"
     "Component'},'properties':{'database':{'$ref':'#/components/schemas/Component'},"
     "'vector_search':{'$ref':'#/components/schemas/Component'},"
     "'file_system':{'$ref':'#/components/schemas/Component'},"
     "'memory':{'$ref':'#/components/schemas/Component'},"
     "'indexing':{'$ref':'#/components/schemas/Component'}}}}}"},
    {"Entity",
     "{'type':'object','required':['id','name','qualified_name','kind','language','project',"
     "'path','line','end_line'],'properties':{'id':{'type':'integer'},'name':{'type':'string'},"
     "'qualified_name':{'type':'string'},'kind':{'type':'string'},"
     "'language':" S_NULLABLE_STR ",'project':{'type':'string','description':'Project name'},"
     "'project_id':{'type':'integer'},'path':{'type':'string','description':'Relative to "
     "the project root'},'line':{'type':'integer','minimum':1},'end_line':{'type':'integer',"
     "'minimum':1},'column':{'type':'integer','minimum':0},'end_column':{'type':'integer',"
     "'minimum':0},'signature':" S_NULLABLE_STR ",'doc':" S_NULLABLE_STR ","
     "'parent':" S_NULLABLE_INT "}}"},
    {"Hit",
     "{'allOf':[{'$ref':'#/components/schemas/Entity'},{'type':'object','required':['score'],"
     "'properties':{'score':{'type':'number'}}}]}"},
    {"TraversalItem",
     "{'allOf':[{'$ref':'#/components/schemas/Entity'},{'type':'object',"
     "'required':['depth','via','edge','resolution'],'properties':{'depth':{'type':'integer'},"
     "'via':{'type':'integer','description':'The entity this one was reached from'},"
     "'edge':{'type':'string'},'resolution':{'type':'string','enum':['exact','import','name']"
     "}}}]}"},
    {"ReferenceItem",
     "{'allOf':[{'$ref':'#/components/schemas/Entity'},{'type':'object',"
     "'required':['edge','resolution','site_line'],'properties':{'edge':{'type':'string'},"
     "'resolution':{'type':'string'},'site_line':{'type':'integer'},"
     "'site_column':{'type':'integer'},'count':{'type':'integer'}}}]}"},
    {"PathNode",
     "{'allOf':[{'$ref':'#/components/schemas/Entity'},{'type':'object','required':"
     "['position'],'properties':{'position':{'type':'integer'},'edge':" S_NULLABLE_STR ","
     "'resolution':" S_NULLABLE_STR "}}]}"},
    {"EntityAnswer",
     "{'type':'object','required':['entity','generation'],'properties':{"
     "'entity':{'$ref':'#/components/schemas/Entity'},'generation':{'type':'integer'}}}"},
    {"SymbolList",
     "{'type':'object','required':['items'," PAGE_REQ "],'properties':{'project':{'type':"
     "'string'},'q':{'type':'string'},'items':{'type':'array','items':{'$ref':"
     "'#/components/schemas/Hit'}}," PAGE_PROPS "}}"},
    {"Outline",
     "{'type':'object','required':['items','path'," PAGE_REQ "],'properties':{'project':{"
     "'type':'string'},'path':{'type':'string'},'items':{'type':'array','items':{'$ref':"
     "'#/components/schemas/Entity'}}," PAGE_PROPS "}}"},
    {"Traversal",
     "{'type':'object','required':['entity','direction','depth','items'," PAGE_REQ "],"
     "'properties':{'entity':{'$ref':'#/components/schemas/Entity'},'direction':{'type':"
     "'string','enum':['callers','callees']},'depth':{'type':'integer'},'items':{'type':"
     "'array','items':{'$ref':'#/components/schemas/TraversalItem'}}," PAGE_PROPS "}}"},
    {"References",
     "{'type':'object','required':['entity','items'," PAGE_REQ "],'properties':{'entity':{"
     "'$ref':'#/components/schemas/Entity'},'items':{'type':'array','items':{'$ref':"
     "'#/components/schemas/ReferenceItem'}}," PAGE_PROPS "}}"},
    {"GraphPath",
     "{'type':'object','required':['from','to','found','length','items','generation'],"
     "'properties':{'from':{'type':'integer'},'to':{'type':'integer'},'max_depth':{'type':"
     "'integer'},'found':{'type':'boolean'},'length':" S_NULLABLE_INT ",'items':{'type':"
     "'array','items':{'$ref':'#/components/schemas/PathNode'}},'bounded':{'type':'boolean'},"
     "'generation':{'type':'integer'}}}"},
    {"Job", "{'type':'object','required':['id','project','kind','state','files_total','files_done',"
            "'created_at'],'properties':{'id':{'type':'integer'},'project':{'type':'string'},"
            "'project_id':{'type':'integer'},'kind':{'type':'string','enum':['index','reindex']},"
            "'state':{'type':'string','enum':['queued','running','done','failed','cancelled']},"
            "'files_total':{'type':'integer'},'files_done':{'type':'integer'},"
            "'files_indexed':{'type':'integer'},'files_unchanged':" S_NULLABLE_INT ","
            "'files_skipped':{'type':'integer'},'files_failed':{'type':'integer'},"
            "'files_deleted':{'type':'integer'},'entities':{'type':'integer'},"
            "'generation':{'type':'integer'},'error_count':{'type':'integer'},'elapsed_s':{'type':"
            "'number'},'walking':{'type':'boolean','description':'live jobs: the walk is still "
            "finding files, so files_total may grow'},'errors':{'type':'array','items':{'type':"
            "'object'}},"
            "'created_at':" S_TIME ",'started_at':" S_TIME ",'finished_at':" S_TIME "}}"},
    {"Project", "{'type':'object','required':['id','name','root','state'],'properties':{"
                "'id':{'type':'integer'},'name':{'type':'string'},'root':{'type':'string'},"
                "'state':{'type':'string'},'generation':{'type':'integer'},'created_at':" S_TIME ","
                "'indexed_at':" S_TIME ",'files':" S_NULLABLE_INT ",'entities':" S_NULLABLE_INT ","
                "'edges':" S_NULLABLE_INT ",'stats':{'type':['object','null'],'description':"
                "'Counts by kind and edge (detail view only)'},'last_job':{'oneOf':[{'$ref':"
                "'#/components/schemas/Job'},{'type':'null'}]}}}"},
    {"ProjectList",
     "{'type':'object','required':['projects','total','truncated'],'properties':{"
     "'projects':{'type':'array','items':{'$ref':'#/components/schemas/Project'}},"
     "'total':{'type':'integer'},'limit':{'type':'integer'},'truncated':{'type':'boolean'}}}"},
    {"ProjectCreate",
     "{'type':'object','required':['path'],'properties':{'path':{'type':'string','minLength':1,"
     "'description':'Repository directory; must lie under [parsing] allowed_roots'},"
     "'name':{'type':['string','null'],'maxLength':255,'description':'Defaults to the "
     "directory name; not only digits'}}}"},
    {"JobStarted",
     "{'type':'object','required':['id','name','job_id'],'properties':{'id':{'type':"
     "'integer','description':'Project id'},'name':{'type':'string'},'root':{'type':"
     "'string'},'job_id':{'type':'integer','description':'Follow with GET /api/v1/jobs/{id}'}"
     "}}"},
    {"ProjectDeleted",
     "{'type':'object','required':['deleted','id','name'],'properties':{'deleted':{'const':"
     "true},'id':{'type':'integer'},'name':{'type':'string'}}}"},
    {"OpenAPI", "{'type':'object','required':['openapi','info','paths'],'description':"
                "'This document'}"},
    {"SearchHit",
     "{'allOf':[{'$ref':'#/components/schemas/Hit'},{'type':'object','properties':{"
     "'explain':{'type':'object','description':'Per-source rank, score and fused share'}}}]}"},
    {"SearchResult",
     "{'type':'object','required':['query','mode','items','total','limit','offset',"
     "'next_offset','truncated'],'properties':{'query':{'type':'string'},'mode':{'type':"
     "'string','enum':['hybrid','lexical','semantic','symbol']},'items':{'type':'array',"
     "'items':{'$ref':'#/components/schemas/SearchHit'}}," PAGE_PROPS ",'sources':{'type':"
     "'array','items':{'type':'string'},'description':'Sources that "
     "answered'},'note':" S_NULLABLE_STR "}}"},
    {"SimilarRequest",
     "{'type':'object','anyOf':[{'required':['code']},{'required':['entity_id']}],"
     "'properties':{'code':{'type':'string','minLength':1,'description':'A snippet to find "
     "code like'},'entity_id':{'type':'integer','minimum':1,'description':'Or: find code "
     "like this entity'},'language':{'type':'string'},'threshold':{'type':'number',"
     "'minimum':-1,'maximum':1,'description':'Lowest similarity returned'},'limit':{'type':"
     "'integer','minimum':1},'offset':{'type':'integer','minimum':0},'project':{'type':["
     "'string','integer']},'kind':{'type':'string'}}}"},
    {"SimilarResult",
     "{'type':'object','required':['threshold','model','items','total','limit','offset',"
     "'next_offset','truncated'],'properties':{'threshold':{'type':'number'},'model':{'type':"
     "'string','description':'Embedding model and dimension'},'items':{'type':'array',"
     "'items':{'$ref':'#/components/schemas/Hit'}}," PAGE_PROPS ",'sources':{'type':'array',"
     "'items':{'type':'string'}},'note':" S_NULLABLE_STR "}}"},
    {"JsonRpcMessage",
     "{'type':'object','required':['jsonrpc'],'description':'A JSON-RPC 2.0 request, "
     "notification or response of the Model Context Protocol (2025-11-25, 2025-06-18, "
     "2025-03-26)','properties':{'jsonrpc':{'const':'2.0'},'id':{'type':['string','integer',"
     "'null']},'method':{'type':'string'},'params':{'type':['object','array']},'result':{},"
     "'error':{'type':'object','required':['code','message'],'properties':{'code':{'type':"
     "'integer'},'message':{'type':'string'},'data':{}}}}}"},
    {"AdminJob",
     "{'type':'object','required':['id','op','state'],'properties':{'id':{'type':'integer'},"
     "'op':{'type':'string','enum':['checkpoint','backup','backup-incremental','compact',"
     "'optimize']},'state':{'type':'string','enum':['queued','running',"
     "'done','failed']},'scheduled':{'type':'boolean'},'created_ms':{'type':'integer'},"
     "'started_ms':{'type':'integer'},'finished_ms':{'type':'integer'},'message':{'type':"
     "'string'},'result':{'type':'object','description':'Figures of the finished operation "
     "(paths, sequence, bytes, files, verified, elapsed_ms)'}}}"},
    {"AdminJobStarted",
     "{'type':'object','required':['job_id','status_url','job'],'properties':{'job_id':{"
     "'type':'integer'},'status_url':{'type':'string'},'job':{'$ref':'#/components/schemas/"
     "AdminJob'}}}"},
    {"CheckpointRequest",
     "{'type':'object','required':['path'],'properties':{'path':{'type':'string','pattern':"
     "'^/','description':'Absolute path of a directory that does not exist yet'}}}"},
    {"BackupRequest",
     "{'type':'object','properties':{'rate_limit_bytes_per_s':{'type':'integer','minimum':0,"
     "'description':'Copy rate limit (0: none)'}}}"},
    {"Backup",
     "{'type':'object','required':['id','kind','verified'],'properties':{'id':{'type':"
     "'integer'},'created':" S_TIME ",'kind':{'type':'string','enum':['full','incremental']},"
     "'verified':{'type':'boolean'},'sequence':{'type':'integer'},'size_bytes':{'type':"
     "'integer'},'new_bytes':{'type':'integer'},'files':{'type':'integer'},'vector_files':{"
     "'type':'integer'},'vector_bytes':{'type':'integer'}}}"},
    {"BackupList",
     "{'type':'object','required':['backup_dir','items','total'],'properties':{'backup_dir':{"
     "'type':'string'},'items':{'type':'array','items':{'$ref':'#/components/schemas/Backup'}},"
     "'total':{'type':'integer'}}}"},
    {"MaintenanceRequest",
     "{'type':'object','properties':{'enabled':{'type':'boolean','description':'Absent: "
     "toggle'}}}"},
    {"MaintenanceState",
     "{'type':'object','required':['maintenance','previous'],'properties':{'maintenance':{"
     "'type':'boolean'},'previous':{'type':'boolean'},'index_jobs_running':{'type':"
     "'integer'}}}"},
    {"IndexingState",
     "{'type':'object','required':['indexing_paused','previous'],'properties':{"
     "'indexing_paused':{'type':'boolean'},'previous':{'type':'boolean'},"
     "'index_jobs_running':{'type':'integer'},'workers_waiting':{'type':'integer'}}}"},
    {"AdminStats",
     "{'type':'object','required':['server','database','caches','index','queues','backups'],"
     "'properties':{'server':{'type':'object'},'database':{'type':'object','required':["
     "'path','size_bytes'],'properties':{'path':{'type':'string'},'size_bytes':{'type':"
     "'integer'},'column_families':{'type':'array','items':{'type':'object'}}}},'caches':{"
     "'type':'object'},'index':{'type':'object'},'queues':{'type':'object'},'backups':{"
     "'type':'object'}}}"},
    {"AdminQueries",
     "{'type':'object','required':['in_flight_requests','index_jobs','admin_jobs'],"
     "'properties':{'in_flight_requests':{'type':'integer'},'connections':{'type':'integer'},"
     "'indexing_paused':{'type':'boolean'},'maintenance':{'type':'boolean'},'index_jobs':{"
     "'type':'array','items':{'type':'object'}},'admin_jobs':{'type':'array','items':{'$ref':"
     "'#/components/schemas/AdminJob'}},'queues':{'type':'object'}}}"},
    {"VectorStats",
     "{'type':'object','required':['index_type','metric','dimension','vectors','rebuilding'],"
     "'properties':{'index_type':{'type':'string'},'metric':{'type':'string'},'dimension':{"
     "'type':'integer'},'model':{'type':'string'},'vectors':{'type':'integer'},"
     "'base_vectors':{'type':'integer'},'delta_vectors':{'type':'integer'},'tombstones':{"
     "'type':'integer'},'file_bytes':{'type':'integer'},'rebuilds':{'type':'integer'},"
     "'rebuilding':{'type':'boolean'},'verified':{'type':'boolean'},'needs_rebuild':{'type':"
     "'boolean'},'file':" S_NULLABLE_STR ",'problem':" S_NULLABLE_STR "}}"},
    {"VectorRebuildStarted",
     "{'type':'object','required':['status'],'properties':{'status':{'type':'string'},"
     "'stats':{'type':'string','description':'Where to follow the rebuild'}}}"},
};
const int cg_openapi_schemas_n = (int)(sizeof cg_openapi_schemas / sizeof cg_openapi_schemas[0]);

/* ---------------------------------------------------------------- operations */

#define GET CG_HTTP_GET
#define POST CG_HTTP_POST
#define DEL CG_HTTP_DELETE

const cg_openapi_op cg_openapi_ops[] = {
    {GET, "/health", "health", NULL, NULL, 200, "Health", NULL,
     "Liveness: cheap, no I/O. For load balancers and `codegraph healthcheck`."},
    {GET, "/ready", "health", NULL, NULL, 200, "Ready", "503",
     "Readiness: 200 once the stores are open and the server is serving; 503 CG016 while "
     "starting or draining (SIGTERM), so load balancers stop sending traffic."},
    {GET, "/metrics", "health", NULL, NULL, 200, "@text", NULL,
     "Prometheus text format 0.0.4: codegraph_* series and the process_* metrics."},
    {GET, "/api/v1/health", "health", NULL, NULL, 200, "HealthDetail", NULL,
     "Per-component health with figures: database (probe read latency, size), "
     "vector_search, file_system (free space), memory (RSS against the budget), indexing "
     "(queue depth, running jobs). Degraded components still answer 200."},
    {GET, "/openapi.json", "health", NULL, NULL, 200, "OpenAPI", NULL,
     "This OpenAPI 3.1 document, generated from the route table."},
    {GET, "/api/v1/entities/{id}", "graph", "entity_id", NULL, 200, "EntityAnswer", "400 404",
     NULL},
    {GET, "/api/v1/entities/{id}/callers", "graph", "entity_id depth limit offset edges", NULL, 200,
     "Traversal", "400 404",
     "Breadth-first over incoming call edges; each item says its depth and the entity it was "
     "reached from (via)."},
    {GET, "/api/v1/entities/{id}/callees", "graph", "entity_id depth limit offset edges", NULL, 200,
     "Traversal", "400 404", "Breadth-first over outgoing call edges."},
    {GET, "/api/v1/entities/{id}/references", "graph", "entity_id limit offset", NULL, 200,
     "References", "400 404", "Every edge pointing at this entity, with the site line."},
    {GET, "/api/v1/graph/path", "graph", "from! to! max_depth edges", NULL, 200, "GraphPath",
     "400 404", "A shortest path of call edges; found=false when there is none."},
    {GET, "/api/v1/projects/{id}/symbols", "graph", "project_ref q! match kind lang limit offset",
     NULL, 200, "SymbolList", "400 404", NULL},
    {GET, "/api/v1/projects/{id}/outline", "graph", "project_ref file_path! limit offset", NULL,
     200, "Outline", "400 404", NULL},
    {GET, "/api/v1/projects", "projects", "projects_limit", NULL, 200, "ProjectList", "400", NULL},
    {POST, "/api/v1/projects", "projects", NULL, "ProjectCreate", 202, "JobStarted",
     "400 403 404 409 413 503",
     "Registers the project and starts an index job on the thread pool. The path must lie "
     "under [parsing] allowed_roots (403 CG019 otherwise, also when it does not exist)."},
    {GET, "/api/v1/projects/{id}", "projects", "project_ref", NULL, 200, "Project", "400 404",
     NULL},
    {DEL, "/api/v1/projects/{id}", "projects", "project_ref", NULL, 200, "ProjectDeleted",
     "400 404 409", "Removes the project and its whole graph (409 while a job runs on it)."},
    {POST, "/api/v1/projects/{id}/reindex", "projects", "project_ref", NULL, 202, "JobStarted",
     "400 404 409 503", "Re-indexes changed files only (content hashes); 409 while a job runs."},
    {GET, "/api/v1/jobs/{id}", "projects", "job_id", NULL, 200, "Job", "400 404", NULL},
    /* search (search_api.c) */
    {GET, "/api/v1/search", "search",
     "search_q! mode project kind lang path_filter explain limit offset", NULL, 200, "SearchResult",
     "400 404 503",
     "Ranked search over names, text and embeddings; each hit carries the entity fields and "
     "a score. 503 while the search service is not available."},
    {POST, "/api/v1/similar", "search", NULL, "SimilarRequest", 200, "SimilarResult", "400 404 503",
     "Code similar to a snippet or to an indexed entity (vector index)."},
    /* MCP (mcp_api.c) */
    {POST, "/mcp", "mcp", NULL, "JsonRpcMessage", 200, "JsonRpcMessage|sse",
     "202:- 400:JsonRpcMessage 403:JsonRpcMessage 413",
     "MCP Streamable HTTP: one JSON-RPC message per POST (initialize, tools/list, "
     "tools/call, resources/*, prompts/*). Requests answer 200 with the response (JSON, or "
     "one Server-Sent Event when the client accepts only text/event-stream); notifications "
     "answer 202 without a body; protocol errors answer a JSON-RPC error (400), a foreign "
     "Origin or Host 403."},
    /* admin (admin_api.c, vector_api.c) */
    {POST, "/api/v1/admin/checkpoint", "admin", NULL, "CheckpointRequest", 202, "AdminJobStarted",
     "400 409 503",
     "A RocksDB checkpoint plus the vector files, consistent with each other, in a new "
     "directory. Follow the job with GET /api/v1/admin/jobs/{id}."},
    {POST, "/api/v1/admin/backup", "admin", NULL, "?BackupRequest", 202, "AdminJobStarted",
     "400 409 503",
     "Full BackupEngine backup into [database] backup_path, verified after "
     "creation; old backups pruned by [database] backup_retention."},
    {POST, "/api/v1/admin/backup-incremental", "admin", NULL, "?BackupRequest", 202,
     "AdminJobStarted", "400 409 503",
     "Incremental backup: only files the previous backups lack are copied; verified."},
    {GET, "/api/v1/admin/backups", "admin", NULL, NULL, 200, "BackupList", "503", NULL},
    {POST, "/api/v1/admin/compact", "admin", NULL, NULL, 202, "AdminJobStarted", "409 503", NULL},
    {POST, "/api/v1/admin/optimize", "admin", NULL, NULL, 202, "AdminJobStarted", "409 503", NULL},
    {GET, "/api/v1/admin/jobs/{id}", "admin", "admin_job_id", NULL, 200, "AdminJob", "400 404",
     NULL},
    {POST, "/api/v1/admin/maintenance", "admin", NULL, "?MaintenanceRequest", 200,
     "MaintenanceState", "400 503",
     "In maintenance mode every route that writes answers 503 CG016; reads go on."},
    {POST, "/api/v1/admin/pause-indexing", "admin", NULL, NULL, 200, "IndexingState", "503",
     "Index jobs stop between files until resumed."},
    {POST, "/api/v1/admin/resume-indexing", "admin", NULL, NULL, 200, "IndexingState", "503", NULL},
    {GET, "/api/v1/admin/stats", "admin", NULL, NULL, 200, "AdminStats", "503", NULL},
    {GET, "/api/v1/admin/queries", "admin", NULL, NULL, 200, "AdminQueries", "503", NULL},
    {GET, "/api/v1/admin/vector/stats", "admin", NULL, NULL, 200, "VectorStats", "404", NULL},
    {POST, "/api/v1/admin/vector/rebuild", "admin", NULL, NULL, 202, "VectorRebuildStarted",
     "404 409",
     "Rebuilds the vector index from the embeddings in the database in the "
     "background and swaps it in; queries keep using the old index meanwhile."},
};
const int cg_openapi_ops_n = (int)(sizeof cg_openapi_ops / sizeof cg_openapi_ops[0]);
