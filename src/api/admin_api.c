/*
 * admin_api.c — the admin endpoints (CG_ROUTE_ADMIN: the security gate demands an admin key):
 *   POST /api/v1/admin/checkpoint {"path"}            202 {"job_id",…}  consistent copy
 *   POST /api/v1/admin/backup {"rate_limit_bytes_per_s"?}          202  full backup
 *   POST /api/v1/admin/backup-incremental {…}                      202  incremental backup
 *   POST /api/v1/admin/compact | /optimize                         202  CompactRange
 *   GET  /api/v1/admin/jobs/{id}                 an admin job: state, result figures, message
 *   GET  /api/v1/admin/backups                   the backups in [database] backup_path
 *   POST /api/v1/admin/maintenance {"enabled"?}  200 — on: writes get 503 CG016, reads go on;
 *                                                no body toggles
 *   POST /api/v1/admin/pause-indexing | /resume-indexing      200
 *   GET  /api/v1/admin/stats                     database, index, caches, queues, backups
 *   GET  /api/v1/admin/queries                   in-flight requests (id, method, path, age),
 *                                                index and admin jobs
 * and the maintenance gate: dispatch (src/server/respond.c) asks cg_api_admin_refuse_write
 * before the handler of every non-admin route that can write (CG_ROUTE_F_READS exempts).
 *
 * Long operations answer 202 at once with a job id (poll GET /api/v1/admin/jobs/{id}); they
 * run on the admin service's own pool (src/admin/admin.c), never on a reactor.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/index.h"
#include "server/server_int.h"

#define ADMIN_STATS_PROJECTS_MAX 256 /* projects summed into /admin/stats (the rest counted) */
#define ADMIN_QUERIES_JOBS_MAX CG_ADMIN_JOBS_KEEP
#define ADMIN_RETRY_AFTER "Retry-After: 30\r\n"
#define ADMIN_QUERIES_REQUESTS_MAX 256 /* in-flight requests one GET admin/queries lists */

static void put_key(cg_buf *b, const char *key, int comma)
{
    if (comma) cg_buf_putc(b, ',');
    cg_api_json_key(b, key);
}

static void put_u64(cg_buf *b, const char *key, uint64_t v)
{
    put_key(b, key, 1);
    cg_buf_put_u64(b, v);
}

static void put_bool(cg_buf *b, const char *key, int v)
{
    put_key(b, key, 1);
    cg_buf_puts(b, v ? "true" : "false");
}

/* The admin service, or answers 503 when this server has none. */
static cg_admin *admin_of(cg_req *rq)
{
    cg_admin *a = rq->srv->admin;
    if (!a) cg_req_error(rq, 503, CG_EOVERLOAD, "the admin service is not running", NULL);
    return a;
}

/* The request body as a JSON object (NULL body → NULL, no answer). Answers 400. */
static int body_object(cg_req *rq, json_t **out)
{
    const cg_http_request *h = rq->http;
    json_error_t je;
    *out = NULL;
    if (!h->body || !h->body_len) return 0;
    *out = json_loadb(h->body, h->body_len, 0, &je);
    if (*out && json_is_object(*out)) return 0;
    json_decref(*out);
    *out = NULL;
    cg_req_error(rq, 400, CG_EINVAL, "the body must be a JSON object", NULL);
    return CG_EINVAL;
}

static void job_json(cg_buf *b, const cg_admin_job *j)
{
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, j->id);
    put_key(b, "op", 1);
    cg_api_json_str(b, cg_admin_op_name(j->op));
    put_key(b, "state", 1);
    cg_api_json_str(b, cg_admin_state_name(j->state));
    put_bool(b, "scheduled", j->scheduled);
    put_u64(b, "created_ms", (uint64_t)j->created_ms);
    put_u64(b, "started_ms", (uint64_t)j->started_ms);
    put_u64(b, "finished_ms", (uint64_t)j->finished_ms);
    put_key(b, "message", 1);
    cg_api_json_str(b, j->state >= CG_ADMIN_DONE ? j->message : "");
    if (j->state == CG_ADMIN_FAILED) {
        put_key(b, "code", 1);
        cg_api_json_str(b, cg_err_code(j->rc));
    }
    put_key(b, "result", 1);
    cg_buf_puts(b, j->result[0] ? j->result : "{}");
    cg_buf_putc(b, '}');
}

