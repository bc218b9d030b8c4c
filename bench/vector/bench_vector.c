/*
 * bench_vector.c — CodeGraph's mmap HNSW search vs FAISS 1.7.3's in-process HNSW search on
 * the SAME graph (issue 4, item 8), single thread:
 *   * recall@10 against exact search, QPS, p50/p99 latency for an ef sweep, both engines
 *     (3 interleaved rounds each, the fastest reported: the machine may be shared);
 *   * exact search (FAISS IndexFlatIP, one query per call) QPS, the "10x exact" baseline;
 *   * time from process start to the first answered query: a fresh process opening our file
 *     (cg_vindex_open, lazy verification, mmap) vs one calling FAISS read_index, plus the RSS
 *     of each after that query and after 200 more.
 * Both engines walk identical neighbour lists over identical floats: with --cgv FILE the graph
 * is the one in that CodeGraph vector file (built by a server over a real indexed tree) and
 * FAISS gets it through cg_faiss_hnsw_from_view; otherwise FAISS builds an IndexHNSWFlat over
 * clustered synthetic vectors (said so in the output) and it is exported into our format.
 *
 * Queries: synthetic — held-out vectors from the same distribution; --cgv — every
 * (n / queries)-th indexed vector, searched leave-one-out (each engine asks for k + 1 and
 * drops the query's own node; the exact truth drops it too). A returned vector counts as a
 * hit when its exact score reaches the 10th exact score (so ties between duplicate vectors,
 * common in code, are not held against either engine).
 *
 * Usage: vector_bench_vector [--n N] [--dim D] [--queries Q] [--m M] [--efc EFC]
 *                            [--cgv FILE] [--dir WORKDIR] [--threads T] [--ef-max EF]
 *        (--ef-max: stop the ef sweep after EF, for quick runs; default: the whole sweep)
 *        (internal) vector_bench_vector --child-mmap DIR DIM M EFC MODEL METRIC QFILE
 *                   vector_bench_vector --child-faiss FILE QFILE
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"
#include "codegraph/vindex.h"
#include "vector/vfile.h"
#include "vector/vsearch.h"

extern char **environ;

#define K 10
#define EF_SWEEP_N 14
#define TTFQ_REPS 3           /* child runs per engine (median reported) */
#define ROUNDS 3              /* timed rounds per engine and ef (the fastest is reported) */
#define EXACT_QUERIES 100     /* queries timed for the exact baseline */
#define RSS_AFTER_QUERIES 200 /* queries a child runs before its second RSS sample */
#define BENCH_MODEL "bench-vectors"
#define GOAL_MIN_VECTORS 100000 /* the issue asks for at least this many vectors */

static const int ef_sweep[EF_SWEEP_N] = {10,  16,  24,  32,  48,  64,  96,
                                         128, 192, 256, 384, 512, 768, 1024};
static int sweep_n = EF_SWEEP_N; /* rows measured (--ef-max) */

typedef struct bench {
    int64_t n, nq;
    int dim, m, efc, threads;
    const char *cgv, *dir;
    int synthetic, l2, n_given;
    float *gen;    /* synthetic vectors: n base then nq queries */
    float *q;      /* nq * dim queries */
    int64_t *self; /* node of each query in the index, or -1 */
    float *kth;    /* each query's 10th exact score (larger is closer) */
    uint8_t *file; /* our index file, read into memory for id -> node */
    cg_vfile_view view;
    char model[CG_VINDEX_MODEL_MAX + 1];
} bench;

static double now_s(void)
{
    return (double)cg_time_mono_ns() / 1e9;
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "bench/vector: %s: %s\n", what, err ? err : "");
    exit(1);
}

/* ---- data ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static double rnd_unit(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static float rnd_gauss(void)
{
    double u = rnd_unit() + 1e-12, v = rnd_unit();
    return (float)(sqrt(-2 * log(u)) * cos(2 * M_PI * v));
}

/*
 * Clustered synthetic vectors shaped like embeddings: 200 topics, 20 subtopics each, every
 * vector = topic + 0.6 subtopic + 0.35 noise (all gaussian), L2-normalised.
 */
