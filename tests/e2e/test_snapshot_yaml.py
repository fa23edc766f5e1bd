# SPDX-License-Identifier: MIT
"""Snapshots as dbt 1.9 has them, on SQLite and PostgreSQL from the same code
(fixtures/snapshot_yaml): snapshots defined in YAML give the same tables as
{% snapshot %} blocks with the same config, dbt_valid_to_current,
snapshot_meta_column_names, hard_deletes, the snapshot SQL as overridable
macros, and located errors for a bad YAML snapshot. Every check reads the
tables back."""

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

VERSIONS = ("src_v1", "src_v2", "src_v3")
# src_v2: id 2 renamed (updated later), id 3 deleted, id 5 new;
# src_v3: id 1 renamed, id 3 back (updated), id 4 deleted.
META = "dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to"
# 1 for the current version (a boolean reads back differently on the two)
CUR = "case when dbt_valid_to is null then 1 else 0 end"


def snap(w, version, *args):
    w.xform("run", "-s", "stg", "--vars", f"{{src: {version}}}", expect=0)
    return w.xform("snapshot", "--vars", f"{{src: {version}}}", *args, expect=0)


def three_runs(wh):
    w = wh("snapshot_yaml")
    w.xform("seed", expect=0)
    for v in VERSIONS:
        snap(w, v)
    return w


def table(w, name, cols="*"):
    return w.rows(f"select {cols} from {name} order by id, dbt_valid_from, dbt_scd_id")


def test_yaml_and_classic_snapshots_give_identical_tables(wh):
    w = wh("snapshot_yaml")
    w.xform("seed", expect=0)
    for v in VERSIONS:
        r = snap(w, v)
        assert "snap_ts_yaml" in r.out
        # after every run, not only the last
        assert table(w, "snap_ts_yaml") == table(w, "snap_ts_classic"), v
        assert table(w, "snap_check_yaml") == table(w, "snap_check_classic"), v
    ts = table(w, "snap_ts_yaml", f"id, name, {CUR}, dbt_is_deleted")
    assert ts == [
        (1, "alice", 0, "False"), (1, "alicia", 1, "False"),
        (2, "bob", 0, "False"), (2, "bobby", 1, "False"),
        (3, "carol", 0, "False"), (3, "carol", 1, "False"), (3, "carol", 0, "True"),
        (4, "dave", 0, "False"), (4, "dave", 1, "True"),
        (5, "erin", 1, "False")]
    check = table(w, "snap_check_yaml", f"id, name, {CUR}")
    assert check == [(1, "alice", 0), (1, "alicia", 1), (2, "bob", 0),
                     (2, "bobby", 1), (3, "carol", 0), (3, "carol", 1),
                     (4, "dave", 0), (5, "erin", 1)]
    # the YAML snapshot is a node of the manifest, with its properties
    man = w.p.json("target/manifest.json")
    node = man["nodes"]["snapshot.snapshot_yaml.snap_ts_yaml"]
    assert node["original_file_path"] == "snapshots/snapshots.yml"
    assert node["description"] == "snap_ts_classic, defined in YAML"
    assert node["depends_on"]["nodes"] == ["model.snapshot_yaml.stg"]
    assert node["config"]["strategy"] == "timestamp"
    assert "snap_ts_yaml.sql" in " ".join(
        str(p) for p in (w.p.dir / "target/compiled/snapshot_yaml/snapshots/snapshots.yml").iterdir())


def test_dbt_valid_to_current(wh):
    w = three_runs(wh)
    assert w.scalar("select count(*) from snap_current where dbt_valid_to is null") == 0
    cur = "dbt_valid_to = '9999-12-31 00:00:00'"
    # ignore hard deletes: id 4 stays current; ids 1, 2 and 3 have a closed version each
    assert w.rows(f"select id, name from snap_current where {cur} order by id") == [
        (1, "alicia"), (2, "bobby"), (3, "carol"), (4, "dave"), (5, "erin")]
    assert w.rows(f"select id, name from snap_current where not ({cur}) order by id") == [
        (1, "alice"), (2, "bob"), (3, "carol")]
    # with new_record deletes: snap_ts_yaml's rows, the open ends written as that value
    assert w.scalar("select count(*) from snap_current_deletes where dbt_valid_to is null") == 0
    ends = f"case when {cur} then null else dbt_valid_to end"
    assert table(w, "snap_current_deletes", f"id, name, {META.replace('dbt_valid_to', ends)}, "
                 "dbt_is_deleted") == \
        table(w, "snap_ts_yaml", f"id, name, {META}, dbt_is_deleted")


