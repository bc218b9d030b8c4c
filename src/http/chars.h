/*
 * chars.h — HTTP character classes shared by the head parser and the chunked decoder
 * (private to src/http): one 256-entry class table and the method table, both
 * defined in parse.c.
 */
#ifndef CODEGRAPH_HTTP_CHARS_H
#define CODEGRAPH_HTTP_CHARS_H

#include <stddef.h>

#include "codegraph/http.h"

enum {
    CG_HTTP_CC_TCHAR = 1,  /**< token character (RFC 9110 §5.6.2) */
    CG_HTTP_CC_VALUE = 2,  /**< field-value byte: HTAB, SP, VCHAR, obs-text (§5.5) */
    CG_HTTP_CC_TARGET = 4, /**< request-target byte: VCHAR */
    CG_HTTP_CC_HOST = 8,   /**< Host / authority byte: reg-name, IP literal, ':' port */
};

extern const unsigned char cg_http_cc_tab[256];

/** Method names by cg_http_method, with their lengths (defined in parse.c). */
typedef struct cg_http_method_entry {
    const char *name;
    size_t len;
} cg_http_method_entry;
extern const cg_http_method_entry cg_http_method_tab[CG_HTTP_METHOD_COUNT];

static inline int cg_http_cc_is(unsigned char c, int cls)
{
    return (cg_http_cc_tab[c] & cls) != 0;
}
static inline int cg_http_is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

#endif