static void make_synthetic(bench *b)
{
    const int topics = 200, subs = 20;
    int64_t total = b->n + b->nq;
    float *t = malloc(sizeof(float) * topics * b->dim),
          *s = malloc(sizeof(float) * topics * subs * b->dim);
    float *all = malloc(sizeof(float) * (size_t)total * b->dim);
    if (!t || !s || !all) die("synthetic", "out of memory");
    for (int64_t i = 0; i < (int64_t)topics * b->dim; i++) t[i] = rnd_gauss();
    for (int64_t i = 0; i < (int64_t)topics * subs * b->dim; i++) s[i] = rnd_gauss();
    for (int64_t i = 0; i < total; i++) {
        int tp = (int)(rnd_unit() * topics), sb = (int)(rnd_unit() * subs);
        const float *tv = t + (size_t)tp * b->dim, *sv = s + ((size_t)tp * subs + sb) * b->dim;
        float *row = all + (size_t)i * b->dim;
        for (int j = 0; j < b->dim; j++) row[j] = tv[j] + 0.6f * sv[j] + 0.35f * rnd_gauss();
    }
    cg_faiss_normalize(all, total, b->dim);
    b->gen = all;
    b->q = all + (size_t)b->n * b->dim;
    b->self = malloc(sizeof(int64_t) * (size_t)b->nq);
    for (int64_t i = 0; i < b->nq; i++) b->self[i] = -1; /* held out: not in the index */
    b->synthetic = 1;
    snprintf(b->model, sizeof(b->model), "%s", BENCH_MODEL);
    free(t);
    free(s);
}

/* Read path into an aligned buffer and check it as a vector file into b->view. */
static void load_file(bench *b, const char *path)
{
    char err[256];
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st)) die(path, strerror(errno));
    free(b->file);
    b->file = aligned_alloc(4096, ((size_t)st.st_size + 4095) / 4096 * 4096);
    size_t got = 0;
    while (b->file && got < (size_t)st.st_size) {
        ssize_t r = read(fd, b->file + got, (size_t)st.st_size - got);
        if (r <= 0) die(path, "read");
        got += (size_t)r;
    }
    close(fd);
    if (!b->file || cg_vfile_check(b->file, (size_t)st.st_size, CG_VFILE_CHECK_FULL, &b->view, err,
                                   sizeof(err)))
        die(path, err);
    b->n = b->view.n;
    b->dim = b->view.dim;
    if (b->view.type == CG_VINDEX_HNSW) { /* the graph in the file is what is measured */
        b->m = (int)b->view.h->m;
        b->efc = (int)b->view.h->ef_construction;
    }
    b->l2 = b->view.metric == CG_VINDEX_L2;
    snprintf(b->model, sizeof(b->model), "%s", b->view.h->model);
}

/* Queries of --cgv mode: every (n / nq)-th indexed vector, searched leave-one-out. */
static void pick_queries(bench *b)
{
    if (b->nq > b->n) b->nq = b->n;
    b->q = malloc(sizeof(float) * (size_t)b->nq * b->dim);
    b->self = malloc(sizeof(int64_t) * (size_t)b->nq);
    for (int64_t i = 0; i < b->nq; i++) {
        int64_t node = i * (b->n / b->nq);
        b->self[i] = node;
        memcpy(b->q + (size_t)i * b->dim, b->view.vectors + (size_t)node * b->dim,
               sizeof(float) * (size_t)b->dim);
    }
}

static float score_of(const bench *b, float faiss_distance)
{
    return b->l2 ? -faiss_distance : faiss_distance;
}

/* The 10th exact score of every query (its own node excluded), FAISS IndexFlat, batched. */
static void ground_truth(bench *b)
{
    char err[256];
    cg_faiss_index *flat = NULL;
    cg_faiss_metric fm = b->l2 ? CG_FAISS_METRIC_L2 : CG_FAISS_METRIC_IP;
    float *d = malloc(sizeof(float) * (size_t)b->nq * (K + 1));
    int64_t *l = malloc(sizeof(int64_t) * (size_t)b->nq * (K + 1));
    b->kth = malloc(sizeof(float) * (size_t)b->nq);
    if (cg_faiss_flat_create(&flat, b->dim, fm, err, sizeof(err)) ||
        cg_faiss_add(flat, b->n, b->view.vectors, err, sizeof(err)) ||
        cg_faiss_search(flat, b->nq, b->q, K + 1, 0, d, l, err, sizeof(err)))
        die("exact search", err);
    for (int64_t i = 0; i < b->nq; i++) {
        int seen = 0;
        for (int j = 0; j < K + 1 && seen < K; j++) {
            if (l[i * (K + 1) + j] == b->self[i]) continue;
            b->kth[i] = score_of(b, d[i * (K + 1) + j]);
            seen++;
        }
    }
    cg_faiss_destroy(flat);
    free(d);
    free(l);
}

/* ---- the index ---- */

