/*
 * vsearch.c — read-only HNSW and exact search over a mapped vector file (see vsearch.h).
 *
 * The HNSW walk follows the published algorithm (Malkov & Yashunin): greedy descent from the
 * entry point through levels max_level .. 1, then on level 0 a best-first expansion keeping
 * the ef closest kept nodes, stopping when the closest unexpanded candidate is farther than
 * the worst of a full result set. Unkept (filtered) nodes are expanded but never returned.
 *
 * Files with SQ8 codes (vfile.h) are walked on the codes: a node costs dim bytes instead of
 * 4 * dim, and the walk is bound by memory traffic. The ef nodes the walk keeps are then
 * re-scored from their float vectors, so the answer's order and scores are exact.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "vector/vsearch.h"

/* Neighbours gathered per expansion before distances are computed (prefetch window). */
#define VS_BATCH 64
/* Cache line size assumed by the whole-code prefetch. */
#define VS_LINE 64

typedef float vs_f16 __attribute__((vector_size(64)));
typedef int8_t vs_i8x16 __attribute__((vector_size(16)));

/* Kernels on 16-float vectors through macros: a vector passed by value to a function would
 * change the ABI on targets without AVX-512 (the compiler splits it either way). */
#define VS_LOAD(dst, p) memcpy(&(dst), (p), sizeof(vs_f16))
#define VS_HSUM(out, x)                                                                            \
    do {                                                                                           \
        out = 0;                                                                                   \
        for (int l_ = 0; l_ < 16; l_++) out += (x)[l_];                                            \
    } while (0)

float cg_vdot(const float *a, const float *b, int dim)
{
    vs_f16 s0 = {0}, s1 = {0}, x0, y0, x1, y1;
    int i = 0;
    float s;
    for (; i + 32 <= dim; i += 32) {
        VS_LOAD(x0, a + i), VS_LOAD(y0, b + i), VS_LOAD(x1, a + i + 16), VS_LOAD(y1, b + i + 16);
        s0 += x0 * y0;
        s1 += x1 * y1;
    }
    for (; i + 16 <= dim; i += 16) {
        VS_LOAD(x0, a + i), VS_LOAD(y0, b + i);
        s0 += x0 * y0;
    }
    s0 += s1;
    VS_HSUM(s, s0);
    for (; i < dim; i++) s += a[i] * b[i];
    return s;
}

float cg_vl2sq(const float *a, const float *b, int dim)
{
    vs_f16 s0 = {0}, s1 = {0}, x0, y0, x1, y1;
    int i = 0;
    float s;
    for (; i + 32 <= dim; i += 32) {
        VS_LOAD(x0, a + i), VS_LOAD(y0, b + i), VS_LOAD(x1, a + i + 16), VS_LOAD(y1, b + i + 16);
        x0 -= y0;
        x1 -= y1;
        s0 += x0 * x0;
        s1 += x1 * x1;
    }
    for (; i + 16 <= dim; i += 16) {
        VS_LOAD(x0, a + i), VS_LOAD(y0, b + i);
        x0 -= y0;
        s0 += x0 * x0;
    }
    s0 += s1;
    VS_HSUM(s, s0);
    for (; i < dim; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

/* Dot product of a float vector and an int8 code (the SQ8 walk's kernel). */
static float vs_dot_i8(const float *a, const int8_t *c, int dim)
{
    vs_f16 s0 = {0}, s1 = {0}, x0, x1;
    vs_i8x16 c0, c1;
    int i = 0;
    float s;
    for (; i + 32 <= dim; i += 32) {
        memcpy(&c0, c + i, sizeof(c0)), memcpy(&c1, c + i + 16, sizeof(c1));
        VS_LOAD(x0, a + i), VS_LOAD(x1, a + i + 16);
        s0 += x0 * __builtin_convertvector(c0, vs_f16);
        s1 += x1 * __builtin_convertvector(c1, vs_f16);
    }
    for (; i + 16 <= dim; i += 16) {
        memcpy(&c0, c + i, sizeof(c0));
        VS_LOAD(x0, a + i);
        s0 += x0 * __builtin_convertvector(c0, vs_f16);
    }
    s0 += s1;
    VS_HSUM(s, s0);
    for (; i < dim; i++) s += a[i] * (float)c[i];
    return s;
}

float cg_vdist(cg_vindex_metric m, const float *a, const float *b, int dim)
{
    return m == CG_VINDEX_L2 ? cg_vl2sq(a, b, dim) : -cg_vdot(a, b, dim);
}

/* ---- heaps: max-heap (results) and min-heap (candidates) on cg_vcand ---- */

static void heap_up(cg_vcand *a, int i, int max)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (max ? !(a[p].d < a[i].d) : !(a[i].d < a[p].d)) break;
        cg_vcand t = a[p];
        a[p] = a[i];
        a[i] = t;
        i = p;
    }
}

