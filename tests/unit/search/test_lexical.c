/*
 * test_lexical.c — proves the lexical index and its queries on a hand-built three-file
 * corpus written through the real graph writer (cg_graph_file_put with the search hooks):
 * - BM25 scores equal the values computed by hand from the documented formula (k1 1.2,
 *   b 0.75, idf ln(1 + (N - df + .5)/(df + .5)), field-weighted tf) and rank accordingly;
 * - a multi-term query sums its terms; kind and language filters and the path prefix work;
 *   pages are stable (offset/limit, total, truncated);
 * - re-putting a file with other content removes its old postings (old terms find
 *   nothing, new ones do), deleting a file removes every posting and bag of it, and the
 *   published view does not see either change before publish;
 * - semantic search (no vector index: exact cosine scan) ranks the entity sharing the
 *   query's rare terms first; similar-by-entity excludes the entity itself and honours
 *   the threshold; hybrid fuses and explains;
 * - invalid queries are refused.
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

static char root[CGT_ROOT_MAX];
static cgt_db db;
static cg_store *st;
static cg_graph *g;
static uint32_t proj;

typedef struct doc {
    const char *path, *name, *body;
    cg_entity_kind kind;
    const char *lang;
} doc;

/* Put one file holding one entity whose span is the whole body. */
static int put_doc(const doc *d)
{
    cg_extract x;
    cg_xentity e;
    memset(&e, 0, sizeof e);
    cg_extract_init(&x);
    cg_buf_putc(&x.strings, '\0');
    e.kind = d->kind;
    e.name = e.qualified_name = (uint32_t)x.strings.len;
    cg_buf_append(&x.strings, d->name, strlen(d->name) + 1);
    e.signature = e.doc = 0;
    e.parent = -1;
    e.span = (cg_span){.start_line = 1, .end_line = 1, .end_byte = (uint32_t)strlen(d->body)};
    x.entities = &e;
    x.n_entities = 1;
    cg_graph_file_meta m = {.language = d->lang, .hash = 1, .size = strlen(d->body)};
    cg_search_hook_source(d->body, strlen(d->body));
    int rc = cg_graph_file_put(g, proj, d->path, &m, &x, 0);
    cg_search_hook_source(NULL, 0);
    x.entities = NULL;
    x.n_entities = 0;
    cg_extract_release(&x);
    return rc;
}

static const doc corpus[] = {
    {"a.py", "alpha", "apple apple banana", CG_KIND_FUNCTION, "python"},
    {"lib/b.py", "beta", "apple cherry cherry cherry", CG_KIND_CLASS, "python"},
    {"lib/c.go", "gamma", "banana banana", CG_KIND_FUNCTION, "go"},
};

static void setup(void)
{
    cgt_db_new(&db, root, "lex", "db");
    st = db.s;
    g = db.g;
    if (cg_graph_project_create(g, "p", root, &proj)) abort();
    for (size_t i = 0; i < CG_ARRAY_LEN(corpus); i++)
        if (put_doc(&corpus[i])) abort();
    if (cg_graph_project_publish(g, proj, NULL)) abort();
}

