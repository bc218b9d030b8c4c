/*
 * test_walk.c — proves the repository walker (src/index/walk.c) on a temporary tree built
 * here: the exact depth-first, byte-wise sorted sequence of entries and decisions (so the
 * order is deterministic), with config ignore_patterns (the defaults), .gitignore files at
 * two levels (negation over a config pattern, anchored, "**", dir-only), ignored
 * directories reported once and not descended; symlinks to /etc/passwd, to "../" and to a
 * file outside refused, a symlink loop and a dangling link unreadable, a symlink to a
 * directory not descended, an inside symlink followed; a fifo neither read nor blocking;
 * reading with openat2 (".." escapes refused) and with the O_NOFOLLOW fallback; the content
 * checks (binary, UTF-16, invalid UTF-8, BOM stripped, long lines, size); the
 * max_files_per_project cap; the filter; the depth bound; a symlinked .gitignore not read;
 * and the allowed_roots check (/tmp/x/ab allows ab/sub but not /tmp/x/abc nor ab/../abc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/config.h"
#include "codegraph/walk.h"
#include "index/walk_int.h"

#define MAX_FILE_SIZE 1000 /* the test's max_file_size */
#define MAX_LINE 200       /* the test's max_line_length */
#define SEQ_MAX 128        /* entries recorded from one walk */

static char base_dir[256]; /* /tmp/cg-walk-XXXXXX */
static char proj[300];     /* base_dir/proj: the walked root */
static cg_config cfg;

static void put(const char *rel, const void *data, size_t n)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base_dir, rel);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        abort();
    }
    fwrite(data, 1, n, f);
    fclose(f);
}

static void puts_file(const char *rel, const char *s)
{
    put(rel, s, strlen(s));
}

static void dir(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base_dir, rel);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        perror(p);
        abort();
    }
}

static void link_to(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base_dir, rel);
    if (symlink(target, p) != 0) {
        perror(p);
        abort();
    }
}

static void build_content_files(void)
{
    static char big[MAX_FILE_SIZE * 2], longl[MAX_LINE + 2], edge[MAX_LINE + 3];
    memset(big, 'x', sizeof(big));
    put("proj/big.py", big, sizeof(big));
    put("proj/bin.dat",
        "\x7f"
        "ELF\0\0\0\1\2\3",
        10);
    put("proj/u16.txt",
        "\xff\xfe"
        "h\0i\0\n\0",
        8);
    puts_file("proj/latin1.txt", "caf\xe9\n");
    puts_file("proj/bom.py", "\xef\xbb\xbfx = 1\n");
    memset(longl, 'L', MAX_LINE + 1);
    longl[MAX_LINE + 1] = '\n';
    put("proj/long.js", longl, sizeof(longl));
    memset(edge, 'E', MAX_LINE); /* exactly max_line_length, then CRLF: allowed */
    edge[MAX_LINE] = '\r';
    edge[MAX_LINE + 1] = '\n';
    edge[MAX_LINE + 2] = 'z';
    put("proj/crlf.py", edge, sizeof(edge));
}

