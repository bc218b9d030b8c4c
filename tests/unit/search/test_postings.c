/*
 * test_postings.c — proves the per-file posting lists (lex.c DESIGN, post.c), written through
 * the real graph writer with the search hooks:
 * - a file of several entities has ONE posting key per distinct term, whose list holds one
 *   entry per entity containing the term, locals ascending, with the tf, doclen, kind and
 *   language of that entity's stored bag; every bag term has its entry and nothing else is
 *   stored (checked entry by entry against the bags);
 * - BM25's document frequency counts entities, not keys: a term in two entities of one file
 *   and one of another scores with df 3 (hand-computed from the documented formula);
 * - re-putting the file with other content leaves no stale list or entry (a term it lost
 *   finds nothing, a term it kept lists only the new entities), and deleting it removes all;
 * - a file of no known language (code 0) is found like any other;
 * - a store holding postings of the older per-entity layout and no layout record gets them
 *   rebuilt from the bags, both when a search opens it and when a write comes first, with
 *   the same search answers as before; a store recording a newer layout is refused.
 */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgtest.h"
#include "cgtest_db.h"
#include "codegraph/base.h"
#include "codegraph/graph.h"
#include "codegraph/search.h"
#include "codegraph/store.h"
#include "search/hook.h"
#include "search/search_int.h"

#define META_LAYOUT "search.postings_layout"

static char root[CGT_ROOT_MAX];
static cgt_db db;
static cg_store *st;
static cg_graph *g;
static uint32_t proj;

typedef struct ent {
    const char *name, *body;
    cg_entity_kind kind;
} ent;

/* Put one file (language lang) whose entities' spans are their bodies, laid end to end. */
static int put_file_lang(const char *path, const ent *es, int n, const char *lang)
{
    cg_extract x;
    cg_xentity xe[8];
    char src[512];
    size_t len = 0;
    cg_extract_init(&x);
    cg_buf_putc(&x.strings, '\0');
    for (int i = 0; i < n; i++) {
        memset(&xe[i], 0, sizeof xe[i]);
        xe[i].kind = es[i].kind;
        xe[i].name = xe[i].qualified_name = (uint32_t)x.strings.len;
        cg_buf_append(&x.strings, es[i].name, strlen(es[i].name) + 1);
        xe[i].parent = -1;
        size_t bl = strlen(es[i].body);
        xe[i].span = (cg_span){.start_line = (uint32_t)i + 1,
                               .end_line = (uint32_t)i + 1,
                               .start_byte = (uint32_t)len,
                               .end_byte = (uint32_t)(len + bl)};
        memcpy(src + len, es[i].body, bl);
        len += bl;
        src[len++] = '\n';
    }
    x.entities = xe;
    x.n_entities = n;
    cg_graph_file_meta m = {.language = lang, .hash = len, .size = len};
    cg_search_hook_source(src, len);
    int rc = cg_graph_file_put(g, proj, path, &m, &x, 0);
    cg_search_hook_source(NULL, 0);
    x.entities = NULL;
    x.n_entities = 0;
    cg_extract_release(&x);
    return rc;
}

static int put_file(const char *path, const ent *es, int n)
{
    return put_file_lang(path, es, n, "python");
}

static const ent file_m[] = {
    {"one", "kiwi kiwi lemon", CG_KIND_FUNCTION},
    {"two", "kiwi mango", CG_KIND_FUNCTION},
    {"three", "lemon", CG_KIND_CLASS},
};
static const ent file_n[] = {{"four", "kiwi", CG_KIND_FUNCTION}};

static void setup(void)
{
    cgt_db_new(&db, root, "post", "db");
    st = db.s;
    g = db.g;
    if (cg_graph_project_create(g, "p", root, &proj)) abort();
    if (put_file("m.py", file_m, 3) || put_file("n.py", file_n, 1)) abort();
    if (cg_graph_project_publish(g, proj, NULL)) abort();
}

static void proj_range(uint8_t lo[4], uint8_t hi[4])
{
    for (int j = 0; j < 4; j++) {
        lo[j] = (uint8_t)(proj >> (24 - 8 * j));
        hi[j] = (uint8_t)((proj + 1) >> (24 - 8 * j));
    }
}

/* The number of posting keys of the project. */
static int post_keys(void)
{
    cg_store_iter *it;
    uint8_t lo[4], hi[4];
    int n = 0;
    proj_range(lo, hi);
    if (cg_store_iter_create(st, NULL, CG_STORE_CF_LEX_POSTINGS, lo, 4, hi, 4, &it)) return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) n++;
    cg_store_iter_destroy(it);
    return n;
}

