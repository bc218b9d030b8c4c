/*
 * tools_graph.c — the MCP tools over the code graph that map onto one graph query:
 * get_file_outline, find_references, trace_path, find_path, search_symbols.
 *
 * Each reads the project's published snapshot (cg_graph_view_open) and reports the
 * generation it answered from; cursors from another generation are refused.
 */
#include <stdio.h>
#include <string.h>

#include "mcp_int.h"
#include "schemas.h"

/* ,"entity":{…} */
static void entity_member(cg_buf *b, const char *key, const cg_graph_result *r, const char *project)
{
    cg_buf_putc(b, ',');
    cg_mcp_key(b, key);
    cg_mcp_entity_write(b, &r->hits[0], project, 0);
}

/* "relative/path" from the "path" argument: no absolute path, no "..". */
static int rel_path_arg(cg_mcp_call *c, const char **out)
{
    const char *p = cg_mcp_arg_str(c, "path");
    while (p && p[0] == '.' && p[1] == '/') p += 2;
    if (!p || !*p || p[0] == '/' || strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
        strstr(p, "/../") || (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0))
        return cg_mcp_fail(c, "\"path\" must be a file path relative to the project root, "
                              "without \"..\" (as the \"path\" fields of answers give it).");
    *out = p;
    return 0;
}

static int outline_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_mcp_page p;
    const char *path;
    cg_graph_result r;
    cg_graph_result_init(&r);
    int rc = cg_mcp_arg_project(c, &pr);
    if (!rc) rc = rel_path_arg(c, &path);
    if (!rc) rc = cg_mcp_arg_page(c, 50, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = cg_mcp_view_open(c, pr.id, &v);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    if (!rc && (rc = cg_graph_outline(v, path, &p.page, &r)) != 0)
        cg_mcp_fail(c, rc == CG_ENOTFOUND ? "No file with that path in the project's index "
                                            "(paths are relative to the root, as list answers "
                                            "give them); search_symbols finds files' entities."
                                          : "Reading the outline failed; retry.");
    if (!rc) {
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        cg_mcp_str_field(c->sc, "path", path);
        cg_buf_putc(c->sc, ',');
        cg_mcp_list_write(c, &r, &p, pr.name, 0);
    }
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    return rc;
}

const cg_mcp_tool cg_mcp_tool_outline = {
    "get_file_outline",
    "File outline",
    "The definitions of one file in source order (classes, functions, methods, ...), with "
    "lines, signatures and docs. Use it to see what a file contains before reading code.",
    IN_OBJECT(IN_PROJECT ",\"path\":{\"type\":\"string\",\"description\":\"File path relative "
                         "to the project root\"}," IN_PAGE(50),
              "\"path\""),
    OUT_OBJECT("\"project\":" T_STR ",\"path\":" T_STR "," OUT_ITEMS "," OUT_PAGING,
               "\"project\",\"path\"," OUT_PAGING_REQ),
    1,
    outline_run};

static int references_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_mcp_page p;
    cg_graph_result ent, r;
    cg_graph_result_init(&ent);
    cg_graph_result_init(&r);
    int rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = cg_mcp_arg_entity(c, &pr, &v, &ent);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    if (!rc && (rc = cg_graph_references(v, ent.hits[0].entity.id, &p.page, &r)) != 0)
        cg_mcp_fail(c, "Reading the references failed (%s); retry.", cg_err_str(rc));
    if (!rc) {
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        entity_member(c->sc, "entity", &ent, pr.name);
        cg_buf_putc(c->sc, ',');
        cg_mcp_list_write(c, &r, &p, pr.name, CG_MCP_ENT_REFERENCE);
    }
    cg_graph_result_release(&r);
    cg_graph_result_release(&ent);
    cg_graph_view_close(v);
    return rc;
}

#define OUT_REF_ITEMS                                                                              \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"edge\":" T_STR_NULL ",\"site_line\":" T_INT           \
    ",\"count\":" T_INT "}}]}}"