static void build_tree(void)
{
    strcpy(base_dir, "/tmp/cg-walk-XXXXXX");
    if (!mkdtemp(base_dir)) abort();
    snprintf(proj, sizeof(proj), "%s/proj", base_dir);
    dir("proj");
    puts_file("outside.txt", "secret outside\n");
    puts_file("proj/.gitignore", "# root rules\n\n/build_local\nsecret/\n!keep.log\n"
                                 "docs/**/draft.md\n");
    puts_file("proj/a.py", "print('a')\n");
    dir("proj/b");
    puts_file("proj/b/.gitignore", "!d2.log\n*.tmp\n/anch.py\n");
    const char *bfiles[] = {"b/c.py",
                            "b/d.log",
                            "b/d2.log",
                            "b/keep.log",
                            "b/x.tmp",
                            "b/anch.py",
                            "build_local/z.py",
                            "sub2/build_local",
                            "secret/s.py",
                            "notsecret/secret",
                            "docs/draft.md",
                            "docs/a/b/draft.md",
                            "docs/readme.md",
                            "node_modules/x.js",
                            "z.pyc",
                            "file~",
                            ".DS_Store",
                            "target/t.rs",
                            "b/sub/anch.py"};
    const char *dirs[] = {"build_local", "sub2",     "secret",       "notsecret", "docs",
                          "docs/a",      "docs/a/b", "node_modules", "target",    "b/sub"};
    for (size_t i = 0; i < CG_ARRAY_LEN(dirs); i++) {
        char p[128];
        snprintf(p, sizeof(p), "proj/%s", dirs[i]);
        dir(p);
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(bfiles); i++) {
        char p[128];
        snprintf(p, sizeof(p), "proj/%s", bfiles[i]);
        puts_file(p, "x\n");
    }
    build_content_files();
    link_to("/etc/passwd", "proj/passwd_link");
    link_to("../", "proj/up_link");
    link_to("../outside.txt", "proj/up_file");
    link_to("a.py", "proj/in_link");
    link_to("b", "proj/dir_link");
    link_to("loop2", "proj/loop1");
    link_to("loop1", "proj/loop2");
    link_to(".", "proj/self");
    link_to("missing", "proj/dangling");
    char fifo[512];
    snprintf(fifo, sizeof(fifo), "%s/fifo", proj);
    if (mkfifo(fifo, 0644) != 0) abort();
}

struct exp {
    const char *rel;
    cg_walk_decision d;
};

#define I CG_WALK_INDEX
#define IGN CG_WALK_SKIP_IGNORED
static const struct exp expected[] = {
    {".DS_Store", IGN},
    {".gitignore", I},
    {"a.py", I},
    {"b/.gitignore", I},
    {"b/anch.py", IGN}, /* b/.gitignore "/anch.py" */
    {"b/c.py", I},
    {"b/d.log", IGN},  /* config "*.log" */
    {"b/d2.log", I},   /* b/.gitignore "!d2.log" beats config "*.log" */
    {"b/keep.log", I}, /* root .gitignore "!keep.log" applies at any depth */
    {"b/sub/anch.py", I},
    {"b/x.tmp", IGN},
    {"big.py", CG_WALK_SKIP_TOO_LARGE},
    {"bin.dat", I}, /* content decisions come from cg_walk_read */
    {"bom.py", I},
    {"build_local", IGN}, /* anchored: a directory, not descended */
    {"crlf.py", I},
    {"dangling", CG_WALK_SKIP_UNREADABLE},
    {"dir_link", CG_WALK_SKIP_SYMLINK_DIR},
    {"docs/a/b/draft.md", IGN},
    {"docs/draft.md", IGN}, /* "**" matches zero directories */
    {"docs/readme.md", I},
    {"fifo", CG_WALK_SKIP_SPECIAL},
    {"file~", IGN},
    {"in_link", I},
    {"latin1.txt", I},
    {"long.js", I},
    {"loop1", CG_WALK_SKIP_UNREADABLE},
    {"loop2", CG_WALK_SKIP_UNREADABLE},
    {"node_modules", IGN},
    {"notsecret/secret", I}, /* "secret/" is dir-only */
    {"passwd_link", CG_WALK_SKIP_SYMLINK_ESCAPE},
    {"secret", IGN},
    {"self", CG_WALK_SKIP_SYMLINK_DIR},
    {"sub2/build_local", I}, /* "/build_local" is anchored to the root */
    {"target", IGN},
    {"u16.txt", I},
    {"up_file", CG_WALK_SKIP_SYMLINK_ESCAPE},
    {"up_link", CG_WALK_SKIP_SYMLINK_ESCAPE},
    {"z.pyc", IGN},
};
#undef I
#undef IGN

