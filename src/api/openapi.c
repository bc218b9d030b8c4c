/*
 * openapi.c — writes the OpenAPI 3.1 document from the route table and the annotations of
 * openapi_spec.c, checks that every route method is annotated, and serves
 * GET /openapi.json.
 *
 * DESIGN — why generated. The route table (routes.c) is the one list of endpoints: it
 * drives dispatch, the metrics' endpoint label and this document. Paths and methods come
 * from the table; annotations only add detail. Invariants:
 *   1. every route method appears in the document exactly once, annotated or not (an
 *      unannotated one gets a generic description and "x-codegraph-undocumented": true);
 *   2. an annotation whose route is gone is never written (cg_openapi_check reports it);
 *   3. path parameters are always the template's own, so the document's templates and
 *      the router's are the same strings;
 *   4. GET /openapi.json documents the running server's table (server.c's copy, with the
 *      configured /metrics, /health and /mcp paths and disabled features left out); the
 *      annotation of a moved route is found through its canonical row (canonical_tmpl).
 * Errors: every operation documents the contract's error shape under "default"; USER
 * routes add 401 and 429, ADMIN routes 401, 403 and 429, and each annotation lists the
 * statuses its handler answers beyond those (400, 404, 409, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codegraph/base.h"
#include "codegraph/openapi.h"
#include "openapi_int.h"
#include "server/server_int.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

#define OA_TOKEN_MAX 64   /* longest parameter key or status token in an annotation */
#define OA_OPID_MAX 160   /* operationId ("get_api_v1_entities_id_callers") */
#define OA_STATUS_MIN 400 /* error statuses are tracked in a bitset over [MIN, MAX) */
#define OA_STATUS_MAX 600
#define OA_LINE_MAX 512 /* one line of the check report */

static const struct {
    int status;
    const char *text;
} status_texts[] = {
    {200, "OK"},
    {202, "Accepted: the work continues in the background (follow the job)"},
    {204, "No content"},
    {400, "Bad request: a malformed parameter or body (CG011), named in the message"},
    {401, "Missing or invalid API key (CG009); carries WWW-Authenticate: Bearer"},
    {403, "Forbidden: a user key on an admin route (CG009) or a path outside "
          "[parsing] allowed_roots (CG019)"},
    {404, "Not found (CG012)"},
    {405, "Method not allowed (CG013); carries Allow"},
    {408, "The request was not received within server.timeout (CG015)"},
    {409, "Conflicts with the current state, e.g. a name in use or a job running (CG020)"},
    {413, "Request body larger than mcp.max_request_size (CG014)"},
    {414, "Request line longer than 8 KiB (CG014)"},
    {429, "Rate limited (CG017); carries Retry-After"},
    {431, "Request headers too large (CG014)"},
    {500, "Internal error (CG018) or a store failure (CG001-CG003)"},
    {503, "Overloaded, starting or draining (CG016); carries Retry-After"},
};

static const char *status_text(int status)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(status_texts); i++)
        if (status_texts[i].status == status) return status_texts[i].text;
    return "See the error body";
}

static const char *method_lower(int m)
{
    static const char *const names[CG_HTTP_METHOD_COUNT] = {"get",    "head",  "post",    "put",
                                                            "delete", "patch", "options", "other"};
    return m >= 0 && m < CG_HTTP_METHOD_COUNT ? names[m] : "other";
}

/* The next space-separated token of *s into tok (NUL-terminated); 0 when none is left. */
static int next_token(const char **s, char *tok, size_t cap)
{
    const char *p = *s;
    while (p && *p == ' ') p++;
    if (!p || !*p) return 0;
    size_t n = 0;
    while (p[n] && p[n] != ' ') n++;
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(tok, p, k);
    tok[k] = 0;
    *s = p + n;
    return 1;
}

static const cg_openapi_op *op_find(int method, const char *tmpl)
{
    for (int i = 0; i < cg_openapi_ops_n; i++)
        if ((int)cg_openapi_ops[i].method == method && strcmp(cg_openapi_ops[i].tmpl, tmpl) == 0)
            return &cg_openapi_ops[i];
    return NULL;
}

/* The parameter `key` (a trailing '!' ignored), or NULL. */
static const cg_openapi_param *param_find(const char *key)
{
    size_t n = strlen(key);
    if (n && key[n - 1] == '!') n--;
    for (int i = 0; i < cg_openapi_params_n; i++)
        if (strlen(cg_openapi_params[i].key) == n && !strncmp(cg_openapi_params[i].key, key, n))
            return &cg_openapi_params[i];
    return NULL;
}

