/*
 * config.c — building a cg_config from defaults, a TOML file, the environment
 * and the command line; validating it; reporting what it cannot do yet.
 *
 * DESIGN
 * Everything is driven by the key table in schema.c. A value from any source
 * goes through the same three steps, so a key behaves the same whether it came
 * from the file, CODEGRAPH_* or --set:
 *   1. convert  (cval_from_toml / cval_from_string) into a typed `cval`,
 *   2. check    (cval_check) its range / allowed values — a failure is an ERROR
 *               naming the key and the reason, and the old value stays,
 *   3. store    (cval_store) into cg_config, freeing what it replaces.
 * Unknown keys and unknown CODEGRAPH_* variables are WARNINGS that name the
 * nearest known key (edit distance). Diagnostics accumulate in cg_config_diags;
 * a load with any error fails as a whole and leaves nothing allocated.
 *
 * Environment precedence among themselves, independent of the order of envp:
 * short forms (CODEGRAPH_PORT …) first, then the long CODEGRAPH_<SECTION>_<KEY>
 * forms (so the specific name wins), then CODEGRAPH_API_KEY / _ADMIN_API_KEY
 * and their _FILE forms, which append to the key lists rather than replace.
 *
 * Secrets (keys flagged `secret`) are never echoed in a diagnostic or a log.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/config.h"
#include "codegraph/limits.h"
#include "codegraph/log.h"
#include "config/schema.h"
#include "config/toml.h"

#define ENV_PREFIX "CODEGRAPH_"
#define NAME_LEN 128  /* bytes of a key or variable name we compare or print */
#define WHY_LEN 256   /* bytes of one reason */
#define PATH_LEN 4096 /* bytes of the working directory we resolve paths against */
#define BUCKETS_MAX ((int)CG_ARRAY_LEN(((cg_histbuckets *)0)->v))

_Static_assert(sizeof(cg_io_backend) == sizeof(int), "ENUM_INT keys are stored as int");
_Static_assert(CG_CONFIG_STR_MAX < INT_MAX / 2, "string bounds fit an int");

/* A value on its way into a cg_config (see DESIGN). Owns `s` and `l` unless loaded. */
typedef struct cval {
    int64_t i;  /* BOOL, INT, I64, DURATION, ENUM_INT */
    uint64_t u; /* SIZE */
    double f;
    char *s; /* STR, ENUM */
    cg_strlist l;
    cg_histbuckets h;
} cval;

/* ------------------------------------------------------------------ diagnostics */

__attribute__((format(printf, 5, 6))) static void diag(cg_config_diags *d, int is_error, int line,
                                                       const char *key, const char *fmt, ...)
{
    if (is_error) d->n_errors++;
    if (d->n >= (int)CG_ARRAY_LEN(d->items)) return;
    cg_config_diag *g = &d->items[d->n++];
    g->is_error = is_error;
    g->line = line;
    snprintf(g->key, sizeof g->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 3, 4))) static int why_set(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return CG_EINVAL;
}

static int why_oom(char *why, size_t n)
{
    snprintf(why, n, "out of memory");
    return CG_ENOMEM;
}

void cg_config_diags_print(const cg_config_diags *d, FILE *f)
{
    int shown = 0;
    for (int i = 0; i < d->n; i++) {
        const cg_config_diag *g = &d->items[i];
        shown += g->is_error;
        fprintf(f, "%s: %s: %s", g->is_error ? "error" : "warning", g->key, g->msg);
        if (g->line > 0) fprintf(f, " (line %d)", g->line);
        fputc('\n', f);
    }
    if (d->n_errors > shown) fprintf(f, "error: %d more errors not shown\n", d->n_errors - shown);
}

/* ------------------------------------------------------------------ units */

/* Leading decimal digits of s as a non-negative int64; *end after them. */
static int parse_digits(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9') return CG_EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10) return CG_EINVAL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *end = p;
    *out = v;
    return 0;
}

int cg_parse_duration_ms(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {
        {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    const char *u;
    uint64_t v;
    if (!s || parse_digits(s, &u, &v) != 0) return CG_EINVAL;
    for (size_t i = 0; i < CG_ARRAY_LEN(units); i++) {
        if (strcmp(u, units[i].unit) != 0) continue;
        if (v > (uint64_t)(INT64_MAX / units[i].ms)) return CG_EINVAL;
        *out = (int64_t)v * units[i].ms;
        return 0;
    }
    return CG_EINVAL;
}

int cg_parse_size_bytes(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        int shift;
    } units[] = {
        {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40},
    };
    const char *u;
    uint64_t v;
    if (!s || parse_digits(s, &u, &v) != 0) return CG_EINVAL;
    while (*u == ' ') u++;
    for (size_t i = 0; i < CG_ARRAY_LEN(units); i++) {
        if (strcasecmp(u, units[i].unit) != 0) continue;
        if (v > ((uint64_t)INT64_MAX >> units[i].shift)) return CG_EINVAL;
        *out = v << units[i].shift;
        return 0;
    }
    return CG_EINVAL;
}

/* The largest unit that divides ms exactly: "30s", "5m", "250ms". */
static const char *fmt_duration(int64_t ms, char *buf, size_t n)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {
        {"d", 86400000},
        {"h", 3600000},
        {"m", 60000},
        {"s", 1000},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(units); i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(buf, n, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return buf;
        }
    }
    snprintf(buf, n, "%lldms", (long long)ms);
    return buf;
}

/* The largest power-of-1024 unit that divides the size exactly: "50MB", "100B". */
static const char *fmt_size(uint64_t b, char *buf, size_t n)
{
    static const char *const units[] = {"TB", "GB", "MB", "KB"};
    for (int i = 0; i < 4; i++) {
        int shift = 40 - 10 * i;
        if (b != 0 && b % (1ull << shift) == 0) {
            snprintf(buf, n, "%llu%s", (unsigned long long)(b >> shift), units[i]);
            return buf;
        }
    }
    snprintf(buf, n, "%lluB", (unsigned long long)b);
    return buf;
}

/* ------------------------------------------------------------------ lists, paths */

