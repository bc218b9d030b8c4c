/*
 * log.c — structured log lines (JSON or pretty), one write(2) per event.
 *
 * DESIGN: the line is assembled in a stack buffer of CG_LOG_LINE_MAX bytes
 * (longer values are cut and marked with "…") and written with a single
 * write(2), which POSIX makes atomic for pipes up to PIPE_BUF and which in
 * practice never interleaves for regular files opened O_APPEND. Configuration is
 * a handful of atomics so any thread may log while SIGHUP reconfigures. Values
 * whose key looks secret are replaced by "[redacted]" — secrets never reach a log.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "codegraph/log.h"

static _Atomic int log_level = CG_LOG_INFO;
static _Atomic int log_format = CG_LOG_JSON;
static _Atomic int log_fd = 1;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};
static const char *const secret_words[] = {"authorization", "api_key",  "apikey", "token",
                                           "secret",        "password", "cookie"};

void cg_log_configure(cg_log_level level, cg_log_format fmt, int fd)
{
    atomic_store(&log_level, (int)level);
    atomic_store(&log_format, (int)fmt);
    atomic_store(&log_fd, fd);
}

int cg_log_level_parse(const char *s)
{
    for (int i = 0; i < (int)CG_ARRAY_LEN(level_names); i++)
        if (strcasecmp(s, level_names[i]) == 0) return i;
    if (strcasecmp(s, "warning") == 0) return CG_LOG_WARN;
    return -1;
}

int cg_log_format_parse(const char *s)
{
    if (strcasecmp(s, "json") == 0) return CG_LOG_JSON;
    if (strcasecmp(s, "pretty") == 0) return CG_LOG_PRETTY;
    if (strcasecmp(s, "compact") == 0) return CG_LOG_COMPACT;
    return -1;
}

int cg_log_enabled(cg_log_level lvl)
{
    return (int)lvl >= atomic_load_explicit(&log_level, memory_order_relaxed) && lvl != CG_LOG_OFF;
}

static int key_is_secret(const char *k)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(secret_words); i++)
        if (strcasestr(k, secret_words[i])) return 1;
    return 0;
}

static int key_is_numeric(const char *k, const char *v)
{
    size_t kl = strlen(k);
    static const char *const sfx[] = {"_ms", "_bytes", "status", "count", "port", "_s"};
    int match = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(sfx); i++) {
        size_t sl = strlen(sfx[i]);
        if (kl >= sl && strcmp(k + kl - sl, sfx[i]) == 0) match = 1;
    }
    if (!match || !*v) return 0;
    char *end;
    (void)strtod(v, &end);
    return *end == 0;
}

static void put_timestamp(cg_buf *b)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    char tmp[40];
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(tmp + n, sizeof tmp - n, ".%03dZ", (int)(tv.tv_usec / 1000));
    cg_buf_puts(b, tmp);
}

static void put_json_field(cg_buf *b, const char *k, const char *v)
{
    cg_buf_putc(b, ',');
    cg_buf_put_json_str(b, k, strlen(k));
    cg_buf_putc(b, ':');
    if (key_is_secret(k)) v = "[redacted]";
    if (key_is_numeric(k, v))
        cg_buf_puts(b, v);
    else
        cg_buf_put_json_str(b, v, strlen(v));
}

static void format_json(cg_buf *b, cg_log_level lvl, const char *target, const char *msg,
                        va_list ap)
{
    cg_buf_puts(b, "{\"timestamp\":\"");
    put_timestamp(b);
    cg_buf_puts(b, "\",\"level\":\"");
    cg_buf_puts(b, level_names[lvl]);
    cg_buf_puts(b, "\",\"target\":");
    cg_buf_put_json_str(b, target, strlen(target));
    cg_buf_puts(b, ",\"message\":");
    cg_buf_put_json_str(b, msg, strlen(msg));
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) break;
        const char *v = va_arg(ap, const char *);
        put_json_field(b, k, v ? v : "");
    }
    cg_buf_puts(b, "}\n");
}

static void format_pretty(cg_buf *b, cg_log_level lvl, const char *target, const char *msg,
                          va_list ap, int compact)
{
    static const char *const up[] = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR", "OFF  "};
    if (!compact) {
        put_timestamp(b);
        cg_buf_putc(b, ' ');
    }
    cg_buf_puts(b, up[lvl]);
    cg_buf_putc(b, ' ');
    cg_buf_puts(b, target);
    cg_buf_puts(b, ": ");
    cg_buf_puts(b, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) break;
        const char *v = va_arg(ap, const char *);
        cg_buf_printf(b, " %s=%s", k, key_is_secret(k) ? "[redacted]" : (v ? v : ""));
    }
    cg_buf_putc(b, '\n');
}

void cg_log(cg_log_level lvl, const char *target, const char *msg, ...)
{
    if (!cg_log_enabled(lvl)) return;
    cg_buf b;
    cg_buf_init(&b);
    va_list ap;
    va_start(ap, msg);
    int fmt = atomic_load_explicit(&log_format, memory_order_relaxed);
    if (fmt == CG_LOG_JSON)
        format_json(&b, lvl, target, msg, ap);
    else
        format_pretty(&b, lvl, target, msg, ap, fmt == CG_LOG_COMPACT);
    va_end(ap);
    if (cg_buf_ok(&b)) {
        if (b.len > CG_LOG_LINE_MAX) {
            /* Cut, keeping the line a line; JSON validity is lost only for absurd values. */
            memcpy(b.data + CG_LOG_LINE_MAX - 4, "...\n", 4);
            b.len = CG_LOG_LINE_MAX;
        }
        ssize_t w = write(atomic_load(&log_fd), b.data, b.len);
        (void)w;
    }
    cg_buf_release(&b);
}
