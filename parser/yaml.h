// SPDX-License-Identifier: MIT
/*
 * YAML through libyaml into a located tree: every scalar, sequence and
 * mapping keeps the byte offset where it starts, so that schema and
 * project errors can point at `file:line:col`.
 */
#ifndef XF_PARSER_YAML_H
#define XF_PARSER_YAML_H

#include <stdbool.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/value.h"

enum xf_ynode_kind { XF_Y_SCALAR, XF_Y_SEQ, XF_Y_MAP };

struct xf_ynode {
    enum xf_ynode_kind kind;
    struct xf_loc loc;
    /* scalar */
    struct xf_str str;
    bool quoted; /* '...' or "..." (never a number, bool or null) */
    /* sequence items, or mapping keys[i] -> vals[i] in order */
    struct xf_ynode **items;
    struct xf_ynode **keys;
    size_t n;
    /* nodes in this node's full expansion, every alias counted in full */
    size_t weight;
};

/*
 * Aliases may bring in at most this many nodes per document (a billion
 * laughs bomb is a few lines); XFORM_YAML_MAX_NODES overrides it.
 */
#define XF_YAML_MAX_ALIAS_NODES 1000000

/*
 * Parses src (one document; an empty file is an empty mapping). Mapping
 * keys must be scalars (dbt's loader rejects unhashable keys), and
 * aliases may expand to XF_YAML_MAX_ALIAS_NODES nodes in all. The tree
 * lives in `a`; scalar text is NUL-terminated. Returns 0, or -1 after a
 * located error in diags.
 */
int xf_yaml_parse(struct xf_ynode **out, struct xf_arena *a, const struct xf_source *src,
                  struct xf_diags *diags);
/*
 * Same, with the nodes in `nodes` and the scalar text (NUL-terminated) in
 * `strings`: the node arena can be dropped once the values wanted have
 * been taken (xf_ynode_value into `strings`' arena, or the str slices).
 */
int xf_yaml_parse_in(struct xf_ynode **out, struct xf_arena *nodes, struct xf_arena *strings,
                     const struct xf_source *src, struct xf_diags *diags);
/* Same, from a string (no location file): for --vars and fromyaml(). */
int xf_yaml_parse_str(struct xf_ynode **out, struct xf_arena *a, const char *text, size_t len,
                      struct xf_buf *err);

/* Value of key in a mapping, or NULL. */
struct xf_ynode *xf_ynode_get(const struct xf_ynode *map, const char *key);
/* True for NULL and a plain null scalar (empty, ~, null). */
bool xf_ynode_is_null(const struct xf_ynode *n);
/* Plain scalars resolve per YAML 1.1 core: null/~, true/false/yes/no, ints, floats. */
struct xf_value xf_ynode_value(struct xf_arena *a, const struct xf_ynode *n);

/* Serialises a value as YAML (toyaml). */
void xf_yaml_emit(struct xf_buf *out, const struct xf_value *v);

#endif
