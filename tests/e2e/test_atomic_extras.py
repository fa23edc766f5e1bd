# SPDX-License-Identifier: MIT
"""A table's indexes, grants and persist_docs run in its replacement's
transaction, before the commit, as dbt creates indexes before its commit:
a unique index that the new rows break fails the node and rolls the whole
replacement back, so the old table stays as it was, rows and index (rule 5:
a failed build leaves every existing relation as it was). For a table
model, a seed, an incremental model's full refresh and a contracted table;
on SQLite and PostgreSQL."""

from warehouse import wh  # noqa: F401  (the fixture)

UNIQUE = "indexes=[{'columns': ['id'], 'unique': true}]"
GOOD = "select 1 as id union all select 2 as id\n"
DUPS = "select 1 as id union all select 1 as id union all select 3 as id\n"


def index_count(w, table):
    if w.kind == "sqlite":
        return len(w.p.rows("select name from sqlite_master where type = 'index' and "
                            f"tbl_name = '{table}'"))
    return w.scalar(f"select count(*) from pg_indexes where schemaname = '{w.schema}' and "
                    f"tablename = '{table}'")


def breaks_unique(r):
    text = r.text.lower()
    return "unique" in text and ("duplicate" in text or "constraint failed" in text)


def assert_kept(w, table, rows):
    assert sorted(w.rows(f"select id from {table}")) == rows
    assert index_count(w, table) == 1


def test_table_model(wh):
    w = wh("jaffle_shop")
    w.p.write("models/ux.sql", "{{ config(materialized='table', " + UNIQUE + ") }}\n" + GOOD)
    w.xform("run", "-s", "ux", expect=0)
    assert_kept(w, "ux", [(1,), (2,)])
    w.p.write("models/ux.sql", "{{ config(materialized='table', " + UNIQUE + ") }}\n" + DUPS)
    r = w.xform("run", "-s", "ux", expect=1)
    assert breaks_unique(r), r
    assert_kept(w, "ux", [(1,), (2,)])


def test_seed(wh):
    w = wh("jaffle_shop")
    w.p.write("seeds/ux_seed.csv", "id\n1\n2\n")
    w.p.write("seeds/ux_seed.yml", "version: 2\nseeds:\n  - name: ux_seed\n    config:\n"
              "      indexes: [{columns: [id], unique: true}]\n")
    w.xform("seed", "-s", "ux_seed", expect=0)
    assert_kept(w, "ux_seed", [(1,), (2,)])
    w.p.write("seeds/ux_seed.csv", "id\n1\n1\n3\n")
    r = w.xform("seed", "-s", "ux_seed", expect=1)
    assert breaks_unique(r), r
    assert_kept(w, "ux_seed", [(1,), (2,)])


def test_incremental_full_refresh(wh):
    w = wh("jaffle_shop")
    head = "{{ config(materialized='incremental', " + UNIQUE + ") }}\n"
    w.p.write("models/ux_inc.sql", head + GOOD)
    w.xform("run", "-s", "ux_inc", expect=0)
    assert_kept(w, "ux_inc", [(1,), (2,)])
    w.p.write("models/ux_inc.sql", head + DUPS)
    r = w.xform("run", "-s", "ux_inc", "--full-refresh", expect=1)
    assert breaks_unique(r), r
    assert_kept(w, "ux_inc", [(1,), (2,)])


def test_contracted_table(wh):
    w = wh("jaffle_shop")
    w.p.write("models/ux_c.yml", "version: 2\nmodels:\n  - name: ux_c\n    config:\n"
              "      materialized: table\n      contract: {enforced: true}\n"
              "      indexes: [{columns: [id], unique: true}]\n"
              "    columns:\n      - name: id\n        data_type: integer\n")
    w.p.write("models/ux_c.sql", GOOD)
    w.xform("run", "-s", "ux_c", expect=0)
    assert_kept(w, "ux_c", [(1,), (2,)])
    w.p.write("models/ux_c.sql", DUPS)
    r = w.xform("run", "-s", "ux_c", expect=1)
    assert breaks_unique(r), r
    assert_kept(w, "ux_c", [(1,), (2,)])


def test_a_good_rebuild_keeps_one_index(wh):
    """The index comes with the new table, in the same transaction: built
    twice, the table has its rows and one index, not two."""
    w = wh("jaffle_shop")
    w.p.write("models/ux.sql", "{{ config(materialized='table', " + UNIQUE + ") }}\n" + GOOD)
    w.xform("run", "-s", "ux", expect=0)
    w.p.write("models/ux.sql", "{{ config(materialized='table', " + UNIQUE + ") }}\n"
              "select 5 as id union all select 6 as id\n")
    w.xform("run", "-s", "ux", expect=0)
    assert_kept(w, "ux", [(5,), (6,)])


def test_a_failing_post_hook_rolls_the_table_back(wh):
    """A post-hook runs inside the model's transaction (dbt's default): when
    it fails, the new table is rolled back with it."""
    w = wh("jaffle_shop")
    w.p.write("models/ux.sql", "{{ config(materialized='table', " + UNIQUE + ") }}\n" + GOOD)
    w.xform("run", "-s", "ux", expect=0)
    w.p.write("models/ux.sql", "{{ config(materialized='table', "
              "post_hook='insert into no_such_table_xf values (1)') }}\n"
              "select 7 as id\n")
    r = w.xform("run", "-s", "ux", expect=1)
    assert "no_such_table_xf" in r.text, r
    assert_kept(w, "ux", [(1,), (2,)])


def test_after_commit_hooks_run_after_the_commit(wh):
    """dbt's after_commit() and {sql, transaction: false}: outside the
    transaction, after the new table is committed, so their failure leaves
    the new table (the node still fails), and they see it."""
    w = wh("jaffle_shop")
    w.p.write("models/ux_log.sql", "{{ config(materialized='table') }}\nselect 0 as n\n")
    w.xform("run", "-s", "ux_log", expect=0)
    w.p.write("models/ux.sql", "{{ config(materialized='table', post_hook=["
              "after_commit('insert into ' ~ ref('ux_log') ~ ' select count(*) from {{ this }}'), "
              "{'sql': 'insert into no_such_table_xf values (1)', 'transaction': false}]) }}\n"
              "select 7 as id union all select 8 as id\n")
    r = w.xform("run", "-s", "ux", expect=1)
    assert "no_such_table_xf" in r.text, r
    assert sorted(w.rows("select id from ux")) == [(7,), (8,)]
    assert sorted(w.rows("select n from ux_log")) == [(0,), (2,)]
