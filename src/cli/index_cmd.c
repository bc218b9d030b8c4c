/*
 * index_cmd.c — `codegraph index`, `codegraph projects`, `codegraph stats`: the graph
 * from the shell, on the store at [database] path (the server must not hold it: RocksDB
 * allows one process; use the REST API while a server runs).
 *
 * `index` shows a progress bar with files/s and ETA on a TTY, a plain line per second
 * otherwise, and NDJSON events with --json ({"event":"progress"|"done", …}).
 */
#include <getopt.h>
#include <libgen.h>
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
#include "codegraph/pool.h"
#include "codegraph/store.h"
#include "codegraph/walk.h"

#define INDEX_PROGRESS_TTY_MS 200    /* redraw interval of the progress bar */
#define INDEX_PROGRESS_PLAIN_MS 1000 /* interval of plain / NDJSON progress lines */
#define INDEX_BAR_WIDTH 30
#define CMD_SETS_MAX 32

typedef struct cmd_opts {
    const char *config, *project, *path;
    int json;
    const char *sets[CMD_SETS_MAX][2];
    int n_sets;
} cmd_opts;

/* An open store + graph (+ pool for indexing) built from the config. */
typedef struct cmd_env {
    cg_config cfg;
    cg_store *store;
    cg_graph *graph;
    cg_pool *pool;
} cmd_env;

static int parse_cmd(int argc, char **argv, cmd_opts *o, const char *usage)
{
    static const struct option longs[] = {
        {"config", required_argument, 0, 'c'}, {"project", required_argument, 0, 'p'},
        {"json", no_argument, 0, 'j'},         {"set", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:p:jh", longs, NULL)) != -1) {
        char *eq;
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'p': o->project = optarg; break;
        case 'j': o->json = 1; break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || o->n_sets == CMD_SETS_MAX) goto usage;
            *eq = 0;
            o->sets[o->n_sets][0] = optarg;
            o->sets[o->n_sets++][1] = eq + 1;
            break;
        default: goto usage;
        }
    }
    if (optind < argc) o->path = argv[optind++];
    if (optind == argc) return 0;
usage:
    fputs(usage, stderr);
    return -1;
}

static int env_open(cmd_env *e, const cmd_opts *o, int with_pool)
{
    memset(e, 0, sizeof *e);
    const char *path = o->config ? o->config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])o->sets, o->n_sets, &e->cfg) != 0)
        return CG_EXIT_CONFIG;
    /* Logs go to stderr so stdout stays the command's own output. */
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2);
    char err[512] = "";
    int rc = cg_store_open(&e->store, &e->cfg.database, err, sizeof err);
    if (rc == 0) rc = cg_graph_open(&e->graph, e->store, err, sizeof err);
    if (rc == 0 && with_pool)
        rc = cg_pool_create(&e->pool, e->cfg.performance.pool_threads,
                            e->cfg.performance.pool_queue_max);
    if (rc != 0) {
        fprintf(stderr, "codegraph: %s\n", err[0] ? err : cg_err_str(rc));
        return CG_EXIT_RUNTIME;
    }
    return 0;
}

static void env_close(cmd_env *e)
{
    if (e->pool) cg_pool_destroy(e->pool);
    if (e->graph) cg_graph_close(e->graph);
    if (e->store) cg_store_close(e->store);
    cg_config_release(&e->cfg);
}

/* Find the project by name, or create it at `root`. */
static int project_ensure(cmd_env *e, const char *name, const char *root, uint32_t *id)
{
    cg_graph_project p;
    int rc = cg_graph_project_find(e->graph, name, &p);
    if (rc == 0) {
        if (strcmp(p.root, root) != 0) {
            fprintf(stderr,
                    "codegraph: project '%s' already exists for %s (not %s); "
                    "use --project to pick another name\n",
                    name, p.root, root);
            return CG_EINVAL;
        }
        *id = p.id;
        return 0;
    }
    if (rc != CG_ENOTFOUND) return rc;
    return cg_graph_project_create(e->graph, name, root, id);
}

