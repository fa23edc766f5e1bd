// SPDX-License-Identifier: MIT
/*
 * YAML through libyaml's event parser into the located tree of yaml.h.
 * Children are collected on one shared stack and copied into the arena
 * when their container closes, so a file costs no per-node malloc. Also
 * the YAML 1.1 scalar resolution (as PyYAML, which dbt uses) and toyaml.
 */
#include "parser/yaml.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/vec.h"

/* Deeper nesting than this is an error (and keeps alias loops finite). */
#define MAX_DEPTH 512

struct frame {
    struct xf_ynode *node;
    size_t base; /* first child on the stack */
};

struct builder {
    struct xf_arena *a;  /* nodes */
    struct xf_arena *sa; /* scalar text (NUL-terminated) */
    const struct xf_source *src;
    XF_VEC(struct xf_ynode *) stack; /* children of open containers */
    XF_VEC(struct frame) frames;
    struct xf_map anchors;
    struct xf_ynode *root;
    const char *text;
    size_t len;
    XF_VEC(size_t) lines; /* byte offset where each line starts */
    bool ascii;           /* then marks are byte offsets already */
    size_t alias_nodes;   /* nodes brought in by aliases so far */
    size_t max_alias_nodes;
    bool raw; /* the message is ours, not libyaml's: no "invalid YAML" */
};

/*
 * libyaml's marks count characters (line, column and index); diagnostics
 * want byte offsets. A line table turns (line, column) into bytes,
 * walking UTF-8 sequences only within the line.
 */
static void index_lines(struct builder *b, const char *text, size_t len)
{
    b->text = text;
    b->len = len;
    unsigned char any = 0;
    for (size_t i = 0; i < len; i++)
        any |= (unsigned char)text[i];
    b->ascii = any < 0x80;
    if (b->ascii)
        return;
    size_t start = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
    xf_vec_push(&b->lines, start);
    const char *p = text + start, *end = text + len;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
        p++;
        xf_vec_push(&b->lines, (size_t)(p - text));
    }
}

static size_t byte_off(const struct builder *b, yaml_mark_t m)
{
    if (b->ascii)
        return m.index < b->len ? m.index : b->len;
    if (m.line >= b->lines.n)
        return b->len;
    size_t off = b->lines.v[m.line];
    for (size_t c = 0; c < m.column && off < b->len; c++) {
        unsigned char ch = (unsigned char)b->text[off];
        if (ch == '\r' && off + 1 < b->len && b->text[off + 1] == '\n')
            break;
        off += ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
    }
    return off < b->len ? off : b->len;
}

static struct xf_ynode *new_node(struct builder *b, enum xf_ynode_kind kind, yaml_mark_t start)
{
    struct xf_ynode *n = XF_ANEW(b->a, struct xf_ynode);
    n->kind = kind;
    n->loc.src = b->src;
    n->loc.off = byte_off(b, start);
    n->weight = 1;
    return n;
}

/* True when the next child of the open container is a mapping key. */
static bool at_key(const struct builder *b)
{
    if (b->frames.n == 0)
        return false;
    const struct frame *f = &b->frames.v[b->frames.n - 1];
    return f->node->kind == XF_Y_MAP && (b->stack.n - f->base) % 2 == 0;
}

static bool is_open(const struct builder *b, const struct xf_ynode *n)
{
    for (size_t i = 0; i < b->frames.n; i++)
        if (b->frames.v[i].node == n)
            return true;
    return false;
}

/* Sums the children's weights into the closing container's. */
static void weigh(struct builder *b, struct frame *f)
{
    size_t w = 1;
    for (size_t i = f->base; i < b->stack.n; i++) {
        size_t c = b->stack.v[i]->weight;
        w = w > SIZE_MAX - c ? SIZE_MAX : w + c;
    }
    f->node->weight = w;
}

/*
 * A complex key would be turned into text, nested keys into text of
 * text: PyYAML (dbt's loader) refuses them as unhashable, and so do we.
 */
static int refuse_key(struct builder *b, yaml_mark_t m, const char *what, size_t *err_off,
                      struct xf_buf *msg)
{
    *err_off = byte_off(b, m);
    xf_buf_addf(msg,
                "a mapping key must be a plain value, found a %s (dbt's YAML loader refuses it)",
                what);
    b->raw = true;
    return -1;
}

