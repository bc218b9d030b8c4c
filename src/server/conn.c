/*
 * conn.c — the HTTP/1.1 connection state machine, driven by reactor callbacks.
 *
 * DESIGN — states of one connection:
 *
 *   IDLE ──first byte──▶ HEAD ──head complete──▶ BODY ──body complete──▶ HANDLING
 *    ▲                    │                        │                        │
 *    │                 error/408                error/408/413          sync answer
 *    │                    ▼                        ▼                        │
 *    │                 CLOSING ◀──────────── framing errors           deferred → WAIT
 *    └──────── next pipelined request parsed from what is already buffered ◀┘
 *
 * Input accumulates in `in`; requests are parsed from its start and consumed once
 * answered, so pipelined requests are answered strictly in order. Deadlines:
 * IDLE uses the keep-alive timeout (expiry closes quietly); HEAD and BODY use the
 * request timeout measured from the request's first byte — it is not extended
 * per byte, so slowloris and slow bodies get 408. A framing error answers and
 * closes (never guess where the next request starts). Reading is paused while
 * the unsent output is above CG_HTTP_OUT_HIGH_WATER or a handler is deferred.
 * At server.max_connections a new connection first evicts the slowest unfinished request
 * of its reactor (conn_evict_pick), and is shed with 503 only when there is none.
 *
 * Header pointers point into `in`; appending may move `in`, so the head is parsed
 * again (cheap, bounded by 32 KiB) right before dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/log.h"
#include "codegraph/security.h"
#include "server_int.h"

enum conn_state { CONN_IDLE, CONN_HEAD, CONN_BODY, CONN_WAIT, CONN_CLOSING };

/* Bytes of input we buffer beyond one request while a handler is deferred. */
#define CONN_IN_HIGH_WATER (256 * 1024)
/* At max_connections a new client evicts the slowest unfinished request that has been
 * arriving for at least this long (slowloris defence; see conn_evict_pick). */
#define CONN_EVICT_MIN_AGE_MS 1000

typedef struct cg_conn {
    cg_rctx *rc;
    cg_rconn *rconn;
    cg_buf in;
    enum conn_state state;
    size_t scan_from;
    cg_http_request req;
    cg_http_chunked chunk;
    size_t chunk_in, chunk_out; /* decoder cursors relative to head end */
    size_t req_bytes;           /* head + raw body bytes of the current request */
    const char *head_base;      /* in.data when the head was parsed: pointers valid while equal */
    int sent_continue, paused;
    int close_after; /* close once the current response is flushed */
    int orphaned;    /* peer gone while a deferred handler runs: free on answer */
    cg_req rq;
    struct cg_conn *prev, *next; /* the reactor's connection list (drain walks it) */
    cg_sec_reqinfo sec;          /* the security gate's verdict for the current request */
    uint64_t phase_ms;           /* reactor time the connection or its current head began */
    int served;                  /* requests dispatched on this connection */
    int slot;                    /* its rc->inflight entry while a request runs, else -1 */
} cg_conn;

static void conn_process(cg_conn *c);

/* Enter the current request in the reactor's in-flight table (when a slot is free). */
static void inflight_add(cg_conn *c, const cg_http_request *h)
{
    cg_rctx *rc = c->rc;
    c->slot = -1;
    pthread_mutex_lock(&rc->inflight_mu);
    for (int i = 0; i < CG_SERVER_INFLIGHT_SLOTS; i++) {
        cg_inflight *f = &rc->inflight[i];
        if (f->used) continue;
        f->used = 1;
        f->reactor = rc->index;
        f->method = (int)h->method;
        f->start_ns = c->rq.start_ns;
        memcpy(f->request_id, c->rq.request_id, sizeof f->request_id);
        size_t n = CG_MIN(h->path_len, sizeof f->path - 1);
        memcpy(f->path, h->path, n);
        f->path[n] = 0;
        c->slot = i;
        break;
    }
    pthread_mutex_unlock(&rc->inflight_mu);
}

static void inflight_drop(cg_conn *c)
{
    if (c->slot < 0) return;
    pthread_mutex_lock(&c->rc->inflight_mu);
    c->rc->inflight[c->slot].used = 0;
    pthread_mutex_unlock(&c->rc->inflight_mu);
    c->slot = -1;
}

