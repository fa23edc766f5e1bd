// SPDX-License-Identifier: MIT
/*
 * The static docs site: one index.html that works opened from disk
 * (file://, no network). The app (docs_app.js, docs_app.css, compiled in)
 * reads manifest.json and catalog.json from two embedded
 * <script type="application/json"> blocks, as `dbt docs generate --static`.
 */
#include <errno.h>
#include <string.h>

#include "artifacts/artifacts.h"
#include "artifacts/docs_assets.h"
#include "util/path.h"

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

int xf_write_docs_site(const char *dir, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf manifest = XF_BUF_INIT, catalog = XF_BUF_INIT, html = XF_BUF_INIT;
    char *mpath = xf_path_join(&a, dir, "manifest.json");
    char *cpath = xf_path_join(&a, dir, "catalog.json");
    char *out = xf_path_join(&a, dir, "index.html");
    int e = xf_read_file(&manifest, mpath);
    if (e < 0) {
        xf_buf_addf(err, "could not read %s: %s", mpath, strerror(-e));
        goto done;
    }
    if (xf_read_file(&catalog, cpath) < 0) {
        xf_buf_reset(&catalog);
        xf_buf_adds(&catalog, "null");
    }
    xf_buf_grow(&html, manifest.len + catalog.len + xf_docs_js_len + xf_docs_css_len + 4096);
    xf_buf_add(&html, head, sizeof head - 1);
    xf_buf_add(&html, xf_docs_css, xf_docs_css_len);
    xf_buf_add(&html, body, sizeof body - 1);
    xf_buf_adds(&html, "<script type=\"application/json\" id=\"xf-manifest\">");
    xf_docs_escape_json(&html, manifest.ptr, manifest.len);
    xf_buf_adds(&html, "</script>\n<script type=\"application/json\" id=\"xf-catalog\">");
    xf_docs_escape_json(&html, catalog.ptr, catalog.len);
    xf_buf_adds(&html, "</script>\n<script>\n");
    xf_buf_add(&html, xf_docs_js, xf_docs_js_len);
    xf_buf_adds(&html, "</script>\n</body>\n</html>\n");
    e = xf_write_file(out, html.ptr, html.len);
    if (e < 0)
        xf_buf_addf(err, "could not write %s: %s", out, strerror(-e));
done:
    xf_buf_release(&manifest);
    xf_buf_release(&catalog);
    xf_buf_release(&html);
    xf_arena_release(&a);
    return e < 0 ? e : 0;
}
