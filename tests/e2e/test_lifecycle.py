# SPDX-License-Identifier: MIT
"""Incremental models, ephemeral models, snapshots and hooks, on SQLite and
on PostgreSQL from the same code (fixtures/lifecycle, fixtures/hooks).
Every check reads the tables back."""

import signal
import time

import pytest

from warehouse import wh  # noqa: F401  (the fixture)


def seeded(wh):
    w = wh("lifecycle")
    w.xform("seed", expect=0)
    return w


# ------------------------------------------------------------- incremental

def test_incremental_source_by_var_adds_only_new_rows(wh):
    w = seeded(wh)
    w.xform("run", "-s", "incr_append", expect=0)
    assert w.scalar("select count(*) from incr_append") == 10
    w.xform("run", "-s", "incr_append", "--vars", "{events_table: seed_20}", expect=0)
    assert w.rows("select count(*), count(distinct id), min(id), max(id) from incr_append") == \
        [(20, 20, 1, 20)]
    # the compiled SQL of the second run has the incremental filter
    sql = w.p.read("target/compiled/lifecycle/models/incr_append.sql")
    assert "where id > (select max(id) from" in sql


@pytest.mark.parametrize("model,key", [
    ("incr_merge", ("id",)), ("incr_delins", ("id",)),
    ("incr_merge_composite", ("k1", "k2")), ("incr_delins_composite", ("k1", "k2")),
])
def test_keyed_strategies_update_in_place_and_insert_new(wh, model, key):
    w = seeded(wh)
    w.xform("run", "-s", model, expect=0)
    assert w.scalar(f"select count(*) from {model}") == 5
    w.xform("run", "-s", model, "--vars", "{chg_table: changes_v2}", expect=0)
    got = w.rows(f"select name, amount from {model} order by name")
    # v2 changed 'three' to THREE/33 and added six; rows absent from v2 stay
    assert got == sorted([("one", 10), ("two", 20), ("THREE", 33), ("four", 40), ("five", 50),
                          ("six", 60)])
    cols = ", ".join(key)
    assert w.rows(f"select count(*) from (select {cols} from {model} group by {cols} "
                  "having count(*) > 1) d") == [(0,)], "duplicate keys"


def test_full_refresh_rebuilds_from_scratch(wh):
    w = seeded(wh)
    w.xform("run", "-s", "incr_merge", expect=0)
    w.xform("run", "-s", "incr_merge", "--vars", "{chg_table: changes_v2}", expect=0)
    assert w.scalar("select count(*) from incr_merge") == 6
    w.xform("run", "-s", "incr_merge", "--full-refresh", "--vars", "{chg_table: changes_v2}",
            expect=0)
    assert w.rows("select id from incr_merge order by id") == [(1,), (3,), (5,), (6,)]


def test_a_models_full_refresh_false_wins_over_the_flag(wh):
    """config(full_refresh=false): --full-refresh neither rebuilds the table
    nor turns is_incremental() off (dbt's should_full_refresh()); before,
    the model rendered its full select and appended it: duplicates."""
    w = seeded(wh)
    w.p.edit("models/incr_append.sql", "materialized='incremental'",
             "materialized='incremental', full_refresh=false")
    w.xform("run", "-s", "incr_append", expect=0)
    w.xform("run", "-s", "incr_append", "--full-refresh", "--vars", "{events_table: seed_20}",
            expect=0)
    assert w.rows("select count(*), count(distinct id), min(id), max(id) from incr_append") == \
        [(20, 20, 1, 20)]
    assert "where id > (select max(id) from" in \
        w.p.read("target/compiled/lifecycle/models/incr_append.sql")


def test_on_schema_change_when_a_column_is_added(wh):
    w = seeded(wh)
    w.xform("run", "-s", "osc_*", expect=0)
    r = w.xform("run", "-s", "osc_*", "--vars", "{cols: added, events_table: seed_20}",
                expect=1)
    assert "on_schema_change is 'fail'" in r.out
    assert r.summary()["ERROR"] == 1
    assert w.columns("osc_ignore") == ["id", "name"]
    assert w.scalar("select count(*) from osc_ignore") == 20
    assert w.columns("osc_fail") == ["id", "name"]
    assert w.scalar("select count(*) from osc_fail") == 10, "a failed merge changed the table"
    assert w.columns("osc_append_new_columns") == ["id", "name", "extra"]
    # the merge updates rows 1-10 too, so every row now has the new column's value
    assert w.rows("select count(*), count(extra) from osc_append_new_columns") == [(20, 20)]
    assert w.columns("osc_sync_all_columns") == ["id", "name", "extra"]


def test_on_schema_change_when_a_column_is_removed(wh):
    w = seeded(wh)
    w.xform("run", "-s", "osc_sync_all_columns osc_append_new_columns osc_ignore", expect=0)
    w.xform("run", "-s", "osc_sync_all_columns osc_append_new_columns osc_ignore",
            "--vars", "{cols: dropped, events_table: seed_20}", expect=0)
    assert w.columns("osc_sync_all_columns") == ["id", "extra"]
    assert w.columns("osc_append_new_columns") == ["id", "name", "extra"]
    # rows that came without a name have none
    assert w.rows("select count(*), count(name) from osc_append_new_columns") == [(20, 10)]
    assert w.columns("osc_ignore") == ["id", "name"]


