/*
 * query_int.h — private to src/graph: one query in progress over a view (query.c,
 * traverse.c). Strings handed out live in the result's arena; the per-query path cache
 * lives here and dies with the query.
 */
#ifndef CG_GRAPH_QUERY_INT_H
#define CG_GRAPH_QUERY_INT_H

#include "graph/graph_int.h"

typedef struct gr_q {
    cg_graph_view *v;
    const cg_store_snap *snap;
    cg_graph_result *out;
    cg_buf val;
    gr_idmap path_ix; /* file uid → index + 1 into pathv */
    char **pathv;
    int n_paths, cap_paths;
} gr_q;

/* Start a query: resets out, stamps the generation, creates the result arena. */
int gr_q_begin(gr_q *q, cg_graph_view *v, cg_graph_result *out);
void gr_q_end(gr_q *q);
/* Size out for `total` results under `page`; *first = index of the page's first result. */
int gr_q_page(gr_q *q, const cg_graph_page *page, uint64_t total, int bounded, uint64_t *first);
/* The entity at the view: 0, CG_ENOTFOUND (absent or another project's), or an error. */
int gr_q_entity(gr_q *q, uint64_t id, gr_entity *e);
/* Fill out for id (strings in the result); CG_ENOTFOUND leaves a placeholder (kind -1). */
int gr_q_hydrate(gr_q *q, uint64_t id, cg_graph_entity *out);

#endif
