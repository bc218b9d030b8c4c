/*
 * search_api.c — REST endpoints of search (search.h):
 *   GET  /api/v1/search   ?q=&mode=hybrid|lexical|semantic|symbol&project=&kind=&lang=&path=
 *                         &limit=&offset=&explain=1
 *   POST /api/v1/similar  {"code" | "entity_id", "language", "threshold", "limit", "offset",
 *                          "project", "kind"}
 * and the "capabilities" section of GET /api/v1/health.
 *
 * Queries run on the reactor thread like graph queries: they are bounded (candidates per
 * source, postings per term, page size), and the pool may be busy indexing for minutes.
 * Answers: items (CONTRACT.md entity fields + score, + explain when asked), total, limit,
 * offset, next_offset, truncated, bounded, mode, sources, note.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codegraph/base.h"
#include "codegraph/search.h"
#include "server/server_int.h"

#define MSG_MAX 512 /* bytes of one error message */

static const char *const src_names[CG_SEARCH_SRC_COUNT] = {"lexical", "semantic", "symbol"};

/* The search service, or answer 503. */
static cg_search *search_of(cg_req *rq)
{
    cg_search *s = rq->srv->search;
    if (!s) cg_req_error(rq, 503, CG_EOVERLOAD, "search is not available", "Retry-After: 5\r\n");
    return s;
}

/* A project given by id or name (query or body); 0 with *id, or answers 404. */
static int project_by(cg_req *rq, const char *v, uint32_t *id)
{
    cg_graph_project pr;
    char msg[MSG_MAX];
    uint64_t n;
    int rc = CG_ENOTFOUND;
    if (cg_api_parse_u64(v, strlen(v), &n) == 0 && n > 0 && n <= UINT32_MAX)
        rc = cg_graph_project_get(rq->srv->graph, (uint32_t)n, &pr);
    if (rc == CG_ENOTFOUND) rc = cg_graph_project_find(rq->srv->graph, v, &pr);
    if (rc == 0 && pr.state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (rc != 0) {
        snprintf(msg, sizeof msg, "no project '%.300s'", v);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
        return rc;
    }
    *id = pr.id;
    return 0;
}

/* "function,class" → a kind mask; answers 400 naming the bad kind. */
static int kinds_parse(cg_req *rq, const char *v, uint32_t *mask)
{
    char buf[256], msg[MSG_MAX];
    *mask = 0;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = cg_graph_kind_parse(t);
        if (k < 0) {
            snprintf(msg, sizeof msg, "unknown kind '%.64s'", t);
            cg_req_error(rq, 400, CG_EINVAL, msg, NULL);
            return CG_EINVAL;
        }
        *mask |= CG_GRAPH_KIND_BIT(k);
    }
    return 0;
}

/* A language name the index knows; answers 400. */
static int lang_check(cg_req *rq, const char *lang)
{
    static const char *const known[] = {"rust", "python", "javascript", "typescript", "go",
                                        "java", "cpp",    "c",          "csharp",     "kotlin",
                                        "php",  "ruby",   "swift",      "scala",      "dart"};
    char msg[MSG_MAX];
    if (!lang || !*lang) return 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(known); i++)
        if (strcmp(lang, known[i]) == 0) return 0;
    snprintf(msg, sizeof msg, "unknown language '%.64s'", lang);
    cg_req_error(rq, 400, CG_EINVAL, msg, NULL);
    return CG_EINVAL;
}

static void explain_write(cg_buf *b, const cg_search_explain *e)
{
    cg_buf_puts(b, ",\"explain\":{");
    for (int s = 0; s < CG_SEARCH_SRC_COUNT; s++) {
        cg_buf_printf(b, "\"%s\":", src_names[s]);
        if (!e->rank[s]) {
            cg_buf_puts(b, "null,");
            continue;
        }
        cg_buf_printf(b, "{\"rank\":%d,\"score\":", e->rank[s]);
        cg_buf_put_double(b, e->score[s]);
        cg_buf_puts(b, ",\"rrf\":");
        cg_buf_put_double(b, e->rrf[s]);
        cg_buf_puts(b, "},");
    }
    cg_buf_puts(b, "\"name_boost\":");
    cg_buf_put_double(b, e->name_boost);
    cg_buf_putc(b, '}');
}