const cg_mcp_tool cg_mcp_tool_references = {
    "find_references",
    "Find references",
    "Every place that refers to an entity (calls, imports, inheritance, other references), as "
    "the referring entities with the site line and how the reference was resolved (exact, "
    "import, name).",
    IN_OBJECT(IN_PROJECT "," IN_ENTITY "," IN_PAGE(20), ""),
    OUT_OBJECT("\"project\":" T_STR ",\"entity\":" OUT_ENTITY "," OUT_REF_ITEMS "," OUT_PAGING,
               "\"entity\"," OUT_PAGING_REQ),
    1,
    references_run};

/* The "edges" argument as a CG_EDGE_BIT mask (0 = the default). */
static uint32_t edges_arg(const cg_mcp_call *c)
{
    json_t *a = json_object_get(c->args, "edges"), *e;
    size_t i;
    uint32_t mask = 0;
    json_array_foreach(a, i, e)
    {
        for (int k = 0; k < CG_EDGE_COUNT; k++)
            if (strcmp(cg_graph_edge_name(k), json_string_value(e)) == 0) mask |= CG_EDGE_BIT(k);
    }
    return mask;
}

static int trace_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_mcp_page p;
    cg_graph_result ent, r;
    cg_graph_result_init(&ent);
    cg_graph_result_init(&r);
    const char *dir = cg_mcp_arg_str(c, "direction");
    int callers = !dir || strcmp(dir, "callers") == 0;
    int rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = cg_mcp_arg_entity(c, &pr, &v, &ent);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    cg_graph_traverse t = {.depth = (int)cg_mcp_arg_int(c, "depth", 2), .edges = edges_arg(c)};
    t.page = p.page;
    if (!rc) {
        t.id = ent.hits[0].entity.id;
        rc = callers ? cg_graph_callers(v, &t, &r) : cg_graph_callees(v, &t, &r);
        if (rc) cg_mcp_fail(c, "The traversal failed (%s); retry.", cg_err_str(rc));
    }
    if (!rc) {
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        entity_member(c->sc, "entity", &ent, pr.name);
        cg_mcp_str_field(c->sc, "direction", callers ? "callers" : "callees");
        cg_mcp_u64_field(c->sc, "depth", (uint64_t)t.depth);
        cg_buf_putc(c->sc, ',');
        cg_mcp_list_write(c, &r, &p, pr.name, CG_MCP_ENT_TRAVERSAL);
    }
    cg_graph_result_release(&r);
    cg_graph_result_release(&ent);
    cg_graph_view_close(v);
    return rc;
}

#define OUT_TRACE_ITEMS                                                                            \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"depth\":" T_INT ",\"via\":" T_INT_NULL                \
    ",\"edge\":" T_STR_NULL "},\"required\":[\"depth\",\"via\"]}]}}"

const cg_mcp_tool cg_mcp_tool_trace = {
    "trace_path",
    "Trace callers or callees",
    "Walk the call graph from an entity: who calls it (direction callers) or what it calls "
    "(callees), breadth-first up to depth levels. Each item says its depth and the entity it "
    "was reached from (via), so call chains can be rebuilt.",
    IN_OBJECT(IN_PROJECT "," IN_ENTITY ",\"direction\":{\"type\":\"string\",\"enum\":["
                         "\"callers\",\"callees\"],\"default\":\"callers\"},\"depth\":{\"type\":"
                         "\"integer\",\"minimum\":1,\"maximum\":10,\"default\":2}," IN_EDGES
                         "," IN_PAGE(20),
              ""),
    OUT_OBJECT("\"project\":" T_STR ",\"entity\":" OUT_ENTITY ",\"direction\":" T_STR
               ",\"depth\":" T_INT "," OUT_TRACE_ITEMS "," OUT_PAGING,
               "\"entity\",\"direction\",\"depth\"," OUT_PAGING_REQ),
    1,
    trace_run};

/* Resolve the endpoint "from"/"to" (an id, or a symbol via "<key>_symbol") by running the
 * shared entity argument reader on a small argument object. */
