/*
 * mcp_api.c — MCP Streamable HTTP at POST [mcp] endpoint (default /mcp), stateless.
 *
 * Checks, in this order, before any JSON-RPC is looked at:
 *   1. Origin (DNS rebinding): a present Origin must be a loopback origin (http or https,
 *      localhost / 127.0.0.1 / [::1], any port) or exactly one of [server] cors_origins
 *      ("*" there is not honoured for MCP); else 403. A Host header that is not a loopback
 *      name is refused (403) too while the server listens on a loopback address.
 *   2. [mcp] rate_limit (requests per minute per client; the client identity is the
 *      security gate's: credential, else IP) → 429 with Retry-After; 0 disables it.
 *   3. [mcp] max_concurrent_requests (MCP requests being handled at once) → 503.
 *   4. MCP-Protocol-Version: when present it must be one we speak → else 400. Absent is
 *      read as 2025-03-26, as the specification says.
 *   5. Content-Type application/json (when present) → else 415; Accept must allow
 *      application/json (then the answer is JSON) or text/event-stream (then the answer is
 *      one SSE "message" event, unless [mcp] enable_streaming = false) → else 406. Absent
 *      Accept allows JSON.
 * The body size is bounded by [mcp] max_request_size before it is read (413, the server);
 * [mcp] request_timeout is the deadline tools check between steps (cooperative: queries
 * are bounded, so none runs long). GET (a server-initiated SSE stream) and DELETE
 * (sessions) are not offered: 405 with Allow: POST, from the router.
 *
 * Answers: a request → 200 with the JSON-RPC response; a notification or a client
 * response → 202 without a body; a message that is not valid JSON-RPC → 400 with a
 * JSON-RPC error (null id). index_repository starts jobs in the server's job table (same
 * rules as POST /api/v1/projects: one job per project, CG_SERVER_JOBS_MAX at once, none in
 * maintenance mode; the read-only tools keep working then).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/mcp.h"
#include "codegraph/security.h"
#include "server/server_int.h"

#define JOB_REAP_S 2         /* seconds a finished job stays in s->jobs (as projects.c) */
#define RATE_WINDOW_MS 60000 /* [mcp] rate_limit is per minute */
#define ORIGIN_MAX 512       /* bytes of an Origin/Host header we compare */

static _Atomic int inflight; /* MCP requests being handled, every reactor */
static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;
static cg_ratelimit *rl;
static int rl_rate;

/* ---- Origin and Host ---- */

/* 1 when host[0..n) (optionally ":port") is localhost, 127.0.0.1 or [::1]. */
static int loopback_host(const char *h, size_t n)
{
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < CG_ARRAY_LEN(names); i++) {
        size_t k = strlen(names[i]);
        if (n < k || strncasecmp(h, names[i], k) != 0) continue;
        if (n == k) return 1;
        if (h[k] != ':' || n == k + 1) continue;
        size_t j = k + 1;
        while (j < n && h[j] >= '0' && h[j] <= '9') j++;
        if (j == n) return 1;
    }
    return 0;
}

static int origin_allowed(const cg_config *c, const char *o, size_t n)
{
    if (n > 7 && strncasecmp(o, "http://", 7) == 0 && loopback_host(o + 7, n - 7)) return 1;
    if (n > 8 && strncasecmp(o, "https://", 8) == 0 && loopback_host(o + 8, n - 8)) return 1;
    const cg_strlist *l = &c->server.cors_origins;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], "*") != 0 && strlen(l->items[i]) == n &&
            strncasecmp(l->items[i], o, n) == 0)
            return 1;
    return 0;
}

static int bound_to_loopback(const cg_config *c)
{
    const char *h = c->server.host;
    return strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0 ||
           strncmp(h, "127.", 4) == 0;
}

/* Answer an HTTP-level refusal with a JSON-RPC error body (null id). */
static void refuse(cg_req *rq, int status, int rpc_code, const char *msg, const char *hdrs)
{
    cg_buf_reset(rq->body);
    cg_mcp_error_write(rq->body, rpc_code, msg);
    cg_req_respond(rq, status, "application/json", rq->body->data, rq->body->len, hdrs);
}

/* Check 1. Answers 403. */
static int origin_check(cg_req *rq)
{
    const cg_config *c = &rq->srv->cfg;
    const cg_http_header *o = cg_http_find_header(rq->http, "origin");
    const cg_http_header *h = cg_http_find_header(rq->http, "host");
    if (o && (o->value_len > ORIGIN_MAX || !origin_allowed(c, o->value, o->value_len))) {
        refuse(rq, 403, -32600,
               "Origin not allowed (DNS-rebinding protection): use a loopback "
               "origin or list it in [server] cors_origins",
               NULL);
        return CG_EFORBIDDEN;
    }
    if (h && bound_to_loopback(c) && !loopback_host(h->value, h->value_len)) {
        refuse(rq, 403, -32600, "Host not allowed: this server listens on loopback only", NULL);
        return CG_EFORBIDDEN;
    }
    return 0;
}

/* ---- limits ---- */

