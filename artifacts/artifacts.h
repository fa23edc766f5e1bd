// SPDX-License-Identifier: MIT
/*
 * dbt-compatible JSON artifacts: manifest.json (manifest v12 layout) and
 * run_results.json (run-results v6), streamed through our JSON writer
 * byte for byte as jansson would write them, and sources.json. Layouts
 * follow dbt's published schemas for every key we emit.
 */
#ifndef XF_ARTIFACTS_ARTIFACTS_H
#define XF_ARTIFACTS_ARTIFACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "artifacts/results.h"
#include "graph/graph.h"
#include "parser/project.h"
#include "util/buf.h"

/*
 * Writes <dir>/manifest.json for the loaded project and its graph. Nodes
 * carry compiled SQL when the engine has set it. Disabled nodes (see
 * xf_graph.disabled) go under "disabled", as in dbt. created_at is the
 * time of inv->generated_at. Returns 0 or -errno.
 */
int xf_write_manifest(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                      const struct xf_invocation *inv);

/*
 * Writes <dir>/run_results.json. A timing entry is written for each phase
 * whose start time is set (> 0); args holds "which" (inv->command) and
 * "invocation_command" (argv joined). Returns 0 or -errno.
 */
int xf_write_run_results(const char *dir, const struct xf_invocation *inv,
                         const struct xf_node_result *results, size_t n, double elapsed);

/*
 * Both of the above at once, run_results.json on a second thread (one
 * after the other when no thread can be started). `seconds`, if not NULL,
 * receives the time each took, `errs`, if not NULL, the result of each
 * (0 or -errno): a file that could not be written is left as it was
 * (each is replaced whole or not at all). Returns 0 or the first -errno.
 */
int xf_write_artifacts(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv, const struct xf_node_result *results,
                       size_t n, double elapsed, double seconds[2], int errs[2]);

/* Writes <dir>/sources.json (sources v3) for `source freshness`. 0 or -errno. */
int xf_write_sources(const char *dir, const struct xf_invocation *inv,
                     const struct xf_freshness *res, size_t n, double elapsed);
/* ---- --state: an earlier run's artifacts (state.c) ---- */

struct xf_state;

/*
 * Reads <dir>/manifest.json (xform's or dbt-core's, schema v10 to v12)
 * and, when there, <dir>/run_results.json, <dir>/sources.json and
 * <target_dir>/sources.json, and compares every node of g with the
 * manifest as dbt's state: method does. A missing folder or manifest, a
 * file that is not JSON, an unknown schema version or another project's
 * manifest: -1 with an error naming the path. *out: free with
 * xf_state_free.
 */
int xf_state_load(struct xf_state **out, const char *dir, const char *target_dir,
                  const struct xf_project *p, const struct xf_graph *g, struct xf_diags *d);
/* The marks for g->state (valid until xf_state_free). */
const struct xf_state_marks *xf_state_marks(const struct xf_state *st);

/* Where the state run built a node (strings valid until xf_state_free). */
struct xf_state_relation {
    const char *database; /* NULL; on SQLite (xform's manifest) the schema's file */
    const char *schema, *alias;
    const char *materialized;
};
/* False when node g->all[i] is not in the state manifest or has no relation. */
bool xf_state_relation(const struct xf_state *st, uint32_t i, struct xf_state_relation *out);
void xf_state_free(struct xf_state *st);

/* ---- catalog.json (catalog v1) ---- */

struct xf_conn;

/* What xf_write_catalog found, for the command's summary line. */
struct xf_catalog_stats {
    size_t schemas; /* schemas queried (one query each) */
    size_t nodes;   /* models, seeds, snapshots found in the warehouse */
    size_t sources; /* sources found in the warehouse */
    size_t columns; /* columns of all of them */
};

/*
 * Reads every relation of every schema the project builds into or reads
 * from (one query per schema, the adapter's catalog_sql; adapters without
 * it are introspected relation by relation) and writes <dir>/catalog.json
 * with the nodes and sources found there. A schema that cannot be read is
 * listed under "errors" and its message appended to `err` (the file is
 * still written). Returns 0, 1 when some schema could not be read, or
 * -errno when the file could not be written. `stats` may be NULL.
 */
int xf_write_catalog(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                     struct xf_conn *conn, const struct xf_invocation *inv,
                     struct xf_catalog_stats *stats, struct xf_buf *err);

/*
 * Appends the schema name as a single-quoted SQL string literal ('' for
 * a quote) into the adapter's catalog_sql format where its one "%s" is.
 */
void xf_catalog_query(struct xf_buf *out, const char *fmt, const char *schema);

/* ---- the static docs site ---- */

/*
 * Writes <dir>/index.html: one self-contained page (no network) with the
 * docs app, the project's nodes, sources and docs (manifest.json's shape,
 * the keys the site shows), <dir>/catalog.json (null when missing) and
 * every node's raw and compiled SQL embedded. Returns 0, or -errno with
 * the problem in `err`.
 */
int xf_write_docs_site(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv, struct xf_buf *err);

/* Blocks larger than this are embedded gzip-compressed and base64-encoded. */
#define XF_DOCS_GZIP_OVER (1024 * 1024)

/*
 * Appends <script type="application/json" id="ID">JSON</script>: the JSON
 * escaped as below when it is at most `gzip_over` bytes, else gzip +
 * base64 with data-encoding="gzip+base64". 0, or -1 when zlib fails.
 */
int xf_docs_write_block(struct xf_buf *html, const char *id, const char *json, size_t len,
                        size_t gzip_over);

/*
 * Appends JSON text so it can sit inside <script type="application/json">:
 * every '<', '>' and '&' becomes \u003c, \u003e, \u0026 (they can only
 * occur inside JSON strings, where the escape means the same character),
 * so no "</script>" or "<!--" can end the block early.
 */
void xf_docs_escape_json(struct xf_buf *out, const char *json, size_t len);

/* ---- lineage (xform lineage) ---- */

enum xf_lineage_format {
    XF_LINEAGE_TEXT,    /* an indented tree, each subtree shown once */
    XF_LINEAGE_DOT,     /* Graphviz */
    XF_LINEAGE_MERMAID, /* graph LR */
    XF_LINEAGE_JSON,    /* {"nodes": [...], "edges": [[from, to], ...]} */
};

/* "text", "dot", "mermaid", "json" -> format. 0, or -1 for another name. */
int xf_lineage_format_parse(enum xf_lineage_format *out, const char *name);

/*
 * Appends the subgraph of the nodes with sel[i] set (g->n bools; NULL:
 * every node) and the edges between them, in topological order. Tests are
 * left out: lineage is about data. Returns the number of nodes written.
 */
size_t xf_lineage_write(struct xf_buf *out, const struct xf_graph *g, const bool *sel,
                        enum xf_lineage_format f);

#endif
