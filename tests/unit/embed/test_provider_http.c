/*
 * test_provider_http.c — the embedding providers' HTTP client (src/embed/http_client.c).
 *
 * Proves: URLs parse into host/port/path and https://, user info, fragments and bad ports
 * are refused (https with a message naming the missing TLS support); the response parser
 * gives the same status and body however the bytes are split (Content-Length, chunked with
 * extensions and trailers, close-delimited), skips 1xx heads, reads Retry-After, and rejects
 * malformed heads, conflicting lengths, unknown codings, truncation and over-limit bodies;
 * Retry-After accepts delta-seconds and HTTP-dates. cg_hc_do, against a scripted peer thread
 * on 127.0.0.1, sends the request we asked for and reads the answer; a silent peer ends in
 * CG_ETIMEOUT and a closed port in -ECONNREFUSED.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "embed/http_client.h"

/* ------------------------------------------------------------------ URLs */

CG_TEST(url_parts)
{
    cg_hc_url u;
    char err[256];
    CG_CHECK_EQ_INT(cg_hc_url_parse("http://127.0.0.1:11434", &u, err, sizeof err), 0);
    CG_CHECK_STR(u.host, "127.0.0.1");
    CG_CHECK_STR(u.port, "11434");
    CG_CHECK_STR(u.path, "/");
    CG_CHECK_EQ_INT(cg_hc_url_parse("HTTP://emb.local/v1?x=1", &u, err, sizeof err), 0);
    CG_CHECK_STR(u.host, "emb.local");
    CG_CHECK_STR(u.port, "80");
    CG_CHECK_STR(u.path, "/v1?x=1");
    CG_CHECK_EQ_INT(cg_hc_url_parse("http://[::1]:8080/p", &u, err, sizeof err), 0);
    CG_CHECK_STR(u.host, "::1");
    CG_CHECK_STR(u.port, "8080");
    CG_CHECK_EQ_INT(u.ipv6, 1);
    CG_CHECK_EQ_INT(cg_hc_url_parse("http://h?q", &u, err, sizeof err), 0);
    CG_CHECK_STR(u.path, "/?q");
}

CG_TEST(url_refusals)
{
    cg_hc_url u;
    char err[256] = "";
    CG_CHECK_EQ_INT(cg_hc_url_parse("https://api.openai.com", &u, err, sizeof err), CG_ECONFIG);
    CG_CHECK(strstr(err, "https:// is not supported") != NULL);
    CG_CHECK(strstr(err, "no TLS library") != NULL);
    const char *bad[] = {"",
                         "ftp://h",
                         "http://",
                         "http://u:p@h/",
                         "http://h:0",
                         "http://h:65536",
                         "http://h:12a",
                         "http://h/#frag",
                         "http://h/a b",
                         "http://[::1",
                         "http://[::1]x:80",
                         "h:80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        CG_CHECK_EQ_INT(cg_hc_url_parse(bad[i], &u, err, sizeof err), CG_ECONFIG);
        CG_CHECK(err[0] != 0);
    }
}

/* ------------------------------------------------------------------ response parser */

/* Feed `text` one byte at a time (eof at the end when `eof`): the first non-zero verdict. */
static int feed_bytewise(cg_hc_resp *r, const char *text, size_t n, int eof, size_t max, size_t *at)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cg_buf_append(&r->raw, text + i, 1);
        rc = cg_hc_resp_parse(r, 0, max, NULL, 0);
        *at = i + 1;
    }
    if (rc == 0 && eof) rc = cg_hc_resp_parse(r, 1, max, NULL, 0);
    return rc;
}

/* Feed `text` whole, then in two pieces at every split: every way must agree. */
static int parse_all_ways(const char *text, int eof, size_t max, int *status, char *body,
                          size_t cap)
{
    size_t n = strlen(text), at;
    int verdict = 0;
    for (size_t split = 0; split <= n; split++) {
        cg_hc_resp r;
        cg_hc_resp_init(&r);
        cg_buf_append(&r.raw, text, split);
        int rc = cg_hc_resp_parse(&r, 0, max, NULL, 0);
        if (rc == 0) {
            cg_buf_append(&r.raw, text + split, n - split);
            rc = cg_hc_resp_parse(&r, eof, max, NULL, 0);
        }
        if (split == 0) {
            verdict = rc;
            *status = r.status;
            if (rc == 1) snprintf(body, cap, "%.*s", (int)r.body_len, cg_hc_resp_body(&r));
        } else if (rc != verdict || (rc == 1 && strcmp(body, cg_hc_resp_body(&r)) != 0)) {
            verdict = 99; /* split-dependent: fail the caller's check */
        }
        cg_hc_resp_release(&r);
    }
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    if (feed_bytewise(&r, text, n, eof, max, &at) != verdict) verdict = 98;
    cg_hc_resp_release(&r);
    return verdict;
}

