// SPDX-License-Identifier: MIT
/*
 * The static docs site: one index.html that works opened from disk
 * (file://, no network). The app (docs_app.js, docs_app.css, compiled in)
 * reads three embedded <script type="application/json"> blocks: the
 * manifest's nodes, sources and docs in the shape of manifest.json (only
 * the keys the site shows, defaults left out: unique_id and resource_type
 * are the key, package_name the project's, a test depends on its
 * attached_node, severity error), catalog.json as written, and the raw and
 * compiled SQL, kept apart so the browser parses it only when a page
 * shows code. A block larger than XF_DOCS_GZIP_OVER bytes is stored
 * gzip-compressed and base64-encoded (the browser inflates it with
 * DecompressionStream): a 10,000-model project's page opens in a second,
 * not in the many seconds that parsing 40 MB of HTML takes.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "artifacts/artifacts.h"
#include "artifacts/docs_assets.h"
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
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
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

/* A JSON string; bytes that are not UTF-8 become U+FFFD (jansson refuses them). */
static json_t *jstrn(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    struct xf_buf b = XF_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = *p < 0x80         ? 1
                   : (*p >> 5) == 6  ? 2
                   : (*p >> 4) == 14 ? 3
                   : (*p >> 3) == 30 ? 4
                                     : 0;
        bool ok = n && (size_t)(end - p) >= n;
        for (size_t k = 1; ok && k < n; k++)
            ok = (p[k] & 0xc0) == 0x80;
        if (ok && n > 1) {
            json_t *one = json_stringn((const char *)p, n); /* overlong forms, surrogates */
            ok = one != NULL;
            json_decref(one);
        }
        if (ok) {
            xf_buf_add(&b, p, n);
            p += n;
        } else {
            xf_buf_adds(&b, "\xef\xbf\xbd");
            p++;
        }
    }
    j = json_stringn(b.ptr, b.len);
    xf_buf_release(&b);
    return j ? j : json_string("");
}

static json_t *jstr(const char *s)
{
    return s ? jstrn(s, strlen(s)) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new_nocheck(o, key, v ? v : json_null());
}

/* Sets key only when s is a non-empty string. */
static void set_str(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        set(o, key, jstr(s));
}

static const struct xf_value *config(const struct xf_node *n, const char *key)
{
    return n->config.t == XF_V_DICT ? xf_dict_getc(n->config.u.d, key) : NULL;
}

static bool enabled(const struct xf_node *n)
{
    const struct xf_value *v = config(n, "enabled");
    return !v || v->t != XF_V_BOOL || v->u.b;
}

static json_t *string_list(const struct xf_value *v)
{
    json_t *a = json_array();
    if (v->t == XF_V_LIST) {
        for (size_t i = 0; i < v->u.l->n; i++) {
            const struct xf_value *x = &v->u.l->items[i];
            if (x->t == XF_V_STR)
                json_array_append_new(a, jstrn(x->u.s.p, x->u.s.len));
        }
    }
    return a;
}

