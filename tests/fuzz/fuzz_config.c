/*
 * fuzz_config.c — libFuzzer target for the configuration loader: arbitrary bytes
 * are applied as a TOML file on top of the defaults (cg_config_apply_toml), the
 * result is validated and released, and the same bytes go through the canonical
 * JSON dumper. It must never crash, hang, read out of bounds or leak, whatever
 * the input. Seeds: tests/fuzz/corpus/config/.
 *
 * Built by tools/fuzz.sh from the sources named below; dictionary: tests/fuzz/config.dict.
 */
// fuzz-sources: src/config/*.c src/base/*.c
// fuzz-flags: -lm
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codegraph/buf.h"
#include "codegraph/config.h"
#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_config c;
    cg_config_diags d;
    char err[256];
    if (cg_config_init_defaults(&c) != 0) return 0;
    memset(&d, 0, sizeof d);
    cg_config_apply_toml(&c, (const char *)data, size, "fuzz", &d);
    cg_config_validate(&c, &d);
    cg_config_release(&c);
    cg_buf out;
    cg_buf_init(&out);
    cg_toml_dump_json((const char *)data, size, &out, err, sizeof err);
    cg_buf_release(&out);
    return 0;
}
