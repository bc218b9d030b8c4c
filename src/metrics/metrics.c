/*
 * metrics.c — the metrics registry, the per-shard hot path and the Prometheus text renderer.
 *
 * DESIGN
 * Memory: every shard (writer thread) owns one cache-line-aligned block, allocated apart
 * from every other shard's, holding three arrays of _Atomic uint64_t:
 *   req  [route][method][status slot]      request counts
 *   hist [route][0]                        sum of durations in ns
 *        [route][1 .. n_buckets + 1]       per-bucket counts, NOT cumulative (+Inf last)
 *   ctr  [id]                              generic counters (indexed by registration id)
 * Registered histograms (cg_metrics_histogram) own one allocation each, split into a
 * cache-line-padded row per shard (see struct cg_metric_hist); gauges are one global
 * atomic word each (gauge_bits, dyn_bits), since "set" has no per-shard meaning.
 * Writers use relaxed fetch-adds on their own block only, so there is no cache-line
 * ping-pong between reactors and no lock. A scrape sums every shard; it may observe a
 * request in requests_total but not yet in the histogram (that is harmless), and the
 * histogram's _count is computed from its buckets so le="+Inf" always equals _count.
 * Invariants:
 *   - the registry (defs, routes, buckets, build info) is written only before serving;
 *     afterwards it is read-only, so the hot path and render read it without locks;
 *   - statuses map to a fixed slot table (status_slot) with slot 0 = "other", so the hot
 *     path is an array index, never a search or a string;
 *   - defs[i].family is the index of the first def with the same name: a family is
 *     rendered once, at its first registration's position, with all its series together;
 *   - a histogram's _sum is fixed point (integer word + 1e-9 fraction word), so adds
 *     from any number of threads on one shard are exact and order-independent;
 *   - dynamic gauges (dyn.c) are the only run-time registrations: their tables are read
 *     and written under dyn_mu, which the request hot path never takes; their ids are
 *     CG_METRICS_IDS_MAX + slot, and a slot, once handed out, is never reused.
 */
#include "codegraph/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "metrics/metrics_int.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif
#ifndef CG_COMMIT
#define CG_COMMIT "unknown"
#endif

static const uint8_t status_slot[CG_METRICS_STATUS_TABLE] = {
#define X(c) [c] = ST_##c,
    CG_METRICS_STATUSES(X)
#undef X
};

static const double default_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* The series names a histogram family renders besides its own. */
static const char *const hist_suffixes[] = {"_bucket", "_sum", "_count"};

/* Names the built-in families use; registering them again would duplicate a family. */
static const char *const reserved_names[] = {
    "codegraph_requests_total",
    "codegraph_request_duration_seconds",
    "codegraph_request_duration_seconds_bucket",
    "codegraph_request_duration_seconds_sum",
    "codegraph_request_duration_seconds_count",
    "codegraph_build_info",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
    "process_threads",
};

/* Copy s into dst[cap], truncating; 0 or CG_ELIMIT when it did not fit. */
static int copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    int rc = n < cap ? 0 : CG_ELIMIT;
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return rc;
}

/* ---- creation ---- */

static int metrics_set_buckets(cg_metrics *m, const double *buckets, int n_buckets)
{
    if (!buckets || n_buckets == 0) {
        buckets = default_buckets;
        n_buckets = (int)CG_ARRAY_LEN(default_buckets);
    }
    if (n_buckets < 0) return CG_EINVAL;
    if (n_buckets > CG_METRICS_BUCKETS_MAX) return CG_ELIMIT;
    for (int i = 0; i < n_buckets; i++) {
        double b = buckets[i];
        if (!isfinite(b) || b <= 0 || b * 1e9 >= CG_METRICS_NS_MAX) return CG_EINVAL;
        m->bound_s[i] = b;
        m->bound_ns[i] = (uint64_t)llround(b * 1e9);
        if (i > 0 && m->bound_ns[i] <= m->bound_ns[i - 1]) return CG_EINVAL;
    }
    m->n_buckets = n_buckets;
    m->hist_stride = (size_t)n_buckets + 2;
    return 0;
}

static int metrics_alloc_shard(cg_metrics *m, struct cg_metrics_shard *s)
{
    size_t n_req = (size_t)m->n_routes * CG_HTTP_METHOD_COUNT * ST_COUNT;
    size_t n_hist = (size_t)m->n_routes * m->hist_stride;
    size_t words = n_req + n_hist + CG_METRICS_IDS_MAX;
    size_t bytes = words * sizeof(_Atomic uint64_t);
    bytes = (bytes + CG_METRICS_CACHE_LINE - 1) / CG_METRICS_CACHE_LINE * CG_METRICS_CACHE_LINE;
    _Atomic uint64_t *w = aligned_alloc(CG_METRICS_CACHE_LINE, bytes);
    if (!w) return CG_ENOMEM;
    for (size_t i = 0; i < words; i++) atomic_init(&w[i], 0);
    s->block = w;
    s->req = w;
    s->hist = w + n_req;
    s->ctr = w + n_req + n_hist;
    return 0;
}

