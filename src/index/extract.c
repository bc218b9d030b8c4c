/*
 * extract.c — the generic extraction engine: parse one file with tree-sitter, run
 * its language's query (src/lang/<grammar>.scm) and turn the matches into entities
 * and references (the rules are listed in include/codegraph/extract.h).
 *
 * DESIGN
 *  - Shared, immutable after publication: one compiled query per grammar (TSQuery
 *    plus a capture-role table and the pattern predicates), built on first use
 *    under a mutex and published with a release store; readers load with acquire.
 *    A query that fails to compile is remembered as failed (logged once).
 *  - Per thread: a TSParser, a TSQueryCursor and scratch arrays, created on first
 *    use and freed by a pthread key destructor when the thread exits.
 *  - Three passes, no recursion anywhere (parse trees can be 100k+ deep):
 *      1. collect: each query match (after predicates) appends a raw definition
 *         (node range, kind, name/scope/doc ranges, signature end) or a raw
 *         reference. Matches arrive in no strict order and may repeat a node.
 *      2. entities: sort by (start, end desc, pattern); merge equal ranges; cut at
 *         max_entities; nesting parents with a stack (ranges are laminar: two
 *         nodes of one tree either nest or are disjoint); @scope parents through a
 *         name index of "pure" entities (no @scope on them or their ancestors),
 *         which keeps the parent relation acyclic: at most one scope hop, and
 *         every nesting hop goes to a lower index.
 *      3. references: sort, merge duplicates, cut at max_refs, `from` by binary
 *         search on entity starts then up the nesting chain.
 *  - Time: parse_timeout_us boxes the parse and the query run together (progress
 *    callbacks check one deadline). Expiry during the parse: empty result,
 *    timed_out = 1, CG_EPARSE. Expiry during the query: what was found so far is
 *    kept, truncated = 1. (The query can be the slow part: tree-sitter's cursor is
 *    quadratic in a node's run of anonymous children, e.g. 200k unmatched "(".)
 */
#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/extract.h"
#include "codegraph/log.h"
#include "tree_sitter/api.h"

/* Defaults for cg_extract_limits_default(). */
#define CG_EXTRACT_TIMEOUT_US_DEFAULT (10ull * 1000 * 1000) /* 10 s per file */
#define CG_EXTRACT_ENTITIES_DEFAULT 100000
#define CG_EXTRACT_REFS_DEFAULT 1000000
#define CG_EXTRACT_DOC_BYTES_DEFAULT 4096
#define CG_EXTRACT_SIG_BYTES_DEFAULT 512

/* Fixed bounds of the engine. */
#define CG_EXTRACT_NAME_MAX 512            /* bytes kept of a name or a scope */
#define CG_EXTRACT_QNAME_MAX 2048          /* bytes kept of a qualified name */
#define CG_EXTRACT_LANGS_MAX 32            /* registry entries with a query slot */
#define CG_EXTRACT_PRED_TEXT_MAX 4096      /* bytes of a node's text a #match? sees */
#define CG_EXTRACT_MATCH_LIMIT 4096        /* in-progress matches of a query cursor */
#define CG_EXTRACT_RAW_SLACK 1024          /* raw matches kept beyond 2x the limit */
#define CG_EXTRACT_LINE_SCAN 4096          /* bytes scanned back to see if a comment trails code */
#define CG_EXTRACT_ANYOF_MAX 256           /* strings in one #any-of? */
#define CG_EXTRACT_BODY_SCAN 512           /* nodes looked at to find a definition's body */
#define CG_EXTRACT_SCRATCH_KEEP (1u << 20) /* a thread's scratch above this is freed */
/* Source bytes of a doc comment cleaned at most, for a doc cut at `max` bytes. */
#define CG_EXTRACT_DOC_SCAN(max) (4 * (size_t)(max) + 1024)

_Static_assert(CG_EXTRACT_NAME_MAX < CG_EXTRACT_QNAME_MAX, "a name fits a qualified name");

/* ------------------------------------------------------------------ queries ---- */

enum { ROLE_IGNORE, ROLE_DEF, ROLE_NAME, ROLE_DOC, ROLE_SCOPE, ROLE_REF };
enum { PRED_EQ, PRED_MATCH, PRED_ANY_OF };

typedef struct cap_role {
    uint8_t role, kind;
} cap_role;

typedef struct pred {
    uint8_t op, negate, has_re;
    uint32_t cap;
    int32_t cap2; /* #eq? against another capture, else -1 */
    const char *str;
    uint32_t str_len;
    regex_t re;
    const char **any;
    uint32_t *any_len;
    uint32_t n_any;
} pred;

typedef struct cquery {
    TSQuery *q;
    cap_role *roles;
    uint32_t n_caps, n_patterns;
    pred *preds;
    uint32_t n_preds;
    uint32_t *pat_first; /* preds of pattern p: [pat_first[p], pat_first[p+1]) */
} cquery;

static cquery *queries[CG_EXTRACT_LANGS_MAX];
static uint8_t query_failed[CG_EXTRACT_LANGS_MAX];
static pthread_mutex_t query_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const kind_names[CG_KIND_COUNT] = {
    "function", "method", "class",  "struct",   "interface",
    "trait",    "enum",   "module", "constant", "type_alias",
};
static const char *const ref_names[CG_REF_COUNT] = {"call", "import", "inherit", "implement",
                                                    "type"};

const char *cg_entity_kind_name(cg_entity_kind k)
{
    return (unsigned)k < CG_KIND_COUNT ? kind_names[k] : "?";
}

const char *cg_ref_kind_name(cg_ref_kind k)
{
    return (unsigned)k < CG_REF_COUNT ? ref_names[k] : "?";
}

int cg_entity_kind_parse(const char *s)
{
    for (int i = 0; s && i < CG_KIND_COUNT; i++)
        if (strcmp(s, kind_names[i]) == 0) return i;
    return -1;
}

static int ref_kind_parse(const char *s)
{
    for (int i = 0; i < CG_REF_COUNT; i++)
        if (strcmp(s, ref_names[i]) == 0) return i;
    return -1;
}

/* The role of capture `name` ("definition.class", "name", …); -1 when unknown. */
static int role_parse(const char *name, cap_role *r)
{
    int k;
    r->kind = 0;
    if (name[0] == '_') return r->role = ROLE_IGNORE, 0;
    if (strcmp(name, "name") == 0) return r->role = ROLE_NAME, 0;
    if (strcmp(name, "doc") == 0) return r->role = ROLE_DOC, 0;
    if (strcmp(name, "scope") == 0) return r->role = ROLE_SCOPE, 0;
    if (strncmp(name, "definition.", 11) == 0 && (k = cg_entity_kind_parse(name + 11)) >= 0) {
        r->role = ROLE_DEF;
        r->kind = (uint8_t)k;
        return 0;
    }
    if (strncmp(name, "reference.", 10) == 0 && (k = ref_kind_parse(name + 10)) >= 0) {
        r->role = ROLE_REF;
        r->kind = (uint8_t)k;
        return 0;
    }
    return -1;
}

