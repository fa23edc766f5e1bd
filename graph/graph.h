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
    size_t n;               /* project nodes + sources */
    struct xf_node **all;   /* [0, nodes.n) nodes, then sources */
    uint32_t **parents;     /* parents[i]: indices into all, nparents[i] long */
    uint32_t *nparents;
    uint32_t **children;
    uint32_t *nchildren;
    uint32_t *order;        /* topological order (parents first), n long */
};

/*
 * Resolves every ref()/source() dependency recorded on the nodes (an
 * unknown name is an error at the call with "did you mean"), builds the
 * edges, checks for cycles (an error listing each edge of the cycle with
 * its file and line) and orders the nodes. Memory in project->arena.
 * Returns 0 or -1 with diagnostics.
 */
int xf_graph_build(struct xf_graph *g, struct xf_project *p, struct xf_diags *diags);

/* Index of a node in g->all (nodes keep their own index; sources follow). */
uint32_t xf_graph_index(const struct xf_graph *g, const struct xf_node *n);

/*
 * Evaluates selection: `select` and `exclude` are lists of selector
 * strings (each may hold several space-separated selectors: a union;
 * comma inside one is an intersection). Supported: name, fqn path,
 * +name, name+, N+name, name+N, @name, tag:x, path:dir, resource_type:x,
 * test_type:generic|singular, source:s[.t], config.materialized:x, and
 * wildcards (*). An empty select means everything. `out` is g->n bools.
 * Selectors that match nothing give a warning; a bad selector is an error.
 */
int xf_graph_select(const struct xf_graph *g, const char *const *select, size_t nselect,
                    const char *const *exclude, size_t nexclude, bool *out,
                    struct xf_diags *diags);

#endif
