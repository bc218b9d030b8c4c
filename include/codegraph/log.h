/*
 * log.h — structured logging: JSON lines (default) or a pretty form for TTYs.
 *
 * One line per event, written with a single write(2) so lines from reactors and
 * pool threads never interleave. Fields are key/value pairs; the logger never
 * prints a value whose key looks secret (authorization, api_key, token, secret,
 * password): it prints "[redacted]" instead.
 */
#ifndef CODEGRAPH_LOG_H
#define CODEGRAPH_LOG_H

#include <stdint.h>

typedef enum {
    CG_LOG_TRACE,
    CG_LOG_DEBUG,
    CG_LOG_INFO,
    CG_LOG_WARN,
    CG_LOG_ERROR,
    CG_LOG_OFF
} cg_log_level;
typedef enum { CG_LOG_JSON, CG_LOG_PRETTY, CG_LOG_COMPACT } cg_log_format;

/** Set level, format and output fd (1 stdout, 2 stderr, or an open file). Thread-safe. */
void cg_log_configure(cg_log_level level, cg_log_format fmt, int fd);
/** Parse "trace".."error"/"off"; -1 when unknown. */
int cg_log_level_parse(const char *s);
/** Parse "json"/"pretty"/"compact"; -1 when unknown. */
int cg_log_format_parse(const char *s);
/** 1 when a message at `lvl` would be written (cheap; check before building fields). */
int cg_log_enabled(cg_log_level lvl);

/**
 * Write one event. `target` is the subsystem ("http", "config", …). `kv` is a
 * NULL-terminated list of const char* key, const char* value pairs; values are
 * printed as JSON strings unless the key ends in "_ms", "_bytes", "status" or
 * "count", which are printed as numbers when they parse as numbers.
 */
void cg_log(cg_log_level lvl, const char *target, const char *msg, ...) __attribute__((sentinel));

#define cg_log_info(t, m, ...) cg_log(CG_LOG_INFO, t, m, ##__VA_ARGS__, (const char *)0)
#define cg_log_warn(t, m, ...) cg_log(CG_LOG_WARN, t, m, ##__VA_ARGS__, (const char *)0)
#define cg_log_error(t, m, ...) cg_log(CG_LOG_ERROR, t, m, ##__VA_ARGS__, (const char *)0)
#define cg_log_debug(t, m, ...) cg_log(CG_LOG_DEBUG, t, m, ##__VA_ARGS__, (const char *)0)

#endif