static void set_anchor(struct builder *b, const yaml_char_t *anchor, struct xf_ynode *n)
{
    if (!anchor)
        return;
    char *name = xf_arena_strdup(b->a, (const char *)anchor);
    xf_map_put(&b->anchors, xf_str_c(name), n);
}

/* Adds a finished node to the container being built (or makes it the root). */
static void add_child(struct builder *b, struct xf_ynode *n)
{
    if (b->frames.n == 0) {
        if (!b->root)
            b->root = n;
        return;
    }
    xf_vec_push(&b->stack, n);
}

static bool is_merge_key(const struct xf_ynode *k)
{
    return k->kind == XF_Y_SCALAR && !k->quoted && xf_str_eqc(k->str, "<<");
}

static bool map_has(struct xf_ynode **keys, size_t n, struct xf_str key)
{
    for (size_t i = 0; i < n; i++) {
        if (keys[i]->kind == XF_Y_SCALAR && xf_str_eq(keys[i]->str, key))
            return true;
    }
    return false;
}

/*
 * Closes a mapping: pairs on the stack become keys/vals; `<<: *alias`
 * merge keys (a mapping or a list of mappings) bring in the keys not given
 * explicitly, first (as PyYAML orders them), earlier sources winning.
 */
static void close_map(struct builder *b, struct frame *f)
{
    size_t cnt = b->stack.n - f->base;
    struct xf_ynode **kv = cnt ? b->stack.v + f->base : NULL; /* v is NULL before a push */
    size_t npairs = cnt / 2, nmerged = 0;
    bool has_merge = false;
    for (size_t i = 0; i < npairs; i++) {
        if (is_merge_key(kv[2 * i])) {
            has_merge = true;
            const struct xf_ynode *v = kv[2 * i + 1];
            if (v->kind == XF_Y_MAP)
                nmerged += v->n;
            else if (v->kind == XF_Y_SEQ)
                for (size_t j = 0; j < v->n; j++)
                    nmerged += v->items[j]->kind == XF_Y_MAP ? v->items[j]->n : 0;
        }
    }
    size_t cap = npairs + nmerged;
    struct xf_ynode **keys = XF_ANEWN(b->a, struct xf_ynode *, cap ? cap : 1);
    struct xf_ynode **vals = XF_ANEWN(b->a, struct xf_ynode *, cap ? cap : 1);
    size_t n = 0;
    if (has_merge) {
        for (size_t i = 0; i < npairs; i++) {
            if (!is_merge_key(kv[2 * i]))
                continue;
            struct xf_ynode *v = kv[2 * i + 1];
            struct xf_ynode **srcs = &v;
            size_t nsrc = 1;
            if (v->kind == XF_Y_SEQ) {
                srcs = v->items;
                nsrc = v->n;
            }
            for (size_t s = 0; s < nsrc; s++) {
                const struct xf_ynode *m = srcs[s];
                if (m->kind != XF_Y_MAP)
                    continue;
                for (size_t j = 0; j < m->n; j++) {
                    struct xf_ynode *k = m->keys[j];
                    if (k->kind != XF_Y_SCALAR || map_has(keys, n, k->str))
                        continue;
                    bool explicit = false;
                    for (size_t q = 0; q < npairs && !explicit; q++)
                        explicit = !is_merge_key(kv[2 * q]) && kv[2 * q]->kind == XF_Y_SCALAR &&
                                   xf_str_eq(kv[2 * q]->str, k->str);
                    if (explicit)
                        continue;
                    keys[n] = k;
                    vals[n] = m->items[j];
                    n++;
                }
            }
        }
    }
    for (size_t i = 0; i < npairs; i++) {
        if (has_merge && is_merge_key(kv[2 * i]))
            continue;
        keys[n] = kv[2 * i];
        vals[n] = kv[2 * i + 1];
        n++;
    }
    f->node->keys = keys;
    f->node->items = vals;
    f->node->n = n;
    b->stack.n = f->base;
}

static void close_seq(struct builder *b, struct frame *f)
{
    size_t cnt = b->stack.n - f->base;
    struct xf_ynode **items = XF_ANEWN(b->a, struct xf_ynode *, cnt ? cnt : 1);
    if (cnt) /* b->stack.v is NULL before the first push: no NULL + 0 */
        memcpy(items, b->stack.v + f->base, cnt * sizeof *items);
    f->node->items = items;
    f->node->n = cnt;
    b->stack.n = f->base;
}

