/*
 * projects.c — REST endpoints for projects and index jobs:
 *   POST   /api/v1/projects               {"path", "name"?} → 202 {"id","name","root","job_id"}
 *   GET    /api/v1/projects               every project with its counts and last job
 *   GET    /api/v1/projects/{id}          one project (id or name) with stats by kind
 *   DELETE /api/v1/projects/{id}          on the pool; 200 {"deleted":true,"id","name"}
 *   POST   /api/v1/projects/{id}/reindex  202 {"id","name","job_id"}
 *   GET    /api/v1/jobs/{id}              live progress or the stored job record
 *
 * DESIGN — the job table. s->jobs[0..n_jobs) (under s->jobs_mu) holds the index jobs
 * this server started: running ones, and finished ones not yet freed. A job is freed
 * ("reaped", on a reactor thread, under the mutex) once it is final and its record says it
 * finished at least JOB_REAP_S seconds ago — not from its `done` callback: that callback
 * runs inside the job's last pool task, and the pool reads that task (embedded in the
 * job) after the callback returns, so freeing there would be a use-after-free. The grace
 * period also lets GET /jobs/{id} answer a just-finished job from memory. Whatever is left
 * is freed by cg_server_destroy after the pool has stopped.
 * Invariants, all under s->jobs_mu:
 *  * at most one non-final job per project (a second POST …/reindex is 409);
 *  * no job starts for a project in the deleting set, and no delete starts while a job of
 *    the project is running (409 both ways), so a delete never races its own re-index;
 *  * a project leaves the deleting set on the reactor thread after its delete finished.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "codegraph/base.h"
#include "codegraph/index.h"
#include "codegraph/walk.h"
#include "server/server_int.h"

#define JOB_REAP_S 2       /* seconds a finished job stays in s->jobs before it is freed */
#define DELETES_MAX 64     /* project deletions in flight, all servers of the process */
#define MSG_MAX 1024       /* bytes of one error message */
#define BODY_PATH_MAX 4096 /* bytes of the "path" member of a create request */

_Static_assert(DELETES_MAX >= 1, "at least one delete at a time");

/* ---- the deleting set (its own mutex: one set for every server of the process) ---- */

static pthread_mutex_t del_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const cg_server *s;
    uint32_t project;
} deleting[DELETES_MAX];
static int n_deleting;

static int deleting_has(const cg_server *s, uint32_t project)
{
    int found = 0;
    pthread_mutex_lock(&del_mu);
    for (int i = 0; i < n_deleting && !found; i++)
        found = deleting[i].s == s && deleting[i].project == project;
    pthread_mutex_unlock(&del_mu);
    return found;
}

/* 0 added, CG_ECONFLICT already there, CG_EOVERLOAD set full. */
static int deleting_add(const cg_server *s, uint32_t project)
{
    int rc = 0;
    pthread_mutex_lock(&del_mu);
    for (int i = 0; i < n_deleting && !rc; i++)
        if (deleting[i].s == s && deleting[i].project == project) rc = CG_ECONFLICT;
    if (!rc && n_deleting == DELETES_MAX) rc = CG_EOVERLOAD;
    if (!rc) {
        deleting[n_deleting].s = s;
        deleting[n_deleting++].project = project;
    }
    pthread_mutex_unlock(&del_mu);
    return rc;
}

static void deleting_remove(const cg_server *s, uint32_t project)
{
    pthread_mutex_lock(&del_mu);
    for (int i = 0; i < n_deleting; i++) {
        if (deleting[i].s == s && deleting[i].project == project) {
            deleting[i] = deleting[--n_deleting];
            break;
        }
    }
    pthread_mutex_unlock(&del_mu);
}

/* ---- the job table (s->jobs_mu held) ---- */

static int job_state(cg_index_job *j)
{
    cg_index_progress p;
    cg_index_progress_get(j, &p);
    return p.state;
}

static void jobs_reap_locked(cg_server *s)
{
    int64_t now = cg_time_wall_s();
    for (int i = 0; i < s->n_jobs;) {
        cg_index_job *j = s->jobs[i];
        /* Released = final and no pool task touches it any more (cg_index_wait with 0 ms
         * does not block); finished_s is valid once final. */
        if (job_state(j) >= CG_JOB_DONE && cg_index_wait(j, 0) &&
            now - cg_index_job_record(j)->finished_s >= JOB_REAP_S) {
            cg_index_job_free(j);
            s->jobs[i] = s->jobs[--s->n_jobs];
        } else {
            i++;
        }
    }
}

