/*
 * extract.h — what one source file yields: definitions (entities) and the
 * references they make (calls, imports, inheritance, other references), before
 * any name resolution.
 *
 * Extraction is generic: each language's query (lang.h) tags nodes with capture
 * names in the tags.scm convention, and one engine turns matches into entities
 * and references:
 *   @definition.<kind>  the whole definition node; <kind> is one of the
 *                       cg_entity_kind names below (function, method, class, …)
 *   @name               the defined (or referenced) name inside the match
 *   @doc                a doc comment / docstring node for the definition
 *   @reference.call | .import | .inherit | .implement | .type
 *                       a reference node; its @name is the target as written
 * Parents come from nesting (the innermost enclosing definition); a function
 * whose parent is a class-like entity becomes a method; qualified names join the
 * parents' names with ".". Every string lives in `strings` and is named by an
 * offset (offset 0 is the empty string), so the result is one flat, relocatable
 * block that is cheap to hand between threads.
 *
 * Engine rules in detail (src/index/extract.c; queries may rely on them):
 *  - Other captures: @scope (below); a capture whose name starts with "_" is a
 *    helper for predicates and otherwise ignored. Any other capture name, or an
 *    unknown <kind>, makes the query fail to load (CG_ELANG).
 *  - Predicates: #eq? #not-eq? (capture vs string or capture), #match?
 *    #not-match? (POSIX extended regex, GNU \s \w \b allowed, no \d), #any-of?
 *    #not-any-of?. A predicate over a capture holding several nodes must hold
 *    for each. Exception: on @doc, a failing node is dropped from the doc, the
 *    match is kept. Directives (#strip!, #set-adjacent!, …) are ignored; any
 *    other predicate makes the query fail to load.
 *  - Definitions are keyed by their node's byte range and their @name node:
 *    overlapping patterns that capture the same pair merge into one entity (kind
 *    from the lowest pattern index, the longest doc, the first @scope); one node
 *    with several names (`const A = 1, B = 2`) gives several sibling entities.
 *    A match without @name yields no entity.
 *  - @doc: several @doc nodes (e.g. `(comment)* @doc . (def)`) are joined in
 *    order. (Such a quantified, anchored prefix works only at the top level of a
 *    pattern, `((comment)* @doc . (def) …)`: inside a parent node pattern,
 *    `(body (comment)* @doc . (def))`, tree-sitter 0.25 misses matches.) Doc nodes ending before
 * the definition keep only the run that is line-contiguous and ends on the line just above it (or
 * on its first line); a comment trailing code on its line is not a doc. Markers are stripped (line
 * comments //, ///, //!, #; block comment openers, closers and the leading '*' of their lines; a
 * docstring's quotes and prefix letters), the text is dedented, and cut at max_doc_bytes (0: no
 * docs).
 *  - signature: the definition's text up to its body (the child with field
 *    "body", or a child/grandchild of a block-like type), whitespace collapsed,
 *    cut at max_signature_bytes (0: none); the whole text when there is no body.
 *  - @scope (in a definition or reference match): the type the item belongs to
 *    when that is not shown by nesting (a Go receiver, a Rust `impl X`, a C++
 *    `X::f` defined out of line, a Swift extension). The text ("::" read as ".")
 *    is looked up by last segment among this file's non-function entities that
 *    have no @scope themselves: found → it becomes the parent (or the reference's
 *    `from`); not found → the qualified name is <nesting parent>.<scope>.<name>.
 *    A function with a @scope becomes a method.
 *  - References are keyed by (kind, node range, @name range): duplicates merge.
 *    Without @name the reference node's text is the name. Names have all
 *    whitespace removed. `from` is the innermost definition containing the
 *    reference node (by byte range), unless @scope resolves.
 *  - Entities and references come out in document order (start byte; an outer
 *    definition before the inner one that starts at the same byte).
 */
#ifndef CODEGRAPH_EXTRACT_H
#define CODEGRAPH_EXTRACT_H

#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/lang.h"

typedef enum {
    CG_KIND_FUNCTION,
    CG_KIND_METHOD,
    CG_KIND_CLASS,
    CG_KIND_STRUCT,
    CG_KIND_INTERFACE,
    CG_KIND_TRAIT,
    CG_KIND_ENUM,
    CG_KIND_MODULE, /**< module, namespace, package, object (Scala/Kotlin) */
    CG_KIND_CONSTANT,
    CG_KIND_TYPE_ALIAS,
    CG_KIND_COUNT
} cg_entity_kind;

typedef enum {
    CG_REF_CALL,
    CG_REF_IMPORT,
    CG_REF_INHERIT,
    CG_REF_IMPLEMENT,
    CG_REF_TYPE, /**< any other reference to a named type/symbol */
    CG_REF_COUNT
} cg_ref_kind;

/** Lines are 1-based, columns 0-based bytes, bytes are offsets into the file. */
typedef struct cg_span {
    uint32_t start_line, start_col, end_line, end_col;
    uint32_t start_byte, end_byte;
} cg_span;

typedef struct cg_xentity {
    cg_entity_kind kind;
    uint32_t name, qualified_name, signature, doc; /**< offsets into strings */
    int32_t parent;                                /**< entity index, -1 = top level */
    cg_span span;
} cg_xentity;

typedef struct cg_xref {
    cg_ref_kind kind;
    uint32_t name; /**< target as written ("os.path", "Base", "self.run") */
    int32_t from;  /**< enclosing entity index, -1 = file level */
    cg_span span;
} cg_xref;

typedef struct cg_extract {
    cg_xentity *entities;
    int n_entities, cap_entities;
    cg_xref *refs;
    int n_refs, cap_refs;
    cg_buf strings;       /**< NUL-separated strings; offset 0 is "" */
    uint32_t error_nodes; /**< ERROR/MISSING nodes in the tree (0 = clean parse) */
    int truncated;        /**< a limit stopped extraction early (still a usable result) */
    int timed_out;        /**< the parse hit the time box; the result is empty */
} cg_extract;

typedef struct cg_extract_limits {
    uint64_t parse_timeout_us; /**< per-file time box, parse + query (0 = none) */
    int max_entities;          /**< per file */
    int max_refs;              /**< per file */
    uint32_t max_doc_bytes;    /**< docstrings are cut at this length */
    uint32_t max_signature_bytes;
} cg_extract_limits;

/** Sensible limits (see limits.h). */
void cg_extract_limits_default(cg_extract_limits *l);
void cg_extract_init(cg_extract *x);
void cg_extract_release(cg_extract *x);
/** The string at an offset. */
static inline const char *cg_extract_str(const cg_extract *x, uint32_t off)
{
    return x->strings.data ? x->strings.data + off : "";
}

/**
 * Parse `src` with `lang` and extract into `out` (which must be initialised; it is
 * reset first). Thread-safe: parsers and query cursors are per thread, compiled
 * queries are shared. Returns 0, CG_EPARSE (timed out or the parser gave up:
 * out->timed_out tells), CG_ELANG (the language's query does not compile — a
 * build defect, logged), or CG_ENOMEM.
 */
int cg_extract_file(const cg_lang *lang, const char *src, size_t len, const cg_extract_limits *lim,
                    cg_extract *out);

/** "function", "class", … / "call", "import", … */
const char *cg_entity_kind_name(cg_entity_kind k);
const char *cg_ref_kind_name(cg_ref_kind k);
/** Parse a kind name; -1 if unknown. */
int cg_entity_kind_parse(const char *s);

#endif
