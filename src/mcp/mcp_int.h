/*
 * mcp_int.h — private to src/mcp: the tool table, the per-call context tools write into,
 * argument readers and the bounded output writers they share.
 *
 * DESIGN — one tool call. jsonrpc.c checks the arguments against the tool's input schema
 * (types, required, enums, ranges, no unknown names: schema.c), opens nothing, and calls
 * tool->run with a cg_mcp_call. The tool writes the members of its structuredContent
 * object into c->sc (without the braces) and returns 0; or it calls cg_mcp_fail (a
 * sentence for the model) and returns < 0, and the call becomes an isError result.
 * Invariants:
 *  * an answer never passes the byte budget: list items go through cg_mcp_item_fits, which
 *    counts each byte twice (the structured copy and its escaped copy in the text block),
 *    and a list that stops early says truncated with a cursor at the first item left out;
 *  * a cursor names the generation it was made at; a cursor from another generation is
 *    refused (the order may have changed), so paging never silently skips or repeats;
 *  * the order of every list is deterministic for a generation (the graph's orders, or a
 *    sort by (depth, id) for merged traversals).
 */
#ifndef CODEGRAPH_MCP_INT_H
#define CODEGRAPH_MCP_INT_H

#include <jansson.h>
#include <stdint.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/graph.h"
#include "codegraph/mcp.h"

#define CG_MCP_MSG_MAX 1024           /* bytes of an isError sentence */
#define CG_MCP_LIMIT_DEFAULT 20       /* list page size when the caller gives none */
#define CG_MCP_LIMIT_MAX 200          /* hard maximum page size of any tool */
#define CG_MCP_CLIP_DOC 300           /* bytes of a doc string kept in a list item */
#define CG_MCP_CLIP_SIGNATURE 300     /* bytes of a signature kept in a list item */
#define CG_MCP_ENVELOPE_BYTES 1024    /* reserved for the JSON-RPC/result envelope */
#define CG_MCP_PROJECTS_MAX 1000      /* projects one answer looks at */
#define CG_MCP_TOOLS_MAX 32           /* tools in the table */
#define CG_MCP_IMPACT_STARTS_MAX 200  /* start entities of one impact analysis */
#define CG_MCP_IMPACT_NODES_MAX 20000 /* distinct dependents one impact analysis collects */
#define CG_MCP_PATHS_MAX 50           /* changed files one impact analysis takes */

_Static_assert(CG_MCP_LIMIT_DEFAULT <= CG_MCP_LIMIT_MAX, "default page within max");
_Static_assert(CG_MCP_LIMIT_MAX <= CG_GRAPH_LIMIT_MAX, "pages within the graph's max");
_Static_assert(CG_MCP_RESPONSE_BYTES_MIN > 4 * CG_MCP_ENVELOPE_BYTES, "room for items");

typedef struct cg_mcp_call {
    const cg_mcp_host *h;
    json_t *args;         /* the arguments object (never NULL; borrowed) */
    cg_buf *sc;           /* structuredContent members being written */
    size_t budget;        /* accounted bytes allowed for sc */
    size_t acc_len;       /* sc[0..acc_len) is accounted in acc_cost */
    size_t acc_cost;      /* bytes sc[0..acc_len) costs in the answer (both copies) */
    uint64_t deadline_ns; /* 0 = none */
    int failed;
    char msg[CG_MCP_MSG_MAX];
} cg_mcp_call;

typedef struct cg_mcp_tool {
    const char *name, *title, *description;
    const char *input_schema;  /* JSON Schema text (an object schema) */
    const char *output_schema; /* JSON Schema text of structuredContent */
    int read_only;             /* annotations.readOnlyHint (and idempotentHint) */
    int (*run)(cg_mcp_call *c);
} cg_mcp_tool;

/* tools.c: the table */
/** Every tool in tools/list order; *n gets the count. */
const cg_mcp_tool *const *cg_mcp_tools(int *n);
const cg_mcp_tool *cg_mcp_tool_find(const char *name);

/* args.c: argument checks against a tool's input schema */
/** 0, or CG_EINVAL after cg_mcp_fail with what is wrong and what is expected. */
int cg_mcp_args_check(cg_mcp_call *c, const cg_mcp_tool *t);

