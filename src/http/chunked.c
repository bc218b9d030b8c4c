/*
 * chunked.c — incremental, in-place decoder for the chunked transfer coding (RFC 9112 §7.1).
 *
 * DESIGN
 * One byte-driven state machine; chunk data is moved in bulk with memmove. Decoded
 * bytes are written at buf[*out_len..], which never passes the read position
 * (*out_len <= *in_pos), so decoding in place is safe.
 *
 *   SIZE -hex-> SIZE -CR-> SIZE_LF -LF-> DATA (size > 0) or TR_START (size 0)
 *     `- ';' / BWS -> EXT_* (the chunk-ext grammar) -CR-> SIZE_LF
 *   DATA -size bytes-> DATA_CR -CR-> DATA_LF -LF-> SIZE
 *   TR_START -CR-> END_LF -LF-> DONE (returns 1)
 *   TR_START -tchar-> TR_NAME -':'-> TR_VALUE -CR-> TR_LF -LF-> TR_START
 *
 * Invariants:
 *  - The verdict at a byte depends only on the bytes before it, never on how the
 *    input was split: every state change happens per byte (fuzz_chunked checks this).
 *  - A size line has 1..CHUNK_SIZE_DIGITS_MAX hex digits, so the size never overflows;
 *    `total` + the size being read stays <= body_max (else 413 at the offending digit).
 *  - Only CR LF ends a line; a LF anywhere else and a CR not followed by LF are 400.
 *  - An error is sticky: d->state holds the negative status and is returned again.
 */
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/http.h"
#include "http/chars.h"

#define CHUNK_SIZE_DIGITS_MAX 16 /**< hex digits in a chunk size: 16 fill a uint64_t */

enum {
    CH_SIZE,          /**< hex digits of the size (line_len counts them) */
    CH_EXT_BWS,       /**< whitespace that must be followed by ';' */
    CH_EXT_PRE_NAME,  /**< after ';': BWS then the extension name */
    CH_EXT_NAME,      /**< in the name */
    CH_EXT_POST_NAME, /**< BWS after the name: '=' or ';' next */
    CH_EXT_PRE_VAL,   /**< after '=': BWS then a token or a quoted-string */
    CH_EXT_VAL,       /**< in a token value */
    CH_EXT_QVAL,      /**< in a quoted-string value */
    CH_EXT_QESC,      /**< after a backslash in a quoted-string */
    CH_EXT_AFTER_Q,   /**< just after the closing quote */
    CH_SIZE_LF,       /**< CR ended the size line: LF next */
    CH_DATA,          /**< chunk_left data bytes to copy */
    CH_DATA_CR,       /**< CR after the data */
    CH_DATA_LF,       /**< LF after the data */
    CH_TR_START,      /**< start of a trailer line or of the final CRLF */
    CH_TR_NAME,       /**< in a trailer field name */
    CH_TR_VALUE,      /**< in a trailer field value */
    CH_TR_LF,         /**< LF ending a trailer line */
    CH_END_LF,        /**< LF ending the chunked body */
    CH_DONE,          /**< complete; further calls return 1 */
};

