/*
 * fuzz_http_conn.c — libFuzzer target for the whole HTTP connection state machine
 * (src/server/conn.c + respond.c dispatch + the security gate + router + parser +
 * chunked decoder), fed the same bytes once whole and once in random splits.
 *
 * Input: byte 0 seeds the split sizes (1 byte at a time up to ~600) and chooses whether
 * the peer goes away before a deferred answer is written; the rest is what a client sends
 * on one connection (pipelined requests, bodies, garbage).
 * Checks (abort on failure):
 *   * Split invariance: the bytes the server writes (minus Date lines and interim
 *     "100 Continue", which legitimately depend on arrival) and whether it closes are
 *     identical for whole and split delivery — pipelining, framing errors, limits,
 *     deferred answers and back-pressure never depend on how TCP cut the stream.
 *   * Every answer is a well-formed HTTP/1.1 response with a Content-Length that matches
 *     its body (so a client can always find the next response), and nothing is written
 *     after the server decided to close.
 *   * No leak, no use after free (ASan), also when the peer disappears while a handler is
 *     deferred (the orphan path).
 * The reactor is replaced by a recording one (below): writes are captured, pause/resume
 * and close recorded, and every write counts as sent at once.
 */
// fuzz-sources: src/server/conn.c src/server/respond.c src/router/*.c src/http/*.c
// fuzz-sources: src/base/*.c src/metrics/*.c src/security/*.c src/config/*.c
// fuzz-flags: -ljansson -lm
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/log.h"
#include "codegraph/security.h"
#include "server/server_int.h"

#define CHECK(e) ((e) ? (void)0 : abort())
#define BODY_MAX 4096 /* request-body limit of the fuzzed server (small: reach 413 fast) */

struct cg_reactor {
    void *user;
};
static cg_rctx rctx;
static cg_reactor reactor = {&rctx};

#define WRITES_MAX 4096 /* writes recorded per connection (one per response) */

struct cg_rconn {
    cg_buf out;
    size_t ends[WRITES_MAX]; /* end offset of each write: the server writes a response at once */
    int n_writes;
    int closed, paused, wrote_after_close;
    struct sockaddr_in peer;
};

int cg_rconn_write(cg_rconn *c, const void *d, size_t n)
{
    if (c->closed) c->wrote_after_close = 1;
    cg_buf_append(&c->out, d, n);
    CHECK(c->n_writes < WRITES_MAX);
    c->ends[c->n_writes++] = c->out.len;
    return 0;
}
size_t cg_rconn_pending(const cg_rconn *c)
{
    return 0;
}
void cg_rconn_pause_read(cg_rconn *c)
{
    c->paused = 1;
}
void cg_rconn_resume_read(cg_rconn *c)
{
    c->paused = 0;
}
void cg_rconn_close(cg_rconn *c, int abort_now)
{
    c->closed = 1;
}
void cg_rconn_deadline(cg_rconn *c, uint64_t ms)
{
}
const struct sockaddr *cg_rconn_peer(const cg_rconn *c, socklen_t *len)
{
    *len = sizeof c->peer;
    return (const struct sockaddr *)&c->peer;
}
void *cg_reactor_user(const cg_reactor *r)
{
    return r->user;
}
void cg_reactor_stop_accepting(cg_reactor *r)
{
}
uint64_t cg_reactor_now_ms(const cg_reactor *r)
{
    return 0;
}
cg_reactor *cg_rconn_reactor(const cg_rconn *c)
{
    return &reactor;
}

/* Maintenance mode (src/api/admin_api.c) is off here: srv.admin stays NULL. */
int cg_api_admin_refuse_write(cg_req *rq)
{
    abort();
}

/* ---- a tiny route table: sync, echo, deferred, and a key-protected route ---- */

static cg_req *deferred;

static void h_plain(cg_req *rq)
{
    cg_req_respond(rq, 200, "text/plain", rq->http->path, rq->http->path_len, NULL);
}
static void h_echo(cg_req *rq)
{
    cg_req_respond(rq, 200, "application/octet-stream", rq->http->body, rq->http->body_len, NULL);
}
static void h_defer(cg_req *rq)
{
    CHECK(!deferred);
    cg_req_defer(rq);
    deferred = rq;
}

static const cg_route routes[] = {
    {CG_M(CG_HTTP_GET), "/a", h_plain, CG_ROUTE_OPEN, ""},
    {CG_M(CG_HTTP_POST) | CG_M(CG_HTTP_PUT), "/echo", h_echo, CG_ROUTE_OPEN, ""},
    {CG_M(CG_HTTP_GET), "/d", h_defer, CG_ROUTE_OPEN, ""},
    {CG_M(CG_HTTP_GET) | CG_M(CG_HTTP_DELETE), "/u/{id}", h_plain, CG_ROUTE_USER, ""},
    {CG_M(CG_HTTP_POST), "/api/v1/admin/x", h_plain, CG_ROUTE_ADMIN, ""},
};

static cg_server srv;

