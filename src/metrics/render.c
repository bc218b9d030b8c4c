/*
 * render.c — the Prometheus text exposition format 0.0.4 for cg_metrics.
 *
 * Output order is fixed so that two scrapes diff cleanly: process_*, build info, the
 * request counter (route, method, status order; non-zero series only), the request
 * histogram (route order; routes with at least one request), then registered families in
 * registration order (histogram series only once observed), then the dynamic gauge
 * families (under dyn_mu, in creation order). Escaping follows the format: HELP escapes '\' and
 * newline; label values escape '\', '"' and newline, and invalid UTF-8 becomes U+FFFD so the output
 * always parses.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "codegraph/base.h"
#include "metrics/metrics_int.h"
#include "metrics/proc.h"

static const char *const status_name[ST_COUNT] = {[ST_OTHER] = "other",
#define X(c) [ST_##c] = #c,
                                                  CG_METRICS_STATUSES(X)
#undef X
};

static const char *const method_name[CG_HTTP_METHOD_COUNT] = {
    [CG_HTTP_GET] = "GET",         [CG_HTTP_HEAD] = "HEAD",     [CG_HTTP_POST] = "POST",
    [CG_HTTP_PUT] = "PUT",         [CG_HTTP_DELETE] = "DELETE", [CG_HTTP_PATCH] = "PATCH",
    [CG_HTTP_OPTIONS] = "OPTIONS", [CG_HTTP_OTHER] = "OTHER",
};

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], min, cp;
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n) return 0;
    cp = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Append s escaped: '\' and '\n' always, '"' too when `quote` (label values). */
static void put_escaped(cg_buf *out, const char *s, int quote)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n > 0) {
        size_t k = utf8_len(p, n);
        if (k == 0) {
            cg_buf_puts(out, "\xEF\xBF\xBD");
            k = 1;
        } else if (*p == '\\') {
            cg_buf_puts(out, "\\\\");
        } else if (*p == '\n') {
            cg_buf_puts(out, "\\n");
        } else if (*p == '"' && quote) {
            cg_buf_puts(out, "\\\"");
        } else {
            cg_buf_append(out, p, k);
        }
        p += k;
        n -= k;
    }
}

/* `name="value"` (no separators). */
static void put_label(cg_buf *out, const char *name, const char *value)
{
    cg_buf_puts(out, name);
    cg_buf_puts(out, "=\"");
    put_escaped(out, value, 1);
    cg_buf_putc(out, '"');
}

static void put_head(cg_buf *out, const char *name, const char *help, const char *type)
{
    cg_buf_puts(out, "# HELP ");
    cg_buf_puts(out, name);
    cg_buf_putc(out, ' ');
    put_escaped(out, help, 0);
    cg_buf_puts(out, "\n# TYPE ");
    cg_buf_puts(out, name);
    cg_buf_putc(out, ' ');
    cg_buf_puts(out, type);
    cg_buf_putc(out, '\n');
}

/* A whole unlabelled family: HELP, TYPE and one sample. */
static void put_simple(cg_buf *out, const char *name, const char *help, const char *type, double v)
{
    put_head(out, name, help, type);
    cg_buf_puts(out, name);
    cg_buf_putc(out, ' ');
    cg_buf_put_double(out, v);
    cg_buf_putc(out, '\n');
}

static void render_process(cg_buf *out)
{
    cg_proc_stats st;
    cg_metrics_proc_read(&st);
    if (st.stat_ok) {
        put_simple(out, "process_cpu_seconds_total",
                   "Total user and system CPU time spent in seconds.", "counter", st.cpu_seconds);
        put_simple(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
                   (double)st.rss_bytes);
        put_simple(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
                   (double)st.vsize_bytes);
        put_simple(out, "process_threads", "Number of OS threads in the process.", "gauge",
                   (double)st.threads);
    }
    if (st.start_ok)
        put_simple(out, "process_start_time_seconds",
                   "Start time of the process since unix epoch in seconds.", "gauge",
                   st.start_time_s);
    if (st.fds_ok)
        put_simple(out, "process_open_fds", "Number of open file descriptors.", "gauge",
                   (double)st.open_fds);
    if (st.max_fds_ok)
        put_simple(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
                   (double)st.max_fds);
}

static void render_build_info(const cg_metrics *m, cg_buf *out)
{
    put_head(out, "codegraph_build_info",
             "A metric with a constant '1' value labeled by version, commit and I/O backend.",
             "gauge");
    cg_buf_puts(out, "codegraph_build_info{");
    put_label(out, "version", m->build_version);
    cg_buf_putc(out, ',');
    put_label(out, "commit", m->build_commit);
    cg_buf_putc(out, ',');
    put_label(out, "io_backend", m->build_io);
    cg_buf_puts(out, "} 1\n");
}

