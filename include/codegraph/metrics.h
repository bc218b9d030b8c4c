/*
 * metrics.h — Prometheus metrics: per-shard lock-free counters and histograms, summed at
 * scrape time and rendered in the Prometheus text exposition format 0.0.4.
 *
 * A shard is one writer thread (each reactor, plus one "other" shard for everything else).
 * Writers only touch their own shard's cache-line-aligned memory with relaxed atomic adds,
 * so the hot path never takes a lock, allocates or hashes a string. A scrape (any thread)
 * sums all shards. Registration (cg_metrics_counter/_gauge/_gauge_fn/_histogram/
 * _set_build_info) must happen before serving starts: the registry is read without locks
 * afterwards. The one exception is cg_metrics_gauge_dyn: labelled gauges created at run
 * time (e.g. one per project), under a small mutex shared only with the renderer.
 *
 * Families always rendered:
 *   codegraph_requests_total{method,endpoint,status}      counter (non-zero series only)
 *   codegraph_request_duration_seconds{endpoint}          histogram (routes with requests)
 *   codegraph_build_info{version,commit,io_backend} 1     gauge
 *   process_* (resident/virtual memory, cpu seconds, fds, start time, threads) from /proc
 * then the registered families in registration order, then the dynamic gauge families.
 */
#ifndef CODEGRAPH_METRICS_H
#define CODEGRAPH_METRICS_H

#include <stdint.h>

#include "codegraph/buf.h"

#define CG_METRICS_SHARDS_MAX 260      /**< writer threads (reactors + "other", with slack) */
#define CG_METRICS_ROUTES_MAX 128      /**< route templates (endpoint label values) */
#define CG_METRICS_BUCKETS_MAX 32      /**< histogram upper bounds (config holds up to 32) */
#define CG_METRICS_IDS_MAX 256         /**< static series: counters, gauges, histograms */
#define CG_METRICS_NAME_MAX 128        /**< bytes in a metric or label name */
#define CG_METRICS_LABEL_VALUE_MAX 128 /**< bytes in a label value (routes, build info) */
#define CG_METRICS_HELP_MAX 256        /**< bytes in a HELP text */
#define CG_METRICS_DYN_MAX 1024        /**< dynamic gauge series (cg_metrics_gauge_dyn) */
#define CG_METRICS_DYN_FAMILIES_MAX 16 /**< distinct names among the dynamic gauges */
#define CG_METRICS_DYN_VALUE_MAX 1024  /**< bytes in a dynamic series' label value */
#define CG_METRICS_OBSERVE_MAX 1e18    /**< |value| counted in a histogram's _sum (clamped) */

typedef struct cg_metrics cg_metrics;

/**
 * Create the registry. `shards` = writer threads (1..CG_METRICS_SHARDS_MAX); `routes` are
 * the endpoint label values, indexed by `route` in cg_metrics_request (copied); `buckets` are
 * strictly increasing positive finite upper bounds in seconds (NULL or n_buckets == 0: the
 * defaults 0.005 … 10). Returns 0, CG_EINVAL (bad argument), CG_ELIMIT (a limit above) or
 * CG_ENOMEM.
 */
int cg_metrics_create(cg_metrics **out, int shards, const char *const *routes, int n_routes,
                      const double *buckets, int n_buckets);
/** Free everything; NULL is a no-op. */
void cg_metrics_destroy(cg_metrics *m);

/**
 * One request finished. Called only by the thread owning `shard`. `method` is a
 * cg_http_method (out of range counts as OTHER), `status` any HTTP status (statuses outside
 * the fixed table are counted as status="other"), `dur_ns` the duration in nanoseconds.
 * Three relaxed atomic adds on shard-local memory; no locks, no allocation.
 */
void cg_metrics_request(cg_metrics *m, int shard, int route, int method, int status,
                        uint64_t dur_ns);

/**
 * Register a counter series: `name` must be a valid metric name ending in "_total";
 * label_name/label_value both NULL (no label) or both set. Series sharing a name form one
 * family (rendered together, HELP/TYPE once; the first registration's help wins).
 * Returns the id (>= 0), CG_EINVAL (invalid/duplicate/clashing name) or CG_ELIMIT.
 */