static const char *problem_text(const yaml_parser_t *p)
{
    return p->problem ? p->problem : "invalid YAML";
}

/*
 * The event loop shared by the located and the string parser. Returns 0,
 * or -1 with *err_off and msg set.
 */
static int build(struct builder *b, const char *text, size_t len, size_t *err_off,
                 struct xf_buf *msg)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int err = 0, docs = 0;
    bool done = false;

    if (!yaml_parser_initialize(&parser))
        xf_die_oom();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_READER_ERROR) {
                *err_off = parser.problem_offset;
                xf_buf_addf(msg, "%s", problem_text(&parser));
            } else {
                *err_off = byte_off(b, parser.problem_mark);
                xf_buf_adds(msg, problem_text(&parser));
                if (parser.context)
                    xf_buf_addf(msg, " (%s at line %zu)", parser.context,
                                (size_t)parser.context_mark.line + 1);
            }
            err = -1;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                *err_off = byte_off(b, ev.start_mark);
                xf_buf_adds(msg, "expected a single document in the stream, found another one");
                err = -1;
                done = true;
            }
            break;
        case YAML_ALIAS_EVENT: {
            const char *name = (const char *)ev.data.alias.anchor;
            struct xf_ynode *n = xf_map_getc(&b->anchors, name);
            if (!n) {
                *err_off = byte_off(b, ev.start_mark);
                xf_buf_addf(msg, "found undefined alias '%s'", name);
                err = -1;
                done = true;
                break;
            }
            if (is_open(b, n)) {
                *err_off = byte_off(b, ev.start_mark);
                xf_buf_addf(msg, "alias '*%s' refers to a node that contains it", name);
                b->raw = true;
                err = -1;
                done = true;
                break;
            }
            if (n->kind != XF_Y_SCALAR && at_key(b)) {
                err = refuse_key(b, ev.start_mark, n->kind == XF_Y_MAP ? "mapping" : "sequence",
                                 err_off, msg);
                done = true;
                break;
            }
            b->alias_nodes =
                n->weight > SIZE_MAX - b->alias_nodes ? SIZE_MAX : b->alias_nodes + n->weight;
            if (b->alias_nodes > b->max_alias_nodes) {
                *err_off = byte_off(b, ev.start_mark);
                xf_buf_addf(msg,
                            "yaml alias expansion exceeds %zu nodes at alias '*%s' (set "
                            "XFORM_YAML_MAX_NODES to allow more)",
                            b->max_alias_nodes, name);
                b->raw = true;
                err = -1;
                done = true;
                break;
            }
            add_child(b, n);
            break;
        }
        case YAML_SCALAR_EVENT: {
            struct xf_ynode *n = new_node(b, XF_Y_SCALAR, ev.start_mark);
            n->loc.len = byte_off(b, ev.end_mark) - n->loc.off;
            /* NUL-terminated copies: values made from scalars are C strings */
            n->str.p =
                xf_arena_strndup(b->sa, (const char *)ev.data.scalar.value, ev.data.scalar.length);
            n->str.len = ev.data.scalar.length;
            const char *tag = (const char *)ev.data.scalar.tag;
            n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                        (tag && (!strcmp(tag, YAML_STR_TAG) || !strcmp(tag, "!")));
            set_anchor(b, ev.data.scalar.anchor, n);
            add_child(b, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            if (b->frames.n >= MAX_DEPTH) {
                *err_off = byte_off(b, ev.start_mark);
                xf_buf_addf(msg, "nesting deeper than %d levels", MAX_DEPTH);
                err = -1;
                done = true;
                break;
            }
            bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
            if (at_key(b)) {
                err = refuse_key(b, ev.start_mark, seq ? "sequence" : "mapping", err_off, msg);
                done = true;
                break;
            }
            struct xf_ynode *n = new_node(b, seq ? XF_Y_SEQ : XF_Y_MAP, ev.start_mark);
            set_anchor(b, seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor, n);
            /* A container is a child of its parent from the start, so the
             * parent's order is kept; it is filled when it closes. */
            add_child(b, n);
            xf_vec_push(&b->frames, ((struct frame){n, b->stack.n}));
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            struct frame f = b->frames.v[--b->frames.n];
            f.node->loc.len = byte_off(b, ev.end_mark) - f.node->loc.off;
            weigh(b, &f);
            if (f.node->kind == XF_Y_MAP)
                close_map(b, &f);
            else
                close_seq(b, &f);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return err;
}

static void builder_init(struct builder *b, struct xf_arena *a, const struct xf_source *src)
{
    memset(b, 0, sizeof *b);
    b->a = a;
    b->sa = a;
    b->src = src;
    b->max_alias_nodes = XF_YAML_MAX_ALIAS_NODES;
    xf_map_init(&b->anchors);
}

/* XFORM_YAML_MAX_NODES, when set, replaces the alias budget. */
static int read_limit(struct builder *b, struct xf_buf *msg)
{
    const char *e = getenv("XFORM_YAML_MAX_NODES");
    if (!e)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(e, &end, 10);
    if (errno || end == e || *end || v == 0 || e[0] == '-') {
        xf_buf_addf(msg, "XFORM_YAML_MAX_NODES is '%s', expected a positive whole number", e);
        b->raw = true;
        return -1;
    }
    b->max_alias_nodes = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
    return 0;
}

static void builder_release(struct builder *b)
{
    xf_vec_release(&b->stack);
    xf_vec_release(&b->frames);
    xf_vec_release(&b->lines);
    xf_map_release(&b->anchors);
}

static struct xf_ynode *empty_map(struct builder *b)
{
    struct xf_ynode *n = XF_ANEW(b->a, struct xf_ynode);
    n->kind = XF_Y_MAP;
    n->loc.src = b->src;
    return n;
}

/* A document that is only a plain null (`~`, empty) counts as empty. */
static bool is_null_scalar(const struct xf_ynode *n)
{
    if (n->kind != XF_Y_SCALAR || n->quoted)
        return false;
    return n->str.len == 0 || xf_str_eqc(n->str, "~") || xf_str_eqc(n->str, "null") ||
           xf_str_eqc(n->str, "Null") || xf_str_eqc(n->str, "NULL");
}

int xf_yaml_parse_in(struct xf_ynode **out, struct xf_arena *nodes, struct xf_arena *strings,
                     const struct xf_source *src, struct xf_diags *diags)
{
    struct builder b;
    struct xf_buf msg = XF_BUF_INIT;
    size_t off = 0;
    builder_init(&b, nodes, src);
    b.sa = strings;
    index_lines(&b, src->text, src->len);
    int err = read_limit(&b, &msg);
    if (err == 0)
        err = build(&b, src->text, src->len, &off, &msg);
    if (err < 0) {
        struct xf_loc loc = {src, off, 1};
        xf_error(diags, loc, "%s%s", b.raw ? "" : "invalid YAML: ", msg.ptr);
        *out = NULL;
    } else {
        *out = b.root && !is_null_scalar(b.root) ? b.root : empty_map(&b);
    }
    xf_buf_release(&msg);
    builder_release(&b);
    return err;
}

int xf_yaml_parse(struct xf_ynode **out, struct xf_arena *a, const struct xf_source *src,
                  struct xf_diags *diags)
{
    return xf_yaml_parse_in(out, a, a, src, diags);
}

int xf_yaml_parse_str(struct xf_ynode **out, struct xf_arena *a, const char *text, size_t len,
                      struct xf_buf *errout)
{
    struct builder b;
    struct xf_buf msg = XF_BUF_INIT;
    size_t off = 0;
    builder_init(&b, a, NULL);
    index_lines(&b, text, len);
    int err = read_limit(&b, &msg);
    if (err == 0)
        err = build(&b, text, len, &off, &msg);
    if (err < 0) {
        struct xf_source s = {"", text, len};
        unsigned line, col;
        xf_loc_linecol(&s, off, &line, &col);
        if (errout)
            xf_buf_addf(errout, "%u:%u: %s", line, col, msg.ptr);
        *out = NULL;
    } else {
        *out = b.root && !is_null_scalar(b.root) ? b.root : empty_map(&b);
    }
    xf_buf_release(&msg);
    builder_release(&b);
    return err;
}

bool xf_ynode_is_null(const struct xf_ynode *n)
{
    return !n || is_null_scalar(n);
}

struct xf_ynode *xf_ynode_get(const struct xf_ynode *map, const char *key)
{
    if (!map || map->kind != XF_Y_MAP)
        return NULL;
    struct xf_str k = xf_str_c(key);
    for (size_t i = 0; i < map->n; i++) {
        if (map->keys[i]->kind == XF_Y_SCALAR && xf_str_eq(map->keys[i]->str, k))
            return map->items[i];
    }
    return NULL;
}

/* ---- YAML 1.1 resolution of plain scalars (as PyYAML's resolver) ---- */

static bool is_digit(char c, int base)
{
    switch (base) {
    case 2:
        return c == '0' || c == '1';
    case 8:
        return c >= '0' && c <= '7';
    case 16:
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    default:
        return c >= '0' && c <= '9';
    }
}

/* Digits (and '_') of `base` in s[i..len); true when at least one digit. */
static bool digits_to_end(const char *s, size_t i, size_t len, int base)
{
    bool any = false;
    for (; i < len; i++) {
        if (s[i] == '_')
            continue;
        if (!is_digit(s[i], base))
            return false;
        any = true;
    }
    return any;
}

/* Parses digits of `base` skipping '_'; false on overflow. */
static bool accumulate(const char *s, size_t i, size_t len, int base, bool neg, int64_t *out)
{
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] == '_')
            continue;
        char c = s[i];
        unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        if (v > (UINT64_MAX - d) / (unsigned)base)
            return false;
        v = v * (unsigned)base + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Sexagesimal part ":[0-5]?[0-9]" repeated; returns the end or 0. */
