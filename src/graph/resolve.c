/*
 * resolve.c — name resolution: turning a file's references (names as written) into edges,
 * each tagged with how it was found, or into unresolved entries. Also the project passes
 * (pending names → dirty files → re-resolution).
 *
 * DESIGN — the rules, tried in order for a reference R written as "q1.q2.S" (separators
 * . :: -> / \ #, bracketed groups such as call arguments or generics dropped) from entity F
 * of file X. S is the simple name; Q = q1.q2 the qualifier; a leading self/this/cls/Self/
 * static is a *receiver* (member of the enclosing class), super/parent/base a *super
 * receiver*. A target must have the exact name S (case-sensitive) and a kind that fits R:
 * calls → function, method, class, struct; inherits → class, struct, interface, trait;
 * implements → interface, trait, class, module (a Ruby mixin); type references → any
 * definition; imports → any.
 *   1. exact (same scope, same file): without Q, the first scope from F outwards (F, its
 *      parent, …, the file) that directly contains an S; with a receiver only the enclosing
 *      class; failing that, any non-method S defined in X. With Q, an S in X whose
 *      qualified name is, or ends with, "Q.S", or whose parent is named like Q's last part.
 *      A receiver (self, super, or none: m() inside a class is an implicit this) that the
 *      scopes do not satisfy looks through the enclosing class's bases defined in X (its
 *      inherit/implement references, up to GR_BASE_DEPTH levels); super never takes the
 *      class's own member. A type reference prefers a type (a function or method, e.g. a
 *      constructor named like its class, only when no type fits); a call prefers anything
 *      over a constructor (the class stands for it).
 *   2. import: candidates are the S defined in other files of the project (name index). An
 *      import I of X (segments, extension and ./ ../ crate:: dropped) reaches candidate C
 *      when I names C's module — I's segments and C's path (without extension), or C's
 *      directory, agree on their common trailing segments — or I names C itself (I = M.S,
 *      or M.T with T a container of C, i.e. a segment of its qualified name, and M names
 *      C's module). With Q, its last part must be I's last segment (module import), or Q's
 *      first part I's last (symbol), or I names C's module and Q's first part is a
 *      container of C (`from M import T` … T.S). A plain name m() reaches a method only
 *      through an import of its class, not of its module (importing a module says nothing
 *      about the type of the object m is called on). The best reachable candidate wins
 *      (score below, then the shallower qualified name: M.f over M.C.f); a tie between
 *      different qualified names goes on to rule 3, other ties to the smallest path, then
 *      the smallest local id.
 *   3. name: the best candidate by score among the S of the whole project (those of X that
 *      rule 1 passed over included; never a constructor): +8 qualified name ends with
 *      "Q.S", else +4 C's parent or file is named like Q's last part (with Q and neither, C
 *      is out); +4 for a receiver or a plain name inside a class when C's parent is named
 *      like a base of that class; +2 same language; +2 a method for a receiver; +1 a type
 *      (not a module) for a type reference; +1 same directory. Ties go to the longest
 *      common directory prefix; a tie left is *ambiguous*. With Q and no candidate left,
 *      a single same-language method project-wide is still taken (obj.m() with obj
 *      untyped; only when Q looks like a variable: lower case or _, not a type, module or
 *      literal).
 * An import reference resolves to the entity M.S (symbol import) or the file node of the
 * module it names (its stem is in the name index), by rule 2's path matching only; one
 * naming a directory (a Go package) resolves to the file of that directory named like it
 * (the smallest path on a tie); an #include "x.h" prefers x.h to x.c.
 * Anything else is kept in the unresolved family with its reason (not found / ambiguous,
 * with the candidate count), keyed by its simple name so a later definition of S finds it.
 *
 * Limits (by design): no types or data flow (obj.m() resolves only through the name of m
 * and Q's spelling), no aliases (import x as y), no overload selection (the first by id),
 * inherited members only through in-file bases and rule 3, at most GR_CANDIDATES_MAX
 * candidates per name (name-index order) and GR_IMPORTS_MAX imports per file. Every
 * choice depends only on content (names, paths, local ids), never on the order files were
 * indexed in, so a fresh index and an incremental one of the same tree give the same
 * graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

/* Candidates read from the name index per reference (the rest are ignored). */
#define GR_CANDIDATES_MAX 256
/* Imports of one file considered by rule 2. */
#define GR_IMPORTS_MAX 256
#define GR_IMPORT_WORDS ((GR_IMPORTS_MAX + 63) / 64) /* a bit per import */
/* Bases of one class considered for a self/super receiver, and how many levels up the
 * in-file class hierarchy rule 1 looks for a receiver's member. */
#define GR_BASES_MAX 8
#define GR_BASE_DEPTH 4
/* Dirty-mark writes buffered before a batch is written (resolve_pending). */
#define GR_MARK_BATCH 4096
/* Bytes of a parent name or a file stem that take part in comparisons: the rules once
 * compared copies cut to 255 bytes, and the graph must not change with the way they are
 * computed now (spans in place). */
#define GR_PART_CMP_MAX 255

/* A candidate file (by uid) and what rule 2 derives from its path, made on first use and
 * kept while one file is resolved: its segments and, per import of the file, whether the
 * import (or the import without its last segment) names the candidate's module. */
typedef struct gr_cpath {
    const char *path;
    struct gr_xpath *xp; /* the resolver's entry of the file (shares fs), or NULL */
    gr_segs *fs;         /* gr_segs_path(path), NULL until needed */
    uint8_t *names;      /* [n_imports] GR_NAMES_* bits, NULL until needed */
    /* gr_cand_imports: [lo, hi) in imp_by_last ([0]) and imp_by_pkg ([1]) of the imports
     * keyed like the stem ([.][0]) or the directory ([.][1]); set once ranges_done */
    int lo[2][2], hi[2][2], ranges_done;
} gr_cpath;

/* gr_cpath.names bits: "known" says the "yes" bit next to it was computed. */
enum { GR_NAMES_MOD_KNOWN = 1, GR_NAMES_MOD = 2, GR_NAMES_PKG_KNOWN = 4, GR_NAMES_PKG = 8 };

/* A candidate target. The fields after `reach` depend on the candidate and the file being
 * resolved, never on the reference: they are computed once when the candidate is loaded
 * and serve every reference of the same name (gr_load_cands memoises by name). */
typedef struct gr_cand {
    uint64_t id;
    int kind, lang;
    const char *qname, *path;
    int score, prefix, reach;
    int pix;          /* index into gr_rctx.paths */
    const char *par;  /* the parent's simple name in qname ("a.B.run": "B"), a span */
    size_t par_len;   /* … of at most GR_PART_CMP_MAX bytes */
    const char *stem; /* the file's stem in path, a span of at most GR_PART_CMP_MAX */
    size_t stem_len, qlen;
    int same_dir, depth; /* in the directory of the file resolved; dots in qname */
    /* rule 2's reference-independent part, per import m of the file (gr_cand_imports):
     * mod: m names c's module; pkg: m is M.T with T c itself or one of its containers
     * and M naming c's module */
    int imp_done;
    uint64_t mod[GR_IMPORT_WORDS], pkg[GR_IMPORT_WORDS];
} gr_cand;

/* ---- a resolver's cross-file caches ----
 *
 * DESIGN — a resolver (cg_graph_resolver, passes.c) resolves files of one project while no
 * put or delete of that project runs (graph.h: write phases never overlap within a
 * project), and resolving writes no names and no file uids. So the name index and the file
 * paths every file of the phase reads are the same, and gr_xcache keeps them across files:
 *   names: a simple name (by its 64-bit hash; a different name under the same hash is
 *          simply read from the store) → every name-index entry spelled exactly so, in key
 *          order: id, kind, language, qualified name. A name with more than
 *          GR_XCACHE_NAME_ENTRIES entries is kept as "too long" and read from the store.
 *          Filtering the entries as gr_load_cands filters the store's (own file, kind,
 *          files only, at most GR_CANDIDATES_MAX) gives the same candidates.
 *   paths: a file uid → its path and (made on first use) its segments.
 * Invariants: everything lives in one arena, so pointers stay valid until it is emptied;
 * it is emptied only between two files (gr_xcache_trim), when it holds more than
 * GR_XCACHE_BYTES. Without a resolver (a put's own resolution, cg_graph_resolve_file)
 * gr_fctx.xc is NULL and every read goes to the store.
 */
