/*
 * util.c — small pieces the graph files share: kind/edge names, name splitting, the
 * result arena, the id map, bounded range deletion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "graph/graph_int.h"

/* Bytes per arena block (larger requests get a block of their own). */
#define GR_ARENA_BLOCK (64 * 1024)
/* Keys deleted per batch by gr_delete_span (bounds batch memory). */
#define GR_DELETE_BATCH_KEYS 4096
/* Initial id-map capacity (a power of two). */
#define GR_IDMAP_MIN 64

static const char *const gr_kind_names[CG_GRAPH_KIND_COUNT] = {
    [CG_KIND_FUNCTION] = "function",   [CG_KIND_METHOD] = "method",
    [CG_KIND_CLASS] = "class",         [CG_KIND_STRUCT] = "struct",
    [CG_KIND_INTERFACE] = "interface", [CG_KIND_TRAIT] = "trait",
    [CG_KIND_ENUM] = "enum",           [CG_KIND_MODULE] = "module",
    [CG_KIND_CONSTANT] = "constant",   [CG_KIND_TYPE_ALIAS] = "type_alias",
    [CG_KIND_COUNT] = "file",
};
_Static_assert(CG_KIND_COUNT == 10, "a new entity kind needs a name here");

static const char *const gr_edge_names[CG_EDGE_COUNT] = {
    "contains", "calls", "imports", "inherits", "implements", "references",
};
static const char *const gr_res_names[CG_RES_COUNT] = {"exact", "import", "name"};

const char *cg_graph_kind_name(int kind)
{
    return kind >= 0 && kind < CG_GRAPH_KIND_COUNT ? gr_kind_names[kind] : NULL;
}

int cg_graph_kind_parse(const char *s)
{
    for (int i = 0; s && i < CG_GRAPH_KIND_COUNT; i++)
        if (strcmp(s, gr_kind_names[i]) == 0) return i;
    return -1;
}

const char *cg_graph_edge_name(int kind)
{
    return kind >= 0 && kind < CG_EDGE_COUNT ? gr_edge_names[kind] : NULL;
}

const char *cg_graph_resolution_name(int res)
{
    return res >= 0 && res < CG_RES_COUNT ? gr_res_names[res] : NULL;
}

uint64_t cg_graph_hash(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

int gr_kind_fits(int ref_kind, int k)
{
    switch (ref_kind) {
    case CG_REF_CALL:
        return k == CG_KIND_FUNCTION || k == CG_KIND_METHOD || k == CG_KIND_CLASS ||
               k == CG_KIND_STRUCT;
    case CG_REF_INHERIT:
        return k == CG_KIND_CLASS || k == CG_KIND_STRUCT || k == CG_KIND_INTERFACE ||
               k == CG_KIND_TRAIT;
    case CG_REF_IMPLEMENT:
        return k == CG_KIND_INTERFACE || k == CG_KIND_TRAIT || k == CG_KIND_CLASS;
    case CG_REF_TYPE: return k != CG_GRAPH_KIND_FILE;
    default: return 1;
    }
}

int gr_ref_edge_kind(int ref_kind)
{
    switch (ref_kind) {
    case CG_REF_CALL: return CG_EDGE_CALLS;
    case CG_REF_IMPORT: return CG_EDGE_IMPORTS;
    case CG_REF_INHERIT: return CG_EDGE_INHERITS;
    case CG_REF_IMPLEMENT: return CG_EDGE_IMPLEMENTS;
    default: return CG_EDGE_REFERENCES;
    }
}

size_t gr_lower(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    if (!cap) return 0;
    for (; s[n] && n + 1 < cap; n++) {
        char c = s[n];
        dst[n] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    dst[n] = '\0';
    return n;
}

void gr_path_stem(char *dst, size_t cap, const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t n;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (!cap) return;
    n = CG_MIN(n, cap - 1); /* cut like snprintf, without its format parsing (hot) */
    memcpy(dst, base, n);
    dst[n] = '\0';
}

/* ---- names as written → segments ---- */

/* Source-file extensions an import may spell out ("./util.js", "a/b.h"). */
static const char *const gr_src_exts[] = {
    ".py",  ".pyi",  ".js",  ".jsx", ".mjs", ".cjs", ".ts",    ".tsx",   ".go",
    ".rs",  ".java", ".kt",  ".kts", ".c",   ".h",   ".cc",    ".cpp",   ".cxx",
    ".hpp", ".hh",   ".hxx", ".cs",  ".php", ".rb",  ".swift", ".scala", ".dart",
};

static int gr_is_sep(char c)
{
    return c == '.' || c == ':' || c == '/' || c == '\\' || c == '#' || c == ' ' || c == '\t' ||
           c == ',';
}

/* Trim quotes, brackets and blanks around an import and strip a source extension. */
static void gr_import_trim(char *b)
{
    size_t n = strlen(b), i = 0;
    const char *trim = "\"'<>;` \t\r\n";
    char *base, *dot;

    while (n > 0 && strchr(trim, b[n - 1])) b[--n] = '\0';
    while (b[i] && strchr(trim, b[i])) i++;
    memmove(b, b + i, n - i + 1);
    base = strrchr(b, '/');
    base = base ? base + 1 : b;
    dot = strrchr(base, '.');
    if (!dot || dot == base) return;
    for (size_t e = 0; e < CG_ARRAY_LEN(gr_src_exts); e++)
        if (strcmp(dot, gr_src_exts[e]) == 0) *dot = '\0';
}

/* Drop bracketed groups: "super().__init__" → "super.__init__", "List<T>" → "List". */
static void gr_strip_groups(char *b)
{
    size_t w = 0;
    int depth = 0;

    for (size_t r = 0; b[r]; r++) {
        char c = b[r];
        if (c == '(' || c == '[' || c == '<') {
            depth++;
        } else if ((c == ')' || c == ']' || (c == '>' && (r == 0 || b[r - 1] != '-'))) &&
                   depth > 0) {
            depth--;
        } else if (depth == 0) {
            b[w++] = c;
        }
    }
    b[w] = '\0';
}

static int gr_word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(w, *list) == 0) return 1;
    return 0;
}

