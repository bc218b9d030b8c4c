/*
 * test_metrics.c — proves the metrics subsystem counts exactly and renders valid Prometheus
 * text: concurrent writers on distinct shards sum exactly; histogram buckets are cumulative
 * with inclusive upper bounds and exact _sum/_count; only non-zero request series appear;
 * unknown statuses/methods fall into "other"/"OTHER"; registration enforces names, kinds,
 * duplicates and limits and groups families; HELP and label values are escaped (and bad
 * UTF-8 replaced); build_info and the process_* metrics are present and plausible;
 * registered histograms render cumulative inclusive buckets, +Inf, exact fixed-point _sum
 * and _count, one HELP/TYPE per family, and threads observing on ONE shard at once lose
 * nothing; dynamic gauges are get-or-create, escaped, bounded (CG_ELIMIT), removable (the
 * series leaves the scrape, its slot takes the next label) and can be registered while
 * another thread renders; and the real `promtool check metrics` accepts
 * the output with all of them (and rejects a known-bad input).
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
    /* scrapes while writing see partial, never torn or excessive, counts */
    for (int i = 0; i < 3; i++) {
        char *mid = render(m);
        double v = mid ? value_of(mid, "codegraph_test_events_total") : -1;
        CG_CHECK(v >= 0 && v <= 400000);
        free(mid);
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
    CG_CHECK(value_of(s, "codegraph_request_duration_seconds_bucket{endpoint=\"/health\","
                         "le=\"0.005\"}") == 200000);
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

CG_TEST(registration_rules)
{
    cg_metrics *m = make(2);
    CG_CHECK(m != NULL);
    if (!m) return;
    CG_CHECK_EQ_INT(cg_metrics_counter(m, "codegraph_x", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_x_total", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "1codegraph", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph-x", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_x", "", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_x", "h", "kind", NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_x", "h", "__kind", "a"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_x", "h", "a:b", "a"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_counter(m, "codegraph_requests_total", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "process_open_fds", "h", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge_fn(m, "codegraph_f", "h", NULL, NULL), CG_EINVAL);
    int a1 = cg_metrics_gauge(m, "codegraph_a", "A.", "kind", "one");
    int b = cg_metrics_counter(m, "codegraph_b_total", "B.", NULL, NULL);
    int a2 = cg_metrics_gauge(m, "codegraph_a", "A.", "kind", "two");
    CG_CHECK(a1 == 0 && b == 1 && a2 == 2);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_a", "A.", "kind", "two"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_counter(m, "codegraph_b_total", "B.", "k", "v") >= 0, 1);
    CG_CHECK_EQ_INT(cg_metrics_counter(m, "codegraph_b_total", "B.", NULL, NULL), CG_EINVAL);
    cg_metrics_gauge_set(m, a1, 1.5);
    cg_metrics_gauge_set(m, a2, -2);
    cg_metrics_add(m, 0, b, 3);
    cg_metrics_add(m, 1, b, 4);
    cg_metrics_add(m, 1, CG_EINVAL, 9); /* failed registration: a no-op */
    cg_metrics_gauge_set(m, CG_ELIMIT, 9);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        CG_CHECK_EQ_INT(count_substr(s, "# TYPE codegraph_a gauge\n"), 1);
        CG_CHECK(strstr(s, "codegraph_a{kind=\"one\"} 1.5\ncodegraph_a{kind=\"two\"} -2\n"
                           "# HELP codegraph_b_total B.\n") != NULL);
        CG_CHECK(value_of(s, "codegraph_b_total") == 7);
        CG_CHECK(value_of(s, "codegraph_b_total{k=\"v\"}") == 0);
        free(s);
    }
    /* fill the id space: the next registration is CG_ELIMIT */
    int last = 0;
    for (int i = 0; last >= 0 && i < CG_METRICS_IDS_MAX; i++) {
        char name[64];
        snprintf(name, sizeof name, "codegraph_fill_%d", i);
        last = cg_metrics_gauge(m, name, "Fill.", NULL, NULL);
    }
    CG_CHECK_EQ_INT(last, CG_ELIMIT);
    cg_metrics_destroy(m);
}

static double fn_value(void *ud)
{
    return *(const double *)ud;
}

CG_TEST(gauge_fn_called_at_scrape)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    double v = 12345;
    int id = cg_metrics_gauge_fn(m, "codegraph_database_size_bytes", "DB size.", fn_value, &v);
    CG_CHECK(id >= 0);
    char *s1 = render(m);
    v = 99;
    char *s2 = render(m);
    CG_CHECK(s1 && value_of(s1, "codegraph_database_size_bytes") == 12345);
    CG_CHECK(s2 && value_of(s2, "codegraph_database_size_bytes") == 99);
    free(s1);
    free(s2);
    cg_metrics_destroy(m);
}

CG_TEST(escaping_of_labels_and_help)
{
    const char *r[] = {"/a\"b\\c\nd",
                       ("/bad\xff"
                        "utf8"),
                       "/ünïcode"};
    cg_metrics *m = NULL;
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 1, r, 3, NULL, 0), 0);
    if (!m) return;
    for (int i = 0; i < 3; i++) cg_metrics_request(m, 0, i, CG_HTTP_GET, 200, 1);
    CG_CHECK(cg_metrics_counter(m, "codegraph_esc_total", "back\\slash\nnew \"line\"", "v",
                                "q\"uo\\te") >= 0);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        CG_CHECK(strstr(s, "endpoint=\"/a\\\"b\\\\c\\nd\"") != NULL);
        CG_CHECK(strstr(s, "endpoint=\"/bad\xEF\xBF\xBDutf8\"") != NULL);
        CG_CHECK(strstr(s, "endpoint=\"/ünïcode\"") != NULL);
        CG_CHECK(strstr(s, "# HELP codegraph_esc_total back\\\\slash\\nnew \"line\"\n") != NULL);
        CG_CHECK(strstr(s, "codegraph_esc_total{v=\"q\\\"uo\\\\te\"} 0\n") != NULL);
        free(s);
    }
    cg_metrics_destroy(m);
}

