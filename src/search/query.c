/*
 * query.c — running searches (search.h): the lexical (BM25), semantic (vector or exact
 * cosine scan), and symbol sources, reciprocal-rank fusion for hybrid, filters, pages.
 *
 * DESIGN
 * - Every read of a project goes through its published view (the snapshot of its last
 *   finished index job), so postings, bags, corpus stats and entities agree with each other
 *   and with the generation graph queries report.
 * - Each source yields at most `fan` candidates (fan = max(offset + limit, FAN_MIN), at most
 *   CG_SEARCH_CANDIDATES_MAX), best first; kind and language filters apply inside the
 *   sources (postings and bags carry both), project filters by choosing views, and the
 *   path prefix when candidates are materialised (entity records carry the path).
 * - Hybrid: fused = sum over sources of W_src / (RRF_K + rank), plus a name boost of
 *   NAME_BOOST x (fraction of the name's terms found among the query's terms) and NAME_EXACT when
 *   the whole query is the name. Ties break by id, so pages are stable cursors.
 * - BM25 with k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)); tf is the
 *   field-weighted frequency (bag.h), N and the average length are the project's. In
 *   corpora of LEX_COMMON_MIN_DOCS or more, query terms in over a third of the documents
 *   are not read when the query has rarer ones (they weigh little and cost the most).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "search/search_int.h"

#define FAN_MIN 100 /* candidates per source at least (fusion needs depth) */
#define RRF_K 10.0  /* reciprocal-rank constant (bench/quality: 10 beats 60) */
#define BM25_K1 1.2
#define BM25_B 0.75
#define NAME_BOOST 0.02    /* fused-score bonus when the query covers every part of the name */
#define NAME_EXACT 0.05    /* … and when the query is the name itself */
#define SYMBOL_WORDS_MAX 4 /* identifier-like query words looked up as symbols */
#define SEM_OVERSAMPLE 4   /* vector candidates fetched per wanted one under filters */
#define PROJECTS_MAX 1024  /* projects one unfiltered search reads */
#define KEEP_CACHE 256     /* file uid → project entries cached by a vector search's filter */
#define SEM_FUSE_MIN 0.05  /* smallest cosine a semantic hit needs to enter hybrid fusion */

/* Source weights in the fusion: lexical, semantic, symbol. The built-in embedding overlaps
 * lexical evidence, so it counts half (bench/quality). */
static const double src_weight[CG_SEARCH_SRC_COUNT] = {1.0, 0.5, 0.6};

static const char *const mode_names[CG_SEARCH_MODE_COUNT] = {"hybrid", "lexical", "semantic",
                                                             "symbol"};

const char *cg_search_mode_name(int mode)
{
    return mode >= 0 && mode < CG_SEARCH_MODE_COUNT ? mode_names[mode] : NULL;
}

int cg_search_mode_parse(const char *s)
{
    for (int i = 0; s && i < CG_SEARCH_MODE_COUNT; i++)
        if (strcmp(s, mode_names[i]) == 0) return i;
    return -1;
}

/* ---- candidates ---- */

typedef struct cand {
    uint64_t id;
    int pix; /* index of its project in the query's views */
    int rank[CG_SEARCH_SRC_COUNT];
    double score[CG_SEARCH_SRC_COUNT];
    double fused, boost;
    int ent;        /* index into mem->ents, -1 until materialised */
    unsigned found; /* 1 << source that found it */
} cand;

typedef struct sr_view {
    cg_graph_view *v;
    cg_graph_project pr;
} sr_view;

/* Memory of a result: materialised entities, candidates, views, hits. */
typedef struct sr_mem {
    cg_graph_result *ents;
    int n_ents, cap_ents;
    cg_search_hit *hits;
} sr_mem;

/* A running query. */
typedef struct sr_q {
    cg_search *s;
    sr_view *views;
    int n_views;
    const char *language;
    int lang_code; /* 0 = any */
    uint32_t kinds;
    const char *path_prefix;
    uint64_t exclude; /* similar-by-entity: the entity itself */
    int fan;
    cand *c;
    int n, cap;
    /* id → candidate index (open addressing; 0 keys are empty: ids are never 0) */
    uint64_t *mk;
    int *mv;
    uint32_t mcap;
    int bounded;
    uint64_t src_total[CG_SEARCH_SRC_COUNT];
    char terms[CG_SEARCH_QUERY_TERMS_MAX][CG_SEARCH_TERM_MAX + 1];
    int qtf[CG_SEARCH_QUERY_TERMS_MAX];
    int n_terms;
    sr_mem *mem;
    int all_projects; /* the views cover every project: no per-candidate project filter */
    uint64_t kc_uid[KEEP_CACHE]; /* keep_project's cache: file uid + 1 (0 = empty) */
    uint32_t kc_p[KEEP_CACHE];
} sr_q;

