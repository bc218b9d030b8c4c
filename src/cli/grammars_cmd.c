/*
 * grammars_cmd.c — `codegraph grammars list` (the compiled-in languages: grammar, npm
 * version, tree-sitter ABI, extensions) and `codegraph grammars test LANG FILE` (parse one
 * file, report syntax errors with their positions, and what extraction finds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/cli.h"
#include "codegraph/extract.h"
#include "codegraph/lang.h"

#define GRAMMARS_FILE_MAX (64u << 20) /* largest file `grammars test` reads */
#define GRAMMARS_ERRORS_SHOWN 20      /* syntax errors listed, the rest counted */
#define GRAMMARS_WALK_MAX 10000000    /* nodes visited while looking for errors */

static int grammars_list(void)
{
    int n;
    const cg_lang *all = cg_lang_all(&n);
    printf("%-12s %-12s %-9s %-4s %s\n", "language", "grammar", "version", "abi", "extensions");
    for (int i = 0; i < n; i++) {
        char ext[256] = "";
        size_t used = 0;
        for (int k = 0; all[i].extensions && all[i].extensions[k]; k++)
            used += (size_t)snprintf(ext + used, used < sizeof ext ? sizeof ext - used : 0, "%s%s",
                                     k ? " " : "", all[i].extensions[k]);
        printf("%-12s %-12s %-9s %-4u %s\n", all[i].name, all[i].grammar,
               all[i].grammar_version ? all[i].grammar_version : "?",
               ts_language_abi_version(all[i].ts()), ext);
    }
    return CG_EXIT_OK;
}

static int read_file(const char *path, cg_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0 && out->len <= GRAMMARS_FILE_MAX)
        cg_buf_append(out, tmp, r);
    fclose(f);
    return out->len > GRAMMARS_FILE_MAX || !cg_buf_ok(out) ? -2 : 0;
}

/* Print ERROR/MISSING nodes (iterative walk); returns how many there are. */
static unsigned report_errors(TSNode root)
{
    TSTreeCursor c = ts_tree_cursor_new(root);
    unsigned n = 0;
    for (unsigned long visited = 0; visited < GRAMMARS_WALK_MAX; visited++) {
        TSNode node = ts_tree_cursor_current_node(&c);
        int bad = ts_node_is_error(node) || ts_node_is_missing(node);
        if (bad && n++ < GRAMMARS_ERRORS_SHOWN) {
            TSPoint p = ts_node_start_point(node);
            printf("  %s at line %u, column %u\n", ts_node_is_missing(node) ? "missing" : "error",
                   p.row + 1, p.column + 1);
        }
        if (!bad && ts_node_has_error(node) && ts_tree_cursor_goto_first_child(&c)) continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c)) goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    return n;
}

static int grammars_test(const char *lang_name, const char *path)
{
    const cg_lang *lang = cg_lang_by_name(lang_name);
    if (!lang) {
        fprintf(stderr, "codegraph: unknown language '%s' (codegraph grammars list)\n", lang_name);
        return CG_EXIT_USAGE;
    }
    /* "typescript" names two grammars: the file's extension picks tsx for .tsx. */
    const cg_lang *det = cg_lang_detect(path, NULL, 0);
    if (det && strcmp(det->name, lang->name) == 0) lang = det;
    cg_buf src;
    cg_buf_init(&src);
    if (read_file(path, &src) != 0) {
        fprintf(stderr, "codegraph: cannot read %s (missing, unreadable or over 64 MB)\n", path);
        cg_buf_release(&src);
        return CG_EXIT_RUNTIME;
    }
    TSParser *p = ts_parser_new();
    ts_parser_set_language(p, lang->ts());
    uint64_t t0 = cg_time_mono_ns();
    TSTree *tree = ts_parser_parse_string(p, NULL, src.data ? src.data : "", (uint32_t)src.len);
    double ms = (double)(cg_time_mono_ns() - t0) / 1e6;
    printf("%s: %zu bytes parsed as %s (grammar %s) in %.2f ms\n", path, src.len, lang->name,
           lang->grammar, ms);
    unsigned errors = report_errors(ts_tree_root_node(tree));
    if (errors > GRAMMARS_ERRORS_SHOWN) printf("  … and %u more\n", errors - GRAMMARS_ERRORS_SHOWN);
    ts_tree_delete(tree);
    ts_parser_delete(p);
    cg_extract x;
    cg_extract_limits lim;
    cg_extract_init(&x);
    cg_extract_limits_default(&lim);
    int rc = cg_extract_file(lang, src.data ? src.data : "", src.len, &lim, &x);
    printf("syntax errors: %u; extraction: %s, %d entities, %d references\n", errors,
           rc == 0 ? "ok" : cg_err_str(rc), x.n_entities, x.n_refs);
    for (int i = 0; i < x.n_entities && i < 50; i++)
        printf("  %-10s %s (line %u)\n", cg_entity_kind_name(x.entities[i].kind),
               cg_extract_str(&x, x.entities[i].qualified_name), x.entities[i].span.start_line);
    cg_extract_release(&x);
    cg_buf_release(&src);
    return errors == 0 && rc == 0 ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}

int cg_cli_grammars(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) return grammars_list();
    if (argc == 4 && strcmp(argv[1], "test") == 0) return grammars_test(argv[2], argv[3]);
    fputs("usage: codegraph grammars list | test LANG FILE\n", stderr);
    return CG_EXIT_USAGE;
}