CG_TEST(build_info_present)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    char *s = render(m);
    CG_CHECK(s && strstr(s, "# TYPE codegraph_build_info gauge\n") != NULL);
    CG_CHECK(s && strstr(s, ",io_backend=\"unknown\"} 1\n") != NULL);
    free(s);
    cg_metrics_set_build_info(m, "1.2.3", "abc123", "io_uring");
    s = render(m);
    CG_CHECK(s && value_of(s, "codegraph_build_info{version=\"1.2.3\",commit=\"abc123\","
                              "io_backend=\"io_uring\"}") == 1);
    CG_CHECK(s && count_substr(s, "codegraph_build_info{") == 1);
    free(s);
    cg_metrics_destroy(m);
}

CG_TEST(process_metrics_plausible)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (!s) goto out;
    double now = (double)time(NULL);
    double rss = value_of(s, "process_resident_memory_bytes");
    double vms = value_of(s, "process_virtual_memory_bytes");
    double start = value_of(s, "process_start_time_seconds");
    double cpu = value_of(s, "process_cpu_seconds_total");
    double fds = value_of(s, "process_open_fds");
    double max_fds = value_of(s, "process_max_fds");
    CG_CHECK(rss > 0 && vms >= rss);
    CG_CHECK(start > now - 3600 && start <= now + 1);
    CG_CHECK(cpu >= 0 && cpu < 3600);
    CG_CHECK(fds >= 1 && max_fds >= fds);
    CG_CHECK(value_of(s, "process_threads") >= 1);
    /* three more descriptors must show up exactly */
    int extra[3];
    for (int i = 0; i < 3; i++) extra[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char *s2 = render(m);
    CG_CHECK(s2 && value_of(s2, "process_open_fds") == fds + 3);
    for (int i = 0; i < 3; i++) close(extra[i]);
    free(s2);
    free(s);
out:
    cg_metrics_destroy(m);
}

static const double hb[] = {0.001, 0.01, 0.1, 1};

/* Bucket value of histogram series `prefix` ("name_bucket{label,") at le. */
static double bucket_of(const char *text, const char *prefix, const char *le)
{
    char series[256];
    snprintf(series, sizeof series, "%sle=\"%s\"}", prefix, le);
    return value_of(text, series);
}

