/*
 * tools_project.c — the MCP tools about projects and the index itself: list_projects,
 * index_status (generation, freshness, coverage, jobs, degraded capabilities) and
 * index_repository, the one tool that writes (it starts an index job through the host, so
 * the server's job table sees it: one job per project, live progress, limits).
 *
 * Freshness is measured, not guessed: index_status compares the size and mtime of up to
 * FRESH_FILES_MAX indexed files with the files on disk (fstatat beneath the project root,
 * never following symlinks) and reports how many changed or vanished.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegraph/walk.h"
#include "mcp_int.h"
#include "schemas.h"

#define FRESH_FILES_MAX 2000 /* indexed files index_status compares with the disk */
#define JOB_ERRORS_SHOWN 3   /* job error messages index_status returns */

/* ,"key":{…counts of the project…} or null when it has no published view. */
static void project_counts(cg_mcp_call *c, const cg_graph_project *pr, cg_buf *b)
{
    cg_graph_view *v = NULL;
    cg_graph_stats st;
    int ok = cg_graph_view_open(c->h->graph, pr->id, &v) == 0 && cg_graph_stats_get(v, &st) == 0;
    cg_graph_view_close(v);
    uint64_t edges = 0;
    for (int k = 0; ok && k < CG_EDGE_COUNT; k++) edges += st.edges[k];
    if (!ok) {
        cg_buf_puts(b, ",\"files\":null,\"entities\":null,\"edges\":null");
        return;
    }
    cg_mcp_u64_field(b, "files", st.files);
    cg_mcp_u64_field(b, "entities", st.entities);
    cg_mcp_u64_field(b, "edges", edges);
}

static void project_item(cg_mcp_call *c, const cg_graph_project *pr, cg_buf *b)
{
    cg_buf_puts(b, "{\"id\":");
    cg_buf_put_u64(b, pr->id);
    cg_mcp_str_field(b, "name", pr->name);
    cg_mcp_str_field(b, "root", pr->root);
    cg_mcp_u64_field(b, "generation", pr->generation);
    cg_buf_puts(b, ",\"indexed_at\":");
    cg_mcp_time(b, pr->indexed_s);
    project_counts(c, pr, b);
    cg_buf_putc(b, '}');
}

static int projects_run(cg_mcp_call *c)
{
    cg_mcp_page p;
    int rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    cg_graph_project *ps = rc ? NULL : malloc(CG_MCP_PROJECTS_MAX * sizeof *ps);
    if (!rc && !ps) rc = cg_mcp_fail(c, "Out of memory; retry.");
    int n = rc ? 0 : cg_graph_project_list(c->h->graph, ps, CG_MCP_PROJECTS_MAX), active = 0;
    if (!rc && n < 0) rc = cg_mcp_fail(c, "Listing projects failed (%s); retry.", cg_err_str(n));
    n = CG_MIN(n, CG_MCP_PROJECTS_MAX);
    for (int i = 0; i < n; i++)
        if (ps[i].state == CG_PROJECT_ACTIVE) ps[active++] = ps[i];
    if (!rc) {
        cg_buf *b = c->sc;
        uint64_t i = p.page.offset, end = CG_MIN((uint64_t)active, i + p.page.limit);
        cg_buf_puts(b, "\"items\":[");
        for (; i < end && cg_mcp_deadline_check(c) == 0; i++) {
            size_t mark = b->len;
            if (i > p.page.offset) cg_buf_putc(b, ',');
            project_item(c, &ps[i], b);
            if (!cg_mcp_item_fits(c, b->len - mark)) {
                b->len = mark;
                break;
            }
        }
        cg_buf_putc(b, ']');
        rc = c->failed ? CG_ETIMEOUT : 0;
        /* generation 0: the project list has no generation; cursors stay valid */
        cg_mcp_paging_write(c, (uint64_t)active, p.page.limit, i, i < (uint64_t)active, 0, 0);
    }
    free(ps);
    return rc;
}

#define OUT_PROJECT                                                                                \
    "{\"type\":\"object\",\"properties\":{\"id\":" T_INT ",\"name\":" T_STR ",\"root\":" T_STR     \
    ",\"generation\":" T_INT ",\"indexed_at\":" T_STR_NULL ",\"files\":" T_INT_NULL                \
    ",\"entities\":" T_INT_NULL ",\"edges\":" T_INT_NULL                                           \
    "},\"required\":[\"id\",\"name\",\"root\",\"generation\"]}"

