/*
 * tools_code.c — the MCP tools that read source and resolve names: get_code_snippet and
 * go_to_definition.
 *
 * Source is read from the project's directory at call time, never from outside it: the
 * root is checked again against [parsing] allowed_roots, the file is opened with
 * cg_walk_open_beneath (no "..", no symlink out of the root), and at most max_file_size
 * bytes are read. When the file's content hash differs from the indexed one, the answer
 * says stale: true (lines may have moved since indexing). The code is returned in the
 * "code" data field only, cut at a line boundary to fit the answer's byte budget.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegraph/walk.h"
#include "mcp_int.h"
#include "schemas.h"

#define SNIPPET_LINES_DEFAULT 200 /* lines of one snippet when max_lines is not given */
#define SNIPPET_CONTEXT_DEFAULT 3 /* lines around an entity when context_lines is absent */
#define SNIPPET_RESERVE 4096      /* budget kept for the members around "code" */
#define READ_CHUNK 65536
#define DEF_IMPORTS_MAX 256 /* imports of the use-site file go_to_definition looks at */

/* Read the file `rel` of project pr into out (bounded by max_file_size). */
static int source_read(cg_mcp_call *c, const cg_graph_project *pr, const char *rel, cg_buf *out)
{
    const cg_config_parsing *p = &c->h->cfg->parsing;
    char real[PATH_MAX];
    struct stat st;
    if (cg_walk_root_check(p, pr->root, real, sizeof real, NULL, 0) != 0)
        return cg_mcp_fail(c, "The project's directory is missing or no longer under [parsing] "
                              "allowed_roots; re-index it with index_repository.");
    int dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = dfd < 0 ? dfd : cg_walk_open_beneath(dfd, rel, O_RDONLY);
    if (dfd >= 0) close(dfd);
    if (fd < 0)
        return cg_mcp_fail(c, "The file cannot be opened inside the project's directory (it was "
                              "deleted or moved since indexing); re-index to refresh.");
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : CG_EINVAL;
    if (!rc && (uint64_t)st.st_size > p->max_file_size_bytes) rc = CG_ELIMIT;
    while (!rc && out->len < (size_t)st.st_size) {
        if (cg_buf_reserve(out, READ_CHUNK) != 0) {
            rc = CG_ENOMEM;
            break;
        }
        ssize_t n = read(fd, out->data + out->len, CG_MIN(READ_CHUNK, out->cap - out->len - 1));
        if (n <= 0) break;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
    close(fd);
    if (rc) return cg_mcp_fail(c, "The file is not a regular file within [parsing] max_file_size.");
    return 0;
}

/* 1 when the bytes differ from what was indexed (or the file is not in the index). */
static int source_stale(cg_mcp_call *c, uint32_t project, const char *rel, const cg_buf *src)
{
    cg_graph_file_info fi;
    if (cg_graph_file_get(c->h->graph, project, rel, &fi) != 0) return 1;
    const char *d = src->data ? src->data : "";
    if (fi.hash == cg_graph_hash(d, src->len)) return 0;
    return !(src->len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 &&
             fi.hash == cg_graph_hash(d + 3, src->len - 3));
}

/* Byte offset of the start of 1-based line `line` (src->len when past the end). */
static size_t line_offset(const cg_buf *src, uint32_t line)
{
    size_t o = 0;
    for (uint32_t l = 1; l < line && o < src->len; l++) {
        const char *nl = memchr(src->data + o, '\n', src->len - o);
        o = nl ? (size_t)(nl - src->data) + 1 : src->len;
    }
    return o;
}

/* Write "code" for lines [first, last] within the budget; *shown gets the last line
 * written. Lines are cut whole. */
static void code_write(cg_mcp_call *c, const cg_buf *src, uint32_t first, uint32_t last,
                       uint32_t *shown)
{
    size_t left = cg_mcp_budget_left(c), spent = 0;
    left = left > SNIPPET_RESERVE ? left - SNIPPET_RESERVE : 0;
    size_t o = line_offset(src, first), end = o;
    cg_buf tmp;
    cg_buf_init(&tmp);
    *shown = first - 1;
    for (uint32_t l = first; l <= last && end < src->len; l++) {
        const char *nl = memchr(src->data + end, '\n', src->len - end);
        size_t next = nl ? (size_t)(nl - src->data) + 1 : src->len;
        cg_buf_reset(&tmp);
        cg_buf_put_json_str(&tmp, src->data + end, next - end);
        size_t cost = cg_mcp_cost(tmp.data, tmp.len);
        if (spent + cost > left) break;
        spent += cost;
        end = next;
        *shown = l;
    }
    cg_buf_release(&tmp);
    cg_buf_puts(c->sc, ",\"code\":");
    cg_buf_put_json_str(c->sc, src->data ? src->data + o : "", end - o);
}

/* The line range of the call: around the entity, or path + line [+ end_line]. */
static int snippet_target(cg_mcp_call *c, cg_graph_project *pr, cg_graph_view **v,
                          cg_graph_result *ent, const char **path, uint32_t *first, uint32_t *last)
{
    int64_t ctx = cg_mcp_arg_int(c, "context_lines", SNIPPET_CONTEXT_DEFAULT);
    if (json_object_get(c->args, "entity_id") || json_object_get(c->args, "symbol")) {
        int rc = cg_mcp_arg_entity(c, pr, v, ent);
        if (rc) return rc;
        const cg_graph_entity *e = &ent->hits[0].entity;
        *path = e->path;
        *first = e->span.start_line > ctx ? e->span.start_line - (uint32_t)ctx : 1;
        *last = e->span.end_line + (uint32_t)ctx;
        return 0;
    }
    int64_t line = cg_mcp_arg_int(c, "line", 0);
    *path = cg_mcp_arg_str(c, "path");
    if (!*path || line < 1)
        return cg_mcp_fail(c, "Pass \"entity_id\" or \"symbol\", or \"path\" with \"line\" (and "
                              "optionally \"end_line\").");
    int rc = cg_mcp_arg_project(c, pr);
    cg_graph_file_info fi;
    /* only indexed files: never ignored ones (.env, build output) that live in the root */
    if (!rc && cg_graph_file_get(c->h->graph, pr->id, *path, &fi) != 0)
        rc = cg_mcp_fail(c, "No indexed file with that path (paths are relative to the project "
                            "root, as answers give them; ignored files are not served).");
    if (!rc) rc = cg_mcp_view_open(c, pr->id, v);
    *first = (uint32_t)line;
    *last = (uint32_t)CG_MAX(cg_mcp_arg_int(c, "end_line", line), line);
    return rc;
}

static int snippet_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_graph_result ent;
    cg_buf src;
    const char *path = NULL;
    uint32_t first = 1, last = 1, shown = 0;
    cg_graph_result_init(&ent);
    cg_buf_init(&src);
    int64_t max_lines = cg_mcp_arg_int(c, "max_lines", SNIPPET_LINES_DEFAULT);
    int rc = snippet_target(c, &pr, &v, &ent, &path, &first, &last);
    if (!rc) rc = source_read(c, &pr, path, &src);
    if (!rc) {
        uint32_t want = last;
        last = (uint32_t)CG_MIN((int64_t)last, (int64_t)first + max_lines - 1);
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        cg_mcp_str_field(c->sc, "path", path);
        cg_mcp_u64_field(c->sc, "start_line", first);
        code_write(c, &src, first, last, &shown);
        cg_mcp_u64_field(c->sc, "end_line", shown);
        int eof = line_offset(&src, shown + 1) >= src.len;
        int more = shown < want && !eof;
        cg_mcp_bool_field(c->sc, "truncated", more);
        cg_buf_puts(c->sc, ",\"next_line\":");
        if (more)
            cg_buf_put_u64(c->sc, shown + 1);
        else
            cg_buf_puts(c->sc, "null");
        cg_mcp_bool_field(c->sc, "stale", source_stale(c, pr.id, path, &src));
        cg_buf_puts(c->sc, ",\"entity\":");
        if (ent.n > 0)
            cg_mcp_entity_write(c->sc, &ent.hits[0], pr.name, 0);
        else
            cg_buf_puts(c->sc, "null");
        cg_mcp_u64_field(c->sc, "generation", cg_graph_view_generation(v));
    }
    cg_buf_release(&src);
    cg_graph_result_release(&ent);
    cg_graph_view_close(v);
    return rc;
}

