// SPDX-License-Identifier: MIT
/*
 * `xform ls`: the selected resources, one per line, as dbt prints them:
 * selector form (project.folder.name, source:src.table), name, path or
 * JSON lines.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "util/json.h"

static bool type_wanted(const struct xf_cli *cli, const struct xf_node *n)
{
    if (!cli->resource_types.n)
        return n->type != XF_RES_ANALYSIS || true;
    for (size_t i = 0; i < cli->resource_types.n; i++) {
        const char *t = cli->resource_types.v[i];
        if (!strcmp(t, "all") || !strcmp(t, xf_resource_name(n->type)) ||
            (!strcmp(t, "data_test") && n->type == XF_RES_TEST))
            return true;
    }
    return false;
}

static void print_selector(const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE) {
        printf("source:%s.%s.%s\n", n->package, n->source_name, n->name);
        return;
    }
    if (n->type >= XF_RES_EXPOSURE) /* exposure:shop.weekly ... as dbt prints them */
        printf("%s:", xf_resource_name(n->type));
    if (n->fqn.t != XF_V_LIST) {
        printf("%s.%s\n", n->package, n->name);
        return;
    }
    for (size_t i = 0; i < n->fqn.u.l->n; i++) {
        const struct xf_value *v = &n->fqn.u.l->items[i];
        printf("%s%.*s", i ? "." : "", (int)v->u.s.len, v->u.s.p);
    }
    putchar('\n');
}

static void print_json(const struct xf_graph *g, uint32_t i)
{
    const struct xf_node *n = g->all[i];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(n->name));
    json_object_set_new(o, "resource_type", json_string(xf_resource_name(n->type)));
    json_object_set_new(o, "package_name", json_string(n->package ? n->package : ""));
    json_object_set_new(o, "original_file_path",
                        json_string(n->original_file_path ? n->original_file_path : ""));
    json_object_set_new(o, "unique_id", json_string(n->unique_id));
    json_object_set_new(o, "alias", n->alias ? json_string(n->alias) : json_null());
    json_object_set_new(o, "config", xf_value_to_json(&n->config));
    json_object_set_new(o, "tags", xf_value_to_json(&n->tags));
    json_t *deps = json_array();
    for (uint32_t k = 0; k < g->nparents[i]; k++)
        json_array_append_new(deps, json_string(g->all[g->parents[i][k]]->unique_id));
    json_t *dep = json_object();
    json_object_set_new(dep, "macros", json_array());
    json_object_set_new(dep, "nodes", deps);
    json_object_set_new(o, "depends_on", dep);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
    json_decref(o);
}

int xf_cmd_ls(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    int code = XF_EXIT_USAGE;
    const char *fmt = cli->output ? cli->output : "selector";
    if (strcmp(fmt, "selector") && strcmp(fmt, "name") && strcmp(fmt, "path") &&
        strcmp(fmt, "json")) {
        fprintf(stderr, "error: unknown --output '%s': use selector, name, path or json\n", fmt);
        goto done;
    }
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    if (!(sel = xf_cmd_select_enabled(cli, s, &d)))
        goto done;
    struct xf_graph *g = xf_session_graph(s);
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = (uint32_t)k; /* discovery order, as dbt lists */
        const struct xf_node *n = g->all[i];
        if (!sel[i] || !type_wanted(cli, n))
            continue;
        if (!strcmp(fmt, "json"))
            print_json(g, i);
        else if (!strcmp(fmt, "name"))
            puts(n->name);
        else if (!strcmp(fmt, "path"))
            puts(n->original_file_path ? n->original_file_path : n->name);
        else
            print_selector(n);
    }
    code = XF_EXIT_OK;
done:
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