static json_t *node_json(const struct xf_graph *g, uint32_t gi, const struct xf_node *n,
                         const char *project)
{
    /* unique_id is the key and resource_type its first part: not repeated */
    json_t *o = json_object();
    set(o, "name", jstr(n->name));
    if (!project || !n->package || strcmp(n->package, project))
        set_str(o, "package_name", n->package);
    set_str(o, "original_file_path", n->original_file_path);
    set_str(o, "description", n->description);
    json_t *cfg = json_object();
    static const char *const keys[] = {"materialized", "severity", "unique_key", "strategy"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const struct xf_value *v = config(n, keys[k]);
        if (v && v->t == XF_V_STR && !(k == 1 && xf_str_eqc(v->u.s, "error")) &&
            !(k == 1 && xf_str_eqc(v->u.s, "ERROR")))
            set(cfg, keys[k], jstrn(v->u.s.p, v->u.s.len));
    }
    if (n->type == XF_RES_MODEL && !json_object_get(cfg, "materialized"))
        set(cfg, "materialized", json_string("view"));
    if (json_object_size(cfg))
        set(o, "config", cfg);
    else
        json_decref(cfg);
    if (n->columns.n) {
        json_t *cols = json_object();
        for (size_t i = 0; i < n->columns.n; i++) {
            const struct xf_column *c = &n->columns.v[i];
            json_t *col = json_object();
            set(col, "name", jstr(c->name));
            set_str(col, "description", c->description);
            set_str(col, "data_type", c->data_type);
            json_object_set_new(cols, c->name, col);
        }
        set(o, "columns", cols);
    }
    /* a test of one node depends on it: attached_node says so already */
    bool only_attached = n->type == XF_RES_TEST && n->attached && gi != UINT32_MAX &&
                         g->nparents[gi] == 1 && g->all[g->parents[gi][0]] == n->attached;
    if (gi != UINT32_MAX && g->nparents[gi] && !only_attached) {
        json_t *deps = json_array(), *dep = json_object();
        for (uint32_t k = 0; k < g->nparents[gi]; k++)
            json_array_append_new(deps, jstr(g->all[g->parents[gi][k]]->unique_id));
        set(dep, "nodes", deps);
        set(o, "depends_on", dep);
    }
    if (n->type != XF_RES_TEST && n->type != XF_RES_ANALYSIS) {
        set_str(o, "relation_name", n->relation_name);
        set_str(o, "database", n->database);
        set_str(o, "schema", n->schema);
        set_str(o, "alias", n->alias);
    }
    json_t *tags = string_list(&n->tags);
    if (json_array_size(tags))
        set(o, "tags", tags);
    else
        json_decref(tags);
    if (n->type == XF_RES_SOURCE) {
        set_str(o, "source_name", n->source_name);
        set_str(o, "identifier", n->identifier);
        set_str(o, "loaded_at_field", n->loaded_at_field);
        set_str(o, "source_description", n->source_description);
        const struct xf_value *loader = config(n, "loader");
        if (loader && loader->t == XF_V_STR)
            set(o, "loader", jstrn(loader->u.s.p, loader->u.s.len));
    }
    if (n->type == XF_RES_TEST) {
        if (n->attached)
            set(o, "attached_node", jstr(n->attached->unique_id));
        set_str(o, "column_name", n->column_name);
        if (n->decl && n->decl->test_name) {
            json_t *tm = json_object();
            const char *dot = strrchr(n->decl->test_name, '.');
            set(tm, "name", jstr(dot ? dot + 1 : n->decl->test_name));
            if (dot)
                set(tm, "namespace", jstrn(n->decl->test_name, (size_t)(dot - n->decl->test_name)));
            set(o, "test_metadata", tm);
        }
    }
    return o;
}

/* dbt's raw_code: the file, or the call a generic test stands for. */
static json_t *raw_code(const struct xf_node *n)
{
    if (n->type == XF_RES_SEED || n->type == XF_RES_SOURCE)
        return NULL;
    if (n->type == XF_RES_TEST && n->decl && n->decl->test_name) {
        const char *name = n->decl->test_name, *dot = strrchr(name, '.');
        char buf[512];
        if (dot)
            snprintf(buf, sizeof buf, "{{ %.*s.test_%s(**_dbt_generic_test_kwargs) }}",
                     (int)(dot - name), name, dot + 1);
        else
            snprintf(buf, sizeof buf, "{{ test_%s(**_dbt_generic_test_kwargs) }}", name);
        return jstr(buf);
    }
    return n->src && n->src->text ? jstrn(n->src->text, n->src->len) : NULL;
}

/* Appends the compact JSON text of v to out and releases v. */
static void dump(struct xf_buf *out, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        xf_die_oom();
    xf_buf_adds(out, s);
    free(s);
    json_decref(v);
}

/* Appends ,"key":<value> (no comma before the first); v is released. */
static void member(struct xf_buf *out, bool *first, const char *key, json_t *v)
{
    if (!*first)
        xf_buf_addch(out, ',');
    *first = false;
    dump(out, jstr(key));
    xf_buf_addch(out, ':');
    dump(out, v);
}

