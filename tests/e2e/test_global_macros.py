# SPDX-License-Identifier: MIT
"""dbt's global cross-database macros (issue 13), on SQLite and PostgreSQL.

fixtures/global_macros calls every macro of dbt's global project with
representative inputs (dates across month ends and week boundaries, NULLs,
quotes); `xform build` makes tables and the test reads the values back.
The answers are the same on both warehouses except where the warehouses
differ on purpose (docs/global_macros.md): SQLite has no boolean type
(bool_or gives 1/0), no arrays (array_* give JSON text), and its listagg
takes no order_by_clause / limit_num.

Then the resolution contract: a project macro `dateadd` wins for plain
calls (dbt.dateadd stays dbt's), a project sqlite__X wins through dispatch
on SQLite only, a project default__X on both; and each new error."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import module_warehouse

DATES = {
    "add_day": "2016-03-10 10:11:12",
    "add_days_back": "2016-02-28 10:11:12",
    "add_week": "2016-03-23 00:00:00",
    "add_month_end": "2016-02-29 08:00:00",  # Jan 31 + 1 month: the last day of February
    "add_month_back": "2016-01-09 00:00:00",
    "add_quarter": "2017-02-28 00:00:00",
    "add_year_leap": "2017-02-28 12:00:00",
    "add_hour": "2016-03-08 22:00:00",
    "add_minute": "2016-03-10 00:30:00",
    "add_second": "2016-03-10 00:00:01",
    "diff_day": 1,  # boundaries crossed, not whole days elapsed
    "diff_day_back": -9,
    "diff_week_boundary": 1,  # Saturday to Sunday
    "diff_week_inside": 0,  # Sunday to Saturday
    "diff_week_back": -3,
    "diff_month": 1,
    "diff_quarter": 5,
    "diff_year": -2,
    "diff_hour": 1,
    "diff_minute": 2,
    "diff_second": 90,
    "trunc_year": "2016-01-01 00:00:00",
    "trunc_quarter": "2016-07-01 00:00:00",
    "trunc_month": "2016-08-01 00:00:00",
    "trunc_week": "2016-08-15 00:00:00",  # weeks start on Monday
    "trunc_week_sunday": "2016-08-08 00:00:00",
    "trunc_day": "2016-08-17 00:00:00",
    "trunc_hour": "2016-08-17 13:00:00",
    "trunc_minute": "2016-08-17 13:14:00",
    "last_day_month": "2016-02-29",
    "last_day_quarter": "2016-09-30",
    "last_day_year": "2016-12-31",
    "date_literal": "2016-03-09",
    "add_day_to_date": "2016-02-29 00:00:00",
}

STRINGS = {
    "concat_ab": "a-b",
    "hash_abc": "900150983cd24fb0d6963f7d28e17f72",
    "hash_number": "c20ad4d76fe97759aa27a0c99bff6710",  # md5('12')
    "split_second": "b",
    "split_last": "c",
    "literal": "it's",
    "escaped": "they're",
    "position_dash": 3,
    "position_missing": 0,
    "length_abcd": 4,
    "replaced": "a_b_c",
    "right_3": "def",
    "right_0_length": 0,
    "right_past_start": "ab",
    "bool_true": "true",
    "bool_false": "false",
    "bool_null": None,
    "safe_cast_int": 12,
    "cast_bigint": 3,
    "type_int": 42,
    "type_bigint": 9000000000,
    "type_float": 1.5,
    "type_numeric": 2.25,
    "type_string": "7x",
    "least_skips_null": 1,
    "greatest_text": "b",
    "least_all_null": None,
}


def one_row(w, table):
    cols = w.columns(table)
    rows = w.rows(f'select * from "{table}"')
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0]))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def built(request, tmp_path_factory, xform_bin):
    """fixtures/global_macros after one `xform build` (the tests only read it)."""
    w = module_warehouse(request, tmp_path_factory, "global_macros")
    try:
        r = w.xform("build", expect=0)
        assert r.summary() == {"PASS": 14, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 14}, r
        yield w
    finally:
        w.drop()


def test_dates(built):
    assert one_row(built, "dates") == DATES


def test_strings_casts_types(built):
    assert one_row(built, "strings") == STRINGS


def test_aggregates(built):
    rows = built.rows("select grp, any_label, any_big, labels, n_rows from aggregates order by grp")
    # bool_or: PostgreSQL's boolean, SQLite's 1/0 (it has no boolean type)
    t, f = ("t", "f") if built.kind == "postgres" else (1, 0)
    assert rows == [("a", "x", t, "x|x", 2), ("b", "y", f, "y|y", 2), ("c", "z", None, "z", 1)]


def test_listagg_distinct(built):
    # the order of string_agg / group_concat is unspecified: compare the set
    labels = built.scalar("select labels from distinct_labels")
    assert sorted(labels.split(" | ")) == ["x", "y", "z"], labels


def test_set_operators(built):
    assert built.rows("select x from set_ops order by x") == [(1,), (3,)]
    assert built.rows("select x from set_intersect order by x") == [(2,), (3,)]


def test_arrays(built):
    row = one_row(built, "arrays")
    if built.kind == "postgres":
        want = {"ints": "{1,2,3}", "words": "{blue,green}", "empty": "{}",
                "appended": "{1,2,3}", "concatenated": "{1,2,3,4}"}
    else:  # SQLite has no arrays: JSON arrays, built with its json1 functions
        want = {"ints": "[1,2,3]", "words": '["blue","green"]', "empty": "[]",
                "appended": "[1,2,3]", "concatenated": "[1,2,3,4]"}
    assert row == want


def test_series_and_spines(built):
    assert built.rows("select generated_number from series order by 1") == [
        (i,) for i in range(1, 6)]
    # the end date is excluded, as in dbt
    assert built.rows("select date_day from day_spine order by 1") == [
        ("2016-03-09 00:00:00",), ("2016-03-10 00:00:00",), ("2016-03-11 00:00:00",)]
    # each month from the start date, clamped to shorter months
    assert built.rows("select date_month from month_spine order by 1") == [
        ("2016-01-31 00:00:00",), ("2016-02-29 00:00:00",), ("2016-03-31 00:00:00",),
        ("2016-04-30 00:00:00",)]
    # get_intervals_between asks the warehouse (10 days); powers of two at render time
    assert one_row(built, "sizes") == {"p1": 1, "p9": 4, "p16": 4, "days": 10}


def test_plain_and_dispatched_calls(built):
    row = one_row(built, "plain_calls")
    now = {k: row.pop(k) for k in ("now_utc", "now_local", "now_tz")}
    assert row == {"plain_concat": "pq", "plain_datediff": 2, "dispatched_datediff": 1,
                   "dispatched_hash": STRINGS["hash_abc"]}
    utc = datetime.strptime(now["now_utc"][:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - utc) < timedelta(minutes=10), now
    for k in ("now_local", "now_tz"):  # local time on PostgreSQL: only the shape
        datetime.strptime(now[k][:19], "%Y-%m-%d %H:%M:%S")


def test_pure_sql_view(built):
    """The view's SQL needs none of xform's functions: on SQLite a plain
    connection (Python's sqlite3, as the sqlite3 shell) reads it."""
    want = [("2016-02-29 00:00:00", 60, "b!", 1, "false")]
    assert built.rows("select next_month, days, shout, pos_y, big from pure_view") == want
    if built.kind == "sqlite":
        db = built.p.connect()  # Python's own sqlite3 module, read-only
        try:
            assert db.execute("select next_month, days, shout, pos_y, big from pure_view"
                              ).fetchall() == want
            with pytest.raises(sqlite3.OperationalError, match="no such function: md5"):
                db.execute("select md5('abc')")
        finally:
            db.close()


OVERRIDES = """
{% macro dateadd(datepart, interval, from_date_or_timestamp) %}'project dateadd'{% endmacro %}
{% macro sqlite__length(expression) %}(length({{ expression }}) * 100){% endmacro %}
{% macro default__replace(field, old_chars, new_chars) %}'project replace'{% endmacro %}
"""

OVERRIDES_MODEL = """
select
    {{ dateadd('day', 1, "'2016-01-01'") }} as plain_dateadd,
    {{ dbt.dateadd('day', 1, dbt.date(2016, 1, 1)) }} as dbt_dateadd,
    {{ dbt.length("'abcd'") }} as dbt_length,
    {{ length("'abcd'") }} as plain_length,
    {{ adapter.dispatch('length', 'dbt')("'abcd'") }} as dispatched_length,
    {{ dbt.replace("'a'", "'a'", "'b'") }} as replaced
"""


def test_project_overrides(wh):
    w = wh("global_macros")
    w.p.write("macros/overrides.sql", OVERRIDES)
    w.p.write("models/overrides.sql", OVERRIDES_MODEL)
    w.xform("run", "--select", "overrides", expect=0)
    # a project `dateadd` replaces plain calls only; dbt.dateadd is dbt's,
    # whose dispatch looks in the project first for <adapter>__ / default__
    length = 400 if w.kind == "sqlite" else 4
    assert one_row(w, "overrides") == {
        "plain_dateadd": "project dateadd", "dbt_dateadd": "2016-01-02 00:00:00",
        "dbt_length": length, "plain_length": length, "dispatched_length": length,
        "replaced": "project replace"}


def test_dispatch_config_search_order(wh):
    """A `dispatch:` entry for the dbt namespace replaces "the project, then
    dbt": with search_order ['dbt'] the project's sqlite__length is skipped."""
    w = wh("global_macros")
    w.p.write("macros/overrides.sql", OVERRIDES)
    w.p.write("models/overrides.sql", OVERRIDES_MODEL)
    w.p.write("dbt_project.yml", w.p.read("dbt_project.yml") +
              "\ndispatch:\n  - macro_namespace: dbt\n    search_order: ['dbt']\n")
    w.xform("run", "--select", "overrides", expect=0)
    row = one_row(w, "overrides")
    assert (row["dbt_length"], row["dispatched_length"], row["replaced"]) == (4, 4, "b")
    assert row["plain_dateadd"] == "project dateadd"  # plain calls are not dispatched


def bad_model(w, sql):
    w.p.write("models/bad.sql", sql)
    return w.xform("build", "--select", "bad", expect=2)


def test_listagg_order_and_limit(wh):
    w = wh("global_macros")
    sql = ("select {{ dbt.listagg(\"label || cast(id as \" ~ dbt.type_string() ~ \")\", \"','\", "
           "'order by id desc', 2) }} as top2,\n"
           "    {{ dbt.listagg('label', \"','\", 'order by id') }} as ordered\n"
           "from {{ ref('events') }}\n")
    if w.kind == "postgres":
        w.p.write("models/bad.sql", sql)
        w.xform("build", "--select", "+bad", expect=0)
        assert one_row(w, "bad") == {"top2": "z5,y4", "ordered": "x,x,y,y,z"}
        return
    r = bad_model(w, sql)
    assert ("error: listagg: order_by_clause and limit_num are not supported on sqlite "
            "(no ordered aggregates before SQLite 3.44): pass only measure and "
            "delimiter_text, and order the rows in a subquery") in r.err
    assert "in macro 'listagg' called from models/bad.sql:1:11" in r.err
    assert w.untouched()


def test_unsupported_datepart(wh):
    w = wh("global_macros")
    r = bad_model(w, "select\n    {{ dbt.datediff(\"'2016-01-01'\", \"'2016-02-01'\", "
                     "'fortnight') }} as x\n")
    if w.kind == "sqlite":
        assert ("error: datediff: datepart 'fortnight' is not supported on sqlite (use one of "
                "year, quarter, month, week, day, hour, minute, second)") in r.err
    else:
        assert "error: datediff: datepart 'fortnight' is not supported on postgres" in r.err
    assert "in macro 'datediff' called from models/bad.sql:2:8" in r.err
    assert w.untouched()


def test_get_powers_of_two_needs_a_positive_bound(wh):
    w = wh("global_macros")
    r = bad_model(w, "select {{ dbt.get_powers_of_two(0) }} as x\n")
    assert ("error: get_powers_of_two: upper_bound must be positive (got 0): pass the number "
            "of rows wanted") in r.err
    assert "in macro 'get_powers_of_two' called from models/bad.sql:1:11" in r.err
    assert w.untouched()