/* BM25 of one term occurrence, as documented. */
static double bm25(double tf, double dl, double avgdl, double n, double df)
{
    double idf = log(1.0 + (n - df + 0.5) / (df + 0.5));
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

static int run(cg_search *s, const char *q, int mode, cg_search_result *r)
{
    cg_search_query sq = {.q = q, .mode = mode, .project = proj, .explain = 1};
    return cg_search_run(s, &sq, r);
}

CG_TEST(bm25_matches_hand_computation)
{
    cg_search *s;
    cg_search_result r;
    char err[256];
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, err, sizeof err), 0);
    /* doc lengths: name weight 6 + body terms: a 6+2+1=9, b 6+1+3=10, c 6+2=8; avg 9 */
    double a = bm25(2, 9, 9, 3, 2), b = bm25(1, 10, 9, 3, 2);
    CG_CHECK_EQ_INT(run(s, "apple", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK_EQ_INT(r.n, 2);
    CG_CHECK_EQ_INT(r.total, 2);
    if (r.n == 2) {
        CG_CHECK_STR(r.hits[0].entity.name, "alpha");
        CG_CHECK_STR(r.hits[1].entity.name, "beta");
        CG_CHECK(fabs(r.hits[0].score - a) < 1e-9);
        CG_CHECK(fabs(r.hits[1].score - b) < 1e-9);
        CG_CHECK_STR(r.hits[0].project_name, "p");
    }
    cg_search_result_release(&r);
    /* two terms add up: alpha has apple(2) + banana(1); gamma banana(2) */
    CG_CHECK_EQ_INT(run(s, "apples bananas", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK_EQ_INT(r.n, 3);
    if (r.n == 3) {
        CG_CHECK_STR(r.hits[0].entity.name, "alpha");
        CG_CHECK(fabs(r.hits[0].score - (a + bm25(1, 9, 9, 3, 2))) < 1e-9);
        CG_CHECK_STR(r.hits[1].entity.name, "gamma");
        CG_CHECK(fabs(r.hits[1].score - bm25(2, 8, 9, 3, 2)) < 1e-9);
    }
    cg_search_result_release(&r);
    cg_search_destroy(s);
}

CG_TEST(filters_and_pages)
{
    cg_search *s;
    cg_search_result r;
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    cg_search_query q = {.q = "apple banana", .mode = CG_SEARCH_LEXICAL, .language = "go"};
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK(r.n == 1 && !strcmp(r.hits[0].entity.name, "gamma"));
    cg_search_result_release(&r);
    q.language = NULL;
    q.kinds = CG_GRAPH_KIND_BIT(CG_KIND_CLASS);
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK(r.n == 1 && !strcmp(r.hits[0].entity.name, "beta"));
    cg_search_result_release(&r);
    q.kinds = 0;
    q.path_prefix = "lib/";
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK_EQ_INT(r.n, 2);
    for (int i = 0; i < r.n; i++) CG_CHECK(!strncmp(r.hits[i].entity.path, "lib/", 4));
    cg_search_result_release(&r);
    q.path_prefix = NULL;
    q.page.limit = 1;
    q.page.offset = 1;
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), 0);
    CG_CHECK_EQ_INT(r.n, 1);
    CG_CHECK_EQ_INT(r.total, 3);
    CG_CHECK_EQ_INT(r.truncated, 1);
    CG_CHECK_EQ_INT(r.next_offset, 2);
    cg_search_result_release(&r);
    q.q = "";
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), CG_EINVAL);
    q.q = "apple";
    q.mode = 42;
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), CG_EINVAL);
    q.mode = CG_SEARCH_LEXICAL;
    q.language = "klingon";
    CG_CHECK_EQ_INT(cg_search_run(s, &q, &r), CG_EINVAL);
    cg_search_destroy(s);
}