static void query_free(cquery *cq)
{
    if (!cq) return;
    for (uint32_t i = 0; i < cq->n_preds; i++) {
        if (cq->preds[i].has_re) regfree(&cq->preds[i].re);
        free(cq->preds[i].any);
        free(cq->preds[i].any_len);
    }
    free(cq->preds);
    free(cq->pat_first);
    free(cq->roles);
    if (cq->q) ts_query_delete(cq->q);
    free(cq);
}

static const char *step_str(const cquery *cq, const TSQueryPredicateStep *s, uint32_t *len)
{
    return ts_query_string_value_for_id(cq->q, s->value_id, len);
}

/* Fill p->any from the string steps st[1..n). 0 or -1. */
static int pred_any_of(const cquery *cq, pred *p, const TSQueryPredicateStep *st, uint32_t n)
{
    if (n < 3 || n - 2 > CG_EXTRACT_ANYOF_MAX) return -1;
    p->n_any = n - 2;
    p->any = calloc(p->n_any, sizeof(*p->any));
    p->any_len = calloc(p->n_any, sizeof(*p->any_len));
    if (!p->any || !p->any_len) return -1;
    for (uint32_t i = 0; i < p->n_any; i++) {
        if (st[i + 2].type != TSQueryPredicateStepTypeString) return -1;
        p->any[i] = step_str(cq, &st[i + 2], &p->any_len[i]);
    }
    return 0;
}

/* Compile one predicate st[0..n) (without its Done step). 0, 1 = ignored directive, -1. */
static int pred_compile(const cquery *cq, const TSQueryPredicateStep *st, uint32_t n, pred *p)
{
    uint32_t len;
    memset(p, 0, sizeof(*p));
    p->cap2 = -1;
    if (n == 0 || st[0].type != TSQueryPredicateStepTypeString) return -1;
    const char *op = step_str(cq, &st[0], &len);
    if (len > 0 && op[len - 1] == '!') return 1;
    if (strncmp(op, "not-", 4) == 0) p->negate = 1, op += 4;
    if (n < 2 || st[1].type != TSQueryPredicateStepTypeCapture) return -1;
    p->cap = st[1].value_id;
    if (strcmp(op, "any-of?") == 0) {
        p->op = PRED_ANY_OF;
        return pred_any_of(cq, p, st, n);
    }
    if (n != 3) return -1;
    if (strcmp(op, "eq?") == 0) {
        p->op = PRED_EQ;
        if (st[2].type == TSQueryPredicateStepTypeCapture) {
            p->cap2 = (int32_t)st[2].value_id;
            return 0;
        }
        p->str = step_str(cq, &st[2], &p->str_len);
        return 0;
    }
    if (strcmp(op, "match?") == 0 && st[2].type == TSQueryPredicateStepTypeString) {
        p->op = PRED_MATCH;
        if (regcomp(&p->re, step_str(cq, &st[2], &len), REG_EXTENDED | REG_NOSUB) != 0) return -1;
        p->has_re = 1;
        return 0;
    }
    return -1;
}

/* Compile the predicates of every pattern into cq->preds. 0 or -1 (logged). */
static int preds_compile(cquery *cq, const char *lang)
{
    cq->pat_first = calloc(cq->n_patterns + 1, sizeof(uint32_t));
    if (!cq->pat_first) return -1;
    uint32_t cap = 0;
    for (uint32_t pi = 0; pi < cq->n_patterns; pi++) {
        uint32_t n;
        const TSQueryPredicateStep *st = ts_query_predicates_for_pattern(cq->q, pi, &n);
        cq->pat_first[pi] = cq->n_preds;
        for (uint32_t i = 0, s = 0; i < n; i++) {
            if (st[i].type != TSQueryPredicateStepTypeDone) continue;
            if (cq->n_preds == cap) {
                cap = cap ? cap * 2 : 16;
                pred *np = realloc(cq->preds, cap * sizeof(pred));
                if (!np) return -1;
                cq->preds = np;
            }
            int rc = pred_compile(cq, st + s, i - s, &cq->preds[cq->n_preds]);
            if (rc < 0) {
                cq->n_preds++; /* so query_free releases what was allocated */
                cg_log_error("extract", "unsupported query predicate", "lang", lang);
                return -1;
            }
            if (rc == 0) cq->n_preds++;
            s = i + 1;
        }
    }
    cq->pat_first[cq->n_patterns] = cq->n_preds;
    return 0;
}

static cquery *query_compile(const cg_lang *lang)
{
    uint32_t off = 0;
    TSQueryError err = TSQueryErrorNone;
    cquery *cq = calloc(1, sizeof(*cq));
    if (!cq) return NULL;
    cq->q = ts_query_new(lang->ts(), lang->query, (uint32_t)lang->query_len, &off, &err);
    if (!cq->q) {
        char at[32];
        snprintf(at, sizeof(at), "%u", off);
        cg_log_error("extract", "query does not compile", "lang", lang->grammar, "offset", at);
        goto fail;
    }
    cq->n_caps = ts_query_capture_count(cq->q);
    cq->n_patterns = ts_query_pattern_count(cq->q);
    cq->roles = calloc(cq->n_caps + 1, sizeof(cap_role));
    if (!cq->roles) goto fail;
    for (uint32_t i = 0; i < cq->n_caps; i++) {
        uint32_t len;
        const char *name = ts_query_capture_name_for_id(cq->q, i, &len);
        if (role_parse(name, &cq->roles[i]) < 0) {
            cg_log_error("extract", "unknown query capture", "lang", lang->grammar, "capture",
                         name);
            goto fail;
        }
    }
    if (preds_compile(cq, lang->grammar) < 0) goto fail;
    return cq;
fail:
    query_free(cq);
    return NULL;
}

/* The slot of a registry entry, or -1. */
static int lang_slot(const cg_lang *lang)
{
    int n;
    const cg_lang *all = cg_lang_all(&n);
    if (lang >= all && lang < all + n) return (int)(lang - all);
    const cg_lang *l = cg_lang_by_name(lang->grammar);
    return l ? (int)(l - all) : -1;
}

/* The compiled query of `lang`, compiling it on first use; NULL when it cannot be. */
static const cquery *query_get(const cg_lang *lang)
{
    int slot = lang_slot(lang);
    if (slot < 0 || slot >= CG_EXTRACT_LANGS_MAX) return NULL;
    cquery *cq = __atomic_load_n(&queries[slot], __ATOMIC_ACQUIRE);
    if (cq) return cq;
    pthread_mutex_lock(&query_mu);
    cq = queries[slot];
    if (!cq && !query_failed[slot]) {
        int n;
        cq = query_compile(&cg_lang_all(&n)[slot]);
        if (cq)
            __atomic_store_n(&queries[slot], cq, __ATOMIC_RELEASE);
        else
            query_failed[slot] = 1;
    }
    pthread_mutex_unlock(&query_mu);
    return cq;
}

/* -------------------------------------------------------------- thread state ---- */

