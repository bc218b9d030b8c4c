/*
 * response.c — HTTP/1.1 response heads: status texts, the Date cache, cg_http_response.
 *
 * DESIGN
 * This is on the hot path of every request, so a response head is written with one
 * cg_buf_reserve and memcpy of precomputed pieces: full status lines ("HTTP/1.1 200
 * OK\r\n") are compile-time strings indexed by code, the "Server: …\r\nDate: …\r\n"
 * block is cached per thread and rebuilt only when the wall-clock second changes,
 * and Content-Length is formatted by hand. No printf, no allocation besides the
 * buffer's own growth.
 * Invariants: the cached Date line always has DATE_BLOCK_LEN bytes; the output
 * buffer is NUL-terminated after the response like every cg_buf append.
 */
#include <string.h>
#include <time.h>

#include "codegraph/base.h"
#include "codegraph/http.h"
#include "http/chars.h"

#define STATUS_CODE_MAX 600 /**< status codes below this have a table slot */

typedef struct status_entry {
    const char *text; /**< reason phrase; NULL for a code we do not know */
    const char *line; /**< "HTTP/1.1 <code> <text>\r\n" */
    size_t line_len;
} status_entry;

#define ST(code, txt)                                                                              \
    [code] = {txt, "HTTP/1.1 " #code " " txt "\r\n", sizeof("HTTP/1.1 " #code " " txt "\r\n") - 1}

static const status_entry status_tab[STATUS_CODE_MAX] = {
    ST(100, "Continue"),
    ST(200, "OK"),
    ST(201, "Created"),
    ST(202, "Accepted"),
    ST(204, "No Content"),
    ST(301, "Moved Permanently"),
    ST(302, "Found"),
    ST(304, "Not Modified"),
    ST(400, "Bad Request"),
    ST(401, "Unauthorized"),
    ST(403, "Forbidden"),
    ST(404, "Not Found"),
    ST(405, "Method Not Allowed"),
    ST(408, "Request Timeout"),
    ST(409, "Conflict"),
    ST(410, "Gone"),
    ST(413, "Content Too Large"),
    ST(414, "URI Too Long"),
    ST(415, "Unsupported Media Type"),
    ST(417, "Expectation Failed"),
    ST(422, "Unprocessable Content"),
    ST(429, "Too Many Requests"),
    ST(431, "Request Header Fields Too Large"),
    ST(500, "Internal Server Error"),
    ST(501, "Not Implemented"),
    ST(502, "Bad Gateway"),
    ST(503, "Service Unavailable"),
    ST(504, "Gateway Timeout"),
    ST(505, "HTTP Version Not Supported"),
};

const char *cg_http_status_text(int status)
{
    if (status < 0 || status >= STATUS_CODE_MAX || !status_tab[status].text) return "Unknown";
    return status_tab[status].text;
}

const char *cg_http_method_name(cg_http_method m)
{
    if ((unsigned)m >= CG_HTTP_METHOD_COUNT) return "UNKNOWN";
    return cg_http_method_tab[m].name;
}

/* ---- the per-thread Server + Date block ---- */

#define SERVER_LINE "Server: codegraph\r\n"
#define DATE_PREFIX "Date: "
#define IMF_FIXDATE_LEN 29 /**< "Sun, 06 Nov 1994 08:49:37 GMT" */
#define DATE_BLOCK_LEN (sizeof(SERVER_LINE DATE_PREFIX) - 1 + IMF_FIXDATE_LEN + 2)

static __thread int64_t date_sec = -1;
static __thread char date_block[DATE_BLOCK_LEN + 1];

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* IMF-fixdate (RFC 9110 §5.6.7) for `sec` into p[0..29). */
static void imf_fixdate(char *p, int64_t sec)
{
    static const char wday[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        memcpy(p, "Thu, 01 Jan 1970 00:00:00 GMT", IMF_FIXDATE_LEN);
        return;
    }
    memcpy(p, wday[tm.tm_wday], 3);
    p[3] = ',';
    p[4] = ' ';
    p = put2(p + 5, tm.tm_mday);
    *p++ = ' ';
    memcpy(p, mon[tm.tm_mon], 3);
    p[3] = ' ';
    int y = tm.tm_year + 1900;
    p = put2(p + 4, y / 100);
    p = put2(p, y % 100);
    *p++ = ' ';
    p = put2(p, tm.tm_hour);
    *p++ = ':';
    p = put2(p, tm.tm_min);
    *p++ = ':';
    p = put2(p, tm.tm_sec);
    memcpy(p, " GMT", 4);
}

static const char *date_block_get(void)
{
    int64_t now = cg_time_wall_s();
    if (CG_UNLIKELY(now != date_sec)) {
        char *p = date_block;
        memcpy(p, SERVER_LINE DATE_PREFIX, sizeof(SERVER_LINE DATE_PREFIX) - 1);
        p += sizeof(SERVER_LINE DATE_PREFIX) - 1;
        imf_fixdate(p, now);
        memcpy(p + IMF_FIXDATE_LEN, "\r\n", 2);
        date_block[DATE_BLOCK_LEN] = 0;
        date_sec = now;
    }
    return date_block;
}

/* ---- the response head ---- */

/* Decimal digits of v, right-aligned ending at end; returns the first digit. */
static char *fmt_u64(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

#define PUT(p, s, n) (memcpy((p), (s), (n)), (p) += (n))
#define PUT_LIT(p, lit) PUT(p, lit, sizeof(lit) - 1)

/* The status line for any code: from the table, or "HTTP/1.1 <code> Unknown\r\n". */
static const char *status_line(int status, char *tmp, size_t *n)
{
    if (status < STATUS_CODE_MAX && status_tab[status].text) {
        *n = status_tab[status].line_len;
        return status_tab[status].line;
    }
    char digits[24], *d = fmt_u64(digits + sizeof digits, (uint64_t)status);
    char *p = tmp;
    PUT_LIT(p, "HTTP/1.1 ");
    PUT(p, d, (size_t)(digits + sizeof digits - d));
    PUT_LIT(p, " Unknown\r\n");
    *n = (size_t)(p - tmp);
    return tmp;
}

void cg_http_response(cg_buf *out, int status, const char *content_type, const char *extra_headers,
                      const char *body, size_t body_len, int keep_alive, int head_only)
{
    CG_ASSERT(status >= 100 && status <= 999);
    char line_tmp[48], clen[24];
    size_t line_n, ct_n = content_type ? strlen(content_type) : 0;
    size_t ex_n = extra_headers ? strlen(extra_headers) : 0;
    const char *line = status_line(status, line_tmp, &line_n);
    int interim = status < 200;
    int bodyless = interim || status == 204 || status == 304;
    char *cl = fmt_u64(clen + sizeof clen, body_len);
    size_t cl_n = (size_t)(clen + sizeof clen - cl);
    size_t need = line_n + DATE_BLOCK_LEN + ct_n + 16 + 18 + cl_n + 19 + ex_n + 2 + body_len;
    if (cg_buf_reserve(out, need) != 0) return;
    char *p = out->data + out->len;
    PUT(p, line, line_n);
    if (!interim) {
        PUT(p, date_block_get(), DATE_BLOCK_LEN);
        if (content_type && !bodyless) {
            PUT_LIT(p, "Content-Type: ");
            PUT(p, content_type, ct_n);
            PUT_LIT(p, "\r\n");
        }
        if (!bodyless) {
            PUT_LIT(p, "Content-Length: ");
            PUT(p, cl, cl_n);
            PUT_LIT(p, "\r\n");
        }
        if (!keep_alive) PUT_LIT(p, "Connection: close\r\n");
    }
    if (ex_n) PUT(p, extra_headers, ex_n);
    PUT_LIT(p, "\r\n");
    if (!head_only && !bodyless && body_len) PUT(p, body, body_len);
    out->len = (size_t)(p - out->data);
    out->data[out->len] = 0;
}
