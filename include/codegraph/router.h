/*
 * router.h — the route table: method + path template → handler.
 *
 * Templates are literal segments and `{name}` parameters ("/api/v1/projects/{id}").
 * Matching is segment by segment over a small static table; a path that matches a
 * template but not its method gives 405 with the Allow list; no match gives 404.
 * The table is the one source for dispatch, metrics labels (the template, never
 * the raw path) and, later, the OpenAPI document.
 */
#ifndef CODEGRAPH_ROUTER_H
#define CODEGRAPH_ROUTER_H

#include <stddef.h>

#include "codegraph/http.h"

#define CG_ROUTE_PARAMS_MAX 4
#define CG_ROUTES_MAX 128

struct cg_req;

/** Route access class (enforced by the auth layer). */
typedef enum { CG_ROUTE_OPEN, CG_ROUTE_USER, CG_ROUTE_ADMIN } cg_route_access;

typedef struct cg_route {
    unsigned methods; /**< bit mask of (1u << cg_http_method) */
    const char *tmpl; /**< path template */
    void (*handler)(struct cg_req *rq);
    cg_route_access access;
    const char *summary; /**< one line, for docs */
    unsigned flags;      /**< CG_ROUTE_F_* */
} cg_route;

/** A POST that changes nothing (search, similarity, MCP's transport): it stays open in
 *  maintenance mode and under memory pressure, like a GET. */
#define CG_ROUTE_F_READS 1u

typedef struct cg_route_match {
    int route;      /**< index in the table, or -1 */
    int status;     /**< 0 matched, 404, or 405 */
    unsigned allow; /**< methods allowed on this path (for 405 / OPTIONS) */
    struct {
        const char *name;
        size_t name_len;
        const char *val;
        size_t val_len;
    } params[CG_ROUTE_PARAMS_MAX];
    int n_params;
} cg_route_match;

#define CG_M(m) (1u << (m))

/** Match `path` (no query) against `table[0..n)`. HEAD matches GET routes. */
void cg_router_match(const cg_route *table, int n, cg_http_method method, const char *path,
                     size_t path_len, cg_route_match *out);
/** Write "GET, HEAD, POST" for a method mask into `b`. */
void cg_router_allow_header(unsigned methods, cg_buf *b);

#endif