/* items + paging members of a result (no braces). */
static void result_write(cg_buf *b, const cg_search_result *r, const cg_graph_page *pg, int explain)
{
    cg_buf_puts(b, "\"items\":[");
    for (int i = 0; i < r->n; i++) {
        const cg_search_hit *h = &r->hits[i];
        cg_graph_hit gh = {.entity = h->entity, .score = h->score};
        if (i) cg_buf_putc(b, ',');
        cg_api_json_hit(b, &gh, h->project_name, CG_API_HIT_SCORE);
        if (explain && b->len && b->data[b->len - 1] == '}') {
            b->len--; /* reopen the object to add the breakdown */
            explain_write(b, &h->explain);
            cg_buf_putc(b, '}');
        }
    }
    cg_buf_printf(b, "],\"total\":%llu,\"limit\":%u,\"offset\":%llu,\"next_offset\":",
                  (unsigned long long)r->total,
                  pg->limit ? CG_MIN(pg->limit, CG_GRAPH_LIMIT_MAX) : CG_GRAPH_LIMIT_DEFAULT,
                  (unsigned long long)pg->offset);
    if (r->next_offset)
        cg_buf_put_u64(b, r->next_offset);
    else
        cg_buf_puts(b, "null");
    cg_buf_puts(b, r->truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    cg_buf_puts(b, r->bounded ? ",\"bounded\":true" : ",\"bounded\":false");
    cg_buf_puts(b, ",\"sources\":[");
    for (int s = 0, n = 0; s < CG_SEARCH_SRC_COUNT; s++)
        if (r->sources & (1u << s)) cg_buf_printf(b, "%s\"%s\"", n++ ? "," : "", src_names[s]);
    cg_buf_puts(b, "],\"note\":");
    cg_api_json_str(b, r->note[0] ? r->note : NULL);
}

/* Answer a search error with the right status. */
static void search_fail(cg_req *rq, int rc)
{
    if (rc == CG_EEMBED || rc == CG_ENOINDEX) {
        cg_req_error(rq, 503, rc, cg_err_str(rc), "Retry-After: 5\r\n");
        return;
    }
    cg_api_error(rq, rc, rc == CG_EINVAL ? "the query has no usable terms or is too long" : NULL);
}

/* GET parameters into q (strings in the caller's buffers). Answers 400/404. */
static int search_params(cg_req *rq, cg_search_query *q, char *qs, size_t qcap, char *lang,
                         char *path, size_t pcap)
{
    char mode[16], proj[CG_GRAPH_NAME_MAX + 1], kind[256], ex[8];
    memset(q, 0, sizeof *q);
    if (cg_api_param_str(rq, "q", 1, qs, qcap, NULL) ||
        cg_api_param_str(rq, "mode", 0, mode, sizeof mode, NULL) ||
        cg_api_param_str(rq, "project", 0, proj, sizeof proj, NULL) ||
        cg_api_param_str(rq, "kind", 0, kind, sizeof kind, NULL) ||
        cg_api_param_str(rq, "lang", 0, lang, 64, NULL) ||
        cg_api_param_str(rq, "path", 0, path, pcap, NULL) ||
        cg_api_param_str(rq, "explain", 0, ex, sizeof ex, NULL) || cg_api_param_page(rq, &q->page))
        return CG_EINVAL;
    int explain = !strcmp(ex, "1") || !strcmp(ex, "true");
    if (!explain && ex[0] && strcmp(ex, "0") && strcmp(ex, "false")) {
        cg_req_error(rq, 400, CG_EINVAL, "parameter 'explain' must be 1, 0, true or false", NULL);
        return CG_EINVAL;
    }
    q->mode = mode[0] ? cg_search_mode_parse(mode) : CG_SEARCH_HYBRID;
    if (q->mode < 0) {
        cg_req_error(rq, 400, CG_EINVAL,
                     "parameter 'mode' must be hybrid, lexical, semantic or symbol", NULL);
        return CG_EINVAL;
    }
    if (!qs[strspn(qs, " \t\r\n")]) {
        cg_req_error(rq, 400, CG_EINVAL, "parameter 'q' must not be empty", NULL);
        return CG_EINVAL;
    }
    if ((proj[0] && project_by(rq, proj, &q->project)) || kinds_parse(rq, kind, &q->kinds) ||
        lang_check(rq, lang))
        return CG_EINVAL;
    while (path[0] == '.' && path[1] == '/') memmove(path, path + 2, strlen(path + 2) + 1);
    q->q = qs;
    q->language = lang;
    q->path_prefix = path;
    q->explain = explain;
    return 0;
}

/* A search answered from the pool (the embedder is an HTTP provider: embedding blocks). It
 * owns copies of every string the query points to. */
typedef struct search_task {
    cg_job job;
    cg_req *rq;
    cg_search *s;
    int similar;
    cg_search_query q;
    cg_search_similar_query sq;
    char qs[CG_SEARCH_QUERY_MAX + 1], lang[64], path[CG_API_PARAM_MAX];
    char *code;
    cg_search_result r;
    int rc;
} search_task;

static void search_answer(cg_req *rq, const cg_search_query *q, int rc, cg_search_result *r)
{
    if (rc) {
        search_fail(rq, rc);
        return;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"query\":");
    cg_api_json_str(b, q->q);
    cg_buf_printf(b, ",\"mode\":\"%s\",", cg_search_mode_name(q->mode));
    result_write(b, r, &q->page, q->explain);
    cg_buf_putc(b, '}');
    cg_search_result_release(r);
    cg_req_json(rq, 200);
}

static void similar_answer(cg_req *rq, cg_search *s, const cg_search_similar_query *q, int rc,
                           cg_search_result *r)
{
    char msg[MSG_MAX];
    if (rc == CG_ENOTFOUND && !q->code) {
        snprintf(msg, sizeof msg, "no entity %llu", (unsigned long long)q->entity_id);
        cg_api_error(rq, rc, msg);
        return;
    }
    if (rc) {
        search_fail(rq, rc);
        return;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"threshold\":");
    cg_buf_put_double(b, q->threshold);
    cg_buf_puts(b, ",\"model\":");
    cg_api_json_str(b, cg_search_embedder(s)->model);
    cg_buf_putc(b, ',');
    result_write(b, r, &q->page, 0);
    cg_buf_putc(b, '}');
    cg_search_result_release(r);
    cg_req_json(rq, 200);
}

static void task_run(cg_job *j)
{
    search_task *t = (search_task *)j;
    t->rc = t->similar ? cg_search_similar(t->s, &t->sq, &t->r) : cg_search_run(t->s, &t->q, &t->r);
}

static void task_done(cg_job *j) /* on the request's reactor */
{
    search_task *t = (search_task *)j;
    if (t->similar)
        similar_answer(t->rq, t->s, &t->sq, t->rc, &t->r);
    else
        search_answer(t->rq, &t->q, t->rc, &t->r);
    free(t->code);
    free(t);
}

/* Hand t to the pool and defer the answer; answers 503 when the pool is full. */
static void task_submit(cg_req *rq, search_task *t)
{
    t->job.run = task_run;
    t->job.done = task_done;
    t->job.owner = rq->srv->rctx[rq->shard].reactor;
    t->rq = rq;
    if (cg_pool_submit(rq->srv->pool, &t->job) != 0) {
        free(t->code);
        free(t);
        cg_api_error(rq, CG_EOVERLOAD, "the thread pool is full; retry later");
        return;
    }
    cg_req_defer(rq); /* done runs on this reactor, after this handler returned */
}

void cg_api_search(cg_req *rq)
{
    search_task *t = NULL;
    char qs[CG_SEARCH_QUERY_MAX + 1], lang[64], path[CG_API_PARAM_MAX];
    cg_search_query q;
    cg_search_result r;
    cg_search *s = search_of(rq);
    if (!s || search_params(rq, &q, qs, sizeof qs, lang, path, sizeof path) != 0) return;
    if (!cg_search_remote(s) || q.mode == CG_SEARCH_LEXICAL || q.mode == CG_SEARCH_SYMBOL) {
        int rc = cg_search_run(s, &q, &r);
        search_answer(rq, &q, rc, &r);
        return;
    }
    if (!(t = calloc(1, sizeof *t))) {
        cg_api_error(rq, CG_ENOMEM, NULL);
        return;
    }
    t->s = s;
    t->q = q;
    memcpy(t->qs, qs, sizeof qs);
    memcpy(t->lang, lang, sizeof lang);
    memcpy(t->path, path, sizeof path);
    t->q.q = t->qs;
    t->q.language = t->lang;
    t->q.path_prefix = t->path;
    task_submit(rq, t);
}

/* ---- POST /api/v1/similar ---- */

typedef struct similar_in {
    cg_search_similar_query q;
    char lang[64], *code;
    json_t *root;
} similar_in;

/* An optional integer member in [lo, hi]; 0, or answers 400. */
static int body_int(cg_req *rq, json_t *root, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    char msg[MSG_MAX];
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi) {
        *out = json_integer_value(v);
        return 0;
    }
    snprintf(msg, sizeof msg, "'%s' must be an integer in [%lld, %lld]", key, (long long)lo,
             (long long)hi);
    cg_req_error(rq, 400, CG_EINVAL, msg, NULL);
    return CG_EINVAL;
}

