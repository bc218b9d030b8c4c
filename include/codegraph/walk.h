/*
 * walk.h — the repository walker: which files of a project get indexed, and reading them
 * safely.
 *
 * Three parts:
 *  * cg_walk_root_check: a project path must resolve (realpath) to a directory under one
 *    of `[parsing] allowed_roots` (compared by path components: /a/bc is not under /a/b).
 *  * cg_walker: a depth-first iteration of the files under a root directory, in byte-wise
 *    sorted order (deterministic), with an explicit stack (no recursion). Each candidate
 *    file comes with its relative path, size, mtime and a decision: index it, or skip it
 *    with a reason. Ignore rules are `[parsing] ignore_patterns` plus every .gitignore in
 *    the tree (gitignore semantics, see cg_ignore below); an ignored directory is reported
 *    once and not descended. Symlinks are never followed while walking: a symlink to a file
 *    that stays beneath the root is offered like a file, a symlink to a directory is not
 *    descended (no cycles), a symlink leaving the root is refused (symlink_escape), and so
 *    is an absolute symlink even when it points inside (RESOLVE_BENEATH semantics). A file
 *    reached through a symlink is offered under the link's path too (it may be indexed
 *    twice: the link is a name under which users look for it).
 *  * cg_walk_read: opens a file relative to the root with openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_MAGICLINKS), so neither ".." nor a symlink can leave the root; enforces
 *    max_file_size before reading (fstat) and while reading; then content checks (binary,
 *    encoding, line length). Reading is thread-safe (it only uses the root fd), so the
 *    indexing pipeline may read on pool threads while one thread iterates.
 *
 * Decisions: the walker decides what metadata can tell (ignored, too_large, symlinks,
 * too_many_files, ...); content decisions (binary, bad_encoding, long_lines) come from
 * cg_walk_read / cg_walk_content_check. A file with a line longer than max_line_length is
 * skipped, not indexed (minified or generated code: parsing it is slow and its graph is
 * noise); the skip is reported with reason "long_lines".
 *
 * max_files_per_project counts the files the walker offered for indexing (decision
 * CG_WALK_INDEX, after the filter callback, before content checks). Past the cap the
 * walker keeps walking to count the rest (stats.by_decision[CG_WALK_SKIP_TOO_MANY_FILES])
 * but yields none of them.
 *
 * On kernels without openat2 (ENOSYS, Linux < 5.6) files are opened one component at a time
 * with O_NOFOLLOW, which refuses every symlink (reported as symlink_escape).
 */
#ifndef CODEGRAPH_WALK_H
#define CODEGRAPH_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/config.h"

#define CG_WALK_PATH_MAX 4096      /**< bytes in a relative path (with NUL); longer: skipped */
#define CG_WALK_DEPTH_MAX 64       /**< directory nesting below the root; deeper: too_deep */
#define CG_WALK_BINARY_SNIFF 8192  /**< bytes inspected for NUL / control bytes */
#define CG_WALK_BINARY_CTRL_PCT 10 /**< more control bytes than this % of the sniff: binary */
#define CG_WALK_GITIGNORE_MAX (1024 * 1024) /**< bigger .gitignore files are not read */

typedef enum cg_walk_decision {
    CG_WALK_INDEX = 0,           /**< a candidate for indexing */
    CG_WALK_SKIP_IGNORED,        /**< an ignore rule matched (directory: not descended) */
    CG_WALK_SKIP_TOO_LARGE,      /**< larger than max_file_size */
    CG_WALK_SKIP_BINARY,         /**< NUL byte or many control bytes in the first 8 KiB */
    CG_WALK_SKIP_BAD_ENCODING,   /**< not UTF-8 (or a UTF-16/32 byte-order mark) */
    CG_WALK_SKIP_LONG_LINES,     /**< a line longer than max_line_length bytes */
    CG_WALK_SKIP_SYMLINK_ESCAPE, /**< a symlink (or "..") leading out of the root */
    CG_WALK_SKIP_SYMLINK_DIR,    /**< a symlink to a directory: never descended */
    CG_WALK_SKIP_TOO_MANY_FILES, /**< past max_files_per_project (counted, not yielded) */
    CG_WALK_SKIP_TOO_DEEP,       /**< a directory deeper than CG_WALK_DEPTH_MAX */
    CG_WALK_SKIP_SPECIAL,        /**< not a regular file (fifo, socket, device) */
    CG_WALK_SKIP_UNREADABLE,     /**< stat/open/read failed, dangling link, symlink loop */
    CG_WALK_DECISION_COUNT
} cg_walk_decision;

