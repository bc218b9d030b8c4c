/*
 * toml.c — a strict TOML 1.0 parser producing the small tree of toml.h.
 *
 * DESIGN
 * The input is first copied with every CRLF turned into LF (as Python's tomllib
 * does; a lone CR is then a control character and rejected wherever it stands)
 * and checked to be valid UTF-8 as a whole, so the scanner afterwards only looks
 * at ASCII structure and copies other bytes through.
 *
 * The parser is a hand-written recursive descent. Recursion only happens for
 * nested values (array in array, inline table in array …) and every container
 * created is given its depth; creating one deeper than CG_CONFIG_NEST_MAX fails
 * before the recursion goes further, so the C stack is bounded and so is the
 * tree (which is why cg_toml_free and the JSON writer may recurse).
 *
 * The rules about redefining tables are enforced with flags on each container
 * (TF_* below), the states a table can be in:
 *   IMPLICIT  created as a parent by a header ([a.b] creates a). A later [a]
 *             header may define it once (-> EXPLICIT). A dotted key may also
 *             claim it (-> DOTTED), as tomllib allows.
 *   EXPLICIT  defined by its own [header] or as an element of [[header]].
 *             Never defined again, never extended by dotted keys; headers may
 *             still add sub-tables below it.
 *   DOTTED    created by a dotted key (a.b = 1 creates a). Only dotted keys of
 *             the same section (the same [header] block or inline table, kept in
 *             `section`) may add to it; a [header] naming it is a redefinition;
 *             headers may add sub-tables below it.
 *   FROZEN    an inline table or a static array: complete once written.
 *   AOT       an array built by [[header]]: headers address its last element.
 * Invariants: a FROZEN container is never modified after its closing bracket;
 * a key appears at most once per table; depth <= CG_CONFIG_NEST_MAX.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "config/toml.h"

#define TF_IMPLICIT 0x01u
#define TF_EXPLICIT 0x02u
#define TF_DOTTED 0x04u
#define TF_FROZEN 0x08u
#define TF_AOT 0x10u

/* Parts in one dotted key: a key path can never be deeper than the tree may be. */
#define TOML_KEY_PARTS_MAX CG_CONFIG_NEST_MAX
/* Bytes of a bare number / date-time / boolean token (a float may have many digits). */
#define TOML_TOKEN_MAX 1024
/* Bytes of a key path quoted in an error message. */
#define TOML_ERR_KEY_MAX 64

typedef struct tkey {
    char *s;
    size_t len;
} tkey;

typedef struct tpath {
    tkey part[TOML_KEY_PARTS_MAX];
    int n;
    int line;
} tpath;

typedef struct tp {
    const char *base, *p, *end;
    const char *lp; /* lines are counted up to here */
    int line;
    cg_toml_err *err;
    int failed;
    cg_toml_val *root, *cur; /* the document, the table keys currently go to */
    int section, sections;   /* current section id, ids handed out so far */
} tp;

/* ------------------------------------------------------------------ errors */

static int tp_line(tp *t)
{
    while (t->lp < t->p && t->lp < t->end) {
        if (*t->lp == '\n') t->line++;
        t->lp++;
    }
    return t->line;
}

__attribute__((format(printf, 3, 4))) static int fail(tp *t, int code, const char *fmt, ...)
{
    if (!t->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err->msg, sizeof t->err->msg, fmt, ap);
        va_end(ap);
        t->err->line = tp_line(t);
        t->failed = code;
    }
    return t->failed;
}

static int fail_oom(tp *t)
{
    return fail(t, CG_ENOMEM, "out of memory");
}

/* A human description of the character at p, for "expected X, found Y". */
static const char *describe(const tp *t, char *buf, size_t n)
{
    if (t->p >= t->end) return "end of file";
    unsigned char c = (unsigned char)*t->p;
    if (c == '\n') return "end of line";
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, n, "'%c'", c);
    else if (c == ' ' || c == '\t')
        snprintf(buf, n, "whitespace");
    else
        snprintf(buf, n, "byte 0x%02X", c);
    return buf;
}

static int fail_found(tp *t, const char *expected)
{
    char b[16];
    return fail(t, CG_EINVAL, "expected %s, found %s", expected, describe(t, b, sizeof b));
}

/* "a.b.c" for the first `n` parts of a key path, non-printable bytes as '?'. */
static const char *path_str(const tpath *k, int n, char *buf, size_t cap)
{
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < cap; i++) {
        if (i) buf[o++] = '.';
        for (size_t j = 0; j < k->part[i].len && o + 1 < cap; j++) {
            unsigned char c = (unsigned char)k->part[i].s[j];
            buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
    }
    buf[o] = 0;
    return buf;
}

/* ------------------------------------------------------------------ tree */

static cg_toml_val *val_new(tp *t, cg_toml_type type, int depth)
{
    if ((type == CG_TOML_TABLE || type == CG_TOML_ARRAY) && depth > CG_CONFIG_NEST_MAX) {
        fail(t, CG_ELIMIT, "tables and arrays nested deeper than %d levels", CG_CONFIG_NEST_MAX);
        return NULL;
    }
    cg_toml_val *v = calloc(1, sizeof *v);
    if (!v) {
        fail_oom(t);
        return NULL;
    }
    v->type = type;
    v->depth = depth;
    v->line = tp_line(t);
    return v;
}

void cg_toml_free(cg_toml_val *v)
{
    if (!v) return;
    switch (v->type) {
    case CG_TOML_ARRAY:
        for (int i = 0; i < v->u.arr.n; i++) cg_toml_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case CG_TOML_TABLE:
        for (int i = 0; i < v->u.tab.n; i++) {
            free(v->u.tab.kv[i].key);
            cg_toml_free(v->u.tab.kv[i].val);
        }
        free(v->u.tab.kv);
        break;
    case CG_TOML_INT:
    case CG_TOML_FLOAT:
    case CG_TOML_BOOL: break;
    default: free(v->u.str.s); break;
    }
    free(v);
}

static cg_toml_kv *tab_find(const cg_toml_val *tab, const char *k, size_t kl)
{
    for (int i = 0; i < tab->u.tab.n; i++) {
        cg_toml_kv *e = &tab->u.tab.kv[i];
        if (e->key_len == kl && memcmp(e->key, k, kl) == 0) return e;
    }
    return NULL;
}