static void stamp_text(const bench *b, char *out, size_t n)
{
    struct stat st = {0};
    if (b->cgv) stat(b->cgv, &st);
    snprintf(out, n, "v1 n=%lld nq=%lld dim=%d m=%d efc=%d src=%s size=%lld\n", (long long)b->n,
             (long long)b->nq, b->dim, b->m, b->efc, b->cgv ? b->cgv : "synthetic",
             (long long)st.st_size);
}

/* The one index file in dir/idx into path; 0 when absent. */
static int our_file(const bench *b, char *path, size_t n)
{
    char dir[4096], name[CG_VFILE_NAME_MAX];
    snprintf(dir, sizeof(dir), "%s/idx", b->dir);
    if (cg_vfile_newest(dir, name) != 1) return 0;
    snprintf(path, n, "%s/%s", dir, name);
    return 1;
}

/* 1 when dir/idx holds our file in the current format version (else it is exported again
 * from the cached FAISS build, after removing the old one). */
static int our_file_current(const bench *b)
{
    char path[4096];
    cg_vfile_header h = {0};
    if (!our_file(b, path, sizeof(path))) return 0;
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(&h, 1, sizeof(h), f) : 0;
    if (f) fclose(f);
    if (got == sizeof(h) && h.version == CG_VFILE_VERSION) return 1;
    if (unlink(path)) die(path, strerror(errno));
    return 0;
}

static int cache_valid(const bench *b, const char *stamp)
{
    char path[4096], got[512] = "";
    snprintf(path, sizeof(path), "%s/stamp", b->dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t r = fread(got, 1, sizeof(got) - 1, f);
    got[r] = 0;
    fclose(f);
    return strcmp(got, stamp) == 0; /* written last: faiss.index is complete */
}

static void export_ours(const bench *b, cg_faiss_index *fx)
{
    char err[256], name[CG_VFILE_NAME_MAX], path[4096];
    cg_faiss_hnsw_view hv;
    uint64_t *ids = malloc(sizeof(uint64_t) * (size_t)b->n);
    for (int64_t i = 0; i < b->n; i++) ids[i] = (uint64_t)i + 1;
    if (cg_faiss_hnsw_view_get(fx, &hv, err, sizeof(err))) die("view", err);
    cg_vfile_content c = {.n = b->n,
                          .dim = b->dim,
                          .metric = CG_VINDEX_COSINE,
                          .type = CG_VINDEX_HNSW,
                          .m = b->m,
                          .ef_construction = b->efc,
                          .ef_search = 64,
                          .db_seq = 1,
                          .model = BENCH_MODEL,
                          .ids = ids,
                          .vectors = hv.vectors,
                          .max_level = hv.max_level,
                          .entry_point = hv.entry_point,
                          .levels = hv.levels,
                          .offsets = hv.offsets,
                          .neighbors = hv.neighbors,
                          .cum = hv.cum_nneighbor_per_level,
                          .n_cum = hv.n_cum};
    snprintf(path, sizeof(path), "%s/idx", b->dir);
    mkdir(path, 0755);
    if (cg_vfile_write(path, &c, name, err, sizeof(err))) die("write our file", err);
    free(ids);
}

static void write_stamp(const bench *b, const char *stamp)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/stamp", b->dir);
    FILE *f = fopen(path, "w");
    if (f) fputs(stamp, f);
    if (f) fclose(f);
}

/* Synthetic: FAISS builds the graph (or the cached build is reused), exported to our file. */
static cg_faiss_index *build_index(bench *b)
{
    char err[256], stamp[512], path[4096];
    cg_faiss_index *fx = NULL;
    stamp_text(b, stamp, sizeof(stamp));
    snprintf(path, sizeof(path), "%s/faiss.index", b->dir);
    if (cache_valid(b, stamp) && cg_faiss_read(&fx, path, err, sizeof(err)) == 0) {
        printf("index: reusing the cached build in %s\n", b->dir);
        if (!our_file_current(b)) export_ours(b, fx); /* our copy removed or outdated */
    } else {
        snprintf(path, sizeof(path), "rm -rf '%s/idx' '%s/stamp'", b->dir, b->dir);
        if (system(path)) die("clean cache", b->dir);
        double t0 = now_s();
        cg_faiss_threads_set(b->threads);
        if (cg_faiss_hnsw_create(&fx, b->dim, b->m, CG_FAISS_METRIC_IP, b->efc, 64, err,
                                 sizeof(err)) ||
            cg_faiss_add(fx, b->n, b->gen, err, sizeof(err)))
            die("FAISS build", err);
        printf("index: FAISS IndexHNSWFlat built in %.1f s (%d threads)\n", now_s() - t0,
               b->threads);
        export_ours(b, fx);
        snprintf(path, sizeof(path), "%s/faiss.index", b->dir);
        if (cg_faiss_write(fx, path, err, sizeof(err))) die("FAISS write", err);
        write_stamp(b, stamp);
    }
    if (!our_file(b, path, sizeof(path))) die("our file", "missing");
    load_file(b, path);
    return fx;
}