/* The non-final job of a project, or NULL. */
static cg_index_job *job_running_locked(cg_server *s, uint32_t project)
{
    for (int i = 0; i < s->n_jobs; i++) {
        cg_index_job *j = s->jobs[i];
        if (cg_index_job_record(j)->project == project && job_state(j) < CG_JOB_DONE) return j;
    }
    return NULL;
}

static cg_index_job *job_find_locked(cg_server *s, uint64_t id)
{
    for (int i = 0; i < s->n_jobs; i++)
        if (cg_index_job_record(s->jobs[i])->id == id) return s->jobs[i];
    return NULL;
}

/* Room for one more job (jobs_mu held): the table has a free slot and fewer than
 * [performance] max_concurrent_indexing jobs are running. 0, or CG_EOVERLOAD (503 with
 * Retry-After) with the reason in msg. */
static int jobs_admit_locked(cg_server *s, char *msg, size_t cap)
{
    int running = 0, max = s->cfg.performance.max_concurrent_indexing;
    for (int i = 0; i < s->n_jobs; i++) running += job_state(s->jobs[i]) < CG_JOB_DONE;
    if (s->n_jobs >= CG_SERVER_JOBS_MAX) {
        snprintf(msg, cap, "too many index jobs (%d); retry later", CG_SERVER_JOBS_MAX);
        return CG_EOVERLOAD;
    }
    if (running >= max) {
        snprintf(msg, cap,
                 "%d index jobs are running ([performance] max_concurrent_indexing = %d); "
                 "retry later",
                 running, max);
        return CG_EOVERLOAD;
    }
    return 0;
}

/* Start an index job for the project (jobs_mu held). CG_ECONFLICT / CG_EOVERLOAD with a
 * message in msg, or the error of cg_index_start. */
static int job_start_locked(cg_server *s, uint32_t project, const char *kind, uint64_t *job_id,
                            char *msg, size_t cap)
{
    cg_index_job *j = job_running_locked(s, project);
    if (j) {
        snprintf(msg, cap, "index job %llu is still running for this project",
                 (unsigned long long)cg_index_job_record(j)->id);
        return CG_ECONFLICT;
    }
    if (deleting_has(s, project)) {
        snprintf(msg, cap, "the project is being deleted");
        return CG_ECONFLICT;
    }
    int rc = jobs_admit_locked(s, msg, cap);
    if (rc != 0) return rc;
    rc = cg_index_start(s->graph, s->pool, &s->cfg.parsing, project, kind, NULL, NULL, &j, job_id);
    if (rc == 0)
        s->jobs[s->n_jobs++] = j;
    else
        snprintf(msg, cap, "cannot start the index job: %s", cg_err_str(rc));
    return rc;
}

/* ---- job answers ---- */

/* What we know about one job: the live counters, the record, or both. */
typedef struct job_info {
    int live;      /* prog is valid (the job is in the table) */
    int final_rec; /* rec is the complete final record */
    cg_index_progress prog;
    cg_graph_job rec;
} job_info;

/* 0, or CG_ENOTFOUND when the job is neither running nor stored. */
static int job_info_load(cg_server *s, uint64_t id, job_info *ji)
{
    memset(ji, 0, sizeof *ji);
    pthread_mutex_lock(&s->jobs_mu);
    jobs_reap_locked(s);
    cg_index_job *j = job_find_locked(s, id);
    if (j) {
        ji->live = 1;
        cg_index_progress_get(j, &ji->prog);
        if (ji->prog.state >= CG_JOB_DONE) {
            ji->rec = *cg_index_job_record(j);
            ji->final_rec = 1;
        }
    }
    pthread_mutex_unlock(&s->jobs_mu);
    if (ji->final_rec) return 0;
    int rc = cg_graph_job_get(s->graph, id, &ji->rec); /* kind and times of a running job */
    if (rc != 0 && !ji->live) return rc;
    if (rc != 0) ji->rec.id = id;
    ji->final_rec = !ji->live;
    return 0;
}

