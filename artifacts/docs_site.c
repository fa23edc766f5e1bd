// SPDX-License-Identifier: MIT
/*
 * The static docs site: one index.html that works opened from disk
 * (file://, no network). The app (docs_app.js, docs_app.css, compiled in)
 * reads four embedded <script type="application/json"> blocks: the
 * manifest's nodes, sources and docs in the shape of manifest.json (only
 * the keys the site shows, defaults left out: unique_id and resource_type
 * are the key, package_name the project's, a test depends on its
 * attached_node, severity error) with the tests in a block of their own,
 * catalog.json as written, and the raw and compiled SQL. The browser
 * parses the nodes first and the rest after the first page is drawn.
 * A block larger than XF_DOCS_GZIP_OVER bytes is stored gzip-compressed
 * and base64-encoded (the browser inflates it with DecompressionStream):
 * a 10,000-model project's page opens in about a second, not in the many
 * seconds that parsing 40 MB of HTML takes.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "artifacts/artifacts.h"
#include "artifacts/docs_assets.h"
#include "artifacts/jsonw.h"
#include "util/path.h"
#include "util/value.h"

void xf_docs_escape_json(struct xf_buf *out, const char *json, size_t len)
{
    xf_buf_grow(out, len + len / 16);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        switch (json[i]) {
        case '<':
            rep = "\\u003c";
            break;
        case '>':
            rep = "\\u003e";
            break;
        case '&':
            rep = "\\u0026";
            break;
        default:
            continue;
        }
        xf_buf_add(out, json + start, i - start);
        xf_buf_adds(out, rep);
        start = i + 1;
    }
    xf_buf_add(out, json + start, len - start);
}

/* gzip (RFC 1952) of data into out. 0, or -1 when zlib fails. */
static int gzip(struct xf_buf *out, const char *data, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* 15 + 16: a gzip header, which DecompressionStream("gzip") expects */
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&zs, (uLong)len);
    xf_buf_grow(out, bound);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out->ptr + out->len;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    size_t produced = bound - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        return -1;
    xf_buf_setlen(out, out->len + produced);
    return 0;
}

int xf_docs_write_block(struct xf_buf *html, const char *id, const char *json, size_t len,
                        size_t gzip_over)
{
    if (len <= gzip_over || len > UINT_MAX / 2) {
        xf_buf_addf(html, "<script type=\"application/json\" id=\"%s\">", id);
        xf_docs_escape_json(html, json, len);
        xf_buf_adds(html, "</script>\n");
        return 0;
    }
    struct xf_buf z = XF_BUF_INIT;
    if (gzip(&z, json, len) < 0 || z.len > INT_MAX / 4 * 3) {
        xf_buf_release(&z);
        return -1;
    }
    xf_buf_addf(html, "<script type=\"application/json\" id=\"%s\" data-encoding=\"gzip+base64\">",
                id);
    size_t b64 = (z.len + 2) / 3 * 4;
    xf_buf_grow(html, b64 + 1);
    int n =
        EVP_EncodeBlock((unsigned char *)html->ptr + html->len, (unsigned char *)z.ptr, (int)z.len);
    xf_buf_setlen(html, html->len + (size_t)n);
    xf_buf_adds(html, "</script>\n");
    xf_buf_release(&z);
    return 0;
}

/* ---- the data: what the site shows of each node, in manifest.json's shape ---- */

static const struct xf_value *config(const struct xf_node *n, const char *key)
{
    return n->config.t == XF_V_DICT ? xf_dict_getc(n->config.u.d, key) : NULL;
}

static bool enabled(const struct xf_node *n)
{
    const struct xf_value *v = config(n, "enabled");
    return !v || v->t != XF_V_BOOL || v->u.b;
}

static void str_value(struct xf_jsonw *w, const struct xf_value *v)
{
    xf_jsonw_strn(w, v->u.s.p ? v->u.s.p : "", v->u.s.len);
}

/* `"key":"s"` for our literal keys; nothing when s is NULL or empty. */
static void kstr(struct xf_jsonw *w, const char *key, const char *s)
{
    if (s && *s)
        xf_jsonw_kstr(w, key, s);
}

/*
 * One node. unique_id and resource_type are the key, package_name the
 * project's, a test depends on its attached_node, severity is error:
 * those defaults are left out (the app puts them back).
 */
