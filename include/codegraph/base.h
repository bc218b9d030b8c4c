/*
 * base.h — error codes, assertions and small macros shared by every subsystem.
 *
 * Error convention (ARCHITECTURE.md §4): functions return int — 0 ok, >0 a count,
 * <0 either -errno (exactly as io_uring's cqe->res) or a CG_E* code below. CG_E*
 * codes live far below any errno so the two never collide. Each maps to one
 * user-visible CG0xx code and an HTTP status at the API boundary (cg_err_*).
 */
#ifndef CODEGRAPH_BASE_H
#define CODEGRAPH_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define CG_NORETURN [[noreturn]]
#else
#define CG_NORETURN _Noreturn
#endif

/** Internal error codes (negative, below -errno range). */
enum cg_err {
    CG_EDB = -10001,        /**< CG001 database open/IO failed */
    CG_ETXN = -10002,       /**< CG002 write batch / transaction failed */
    CG_ECORRUPT = -10003,   /**< CG003 corruption detected */
    CG_ENOINDEX = -10004,   /**< CG004 vector index not found */
    CG_EEMBED = -10005,     /**< CG005 embedding failed */
    CG_ELANG = -10006,      /**< CG006 unsupported language */
    CG_EPARSE = -10007,     /**< CG007 parse error */
    CG_ECONFIG = -10008,    /**< CG008 invalid configuration */
    CG_EAUTH = -10009,      /**< CG009 invalid credentials / wrong key class */
    CG_ENOMEM = -10010,     /**< CG010 memory budget exhausted */
    CG_EINVAL = -10011,     /**< CG011 bad request (malformed input) */
    CG_ENOTFOUND = -10012,  /**< CG012 resource or route not found */
    CG_EMETHOD = -10013,    /**< CG013 method not allowed */
    CG_ELIMIT = -10014,     /**< CG014 a documented limit was exceeded */
    CG_ETIMEOUT = -10015,   /**< CG015 timed out */
    CG_EOVERLOAD = -10016,  /**< CG016 queue full / shedding load / draining */
    CG_ERATE = -10017,      /**< CG017 rate limited */
    CG_EINTERNAL = -10018,  /**< CG018 internal error */
    CG_EFORBIDDEN = -10019, /**< CG019 path outside [parsing] allowed_roots */
    CG_ECONFLICT = -10020,  /**< CG020 conflicts with the current state (exists, busy) */
};

/** "CG0xx" for a CG_E* code (CG018 for anything unknown). */
const char *cg_err_code(int err);
/** Short English description of a CG_E* code or -errno. */
const char *cg_err_str(int err);

/** Abort with file:line and the expression. Always on: programmer errors only. */
#define CG_ASSERT(e) ((e) ? (void)0 : cg_assert_fail(#e, __FILE__, __LINE__))
CG_NORETURN void cg_assert_fail(const char *expr, const char *file, int line);

#define CG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CG_MAX(a, b) ((a) > (b) ? (a) : (b))
#define CG_UNUSED(x) ((void)(x))
#define CG_LIKELY(x) __builtin_expect(!!(x), 1)
#define CG_UNLIKELY(x) __builtin_expect(!!(x), 0)

/** Monotonic clock in nanoseconds. */
uint64_t cg_time_mono_ns(void);
/** Wall clock, seconds since the epoch. */
int64_t cg_time_wall_s(void);

#ifdef __cplusplus
}
#endif

#endif