static void setup(void)
{
    static const char *const names[] = {"/a", "/echo", "/d", "/u/{id}", "/x", "unmatched"};
    static const double buckets[] = {0.01, 1};
    static const char *const sets[][2] = {
        {"security.api_key_required", "true"},        {"security.api_keys", "k1"},
        {"security.admin_api_keys", "adm1"},          {"server.cors_enabled", "true"},
        {"server.cors_origins", "https://o.example"}, {"security.trusted_proxies", "127.0.0.1"},
        {"performance.max_memory_usage", "64TB"}};
    char err[256];
    cg_log_configure(CG_LOG_OFF, CG_LOG_JSON, 2);
    CHECK(cg_config_init_defaults(&srv.cfg) == 0);
    for (size_t i = 0; i < CG_ARRAY_LEN(sets); i++)
        CHECK(cg_config_set(&srv.cfg, sets[i][0], sets[i][1], NULL) == 0);
    CHECK(cg_sec_create(&srv.sec, &srv.cfg, 1, err, sizeof err) == 0);
    CHECK(cg_metrics_create(&srv.metrics, 1, names, 6, buckets, 2) == 0);
    cg_sec_metrics_attach(srv.sec, srv.metrics);
    atomic_store(&srv.live.keep_alive_ms, 1000);
    atomic_store(&srv.live.timeout_ms, 1000);
    atomic_store(&srv.live.max_connections, 100);
    atomic_store(&srv.live.body_max, BODY_MAX);
    atomic_store(&srv.state, CG_SERVER_SERVING);
    srv.routes = routes;
    srv.n_routes = (int)CG_ARRAY_LEN(routes);
    srv.n_reactors = 1;
    srv.rctx = &rctx;
    rctx.srv = &srv;
    cg_buf_init(&rctx.scratch);
    cg_buf_init(&rctx.body);
}

static void finish_deferred(void)
{
    cg_req *rq = deferred;
    deferred = NULL;
    if (rq) cg_req_respond(rq, 200, "text/plain", "late", 4, NULL);
}

/* Answer deferred requests until none is left: answering one lets the connection parse
 * the next pipelined request, which may defer again (ends: the input is finite). */
static void finish_all(void)
{
    while (deferred) finish_deferred();
}

/* Deliver `in` on a fresh connection; split sizes from x (0 = whole). */
static void run(const char *in, size_t n, uint32_t x, int orphan, cg_rconn *rc)
{
    memset(rc, 0, sizeof *rc);
    cg_buf_init(&rc->out);
    rc->peer.sin_family = AF_INET;
    rc->peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rctx.req_seq = 0;
    void *ud = cg_conn_handler.on_open(&reactor, rc, (struct sockaddr *)&rc->peer, sizeof rc->peer);
    CHECK(ud);
    size_t pos = 0;
    while (pos < n && !rc->closed) {
        if (rc->paused) {
            finish_all();
            if (rc->paused && !rc->closed) cg_conn_handler.on_drain(&reactor, rc, ud);
            if (rc->paused) break;
            continue;
        }
        size_t step = n - pos;
        if (x) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            step = CG_MIN(step, 1 + x % ((x >> 24) % 2 ? 7 : 600));
        }
        cg_conn_handler.on_data(&reactor, rc, ud, in + pos, step);
        pos += step;
        if (!orphan) finish_all();
    }
    if (!orphan) finish_all();
    cg_conn_handler.on_close(&reactor, rc, ud, 0);
    finish_deferred(); /* the orphan path: the answer arrives after the peer left */
}

/* One write = one response: its head is well formed and its body is exactly
 * Content-Length bytes (or absent: HEAD, 204). Appends it without the Date line. */
static void response_check(const char *p, const char *end, cg_buf *out)
{
    const char *he = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
    CHECK(he && memcmp(p, "HTTP/1.1 ", 9) == 0);
    long cl = -1;
    for (const char *q = p; q < he + 2;) {
        const char *le = memmem(q, (size_t)(he + 4 - q), "\r\n", 2);
        if (strncmp(q, "Date: ", 6) != 0) cg_buf_append(out, q, (size_t)(le + 2 - q));
        if (strncmp(q, "Content-Length: ", 16) == 0) cl = strtol(q + 16, NULL, 10);
        q = le + 2;
    }
    long body = (long)(end - he - 4);
    CHECK(body == 0 || body == cl);
    CHECK(cl >= 0 || memcmp(p + 9, "204", 3) == 0);
    cg_buf_append(out, he + 2, (size_t)(end - he - 2));
}

/* The transcript without Date lines and interim 100 responses. (The two-piece 503 of
 * conn_refuse never happens here: one connection at a time, far below max_connections.) */
static void normalise(const cg_rconn *c, cg_buf *out)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    size_t from = 0;
    for (int i = 0; i < c->n_writes; i++) {
        const char *p = c->out.data + from, *end = c->out.data + c->ends[i];
        if ((size_t)(end - p) != sizeof cont - 1 || memcmp(p, cont, sizeof cont - 1) != 0)
            response_check(p, end, out);
        from = c->ends[i];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) setup(), ready = 1;
    if (size == 0) return 0;
    uint8_t sel = data[0];
    char *in = malloc(size - 1 ? size - 1 : 1);
    memcpy(in, data + 1, size - 1);
    cg_rconn a, b;
    run(in, size - 1, 0, sel & 1, &a);
    run(in, size - 1, 0x9e3779b9u * (sel | 1u), sel & 1, &b);
    CHECK(!a.wrote_after_close && !b.wrote_after_close);
    CHECK(a.closed == b.closed);
    cg_buf na, nb;
    cg_buf_init(&na);
    cg_buf_init(&nb);
    normalise(&a, &na);
    normalise(&b, &nb);
    CHECK(na.len == nb.len && (na.len == 0 || memcmp(na.data, nb.data, na.len) == 0));
    cg_buf_release(&na);
    cg_buf_release(&nb);
    cg_buf_release(&a.out);
    cg_buf_release(&b.out);
    free(in);
    return 0;
}
