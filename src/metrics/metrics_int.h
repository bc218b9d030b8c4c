/*
 * metrics_int.h — the private layout of cg_metrics, shared by metrics.c (registry, hot
 * path) and render.c (the Prometheus text renderer). See metrics.c's DESIGN block.
 */
#ifndef CODEGRAPH_METRICS_INT_H
#define CODEGRAPH_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "codegraph/http.h"
#include "codegraph/limits.h"
#include "codegraph/metrics.h"

#define CG_METRICS_CACHE_LINE 64           /* shard blocks are aligned and padded to this */
#define CG_METRICS_STATUS_TABLE 600        /* statuses 0..599 are looked up; others are "other" */
#define CG_METRICS_NS_MAX 1.8e19           /* largest bucket bound in ns that fits a uint64 */
#define CG_METRICS_FRAC_UNIT 1000000000ull /* histogram _sum fixed point: 1e-9 resolution */

_Static_assert(CG_METRICS_SHARDS_MAX >= CG_REACTOR_WORKERS_MAX + 1, "a shard per reactor + 1");
_Static_assert(CG_HTTP_METHOD_COUNT == 8, "render.c's method_name[] lists every cg_http_method");
_Static_assert(CG_METRICS_ROUTES_MAX *CG_METRICS_BUCKETS_MAX < 65536, "shard block is small");

/* The statuses the server emits (http.h's response table) — one counter slot each. */
// clang-format off
#define CG_METRICS_STATUSES(X)                                                                     \
    X(100) X(101) X(200) X(201) X(202) X(204) X(206) X(301) X(302) X(303) X(304) X(307) X(308)     \
    X(400) X(401) X(403) X(404) X(405) X(406) X(408) X(409) X(410) X(411) X(412) X(413) X(414)     \
    X(415) X(416) X(417) X(422) X(426) X(429) X(431) X(500) X(501) X(502) X(503) X(504) X(505)
// clang-format on

enum {
    ST_OTHER = 0,
#define X(c) ST_##c,
    CG_METRICS_STATUSES(X)
#undef X
        ST_COUNT
};

enum cg_metric_kind { CG_MK_COUNTER, CG_MK_GAUGE, CG_MK_GAUGE_FN, CG_MK_HISTOGRAM };

/* A registered histogram's bounds and per-shard cells. Shard s owns
 * cells[s * stride ...]: [0] integer part of the sum (two's complement int64, wrapping
 * adds), [1] fractional part in CG_METRICS_FRAC_UNIT units, [2 .. 2 + n_buckets] per-bucket
 * counts, NOT cumulative (+Inf last). stride is a whole number of cache lines. */
struct cg_metric_hist {
    int n_buckets;
    size_t stride;
    double bound[CG_METRICS_BUCKETS_MAX];
    _Atomic uint64_t *cells;
};

struct cg_metric_def {
    int kind;
    int family; /* index of the first def with this name */
    char name[CG_METRICS_NAME_MAX];
    char help[CG_METRICS_HELP_MAX];
    char label_name[CG_METRICS_NAME_MAX]; /* "" = no label */
    char label_value[CG_METRICS_LABEL_VALUE_MAX];
    double (*fn)(void *ud);
    void *ud;
    struct cg_metric_hist *hist; /* CG_MK_HISTOGRAM only */
};

/* Dynamic gauges (cg_metrics_gauge_dyn): families and series are written and read under
 * dyn_mu only; a series' value lives in dyn_bits[id - CG_METRICS_IDS_MAX], set lock-free. */
struct cg_metric_dyn_family {
    char name[CG_METRICS_NAME_MAX];
    char help[CG_METRICS_HELP_MAX];
};

struct cg_metric_dyn_series {
    int family;
    char label_name[CG_METRICS_NAME_MAX]; /* "" = no label */
    char *label_value;                    /* heap, < CG_METRICS_DYN_VALUE_MAX bytes */
    int removed;                          /* not rendered; the slot may take a new label */
};

/* Read-only after create: where one shard's block lives. */
struct cg_metrics_shard {
    _Atomic uint64_t *req;
    _Atomic uint64_t *hist;
    _Atomic uint64_t *ctr;
    void *block;
};

struct cg_metrics {
    int n_shards, n_routes, n_buckets, n_defs;
    size_t hist_stride; /* n_buckets + 2 */
    uint64_t bound_ns[CG_METRICS_BUCKETS_MAX];
    double bound_s[CG_METRICS_BUCKETS_MAX];
    char routes[CG_METRICS_ROUTES_MAX][CG_METRICS_LABEL_VALUE_MAX];
    char build_version[CG_METRICS_LABEL_VALUE_MAX];
    char build_commit[CG_METRICS_LABEL_VALUE_MAX];
    char build_io[CG_METRICS_LABEL_VALUE_MAX];
    struct cg_metrics_shard shards[CG_METRICS_SHARDS_MAX];
    /* written by any thread: kept off the cache lines the hot path reads */
    _Alignas(CG_METRICS_CACHE_LINE) _Atomic uint64_t gauge_bits[CG_METRICS_IDS_MAX];
    _Alignas(CG_METRICS_CACHE_LINE) struct cg_metric_def defs[CG_METRICS_IDS_MAX];
    /* dynamic gauges */
    pthread_mutex_t dyn_mu;
    _Atomic int n_dyn; /* written under dyn_mu; read lock-free only by asserts */
    int n_dyn_families;
    struct cg_metric_dyn_family dyn_families[CG_METRICS_DYN_FAMILIES_MAX];
    struct cg_metric_dyn_series *dyn; /* [n_dyn], allocated at create (CG_METRICS_DYN_MAX) */
    _Alignas(CG_METRICS_CACHE_LINE) _Atomic uint64_t dyn_bits[CG_METRICS_DYN_MAX];
};

/* metrics.c → dyn.c: argument rules shared by static and dynamic registration. */
int cg_metrics_def_check(int kind, const char *name, const char *help, const char *label_name,
                         const char *label_value, size_t value_max);
/* 1 when a series called `name` (a histogram when is_hist) cannot coexist with the static
 * series d because one's name is the other's _bucket/_sum/_count (same names: the caller). */
int cg_metrics_name_clash(const struct cg_metric_def *d, const char *name, int is_hist);
/* dyn.c: set up / free the dynamic gauge tables (render.c renders them under dyn_mu). */
int cg_metrics_dyn_init(cg_metrics *m);
void cg_metrics_dyn_release(cg_metrics *m);
/* 1 when a dynamic family is called `name` or clashes with it as cg_metrics_name_clash. */
int cg_metrics_dyn_name_used(cg_metrics *m, const char *name, int is_hist);

#endif
