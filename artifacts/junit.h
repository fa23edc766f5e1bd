// SPDX-License-Identifier: MIT
/*
 * The JUnit XML report CI servers read (Jenkins, GitLab, GitHub Actions
 * reporters): one testsuite per command, one testcase per node run,
 * failures, errors and skips in the shape of Jenkins' junit-10 schema.
 */
#ifndef XF_ARTIFACTS_JUNIT_H
#define XF_ARTIFACTS_JUNIT_H

#include <stdbool.h>
#include <stddef.h>

#include "artifacts/results.h"
#include "util/buf.h"

/*
 * Appends `s` to `out` as XML character data (`attr`: as an attribute
 * value): & < > " ' escaped, tabs and line ends kept (as references in
 * an attribute), other control characters and invalid UTF-8, which XML 1.0
 * cannot carry even escaped, as U+FFFD.
 */
void xf_xml_escape(struct xf_buf *out, const char *s, bool attr);

/*
 * Writes the report of a run to `path` (atomically, creating its folder):
 * a <testsuites> holding one <testsuite name="xform <command>"> with the
 * counts and a <testcase> per result, classname "<package>.<resource
 * type>", name the node's name. `project` names the suite's package and
 * `target` goes into its properties. Returns 0 or -errno.
 */
int xf_write_junit(const char *path, const struct xf_invocation *inv, const char *project,
                   const char *target, const struct xf_node_result *results, size_t n,
                   double elapsed);

#endif
