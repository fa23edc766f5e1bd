// SPDX-License-Identifier: MIT
/*
 * Unit tests for parser/yaml.c: byte locations (UTF-8, BOM, CRLF),
 * anchors and merge keys, YAML 1.1 scalar resolution, syntax errors as
 * located diagnostics, and toyaml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/yaml.h"

struct fx {
    struct xf_arena a;
    struct xf_diags d;
    struct xf_buf b;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    xf_arena_init(&f->a);
    xf_diags_init(&f->d);
    xf_buf_init(&f->b, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    xf_arena_release(&f->a);
    xf_diags_release(&f->d);
    xf_buf_release(&f->b);
    free(f);
    return 0;
}

static struct xf_ynode *parse(struct fx *f, const char *path, const char *text)
{
    struct xf_source *src = XF_ANEW(&f->a, struct xf_source);
    src->path = path;
    src->text = text;
    src->len = strlen(text);
    struct xf_ynode *n = NULL;
    if (xf_yaml_parse(&n, &f->a, src, &f->d) < 0)
        return NULL;
    return n;
}

static const char *diags_text(struct fx *f)
{
    xf_buf_reset(&f->b);
    for (const struct xf_diag *g = f->d.head; g; g = g->next)
        xf_diag_format(&f->b, g, false);
    return f->b.ptr;
}

static const char *repr(struct fx *f, const struct xf_ynode *n)
{
    struct xf_value v = xf_ynode_value(&f->a, n);
    xf_buf_reset(&f->b);
    xf_value_repr(&f->b, &v);
    return f->b.ptr;
}

static void test_locations(void **state)
{
    struct fx *f = *state;
    /* BOM, a two-byte character in a key, CRLF line ends */
    const char *t = "\xef\xbb\xbf"
                    "k\xc3\xa9y: \"v\xc3\xa9\"\r\nlist:\r\n  - a\r\n  - {x: 1}\r\n";
    struct xf_ynode *n = parse(f, "t.yml", t);
    assert_non_null(n);
    assert_int_equal(n->kind, XF_Y_MAP);
    assert_int_equal(n->n, 2);
    assert_int_equal(n->keys[0]->loc.off, 3);
    assert_int_equal(n->keys[0]->loc.len, 4);
    assert_int_equal(n->items[0]->loc.off, 9); /* the opening quote */
    assert_true(n->items[0]->quoted);
    assert_memory_equal(n->items[0]->str.p, "v\xc3\xa9", 3);
    struct xf_ynode *list = xf_ynode_get(n, "list");
    assert_non_null(list);
    assert_int_equal(list->kind, XF_Y_SEQ);
    assert_int_equal(list->n, 2);
    assert_int_equal(list->items[0]->loc.off, (size_t)(strstr(t, "a\r\n") - t));
    assert_int_equal(list->items[1]->loc.off, (size_t)(strstr(t, "{x") - t));
    struct xf_ynode *x = xf_ynode_get(list->items[1], "x");
    assert_int_equal(x->loc.off, (size_t)(strstr(t, "1}") - t));
    assert_null(xf_ynode_get(n, "nope"));
    assert_null(xf_ynode_get(list, "x"));
}

static void test_anchors_and_merge(void **state)
{
    struct fx *f = *state;
    const char *t = "base: &b {materialized: view, tags: [a]}\n"
                    "other: &o {schema: s}\n"
                    "m:\n"
                    "  <<: [*b, *o]\n"
                    "  materialized: table\n"
                    "alias: *b\n";
    struct xf_ynode *n = parse(f, "t.yml", t);
    assert_non_null(n);
    assert_string_equal(repr(f, xf_ynode_get(n, "m")),
                        "{'tags': ['a'], 'schema': 's', 'materialized': 'table'}");
    assert_ptr_equal(xf_ynode_get(n, "alias"), xf_ynode_get(n, "base"));

    assert_null(parse(f, "u.yml", "a: *nothere\n"));
    assert_string_equal(diags_text(f),
                        "u.yml:1:4: error: invalid YAML: found undefined alias 'nothere'\n"
                        " 1 | a: *nothere\n"
                        "   |    ^\n");
}