static void strlist_release(cg_strlist *l)
{
    for (int i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Append a copy of s[0..n). Capacity is the next power of two of the count. */
static int strlist_push(cg_strlist *l, const char *s, size_t n)
{
    if (l->n >= CG_CONFIG_LIST_MAX) return CG_ELIMIT;
    if ((l->n & (l->n - 1)) == 0) {
        size_t cap = l->n ? (size_t)l->n * 2 : 1;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) return CG_ENOMEM;
        l->items = items;
    }
    char *c = malloc(n + 1);
    if (!c) return CG_ENOMEM;
    memcpy(c, s, n);
    c[n] = 0;
    l->items[l->n++] = c;
    return 0;
}

static int strlist_contains(const cg_strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0) return 1;
    return 0;
}

/*
 * p made absolute against the working directory and normalised lexically
 * ("a/./b/../c" -> "/cwd/a/c"). Symlinks are not resolved here: whoever enforces
 * the roots must still realpath() what it opens.
 */
static char *path_absolute(const char *p)
{
    char cwd[PATH_LEN];
    const char *prefix = "";
    if (p[0] != '/') {
        if (!getcwd(cwd, sizeof cwd)) return strdup(p);
        prefix = cwd;
    }
    size_t cap = strlen(prefix) + strlen(p) + 3;
    char *in = malloc(cap), *out = malloc(cap);
    if (!in || !out) {
        free(in);
        free(out);
        return NULL;
    }
    snprintf(in, cap, "%s/%s", prefix, p);
    size_t o = 0;
    for (char *c = in; *c;) {
        while (*c == '/') c++;
        size_t len = strcspn(c, "/");
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
        } else if (len && !(len == 1 && c[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, c, len);
            o += len;
        }
        c += len;
    }
    if (o == 0) out[o++] = '/';
    out[o] = 0;
    free(in);
    return out;
}

/* ------------------------------------------------------------------ cval */

static void *field_of(const cg_config *c, const cg_config_key *k)
{
    return (void *)((const char *)c + k->offset);
}

static void cval_release(cval *v)
{
    free(v->s);
    v->s = NULL;
    strlist_release(&v->l);
}

static int enum_count(const cg_config_key *k)
{
    int n = 0;
    while (k->enums[n]) n++;
    return n;
}

static int enum_index(const cg_config_key *k, const char *s)
{
    for (int i = 0; k->enums[i]; i++)
        if (strcasecmp(k->enums[i], s) == 0) return i;
    return -1;
}

/* "'x' is not one of a, b, c" */
static int why_enum(const cg_config_key *k, const char *s, char *why, size_t wn)
{
    size_t o = (size_t)snprintf(why, wn, "'%.64s' is not one of ", s);
    for (int i = 0; k->enums[i] && o < wn; i++)
        o += (size_t)snprintf(why + o, wn - o, "%s%s", i ? ", " : "", k->enums[i]);
    return CG_EINVAL;
}

static int enum_set(const cg_config_key *k, const char *s, cval *v, char *why, size_t wn)
{
    int i = enum_index(k, s);
    if (i < 0) return why_enum(k, s, why, wn);
    v->i = i;
    if (k->type == CG_CT_ENUM && !(v->s = strdup(k->enums[i]))) return why_oom(why, wn);
    return 0;
}

/* s without leading/trailing blanks, copied into buf (bounded). */
static const char *trim_into(const char *s, size_t n, char *buf, size_t cap)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= cap) n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

static int parse_bool_str(const char *s, int64_t *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no",
                                                                                "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0) return *out = 0, 0;
    }
    return CG_EINVAL;
}

static int parse_float_str(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return end == s || *end || errno || !isfinite(*out) ? CG_EINVAL : 0;
}

/* A comma-separated list ("a, b,c"; blanks around items dropped, empty items skipped). */
static int split_list(const cg_config_key *k, const char *s, cval *v, char *why, size_t wn)
{
    char item[CG_CONFIG_STR_MAX + 1];
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n > CG_CONFIG_STR_MAX)
            return why_set(why, wn, "a list item is longer than %d bytes", CG_CONFIG_STR_MAX);
        trim_into(s, n, item, sizeof item);
        s += n + (s[n] == ',');
        if (!*item) continue;
        if (k->type == CG_CT_FLOATLIST) {
            if (v->h.n >= BUCKETS_MAX) return why_set(why, wn, "more than %d values", BUCKETS_MAX);
            if (parse_float_str(item, &v->h.v[v->h.n++]) != 0)
                return why_set(why, wn, "'%.64s' is not a finite number", item);
            continue;
        }
        int rc = strlist_push(&v->l, item, strlen(item));
        if (rc == CG_ENOMEM) return why_oom(why, wn);
        if (rc) return why_set(why, wn, "more than %d items", CG_CONFIG_LIST_MAX);
    }
    return 0;
}

/* Convert the string form (environment, command line, defaults) of a value. */
static int cval_from_string(const cg_config_key *k, const char *s, cval *v, char *why, size_t wn)
{
    char t[64];
    memset(v, 0, sizeof *v);
    if (k->type == CG_CT_STR) return (v->s = strdup(s)) ? 0 : why_oom(why, wn);
    if (k->type == CG_CT_STRLIST || k->type == CG_CT_FLOATLIST) return split_list(k, s, v, why, wn);
    if (strlen(s) >= sizeof t) return why_set(why, wn, "value is too long");
    trim_into(s, strlen(s), t, sizeof t);
    const char *show = k->secret ? "value" : t;
    char *end;
    switch (k->type) {
    case CG_CT_BOOL:
        if (parse_bool_str(t, &v->i) == 0) return 0;
        return why_set(why, wn, "'%s' is not a boolean (true/false, 1/0, yes/no, on/off)", show);
    case CG_CT_INT:
    case CG_CT_I64:
        errno = 0;
        v->i = strtoll(t, &end, 10);
        if (end != t && !*end && !errno) return 0;
        return why_set(why, wn, "'%s' is not an integer", show);
    case CG_CT_FLOAT:
        if (parse_float_str(t, &v->f) == 0) return 0;
        return why_set(why, wn, "'%s' is not a finite number", show);
    case CG_CT_DURATION:
        if (cg_parse_duration_ms(t, &v->i) == 0) return 0;
        return why_set(why, wn, "'%s' is not a duration (e.g. 250ms, 30s, 5m, 24h, 30d)", show);
    case CG_CT_SIZE:
        if (cg_parse_size_bytes(t, &v->u) == 0) return 0;
        return why_set(why, wn, "'%s' is not a size (e.g. 100B, 512KB, 50MB, 4GB)", show);
    default: return enum_set(k, t, v, why, wn);
    }
}