typedef struct xdef {
    uint32_t start, end, pattern, sig_end;
    TSPoint sp, ep;
    uint32_t name_s, name_e, scope_s, scope_e, doc_s, doc_e;
    uint8_t kind, has_scope;
} xdef;

typedef struct xref {
    uint32_t start, end, name_s, name_e, scope_s, scope_e;
    TSPoint sp, ep;
    uint8_t kind, has_scope;
} xref;

/* A (hash, entity) pair of the scope index. */
typedef struct name_ix {
    uint64_t h;
    int32_t e;
} name_ix;

typedef struct tstate {
    TSParser *parser;
    const TSLanguage *lang;
    TSQueryCursor *cursor;
    xdef *defs;
    size_t n_defs, cap_defs;
    xref *refs;
    size_t n_refs, cap_refs;
    int32_t *nest, *stack; /* per entity: nesting parent; work stack */
    uint8_t *flags;        /* per entity: FLAG_* */
    name_ix *ix;
    size_t n_ix, cap_ent; /* cap_ent: capacity of nest, stack, flags, ix */
    uint8_t *dropped;     /* per capture of the current match */
    size_t cap_dropped;
    uint16_t *docs; /* capture indexes of @doc nodes of the current match */
    size_t cap_docs;
    char *scratch;
    size_t cap_scratch;
} tstate;

static __thread tstate *tl_state;
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void tstate_free(void *p)
{
    tstate *t = p;
    if (!t) return;
    if (t->parser) ts_parser_delete(t->parser);
    if (t->cursor) ts_query_cursor_delete(t->cursor);
    free(t->defs);
    free(t->refs);
    free(t->nest);
    free(t->stack);
    free(t->flags);
    free(t->ix);
    free(t->dropped);
    free(t->docs);
    free(t->scratch);
    free(t);
}

static void tl_key_create(void)
{
    (void)pthread_key_create(&tl_key, tstate_free);
}

static tstate *tstate_get(void)
{
    if (tl_state) return tl_state;
    pthread_once(&tl_once, tl_key_create);
    tstate *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->parser = ts_parser_new();
    t->cursor = ts_query_cursor_new();
    if (!t->parser || !t->cursor) {
        tstate_free(t);
        return NULL;
    }
    (void)pthread_setspecific(tl_key, t);
    tl_state = t;
    return t;
}

/* Grow *p (element size `sz`) to hold at least `need` elements. 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *np = realloc(*p, c * sz);
    if (!np) return -1;
    *p = np;
    *cap = c;
    return 0;
}

static int scratch_reserve(tstate *t, size_t n)
{
    return grow((void **)&t->scratch, &t->cap_scratch, n, 1);
}

/* --------------------------------------------------------------- the engine ---- */

/* What one extraction call works on. */
typedef struct ectx {
    const cquery *cq;
    const char *src;
    uint32_t len;
    const cg_extract_limits *lim;
    cg_extract *out;
    tstate *t;
    size_t raw_defs_max, raw_refs_max;
    uint64_t deadline_ns; /* parse and query together; 0 = none */
} ectx;

typedef struct budget {
    uint64_t deadline_ns; /* 0 = none */
    int expired;
} budget;

static bool parse_progress(TSParseState *s)
{
    budget *b = s->payload;
    if (b->deadline_ns && cg_time_mono_ns() > b->deadline_ns) b->expired = 1;
    return b->expired;
}

static bool query_progress(TSQueryCursorState *s)
{
    budget *b = s->payload;
    if (b->deadline_ns && cg_time_mono_ns() > b->deadline_ns) b->expired = 1;
    return b->expired;
}

typedef struct input {
    const char *src;
    uint32_t len;
} input;

static const char *input_read(void *payload, uint32_t byte, TSPoint pt, uint32_t *n)
{
    const input *in = payload;
    if (byte >= in->len) {
        *n = 0;
        return "";
    }
    *n = in->len - byte;
    return in->src + byte;
}

static uint64_t deadline_after(uint64_t us)
{
    return us ? cg_time_mono_ns() + us * 1000 : 0;
}

/* Parse ctx->src; NULL with timed_out set on expiry. */
static TSTree *parse(ectx *x, const cg_lang *lang)
{
    tstate *t = x->t;
    const TSLanguage *tl = lang->ts();
    if (t->lang != tl) {
        if (!ts_parser_set_language(t->parser, tl)) return NULL;
        t->lang = tl;
    }
    input in = {x->src, x->len};
    budget b = {x->deadline_ns, 0};
    TSInput ti = {.payload = &in, .read = input_read, .encoding = TSInputEncodingUTF8};
    TSParseOptions po = {.payload = &b, .progress_callback = parse_progress};
    TSTree *tree = ts_parser_parse_with_options(t->parser, NULL, ti, po);
    if (!tree) {
        ts_parser_reset(t->parser);
        x->out->timed_out = b.expired;
    }
    return tree;
}

/* ERROR and MISSING nodes, visiting only subtrees that contain an error. */
static uint32_t count_errors(TSNode root)
{
    if (!ts_node_has_error(root)) return 0;
    TSTreeCursor c = ts_tree_cursor_new(root);
    uint32_t n = 0;
    for (;;) {
        TSNode nd = ts_tree_cursor_current_node(&c);
        if (ts_node_is_error(nd) || ts_node_is_missing(nd)) n++;
        if (ts_node_has_error(nd) && ts_tree_cursor_goto_first_child(&c)) continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c)) goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    return n;
}

/* ------------------------------------------------------------- predicates ---- */

static int text_eq(const char *src, TSNode n, const char *s, uint32_t len)
{
    uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
    return b - a == len && memcmp(src + a, s, len) == 0;
}

/* The first node captured as `cap` in the match; null node when none. */
static TSNode match_node(const TSQueryMatch *m, uint32_t cap)
{
    for (uint16_t i = 0; i < m->capture_count; i++)
        if (m->captures[i].index == cap) return m->captures[i].node;
    TSNode none = {{0}, NULL, NULL};
    return none;
}

static int pred_eval(ectx *x, const pred *p, const TSQueryMatch *m, TSNode n)
{
    const char *src = x->src;
    uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
    switch (p->op) {
    case PRED_EQ:
        if (p->cap2 < 0) return text_eq(src, n, p->str, p->str_len);
        TSNode o = match_node(m, (uint32_t)p->cap2);
        if (ts_node_is_null(o)) return 1;
        return text_eq(src, o, src + a, b - a);
    case PRED_ANY_OF:
        for (uint32_t i = 0; i < p->n_any; i++)
            if (text_eq(src, n, p->any[i], p->any_len[i])) return 1;
        return 0;
    default: {
        uint32_t len = CG_MIN(b - a, (uint32_t)CG_EXTRACT_PRED_TEXT_MAX);
        if (scratch_reserve(x->t, len + 1) < 0) return 0;
        memcpy(x->t->scratch, src + a, len);
        x->t->scratch[len] = 0;
        return regexec(&p->re, x->t->scratch, 0, NULL, 0) == 0;
    }
    }
}