static void put_u64(cg_buf *b, const char *key, uint64_t v)
{
    cg_buf_putc(b, ',');
    cg_api_json_key(b, key);
    cg_buf_put_u64(b, v);
}

static void job_counts_write(cg_buf *b, const job_info *ji)
{
    const cg_graph_job *r = &ji->rec;
    if (ji->live) {
        const cg_index_progress *p = &ji->prog;
        put_u64(b, "files_total", p->files_total);
        put_u64(b, "files_done", p->files_done);
        put_u64(b, "files_indexed", p->files_indexed);
        put_u64(b, "files_unchanged", p->files_unchanged);
        put_u64(b, "files_skipped", p->files_skipped);
        put_u64(b, "files_failed", p->files_failed);
        put_u64(b, "files_deleted", p->files_deleted);
        put_u64(b, "entities", p->entities);
        put_u64(b, "bytes", p->bytes);
        put_u64(b, "generation", p->state >= CG_JOB_DONE ? p->generation : r->generation);
        cg_buf_printf(b, ",\"elapsed_s\":%.3f,\"walking\":%s", p->elapsed_s,
                      p->walking ? "true" : "false");
        return;
    }
    uint64_t not_indexed = r->files_unchanged + r->files_skipped + r->files_failed;
    put_u64(b, "files_total", r->files_total);
    put_u64(b, "files_done", r->files_done);
    put_u64(b, "files_indexed", r->files_done > not_indexed ? r->files_done - not_indexed : 0);
    put_u64(b, "files_unchanged", r->files_unchanged);
    put_u64(b, "files_skipped", r->files_skipped);
    put_u64(b, "files_failed", r->files_failed);
    put_u64(b, "files_deleted", r->files_deleted);
    put_u64(b, "entities", r->entities);
    put_u64(b, "generation", r->generation);
}

/* The job object; `errors`: with the kept error messages. */
static void job_write(cg_buf *b, const job_info *ji, const char *project_name, int errors)
{
    const cg_graph_job *r = &ji->rec;
    int state = ji->live ? ji->prog.state : r->state;
    const char *sn = cg_graph_job_state_name(state);
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, r->id);
    cg_buf_puts(b, ",\"project\":");
    cg_api_json_str(b, project_name);
    put_u64(b, "project_id", ji->live ? ji->prog.project : r->project);
    cg_buf_puts(b, ",\"kind\":");
    cg_api_json_str(b, r->kind[0] ? r->kind : NULL);
    cg_buf_puts(b, ",\"state\":");
    cg_api_json_str(b, sn ? sn : "unknown");
    job_counts_write(b, ji);
    uint64_t nerr = r->n_errors;
    if (!ji->final_rec && ji->live) nerr = CG_MAX(nerr, ji->prog.files_failed);
    put_u64(b, "error_count", nerr);
    if (errors) {
        cg_buf_puts(b, ",\"errors\":[");
        for (int i = 0; i < r->n_msgs && i < CG_GRAPH_JOB_ERRORS_MAX; i++) {
            if (i) cg_buf_putc(b, ',');
            cg_buf_put_json_str(b, r->errors[i], strnlen(r->errors[i], CG_GRAPH_JOB_ERROR_LEN));
        }
        cg_buf_putc(b, ']');
    }
    cg_buf_puts(b, ",\"created_at\":");
    cg_api_json_time(b, r->created_s);
    cg_buf_puts(b, ",\"started_at\":");
    cg_api_json_time(b, r->started_s);
    cg_buf_puts(b, ",\"finished_at\":");
    cg_api_json_time(b, state >= CG_JOB_DONE ? r->finished_s : 0);
    cg_buf_putc(b, '}');
}

void cg_api_job_get(cg_req *rq)
{
    cg_server *s = rq->srv;
    uint64_t id;
    job_info ji;
    cg_graph_project pr;
    char msg[MSG_MAX];
    if (cg_api_route_id(rq, "id", &id) != 0) return;
    int rc = job_info_load(s, id, &ji);
    if (rc != 0) {
        snprintf(msg, sizeof msg, "no job %llu", (unsigned long long)id);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
        return;
    }
    uint32_t pid = ji.live ? ji.prog.project : ji.rec.project;
    int have = cg_graph_project_get(s->graph, pid, &pr) == 0;
    job_write(rq->body, &ji, have ? pr.name : NULL, 1);
    cg_req_json(rq, 200);
}

