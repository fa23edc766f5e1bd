// SPDX-License-Identifier: MIT
/*
 * `xform lineage`: the selected part of the dependency graph as text for a
 * terminal (an indented tree), Graphviz dot, Mermaid or JSON. Tests are
 * left out (lineage is about data: seeds, sources, models, snapshots,
 * analyses). Every format is one pass over the topological order.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "artifacts/artifacts.h"
#include "util/value.h"

static const char *const format_names[] = {"text", "dot", "mermaid", "json"};

int xf_lineage_format_parse(enum xf_lineage_format *out, const char *name)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++) {
        if (!strcmp(name, format_names[i])) {
            *out = (enum xf_lineage_format)i;
            return 0;
        }
    }
    return -1;
}

static const char *materialized(const struct xf_node *n)
{
    if (n->type != XF_RES_MODEL && n->type != XF_RES_SNAPSHOT)
        return NULL;
    if (n->config.t == XF_V_DICT) {
        const struct xf_value *v = xf_dict_getc(n->config.u.d, "materialized");
        if (v && v->t == XF_V_STR)
            return v->u.s.p;
    }
    return n->type == XF_RES_MODEL ? "view" : "snapshot";
}

/* What a person calls the node: "orders", "dim.v2", or "jaffle_shop.raw_orders" for a source. */
static void label(struct xf_buf *out, const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE && n->source_name)
        xf_buf_addf(out, "%s.%s", n->source_name, n->name);
    else if (n->version) /* a model version: "dim.v2", as --select names it */
        xf_buf_addf(out, "%s.v%s", n->name, n->version);
    else
        xf_buf_adds(out, n->name);
}

struct lin {
    const struct xf_graph *g;
    const bool *sel;
    struct xf_buf *out;
    struct xf_buf tmp;
};

static bool shown(const struct lin *l, uint32_t i)
{
    return (!l->sel || l->sel[i]) && l->g->all[i]->type != XF_RES_TEST &&
           l->g->all[i]->type != XF_RES_UNIT_TEST;
}

static uint32_t order_at(const struct xf_graph *g, size_t k)
{
    return g->order ? g->order[k] : (uint32_t)k;
}

/* ---- text: a tree from every root, each subtree expanded once ---- */

static bool has_shown_parent(const struct lin *l, uint32_t i)
{
    for (uint32_t k = 0; k < l->g->nparents[i]; k++) {
        if (shown(l, l->g->parents[i][k]))
            return true;
    }
    return false;
}

struct frame {
    uint32_t node, next; /* next child to visit */
};