static int endpoint(cg_mcp_call *c, const char *key, cg_graph_project *pr, cg_graph_view **v,
                    cg_graph_result *hit)
{
    char sk[16];
    snprintf(sk, sizeof sk, "%s_symbol", key);
    json_t *sub = json_object(), *saved = c->args;
    json_t *id = json_object_get(saved, key), *sym = json_object_get(saved, sk);
    json_t *proj = json_object_get(saved, "project");
    if (id) json_object_set(sub, "entity_id", id);
    if (sym) json_object_set(sub, "symbol", sym);
    if (proj) json_object_set(sub, "project", proj);
    c->args = sub;
    int rc = id || sym ? cg_mcp_arg_entity(c, pr, v, hit)
                       : cg_mcp_fail(c, "Pass \"%s\" (an entity id) or \"%s\" (a name).", key, sk);
    c->args = saved;
    json_decref(sub);
    return rc;
}

static void path_items(cg_mcp_call *c, const cg_graph_result *r, int found, const char *pname)
{
    cg_buf *b = c->sc;
    cg_buf_puts(b, ",\"items\":[");
    for (int i = 0; found && i < r->n; i++) {
        size_t mark = b->len;
        if (i) cg_buf_putc(b, ',');
        cg_mcp_entity_write(b, &r->hits[i], pname, CG_MCP_ENT_POSITION);
        if (!cg_mcp_item_fits(c, b->len - mark)) { /* a path has at most 11 nodes */
            b->len = mark;
            break;
        }
    }
    cg_buf_putc(b, ']');
}

static int find_path_run(cg_mcp_call *c)
{
    cg_graph_project pa, pb;
    cg_graph_view *va = NULL, *vb = NULL;
    cg_graph_result a, z, r;
    cg_graph_result_init(&a);
    cg_graph_result_init(&z);
    cg_graph_result_init(&r);
    int max_depth = (int)cg_mcp_arg_int(c, "max_depth", CG_GRAPH_DEPTH_MAX), found = 0;
    int rc = endpoint(c, "from", &pa, &va, &a);
    if (!rc) rc = endpoint(c, "to", &pb, &vb, &z);
    if (!rc && pa.id == pb.id) {
        rc = cg_graph_path(va, a.hits[0].entity.id, z.hits[0].entity.id, max_depth, edges_arg(c),
                           &r);
        found = rc == 0;
        if (rc == CG_ENOTFOUND) rc = 0;
        if (rc) cg_mcp_fail(c, "The path search failed (%s); retry.", cg_err_str(rc));
    }
    if (!rc) {
        cg_buf_puts(c->sc, "\"found\":");
        cg_buf_puts(c->sc, found ? "true" : "false");
        entity_member(c->sc, "from", &a, pa.name);
        entity_member(c->sc, "to", &z, pb.name);
        cg_buf_puts(c->sc, ",\"length\":");
        if (found && r.n > 0)
            cg_buf_put_u64(c->sc, (uint64_t)r.n - 1);
        else
            cg_buf_puts(c->sc, "null");
        cg_mcp_u64_field(c->sc, "max_depth", (uint64_t)max_depth);
        path_items(c, &r, found, pa.name);
        cg_mcp_bool_field(c->sc, "bounded", r.bounded);
        cg_mcp_u64_field(c->sc, "generation", cg_graph_view_generation(va));
    }
    cg_graph_result_release(&r);
    cg_graph_result_release(&z);
    cg_graph_result_release(&a);
    cg_graph_view_close(vb);
    cg_graph_view_close(va);
    return rc;
}

#define OUT_PATH_ITEMS                                                                             \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"position\":" T_INT ",\"edge\":" T_STR_NULL            \
    "},\"required\":[\"position\"]}]}}"

