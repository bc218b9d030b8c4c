/*
 * buf.h — a growable byte buffer and fast appenders (text, integers, JSON strings).
 *
 * Responses are written with these rather than a JSON library: it is much faster
 * and never allocates per field. A cg_buf that failed to grow sets `oom` and
 * ignores further appends, so callers check once at the end (cg_buf_ok).
 */
#ifndef CODEGRAPH_BUF_H
#define CODEGRAPH_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cg_buf {
    char *data; /**< bytes; NUL-terminated after every append (not counted in len) */
    size_t len; /**< bytes used */
    size_t cap; /**< bytes allocated */
    int oom;    /**< set when a grow failed; later appends are no-ops */
} cg_buf;

/** Empty buffer, no allocation. */
void cg_buf_init(cg_buf *b);
/** Free the memory; the buffer is empty and reusable afterwards. */
void cg_buf_release(cg_buf *b);
/** Make room for `n` more bytes. 0 or CG_ENOMEM. */
int cg_buf_reserve(cg_buf *b, size_t n);
/** Drop the first `n` bytes (memmove); used for consumed input. */
void cg_buf_consume(cg_buf *b, size_t n);
/** len = 0, keep the memory. */
static inline void cg_buf_reset(cg_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = 0;
    b->oom = 0;
}
/** 1 when no append has failed. */
static inline int cg_buf_ok(const cg_buf *b)
{
    return !b->oom;
}

void cg_buf_append(cg_buf *b, const void *p, size_t n);
void cg_buf_puts(cg_buf *b, const char *s);
void cg_buf_putc(cg_buf *b, char c);
void cg_buf_printf(cg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_buf_vprintf(cg_buf *b, const char *fmt, va_list ap);
void cg_buf_put_u64(cg_buf *b, uint64_t v);
void cg_buf_put_i64(cg_buf *b, int64_t v);
/** A double as JSON/Prometheus accept it (shortest round-trip, "NaN"/"+Inf" spelled out). */
void cg_buf_put_double(cg_buf *b, double v);
/** `"…"` with JSON escaping of s[0..n) (control chars, quotes, backslash; invalid UTF-8 → U+FFFD).
 */
void cg_buf_put_json_str(cg_buf *b, const char *s, size_t n);

#endif
