/*
 * test_tomllib_corpus.c — proves our TOML parser agrees with Python's tomllib (the
 * reference implementation in the Python 3.11 standard library) on the corpus in
 * tests/config/corpus: every valid/NAME.toml parses and its canonical JSON equals,
 * byte for byte, the NAME.json that tests/config/gen_expected.py wrote from
 * tomllib; every invalid/NAME.toml (which gen_expected.py checked tomllib rejects)
 * is rejected by us too.
 *
 * The corpus directory comes from $CG_TOML_CORPUS, default "tests/config/corpus"
 * relative to the working directory (tools/test.sh runs from the repository root,
 * after gen_expected.py). A missing or thin corpus is a failure, not a skip.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "config/toml.h"

#define CORPUS_FILES_MAX 1024 /* files per corpus directory we look at */
#define CORPUS_MIN 40         /* fewer files than this means the corpus went missing */

static const char *corpus_dir(void)
{
    const char *d = getenv("CG_TOML_CORPUS");
    return d && *d ? d : "tests/config/corpus";
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.toml files in dir (caller frees each and the array). */
static int list_toml(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    int n = 0;
    char **names = calloc(CORPUS_FILES_MAX, sizeof *names);
    *out = names;
    if (!d || !names) {
        fprintf(stderr, "  cannot read %s (set CG_TOML_CORPUS or run from the repo root)\n", dir);
        if (d) closedir(d);
        return 0;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL && n < CORPUS_FILES_MAX;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".toml") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    return n;
}

/* Whole file into b; 0 or -1. */
static int slurp(const char *path, cg_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len <= CG_CONFIG_FILE_MAX + 1)
        cg_buf_append(b, chunk, n);
    fclose(f);
    return 0;
}

static void show_mismatch(const char *name, const cg_buf *got, const cg_buf *want)
{
    size_t i = 0;
    while (i < got->len && i < want->len && got->data[i] == want->data[i]) i++;
    size_t from = i > 40 ? i - 40 : 0;
    fprintf(stderr,
            "  valid/%s differs from tomllib at byte %zu:\n    ours:    %.100s\n"
            "    tomllib: %.100s\n",
            name, i, got->data ? got->data + from : "", want->data ? want->data + from : "");
}

CG_TEST(valid_files_match_tomllib_byte_for_byte)
{
    char dir[1024], path[2048], err[256];
    snprintf(dir, sizeof dir, "%s/valid", corpus_dir());
    char **names;
    int n = list_toml(dir, &names), matched = 0;
    CG_CHECK(n >= CORPUS_MIN);
    for (int i = 0; i < n; i++) {
        cg_buf text, got, want;
        cg_buf_init(&text), cg_buf_init(&got), cg_buf_init(&want);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        CG_CHECK(slurp(path, &text) == 0);
        snprintf(path + strlen(path) - 5, 6, ".json");
        if (slurp(path, &want) != 0) {
            fprintf(stderr, "  %s missing: run tests/config/gen_expected.py first\n", path);
            CG_CHECK(0);
        } else if (cg_toml_dump_json(text.data ? text.data : "", text.len, &got, err, sizeof err) !=
                   0) {
            fprintf(stderr, "  valid/%s rejected by us: %s\n", names[i], err);
            CG_CHECK(0);
        } else if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
            show_mismatch(names[i], &got, &want);
            CG_CHECK(0);
        } else {
            matched++;
        }
        cg_buf_release(&text), cg_buf_release(&got), cg_buf_release(&want);
        free(names[i]);
    }
    free(names);
    printf("valid corpus: %d of %d files identical to tomllib\n", matched, n);
}

CG_TEST(invalid_files_are_rejected)
{
    char dir[1024], path[2048], err[256];
    snprintf(dir, sizeof dir, "%s/invalid", corpus_dir());
    char **names;
    int n = list_toml(dir, &names), rejected = 0;
    CG_CHECK(n >= CORPUS_MIN);
    for (int i = 0; i < n; i++) {
        cg_buf text, got;
        cg_buf_init(&text), cg_buf_init(&got);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        CG_CHECK(slurp(path, &text) == 0);
        if (cg_toml_dump_json(text.data ? text.data : "", text.len, &got, err, sizeof err) == 0) {
            fprintf(stderr, "  invalid/%s accepted by us (tomllib rejects it)\n", names[i]);
            CG_CHECK(0);
        } else {
            rejected++;
        }
        cg_buf_release(&text), cg_buf_release(&got);
        free(names[i]);
    }
    free(names);
    printf("invalid corpus: %d of %d files rejected, as by tomllib\n", rejected, n);
}

CG_TEST_MAIN()
