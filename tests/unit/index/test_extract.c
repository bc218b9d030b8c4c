/*
 * test_extract.c — proves the language registry and the extraction engine:
 *  - detection by extension, special file name and shebang (env, versioned
 *    interpreters, env flags), and registry look-ups by language and grammar name;
 *  - for each of python, javascript, typescript, tsx, go, rust, java, c and cpp, the
 *    EXACT set of entities (kind, qualified name, parent, lines) and references
 *    (kind, name, enclosing entity, line) extracted from a fixture under
 *    tests/fixtures/<lang>/ (read relative to the repository root, the cwd), plus
 *    docs and signatures of chosen entities;
 *  - a file with a syntax error keeps the definitions before the error and counts
 *    ERROR/MISSING nodes; pathological inputs (200k nested brackets, a 4 MB line)
 *    come back within the time box without crashing; max_entities / max_refs set
 *    `truncated`; two threads extracting at once get the same results as one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/extract.h"

#define FIXTURE_BYTES_MAX (1 << 20) /* fixtures are small */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s (run from the repository root)\n", path);
        return NULL;
    }
    char *buf = malloc(FIXTURE_BYTES_MAX);
    *n = buf ? fread(buf, 1, FIXTURE_BYTES_MAX, f) : 0;
    fclose(f);
    return buf;
}

static const char *qname(const cg_extract *x, int i)
{
    return i < 0 ? "-" : cg_extract_str(x, x->entities[i].qualified_name);
}

/*
 * One line per entity: "<kind> <qualified name> <parent's qualified name or -> L<a>-<b>",
 * then one per reference: "<kind> <name> <from's qualified name or -> L<line>".
 */
static void render(const cg_extract *x, cg_buf *b)
{
    for (int i = 0; i < x->n_entities; i++) {
        const cg_xentity *e = &x->entities[i];
        cg_buf_printf(b, "%s %s %s L%u-%u\n", cg_entity_kind_name(e->kind), qname(x, i),
                      qname(x, e->parent), e->span.start_line, e->span.end_line);
    }
    for (int i = 0; i < x->n_refs; i++) {
        const cg_xref *r = &x->refs[i];
        cg_buf_printf(b, "%s %s %s L%u\n", cg_ref_kind_name(r->kind), cg_extract_str(x, r->name),
                      qname(x, r->from), r->span.start_line);
    }
}

/* Extract `path` (language detected) into x; 0 or the error. */
static int extract_path(const char *path, const cg_extract_limits *lim, cg_extract *x)
{
    size_t n;
    char *src = slurp(path, &n);
    if (!src) return CG_ENOTFOUND;
    const cg_lang *l = cg_lang_detect(path, src, n);
    int rc = l ? cg_extract_file(l, src, n, lim, x) : CG_ELANG;
    free(src);
    return rc;
}

/* 1 when the fixture yields exactly `want` (printed side by side otherwise). */
static int fixture_matches(const char *path, const char *want, cg_extract *x)
{
    cg_buf b;
    cg_buf_init(&b);
    int rc = extract_path(path, NULL, x);
    if (rc == 0) render(x, &b);
    int ok = rc == 0 && x->error_nodes == 0 && !x->truncated && b.data &&
             strcmp(b.data, want) == 0;
    if (!ok)
        fprintf(stderr, "  %s: rc=%d errors=%u\n--- got:\n%s--- want:\n%s", path, rc,
                x->error_nodes, b.data ? b.data : "", want);
    cg_buf_release(&b);
    return ok;
}

/* The index of the entity with qualified name q, or -1. */
static int entity(const cg_extract *x, const char *q)
{
    for (int i = 0; i < x->n_entities; i++)
        if (strcmp(qname(x, i), q) == 0) return i;
    return -1;
}

static const char *doc_of(const cg_extract *x, const char *q)
{
    int i = entity(x, q);
    return i < 0 ? "(no entity)" : cg_extract_str(x, x->entities[i].doc);
}

