/*
 * graph_api.c — REST endpoints over the code graph (answers read a published snapshot and
 * report its generation):
 *   GET /api/v1/entities/{id}                        one entity
 *   GET /api/v1/entities/{id}/callers|callees        ?depth=&limit=&offset=&edges=
 *   GET /api/v1/entities/{id}/references             ?limit=&offset=
 *   GET /api/v1/graph/path                           ?from=&to=&max_depth=&edges=
 *   GET /api/v1/projects/{id}/outline                ?path=&limit=&offset=
 *   GET /api/v1/projects/{id}/symbols                ?q=&match=&kind=&lang=&limit=&offset=
 *
 * Queries run on the reactor thread: they are bounded (page size, depth, visited nodes,
 * index entries scanned — graph.h), and the pool may be busy with index jobs for minutes,
 * so queueing them there would stall reads behind indexing. Paged answers carry items,
 * total, limit (after clamping), offset, next_offset (null on the last page), truncated,
 * bounded and generation.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "codegraph/base.h"
#include "server/server_int.h"

#define MSG_MAX 512 /* bytes of one error message */

/* What a query on one project needs: its view and its name. */
typedef struct qctx {
    cg_graph_view *v;
    cg_graph_project pr;
} qctx;

/* Open the published view of a project. Answers 404/500. */
static int qctx_open(cg_req *rq, uint32_t project, qctx *q)
{
    cg_graph *g = rq->srv->graph;
    int rc = cg_graph_project_get(g, project, &q->pr);
    if (rc == 0) rc = cg_graph_view_open(g, project, &q->v);
    if (rc != 0) cg_api_error(rq, rc, rc == CG_ENOTFOUND ? "the project no longer exists" : NULL);
    return rc;
}

/* The view of the project holding entity `id`, checking the entity is in it. Answers 404. */
static int qctx_entity(cg_req *rq, uint64_t id, qctx *q, cg_graph_result *ent)
{
    char msg[MSG_MAX];
    uint32_t project;
    int rc = cg_graph_entity_project(rq->srv->graph, id, &project);
    if (rc == 0 && (rc = qctx_open(rq, project, q)) != 0) return rc;
    if (rc == 0) rc = cg_graph_entity_get(q->v, id, ent);
    if (rc != 0) {
        snprintf(msg, sizeof msg, "no entity %llu", (unsigned long long)id);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
    }
    return rc;
}

static void qctx_close(qctx *q)
{
    cg_graph_view_close(q->v);
    q->v = NULL;
}

/* Answer a query error (the start entity vanished, bad input, a store error). */
static void query_fail(cg_req *rq, int rc)
{
    cg_api_error(rq, rc, rc == CG_ENOTFOUND ? "not found in the published index" : NULL);
}

void cg_api_entity_get(cg_req *rq)
{
    uint64_t id;
    qctx q = {0};
    cg_graph_result r;
    cg_graph_result_init(&r);
    if (cg_api_route_id(rq, "id", &id) != 0) return;
    if (qctx_entity(rq, id, &q, &r) == 0) {
        cg_buf_puts(rq->body, "{\"entity\":");
        cg_api_json_hit(rq->body, &r.hits[0], q.pr.name, 0);
        cg_buf_puts(rq->body, ",\"generation\":");
        cg_buf_put_u64(rq->body, r.generation);
        cg_buf_putc(rq->body, '}');
        cg_req_json(rq, 200);
    }
    cg_graph_result_release(&r);
    qctx_close(&q);
}

/* The traversal parameters: depth, limit/offset, edges. Answers 400. */
static int traverse_params(cg_req *rq, cg_graph_traverse *t)
{
    int64_t depth;
    memset(t, 0, sizeof *t);
    if (cg_api_param_int(rq, "depth", 1, INT32_MAX, CG_GRAPH_DEPTH_DEFAULT, &depth) != 0 ||
        cg_api_param_page(rq, &t->page) != 0 || cg_api_param_edges(rq, "edges", &t->edges) != 0)
        return CG_EINVAL;
    t->depth = (int)CG_MIN(depth, (int64_t)CG_GRAPH_DEPTH_MAX);
    return 0;
}

