/*
 * ts_parse.c — the raw tree-sitter peer of bench/index: parse a list of files with the
 * grammars compiled into CodeGraph (language by cg_lang_detect, ts_parser_parse_string),
 * no extraction, no storage. It is what indexing would cost if parsing were all it did.
 * With --query it also runs the language's extraction query (src/lang/<name>.scm, the one
 * the indexer runs, with the indexer's match limit) over each tree and walks every match,
 * but builds nothing from them: the floor of any extractor built on our queries.
 *
 *   ts_parse [-t THREADS] [--json] [--query] < paths   parse every path (one per line)
 *   ts_parse --filter < paths                          print the paths cg_lang_detect accepts
 *
 * Threads take the next file from one atomic cursor (as the index pipeline does), each
 * with its own parser. Reported: files parsed, bytes, files skipped (no language,
 * unreadable, over CG_TSP_FILE_MAX), trees with errors, wall seconds (from the first read to
 * the last tree freed, reading included), MB/s (1e6 bytes) and CPU seconds (getrusage,
 * user + system, whole process). A query is compiled on its language's first file (once per
 * process, as the indexer does) and its compile time is counted; TSQuery is immutable, so
 * every thread shares it, each with its own cursor.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/lang.h"
#include "tree_sitter/api.h"

#define CG_TSP_THREADS_MAX 64       /* -t is clamped to this */
#define CG_TSP_HEAD 256             /* bytes read for shebang detection in --filter */
#define CG_TSP_FILE_MAX (64u << 20) /* larger files are skipped, not parsed */
#define CG_TSP_PATHS_INIT 4096      /* first capacity of the path list (it grows) */
#define CG_TSP_LANGS_MAX 32         /* registered grammars (cg_lang_all) that --query can hold */
/* In-progress matches of a query cursor: CG_EXTRACT_MATCH_LIMIT of src/index/extract.c. */
#define CG_TSP_MATCH_LIMIT 4096

typedef struct tsp_paths {
    char **v;
    size_t n, cap;
} tsp_paths;

/* Shared by the workers: the list, the cursor, the totals and (--query) the queries. */
typedef struct tsp_run {
    const tsp_paths *paths;
    _Atomic size_t next;
    _Atomic unsigned long long files, bytes, skipped, errors, matches;
    int query;
    pthread_mutex_t qmu; /* compiles into queries[] */
    TSQuery *queries[CG_TSP_LANGS_MAX];
    int failed[CG_TSP_LANGS_MAX]; /* the query of that grammar does not compile */
} tsp_run;

/* A worker's parser and, with --query, its query cursor. */
typedef struct tsp_worker {
    tsp_run *run;
    TSParser *parser;
    TSQueryCursor *cursor;
    char *buf;
    size_t cap;
} tsp_worker;

static int paths_read(FILE *in, tsp_paths *p)
{
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    memset(p, 0, sizeof *p);
    while ((n = getline(&line, &lcap, in)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : CG_TSP_PATHS_INIT;
            char **v = realloc(p->v, cap * sizeof *v);
            if (!v) goto fail;
            p->v = v;
            p->cap = cap;
        }
        if (!(p->v[p->n] = strdup(line))) goto fail;
        p->n++;
    }
    free(line);
    return 0;
fail:
    free(line);
    return -ENOMEM;
}

static void paths_release(tsp_paths *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->v[i]);
    free(p->v);
}

/* Read a whole regular file into *buf (grown as needed). Its length, or -1. */
static ssize_t file_read(const char *path, char **buf, size_t *cap)
{
    struct stat st;
    ssize_t got = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > CG_TSP_FILE_MAX)
        goto out;
    size_t want = (size_t)st.st_size + 1;
    if (want > *cap) {
        char *nb = realloc(*buf, want);
        if (!nb) goto out;
        *buf = nb;
        *cap = want;
    }
    size_t off = 0;
    while (off < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + off, (size_t)st.st_size - off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        off += (size_t)r;
    }
    got = (ssize_t)off;
out:
    close(fd);
    return got;
}

/* The compiled extraction query of `l` (compiled on first use), or NULL if it fails. */
static TSQuery *query_of(tsp_run *r, const cg_lang *l)
{
    int n, ix = -1;
    const cg_lang *all = cg_lang_all(&n);
    for (int i = 0; i < n && i < CG_TSP_LANGS_MAX; i++)
        if (&all[i] == l) ix = i;
    if (ix < 0) return NULL;
    pthread_mutex_lock(&r->qmu);
    if (!r->queries[ix] && !r->failed[ix]) {
        uint32_t off = 0;
        TSQueryError qe = TSQueryErrorNone;
        r->queries[ix] = ts_query_new(l->ts(), l->query, (uint32_t)l->query_len, &off, &qe);
        if (!r->queries[ix]) {
            r->failed[ix] = 1;
            fprintf(stderr, "ts_parse: the %s query does not compile (offset %u)\n", l->grammar,
                    off);
        }
    }
    TSQuery *q = r->queries[ix];
    pthread_mutex_unlock(&r->qmu);
    return q;
}