static void heap_down(cg_vcand *a, int n, int i, int max)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, b = i;
        if (l < n && (max ? a[b].d < a[l].d : a[l].d < a[b].d)) b = l;
        if (r < n && (max ? a[b].d < a[r].d : a[r].d < a[b].d)) b = r;
        if (b == i) return;
        cg_vcand t = a[b];
        a[b] = a[i];
        a[i] = t;
        i = b;
    }
}

void cg_vtopk_push(cg_vtopk *t, cg_vcand c)
{
    if (t->n < t->k) {
        t->a[t->n] = c;
        heap_up(t->a, t->n++, 1);
    } else if (t->k > 0 && c.d < t->a[0].d) {
        t->a[0] = c;
        heap_down(t->a, t->n, 0, 1);
    }
}

int cg_vtopk_sort(cg_vtopk *t)
{
    for (int n = t->n; n > 1; n--) {
        cg_vcand x = t->a[0];
        t->a[0] = t->a[n - 1];
        t->a[n - 1] = x;
        heap_down(t->a, n - 1, 0, 1);
    }
    return t->n;
}

/* ---- per-thread scratch ---- */

typedef struct vs_scratch {
    uint16_t *tags; /* visited: tags[node] == tag */
    int64_t ntags;
    uint16_t tag;
    cg_vcand *cand, *res; /* candidate min-heap, result max-heap */
    int cap_cand, cap_res;
} vs_scratch;

static pthread_key_t vs_key;
static pthread_once_t vs_once = PTHREAD_ONCE_INIT;

static void vs_scratch_free(void *p)
{
    vs_scratch *s = p;
    if (!s) return;
    free(s->tags);
    free(s->cand);
    free(s->res);
    free(s);
}

static void vs_key_make(void)
{
    pthread_key_create(&vs_key, vs_scratch_free);
}

/* This thread's scratch with room for n nodes and ef results; NULL on ENOMEM. */
static vs_scratch *vs_scratch_get(int64_t n, int ef)
{
    pthread_once(&vs_once, vs_key_make);
    vs_scratch *s = pthread_getspecific(vs_key);
    if (!s) {
        if (!(s = calloc(1, sizeof(*s)))) return NULL;
        pthread_setspecific(vs_key, s);
    }
    if (s->ntags < n) {
        free(s->tags);
        s->ntags = 0;
        if (!(s->tags = calloc((size_t)n, sizeof(uint16_t)))) return NULL;
        s->ntags = n;
        s->tag = 0;
    }
    if (++s->tag == 0) { /* wrapped: forget every old mark */
        memset(s->tags, 0, (size_t)s->ntags * sizeof(uint16_t));
        s->tag = 1;
    }
    if (s->cap_res < ef + 1) {
        cg_vcand *r = realloc(s->res, sizeof(*r) * (size_t)(ef + 1));
        if (!r) return NULL;
        s->res = r;
        s->cap_res = ef + 1;
    }
    return s;
}

static int vs_cand_push(vs_scratch *s, int *n, cg_vcand c)
{
    if (*n == s->cap_cand) {
        int cap = s->cap_cand ? s->cap_cand * 2 : 256;
        cg_vcand *a = realloc(s->cand, sizeof(*a) * (size_t)cap);
        if (!a) return CG_ENOMEM;
        s->cand = a;
        s->cap_cand = cap;
    }
    s->cand[*n] = c;
    heap_up(s->cand, (*n)++, 0);
    return 0;
}