static const char *const gr_self_words[] = {"self", "this", "cls", "Self", "static", NULL};
static const char *const gr_super_words[] = {"super", "parent", "base", NULL};
static const char *const gr_import_roots[] = {"crate", "self", "super", "~", NULL};

/* Cut b into NUL-separated tokens and collect the non-empty ones. */
static void gr_segs_tokens(gr_segs *sg, char *b)
{
    size_t n = strlen(b);

    for (size_t i = 0; i < n; i++) {
        if (b[i] == '-' && b[i + 1] == '>') b[i] = b[i + 1] = '\0';
        if (gr_is_sep(b[i])) b[i] = '\0';
    }
    for (size_t i = 0; i < n && sg->n < GR_SEGS_MAX; i++) {
        if (b[i] == '\0' || (i > 0 && b[i - 1] != '\0')) continue;
        char *t = b + i;
        while (*t == '@' || *t == '$' || *t == '&' || *t == '*' || *t == '~') t++;
        if (*t) sg->s[sg->n++] = t;
    }
}

static void gr_segs_drop_first(gr_segs *sg)
{
    memmove(sg->s, sg->s + 1, (size_t)(sg->n - 1) * sizeof(sg->s[0]));
    sg->n--;
}

void gr_segs_split(gr_segs *sg, const char *name, int is_import)
{
    size_t n = strlen(name);

    sg->n = 0;
    sg->receiver = 0;
    if (n >= sizeof(sg->buf)) n = sizeof(sg->buf) - 1;
    memcpy(sg->buf, name, n);
    sg->buf[n] = '\0';
    if (is_import)
        gr_import_trim(sg->buf);
    else
        gr_strip_groups(sg->buf);
    gr_segs_tokens(sg, sg->buf);
    if (is_import) {
        while (sg->n > 0 && gr_word_in(sg->s[0], gr_import_roots)) gr_segs_drop_first(sg);
        return;
    }
    if (sg->n > 1 && gr_word_in(sg->s[0], gr_self_words)) {
        sg->receiver = 1;
        gr_segs_drop_first(sg);
    } else if (sg->n > 1 && gr_word_in(sg->s[0], gr_super_words)) {
        sg->receiver = 2;
        gr_segs_drop_first(sg);
    }
}

