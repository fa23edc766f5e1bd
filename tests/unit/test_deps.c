// SPDX-License-Identifier: MIT
/*
 * Unit tests for deps/: semantic versions and ranges as dbt orders and
 * intersects them, the sha1_hash of packages.yml, package entries and
 * their errors, and package-lock.yml written then read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "deps/deps.h"
#include "util/path.h"

static struct xf_semver V(const char *s) {
    struct xf_semver v;
    assert_int_equal(xf_semver_parse(&v, s), 0);
    return v;
}

static struct xf_semver_req
R(const char *s) {
    struct xf_semver_req r;
    assert_int_equal(xf_semver_req_parse(&r, s), 0);
    return r;
}

static void
test_semver_parse(void **state)
{
    (void)state;
    struct xf_semver v = V("1.20.3");
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 20);
    assert_int_equal(v.patch, 3);
    assert_null(v.pre);
    v = V("0.4.5-a2");
    assert_int_equal(v.pre_len, 2);
    assert_memory_equal(v.pre, "a2", 2);
    V("1.0.0+build.5");
    V("1.0.0b1"); /* dbt takes a prerelease without the dash */
    struct xf_semver bad;
    assert_int_equal(xf_semver_parse(&bad, "1.0"), -1);
    assert_int_equal(xf_semver_parse(&bad, "01.0.0"), -1);
    assert_int_equal(xf_semver_parse(&bad, "one"), -1);
    assert_int_equal(xf_semver_parse(&bad, "1.0.0 "), -1);
    struct xf_semver_req r = R(">=1.2.0");
    assert_int_equal(r.op, XF_SV_GE);
    assert_int_equal(R("<2.0.0").op, XF_SV_LT);
    assert_int_equal(R("<=2.0.0").op, XF_SV_LE);
    assert_int_equal(R(">2.0.0").op, XF_SV_GT);
    assert_int_equal(R("=2.0.0").op, XF_SV_EQ);
    assert_int_equal(R("2.0.0").op, XF_SV_EQ);
    assert_int_equal(xf_semver_req_parse(&r, "~>1.0.0"), -1);
}

static void test_semver_order(void **state)
{
    (void)state;
    /* words compare as text (a10 before a2, as in semver and dbt), numbers as numbers */
    const char *sorted[] = {"0.9.9",    "1.0.0-1",    "1.0.0-a1",    "1.0.0-a10", "1.0.0-a2",
                            "1.0.0-b1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0-rc1", "1.0.0",
                            "1.0.1",    "1.2.0",      "1.10.0"};
    size_t n = sizeof sorted / sizeof *sorted;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            struct xf_semver a = V(sorted[i]), b = V(sorted[j]);
            int c = xf_semver_cmp(&a, &b);
            if (i < j)
                assert_true(c < 0);
            else if (i > j)
                assert_true(c > 0);
            else
                assert_int_equal(c, 0);
        }
    }
}

static void test_semver_ranges(void **state)
{
    (void)state;
    struct xf_semver v = V("1.2.0");
    struct xf_semver_req ge = R(">=1.0.0"), lt = R("<2.0.0"), eq = R("1.2.0"), gt = R(">1.2.0");
    assert_true(xf_semver_satisfies(&v, &ge));
    assert_true(xf_semver_satisfies(&v, &lt));
    assert_true(xf_semver_satisfies(&v, &eq));
    assert_false(xf_semver_satisfies(&v, &gt));
    /* intersections */
    struct xf_semver_req ge2 = R(">=2.0.0"), le2 = R("<=2.0.0"), gt2 = R(">2.0.0"),
                         eq3 = R("3.0.0"), eq12 = R("1.2.0");
    assert_true(xf_semver_compatible(&ge, &lt));
    assert_false(xf_semver_compatible(&ge2, &lt)); /* [2, inf) and (-inf, 2) */
    assert_true(xf_semver_compatible(&ge2, &le2)); /* exactly 2.0.0 */
    assert_false(xf_semver_compatible(&gt2, &le2));
    assert_false(xf_semver_compatible(&eq3, &lt));
    assert_true(xf_semver_compatible(&eq12, &eq));
    assert_false(xf_semver_compatible(&eq3, &eq12));
    assert_true(xf_semver_compatible(&lt, &le2)); /* both upper bounds */
}