static size_t sexa_parts(const char *s, size_t i, size_t len, double *acc)
{
    size_t start = i;
    while (i < len && s[i] == ':') {
        size_t j = i + 1, nd = 0;
        while (j < len && s[j] >= '0' && s[j] <= '9' && nd < 2) {
            j++;
            nd++;
        }
        if (nd == 0 || (nd == 2 && s[i + 1] > '5'))
            return 0;
        int part = nd == 1 ? s[i + 1] - '0' : (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        *acc = *acc * 60 + part;
        i = j;
    }
    return i > start ? i : 0;
}

static bool resolve_int(struct xf_str str, int64_t *out)
{
    const char *s = str.p;
    size_t len = str.len, i = 0;
    bool neg = false;
    if (len && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= len)
        return false;
    if (len - i > 2 && s[i] == '0' && s[i + 1] == 'b')
        return digits_to_end(s, i + 2, len, 2) && accumulate(s, i + 2, len, 2, neg, out);
    if (len - i > 2 && s[i] == '0' && s[i + 1] == 'x')
        return digits_to_end(s, i + 2, len, 16) && accumulate(s, i + 2, len, 16, neg, out);
    if (s[i] == '0' && len - i > 1)
        return digits_to_end(s, i + 1, len, 8) && accumulate(s, i + 1, len, 8, neg, out);
    if (s[i] == '0')
        return *out = 0, true;
    if (s[i] < '1' || s[i] > '9')
        return false;
    size_t j = i;
    while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == '_'))
        j++;
    if (j == len)
        return accumulate(s, i, len, 10, neg, out);
    /* base 60: [1-9][0-9_]*(:[0-5]?[0-9])+ */
    int64_t head;
    if (!accumulate(s, i, j, 10, false, &head))
        return false;
    double acc = (double)head;
    if (sexa_parts(s, j, len, &acc) != len || acc > 9e18)
        return false;
    *out = neg ? -(int64_t)acc : (int64_t)acc;
    return true;
}

