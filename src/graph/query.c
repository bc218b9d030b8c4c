/*
 * query.c — read-side answers over a view's snapshot: entity by id, symbol lookup (exact,
 * prefix, fuzzy), file outline, project stats; plus the result/page plumbing shared with
 * traverse.c. Every answer carries the view's generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/query_int.h"

/* ---- results ---- */

void cg_graph_result_init(cg_graph_result *r)
{
    memset(r, 0, sizeof(*r));
}

void cg_graph_result_release(cg_graph_result *r)
{
    if (r->mem_) {
        gr_arena_free(r->mem_);
        free(r->mem_);
    }
    memset(r, 0, sizeof(*r));
}

int gr_q_begin(gr_q *q, cg_graph_view *v, cg_graph_result *out)
{
    memset(q, 0, sizeof(*q));
    q->v = v;
    q->snap = gr_view_snap(v);
    q->out = out;
    cg_buf_init(&q->val);
    gr_idmap_init(&q->path_ix);
    cg_graph_result_release(out);
    out->generation = cg_graph_view_generation(v);
    out->mem_ = calloc(1, sizeof(gr_arena));
    return out->mem_ ? 0 : CG_ENOMEM;
}

void gr_q_end(gr_q *q)
{
    cg_buf_release(&q->val);
    gr_idmap_release(&q->path_ix);
    free(q->pathv);
}

/* Apply the page to `total` results: allocate hits; *first = index of the first one. */
int gr_q_page(gr_q *q, const cg_graph_page *page, uint64_t total, int bounded, uint64_t *first)
{
    cg_graph_result *r = q->out;
    uint64_t limit =
        page && page->limit ? CG_MIN(page->limit, CG_GRAPH_LIMIT_MAX) : CG_GRAPH_LIMIT_DEFAULT;
    uint64_t off = page ? page->offset : 0;
    uint64_t n = off < total ? CG_MIN(limit, total - off) : 0;

    r->total = total;
    r->n = (int)n;
    r->bounded = bounded;
    r->truncated = off + n < total || bounded;
    r->next_offset = off + n < total ? off + n : 0;
    *first = off;
    if (!n) return 0;
    r->hits = gr_arena_alloc(r->mem_, (size_t)n * sizeof(*r->hits));
    if (!r->hits) return CG_ENOMEM;
    memset(r->hits, 0, (size_t)n * sizeof(*r->hits));
    for (uint64_t i = 0; i < n; i++) r->hits[i].edge_kind = r->hits[i].resolution = -1;
    return 0;
}

/* The path of a file uid at the view (cached per query, copied into the result). */
static const char *gr_q_path(gr_q *q, uint64_t uid)
{
    uint64_t ix;
    uint32_t project;
    const char *path = "";
    gr_key k;

    if (gr_idmap_get(&q->path_ix, uid, &ix)) return q->pathv[ix - 1];
    gr_k_uid(&k, GR_TAG_FILE_UID, uid);
    if (gr_get(q->v->g, q->snap, CG_STORE_CF_FILES, &k, &q->val) < 0 ||
        gr_dec_uid(q->val.data, q->val.len, &project, &path) != 0)
        path = "";
    char *copy = gr_arena_strdup(q->out->mem_, path);
    if (!copy) return "";
    if (q->n_paths == q->cap_paths) {
        int cap = q->cap_paths ? q->cap_paths * 2 : 16;
        char **n = realloc(q->pathv, (size_t)cap * sizeof(*n));
        if (!n) return copy;
        q->pathv = n;
        q->cap_paths = cap;
    }
    if (gr_idmap_put(&q->path_ix, uid, (uint64_t)q->n_paths + 1) == 0)
        q->pathv[q->n_paths++] = copy;
    return copy;
}

/* Read entity id at the view: 0, CG_ENOTFOUND (missing or another project's). */
int gr_q_entity(gr_q *q, uint64_t id, gr_entity *e)
{
    gr_key k;
    int rc;

    if (!id) return CG_ENOTFOUND;
    gr_k_entity(&k, id);
    rc = gr_get(q->v->g, q->snap, CG_STORE_CF_ENTITIES, &k, &q->val);
    if (rc < 0) return rc;
    if ((rc = gr_dec_entity(q->val.data, q->val.len, id, e))) return rc;
    return e->project == q->v->project ? 0 : CG_ENOTFOUND;
}