static const char *sig_of(const cg_extract *x, const char *q)
{
    int i = entity(x, q);
    return i < 0 ? "(no entity)" : cg_extract_str(x, x->entities[i].signature);
}
static const char want_python[] =
    "constant MAX_SIDES - L7-7\n"
    "class Shape - L11-20\n"
    "constant Shape.KIND Shape L14-14\n"
    "method Shape.__init__ Shape L16-17\n"
    "method Shape.area Shape L19-20\n"
    "class Circle - L23-34\n"
    "method Circle.__init__ Circle L24-26\n"
    "method Circle.area Circle L29-34\n"
    "class Square - L37-39\n"
    "method Square.area Square L38-39\n"
    "function total_area - L42-45\n"
    "function total_area.one total_area L43-44\n"
    "function describe - L48-50\n"
    "type_alias Pair - L53-53\n"
    "import math - L2\n"
    "import sys - L2\n"
    "import os.path - L3\n"
    "import typing - L4\n"
    "import util - L5\n"
    "type str Shape.__init__ L16\n"
    "type float Shape.area L19\n"
    "inherit Shape Circle L23\n"
    "type float Circle.__init__ L24\n"
    "call super().__init__ Circle.__init__ L25\n"
    "call super Circle.__init__ L25\n"
    "type float Circle.area L29\n"
    "inherit Shape Square L37\n"
    "inherit util.Mixin Square L37\n"
    "type float total_area L42\n"
    "call s.area total_area.one L44\n"
    "call sum total_area L45\n"
    "call one total_area L45\n"
    "call osp.basename describe L50\n";

static const char want_javascript[] =
    "constant MAX_RETRIES - L5-5\n"
    "class Service - L11-27\n"
    "method Service.constructor Service L12-15\n"
    "method Service.start Service L18-21\n"
    "method Service.stop Service L24-26\n"
    "class Http - L29-34\n"
    "method Http.start Http L30-33\n"
    "function create - L37-39\n"
    "function helper - L41-43\n"
    "function ids - L45-47\n"
    "import events - L1\n"
    "import node:path - L2\n"
    "call require - L3\n"
    "import ./util - L3\n"
    "inherit EventEmitter Service L11\n"
    "call this.emit Service.start L19\n"
    "call util.log Service.start L20\n"
    "call this.emit Service.stop L25\n"
    "inherit Service Http L29\n"
    "call Server Http.start L31\n"
    "call path.join Http.start L31\n"
    "call s.listen Http.start L32\n"
    "call Http create L38\n"
    "call Service create L38\n"
    "call create helper L42\n";

static const char want_typescript[] =
    "constant DEFAULT_LIMIT - L5-5\n"
    "interface Persistable - L8-11\n"
    "method Persistable.save Persistable L9-9\n"
    "interface Named - L13-15\n"
    "enum Color - L17-20\n"
    "type_alias ItemMap - L22-22\n"
    "class Base - L24-26\n"
    "method Base.load Base L25-25\n"
    "class MemoryStore - L32-44\n"
    "method MemoryStore.load MemoryStore L37-39\n"
    "method MemoryStore.save MemoryStore L41-43\n"
    "module Util - L46-50\n"
    "function Util.clamp Util L47-49\n"
    "function makeStore - L52-52\n"
    "function external - L54-54\n"
    "import @angular/core - L1\n"
    "import ./model - L2\n"
    "import fs - L3\n"
    "inherit Named Persistable L8\n"
    "type Promise Persistable.save L9\n"
    "type T Base.load L25\n"
    "call Injectable - L31\n"
    "inherit Base MemoryStore L32\n"
    "implement Persistable MemoryStore L32\n"
    "implement Named MemoryStore L32\n"
    "type ItemMap MemoryStore L33\n"
    "call Map MemoryStore L33\n"
    "type Item MemoryStore.load L37\n"
    "call this.items.get MemoryStore.load L38\n"
    "type Promise MemoryStore.save L41\n"
    "call fs.writeFileSync MemoryStore.save L42\n"
    "call JSON.stringify MemoryStore.save L42\n"
    "call Math.min Util.clamp L48\n"
    "call Math.max Util.clamp L48\n"
    "type MemoryStore makeStore L52\n"
    "call MemoryStore makeStore L52\n";

static const char want_tsx[] =
    "interface Props - L4-6\n"
    "function Header - L9-16\n"
    "class Page - L18-22\n"
    "method Page.render Page L19-21\n"
    "import react - L1\n"
    "import ./button - L2\n"
    "type Props Header L9\n"
    "call Button Header L12\n"
    "call track Header L12\n"
    "call Icon Header L13\n"
    "inherit React.Component Page L18\n"
    "call Header Page.render L20\n";