const cg_toml_val *cg_toml_get(const cg_toml_val *table, const char *key)
{
    if (!table || table->type != CG_TOML_TABLE) return NULL;
    const cg_toml_kv *e = tab_find(table, key, strlen(key));
    return e ? e->val : NULL;
}

/* Add key -> v to tab (the key is copied; v is owned by tab on success). */
static int tab_add(tp *t, cg_toml_val *tab, const tkey *k, cg_toml_val *v, int line)
{
    if (tab->u.tab.n >= CG_CONFIG_LIST_MAX)
        return fail(t, CG_ELIMIT, "more than %d keys in one table", CG_CONFIG_LIST_MAX);
    if (tab->u.tab.n == tab->u.tab.cap) {
        int cap = tab->u.tab.cap ? tab->u.tab.cap * 2 : 8;
        cg_toml_kv *kv = realloc(tab->u.tab.kv, (size_t)cap * sizeof *kv);
        if (!kv) return fail_oom(t);
        tab->u.tab.kv = kv;
        tab->u.tab.cap = cap;
    }
    char *key = malloc(k->len + 1);
    if (!key) return fail_oom(t);
    memcpy(key, k->s, k->len);
    key[k->len] = 0;
    tab->u.tab.kv[tab->u.tab.n++] = (cg_toml_kv){key, k->len, line, v};
    return 0;
}

