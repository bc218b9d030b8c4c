/*
 * json_out.c — JSON writers shared by the REST handlers: entities (the CONTRACT.md fields),
 * graph hits, paged lists, times, and the mapping from internal error codes to HTTP
 * statuses.
 *
 * Everything is appended to a cg_buf (no JSON library on the answer path). Entity fields:
 * id, name, qualified_name, kind, language, project (the project's name), project_id, path
 * (relative to the project root), line and end_line (1-based), column and end_column
 * (0-based byte columns, as tree-sitter reports them), signature, doc, parent (id or
 * null). Empty strings for language/signature/doc are written as null.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "codegraph/base.h"

#define TIME_TEXT_MAX 32 /* "2025-01-31T12:00:00Z" and a margin */

void cg_api_json_str(cg_buf *b, const char *s)
{
    if (!s)
        cg_buf_puts(b, "null");
    else
        cg_buf_put_json_str(b, s, strlen(s));
}

/* A string that is null when empty. */
static void json_str_opt(cg_buf *b, const char *s)
{
    cg_api_json_str(b, s && *s ? s : NULL);
}

void cg_api_json_key(cg_buf *b, const char *key)
{
    cg_buf_putc(b, '"');
    cg_buf_puts(b, key);
    cg_buf_puts(b, "\":");
}

void cg_api_json_time(cg_buf *b, int64_t s)
{
    struct tm tm;
    char t[TIME_TEXT_MAX];
    time_t tt = (time_t)s;
    if (s <= 0 || !gmtime_r(&tt, &tm) || strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        cg_buf_puts(b, "null");
        return;
    }
    cg_buf_putc(b, '"');
    cg_buf_puts(b, t);
    cg_buf_putc(b, '"');
}

/* An id, or null when 0. */
static void json_id(cg_buf *b, uint64_t id)
{
    if (id)
        cg_buf_put_u64(b, id);
    else
        cg_buf_puts(b, "null");
}

static void json_u64_field(cg_buf *b, const char *key, uint64_t v)
{
    cg_buf_putc(b, ',');
    cg_api_json_key(b, key);
    cg_buf_put_u64(b, v);
}

static void json_name_field(cg_buf *b, const char *key, const char *v)
{
    cg_buf_putc(b, ',');
    cg_api_json_key(b, key);
    cg_api_json_str(b, v);
}

static void json_entity_fields(cg_buf *b, const cg_graph_entity *e, const char *project_name)
{
    const char *kind = cg_graph_kind_name(e->kind);
    cg_buf_puts(b, "\"id\":");
    cg_buf_put_u64(b, e->id);
    json_name_field(b, "name", e->name ? e->name : "");
    json_name_field(b, "qualified_name", e->qualified_name ? e->qualified_name : "");
    json_name_field(b, "kind", kind ? kind : "unknown");
    cg_buf_puts(b, ",\"language\":");
    json_str_opt(b, e->language);
    json_name_field(b, "project", project_name);
    json_u64_field(b, "project_id", e->project);
    json_name_field(b, "path", e->path ? e->path : "");
    json_u64_field(b, "line", e->span.start_line);
    json_u64_field(b, "end_line", e->span.end_line);
    json_u64_field(b, "column", e->span.start_col);
    json_u64_field(b, "end_column", e->span.end_col);
    cg_buf_puts(b, ",\"signature\":");
    json_str_opt(b, e->signature);
    cg_buf_puts(b, ",\"doc\":");
    json_str_opt(b, e->doc);
    cg_buf_puts(b, ",\"parent\":");
    json_id(b, e->parent);
}

/* ,"edge":…,"resolution":… (null when the hit has none) */
static void json_edge_fields(cg_buf *b, const cg_graph_hit *h)
{
    cg_buf_puts(b, ",\"edge\":");
    cg_api_json_str(b, h->edge_kind >= 0 ? cg_graph_edge_name(h->edge_kind) : NULL);
    cg_buf_puts(b, ",\"resolution\":");
    cg_api_json_str(b, h->resolution >= 0 ? cg_graph_resolution_name(h->resolution) : NULL);
}

void cg_api_json_hit(cg_buf *b, const cg_graph_hit *h, const char *project_name, unsigned flags)
{
    cg_buf_putc(b, '{');
    json_entity_fields(b, &h->entity, project_name);
    if (flags & CG_API_HIT_SCORE) {
        cg_buf_puts(b, ",\"score\":");
        cg_buf_put_double(b, h->score);
    }
    if (flags & CG_API_HIT_TRAVERSAL) {
        json_u64_field(b, "depth", (uint64_t)CG_MAX(h->depth, 0));
        cg_buf_puts(b, ",\"via\":");
        json_id(b, h->via);
    }
    if (flags & CG_API_HIT_PATH) json_u64_field(b, "position", (uint64_t)CG_MAX(h->depth, 0));
    if (flags & (CG_API_HIT_TRAVERSAL | CG_API_HIT_REFERENCE | CG_API_HIT_PATH))
        json_edge_fields(b, h);
    if (flags & CG_API_HIT_REFERENCE) {
        json_u64_field(b, "site_line", h->line);
        json_u64_field(b, "site_column", h->col);
        json_u64_field(b, "count", h->count);
    }
    cg_buf_putc(b, '}');
}

void cg_api_json_list(cg_buf *b, const cg_graph_result *r, const cg_graph_page *page,
                      const char *project_name, unsigned flags)
{
    cg_buf_puts(b, "\"items\":[");
    for (int i = 0; i < r->n; i++) {
        if (i) cg_buf_putc(b, ',');
        cg_api_json_hit(b, &r->hits[i], project_name, flags);
    }
    cg_buf_puts(b, "],\"total\":");
    cg_buf_put_u64(b, r->total);
    json_u64_field(b, "limit", page->limit);
    json_u64_field(b, "offset", page->offset);
    cg_buf_puts(b, ",\"next_offset\":");
    if (r->next_offset)
        cg_buf_put_u64(b, r->next_offset);
    else
        cg_buf_puts(b, "null");
    cg_buf_puts(b, r->truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    cg_buf_puts(b, r->bounded ? ",\"bounded\":true" : ",\"bounded\":false");
    json_u64_field(b, "generation", r->generation);
}

void cg_api_error(cg_req *rq, int err, const char *msg)
{
    int status = 500;
    const char *hdr = NULL;
    if (err == -EEXIST) err = CG_ECONFLICT;
    switch (err) {
    case CG_EINVAL:
    case CG_ELIMIT: status = 400; break;
    case CG_EFORBIDDEN: status = 403; break;
    case CG_ENOTFOUND: status = 404; break;
    case CG_ECONFLICT: status = 409; break;
    case CG_EOVERLOAD:
    case CG_ENOMEM:
    case CG_ETIMEOUT:
        status = 503;
        hdr = "Retry-After: 5\r\n";
        break;
    default: break;
    }
    cg_req_error(rq, status, err, msg ? msg : cg_err_str(err), hdr);
}