/* "an integer", "a string", "an array" … */
static const char *a_type_name(cg_toml_type t)
{
    switch (t) {
    case CG_TOML_TABLE: return "a table";
    case CG_TOML_ARRAY: return "an array";
    case CG_TOML_STRING: return "a string";
    case CG_TOML_INT: return "an integer";
    case CG_TOML_FLOAT: return "a float";
    case CG_TOML_BOOL: return "a boolean";
    default: return "a date-time";
    }
}

static int why_type(char *why, size_t wn, const char *expected, const cg_toml_val *t)
{
    return why_set(why, wn, "expected %s, found %s", expected, a_type_name(t->type));
}

/* A TOML string that can become a C string (no NUL inside). */
static int toml_cstr(const cg_toml_val *t, char *why, size_t wn)
{
    if (t->type != CG_TOML_STRING) return why_type(why, wn, "a string", t);
    if (strlen(t->u.str.s) != t->u.str.len)
        return why_set(why, wn, "a string with a NUL character is not allowed");
    return 0;
}

static int toml_list(const cg_config_key *k, const cg_toml_val *t, cval *v, char *why, size_t wn)
{
    int strings = k->type == CG_CT_STRLIST;
    if (t->type != CG_TOML_ARRAY)
        return why_type(why, wn, strings ? "an array of strings" : "an array of numbers", t);
    if (!strings && t->u.arr.n > BUCKETS_MAX)
        return why_set(why, wn, "more than %d values", BUCKETS_MAX);
    for (int i = 0; i < t->u.arr.n; i++) {
        const cg_toml_val *e = t->u.arr.items[i];
        if (strings) {
            int rc = toml_cstr(e, why, wn);
            if (rc) return rc;
            if (strlist_push(&v->l, e->u.str.s, e->u.str.len) != 0) return why_oom(why, wn);
        } else if (e->type == CG_TOML_INT || e->type == CG_TOML_FLOAT) {
            v->h.v[v->h.n++] = e->type == CG_TOML_INT ? (double)e->u.i : e->u.f;
        } else {
            return why_type(why, wn, "a number in the array", e);
        }
    }
    return 0;
}

/* A duration or size from TOML: a string with a unit, or a bare non-negative integer. */
static int toml_unit(const cg_config_key *k, const cg_toml_val *t, cval *v, char *why, size_t wn)
{
    int dur = k->type == CG_CT_DURATION;
    if (t->type == CG_TOML_INT) {
        if (t->u.i < 0) return why_set(why, wn, "%lld is negative", (long long)t->u.i);
        if (dur && t->u.i > INT64_MAX / 1000) return why_set(why, wn, "duration is too large");
        if (dur)
            v->i = t->u.i * 1000;
        else
            v->u = (uint64_t)t->u.i;
        return 0;
    }
    if (t->type != CG_TOML_STRING)
        return why_type(why, wn,
                        dur ? "a duration such as \"30s\" or a number of seconds"
                            : "a size such as \"50MB\" or a number of bytes",
                        t);
    if (dur ? cg_parse_duration_ms(t->u.str.s, &v->i) == 0
            : cg_parse_size_bytes(t->u.str.s, &v->u) == 0)
        return 0;
    return why_set(why, wn,
                   dur ? "'%.64s' is not a duration (e.g. 250ms, 30s, 5m, 24h, 30d)"
                       : "'%.64s' is not a size (e.g. 100B, 512KB, 50MB, 4GB)",
                   t->u.str.s);
}

/* Convert a TOML value; the TOML type must match the key's type. */
static int cval_from_toml(const cg_config_key *k, const cg_toml_val *t, cval *v, char *why,
                          size_t wn)
{
    memset(v, 0, sizeof *v);
    switch (k->type) {
    case CG_CT_BOOL:
        if (t->type != CG_TOML_BOOL) return why_type(why, wn, "a boolean (true or false)", t);
        v->i = t->u.b;
        return 0;
    case CG_CT_INT:
    case CG_CT_I64:
        if (t->type != CG_TOML_INT) return why_type(why, wn, "an integer", t);
        v->i = t->u.i;
        return 0;
    case CG_CT_FLOAT:
        if (t->type == CG_TOML_INT)
            v->f = (double)t->u.i;
        else if (t->type == CG_TOML_FLOAT)
            v->f = t->u.f;
        else
            return why_type(why, wn, "a number", t);
        return 0;
    case CG_CT_DURATION:
    case CG_CT_SIZE: return toml_unit(k, t, v, why, wn);
    case CG_CT_STRLIST:
    case CG_CT_FLOATLIST: return toml_list(k, t, v, why, wn);
    default: {
        int rc = toml_cstr(t, why, wn);
        if (rc) return rc;
        if (k->type != CG_CT_STR) return enum_set(k, t->u.str.s, v, why, wn);
        return (v->s = strdup(t->u.str.s)) ? 0 : why_oom(why, wn);
    }
    }
}