static int arr_push(tp *t, cg_toml_val *arr, cg_toml_val *v)
{
    if (arr->u.arr.n >= CG_CONFIG_LIST_MAX)
        return fail(t, CG_ELIMIT, "more than %d items in one array", CG_CONFIG_LIST_MAX);
    if (arr->u.arr.n == arr->u.arr.cap) {
        int cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
        cg_toml_val **items = realloc(arr->u.arr.items, (size_t)cap * sizeof *items);
        if (!items) return fail_oom(t);
        arr->u.arr.items = items;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.items[arr->u.arr.n++] = v;
    return 0;
}

/* Create an empty table under `key` in `tab`; NULL on failure (error set). */
static cg_toml_val *tab_add_table(tp *t, cg_toml_val *tab, const tkey *k, unsigned flags, int line)
{
    cg_toml_val *n = val_new(t, CG_TOML_TABLE, tab->depth + 1);
    if (!n) return NULL;
    n->flags = flags;
    n->section = t->section;
    n->line = line;
    if (tab_add(t, tab, k, n, line) != 0) {
        cg_toml_free(n);
        return NULL;
    }
    return n;
}

/* ------------------------------------------------------------------ scanning */

static int at(const tp *t, char c)
{
    return t->p < t->end && *t->p == c;
}

static int starts(const tp *t, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(t->end - t->p) >= n && memcmp(t->p, s, n) == 0;
}

static void skip_ws(tp *t)
{
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\t')) t->p++;
}

static int is_ctrl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int skip_comment(tp *t)
{
    t->p++; /* '#' */
    while (t->p < t->end && *t->p != '\n') {
        unsigned char c = (unsigned char)*t->p;
        if (is_ctrl(c))
            return fail(t, CG_EINVAL, "control character 0x%02X is not allowed in a comment", c);
        t->p++;
    }
    return 0;
}

/* Whitespace, newlines and comments, as allowed between array items. */
static int skip_ws_nl(tp *t)
{
    for (;;) {
        skip_ws(t);
        if (at(t, '\n')) {
            t->p++;
        } else if (at(t, '#')) {
            int rc = skip_comment(t);
            if (rc) return rc;
        } else {
            return 0;
        }
    }
}

/* After a statement: optional whitespace and comment, then a newline or the end. */
static int expect_eol(tp *t)
{
    skip_ws(t);
    if (at(t, '#')) {
        int rc = skip_comment(t);
        if (rc) return rc;
    }
    if (t->p >= t->end) return 0;
    if (*t->p == '\n') {
        t->p++;
        return 0;
    }
    return fail_found(t, "a newline after the statement");
}

static int is_bare(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ------------------------------------------------------------------ strings */

static void put_utf8(cg_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    cg_buf_append(b, u, n);
}

/* \uXXXX or \UXXXXXXXX at t->p (the backslash): must name a Unicode scalar value. */
static int parse_ucs(tp *t, cg_buf *b, int ndig)
{
    uint32_t cp = 0;
    const char *h = t->p + 2;
    for (int i = 0; i < ndig; i++) {
        int v = h + i < t->end ? hexval(h[i]) : -1;
        if (v < 0)
            return fail(t, CG_EINVAL, "\\%c escape needs exactly %d hex digits", t->p[1], ndig);
        cp = cp * 16 + (uint32_t)v;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(t, CG_EINVAL, "escape \\%c%.*s is not a Unicode scalar value", t->p[1], ndig,
                    h);
    put_utf8(b, cp);
    t->p = h + ndig;
    return 0;
}

static int parse_escape(tp *t, cg_buf *b)
{
    char c = t->p + 1 < t->end ? t->p[1] : 0;
    char out;
    switch (c) {
    case 'b': out = '\b'; break;
    case 't': out = '\t'; break;
    case 'n': out = '\n'; break;
    case 'f': out = '\f'; break;
    case 'r': out = '\r'; break;
    case '"': out = '"'; break;
    case '\\': out = '\\'; break;
    case 'u': return parse_ucs(t, b, 4);
    case 'U': return parse_ucs(t, b, 8);
    default:
        if (c > 0x20 && c < 0x7f) return fail(t, CG_EINVAL, "invalid escape sequence \\%c", c);
        return fail(t, CG_EINVAL, "invalid escape sequence (backslash followed by byte 0x%02X)",
                    (unsigned char)c);
    }
    cg_buf_putc(b, out);
    t->p += 2;
    return 0;
}

/*
 * In a multi-line basic string, a backslash that ends a line (trailing blanks
 * allowed) swallows the newline and all whitespace up to the next other
 * character. Returns 1 when it consumed one, 0 when this is another escape, <0
 * on a backslash followed by blanks but not by a newline.
 */
static int line_end_backslash(tp *t)
{
    const char *q = t->p + 1;
    while (q < t->end && (*q == ' ' || *q == '\t')) q++;
    if (q < t->end && *q == '\n') {
        t->p = q;
        while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n')) t->p++;
        return 1;
    }
    if (q == t->p + 1) return 0;
    return fail(t, CG_EINVAL, "a backslash followed by whitespace must end the line");
}

/*
 * At a run of closing quotes `q` of a multi-line string: fewer than 3 is content
 * (returns 0); 3 closes the string, and up to two more belong to the content
 * (returns 1); 6 or more cannot be written (error).
 */
static int ml_close(tp *t, cg_buf *b, char q)
{
    size_t n = 0;
    while (t->p + n < t->end && t->p[n] == q) n++;
    if (n < 3) return 0;
    if (n > 5) return fail(t, CG_EINVAL, "too many %c characters at the end of a string", q);
    for (size_t i = 3; i < n; i++) cg_buf_putc(b, q);
    t->p += n;
    return 1;
}

/* Hand the buffer's bytes to out (on failure the buffer is released). */
static int str_take(tp *t, cg_buf *b, tkey *out)
{
    int rc = 0;
    if (!cg_buf_ok(b))
        rc = fail_oom(t);
    else if (b->len > CG_CONFIG_STR_MAX)
        rc = fail(t, CG_ELIMIT, "string longer than %d bytes", CG_CONFIG_STR_MAX);
    else if (!b->data && cg_buf_reserve(b, 1) != 0)
        rc = fail_oom(t);
    if (rc) {
        cg_buf_release(b);
        return rc;
    }
    b->data[b->len] = 0;
    out->s = b->data;
    out->len = b->len;
    cg_buf_init(b);
    return 0;
}

static int fail_ctrl(tp *t, unsigned char c, int multi)
{
    if (c == '\n') return fail(t, CG_EINVAL, "newline in a single-line string");
    return fail(t, CG_EINVAL, "control character 0x%02X in a %sstring must be escaped", c,
                multi ? "multi-line " : "");
}

/* One character (or escape) of a basic string; 1 when the string closed. */
static int basic_step(tp *t, cg_buf *b, int multi)
{
    unsigned char c = (unsigned char)*t->p;
    if (c == '"') {
        if (!multi) {
            t->p++;
            return 1;
        }
        int rc = ml_close(t, b, '"');
        if (rc) return rc;
        cg_buf_putc(b, '"');
        t->p++;
        return 0;
    }
    if (c == '\\') {
        int rc = multi ? line_end_backslash(t) : 0;
        if (rc < 0) return rc;
        return rc ? 0 : parse_escape(t, b);
    }
    if (is_ctrl(c) && !(multi && c == '\n')) return fail_ctrl(t, c, multi);
    cg_buf_putc(b, (char)c);
    t->p++;
    return 0;
}

static int parse_basic(tp *t, tkey *out)
{
    cg_buf b;
    cg_buf_init(&b);
    int multi = starts(t, "\"\"\"");
    t->p += multi ? 3 : 1;
    if (multi && at(t, '\n')) t->p++;
    for (;;) {
        if (t->p >= t->end) {
            fail(t, CG_EINVAL, "unterminated string");
            break;
        }
        int rc = basic_step(t, &b, multi);
        if (rc < 0) break;
        if (b.len > CG_CONFIG_STR_MAX) {
            fail(t, CG_ELIMIT, "string longer than %d bytes", CG_CONFIG_STR_MAX);
            break;
        }
        if (rc == 1) return str_take(t, &b, out);
    }
    cg_buf_release(&b);
    return t->failed;
}

static int parse_literal(tp *t, tkey *out)
{
    cg_buf b;
    cg_buf_init(&b);
    int multi = starts(t, "'''");
    t->p += multi ? 3 : 1;
    if (multi && at(t, '\n')) t->p++;
    const char *start = t->p;
    for (;;) {
        if (t->p >= t->end) {
            fail(t, CG_EINVAL, "unterminated string");
            goto fail;
        }
        unsigned char c = (unsigned char)*t->p;
        if (c == '\'') {
            cg_buf_append(&b, start, (size_t)(t->p - start));
            if (!multi) {
                t->p++;
                break;
            }
            int rc = ml_close(t, &b, '\'');
            if (rc < 0) goto fail;
            if (rc) break;
            start = t->p;
            t->p++;
            continue;
        }
        if (is_ctrl(c) && !(multi && c == '\n')) {
            fail_ctrl(t, c, multi);
            goto fail;
        }
        t->p++;
    }
    return str_take(t, &b, out);
fail:
    cg_buf_release(&b);
    return t->failed;
}

/* ------------------------------------------------------------------ keys */

static void path_release(tpath *k)
{
    for (int i = 0; i < k->n; i++) free(k->part[i].s);
    k->n = 0;
}

static int parse_key_part(tp *t, tkey *out)
{
    if (t->p >= t->end) return fail_found(t, "a key");
    char c = *t->p;
    if (c == '"' || c == '\'') {
        if (starts(t, "\"\"\"") || starts(t, "'''"))
            return fail(t, CG_EINVAL, "a multi-line string cannot be a key");
        return c == '"' ? parse_basic(t, out) : parse_literal(t, out);
    }
    if (!is_bare(c)) return fail_found(t, "a key");
    const char *s = t->p;
    while (t->p < t->end && is_bare(*t->p)) t->p++;
    size_t n = (size_t)(t->p - s);
    if (n > CG_CONFIG_STR_MAX)
        return fail(t, CG_ELIMIT, "key longer than %d bytes", CG_CONFIG_STR_MAX);
    out->s = malloc(n + 1);
    if (!out->s) return fail_oom(t);
    memcpy(out->s, s, n);
    out->s[n] = 0;
    out->len = n;
    return 0;
}

/* A possibly dotted, possibly quoted key; blanks around the dots are allowed. */
static int parse_key(tp *t, tpath *k)
{
    k->n = 0;
    k->line = tp_line(t);
    for (;;) {
        skip_ws(t);
        if (k->n == TOML_KEY_PARTS_MAX)
            return fail(t, CG_ELIMIT, "key with more than %d dotted parts", TOML_KEY_PARTS_MAX);
        int rc = parse_key_part(t, &k->part[k->n]);
        if (rc) return rc;
        k->n++;
        skip_ws(t);
        if (!at(t, '.')) return 0;
        t->p++;
    }
}

/* ------------------------------------------------------------------ numbers, dates */

static int is_digit_base(char c, int base)
{
    int v = hexval(c);
    return v >= 0 && v < base;
}

/* Length of `D ('_'? D)*` at s, with D a digit of `base`; 0 when none. */
static size_t digit_run(const char *s, size_t n, int base)
{
    if (n == 0 || !is_digit_base(s[0], base)) return 0;
    size_t i = 1;
    while (i < n) {
        if (is_digit_base(s[i], base))
            i++;
        else if (s[i] == '_' && i + 1 < n && is_digit_base(s[i + 1], base))
            i += 2;
        else
            break;
    }
    return i;
}

static int int_accumulate(tp *t, const char *s, size_t n, int base, int neg, int64_t *out)
{
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') continue;
        uint64_t d = (uint64_t)hexval(s[i]);
        if (acc > (limit - d) / (uint64_t)base)
            return fail(t, CG_EINVAL, "integer %.*s does not fit in 64 bits", (int)CG_MIN(n, 40),
                        s);
        acc = acc * (uint64_t)base + d;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return 0;
}

static int bad_number(tp *t, const char *s, size_t n, const char *why)
{
    return fail(t, CG_EINVAL, "invalid number '%.*s': %s", (int)CG_MIN(n, 40), s, why);
}

static int parse_radix(tp *t, const char *s, size_t n, cg_toml_val *v)
{
    int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
    size_t r = digit_run(s + 2, n - 2, base);
    if (r == 0 || r != n - 2)
        return bad_number(t, s, n, "digits must follow the prefix, '_' only between digits");
    v->type = CG_TOML_INT;
    return int_accumulate(t, s + 2, n - 2, base, 0, &v->u.i);
}

static int parse_float_text(tp *t, const char *s, size_t n, cg_toml_val *v)
{
    char buf[TOML_TOKEN_MAX + 1];
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_') buf[o++] = s[i];
    buf[o] = 0;
    v->type = CG_TOML_FLOAT;
    v->u.f = strtod(buf, NULL);
    return 0;
}

/* Decimal integer or float: [+-] int-part [. digits] [e [+-] digits]. */
static int parse_decimal(tp *t, const char *s, size_t n, cg_toml_val *v)
{
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    size_t r = digit_run(s + i, n - i, 10);
    if (r == 0) return bad_number(t, s, n, "expected digits");
    if (s[i] == '0' && r > 1) return bad_number(t, s, n, "leading zeros are not allowed");
    i += r;
    int is_float = 0;
    if (i < n && s[i] == '.') {
        r = digit_run(s + i + 1, n - i - 1, 10);
        if (r == 0) return bad_number(t, s, n, "a decimal point must be followed by digits");
        i += 1 + r;
        is_float = 1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        r = digit_run(s + i, n - i, 10);
        if (r == 0) return bad_number(t, s, n, "the exponent needs digits");
        i += r;
        is_float = 1;
    }
    if (i != n) return bad_number(t, s, n, "unexpected characters");
    if (is_float) return parse_float_text(t, s, n, v);
    v->type = CG_TOML_INT;
    size_t sg = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    return int_accumulate(t, s + sg, n - sg, 10, s[0] == '-', &v->u.i);
}

static int parse_number(tp *t, const char *s, size_t n, cg_toml_val *v)
{
    size_t sg = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (n - sg == 3 && (memcmp(s + sg, "inf", 3) == 0 || memcmp(s + sg, "nan", 3) == 0)) {
        v->type = CG_TOML_FLOAT;
        v->u.f = s[sg] == 'i' ? INFINITY : NAN;
        if (s[0] == '-') v->u.f = -v->u.f;
        return 0;
    }
    if (!sg && n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b'))
        return parse_radix(t, s, n, v);
    return parse_decimal(t, s, n, v);
}

/* Value of exactly `n` decimal digits at s, or -1. */
static int digits_val(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* YYYY-MM-DD, exactly 10 bytes at s. */
static const char *dt_date(const char *s)
{
    int y = digits_val(s, 4), m = digits_val(s + 5, 2), d = digits_val(s + 8, 2);
    if (y < 0 || s[4] != '-' || s[7] != '-' || m < 0 || d < 0) return "expected YYYY-MM-DD";
    if (m < 1 || m > 12) return "month out of range 01..12";
    if (d < 1 || d > days_in_month(y, m)) return "day out of range for the month";
    return NULL;
}

/* HH:MM:SS[.fraction] at s; *used = bytes consumed. */
static const char *dt_time(const char *s, size_t n, size_t *used)
{
    if (n < 8 || s[2] != ':' || s[5] != ':') return "expected HH:MM:SS";
    int h = digits_val(s, 2), mi = digits_val(s + 3, 2), se = digits_val(s + 6, 2);
    if (h < 0 || mi < 0 || se < 0) return "expected HH:MM:SS";
    if (h > 23 || mi > 59 || se > 59) return "time of day out of range";
    size_t i = 8;
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == f) return "a fraction of a second needs digits";
    }
    *used = i;
    return NULL;
}

/* Z, z or +HH:MM / -HH:MM: exactly the n bytes at s. */
static const char *dt_offset(const char *s, size_t n)
{
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) return NULL;
    if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return "bad time offset";
    int h = digits_val(s + 1, 2), m = digits_val(s + 4, 2);
    if (h < 0 || m < 0 || h > 23 || m > 59) return "time offset out of range";
    return NULL;
}

/* 1 when the token looks like a date or a time (and must then be one). */
static int looks_datetime(const char *s, size_t n)
{
    if (n >= 3 && digits_val(s, 2) >= 0 && s[2] == ':') return 1;
    return n >= 5 && digits_val(s, 4) >= 0 && s[4] == '-';
}

static int parse_datetime(tp *t, const char *s, size_t n, cg_toml_val *v)
{
    const char *why = NULL;
    size_t used = 0;
    if (s[2] == ':') {
        v->type = CG_TOML_TIME_LOCAL;
        why = dt_time(s, n, &used);
        if (!why && used != n) why = "unexpected characters after the time";
    } else if (n < 10 || (why = dt_date(s)) != NULL) {
        if (!why) why = "expected YYYY-MM-DD";
    } else if (n == 10) {
        v->type = CG_TOML_DATE_LOCAL;
    } else if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
        why = "expected 'T' between date and time";
    } else if ((why = dt_time(s + 11, n - 11, &used)) == NULL) {
        v->type = used == n - 11 ? CG_TOML_DATETIME_LOCAL : CG_TOML_DATETIME;
        if (used != n - 11) why = dt_offset(s + 11 + used, n - 11 - used);
    }
    if (why) return fail(t, CG_EINVAL, "invalid date-time '%.*s': %s", (int)CG_MIN(n, 40), s, why);
    v->u.str.s = malloc(n + 1);
    if (!v->u.str.s) return fail_oom(t);
    memcpy(v->u.str.s, s, n);
    v->u.str.s[n] = 0;
    v->u.str.len = n;
    return 0;
}

static int is_token_char(char c)
{
    return is_bare(c) || c == '+' || c == '.' || c == ':';
}

static const char *token_end(const char *p, const char *end)
{
    while (p < end && is_token_char(*p)) p++;
    return p;
}

/* A token that starts with a letter and is not inf or nan: an unquoted word. */
static int is_word(const char *s, size_t n)
{
    char c = s[0];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return 0;
    return !(n == 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0));
}

