// SPDX-License-Identifier: MIT
/*
 * jansson <-> xf_value conversion.
 */
#include "util/json.h"

#include <math.h>
#include <string.h>

json_t *xf_value_to_json(const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
    case XF_V_NONE:
        return json_null();
    case XF_V_BOOL:
        return json_boolean(v->u.b);
    case XF_V_INT:
        return json_integer((json_int_t)v->u.i);
    case XF_V_FLOAT:
        return isfinite(v->u.f) ? json_real(v->u.f) : json_null();
    case XF_V_STR:
        return json_stringn(v->u.s.p ? v->u.s.p : "", v->u.s.len);
    case XF_V_LIST: {
        json_t *arr = json_array();
        for (size_t i = 0; i < v->u.l->n; i++)
            json_array_append_new(arr, xf_value_to_json(&v->u.l->items[i]));
        return arr;
    }
    case XF_V_DICT: {
        json_t *obj = json_object();
        for (size_t i = 0; i < v->u.d->n; i++) {
            const struct xf_dict_ent *e = &v->u.d->ents[i];
            json_object_setn_new(obj, e->key.p, e->key.len, xf_value_to_json(&e->val));
        }
        return obj;
    }
    default: {
        struct xf_buf b = XF_BUF_INIT;
        xf_value_str(&b, v);
        json_t *s = json_stringn(b.ptr, b.len);
        xf_buf_release(&b);
        return s;
    }
    }
}

struct xf_value xf_value_from_json(struct xf_arena *a, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        return xf_v_none();
    case JSON_TRUE:
        return xf_v_bool(true);
    case JSON_FALSE:
        return xf_v_bool(false);
    case JSON_INTEGER:
        return xf_v_int((int64_t)json_integer_value(j));
    case JSON_REAL:
        return xf_v_float(json_real_value(j));
    case JSON_STRING:
        return xf_v_strdup(a, xf_str_n(json_string_value(j), json_string_length(j)));
    case JSON_ARRAY: {
        struct xf_value l = xf_v_list(a, json_array_size(j));
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) xf_list_push(a, l.u.l, xf_value_from_json(a, e));
        return l;
    }
    case JSON_OBJECT: {
        struct xf_value d = xf_v_dict(a, json_object_size(j));
        const char *k;
        size_t klen;
        json_t *e;
        json_object_keylen_foreach((json_t *)j, k, klen, e)
        {
            xf_dict_set(a, d.u.d, (struct xf_str){xf_arena_strndup(a, k, klen), klen},
                        xf_value_from_json(a, e));
        }
        return d;
    }
    }
    return xf_v_none();
}
