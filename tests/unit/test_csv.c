// SPDX-License-Identifier: MIT
/*
 * Unit tests for parser/csv.c: RFC 4180 quoting, NULL versus the empty
 * string, CRLF and BOM, delimiters, located errors, type inference, and
 * the speed of a 100k-row seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "parser/csv.h"

struct fx {
    struct xf_arena a;
    struct xf_diags d;
    struct xf_buf b;
    struct xf_source src;
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

static int parse(struct fx *f, struct xf_csv *csv, const char *text, char delim)
{
    f->src = (struct xf_source){"seeds/s.csv", text, strlen(text)};
    return xf_csv_parse(csv, &f->a, &f->src, delim, &f->d);
}

static const char *diags_text(struct fx *f)
{
    xf_buf_reset(&f->b);
    for (const struct xf_diag *g = f->d.head; g; g = g->next)
        xf_diag_format(&f->b, g, false);
    return f->b.ptr;
}

static void assert_cell(const struct xf_csv *c, size_t row, size_t col, const char *want)
{
    struct xf_str s = c->cells[row * c->ncols + col];
    if (!want) {
        assert_null(s.p);
        return;
    }
    assert_non_null(s.p);
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.p, want, s.len);
}

static void test_quoting(void **state)
{
    struct fx *f = *state;
    struct xf_csv c;
    const char *t = "\xef\xbb\xbfid,name,note\r\n"
                    "1,\"Smith, J\",\"said \"\"hi\"\"\"\r\n"
                    "2,,\"\"\r\n"
                    "3,\"two\nlines\",x\r\n"
                    "\r\n"
                    "4,last,\n";
    assert_int_equal(parse(f, &c, t, 0), 0);
    assert_int_equal(c.ncols, 3);
    assert_int_equal(c.nrows, 4);
    assert_int_equal(c.header[0].len, 2);
    assert_memory_equal(c.header[0].p, "id", 2); /* BOM not part of the name */
    assert_cell(&c, 0, 1, "Smith, J");
    assert_cell(&c, 0, 2, "said \"hi\"");
    assert_cell(&c, 1, 1, NULL); /* empty unquoted: NULL */
    assert_cell(&c, 1, 2, "");   /* empty quoted: the empty string */
    assert_cell(&c, 2, 1, "two\nlines");
    assert_cell(&c, 3, 2, NULL);
    assert_int_equal(c.row_offsets[0], (size_t)(strstr(t, "1,") - t));
    assert_int_equal(c.row_offsets[3], (size_t)(strstr(t, "4,") - t));
    assert_int_equal(c.types[0], XF_COL_INTEGER);
    assert_int_equal(c.types[1], XF_COL_TEXT);

    /* no trailing newline, other delimiter */
    assert_int_equal(parse(f, &c, "a;b\n1,5;x", ';'), 0);
    assert_int_equal(c.nrows, 1);
    assert_cell(&c, 0, 0, "1,5");
    assert_cell(&c, 0, 1, "x");
}

static void test_types(void **state)
{
    struct fx *f = *state;
    struct xf_csv c;
    const char *t =
        "i,r,b,d,ts,mix,txt,nul,dts,big\n"
        "1,1.5,true,2024-02-29,2024-01-01 10:00:00,1,abc,,2024-01-01,9223372036854775807\n"
        "-2,3,FALSE,2023-12-31,2024-01-01T10:00:00.123Z,2024-01-01,1,,"
        "2024-01-02 00:00:00+02:00,9223372036854775808\n"
        "+3,-1e5,False,2024-01-01,2024-01-01 23:59:59,x,true,,2024-01-03,1\n";
    assert_int_equal(parse(f, &c, t, ','), 0);
    enum xf_coltype want[] = {XF_COL_INTEGER,   XF_COL_REAL, XF_COL_BOOLEAN, XF_COL_DATE,
                              XF_COL_TIMESTAMP, XF_COL_TEXT, XF_COL_TEXT,    XF_COL_TEXT,
                              XF_COL_TIMESTAMP, XF_COL_REAL};
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(c.types[i], want[i]);
    assert_string_equal(xf_coltype_name(XF_COL_TIMESTAMP), "timestamp");
    /* not a date: month 13, 2023 is not a leap year */
    assert_int_equal(parse(f, &c, "d\n2024-13-01\n", ','), 0);
    assert_int_equal(c.types[0], XF_COL_TEXT);
    assert_int_equal(parse(f, &c, "d\n2023-02-29\n", ','), 0);
    assert_int_equal(c.types[0], XF_COL_TEXT);
}

