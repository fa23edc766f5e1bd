// SPDX-License-Identifier: MIT
/*
 * Snapshots defined in a properties file (dbt 1.9): a `snapshots:` entry
 * with `relation: ref('x')` or `source('s', 't')` and a `config:` is a
 * snapshot node of its own, whose query is `select * from` that relation.
 * Its config is checked here, where each value is located in the YAML;
 * the engine builds it exactly as a {% snapshot %} block.
 */
#include <string.h>

#include "parser/loader.h"
#include "templating/jinja.h"
#include "util/hash.h"

/* A quoted argument, in quotes it cannot contain. */
static void quoted(struct xf_buf *b, struct xf_str s)
{
    char q = memchr(s.p, '\'', s.len) ? '"' : '\'';
    xf_buf_addf(b, "%c" XF_STR_FMT "%c", q, XF_STR_ARG(s), q);
}

static int bad_relation(struct xf_loader *l, const struct xf_ynode *rel, const char *name)
{
    struct xf_diag *g = xf_diag_add(
        l->diags, XF_SEV_ERROR, rel->loc,
        "'relation' of snapshot '%s' must be ref('model') or source('source', 'table')", name);
    xf_diag_hint(g, "write e.g. relation: ref('stg_orders'), the relation the snapshot copies");
    return -1;
}

/* "select * from {{ ref('x') }}": the query of the snapshot, from its relation's text. */
static const char *query_text(struct xf_loader *l, const struct xf_ynode *rel, const char *name)
{
    if (rel->kind != XF_Y_SCALAR || !rel->str.len) {
        bad_relation(l, rel, name);
        return NULL;
    }
    const char *text = xf_arena_strndup(l->a, rel->str.p, rel->str.len), *end;
    bool is_source;
    struct xf_str args[2];
    int na = xf_parse_ref_text(text, &is_source, args, &end);
    if (na >= 0)
        for (; *end == ' ' || *end == '}'; end++)
            ;
    if (na < 1 || *end || (is_source && na != 2)) {
        bad_relation(l, rel, name);
        return NULL;
    }
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "select * from {{ %s(", is_source ? "source" : "ref");
    for (int i = 0; i < na; i++) {
        if (i)
            xf_buf_adds(&b, ", ");
        quoted(&b, args[i]);
    }
    xf_buf_adds(&b, ") }}");
    const char *s = xf_arena_strndup(l->a, b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

struct xf_node *xf_loader_yaml_snapshot(struct xf_loader *l, const struct xf_props_file *f,
                                        const struct xf_ynode *name, const struct xf_ynode *rel)
{
    const char *nm = xf_arena_strndup(l->a, name->str.p, name->str.len);
    const char *text = query_text(l, rel, nm);
    if (!text)
        return NULL;
    /* The query is its own source, shown under the properties file's name. */
    struct xf_source *src = XF_ANEW(l->a, struct xf_source);
    src->path = f->display;
    src->text = text;
    src->len = strlen(text);
    const struct xf_tmpl *t;
    if (xf_tmpl_parse(&t, l->a, src, 0, src->len, l->diags) < 0)
        return NULL;
    char checksum[65];
    xf_sha256_hex(checksum, src->text, src->len);
    struct xf_node *n =
        xf_loader_new_node(l, XF_RES_SNAPSHOT, nm, f->rel, f->ofp, src, t, checksum, NULL, NULL);
    n->relation_loc = rel->loc;
    return xf_loader_add_node(l, n, name->loc) < 0 ? NULL : n;
}

/* Where a config key is written in the entry, else the entry's name. */
static struct xf_loc where(const struct xf_ynode *e, const char *key)
{
    const struct xf_ynode *cfg = xf_ynode_get(e, "config");
    const struct xf_ynode *v = cfg && cfg->kind == XF_Y_MAP ? xf_ynode_get(cfg, key) : NULL;
    return v ? v->loc : xf_ynode_get(e, "name")->loc;
}

int xf_loader_yaml_snapshot_check(struct xf_loader *l, const struct xf_ynode *e,
                                  const struct xf_node *n)
{
    const char *strat = xf_node_config_str(n, "strategy", NULL);
    if (!strat) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, where(e, "strategy"),
                                        "snapshot '%s' has no strategy", n->name);
        xf_diag_hint(g, "add 'strategy: timestamp' (with updated_at) or 'strategy: check' (with "
                        "check_cols) under its config");
        return -1;
    }
    static const char *const known[] = {"timestamp", "check"};
    bool ok = !strcmp(strat, known[0]) || !strcmp(strat, known[1]) || strchr(strat, '.');
    if (!ok) {
        char *macro = xf_loader_cat(l->a, "snapshot_", "", strat);
        macro = xf_loader_cat(l->a, macro, "", "_strategy");
        ok = xf_map_getc(&l->u->macro_names, macro) != NULL;
    }
    if (!ok) {
        const char *sug = xf_str_suggest(xf_str_c(strat), known, 2);
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, where(e, "strategy"),
                        "unknown strategy '%s' for snapshot '%s'%s%s%s", strat, n->name,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        xf_diag_hint(g, "use 'timestamp' or 'check', or define a macro snapshot_%s_strategy",
                     strat);
        return -1;
    }
    const struct xf_value *k = xf_node_config(n, "unique_key");
    if (!k || (k->t != XF_V_STR && k->t != XF_V_LIST)) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, where(e, "unique_key"),
                                        "snapshot '%s' has no unique_key", n->name);
        xf_diag_hint(g, "add 'unique_key: <column>' (or a list of columns) under its config");
        return -1;
    }
    if (!strcmp(strat, "timestamp") && !xf_node_config_str(n, "updated_at", NULL)) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, where(e, "strategy"),
                                        "snapshot '%s' uses the timestamp strategy but has no "
                                        "updated_at",
                                        n->name);
        xf_diag_hint(g, "add 'updated_at: <column>' under its config");
        return -1;
    }
    const char *hd = xf_node_config_str(n, "hard_deletes", NULL);
    static const char *const modes[] = {"ignore", "invalidate", "new_record"};
    if (hd && strcmp(hd, modes[0]) && strcmp(hd, modes[1]) && strcmp(hd, modes[2])) {
        const char *sug = xf_str_suggest(xf_str_c(hd), modes, 3);
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, where(e, "hard_deletes"),
                        "unknown hard_deletes '%s' for snapshot '%s'%s%s%s", hd, n->name,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        xf_diag_hint(g, "use ignore, invalidate or new_record");
        return -1;
    }
    return 0;
}
