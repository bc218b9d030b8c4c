/*
 * http_client.c — the blocking HTTP/1.1 client of the embedding providers (http_client.h):
 * URL parsing (http:// only), the response parser, Retry-After, and the socket exchange
 * (non-blocking connect + poll, send, receive) under one deadline.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "embed/http_client.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

#define HC_RAW_SLACK (64u << 10) /* raw bytes allowed beyond head + 2 x body (chunk framing) */
#define HC_STATUS_LINE_MIN 12    /* "HTTP/1.1 200" */

enum { HC_HEAD, HC_BODY, HC_DONE };

static int fail_msg(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_msg(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ------------------------------------------------------------------ URL */

/* Printable ASCII except space: what may appear in a host or a request target. */
static int url_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

static int url_port(const char *p, size_t n, cg_hc_url *u)
{
    long v = 0;
    if (n == 0 || n > 5) return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > 65535) return -1;
    snprintf(u->port, sizeof u->port, "%ld", v);
    return 0;
}

/* host[:port] or [v6][:port] in a[0..n). */
static int url_authority(const char *a, size_t n, cg_hc_url *u, char *err, size_t errlen)
{
    const char *host = a, *colon;
    size_t hn;
    if (n && a[0] == '[') {
        const char *rb = memchr(a, ']', n);
        if (!rb) return fail_msg(err, errlen, CG_ECONFIG, "unterminated IPv6 literal in URL");
        host = a + 1;
        hn = (size_t)(rb - host);
        colon = rb + 1 < a + n ? rb + 1 : NULL;
        if (colon && *colon != ':')
            return fail_msg(err, errlen, CG_ECONFIG, "junk after the IPv6 literal in URL");
        u->ipv6 = 1;
    } else {
        colon = memchr(a, ':', n);
        hn = colon ? (size_t)(colon - a) : n;
    }
    if (hn == 0 || hn > CG_HC_HOST_MAX || !url_chars_ok(host, hn))
        return fail_msg(err, errlen, CG_ECONFIG, "bad or missing host in URL");
    memcpy(u->host, host, hn);
    u->host[hn] = 0;
    if (!colon) {
        snprintf(u->port, sizeof u->port, "80");
        return 0;
    }
    if (url_port(colon + 1, (size_t)(a + n - colon - 1), u) != 0)
        return fail_msg(err, errlen, CG_ECONFIG, "bad port in URL (1..65535)");
    return 0;
}

int cg_hc_url_parse(const char *url, cg_hc_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (!url || !*url) return fail_msg(err, errlen, CG_ECONFIG, "empty URL");
    if (strncasecmp(url, "https://", 8) == 0)
        return fail_msg(err, errlen, CG_ECONFIG,
                        "https:// is not supported: CodeGraph's HTTP client speaks plain "
                        "http:// only (no TLS library is linked); use an http:// endpoint "
                        "or a local TLS-terminating proxy");
    if (strncasecmp(url, "http://", 7) != 0)
        return fail_msg(err, errlen, CG_ECONFIG, "URL must start with http://");
    const char *a = url + 7;
    size_t an = strcspn(a, "/?#");
    if (memchr(a, '@', an))
        return fail_msg(err, errlen, CG_ECONFIG,
                        "user info in the URL is not supported (use the api key setting)");
    int rc = url_authority(a, an, u, err, errlen);
    if (rc) return rc;
    const char *path = a + an;
    size_t pn = strlen(path);
    if (memchr(path, '#', pn))
        return fail_msg(err, errlen, CG_ECONFIG, "a fragment (#) in the URL is not allowed");
    if (!url_chars_ok(path, pn) || pn + 1 > CG_HC_PATH_MAX)
        return fail_msg(err, errlen, CG_ECONFIG, "bad or over-long path in URL");
    snprintf(u->path, sizeof u->path, "%s%s", path[0] == '/' ? "" : "/", path);
    return 0;
}

/* ------------------------------------------------------------------ response parser */

void cg_hc_resp_init(cg_hc_resp *r)
{
    memset(r, 0, sizeof *r);
    cg_buf_init(&r->raw);
    r->content_length = -1;
    r->retry_after_ms = -1;
    r->state = HC_HEAD;
}

void cg_hc_resp_release(cg_hc_resp *r)
{
    cg_buf_release(&r->raw);
}

int64_t cg_hc_retry_after_ms(const char *v, size_t n, int64_t now_s)
{
    char buf[64];
    int64_t s = 0;
    size_t i = 0;
    while (i < n && v[i] >= '0' && v[i] <= '9') {
        if (s < 1000000000) s = s * 10 + (v[i] - '0');
        i++;
    }
    if (i > 0 && i == n) return s * 1000;
    if (i > 0 || n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, v, n);
    buf[n] = 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end) return -1;
    int64_t at = (int64_t)timegm(&tm);
    return at > now_s ? (at - now_s) * 1000 : 0;
}