static bool resolve_float(struct xf_arena *a, struct xf_str str, double *out)
{
    const char *s = str.p;
    size_t len = str.len, i = 0;
    bool neg = false;
    if (xf_str_eqc(str, ".nan") || xf_str_eqc(str, ".NaN") || xf_str_eqc(str, ".NAN"))
        return *out = NAN, true;
    if (len && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    struct xf_str rest = {s + i, len - i};
    if (xf_str_eqc(rest, ".inf") || xf_str_eqc(rest, ".Inf") || xf_str_eqc(rest, ".INF"))
        return *out = neg ? -INFINITY : INFINITY, true;
    /* [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*  (base 60 float) */
    size_t j = i;
    while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == '_'))
        j++;
    if (j > i && s[i] != '_' && j < len && s[j] == ':') {
        int64_t head;
        if (!accumulate(s, i, j, 10, false, &head))
            return false;
        double acc = (double)head;
        size_t e = sexa_parts(s, j, len, &acc);
        if (!e || e >= len || s[e] != '.')
            return false;
        for (size_t k = e + 1; k < len; k++)
            if (!((s[k] >= '0' && s[k] <= '9') || s[k] == '_'))
                return false;
        double frac = 0, scale = 0.1;
        for (size_t k = e + 1; k < len; k++) {
            if (s[k] == '_')
                continue;
            frac += (s[k] - '0') * scale;
            scale /= 10;
        }
        acc += frac;
        return *out = neg ? -acc : acc, true;
    }
    /* [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?  ('.' required; a
     * leading '.' needs a digit after it) */
    if (j > i && s[i] == '_')
        return false;
    if (j >= len || s[j] != '.')
        return false;
    bool int_digits = j > i;
    size_t k = j + 1, frac_start = k;
    while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == '_'))
        k++;
    if (!int_digits && (k == frac_start || s[frac_start] == '_'))
        return false;
    if (k < len) {
        if (s[k] != 'e' && s[k] != 'E')
            return false;
        k++;
        if (k >= len || (s[k] != '-' && s[k] != '+'))
            return false;
        k++;
        if (k >= len)
            return false;
        for (; k < len; k++)
            if (s[k] < '0' || s[k] > '9')
                return false;
    }
    /* strtod wants no underscores */
    char *tmp = xf_arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t q = 0; q < len; q++)
        if (s[q] != '_')
            tmp[n++] = s[q];
    tmp[n] = 0;
    *out = strtod(tmp, NULL);
    return true;
}