/* code xor entity_id, threshold, language. Answers 400. */
static int similar_target(cg_req *rq, similar_in *in)
{
    json_t *code = json_object_get(in->root, "code"), *eid = json_object_get(in->root, "entity_id");
    json_t *th = json_object_get(in->root, "threshold"),
           *lg = json_object_get(in->root, "language");
    const char *why = NULL;
    int64_t id = 0;
    if ((code && !json_is_null(code)) == (eid && !json_is_null(eid)))
        why = "give exactly one of 'code' (a snippet) and 'entity_id'";
    else if (code && !json_is_null(code) && (!json_is_string(code) || !json_string_length(code)))
        why = "'code' must be a non-empty string";
    else if (code && json_string_length(code) > CG_SEARCH_SNIPPET_MAX)
        why = "'code' is longer than 65536 bytes";
    else if (th && !json_is_null(th) &&
             (!json_is_number(th) || json_number_value(th) < -1 || json_number_value(th) > 1))
        why = "'threshold' must be a number in [-1, 1]";
    else if (lg && !json_is_null(lg) && (!json_is_string(lg) || json_string_length(lg) >= 64))
        why = "'language' must be a language name";
    if (why) {
        cg_req_error(rq, 400, CG_EINVAL, why, NULL);
        return CG_EINVAL;
    }
    if (!code && body_int(rq, in->root, "entity_id", 1, (INT64_C(1) << 53), &id)) return CG_EINVAL;
    in->q.entity_id = (uint64_t)id;
    in->q.code = json_is_string(code) ? json_string_value(code) : NULL;
    in->q.code_len = json_is_string(code) ? json_string_length(code) : 0;
    in->q.threshold = json_is_number(th) ? json_number_value(th) : 0.0;
    snprintf(in->lang, sizeof in->lang, "%s", json_is_string(lg) ? json_string_value(lg) : "");
    in->q.language = in->lang;
    return lang_check(rq, in->lang);
}

