/*
 * respond.c — the cg_req_* answer functions handlers call, and request dispatch
 * (route lookup, 404/405/OPTIONS, then the handler).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "codegraph/base.h"
#include "server_int.h"

void cg_req_respond(cg_req *rq, int status, const char *content_type, const char *body, size_t len,
                    const char *extra_headers)
{
    CG_ASSERT(!rq->responded);
    rq->responded = 1;
    rq->status = status;
    cg_conn_send_response(rq, status, content_type, body, len, extra_headers);
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
    if (rq->match.status == 404) {
        cg_req_error(rq, 404, CG_ENOTFOUND, "no such endpoint", NULL);
    } else if (rq->http->method == CG_HTTP_OPTIONS) {
        cg_req_respond(rq, 204, NULL, NULL, 0, allow);
    } else {
        cg_req_error(rq, 405, CG_EMETHOD, "method not allowed on this endpoint", allow);
    }
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
    s->routes[rq->match.route].handler(rq);
    CG_ASSERT(rq->responded || rq->deferred);
}