/* ---- project answers ---- */

static void stats_detail_write(cg_buf *b, const cg_graph_stats *st)
{
    cg_buf_puts(b, ",\"stats\":{\"generation\":");
    cg_buf_put_u64(b, st->generation);
    put_u64(b, "files", st->files);
    put_u64(b, "dirty_files", st->dirty_files);
    put_u64(b, "bytes", st->bytes);
    put_u64(b, "entities", st->entities);
    cg_buf_puts(b, ",\"by_kind\":{");
    for (int k = 0; k < CG_GRAPH_KIND_COUNT; k++) {
        if (k) cg_buf_putc(b, ',');
        cg_api_json_key(b, cg_graph_kind_name(k));
        cg_buf_put_u64(b, st->by_kind[k]);
    }
    cg_buf_puts(b, "},\"edges\":{");
    for (int k = 0; k < CG_EDGE_COUNT; k++) {
        if (k) cg_buf_putc(b, ',');
        cg_api_json_key(b, cg_graph_edge_name(k));
        cg_buf_put_u64(b, st->edges[k]);
    }
    cg_buf_putc(b, '}');
    put_u64(b, "refs", st->refs);
    put_u64(b, "unresolved", st->unresolved);
    cg_buf_putc(b, '}');
}

/* The counts of the project's published view; `detail` adds the stats object. */
static void project_counts_write(cg_buf *b, cg_server *s, const cg_graph_project *pr, int detail)
{
    cg_graph_view *v = NULL;
    cg_graph_stats st;
    int ok = cg_graph_view_open(s->graph, pr->id, &v) == 0 && cg_graph_stats_get(v, &st) == 0;
    cg_graph_view_close(v);
    if (!ok) {
        cg_buf_puts(b, ",\"files\":null,\"entities\":null,\"edges\":null");
        if (detail) cg_buf_puts(b, ",\"stats\":null");
        return;
    }
    uint64_t edges = 0;
    for (int k = 0; k < CG_EDGE_COUNT; k++) edges += st.edges[k];
    put_u64(b, "files", st.files);
    put_u64(b, "entities", st.entities);
    put_u64(b, "edges", edges);
    if (detail) stats_detail_write(b, &st);
}

static void project_write(cg_buf *b, cg_server *s, const cg_graph_project *pr, int detail)
{
    job_info ji;
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, pr->id);
    cg_buf_puts(b, ",\"name\":");
    cg_api_json_str(b, pr->name);
    cg_buf_puts(b, ",\"root\":");
    cg_api_json_str(b, pr->root);
    cg_buf_puts(b, pr->state == CG_PROJECT_ACTIVE ? ",\"state\":\"active\""
                                                  : ",\"state\":\"deleting\"");
    put_u64(b, "generation", pr->generation);
    cg_buf_puts(b, ",\"created_at\":");
    cg_api_json_time(b, pr->created_s);
    cg_buf_puts(b, ",\"indexed_at\":");
    cg_api_json_time(b, pr->indexed_s);
    project_counts_write(b, s, pr, detail);
    cg_buf_puts(b, ",\"last_job\":");
    if (pr->last_job && job_info_load(s, pr->last_job, &ji) == 0)
        job_write(b, &ji, pr->name, detail);
    else
        cg_buf_puts(b, "null");
    cg_buf_putc(b, '}');
}

