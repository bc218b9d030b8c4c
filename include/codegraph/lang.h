/*
 * lang.h — the language registry: the tree-sitter grammars compiled into the
 * binary, how files map to languages (extension, then shebang), and each
 * language's extraction query (src/lang/<name>.scm, embedded at build time).
 *
 * Names are the `[parsing] languages` names of the operations manual: rust python
 * javascript typescript go java cpp c csharp kotlin php ruby swift scala dart.
 * TypeScript has two grammars (typescript, tsx); both register under the language
 * "typescript" with different `grammar` names.
 */
#ifndef CODEGRAPH_LANG_H
#define CODEGRAPH_LANG_H

#include <stddef.h>

typedef struct TSLanguage TSLanguage;

typedef struct cg_lang {
    const char *name;              /**< config name: "python", "typescript", … */
    const char *grammar;           /**< grammar name: "python", "tsx", … */
    const char *grammar_version;   /**< npm package version the grammar came from */
    const TSLanguage *(*ts)(void); /**< tree_sitter_<grammar>() */
    const char *const *extensions; /**< NULL-terminated, with the dot: ".py" */
    const char *const *shebangs;   /**< interpreter names: "python3", "node"; NULL-terminated */
    const char *query;             /**< extraction query source (tags.scm conventions, ours) */
    size_t query_len;
} cg_lang;

/** All registered grammars (16: the 15 languages, TypeScript twice). */
const cg_lang *cg_lang_all(int *n);
/** By config name or grammar name ("typescript", "tsx"); NULL if unknown. */
const cg_lang *cg_lang_by_name(const char *name);
/**
 * Detect from a path's extension, else from a shebang in `head` (the file's first
 * bytes, may be NULL). NULL when no language applies.
 */
const cg_lang *cg_lang_detect(const char *path, const char *head, size_t head_len);

#endif