int cg_metrics_counter(cg_metrics *m, const char *name, const char *help, const char *label_name,
                       const char *label_value);
/** Register a gauge series (name must not end in "_total"); same rules as counters. */
int cg_metrics_gauge(cg_metrics *m, const char *name, const char *help, const char *label_name,
                     const char *label_value);
/** Add `v` to counter `id` on `shard` (relaxed atomic; the shard's owner thread). A negative
 *  id (a registration that failed) is a no-op; any other id must be a registered counter. */
void cg_metrics_add(cg_metrics *m, int shard, int id, uint64_t v);
/** Set gauge `id` (static or dynamic; global, atomic; any thread). A negative id is a
 *  no-op. */
void cg_metrics_gauge_set(cg_metrics *m, int id, double v);
/** Register a gauge whose value `fn(ud)` is computed at scrape time (from the scraping
 *  thread: fn must be thread-safe). Returns the id or a CG_E* code as for gauges. */
int cg_metrics_gauge_fn(cg_metrics *m, const char *name, const char *help, double (*fn)(void *ud),
                        void *ud);

/**
 * Register a histogram series (before serving, like counters): `name` must not end in
 * "_total", "_bucket", "_sum" or "_count", nor clash with another family's derived names;
 * the label may not be "le". `buckets`: 1..CG_METRICS_BUCKETS_MAX strictly increasing
 * finite upper bounds (NULL or n_buckets == 0: the defaults 0.005 … 10). Series sharing a
 * name form one family. Only series with at least one observation are rendered.
 * Returns the id, CG_EINVAL or CG_ELIMIT (or CG_ENOMEM).
 */
int cg_metrics_histogram(cg_metrics *m, const char *name, const char *help, const char *label_name,
                         const char *label_value, const double *buckets, int n_buckets);
/**
 * Count `value` in histogram `id` on `shard`: three relaxed atomic adds, no lock, so any
 * number of threads may observe on one shard (e.g. the shared "other" shard) at once and
 * the totals stay exact. Bounds are inclusive (value <= le). The _sum is kept in fixed
 * point (1e-9 resolution, |value| clamped to CG_METRICS_OBSERVE_MAX) so concurrent sums
 * are exact. NaN and a negative id (failed registration) are ignored.
 */
void cg_metrics_observe(cg_metrics *m, int shard, int id, double value);

/**
 * Get or create a labelled gauge series at run time (any thread, also while serving and
 * rendering): returns the id of the existing series with this name and label, else
 * registers a new one (value 0). Set it with cg_metrics_gauge_set (lock-free). The name
 * may not be one of a static family; label values up to CG_METRICS_DYN_VALUE_MAX - 1 bytes
 * (escaped when rendered). CG_ELIMIT beyond CG_METRICS_DYN_MAX series or
 * CG_METRICS_DYN_FAMILIES_MAX names; CG_EINVAL on a bad argument; CG_ENOMEM.
 */
int cg_metrics_gauge_dyn(cg_metrics *m, const char *name, const char *help, const char *label_name,
                         const char *label_value);
/**
 * Remove a dynamic series (e.g. of a deleted project): it is no longer rendered and its
 * slot is reused by the next new series, so an id obtained before must not be used after.
 * 0, CG_ENOTFOUND (no such live series), CG_EINVAL.
 */
int cg_metrics_gauge_dyn_remove(cg_metrics *m, const char *name, const char *label_name,
                                const char *label_value);

/** Labels of codegraph_build_info (copied, truncated to CG_METRICS_LABEL_VALUE_MAX - 1).
 *  Until called: the compiled-in version/commit and io_backend="unknown". */
void cg_metrics_set_build_info(cg_metrics *m, const char *version, const char *commit,
                               const char *io_backend);

/** Append the whole exposition to `out` (check cg_buf_ok afterwards). Thread-safe with
 *  respect to writers and other scrapes. */
void cg_metrics_render(cg_metrics *m, cg_buf *out);

/** Content-Type of the rendered text. */
#define CG_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