/* Range of a number-like value; *val is the value as a double for FLOAT. */
static int check_range(const cg_config_key *k, const cval *v, char *why, size_t wn)
{
    char a[32], lo[32], hi[32];
    if (k->type == CG_CT_FLOAT) {
        if (!isfinite(v->f)) return why_set(why, wn, "the value is not a finite number");
        if (v->f >= (double)k->min && v->f <= (double)k->max) return 0;
        return why_set(why, wn, "%g is out of range %lld..%lld", v->f, (long long)k->min,
                       (long long)k->max);
    }
    if (k->type == CG_CT_SIZE) {
        if (v->u >= (uint64_t)k->min && v->u <= (uint64_t)k->max) return 0;
        return why_set(why, wn, "%s is out of range %s..%s", fmt_size(v->u, a, sizeof a),
                       fmt_size((uint64_t)k->min, lo, sizeof lo),
                       fmt_size((uint64_t)k->max, hi, sizeof hi));
    }
    if (v->i >= k->min && v->i <= k->max) return 0;
    if (k->type == CG_CT_DURATION)
        return why_set(why, wn, "%s is out of range %s..%s", fmt_duration(v->i, a, sizeof a),
                       fmt_duration(k->min, lo, sizeof lo), fmt_duration(k->max, hi, sizeof hi));
    return why_set(why, wn, "%lld is out of range %lld..%lld", (long long)v->i, (long long)k->min,
                   (long long)k->max);
}

static int check_strlist(const cg_config_key *k, const cg_strlist *l, char *why, size_t wn)
{
    if (k->ranged && (l->n < k->min || l->n > k->max))
        return why_set(why, wn, "has %d items; allowed %lld..%lld", l->n, (long long)k->min,
                       (long long)k->max);
    for (int i = 0; i < l->n; i++) {
        const char *s = l->items[i];
        if (!*s) return why_set(why, wn, "item %d is empty", i + 1);
        if (strlen(s) > CG_CONFIG_STR_MAX)
            return why_set(why, wn, "item %d is longer than %d bytes", i + 1, CG_CONFIG_STR_MAX);
        if (k->enums && enum_index(k, s) < 0) return why_enum(k, s, why, wn);
    }
    return 0;
}

static int check_buckets(const cg_config_key *k, const cg_histbuckets *h, char *why, size_t wn)
{
    if (h->n < k->min || h->n > k->max)
        return why_set(why, wn, "has %d values; allowed %lld..%lld", h->n, (long long)k->min,
                       (long long)k->max);
    for (int i = 0; i < h->n; i++) {
        if (!isfinite(h->v[i]) || h->v[i] <= 0)
            return why_set(why, wn, "%g is not a positive finite number", h->v[i]);
        if (i && h->v[i] <= h->v[i - 1])
            return why_set(why, wn, "values must be strictly increasing: %g follows %g", h->v[i],
                           h->v[i - 1]);
    }
    return 0;
}

/* Is the value allowed for this key? 0, or CG_EINVAL with the reason in why. */
static int cval_check(const cg_config_key *k, const cval *v, char *why, size_t wn)
{
    switch (k->type) {
    case CG_CT_BOOL: return v->i == 0 || v->i == 1 ? 0 : why_set(why, wn, "not a boolean");
    case CG_CT_STR: {
        if (!v->s) return why_set(why, wn, "is not set");
        size_t n = strlen(v->s);
        if (n < (size_t)k->min) return why_set(why, wn, "must not be empty");
        if (n > (size_t)k->max)
            return why_set(why, wn, "is longer than %lld bytes", (long long)k->max);
        return 0;
    }
    case CG_CT_ENUM:
        if (!v->s) return why_set(why, wn, "is not set");
        return enum_index(k, v->s) < 0 ? why_enum(k, v->s, why, wn) : 0;
    case CG_CT_ENUM_INT:
        if (v->i >= 0 && v->i < enum_count(k)) return 0;
        return why_set(why, wn, "%lld is not a valid choice", (long long)v->i);
    case CG_CT_STRLIST: return check_strlist(k, &v->l, why, wn);
    case CG_CT_FLOATLIST: return check_buckets(k, &v->h, why, wn);
    default: return k->ranged ? check_range(k, v, why, wn) : 0;
    }
}

/* After a successful check: canonical spellings and absolute paths. */
static int cval_finish(const cg_config_key *k, cval *v)
{
    for (int i = 0; i < v->l.n; i++) {
        char *old = v->l.items[i], *n = NULL;
        if (k->abs_paths)
            n = path_absolute(old);
        else if (k->enums)
            n = strdup(k->enums[enum_index(k, old)]);
        else
            continue;
        if (!n) return CG_ENOMEM;
        free(old);
        v->l.items[i] = n;
    }
    return 0;
}

/* Move v into the config (v no longer owns anything afterwards). */
static void cval_store(cg_config *c, const cg_config_key *k, cval *v)
{
    void *f = field_of(c, k);
    switch (k->type) {
    case CG_CT_BOOL:
    case CG_CT_INT:
    case CG_CT_ENUM_INT: *(int *)f = (int)v->i; break;
    case CG_CT_I64:
    case CG_CT_DURATION: *(int64_t *)f = v->i; break;
    case CG_CT_SIZE: *(uint64_t *)f = v->u; break;
    case CG_CT_FLOAT: *(double *)f = v->f; break;
    case CG_CT_FLOATLIST: *(cg_histbuckets *)f = v->h; break;
    case CG_CT_STRLIST:
        strlist_release(f);
        *(cg_strlist *)f = v->l;
        v->l = (cg_strlist){0};
        break;
    default:
        free(*(char **)f);
        *(char **)f = v->s;
        v->s = NULL;
        break;
    }
}

/* A borrowed view of the stored value (never release it). */
static void cval_load(const cg_config *c, const cg_config_key *k, cval *v)
{
    const void *f = field_of(c, k);
    memset(v, 0, sizeof *v);
    switch (k->type) {
    case CG_CT_BOOL:
    case CG_CT_INT:
    case CG_CT_ENUM_INT: v->i = *(const int *)f; break;
    case CG_CT_I64:
    case CG_CT_DURATION: v->i = *(const int64_t *)f; break;
    case CG_CT_SIZE: v->u = *(const uint64_t *)f; break;
    case CG_CT_FLOAT: v->f = *(const double *)f; break;
    case CG_CT_FLOATLIST: v->h = *(const cg_histbuckets *)f; break;
    case CG_CT_STRLIST: v->l = *(const cg_strlist *)f; break;
    default: v->s = *(char *const *)f; break;
    }
}