/** "index", "ignored", "too_large", "binary", "bad_encoding", "long_lines", ... */
const char *cg_walk_decision_name(cg_walk_decision d);

/**
 * Resolve `path` (realpath) into `real_out` and check that it is a directory under one of
 * p->allowed_roots (each resolved with realpath; roots that do not resolve are skipped).
 * 0 ok; -ENOENT etc. when `path` does not resolve, -ENOTDIR when it is not a directory,
 * -EACCES when it is outside every allowed root (or none is configured), -ENAMETOOLONG when
 * `cap` is too small. `err` (may be NULL) receives a one-line reason naming the paths.
 */
int cg_walk_root_check(const cg_config_parsing *p, const char *path, char *real_out, size_t cap,
                       char *err, size_t errlen);

/** One file (or skipped directory) yielded by cg_walk_next. */
typedef struct cg_walk_entry {
    const char *rel; /**< '/'-separated path under the root; valid until the next call */
    size_t rel_len;
    uint64_t size_bytes; /**< file size (a symlink: its target's); 0 for ignored entries */
    int64_t mtime_ns;    /**< modification time (ns since the epoch); 0 for ignored entries */
    cg_walk_decision decision;
    int err;        /**< -errno behind CG_WALK_SKIP_UNREADABLE, else 0 */
    int is_dir;     /**< a skipped directory (ignored, too deep, unreadable) */
    int is_symlink; /**< the entry itself is a symlink */
} cg_walk_entry;

/** Counters of one walk; by_decision counts what was decided, yielded or not. */
typedef struct cg_walk_stats {
    uint64_t dirs;             /**< directories descended (the root included) */
    uint64_t filtered;         /**< files the filter callback declined */
    uint64_t gitignores;       /**< .gitignore files loaded */
    uint64_t gitignore_errors; /**< .gitignore files unreadable, too big, symlinked, bad lines */
    uint64_t truncated;        /**< directory entries dropped (path too long, directory too big) */
    uint64_t by_decision[CG_WALK_DECISION_COUNT];
} cg_walk_stats;

/**
 * Optional filter: called with a regular file's relative path (a symlink's own path)
 * before it counts against max_files_per_project; return 1 to consider the file, 0 to drop
 * it silently (stats.filtered). The pipeline uses it for language detection by extension.
 */
typedef int (*cg_walk_filter_fn)(void *ctx, const char *rel, size_t rel_len);

typedef struct cg_walker cg_walker;

/**
 * A walker over the directory `root` (normally the output of cg_walk_root_check). The root
 * is opened without following symlinks in any component, so a path swapped for a symlink
 * after the check is refused. The limits and ignore_patterns of `p` are copied: `p` need not
 * outlive the walker. 0 ok, -errno if the root cannot be opened, CG_EINVAL for a bad
 * ignore pattern, CG_ENOMEM.
 */
int cg_walk_create(cg_walker **out, const cg_config_parsing *p, const char *root);
/** Close every descriptor and free the walker (NULL is fine). */
void cg_walk_destroy(cg_walker *w);
/** Install the filter (NULL: every regular file is considered). Before the first next. */
void cg_walk_filter_set(cg_walker *w, cg_walk_filter_fn fn, void *ctx);
/** The root directory descriptor (owned by the walker; O_RDONLY|O_DIRECTORY). */
int cg_walk_root_fd(const cg_walker *w);

/**
 * The next entry in depth-first, byte-wise sorted order. 1 with `*e` filled, 0 when the
 * walk is over, CG_ENOMEM on failure. A .gitignore that cannot be read or would pass
 * CG_IGNORE_RULES_MAX is counted in stats.gitignore_errors and the walk goes on.
 */
int cg_walk_next(cg_walker *w, cg_walk_entry *e);
/** Counters so far. */
const cg_walk_stats *cg_walk_stats_get(const cg_walker *w);

/** What cg_walk_read found. */
typedef struct cg_walk_file {
    cg_walk_decision decision;
    int err;             /**< -errno behind CG_WALK_SKIP_UNREADABLE */
    uint64_t size_bytes; /**< from fstat of the opened file */
    int64_t mtime_ns;
    size_t bom_bytes; /**< UTF-8 byte-order mark stripped from the front (0 or 3) */
} cg_walk_file;

/**
 * Read the file `rel` (relative to the root) into `out` (reset first) and decide on it.
 * Opens with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): "..", absolute symlinks and
 * symlinks leaving the root are refused (symlink_escape). Refuses non-regular files
 * without blocking (fifo), files larger than max_file_size (fstat first, and a file that
 * grows while read), then applies cg_walk_content_check. On CG_WALK_INDEX `out` holds the
 * contents without a UTF-8 BOM; otherwise its contents are unspecified.
 * 0 (see info->decision), CG_EINVAL for an empty or absolute `rel`, CG_ENOMEM.
 * Thread-safe: may run concurrently with cg_walk_next and other reads.
 */