/* The whole body. Answers 400/404. */
static int similar_parse(cg_req *rq, similar_in *in)
{
    const cg_http_request *h = rq->http;
    json_error_t je;
    int64_t limit = 0, offset = 0;
    memset(in, 0, sizeof *in);
    in->root = h->body && h->body_len ? json_loadb(h->body, h->body_len, 0, &je) : NULL;
    if (!in->root || !json_is_object(in->root)) {
        cg_req_error(rq, 400, CG_EINVAL,
                     "the body must be a JSON object {\"code\"|\"entity_id\", \"threshold\", …}",
                     NULL);
        return CG_EINVAL;
    }
    if (similar_target(rq, in) || body_int(rq, in->root, "limit", 1, INT32_MAX, &limit) ||
        body_int(rq, in->root, "offset", 0, INT64_MAX, &offset))
        return CG_EINVAL;
    in->q.page.limit = (uint32_t)CG_MIN(limit, (int64_t)CG_GRAPH_LIMIT_MAX);
    in->q.page.offset = (uint64_t)offset;
    json_t *p = json_object_get(in->root, "project"), *k = json_object_get(in->root, "kind");
    char pv[32];
    if (json_is_integer(p)) snprintf(pv, sizeof pv, "%lld", (long long)json_integer_value(p));
    if ((json_is_integer(p) && project_by(rq, pv, &in->q.project)) ||
        (json_is_string(p) && project_by(rq, json_string_value(p), &in->q.project)) ||
        (json_is_string(k) && kinds_parse(rq, json_string_value(k), &in->q.kinds)))
        return CG_EINVAL;
    return 0;
}