static int cval_equal(const cg_config_key *k, const cval *a, const cval *b)
{
    switch (k->type) {
    case CG_CT_SIZE: return a->u == b->u;
    case CG_CT_FLOAT: return a->f == b->f;
    case CG_CT_FLOATLIST:
        return a->h.n == b->h.n && memcmp(a->h.v, b->h.v, sizeof a->h.v[0] * (size_t)a->h.n) == 0;
    case CG_CT_STRLIST:
        if (a->l.n != b->l.n) return 0;
        for (int i = 0; i < a->l.n; i++)
            if (strcmp(a->l.items[i], b->l.items[i]) != 0) return 0;
        return 1;
    case CG_CT_STR:
    case CG_CT_ENUM: return (!a->s && !b->s) || (a->s && b->s && strcmp(a->s, b->s) == 0);
    default: return a->i == b->i;
    }
}

/* Check, finish and store v, or add an error naming the key (and `src`). Releases v. */
static int apply_cval(cg_config *c, const cg_config_key *k, cval *v, int line, const char *src,
                      cg_config_diags *d)
{
    char why[WHY_LEN], name[NAME_LEN];
    int rc = cval_check(k, v, why, sizeof why);
    if (rc == 0 && cval_finish(k, v) != 0) rc = why_oom(why, sizeof why);
    if (rc == 0)
        cval_store(c, k, v);
    else
        diag(d, 1, line, cg_config_key_name(k, name, sizeof name), "%s%s", why, src);
    cval_release(v);
    return rc;
}

/* ------------------------------------------------------------------ defaults */

int cg_config_init_defaults(cg_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        char why[WHY_LEN];
        cval v;
        int rc = cval_from_string(k, k->def, &v, why, sizeof why);
        if (rc == 0) rc = cval_check(k, &v, why, sizeof why);
        if (rc == 0) rc = cval_finish(k, &v);
        if (rc != 0) {
            cval_release(&v);
            cg_config_release(c);
            CG_ASSERT(rc == CG_ENOMEM); /* a default that does not parse is a bug */
            return CG_ENOMEM;
        }
        cval_store(c, k, &v);
    }
    return 0;
}

void cg_config_release(cg_config *c)
{
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        void *f = field_of(c, k);
        if (k->type == CG_CT_STRLIST) {
            strlist_release(f);
        } else if (k->type == CG_CT_STR || k->type == CG_CT_ENUM) {
            free(*(char **)f);
            *(char **)f = NULL;
        }
    }
    free(c->source_path);
    c->source_path = NULL;
}

/* ------------------------------------------------------------------ did you mean */

/* Levenshtein distance, case-insensitive, on at most NAME_LEN bytes of each. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, NAME_LEN), lb = strnlen(b, NAME_LEN);
    int row[NAME_LEN + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag_prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = CG_MIN(row[j] + 1, row[j - 1] + 1);
            row[j] = CG_MIN(best, diag_prev + cost);
            diag_prev = up;
        }
    }
    return row[lb];
}

/* The known key nearest to `full`; a key with the same name in another section wins. */
static const cg_config_key *nearest_key(const char *full)
{
    const char *leaf = strrchr(full, '.');
    leaf = leaf ? leaf + 1 : full;
    const cg_config_key *best = NULL;
    int bestd = INT_MAX;
    for (int pass = 0; pass < 2 && !best; pass++) {
        for (int i = 0; i < cg_config_keys_n; i++) {
            const cg_config_key *k = &cg_config_keys[i];
            char name[NAME_LEN];
            if (pass == 0 && strcasecmp(k->key, leaf) != 0) continue;
            int dist = edit_distance(full, cg_config_key_name(k, name, sizeof name));
            if (dist < bestd) bestd = dist, best = k;
        }
    }
    return best;
}

static const char *nearest_section(const char *s)
{
    const char *best = cg_config_keys[0].section;
    int bestd = INT_MAX;
    for (int i = 0; i < cg_config_keys_n; i++) {
        int dist = edit_distance(s, cg_config_keys[i].section);
        if (dist < bestd) bestd = dist, best = cg_config_keys[i].section;
    }
    return best;
}

/* ------------------------------------------------------------------ TOML */

static int key_is_plain(const char *s, size_t n)
{
    if (n == 0 || n >= NAME_LEN / 2) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return 0;
    return 1;
}

static void warn_unknown(const char *prefix, const cg_toml_kv *kv, cg_config_diags *d)
{
    char full[NAME_LEN], name[NAME_LEN];
    if (!key_is_plain(kv->key, kv->key_len)) {
        diag(d, 0, kv->line, *prefix ? prefix : "(top level)",
             "unknown key with unusual characters (ignored)");
        return;
    }
    snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", kv->key);
    if (kv->val->type == CG_TOML_TABLE && !*prefix) {
        diag(d, 0, kv->line, full, "unknown section [%s] (ignored); did you mean [%s]?", full,
             nearest_section(full));
        return;
    }
    const cg_config_key *k = nearest_key(full);
    diag(d, 0, kv->line, full, "unknown key (ignored); did you mean %s?",
         cg_config_key_name(k, name, sizeof name));
}

static void apply_toml_key(cg_config *c, const cg_config_key *k, const cg_toml_kv *kv,
                           cg_config_diags *d)
{
    char why[WHY_LEN], name[NAME_LEN];
    cval v;
    if (cval_from_toml(k, kv->val, &v, why, sizeof why) != 0) {
        diag(d, 1, kv->line, cg_config_key_name(k, name, sizeof name), "%s", why);
        cval_release(&v);
        return;
    }
    apply_cval(c, k, &v, kv->line, "", d);
}

/* Apply one table: `prefix` is "" for the document, else the section's name. */
static void apply_table(cg_config *c, const cg_toml_val *t, const char *prefix, cg_config_diags *d)
{
    for (int i = 0; i < t->u.tab.n; i++) {
        const cg_toml_kv *kv = &t->u.tab.kv[i];
        char full[NAME_LEN];
        if (!key_is_plain(kv->key, kv->key_len)) {
            warn_unknown(prefix, kv, d);
            continue;
        }
        snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", kv->key);
        const cg_config_key *k = cg_config_key_find(full);
        if (k) {
            apply_toml_key(c, k, kv, d);
        } else if (cg_config_section_exists(full)) {
            if (kv->val->type == CG_TOML_TABLE)
                apply_table(c, kv->val, full, d);
            else
                diag(d, 1, kv->line, full, "expected a table [%s], found %s", full,
                     a_type_name(kv->val->type));
        } else {
            warn_unknown(prefix, kv, d);
        }
    }
}