/*
 * --cgv with a flat file (the server's vectors without a graph): every (n / nq)-th vector is
 * held out as a query, at most max_n of the others are indexed; FAISS builds the graph.
 */
static cg_faiss_index *split_flat(bench *b, int64_t max_n)
{
    int64_t all = b->n, step = all / (b->nq + 1), w = 0, qi = 0;
    if (step < 1) die(b->cgv, "fewer vectors than queries");
    int64_t keep = CG_MIN(all - b->nq, max_n > 0 ? max_n : all);
    b->gen = malloc(sizeof(float) * (size_t)(keep + b->nq) * b->dim);
    b->q = b->gen + (size_t)keep * b->dim;
    b->self = malloc(sizeof(int64_t) * (size_t)b->nq);
    for (int64_t i = 0; i < all; i++) {
        const float *src = b->view.vectors + (size_t)i * b->dim;
        if (qi < b->nq && i == (qi + 1) * step) {
            b->self[qi] = -1; /* held out: not in the index */
            memcpy(b->q + (size_t)qi++ * b->dim, src, sizeof(float) * (size_t)b->dim);
        } else if (w < keep) {
            memcpy(b->gen + (size_t)w++ * b->dim, src, sizeof(float) * (size_t)b->dim);
        }
    }
    b->n = w;
    b->nq = qi;
    snprintf(b->model, sizeof(b->model), "%s", BENCH_MODEL);
    return build_index(b);
}

/* --cgv: an HNSW file is measured as it is (FAISS gets the same graph from it); a flat file
 * gives its vectors to split_flat. */
static cg_faiss_index *load_real(bench *b, int64_t max_n)
{
    char err[256], cmd[8192], path[4096];
    cg_faiss_hnsw_view fv;
    cg_faiss_index *fx = NULL;
    load_file(b, b->cgv);
    if (b->view.type == CG_VINDEX_FLAT) return split_flat(b, max_n);
    snprintf(cmd, sizeof(cmd),
             "rm -rf '%s/idx' '%s/stamp' && mkdir -p '%s/idx' && cp '%s' '%s/idx/'", b->dir, b->dir,
             b->dir, b->cgv, b->dir);
    if (system(cmd)) die("copy", b->cgv);
    if (!our_file(b, path, sizeof(path))) die("our file", "missing");
    load_file(b, path);
    cg_vfile_to_faiss_view(&b->view, &fv);
    if (cg_faiss_hnsw_from_view(&fx, &fv, b->m, err, sizeof(err))) die("FAISS from file", err);
    snprintf(path, sizeof(path), "%s/faiss.index", b->dir);
    if (cg_faiss_write(fx, path, err, sizeof(err))) die("FAISS write", err);
    pick_queries(b);
    return fx;
}

/* ---- measurements ---- */

typedef struct meas {
    double recall, qps, p50_us, p99_us;
} meas;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static meas summarize(const bench *b, double *lat, int64_t hits, double total_s)
{
    meas m;
    qsort(lat, (size_t)b->nq, sizeof(double), cmp_double);
    m.recall = (double)hits / (double)(b->nq * K);
    m.qps = (double)b->nq / total_s;
    m.p50_us = lat[b->nq / 2] * 1e6;
    m.p99_us = lat[(b->nq * 99) / 100] * 1e6;
    return m;
}

/* Hits among n results (node, score) of query i: the first K not its own node scoring at
 * least the 10th exact score (relative tolerance for float summation order). */
static int64_t hits_of(const bench *b, int64_t i, const int64_t *node, const float *score, int n)
{
    float tol = 1e-4f * (fabsf(b->kth[i]) > 1 ? fabsf(b->kth[i]) : 1);
    int64_t h = 0;
    for (int j = 0, used = 0; j < n && used < K; j++) {
        if (node[j] == b->self[i] || node[j] < 0) continue;
        used++;
        if (score[j] >= b->kth[i] - tol) h++;
    }
    return h;
}

