/*
 * post.c — the lexical postings of one file (lex_fpost, search_int.h): the distinct terms of
 * a file's entities and, per term, the entities containing it, written as one lex_postings
 * value per (project, term, file) (plist.c decodes them); and the check of the postings
 * layout a data directory holds (the per-entity layout of older builds is rebuilt
 * from the term bags). The key and value encodings are in lex.c's DESIGN comment.
 *
 * A file's put adds its entities one after the other (lex_fpost_entity, then each bag term
 * with lex_fpost_occ); lex_fpost_put then counting-sorts the occurrences by term, each term's
 * entities in ascending local id (so a term's postings are read in entity id order, as the
 * per-entity layout read them), and encodes one value per term. A drop only collects the
 * distinct terms of the old bags (lex_fpost_term) and deletes one key per term.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/log.h"
#include "search/search_int.h"

#define FP_ENTRY_MAX 16 /* bytes of one encoded entry at most: 3 varints <= 5 + kind */
#define FP_HEAD_MAX 6   /* bytes of a value's header at most: n varint + lang */
#define LEX_META_LAYOUT "search.postings_layout" /* meta key: u32be postings layout */
#define LEX_MIGRATE_FILES 256                    /* files whose postings one rebuild batch holds */

_Static_assert(CG_GRAPH_LOCAL_BITS <= 32, "local ids fit the 32-bit entries");

void lex_fpost_init(lex_fpost *f)
{
    memset(f, 0, sizeof *f);
    cg_bag_init(&f->dict);
    cg_buf_init(&f->val);
}

void lex_fpost_release(lex_fpost *f)
{
    cg_bag_release(&f->dict);
    free(f->cnt);
    free(f->pos);
    free(f->ents);
    free(f->occ);
    free(f->sorted);
    free(f->order);
    cg_buf_release(&f->val);
    memset(f, 0, sizeof *f);
}

void lex_fpost_reset(lex_fpost *f)
{
    cg_bag_reset(&f->dict);
    f->n_ents = f->n_occ = 0;
    f->oom = 0;
}