/* Fill *out for id with strings in the result; a missing entity leaves kind -1 and "". */
int gr_q_hydrate(gr_q *q, uint64_t id, cg_graph_entity *out)
{
    gr_arena *a = q->out->mem_;
    gr_entity e;
    int rc;

    memset(out, 0, sizeof(*out));
    out->id = id;
    out->project = q->v->project;
    out->kind = -1;
    out->name = out->qualified_name = out->signature = out->doc = out->language = "";
    /* The path first: its lookup reuses q->val, which e's strings point into. */
    out->path = gr_q_path(q, CG_GRAPH_ID_FILE(id));
    if ((rc = gr_q_entity(q, id, &e))) return rc;
    out->kind = e.kind;
    out->parent = e.parent_local ? GR_ID(CG_GRAPH_ID_FILE(id), e.parent_local) : 0;
    out->span = e.span;
    out->language = gr_lang_name(e.lang);
    out->name = gr_arena_strdup(a, e.name);
    out->qualified_name = gr_arena_strdup(a, e.qname);
    out->signature = gr_arena_strdup(a, e.signature);
    out->doc = gr_arena_strdup(a, e.doc);
    if (!out->name || !out->qualified_name || !out->signature || !out->doc) return CG_ENOMEM;
    return 0;
}

int cg_graph_entity_get(cg_graph_view *v, uint64_t id, cg_graph_result *out)
{
    cg_graph_page page = {.limit = 1};
    uint64_t first;
    gr_entity e;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    if (!rc) rc = gr_q_entity(&q, id, &e);
    if (!rc) rc = gr_q_page(&q, &page, 1, 0, &first);
    if (!rc) rc = gr_q_hydrate(&q, id, &out->hits[0].entity);
    gr_q_end(&q);
    return rc;
}

/* ---- symbol lookup ---- */

typedef struct gr_match {
    uint64_t id;
    double score;
    size_t name; /* offset of the lowered name in the match buffer */
} gr_match;

typedef struct gr_sym {
    const cg_graph_symbol_query *q;
    char ql[GR_SEG_BYTES];
    size_t qlen;
    int lang;
    gr_match *m;
    size_t n, cap;
    cg_buf names;
} gr_sym;

static double gr_fuzzy(const char *ql, size_t m, const char *name, size_t n);

static int gr_sym_add(gr_sym *s, uint64_t id, double score, const char *name_lc, size_t nl)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        gr_match *n = realloc(s->m, cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        s->m = n;
        s->cap = cap;
    }
    s->m[s->n++] = (gr_match){.id = id, .score = score, .name = s->names.len};
    cg_buf_append(&s->names, name_lc, nl);
    cg_buf_putc(&s->names, '\0');
    return cg_buf_ok(&s->names) ? 0 : CG_ENOMEM;
}

/* Score one name-index entry (key P name_lc 00 E); 0 = no match. */
static double gr_sym_score(const gr_sym *s, const char *name_lc, size_t nl, const gr_name *nm)
{
    const cg_graph_symbol_query *q = s->q;

    if (q->kinds && !(q->kinds & CG_GRAPH_KIND_BIT(nm->kind))) return 0;
    if (s->lang >= 0 && nm->lang != s->lang) return 0;
    switch (q->match) {
    case CG_MATCH_EXACT: return strcmp(nm->name, q->q) == 0 ? 1.0 : 0.95;
    case CG_MATCH_PREFIX: return 0.5 + 0.5 * (double)s->qlen / (double)(nl ? nl : 1);
    default: return gr_fuzzy(s->ql, s->qlen, name_lc, nl);
    }
}

