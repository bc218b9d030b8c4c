/*
 * walk.c — the repository walker: allowed-roots check, the depth-first iteration with
 * ignore rules, safe opening beneath the root and the content checks (API in walk.h).
 *
 * DESIGN: the walk is an explicit stack of directory frames (no recursion), at most
 * CG_WALK_DEPTH_MAX + 1 deep (the root is frame 0). Pushing a frame opens the directory
 * relative to its parent's descriptor with O_NOFOLLOW (a directory swapped for a symlink
 * is refused), reads all its names, sorts them byte-wise, and pushes the rules of its
 * .gitignore onto the ignore set; popping closes the descriptor and truncates the set back
 * to the frame's mark. Invariants:
 *  * The ignore set holds exactly ignore_patterns + the .gitignore rules of the directories
 *    on the current path (shallowest first), so "last match wins" gives git's precedence.
 *  * w->path[0..frame.path_len) is the frame's directory; an entry's path is written after
 *    it, so popping needs no path bookkeeping.
 *  * The walk never follows a symlink: entries are lstat-ed (fstatat AT_SYMLINK_NOFOLLOW)
 *    and a symlink is only resolved with cg_walk_open_beneath (O_PATH), never descended.
 *  * At most max_files_per_project entries are yielded with CG_WALK_INDEX; later candidates
 *    are counted in by_decision[CG_WALK_SKIP_TOO_MANY_FILES] and not yielded.
 *  * cg_walk_read touches only root_fd and the copied limits (immutable after create), so
 *    it is safe from any thread while another thread iterates.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/walk.h"
#include "index/walk_int.h"

#define WALK_DIR_ENTRIES_MAX (1 << 20) /* names read from one directory; the rest dropped */
#define WALK_NAMES_INITIAL 4096        /* first allocation of a frame's name bytes */
#define WALK_READ_CHUNK (64 * 1024)    /* growth step when a file is longer than fstat said */
#define WALK_OPENAT2_RETRIES 4         /* openat2 EAGAIN (a racing rename/mount) retries */

_Static_assert(CG_WALK_DEPTH_MAX >= 1 && CG_WALK_DEPTH_MAX <= 1024, "sane walk depth");
_Static_assert(CG_WALK_PATH_MAX >= PATH_MAX, "a relative path can be as long as PATH_MAX");

typedef struct frame {
    int fd;         /* the directory, O_RDONLY|O_DIRECTORY */
    uint32_t n, i;  /* names, next to visit */
    uint32_t *offs; /* sorted: offsets of NUL-terminated names in `names` */
    char *names;
    size_t path_len; /* length of the directory's relative path ("" for the root) */
    int rules_mark;  /* ignore rule count before this directory's .gitignore */
    int has_gitignore;
} frame;

struct cg_walker {
    int root_fd;
    uint64_t max_file_size, max_files, offered;
    int max_line_length, encoding_detection;
    cg_ignore *ig;
    cg_walk_filter_fn filter;
    void *filter_ctx;
    int depth; /* frames on the stack */
    frame stack[CG_WALK_DEPTH_MAX + 1];
    cg_walk_stats stats;
    cg_buf scratch; /* .gitignore contents */
    char path[CG_WALK_PATH_MAX];
};

static int force_fallback; /* tests only (walk_int.h) */

void cg_walk_test_force_fallback(int on)
{
    force_fallback = on;
}

static const char *const decision_names[CG_WALK_DECISION_COUNT] = {
    [CG_WALK_INDEX] = "index",
    [CG_WALK_SKIP_IGNORED] = "ignored",
    [CG_WALK_SKIP_TOO_LARGE] = "too_large",
    [CG_WALK_SKIP_BINARY] = "binary",
    [CG_WALK_SKIP_BAD_ENCODING] = "bad_encoding",
    [CG_WALK_SKIP_LONG_LINES] = "long_lines",
    [CG_WALK_SKIP_SYMLINK_ESCAPE] = "symlink_escape",
    [CG_WALK_SKIP_SYMLINK_DIR] = "symlink_dir",
    [CG_WALK_SKIP_TOO_MANY_FILES] = "too_many_files",
    [CG_WALK_SKIP_TOO_DEEP] = "too_deep",
    [CG_WALK_SKIP_SPECIAL] = "special",
    [CG_WALK_SKIP_UNREADABLE] = "unreadable",
};