static const char want_go[] =
    "constant MaxUsers - L13-13\n"
    "constant modeRead - L16-16\n"
    "constant modeWrite - L16-16\n"
    "struct User - L20-25\n"
    "interface Saver - L29-32\n"
    "method Saver.Save Saver L31-31\n"
    "type_alias Celsius - L34-34\n"
    "type_alias ID - L35-35\n"
    "struct Repo - L39-41\n"
    "method Repo.Save Repo L44-50\n"
    "method Celsius.String Celsius L52-52\n"
    "function NewRepo - L54-57\n"
    "import errors - L5\n"
    "import fmt - L6\n"
    "import strings - L7\n"
    "import os - L10\n"
    "inherit Base User L21\n"
    "inherit Audit User L22\n"
    "type Address User L24\n"
    "inherit fmt.Stringer Saver L30\n"
    "type User Saver.Save L31\n"
    "type Repo Repo.Save L44\n"
    "type User Repo.Save L44\n"
    "call New Repo.Save L46\n"
    "call ToLower Repo.Save L48\n"
    "type Celsius Celsius.String L52\n"
    "call Sprintf Celsius.String L52\n"
    "type Repo NewRepo L54\n"
    "call Exit NewRepo L55\n"
    "type Repo NewRepo L56\n";

static const char want_rust[] =
    "constant MAX_ID - L9-9\n"
    "constant COUNTER - L10-10\n"
    "trait Shape - L13-19\n"
    "method Shape.area Shape L15-15\n"
    "method Shape.name Shape L16-18\n"
    "struct Circle - L23-26\n"
    "struct Point - L30-30\n"
    "enum Kind - L32-35\n"
    "type_alias Registry - L37-37\n"
    "method Circle.new Circle L41-43\n"
    "method Circle.area Circle L47-49\n"
    "method Circle.fmt Circle L53-55\n"
    "module util - L58-63\n"
    "function util.helper util L59-62\n"
    "function log - L65-68\n"
    "import std::collections::HashMap - L2\n"
    "import std::fmt::{self,Display} - L3\n"
    "import crate::util::helper - L4\n"
    "import serde - L6\n"
    "inherit Display Shape L13\n"
    "inherit fmt::Debug Shape L13\n"
    "type String Shape.name L16\n"
    "call String::from Shape.name L17\n"
    "type Point Circle L25\n"
    "type Circle Circle.new L42\n"
    "call Point Circle.new L42\n"
    "implement Shape Circle L46\n"
    "call self.r.powi Circle.area L48\n"
    "implement fmt::Display Circle L52\n"
    "type fmt::Formatter Circle.fmt L53\n"
    "type fmt::Result Circle.fmt L53\n"
    "call write Circle.fmt L54\n"
    "type Registry util.helper L59\n"
    "call reg.clear util.helper L60\n"
    "call log util.helper L61\n"
    "call println log L66\n"
    "call h log L67\n"
    "call HashMap::new log L67\n";

static const char want_java[] =
    "interface Priced - L11-16\n"
    "constant Priced.REORDER_LEVEL Priced L13-13\n"
    "method Priced.price Priced L15-15\n"
    "enum Category - L18-24\n"
    "method Category.label Category L21-23\n"
    "class Inventory - L27-58\n"
    "constant Inventory.MAX_ITEMS Inventory L28-28\n"
    "method Inventory.Inventory Inventory L32-34\n"
    "method Inventory.price Inventory L36-39\n"
    "method Inventory.add Inventory L41-45\n"
    "class Inventory.Item Inventory L47-57\n"
    "method Inventory.Item.Item Inventory.Item L50-52\n"
    "method Inventory.Item.name Inventory.Item L54-56\n"
    "import java.util.ArrayList - L3\n"
    "import java.util.List - L4\n"
    "import java.util.Objects.requireNonNull - L5\n"
    "import com.acme.util - L6\n"
    "inherit Comparable Priced L11\n"
    "implement Labeled Category L18\n"
    "type String Category.label L21\n"
    "call toLowerCase Category.label L22\n"
    "call name Category.label L22\n"
    "inherit BaseStore Inventory L27\n"
    "implement Priced Inventory L27\n"
    "implement java.io.Serializable Inventory L27\n"
    "type List Inventory L29\n"
    "call ArrayList Inventory L29\n"
    "call sum Inventory.price L38\n"
    "call mapToDouble Inventory.price L38\n"
    "call stream Inventory.price L38\n"
    "type Item Inventory.add L41\n"
    "type Item Inventory.add L41\n"
    "call requireNonNull Inventory.add L42\n"
    "call add Inventory.add L43\n"
    "call Item Inventory.add L43\n"
    "call name Inventory.add L43\n"
    "type String Inventory.Item L48\n"
    "type String Inventory.Item.Item L50\n"
    "type String Inventory.Item.name L54\n";

