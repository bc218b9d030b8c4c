/*
 * ignore.c — gitignore rule sets and the glob matcher behind them (API in walk.h).
 *
 * DESIGN: a pattern line is compiled once into a rule: flags (negate, dir-only), the base
 * directory it is scoped to, and a kind chosen for speed:
 *  * LITERAL  — no slash, no metacharacter ("node_modules", ".DS_Store"): basename == text;
 *  * SUFFIX   — no slash, "*" + literal ("*.pyc", "*~"): basename ends with text+1;
 *  * BASENAME — no slash, any other glob: the segment matcher on the basename;
 *  * PATH     — anchored (a slash at the start or in the middle): the pattern's segments
 *               against the path's segments, relative to the base.
 * A PATH rule's segments are GLOB (a segment glob), DSTAR ("**": zero or more segments) or
 * ANYSEG (exactly one segment). A trailing "**" compiles to ANYSEG DSTAR, i.e. one or more,
 * so a pattern "foo", "/", "**" matches what is inside foo but not foo itself, as in git.
 *
 * Invariants: both matchers are the iterative two-pointer star algorithm with a single
 * backtrack point — for characters within a segment (star = "*") and for segments within a
 * path (star = DSTAR). A later star subsumes an earlier one, so one backtrack point is
 * enough and the cost is O(|pattern| × |text|): no input makes matching exponential.
 * Rule text keeps its backslash escapes; the segment matcher interprets them.
 */
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/walk.h"

#define RULES_INITIAL_CAP 64 /* first allocation of the rule array; doubles after */

enum { F_NEGATE = 1, F_DIR_ONLY = 2 };
enum { K_LITERAL, K_SUFFIX, K_BASENAME, K_PATH };
enum { S_GLOB, S_DSTAR, S_ANYSEG };

typedef struct seg {
    uint32_t off, len; /* into rule.text */
    uint8_t kind;
} seg;

typedef struct rule {
    uint8_t kind, flags;
    uint16_t nseg;
    uint32_t len, base_len;
    const char *text; /* pattern without "!", leading "/" and trailing "/" */
    const char *base; /* directory the rule is scoped to, "" for the root */
    seg segs[];       /* K_PATH only; text and base follow the array in the same block */
} rule;

struct cg_ignore {
    rule **rules;
    int n, cap;
};

/* ---- the segment glob matcher ---- */