static int schema_exists(const char *name)
{
    for (int i = 0; i < cg_openapi_schemas_n; i++)
        if (strcmp(cg_openapi_schemas[i].name, name) == 0) return 1;
    return 0;
}

int cg_openapi_annotated(int method, const char *tmpl)
{
    return op_find(method, tmpl) != NULL;
}

/* The route table's own template for a row of a live table: server.c moves /metrics,
 * /health, /api/v1/health and /mcp to their configured paths in its copy, which keeps
 * the row's summary (the same pointer), so annotations still apply. */
static const char *canonical_tmpl(const cg_route *r)
{
    for (int i = 0; i < cg_api_routes_count; i++)
        if (cg_api_routes[i].summary == r->summary && cg_api_routes[i].methods == r->methods)
            return cg_api_routes[i].tmpl;
    return r->tmpl;
}

const cg_route *cg_openapi_routes(int *n)
{
    *n = cg_api_routes_count;
    return cg_api_routes;
}

static void put_str(cg_buf *b, const char *s)
{
    cg_buf_put_json_str(b, s, strlen(s));
}

/* A JSON fragment of openapi_spec.c, written there with ' for " (readable C literals). */
static void put_sq(cg_buf *b, const char *s)
{
    size_t start = b->len;
    cg_buf_puts(b, s);
    if (!cg_buf_ok(b)) return;
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '\'') b->data[i] = '"';
}

/* "get_api_v1_entities_id_callers": unique because (method, template) is. */
static void put_operation_id(cg_buf *b, int method, const char *tmpl)
{
    char id[OA_OPID_MAX];
    size_t n = (size_t)snprintf(id, sizeof id, "%s", method_lower(method));
    for (const char *p = tmpl; *p && n < sizeof id - 1; p++) {
        int alnum =
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (alnum)
            id[n++] = *p;
        else if (id[n - 1] != '_')
            id[n++] = '_';
    }
    while (n > 0 && id[n - 1] == '_') n--;
    id[n] = 0;
    cg_buf_puts(b, "\"operationId\":");
    put_str(b, id);
}

static void put_param(cg_buf *b, const cg_openapi_param *p, int required)
{
    cg_buf_puts(b, "{\"name\":");
    put_str(b, p->name);
    cg_buf_puts(b, ",\"in\":");
    put_str(b, p->in);
    cg_buf_puts(b, required ? ",\"required\":true" : ",\"required\":false");
    cg_buf_puts(b, ",\"description\":");
    put_str(b, p->desc);
    cg_buf_puts(b, ",\"schema\":");
    put_sq(b, p->schema);
    cg_buf_putc(b, '}');
}

/* The annotation's path parameter called name[0..n), or NULL. */
static const cg_openapi_param *op_path_param(const cg_openapi_op *op, const char *name, size_t n)
{
    char tok[OA_TOKEN_MAX];
    for (const char *s = op ? op->params : NULL; s && next_token(&s, tok, sizeof tok);) {
        const cg_openapi_param *p = param_find(tok);
        if (p && !strcmp(p->in, "path") && strlen(p->name) == n && !strncmp(p->name, name, n))
            return p;
    }
    return NULL;
}

/* Path parameters in template order, then the annotation's query parameters. */
static void put_params(cg_buf *b, const char *tmpl, const cg_openapi_op *op)
{
    int first = 1;
    char tok[OA_TOKEN_MAX], name[OA_TOKEN_MAX];
    cg_buf_puts(b, ",\"parameters\":[");
    for (const char *p = strchr(tmpl, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e) break;
        size_t n = (size_t)(e - p - 1);
        const cg_openapi_param *pp = op_path_param(op, p + 1, n);
        cg_openapi_param generic = {"", name, "path", "{'type':'string'}", "Not described"};
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        if (!first) cg_buf_putc(b, ',');
        put_param(b, pp ? pp : &generic, 1);
        first = 0;
    }
    for (const char *s = op ? op->params : NULL; s && next_token(&s, tok, sizeof tok);) {
        const cg_openapi_param *p = param_find(tok);
        if (!p || strcmp(p->in, "query") != 0) continue;
        if (!first) cg_buf_putc(b, ',');
        put_param(b, p, tok[strlen(tok) - 1] == '!');
        first = 0;
    }
    cg_buf_putc(b, ']');
}