static void progress_print(const cg_index_progress *p, int json, int tty, int final)
{
    double rate = p->elapsed_s > 0 ? (double)p->files_done / p->elapsed_s : 0;
    if (json) {
        printf("{\"event\":\"%s\",\"job_id\":%llu,\"files_total\":%llu,\"files_done\":%llu,"
               "\"files_indexed\":%llu,\"files_unchanged\":%llu,\"files_skipped\":%llu,"
               "\"files_failed\":%llu,\"files_deleted\":%llu,\"entities\":%llu,"
               "\"bytes\":%llu,\"elapsed_s\":%.3f,\"files_per_s\":%.1f,\"walking\":%s}\n",
               final ? "done" : "progress", (unsigned long long)p->job_id,
               (unsigned long long)p->files_total, (unsigned long long)p->files_done,
               (unsigned long long)p->files_indexed, (unsigned long long)p->files_unchanged,
               (unsigned long long)p->files_skipped, (unsigned long long)p->files_failed,
               (unsigned long long)p->files_deleted, (unsigned long long)p->entities,
               (unsigned long long)p->bytes, p->elapsed_s, rate, p->walking ? "true" : "false");
    } else if (tty && !final) {
        double frac = p->files_total ? (double)p->files_done / (double)p->files_total : 0;
        int fill = (int)(frac * INDEX_BAR_WIDTH);
        double eta = rate > 0 ? (double)(p->files_total - p->files_done) / rate : 0;
        char tail[32] = "scanning…";
        if (!p->walking) snprintf(tail, sizeof tail, "ETA %.0fs", eta);
        printf("\r[%.*s%*s] %llu/%llu%s files  %.0f files/s  %s ", fill,
               "==============================", INDEX_BAR_WIDTH - fill, "",
               (unsigned long long)p->files_done, (unsigned long long)p->files_total,
               p->walking ? "+" : "", rate, tail);
    } else if (!final) {
        printf("index: %llu/%llu%s files, %llu entities, %.0f files/s\n",
               (unsigned long long)p->files_done, (unsigned long long)p->files_total,
               p->walking ? "+ (still scanning)" : "", (unsigned long long)p->entities, rate);
    }
    fflush(stdout);
}

static int index_report(cg_index_job *job, int json, int tty)
{
    cg_index_progress p;
    cg_index_progress_get(job, &p);
    progress_print(&p, json, tty, 1);
    const cg_graph_job *rec = cg_index_job_record(job);
    for (int i = 0; i < rec->n_msgs; i++) fprintf(stderr, "warning: %s\n", rec->errors[i]);
    if (rec->n_errors > (uint32_t)rec->n_msgs)
        fprintf(stderr, "warning: … and %u more\n", rec->n_errors - (uint32_t)rec->n_msgs);
    if (!json)
        printf("%sindexed %llu files (%llu unchanged, %llu skipped, %llu failed, %llu removed), "
               "%llu entities, %.1f MB in %.2fs; generation %llu\n",
               tty ? "\n" : "", (unsigned long long)p.files_indexed,
               (unsigned long long)p.files_unchanged, (unsigned long long)p.files_skipped,
               (unsigned long long)p.files_failed, (unsigned long long)p.files_deleted,
               (unsigned long long)p.entities, (double)p.bytes / 1e6, p.elapsed_s,
               (unsigned long long)p.generation);
    return p.state == CG_JOB_DONE ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}

static int index_run(cmd_env *e, const cmd_opts *o)
{
    char real[CG_GRAPH_PATH_MAX + 1], err[512] = "";
    if (cg_walk_root_check(&e->cfg.parsing, o->path, real, sizeof real, err, sizeof err) != 0) {
        fprintf(stderr, "codegraph: %s\n", err);
        return CG_EXIT_USAGE;
    }
    char base[CG_GRAPH_PATH_MAX + 1];
    snprintf(base, sizeof base, "%s", real);
    const char *name = o->project ? o->project : basename(base);
    uint32_t id;
    int rc = project_ensure(e, name, real, &id);
    cg_index_job *job = NULL;
    cg_index_memory_budget_set((uint64_t)((double)e->cfg.performance.max_memory_usage_bytes *
                                          e->cfg.performance.memory_pressure_threshold));
    uint64_t job_id = 0;
    if (rc == 0)
        rc = cg_index_start(e->graph, e->pool, &e->cfg.parsing, id, "index", NULL, NULL, &job,
                            &job_id);
    if (rc != 0) {
        fprintf(stderr, "codegraph: cannot index %s: %s\n", real, cg_err_str(rc));
        return CG_EXIT_RUNTIME;
    }
    int tty = isatty(1) && !o->json;
    int step = tty ? INDEX_PROGRESS_TTY_MS : INDEX_PROGRESS_PLAIN_MS;
    while (!cg_index_wait(job, step)) {
        cg_index_progress p;
        cg_index_progress_get(job, &p);
        progress_print(&p, o->json, tty, 0);
    }
    rc = index_report(job, o->json, tty);
    cg_index_job_free(job);
    /* Flush the memtables now (in RocksDB's background threads, while we wait) rather than
     * leaving the next process to replay the whole WAL single-threaded at open. */
    char ferr[256] = "";
    if (cg_store_flush(e->store, ferr, sizeof ferr) != 0)
        fprintf(stderr, "warning: flush failed: %s (the WAL still has every write)\n", ferr);
    return rc;
}

