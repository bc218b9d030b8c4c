/*
 * toml.h — our strict TOML 1.0 parser (private to src/config).
 *
 * cg_toml_parse() turns a document into a small tree: tables keep their keys in
 * file order (so diagnostics come out in the order a reader sees them), arrays
 * keep their items, scalars are decoded (strings unescaped to UTF-8, integers to
 * int64, floats to double). Date-times are validated but kept as their source
 * text with a type tag; nothing in the configuration uses them.
 *
 * Bounds (limits.h): input <= CG_CONFIG_FILE_MAX bytes, every string and key
 * <= CG_CONFIG_STR_MAX bytes, every array and table <= CG_CONFIG_LIST_MAX
 * entries, containers nested <= CG_CONFIG_NEST_MAX deep. The tree therefore has
 * bounded depth, which is what lets cg_toml_free() and the dumper recurse.
 */
#ifndef CG_CONFIG_TOML_H
#define CG_CONFIG_TOML_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"

typedef enum {
    CG_TOML_TABLE = 1,
    CG_TOML_ARRAY,
    CG_TOML_STRING,
    CG_TOML_INT,
    CG_TOML_FLOAT,
    CG_TOML_BOOL,
    CG_TOML_DATETIME,       /**< offset date-time, e.g. 1979-05-27T07:32:00Z */
    CG_TOML_DATETIME_LOCAL, /**< 1979-05-27T07:32:00 */
    CG_TOML_DATE_LOCAL,     /**< 1979-05-27 */
    CG_TOML_TIME_LOCAL,     /**< 07:32:00 */
} cg_toml_type;

typedef struct cg_toml_val cg_toml_val;

/** One key of a table: the key bytes (may contain NUL), the line it was defined on. */
typedef struct cg_toml_kv {
    char *key;
    size_t key_len;
    int line;
    cg_toml_val *val;
} cg_toml_kv;

struct cg_toml_val {
    cg_toml_type type;
    int line;       /**< line where the value (or the table's header) starts */
    int depth;      /**< containers between the root and this value; root = 0 */
    unsigned flags; /**< parser-private: how a table/array came to exist */
    int section;    /**< parser-private: which section created a dotted table */
    union {
        struct {
            char *s; /**< strings: decoded UTF-8, NUL-terminated; date-times: source text */
            size_t len;
        } str;
        int64_t i;
        double f;
        int b;
        struct {
            cg_toml_val **items;
            int n, cap;
        } arr;
        struct {
            cg_toml_kv *kv;
            int n, cap;
        } tab;
    } u;
};

/** Where and why a parse failed. `line` is 1-based (0 when the input as a whole is bad). */
typedef struct cg_toml_err {
    int line;
    char msg[192];
} cg_toml_err;

/**
 * Parse `len` bytes of TOML. On success *out is the root table (free it with
 * cg_toml_free) and 0 is returned; on failure *out is NULL, `err` says where and
 * why, and CG_EINVAL (bad syntax or semantics), CG_ELIMIT (a bound was exceeded)
 * or CG_ENOMEM is returned.
 */
int cg_toml_parse(const char *text, size_t len, cg_toml_val **out, cg_toml_err *err);

/** Free a tree returned by cg_toml_parse (NULL is fine). */
void cg_toml_free(cg_toml_val *v);

/** The value under `key` in a table, or NULL. */
const cg_toml_val *cg_toml_get(const cg_toml_val *table, const char *key);

/** "table", "array", "string", "integer", "float", "boolean", "date-time", … */
const char *cg_toml_type_name(cg_toml_type t);

/**
 * Parse `text` and write its canonical typed JSON to `out` — the form
 * tests/config/gen_expected.py writes from Python's tomllib, so the two can be
 * compared byte for byte:
 *   table    {"key":<value>,…}  keys sorted by their UTF-8 bytes, no spaces
 *   array    [<value>,…]
 *   scalar   {"<type>":"<text>"} with type string|integer|float|bool|datetime|
 *            datetime-local|date-local|time-local; integers in decimal; floats as
 *            Python's repr() (shortest round-trip, "inf", "-inf", "nan", "1e+16");
 *            date-times as YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM], fraction cut to
 *            microseconds and dropped when zero, Z written +00:00.
 *   strings  '"' escaped as \", '\' as \\, U+0000–U+001F and U+007F as \u00xx
 *            (lower-case hex), everything else as raw UTF-8.
 * The document ends with one "\n". Returns 0, or the cg_toml_parse error with
 * "line N: reason" in `err`.
 */
int cg_toml_dump_json(const char *text, size_t len, cg_buf *out, char *err, size_t errlen);

/** Write the canonical JSON (as above) of an already parsed tree. */
void cg_toml_write_json(cg_buf *out, const cg_toml_val *root);

#endif
