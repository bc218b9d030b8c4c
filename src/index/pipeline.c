/*
 * pipeline.c — an indexing job from walk to publish (see index.h).
 *
 * DESIGN — phases, each on the pool:
 *   driver:  submit one worker per other pool thread (or run them inline if the pool
 *            refuses: the job still finishes), then walk the tree (ignore rules, limits,
 *            symlink policy) and append each file to consider to `files` as it is found,
 *            then work as one more worker. The workers start while the walk goes on.
 *   workers: take the next file from an atomic cursor, waiting (on `more`) while the walk
 *            has not reached it yet; read it beneath the root; skip it when its XXH3 hash
 *            equals the stored one; else parse + extract (time-boxed), prepare its put (one
 *            WriteBatch, cg_graph_put_prepare) and hand the batch to the job's writer queue
 *            (writeq.h: whichever worker finds no writer writes every queued batch, so
 *            workers never wait on each other's writes). A worker cycles through
 *            INDEX_SLOTS file slots: a file's text and extraction stay intact until its
 *            batch is written; when the worker comes back to the slot it commits the
 *            file's lexical hook state (one hook slot per file slot) and counts it. A file
 *            that fails is counted and reported in the job's errors; it never stops the
 *            job. A worker settles all its slots before it stops, so when the last one
 *            stops every batch of the phase is written.
 *   finish:  run by the last worker out: sort `files`, delete files that vanished (or are
 *            now ignored or refused), list the files to (re)resolve, and ask RocksDB to
 *            start flushing every large memtable in the background: the file phase wrote
 *            most of the job's data, and its flush then overlaps the resolve phase instead
 *            of following the job (on a 141 MB tree that was 1.7 s with the cores idle);
 *   resolve: one resolver per pool thread takes files from a second cursor and queues
 *            each file's batch on the same writer queue (INDEX_SLOTS in flight); the last
 *            one out publishes the generation and stores the final job record.
 *   release: the last pool task to complete wakes waiters and calls `done`.
 * Counters are atomics; the job record (with its error messages), `files` and `n_files`
 * while the walk runs, and `walked` are under `mu`.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegraph/base.h"
#include "codegraph/extract.h"
#include "codegraph/index.h"
#include "codegraph/lang.h"
#include "codegraph/log.h"
#include "codegraph/metrics.h"
#include "codegraph/store.h"
#include "codegraph/walk.h"
#include "index/writeq.h"
#include "search/hook.h" /* TXT: entity bodies for the lexical index; publish → IDF */

#define INDEX_WORKERS_MAX 64    /* worker jobs per index job */
#define INDEX_BUDGET_WAIT_MS 20 /* re-check interval of a worker held back by the budget */
#define INDEX_RSS_FRESH_MS 10   /* an RSS reading is reused this long by every worker */
/* A family whose memtables hold this much when the index phase ends is flushed in the
 * background during the resolve phase (see DESIGN). */
#define INDEX_FLUSH_MIN_BYTES (16u << 20)
/* File slots per worker (see DESIGN); each holds its own lexical hook state. A worker waits
 * for a slot only when the writer has not written the batch it held INDEX_SLOTS files ago.
 * Measured, 2 threads on 141 MB: 2 slots waited 1.8 s in all, 3 slots 1.0 s, 4 slots 0.6 s. */
#define INDEX_SLOTS 4
_Static_assert(INDEX_SLOTS <= CG_SEARCH_HOOK_SLOTS, "a hook slot per file slot");
_Static_assert(CG_WRITEQ_MAX >= INDEX_SLOTS * INDEX_WORKERS_MAX, "in-flight batches fit");

typedef struct cg_index_job cg_index_job;

/* One of a worker's file slots: the file's text and extraction stay untouched until its
 * batch was written and the lexical hook committed (slot_settle). */
typedef struct file_slot {
    cg_buf buf;
    cg_extract x;
    cg_writeq_item item; /* item.arg: the prepared put (cg_graph_put) in flight, or NULL */
    const char *rel;
    const cg_lang *lang;
    uint64_t parse_ns;
    int index; /* also the lexical hook's pending slot */
} file_slot;

/* A pool job that knows its index job (the cg_job must stay first). */
typedef struct index_task {
    cg_job job;
    cg_index_job *owner;
} index_task;