/* A bare value: boolean, number, date-time. */
static int parse_scalar(tp *t, int depth, cg_toml_val **out)
{
    const char *s = t->p, *e = token_end(s, t->end);
    if (e - s == 10 && digits_val(s, 4) >= 0 && s[4] == '-' && t->end - e > 3 && *e == ' ' &&
        digits_val(e + 1, 2) >= 0 && e[3] == ':')
        e = token_end(e + 1, t->end); /* "1979-05-27 07:32:00": the space separates */
    size_t n = (size_t)(e - s);
    if (n == 0) return fail_found(t, "a value");
    if (n > TOML_TOKEN_MAX) return fail(t, CG_ELIMIT, "value longer than %d bytes", TOML_TOKEN_MAX);
    cg_toml_val *v = val_new(t, CG_TOML_BOOL, depth);
    if (!v) return t->failed;
    int rc = 0;
    if (n == 4 && memcmp(s, "true", 4) == 0)
        v->u.b = 1;
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        v->u.b = 0;
    else if (is_word(s, n))
        rc = fail(t, CG_EINVAL,
                  "invalid value '%.*s' (a string needs quotes; booleans are "
                  "true and false)",
                  (int)CG_MIN(n, 40), s);
    else if (looks_datetime(s, n))
        rc = parse_datetime(t, s, n, v);
    else
        rc = parse_number(t, s, n, v);
    if (rc) {
        cg_toml_free(v); /* a failed date-time never allocated its text */
        return rc;
    }
    t->p = e;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ values */

static int parse_value(tp *t, int depth, cg_toml_val **out);
static int parse_keyval(tp *t, cg_toml_val *tab, int section);

static int parse_string_value(tp *t, int depth, cg_toml_val **out)
{
    tkey k;
    int rc = *t->p == '"' ? parse_basic(t, &k) : parse_literal(t, &k);
    if (rc) return rc;
    cg_toml_val *v = val_new(t, CG_TOML_STRING, depth);
    if (!v) {
        free(k.s);
        return t->failed;
    }
    v->u.str.s = k.s;
    v->u.str.len = k.len;
    *out = v;
    return 0;
}

static int parse_array(tp *t, int depth, cg_toml_val **out)
{
    cg_toml_val *arr = val_new(t, CG_TOML_ARRAY, depth), *v = NULL;
    if (!arr) return t->failed;
    arr->flags = TF_FROZEN;
    t->p++; /* '[' */
    for (;;) {
        if (skip_ws_nl(t)) goto fail;
        if (t->p >= t->end) {
            fail(t, CG_EINVAL, "unterminated array");
            goto fail;
        }
        if (at(t, ']')) break;
        if (parse_value(t, depth + 1, &v)) goto fail;
        if (arr_push(t, arr, v)) {
            cg_toml_free(v);
            goto fail;
        }
        if (skip_ws_nl(t)) goto fail;
        if (at(t, ',')) {
            t->p++;
            continue;
        }
        if (at(t, ']')) break;
        fail_found(t, "',' or ']' in an array");
        goto fail;
    }
    t->p++; /* ']' */
    *out = arr;
    return 0;
fail:
    cg_toml_free(arr);
    return t->failed;
}

static int parse_inline(tp *t, int depth, cg_toml_val **out)
{
    cg_toml_val *tab = val_new(t, CG_TOML_TABLE, depth);
    if (!tab) return t->failed;
    int section = ++t->sections;
    t->p++; /* '{' */
    skip_ws(t);
    while (!at(t, '}')) {
        if (parse_keyval(t, tab, section)) goto fail;
        skip_ws(t);
        if (at(t, ',')) {
            t->p++;
            skip_ws(t);
            if (at(t, '\n')) {
                fail(t, CG_EINVAL, "an inline table must be on one line");
                goto fail;
            }
            if (at(t, '}')) {
                fail(t, CG_EINVAL, "trailing comma in an inline table (not allowed in TOML 1.0)");
                goto fail;
            }
            continue;
        }
        if (at(t, '}')) break;
        if (at(t, '\n'))
            fail(t, CG_EINVAL, "an inline table must be on one line");
        else
            fail_found(t, "',' or '}' in an inline table");
        goto fail;
    }
    t->p++; /* '}' */
    tab->flags = TF_FROZEN;
    *out = tab;
    return 0;
fail:
    cg_toml_free(tab);
    return t->failed;
}

static int parse_value(tp *t, int depth, cg_toml_val **out)
{
    *out = NULL;
    if (t->p >= t->end) return fail_found(t, "a value");
    switch (*t->p) {
    case '"':
    case '\'': return parse_string_value(t, depth, out);
    case '[': return parse_array(t, depth, out);
    case '{': return parse_inline(t, depth, out);
    default: return parse_scalar(t, depth, out);
    }
}

/* ------------------------------------------------------------------ semantics */

/* "an integer", "an inline table", "an array of tables" … for error messages. */
static const char *a_type(const cg_toml_val *v)
{
    switch (v->type) {
    case CG_TOML_TABLE: return v->flags & TF_FROZEN ? "an inline table" : "a table";
    case CG_TOML_ARRAY: return v->flags & TF_AOT ? "an array of tables" : "an array";
    case CG_TOML_INT: return "an integer";
    case CG_TOML_FLOAT: return "a float";
    case CG_TOML_STRING: return "a string";
    case CG_TOML_BOOL: return "a boolean";
    default: return "a date-time";
    }
}

/* Walk/create the tables of a dotted key's prefix, from `tab`, for a key/value. */
static cg_toml_val *dotted_parent(tp *t, cg_toml_val *tab, const tpath *k, int section)
{
    char name[TOML_ERR_KEY_MAX];
    for (int i = 0; i < k->n - 1; i++) {
        cg_toml_kv *e = tab_find(tab, k->part[i].s, k->part[i].len);
        if (!e) {
            tab = tab_add_table(t, tab, &k->part[i], TF_DOTTED, k->line);
            if (!tab) return NULL;
            tab->section = section;
            continue;
        }
        cg_toml_val *n = e->val;
        path_str(k, i + 1, name, sizeof name);
        if (n->type != CG_TOML_TABLE) {
            fail(t, CG_EINVAL, "key '%s' is already %s, not a table", name, a_type(n));
            return NULL;
        }
        if (n->flags & TF_FROZEN) {
            fail(t, CG_EINVAL, "cannot add keys to inline table '%s'", name);
            return NULL;
        }
        if ((n->flags & TF_EXPLICIT) || ((n->flags & TF_DOTTED) && n->section != section)) {
            fail(t, CG_EINVAL, "table '%s' is defined elsewhere; dotted keys cannot extend it",
                 name);
            return NULL;
        }
        if (n->flags & TF_IMPLICIT) n->flags = TF_DOTTED, n->section = section;
        tab = n;
    }
    return tab;
}

static int kv_insert(tp *t, cg_toml_val *tab, const tpath *k, cg_toml_val *v, int section)
{
    cg_toml_val *parent = dotted_parent(t, tab, k, section);
    if (!parent) return t->failed;
    const tkey *last = &k->part[k->n - 1];
    if (tab_find(parent, last->s, last->len)) {
        char name[TOML_ERR_KEY_MAX];
        return fail(t, CG_EINVAL, "duplicate key '%s'", path_str(k, k->n, name, sizeof name));
    }
    return tab_add(t, parent, last, v, k->line);
}

static int parse_keyval(tp *t, cg_toml_val *tab, int section)
{
    tpath k;
    cg_toml_val *v = NULL;
    int rc = parse_key(t, &k);
    if (rc) goto out;
    if (!at(t, '=')) {
        rc = fail_found(t, "'=' after the key");
        goto out;
    }
    t->p++;
    skip_ws(t);
    if (t->p >= t->end || *t->p == '\n' || *t->p == '#') {
        rc = fail(t, CG_EINVAL, "missing value after '='");
        goto out;
    }
    rc = parse_value(t, tab->depth + k.n, &v);
    if (rc) goto out;
    rc = kv_insert(t, tab, &k, v, section);
    if (rc) cg_toml_free(v);
out:
    path_release(&k);
    return rc;
}

/* Step from `tab` into the table at key part `i` of a header (creating it implicitly). */
static cg_toml_val *header_step(tp *t, cg_toml_val *tab, const tpath *k, int i)
{
    char name[TOML_ERR_KEY_MAX];
    cg_toml_kv *e = tab_find(tab, k->part[i].s, k->part[i].len);
    if (!e) return tab_add_table(t, tab, &k->part[i], TF_IMPLICIT, k->line);
    cg_toml_val *n = e->val;
    path_str(k, i + 1, name, sizeof name);
    if (n->type == CG_TOML_ARRAY && (n->flags & TF_AOT)) return n->u.arr.items[n->u.arr.n - 1];
    if (n->type == CG_TOML_ARRAY || (n->type == CG_TOML_TABLE && (n->flags & TF_FROZEN))) {
        fail(t, CG_EINVAL, "'%s' was written inline and cannot be extended by a header", name);
        return NULL;
    }
    if (n->type != CG_TOML_TABLE) {
        fail(t, CG_EINVAL, "key '%s' is already %s, not a table", name, a_type(n));
        return NULL;
    }
    return n;
}

/* The last part of a [header]: define the table exactly once. */
static cg_toml_val *header_table(tp *t, cg_toml_val *tab, const tpath *k)
{
    char name[TOML_ERR_KEY_MAX];
    const tkey *last = &k->part[k->n - 1];
    cg_toml_kv *e = tab_find(tab, last->s, last->len);
    if (!e) return tab_add_table(t, tab, last, TF_EXPLICIT, k->line);
    cg_toml_val *n = e->val;
    path_str(k, k->n, name, sizeof name);
    if (n->type == CG_TOML_TABLE && n->flags == TF_IMPLICIT) {
        n->flags = TF_EXPLICIT;
        return n;
    }
    if (n->type != CG_TOML_TABLE)
        fail(t, CG_EINVAL, "[%s]: key is already %s", name, a_type(n));
    else if (n->flags & TF_FROZEN)
        fail(t, CG_EINVAL, "[%s]: table was written inline", name);
    else if (n->flags & TF_DOTTED)
        fail(t, CG_EINVAL, "[%s]: table already defined by dotted keys", name);
    else
        fail(t, CG_EINVAL, "table [%s] defined twice", name);
    return NULL;
}

/* The last part of a [[header]]: append a new table to the array of tables. */
static cg_toml_val *header_aot(tp *t, cg_toml_val *tab, const tpath *k)
{
    char name[TOML_ERR_KEY_MAX];
    const tkey *last = &k->part[k->n - 1];
    cg_toml_kv *e = tab_find(tab, last->s, last->len);
    cg_toml_val *arr = e ? e->val : NULL;
    if (!arr) {
        arr = val_new(t, CG_TOML_ARRAY, tab->depth + 1);
        if (!arr) return NULL;
        arr->flags = TF_AOT;
        if (tab_add(t, tab, last, arr, k->line)) {
            cg_toml_free(arr);
            return NULL;
        }
    } else if (arr->type != CG_TOML_ARRAY || !(arr->flags & TF_AOT)) {
        fail(t, CG_EINVAL, "[[%s]]: key is already %s", path_str(k, k->n, name, sizeof name),
             a_type(arr));
        return NULL;
    }
    cg_toml_val *n = val_new(t, CG_TOML_TABLE, arr->depth + 1);
    if (!n) return NULL;
    n->flags = TF_EXPLICIT;
    if (arr_push(t, arr, n)) {
        cg_toml_free(n);
        return NULL;
    }
    return n;
}

static int parse_header(tp *t)
{
    tpath k;
    int aot = starts(t, "[[");
    t->p += aot ? 2 : 1;
    int rc = parse_key(t, &k);
    if (rc) goto out;
    if (aot ? !starts(t, "]]") : !at(t, ']')) {
        rc = fail_found(t, aot ? "']]' closing the array-of-tables header"
                               : "']' closing the "
                                 "table header");
        goto out;
    }
    t->p += aot ? 2 : 1;
    cg_toml_val *tab = t->root;
    for (int i = 0; tab && i < k.n - 1; i++) tab = header_step(t, tab, &k, i);
    if (tab) tab = aot ? header_aot(t, tab, &k) : header_table(t, tab, &k);
    if (!tab) {
        rc = t->failed;
        goto out;
    }
    t->cur = tab;
    t->section = ++t->sections;
out:
    path_release(&k);
    return rc;
}

/* ------------------------------------------------------------------ document */

static int parse_doc(tp *t)
{
    for (;;) {
        skip_ws(t);
        if (t->p >= t->end) return 0;
        int rc = 0;
        if (*t->p == '\n') {
            t->p++;
            continue;
        }
        if (*t->p == '[')
            rc = parse_header(t);
        else if (*t->p != '#')
            rc = parse_keyval(t, t->cur, t->section);
        if (!rc) rc = expect_eol(t);
        if (rc) return rc;
    }
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], min;
    size_t len;
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
    unsigned cp = c & (0xFFu >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Copy text with CRLF -> LF into t (which then owns the copy) and check UTF-8. */
static int prepare(tp *t, const char *text, size_t len, char **copy)
{
    if (len > CG_CONFIG_FILE_MAX)
        return fail(t, CG_ELIMIT, "document larger than %d bytes", CG_CONFIG_FILE_MAX);
    char *c = malloc(len + 1);
    if (!c) return fail_oom(t);
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) c[o++] = text[i];
    c[o] = 0;
    *copy = c;
    t->base = t->p = t->lp = c;
    t->end = c + o;
    if (o >= 3 && memcmp(c, "\xEF\xBB\xBF", 3) == 0)
        return fail(t, CG_EINVAL,
                    "byte order mark at the start; save the file as UTF-8 "
                    "without BOM");
    for (size_t i = 0; i < o;) {
        size_t l = utf8_len((const unsigned char *)c + i, o - i);
        if (!l) {
            t->p = c + i;
            return fail(t, CG_EINVAL, "invalid UTF-8 (byte 0x%02X)", (unsigned char)c[i]);
        }
        i += l;
    }
    return 0;
}

int cg_toml_parse(const char *text, size_t len, cg_toml_val **out, cg_toml_err *err)
{
    tp t = {0};
    char *copy = NULL;
    t.err = err;
    t.line = 1;
    err->line = 0;
    err->msg[0] = 0;
    *out = NULL;
    int rc = prepare(&t, text, len, &copy);
    if (rc) goto fail;
    t.root = t.cur = val_new(&t, CG_TOML_TABLE, 0);
    if (!t.root) goto fail;
    t.root->flags = TF_EXPLICIT;
    rc = parse_doc(&t);
    if (rc) goto fail;
    free(copy);
    *out = t.root;
    return 0;
fail:
    if (!t.failed) fail_oom(&t);
    cg_toml_free(t.root);
    free(copy);
    return t.failed;
}

const char *cg_toml_type_name(cg_toml_type ty)
{
    switch (ty) {
    case CG_TOML_TABLE: return "table";
    case CG_TOML_ARRAY: return "array";
    case CG_TOML_STRING: return "string";
    case CG_TOML_INT: return "integer";
    case CG_TOML_FLOAT: return "float";
    case CG_TOML_BOOL: return "boolean";
    case CG_TOML_DATETIME: return "date-time";
    case CG_TOML_DATETIME_LOCAL: return "local date-time";
    case CG_TOML_DATE_LOCAL: return "local date";
    case CG_TOML_TIME_LOCAL: return "local time";
    }
    return "value";
}

/* ------------------------------------------------------------------ canonical JSON */

static void put_canon_str(cg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    cg_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            cg_buf_putc(b, '\\');
            cg_buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cg_buf_append(b, e, 6);
        } else {
            cg_buf_putc(b, (char)c);
        }
    }
    cg_buf_putc(b, '"');
}