static void node_json(struct xf_jsonw *w, const struct xf_graph *g, uint32_t gi,
                      const struct xf_node *n, const char *project)
{
    xf_jsonw_key_str(w, n->unique_id);
    xf_jsonw_open_object(w);
    kstr(w, "name", n->name);
    if (!project || !n->package || strcmp(n->package, project))
        kstr(w, "package_name", n->package);
    kstr(w, "original_file_path", n->original_file_path);
    kstr(w, "description", n->description);
    static const char *const keys[] = {"materialized", "severity", "unique_key", "strategy"};
    bool open = false;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const struct xf_value *v = config(n, keys[k]);
        if (!v || v->t != XF_V_STR ||
            (k == 1 && (xf_str_eqc(v->u.s, "error") || xf_str_eqc(v->u.s, "ERROR"))))
            continue;
        if (!open) {
            xf_jsonw_key(w, "config");
            xf_jsonw_open_object(w);
            open = true;
        }
        xf_jsonw_key(w, keys[k]);
        str_value(w, v);
    }
    if (!open && n->type == XF_RES_MODEL) {
        xf_jsonw_key(w, "config");
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "materialized", "view");
        open = true;
    }
    if (open)
        xf_jsonw_close_object(w);
    if (n->columns.n) {
        kstr(w, "patch_path", n->patch_path);
        xf_jsonw_key(w, "columns");
        xf_jsonw_open_object(w);
        for (size_t i = 0; i < n->columns.n; i++) {
            const struct xf_column *c = &n->columns.v[i];
            xf_jsonw_key_str(w, c->name);
            xf_jsonw_open_object(w);
            xf_jsonw_kstr(w, "name", c->name);
            kstr(w, "description", c->description);
            kstr(w, "data_type", c->data_type);
            xf_jsonw_close_object(w);
        }
        xf_jsonw_close_object(w);
    }
    bool only_attached = n->type == XF_RES_TEST && n->attached && gi != UINT32_MAX &&
                         g->nparents[gi] == 1 && g->all[g->parents[gi][0]] == n->attached;
    if (gi != UINT32_MAX && g->nparents[gi] && !only_attached) {
        xf_jsonw_key(w, "depends_on");
        xf_jsonw_open_object(w);
        xf_jsonw_key(w, "nodes");
        xf_jsonw_open_array(w);
        for (uint32_t k = 0; k < g->nparents[gi]; k++)
            xf_jsonw_str(w, g->all[g->parents[gi][k]]->unique_id);
        xf_jsonw_close_array(w);
        xf_jsonw_close_object(w);
    }
    if (n->type >= XF_RES_EXPOSURE && n->props.t == XF_V_DICT) {
        /* what the page shows of an exposure, metric or semantic model */
        static const char *const pk[] = {"type", "owner", "url", "maturity", "label", "model"};
        for (size_t k = 0; k < sizeof pk / sizeof *pk; k++) {
            const struct xf_value *v = xf_dict_getc(n->props.u.d, pk[k]);
            if (v && v->t != XF_V_NONE) {
                xf_jsonw_key(w, pk[k]);
                xf_jsonw_value(w, v);
            }
        }
    } else if (n->type != XF_RES_TEST && n->type != XF_RES_ANALYSIS) {
        kstr(w, "relation_name", n->relation_name);
        kstr(w, "database", n->database);
        kstr(w, "schema", n->schema);
        kstr(w, "alias", n->alias);
    }
    if (n->tags.t == XF_V_LIST && n->tags.u.l->n) {
        xf_jsonw_key(w, "tags");
        xf_jsonw_open_array(w);
        for (size_t i = 0; i < n->tags.u.l->n; i++) {
            if (n->tags.u.l->items[i].t == XF_V_STR)
                str_value(w, &n->tags.u.l->items[i]);
        }
        xf_jsonw_close_array(w);
    }
    if (n->type == XF_RES_SOURCE) {
        kstr(w, "source_name", n->source_name);
        kstr(w, "identifier", n->identifier);
        kstr(w, "loaded_at_field", n->loaded_at_field);
        kstr(w, "source_description", n->source_description);
        const struct xf_value *loader = config(n, "loader");
        if (loader && loader->t == XF_V_STR) {
            xf_jsonw_key(w, "loader");
            str_value(w, loader);
        }
    }
    if (n->type == XF_RES_TEST) {
        if (n->attached)
            kstr(w, "attached_node", n->attached->unique_id);
        kstr(w, "column_name", n->column_name);
        if (n->decl && n->decl->test_name) {
            const char *name = n->decl->test_name, *dot = strrchr(name, '.');
            xf_jsonw_key(w, "test_metadata");
            xf_jsonw_open_object(w);
            xf_jsonw_kstr(w, "name", dot ? dot + 1 : name);
            if (dot) {
                xf_jsonw_key(w, "namespace");
                xf_jsonw_strn(w, name, (size_t)(dot - name));
            }
            xf_jsonw_close_object(w);
        }
    }
    xf_jsonw_close_object(w);
}

