/*
 * mcp_cmd.c — `codegraph mcp --stdio [-c PATH] [--set K=V]`: MCP over stdio for clients
 * that spawn a process (newline-delimited JSON-RPC messages on stdin, answers on stdout,
 * logs on stderr only), over the same core as POST /mcp (src/mcp).
 *
 * It opens the store at [database] path itself, like `codegraph index` (RocksDB allows one
 * process: use POST /mcp while a server holds the store), with a thread pool so
 * index_repository runs jobs in this process. A line longer than [mcp] max_request_size is
 * skipped and answered with a parse error; on end of input running index jobs are cancelled
 * (they stop after the files in progress, unpublished) and the process exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/graph.h"
#include "codegraph/index.h"
#include "codegraph/log.h"
#include "codegraph/mcp.h"
#include "codegraph/pool.h"
#include "codegraph/search.h"
#include "codegraph/store.h"
#include "codegraph/vindex.h"

#define STDIO_SETS_MAX 32
#define STDIO_JOBS_MAX 16 /* index jobs one stdio session runs at once */
#define STDIO_READ_CHUNK 65536

static const char usage[] = "usage: codegraph mcp --stdio [-c PATH] [--set SECTION.KEY=VALUE]\n";

typedef struct stdio_env {
    cg_config cfg;
    cg_store *store;
    cg_graph *graph;
    cg_pool *pool;
    cg_vindex *vindex; /* NULL when [vector] enabled = false */
    cg_search *search;
    cg_index_job *jobs[STDIO_JOBS_MAX];
    int n_jobs;
    int loaded; /* cfg holds a loaded config (released on close) */
} stdio_env;

static int args_parse(int argc, char **argv, const char **config, const char *(*sets)[2],
                      int *n_sets)
{
    static const struct option longs[] = {{"stdio", no_argument, 0, 'S'},
                                          {"config", required_argument, 0, 'c'},
                                          {"set", required_argument, 0, 's'},
                                          {0, 0, 0, 0}};
    int ch, stdio = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:", longs, NULL)) != -1) {
        char *eq;
        switch (ch) {
        case 'S': stdio = 1; break;
        case 'c': *config = optarg; break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || *n_sets == STDIO_SETS_MAX) return -1;
            *eq = 0;
            sets[*n_sets][0] = optarg;
            sets[(*n_sets)++][1] = eq + 1;
            break;
        default: return -1;
        }
    }
    return stdio && optind == argc ? 0 : -1;
}

static int env_open(stdio_env *e, const char *config, const char *(*sets)[2], int n_sets)
{
    char err[512] = "";
    const char *path = config ? config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])sets, n_sets, &e->cfg) != 0)
        return CG_EXIT_CONFIG;
    e->loaded = 1;
    int lvl = cg_log_level_parse(e->cfg.logging.level);
    int fmt = cg_log_format_parse(e->cfg.logging.format);
    /* stdout carries only MCP messages: logs go to stderr whatever [logging] output says */
    cg_log_configure(lvl < 0 ? CG_LOG_INFO : (cg_log_level)lvl,
                     fmt < 0 ? CG_LOG_JSON : (cg_log_format)fmt, 2);
    int rc = cg_store_open(&e->store, &e->cfg.database, err, sizeof err);
    if (rc == 0) rc = cg_graph_open(&e->graph, e->store, err, sizeof err);
    if (rc == 0) rc = cg_vindex_open_config(&e->vindex, &e->cfg, NULL, err, sizeof err);
    if (rc == 0)
        rc = cg_pool_create(&e->pool, e->cfg.performance.pool_threads,
                            e->cfg.performance.pool_queue_max);
    /* the same search service as the server: lexical, semantic, similar (search.h) */
    if (rc == 0)
        rc = cg_search_create(&e->search, e->graph, &e->cfg.vector, e->vindex, err, sizeof err);
    if (rc == 0) {
        cg_search_install(e->search);
        cg_search_attach_pool(e->search, e->pool);
    }
    if (rc != 0) {
        fprintf(stderr, "codegraph mcp: %s\n", err[0] ? err : cg_err_str(rc));
        return CG_EXIT_RUNTIME;
    }
    return 0;
}

static void env_close(stdio_env *e)
{
    for (int i = 0; i < e->n_jobs; i++) cg_index_cancel(e->jobs[i]);
    for (int i = 0; i < e->n_jobs; i++) cg_index_wait(e->jobs[i], -1);
    if (e->pool) cg_pool_destroy(e->pool);
    for (int i = 0; i < e->n_jobs; i++) cg_index_job_free(e->jobs[i]);
    cg_search_destroy(e->search); /* after the pool (rebuild scans), before the index */
    cg_vindex_close(e->vindex);
    if (e->graph) cg_graph_close(e->graph);
    if (e->store) cg_store_close(e->store);
    if (e->loaded) cg_config_release(&e->cfg);
}

/* Free finished jobs so the table does not fill up. */
static void jobs_reap(stdio_env *e)
{
    for (int i = 0; i < e->n_jobs;) {
        cg_index_progress p;
        cg_index_progress_get(e->jobs[i], &p);
        if (p.state >= CG_JOB_DONE && cg_index_wait(e->jobs[i], 0)) {
            cg_index_job_free(e->jobs[i]);
            e->jobs[i] = e->jobs[--e->n_jobs];
        } else {
            i++;
        }
    }
}