CG_TEST(registered_histogram_cumulative_sum_count)
{
    cg_metrics *m = make(2);
    CG_CHECK(m != NULL);
    if (!m) return;
    int py = cg_metrics_histogram(m, "codegraph_parse_seconds", "Parse time.", "language", "python",
                                  hb, 4);
    int go =
        cg_metrics_histogram(m, "codegraph_parse_seconds", "Parse time.", "language", "go", hb, 4);
    int rb = cg_metrics_histogram(m, "codegraph_parse_seconds", "Parse time.", "language", "ruby",
                                  hb, 4);
    int bare = cg_metrics_histogram(m, "codegraph_plain_seconds", "Plain.", NULL, NULL, NULL, 0);
    CG_CHECK(py >= 0 && go > py && rb > go && bare > rb);
    /* on a bound counts in it (inclusive); 5 only in +Inf; NaN ignored; -0.5 in the first */
    const double vals[] = {0.001, 0.0005, 0.01, 0.5, 5, -0.5};
    for (size_t i = 0; i < CG_ARRAY_LEN(vals); i++) cg_metrics_observe(m, (int)i % 2, py, vals[i]);
    cg_metrics_observe(m, 0, py, NAN);
    cg_metrics_observe(m, 1, go, 0.25);
    cg_metrics_observe(m, 0, CG_EINVAL, 1); /* failed registration: a no-op */
    cg_metrics_observe(m, 0, bare, 0.007);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (!s) goto out;
    const char *p = "codegraph_parse_seconds_bucket{language=\"python\",";
    CG_CHECK(bucket_of(s, p, "0.001") == 3);
    CG_CHECK(bucket_of(s, p, "0.01") == 4);
    CG_CHECK(bucket_of(s, p, "0.1") == 4);
    CG_CHECK(bucket_of(s, p, "1") == 5);
    CG_CHECK(bucket_of(s, p, "+Inf") == 6);
    CG_CHECK(value_of(s, "codegraph_parse_seconds_count{language=\"python\"}") == 6);
    double sum = value_of(s, "codegraph_parse_seconds_sum{language=\"python\"}");
    CG_CHECK(fabs(sum - 5.0115) < 1e-12);
    CG_CHECK(bucket_of(s, "codegraph_parse_seconds_bucket{language=\"go\",", "0.1") == 0);
    CG_CHECK(bucket_of(s, "codegraph_parse_seconds_bucket{language=\"go\",", "1") == 1);
    CG_CHECK(value_of(s, "codegraph_parse_seconds_sum{language=\"go\"}") == 0.25);
    /* never observed: not rendered; one HELP/TYPE for the family; series grouped */
    CG_CHECK(strstr(s, "language=\"ruby\"") == NULL);
    CG_CHECK_EQ_INT(count_substr(s, "# TYPE codegraph_parse_seconds histogram\n"), 1);
    CG_CHECK(strstr(s, "codegraph_parse_seconds_count{language=\"python\"} 6\n"
                       "codegraph_parse_seconds_bucket{language=\"go\",le=\"0.001\"} 0\n"));
    /* an unlabelled histogram has no empty braces; default buckets */
    CG_CHECK(value_of(s, "codegraph_plain_seconds_bucket{le=\"0.005\"}") == 0);
    CG_CHECK(value_of(s, "codegraph_plain_seconds_bucket{le=\"0.01\"}") == 1);
    CG_CHECK(value_of(s, "codegraph_plain_seconds_sum") == 0.007);
    CG_CHECK(value_of(s, "codegraph_plain_seconds_count") == 1);
    free(s);
out:
    cg_metrics_destroy(m);
}

CG_TEST(histogram_registration_rules)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    const double bad[] = {0.1, 0.1}, inf[] = {1, INFINITY};
    double many[CG_METRICS_BUCKETS_MAX + 1];
    for (int i = 0; i <= CG_METRICS_BUCKETS_MAX; i++) many[i] = i + 1;
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h", "H.", "le", "x", NULL, 0), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h_total", "H.", NULL, NULL, NULL, 0),
                    CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h_sum", "H.", NULL, NULL, NULL, 0),
                    CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h", "H.", NULL, NULL, bad, 2), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h", "H.", NULL, NULL, inf, 2), CG_EINVAL);
    CG_CHECK_EQ_INT(
        cg_metrics_histogram(m, "codegraph_h", "H.", NULL, NULL, many, CG_METRICS_BUCKETS_MAX + 1),
        CG_ELIMIT);
    CG_CHECK_EQ_INT(
        cg_metrics_histogram(m, "codegraph_request_duration_seconds", "H.", NULL, NULL, NULL, 0),
        CG_EINVAL); /* the built-in request histogram */
    int h = cg_metrics_histogram(m, "codegraph_h", "H.", "k", "a", many, CG_METRICS_BUCKETS_MAX);
    CG_CHECK(h >= 0);
    /* a histogram's derived names, and a second TYPE under its name, are refused */
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_h_count", "G.", NULL, NULL), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, "codegraph_h", "G.", "k", "b"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_h", "H.", "k", "a", NULL, 0), CG_EINVAL);
    CG_CHECK(cg_metrics_gauge(m, "codegraph_g_bucket", "G.", NULL, NULL) >= 0);
    CG_CHECK_EQ_INT(cg_metrics_histogram(m, "codegraph_g", "H.", NULL, NULL, NULL, 0), CG_EINVAL);
    CG_CHECK(cg_metrics_histogram(m, "codegraph_h", "H.", "k", "b", NULL, 0) > h);
    cg_metrics_destroy(m);
}