/* One tree line; last[d] says whether the ancestor at depth d was a last child. */
static void text_line(struct lin *l, const bool *last, size_t depth, uint32_t i, bool again)
{
    struct xf_buf *o = l->out;
    for (size_t d = 0; d < depth; d++) {
        bool is_last = last[d];
        if (d + 1 == depth)
            xf_buf_adds(o, is_last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 "   /* └── */
                                   : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 "); /* ├── */
        else
            xf_buf_adds(o, is_last ? "    " : "\xe2\x94\x82   "); /* │ */
    }
    const struct xf_node *n = l->g->all[i];
    label(o, n);
    const char *m = materialized(n);
    if (m)
        xf_buf_addf(o, " (%s, %s)", xf_resource_name(n->type), m);
    else
        xf_buf_addf(o, " (%s)", xf_resource_name(n->type));
    if (again)
        xf_buf_adds(o, " [see above]");
    xf_buf_addch(o, '\n');
}

/* The k-th shown child of i after position `from`, or UINT32_MAX. */
static uint32_t next_child(const struct lin *l, uint32_t i, uint32_t *from)
{
    while (*from < l->g->nchildren[i]) {
        uint32_t c = l->g->children[i][(*from)++];
        if (shown(l, c))
            return c;
    }
    return UINT32_MAX;
}

static bool more_children(const struct lin *l, uint32_t i, uint32_t from)
{
    return next_child(l, i, &from) != UINT32_MAX;
}

static void write_text(struct lin *l)
{
    const struct xf_graph *g = l->g;
    bool *done = xf_calloc(g->n + 1, sizeof *done);
    XF_VEC(struct frame) stack = {0};
    XF_VEC(bool) last = {0};
    for (size_t k = 0; k < g->n; k++) {
        uint32_t root = order_at(g, k);
        if (!shown(l, root) || has_shown_parent(l, root))
            continue;
        text_line(l, last.v, 0, root, false);
        done[root] = true;
        xf_vec_push(&stack, ((struct frame){root, 0}));
        while (stack.n) {
            struct frame *f = &stack.v[stack.n - 1];
            uint32_t c = next_child(l, f->node, &f->next);
            if (c == UINT32_MAX) {
                stack.n--;
                if (last.n)
                    last.n--;
                continue;
            }
            bool is_last = !more_children(l, f->node, f->next);
            xf_vec_push(&last, is_last);
            text_line(l, last.v, last.n, c, done[c]);
            if (done[c]) {
                last.n--;
                continue;
            }
            done[c] = true;
            xf_vec_push(&stack, ((struct frame){c, 0}));
        }
    }
    free(done);
    xf_vec_release(&stack);
    xf_vec_release(&last);
}

/* ---- dot ---- */

static void dot_string(struct xf_buf *o, const char *s)
{
    xf_buf_addch(o, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            xf_buf_addch(o, '\\');
        if (*s == '\n') {
            xf_buf_adds(o, "\\n");
            continue;
        }
        xf_buf_addch(o, *s);
    }
    xf_buf_addch(o, '"');
}

static const char *dot_shape(enum xf_resource r)
{
    switch (r) {
    case XF_RES_SOURCE:
        return "shape=cylinder, fillcolor=\"#d8f0d8\"";
    case XF_RES_SEED:
        return "shape=note, fillcolor=\"#e6e6fa\"";
    case XF_RES_SNAPSHOT:
        return "shape=box3d, fillcolor=\"#fde8cf\"";
    case XF_RES_ANALYSIS:
        return "shape=component, fillcolor=\"#eeeeee\"";
    case XF_RES_TEST:
    case XF_RES_UNIT_TEST:
        return "shape=diamond, fillcolor=\"#fbe3e3\"";
    case XF_RES_EXPOSURE:
        return "shape=cds, fillcolor=\"#fff4c2\"";
    case XF_RES_METRIC:
    case XF_RES_SEMANTIC_MODEL:
    case XF_RES_SAVED_QUERY:
        return "shape=hexagon, fillcolor=\"#e0f4f4\"";
    case XF_RES_MODEL:
        break;
    }
    return "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f9\"";
}

static void write_dot(struct lin *l)
{
    const struct xf_graph *g = l->g;
    struct xf_buf *o = l->out;
    xf_buf_adds(o, "digraph lineage {\n"
                   "    rankdir=LR;\n"
                   "    node [style=filled, fontname=\"Helvetica\", fontsize=11];\n"
                   "    edge [color=\"#7a869a\"];\n");
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = order_at(g, k);
        if (!shown(l, i))
            continue;
        const struct xf_node *n = g->all[i];
        xf_buf_adds(o, "    ");
        dot_string(o, n->unique_id);
        xf_buf_adds(o, " [label=");
        xf_buf_reset(&l->tmp);
        label(&l->tmp, n);
        dot_string(o, l->tmp.ptr);
        xf_buf_addf(o, ", %s];\n", dot_shape(n->type));
    }
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = order_at(g, k);
        if (!shown(l, i))
            continue;
        for (uint32_t c = 0; c < g->nchildren[i]; c++) {
            uint32_t j = g->children[i][c];
            if (!shown(l, j))
                continue;
            xf_buf_adds(o, "    ");
            dot_string(o, g->all[i]->unique_id);
            xf_buf_adds(o, " -> ");
            dot_string(o, g->all[j]->unique_id);
            xf_buf_adds(o, ";\n");
        }
    }
    xf_buf_adds(o, "}\n");
}

/* ---- mermaid ---- */

/* Mermaid labels are quoted; a quote is written as an entity. */
static void mermaid_text(struct xf_buf *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '"':
            xf_buf_adds(o, "#quot;");
            break;
        case '<':
            xf_buf_adds(o, "#lt;");
            break;
        case '>':
            xf_buf_adds(o, "#gt;");
            break;
        case '\n':
            xf_buf_addch(o, ' ');
            break;
        default:
            xf_buf_addch(o, *s);
        }
    }
}