struct cg_index_job {
    cg_graph *g;
    cg_pool *pool;
    const cg_config_parsing *parsing;
    uint32_t project;
    char root[CG_GRAPH_PATH_MAX + 1];
    cg_walker *walker;
    char **files; /* walk order; sorted by job_finish for the vanished-file check */
    size_t n_files, cap_files;
    int walked;          /* the walk ended: n_files is final (under mu) */
    pthread_cond_t more; /* a file was added or the walk ended */
    cg_writeq wq;        /* the file and resolve phases' batches (writeq.h) */
    _Atomic int walk_failed;
    _Atomic size_t next;
    _Atomic int workers_live;
    _Atomic int state;
    _Atomic int cancel;
    _Atomic int solo;      /* a worker runs alone while memory is over budget */
    _Atomic int task_refs; /* pool tasks not yet completed (driver + workers) */
    int released;          /* every task completed: the job may be freed (under mu) */
    _Atomic uint64_t done, indexed, unchanged, skipped, failed, deleted, bytes, entities;
    uint64_t start_ns, end_ns, generation;
    pthread_mutex_t mu; /* rec, final-state wakeups */
    pthread_cond_t cv;
    cg_graph_job rec;
    index_task driver;
    index_task workers[INDEX_WORKERS_MAX];
    index_task resolvers[INDEX_WORKERS_MAX];
    uint64_t *uids; /* files to resolve (from cg_graph_resolve_pending) */
    size_t n_uids;
    _Atomic size_t next_uid;
    _Atomic int resolvers_live;
    _Atomic int phase_failed;
    int n_workers;
    cg_index_done_fn done_fn;
    void *done_ud;
};

static cg_index_metrics index_metrics;
static _Atomic int index_metrics_on;

void cg_index_metrics_install(const cg_index_metrics *im)
{
    if (im) index_metrics = *im;
    atomic_store(&index_metrics_on, im != NULL);
}

static void metric_add(int id, uint64_t v)
{
    if (atomic_load_explicit(&index_metrics_on, memory_order_relaxed) && id >= 0)
        cg_metrics_add(index_metrics.m, index_metrics.shard, id, v);
}

_Static_assert(CG_METRICS_DYN_VALUE_MAX > CG_GRAPH_NAME_MAX, "a project name fits a label");

/* The per-language metric slot of `lang` (its cg_lang_all index), -1 when unknown. */
static int metric_lang_slot(const cg_lang *lang)
{
    int n;
    const cg_lang *all = cg_lang_all(&n);
    for (int i = 0; i < n && i < CG_INDEX_METRIC_LANGS; i++)
        if (&all[i] == lang) return i;
    return -1;
}

/* A file of `lang` went through cg_extract_file in `ns`; `stored` when it was stored. */
static void metric_parsed(const cg_lang *lang, uint64_t ns, int stored)
{
    int slot = metric_lang_slot(lang);
    if (!atomic_load_explicit(&index_metrics_on, memory_order_relaxed) || slot < 0) return;
    cg_metrics_observe(index_metrics.m, index_metrics.shard, index_metrics.parse_seconds[slot],
                       (double)ns / 1e9);
    if (stored) metric_add(index_metrics.files_by_lang[slot], 1);
}

/* The project was published: CG_INDEX_METRIC_LAST_INDEXED{project=name} = its indexed_s. */
static void metric_published(cg_graph *g, uint32_t project)
{
    cg_graph_project pr;
    if (!atomic_load_explicit(&index_metrics_on, memory_order_relaxed) ||
        !index_metrics.last_indexed || cg_graph_project_get(g, project, &pr) != 0)
        return;
    int id = cg_metrics_gauge_dyn(index_metrics.m, CG_INDEX_METRIC_LAST_INDEXED,
                                  CG_INDEX_METRIC_LAST_INDEXED_HELP, "project", pr.name);
    cg_metrics_gauge_set(index_metrics.m, id, (double)pr.indexed_s);
}

/* Memory budget (bytes; 0 = none): above it, only one worker of a job parses at a time. */
static _Atomic uint64_t index_budget_bytes;

void cg_index_memory_budget_set(uint64_t bytes)
{
    atomic_store(&index_budget_bytes, bytes);
}

static uint64_t rss_read(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
    return (uint64_t)rss * 4096u;
}

/* The process's RSS, read at most every INDEX_RSS_FRESH_MS: the budget is checked before
 * every file, and reading /proc costs more than a small file's whole warm re-index. */