struct observer {
    cg_metrics *m;
    int id;
    pthread_barrier_t start; /* all observers begin together: real contention */
};

#define OBSERVATIONS 200000

static void *observer_main(void *arg)
{
    struct observer *o = arg;
    pthread_barrier_wait(&o->start);
    for (int i = 0; i < OBSERVATIONS; i++)
        cg_metrics_observe(o->m, 0, o->id, i % 2 ? 0.001 : 2.5); /* all on shard 0 */
    return NULL;
}

CG_TEST(histogram_concurrent_observers_one_shard_exact)
{
    cg_metrics *m = make(3);
    CG_CHECK(m != NULL);
    if (!m) return;
    int id = cg_metrics_histogram(m, "codegraph_obs_seconds", "Obs.", NULL, NULL, hb, 4);
    CG_CHECK(id >= 0);
    pthread_t th[4];
    struct observer o = {.m = m, .id = id};
    pthread_barrier_init(&o.start, NULL, 4);
    for (int t = 0; t < 4; t++) CG_CHECK(pthread_create(&th[t], NULL, observer_main, &o) == 0);
    char *mid = render(m);
    double c = mid ? value_of(mid, "codegraph_obs_seconds_count") : 0;
    CG_CHECK(mid && (isnan(c) || c <= 4 * OBSERVATIONS)); /* NaN: nothing observed yet */
    free(mid);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&o.start);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        CG_CHECK(value_of(s, "codegraph_obs_seconds_count") == 4 * OBSERVATIONS);
        CG_CHECK(value_of(s, "codegraph_obs_seconds_bucket{le=\"0.001\"}") == 2 * OBSERVATIONS);
        CG_CHECK(value_of(s, "codegraph_obs_seconds_bucket{le=\"1\"}") == 2 * OBSERVATIONS);
        CG_CHECK(value_of(s, "codegraph_obs_seconds_bucket{le=\"+Inf\"}") == 4 * OBSERVATIONS);
        /* 400000 × 0.001 + 400000 × 2.5, exactly (fixed point, no lost or rounded add) */
        CG_CHECK(value_of(s, "codegraph_obs_seconds_sum") == 1000400);
        free(s);
    }
    cg_metrics_destroy(m);
}

#define LAST "codegraph_project_last_indexed_timestamp_seconds"

