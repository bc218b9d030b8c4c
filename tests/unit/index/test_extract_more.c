/*
 * test_extract_more.c — proves the extraction queries of C#, Kotlin, PHP, Ruby, Swift,
 * Scala and Dart (src/lang/<grammar>.scm) through the real engine (cg_extract_file):
 * each fixture under tests/fixtures/<lang>/ parses without an error node and yields
 * EXACTLY the listed entities (kind, qualified name, parent, first line, doc) and
 * references (kind, name, enclosing entity, line), in document order — nothing missing,
 * nothing extra. The tables pin the choices documented at the top of each .scm:
 * what counts as a constant or a method, which comments are docs (a plain
 * "// Entry point." is not; Ruby's "# Entry point." is), how supertypes split into
 * inherit and implement, how extensions and file-scoped namespaces (@scope) qualify
 * their members, what a call is named.
 *
 * Known limits the tables record on purpose (see the .scm headers):
 *  - Dart: a method's signature and body are sibling nodes; the engine keys the
 *    definition by the signature, so calls in a body are attributed to the enclosing
 *    class (top-level function bodies: to the file). Import names keep their quotes.
 *  - Scala: an import's path has no node, so @name is the imported member (Pi, io).
 *  - PHP: after `namespace A;` (no braces) classes and constants are qualified A.X
 *    through @scope but have no parent; functions there stay unqualified.
 *
 * Fixtures are found under tests/fixtures (run from the repository root, as
 * tools/test.sh does) or $CG_FIXTURES. On a mismatch the actual extraction is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/extract.h"
#include "codegraph/lang.h"

/* The largest fixture we read (they are a few KiB). */
#define FIXTURE_MAX (64 * 1024)

/* An expected entity: kind, qualified name, parent's qualified name ("" = top level),
 * first line, doc ("" = none). */
typedef struct xent {
    const char *kind, *qname, *parent;
    int line;
    const char *doc;
} xent;

/* An expected reference: kind, name, enclosing entity's qualified name ("" = file). */
typedef struct xref {
    const char *kind, *name, *from;
    int line;
} xref;

static const xent csharp_ents[] = {
    {"module", "Acme.Shapes", "", 7, ""},
    {"interface", "Acme.Shapes.IShape", "Acme.Shapes", 10, "<summary>A drawable thing.</summary>"},
    {"method", "Acme.Shapes.IShape.Area", "Acme.Shapes.IShape", 12, ""},
    {"interface", "Acme.Shapes.INamed", "Acme.Shapes", 15, ""},
    {"class", "Acme.Shapes.Shape", "Acme.Shapes", 18, "Base of every shape."},
    {"constant", "Acme.Shapes.Shape.MaxSides", "Acme.Shapes.Shape", 20, ""},
    {"method", "Acme.Shapes.Shape.Area", "Acme.Shapes.Shape", 22, ""},
    {"method", "Acme.Shapes.Shape.Print", "Acme.Shapes.Shape", 24, ""},
    {"method", "Acme.Shapes.Shape.Describe", "Acme.Shapes.Shape", 29, ""},
    {"method", "Acme.Shapes.Shape.Format", "Acme.Shapes.Shape", 31, ""},
    {"class", "Acme.Shapes.Circle", "Acme.Shapes", 34, ""},
    {"method", "Acme.Shapes.Circle.Circle", "Acme.Shapes.Circle", 38, ""},
    {"method", "Acme.Shapes.Circle.Area", "Acme.Shapes.Circle", 41, "Area of the circle."},
    {"struct", "Acme.Shapes.Point", "Acme.Shapes", 44, ""},
    {"method", "Acme.Shapes.Point.Equals", "Acme.Shapes.Point", 48, ""},
    {"enum", "Acme.Shapes.Color", "Acme.Shapes", 51, ""},
    {"class", "Acme.Shapes.Pair", "Acme.Shapes", 53, ""},
    {"type_alias", "Acme.Shapes.Handler", "Acme.Shapes", 55, ""},
    {"class", "Acme.Shapes.Program", "Acme.Shapes", 57, ""},
    {"method", "Acme.Shapes.Program.Biggest", "Acme.Shapes.Program", 59, ""},
    {"method", "Acme.Shapes.Program.Main", "Acme.Shapes.Program", 62, ""},
    {"function", "Acme.Shapes.Program.Main.Twice", "Acme.Shapes.Program.Main", 67, ""},
};
static const xref csharp_refs[] = {
    {"import", "System", "", 3},
    {"import", "System.Collections.Generic", "", 4},
    {"import", "System.IO", "", 5},
    {"inherit", "IShape", "Acme.Shapes.INamed", 15},
    {"implement", "IShape", "Acme.Shapes.Shape", 18},
    {"call", "Console.WriteLine", "Acme.Shapes.Shape.Print", 26},
    {"call", "Describe", "Acme.Shapes.Shape.Print", 26},
    {"call", "Format", "Acme.Shapes.Shape.Describe", 29},
    {"call", "Area", "Acme.Shapes.Shape.Describe", 29},
    {"call", "v.ToString", "Acme.Shapes.Shape.Format", 31},
    {"inherit", "Shape", "Acme.Shapes.Circle", 34},
    {"implement", "INamed", "Acme.Shapes.Circle", 34},
    {"implement", "IEquatable", "Acme.Shapes.Point", 44},
    {"type", "Point", "Acme.Shapes.Point.Equals", 48},
    {"type", "Shape", "Acme.Shapes.Program.Biggest", 59},
    {"type", "List", "Acme.Shapes.Program.Biggest", 59},
    {"call", "List", "Acme.Shapes.Program.Main", 64},
    {"call", "shapes.Add", "Acme.Shapes.Program.Main", 65},
    {"call", "Circle", "Acme.Shapes.Program.Main", 65},
    {"call", "Helpers.Run<int>", "Acme.Shapes.Program.Main", 66},
    {"call", "shapes[0]?.Print", "Acme.Shapes.Program.Main", 68},
};