static void traverse(cg_req *rq, int callers)
{
    uint64_t id;
    cg_graph_traverse t;
    qctx q = {0};
    cg_graph_result start, r;
    cg_graph_result_init(&start);
    cg_graph_result_init(&r);
    if (cg_api_route_id(rq, "id", &id) != 0 || traverse_params(rq, &t) != 0) return;
    t.id = id;
    if (qctx_entity(rq, id, &q, &start) != 0) goto out;
    int rc = callers ? cg_graph_callers(q.v, &t, &r) : cg_graph_callees(q.v, &t, &r);
    if (rc != 0) {
        query_fail(rq, rc);
        goto out;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"entity\":");
    cg_api_json_hit(b, &start.hits[0], q.pr.name, 0);
    cg_buf_puts(b, callers ? ",\"direction\":\"callers\"" : ",\"direction\":\"callees\"");
    cg_buf_printf(b, ",\"depth\":%d,", t.depth);
    cg_api_json_list(b, &r, &t.page, q.pr.name, CG_API_HIT_TRAVERSAL);
    cg_buf_putc(b, '}');
    cg_req_json(rq, 200);
out:
    cg_graph_result_release(&r);
    cg_graph_result_release(&start);
    qctx_close(&q);
}

void cg_api_entity_callers(cg_req *rq)
{
    traverse(rq, 1);
}

void cg_api_entity_callees(cg_req *rq)
{
    traverse(rq, 0);
}

void cg_api_entity_references(cg_req *rq)
{
    uint64_t id;
    cg_graph_page page;
    qctx q = {0};
    cg_graph_result start, r;
    cg_graph_result_init(&start);
    cg_graph_result_init(&r);
    if (cg_api_route_id(rq, "id", &id) != 0 || cg_api_param_page(rq, &page) != 0) return;
    if (qctx_entity(rq, id, &q, &start) != 0) goto out;
    int rc = cg_graph_references(q.v, id, &page, &r);
    if (rc != 0) {
        query_fail(rq, rc);
        goto out;
    }
    cg_buf_puts(rq->body, "{\"entity\":");
    cg_api_json_hit(rq->body, &start.hits[0], q.pr.name, 0);
    cg_buf_putc(rq->body, ',');
    cg_api_json_list(rq->body, &r, &page, q.pr.name, CG_API_HIT_REFERENCE);
    cg_buf_putc(rq->body, '}');
    cg_req_json(rq, 200);
out:
    cg_graph_result_release(&r);
    cg_graph_result_release(&start);
    qctx_close(&q);
}

/* The path answer: found or not, the nodes in order, and what bounded the search. */
static void path_write(cg_buf *b, uint64_t from, uint64_t to, int max_depth,
                       const cg_graph_result *r, int found, const char *pname)
{
    cg_buf_puts(b, "{\"from\":");
    cg_buf_put_u64(b, from);
    cg_buf_puts(b, ",\"to\":");
    cg_buf_put_u64(b, to);
    cg_buf_printf(b, ",\"max_depth\":%d,\"found\":%s,\"length\":", max_depth,
                  found ? "true" : "false");
    if (found && r->n > 0)
        cg_buf_put_u64(b, (uint64_t)r->n - 1);
    else
        cg_buf_puts(b, "null");
    cg_buf_puts(b, ",\"items\":[");
    for (int i = 0; found && i < r->n; i++) {
        if (i) cg_buf_putc(b, ',');
        cg_api_json_hit(b, &r->hits[i], pname, CG_API_HIT_PATH);
    }
    cg_buf_puts(b, r->bounded ? "],\"bounded\":true" : "],\"bounded\":false");
    cg_buf_puts(b, ",\"generation\":");
    cg_buf_put_u64(b, r->generation);
    cg_buf_putc(b, '}');
}

