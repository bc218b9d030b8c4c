/*
 * builtin.c — the built-in embedder (embed.h): signed feature hashing of a term bag,
 * weighted by field-weighted log frequency and a corpus IDF table, L2-normalised.
 *
 * Vector of a bag: for each term t with weighted frequency tf,
 *     w(t) = idf(t) * (1 + ln tf) / sqrt(P), added at P = CG_EMBED_PROBES coordinates
 *     fastrange(h_p >> 32, dim) with sign h_p & 1 ? -1 : +1, where h_0 = hash(t) and
 *     h_{p+1} = h_p * odd constant + constant,
 * plus one feature for (kind, language) with weight CG_EMBED_META_W; then v /= |v|.
 * Equal inputs with the same IDF table give bit-identical vectors (one summation order:
 * the bag's first-seen term order, which tokenising fixes).
 *
 * Also the cg_embedder vtable entry points shared by every embedder.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/embed.h"
#include "search/bag.h"

#define CG_EMBED_META_W 0.5f /* weight of the (kind, language) feature */
/* Each term lands on CG_EMBED_PROBES coordinates (weight / sqrt(probes) each): a chance
 * collision between two different terms then adds only a fraction of a true match, so short
 * documents sharing one bucket with the query no longer outrank real matches. */
#define CG_EMBED_PROBES 4
#define CG_EMBED_PROBE_W 0.5f /* 1 / sqrt(CG_EMBED_PROBES) */

int cg_embedder_embed(cg_embedder *e, const cg_embed_input *in, int n, float *out, char *err,
                      size_t errlen)
{
    if (!e || !e->ops || n < 0 || (n > 0 && (!in || !out))) return CG_EINVAL;
    if (n == 0) return 0;
    return e->ops->embed(e, in, n, out, err, errlen);
}

void cg_embedder_destroy(cg_embedder *e)
{
    if (!e) return;
    if (e->ops && e->ops->destroy) e->ops->destroy(e);
    free(e);
}

/* The (kind, language) feature hashes "\x01kind\x01language" cut to META_TEXT_MAX bytes. It is
 * built by hand: it runs once per embedded entity, where snprintf costs as much as
 * tokenising a short body. */
#define META_TEXT_MAX 95

static size_t meta_put(char *buf, size_t n, const char *s)
{
    while (n < META_TEXT_MAX && s && *s) buf[n++] = *s++;
    return n;
}

uint64_t cg_embed_meta_hash(const char *kind, const char *language)
{
    char buf[META_TEXT_MAX];
    size_t n = 0;
    if ((!kind || !*kind) && (!language || !*language)) return 0;
    n = meta_put(buf, n, "\x01");
    n = meta_put(buf, n, kind);
    n = meta_put(buf, n, "\x01");
    n = meta_put(buf, n, language);
    return cg_search_term_hash(buf, n) | 1;
}

static inline float idf_weight(const cg_embed_idf *idf, uint64_t h)
{
    if (!idf || !idf->q) return 1.0f;
    return (float)idf->q[h & (idf->buckets - 1)] * (1.0f / CG_EMBED_IDF_SCALE);
}

static inline uint32_t coord(uint64_t h, int dim)
{
    return (uint32_t)(((h >> 32) * (uint64_t)dim) >> 32);
}

/* 1 + ln tf for small tf, filled with the same logf on first use (racing fills write the same
 * bits), so the table and the direct call give identical weights. Bags are mostly small tf. */
#define TF_LOG_TABLE 256
static float tf_log[TF_LOG_TABLE];
static int tf_log_ready;

static inline float tf_weight(uint32_t tf)
{
    tf = CG_MAX(tf, 1u);
    if (tf >= TF_LOG_TABLE) return 1.0f + logf((float)tf);
    if (!__atomic_load_n(&tf_log_ready, __ATOMIC_ACQUIRE)) {
        for (uint32_t i = 1; i < TF_LOG_TABLE; i++) tf_log[i] = 1.0f + logf((float)i);
        __atomic_store_n(&tf_log_ready, 1, __ATOMIC_RELEASE);
    }
    return tf_log[tf];
}

/* sum over i of (double)v[i]^2, added in index order. The additions form one dependency
 * chain (their order fixes the bits of the result), so the zero coordinates, often half of
 * them, are dropped first without branches: adding +0.0 to a sum >= 0 changes nothing. */
#define SQ_BLOCK 64
static double sum_squares(const float *v, int dim)
{
    double sum = 0, sq[SQ_BLOCK];
    for (int b = 0; b < dim; b += SQ_BLOCK) {
        int k = 0, e = CG_MIN(b + SQ_BLOCK, dim);
        for (int i = b; i < e; i++) {
            sq[k] = (double)v[i] * v[i];
            k += v[i] != 0;
        }
        for (int i = 0; i < k; i++) sum += sq[i];
    }
    return sum;
}

