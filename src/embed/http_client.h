/*
 * http_client.h — a small blocking HTTP/1.1 client for the embedding providers (private to
 * src/embed).
 *
 * Plain http:// only: no TLS library is linked, so an https:// URL is refused with an error
 * that says so (put a local TLS-terminating proxy in front of a remote https endpoint). One
 * request per connection ("Connection: close"); the whole exchange — name resolution aside,
 * which getaddrinfo does without a deadline — runs under one deadline: a non-blocking
 * connect waited for with poll, then send and receive, each wait bounded by what is left.
 * Meant for pool threads: it blocks the calling thread.
 *
 * Responses: a status line, header fields, then a body framed by Content-Length, by the
 * chunked coding (decoded with our server's decoder, cg_http_chunked_*) or by the end of the
 * connection. Interim 1xx responses are skipped. The body is bounded by response_max.
 *
 * Errors (int returns): 0 a response arrived (any status); CG_ETIMEOUT the deadline passed;
 * CG_ECONFIG a URL we cannot use (https, user info, bad port); CG_ELIMIT the head or the
 * body is too large; -EPROTO a malformed response; -ECONNRESET the connection ended before
 * the response was complete; other -errno from socket calls (-ECONNREFUSED …);
 * -EHOSTUNREACH when the host name does not resolve. `err` always gets a sentence.
 */
#ifndef CG_EMBED_HTTP_CLIENT_H
#define CG_EMBED_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/http.h"

#define CG_HC_HOST_MAX 255                       /**< bytes of a host name or IP literal */
#define CG_HC_PATH_MAX 2048                      /**< bytes of a URL path (with query) */
#define CG_HC_HEAD_MAX CG_HTTP_HEADERS_TOTAL_MAX /**< bytes of a response head */
#define CG_HC_RESPONSE_MAX_DEFAULT (64u << 20)   /**< response body bytes when unset */
#define CG_HC_RECV_CHUNK 65536                   /**< bytes asked of one recv() */

/** A parsed http:// URL. */
typedef struct cg_hc_url {
    char host[CG_HC_HOST_MAX + 1]; /**< name or IP literal (IPv6 without brackets) */
    char port[8];                  /**< decimal, "80" when absent */
    char path[CG_HC_PATH_MAX + 1]; /**< "/" or the path (and query) as written */
    int ipv6;                      /**< host is an IPv6 literal (bracketed in Host) */
} cg_hc_url;

/**
 * Parse "http://host[:port][/path]". 0, or CG_ECONFIG with the reason in err (https://
 * names the missing TLS support; user info, fragments, bad ports and over-long parts are
 * refused).
 */
int cg_hc_url_parse(const char *url, cg_hc_url *u, char *err, size_t errlen);

/**
 * A response being parsed from the raw bytes of a connection.
 * DESIGN: the parser re-reads `raw` from the positions it stored (offsets, never pointers,
 * since `raw` grows), states HEAD → BODY → DONE:
 *  - HEAD: search "\r\n\r\n" from `scan`; at it, parse the status line and fields; a 1xx
 *    head is dropped from `raw` and HEAD starts again.
 *  - BODY: Content-Length → done when that many bytes follow the head; chunked → decode in
 *    place from `in_pos` to `head_len + body_len`; neither → every byte until EOF.
 * Invariants: body bytes are raw[head_len .. head_len + body_len); body_len never exceeds
 * the limit; an error is sticky (state < 0 holds it).
 */
typedef struct cg_hc_resp {
    int status;             /**< 200, 429 … (0 until the head is parsed) */
    int64_t content_length; /**< -1 when absent */
    int chunked;            /**< Transfer-Encoding: chunked */
    int64_t retry_after_ms; /**< Retry-After as milliseconds from now; -1 when absent */
    cg_buf raw;             /**< every byte received (decoded in place for chunked) */
    size_t head_len;        /**< bytes of the final head */
    size_t body_len;        /**< decoded body bytes at raw.data + head_len */
    /* parser state */
    int state;
    size_t scan, in_pos;
    cg_http_chunked ck;
} cg_hc_resp;

void cg_hc_resp_init(cg_hc_resp *r);
void cg_hc_resp_release(cg_hc_resp *r);
/** The body (NUL-terminated: raw keeps a NUL after it once complete). */
static inline const char *cg_hc_resp_body(const cg_hc_resp *r)
{
    return r->raw.data ? r->raw.data + r->head_len : "";
}

/**
 * Parse what `raw` holds now (the caller appended bytes to r->raw; `eof` says the peer
 * closed). 1 complete, 0 more bytes needed, -EPROTO malformed, -ECONNRESET EOF before the
 * end, CG_ELIMIT head over CG_HC_HEAD_MAX or body over body_max. Sticky.
 */
int cg_hc_resp_parse(cg_hc_resp *r, int eof, size_t body_max, char *err, size_t errlen);

/**
 * Retry-After value → milliseconds: delta-seconds, or an HTTP-date relative to now_s
 * (a past date is 0). -1 when it is neither.
 */
int64_t cg_hc_retry_after_ms(const char *v, size_t n, int64_t now_s);

/** One request. */
typedef struct cg_hc_request {
    const cg_hc_url *url;
    const char *method;       /**< "POST" */
    const char *path;         /**< NULL: url->path */
    const char *content_type; /**< of the body, or NULL */
    const char *headers;      /**< extra raw "Name: value\r\n" lines, or NULL */
    const char *body;
    size_t body_len;
    int64_t timeout_ms;  /**< the whole exchange */
    size_t response_max; /**< body bytes; 0: CG_HC_RESPONSE_MAX_DEFAULT */
} cg_hc_request;

/**
 * Send the request and read the response into `resp` (initialised by the caller, released
 * by the caller also on error). See the top of the file for the return codes.
 */
int cg_hc_do(const cg_hc_request *rq, cg_hc_resp *resp, char *err, size_t errlen);

#endif