static int inflight_older(const void *a, const void *b)
{
    const cg_inflight *x = a, *y = b;
    return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

int cg_server_inflight_list(cg_server *s, cg_inflight *out, int cap)
{
    int n = 0;
    for (int r = 0; r < s->n_reactors; r++) {
        cg_rctx *rc = &s->rctx[r];
        pthread_mutex_lock(&rc->inflight_mu);
        for (int i = 0; i < CG_SERVER_INFLIGHT_SLOTS && n < cap; i++)
            if (rc->inflight[i].used) out[n++] = rc->inflight[i];
        pthread_mutex_unlock(&rc->inflight_mu);
    }
    qsort(out, (size_t)n, sizeof *out, inflight_older);
    return n;
}

static cg_server *conn_srv(const cg_conn *c)
{
    return c->rc->srv;
}

static void conn_pause(cg_conn *c, int pause)
{
    if (pause == c->paused) return;
    c->paused = pause;
    if (pause)
        cg_rconn_pause_read(c->rconn);
    else
        cg_rconn_resume_read(c->rconn);
}

static void conn_close(cg_conn *c)
{
    c->state = CONN_CLOSING;
    cg_rconn_close(c->rconn, 0);
}

static void request_id_make(cg_rctx *rc, const cg_http_request *h, char *out)
{
    const cg_http_header *x = h ? cg_http_find_header(h, "X-Request-Id") : NULL;
    if (x && x->value_len > 0 && x->value_len <= CG_REQUEST_ID_LEN * 2) {
        size_t i = 0;
        for (; i < x->value_len && i < CG_REQUEST_ID_LEN; i++) {
            char ch = x->value[i];
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'))
                break;
            out[i] = ch;
        }
        if (i == CG_REQUEST_ID_LEN || i == x->value_len) {
            out[i] = 0;
            return;
        }
    }
    static const char hex[] = "0123456789abcdef";
    uint64_t v =
        ((uint64_t)rc->index << 56) ^ (++rc->req_seq * 0x9E3779B97F4A7C15ull) ^ rc->srv->start_ns;
    for (int i = 0; i < CG_REQUEST_ID_LEN; i++) out[i] = hex[(v >> (60 - 4 * i)) & 15];
    out[CG_REQUEST_ID_LEN] = 0;
}

static void conn_req_begin(cg_conn *c, const cg_http_request *h)
{
    cg_req *rq = &c->rq;
    memset(rq, 0, sizeof *rq);
    rq->srv = conn_srv(c);
    rq->conn = c;
    rq->http = h;
    rq->shard = c->rc->index;
    rq->start_ns = cg_time_mono_ns();
    rq->body = &c->rc->body;
    rq->match.route = -1;
    cg_buf_reset(rq->body);
    request_id_make(c->rc, h, rq->request_id);
    c->sec.client = 0;
    c->sec.cls = 0;
    c->sec.hdrs[0] = 0;
}

cg_sec_reqinfo *cg_conn_sec_info(cg_req *rq)
{
    return &((cg_conn *)rq->conn)->sec;
}

const struct sockaddr *cg_conn_peer(const cg_req *rq, socklen_t *len)
{
    const cg_conn *c = rq->conn;
    *len = 0;
    return c && c->rconn ? cg_rconn_peer(c->rconn, len) : NULL;
}

/* Answer a request that failed before dispatch (framing, limits, timeouts) and close. */
static void conn_fail(cg_conn *c, int status)
{
    static const char *const reasons[][2] = {
        {"400", "malformed HTTP request"},
        {"408", "request not received in time"},
        {"413", "request body exceeds the configured maximum"},
        {"414", "request line exceeds 8 KiB"},
        {"417", "unsupported Expect value"},
        {"431", "request headers exceed the limits (8 KiB per line, 32 KiB, 100 fields)"},
        {"501", "unsupported Transfer-Encoding"},
        {"505", "HTTP version not supported"},
    };
    const char *msg = "malformed HTTP request";
    for (size_t i = 0; i < CG_ARRAY_LEN(reasons); i++)
        if (atoi(reasons[i][0]) == status) msg = reasons[i][1];
    cg_server *s = conn_srv(c);
    cg_metrics_add(s->metrics, c->rc->index,
                   status == 408 ? s->metric_timeouts : s->metric_parse_errors, 1);
    int err = status == 408                                       ? CG_ETIMEOUT
              : (status == 413 || status == 414 || status == 431) ? CG_ELIMIT
                                                                  : CG_EINVAL;
    conn_req_begin(c, NULL);
    c->close_after = 1;
    cg_req_error(&c->rq, status, err, msg, NULL);
    conn_close(c);
}

static int64_t live_timeout_ms(cg_conn *c)
{
    return atomic_load_explicit(&conn_srv(c)->live.timeout_ms, memory_order_relaxed);
}

/* Parse the head. 1 complete, 0 need more, -1 failed (answered and closing). */
static int conn_head(cg_conn *c)
{
    cg_server *s = conn_srv(c);
    if (c->state == CONN_IDLE) {
        c->state = CONN_HEAD;
        c->phase_ms = cg_reactor_now_ms(cg_rconn_reactor(c->rconn));
        c->scan_from = 0;
        cg_rconn_deadline(c->rconn, (uint64_t)live_timeout_ms(c));
    }
    cg_http_limits lim;
    cg_http_limits_default(&lim, atomic_load_explicit(&s->live.body_max, memory_order_relaxed));
    int r = cg_http_parse_head(&c->req, c->in.data, c->in.len, &lim, &c->scan_from);
    if (r < 0) {
        conn_fail(c, -r);
        return -1;
    }
    if (r == 0) return 0;
    c->head_base = c->in.data;
    c->state = CONN_BODY;
    c->sent_continue = 0;
    cg_http_chunked_init(&c->chunk);
    c->chunk_in = c->chunk_out = 0;
    return 1;
}

static void conn_maybe_continue(cg_conn *c)
{
    const cg_http_request *h = &c->req;
    if (!h->expect_continue || c->sent_continue) return;
    c->sent_continue = 1;
    /* Only worth sending while the client is still waiting for it. */
    if ((h->chunked || h->content_length > 0) && c->in.len == h->head_len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        cg_rconn_write(c->rconn, cont, sizeof cont - 1);
    }
}

/* Collect the body. 1 complete (*body_len set), 0 need more, -1 failed. */
static int conn_body(cg_conn *c, size_t *body_len)
{
    const cg_http_request *h = &c->req;
    size_t head = h->head_len;
    conn_maybe_continue(c);
    if (h->chunked) {
        size_t in_pos = head + c->chunk_in, out_len = head + c->chunk_out;
        uint64_t max = atomic_load_explicit(&conn_srv(c)->live.body_max, memory_order_relaxed);
        int r = cg_http_chunked_decode(&c->chunk, c->in.data, c->in.len, &in_pos, &out_len, max);
        c->chunk_in = in_pos - head;
        c->chunk_out = out_len - head;
        if (r < 0) {
            conn_fail(c, -r);
            return -1;
        }
        if (r == 0) return 0;
        c->req_bytes = in_pos;
        *body_len = out_len - head;
        return 1;
    }
    uint64_t cl = h->content_length > 0 ? (uint64_t)h->content_length : 0;
    if ((uint64_t)(c->in.len - head) < cl) return 0;
    c->req_bytes = head + (size_t)cl;
    *body_len = (size_t)cl;
    return 1;
}

static void conn_dispatch(cg_conn *c, size_t body_len)
{
    cg_server *s = conn_srv(c);
    if (c->in.data != c->head_base) {
        /* `in` moved since the head was parsed (it grew): refresh the pointers. */
        cg_http_limits lim;
        size_t from = 0;
        cg_http_limits_default(&lim, UINT64_MAX);
        int r = cg_http_parse_head(&c->req, c->in.data, c->in.len, &lim, &from);
        CG_ASSERT(r > 0);
    }
    c->req.body = c->in.data + c->req.head_len;
    c->req.body_len = body_len;
    if (!c->req.keep_alive || atomic_load(&s->state) != CG_SERVER_SERVING) c->close_after = 1;
    conn_req_begin(c, &c->req);
    c->state = CONN_WAIT;
    c->served++;
    atomic_fetch_add(&s->inflight, 1);
    inflight_add(c, &c->req);
    cg_server_dispatch(&c->rq);
}

static void conn_process(cg_conn *c)
{
    while (c->state != CONN_CLOSING && c->state != CONN_WAIT) {
        if (c->in.len == 0) {
            if (c->state != CONN_IDLE) break;
            cg_rconn_deadline(c->rconn,
                              (uint64_t)atomic_load_explicit(&conn_srv(c)->live.keep_alive_ms,
                                                             memory_order_relaxed));
            return;
        }
        if ((c->state == CONN_IDLE || c->state == CONN_HEAD) && conn_head(c) <= 0) return;
        size_t body_len = 0;
        if (conn_body(c, &body_len) <= 0) return;
        conn_dispatch(c, body_len);
        if (cg_rconn_pending(c->rconn) > CG_HTTP_OUT_HIGH_WATER) {
            conn_pause(c, 1);
            return;
        }
    }
    if (c->state == CONN_WAIT && c->in.len > CONN_IN_HIGH_WATER) conn_pause(c, 1);
}

static void conn_log_request(cg_req *rq, int status, uint64_t dur_ns)
{
    const cg_http_request *h = rq->http;
    char st[8], ms[32];
    snprintf(st, sizeof st, "%d", status);
    snprintf(ms, sizeof ms, "%.3f", (double)dur_ns / 1e6);
    char path[512];
    size_t pl = h ? CG_MIN(h->path_len, sizeof path - 1) : 0;
    if (h) memcpy(path, h->path, pl);
    path[pl] = 0;
    cg_log(status >= 500 ? CG_LOG_WARN : CG_LOG_INFO, "http", "request", "request_id",
           rq->request_id, "method", h ? cg_http_method_name(h->method) : "-", "path", path,
           "status", st, "response_time_ms", ms, (const char *)0);
}

void cg_conn_send_response(cg_req *rq, int status, const char *content_type, const char *body,
                           size_t len, const char *extra_headers)
{
    cg_conn *c = rq->conn;
    cg_server *s = conn_srv(c);
    if (c->orphaned) {
        atomic_fetch_sub(&s->inflight, 1);
        inflight_drop(c);
        cg_buf_release(&c->in);
        free(c);
        return;
    }
    cg_buf *out = &c->rc->scratch;
    /* Hot path: assembled with memcpy, not printf. */
    char extra[1024];
    static const char rid[] = "X-Request-Id: ";
    size_t el = extra_headers ? strlen(extra_headers) : 0;
    CG_ASSERT(el + sizeof rid + CG_REQUEST_ID_LEN + 3 < sizeof extra);
    memcpy(extra, rid, sizeof rid - 1);
    size_t n = sizeof rid - 1, il = strlen(rq->request_id);
    memcpy(extra + n, rq->request_id, il);
    n += il;
    memcpy(extra + n, "\r\n", 2);
    n += 2;
    memcpy(extra + n, extra_headers ? extra_headers : "", el + 1);
    cg_buf_reset(out);
    int head_only = rq->http && rq->http->method == CG_HTTP_HEAD;
    cg_http_response(out, status, content_type, extra, body, len, !c->close_after, head_only);
    if (cg_buf_ok(out)) cg_rconn_write(c->rconn, out->data, out->len);
    uint64_t dur = cg_time_mono_ns() - rq->start_ns;
    int route = rq->match.route >= 0 && rq->http ? rq->match.route : s->n_routes;
    cg_metrics_request(s->metrics, rq->shard, route,
                       rq->http ? (int)rq->http->method : CG_HTTP_OTHER, status, dur);
    if (status >= 500 || atomic_load_explicit(&s->live.log_requests, memory_order_relaxed))
        conn_log_request(rq, status, dur);
    if (c->state != CONN_WAIT) return; /* failed before dispatch: conn_fail closes */
    atomic_fetch_sub(&s->inflight, 1);
    inflight_drop(c);
    cg_buf_consume(&c->in, c->req_bytes);
    c->state = CONN_IDLE;
    if (c->close_after) {
        conn_close(c);
    } else if (rq->deferred) {
        conn_pause(c, 0);
        conn_process(c);
    }
}

void cg_conn_drain_tick(cg_rctx *rc)
{
    cg_conn *next;
    for (cg_conn *c = rc->conn_list; c; c = next) {
        next = c->next; /* conn_close may free c */
        if (c->state == CONN_IDLE && c->in.len == 0 && cg_rconn_pending(c->rconn) == 0)
            conn_close(c);
    }
}

/* Shed a connection: a complete 503 (length computed, never hand-counted), then close. */
static void conn_refuse(cg_rconn *rc)
{
#define REFUSE_BODY                                                                                \
    "{\"error\":{\"code\":\"CG016\",\"message\":\"connection limit reached or server "             \
    "draining\",\"request_id\":\"0000000000000000\"}}"
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                     "Retry-After: 1\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
                     sizeof REFUSE_BODY - 1);
    cg_rconn_write(rc, head, (size_t)n);
    cg_rconn_write(rc, REFUSE_BODY, sizeof REFUSE_BODY - 1);
#undef REFUSE_BODY
}

