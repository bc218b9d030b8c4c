/*
 * server.c — server lifecycle: build stores, metrics, pool and reactors from the
 * config; run reactor threads; handle signals (SIGHUP reload, SIGTERM/SIGINT
 * drain); tear down in reverse order.
 *
 * DESIGN — states: STARTING (stores opening, /ready 503) → SERVING → DRAINING
 * (listeners closed, idle keep-alive connections closed, in-flight requests
 * finish and their connections close after the answer; bounded by
 * server.drain_timeout) → STOPPED. Signals are blocked in every thread and taken
 * synchronously by the main thread with sigtimedwait, so no handler ever runs in
 * a signal context. Reloadable keys are copied into atomics (cg_live_settings)
 * that reactor threads read; everything else needs a restart and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/lang.h"
#include "codegraph/log.h"
#include "codegraph/mcp.h"
#include "codegraph/search.h" /* TXT */
#include "codegraph/security.h"
#include "codegraph/vindex.h"
#include "server/host_metrics.h"
#include "server_int.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif
#ifndef CG_COMMIT
#define CG_COMMIT "unknown"
#endif

static void live_from_config(cg_live_settings *l, const cg_config *c)
{
    atomic_store(&l->keep_alive_ms, c->server.keep_alive_ms);
    atomic_store(&l->timeout_ms, c->server.timeout_ms);
    atomic_store(&l->max_connections, c->server.max_connections);
    atomic_store(&l->body_max, c->mcp.max_request_size_bytes);
    atomic_store(&l->log_requests, c->development.log_requests);
}

/* The log destination: stdout, stderr, or a file opened for appending ("file" means
 * logging.log_file_path; any other value is a path). Falls back to stderr with an
 * error line if the file cannot be opened — a server must not start blind. */
static int log_fd_open(const cg_config *c)
{
    const char *o = c->logging.output;
    if (strcmp(o, "stdout") == 0) return 1;
    if (strcmp(o, "stderr") == 0) return 2;
    const char *path = strcmp(o, "file") == 0 ? c->logging.log_file_path : o;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(stderr, "codegraph: cannot open log file %s: %s; logging to stderr\n", path,
                strerror(errno));
        return 2;
    }
    return fd;
}

void cg_server_logging_apply(const cg_config *c)
{
    static int prev_fd = -1;
    int lvl = cg_log_level_parse(c->logging.level);
    int fmt = cg_log_format_parse(c->logging.format);
    int fd = log_fd_open(c);
    cg_log_configure(lvl < 0 ? CG_LOG_INFO : (cg_log_level)lvl,
                     fmt < 0 ? CG_LOG_JSON : (cg_log_format)fmt, fd);
    /* Reopening on SIGHUP is what external log rotation expects. */
    if (prev_fd > 2 && prev_fd != fd) close(prev_fd);
    prev_fd = fd;
}

/* Copy the static route table, substituting the configurable endpoint paths. */
static int routes_build(cg_server *s)
{
    cg_route *t = calloc((size_t)cg_api_routes_count, sizeof *t);
    if (!t) return CG_ENOMEM;
    int n = 0;
    for (int i = 0; i < cg_api_routes_count; i++) {
        cg_route r = cg_api_routes[i];
        if (strcmp(r.tmpl, "/metrics") == 0) {
            if (!s->cfg.metrics.enabled) continue;
            r.tmpl = s->cfg.metrics.endpoint;
        } else if (strcmp(r.tmpl, "/health") == 0) {
            if (!s->cfg.health.enabled) continue;
            r.tmpl = s->cfg.health.endpoint;
        } else if (strcmp(r.tmpl, "/api/v1/health") == 0) {
            if (!s->cfg.health.enabled) continue;
            r.tmpl = s->cfg.health.detailed_endpoint;
        } else if (strcmp(r.tmpl, "/mcp") == 0) {
            if (!s->cfg.mcp.enabled) continue;
            r.tmpl = s->cfg.mcp.endpoint;
        }
        t[n++] = r;
    }
    s->routes = t;
    s->n_routes = n;
    return 0;
}

static double gauge_db_size(void *ud)
{
    cg_server *s = ud;
    return (double)cg_store_size_bytes(s->store);
}

