# SPDX-License-Identifier: MIT
"""Custom materializations ({% materialization %} blocks) on SQLite and
PostgreSQL from the same code: one from a local package and one from the
project build tables with the right rows, the adapter's own block wins
over the default one, what the block returns and its statement('main')
are reported, a failure inside rolls everything back, a killed build
keeps the old table, and an unknown name is a located load error."""

import signal
import time

from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import state


def project(wh):
    w = wh("custom_mat")
    w.xform("deps", expect=0)
    return w


def leftovers(w):
    return sorted(n for n in w.relations() if "__dbt" in n)


def test_package_and_project_materializations_build_tables(wh):
    w = project(wh)
    w.xform("run", expect=0)
    assert w.rows("select x from numbers order by x") == [(1,), (2,), (3,)]
    # again, over the existing table: built beside it, swapped in, backup dropped
    w.xform("run", "--vars", "{n: 5}", expect=0)
    assert w.rows("select x from numbers order by x") == [(i,) for i in range(1, 6)]
    assert leftovers(w) == []
    assert w.relations()["numbers"] == "table"
    # config.require, should_full_refresh() and load_result of a fetched statement
    assert w.rows("select label, x from counted order by x") == [("hello", i)
                                                                 for i in range(1, 6)]
    assert w.rows("select distinct full_refresh from counted") in ([(0,)], [(False,)], [("f",)])
    w.xform("run", "-s", "counted", "--full-refresh", "--vars", "{n: 5}", expect=0)
    assert w.rows("select distinct full_refresh from counted") in ([(1,)], [(True,)], [("t",)])


def test_the_adapters_own_block_wins_over_the_default(wh):
    w = project(wh)
    w.xform("run", "-s", "marked", expect=0)
    assert w.rows("select built_by, x from marked") == [(w.kind, 1)]
    # without the adapter's block, the default one builds it
    text = w.p.read("macros/materializations.sql")
    start = text.index("{%% materialization marked, adapter='%s' %%}" % w.kind)
    end = text.index("{% endmaterialization %}", start) + len("{% endmaterialization %}")
    w.p.write("macros/materializations.sql", text[:start] + text[end:])
    w.xform("run", "-s", "marked", expect=0)
    assert w.rows("select built_by, x from marked") == [("default", 1)]


def test_results_name_the_relation_and_the_main_statement(wh):
    w = project(wh)
    r = w.xform("run", "-s", "numbers", expect=0)
    assert "OK created sql swap_table model " in r.out and "[SELECT in " in r.out, r.out
    rr = {x["unique_id"]: x for x in w.p.json("target/run_results.json")["results"]}
    res = rr["model.custom_mat.numbers"]
    assert res["status"] == "success" and res["message"] == "SELECT", res
    assert res["relation_name"] == w.rel("numbers"), res
    node = w.p.json("target/manifest.json")["nodes"]["model.custom_mat.numbers"]
    assert node["config"]["materialized"] == "swap_table"
    assert node["relation_name"] == w.rel("numbers")
    ran = w.p.read("target/run/custom_mat/models/numbers.sql")
    assert "-- statement('main')\ncreate table " in ran and "numbers__dbt_tmp" in ran, ran
    assert "-- statement('rename_relation')" in ran and "-- adapter.commit()" in ran, ran


def test_a_failure_inside_rolls_everything_back(wh):
    w = project(wh)
    w.p.write("models/broken.sql", "{{ config(materialized='failing') }}\nselect 1 as x\n")
    r = w.xform("run", "-s", "broken", expect=1)
    assert "no_such_table_anywhere" in r.out, r.out
    assert "macros/materializations.sql:" in r.out and "in materialization 'failing'" in r.out
    # its first statement created the table inside the transaction: rolled back
    assert "broken" not in w.relations()
    rr = {x["unique_id"]: x for x in w.p.json("target/run_results.json")["results"]}
    assert rr["model.custom_mat.broken"]["status"] == "error"


