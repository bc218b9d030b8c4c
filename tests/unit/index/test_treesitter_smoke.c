/*
 * test_treesitter_smoke.c — proves the tree-sitter link recipe: the 0.25 runtime compiled
 * from vendor/ and the Python grammar compiled into the binary load together (ABI 13..15),
 * parse real Python into a "module" with a function_definition named "foo" (found through
 * the grammar's field names), and report a syntax error through ts_node_has_error.
 */
#include <stdint.h>
#include <string.h>

#include "cgtest.h"
#include "tree_sitter/api.h"

const TSLanguage *tree_sitter_python(void);

/* Nodes visited at most while searching (the sources below are tiny). */
#define WALK_NODES_MAX 10000

static const char good_src[] = "import os\n"
                               "\n"
                               "class Bar:\n"
                               "    def method(self):\n"
                               "        return 1\n"
                               "\n"
                               "def foo(a, b=2):\n"
                               "    \"\"\"Add two numbers.\"\"\"\n"
                               "    return a + b\n";

static const char bad_src[] = "def broken(:\n    return )\n";

static TSTree *parse(TSParser *p, const char *src)
{
    return ts_parser_parse_string(p, NULL, src, (uint32_t)strlen(src));
}

/* Depth-first search for a function_definition whose name is `name`. */
static int find_function(TSNode root, const char *src, const char *name, TSNode *out)
{
    TSTreeCursor c = ts_tree_cursor_new(root);
    int found = 0, visited = 0;

    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        if (++visited > WALK_NODES_MAX) break;
        if (strcmp(ts_node_type(n), "function_definition") == 0) {
            TSNode id = ts_node_child_by_field_name(n, "name", 4);
            uint32_t a = ts_node_start_byte(id), b = ts_node_end_byte(id);
            if (!ts_node_is_null(id) && b - a == strlen(name) &&
                memcmp(src + a, name, b - a) == 0) {
                *out = n;
                found = 1;
                break;
            }
        }
        if (ts_tree_cursor_goto_first_child(&c)) continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c)) goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    return found;
}

CG_TEST(python_grammar_loads)
{
    const TSLanguage *py = tree_sitter_python();
    CG_CHECK(py != NULL);
    uint32_t abi = ts_language_abi_version(py);
    CG_CHECK(abi >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
    CG_CHECK(abi <= TREE_SITTER_LANGUAGE_VERSION);
    CG_CHECK(abi >= 13 && abi <= 15);
    TSParser *p = ts_parser_new();
    CG_CHECK(ts_parser_set_language(p, py));
    ts_parser_delete(p);
}

CG_TEST(parses_module_and_finds_foo)
{
    TSParser *p = ts_parser_new();
    TSNode fn;

    CG_CHECK(ts_parser_set_language(p, tree_sitter_python()));
    TSTree *t = parse(p, good_src);
    CG_CHECK(t != NULL);
    TSNode root = ts_tree_root_node(t);
    CG_CHECK_STR(ts_node_type(root), "module");
    CG_CHECK(!ts_node_has_error(root));
    CG_CHECK(find_function(root, good_src, "foo", &fn));
    /* 0-based rows: "def foo" is on the 7th line, its body ends on the 9th. */
    CG_CHECK_EQ_INT(ts_node_start_point(fn).row, 6);
    CG_CHECK_EQ_INT(ts_node_end_point(fn).row, 8);
    TSNode params = ts_node_child_by_field_name(fn, "parameters", 10);
    CG_CHECK_STR(ts_node_type(params), "parameters");
    CG_CHECK_EQ_INT(ts_node_named_child_count(params), 2);
    /* The nested method is a function_definition too; an absent name is not found. */
    CG_CHECK(find_function(root, good_src, "method", &fn));
    CG_CHECK(!find_function(root, good_src, "nope", &fn));
    ts_tree_delete(t);
    ts_parser_delete(p);
}

CG_TEST(syntax_error_is_reported)
{
    TSParser *p = ts_parser_new();

    CG_CHECK(ts_parser_set_language(p, tree_sitter_python()));
    TSTree *t = parse(p, bad_src);
    CG_CHECK(t != NULL);
    TSNode root = ts_tree_root_node(t);
    CG_CHECK_STR(ts_node_type(root), "module");
    CG_CHECK(ts_node_has_error(root));
    ts_tree_delete(t);
    ts_parser_delete(p);
}

CG_TEST_MAIN()