/* Digits (no point) and decimal exponent of a "%.*e" rendering; returns the digit count. */
static int split_sci(const char *tmp, char *dig, int *exp10)
{
    int nd = 0;
    for (; *tmp && *tmp != 'e'; tmp++)
        if (*tmp != '.') dig[nd++] = *tmp;
    *exp10 = atoi(tmp + 1);
    return nd;
}

/* 1 when dig[0..nd) x 10^exp10 (as d.ddd) reads back as exactly v. */
static int digits_roundtrip(double v, const char *dig, int nd, int exp10)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%c.%.*se%d", dig[0], nd - 1, dig + 1, exp10);
    return strtod(tmp, NULL) == v;
}

/*
 * The other nd-digit neighbour of v: one unit up (dir > 0) or down in the last
 * digit. Needed where the rounding interval of v is lopsided (v a power of two):
 * there the nearest nd-digit decimal may miss it while the next one hits.
 */
static int neighbour(char *dig, int nd, int *exp10, int dir)
{
    int i = nd - 1;
    if (dir > 0) {
        while (i >= 0 && dig[i] == '9') dig[i--] = '0';
        if (i < 0) {
            dig[0] = '1';
            ++*exp10;
        } else {
            dig[i]++;
        }
        return 1;
    }
    while (i >= 0 && dig[i] == '0') dig[i--] = '9';
    if (i < 0 || (i == 0 && dig[0] == '1')) return 0; /* would lose a digit: give up */
    dig[i]--;
    return 1;
}

