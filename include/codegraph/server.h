/*
 * server.h — the CodeGraph server: reactors + HTTP connections + routes + stores,
 * and the request context handlers see.
 *
 * Lifecycle: cg_server_create (load stores, bind listeners) → cg_server_run
 * (reactor threads serve; the calling thread waits for signals: SIGHUP reloads,
 * SIGTERM/SIGINT drain) → cg_server_destroy. /ready answers 503 until serving
 * and again while draining.
 *
 * A handler is called on a reactor thread with a cg_req. It answers with exactly
 * one cg_req_* response call, either before returning or later (after work on the
 * pool) — then it calls cg_req_defer() first and the connection holds the
 * following pipelined requests until the answer is written, so responses stay in
 * order.
 */
#ifndef CODEGRAPH_SERVER_H
#define CODEGRAPH_SERVER_H

#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/config.h"
#include "codegraph/http.h"
#include "codegraph/limits.h"
#include "codegraph/router.h"

typedef struct cg_server cg_server;
struct cg_conn;

typedef enum {
    CG_SERVER_STARTING = 0,
    CG_SERVER_SERVING = 1,
    CG_SERVER_DRAINING = 2,
    CG_SERVER_STOPPED = 3
} cg_server_state;

typedef struct cg_req {
    cg_server *srv;
    struct cg_conn *conn;
    const cg_http_request *http;
    cg_route_match match;
    int shard; /**< reactor index (metrics shard) */
    char request_id[CG_REQUEST_ID_LEN + 1];
    uint64_t start_ns;
    int responded, deferred, status;
    cg_buf *body; /**< scratch for building the response body */
} cg_req;

/** Create the server from a loaded config (ownership of `cfg` moves to the server). On
 *  failure writes a one-line reason to `err`. */
int cg_server_create(cg_server **out, cg_config *cfg, const char *config_path, char *err,
                     size_t errlen);
/** Serve until SIGTERM/SIGINT, then drain and return 0. */
int cg_server_run(cg_server *s);
void cg_server_destroy(cg_server *s);

cg_server_state cg_server_get_state(const cg_server *s);
/** The live config (reloadable parts may change on SIGHUP; read on reactor threads only). */
const cg_config *cg_server_config(const cg_server *s);
/** Seconds since start. */
double cg_server_uptime_s(const cg_server *s);

/** Answer with a body. `extra_headers`: raw "Name: v\r\n" lines or NULL. */
void cg_req_respond(cg_req *rq, int status, const char *content_type, const char *body, size_t len,
                    const char *extra_headers);
/** Answer with rq->body as application/json. */
void cg_req_json(cg_req *rq, int status);
/** Answer with the contract's error shape: {"error":{"code","message","request_id"}}. */
void cg_req_error(cg_req *rq, int status, int cg_err, const char *message,
                  const char *extra_headers);
/** Mark the request as answered later (from a pool completion on this reactor). */
void cg_req_defer(cg_req *rq);
/** Route parameter by name (not decoded), or NULL; length in *len. */
const char *cg_req_param(const cg_req *rq, const char *name, size_t *len);

#endif