static const xent csharp_scoped_ents[] = {
    {"module", "Acme.Tools", "", 3, ""},
    {"class", "Acme.Tools.Ruler", "", 8, "Measures shapes."},
    {"method", "Acme.Tools.Ruler.Measure", "Acme.Tools.Ruler", 10, ""},
    {"method", "Acme.Tools.Ruler.Dispose", "Acme.Tools.Ruler", 12, ""},
    {"interface", "Acme.Tools.IGauge", "", 15, ""},
};
static const xref csharp_scoped_refs[] = {
    {"import", "Acme.Shapes", "", 5},
    {"implement", "IDisposable", "Acme.Tools.Ruler", 8},
    {"type", "Shape", "Acme.Tools.Ruler.Measure", 10},
    {"call", "s.Area", "Acme.Tools.Ruler.Measure", 10},
    {"inherit", "IShape", "Acme.Tools.IGauge", 15},
};

static const xent kotlin_ents[] = {
    {"interface", "Shape", "", 10, "A drawable thing."},
    {"method", "Shape.area", "Shape", 11, ""},
    {"interface", "Named", "", 14, ""},
    {"class", "Base", "", 19, "Base of every shape."},
    {"method", "Base.area", "Base", 20, ""},
    {"method", "Base.describe", "Base", 22, ""},
    {"class", "Circle", "", 25, ""},
    {"method", "Circle.area", "Circle", 26, ""},
    {"constant", "Circle.UNIT", "Circle", 29, ""},
    {"method", "Circle.unit", "Circle", 30, ""},
    {"class", "Point", "", 34, ""},
    {"enum", "Color", "", 36, ""},
    {"module", "Registry", "", 38, ""},
    {"method", "Registry.register", "Registry", 41, ""},
    {"type_alias", "ShapeList", "", 47, ""},
    {"constant", "MAX_SIDES", "", 49, ""},
    {"method", "Circle.twice", "Circle", 51, ""},
    {"function", "main", "", 54, ""},
};
static const xref kotlin_refs[] = {
    {"import", "kotlin.math.PI", "", 5},
    {"import", "java.io", "", 6},
    {"import", "acme.util.format", "", 7},
    {"inherit", "Shape", "Named", 14},
    {"implement", "Shape", "Base", 19},
    {"call", "fmt", "Base.describe", 22},
    {"call", "area", "Base.describe", 22},
    {"inherit", "Base", "Circle", 25},
    {"implement", "Named", "Circle", 25},
    {"type", "Circle", "Circle.unit", 30},
    {"call", "Circle", "Circle.unit", 30},
    {"call", "mutableListOf", "Registry", 39},
    {"type", "Shape", "Registry.register", 41},
    {"call", "all.add", "Registry.register", 42},
    {"call", "s.area().toString", "Registry.register", 43},
    {"call", "s.area", "Registry.register", 43},
    {"call", "area", "Circle.twice", 51},
    {"call", "Circle.unit", "main", 55},
    {"call", "Registry.register", "main", 56},
    {"call", "println", "main", 57},
    {"call", "c.describe", "main", 57},
};