static cg_vcand vs_cand_pop(vs_scratch *s, int *n)
{
    cg_vcand top = s->cand[0];
    s->cand[0] = s->cand[--*n];
    heap_down(s->cand, *n, 0, 0);
    return top;
}

/* ---- HNSW ---- */

static inline const float *vs_vec(const cg_vfile_view *v, int64_t node)
{
    return v->vectors + node * v->dim;
}

static inline const int8_t *vs_code(const cg_vfile_view *v, int64_t node)
{
    return v->sq_codes + node * v->dim;
}

/* Neighbour slice of node at level (empty when node has no such level or it is corrupt). */
static void vs_slice(const cg_vfile_view *v, int64_t node, int level, uint64_t *b, uint64_t *e)
{
    const int32_t *cum = v->h->cum;
    *b = *e = 0;
    if (level >= v->levels[node]) return;
    *b = v->offsets[node] + (uint64_t)cum[level];
    *e = v->offsets[node] + (uint64_t)cum[level + 1];
    if (*e > v->n_neighbors || *b > *e) *b = *e = 0;
}

/* Unvisited neighbours in slots [*i, e) into out, at most VS_BATCH (marked visited and
 * prefetched); advances *i; returns how many. */
static int vs_gather(const cg_vfile_view *v, vs_scratch *s, uint64_t *i, uint64_t e, int32_t *out)
{
    int n = 0;
    for (; *i < e && n < VS_BATCH; (*i)++) {
        int32_t nb = v->neighbors[*i];
        if (nb < 0) {
            *i = e;
            break;
        }
        if (nb >= v->n || s->tags[nb] == s->tag) continue;
        s->tags[nb] = s->tag;
        if (v->sq_codes) {
            __builtin_prefetch(vs_code(v, nb));
        } else {
            __builtin_prefetch(vs_vec(v, nb));
            __builtin_prefetch(vs_vec(v, nb) + 16);
        }
        out[n++] = nb;
    }
    return n;
}

/* Every cache line of node's code, issued one node ahead of its distance computation so it
 * streams in while the previous node is scored (measured: no gain for float vectors). */
static inline void vs_prefetch_code(const cg_vfile_view *v, int32_t node)
{
    const char *p = (const char *)vs_code(v, node);
    for (int o = 0; o < v->dim; o += VS_LINE) __builtin_prefetch(p + o);
}

typedef struct vs_walk {
    const cg_vfile_view *v;
    const float *q;
    float qn; /* |q|^2, for the SQ8 L2 distance */
    int ef;
    cg_vsearch_keep_fn keep;
    void *ctx;
    vs_scratch *s;
    int ncand, nres;
} vs_walk;

/* Distance of node while walking: from its SQ8 code when the file has codes, else exact. */
static inline float vs_walk_dist(const vs_walk *w, int32_t node)
{
    const cg_vfile_view *v = w->v;
    if (!v->sq_codes) return cg_vdist(v->metric, w->q, vs_vec(v, node), v->dim);
    const float *p = v->sq_params + 2 * (size_t)node;
    float dot = p[0] * vs_dot_i8(w->q, vs_code(v, node), v->dim);
    return v->metric == CG_VINDEX_L2 ? w->qn - 2 * dot + p[1] : -dot;
}

/* Greedy descent from the entry point to level 1's closest node. */
static cg_vcand vs_descend(const vs_walk *w)
{
    const cg_vfile_view *v = w->v;
    cg_vcand cur = {vs_walk_dist(w, v->h->entry_point), v->h->entry_point};
    for (int level = v->h->max_level; level >= 1; level--) {
        for (int changed = 1; changed;) {
            uint64_t b, e;
            changed = 0;
            vs_slice(v, cur.node, level, &b, &e);
            for (uint64_t i = b; i < e; i++) {
                int32_t nb = v->neighbors[i];
                if (nb < 0) break;
                if (nb >= v->n) continue;
                float d = vs_walk_dist(w, nb);
                if (d < cur.d) {
                    cur = (cg_vcand){d, nb};
                    changed = 1;
                }
            }
        }
    }
    return cur;
}