/* call.c: failing, deadlines, arguments, budget */
/** Make the call an isError result with this sentence; returns CG_EINVAL. */
int cg_mcp_fail(cg_mcp_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** CG_ETIMEOUT (after cg_mcp_fail) when the deadline passed, else 0. */
int cg_mcp_deadline_check(cg_mcp_call *c);
/** A string argument or NULL when absent (types are checked by cg_mcp_args_check). */
const char *cg_mcp_arg_str(const cg_mcp_call *c, const char *name);
/** An integer argument, or `def` when absent. */
int64_t cg_mcp_arg_int(const cg_mcp_call *c, const char *name, int64_t def);
/** A boolean argument, or `def` when absent. */
int cg_mcp_arg_bool(const cg_mcp_call *c, const char *name, int def);
/**
 * The project named by argument "project" (a name or a numeric id); when absent, the only
 * project there is. Fails (isError) when unknown, ambiguous or when there is none.
 */
int cg_mcp_arg_project(cg_mcp_call *c, cg_graph_project *out);
/** The published view of a project (fails when it vanished). */
int cg_mcp_view_open(cg_mcp_call *c, uint32_t project, cg_graph_view **v);

/** A page: limit (argument "limit", default def, clamped to max) and the cursor's offset. */
typedef struct cg_mcp_page {
    cg_graph_page page;
    int has_cursor;
    uint64_t cursor_gen;
} cg_mcp_page;
/** Read limit/cursor; fails on a malformed cursor. */
int cg_mcp_arg_page(cg_mcp_call *c, uint32_t def, uint32_t max, cg_mcp_page *p);
/** Fails when the cursor was made at another generation than `gen`. */
int cg_mcp_cursor_check(cg_mcp_call *c, const cg_mcp_page *p, uint64_t gen);

/**
 * The entity argument of a tool: "entity_id" (an id), else "symbol" (a name or a qualified
 * name such as "Class.method", with optional "kind" and "path" to narrow) in the project
 * (cg_mcp_arg_project). On success *v is the open view (caller closes) and hit holds the
 * entity. Fails with candidate ids when a symbol is ambiguous.
 */
int cg_mcp_arg_entity(cg_mcp_call *c, cg_graph_project *pr, cg_graph_view **v,
                      cg_graph_result *hit);

/** 1 when entity e fits a symbol ("parse", "Parser.parse", "a::b"), kind (-1 any) and path
 *  (NULL any). */
int cg_mcp_symbol_matches(const cg_graph_entity *e, const char *sym, int kind, const char *path);
/** The simple name of a qualified symbol ("a.b.C::m" → "m"). */
const char *cg_mcp_symbol_simple(const char *sym);

/** 1 when `item[0..n)` (one list element) still fits the budget; accounts it if so. */
int cg_mcp_item_fits(cg_mcp_call *c, size_t n);
/** Bytes s[0..n) costs in the answer (once as JSON, once escaped in the text block). */
size_t cg_mcp_cost(const char *s, size_t n);
/** Bytes left for more content (after what is accounted so far). */
size_t cg_mcp_budget_left(cg_mcp_call *c);

/* out.c: writers */
#define CG_MCP_ENT_TRAVERSAL 1u /* depth, via, edge, resolution */
#define CG_MCP_ENT_REFERENCE 2u /* edge, resolution, site_line, site_column, count */
#define CG_MCP_ENT_SCORE 4u     /* score */
#define CG_MCP_ENT_POSITION 8u  /* position, edge, resolution (a path node) */
#define CG_MCP_ENT_FULL 16u     /* doc and signature unclipped (still bounded by the graph) */

/** One entity object (CONTRACT.md fields, doc/signature clipped unless FULL). */
void cg_mcp_entity_write(cg_buf *b, const cg_graph_hit *h, const char *project, unsigned flags);
/** `"key":` */
void cg_mcp_key(cg_buf *b, const char *key);
/** `,"key":"value"` (null when v is NULL) */
void cg_mcp_str_field(cg_buf *b, const char *key, const char *v);
/** `,"key":v` */
void cg_mcp_u64_field(cg_buf *b, const char *key, uint64_t v);
/** `,"key":true|false` */
void cg_mcp_bool_field(cg_buf *b, const char *key, int v);
/** RFC 3339 UTC or null. */
void cg_mcp_time(cg_buf *b, int64_t s);

/**
 * Write `"items":[…]` from a graph result through the budget, then the paging members:
 * total, limit, truncated, bounded, cursor (null on the last page), generation.
 * `base_offset` is the offset the result page started at.
 */
void cg_mcp_list_write(cg_mcp_call *c, const cg_graph_result *r, const cg_mcp_page *p,
                       const char *project, unsigned flags);
/** The paging members alone (for tools that write their own items). */
void cg_mcp_paging_write(cg_mcp_call *c, uint64_t total, uint32_t limit, uint64_t next_offset,
                         int truncated, int bounded, uint64_t generation);

/* tools_search.c: what the search subsystem can answer now */
enum { CG_MCP_CAP_LEXICAL, CG_MCP_CAP_SEMANTIC, CG_MCP_CAP_SIMILAR, CG_MCP_CAP_COUNT };
/** "lexical_search", "semantic_search", "find_similar". */
const char *cg_mcp_capability_name(int cap);
/** 1 when capability `cap` answers for the project now; else 0 with a sentence in why. */
int cg_mcp_capability(const cg_mcp_host *h, uint32_t project, int cap, char *why, size_t n);

/* metrics.c */
/** Count one call of tool index `ti` with its duration; `error` when isError/failed. */
void cg_mcp_metrics_observe(const cg_mcp_host *h, int ti, int error, uint64_t dur_ns);

/* resources.c: resources and prompts (method handlers write the result object) */
/** resources/list result members; 0. */
int cg_mcp_resources_list(const cg_mcp_host *h, cg_buf *out);
/** resources/templates/list result members. */
int cg_mcp_resource_templates(cg_buf *out);
/** resources/read of `uri`: 0, or CG_ENOTFOUND / CG_EINVAL with msg (→ -32602). */
int cg_mcp_resource_read(const cg_mcp_host *h, const char *uri, cg_buf *out, char *msg, size_t cap);
/** prompts/list result members. */
int cg_mcp_prompts_list(cg_buf *out);
/** prompts/get: 0, or CG_ENOTFOUND / CG_EINVAL with msg (→ -32602). */
int cg_mcp_prompt_get(const char *name, json_t *args, cg_buf *out, char *msg, size_t cap);

#endif