int cg_config_apply_toml(cg_config *c, const char *text, size_t len, const char *name,
                         cg_config_diags *d)
{
    cg_config_diags scratch = {0};
    if (!d) d = &scratch;
    int before = d->n_errors;
    cg_toml_val *root;
    cg_toml_err e;
    if (cg_toml_parse(text, len, &root, &e) != 0) {
        diag(d, 1, e.line, name ? name : "config", "%s", e.msg);
        return CG_ECONFIG;
    }
    apply_table(c, root, "", d);
    cg_toml_free(root);
    return d->n_errors > before ? CG_ECONFIG : 0;
}

/* ------------------------------------------------------------------ environment */

static const struct {
    const char *var, *key;
} env_short[] = {
    {"CODEGRAPH_HOST", "server.host"},        {"CODEGRAPH_PORT", "server.port"},
    {"CODEGRAPH_WORKERS", "server.workers"},  {"CODEGRAPH_DB_PATH", "database.path"},
    {"CODEGRAPH_LOG_LEVEL", "logging.level"}, {"CODEGRAPH_LOG_FORMAT", "logging.format"},
};

static const struct {
    const char *var, *key;
    int from_file;
} env_keys[] = {
    {"CODEGRAPH_API_KEY", "security.api_keys", 0},
    {"CODEGRAPH_API_KEY_FILE", "security.api_keys", 1},
    {"CODEGRAPH_ADMIN_API_KEY", "security.admin_api_keys", 0},
    {"CODEGRAPH_ADMIN_API_KEY_FILE", "security.admin_api_keys", 1},
};

/* Read by the caller (the CLI picks the file), so never "unknown" here. */
static const char *const env_ignored[] = {"CODEGRAPH_CONFIG"};

/* "CODEGRAPH_PARSING_RUST_PARSE_TESTS" for parsing.rust.parse_tests. */
static const char *env_name(const cg_config_key *k, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "%s%s_%s", ENV_PREFIX, k->section, k->key);
    for (size_t i = 0; i < o && i < n; i++)
        buf[i] = buf[i] == '.' ? '_' : (char)toupper((unsigned char)buf[i]);
    return buf;
}

/* Split "NAME=VALUE": 1 when `name` is exactly the variable's name. */
static int env_is(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static void env_set(cg_config *c, const cg_config_key *k, const char *entry, cg_config_diags *d)
{
    char why[WHY_LEN], name[NAME_LEN], src[NAME_LEN + 16];
    size_t vn = strcspn(entry, "=");
    snprintf(src, sizeof src, " (from %.*s)", (int)CG_MIN(vn, NAME_LEN), entry);
    cval v;
    if (cval_from_string(k, entry + vn + 1, &v, why, sizeof why) != 0) {
        diag(d, 1, 0, cg_config_key_name(k, name, sizeof name), "%s%s", why, src);
        cval_release(&v);
        return;
    }
    apply_cval(c, k, &v, 0, src, d);
}

static void env_pass_short(cg_config *c, char *const *envp, cg_config_diags *d)
{
    for (char *const *e = envp; *e; e++)
        for (size_t i = 0; i < CG_ARRAY_LEN(env_short); i++)
            if (env_is(*e, env_short[i].var))
                env_set(c, cg_config_key_find(env_short[i].key), *e, d);
}

static int env_is_special(const char *entry)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(env_short); i++)
        if (env_is(entry, env_short[i].var)) return 1;
    for (size_t i = 0; i < CG_ARRAY_LEN(env_keys); i++)
        if (env_is(entry, env_keys[i].var)) return 1;
    for (size_t i = 0; i < CG_ARRAY_LEN(env_ignored); i++)
        if (env_is(entry, env_ignored[i])) return 1;
    return 0;
}

static void env_warn_unknown(const char *entry, cg_config_diags *d)
{
    char var[NAME_LEN], cand[NAME_LEN], best[NAME_LEN], name[NAME_LEN] = "";
    snprintf(var, sizeof var, "%.*s", (int)strcspn(entry, "="), entry);
    int bestd = INT_MAX;
    for (int i = 0; i < cg_config_keys_n; i++) {
        int dist = edit_distance(var, env_name(&cg_config_keys[i], cand, sizeof cand));
        if (dist < bestd) {
            bestd = dist;
            memcpy(best, cand, sizeof best);
            cg_config_key_name(&cg_config_keys[i], name, sizeof name);
        }
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(env_short); i++) {
        int dist = edit_distance(var, env_short[i].var);
        if (dist < bestd) {
            bestd = dist;
            snprintf(best, sizeof best, "%s", env_short[i].var);
            snprintf(name, sizeof name, "%s", env_short[i].key);
        }
    }
    diag(d, 0, 0, var, "unknown variable (ignored); did you mean %s (%s)?", best, name);
}

static void env_pass_long(cg_config *c, char *const *envp, cg_config_diags *d)
{
    for (char *const *e = envp; *e; e++) {
        if (strncmp(*e, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 || env_is_special(*e)) continue;
        const cg_config_key *k = NULL;
        for (int i = 0; i < cg_config_keys_n && !k; i++) {
            char name[NAME_LEN];
            if (env_is(*e, env_name(&cg_config_keys[i], name, sizeof name))) k = &cg_config_keys[i];
        }
        if (k)
            env_set(c, k, *e, d);
        else
            env_warn_unknown(*e, d);
    }
}

/* The whole file at `path` (at most `max` bytes) into *out, NUL-terminated. */
static int read_file(const char *path, size_t max, char **out, size_t *len, char *why, size_t wn)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return why_set(why, wn, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        why_set(why, wn, "%s is not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > max) {
        why_set(why, wn, "%s is larger than %zu bytes", path, max);
        goto fail;
    }
    if (!(buf = malloc(max + 1))) {
        why_oom(why, wn);
        goto fail;
    }
    while (n <= max) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r == 0) break;
        if (r > 0) {
            n += (size_t)r;
        } else if (errno != EINTR) {
            why_set(why, wn, "cannot read %s: %s", path, strerror(errno));
            goto fail;
        }
    }
    if (n > max) {
        why_set(why, wn, "%s is larger than %zu bytes", path, max);
        goto fail;
    }
    close(fd);
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    close(fd);
    return CG_EINVAL;
}