/* Queue op and answer 202 with the job, or the error. */
static void submit_answer(cg_req *rq, cg_admin *a, const cg_admin_req *r)
{
    cg_admin_job j;
    uint64_t id = 0;
    int rc = cg_admin_submit(a, r, 0, &id);
    if (rc == CG_ECONFLICT) {
        cg_req_error(rq, 409, CG_ECONFLICT,
                     "an operation of this kind is already queued or running (see "
                     "GET /api/v1/admin/queries)",
                     NULL);
        return;
    }
    if (rc) {
        cg_api_error(rq, rc, rc == CG_EOVERLOAD ? "the admin job queue is full" : NULL);
        return;
    }
    if (cg_admin_job_get(a, id, &j) != 0) memset(&j, 0, sizeof j), j.id = id;
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"job_id\":");
    cg_buf_put_u64(b, id);
    put_key(b, "status_url", 1);
    cg_buf_puts(b, "\"/api/v1/admin/jobs/");
    cg_buf_put_u64(b, id);
    cg_buf_puts(b, "\",\"job\":");
    job_json(b, &j);
    cg_buf_putc(b, '}');
    cg_req_json(rq, 202);
}

/* Backups take an optional {"rate_limit_bytes_per_s": N}. */
static void backup_common(cg_req *rq, cg_admin_op op)
{
    cg_admin *a = admin_of(rq);
    json_t *body = NULL;
    if (!a || body_object(rq, &body) != 0) return;
    cg_admin_req r = {.op = op};
    json_t *rate = body ? json_object_get(body, "rate_limit_bytes_per_s") : NULL;
    if (rate && (!json_is_integer(rate) || json_integer_value(rate) < 0)) {
        json_decref(body);
        cg_req_error(rq, 400, CG_EINVAL, "'rate_limit_bytes_per_s' must be an integer >= 0", NULL);
        return;
    }
    r.rate_bytes_s = rate ? (uint64_t)json_integer_value(rate) : 0;
    json_decref(body);
    submit_answer(rq, a, &r);
}

void cg_api_admin_backup(cg_req *rq)
{
    backup_common(rq, CG_ADMIN_OP_BACKUP);
}

void cg_api_admin_backup_incremental(cg_req *rq)
{
    backup_common(rq, CG_ADMIN_OP_BACKUP_INCREMENTAL);
}

void cg_api_admin_checkpoint(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    json_t *body = NULL;
    if (!a || body_object(rq, &body) != 0) return;
    json_t *p = body ? json_object_get(body, "path") : NULL;
    const char *path = json_is_string(p) ? json_string_value(p) : NULL;
    if (!path || path[0] != '/' || strlen(path) > CG_ADMIN_PATH_MAX - 32) {
        json_decref(body);
        cg_req_error(rq, 400, CG_EINVAL,
                     "'path' is required: an absolute path of a directory that does not exist",
                     NULL);
        return;
    }
    cg_admin_req r = {.op = CG_ADMIN_OP_CHECKPOINT, .path = path};
    submit_answer(rq, a, &r);
    json_decref(body);
}

void cg_api_admin_compact(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    cg_admin_req r = {.op = CG_ADMIN_OP_COMPACT};
    if (a) submit_answer(rq, a, &r);
}

void cg_api_admin_optimize(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    cg_admin_req r = {.op = CG_ADMIN_OP_OPTIMIZE};
    if (a) submit_answer(rq, a, &r);
}

void cg_api_admin_job_get(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    cg_admin_job j;
    uint64_t id;
    if (!a || cg_api_route_id(rq, "id", &id) != 0) return;
    if (cg_admin_job_get(a, id, &j) != 0) {
        cg_req_error(rq, 404, CG_ENOTFOUND, "no such admin job (or no longer remembered)", NULL);
        return;
    }
    job_json(rq->body, &j);
    cg_req_json(rq, 200);
}

static void backup_json(cg_buf *b, const cg_backup_info *in)
{
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, in->id);
    put_key(b, "created", 1);
    cg_api_json_time(b, in->created_s);
    put_key(b, "kind", 1);
    cg_api_json_str(b, in->kind < 0 ? NULL : in->kind ? "incremental" : "full");
    put_key(b, "verified", 1);
    cg_buf_puts(b, in->verified < 0 ? "null" : in->verified ? "true" : "false");
    put_u64(b, "sequence", in->sequence);
    put_u64(b, "size_bytes", in->size_bytes);
    put_u64(b, "new_bytes", in->new_bytes);
    put_u64(b, "files", in->files);
    put_u64(b, "vector_files", in->vector_files);
    put_u64(b, "vector_bytes", in->vector_bytes);
    cg_buf_putc(b, '}');
}