int cg_api_project_resolve(cg_req *rq, cg_graph_project *out)
{
    char v[CG_GRAPH_NAME_MAX + 1], msg[MSG_MAX];
    uint64_t id;
    cg_graph *g = rq->srv->graph;
    if (cg_api_route_str(rq, "id", v, sizeof v) != 0) return CG_EINVAL;
    int rc = CG_ENOTFOUND;
    if (cg_api_parse_u64(v, strlen(v), &id) == 0 && id > 0 && id <= UINT32_MAX)
        rc = cg_graph_project_get(g, (uint32_t)id, out);
    if (rc == CG_ENOTFOUND) rc = cg_graph_project_find(g, v, out);
    if (rc == 0 && out->state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (rc != 0) {
        snprintf(msg, sizeof msg, "no project '%.300s'", v);
        cg_api_error(rq, rc, rc == CG_ENOTFOUND ? msg : NULL);
    }
    return rc;
}

void cg_api_project_get(cg_req *rq)
{
    cg_graph_project pr;
    if (cg_api_project_resolve(rq, &pr) != 0) return;
    project_write(rq->body, rq->srv, &pr, 1);
    cg_req_json(rq, 200);
}

void cg_api_projects_list(cg_req *rq)
{
    int64_t limit;
    if (cg_api_param_int(rq, "limit", 1, INT32_MAX, 100, &limit) != 0) return;
    limit = CG_MIN(limit, (int64_t)CG_API_PROJECTS_MAX);
    cg_graph_project *ps = malloc((size_t)limit * sizeof *ps);
    if (!ps) {
        cg_api_error(rq, CG_ENOMEM, NULL);
        return;
    }
    int total = cg_graph_project_list(rq->srv->graph, ps, (int)limit);
    if (total < 0) {
        free(ps);
        cg_api_error(rq, total, NULL);
        return;
    }
    int n = (int)CG_MIN((int64_t)total, limit);
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"projects\":[");
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(b, ',');
        project_write(b, rq->srv, &ps[i], 0);
    }
    cg_buf_puts(b, "],\"total\":");
    cg_buf_put_u64(b, (uint64_t)total);
    put_u64(b, "limit", (uint64_t)limit);
    cg_buf_puts(b, total > n ? ",\"truncated\":true}" : ",\"truncated\":false}");
    free(ps);
    cg_req_json(rq, 200);
}

/* ---- POST /api/v1/projects ---- */

/* Names are identifiers in URLs next to ids: 1..CG_GRAPH_NAME_MAX bytes, no control
 * characters, not only digits (a number in /projects/{id} means an id). */
static int name_valid(const char *name)
{
    size_t n = strlen(name);
    int digits = 1;
    if (n == 0 || n > CG_GRAPH_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f) return 0;
        if (c < '0' || c > '9') digits = 0;
    }
    return !digits;
}

/* Read {"path": string, "name"?: string}. Answers 400. */
static int create_body_parse(cg_req *rq, char *path, size_t pcap, char *name, size_t ncap)
{
    const cg_http_request *h = rq->http;
    json_error_t je;
    json_t *root = h->body && h->body_len ? json_loadb(h->body, h->body_len, 0, &je) : NULL;
    const char *why = NULL;
    json_t *jp = root ? json_object_get(root, "path") : NULL;
    json_t *jn = root ? json_object_get(root, "name") : NULL;
    if (!root || !json_is_object(root))
        why = "the body must be a JSON object {\"path\": …, \"name\": …}";
    else if (!json_is_string(jp) || json_string_length(jp) == 0)
        why = "'path' is required: a non-empty string";
    else if (json_string_length(jp) >= pcap)
        why = "'path' is too long";
    else if (jn && !json_is_null(jn) && (!json_is_string(jn) || json_string_length(jn) >= ncap))
        why = "'name' must be a string of at most 255 bytes";
    if (why) {
        json_decref(root);
        cg_req_error(rq, 400, CG_EINVAL, why, NULL);
        return CG_EINVAL;
    }
    snprintf(path, pcap, "%s", json_string_value(jp));
    snprintf(name, ncap, "%s", json_is_string(jn) ? json_string_value(jn) : "");
    json_decref(root);
    return 0;
}

/* Lexically normalise an absolute path in place ("." and ".." segments, "//"). */
static void path_normalise(char *p)
{
    char *out = p, *in = p;
    while (*in) {
        while (*in == '/') in++;
        char *seg = in;
        while (*in && *in != '/') in++;
        size_t n = (size_t)(in - seg);
        if (n == 0 || (n == 1 && seg[0] == '.')) continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/') {
            }
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p) *out++ = '/';
    *out = '\0';
}

/* 1 when `path` (made absolute against the working directory, normalised without touching
 * the file system) lies under one allowed root as written or as resolved. */
