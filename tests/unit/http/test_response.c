/*
 * test_response.c — proves cg_http_response writes exact, well-formed heads: the status
 * line with the right reason phrase (and "Unknown" for codes we do not list), Server,
 * a current IMF-fixdate Date (identical within a second, per thread), Content-Type,
 * a Content-Length equal to the body length (also for HEAD, which gets no body),
 * Connection: close only when not keeping alive, extra headers before the blank line;
 * that 1xx is a bare status line and 204/304 carry no length or body; that it appends
 * to what the buffer already holds; and that every status and method has its name.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/http.h"

#define DATE_LEN 29

/* The Date value in a response, or NULL. */
static const char *date_of(const char *resp)
{
    const char *d = strstr(resp, "\r\nDate: ");
    return d ? d + 8 : NULL;
}

/* 1 when d is an IMF-fixdate within 2 s of now. */
static int date_is_now(const char *d)
{
    struct tm tm = {0};
    const char *end = strptime(d, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || end - d != DATE_LEN || strncmp(end, "\r\n", 2) != 0) return 0;
    time_t t = timegm(&tm);
    time_t now = time(NULL);
    return t <= now && now - t <= 2;
}

CG_TEST(full_response_exact_layout)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 200, "application/json", NULL, "{\"a\":1}", 7, 1, 0);
    CG_CHECK(cg_buf_ok(&b));
    const char *d = date_of(b.data);
    CG_CHECK(d != NULL && date_is_now(d));
    char want[512];
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nServer: codegraph\r\nDate: %.29s\r\n"
             "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
             d ? d : "");
    CG_CHECK_STR(b.data, want);
    CG_CHECK_EQ_INT(b.len, strlen(want));
    cg_buf_release(&b);
}

CG_TEST(connection_close_and_extra_headers)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 429, "application/json", "Retry-After: 1\r\nX-Request-Id: ab\r\n", "{}", 2,
                     0, 0);
    CG_CHECK(strncmp(b.data, "HTTP/1.1 429 Too Many Requests\r\n", 32) == 0);
    const char *end = strstr(b.data, "\r\n\r\n");
    CG_CHECK(end != NULL);
    CG_CHECK(strstr(b.data, "\r\nConnection: close\r\n") != NULL);
    const char *ra = strstr(b.data, "\r\nRetry-After: 1\r\nX-Request-Id: ab\r\n\r\n{}");
    CG_CHECK(ra != NULL && ra + 36 == end + 2);
    CG_CHECK(strstr(b.data, "Content-Length: 2\r\n") != NULL);
    CG_CHECK_STR(b.data + b.len - 2, "{}");

    cg_buf_reset(&b);
    cg_http_response(&b, 200, "text/plain", NULL, "x", 1, 1, 0);
    CG_CHECK(strstr(b.data, "Connection") == NULL);
    cg_buf_release(&b);
}

CG_TEST(head_only_keeps_length_drops_body)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 200, "text/plain", NULL, "hello", 5, 1, 1);
    CG_CHECK(strstr(b.data, "\r\nContent-Length: 5\r\n") != NULL);
    CG_CHECK(b.len >= 4 && memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    CG_CHECK(strstr(b.data, "hello") == NULL);
    cg_buf_release(&b);
}

CG_TEST(empty_body_and_no_content_type)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 404, NULL, NULL, NULL, 0, 1, 0);
    CG_CHECK(strncmp(b.data, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    CG_CHECK(strstr(b.data, "Content-Type") == NULL);
    CG_CHECK(strstr(b.data, "\r\nContent-Length: 0\r\n\r\n") != NULL);
    CG_CHECK(memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    cg_buf_release(&b);
}

CG_TEST(interim_and_bodyless_statuses)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 100, NULL, NULL, NULL, 0, 1, 0);
    CG_CHECK_STR(b.data, "HTTP/1.1 100 Continue\r\n\r\n");
    cg_buf_reset(&b);
    cg_http_response(&b, 204, "application/json", NULL, "{}", 2, 1, 0);
    CG_CHECK(strncmp(b.data, "HTTP/1.1 204 No Content\r\n", 25) == 0);
    CG_CHECK(strstr(b.data, "Content-Length") == NULL);
    CG_CHECK(strstr(b.data, "Content-Type") == NULL);
    CG_CHECK(memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    cg_buf_reset(&b);
    cg_http_response(&b, 304, "text/plain", "ETag: \"x\"\r\n", "abc", 3, 0, 0);
    CG_CHECK(strstr(b.data, "Content-Length") == NULL);
    CG_CHECK(strstr(b.data, "\r\nConnection: close\r\nETag: \"x\"\r\n\r\n") != NULL);
    CG_CHECK(memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    cg_buf_release(&b);
}

CG_TEST(unknown_status_code)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 299, "text/plain", NULL, "", 0, 1, 0);
    CG_CHECK(strncmp(b.data, "HTTP/1.1 299 Unknown\r\nServer: codegraph\r\n", 41) == 0);
    cg_buf_reset(&b);
    cg_http_response(&b, 799, "text/plain", NULL, "", 0, 1, 0);
    CG_CHECK(strncmp(b.data, "HTTP/1.1 799 Unknown\r\n", 22) == 0);
    cg_buf_release(&b);
}