def test_unknown_strategy_fails_naming_the_valid_ones(wh):
    w = seeded(wh)
    w.p.write("models/bad_strategy.sql",
              "{{ config(materialized='incremental', incremental_strategy='upsert') }}\n"
              "select 1 as id\n")
    r = w.xform("run", "-s", "bad_strategy", expect=1)
    assert "unknown incremental_strategy 'upsert'" in r.out
    assert "append, delete+insert, merge or microbatch" in r.out
    assert "bad_strategy" not in w.relations()


def test_misspelt_unique_key_is_an_error_not_an_append(wh):
    w = seeded(wh)
    w.p.write("models/typo_key.sql",
              "{{ config(materialized='incremental', unique_key='idd') }}\n"
              "select id, name from {{ source('raw', 'events') }}\n")
    w.xform("run", "-s", "typo_key", expect=0)  # the first build has nothing to merge
    r = w.xform("run", "-s", "typo_key", expect=1)
    assert "unique_key 'idd'" in r.out and "did you mean 'id'" in r.out
    assert w.scalar("select count(*) from typo_key") == 10, "the table changed"


def test_null_keys_are_counted_and_warned_about(wh):
    w = seeded(wh)
    w.p.write("models/null_keys.sql",
              "{{ config(materialized='incremental', unique_key='k') }}\n"
              "select case when id > 8 then null else id end as k, name "
              "from {{ source('raw', 'events') }}\n")
    w.xform("run", "-s", "null_keys", expect=0)
    r = w.xform("run", "-s", "null_keys", expect=0)
    assert "2 new rows have a NULL in unique_key" in r.err
    assert w.scalar("select count(*) from null_keys") == 12


# --------------------------------------------------------------- ephemeral

def test_ephemeral_chain_inlines_ctes_and_builds_no_relation(wh):
    w = seeded(wh)
    r = w.xform("build", "-s", "+eph_table +eph_view", expect=0)
    assert r.summary()["ERROR"] == 0
    rels = w.relations()
    assert rels.get("eph_table") == "table" and rels.get("eph_view") == "view"
    assert "eph_a" not in rels and "eph_b" not in rels
    want = w.rows("select id, name from seed_10 order by id")
    assert w.rows("select id, label from eph_table order by id") == want
    assert w.rows("select id, label from eph_view order by id") == want
    sql = w.p.read("target/compiled/lifecycle/models/eph_table.sql")
    assert sql.count("__xform__cte__eph_b as (") == 1, "one CTE per query"
    assert sql.index("__xform__cte__eph_a as (") < sql.index("__xform__cte__eph_b as (")
    # tests on the ephemeral ran against its CTE
    rr = w.p.json("target/run_results.json")
    tests = [x for x in rr["results"] if x["unique_id"].startswith("test.")]
    assert len(tests) == 2 and all(x["status"] == "pass" for x in tests)


# --------------------------------------------------------------- snapshots

def snapshot_counts(w, names):
    return tuple(w.scalar(f"select count(*) from {n}") for n in names)


def test_check_and_timestamp_snapshots_version_rows(wh):
    w = seeded(wh)
    names = ["snap_check_all", "snap_check_name", "snap_check_date", "snap_ts"]
    sel = ["-s", "snap_check_all snap_check_name snap_check_date snap_ts"]
    steps = [("seed_10", (10, 10, 10, 10)), ("seed_20", (20, 20, 20, 20)),
             ("seed_20_date", (30, 20, 30, 30)), ("seed_20_name", (40, 30, 30, 30))]
    for table, want in steps:
        w.xform("snapshot", *sel, "--vars", f"{{snap_table: {table}}}", expect=0)
        assert snapshot_counts(w, names) == want, table
    # one current version per key, and closed versions end when the next begins
    for n in names:
        assert w.scalar(f"select count(*) from {n} where dbt_valid_to is null") == 20
    assert w.rows("select some_date from snap_ts where id = 15 order by dbt_valid_from") == \
        [("2024-01-01",), ("2024-02-01",)]
    assert w.scalar("select count(distinct dbt_scd_id) from snap_check_all") == 40


def test_hard_deletes(wh):
    w = seeded(wh)
    sel = ["-s", "snap_hd_ignore snap_hd_invalidate snap_hd_new_record"]
    for table in ("seed_20", "seed_10"):
        w.xform("snapshot", *sel, "--vars", f"{{snap_table: {table}}}", expect=0)
    q = "select count(*), sum(case when dbt_valid_to is null then 1 else 0 end) from "
    assert w.rows(q + "snap_hd_ignore") == [(20, 20)]
    assert w.rows(q + "snap_hd_invalidate") == [(20, 10)]
    assert w.rows(q + "snap_hd_new_record") == [(30, 20)]
    assert w.scalar("select count(*) from snap_hd_new_record where dbt_is_deleted = 'True'") == 10
    # the keys come back
    w.xform("snapshot", *sel, "--vars", "{snap_table: seed_20}", expect=0)
    assert w.rows(q + "snap_hd_invalidate") == [(30, 20)]
    assert w.rows(q + "snap_hd_new_record") == [(40, 20)]