/* 1 when the match passes its predicates; marks failing @doc nodes in t->dropped. */
static int preds_ok(ectx *x, const TSQueryMatch *m)
{
    const cquery *cq = x->cq;
    tstate *t = x->t;
    if (grow((void **)&t->dropped, &t->cap_dropped, m->capture_count + 1u, 1) < 0) return 0;
    memset(t->dropped, 0, m->capture_count);
    for (uint32_t i = cq->pat_first[m->pattern_index]; i < cq->pat_first[m->pattern_index + 1];
         i++) {
        const pred *p = &cq->preds[i];
        for (uint16_t c = 0; c < m->capture_count; c++) {
            if (m->captures[c].index != p->cap) continue;
            int ok = pred_eval(x, p, m, m->captures[c].node) != p->negate;
            if (ok) continue;
            if (cq->roles[p->cap].role != ROLE_DOC) return 0;
            t->dropped[c] = 1;
        }
    }
    return 1;
}

/* ------------------------------------------------------------- collection ---- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int is_blockish(const char *type)
{
    static const char *const exact[] = {
        "block",           "compound_statement",     "statement_block",  "declaration_list",
        "enumerator_list", "field_declaration_list", "enum_variant_list"};
    for (size_t i = 0; i < CG_ARRAY_LEN(exact); i++)
        if (strcmp(type, exact[i]) == 0) return 1;
    return ends_with(type, "_body") || ends_with(type, "_block");
}

/*
 * 1 when the cursor's node is a body: field "body", or a named block-like node, or
 * (with `brace`) a "{" token: the brace block of a type expression such as Go's
 * `interface { … }`.
 */
static int at_body(TSTreeCursor *c, int brace)
{
    TSNode n = ts_tree_cursor_current_node(c);
    const char *f = ts_tree_cursor_current_field_name(c);
    if (f && strcmp(f, "body") == 0) return 1;
    if (!ts_node_is_named(n)) return brace && strcmp(ts_node_type(n), "{") == 0;
    return is_blockish(ts_node_type(n));
}

/*
 * Scan the children of the cursor's node for a body; on finding one set *at to where
 * the signature ends (after the last non-comment node before the body, or at the
 * body's start) and return 1. *seen counts nodes looked at.
 */
static int scan_for_body(TSTreeCursor *c, uint32_t *at, int *seen)
{
    int brace = ends_with(ts_node_type(ts_tree_cursor_current_node(c)), "_type");
    if (!ts_tree_cursor_goto_first_child(c)) return 0;
    uint32_t prev_end = 0;
    int found = 0;
    do {
        if (++*seen > CG_EXTRACT_BODY_SCAN) break;
        TSNode n = ts_tree_cursor_current_node(c);
        if (at_body(c, brace)) {
            *at = prev_end ? prev_end : ts_node_start_byte(n);
            found = 1;
            break;
        }
        if (!ts_node_is_extra(n)) prev_end = ts_node_end_byte(n);
    } while (ts_tree_cursor_goto_next_sibling(c));
    ts_tree_cursor_goto_parent(c);
    return found;
}

/*
 * Where the definition's signature ends: before its body (a child with field "body"
 * or of a block-like type, else such a grandchild); the definition's end when there
 * is none. At most CG_EXTRACT_BODY_SCAN nodes are looked at. No sibling or parent
 * navigation: those are linear in the parent's children in tree-sitter.
 */