CG_TEST(good_responses_of_every_framing)
{
    static const struct {
        const char *text;
        int eof, status;
        const char *body;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
         "{\"data\":[1]}\n",
         0, 200, "{\"data\":[1]}\n"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\n[[1.5\r\n3\r\n,2]\r\n"
         "A\r\n,[3,4.25]]\r\n0\r\nX-T: y\r\n\r\n",
         0, 200, "[[1.5,2],[3,4.25]]"},
        {"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n[[0.5]]", 1, 200, "[[0.5]]"},
        {"HTTP/1.1 204 No Content\r\n\r\n", 0, 204, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int st = 0;
        char body[256] = "";
        CG_CHECK_EQ_INT(parse_all_ways(cases[i].text, cases[i].eof, 1024, &st, body, sizeof body),
                        1);
        CG_CHECK_EQ_INT(st, cases[i].status);
        CG_CHECK_STR(body, cases[i].body);
    }
    /* close-delimited: without EOF more may still come */
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    cg_buf_puts(&r.raw, cases[2].text);
    CG_CHECK_EQ_INT(cg_hc_resp_parse(&r, 0, 1024, NULL, 0), 0);
    cg_hc_resp_release(&r);
}

CG_TEST(interim_heads_are_skipped_and_retry_after_read)
{
    int st;
    char body[64];
    const char *t = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\n"
                    "Retry-After: 7\r\nContent-Length: 2\r\n\r\n{}";
    CG_CHECK_EQ_INT(parse_all_ways(t, 0, 1024, &st, body, sizeof body), 1);
    CG_CHECK_EQ_INT(st, 429);
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    cg_buf_puts(&r.raw, t);
    CG_CHECK_EQ_INT(cg_hc_resp_parse(&r, 0, 1024, NULL, 0), 1);
    CG_CHECK_EQ_INT(r.retry_after_ms, 7000);
    CG_CHECK_STR(cg_hc_resp_body(&r), "{}");
    cg_hc_resp_release(&r);
}

CG_TEST(malformed_responses)
{
    const char *bad[] = {
        "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "ICY 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\nX: y\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\001b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int st;
        char body[64];
        char err[128] = "";
        CG_CHECK_EQ_INT(parse_all_ways(bad[i], 1, 1024, &st, body, sizeof body), -EPROTO);
        cg_hc_resp r;
        cg_hc_resp_init(&r);
        cg_buf_puts(&r.raw, bad[i]);
        CG_CHECK_EQ_INT(cg_hc_resp_parse(&r, 1, 1024, err, sizeof err), -EPROTO);
        CG_CHECK(strstr(err, "malformed") != NULL);
        CG_CHECK_EQ_INT(cg_hc_resp_parse(&r, 1, 1024, NULL, 0), -EPROTO); /* sticky */
        cg_hc_resp_release(&r);
    }
}

CG_TEST(truncated_responses)
{
    const char *cut[] = {
        "",
        "HTTP/1.1 200 OK\r\nContent-Len",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    };
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        int st;
        char body[64];
        CG_CHECK_EQ_INT(parse_all_ways(cut[i], 1, 1024, &st, body, sizeof body), -ECONNRESET);
    }
}

CG_TEST(limits)
{
    int st;
    char body[64];
    /* a declared length over the limit fails before the body arrives */
    CG_CHECK_EQ_INT(parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, 10, &st,
                                   body, sizeof body),
                    CG_ELIMIT);
    CG_CHECK_EQ_INT(parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 0, 10,
                                   &st, body, sizeof body),
                    1);
    CG_CHECK_EQ_INT(parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "b\r\n01234567890\r\n0\r\n\r\n",
                                   0, 10, &st, body, sizeof body),
                    CG_ELIMIT);
    CG_CHECK_EQ_INT(
        parse_all_ways("HTTP/1.1 200 OK\r\n\r\n01234567890", 1, 10, &st, body, sizeof body),
        CG_ELIMIT);
    /* a head that never ends */
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    cg_buf_puts(&r.raw, "HTTP/1.1 200 OK\r\nX: ");
    while (r.raw.len <= CG_HC_HEAD_MAX) cg_buf_putc(&r.raw, 'a');
    CG_CHECK_EQ_INT(cg_hc_resp_parse(&r, 0, 1024, NULL, 0), CG_ELIMIT);
    cg_hc_resp_release(&r);
}

CG_TEST(retry_after_values)
{
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms("120", 3, 0), 120000);
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms("0", 1, 0), 0);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    const char *d = "Sun, 06 Nov 1994 08:49:37 GMT";
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms(d, strlen(d), 784111777 - 5), 5000);
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms(d, strlen(d), 784111777 + 60), 0); /* in the past */
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms("soon", 4, 0), -1);
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms("12s", 3, 0), -1);
    CG_CHECK_EQ_INT(cg_hc_retry_after_ms("", 0, 0), -1);
    CG_CHECK(cg_hc_retry_after_ms("99999999999999999999", 20, 0) > 0); /* no overflow */
}