def test_renamed_meta_columns(wh):
    w = three_runs(wh)
    assert w.columns("snap_renamed") == ["id", "name", "updated_at", "scd_id", "updated_ts",
                                         "valid_from", "valid_to", "is_deleted"]
    # the same rows as the snapshot with dbt's names
    mine = w.rows("select id, name, updated_at, scd_id, updated_ts, valid_from, valid_to, "
                  "is_deleted from snap_renamed order by id, valid_from, scd_id")
    assert mine == table(w, "snap_ts_classic", f"id, name, updated_at, {META}, dbt_is_deleted")


def test_hard_deletes_new_record_and_invalidate(wh):
    w = wh("snapshot_yaml")
    w.xform("seed", expect=0)
    sel = ("-s", "snap_ts_yaml snap_check_yaml")
    for v in ("src_v1", "src_v2"):
        snap(w, v, *sel)
    # id 3 deleted: new_record adds a current row marked deleted and closes the old one
    assert w.rows(f"select name, {CUR}, dbt_is_deleted from snap_ts_yaml "
                  "where id = 3 order by dbt_valid_from") == [
        ("carol", 0, "False"), ("carol", 1, "True")]
    # invalidate closes it, with no current row
    assert w.rows(f"select {CUR} from snap_check_yaml where id = 3") == [(0,)]
    # id 3 back: a new current row, the deletion marker closed
    snap(w, "src_v3", *sel)
    assert w.rows("select dbt_is_deleted from snap_ts_yaml where id = 3 and dbt_valid_to is null"
                  ) == [("False",)]
    assert w.scalar("select count(*) from snap_ts_yaml where id = 3 and dbt_is_deleted = 'True' "
                    "and dbt_valid_to is not null") == 1
    assert w.rows("select name from snap_check_yaml where id = 3 and dbt_valid_to is null") == \
        [("carol",)]
    assert w.scalar("select count(*) from snap_check_yaml where id = 4 and dbt_valid_to is null"
                    ) == 0


def test_project_override_of_snapshot_merge_sql(wh):
    w = wh("snapshot_yaml")
    w.p.write("macros/snapshot_merge.sql", (
        "{% macro snapshot_merge_sql(target, source, insert_cols) -%}\n"
        "/* project snapshot merge */\n"
        "{{ dbt.snapshot_merge_sql(target, source, insert_cols) }}\n"
        "{%- endmacro %}\n"))
    w.xform("seed", expect=0)
    for v in ("src_v1", "src_v2"):
        snap(w, v, "-s", "snap_ts_yaml snap_ts_classic")
    ran = w.p.read("target/run/snapshot_yaml/snapshots/snapshots.yml/snap_ts_yaml.sql")
    assert "/* project snapshot merge */" in ran and "update " in ran
    assert "/* project snapshot merge */" in w.p.read("target/run/snapshot_yaml/snapshots/"
                                                      "classic.sql")
    assert "/* project snapshot merge */" in w.p.read("logs/xform.log")
    # and it still merged
    assert table(w, "snap_ts_yaml") == table(w, "snap_ts_classic")
    assert w.scalar("select count(*) from snap_ts_yaml") == 7


def test_project_staging_macro_and_strategy_macro(wh):
    """A project's snapshot_<name>_strategy is a strategy; its staging
    macro replaces the built-in one."""
    w = wh("snapshot_yaml")
    w.p.write("macros/strategy.sql", (
        "{% macro snapshot_always_strategy(node, snapshotted_rel, current_rel, model_config, "
        "target_exists) -%}\n"
        "  {% set s = snapshot_check_strategy(node, snapshotted_rel, current_rel, model_config, "
        "target_exists) %}\n"
        "  {% do s.update({'row_changed': '(1 = 1)'}) %}\n"
        "  {{ return(s) }}\n"
        "{%- endmacro %}\n"))
    w.p.write("snapshots/always.yml", (
        "version: 2\nsnapshots:\n  - name: snap_always\n    relation: ref('stg')\n"
        "    config:\n      unique_key: id\n      strategy: always\n"))
    w.xform("seed", expect=0)
    snap(w, "src_v1", "-s", "snap_always")
    snap(w, "src_v1", "-s", "snap_always")
    # every row changed on the second run: 4 closed versions and 4 current ones
    assert w.rows("select count(*), sum(case when dbt_valid_to is null then 1 else 0 end) "
                  "from snap_always") == [(8, 4)]


def _bad(wh, text):
    w = wh("snapshot_yaml")
    w.p.write("snapshots/bad.yml", text)
    r = w.xform("snapshot", expect=2)
    assert w.untouched(), "nothing may be created"
    return r


