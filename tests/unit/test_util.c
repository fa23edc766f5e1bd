// SPDX-License-Identifier: MIT
/*
 * Unit tests for util/: buffer, arena, map, values, suggestions, the
 * diagnostic printer and atomic file writes.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/map.h"
#include "util/path.h"
#include "util/value.h"

static void test_buf(void **state)
{
    struct xf_buf b = XF_BUF_INIT;
    assert_string_equal(b.ptr, "");
    for (int i = 0; i < 1000; i++)
        xf_buf_addf(&b, "%d,", i);
    assert_int_equal(b.len, 3890);
    assert_memory_equal(b.ptr, "0,1,2,", 6);
    xf_buf_setlen(&b, 2);
    assert_string_equal(b.ptr, "0,");
    char *s = xf_buf_detach(&b, NULL);
    assert_string_equal(s, "0,");
    assert_string_equal(b.ptr, "");
    free(s);
}

static void test_arena(void **state)
{
    struct xf_arena a;
    xf_arena_init(&a);
    char *big = xf_arena_alloc(&a, 1 << 20);
    big[(1 << 20) - 1] = 1;
    int *p = NULL;
    size_t cap = 0;
    for (int i = 0; i < 10000; i++) {
        if ((size_t)i == cap) {
            p = xf_arena_grow(&a, p, cap * sizeof *p, (cap ? cap * 2 : 4) * sizeof *p);
            cap = cap ? cap * 2 : 4;
        }
        p[i] = i;
    }
    for (int i = 0; i < 10000; i++)
        assert_int_equal(p[i], i);
    assert_string_equal(xf_arena_printf(&a, "%s-%d", "x", 5), "x-5");
    xf_arena_release(&a);
}

static void test_map(void **state)
{
    struct xf_map m;
    xf_map_init(&m);
    struct xf_arena a;
    xf_arena_init(&a);
    for (int i = 0; i < 5000; i++) {
        char *k = xf_arena_printf(&a, "key%d", i);
        assert_null(xf_map_put(&m, xf_str_c(k), (void *)(intptr_t)(i + 1)));
    }
    assert_int_equal(m.n, 5000);
    assert_int_equal((intptr_t)xf_map_getc(&m, "key4321"), 4322);
    assert_null(xf_map_getc(&m, "nope"));
    xf_map_release(&m);
    xf_arena_release(&a);
}

static void test_value_repr(void **state)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_value d = xf_v_dict(&a, 0);
    struct xf_value l = xf_v_list(&a, 0);
    xf_list_push(&a, l.u.l, xf_v_int(1));
    xf_list_push(&a, l.u.l, xf_v_strc("it's"));
    xf_list_push(&a, l.u.l, xf_v_float(2.5));
    xf_list_push(&a, l.u.l, xf_v_none());
    xf_dict_set(&a, d.u.d, XF_STR("a"), l);
    xf_dict_set(&a, d.u.d, XF_STR("b"), xf_v_bool(true));
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, &d);
    assert_string_equal(b.ptr, "{'a': [1, \"it's\", 2.5, None], 'b': True}");
    for (int i = 0; i < 100; i++)
        xf_dict_set(&a, d.u.d, xf_str_c(xf_arena_printf(&a, "k%d", i)), xf_v_int(i));
    assert_int_equal(xf_dict_getc(d.u.d, "k77")->u.i, 77);
    assert_true(xf_dict_del(d.u.d, XF_STR("k5")));
    assert_null(xf_dict_getc(d.u.d, "k5"));
    assert_int_equal(xf_dict_getc(d.u.d, "k99")->u.i, 99);
    struct xf_value one = xf_v_int(1), onef = xf_v_float(1.0);
    assert_true(xf_value_equal(&one, &onef));
    xf_buf_release(&b);
    xf_arena_release(&a); /* frees the dict and its index */
}

static void test_suggest(void **state)
{
    const char *names[] = {"stg_customers", "stg_orders", "stg_payments", "orders"};
    assert_string_equal(xf_str_suggest(XF_STR("stg_order"), names, 4), "stg_orders");
    assert_null(xf_str_suggest(XF_STR("zzzzzz"), names, 4));
}

static void test_diag_format(void **state)
{
    struct xf_source src = {"models/a.sql", "select 1\nfrom {{ ref('x') }}\n", 0};
    src.len = strlen(src.text);
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_diag *g =
        xf_diag_add(&d, XF_SEV_ERROR, (struct xf_loc){&src, 17, 10}, "unknown model '%s'", "x");
    xf_diag_hint(g, "check the name");
    struct xf_buf b = XF_BUF_INIT;
    xf_diag_format(&b, g, false);
    assert_string_equal(b.ptr, "models/a.sql:2:9: error: unknown model 'x'\n"
                               " 2 | from {{ ref('x') }}\n"
                               "   |         ^~~~~~~~~~\n"
                               "  hint: check the name\n");
    assert_int_equal(d.nerrors, 1);
    xf_buf_release(&b);
    xf_diags_release(&d);
}

/* Entries of a folder other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/*
 * xf_write_file and xf_write_file_if_changed past a file size limit (in a
 * child: RLIMIT_FSIZE, SIGXFSZ ignored) fail with -EFBIG and leave the old
 * file whole and no temporary file; a new file is not created at all.
 */
static void test_write_file_atomic(void **state)
{
    char dir[] = "/tmp/xform-test-write-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], fresh[128];
    snprintf(path, sizeof path, "%s/sub/a.json", dir);
    snprintf(fresh, sizeof fresh, "%s/sub/b.json", dir);
    assert_int_equal(xf_write_file(path, "old content\n", 12), 0);
    assert_int_equal(xf_write_file_if_changed(path, "old content\n", 12), 1);

    static char big[8192];
    memset(big, 'x', sizeof big);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        int ok = xf_write_file(path, big, sizeof big) == -EFBIG &&
                 xf_write_file_if_changed(path, big, sizeof big) == -EFBIG &&
                 xf_write_file(fresh, big, sizeof big) == -EFBIG;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    struct xf_buf b = XF_BUF_INIT;
    assert_int_equal(xf_read_file(&b, path), 0);
    assert_string_equal(b.ptr, "old content\n");
    xf_buf_release(&b);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(count_entries(sub), 1); /* a.json only: no b.json, no temporary file */

    /* with room, the new content replaces the old */
    assert_int_equal(xf_write_file_if_changed(path, big, sizeof big), 0);
    assert_int_equal(xf_read_file(&b, path), 0);
    assert_int_equal(b.len, sizeof big);
    xf_buf_release(&b);
    assert_int_equal(count_entries(sub), 1);
    assert_int_equal(xf_remove_tree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_value_repr),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_write_file_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
