/*
 * schema.h — the table of every configuration key (private to src/config).
 *
 * One row per key of config.h: where it lives in the file ([section] key), its
 * type, where it lives in struct cg_config, its built-in default (in the string
 * form the environment and the command line use), its allowed range, and
 * whether the feature behind it exists yet. Loading, environment mapping,
 * validation, the unimplemented-key report and the reference-config test are all
 * driven by this one table, so adding a key is adding a row.
 */
#ifndef CG_CONFIG_SCHEMA_H
#define CG_CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CG_CT_BOOL,      /**< int 0/1 */
    CG_CT_INT,       /**< int */
    CG_CT_I64,       /**< int64_t */
    CG_CT_FLOAT,     /**< double */
    CG_CT_STR,       /**< char*; min/max bound the length */
    CG_CT_DURATION,  /**< int64_t milliseconds; "30s", bare integer = seconds */
    CG_CT_SIZE,      /**< uint64_t bytes; "50MB", bare integer = bytes */
    CG_CT_STRLIST,   /**< cg_strlist; min/max bound the count; enums restrict items */
    CG_CT_FLOATLIST, /**< cg_histbuckets */
    CG_CT_ENUM,      /**< char*, one of enums (stored in the canonical spelling) */
    CG_CT_ENUM_INT,  /**< int, the index of the value in enums (e.g. cg_io_backend) */
} cg_config_type;

typedef struct cg_config_key {
    const char *section; /**< "server", "parsing.rust" */
    const char *key;     /**< "port" */
    cg_config_type type;
    size_t offset;            /**< offsetof(cg_config, …) */
    const char *def;          /**< default, as env/CLI would write it ("30s", "a,b") */
    int64_t min, max;         /**< inclusive; ms for durations, bytes for sizes */
    const char *const *enums; /**< NULL-terminated allowed values, or NULL */
    unsigned ranged : 1;      /**< min/max apply */
    unsigned implemented : 1; /**< the foundation uses this key */
    unsigned secret : 1;      /**< value never printed, logged or echoed */
    unsigned abs_paths : 1;   /**< list of paths made absolute against the cwd on load */
    const char *feature;      /**< what is missing when !implemented ("rate limiting") */
} cg_config_key;

extern const cg_config_key cg_config_keys[];
extern const int cg_config_keys_n;

/** The row for "section.key" (e.g. "parsing.rust.parse_tests"), or NULL. */
const cg_config_key *cg_config_key_find(const char *dotted);
/** 1 when `name` is a section ("server", "parsing.rust"). */
int cg_config_section_exists(const char *name);
/** "section.key" into buf. */
const char *cg_config_key_name(const cg_config_key *k, char *buf, size_t n);

#endif