void cg_api_similar(cg_req *rq)
{
    similar_in in;
    cg_search_result r;
    cg_search *s = search_of(rq);
    if (!s) return;
    if (similar_parse(rq, &in) != 0) goto out;
    if (!cg_search_remote(s) || !in.q.code) { /* by entity: a stored vector, no HTTP */
        int rc = cg_search_similar(s, &in.q, &r);
        similar_answer(rq, s, &in.q, rc, &r);
        goto out;
    }
    search_task *t = calloc(1, sizeof *t);
    char *code = malloc(in.q.code_len + 1);
    if (!t || !code) {
        free(t);
        free(code);
        cg_api_error(rq, CG_ENOMEM, NULL);
        goto out;
    }
    memcpy(code, in.q.code, in.q.code_len);
    code[in.q.code_len] = '\0';
    t->s = s;
    t->similar = 1;
    t->sq = in.q;
    t->code = code;
    t->sq.code = code;
    memcpy(t->lang, in.lang, sizeof in.lang);
    t->sq.language = t->lang;
    task_submit(rq, t);
out:
    json_decref(in.root);
}

/* ---- capabilities (GET /api/v1/health) ---- */

int cg_api_search_capabilities(cg_server *srv, cg_buf *b)
{
    cg_search_caps c;
    cg_buf_puts(b, "\"capabilities\":{\"search\":");
    if (!srv->search) {
        cg_buf_puts(b, "null}");
        return 0;
    }
    cg_search_capabilities(srv->search, &c);
    cg_buf_printf(b, "{\"status\":\"%s\",\"modes\":{", c.degraded ? "degraded" : "healthy");
    for (int m = 0; m < CG_SEARCH_MODE_COUNT; m++) {
        cg_buf_printf(b, "%s\"%s\":{\"available\":%s,\"reason\":", m ? "," : "",
                      cg_search_mode_name(m), c.available[m] ? "true" : "false");
        cg_api_json_str(b, c.reason[m]);
        cg_buf_putc(b, '}');
    }
    cg_buf_puts(b, "},\"default_mode\":\"hybrid\",\"embedder\":{\"model\":");
    cg_api_json_str(b, c.embedder);
    cg_buf_printf(b, ",\"dimension\":%d,\"normalized\":%s,\"remote\":%s},\"vectors\":%llu}}", c.dim,
                  c.normalized ? "true" : "false", cg_search_remote(srv->search) ? "true" : "false",
                  (unsigned long long)c.vectors);
    return c.degraded;
}
