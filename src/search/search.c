/*
 * search.c — the cg_search handle: embedder, document-frequency counts and IDF tables,
 * the vector feed from committed file writes, vector rebuilds, capabilities.
 *
 * DESIGN — IDF and vectors
 * - df[] counts, per term-hash bucket (LEX_IDF_BUCKETS), the bags containing a term of
 *   that bucket; `docs` counts bags. Both are rebuilt from the stored bags at create, then
 *   follow every committed file write (sr_commit). Buckets are shared by colliding terms,
 *   so df is an upper bound: good enough for weights, never used for BM25 (which counts
 *   the entities of the posting lists exactly).
 * - The embedder reads an immutable IDF table (cg_embed_idf) through an atomic pointer.
 *   A new table is computed only at a publish (cg_search_hook_published) when `docs` moved
 *   by more than LEX_IDF_DRIFT since the current one, or on cg_search_idf_refresh; old
 *   tables stay allocated (LEX_IDF_TABLES_KEEP) so an embed call never reads freed memory.
 * - Vectors of new bags are embedded with the current table and upserted after their batch
 *   commits; ids a write removed are removed. When the table changes (a publish), vectors
 *   embedded with older tables are stale: a replay (pool job, one at a time) re-embeds every
 *   stored bag and upserts those that differ. The same replay runs at start when the saved
 *   index is missing, of another model, or older than the store. A FAISS rebuild (VEC's pool
 *   job, using cg_search_foreach_vector as its source) is asked for only when the in-memory
 *   delta grew past LEX_REBUILD_DELTA_MIN and the pool has two threads or more.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/embed_provider.h"
#include "codegraph/log.h"
#include "search/hook.h"
#include "search/search_int.h"

static _Atomic(cg_search *) installed;

cg_search *cg_search_installed(void)
{
    return atomic_load_explicit(&installed, memory_order_acquire);
}

void cg_search_install(cg_search *s)
{
    atomic_store_explicit(&installed, s, memory_order_release);
}

int cg_search_remote(const cg_search *s)
{
    return s->remote;
}

cg_embedder *cg_search_embedder(cg_search *s)
{
    return s->emb;
}

struct cg_vindex *cg_search_vindex(cg_search *s)
{
    return s->vi;
}

const cg_embed_idf *sr_idf(cg_search *s)
{
    pthread_mutex_lock(&s->idf_mu);
    const cg_embed_idf *t = s->n_tables ? s->tables[s->n_tables - 1] : NULL;
    pthread_mutex_unlock(&s->idf_mu);
    return t;
}

/* A new table from the df counts; published to the embedder. Returns its version, or 0. */
static uint64_t idf_build(cg_search *s)
{
    int64_t n = atomic_load(&s->docs);
    cg_embed_idf *t = calloc(1, sizeof *t);
    uint8_t *q = malloc(LEX_IDF_BUCKETS);
    if (!t || !q || n <= 0) {
        free(t);
        free(q);
        return 0;
    }
    for (uint32_t i = 0; i < LEX_IDF_BUCKETS; i++) {
        double df = (double)atomic_load_explicit(&s->df[i], memory_order_relaxed);
        double idf = log(1.0 + ((double)n - df + 0.5) / (df + 0.5));
        double v = idf * CG_EMBED_IDF_SCALE + 0.5;
        q[i] = (uint8_t)(v < 1 ? 1 : v > 255 ? 255 : v);
    }
    t->q = q;
    t->buckets = LEX_IDF_BUCKETS;
    t->docs = (uint64_t)n;
    pthread_mutex_lock(&s->idf_mu);
    if (s->n_tables == LEX_IDF_TABLES_KEEP) {
        /* the oldest table was replaced KEEP publishes ago: no embed call still reads it */
        free((void *)s->tables[0]->q);
        free(s->tables[0]);
        memmove(s->tables, s->tables + 1, (LEX_IDF_TABLES_KEEP - 1) * sizeof *s->tables);
        s->n_tables--;
    }
    t->version = ++s->idf_version;
    s->tables[s->n_tables++] = t;
    pthread_mutex_unlock(&s->idf_mu);
    cg_embed_builtin_set_idf(s->emb, t);
    return t->version;
}