static int map_grow(sr_q *q)
{
    uint32_t cap = q->mcap ? q->mcap * 2 : 1024;
    uint64_t *k = calloc(cap, sizeof *k);
    int *v = malloc(cap * sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return CG_ENOMEM;
    }
    for (uint32_t i = 0; i < q->mcap; i++) {
        if (!q->mk[i]) continue;
        uint32_t h = (uint32_t)(q->mk[i] * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
        while (k[h]) h = (h + 1) & (cap - 1);
        k[h] = q->mk[i];
        v[h] = q->mv[i];
    }
    free(q->mk);
    free(q->mv);
    q->mk = k;
    q->mv = v;
    q->mcap = cap;
    return 0;
}

/* The candidate of id (created when absent); NULL on OOM. */
static cand *cand_get(sr_q *q, uint64_t id, int pix)
{
    if ((uint32_t)(q->n + 1) * 2 > q->mcap && map_grow(q) != 0) return NULL;
    uint32_t h = (uint32_t)(id * 0x9E3779B97F4A7C15ull >> 32) & (q->mcap - 1);
    for (; q->mk[h]; h = (h + 1) & (q->mcap - 1))
        if (q->mk[h] == id) return &q->c[q->mv[h]];
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 256;
        cand *c = realloc(q->c, (size_t)cap * sizeof *c);
        if (!c) return NULL;
        q->c = c;
        q->cap = cap;
    }
    cand *c = &q->c[q->n];
    memset(c, 0, sizeof *c);
    c->id = id;
    c->pix = pix;
    c->ent = -1;
    q->mk[h] = id;
    q->mv[h] = q->n++;
    return c;
}

/* ---- query terms ---- */

static int qterm_cb(void *ctx, const char *t, size_t n)
{
    sr_q *q = ctx;
    for (int i = 0; i < q->n_terms; i++)
        if (strlen(q->terms[i]) == n && memcmp(q->terms[i], t, n) == 0) {
            q->qtf[i]++;
            return 0;
        }
    if (q->n_terms == CG_SEARCH_QUERY_TERMS_MAX) return 0;
    memcpy(q->terms[q->n_terms], t, n);
    q->terms[q->n_terms][n] = '\0';
    q->qtf[q->n_terms++] = 1;
    return 0;
}

/* ---- lexical: BM25 per project ---- */

/* The project's document count and summed length at the view's snapshot. */
/* The project's document count and summed length at the view's snapshot, summed over its
 * files' stats records; cached per (project, generation), which fixes the snapshot. */