static uint32_t body_start(TSNode def)
{
    uint32_t at = ts_node_end_byte(def);
    TSTreeCursor c = ts_tree_cursor_new(def);
    int seen = 0;
    if (!scan_for_body(&c, &at, &seen) && ts_tree_cursor_goto_first_child(&c)) {
        do {
            if (seen > CG_EXTRACT_BODY_SCAN || scan_for_body(&c, &at, &seen)) break;
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
    return at;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 when src[a, b) holds a line with nothing but white space (a blank line). */
static int blank_line_in(const char *src, uint32_t a, uint32_t b)
{
    int nl = 0;
    for (uint32_t i = a; i < b; i++) {
        if (src[i] == '\n') {
            if (nl) return 1;
            nl = 1;
        } else if (!is_space(src[i])) {
            nl = 0;
        }
    }
    return 0;
}

/* 1 when something other than white space precedes byte `at` on its line. */
static int trails_code(const char *src, uint32_t at)
{
    for (uint32_t n = 0; at > 0 && src[at - 1] != '\n'; at--, n++)
        if (n >= CG_EXTRACT_LINE_SCAN || !is_space(src[at - 1])) return 1;
    return 0;
}

/* Sort the @doc capture indexes of the match by start byte into t->docs; their count. */
static int doc_nodes(ectx *x, const TSQueryMatch *m)
{
    tstate *t = x->t;
    int n = 0;
    if (grow((void **)&t->docs, &t->cap_docs, m->capture_count + 1u, sizeof(uint16_t)) < 0)
        return 0;
    for (uint16_t i = 0; i < m->capture_count; i++) {
        if (x->cq->roles[m->captures[i].index].role != ROLE_DOC) continue;
        uint32_t s = ts_node_start_byte(m->captures[i].node);
        int j = n++;
        /* Insertion sort: captures mostly arrive in order, so this is linear. */
        while (j > 0 && ts_node_start_byte(m->captures[t->docs[j - 1]].node) > s) {
            t->docs[j] = t->docs[j - 1];
            j--;
        }
        t->docs[j] = i;
    }
    return n;
}

/*
 * Choose the doc of a definition match: sets d->doc_s/doc_e (both 0: none). Doc
 * nodes before the definition: the run that ends with the last of them, stops at a
 * dropped node or a blank line, and has no blank line before the definition.
 * Otherwise the first doc node inside the definition (a docstring).
 */
static void pick_doc(ectx *x, const TSQueryMatch *m, TSNode def, xdef *d)
{
    int n = doc_nodes(x, m), last = -1; /* first: it may move t->docs */
    const uint16_t *docs = x->t->docs;
    const uint8_t *dropped = x->t->dropped;
    uint32_t ds = ts_node_start_byte(def);
    d->doc_s = d->doc_e = 0;
    for (int i = 0; i < n && ts_node_end_byte(m->captures[docs[i]].node) <= ds; i++) last = i;
    if (last < 0) {
        for (int i = 0; i < n; i++) {
            if (dropped[docs[i]]) continue;
            d->doc_s = ts_node_start_byte(m->captures[docs[i]].node);
            d->doc_e = ts_node_end_byte(m->captures[docs[i]].node);
            return;
        }
        return;
    }
    TSNode ln = m->captures[docs[last]].node;
    if (dropped[docs[last]] || blank_line_in(x->src, ts_node_end_byte(ln), ds)) return;
    int first = last;
    while (first > 0 && !dropped[docs[first - 1]]) {
        uint32_t pe = ts_node_end_byte(m->captures[docs[first - 1]].node);
        if (blank_line_in(x->src, pe, ts_node_start_byte(m->captures[docs[first]].node))) break;
        first--;
    }
    /* A comment trailing code on its line belongs to that code. */
    if (trails_code(x->src, ts_node_start_byte(m->captures[docs[first]].node))) {
        if (first == last) return;
        first++;
    }
    d->doc_s = ts_node_start_byte(m->captures[docs[first]].node);
    d->doc_e = ts_node_end_byte(ln);
}

static void node_range(TSNode n, uint32_t *s, uint32_t *e)
{
    *s = ts_node_start_byte(n);
    *e = ts_node_end_byte(n);
}

/*
 * Drop trailing white space and line ends from a span (a C #define's node ends after
 * its newline), keeping the end point right.
 */
static void trim_span_end(const char *src, uint32_t start, uint32_t *end, TSPoint *ep)
{
    uint32_t e = *end;
    int lines = 0;
    while (e > start && (is_space(src[e - 1]) || src[e - 1] == '\n')) lines += src[--e] == '\n';
    if (e == *end) return;
    if (lines == 0) {
        ep->column -= *end - e;
    } else {
        uint32_t b = e;
        while (b > 0 && src[b - 1] != '\n') b--;
        ep->row -= (uint32_t)lines;
        ep->column = e - b;
    }
    *end = e;
}

/* Append a raw definition from a match whose DEF capture is `di`. */
static void add_def(ectx *x, const TSQueryMatch *m, int di, int ni, int si)
{
    tstate *t = x->t;
    if (t->n_defs >= x->raw_defs_max) {
        x->out->truncated = 1;
        return;
    }
    if (grow((void **)&t->defs, &t->cap_defs, t->n_defs + 1, sizeof(xdef)) < 0) {
        x->out->truncated = 1;
        return;
    }
    xdef *d = &t->defs[t->n_defs++];
    TSNode def = m->captures[di].node;
    memset(d, 0, sizeof(*d));
    node_range(def, &d->start, &d->end);
    d->sp = ts_node_start_point(def);
    d->ep = ts_node_end_point(def);
    trim_span_end(x->src, d->start, &d->end, &d->ep);
    d->pattern = m->pattern_index;
    d->kind = x->cq->roles[m->captures[di].index].kind;
    node_range(m->captures[ni].node, &d->name_s, &d->name_e);
    if (si >= 0) {
        d->has_scope = 1;
        node_range(m->captures[si].node, &d->scope_s, &d->scope_e);
    }
    pick_doc(x, m, def, d);
    d->sig_end = x->lim->max_signature_bytes ? body_start(def) : d->start;
}

/* Append a raw reference from a match whose REF capture is `ri`. */
static void add_ref(ectx *x, const TSQueryMatch *m, int ri, int ni, int si)
{
    tstate *t = x->t;
    if (t->n_refs >= x->raw_refs_max) {
        x->out->truncated = 1;
        return;
    }
    if (grow((void **)&t->refs, &t->cap_refs, t->n_refs + 1, sizeof(xref)) < 0) {
        x->out->truncated = 1;
        return;
    }
    xref *r = &t->refs[t->n_refs++];
    TSNode n = m->captures[ri].node;
    memset(r, 0, sizeof(*r));
    node_range(n, &r->start, &r->end);
    r->sp = ts_node_start_point(n);
    r->ep = ts_node_end_point(n);
    r->kind = x->cq->roles[m->captures[ri].index].kind;
    node_range(ni >= 0 ? m->captures[ni].node : n, &r->name_s, &r->name_e);
    if (si >= 0) {
        r->has_scope = 1;
        node_range(m->captures[si].node, &r->scope_s, &r->scope_e);
    }
}

static void on_match(ectx *x, const TSQueryMatch *m)
{
    int di = -1, ri = -1, ni = -1, si = -1;
    for (uint16_t i = 0; i < m->capture_count; i++) {
        switch (x->cq->roles[m->captures[i].index].role) {
        case ROLE_DEF: di = di < 0 ? i : di; break;
        case ROLE_REF: ri = ri < 0 ? i : ri; break;
        case ROLE_NAME: ni = ni < 0 ? i : ni; break;
        case ROLE_SCOPE: si = si < 0 ? i : si; break;
        default: break;
        }
    }
    if (di >= 0 && ni >= 0) add_def(x, m, di, ni, si);
    if (ri >= 0) add_ref(x, m, ri, ni, si);
}

/* Run the query over the tree, collecting raw definitions and references. */
static void collect(ectx *x, TSNode root)
{
    tstate *t = x->t;
    TSQueryMatch m;
    budget b = {x->deadline_ns, 0};
    TSQueryCursorOptions qo = {.payload = &b, .progress_callback = query_progress};

    t->n_defs = t->n_refs = 0;
    ts_query_cursor_set_match_limit(t->cursor, CG_EXTRACT_MATCH_LIMIT);
    ts_query_cursor_exec_with_options(t->cursor, x->cq->q, root, &qo);
    while (ts_query_cursor_next_match(t->cursor, &m)) {
        if (!preds_ok(x, &m)) continue;
        on_match(x, &m);
        if (t->n_defs >= x->raw_defs_max && t->n_refs >= x->raw_refs_max) break;
    }
    if (b.expired || ts_query_cursor_did_exceed_match_limit(t->cursor)) x->out->truncated = 1;
}

/* ---------------------------------------------------------------- strings ---- */

/* Cut n so that s[0, n) does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max) return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

/* Append s[0, n) + NUL to the strings; its offset (0 for the empty string). */
static uint32_t str_add(cg_extract *out, const char *s, size_t n)
{
    if (n == 0) return 0;
    uint32_t off = (uint32_t)out->strings.len;
    cg_buf_append(&out->strings, s, n);
    cg_buf_putc(&out->strings, 0);
    return off;
}

/* s[0, n) with white-space runs collapsed to one space and trimmed, cut at max. */
static uint32_t str_add_collapsed(ectx *x, const char *s, size_t n, size_t max)
{
    /* The output stops one byte past max: enough to cut at a character boundary. */
    if (scratch_reserve(x->t, CG_MIN(n, max + 2) + 1) < 0) return 0;
    char *o = x->t->scratch;
    size_t k = 0;
    int sp = 0;
    for (size_t i = 0; i < n && k <= max; i++) {
        char c = s[i];
        if (is_space(c) || c == '\n') {
            sp = k > 0;
            continue;
        }
        if (sp) o[k++] = ' ';
        sp = 0;
        o[k++] = c;
    }
    return str_add(x->out, o, utf8_cut(o, k, max));
}

/* s[0, n) without any white space, cut at max. */
static uint32_t str_add_squeezed(ectx *x, const char *s, size_t n, size_t max)
{
    if (scratch_reserve(x->t, CG_MIN(n, max + 1) + 1) < 0) return 0;
    char *o = x->t->scratch;
    size_t k = 0;
    for (size_t i = 0; i < n && k <= max; i++)
        if (!is_space(s[i]) && s[i] != '\n') o[k++] = s[i];
    return str_add(x->out, o, utf8_cut(o, k, max));
}

/* The end of the line starting at i in s[0, n). */
static size_t line_end(const char *s, size_t i, size_t n)
{
    const char *e = memchr(s + i, '\n', n - i);
    return e ? (size_t)(e - s) : n;
}

static int starts(const char *s, size_t a, size_t b, const char *lit)
{
    size_t n = strlen(lit);
    return b - a >= n && memcmp(s + a, lit, n) == 0;
}

/* Comment markers stripped from each line of s[0, n) into o (n + 1 bytes); its length. */
static size_t strip_comment(const char *s, size_t n, char *o)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t e = line_end(s, i, n), a = i, b = e;
        while (a < b && is_space(s[a])) a++;
        while (b > a && is_space(s[b - 1])) b--;
        if (starts(s, a, b, "///") || starts(s, a, b, "//!") || starts(s, a, b, "/**") ||
            starts(s, a, b, "/*!"))
            a += 3;
        else if (starts(s, a, b, "//") || starts(s, a, b, "/*"))
            a += 2;
        else if (a < b && s[a] == '#')
            while (a < b && s[a] == '#') a++;
        else if (a < b && s[a] == '*' && !starts(s, a, b, "*/"))
            a++;
        if (b - a >= 2 && s[b - 2] == '*' && s[b - 1] == '/') {
            b -= 2;
            while (b > a && s[b - 1] == '*') b--;
        }
        memcpy(o + k, s + a, b - a);
        k += b - a;
        o[k++] = '\n';
        i = e + 1;
    }
    return k;
}

/*
 * Dedent s[0, n) into o by the common indentation of its non-blank lines (the first
 * line is only left-trimmed and not counted when `first_apart`: PEP 257), right-trim
 * lines, drop leading and trailing blank lines. Returns the length.
 */
static size_t doc_finish(const char *s, size_t n, int first_apart, char *o)
{
    size_t indent = (size_t)-1, k = 0, keep = 0;
    int line = 0;
    for (size_t i = 0; i < n; line++) {
        size_t e = line_end(s, i, n), a = i;
        while (a < e && is_space(s[a])) a++;
        if (a < e && !(first_apart && line == 0)) indent = CG_MIN(indent, a - i);
        i = e + 1;
    }
    if (indent == (size_t)-1) indent = 0;
    line = 0;
    for (size_t i = 0; i < n; line++) {
        size_t e = line_end(s, i, n), a = i, b = e;
        if (first_apart && line == 0)
            while (a < b && is_space(s[a])) a++;
        else
            a = i + CG_MIN(indent, e - i);
        while (b > a && is_space(s[b - 1])) b--;
        if (k > 0 || b > a) {
            memcpy(o + k, s + a, b - a);
            k += b - a;
            if (b > a) keep = k;
            o[k++] = '\n';
        }
        i = e + 1;
    }
    return keep;
}

/* When s[0, n) is a string literal (a docstring): 1 and its contents' range. */
static int docstring_inner(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = 0;
    while (i < n && i < 2 && s[i] && strchr("rRuUbBfF", s[i])) i++;
    if (i >= n || (s[i] != '"' && s[i] != '\'')) return 0;
    char q = s[i];
    size_t ql = (n - i >= 6 && s[i + 1] == q && s[i + 2] == q) ? 3 : 1;
    *a = i + ql;
    *b = n;
    if (n >= *a + ql) {
        int closed = 1;
        for (size_t j = 0; j < ql; j++) closed &= s[n - 1 - j] == q;
        if (closed) *b = n - ql;
    }
    return 1;
}

/* The cleaned doc text of src[a, b), cut at max; its string offset. */
static uint32_t doc_add(ectx *x, uint32_t a, uint32_t b, size_t max)
{
    const char *s = x->src + a;
    size_t n = CG_MIN((size_t)(b - a), CG_EXTRACT_DOC_SCAN(max)), ia, ib, k;
    if (max == 0 || n == 0 || scratch_reserve(x->t, 2 * n + 2) < 0) return 0;
    char *mid = x->t->scratch, *o = x->t->scratch + n + 1;
    if (docstring_inner(s, n, &ia, &ib)) {
        k = doc_finish(s + ia, ib - ia, 1, o);
    } else {
        size_t m = strip_comment(s, n, mid);
        k = doc_finish(mid, m, 0, o);
    }
    return str_add(x->out, o, utf8_cut(o, k, max));
}

/*
 * A scope as a dotted path into o (CG_EXTRACT_NAME_MAX + 1 bytes): white space, '*'
 * and '&' dropped, "::" and '\' read as '.', cut at the first '<', '[' or '('.
 */
static size_t scope_norm(const char *src, uint32_t a, uint32_t b, char *o)
{
    size_t k = 0;
    for (uint32_t i = a; i < b && k < CG_EXTRACT_NAME_MAX; i++) {
        char c = src[i];
        if (c == '<' || c == '[' || c == '(') break;
        if (is_space(c) || c == '\n' || c == '*' || c == '&') continue;
        if (c == ':' && i + 1 < b && src[i + 1] == ':') {
            i++;
            c = '.';
        }
        if (c == '\\') c = '.';
        o[k++] = c;
    }
    while (k > 0 && o[k - 1] == '.') k--;
    return k;
}

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* ---------------------------------------------------------------- entities ---- */

enum { FLAG_PURE = 1, FLAG_SCOPE_OPEN = 2 };

#define CMP(a, b)                                                                                  \
    do {                                                                                           \
        if ((a) != (b)) return (a) < (b) ? -1 : 1;                                                 \
    } while (0)

static int def_cmp(const void *pa, const void *pb)
{
    const xdef *a = pa, *b = pb;
    CMP(a->start, b->start);
    CMP(b->end, a->end);
    CMP(a->name_s, b->name_s);
    CMP(a->name_e, b->name_e);
    CMP(a->pattern, b->pattern);
    return 0;
}

/* Merge raw definitions with the same node range and name (sorted); the distinct count. */
static size_t defs_merge(tstate *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_defs; i++) {
        const xdef *d = &t->defs[i];
        xdef *k = n ? &t->defs[n - 1] : NULL;
        if (k && k->start == d->start && k->end == d->end && k->name_s == d->name_s &&
            k->name_e == d->name_e) {
            if (d->doc_e - d->doc_s > k->doc_e - k->doc_s) {
                k->doc_s = d->doc_s;
                k->doc_e = d->doc_e;
            }
            if (!k->has_scope && d->has_scope) {
                k->has_scope = 1;
                k->scope_s = d->scope_s;
                k->scope_e = d->scope_e;
            }
            continue;
        }
        if (n != i) t->defs[n] = *d;
        n++;
    }
    return n;
}