void cg_api_admin_backups(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    char err[CG_ADMIN_MSG_MAX];
    if (!a) return;
    cg_backup_info *all = malloc(CG_BACKUP_LIST_MAX * sizeof *all);
    int n =
        all ? cg_store_backup_list(cg_admin_backup_dir(a), all, CG_BACKUP_LIST_MAX, err, sizeof err)
            : CG_ENOMEM;
    if (n < 0) {
        free(all);
        cg_api_error(rq, n == CG_ENOMEM ? n : CG_EDB, n == CG_ENOMEM ? NULL : err);
        return;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"backup_dir\":");
    cg_api_json_str(b, cg_admin_backup_dir(a));
    cg_buf_puts(b, ",\"items\":[");
    for (int i = 0; i < CG_MIN(n, CG_BACKUP_LIST_MAX); i++) {
        if (i) cg_buf_putc(b, ',');
        backup_json(b, &all[i]);
    }
    cg_buf_putc(b, ']');
    put_u64(b, "total", (uint64_t)n);
    cg_buf_putc(b, '}');
    free(all);
    cg_req_json(rq, 200);
}

static int running_index_jobs(cg_server *s)
{
    int n = 0;
    pthread_mutex_lock(&s->jobs_mu);
    for (int i = 0; i < s->n_jobs; i++) {
        cg_index_progress p;
        cg_index_progress_get(s->jobs[i], &p);
        n += p.state < CG_JOB_DONE;
    }
    pthread_mutex_unlock(&s->jobs_mu);
    return n;
}

void cg_api_admin_maintenance(cg_req *rq)
{
    cg_admin *a = admin_of(rq);
    json_t *body = NULL;
    if (!a || body_object(rq, &body) != 0) return;
    json_t *en = body ? json_object_get(body, "enabled") : NULL;
    int prev = cg_admin_maintenance(a), on = !prev;
    if (en && !json_is_boolean(en)) {
        json_decref(body);
        cg_req_error(rq, 400, CG_EINVAL, "'enabled' must be true or false", NULL);
        return;
    }
    if (en) on = json_is_true(en);
    json_decref(body);
    int rc = cg_admin_maintenance_set(a, on);
    if (rc) {
        cg_api_error(rq, rc, "cannot store the maintenance flag");
        return;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"maintenance\":");
    cg_buf_puts(b, on ? "true" : "false");
    put_bool(b, "previous", prev);
    put_u64(b, "index_jobs_running", (uint64_t)running_index_jobs(rq->srv));
    cg_buf_putc(b, '}');
    cg_req_json(rq, 200);
}

static void pause_common(cg_req *rq, int paused)
{
    cg_admin *a = admin_of(rq);
    if (!a) return;
    int prev = cg_index_paused();
    int rc = cg_admin_pause_set(a, paused);
    if (rc) {
        cg_api_error(rq, rc, "cannot store the pause flag");
        return;
    }
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"indexing_paused\":");
    cg_buf_puts(b, paused ? "true" : "false");
    put_bool(b, "previous", prev);
    put_u64(b, "index_jobs_running", (uint64_t)running_index_jobs(rq->srv));
    put_u64(b, "workers_waiting", (uint64_t)cg_index_paused_workers());
    cg_buf_putc(b, '}');
    cg_req_json(rq, 200);
}

void cg_api_admin_pause_indexing(cg_req *rq)
{
    pause_common(rq, 1);
}

void cg_api_admin_resume_indexing(cg_req *rq)
{
    pause_common(rq, 0);
}