static int token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static int parse_status_line(cg_hc_resp *r, const char *l, size_t n)
{
    if (n < HC_STATUS_LINE_MIN || memcmp(l, "HTTP/1.", 7) != 0) return -EPROTO;
    if ((l[7] != '0' && l[7] != '1') || l[8] != ' ') return -EPROTO;
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (l[i] < '0' || l[i] > '9') return -EPROTO;
        st = st * 10 + (l[i] - '0');
    }
    if (st < 100 || (n > 12 && l[12] != ' ')) return -EPROTO;
    r->status = st;
    return 0;
}

static int parse_content_length(cg_hc_resp *r, const char *v, size_t n)
{
    int64_t x = 0;
    if (n == 0 || n > 18) return -EPROTO;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -EPROTO;
        x = x * 10 + (v[i] - '0');
    }
    if (r->content_length >= 0 && r->content_length != x) return -EPROTO;
    r->content_length = x;
    return 0;
}

/* One "Name: value" field line (without CRLF). */
static int parse_field(cg_hc_resp *r, const char *l, size_t n)
{
    size_t nn = 0;
    while (nn < n && token_char((unsigned char)l[nn])) nn++;
    if (nn == 0 || nn == n || l[nn] != ':') return -EPROTO;
    const char *v = l + nn + 1;
    size_t vn = n - nn - 1;
    for (size_t i = 0; i < vn; i++)
        if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) return -EPROTO;
    while (vn && (*v == ' ' || *v == '\t')) v++, vn--;
    while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
    if (nn == 14 && strncasecmp(l, "Content-Length", 14) == 0)
        return parse_content_length(r, v, vn);
    if (nn == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
        if (vn != 7 || strncasecmp(v, "chunked", 7) != 0) return -EPROTO;
        r->chunked = 1;
    } else if (nn == 16 && strncasecmp(l, "Content-Encoding", 16) == 0) {
        if (vn != 8 || strncasecmp(v, "identity", 8) != 0) return -EPROTO;
    } else if (nn == 11 && strncasecmp(l, "Retry-After", 11) == 0) {
        r->retry_after_ms = cg_hc_retry_after_ms(v, vn, cg_time_wall_s());
    }
    return 0;
}

/* The head raw[0..head_len) (ends with CRLF CRLF). */
static int parse_head(cg_hc_resp *r, size_t head_len)
{
    const char *p = r->raw.data, *end = p + head_len - 2; /* up to the last field's CRLF */
    int line = 0;
    r->content_length = -1;
    r->chunked = 0;
    r->retry_after_ms = -1;
    while (p < end) {
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        if (!cr || cr[1] != '\n' || memchr(p, '\n', (size_t)(cr - p))) return -EPROTO;
        int rc = line++ == 0 ? parse_status_line(r, p, (size_t)(cr - p))
                             : parse_field(r, p, (size_t)(cr - p));
        if (rc) return rc;
        p = cr + 2;
    }
    return line > 0 ? 0 : -EPROTO;
}

/* HEAD state: 0 need more, 1 moved on, <0 error. */
static int step_head(cg_hc_resp *r, int eof, size_t body_max)
{
    const char *d = r->raw.data;
    size_t len = r->raw.len;
    const char *hit = len >= 4 ? memmem(d + r->scan, len - r->scan, "\r\n\r\n", 4) : NULL;
    if (!hit) {
        if (len > CG_HC_HEAD_MAX) return CG_ELIMIT;
        r->scan = len > 3 ? len - 3 : 0;
        return eof ? -ECONNRESET : 0;
    }
    size_t hl = (size_t)(hit - d) + 4;
    if (hl > CG_HC_HEAD_MAX) return CG_ELIMIT;
    int rc = parse_head(r, hl);
    if (rc) return rc;
    r->scan = 0;
    if (r->status < 200) { /* interim: drop it and read the final head */
        cg_buf_consume(&r->raw, hl);
        return 1;
    }
    r->head_len = r->in_pos = hl;
    r->body_len = 0;
    r->state = HC_BODY;
    if (r->status == 204 || r->status == 304)
        r->state = HC_DONE;
    else if (r->chunked)
        cg_http_chunked_init(&r->ck);
    else if (r->content_length > (int64_t)body_max)
        return CG_ELIMIT;
    return 1;
}