const cg_mcp_tool cg_mcp_tool_snippet = {
    "get_code_snippet",
    "Get code",
    "The source of an entity (by entity_id or symbol) with context lines around it, or of a "
    "line range of a file (path + line + end_line). Long code is cut at a line boundary: "
    "truncated and next_line say where to continue. stale: the file changed since indexing.",
    IN_OBJECT(IN_PROJECT "," IN_ENTITY ",\"line\":{\"type\":\"integer\",\"minimum\":1,"
                         "\"description\":\"With path: first line (1-based)\"},\"end_line\":{"
                         "\"type\":\"integer\",\"minimum\":1},\"context_lines\":{\"type\":"
                         "\"integer\",\"minimum\":0,\"maximum\":50,\"default\":3},\"max_lines\":"
                         "{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":200}",
              ""),
    OUT_OBJECT("\"project\":" T_STR ",\"path\":" T_STR ",\"start_line\":" T_INT
               ",\"end_line\":" T_INT ",\"code\":" T_STR ",\"truncated\":" T_BOOL
               ",\"next_line\":" T_INT_NULL ",\"stale\":" T_BOOL
               ",\"entity\":{\"anyOf\":[" OUT_ENTITY ",{\"type\":\"null\"}]},\"generation\":" T_INT,
               "\"project\",\"path\",\"start_line\",\"end_line\",\"code\",\"truncated\","
               "\"stale\""),
    1,
    snippet_run};

