/*
 * remote.c — vectors from an HTTP embedding provider (embed_provider.h): unlike the built-in
 * embedder they cannot be recomputed from the term bags, so they are embedded from each
 * entity's text when its file is written, stored under 03 keys of lex_docs (lex.c DESIGN),
 * upserted into the vector index, and read back for rebuilds and similar-by-entity.
 *
 * A provider failure leaves the write's entities without vectors (the lexical index is
 * already committed): nothing else is substituted, the error is logged, and the provider's
 * own counters make capabilities and health say "degraded" until a call succeeds again.
 */
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/log.h"
#include "search/search_int.h"

/* A stable tag of the model id, stored with each vector so one of another model is ignored. */
static uint64_t model_hash(const cg_search *s)
{
    return cg_search_term_hash(s->emb->model, strlen(s->emb->model));
}

/* Encode one vector record into b. */
static void vec_enc(cg_buf *b, uint64_t mh, const float *v, int dim)
{
    cg_buf_reset(b);
    gr_put_u8(b, LEX_REC_VERSION);
    gr_put_u64be(b, mh);
    gr_put_var(b, (uint64_t)dim);
    cg_buf_append(b, v, (size_t)dim * sizeof *v); /* little-endian hosts only (x86-64) */
}

/* Decode a vector record of this model and dimension into v: 0, or CG_ENOTFOUND. */
static int vec_dec(const cg_search *s, const void *p, size_t n, float *v)
{
    gr_rd r;
    gr_rd_init(&r, p, n);
    if (gr_rd_u8(&r) != LEX_REC_VERSION || gr_rd_u64be(&r) != model_hash(s) ||
        gr_rd_var(&r) != (uint64_t)s->dim || r.bad ||
        (size_t)(r.end - r.p) != (size_t)s->dim * sizeof *v)
        return CG_ENOTFOUND;
    memcpy(v, r.p, (size_t)s->dim * sizeof *v);
    return 0;
}

/* Embed, store and upsert one batch of a write's entities [from, to). */
static int commit_batch(cg_search *s, const sr_write *w, size_t from, size_t to, float *v,
                        cg_buf *rec)
{
    char err[256] = "";
    int n = (int)(to - from), rc;
    rc = cg_embedder_embed(s->emb, w->in + from, n, v, err, sizeof err);
    if (rc) {
        cg_log_error("search", "embedding provider failed: entities left without vectors", "error",
                     err[0] ? err : cg_err_str(rc));
        return rc;
    }
    cg_store_batch *b = cg_store_batch_create(s->store);
    if (!b) return CG_ENOMEM;
    gr_key k;
    for (int i = 0; i < n; i++) {
        vec_enc(rec, model_hash(s), v + (size_t)i * (size_t)s->dim, s->dim);
        lex_k_vec(&k, w->project, w->new_ids[from + (size_t)i]);
        cg_store_batch_put(b, CG_STORE_CF_LEX_DOCS, k.b, k.n, rec->data, rec->len);
    }
    rc = cg_buf_ok(rec) ? cg_store_batch_write(s->store, b, 0, NULL, 0) : CG_ENOMEM;
    cg_store_batch_destroy(b);
    for (int i = 0; !rc && i < n; i++)
        rc = cg_vindex_upsert(s->vi, w->new_ids[from + (size_t)i], v + (size_t)i * (size_t)s->dim);
    return rc;
}

int sr_remote_commit(cg_search *s, const sr_write *w)
{
    float *v = malloc((size_t)s->batch * (size_t)s->dim * sizeof *v);
    cg_buf rec;
    int rc = v ? 0 : CG_ENOMEM;
    cg_buf_init(&rec);
    for (size_t i = 0; !rc && i < w->n_new; i += (size_t)s->batch)
        rc = commit_batch(s, w, i, CG_MIN(w->n_new, i + (size_t)s->batch), v, &rec);
    cg_buf_release(&rec);
    free(v);
    return rc;
}

int sr_project_live(cg_search *s, uint32_t project)
{
    cg_graph_project pr;
    return cg_graph_project_get(s->g, project, &pr) == 0 && pr.state == CG_PROJECT_ACTIVE;
}

int sr_remote_foreach(cg_search *s, int (*emit)(void *ctx, uint64_t id, const float *v), void *ctx)
{
    cg_store_snap *snap = cg_store_snap_create(s->store);
    cg_store_iter *it = NULL;
    uint8_t lo = LEX_TAG_VEC, hi = LEX_TAG_VEC + 1;
    float *v = malloc((size_t)s->dim * sizeof *v);
    uint32_t last_p = 0;
    int live = 0, count = 0, rc = snap && v ? 0 : CG_ENOMEM;

    if (!rc) rc = cg_store_iter_create(s->store, snap, CG_STORE_CF_LEX_DOCS, &lo, 1, &hi, 1, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *val = cg_store_iter_value(it, &vl);
        if (kl != 13) continue;
        uint32_t p = gr_get_u32(k + 1);
        if (p != last_p || !count) live = sr_project_live(s, p), last_p = p;
        if (!live || vec_dec(s, val, vl, v) != 0) continue;
        count++;
        rc = emit(ctx, gr_get_u64(k + 5), v);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    if (snap) cg_store_snap_release(s->store, snap);
    free(v);
    return rc ? rc : count;
}

int sr_remote_entity_vector(cg_search *s, uint64_t id, float *v)
{
    uint32_t p;
    gr_key k;
    cg_buf b;
    int rc = cg_graph_entity_project(s->g, id, &p);
    if (rc) return rc;
    cg_buf_init(&b);
    lex_k_vec(&k, p, id);
    rc = cg_store_get(s->store, NULL, CG_STORE_CF_LEX_DOCS, k.b, k.n, &b, NULL, 0);
    if (rc >= 0) rc = vec_dec(s, b.data, b.len, v);
    cg_buf_release(&b);
    return rc == CG_ENOTFOUND ? CG_ENOINDEX : rc; /* the entity's file exists, its vector not */
}