static const xent php_ents[] = {
    {"module", "Acme\\Shapes", "", 5, ""},
    {"constant", "Acme.Shapes.MAX_SIDES", "", 13, ""},
    {"interface", "Acme.Shapes.Shape", "", 18, "A drawable thing."},
    {"method", "Acme.Shapes.Shape.area", "Acme.Shapes.Shape", 20, ""},
    {"interface", "Acme.Shapes.Named", "", 23, ""},
    {"trait", "Acme.Shapes.Printable", "", 26, "Reusable printing."},
    {"method", "Acme.Shapes.Printable.show", "Acme.Shapes.Printable", 28, ""},
    {"class", "Acme.Shapes.Base", "", 34, ""},
    {"constant", "Acme.Shapes.Base.UNIT", "Acme.Shapes.Base", 38, ""},
    {"method", "Acme.Shapes.Base.describe", "Acme.Shapes.Base", 41, "Human-readable form."},
    {"method", "Acme.Shapes.Base.same", "Acme.Shapes.Base", 46, ""},
    {"class", "Acme.Shapes.Circle", "", 49, ""},
    {"method", "Acme.Shapes.Circle.__construct", "Acme.Shapes.Circle", 51, ""},
    {"method", "Acme.Shapes.Circle.area", "Acme.Shapes.Circle", 53, ""},
    {"method", "Acme.Shapes.Circle.count", "Acme.Shapes.Circle", 58, ""},
    {"enum", "Acme.Shapes.Color", "", 61, ""},
    {"function", "main", "", 67, ""},
};
static const xref php_refs[] = {
    {"import", "Acme\\Util\\Format", "", 7},
    {"import", "Log", "", 8},
    {"import", "Clock", "", 8},
    {"import", "Acme\\Util\\helper", "", 9},
    {"import", "vendor/autoload.php", "", 11},
    {"inherit", "Shape", "Acme.Shapes.Named", 23},
    {"call", "describe", "Acme.Shapes.Printable.show", 30},
    {"implement", "Shape", "Acme.Shapes.Base", 34},
    {"implement", "Printable", "Acme.Shapes.Base", 36},
    {"call", "number", "Acme.Shapes.Base.describe", 43},
    {"call", "area", "Acme.Shapes.Base.describe", 43},
    {"type", "Shape", "Acme.Shapes.Base.same", 46},
    {"type", "Base", "Acme.Shapes.Base.same", 46},
    {"inherit", "Base", "Acme.Shapes.Circle", 49},
    {"implement", "Named", "Acme.Shapes.Circle", 49},
    {"implement", "\\Countable", "Acme.Shapes.Circle", 49},
    {"call", "Circle", "main", 69},
    {"call", "show", "main", 70},
    {"call", "helper", "main", 71},
    {"call", "strlen", "main", 71},
    {"call", "info", "main", 72},
    {"call", "area", "main", 73},
};