CG_TEST(dynamic_gauges_get_or_create_escape_limits)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    CG_CHECK(cg_metrics_gauge(m, "codegraph_static", "S.", NULL, NULL) >= 0);
    int a = cg_metrics_gauge_dyn(m, LAST, "Last index.", "project", "demo");
    int b = cg_metrics_gauge_dyn(m, LAST, "Other help.", "project", "we\"ird\\\nname\xff");
    CG_CHECK(a >= 0 && b > a);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, LAST, "Last index.", "project", "demo"), a);
    char longv[CG_METRICS_DYN_VALUE_MAX + 1];
    memset(longv, 'x', sizeof longv - 1);
    longv[CG_METRICS_DYN_VALUE_MAX] = 0;
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, LAST, "L.", "project", longv), CG_ELIMIT);
    longv[CG_METRICS_DYN_VALUE_MAX - 1] = 0; /* the longest allowed: beyond static labels */
    CG_CHECK(cg_metrics_gauge_dyn(m, LAST, "L.", "project", longv) > b);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, "codegraph_static", "S.", "p", "x"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, "codegraph_dyn_total", "S.", "p", "x"), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, LAST, "S.", "__p", "x"), CG_EINVAL);
    /* a static family cannot take a dynamic family's name afterwards */
    CG_CHECK_EQ_INT(cg_metrics_gauge(m, LAST, "S.", NULL, NULL), CG_EINVAL);
    cg_metrics_gauge_set(m, a, 1700000000);
    cg_metrics_gauge_set(m, b, 12.5);
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        CG_CHECK_EQ_INT(count_substr(s, "# TYPE " LAST " gauge\n"), 1);
        CG_CHECK(strstr(s, "# HELP " LAST " Last index.\n") != NULL);
        CG_CHECK(value_of(s, LAST "{project=\"demo\"}") == 1700000000);
        CG_CHECK(value_of(s, LAST "{project=\"we\\\"ird\\\\\\nname\xEF\xBF\xBD\"}") == 12.5);
        free(s);
    }
    /* fill the series table: CG_ELIMIT beyond it, existing series still found */
    int last = 0, made = 3;
    for (int i = 0; last >= 0 && i < CG_METRICS_DYN_MAX; i++) {
        char v[32];
        snprintf(v, sizeof v, "p%d", i);
        last = cg_metrics_gauge_dyn(m, LAST, "L.", "project", v);
        if (last >= 0) made++;
    }
    CG_CHECK_EQ_INT(last, CG_ELIMIT);
    CG_CHECK_EQ_INT(made, CG_METRICS_DYN_MAX);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, LAST, "L.", "project", "demo"), a);
    /* a removed series leaves the scrape and frees its slot for a new label */
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn_remove(m, LAST, "project", "demo"), 0);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn_remove(m, LAST, "project", "demo"), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn_remove(m, "codegraph_none", "project", "p1"),
                    CG_ENOTFOUND);
    int fresh = cg_metrics_gauge_dyn(m, LAST, "L.", "project", "newcomer");
    CG_CHECK_EQ_INT(fresh, a); /* the table was full: only the freed slot could take it */
    cg_metrics_gauge_set(m, fresh, 42);
    CG_CHECK_EQ_INT(cg_metrics_gauge_dyn(m, LAST, "L.", "project", "other"), CG_ELIMIT);
    s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        CG_CHECK(strstr(s, LAST "{project=\"demo\"}") == NULL);
        CG_CHECK(value_of(s, LAST "{project=\"newcomer\"}") == 42);
        CG_CHECK(value_of(s, LAST "{project=\"p0\"}") == 0);
        free(s);
    }
    cg_metrics_destroy(m);
}

CG_TEST(dynamic_gauge_families_limit)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    int last = 0, made = 0;
    for (int i = 0; last >= 0 && i <= CG_METRICS_DYN_FAMILIES_MAX; i++) {
        char name[64];
        snprintf(name, sizeof name, "codegraph_dyn_%d", i);
        last = cg_metrics_gauge_dyn(m, name, "D.", NULL, NULL);
        if (last >= 0) made++;
    }
    CG_CHECK_EQ_INT(last, CG_ELIMIT);
    CG_CHECK_EQ_INT(made, CG_METRICS_DYN_FAMILIES_MAX);
    cg_metrics_destroy(m);
}

#define DYN_THREAD_SERIES 500

static void *dyn_registrar_main(void *arg)
{
    cg_metrics *m = arg;
    for (int i = 0; i < DYN_THREAD_SERIES; i++) {
        char v[32];
        snprintf(v, sizeof v, "proj-%d", i);
        int id = cg_metrics_gauge_dyn(m, LAST, "Last index.", "project", v);
        cg_metrics_gauge_set(m, id, i);
    }
    return NULL;
}

CG_TEST(dynamic_gauges_register_while_rendering)
{
    cg_metrics *m = make(1);
    CG_CHECK(m != NULL);
    if (!m) return;
    pthread_t th;
    CG_CHECK(pthread_create(&th, NULL, dyn_registrar_main, m) == 0);
    int prev = 0, ok = 1;
    for (int r = 0; r < 50; r++) { /* each scrape sees a prefix, never fewer than before */
        char *s = render(m);
        int n = s ? count_substr(s, "\n" LAST "{") : -1;
        if (!s || n < prev || n > DYN_THREAD_SERIES || count_substr(s, "# TYPE " LAST) > 1) ok = 0;
        prev = n;
        free(s);
    }
    CG_CHECK(ok);
    pthread_join(th, NULL);
    char *s = render(m);
    CG_CHECK(s && count_substr(s, "\n" LAST "{") == DYN_THREAD_SERIES);
    CG_CHECK(s && value_of(s, LAST "{project=\"proj-0\"}") == 0);
    CG_CHECK(s && value_of(s, LAST "{project=\"proj-499\"}") == 499);
    free(s);
    cg_metrics_destroy(m);
}