static meas run_ours(const bench *b, cg_vindex *v, int ef)
{
    double *lat = malloc(sizeof(double) * (size_t)b->nq), t_all = now_s();
    int64_t hits = 0, node[K + 1];
    float score[K + 1];
    cg_vindex_hit h[K + 1];
    for (int64_t i = 0; i < b->nq; i++) {
        double t0 = now_s();
        int n = cg_vindex_search(v, b->q + (size_t)i * b->dim, K + 1, ef, NULL, NULL, h);
        lat[i] = now_s() - t0;
        for (int j = 0; j < n; j++) {
            node[j] = cg_vfile_node_of(&b->view, h[j].id);
            score[j] = h[j].score;
        }
        hits += hits_of(b, i, node, score, n);
    }
    meas m = summarize(b, lat, hits, now_s() - t_all);
    free(lat);
    return m;
}

static meas run_faiss(const bench *b, cg_faiss_index *fx, int ef)
{
    double *lat = malloc(sizeof(double) * (size_t)b->nq), t_all;
    int64_t hits = 0, got[K + 1];
    float d[K + 1];
    char err[256];
    if (cg_faiss_hnsw_ef_set(fx, ef, err, sizeof(err))) die("ef", err);
    t_all = now_s();
    for (int64_t i = 0; i < b->nq; i++) {
        double t0 = now_s();
        if (cg_faiss_search(fx, 1, b->q + (size_t)i * b->dim, K + 1, 0, d, got, err, sizeof(err)))
            die("FAISS search", err);
        lat[i] = now_s() - t0;
        for (int j = 0; j < K + 1; j++) d[j] = score_of(b, d[j]);
        hits += hits_of(b, i, got, d, K + 1);
    }
    meas m = summarize(b, lat, hits, now_s() - t_all);
    free(lat);
    return m;
}

/* Exact search, one query per call (FAISS IndexFlat), over EXACT_QUERIES queries. */
static double exact_qps(const bench *b)
{
    char err[256];
    cg_faiss_index *flat = NULL;
    float d[K];
    int64_t l[K];
    int nq = (int)CG_MIN(b->nq, EXACT_QUERIES);
    cg_faiss_metric fm = b->l2 ? CG_FAISS_METRIC_L2 : CG_FAISS_METRIC_IP;
    if (cg_faiss_flat_create(&flat, b->dim, fm, err, sizeof(err)) ||
        cg_faiss_add(flat, b->n, b->view.vectors, err, sizeof(err)))
        die("flat", err);
    double t0 = now_s();
    for (int i = 0; i < nq; i++)
        if (cg_faiss_search(flat, 1, b->q + (size_t)i * b->dim, K, 0, d, l, err, sizeof(err)))
            die("flat search", err);
    double qps = nq / (now_s() - t0);
    cg_faiss_destroy(flat);
    return qps;
}

/* Exact search with our own scan over the mapped vectors (cg_vsearch_exact), one query each;
 * its median latency into *p50_us. */
static double exact_qps_ours(const bench *b, double *p50_us)
{
    cg_vcand out[K];
    double lat[EXACT_QUERIES];
    int nq = (int)CG_MIN(b->nq, EXACT_QUERIES);
    double t_all = now_s();
    for (int i = 0; i < nq; i++) {
        double t0 = now_s();
        cg_vsearch_exact(&b->view, b->q + (size_t)i * b->dim, K, NULL, NULL, out);
        lat[i] = now_s() - t0;
    }
    double qps = nq / (now_s() - t_all);
    qsort(lat, (size_t)nq, sizeof(double), cmp_double);
    *p50_us = lat[nq / 2] * 1e6;
    return qps;
}

/* ---- time to first query: fresh processes ---- */

/* VmRSS and RssFile of this process in kB. */
static void rss_kb(long *rss, long *file)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    *rss = *file = -1;
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmRSS:", 6)) *rss = atol(line + 6);
        if (!strncmp(line, "RssFile:", 8)) *file = atol(line + 8);
    }
    if (f) fclose(f);
}

static float *read_queries(const char *path, int dim, int *nq)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st)) die(path, strerror(errno));
    float *q = malloc((size_t)st.st_size);
    if (!q || read(fd, q, (size_t)st.st_size) != st.st_size) die(path, "read");
    close(fd);
    *nq = (int)(st.st_size / (off_t)(sizeof(float) * (size_t)dim));
    return q;
}

static void child_report(uint64_t main_ns, uint64_t first_ns, long r1, long f1)
{
    long r2, f2;
    rss_kb(&r2, &f2);
    printf("main_ns=%llu first_ns=%llu rss1=%ld file1=%ld rss2=%ld file2=%ld\n",
           (unsigned long long)main_ns, (unsigned long long)first_ns, r1, f1, r2, f2);
}