static void write_mermaid(struct lin *l)
{
    const struct xf_graph *g = l->g;
    struct xf_buf *o = l->out;
    xf_buf_adds(o, "graph LR\n");
    /* Node ids are n<index>: unique ids hold dots, which Mermaid reads as syntax. */
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = order_at(g, k);
        if (!shown(l, i))
            continue;
        const struct xf_node *n = g->all[i];
        /* by enum xf_resource: ... source, then exposure (a flag: a leaf), metric,
         * semantic model, saved query, unit test */
        static const char *const open[] = {"[\"", "[/\"", "[[\"", "{\"",   "([\"", "[(\"",
                                           ">\"", "{{\"", "[/\"", "[\\\"", "{\""};
        static const char *const close[] = {"\"]", "\"/]", "\"]]",  "\"}",  "\"])", "\")]",
                                            "\"]", "\"}}", "\"\\]", "\"/]", "\"}"};
        xf_buf_addf(o, "    n%u%s", (unsigned)i, open[n->type]);
        xf_buf_reset(&l->tmp);
        label(&l->tmp, n);
        mermaid_text(o, l->tmp.ptr);
        xf_buf_addf(o, "%s:::%s\n", close[n->type], xf_resource_name(n->type));
    }
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = order_at(g, k);
        if (!shown(l, i))
            continue;
        for (uint32_t c = 0; c < g->nchildren[i]; c++) {
            uint32_t j = g->children[i][c];
            if (shown(l, j))
                xf_buf_addf(o, "    n%u --> n%u\n", (unsigned)i, (unsigned)j);
        }
    }
    xf_buf_adds(o, "    classDef model fill:#dbe9f9,stroke:#4a78b0\n"
                   "    classDef source fill:#d8f0d8,stroke:#3f8f3f\n"
                   "    classDef seed fill:#e6e6fa,stroke:#6a5acd\n"
                   "    classDef snapshot fill:#fde8cf,stroke:#c77c1e\n"
                   "    classDef analysis fill:#eeeeee,stroke:#777777\n"
                   "    classDef exposure fill:#fff4c2,stroke:#b08d00\n"
                   "    classDef metric fill:#e0f4f4,stroke:#2f8f8f\n"
                   "    classDef semantic_model fill:#e0f4f4,stroke:#2f8f8f\n"
                   "    classDef saved_query fill:#e0f4f4,stroke:#2f8f8f\n");
}

/* ---- json ---- */

static void write_json(struct lin *l)
{
    const struct xf_graph *g = l->g;
    json_t *root = json_object(), *nodes = json_array(), *edges = json_array();
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = order_at(g, k);
        if (!shown(l, i))
            continue;
        const struct xf_node *n = g->all[i];
        json_t *o = json_object();
        json_object_set_new(o, "unique_id", json_string(n->unique_id));
        json_object_set_new(o, "name", json_string(n->name));
        json_object_set_new(o, "resource_type", json_string(xf_resource_name(n->type)));
        if (n->type == XF_RES_SOURCE && n->source_name)
            json_object_set_new(o, "source_name", json_string(n->source_name));
        const char *m = materialized(n);
        if (m)
            json_object_set_new(o, "materialized", json_string(m));
        if (n->original_file_path)
            json_object_set_new(o, "original_file_path", json_string(n->original_file_path));
        json_array_append_new(nodes, o);
        for (uint32_t c = 0; c < g->nchildren[i]; c++) {
            uint32_t j = g->children[i][c];
            if (shown(l, j))
                json_array_append_new(edges, json_pack("[ss]", n->unique_id, g->all[j]->unique_id));
        }
    }
    json_object_set_new(root, "nodes", nodes);
    json_object_set_new(root, "edges", edges);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!s)
        xf_die_oom();
    xf_buf_adds(l->out, s);
    xf_buf_addch(l->out, '\n');
    free(s);
    json_decref(root);
}

size_t xf_lineage_write(struct xf_buf *out, const struct xf_graph *g, const bool *sel,
                        enum xf_lineage_format f)
{
    struct lin l = {.g = g, .sel = sel, .out = out, .tmp = XF_BUF_INIT};
    size_t count = 0;
    for (size_t i = 0; i < g->n; i++)
        count += shown(&l, (uint32_t)i);
    switch (f) {
    case XF_LINEAGE_TEXT:
        write_text(&l);
        break;
    case XF_LINEAGE_DOT:
        write_dot(&l);
        break;
    case XF_LINEAGE_MERMAID:
        write_mermaid(&l);
        break;
    case XF_LINEAGE_JSON:
        write_json(&l);
        break;
    }
    xf_buf_release(&l.tmp);
    return count;
}
