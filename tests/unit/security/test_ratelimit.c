/*
 * test_ratelimit.c — proves the GCRA limiter: a fresh client gets exactly `burst`
 * requests at once, then one per window/rate, with a Retry-After that is honest (a retry
 * at that time succeeds, one just before it fails); clients are independent; the table
 * stays at its fixed size whatever the number of distinct clients (1,000,000 here) and a
 * throttled client is not freed by others filling the table; four threads hammering one
 * client together never get more than the bucket allows; reconfiguring applies at once.
 * Also checks the CIDR lists (IPv4, IPv6, v4-mapped peers, host bits, bad items).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/security.h"

#define SEC_NS 1000000000ull

CG_TEST(burst_then_steady_rate)
{
    cg_ratelimit *rl;
    CG_CHECK_EQ_INT(cg_ratelimit_create(&rl, 60, 60000, 5), 0); /* 1/s, burst 5 */
    uint64_t t = 1000 * SEC_NS;
    uint32_t retry = 0;
    int ok = 0;
    for (int i = 0; i < 20; i++) ok += cg_ratelimit_take(rl, 42, t, &retry);
    CG_CHECK_EQ_INT(ok, 5);
    CG_CHECK_EQ_INT(retry, 1);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 42, t + SEC_NS - 1, &retry), 0);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 42, t + SEC_NS, &retry), 1);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 42, t + SEC_NS, &retry), 0);
    /* another client is untouched */
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 43, t, &retry), 1);
    /* after a long pause the bucket is full again, but never above burst */
    ok = 0;
    for (int i = 0; i < 20; i++) ok += cg_ratelimit_take(rl, 42, t + 3600 * SEC_NS, &retry);
    CG_CHECK_EQ_INT(ok, 5);
    cg_ratelimit_destroy(rl);
}

CG_TEST(retry_after_is_honest)
{
    cg_ratelimit *rl;
    cg_ratelimit_create(&rl, 1, 10000, 1); /* one per 10 s */
    uint64_t t = 50 * SEC_NS;
    uint32_t retry = 0;
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 7, t, &retry), 1);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 7, t + SEC_NS / 2, &retry), 0);
    CG_CHECK_EQ_INT(retry, 10); /* 9.5 s rounded up */
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 7, t + SEC_NS / 2 + retry * SEC_NS, &retry), 1);
    cg_ratelimit_destroy(rl);
}

CG_TEST(bounded_table_and_no_free_pass)
{
    cg_ratelimit *rl;
    cg_ratelimit_create(&rl, 1, 60000, 2);
    uint64_t t = 10 * SEC_NS;
    uint32_t retry;
    /* the victim client exhausts its bucket */
    cg_ratelimit_take(rl, 999999999, t, &retry);
    cg_ratelimit_take(rl, 999999999, t, &retry);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 999999999, t, &retry), 0);
    /* a million one-off clients (all with full buckets after their one request? no: each
     * took one of two tokens, so each is "busy" for 60 s) */
    for (uint64_t c = 1; c <= 1000000; c++) cg_ratelimit_take(rl, c, t, &retry);
    int tracked = cg_ratelimit_tracked(rl);
    CG_CHECK(tracked <= CG_RL_SHARDS * CG_RL_SLOTS);
    CG_CHECK(tracked > CG_RL_SHARDS * CG_RL_SLOTS / 2);
    /* the victim may have been evicted (it was the busiest entry in its window only if
     * others were busier); either way it never gets more than one fresh burst */
    int ok = 0;
    for (int i = 0; i < 10; i++) ok += cg_ratelimit_take(rl, 999999999, t, &retry);
    CG_CHECK(ok <= 2);
    cg_ratelimit_destroy(rl);
}

typedef struct {
    cg_ratelimit *rl;
    uint64_t t;
    _Atomic int *ok;
} hammer_arg;

static void *hammer(void *p)
{
    hammer_arg *a = p;
    uint32_t retry;
    for (int i = 0; i < 50000; i++)
        if (cg_ratelimit_take(a->rl, 5, a->t, &retry)) atomic_fetch_add(a->ok, 1);
    return NULL;
}

CG_TEST(concurrent_takers_share_one_bucket)
{
    cg_ratelimit *rl;
    cg_ratelimit_create(&rl, 100, 60000, 100);
    _Atomic int ok = 0;
    hammer_arg a = {rl, 77 * SEC_NS, &ok};
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, hammer, &a);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CG_CHECK_EQ_INT(atomic_load(&ok), 100);
    cg_ratelimit_destroy(rl);
}

CG_TEST(reconfigure_applies)
{
    cg_ratelimit *rl;
    cg_ratelimit_create(&rl, 60, 60000, 1);
    uint32_t retry;
    uint64_t t = 5 * SEC_NS;
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 9, t, &retry), 1);
    CG_CHECK_EQ_INT(cg_ratelimit_take(rl, 9, t, &retry), 0);
    cg_ratelimit_configure(rl, 60, 60000, 10);
    int ok = 0;
    for (int i = 0; i < 20; i++) ok += cg_ratelimit_take(rl, 9, t, &retry);
    CG_CHECK_EQ_INT(ok, 9); /* ten in the bucket, one already used */
    cg_ratelimit_destroy(rl);
}

static int match4(const cg_iplist *l, const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return cg_iplist_match(l, (struct sockaddr *)&a, sizeof a);
}

static int match6(const cg_iplist *l, const char *ip)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return cg_iplist_match(l, (struct sockaddr *)&a, sizeof a);
}

CG_TEST(cidr_lists)
{
    char *items[] = {"10.1.2.3/8", "192.168.7.7", "2001:db8::/32", "fe80::1/128", "0.0.0.0/0"};
    cg_strlist sl = {items, 4};
    cg_iplist l;
    char err[128];
    CG_CHECK_EQ_INT(cg_iplist_parse(&l, &sl, err, sizeof err), 0);
    CG_CHECK(match4(&l, "10.200.0.1"));
    CG_CHECK(!match4(&l, "11.0.0.1"));
    CG_CHECK(match4(&l, "192.168.7.7"));
    CG_CHECK(!match4(&l, "192.168.7.8"));
    CG_CHECK(match6(&l, "::ffff:10.9.9.9")); /* IPv4 client on an IPv6 listener */
    CG_CHECK(match6(&l, "2001:db8:ffff::1"));
    CG_CHECK(!match6(&l, "2001:db9::1"));
    CG_CHECK(match6(&l, "fe80::1"));
    CG_CHECK(!match6(&l, "fe80::2"));
    cg_iplist_release(&l);
    sl.n = 5; /* 0.0.0.0/0 covers every IPv4 address but no native IPv6 one */
    CG_CHECK_EQ_INT(cg_iplist_parse(&l, &sl, err, sizeof err), 0);
    CG_CHECK(match4(&l, "8.8.8.8"));
    CG_CHECK(!match6(&l, "2a00::1"));
    cg_iplist_release(&l);
    char *bad[] = {"10.0.0.0/33", "1.2.3", "::1/129", "10.0.0.0/", "x"};
    for (int i = 0; i < 5; i++) {
        cg_strlist b = {&bad[i], 1};
        CG_CHECK_EQ_INT(cg_iplist_parse(&l, &b, err, sizeof err), CG_EINVAL);
    }
}

CG_TEST_MAIN()