/* Bytes (entries, strings, segments) a resolver's caches hold before being emptied. */
#define GR_XCACHE_BYTES ((size_t)32 << 20)
/* Name-index entries of one name kept; a longer list is read from the store each time. */
#define GR_XCACHE_NAME_ENTRIES 1024

typedef struct gr_xent {
    uint64_t id;
    int kind, lang;
    const char *qname;
} gr_xent;

typedef struct gr_xname {
    const char *name;
    int n; /* entries, -1: more than GR_XCACHE_NAME_ENTRIES (not kept) */
    gr_xent *e;
} gr_xname;

typedef struct gr_xpath {
    const char *path;
    gr_segs *fs; /* NULL until needed */
} gr_xpath;

struct gr_xcache {
    gr_arena arena;
    size_t bytes;
    gr_idmap names; /* hash of the name (0 → 1) → gr_xname * */
    gr_idmap paths; /* file uid → gr_xpath * */
};

struct gr_xcache *gr_xcache_create(void)
{
    struct gr_xcache *x = calloc(1, sizeof(*x));
    if (!x) return NULL;
    gr_idmap_init(&x->names);
    gr_idmap_init(&x->paths);
    return x;
}

void gr_xcache_destroy(struct gr_xcache *x)
{
    if (!x) return;
    gr_arena_free(&x->arena);
    gr_idmap_release(&x->names);
    gr_idmap_release(&x->paths);
    free(x);
}

/* Empty the caches when they hold too much (only between files: see DESIGN). */
static void gr_xcache_trim(struct gr_xcache *x)
{
    if (!x || x->bytes <= GR_XCACHE_BYTES) return;
    gr_arena_free(&x->arena);
    gr_idmap_release(&x->names);
    gr_idmap_release(&x->paths);
    gr_idmap_init(&x->names);
    gr_idmap_init(&x->paths);
    x->bytes = 0;
}

static void *gr_xalloc(struct gr_xcache *x, size_t n)
{
    x->bytes += n;
    return gr_arena_alloc(&x->arena, n);
}

static char *gr_xstrdup(struct gr_xcache *x, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = gr_xalloc(x, n);
    if (c) memcpy(c, s, n);
    return c;
}

static uint64_t gr_xname_key(const char *s)
{
    uint64_t h = cg_graph_hash(s, strlen(s));
    return h ? h : 1;
}

/* Resolution state for one file. */
typedef struct gr_rctx {
    gr_fctx *c;
    int *by_name;      /* indices of c->ents sorted by (name, id) */
    gr_idmap local_ix; /* local id → index + 1 */
    gr_segs *imports;
    int n_imports;
    /* import indices by their last segment (all) and by the one before it (imports of two
     * or more segments: n_by_pkg): rule 2 only looks at imports whose module part can name
     * a candidate's file, i.e. ends with its stem or its directory's name */
    int *imp_by_last, *imp_by_pkg;
    int n_by_pkg;
    gr_idmap path_ix; /* file uid → index + 1 into paths */
    gr_cpath *paths;
    int n_paths, cap_paths;
    gr_arena arena;
    cg_store_iter *names; /* latest, unbounded, reused with seeks */
    cg_buf val, cstr;
    gr_cand *cands;                      /* [GR_CANDIDATES_MAX] (heap: ~50 KB) */
    int n_cands, more_cands, seen_cands; /* seen: candidates of the current reference */
    char memo_s[GR_SEG_BYTES];           /* what cands holds: (memo_s, memo_kind, …) */
    int memo_kind, memo_files, memo_ok;
    char dir[CG_GRAPH_PATH_MAX + 1];
    size_t dir_len;
    /* the current reference's "Q.S" (qualified references, rule 3), joined once */
    char qs[GR_SEG_BYTES];
    size_t qs_len;
    /* the current reference's receiver class (self/super/implicit): name and bases */
    const char *cls_name;
    const char *bases[GR_BASES_MAX];
    int n_bases;
    int ref_kind;          /* the kind of the reference being resolved */
    int qualified_calls;   /* the file's language names calls with their qualifier */
    int oom;               /* an allocation for a cached path failed: the file fails */
    uint32_t *inh;         /* indices of the file's inherit / implement references */
    const char **inh_name; /* … and their simple names (in the arena) */
    uint32_t n_inh;
} gr_rctx;

static int gr_by_name_cmp(const void *a, const void *b, void *ctx)
{
    const gr_fent *ents = ctx;
    const gr_fent *x = &ents[*(const int *)a];
    const gr_fent *y = &ents[*(const int *)b];
    int d = strcmp(x->name, y->name);
    return d ? d : (x->id > y->id) - (x->id < y->id);
}

/* The length of path's directory part ("a/b/c.py": 3), cut to cap - 1. */
static size_t gr_dirname_len(const char *path, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    return CG_MIN(n, cap - 1);
}

/* The segment import m is ordered by: its last (pkg 0) or the one before (pkg 1). */
static const char *gr_imp_key(const gr_segs *imports, int m, int pkg)
{
    return imports[m].s[imports[m].n - 1 - pkg];
}

typedef struct gr_impord {
    const gr_segs *imports;
    int pkg;
} gr_impord;

static int gr_imp_cmp(const void *a, const void *b, void *ctx)
{
    const gr_impord *o = ctx;
    int x = *(const int *)a, y = *(const int *)b;
    int d = strcmp(gr_imp_key(o->imports, x, o->pkg), gr_imp_key(o->imports, y, o->pkg));
    return d ? d : x - y;
}

static int gr_rctx_imports(gr_rctx *r)
{
    gr_fctx *c = r->c;
    gr_impord o0 = {.pkg = 0}, o1 = {.pkg = 1};

    r->imports = calloc(GR_IMPORTS_MAX, sizeof(*r->imports));
    r->imp_by_last = calloc(GR_IMPORTS_MAX, sizeof(int));
    r->imp_by_pkg = calloc(GR_IMPORTS_MAX, sizeof(int));
    if (!r->imports || !r->imp_by_last || !r->imp_by_pkg) return CG_ENOMEM;
    for (uint32_t i = 0; i < c->n_refs && r->n_imports < GR_IMPORTS_MAX; i++) {
        if (c->refs[i].kind != CG_REF_IMPORT) continue;
        gr_segs_split(&r->imports[r->n_imports], c->refs[i].name, 1);
        if (r->imports[r->n_imports].n == 0) continue;
        if (r->imports[r->n_imports].n > 1) r->imp_by_pkg[r->n_by_pkg++] = r->n_imports;
        r->imp_by_last[r->n_imports] = r->n_imports;
        r->n_imports++;
    }
    o0.imports = o1.imports = r->imports;
    qsort_r(r->imp_by_last, (size_t)r->n_imports, sizeof(int), gr_imp_cmp, &o0);
    qsort_r(r->imp_by_pkg, (size_t)r->n_by_pkg, sizeof(int), gr_imp_cmp, &o1);
    return 0;
}

/* The file's inherit / implement references and their simple names (class bases). */
static int gr_rctx_bases(gr_rctx *r)
{
    gr_fctx *c = r->c;
    gr_segs sg;

    r->inh = calloc((size_t)c->n_refs + 1, sizeof(*r->inh));
    r->inh_name = calloc((size_t)c->n_refs + 1, sizeof(*r->inh_name));
    if (!r->inh || !r->inh_name) return CG_ENOMEM;
    for (uint32_t i = 0; i < c->n_refs; i++) {
        if (c->refs[i].kind != CG_REF_INHERIT && c->refs[i].kind != CG_REF_IMPLEMENT) continue;
        gr_segs_split(&sg, c->refs[i].name, 0);
        if (sg.n == 0) continue;
        if (!(r->inh_name[r->n_inh] = gr_arena_strdup(&r->arena, gr_ref_simple(&sg))))
            return CG_ENOMEM;
        r->inh[r->n_inh++] = i;
    }
    return 0;
}

/* Languages whose queries (src/lang/<grammar>.scm) name a call with its qualifier ("a.f",
 * "self.f"), so that a plain "f" really is unqualified. The others (java, php, ruby, go,
 * c, cpp, dart) name obj.m() "m", which may then be any class's method. */