static int child_mmap(uint64_t main_ns, char **a)
{
    char err[256];
    cg_vindex *v = NULL;
    cg_vindex_options o;
    cg_vindex_hit h[K];
    long r1, f1;
    int nq;
    cg_vindex_options_default(&o);
    o.dim = atoi(a[1]);
    o.m = atoi(a[2]);
    o.ef_construction = atoi(a[3]);
    o.model = a[4];
    o.metric = (cg_vindex_metric)atoi(a[5]);
    float *q = read_queries(a[6], o.dim, &nq);
    if (cg_vindex_open(&v, a[0], &o, err, sizeof(err))) die("child open", err);
    if (cg_vindex_search(v, q, K, 0, NULL, NULL, h) != K) die("child", "first search failed");
    uint64_t first = cg_time_mono_ns();
    rss_kb(&r1, &f1);
    for (int i = 1; i < nq; i++) cg_vindex_search(v, q + (size_t)i * o.dim, K, 0, NULL, NULL, h);
    child_report(main_ns, first, r1, f1);
    cg_vindex_close(v);
    return 0;
}

static int child_faiss(uint64_t main_ns, char **a)
{
    char err[256];
    cg_faiss_index *fx = NULL;
    float d[K];
    int64_t l[K];
    long r1, f1;
    int nq;
    cg_faiss_threads_set(1);
    if (cg_faiss_read(&fx, a[0], err, sizeof(err))) die("child read_index", err);
    int dim = cg_faiss_dim(fx);
    float *q = read_queries(a[1], dim, &nq);
    if (cg_faiss_search(fx, 1, q, K, 0, d, l, err, sizeof(err))) die("child search", err);
    uint64_t first = cg_time_mono_ns();
    rss_kb(&r1, &f1);
    for (int i = 1; i < nq; i++) cg_faiss_search(fx, 1, q + (size_t)i * dim, K, 0, d, l, err, 256);
    child_report(main_ns, first, r1, f1);
    cg_faiss_destroy(fx);
    return 0;
}

typedef struct ttfq {
    double start_ms, main_ms; /* process start -> first answer; main() entry -> first answer */
    long rss1, file1, rss2, file2;
} ttfq;

static int cmp_ttfq(const void *a, const void *b)
{
    double x = ((const ttfq *)a)->start_ms, y = ((const ttfq *)b)->start_ms;
    return (x > y) - (x < y);
}

/* Spawn `argv` TTFQ_REPS times; the median run by process-start time. */
static ttfq spawn_ttfq(char **argv)
{
    ttfq r[TTFQ_REPS];
    for (int i = 0; i < TTFQ_REPS; i++) {
        int p[2];
        posix_spawn_file_actions_t fa;
        pid_t pid;
        char out[512] = "";
        unsigned long long mn = 0, fn = 0;
        if (pipe(p)) die("pipe", strerror(errno));
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        uint64_t t0 = cg_time_mono_ns();
        if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ)) die("spawn", argv[1]);
        close(p[1]);
        ssize_t n = read(p[0], out, sizeof(out) - 1);
        out[n > 0 ? n : 0] = 0;
        close(p[0]);
        waitpid(pid, NULL, 0);
        posix_spawn_file_actions_destroy(&fa);
        if (sscanf(out, "main_ns=%llu first_ns=%llu rss1=%ld file1=%ld rss2=%ld file2=%ld", &mn,
                   &fn, &r[i].rss1, &r[i].file1, &r[i].rss2, &r[i].file2) != 6)
            die("child output", out);
        r[i].start_ms = (double)(fn - t0) / 1e6;
        r[i].main_ms = (double)(fn - mn) / 1e6;
    }
    qsort(r, TTFQ_REPS, sizeof(r[0]), cmp_ttfq);
    return r[TTFQ_REPS / 2];
}

/* ---- report ---- */

static void parse_args(bench *b, int argc, char **argv)
{
    *b = (bench){.n = 100000,
                 .nq = 1000,
                 .dim = 768,
                 .m = 16,
                 .efc = 200,
                 .threads = 1,
                 .dir = "/tmp/cg-bench-vector-cache"};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--n"))
            b->n = atoll(v), b->n_given = 1;
        else if (!strcmp(k, "--dim"))
            b->dim = atoi(v);
        else if (!strcmp(k, "--queries"))
            b->nq = atoll(v);
        else if (!strcmp(k, "--m"))
            b->m = atoi(v);
        else if (!strcmp(k, "--efc"))
            b->efc = atoi(v);
        else if (!strcmp(k, "--cgv"))
            b->cgv = v;
        else if (!strcmp(k, "--dir"))
            b->dir = v;
        else if (!strcmp(k, "--threads"))
            b->threads = atoi(v);
        else if (!strcmp(k, "--ef-max"))
            for (sweep_n = 1; sweep_n < EF_SWEEP_N && ef_sweep[sweep_n] <= atoi(v);) sweep_n++;
        else
            die("unknown option", k);
    }
    if (b->n < 1 || b->nq < 1 || b->dim < 1 || b->m < 2 || b->efc < 1) die("options", "range");
}

