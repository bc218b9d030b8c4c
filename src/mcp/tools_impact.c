/*
 * tools_impact.c — impact_analysis: the transitive dependents of a symbol, or of every
 * definition in a set of changed files, up to a depth.
 *
 * DESIGN. Starts: the entity, or the entities of each changed file (its outline) plus the
 * file node (the target of imports), at most CG_MCP_IMPACT_STARTS_MAX. From each start a
 * bounded breadth-first walk over in-edges (cg_graph_callers with the chosen edge kinds:
 * calls, references, inherits, implements, imports by default) collects dependents into one
 * set keyed by id (open addressing), keeping the smallest depth and, at equal depth, the
 * smallest `via`. Starts themselves are not dependents. The set is bounded by
 * CG_MCP_IMPACT_NODES_MAX (then `bounded`), the walk by the request deadline. The answer is
 * sorted by (depth, id) — deterministic — and paged; affected files are counted from the
 * ids (the file uid is the id's high bits) without reading every entity.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"
#include "schemas.h"

#define IMPACT_SLOTS (1u << 16) /* hash slots (power of 2, > 2 × CG_MCP_IMPACT_NODES_MAX) */
#define IMPACT_FILES_SHOWN 20   /* affected file paths listed */
#define IMPACT_DEPTH_DEFAULT 3

_Static_assert(IMPACT_SLOTS > 2 * CG_MCP_IMPACT_NODES_MAX, "hash load stays below 1/2");
_Static_assert((IMPACT_SLOTS & (IMPACT_SLOTS - 1)) == 0, "slots are a power of two");

typedef struct imp_node {
    uint64_t id, via;
    int depth;
} imp_node;

typedef struct impact {
    imp_node *nodes;
    uint32_t n;
    uint32_t *slots; /* index + 1 into nodes; 0 = empty */
    uint64_t starts[CG_MCP_IMPACT_STARTS_MAX];
    int n_starts, bounded;
} impact;

static uint32_t slot_of(const impact *im, uint64_t id)
{
    uint32_t h = (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 40) & (IMPACT_SLOTS - 1);
    while (im->slots[h] && im->nodes[im->slots[h] - 1].id != id) h = (h + 1) & (IMPACT_SLOTS - 1);
    return h;
}

static int is_start(const impact *im, uint64_t id)
{
    for (int i = 0; i < im->n_starts; i++)
        if (im->starts[i] == id) return 1;
    return 0;
}

/* Add or improve one dependent; 0, or CG_ELIMIT when the set is full. */
static int node_add(impact *im, uint64_t id, uint64_t via, int depth)
{
    if (is_start(im, id)) return 0;
    uint32_t s = slot_of(im, id);
    if (im->slots[s]) {
        imp_node *x = &im->nodes[im->slots[s] - 1];
        if (depth < x->depth || (depth == x->depth && via < x->via)) {
            x->depth = depth;
            x->via = via;
        }
        return 0;
    }
    if (im->n >= CG_MCP_IMPACT_NODES_MAX) return CG_ELIMIT;
    im->nodes[im->n] = (imp_node){id, via, depth};
    im->slots[s] = ++im->n;
    return 0;
}

/* The walk from one start, page by page. */
static int walk_one(cg_mcp_call *c, cg_graph_view *v, impact *im, uint64_t start, int depth,
                    uint32_t edges)
{
    cg_graph_traverse t = {.id = start, .depth = depth, .max_nodes = CG_GRAPH_NODES_MAX};
    t.edges = edges;
    t.page.limit = CG_GRAPH_LIMIT_MAX;
    for (;;) {
        cg_graph_result r;
        cg_graph_result_init(&r);
        int rc = cg_graph_callers(v, &t, &r);
        for (int i = 0; rc == 0 && i < r.n; i++)
            if (node_add(im, r.hits[i].entity.id, r.hits[i].via ? r.hits[i].via : start,
                         r.hits[i].depth) != 0)
                rc = CG_ELIMIT;
        im->bounded |= r.bounded || rc == CG_ELIMIT;
        uint64_t next = r.next_offset;
        cg_graph_result_release(&r);
        if (rc == CG_ENOTFOUND) return 0; /* a start without a node (e.g. an empty file) */
        if (rc == CG_ELIMIT) return 0;
        if (rc) return cg_mcp_fail(c, "The dependency walk failed (%s); retry.", cg_err_str(rc));
        if (cg_mcp_deadline_check(c)) return CG_ETIMEOUT;
        if (!next) return 0;
        t.page.offset = next;
    }
}

static int start_add(impact *im, uint64_t id)
{
    if (is_start(im, id)) return 0;
    if (im->n_starts >= CG_MCP_IMPACT_STARTS_MAX) {
        im->bounded = 1;
        return CG_ELIMIT;
    }
    im->starts[im->n_starts++] = id;
    return 0;
}