/* Nesting parents (innermost enclosing range; equal ranges are siblings) and purity. */
static void nest_parents(tstate *t, size_t n)
{
    size_t sp = 0;
    for (size_t i = 0; i < n; i++) {
        const xdef *d = &t->defs[i];
        while (sp > 0) {
            const xdef *p = &t->defs[t->stack[sp - 1]];
            if (d->end <= p->end && !(d->start == p->start && d->end == p->end)) break;
            sp--;
        }
        int32_t up = sp ? t->stack[sp - 1] : -1;
        t->nest[i] = up;
        t->flags[i] = !d->has_scope && (up < 0 || (t->flags[up] & FLAG_PURE)) ? FLAG_PURE : 0;
        t->stack[sp++] = (int32_t)i;
    }
}

static int span_set(cg_span *s, uint32_t a, uint32_t b, TSPoint sp, TSPoint ep)
{
    s->start_byte = a;
    s->end_byte = b;
    s->start_line = sp.row + 1;
    s->start_col = sp.column;
    s->end_line = ep.row + 1;
    s->end_col = ep.column;
    return 0;
}

static int is_classlike(cg_entity_kind k)
{
    return k == CG_KIND_CLASS || k == CG_KIND_STRUCT || k == CG_KIND_INTERFACE ||
           k == CG_KIND_TRAIT || k == CG_KIND_ENUM;
}