struct fx {
    struct xf_arena a;
    struct xf_diags d;
    char dir[64];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    xf_arena_init(&f->a);
    xf_diags_init(&f->d);
    strcpy(f->dir, "/tmp/xf-test-deps-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    xf_remove_tree(f->dir);
    xf_arena_release(&f->a);
    xf_diags_release(&f->d);
    free(f);
    return 0;
}

static int parse(struct fx *f, xf_pkg_specs *out, const char *text)
{
    struct xf_source *src = XF_ANEW(&f->a, struct xf_source);
    src->path = "packages.yml";
    src->text = text;
    src->len = strlen(text);
    memset(out, 0, sizeof *out);
    return xf_pkg_parse_source(out, &f->a, src, &f->d);
}

static const char *first_error(struct fx *f)
{
    for (const struct xf_diag *g = f->d.head; g; g = g->next) {
        if (g->sev == XF_SEV_ERROR)
            return g->msg;
    }
    return "";
}

static void test_entries(void **state)
{
    struct fx *f = *state;
    xf_pkg_specs s;
    assert_int_equal(
        parse(f, &s,
              "packages:\n"
              "  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n"
              "  - git: https://example.com/r.git\n    revision: v1\n"
              "    subdirectory: pkg\n    warn-unpinned: false\n"
              "  - local: ../x\n"
              "  - tarball: https://example.com/t.tgz\n    name: t\n"),
        0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0].kind, XF_PKG_HUB);
    assert_true(s.v[0].version_list);
    assert_int_equal(s.v[0].versions.n, 2);
    assert_string_equal(s.v[0].versions.v[1], "<2.0.0");
    assert_int_equal(s.v[1].kind, XF_PKG_GIT);
    assert_string_equal(s.v[1].revision, "v1");
    assert_string_equal(s.v[1].subdirectory, "pkg");
    assert_false(s.v[1].warn_unpinned);
    assert_int_equal(s.v[2].kind, XF_PKG_LOCAL);
    assert_string_equal(s.v[3].name, "t");

    assert_int_equal(parse(f, &s, "packages:\n  - package: a/b\n    version: [\">=1.0.0\", 2]\n"),
                     -1);
    assert_string_equal(first_error(f), "'2' is not a version of hub package 'a/b'");
    assert_int_equal(parse(f, &s, "packages:\n  - private: org/repo\n"), -1);
    assert_string_equal(f->d.tail->msg, "'private' packages are not supported");
    assert_int_equal(parse(f, &s, "packages:\n  - just text\n"), -1);
    assert_string_equal(f->d.tail->msg, "a package entry must be a mapping");
    assert_int_equal(parse(f, &s, "packages: {a: 1}\n"), -1);
    assert_string_equal(f->d.tail->msg, "'packages' must be a list");
    assert_int_equal(parse(f, &s, "packages:\n  - git:\n"), -1);
    assert_string_equal(f->d.tail->msg, "'git' needs a text value");
    assert_int_equal(parse(f, &s, "packages:\n  - package: a/b\n    version: {x: 1}\n"), -1);
    assert_string_equal(f->d.tail->msg, "the version of 'a/b' must be text or a list");
    assert_int_equal(parse(f, &s, "packages:\n  - package: a/b\n    version: [[1.0.0]]\n"), -1);
    assert_string_equal(f->d.tail->msg, "a version range must be text, e.g. \">=1.0.0\"");
    assert_int_equal(parse(f, &s, "packages:\n  - git: x\n    revision: --upload-pack=y\n"), -1);
    assert_string_equal(f->d.tail->msg, "git revision '--upload-pack=y' cannot start with '-'");
    assert_int_equal(parse(f, &s, "- local: x\n"), -1);
    assert_string_equal(f->d.tail->msg, "expected a mapping with a 'packages:' list");
    assert_int_equal(parse(f, &s, "packages:\n  - local: x\nprojects:\n  - name: p\n"), 0);
    assert_int_equal(f->d.tail->sev, XF_SEV_WARNING);
    assert_string_equal(f->d.tail->msg, "'projects' (dependencies on other dbt projects) are "
                                        "not supported; ignored");
}

static void test_hash(void **state)
{
    struct fx *f = *state;
    xf_pkg_specs a, b, c;
    char ha[41], hb[41], hc[41];
    assert_int_equal(
        parse(f, &a, "packages:\n  - local: ../x\n  - package: a/b\n    version: 1.0.0\n"), 0);
    assert_int_equal(
        parse(f, &b, "packages:\n  - package: a/b\n    version: 1.0.0\n  - local: ../x\n"), 0);
    assert_int_equal(
        parse(f, &c, "packages:\n  - local: ../x\n  - package: a/b\n    version: 1.0.1\n"), 0);
    xf_pkg_hash(ha, &a);
    xf_pkg_hash(hb, &b);
    xf_pkg_hash(hc, &c);
    assert_int_equal(strlen(ha), 40);
    assert_string_equal(ha, hb); /* the order of entries does not matter, as in dbt */
    assert_string_not_equal(ha, hc);
}

