/*
 * test_ignore.c — proves the gitignore matcher (src/index/ignore.c): a table of single
 * patterns against paths covering "*", "?", classes, escapes, anchoring, dir-only rules and
 * every "**" form; rule sets where the last match wins ("!" re-includes), rules scoped to a
 * subdirectory's base, truncation back to a mark, .gitignore text parsing (comments, blank
 * lines, CRLF, escaped trailing spaces, bad lines counted), the limits, and that patterns
 * built to make backtracking matchers explode still finish (the matcher is bounded).
 */
#include <stdio.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/walk.h"

/* 1/0 whether `pat` (one line, root-scoped) ignores `path`; -1 when it adds no rule. */
static int match1(const char *pat, const char *path, int is_dir)
{
    cg_ignore *ig = cg_ignore_create();
    int rc = cg_ignore_add(ig, "", pat, strlen(pat));
    int m = rc == 1 ? cg_ignore_match(ig, path, strlen(path), is_dir) : -1;
    cg_ignore_destroy(ig);
    return m;
}

struct row {
    const char *pat, *path;
    int is_dir, want;
};

static const struct row table[] = {
    /* suffix and literal basenames, at any depth */
    {"*.pyc", "a.pyc", 0, 1},
    {"*.pyc", "dir/sub/a.pyc", 0, 1},
    {"*.pyc", "a.pyc.txt", 0, 0},
    {"*.pyc", ".pyc", 0, 1},
    {"*~", "foo.c~", 0, 1},
    {"*~", "foo.c", 0, 0},
    {".DS_Store", ".DS_Store", 0, 1},
    {".DS_Store", "a/b/.DS_Store", 0, 1},
    {".DS_Store", "a/.DS_Store2", 0, 0},
    {"node_modules", "x/node_modules", 1, 1},
    {"node_modules", "node_modules", 0, 1},
    /* dir-only */
    {"target/", "target", 1, 1},
    {"target/", "target", 0, 0},
    {"target/", "crates/x/target", 1, 1},
    {"target/", "targets", 1, 0},
    /* anchoring: leading or middle slash */
    {"/foo", "foo", 0, 1},
    {"/foo", "a/foo", 0, 0},
    {"foo/bar", "foo/bar", 0, 1},
    {"foo/bar", "x/foo/bar", 0, 0},
    {"/foo/", "foo", 1, 1},
    {"/foo/", "foo", 0, 0},
    {"doc/*.txt", "doc/x.txt", 0, 1},
    {"doc/*.txt", "doc/sub/x.txt", 0, 0},
    /* ** forms */
    {"**/foo", "foo", 0, 1},
    {"**/foo", "a/b/foo", 0, 1},
    {"**/foo", "a/foo/x", 0, 0},
    {"**/foo/bar", "foo/bar", 0, 1},
    {"**/foo/bar", "a/b/foo/bar", 0, 1},
    {"**/foo/bar", "a/foo/x/bar", 0, 0},
    {"abc/**", "abc/x", 0, 1},
    {"abc/**", "abc/x/y", 0, 1},
    {"abc/**", "abc", 1, 0},
    {"abc/**", "xabc/y", 0, 0},
    {"a/**/b", "a/b", 0, 1},
    {"a/**/b", "a/x/b", 0, 1},
    {"a/**/b", "a/x/y/z/b", 0, 1},
    {"a/**/b", "a/xb", 0, 0},
    {"a/**/b", "a/x/b/c", 0, 0},
    {"a/**/b/**/c", "a/b/c", 0, 1},
    {"a/**/b/**/c", "a/1/b/2/3/c", 0, 1},
    {"a/**/b/**/c", "a/1/c", 0, 0},
    {"a/**/", "a/x", 1, 1},
    {"a/**/", "a/x", 0, 0},
    {"**", "anything", 0, 1},
    {"a**b", "axyb", 0, 1},
    {"a**b", "a/b", 0, 0},
    /* single-character wildcards and classes */
    {"?.c", "a.c", 0, 1},
    {"?.c", "ab.c", 0, 0},
    {"[abc].txt", "b.txt", 0, 1},
    {"[abc].txt", "d.txt", 0, 0},
    {"[!abc].txt", "d.txt", 0, 1},
    {"[!abc].txt", "a.txt", 0, 0},
    {"[^abc].txt", "a.txt", 0, 0},
    {"[a-c]x", "bx", 0, 1},
    {"[a-c]x", "dx", 0, 0},
    {"[[:digit:]]*", "1abc", 0, 1},
    {"[[:digit:]]*", "abc", 0, 0},
    {"[[:upper:][:digit:]]", "Q", 0, 1},
    {"[]]", "]", 0, 1},
    {"[a-]", "-", 0, 1},
    {"a[bc", "a[bc", 0, 0}, /* unclosed class: never matches, as in git */
    {"*[bc", "xx[bc", 0, 0},
    /* stars inside a segment */
    {"*", "x/y/z", 0, 1},
    {"a*b", "ab", 0, 1},
    {"a*b", "axxbxxb", 0, 1},
    {"a*b", "axxbx", 0, 0},
    {"*a*b*c*", "xaybzc", 0, 1},
    {"*a*b*c*", "xaycb", 0, 0},
    /* escapes */
    {"\\*", "*", 0, 1},
    {"\\*", "a", 0, 0},
    {"\\#foo", "#foo", 0, 1},
    {"\\!imp", "!imp", 0, 1},
    {"foo\\ ", "foo ", 0, 1},
    {"foo\\ ", "foo", 0, 0},
    {"foo   ", "foo", 0, 1},
    {"foo\r", "foo", 0, 1},
    {"f\\[x]", "f[x]", 0, 1},
    /* lines that add no rule */
    {"", "x", 0, -1},
    {"# comment", "# comment", 0, -1},
    {"   ", "x", 0, -1},
    {"/", "x", 1, -1},
    {"!", "x", 0, -1},
};