static const char want_c[] =
    "constant LIST_MAX - L6-6\n"
    "function LIST_EMPTY - L7-7\n"
    "constant list_debug - L9-9\n"
    "struct node - L12-15\n"
    "type_alias node_t - L17-17\n"
    "type_alias list_t - L23-23\n"
    "enum color - L25-25\n"
    "type_alias cmp_fn - L27-27\n"
    "function list_new - L31-35\n"
    "function list_push - L37-45\n"
    "function list_sort - L47-51\n"
    "import <stdlib.h> - L2\n"
    "import <string.h> - L3\n"
    "import list.h - L4\n"
    "type node node L13\n"
    "type item_t node L14\n"
    "type node_t - L21\n"
    "type list_t list_new L31\n"
    "type list_t list_new L33\n"
    "call calloc list_new L33\n"
    "type list_t list_push L37\n"
    "type item_t list_push L37\n"
    "type node_t list_push L39\n"
    "call malloc list_push L39\n"
    "call memset list_push L41\n"
    "type list_t list_sort L47\n"
    "type cmp_fn list_sort L47\n"
    "call qsort list_sort L49\n"
    "call resort list_sort L50\n";

static const char want_cpp[] =
    "module geo - L8-50\n"
    "constant geo.PI geo L10-10\n"
    "class geo.Shape geo L13-19\n"
    "method geo.Shape.~Shape geo.Shape L15-15\n"
    "method geo.Shape.area geo.Shape L17-17\n"
    "method geo.Shape.name geo.Shape L18-18\n"
    "struct geo.Box geo L22-24\n"
    "class geo.Circle geo L26-32\n"
    "method geo.Circle.Circle geo.Circle L28-28\n"
    "method geo.Circle.area geo.Circle L29-29\n"
    "method geo.Circle.Circle geo.Circle L34-34\n"
    "method geo.Circle.area geo.Circle L36-39\n"
    "type_alias geo.ShapeList geo L41-41\n"
    "function geo.total geo L43-48\n"
    "function main - L52-59\n"
    "import <vector> - L2\n"
    "import <memory> - L3\n"
    "import shapes.hpp - L4\n"
    "import std - L6\n"
    "type T geo.Box L23\n"
    "inherit Shape geo.Circle L26\n"
    "inherit Named geo.Circle L26\n"
    "call square geo.Circle.area L38\n"
    "type ShapeList geo.total L43\n"
    "call area geo.total L46\n"
    "call push_back main L55\n"
    "call make_unique main L55\n"
    "call Circle main L56\n"
    "call total main L58\n";

static const struct fixture {
    const char *path, *want;
} fixtures[] = {
    {"tests/fixtures/python/shapes.py", want_python},
    {"tests/fixtures/javascript/app.js", want_javascript},
    {"tests/fixtures/typescript/store.ts", want_typescript},
    {"tests/fixtures/typescript/view.tsx", want_tsx},
    {"tests/fixtures/go/repo.go", want_go},
    {"tests/fixtures/rust/shapes.rs", want_rust},
    {"tests/fixtures/java/Inventory.java", want_java},
    {"tests/fixtures/c/list.c", want_c},
    {"tests/fixtures/cpp/shapes.cpp", want_cpp},
};

/* ---- registry ------------------------------------------------------------------- */

static const char *grammar_of(const char *path, const char *head)
{
    const cg_lang *l = cg_lang_detect(path, head, head ? strlen(head) : 0);
    return l ? l->grammar : "(none)";
}

CG_TEST(registry_lists_16_grammars_and_finds_by_name)
{
    int n = 0;
    const cg_lang *all = cg_lang_all(&n);
    CG_CHECK_EQ_INT(n, 16);
    for (int i = 0; i < n; i++) {
        CG_CHECK(all[i].ts != NULL && all[i].ts() != NULL);
        CG_CHECK(all[i].extensions[0] != NULL);
        CG_CHECK(all[i].grammar_version != NULL && all[i].grammar_version[0] != 0);
    }
    CG_CHECK_STR(cg_lang_by_name("typescript")->grammar, "typescript");
    CG_CHECK_STR(cg_lang_by_name("tsx")->name, "typescript");
    CG_CHECK_STR(cg_lang_by_name("csharp")->grammar, "c_sharp");
    CG_CHECK_STR(cg_lang_by_name("c_sharp")->name, "csharp");
    CG_CHECK(cg_lang_by_name("cobol") == NULL);
    CG_CHECK(cg_lang_by_name(NULL) == NULL);
    CG_CHECK(cg_lang_by_name("python")->query_len > 0);
}