const char *cg_walk_decision_name(cg_walk_decision d)
{
    return (unsigned)d < CG_WALK_DECISION_COUNT ? decision_names[d] : "unknown";
}

/* ---- allowed roots ---- */

static void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* 1 if the resolved path `real` is `root` or below it, compared by whole components. */
static int path_under(const char *real, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') return 1;
    return strncmp(real, root, n) == 0 && (real[n] == 0 || real[n] == '/');
}

int cg_walk_root_check(const cg_config_parsing *p, const char *path, char *real_out, size_t cap,
                       char *err, size_t errlen)
{
    char real[PATH_MAX], root[PATH_MAX];
    struct stat st;
    if (!path || !*path) {
        errf(err, errlen, "empty project path");
        return -EINVAL;
    }
    if (!realpath(path, real)) {
        int e = errno;
        errf(err, errlen, "cannot resolve project path '%.512s': %s", path, strerror(e));
        return -e;
    }
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errf(err, errlen, "project path '%.512s' is not a directory", real);
        return -ENOTDIR;
    }
    for (int i = 0; i < p->allowed_roots.n; i++) {
        if (!realpath(p->allowed_roots.items[i], root) || !path_under(real, root)) continue;
        size_t n = strlen(real);
        if (n >= cap) {
            errf(err, errlen, "resolved project path is longer than %zu bytes", cap);
            return -ENAMETOOLONG;
        }
        memcpy(real_out, real, n + 1);
        return 0;
    }
    if (p->allowed_roots.n == 0)
        errf(err, errlen, "no [parsing] allowed_roots configured: '%.512s' refused", real);
    else
        errf(err, errlen,
             "project path '%.512s' (resolved '%.512s') is not under any of "
             "[parsing] allowed_roots",
             path, real);
    return -EACCES;
}

/* ---- opening beneath the root ---- */

/* openat with O_NOFOLLOW on one component; a symlink is refused as -EXDEV. */
static int open_component(int dfd, const char *name, int flags)
{
    int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) return -EXDEV;
        return -e;
    }
    struct stat st;
    if ((flags & O_PATH) && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
        close(fd); /* O_PATH|O_NOFOLLOW opened the link itself */
        return -EXDEV;
    }
    return fd;
}

/* The fallback without openat2: one component at a time, refusing every symlink and "..". */
static int open_components(int root_fd, const char *rel, int flags)
{
    char comp[NAME_MAX + 1];
    int dfd = root_fd, rc = 0;
    for (const char *p = rel;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n > NAME_MAX) {
            rc = n ? -ENAMETOOLONG : -EINVAL;
            break;
        }
        memcpy(comp, p, n);
        comp[n] = 0;
        if (strcmp(comp, "..") == 0) {
            rc = -EXDEV;
            break;
        }
        int fd = open_component(dfd, comp, slash ? O_PATH | O_DIRECTORY : flags);
        if (dfd != root_fd) close(dfd);
        dfd = root_fd;
        if (fd < 0 || !slash) {
            rc = fd;
            break;
        }
        dfd = fd;
        p = slash + 1;
    }
    if (dfd != root_fd) close(dfd);
    return rc;
}

int cg_walk_open_beneath(int root_fd, const char *rel, int flags)
{
    if (!rel || !*rel || rel[0] == '/') return -EINVAL;
    if (!force_fallback) {
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
        for (int i = 0; i < WALK_OPENAT2_RETRIES; i++) {
            long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
            if (fd >= 0) return (int)fd;
            if (errno != EAGAIN) break;
        }
        if (errno != ENOSYS) return -errno;
    }
    return open_components(root_fd, rel, flags);
}

/*
 * Open the root itself with no symlink in any component (it was resolved by realpath, so a
 * symlink there means it was swapped after the check): -ELOOP then.
 */
static int open_root(const char *root)
{
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    if (!force_fallback) {
        long fd = syscall(SYS_openat2, AT_FDCWD, root, &how, sizeof(how));
        if (fd >= 0) return (int)fd;
        if (errno != ENOSYS) return -errno;
    }
    int base = AT_FDCWD, fd;
    if (root[0] == '/') {
        base = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (base < 0) return -errno;
        while (*root == '/') root++;
    }
    if (*root)
        fd = open_components(base, root, O_RDONLY | O_DIRECTORY);
    else
        fd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!*root && fd < 0) fd = -errno;
    if (base != AT_FDCWD) close(base);
    return fd == -EXDEV ? -ELOOP : fd;
}

