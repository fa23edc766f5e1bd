// SPDX-License-Identifier: MIT
/*
 * The JUnit XML report: what a CI server shows as a test report. A model,
 * seed or snapshot that built is a passing testcase, a data test that
 * found rows a failure (with how many), anything that could not run an
 * error, a node skipped after an upstream failure a skip. Written by a
 * small escaping writer; nothing here reads XML.
 */
#include "artifacts/junit.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parser/project.h"
#include "util/path.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Length of the valid UTF-8 sequence XML allows at p, or 0. */
static size_t utf8_ok(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!n || c > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3) {
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0; /* surrogates */
        if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF: not XML characters */
    }
    if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
        return 0;
    return n;
}

void xf_xml_escape(struct xf_buf *out, const char *s, bool attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        switch (*p) {
        case '&':
            xf_buf_adds(out, "&amp;");
            break;
        case '<':
            xf_buf_adds(out, "&lt;");
            break;
        case '>':
            xf_buf_adds(out, "&gt;");
            break;
        case '"':
            xf_buf_adds(out, attr ? "&quot;" : "\"");
            break;
        case '\'':
            xf_buf_adds(out, attr ? "&apos;" : "'");
            break;
        case '\n':
            xf_buf_adds(out, attr ? "&#10;" : "\n");
            break;
        case '\r':
            xf_buf_adds(out, "&#13;"); /* a raw CR would be read back as a line end */
            break;
        case '\t':
            xf_buf_adds(out, attr ? "&#9;" : "\t");
            break;
        default:
            if (*p < 0x20) {
                xf_buf_adds(out, REPLACEMENT); /* not even &#1; is allowed in XML 1.0 */
                break;
            }
            size_t n = utf8_ok(p);
            if (!n) {
                xf_buf_adds(out, REPLACEMENT);
                break;
            }
            xf_buf_add(out, (const char *)p, n);
            p += n;
            continue;
        }
        p++;
    }
}

static void attr(struct xf_buf *b, const char *name, const char *value)
{
    xf_buf_addf(b, " %s=\"", name);
    xf_xml_escape(b, value, true);
    xf_buf_addch(b, '"');
}

/* The first line of a message, for a message="" attribute (the whole text goes inside). */
static void first_line(struct xf_buf *b, const char *msg)
{
    const char *e = strchr(msg, '\n');
    xf_buf_add(b, msg, e ? (size_t)(e - msg) : strlen(msg));
}

static void testcase(struct xf_buf *b, const struct xf_node_result *r)
{
    const struct xf_node *n = r->node;
    char klass[256], secs[32];
    snprintf(klass, sizeof klass, "%s.%s", n->package ? n->package : "", xf_resource_name(n->type));
    snprintf(secs, sizeof secs, "%.3f", r->execution_time > 0 ? r->execution_time : 0.0);
    xf_buf_adds(b, "    <testcase");
    attr(b, "name", n->name);
    attr(b, "classname", klass);
    attr(b, "time", secs);
    const char *msg = r->message ? r->message : "";
    const char *code = r->compiled_code ? r->compiled_code : n->compiled_code;
    struct xf_buf m = XF_BUF_INIT, body = XF_BUF_INIT;
    switch (r->status) {
    case XF_ST_FAIL:
        xf_buf_addf(&m, "%lld failing %s: ", r->failures, r->failures == 1 ? "row" : "rows");
        first_line(&m, *msg ? msg : "the test found rows");
        xf_buf_addf(&body, "%s\n%s", n->unique_id, msg);
        if (code)
            xf_buf_addf(&body, "\n\ncompiled SQL:\n%s", code);
        xf_buf_adds(b, ">\n      <failure");
        attr(b, "message", m.ptr);
        attr(b, "type", "test failure");
        xf_buf_adds(b, ">");
        xf_xml_escape(b, body.ptr, false);
        xf_buf_adds(b, "</failure>\n    </testcase>\n");
        break;
    case XF_ST_ERROR:
    case XF_ST_RUNTIME_ERROR:
    case XF_ST_PARTIAL_SUCCESS: /* a microbatch model with failed batches */
        first_line(&m, *msg ? msg : "error");
        xf_buf_adds(b, ">\n      <error");
        attr(b, "message", m.ptr);
        attr(b, "type", r->compile_error ? "compilation error" : "database error");
        xf_buf_adds(b, ">");
        xf_buf_addf(&body, "%s\n%s", n->unique_id, msg);
        xf_xml_escape(b, body.ptr, false);
        xf_buf_adds(b, "</error>\n    </testcase>\n");
        break;
    case XF_ST_SKIPPED:
        xf_buf_adds(b, ">\n      <skipped");
        attr(b, "message", *msg ? msg : "skipped: an upstream node failed");
        xf_buf_adds(b, "/>\n    </testcase>\n");
        break;
    default:
        /* passed: what it did, as the console says it (a warning's rows too) */
        if (r->status == XF_ST_WARN)
            xf_buf_addf(&body, "WARN %lld: %s\n", r->failures, msg);
        else if (r->rows_affected >= 0 && n->type == XF_RES_SEED)
            xf_buf_addf(&body, "INSERT %lld\n", r->rows_affected);
        else if (*msg)
            xf_buf_addf(&body, "%s\n", msg);
        if (body.len) {
            xf_buf_adds(b, ">\n      <system-out>");
            xf_xml_escape(b, body.ptr, false);
            xf_buf_adds(b, "</system-out>\n    </testcase>\n");
        } else {
            xf_buf_adds(b, "/>\n");
        }
    }
    xf_buf_release(&m);
    xf_buf_release(&body);
}