CG_TEST(glob_table)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(table); i++) {
        const struct row *r = &table[i];
        int got = match1(r->pat, r->path, r->is_dir);
        if (got != r->want)
            fprintf(stderr, "  row %zu: pattern '%s' path '%s' dir %d: got %d want %d\n", i, r->pat,
                    r->path, r->is_dir, got, r->want);
        CG_CHECK_EQ_INT(got, r->want);
    }
}

static int m(const cg_ignore *ig, const char *path, int is_dir)
{
    return cg_ignore_match(ig, path, strlen(path), is_dir);
}

static void add(cg_ignore *ig, const char *base, const char *pat, int *cg_failed_)
{
    CG_CHECK_EQ_INT(cg_ignore_add(ig, base, pat, strlen(pat)), 1);
}

CG_TEST(last_match_wins)
{
    cg_ignore *ig = cg_ignore_create();
    add(ig, "", "*.log", cg_failed_);
    add(ig, "", "!keep.log", cg_failed_);
    CG_CHECK_EQ_INT(m(ig, "a.log", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "keep.log", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "x/keep.log", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "a.txt", 0), 0);
    add(ig, "", "keep.*", cg_failed_); /* a later positive rule wins again */
    CG_CHECK_EQ_INT(m(ig, "keep.log", 0), 1);
    cg_ignore_destroy(ig);

    ig = cg_ignore_create(); /* the other order: the negation comes first and loses */
    add(ig, "", "!keep.log", cg_failed_);
    add(ig, "", "*.log", cg_failed_);
    CG_CHECK_EQ_INT(m(ig, "keep.log", 0), 1);
    cg_ignore_destroy(ig);
}

CG_TEST(base_scoping_and_truncate)
{
    cg_ignore *ig = cg_ignore_create();
    add(ig, "", "*.tmp", cg_failed_);
    int mark = cg_ignore_count(ig);
    CG_CHECK_EQ_INT(mark, 1);
    add(ig, "sub", "!x.tmp", cg_failed_);
    add(ig, "sub", "/only", cg_failed_);
    add(ig, "sub", "deep/", cg_failed_);
    add(ig, "sub", "q/**/z", cg_failed_);
    CG_CHECK_EQ_INT(m(ig, "x.tmp", 0), 1);       /* root: sub's negation does not apply */
    CG_CHECK_EQ_INT(m(ig, "sub/x.tmp", 0), 0);   /* re-included under sub */
    CG_CHECK_EQ_INT(m(ig, "sub/a/x.tmp", 0), 0); /* unanchored: any depth under sub */
    CG_CHECK_EQ_INT(m(ig, "sub/y.tmp", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "sub/only", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "only", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "sub/a/only", 0), 0); /* anchored to sub */
    CG_CHECK_EQ_INT(m(ig, "subx/only", 0), 0);  /* base compared by component */
    CG_CHECK_EQ_INT(m(ig, "sub/k/deep", 1), 1);
    CG_CHECK_EQ_INT(m(ig, "deep", 1), 0);
    CG_CHECK_EQ_INT(m(ig, "sub/q/z", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "sub/q/1/2/z", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "q/z", 0), 0);
    cg_ignore_truncate(ig, mark);
    CG_CHECK_EQ_INT(cg_ignore_count(ig), 1);
    CG_CHECK_EQ_INT(m(ig, "sub/x.tmp", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "sub/only", 0), 0);
    cg_ignore_destroy(ig);
}