struct seq {
    char rel[SEQ_MAX][256];
    cg_walk_decision d[SEQ_MAX];
    int err[SEQ_MAX], is_dir[SEQ_MAX];
    uint64_t size[SEQ_MAX];
    int n;
};

static int walk_all(const cg_config_parsing *p, struct seq *s, cg_walk_filter_fn fn,
                    cg_walk_stats *st)
{
    cg_walker *w = NULL;
    cg_walk_entry e;
    int rc = cg_walk_create(&w, p, proj);
    if (rc < 0) return rc;
    if (fn) cg_walk_filter_set(w, fn, NULL);
    memset(s, 0, sizeof(*s));
    while ((rc = cg_walk_next(w, &e)) == 1 && s->n < SEQ_MAX) {
        snprintf(s->rel[s->n], sizeof(s->rel[0]), "%s", e.rel);
        s->d[s->n] = e.decision;
        s->err[s->n] = e.err;
        s->is_dir[s->n] = e.is_dir;
        s->size[s->n++] = e.size_bytes;
    }
    if (st) *st = *cg_walk_stats_get(w);
    cg_walk_destroy(w);
    return rc;
}

static int find(const struct seq *s, const char *rel)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->rel[i], rel) == 0) return i;
    return -1;
}

static struct seq seq1, seq2;

CG_TEST(walk_sequence_and_decisions)
{
    cg_walk_stats st;
    CG_CHECK_EQ_INT(walk_all(&cfg.parsing, &seq1, NULL, &st), 0);
    CG_CHECK_EQ_INT(seq1.n, (int)CG_ARRAY_LEN(expected));
    for (int i = 0; i < seq1.n && i < (int)CG_ARRAY_LEN(expected); i++) {
        if (strcmp(seq1.rel[i], expected[i].rel) != 0 || seq1.d[i] != expected[i].d)
            fprintf(stderr, "  entry %d: got %s %s, want %s %s\n", i, seq1.rel[i],
                    cg_walk_decision_name(seq1.d[i]), expected[i].rel,
                    cg_walk_decision_name(expected[i].d));
        CG_CHECK_STR(seq1.rel[i], expected[i].rel);
        CG_CHECK_EQ_INT(seq1.d[i], expected[i].d);
    }
    CG_CHECK_EQ_INT(seq1.err[find(&seq1, "loop1")], -ELOOP);
    CG_CHECK_EQ_INT(seq1.err[find(&seq1, "dangling")], -ENOENT);
    CG_CHECK(seq1.is_dir[find(&seq1, "node_modules")]);
    CG_CHECK(!seq1.is_dir[find(&seq1, "a.py")]);
    CG_CHECK_EQ_INT(seq1.size[find(&seq1, "in_link")], strlen("print('a')\n"));
    CG_CHECK_EQ_INT(seq1.size[find(&seq1, "big.py")], 2 * MAX_FILE_SIZE);
    CG_CHECK_EQ_INT(st.gitignores, 2);
    CG_CHECK_EQ_INT(st.gitignore_errors, 0);
    CG_CHECK_EQ_INT(st.dirs, 8); /* root, b, b/sub, docs, docs/a, docs/a/b, notsecret, sub2 */
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_INDEX], 17);
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_SKIP_TOO_MANY_FILES], 0);
    /* the same tree walks to the same sequence */
    CG_CHECK_EQ_INT(walk_all(&cfg.parsing, &seq2, NULL, NULL), 0);
    CG_CHECK(memcmp(&seq1, &seq2, sizeof(seq1)) == 0);
}