def test_a_bad_return_value_is_the_nodes_error(wh):
    w = project(wh)
    w.p.write("macros/bad.sql", "{% materialization bad_return, default %}\n"
              "{% call statement('main') %}create table {{ this }} as select 1 as x"
              "{% endcall %}\n{{ return({'relation': [this]}) }}\n{% endmaterialization %}\n")
    w.p.write("models/b.sql", "{{ config(materialized='bad_return') }}\nselect 1 as x\n")
    r = w.xform("run", "-s", "b", expect=1)
    assert "materialization 'bad_return' returned {'relation': [" in r.out, r.out
    assert "'relations' not found" in r.out
    assert "b" not in w.relations()  # what it built is rolled back


def test_an_unknown_materialization_is_a_located_load_error(wh):
    w = project(wh)
    before = state(w)
    w.p.write("models/typo.sql", "{{ config(materialized='swap_tabel') }}\nselect 1 as x\n")
    r = w.xform("run", expect=2)
    assert ("models/typo.sql:1:25: error: unknown materialization 'swap_tabel' for model "
            "'typo' (did you mean 'swap_table'?)\n") in r.err, r.err
    assert " 1 | {{ config(materialized='swap_tabel') }}\n" in r.err
    assert state(w) == before
    assert w.untouched()


def test_a_block_for_another_adapter_only_is_unknown_here(wh):
    w = project(wh)
    w.p.write("macros/other.sql", "{% materialization elsewhere, adapter='snowflake' %}\n"
              "{{ return({'relations': []}) }}\n{% endmaterialization %}\n")
    w.p.write("models/o.sql", "{{ config(materialized='elsewhere') }}\nselect 1 as x\n")
    r = w.xform("run", expect=2)
    assert "models/o.sql:1:25: error: unknown materialization 'elsewhere' for model 'o'" in r.err
    assert ("hint: materialization 'elsewhere' is defined for adapter 'snowflake' only and "
            f"this target's adapter is '{w.kind}': add a block with adapter='{w.kind}' or "
            "default") in r.err, r.err
    assert w.untouched()


SLOW = {
    # holds the transaction open after the renames, until the backend sees its client gone
    "postgres": "select pg_sleep(4)",
    "sqlite": "with recursive c(i) as (select 1 union all select i + 1 from c "
              "where i < 300000000) select count(*) from c",
}


def test_a_killed_build_keeps_the_old_table(wh):
    w = project(wh)
    w.xform("run", "-s", "numbers", expect=0)
    assert w.scalar("select count(*) from numbers") == 3
    text = w.p.read("models/numbers.sql")
    # the post-hook runs inside the transaction, after the old table was renamed away
    w.p.write("models/numbers.sql", text.replace(
        "materialized='swap_table'", "materialized='swap_table', post_hook=\"%s\"" % SLOW[w.kind]))
    proc = w.popen("run", "-s", "numbers", "--vars", "{n: 7}")
    time.sleep(2)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert w.rows("select x from numbers order by x") == [(1,), (2,), (3,)], "old rows lost"
    # the next run cleans up what the killed one left and builds
    w.p.write("models/numbers.sql", text)
    w.xform("run", "-s", "numbers", "--vars", "{n: 7}", expect=0)
    assert w.scalar("select count(*) from numbers") == 7
    assert leftovers(w) == []


def test_hooks_are_run_by_the_block_once_each(wh):
    w = project(wh)
    log = "{{ this.schema }}.hook_log"
    w.p.write("models/numbers.sql", (
        "{{ config(materialized='swap_table',\n"
        "    pre_hook=[{'sql': 'create table if not exists %s (n integer, e text)', "
        "'transaction': false},\n"
        "              \"insert into %s values (1, 'pre')\",\n"
        "              {'sql': \"insert into %s values (0, 'pre outside')\", "
        "'transaction': false}],\n"
        "    post_hook=[\"insert into %s select count(*) + 10, 'post' from {{ this }}\",\n"
        "               {'sql': \"insert into %s values (20, 'post outside')\", "
        "'transaction': false}]) }}\n"
        "select 1 as x union all select 2 as x\n") % (log, log, log, log, log))
    w.xform("run", "-s", "numbers", expect=0)
    # outside-transaction pre-hooks before the others; post-hooks see the new table
    assert w.rows("select n, e from hook_log order by n") == [
        (0, "pre outside"), (1, "pre"), (12, "post"), (20, "post outside")]