CG_TEST(detects_by_extension)
{
    static const char *const cases[][2] = {
        {"a/b.rs", "rust"},        {"x.py", "python"},        {"x.pyi", "python"},
        {"x.pyw", "python"},       {"x.js", "javascript"},    {"x.mjs", "javascript"},
        {"x.cjs", "javascript"},   {"x.jsx", "javascript"},   {"x.ts", "typescript"},
        {"x.mts", "typescript"},   {"x.cts", "typescript"},   {"x.tsx", "tsx"},
        {"x.go", "go"},            {"X.java", "java"},        {"x.cc", "cpp"},
        {"x.cpp", "cpp"},          {"x.cxx", "cpp"},          {"x.c++", "cpp"},
        {"x.hh", "cpp"},           {"x.hpp", "cpp"},          {"x.hxx", "cpp"},
        {"x.h++", "cpp"},          {"x.ipp", "cpp"},          {"x.h", "c"},
        {"x.c", "c"},              {"x.cs", "c_sharp"},       {"x.kt", "kotlin"},
        {"x.kts", "kotlin"},       {"x.php", "php"},          {"x.phtml", "php"},
        {"x.rb", "ruby"},          {"x.rake", "ruby"},        {"x.gemspec", "ruby"},
        {"dir/Rakefile", "ruby"},  {"Gemfile", "ruby"},       {"x.swift", "swift"},
        {"x.scala", "scala"},      {"x.sc", "scala"},         {"x.dart", "dart"},
        {"x.txt", "(none)"},       {"Makefile", "(none)"},    {".py", "(none)"},
        {"dir.py/README", "(none)"}, {"x.PY", "(none)"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++)
        CG_CHECK_STR(grammar_of(cases[i][0], NULL), cases[i][1]);
    CG_CHECK_STR(cg_lang_detect("x.tsx", NULL, 0)->name, "typescript");
}

CG_TEST(detects_by_shebang)
{
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/env python3\nprint(1)\n"), "python");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/python3.11\n"), "python");
    CG_CHECK_STR(grammar_of("bin/tool", "#! /usr/bin/python -u\n"), "python");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/env node\r\n"), "javascript");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/env -S ruby -w\n"), "ruby");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/local/bin/ruby3.2"), "ruby");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/php\n"), "php");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/bin/sh\n"), "(none)");
    CG_CHECK_STR(grammar_of("bin/tool", "#!/usr/bin/env\n"), "(none)");
    CG_CHECK_STR(grammar_of("bin/tool", "# python3\n"), "(none)");
    CG_CHECK_STR(grammar_of("bin/tool", NULL), "(none)");
    /* The extension wins over the shebang. */
    CG_CHECK_STR(grammar_of("tool.rb", "#!/usr/bin/env python3\n"), "ruby");
}

/* ---- fixtures: exact sets ---------------------------------------------------------- */

CG_TEST(fixtures_yield_exact_entities_and_references)
{
    cg_extract x;
    cg_extract_init(&x);
    for (size_t i = 0; i < CG_ARRAY_LEN(fixtures); i++)
        CG_CHECK(fixture_matches(fixtures[i].path, fixtures[i].want, &x));
    cg_extract_release(&x);
}

CG_TEST(python_docs_and_signatures)
{
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/python/shapes.py", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "Shape"), "A shape with a name.");
    CG_CHECK_STR(doc_of(&x, "Circle.area"), "Area of the circle.\n\nUses math.pi.");
    CG_CHECK_STR(doc_of(&x, "describe"), "");
    CG_CHECK_STR(sig_of(&x, "total_area"), "def total_area(shapes: List[Shape]) -> float:");
    CG_CHECK_STR(sig_of(&x, "describe"), "def describe(path):");
    CG_CHECK_STR(sig_of(&x, "Square"), "class Square(Shape, util.Mixin):");
    int i = entity(&x, "Circle.area");
    CG_CHECK(i >= 0);
    if (i >= 0) {
        const cg_span *s = &x.entities[i].span;
        CG_CHECK_EQ_INT(s->start_col, 4);
        CG_CHECK_EQ_INT(s->end_line, 34);
        CG_CHECK(s->end_byte > s->start_byte);
        CG_CHECK(memcmp(cg_extract_str(&x, x.entities[i].signature), "def area", 8) == 0);
    }
    cg_extract_release(&x);
}