static void test_errors(void **state)
{
    struct fx *f = *state;
    struct xf_csv c;
    assert_int_equal(
        parse(f, &c, "a,b,c,d\n1,2,3,4\n5,6,7,8\n9,10,11,12\n13,14,15,16\n17,18,19\n", ','), -1);
    assert_string_equal(diags_text(f), "seeds/s.csv:6:1: error: row 5 has 3 fields, the header "
                                       "has 4\n"
                                       " 6 | 17,18,19\n"
                                       "   | ^\n"
                                       "  hint: leave a field empty (nothing between two ',') "
                                       "for NULL\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(parse(f, &c, "a,b\n1,\"open\n2,3\n", ','), -1);
    assert_string_equal(diags_text(f), "seeds/s.csv:2:3: error: unterminated quoted field\n"
                                       " 2 | 1,\"open\n"
                                       "   |   ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(parse(f, &c, "a,b\n\"x\"y,2\n", ','), -1);
    assert_string_equal(diags_text(f),
                        "seeds/s.csv:2:4: error: unexpected 'y' after the closing quote of a "
                        "field\n"
                        " 2 | \"x\"y,2\n"
                        "   |    ^\n"
                        "  hint: write a quote inside a quoted field as two quotes (\"\")\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(parse(f, &c, "a,b,a\n1,2,3\n", ','), -1);
    assert_string_equal(diags_text(f), "seeds/s.csv:1:5: error: duplicate column 'a' in the "
                                       "header\n"
                                       " 1 | a,b,a\n"
                                       "   |     ^\n"
                                       "  hint: column 1 has the same name; rename one of them\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(parse(f, &c, "a,,c\n", ','), -1);
    assert_string_equal(diags_text(f), "seeds/s.csv:1:3: error: column 2 of the header has no "
                                       "name\n"
                                       " 1 | a,,c\n"
                                       "   |   ^\n");
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(parse(f, &c, "", ','), -1);
    assert_string_equal(diags_text(f), "seeds/s.csv:1:1: error: the CSV file is empty: a seed "
                                       "needs a header row\n"
                                       " 1 | \n"
                                       "   | ^\n");
}

static void test_speed(void **state)
{
    struct fx *f = *state;
    struct xf_buf t = XF_BUF_INIT;
    xf_buf_adds(&t, "id,name,amount,day,flag\n");
    for (int i = 0; i < 100000; i++)
        xf_buf_addf(&t, "%d,\"customer %d\",%d.%02d,2024-01-%02d,%s\n", i, i, i, i % 100,
                    i % 28 + 1, i % 2 ? "true" : "false");
    struct xf_csv c;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    f->src = (struct xf_source){"seeds/big.csv", t.ptr, t.len};
    assert_int_equal(xf_csv_parse(&c, &f->a, &f->src, ',', &f->d), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(c.nrows, 100000);
    assert_int_equal(c.types[0], XF_COL_INTEGER);
    assert_int_equal(c.types[2], XF_COL_REAL);
    assert_int_equal(c.types[3], XF_COL_DATE);
    assert_int_equal(c.types[4], XF_COL_BOOLEAN);
    print_message("100k rows (%zu bytes) in %.1f ms\n", t.len, ms);
    if (!RUNNING_ON_VALGRIND)
        assert_true(ms < 1000); /* ~20 ms here: a guard against quadratic behaviour */
    xf_buf_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