int cg_search_idf_refresh(cg_search *s)
{
    const cg_embed_idf *cur = sr_idf(s);
    int64_t n = atomic_load(&s->docs);
    double moved = cur ? fabs((double)n - (double)cur->docs) / (double)CG_MAX(cur->docs, 1) : 1;
    if (n <= 0 || (cur && moved <= LEX_IDF_DRIFT)) return 0;
    return idf_build(s) != 0;
}

/* ---- the stored bags: df counts at create, vectors for rebuilds ---- */

typedef int (*bag_fn)(void *ctx, uint32_t project, uint64_t id, const void *v, size_t n);

/* Every bag of every existing project at a snapshot, in key order; the keys of projects that
 * no longer exist are collected into *gone (may be NULL). */
static int bags_foreach(cg_search *s, bag_fn fn, void *ctx, uint32_t *gone, int *n_gone)
{
    cg_store_snap *snap = cg_store_snap_create(s->store);
    cg_store_iter *it = NULL;
    uint8_t lo = LEX_TAG_BAG, hi = LEX_TAG_BAG + 1;
    uint32_t last_p = 0;
    int last_ok = 0, rc;

    if (!snap) return CG_ENOMEM;
    rc = cg_store_iter_create(s->store, snap, CG_STORE_CF_LEX_DOCS, &lo, 1, &hi, 1, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        if (kl != 13) continue;
        uint32_t p = gr_get_u32(k + 1);
        if (p != last_p || !last_ok) {
            cg_graph_project pr;
            int was = last_p;
            last_ok = cg_graph_project_get(s->g, p, &pr) == 0 && pr.state == CG_PROJECT_ACTIVE;
            last_p = p;
            if (!last_ok && gone && (uint32_t)was != p && *n_gone < 64) gone[(*n_gone)++] = p;
        }
        if (last_ok) rc = fn(ctx, p, gr_get_u64(k + 5), v, vl);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    cg_store_snap_release(s->store, snap);
    return rc;
}

static int count_bag(void *ctx, uint32_t project, uint64_t id, const void *v, size_t n)
{
    cg_search *s = ctx;
    lex_bag b;
    lex_term t;
    (void)project, (void)id;
    if (lex_bag_dec(v, n, &b) != 0) return 0; /* a bad record is skipped, not fatal */
    while (lex_bag_next(&b, &t))
        atomic_fetch_add_explicit(&s->df[cg_search_term_hash(t.t, t.n) & (LEX_IDF_BUCKETS - 1)], 1,
                                  memory_order_relaxed);
    atomic_fetch_add(&s->docs, 1);
    return 0;
}

void cg_search_hook_drop_project(cg_store_batch *b, uint32_t p)
{
    uint8_t lo[5], hi[5], plo[4], phi[4];
    for (int j = 0; j < 4; j++) {
        plo[j] = (uint8_t)(p >> (24 - 8 * j));
        phi[j] = (uint8_t)((p + 1) >> (24 - 8 * j));
    }
    lo[0] = hi[0] = LEX_TAG_BAG;
    memcpy(lo + 1, plo, 4);
    memcpy(hi + 1, phi, 4);
    cg_store_batch_delete_range(b, CG_STORE_CF_LEX_DOCS, lo, 5, hi, 5);
    lo[0] = hi[0] = LEX_TAG_FILE;
    cg_store_batch_delete_range(b, CG_STORE_CF_LEX_DOCS, lo, 5, hi, 5);
    cg_store_batch_delete_range(b, CG_STORE_CF_LEX_POSTINGS, plo, 4, phi, 4);
}

/* Remove the lexical keys of projects deleted before the hook above existed (or by a
 * crash between the delete's batches). */
static void gc_projects(cg_search *s, const uint32_t *gone, int n)
{
    cg_store_batch *b = cg_store_batch_create(s->store);
    for (int i = 0; b && i < n; i++) cg_search_hook_drop_project(b, gone[i]);
    if (b && n && cg_store_batch_write(s->store, b, 0, NULL, 0) == 0)
        cg_log_info("search", "removed the lexical index of deleted projects");
    cg_store_batch_destroy(b);
}

typedef struct vec_ctx {
    cg_search *s;
    const cg_embed_idf *idf;
    cg_embed_term *terms;
    int cap;
    float *v;
    int (*emit)(void *ctx, uint64_t id, const float *v);
    void *ctx;
    int count;
} vec_ctx;

static int vec_bag(void *ctx, uint32_t project, uint64_t id, const void *v, size_t n)
{
    vec_ctx *c = ctx;
    lex_bag hdr;
    (void)project;
    int k = lex_bag_terms(v, n, &c->terms, &c->cap, &hdr);
    if (k == CG_ENOMEM) return k;
    if (k < 0) return 0;
    uint64_t meta = cg_embed_meta_hash(cg_graph_kind_name(hdr.kind), gr_lang_name(hdr.lang));
    cg_embed_bag(c->idf, c->terms, k, meta, c->s->dim, c->v);
    c->count++;
    return c->emit(c->ctx, id, c->v);
}

int cg_search_foreach_vector(cg_search *s, int (*emit)(void *ctx, uint64_t id, const float *v),
                             void *ctx)
{
    if (s->remote) return sr_remote_foreach(s, emit, ctx);
    vec_ctx c = {.s = s, .idf = sr_idf(s), .emit = emit, .ctx = ctx};
    c.v = malloc((size_t)s->dim * sizeof *c.v);
    int rc = c.v ? bags_foreach(s, vec_bag, &c, NULL, NULL) : CG_ENOMEM;
    free(c.v);
    free(c.terms);
    return rc < 0 || rc > 0 ? rc : c.count;
}

/* ---- committed writes ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Remove from the index the ids a write dropped and did not write again. */
static int remove_gone(cg_search *s, const sr_write *w)
{
    uint64_t *sorted = malloc((w->n_new + 1) * sizeof *sorted);
    int rc = 0;
    if (!sorted) return CG_ENOMEM;
    if (w->n_new) memcpy(sorted, w->new_ids, w->n_new * sizeof *sorted);
    qsort(sorted, w->n_new, sizeof *sorted, cmp_u64);
    for (size_t i = 0; i < w->n_old && !rc; i++)
        if (!bsearch(&w->old_ids[i], sorted, w->n_new, sizeof *sorted, cmp_u64))
            rc = cg_vindex_remove(s->vi, w->old_ids[i]);
    free(sorted);
    return rc;
}

/* Vectors of a committed write: upsert the new bags (or, with an HTTP provider, the
 * provider's vectors of the entities' text), remove ids that are gone. */
static void commit_vectors(cg_search *s, const sr_write *w)
{
    const cg_embed_idf *idf = sr_idf(s);
    float *v = malloc((size_t)s->dim * sizeof *v);
    int rc = v ? 0 : CG_ENOMEM;

    if (!rc && s->remote) rc = sr_remote_commit(s, w);
    for (size_t i = 0; !rc && !s->remote && i < w->n_new; i++) {
        cg_embed_bag(idf, w->terms + w->new_start[i], (int)(w->new_start[i + 1] - w->new_start[i]),
                     w->new_meta[i], s->dim, v);
        rc = cg_vindex_upsert(s->vi, w->new_ids[i], v);
    }
    int rrc = remove_gone(s, w);
    if (!rc) rc = rrc;
    if (rc) {
        if (rc != CG_EEMBED && rc != CG_ETIMEOUT)
            snprintf(s->vec_problem, sizeof s->vec_problem, "vector index update failed: %s",
                     cg_err_str(rc));
        cg_log_error("search", "vector index update failed", "error", cg_err_str(rc));
    }
    free(v);
}

void sr_commit(cg_search *s, const sr_write *w)
{
    for (size_t i = 0; i < w->n_oh; i++)
        atomic_fetch_sub_explicit(&s->df[w->old_hashes[i] & (LEX_IDF_BUCKETS - 1)], 1,
                                  memory_order_relaxed);
    for (size_t i = 0; w->n_new && i < w->new_start[w->n_new]; i++)
        atomic_fetch_add_explicit(&s->df[w->terms[i].hash & (LEX_IDF_BUCKETS - 1)], 1,
                                  memory_order_relaxed);
    atomic_fetch_add(&s->docs, (int64_t)w->n_new - (int64_t)w->n_old);
    if (s->vi) commit_vectors(s, w);
}

/* ---- vector rebuilds ---- */

/* The RocksDB sequence a scan started now reflects, recorded in the saved index so a
 * restart replays only when something was written since (not at every start). */
static uint64_t vsrc_sequence(void *ctx)
{
    return cg_store_sequence(((cg_search *)ctx)->store);
}

static int vsrc_scan(void *ctx, int (*emit)(void *ectx, uint64_t id, const float *vec), void *ectx)
{
    int rc = cg_search_foreach_vector(ctx, emit, ectx);
    return rc < 0 ? rc : 0;
}

/* Queue a rebuild through the vector index's own pool job (it uses the source registered
 * at create, so it embeds with the IDF table current when it scans). */
void sr_rebuild_request(cg_search *s)
{
    if (!s->vi || !s->pool) return;
    int rc = cg_vindex_rebuild_submit(s->vi, s->pool);
    if (rc != 0 && rc != CG_ECONFLICT)
        cg_log_warn("search", "vector rebuild not queued", "error", cg_err_str(rc));
}

static void replay_request(cg_search *s);

void cg_search_hook_published(cg_graph *g, uint32_t project)
{
    cg_search *s = cg_search_installed();
    (void)project;
    if (!s || s->g != g || s->remote || !s->vi || !s->pool) return;
    /* A new IDF table makes older vectors stale: re-embed them (O(entities), no FAISS build).
     * On a one-thread pool that would hold up every index job behind it, so there the table
     * (and the vectors) stay as they are until the next start, consistent with each other. */
    if (cg_pool_threads(s->pool) < 2) return;
    if (cg_search_idf_refresh(s)) replay_request(s);
}

/* ---- replay: keep the index equal to the stored entities without rebuilding ---- */

typedef struct replay_ctx {
    cg_search *s;
    float *got;
    int64_t seen, changed;
} replay_ctx;

/* One stored entity: upsert its vector when the index lacks it or holds another one. */
static int replay_one(void *ctx, uint64_t id, const float *v)
{
    replay_ctx *c = ctx;
    int dim = c->s->dim, same = cg_vindex_get(c->s->vi, id, c->got) == 1;
    for (int i = 0; same && i < dim; i++) same = fabsf(c->got[i] - v[i]) <= LEX_REPLAY_EPS;
    c->seen++;
    if (same) return 0;
    c->changed++;
    return cg_vindex_upsert(c->s->vi, id, v);
}

/* Rebuilds (a FAISS build holds a pool thread for as long as it takes) only when the
 * brute-force delta grew large, and never on a one-thread pool, where it would hold up every
 * index job: there POST /api/v1/admin/vector/rebuild builds the graph when the operator says. */
static void maybe_rebuild(cg_search *s)
{
    cg_vindex_stats st;
    cg_vindex_stats_get(s->vi, &st);
    if (st.delta_count >= LEX_REBUILD_DELTA_MIN && st.delta_count * 2 > st.base_count &&
        cg_pool_threads(s->pool) >= 2)
        sr_rebuild_request(s);
}

/* Re-embed every stored bag (or read every stored provider vector) and upsert what differs
 * from the index: after a start on an index older than the store (or missing, or of
 * another model), and after the IDF table changed. Vectors of deleted entities may remain in
 * a base; queries check every hit against the published view. */
static void replay_run(cg_job *j)
{
    cg_search *s = (cg_search *)((char *)j - offsetof(cg_search, replay_job));
    replay_ctx c = {.s = s, .got = malloc((size_t)s->dim * sizeof(float))};
    char msg[96];
    atomic_store(&s->replay_again, 0);
    int rc = c.got ? cg_search_foreach_vector(s, replay_one, &c) : CG_ENOMEM;
    free(c.got);
    snprintf(msg, sizeof msg, "%lld of %lld", (long long)c.changed, (long long)c.seen);
    cg_log_info("search", "vector index replayed", "updated", msg, "result",
                rc < 0 ? cg_err_str(rc) : "ok");
    if (rc >= 0) maybe_rebuild(s);
}

static void replay_done(cg_job *j)
{
    cg_search *s = (cg_search *)((char *)j - offsetof(cg_search, replay_job));
    atomic_store(&s->replay_queued, 0);
    if (atomic_exchange(&s->replay_again, 0)) replay_request(s);
}

/* Queue a replay (one at a time; a request while one is queued or running runs it again). */
static void replay_request(cg_search *s)
{
    if (!s->vi || !s->pool) return;
    if (atomic_exchange(&s->replay_queued, 1)) {
        atomic_store(&s->replay_again, 1);
        return;
    }
    memset(&s->replay_job, 0, sizeof s->replay_job);
    s->replay_job.run = replay_run;
    s->replay_job.done = replay_done;
    if (cg_pool_submit(s->pool, &s->replay_job) != 0) {
        atomic_store(&s->replay_queued, 0);
        cg_log_warn("search", "pool full: vector replay postponed to the next publish");
    }
}

void cg_search_attach_pool(cg_search *s, cg_pool *pool)
{
    s->pool = pool;
    if (!s->vi) return;
    cg_vindex_stats st;
    cg_vindex_stats_get(s->vi, &st);
    /* a missing/corrupt file, another model, or an older state: bring the index up to date */
    if (st.needs_rebuild || strcmp(st.model, s->emb->model) != 0 ||
        st.saved_seq != cg_store_sequence(s->store))
        replay_request(s);
}

/* ---- create / destroy ---- */

int cg_search_create(cg_search **out, cg_graph *g, const cg_config_vector *vc, struct cg_vindex *vi,
                     char *err, size_t errlen)
{
    uint32_t gone[64];
    int n_gone = 0, rc;
    cg_search *s = calloc(1, sizeof *s);

    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (!s) return CG_ENOMEM;
    s->g = g;
    s->store = cg_graph_store(g);
    s->vi = vi;
    s->dim = vc && vc->dimension > 0 ? vc->dimension : CG_EMBED_DIM_DEFAULT;
    pthread_mutex_init(&s->idf_mu, NULL);
    pthread_mutex_init(&s->stats_mu, NULL);
    s->df = calloc(LEX_IDF_BUCKETS, sizeof *s->df);
    s->batch = vc && vc->embedding_batch_size > 0 ? vc->embedding_batch_size : 32;
    if (!s->df)
        rc = CG_ENOMEM;
    else if (vc)
        rc = cg_embed_provider_create(&s->emb, vc, err, errlen);
    else
        rc = cg_embed_builtin_create(&s->emb, s->dim, NULL);
    s->remote = !rc && cg_embed_provider_kind_of(s->emb) != CG_EMBED_PROV_BUILTIN;
    if (!rc && !s->remote)
        snprintf(s->emb->model, sizeof s->emb->model, "%s/%d", CG_EMBED_BUILTIN_MODEL, s->dim);
    if (!rc) rc = lex_layout_check(s->store, err, errlen); /* before anything reads postings */
    if (!rc) rc = bags_foreach(s, count_bag, s, gone, &n_gone);
    if (rc) {
        if (err && errlen && ((rc != CG_ECONFIG && rc != CG_EDB) || !err[0]))
            snprintf(err, errlen, "search: cannot load the lexical index: %s", cg_err_str(rc));
        cg_search_destroy(s);
        return rc;
    }
    if (n_gone) gc_projects(s, gone, n_gone);
    if (!s->remote) idf_build(s); /* (a provider ignores IDF tables) */
    if (vi) {
        cg_vindex_source src = {.scan = vsrc_scan, .ctx = s, .sequence = vsrc_sequence};
        cg_vindex_source_set(vi, &src);
        cg_vindex_model_set(vi, s->emb->model);
    }
    *out = s;
    return 0;
}

void cg_search_destroy(cg_search *s)
{
    if (!s) return;
    if (cg_search_installed() == s) cg_search_install(NULL);
    if (s->vi) cg_vindex_source_set(s->vi, NULL);
    cg_embedder_destroy(s->emb);
    for (int i = 0; i < s->n_tables; i++) {
        free((void *)s->tables[i]->q);
        free(s->tables[i]);
    }
    free((void *)s->df);
    pthread_mutex_destroy(&s->idf_mu);
    pthread_mutex_destroy(&s->stats_mu);
    free(s);
}

/* The semantic reason when an HTTP provider embeds; sets degraded when its last call failed. */
static void caps_remote(cg_search *s, cg_search_caps *o, char *why, size_t cap)
{
    cg_embed_provider_stats ps;
    if (cg_embed_provider_stats_get(s->emb, &ps) == 0 && !ps.last_ok) {
        o->degraded = 1;
        snprintf(why, cap,
                 "; degraded: the embedding provider failed (%s): entities written "
                 "since have no vectors",
                 ps.last_error);
    }
}

void cg_search_capabilities(cg_search *s, cg_search_caps *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->embedder, sizeof o->embedder, "%s", s->emb->model);
    o->dim = s->dim;
    o->normalized = s->emb->normalized;
    o->available[CG_SEARCH_LEXICAL] = o->available[CG_SEARCH_SYMBOL] = 1;
    snprintf(o->reason[CG_SEARCH_LEXICAL], sizeof o->reason[0],
             "BM25 over the inverted index in RocksDB (%lld documents)",
             (long long)atomic_load(&s->docs));
    snprintf(o->reason[CG_SEARCH_SYMBOL], sizeof o->reason[0],
             "the name index: exact, prefix and fuzzy");
    o->available[CG_SEARCH_SEMANTIC] = o->available[CG_SEARCH_HYBRID] = 1;
    char why[CG_SEARCH_MODE_COUNT * 160] = "";
    if (s->remote) caps_remote(s, o, why, sizeof why);
    if (s->vec_problem[0]) o->degraded = 1;
    if (!s->vi) {
        snprintf(o->reason[CG_SEARCH_SEMANTIC], sizeof o->reason[0],
                 "no vector index: exact cosine scan over the stored %s (%s)%s",
                 s->remote ? "provider vectors" : "term bags", s->emb->model, why);
    } else {
        cg_vindex_stats st;
        cg_vindex_stats_get(s->vi, &st);
        o->vectors = (uint64_t)CG_MAX(st.total, 0);
        snprintf(o->reason[CG_SEARCH_SEMANTIC], sizeof o->reason[0],
                 "%s index, %lld vectors, model %s%s%s%s", cg_vindex_type_name(st.index_type),
                 (long long)st.total, s->emb->model, s->vec_problem[0] ? "; " : "", s->vec_problem,
                 why);
    }
    snprintf(o->reason[CG_SEARCH_HYBRID], sizeof o->reason[0],
             "reciprocal-rank fusion of lexical, semantic and symbol results");
}