static int lexically_allowed(const cg_config_parsing *p, const char *path)
{
    char abs[PATH_MAX * 2], root[PATH_MAX];
    if (path[0] == '/') {
        snprintf(abs, sizeof abs, "%s", path);
    } else {
        if (!getcwd(root, sizeof root)) return 0;
        snprintf(abs, sizeof abs, "%s/%s", root, path);
    }
    path_normalise(abs);
    for (int i = 0; i < p->allowed_roots.n; i++) {
        const char *cands[2] = {p->allowed_roots.items[i], NULL};
        if (realpath(p->allowed_roots.items[i], root)) cands[1] = root;
        for (int k = 0; k < 2; k++) {
            if (!cands[k]) continue;
            size_t n = strlen(cands[k]);
            while (n > 1 && cands[k][n - 1] == '/') n--;
            if (strncmp(abs, cands[k], n) == 0 && (abs[n] == '/' || abs[n] == '\0' || n == 1))
                return 1;
        }
    }
    return 0;
}

/* Answer a failed cg_walk_root_check. A path that does not resolve is reported as missing
 * only when it lies under an allowed root: elsewhere 403, so the API never tells whether
 * something outside the allowed roots exists. */
static void root_check_fail(cg_req *rq, const char *path, int rc, const char *why)
{
    const cg_config_parsing *p = &rq->srv->cfg.parsing;
    if (rc == -EACCES || !lexically_allowed(p, path)) {
        char msg[MSG_MAX];
        snprintf(msg, sizeof msg, "path '%.512s' is not under [parsing] allowed_roots", path);
        cg_req_error(rq, 403, CG_EFORBIDDEN, rc == -EACCES ? why : msg, NULL);
    } else if (rc == -ENOENT) {
        cg_req_error(rq, 404, CG_ENOTFOUND, why, NULL);
    } else {
        cg_req_error(rq, 400, CG_EINVAL, why, NULL);
    }
}

/* The default name: the last component of the resolved root. */
static void name_default(const char *real, char *name, size_t cap)
{
    const char *slash = strrchr(real, '/');
    snprintf(name, cap, "%s", slash && slash[1] ? slash + 1 : real);
}

/* Create the project and start its first job (jobs_mu held). On a failed start the
 * project is removed again, so a 503 leaves nothing behind. */
static int create_locked(cg_server *s, const char *name, const char *real, uint32_t *pid,
                         uint64_t *job_id, char *msg, size_t cap)
{
    jobs_reap_locked(s);
    int rc = jobs_admit_locked(s, msg, cap);
    if (rc != 0) return rc;
    rc = cg_graph_project_create(s->graph, name, real, pid);
    if (rc == -EEXIST) {
        snprintf(msg, cap, "a project named '%.300s' already exists", name);
        return CG_ECONFLICT;
    }
    if (rc != 0) {
        snprintf(msg, cap, "cannot create the project: %s", cg_err_str(rc));
        return rc;
    }
    rc = job_start_locked(s, *pid, "index", job_id, msg, cap);
    if (rc != 0) cg_graph_project_delete(s->graph, *pid);
    return rc;
}

static void accepted_write(cg_req *rq, uint32_t pid, const char *name, const char *root,
                           uint64_t job_id)
{
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, pid);
    cg_buf_puts(b, ",\"name\":");
    cg_api_json_str(b, name);
    cg_buf_puts(b, ",\"root\":");
    cg_api_json_str(b, root);
    put_u64(b, "job_id", job_id);
    cg_buf_putc(b, '}');
    cg_req_json(rq, 202);
}

void cg_api_projects_create(cg_req *rq)
{
    cg_server *s = rq->srv;
    char path[BODY_PATH_MAX], name[CG_GRAPH_NAME_MAX + 1], real[CG_GRAPH_PATH_MAX + 1];
    char why[MSG_MAX];
    uint32_t pid = 0;
    uint64_t job_id = 0;
    if (create_body_parse(rq, path, sizeof path, name, sizeof name) != 0) return;
    int rc = cg_walk_root_check(&s->cfg.parsing, path, real, sizeof real, why, sizeof why);
    if (rc != 0) {
        root_check_fail(rq, path, rc, why);
        return;
    }
    if (!name[0]) name_default(real, name, sizeof name);
    if (!name_valid(name)) {
        cg_req_error(rq, 400, CG_EINVAL,
                     "'name' must be 1..255 bytes without control characters and not only "
                     "digits (give one when the directory name is a number)",
                     NULL);
        return;
    }
    pthread_mutex_lock(&s->jobs_mu);
    rc = create_locked(s, name, real, &pid, &job_id, why, sizeof why);
    pthread_mutex_unlock(&s->jobs_mu);
    if (rc != 0) {
        cg_api_error(rq, rc, why);
        return;
    }
    accepted_write(rq, pid, name, real, job_id);
}