/*
 * `"uid":["raw","compiled"]` when the node has code (dbt's raw_code: the
 * file, or the call a generic test stands for).
 */
static void code_json(struct xf_jsonw *w, const struct xf_node *n)
{
    if (n->type == XF_RES_SEED || n->type == XF_RES_SOURCE)
        return;
    char call[512];
    const char *raw = NULL;
    size_t rawlen = 0;
    if (n->type == XF_RES_TEST && n->decl && n->decl->test_name) {
        const char *name = n->decl->test_name, *dot = strrchr(name, '.');
        if (dot)
            snprintf(call, sizeof call, "{{ %.*s.test_%s(**_dbt_generic_test_kwargs) }}",
                     (int)(dot - name), name, dot + 1);
        else
            snprintf(call, sizeof call, "{{ test_%s(**_dbt_generic_test_kwargs) }}", name);
        raw = call;
        rawlen = strlen(call);
    } else if (n->src && n->src->text) {
        raw = n->src->text;
        rawlen = n->src->len;
    }
    if (!raw && !n->compiled_code)
        return;
    xf_jsonw_key_str(w, n->unique_id);
    xf_jsonw_open_array(w);
    xf_jsonw_strn(w, raw ? raw : "", rawlen);
    xf_jsonw_str(w, n->compiled_code ? n->compiled_code : "");
    xf_jsonw_close_array(w);
}

/*
 * The manifest-shaped data (without tests), the tests ({unique_id: node})
 * and the code map, each as compact JSON text in its writer. Tests are
 * most of a large project's nodes and no lineage graph shows them, so the
 * app reads them after the first page.
 */
static void build_data(struct xf_jsonw *data, struct xf_jsonw *tests, struct xf_jsonw *code,
                       const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv)
{
    xf_jsonw_open_object(data);
    xf_jsonw_key(data, "metadata");
    xf_jsonw_open_object(data);
    xf_jsonw_kstr(data, "project_name", p->name);
    kstr(data, "generated_at", inv ? inv->generated_at : NULL);
    kstr(data, "invocation_id", inv ? inv->invocation_id : NULL);
    kstr(data, "adapter_type", inv && inv->adapter_type ? inv->adapter_type : p->target.type);
    /* the Database tree's top when nodes name no database (SQLite: the target's file) */
    const char *db = p->target.database, *slash = db ? strrchr(db, '/') : NULL;
    kstr(data, "database", slash ? slash + 1 : db);
    xf_jsonw_close_object(data);
    xf_jsonw_open_object(tests);
    xf_jsonw_open_object(code);
    size_t n = g ? g->n : p->nodes.n + p->sources.n;
    for (int pass = 0; pass < 2; pass++) {
        xf_jsonw_key(data, pass == 0 ? "nodes" : "sources");
        xf_jsonw_open_object(data);
        for (size_t i = 0; i < n; i++) {
            const struct xf_node *nd = g                ? g->all[i]
                                       : i < p->nodes.n ? p->nodes.v[i]
                                                        : p->sources.v[i - p->nodes.n];
            if ((nd->type == XF_RES_SOURCE) != (pass == 1) || !enabled(nd) ||
                nd->type >= XF_RES_EXPOSURE) /* exposures ... below, unit tests not at all */
                continue;
            node_json(nd->type == XF_RES_TEST ? tests : data, g, g ? (uint32_t)i : UINT32_MAX, nd,
                      p->name);
            code_json(code, nd);
        }
        xf_jsonw_close_object(data);
    }
    /* exposures, metrics and semantic models: drawn in the lineage, each with a page */
    static const struct {
        enum xf_resource type;
        const char *key;
    } others[] = {{XF_RES_EXPOSURE, "exposures"},
                  {XF_RES_METRIC, "metrics"},
                  {XF_RES_SEMANTIC_MODEL, "semantic_models"}};
    for (size_t o = 0; o < sizeof others / sizeof *others; o++) {
        xf_jsonw_key(data, others[o].key);
        xf_jsonw_open_object(data);
        for (size_t i = 0; i < n; i++) {
            const struct xf_node *nd = g ? g->all[i] : i < p->nodes.n ? p->nodes.v[i] : NULL;
            if (nd && nd->type == others[o].type && enabled(nd))
                node_json(data, g, g ? (uint32_t)i : UINT32_MAX, nd, p->name);
        }
        xf_jsonw_close_object(data);
    }
    xf_jsonw_key(data, "docs");
    xf_jsonw_open_object(data);
    for (size_t i = 0; i < p->docs.n; i++) {
        const struct xf_doc_def *d = p->docs.v[i];
        xf_jsonw_key_str(data, d->unique_id);
        xf_jsonw_open_object(data);
        xf_jsonw_kstr(data, "name", d->name);
        xf_jsonw_kstr(data, "package_name", d->package);
        xf_jsonw_key(data, "block_contents");
        xf_jsonw_strn(data, d->text.p ? d->text.p : "", d->text.len);
        xf_jsonw_close_object(data);
    }
    xf_jsonw_close_object(data);
    xf_jsonw_close_object(data);
    xf_jsonw_close_object(tests);
    xf_jsonw_close_object(code);
}

