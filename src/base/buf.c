/*
 * buf.c — growable byte buffer and its appenders.
 *
 * DESIGN: capacity doubles (minimum 256 bytes) so appends are amortised O(1).
 * The data is always NUL-terminated after `len` so it can be handed to C string
 * functions; the terminator is not counted in `len`. A failed grow sets `oom`
 * and turns every later append into a no-op: callers check cg_buf_ok() once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"

#define BUF_MIN_CAP 256

void cg_buf_init(cg_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void cg_buf_release(cg_buf *b)
{
    free(b->data);
    cg_buf_init(b);
}

int cg_buf_reserve(cg_buf *b, size_t n)
{
    if (b->oom) return CG_ENOMEM;
    if (b->len + n + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < b->len + n + 1) {
        if (cap > ((size_t)-1) / 2) goto fail;
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) goto fail;
    b->data = p;
    b->cap = cap;
    return 0;
fail:
    b->oom = 1;
    return CG_ENOMEM;
}

void cg_buf_consume(cg_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data) b->data[b->len] = 0;
}

void cg_buf_append(cg_buf *b, const void *p, size_t n)
{
    if (cg_buf_reserve(b, n) != 0) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void cg_buf_puts(cg_buf *b, const char *s)
{
    cg_buf_append(b, s, strlen(s));
}

void cg_buf_putc(cg_buf *b, char c)
{
    if (cg_buf_reserve(b, 1) != 0) return;
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void cg_buf_vprintf(cg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof tmp) {
        cg_buf_append(b, tmp, (size_t)n);
    } else if (cg_buf_reserve(b, (size_t)n) == 0) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void cg_buf_printf(cg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void cg_buf_put_u64(cg_buf *b, uint64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    cg_buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

void cg_buf_put_i64(cg_buf *b, int64_t v)
{
    if (v < 0) {
        cg_buf_putc(b, '-');
        cg_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        cg_buf_put_u64(b, (uint64_t)v);
    }
}

void cg_buf_put_double(cg_buf *b, double v)
{
    if (isnan(v)) {
        cg_buf_puts(b, "NaN");
        return;
    }
    if (isinf(v)) {
        cg_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        cg_buf_put_i64(b, (int64_t)v);
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    cg_buf_puts(b, tmp);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n) return 0;
    unsigned cp = c & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void cg_buf_put_json_str(cg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    cg_buf_putc(b, '"');
    size_t run = 0; /* start of a run of bytes that need no escaping */
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t sl = c < 0x80 ? 1 : utf8_seq_len(p + i, n - i);
        if (c >= 0x20 && c != '"' && c != '\\' && sl) {
            i += sl;
            continue;
        }
        cg_buf_append(b, s + run, i - run);
        if (!sl) {
            cg_buf_puts(b, "\\ufffd");
        } else if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            cg_buf_append(b, e, 2);
        } else if (c == '\n') {
            cg_buf_puts(b, "\\n");
        } else if (c == '\r') {
            cg_buf_puts(b, "\\r");
        } else if (c == '\t') {
            cg_buf_puts(b, "\\t");
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cg_buf_append(b, e, 6);
        }
        i += 1;
        run = i;
    }
    cg_buf_append(b, s + run, n - run);
    cg_buf_putc(b, '"');
}