CG_TEST(appends_and_copies_large_bodies)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "PREVIOUS");
    size_t n = 300000;
    char *body = malloc(n);
    for (size_t i = 0; i < n; i++) body[i] = (char)('a' + i % 26);
    cg_http_response(&b, 200, "text/plain", NULL, body, n, 1, 0);
    CG_CHECK(cg_buf_ok(&b));
    CG_CHECK(strncmp(b.data, "PREVIOUSHTTP/1.1 200 OK\r\n", 25) == 0);
    CG_CHECK(strstr(b.data, "\r\nContent-Length: 300000\r\n") != NULL);
    CG_CHECK(b.len > n && memcmp(b.data + b.len - n, body, n) == 0);
    CG_CHECK_EQ_INT(b.data[b.len], 0);
    free(body);
    cg_buf_release(&b);
}

CG_TEST(status_texts)
{
    static const int used[] = {100, 200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 405,
                               408, 413, 414, 415, 417, 429, 431, 500, 501, 503, 505};
    for (size_t i = 0; i < CG_ARRAY_LEN(used); i++) {
        const char *t = cg_http_status_text(used[i]);
        CG_CHECK(t != NULL && strcmp(t, "Unknown") != 0);
    }
    CG_CHECK_STR(cg_http_status_text(200), "OK");
    CG_CHECK_STR(cg_http_status_text(413), "Content Too Large");
    CG_CHECK_STR(cg_http_status_text(431), "Request Header Fields Too Large");
    CG_CHECK_STR(cg_http_status_text(505), "HTTP Version Not Supported");
    CG_CHECK_STR(cg_http_status_text(299), "Unknown");
    CG_CHECK_STR(cg_http_status_text(-1), "Unknown");
    CG_CHECK_STR(cg_http_status_text(100000), "Unknown");
}

CG_TEST(method_names)
{
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_GET), "GET");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_HEAD), "HEAD");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_POST), "POST");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_PUT), "PUT");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_DELETE), "DELETE");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_PATCH), "PATCH");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_OPTIONS), "OPTIONS");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_OTHER), "OTHER");
    CG_CHECK_STR(cg_http_method_name(CG_HTTP_METHOD_COUNT), "UNKNOWN");
}

static void *thread_date(void *arg)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_http_response(&b, 200, NULL, NULL, NULL, 0, 1, 0);
    const char *d = date_of(b.data);
    *(int *)arg = d != NULL && date_is_now(d);
    cg_buf_release(&b);
    return NULL;
}

CG_TEST(date_is_current_in_every_thread)
{
    int ok[4] = {0};
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, thread_date, &ok[i]);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) CG_CHECK(ok[i]);
}

CG_TEST(many_responses_are_fast)
{
    cg_buf b;
    cg_buf_init(&b);
    int n = 200000;
    uint64_t t0 = cg_time_mono_ns();
    for (int i = 0; i < n; i++) {
        cg_buf_reset(&b);
        cg_http_response(&b, 200, "application/json", NULL, "{\"status\":\"healthy\"}", 20, 1, 0);
    }
    uint64_t ns = (cg_time_mono_ns() - t0) / (uint64_t)n;
    printf("  cg_http_response: %llu ns each\n", (unsigned long long)ns);
    CG_CHECK(ns < 2000); /* generous: sanitizer builds on a shared machine */
    CG_CHECK(date_is_now(date_of(b.data)));
    cg_buf_release(&b);
}

CG_TEST_MAIN()