static int class_named(const char *name, size_t n, unsigned char c)
{
#define CLS(s, e)                                                                                  \
    if (n == sizeof(s) - 1 && memcmp(name, s, n) == 0) return (e);
    CLS("alpha", (c | 32) >= 'a' && (c | 32) <= 'z')
    CLS("digit", c >= '0' && c <= '9')
    CLS("alnum", ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'))
    CLS("upper", c >= 'A' && c <= 'Z')
    CLS("lower", c >= 'a' && c <= 'z')
    CLS("space", c == ' ' || (c >= '\t' && c <= '\r'))
    CLS("xdigit", (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f'))
    CLS("punct", (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                     (c >= 123 && c <= 126))
    CLS("blank", c == ' ' || c == '\t')
    CLS("cntrl", c < 32 || c == 127)
    CLS("print", c >= 32 && c < 127)
    CLS("graph", c > 32 && c < 127)
#undef CLS
    return 0;
}

/*
 * Match the bracket expression at p[0] == '[' against c. Returns the bytes of pattern it
 * spans (> 0) with *ok set, or 0 when it is not closed (git: the pattern never matches).
 */
static size_t class_match(const char *p, size_t pn, unsigned char c, int *ok)
{
    size_t i = 1;
    int neg = 0, hit = 0;
    if (i < pn && (p[i] == '!' || p[i] == '^')) neg = 1, i++;
    for (size_t first = i; i < pn; i++) {
        unsigned char lo = (unsigned char)p[i];
        if (lo == ']' && i > first) {
            *ok = hit != neg;
            return i + 1;
        }
        if (lo == '[' && i + 1 < pn && p[i + 1] == ':') {
            const char *end = memchr(p + i + 2, ':', pn - i - 2);
            if (end && end + 1 < p + pn && end[1] == ']') {
                hit |= class_named(p + i + 2, (size_t)(end - p - i - 2), c);
                i = (size_t)(end + 1 - p);
                continue;
            }
        }
        if (lo == '\\' && i + 1 < pn) lo = (unsigned char)p[++i];
        unsigned char hi = lo;
        if (i + 2 < pn && p[i + 1] == '-' && p[i + 2] != ']') {
            i += 2;
            if (p[i] == '\\' && i + 1 < pn) i++;
            hi = (unsigned char)p[i];
        }
        if (c >= lo && c <= hi) hit = 1;
    }
    return 0;
}

/* One pattern element (not "*") against c: bytes of pattern consumed, or 0 for no match. */
static size_t elem_match(const char *p, size_t pn, unsigned char c)
{
    int ok = 0;
    switch (p[0]) {
    case '?': return 1;
    case '[': {
        size_t n = class_match(p, pn, c, &ok);
        return n && ok ? n : 0;
    }
    case '\\':
        if (pn > 1) return (unsigned char)p[1] == c ? 2 : 0;
        return c == '\\' ? 1 : 0;
    default: return (unsigned char)p[0] == c ? 1 : 0;
    }
}

/* A glob segment (no '/') against a name segment: the two-pointer star algorithm. */
static int seg_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            while (pi < pn && p[pi] == '*') pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t adv = pi < pn ? elem_match(p + pi, pn - pi, (unsigned char)s[si]) : 0;
        if (adv) {
            pi += adv;
            si++;
            continue;
        }
        if (star_p == SIZE_MAX) return 0;
        pi = star_p; /* the last star absorbs one more byte */
        si = ++star_s;
    }
    while (pi < pn && p[pi] == '*') pi++;
    return pi == pn;
}

/* ---- path matching ---- */

static size_t seg_end(const char *s, size_t n, size_t pos)
{
    const char *slash = memchr(s + pos, '/', n - pos);
    return slash ? (size_t)(slash - s) : n;
}

/* A K_PATH rule's segments against the path s[0..n): the same algorithm over segments. */
static int path_match(const rule *r, const char *s, size_t n)
{
    size_t pi = 0, pos = 0, star_pi = SIZE_MAX, star_pos = 0;
    while (pos <= n) {
        size_t e = seg_end(s, n, pos);
        if (pi < r->nseg && r->segs[pi].kind == S_DSTAR) {
            star_pi = ++pi;
            star_pos = pos;
            continue;
        }
        if (pi < r->nseg) {
            const seg *g = &r->segs[pi];
            if (g->kind == S_ANYSEG || seg_match(r->text + g->off, g->len, s + pos, e - pos)) {
                pi++;
                pos = e + 1;
                continue;
            }
        }
        if (star_pi == SIZE_MAX) return 0;
        pi = star_pi; /* the last "**" absorbs one more segment */
        star_pos = seg_end(s, n, star_pos) + 1;
        pos = star_pos;
    }
    while (pi < r->nseg && r->segs[pi].kind == S_DSTAR) pi++;
    return pi == r->nseg;
}

static int rule_match(const rule *r, const char *rel, size_t n, int is_dir)
{
    if ((r->flags & F_DIR_ONLY) && !is_dir) return 0;
    if (r->base_len) {
        if (n <= r->base_len || rel[r->base_len] != '/' || memcmp(rel, r->base, r->base_len))
            return 0;
        rel += r->base_len + 1;
        n -= r->base_len + 1;
    }
    if (n == 0) return 0;
    if (r->kind == K_PATH) return path_match(r, rel, n);
    const char *slash = memrchr(rel, '/', n);
    const char *name = slash ? slash + 1 : rel;
    size_t nn = (size_t)(rel + n - name);
    switch (r->kind) {
    case K_LITERAL: return nn == r->len && memcmp(name, r->text, nn) == 0;
    case K_SUFFIX:
        return nn >= r->len - 1 && memcmp(name + nn - (r->len - 1), r->text + 1, r->len - 1) == 0;
    default: return seg_match(r->text, r->len, name, nn);
    }
}

int cg_ignore_match(const cg_ignore *ig, const char *rel, size_t len, int is_dir)
{
    for (int i = ig->n - 1; i >= 0; i--)
        if (rule_match(ig->rules[i], rel, len, is_dir)) return !(ig->rules[i]->flags & F_NEGATE);
    return 0;
}

/* ---- compiling a pattern line ---- */

/* Length without trailing "\r" and unescaped trailing spaces (git's trim_trailing_spaces). */
static size_t line_trim(const char *s, size_t n)
{
    if (n && s[n - 1] == '\r') n--;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            keep = i + 1;
        } else if (s[i] != ' ') {
            keep = i + 1;
        }
    }
    return keep;
}

static int has_meta(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\') return 1;
    return 0;
}

