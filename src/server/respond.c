/*
 * respond.c — the cg_req_* answer functions handlers call, and request dispatch
 * (route lookup, 404/405/OPTIONS and CORS preflight, the security gate, then the handler).
 *
 * Every answer goes through cg_req_respond, which adds the headers the security gate
 * settled on for the request (CORS) to the handler's own, so no handler has to know.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/security.h"
#include "server_int.h"

/* Bytes of extra headers one answer may carry (conn.c adds X-Request-Id to at most ~1 KiB). */
#define RESPOND_EXTRA_MAX 960

void cg_req_respond(cg_req *rq, int status, const char *content_type, const char *body, size_t len,
                    const char *extra_headers)
{
    CG_ASSERT(!rq->responded);
    rq->responded = 1;
    rq->status = status;
    const char *sec = rq->conn ? cg_conn_sec_info(rq)->hdrs : "";
    char merged[RESPOND_EXTRA_MAX];
    size_t en = extra_headers ? strlen(extra_headers) : 0, sn = strlen(sec);
    if (sn && en + sn < sizeof merged) {
        memcpy(merged, extra_headers ? extra_headers : "", en);
        memcpy(merged + en, sec, sn + 1);
        extra_headers = merged;
    }
    cg_conn_send_response(rq, status, content_type, body, len, extra_headers);
}

uint64_t cg_req_client_id(const cg_req *rq)
{
    return rq->conn ? cg_conn_sec_info((cg_req *)rq)->client : 0;
}

void cg_req_json(cg_req *rq, int status)
{
    if (!cg_buf_ok(rq->body)) {
        cg_req_error(rq, 500, CG_ENOMEM, "response too large for memory", NULL);
        return;
    }
    cg_req_respond(rq, status, "application/json", rq->body->data ? rq->body->data : "",
                   rq->body->len, NULL);
}

void cg_req_error(cg_req *rq, int status, int cg_err, const char *message,
                  const char *extra_headers)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "{\"error\":{\"code\":\"");
    cg_buf_puts(&b, cg_err_code(cg_err));
    cg_buf_puts(&b, "\",\"message\":");
    cg_buf_put_json_str(&b, message, strlen(message));
    cg_buf_puts(&b, ",\"request_id\":\"");
    cg_buf_puts(&b, rq->request_id);
    cg_buf_puts(&b, "\"}}");
    if (cg_buf_ok(&b))
        cg_req_respond(rq, status, "application/json", b.data, b.len, extra_headers);
    else
        cg_req_respond(rq, 500, "application/json", "{}", 2, NULL);
    cg_buf_release(&b);
}

void cg_req_defer(cg_req *rq)
{
    rq->deferred = 1;
}

const char *cg_req_param(const cg_req *rq, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (int i = 0; i < rq->match.n_params; i++) {
        if (rq->match.params[i].name_len == nl && memcmp(rq->match.params[i].name, name, nl) == 0) {
            *len = rq->match.params[i].val_len;
            return rq->match.params[i].val;
        }
    }
    *len = 0;
    return NULL;
}

static void answer_no_route(cg_req *rq)
{
    char allow[160];
    cg_buf b;
    cg_buf_init(&b);
    cg_router_allow_header(rq->match.allow, &b);
    snprintf(allow, sizeof allow, "Allow: %s\r\n", b.data ? b.data : "");
    cg_buf_release(&b);
    cg_server *s = rq->srv;
    if (s->sec) {
        cg_sec_reqinfo *info = cg_conn_sec_info(rq);
        if (rq->match.status == 404 ||
            !cg_sec_preflight(s->sec, rq->shard, rq->http, rq->match.allow, info->hdrs,
                              sizeof info->hdrs))
            cg_sec_cors_headers(s->sec, rq->shard, rq->http, info->hdrs, sizeof info->hdrs);
    }
    if (rq->match.status == 404) {
        cg_req_error(rq, 404, CG_ENOTFOUND, "no such endpoint", NULL);
    } else if (rq->http->method == CG_HTTP_OPTIONS) {
        cg_req_respond(rq, 204, NULL, NULL, 0, allow);
    } else {
        cg_req_error(rq, 405, CG_EMETHOD, "method not allowed on this endpoint", allow);
    }
}

/* A request that may change state: a write method on a route not marked CG_ROUTE_F_READS.
 * Writes are what memory pressure and maintenance mode refuse. */
static int route_writes(const cg_route *r, cg_http_method m)
{
    if (m != CG_HTTP_POST && m != CG_HTTP_PUT && m != CG_HTTP_PATCH && m != CG_HTTP_DELETE)
        return 0;
    return !(r->flags & CG_ROUTE_F_READS);
}

/* Credentials, rate limits and memory pressure (src/security/gate.c). 1 when answered. */
static int security_gate(cg_req *rq)
{
    cg_server *s = rq->srv;
    const cg_route *r = &s->routes[rq->match.route];
    cg_sec_input in = {.http = rq->http,
                       .access = r->access,
                       .write = route_writes(r, rq->http->method),
                       .metrics = strcmp(r->tmpl, s->cfg.metrics.endpoint) == 0};
    in.peer = cg_conn_peer(rq, &in.peer_len);
    cg_sec_verdict v;
    cg_sec_check(s->sec, rq->shard, &in, cg_conn_sec_info(rq), &v);
    if (v.status == 0) return 0;
    cg_req_error(rq, v.status, v.err, v.msg, v.headers);
    return 1;
}

void cg_server_dispatch(cg_req *rq)
{
    cg_server *s = rq->srv;
    const cg_http_request *h = rq->http;
    cg_router_match(s->routes, s->n_routes, h->method, h->path, h->path_len, &rq->match);
    if (rq->match.route < 0) {
        answer_no_route(rq);
        return;
    }
    if (s->sec && security_gate(rq)) return;
    const cg_route *r = &s->routes[rq->match.route];
    /* maintenance mode: writes refused (503), reads and the admin routes go on */
    if (s->admin && r->access != CG_ROUTE_ADMIN && route_writes(r, h->method) &&
        cg_api_admin_refuse_write(rq))
        return;
    r->handler(rq);
    CG_ASSERT(rq->responded || rq->deferred);
}
