// SPDX-License-Identifier: MIT
/*
 * Access groups: a properties file's `groups:` (name, owner, description,
 * config.meta) into struct xf_group, and a model entry's `group:` and
 * `access:` properties into its config (where dbt_project.yml and
 * config() calls put them too). Which refs the groups allow is checked
 * once every ref is resolved (graph/access.c).
 */
#include <string.h>

#include "parser/loader.h"

static const char *const group_keys[] = {"name", "owner", "description", "config", "meta"};
static const char *const access_values[] = {"private", "protected", "public"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int xf_loader_groups(struct xf_loader *l, const struct xf_ynode *list, const char *path,
                     const char *ofp)
{
    if (xf_ynode_is_null(list))
        return 0;
    if (list->kind != XF_Y_SEQ)
        return xf_error(l->diags, list->loc, "'groups' must be a list");
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *e = list->items[i];
        if (e->kind != XF_Y_MAP) {
            err = xf_error(l->diags, e->loc, "an entry of 'groups' must be a mapping");
            continue;
        }
        const struct xf_ynode *name = xf_ynode_get(e, "name");
        if (!name) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, e->loc, "a group needs a 'name'");
            xf_diag_hint(g, "start the entry with '- name: <group name>'");
            err = -1;
            continue;
        }
        struct xf_group *gr = XF_ANEW(l->a, struct xf_group);
        if (xf_loader_want_str(l, name, "name", &gr->name) < 0) {
            err = -1;
            continue;
        }
        for (size_t k = 0; k < e->n; k++)
            if (e->keys[k]->kind == XF_Y_SCALAR) {
                bool known = false;
                for (size_t j = 0; j < N(group_keys); j++)
                    known = known || xf_str_eqc(e->keys[k]->str, group_keys[j]);
                if (!known)
                    xf_loader_unknown_key(l, e->keys[k], "a group", group_keys, N(group_keys));
            }
        for (size_t j = 0; j < l->p->groups.n; j++) {
            const struct xf_group *o = l->p->groups.v[j];
            if (!strcmp(o->name, gr->name) && !strcmp(o->package, l->u->name)) {
                unsigned line, col;
                xf_loc_linecol(o->loc.src, o->loc.off, &line, &col);
                struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, name->loc,
                                                "group '%s' is defined twice: at %s:%u:%u and here",
                                                gr->name, o->loc.src->path, line, col);
                xf_diag_hint(g, "keep one entry per group");
                err = -1;
            }
        }
        gr->package = l->u->name;
        gr->unique_id = xf_arena_printf(l->a, "group.%s.%s", l->u->name, gr->name);
        gr->path = path;
        gr->original_file_path = ofp;
        gr->loc = name->loc;
        gr->owner = xf_v_dict(l->a, 0);
        gr->meta = xf_v_dict(l->a, 0);
        const struct xf_ynode *owner = xf_ynode_get(e, "owner");
        if (!owner || owner->kind != XF_Y_MAP ||
            (!xf_ynode_get(owner, "name") && !xf_ynode_get(owner, "email"))) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, owner ? owner->loc : name->loc,
                            "group '%s' needs an 'owner' with a 'name' or an 'email'", gr->name);
            xf_diag_hint(g,
                         "for example 'owner: {name: Finance team, email: finance@example.com}'");
            err = -1;
        } else {
            gr->owner = xf_ynode_value(l->a, owner);
        }
        const struct xf_ynode *d = xf_ynode_get(e, "description");
        if (d && !xf_ynode_is_null(d) &&
            xf_loader_want_str(l, d, "description", &gr->description) < 0)
            err = -1;
        const struct xf_ynode *cfg = xf_ynode_get(e, "config");
        const struct xf_ynode *meta =
            cfg && cfg->kind == XF_Y_MAP ? xf_ynode_get(cfg, "meta") : xf_ynode_get(e, "meta");
        if (meta && meta->kind == XF_Y_MAP)
            gr->meta = xf_ynode_value(l->a, meta);
        xf_avec_push(l->a, &l->p->groups, gr);
    }
    return err;
}

int xf_loader_access_prop(struct xf_loader *l, const struct xf_ynode *key, const struct xf_ynode *v,
                          struct xf_node *n)
{
    bool group = xf_str_eqc(key->str, "group");
    const char *s;
    if (xf_ynode_is_null(v))
        return 0;
    if (xf_loader_want_str(l, v, group ? "group" : "access", &s) < 0)
        return -1;
    if (!group) {
        bool ok = false;
        for (size_t i = 0; i < N(access_values); i++)
            ok = ok || !strcmp(s, access_values[i]);
        if (!ok) {
            const char *sug = xf_str_suggest(v->str, access_values, N(access_values));
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, v->loc, "unknown access '%s'%s%s%s", s,
                            sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            xf_diag_hint(g, "use private, protected or public");
            return -1;
        }
        n->access_loc = v->loc;
    } else {
        n->group_loc = v->loc;
    }
    xf_dict_set(l->a, n->config.u.d, key->str, xf_v_strc(s));
    return 0;
}
