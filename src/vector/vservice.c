/*
 * vservice.c — the vector index inside the server: open from the config, and the pool jobs
 * for deferred verification and rebuilds (declared in codegraph/vindex.h).
 *
 * A job is heap-allocated and frees itself when it has run (owner NULL: done runs on the
 * pool thread). v->queued admits one rebuild job at a time; the server destroys the pool
 * (which finishes queued jobs) before it closes the index, so a job never outlives it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/config.h"
#include "codegraph/log.h"
#include "codegraph/pool.h"
#include "codegraph/vindex.h"
#include "vector/vindex_int.h"

/* The built-in embedder's model id prefix (src/embed; its id is "<prefix>/<dimension>"). */
#define VS_BUILTIN_MODEL "builtin-hash-v1"

int cg_vindex_open_config(cg_vindex **out, const cg_config *cfg, const char *model, char *err,
                          size_t errlen)
{
    const cg_config_vector *vc = &cfg->vector;
    char dir[4096], builtin[64];
    cg_vindex_options o;

    *out = NULL;
    if (!vc->enabled) return 0;
    cg_vindex_options_default(&o);
    o.dim = vc->dimension;
    int metric = cg_vindex_metric_parse(vc->metric), type = cg_vindex_type_parse(vc->index_type);
    if (metric < 0 || type < 0) {
        if (err && errlen)
            snprintf(err, errlen,
                     "[vector] index_type \"%s\" / metric \"%s\" not supported "
                     "(hnsw|flat, cosine|inner_product|l2)",
                     vc->index_type, vc->metric);
        return CG_ECONFIG;
    }
    o.metric = (cg_vindex_metric)metric;
    o.index_type = (cg_vindex_type)type;
    o.m = vc->hnsw_m;
    o.ef_construction = vc->hnsw_ef_construction;
    o.ef_search = vc->hnsw_ef_search;
    o.max_elements = vc->hnsw_max_elements;
    snprintf(builtin, sizeof(builtin), "%s/%d", VS_BUILTIN_MODEL, vc->dimension);
    o.model = model ? model : builtin;
    o.verify = CG_VINDEX_VERIFY_LAZY;
    /* the rebuild runs on one pool thread; FAISS may use as many OpenMP threads as the pool */
    o.build_threads = cfg->performance.pool_threads > 0 ? cfg->performance.pool_threads : 0;
    if (o.build_threads == 0) o.build_threads = (int)CG_MAX(sysconf(_SC_NPROCESSORS_ONLN), 1);
    cg_vfiles_dir(cfg->database.path, dir, sizeof(dir)); /* <dir of db path>/vector */
    int rc = cg_vindex_open(out, dir, &o, err, errlen);
    if (rc == CG_EINVAL) rc = CG_ECONFIG;
    if (!rc) {
        cg_vindex_stats st;
        char count[24];
        cg_vindex_stats_get(*out, &st);
        snprintf(count, sizeof(count), "%lld", (long long)st.base_count);
        cg_log_info("vector", "vector index opened", "dir", dir, "file", st.file, "count", count,
                    "problem", st.problem);
    }
    return rc;
}

typedef struct vs_job {
    cg_job job;
    cg_vindex *v;
    int verify; /* 1: verify first, rebuild only on failure */
} vs_job;

static void vs_job_run(cg_job *j)
{
    vs_job *x = (vs_job *)j;
    char err[CG_VINDEX_ERR_MAX] = "";
    int rc = 0;
    if (atomic_exchange(&x->v->want_verify, 0) && !x->verify) {
        /* merged request: check the file the rebuild replaces, so its damage is reported */
        if (cg_vindex_verify_deferred(x->v, err, sizeof(err)))
            cg_log_warn("vector", "vector index file corrupt", "error", err);
    }
    if (x->verify) {
        rc = cg_vindex_verify_deferred(x->v, err, sizeof(err));
        if (rc) cg_log_warn("vector", "vector index file corrupt", "error", err);
        /* Repair only with the owner's source: the vectors held after a corrupt or missing
         * file are not the whole corpus. Without one, the owner sees needs_rebuild. */
        pthread_mutex_lock(&x->v->smu);
        int has_src = x->v->has_src;
        pthread_mutex_unlock(&x->v->smu);
        if (!atomic_load(&x->v->needs_rebuild) || !has_src) return;
    }
    rc = cg_vindex_rebuild_default(x->v, err, sizeof(err));
    if (rc)
        cg_log_error("vector", "vector index rebuild failed", "error",
                     err[0] ? err : cg_err_str(rc));
    else
        cg_log_info("vector", "vector index rebuilt");
}

static void vs_job_done(cg_job *j)
{
    vs_job *x = (vs_job *)j;
    atomic_store(&x->v->queued, 0);
    free(x);
}

static int vs_submit(cg_vindex *v, cg_pool *pool, int verify)
{
    if (!v || !pool) return CG_EINVAL;
    int expect = 0;
    if (verify) atomic_store(&v->want_verify, 1); /* done by whichever job runs next */
    if (!atomic_compare_exchange_strong(&v->queued, &expect, 1)) return verify ? 0 : CG_ECONFLICT;
    if (!verify && atomic_load(&v->rebuilding)) { /* started directly by cg_vindex_rebuild */
        atomic_store(&v->queued, 0);
        return CG_ECONFLICT;
    }
    vs_job *x = calloc(1, sizeof(*x));
    if (!x) {
        atomic_store(&v->queued, 0);
        return CG_ENOMEM;
    }
    x->job.run = vs_job_run;
    x->job.done = vs_job_done;
    x->v = v;
    x->verify = verify;
    if (verify) atomic_store(&v->want_verify, 0);
    int rc = cg_pool_submit(pool, &x->job);
    if (rc) {
        atomic_store(&v->queued, 0);
        free(x);
    }
    return rc;
}

int cg_vindex_verify_submit(cg_vindex *v, cg_pool *pool)
{
    return vs_submit(v, pool, 1);
}

int cg_vindex_rebuild_submit(cg_vindex *v, cg_pool *pool)
{
    return vs_submit(v, pool, 0);
}