static int ix_cmp(const void *pa, const void *pb)
{
    const name_ix *a = pa, *b = pb;
    CMP(a->h, b->h);
    CMP(a->e, b->e);
    return 0;
}

/* Index the entities a @scope may name: pure, and not functions or constants. */
static void scope_index(ectx *x, size_t n)
{
    tstate *t = x->t;
    t->n_ix = 0;
    for (size_t i = 0; i < n; i++) {
        const cg_xentity *e = &x->out->entities[i];
        if (!(t->flags[i] & FLAG_PURE) || e->kind == CG_KIND_FUNCTION ||
            e->kind == CG_KIND_METHOD || e->kind == CG_KIND_CONSTANT)
            continue;
        const char *s = cg_extract_str(x->out, e->name);
        t->ix[t->n_ix++] = (name_ix){name_hash(s, strlen(s)), (int32_t)i};
    }
    if (t->n_ix) qsort(t->ix, t->n_ix, sizeof(name_ix), ix_cmp);
}

/* The entity a scope src[a, b) names (preferring one nested in `near`), or -1. */
static int32_t scope_lookup(ectx *x, uint32_t a, uint32_t b, int32_t near)
{
    char path[CG_EXTRACT_NAME_MAX + 1];
    tstate *t = x->t;
    size_t n = scope_norm(x->src, a, b, path);
    const char *dot = memrchr(path, '.', n), *seg = dot ? dot + 1 : path;
    size_t sn = n - (size_t)(seg - path);
    if (sn == 0) return -1;
    uint64_t h = name_hash(seg, sn);
    size_t lo = 0, hi = t->n_ix;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->ix[mid].h < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    int32_t found = -1;
    for (size_t i = lo; i < t->n_ix && t->ix[i].h == h; i++) {
        int32_t e = t->ix[i].e;
        const char *s = cg_extract_str(x->out, x->out->entities[e].name);
        if (strlen(s) != sn || memcmp(s, seg, sn) != 0) continue;
        if (found < 0 || t->nest[e] == near) found = e;
        if (t->nest[e] == near) break;
    }
    return found;
}

/* The qualified name of entity i, whose parent's (if any) is already known. */
static void qualify_one(ectx *x, int32_t i)
{
    cg_extract *out = x->out;
    cg_xentity *e = &out->entities[i];
    const xdef *d = &x->t->defs[i];
    int open = x->t->flags[i] & FLAG_SCOPE_OPEN;
    if (e->parent < 0 && !open) {
        e->qualified_name = e->name;
        return;
    }
    char *o = x->t->scratch; /* reserved by build_entities */
    size_t k = 0;
    if (e->parent >= 0) {
        const char *p = cg_extract_str(out, out->entities[e->parent].qualified_name);
        k = strlen(p);
        memcpy(o, p, k);
        o[k++] = '.';
    }
    if (open) {
        k += scope_norm(x->src, d->scope_s, d->scope_e, o + k);
        o[k++] = '.';
    }
    const char *nm = cg_extract_str(out, e->name);
    size_t nl = strlen(nm);
    memcpy(o + k, nm, nl);
    k += nl;
    e->qualified_name = str_add(out, o, utf8_cut(o, k, CG_EXTRACT_QNAME_MAX));
}

/* Qualified names along parent chains (acyclic, see DESIGN), parents first. */
static int qualify(ectx *x, size_t n)
{
    tstate *t = x->t;
    cg_xentity *ents = x->out->entities;
    if (scratch_reserve(t, CG_EXTRACT_QNAME_MAX + 2 * CG_EXTRACT_NAME_MAX + 4) < 0)
        return CG_ENOMEM;
    for (size_t i = 0; i < n; i++) ents[i].qualified_name = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t sp = 0;
        int32_t e = (int32_t)i;
        while (e >= 0 && ents[e].qualified_name == UINT32_MAX && sp < n) {
            t->stack[sp++] = e;
            e = ents[e].parent;
        }
        CG_ASSERT(e < 0 || ents[e].qualified_name != UINT32_MAX);
        while (sp > 0) qualify_one(x, t->stack[--sp]);
    }
    return 0;
}

/* Entity i from its raw definition: kind, span, name, signature, doc, nesting parent. */
static void entity_fill(ectx *x, size_t i)
{
    const xdef *d = &x->t->defs[i];
    cg_xentity *e = &x->out->entities[i];
    const char *src = x->src;
    e->kind = (cg_entity_kind)d->kind;
    span_set(&e->span, d->start, d->end, d->sp, d->ep);
    e->name = str_add_collapsed(x, src + d->name_s, d->name_e - d->name_s, CG_EXTRACT_NAME_MAX);
    e->signature = 0;
    uint32_t se = d->sig_end;
    while (se > d->start && (src[se - 1] == ';' || is_space(src[se - 1]) || src[se - 1] == '\n'))
        se--;
    if (x->lim->max_signature_bytes && se > d->start)
        e->signature =
            str_add_collapsed(x, src + d->start, se - d->start, x->lim->max_signature_bytes);
    e->doc = d->doc_e > d->doc_s ? doc_add(x, d->doc_s, d->doc_e, x->lim->max_doc_bytes) : 0;
    e->parent = x->t->nest[i];
}

/* Scope parents, then method kinds. */
static void scope_parents(ectx *x, size_t n)
{
    tstate *t = x->t;
    cg_xentity *ents = x->out->entities;
    scope_index(x, n);
    for (size_t i = 0; i < n; i++) {
        const xdef *d = &t->defs[i];
        if (!d->has_scope) continue;
        int32_t p = scope_lookup(x, d->scope_s, d->scope_e, t->nest[i]);
        if (p >= 0 && p != (int32_t)i)
            ents[i].parent = p;
        else
            t->flags[i] |= FLAG_SCOPE_OPEN;
    }
    for (size_t i = 0; i < n; i++) {
        if (ents[i].kind != CG_KIND_FUNCTION) continue;
        int32_t p = ents[i].parent;
        if (t->defs[i].has_scope || (p >= 0 && is_classlike(ents[p].kind)))
            ents[i].kind = CG_KIND_METHOD;
    }
}