static bool str_in(struct xf_str s, const char *const *list)
{
    for (; *list; list++)
        if (xf_str_eqc(s, *list))
            return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"yes",  "Yes", "YES", "true", "True",
                                         "TRUE", "on",  "On",  "ON",   NULL};
static const char *const false_words[] = {"no",    "No",  "NO",  "false", "False",
                                          "FALSE", "off", "Off", "OFF",   NULL};

/* Resolution of a plain scalar's text; strings are not copied. */
static struct xf_value resolve_plain(struct xf_arena *a, struct xf_str s)
{
    /* Most scalars are names: only these first characters can start a
     * null, a boolean or a number. */
    if (s.len && !strchr("~nNyYtTfFoO0123456789-+.", s.p[0]))
        return xf_v_str(s);
    if (str_in(s, null_words))
        return xf_v_none();
    if (str_in(s, true_words))
        return xf_v_bool(true);
    if (str_in(s, false_words))
        return xf_v_bool(false);
    if (s.len &&
        ((s.p[0] >= '0' && s.p[0] <= '9') || s.p[0] == '-' || s.p[0] == '+' || s.p[0] == '.')) {
        int64_t i;
        double f;
        if (resolve_int(s, &i))
            return xf_v_int(i);
        if (resolve_float(a, s, &f))
            return xf_v_float(f);
        /* a decimal integer past 64 bits: the nearest float */
        size_t k = s.p[0] == '-' || s.p[0] == '+';
        if (s.len > k && s.p[k] != '0' && digits_to_end(s.p, k, s.len, 10)) {
            char *tmp = xf_arena_strndup(a, s.p, s.len);
            size_t n = 0;
            for (size_t q = 0; q < s.len; q++)
                if (tmp[q] != '_')
                    tmp[n++] = tmp[q];
            tmp[n] = 0;
            return xf_v_float(strtod(tmp, NULL));
        }
    }
    return xf_v_str(s);
}

static struct xf_value node_value(struct xf_arena *a, const struct xf_ynode *n, int depth)
{
    if (!n || depth > MAX_DEPTH)
        return xf_v_none();
    switch (n->kind) {
    case XF_Y_SCALAR:
        if (n->quoted)
            return xf_v_str(n->str);
        return resolve_plain(a, n->str);
    case XF_Y_SEQ: {
        struct xf_value l = xf_v_list(a, n->n);
        for (size_t i = 0; i < n->n; i++)
            xf_list_push(a, l.u.l, node_value(a, n->items[i], depth + 1));
        return l;
    }
    case XF_Y_MAP: {
        struct xf_value d = xf_v_dict(a, n->n);
        for (size_t i = 0; i < n->n; i++) {
            /* the parser lets only scalars be keys */
            const struct xf_ynode *k = n->keys[i];
            if (k->kind != XF_Y_SCALAR)
                continue;
            struct xf_str key = k->str;
            xf_dict_set(a, d.u.d, key, node_value(a, n->items[i], depth + 1));
        }
        return d;
    }
    }
    return xf_v_none();
}