/* Starts from the "paths" argument: each file's node and its entities. */
static int starts_from_paths(cg_mcp_call *c, cg_graph_view *v, uint32_t project, impact *im)
{
    json_t *a = json_object_get(c->args, "paths"), *e;
    size_t i;
    json_array_foreach(a, i, e)
    {
        const char *path = json_string_value(e);
        cg_graph_file_info fi;
        if (cg_graph_file_get(c->h->graph, project, path, &fi) != 0)
            return cg_mcp_fail(c,
                               "Changed file #%zu is not in the project's index (paths are "
                               "relative to the project root, as get_file_outline takes "
                               "them).",
                               i + 1);
        start_add(im, CG_GRAPH_FILE_NODE(fi.uid));
        cg_graph_page pg = {.limit = CG_GRAPH_LIMIT_MAX};
        cg_graph_result r;
        cg_graph_result_init(&r);
        if (cg_graph_outline(v, path, &pg, &r) == 0)
            for (int k = 0; k < r.n; k++) start_add(im, r.hits[k].entity.id);
        im->bounded |= r.truncated;
        cg_graph_result_release(&r);
    }
    return 0;
}

static int node_cmp(const void *a, const void *b)
{
    const imp_node *x = a, *y = b;
    if (x->depth != y->depth) return x->depth < y->depth ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ,"affected_files":[first paths in node order],"affected_files_total":N (nodes sorted). */
static void files_write(cg_mcp_call *c, cg_graph_view *v, const impact *im)
{
    uint64_t *uids = malloc((im->n + 1) * sizeof *uids), shown[IMPACT_FILES_SHOWN];
    uint64_t distinct = 0;
    int n_shown = 0;
    cg_buf_puts(c->sc, ",\"affected_files\":[");
    for (uint32_t i = 0; i < im->n && n_shown < IMPACT_FILES_SHOWN; i++) {
        uint64_t uid = CG_GRAPH_ID_FILE(im->nodes[i].id);
        int seen = 0;
        for (int j = 0; j < n_shown && !seen; j++) seen = shown[j] == uid;
        cg_graph_result r;
        cg_graph_result_init(&r);
        if (!seen && cg_graph_entity_get(v, im->nodes[i].id, &r) == 0) {
            if (n_shown) cg_buf_putc(c->sc, ',');
            shown[n_shown++] = uid;
            const char *p = r.hits[0].entity.path ? r.hits[0].entity.path : "";
            cg_buf_put_json_str(c->sc, p, strlen(p));
        }
        cg_graph_result_release(&r);
    }
    cg_buf_putc(c->sc, ']');
    for (uint32_t i = 0; uids && i < im->n; i++) uids[i] = CG_GRAPH_ID_FILE(im->nodes[i].id);
    if (uids) qsort(uids, im->n, sizeof *uids, u64_cmp);
    for (uint32_t i = 0; uids && i < im->n; i++) distinct += i == 0 || uids[i] != uids[i - 1];
    cg_mcp_u64_field(c->sc, "affected_files_total", distinct);
    free(uids);
}

/* The page of dependents: each entity with its depth and via. */
static void items_write(cg_mcp_call *c, cg_graph_view *v, const impact *im, const cg_mcp_page *p,
                        const char *pname)
{
    cg_buf *b = c->sc;
    uint64_t i = p->page.offset, end = CG_MIN((uint64_t)im->n, i + p->page.limit);
    cg_buf_puts(b, ",\"items\":[");
    for (; i < end; i++) {
        cg_graph_result r;
        cg_graph_result_init(&r);
        size_t mark = b->len;
        if (cg_graph_entity_get(v, im->nodes[i].id, &r) == 0) {
            r.hits[0].depth = im->nodes[i].depth;
            r.hits[0].via = im->nodes[i].via;
            if (i > p->page.offset) cg_buf_putc(b, ',');
            cg_mcp_entity_write(b, &r.hits[0], pname, CG_MCP_ENT_TRAVERSAL);
        }
        cg_graph_result_release(&r);
        if (!cg_mcp_item_fits(c, b->len - mark)) {
            b->len = mark;
            break;
        }
    }
    cg_buf_putc(b, ']');
    cg_mcp_paging_write(c, im->n, p->page.limit, i < im->n ? i : 0, i < im->n, im->bounded,
                        cg_graph_view_generation(v));
}

/* The target: one entity, or the changed files. Fills im->starts. */
static int targets(cg_mcp_call *c, cg_graph_project *pr, cg_graph_view **v, impact *im,
                   cg_graph_result *ent)
{
    if (!json_object_get(c->args, "paths")) {
        int rc = cg_mcp_arg_entity(c, pr, v, ent);
        if (!rc) start_add(im, ent->hits[0].entity.id);
        return rc;
    }
    if (json_object_get(c->args, "entity_id") || json_object_get(c->args, "symbol"))
        return cg_mcp_fail(c, "Pass either \"paths\" (changed files) or an entity, not both.");
    int rc = cg_mcp_arg_project(c, pr);
    if (!rc) rc = cg_mcp_view_open(c, pr->id, v);
    if (!rc) rc = starts_from_paths(c, *v, pr->id, im);
    return rc;
}

static void impact_write(cg_mcp_call *c, cg_graph_view *v, impact *im, const cg_graph_result *ent,
                         const cg_graph_project *pr, const cg_mcp_page *p, int depth)
{
    cg_buf *b = c->sc;
    qsort(im->nodes, im->n, sizeof *im->nodes, node_cmp);
    cg_buf_puts(b, "\"project\":");
    cg_buf_put_json_str(b, pr->name, strlen(pr->name));
    cg_buf_puts(b, ",\"entity\":");
    if (ent->n > 0)
        cg_mcp_entity_write(b, &ent->hits[0], pr->name, 0);
    else
        cg_buf_puts(b, "null");
    cg_buf_puts(b, ",\"paths\":");
    json_t *paths = json_object_get(c->args, "paths");
    char *pj = paths ? json_dumps(paths, JSON_COMPACT) : NULL;
    cg_buf_puts(b, pj ? pj : "[]");
    free(pj);
    cg_mcp_u64_field(b, "starts", (uint64_t)im->n_starts);
    cg_mcp_u64_field(b, "depth", (uint64_t)depth);
    files_write(c, v, im);
    items_write(c, v, im, p, pr->name);
}

static int impact_run(cg_mcp_call *c)
{
    const uint32_t def_edges = CG_EDGE_BIT(CG_EDGE_CALLS) | CG_EDGE_BIT(CG_EDGE_REFERENCES) |
                               CG_EDGE_BIT(CG_EDGE_INHERITS) | CG_EDGE_BIT(CG_EDGE_IMPLEMENTS) |
                               CG_EDGE_BIT(CG_EDGE_IMPORTS);
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_graph_result ent;
    cg_mcp_page p;
    cg_graph_result_init(&ent);
    impact *im = calloc(1, sizeof *im);
    if (im) im->nodes = malloc(CG_MCP_IMPACT_NODES_MAX * sizeof *im->nodes);
    if (im) im->slots = calloc(IMPACT_SLOTS, sizeof *im->slots);
    int depth = (int)cg_mcp_arg_int(c, "depth", IMPACT_DEPTH_DEFAULT);
    json_t *ea = json_object_get(c->args, "edges"), *e;
    size_t i;
    uint32_t edges = 0;
    json_array_foreach(ea, i,
                       e) for (int k = 0; k < CG_EDGE_COUNT;
                               k++) if (strcmp(cg_graph_edge_name(k), json_string_value(e)) == 0)
        edges |= CG_EDGE_BIT(k);
    int rc = im && im->nodes && im->slots ? 0 : cg_mcp_fail(c, "Out of memory; retry.");
    if (!rc) rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = targets(c, &pr, &v, im, &ent);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, cg_graph_view_generation(v));
    for (int s = 0; !rc && s < im->n_starts && im->n < CG_MCP_IMPACT_NODES_MAX; s++)
        rc = walk_one(c, v, im, im->starts[s], depth, edges ? edges : def_edges);
    if (!rc) impact_write(c, v, im, &ent, &pr, &p, depth);
    if (im) free(im->nodes), free(im->slots);
    free(im);
    cg_graph_result_release(&ent);
    cg_graph_view_close(v);
    return rc;
}