static double gauge_queue_depth(void *ud)
{
    return (double)cg_pool_queue_depth(((cg_server *)ud)->pool);
}

static double gauge_conns(void *ud)
{
    return (double)atomic_load(&((cg_server *)ud)->conns);
}

static double gauge_ready(void *ud)
{
    return atomic_load(&((cg_server *)ud)->state) == CG_SERVER_SERVING;
}

/* Per-language parse histograms and file counters, one series per language name (tsx and
 * typescript share "typescript"); slots follow cg_lang_all, unused slots are -1. */
static void metrics_lang_register(cg_server *s, cg_index_metrics *im)
{
    static const double parse_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    int n;
    const cg_lang *all = cg_lang_all(&n);
    for (int i = 0; i < CG_INDEX_METRIC_LANGS; i++)
        im->parse_seconds[i] = im->files_by_lang[i] = -1;
    for (int i = 0; i < n && i < CG_INDEX_METRIC_LANGS; i++) {
        int same = 0;
        while (same < i && strcmp(all[same].name, all[i].name) != 0) same++;
        if (same < i) {
            im->parse_seconds[i] = im->parse_seconds[same];
            im->files_by_lang[i] = im->files_by_lang[same];
            continue;
        }
        im->parse_seconds[i] =
            cg_metrics_histogram(s->metrics, "codegraph_parse_duration_seconds",
                                 "Parse and extraction time per file, by language", "language",
                                 all[i].name, parse_buckets, (int)CG_ARRAY_LEN(parse_buckets));
        im->files_by_lang[i] = cg_metrics_counter(
            s->metrics, "codegraph_index_files_by_language_total",
            "Files parsed and stored by index jobs, by language", "language", all[i].name);
    }
}

/* The last-indexed gauge of every project indexed before this start (bounded by
 * CG_METRICS_DYN_MAX); later publishes update or add series from the pipeline. */
static void metrics_projects_seed(cg_server *s)
{
    int n = cg_graph_project_list(s->graph, NULL, 0);
    if (n <= 0) return;
    n = CG_MIN(n, CG_METRICS_DYN_MAX);
    cg_graph_project *p = malloc((size_t)n * sizeof *p);
    if (p) n = CG_MIN(n, cg_graph_project_list(s->graph, p, n));
    for (int i = 0; p && i < n; i++) {
        if (p[i].state != CG_PROJECT_ACTIVE || p[i].indexed_s <= 0) continue;
        int id = cg_metrics_gauge_dyn(s->metrics, CG_INDEX_METRIC_LAST_INDEXED,
                                      CG_INDEX_METRIC_LAST_INDEXED_HELP, "project", p[i].name);
        cg_metrics_gauge_set(s->metrics, id, (double)p[i].indexed_s);
    }
    free(p);
}

static void metrics_index_register(cg_server *s)
{
    static const char *const outcomes[] = {"indexed", "unchanged", "skipped", "failed", "deleted"};
    static const char *const states[] = {"queued", "running", "done", "failed", "cancelled"};
    cg_index_metrics im = {.m = s->metrics, .shard = s->n_reactors};
    for (int i = 0; i < CG_INDEX_OUT_COUNT; i++)
        im.files[i] =
            cg_metrics_counter(s->metrics, "codegraph_index_files_total",
                               "Files seen by index jobs, by outcome", "outcome", outcomes[i]);
    for (int i = 0; i < CG_JOB_STATE_COUNT; i++)
        im.jobs[i] = cg_metrics_counter(s->metrics, "codegraph_index_jobs_total",
                                        "Index jobs finished, by final state", "state", states[i]);
    im.entities = cg_metrics_counter(s->metrics, "codegraph_index_entities_total",
                                     "Entities stored by index jobs", NULL, NULL);
    im.bytes = cg_metrics_counter(s->metrics, "codegraph_index_bytes_total",
                                  "Bytes of source parsed by index jobs", NULL, NULL);
    metrics_lang_register(s, &im);
    im.last_indexed = 1;
    metrics_projects_seed(s);
    cg_index_metrics_install(&im);
    cg_index_memory_budget_set((uint64_t)((double)s->cfg.performance.max_memory_usage_bytes *
                                          s->cfg.performance.memory_pressure_threshold));
}

