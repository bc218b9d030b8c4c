/*
 * test_policy.c — proves the security policy object (src/security/sec.c, gate.c):
 * the access matrix (OPEN / USER / ADMIN routes x no key / wrong key / user key / admin key
 * → 0, 401 with WWW-Authenticate, 403); the remote-bind guard; that SIGHUP-style reloads
 * swap keys while four reader threads run the gate continuously (every verdict is one the
 * old or the new policy would give, and after the last reload only the new key works —
 * the epoch reclamation frees old policies without a reader ever seeing freed memory);
 * X-Forwarded-For believed only from trusted proxies; and that the memory gate answers
 * 503 to writes only.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/security.h"

static void cfg_make(cg_config *c, const char *const sets[][2], size_t n)
{
    cg_config_init_defaults(c);
    for (size_t i = 0; i < n; i++) {
        int rc = cg_config_set(c, sets[i][0], sets[i][1], NULL);
        if (rc) fprintf(stderr, "  cannot set %s\n", sets[i][0]);
    }
}

static void req_make(cg_http_request *h, const char *auth, const char *xff)
{
    memset(h, 0, sizeof *h);
    h->method = CG_HTTP_GET;
    if (auth) {
        h->headers[h->n_headers++] = (cg_http_header){"Authorization", 13, auth, strlen(auth)};
    }
    if (xff) {
        h->headers[h->n_headers++] = (cg_http_header){"X-Forwarded-For", 15, xff, strlen(xff)};
    }
}

static struct sockaddr_in peer4(const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int gate(cg_sec *s, int reader, const char *auth, cg_route_access acc, int write,
                cg_sec_verdict *v)
{
    cg_http_request h;
    cg_sec_reqinfo info;
    req_make(&h, auth, NULL);
    struct sockaddr_in p = peer4("127.0.0.1");
    cg_sec_input in = {&h, (struct sockaddr *)&p, sizeof p, acc, write, 0};
    cg_sec_check(s, reader, &in, &info, v);
    return v->status;
}

static const char *const keyed[][2] = {{"security.api_key_required", "true"},
                                       {"security.api_keys", "user-1"},
                                       {"security.admin_api_keys", "admin-1"},
                                       {"performance.max_memory_usage", "64TB"}};

CG_TEST(access_matrix)
{
    cg_config c;
    cg_sec *s;
    char err[512];
    cg_sec_verdict v;
    cfg_make(&c, keyed, CG_ARRAY_LEN(keyed));
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), 0);
    static const char *const creds[] = {NULL, "Bearer wrong", "Bearer user-1", "Bearer admin-1",
                                        "user-1"};
    static const int want[][5] = {
        {0, 0, 0, 0, 0},          /* OPEN */
        {401, 401, 0, 0, 401},    /* USER: admin keys are a superset; prefix required */
        {401, 401, 403, 0, 401}}; /* ADMIN */
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 5; k++) {
            int st = gate(s, 0, creds[k], (cg_route_access)a, 0, &v);
            if (st != want[a][k]) fprintf(stderr, "  access %d cred %d: %d\n", a, k, st);
            CG_CHECK_EQ_INT(st, want[a][k]);
            if (st == 401) CG_CHECK(strstr(v.headers, "WWW-Authenticate: Bearer") != NULL);
            if (st) CG_CHECK_EQ_INT(v.err, CG_EAUTH);
        }
    cg_sec_destroy(s);
    cg_config_release(&c);
}

CG_TEST(remote_bind_guard)
{
    cg_config c;
    cg_sec *s = NULL;
    char err[512];
    const char *const remote[][2] = {{"server.host", "0.0.0.0"}};
    cfg_make(&c, remote, 1);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), CG_ECONFIG);
    CG_CHECK(strstr(err, "allow_unauthenticated_remote") != NULL);
    cg_config_set(&c, "security.allow_unauthenticated_remote", "true", NULL);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), 0);
    cg_sec_destroy(s);
    cg_config_release(&c);
    const char *const loop6[][2] = {{"server.host", "::1"}};
    cfg_make(&c, loop6, 1);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), 0);
    cg_sec_destroy(s);
    cg_config_release(&c);
}

typedef struct {
    cg_sec *s;
    int reader;
    _Atomic int *stop;
    int bad;
    long runs;
} reader_arg;

static void *reader_main(void *p)
{
    reader_arg *a = p;
    cg_sec_verdict v;
    while (!atomic_load(a->stop)) {
        int x = gate(a->s, a->reader, "Bearer key-A", CG_ROUTE_USER, 0, &v);
        int y = gate(a->s, a->reader, "Bearer key-B", CG_ROUTE_USER, 0, &v);
        a->bad += (x != 0 && x != 401) || (y != 0 && y != 401);
        a->runs++;
    }
    return NULL;
}