static int corpus_stats(sr_q *q, sr_view *pv, double *n_docs, double *avgdl)
{
    cg_search *s = q->s;
    uint64_t gen = cg_graph_view_generation(pv->v), docs = 0, total = 0;
    uint32_t slot = pv->pr.id % LEX_STATS_CACHE;
    pthread_mutex_lock(&s->stats_mu);
    int hit = s->stats[slot].project == pv->pr.id && s->stats[slot].generation == gen;
    if (hit) *n_docs = s->stats[slot].docs, *avgdl = s->stats[slot].avgdl;
    pthread_mutex_unlock(&s->stats_mu);
    if (hit) return 0;
    cg_store_iter *it = NULL;
    gr_key lo, hi;
    lex_k_file(&lo, pv->pr.id, 0);
    lex_k_file(&hi, pv->pr.id + 1, 0);
    int rc = cg_store_iter_create(s->store, gr_view_snap(pv->v), CG_STORE_CF_LEX_DOCS, lo.b, lo.n,
                                  hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t vl;
        gr_rd r;
        const void *v = cg_store_iter_value(it, &vl);
        gr_rd_init(&r, v, vl);
        if (gr_rd_u8(&r) != LEX_REC_VERSION) continue;
        docs += gr_rd_var(&r);
        total += gr_rd_var(&r);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    *n_docs = (double)docs;
    *avgdl = docs ? (double)total / (double)docs : 1.0;
    if (rc) return rc;
    pthread_mutex_lock(&s->stats_mu);
    s->stats[slot].project = pv->pr.id;
    s->stats[slot].generation = gen;
    s->stats[slot].docs = *n_docs;
    s->stats[slot].avgdl = *avgdl;
    pthread_mutex_unlock(&s->stats_mu);
    return 0;
}

typedef struct posting {
    uint64_t id;
    uint32_t tf, dl;
} posting;

/* One posting list (a file's entities containing the term) into buf: df counts every entry,
 * the filtered ones are kept. 0, 1 when df passed CG_SEARCH_POSTINGS_SCAN_MAX (the read
 * stops at that entry, as a read of per-entity postings would), or an error. */
static int bm25_list(sr_q *q, uint64_t uid, const void *v, size_t vl, size_t *df, posting **buf,
                     size_t *np, size_t *cap)
{
    lex_plist pl;
    lex_posting e;
    if (lex_plist_open(&pl, v, vl) != 0) return 0;
    if (q->lang_code && pl.lang != q->lang_code) { /* the whole list is filtered out */
        if (*df + pl.n <= CG_SEARCH_POSTINGS_SCAN_MAX) {
            *df += pl.n;
            return 0;
        }
        *df = CG_SEARCH_POSTINGS_SCAN_MAX + 1;
        return 1;
    }
    while (lex_plist_next(&pl, &e)) {
        if ((*df)++ >= CG_SEARCH_POSTINGS_SCAN_MAX) return 1;
        if (q->kinds && !(q->kinds & CG_GRAPH_KIND_BIT(e.kind))) continue;
        uint64_t id = GR_ID(uid, e.local);
        if (id == q->exclude) continue;
        if (*np == *cap) {
            size_t nc = *cap ? *cap * 2 : 1024;
            posting *p = realloc(*buf, nc * sizeof *p);
            if (!p) return CG_ENOMEM;
            *buf = p;
            *cap = nc;
        }
        (*buf)[(*np)++] = (posting){id, e.tf, e.doclen};
    }
    return 0;
}

/* One term's postings in one project: df counts them all; filtered ones score. */
static int bm25_term(sr_q *q, int pix, int ti, double n_docs, double avgdl, posting **buf,
                     size_t *cap)
{
    sr_view *pv = &q->views[pix];
    const char *t = q->terms[ti];
    size_t tn = strlen(t), np = 0, df = 0;
    cg_store_iter *it = NULL;
    gr_key lo, hi;

    lex_k_posting(&lo, pv->pr.id, t, tn, 0);
    lo.n -= 8;
    hi = lo;
    hi.b[hi.n - 1] = 1; /* P term 01: just past every "P term 00 U" */
    int rc = cg_store_iter_create(q->s->store, gr_view_snap(pv->v), CG_STORE_CF_LEX_POSTINGS, lo.b,
                                  lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        if (kl != lo.n + 8) continue;
        const void *v = cg_store_iter_value(it, &vl);
        rc = bm25_list(q, gr_get_u64(k + lo.n), v, vl, &df, buf, &np, cap);
        if (rc == 1) {
            q->bounded = 1;
            rc = 0;
            break;
        }
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    if (rc) return rc;
    double idf = log(1.0 + (n_docs - (double)df + 0.5) / ((double)df + 0.5));
    for (size_t i = 0; i < np; i++) {
        cand *c = cand_get(q, (*buf)[i].id, pix);
        if (!c) return CG_ENOMEM;
        double tf = (*buf)[i].tf, norm = 1 - BM25_B + BM25_B * (*buf)[i].dl / avgdl;
        c->found |= 1u << CG_SEARCH_SRC_LEXICAL;
        c->score[CG_SEARCH_SRC_LEXICAL] +=
            q->qtf[ti] * idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm);
    }
    return 0;
}

/* Which query terms to read. Two bounds keep a query's cost in check on large corpora, both
 * on the in-memory document frequencies (bucket counts: an upper bound, not the postings):
 * - terms in more than LEX_COMMON_FRACTION of the documents weigh little in BM25 (idf < ln 3)
 *   and are left out when the query has rarer terms;
 * - rarest first, terms are read while their postings fit CG_SEARCH_QUERY_POSTINGS_MAX (the
 *   rarest term is always read): the common tail of a long query on a huge corpus is what
 *   would cost the most and weigh the least. */
static void common_terms(sr_q *q, unsigned char *skip)
{
    int64_t docs = atomic_load(&q->s->docs);
    uint32_t df[CG_SEARCH_QUERY_TERMS_MAX];
    int rare = 0, order[CG_SEARCH_QUERY_TERMS_MAX];
    memset(skip, 0, CG_SEARCH_QUERY_TERMS_MAX);
    if (docs < LEX_COMMON_MIN_DOCS) return;
    for (int t = 0; t < q->n_terms; t++) {
        uint64_t h = cg_search_term_hash(q->terms[t], strlen(q->terms[t]));
        df[t] = atomic_load_explicit(&q->s->df[h & (LEX_IDF_BUCKETS - 1)], memory_order_relaxed);
        skip[t] = (double)df[t] > LEX_COMMON_FRACTION * (double)docs;
        rare += !skip[t];
        order[t] = t;
    }
    if (!rare) memset(skip, 0, CG_SEARCH_QUERY_TERMS_MAX);
    for (int i = 1; i < q->n_terms; i++) /* insertion sort by df: at most 64 terms */
        for (int j = i; j > 0 && df[order[j]] < df[order[j - 1]]; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    uint64_t used = 0;
    for (int i = 0; i < q->n_terms; i++) {
        int t = order[i];
        if (skip[t]) continue;
        if (used && used + df[t] > CG_SEARCH_QUERY_POSTINGS_MAX)
            skip[t] = 1;
        else
            used += df[t];
    }
}

static int lexical(sr_q *q)
{
    posting *buf = NULL;
    size_t cap = 0;
    unsigned char skip[CG_SEARCH_QUERY_TERMS_MAX];
    int rc = 0;
    common_terms(q, skip);
    for (int p = 0; p < q->n_views && !rc; p++) {
        double n_docs, avgdl;
        rc = corpus_stats(q, &q->views[p], &n_docs, &avgdl);
        for (int t = 0; t < q->n_terms && !rc; t++)
            if (!skip[t]) rc = bm25_term(q, p, t, n_docs, avgdl, &buf, &cap);
    }
    free(buf);
    return rc;
}

/* ---- semantic ---- */

/* The bag header of id at the view's snapshot: 0 and kind/lang, CG_ENOTFOUND, or an error. */
static int bag_head(sr_q *q, sr_view *pv, uint64_t id, cg_buf *buf, lex_bag *hdr)
{
    gr_key k;
    lex_k_bag(&k, pv->pr.id, id);
    int rc = cg_store_get(q->s->store, gr_view_snap(pv->v), CG_STORE_CF_LEX_DOCS, k.b, k.n, buf,
                          NULL, 0);
    if (rc < 0) return rc;
    return lex_bag_dec(buf->data, buf->len, hdr);
}

static int passes(const sr_q *q, const lex_bag *h)
{
    return (!q->kinds || (q->kinds & CG_GRAPH_KIND_BIT(h->kind))) &&
           (!q->lang_code || h->lang == q->lang_code);
}

static int sem_add(sr_q *q, int pix, uint64_t id, double score, double threshold)
{
    if (id == q->exclude || score < threshold) return 0;
    cand *c = cand_get(q, id, pix);
    if (!c) return CG_ENOMEM;
    c->found |= 1u << CG_SEARCH_SRC_SEMANTIC;
    c->score[CG_SEARCH_SRC_SEMANTIC] = score;
    return 0;
}

/* The view index of a project id, -1 when not searched. */
static int view_of(const sr_q *q, uint32_t project)
{
    for (int i = 0; i < q->n_views; i++)
        if (q->views[i].pr.id == project) return i;
    return -1;
}

/* The vector index's filter when only some projects are searched: the project of an id's
 * file, through a small direct-mapped cache (one entry per file uid; ids of a file are
 * adjacent, and the filter runs for every candidate the search looks at). */
static int keep_project(void *ctx, uint64_t id)
{
    sr_q *q = ctx;
    uint64_t uid = CG_GRAPH_ID_FILE(id);
    uint32_t slot = (uint32_t)(uid * 0x9E3779B97F4A7C15ull >> 56) & (KEEP_CACHE - 1), p;
    if (q->kc_uid[slot] != uid + 1) {
        if (cg_graph_entity_project(q->s->g, id, &p) != 0) return 0;
        q->kc_uid[slot] = uid + 1;
        q->kc_p[slot] = p;
    }
    return view_of(q, q->kc_p[slot]) >= 0;
}

/* Nearest vectors from the vector index, checked against the published views. */
static int sem_index(sr_q *q, const float *qv, double threshold)
{
    int filtered = q->kinds || q->lang_code || q->exclude;
    int k = CG_MIN(q->fan * (filtered ? SEM_OVERSAMPLE : 1) + 1, CG_VINDEX_K_MAX);
    cg_vindex_hit *hits = malloc((size_t)k * sizeof *hits);
    cg_buf buf;
    int rc = 0;

    if (!hits) return CG_ENOMEM;
    cg_buf_init(&buf);
    int n = cg_vindex_search(q->s->vi, qv, k, 0, q->all_projects ? NULL : keep_project, q, hits);
    if (n < 0) rc = n;
    for (int i = 0; i < n && !rc; i++) {
        uint32_t p;
        lex_bag h;
        if (cg_graph_entity_project(q->s->g, hits[i].id, &p) != 0) continue;
        int pix = view_of(q, p);
        if (pix < 0 || bag_head(q, &q->views[pix], hits[i].id, &buf, &h) != 0 || !passes(q, &h))
            continue;
        rc = sem_add(q, pix, hits[i].id, hits[i].score, threshold);
    }
    if (n >= k) q->bounded = 1;
    cg_buf_release(&buf);
    free(hits);
    return rc;
}

/* No vector index: exact cosine against every stored bag of the searched projects. */
static int sem_scan(sr_q *q, const float *qv, double threshold)
{
    const cg_embed_idf *idf = sr_idf(q->s);
    int dim = q->s->dim, cap = 0, rc = 0;
    cg_embed_term *terms = NULL;
    float *v = malloc((size_t)dim * sizeof *v);

    for (int p = 0; v && p < q->n_views && !rc; p++) {
        cg_store_iter *it = NULL;
        gr_key lo, hi;
        lex_k_bag(&lo, q->views[p].pr.id, 0);
        lex_k_bag(&hi, q->views[p].pr.id + 1, 0);
        rc = cg_store_iter_create(q->s->store, gr_view_snap(q->views[p].v), CG_STORE_CF_LEX_DOCS,
                                  lo.b, lo.n, hi.b, hi.n, &it);
        for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *kp = cg_store_iter_key(it, &kl);
            const void *val = cg_store_iter_value(it, &vl);
            lex_bag h;
            int n = lex_bag_terms(val, vl, &terms, &cap, &h);
            if (n == CG_ENOMEM) rc = n;
            if (n < 0 || kl != 13 || !passes(q, &h)) continue;
            uint64_t meta = cg_embed_meta_hash(cg_graph_kind_name(h.kind), gr_lang_name(h.lang));
            cg_embed_bag(idf, terms, n, meta, dim, v);
            double dot = 0;
            for (int i = 0; i < dim; i++) dot += (double)v[i] * qv[i];
            rc = sem_add(q, p, gr_get_u64(kp + 5), dot, threshold);
        }
        if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
        cg_store_iter_destroy(it);
    }
    if (!v) rc = CG_ENOMEM;
    free(v);
    free(terms);
    return rc;
}

/* No vector index, HTTP provider: exact cosine against the stored vectors. */
typedef struct rscan {
    sr_q *q;
    const float *qv;
    double threshold;
    cg_buf buf;
} rscan;

static int rscan_one(void *ctx, uint64_t id, const float *v)
{
    rscan *r = ctx;
    uint32_t p;
    lex_bag h;
    double dot = 0;
    if (cg_graph_entity_project(r->q->s->g, id, &p) != 0) return 0;
    int pix = view_of(r->q, p);
    if (pix < 0 || bag_head(r->q, &r->q->views[pix], id, &r->buf, &h) != 0 || !passes(r->q, &h))
        return 0;
    for (int i = 0; i < r->q->s->dim; i++) dot += (double)v[i] * r->qv[i];
    return sem_add(r->q, pix, id, dot, r->threshold);
}

static int semantic(sr_q *q, const float *qv, double threshold)
{
    if (q->s->vi) {
        cg_vindex_stats st;
        cg_vindex_stats_get(q->s->vi, &st);
        if (st.total > 0 || !st.needs_rebuild) return sem_index(q, qv, threshold);
    }
    if (q->s->remote) {
        rscan r = {.q = q, .qv = qv, .threshold = threshold};
        cg_buf_init(&r.buf);
        int rc = sr_remote_foreach(q->s, rscan_one, &r);
        cg_buf_release(&r.buf);
        return rc < 0 ? rc : 0;
    }
    return sem_scan(q, qv, threshold);
}

/* Embed free text (a query or a snippet) the way the index embeds entities, leaving out
 * terms no indexed entity contains (df 0: they can only meet documents through chance
 * collisions of hashed features). */
static int embed_text(cg_search *s, const char *text, size_t n, const char *language, float *qv)
{
    if (s->remote) { /* the provider's own model: blocking HTTP (callers run on the pool) */
        cg_embed_input in = {.text = text, .text_len = n, .language = language};
        char err[256];
        int erc = cg_embedder_embed(s->emb, &in, 1, qv, err, sizeof err);
        return erc == CG_ETIMEOUT ? erc : erc ? CG_EEMBED : 0;
    }
    cg_bag b;
    int k = 0;
    cg_bag_init(&b);
    int rc = cg_bag_add_text(&b, text, n, CG_BAG_W_BODY, CG_EMBED_F_BODY, CG_TOK_JOINED);
    for (int i = 0; !rc && i < b.n; i++)
        if (atomic_load_explicit(&s->df[b.terms[i].hash & (LEX_IDF_BUCKETS - 1)],
                                 memory_order_relaxed))
            b.terms[k++] = b.terms[i];
    if (!rc) cg_embed_bag(sr_idf(s), b.terms, k, cg_embed_meta_hash(NULL, language), s->dim, qv);
    cg_bag_release(&b);
    return rc ? CG_EEMBED : 0;
}

/* ---- symbol ---- */

static int sym_lookup(sr_q *q, int pix, const char *word, int match, double weight)
{
    cg_graph_symbol_query sq = {.q = word,
                                .match = match,
                                .kinds = q->kinds,
                                .language = q->language,
                                .page = {.limit = (uint32_t)q->fan}};
    cg_graph_result r;
    cg_graph_result_init(&r);
    int rc = cg_graph_symbols(q->views[pix].v, &sq, &r);
    if (rc == CG_EINVAL) rc = 0; /* not a usable name */
    for (int i = 0; !rc && i < r.n; i++) {
        const cg_graph_entity *e = &r.hits[i].entity;
        if (e->kind == CG_GRAPH_KIND_FILE || e->id == q->exclude) continue;
        cand *c = cand_get(q, e->id, pix);
        if (!c) {
            rc = CG_ENOMEM;
            break;
        }
        double sc = weight * (r.hits[i].score > 0 ? r.hits[i].score : 0.5);
        if (!(c->found & (1u << CG_SEARCH_SRC_SYMBOL)) || sc > c->score[CG_SEARCH_SRC_SYMBOL])
            c->score[CG_SEARCH_SRC_SYMBOL] = sc;
        c->found |= 1u << CG_SEARCH_SRC_SYMBOL;
    }
    if (r.truncated) q->bounded = 1;
    cg_graph_result_release(&r);
    return rc;
}

/* Does a word look like code rather than prose: snake_case, camelCase, a dotted or "::"
 * path, or letters mixed with digits? */
static int code_like(const char *w, size_t n)
{
    int lower = 0, alpha = 0, digit = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c == '_' || c == '.' || c == ':' || (i && lower && isupper(c))) return 1;
        lower = islower(c) != 0;
        alpha |= isalpha(c) != 0;
        digit |= isdigit(c) != 0;
    }
    return alpha && digit;
}

