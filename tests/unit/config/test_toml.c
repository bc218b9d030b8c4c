/*
 * test_toml.c — proves our TOML 1.0 parser (src/config/toml.c) decodes every value
 * kind correctly, enforces TOML's table-definition rules, rejects malformed input
 * with the right line number and a reason, enforces the limits.h bounds, and
 * writes the canonical JSON the tomllib corpus comparison relies on.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "config/toml.h"

static cg_toml_val *parse_ok(const char *text)
{
    cg_toml_val *root = NULL;
    cg_toml_err e;
    int rc = cg_toml_parse(text, strlen(text), &root, &e);
    if (rc != 0) fprintf(stderr, "  unexpected parse error: line %d: %s\n", e.line, e.msg);
    return root;
}

/* Parse must fail; returns the error code and fills e. */
static int parse_err(const char *text, size_t len, cg_toml_err *e)
{
    cg_toml_val *root = (cg_toml_val *)1;
    int rc = cg_toml_parse(text, len, &root, e);
    if (rc == 0)
        cg_toml_free(root);
    else if (root != NULL)
        return 1; /* out must be NULL on failure */
    return rc;
}

static const cg_toml_val *path(const cg_toml_val *t, const char *a, const char *b)
{
    t = cg_toml_get(t, a);
    return b ? cg_toml_get(t, b) : t;
}

