/*
 * test_vindex.c — proves the vector index (src/vector): our mmap-side HNSW search over a file
 * exported from a FAISS IndexHNSWFlat returns the same neighbours as FAISS' own search on that
 * index and at least its recall against exact search; the delta, tombstones and replacement
 * semantics hold before and after a rebuild; the file persists and reopens with its RocksDB
 * sequence; the SQ8 codes an HNSW file carries decode to its vectors within half a step, and a
 * search walked on them answers with exact float scores, ordered, at the recall of a float
 * walk; mismatching options are reported as needs_rebuild; every single-byte corruption
 * and every truncation tried (hundreds of offsets over every section) is detected by the
 * checker and by open, never crashing, and a rebuild repairs it; lazy verification catches a
 * corrupt bulk section later; searches run safely while another thread upserts and rebuilds.
 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"
#include "codegraph/vindex.h"
#include "vector/vfile.h"
#include "vector/vsearch.h"

#define DIM 32
#define NB 3000
#define NQ 100
#define K 10
#define NCLUSTER 30
/* A search depth low enough that HNSW misses some true neighbours (recall < 1). */
#define EF_LOW 10

static float *base, *queries;

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float rng_unit(void)
{
    return (float)((rng_next() >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* Clustered data: NCLUSTER centres plus noise, normalised (as embeddings are). */
static void make_data(void)
{
    static float centres[NCLUSTER * DIM];
    rng_state = 42;
    base = malloc(sizeof(float) * NB * DIM);
    queries = malloc(sizeof(float) * NQ * DIM);
    for (int i = 0; i < NCLUSTER * DIM; i++) centres[i] = rng_unit();
    for (int i = 0; i < NB + NQ; i++) {
        float *row = i < NB ? base + i * DIM : queries + (i - NB) * DIM;
        const float *c = centres + (rng_next() % NCLUSTER) * DIM;
        for (int j = 0; j < DIM; j++) row[j] = c[j] + 0.8f * rng_unit();
    }
    cg_faiss_normalize(base, NB, DIM);
    cg_faiss_normalize(queries, NQ, DIM);
}

static void tmpdir(char *out, size_t n)
{
    snprintf(out, n, "/tmp/cg_vindex_test_XXXXXX");
    CG_ASSERT(mkdtemp(out) != NULL);
}

static void rmdir_all(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') unlinkat(dirfd(d), e->d_name, 0);
    if (d) closedir(d);
    rmdir(dir);
}

static uint64_t id_of(int i)
{
    return 1000 + (uint64_t)i * 7;
}

/* Read a whole file into an 8-aligned buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st)) return NULL;
    uint8_t *b = aligned_alloc(64, ((size_t)st.st_size + 63) / 64 * 64);
    *len = (size_t)st.st_size;
    CG_ASSERT(read(fd, b, *len) == (ssize_t)*len);
    close(fd);
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CG_ASSERT(fd >= 0 && write(fd, b, len) == (ssize_t)len);
    close(fd);
}

/* FAISS index over base, exported into dir via the file writer; name into name. */
static cg_faiss_index *export_faiss(const char *dir, char *name)
{
    cg_faiss_index *fx = NULL;
    cg_faiss_hnsw_view hv;
    char err[256];
    uint64_t *ids = malloc(sizeof(uint64_t) * NB);
    for (int i = 0; i < NB; i++) ids[i] = id_of(i);
    CG_ASSERT(cg_faiss_hnsw_create(&fx, DIM, 8, CG_FAISS_METRIC_IP, 40, EF_LOW, err, 256) == 0);
    CG_ASSERT(cg_faiss_add(fx, NB, base, err, sizeof(err)) == 0);
    CG_ASSERT(cg_faiss_hnsw_view_get(fx, &hv, err, sizeof(err)) == 0);
    cg_vfile_content c = {.n = NB,
                          .dim = DIM,
                          .metric = CG_VINDEX_IP,
                          .type = CG_VINDEX_HNSW,
                          .m = 8,
                          .ef_construction = 40,
                          .ef_search = EF_LOW,
                          .db_seq = 77,
                          .model = "test-model",
                          .ids = ids,
                          .vectors = hv.vectors,
                          .max_level = hv.max_level,
                          .entry_point = hv.entry_point,
                          .levels = hv.levels,
                          .offsets = hv.offsets,
                          .neighbors = hv.neighbors,
                          .cum = hv.cum_nneighbor_per_level,
                          .n_cum = hv.n_cum};
    CG_ASSERT(cg_vfile_write(dir, &c, name, err, sizeof(err)) == 0);
    free(ids);
    return fx;
}

static int overlap(const int64_t *a, const int64_t *b, int k)
{
    int n = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            if (a[i] >= 0 && a[i] == b[j]) n++;
    return n;
}

/* A FAISS index over base exported into a new temp dir, its file read and fully checked into
 * *v; returns the file's bytes (v points into them). */
static uint8_t *export_checked(char *dir, size_t dirlen, cg_faiss_index **fx, cg_vfile_view *v)
{
    char name[CG_VFILE_NAME_MAX], path[256], err[256];
    size_t len;
    tmpdir(dir, dirlen);
    *fx = export_faiss(dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t *buf = slurp(path, &len);
    CG_ASSERT(buf && cg_vfile_check(buf, len, CG_VFILE_CHECK_FULL, v, err, sizeof(err)) == 0);
    return buf;
}

CG_TEST(mmap_search_matches_faiss)
{
    char dir[64], err[256];
    cg_faiss_index *fx;
    cg_vfile_view v;
    uint8_t *buf = export_checked(dir, sizeof(dir), &fx, &v);
    /* FAISS rebuilt from our file's graph answers exactly like the original index */
    cg_faiss_hnsw_view fv;
    cg_faiss_index *fx2 = NULL;
    cg_vfile_to_faiss_view(&v, &fv);
    CG_CHECK_EQ_INT(cg_faiss_hnsw_from_view(&fx2, &fv, 8, err, sizeof(err)), 0);
    int identical = 0;
    for (int q = 0; q < NQ && fx2; q++) {
        float d1[K], d2[K];
        int64_t l1[K], l2[K];
        cg_faiss_search(fx, 1, queries + q * DIM, K, EF_LOW, d1, l1, err, sizeof(err));
        cg_faiss_search(fx2, 1, queries + q * DIM, K, EF_LOW, d2, l2, err, sizeof(err));
        identical += memcmp(l1, l2, sizeof(l1)) == 0;
    }
    CG_CHECK_EQ_INT(identical, NQ);
    cg_faiss_destroy(fx2);
    /* a graph inconsistent with M is refused */
    CG_CHECK_EQ_INT(cg_faiss_hnsw_from_view(&fx2, &fv, 16, err, sizeof(err)), CG_ECORRUPT);
    /* our walk on the float vectors (files carry SQ8 codes; without them the walk is on the
     * floats) takes FAISS' path; the SQ8 walk may differ but must not recall less */
    cg_vfile_view vf = v;
    vf.sq_codes = NULL, vf.sq_params = NULL;
    int same = 0, ours_ok = 0, faiss_ok = 0, sq8_ok = 0;
    for (int q = 0; q < NQ; q++) {
        const float *qv = queries + q * DIM;
        cg_vcand ours[K], exact[K], sq8[K];
        float fd[K];
        int64_t fl[K], ol[K], el[K], sl[K];
        CG_CHECK_EQ_INT(cg_vsearch(&vf, qv, K, EF_LOW, NULL, NULL, ours), K);
        CG_CHECK_EQ_INT(cg_vsearch(&v, qv, K, EF_LOW, NULL, NULL, sq8), K);
        CG_CHECK_EQ_INT(cg_vsearch_exact(&v, qv, K, NULL, NULL, exact), K);
        CG_CHECK_EQ_INT(cg_faiss_search(fx, 1, qv, K, EF_LOW, fd, fl, err, sizeof(err)), 0);
        for (int i = 0; i < K; i++)
            ol[i] = ours[i].node, el[i] = exact[i].node, sl[i] = sq8[i].node;
        same += overlap(ol, fl, K);
        ours_ok += overlap(ol, el, K);
        faiss_ok += overlap(fl, el, K);
        sq8_ok += overlap(sl, el, K);
        /* the best hit's score equals the inner product FAISS reports for it */
        if (ol[0] == fl[0]) CG_CHECK(-ours[0].d > fd[0] - 1e-4f && -ours[0].d < fd[0] + 1e-4f);
        if (sl[0] == fl[0]) CG_CHECK(-sq8[0].d > fd[0] - 1e-4f && -sq8[0].d < fd[0] + 1e-4f);
    }
    printf("  overlap with FAISS %.3f, recall ours %.3f (SQ8 walk %.3f), FAISS %.3f\n",
           same / (double)(NQ * K), ours_ok / (double)(NQ * K), sq8_ok / (double)(NQ * K),
           faiss_ok / (double)(NQ * K));
    CG_CHECK(same >= NQ * K * 95 / 100);
    CG_CHECK(ours_ok >= faiss_ok - NQ * K / 50);
    CG_CHECK(sq8_ok >= faiss_ok - NQ * K / 50);
    cg_faiss_destroy(fx);
    free(buf);
    rmdir_all(dir);
}

/* Largest |code * scale - x| over node's components, in units of half a quantisation step. */
static float sq8_error(const cg_vfile_view *v, int64_t node)
{
    const float *x = v->vectors + node * v->dim, *p = v->sq_params + 2 * node;
    const int8_t *c = v->sq_codes + node * v->dim;
    float worst = 0;
    for (int j = 0; j < v->dim; j++) worst = fmaxf(worst, fabsf(c[j] * p[0] - x[j]));
    return p[0] > 0 ? worst / (p[0] / 2) : worst;
}

CG_TEST(sq8_codes_and_exact_scores)
{
    char dir[64];
    cg_faiss_index *fx;
    cg_vfile_view v;
    uint8_t *buf = export_checked(dir, sizeof(dir), &fx, &v);
    CG_ASSERT(v.sq_codes != NULL && v.sq_params != NULL);
    int bad_code = 0, bad_norm = 0;
    for (int64_t i = 0; i < v.n; i++) {
        const float *x = v.vectors + i * v.dim;
        bad_code += sq8_error(&v, i) > 1.0001f;
        bad_norm += fabsf(v.sq_params[2 * i + 1] - cg_vdot(x, x, v.dim)) > 1e-5f;
    }
    CG_CHECK_EQ_INT(bad_code, 0);
    CG_CHECK_EQ_INT(bad_norm, 0);
    /* every answer carries its exact float score, ascending by distance */
    int inexact = 0, unordered = 0, found = 0, exact_found = 0;
    for (int q = 0; q < NQ; q++) {
        const float *qv = queries + q * DIM;
        cg_vcand ours[K], exact[K];
        int n = cg_vsearch(&v, qv, K, 4 * EF_LOW, NULL, NULL, ours);
        CG_CHECK_EQ_INT(n, K);
        CG_CHECK_EQ_INT(cg_vsearch_exact(&v, qv, K, NULL, NULL, exact), K);
        for (int i = 0; i < n; i++) {
            inexact += ours[i].d != -cg_vdot(qv, v.vectors + (int64_t)ours[i].node * DIM, DIM);
            unordered += i > 0 && ours[i].d < ours[i - 1].d;
            for (int j = 0; j < K; j++) found += ours[i].node == exact[j].node;
        }
        exact_found += K;
    }
    printf("  sq8 walk recall@%d at ef %d: %.3f\n", K, 4 * EF_LOW, found / (double)exact_found);
    CG_CHECK_EQ_INT(inexact, 0);
    CG_CHECK_EQ_INT(unordered, 0);
    CG_CHECK(found >= exact_found * 9 / 10);
    cg_faiss_destroy(fx);
    free(buf);
    rmdir_all(dir);
}

static void opts_for(cg_vindex_options *o, cg_vindex_type t)
{
    cg_vindex_options_default(o);
    o->dim = DIM;
    o->index_type = t;
    o->m = 12;
    o->ef_construction = 80;
    o->ef_search = 40;
    o->model = "test-model";
    o->verify = CG_VINDEX_VERIFY_FULL;
}

static int in_hits(const cg_vindex_hit *h, int n, uint64_t id)
{
    for (int i = 0; i < n; i++)
        if (h[i].id == id) return 1;
    return 0;
}

static int no_dups(const cg_vindex_hit *h, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (h[i].id == h[j].id) return 0;
    return 1;
}

/* Search for base[i] itself: it must come first with score ~1 (cosine). */
static int finds_self(cg_vindex *v, int i)
{
    cg_vindex_hit h[K];
    int n = cg_vindex_search(v, base + i * DIM, K, 0, NULL, NULL, h);
    return n > 0 && h[0].id == id_of(i) && h[0].score > 0.999f && no_dups(h, n);
}

static int odd_only(void *ctx, uint64_t id)
{
    (void)ctx;
    return (id & 1) != 0;
}

static void check_semantics(cg_vindex *v, int *cg_failed_)
{
    cg_vindex_hit h[K];
    float got[DIM];
    CG_CHECK(finds_self(v, 5));
    CG_CHECK(finds_self(v, 2500));
    /* tombstone: id 5 disappears */
    CG_CHECK_EQ_INT(cg_vindex_remove(v, id_of(5)), 0);
    int n = cg_vindex_search(v, base + 5 * DIM, K, 0, NULL, NULL, h);
    CG_CHECK(n == K && !in_hits(h, n, id_of(5)));
    CG_CHECK_EQ_INT(cg_vindex_get(v, id_of(5), got), 0);
    /* replacement: id 6 now carries base[7]'s vector */
    CG_CHECK_EQ_INT(cg_vindex_upsert(v, id_of(6), base + 7 * DIM), 0);
    n = cg_vindex_search(v, base + 7 * DIM, K, 0, NULL, NULL, h);
    CG_CHECK(n == K && no_dups(h, n) && in_hits(h, 2, id_of(6)) && in_hits(h, 2, id_of(7)));
    CG_CHECK_EQ_INT(cg_vindex_get(v, id_of(6), got), 1);
    for (int j = 0; j < DIM; j++) /* upsert re-normalises: equal up to rounding */
        CG_CHECK(got[j] > base[7 * DIM + j] - 1e-6f && got[j] < base[7 * DIM + j] + 1e-6f);
    /* filter */
    n = cg_vindex_search(v, base + 8 * DIM, K, 0, odd_only, NULL, h);
    CG_CHECK(n == K);
    for (int i = 0; i < n; i++) CG_CHECK(h[i].id & 1);
}

static int emit_base(void *ctx, int (*emit)(void *, uint64_t, const float *), void *ectx)
{
    int upto = *(int *)ctx;
    for (int i = 0; i < upto; i++) {
        int rc = emit(ectx, id_of(i), base + i * DIM);
        if (rc) return rc;
    }
    return 0;
}

static void lifecycle(cg_vindex_type type, int *cg_failed_)
{
    char dir[64], err[256];
    cg_vindex *v = NULL;
    cg_vindex_options o;
    cg_vindex_stats st;
    tmpdir(dir, sizeof(dir));
    opts_for(&o, type);
    CG_CHECK_EQ_INT(cg_vindex_open(&v, dir, &o, err, sizeof(err)), 0);
    cg_vindex_stats_get(v, &st);
    CG_CHECK(st.needs_rebuild == 1 && st.base_count == 0 && st.problem[0]);
    /* first 2000 through a rebuild from a source, the rest through the delta */
    int upto = 2000;
    cg_vindex_source src = {.scan = emit_base, .ctx = &upto};
    CG_CHECK_EQ_INT(cg_vindex_rebuild(v, &src, 1234, err, sizeof(err)), 0);
    for (int i = 2000; i < NB; i++)
        CG_CHECK_EQ_INT(cg_vindex_upsert(v, id_of(i), base + i * DIM), 0);
    cg_vindex_stats_get(v, &st);
    CG_CHECK(st.base_count == 2000 && st.delta_count == NB - 2000 && st.total == NB);
    CG_CHECK(st.needs_rebuild == 0 && st.saved_seq == 1234 && st.verified == 1);
    check_semantics(v, cg_failed_);
    /* rebuild from what the index holds: same answers, delta folded into the base */
    CG_CHECK_EQ_INT(cg_vindex_rebuild(v, NULL, 1300, err, sizeof(err)), 0);
    cg_vindex_stats_get(v, &st);
    CG_CHECK(st.base_count == NB - 1 && st.delta_count == 0 && st.total == NB - 1);
    CG_CHECK(finds_self(v, 2500) && !finds_self(v, 5));
    cg_vindex_close(v);
    /* reopen: persisted, with its sequence */
    CG_CHECK_EQ_INT(cg_vindex_open(&v, dir, &o, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_vindex_saved_seq(v), 1300);
    CG_CHECK(finds_self(v, 2500) && finds_self(v, 0));
    cg_vindex_close(v);
    /* a different model or dimension: opens empty, asks for a rebuild */
    o.model = "other-model";
    CG_CHECK_EQ_INT(cg_vindex_open(&v, dir, &o, err, sizeof(err)), 0);
    cg_vindex_stats_get(v, &st);
    CG_CHECK(st.needs_rebuild && st.base_count == 0 && strstr(st.problem, "model"));
    cg_vindex_close(v);
    rmdir_all(dir);
}

CG_TEST(lifecycle_hnsw)
{
    lifecycle(CG_VINDEX_HNSW, cg_failed_);
}

CG_TEST(lifecycle_flat)
{
    lifecycle(CG_VINDEX_FLAT, cg_failed_);
}

/* Build a small index file in dir with vindex; its path into path. */
static void small_index(const char *dir, char *path, size_t n)
{
    char err[256], name[CG_VFILE_NAME_MAX];
    cg_vindex *v = NULL;
    cg_vindex_options o;
    opts_for(&o, CG_VINDEX_HNSW);
    int upto = 300;
    cg_vindex_source src = {.scan = emit_base, .ctx = &upto};
    CG_ASSERT(cg_vindex_open(&v, dir, &o, err, sizeof(err)) == 0);
    CG_ASSERT(cg_vindex_rebuild(v, &src, 9, err, sizeof(err)) == 0);
    cg_vindex_close(v);
    CG_ASSERT(cg_vfile_newest(dir, name) == 1);
    snprintf(path, n, "%s/%s", dir, name);
}

CG_TEST(corruption_detected_everywhere)
{
    char dir[64], path[256], err[256];
    size_t len;
    cg_vfile_view v;
    tmpdir(dir, sizeof(dir));
    small_index(dir, path, sizeof(path));
    uint8_t *good = slurp(path, &len), *bad = aligned_alloc(64, (len + 63) / 64 * 64);
    CG_CHECK_EQ_INT(cg_vfile_check(good, len, CG_VFILE_CHECK_FULL, &v, err, sizeof(err)), 0);
    const cg_vfile_header *h = (const cg_vfile_header *)good;
    int tried = 0, detected = 0, per_sec[CG_VSEC_COUNT] = {0};
    /* 40 offsets in the header page, 40 in each section (its start, end and between) */
    for (int s = -1; s < CG_VSEC_COUNT; s++) {
        uint64_t lo = s < 0 ? 0 : h->sec[s].offset;
        uint64_t span = s < 0 ? CG_VFILE_HEADER_SIZE : h->sec[s].length;
        for (int i = 0; i < 40 && span; i++) {
            uint64_t off = lo + (i == 39 ? span - 1 : span * i / 39 + rng_next() % 7 % span);
            if (off >= lo + span) off = lo + span - 1;
            memcpy(bad, good, len);
            bad[off] ^= (uint8_t)(1u << (rng_next() % 8));
            tried++;
            int rc = cg_vfile_check(bad, len, CG_VFILE_CHECK_FULL, &v, err, sizeof(err));
            if (rc == CG_ECORRUPT)
                detected++, per_sec[s < 0 ? 0 : s] += s >= 0;
            else
                fprintf(stderr, "  undetected flip at %llu\n", (unsigned long long)off);
        }
    }
    /* truncations: 150 lengths from 0 to len - 1 */
    for (int i = 0; i < 150; i++) {
        size_t cut = i == 149 ? len - 1 : len * (size_t)i / 150;
        tried++;
        if (cg_vfile_check(good, cut, CG_VFILE_CHECK_FULL, &v, err, sizeof(err)) == CG_ECORRUPT)
            detected++;
    }
    printf("  %d corruptions and truncations tried, %d detected\n", tried, detected);
    CG_CHECK(tried >= 300);
    CG_CHECK_EQ_INT(detected, tried);
    for (int s = 0; s < CG_VSEC_COUNT; s++)
        if (h->sec[s].length) CG_CHECK(per_sec[s] > 0);
    free(good);
    free(bad);
    rmdir_all(dir);
}

/* Corrupt the file on disk, open (full and lazy), repair by rebuilding. */
CG_TEST(corrupt_file_reported_and_repaired)
{
    char dir[64], path[256], err[256];
    size_t len;
    cg_vindex *v = NULL;
    cg_vindex_options o;
    cg_vindex_stats st;
    tmpdir(dir, sizeof(dir));
    small_index(dir, path, sizeof(path));
    uint8_t *good = slurp(path, &len);
    const cg_vfile_header *h = (const cg_vfile_header *)good;
    opts_for(&o, CG_VINDEX_HNSW);
    for (int mode = 0; mode < 2; mode++) {
        /* flip a byte in the vectors: found at open (full) or by verify_deferred (lazy) */
        good[h->sec[CG_VSEC_VECTORS].offset + 100] ^= 0x40;
        spit(path, good, len);
        good[h->sec[CG_VSEC_VECTORS].offset + 100] ^= 0x40;
        o.verify = mode ? CG_VINDEX_VERIFY_LAZY : CG_VINDEX_VERIFY_FULL;
        CG_CHECK_EQ_INT(cg_vindex_open(&v, dir, &o, err, sizeof(err)), 0);
        if (mode) {
            CG_CHECK(finds_self(v, 3)); /* lazy: served (memory-safe) until verified */
            CG_CHECK_EQ_INT(cg_vindex_verify_deferred(v, err, sizeof(err)), CG_ECORRUPT);
        }
        cg_vindex_stats_get(v, &st);
        CG_CHECK(st.needs_rebuild && st.base_count == 0 && strstr(st.problem, "checksum"));
        int upto = 300;
        cg_vindex_source src = {.scan = emit_base, .ctx = &upto};
        CG_CHECK_EQ_INT(cg_vindex_rebuild(v, &src, 10, err, sizeof(err)), 0);
        cg_vindex_stats_get(v, &st);
        CG_CHECK(!st.needs_rebuild && st.base_count == 300 && finds_self(v, 3));
        cg_vindex_close(v);
        CG_CHECK(cg_vfile_newest(dir, path + strlen(dir) + 1) == 1); /* the repaired file */
    }
    /* truncated on disk */
    CG_CHECK(truncate(path, (off_t)len / 2) == 0);
    CG_CHECK_EQ_INT(cg_vindex_open(&v, dir, &o, err, sizeof(err)), 0);
    cg_vindex_stats_get(v, &st);
    CG_CHECK(st.needs_rebuild && strstr(st.problem, "truncated"));
    cg_vindex_close(v);
    free(good);
    rmdir_all(dir);
}

typedef struct race {
    cg_vindex *v;
    atomic_int stop;
    atomic_int bad, searches;
} race;

static void *race_reader(void *p)
{
    race *r = p;
    cg_vindex_hit h[K];
    for (int i = 0; !atomic_load(&r->stop); i++) {
        int n = cg_vindex_search(r->v, queries + (i % NQ) * DIM, K, 0, NULL, NULL, h);
        if (n < 0 || !no_dups(h, n)) atomic_fetch_add(&r->bad, 1);
        for (int j = 0; j < n; j++)
            if (h[j].id < id_of(0) || h[j].id > id_of(NB)) atomic_fetch_add(&r->bad, 1);
        atomic_fetch_add(&r->searches, 1);
    }
    return NULL;
}

CG_TEST(concurrent_search_upsert_rebuild)
{
    char dir[64], err[256];
    race r = {0};
    cg_vindex_options o;
    pthread_t th[2];
    tmpdir(dir, sizeof(dir));
    opts_for(&o, CG_VINDEX_HNSW);
    CG_CHECK_EQ_INT(cg_vindex_open(&r.v, dir, &o, err, sizeof(err)), 0);
    for (int i = 0; i < 500; i++) cg_vindex_upsert(r.v, id_of(i), base + i * DIM);
    for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, race_reader, &r);
    for (int round = 0; round < 3; round++) {
        for (int i = 500 + round * 300; i < 800 + round * 300; i++) {
            cg_vindex_upsert(r.v, id_of(i), base + i * DIM);
            if (i % 3 == 0) cg_vindex_remove(r.v, id_of(i - 400));
        }
        CG_CHECK_EQ_INT(cg_vindex_rebuild(r.v, NULL, (uint64_t)round + 1, err, sizeof(err)), 0);
    }
    atomic_store(&r.stop, 1);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    CG_CHECK_EQ_INT(atomic_load(&r.bad), 0);
    CG_CHECK(atomic_load(&r.searches) > 0);
    /* removed ids stay removed across the rebuilds; upserted ones are found */
    CG_CHECK(!finds_self(r.v, 200) && finds_self(r.v, 1300) && finds_self(r.v, 201));
    cg_vindex_close(r.v);
    rmdir_all(dir);
}

int main(void)
{
    cg_faiss_threads_set(1); /* one OpenMP thread: FAISS builds the same graph on every run */
    make_data();
    return cg_test_main();
}