/* Does entry e of the list (term t, file uid, language lang) match the stored bag? */
static int entry_matches_bag(const char *t, size_t tn, uint64_t uid, int lang, const lex_posting *e)
{
    cg_buf b;
    gr_key k;
    lex_bag bag;
    lex_term bt;
    int ok = 0;
    cg_buf_init(&b);
    lex_k_bag(&k, proj, GR_ID(uid, e->local));
    if (cg_store_get(st, NULL, CG_STORE_CF_LEX_DOCS, k.b, k.n, &b, NULL, 0) >= 0 &&
        lex_bag_dec(b.data, b.len, &bag) == 0 && bag.doclen == e->doclen && bag.kind == e->kind &&
        bag.lang == lang)
        while (lex_bag_next(&bag, &bt))
            if (bt.n == tn && memcmp(bt.t, t, tn) == 0) ok = bt.tf == e->tf;
    cg_buf_release(&b);
    return ok;
}

/* Every entry of every list of the project against the bags; the entries counted in *n.
 * 0 when all match, locals ascend and no list is empty; -1 otherwise. */
static int lists_match_bags(int *n)
{
    cg_store_iter *it;
    uint8_t lo[4], hi[4];
    int bad = 0;
    *n = 0;
    proj_range(lo, hi);
    if (cg_store_iter_create(st, NULL, CG_STORE_CF_LEX_POSTINGS, lo, 4, hi, 4, &it)) return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        lex_plist pl;
        lex_posting e;
        uint32_t prev = 0, got = 0;
        if (kl < 4 + 1 + 1 + 8 || k[kl - 9] != 0 || lex_plist_open(&pl, v, vl) != 0) {
            bad = 1;
            continue;
        }
        uint64_t uid = gr_get_u64(k + kl - 8);
        while (lex_plist_next(&pl, &e)) {
            got++;
            if (e.local <= prev ||
                !entry_matches_bag((const char *)k + 4, kl - 13, uid, pl.lang, &e))
                bad = 1;
            prev = e.local;
        }
        if (got != pl.n) bad = 1;
        *n += (int)got;
    }
    cg_store_iter_destroy(it);
    return bad ? -1 : 0;
}

/* The number of (entity, term) pairs in the project's bags. */
static int bag_terms(void)
{
    cg_store_iter *it;
    gr_key lo, hi;
    int n = 0;
    lex_k_bag(&lo, proj, 0);
    lex_k_bag(&hi, proj + 1, 0);
    if (cg_store_iter_create(st, NULL, CG_STORE_CF_LEX_DOCS, lo.b, lo.n, hi.b, hi.n, &it))
        return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t vl;
        const void *v = cg_store_iter_value(it, &vl);
        lex_bag b;
        if (lex_bag_dec(v, vl, &b) == 0) n += (int)b.n;
    }
    cg_store_iter_destroy(it);
    return n;
}

static double bm25(double tf, double dl, double avgdl, double n, double df)
{
    double idf = log(1.0 + (n - df + 0.5) / (df + 0.5));
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

static int run(cg_search *s, const char *q, cg_search_result *r)
{
    cg_search_query sq = {.q = q, .mode = CG_SEARCH_LEXICAL, .project = proj};
    return cg_search_run(s, &sq, r);
}

/* The score of the hit named `name`, or -1. */
static double score_of(const cg_search_result *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->hits[i].entity.name, name) == 0) return r->hits[i].score;
    return -1;
}