/* Split text into segments (kind per segment); the count, or CG_EINVAL when too many. */
static int split_segments(const char *t, size_t n, seg *out)
{
    int k = 0;
    for (size_t pos = 0; pos <= n;) {
        size_t e = seg_end(t, n, pos);
        if (k >= CG_IGNORE_SEGMENTS_MAX - 1) return CG_EINVAL;
        int dstar = e - pos == 2 && t[pos] == '*' && t[pos + 1] == '*';
        out[k++] = (seg){(uint32_t)pos, (uint32_t)(e - pos), dstar ? S_DSTAR : S_GLOB};
        pos = e + 1;
    }
    if (out[k - 1].kind == S_DSTAR) { /* trailing "**": one or more segments */
        out[k - 1].kind = S_ANYSEG;
        out[k++] = (seg){0, 0, S_DSTAR};
    }
    return k;
}

static int rules_push(cg_ignore *ig, rule *r)
{
    if (ig->n == ig->cap) {
        int cap = ig->cap ? ig->cap * 2 : RULES_INITIAL_CAP;
        rule **nr = realloc(ig->rules, (size_t)cap * sizeof(*nr));
        if (!nr) return CG_ENOMEM;
        ig->rules = nr;
        ig->cap = cap;
    }
    ig->rules[ig->n++] = r;
    return 1;
}

/* Build the rule block for pattern text t[0..n) with flags and anchoring decided. */
static int rule_build(cg_ignore *ig, const char *base, const char *t, size_t n, int flags,
                      int anchored)
{
    seg segs[CG_IGNORE_SEGMENTS_MAX];
    int nseg = 0, kind = K_PATH;
    if (anchored) {
        nseg = split_segments(t, n, segs);
        if (nseg < 0) return nseg;
    } else if (!has_meta(t, n)) {
        kind = K_LITERAL;
    } else if (n > 1 && t[0] == '*' && !has_meta(t + 1, n - 1)) {
        kind = K_SUFFIX;
    } else {
        kind = K_BASENAME;
    }
    size_t blen = strlen(base);
    rule *r = malloc(sizeof(*r) + (size_t)nseg * sizeof(seg) + n + blen + 2);
    if (!r) return CG_ENOMEM;
    char *text = (char *)(r->segs + nseg);
    memcpy(text, t, n);
    text[n] = 0;
    memcpy(text + n + 1, base, blen + 1);
    *r = (rule){.kind = (uint8_t)kind,
                .flags = (uint8_t)flags,
                .nseg = (uint16_t)nseg,
                .len = (uint32_t)n,
                .base_len = (uint32_t)blen,
                .text = text,
                .base = text + n + 1};
    memcpy(r->segs, segs, (size_t)nseg * sizeof(seg));
    int rc = rules_push(ig, r);
    if (rc < 0) free(r);
    return rc;
}

int cg_ignore_add(cg_ignore *ig, const char *base, const char *line, size_t len)
{
    if (len > CG_IGNORE_PATTERN_MAX) return CG_EINVAL;
    if (ig->n >= CG_IGNORE_RULES_MAX) return CG_ELIMIT;
    size_t n = line_trim(line, len);
    if (n == 0 || line[0] == '#') return 0;
    /* "\!" and "\#" need no work here: the matcher reads "\x" as a literal x */
    int flags = 0, anchored = 0;
    const char *t = line;
    if (t[0] == '!') flags |= F_NEGATE, t++, n--;
    if (n && t[n - 1] == '/') flags |= F_DIR_ONLY, n--;
    if (n && t[0] == '/') anchored = 1, t++, n--;
    if (n == 0) return 0;
    if (memchr(t, '/', n)) anchored = 1;
    return rule_build(ig, base ? base : "", t, n, flags, anchored);
}

int cg_ignore_add_text(cg_ignore *ig, const char *base, const char *text, size_t len, int *bad)
{
    int added = 0, nbad = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t e = nl ? (size_t)(nl - text) : len;
        int rc = cg_ignore_add(ig, base, text + pos, e - pos);
        if (rc == CG_ENOMEM || rc == CG_ELIMIT) {
            if (bad) *bad = nbad;
            return rc;
        }
        if (rc < 0)
            nbad++;
        else
            added += rc;
        pos = e + 1;
    }
    if (bad) *bad = nbad;
    return added;
}

cg_ignore *cg_ignore_create(void)
{
    return calloc(1, sizeof(cg_ignore));
}

int cg_ignore_count(const cg_ignore *ig)
{
    return ig->n;
}

void cg_ignore_truncate(cg_ignore *ig, int count)
{
    CG_ASSERT(count >= 0 && count <= ig->n);
    while (ig->n > count) free(ig->rules[--ig->n]);
}

void cg_ignore_destroy(cg_ignore *ig)
{
    if (!ig) return;
    cg_ignore_truncate(ig, 0);
    free(ig->rules);
    free(ig);
}