CG_TEST(max_files_cap)
{
    cg_config_parsing p = cfg.parsing;
    cg_walk_stats st;
    p.max_files_per_project = 3;
    CG_CHECK_EQ_INT(walk_all(&p, &seq2, NULL, &st), 0);
    int n_index = 0;
    for (int i = 0; i < seq2.n; i++) {
        CG_CHECK(seq2.d[i] != CG_WALK_SKIP_TOO_MANY_FILES); /* counted, never yielded */
        n_index += seq2.d[i] == CG_WALK_INDEX;
    }
    CG_CHECK_EQ_INT(n_index, 3);
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_INDEX], 3);
    CG_CHECK_STR(seq2.rel[find(&seq2, "b/.gitignore")], "b/.gitignore"); /* the third one */
    CG_CHECK_EQ_INT(find(&seq2, "b/c.py"), -1);
    /* 17 candidates - 3 offered, + big.py, which is past the cap before its size counts */
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_SKIP_TOO_MANY_FILES], 15);
    CG_CHECK(find(&seq2, "node_modules") >= 0); /* ignored entries are still reported */
}

static int only_py(void *ctx, const char *rel, size_t n)
{
    return n > 3 && memcmp(rel + n - 3, ".py", 3) == 0;
}

CG_TEST(filter)
{
    cg_walk_stats st;
    CG_CHECK_EQ_INT(walk_all(&cfg.parsing, &seq2, only_py, &st), 0);
    CG_CHECK(find(&seq2, "a.py") >= 0);
    CG_CHECK(find(&seq2, "b/sub/anch.py") >= 0);
    CG_CHECK_EQ_INT(find(&seq2, "long.js"), -1);
    CG_CHECK_EQ_INT(find(&seq2, "in_link"), -1);
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_INDEX], 5); /* a b/c b/sub/anch bom crlf */
    CG_CHECK_EQ_INT(st.filtered, 12);
}

static cg_walk_decision rd(cg_walker *w, const char *rel, cg_buf *b, cg_walk_file *f)
{
    int rc = cg_walk_read(w, rel, b, f);
    return rc == 0 ? f->decision : (cg_walk_decision)-1;
}