def test_snapshots_take_part_in_build(wh):
    w = seeded(wh)  # the snapshot reads a source, so build does not order the seed first
    r = w.xform("build", "-s", "snap_ts", expect=0)
    assert "snapshot" in r.out and w.scalar("select count(*) from snap_ts") == 10


# ------------------------------------------------------------------- hooks

def test_hooks_run_in_order_with_results(wh):
    w = wh("hooks")
    w.xform("run", expect=0)
    events = [r[0] for r in w.rows("select event from audit order by n")]
    assert events == ["start", "pre first", "post first", "pre second", "post second",
                      "end 2 success"]
    assert w.scalar("select count(*) from second") == 1


def _hook_package(w, name, start, end=None):
    """A local package with its own macro and var, used by its hooks."""
    hooks = "on-run-start:\n" + "".join(f'  - "{h}"\n' for h in start)
    if end:
        hooks += "on-run-end:\n" + "".join(f'  - "{h}"\n' for h in end)
    w.p.write(f"dbt_packages/{name}/dbt_project.yml",
              f"name: {name}\nversion: '1.0.0'\nconfig-version: 2\n"
              f"vars:\n  who: '{name}-var'\n" + hooks)
    w.p.write(f"dbt_packages/{name}/macros/m.sql",
              "{% macro log_event(what) %}insert into {{ target.schema }}.pkg_audit "
              "select coalesce(max(n), 0) + 1, '" + name + " ' || '{{ what }}' "
              "from {{ target.schema }}.pkg_audit{% endmacro %}\n")


def test_package_hooks_run_before_the_root_projects(wh):
    """dbt runs every package's on-run-start/end hooks, packages in name
    order and then the root project's, each rendered with its package's
    macros and vars."""
    w = wh("hooks")
    mk = "create table if not exists {{ target.schema }}.pkg_audit (n integer, event text)"
    _hook_package(w, "zpkg", [mk, "{{ log_event('start ' ~ var('who')) }}"],
                  ["{{ log_event('end ' ~ (results | length)) }}"])
    _hook_package(w, "apkg", [mk, "{{ log_event('start ' ~ var('who')) }}"])
    proj = w.p.read("dbt_project.yml")
    proj = proj.replace("on-run-end:\n", "on-run-end:\n  - \"insert into {{ target.schema }}"
                        ".pkg_audit select max(n) + 1, 'root end' from {{ target.schema }}"
                        ".pkg_audit\"\n", 1)
    w.p.write("dbt_project.yml", proj)
    r = w.xform("run", expect=0)
    assert "not supported" not in r.err, r
    events = [x[0] for x in w.rows("select event from pkg_audit order by n")]
    assert events == ["apkg start apkg-var", "zpkg start zpkg-var", "zpkg end 2", "root end"]
    # the root's own hooks still ran, after the packages' start hooks
    assert [x[0] for x in w.rows("select event from audit order by n")][0] == "start"
    # a failing package hook stops the run before any model, located by package
    w.p.write("dbt_packages/apkg/dbt_project.yml",
              "name: apkg\nversion: '1.0.0'\non-run-start:\n  - \"select * from no_such_table\"\n")
    r = w.xform("run", expect=2)
    assert "on-run-start hook failed: (a hook of package 'apkg') " in r.err, r
    assert "no_such_table" in r.err, r
    assert w.scalar("select count(*) from second") == 1  # the earlier run's table is untouched


# ------------------------------------------------------------------ safety

def test_kill_during_a_rebuild_keeps_the_old_table(wh):
    w = seeded(wh)
    w.xform("run", "-s", "slow", "--vars", "{n: 1000}", expect=0)
    assert w.scalar("select count(*) from slow") == 1000
    big = 30_000_000
    proc = w.popen("run", "-s", "slow", "--vars", f"{{n: {big}}}")
    time.sleep(1.5)
    assert proc.poll() is None, "the rebuild finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert w.scalar("select count(*) from slow") == 1000, "the old rows are gone"
    # the next run cleans up and succeeds
    w.xform("run", "-s", "slow", "--vars", "{n: 2000}", expect=0)
    assert w.scalar("select count(*) from slow") == 2000
    assert not [n for n in w.relations() if "__xform" in n], w.relations()


def test_interrupt_stops_cleanly_with_130(wh):
    w = seeded(wh)
    w.xform("run", "-s", "slow", "--vars", "{n: 1000}", expect=0)
    proc = w.popen("run", "-s", "slow", "incr_merge", "--vars", "{n: 30000000}")
    time.sleep(1.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err
    assert w.scalar("select count(*) from slow") == 1000