void cg_http_chunked_init(cg_http_chunked *d)
{
    memset(d, 0, sizeof *d);
    d->state = CH_SIZE;
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The chunk-ext grammar: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
 * Next state after byte c (not CR), or -1. */
static int ext_next(int state, unsigned char c)
{
    int ws = cg_http_is_ows(c), tc = cg_http_cc_is(c, CG_HTTP_CC_TCHAR);
    switch (state) {
    case CH_SIZE:
    case CH_EXT_VAL:
    case CH_EXT_AFTER_Q:
        if (state == CH_EXT_VAL && tc) return CH_EXT_VAL;
        if (c == ';') return CH_EXT_PRE_NAME;
        return ws ? CH_EXT_BWS : -1;
    case CH_EXT_BWS:
        if (c == ';') return CH_EXT_PRE_NAME;
        return ws ? CH_EXT_BWS : -1;
    case CH_EXT_PRE_NAME: return ws ? CH_EXT_PRE_NAME : tc ? CH_EXT_NAME : -1;
    case CH_EXT_NAME:
    case CH_EXT_POST_NAME:
        if (state == CH_EXT_NAME && tc) return CH_EXT_NAME;
        if (c == ';') return CH_EXT_PRE_NAME;
        if (c == '=') return CH_EXT_PRE_VAL;
        return ws ? CH_EXT_POST_NAME : -1;
    case CH_EXT_PRE_VAL:
        if (c == '"') return CH_EXT_QVAL;
        return ws ? CH_EXT_PRE_VAL : tc ? CH_EXT_VAL : -1;
    case CH_EXT_QVAL:
        if (c == '"') return CH_EXT_AFTER_Q;
        if (c == '\\') return CH_EXT_QESC;
        return cg_http_cc_is(c, CG_HTTP_CC_VALUE) ? CH_EXT_QVAL : -1;
    case CH_EXT_QESC: return cg_http_cc_is(c, CG_HTTP_CC_VALUE) ? CH_EXT_QVAL : -1;
    default: return -1;
    }
}

/* One byte of a size line (chunk-size [ chunk-ext ] CR). */
static int size_byte(cg_http_chunked *d, unsigned char c, uint64_t body_max)
{
    int v = hex_val(c);
    if (d->state == CH_SIZE && v >= 0) {
        if (d->line_len == CHUNK_SIZE_DIGITS_MAX) return -400;
        d->line_len++;
        d->chunk_left = d->chunk_left * 16 + (uint64_t)v;
        if (d->chunk_left > body_max - d->total) return -413;
        return 0;
    }
    if (d->state == CH_SIZE && d->line_len == 0) return -400; /* no digits */
    if (c == '\r') {
        int s = d->state;
        if (s != CH_SIZE && s != CH_EXT_NAME && s != CH_EXT_VAL && s != CH_EXT_AFTER_Q) return -400;
        d->state = CH_SIZE_LF;
        return 0;
    }
    if (++d->ext_len > CG_HTTP_CHUNK_EXT_MAX) return -400;
    int next = ext_next(d->state, c);
    if (next < 0) return -400;
    d->state = next;
    return 0;
}

/* One byte of the trailer section (field lines, then CRLF); syntax only, discarded. */
static int trailer_byte(cg_http_chunked *d, unsigned char c)
{
    if (++d->trailer_len > CG_HTTP_HEADERS_TOTAL_MAX) return -400;
    if (++d->line_len > CG_HTTP_HEADER_LINE_MAX + 2) return -400;
    int tc = cg_http_cc_is(c, CG_HTTP_CC_TCHAR);
    switch (d->state) {
    case CH_TR_START:
        if (c == '\r')
            d->state = CH_END_LF;
        else if (tc)
            d->state = CH_TR_NAME;
        else
            return -400; /* obs-fold, empty name */
        return 0;
    case CH_TR_NAME:
        if (c == ':')
            d->state = CH_TR_VALUE;
        else if (!tc)
            return -400; /* whitespace before ':' */
        return 0;
    case CH_TR_VALUE:
        if (c == '\r')
            d->state = CH_TR_LF;
        else if (!cg_http_cc_is(c, CG_HTTP_CC_VALUE))
            return -400;
        return 0;
    case CH_TR_LF:
        if (c != '\n') return -400;
        d->state = CH_TR_START;
        d->line_len = 0;
        return 0;
    default: /* CH_END_LF */
        if (c != '\n') return -400;
        d->state = CH_DONE;
        return 1;
    }
}

/* One byte outside chunk data. 1 done, 0 go on, <0 status. */
static int chunked_byte(cg_http_chunked *d, unsigned char c, uint64_t body_max)
{
    switch (d->state) {
    case CH_SIZE_LF:
        if (c != '\n') return -400;
        d->line_len = 0;
        d->state = d->chunk_left ? CH_DATA : CH_TR_START;
        return 0;
    case CH_DATA_CR:
        if (c != '\r') return -400;
        d->state = CH_DATA_LF;
        return 0;
    case CH_DATA_LF:
        if (c != '\n') return -400;
        d->state = CH_SIZE;
        d->chunk_left = 0;
        d->line_len = d->ext_len = 0;
        return 0;
    case CH_TR_START:
    case CH_TR_NAME:
    case CH_TR_VALUE:
    case CH_TR_LF:
    case CH_END_LF: return trailer_byte(d, c);
    default: return size_byte(d, c, body_max);
    }
}

int cg_http_chunked_decode(cg_http_chunked *d, char *buf, size_t len, size_t *in_pos,
                           size_t *out_len, uint64_t body_max)
{
    if (d->state < 0) return d->state;
    if (d->state == CH_DONE) return 1;
    size_t in = *in_pos, out = *out_len;
    CG_ASSERT(out <= in && in <= len);
    CG_ASSERT(d->total <= body_max);
    int r = 0;
    while (r == 0 && in < len) {
        if (d->state == CH_DATA) {
            size_t n = (size_t)CG_MIN((uint64_t)(len - in), d->chunk_left);
            if (out != in) memmove(buf + out, buf + in, n);
            in += n;
            out += n;
            d->chunk_left -= n;
            d->total += n;
            if (d->chunk_left == 0) d->state = CH_DATA_CR;
            continue;
        }
        r = chunked_byte(d, (unsigned char)buf[in++], body_max);
    }
    *in_pos = in;
    *out_len = out;
    if (r < 0) d->state = r;
    return r;
}