/*
 * Shortest digits of v > 0 that read back as v and, among those, the closest to
 * v — what Python's repr() prints (David Gay's shortest mode).
 */
static int shortest_digits(double v, char *dig, int *exp10)
{
    char tmp[40], alt[20];
    int nd = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        nd = split_sci(tmp, dig, exp10);
        double near = strtod(tmp, NULL);
        if (near == v) break;
        int e = *exp10;
        memcpy(alt, dig, (size_t)nd);
        if (neighbour(alt, nd, &e, near < v ? 1 : -1) && digits_roundtrip(v, alt, nd, e)) {
            memcpy(dig, alt, (size_t)nd);
            *exp10 = e;
            break;
        }
    }
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    return nd;
}

/* Python's repr() of a finite, non-zero double. */
static void put_float_repr(cg_buf *b, double v)
{
    char dig[20];
    int exp;
    if (v < 0) cg_buf_putc(b, '-');
    int nd = shortest_digits(fabs(v), dig, &exp);
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            cg_buf_puts(b, "0.");
            for (int i = 0; i < -exp - 1; i++) cg_buf_putc(b, '0');
            cg_buf_append(b, dig, (size_t)nd);
            return;
        }
        for (int i = 0; i <= exp; i++) cg_buf_putc(b, i < nd ? dig[i] : '0');
        cg_buf_putc(b, '.');
        if (nd > exp + 1)
            cg_buf_append(b, dig + exp + 1, (size_t)(nd - exp - 1));
        else
            cg_buf_putc(b, '0');
        return;
    }
    cg_buf_putc(b, dig[0]);
    if (nd > 1) {
        cg_buf_putc(b, '.');
        cg_buf_append(b, dig + 1, (size_t)(nd - 1));
    }
    cg_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static void put_float(cg_buf *b, double v)
{
    cg_buf_puts(b, "{\"float\":\"");
    if (isnan(v))
        cg_buf_puts(b, "nan");
    else if (isinf(v))
        cg_buf_puts(b, v > 0 ? "inf" : "-inf");
    else if (v == 0)
        cg_buf_puts(b, signbit(v) ? "-0.0" : "0.0");
    else
        put_float_repr(b, v);
    cg_buf_puts(b, "\"}");
}