/* ---- reading ---- */

/*
 * Read fd to EOF into b (appending), at most max + 1 bytes. 1 if the file holds more than
 * max bytes, 0 otherwise, -errno, or CG_ENOMEM. `hint` (fstat size) sizes the first grow.
 */
static int read_bounded(int fd, cg_buf *b, uint64_t max, uint64_t hint)
{
    uint64_t limit = max + 1;
    if (cg_buf_reserve(b, (size_t)(hint < max ? hint + 1 : limit)) != 0) return CG_ENOMEM;
    while (b->len < limit) {
        size_t room = b->cap - b->len - 1;
        if (room == 0) {
            if (cg_buf_reserve(b, WALK_READ_CHUNK) != 0) return CG_ENOMEM;
            room = b->cap - b->len - 1;
        }
        if (room > limit - b->len) room = (size_t)(limit - b->len);
        ssize_t r = read(fd, b->data + b->len, room);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (r == 0) break;
        b->len += (size_t)r;
    }
    b->data[b->len] = 0;
    return b->len > max;
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static int read_decide(cg_walk_file *info, cg_walk_decision d, int err)
{
    info->decision = d;
    info->err = err;
    return 0;
}

int cg_walk_read(const cg_walker *w, const char *rel, cg_buf *out, cg_walk_file *info)
{
    struct stat st;
    *info = (cg_walk_file){0};
    cg_buf_reset(out);
    if (!rel || !*rel || rel[0] == '/') return CG_EINVAL;
    int fd = cg_walk_open_beneath(w->root_fd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (fd == -EXDEV) return read_decide(info, CG_WALK_SKIP_SYMLINK_ESCAPE, 0);
    if (fd < 0) return read_decide(info, CG_WALK_SKIP_UNREADABLE, fd);
    int rc = fstat(fd, &st) == 0 ? 0 : -errno;
    if (rc < 0) {
        read_decide(info, CG_WALK_SKIP_UNREADABLE, rc);
        goto done;
    }
    info->size_bytes = (uint64_t)st.st_size;
    info->mtime_ns = mtime_ns(&st);
    if (!S_ISREG(st.st_mode)) {
        read_decide(info, CG_WALK_SKIP_SPECIAL, 0);
        goto done;
    }
    if (info->size_bytes > w->max_file_size) {
        read_decide(info, CG_WALK_SKIP_TOO_LARGE, 0);
        goto done;
    }
    rc = read_bounded(fd, out, w->max_file_size, info->size_bytes);
    if (rc == CG_ENOMEM) goto done;
    if (rc != 0) {
        read_decide(info, rc > 0 ? CG_WALK_SKIP_TOO_LARGE : CG_WALK_SKIP_UNREADABLE,
                    rc > 0 ? 0 : rc);
        rc = 0;
        goto done;
    }
    info->decision = cg_walk_content_check(out->data, out->len, w->max_line_length,
                                           w->encoding_detection, &info->bom_bytes);
    if (info->decision == CG_WALK_INDEX && info->bom_bytes) cg_buf_consume(out, info->bom_bytes);
done:
    close(fd);
    return rc;
}

/* ---- content checks ---- */

static int is_binary(const unsigned char *s, size_t n)
{
    size_t sniff = n < CG_WALK_BINARY_SNIFF ? n : CG_WALK_BINARY_SNIFF, ctrl = 0;
    if (memchr(s, 0, sniff)) return 1;
    for (size_t i = 0; i < sniff; i++) {
        unsigned char c = s[i];
        /* text uses \t \n \v \f \r, \b (overstrike) and ESC (ANSI colour) */
        if ((c < 0x20 && !(c >= '\b' && c <= '\r') && c != 0x1b) || c == 0x7f) ctrl++;
    }
    return ctrl * 100 > sniff * CG_WALK_BINARY_CTRL_PCT;
}

/*
 * The UTF-8 sequence a lead byte starts: continuation bytes needed (0: invalid lead) and the
 * range allowed for the second byte, which rules out overlong forms (E0, F0), UTF-16
 * surrogates (ED) and code points above U+10FFFF (F4).
 */
static size_t utf8_lead(unsigned c, unsigned *lo, unsigned *hi)
{
    *lo = 0x80;
    *hi = 0xbf;
    switch (c) {
    case 0xe0: *lo = 0xa0; return 2;
    case 0xed: *hi = 0x9f; return 2;
    case 0xf0: *lo = 0x90; return 3;
    case 0xf4: *hi = 0x8f; return 3;
    default: break;
    }
    if (c >= 0xc2 && c <= 0xdf) return 1;
    if (c >= 0xe1 && c <= 0xef) return 2;
    if (c >= 0xf1 && c <= 0xf3) return 3;
    return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t v;
        if (i + 8 <= n && (memcpy(&v, s + i, 8), (v & 0x8080808080808080ull) == 0)) {
            i += 8; /* eight ASCII bytes */
            continue;
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        unsigned lo, hi;
        size_t need = utf8_lead(s[i], &lo, &hi);
        if (need == 0 || n - i <= need || s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80) return 0;
        i += need + 1;
    }
    return 1;
}

static int has_long_line(const char *s, size_t n, size_t max)
{
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t e = nl ? (size_t)(nl - s) : n, len = e - pos;
        if (len && s[e - 1] == '\r') len--;
        if (len > max) return 1;
        pos = e + 1;
    }
    return 0;
}

cg_walk_decision cg_walk_content_check(const char *data, size_t n, int max_line_length,
                                       int encoding_detection, size_t *bom_bytes)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t bom = 0;
    if (bom_bytes) *bom_bytes = 0;
    if (encoding_detection && n >= 2 &&
        ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff) ||
         (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)))
        return CG_WALK_SKIP_BAD_ENCODING; /* UTF-16 / UTF-32 byte-order mark */
    if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) bom = 3;
    if (is_binary(s + bom, n - bom)) return CG_WALK_SKIP_BINARY;
    if (encoding_detection && !utf8_valid(s + bom, n - bom)) return CG_WALK_SKIP_BAD_ENCODING;
    if (max_line_length > 0 && has_long_line(data + bom, n - bom, (size_t)max_line_length))
        return CG_WALK_SKIP_LONG_LINES;
    if (bom_bytes) *bom_bytes = bom;
    return CG_WALK_INDEX;
}