def test_a_block_reads_after_commit_and_before_begin_hooks(wh):
    """dbt's before_begin()/after_commit() make the JSON of {sql,
    transaction: false}: a block's run_hooks sees them as outside hooks."""
    w = project(wh)
    log = "{{ this.schema }}.hook_log2"
    w.p.write("models/numbers.sql", (
        "{{ config(materialized='swap_table',\n"
        "    pre_hook=[before_begin('create table if not exists %s (n integer, e text)'),\n"
        "              \"insert into %s values (1, 'pre')\"],\n"
        "    post_hook=[after_commit(\"insert into %s values (20, 'post outside')\"),\n"
        "               in_transaction(\"insert into %s values (10, 'post')\")]) }}\n"
        "select 1 as x\n") % (log, log, log, log))
    w.xform("run", "-s", "numbers", expect=0)
    assert w.rows("select n, e from hook_log2 order by n") == [
        (1, "pre"), (10, "post"), (20, "post outside")]


def test_the_projects_own_table_block_replaces_the_builtin(wh):
    w = project(wh)
    w.p.write("macros/table.sql", "{% materialization table, default %}\n"
              "{{ drop_relation_if_exists(load_cached_relation(this)) }}\n"
              "{% call statement('main') %}create table {{ this }} as select 'mine' as by, q.* "
              "from ({{ sql }}) q{% endcall %}\n"
              "{{ return({'relations': [this]}) }}\n{% endmaterialization %}\n")
    w.p.write("models/t.sql", "{{ config(materialized='table') }}\nselect 1 as x\n")
    w.xform("run", "-s", "t", expect=0)
    assert w.rows("select by, x from t") == [("mine", 1)]


def test_a_packages_builtin_override_is_not_used_and_says_so(wh):
    w = project(wh)
    w.p.write("mat_pkg/macros/table.sql", "{% materialization table, default %}\n"
              "{{ return({'relations': []}) }}\n{% endmaterialization %}\n")
    w.xform("deps", expect=0)
    w.p.write("models/t.sql", "{{ config(materialized='table') }}\nselect 1 as x\n")
    r = w.xform("run", "-s", "t", expect=0)
    assert ("mat_pkg/macros/table.sql:1:1: warning: materialization 'table' of package "
            "'mat_pkg' is not used: xform builds table itself") in r.err, r.err
    assert w.rows("select x from t") == [(1,)]


def test_two_packages_defining_one_block_is_a_load_error(wh):
    w = project(wh)
    w.p.write("pkg2/dbt_project.yml", "name: pkg2\nversion: '1.0.0'\nconfig-version: 2\n")
    w.p.write("pkg2/macros/m.sql", "{% materialization swap_table, default %}\n"
              "{{ return({'relations': []}) }}\n{% endmaterialization %}\n")
    w.p.write("packages.yml", "packages:\n  - local: mat_pkg\n  - local: pkg2\n")
    w.xform("deps", expect=0)
    r = w.xform("run", expect=2)
    assert ("error: {% materialization %} block 'materialization_swap_table_default' is "
            "defined by packages ") in r.err, r.err
    assert "mat_pkg" in r.err and "pkg2" in r.err
    assert w.untouched()


def test_truncate_relation_keeps_the_table_and_replaces_its_rows(wh):
    w = project(wh)
    w.p.write("models/refilled.sql", "{{ config(materialized='refill') }}\n"
              "select x from {{ ref('numbers') }}\n")
    w.xform("run", expect=0)
    w.xform("run", "--vars", "{n: 4}", expect=0)
    assert w.rows("select x from refilled order by x") == [(i,) for i in range(1, 5)]
    assert "truncate_relation" in w.p.read("target/run/custom_mat/models/refilled.sql")


def test_a_block_shaped_like_dbts_table_runs_and_says_what_it_skips(wh):
    w = project(wh)
    w.p.write("models/like_table.sql", "{{ config(materialized='like_dbt_table', "
              "grants={'select': ['someone']}) }}\nselect 1 as x union all select 2 as x\n")
    r = w.xform("run", "-s", "like_table", expect=0)
    assert ("warning: apply_grants(): grants are not applied by a materialization block in "
            "xform yet") in r.err, r.err
    r = w.xform("run", "-s", "like_table", expect=0)
    assert w.rows("select x from like_table order by x") == [(1,), (2,)]
    assert leftovers(w) == []