def test_bad_yaml_snapshot_missing_relation(wh):
    r = _bad(wh, "version: 2\nsnapshots:\n  - name: snap_bad\n    config:\n"
                 "      unique_key: id\n      strategy: timestamp\n      updated_at: updated_at\n")
    assert "snapshots/bad.yml:3:11: error: snapshot 'snap_bad' has no 'relation' and no " \
           "{% snapshot %} block" in r.err
    assert "hint: add 'relation: ref('<model>')'" in r.err


def test_bad_yaml_snapshot_unknown_strategy(wh):
    r = _bad(wh, "version: 2\nsnapshots:\n  - name: snap_bad\n    relation: ref('stg')\n"
                 "    config:\n      unique_key: id\n      strategy: timestmp\n")
    assert "snapshots/bad.yml:7:17: error: unknown strategy 'timestmp' for snapshot 'snap_bad' " \
           "(did you mean 'timestamp'?)" in r.err
    assert "hint: use 'timestamp' or 'check'" in r.err


HEAD = "version: 2\nsnapshots:\n  - name: snap_bad\n"


@pytest.mark.parametrize("body,want", [
    ("    relation: stg\n    config:\n      unique_key: id\n      strategy: check\n",
     "snapshots/bad.yml:4:15: error: 'relation' of snapshot 'snap_bad' must be ref('model') or "
     "source('source', 'table')"),
    ("    relation: ref('stgg')\n    config:\n      unique_key: id\n      strategy: check\n",
     "snapshots/bad.yml:4:15: error: snapshot 'snap_bad' depends on a node named 'stgg' which "
     "was not found (did you mean 'stg'?)"),
    ("    relation: ref('stg')\n    config:\n      unique_key: id\n      strategy: check\n"
     "      hard_deletes: new_recrod\n",
     "snapshots/bad.yml:8:21: error: unknown hard_deletes 'new_recrod' for snapshot 'snap_bad' "
     "(did you mean 'new_record'?)"),
    ("    relation: ref('stg')\n    config:\n      strategy: timestamp\n"
     "      updated_at: updated_at\n",
     "snapshots/bad.yml:3:11: error: snapshot 'snap_bad' has no unique_key"),
    ("    relation: ref('stg')\n    config:\n      unique_key: id\n      strategy: timestamp\n",
     "snapshots/bad.yml:7:17: error: snapshot 'snap_bad' uses the timestamp strategy but has no "
     "updated_at"),
    ("    relation: ref('stg')\n    config:\n      unique_key: id\n",
     "snapshots/bad.yml:3:11: error: snapshot 'snap_bad' has no strategy"),
    ("    relation: ref('stg')\n    config:\n      unique_key: id\n      strategy: check\n"
     "  - name: snap_ts_classic\n    relation: ref('stg')\n",
     "snapshots/bad.yml:8:11: error: snapshot 'snap_ts_classic' is defined twice: by a "
     "{% snapshot %} block in snapshots/classic.sql and by this entry's relation"),
])
def test_bad_yaml_snapshot_relation_or_config(wh, body, want):
    r = _bad(wh, HEAD + body)
    assert want in r.err
    assert "hint: " in r.err or "(did you mean" in r.err


def test_bad_meta_column_names_fail_the_snapshot(wh):
    w = wh("snapshot_yaml")
    w.p.write("snapshots/bad.yml", (
        "version: 2\nsnapshots:\n  - name: snap_bad\n    relation: ref('stg')\n"
        "    config:\n      unique_key: id\n      strategy: check\n"
        "      snapshot_meta_column_names: {dbt_valid_too: ends}\n"))
    w.xform("seed", expect=0)
    w.xform("run", "-s", "stg", expect=0)
    r = w.xform("snapshot", "-s", "snap_bad", expect=1)
    assert "unknown column 'dbt_valid_too' (did you mean 'dbt_valid_to'?)" in r.text
    assert "snap_bad" not in w.relations()


def test_yaml_snapshot_of_a_source_with_a_composite_key(wh):
    w = three_runs(wh)
    man = w.p.json("target/manifest.json")
    node = man["nodes"]["snapshot.snapshot_yaml.snap_from_source"]
    assert node["depends_on"]["nodes"] == ["source.snapshot_yaml.raw.first"]
    # the source never changed: one current version per row
    assert w.rows(f"select id, name, {CUR} from snap_from_source order by id") == [
        (1, "alice", 1), (2, "bob", 1), (3, "carol", 1), (4, "dave", 1)]