CG_TEST(reload_while_readers_run)
{
    cg_config ca, cb;
    cg_sec *s;
    char err[512];
    const char *const a[][2] = {{"security.api_key_required", "true"},
                                {"security.api_keys", "key-A"}};
    const char *const b[][2] = {{"security.api_key_required", "true"},
                                {"security.api_keys", "key-B"}};
    cfg_make(&ca, a, 2);
    cfg_make(&cb, b, 2);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &ca, 4, err, sizeof err), 0);
    _Atomic int stop = 0;
    reader_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_arg){s, i, &stop, 0, 0};
        pthread_create(&th[i], NULL, reader_main, &args[i]);
    }
    for (int i = 0; i < 300; i++) CG_CHECK_EQ_INT(cg_sec_reload(s, i % 2 ? &ca : &cb, err, 512), 0);
    atomic_store(&stop, 1);
    long runs = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CG_CHECK_EQ_INT(args[i].bad, 0);
        runs += args[i].runs;
    }
    CG_CHECK(runs > 0);
    cg_sec_verdict v; /* the last reload (i = 299) installed key-A */
    CG_CHECK_EQ_INT(gate(s, 0, "Bearer key-A", CG_ROUTE_USER, 0, &v), 0);
    CG_CHECK_EQ_INT(gate(s, 0, "Bearer key-B", CG_ROUTE_USER, 0, &v), 401);
    cg_sec_destroy(s);
    cg_config_release(&ca);
    cg_config_release(&cb);
}

CG_TEST(forwarded_for_only_from_trusted_proxies)
{
    cg_config c;
    cg_sec *s;
    char err[512];
    const char *const sets[][2] = {{"security.trusted_proxies", "10.0.0.0/8"}};
    cfg_make(&c, sets, 1);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), 0);
    cg_http_request h1, h2, h3;
    req_make(&h1, NULL, "198.51.100.9, 10.1.1.1");
    req_make(&h2, NULL, "198.51.100.10");
    req_make(&h3, NULL, "not-an-ip, 10.2.2.2");
    struct sockaddr_in proxy = peer4("10.9.9.9"), direct = peer4("203.0.113.5");
    struct sockaddr *pp = (struct sockaddr *)&proxy, *dp = (struct sockaddr *)&direct;
    uint64_t via1 = cg_sec_client_of(s, 0, &h1, pp, sizeof proxy);
    uint64_t via2 = cg_sec_client_of(s, 0, &h2, pp, sizeof proxy);
    uint64_t d1 = cg_sec_client_of(s, 0, &h1, dp, sizeof direct);
    uint64_t d2 = cg_sec_client_of(s, 0, &h2, dp, sizeof direct);
    uint64_t bad = cg_sec_client_of(s, 0, &h3, pp, sizeof proxy);
    uint64_t proxy_self = cg_sec_client_of(s, 0, NULL, pp, sizeof proxy);
    CG_CHECK(via1 != via2);      /* two clients behind the proxy */
    CG_CHECK(d1 == d2);          /* the header is ignored from an untrusted peer */
    CG_CHECK(bad == proxy_self); /* malformed list: fall back to the peer */
    CG_CHECK(via1 != 0 && d1 != 0);
    cg_sec_destroy(s);
    cg_config_release(&c);
}

CG_TEST(memory_gate_blocks_writes_only)
{
    cg_config c;
    cg_sec *s;
    char err[512];
    cg_sec_verdict v;
    const char *const sets[][2] = {{"performance.max_memory_usage", "16MB"},
                                   {"performance.memory_pressure_threshold", "0.001"}};
    cfg_make(&c, sets, 2);
    CG_CHECK_EQ_INT(cg_sec_create(&s, &c, 1, err, sizeof err), 0);
    CG_CHECK_EQ_INT(cg_sec_memory_pressure(s), 1);
    CG_CHECK(cg_sec_rss_bytes(s) > 16384);
    CG_CHECK_EQ_INT(gate(s, 0, NULL, CG_ROUTE_USER, 1, &v), 503);
    CG_CHECK_EQ_INT(v.err, CG_ENOMEM);
    CG_CHECK(strstr(v.headers, "Retry-After: ") != NULL);
    CG_CHECK_EQ_INT(gate(s, 0, NULL, CG_ROUTE_USER, 0, &v), 0);
    cg_sec_destroy(s);
    cg_config_release(&c);
}

CG_TEST_MAIN()
