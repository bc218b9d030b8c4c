/*
 * args.c — checking a tool's arguments against its input schema before the tool runs.
 *
 * The schemas are ours (tools/list publishes them), so this checks the subset they use:
 * an object with `properties`, `required` and additionalProperties false; property types
 * string, integer, boolean, array (of strings); `enum` on strings; `minimum`/`maximum` on
 * integers; `maxItems` on arrays. Each problem becomes one isError sentence naming the
 * argument and what is expected, which is what a model needs to correct the call. An
 * integral number sent as 5.0 is accepted as the integer 5.
 *
 * The schema texts are parsed once (pthread_once) and kept for the process; a schema that
 * does not parse is a programmer error (CG_ASSERT), caught by any test calling the tool.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define NAMES_TEXT_MAX 400 /* bytes of the "this tool takes: …" list */

static json_t *schemas[CG_MCP_TOOLS_MAX];
static pthread_once_t schemas_once = PTHREAD_ONCE_INIT;

static void schemas_load(void)
{
    int n;
    const cg_mcp_tool *const *t = cg_mcp_tools(&n);
    CG_ASSERT(n <= CG_MCP_TOOLS_MAX);
    for (int i = 0; i < n; i++) {
        json_error_t err;
        schemas[i] = json_loads(t[i]->input_schema, 0, &err);
        CG_ASSERT(json_is_object(schemas[i]));
        CG_ASSERT(json_is_object(json_object_get(schemas[i], "properties")));
    }
}

static json_t *schema_of(const cg_mcp_tool *tool)
{
    int n;
    const cg_mcp_tool *const *t = cg_mcp_tools(&n);
    pthread_once(&schemas_once, schemas_load);
    for (int i = 0; i < n; i++)
        if (t[i] == tool) return schemas[i];
    CG_ASSERT(!"tool not in the table");
    return NULL;
}

/* "a, b, c": the argument names the tool takes. */
static void names_list(json_t *props, char *out, size_t cap)
{
    const char *k;
    json_t *v;
    size_t o = 0;
    out[0] = '\0';
    json_object_foreach(props, k, v)
    {
        int w = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", k);
        if (w < 0 || (size_t)w >= cap - o) break;
        o += (size_t)w;
    }
    if (!o) snprintf(out, cap, "none");
}

static int check_string(cg_mcp_call *c, const char *k, json_t *v, json_t *spec)
{
    json_t *en = json_object_get(spec, "enum"), *mx = json_object_get(spec, "maxLength");
    if (!json_is_string(v)) return cg_mcp_fail(c, "Argument \"%s\" must be a string.", k);
    if (json_string_length(v) == 0 && json_object_get(spec, "minLength"))
        return cg_mcp_fail(c, "Argument \"%s\" must not be empty.", k);
    if (mx && json_string_length(v) > (size_t)json_integer_value(mx))
        return cg_mcp_fail(c, "Argument \"%s\" is longer than %lld bytes.", k,
                           (long long)json_integer_value(mx));
    if (!json_is_array(en)) return 0;
    size_t i;
    json_t *e;
    json_array_foreach(en, i, e) if (json_equal(e, v)) return 0;
    char *allowed = json_dumps(en, JSON_COMPACT);
    cg_mcp_fail(c, "Argument \"%s\" must be one of %s.", k,
                allowed ? allowed : "the schema's enum");
    free(allowed);
    return CG_EINVAL;
}

static int check_integer(cg_mcp_call *c, const char *k, json_t *v, json_t *spec)
{
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d) || fabs(d) > 9007199254740991.0)
            return cg_mcp_fail(c, "Argument \"%s\" must be an integer.", k);
        json_object_set_new(c->args, k, json_integer((json_int_t)d));
        v = json_object_get(c->args, k);
    }
    if (!json_is_integer(v)) return cg_mcp_fail(c, "Argument \"%s\" must be an integer.", k);
    json_int_t x = json_integer_value(v);
    json_t *lo = json_object_get(spec, "minimum"), *hi = json_object_get(spec, "maximum");
    if ((lo && x < json_integer_value(lo)) || (hi && x > json_integer_value(hi)))
        return cg_mcp_fail(c, "Argument \"%s\" must be from %lld to %lld.", k,
                           lo ? (long long)json_integer_value(lo) : 0LL,
                           hi ? (long long)json_integer_value(hi) : (long long)INT64_MAX);
    return 0;
}