void gr_segs_path(gr_segs *sg, const char *path)
{
    size_t n = strlen(path);
    char *base, *dot;

    sg->n = 0;
    sg->receiver = 0;
    if (n >= sizeof(sg->buf)) n = sizeof(sg->buf) - 1;
    memcpy(sg->buf, path, n);
    sg->buf[n] = '\0';
    base = strrchr(sg->buf, '/');
    base = base ? base + 1 : sg->buf;
    dot = strrchr(base, '.');
    if (dot && dot != base) *dot = '\0';
    n = strlen(sg->buf);
    for (size_t i = 0; i < n; i++)
        if (sg->buf[i] == '/') sg->buf[i] = '\0';
    for (size_t i = 0; i < n && sg->n < GR_SEGS_MAX; i++)
        if (sg->buf[i] && (i == 0 || sg->buf[i - 1] == '\0')) sg->s[sg->n++] = sg->buf + i;
}

const char *gr_ref_simple(const gr_segs *sg)
{
    return sg->n > 0 ? sg->s[sg->n - 1] : "";
}

/* ---- arena ---- */

struct gr_blk {
    struct gr_blk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *gr_arena_alloc(gr_arena *a, size_t n)
{
    struct gr_blk *b = a->head;

    n = (n + 15) & ~(size_t)15;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > GR_ARENA_BLOCK ? n : GR_ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

char *gr_arena_strdup(gr_arena *a, const char *s)
{
    size_t n = strlen(s ? s : "");
    char *c = gr_arena_alloc(a, n + 1);
    if (c) memcpy(c, s ? s : "", n + 1);
    return c;
}

void gr_arena_free(gr_arena *a)
{
    while (a->head) {
        struct gr_blk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* ---- id map ---- */

static size_t gr_idmap_slot(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

void gr_idmap_init(gr_idmap *m)
{
    memset(m, 0, sizeof(*m));
}

void gr_idmap_release(gr_idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static int gr_idmap_grow(gr_idmap *m)
{
    gr_idmap n;
    size_t cap = m->cap ? m->cap * 2 : GR_IDMAP_MIN;

    n.keys = calloc(cap, sizeof(*n.keys));
    n.vals = calloc(cap, sizeof(*n.vals));
    n.cap = cap;
    n.n = 0;
    if (!n.keys || !n.vals) {
        free(n.keys);
        free(n.vals);
        return CG_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) gr_idmap_put(&n, m->keys[i], m->vals[i]);
    gr_idmap_release(m);
    *m = n;
    return 0;
}

int gr_idmap_put(gr_idmap *m, uint64_t key, uint64_t val)
{
    size_t i;

    CG_ASSERT(key != 0);
    if ((m->n + 1) * 4 > m->cap * 3 && gr_idmap_grow(m) != 0) return CG_ENOMEM;
    for (i = gr_idmap_slot(key, m->cap); m->keys[i] && m->keys[i] != key;)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}

int gr_idmap_get(const gr_idmap *m, uint64_t key, uint64_t *val)
{
    if (!m->cap || !key) return 0;
    for (size_t i = gr_idmap_slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            if (val) *val = m->vals[i];
            return 1;
        }
    }
    return 0;
}

/* ---- store helpers ---- */

int gr_get(cg_graph *g, const cg_store_snap *snap, cg_store_cf cf, const gr_key *k, cg_buf *buf)
{
    if (k->over) return CG_ELIMIT;
    return cg_store_get(g->s, snap, cf, k->b, k->n, buf, NULL, 0);
}

int gr_delete_span(cg_graph *g, cg_store_cf cf, const gr_key *lo, const gr_key *hi)
{
    cg_store_batch *b = cg_store_batch_create(g->s);
    cg_store_iter *it = NULL;
    int rc;

    if (!b) return CG_ENOMEM;
    rc = cg_store_iter_create(g->s, NULL, cf, lo->b, lo->n, hi ? hi->b : NULL, hi ? hi->n : 0, &it);
    if (rc) goto fail;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl;
        const void *k = cg_store_iter_key(it, &kl);
        cg_store_batch_delete(b, cf, k, kl);
        if (cg_store_batch_count(b) < GR_DELETE_BATCH_KEYS) continue;
        if ((rc = cg_store_batch_write(g->s, b, 0, NULL, 0))) goto fail;
        cg_store_batch_clear(b);
    }
    if ((rc = cg_store_iter_status(it, NULL, 0))) goto fail;
    rc = cg_store_batch_write(g->s, b, 0, NULL, 0);
fail:
    cg_store_iter_destroy(it);
    cg_store_batch_destroy(b);
    return rc;
}
