/*
 * traverse.c — graph walks over a view: callers / callees (bounded breadth-first search),
 * references (in-edges), shortest path.
 *
 * DESIGN
 * Walks are breadth-first, level by level. Before a level is expanded its nodes are sorted
 * by id and each node's edges are read in key order (kind, neighbour id), so a node is
 * first reached from the smallest-id node of the previous level: answers are the same for
 * the same generation whatever the storage layout, and offsets are stable cursors. Every
 * walk is bounded by its depth and by a node budget (CG_GRAPH_NODES_MAX at most); hitting
 * the budget sets `bounded`. Edges to entities missing from the snapshot (possible only
 * in unpublished states) still count; they hydrate as kind -1.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/query_int.h"

typedef struct gr_node {
    uint64_t id, via;
    int depth, kind, res;
    uint32_t line, col, count;
} gr_node;

typedef struct gr_walk {
    gr_q *q;
    cg_store_iter *it; /* over in_edges or out_edges, unbounded, reused with seeks */
    uint32_t mask;
    gr_node *nodes;
    size_t n, cap, max_nodes;
    gr_idmap seen; /* id → index + 1 */
    int bounded;
    uint64_t goal; /* path: stop when reached (0 = none) */
} gr_walk;

static int gr_node_cmp(const void *a, const void *b)
{
    const gr_node *x = a, *y = b;
    if (x->depth != y->depth) return x->depth - y->depth;
    return (x->id > y->id) - (x->id < y->id);
}

static int gr_walk_init(gr_walk *w, gr_q *q, cg_store_cf cf, uint32_t mask, size_t max_nodes)
{
    memset(w, 0, sizeof(*w));
    w->q = q;
    w->mask = mask ? mask : CG_EDGE_BIT(CG_EDGE_CALLS);
    w->max_nodes = max_nodes;
    gr_idmap_init(&w->seen);
    return cg_store_iter_create(q->v->g->s, q->snap, cf, NULL, 0, NULL, 0, &w->it);
}

static void gr_walk_release(gr_walk *w)
{
    cg_store_iter_destroy(w->it);
    gr_idmap_release(&w->seen);
    free(w->nodes);
}

static int gr_walk_add(gr_walk *w, const gr_node *n)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        gr_node *nv = realloc(w->nodes, cap * sizeof(*nv));
        if (!nv) return CG_ENOMEM;
        w->nodes = nv;
        w->cap = cap;
    }
    w->nodes[w->n++] = *n;
    return gr_idmap_put(&w->seen, n->id, w->n);
}