/* Check 2. Answers 429. */
static int rate_check(cg_req *rq)
{
    int rate = rq->srv->cfg.mcp.rate_limit;
    uint32_t retry = 1;
    char hdr[64];
    if (rate <= 0) return 0;
    pthread_mutex_lock(&rl_mu);
    if (!rl && cg_ratelimit_create(&rl, rate, RATE_WINDOW_MS, rate) == 0) rl_rate = rate;
    if (rl && rl_rate != rate) {
        cg_ratelimit_configure(rl, rate, RATE_WINDOW_MS, rate);
        rl_rate = rate;
    }
    pthread_mutex_unlock(&rl_mu);
    if (!rl || cg_ratelimit_take(rl, cg_req_client_id(rq), cg_time_mono_ns(), &retry)) return 0;
    snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", retry);
    refuse(rq, 429, -32000, "rate limited ([mcp] rate_limit requests per minute per client)", hdr);
    return CG_ERATE;
}

/* Check 4. Answers 400. */
static int version_check(cg_req *rq)
{
    const cg_http_header *v = cg_http_find_header(rq->http, "mcp-protocol-version");
    if (!v || cg_mcp_protocol_supported(v->value, v->value_len)) return 0;
    refuse(rq, 400, -32600,
           "unsupported MCP-Protocol-Version (supported: 2025-11-25, "
           "2025-06-18, 2025-03-26)",
           NULL);
    return CG_EINVAL;
}

/* 1 when the media-range list allows `type` ("application/json") or `major` (its type with a
 * wildcard subtype) or any type. */
static int accepts(const char *v, size_t n, const char *type, const char *major)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == ',')) i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ';' && v[i] != ' ') i++;
        size_t k = i - s;
        if ((k == strlen(type) && strncasecmp(v + s, type, k) == 0) ||
            (k == strlen(major) && strncasecmp(v + s, major, k) == 0) ||
            (k == 3 && memcmp(v + s, "*/*", 3) == 0))
            return 1;
        while (i < n && v[i] != ',') i++;
    }
    return 0;
}

/* Check 5: *sse = answer as an event stream. Answers 415 / 406. */
static int media_check(cg_req *rq, int *sse)
{
    const cg_http_header *ct = cg_http_find_header(rq->http, "content-type");
    const cg_http_header *ac = cg_http_find_header(rq->http, "accept");
    *sse = 0;
    if (ct && !(ct->value_len >= 16 && strncasecmp(ct->value, "application/json", 16) == 0 &&
                (ct->value_len == 16 || ct->value[16] == ';' || ct->value[16] == ' '))) {
        refuse(rq, 415, -32600, "Content-Type must be application/json", NULL);
        return CG_EINVAL;
    }
    if (!ac || accepts(ac->value, ac->value_len, "application/json", "application/*")) return 0;
    if (rq->srv->cfg.mcp.enable_streaming &&
        accepts(ac->value, ac->value_len, "text/event-stream", "text/*")) {
        *sse = 1;
        return 0;
    }
    refuse(rq, 406, -32600, "Accept must allow application/json or text/event-stream", NULL);
    return CG_EINVAL;
}

/* ---- the host: index jobs in the server's table ---- */

/* Free finished jobs (as projects.c does: final, released by the pool, JOB_REAP_S old). */
static void jobs_reap_locked(cg_server *s)
{
    int64_t now = cg_time_wall_s();
    for (int i = 0; i < s->n_jobs;) {
        cg_index_job *j = s->jobs[i];
        cg_index_progress p;
        cg_index_progress_get(j, &p);
        if (p.state >= CG_JOB_DONE && cg_index_wait(j, 0) &&
            now - cg_index_job_record(j)->finished_s >= JOB_REAP_S) {
            cg_index_job_free(j);
            s->jobs[i] = s->jobs[--s->n_jobs];
        } else {
            i++;
        }
    }
}

/* The project to index (found by name with the same root, or created). jobs_mu held. */
static int project_for(cg_server *s, const char *real, const char *name, uint32_t *pid, int *made,
                       char *msg, size_t cap)
{
    cg_graph_project pr;
    *made = 0;
    int rc = cg_graph_project_find(s->graph, name, &pr);
    if (rc == 0 && strcmp(pr.root, real) != 0) {
        snprintf(msg, cap,
                 "A project of that name already indexes another directory; pass "
                 "another \"name\".");
        return CG_ECONFLICT;
    }
    if (rc == 0) {
        *pid = pr.id;
        return 0;
    }
    rc = cg_graph_project_create(s->graph, name, real, pid);
    if (rc != 0) snprintf(msg, cap, "Creating the project failed (%s); retry.", cg_err_str(rc));
    *made = rc == 0;
    return rc;
}

/* The non-final job of the project in the table, or NULL. jobs_mu held. */
static cg_index_job *job_running_locked(cg_server *s, uint32_t project)
{
    for (int i = 0; i < s->n_jobs; i++) {
        cg_index_progress p;
        cg_index_progress_get(s->jobs[i], &p);
        if (p.project == project && p.state < CG_JOB_DONE) return s->jobs[i];
    }
    return NULL;
}