static int gr_lang_qualified_calls(int lang)
{
    static const char *const langs[] = {"python", "javascript", "typescript", "rust",
                                        "csharp", "kotlin",     "swift",      "scala"};
    for (size_t i = 0; i < CG_ARRAY_LEN(langs); i++)
        if (lang == gr_lang_code(langs[i])) return 1;
    return 0;
}

static int gr_rctx_init(gr_rctx *r, gr_fctx *c)
{
    int rc = 0;

    memset(r, 0, sizeof(*r));
    r->c = c;
    cg_buf_init(&r->val);
    cg_buf_init(&r->cstr);
    gr_idmap_init(&r->local_ix);
    gr_idmap_init(&r->path_ix);
    r->dir_len = gr_dirname_len(c->path, sizeof(r->dir));
    memcpy(r->dir, c->path, r->dir_len);
    r->dir[r->dir_len] = '\0';
    r->by_name = calloc((size_t)c->n_ents + 1, sizeof(int));
    r->cands = malloc(GR_CANDIDATES_MAX * sizeof(*r->cands)); /* set when loaded */
    if (!r->by_name || !r->cands) return CG_ENOMEM;
    for (int i = 0; i < c->n_ents && !rc; i++) {
        r->by_name[i] = i;
        rc = gr_idmap_put(&r->local_ix, c->ents[i].local, (uint64_t)i + 1);
    }
    if (rc) return rc;
    qsort_r(r->by_name, (size_t)c->n_ents, sizeof(int), gr_by_name_cmp, c->ents);
    if ((rc = gr_rctx_imports(r)) || (rc = gr_rctx_bases(r))) return rc;
    r->qualified_calls = gr_lang_qualified_calls(c->lang);
    return cg_store_iter_create(c->g->s, NULL, CG_STORE_CF_NAMES, NULL, 0, NULL, 0, &r->names);
}

static void gr_rctx_release(gr_rctx *r)
{
    free(r->by_name);
    free(r->cands);
    free(r->imports);
    free(r->imp_by_last);
    free(r->imp_by_pkg);
    free(r->inh);
    free(r->inh_name);
    free(r->paths); /* their fs and names live in the arena */
    gr_idmap_release(&r->local_ix);
    gr_idmap_release(&r->path_ix);
    gr_arena_free(&r->arena);
    cg_store_iter_destroy(r->names);
    cg_buf_release(&r->val);
    cg_buf_release(&r->cstr);
}

/* The entity with this local id, NULL for the file node or an unknown id. */
static const gr_fent *gr_ent_local(const gr_rctx *r, uint32_t local)
{
    uint64_t ix;
    if (local == 0 || !gr_idmap_get(&r->local_ix, local, &ix)) return NULL;
    return &r->c->ents[ix - 1];
}