const cg_mcp_tool cg_mcp_tool_projects = {
    "list_projects",
    "List projects",
    "The indexed projects (repositories) with their root directory, published generation, "
    "last index time and counts. Other tools take a project's name or id.",
    IN_OBJECT(IN_PAGE(20), ""),
    OUT_OBJECT("\"items\":{\"type\":\"array\",\"items\":" OUT_PROJECT "}," OUT_PAGING,
               OUT_PAGING_REQ),
    1,
    projects_run};

typedef struct fresh {
    int root_fd;
    uint64_t checked, changed, missing;
    cg_mcp_call *c;
} fresh;

static int fresh_one(void *ctx, const char *path, const cg_graph_file_info *fi)
{
    fresh *f = ctx;
    struct stat st;
    if (f->checked >= FRESH_FILES_MAX) return 1;
    if (f->checked % 256 == 0 && cg_mcp_deadline_check(f->c) != 0) return CG_ETIMEOUT;
    f->checked++;
    if (fstatat(f->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        f->missing++;
        return 0;
    }
    int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    if ((uint64_t)st.st_size != fi->size || mt != fi->mtime_ns) f->changed++;
    return 0;
}

/* ,"freshness":{…}: the index's age and the indexed files that changed on disk. */
static int freshness_write(cg_mcp_call *c, const cg_graph_project *pr, uint64_t files)
{
    char real[PATH_MAX];
    fresh f = {.root_fd = -1, .c = c};
    int ok = cg_walk_root_check(&c->h->cfg->parsing, pr->root, real, sizeof real, NULL, 0) == 0;
    if (ok) f.root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int readable = f.root_fd >= 0;
    int rc = readable ? cg_graph_file_foreach(c->h->graph, pr->id, fresh_one, &f) : 0;
    if (readable) close(f.root_fd);
    if (rc < 0 && c->failed) return rc;
    cg_buf *b = c->sc;
    cg_buf_puts(b, ",\"freshness\":{\"indexed_at\":");
    cg_mcp_time(b, pr->indexed_s);
    cg_buf_puts(b, ",\"age_seconds\":");
    if (pr->indexed_s > 0)
        cg_buf_put_i64(b, cg_time_wall_s() - pr->indexed_s);
    else
        cg_buf_puts(b, "null");
    cg_mcp_bool_field(b, "root_readable", readable);
    cg_mcp_u64_field(b, "files_checked", f.checked);
    cg_mcp_bool_field(b, "all_files_checked", f.checked >= files);
    cg_mcp_u64_field(b, "files_changed", f.changed);
    cg_mcp_u64_field(b, "files_missing", f.missing);
    cg_mcp_bool_field(b, "stale", f.changed + f.missing > 0 || !readable);
    cg_buf_putc(b, '}');
    return 0;
}

static void coverage_write(cg_buf *b, const cg_graph_stats *st)
{
    uint64_t edges = 0;
    for (int k = 0; k < CG_EDGE_COUNT; k++) edges += st->edges[k];
    cg_buf_puts(b, ",\"coverage\":{\"files\":");
    cg_buf_put_u64(b, st->files);
    cg_mcp_u64_field(b, "dirty_files", st->dirty_files);
    cg_mcp_u64_field(b, "bytes", st->bytes);
    cg_mcp_u64_field(b, "entities", st->entities);
    cg_mcp_u64_field(b, "edges", edges);
    cg_mcp_u64_field(b, "references", st->refs);
    cg_mcp_u64_field(b, "unresolved_references", st->unresolved);
    cg_buf_puts(b, ",\"resolved_ratio\":");
    cg_buf_put_double(b, st->refs ? 1.0 - (double)st->unresolved / (double)st->refs : 1.0);
    cg_buf_putc(b, '}');
}

/* ,"job":{…} from live progress when the host runs it, else the stored record. */
static int job_write(cg_mcp_call *c, uint64_t id, const char *key)
{
    cg_graph_job rec;
    cg_index_progress live;
    int have_live = c->h->job_progress && c->h->job_progress(c->h->ud, id, &live) == 0;
    int have_rec = cg_graph_job_get(c->h->graph, id, &rec) == 0;
    if (!have_live && !have_rec) return CG_ENOTFOUND;
    cg_buf *b = c->sc;
    const char *st = cg_graph_job_state_name(have_live ? live.state : rec.state);
    cg_buf_printf(b, ",\"%s\":{\"id\":", key);
    cg_buf_put_u64(b, id);
    cg_mcp_u64_field(b, "project_id", have_live ? live.project : rec.project);
    cg_mcp_str_field(b, "kind", have_rec ? rec.kind : NULL);
    cg_mcp_str_field(b, "state", st ? st : "unknown");
    cg_mcp_u64_field(b, "files_total", have_live ? live.files_total : rec.files_total);
    cg_mcp_bool_field(b, "walking", have_live && live.walking); /* files_total may still grow */
    cg_mcp_u64_field(b, "files_done", have_live ? live.files_done : rec.files_done);
    cg_mcp_u64_field(b, "files_failed", have_live ? live.files_failed : rec.files_failed);
    cg_mcp_u64_field(b, "error_count", have_rec ? rec.n_errors : 0);
    cg_buf_puts(b, ",\"errors\":[");
    for (int i = 0; have_rec && i < CG_MIN(rec.n_msgs, JOB_ERRORS_SHOWN); i++) {
        if (i) cg_buf_putc(b, ',');
        cg_buf_put_json_str(b, rec.errors[i], strnlen(rec.errors[i], CG_GRAPH_JOB_ERROR_LEN));
    }
    cg_buf_puts(b, "]}");
    return 0;
}

/* ,"capabilities":{…},"degraded":[…]: what answers now, and why not for what does not. */
static void capabilities_write(cg_mcp_call *c, const cg_graph_project *pr, const cg_graph_stats *st,
                               int have_stats)
{
    char why[CG_MCP_CAP_COUNT][CG_MCP_MSG_MAX / 4];
    int ok[CG_MCP_CAP_COUNT];
    cg_buf *b = c->sc;
    cg_buf_puts(b, ",\"capabilities\":{\"graph\":");
    cg_buf_puts(b, have_stats ? "true" : "false");
    for (int k = 0; k < CG_MCP_CAP_COUNT; k++) {
        ok[k] = cg_mcp_capability(c->h, pr->id, k, why[k], sizeof why[k]);
        cg_mcp_bool_field(b, cg_mcp_capability_name(k), ok[k]);
    }
    cg_mcp_bool_field(b, "indexing", c->h->index_start != NULL);
    cg_buf_puts(b, "},\"degraded\":[");
    int n = 0;
    if (!have_stats) {
        cg_buf_puts(b, "{\"capability\":\"graph\",\"reason\":\"no published index yet\"}");
        n++;
    }
    for (int k = 0; k < CG_MCP_CAP_COUNT; k++) {
        if (ok[k]) continue;
        cg_buf_puts(b, n++ ? ",{\"capability\":" : "{\"capability\":");
        cg_buf_put_json_str(b, cg_mcp_capability_name(k), strlen(cg_mcp_capability_name(k)));
        cg_mcp_str_field(b, "reason", why[k]);
        cg_buf_putc(b, '}');
    }
    if (have_stats && st->dirty_files) {
        if (n++) cg_buf_putc(b, ',');
        cg_buf_puts(b, "{\"capability\":\"references\",\"reason\":\"some files are not "
                       "resolved yet\"}");
    }
    cg_buf_putc(b, ']');
}

static int status_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_graph_view *v = NULL;
    cg_graph_stats st;
    json_t *jid = json_object_get(c->args, "job_id");
    cg_graph_job rec;
    if (jid && cg_graph_job_get(c->h->graph, (uint64_t)json_integer_value(jid), &rec) == 0 &&
        !json_object_get(c->args, "project"))
        json_object_set_new(c->args, "project", json_integer(rec.project));
    int rc = cg_mcp_arg_project(c, &pr);
    if (rc) return rc;
    int have = cg_graph_view_open(c->h->graph, pr.id, &v) == 0 && cg_graph_stats_get(v, &st) == 0;
    cg_graph_view_close(v);
    cg_buf_puts(c->sc, "\"project\":");
    project_item(c, &pr, c->sc);
    cg_mcp_str_field(c->sc, "transport", c->h->transport);
    cg_mcp_u64_field(c->sc, "generation", pr.generation);
    if ((rc = freshness_write(c, &pr, have ? st.files : 0)) != 0) return rc;
    if (have)
        coverage_write(c->sc, &st);
    else
        cg_buf_puts(c->sc, ",\"coverage\":null");
    if (!pr.last_job || job_write(c, pr.last_job, "last_job") != 0)
        cg_buf_puts(c->sc, ",\"last_job\":null");
    if (jid && job_write(c, (uint64_t)json_integer_value(jid), "job") != 0)
        return cg_mcp_fail(c, "No index job with that id (finished jobs are kept for a while; "
                              "list_projects shows each project's state).");
    capabilities_write(c, &pr, &st, have);
    return 0;
}