int cg_metrics_create(cg_metrics **out, int shards, const char *const *routes, int n_routes,
                      const double *buckets, int n_buckets)
{
    int rc;
    *out = NULL;
    if (shards <= 0 || n_routes <= 0 || !routes) return CG_EINVAL;
    if (shards > CG_METRICS_SHARDS_MAX || n_routes > CG_METRICS_ROUTES_MAX) return CG_ELIMIT;
    cg_metrics *m = aligned_alloc(_Alignof(cg_metrics), sizeof *m); /* size is a multiple */
    if (!m) return CG_ENOMEM;
    memset(m, 0, sizeof *m);
    rc = cg_metrics_dyn_init(m);
    if (rc < 0) {
        free(m);
        return rc;
    }
    m->n_routes = n_routes;
    rc = metrics_set_buckets(m, buckets, n_buckets);
    if (rc < 0) goto fail;
    for (int r = 0; r < n_routes; r++) {
        rc = routes[r] ? copy_str(m->routes[r], sizeof m->routes[r], routes[r]) : CG_EINVAL;
        if (rc < 0) goto fail;
    }
    for (int i = 0; i < CG_METRICS_IDS_MAX; i++) atomic_init(&m->gauge_bits[i], 0);
    for (int i = 0; i < shards; i++) {
        rc = metrics_alloc_shard(m, &m->shards[i]);
        if (rc < 0) goto fail;
        m->n_shards = i + 1;
    }
    cg_metrics_set_build_info(m, CG_VERSION, CG_COMMIT, "unknown");
    *out = m;
    return 0;
fail:
    cg_metrics_destroy(m);
    return rc;
}

void cg_metrics_destroy(cg_metrics *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_shards; i++) free(m->shards[i].block);
    for (int i = 0; i < m->n_defs; i++) {
        if (!m->defs[i].hist) continue;
        free(m->defs[i].hist->cells);
        free(m->defs[i].hist);
    }
    cg_metrics_dyn_release(m);
    free(m);
}

void cg_metrics_set_build_info(cg_metrics *m, const char *version, const char *commit,
                               const char *io_backend)
{
    copy_str(m->build_version, sizeof m->build_version, version ? version : "unknown");
    copy_str(m->build_commit, sizeof m->build_commit, commit ? commit : "unknown");
    copy_str(m->build_io, sizeof m->build_io, io_backend ? io_backend : "unknown");
}

/* ---- hot path ---- */

void cg_metrics_request(cg_metrics *m, int shard, int route, int method, int status,
                        uint64_t dur_ns)
{
    CG_ASSERT((unsigned)shard < (unsigned)m->n_shards);
    CG_ASSERT((unsigned)route < (unsigned)m->n_routes);
    if ((unsigned)method >= CG_HTTP_METHOD_COUNT) method = CG_HTTP_OTHER;
    unsigned st = (unsigned)status < CG_METRICS_STATUS_TABLE ? status_slot[status] : ST_OTHER;
    const struct cg_metrics_shard *s = &m->shards[shard];
    size_t ri = ((size_t)route * CG_HTTP_METHOD_COUNT + (unsigned)method) * ST_COUNT + st;
    atomic_fetch_add_explicit(&s->req[ri], 1, memory_order_relaxed);
    int b = 0;
    while (b < m->n_buckets && dur_ns > m->bound_ns[b]) b++;
    _Atomic uint64_t *h = s->hist + (size_t)route * m->hist_stride;
    atomic_fetch_add_explicit(&h[0], dur_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&h[1 + b], 1, memory_order_relaxed);
}

void cg_metrics_add(cg_metrics *m, int shard, int id, uint64_t v)
{
    if (id < 0) return; /* a failed registration degrades to a no-op, not a crash */
    CG_ASSERT((unsigned)shard < (unsigned)m->n_shards);
    CG_ASSERT(id < m->n_defs && m->defs[id].kind == CG_MK_COUNTER);
    atomic_fetch_add_explicit(&m->shards[shard].ctr[id], v, memory_order_relaxed);
}