/* ------------------------------------------------------------------ against a peer thread */

typedef struct peer {
    int lfd, port;
    const char *answer; /* NULL: accept and stay silent until the client leaves */
    char got[4096];
    size_t got_len;
} peer;

static int peer_listen(peer *p)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(p->lfd, 4) != 0 || getsockname(p->lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    p->port = ntohs(a.sin_port);
    return 0;
}

/* Read the request (head + Content-Length body), answer in two pieces, close. */
static void *peer_main(void *arg)
{
    peer *p = arg;
    int fd = accept(p->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    for (;;) {
        ssize_t n = recv(fd, p->got + p->got_len, sizeof p->got - 1 - p->got_len, 0);
        if (n <= 0) break;
        p->got_len += (size_t)n;
        p->got[p->got_len] = 0;
        char *end = strstr(p->got, "\r\n\r\n"), *cl = strstr(p->got, "Content-Length: ");
        if (end && cl && p->got_len >= (size_t)(end + 4 - p->got) + (size_t)atoi(cl + 16)) break;
    }
    if (p->answer) {
        size_t n = strlen(p->answer);
        if (send(fd, p->answer, n / 2, MSG_NOSIGNAL) >= 0)
            send(fd, p->answer + n / 2, n - n / 2, MSG_NOSIGNAL);
    } else {
        char c;
        while (recv(fd, &c, 1, 0) > 0) {
        }
    }
    close(fd);
    return NULL;
}

CG_TEST(exchange_with_a_peer)
{
    peer p = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n[[1,2,3]]"};
    pthread_t t;
    CG_CHECK_EQ_INT(peer_listen(&p), 0);
    pthread_create(&t, NULL, peer_main, &p);
    char url[64], err[256] = "", host[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/base", p.port);
    cg_hc_url u;
    CG_CHECK_EQ_INT(cg_hc_url_parse(url, &u, err, sizeof err), 0);
    cg_hc_request rq = {.url = &u,
                        .method = "POST",
                        .path = "/base/embed",
                        .content_type = "application/json",
                        .headers = "X-Extra: 1\r\n",
                        .body = "{\"inputs\":[\"a\"]}",
                        .body_len = 16,
                        .timeout_ms = 5000};
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    CG_CHECK_EQ_INT(cg_hc_do(&rq, &r, err, sizeof err), 0);
    pthread_join(t, NULL);
    close(p.lfd);
    CG_CHECK_EQ_INT(r.status, 200);
    CG_CHECK_STR(cg_hc_resp_body(&r), "[[1,2,3]]");
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", p.port);
    CG_CHECK(strncmp(p.got, "POST /base/embed HTTP/1.1\r\n", 27) == 0);
    CG_CHECK(strstr(p.got, host) != NULL);
    CG_CHECK(strstr(p.got, "\r\nContent-Length: 16\r\n") != NULL);
    CG_CHECK(strstr(p.got, "\r\nConnection: close\r\n") != NULL);
    CG_CHECK(strstr(p.got, "\r\nX-Extra: 1\r\n") != NULL);
    CG_CHECK(strstr(p.got, "\r\n\r\n{\"inputs\":[\"a\"]}") != NULL);
    cg_hc_resp_release(&r);
}

CG_TEST(silent_peer_times_out)
{
    peer p = {.answer = NULL};
    pthread_t t;
    CG_CHECK_EQ_INT(peer_listen(&p), 0);
    pthread_create(&t, NULL, peer_main, &p);
    char url[64], err[256] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d", p.port);
    cg_hc_url u;
    cg_hc_url_parse(url, &u, err, sizeof err);
    cg_hc_request rq = {
        .url = &u, .method = "POST", .body = "{}", .body_len = 2, .timeout_ms = 100};
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    CG_CHECK_EQ_INT(cg_hc_do(&rq, &r, err, sizeof err), CG_ETIMEOUT);
    CG_CHECK(strstr(err, "timeout") != NULL);
    cg_hc_resp_release(&r);
    pthread_join(t, NULL); /* our close ended the peer's read */
    close(p.lfd);
}

CG_TEST(closed_port_is_refused)
{
    peer p;
    CG_CHECK_EQ_INT(peer_listen(&p), 0);
    close(p.lfd); /* the port is free again: nobody listens */
    char url[64], err[256] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d", p.port);
    cg_hc_url u;
    cg_hc_url_parse(url, &u, err, sizeof err);
    cg_hc_request rq = {.url = &u, .method = "POST", .timeout_ms = 2000};
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    CG_CHECK_EQ_INT(cg_hc_do(&rq, &r, err, sizeof err), -ECONNREFUSED);
    CG_CHECK(strstr(err, "cannot connect") != NULL);
    cg_hc_resp_release(&r);
}

CG_TEST_MAIN()