/* BODY state: 0 need more, 1 done, <0 error. */
static int step_body(cg_hc_resp *r, int eof, size_t body_max)
{
    size_t have = r->raw.len - r->head_len;
    if (r->chunked) {
        size_t out = r->head_len + r->body_len;
        int rc = cg_http_chunked_decode(&r->ck, r->raw.data, r->raw.len, &r->in_pos, &out,
                                        (uint64_t)body_max);
        r->body_len = out - r->head_len;
        if (rc == -413) return CG_ELIMIT;
        if (rc < 0) return -EPROTO;
        if (rc == 0) return eof ? -ECONNRESET : 0;
    } else if (r->content_length >= 0) {
        if (have < (size_t)r->content_length) return eof ? -ECONNRESET : 0;
        r->body_len = (size_t)r->content_length;
    } else {
        if (have > body_max) return CG_ELIMIT;
        r->body_len = have;
        if (!eof) return 0;
    }
    r->raw.data[r->head_len + r->body_len] = 0;
    r->state = HC_DONE;
    return 1;
}

static const char *parse_err_text(int rc)
{
    switch (rc) {
    case CG_ELIMIT: return "response larger than the limit";
    case -ECONNRESET: return "connection closed before the response was complete";
    default: return "malformed HTTP response";
    }
}

int cg_hc_resp_parse(cg_hc_resp *r, int eof, size_t body_max, char *err, size_t errlen)
{
    int rc = 1;
    if (r->state < 0) return fail_msg(err, errlen, r->state, "%s", parse_err_text(r->state));
    if (r->raw.len > CG_HC_HEAD_MAX + 2 * body_max + HC_RAW_SLACK) rc = CG_ELIMIT;
    while (rc == 1 && r->state != HC_DONE)
        rc = r->state == HC_HEAD ? step_head(r, eof, body_max) : step_body(r, eof, body_max);
    if (rc < 0) {
        r->state = rc;
        return fail_msg(err, errlen, rc, "%s", parse_err_text(rc));
    }
    return r->state == HC_DONE ? 1 : 0;
}

/* ------------------------------------------------------------------ sockets */

static int64_t ms_left(uint64_t deadline_ns)
{
    uint64_t now = cg_time_mono_ns();
    if (now >= deadline_ns) return 0;
    return (int64_t)((deadline_ns - now + 999999) / 1000000);
}

/* Wait for `ev` on fd until the deadline: 0 ready, CG_ETIMEOUT, -errno. */
static int wait_fd(int fd, short ev, uint64_t deadline_ns)
{
    for (;;) {
        int64_t left = ms_left(deadline_ns);
        if (left <= 0) return CG_ETIMEOUT;
        struct pollfd p = {.fd = fd, .events = ev};
        int n = poll(&p, 1, (int)CG_MIN(left, (int64_t)INT32_MAX));
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return -errno;
    }
}

static int connect_one(const struct addrinfo *ai, uint64_t deadline_ns, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int rc = 0, one = 1, soerr = 0;
    socklen_t sl = sizeof soerr;
    if (fd < 0) return -errno;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            rc = -errno;
            goto fail;
        }
        if ((rc = wait_fd(fd, POLLOUT, deadline_ns)) != 0) goto fail;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
        if (soerr) {
            rc = -soerr;
            goto fail;
        }
    }
    *fd_out = fd;
    return 0;
fail:
    close(fd);
    return rc;
}

