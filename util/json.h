// SPDX-License-Identifier: MIT
/*
 * Conversions between jansson's json_t and xf_value, at the edges of the
 * template engine (fromjson/tojson, --vars, artifacts).
 */
#ifndef XF_UTIL_JSON_H
#define XF_UTIL_JSON_H

#include <jansson.h>

#include "util/value.h"

/* New reference; functions and objects become their string form. */
json_t *xf_value_to_json(const struct xf_value *v);
/* Strings are copied into `a`. */
struct xf_value xf_value_from_json(struct xf_arena *a, const json_t *j);

#endif