/* An API key must be usable in a header: no blanks, no control characters. */
static int key_chars_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) return 0;
    return 1;
}

static void env_add_key(cg_config *c, const cg_config_key *k, const char *entry, int from_file,
                        cg_config_diags *d)
{
    char why[WHY_LEN], name[NAME_LEN], var[NAME_LEN], key[CG_CONFIG_STR_MAX + 1];
    const char *value = entry + strcspn(entry, "=") + 1;
    char *text = NULL;
    size_t len = strlen(value);
    snprintf(var, sizeof var, "%.*s", (int)strcspn(entry, "="), entry);
    cg_config_key_name(k, name, sizeof name);
    if (from_file) {
        if (read_file(value, CG_CONFIG_STR_MAX, &text, &len, why, sizeof why) != 0) {
            diag(d, 1, 0, name, "%s (from %s)", why, var);
            return;
        }
        value = text;
    } else if (len > CG_CONFIG_STR_MAX) {
        diag(d, 1, 0, name, "the key in %s is longer than %d bytes", var, CG_CONFIG_STR_MAX);
        return;
    }
    trim_into(value, len, key, sizeof key);
    free(text);
    cg_strlist *l = field_of(c, k);
    if (!*key)
        diag(d, 1, 0, name, "%s is set but the key is empty", var);
    else if (!key_chars_ok(key))
        diag(d, 1, 0, name,
             "the key in %s contains blanks or control "
             "characters",
             var);
    else if (!strlist_contains(l, key) && strlist_push(l, key, strlen(key)) != 0)
        diag(d, 1, 0, name, "cannot add the key from %s: too many keys or out of memory", var);
}

static void env_pass_keys(cg_config *c, char *const *envp, cg_config_diags *d)
{
    for (char *const *e = envp; *e; e++)
        for (size_t i = 0; i < CG_ARRAY_LEN(env_keys); i++)
            if (env_is(*e, env_keys[i].var))
                env_add_key(c, cg_config_key_find(env_keys[i].key), *e, env_keys[i].from_file, d);
}

int cg_config_apply_env(cg_config *c, char *const *envp, cg_config_diags *d)
{
    cg_config_diags scratch = {0};
    if (!d) d = &scratch;
    if (!envp) return 0;
    int before = d->n_errors;
    env_pass_short(c, envp, d);
    env_pass_long(c, envp, d);
    env_pass_keys(c, envp, d);
    return d->n_errors > before ? CG_ECONFIG : 0;
}

/* ------------------------------------------------------------------ command line */

int cg_config_set(cg_config *c, const char *key, const char *value, cg_config_diags *d)
{
    cg_config_diags scratch = {0};
    char why[WHY_LEN], name[NAME_LEN];
    if (!d) d = &scratch;
    const cg_config_key *k = cg_config_key_find(key);
    if (!k) {
        char shown[NAME_LEN];
        snprintf(shown, sizeof shown, "%s", key);
        diag(d, 1, 0, shown, "unknown key; did you mean %s?",
             cg_config_key_name(nearest_key(shown), name, sizeof name));
        return CG_ECONFIG;
    }
    cval v;
    if (cval_from_string(k, value, &v, why, sizeof why) != 0) {
        diag(d, 1, 0, cg_config_key_name(k, name, sizeof name), "%s", why);
        cval_release(&v);
        return CG_ECONFIG;
    }
    return apply_cval(c, k, &v, 0, "", d) ? CG_ECONFIG : 0;
}

/* ------------------------------------------------------------------ validation */

static void check_endpoints(const cg_config *c, cg_config_diags *d)
{
    const struct {
        const char *key, *v;
    } eps[] = {
        {"mcp.endpoint", c->mcp.endpoint},
        {"metrics.endpoint", c->metrics.endpoint},
        {"health.endpoint", c->health.endpoint},
        {"health.detailed_endpoint", c->health.detailed_endpoint},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(eps); i++) {
        const char *v = eps[i].v;
        if (!v) continue; /* reported by the per-key check */
        if (v[0] != '/' || strpbrk(v, " \t?#") || strlen(v) > 256)
            diag(d, 1, 0, eps[i].key,
                 "'%.64s' must be a path starting with '/' without blanks, "
                 "'?' or '#'",
                 v);
        for (size_t j = 0; j < i; j++)
            if (eps[j].v && strcmp(v, eps[j].v) == 0)
                diag(d, 1, 0, eps[i].key, "'%.64s' is also %s", v, eps[j].key);
    }
}

static void check_database(const cg_config *c, cg_config_diags *d)
{
    const cg_config_database *db = &c->database;
    if (db->level0_slowdown_writes_trigger < db->level0_file_num_compaction_trigger)
        diag(d, 1, 0, "database.level0_slowdown_writes_trigger",
             "%d must be >= level0_file_num_compaction_trigger (%d)",
             db->level0_slowdown_writes_trigger, db->level0_file_num_compaction_trigger);
    if (db->level0_stop_writes_trigger < db->level0_slowdown_writes_trigger)
        diag(d, 1, 0, "database.level0_stop_writes_trigger",
             "%d must be >= level0_slowdown_writes_trigger (%d)", db->level0_stop_writes_trigger,
             db->level0_slowdown_writes_trigger);
}

static void check_keys(const cg_strlist *l, const char *key, cg_config_diags *d)
{
    for (int i = 0; i < l->n; i++)
        if (!key_chars_ok(l->items[i]))
            diag(d, 1, 0, key, "key %d contains blanks or control characters", i + 1);
}

static int is_http_token(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return 0;
    return 1;
}

