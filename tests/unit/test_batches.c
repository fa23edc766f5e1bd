// SPDX-License-Identifier: MIT
/*
 * Unit tests for engine/batches.c: the ISO times microbatch models read
 * (begin, --event-time-start/end, retry's batch results) and the batch
 * boundaries computed from them in UTC, calendar months and leap years
 * included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/internal.h"

static long long t_of(const char *iso)
{
    long long t = -1;
    assert_int_equal(xf_microbatch_parse_time(iso, &t), 0);
    return t;
}

static void expect_text(long long t, const char *want)
{
    char got[20];
    xf_utc_text(got, t, ' ');
    assert_string_equal(got, want);
}

static void test_parse_forms(void **state)
{
    (void)state;
    assert_int_equal(t_of("1970-01-01"), 0);
    assert_int_equal(t_of("2024-09-01"), 1725148800LL);
    assert_int_equal(t_of("2024-09-01T00:00:00Z"), 1725148800LL);
    assert_int_equal(t_of("2024-09-01 00:00"), 1725148800LL);
    assert_int_equal(t_of("2024-09-01 02:00:00+02:00"), 1725148800LL);
    assert_int_equal(t_of("2024-08-31T22:00:00.123456-0200"), 1725148800LL);
    /* a datetime as a template prints it (begin from modules.datetime) */
    assert_int_equal(t_of("2024-09-01 00:00:00+00:00"), 1725148800LL);
    assert_int_equal(t_of("  2024-02-29  "), t_of("2024-03-01") - 86400);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "soon",
                         "2024-9-01",
                         "2024-02-30",
                         "2023-02-29",
                         "2024-13-01",
                         "2024-09-01 25:00:00",
                         "2024-09-01x",
                         "2024-09-01T",
                         "20240901",
                         "2024-09-01 10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long t;
        if (xf_microbatch_parse_time(bad[i], &t) == 0)
            fail_msg("'%s' was read as a time", bad[i]);
    }
}

static void test_truncate_and_step(void **state)
{
    (void)state;
    long long t = t_of("2024-02-29 13:45:10");
    expect_text(xf_grain_trunc(t, XF_GRAIN_HOUR), "2024-02-29 13:00:00");
    expect_text(xf_grain_trunc(t, XF_GRAIN_DAY), "2024-02-29 00:00:00");
    expect_text(xf_grain_trunc(t, XF_GRAIN_MONTH), "2024-02-01 00:00:00");
    expect_text(xf_grain_trunc(t, XF_GRAIN_YEAR), "2024-01-01 00:00:00");
    long long m = xf_grain_trunc(t, XF_GRAIN_MONTH);
    expect_text(xf_grain_add(m, XF_GRAIN_MONTH, 1), "2024-03-01 00:00:00");
    expect_text(xf_grain_add(m, XF_GRAIN_MONTH, 11), "2025-01-01 00:00:00");
    expect_text(xf_grain_add(m, XF_GRAIN_MONTH, -2), "2023-12-01 00:00:00");
    expect_text(xf_grain_add(t_of("2024-02-28"), XF_GRAIN_DAY, 2), "2024-03-01 00:00:00");
    expect_text(xf_grain_add(t_of("2024-12-31 23:00"), XF_GRAIN_HOUR, 1), "2025-01-01 00:00:00");
    expect_text(xf_grain_add(t_of("2024-01-01"), XF_GRAIN_YEAR, -1), "2023-01-01 00:00:00");
}

static void test_grains_and_batch_ids(void **state)
{
    (void)state;
    enum xf_grain g;
    assert_int_equal(xf_grain_of("day", &g), 0);
    assert_int_equal(g, XF_GRAIN_DAY);
    assert_int_equal(xf_grain_of("HOUR", &g), 0);
    assert_int_equal(g, XF_GRAIN_HOUR);
    assert_int_equal(xf_grain_of("week", &g), -1);
    assert_int_equal(xf_grain_of(NULL, &g), -1);
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_mb_batch b;
    xf_mb_batch_init(&b, &a, t_of("2024-09-01 05:00"), t_of("2024-09-01 06:00"), XF_GRAIN_HOUR);
    assert_string_equal(b.id, "2024-09-01 05:00:00");
    xf_mb_batch_init(&b, &a, t_of("2024-09-01"), t_of("2024-09-02"), XF_GRAIN_DAY);
    assert_string_equal(b.id, "2024-09-01");
    const struct xf_value *id = xf_dict_getc(b.value.u.d, "id");
    assert_non_null(id);
    assert_int_equal(id->t, XF_V_STR);
    assert_non_null(xf_dict_getc(b.value.u.d, "event_time_start"));
    assert_non_null(xf_dict_getc(b.value.u.d, "event_time_end"));
    xf_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_truncate_and_step),
        cmocka_unit_test(test_grains_and_batch_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