/* Smallest-ef row of a sweep reaching recall 0.95 (-1: none). */
static int first_at(const meas *m, double target)
{
    for (int i = 0; i < sweep_n; i++)
        if (m[i].recall >= target) return i;
    return -1;
}

static void sweep(const bench *b, cg_vindex *v, cg_faiss_index *fx, meas *ours, meas *fa)
{
    printf("\n  ef | ours: recall@10     QPS  p50 us  p99 us | FAISS: recall@10     QPS  p50 us"
           "  p99 us | QPS ours/FAISS\n");
    for (int i = 0; i < sweep_n; i++) {
        /* ROUNDS interleaved rounds per engine, the fastest kept: the machine is shared, and a
         * round that was preempted says nothing about either engine */
        for (int r = 0; r < ROUNDS; r++) {
            meas f = run_faiss(b, fx, ef_sweep[i]), o = run_ours(b, v, ef_sweep[i]);
            if (r == 0 || f.qps > fa[i].qps) fa[i] = f;
            if (r == 0 || o.qps > ours[i].qps) ours[i] = o;
        }
        printf("%4d |         %6.4f %7.0f %7.1f %7.1f |          %6.4f %7.0f %7.1f %7.1f |"
               " %5.2fx\n",
               ef_sweep[i], ours[i].recall, ours[i].qps, ours[i].p50_us, ours[i].p99_us,
               fa[i].recall, fa[i].qps, fa[i].p50_us, fa[i].p99_us, ours[i].qps / fa[i].qps);
    }
}

static void report_ttfq(const bench *b)
{
    char qf[4096], idx[4096], fi[4096], dim[16], m[16], efc[16], met[16], model[300];
    snprintf(qf, sizeof(qf), "%s/queries.f32", b->dir);
    FILE *f = fopen(qf, "w");
    int nq = (int)CG_MIN(b->nq, 1 + RSS_AFTER_QUERIES);
    if (!f || fwrite(b->q, sizeof(float) * (size_t)b->dim, (size_t)nq, f) != (size_t)nq)
        die("queries file", qf);
    fclose(f);
    snprintf(idx, sizeof(idx), "%s/idx", b->dir);
    snprintf(fi, sizeof(fi), "%s/faiss.index", b->dir);
    snprintf(dim, sizeof(dim), "%d", b->dim);
    snprintf(m, sizeof(m), "%d", b->m);
    snprintf(efc, sizeof(efc), "%d", b->efc);
    snprintf(met, sizeof(met), "%d", (int)b->view.metric);
    snprintf(model, sizeof(model), "%s", b->model);
    char *am[] = {"bench", "--child-mmap", idx, dim, m, efc, model, met, qf, NULL};
    char *af[] = {"bench", "--child-faiss", fi, qf, NULL};
    ttfq o = spawn_ttfq(am), x = spawn_ttfq(af);
    printf("\ntime to first answered query, fresh process, warm page cache (median of %d):\n"
           "  ours (open + mmap + lazy verify + search): %8.1f ms from process start, "
           "%8.1f ms from main()\n"
           "  FAISS (read_index + search):               %8.1f ms from process start, "
           "%8.1f ms from main()\n"
           "  ratio ours/FAISS: %.3f from process start (goal <= 0.1), %.3f from main()\n",
           TTFQ_REPS, o.start_ms, o.main_ms, x.start_ms, x.main_ms, o.start_ms / x.start_ms,
           o.main_ms / x.main_ms);
    printf("RSS after the first query / after %d more (MB; file-backed part in brackets):\n"
           "  ours  %7.1f [%6.1f] / %7.1f [%6.1f]\n  FAISS %7.1f [%6.1f] / %7.1f [%6.1f]\n",
           nq - 1, o.rss1 / 1024.0, o.file1 / 1024.0, o.rss2 / 1024.0, o.file2 / 1024.0,
           x.rss1 / 1024.0, x.file1 / 1024.0, x.rss2 / 1024.0, x.file2 / 1024.0);
}