static int hc_connect(const cg_hc_url *u, uint64_t deadline_ns, int *fd, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g != 0)
        return fail_msg(err, errlen, -EHOSTUNREACH, "cannot resolve %s: %s", u->host,
                        gai_strerror(g));
    int rc = -EHOSTUNREACH;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = connect_one(ai, deadline_ns, fd);
        if (rc == 0 || rc == CG_ETIMEOUT) break;
    }
    freeaddrinfo(res);
    if (rc == CG_ETIMEOUT)
        return fail_msg(err, errlen, rc, "connecting to %s:%s timed out", u->host, u->port);
    if (rc)
        return fail_msg(err, errlen, rc, "cannot connect to %s:%s: %s", u->host, u->port,
                        strerror(-rc));
    return 0;
}

static int send_all(int fd, struct iovec *iov, int niov, uint64_t deadline_ns)
{
    while (niov > 0) {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
        ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
            int rc = wait_fd(fd, POLLOUT, deadline_ns);
            if (rc) return rc;
            continue;
        }
        while (niov > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            niov--;
        }
        if (niov > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

static int recv_response(int fd, cg_hc_resp *r, size_t max, uint64_t deadline_ns, char *err,
                         size_t errlen)
{
    for (;;) {
        if (cg_buf_reserve(&r->raw, CG_HC_RECV_CHUNK) != 0)
            return fail_msg(err, errlen, CG_ENOMEM, "out of memory reading the response");
        int rc = wait_fd(fd, POLLIN, deadline_ns);
        if (rc == CG_ETIMEOUT)
            return fail_msg(err, errlen, rc, "no complete response before the timeout");
        if (rc) return fail_msg(err, errlen, rc, "poll: %s", strerror(-rc));
        ssize_t n = recv(fd, r->raw.data + r->raw.len, CG_HC_RECV_CHUNK, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return fail_msg(err, errlen, -errno, "recv: %s", strerror(errno));
        }
        r->raw.len += (size_t)n;
        r->raw.data[r->raw.len] = 0;
        rc = cg_hc_resp_parse(r, n == 0, max, err, errlen);
        if (rc != 0) return rc < 0 ? rc : 0;
    }
}

static void build_head(cg_buf *h, const cg_hc_request *rq)
{
    const cg_hc_url *u = rq->url;
    cg_buf_printf(h, "%s %s HTTP/1.1\r\n", rq->method, rq->path ? rq->path : u->path);
    if (u->ipv6)
        cg_buf_printf(h, "Host: [%s]:%s\r\n", u->host, u->port);
    else
        cg_buf_printf(h, "Host: %s:%s\r\n", u->host, u->port);
    cg_buf_puts(h, "User-Agent: codegraph/" CG_VERSION "\r\nAccept: application/json\r\n"
                   "Connection: close\r\n");
    if (rq->content_type) cg_buf_printf(h, "Content-Type: %s\r\n", rq->content_type);
    cg_buf_printf(h, "Content-Length: %zu\r\n", rq->body_len);
    if (rq->headers) cg_buf_puts(h, rq->headers);
    cg_buf_puts(h, "\r\n");
}

int cg_hc_do(const cg_hc_request *rq, cg_hc_resp *resp, char *err, size_t errlen)
{
    uint64_t deadline = cg_time_mono_ns() + (uint64_t)CG_MAX(rq->timeout_ms, 1) * 1000000ull;
    size_t max = rq->response_max ? rq->response_max : CG_HC_RESPONSE_MAX_DEFAULT;
    cg_buf head;
    int fd = -1, rc;

    cg_buf_init(&head);
    if ((rc = hc_connect(rq->url, deadline, &fd, err, errlen)) != 0) goto fail;
    build_head(&head, rq);
    if (!cg_buf_ok(&head)) {
        rc = fail_msg(err, errlen, CG_ENOMEM, "out of memory building the request");
        goto fail;
    }
    struct iovec iov[2] = {{head.data, head.len}, {(void *)rq->body, rq->body_len}};
    rc = send_all(fd, iov, rq->body_len ? 2 : 1, deadline);
    if (rc == CG_ETIMEOUT) {
        fail_msg(err, errlen, rc, "sending the request timed out");
        goto fail;
    }
    if (rc) {
        fail_msg(err, errlen, rc, "sending the request failed: %s", strerror(-rc));
        goto fail;
    }
    rc = recv_response(fd, resp, max, deadline, err, errlen);
fail:
    if (fd >= 0) close(fd);
    cg_buf_release(&head);
    return rc;
}