CG_TEST(read_decisions)
{
    cg_walker *w = NULL;
    cg_buf b;
    cg_walk_file f;
    cg_buf_init(&b);
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, proj), 0);
    CG_CHECK_EQ_INT(rd(w, "a.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_STR(b.data, "print('a')\n");
    CG_CHECK_EQ_INT(f.size_bytes, 11);
    CG_CHECK(f.mtime_ns > 0);
    CG_CHECK_EQ_INT(rd(w, "in_link", &b, &f), CG_WALK_INDEX);
    CG_CHECK_STR(b.data, "print('a')\n");
    CG_CHECK_EQ_INT(rd(w, "bom.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_STR(b.data, "x = 1\n");
    CG_CHECK_EQ_INT(f.bom_bytes, 3);
    CG_CHECK_EQ_INT(rd(w, "crlf.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(b.len, MAX_LINE + 3);
    CG_CHECK_EQ_INT(rd(w, "bin.dat", &b, &f), CG_WALK_SKIP_BINARY);
    CG_CHECK_EQ_INT(rd(w, "u16.txt", &b, &f), CG_WALK_SKIP_BAD_ENCODING);
    CG_CHECK_EQ_INT(rd(w, "latin1.txt", &b, &f), CG_WALK_SKIP_BAD_ENCODING);
    CG_CHECK_EQ_INT(rd(w, "long.js", &b, &f), CG_WALK_SKIP_LONG_LINES);
    CG_CHECK_EQ_INT(rd(w, "big.py", &b, &f), CG_WALK_SKIP_TOO_LARGE);
    CG_CHECK(b.len <= MAX_FILE_SIZE);                             /* refused before reading */
    CG_CHECK_EQ_INT(rd(w, "fifo", &b, &f), CG_WALK_SKIP_SPECIAL); /* and did not block */
    CG_CHECK_EQ_INT(rd(w, "b", &b, &f), CG_WALK_SKIP_SPECIAL);
    CG_CHECK_EQ_INT(rd(w, "loop1", &b, &f), CG_WALK_SKIP_UNREADABLE);
    CG_CHECK_EQ_INT(f.err, -ELOOP);
    CG_CHECK_EQ_INT(rd(w, "missing.py", &b, &f), CG_WALK_SKIP_UNREADABLE);
    CG_CHECK_EQ_INT(f.err, -ENOENT);
    cg_buf_release(&b);
    cg_walk_destroy(w);
}

CG_TEST(read_refuses_escapes)
{
    cg_walker *w = NULL;
    cg_buf b;
    cg_walk_file f;
    cg_buf_init(&b);
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, proj), 0);
    CG_CHECK_EQ_INT(rd(w, "passwd_link", &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(b.len, 0);
    CG_CHECK_EQ_INT(rd(w, "up_file", &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(rd(w, "../outside.txt", &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(rd(w, "b/../../outside.txt", &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(rd(w, "up_link/outside.txt", &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(rd(w, "b/../a.py", &b, &f), CG_WALK_INDEX); /* stays beneath */
    CG_CHECK_EQ_INT(rd(w, "dir_link/c.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(cg_walk_read(w, "/etc/passwd", &b, &f), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_walk_read(w, "", &b, &f), CG_EINVAL);
    CG_CHECK(strstr(b.data ? b.data : "", "secret outside") == NULL);
    cg_buf_release(&b);
    cg_walk_destroy(w);
}

CG_TEST(fallback_without_openat2)
{
    cg_walker *w = NULL;
    cg_buf b;
    cg_walk_file f;
    cg_buf_init(&b);
    cg_walk_test_force_fallback(1);
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, proj), 0);
    CG_CHECK_EQ_INT(rd(w, "a.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_STR(b.data, "print('a')\n");
    CG_CHECK_EQ_INT(rd(w, "b/sub/anch.py", &b, &f), CG_WALK_INDEX);
    CG_CHECK_STR(b.data, "x\n");
    /* every symlink and ".." is refused, even ones that would stay beneath */
    const char *refused[] = {"passwd_link", "up_file",       "../outside.txt",     "b/../a.py",
                             "in_link",     "dir_link/c.py", "up_link/outside.txt"};
    for (size_t i = 0; i < CG_ARRAY_LEN(refused); i++)
        CG_CHECK_EQ_INT(rd(w, refused[i], &b, &f), CG_WALK_SKIP_SYMLINK_ESCAPE);
    CG_CHECK_EQ_INT(rd(w, "fifo", &b, &f), CG_WALK_SKIP_SPECIAL);
    CG_CHECK_EQ_INT(rd(w, "nope/x", &b, &f), CG_WALK_SKIP_UNREADABLE);
    CG_CHECK_EQ_INT(f.err, -ENOENT);
    int fd = cg_walk_open_beneath(cg_walk_root_fd(w), "b", O_RDONLY | O_DIRECTORY);
    CG_CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    cg_walk_destroy(w);
    /* the root path itself: a symlink in the last or a middle component is refused */
    char p[512];
    cg_walker *w2 = NULL;
    snprintf(p, sizeof(p), "%s/proj/dir_link", base_dir);
    CG_CHECK_EQ_INT(cg_walk_create(&w2, &cfg.parsing, p), -ELOOP);
    snprintf(p, sizeof(p), "%s/proj/dir_link/sub", base_dir);
    CG_CHECK_EQ_INT(cg_walk_create(&w2, &cfg.parsing, p), -ELOOP);
    snprintf(p, sizeof(p), "%s/proj/b/sub", base_dir);
    CG_CHECK_EQ_INT(cg_walk_create(&w2, &cfg.parsing, p), 0);
    cg_walk_destroy(w2);
    cg_walk_test_force_fallback(0);
    cg_buf_release(&b);
}

CG_TEST(content_check)
{
    size_t bom = 9;
    CG_CHECK_EQ_INT(cg_walk_content_check("", 0, 10, 1, &bom), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(bom, 0);
    CG_CHECK_EQ_INT(cg_walk_content_check("a\0b", 3, 10, 1, NULL), CG_WALK_SKIP_BINARY);
    CG_CHECK_EQ_INT(cg_walk_content_check("\x01\x02\x03zzzz", 7, 10, 0, NULL), CG_WALK_SKIP_BINARY);
    const char *ansi = "\x1b[1mbold\x1b[0m\tx\r\n\f\b";
    CG_CHECK_EQ_INT(cg_walk_content_check(ansi, strlen(ansi), 100, 1, NULL), CG_WALK_INDEX);
    /* a NUL after the sniff window is not looked for */
    static char late[CG_WALK_BINARY_SNIFF + 16];
    memset(late, 'a', sizeof(late));
    late[CG_WALK_BINARY_SNIFF + 4] = 0;
    CG_CHECK_EQ_INT(cg_walk_content_check(late, sizeof(late), 1 << 20, 0, NULL), CG_WALK_INDEX);
    const char *bad[] = {"\xc0\x80",         "\xed\xa0\x80", "\xf4\x90\x80\x80", "x\xe2\x82",
                         "\xf5\x80\x80\x80", "\x80",         "\xe0\x9f\xbf"};
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        CG_CHECK_EQ_INT(cg_walk_content_check(bad[i], strlen(bad[i]), 10, 1, NULL),
                        CG_WALK_SKIP_BAD_ENCODING);
        CG_CHECK_EQ_INT(cg_walk_content_check(bad[i], strlen(bad[i]), 10, 0, NULL),
                        CG_WALK_INDEX); /* encoding_detection off */
    }
    const char *good = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf ascii-run!";
    CG_CHECK_EQ_INT(cg_walk_content_check(good, strlen(good), 100, 1, NULL), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(cg_walk_content_check("\xfe\xff\0h", 4, 10, 1, NULL),
                    CG_WALK_SKIP_BAD_ENCODING);
    CG_CHECK_EQ_INT(cg_walk_content_check("\0\0\xfe\xff", 4, 10, 1, NULL),
                    CG_WALK_SKIP_BAD_ENCODING);
    CG_CHECK_EQ_INT(cg_walk_content_check("\xef\xbb\xbfok", 5, 10, 1, &bom), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(bom, 3);
    CG_CHECK_EQ_INT(cg_walk_content_check("12345\n123456\n", 13, 6, 1, NULL), CG_WALK_INDEX);
    CG_CHECK_EQ_INT(cg_walk_content_check("12345\n1234567", 13, 6, 1, NULL),
                    CG_WALK_SKIP_LONG_LINES);
    CG_CHECK_EQ_INT(cg_walk_content_check("123456\r\n", 8, 6, 1, NULL), CG_WALK_INDEX);
}

/* A chain deeper than CG_WALK_DEPTH_MAX, and a .gitignore that is a symlink (not read). */
CG_TEST(depth_bound_and_symlinked_gitignore)
{
    char rel[512] = "deep";
    dir(rel);
    puts_file("deep/.hidden_rules", "*.py\n");
    link_to(".hidden_rules", "deep/.gitignore");
    size_t n = strlen(rel);
    for (int i = 0; i < CG_WALK_DEPTH_MAX + 1; i++) {
        n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/d");
        dir(rel);
    }
    snprintf(rel + n, sizeof(rel) - n, "/f.py");
    puts_file(rel, "x\n");
    puts_file("deep/d/top.py", "x\n");
    snprintf(proj, sizeof(proj), "%s/deep", base_dir);
    cg_walk_stats st;
    CG_CHECK_EQ_INT(walk_all(&cfg.parsing, &seq2, NULL, &st), 0);
    snprintf(proj, sizeof(proj), "%s/proj", base_dir);
    CG_CHECK_EQ_INT(st.gitignore_errors, 1);
    CG_CHECK_EQ_INT(st.by_decision[CG_WALK_SKIP_TOO_DEEP], 1);
    CG_CHECK_EQ_INT(st.dirs, CG_WALK_DEPTH_MAX + 1);
    int top = find(&seq2, "d/top.py");
    CG_CHECK(top >= 0 && seq2.d[top] == CG_WALK_INDEX); /* the symlinked rules were not read */
    int deep = -1;
    for (int i = 0; i < seq2.n; i++)
        if (seq2.d[i] == CG_WALK_SKIP_TOO_DEEP) deep = i;
    CG_CHECK(deep >= 0 && seq2.is_dir[deep]);
    CG_CHECK(deep >= 0 && strlen(seq2.rel[deep]) == 2 * (CG_WALK_DEPTH_MAX + 1) - 1);
}

CG_TEST(create_refuses_symlinked_root)
{
    char p[512];
    cg_walker *w = NULL;
    snprintf(p, sizeof(p), "%s/proj/dir_link", base_dir);
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, p), -ELOOP);
    CG_CHECK(w == NULL);
    snprintf(p, sizeof(p), "%s/proj/dir_link/sub", base_dir); /* a middle component */
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, p), -ELOOP);
    snprintf(p, sizeof(p), "%s/nope", base_dir);
    CG_CHECK_EQ_INT(cg_walk_create(&w, &cfg.parsing, p), -ENOENT);
}

CG_TEST(allowed_roots)
{
    char ab[300], p[512], real[4096], err[1024];
    cg_config_parsing pp = cfg.parsing;
    snprintf(ab, sizeof(ab), "%s/ab", base_dir);
    dir("ab");
    dir("ab/sub");
    dir("abc");
    puts_file("ab/file.txt", "x");
    link_to("/etc", "ab/etc_link");
    char ab_slash[320];
    snprintf(ab_slash, sizeof(ab_slash), "%s/", ab);
    char *roots[] = {ab_slash};
    pp.allowed_roots = (cg_strlist){roots, 1};

    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, ab, real, sizeof(real), err, sizeof(err)), 0);
    CG_CHECK_STR(real, ab);
    snprintf(p, sizeof(p), "%s/sub/", ab);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), 0);
    snprintf(p, sizeof(p), "%s/sub", ab);
    CG_CHECK_STR(real, p);
    snprintf(p, sizeof(p), "%s/abc", base_dir); /* sibling sharing the string prefix */
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), -EACCES);
    CG_CHECK(strstr(err, "allowed_roots") != NULL && strstr(err, "/abc") != NULL);
    snprintf(p, sizeof(p), "%s/sub/../../abc", ab); /* ".." resolved first */
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), -EACCES);
    snprintf(p, sizeof(p), "%s/etc_link", ab); /* a symlink out of the root */
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), -EACCES);
    CG_CHECK(strstr(err, "/etc") != NULL);
    snprintf(p, sizeof(p), "%s/file.txt", ab);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), -ENOTDIR);
    snprintf(p, sizeof(p), "%s/missing", ab);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p, real, sizeof(real), err, sizeof(err)), -ENOENT);
    CG_CHECK(strstr(err, "missing") != NULL);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, ab, real, 4, err, sizeof(err)), -ENAMETOOLONG);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, "", real, sizeof(real), NULL, 0), -EINVAL);
    pp.allowed_roots.n = 0;
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, ab, real, sizeof(real), err, sizeof(err)), -EACCES);
    char *slash[] = {"/"};
    pp.allowed_roots = (cg_strlist){slash, 1};
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, p + 0, real, sizeof(real), NULL, 0), -ENOENT);
    CG_CHECK_EQ_INT(cg_walk_root_check(&pp, ab, real, sizeof(real), NULL, 0), 0);
}

static void rm_tree(void)
{
    char cmd[600];
    if (strncmp(base_dir, "/tmp/cg-walk-", 13) != 0) return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", base_dir);
}

int main(void)
{
    if (cg_config_init_defaults(&cfg) != 0) return 2;
    cfg.parsing.max_file_size_bytes = MAX_FILE_SIZE;
    cfg.parsing.max_line_length = MAX_LINE;
    build_tree();
    int rc = cg_test_main();
    rm_tree();
    cg_config_release(&cfg);
    return rc;
}