static void report_goals(const meas *ours, const meas *fa, double exact_faiss, double exact_ours,
                         double exact_p50_us)
{
    int io = first_at(ours, 0.95), ifa = first_at(fa, 0.95);
    double exact = CG_MAX(exact_faiss, exact_ours); /* the faster exact baseline */
    printf("\nexact search, one query per call: FAISS IndexFlat %.1f QPS, our scan %.1f QPS "
           "(p50 %.0f us)\n",
           exact_faiss, exact_ours, exact_p50_us);
    if (io < 0 || ifa < 0) {
        printf("recall@10 0.95 not reached by %s within ef <= %d\n", io < 0 ? "ours" : "FAISS",
               ef_sweep[sweep_n - 1]);
        return;
    }
    printf("at recall@10 >= 0.95 (smallest ef reaching it for each engine):\n"
           "  ours  ef %3d recall %.4f %7.0f QPS p50 %.1f us p99 %.1f us\n"
           "  FAISS ef %3d recall %.4f %7.0f QPS p50 %.1f us p99 %.1f us\n"
           "  ratio ours/FAISS QPS %.2fx (goal >= 1.0), ours/exact %.1fx (goal >= 10; vs the "
           "faster exact)\n",
           ef_sweep[io], ours[io].recall, ours[io].qps, ours[io].p50_us, ours[io].p99_us,
           ef_sweep[ifa], fa[ifa].recall, fa[ifa].qps, fa[ifa].p50_us, fa[ifa].p99_us,
           ours[io].qps / fa[ifa].qps, ours[io].qps / exact);
    printf("  by median latency (robust to preemption on a shared machine): ours/FAISS %.2fx, "
           "ours/our exact scan %.1fx\n",
           fa[ifa].p50_us / ours[io].p50_us, exact_p50_us / ours[io].p50_us);
}

static cg_vindex *open_ours(const bench *b)
{
    char err[256], idx[4096];
    cg_vindex *v = NULL;
    cg_vindex_options o;
    cg_vindex_options_default(&o);
    o.dim = b->dim;
    o.m = b->m;
    o.ef_construction = b->efc;
    o.metric = b->view.metric;
    o.model = b->model;
    snprintf(idx, sizeof(idx), "%s/idx", b->dir);
    if (cg_vindex_open(&v, idx, &o, err, sizeof(err))) die("open", err);
    cg_vindex_stats st;
    cg_vindex_stats_get(v, &st);
    if (st.base_count != b->n) die("open", st.problem);
    return v;
}

int main(int argc, char **argv)
{
    uint64_t main_ns = cg_time_mono_ns();
    bench b;
    if (argc > 1 && !strcmp(argv[1], "--child-mmap") && argc == 9)
        return child_mmap(main_ns, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "--child-faiss") && argc == 4)
        return child_faiss(main_ns, argv + 2);
    setvbuf(stdout, NULL, _IOLBF, 0);
    parse_args(&b, argc, argv);
    int64_t max_n = b.n_given ? b.n : 0; /* --cgv flat: index at most --n vectors */
    mkdir(b.dir, 0755);
    if (!b.cgv) make_synthetic(&b);
    cg_faiss_index *fx = b.cgv ? load_real(&b, max_n) : build_index(&b);
    printf("bench/vector: CodeGraph mmap HNSW search vs FAISS 1.7.3 IndexHNSWFlat on the same "
           "graph, single thread\ndata: %s\nn=%lld dim=%d queries=%lld M=%d efConstruction=%d "
           "k=%d metric=%s model=%s\n",
           b.synthetic ? "SYNTHETIC clustered vectors (200 topics x 20 subtopics + noise), "
                         "NOT embeddings of real code"
                       : b.cgv,
           (long long)b.n, b.dim, (long long)b.nq, b.m, b.efc, K,
           cg_vindex_metric_name(b.view.metric), b.model);
    if (b.n < GOAL_MIN_VECTORS)
        printf("NOTE: %lld vectors, fewer than the %d the goal asks for\n", (long long)b.n,
               GOAL_MIN_VECTORS);
    cg_faiss_threads_set(1);
    ground_truth(&b);
    double exact_p50_us, exact = exact_qps(&b), exact_ours = exact_qps_ours(&b, &exact_p50_us);
    cg_vindex *v = open_ours(&b);
    meas ours[EF_SWEEP_N], fa[EF_SWEEP_N];
    sweep(&b, v, fx, ours, fa);
    report_goals(ours, fa, exact, exact_ours, exact_p50_us);
    cg_vindex_close(v);
    cg_faiss_destroy(fx);
    report_ttfq(&b);
    return 0;
}