static int metrics_build(cg_server *s)
{
    const char *names[CG_ROUTES_MAX + 1];
    for (int i = 0; i < s->n_routes; i++) names[i] = s->routes[i].tmpl;
    names[s->n_routes] = "unmatched";
    const cg_histbuckets *hb = &s->cfg.metrics.histogram_buckets;
    int rc =
        cg_metrics_create(&s->metrics, s->n_reactors + 1, names, s->n_routes + 1, hb->v, hb->n);
    if (rc) return rc;
    cg_metrics *m = s->metrics;
    cg_metrics_gauge_fn(m, "codegraph_database_size_bytes", "Size of the RocksDB store on disk",
                        gauge_db_size, s);
    cg_metrics_gauge_fn(m, "codegraph_indexing_queue_depth", "Jobs waiting in the thread pool",
                        gauge_queue_depth, s);
    cg_metrics_gauge_fn(m, "codegraph_connections_open", "Open HTTP connections", gauge_conns, s);
    cg_metrics_gauge_fn(m, "codegraph_ready", "1 while /ready answers 200", gauge_ready, s);
    cg_server_host_metrics_register(s); /* host_metrics.c: disk, CPUs, load for the alerts */
    s->metric_conns_refused =
        cg_metrics_counter(m, "codegraph_connections_refused_total",
                           "Connections shed at max_connections or drain", NULL, NULL);
    s->metric_parse_errors = cg_metrics_counter(
        m, "codegraph_http_errors_total", "Requests rejected before routing", "kind", "framing");
    s->metric_timeouts = cg_metrics_counter(m, "codegraph_http_errors_total",
                                            "Requests rejected before routing", "kind", "timeout");
    metrics_index_register(s);
    cg_mcp_metrics_register(m); /* per-tool MCP calls, errors, latency */
    return 0;
}

static int reactors_build(cg_server *s, char *err, size_t errlen)
{
    s->rctx = calloc((size_t)s->n_reactors, sizeof *s->rctx);
    if (!s->rctx) return CG_ENOMEM;
    cg_io_backend be = s->cfg.server.io_backend;
    for (int i = 0; i < s->n_reactors; i++) {
        cg_rctx *x = &s->rctx[i];
        x->srv = s;
        x->index = i;
        atomic_store(&x->accepting, 1);
        cg_buf_init(&x->scratch);
        cg_buf_init(&x->body);
        pthread_mutex_init(&x->inflight_mu, NULL);
        cg_reactor_options o = {.host = s->cfg.server.host,
                                .port = i == 0 ? s->cfg.server.port : s->port,
                                .backend = be,
                                .index = i,
                                .listen_fd = -1,
                                .user = x};
        int rc = cg_reactor_create(&x->reactor, &o, &cg_conn_handler);
        if (rc) {
            int refused = be == CG_IO_URING && (rc == -EPERM || rc == -ENOSYS || rc == -EACCES);
            snprintf(err, errlen, "%s %s:%d (io_backend %s): %s%s",
                     refused ? "cannot set up io_uring for" : "cannot listen on", o.host, o.port,
                     be == CG_IO_AUTO ? "auto" : cg_reactor_backend_name(be), cg_err_str(rc),
                     refused ? "; the kernel or a seccomp profile (e.g. Docker's default) refuses "
                               "io_uring: set server.io_backend = \"auto\" or \"epoll\""
                             : "");
            return rc;
        }
        if (i == 0) {
            s->port = cg_reactor_port(x->reactor);
            be = s->backend = cg_reactor_backend(x->reactor);
        }
    }
    return 0;
}

