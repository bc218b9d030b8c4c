/*
 * test_router.c — proves route matching: literal and {param} segments, HEAD
 * served by GET routes, 404 vs 405 with the right Allow set, no partial matches.
 */
#include "cgtest.h"
#include "codegraph/router.h"

static void h(struct cg_req *rq)
{
    (void)rq;
}

static const cg_route table[] = {
    {CG_M(CG_HTTP_GET), "/health", h, CG_ROUTE_OPEN, "", 0},
    {CG_M(CG_HTTP_GET) | CG_M(CG_HTTP_DELETE), "/api/v1/projects/{id}", h, CG_ROUTE_USER, "", 0},
    {CG_M(CG_HTTP_POST), "/api/v1/projects/{id}/reindex", h, CG_ROUTE_USER, "", 0},
    {CG_M(CG_HTTP_POST), "/api/v1/projects", h, CG_ROUTE_USER, "", 0},
    {CG_M(CG_HTTP_GET), "/api/v1/projects", h, CG_ROUTE_USER, "", 0},
};
#define N ((int)(sizeof table / sizeof table[0]))

static cg_route_match m(cg_http_method meth, const char *path)
{
    cg_route_match r;
    cg_router_match(table, N, meth, path, strlen(path), &r);
    return r;
}

CG_TEST(literal)
{
    cg_route_match r = m(CG_HTTP_GET, "/health");
    CG_CHECK_EQ_INT(r.route, 0);
    CG_CHECK_EQ_INT(r.status, 0);
    CG_CHECK_EQ_INT(m(CG_HTTP_HEAD, "/health").route, 0);
    CG_CHECK_EQ_INT(m(CG_HTTP_GET, "/health/").status, 404);
    CG_CHECK_EQ_INT(m(CG_HTTP_GET, "/healt").status, 404);
    CG_CHECK_EQ_INT(m(CG_HTTP_GET, "/").status, 404);
}

CG_TEST(params)
{
    cg_route_match r = m(CG_HTTP_DELETE, "/api/v1/projects/abc123");
    CG_CHECK_EQ_INT(r.route, 1);
    CG_CHECK_EQ_INT(r.n_params, 1);
    CG_CHECK(r.params[0].name_len == 2 && memcmp(r.params[0].name, "id", 2) == 0);
    CG_CHECK(r.params[0].val_len == 6 && memcmp(r.params[0].val, "abc123", 6) == 0);
    r = m(CG_HTTP_POST, "/api/v1/projects/p1/reindex");
    CG_CHECK_EQ_INT(r.route, 2);
    CG_CHECK_EQ_INT(m(CG_HTTP_GET, "/api/v1/projects//reindex").status, 404);
}

CG_TEST(method_not_allowed)
{
    cg_route_match r = m(CG_HTTP_POST, "/health");
    CG_CHECK_EQ_INT(r.status, 405);
    CG_CHECK(r.allow == (CG_M(CG_HTTP_GET) | CG_M(CG_HTTP_HEAD)));
    r = m(CG_HTTP_PUT, "/api/v1/projects");
    CG_CHECK_EQ_INT(r.status, 405);
    CG_CHECK(r.allow & CG_M(CG_HTTP_POST));
    CG_CHECK(r.allow & CG_M(CG_HTTP_GET));
    CG_CHECK(!(r.allow & CG_M(CG_HTTP_DELETE)));
    CG_CHECK_EQ_INT(m(CG_HTTP_GET, "/api/v1/projects").route, 4);
    CG_CHECK_EQ_INT(m(CG_HTTP_POST, "/api/v1/projects").route, 3);
}

CG_TEST_MAIN()