static uint64_t rss_now(void)
{
    static _Atomic uint64_t at_ns, rss;
    uint64_t now = cg_time_mono_ns(), t = atomic_load_explicit(&at_ns, memory_order_relaxed);
    if (t && now - t < (uint64_t)INDEX_RSS_FRESH_MS * 1000000u)
        return atomic_load_explicit(&rss, memory_order_relaxed);
    uint64_t v = rss_read();
    atomic_store_explicit(&rss, v, memory_order_relaxed);
    atomic_store_explicit(&at_ns, now, memory_order_relaxed);
    return v;
}

/* Back-pressure: over budget, a worker waits until memory falls or it may run alone
 * (one file at a time always progresses, so a job never stalls). Returns 1 when this
 * worker holds the solo slot and must release it after its file. */
static int budget_enter(cg_index_job *j)
{
    uint64_t budget = atomic_load_explicit(&index_budget_bytes, memory_order_relaxed);
    if (!budget) return 0;
    for (;;) {
        if (rss_now() <= budget) return 0;
        if (!atomic_exchange(&j->solo, 1)) return 1;
        if (atomic_load(&j->cancel)) return 0;
        struct timespec ts = {0, INDEX_BUDGET_WAIT_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Admin pause (OPS, POST /api/v1/admin/pause-indexing): workers wait here between files;
 * a cancelled job stops waiting. */
static _Atomic int index_paused, index_paused_workers;

void cg_index_pause_set(int paused)
{
    atomic_store(&index_paused, paused != 0);
}

int cg_index_paused(void)
{
    return atomic_load(&index_paused);
}

int cg_index_paused_workers(void)
{
    return atomic_load(&index_paused_workers);
}

static void pause_wait(cg_index_job *j)
{
    if (!atomic_load_explicit(&index_paused, memory_order_relaxed)) return;
    atomic_fetch_add(&index_paused_workers, 1);
    while (atomic_load(&index_paused) && !atomic_load(&j->cancel)) {
        struct timespec ts = {0, INDEX_BUDGET_WAIT_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_sub(&index_paused_workers, 1);
}

/* Debug log: the job reached the end of a phase, with its elapsed time. */
static void phase_log(cg_index_job *j, const char *what)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%.0f", (double)(cg_time_mono_ns() - j->start_ns) / 1e6);
    cg_log_debug("index", what, "root", j->root, "elapsed_ms", ms);
}

static void job_error(cg_index_job *j, const char *fmt, const char *a, const char *b)
{
    pthread_mutex_lock(&j->mu);
    cg_graph_job_add_error(&j->rec, fmt, a, b);
    pthread_mutex_unlock(&j->mu);
}

/* Index a file when its extension names a language listed in [parsing] languages. */
static int walk_filter(void *ctx, const char *rel, size_t rel_len)
{
    (void)rel_len;
    const cg_index_job *j = ctx;
    const cg_lang *l = cg_lang_detect(rel, NULL, 0);
    if (!l) return 0;
    for (int i = 0; i < j->parsing->languages.n; i++)
        if (strcmp(j->parsing->languages.items[i], l->name) == 0) return 1;
    return 0;
}

/* Append a file found by the walk and wake a worker waiting for it. */
static int files_add(cg_index_job *j, const char *rel)
{
    char *copy = strdup(rel);
    int rc = 0;
    if (!copy) return CG_ENOMEM;
    pthread_mutex_lock(&j->mu);
    if (j->n_files == j->cap_files) {
        size_t cap = j->cap_files ? j->cap_files * 2 : 256;
        char **p = realloc(j->files, cap * sizeof *p);
        if (p) j->files = p, j->cap_files = cap;
    }
    if (j->n_files < j->cap_files) {
        j->files[j->n_files++] = copy;
        pthread_cond_signal(&j->more);
    } else {
        free(copy);
        rc = CG_ENOMEM;
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

/* The walk ended (failed: the workers stop after their current file). */
static void files_walked(cg_index_job *j, int failed)
{
    if (failed) atomic_store(&j->walk_failed, 1);
    pthread_mutex_lock(&j->mu);
    j->walked = 1;
    pthread_cond_broadcast(&j->more);
    pthread_mutex_unlock(&j->mu);
}

/* The next file for a worker, once the walk has found it; NULL when every file was taken. */
static const char *files_take(cg_index_job *j)
{
    size_t i = atomic_fetch_add(&j->next, 1);
    pthread_mutex_lock(&j->mu);
    while (i >= j->n_files && !j->walked) pthread_cond_wait(&j->more, &j->mu);
    const char *rel = i < j->n_files ? j->files[i] : NULL;
    pthread_mutex_unlock(&j->mu);
    return rel;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint32_t count_lines(const char *s, size_t n)
{
    uint32_t lines = n > 0 && s[n - 1] != '\n';
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))) != NULL; p++) lines++;
    return lines;
}

/* Drop a file the graph still has but that may no longer be indexed. */
static void file_forget(cg_index_job *j, const char *rel)
{
    cg_graph_file_info fi;
    if (cg_graph_file_get(j->g, j->project, rel, &fi) == 0 &&
        cg_graph_file_delete(j->g, j->project, rel) == 0)
        atomic_fetch_add(&j->deleted, 1);
}

/* A file's outcome counted once its put was written (rc = the write's result) or failed. */
static void file_outcome(cg_index_job *j, const char *rel, int rc)
{
    if (rc == 0) {
        atomic_fetch_add(&j->indexed, 1);
        metric_add(index_metrics.files[CG_INDEX_OUT_INDEXED], 1);
    } else {
        atomic_fetch_add(&j->failed, 1);
        metric_add(index_metrics.files[CG_INDEX_OUT_FAILED], 1);
        job_error(j, "%s: %s", rel, cg_err_str(rc));
    }
}

/* Wait for the slot's batch to be written, then commit the lexical hook and count the file
 * (on the worker that prepared it; see DESIGN). A slot with nothing in flight is left. */
static void slot_settle(cg_index_job *j, file_slot *sl)
{
    if (!sl->item.arg) return;
    int rc = cg_writeq_wait(&j->wq, &sl->item);
    cg_search_hook_slot(sl->index); /* TXT */
    cg_graph_put_finish(sl->item.arg, rc);
    sl->item.arg = NULL;
    metric_parsed(sl->lang, sl->parse_ns, rc == 0);
    if (rc == 0) {
        atomic_fetch_add(&j->entities, (uint64_t)sl->x.n_entities);
        atomic_fetch_add(&j->bytes, sl->buf.len);
        metric_add(index_metrics.entities, (uint64_t)sl->x.n_entities);
        metric_add(index_metrics.bytes, sl->buf.len);
    }
    file_outcome(j, sl->rel, rc);
}

/* The writer queue's write of a prepared put. */
static int put_write(void *put)
{
    return cg_graph_put_write(put);
}

/* Parse and extract the file in sl->buf, prepare its put and hand the batch to the writer
 * queue. 0 once handed over (slot_settle counts it), else the file's error. */
static int file_store(cg_index_job *j, file_slot *sl, uint64_t hash, const cg_walk_file *info)
{
    const cg_buf *buf = &sl->buf;
    sl->lang = cg_lang_detect(sl->rel, buf->data, CG_MIN(buf->len, 256));
    if (!sl->lang) return CG_ELANG;
    cg_extract_limits lim;
    cg_extract_limits_default(&lim);
    lim.parse_timeout_us = (uint64_t)CG_INDEX_PARSE_TIMEOUT_MS * 1000;
    uint64_t t0 = cg_time_mono_ns();
    int rc = cg_extract_file(sl->lang, buf->data ? buf->data : "", buf->len, &lim, &sl->x);
    sl->parse_ns = cg_time_mono_ns() - t0;
    if (rc != 0 && !(rc == CG_EPARSE && sl->x.timed_out)) {
        metric_parsed(sl->lang, sl->parse_ns, 0);
        return rc;
    }
    if (sl->x.timed_out)
        job_error(j, "%s: %s", sl->rel, "parse timed out (file stored without entities)");
    cg_graph_file_meta meta = {.language = sl->lang->name,
                               .hash = hash,
                               .size = buf->len,
                               .mtime_ns = info->mtime_ns,
                               .lines = count_lines(buf->data, buf->len)};
    cg_search_hook_source(buf->data, buf->len); /* TXT */
    cg_graph_put *put = NULL;
    rc = cg_graph_put_prepare(j->g, j->project, sl->rel, &meta, &sl->x, 0, &put);
    cg_search_hook_source(NULL, 0); /* TXT */
    if (rc != 0) {
        metric_parsed(sl->lang, sl->parse_ns, 0);
        return rc;
    }
    sl->item = (cg_writeq_item){.write = put_write, .arg = put};
    cg_writeq_submit(&j->wq, &sl->item);
    return 0;
}

/* Read one file into the (settled) slot; skip, forget or store it. */
static void file_process(cg_index_job *j, const char *rel, file_slot *sl)
{
    cg_walk_file info;
    cg_search_hook_slot(sl->index); /* TXT: a forget or put below uses this slot */
    sl->rel = rel;
    int rc = cg_walk_read(j->walker, rel, &sl->buf, &info);
    if (rc != 0 || info.decision != CG_WALK_INDEX) {
        if (rc == 0 && info.decision != CG_WALK_SKIP_UNREADABLE) {
            atomic_fetch_add(&j->skipped, 1);
            metric_add(index_metrics.files[CG_INDEX_OUT_SKIPPED], 1);
        } else {
            atomic_fetch_add(&j->failed, 1);
            metric_add(index_metrics.files[CG_INDEX_OUT_FAILED], 1);
            job_error(j, "%s: cannot read: %s", rel, cg_err_str(rc ? rc : info.err));
        }
        file_forget(j, rel);
        return;
    }
    uint64_t hash = cg_graph_hash(sl->buf.data, sl->buf.len);
    cg_graph_file_info fi;
    if (cg_graph_file_get(j->g, j->project, rel, &fi) == 0 && fi.hash == hash) {
        atomic_fetch_add(&j->unchanged, 1);
        metric_add(index_metrics.files[CG_INDEX_OUT_UNCHANGED], 1);
        return;
    }
    rc = file_store(j, sl, hash, &info);
    if (rc != 0) file_outcome(j, rel, rc);
}

static int vanished_cb(void *ctx, const char *path, const cg_graph_file_info *fi)
{
    (void)fi;
    cg_index_job *j = ctx;
    if (!bsearch(&path, j->files, j->n_files, sizeof *j->files, cmp_str)) {
        /* RocksDB iterators read an implicit snapshot, so deleting while iterating is safe. */
        if (cg_graph_file_delete(j->g, j->project, path) == 0) atomic_fetch_add(&j->deleted, 1);
    }
    return 0;
}

static void job_record_counts(cg_index_job *j)
{
    cg_graph_job *r = &j->rec;
    r->files_total = j->n_files;
    r->files_done = atomic_load(&j->done);
    r->files_unchanged = atomic_load(&j->unchanged);
    r->files_skipped = atomic_load(&j->skipped);
    r->files_failed = atomic_load(&j->failed);
    r->files_deleted = atomic_load(&j->deleted);
    r->entities = atomic_load(&j->entities);
}

static void job_final(cg_index_job *j, int state)
{
    pthread_mutex_lock(&j->mu);
    job_record_counts(j);
    j->rec.state = state;
    j->rec.finished_s = (int64_t)time(NULL);
    j->rec.generation = j->generation;
    if (cg_graph_job_put(j->g, &j->rec) != 0)
        cg_log_error("index", "cannot store the job record", "project", j->root);
    j->end_ns = cg_time_mono_ns();
    metric_add(index_metrics.jobs[state], 1);
    metric_add(index_metrics.files[CG_INDEX_OUT_DELETED], atomic_load(&j->deleted));
    atomic_store(&j->state, state);
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* Pool completion of every task. The pool reads a task after its run returns, so the job
 * (which embeds the tasks) may only be freed once every task completed: the last
 * completion releases it — wakes waiters and calls done_fn. */
static void task_done(cg_job *job)
{
    cg_index_job *j = ((index_task *)job)->owner;
    if (atomic_fetch_sub(&j->task_refs, 1) != 1) return;
    pthread_mutex_lock(&j->mu);
    j->released = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (j->done_fn) j->done_fn(j, j->done_ud);
}

/* How many tasks share `items` units of work: one per pool thread, at least one. */
static int shares(const cg_index_job *j, size_t items)
{
    int n = CG_MAX(1, CG_MIN(cg_pool_threads(j->pool), INDEX_WORKERS_MAX));
    if ((size_t)n > items) n = items ? (int)items : 1;
    return n;
}

/* Submit tasks[1..n) with `run`; tasks[0]'s share is the caller's. Returns how many shares
 * the calling thread must run itself: its own plus any the pool refused. */
static int tasks_submit(cg_index_job *j, index_task *tasks, int n, void (*run)(cg_job *))
{
    int inline_runs = 1;
    for (int i = 1; i < n; i++) {
        index_task *t = &tasks[i];
        t->owner = j;
        t->job.run = run;
        t->job.done = task_done;
        atomic_fetch_add(&j->task_refs, 1); /* before submit: the task may finish at once */
        if (cg_pool_submit(j->pool, &t->job) != 0) {
            atomic_fetch_sub(&j->task_refs, 1);
            inline_runs++;
        }
    }
    return inline_runs;
}

/* Last step, by the last resolver out: publish and record. */
static void job_publish(cg_index_job *j)
{
    int state = atomic_load(&j->phase_failed) ? CG_JOB_FAILED : CG_JOB_DONE;
    phase_log(j, "resolve phase done");
    if (state == CG_JOB_DONE && cg_graph_project_publish(j->g, j->project, &j->generation) != 0)
        state = CG_JOB_FAILED;
    if (state == CG_JOB_DONE) metric_published(j->g, j->project);
    if (state == CG_JOB_DONE) cg_search_hook_published(j->g, j->project); /* TXT */
    if (state == CG_JOB_FAILED) job_error(j, "%s: %s", j->root, "resolve/publish failed");
    char files[32], ms[32];
    snprintf(files, sizeof files, "%zu", j->n_files);
    snprintf(ms, sizeof ms, "%.0f", (double)(cg_time_mono_ns() - j->start_ns) / 1e6);
    cg_log_info("index", state == CG_JOB_DONE ? "index job done" : "index job failed", "root",
                j->root, "files", files, "elapsed_ms", ms);
    free(j->uids);
    j->uids = NULL;
    job_final(j, state);
}

/* One of a resolver's slots: a file's resolution batch handed to the writer queue. */
typedef struct resolve_slot {
    cg_writeq_item item; /* item.arg: this slot while its batch is in flight, else NULL */
    cg_store *s;
    cg_store_batch *b;
} resolve_slot;

/* The writer queue's write of a resolution batch. */
static int resolve_write(void *arg)
{
    resolve_slot *r = arg;
    return cg_store_batch_write(r->s, r->b, 0, NULL, 0);
}

/* Wait for the slot's batch to be written (a failed write fails the phase), then free it. */
static void resolve_settle(cg_index_job *j, resolve_slot *r)
{
    if (!r->item.arg) return;
    if (cg_writeq_wait(&j->wq, &r->item) != 0) atomic_store(&j->phase_failed, 1);
    cg_store_batch_destroy(r->b);
    r->b = NULL;
    r->item.arg = NULL;
}

/* Resolve one file into slot r and queue its batch; without a resolver (ENOMEM at its
 * creation) the file is resolved and written on this thread. */
static void resolve_one(cg_index_job *j, cg_graph_resolver *rv, uint64_t uid, resolve_slot *r)
{
    cg_store_batch *b = NULL;
    int rc = rv ? cg_graph_resolver_prepare(rv, uid, &b)
                : cg_graph_resolve_file(j->g, j->project, uid, NULL);
    if (rc != 0) atomic_store(&j->phase_failed, 1);
    if (rc != 0 || !b) return;
    *r = (resolve_slot){
        .item = {.write = resolve_write, .arg = r}, .s = cg_graph_store(j->g), .b = b};
    cg_writeq_submit(&j->wq, &r->item);
}

/* Resolve files from the shared cursor; the last resolver out publishes. Safe in parallel:
 * every put of the job was written, and a resolution reads only their data and its own
 * file's records, so the batches go through the writer queue like the puts' (INDEX_SLOTS
 * in flight per resolver); every one is written before the resolver counts itself out. */
static void resolver_loop(cg_index_job *j)
{
    /* names and paths cached across this thread's files of the phase; without a resolver
     * (ENOMEM) every file reads them from the store */
    cg_graph_resolver *rv = NULL;
    resolve_slot slots[INDEX_SLOTS];
    memset(slots, 0, sizeof slots);
    if (cg_graph_resolver_create(j->g, j->project, &rv) != 0) rv = NULL;
    for (int k = 0;; k = (k + 1) % INDEX_SLOTS) {
        size_t i = atomic_fetch_add(&j->next_uid, 1);
        if (i >= j->n_uids) break;
        resolve_settle(j, &slots[k]);
        resolve_one(j, rv, j->uids[i], &slots[k]);
    }
    for (int k = 0; k < INDEX_SLOTS; k++) resolve_settle(j, &slots[k]);
    cg_graph_resolver_destroy(rv);
    if (atomic_fetch_sub(&j->resolvers_live, 1) == 1) job_publish(j);
}

static void resolver_run(cg_job *job)
{
    resolver_loop(((index_task *)job)->owner);
}

/* The index phase's writes start flushing in the background while the resolve phase runs
 * (see DESIGN): a family below INDEX_FLUSH_MIN_BYTES is left to RocksDB. */
static void flush_start(cg_index_job *j)
{
    char err[256];
    if (cg_store_flush_start(cg_graph_store(j->g), INDEX_FLUSH_MIN_BYTES, err, sizeof err) < 0)
        cg_log_warn("index", "background flush not started", "root", j->root, "error", err);
}

/* Run by the last worker out: drop vanished files, then resolve on every pool thread. */
static void job_finish(cg_index_job *j)
{
    if (atomic_load(&j->walk_failed)) { /* the driver recorded the walk's error */
        job_final(j, CG_JOB_FAILED);
        return;
    }
    if (atomic_load(&j->cancel)) {
        /* Files stored so far stay (each is whole); nothing is published. */
        job_error(j, "%s: %s", j->root, "cancelled (server shutting down or project deleted)");
        job_final(j, CG_JOB_CANCELLED);
        return;
    }
    phase_log(j, "file phase done");
    /* The walk order is per directory; the vanished-file check wants plain byte order. */
    qsort(j->files, j->n_files, sizeof *j->files, cmp_str);
    if (cg_graph_file_foreach(j->g, j->project, vanished_cb, j) != 0 ||
        cg_graph_resolve_pending(j->g, j->project, 0, &j->uids, &j->n_uids) != 0) {
        atomic_store(&j->phase_failed, 1);
        j->n_uids = 0;
    }
    flush_start(j);
    int n = shares(j, j->n_uids);
    atomic_store(&j->resolvers_live, n);
    int inline_runs = tasks_submit(j, j->resolvers, n, resolver_run);
    for (int i = 0; i < inline_runs; i++) resolver_loop(j);
}

/* Files cycle through the worker's slots: while a slot's batch waits to be written, the next
 * files are read and parsed into the others (see DESIGN). */
static void worker_loop(cg_index_job *j)
{
    file_slot slots[INDEX_SLOTS];
    for (int i = 0; i < INDEX_SLOTS; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        slots[i].index = i;
        cg_buf_init(&slots[i].buf);
        cg_extract_init(&slots[i].x);
    }
    for (int k = 0;; k = (k + 1) % INDEX_SLOTS) {
        pause_wait(j);
        const char *rel = files_take(j);
        if (!rel || atomic_load_explicit(&j->cancel, memory_order_relaxed) ||
            atomic_load_explicit(&j->walk_failed, memory_order_relaxed))
            break;
        slot_settle(j, &slots[k]);
        int solo = budget_enter(j);
        file_process(j, rel, &slots[k]);
        if (solo) atomic_store(&j->solo, 0);
        atomic_fetch_add(&j->done, 1);
    }
    for (int i = 0; i < INDEX_SLOTS; i++) {
        slot_settle(j, &slots[i]);
        cg_extract_release(&slots[i].x);
        cg_buf_release(&slots[i].buf);
    }
    cg_search_hook_slot(0); /* TXT: the pool thread's later work uses the default slot */
    if (atomic_fetch_sub(&j->workers_live, 1) == 1) job_finish(j);
}

static void worker_run(cg_job *job)
{
    worker_loop(((index_task *)job)->owner);
}

/* Walk the tree (j->walker exists), handing files to the workers as they are found;
 * returns 0 or an error (the job then fails). A cancel ends the walk early. */
static int driver_walk(cg_index_job *j)
{
    int rc = 0;
    cg_walk_filter_set(j->walker, walk_filter, j);
    cg_walk_entry e;
    while (!atomic_load_explicit(&j->cancel, memory_order_relaxed) &&
           (rc = cg_walk_next(j->walker, &e)) == 1)
        if (e.decision == CG_WALK_INDEX && (rc = files_add(j, e.rel)) != 0) return rc;
    return atomic_load(&j->cancel) ? 0 : rc;
}

static void driver_run(cg_job *job)
{
    cg_index_job *j = ((index_task *)job)->owner;
    pthread_mutex_lock(&j->mu);
    j->rec.state = CG_JOB_RUNNING;
    j->rec.started_s = (int64_t)time(NULL);
    cg_graph_job_put(j->g, &j->rec);
    pthread_mutex_unlock(&j->mu);
    atomic_store(&j->state, CG_JOB_RUNNING);
    int rc = cg_walk_create(&j->walker, j->parsing, j->root);
    if (rc != 0) {
        job_error(j, "%s: walk failed: %s", j->root, cg_err_str(rc));
        job_final(j, CG_JOB_FAILED);
        return;
    }
    int n = shares(j, SIZE_MAX);
    atomic_store(&j->workers_live, n);
    int inline_runs = tasks_submit(j, j->workers, n, worker_run);
    rc = driver_walk(j);
    phase_log(j, "walk done");
    if (rc != 0) job_error(j, "%s: walk failed: %s", j->root, cg_err_str(rc));
    files_walked(j, rc != 0);
    /* This thread takes a worker's share too (and any share the pool refused). */
    for (int i = 0; i < inline_runs; i++) worker_loop(j);
}

int cg_index_start(cg_graph *g, cg_pool *pool, const cg_config_parsing *p, uint32_t project,
                   const char *kind, cg_index_done_fn done, void *ud, cg_index_job **out,
                   uint64_t *job_id)
{
    cg_graph_project pr;
    int rc = cg_graph_project_get(g, project, &pr);
    if (rc != 0) return rc;
    cg_index_job *j = calloc(1, sizeof *j);
    if (!j) return CG_ENOMEM;
    j->g = g;
    j->pool = pool;
    j->parsing = p;
    j->project = project;
    snprintf(j->root, sizeof j->root, "%s", pr.root);
    j->done_fn = done;
    j->done_ud = ud;
    j->start_ns = cg_time_mono_ns();
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_cond_init(&j->more, NULL);
    cg_writeq_init(&j->wq);
    atomic_store(&j->state, CG_JOB_QUEUED);
    rc = cg_graph_job_create(g, project, kind, &j->rec);
    if (rc == 0) {
        j->driver.owner = j;
        j->driver.job.run = driver_run;
        j->driver.job.done = task_done;
        atomic_store(&j->task_refs, 1);
        rc = cg_pool_submit(pool, &j->driver.job);
    }
    if (rc != 0) {
        if (j->rec.id) {
            j->rec.state = CG_JOB_FAILED;
            cg_graph_job_add_error(&j->rec, "%s", "the thread pool is full; retry later");
            cg_graph_job_put(g, &j->rec);
        }
        cg_index_job_free(j);
        return rc;
    }
    *job_id = j->rec.id;
    *out = j;
    return 0;
}

void cg_index_progress_get(cg_index_job *j, cg_index_progress *o)
{
    memset(o, 0, sizeof *o);
    o->job_id = j->rec.id;
    o->project = j->project;
    o->state = atomic_load(&j->state);
    pthread_mutex_lock(&j->mu);
    o->files_total = o->state == CG_JOB_QUEUED ? 0 : j->n_files;
    o->walking = o->state == CG_JOB_RUNNING && !j->walked;
    pthread_mutex_unlock(&j->mu);
    o->files_done = atomic_load(&j->done);
    o->files_indexed = atomic_load(&j->indexed);
    o->files_unchanged = atomic_load(&j->unchanged);
    o->files_skipped = atomic_load(&j->skipped);
    o->files_failed = atomic_load(&j->failed);
    o->files_deleted = atomic_load(&j->deleted);
    o->bytes = atomic_load(&j->bytes);
    o->entities = atomic_load(&j->entities);
    int final = o->state >= CG_JOB_DONE;
    o->generation = final ? j->generation : 0;
    uint64_t end = final ? j->end_ns : cg_time_mono_ns();
    o->elapsed_s = (double)(end - j->start_ns) / 1e9;
}

int cg_index_wait(cg_index_job *j, int timeout_ms)
{
    pthread_mutex_lock(&j->mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (timeout_ms >= 0) {
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    }
    while (atomic_load(&j->state) < CG_JOB_DONE) {
        if (timeout_ms < 0)
            pthread_cond_wait(&j->cv, &j->mu);
        else if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) != 0)
            break;
    }
    int final = atomic_load(&j->state) >= CG_JOB_DONE;
    pthread_mutex_unlock(&j->mu);
    return final;
}

void cg_index_cancel(cg_index_job *j)
{
    atomic_store(&j->cancel, 1);
}

/* The job record as stored (errors included); valid once final. */
const cg_graph_job *cg_index_job_record(cg_index_job *j)
{
    return &j->rec;
}

void cg_index_job_free(cg_index_job *j)
{
    if (!j) return;
    for (size_t i = 0; i < j->n_files; i++) free(j->files[i]);
    free(j->files);
    cg_walk_destroy(j->walker);
    free(j->uids);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    pthread_cond_destroy(&j->more);
    cg_writeq_destroy(&j->wq);
    free(j);
}
