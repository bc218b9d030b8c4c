/*
 * lex.c — the lexical index in RocksDB: keys, records, and the write hooks that keep it
 * equal to the graph's entities (hook.h). The posting lists themselves are built and
 * decoded in post.c.
 *
 * DESIGN — keys (P = project id u32be, id = entity id u64be = U << 20 | local, U = file uid
 * u64be; binary keys compare as unsigned bytes; var = LEB128 varint):
 *   lex_postings  P term 00 U           → posting list of the file's entities containing term:
 *                                           n:var lang:u8 { dlocal:var tf:var doclen:var
 *                                           kind:u8 }*n   (n >= 1; locals ascending, dlocal =
 *                                           local - previous local, the first from 0)
 *   lex_docs      01 P id               → term bag: ver kind:u8 lang:u8 doclen:var n:var
 *                                           { len:u8 term[len] tf:var mask:u8 }*
 *                 02 P U                → file stats: ver docs:var total:var
 *                 03 P id               → vector (HTTP provider embedders only): ver
 *                                           model_hash:u64be dim:var float32le[dim]
 *   meta          "search.postings_layout" → u32be 2 (this layout; see below)
 * A term is a tokenizer output (search.h): 1..CG_SEARCH_TERM_MAX bytes, never 00, so
 * "P term 00" prefixes exactly one term's posting lists, in (U, local) = entity id order. tf
 * is field-weighted (bag.h); doclen is the sum of a bag's tf (BM25's document length); mask
 * has bit f for each field f (cg_embed_field) the term occurs in. lang is the file's (every
 * entity of a file has its language), so a language filter skips a whole list by its header.
 *
 * Invariants
 * - Every entity of a stored file (not the file node) has exactly one bag, and one entry
 *   per term of its bag in the posting list (P, term, its file); a list exists only with
 *   n >= 1 entries. A file with entities has one stats record whose docs/total are the
 *   count and summed doclen of its bags. All are written, replaced and deleted in the SAME
 *   WriteBatch as the file's entities (cg_graph_file_put / _delete call the hooks), so the
 *   lexical index at any snapshot is exactly the entities at that snapshot.
 * - A file's bags lie in [01 P U<<20, 01 P (U+1)<<20); replacing the file deletes exactly
 *   those bags, one posting list per distinct term of them (the lists are the file's alone,
 *   so no other file's entries are touched) and its stats, then writes the new ones (later
 *   operations win in a batch, so a term the new version keeps gets its new list).
 * - Deleting a project leaves its lexical keys behind (the graph's project delete does not
 *   call us); queries only read projects that exist, and cg_search_create removes the keys
 *   of projects that no longer exist (range deletes on the P prefixes).
 * - 03 vectors exist only while an HTTP provider embeds (the built-in embedder re-embeds
 *   from the bags); they are written after the entities' batch commits, in their own batch,
 *   and deleted with the file's other keys. An entity without one (provider down, crash
 *   between the two batches) gets it at the next re-index of its file.
 * - BM25's N and average length for a project are sums over its 02 records at the query's
 *   snapshot; document frequency is the number of ENTITIES containing the term at that
 *   snapshot: the sum of n over the term's posting lists.
 * - Layout: builds before layout 2 wrote one posting per (term, entity) (P term 00 id →
 *   tf doclen kind lang) and recorded no layout. Before the first read (cg_search_create)
 *   and the first write (every drop hook checks the meta record) of a store without the
 *   record, postings found there are of that layout: they are all deleted and rebuilt from
 *   the bags (which hold every field they need), then the record is written; a crash in
 *   between repeats the rebuild. A newer layout is refused (CG_EDB).
 */
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "search/hook.h"
#include "search/search_int.h"

void lex_k_posting(gr_key *k, uint32_t p, const char *t, size_t n, uint64_t id)
{
    gr_key_reset(k);
    gr_key_u32(k, p);
    gr_key_bytes(k, t, n);
    gr_key_u8(k, 0);
    gr_key_u64(k, id);
}

void lex_k_bag(gr_key *k, uint32_t p, uint64_t id)
{
    gr_key_reset(k);
    gr_key_u8(k, LEX_TAG_BAG);
    gr_key_u32(k, p);
    gr_key_u64(k, id);
}

void lex_k_file(gr_key *k, uint32_t p, uint64_t uid)
{
    gr_key_reset(k);
    gr_key_u8(k, LEX_TAG_FILE);
    gr_key_u32(k, p);
    gr_key_u64(k, uid);
}