/* At the connection cap: the client that has spent longest on an unfinished request
 * (HEAD or BODY, or connected without ever sending one), at least CONN_EVICT_MIN_AGE_MS.
 * Keep-alive connections that were served and handlers in progress are never picked, so
 * slow attackers cannot hold the cap against healthy clients for server.timeout. */
static cg_conn *conn_evict_pick(cg_rctx *x, uint64_t now)
{
    cg_conn *best = NULL;
    for (cg_conn *c = x->conn_list; c; c = c->next) {
        int slow = c->state == CONN_HEAD || c->state == CONN_BODY ||
                   (c->state == CONN_IDLE && c->served == 0 && c->in.len == 0);
        if (!slow || now - c->phase_ms < CONN_EVICT_MIN_AGE_MS) continue;
        if (!best || c->phase_ms < best->phase_ms) best = c;
    }
    return best;
}

/* 1 when a slow connection was evicted to make room (it gets 408, or a quiet close). */
static int conn_evict(cg_rctx *x, cg_reactor *r)
{
    if (atomic_load(&x->srv->state) != CG_SERVER_SERVING) return 0;
    cg_conn *v = conn_evict_pick(x, cg_reactor_now_ms(r));
    if (!v) return 0;
    if (v->state == CONN_IDLE)
        conn_close(v);
    else
        conn_fail(v, 408);
    return 1;
}