/* --query: run q over the tree and walk every match (as the indexer's collect() does). */
static unsigned long long query_run(tsp_worker *w, TSQuery *q, TSNode root)
{
    TSQueryMatch m;
    unsigned long long matches = 0;
    ts_query_cursor_set_match_limit(w->cursor, CG_TSP_MATCH_LIMIT);
    ts_query_cursor_exec(w->cursor, q, root);
    while (ts_query_cursor_next_match(w->cursor, &m)) matches += m.capture_count ? 1 : 0;
    return matches;
}

/* Parse one file (and --query it); 1 parsed, 0 skipped. Counts an error tree in *err. */
static int parse_one(tsp_worker *w, const char *path, size_t *len, int *err)
{
    ssize_t n = file_read(path, &w->buf, &w->cap);
    if (n < 0) return 0;
    const cg_lang *l = cg_lang_detect(path, w->buf, (size_t)n);
    if (!l || !ts_parser_set_language(w->parser, l->ts())) return 0;
    TSQuery *q = w->run->query ? query_of(w->run, l) : NULL;
    if (w->run->query && (!q || !w->cursor)) return 0;
    TSTree *t = ts_parser_parse_string(w->parser, NULL, w->buf, (uint32_t)n);
    if (!t) {
        ts_parser_reset(w->parser);
        return 0;
    }
    TSNode root = ts_tree_root_node(t);
    *err = ts_node_has_error(root);
    if (q) atomic_fetch_add(&w->run->matches, query_run(w, q, root));
    ts_tree_delete(t);
    *len = (size_t)n;
    return 1;
}

static void *worker(void *arg)
{
    tsp_run *r = arg;
    tsp_worker w = {.run = r, .parser = ts_parser_new()};
    if (r->query) w.cursor = ts_query_cursor_new();
    unsigned long long files = 0, bytes = 0, skipped = 0, errors = 0;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->paths->n) break;
        size_t len = 0;
        int err = 0;
        if (w.parser && parse_one(&w, r->paths->v[i], &len, &err)) {
            files++;
            bytes += len;
            errors += (unsigned long long)err;
        } else {
            skipped++;
        }
    }
    atomic_fetch_add(&r->files, files);
    atomic_fetch_add(&r->bytes, bytes);
    atomic_fetch_add(&r->skipped, skipped);
    atomic_fetch_add(&r->errors, errors);
    free(w.buf);
    if (w.cursor) ts_query_cursor_delete(w.cursor);
    if (w.parser) ts_parser_delete(w.parser);
    return NULL;
}

/* --filter: print the paths a language is detected for (extension, then shebang). */
static int filter(const tsp_paths *ps)
{
    char head[CG_TSP_HEAD];
    for (size_t i = 0; i < ps->n; i++) {
        ssize_t n = 0;
        int fd = open(ps->v[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        n = read(fd, head, sizeof head);
        close(fd);
        if (n >= 0 && cg_lang_detect(ps->v[i], head, (size_t)n)) puts(ps->v[i]);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report(const tsp_run *r, int threads, double wall, double cpu, int json)
{
    double mb = (double)r->bytes / 1e6;
    double mbs = wall > 0 ? mb / wall : 0;
    const char *fmt = json ? "{\"threads\":%d,\"files\":%llu,\"bytes\":%llu,\"skipped\":%llu,"
                             "\"error_trees\":%llu,\"wall_s\":%.3f,\"mb_per_s\":%.3f,"
                             "\"cpu_s\":%.3f,\"query\":%d,\"matches\":%llu}\n"
                           : "threads %d: %llu files, %llu bytes (%llu skipped, %llu trees with "
                             "errors) in %.3f s wall = %.3f MB/s, %.3f s CPU; query %d: %llu "
                             "matches\n";
    printf(fmt, threads, (unsigned long long)r->files, (unsigned long long)r->bytes,
           (unsigned long long)r->skipped, (unsigned long long)r->errors, wall, mbs, cpu, r->query,
           (unsigned long long)r->matches);
}

/* Parse (and --query) every path on `threads` threads and print the totals. */
static int run(const tsp_paths *ps, int threads, int json, int query)
{
    pthread_t tids[CG_TSP_THREADS_MAX];
    tsp_run r = {.paths = ps, .query = query};
    int started = 0;
    pthread_mutex_init(&r.qmu, NULL);
    double c0 = cpu_s(), t0 = now_s();
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker, &r) != 0) break;
    if (started == 0) worker(&r);
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    report(&r, started ? started : 1, wall, cpu, json);
    for (int i = 0; i < CG_TSP_LANGS_MAX; i++)
        if (r.queries[i]) ts_query_delete(r.queries[i]);
    pthread_mutex_destroy(&r.qmu);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = 1, json = 0, only_filter = 0, query = 0, rc = 2;
    tsp_paths ps;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--filter") == 0)
            only_filter = 1;
        else if (strcmp(argv[i], "--query") == 0)
            query = 1;
        else
            goto usage;
    }
    if (threads < 1) threads = 1;
    if (threads > CG_TSP_THREADS_MAX) threads = CG_TSP_THREADS_MAX;
    if (paths_read(stdin, &ps) != 0) {
        fputs("ts_parse: out of memory reading the path list\n", stderr);
        return 1;
    }
    rc = only_filter ? filter(&ps) : run(&ps, threads, json, query);
    paths_release(&ps);
    return rc;
usage:
    fputs("usage: ts_parse [-t THREADS] [--json] [--query] < paths\n"
          "       ts_parse --filter < paths\n",
          stderr);
    return rc;
}