void cg_api_graph_path(cg_req *rq)
{
    uint64_t from, to;
    int64_t max_depth;
    uint32_t edges, to_project;
    qctx q = {0};
    cg_graph_result a, r;
    cg_graph_result_init(&a);
    cg_graph_result_init(&r);
    if (cg_api_param_id(rq, "from", &from) != 0 || cg_api_param_id(rq, "to", &to) != 0 ||
        cg_api_param_int(rq, "max_depth", 1, INT32_MAX, CG_GRAPH_DEPTH_MAX, &max_depth) != 0 ||
        cg_api_param_edges(rq, "edges", &edges) != 0)
        return;
    max_depth = CG_MIN(max_depth, (int64_t)CG_GRAPH_DEPTH_MAX);
    if (qctx_entity(rq, from, &q, &a) != 0) goto out;
    cg_graph_result_release(&a);
    cg_graph_result_init(&a);
    int rc = cg_graph_entity_project(rq->srv->graph, to, &to_project);
    if (rc == 0 && to_project == q.pr.id) rc = cg_graph_entity_get(q.v, to, &a);
    if (rc != 0) {
        char msg[MSG_MAX];
        snprintf(msg, sizeof msg, "no entity %llu", (unsigned long long)to);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
        goto out;
    }
    int found = to_project == q.pr.id; /* no edges between projects, so no path */
    if (found && (rc = cg_graph_path(q.v, from, to, (int)max_depth, edges, &r)) != 0) {
        if (rc != CG_ENOTFOUND) {
            query_fail(rq, rc);
            goto out;
        }
        found = 0;
    }
    if (!found) r.generation = cg_graph_view_generation(q.v);
    path_write(rq->body, from, to, (int)max_depth, &r, found, q.pr.name);
    cg_req_json(rq, 200);
out:
    cg_graph_result_release(&r);
    cg_graph_result_release(&a);
    qctx_close(&q);
}

/* "./a/b.py" → "a/b.py"; absolute paths and ".." segments are refused. Answers 400. */
static int rel_path_param(cg_req *rq, char *path, size_t cap)
{
    if (cg_api_param_str(rq, "path", 1, path, cap, NULL) != 0) return CG_EINVAL;
    while (path[0] == '.' && path[1] == '/') memmove(path, path + 2, strlen(path + 2) + 1);
    const char *p = path;
    int dotdot = 0;
    while (*p && !dotdot) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        dotdot = n == 2 && p[0] == '.' && p[1] == '.';
        p += n + (e != NULL);
    }
    if (path[0] == '/' || path[0] == '\0' || dotdot) {
        cg_req_error(rq, 400, CG_EINVAL,
                     "parameter 'path' must be relative to the project root, without '..'", NULL);
        return CG_EINVAL;
    }
    return 0;
}

void cg_api_project_outline(cg_req *rq)
{
    char path[CG_API_PARAM_MAX], msg[MSG_MAX];
    cg_graph_page page;
    qctx q = {0};
    cg_graph_result r;
    cg_graph_result_init(&r);
    if (cg_api_project_resolve(rq, &q.pr) != 0 || rel_path_param(rq, path, sizeof path) != 0 ||
        cg_api_param_page(rq, &page) != 0 || qctx_open(rq, q.pr.id, &q) != 0)
        goto out;
    int rc = cg_graph_outline(q.v, path, &page, &r);
    if (rc != 0) {
        snprintf(msg, sizeof msg, "no file '%.300s' in project '%.100s'", path, q.pr.name);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
        goto out;
    }
    cg_buf_puts(rq->body, "{\"project\":");
    cg_api_json_str(rq->body, q.pr.name);
    cg_buf_puts(rq->body, ",\"path\":");
    cg_api_json_str(rq->body, path);
    cg_buf_putc(rq->body, ',');
    cg_api_json_list(rq->body, &r, &page, q.pr.name, 0);
    cg_buf_putc(rq->body, '}');
    cg_req_json(rq, 200);
out:
    cg_graph_result_release(&r);
    qctx_close(&q);
}