static uint64_t sum_req(const cg_metrics *m, size_t idx)
{
    uint64_t v = 0;
    for (int s = 0; s < m->n_shards; s++)
        v += atomic_load_explicit(&m->shards[s].req[idx], memory_order_relaxed);
    return v;
}

static void render_requests(const cg_metrics *m, cg_buf *out)
{
    put_head(out, "codegraph_requests_total", "HTTP requests answered.", "counter");
    for (int r = 0; r < m->n_routes; r++) {
        for (int meth = 0; meth < CG_HTTP_METHOD_COUNT; meth++) {
            for (int st = 0; st < ST_COUNT; st++) {
                size_t idx =
                    ((size_t)r * CG_HTTP_METHOD_COUNT + (size_t)meth) * ST_COUNT + (size_t)st;
                uint64_t v = sum_req(m, idx);
                if (v == 0) continue;
                cg_buf_puts(out, "codegraph_requests_total{");
                put_label(out, "method", method_name[meth]);
                cg_buf_putc(out, ',');
                put_label(out, "endpoint", m->routes[r]);
                cg_buf_putc(out, ',');
                put_label(out, "status", status_name[st]);
                cg_buf_puts(out, "} ");
                cg_buf_put_u64(out, v);
                cg_buf_putc(out, '\n');
            }
        }
    }
}

/* One `codegraph_request_duration_seconds<suffix>{endpoint="…"[,le="…"]} ` prefix. */
static void put_hist_prefix(const cg_metrics *m, cg_buf *out, const char *suffix, int r)
{
    cg_buf_puts(out, "codegraph_request_duration_seconds");
    cg_buf_puts(out, suffix);
    cg_buf_putc(out, '{');
    put_label(out, "endpoint", m->routes[r]);
}

static void render_hist_route(const cg_metrics *m, cg_buf *out, int r)
{
    uint64_t cnt[CG_METRICS_BUCKETS_MAX + 1] = {0}, sum_ns = 0, total = 0;
    for (int s = 0; s < m->n_shards; s++) {
        const _Atomic uint64_t *h = m->shards[s].hist + (size_t)r * m->hist_stride;
        sum_ns += atomic_load_explicit(&h[0], memory_order_relaxed);
        for (int b = 0; b <= m->n_buckets; b++)
            cnt[b] += atomic_load_explicit(&h[1 + b], memory_order_relaxed);
    }
    for (int b = 0; b <= m->n_buckets; b++) total += cnt[b];
    if (total == 0) return;
    uint64_t cum = 0;
    for (int b = 0; b <= m->n_buckets; b++) {
        cum += cnt[b];
        put_hist_prefix(m, out, "_bucket", r);
        cg_buf_puts(out, ",le=\"");
        if (b < m->n_buckets)
            cg_buf_put_double(out, m->bound_s[b]);
        else
            cg_buf_puts(out, "+Inf");
        cg_buf_puts(out, "\"} ");
        cg_buf_put_u64(out, cum);
        cg_buf_putc(out, '\n');
    }
    put_hist_prefix(m, out, "_sum", r);
    cg_buf_puts(out, "} ");
    cg_buf_put_double(out, (double)sum_ns / 1e9);
    cg_buf_putc(out, '\n');
    put_hist_prefix(m, out, "_count", r);
    cg_buf_puts(out, "} ");
    cg_buf_put_u64(out, total);
    cg_buf_putc(out, '\n');
}

/* `name<suffix>{label="v",le="` (le_open) or `name<suffix>{label="v"} ` / `name<suffix> `. */
static void put_series_open(cg_buf *out, const struct cg_metric_def *d, const char *suffix,
                            int le_open)
{
    int labelled = d->label_name[0] != 0;
    cg_buf_puts(out, d->name);
    cg_buf_puts(out, suffix);
    if (labelled || le_open) cg_buf_putc(out, '{');
    if (labelled) put_label(out, d->label_name, d->label_value);
    if (le_open)
        cg_buf_puts(out, labelled ? ",le=\"" : "le=\"");
    else
        cg_buf_puts(out, labelled ? "} " : " ");
}

/* The value of a histogram's _sum from its fixed-point words. */
static double hist_sum_value(uint64_t whole, uint64_t frac)
{
    int64_t w = (int64_t)(whole + frac / CG_METRICS_FRAC_UNIT);
    return (double)w + (double)(frac % CG_METRICS_FRAC_UNIT) / (double)CG_METRICS_FRAC_UNIT;
}