int cg_server_create(cg_server **out, cg_config *cfg, const char *config_path, char *err,
                     size_t errlen)
{
    /* Block the signals cg_server_run waits for before any thread exists (RocksDB, pools,
     * reactors): threads inherit the mask, so SIGTERM/SIGHUP only ever reach the signal
     * loop and can never take a worker's default action (exit without drain). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    cg_server *s = calloc(1, sizeof *s);
    if (!s) return CG_ENOMEM;
    s->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    s->config_path = config_path ? strdup(config_path) : NULL;
    s->start_ns = cg_time_mono_ns();
    s->start_wall_s = cg_time_wall_s();
    atomic_store(&s->state, CG_SERVER_STARTING);
    live_from_config(&s->live, &s->cfg);
    cg_server_logging_apply(&s->cfg);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s->n_reactors = s->cfg.server.workers > 0 ? s->cfg.server.workers : (int)CG_MAX(cores, 1);
    int rc = routes_build(s);
    if (!rc) rc = cg_sec_create(&s->sec, &s->cfg, s->n_reactors, err, errlen);
    pthread_mutex_init(&s->jobs_mu, NULL);
    if (!rc) rc = cg_store_open(&s->store, &s->cfg.database, err, errlen);
    if (!rc) rc = cg_graph_open(&s->graph, s->store, err, errlen);
    if (!rc) rc = cg_vindex_open_config(&s->vindex, &s->cfg, NULL, err, errlen);
    if (!rc) rc = cg_admin_create(&s->admin, s->store, &s->cfg.database, &s->cfg.performance);
    if (!rc)
        rc = cg_pool_create(&s->pool, s->cfg.performance.pool_threads,
                            s->cfg.performance.pool_queue_max);
    /* TXT: search over the graph; registers the vector source, may queue a rebuild */
    if (!rc) rc = cg_search_create(&s->search, s->graph, &s->cfg.vector, s->vindex, err, errlen);
    if (!rc) cg_search_install(s->search), cg_search_attach_pool(s->search, s->pool);
    if (!rc && s->vindex) cg_vindex_verify_submit(s->vindex, s->pool); /* bulk checksums */
    if (!rc) rc = reactors_build(s, err, errlen);
    if (!rc) rc = metrics_build(s);
    if (!rc) cg_sec_metrics_attach(s->sec, s->metrics);
    if (rc) {
        if (!err[0]) snprintf(err, errlen, "%s", cg_err_str(rc));
        cg_server_destroy(s);
        return rc;
    }
    cg_metrics_set_build_info(s->metrics, CG_VERSION, CG_COMMIT,
                              cg_reactor_backend_name(s->backend));
    *out = s;
    return 0;
}

cg_server_state cg_server_get_state(const cg_server *s)
{
    return (cg_server_state)atomic_load(&((cg_server *)s)->state);
}

const cg_config *cg_server_config(const cg_server *s)
{
    return &s->cfg;
}

double cg_server_uptime_s(const cg_server *s)
{
    return (double)(cg_time_mono_ns() - s->start_ns) / 1e9;
}

void cg_server_destroy(cg_server *s)
{
    if (!s) return;
    cg_index_metrics_install(NULL);
    pthread_mutex_lock(&s->jobs_mu);
    for (int i = 0; i < s->n_jobs; i++) cg_index_cancel(s->jobs[i]);
    pthread_mutex_unlock(&s->jobs_mu);
    /* The pool first: its last completions are posted to the (stopped) reactors, whose
     * destroy runs what is left in their mailboxes. */
    if (s->pool) cg_pool_destroy(s->pool);
    s->pool = NULL;
    for (int i = 0; s->rctx && i < s->n_reactors; i++) {
        if (s->rctx[i].reactor) cg_reactor_destroy(s->rctx[i].reactor);
        cg_buf_release(&s->rctx[i].scratch);
        pthread_mutex_destroy(&s->rctx[i].inflight_mu);
        cg_buf_release(&s->rctx[i].body);
    }
    free(s->rctx);
    if (s->pool) cg_pool_destroy(s->pool);
    for (int i = 0; i < s->n_jobs; i++) cg_index_job_free(s->jobs[i]);
    /* OPS: waits for a running backup, so before the stores close */
    cg_admin_destroy(s->admin);
    /* TXT: after the pool (rebuild scans use it), before the index */
    cg_search_destroy(s->search);
    cg_vindex_close(s->vindex); /* after the pool: its jobs may use the index */
    if (s->graph) cg_graph_close(s->graph);
    if (s->store) cg_store_close(s->store);
    if (s->metrics) cg_metrics_destroy(s->metrics);
    cg_sec_destroy(s->sec);
    free((void *)s->routes);
    free(s->config_path);
    cg_config_release(&s->cfg);
    free(s);
}