static void check_security(const cg_config *c, cg_config_diags *d)
{
    const cg_config_security *s = &c->security;
    if (s->api_key_required && s->api_keys.n == 0 && s->admin_api_keys.n == 0 && !s->jwt_enabled)
        diag(d, 1, 0, "security.api_key_required",
             "is true but no key is configured (set "
             "security.api_keys or CODEGRAPH_API_KEY)");
    if (s->admin_api_key_required && s->admin_api_keys.n == 0 && !s->jwt_enabled)
        diag(d, 1, 0, "security.admin_api_key_required",
             "is true but no admin key is configured (set security.admin_api_keys or "
             "CODEGRAPH_ADMIN_API_KEY)");
    check_keys(&s->api_keys, "security.api_keys", d);
    check_keys(&s->admin_api_keys, "security.admin_api_keys", d);
    if (s->api_key_header && !is_http_token(s->api_key_header))
        diag(d, 1, 0, "security.api_key_header", "'%.64s' is not a valid HTTP header name",
             s->api_key_header);
    if (s->jwt_enabled && s->jwt_secret &&
        (strlen(s->jwt_secret) < 32 || strcmp(s->jwt_secret, "your-256-bit-secret") == 0))
        diag(d, 1, 0, "security.jwt_secret",
             "JWT is enabled but the secret is the example value or shorter than 32 bytes");
    if (s->jwt_enabled && s->jwt_algorithm && strcmp(s->jwt_algorithm, "HS256") != 0)
        diag(d, 1, 0, "security.jwt_algorithm", "'%s' is not supported: only HS256 is",
             s->jwt_algorithm);
}

/* An IPv4/IPv6 address, optionally with a /prefix. */
static int is_ip_or_cidr(const char *s)
{
    char addr[64];
    unsigned char bin[16];
    size_t n = strcspn(s, "/");
    if (n >= sizeof addr) return 0;
    memcpy(addr, s, n);
    addr[n] = 0;
    int v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1) return 0;
    if (!s[n]) return 1;
    const char *p = s + n + 1;
    char *end;
    long bits = strtol(p, &end, 10);
    return end != p && !*end && isdigit((unsigned char)*p) && bits >= 0 && bits <= (v6 ? 128 : 32);
}

static void check_misc(const cg_config *c, cg_config_diags *d)
{
    const cg_strlist *ips[] = {&c->security.ip_allowlist, &c->security.ip_blocklist,
                               &c->security.trusted_proxies};
    const char *ipkeys[] = {"security.ip_allowlist", "security.ip_blocklist",
                            "security.trusted_proxies"};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < ips[j]->n; i++)
            if (!is_ip_or_cidr(ips[j]->items[i]))
                diag(d, 1, 0, ipkeys[j], "'%.64s' is not an IP address or CIDR block",
                     ips[j]->items[i]);
    for (int i = 0; i < c->parsing.allowed_roots.n; i++)
        if (c->parsing.allowed_roots.items[i][0] != '/')
            diag(d, 1, 0, "parsing.allowed_roots", "'%.64s' is not an absolute path",
                 c->parsing.allowed_roots.items[i]);
    if (c->performance.batch_size > c->performance.max_batch_size)
        diag(d, 1, 0, "performance.batch_size", "%d must be <= max_batch_size (%d)",
             c->performance.batch_size, c->performance.max_batch_size);
    if (c->vector.ivf_nprobe > c->vector.ivf_nlist)
        diag(d, 1, 0, "vector.ivf_nprobe", "%d must be <= ivf_nlist (%d)", c->vector.ivf_nprobe,
             c->vector.ivf_nlist);
    if (c->server.host && strpbrk(c->server.host, " \t/"))
        diag(d, 1, 0, "server.host", "'%.64s' is not a host name or address", c->server.host);
}

int cg_config_validate(const cg_config *c, cg_config_diags *d)
{
    cg_config_diags scratch = {0};
    if (!d) d = &scratch;
    int before = d->n_errors;
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        char why[WHY_LEN], name[NAME_LEN];
        cval v;
        cval_load(c, k, &v);
        if (cval_check(k, &v, why, sizeof why) != 0)
            diag(d, 1, 0, cg_config_key_name(k, name, sizeof name), "%s", why);
    }
    check_endpoints(c, d);
    check_database(c, d);
    check_security(c, d);
    check_misc(c, d);
    return d->n_errors > before ? CG_ECONFIG : 0;
}

/* ------------------------------------------------------------------ load, report */

int cg_config_load(cg_config *c, const char *path, char *const *envp, cg_config_diags *d)
{
    cg_config_diags scratch;
    if (!d) d = &scratch;
    memset(d, 0, sizeof *d);
    if (cg_config_init_defaults(c) != 0) {
        diag(d, 1, 0, "config", "out of memory");
        return CG_ECONFIG;
    }
    if (path) {
        char why[WHY_LEN], *text = NULL;
        size_t len = 0;
        if (read_file(path, CG_CONFIG_FILE_MAX, &text, &len, why, sizeof why) != 0) {
            diag(d, 1, 0, "config", "%s", why);
        } else {
            c->source_path = strdup(path);
            if (!c->source_path) diag(d, 1, 0, "config", "out of memory");
            cg_config_apply_toml(c, text, len, path, d);
            free(text);
        }
    }
    cg_config_apply_env(c, envp, d);
    cg_config_validate(c, d);
    if (d->n_errors == 0) return 0;
    cg_config_release(c);
    return CG_ECONFIG;
}

int cg_config_report_unimplemented(const cg_config *c, FILE *f)
{
    cg_config dflt;
    int n = 0;
    if (cg_config_init_defaults(&dflt) != 0) return 0;
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        char name[NAME_LEN], msg[WHY_LEN];
        cval a, b;
        if (k->implemented) continue;
        cval_load(c, k, &a);
        cval_load(&dflt, k, &b);
        if (cval_equal(k, &a, &b)) continue;
        cg_config_key_name(k, name, sizeof name);
        snprintf(msg, sizeof msg,
                 "accepted, but %s is not implemented yet; the value has no "
                 "effect",
                 k->feature);
        if (f) fprintf(f, "warning: %s: %s\n", name, msg);
        cg_log_warn("config", msg, "key", name);
        n++;
    }
    cg_config_release(&dflt);
    return n;
}