CG_TEST(gitignore_text)
{
    static const char text[] = "# build output\n"
                               "\n"
                               "*.o\r\n"
                               "   \n"
                               "!main.o\n"
                               "out/   \n"
                               "\\#hash\n"
                               "trail\\ \n"
                               "last-no-newline";
    cg_ignore *ig = cg_ignore_create();
    int bad = -1;
    CG_CHECK_EQ_INT(cg_ignore_add_text(ig, "", text, sizeof(text) - 1, &bad), 6);
    CG_CHECK_EQ_INT(bad, 0);
    CG_CHECK_EQ_INT(m(ig, "x.o", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "main.o", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "out", 1), 1);
    CG_CHECK_EQ_INT(m(ig, "out", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "#hash", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "trail ", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "trail", 0), 0);
    CG_CHECK_EQ_INT(m(ig, "last-no-newline", 0), 1);
    CG_CHECK_EQ_INT(m(ig, "# build output", 0), 0);
    cg_ignore_destroy(ig);
}

CG_TEST(limits)
{
    static char line[CG_IGNORE_PATTERN_MAX + 2];
    cg_ignore *ig = cg_ignore_create();
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = 0;
    CG_CHECK_EQ_INT(cg_ignore_add(ig, "", line, strlen(line)), CG_EINVAL);
    /* too many segments: "a/a/a/…" with more than CG_IGNORE_SEGMENTS_MAX parts */
    size_t n = 0;
    for (int i = 0; i < CG_IGNORE_SEGMENTS_MAX + 1; i++) n += (size_t)sprintf(line + n, "a/");
    line[n - 1] = 0;
    CG_CHECK_EQ_INT(cg_ignore_add(ig, "", line, strlen(line)), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_ignore_count(ig), 0);
    /* a text with one bad line among good ones: the good ones are kept, the bad counted */
    static char text[CG_IGNORE_PATTERN_MAX + 64];
    n = (size_t)sprintf(text, "good1\n");
    memset(text + n, 'b', CG_IGNORE_PATTERN_MAX + 1);
    n += CG_IGNORE_PATTERN_MAX + 1;
    n += (size_t)sprintf(text + n, "\ngood2\n");
    int bad = 0;
    CG_CHECK_EQ_INT(cg_ignore_add_text(ig, "", text, n, &bad), 2);
    CG_CHECK_EQ_INT(bad, 1);
    CG_CHECK_EQ_INT(m(ig, "good2", 0), 1);
    cg_ignore_destroy(ig);
}

/*
 * Inputs that take exponential time in a naive recursive matcher. Finishing at all (the
 * suite has no time-outs of its own) and the right answers prove the bound.
 */
CG_TEST(pathological_patterns_are_bounded)
{
    static char name[4001], pat[128], path[1200], dpat[600];
    memset(name, 'a', 4000);
    name[4000] = 0;
    strcpy(pat, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    CG_CHECK_EQ_INT(match1(pat, name, 0), 0);
    name[3999] = 'b';
    CG_CHECK_EQ_INT(match1(pat, name, 0), 1);

    size_t n = 0;
    for (int i = 0; i < 500; i++) n += (size_t)sprintf(path + n, "a/");
    path[n - 1] = 0; /* a/a/…/a, 500 segments */
    n = 0;
    for (int i = 0; i < 30; i++) n += (size_t)sprintf(dpat + n, "**/a/");
    strcpy(dpat + n, "b");
    CG_CHECK_EQ_INT(match1(dpat, path, 0), 0);
    dpat[n] = 'a';
    CG_CHECK_EQ_INT(match1(dpat, path, 0), 1);
}

CG_TEST_MAIN()