static int check_number(cg_mcp_call *c, const char *k, json_t *v, json_t *spec)
{
    json_t *lo = json_object_get(spec, "minimum"), *hi = json_object_get(spec, "maximum");
    if (!json_is_number(v)) return cg_mcp_fail(c, "Argument \"%s\" must be a number.", k);
    double x = json_number_value(v);
    if ((lo && x < json_number_value(lo)) || (hi && x > json_number_value(hi)))
        return cg_mcp_fail(c, "Argument \"%s\" must be from %g to %g.", k,
                           lo ? json_number_value(lo) : -INFINITY,
                           hi ? json_number_value(hi) : INFINITY);
    return 0;
}

static int check_array(cg_mcp_call *c, const char *k, json_t *v, json_t *spec)
{
    json_t *mx = json_object_get(spec, "maxItems");
    size_t i;
    json_t *e;
    if (!json_is_array(v)) return cg_mcp_fail(c, "Argument \"%s\" must be an array.", k);
    if (mx && json_array_size(v) > (size_t)json_integer_value(mx))
        return cg_mcp_fail(c, "Argument \"%s\" takes at most %lld items.", k,
                           (long long)json_integer_value(mx));
    json_t *items = json_object_get(spec, "items");
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return cg_mcp_fail(c, "Argument \"%s\" must be an array of strings.", k);
        if (items && check_string(c, k, e, items) != 0) return CG_EINVAL;
    }
    return 0;
}

/* One present argument against its property schema. */
static int check_one(cg_mcp_call *c, const char *k, json_t *v, json_t *spec)
{
    json_t *ty = json_object_get(spec, "type");
    const char *t = json_is_string(ty) ? json_string_value(ty) : NULL;
    if (json_is_array(ty)) t = "string|integer"; /* project: a name or an id */
    if (!t) return 0;
    if (strcmp(t, "string") == 0) return check_string(c, k, v, spec);
    if (strcmp(t, "integer") == 0) return check_integer(c, k, v, spec);
    if (strcmp(t, "number") == 0) return check_number(c, k, v, spec);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v) ? 0 : cg_mcp_fail(c, "Argument \"%s\" must be a boolean.", k);
    if (strcmp(t, "array") == 0) return check_array(c, k, v, spec);
    if (strcmp(t, "string|integer") == 0 && !json_is_string(v) && !json_is_integer(v))
        return cg_mcp_fail(c, "Argument \"%s\" must be a name or an id.", k);
    return 0;
}

int cg_mcp_args_check(cg_mcp_call *c, const cg_mcp_tool *t)
{
    json_t *schema = schema_of(t), *props = json_object_get(schema, "properties");
    json_t *req = json_object_get(schema, "required"), *v, *e;
    char names[NAMES_TEXT_MAX];
    const char *k;
    void *tmp;
    size_t i;
    json_object_foreach_safe(c->args, tmp, k, v)
    {
        json_t *spec = json_object_get(props, k);
        if (!spec) {
            names_list(props, names, sizeof names);
            return cg_mcp_fail(c, "Unknown argument \"%.64s\"; %s takes: %s.", k, t->name, names);
        }
        if (json_is_null(v)) { /* null = absent, as many clients send for optional ones */
            json_object_del(c->args, k);
            continue;
        }
        if (check_one(c, k, v, spec) != 0) return CG_EINVAL;
    }
    json_array_foreach(req, i, e)
    {
        if (!json_object_get(c->args, json_string_value(e)))
            return cg_mcp_fail(c, "Missing argument \"%s\" (see the tool's inputSchema).",
                               json_string_value(e));
    }
    return 0;
}