/* ---- directory frames ---- */

static int names_cmp(const void *a, const void *b, void *names)
{
    const char *base = names;
    return strcmp(base + *(const uint32_t *)a, base + *(const uint32_t *)b);
}

/* Append one name to the frame's arrays; 0 or CG_ENOMEM. `*cap`/`*ncap`: allocated sizes. */
static int frame_add_name(frame *f, const char *name, size_t *used, size_t *cap, size_t *ncap)
{
    size_t len = strlen(name) + 1;
    if (*used + len > *cap) {
        size_t c = *cap ? *cap * 2 : WALK_NAMES_INITIAL;
        while (c < *used + len) c *= 2;
        char *p = realloc(f->names, c);
        if (!p) return CG_ENOMEM;
        f->names = p;
        *cap = c;
    }
    if (f->n == *ncap) {
        size_t c = *ncap ? *ncap * 2 : 64;
        uint32_t *p = realloc(f->offs, c * sizeof(*p));
        if (!p) return CG_ENOMEM;
        f->offs = p;
        *ncap = c;
    }
    memcpy(f->names + *used, name, len);
    f->offs[f->n++] = (uint32_t)*used;
    *used += len;
    return 0;
}

/* Read and sort the names of directory f->fd (without "." and ".."). 0, -errno, CG_ENOMEM. */
static int frame_list(cg_walker *w, frame *f)
{
    int dfd = dup(f->fd), rc = 0;
    if (dfd < 0) return -errno;
    DIR *d = fdopendir(dfd);
    if (!d) {
        rc = -errno;
        close(dfd);
        return rc;
    }
    size_t used = 0, cap = 0, ncap = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            rc = errno ? -errno : 0;
            break;
        }
        const char *nm = de->d_name;
        if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
        if (f->n >= WALK_DIR_ENTRIES_MAX) {
            w->stats.truncated++;
            continue;
        }
        if (strcmp(nm, ".gitignore") == 0) f->has_gitignore = 1;
        rc = frame_add_name(f, nm, &used, &cap, &ncap);
        if (rc < 0) break;
    }
    closedir(d);
    if (rc == 0 && f->n > 1) qsort_r(f->offs, f->n, sizeof(*f->offs), names_cmp, f->names);
    return rc;
}