void cg_embed_bag(const cg_embed_idf *idf, const cg_embed_term *t, int n, uint64_t meta_hash,
                  int dim, float *out)
{
    double norm;

    /* the IDF table is large (1 byte per bucket, ~1 MB): a bucket per term is a cache miss,
     * so ask for all of them before they are needed */
    if (idf && idf->q)
        for (int i = 0; i < n; i++) __builtin_prefetch(&idf->q[t[i].hash & (idf->buckets - 1)]);
    memset(out, 0, (size_t)dim * sizeof *out);
    for (int i = 0; i < n; i++) {
        float w = idf_weight(idf, t[i].hash) * tf_weight(t[i].tf) * CG_EMBED_PROBE_W;
        uint64_t h = t[i].hash;
        for (int p = 0; p < CG_EMBED_PROBES; p++) {
            out[coord(h, dim)] += (h & 1) ? -w : w;
            h = h * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull; /* next probe */
        }
    }
    if (meta_hash)
        out[coord(meta_hash, dim)] += (meta_hash & 2) ? -CG_EMBED_META_W : CG_EMBED_META_W;
    norm = sum_squares(out, dim);
    if (norm <= 0) return;
    float inv = (float)(1.0 / sqrt(norm));
    for (int i = 0; i < dim; i++) out[i] *= inv;
}

/* ---- the vtable implementation ---- */

typedef struct builtin {
    _Atomic(const cg_embed_idf *) idf;
} builtin;

/* A free-text or entity-fields input → its bag (free text is treated as a body). */
static int input_bag(const cg_embed_input *in, cg_bag *b)
{
    int rc;
    cg_bag_reset(b);
    rc = cg_bag_add_entity(b, in->name, NULL, in->signature, in->doc, in->body, in->body_len);
    if (!rc && in->text)
        rc = cg_bag_add_text(b, in->text, in->text_len, CG_BAG_W_BODY, CG_EMBED_F_BODY,
                             CG_TOK_JOINED);
    return rc;
}

static int builtin_embed(cg_embedder *e, const cg_embed_input *in, int n, float *out, char *err,
                         size_t errlen)
{
    builtin *bi = e->impl;
    const cg_embed_idf *idf = atomic_load_explicit(&bi->idf, memory_order_acquire);
    /* one bag per thread, kept: embedding must not allocate per call */
    static __thread cg_bag b;
    static __thread int b_ready;
    int rc = 0;

    if (!b_ready) cg_bag_init(&b), b_ready = 1;
    for (int i = 0; i < n && !rc; i++) {
        uint64_t meta = cg_embed_meta_hash(in[i].kind, in[i].language);
        float *v = out + (size_t)i * (size_t)e->dim;
        if (in[i].terms) { /* a pre-tokenised bag: hashes are all it needs */
            cg_embed_bag(idf, in[i].terms, in[i].n_terms, meta, e->dim, v);
            continue;
        }
        if ((rc = input_bag(&in[i], &b)) != 0) break;
        cg_embed_bag(idf, b.terms, b.n, meta, e->dim, v);
    }
    if (rc && err && errlen) snprintf(err, errlen, "built-in embedder: out of memory");
    if (rc) cg_bag_release(&b), b_ready = 0;
    return rc;
}

static void builtin_destroy(cg_embedder *e)
{
    free(e->impl);
    e->impl = NULL;
}

static const cg_embed_ops builtin_ops = {.embed = builtin_embed, .destroy = builtin_destroy};

int cg_embed_builtin_create(cg_embedder **out, int dim, const cg_embed_idf *idf)
{
    *out = NULL;
    if (dim < 1 || dim > CG_EMBED_DIM_MAX) return CG_EINVAL;
    if (idf && idf->q && (idf->buckets == 0 || (idf->buckets & (idf->buckets - 1))))
        return CG_EINVAL;
    cg_embedder *e = calloc(1, sizeof *e);
    builtin *bi = calloc(1, sizeof *bi);
    if (!e || !bi) {
        free(e);
        free(bi);
        return CG_ENOMEM;
    }
    atomic_init(&bi->idf, idf);
    e->ops = &builtin_ops;
    e->impl = bi;
    e->dim = dim;
    e->normalized = 1;
    snprintf(e->model, sizeof e->model, "%s", CG_EMBED_BUILTIN_MODEL);
    *out = e;
    return 0;
}

void cg_embed_builtin_set_idf(cg_embedder *e, const cg_embed_idf *idf)
{
    CG_ASSERT(e && e->ops == &builtin_ops);
    atomic_store_explicit(&((builtin *)e->impl)->idf, idf, memory_order_release);
}

uint64_t cg_embed_builtin_idf_version(cg_embedder *e)
{
    if (!e || e->ops != &builtin_ops) return 0;
    const cg_embed_idf *idf =
        atomic_load_explicit(&((builtin *)e->impl)->idf, memory_order_acquire);
    return idf ? idf->version : 0;
}