/* HH:MM:SS[.ffffff] from s; returns the bytes of s consumed. */
static size_t put_canon_time(cg_buf *b, const char *s, size_t n)
{
    cg_buf_append(b, s, 8);
    size_t i = 8;
    if (i < n && s[i] == '.') {
        char us[7] = "000000";
        int any = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            size_t k = i - 9;
            if (k < 6) us[k] = s[i], any |= s[i] != '0';
        }
        if (any) {
            cg_buf_putc(b, '.');
            cg_buf_append(b, us, 6);
        }
    }
    return i;
}

static void put_datetime(cg_buf *b, const cg_toml_val *v)
{
    static const char *const names[] = {"datetime", "datetime-local", "date-local", "time-local"};
    const char *s = v->u.str.s;
    size_t n = v->u.str.len;
    cg_buf_printf(b, "{\"%s\":\"", names[v->type - CG_TOML_DATETIME]);
    if (v->type == CG_TOML_TIME_LOCAL) {
        put_canon_time(b, s, n);
    } else {
        cg_buf_append(b, s, 10);
        if (v->type != CG_TOML_DATE_LOCAL) {
            cg_buf_putc(b, 'T');
            size_t used = 11 + put_canon_time(b, s + 11, n - 11);
            if (v->type == CG_TOML_DATETIME) {
                const char *o = s + used;
                if (*o == 'Z' || *o == 'z' || memcmp(o + 1, "00:00", 5) == 0)
                    cg_buf_puts(b, "+00:00");
                else
                    cg_buf_append(b, o, 6);
            }
        }
    }
    cg_buf_puts(b, "\"}");
}

