// SPDX-License-Identifier: MIT
/*
 * The schema name rule of target.h, shared by the profile reader, the
 * engine's relation naming and the adapters.
 */
#include "parser/target.h"

#include <string.h>

bool xf_schema_name_ok(const char *s)
{
    if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '"' || *p == '\'' || *p == '`' || *p < 0x20 ||
            *p == 0x7f)
            return false;
    return true;
}

struct xf_value xf_target_value(struct xf_arena *a, const struct xf_target *t,
                                const char *project_name)
{
    struct xf_value tv = xf_v_dict(a, 8);
    if (t->settings.t == XF_V_DICT) {
        for (size_t i = 0; i < t->settings.u.d->n; i++) {
            const struct xf_dict_ent *e = &t->settings.u.d->ents[i];
            if (xf_str_eqc(e->key, "password") || xf_str_eqc(e->key, "pass"))
                continue; /* never visible to templates, so never in output */
            xf_dict_set(a, tv.u.d, e->key, e->val);
        }
    }
    xf_dict_set(a, tv.u.d, XF_STR("name"), xf_v_strc(t->name ? t->name : "default"));
    xf_dict_set(a, tv.u.d, XF_STR("target_name"), xf_v_strc(t->name ? t->name : "default"));
    xf_dict_set(a, tv.u.d, XF_STR("type"), xf_v_strc(t->type));
    xf_dict_set(a, tv.u.d, XF_STR("schema"), xf_v_strc(t->schema));
    xf_dict_set(a, tv.u.d, XF_STR("database"), t->database ? xf_v_strc(t->database) : xf_v_none());
    xf_dict_set(a, tv.u.d, XF_STR("threads"), xf_v_int(t->threads));
    xf_dict_set(a, tv.u.d, XF_STR("profile_name"),
                xf_v_strc(t->profile_name ? t->profile_name : project_name));
    return tv;
}
