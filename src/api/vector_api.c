/*
 * vector_api.c — GET /api/v1/admin/vector/stats, POST /api/v1/admin/vector/rebuild, and the
 * "vector_search" component of GET /api/v1/health (owner: VEC).
 *
 * The rebuild runs on the thread pool (cg_vindex_rebuild_submit) and answers 202 at once;
 * its progress shows in the stats ("rebuilding", "rebuilds", "last_build_ms").
 */
#include <stdio.h>

#include "api.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/vindex.h"
#include "server/server_int.h"

static void stats_json(cg_buf *b, const cg_vindex_stats *st)
{
    cg_buf_printf(b,
                  "\"index_type\":\"%s\",\"metric\":\"%s\",\"dimension\":%d,\"hnsw_m\":%d,"
                  "\"hnsw_ef_construction\":%d,\"hnsw_ef_search\":%d,\"max_elements\":%lld,",
                  cg_vindex_type_name(st->index_type), cg_vindex_metric_name(st->metric), st->dim,
                  st->m, st->ef_construction, st->ef_search, (long long)st->max_elements);
    cg_api_json_key(b, "model");
    cg_api_json_str(b, st->model);
    cg_buf_printf(b,
                  ",\"vectors\":%lld,\"base_vectors\":%lld,\"delta_vectors\":%lld,"
                  "\"tombstones\":%lld,\"saved_sequence\":%llu,\"file_bytes\":%llu,"
                  "\"delta_bytes\":%llu,\"rebuilds\":%lld,\"searches\":%lld,"
                  "\"last_build_ms\":%lld,\"rebuilding\":%s,\"verified\":%s,"
                  "\"needs_rebuild\":%s,",
                  (long long)st->total, (long long)st->base_count, (long long)st->delta_count,
                  (long long)st->tombstones, (unsigned long long)st->saved_seq,
                  (unsigned long long)st->file_bytes, (unsigned long long)st->delta_bytes,
                  (long long)st->rebuilds, (long long)st->searches, (long long)st->last_build_ms,
                  st->rebuilding ? "true" : "false", st->verified ? "true" : "false",
                  st->needs_rebuild ? "true" : "false");
    cg_api_json_key(b, "file");
    cg_api_json_str(b, st->file[0] ? st->file : NULL);
    cg_buf_putc(b, ',');
    cg_api_json_key(b, "problem");
    cg_api_json_str(b, st->problem[0] ? st->problem : NULL);
}

void cg_api_vector_stats(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_vindex_stats st;
    if (!s->vindex) {
        cg_req_error(rq, 404, CG_ENOINDEX, "vector search is disabled ([vector] enabled)", NULL);
        return;
    }
    cg_vindex_stats_get(s->vindex, &st);
    cg_buf_putc(rq->body, '{');
    stats_json(rq->body, &st);
    cg_buf_putc(rq->body, '}');
    cg_req_json(rq, 200);
}

void cg_api_vector_rebuild(cg_req *rq)
{
    cg_server *s = rq->srv;
    if (!s->vindex) {
        cg_req_error(rq, 404, CG_ENOINDEX, "vector search is disabled ([vector] enabled)", NULL);
        return;
    }
    int rc = cg_vindex_rebuild_submit(s->vindex, s->pool);
    if (rc == CG_ECONFLICT) {
        cg_req_error(rq, 409, CG_ECONFLICT, "a vector index rebuild is already running", NULL);
        return;
    }
    if (rc) {
        cg_api_error(rq, rc, NULL);
        return;
    }
    cg_buf_puts(rq->body, "{\"status\":\"started\",\"stats\":\"/api/v1/admin/vector/stats\"}");
    cg_req_json(rq, 202);
}

int cg_api_vector_health(cg_server *s, cg_buf *b)
{
    cg_vindex_stats st;
    if (!s->vindex) {
        cg_buf_puts(b, "\"vector_search\":{\"status\":\"disabled\","
                       "\"reason\":\"[vector] enabled = false\"}");
        return 0;
    }
    cg_vindex_stats_get(s->vindex, &st);
    /* degraded: answers come from the delta only until the rebuild completes */
    int degraded = st.needs_rebuild != 0;
    cg_buf_printf(b,
                  "\"vector_search\":{\"status\":\"%s\",\"index_type\":\"%s\","
                  "\"vectors\":%lld,\"rebuilding\":%s,\"verified\":%s,",
                  degraded ? "degraded" : "healthy", cg_vindex_type_name(st.index_type),
                  (long long)st.total, st.rebuilding ? "true" : "false",
                  st.verified ? "true" : "false");
    cg_api_json_key(b, "problem");
    cg_api_json_str(b, st.problem[0] ? st.problem : NULL);
    cg_buf_putc(b, '}');
    return degraded;
}