static int kv_cmp(const void *a, const void *b)
{
    const cg_toml_kv *x = *(const cg_toml_kv *const *)a, *y = *(const cg_toml_kv *const *)b;
    int c = memcmp(x->key, y->key, CG_MIN(x->key_len, y->key_len));
    if (c) return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static void put_value(cg_buf *b, const cg_toml_val *v);

static void put_table(cg_buf *b, const cg_toml_val *v)
{
    int n = v->u.tab.n;
    const cg_toml_kv **order = malloc(sizeof *order * (size_t)(n ? n : 1));
    if (!order) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < n; i++) order[i] = &v->u.tab.kv[i];
    qsort(order, (size_t)n, sizeof *order, kv_cmp);
    cg_buf_putc(b, '{');
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(b, ',');
        put_canon_str(b, order[i]->key, order[i]->key_len);
        cg_buf_putc(b, ':');
        put_value(b, order[i]->val);
    }
    cg_buf_putc(b, '}');
    free(order);
}

static void put_value(cg_buf *b, const cg_toml_val *v)
{
    switch (v->type) {
    case CG_TOML_TABLE: put_table(b, v); break;
    case CG_TOML_ARRAY:
        cg_buf_putc(b, '[');
        for (int i = 0; i < v->u.arr.n; i++) {
            if (i) cg_buf_putc(b, ',');
            put_value(b, v->u.arr.items[i]);
        }
        cg_buf_putc(b, ']');
        break;
    case CG_TOML_STRING:
        cg_buf_puts(b, "{\"string\":");
        put_canon_str(b, v->u.str.s, v->u.str.len);
        cg_buf_putc(b, '}');
        break;
    case CG_TOML_INT: cg_buf_printf(b, "{\"integer\":\"%lld\"}", (long long)v->u.i); break;
    case CG_TOML_FLOAT: put_float(b, v->u.f); break;
    case CG_TOML_BOOL:
        cg_buf_puts(b, v->u.b ? "{\"bool\":\"true\"}" : "{\"bool\":\"false\"}");
        break;
    default: put_datetime(b, v); break;
    }
}

void cg_toml_write_json(cg_buf *out, const cg_toml_val *root)
{
    put_value(out, root);
    cg_buf_putc(out, '\n');
}

int cg_toml_dump_json(const char *text, size_t len, cg_buf *out, char *err, size_t errlen)
{
    cg_toml_val *root;
    cg_toml_err e;
    int rc = cg_toml_parse(text, len, &root, &e);
    if (rc) {
        if (err && errlen) snprintf(err, errlen, "line %d: %s", e.line, e.msg);
        return rc;
    }
    cg_toml_write_json(out, root);
    cg_toml_free(root);
    if (!cg_buf_ok(out)) {
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return CG_ENOMEM;
    }
    return 0;
}
