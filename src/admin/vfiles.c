/*
 * vfiles.c — copying the vector index files (<data>/vector/) beside a backup or into a
 * checkpoint, with a size and CRC-32C per file, and checking such a copy; plus the small file
 * system helpers the admin code shares (mkdir -p, rm -r, fsync of a directory).
 *
 * The vector files are written immutably by the vector subsystem (temp file, fsync, rename), so
 * a file seen in the directory listing is complete and never changes afterwards: copying the
 * set file by file is consistent per file. Files starting with '.' or ending in ".tmp" are
 * writes in progress and are skipped. Each copy is written to "<name>.tmp", fsynced and
 * renamed, so a crash never leaves a half copy under the real name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"

#define VF_COPY_CHUNK (1u << 20) /* bytes per read/write while copying */

static int vf_fail(char *err, size_t errlen, int code, const char *what, const char *path)
{
    if (err && errlen)
        snprintf(err, errlen, "%s %s: %s", what, path,
                 code < 0 && code > -4096 ? strerror(-code) : cg_err_str(code));
    return code;
}

int cg_admin_mkdirs(const char *path, int mode)
{
    char tmp[CG_ADMIN_PATH_MAX + 1];
    size_t n = strlen(path);

    if (n == 0 || n > CG_ADMIN_PATH_MAX) return -ENAMETOOLONG;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0') continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST) return -errno;
        tmp[i] = c;
    }
    return 0;
}

int cg_admin_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    if (fd < 0) return -errno;
    if (fsync(fd) != 0) rc = -errno;
    close(fd);
    return rc;
}

/* Remove the entries of the open directory dfd (recursively), then nothing else. */
static int rm_entries(int dfd)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        close(dfd);
        return -errno;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0 && rm_entries(sub) != 0 && !rc) rc = -EIO;
            if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0 && !rc) rc = -errno;
        } else if (unlinkat(dirfd(d), e->d_name, 0) != 0 && !rc) {
            rc = -errno;
        }
    }
    closedir(d);
    return rc;
}

int cg_admin_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 ? 0 : -errno;
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return -errno;
    int rc = rm_entries(dfd);
    if (rmdir(path) != 0 && !rc) rc = -errno;
    return rc;
}

void cg_vfiles_dir(const char *db_path, char *out, size_t cap)
{
    const char *slash = strrchr(db_path, '/');
    if (!slash)
        snprintf(out, cap, "vector");
    else if (slash == db_path)
        snprintf(out, cap, "/vector");
    else
        snprintf(out, cap, "%.*s/vector", (int)(slash - db_path), db_path);
}

/* Copy src → dst (through dst.tmp, fsynced, renamed) computing its CRC-32C. */
static int vf_copy_one(const char *src, const char *dst, cg_vfile *f)
{
    char tmp[CG_ADMIN_PATH_MAX + 8];
    int in = -1, out = -1, rc = 0;
    uint8_t *buf = malloc(VF_COPY_CHUNK);

    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    f->size = 0;
    f->crc = 0;
    if (!buf) return -ENOMEM;
    in = open(src, O_RDONLY | O_CLOEXEC);
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) {
        rc = -errno;
        goto fail;
    }
    for (;;) {
        ssize_t n = read(in, buf, VF_COPY_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            break;
        }
        f->crc = cg_crc32c(f->crc, buf, (size_t)n);
        f->size += (uint64_t)n;
        for (ssize_t off = 0; off < n && !rc;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR) rc = -errno;
            if (w > 0) off += w;
        }
        if (rc) break;
    }
    if (!rc && fsync(out) != 0) rc = -errno;
    if (!rc && rename(tmp, dst) != 0) rc = -errno;
fail:
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (rc) unlink(tmp);
    free(buf);
    return rc;
}

/* The sequence in a vector file name "vindex-<16 hex>-<16 hex>.cgv", 0 when not one. */
static uint64_t vf_name_seq(const char *name)
{
    unsigned long long seq = 0;
    char tail[8] = "";
    if (sscanf(name, "vindex-%16llx-%*16llx.%3s", &seq, tail) != 2 || strcmp(tail, "cgv") != 0)
        return 0;
    return (uint64_t)seq;
}

static int vf_skip(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] == '.' || (n >= 4 && strcmp(e->d_name + n - 4, ".tmp") == 0) ||
           n >= sizeof(((cg_vfile *)0)->name);
}

int cg_vfiles_copy(const char *src, const char *dst, cg_vfile *files, int cap, char *err,
                   size_t errlen)
{
    char a[CG_ADMIN_PATH_MAX + 1], b[CG_ADMIN_PATH_MAX + 1];
    DIR *d = opendir(src);
    struct dirent *e;
    int n = 0, rc;

    if (!d && errno == ENOENT) return 0;
    if (!d) return vf_fail(err, errlen, -errno, "cannot read vector directory", src);
    rc = cg_admin_mkdirs(dst, 0755);
    if (rc) {
        closedir(d);
        return vf_fail(err, errlen, rc, "cannot create", dst);
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        if (vf_skip(e) || stat(a, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (n >= cap) {
            rc = vf_fail(err, errlen, CG_ELIMIT, "too many vector files in", src);
            break;
        }
        snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
        snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
        rc = vf_copy_one(a, b, &files[n]);
        files[n].seq = vf_name_seq(e->d_name);
        if (rc == -ENOENT) continue; /* replaced by a newer file between readdir and open */
        if (rc) {
            vf_fail(err, errlen, rc, "cannot copy vector file", a);
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc) rc = cg_admin_fsync_dir(dst);
    return rc ? rc : n;
}

int cg_vfiles_check(const char *dir, const cg_vfile *files, int n, char *err, size_t errlen)
{
    char p[CG_ADMIN_PATH_MAX + 1];
    for (int i = 0; i < n; i++) {
        uint32_t crc = 0;
        uint64_t size = 0;
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        int rc = cg_crc32c_file(p, &crc, &size);
        if (rc) return vf_fail(err, errlen, CG_ECORRUPT, "missing vector file", p);
        if (size != files[i].size || crc != files[i].crc) {
            if (err && errlen)
                snprintf(err, errlen,
                         "vector file %s: size %llu crc32c %08x, manifest says %llu %08x", p,
                         (unsigned long long)size, crc, (unsigned long long)files[i].size,
                         files[i].crc);
            return CG_ECORRUPT;
        }
    }
    return 0;
}