/* One series of a registered histogram: cumulative buckets, +Inf, _sum, _count. */
static void render_hist_series(const cg_metrics *m, cg_buf *out, const struct cg_metric_def *d)
{
    const struct cg_metric_hist *h = d->hist;
    uint64_t cnt[CG_METRICS_BUCKETS_MAX + 1] = {0}, whole = 0, frac = 0, total = 0;
    for (int s = 0; s < m->n_shards; s++) {
        const _Atomic uint64_t *c = h->cells + (size_t)s * h->stride;
        whole += atomic_load_explicit(&c[0], memory_order_relaxed);
        frac += atomic_load_explicit(&c[1], memory_order_relaxed);
        for (int b = 0; b <= h->n_buckets; b++)
            cnt[b] += atomic_load_explicit(&c[2 + b], memory_order_relaxed);
    }
    for (int b = 0; b <= h->n_buckets; b++) total += cnt[b];
    if (total == 0) return;
    uint64_t cum = 0;
    for (int b = 0; b <= h->n_buckets; b++) {
        cum += cnt[b];
        put_series_open(out, d, "_bucket", 1);
        if (b < h->n_buckets)
            cg_buf_put_double(out, h->bound[b]);
        else
            cg_buf_puts(out, "+Inf");
        cg_buf_puts(out, "\"} ");
        cg_buf_put_u64(out, cum);
        cg_buf_putc(out, '\n');
    }
    put_series_open(out, d, "_sum", 0);
    cg_buf_put_double(out, hist_sum_value(whole, frac));
    cg_buf_putc(out, '\n');
    put_series_open(out, d, "_count", 0);
    cg_buf_put_u64(out, total);
    cg_buf_putc(out, '\n');
}

/* One series of a registered family. */
static void render_def_sample(const cg_metrics *m, cg_buf *out, int id)
{
    const struct cg_metric_def *d = &m->defs[id];
    if (d->kind == CG_MK_HISTOGRAM) {
        render_hist_series(m, out, d);
        return;
    }
    cg_buf_puts(out, d->name);
    if (d->label_name[0]) {
        cg_buf_putc(out, '{');
        put_label(out, d->label_name, d->label_value);
        cg_buf_putc(out, '}');
    }
    cg_buf_putc(out, ' ');
    if (d->kind == CG_MK_COUNTER) {
        uint64_t v = 0;
        for (int s = 0; s < m->n_shards; s++)
            v += atomic_load_explicit(&m->shards[s].ctr[id], memory_order_relaxed);
        cg_buf_put_u64(out, v);
    } else if (d->kind == CG_MK_GAUGE) {
        uint64_t bits = atomic_load_explicit(&m->gauge_bits[id], memory_order_relaxed);
        double v;
        memcpy(&v, &bits, sizeof v);
        cg_buf_put_double(out, v);
    } else {
        cg_buf_put_double(out, d->fn(d->ud));
    }
    cg_buf_putc(out, '\n');
}

static const char *kind_type_name(int kind)
{
    return kind == CG_MK_COUNTER ? "counter" : kind == CG_MK_HISTOGRAM ? "histogram" : "gauge";
}

static void render_defs(const cg_metrics *m, cg_buf *out)
{
    for (int i = 0; i < m->n_defs; i++) {
        const struct cg_metric_def *d = &m->defs[i];
        if (d->family != i) continue; /* rendered with its family's first member */
        put_head(out, d->name, d->help, kind_type_name(d->kind));
        for (int j = i; j < m->n_defs; j++)
            if (m->defs[j].family == i) render_def_sample(m, out, j);
    }
}

/* The dynamic gauge families, each with its series in creation order (under dyn_mu). */
static void render_dyn(cg_metrics *m, cg_buf *out)
{
    pthread_mutex_lock(&m->dyn_mu);
    int n = atomic_load_explicit(&m->n_dyn, memory_order_relaxed);
    for (int f = 0; f < m->n_dyn_families; f++) {
        const struct cg_metric_dyn_family *fam = &m->dyn_families[f];
        put_head(out, fam->name, fam->help, "gauge");
        for (int i = 0; i < n; i++) {
            const struct cg_metric_dyn_series *d = &m->dyn[i];
            if (d->family != f || d->removed) continue;
            cg_buf_puts(out, fam->name);
            if (d->label_name[0]) {
                cg_buf_putc(out, '{');
                put_label(out, d->label_name, d->label_value);
                cg_buf_putc(out, '}');
            }
            cg_buf_putc(out, ' ');
            uint64_t bits = atomic_load_explicit(&m->dyn_bits[i], memory_order_relaxed);
            double v;
            memcpy(&v, &bits, sizeof v);
            cg_buf_put_double(out, v);
            cg_buf_putc(out, '\n');
        }
    }
    pthread_mutex_unlock(&m->dyn_mu);
}

void cg_metrics_render(cg_metrics *m, cg_buf *out)
{
    render_process(out);
    render_build_info(m, out);
    render_requests(m, out);
    put_head(out, "codegraph_request_duration_seconds", "HTTP request duration in seconds.",
             "histogram");
    for (int r = 0; r < m->n_routes; r++) render_hist_route(m, out, r);
    render_defs(m, out);
    render_dyn(m, out);
}
