// SPDX-License-Identifier: MIT
/*
 * The docs site's stylesheet and script (artifacts/docs_app.css and
 * artifacts/docs_app.js), compiled in by the docs_embed build tool.
 */
#ifndef XF_ARTIFACTS_DOCS_ASSETS_H
#define XF_ARTIFACTS_DOCS_ASSETS_H

#include <stddef.h>

extern const char xf_docs_css[];
extern const size_t xf_docs_css_len;
extern const char xf_docs_js[];
extern const size_t xf_docs_js_len;

#endif