static const xent ruby_ents[] = {
    {"module", "Acme", "", 7, ""},
    {"constant", "Acme.MAX_SIDES", "Acme", 8, ""},
    {"module", "Acme.Printable", "Acme", 11, "Reusable printing."},
    {"method", "Acme.Printable.show", "Acme.Printable", 12, ""},
    {"class", "Acme.Shape", "Acme", 19, "Base of every shape.\nSubclasses define area."},
    {"method", "Acme.Shape.describe", "Acme.Shape", 23, ""},
    {"method", "Acme.Shape.unit", "Acme.Shape", 27, ""},
    {"class", "Acme.Circle", "Acme", 32, ""},
    {"method", "Acme.Circle.initialize", "Acme.Circle", 33, ""},
    {"method", "Acme.Circle.area", "Acme.Circle", 38, "Area of the circle."},
    {"class", "Acme.Registry", "Acme", 43, ""},
    {"function", "main", "", 48, "Entry point."},
};
static const xref ruby_refs[] = {
    {"import", "set", "", 4},
    {"import", "util/format", "", 5},
    {"call", "puts", "Acme.Printable.show", 13},
    {"implement", "Printable", "Acme.Shape", 20},
    {"implement", "Enumerable", "Acme.Shape", 21},
    {"call", "number", "Acme.Shape.describe", 24},
    {"inherit", "Shape", "Acme.Circle", 32},
    {"inherit", "Base::Store", "Acme.Registry", 43},
    {"call", "Circle", "main", 49},
    {"call", "show", "main", 50},
    {"call", "area", "main", 51},
    {"call", "helper", "main", 52},
};

static const xent swift_ents[] = {
    {"interface", "Shape", "", 8, "A drawable thing."},
    {"method", "Shape.area", "Shape", 9, ""},
    {"interface", "Named", "", 12, ""},
    {"constant", "maxSides", "", 14, ""},
    {"class", "Base", "", 17, "Base of every shape."},
    {"method", "Base.area", "Base", 18, ""},
    {"method", "Base.describe", "Base", 20, ""},
    {"class", "Circle", "", 25, ""},
    {"constant", "Circle.unit", "Circle", 27, "Unit radius."},
    {"method", "Circle.init", "Circle", 30, ""},
    {"method", "Circle.area", "Circle", 35, "Area of the circle."},
    {"struct", "Size", "", 40, ""},
    {"enum", "Color", "", 44, ""},
    {"method", "Circle.twice", "Circle", 51, ""},
    {"type_alias", "Shapes", "", 54, ""},
    {"function", "biggest", "", 56, ""},
    {"function", "main", "", 61, ""},
};
static const xref swift_refs[] = {
    {"import", "Foundation", "", 4},
    {"import", "Acme.Point", "", 5},
    {"inherit", "Shape", "Named", 12},
    {"inherit", "NSObject", "Base", 17},
    {"implement", "Shape", "Base", 17},
    {"call", "format", "Base.describe", 21},
    {"call", "area", "Base.describe", 21},
    {"inherit", "Base", "Circle", 25},
    {"implement", "Named", "Circle", 25},
    {"implement", "Equatable", "Size", 40},
    {"implement", "CustomStringConvertible", "Circle", 48},
    {"call", "describe", "", 49},
    {"call", "area", "Circle.twice", 51},
    {"type", "Shapes", "biggest", 56},
    {"type", "Shape", "biggest", 56},
    {"call", "Circle", "main", 62},
    {"call", "print", "main", 63},
    {"call", "c.describe", "main", 63},
    {"call", "c.area", "main", 64},
};

static const xent scala_ents[] = {
    {"trait", "Shape", "", 11, "A drawable thing."},
    {"method", "Shape.area", "Shape", 12, ""},
    {"trait", "Named", "", 15, ""},
    {"class", "Base", "", 20, "Base of every shape."},
    {"method", "Base.describe", "Base", 21, ""},
    {"class", "Circle", "", 24, ""},
    {"method", "Circle.area", "Circle", 26, "Area of the circle."},
    {"class", "Point", "", 29, ""},
    {"module", "Circle", "", 31, ""},
    {"constant", "Circle.MaxSides", "Circle", 32, ""},
    {"method", "Circle.unit", "Circle", 34, ""},
    {"constant", "Circle.MaxRadius", "Circle", 37, "The largest radius."},
    {"enum", "Color", "", 40, ""},
    {"type_alias", "Shapes", "", 44, ""},
    {"method", "Circle.twice", "Circle", 46, ""},
    {"module", "Main", "", 49, ""},
};
static const xref scala_refs[] = {
    {"import", "Pi", "", 6},
    {"import", "Format", "", 7},
    {"import", "Log", "", 7},
    {"import", "io", "", 8},
    {"inherit", "Shape", "Named", 15},
    {"inherit", "Shape", "Base", 20},
    {"call", "Format.number", "Base.describe", 21},
    {"inherit", "Base", "Circle", 24},
    {"implement", "Named", "Circle", 24},
    {"implement", "Serializable", "Circle", 24},
    {"type", "Circle", "Circle.unit", 34},
    {"call", "Circle", "Circle.unit", 34},
    {"type", "Circle", "", 46},
    {"inherit", "App", "Main", 49},
    {"call", "Circle.unit", "Main", 50},
    {"call", "println", "Main", 51},
    {"call", "c.describe", "Main", 51},
    {"call", "helper", "Main", 52},
};