static void test_lock_round_trip(void **state)
{
    struct fx *f = *state;
    struct xf_pkg_spec pinned[4];
    memset(pinned, 0, sizeof pinned);
    pinned[0] = (struct xf_pkg_spec){
        .kind = XF_PKG_HUB, .source = "dbt-labs/dbt_utils", .name = "dbt_utils"};
    xf_avec_push(&f->a, &pinned[0].versions, "1.1.1");
    pinned[1] = (struct xf_pkg_spec){.kind = XF_PKG_GIT,
                                     .source = "https://example.com/r.git",
                                     .name = "r",
                                     .subdirectory = "sub dir",
                                     /* all digits: must come back as text */
                                     .revision = "1234567890123456789012345678901234567890"};
    pinned[2] = (struct xf_pkg_spec){.kind = XF_PKG_LOCAL, .source = "../", .name = "yes"};
    pinned[3] =
        (struct xf_pkg_spec){.kind = XF_PKG_TARBALL, .source = "https://e.com/t.tgz", .name = "t"};
    assert_int_equal(xf_pkg_write_lock(f->dir, pinned, 4, "abc"), 0);
    struct xf_buf b = XF_BUF_INIT;
    assert_int_equal(xf_read_file(&b, xf_path_join(&f->a, f->dir, "package-lock.yml")), 0);
    assert_string_equal(b.ptr, "packages:\n"
                               "  - name: dbt_utils\n    package: dbt-labs/dbt_utils\n"
                               "    version: 1.1.1\n"
                               "  - git: https://example.com/r.git\n    name: r\n"
                               "    revision: \"1234567890123456789012345678901234567890\"\n"
                               "    subdirectory: \"sub dir\"\n"
                               "  - local: ../\n    name: \"yes\"\n"
                               "  - name: t\n    tarball: https://e.com/t.tgz\n"
                               "sha1_hash: abc\n");
    xf_buf_release(&b);
    struct xf_pkg_lock lock;
    assert_int_equal(xf_pkg_read_lock(&lock, &f->a, f->dir, &f->d), 1);
    assert_int_equal(lock.packages.n, 4);
    assert_string_equal(lock.sha1_hash, "abc");
    assert_string_equal(lock.packages.v[0].versions.v[0], "1.1.1");
    assert_string_equal(lock.packages.v[1].revision, "1234567890123456789012345678901234567890");
    assert_string_equal(lock.packages.v[1].subdirectory, "sub dir");
    assert_string_equal(lock.packages.v[2].name, "yes");
    assert_string_equal(lock.packages.v[3].name, "t");
}

static void test_safe_paths_and_names(void **state)
{
    (void)state;
    assert_true(xf_pkg_safe_path("a/b"));
    assert_true(xf_pkg_safe_path("a/..b/c"));
    assert_false(xf_pkg_safe_path("../a"));
    assert_false(xf_pkg_safe_path("a/../../b"));
    assert_false(xf_pkg_safe_path("a/.."));
    assert_false(xf_pkg_safe_path("/etc"));
    assert_false(xf_pkg_safe_path(""));
    assert_true(xf_pkg_valid_name("dbt_utils"));
    assert_true(xf_pkg_valid_name("_x1"));
    assert_false(xf_pkg_valid_name("1x"));
    assert_false(xf_pkg_valid_name("a-b"));
    assert_false(xf_pkg_valid_name("../x"));
    assert_false(xf_pkg_valid_name(""));
    assert_false(xf_pkg_valid_name(NULL));
}

static void test_git_command(void **state)
{
    (void)state;
    struct xf_buf out = XF_BUF_INIT, err = XF_BUF_INIT;
    const char *version[] = {"git", "--version", NULL};
    assert_int_equal(xf_fetch_git(version, NULL, &out, &err), 0);
    assert_true(!strncmp(out.ptr, "git version ", 12));
    const char *bad[] = {"git", "no-such-command", NULL};
    assert_true(xf_fetch_git(bad, NULL, NULL, &err) != 0);
    assert_non_null(strstr(err.ptr, "no-such-command"));
    xf_buf_release(&out);
    xf_buf_release(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semver_parse),
        cmocka_unit_test(test_semver_order),
        cmocka_unit_test(test_semver_ranges),
        cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_round_trip, setup, teardown),
        cmocka_unit_test(test_safe_paths_and_names),
        cmocka_unit_test(test_git_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