#define OUT_IMPACT_ITEMS                                                                           \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"depth\":" T_INT ",\"via\":" T_INT_NULL                \
    "},\"required\":[\"depth\"]}]}}"

const cg_mcp_tool cg_mcp_tool_impact = {
    "impact_analysis",
    "Impact analysis",
    "What may break if something changes: the transitive dependents (callers, referrers, "
    "subclasses, importers) of an entity, or of every definition in a list of changed files, "
    "up to depth levels; with the affected files. Sorted by distance.",
    IN_OBJECT(IN_PROJECT "," IN_ENTITY ",\"paths\":{\"type\":\"array\",\"maxItems\":50,\"items\":"
                         "{\"type\":\"string\"},\"description\":\"Changed files (relative paths)"
                         " instead of an entity\"},\"depth\":{\"type\":\"integer\",\"minimum\":1,"
                         "\"maximum\":10,\"default\":3},\"edges\":{\"type\":\"array\",\"maxItems\""
                         ":6,\"items\":{\"type\":\"string\",\"enum\":[\"contains\",\"calls\","
                         "\"imports\",\"inherits\",\"implements\",\"references\"]}}," IN_PAGE(20),
              ""),
    OUT_OBJECT("\"project\":" T_STR ",\"entity\":{\"anyOf\":[" OUT_ENTITY ",{\"type\":\"null\"}]}"
               ",\"paths\":{\"type\":\"array\",\"items\":" T_STR "},\"starts\":" T_INT
               ",\"depth\":" T_INT ",\"affected_files\":{\"type\":\"array\",\"items\":" T_STR
               "},\"affected_files_total\":" T_INT "," OUT_IMPACT_ITEMS "," OUT_PAGING,
               "\"project\",\"depth\",\"affected_files_total\"," OUT_PAGING_REQ),
    1,
    impact_run};