static void *conn_on_open(cg_reactor *r, cg_rconn *rc, const struct sockaddr *peer, socklen_t len)
{
    cg_rctx *x = cg_reactor_user(r);
    cg_server *s = x->srv;
    if (s->sec && !cg_sec_peer_allowed(s->sec, x->index, peer, len)) return NULL; /* IP lists */
    int n = atomic_fetch_add(&s->conns, 1) + 1;
    if ((n > atomic_load_explicit(&s->live.max_connections, memory_order_relaxed) &&
         !conn_evict(x, r)) ||
        atomic_load(&s->state) != CG_SERVER_SERVING) {
        atomic_fetch_sub(&s->conns, 1);
        cg_metrics_add(s->metrics, x->index, s->metric_conns_refused, 1);
        conn_refuse(rc);
        return NULL;
    }
    cg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        atomic_fetch_sub(&s->conns, 1);
        return NULL;
    }
    c->rc = x;
    c->rconn = rc;
    c->slot = -1;
    c->state = CONN_IDLE;
    c->phase_ms = cg_reactor_now_ms(r);
    cg_buf_init(&c->in);
    c->next = x->conn_list;
    if (c->next) c->next->prev = c;
    x->conn_list = c;
    cg_rconn_deadline(rc, (uint64_t)atomic_load(&s->live.keep_alive_ms));
    return c;
}