int cg_cli_index(int argc, char **argv)
{
    cmd_opts o;
    if (parse_cmd(argc, argv, &o,
                  "usage: codegraph index PATH [--project NAME] [--json] "
                  "[-c CONFIG] [--set KEY=VALUE]\n") != 0 ||
        !o.path)
        return CG_EXIT_USAGE;
    cmd_env e;
    int rc = env_open(&e, &o, 1);
    if (rc == 0) rc = index_run(&e, &o);
    env_close(&e);
    return rc;
}

static void print_json_str(const char *s)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_put_json_str(&b, s, strlen(s));
    fputs(b.data ? b.data : "\"\"", stdout);
    cg_buf_release(&b);
}

/* One project line (or JSON object) with its published stats. */
static void project_print(cmd_env *e, const cg_graph_project *p, int json, int first)
{
    cg_graph_stats st;
    memset(&st, 0, sizeof st);
    cg_graph_view *v = NULL;
    if (cg_graph_view_open(e->graph, p->id, &v) == 0) {
        cg_graph_stats_get(v, &st);
        cg_graph_view_close(v);
    }
    uint64_t edges = 0;
    for (int k = 0; k < CG_EDGE_COUNT; k++) edges += st.edges[k];
    if (!json) {
        printf("%-4u %-24s gen %-4llu %6llu files %8llu entities %8llu edges  %s\n", p->id, p->name,
               (unsigned long long)p->generation, (unsigned long long)st.files,
               (unsigned long long)st.entities, (unsigned long long)edges, p->root);
        return;
    }
    printf("%s{\"id\":%u,\"name\":", first ? "" : ",", p->id);
    print_json_str(p->name);
    printf(",\"root\":");
    print_json_str(p->root);
    printf(",\"generation\":%llu,\"indexed_at\":%lld,\"files\":%llu,\"entities\":%llu,"
           "\"edges\":%llu,\"unresolved\":%llu}",
           (unsigned long long)p->generation, (long long)p->indexed_s, (unsigned long long)st.files,
           (unsigned long long)st.entities, (unsigned long long)edges,
           (unsigned long long)st.unresolved);
}

#define CMD_PROJECTS_MAX 4096 /* projects listed by the CLI */

static int projects_run(cmd_env *e, const cmd_opts *o, int nested)
{
    cg_graph_project *ps = calloc(CMD_PROJECTS_MAX, sizeof *ps);
    if (!ps) return CG_EXIT_RUNTIME;
    int n = cg_graph_project_list(e->graph, ps, CMD_PROJECTS_MAX);
    if (n < 0) {
        fprintf(stderr, "codegraph: %s\n", cg_err_str(n));
        free(ps);
        return CG_EXIT_RUNTIME;
    }
    int shown = CG_MIN(n, CMD_PROJECTS_MAX), matched = 0;
    if (o->json)
        printf("{\"projects\":[");
    else if (n == 0)
        printf("no projects yet: codegraph index PATH\n");
    for (int i = 0; i < shown; i++) {
        if (o->project && strcmp(o->project, ps[i].name) != 0) continue;
        project_print(e, &ps[i], o->json, matched++ == 0);
    }
    if (o->json)
        printf("],\"total\":%d,\"truncated\":%s}%s", n, n > shown ? "true" : "false",
               nested ? "" : "\n");
    free(ps);
    return CG_EXIT_OK;
}

int cg_cli_projects(int argc, char **argv)
{
    cmd_opts o;
    if (parse_cmd(argc, argv, &o, "usage: codegraph projects [--json] [-c CONFIG]\n") != 0 ||
        o.path)
        return CG_EXIT_USAGE;
    cmd_env e;
    int rc = env_open(&e, &o, 0);
    if (rc == 0) rc = projects_run(&e, &o, 0);
    env_close(&e);
    return rc;
}

int cg_cli_stats(int argc, char **argv)
{
    cmd_opts o;
    if (parse_cmd(argc, argv, &o,
                  "usage: codegraph stats [--project NAME] [--json] "
                  "[-c CONFIG]\n") != 0 ||
        o.path)
        return CG_EXIT_USAGE;
    cmd_env e;
    int rc = env_open(&e, &o, 0);
    if (rc == 0) {
        uint64_t size = cg_store_size_bytes(e.store);
        if (o.json) {
            printf("{\"database\":{\"path\":");
            print_json_str(e.cfg.database.path);
            printf(",\"size_bytes\":%llu},\"projects\":", (unsigned long long)size);
        } else
            printf("database %s: %llu bytes\n", e.cfg.database.path, (unsigned long long)size);
        rc = projects_run(&e, &o, 1);
        if (o.json) printf("}\n");
    }
    env_close(&e);
    return rc;
}