static int host_index_start(void *ud, const char *real, const char *name, uint32_t *pid,
                            uint64_t *job_id, char *msg, size_t cap)
{
    cg_server *s = ud;
    cg_index_job *j = NULL;
    int made = 0, rc = 0;
    if (s->admin && cg_admin_maintenance(s->admin)) { /* writes are refused, as for REST */
        snprintf(msg, cap,
                 "The server is in maintenance mode and starts no index jobs; retry "
                 "later (the read-only tools work).");
        return CG_EOVERLOAD;
    }
    pthread_mutex_lock(&s->jobs_mu);
    jobs_reap_locked(s);
    if (s->n_jobs >= CG_SERVER_JOBS_MAX) {
        snprintf(msg, cap, "Too many index jobs are running (%d); retry in a minute.",
                 CG_SERVER_JOBS_MAX);
        rc = CG_EOVERLOAD;
    }
    if (!rc) rc = project_for(s, real, name, pid, &made, msg, cap);
    if (!rc && (j = job_running_locked(s, *pid)) != NULL) {
        *job_id = cg_index_job_record(j)->id;
        snprintf(msg, cap,
                 "Index job %llu is still running for this project; poll index_status "
                 "with that job_id.",
                 (unsigned long long)*job_id);
        rc = CG_ECONFLICT;
    }
    if (!rc) {
        rc = cg_index_start(s->graph, s->pool, &s->cfg.parsing, *pid, made ? "index" : "reindex",
                            NULL, NULL, &j, job_id);
        if (rc == 0)
            s->jobs[s->n_jobs++] = j;
        else
            snprintf(msg, cap, "Starting the index job failed (%s); retry.", cg_err_str(rc));
        if (rc != 0 && made) cg_graph_project_delete(s->graph, *pid);
    }
    pthread_mutex_unlock(&s->jobs_mu);
    return rc;
}

static int host_job_progress(void *ud, uint64_t id, cg_index_progress *out)
{
    cg_server *s = ud;
    int rc = CG_ENOTFOUND;
    pthread_mutex_lock(&s->jobs_mu);
    for (int i = 0; i < s->n_jobs && rc; i++) {
        if (cg_index_job_record(s->jobs[i])->id != id) continue;
        cg_index_progress_get(s->jobs[i], out);
        rc = 0;
    }
    pthread_mutex_unlock(&s->jobs_mu);
    return rc;
}

/* ---- the handler ---- */

static void answer(cg_req *rq, int outcome, int sse)
{
    cg_buf *b = rq->body;
    if (outcome == CG_MCP_ACCEPTED) {
        cg_req_respond(rq, 202, NULL, NULL, 0, NULL);
        return;
    }
    if (!cg_buf_ok(b)) {
        refuse(rq, 500, -32603, "out of memory", NULL);
        return;
    }
    int status = outcome == CG_MCP_INVALID ? 400 : 200;
    if (!sse || status != 200) {
        cg_req_respond(rq, status, "application/json", b->data, b->len, NULL);
        return;
    }
    cg_buf ev;
    cg_buf_init(&ev);
    cg_buf_puts(&ev, "event: message\ndata: ");
    cg_buf_append(&ev, b->data, b->len);
    cg_buf_puts(&ev, "\n\n");
    if (cg_buf_ok(&ev))
        cg_req_respond(rq, 200, "text/event-stream", ev.data, ev.len,
                       "Cache-Control: no-cache\r\n");
    else
        refuse(rq, 500, -32603, "out of memory", NULL);
    cg_buf_release(&ev);
}

void cg_api_mcp(cg_req *rq)
{
    cg_server *s = rq->srv;
    const cg_config_mcp *m = &s->cfg.mcp;
    int sse = 0;
    if (origin_check(rq) != 0 || rate_check(rq) != 0) return;
    if (atomic_fetch_add(&inflight, 1) >= m->max_concurrent_requests) {
        atomic_fetch_sub(&inflight, 1);
        refuse(rq, 503, -32000, "too many MCP requests at once ([mcp] max_concurrent_requests)",
               "Retry-After: 1\r\n");
        return;
    }
    if (version_check(rq) == 0 && media_check(rq, &sse) == 0) {
        cg_mcp_host h = {.graph = s->graph,
                         .cfg = &s->cfg,
                         .transport = "http",
                         .index_start = host_index_start,
                         .job_progress = host_job_progress,
                         .ud = s,
                         .search = s->search,
                         .response_bytes_max = (size_t)s->cfg.mcp.max_response_size_bytes,
                         .metrics = s->metrics,
                         .shard = rq->shard};
        uint64_t deadline = rq->start_ns + (uint64_t)m->request_timeout_ms * 1000000u;
        cg_buf_reset(rq->body);
        int outcome = cg_mcp_handle(&h, rq->http->body ? rq->http->body : "", rq->http->body_len,
                                    deadline, rq->body);
        answer(rq, outcome, sse);
    }
    atomic_fetch_sub(&inflight, 1);
}