/* The manifest-shaped data and the code map, each as compact JSON text. */
static void build_data(struct xf_buf *data, struct xf_buf *code, const struct xf_project *p,
                       const struct xf_graph *g, const struct xf_invocation *inv)
{
    json_t *meta = json_object();
    set(meta, "project_name", jstr(p->name));
    set(meta, "generated_at", jstr(inv ? inv->generated_at : NULL));
    set(meta, "invocation_id", jstr(inv ? inv->invocation_id : NULL));
    set(meta, "adapter_type", jstr(inv && inv->adapter_type ? inv->adapter_type : p->target.type));
    xf_buf_adds(data, "{\"metadata\":");
    dump(data, meta);
    bool first;

    xf_buf_adds(code, "{");
    bool cfirst = true;
    size_t n = g ? g->n : p->nodes.n + p->sources.n;
    for (int pass = 0; pass < 2; pass++) {
        xf_buf_adds(data, pass == 0 ? ",\"nodes\":{" : "},\"sources\":{");
        first = true;
        for (size_t i = 0; i < n; i++) {
            const struct xf_node *nd = g                ? g->all[i]
                                       : i < p->nodes.n ? p->nodes.v[i]
                                                        : p->sources.v[i - p->nodes.n];
            if ((nd->type == XF_RES_SOURCE) != (pass == 1) || !enabled(nd))
                continue;
            member(data, &first, nd->unique_id,
                   node_json(g, g ? (uint32_t)i : UINT32_MAX, nd, p->name));
            json_t *raw = raw_code(nd);
            if (raw || nd->compiled_code) {
                json_t *pair = json_array();
                json_array_append_new(pair, raw ? raw : json_string(""));
                json_array_append_new(pair, nd->compiled_code ? jstr(nd->compiled_code)
                                                              : json_string(""));
                member(code, &cfirst, nd->unique_id, pair);
            }
        }
    }
    xf_buf_adds(data, "},\"docs\":{");
    first = true;
    for (size_t i = 0; i < p->docs.n; i++) {
        const struct xf_doc_def *d = p->docs.v[i];
        json_t *o = json_object();
        set(o, "name", jstr(d->name));
        set(o, "package_name", jstr(d->package));
        set(o, "block_contents", jstrn(d->text.p ? d->text.p : "", d->text.len));
        member(data, &first, d->unique_id, o);
    }
    xf_buf_adds(data, "}}");
    xf_buf_adds(code, "}");
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
    struct xf_buf data = XF_BUF_INIT, code = XF_BUF_INIT, catalog = XF_BUF_INIT, html = XF_BUF_INIT;
    char *cpath = xf_path_join(&a, dir, "catalog.json");
    char *out = xf_path_join(&a, dir, "index.html");
    int e = 0;
    if (xf_read_file(&catalog, cpath) < 0) {
        xf_buf_reset(&catalog);
        xf_buf_adds(&catalog, "null");
    }
    build_data(&data, &code, p, g, inv);
    xf_buf_grow(&html, data.len / 4 + catalog.len / 4 + code.len / 4 + xf_docs_js_len +
                           xf_docs_css_len + 4096);
    xf_buf_add(&html, head, sizeof head - 1);
    xf_buf_add(&html, xf_docs_css, xf_docs_css_len);
    xf_buf_add(&html, body, sizeof body - 1);
    if (xf_docs_write_block(&html, "xf-manifest", data.ptr, data.len, XF_DOCS_GZIP_OVER) < 0 ||
        xf_docs_write_block(&html, "xf-catalog", catalog.ptr, catalog.len, XF_DOCS_GZIP_OVER) < 0 ||
        xf_docs_write_block(&html, "xf-code", code.ptr, code.len, XF_DOCS_GZIP_OVER) < 0) {
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
    xf_buf_release(&data);
    xf_buf_release(&code);
    xf_buf_release(&catalog);
    xf_buf_release(&html);
    xf_arena_release(&a);
    return e < 0 ? e : 0;
}
