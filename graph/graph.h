// SPDX-License-Identifier: MIT
/*
 * The dependency graph: nodes and sources of a project, edges from ref()
 * and source() (and tests to what they test), cycle detection that names
 * the cycle, topological order and node selection (--select/--exclude).
 */
#ifndef XF_GRAPH_GRAPH_H
#define XF_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "parser/project.h"
#include "util/diag.h"

struct xf_graph {
    struct xf_project *project;
    size_t n;             /* project nodes + sources + others */
    struct xf_node **all; /* [0, nodes.n) nodes, then sources, then project.others */
    uint32_t **parents;   /* parents[i]: indices into all, nparents[i] long */
    uint32_t *nparents;
    uint32_t **children;
    uint32_t *nchildren;
    uint32_t *order; /* topological order (parents first), n long */
    /*
     * disabled[i]: not a target. Set for config enabled=false and for a
     * test whose parent is missing or disabled (dbt warns and disables
     * such a test). Disabled nodes have no edges and are never selected.
     */
    bool *disabled;
    /*
     * For selection (graph/ internal): hashes (xf_str_hash) of each node's
     * name and of the first two dot-separated parts of its fqn, so a
     * selector by name scans three small arrays instead of every node.
     */
    uint64_t *name_hash, *fqn0_hash, *fqn1_hash;
    /*
     * What an earlier run left (--state), for the state:, result: and
     * source_status: methods; NULL without --state (those methods are then
     * an error). Filled by artifacts/state.c, owned by its caller.
     */
    const struct xf_state_marks *state;
};

/* ---- --state: how each node compares with an earlier manifest ---- */

/* Bits of xf_state_marks.flags, one set per node (dbt's state: sub-selectors). */
enum {
    XF_STATE_OLD = 1u << 0,          /* in the state manifest */
    XF_STATE_MOD_BODY = 1u << 1,     /* raw code (or seed file) differs */
    XF_STATE_MOD_CONFIGS = 1u << 2,  /* unrendered config differs (not database/schema/alias) */
    XF_STATE_MOD_RELATION = 1u << 3, /* configured database/schema/alias differ */
    XF_STATE_MOD_DESCS = 1u << 4,    /* persisted descriptions differ */
    XF_STATE_MOD_MACROS = 1u << 5,   /* a macro it calls changed */
    XF_STATE_MOD_CONTRACT = 1u << 6, /* its contract changed */
    XF_STATE_MOD_OTHER = 1u << 7,    /* fqn or anything else same_contents sees */
    XF_STATE_FRESHER = 1u << 8,      /* source_status:fresher */
};

struct xf_state_marks {
    uint16_t *flags;     /* g->n */
    const char **result; /* g->n: status in the state's run_results.json, or NULL */
    bool has_results;    /* the state folder has a run_results.json */
    bool has_sources;    /* both the state's and the current sources.json were read */
};

/*
 * Resolves every ref()/source() dependency recorded on the nodes (an
 * unknown name is an error at the call with "did you mean"), builds the
 * edges, checks for cycles (an error listing each edge of the cycle with
 * its file and line) and orders the nodes. Memory in project->arena.
 * Returns 0 or -1 with diagnostics.
 */
int xf_graph_build(struct xf_graph *g, struct xf_project *p, struct xf_diags *diags);

/*
 * dbt's access rules, after xf_graph_build (graph/access.c): each node's
 * group is defined and its access known; no ref to a private model from
 * outside its group nor to a protected one from another package. 0, or -1
 * with an error located at each offending ref.
 */
int xf_graph_check_access(const struct xf_graph *g, const struct xf_project *p,
                          struct xf_diags *diags);

/*
 * Index of a node in g->all (nodes keep their own index; sources follow).
 * xf_graph_build sets node->index to the node's position in
 * project->nodes, for a source to its position in project->sources, and
 * for an exposure, metric, semantic model, saved query or unit test to its
 * position in project->others.
 */
uint32_t xf_graph_index(const struct xf_graph *g, const struct xf_node *n);