static void put_schema_ref(cg_buf *b, const char *name)
{
    cg_buf_puts(b, "{\"$ref\":\"#/components/schemas/");
    cg_buf_puts(b, name);
    cg_buf_puts(b, "\"}");
}

static void put_success(cg_buf *b, const cg_openapi_op *op)
{
    int status = op ? op->status : 200;
    cg_buf_printf(b, "\"%d\":{\"description\":", status);
    put_str(b, op ? status_text(status) : "Success (the response is not described yet)");
    if (op && !op->result) {
        cg_buf_putc(b, '}');
        return;
    }
    if (op && strcmp(op->result, "@text") == 0) {
        cg_buf_puts(b, ",\"content\":{\"text/plain\":{\"schema\":{\"type\":\"string\"}}}}");
        return;
    }
    char name[OA_TOKEN_MAX];
    const char *bar = op ? strchr(op->result, '|') : NULL;
    snprintf(name, sizeof name, "%.*s", bar ? (int)(bar - op->result) : OA_TOKEN_MAX - 1,
             op ? op->result : "");
    cg_buf_puts(b, ",\"content\":{\"application/json\":{\"schema\":");
    if (op)
        put_schema_ref(b, name);
    else
        cg_buf_puts(b, "{}");
    cg_buf_putc(b, '}');
    if (bar && strcmp(bar, "|sse") == 0) /* the same message as one Server-Sent Event */
        cg_buf_puts(b, ",\"text/event-stream\":{\"schema\":{\"type\":\"string\"}}");
    cg_buf_puts(b, "}}");
}

/* "NNN:Schema" in an annotation's errors: that status with its own body ("-": none). */
static void put_custom_response(cg_buf *b, const char *tok)
{
    int st = atoi(tok);
    const char *schema = strchr(tok, ':') + 1;
    cg_buf_printf(b, ",\"%d\":{\"description\":", st);
    put_str(b, status_text(st));
    if (strcmp(schema, "-") != 0) {
        cg_buf_puts(b, ",\"content\":{\"application/json\":{\"schema\":");
        put_schema_ref(b, schema);
        cg_buf_puts(b, "}}");
    }
    cg_buf_putc(b, '}');
}

/* Error statuses of one operation: automatic by access class plus the annotation's. */
static void put_responses(cg_buf *b, const cg_route *r, const cg_openapi_op *op)
{
    unsigned char set[OA_STATUS_MAX - OA_STATUS_MIN] = {0};
    char tok[OA_TOKEN_MAX];
    if (r->access != CG_ROUTE_OPEN) set[401 - OA_STATUS_MIN] = set[429 - OA_STATUS_MIN] = 1;
    if (r->access == CG_ROUTE_ADMIN) set[403 - OA_STATUS_MIN] = 1;
    for (const char *s = op ? op->errors : NULL; s && next_token(&s, tok, sizeof tok);) {
        int st = atoi(tok);
        if (st >= OA_STATUS_MIN && st < OA_STATUS_MAX) set[st - OA_STATUS_MIN] = 1;
    }
    cg_buf_puts(b, ",\"responses\":{");
    put_success(b, op);
    for (const char *s = op ? op->errors : NULL; s && next_token(&s, tok, sizeof tok);) {
        if (!strchr(tok, ':')) continue;
        put_custom_response(b, tok);
        int st = atoi(tok);
        if (st >= OA_STATUS_MIN && st < OA_STATUS_MAX) set[st - OA_STATUS_MIN] = 0;
    }
    for (int i = 0; i < OA_STATUS_MAX - OA_STATUS_MIN; i++)
        if (set[i])
            cg_buf_printf(b, ",\"%d\":{\"$ref\":\"#/components/responses/E%d\"}", i + OA_STATUS_MIN,
                          i + OA_STATUS_MIN);
    cg_buf_puts(b, ",\"default\":{\"$ref\":\"#/components/responses/Error\"}}");
}