static void vs_res_offer(vs_walk *w, cg_vcand c)
{
    if (w->keep && !w->keep(w->ctx, c.node)) return;
    cg_vtopk t = {w->s->res, w->nres, w->ef};
    cg_vtopk_push(&t, c);
    w->nres = t.n;
}

/* Best-first search of level 0 from ep; results stay in w->s->res (a max-heap). */
static int vs_level0(vs_walk *w, cg_vcand ep)
{
    vs_scratch *s = w->s;
    int32_t batch[VS_BATCH];
    s->tags[ep.node] = s->tag;
    if (vs_cand_push(s, &w->ncand, ep)) return CG_ENOMEM;
    vs_res_offer(w, ep);
    while (w->ncand > 0) {
        cg_vcand c = vs_cand_pop(s, &w->ncand);
        if (w->nres >= w->ef && c.d > s->res[0].d) break;
        uint64_t at, e;
        vs_slice(w->v, c.node, 0, &at, &e);
        while (at < e) {
            int nb = vs_gather(w->v, s, &at, e, batch);
            for (int i = 0; i < nb; i++) {
                if (w->v->sq_codes && i + 1 < nb) vs_prefetch_code(w->v, batch[i + 1]);
                cg_vcand y = {vs_walk_dist(w, batch[i]), batch[i]};
                if (w->nres < w->ef || y.d < s->res[0].d) {
                    if (vs_cand_push(s, &w->ncand, y)) return CG_ENOMEM;
                    vs_res_offer(w, y);
                }
            }
        }
    }
    return 0;
}

/* Exact float distances for the kept results of an SQ8 walk, and the max-heap rebuilt. */
static void vs_rescore(vs_walk *w)
{
    cg_vcand *r = w->s->res;
    for (int i = 0; i < w->nres; i++)
        r[i].d = cg_vdist(w->v->metric, w->q, vs_vec(w->v, r[i].node), w->v->dim);
    for (int i = 1; i < w->nres; i++) heap_up(r, i, 1);
}

int cg_vsearch(const cg_vfile_view *v, const float *q, int k, int ef, cg_vsearch_keep_fn keep,
               void *ctx, cg_vcand *out)
{
    if (k <= 0 || v->n == 0) return 0;
    if (v->type == CG_VINDEX_FLAT) return cg_vsearch_exact(v, q, k, keep, ctx, out);
    if (ef < k) ef = k;
    vs_scratch *s = vs_scratch_get(v->n, ef);
    if (!s) return CG_ENOMEM;
    vs_walk w = {.v = v, .q = q, .ef = ef, .keep = keep, .ctx = ctx, .s = s};
    if (v->sq_codes && v->metric == CG_VINDEX_L2) w.qn = cg_vdot(q, q, v->dim);
    int rc = vs_level0(&w, vs_descend(&w));
    if (rc) return rc;
    if (v->sq_codes) vs_rescore(&w);
    cg_vtopk t = {s->res, w.nres, ef};
    int n = cg_vtopk_sort(&t);
    n = CG_MIN(n, k);
    memcpy(out, s->res, sizeof(*out) * (size_t)n);
    return n;
}

int cg_vsearch_exact(const cg_vfile_view *v, const float *q, int k, cg_vsearch_keep_fn keep,
                     void *ctx, cg_vcand *out)
{
    cg_vtopk t = {out, 0, k};
    for (int64_t i = 0; i < v->n; i++) {
        if (i + 4 < v->n) __builtin_prefetch(vs_vec(v, i + 4));
        cg_vcand c = {cg_vdist(v->metric, q, vs_vec(v, i), v->dim), (int32_t)i};
        if (t.n == k && !(c.d < t.a[0].d)) continue;
        if (keep && !keep(ctx, i)) continue;
        cg_vtopk_push(&t, c);
    }
    return cg_vtopk_sort(&t);
}