/* Expand node index i (at depth d) along one edge kind. 1 = stop (budget or goal). */
static int gr_walk_edges(gr_walk *w, size_t i, int kind)
{
    uint8_t pre[9];
    uint64_t id = w->nodes[i].id;
    int d = w->nodes[i].depth, rc = 0;

    for (int b = 0; b < 8; b++) pre[b] = (uint8_t)(id >> (56 - 8 * b));
    pre[8] = (uint8_t)kind;
    for (cg_store_iter_seek(w->it, pre, 9); cg_store_iter_valid(w->it); cg_store_iter_next(w->it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(w->it, &kl);
        const void *v = cg_store_iter_value(w->it, &vl);
        gr_edge e = {0};
        if (kl != 17 || memcmp(k, pre, 9) != 0) break;
        gr_node n = {.id = gr_get_u64(k + 9), .via = id, .depth = d + 1, .kind = kind};
        if (gr_idmap_get(&w->seen, n.id, NULL)) continue;
        if (w->n - 1 >= w->max_nodes) {
            w->bounded = 1;
            return 1;
        }
        if (gr_dec_edge(v, vl, &e) == 0)
            n.res = e.resolution, n.line = e.line, n.col = e.col, n.count = e.count;
        if ((rc = gr_walk_add(w, &n))) return rc;
        if (n.id == w->goal) return 1;
    }
    return cg_store_iter_status(w->it, NULL, 0);
}

/* Breadth-first from start to depth; nodes[0] is the start. */
static int gr_walk_run(gr_walk *w, uint64_t start, int depth)
{
    gr_node s = {.id = start, .kind = -1, .res = -1};
    size_t lo = 0;
    int rc = gr_walk_add(w, &s);

    for (int d = 0; !rc && d < depth && lo < w->n; d++) {
        size_t hi = w->n;
        qsort(w->nodes + lo, hi - lo, sizeof(gr_node), gr_node_cmp);
        for (size_t i = lo; i < hi && !rc; i++) rc = gr_idmap_put(&w->seen, w->nodes[i].id, i + 1);
        for (size_t i = lo; !rc && i < hi; i++)
            for (int k = 0; !rc && k < CG_EDGE_COUNT; k++)
                if (w->mask & CG_EDGE_BIT(k)) rc = gr_walk_edges(w, i, k);
        lo = hi;
    }
    if (rc == 1) rc = 0;
    if (rc || lo >= w->n) return rc;
    qsort(w->nodes + lo, w->n - lo, sizeof(gr_node), gr_node_cmp);
    for (size_t i = lo; i < w->n && !rc; i++) rc = gr_idmap_put(&w->seen, w->nodes[i].id, i + 1);
    return rc;
}

static void gr_hit_from_node(cg_graph_hit *h, const gr_node *n)
{
    h->depth = n->depth;
    h->via = n->via;
    h->edge_kind = n->kind;
    h->resolution = n->res;
    h->line = n->line;
    h->col = n->col;
    h->count = n->count;
}

/* Hydrate nodes[first .. first + out->n) into the result's hits. */
static int gr_walk_hits(gr_walk *w, uint64_t first)
{
    cg_graph_result *out = w->q->out;
    int rc = 0;

    for (int i = 0; i < out->n && !rc; i++) {
        const gr_node *n = &w->nodes[first + (uint64_t)i];
        gr_hit_from_node(&out->hits[i], n);
        rc = gr_q_hydrate(w->q, n->id, &out->hits[i].entity);
        if (rc == CG_ENOTFOUND) rc = 0;
    }
    return rc;
}

static int gr_neighbours(cg_graph_view *v, const cg_graph_traverse *t, cg_graph_result *out,
                         cg_store_cf cf)
{
    int depth = t->depth > 0 ? CG_MIN(t->depth, CG_GRAPH_DEPTH_MAX) : CG_GRAPH_DEPTH_DEFAULT;
    int nodes =
        t->max_nodes > 0 ? CG_MIN(t->max_nodes, CG_GRAPH_NODES_MAX) : CG_GRAPH_NODES_DEFAULT;
    uint64_t first;
    gr_entity e;
    gr_walk w;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    if (rc) {
        gr_q_end(&q);
        return rc;
    }
    rc = gr_walk_init(&w, &q, cf, t->edges, (size_t)nodes);
    if (!rc) rc = gr_q_entity(&q, t->id, &e);
    if (!rc) rc = gr_walk_run(&w, t->id, depth);
    if (!rc) {
        int bounded = w.bounded || t->depth > CG_GRAPH_DEPTH_MAX || t->max_nodes > nodes;
        rc = gr_q_page(&q, &t->page, w.n - 1, bounded, &first);
    }
    if (!rc) rc = gr_walk_hits(&w, first + 1);
    gr_walk_release(&w);
    gr_q_end(&q);
    return rc;
}

int cg_graph_callers(cg_graph_view *v, const cg_graph_traverse *t, cg_graph_result *out)
{
    return gr_neighbours(v, t, out, CG_STORE_CF_IN_EDGES);
}

int cg_graph_callees(cg_graph_view *v, const cg_graph_traverse *t, cg_graph_result *out)
{
    return gr_neighbours(v, t, out, CG_STORE_CF_OUT_EDGES);
}

/* In-edges of id except contains, in key order, into w->nodes (bounded by the scan max). */
static int gr_refs_load(gr_walk *w, uint64_t id)
{
    int rc = 0;
    gr_node start = {.id = id};

    if ((rc = gr_walk_add(w, &start))) return rc;
    w->mask = ~CG_EDGE_BIT(CG_EDGE_CONTAINS);
    for (int k = CG_EDGE_CONTAINS + 1; !rc && k < CG_EDGE_COUNT; k++) {
        size_t before = w->n;
        gr_idmap_release(&w->seen); /* every edge is listed, even twice the same source */
        rc = gr_walk_edges(w, 0, k);
        if (rc == 1) rc = 0;
        for (size_t i = before; i < w->n; i++) w->nodes[i].depth = 1;
        if (w->bounded) break;
    }
    return rc;
}

int cg_graph_references(cg_graph_view *v, uint64_t id, const cg_graph_page *page,
                        cg_graph_result *out)
{
    uint64_t first;
    gr_entity e;
    gr_walk w;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    if (rc) {
        gr_q_end(&q);
        return rc;
    }
    rc = gr_walk_init(&w, &q, CG_STORE_CF_IN_EDGES, 0, CG_GRAPH_SCAN_MAX);
    if (!rc) rc = gr_q_entity(&q, id, &e);
    if (!rc) rc = gr_refs_load(&w, id);
    if (!rc) rc = gr_q_page(&q, page, w.n - 1, w.bounded, &first);
    if (!rc) rc = gr_walk_hits(&w, first + 1);
    gr_walk_release(&w);
    gr_q_end(&q);
    return rc;
}

/* The path from nodes[0] to the node with id `to`, reversed into the result. */
static int gr_path_hits(gr_walk *w, uint64_t to)
{
    uint64_t ix, first;
    size_t len = 0;
    int rc;

    for (uint64_t cur = to; gr_idmap_get(&w->seen, cur, &ix); cur = w->nodes[ix - 1].via) {
        len++;
        if (ix == 1) break;
    }
    rc = gr_q_page(w->q, &(cg_graph_page){.limit = CG_GRAPH_LIMIT_MAX}, len, 0, &first);
    if (rc || (size_t)w->q->out->n < len) return rc ? rc : CG_ELIMIT;
    size_t pos = len;
    for (uint64_t cur = to; pos > 0 && gr_idmap_get(&w->seen, cur, &ix);
         cur = w->nodes[ix - 1].via) {
        cg_graph_hit *h = &w->q->out->hits[--pos];
        gr_hit_from_node(h, &w->nodes[ix - 1]);
        h->depth = (int)pos;
        if ((rc = gr_q_hydrate(w->q, cur, &h->entity)) != 0 && rc != CG_ENOTFOUND) return rc;
    }
    return 0;
}

int cg_graph_path(cg_graph_view *v, uint64_t from, uint64_t to, int max_depth, uint32_t edges,
                  cg_graph_result *out)
{
    int depth = max_depth > 0 ? CG_MIN(max_depth, CG_GRAPH_DEPTH_MAX) : CG_GRAPH_DEPTH_MAX;
    gr_entity e;
    gr_walk w;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    if (rc) {
        gr_q_end(&q);
        return rc;
    }
    rc = gr_walk_init(&w, &q, CG_STORE_CF_OUT_EDGES, edges, CG_GRAPH_NODES_MAX);
    if (!rc) rc = gr_q_entity(&q, from, &e);
    if (!rc) rc = gr_q_entity(&q, to, &e);
    w.goal = to;
    if (!rc) rc = gr_walk_run(&w, from, from == to ? 0 : depth);
    if (!rc && !gr_idmap_get(&w.seen, to, NULL)) {
        out->bounded = w.bounded;
        rc = CG_ENOTFOUND;
    }
    if (!rc) rc = gr_path_hits(&w, to);
    gr_walk_release(&w);
    gr_q_end(&q);
    return rc;
}