CG_TEST(one_list_per_file_term_and_df_counts_entities)
{
    cg_search *s;
    cg_search_result r;
    int entries = -1;
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    /* m: one thre(e) two kiwi lemon mango; n: four kiwi (stemming: "three" -> "thre") */
    CG_CHECK_EQ_INT(post_keys(), 8);
    CG_CHECK_EQ_INT(lists_match_bags(&entries), 0);
    /* one+kiwi+lemon, two+kiwi+mango, thre+lemon, four+kiwi */
    CG_CHECK_EQ_INT(entries, 10);
    CG_CHECK_EQ_INT(bag_terms(), entries);
    /* doc lengths (name 6 + body): one 9, two 8, three 7, four 7; N 4, avgdl 7.75; kiwi in
     * 3 entities (2 keys) */
    CG_CHECK_EQ_INT(run(s, "kiwi", &r), 0);
    CG_CHECK_EQ_INT(r.n, 3);
    CG_CHECK(fabs(score_of(&r, "one") - bm25(2, 9, 7.75, 4, 3)) < 1e-9);
    CG_CHECK(fabs(score_of(&r, "two") - bm25(1, 8, 7.75, 4, 3)) < 1e-9);
    CG_CHECK(fabs(score_of(&r, "four") - bm25(1, 7, 7.75, 4, 3)) < 1e-9);
    CG_CHECK(r.n == 3 && !strcmp(r.hits[0].entity.name, "one"));
    cg_search_result_release(&r);
    /* a kind filter reads inside a list: only the class has lemon among classes */
    cg_search_query q = {.q = "lemon", .mode = CG_SEARCH_LEXICAL, .project = proj};
    q.kinds = CG_GRAPH_KIND_BIT(CG_KIND_CLASS);
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK(r.n == 1 && !strcmp(r.hits[0].entity.name, "three"));
    CG_CHECK(r.n == 1 && fabs(r.hits[0].score - bm25(1, 7, 7.75, 4, 2)) < 1e-9);
    cg_search_result_release(&r);
    q.kinds = 0, q.language = "go"; /* the list's language skips it whole */
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK_EQ_INT(r.n, 0);
    cg_search_result_release(&r);
    cg_search_destroy(s);
}

CG_TEST(replace_leaves_no_stale_postings)
{
    cg_search *s;
    cg_search_result r;
    int entries = -1;
    const ent m2[] = {{"one", "kiwi papaya", CG_KIND_FUNCTION}, {"three", "lemon", CG_KIND_CLASS}};
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    CG_CHECK_EQ_INT(put_file("m.py", m2, 2), 0);
    CG_CHECK_EQ_INT(cg_graph_project_publish(g, proj, NULL), 0);
    /* m: one kiwi papaya thre lemon; n: four kiwi */
    CG_CHECK_EQ_INT(post_keys(), 7);
    CG_CHECK_EQ_INT(lists_match_bags(&entries), 0);
    CG_CHECK_EQ_INT(entries, 7);
    CG_CHECK_EQ_INT(bag_terms(), entries);
    CG_CHECK_EQ_INT(run(s, "mango", &r), 0);
    CG_CHECK_EQ_INT(r.n, 0);
    cg_search_result_release(&r);
    /* one 6+1+1 = 8, three 7, four 7: N 3, avgdl 22/3; kiwi now in 2 entities */
    CG_CHECK_EQ_INT(run(s, "kiwi", &r), 0);
    CG_CHECK_EQ_INT(r.n, 2);
    CG_CHECK(fabs(score_of(&r, "one") - bm25(1, 8, 22.0 / 3, 3, 2)) < 1e-9);
    CG_CHECK(fabs(score_of(&r, "four") - bm25(1, 7, 22.0 / 3, 3, 2)) < 1e-9);
    cg_search_result_release(&r);
    cg_search_destroy(s);
}

/* Turn the project's postings into the older per-entity layout (P term 00 id → tf doclen
 * kind lang, from the bags) and remove the layout record, as an older build left them. */
static int make_old_layout(void)
{
    cg_store_iter *it;
    cg_store_batch *b = cg_store_batch_create(st);
    gr_key lo, hi, k;
    uint8_t plo[4], phi[4];
    cg_buf v;
    proj_range(plo, phi);
    cg_buf_init(&v);
    cg_store_batch_delete_range(b, CG_STORE_CF_LEX_POSTINGS, plo, 4, phi, 4);
    cg_store_batch_delete(b, CG_STORE_CF_META, META_LAYOUT, strlen(META_LAYOUT));
    lex_k_bag(&lo, proj, 0);
    lex_k_bag(&hi, proj + 1, 0);
    if (cg_store_iter_create(st, NULL, CG_STORE_CF_LEX_DOCS, lo.b, lo.n, hi.b, hi.n, &it))
        return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        const void *val = cg_store_iter_value(it, &vl);
        lex_bag bag;
        lex_term t;
        if (lex_bag_dec(val, vl, &bag) != 0) continue;
        while (lex_bag_next(&bag, &t)) {
            cg_buf_reset(&v);
            gr_put_var(&v, t.tf);
            gr_put_var(&v, bag.doclen);
            gr_put_u8(&v, (uint8_t)bag.kind);
            gr_put_u8(&v, (uint8_t)bag.lang);
            lex_k_posting(&k, proj, t.t, t.n, gr_get_u64(kp + 5));
            cg_store_batch_put(b, CG_STORE_CF_LEX_POSTINGS, k.b, k.n, v.data, v.len);
        }
    }
    cg_store_iter_destroy(it);
    int rc = cg_store_batch_write(st, b, 1, NULL, 0);
    cg_store_batch_destroy(b);
    cg_buf_release(&v);
    return rc;
}