/* Push the rules of dirfd/.gitignore, scoped to w->path[0..path_len). 0 or CG_ENOMEM. */
static int gitignore_load(cg_walker *w, int dirfd, size_t path_len)
{
    struct stat st;
    int fd = openat(dirfd, ".gitignore", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        w->stats.gitignore_errors++; /* listed but not openable: a symlink, or a race */
        return 0;
    }
    cg_buf_reset(&w->scratch);
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : 1;
    if (rc == 0) rc = read_bounded(fd, &w->scratch, CG_WALK_GITIGNORE_MAX, (uint64_t)st.st_size);
    close(fd);
    if (rc == CG_ENOMEM) return rc;
    if (rc != 0) {
        w->stats.gitignore_errors++;
        return 0;
    }
    int bad = 0;
    w->path[path_len] = 0;
    rc = cg_ignore_add_text(w->ig, w->path, w->scratch.data, w->scratch.len, &bad);
    if (rc == CG_ENOMEM) return rc;
    if (rc < 0 || bad) w->stats.gitignore_errors++; /* CG_ELIMIT: the rules so far apply */
    w->stats.gitignores++;
    return 0;
}

/* Push directory fd (owned from here on) at w->path[0..path_len). 0, -errno, CG_ENOMEM. */
static int frame_push(cg_walker *w, int fd, size_t path_len)
{
    CG_ASSERT(w->depth <= CG_WALK_DEPTH_MAX);
    frame *f = &w->stack[w->depth];
    *f = (frame){.fd = fd, .path_len = path_len, .rules_mark = cg_ignore_count(w->ig)};
    int rc = frame_list(w, f);
    if (rc == 0 && f->has_gitignore) rc = gitignore_load(w, fd, path_len);
    if (rc < 0) {
        cg_ignore_truncate(w->ig, f->rules_mark);
        free(f->offs);
        free(f->names);
        close(fd);
        return rc;
    }
    w->depth++;
    w->stats.dirs++;
    return 0;
}

static void frame_pop(cg_walker *w)
{
    CG_ASSERT(w->depth > 0);
    frame *f = &w->stack[--w->depth];
    cg_ignore_truncate(w->ig, f->rules_mark);
    close(f->fd);
    free(f->offs);
    free(f->names);
    *f = (frame){.fd = -1};
}

/* ---- the iteration ---- */

static int yield(cg_walker *w, cg_walk_entry *e, cg_walk_decision d, int err)
{
    e->decision = d;
    e->err = err;
    w->stats.by_decision[d]++;
    return 1;
}

/* A regular file (or a symlink's regular target) with its stat: filter, cap, size. */
static int file_visit(cg_walker *w, cg_walk_entry *e, const struct stat *st)
{
    if (w->filter && !w->filter(w->filter_ctx, e->rel, e->rel_len)) {
        w->stats.filtered++;
        return 0;
    }
    if (w->offered >= w->max_files) {
        w->stats.by_decision[CG_WALK_SKIP_TOO_MANY_FILES]++; /* counted, not yielded */
        return 0;
    }
    e->size_bytes = (uint64_t)st->st_size;
    e->mtime_ns = mtime_ns(st);
    if (e->size_bytes > w->max_file_size) return yield(w, e, CG_WALK_SKIP_TOO_LARGE, 0);
    w->offered++;
    return yield(w, e, CG_WALK_INDEX, 0);
}

/* A symlink: resolved beneath the root, never descended. */
static int symlink_visit(cg_walker *w, cg_walk_entry *e)
{
    struct stat st;
    int fd = cg_walk_open_beneath(w->root_fd, e->rel, O_PATH);
    if (fd == -EXDEV) return yield(w, e, CG_WALK_SKIP_SYMLINK_ESCAPE, 0);
    if (fd < 0) return yield(w, e, CG_WALK_SKIP_UNREADABLE, fd); /* dangling, loop */
    int rc = fstat(fd, &st) == 0 ? 0 : -errno;
    close(fd);
    if (rc < 0) return yield(w, e, CG_WALK_SKIP_UNREADABLE, rc);
    if (S_ISDIR(st.st_mode)) return yield(w, e, CG_WALK_SKIP_SYMLINK_DIR, 0);
    if (!S_ISREG(st.st_mode)) return yield(w, e, CG_WALK_SKIP_SPECIAL, 0);
    return file_visit(w, e, &st);
}

