/*
 * call.c — what every tool call shares: isError sentences, the request deadline, typed
 * argument readers (types were checked against the schema before the tool runs), the
 * project / entity / page arguments, and the byte budget of the answer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define CANDIDATES_SHOWN 8 /* ids listed when a symbol is ambiguous */
#define NAMES_SHOWN 10     /* project names listed when none was given */
#define SYMBOL_MAX 512     /* bytes of a symbol argument we look up */

int cg_mcp_fail(cg_mcp_call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->failed = 1;
    return CG_EINVAL;
}

int cg_mcp_deadline_check(cg_mcp_call *c)
{
    if (!c->deadline_ns || cg_time_mono_ns() < c->deadline_ns) return 0;
    cg_mcp_fail(c,
                "The request ran past [mcp] request_timeout (%" PRId64
                " ms) and was stopped; ask for less (a smaller depth or limit, or a narrower "
                "query) and call again.",
                c->h->cfg->mcp.request_timeout_ms);
    return CG_ETIMEOUT;
}

const char *cg_mcp_arg_str(const cg_mcp_call *c, const char *name)
{
    json_t *v = json_object_get(c->args, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t cg_mcp_arg_int(const cg_mcp_call *c, const char *name, int64_t def)
{
    json_t *v = json_object_get(c->args, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int cg_mcp_arg_bool(const cg_mcp_call *c, const char *name, int def)
{
    json_t *v = json_object_get(c->args, name);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

/* "a", "b", … of up to NAMES_SHOWN active projects into out. Returns how many exist. */
static int project_names(const cg_mcp_call *c, char *out, size_t cap, cg_graph_project *one)
{
    cg_graph_project ps[NAMES_SHOWN];
    int total = cg_graph_project_list(c->h->graph, ps, NAMES_SHOWN);
    size_t o = 0;
    int active = 0;
    out[0] = '\0';
    for (int i = 0; i < CG_MIN(total, NAMES_SHOWN); i++) {
        if (ps[i].state != CG_PROJECT_ACTIVE) continue;
        if (!active++ && one) *one = ps[i];
        int w = snprintf(out + o, cap - o, "%s'%.60s'", o ? ", " : "", ps[i].name);
        if (w < 0 || (size_t)w >= cap - o) break;
        o += (size_t)w;
    }
    return total > NAMES_SHOWN ? total : active;
}

int cg_mcp_arg_project(cg_mcp_call *c, cg_graph_project *out)
{
    cg_graph *g = c->h->graph;
    json_t *v = json_object_get(c->args, "project");
    char names[CG_MCP_MSG_MAX / 2];
    int rc = CG_ENOTFOUND;
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= UINT32_MAX)
        rc = cg_graph_project_get(g, (uint32_t)json_integer_value(v), out);
    else if (json_is_string(v)) {
        char *end;
        const char *s = json_string_value(v);
        unsigned long long id = strtoull(s, &end, 10);
        if (*s >= '0' && *s <= '9' && !*end && id > 0 && id <= UINT32_MAX)
            rc = cg_graph_project_get(g, (uint32_t)id, out);
        if (rc == CG_ENOTFOUND) rc = cg_graph_project_find(g, s, out);
    }
    if (v && rc == 0 && out->state == CG_PROJECT_ACTIVE) return 0;
    int n = project_names(c, names, sizeof names, out);
    if (!v && n == 1) return 0;
    if (n == 0)
        return cg_mcp_fail(c, "No project is indexed yet. Call index_repository with the "
                              "repository's path first.");
    if (!v)
        return cg_mcp_fail(c,
                           "Several projects are indexed; pass \"project\" (one of: %s). "
                           "list_projects shows them all.",
                           names);
    if (rc != 0 && rc != CG_ENOTFOUND)
        return cg_mcp_fail(c, "Reading the project failed (%s); retry.", cg_err_str(rc));
    return cg_mcp_fail(c, "No project by that name or id. Known projects: %s (see list_projects).",
                       names);
}

int cg_mcp_view_open(cg_mcp_call *c, uint32_t project, cg_graph_view **v)
{
    int rc = cg_graph_view_open(c->h->graph, project, v);
    if (rc == CG_ENOTFOUND)
        return cg_mcp_fail(c, "The project has no published index yet (its first index job has "
                              "not finished) or was deleted; check index_status and retry.");
    if (rc != 0) return cg_mcp_fail(c, "Opening the index failed (%s); retry.", cg_err_str(rc));
    return 0;
}

int cg_mcp_arg_page(cg_mcp_call *c, uint32_t def, uint32_t max, cg_mcp_page *p)
{
    memset(p, 0, sizeof *p);
    int64_t limit = cg_mcp_arg_int(c, "limit", def);
    p->page.limit = (uint32_t)CG_MIN(CG_MAX(limit, 1), (int64_t)max);
    const char *cur = cg_mcp_arg_str(c, "cursor");
    if (!cur || !*cur) return 0;
    unsigned long long gen, off;
    char tail;
    if (sscanf(cur, "%llu.%llu%c", &gen, &off, &tail) != 2)
        return cg_mcp_fail(c, "\"cursor\" is not a cursor this server gave out; pass the "
                              "\"cursor\" value of the previous answer unchanged, or omit it.");
    p->has_cursor = 1;
    p->cursor_gen = gen;
    p->page.offset = off;
    return 0;
}

int cg_mcp_cursor_check(cg_mcp_call *c, const cg_mcp_page *p, uint64_t gen)
{
    if (!p->has_cursor || p->cursor_gen == gen) return 0;
    return cg_mcp_fail(c,
                       "The index changed since this cursor was made (generation %llu, now "
                       "%llu); call again without \"cursor\" to start over.",
                       (unsigned long long)p->cursor_gen, (unsigned long long)gen);
}

/* The entity of "entity_id" (any project) into hit, its project and view. */
static int entity_by_id(cg_mcp_call *c, uint64_t id, cg_graph_project *pr, cg_graph_view **v,
                        cg_graph_result *hit)
{
    uint32_t project;
    int rc = cg_graph_entity_project(c->h->graph, id, &project);
    if (rc == 0) rc = cg_graph_project_get(c->h->graph, project, pr);
    if (rc == 0 && (rc = cg_mcp_view_open(c, project, v)) != 0) return rc;
    if (rc == 0) rc = cg_graph_entity_get(*v, id, hit);
    if (rc == CG_ENOTFOUND)
        return cg_mcp_fail(c,
                           "No entity %llu in the published index (ids change when a file is "
                           "re-indexed after a rename); find it again with search_symbols.",
                           (unsigned long long)id);
    if (rc != 0) return cg_mcp_fail(c, "Reading entity failed (%s); retry.", cg_err_str(rc));
    return 0;
}

/* Does entity e match the wanted qualified suffix / kind / path? */
int cg_mcp_symbol_matches(const cg_graph_entity *e, const char *sym, int kind, const char *path)
{
    if (kind >= 0 && e->kind != kind) return 0;
    if (path && *path && (!e->path || strcmp(e->path, path) != 0)) return 0;
    if (!strchr(sym, '.') && !strstr(sym, "::")) return 1;
    const char *q = e->qualified_name ? e->qualified_name : "";
    size_t qn = strlen(q), sn = strlen(sym);
    return qn >= sn && strcmp(q + qn - sn, sym) == 0 &&
           (qn == sn || q[qn - sn - 1] == '.' || q[qn - sn - 1] == ':');
}

/* The simple name of "a.b.C::m" → "m". */
const char *cg_mcp_symbol_simple(const char *sym)
{
    const char *s = sym;
    for (const char *p = sym; *p; p++)
        if (*p == '.' || *p == ':') s = p + 1;
    return s;
}

/* Fail with the candidates as JSON data (their names come from indexed code). */
static int ambiguous(cg_mcp_call *c, const char *sym, const cg_graph_result *r, const int *ok,
                     int n_ok)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_putc(&b, '[');
    for (int i = 0, shown = 0; i < r->n && shown < CANDIDATES_SHOWN; i++) {
        if (!ok[i]) continue;
        const cg_graph_entity *e = &r->hits[i].entity;
        cg_buf_printf(&b, "%s{\"id\":%" PRIu64 ",\"kind\":\"%s\",\"line\":%u,\"path\":",
                      shown++ ? "," : "", e->id, cg_graph_kind_name(e->kind), e->span.start_line);
        cg_buf_put_json_str(&b, e->path ? e->path : "", strlen(e->path ? e->path : ""));
        cg_buf_puts(&b, ",\"qualified_name\":");
        cg_buf_put_json_str(&b, e->qualified_name, strlen(e->qualified_name));
        cg_buf_putc(&b, '}');
    }
    cg_buf_putc(&b, ']');
    cg_mcp_fail(c,
                "%d definitions match the symbol (%zu bytes); pass \"entity_id\" (or \"kind\" / "
                "\"path\" to narrow). Candidates as JSON: %s",
                n_ok, strlen(sym), cg_buf_ok(&b) ? b.data : "[]");
    cg_buf_release(&b);
    return CG_EINVAL;
}

/* Resolve "symbol" in view v into hit. */
static int entity_by_symbol(cg_mcp_call *c, cg_graph_view *v, const char *sym, cg_graph_result *hit)
{
    const char *ks = cg_mcp_arg_str(c, "kind"), *path = cg_mcp_arg_str(c, "path");
    int kind = ks ? cg_graph_kind_parse(ks) : -1;
    if (ks && kind < 0)
        return cg_mcp_fail(c, "\"kind\" is not a known kind (function, method, class, struct, "
                              "interface, trait, enum, module, constant, type_alias, …).");
    if (strlen(sym) >= SYMBOL_MAX) return cg_mcp_fail(c, "\"symbol\" is too long.");
    cg_graph_symbol_query q = {.q = cg_mcp_symbol_simple(sym), .match = CG_MATCH_EXACT};
    q.page.limit = CG_GRAPH_LIMIT_MAX;
    cg_graph_result r;
    cg_graph_result_init(&r);
    int rc = *q.q ? cg_graph_symbols(v, &q, &r) : CG_EINVAL;
    int ok[CG_GRAPH_LIMIT_MAX], n_ok = 0, first = -1, files = 0;
    for (int i = 0; rc == 0 && i < r.n; i++) {
        ok[i] = cg_mcp_symbol_matches(&r.hits[i].entity, sym, kind, path);
        files += ok[i] && r.hits[i].entity.kind == CG_GRAPH_KIND_FILE;
        n_ok += ok[i];
    }
    /* A module's file node shares its name ("main" for main.py): definitions win. */
    for (int i = 0; rc == 0 && i < r.n && files && files < n_ok; i++) {
        if (ok[i] && r.hits[i].entity.kind == CG_GRAPH_KIND_FILE) {
            ok[i] = 0;
            n_ok--;
            files--;
        }
    }
    for (int i = 0; rc == 0 && i < r.n && first < 0; i++)
        if (ok[i]) first = i;
    if (rc == 0 && n_ok == 1)
        rc = cg_graph_entity_get(v, r.hits[first].entity.id, hit);
    else if (rc == 0 && n_ok > 1)
        rc = ambiguous(c, sym, &r, ok, n_ok);
    else if (rc == 0 || rc == CG_EINVAL)
        rc = cg_mcp_fail(c,
                         "No definition with that exact name%s; try search_symbols with "
                         "\"match\": \"fuzzy\" to find the right spelling.",
                         kind >= 0 || path ? " (with the given kind/path)" : "");
    else
        rc = cg_mcp_fail(c, "The symbol lookup failed (%s); retry.", cg_err_str(rc));
    cg_graph_result_release(&r);
    return rc;
}

int cg_mcp_arg_entity(cg_mcp_call *c, cg_graph_project *pr, cg_graph_view **v, cg_graph_result *hit)
{
    json_t *id = json_object_get(c->args, "entity_id");
    const char *sym = cg_mcp_arg_str(c, "symbol");
    *v = NULL;
    if (json_is_integer(id)) return entity_by_id(c, (uint64_t)json_integer_value(id), pr, v, hit);
    if (!sym)
        return cg_mcp_fail(c, "Pass \"entity_id\" (from another tool's answer) or \"symbol\" "
                              "(a name such as \"parse\" or \"Parser.parse\").");
    int rc = cg_mcp_arg_project(c, pr);
    if (rc == 0) rc = cg_mcp_view_open(c, pr->id, v);
    if (rc == 0) rc = entity_by_symbol(c, *v, sym, hit);
    if (rc != 0) {
        cg_graph_view_close(*v);
        *v = NULL;
    }
    return rc;
}

/* Bytes s[0..n) costs in the answer: once as JSON, once escaped inside the text block. */
size_t cg_mcp_cost(const char *s, size_t n)
{
    size_t cost = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\' || ch == '\n' || ch == '\t' || ch == '\r')
            cost += 3;
        else if (ch < 0x20)
            cost += 7;
        else
            cost += 2;
    }
    return cost;
}

int cg_mcp_item_fits(cg_mcp_call *c, size_t n)
{
    cg_buf *b = c->sc;
    CG_ASSERT(n <= b->len && b->len - n >= c->acc_len);
    size_t start = b->len - n;
    c->acc_cost += cg_mcp_cost(b->data + c->acc_len, start - c->acc_len);
    c->acc_len = start;
    size_t item = cg_mcp_cost(b->data + start, n);
    if (c->acc_cost + item > c->budget) return 0;
    c->acc_cost += item;
    c->acc_len = b->len;
    return 1;
}

size_t cg_mcp_budget_left(cg_mcp_call *c)
{
    cg_buf *b = c->sc;
    c->acc_cost += cg_mcp_cost(b->data ? b->data + c->acc_len : "", b->len - c->acc_len);
    c->acc_len = b->len;
    return c->acc_cost >= c->budget ? 0 : c->budget - c->acc_cost;
}