CG_TEST(js_ts_docs_and_signatures)
{
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/javascript/app.js", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "Service"), "Base class for every service.");
    CG_CHECK_STR(doc_of(&x, "Service.start"), "Start the service.");
    CG_CHECK_STR(doc_of(&x, "Service.stop"), "");
    CG_CHECK_STR(sig_of(&x, "helper"), "helper = async (x) =>");
    CG_CHECK_STR(sig_of(&x, "Service"), "class Service extends EventEmitter");
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/typescript/store.ts", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "MemoryStore"), "An in-memory store.");
    CG_CHECK_STR(doc_of(&x, "Persistable"), "Something that can be saved.");
    CG_CHECK_STR(sig_of(&x, "Persistable.save"), "save(force: boolean): Promise<void>");
    CG_CHECK_STR(sig_of(&x, "external"), "function external(x: number): void");
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/typescript/view.tsx", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "Header"), "The page header.");
    cg_extract_release(&x);
}

CG_TEST(go_rust_docs_and_signatures)
{
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/go/repo.go", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "User"), "User is a person.");
    CG_CHECK_STR(doc_of(&x, "Saver"), "Saver saves things.");
    CG_CHECK_STR(doc_of(&x, "Repo.Save"), "Save stores a user.");
    CG_CHECK_STR(doc_of(&x, "NewRepo"), "");
    CG_CHECK_STR(sig_of(&x, "Saver"), "Saver interface");
    CG_CHECK_STR(sig_of(&x, "Repo.Save"), "func (r *Repo[T]) Save(u *User) error");
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/rust/shapes.rs", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "Shape"), "Anything with an area.");
    CG_CHECK_STR(doc_of(&x, "Shape.area"), "The area.");
    CG_CHECK_STR(doc_of(&x, "Circle"), ""); /* a plain // comment, then an attribute */
    CG_CHECK_STR(doc_of(&x, "Point"), "A point.");
    CG_CHECK_STR(sig_of(&x, "Circle.fmt"), "fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result");
    CG_CHECK_STR(sig_of(&x, "Shape"), "pub trait Shape: Display + fmt::Debug");
    cg_extract_release(&x);
}

CG_TEST(java_c_cpp_docs_and_signatures)
{
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/java/Inventory.java", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "Priced"), "Something with a price.");
    CG_CHECK_STR(doc_of(&x, "Priced.REORDER_LEVEL"), "Units in stock before a reorder.");
    CG_CHECK_STR(doc_of(&x, "Inventory.Inventory"), "Make an empty inventory.");
    CG_CHECK_STR(sig_of(&x, "Inventory.price"), "@Override public double price()");
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/c/list.c", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "list_new"),
                 "Make an empty list.\nThe caller frees it with list_free().");
    CG_CHECK_STR(doc_of(&x, "node"), "One element.");
    CG_CHECK_STR(doc_of(&x, "list_t"), "The list.");
    CG_CHECK_STR(doc_of(&x, "list_push"), "");
    CG_CHECK_STR(sig_of(&x, "list_new"), "list_t *list_new(void)");
    CG_CHECK_STR(sig_of(&x, "LIST_MAX"), "#define LIST_MAX 1024");
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/cpp/shapes.cpp", NULL, &x), 0);
    CG_CHECK_STR(doc_of(&x, "geo.Shape"), "Base of all shapes.");
    CG_CHECK_STR(doc_of(&x, "geo.Shape.area"), "Area in square units.");
    CG_CHECK_STR(sig_of(&x, "geo.Circle"), "class Circle : public Shape, private Named<Circle>");
    cg_extract_release(&x);
}

/* ---- engine rules -------------------------------------------------------------------- */

static int extract_str(const char *grammar, const char *src, const cg_extract_limits *lim,
                       cg_extract *x)
{
    return cg_extract_file(cg_lang_by_name(grammar), src, strlen(src), lim, x);
}

