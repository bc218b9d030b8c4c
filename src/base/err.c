/*
 * err.c — CG error codes: their user-visible names and descriptions, and the
 * always-on assertion failure path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"

static const struct {
    int err;
    const char *code;
    const char *text;
} err_table[] = {
    {CG_EDB, "CG001", "database unavailable"},
    {CG_ETXN, "CG002", "database write failed"},
    {CG_ECORRUPT, "CG003", "corruption detected"},
    {CG_ENOINDEX, "CG004", "vector index not found"},
    {CG_EEMBED, "CG005", "embedding failed"},
    {CG_ELANG, "CG006", "unsupported language"},
    {CG_EPARSE, "CG007", "parse error"},
    {CG_ECONFIG, "CG008", "invalid configuration"},
    {CG_EAUTH, "CG009", "invalid credentials"},
    {CG_ENOMEM, "CG010", "insufficient memory"},
    {CG_EINVAL, "CG011", "bad request"},
    {CG_ENOTFOUND, "CG012", "not found"},
    {CG_EMETHOD, "CG013", "method not allowed"},
    {CG_ELIMIT, "CG014", "limit exceeded"},
    {CG_ETIMEOUT, "CG015", "timed out"},
    {CG_EOVERLOAD, "CG016", "overloaded"},
    {CG_ERATE, "CG017", "rate limited"},
    {CG_EINTERNAL, "CG018", "internal error"},
    {CG_EFORBIDDEN, "CG019", "path outside the allowed roots"},
    {CG_ECONFLICT, "CG020", "conflict with the current state"},
};

const char *cg_err_code(int err)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(err_table); i++)
        if (err_table[i].err == err) return err_table[i].code;
    return "CG018";
}

const char *cg_err_str(int err)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(err_table); i++)
        if (err_table[i].err == err) return err_table[i].text;
    if (err < 0 && err > -4096) return strerror(-err);
    return "unknown error";
}

_Noreturn void cg_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "codegraph: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