/* "index":{…}: projects and their summed counts, jobs, pause state. */
static void stats_index(cg_server *s, cg_buf *b)
{
    cg_graph_project *ps = malloc(ADMIN_STATS_PROJECTS_MAX * sizeof *ps);
    int n = ps ? cg_graph_project_list(s->graph, ps, ADMIN_STATS_PROJECTS_MAX) : 0, summed = 0;
    uint64_t files = 0, entities = 0, edges = 0, unresolved = 0, dirty = 0;

    for (int i = 0; i < CG_MIN(n, ADMIN_STATS_PROJECTS_MAX); i++) {
        cg_graph_view *v = NULL;
        cg_graph_stats st;
        if (ps[i].state != CG_PROJECT_ACTIVE || cg_graph_view_open(s->graph, ps[i].id, &v))
            continue;
        if (cg_graph_stats_get(v, &st) == 0) {
            files += st.files;
            entities += st.entities;
            for (int k = 0; k < CG_EDGE_COUNT; k++) edges += st.edges[k];
            unresolved += st.unresolved;
            dirty += st.dirty_files;
            summed++;
        }
        cg_graph_view_close(v);
    }
    free(ps);
    cg_buf_puts(b, ",\"index\":{\"projects\":");
    cg_buf_put_u64(b, (uint64_t)CG_MAX(n, 0));
    put_u64(b, "projects_summed", (uint64_t)summed);
    put_u64(b, "files", files);
    put_u64(b, "entities", entities);
    put_u64(b, "edges", edges);
    put_u64(b, "unresolved", unresolved);
    put_u64(b, "dirty_files", dirty);
    put_u64(b, "jobs_running", (uint64_t)running_index_jobs(s));
    put_bool(b, "paused", cg_index_paused());
    put_u64(b, "workers_waiting", (uint64_t)cg_index_paused_workers());
    cg_buf_putc(b, '}');
}

static void pool_json(cg_buf *b, const char *key, int queued, int active, int threads, int max)
{
    put_key(b, key, 1);
    cg_buf_puts(b, "{\"threads\":");
    cg_buf_put_u64(b, (uint64_t)threads);
    put_u64(b, "active", (uint64_t)active);
    put_u64(b, "queued", (uint64_t)queued);
    put_u64(b, "queue_max", (uint64_t)max);
    cg_buf_putc(b, '}');
}

static void stats_queues(cg_server *s, cg_admin *a, cg_buf *b)
{
    int q, act, th;
    cg_buf_puts(b, ",\"queues\":{\"index_jobs_running\":");
    cg_buf_put_u64(b, (uint64_t)running_index_jobs(s));
    pool_json(b, "pool", cg_pool_queue_depth(s->pool), cg_pool_active(s->pool),
              cg_pool_threads(s->pool), s->cfg.performance.pool_queue_max);
    cg_admin_pool_figures(a, &q, &act, &th);
    pool_json(b, "admin_pool", q, act, th, CG_ADMIN_QUEUE_MAX);
    cg_buf_putc(b, '}');
}

/* Cheap on the reactor: the meta directory listing and the newest backup's meta only. */
static void stats_backups(cg_admin *a, cg_buf *b)
{
    char err[CG_ADMIN_MSG_MAX];
    cg_backup_info newest;
    int n = cg_store_backup_list(cg_admin_backup_dir(a), NULL, 0, err, sizeof err);
    int found = cg_store_backup_newest(cg_admin_backup_dir(a), &newest, err, sizeof err);
    int64_t next = cg_admin_next_backup_ms(a);

    cg_buf_puts(b, ",\"backups\":{\"dir\":");
    cg_api_json_str(b, cg_admin_backup_dir(a));
    put_u64(b, "count", (uint64_t)CG_MAX(n, 0));
    put_key(b, "newest", 1);
    if (found == 1)
        backup_json(b, &newest);
    else
        cg_buf_puts(b, "null");
    put_key(b, "next_scheduled", 1);
    cg_api_json_time(b, next > 0 ? next / 1000 : 0);
    cg_buf_putc(b, '}');
}

void cg_api_admin_stats(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_admin *a = admin_of(rq);
    if (!a) return;
    cg_buf *b = rq->body;
    static const char *const states[] = {"starting", "serving", "draining", "stopped"};
    int st = (int)cg_server_get_state(s);
    cg_buf_puts(b, "{\"server\":{\"state\":");
    cg_api_json_str(b, st >= 0 && st < (int)CG_ARRAY_LEN(states) ? states[st] : "unknown");
    put_u64(b, "uptime_s", (uint64_t)cg_server_uptime_s(s));
    put_u64(b, "connections", (uint64_t)atomic_load(&s->conns));
    put_u64(b, "in_flight", (uint64_t)atomic_load(&s->inflight));
    put_u64(b, "reactors", (uint64_t)s->n_reactors);
    put_bool(b, "maintenance", cg_admin_maintenance(a));
    cg_buf_puts(b, "},");
    cg_store_stats_json(s->store, b);
    stats_index(s, b);
    stats_queues(s, a, b);
    stats_backups(a, b);
    cg_buf_putc(b, '}');
    cg_req_json(rq, 200);
}

