/*
 * admin.c — the server's admin service: long data operations (backup, incremental backup,
 * checkpoint, compact, optimize) run as jobs on a thread pool of their own, the job table the
 * API reads, the maintenance and indexing-pause flags (persisted in "meta"), and the thread
 * that takes scheduled backups ([database] backup_enabled / backup_interval).
 *
 * DESIGN — jobs. A job is heap-allocated at submit and lives in a->jobs (CG_ADMIN_JOBS_KEEP
 * slots, under a->mu). States: QUEUED → RUNNING (set by `run` under mu) → DONE | FAILED (set
 * by `done` under mu, from the figures `run` left in the job's private fields, so readers
 * never see a half-written result). The pool never touches a job after `done` returns, so a
 * final job may be freed; it is, when its slot is needed for a new job (oldest final first)
 * or at destroy. At most one job of each conflict class (backups, checkpoint, compaction) is
 * queued or running at a time: a second submit is CG_ECONFLICT.
 * Admin operations get their own pool so they never wait behind (or block) index workers,
 * which hold the shared pool's threads while indexing is paused.
 *
 * DESIGN — the schedule. With backup_enabled, the next backup is due backup_interval after the
 * newest backup in backup_path (or after the start when there is none), never within the first
 * CG_ADMIN_SCHED_SETTLE_MS after the start; a scheduled backup is incremental. The scheduler
 * sleeps on a->cv until then, submits, and computes the next time from the new state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/index.h"
#include "codegraph/log.h"
#include "codegraph/pool.h"

#define ADMIN_META_MAINTENANCE "admin.maintenance"
#define ADMIN_META_PAUSED "admin.indexing_paused"

typedef struct admin_job {
    cg_job job; /* first: the pool's intrusive record */
    cg_admin *a;
    cg_admin_job rec; /* under a->mu */
    char path[CG_ADMIN_PATH_MAX + 1];
    uint64_t rate_bytes_s;
    /* written by run, copied into rec by done */
    int out_rc;
    char out_msg[CG_ADMIN_MSG_MAX];
    char out_result[CG_ADMIN_RESULT_MAX];
} admin_job;

struct cg_admin {
    cg_store *store;
    cg_pool *pool;
    int threads;
    char *backup_dir, *vector_dir;
    int64_t retention_ms, interval_ms, start_ms;
    int sched_on;
    _Atomic int maintenance;
    pthread_mutex_t mu; /* jobs, next_id, next_backup_ms, stopping */
    pthread_cond_t cv;  /* a job became final; the schedule changed; stop */
    admin_job *jobs[CG_ADMIN_JOBS_KEEP];
    uint64_t next_id;
    int64_t next_backup_ms;
    int stopping;
    pthread_t sched;
    int sched_started;
};