static const char head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"generator\" content=\"xform " XF_VERSION "\">\n"
    "<title>xform docs</title>\n"
    "<style>\n";

static const char body[] =
    "</style>\n"
    "</head>\n"
    "<body>\n"
    "<header id=\"top\"><a href=\"#!/overview\" id=\"brand\">xform docs</a>"
    "<a href=\"#!/graph\" id=\"graph-link\">Lineage graph</a></header>\n"
    "<nav id=\"side\"><input id=\"search\" type=\"search\" placeholder=\"Search models, sources, "
    "columns\" autocomplete=\"off\" aria-label=\"Search\"><div id=\"list\"></div></nav>\n"
    "<main id=\"main\"><p class=\"muted\">Loading&hellip;</p></main>\n"
    "<noscript>This page needs JavaScript.</noscript>\n";

int xf_write_docs_site(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf catalog = XF_BUF_INIT, html = XF_BUF_INIT;
    struct xf_jsonw data, tests, code;
    xf_jsonw_init(&data, 0);
    xf_jsonw_init(&tests, 0);
    xf_jsonw_init(&code, 0);
    char *cpath = xf_path_join(&a, dir, "catalog.json");
    char *out = xf_path_join(&a, dir, "index.html");
    int e = 0;
    if (xf_read_file(&catalog, cpath) < 0) {
        xf_buf_reset(&catalog);
        xf_buf_adds(&catalog, "null");
    }
    build_data(&data, &tests, &code, p, g, inv);
    xf_buf_grow(&html, data.out.len / 4 + tests.out.len / 4 + catalog.len / 4 + code.out.len / 4 +
                           xf_docs_js_len + xf_docs_css_len + 4096);
    xf_buf_add(&html, head, sizeof head - 1);
    xf_buf_add(&html, xf_docs_css, xf_docs_css_len);
    xf_buf_add(&html, body, sizeof body - 1);
    if (xf_docs_write_block(&html, "xf-manifest", data.out.ptr, data.out.len, XF_DOCS_GZIP_OVER) <
            0 ||
        xf_docs_write_block(&html, "xf-tests", tests.out.ptr, tests.out.len, XF_DOCS_GZIP_OVER) <
            0 ||
        xf_docs_write_block(&html, "xf-catalog", catalog.ptr, catalog.len, XF_DOCS_GZIP_OVER) < 0 ||
        xf_docs_write_block(&html, "xf-code", code.out.ptr, code.out.len, XF_DOCS_GZIP_OVER) < 0) {
        xf_buf_addf(err, "could not compress the docs data for %s", out);
        e = -EIO;
        goto done;
    }
    xf_buf_adds(&html, "<script>\n");
    xf_buf_add(&html, xf_docs_js, xf_docs_js_len);
    xf_buf_adds(&html, "</script>\n</body>\n</html>\n");
    e = xf_write_file(out, html.ptr, html.len);
    if (e < 0)
        xf_buf_addf(err, "could not write %s: %s", out, strerror(-e));
done:
    xf_jsonw_release(&data);
    xf_jsonw_release(&tests);
    xf_jsonw_release(&code);
    xf_buf_release(&catalog);
    xf_buf_release(&html);
    xf_arena_release(&a);
    return e < 0 ? e : 0;
}