void lex_k_vec(gr_key *k, uint32_t p, uint64_t id)
{
    gr_key_reset(k);
    gr_key_u8(k, LEX_TAG_VEC);
    gr_key_u32(k, p);
    gr_key_u64(k, id);
}

int lex_bag_dec(const void *v, size_t n, lex_bag *b)
{
    gr_rd r;
    gr_rd_init(&r, v, n);
    if (gr_rd_u8(&r) != LEX_REC_VERSION) return CG_ECORRUPT;
    b->kind = gr_rd_u8(&r);
    b->lang = gr_rd_u8(&r);
    b->doclen = gr_rd_var32(&r);
    b->n = gr_rd_var32(&r);
    b->p = r.p;
    b->end = r.end;
    return r.bad ? CG_ECORRUPT : 0;
}

int lex_bag_next(lex_bag *b, lex_term *t)
{
    gr_rd r;
    if (b->p >= b->end) return 0;
    gr_rd_init(&r, b->p, (size_t)(b->end - b->p));
    t->n = gr_rd_u8(&r);
    if (r.bad || t->n == 0 || t->n > (size_t)(r.end - r.p)) return 0;
    t->t = (const char *)r.p;
    r.p += t->n;
    t->tf = gr_rd_var32(&r);
    t->mask = gr_rd_u8(&r);
    if (r.bad) return 0;
    b->p = r.p;
    return 1;
}

int lex_bag_terms(const void *v, size_t n, cg_embed_term **out, int *cap, lex_bag *hdr)
{
    lex_term t;
    int k = 0;
    if (lex_bag_dec(v, n, hdr) != 0) return CG_ECORRUPT;
    while (lex_bag_next(hdr, &t)) {
        if (k == *cap) {
            int nc = *cap ? *cap * 2 : 64;
            cg_embed_term *p = realloc(*out, (size_t)nc * sizeof *p);
            if (!p) return CG_ENOMEM;
            *out = p;
            *cap = nc;
        }
        (*out)[k++] = (cg_embed_term){cg_search_term_hash(t.t, t.n), t.tf, t.mask};
    }
    return k;
}

/* ---- thread-local pending state of one file write ---- */

typedef struct lex_pending {
    uint32_t project;
    uint64_t *old_ids, *old_hashes;
    size_t n_old, cap_old, n_oh, cap_oh;
    uint64_t *new_ids, *new_meta;
    uint32_t *new_start;
    cg_embed_input *new_in; /* pointers into the extraction and source of the put */
    size_t n_new, cap_new;
    cg_embed_term *terms;
    size_t n_terms, cap_terms;
    cg_bag bag;
    cg_buf tmp;
    lex_fpost fp; /* the file's postings: the dropped version's terms, then the new ones */
    int ready;
} lex_pending;

static __thread lex_pending tls_pend[CG_SEARCH_HOOK_SLOTS];
static __thread int tls_slot; /* which of tls_pend the hooks use (cg_search_hook_slot) */
static __thread const char *tls_src;
static __thread size_t tls_src_len;

void cg_search_hook_source(const char *src, size_t len)
{
    tls_src = src;
    tls_src_len = src ? len : 0;
}

/* Grow a pending array to hold one more element. */
static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, nc * elem);
    if (!q) return CG_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

void cg_search_hook_slot(int slot)
{
    CG_ASSERT(slot >= 0 && slot < CG_SEARCH_HOOK_SLOTS);
    tls_slot = slot;
}

static lex_pending *pend_get(void)
{
    lex_pending *p = &tls_pend[tls_slot];
    if (!p->ready) {
        cg_bag_init(&p->bag);
        cg_buf_init(&p->tmp);
        lex_fpost_init(&p->fp);
        p->ready = 1;
    }
    return p;
}

static void pend_clear(lex_pending *p)
{
    p->n_old = p->n_oh = p->n_new = p->n_terms = 0;
}

/* Collect one old bag's terms (their posting lists are deleted once per term); remember its
 * id and term hashes. */
static int drop_bag(lex_pending *pd, uint64_t id, const void *v, size_t vl)
{
    lex_bag bag;
    lex_term t;
    int rc = lex_bag_dec(v, vl, &bag);
    if (rc) return rc;
    while (lex_bag_next(&bag, &t)) {
        uint64_t h = cg_search_term_hash(t.t, t.n);
        if (grow((void **)&pd->old_hashes, &pd->cap_oh, pd->n_oh, sizeof(uint64_t)) ||
            lex_fpost_term(&pd->fp, t.t, t.n, h) < 0)
            return CG_ENOMEM;
        pd->old_hashes[pd->n_oh++] = h;
    }
    if (grow((void **)&pd->old_ids, &pd->cap_old, pd->n_old, sizeof(uint64_t))) return CG_ENOMEM;
    pd->old_ids[pd->n_old++] = id;
    return 0;
}