static int running_job(stdio_env *e, uint32_t project, uint64_t *id)
{
    for (int i = 0; i < e->n_jobs; i++) {
        cg_index_progress p;
        cg_index_progress_get(e->jobs[i], &p);
        if (p.project == project && p.state < CG_JOB_DONE) {
            *id = p.job_id;
            return 1;
        }
    }
    return 0;
}

static int host_index_start(void *ud, const char *real, const char *name, uint32_t *pid,
                            uint64_t *job_id, char *msg, size_t cap)
{
    stdio_env *e = ud;
    cg_graph_project pr;
    cg_index_job *j;
    jobs_reap(e);
    int made = 0, rc = cg_graph_project_find(e->graph, name, &pr);
    if (rc == 0 && strcmp(pr.root, real) != 0) {
        snprintf(msg, cap,
                 "A project of that name already indexes another directory; pass "
                 "another \"name\".");
        return CG_ECONFLICT;
    }
    if (rc == 0)
        *pid = pr.id;
    else if ((rc = cg_graph_project_create(e->graph, name, real, pid)) == 0)
        made = 1;
    if (rc == 0 && running_job(e, *pid, job_id)) {
        snprintf(msg, cap,
                 "Index job %llu is still running for this project; poll index_status "
                 "with that job_id.",
                 (unsigned long long)*job_id);
        return CG_ECONFLICT;
    }
    if (rc == 0 && e->n_jobs == STDIO_JOBS_MAX) rc = CG_EOVERLOAD;
    if (rc == 0)
        rc = cg_index_start(e->graph, e->pool, &e->cfg.parsing, *pid, made ? "index" : "reindex",
                            NULL, NULL, &j, job_id);
    if (rc == 0) {
        e->jobs[e->n_jobs++] = j;
        return 0;
    }
    if (made) cg_graph_project_delete(e->graph, *pid);
    snprintf(msg, cap, "Starting the index job failed (%s); retry.", cg_err_str(rc));
    return rc;
}

static int host_job_progress(void *ud, uint64_t id, cg_index_progress *out)
{
    stdio_env *e = ud;
    for (int i = 0; i < e->n_jobs; i++) {
        cg_index_progress_get(e->jobs[i], out);
        if (out->job_id == id) return 0;
    }
    return CG_ENOTFOUND;
}

/* Answer one line. */
static void line_handle(const cg_mcp_host *h, const char *line, size_t n, cg_buf *out)
{
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    if (n == 0) return;
    uint64_t deadline = cg_time_mono_ns() + (uint64_t)h->cfg->mcp.request_timeout_ms * 1000000u;
    cg_buf_reset(out);
    if (cg_mcp_handle(h, line, n, deadline, out) == CG_MCP_ACCEPTED) return;
    cg_buf_putc(out, '\n');
    if (cg_buf_ok(out)) fwrite(out->data, 1, out->len, stdout);
    fflush(stdout);
}

/* Read stdin to its end, splitting lines; an over-long line is skipped with an error. */
static int serve(const cg_mcp_host *h, size_t line_max)
{
    cg_buf in, out;
    int skipping = 0;
    cg_buf_init(&in);
    cg_buf_init(&out);
    for (;;) {
        if (cg_buf_reserve(&in, STDIO_READ_CHUNK) != 0) break;
        ssize_t r = read(0, in.data + in.len, STDIO_READ_CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        in.len += (size_t)r;
        char *nl;
        while ((nl = memchr(in.data, '\n', in.len)) != NULL) {
            size_t n = (size_t)(nl - in.data);
            if (!skipping) line_handle(h, in.data, n, &out);
            skipping = 0;
            cg_buf_consume(&in, n + 1);
        }
        if (in.len > line_max) {
            if (!skipping) {
                cg_buf_reset(&out);
                cg_mcp_error_write(&out, -32700, "message longer than [mcp] max_request_size");
                cg_buf_putc(&out, '\n');
                fwrite(out.data, 1, out.len, stdout);
                fflush(stdout);
            }
            skipping = 1;
            cg_buf_reset(&in);
        }
    }
    if (!skipping && in.len) line_handle(h, in.data, in.len, &out);
    cg_buf_release(&in);
    cg_buf_release(&out);
    return 0;
}

int cg_cli_mcp(int argc, char **argv)
{
    const char *config = NULL, *sets[STDIO_SETS_MAX][2];
    int n_sets = 0;
    stdio_env e;
    memset(&e, 0, sizeof e);
    if (args_parse(argc, argv, &config, sets, &n_sets) != 0) {
        fputs(usage, stderr);
        return CG_EXIT_USAGE;
    }
    int rc = env_open(&e, config, sets, n_sets);
    if (rc == 0) {
        cg_mcp_host h = {.graph = e.graph,
                         .cfg = &e.cfg,
                         .transport = "stdio",
                         .index_start = host_index_start,
                         .job_progress = host_job_progress,
                         .ud = &e,
                         .response_bytes_max = (size_t)e.cfg.mcp.max_response_size_bytes,
                         .search = e.search};
        cg_log_info("mcp", "serving MCP on stdio");
        serve(&h, e.cfg.mcp.max_request_size_bytes);
    }
    env_close(&e);
    return rc;
}