static void put_operation(cg_buf *b, const cg_route *r, int method)
{
    static const char *const security[] = {"[]", "[{\"apiKey\":[]}]", "[{\"adminKey\":[]}]"};
    const cg_openapi_op *op = op_find(method, canonical_tmpl(r));
    cg_buf_printf(b, "\"%s\":{", method_lower(method));
    put_operation_id(b, method, r->tmpl);
    cg_buf_puts(b, ",\"summary\":");
    put_str(b, r->summary ? r->summary : r->tmpl);
    cg_buf_puts(b, ",\"description\":");
    put_str(b, op && op->desc ? op->desc
               : op           ? (r->summary ? r->summary : r->tmpl)
                              : "Not described yet: src/api/openapi_spec.c has no annotation for "
                                "this route, so only its summary is known.");
    cg_buf_puts(b, ",\"tags\":[");
    put_str(b, op ? op->tag : "undocumented");
    cg_buf_puts(b, "],\"security\":");
    cg_buf_puts(b, security[r->access <= CG_ROUTE_ADMIN ? r->access : CG_ROUTE_ADMIN]);
    if (!op) cg_buf_puts(b, ",\"x-codegraph-undocumented\":true");
    put_params(b, r->tmpl, op);
    if (op && op->body) { /* "?Schema": the body may be left out */
        int optional = op->body[0] == '?';
        cg_buf_printf(b,
                      ",\"requestBody\":{\"required\":%s,\"content\":{\"application/json\":"
                      "{\"schema\":",
                      optional ? "false" : "true");
        put_schema_ref(b, op->body + optional);
        cg_buf_puts(b, "}}}");
    }
    put_responses(b, r, op);
    cg_buf_putc(b, '}');
}

/* One path item: every method of every row with this template. Returns the number of
 * route methods written without an annotation. */
static int put_path_item(cg_buf *b, const cg_route *routes, int n, int first_row)
{
    const char *tmpl = routes[first_row].tmpl;
    int undocumented = 0, comma = 0;
    put_str(b, tmpl);
    cg_buf_puts(b, ":{");
    for (int i = first_row; i < n; i++) {
        if (strcmp(routes[i].tmpl, tmpl) != 0) continue;
        for (int m = 0; m < CG_HTTP_METHOD_COUNT; m++) {
            if (!(routes[i].methods & CG_M(m))) continue;
            if (comma) cg_buf_putc(b, ',');
            put_operation(b, &routes[i], m);
            undocumented += !op_find(m, canonical_tmpl(&routes[i]));
            comma = 1;
        }
    }
    cg_buf_putc(b, '}');
    return undocumented;
}

static void put_info(cg_buf *b, const char *version)
{
    cg_buf_puts(b, "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"CodeGraph API\",\"version\":");
    put_str(b, version);
    cg_buf_puts(b,
                ",\"description\":\"Code-intelligence server: index repositories into a code graph "
                "and query it. Every error answers {\\\"error\\\":{\\\"code\\\":\\\"CG0xx\\\","
                "\\\"message\\\":\\\"...\\\",\\\"request_id\\\":\\\"...\\\"}} with the status "
                "listed per operation; every response carries X-Request-Id. Lists take limit "
                "(default 20, max 1000) and offset. User routes need a key (Authorization: Bearer) "
                "when [security] api_key_required is set; admin routes need an admin key.\"},"
                "\"servers\":[{\"url\":\"/\"}],");
}

static void put_components(cg_buf *b)
{
    static const int errs[] = {400, 401, 403, 404, 405, 408, 409, 413, 414, 429, 431, 500, 503};
    cg_buf_puts(b, ",\"components\":{\"securitySchemes\":{"
                   "\"apiKey\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":"
                   "\"A key of [security] api_keys (env CODEGRAPH_API_KEY)\"},"
                   "\"adminKey\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":"
                   "\"A key of [security] admin_api_keys (env CODEGRAPH_ADMIN_API_KEY)\"}},"
                   "\"responses\":{\"Error\":{\"description\":\"An error; see the code\","
                   "\"content\":{\"application/json\":{\"schema\":");
    put_schema_ref(b, "Error");
    cg_buf_puts(b, "}}}");
    for (size_t i = 0; i < CG_ARRAY_LEN(errs); i++) {
        cg_buf_printf(b, ",\"E%d\":{\"description\":", errs[i]);
        put_str(b, status_text(errs[i]));
        if (errs[i] == 401)
            cg_buf_puts(b, ",\"headers\":{\"WWW-Authenticate\":{\"schema\":{\"type\":\"string\"},"
                           "\"description\":\"Bearer\"}}");
        if (errs[i] == 429 || errs[i] == 503)
            cg_buf_puts(b, ",\"headers\":{\"Retry-After\":{\"schema\":{\"type\":\"integer\"},"
                           "\"description\":\"Seconds to wait before retrying\"}}");
        cg_buf_puts(b, ",\"content\":{\"application/json\":{\"schema\":");
        put_schema_ref(b, "Error");
        cg_buf_puts(b, "}}}");
    }
    cg_buf_puts(b, "},\"schemas\":{");
    for (int i = 0; i < cg_openapi_schemas_n; i++) {
        if (i) cg_buf_putc(b, ',');
        put_str(b, cg_openapi_schemas[i].name);
        cg_buf_putc(b, ':');
        put_sq(b, cg_openapi_schemas[i].json);
    }
    cg_buf_puts(b, "}}");
}