CG_TEST(scalars_tables_and_dotted_keys)
{
    cg_toml_val *r = parse_ok("a = 1\nb.c = \"x\"\n[t]\nf = 1.5\nyes = true\n"
                              "arr = [1, 'two', [3]]\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK_EQ_INT(path(r, "a", NULL)->type, CG_TOML_INT);
    CG_CHECK_EQ_INT(path(r, "a", NULL)->u.i, 1);
    CG_CHECK_STR(path(r, "b", "c")->u.str.s, "x");
    CG_CHECK(path(r, "t", "f")->u.f == 1.5);
    CG_CHECK_EQ_INT(path(r, "t", "yes")->u.b, 1);
    const cg_toml_val *arr = path(r, "t", "arr");
    CG_CHECK_EQ_INT(arr->type, CG_TOML_ARRAY);
    CG_CHECK_EQ_INT(arr->u.arr.n, 3);
    CG_CHECK_EQ_INT(arr->u.arr.items[1]->type, CG_TOML_STRING);
    CG_CHECK_EQ_INT(arr->u.arr.items[2]->u.arr.items[0]->u.i, 3);
    CG_CHECK(cg_toml_get(r, "missing") == NULL);
    /* keys stay in file order, with their lines */
    CG_CHECK_STR(r->u.tab.kv[0].key, "a");
    CG_CHECK_STR(r->u.tab.kv[2].key, "t");
    CG_CHECK_EQ_INT(r->u.tab.kv[2].line, 3);
    CG_CHECK_EQ_INT(path(r, "t", NULL)->u.tab.kv[1].line, 5);
    cg_toml_free(r);
}

CG_TEST(string_escapes_decode_to_utf8)
{
    cg_toml_val *r = parse_ok("a = \"\\u00e9\\U0001F600\\t\\\"\\\\\"\nnul = \"x\\u0000y\"\n"
                              "lit = 'C:\\dir\\n'\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK_STR(path(r, "a", NULL)->u.str.s, "\xc3\xa9\xf0\x9f\x98\x80\t\"\\");
    const cg_toml_val *nul = path(r, "nul", NULL);
    CG_CHECK_EQ_INT(nul->u.str.len, 3);
    CG_CHECK(memcmp(nul->u.str.s, "x\0y", 3) == 0);
    CG_CHECK_STR(path(r, "lit", NULL)->u.str.s, "C:\\dir\\n");
    cg_toml_free(r);
}

CG_TEST(multiline_strings_trim_and_fold)
{
    cg_toml_val *r = parse_ok("a = \"\"\"\nline1\r\nline2\"\"\"\n"
                              "b = \"\"\"one \\\n    two \\   \n\n  three\"\"\"\n"
                              "c = '''\n\\raw ''quoted'' '''''\n"
                              "d = \"\"\"\"\"\"\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK_STR(path(r, "a", NULL)->u.str.s, "line1\nline2"); /* first newline, CRLF */
    CG_CHECK_STR(path(r, "b", NULL)->u.str.s, "one two three");
    CG_CHECK_STR(path(r, "c", NULL)->u.str.s, "\\raw ''quoted'' ''");
    CG_CHECK_STR(path(r, "d", NULL)->u.str.s, "");
    cg_toml_free(r);
}

CG_TEST(integers_all_bases_and_bounds)
{
    cg_toml_val *r = parse_ok("a = 0xDEAD_beef\nb = 0o755\nc = 0b1010\nd = 1_000\n"
                              "max = 9223372036854775807\nmin = -9223372036854775808\n"
                              "hmax = 0x7fffffffffffffff\nz = -0\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK_EQ_INT(path(r, "a", NULL)->u.i, 0xDEADBEEF);
    CG_CHECK_EQ_INT(path(r, "b", NULL)->u.i, 0755);
    CG_CHECK_EQ_INT(path(r, "c", NULL)->u.i, 10);
    CG_CHECK_EQ_INT(path(r, "d", NULL)->u.i, 1000);
    CG_CHECK(path(r, "max", NULL)->u.i == INT64_MAX);
    CG_CHECK(path(r, "min", NULL)->u.i == INT64_MIN);
    CG_CHECK(path(r, "hmax", NULL)->u.i == INT64_MAX);
    CG_CHECK_EQ_INT(path(r, "z", NULL)->u.i, 0);
    cg_toml_free(r);
    /* TOML requires an error where an integer cannot be represented losslessly */
    cg_toml_err e;
    const char *over[] = {"a = 9223372036854775808\n", "a = -9223372036854775809\n",
                          "a = 0x8000000000000000\n",
                          "a = 0b1"
                          "0000000000000000000000000000000"
                          "000000000000000000000000000000000\n"};
    for (size_t i = 0; i < CG_ARRAY_LEN(over); i++) {
        CG_CHECK_EQ_INT(parse_err(over[i], strlen(over[i]), &e), CG_EINVAL);
        CG_CHECK(strstr(e.msg, "does not fit in 64 bits") != NULL);
    }
}

CG_TEST(floats_special_and_exponents)
{
    cg_toml_val *r = parse_ok("a = inf\nb = -inf\nc = nan\nd = -0.0\ne = 1e06\nf = 6.626e-34\n"
                              "g = 224_617.445_991_228\nh = 1E+2\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK(isinf(path(r, "a", NULL)->u.f) && path(r, "a", NULL)->u.f > 0);
    CG_CHECK(isinf(path(r, "b", NULL)->u.f) && path(r, "b", NULL)->u.f < 0);
    CG_CHECK(isnan(path(r, "c", NULL)->u.f));
    CG_CHECK(path(r, "d", NULL)->u.f == 0 && signbit(path(r, "d", NULL)->u.f));
    CG_CHECK(path(r, "e", NULL)->u.f == 1e6);
    CG_CHECK(path(r, "f", NULL)->u.f == 6.626e-34);
    CG_CHECK(path(r, "g", NULL)->u.f == 224617.445991228);
    CG_CHECK(path(r, "h", NULL)->u.f == 100.0);
    CG_CHECK_EQ_INT(path(r, "h", NULL)->type, CG_TOML_FLOAT);
    cg_toml_free(r);
}

CG_TEST(datetimes_validated_and_typed)
{
    cg_toml_val *r = parse_ok("a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00\n"
                              "c = 2024-02-29\nd = 07:32:00.5\n");
    CG_CHECK(r != NULL);
    if (!r) return;
    CG_CHECK_EQ_INT(path(r, "a", NULL)->type, CG_TOML_DATETIME);
    CG_CHECK_EQ_INT(path(r, "b", NULL)->type, CG_TOML_DATETIME_LOCAL);
    CG_CHECK_EQ_INT(path(r, "c", NULL)->type, CG_TOML_DATE_LOCAL);
    CG_CHECK_EQ_INT(path(r, "d", NULL)->type, CG_TOML_TIME_LOCAL);
    CG_CHECK_STR(path(r, "b", NULL)->u.str.s, "1979-05-27 07:32:00");
    cg_toml_free(r);
    cg_toml_err e;
    const char *bad[] = {"a = 2023-02-29\n", "a = 2000-01-01T24:00:00\n", "a = 12:60:00\n",
                         "a = 2000-01-01T00:00:00+2400\n", "a = 2000-00-10\n"};
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++)
        CG_CHECK_EQ_INT(parse_err(bad[i], strlen(bad[i]), &e), CG_EINVAL);
}

CG_TEST(table_definition_rules)
{
    const char *ok[] = {
        "[a.b]\n[a]\n",                                             /* super-table defined after */
        "[fruit]\napple.color = 1\n[fruit.apple.texture]\nx = 1\n", /* sub-table of dotted */
        "[[a]]\n[a.b]\n[[a]]\n[a.b]\n",                             /* each element is fresh */
        "a.b = 1\na.c = 2\n", /* dotted keys extend in one section */
        "x = { a.b = 1, a.c = 2 }\n",
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(ok); i++) {
        cg_toml_val *r = parse_ok(ok[i]);
        CG_CHECK(r != NULL);
        cg_toml_free(r);
    }
    const struct {
        const char *text, *why;
    } bad[] = {
        {"[a]\n[a]\n", "defined twice"},
        {"a.b = 1\n[a]\n", "dotted keys"},
        {"[a.b.c]\n[a]\nb.c.d = 1\n", "dotted keys cannot extend"},
        {"a = {}\n[a.b]\n", "inline"},
        {"a = {b = 1}\na.c = 1\n", "inline table"},
        {"a = []\n[[a]]\n", "already an array"},
        {"[[a]]\n[a]\n", "array of tables"},
        {"a = 1\na = 2\n", "duplicate key 'a'"},
        {"a = 1\na.b = 1\n", "already an integer"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        cg_toml_err e;
        CG_CHECK_EQ_INT(parse_err(bad[i].text, strlen(bad[i].text), &e), CG_EINVAL);
        if (!strstr(e.msg, bad[i].why))
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, e.msg, bad[i].why);
        CG_CHECK(strstr(e.msg, bad[i].why) != NULL);
    }
}

CG_TEST(errors_carry_line_and_reason)
{
    const struct {
        const char *text;
        int line;
        const char *why;
    } cases[] = {
        {"a = 1\n\nb = \"\\q\"\n", 3, "invalid escape sequence \\q"},
        {"a = 1\nb = \"\\uD800\"\n", 2, "not a Unicode scalar value"},
        {"# ok\na = 0123\n", 2, "leading zeros"},
        {"a = [\n1,\n2\n3]\n", 4, "expected ',' or ']'"},
        {"a = 1 b = 2\n", 1, "expected a newline"},
        {"a = \"x\x01\"\n", 1, "control character 0x01"},
        {"a = 1 # \x7f\n", 1, "control character 0x7F"},
        {"a = 1\rb = 2\n", 1, "byte 0x0D"},
        {"a = {b = 1,}\n", 1, "trailing comma"},
        {"a = {b = 1,\nc = 1}\n", 1, "one line"},
        {"a =\n", 1, "missing value"},
        {"x = 1\nlevel = info\n", 2, "needs quotes"},
        {"a = \"\"\"x\n\ny", 3, "unterminated string"},
        {"a = 7.\n", 1, "decimal point"},
        {"\xef\xbb\xbf"
         "a = 1\n",
         1, "byte order mark"},
        {"a = 1\nb = \"\xc0\xaf\"\n", 2, "invalid UTF-8"},
        {"a = 1__0\n", 1, "invalid number"},
        {"[a]]\n", 1, "expected a newline"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        cg_toml_err e;
        int rc = parse_err(cases[i].text, strlen(cases[i].text), &e);
        CG_CHECK_EQ_INT(rc, CG_EINVAL);
        if (e.line != cases[i].line || !strstr(e.msg, cases[i].why))
            fprintf(stderr, "  case %zu: line %d: %s\n", i, e.line, e.msg);
        CG_CHECK_EQ_INT(e.line, cases[i].line);
        CG_CHECK(strstr(e.msg, cases[i].why) != NULL);
    }
}

/* "a = " + n '[' + n ']' */
static char *nested_arrays(int n)
{
    char *s = malloc((size_t)n * 2 + 8);
    strcpy(s, "a = ");
    size_t o = 4;
    for (int i = 0; i < n; i++) s[o++] = '[';
    for (int i = 0; i < n; i++) s[o++] = ']';
    s[o++] = '\n';
    s[o] = 0;
    return s;
}

CG_TEST(nesting_is_bounded)
{
    cg_toml_err e;
    char *ok = nested_arrays(CG_CONFIG_NEST_MAX), *deep = nested_arrays(CG_CONFIG_NEST_MAX + 1);
    cg_toml_val *r = parse_ok(ok);
    CG_CHECK(r != NULL);
    cg_toml_free(r);
    CG_CHECK_EQ_INT(parse_err(deep, strlen(deep), &e), CG_ELIMIT);
    CG_CHECK(strstr(e.msg, "nested deeper") != NULL);
    free(ok);
    free(deep);
    /* a very deep document fails early instead of recursing */
    char *huge = nested_arrays(100000);
    CG_CHECK_EQ_INT(parse_err(huge, strlen(huge), &e), CG_ELIMIT);
    free(huge);
    /* header and dotted-key depth count too */
    const char *hdr = "[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q]\n";
    CG_CHECK_EQ_INT(parse_err(hdr, strlen(hdr), &e), CG_ELIMIT);
    const char *inl = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p = {x = {}}\n";
    CG_CHECK_EQ_INT(parse_err(inl, strlen(inl), &e), CG_ELIMIT);
}

CG_TEST(sizes_are_bounded)
{
    cg_toml_err e;
    size_t n = CG_CONFIG_STR_MAX + 16;
    char *s = malloc(n + 1);
    memcpy(s, "a = \"", 5);
    memset(s + 5, 'x', n - 7);
    memcpy(s + n - 2, "\"\n", 2);
    s[n] = 0;
    CG_CHECK_EQ_INT(parse_err(s, n, &e), CG_ELIMIT);
    CG_CHECK(strstr(e.msg, "longer than") != NULL);
    s[4] = '\'', s[n - 2] = '\''; /* the literal form: a = '…' */
    CG_CHECK_EQ_INT(parse_err(s, n, &e), CG_ELIMIT);
    free(s);
    /* more array items than CG_CONFIG_LIST_MAX */
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "a = [");
    for (int i = 0; i <= CG_CONFIG_LIST_MAX; i++) cg_buf_puts(&b, "1,");
    cg_buf_puts(&b, "]\n");
    CG_CHECK_EQ_INT(parse_err(b.data, b.len, &e), CG_ELIMIT);
    cg_buf_release(&b);
    /* a document larger than CG_CONFIG_FILE_MAX, without reading past the bound */
    char *big = calloc(1, CG_CONFIG_FILE_MAX + 1);
    memset(big, '\n', CG_CONFIG_FILE_MAX + 1);
    CG_CHECK_EQ_INT(parse_err(big, CG_CONFIG_FILE_MAX + 1, &e), CG_ELIMIT);
    cg_toml_val *r = NULL;
    CG_CHECK_EQ_INT(cg_toml_parse(big, CG_CONFIG_FILE_MAX, &r, &e), 0);
    cg_toml_free(r);
    free(big);
}

CG_TEST(canonical_json)
{
    const char *doc =
        "b = [1, 2.5, \"s\\n\\u007f\", true]\n"
        "a.z = 1979-05-27T07:32:00.1234567z\n"
        "a.y = 07:00:00.000\n"
        "c = [1e16, 1e-5, 0.1, -0.0, nan, -inf, 100.0, 1e15, 7.120236347223045e-307]\n"
        "\"é\" = 1\n\"Z\" = 2\n";
    const char *want =
        "{\"Z\":{\"integer\":\"2\"},"
        "\"a\":{\"y\":{\"time-local\":\"07:00:00\"},"
        "\"z\":{\"datetime\":\"1979-05-27T07:32:00.123456+00:00\"}},"
        "\"b\":[{\"integer\":\"1\"},{\"float\":\"2.5\"},{\"string\":\"s\\u000a\\u007f\"},"
        "{\"bool\":\"true\"}],"
        "\"c\":[{\"float\":\"1e+16\"},{\"float\":\"1e-05\"},{\"float\":\"0.1\"},"
        "{\"float\":\"-0.0\"},{\"float\":\"nan\"},{\"float\":\"-inf\"},{\"float\":\"100.0\"},"
        "{\"float\":\"1000000000000000.0\"},{\"float\":\"7.120236347223045e-307\"}],"
        "\"\xc3\xa9\":{\"integer\":\"1\"}}\n";
    cg_buf out;
    cg_buf_init(&out);
    char err[128];
    CG_CHECK_EQ_INT(cg_toml_dump_json(doc, strlen(doc), &out, err, sizeof err), 0);
    CG_CHECK_STR(out.data, want);
    cg_buf_reset(&out);
    CG_CHECK(cg_toml_dump_json("a = ", 4, &out, err, sizeof err) != 0);
    CG_CHECK_STR(err, "line 1: missing value after '='");
    cg_buf_release(&out);
}

CG_TEST_MAIN()