static void test_resolution(void **state)
{
    struct fx *f = *state;
    const char *t = "a: [~, null, '', yes, No, on, OFF, true, 'true', 12, -0x1f, 0b101, 017, "
                    "1_000, 1:30, 1.5, -.5, .inf, -.Inf, 1e3, 0.1.2, 2024-01-02, abc, "
                    "\"12\", +7]\n"
                    "b:\n"
                    "c: |\n"
                    "  line one\n"
                    "  line two\n"
                    "d: !!str 5\n";
    struct xf_ynode *n = parse(f, "t.yml", t);
    assert_non_null(n);
    assert_string_equal(repr(f, xf_ynode_get(n, "a")),
                        "[None, None, '', True, False, True, False, True, 'true', 12, -31, 5, "
                        "15, 1000, 90, 1.5, -0.5, inf, -inf, '1e3', '0.1.2', "
                        "'2024-01-02', 'abc', '12', 7]");
    struct xf_ynode *e = parse(f, "f.yml", "[1.0e+3, 1_0.2_5, 9223372036854775808]");
    struct xf_value ev = xf_ynode_value(&f->a, e);
    assert_int_equal(ev.u.l->items[0].t, XF_V_FLOAT);
    assert_true(ev.u.l->items[0].u.f == 1000.0);
    assert_true(ev.u.l->items[1].u.f == 10.25);
    assert_int_equal(ev.u.l->items[2].t, XF_V_FLOAT);
    assert_true(ev.u.l->items[2].u.f == 9223372036854775808.0);
    assert_string_equal(repr(f, xf_ynode_get(n, "b")), "None");
    assert_string_equal(repr(f, xf_ynode_get(n, "c")), "'line one\\nline two\\n'");
    assert_string_equal(repr(f, xf_ynode_get(n, "d")), "'5'");
}

