/*
 * server_int.h — private to src/server and src/api: the server and per-reactor
 * structs, the route table, and the connection entry points.
 */
#ifndef CODEGRAPH_SERVER_INT_H
#define CODEGRAPH_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "codegraph/graph.h"
#include "codegraph/index.h"
#include "codegraph/metrics.h"
#include "codegraph/pool.h"
#include "codegraph/reactor.h"
#include "codegraph/server.h"
#include "codegraph/store.h"

#define CG_SERVER_JOBS_MAX 64 /* index jobs running at once (more → 503) */

/* Settings that SIGHUP may change while reactors run: read with relaxed atomics. */
typedef struct cg_live_settings {
    _Atomic int64_t keep_alive_ms;
    _Atomic int64_t timeout_ms;
    _Atomic int max_connections;
    _Atomic uint64_t body_max;
    _Atomic int log_requests;
} cg_live_settings;

#define CG_SERVER_INFLIGHT_SLOTS 64 /* in-flight requests listed per reactor (admin/queries) */
#define CG_SERVER_INFLIGHT_PATH 96  /* bytes of a listed request's path (no query string) */

/* An in-flight request as GET /api/v1/admin/queries lists it (a copy: no pointers). */
typedef struct cg_inflight {
    int used;
    int reactor;
    int method; /* cg_http_method */
    uint64_t start_ns;
    char request_id[CG_REQUEST_ID_LEN + 1];
    char path[CG_SERVER_INFLIGHT_PATH];
} cg_inflight;

/* One per reactor thread; the reactor's user pointer. */
typedef struct cg_rctx {
    cg_server *srv;
    cg_reactor *reactor;
    pthread_t thread;
    int index;
    uint64_t req_seq;          /* request-id counter */
    cg_buf scratch;            /* response assembly */
    cg_buf body;               /* handler body scratch */
    _Atomic int accepting;     /* listener still open */
    _Atomic int stop_accept;   /* asked to close the listener (drain) */
    struct cg_conn *conn_list; /* open HTTP connections of this reactor */
    /* Requests being handled, for the admin listing: written by this reactor, read by any
     * reactor answering admin/queries, both under inflight_mu (uncontended on the hot path). */
    pthread_mutex_t inflight_mu;
    cg_inflight inflight[CG_SERVER_INFLIGHT_SLOTS];
} cg_rctx;

struct cg_server {
    cg_config cfg;
    char *config_path;
    cg_store *store;
    cg_graph *graph;
    struct cg_vindex *vindex; /* vector index (NULL when [vector] enabled = false) */
    /* TXT: lexical/semantic/hybrid search (search.h) */
    struct cg_search *search;
    pthread_mutex_t jobs_mu; /* running index jobs, for live progress and conflicts */
    struct cg_index_job *jobs[CG_SERVER_JOBS_MAX];
    int n_jobs;
    cg_metrics *metrics;
    cg_pool *pool;
    int n_reactors;
    cg_rctx *rctx;
    cg_io_backend backend;
    int port;
    _Atomic int state;    /* cg_server_state */
    _Atomic int conns;    /* open connections, all reactors */
    _Atomic int inflight; /* requests being handled, all reactors */
    cg_live_settings live;
    uint64_t start_ns;
    int64_t start_wall_s;
    int metric_conns_open, metric_conns_refused, metric_parse_errors, metric_timeouts;
    const cg_route *routes;
    int n_routes;
    struct cg_sec *sec; /* auth, rate limits, IP lists, CORS, memory gate (src/security) */
    /* admin jobs, maintenance, backup schedule (src/admin) */
    struct cg_admin *admin;
};

/** The route table (src/api/routes.c). */
extern const cg_route cg_api_routes[];
extern const int cg_api_routes_count;

/** Maintenance mode on: answer 503 CG016 + Retry-After and return 1; else 0 (admin_api.c). */
int cg_api_admin_refuse_write(cg_req *rq);

/** Reactor callbacks implementing HTTP connections (conn.c). */
extern const cg_reactor_handler cg_conn_handler;

/** Copy up to `cap` in-flight requests of every reactor into out (oldest first); returns
 *  the number copied. Requests beyond the slots of a reactor are counted in s->inflight
 *  but not listed. Any thread (conn.c). */
int cg_server_inflight_list(cg_server *s, cg_inflight *out, int cap);

/** Close idle keep-alive connections of this reactor (drain). Reactor thread only. */
void cg_conn_drain_tick(cg_rctx *rc);

/** Configure the logger from c->logging (level, format, output); reopens a log file. */
void cg_server_logging_apply(const cg_config *c);

/** Request dispatch: route, access, handler (dispatch.c). */
void cg_server_dispatch(cg_req *rq);

/** The security gate's per-request record and the peer address of rq's connection. */
struct cg_sec_reqinfo *cg_conn_sec_info(cg_req *rq);
const struct sockaddr *cg_conn_peer(const cg_req *rq, socklen_t *len);

/** Finish the response of rq: write it, update metrics/logs (conn.c). */
void cg_conn_send_response(cg_req *rq, int status, const char *content_type, const char *body,
                           size_t len, const char *extra_headers);

#endif
