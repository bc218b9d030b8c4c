/*
 * toml_dump_main.c — a developer tool: print the canonical JSON of a TOML file
 * (the form tests/config/gen_expected.py writes from Python's tomllib), or the
 * parse error, so one corpus file can be compared by hand. Not built by
 * build.zig; compile it with:
 *   zig cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc tests/config/toml_dump_main.c \
 *       src/config/toml.c src/base/buf.c src/base/err.c -o /tmp/toml_dump
 * Usage: toml_dump FILE   (exit 0 parsed, 1 rejected, 2 usage/IO error)
 */
#include <stdio.h>
#include <stdlib.h>

#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "config/toml.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char text[CG_CONFIG_FILE_MAX + 2];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    cg_buf out;
    cg_buf_init(&out);
    char err[256];
    if (cg_toml_dump_json(text, n, &out, err, sizeof err) != 0) {
        printf("rejected: %s\n", err);
        cg_buf_release(&out);
        return 1;
    }
    fwrite(out.data, 1, out.len, stdout);
    cg_buf_release(&out);
    return 0;
}