/* [*lo, *hi) of by_name holding entities named s. */
static void gr_name_range(const gr_rctx *r, const char *s, int *lo, int *hi)
{
    int a = 0, b = r->c->n_ents;
    while (a < b) {
        int m = (a + b) / 2;
        if (strcmp(r->c->ents[r->by_name[m]].name, s) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    for (b = a; b < r->c->n_ents && strcmp(r->c->ents[r->by_name[b]].name, s) == 0;) b++;
    *hi = b;
}

/* gr_kind_fits, plus: an implement reference may name a module (Ruby's include M). */
static int gr_fits(int ref_kind, int kind)
{
    return gr_kind_fits(ref_kind, kind) || (ref_kind == CG_REF_IMPLEMENT && kind == CG_KIND_MODULE);
}

static int gr_classlike(int kind)
{
    return kind == CG_KIND_CLASS || kind == CG_KIND_STRUCT || kind == CG_KIND_INTERFACE ||
           kind == CG_KIND_TRAIT || kind == CG_KIND_ENUM || kind == CG_KIND_MODULE;
}

/* Append [s, s + n) to dst (length *len, capacity cap), cut at cap - 1 bytes. */
static void gr_append(char *dst, size_t *len, size_t cap, const char *s, size_t n)
{
    n = CG_MIN(n, cap - 1 - *len);
    memcpy(dst + *len, s, n);
    *len += n;
    dst[*len] = '\0';
}

/* "q1.q2.S" joined with '.' into dst, cut at cap - 1 bytes; returns its length. */
static size_t gr_segs_join(const gr_segs *sg, int from, int to, char *dst, size_t cap)
{
    size_t n = 0;
    dst[0] = '\0';
    for (int i = from; i < to; i++) {
        if (i > from) gr_append(dst, &n, cap, ".", 1);
        gr_append(dst, &n, cap, sg->s[i], strlen(sg->s[i]));
    }
    return n;
}

/* qname (a bytes) is qs (b bytes) or ends with ".qs". */
static int gr_qname_ends(const char *qname, size_t a, const char *qs, size_t b)
{
    if (a == b) return memcmp(qname, qs, a) == 0;
    return a > b && qname[a - b - 1] == '.' && memcmp(qname + a - b, qs, b) == 0;
}

/* The simple name of the qualified name's parent part ("a.B.run" → "B") as a span of at
 * most GR_PART_CMP_MAX bytes in qname; "" when qname has no parent part. */
static const char *gr_qname_parent(const char *qname, size_t *len)
{
    const char *last = strrchr(qname, '.'), *p = last;
    *len = 0;
    if (!last) return "";
    while (p > qname && p[-1] != '.') p--;
    *len = CG_MIN((size_t)(last - p), (size_t)GR_PART_CMP_MAX);
    return p;
}

/* Does the span [p, p + n) (no NUL inside) spell s? */
static int gr_span_is(const char *p, size_t n, const char *s)
{
    return strncmp(p, s, n) == 0 && s[n] == '\0';
}

/* Does entity e fit reference kind rk in this pass? A type reference first looks for a
 * type (pass 0), and takes a function or method only when no type is found (pass 1); a
 * call first skips constructors (methods named like their class: the class stands for
 * them), which sit nearer in the scope walk than the class. */
static int gr_fits_pass(const gr_rctx *r, int rk, const gr_fent *e, int pass)
{
    const gr_fent *p;

    if (!gr_fits(rk, e->kind)) return 0;
    if (pass) return 1;
    if (rk == CG_REF_TYPE) return e->kind != CG_KIND_FUNCTION && e->kind != CG_KIND_METHOD;
    if (rk != CG_REF_CALL || e->kind != CG_KIND_METHOD) return 1;
    p = gr_ent_local(r, e->parent_local);
    return !p || strcmp(p->name, e->name) != 0;
}

/* Rule 1 with a scope walk: the first scope from `scope` outwards that contains an S. */
static uint64_t gr_exact_scoped(const gr_rctx *r, int rkind, uint32_t scope, int lo, int hi,
                                int class_only, int pass)
{
    for (int guard = 0; guard <= CG_GRAPH_FILE_ENTITIES_MAX; guard++) {
        for (int i = lo; i < hi; i++) {
            const gr_fent *e = &r->c->ents[r->by_name[i]];
            if (e->parent_local == scope && gr_fits_pass(r, rkind, e, pass)) return e->id;
        }
        const gr_fent *s = gr_ent_local(r, scope);
        if (!s || class_only) return 0;
        scope = s->parent_local;
    }
    return 0;
}

/* The class-like entity enclosing local `from` (itself when class-like); 0 = none. */
static uint32_t gr_enclosing_class(const gr_rctx *r, uint32_t from)
{
    const gr_fent *s;
    while ((s = gr_ent_local(r, from)) && !gr_classlike(s->kind)) from = s->parent_local;
    return s ? from : 0;
}

/* The simple names of the bases of class `cls`: its inherit / implement references. */
static int gr_class_bases(const gr_rctx *r, uint32_t cls, const char **out)
{
    int n = 0;

    for (uint32_t i = 0; cls && i < r->n_inh && n < GR_BASES_MAX; i++)
        if (r->c->refs[r->inh[i]].from_local == cls) out[n++] = r->inh_name[i];
    return n;
}

/* Rule 1 for a receiver through the in-file class hierarchy: a member S of a base of
 * `cls` defined in this file, up to GR_BASE_DEPTH levels (the first in-file base of each
 * level leads to the next). */
static uint64_t gr_exact_in_bases(const gr_rctx *r, int rkind, uint32_t cls, int lo, int hi)
{
    const char *bases[GR_BASES_MAX];

    for (int depth = 0; depth < GR_BASE_DEPTH && cls; depth++) {
        int nb = gr_class_bases(r, cls, bases);
        uint32_t next = 0;
        for (int b = 0; b < nb; b++) {
            int blo, bhi;
            gr_name_range(r, bases[b], &blo, &bhi);
            for (int i = blo; i < bhi; i++) {
                const gr_fent *e = &r->c->ents[r->by_name[i]];
                if (!gr_classlike(e->kind) || e->local == cls) continue;
                uint64_t id = gr_exact_scoped(r, rkind, e->local, lo, hi, 1, 1);
                if (id) return id;
                if (!next) next = e->local;
            }
        }
        cls = next;
    }
    return 0;
}

static uint64_t gr_exact_pass(const gr_rctx *r, const gr_ref *ref, const gr_segs *sg, int lo,
                              int hi, int pass)
{
    char qs[GR_SEG_BYTES];
    size_t qs_len, par_len;

    if (sg->receiver == 2) return 0;
    if (sg->receiver == 1) {
        uint32_t scope = ref->from_local;
        const gr_fent *s;
        while ((s = gr_ent_local(r, scope)) && !gr_classlike(s->kind)) scope = s->parent_local;
        return s ? gr_exact_scoped(r, ref->kind, scope, lo, hi, 1, pass) : 0;
    }
    if (sg->n == 1) {
        uint64_t id = gr_exact_scoped(r, ref->kind, ref->from_local, lo, hi, 0, pass);
        for (int i = lo; !id && i < hi; i++) {
            const gr_fent *e = &r->c->ents[r->by_name[i]];
            if (e->kind != CG_KIND_METHOD && gr_fits_pass(r, ref->kind, e, pass)) id = e->id;
        }
        return id;
    }
    qs_len = gr_segs_join(sg, 0, sg->n, qs, sizeof(qs));
    for (int i = lo; i < hi; i++) {
        const gr_fent *e = &r->c->ents[r->by_name[i]];
        if (!gr_fits_pass(r, ref->kind, e, pass)) continue;
        const char *par = gr_qname_parent(e->qname, &par_len);
        if (gr_qname_ends(e->qname, strlen(e->qname), qs, qs_len) ||
            gr_span_is(par, par_len, sg->s[sg->n - 2]))
            return e->id;
    }
    return 0;
}

static uint64_t gr_layer_exact(const gr_rctx *r, const gr_ref *ref, const gr_segs *sg)
{
    int lo, hi;
    uint64_t id = 0;

    gr_name_range(r, gr_ref_simple(sg), &lo, &hi);
    if (lo == hi) return 0;
    if (ref->kind == CG_REF_TYPE || ref->kind == CG_REF_CALL)
        id = gr_exact_pass(r, ref, sg, lo, hi, 0);
    if (!id) id = gr_exact_pass(r, ref, sg, lo, hi, 1);
    /* self.m(), super.m(), or m() inside a class (an implicit this) */
    if (!id && (sg->receiver || sg->n == 1))
        id = gr_exact_in_bases(r, ref->kind, gr_enclosing_class(r, ref->from_local), lo, hi);
    return id;
}

/* Remember the receiver class of reference `ref` (its name and bases) for rule 3. */
static void gr_receiver_load(gr_rctx *r, const gr_ref *ref, const gr_segs *sg)
{
    uint32_t cls = sg->receiver || sg->n == 1 ? gr_enclosing_class(r, ref->from_local) : 0;
    const gr_fent *e = gr_ent_local(r, cls);

    r->n_bases = 0;
    r->cls_name = e ? e->name : NULL;
    if (e) r->n_bases = gr_class_bases(r, cls, r->bases);
}

/* The path of file uid: our own file's from the context, else from the resolver's cache
 * or through the graph's (then kept in the resolver's); "" when unknown. 0, CG_ENOMEM. */
static int gr_uid_path_find(gr_rctx *r, uint64_t uid, const char **path, gr_xpath **xp)
{
    struct gr_xcache *x = r->c->xc;
    char buf[CG_GRAPH_PATH_MAX + 1];
    uint64_t v;

    *xp = NULL;
    if (uid == r->c->uid) {
        *path = r->c->path;
        return 0;
    }
    if (x && gr_idmap_get(&x->paths, uid, &v)) {
        *xp = (gr_xpath *)(uintptr_t)v;
        *path = (*xp)->path;
        return 0;
    }
    if (gr_uid_path_get(r->c->g, uid, buf, sizeof(buf)) != 0) buf[0] = '\0';
    *path = gr_arena_strdup(&r->arena, buf);
    if (!*path) return CG_ENOMEM;
    if (!x) return 0;
    if (!(*xp = gr_xalloc(x, sizeof(**xp))) || !((*xp)->path = gr_xstrdup(x, buf)))
        return CG_ENOMEM;
    (*xp)->fs = NULL;
    return gr_idmap_put(&x->paths, uid, (uint64_t)(uintptr_t)*xp);
}

/* The entry of file uid in r->paths (made on first use): 0 and *ix, or CG_ENOMEM. */
static int gr_cpath_get(gr_rctx *r, uint64_t uid, int *ix)
{
    const char *path;
    gr_xpath *xp;
    uint64_t v;
    int rc;

    if (gr_idmap_get(&r->path_ix, uid, &v)) {
        *ix = (int)v - 1;
        return 0;
    }
    if ((rc = gr_uid_path_find(r, uid, &path, &xp))) return rc;
    if (r->n_paths == r->cap_paths) {
        int cap = r->cap_paths ? r->cap_paths * 2 : 64;
        gr_cpath *n = realloc(r->paths, (size_t)cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        r->paths = n;
        r->cap_paths = cap;
    }
    if (gr_idmap_put(&r->path_ix, uid, (uint64_t)r->n_paths + 1)) return CG_ENOMEM;
    r->paths[r->n_paths] = (gr_cpath){.path = path, .xp = xp, .fs = xp ? xp->fs : NULL};
    *ix = r->n_paths++;
    return 0;
}

/* Length of the common directory prefix of our file and path (in bytes, at '/'). */
static int gr_common_dir(const gr_rctx *r, const char *path)
{
    int n = 0, last = 0;
    while (r->dir[n] && path[n] && r->dir[n] == path[n]) {
        n++;
        if (path[n] == '/' && (r->dir[n] == '\0' || r->dir[n] == '/')) last = n;
    }
    return last;
}

/* Segments of a qualified name minus one (dots outside the last segment). */
static int gr_qname_depth(const char *q)
{
    int n = 0;
    for (; *q; q++) n += *q == '.';
    return n;
}

/* Set c's path from entry pix and what the rules derive from c alone (see gr_cand). */
static void gr_cand_derive(const gr_rctx *r, gr_cand *c, int pix)
{
    const char *base, *dot;
    size_t n;

    c->pix = pix;
    c->path = r->paths[pix].path;
    c->par = gr_qname_parent(c->qname, &c->par_len);
    c->qlen = strlen(c->qname);
    c->depth = gr_qname_depth(c->qname);
    c->prefix = gr_common_dir(r, c->path);
    /* the stem as gr_path_stem cuts it: the file name without its last extension */
    base = strrchr(c->path, '/');
    base = base ? base + 1 : c->path;
    dot = strrchr(base, '.');
    n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    c->stem = base;
    c->stem_len = CG_MIN(n, (size_t)GR_PART_CMP_MAX);
    n = gr_dirname_len(c->path, sizeof(r->dir));
    c->same_dir = n == r->dir_len && memcmp(c->path, r->dir, n) == 0;
}

/* Rule 3 also weighs this file's own entities named s (those rule 1 passed over: methods
 * of other classes, members of non-enclosing scopes), so that a guess by name never
 * prefers another file's entity over an equally good one here. */
static int gr_own_cands(gr_rctx *r, const char *s, int rkind)
{
    int lo, hi, pix, rc;

    gr_name_range(r, s, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        const gr_fent *e = &r->c->ents[r->by_name[i]];
        if (!gr_fits(rkind, e->kind)) continue;
        if (r->n_cands == GR_CANDIDATES_MAX) {
            r->more_cands = 1;
            return 0;
        }
        if ((rc = gr_cpath_get(r, r->c->uid, &pix))) return rc;
        r->cands[r->n_cands] =
            (gr_cand){.id = e->id, .kind = e->kind, .lang = r->c->lang, .qname = e->qname};
        gr_cand_derive(r, &r->cands[r->n_cands++], pix);
    }
    return 0;
}

/* Take candidate (id, kind) if it passes gr_load_cands's filters: 1 taken, 0 skipped, -1
 * no room left (more_cands set). */
static int gr_cand_take(gr_rctx *r, uint64_t id, int kind, int rkind, int files_only)
{
    if (CG_GRAPH_ID_FILE(id) == r->c->uid || !gr_fits(rkind, kind)) return 0;
    if (files_only >= 0 && (kind == CG_GRAPH_KIND_FILE) != files_only) return 0;
    if (r->n_cands == GR_CANDIDATES_MAX) {
        r->more_cands = 1;
        return -1;
    }
    return 1;
}

/* Step r->names to the next name-index entry under prefix pre spelled exactly s (seek to
 * the first one when `first`): 1 and *id, *nm (valid until the next step), 0 at the end. */
static int gr_names_step(gr_rctx *r, const gr_key *pre, const char *s, int first, uint64_t *id,
                         gr_name *nm)
{
    if (first)
        cg_store_iter_seek(r->names, pre->b, pre->n);
    else
        cg_store_iter_next(r->names);
    for (; cg_store_iter_valid(r->names); cg_store_iter_next(r->names)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(r->names, &kl);
        const void *v = cg_store_iter_value(r->names, &vl);
        if (kl != pre->n + 8 || memcmp(k, pre->b, pre->n) != 0) return 0;
        if (gr_dec_name(v, vl, nm) != 0 || strcmp(nm->name, s) != 0) continue;
        *id = gr_get_u64(k + pre->n);
        return 1;
    }
    return 0;
}

/* gr_load_cands from the store: the name-index entries under prefix pre named exactly s. */
static int gr_store_cands(gr_rctx *r, const gr_key *pre, const char *s, int rkind, int files_only)
{
    size_t qoff[GR_CANDIDATES_MAX];
    uint64_t id;
    gr_name nm;
    int t;

    cg_buf_reset(&r->cstr);
    for (int first = 1; gr_names_step(r, pre, s, first, &id, &nm); first = 0) {
        if ((t = gr_cand_take(r, id, nm.kind, rkind, files_only)) < 0) break;
        if (t == 0) continue;
        qoff[r->n_cands] = r->cstr.len;
        cg_buf_append(&r->cstr, nm.qname, strlen(nm.qname) + 1);
        r->cands[r->n_cands++] = (gr_cand){.id = id, .kind = nm.kind, .lang = nm.lang};
    }
    if (!cg_buf_ok(&r->cstr)) return CG_ENOMEM;
    for (int i = 0; i < r->n_cands; i++) r->cands[i].qname = r->cstr.data + qoff[i];
    return cg_store_iter_status(r->names, NULL, 0);
}

/* Read every name-index entry under pre named exactly s into xn (n = -1 when more than
 * GR_XCACHE_NAME_ENTRIES). */
static int gr_xname_fill(gr_rctx *r, const gr_key *pre, const char *s, gr_xname *xn)
{
    struct gr_xcache *x = r->c->xc;
    gr_xent e[GR_XCACHE_NAME_ENTRIES];
    uint64_t id;
    gr_name nm;

    xn->n = 0;
    for (int first = 1; gr_names_step(r, pre, s, first, &id, &nm); first = 0) {
        if (xn->n == GR_XCACHE_NAME_ENTRIES) {
            xn->n = -1;
            break;
        }
        e[xn->n] = (gr_xent){.id = id, .kind = nm.kind, .lang = nm.lang};
        if (!(e[xn->n++].qname = gr_xstrdup(x, nm.qname))) return CG_ENOMEM;
    }
    if (xn->n > 0 && !(xn->e = gr_xalloc(x, (size_t)xn->n * sizeof(*e)))) return CG_ENOMEM;
    if (xn->n > 0) memcpy(xn->e, e, (size_t)xn->n * sizeof(*e));
    return cg_store_iter_status(r->names, NULL, 0);
}

/* The resolver's entries named s (read on first use); *out NULL when the cache cannot
 * answer (no resolver, another name under the same hash). */
static int gr_xname_get(gr_rctx *r, const gr_key *pre, const char *s, const gr_xname **out)
{
    struct gr_xcache *x = r->c->xc;
    uint64_t key = gr_xname_key(s), v;
    gr_xname *xn;
    int rc;

    *out = NULL;
    if (!x) return 0;
    if (gr_idmap_get(&x->names, key, &v)) {
        xn = (gr_xname *)(uintptr_t)v;
        if (strcmp(xn->name, s) == 0) *out = xn;
        return 0;
    }
    if (!(xn = gr_xalloc(x, sizeof(*xn))) || !(xn->name = gr_xstrdup(x, s))) return CG_ENOMEM;
    xn->e = NULL;
    if ((rc = gr_xname_fill(r, pre, s, xn)) ||
        (rc = gr_idmap_put(&x->names, key, (uint64_t)(uintptr_t)xn)))
        return rc;
    *out = xn;
    return 0;
}

/* Load candidates named exactly s (other files, and for rule 3 (files_only < 0) this file)
 * whose kind satisfies want(kind): from the resolver's cache when it holds s, else from
 * the store (same candidates, same order). */
static int gr_load_cands(gr_rctx *r, const char *s, int rkind, int files_only)
{
    const gr_xname *xn;
    gr_key pre;
    int rc, pix;

    if (r->memo_ok && r->memo_kind == rkind && r->memo_files == files_only &&
        strcmp(r->memo_s, s) == 0)
        return 0; /* references come grouped by name: load each name once */
    r->memo_ok = 0;
    r->n_cands = r->more_cands = 0;
    gr_key_reset(&pre);
    gr_key_u32(&pre, r->c->project);
    gr_key_lower(&pre, s);
    gr_key_u8(&pre, 0);
    if (pre.over) return 0;
    if ((rc = gr_xname_get(r, &pre, s, &xn))) return rc;
    if (!xn || xn->n < 0) {
        if ((rc = gr_store_cands(r, &pre, s, rkind, files_only))) return rc;
    } else {
        for (int i = 0; i < xn->n; i++) {
            const gr_xent *e = &xn->e[i];
            int t = gr_cand_take(r, e->id, e->kind, rkind, files_only);
            if (t < 0) break;
            if (t > 0)
                r->cands[r->n_cands++] =
                    (gr_cand){.id = e->id, .kind = e->kind, .lang = e->lang, .qname = e->qname};
        }
    }
    for (int i = 0; i < r->n_cands; i++) {
        if ((rc = gr_cpath_get(r, CG_GRAPH_ID_FILE(r->cands[i].id), &pix))) return rc;
        gr_cand_derive(r, &r->cands[i], pix);
    }
    if (files_only < 0 && (rc = gr_own_cands(r, s, rkind))) return rc;
    r->memo_ok = strlen(s) < sizeof(r->memo_s);
    r->memo_kind = rkind;
    r->memo_files = files_only;
    if (r->memo_ok) memcpy(r->memo_s, s, strlen(s) + 1);
    return 0;
}

/* Do a and b agree on their common trailing segments (at least one)? */
static int gr_suffix_match(const char *const *a, int na, const char *const *b, int nb)
{
    int k = CG_MIN(na, nb);
    if (k <= 0) return 0;
    for (int i = 1; i <= k; i++)
        if (strcmp(a[na - i], b[nb - i]) != 0) return 0;
    return 1;
}

/* Does the module path m (n segments) name the file fs or its directory? */
static int gr_names_module(const char *const *m, int n, const gr_segs *fs)
{
    return gr_suffix_match(m, n, fs->s, fs->n) || gr_suffix_match(m, n, fs->s, fs->n - 1);
}

/* Is w one of the containers of qname (a segment before the last one): "Format" in
 * "Acme.Util.Format.number"? Compared in place: this runs per reference x candidate x
 * import (hot). */
static int gr_qname_container(const char *qname, const char *w)
{
    size_t wl = strlen(w);
    const char *p = qname, *dot;

    while ((dot = strchr(p, '.')) != NULL) {
        if ((size_t)(dot - p) == wl && memcmp(p, w, wl) == 0) return 1;
        p = dot + 1;
    }
    return 0;
}

/* The segments of candidate path entry pix (made on first use): NULL on ENOMEM. */
static const gr_segs *gr_cpath_segs(gr_rctx *r, int pix)
{
    gr_cpath *p = &r->paths[pix];

    if (p->fs) return p->fs;
    if (p->xp && p->xp->fs) return p->fs = p->xp->fs;
    if (p->xp)
        p->fs = gr_xalloc(r->c->xc, sizeof(*p->fs));
    else
        p->fs = gr_arena_alloc(&r->arena, sizeof(*p->fs));
    if (p->fs) gr_segs_path(p->fs, p->path);
    if (p->xp) p->xp->fs = p->fs;
    r->oom |= !p->fs;
    return p->fs;
}

/* Does import m (pkg: without its last segment) name the module of candidate path entry
 * pix (gr_names_module)? Answered once per (file, import) and remembered. */
static int gr_cpath_names(gr_rctx *r, int pix, int m, int pkg)
{
    gr_cpath *p = &r->paths[pix];
    const gr_segs *imp = &r->imports[m], *fs;
    int known = pkg ? GR_NAMES_PKG_KNOWN : GR_NAMES_MOD_KNOWN;
    int yes = pkg ? GR_NAMES_PKG : GR_NAMES_MOD;

    if (!p->names && (p->names = gr_arena_alloc(&r->arena, (size_t)r->n_imports)) != NULL)
        memset(p->names, 0, (size_t)r->n_imports);
    if (p->names && (p->names[m] & known)) return (p->names[m] & yes) != 0;
    if (!(fs = gr_cpath_segs(r, pix))) return 0; /* ENOMEM: r->oom fails the file */
    int v = gr_names_module(imp->s, imp->n - pkg, fs);
    if (p->names) p->names[m] |= (uint8_t)(known | (v ? yes : 0));
    return v;
}

/* Fill c's mod and pkg bits (once per loaded candidate; s is the name it was loaded by). */
/* [*lo, *hi) of the sorted import indices ix (n of them, by gr_imp_key(pkg)) keyed w. */
static void gr_imp_range(const gr_rctx *r, const int *ix, int n, int pkg, const char *w, int *lo,
                         int *hi)
{
    int a = 0, b = n;
    while (a < b) {
        int m = (a + b) / 2;
        if (strcmp(gr_imp_key(r->imports, ix[m], pkg), w) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    while (b < n && strcmp(gr_imp_key(r->imports, ix[b], pkg), w) == 0) b++;
    *hi = b;
}

/* The import ranges of candidate path entry p (see gr_cpath), found once per file. */
static void gr_cpath_ranges(gr_rctx *r, gr_cpath *p, const gr_segs *fs)
{
    p->ranges_done = 1;
    memset(p->lo, 0, sizeof(p->lo));
    memset(p->hi, 0, sizeof(p->hi));
    for (int k = 0; k < 2 && k < fs->n; k++) {
        const char *w = fs->s[fs->n - 1 - k]; /* the stem, then the directory's name */
        gr_imp_range(r, r->imp_by_last, r->n_imports, 0, w, &p->lo[0][k], &p->hi[0][k]);
        gr_imp_range(r, r->imp_by_pkg, r->n_by_pkg, 1, w, &p->lo[1][k], &p->hi[1][k]);
    }
}

/* Fill c's mod and pkg bits (once per loaded candidate; s is the name it was loaded by).
 * An import can name c's module (gr_names_module) only when its module part ends with the
 * stem of c's file or the name of its directory, so only those imports are tested. */
static void gr_cand_imports(gr_rctx *r, gr_cand *c, const char *s)
{
    const gr_segs *fs = gr_cpath_segs(r, c->pix);
    gr_cpath *p = &r->paths[c->pix];

    c->imp_done = 1;
    if (!fs) return; /* ENOMEM: r->oom fails the file */
    if (!p->ranges_done) gr_cpath_ranges(r, p, fs);
    for (int k = 0; k < 2; k++) {
        for (int i = p->lo[0][k]; i < p->hi[0][k]; i++) {
            int m = r->imp_by_last[i];
            if (gr_cpath_names(r, c->pix, m, 0)) c->mod[m / 64] |= (uint64_t)1 << (m % 64);
        }
        for (int i = p->lo[1][k]; i < p->hi[1][k]; i++) {
            int m = r->imp_by_pkg[i];
            const char *last = gr_imp_key(r->imports, m, 0);
            if (!gr_qname_container(c->qname, last) && strcmp(last, s) != 0) continue;
            if (gr_cpath_names(r, c->pix, m, 1)) c->pkg[m / 64] |= (uint64_t)1 << (m % 64);
        }
    }
}

/* Rule 2: does one of the file's imports reach candidate c for the reference sg? Per import
 * m: when it names c's module (and sg is no plain m() of a method), M.S through `import M`
 * or T.S through `from M import T` (T = c's container); otherwise when it is M.T naming c
 * or a container T of c, sg is S or T.S. */
static int gr_cand_reached(gr_rctx *r, gr_cand *c, const gr_segs *sg)
{
    int qual = sg->n > 1 && sg->receiver == 0, container = -1;
    /* a plain name m() reaches a method only through an import of its class: importing a
     * module says nothing about the type of an object whose method is called */
    int plain_method = sg->n == 1 && !sg->receiver && c->kind == CG_KIND_METHOD;

    /* this file's own entities are never reached through its imports (a.cpp includes
     * "a.hpp": same stem) */
    if (CG_GRAPH_ID_FILE(c->id) == r->c->uid || r->n_imports == 0) return 0;
    if (!c->imp_done) gr_cand_imports(r, c, gr_ref_simple(sg));
    for (int w = 0; w < GR_IMPORT_WORDS; w++) {
        uint64_t mod = plain_method ? 0 : c->mod[w], bits = mod | c->pkg[w];
        for (; bits; bits &= bits - 1) {
            int b = __builtin_ctzll(bits), m = w * 64 + b;
            const char *last = r->imports[m].s[r->imports[m].n - 1];
            if (!qual) return 1;
            if (!(mod >> b & 1)) {
                if (strcmp(sg->s[0], last) == 0) return 1;
                continue;
            }
            if (strcmp(sg->s[sg->n - 2], last) == 0) return 1;
            if (container < 0) container = gr_qname_container(c->qname, sg->s[0]);
            if (container) return 1;
        }
    }
    return 0;
}

/* Is c's parent (its last container) the receiver class or one of its bases? */
static int gr_parent_is_base(const gr_rctx *r, const gr_cand *c)
{
    if (!r->cls_name) return 0;
    if (gr_span_is(c->par, c->par_len, r->cls_name)) return 1;
    for (int b = 0; b < r->n_bases; b++)
        if (gr_span_is(c->par, c->par_len, r->bases[b])) return 1;
    return 0;
}

/* Rule 3's score (also ranks rule 2's reachable candidates); -1 = qualifier rules c out.
 * r->qs holds the reference's "Q.S" when it is qualified. */
static int gr_score(const gr_rctx *r, const gr_cand *c, const gr_segs *sg)
{
    int s = 0;

    /* a constructor (a method named like its class) is called through its class */
    if (c->kind == CG_KIND_METHOD && gr_span_is(c->par, c->par_len, gr_ref_simple(sg))) return -1;
    if (sg->n > 1 && sg->receiver == 0) {
        const char *q = sg->s[sg->n - 2];
        if (gr_qname_ends(c->qname, c->qlen, r->qs, r->qs_len))
            s += 8;
        else if (gr_span_is(c->par, c->par_len, q) || gr_span_is(c->stem, c->stem_len, q))
            s += 4;
        else
            return -1;
    }
    if ((sg->receiver || sg->n == 1) && r->cls_name) {
        /* a receiver's member: +4 in a base of the receiver class; super.m() is never the
         * class's own m */
        if (sg->receiver == 2 && gr_span_is(c->par, c->par_len, r->cls_name)) return -1;
        for (int b = 0; b < r->n_bases; b++)
            if (gr_span_is(c->par, c->par_len, r->bases[b])) s += 4;
    }
    /* where calls keep their qualifier, a plain m() is a function or a member of the
     * enclosing class or its bases (an implicit this), never another class's method */
    if (r->qualified_calls && sg->n == 1 && !sg->receiver && r->ref_kind == CG_REF_CALL &&
        c->kind == CG_KIND_METHOD && !gr_parent_is_base(r, c))
        return -1;
    if (c->lang == r->c->lang) s += 2;
    if (sg->receiver && c->kind == CG_KIND_METHOD) s += 2;
    /* a type reference: a type over a value of the same name (Scala's companion object) */
    if (r->ref_kind == CG_REF_TYPE && c->kind != CG_KIND_MODULE &&
        (gr_classlike(c->kind) || c->kind == CG_KIND_TYPE_ALIAS))
        s += 1;
    return s + c->same_dir;
}

/* Is candidate a better than b (score, then common directory prefix)? >0 better, 0 tie. */
static int gr_cand_better(const gr_cand *a, const gr_cand *b)
{
    if (a->score != b->score) return a->score > b->score ? 1 : -1;
    return a->prefix == b->prefix ? 0 : a->prefix > b->prefix ? 1 : -1;
}

/* How gr_pick treats equally good candidates. */
enum { GR_TIES_NONE, GR_TIES_ANY, GR_TIES_SAME_QNAME };

/* The best of the candidates with reach set (all when !need_reach): index, -1 none, -2 a
 * tie that `ties` does not accept (NONE: any tie; SAME_QNAME: a tie between different
 * qualified names, e.g. the area() of two classes, while a declaration and its
 * definition may tie). An accepted tie goes to the smaller path, then the smaller id:
 * both come from content (paths, qualified names), never from the order files were put. */
static int gr_pick(gr_rctx *r, int need_reach, int ties)
{
    int best = -1, tie = 0, tie_diff = 0;

    for (int i = 0; i < r->n_cands; i++) {
        gr_cand *c = &r->cands[i], *b = best >= 0 ? &r->cands[best] : NULL;
        if ((need_reach && !c->reach) || c->score < 0) continue;
        int d = b ? gr_cand_better(c, b) : 1;
        /* through an import, M.f beats M.C.f: the shallower member of the module */
        if (d == 0 && ties == GR_TIES_SAME_QNAME) d = b->depth - c->depth;
        if (d > 0) {
            best = i;
            tie = tie_diff = 0;
        } else if (d == 0) {
            int pc = strcmp(c->path, b->path);
            tie = 1;
            tie_diff |= strcmp(c->qname, b->qname) != 0;
            if (pc < 0 || (pc == 0 && GR_LOCAL(c->id) < GR_LOCAL(b->id))) best = i;
        }
    }
    if ((ties == GR_TIES_NONE && tie) || (ties == GR_TIES_SAME_QNAME && tie_diff)) return -2;
    return best;
}

/* Rules 2 and 3 over loaded candidates: 1 and *dst, *res; or 0 and *reason. */
static int gr_layer_project(gr_rctx *r, const gr_segs *sg, uint64_t *dst, int *res, int *reason)
{
    int any_reach = 0, i, same_lang = -1, n_same = 0;

    r->qs_len =
        sg->n > 1 && sg->receiver == 0 ? gr_segs_join(sg, 0, sg->n, r->qs, sizeof(r->qs)) : 0;
    for (i = 0; i < r->n_cands; i++) {
        gr_cand *c = &r->cands[i];
        c->score = gr_score(r, c, sg);
        c->reach = gr_cand_reached(r, c, sg);
        any_reach |= c->reach;
        if (c->lang == r->c->lang) same_lang = i, n_same++;
        if (c->reach && c->score < 0) c->score = 0; /* the import vouches for Q */
    }
    if (any_reach && (i = gr_pick(r, 1, GR_TIES_SAME_QNAME)) >= 0) {
        *dst = r->cands[i].id;
        *res = CG_RES_IMPORT;
        return 1;
    }
    i = gr_pick(r, 0, GR_TIES_NONE);
    /* obj.m() with obj untyped: the one method m of the language, when Q looks like a
     * variable (lower case or _; a capitalised Q names a type or module, HashMap::new,
     * that rules 1-3 would have found; a literal, "x".join, is no object of ours) */
    const char *q = sg->n > 1 ? sg->s[sg->n - 2] : "";
    if (i == -1 && sg->n > 1 && !sg->receiver && n_same == 1 && !r->more_cands &&
        r->cands[same_lang].kind == CG_KIND_METHOD && ((*q >= 'a' && *q <= 'z') || *q == '_'))
        i = same_lang;
    if (i < 0) {
        *reason = i == -2 || r->n_cands > 0 ? GR_UNRES_AMBIGUOUS : GR_UNRES_NOT_FOUND;
        return 0;
    }
    *dst = r->cands[i].id;
    *res = CG_RES_NAME;
    return 1;
}

/* Does path's file name equal the file name the import spells, extension included
 * (#include "list.h" prefers list.h over list.c)? */
static int gr_import_names_file(const char *import, const char *path)
{
    const char *base = strrchr(import, '/'), *pbase = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : import;
    base += strspn(base, "\"'<");
    n = strcspn(base, "\"'>;");
    pbase = pbase ? pbase + 1 : path;
    return n > 0 && strlen(pbase) == n && memcmp(pbase, base, n) == 0;
}

/* An import reference: the symbol it names, else the module file it names. */
static int gr_layer_import(gr_rctx *r, const gr_ref *ref, const gr_segs *sg, uint64_t *dst)
{
    const gr_segs *fs;
    int rc, i;

    for (int pass = 0; pass < 2; pass++) {
        int n = pass == 0 ? sg->n - 1 : sg->n; /* module segments */
        if (n < 1) continue;
        if ((rc = gr_load_cands(r, gr_ref_simple(sg), ref->kind, pass)) != 0) return rc;
        for (i = 0; i < r->n_cands; i++) {
            gr_cand *c = &r->cands[i];
            if (!(fs = gr_cpath_segs(r, c->pix))) return CG_ENOMEM;
            /* pass 1: the module's file, or a file of the package directory it names */
            c->reach = pass == 0 ? gr_names_module(sg->s, n, fs)
                                 : gr_suffix_match(sg->s, n, fs->s, fs->n) ||
                                       gr_suffix_match(sg->s, n, fs->s, fs->n - 1);
            c->score = (c->lang == r->c->lang ? 2 : 0) +
                       (pass == 1 && gr_import_names_file(ref->name, c->path));
        }
        if ((i = gr_pick(r, 1, GR_TIES_ANY)) >= 0) {
            *dst = r->cands[i].id;
            return 1;
        }
    }
    return 0;
}

/* Resolve one reference: 1 and *dst, *res, or 0 with *reason (unresolved), or an error. */
static int gr_resolve_one(gr_rctx *r, const gr_ref *ref, const gr_segs *sg, uint64_t *dst, int *res,
                          int *reason)
{
    int rc;

    *reason = GR_UNRES_NOT_FOUND;
    r->seen_cands = 0;
    if (sg->n == 0) return 0;
    if (ref->kind == CG_REF_IMPORT) {
        *res = CG_RES_IMPORT;
        return gr_layer_import(r, ref, sg, dst);
    }
    if ((*dst = gr_layer_exact(r, ref, sg)) != 0) {
        *res = CG_RES_EXACT;
        return 1;
    }
    if ((rc = gr_load_cands(r, gr_ref_simple(sg), ref->kind, -1)) != 0) return rc;
    r->seen_cands = r->n_cands;
    gr_receiver_load(r, ref, sg);
    r->ref_kind = ref->kind;
    return gr_layer_project(r, sg, dst, res, reason);
}

static int gr_edge_cmp(const void *a, const void *b)
{
    const gr_out_edge *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (x->col > y->col) - (x->col < y->col);
}

static int gr_resolved_add(gr_resolved *o, const gr_out_edge *e)
{
    CG_ASSERT(e->src != 0 && e->dst != 0 && e->kind > CG_EDGE_CONTAINS && e->kind < CG_EDGE_COUNT);
    if (o->n_edges == o->cap_edges) {
        int cap = o->cap_edges ? o->cap_edges * 2 : 64;
        gr_out_edge *n = realloc(o->edges, (size_t)cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        o->edges = n;
        o->cap_edges = cap;
    }
    o->edges[o->n_edges++] = *e;
    return 0;
}

/* Sort and merge duplicates (same src, kind, dst): count them, keep the first site. */
static void gr_resolved_merge(gr_resolved *o)
{
    int w = 0;

    if (o->n_edges > 1) qsort(o->edges, (size_t)o->n_edges, sizeof(*o->edges), gr_edge_cmp);
    for (int i = 0; i < o->n_edges; i++) {
        gr_out_edge *e = &o->edges[i];
        if (w > 0 && o->edges[w - 1].src == e->src && o->edges[w - 1].kind == e->kind &&
            o->edges[w - 1].dst == e->dst) {
            o->edges[w - 1].count++;
            continue;
        }
        o->edges[w] = *e;
        o->edges[w++].count = 1;
    }
    o->n_edges = w;
    memset(o->edges_by_kind, 0, sizeof(o->edges_by_kind));
    for (int i = 0; i < w; i++) o->edges_by_kind[o->edges[i].kind]++;
}

static void gr_unres_put(gr_rctx *r, cg_store_batch *b, const gr_ref *ref, uint32_t ord,
                         const gr_segs *sg, int reason)
{
    gr_unres u = {.kind = ref->kind,
                  .reason = reason,
                  .from_local = ref->from_local,
                  .line = ref->line,
                  .col = ref->col,
                  .candidates = (uint32_t)r->seen_cands,
                  .name = ref->name};
    gr_key k;

    gr_k_unres(&k, r->c->project, gr_ref_simple(sg), r->c->uid, ord);
    if (k.over) return;
    cg_buf_reset(&r->val);
    gr_enc_unres(&r->val, &u);
    cg_store_batch_put(b, CG_STORE_CF_UNRESOLVED, k.b, k.n, r->val.data, r->val.len);
}

/* The order to resolve references in: by (simple name, kind), so that gr_load_cands reads
 * each name once per file. Results do not depend on the order. */
typedef struct gr_rorder {
    const char *names;
    const uint32_t *off;
    const gr_ref *refs;
} gr_rorder;

static int gr_rorder_cmp(const void *a, const void *b, void *ctx)
{
    const gr_rorder *o = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int d = strcmp(o->names + o->off[x], o->names + o->off[y]);
    if (d) return d;
    if (o->refs[x].kind != o->refs[y].kind) return o->refs[x].kind - o->refs[y].kind;
    return (x > y) - (x < y);
}

static int gr_rorder_build(const gr_fctx *c, uint32_t **order)
{
    uint32_t *off = calloc((size_t)c->n_refs + 1, sizeof(*off));
    cg_buf names;
    gr_segs sg;
    int rc = 0;

    cg_buf_init(&names);
    *order = calloc((size_t)c->n_refs + 1, sizeof(**order));
    if (!off || !*order) rc = CG_ENOMEM;
    for (uint32_t i = 0; !rc && i < c->n_refs; i++) {
        gr_segs_split(&sg, c->refs[i].name, c->refs[i].kind == CG_REF_IMPORT);
        off[i] = (uint32_t)names.len;
        cg_buf_append(&names, gr_ref_simple(&sg), strlen(gr_ref_simple(&sg)) + 1);
        (*order)[i] = i;
    }
    if (!rc && !cg_buf_ok(&names)) rc = CG_ENOMEM;
    if (!rc && c->n_refs > 1) {
        gr_rorder o = {.names = names.data, .off = off, .refs = c->refs};
        qsort_r(*order, c->n_refs, sizeof(**order), gr_rorder_cmp, &o);
    }
    free(off);
    cg_buf_release(&names);
    return rc;
}

/* Resolve reference i: an edge into o, or an unresolved entry into b. */
static int gr_resolve_ref(gr_rctx *r, uint32_t i, cg_store_batch *b, gr_resolved *o,
                          cg_graph_resolve_stats *st)
{
    const gr_fctx *c = r->c;
    const gr_ref *ref = &c->refs[i];
    uint64_t dst = 0;
    int res = 0, reason = 0, rc;
    gr_segs sg;

    gr_segs_split(&sg, ref->name, ref->kind == CG_REF_IMPORT);
    /* self.items.get(): a member of a field, not of the class — qualified by the field */
    if (sg.receiver == 1 && sg.n > 1) sg.receiver = 0;
    if ((rc = gr_resolve_one(r, ref, &sg, &dst, &res, &reason)) < 0) return rc;
    if (st) st->refs++;
    if (rc == 1) {
        gr_out_edge e = {.src = GR_ID(c->uid, ref->from_local),
                         .dst = dst,
                         .kind = gr_ref_edge_kind(ref->kind),
                         .resolution = res,
                         .line = ref->line,
                         .col = ref->col};
        if (st) st->by_res[res]++;
        return gr_resolved_add(o, &e);
    }
    gr_unres_put(r, b, ref, i, &sg, reason);
    o->unresolved++;
    o->ambiguous += reason == GR_UNRES_AMBIGUOUS;
    if (st) st->unresolved++, st->ambiguous += reason == GR_UNRES_AMBIGUOUS;
    return 0;
}

int gr_resolve_refs(gr_fctx *c, cg_store_batch *b, gr_resolved *o, cg_graph_resolve_stats *st)
{
    uint32_t *order = NULL;
    gr_rctx r;
    int rc;

    gr_xcache_trim(c->xc); /* between files: nothing points into it now */
    rc = gr_rctx_init(&r, c);

    if (!rc) rc = gr_rorder_build(c, &order);
    for (uint32_t i = 0; !rc && i < c->n_refs; i++) rc = gr_resolve_ref(&r, order[i], b, o, st);
    if (!rc) gr_resolved_merge(o);
    if (!rc && (!cg_buf_ok(&r.val) || r.oom)) rc = CG_ENOMEM;
    free(order);
    gr_rctx_release(&r);
    return rc;
}

void gr_resolved_release(gr_resolved *r)
{
    free(r->edges);
    memset(r, 0, sizeof(*r));
}

void gr_resolved_write(const gr_resolved *r, cg_store_batch *b, cg_buf *tmp)
{
    gr_key k;

    for (int i = 0; i < r->n_edges; i++) {
        const gr_out_edge *e = &r->edges[i];
        gr_edge ed = {
            .resolution = e->resolution, .count = e->count, .line = e->line, .col = e->col};
        cg_buf_reset(tmp);
        gr_enc_edge(tmp, &ed);
        gr_k_edge(&k, e->src, e->kind, e->dst);
        cg_store_batch_put(b, CG_STORE_CF_OUT_EDGES, k.b, k.n, tmp->data, tmp->len);
        gr_k_edge(&k, e->dst, e->kind, e->src);
        cg_store_batch_put(b, CG_STORE_CF_IN_EDGES, k.b, k.n, tmp->data, tmp->len);
    }
}

/* ---- reading unresolved references back (dumps, tests) ---- */

int cg_graph_unresolved_foreach(cg_graph_view *v,
                                int (*fn)(void *ctx, const cg_graph_unresolved *u), void *ctx)
{
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    int rc;

    gr_key_reset(&lo);
    gr_key_u8(&lo, GR_TAG_UNRES);
    gr_key_u32(&lo, v->project);
    hi = lo;
    gr_key_prefix_end(&hi);
    rc = cg_store_iter_create(v->g->s, gr_view_snap(v), CG_STORE_CF_UNRESOLVED, lo.b, lo.n, hi.b,
                              hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *val = cg_store_iter_value(it, &vl);
        gr_unres u;
        /* key: 01 P lc(simple) 00 U ord — U and ord are the last 12 bytes */
        if (kl < lo.n + 1 + 12 || gr_dec_unres(val, vl, &u) != 0) {
            rc = CG_ECORRUPT;
            break;
        }
        cg_graph_unresolved out = {
            .from = GR_ID(gr_get_u64(k + kl - 12), u.from_local),
            .kind = u.kind,
            .ambiguous = u.reason == GR_UNRES_AMBIGUOUS,
            .candidates = u.candidates,
            .line = u.line,
            .col = u.col,
            .name = u.name,
        };
        rc = fn(ctx, &out);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}