void cg_metrics_gauge_set(cg_metrics *m, int id, double v)
{
    if (id < 0) return; /* as in cg_metrics_add */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (id >= CG_METRICS_IDS_MAX) {
        int slot = id - CG_METRICS_IDS_MAX;
        CG_ASSERT(slot < atomic_load_explicit(&m->n_dyn, memory_order_relaxed));
        atomic_store_explicit(&m->dyn_bits[slot], bits, memory_order_relaxed);
        return;
    }
    CG_ASSERT(id < m->n_defs && m->defs[id].kind == CG_MK_GAUGE);
    atomic_store_explicit(&m->gauge_bits[id], bits, memory_order_relaxed);
}

/* ---- registration (before serving) ---- */

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; label names allow no ':' and no "__" prefix. */
static int name_valid(const char *s, int is_label)
{
    if (!s || !*s) return 0;
    if (is_label && s[0] == '_' && s[1] == '_') return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (!is_label && c == ':') || (p != s && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* 1 when `name` is `base` followed by one of the histogram suffixes. */
static int is_derived(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0) return 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(hist_suffixes); i++)
        if (strcmp(name + n, hist_suffixes[i]) == 0) return 1;
    return 0;
}

static int name_reserved(const char *name, int is_hist)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(reserved_names); i++)
        if (strcmp(name, reserved_names[i]) == 0 ||
            (is_hist && is_derived(reserved_names[i], name)))
            return 1;
    return 0;
}

/* Check name/help/label against the format rules and limits (value_max: label value). */
int cg_metrics_def_check(int kind, const char *name, const char *help, const char *label_name,
                         const char *label_value, size_t value_max)
{
    int is_hist = kind == CG_MK_HISTOGRAM;
    if (!name_valid(name, 0) || !help || !*help) return CG_EINVAL;
    if ((label_name == NULL) != (label_value == NULL)) return CG_EINVAL;
    if (label_name && !name_valid(label_name, 1)) return CG_EINVAL;
    if (is_hist && label_name && strcmp(label_name, "le") == 0) return CG_EINVAL;
    if ((kind == CG_MK_COUNTER) != ends_with(name, "_total")) return CG_EINVAL;
    for (size_t i = 0; is_hist && i < CG_ARRAY_LEN(hist_suffixes); i++)
        if (ends_with(name, hist_suffixes[i])) return CG_EINVAL;
    if (name_reserved(name, is_hist)) return CG_EINVAL;
    if (strlen(name) >= CG_METRICS_NAME_MAX || strlen(help) >= CG_METRICS_HELP_MAX)
        return CG_ELIMIT;
    if (label_name &&
        (strlen(label_name) >= CG_METRICS_NAME_MAX || strlen(label_value) >= value_max))
        return CG_ELIMIT;
    return 0;
}

int cg_metrics_name_clash(const struct cg_metric_def *d, const char *name, int is_hist)
{
    return (d->kind == CG_MK_HISTOGRAM && is_derived(name, d->name)) ||
           (is_hist && is_derived(d->name, name));
}

/* The TYPE a kind renders as: families may only mix kinds of one TYPE. */
static int kind_type(int kind)
{
    return kind == CG_MK_GAUGE_FN ? CG_MK_GAUGE : kind;
}

/* Find the family `name` joins (or -1 for a new one); CG_EINVAL on a TYPE clash, a
 * duplicate series or a clash with a histogram's derived names. */
static int def_find_family(const cg_metrics *m, int kind, const char *name, const char *label_name,
                           const char *label_value)
{
    int family = -1;
    for (int i = 0; i < m->n_defs; i++) {
        const struct cg_metric_def *d = &m->defs[i];
        if (cg_metrics_name_clash(d, name, kind == CG_MK_HISTOGRAM)) return CG_EINVAL;
        if (strcmp(d->name, name) != 0) continue;
        if (kind_type(d->kind) != kind_type(kind)) return CG_EINVAL;
        if (strcmp(d->label_name, label_name ? label_name : "") == 0 &&
            strcmp(d->label_value, label_value ? label_value : "") == 0)
            return CG_EINVAL;
        family = d->family;
    }
    return family;
}

static int def_add(cg_metrics *m, int kind, const char *name, const char *help,
                   const char *label_name, const char *label_value)
{
    if (!m) return CG_EINVAL;
    int rc =
        cg_metrics_def_check(kind, name, help, label_name, label_value, CG_METRICS_LABEL_VALUE_MAX);
    if (rc < 0) return rc;
    if (cg_metrics_dyn_name_used(m, name, kind == CG_MK_HISTOGRAM)) return CG_EINVAL;
    int family = def_find_family(m, kind, name, label_name, label_value);
    if (family < -1) return family;
    if (m->n_defs >= CG_METRICS_IDS_MAX) return CG_ELIMIT;
    int id = m->n_defs;
    struct cg_metric_def *d = &m->defs[id];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->family = family >= 0 ? family : id;
    copy_str(d->name, sizeof d->name, name);
    copy_str(d->help, sizeof d->help, help);
    copy_str(d->label_name, sizeof d->label_name, label_name ? label_name : "");
    copy_str(d->label_value, sizeof d->label_value, label_value ? label_value : "");
    m->n_defs = id + 1;
    return id;
}