static const xent dart_ents[] = {
    {"constant", "maxSides", "", 8, ""},
    {"class", "Shape", "", 11, "A drawable thing."},
    {"method", "Shape.area", "Shape", 12, ""},
    {"trait", "Printable", "", 15, ""},
    {"method", "Printable.show", "Printable", 16, ""},
    {"method", "Printable.describe", "Printable", 20, ""},
    {"class", "Base", "", 24, "Base of every shape."},
    {"constant", "Base.unit", "Base", 25, ""},
    {"method", "Base.describe", "Base", 28, ""},
    {"class", "Circle", "", 31, ""},
    {"method", "Circle.Circle", "Circle", 34, ""},
    {"method", "Circle.area", "Circle", 38, "Area of the circle."},
    {"method", "Circle.compareTo", "Circle", 40, ""},
    {"enum", "Color", "", 43, ""},
    {"method", "Circle.doubled", "Circle", 46, ""},
    {"type_alias", "Compare", "", 49, ""},
    {"function", "main", "", 52, ""},
};
static const xref dart_refs[] = {
    {"import", "'dart:math'", "", 4},
    {"import", "'package:acme/util.dart'", "", 5},
    {"import", "'src/base.dart'", "", 6},
    {"call", "print", "Printable", 17},
    {"call", "describe", "Printable", 17},
    {"inherit", "Object", "Base", 24},
    {"implement", "Printable", "Base", 24},
    {"implement", "Shape", "Base", 24},
    {"call", "format", "Base", 28},
    {"call", "area", "Base", 28},
    {"inherit", "Base", "Circle", 31},
    {"implement", "Comparable", "Circle", 31},
    {"type", "Circle", "Circle.compareTo", 40},
    {"call", "compareTo", "Circle", 40},
    {"type", "Circle", "Circle.doubled", 46},
    {"call", "Circle", "", 46},
    {"call", "Circle", "", 53},
    {"call", "show", "", 54},
    {"call", "area", "", 55},
    {"call", "describe", "", 55},
    {"call", "helper", "", 56},
};

/* Read tests/fixtures/<rel> (or $CG_FIXTURES/<rel>) into buf; its length or -1. */
static long fixture_read(const char *rel, char *buf, size_t cap)
{
    const char *dir = getenv("CG_FIXTURES");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        return -1;
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n < cap ? (long)n : -1;
}

static const char *parent_qname(const cg_extract *x, int32_t i)
{
    return i >= 0 && i < x->n_entities ? cg_extract_str(x, x->entities[i].qualified_name) : "";
}

static void dump_actual(const cg_extract *x)
{
    for (int i = 0; i < x->n_entities; i++) {
        const cg_xentity *e = &x->entities[i];
        fprintf(stderr, "    E %s %s parent=%s line=%u doc=[%s]\n", cg_entity_kind_name(e->kind),
                cg_extract_str(x, e->qualified_name), parent_qname(x, e->parent),
                e->span.start_line, cg_extract_str(x, e->doc));
    }
    for (int i = 0; i < x->n_refs; i++) {
        const cg_xref *r = &x->refs[i];
        fprintf(stderr, "    R %s %s from=%s line=%u\n", cg_ref_kind_name(r->kind),
                cg_extract_str(x, r->name), parent_qname(x, r->from), r->span.start_line);
    }
}