CG_TEST(doc_comments_must_touch_the_definition)
{
    static const char src[] = "package p\n"
                              "\n"
                              "// detached by a blank line\n"
                              "\n"
                              "func a() {}\n"
                              "var x = 1 // trails code\n"
                              "func b() {}\n"
                              "// one\n"
                              "//   indented\n"
                              "// two\n"
                              "func c() {}\n"
                              "/*\n"
                              " * Block.\n"
                              " */\n"
                              "func d() {}\n";
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_str("go", src, NULL, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities, 4);
    CG_CHECK_STR(doc_of(&x, "a"), "");
    CG_CHECK_STR(doc_of(&x, "b"), "");
    CG_CHECK_STR(doc_of(&x, "c"), "one\n  indented\ntwo");
    CG_CHECK_STR(doc_of(&x, "d"), "Block.");
    cg_extract_release(&x);
}

CG_TEST(empty_and_comment_only_files)
{
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_str("python", "", NULL, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities + x.n_refs, 0);
    CG_CHECK_EQ_INT(extract_str("rust", "// nothing here\n", NULL, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities + x.n_refs, 0);
    CG_CHECK_EQ_INT(x.error_nodes, 0);
    CG_CHECK_STR(cg_extract_str(&x, 0), "");
    CG_CHECK_EQ_INT(cg_extract_file(NULL, "", 0, NULL, &x), CG_ELANG);
    cg_extract_release(&x);
}

CG_TEST(syntax_errors_keep_earlier_definitions)
{
    static const char py[] = "def good_one():\n"
                             "    return 1\n"
                             "\n"
                             "class Fine:\n"
                             "    def m(self):\n"
                             "        helper()\n"
                             "\n"
                             "def broken(:\n"
                             "    return )\n";
    static const char js[] = "function ok() { run(); }\n"
                             "class K { m() {} }\n"
                             "function bad( { if (\n";
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(extract_str("python", py, NULL, &x), 0);
    CG_CHECK(x.error_nodes > 0);
    CG_CHECK(entity(&x, "good_one") == 0);
    CG_CHECK(entity(&x, "Fine") == 1);
    CG_CHECK(entity(&x, "Fine.m") == 2);
    CG_CHECK(x.n_refs >= 1 && strcmp(cg_extract_str(&x, x.refs[0].name), "helper") == 0);
    CG_CHECK_EQ_INT(extract_str("javascript", js, NULL, &x), 0);
    CG_CHECK(x.error_nodes > 0);
    CG_CHECK(entity(&x, "ok") == 0);
    CG_CHECK(entity(&x, "K.m") == 2);
    cg_extract_release(&x);
}

/* n copies of `open` then n of `close` (close may be NULL), NUL-terminated. */
static char *nested(const char *prefix, char open, char close, size_t n)
{
    size_t p = strlen(prefix);
    char *s = malloc(p + 2 * n + 2);
    if (!s) return NULL;
    memcpy(s, prefix, p);
    memset(s + p, open, n);
    size_t k = p + n;
    if (close) {
        memset(s + k, close, n);
        k += n;
    }
    s[k++] = '\n';
    s[k] = 0;
    return s;
}

/* Wall-clock bound that only a hang (not a slow machine) can exceed. */
#define HANG_GUARD_NS (20ull * 1000 * 1000 * 1000)

CG_TEST(pathological_inputs_stay_in_the_time_box)
{
    cg_extract_limits lim;
    cg_extract x;
    cg_extract_init(&x);
    cg_extract_limits_default(&lim);
    lim.parse_timeout_us = 20 * 1000;

    /* 200k balanced brackets: the parse alone takes longer than 20 ms. */
    char *deep = nested("x = ", '[', ']', 200000);
    CG_CHECK(deep != NULL);
    uint64_t t0 = cg_time_mono_ns();
    int rc = extract_str("javascript", deep, &lim, &x);
    CG_CHECK(cg_time_mono_ns() - t0 < HANG_GUARD_NS);
    CG_CHECK_EQ_INT(rc, CG_EPARSE);
    CG_CHECK_EQ_INT(x.timed_out, 1);
    CG_CHECK_EQ_INT(x.n_entities + x.n_refs, 0);
    free(deep);

    /* 200k unmatched "(": a flat error node that makes the query cursor quadratic. */
    char *open = nested("function f() {}\nx = ", '(', 0, 200000);
    CG_CHECK(open != NULL);
    t0 = cg_time_mono_ns();
    rc = extract_str("javascript", open, &lim, &x);
    CG_CHECK(cg_time_mono_ns() - t0 < HANG_GUARD_NS);
    CG_CHECK((rc == 0 && x.truncated) || (rc == CG_EPARSE && x.timed_out));
    free(open);

    /* The thread's parser is usable again after a cancelled parse. */
    CG_CHECK(fixture_matches(fixtures[0].path, fixtures[0].want, &x));
    cg_extract_release(&x);
}

CG_TEST(huge_line_is_parsed)
{
    size_t n = 4u << 20;
    char *src = malloc(n + 64);
    CG_CHECK(src != NULL);
    if (!src) return;
    size_t k = (size_t)sprintf(src, "s = \"");
    memset(src + k, 'a', n);
    k += n;
    k += (size_t)sprintf(src + k, "\"\ndef after():\n    pass\n");
    cg_extract x;
    cg_extract_init(&x);
    CG_CHECK_EQ_INT(cg_extract_file(cg_lang_by_name("python"), src, k, NULL, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities, 1);
    CG_CHECK(entity(&x, "after") == 0);
    if (x.n_entities == 1) CG_CHECK_EQ_INT(x.entities[0].span.start_line, 2);
    free(src);
    cg_extract_release(&x);
}

CG_TEST(limits_truncate)
{
    cg_extract_limits lim;
    cg_extract x;
    cg_extract_init(&x);
    cg_extract_limits_default(&lim);
    lim.max_entities = 3;
    lim.max_refs = 2;
    lim.max_doc_bytes = 5;
    lim.max_signature_bytes = 0;
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/python/shapes.py", &lim, &x), 0);
    CG_CHECK_EQ_INT(x.truncated, 1);
    CG_CHECK_EQ_INT(x.n_entities, 3);
    CG_CHECK_EQ_INT(x.n_refs, 2);
    CG_CHECK_STR(qname(&x, 0), "MAX_SIDES");
    CG_CHECK_STR(qname(&x, 2), "Shape.KIND");
    CG_CHECK_STR(doc_of(&x, "Shape"), "A sha");
    for (int i = 0; i < x.n_entities; i++) CG_CHECK_EQ_INT(x.entities[i].signature, 0);
    for (int i = 0; i < x.n_refs; i++) CG_CHECK(x.refs[i].from < x.n_entities);
    /* Refs inside dropped entities fall back to the innermost kept one. */
    lim.max_entities = 1;
    lim.max_refs = 1000;
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/python/shapes.py", &lim, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities, 1);
    for (int i = 0; i < x.n_refs; i++) CG_CHECK_EQ_INT(x.refs[i].from, -1);
    lim.max_entities = 0;
    CG_CHECK_EQ_INT(extract_path("tests/fixtures/python/shapes.py", &lim, &x), 0);
    CG_CHECK_EQ_INT(x.n_entities, 0);
    CG_CHECK_EQ_INT(x.truncated, 1);
    cg_extract_release(&x);
}

/* Rounds of all fixtures per thread in the concurrency test. */
#define THREAD_ROUNDS 5

static void *extract_all(void *arg)
{
    long bad = 0;
    cg_extract x;
    cg_extract_init(&x);
    for (int r = 0; r < THREAD_ROUNDS; r++)
        for (size_t i = 0; i < CG_ARRAY_LEN(fixtures); i++) {
            /* Each thread walks the fixtures in a different order. */
            size_t k = arg ? CG_ARRAY_LEN(fixtures) - 1 - i : i;
            bad += !fixture_matches(fixtures[k].path, fixtures[k].want, &x);
        }
    cg_extract_release(&x);
    return (void *)bad;
}

CG_TEST(threads_extract_concurrently)
{
    pthread_t a, b;
    void *ra = (void *)1, *rb = (void *)1;
    CG_CHECK_EQ_INT(pthread_create(&a, NULL, extract_all, NULL), 0);
    CG_CHECK_EQ_INT(pthread_create(&b, NULL, extract_all, (void *)1), 0);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    CG_CHECK_EQ_INT((long)ra, 0);
    CG_CHECK_EQ_INT((long)rb, 0);
}

CG_TEST(kind_names_round_trip)
{
    for (int k = 0; k < CG_KIND_COUNT; k++)
        CG_CHECK_EQ_INT(cg_entity_kind_parse(cg_entity_kind_name((cg_entity_kind)k)), k);
    CG_CHECK_EQ_INT(cg_entity_kind_parse("macro"), -1);
    CG_CHECK_STR(cg_ref_kind_name(CG_REF_IMPLEMENT), "implement");
    CG_CHECK_STR(cg_entity_kind_name(CG_KIND_TYPE_ALIAS), "type_alias");
}

CG_TEST_MAIN()
