/*
 * index.h — indexing jobs: walk a project, parse and extract changed files on the
 * thread pool, store each file in one write batch, resolve names, publish a new
 * generation. Used by the server (POST /api/v1/projects, …/reindex) and by
 * `codegraph index`.
 *
 * A job never holds a pool thread while it waits: a driver job walks the tree and
 * then submits one worker job per pool thread; workers take files from a shared
 * cursor; the last worker to finish deletes vanished files, resolves references,
 * publishes and records the job. Memory is bounded by one file (at most
 * [parsing] max_file_size) and one extraction per pool thread.
 */
#ifndef CODEGRAPH_INDEX_H
#define CODEGRAPH_INDEX_H

#include <stdint.h>

#include "codegraph/config.h"
#include "codegraph/graph.h"
#include "codegraph/pool.h"

/** Per-file parse time box: a pathological file is reported, never stalls the job. */
#define CG_INDEX_PARSE_TIMEOUT_MS 10000

typedef struct cg_index_job cg_index_job;

/** File outcomes counted in metrics (codegraph_index_files_total{outcome}). */
enum {
    CG_INDEX_OUT_INDEXED,
    CG_INDEX_OUT_UNCHANGED,
    CG_INDEX_OUT_SKIPPED,
    CG_INDEX_OUT_FAILED,
    CG_INDEX_OUT_DELETED,
    CG_INDEX_OUT_COUNT
};

/** Grammar slots of the per-language metric arrays (cg_lang_all order; 16 used). */
#define CG_INDEX_METRIC_LANGS 32
/** The per-project gauge the pipeline sets when a job publishes (label "project" = name). */
#define CG_INDEX_METRIC_LAST_INDEXED "codegraph_project_last_indexed_timestamp_seconds"
#define CG_INDEX_METRIC_LAST_INDEXED_HELP                                                          \
    "Unix time of the project's last successful index job (published generation)"

struct cg_metrics;
/** Metric ids the pipeline updates (registered by the server); -1 = none. */
typedef struct cg_index_metrics {
    struct cg_metrics *m;
    int shard;                     /**< the metrics shard for pool threads */
    int files[CG_INDEX_OUT_COUNT]; /**< counters by outcome */
    int entities;                  /**< counter: entities stored */
    int bytes;                     /**< counter: bytes parsed */
    int jobs[CG_JOB_STATE_COUNT];  /**< counters: jobs by final state */
    /** histograms (seconds) of cg_extract_file per file, by cg_lang_all index */
    int parse_seconds[CG_INDEX_METRIC_LANGS];
    /** counters: files parsed and stored, by cg_lang_all index */
    int files_by_lang[CG_INDEX_METRIC_LANGS];
    /** non-zero: on publish, set the dynamic gauge CG_INDEX_METRIC_LAST_INDEXED{project} */
    int last_indexed;
} cg_index_metrics;

/** Memory budget for indexing (e.g. max_memory_usage × memory_pressure_threshold; 0 =
 *  none): while the process RSS is above it, each job parses one file at a time. */
void cg_index_memory_budget_set(uint64_t bytes);
/** Pause (1) or resume (0) indexing, process-wide: each worker waits before taking its next
 *  file (files in progress finish; a cancelled job stops waiting). */
void cg_index_pause_set(int paused);
/** 1 while indexing is paused. */
int cg_index_paused(void);
/** Workers of all jobs waiting at the pause right now. */
int cg_index_paused_workers(void);
/** Install process-wide metric ids (once, before any job starts); NULL uninstalls. */
void cg_index_metrics_install(const cg_index_metrics *im);

typedef struct cg_index_progress {
    uint64_t job_id;
    uint32_t project;
    int state;                /**< cg_graph_job_state */
    uint64_t files_total;     /**< files the walk offered for indexing (so far, if walking) */
    int walking;              /**< the walk is still finding files (workers already run) */
    uint64_t files_done;      /**< processed so far (indexed + unchanged + skipped + failed) */
    uint64_t files_indexed;   /**< parsed and stored */
    uint64_t files_unchanged; /**< same content hash as stored: skipped */
    uint64_t files_skipped;   /**< refused by content checks (binary, encoding, long lines) */
    uint64_t files_failed;    /**< read/parse/store errors (see the job's errors) */
    uint64_t files_deleted;   /**< gone from disk (or now ignored): removed from the graph */
    uint64_t bytes;           /**< bytes of the files parsed */
    uint64_t entities;        /**< entities stored by this job */
    uint64_t generation;      /**< published generation (when done) */
    double elapsed_s;
} cg_index_progress;

/** Called once, on a pool thread, when the job reached a final state and no pool task
 *  touches it any more: the callback may free it. */
typedef void (*cg_index_done_fn)(cg_index_job *j, void *ud);

/**
 * Start indexing `project` (which must exist). `p` must outlive the job. `kind` is
 * "index" or "reindex". On success *out is the running job (free it with
 * cg_index_job_free after it finished) and *job_id its id.
 * 0, CG_ENOTFOUND (project), CG_EOVERLOAD (pool full), CG_ENOMEM, CG_EDB.
 */
int cg_index_start(cg_graph *g, cg_pool *pool, const cg_config_parsing *p, uint32_t project,
                   const char *kind, cg_index_done_fn done, void *ud, cg_index_job **out,
                   uint64_t *job_id);
/** A consistent-enough snapshot of the counters (atomics; any thread). */
void cg_index_progress_get(cg_index_job *j, cg_index_progress *out);
/** Wait until the job is final and released by the pool, or `timeout_ms` passed
 *  (-1 = forever). 1 final (the job may be freed), 0 not yet. */
int cg_index_wait(cg_index_job *j, int timeout_ms);
/** Ask a running job to stop after the files in progress (it ends CANCELLED, unpublished). */
void cg_index_cancel(cg_index_job *j);
/** The job record (state, counts, kept error messages); complete once the job is final. */
const cg_graph_job *cg_index_job_record(cg_index_job *j);
/** Free a finished job. */
void cg_index_job_free(cg_index_job *j);

#endif