int xf_write_junit(const char *path, const struct xf_invocation *inv, const char *project,
                   const char *target, const struct xf_node_result *results, size_t n,
                   double elapsed)
{
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        switch (results[i].status) {
        case XF_ST_FAIL:
            failures++;
            break;
        case XF_ST_ERROR:
        case XF_ST_RUNTIME_ERROR:
        case XF_ST_PARTIAL_SUCCESS:
            errors++;
            break;
        case XF_ST_SKIPPED:
            skipped++;
            break;
        default:
            break;
        }
    }
    char secs[32], name[128], stamp[20] = "", host[256] = "localhost";
    snprintf(secs, sizeof secs, "%.3f", elapsed > 0 ? elapsed : 0.0);
    snprintf(name, sizeof name, "xform %s", inv->command ? inv->command : "run");
    if (inv->generated_at && strlen(inv->generated_at) >= 19)
        memcpy(stamp, inv->generated_at, 19); /* no fraction nor zone: the schema's dateTime */
    if (gethostname(host, sizeof host) != 0 || !*host)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    attr(&b, "name", "xform");
    xf_buf_addf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%s\">\n", n, failures,
                errors, secs);
    xf_buf_adds(&b, "  <testsuite");
    attr(&b, "name", name);
    xf_buf_addf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%s\"", n,
                failures, errors, skipped, secs);
    if (*stamp)
        attr(&b, "timestamp", stamp);
    attr(&b, "hostname", host);
    xf_buf_adds(&b, " id=\"0\"");
    attr(&b, "package", project ? project : "");
    xf_buf_adds(&b, ">\n    <properties>\n");
    const char *props[][2] = {{"invocation_id", inv->invocation_id},
                              {"adapter_type", inv->adapter_type},
                              {"target", target},
                              {"xform_version", XF_VERSION}};
    for (size_t i = 0; i < sizeof props / sizeof *props; i++) {
        if (!props[i][1])
            continue;
        xf_buf_adds(&b, "      <property");
        attr(&b, "name", props[i][0]);
        attr(&b, "value", props[i][1]);
        xf_buf_adds(&b, "/>\n");
    }
    xf_buf_adds(&b, "    </properties>\n");
    for (size_t i = 0; i < n; i++)
        testcase(&b, &results[i]);
    xf_buf_adds(&b, "  </testsuite>\n</testsuites>\n");
    int e = xf_write_file(path, b.ptr, b.len);
    xf_buf_release(&b);
    return e;
}