int cg_openapi_write(cg_buf *b, const cg_route *routes, int n, const char *version)
{
    int undocumented = 0, comma = 0;
    put_info(b, version);
    cg_buf_puts(b, "\"paths\":{");
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = strcmp(routes[j].tmpl, routes[i].tmpl) == 0;
        if (seen) continue;
        if (comma) cg_buf_putc(b, ',');
        undocumented += put_path_item(b, routes, n, i);
        comma = 1;
    }
    cg_buf_putc(b, '}');
    put_components(b);
    cg_buf_putc(b, '}');
    return cg_buf_ok(b) ? undocumented : CG_ENOMEM;
}

static int report(cg_buf *r, const char *fmt, const char *a, const char *b2, const char *c)
{
    char line[OA_LINE_MAX];
    snprintf(line, sizeof line, fmt, a, b2, c);
    if (r) {
        cg_buf_puts(r, line);
        cg_buf_putc(r, '\n');
    }
    return 1;
}

/* Problems of one annotation: names it uses that do not exist, path parameters. */
static int check_op(const cg_openapi_op *op, cg_buf *r)
{
    const char *m = cg_http_method_name(op->method);
    char tok[OA_TOKEN_MAX];
    int bad = 0;
    for (const char *s = op->params; s && next_token(&s, tok, sizeof tok);)
        if (!param_find(tok))
            bad += report(r, "%s %s: unknown parameter key '%s'", m, op->tmpl, tok);
    if (op->body && !schema_exists(op->body + (op->body[0] == '?')))
        bad += report(r, "%s %s: unknown body schema '%s'", m, op->tmpl, op->body);
    if (op->result && strcmp(op->result, "@text") != 0) {
        snprintf(tok, sizeof tok, "%.*s", (int)strcspn(op->result, "|"), op->result);
        if (!schema_exists(tok))
            bad += report(r, "%s %s: unknown result schema '%s'", m, op->tmpl, tok);
    }
    for (const char *s = op->errors; s && next_token(&s, tok, sizeof tok);) {
        const char *colon = strchr(tok, ':');
        if (atoi(tok) < 200 || atoi(tok) > 599 ||
            (colon && strcmp(colon + 1, "-") != 0 && !schema_exists(colon + 1)))
            bad += report(r, "%s %s: bad response token '%s'", m, op->tmpl, tok);
    }
    for (const char *p = strchr(op->tmpl, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        char name[OA_TOKEN_MAX];
        if (!e || op_path_param(op, p + 1, (size_t)(e - p - 1))) continue;
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
        bad += report(r, "%s %s: path parameter '%s' has no annotation", m, op->tmpl, name);
    }
    return bad;
}

int cg_openapi_check(const cg_route *routes, int n, cg_buf *r)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int m = 0; m < CG_HTTP_METHOD_COUNT; m++)
            if ((routes[i].methods & CG_M(m)) && !op_find(m, routes[i].tmpl))
                bad += report(r, "%s %s: route has no annotation in src/api/openapi_spec.c%s",
                              cg_http_method_name((cg_http_method)m), routes[i].tmpl, "");
    for (int k = 0; k < cg_openapi_ops_n; k++) {
        const cg_openapi_op *op = &cg_openapi_ops[k];
        const char *m = cg_http_method_name(op->method);
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = (routes[i].methods & CG_M(op->method)) && !strcmp(routes[i].tmpl, op->tmpl);
        if (!found) bad += report(r, "%s %s: annotation without a route%s", m, op->tmpl, "");
        if (op_find((int)op->method, op->tmpl) != op)
            bad += report(r, "%s %s: annotated twice%s", m, op->tmpl, "");
        bad += check_op(op, r);
    }
    return bad;
}

void cg_api_openapi(cg_req *rq)
{
    /* The live table: configured endpoint paths, disabled features left out. */
    int rc = cg_openapi_write(rq->body, rq->srv->routes, rq->srv->n_routes, CG_VERSION);
    if (rc < 0) {
        cg_req_error(rq, 500, CG_ENOMEM, "the OpenAPI document does not fit in memory", NULL);
        return;
    }
    cg_req_json(rq, 200);
}