/* What the file `from` imports (its file node's imports edges): target ids and their file
 * uids, into imp (up to cap). Returns how many. */
static int imports_of(cg_mcp_call *c, cg_graph_view *v, const char *from, uint64_t *imp, int cap)
{
    cg_graph_file_info fi;
    cg_graph_result r;
    int n = 0;
    if (!from || cg_graph_file_get(c->h->graph, cg_graph_view_project(v), from, &fi) != 0) return 0;
    cg_graph_traverse t = {
        .id = CG_GRAPH_FILE_NODE(fi.uid), .depth = 1, .edges = CG_EDGE_BIT(CG_EDGE_IMPORTS)};
    t.page.limit = (uint32_t)cap;
    cg_graph_result_init(&r);
    if (cg_graph_callees(v, &t, &r) == 0)
        for (int i = 0; i < r.n && n < cap; i++) imp[n++] = r.hits[i].entity.id;
    cg_graph_result_release(&r);
    return n;
}

/* Rank of a definition for a use in `from`: 0 in that file, 1 imported by it (the entity
 * or its module), 2 elsewhere. */
static int definition_rank(const cg_graph_entity *e, const char *from, const uint64_t *imp,
                           int n_imp)
{
    if (from && e->path && strcmp(e->path, from) == 0) return 0;
    for (int i = 0; i < n_imp; i++)
        if (imp[i] == e->id || CG_GRAPH_ID_FILE(imp[i]) == CG_GRAPH_ID_FILE(e->id)) return 1;
    return 2;
}

/* Indexes of the definitions matching the call's symbol/kind into idx, ranked for from_path
 * (stable within a rank: the graph's order); returns how many. */
