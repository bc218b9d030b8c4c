/*
 * openapi_int.h — the annotation tables behind the OpenAPI document (private to src/api):
 * reusable parameters, component schemas, and one row per documented route method.
 * The tables live in openapi_spec.c; the generator is openapi.c.
 */
#ifndef CODEGRAPH_OPENAPI_INT_H
#define CODEGRAPH_OPENAPI_INT_H

#include "codegraph/http.h"

/** A parameter operations refer to by `key`. */
typedef struct cg_openapi_param {
    const char *key;    /**< unique handle used in cg_openapi_op.params ("entity_id") */
    const char *name;   /**< name on the wire ("id") */
    const char *in;     /**< "path" or "query" */
    const char *schema; /**< JSON Schema text */
    const char *desc;   /**< one sentence */
} cg_openapi_param;

/** A named schema of components.schemas (JSON Schema 2020-12 text). */
typedef struct cg_openapi_schema {
    const char *name;
    const char *json;
} cg_openapi_schema;

/** The description of one route method. */
typedef struct cg_openapi_op {
    cg_http_method method;
    const char *tmpl;   /**< exactly as in the route table */
    const char *tag;    /**< group in the document ("graph", "projects") */
    const char *params; /**< space-separated parameter keys; a trailing '!' marks required */
    const char *body;   /**< request body schema name ("?Name": optional), or NULL */
    int status;         /**< success status (200, 202, 204) */
    const char *result; /**< success schema name ("Name|sse": also as one Server-Sent Event);
                             "@text" = text/plain; NULL = no body */
    const char *errors; /**< space-separated statuses beyond the automatic ones: "404" (the
                             error shape) or "202:Name" / "400:Name" (own body; "-": none) */
    const char *desc;   /**< longer description (may be NULL) */
} cg_openapi_op;

extern const cg_openapi_param cg_openapi_params[];
extern const int cg_openapi_params_n;
extern const cg_openapi_schema cg_openapi_schemas[];
extern const int cg_openapi_schemas_n;
extern const cg_openapi_op cg_openapi_ops[];
extern const int cg_openapi_ops_n;

#endif