const cg_mcp_tool cg_mcp_tool_find_path = {
    "find_path",
    "Find a call path",
    "A shortest path of calls (or the given edge kinds) from one entity to another, as the "
    "chain of entities in order. found is false when there is none within max_depth.",
    IN_OBJECT(IN_PROJECT ",\"from\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"Start "
                         "entity id\"},\"from_symbol\":{\"type\":\"string\",\"description\":"
                         "\"Instead of from: the start's name\"},\"to\":{\"type\":\"integer\","
                         "\"minimum\":1,\"description\":\"Target entity id\"},\"to_symbol\":{"
                         "\"type\":\"string\",\"description\":\"Instead of to: the target's "
                         "name\"},\"max_depth\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":"
                         "10,\"default\":10}," IN_EDGES,
              ""),
    OUT_OBJECT("\"found\":" T_BOOL ",\"from\":" OUT_ENTITY ",\"to\":" OUT_ENTITY
               ",\"length\":" T_INT_NULL ",\"max_depth\":" T_INT "," OUT_PATH_ITEMS
               ",\"bounded\":" T_BOOL ",\"generation\":" T_INT,
               "\"found\",\"from\",\"to\",\"items\""),
    1,
    find_path_run};

/* The "kinds" argument as a CG_GRAPH_KIND_BIT mask. */
static int kinds_arg(cg_mcp_call *c, uint32_t *mask)
{
    json_t *a = json_object_get(c->args, "kinds"), *e;
    size_t i;
    *mask = 0;
    json_array_foreach(a, i, e)
    {
        int k = cg_graph_kind_parse(json_string_value(e));
        if (k < 0)
            return cg_mcp_fail(c, "\"kinds\" has an unknown kind; known: function, method, "
                                  "class, struct, interface, trait, enum, module, constant, "
                                  "type_alias, file.");
        *mask |= CG_GRAPH_KIND_BIT(k);
    }
    return 0;
}

static int symbols_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_mcp_page p;
    cg_graph_result r;
    cg_graph_result_init(&r);
    const char *m = cg_mcp_arg_str(c, "match");
    cg_graph_symbol_query q = {.q = cg_mcp_arg_str(c, "query"),
                               .language = cg_mcp_arg_str(c, "language")};
    q.match = !m || strcmp(m, "fuzzy") == 0 ? CG_MATCH_FUZZY
              : strcmp(m, "prefix") == 0    ? CG_MATCH_PREFIX
                                            : CG_MATCH_EXACT;
    int rc = kinds_arg(c, &q.kinds);
    if (!rc) rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = cg_mcp_arg_project(c, &pr);
    if (!rc) rc = cg_mcp_view_open(c, pr.id, &v);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    q.page = p.page;
    if (!rc && (rc = cg_graph_symbols(v, &q, &r)) != 0)
        cg_mcp_fail(c, rc == CG_EINVAL ? "\"query\" must be a name (letters, digits, _)."
                                       : "The symbol search failed; retry.");
    if (!rc) {
        cg_buf_puts(c->sc, "\"project\":");
        cg_buf_put_json_str(c->sc, pr.name, strlen(pr.name));
        cg_mcp_str_field(c->sc, "match", m ? m : "fuzzy");
        cg_buf_putc(c->sc, ',');
        cg_mcp_list_write(c, &r, &p, pr.name, CG_MCP_ENT_SCORE);
    }
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    return rc;
}

#define OUT_SCORED_ITEMS                                                                           \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"score\":" T_NUM "},\"required\":[\"score\"]}]}}"

const cg_mcp_tool cg_mcp_tool_symbols = {
    "search_symbols",
    "Search symbols",
    "Find definitions by name: exact, prefix, or fuzzy (substring, subsequence, one typo; the "
    "default), optionally only some kinds or one language. Ranked by name similarity.",
    IN_OBJECT(IN_PROJECT ",\"query\":{\"type\":\"string\",\"minLength\":1,\"description\":\"A "
                         "name or part of one\"},\"match\":{\"type\":\"string\",\"enum\":["
                         "\"exact\",\"prefix\",\"fuzzy\"],\"default\":\"fuzzy\"},\"kinds\":{"
                         "\"type\":\"array\",\"maxItems\":16,\"items\":{\"type\":\"string\"}},"
                         "\"language\":{\"type\":\"string\"}," IN_PAGE(20),
              "\"query\""),
    OUT_OBJECT("\"project\":" T_STR ",\"match\":" T_STR "," OUT_SCORED_ITEMS "," OUT_PAGING,
               "\"project\"," OUT_PAGING_REQ),
    1,
    symbols_run};