static const char *const op_names[CG_ADMIN_OP_COUNT] = {
    [CG_ADMIN_OP_BACKUP] = "backup",
    [CG_ADMIN_OP_BACKUP_INCREMENTAL] = "backup-incremental",
    [CG_ADMIN_OP_CHECKPOINT] = "checkpoint",
    [CG_ADMIN_OP_COMPACT] = "compact",
    [CG_ADMIN_OP_OPTIMIZE] = "optimize",
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *cg_admin_op_name(cg_admin_op op)
{
    return (int)op >= 0 && op < CG_ADMIN_OP_COUNT ? op_names[op] : "unknown";
}

const char *cg_admin_state_name(cg_admin_state st)
{
    static const char *const names[] = {"queued", "running", "done", "failed"};
    return (int)st >= 0 && (size_t)st < CG_ARRAY_LEN(names) ? names[st] : "unknown";
}

/* Jobs that must not run at the same time share a class. */
static int op_class(cg_admin_op op)
{
    switch (op) {
    case CG_ADMIN_OP_BACKUP:
    case CG_ADMIN_OP_BACKUP_INCREMENTAL: return 0;
    case CG_ADMIN_OP_CHECKPOINT: return 1;
    default: return 2;
    }
}

/* ---- running one job (pool thread) ---- */

static void result_u64(cg_buf *b, const char *key, uint64_t v)
{
    cg_buf_putc(b, b->len > 1 ? ',' : '{');
    cg_buf_putc(b, '"');
    cg_buf_puts(b, key);
    cg_buf_puts(b, "\":");
    cg_buf_put_u64(b, v);
}

static void result_str(cg_buf *b, const char *key, const char *v)
{
    cg_buf_putc(b, b->len > 1 ? ',' : '{');
    cg_buf_putc(b, '"');
    cg_buf_puts(b, key);
    cg_buf_puts(b, "\":");
    cg_buf_put_json_str(b, v, strlen(v));
}

static int run_backup(admin_job *j, cg_buf *b)
{
    cg_admin *a = j->a;
    cg_backup_info in;
    cg_backup_opts o = {.incremental = j->rec.op == CG_ADMIN_OP_BACKUP_INCREMENTAL,
                        .rate_bytes_s = j->rate_bytes_s,
                        .vector_dir = a->vector_dir,
                        .retention_ms = a->retention_ms};
    int rc =
        cg_store_backup_create(a->store, a->backup_dir, &o, &in, j->out_msg, sizeof j->out_msg);
    if (rc && rc != CG_ECORRUPT) return rc;
    result_u64(b, "backup_id", in.id);
    result_str(b, "kind", in.kind ? "incremental" : "full");
    result_str(b, "backup_dir", a->backup_dir);
    result_u64(b, "sequence", in.sequence);
    result_u64(b, "size_bytes", in.size_bytes);
    result_u64(b, "new_bytes", in.new_bytes);
    result_u64(b, "files", in.files);
    result_u64(b, "vector_files", in.vector_files);
    result_u64(b, "vector_bytes", in.vector_bytes);
    cg_buf_puts(b, in.verified == 1 ? ",\"verified\":true" : ",\"verified\":false");
    return rc;
}

static int run_checkpoint(admin_job *j, cg_buf *b)
{
    cg_checkpoint_info ci;
    int rc = cg_store_checkpoint_create(j->a->store, j->path, j->a->vector_dir, &ci, j->out_msg,
                                        sizeof j->out_msg);
    if (rc) return rc;
    result_str(b, "path", j->path);
    result_u64(b, "sequence", ci.sequence);
    result_u64(b, "db_bytes", ci.db_bytes);
    result_u64(b, "vector_files", ci.vector_files);
    result_u64(b, "vector_bytes", ci.vector_bytes);
    return 0;
}

static int run_compact(admin_job *j, cg_buf *b)
{
    cg_compact_report r;
    int rc = cg_store_compact(j->a->store, j->rec.op == CG_ADMIN_OP_OPTIMIZE, &r, j->out_msg,
                              sizeof j->out_msg);
    if (rc) return rc;
    result_u64(b, "sst_bytes_before", r.sst_bytes_before);
    result_u64(b, "sst_bytes_after", r.sst_bytes_after);
    result_u64(b, "files_before", r.files_before);
    result_u64(b, "files_after", r.files_after);
    result_u64(b, "keys_before", r.keys_before);
    result_u64(b, "keys_after", r.keys_after);
    result_u64(b, "memtable_bytes_before", r.mem_bytes_before);
    result_u64(b, "column_families", (uint64_t)r.column_families);
    return 0;
}

static void job_run(cg_job *job)
{
    admin_job *j = (admin_job *)job;
    cg_admin *a = j->a;
    uint64_t t0 = cg_time_mono_ns();
    cg_buf b;
    int rc;

    pthread_mutex_lock(&a->mu);
    int stopping = a->stopping;
    j->rec.state = CG_ADMIN_RUNNING;
    j->rec.started_ms = wall_ms();
    pthread_mutex_unlock(&a->mu);
    cg_buf_init(&b);
    if (stopping) { /* queued when the server began to stop: do not start it now */
        rc = CG_EOVERLOAD;
        snprintf(j->out_msg, sizeof j->out_msg, "not started: the server is stopping");
    } else if (j->rec.op == CG_ADMIN_OP_CHECKPOINT)
        rc = run_checkpoint(j, &b);
    else if (j->rec.op == CG_ADMIN_OP_COMPACT || j->rec.op == CG_ADMIN_OP_OPTIMIZE)
        rc = run_compact(j, &b);
    else
        rc = run_backup(j, &b);
    if (b.len) {
        result_u64(&b, "elapsed_ms", (cg_time_mono_ns() - t0) / 1000000);
        cg_buf_putc(&b, '}');
    }
    snprintf(j->out_result, sizeof j->out_result, "%s",
             b.len && cg_buf_ok(&b) && b.len < sizeof j->out_result ? b.data : "{}");
    cg_buf_release(&b);
    j->out_rc = rc;
    if (!rc) snprintf(j->out_msg, sizeof j->out_msg, "ok");
    if (rc)
        cg_log_warn("admin", "admin job failed", "op", cg_admin_op_name(j->rec.op), "error",
                    j->out_msg);
    else
        cg_log_info("admin", "admin job done", "op", cg_admin_op_name(j->rec.op), "result",
                    j->out_result);
}

/* Last touch of the job by the pool: publish the outcome. */
static void job_done(cg_job *job)
{
    admin_job *j = (admin_job *)job;
    cg_admin *a = j->a;

    pthread_mutex_lock(&a->mu);
    j->rec.rc = j->out_rc;
    j->rec.state = j->out_rc ? CG_ADMIN_FAILED : CG_ADMIN_DONE;
    j->rec.finished_ms = wall_ms();
    memcpy(j->rec.message, j->out_msg, sizeof j->rec.message);
    memcpy(j->rec.result, j->out_result, sizeof j->rec.result);
    if (op_class(j->rec.op) == 0) a->next_backup_ms = 0; /* recompute the schedule */
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* ---- the job table ---- */

/* A free slot (freeing the oldest final job when needed), CG_ECONFLICT when a job of the
 * same class is live, CG_EOVERLOAD when every slot holds a live job. a->mu held. */
static int slot_take_locked(cg_admin *a, cg_admin_op op)
{
    int free_slot = -1, oldest = -1;
    for (int i = 0; i < CG_ADMIN_JOBS_KEEP; i++) {
        admin_job *j = a->jobs[i];
        if (!j) {
            if (free_slot < 0) free_slot = i;
            continue;
        }
        int live = j->rec.state < CG_ADMIN_DONE;
        if (live && op_class(j->rec.op) == op_class(op)) return CG_ECONFLICT;
        if (!live && (oldest < 0 || j->rec.id < a->jobs[oldest]->rec.id)) oldest = i;
    }
    if (free_slot >= 0) return free_slot;
    if (oldest < 0) return CG_EOVERLOAD;
    free(a->jobs[oldest]);
    a->jobs[oldest] = NULL;
    return oldest;
}

int cg_admin_submit(cg_admin *a, const cg_admin_req *r, int scheduled, uint64_t *id)
{
    if ((int)r->op < 0 || r->op >= CG_ADMIN_OP_COUNT) return CG_EINVAL;
    if (r->op == CG_ADMIN_OP_CHECKPOINT &&
        (!r->path || !*r->path || strlen(r->path) > CG_ADMIN_PATH_MAX - 32))
        return CG_EINVAL;
    admin_job *j = calloc(1, sizeof *j);
    if (!j) return CG_ENOMEM;
    j->a = a;
    j->job.run = job_run;
    j->job.done = job_done;
    j->rec.op = r->op;
    j->rec.state = CG_ADMIN_QUEUED;
    j->rec.scheduled = scheduled;
    j->rec.created_ms = wall_ms();
    snprintf(j->rec.result, sizeof j->rec.result, "{}");
    if (r->path) snprintf(j->path, sizeof j->path, "%s", r->path);
    j->rate_bytes_s = r->rate_bytes_s;
    uint64_t jid = 0;
    pthread_mutex_lock(&a->mu);
    int slot = a->stopping ? CG_EOVERLOAD : slot_take_locked(a, r->op);
    if (slot >= 0) {
        j->rec.id = jid = ++a->next_id;
        int rc = cg_pool_submit(a->pool, &j->job);
        if (rc == 0) a->jobs[slot] = j;
        slot = rc ? rc : slot;
    }
    pthread_mutex_unlock(&a->mu);
    if (slot < 0) {
        free(j);
        return slot;
    }
    *id = jid; /* not j->rec.id: the job may already be finished and freed */
    return 0;
}

static admin_job *job_find_locked(cg_admin *a, uint64_t id)
{
    for (int i = 0; i < CG_ADMIN_JOBS_KEEP; i++)
        if (a->jobs[i] && a->jobs[i]->rec.id == id) return a->jobs[i];
    return NULL;
}

int cg_admin_job_get(cg_admin *a, uint64_t id, cg_admin_job *out)
{
    pthread_mutex_lock(&a->mu);
    admin_job *j = job_find_locked(a, id);
    if (j) *out = j->rec;
    pthread_mutex_unlock(&a->mu);
    return j ? 0 : CG_ENOTFOUND;
}

static int cmp_job_desc(const void *x, const void *y)
{
    const cg_admin_job *a = x, *b = y;
    return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

int cg_admin_job_list(cg_admin *a, cg_admin_job *out, int cap)
{
    int n = 0;
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < CG_ADMIN_JOBS_KEEP && n < cap; i++)
        if (a->jobs[i]) out[n++] = a->jobs[i]->rec;
    pthread_mutex_unlock(&a->mu);
    qsort(out, (size_t)n, sizeof *out, cmp_job_desc);
    return n;
}

int cg_admin_job_wait(cg_admin *a, uint64_t id, int timeout_ms)
{
    struct timespec dl;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&a->mu);
    for (;;) {
        admin_job *j = job_find_locked(a, id);
        if (!j) {
            rc = CG_ENOTFOUND;
            break;
        }
        if (j->rec.state >= CG_ADMIN_DONE) {
            rc = 1;
            break;
        }
        if (pthread_cond_timedwait(&a->cv, &a->mu, &dl) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void cg_admin_pool_figures(cg_admin *a, int *queued, int *active, int *threads)
{
    *queued = cg_pool_queue_depth(a->pool);
    *active = cg_pool_active(a->pool);
    *threads = cg_pool_threads(a->pool);
}

const char *cg_admin_backup_dir(const cg_admin *a)
{
    return a->backup_dir;
}

const char *cg_admin_vector_dir(const cg_admin *a)
{
    return a->vector_dir;
}

/* ---- flags ---- */

static int flag_store(cg_admin *a, const char *key, int on)
{
    char err[256];
    return cg_store_put_meta(a->store, key, on ? "1" : "0", 1, err, sizeof err);
}

static int flag_load(cg_admin *a, const char *key)
{
    char v[4] = "";
    return cg_store_get_meta(a->store, key, v, sizeof v - 1, NULL, 0) == 1 && v[0] == '1';
}

int cg_admin_maintenance_set(cg_admin *a, int on)
{
    int rc = flag_store(a, ADMIN_META_MAINTENANCE, on);
    if (rc) return rc;
    atomic_store(&a->maintenance, on != 0);
    cg_log_info("admin", on ? "maintenance mode on" : "maintenance mode off");
    return 0;
}

int cg_admin_maintenance(const cg_admin *a)
{
    return atomic_load(&((cg_admin *)a)->maintenance);
}

int cg_admin_pause_set(cg_admin *a, int paused)
{
    int rc = flag_store(a, ADMIN_META_PAUSED, paused);
    if (rc) return rc;
    cg_index_pause_set(paused);
    cg_log_info("admin", paused ? "indexing paused" : "indexing resumed");
    return 0;
}

/* ---- the backup schedule ---- */

/* When the next scheduled backup is due (see DESIGN). */
static int64_t sched_next(cg_admin *a)
{
    char err[CG_ADMIN_MSG_MAX];
    cg_backup_info newest;
    int64_t base = a->start_ms;

    if (cg_store_backup_newest(a->backup_dir, &newest, err, sizeof err) == 1)
        base = newest.created_s * 1000;
    return CG_MAX(base + a->interval_ms, a->start_ms + CG_ADMIN_SCHED_SETTLE_MS);
}

static void sched_submit(cg_admin *a)
{
    cg_admin_req r = {.op = CG_ADMIN_OP_BACKUP_INCREMENTAL};
    uint64_t id = 0;
    int rc = cg_admin_submit(a, &r, 1, &id);
    if (rc && rc != CG_ECONFLICT)
        cg_log_warn("admin", "scheduled backup not started", "error", cg_err_str(rc));
}

static void *sched_main(void *arg)
{
    cg_admin *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stopping) {
        if (a->next_backup_ms == 0) {
            pthread_mutex_unlock(&a->mu); /* listing reads the disk */
            int64_t next = sched_next(a);
            pthread_mutex_lock(&a->mu);
            if (a->next_backup_ms == 0) a->next_backup_ms = next;
            continue;
        }
        int64_t now = wall_ms();
        if (now >= a->next_backup_ms) {
            /* until the job finishes (job_done resets it), try again one interval later */
            a->next_backup_ms = now + a->interval_ms;
            pthread_mutex_unlock(&a->mu);
            sched_submit(a);
            pthread_mutex_lock(&a->mu);
            continue;
        }
        struct timespec dl = {.tv_sec = a->next_backup_ms / 1000,
                              .tv_nsec = (long)(a->next_backup_ms % 1000) * 1000000L};
        pthread_cond_timedwait(&a->cv, &a->mu, &dl);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int64_t cg_admin_next_backup_ms(cg_admin *a)
{
    pthread_mutex_lock(&a->mu);
    int64_t v = a->sched_on ? a->next_backup_ms : 0;
    pthread_mutex_unlock(&a->mu);
    return v;
}

/* ---- create / destroy ---- */

static int admin_paths(cg_admin *a, const cg_config_database *db)
{
    char vdir[CG_ADMIN_PATH_MAX + 1];
    cg_vfiles_dir(db->path, vdir, sizeof vdir);
    a->vector_dir = strdup(vdir);
    a->backup_dir = strdup(db->backup_path && *db->backup_path ? db->backup_path : "backups");
    return a->vector_dir && a->backup_dir ? 0 : CG_ENOMEM;
}

int cg_admin_create(cg_admin **out, cg_store *store, const cg_config_database *db,
                    const cg_config_performance *perf)
{
    cg_admin *a = calloc(1, sizeof *a);
    int rc;

    *out = NULL;
    if (!a) return CG_ENOMEM;
    a->store = store;
    a->start_ms = wall_ms();
    a->retention_ms = db->backup_retention_ms;
    a->interval_ms = db->backup_interval_ms > 0 ? db->backup_interval_ms : 1;
    a->threads = perf->max_concurrent_backups > 0 ? perf->max_concurrent_backups : 1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    rc = admin_paths(a, db);
    if (!rc) rc = cg_pool_create(&a->pool, a->threads, CG_ADMIN_QUEUE_MAX);
    if (rc) goto fail;
    atomic_store(&a->maintenance, flag_load(a, ADMIN_META_MAINTENANCE));
    cg_index_pause_set(flag_load(a, ADMIN_META_PAUSED));
    if (atomic_load(&a->maintenance)) cg_log_warn("admin", "starting in maintenance mode");
    if (cg_index_paused()) cg_log_warn("admin", "starting with indexing paused");
    a->sched_on = db->backup_enabled;
    if (a->sched_on && pthread_create(&a->sched, NULL, sched_main, a) == 0) {
        pthread_setname_np(a->sched, "cg-backup-sched");
        a->sched_started = 1;
    }
    *out = a;
    return 0;
fail:
    cg_admin_destroy(a);
    return rc;
}

void cg_admin_destroy(cg_admin *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->stopping = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    if (a->sched_started) pthread_join(a->sched, NULL);
    if (a->pool) cg_pool_destroy(a->pool); /* runs what is queued, joins */
    for (int i = 0; i < CG_ADMIN_JOBS_KEEP; i++) free(a->jobs[i]);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a->backup_dir);
    free(a->vector_dir);
    free(a);
}