/* The scores of a few queries, in hit order, into out (n values at most). */
static int scores(cg_search *s, double *out, int n)
{
    static const char *const qs[] = {"kiwi", "lemon", "papaya one", "four kiwi lemon"};
    int k = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(qs); i++) {
        cg_search_result r;
        if (run(s, qs[i], &r) != 0) return -1;
        for (int j = 0; j < r.n && k < n; j++) out[k++] = r.hits[j].score;
        cg_search_result_release(&r);
    }
    return k;
}

CG_TEST(older_layout_is_rebuilt_newer_refused)
{
    cg_search *s;
    double before[32], after[32];
    char err[256] = "";
    int entries = -1, keys = post_keys(), nb = -1, na = -2;
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    nb = scores(s, before, 32);
    cg_search_destroy(s);
    /* a search opens it first */
    CG_CHECK_EQ_INT(make_old_layout(), 0);
    CG_CHECK_EQ_INT(post_keys(), bag_terms());
    CG_CHECK(lists_match_bags(&entries) != 0);
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    CG_CHECK_EQ_INT(post_keys(), keys);
    CG_CHECK_EQ_INT(lists_match_bags(&entries), 0);
    na = scores(s, after, 32);
    CG_CHECK(nb > 0 && na == nb && memcmp(before, after, (size_t)nb * sizeof *before) == 0);
    cg_search_destroy(s);
    /* a write comes first */
    CG_CHECK_EQ_INT(make_old_layout(), 0);
    const ent o[] = {{"five", "quince", CG_KIND_FUNCTION}};
    CG_CHECK_EQ_INT(put_file("o.py", o, 1), 0);
    CG_CHECK_EQ_INT(post_keys(), keys + 2);
    CG_CHECK_EQ_INT(lists_match_bags(&entries), 0);
    CG_CHECK_EQ_INT(entries, bag_terms());
    /* a newer layout */
    uint8_t v3[4] = {0, 0, 0, LEX_LAYOUT + 1}, v2[4] = {0, 0, 0, LEX_LAYOUT};
    CG_CHECK_EQ_INT(cg_store_put_meta(st, META_LAYOUT, v3, 4, NULL, 0), 0);
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, err, sizeof err), CG_EDB);
    CG_CHECK(strstr(err, "newer") != NULL);
    CG_CHECK_EQ_INT(put_file("o.py", o, 1), CG_EDB);
    CG_CHECK_EQ_INT(cg_store_put_meta(st, META_LAYOUT, v2, 4, NULL, 0), 0);
}

CG_TEST(delete_removes_every_list)
{
    /* a file of no known language (code 0) is searchable too */
    const ent u[] = {{"six", "quince", CG_KIND_FUNCTION}};
    cg_search *s;
    cg_search_result r;
    CG_CHECK_EQ_INT(put_file_lang("u.dat", u, 1, ""), 0);
    CG_CHECK_EQ_INT(cg_graph_project_publish(g, proj, NULL), 0);
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    CG_CHECK_EQ_INT(run(s, "quince", &r), 0);
    CG_CHECK_EQ_INT(r.n, 2);
    CG_CHECK(score_of(&r, "six") > 0 && score_of(&r, "five") > 0);
    cg_search_result_release(&r);
    cg_search_destroy(s);
    CG_CHECK_EQ_INT(cg_graph_file_delete(g, proj, "u.dat"), 0);
    CG_CHECK_EQ_INT(cg_graph_file_delete(g, proj, "m.py"), 0);
    CG_CHECK_EQ_INT(cg_graph_file_delete(g, proj, "n.py"), 0);
    CG_CHECK_EQ_INT(cg_graph_file_delete(g, proj, "o.py"), 0);
    CG_CHECK_EQ_INT(post_keys(), 0);
    CG_CHECK_EQ_INT(bag_terms(), 0);
}

int main(void)
{
    setup();
    int rc = cg_test_main();
    cgt_db_close(&db);
    cgt_rmtree(root);
    return rc;
}