def test_adapter_override_of_snapshot_merge_sql(wh):
    """sqlite__snapshot_merge_sql in the project replaces the merge on SQLite
    only; PostgreSQL keeps its own (UPDATE ... FROM)."""
    w = wh("snapshot_yaml")
    w.p.write("macros/snapshot_merge.sql", (
        "{% macro sqlite__snapshot_merge_sql(target, source, insert_cols) -%}\n"
        "/* sqlite-only snapshot merge */\n"
        "{{ dbt.default__snapshot_merge_sql(target, source, insert_cols) }}\n"
        "{%- endmacro %}\n"))
    w.xform("seed", expect=0)
    for v in ("src_v1", "src_v2"):
        snap(w, v, "-s", "snap_ts_yaml")
    ran = w.p.read("target/run/snapshot_yaml/snapshots/snapshots.yml/snap_ts_yaml.sql")
    assert ("/* sqlite-only snapshot merge */" in ran) == (w.kind == "sqlite")
    assert (w.rel("snap_ts_yaml") + " as snap_dest" in ran) == (w.kind == "postgres")
    assert w.scalar("select count(*) from snap_ts_yaml") == 7


def test_target_database_names_the_snapshot_relation(wh):
    """target_database is taken as is (as target_schema), on a warehouse
    whose relations have a database (PostgreSQL); SQLite names none."""
    w = wh("snapshot_yaml")
    w.p.write("snapshots/elsewhere.yml", (
        "version: 2\nsnapshots:\n  - name: snap_elsewhere\n    relation: ref('stg')\n"
        "    config:\n      unique_key: id\n      strategy: check\n"
        "      target_database: other_db\n      target_schema: hist\n"))
    w.xform("parse", expect=0)
    node = w.p.json("target/manifest.json")["nodes"]["snapshot.snapshot_yaml.snap_elsewhere"]
    assert node["schema"] == "hist"
    if w.kind == "postgres":
        assert node["database"] == "other_db"
        assert node["relation_name"] == '"other_db"."hist"."snap_elsewhere"'
    else:
        assert node["relation_name"] == '"hist"."snap_elsewhere"'


@pytest.mark.parametrize("files,want", [
    ({"snapshots/odd.sql": "{% snapshot snap_odd %}\n{{ config(target_schema=target.schema, "
      "unique_key='id', strategy='timestmp', updated_at='updated_at') }}\n"
      "select * from {{ ref('stg') }}\n{% endsnapshot %}\n"},
     "unknown strategy 'timestmp' for snapshot 'snap_odd' (did you mean 'timestamp'?)"),
    ({"snapshots/odd.yml": "version: 2\nsnapshots:\n  - name: snap_odd\n    relation: ref('stg')\n"
      "    config:\n      unique_key: id\n      strategy: plain\n",
      "macros/plain.sql": "{% macro snapshot_plain_strategy(node, snapshotted_rel, current_rel, "
      "model_config, target_exists) %}not a dict{% endmacro %}\n"},
     "the strategy macro of snapshot 'snap_odd' returned no dict"),
    ({"snapshots/odd.yml": "version: 2\nsnapshots:\n  - name: snap_odd\n    relation: ref('stg')\n"
      "    config:\n      unique_key: id\n      strategy: check\n"
      "      snapshot_meta_column_names: {dbt_valid_to: [a]}\n"},
     "snapshot_meta_column_names of snapshot 'snap_odd': 'dbt_valid_to' must be a column name"),
    ({"snapshots/odd.yml": "version: 2\nsnapshots:\n  - name: snap_odd\n    relation: ref('stg')\n"
      "    config:\n      unique_key: idd\n      strategy: check\n"},
     "unique_key 'idd' of snapshot 'snap_odd' is not a column of its query"),
])
def test_snapshot_config_errors_when_it_runs(wh, files, want):
    """What only a run can tell fails that snapshot (exit 1), and builds nothing."""
    w = wh("snapshot_yaml")
    for path, text in files.items():
        w.p.write(path, text)
    w.xform("seed", expect=0)
    w.xform("run", "-s", "stg", expect=0)
    r = w.xform("snapshot", "-s", "snap_odd", expect=1)
    assert want in r.text
    if "snapshots/odd.yml" in files:  # the compiled SQL is beside the YAML file
        path = "target/compiled/snapshot_yaml/snapshots/odd.yml/snap_odd.sql"
        assert f"compiled code at {path}" in r.text and (w.p.dir / path).is_file()
    assert "snap_odd" not in w.relations()


def test_build_orders_yaml_snapshots_and_runs_their_tests(wh):
    w = wh("snapshot_yaml")
    r = w.xform("build", expect=0)
    assert "PASS not_null_snap_ts_yaml_id" in r.out
    assert w.scalar("select count(*) from snap_ts_yaml") == 4
    assert "snapshot_yaml.snap_ts_yaml" in w.xform("ls", "--resource-type", "snapshot",
                                                    expect=0).out