void cg_api_project_reindex(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_graph_project pr;
    char why[MSG_MAX];
    uint64_t job_id = 0;
    if (cg_api_project_resolve(rq, &pr) != 0) return;
    pthread_mutex_lock(&s->jobs_mu);
    jobs_reap_locked(s);
    int rc = job_start_locked(s, pr.id, "reindex", &job_id, why, sizeof why);
    pthread_mutex_unlock(&s->jobs_mu);
    if (rc != 0) {
        cg_api_error(rq, rc, why);
        return;
    }
    accepted_write(rq, pr.id, pr.name, pr.root, job_id);
}

/* ---- DELETE /api/v1/projects/{id} ---- */

/* A delete on the pool; answered from `done` on the request's reactor. */
typedef struct del_task {
    cg_job job; /* first: the pool's completion message */
    cg_req *rq;
    cg_server *srv;
    uint32_t project;
    char name[CG_GRAPH_NAME_MAX + 1];
} del_task;

static void del_run(cg_job *job)
{
    del_task *t = (del_task *)job;
    job->status = cg_graph_project_delete(t->srv->graph, t->project);
    if (job->status == 0) /* its last-indexed series leaves the scrape with it */
        (void)cg_metrics_gauge_dyn_remove(t->srv->metrics, CG_INDEX_METRIC_LAST_INDEXED, "project",
                                          t->name);
}

static void del_done(cg_job *job)
{
    del_task *t = (del_task *)job;
    cg_req *rq = t->rq;
    deleting_remove(t->srv, t->project);
    cg_buf_reset(rq->body); /* the reactor's scratch served other requests meanwhile */
    if (job->status == 0) {
        cg_buf_puts(rq->body, "{\"deleted\":true,\"id\":");
        cg_buf_put_u64(rq->body, t->project);
        cg_buf_puts(rq->body, ",\"name\":");
        cg_api_json_str(rq->body, t->name);
        cg_buf_putc(rq->body, '}');
        cg_req_json(rq, 200);
    } else {
        cg_api_error(rq, job->status, NULL);
    }
    free(t);
}

/* Claim the project for deletion (no job running, not already deleting). */
static int del_claim(cg_server *s, uint32_t project, char *msg, size_t cap)
{
    int rc = 0;
    pthread_mutex_lock(&s->jobs_mu);
    jobs_reap_locked(s);
    cg_index_job *j = job_running_locked(s, project);
    if (j) {
        snprintf(msg, cap, "index job %llu is running for this project; retry when it is done",
                 (unsigned long long)cg_index_job_record(j)->id);
        rc = CG_ECONFLICT;
    } else if ((rc = deleting_add(s, project)) != 0) {
        snprintf(msg, cap, "%s",
                 rc == CG_ECONFLICT ? "the project is already being deleted"
                                    : "too many deletions in progress");
    }
    pthread_mutex_unlock(&s->jobs_mu);
    return rc;
}

void cg_api_project_delete(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_graph_project pr;
    char why[MSG_MAX];
    if (cg_api_project_resolve(rq, &pr) != 0) return;
    int rc = del_claim(s, pr.id, why, sizeof why);
    if (rc != 0) {
        cg_api_error(rq, rc, why);
        return;
    }
    del_task *t = calloc(1, sizeof *t);
    if (!t) {
        deleting_remove(s, pr.id);
        cg_api_error(rq, CG_ENOMEM, NULL);
        return;
    }
    t->job.run = del_run;
    t->job.done = del_done;
    t->job.owner = s->rctx[rq->shard].reactor;
    t->rq = rq;
    t->srv = s;
    t->project = pr.id;
    snprintf(t->name, sizeof t->name, "%s", pr.name);
    /* `done` runs on this reactor thread, so not before this handler returned: submitting
     * first and deferring after is safe, and a refused submit can still answer at once. */
    if (cg_pool_submit(s->pool, &t->job) != 0) {
        deleting_remove(s, pr.id);
        free(t);
        cg_api_error(rq, CG_EOVERLOAD, "the thread pool is full; retry later");
        return;
    }
    cg_req_defer(rq);
}
