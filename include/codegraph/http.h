/*
 * http.h — HTTP/1.1 request parsing (head + bodies) and response writing.
 *
 * The parser is ours, strict, zero-copy and fuzzed. It parses from the start of a
 * connection's input buffer; the connection state machine (src/server) owns the
 * buffer and the states. Strictness (RFC 9112): a request with both
 * Content-Length and Transfer-Encoding, duplicate/conflicting Content-Length,
 * Transfer-Encoding other than exactly "chunked", whitespace before a colon,
 * obs-fold, bare CR or bare LF as a line end, or control bytes in fields is 400.
 * Errors are reported as negative HTTP statuses so the caller answers exactly:
 *   -400 bad framing / syntax          -414 request line > CG_HTTP_REQUEST_LINE_MAX
 *   -431 one header line > CG_HTTP_HEADER_LINE_MAX, all headers >
 *        CG_HTTP_HEADERS_TOTAL_MAX, or more than CG_HTTP_HEADERS_COUNT_MAX fields
 *   -413 Content-Length above the body limit (known before reading the body)
 *   -501 unknown Transfer-Encoding coding   -505 HTTP version not 1.0/1.1
 *   -417 an Expect value other than "100-continue"
 * Limits are enforced on partial input too: an over-long request line is 414
 * before its CRLF arrives.
 */
#ifndef CODEGRAPH_HTTP_H
#define CODEGRAPH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/limits.h"

typedef enum {
    CG_HTTP_GET,
    CG_HTTP_HEAD,
    CG_HTTP_POST,
    CG_HTTP_PUT,
    CG_HTTP_DELETE,
    CG_HTTP_PATCH,
    CG_HTTP_OPTIONS,
    CG_HTTP_OTHER,
    CG_HTTP_METHOD_COUNT
} cg_http_method;

typedef struct cg_http_header {
    const char *name;
    size_t name_len; /**< as sent (compare case-insensitively) */
    const char *value;
    size_t value_len; /**< OWS trimmed */
} cg_http_header;

typedef struct cg_http_request {
    cg_http_method method;
    const char *method_str;
    size_t method_len;
    const char *target;
    size_t target_len; /**< origin-form as sent */
    const char *path;
    size_t path_len; /**< target up to '?' */
    const char *query;
    size_t query_len;  /**< after '?', may be empty */
    int version_minor; /**< 0 or 1 */
    cg_http_header headers[CG_HTTP_HEADERS_COUNT_MAX];
    int n_headers;
    size_t head_len;        /**< bytes of request line + headers + final CRLF */
    int64_t content_length; /**< -1 when absent */
    int chunked;            /**< Transfer-Encoding: chunked */
    int keep_alive;         /**< after Connection header and version defaults */
    int expect_continue;    /**< Expect: 100-continue */
    const char *body;       /**< set by the caller once the body is complete */
    size_t body_len;
} cg_http_request;

typedef struct cg_http_limits {
    size_t request_line_max, header_line_max, headers_total_max;
    int headers_count_max;
    uint64_t body_max;
} cg_http_limits;

/** The compiled-in limits (limits.h) with `body_max`. */
void cg_http_limits_default(cg_http_limits *l, uint64_t body_max);

/**
 * Parse a request head from buf[0..len).
 * Returns >0 (== req->head_len) when the head is complete, 0 when more bytes are
 * needed, or a negative status (see top of file). `scan_from` (in/out, start at 0)
 * remembers how far the end-of-head search got so byte-at-a-time input stays linear.
 * It is an opaque cursor (it packs the scanner state, not a plain offset): pass back
 * what the previous call left while the buffer only grows, 0 for a new request. It
 * is reset to 0 on every non-zero return. The verdict never depends on how the input
 * was split. Line limits count the bytes before the CRLF; the total counts every head
 * byte, leading empty lines and the final CRLF included.
 */
int cg_http_parse_head(cg_http_request *req, const char *buf, size_t len, const cg_http_limits *lim,
                       size_t *scan_from);

/** Find a header (case-insensitive); NULL if absent. */
const cg_http_header *cg_http_find_header(const cg_http_request *req, const char *name);

/** Incremental, in-place chunked-body decoder (trailers are parsed and discarded). */
typedef struct cg_http_chunked {
    int state;
    uint64_t chunk_left; /**< bytes left in the current chunk */
    uint64_t total;      /**< decoded bytes so far */
    size_t ext_len;      /**< chunk-extension bytes seen in this size line */
    size_t line_len;     /**< bytes in the current size/trailer line */
    size_t trailer_len;  /**< bytes of the trailer section so far */
} cg_http_chunked;

void cg_http_chunked_init(cg_http_chunked *d);
/**
 * Decode buf[*in_pos..len) in place: decoded bytes are moved down to buf[*out_len..].
 * Advances *in_pos and *out_len. Returns 1 when the terminating chunk and trailers
 * are complete (then *in_pos is just past them), 0 when more input is needed,
 * -400 on bad syntax (bad size, missing CRLF, bare LF, overflow, chunk extensions
 * over CG_HTTP_CHUNK_EXT_MAX, trailers over CG_HTTP_HEADERS_TOTAL_MAX), -413 as soon
 * as a chunk size would take the decoded total over body_max. Errors are sticky.
 */
int cg_http_chunked_decode(cg_http_chunked *d, char *buf, size_t len, size_t *in_pos,
                           size_t *out_len, uint64_t body_max);

/** Reason phrase for a status ("Not Found"); "Unknown" otherwise. */
const char *cg_http_status_text(int status);
/** Method name for an enum value ("GET"). */
const char *cg_http_method_name(cg_http_method m);

/** Start a response: status line, Date, Server, Content-Length/Connection as given.
 *  `extra_headers` is raw "Name: value\r\n" lines or NULL. `head_only` (HEAD) writes the
 *  headers with the body's Content-Length but no body. 1xx writes only the status line
 *  and `extra_headers`; 204 and 304 get no Content-Type, Content-Length or body. */
void cg_http_response(cg_buf *out, int status, const char *content_type, const char *extra_headers,
                      const char *body, size_t body_len, int keep_alive, int head_only);

#endif