CG_TEST(semantic_hybrid_similar)
{
    cg_search *s;
    cg_search_result r;
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    CG_CHECK_EQ_INT(run(s, "cherry", CG_SEARCH_SEMANTIC, &r), 0);
    CG_CHECK(r.n >= 1 && !strcmp(r.hits[0].entity.name, "beta"));
    CG_CHECK(r.n >= 1 && r.hits[0].score > 0.3 && r.hits[0].score <= 1.0 + 1e-6);
    cg_search_result_release(&r);
    CG_CHECK_EQ_INT(run(s, "gamma", CG_SEARCH_HYBRID, &r), 0);
    CG_CHECK(r.n >= 1 && !strcmp(r.hits[0].entity.name, "gamma"));
    if (r.n >= 1) {
        CG_CHECK_EQ_INT(r.hits[0].explain.rank[CG_SEARCH_SRC_SYMBOL], 1);
        CG_CHECK_EQ_INT(r.hits[0].explain.rank[CG_SEARCH_SRC_LEXICAL], 1);
        CG_CHECK(r.hits[0].explain.name_boost > 0);
    }
    cg_search_result_release(&r);
    CG_CHECK_EQ_INT(run(s, "alpha", CG_SEARCH_SYMBOL, &r), 0);
    CG_CHECK(r.n >= 1 && !strcmp(r.hits[0].entity.name, "alpha"));
    uint64_t alpha = r.n ? r.hits[0].entity.id : 0;
    cg_search_result_release(&r);
    cg_search_similar_query sq = {.entity_id = alpha, .threshold = -1};
    CG_CHECK_EQ_INT(cg_search_similar(s, &sq, &r), 0);
    CG_CHECK_EQ_INT(r.n, 2);
    for (int i = 0; i < r.n; i++) CG_CHECK(r.hits[i].entity.id != alpha);
    double best = r.n ? r.hits[0].score : 0;
    cg_search_result_release(&r);
    sq.threshold = best + 1e-6;
    CG_CHECK_EQ_INT(cg_search_similar(s, &sq, &r), 0);
    CG_CHECK_EQ_INT(r.n, 0);
    cg_search_result_release(&r);
    sq = (cg_search_similar_query){.code = "cherry cherry", .code_len = 13, .threshold = 0.1};
    CG_CHECK_EQ_INT(cg_search_similar(s, &sq, &r), 0);
    CG_CHECK(r.n >= 1 && !strcmp(r.hits[0].entity.name, "beta"));
    for (int i = 0; i < r.n; i++) CG_CHECK(r.hits[i].score >= 0.1);
    cg_search_result_release(&r);
    sq.entity_id = 0, sq.code = NULL;
    CG_CHECK_EQ_INT(cg_search_similar(s, &sq, &r), CG_EINVAL);
    sq.entity_id = 12345;
    CG_CHECK_EQ_INT(cg_search_similar(s, &sq, &r), CG_ENOTFOUND);
    cg_search_destroy(s);
}

/* Count the postings of the project (every term). */
static int postings(void)
{
    cg_store_iter *it;
    uint8_t lo[4] = {(uint8_t)(proj >> 24), (uint8_t)(proj >> 16), (uint8_t)(proj >> 8),
                     (uint8_t)proj};
    uint8_t hi[4] = {lo[0], lo[1], lo[2], (uint8_t)(lo[3] + 1)};
    int n = 0;
    if (cg_store_iter_create(st, NULL, CG_STORE_CF_LEX_POSTINGS, lo, 4, hi, 4, &it)) return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) n++;
    cg_store_iter_destroy(it);
    return n;
}

CG_TEST(reindex_and_delete_remove_postings)
{
    cg_search *s;
    cg_search_result r;
    CG_CHECK_EQ_INT(cg_search_create(&s, g, NULL, NULL, NULL, 0), 0);
    /* alpha apple banana | beta apple cherry | gamma banana: 3 + 3 + 2 postings */
    CG_CHECK_EQ_INT(postings(), 8);
    doc changed = {"lib/b.py", "beta", "durian durian", CG_KIND_CLASS, "python"};
    CG_CHECK_EQ_INT(put_doc(&changed), 0);
    CG_CHECK_EQ_INT(postings(), 7);
    /* not published yet: the view still sees cherry */
    CG_CHECK_EQ_INT(run(s, "cherry", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK_EQ_INT(r.n, 1);
    cg_search_result_release(&r);
    CG_CHECK_EQ_INT(cg_graph_project_publish(g, proj, NULL), 0);
    CG_CHECK_EQ_INT(run(s, "cherry", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK_EQ_INT(r.n, 0);
    cg_search_result_release(&r);
    CG_CHECK_EQ_INT(run(s, "durian", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK(r.n == 1 && !strcmp(r.hits[0].entity.name, "beta"));
    cg_search_result_release(&r);
    CG_CHECK_EQ_INT(cg_graph_file_delete(g, proj, "lib/b.py"), 0);
    CG_CHECK_EQ_INT(cg_graph_project_publish(g, proj, NULL), 0);
    CG_CHECK_EQ_INT(postings(), 5);
    CG_CHECK_EQ_INT(run(s, "durian", CG_SEARCH_LEXICAL, &r), 0);
    CG_CHECK_EQ_INT(r.n, 0);
    cg_search_result_release(&r);
    cg_search_destroy(s);
}

int main(void)
{
    setup();
    int rc = cg_test_main();
    cgt_db_close(&db);
    cgt_rmtree(root);
    return rc;
}