/* Make room for `need` elements of an array. */
static int fp_reserve(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return 0;
    uint32_t nc = CG_MAX(CG_MAX(need, *cap * 2), 256u);
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return CG_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

int lex_fpost_term(lex_fpost *f, const char *t, size_t n, uint64_t hash)
{
    int i = cg_bag_intern(&f->dict, t, n, hash);
    if (i < 0) f->oom = 1;
    return i;
}

int lex_fpost_entity(lex_fpost *f, uint32_t local, uint32_t doclen, int kind)
{
    /* ents[n_ents] is the sentinel holding the end of the last entity's occurrences */
    if (fp_reserve((void **)&f->ents, &f->cap_ents, f->n_ents + 2, sizeof *f->ents)) {
        f->oom = 1;
        return CG_ENOMEM;
    }
    f->ents[f->n_ents] =
        (lex_fent){.local = local, .doclen = doclen, .start = f->n_occ, .kind = (uint8_t)kind};
    f->n_ents++;
    f->ents[f->n_ents].start = f->n_occ;
    return 0;
}

int lex_fpost_occ(lex_fpost *f, const char *t, size_t n, uint64_t hash, uint32_t tf)
{
    CG_ASSERT(f->n_ents > 0);
    int ti = lex_fpost_term(f, t, n, hash);
    if (ti < 0) return ti;
    if (fp_reserve((void **)&f->occ, &f->cap_occ, f->n_occ + 1, sizeof *f->occ)) {
        f->oom = 1;
        return CG_ENOMEM;
    }
    f->occ[f->n_occ++] = (lex_focc){(uint32_t)ti, tf};
    f->ents[f->n_ents].start = f->n_occ;
    return 0;
}

static int fp_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The occurrences grouped by term into sorted (term t's are sorted[pos[t] - cnt[t] .. pos[t])
 * after the fill), each term's entities in ascending local id: the fill runs over the
 * entities by local id (order: local << 32 | index; the rebuild adds them in that order
 * already, a put in extraction order, which one qsort per file puts right). */
static int fp_group(lex_fpost *f)
{
    uint32_t n_terms = (uint32_t)f->dict.n;
    if (fp_reserve((void **)&f->sorted, &f->cap_sorted, f->n_occ, sizeof *f->sorted) ||
        fp_reserve((void **)&f->order, &f->cap_order, f->n_ents, sizeof *f->order) ||
        fp_reserve((void **)&f->cnt, &f->cap_cnt, n_terms, sizeof *f->cnt) ||
        fp_reserve((void **)&f->pos, &f->cap_pos, n_terms, sizeof *f->pos))
        return CG_ENOMEM;
    int in_order = 1;
    for (uint32_t e = 0; e < f->n_ents; e++) {
        f->order[e] = (uint64_t)f->ents[e].local << 32 | e;
        if (e && f->ents[e].local < f->ents[e - 1].local) in_order = 0;
    }
    if (!in_order) qsort(f->order, f->n_ents, sizeof *f->order, fp_u64_cmp);
    uint32_t pos = 0;
    if (n_terms) memset(f->cnt, 0, n_terms * sizeof *f->cnt);
    for (uint32_t o = 0; o < f->n_occ; o++) f->cnt[f->occ[o].ix]++;
    for (uint32_t t = 0; t < n_terms; t++) f->pos[t] = pos, pos += f->cnt[t];
    for (uint32_t i = 0; i < f->n_ents; i++) {
        uint32_t e = (uint32_t)f->order[i];
        for (uint32_t o = f->ents[e].start; o < f->ents[e + 1].start; o++)
            f->sorted[f->pos[f->occ[o].ix]++] = (lex_focc){e, f->occ[o].tf};
    }
    return 0;
}

int lex_fpost_put(lex_fpost *f, cg_store_batch *b, uint32_t project, uint64_t uid, int lang)
{
    gr_key k;
    if (f->oom || fp_group(f) != 0) return CG_ENOMEM;
    for (uint32_t t = 0; t < (uint32_t)f->dict.n; t++) {
        uint32_t prev = 0, cnt = f->cnt[t], end = f->pos[t]; /* pos: the end of t's run */
        size_t tn;
        const char *term = cg_bag_term(&f->dict, (int)t, &tn);
        cg_buf_reset(&f->val);
        if (cg_buf_reserve(&f->val, FP_HEAD_MAX + (size_t)cnt * FP_ENTRY_MAX)) return CG_ENOMEM;
        uint8_t *p0 = (uint8_t *)f->val.data, *p = lex_put_var(p0, cnt);
        *p++ = (uint8_t)lang;
        for (uint32_t i = end - cnt; i < end; i++) {
            const lex_fent *en = &f->ents[f->sorted[i].ix];
            p = lex_put_var(p, en->local - prev);
            p = lex_put_var(p, f->sorted[i].tf);
            p = lex_put_var(p, en->doclen);
            *p++ = en->kind;
            prev = en->local;
        }
        lex_k_posting(&k, project, term, tn, uid);
        cg_store_batch_put(b, CG_STORE_CF_LEX_POSTINGS, k.b, k.n, p0, (size_t)(p - p0));
    }
    return 0;
}

void lex_fpost_delete(const lex_fpost *f, cg_store_batch *b, uint32_t project, uint64_t uid)
{
    gr_key k;
    for (int t = 0; t < f->dict.n; t++) {
        size_t tn;
        const char *term = cg_bag_term(&f->dict, t, &tn);
        lex_k_posting(&k, project, term, tn, uid);
        cg_store_batch_delete(b, CG_STORE_CF_LEX_POSTINGS, k.b, k.n);
    }
}

/* ---- the layout a data directory holds ---- */

/* The rebuild's current file: its postings go into b, which is written every
 * LEX_MIGRATE_FILES files. */
typedef struct fp_mig {
    cg_store *s;
    cg_store_batch *b;
    lex_fpost f;
    uint32_t project;
    uint64_t uid, files;
    int lang;
} fp_mig;

static int fp_mig_flush(fp_mig *m)
{
    int rc = m->f.n_ents ? lex_fpost_put(&m->f, m->b, m->project, m->uid, m->lang) : 0;
    lex_fpost_reset(&m->f);
    if (!rc && ++m->files % LEX_MIGRATE_FILES == 0) {
        rc = cg_store_batch_write(m->s, m->b, 0, NULL, 0);
        cg_store_batch_clear(m->b);
    }
    return rc;
}

/* One stored bag (key kp, 13 bytes) into the rebuild. */
static int fp_mig_bag(fp_mig *m, const uint8_t *kp, const void *v, size_t vl)
{
    uint32_t project = gr_get_u32(kp + 1);
    uint64_t id = gr_get_u64(kp + 5);
    lex_bag bag;
    lex_term t;
    int rc = 0;
    if (lex_bag_dec(v, vl, &bag) != 0) return 0; /* skipped, as the old postings skipped it */
    if (m->f.n_ents && (project != m->project || CG_GRAPH_ID_FILE(id) != m->uid))
        rc = fp_mig_flush(m);
    m->project = project, m->uid = CG_GRAPH_ID_FILE(id), m->lang = bag.lang;
    if (!rc) rc = lex_fpost_entity(&m->f, GR_LOCAL(id), bag.doclen, bag.kind);
    while (!rc && lex_bag_next(&bag, &t))
        rc = lex_fpost_occ(&m->f, t.t, t.n, cg_search_term_hash(t.t, t.n), t.tf);
    return rc;
}

/* Rebuild every posting from the term bags, file by file (a file's bags are adjacent and in
 * local id order under 01 P U<<20), after deleting every posting there is. */
static int fp_rebuild(cg_store *s)
{
    uint8_t lo = LEX_TAG_BAG, hi = LEX_TAG_BAG + 1, plo[4] = {0}, phi[4] = {0xff, 0xff, 0xff, 0xff};
    fp_mig m = {.s = s, .b = cg_store_batch_create(s)};
    cg_store_iter *it = NULL;
    int rc = m.b ? 0 : CG_ENOMEM;

    lex_fpost_init(&m.f);
    if (!rc) { /* project ids stay below 0xffffffff (allocated upwards from 1) */
        cg_store_batch_delete_range(m.b, CG_STORE_CF_LEX_POSTINGS, plo, 4, phi, 4);
        rc = cg_store_batch_write(s, m.b, 0, NULL, 0);
        cg_store_batch_clear(m.b);
    }
    if (!rc) rc = cg_store_iter_create(s, NULL, CG_STORE_CF_LEX_DOCS, &lo, 1, &hi, 1, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        if (kl == 13) rc = fp_mig_bag(&m, kp, v, vl);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    if (!rc) rc = fp_mig_flush(&m);
    if (!rc) rc = cg_store_batch_write(s, m.b, 1, NULL, 0);
    cg_store_iter_destroy(it);
    cg_store_batch_destroy(m.b);
    lex_fpost_release(&m.f);
    return rc;
}

/* 1 when lex_postings holds no key at all, 0 when it does, or an error. */
static int fp_postings_empty(cg_store *s)
{
    cg_store_iter *it = NULL;
    int rc = cg_store_iter_create(s, NULL, CG_STORE_CF_LEX_POSTINGS, NULL, 0, NULL, 0, &it);
    if (rc) return rc;
    cg_store_iter_first(it);
    int empty = !cg_store_iter_valid(it);
    rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc ? rc : empty;
}

/* The stored layout: LEX_LAYOUT, 0 when none is recorded, or an error. */
static int fp_layout_get(cg_store *s, char *err, size_t errlen)
{
    uint8_t v[4];
    int rc = cg_store_get_meta(s, LEX_META_LAYOUT, v, sizeof v, NULL, 0);
    if (rc == CG_ENOTFOUND) return 0;
    if (rc < 0) return rc;
    if (rc != 4) {
        if (err && errlen) snprintf(err, errlen, "search: the postings layout record is corrupt");
        return CG_ECORRUPT;
    }
    if (gr_get_u32(v) > LEX_LAYOUT) {
        if (err && errlen)
            snprintf(err, errlen, "search: postings layout %u is newer than this build's (%d)",
                     gr_get_u32(v), LEX_LAYOUT);
        return CG_EDB;
    }
    return (int)gr_get_u32(v);
}

static pthread_mutex_t layout_mu = PTHREAD_MUTEX_INITIALIZER;

int lex_layout_check(cg_store *s, char *err, size_t errlen)
{
    int rc = fp_layout_get(s, err, errlen);
    if (rc == LEX_LAYOUT || rc < 0) return rc < 0 ? rc : 0;
    pthread_mutex_lock(&layout_mu); /* one rebuild; other writers wait for it */
    rc = fp_layout_get(s, err, errlen);
    if (rc >= 0 && rc < LEX_LAYOUT) { /* none recorded: a new store, or an older build's */
        int empty = fp_postings_empty(s);
        rc = empty < 0 ? empty : 0;
        if (empty == 0) {
            cg_log_warn("search", "lexical postings have the per-entity layout of an older "
                                  "build: rebuilding them from the term bags");
            rc = fp_rebuild(s);
            if (!rc) cg_log_info("search", "lexical postings rebuilt");
        }
        uint8_t v[4] = {0, 0, 0, LEX_LAYOUT};
        if (!rc) rc = cg_store_put_meta(s, LEX_META_LAYOUT, v, sizeof v, err, errlen);
    }
    pthread_mutex_unlock(&layout_mu);
    if (rc < 0 && err && errlen && !err[0])
        snprintf(err, errlen, "search: cannot check the postings layout: %s", cg_err_str(rc));
    return rc < 0 ? rc : 0;
}
