/*
 * test_faiss_smoke.c — proves the FAISS bridge links and works from C: an HNSW index over
 * 2000 normalised 64-d vectors reaches recall@10 >= 0.9 against the exact IndexFlatIP;
 * file and in-memory round trips answer bit-identically; the graph view is consistent; and
 * failures (missing file, garbage file, bad arguments) come back as CG_E* codes with a
 * message, never as a C++ exception.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"

#define DIM 64
#define NB 2000
#define NQ 50
#define K 10

static float base[NB * DIM], queries[NQ * DIM];

/* splitmix64: a deterministic stream, so the data set is the same on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static float rng_unit(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (float)((double)(z >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

static void make_data(void)
{
    for (int i = 0; i < NB * DIM; i++) base[i] = rng_unit();
    for (int i = 0; i < NQ * DIM; i++) queries[i] = rng_unit();
    cg_faiss_normalize(base, NB, DIM);
    cg_faiss_normalize(queries, NQ, DIM);
}

static cg_faiss_index *build_hnsw(int *failed_, int ef_search)
{
    char err[CG_FAISS_ERR_MAX];
    cg_faiss_index *h = NULL;
    int *cg_failed_ = failed_;
    CG_CHECK_EQ_INT(
        cg_faiss_hnsw_create(&h, DIM, 16, CG_FAISS_METRIC_IP, 100, ef_search, err, sizeof(err)), 0);
    if (h) CG_CHECK_EQ_INT(cg_faiss_add(h, NB, base, err, sizeof(err)), 0);
    return h;
}

/* Fraction of exact top-K labels that approx found. */
static double recall(const int64_t *exact, const int64_t *approx)
{
    int hit = 0;
    for (int q = 0; q < NQ; q++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++)
                if (exact[q * K + i] == approx[q * K + j]) {
                    hit++;
                    break;
                }
    return (double)hit / (NQ * K);
}