/* 0 when entity i of x is exactly `w`. */
static int ent_diff(const cg_extract *x, int i, const xent *w)
{
    const cg_xentity *e = &x->entities[i];
    return strcmp(cg_entity_kind_name(e->kind), w->kind) ||
           strcmp(cg_extract_str(x, e->qualified_name), w->qname) ||
           strcmp(parent_qname(x, e->parent), w->parent) || (int)e->span.start_line != w->line ||
           strcmp(cg_extract_str(x, e->doc), w->doc);
}

/* 0 when reference i of x is exactly `w`. */
static int ref_diff(const cg_extract *x, int i, const xref *w)
{
    const cg_xref *r = &x->refs[i];
    return strcmp(cg_ref_kind_name(r->kind), w->kind) ||
           strcmp(cg_extract_str(x, r->name), w->name) ||
           strcmp(parent_qname(x, r->from), w->from) || (int)r->span.start_line != w->line;
}

/* Extract fixture `rel` as `lang` and compare with the tables, entry by entry. */
static void check_fixture(int *cg_failed_, const char *lang, const char *rel, const xent *we,
                          int nwe, const xref *wr, int nwr)
{
    static char src[FIXTURE_MAX];
    const cg_lang *l = cg_lang_by_name(lang);
    CG_CHECK(l != NULL);
    long n = fixture_read(rel, src, sizeof(src));
    CG_CHECK(n > 0);
    if (!l || n <= 0) return;
    cg_extract x;
    cg_extract_limits lim;
    cg_extract_init(&x);
    cg_extract_limits_default(&lim);
    CG_CHECK_EQ_INT(cg_extract_file(l, src, (size_t)n, &lim, &x), 0);
    CG_CHECK_EQ_INT(x.error_nodes, 0);
    CG_CHECK_EQ_INT(x.truncated, 0);
    CG_CHECK_EQ_INT(x.n_entities, nwe);
    CG_CHECK_EQ_INT(x.n_refs, nwr);
    int bad = x.n_entities != nwe || x.n_refs != nwr;
    for (int i = 0; i < nwe && i < x.n_entities; i++) {
        if (!ent_diff(&x, i, &we[i])) continue;
        fprintf(stderr, "  %s: entity %d differs, want %s %s parent=%s line=%d doc=[%s]\n", rel, i,
                we[i].kind, we[i].qname, we[i].parent, we[i].line, we[i].doc);
        bad = 1;
    }
    for (int i = 0; i < nwr && i < x.n_refs; i++) {
        if (!ref_diff(&x, i, &wr[i])) continue;
        fprintf(stderr, "  %s: reference %d differs, want %s %s from=%s line=%d\n", rel, i,
                wr[i].kind, wr[i].name, wr[i].from, wr[i].line);
        bad = 1;
    }
    CG_CHECK(!bad);
    if (bad) {
        fprintf(stderr, "  actual extraction of %s:\n", rel);
        dump_actual(&x);
    }
    cg_extract_release(&x);
}

#define CHECK_FIXTURE(lang, rel, tab)                                                              \
    check_fixture(cg_failed_, lang, rel, tab##_ents, (int)CG_ARRAY_LEN(tab##_ents), tab##_refs,    \
                  (int)CG_ARRAY_LEN(tab##_refs))

CG_TEST(csharp_fixture_exact)
{
    CHECK_FIXTURE("csharp", "csharp/Shapes.cs", csharp);
}

CG_TEST(csharp_file_scoped_namespace_exact)
{
    CHECK_FIXTURE("csharp", "csharp/Scoped.cs", csharp_scoped);
}

CG_TEST(kotlin_fixture_exact)
{
    CHECK_FIXTURE("kotlin", "kotlin/Shapes.kt", kotlin);
}

CG_TEST(php_fixture_exact)
{
    CHECK_FIXTURE("php", "php/shapes.php", php);
}

CG_TEST(ruby_fixture_exact)
{
    CHECK_FIXTURE("ruby", "ruby/shapes.rb", ruby);
}

CG_TEST(swift_fixture_exact)
{
    CHECK_FIXTURE("swift", "swift/Shapes.swift", swift);
}

CG_TEST(scala_fixture_exact)
{
    CHECK_FIXTURE("scala", "scala/Shapes.scala", scala);
}

CG_TEST(dart_fixture_exact)
{
    CHECK_FIXTURE("dart", "dart/shapes.dart", dart);
}

CG_TEST_MAIN()