/*
 * Evaluates selection with dbt's grammar. `select` and `exclude` are lists
 * of selector strings; in one string, space-separated selectors are a
 * union and comma-joined ones an intersection. A selector is
 *   [@ | N+ | +] [method:]value [+ | +N]
 * with methods fqn (the default: a name, or a dotted fqn prefix such as
 * staging or shop.staging.stg_orders), tag, path (the default when the
 * value has a '/'), file (the default for x.sql/.csv/.py/.yml), package
 * ("this" is the root project), config.<key>[.<key>], resource_type
 * (model seed snapshot test source analysis), test_type (generic
 * singular unit), test_name, source (s, s.t, pkg.s.t), access, group, and
 * exposure, metric, semantic_model, saved_query, unit_test by name.
 * Wildcards * ? [..] work in names, fqn parts, paths, tags and sources.
 * +x: x and its ancestors; x+: and descendants; N limits the depth;
 * @x: x, its descendants and all their ancestors. An empty select means
 * every enabled node. Sources are selected like nodes; the caller keeps
 * the resource types its command runs. `out` is g->n bools. A selector
 * that matches nothing is a warning; a malformed one (unknown method,
 * resource or test type: with "did you mean") is an error, and then the
 * result is empty and -1 is returned.
 */
int xf_graph_select(const struct xf_graph *g, const char *const *select, size_t nselect,
                    const char *const *exclude, size_t nexclude, bool *out, struct xf_diags *diags);

/*
 * dbt's indirect selection of tests ("--indirect-selection"): which tests
 * a selection of models, seeds, snapshots and sources pulls in.
 *   EAGER     a test any of whose parents is selected (dbt's default)
 *   CAUTIOUS  a test all of whose parents are selected
 *   BUILDABLE a test all of whose parents are selected or upstream of
 *             the selection
 *   EMPTY     no test
 */
enum xf_indirect {
    XF_INDIRECT_EAGER,
    XF_INDIRECT_CAUTIOUS,
    XF_INDIRECT_BUILDABLE,
    XF_INDIRECT_EMPTY,
};

/*
 * Adds to `selected` (g->n bools) the enabled tests that `mode` pulls in
 * for the nodes already selected. xf_graph_add_tests is the EAGER mode.
 */
void xf_graph_add_tests_mode(const struct xf_graph *g, bool *selected, enum xf_indirect mode);
void xf_graph_add_tests(const struct xf_graph *g, bool *selected);

/*
 * xf_graph_select with indirect test selection the way `dbt test` and
 * `dbt build` do it: tests of the selected nodes are added before the
 * exclusion, and tests of excluded nodes are excluded with them, so
 * `--select orders --exclude test_name:unique` and `--exclude orders`
 * both do what a dbt user expects.
 */
int xf_graph_select_tests(const struct xf_graph *g, const char *const *select, size_t nselect,
                          const char *const *exclude, size_t nexclude, enum xf_indirect mode,
                          bool *out, struct xf_diags *diags);

/* "model 'orders'", "source 'raw.orders'" ... for messages, in `a`. */
const char *xf_graph_describe(struct xf_arena *a, const struct xf_node *n);

/*
 * Parses one selector ([@|N+] [method:]value [+N], no spaces or commas)
 * without evaluating it: 0, or -1 with the same error xf_graph_select
 * would give (unknown method, resource type ...), unlocated.
 */
int xf_graph_check_selector(const char *text, struct xf_diags *diags);

/* ---- selectors.yml: named selections (dbt's YAML selectors) ---- */

/*
 * The selectors of a project's selectors.yml. A definition is a CLI-style
 * string (the grammar above, plus selector:NAME), a key-value {method:
 * value}, a full dict {method, value, parents, children, parents_depth,
 * children_depth, childrens_parents, indirect_selection, exclude}, or a
 * union:/intersection: list of definitions in which {exclude: [...]}
 * items are taken away from the result. {method: selector, value: NAME}
 * and selector:NAME use another selector's definition.
 */
struct xf_selectors;

/*
 * Reads <project root>/selectors.yml; a project without one gets an empty
 * set (*out is never NULL on success). Checks the whole file: keys,
 * methods, references to unknown selectors, cycles between selectors,
 * duplicate names and more than one `default: true`, each a located
 * error. Memory in p->arena. Returns 0, or -1 with diagnostics.
 */
int xf_selectors_load(struct xf_selectors **out, struct xf_project *p, struct xf_diags *diags);

/* True when the project has a selectors.yml (a cheap check before loading). */
bool xf_selectors_file_exists(const struct xf_project *p);

/* Name of the selector marked `default: true`, or NULL. */
const char *xf_selectors_default(const struct xf_selectors *s);

/*
 * Evaluates the selector `name` into `out` (g->n bools). With `indirect`,
 * every leaf of the definition pulls in tests with its own
 * indirect_selection, or `mode` when it has none (dbt does this for every
 * command; a phase keeps the resource types it runs). An unknown name is
 * an error with "did you mean" over the names. Returns 0 or -1.
 */
int xf_selectors_select(const struct xf_selectors *s, const struct xf_graph *g, const char *name,
                        bool indirect, enum xf_indirect mode, bool *out, struct xf_diags *diags);

#endif