int cg_metrics_counter(cg_metrics *m, const char *name, const char *help, const char *label_name,
                       const char *label_value)
{
    return def_add(m, CG_MK_COUNTER, name, help, label_name, label_value);
}

int cg_metrics_gauge(cg_metrics *m, const char *name, const char *help, const char *label_name,
                     const char *label_value)
{
    return def_add(m, CG_MK_GAUGE, name, help, label_name, label_value);
}

int cg_metrics_gauge_fn(cg_metrics *m, const char *name, const char *help, double (*fn)(void *ud),
                        void *ud)
{
    if (!fn) return CG_EINVAL;
    int id = def_add(m, CG_MK_GAUGE_FN, name, help, NULL, NULL);
    if (id < 0) return id;
    m->defs[id].fn = fn;
    m->defs[id].ud = ud;
    return id;
}

/* ---- histograms ---- */

static int hist_alloc(const cg_metrics *m, const double *buckets, int n_buckets,
                      struct cg_metric_hist **out)
{
    if (!buckets || n_buckets == 0) {
        buckets = default_buckets;
        n_buckets = (int)CG_ARRAY_LEN(default_buckets);
    }
    if (n_buckets < 0) return CG_EINVAL;
    if (n_buckets > CG_METRICS_BUCKETS_MAX) return CG_ELIMIT;
    for (int i = 0; i < n_buckets; i++)
        if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) return CG_EINVAL;
    struct cg_metric_hist *h = calloc(1, sizeof *h);
    if (!h) return CG_ENOMEM;
    h->n_buckets = n_buckets;
    memcpy(h->bound, buckets, (size_t)n_buckets * sizeof *buckets);
    size_t line_words = CG_METRICS_CACHE_LINE / sizeof(uint64_t);
    h->stride = ((size_t)n_buckets + 3 + line_words - 1) / line_words * line_words;
    size_t words = h->stride * (size_t)m->n_shards;
    h->cells = aligned_alloc(CG_METRICS_CACHE_LINE, words * sizeof *h->cells);
    if (!h->cells) {
        free(h);
        return CG_ENOMEM;
    }
    for (size_t i = 0; i < words; i++) atomic_init(&h->cells[i], 0);
    *out = h;
    return 0;
}

int cg_metrics_histogram(cg_metrics *m, const char *name, const char *help, const char *label_name,
                         const char *label_value, const double *buckets, int n_buckets)
{
    struct cg_metric_hist *h = NULL;
    if (!m) return CG_EINVAL;
    int rc = hist_alloc(m, buckets, n_buckets, &h);
    if (rc < 0) return rc;
    int id = def_add(m, CG_MK_HISTOGRAM, name, help, label_name, label_value);
    if (id < 0) {
        free(h->cells);
        free(h);
        return id;
    }
    m->defs[id].hist = h;
    return id;
}

void cg_metrics_observe(cg_metrics *m, int shard, int id, double value)
{
    if (id < 0 || isnan(value)) return;
    CG_ASSERT((unsigned)shard < (unsigned)m->n_shards);
    CG_ASSERT(id < m->n_defs && m->defs[id].kind == CG_MK_HISTOGRAM);
    const struct cg_metric_hist *h = m->defs[id].hist;
    int b = 0;
    while (b < h->n_buckets && !(value <= h->bound[b])) b++;
    double v = CG_MAX(CG_MIN(value, CG_METRICS_OBSERVE_MAX), -CG_METRICS_OBSERVE_MAX);
    double ip = floor(v);
    int64_t whole = (int64_t)ip;
    uint64_t frac = (uint64_t)llround((v - ip) * (double)CG_METRICS_FRAC_UNIT);
    if (frac >= CG_METRICS_FRAC_UNIT) { /* rounded up to the next integer */
        frac -= CG_METRICS_FRAC_UNIT;
        whole++;
    }
    _Atomic uint64_t *c = h->cells + (size_t)shard * h->stride;
    atomic_fetch_add_explicit(&c[0], (uint64_t)whole, memory_order_relaxed);
    atomic_fetch_add_explicit(&c[1], frac, memory_order_relaxed);
    atomic_fetch_add_explicit(&c[2 + b], 1, memory_order_relaxed);
}
