/*
 * openapi.h — the OpenAPI 3.1 document of the REST API, generated from the route table.
 *
 * The document is written from two tables: the router's (src/api/routes.c: method,
 * template, access class, summary) and the annotations in src/api/openapi_spec.c (one row
 * per method + template: parameters, request body, success schema, error statuses). The
 * route table decides which paths and methods exist, so the document cannot list a route
 * that is gone or miss one that was added: a route without an annotation is still
 * documented, generically, and cg_openapi_check() names it so a test fails until it is
 * described. Served as GET /openapi.json and printed by `codegraph openapi`.
 */
#ifndef CODEGRAPH_OPENAPI_H
#define CODEGRAPH_OPENAPI_H

#include "codegraph/buf.h"
#include "codegraph/router.h"

/** The server's route table (src/api/routes.c) and its length in *n. */
const cg_route *cg_openapi_routes(int *n);

/**
 * Append the OpenAPI 3.1 document (JSON) for routes[0..n) to b. Returns the number of
 * route methods documented only generically (no annotation), or CG_ENOMEM when b could
 * not grow.
 */
int cg_openapi_write(cg_buf *b, const cg_route *routes, int n, const char *version);

/**
 * Check the annotations against routes[0..n): a route method without an annotation, an
 * annotation without a route, a duplicate annotation, an unknown parameter or schema
 * name, a path parameter of the template without an annotation. Appends one line per
 * problem to `report` (may be NULL) and returns the number of problems (0 = complete).
 */
int cg_openapi_check(const cg_route *routes, int n, cg_buf *report);

/** 1 when the route method (one CG_HTTP_* value) of `tmpl` has an annotation. */
int cg_openapi_annotated(int method, const char *tmpl);

#endif