#define OUT_JOB                                                                                    \
    "{\"type\":[\"object\",\"null\"],\"properties\":{\"id\":" T_INT ",\"state\":" T_STR            \
    ",\"files_total\":" T_INT ",\"walking\":" T_BOOL ",\"files_done\":" T_INT "}}"

const cg_mcp_tool cg_mcp_tool_status = {
    "index_status",
    "Index status",
    "How complete and current the index of a project is: published generation, freshness "
    "(age, indexed files changed or missing on disk), coverage (files, entities, references "
    "resolved), the last index job (or job_id's) and which capabilities are degraded.",
    IN_OBJECT(IN_PROJECT ",\"job_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"An "
                         "index job to report on (from index_repository)\"}",
              ""),
    OUT_OBJECT("\"project\":" OUT_PROJECT ",\"generation\":" T_INT ",\"freshness\":{\"type\":"
               "\"object\"},\"coverage\":{\"type\":[\"object\",\"null\"]},\"last_job\":" OUT_JOB
               ",\"job\":" OUT_JOB ",\"capabilities\":{\"type\":\"object\"},\"degraded\":{"
               "\"type\":\"array\"}",
               "\"project\",\"generation\",\"freshness\",\"capabilities\",\"degraded\""),
    1,
    status_run};

/* A project name: 1..255 bytes, no control characters, not only digits. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    int digits = 1;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
        digits &= s[i] >= '0' && s[i] <= '9';
    }
    return n > 0 && n <= CG_GRAPH_NAME_MAX && !digits;
}

static int index_run(cg_mcp_call *c)
{
    char real[CG_GRAPH_PATH_MAX + 1], why[CG_MCP_MSG_MAX / 2], name[CG_GRAPH_NAME_MAX + 1];
    const char *path = cg_mcp_arg_str(c, "path"), *nm = cg_mcp_arg_str(c, "name");
    uint32_t pid = 0;
    uint64_t job = 0;
    if (!c->h->index_start)
        return cg_mcp_fail(c, "This server does not start index jobs over MCP.");
    int rc = cg_walk_root_check(&c->h->cfg->parsing, path, real, sizeof real, why, sizeof why);
    if (rc == -EACCES)
        return cg_mcp_fail(c, "The path is not under the server's [parsing] allowed_roots; index "
                              "a directory inside them (the operator configures the roots).");
    if (rc != 0)
        return cg_mcp_fail(c,
                           "The path is not a readable directory (%s); pass an existing "
                           "repository directory.",
                           cg_err_str(rc));
    const char *slash = strrchr(real, '/');
    snprintf(name, sizeof name, "%s", nm ? nm : slash && slash[1] ? slash + 1 : real);
    if (!name_ok(name))
        return cg_mcp_fail(c, "Pass \"name\": 1..255 bytes, no control characters, not only "
                              "digits.");
    if ((rc = c->h->index_start(c->h->ud, real, name, &pid, &job, why, sizeof why)) != 0)
        return cg_mcp_fail(c, "%s", why);
    cg_buf_puts(c->sc, "\"project_id\":");
    cg_buf_put_u64(c->sc, pid);
    cg_mcp_str_field(c->sc, "project", name);
    cg_mcp_str_field(c->sc, "root", real);
    cg_mcp_u64_field(c->sc, "job_id", job);
    cg_mcp_str_field(c->sc, "state", "queued");
    cg_mcp_str_field(c->sc, "next", "Poll index_status with this job_id until state is done.");
    return 0;
}

const cg_mcp_tool cg_mcp_tool_index = {
    "index_repository",
    "Index a repository",
    "Start indexing a directory (under the server's allowed roots) as a project, or re-index "
    "it when a project of that name already has this root. Returns at once with a job id; "
    "poll index_status with job_id. Unchanged files are not parsed again.",
    IN_OBJECT("\"path\":{\"type\":\"string\",\"minLength\":1,\"description\":\"Directory of the "
              "repository (absolute, or relative to the server's working directory)\"},"
              "\"name\":{\"type\":\"string\",\"description\":\"Project name (default: the "
              "directory's name)\"}",
              "\"path\""),
    OUT_OBJECT("\"project_id\":" T_INT ",\"project\":" T_STR ",\"root\":" T_STR ",\"job_id\":" T_INT
               ",\"state\":" T_STR ",\"next\":" T_STR,
               "\"project_id\",\"project\",\"job_id\",\"state\""),
    0,
    index_run};