static int count_words(const char *p)
{
    int n = 0;
    while (*p) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p) n++;
        while (*p && !isspace((unsigned char)*p)) p++;
    }
    return n;
}

/* Identifier-like words of the query (at most SYMBOL_WORDS_MAX), looked up by name. In
 * hybrid (prose allowed) a query of more than two words only looks up its code-like words:
 * symbol hits for "the", "return" or "file" would be noise at the top of the fusion. */
static int symbol(sr_q *q, const char *text, int explicit_mode)
{
    char word[CG_SEARCH_TERM_MAX * 2 + 1];
    int words = 0, rc = 0, prose = !explicit_mode && count_words(text) > 2;
    const char *p = text;
    while (*p && words < SYMBOL_WORDS_MAX && !rc) {
        while (*p && !(isalnum((unsigned char)*p) || *p == '_')) p++;
        size_t n = 0;
        while ((isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.' || p[n] == ':')) n++;
        if (n < 2 || n >= sizeof word || (prose && !code_like(p, n))) {
            p += n;
            continue;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        p += n;
        words++;
        for (int v = 0; v < q->n_views && !rc; v++) {
            rc = sym_lookup(q, v, word, CG_MATCH_EXACT, 2.0);
            if (!rc) rc = sym_lookup(q, v, word, CG_MATCH_PREFIX, 1.0);
            if (!rc && explicit_mode) rc = sym_lookup(q, v, word, CG_MATCH_FUZZY, 0.8);
        }
    }
    return rc;
}

/* ---- ranking, fusion, materialising ---- */

typedef struct rk {
    double score;
    uint64_t id;
    int i;
} rk;

static int rk_cmp(const void *a, const void *b)
{
    const rk *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Rank each source's candidates (1-based, best first); count them. */
static int rank_sources(sr_q *q)
{
    rk *r = malloc(((size_t)q->n + 1) * sizeof *r);
    if (!r) return CG_ENOMEM;
    for (int s = 0; s < CG_SEARCH_SRC_COUNT; s++) {
        int n = 0;
        for (int i = 0; i < q->n; i++)
            if (q->c[i].found & (1u << s)) r[n++] = (rk){q->c[i].score[s], q->c[i].id, i};
        qsort(r, (size_t)n, sizeof *r, rk_cmp);
        for (int i = 0; i < n; i++) q->c[r[i].i].rank[s] = i + 1;
        q->src_total[s] = (uint64_t)n;
        if (n > q->fan) q->bounded = 1;
    }
    free(r);
    return 0;
}

/* How much of a name the query covers: the fraction of the name's distinct sub-tokens that
 * are query terms ("send_packet" for "Send one packet over the socket": 2 of 2). */
typedef struct name_ctx {
    const sr_q *q;
    char seen[CG_SEARCH_QUERY_TERMS_MAX][CG_SEARCH_TERM_MAX + 1];
    int n, hits;
} name_ctx;

static int name_cb(void *ctx, const char *t, size_t n)
{
    name_ctx *c = ctx;
    for (int i = 0; i < c->n; i++)
        if (strlen(c->seen[i]) == n && memcmp(c->seen[i], t, n) == 0) return 0;
    if (c->n == CG_SEARCH_QUERY_TERMS_MAX) return 1;
    memcpy(c->seen[c->n], t, n);
    c->seen[c->n++][n] = '\0';
    for (int i = 0; i < c->q->n_terms; i++)
        if (strlen(c->q->terms[i]) == n && memcmp(c->q->terms[i], t, n) == 0) {
            c->hits++;
            break;
        }
    return 0;
}

static double name_boost(const sr_q *q, const char *qtext, const char *name)
{
    name_ctx c = {.q = q};
    if (!q->n_terms || !name) return 0;
    cg_search_tokenize(name, strlen(name), 0, name_cb, &c);
    double b = c.n ? NAME_BOOST * c.hits / c.n : 0;
    while (*qtext == ' ') qtext++;
    if (strcasecmp(qtext, name) == 0) b += NAME_EXACT;
    return b;
}

/* Load candidate i's entity from its project's view; 0, CG_ENOTFOUND, or an error. */
static int materialise(sr_q *q, cand *c)
{
    sr_mem *m = q->mem;
    if (m->n_ents == m->cap_ents) {
        int cap = m->cap_ents ? m->cap_ents * 2 : 64;
        cg_graph_result *e = realloc(m->ents, (size_t)cap * sizeof *e);
        if (!e) return CG_ENOMEM;
        m->ents = e;
        m->cap_ents = cap;
    }
    cg_graph_result *r = &m->ents[m->n_ents];
    cg_graph_result_init(r);
    int rc = cg_graph_entity_get(q->views[c->pix].v, c->id, r);
    if (rc != 0) {
        cg_graph_result_release(r);
        return rc;
    }
    const char *path = r->hits[0].entity.path;
    if (q->path_prefix && *q->path_prefix &&
        strncmp(path ? path : "", q->path_prefix, strlen(q->path_prefix)) != 0) {
        cg_graph_result_release(r);
        return CG_ENOTFOUND;
    }
    c->ent = m->n_ents++;
    return 0;
}

static int mode_src(int mode)
{
    return mode == CG_SEARCH_LEXICAL    ? CG_SEARCH_SRC_LEXICAL
           : mode == CG_SEARCH_SEMANTIC ? CG_SEARCH_SRC_SEMANTIC
           : mode == CG_SEARCH_SYMBOL   ? CG_SEARCH_SRC_SYMBOL
                                        : -1;
}

/* The candidate's place in the answer: 0 = left out, else 1 and its score. */
static int cand_score(const sr_q *q, const cand *c, int mode, double *sc)
{
    int src = mode_src(mode), best = 0;
    *sc = 0;
    if (src >= 0) {
        *sc = c->score[src];
        return (c->found & (1u << src)) && c->rank[src] <= q->fan;
    }
    for (int s = 0; s < CG_SEARCH_SRC_COUNT; s++) {
        if (!(c->found & (1u << s))) continue;
        *sc += src_weight[s] / (RRF_K + c->rank[s]);
        if (!best || c->rank[s] < best) best = c->rank[s];
    }
    return best && best <= q->fan;
}

static void hit_fill(const sr_q *q, const cand *c, int explain, cg_search_hit *h)
{
    memset(h, 0, sizeof *h);
    h->entity = q->mem->ents[c->ent].hits[0].entity;
    h->score = c->fused;
    h->project_name = NULL;
    if (!explain) return;
    for (int s = 0; s < CG_SEARCH_SRC_COUNT; s++) {
        if (!(c->found & (1u << s))) continue;
        h->explain.rank[s] = c->rank[s];
        h->explain.score[s] = c->score[s];
        h->explain.rrf[s] = src_weight[s] / (RRF_K + c->rank[s]);
    }
    h->explain.name_boost = c->boost;
}

/* Rank, fuse, materialise, filter by path and cut the page into out. */
static int assemble(sr_q *q, int mode, const char *qtext, int explain, const cg_graph_page *pg,
                    cg_search_result *out)
{
    rk *l = malloc(((size_t)q->n + 1) * sizeof *l);
    int nl = 0, rc = l ? rank_sources(q) : CG_ENOMEM;
    for (int i = 0; !rc && i < q->n; i++) {
        cand *c = &q->c[i];
        double sc;
        if (!cand_score(q, c, mode, &sc)) continue;
        if ((rc = materialise(q, c)) == CG_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc) break;
        if (mode == CG_SEARCH_HYBRID)
            sc += c->boost = name_boost(q, qtext, q->mem->ents[c->ent].hits[0].entity.name);
        c->fused = sc;
        l[nl++] = (rk){sc, c->id, i};
    }
    if (rc) goto fail;
    qsort(l, (size_t)nl, sizeof *l, rk_cmp);
    int src = mode_src(mode);
    int exact_total = src >= 0 && !(q->path_prefix && *q->path_prefix);
    out->total = exact_total ? q->src_total[src] : (uint64_t)nl;
    uint64_t off = pg->offset;
    uint32_t lim = pg->limit ? CG_MIN(pg->limit, CG_GRAPH_LIMIT_MAX) : CG_GRAPH_LIMIT_DEFAULT;
    int n = off < (uint64_t)nl ? (int)CG_MIN((uint64_t)lim, (uint64_t)nl - off) : 0;
    q->mem->hits = calloc((size_t)n + 1, sizeof *q->mem->hits);
    if (!q->mem->hits) {
        rc = CG_ENOMEM;
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        cg_search_hit *h = &q->mem->hits[i];
        const cand *c = &q->c[l[off + (uint64_t)i].i];
        hit_fill(q, c, explain, h);
        h->project_name = q->views[c->pix].pr.name; /* replaced by a copy in finish() */
    }
    out->hits = q->mem->hits;
    out->n = n;
    out->truncated = off + (uint64_t)n < out->total;
    out->next_offset = out->truncated ? off + (uint64_t)n : 0;
    out->bounded = q->bounded;
    out->mode = mode;
fail:
    free(l);
    return rc;
}

/* ---- results and views ---- */

typedef struct sr_mem_full {
    sr_mem m;
    char (*pnames)[CG_GRAPH_NAME_MAX + 1];
} sr_mem_full;

void cg_search_result_init(cg_search_result *r)
{
    memset(r, 0, sizeof *r);
}

void cg_search_result_release(cg_search_result *r)
{
    sr_mem_full *f = r->mem_;
    if (f) {
        for (int i = 0; i < f->m.n_ents; i++) cg_graph_result_release(&f->m.ents[i]);
        free(f->m.ents);
        free(f->m.hits);
        free(f->pnames);
        free(f);
    }
    memset(r, 0, sizeof *r);
}

static void views_close(sr_q *q)
{
    for (int i = 0; i < q->n_views; i++) cg_graph_view_close(q->views[i].v);
    free(q->views);
    q->views = NULL;
    q->n_views = 0;
}

/* Open the published view of `project`, or of every active project when 0. */
static int views_open(sr_q *q, uint32_t project)
{
    cg_graph_project *all = NULL;
    int n = 1, rc = 0;
    if (!project) {
        all = malloc(PROJECTS_MAX * sizeof *all);
        if (!all) return CG_ENOMEM;
        n = CG_MIN(cg_graph_project_list(q->s->g, all, PROJECTS_MAX), PROJECTS_MAX);
    }
    q->views = calloc((size_t)CG_MAX(n, 1), sizeof *q->views);
    for (int i = 0; q->views && i < n && !rc; i++) {
        sr_view *v = &q->views[q->n_views];
        if (all)
            v->pr = all[i];
        else if ((rc = cg_graph_project_get(q->s->g, project, &v->pr)) != 0)
            break;
        if (v->pr.state != CG_PROJECT_ACTIVE) {
            if (!all) rc = CG_ENOTFOUND;
            continue;
        }
        int orc = cg_graph_view_open(q->s->g, v->pr.id, &v->v);
        if (orc == 0)
            q->n_views++;
        else if (!all)
            rc = orc;
    }
    if (!q->views) rc = CG_ENOMEM;
    /* every project searched: unfiltered, or the filter names the only project there is */
    q->all_projects = !project || cg_graph_project_list(q->s->g, NULL, 0) == 1;
    free(all);
    return rc;
}

/* Prepare q and out's memory for a query over `project`. */
static int q_begin(sr_q *q, cg_search *s, uint32_t project, const char *language, uint32_t kinds,
                   const cg_graph_page *pg, cg_search_result *out)
{
    sr_mem_full *f = calloc(1, sizeof *f);
    memset(q, 0, sizeof *q);
    cg_search_result_init(out);
    if (!f) return CG_ENOMEM;
    out->mem_ = f;
    q->mem = &f->m;
    q->s = s;
    q->kinds = kinds;
    q->language = language && *language ? language : NULL;
    q->lang_code = q->language ? gr_lang_code(q->language) : 0;
    if (q->language && !q->lang_code) return CG_EINVAL;
    uint32_t lim = pg->limit ? CG_MIN(pg->limit, CG_GRAPH_LIMIT_MAX) : CG_GRAPH_LIMIT_DEFAULT;
    uint64_t want = pg->offset + lim;
    q->fan = (int)CG_MIN((uint64_t)CG_SEARCH_CANDIDATES_MAX, CG_MAX(want, (uint64_t)FAN_MIN));
    return views_open(q, project);
}

/* Copy project names into the result (views close before it is read). */
static int q_end(sr_q *q, cg_search_result *out, int rc)
{
    sr_mem_full *f = out->mem_;
    if (!rc && out->n) {
        f->pnames = calloc((size_t)out->n, sizeof *f->pnames);
        if (!f->pnames) rc = CG_ENOMEM;
        for (int i = 0; !rc && i < out->n; i++) {
            snprintf(f->pnames[i], sizeof f->pnames[i], "%s", out->hits[i].project_name);
            out->hits[i].project_name = f->pnames[i];
        }
    }
    views_close(q);
    free(q->c);
    free(q->mk);
    free(q->mv);
    if (rc) cg_search_result_release(out);
    return rc;
}

int cg_search_run(cg_search *s, const cg_search_query *in, cg_search_result *out)
{
    sr_q q;
    size_t qlen = in->q ? strlen(in->q) : 0;
    int rc;
    if (qlen == 0 || qlen > CG_SEARCH_QUERY_MAX || in->mode < 0 || in->mode >= CG_SEARCH_MODE_COUNT)
        return CG_EINVAL;
    rc = q_begin(&q, s, in->project, in->language, in->kinds, &in->page, out);
    q.path_prefix = in->path_prefix;
    if (!rc) cg_search_tokenize(in->q, qlen, CG_TOK_JOINED, qterm_cb, &q);
    int m = in->mode;
    if (!rc && (m == CG_SEARCH_HYBRID || m == CG_SEARCH_LEXICAL)) {
        rc = lexical(&q);
        out->sources |= 1u << CG_SEARCH_SRC_LEXICAL;
    }
    if (!rc && (m == CG_SEARCH_HYBRID || m == CG_SEARCH_SEMANTIC)) {
        float *qv = malloc((size_t)s->dim * sizeof *qv);
        rc = qv ? embed_text(s, in->q, qlen, NULL, qv) : CG_ENOMEM;
        /* in fusion a vector neighbour must share something with the query: near-zero
         * cosines are chance collisions of hashed features, not meaning */
        if (!rc) rc = semantic(&q, qv, m == CG_SEARCH_HYBRID ? SEM_FUSE_MIN : -2.0);
        free(qv);
        if (rc && m == CG_SEARCH_HYBRID && rc != CG_ENOMEM) {
            snprintf(out->note, sizeof out->note, "semantic results missing: %s", cg_err_str(rc));
            rc = 0;
        } else if (!rc) {
            out->sources |= 1u << CG_SEARCH_SRC_SEMANTIC;
        }
    }
    if (!rc && (m == CG_SEARCH_HYBRID || m == CG_SEARCH_SYMBOL)) {
        rc = symbol(&q, in->q, m == CG_SEARCH_SYMBOL);
        out->sources |= 1u << CG_SEARCH_SRC_SYMBOL;
    }
    if (!rc) rc = assemble(&q, m, in->q, in->explain, &in->page, out);
    return q_end(&q, out, rc);
}

/* The query vector of an entity: its stored bag, embedded as the index embeds it. */
static int entity_vector(cg_search *s, uint64_t id, float *qv)
{
    uint32_t p;
    cg_buf b;
    gr_key k;
    lex_bag h;
    cg_embed_term *terms = NULL;
    int cap = 0;
    if (s->remote) return sr_remote_entity_vector(s, id, qv);
    int rc = cg_graph_entity_project(s->g, id, &p);
    if (rc) return rc;
    cg_buf_init(&b);
    lex_k_bag(&k, p, id);
    rc = cg_store_get(s->store, NULL, CG_STORE_CF_LEX_DOCS, k.b, k.n, &b, NULL, 0);
    int n = rc >= 0 ? lex_bag_terms(b.data, b.len, &terms, &cap, &h) : rc;
    if (n >= 0) {
        uint64_t meta = cg_embed_meta_hash(cg_graph_kind_name(h.kind), gr_lang_name(h.lang));
        cg_embed_bag(sr_idf(s), terms, n, meta, s->dim, qv);
    }
    free(terms);
    cg_buf_release(&b);
    return n < 0 ? n : 0;
}

int cg_search_similar(cg_search *s, const cg_search_similar_query *in, cg_search_result *out)
{
    sr_q q;
    float *qv = NULL;
    int rc;
    if (in->code ? (in->code_len == 0 || in->code_len > CG_SEARCH_SNIPPET_MAX) : !in->entity_id)
        return CG_EINVAL;
    if (!(in->threshold >= -1.0 && in->threshold <= 1.0)) return CG_EINVAL;
    rc = q_begin(&q, s, in->project, in->language, in->kinds, &in->page, out);
    qv = rc ? NULL : malloc((size_t)s->dim * sizeof *qv);
    if (!rc && !qv) rc = CG_ENOMEM;
    if (!rc && in->code)
        rc = embed_text(s, in->code, in->code_len, in->language, qv);
    else if (!rc)
        rc = entity_vector(s, in->entity_id, qv);
    q.exclude = in->code ? 0 : in->entity_id;
    if (!rc) rc = semantic(&q, qv, in->threshold);
    out->sources = 1u << CG_SEARCH_SRC_SEMANTIC;
    if (!rc) rc = assemble(&q, CG_SEARCH_SEMANTIC, "", 0, &in->page, out);
    free(qv);
    return q_end(&q, out, rc);
}