static int definitions_filter(cg_mcp_call *c, cg_graph_view *v, const cg_graph_result *r, int kind,
                              int *idx)
{
    uint64_t imp[DEF_IMPORTS_MAX];
    const char *sym = cg_mcp_arg_str(c, "symbol"), *from = cg_mcp_arg_str(c, "from_path");
    int n = 0, n_imp = imports_of(c, v, from, imp, DEF_IMPORTS_MAX);
    for (int rank = 0; rank < 3; rank++) {
        for (int i = 0; i < r->n; i++) {
            const cg_graph_entity *e = &r->hits[i].entity;
            if (definition_rank(e, from, imp, n_imp) == rank &&
                cg_mcp_symbol_matches(e, sym, kind, NULL))
                idx[n++] = i;
        }
    }
    return n;
}

static void definitions_write(cg_mcp_call *c, const cg_graph_result *r, const int *idx, int n,
                              const cg_mcp_page *p, const char *pname)
{
    cg_buf *b = c->sc;
    uint64_t i = p->page.offset, end = CG_MIN((uint64_t)n, p->page.offset + p->page.limit);
    cg_buf_puts(b, ",\"items\":[");
    for (; i < end; i++) {
        size_t mark = b->len;
        if (i > p->page.offset) cg_buf_putc(b, ',');
        cg_mcp_entity_write(b, &r->hits[idx[i]], pname, 0);
        if (!cg_mcp_item_fits(c, b->len - mark)) {
            b->len = mark;
            break;
        }
    }
    cg_buf_putc(b, ']');
    cg_mcp_paging_write(c, (uint64_t)n, p->page.limit, i < (uint64_t)n ? i : 0, i < (uint64_t)n,
                        r->truncated, r->generation);
}

static int definition_run(cg_mcp_call *c)
{
    int idx[CG_GRAPH_LIMIT_MAX];
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_mcp_page p;
    cg_graph_result r;
    cg_graph_result_init(&r);
    const char *sym = cg_mcp_arg_str(c, "symbol"), *ks = cg_mcp_arg_str(c, "kind");
    int kind = ks ? cg_graph_kind_parse(ks) : -1;
    cg_graph_symbol_query q = {.q = cg_mcp_symbol_simple(sym), .match = CG_MATCH_EXACT};
    q.page.limit = CG_GRAPH_LIMIT_MAX;
    int rc = ks && kind < 0 ? cg_mcp_fail(c, "\"kind\" is not a known entity kind.") : 0;
    if (!rc) rc = cg_mcp_arg_page(c, 10, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = cg_mcp_arg_project(c, &pr);
    if (!rc) rc = cg_mcp_view_open(c, pr.id, &v);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    if (!rc && (!*q.q || (rc = cg_graph_symbols(v, &q, &r)) != 0))
        rc = cg_mcp_fail(c, "\"symbol\" must be a name such as parse or Parser.parse.");
    if (!rc) {
        int n = definitions_filter(c, v, &r, kind, idx);
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        cg_mcp_str_field(c->sc, "symbol", sym);
        definitions_write(c, &r, idx, n, &p, pr.name);
    }
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    return rc;
}

const cg_mcp_tool cg_mcp_tool_definition = {
    "go_to_definition",
    "Go to definition",
    "Where a name is defined: every definition whose name (or qualified-name suffix, e.g. "
    "Parser.parse) matches exactly; with from_path (the file where the name is used) its own "
    "definitions come first, then those in modules it imports. Follow with get_code_snippet "
    "on an item's id.",
    IN_OBJECT(IN_PROJECT ",\"symbol\":{\"type\":\"string\",\"minLength\":1,\"description\":\"The "
                         "name as written at the use site\"},\"kind\":{\"type\":\"string\"},"
                         "\"from_path\":{\"type\":\"string\",\"description\":\"File of the use "
                         "site: its own definitions are listed first\"}," IN_PAGE(10),
              "\"symbol\""),
    OUT_OBJECT("\"project\":" T_STR ",\"symbol\":" T_STR "," OUT_ITEMS "," OUT_PAGING,
               "\"project\",\"symbol\"," OUT_PAGING_REQ),
    1,
    definition_run};