CG_TEST(hnsw_recall_against_exact)
{
    static float de[NQ * K], da[NQ * K];
    static int64_t le[NQ * K], la[NQ * K];
    char err[CG_FAISS_ERR_MAX];
    cg_faiss_index *flat = NULL;

    cg_faiss_threads_set(1); /* deterministic HNSW build, and light on a shared box */
    make_data();
    cg_faiss_index *h = build_hnsw(cg_failed_, 64);
    CG_CHECK_EQ_INT(cg_faiss_flat_create(&flat, DIM, CG_FAISS_METRIC_IP, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_add(flat, NB, base, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_ntotal(h), NB);
    CG_CHECK_EQ_INT(cg_faiss_dim(h), DIM);
    CG_CHECK_EQ_INT(cg_faiss_is_hnsw(h), 1);
    CG_CHECK_EQ_INT(cg_faiss_is_hnsw(flat), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(flat, NQ, queries, K, 0, de, le, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(h, NQ, queries, K, 0, da, la, err, sizeof(err)), 0);
    double r = recall(le, la);
    printf("  recall@10 (efSearch 64) = %.3f\n", r);
    CG_CHECK(r >= 0.9);
    /* Exact answers are sorted by decreasing inner product, and are real ids. */
    CG_CHECK(de[0] >= de[K - 1] && le[0] >= 0 && le[0] < NB);
    cg_faiss_destroy(flat);
    cg_faiss_destroy(h);
}

/* FAISS 1.7.3 sizes the queue from the index's efSearch; the bridge must still let one call
 * search deeper (and must not change the index's default while doing so). */
CG_TEST(per_call_ef_search_widens_the_queue)
{
    static float de[NQ * K], da[NQ * K];
    static int64_t le[NQ * K], la[NQ * K];
    char err[CG_FAISS_ERR_MAX];
    cg_faiss_index *flat = NULL, *h = build_hnsw(cg_failed_, K);
    cg_faiss_hnsw_view v;

    CG_CHECK_EQ_INT(cg_faiss_flat_create(&flat, DIM, CG_FAISS_METRIC_IP, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_add(flat, NB, base, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(flat, NQ, queries, K, 0, de, le, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(h, NQ, queries, K, 0, da, la, err, sizeof(err)), 0);
    double shallow = recall(le, la);
    CG_CHECK_EQ_INT(cg_faiss_search(h, NQ, queries, K, 200, da, la, err, sizeof(err)), 0);
    double deep = recall(le, la);
    printf("  recall@10 efSearch 10 (default) = %.3f, 200 (per call) = %.3f\n", shallow, deep);
    CG_CHECK(deep >= 0.97 && deep > shallow);
    CG_CHECK_EQ_INT(cg_faiss_hnsw_view_get(h, &v, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(v.ef_search, K);
    cg_faiss_destroy(flat);
    cg_faiss_destroy(h);
}

CG_TEST(hnsw_view_is_consistent)
{
    char err[CG_FAISS_ERR_MAX];
    cg_faiss_hnsw_view v;
    cg_faiss_index *h = build_hnsw(cg_failed_, 64);

    CG_CHECK_EQ_INT(cg_faiss_hnsw_view_get(h, &v, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(v.n, NB);
    CG_CHECK_EQ_INT(v.dim, DIM);
    CG_CHECK_EQ_INT(v.metric, CG_FAISS_METRIC_IP);
    CG_CHECK(v.entry_point >= 0 && v.entry_point < NB);
    CG_CHECK_EQ_INT(v.levels[v.entry_point], v.max_level + 1);
    int bad = 0;
    for (int64_t i = 0; i < v.n; i++) {
        bad += v.levels[i] < 1 || v.levels[i] > v.max_level + 1;
        bad += v.offsets[i + 1] <= v.offsets[i];
    }
    for (uint64_t j = 0; j < v.offsets[v.n]; j++)
        bad += v.neighbors[j] < -1 || v.neighbors[j] >= NB;
    CG_CHECK_EQ_INT(bad, 0);
    CG_CHECK(memcmp(v.vectors, base, sizeof(base)) == 0);
    CG_CHECK(v.n_cum > 2 && v.cum_nneighbor_per_level[1] == 32);
    cg_faiss_destroy(h);
}

static int same_answers(const cg_faiss_index *a, const cg_faiss_index *b)
{
    static float da[NQ * K], db[NQ * K];
    static int64_t la[NQ * K], lb[NQ * K];
    char err[CG_FAISS_ERR_MAX];
    if (cg_faiss_search(a, NQ, queries, K, 0, da, la, err, sizeof(err)) != 0) return 0;
    if (cg_faiss_search(b, NQ, queries, K, 0, db, lb, err, sizeof(err)) != 0) return 0;
    return memcmp(da, db, sizeof(da)) == 0 && memcmp(la, lb, sizeof(la)) == 0;
}

CG_TEST(write_read_round_trip)
{
    char err[CG_FAISS_ERR_MAX], path[64];
    cg_faiss_index *h = build_hnsw(cg_failed_, 64), *r = NULL, *m = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;

    snprintf(path, sizeof(path), "/tmp/cg-faiss-%d.index", (int)getpid());
    CG_CHECK_EQ_INT(cg_faiss_write(h, path, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_read(&r, path, err, sizeof(err)), 0);
    CG_CHECK(r && cg_faiss_ntotal(r) == NB && cg_faiss_is_hnsw(r));
    if (r) CG_CHECK(same_answers(h, r));
    CG_CHECK_EQ_INT(cg_faiss_serialize(h, &bytes, &len, err, sizeof(err)), 0);
    CG_CHECK(len > (size_t)NB * DIM * sizeof(float));
    CG_CHECK_EQ_INT(cg_faiss_deserialize(&m, bytes, len, err, sizeof(err)), 0);
    if (m) CG_CHECK(same_answers(h, m));
    /* Truncated bytes are corruption, reported, not thrown. */
    cg_faiss_index *t = NULL;
    err[0] = '\0';
    CG_CHECK_EQ_INT(cg_faiss_deserialize(&t, bytes, len / 2, err, sizeof(err)), CG_ECORRUPT);
    CG_CHECK(t == NULL && err[0] != '\0');
    free(bytes);
    unlink(path);
    cg_faiss_destroy(m);
    cg_faiss_destroy(r);
    cg_faiss_destroy(h);
}

CG_TEST(errors_come_back_as_codes)
{
    char err[CG_FAISS_ERR_MAX], path[64];
    cg_faiss_index *ix = (cg_faiss_index *)1;
    float d[K];
    int64_t l[K];

    err[0] = '\0';
    CG_CHECK_EQ_INT(cg_faiss_read(&ix, "/nonexistent/cg/x.index", err, sizeof(err)), CG_ENOINDEX);
    CG_CHECK(ix == NULL && strstr(err, "/nonexistent/cg/x.index") != NULL);
    /* A file FAISS cannot decode: its exception is caught in the bridge. */
    snprintf(path, sizeof(path), "/tmp/cg-faiss-bad-%d.index", (int)getpid());
    FILE *f = fopen(path, "w");
    CG_CHECK(f != NULL);
    if (f) {
        fputs("this is not a faiss index", f);
        fclose(f);
    }
    err[0] = '\0';
    CG_CHECK_EQ_INT(cg_faiss_read(&ix, path, err, sizeof(err)), CG_ECORRUPT);
    CG_CHECK(ix == NULL && err[0] != '\0');
    unlink(path);
    CG_CHECK_EQ_INT(cg_faiss_flat_create(&ix, 0, CG_FAISS_METRIC_L2, err, sizeof(err)), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_faiss_hnsw_create(&ix, 8, 1, CG_FAISS_METRIC_L2, 40, 16, err, sizeof(err)),
                    CG_EINVAL);
    CG_CHECK_EQ_INT(cg_faiss_flat_create(&ix, 8, CG_FAISS_METRIC_L2, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(ix, 1, base, 0, 0, d, l, err, sizeof(err)), CG_EINVAL);
    /* Fewer vectors than k: the empty slots say -1. */
    CG_CHECK_EQ_INT(cg_faiss_add(ix, 3, base, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_faiss_search(ix, 1, base, K, 0, d, l, err, sizeof(err)), 0);
    CG_CHECK(l[0] == 0 && l[3] == -1 && l[K - 1] == -1);
    cg_faiss_hnsw_view v;
    CG_CHECK_EQ_INT(cg_faiss_hnsw_view_get(ix, &v, err, sizeof(err)), CG_EINVAL);
    cg_faiss_destroy(ix);
}

CG_TEST_MAIN()