/* A directory that is not ignored: descend (0), or yield why not (1), or CG_ENOMEM. */
static int dir_enter(cg_walker *w, const frame *parent, const char *name, cg_walk_entry *e)
{
    if (w->depth > CG_WALK_DEPTH_MAX) return yield(w, e, CG_WALK_SKIP_TOO_DEEP, 0);
    int fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0; /* removed since it was listed */
        return yield(w, e, CG_WALK_SKIP_UNREADABLE, -errno);
    }
    int rc = frame_push(w, fd, e->rel_len);
    if (rc == CG_ENOMEM) return rc;
    return rc < 0 ? yield(w, e, CG_WALK_SKIP_UNREADABLE, rc) : 0;
}

/* One name of the top frame: 1 yielded into *e, 0 nothing to yield, <0 error. */
static int entry_visit(cg_walker *w, const frame *f, const char *name, cg_walk_entry *e)
{
    struct stat st;
    size_t nl = strlen(name), len = f->path_len ? f->path_len + 1 + nl : nl;
    if (len >= CG_WALK_PATH_MAX) {
        w->stats.truncated++;
        return 0;
    }
    if (f->path_len) w->path[f->path_len] = '/';
    memcpy(w->path + len - nl, name, nl + 1);
    *e = (cg_walk_entry){.rel = w->path, .rel_len = len};
    if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return 0; /* removed since it was listed */
        return yield(w, e, CG_WALK_SKIP_UNREADABLE, -errno);
    }
    e->is_dir = S_ISDIR(st.st_mode);
    e->is_symlink = S_ISLNK(st.st_mode);
    if (cg_ignore_match(w->ig, w->path, len, e->is_dir))
        return yield(w, e, CG_WALK_SKIP_IGNORED, 0);
    if (e->is_dir) return dir_enter(w, f, name, e);
    if (e->is_symlink) return symlink_visit(w, e);
    if (!S_ISREG(st.st_mode)) return yield(w, e, CG_WALK_SKIP_SPECIAL, 0);
    return file_visit(w, e, &st);
}

int cg_walk_next(cg_walker *w, cg_walk_entry *e)
{
    while (w->depth > 0) {
        frame *f = &w->stack[w->depth - 1];
        if (f->i == f->n) {
            frame_pop(w);
            continue;
        }
        const char *name = f->names + f->offs[f->i++];
        int rc = entry_visit(w, f, name, e);
        if (rc != 0) return rc;
    }
    return 0;
}

/* ---- lifecycle ---- */

int cg_walk_create(cg_walker **out, const cg_config_parsing *p, const char *root)
{
    CG_ASSERT(p->max_file_size_bytes > 0 && p->max_files_per_project > 0);
    CG_ASSERT(p->max_line_length > 0);
    int rc = CG_ENOMEM;
    *out = NULL;
    cg_walker *w = calloc(1, sizeof(*w));
    if (!w) return CG_ENOMEM;
    w->root_fd = -1;
    w->max_file_size = p->max_file_size_bytes;
    w->max_files = (uint64_t)p->max_files_per_project;
    w->max_line_length = p->max_line_length;
    w->encoding_detection = p->encoding_detection;
    cg_buf_init(&w->scratch);
    if (!(w->ig = cg_ignore_create())) goto fail;
    for (int i = 0; i < p->ignore_patterns.n; i++) {
        const char *pat = p->ignore_patterns.items[i];
        rc = cg_ignore_add(w->ig, "", pat, strlen(pat));
        if (rc < 0) goto fail;
    }
    rc = w->root_fd = open_root(root);
    if (rc < 0) goto fail;
    int fd = openat(w->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = frame_push(w, fd, 0);
    if (rc < 0) goto fail;
    *out = w;
    return 0;
fail:
    cg_walk_destroy(w);
    return rc;
}

void cg_walk_destroy(cg_walker *w)
{
    if (!w) return;
    while (w->depth > 0) frame_pop(w);
    if (w->root_fd >= 0) close(w->root_fd);
    cg_ignore_destroy(w->ig);
    cg_buf_release(&w->scratch);
    free(w);
}

void cg_walk_filter_set(cg_walker *w, cg_walk_filter_fn fn, void *ctx)
{
    w->filter = fn;
    w->filter_ctx = ctx;
}

int cg_walk_root_fd(const cg_walker *w)
{
    return w->root_fd;
}

const cg_walk_stats *cg_walk_stats_get(const cg_walker *w)
{
    return &w->stats;
}