int cg_walk_read(const cg_walker *w, const char *rel, cg_buf *out, cg_walk_file *info);

/**
 * The content checks of cg_walk_read on a buffer: UTF-16/32 byte-order mark → bad_encoding
 * (when encoding_detection); NUL in the first CG_WALK_BINARY_SNIFF bytes or more than
 * CG_WALK_BINARY_CTRL_PCT % control bytes there → binary; invalid UTF-8 → bad_encoding
 * (when encoding_detection); a line over max_line_length bytes (without its "\n" / "\r\n")
 * → long_lines. `*bom_bytes` (may be NULL) gets the length of a UTF-8 BOM to strip.
 */
cg_walk_decision cg_walk_content_check(const char *data, size_t n, int max_line_length,
                                       int encoding_detection, size_t *bom_bytes);

/**
 * Open `rel` beneath the directory `root_fd` (openat2 RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS,
 * or the O_NOFOLLOW component walk when openat2 is missing). `flags` are open(2) flags
 * (O_CLOEXEC is added). fd >= 0, or -errno: -EXDEV when the path leaves the root (in the
 * fallback: when it has any symlink or ".." component), -ELOOP for a symlink loop.
 */
int cg_walk_open_beneath(int root_fd, const char *rel, int flags);

/*
 * cg_ignore — gitignore rules (ignore.c).
 *
 * A rule set is an ordered list; for a path the LAST matching rule decides (a "!" rule
 * re-includes). The walker keeps one set as a stack: ignore_patterns first (lowest
 * precedence, like git's core.excludesFile), then the .gitignore of each directory on the
 * current path, shallowest first, popped when the walk leaves the directory.
 *
 * Syntax (gitignore(5)): blank lines and "#" lines are skipped; trailing spaces are dropped
 * unless escaped ("\ "); a trailing "\r" is dropped; "!" negates; "\#", "\!" are literal; a
 * trailing "/" matches directories only; a pattern with a "/" at the start or in the middle
 * is anchored to the .gitignore's directory, otherwise it matches a name at any depth; "*"
 * and "?" never match "/"; "[a-z]", "[!x]", "[^x]", "[[:alpha:]]" classes (an unclosed "["
 * never matches, as in git); "\x" is a literal x; "**" as a whole segment matches zero or
 * more directories (a leading one: in every directory), but a trailing "**" segment matches
 * one or more (everything inside, not the directory itself); "**" inside a segment is "*".
 * Matching is byte-wise and case-sensitive. Paths are relative, '/'-separated, without "."
 * or ".." segments.
 *
 * Matching is bounded: each segment uses the iterative two-pointer star algorithm and "**"
 * uses the same algorithm over segments, so the cost is O(pattern × path), never
 * exponential. Note that a rule set judges one path by itself: the walker never asks about
 * a path under an excluded directory (git cannot re-include those either).
 */
#define CG_IGNORE_PATTERN_MAX 4096 /**< bytes in one pattern line; longer lines are errors */
#define CG_IGNORE_SEGMENTS_MAX 256 /**< '/'-separated segments in one pattern */
#define CG_IGNORE_RULES_MAX 100000 /**< rules in one set (all active .gitignores together) */

typedef struct cg_ignore cg_ignore;

cg_ignore *cg_ignore_create(void);
void cg_ignore_destroy(cg_ignore *ig);
/**
 * Add one pattern line, scoped to directory `base` ("" = root; no trailing '/').
 * 1 added, 0 blank/comment, CG_EINVAL too long / too many segments, CG_ELIMIT set full,
 * CG_ENOMEM.
 */
int cg_ignore_add(cg_ignore *ig, const char *base, const char *line, size_t len);
/**
 * Add every line of a .gitignore text. Rules added (>= 0), or CG_ELIMIT / CG_ENOMEM; bad
 * lines are skipped and counted in `*bad` (may be NULL).
 */
int cg_ignore_add_text(cg_ignore *ig, const char *base, const char *text, size_t len, int *bad);
/** Number of rules (a mark for cg_ignore_truncate). */
int cg_ignore_count(const cg_ignore *ig);
/** Drop the rules added after `count` rules. */
void cg_ignore_truncate(cg_ignore *ig, int count);
/** 1 if `rel` (a directory when is_dir) is ignored by the set, else 0. */
int cg_ignore_match(const cg_ignore *ig, const char *rel, size_t len, int is_dir);

#endif