/* Scan the name index; matches into s. *bounded when CG_GRAPH_SCAN_MAX stopped it. */
static int gr_sym_scan(gr_q *q, gr_sym *s, int *bounded)
{
    gr_key pre, hi;
    cg_store_iter *it = NULL;
    uint64_t scanned = 0;
    int rc;

    gr_key_reset(&pre);
    gr_key_u32(&pre, q->v->project);
    if (s->q->match != CG_MATCH_FUZZY) gr_key_bytes(&pre, s->ql, s->qlen);
    if (s->q->match == CG_MATCH_EXACT) gr_key_u8(&pre, 0);
    hi = pre;
    gr_key_prefix_end(&hi);
    rc =
        cg_store_iter_create(q->v->g->s, q->snap, CG_STORE_CF_NAMES, pre.b, pre.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        gr_name nm;
        if (++scanned > CG_GRAPH_SCAN_MAX) {
            *bounded = 1;
            break;
        }
        if (kl < 4 + 1 + 8 || gr_dec_name(v, vl, &nm) != 0) continue;
        const char *name_lc = (const char *)k + 4;
        size_t nl = kl - 4 - 1 - 8;
        double sc = gr_sym_score(s, name_lc, nl, &nm);
        if (sc > 0) rc = gr_sym_add(s, gr_get_u64(k + kl - 8), sc, name_lc, nl);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

static int gr_match_cmp(const void *a, const void *b, void *ctx)
{
    const gr_match *x = a, *y = b;
    const char *names = ctx;
    int d;

    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if ((d = strcmp(names + x->name, names + y->name))) return d;
    return (x->id > y->id) - (x->id < y->id);
}

int cg_graph_symbols(cg_graph_view *v, const cg_graph_symbol_query *sq, cg_graph_result *out)
{
    gr_sym s = {.q = sq};
    uint64_t first;
    int bounded = 0;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    cg_buf_init(&s.names);
    if (!rc && (!sq->q || !*sq->q)) rc = CG_EINVAL;
    if (rc) goto fail;
    s.qlen = gr_lower(s.ql, sizeof(s.ql), sq->q);
    s.lang = sq->language && *sq->language ? gr_lang_code(sq->language) : -1;
    if (s.lang == 0) goto page; /* a language we do not know has no symbols */
    if ((rc = gr_sym_scan(&q, &s, &bounded))) goto fail;
    if (sq->match == CG_MATCH_FUZZY && s.n > 1)
        qsort_r(s.m, s.n, sizeof(*s.m), gr_match_cmp, s.names.data);
page:
    if ((rc = gr_q_page(&q, &sq->page, s.n, bounded, &first))) goto fail;
    for (int i = 0; i < out->n && !rc; i++) {
        const gr_match *m = &s.m[first + (uint64_t)i];
        out->hits[i].score = m->score;
        rc = gr_q_hydrate(&q, m->id, &out->hits[i].entity);
        if (rc == CG_ENOTFOUND) rc = 0;
    }
fail:
    free(s.m);
    cg_buf_release(&s.names);
    gr_q_end(&q);
    return rc;
}

/* ---- fuzzy scoring ---- */

/* At most one insertion, deletion, substitution or adjacent swap between a and b? */
static int gr_one_edit(const char *a, size_t n, const char *b, size_t m)
{
    size_t i = 0;

    if (n > m + 1 || m > n + 1) return 0;
    while (i < n && i < m && a[i] == b[i]) i++;
    if (i == n && i == m) return 1;
    if (n == m) {
        if (strncmp(a + i + 1, b + i + 1, n - i - 1) == 0) return 1;
        return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               strncmp(a + i + 2, b + i + 2, n - i - 2) == 0;
    }
    return n > m ? strncmp(a + i + 1, b + i, m - i) == 0 : strncmp(a + i, b + i + 1, n - i) == 0;
}

/* exact 1, prefix .8-.9, substring .6-.7, one typo .55, subsequence .3-.5, else 0. */
static double gr_fuzzy(const char *ql, size_t m, const char *name, size_t n)
{
    double cover = (double)m / (double)(n ? n : 1);
    size_t j = 0;

    if (m == n && memcmp(ql, name, n) == 0) return 1.0;
    if (m < n && memcmp(ql, name, m) == 0) return 0.8 + 0.1 * cover;
    if (m < n && memmem(name, n, ql, m)) return 0.6 + 0.1 * cover;
    if (m >= 3 && gr_one_edit(ql, m, name, n)) return 0.55;
    for (size_t i = 0; i < n && j < m; i++)
        if (name[i] == ql[j]) j++;
    return j == m && m > 0 ? 0.3 + 0.2 * cover : 0;
}

/* ---- outline ---- */

typedef struct gr_oent {
    uint32_t start, end;
    uint64_t id;
} gr_oent;

static int gr_oent_cmp(const void *a, const void *b)
{
    const gr_oent *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end > y->end ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The entities of file uid (not the file node), sort keys only. */
static int gr_outline_load(gr_q *q, uint64_t uid, gr_oent **out, size_t *n)
{
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    size_t cap = 0;
    int rc;

    gr_k_entity(&lo, GR_ID(uid, 1));
    gr_k_entity(&hi, GR_ID(uid + 1, 0));
    rc = cg_store_iter_create(q->v->g->s, q->snap, CG_STORE_CF_ENTITIES, lo.b, lo.n, hi.b, hi.n,
                              &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        gr_entity e;
        if (kl != 8 || (rc = gr_dec_entity(v, vl, gr_get_u64(k), &e))) break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            gr_oent *nv = realloc(*out, cap * sizeof(*nv));
            if (!nv) {
                rc = CG_ENOMEM;
                break;
            }
            *out = nv;
        }
        (*out)[(*n)++] = (gr_oent){.start = e.span.start_byte, .end = e.span.end_byte, .id = e.id};
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

int cg_graph_outline(cg_graph_view *v, const char *path, const cg_graph_page *page,
                     cg_graph_result *out)
{
    cg_graph_file_info fi;
    gr_oent *ents = NULL;
    size_t n = 0;
    uint64_t first;
    gr_key k;
    gr_q q;
    int rc = gr_q_begin(&q, v, out);

    if (rc) goto fail;
    gr_k_file(&k, v->project, path ? path : "");
    if ((rc = gr_get(v->g, q.snap, CG_STORE_CF_FILES, &k, &q.val)) < 0) goto fail;
    if ((rc = gr_dec_file(q.val.data, q.val.len, &fi))) goto fail;
    if ((rc = gr_outline_load(&q, fi.uid, &ents, &n))) goto fail;
    if (n > 1) qsort(ents, n, sizeof(*ents), gr_oent_cmp);
    if ((rc = gr_q_page(&q, page, n, 0, &first))) goto fail;
    for (int i = 0; i < out->n && !rc; i++)
        rc = gr_q_hydrate(&q, ents[first + (uint64_t)i].id, &out->hits[i].entity);
fail:
    free(ents);
    gr_q_end(&q);
    return rc;
}

/* ---- stats ---- */

static int gr_stats_scan(cg_graph_view *v, gr_key *pre, cg_graph_stats *st, int dirty)
{
    gr_key hi = *pre;
    cg_store_iter *it = NULL;
    int rc;

    gr_key_prefix_end(&hi);
    rc = cg_store_iter_create(v->g->s, gr_view_snap(v),
                              dirty ? CG_STORE_CF_UNRESOLVED : CG_STORE_CF_FILES, pre->b, pre->n,
                              hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t vl;
        const void *val = cg_store_iter_value(it, &vl);
        cg_graph_file_info fi;
        if (dirty) {
            st->dirty_files++;
            continue;
        }
        if ((rc = gr_dec_file(val, vl, &fi))) break;
        st->files++;
        st->bytes += fi.size;
        st->entities += fi.entities;
        st->refs += fi.refs;
        st->unresolved += fi.unresolved;
        for (int i = 0; i < CG_GRAPH_KIND_COUNT; i++) st->by_kind[i] += fi.by_kind[i];
        for (int i = 0; i < CG_EDGE_COUNT; i++) st->edges[i] += fi.edges[i];
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

int cg_graph_stats_get(cg_graph_view *v, cg_graph_stats *out)
{
    gr_key pre;
    int rc;

    memset(out, 0, sizeof(*out));
    out->generation = cg_graph_view_generation(v);
    gr_k_file(&pre, v->project, NULL);
    rc = gr_stats_scan(v, &pre, out, 0);
    gr_key_reset(&pre);
    gr_key_u8(&pre, GR_TAG_DIRTY);
    gr_key_u32(&pre, v->project);
    if (!rc) rc = gr_stats_scan(v, &pre, out, 1);
    return rc;
}