/* kind=function,class → a CG_GRAPH_KIND_BIT mask. Answers 400. */
static int kinds_param(cg_req *rq, uint32_t *mask)
{
    char v[256], msg[MSG_MAX];
    int present;
    *mask = 0;
    if (cg_api_param_str(rq, "kind", 0, v, sizeof v, &present) != 0) return CG_EINVAL;
    for (char *save = NULL, *t = strtok_r(v, ",", &save); present && t;
         t = strtok_r(NULL, ",", &save)) {
        int k = cg_graph_kind_parse(t);
        if (k < 0) {
            snprintf(msg, sizeof msg, "parameter 'kind' has an unknown kind '%.64s'", t);
            cg_req_error(rq, 400, CG_EINVAL, msg, NULL);
            return CG_EINVAL;
        }
        *mask |= CG_GRAPH_KIND_BIT(k);
    }
    return 0;
}

/* q, match, kind, lang, limit, offset. Answers 400. */
static int symbol_params(cg_req *rq, cg_graph_symbol_query *sq, char *qs, size_t qcap, char *lang,
                         size_t lcap)
{
    char match[16];
    static const char *const names[] = {"exact", "prefix", "fuzzy"};
    memset(sq, 0, sizeof *sq);
    if (cg_api_param_str(rq, "q", 1, qs, qcap, NULL) != 0 ||
        cg_api_param_str(rq, "match", 0, match, sizeof match, NULL) != 0 ||
        cg_api_param_str(rq, "lang", 0, lang, lcap, NULL) != 0 || kinds_param(rq, &sq->kinds) ||
        cg_api_param_page(rq, &sq->page) != 0)
        return CG_EINVAL;
    sq->match = match[0] ? -1 : CG_MATCH_EXACT;
    for (int i = 0; i < (int)CG_ARRAY_LEN(names) && sq->match < 0; i++)
        if (strcmp(match, names[i]) == 0) sq->match = i;
    if (sq->match < 0) {
        cg_req_error(rq, 400, CG_EINVAL, "parameter 'match' must be exact, prefix or fuzzy", NULL);
        return CG_EINVAL;
    }
    sq->q = qs;
    sq->language = lang[0] ? lang : NULL;
    return 0;
}

void cg_api_project_symbols(cg_req *rq)
{
    char qs[CG_API_PARAM_MAX], lang[64];
    cg_graph_symbol_query sq;
    qctx q = {0};
    cg_graph_result r;
    cg_graph_result_init(&r);
    if (cg_api_project_resolve(rq, &q.pr) != 0 ||
        symbol_params(rq, &sq, qs, sizeof qs, lang, sizeof lang) != 0 ||
        qctx_open(rq, q.pr.id, &q) != 0)
        goto out;
    int rc = cg_graph_symbols(q.v, &sq, &r);
    if (rc != 0) {
        cg_api_error(rq, rc, rc == CG_EINVAL ? "parameter 'q' is not a usable name" : NULL);
        goto out;
    }
    cg_buf_puts(rq->body, "{\"project\":");
    cg_api_json_str(rq->body, q.pr.name);
    cg_buf_puts(rq->body, ",\"q\":");
    cg_api_json_str(rq->body, qs);
    cg_buf_putc(rq->body, ',');
    cg_api_json_list(rq->body, &r, &sq.page, q.pr.name, CG_API_HIT_SCORE);
    cg_buf_putc(rq->body, '}');
    cg_req_json(rq, 200);
out:
    cg_graph_result_release(&r);
    qctx_close(&q);
}