/* Exit status of `promtool check metrics < file` for `text`, or -1 when it cannot run.
 * `quiet` discards promtool's messages (for the expected-failure control). */
static int promtool_check(const char *text, int quiet)
{
    char path[] = "/tmp/cg-metrics-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n;
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, PROMTOOL " check metrics < %s%s", path,
             quiet ? " >/dev/null 2>&1" : "");
    int st = ok ? system(cmd) : -1;
    unlink(path);
    if (st < 0 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

CG_TEST(promtool_accepts_output)
{
    if (access(PROMTOOL, X_OK) != 0) {
        printf("note: %s missing, promtool check skipped\n", PROMTOOL);
        return;
    }
    const char *r[] = {"/health", "/api/v1/projects/{id}", "we\"ird\\\n", "unmatched"};
    cg_metrics *m = NULL;
    CG_CHECK_EQ_INT(cg_metrics_create(&m, 3, r, 4, NULL, 0), 0);
    if (!m) return;
    for (int i = 0; i < 50; i++)
        cg_metrics_request(m, i % 3, i % 4, i % CG_HTTP_METHOD_COUNT, i % 2 ? 200 : 777,
                           (uint64_t)i * 37 * MS);
    int c = cg_metrics_counter(m, "codegraph_pool_jobs_total", "Jobs run.", "state", "ok");
    int c2 = cg_metrics_counter(m, "codegraph_pool_jobs_total", "Jobs run.", "state", "fail");
    int g = cg_metrics_gauge(m, "codegraph_indexing_queue_depth", "Queued jobs.", NULL, NULL);
    double v = 4096;
    int f = cg_metrics_gauge_fn(m, "codegraph_database_size_bytes", "DB size.", fn_value, &v);
    CG_CHECK(c >= 0 && c2 >= 0 && g >= 0 && f >= 0);
    int h1 = cg_metrics_histogram(m, "codegraph_parse_duration_seconds", "Parse time.", "language",
                                  "python", hb, 4);
    int h2 = cg_metrics_histogram(m, "codegraph_parse_duration_seconds", "Parse time.", "language",
                                  "c\"pp", hb, 4);
    int h3 = cg_metrics_histogram(m, "codegraph_plain_seconds", "Plain.", NULL, NULL, NULL, 0);
    int d1 = cg_metrics_gauge_dyn(m, LAST, "Last index.", "project", "demo");
    int d2 = cg_metrics_gauge_dyn(m, LAST, "Last index.", "project", "we\"ird\\\n\xff");
    CG_CHECK(h1 >= 0 && h2 >= 0 && h3 >= 0 && d1 >= 0 && d2 >= 0);
    for (int i = 0; i < 20; i++) {
        cg_metrics_observe(m, i % 3, h1, i * 0.003);
        cg_metrics_observe(m, 0, h2, i * 0.07);
        cg_metrics_observe(m, 1, h3, -i * 0.5);
    }
    cg_metrics_gauge_set(m, d1, 1.7e9);
    cg_metrics_add(m, 2, c, 5);
    cg_metrics_gauge_set(m, g, 0.25);
    cg_metrics_set_build_info(m, "0.1.0", "deadbeef", "epoll");
    char *s = render(m);
    CG_CHECK(s != NULL);
    if (s) {
        int rc = promtool_check(s, 0);
        if (rc != 0) fprintf(stderr, "  promtool rc=%d on:\n%s\n", rc, s);
        CG_CHECK_EQ_INT(rc, 0);
        free(s);
    }
    /* the check can fail: promtool rejects a counter without _total */
    CG_CHECK(promtool_check("# HELP foo_bytes x\n# TYPE foo_bytes counter\nfoo_bytes 1\n", 1) > 0);
    cg_metrics_destroy(m);
}

CG_TEST_MAIN()
