/*
 * out.c — JSON writers of the MCP tools: entities (the CONTRACT.md fields, with long doc
 * and signature strings clipped in lists), fields, and the paged list shape every list
 * answer shares (items, total, limit, truncated, bounded, cursor, generation).
 *
 * Text from indexed code (names, signatures, docs, source) is only ever written through
 * cg_buf_put_json_str into data fields, never into a sentence addressed to the model.
 */
#include <string.h>
#include <time.h>

#include "mcp_int.h"

#define TIME_TEXT_MAX 32 /* "2025-01-31T12:00:00Z" and a margin */
#define CURSOR_TEXT_MAX 48

void cg_mcp_key(cg_buf *b, const char *key)
{
    cg_buf_putc(b, '"');
    cg_buf_puts(b, key);
    cg_buf_puts(b, "\":");
}

void cg_mcp_str_field(cg_buf *b, const char *key, const char *v)
{
    cg_buf_putc(b, ',');
    cg_mcp_key(b, key);
    if (v)
        cg_buf_put_json_str(b, v, strlen(v));
    else
        cg_buf_puts(b, "null");
}

void cg_mcp_u64_field(cg_buf *b, const char *key, uint64_t v)
{
    cg_buf_putc(b, ',');
    cg_mcp_key(b, key);
    cg_buf_put_u64(b, v);
}

void cg_mcp_bool_field(cg_buf *b, const char *key, int v)
{
    cg_buf_putc(b, ',');
    cg_mcp_key(b, key);
    cg_buf_puts(b, v ? "true" : "false");
}

void cg_mcp_time(cg_buf *b, int64_t s)
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

/* A string clipped to `max` bytes on a UTF-8 boundary (null when empty). */
static void clipped_field(cg_buf *b, const char *key, const char *s, size_t max)
{
    cg_buf_putc(b, ',');
    cg_mcp_key(b, key);
    if (!s || !*s) {
        cg_buf_puts(b, "null");
        return;
    }
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    cg_buf_put_json_str(b, s, n);
}

static void id_or_null(cg_buf *b, uint64_t id)
{
    if (id)
        cg_buf_put_u64(b, id);
    else
        cg_buf_puts(b, "null");
}

static void edge_fields(cg_buf *b, const cg_graph_hit *h)
{
    cg_mcp_str_field(b, "edge", h->edge_kind >= 0 ? cg_graph_edge_name(h->edge_kind) : NULL);
    cg_mcp_str_field(b, "resolution",
                     h->resolution >= 0 ? cg_graph_resolution_name(h->resolution) : NULL);
}

void cg_mcp_entity_write(cg_buf *b, const cg_graph_hit *h, const char *project, unsigned flags)
{
    const cg_graph_entity *e = &h->entity;
    const char *kind = cg_graph_kind_name(e->kind);
    size_t doc_max = flags & CG_MCP_ENT_FULL ? CG_GRAPH_STRING_MAX : CG_MCP_CLIP_DOC;
    size_t sig_max = flags & CG_MCP_ENT_FULL ? CG_GRAPH_STRING_MAX : CG_MCP_CLIP_SIGNATURE;
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, e->id);
    cg_mcp_str_field(b, "name", e->name ? e->name : "");
    cg_mcp_str_field(b, "qualified_name", e->qualified_name ? e->qualified_name : "");
    cg_mcp_str_field(b, "kind", kind ? kind : "unknown");
    cg_mcp_str_field(b, "language", e->language && *e->language ? e->language : NULL);
    cg_mcp_str_field(b, "project", project);
    cg_mcp_str_field(b, "path", e->path ? e->path : "");
    cg_mcp_u64_field(b, "line", e->span.start_line);
    cg_mcp_u64_field(b, "end_line", e->span.end_line);
    clipped_field(b, "signature", e->signature, sig_max);
    clipped_field(b, "doc", e->doc, doc_max);
    cg_buf_puts(b, ",\"parent\":");
    id_or_null(b, e->parent);
    if (flags & CG_MCP_ENT_SCORE) {
        cg_buf_puts(b, ",\"score\":");
        cg_buf_put_double(b, h->score);
    }
    if (flags & CG_MCP_ENT_TRAVERSAL) {
        cg_mcp_u64_field(b, "depth", (uint64_t)CG_MAX(h->depth, 0));
        cg_buf_puts(b, ",\"via\":");
        id_or_null(b, h->via);
    }
    if (flags & CG_MCP_ENT_POSITION) cg_mcp_u64_field(b, "position", (uint64_t)CG_MAX(h->depth, 0));
    if (flags & (CG_MCP_ENT_TRAVERSAL | CG_MCP_ENT_REFERENCE | CG_MCP_ENT_POSITION))
        edge_fields(b, h);
    if (flags & CG_MCP_ENT_REFERENCE) {
        cg_mcp_u64_field(b, "site_line", h->line);
        cg_mcp_u64_field(b, "site_column", h->col);
        cg_mcp_u64_field(b, "count", h->count);
    }
    cg_buf_putc(b, '}');
}

void cg_mcp_paging_write(cg_mcp_call *c, uint64_t total, uint32_t limit, uint64_t next_offset,
                         int truncated, int bounded, uint64_t generation)
{
    cg_buf *b = c->sc;
    char cur[CURSOR_TEXT_MAX];
    cg_mcp_u64_field(b, "total", total);
    cg_mcp_u64_field(b, "limit", limit);
    cg_mcp_bool_field(b, "truncated", truncated);
    cg_mcp_bool_field(b, "bounded", bounded);
    cg_buf_puts(b, ",\"cursor\":");
    if (truncated && next_offset) {
        /* "<generation>.<offset>": opaque to clients, checked by cg_mcp_arg_page */
        snprintf(cur, sizeof cur, "%llu.%llu", (unsigned long long)generation,
                 (unsigned long long)next_offset);
        cg_buf_put_json_str(b, cur, strlen(cur));
    } else {
        cg_buf_puts(b, "null");
    }
    cg_mcp_u64_field(b, "generation", generation);
}

void cg_mcp_list_write(cg_mcp_call *c, const cg_graph_result *r, const cg_mcp_page *p,
                       const char *project, unsigned flags)
{
    cg_buf *b = c->sc;
    int n = 0;
    cg_buf_puts(b, "\"items\":[");
    for (; n < r->n; n++) {
        size_t mark = b->len;
        if (n) cg_buf_putc(b, ',');
        cg_mcp_entity_write(b, &r->hits[n], project, flags);
        if (!cg_mcp_item_fits(c, b->len - mark)) {
            b->len = mark;
            b->data[mark] = '\0';
            break;
        }
    }
    cg_buf_putc(b, ']');
    int cut = n < r->n;
    uint64_t next = cut ? p->page.offset + (uint64_t)n : r->next_offset;
    cg_mcp_paging_write(c, r->total, p->page.limit, next, r->truncated || cut, r->bounded,
                        r->generation);
}
