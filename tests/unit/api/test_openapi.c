/*
 * test_openapi.c — proves the OpenAPI generator (src/api/openapi.c) follows the route
 * table: the real table has an annotation for every route method and no stale or broken
 * one; a table with a route nobody annotated is still documented (generically, marked
 * x-codegraph-undocumented) and named by cg_openapi_check; an annotation whose route is
 * gone is reported and not written; path parameters always come from the template.
 */
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/openapi.h"

static void h(struct cg_req *rq)
{
    (void)rq;
}

CG_TEST(real_table_is_fully_annotated)
{
    int n;
    const cg_route *routes = cg_openapi_routes(&n);
    cg_buf report, doc;
    cg_buf_init(&report);
    cg_buf_init(&doc);
    int bad = cg_openapi_check(routes, n, &report);
    if (bad) fprintf(stderr, "%s", report.data);
    CG_CHECK_EQ_INT(bad, 0);
    CG_CHECK_EQ_INT(cg_openapi_write(&doc, routes, n, "1.2.3"), 0);
    CG_CHECK(strstr(doc.data, "\"openapi\":\"3.1.0\"") != NULL);
    CG_CHECK(strstr(doc.data, "\"version\":\"1.2.3\"") != NULL);
    CG_CHECK(strstr(doc.data, "x-codegraph-undocumented") == NULL);
    for (int i = 0; i < n; i++) { /* every template appears as a path key */
        char key[300];
        snprintf(key, sizeof key, "\"%s\":{", routes[i].tmpl);
        CG_CHECK(strstr(doc.data, key) != NULL);
    }
    cg_buf_release(&report);
    cg_buf_release(&doc);
}

CG_TEST(unannotated_route_is_documented_generically_and_reported)
{
    int n;
    const cg_route *real = cg_openapi_routes(&n);
    cg_route *t = calloc((size_t)n + 1, sizeof *t);
    memcpy(t, real, (size_t)n * sizeof *t);
    t[n] = (cg_route){CG_M(CG_HTTP_PUT), "/api/v1/zz/{thing}", h, CG_ROUTE_ADMIN, "New one", 0};
    cg_buf report, doc;
    cg_buf_init(&report);
    cg_buf_init(&doc);
    CG_CHECK_EQ_INT(cg_openapi_check(t, n + 1, &report), 1);
    CG_CHECK(strstr(report.data, "PUT /api/v1/zz/{thing}: route has no annotation") != NULL);
    CG_CHECK_EQ_INT(cg_openapi_write(&doc, t, n + 1, "0"), 1);
    const char *p = strstr(doc.data, "\"/api/v1/zz/{thing}\":{\"put\":{");
    CG_CHECK(p != NULL);
    CG_CHECK(p && strstr(p, "\"x-codegraph-undocumented\":true") != NULL);
    CG_CHECK(p && strstr(p, "{\"name\":\"thing\",\"in\":\"path\",\"required\":true") != NULL);
    CG_CHECK(p && strstr(p, "[{\"adminKey\":[]}]") != NULL);
    CG_CHECK(p && strstr(p, "\"401\"") != NULL && strstr(p, "\"403\"") != NULL);
    CG_CHECK_EQ_INT(cg_openapi_annotated(CG_HTTP_PUT, "/api/v1/zz/{thing}"), 0);
    CG_CHECK_EQ_INT(cg_openapi_annotated(CG_HTTP_GET, "/health"), 1);
    cg_buf_release(&report);
    cg_buf_release(&doc);
    free(t);
}

CG_TEST(stale_annotation_is_reported_and_not_written)
{
    /* A table without /health: its annotation is stale. */
    int n;
    const cg_route *real = cg_openapi_routes(&n);
    cg_route *t = calloc((size_t)n, sizeof *t);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(real[i].tmpl, "/health") != 0) t[m++] = real[i];
    CG_CHECK_EQ_INT(m, n - 1);
    cg_buf report, doc;
    cg_buf_init(&report);
    cg_buf_init(&doc);
    CG_CHECK_EQ_INT(cg_openapi_check(t, m, &report), 1);
    CG_CHECK(strstr(report.data, "GET /health: annotation without a route") != NULL);
    CG_CHECK_EQ_INT(cg_openapi_write(&doc, t, m, "0"), 0);
    CG_CHECK(strstr(doc.data, "\"/health\":") == NULL);
    cg_buf_release(&report);
    cg_buf_release(&doc);
    free(t);
}

CG_TEST_MAIN()