static void conn_on_data(cg_reactor *r, cg_rconn *rc, void *ud, const char *data, size_t len)
{
    cg_conn *c = ud;
    if (c->state == CONN_CLOSING) return;
    cg_buf_append(&c->in, data, len);
    if (!cg_buf_ok(&c->in)) {
        conn_close(c);
        return;
    }
    conn_process(c);
}

static void conn_on_drain(cg_reactor *r, cg_rconn *rc, void *ud)
{
    cg_conn *c = ud;
    if (c->state == CONN_CLOSING) return;
    if (c->close_after) {
        conn_close(c);
        return;
    }
    if (c->state != CONN_WAIT) {
        conn_pause(c, 0);
        conn_process(c);
    }
}

static void conn_on_timeout(cg_reactor *r, cg_rconn *rc, void *ud)
{
    cg_conn *c = ud;
    switch (c->state) {
    case CONN_IDLE:
        conn_close(c); /* keep-alive idle: close quietly */
        break;
    case CONN_HEAD:
    case CONN_BODY: conn_fail(c, 408); break;
    case CONN_WAIT: /* a deferred handler owns the deadline policy */
    case CONN_CLOSING: break;
    }
}

static void conn_on_close(cg_reactor *r, cg_rconn *rc, void *ud, int err)
{
    cg_conn *c = ud;
    if (!c) return;
    cg_server *s = conn_srv(c);
    atomic_fetch_sub(&s->conns, 1);
    if (c->prev)
        c->prev->next = c->next;
    else
        c->rc->conn_list = c->next;
    if (c->next) c->next->prev = c->prev;
    c->rconn = NULL;
    if (c->state == CONN_WAIT && c->rq.deferred) {
        c->orphaned = 1; /* the handler still holds c->rq; freed when it answers */
        return;
    }
    if (c->state == CONN_WAIT) {
        atomic_fetch_sub(&s->inflight, 1);
        inflight_drop(c);
    }
    cg_buf_release(&c->in);
    free(c);
}

static void conn_on_tick(cg_reactor *r)
{
    cg_rctx *x = cg_reactor_user(r);
    if (atomic_load(&x->stop_accept) && atomic_load(&x->accepting)) {
        cg_reactor_stop_accepting(r);
        atomic_store(&x->accepting, 0);
    }
    if (atomic_load(&x->srv->state) == CG_SERVER_DRAINING) cg_conn_drain_tick(x);
}

const cg_reactor_handler cg_conn_handler = {
    .on_open = conn_on_open,
    .on_data = conn_on_data,
    .on_drain = conn_on_drain,
    .on_timeout = conn_on_timeout,
    .on_close = conn_on_close,
    .on_tick = conn_on_tick,
};