def test_an_enforced_contract_is_checked_before_the_block_runs(wh):
    w = project(wh)
    w.xform("run", "-s", "numbers", expect=0)
    w.p.write("models/numbers.yml", "version: 2\nmodels:\n  - name: numbers\n"
              "    config:\n      contract: {enforced: true}\n"
              "    columns:\n      - name: y\n        data_type: integer\n")
    r = w.xform("run", "-s", "numbers", "--vars", "{n: 6}", expect=1)
    assert "This model has an enforced contract that failed." in r.out, r.out
    assert "missing in contract" in r.out
    assert w.scalar("select count(*) from numbers") == 3  # the block never ran
    w.p.write("models/numbers.yml", "version: 2\nmodels:\n  - name: numbers\n"
              "    config:\n      contract: {enforced: true}\n"
              "    columns:\n      - name: x\n        data_type: integer\n"
              "        constraints: [{type: not_null}]\n")
    r = w.xform("run", "-s", "numbers", "--vars", "{n: 6}", expect=0)
    assert ("warning: constraints of model 'numbers' are not applied by materialization "
            "'swap_table'") in r.err, r.err
    assert w.scalar("select count(*) from numbers") == 6


BAD_BLOCKS = [
    # (block body, the node's error)
    ("{{ return(5) }}",
     "materialization 'bad' returned 5: expected a dict with the key 'relations'"),
    ("{{ return({'relations': this}) }}",
     "materialization 'bad' returned {'relations': "),
    ("{{ return({'relations': [1]}) }}",
     "materialization 'bad' returned {'relations': [1]}: not every one of its 'relations' is "
     "a relation"),
    ("{{ adapter.commit() }}",
     "adapter.commit(): no transaction is open (statements of a materialization open one)"),
    ("{{ adapter.rename_relation('a', this) }}",
     "adapter.rename_relation() needs a relation as its 'from_relation'"),
]


def test_what_a_block_gets_wrong_is_the_nodes_error(wh):
    w = project(wh)
    w.p.write("models/b.sql", "{{ config(materialized='bad') }}\nselect 1 as x\n")
    for body, want in BAD_BLOCKS:
        w.p.write("macros/bad.sql", "{% materialization bad, default %}\n" + body +
                  "\n{% endmaterialization %}\n")
        r = w.xform("run", "-s", "b", expect=1)
        assert want in r.out, (body, r.out)
    # 'relations' that is not a list: dbt's words
    w.p.write("macros/bad.sql", "{% materialization bad, default %}\n"
              "{{ return({'relations': 'x'}) }}\n{% endmaterialization %}\n")
    r = w.xform("run", "-s", "b", expect=1)
    assert "returned {'relations': 'x'}: 'relations' is not a list" in r.out, r.out


def test_a_block_that_returns_nothing_warns_and_stands_for_the_model(wh):
    w = project(wh)
    w.p.write("macros/quiet.sql", "{% materialization quiet, default %}\n"
              "{% call statement('main') %}create table {{ this }} as select 1 as x"
              "{% endcall %}\n{% endmaterialization %}\n")
    w.p.write("models/q.sql", "{{ config(materialized='quiet') }}\nselect 1 as x\n")
    r = w.xform("run", "-s", "q", expect=0)
    assert ("macros/quiet.sql:1:1: warning: materialization 'quiet' of model 'q' did not "
            "return the relations it built") in r.err, r.err
    assert w.rows("select x from q") == [(1,)]


def test_the_projects_seed_block_is_not_used_and_says_so(wh):
    w = project(wh)
    w.p.write("macros/seed.sql", "{% materialization seed, default %}\n"
              "{{ return({'relations': []}) }}\n{% endmaterialization %}\n")
    r = w.xform("run", "-s", "marked", expect=0)
    assert ("macros/seed.sql:1:1: warning: materialization 'seed' of the project is not used: "
            "xform builds seed itself") in r.err, r.err