/* "index_jobs":[…] — the running and recently finished index jobs of this server. */
static void queries_index_jobs(cg_server *s, cg_buf *b)
{
    int first = 1;
    cg_buf_puts(b, ",\"index_jobs\":[");
    pthread_mutex_lock(&s->jobs_mu);
    for (int i = 0; i < s->n_jobs; i++) {
        cg_index_progress p;
        cg_index_progress_get(s->jobs[i], &p);
        if (!first) cg_buf_putc(b, ',');
        first = 0;
        cg_buf_puts(b, "{\"id\":");
        cg_buf_put_u64(b, p.job_id);
        put_u64(b, "project", p.project);
        put_key(b, "state", 1);
        cg_api_json_str(b, cg_graph_job_state_name(p.state));
        put_u64(b, "files_total", p.files_total);
        put_u64(b, "files_done", p.files_done);
        put_key(b, "elapsed_s", 1);
        cg_buf_put_double(b, p.elapsed_s);
        cg_buf_putc(b, '}');
    }
    pthread_mutex_unlock(&s->jobs_mu);
    cg_buf_putc(b, ']');
}

/* ",\"requests\":[…]" — the requests being handled right now, oldest first (this one too). */
static void queries_requests(cg_server *s, cg_buf *b)
{
    cg_inflight *f = malloc(ADMIN_QUERIES_REQUESTS_MAX * sizeof *f);
    int n = f ? cg_server_inflight_list(s, f, ADMIN_QUERIES_REQUESTS_MAX) : 0;
    uint64_t now = cg_time_mono_ns();
    cg_buf_puts(b, ",\"requests\":[");
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(b, ',');
        cg_buf_puts(b, "{\"request_id\":");
        cg_api_json_str(b, f[i].request_id);
        put_key(b, "method", 1);
        cg_api_json_str(b, cg_http_method_name((cg_http_method)f[i].method));
        put_key(b, "path", 1);
        cg_api_json_str(b, f[i].path);
        put_u64(b, "reactor", (uint64_t)f[i].reactor);
        put_key(b, "elapsed_ms", 1);
        cg_buf_put_double(b, (double)(now - f[i].start_ns) / 1e6);
        cg_buf_putc(b, '}');
    }
    cg_buf_putc(b, ']');
    free(f);
}

void cg_api_admin_queries(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_admin *a = admin_of(rq);
    if (!a) return;
    cg_admin_job *jobs = malloc(ADMIN_QUERIES_JOBS_MAX * sizeof *jobs);
    int n = jobs ? cg_admin_job_list(a, jobs, ADMIN_QUERIES_JOBS_MAX) : 0;
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"in_flight_requests\":");
    cg_buf_put_u64(b, (uint64_t)atomic_load(&s->inflight));
    put_u64(b, "connections", (uint64_t)atomic_load(&s->conns));
    put_bool(b, "indexing_paused", cg_index_paused());
    put_bool(b, "maintenance", cg_admin_maintenance(a));
    queries_requests(s, b);
    queries_index_jobs(s, b);
    cg_buf_puts(b, ",\"admin_jobs\":[");
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(b, ',');
        job_json(b, &jobs[i]);
    }
    cg_buf_putc(b, ']');
    stats_queues(s, a, b);
    cg_buf_putc(b, '}');
    free(jobs);
    cg_req_json(rq, 200);
}

/* ---- the maintenance gate ---- */

int cg_api_admin_refuse_write(cg_req *rq)
{
    if (!rq->srv->admin || !cg_admin_maintenance(rq->srv->admin)) return 0;
    cg_req_error(rq, 503, CG_EOVERLOAD,
                 "the server is in maintenance mode: writes are refused, reads work "
                 "(POST /api/v1/admin/maintenance {\"enabled\":false} ends it)",
                 ADMIN_RETRY_AFTER);
    return 1;
}