struct xf_value xf_ynode_value(struct xf_arena *a, const struct xf_ynode *n)
{
    return node_value(a, n, 0);
}

/* ---- toyaml through libyaml's emitter ---- */

static int write_buf(void *data, unsigned char *buffer, size_t size)
{
    xf_buf_add(data, buffer, size);
    return 1;
}

static int emit_scalar(yaml_emitter_t *em, const char *s, size_t len, bool plain_ok)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(
        &ev, NULL, NULL, (yaml_char_t *)(s ? s : ""), (int)len, plain_ok, 1,
        plain_ok ? YAML_ANY_SCALAR_STYLE : YAML_SINGLE_QUOTED_SCALAR_STYLE);
    return yaml_emitter_emit(em, &ev);
}

static int emit_value(yaml_emitter_t *em, struct xf_arena *a, const struct xf_value *v, int depth)
{
    yaml_event_t ev;
    char num[64];
    if (depth > MAX_DEPTH)
        return emit_scalar(em, "null", 4, true);
    switch (v->t) {
    case XF_V_UNDEF:
    case XF_V_NONE:
        return emit_scalar(em, "null", 4, true);
    case XF_V_BOOL:
        return v->u.b ? emit_scalar(em, "true", 4, true) : emit_scalar(em, "false", 5, true);
    case XF_V_INT:
        snprintf(num, sizeof num, "%" PRId64, v->u.i);
        return emit_scalar(em, num, strlen(num), true);
    case XF_V_FLOAT: {
        double f = v->u.f;
        if (isnan(f))
            snprintf(num, sizeof num, ".nan");
        else if (isinf(f))
            snprintf(num, sizeof num, "%s", f < 0 ? "-.inf" : ".inf");
        else {
            snprintf(num, sizeof num, "%.17g", f);
            /* shortest form that reads back the same, as Python's repr */
            for (int prec = 1; prec <= 17; prec++) {
                char t[64];
                snprintf(t, sizeof t, "%.*g", prec, f);
                if (strtod(t, NULL) == f) {
                    memcpy(num, t, sizeof t);
                    break;
                }
            }
            if (!strpbrk(num, ".e") && !strpbrk(num, "n"))
                strcat(num, ".0");
        }
        return emit_scalar(em, num, strlen(num), true);
    }
    case XF_V_STR: {
        struct xf_value r = resolve_plain(a, v->u.s);
        return emit_scalar(em, v->u.s.p, v->u.s.len, r.t == XF_V_STR);
    }
    case XF_V_LIST:
        yaml_sequence_start_event_initialize(
            &ev, NULL, NULL, 1, v->u.l->n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        for (size_t i = 0; i < v->u.l->n; i++)
            if (!emit_value(em, a, &v->u.l->items[i], depth + 1))
                return 0;
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    case XF_V_DICT:
        yaml_mapping_start_event_initialize(
            &ev, NULL, NULL, 1, v->u.d->n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        for (size_t i = 0; i < v->u.d->n; i++) {
            struct xf_value k = xf_v_str(v->u.d->ents[i].key);
            if (!emit_value(em, a, &k, depth + 1) ||
                !emit_value(em, a, &v->u.d->ents[i].val, depth + 1))
                return 0;
        }
        yaml_mapping_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    default: {
        struct xf_buf b = XF_BUF_INIT;
        xf_value_str(&b, v);
        char *s = xf_arena_strndup(a, b.ptr, b.len);
        size_t n = b.len;
        xf_buf_release(&b);
        struct xf_value sv = xf_v_str(xf_str_n(s, n));
        return emit_value(em, a, &sv, depth + 1);
    }
    }
}

void xf_yaml_emit(struct xf_buf *out, const struct xf_value *v)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    struct xf_arena a;
    xf_arena_init(&a);
    if (!yaml_emitter_initialize(&em))
        xf_die_oom();
    yaml_emitter_set_output(&em, write_buf, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, 80);
    yaml_emitter_set_indent(&em, 2);
    int ok = 1;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    ok = ok && yaml_emitter_emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&em, &ev);
    ok = ok && emit_value(&em, &a, v, 0);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&em, &ev);
    yaml_emitter_delete(&em);
    xf_arena_release(&a);
}