int cg_search_hook_drop(cg_store *s, cg_store_batch *b, uint32_t project, uint64_t uid)
{
    lex_pending *pd = pend_get();
    cg_store_iter *it = NULL;
    gr_key lo, hi;
    int rc;

    pend_clear(pd);
    pd->project = project;
    rc = lex_layout_check(s, NULL, 0);
    if (rc) return rc;
    lex_fpost_reset(&pd->fp);
    lex_k_bag(&lo, project, GR_ID(uid, 0));
    lex_k_bag(&hi, project, GR_ID(uid + 1, 0));
    rc = cg_store_iter_create(s, NULL, CG_STORE_CF_LEX_DOCS, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        if (kl != 13) continue;
        rc = drop_bag(pd, gr_get_u64(kp + 5), v, vl);
        cg_store_batch_delete(b, CG_STORE_CF_LEX_DOCS, kp, kl);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    lex_fpost_delete(&pd->fp, b, project, uid);
    lex_k_file(&lo, project, uid);
    cg_store_batch_delete(b, CG_STORE_CF_LEX_DOCS, lo.b, lo.n);
    cg_search *srch = cg_search_installed();
    if (srch && srch->remote) { /* stored provider vectors of the file's entities */
        lex_k_vec(&lo, project, GR_ID(uid, 0));
        lex_k_vec(&hi, project, GR_ID(uid + 1, 0));
        cg_store_batch_delete_range(b, CG_STORE_CF_LEX_DOCS, lo.b, lo.n, hi.b, hi.n);
    }
    return rc;
}

/* Encode pd->bag as a bag record into pd->tmp, write it, and add its terms to the file's
 * postings. */
static int put_bag(lex_pending *pd, cg_store_batch *b, uint32_t project, uint64_t id, int kind,
                   int lang)
{
    cg_bag *bag = &pd->bag;
    uint32_t doclen = (uint32_t)CG_MIN(bag->total, UINT32_MAX);
    gr_key k;
    int rc = lex_fpost_entity(&pd->fp, GR_LOCAL(id), doclen, kind);

    /* encoded in place: one reserve for the whole record (the hook runs for every entity) */
    cg_buf_reset(&pd->tmp);
    if (rc || cg_buf_reserve(&pd->tmp, LEX_BAG_HEAD_MAX + (size_t)bag->n * LEX_BAG_TERM_MAX))
        return CG_ENOMEM;
    uint8_t *p = (uint8_t *)pd->tmp.data;
    *p++ = LEX_REC_VERSION;
    *p++ = (uint8_t)kind;
    *p++ = (uint8_t)lang;
    p = lex_put_var(p, doclen);
    p = lex_put_var(p, (uint32_t)bag->n);
    for (int i = 0; i < bag->n; i++) {
        size_t n;
        const char *t = cg_bag_term(bag, i, &n);
        *p++ = (uint8_t)n;
        memcpy(p, t, n);
        p = lex_put_var(p + n, bag->terms[i].tf);
        *p++ = (uint8_t)bag->terms[i].mask;
        if (!rc) rc = lex_fpost_occ(&pd->fp, t, n, bag->terms[i].hash, bag->terms[i].tf);
    }
    pd->tmp.len = (size_t)(p - (uint8_t *)pd->tmp.data);
    pd->tmp.data[pd->tmp.len] = '\0'; /* as an append leaves it */
    lex_k_bag(&k, project, id);
    cg_store_batch_put(b, CG_STORE_CF_LEX_DOCS, k.b, k.n, pd->tmp.data, pd->tmp.len);
    return rc || !cg_buf_ok(&pd->tmp) ? CG_ENOMEM : 0;
}

/* Remember a new bag for the commit (vectors, df). */
static int pend_new(lex_pending *pd, uint64_t id, int kind, int lang, const cg_embed_input *ein)
{
    cg_bag *bag = &pd->bag;
    if (grow((void **)&pd->new_ids, &pd->cap_new, pd->n_new, sizeof(uint64_t))) return CG_ENOMEM;
    size_t c = pd->cap_new; /* new_meta and new_start follow new_ids' capacity */
    uint64_t *m = realloc(pd->new_meta, c * sizeof *m);
    if (m) pd->new_meta = m;
    uint32_t *st = realloc(pd->new_start, (c + 1) * sizeof *st);
    if (st) pd->new_start = st;
    cg_embed_input *in = realloc(pd->new_in, c * sizeof *in);
    if (in) pd->new_in = in;
    if (!m || !st || !in) return CG_ENOMEM;
    while (pd->n_terms + (size_t)bag->n > pd->cap_terms) {
        size_t nc = pd->cap_terms ? pd->cap_terms * 2 : 1024;
        cg_embed_term *t = realloc(pd->terms, nc * sizeof *t);
        if (!t) return CG_ENOMEM;
        pd->terms = t;
        pd->cap_terms = nc;
    }
    if (bag->n) memcpy(pd->terms + pd->n_terms, bag->terms, (size_t)bag->n * sizeof *bag->terms);
    pd->new_start[pd->n_new] = (uint32_t)pd->n_terms;
    pd->n_terms += (size_t)bag->n;
    pd->new_start[pd->n_new + 1] = (uint32_t)pd->n_terms;
    pd->new_meta[pd->n_new] = cg_embed_meta_hash(cg_graph_kind_name(kind), gr_lang_name(lang));
    pd->new_in[pd->n_new] = *ein;
    pd->new_ids[pd->n_new++] = id;
    return 0;
}

/* The entity's source span, when the pipeline gave us the file's bytes. */
static const char *entity_body(const cg_xentity *e, size_t *n)
{
    *n = 0;
    if (!tls_src || e->span.end_byte <= e->span.start_byte || e->span.end_byte > tls_src_len)
        return NULL;
    *n = e->span.end_byte - e->span.start_byte;
    return tls_src + e->span.start_byte;
}

int cg_search_hook_put(cg_store_batch *b, uint32_t project, uint64_t uid, int lang,
                       const cg_extract *x, const uint32_t *locals)
{
    lex_pending *pd = pend_get();
    uint64_t docs = 0, total = 0;
    gr_key k;
    int rc = 0;

    pd->project = project;
    lex_fpost_reset(&pd->fp);
    for (int i = 0; !rc && i < x->n_entities; i++) {
        const cg_xentity *e = &x->entities[i];
        size_t bl;
        const char *body = entity_body(e, &bl);
        cg_embed_input ein = {.name = cg_extract_str(x, e->name),
                              .signature = cg_extract_str(x, e->signature),
                              .doc = cg_extract_str(x, e->doc),
                              .body = body,
                              .body_len = bl,
                              .language = gr_lang_name(lang),
                              .kind = cg_graph_kind_name((int)e->kind)};
        cg_bag_reset(&pd->bag);
        rc = cg_bag_add_entity(&pd->bag, ein.name, cg_extract_str(x, e->qualified_name),
                               ein.signature, ein.doc, body, bl);
        if (rc) break;
        cg_bag_cap(&pd->bag, CG_SEARCH_BAG_TERMS_MAX);
        uint64_t id = GR_ID(uid, locals[i]);
        rc = put_bag(pd, b, project, id, (int)e->kind, lang);
        if (!rc) rc = pend_new(pd, id, (int)e->kind, lang, &ein);
        docs++;
        total += pd->bag.total;
    }
    if (!rc) rc = lex_fpost_put(&pd->fp, b, project, uid, lang);
    if (!rc && docs) {
        cg_buf_reset(&pd->tmp);
        gr_put_u8(&pd->tmp, LEX_REC_VERSION);
        gr_put_var(&pd->tmp, docs);
        gr_put_var(&pd->tmp, total);
        lex_k_file(&k, project, uid);
        cg_store_batch_put(b, CG_STORE_CF_LEX_DOCS, k.b, k.n, pd->tmp.data, pd->tmp.len);
    }
    return rc;
}

void cg_search_hook_commit(int rc)
{
    lex_pending *pd = pend_get();
    cg_search *s = cg_search_installed();
    if (rc == 0 && s) {
        sr_write w = {.project = pd->project,
                      .old_ids = pd->old_ids,
                      .n_old = pd->n_old,
                      .old_hashes = pd->old_hashes,
                      .n_oh = pd->n_oh,
                      .new_ids = pd->new_ids,
                      .new_start = pd->new_start,
                      .new_meta = pd->new_meta,
                      .in = pd->new_in,
                      .n_new = pd->n_new,
                      .terms = pd->terms};
        sr_commit(s, &w);
    }
    pend_clear(pd);
}