static void test_empty_and_errors(void **state)
{
    struct fx *f = *state;
    struct xf_ynode *n = parse(f, "e.yml", "");
    assert_non_null(n);
    assert_int_equal(n->kind, XF_Y_MAP);
    assert_int_equal(n->n, 0);
    n = parse(f, "e.yml", "# only a comment\n");
    assert_non_null(n);
    assert_int_equal(n->kind, XF_Y_MAP);

    assert_null(parse(f, "bad.yml", "models:\n  - name: a\n    description: [x\n  - name: b\n"));
    assert_string_equal(diags_text(f),
                        "bad.yml:4:9: error: invalid YAML: did not find expected ',' or ']' "
                        "(while parsing a flow sequence at line 3)\n"
                        " 4 |   - name: b\n"
                        "   |         ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_null(parse(f, "tab.yml", "a:\n\tb: 1\n"));
    assert_string_equal(diags_text(f),
                        "tab.yml:2:1: error: invalid YAML: found character that cannot start "
                        "any token (while scanning for the next token at line 2)\n"
                        " 2 | \tb: 1\n"
                        "   | ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_null(parse(f, "two.yml", "a: 1\n---\nb: 2\n"));
    assert_string_equal(diags_text(f), "two.yml:2:1: error: invalid YAML: expected a single "
                                       "document in the stream, found another one\n"
                                       " 2 | ---\n"
                                       "   | ^\n");

    struct xf_buf err = XF_BUF_INIT;
    assert_int_equal(xf_yaml_parse_str(&n, &f->a, "{a: 1", 5, &err), -1);
    assert_string_equal(err.ptr, "1:6: did not find expected ',' or '}' (while parsing a flow "
                                 "mapping at line 1)");
    xf_buf_release(&err);
    assert_int_equal(xf_yaml_parse_str(&n, &f->a, "{\"a\": [1, 2]}", 13, NULL), 0);
    assert_string_equal(repr(f, n), "{'a': [1, 2]}");
}

/* Complex keys and alias bombs: refused quickly, located, never expanded. */
static void test_bombs(void **state)
{
    struct fx *f = *state;
    /* 62 bytes of nested complex keys: exponential text if turned into keys */
    char keys[128] = "";
    for (int i = 0; i < 30; i++)
        strcat(keys, "? ");
    strcat(keys, "a\n");
    assert_null(parse(f, "k.yml", keys));
    assert_string_equal(diags_text(f), "k.yml:1:3: error: a mapping key must be a plain value, "
                                       "found a mapping (dbt's YAML loader refuses it)\n"
                                       " 1 | ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? ? "
                                       "? ? ? ? a\n"
                                       "   |   ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_null(parse(f, "s.yml", "x: &l [1]\n*l : 2\n"));
    assert_string_equal(diags_text(f), "s.yml:2:1: error: a mapping key must be a plain value, "
                                       "found a sequence (dbt's YAML loader refuses it)\n"
                                       " 2 | *l : 2\n"
                                       "   | ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_null(parse(f, "r.yml", "a: &r [1, *r]\n"));
    assert_string_equal(diags_text(f),
                        "r.yml:1:11: error: alias '*r' refers to a node that contains it\n"
                        " 1 | a: &r [1, *r]\n"
                        "   |           ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);

    /* billion laughs: nine levels of nine aliases */
    struct xf_buf t = XF_BUF_INIT;
    xf_buf_adds(&t, "meta:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
        xf_buf_addf(&t, "  a%d: &a%d [", i, i);
        for (int j = 0; j < 9; j++)
            xf_buf_addf(&t, "%s*a%d", j ? ", " : "", i - 1);
        xf_buf_adds(&t, "]\n");
    }
    assert_null(parse(f, "b.yml", t.ptr));
    const char *got = diags_text(f);
    assert_non_null(strstr(got, "b.yml:8:12:"));
    assert_non_null(strstr(got, "error: yaml alias expansion exceeds 1000000 nodes at alias "
                                "'*a5' (set XFORM_YAML_MAX_NODES to allow more)\n"));
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    /* a lower limit stops it sooner; a small use of aliases stays fine */
    setenv("XFORM_YAML_MAX_NODES", "50", 1);
    assert_null(parse(f, "b.yml", t.ptr));
    assert_non_null(strstr(diags_text(f), "b.yml:3:37:"));
    assert_non_null(strstr(diags_text(f), "exceeds 50 nodes at alias '*a0'"));
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    struct xf_ynode *n = parse(f, "ok.yml", "a: &a [1, 2]\nb: [*a, *a]\n");
    assert_non_null(n);
    assert_string_equal(repr(f, xf_ynode_get(n, "b")), "[[1, 2], [1, 2]]");
    setenv("XFORM_YAML_MAX_NODES", "lots", 1);
    assert_null(parse(f, "e.yml", "a: 1\n"));
    assert_non_null(strstr(diags_text(f), "e.yml:1:1: error: XFORM_YAML_MAX_NODES is 'lots', "
                                          "expected a positive whole number\n"));
    struct xf_buf err = XF_BUF_INIT;
    setenv("XFORM_YAML_MAX_NODES", "3", 1);
    assert_int_equal(xf_yaml_parse_str(&n, &f->a, "a: &a [1, 2]\nb: [*a, *a]\n", 25, &err), -1);
    assert_string_equal(err.ptr, "2:9: yaml alias expansion exceeds 3 nodes at alias '*a' (set "
                                 "XFORM_YAML_MAX_NODES to allow more)");
    unsetenv("XFORM_YAML_MAX_NODES");
    xf_buf_release(&err);
    xf_buf_release(&t);
}

static void test_emit(void **state)
{
    struct fx *f = *state;
    struct xf_ynode *n = parse(f, "t.yml",
                               "name: x\nn: 3\nf: 2.5\nb: true\nz: null\ns: ['yes', '12', "
                               "'', 'a: b', plain]\ne: {}\nl: []\nm: {k: [1, {q: 2}]}\n");
    assert_non_null(n);
    struct xf_value v = xf_ynode_value(&f->a, n);
    xf_buf_reset(&f->b);
    xf_yaml_emit(&f->b, &v);
    assert_string_equal(f->b.ptr, "name: x\n"
                                  "n: 3\n"
                                  "f: 2.5\n"
                                  "b: true\n"
                                  "z: null\n"
                                  "s:\n"
                                  "- 'yes'\n"
                                  "- '12'\n"
                                  "- ''\n"
                                  "- 'a: b'\n"
                                  "- plain\n"
                                  "e: {}\n"
                                  "l: []\n"
                                  "m:\n"
                                  "  k:\n"
                                  "  - 1\n"
                                  "  - q: 2\n");
    /* what it writes reads back the same */
    struct xf_ynode *back;
    assert_int_equal(xf_yaml_parse_str(&back, &f->a, f->b.ptr, f->b.len, NULL), 0);
    struct xf_value v2 = xf_ynode_value(&f->a, back);
    assert_true(xf_value_equal(&v, &v2));
    struct xf_value fl = xf_v_float(1.0);
    xf_buf_reset(&f->b);
    xf_yaml_emit(&f->b, &fl);
    assert_string_equal(f->b.ptr, "1.0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchors_and_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bombs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