static int build_entities(ectx *x)
{
    tstate *t = x->t;
    cg_extract *out = x->out;
    if (t->n_defs) qsort(t->defs, t->n_defs, sizeof(xdef), def_cmp);
    size_t n = defs_merge(t);
    size_t max = x->lim->max_entities > 0 ? (size_t)x->lim->max_entities : 0;
    if (n > max) {
        n = max;
        out->truncated = 1;
    }
    size_t cap = (size_t)out->cap_entities, c2 = t->cap_ent;
    if (grow((void **)&out->entities, &cap, n, sizeof(cg_xentity)) < 0) return CG_ENOMEM;
    out->cap_entities = (int)cap;
    if (grow((void **)&t->nest, &c2, n, sizeof(int32_t)) < 0) return CG_ENOMEM;
    c2 = t->cap_ent;
    if (grow((void **)&t->stack, &c2, n, sizeof(int32_t)) < 0) return CG_ENOMEM;
    c2 = t->cap_ent;
    if (grow((void **)&t->flags, &c2, n, 1) < 0) return CG_ENOMEM;
    c2 = t->cap_ent;
    if (grow((void **)&t->ix, &c2, n, sizeof(name_ix)) < 0) return CG_ENOMEM;
    t->cap_ent = c2;
    nest_parents(t, n);
    for (size_t i = 0; i < n; i++) entity_fill(x, i);
    out->n_entities = (int)n;
    scope_parents(x, n);
    return qualify(x, n);
}

/* -------------------------------------------------------------- references ---- */

static int ref_cmp(const void *pa, const void *pb)
{
    const xref *a = pa, *b = pb;
    CMP(a->start, b->start);
    CMP(b->end, a->end);
    CMP(a->kind, b->kind);
    CMP(a->name_s, b->name_s);
    CMP(a->name_e, b->name_e);
    CMP(b->has_scope, a->has_scope);
    return 0;
}

static size_t refs_merge(tstate *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_refs; i++) {
        const xref *r = &t->refs[i];
        const xref *k = n ? &t->refs[n - 1] : NULL;
        if (k && k->start == r->start && k->end == r->end && k->kind == r->kind &&
            k->name_s == r->name_s && k->name_e == r->name_e)
            continue;
        if (n != i) t->refs[n] = *r;
        n++;
    }
    return n;
}

/* The innermost entity whose range contains [a, b), or -1. */
static int32_t enclosing(ectx *x, uint32_t a, uint32_t b)
{
    const cg_xentity *ents = x->out->entities;
    size_t lo = 0, hi = (size_t)x->out->n_entities;
    while (lo < hi) { /* first entity starting after a */
        size_t mid = (lo + hi) / 2;
        if (ents[mid].span.start_byte <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    int32_t e = (int32_t)lo - 1;
    while (e >= 0 && ents[e].span.end_byte < b) e = x->t->nest[e];
    return e;
}

static int build_refs(ectx *x)
{
    tstate *t = x->t;
    cg_extract *out = x->out;
    if (t->n_refs) qsort(t->refs, t->n_refs, sizeof(xref), ref_cmp);
    size_t n = refs_merge(t);
    size_t max = x->lim->max_refs > 0 ? (size_t)x->lim->max_refs : 0;
    if (n > max) {
        n = max;
        out->truncated = 1;
    }
    size_t cap = (size_t)out->cap_refs;
    if (grow((void **)&out->refs, &cap, n, sizeof(cg_xref)) < 0) return CG_ENOMEM;
    out->cap_refs = (int)cap;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        const xref *r = &t->refs[i];
        cg_xref *o = &out->refs[k];
        o->name =
            str_add_squeezed(x, x->src + r->name_s, r->name_e - r->name_s, CG_EXTRACT_NAME_MAX);
        if (o->name == 0) continue; /* nothing left of the name */
        o->kind = (cg_ref_kind)r->kind;
        span_set(&o->span, r->start, r->end, r->sp, r->ep);
        o->from = enclosing(x, r->start, r->end);
        if (r->has_scope) {
            int32_t s = scope_lookup(x, r->scope_s, r->scope_e, o->from);
            if (s >= 0) o->from = s;
        }
        k++;
    }
    out->n_refs = k;
    return 0;
}

/* -------------------------------------------------------------- public API ---- */

void cg_extract_limits_default(cg_extract_limits *l)
{
    l->parse_timeout_us = CG_EXTRACT_TIMEOUT_US_DEFAULT;
    l->max_entities = CG_EXTRACT_ENTITIES_DEFAULT;
    l->max_refs = CG_EXTRACT_REFS_DEFAULT;
    l->max_doc_bytes = CG_EXTRACT_DOC_BYTES_DEFAULT;
    l->max_signature_bytes = CG_EXTRACT_SIG_BYTES_DEFAULT;
}

void cg_extract_init(cg_extract *x)
{
    memset(x, 0, sizeof(*x));
    cg_buf_init(&x->strings);
}

void cg_extract_release(cg_extract *x)
{
    free(x->entities);
    free(x->refs);
    cg_buf_release(&x->strings);
    cg_extract_init(x);
}

static void extract_reset(cg_extract *out)
{
    out->n_entities = out->n_refs = 0;
    out->error_nodes = 0;
    out->truncated = out->timed_out = 0;
    cg_buf_reset(&out->strings);
    cg_buf_putc(&out->strings, 0); /* offset 0 is "" */
}

int cg_extract_file(const cg_lang *lang, const char *src, size_t len, const cg_extract_limits *lim,
                    cg_extract *out)
{
    cg_extract_limits def;
    int rc;
    extract_reset(out);
    if (!lim) {
        cg_extract_limits_default(&def);
        lim = &def;
    }
    if (!lang) return CG_ELANG;
    if (len >= UINT32_MAX) return CG_EPARSE; /* tree-sitter offsets are 32-bit */
    const cquery *cq = query_get(lang);
    if (!cq) return CG_ELANG;
    tstate *t = tstate_get();
    if (!t) return CG_ENOMEM;
    ectx x = {
        .cq = cq, .src = src ? src : "", .len = (uint32_t)len, .lim = lim, .out = out, .t = t};
    size_t me = lim->max_entities > 0 ? (size_t)lim->max_entities : 0;
    size_t mr = lim->max_refs > 0 ? (size_t)lim->max_refs : 0;
    x.raw_defs_max = 2 * me + CG_EXTRACT_RAW_SLACK;
    x.raw_refs_max = 2 * mr + CG_EXTRACT_RAW_SLACK;
    x.deadline_ns = deadline_after(lim->parse_timeout_us);
    TSTree *tree = parse(&x, lang);
    if (!tree) return CG_EPARSE;
    TSNode root = ts_tree_root_node(tree);
    out->error_nodes = count_errors(root);
    collect(&x, root);
    rc = build_entities(&x);
    if (rc == 0) rc = build_refs(&x);
    ts_tree_delete(tree);
    if (t->cap_scratch > CG_EXTRACT_SCRATCH_KEEP) { /* do not pin a huge file's scratch */
        free(t->scratch);
        t->scratch = NULL;
        t->cap_scratch = 0;
    }
    if (rc == 0 && !cg_buf_ok(&out->strings)) rc = CG_ENOMEM;
    if (rc < 0) {
        out->n_entities = out->n_refs = 0;
        return rc;
    }
    return 0;
}
