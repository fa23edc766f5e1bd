# SPDX-License-Identifier: MIT
"""Slim CI: --state (state:new/old/modified[.sub]/unmodified, result:,
source_status:), --defer / --favor-state and `xform clone`.

The jaffle shop is built as "production" (its own schema; on SQLite its own
file prod.db with schema `prod`, see docs/state.md), its target/ kept as
prod_target/; a copy changes one staging model and one macro and builds
`state:modified+ --defer --state prod_target/`. The same comparison runs
against the manifest dbt-core 1.7.2 wrote for the classic jaffle shop, read
from the shared folder ($XF_DBT_ARTIFACTS, else ../shared/dbt-artifacts
beside the repository), never copied into the repository."""

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import IGNORE, REPO, Project
from warehouse import Warehouse, wh  # noqa: F401  (the fixture)

ARTIFACTS = Path(os.environ.get("XF_DBT_ARTIFACTS") or REPO.parent / "shared" / "dbt-artifacts")
DBT_JAFFLE = ARTIFACTS / "jaffle_shop-dbt-1.7.2"

MACRO = "{% macro cents_to_dollars(col) %}({{ col }} / 100.0){% endmacro %}\n"
P = "jaffle_shop."


def with_macro(project):
    """stg_payments converts cents through a project macro."""
    project.write("macros/cents.sql", MACRO)
    project.edit("models/staging/stg_payments.sql", "amount / 100.0 as amount",
                 "{{ cents_to_dollars('amount') }} as amount")


def production(wh):
    """The jaffle shop built as production; returns (warehouse, prod_target)."""
    w = wh("jaffle_shop")
    with_macro(w.p)
    if w.kind == "sqlite":
        # its own schema name: SQLite views name their schema (docs/state.md)
        w.p.write("profiles.yml", "jaffle_shop:\n  target: prod\n  outputs:\n    prod:\n"
                  "      type: sqlite\n      database: prod.db\n      schema: prod\n"
                  "      threads: 1\n")
        w.schema = "prod"
    args = ["--profiles-dir", str(w.p.dir)] if w.kind == "sqlite" else []
    w.xform("build", *args, expect=0)
    w.args = args
    keep = w.p.dir.parent / "prod_target"
    shutil.copytree(w.p.dir / "target", keep)
    return w, keep


def ci_copy(prod, name="ci"):
    """A copy of the production project on a target of its own (the
    embedded default on SQLite, a new schema on Postgres)."""
    dst = prod.p.dir.parent.parent / name / "jaffle_shop"
    shutil.copytree(prod.p.dir, dst, ignore=shutil.ignore_patterns(
        "target", "*.db", "*.db-*", "profiles.yml", "logs"))
    return Warehouse(Project(dst, prod.p.home, prod.p.cwd), prod.kind, prod.pg)


def ids(path):
    return sorted(r["unique_id"] for r in json.loads(Path(path).read_text())["results"])


def ls(project, *args, expect=0):
    r = project.xform("ls", *args, expect=expect)
    return sorted(line for line in r.out.splitlines() if line.startswith(P))


def parents_tests(manifest, nodes):
    """dbt's eager indirect selection: tests with a parent in `nodes`."""
    return {k for k, v in manifest["nodes"].items() if v["resource_type"] == "test"
            and set(v["depends_on"]["nodes"]) & nodes}


# ------------------------------------------------------------------ slim CI
def test_slim_ci_builds_changed_nodes_and_children_reading_parents_from_production(wh, expected):
    prod, state = production(wh)
    ci = ci_copy(prod)
    try:
        before = prod.digest()
        ci.p.edit("models/staging/stg_orders.sql", "        status\n",
                  "        status,\n        1 as changed\n")
        ci.p.write("macros/cents.sql", MACRO.replace("100.0", "100.00"))
        r = ci.xform("build", "-s", "state:modified+", "--defer", "--state", str(state),
                     expect=0)
        models = {"model.jaffle_shop." + m for m in ("stg_orders", "stg_payments", "orders",
                                                     "customers")}
        manifest = json.loads((state / "manifest.json").read_text())
        want = sorted(models | parents_tests(manifest, models))
        got = ids(ci.p.dir / "target" / "run_results.json")
        assert got == want, r
        assert r.summary()["TOTAL"] == len(want) == 4 + 18  # the models and their tests
        # unchanged parents (seeds, stg_customers) came from production
        rels = ci.relations()
        assert set(rels) == {"stg_orders", "stg_payments", "orders", "customers"}, rels
        assert ci.scalar("select count(*) from customers") == len(expected.customers)
        if prod.kind == "postgres":  # (prod.db's views need it attached as "prod" to be read)
            assert ci.scalar("select count(*) from customers") == \
                prod.scalar("select count(*) from stg_customers", schema=prod.schema)
        assert ci.scalar("select sum(changed) from stg_orders") == len(expected.raw_orders)
        compiled = ci.p.read("target/compiled/jaffle_shop/models/customers.sql")
        assert f'"{prod.schema}"."stg_customers"' in compiled, compiled
        assert f'"{ci.schema}"."stg_orders"' in compiled, compiled
        assert prod.digest() == before, "production must be untouched"
    finally:
        ci.drop()


def test_defer_uses_local_relations_unless_favor_state(wh):
    prod, state = production(wh)
    ci = ci_copy(prod)
    try:
        ci.xform("seed", "-s", "raw_customers", expect=0)
        ci.xform("run", "-s", "stg_customers", "--defer", "--state", str(state), expect=0)
        # raw_customers exists here: read here
        sql = ci.p.read("target/compiled/jaffle_shop/models/staging/stg_customers.sql")
        assert f'"{ci.schema}"."raw_customers"' in sql, sql
        ci.xform("run", "-s", "stg_customers", "--defer", "--favor-state", "--state", str(state),
                 expect=0)
        sql = ci.p.read("target/compiled/jaffle_shop/models/staging/stg_customers.sql")
        assert f'"{prod.schema}"."raw_customers"' in sql, sql
    finally:
        ci.drop()


def test_without_defer_missing_parents_are_not_read_from_production(wh):
    prod, state = production(wh)
    ci = ci_copy(prod)
    try:
        r = ci.xform("run", "-s", "stg_customers", "--state", str(state), expect=1)
        assert "raw_customers" in r.text, r
    finally:
        ci.drop()


# ------------------------------------------------------------------ clone
def test_clone_makes_relations_over_production_and_keeps_existing_ones(wh, expected):
    prod, state = production(wh)
    ci = ci_copy(prod)
    try:
        before = prod.digest()
        r = ci.xform("clone", "--state", str(state), "-s", "customers", "stg_orders", expect=0)
        assert r.summary()["TOTAL"] == 2, r
        rels = ci.relations()
        assert set(rels) == {"customers", "stg_orders"}, rels
        # Postgres: views over production; SQLite: views cannot read another file, a copy
        assert rels["customers"] == ("view" if ci.kind == "postgres" else "table")
        assert ci.scalar("select count(*) from customers") == len(expected.customers)
        results = json.loads(ci.p.read("target/run_results.json"))["results"]
        assert {x["status"] for x in results} == {"success"}
        # an existing relation is kept ...
        ci.p.write("models/staging/stg_orders.sql", "select 1 as order_id")
        ci.xform("run", "-s", "stg_orders", expect=0)
        r = ci.xform("clone", "--state", str(state), "-s", "stg_orders", expect=0)
        assert "kept: the relation exists" in r.out, r
        assert ci.scalar("select count(*) from stg_orders") == 1
        # ... and replaced with --full-refresh
        ci.xform("clone", "--state", str(state), "-s", "stg_orders", "--full-refresh", expect=0)
        assert ci.scalar("select count(*) from stg_orders") == len(expected.raw_orders)
        assert prod.digest() == before
    finally:
        ci.drop()


def test_clone_excludes(wh):
    prod, state = production(wh)
    ci = ci_copy(prod)
    try:
        ci.xform("clone", "--state", str(state), "-s", "resource_type:seed", "--exclude",
                 "raw_payments", expect=0)
        assert set(ci.relations()) == {"raw_customers", "raw_orders"}
    finally:
        ci.drop()


# ------------------------------------------------------------------ result:
def test_result_selects_by_the_state_runs_status(wh):
    w = wh("jaffle_shop")
    w.p.write("tests/always_fails.sql", "select 1 as x")
    w.xform("build", expect=1)
    state = w.p.dir.parent / "state1"
    shutil.copytree(w.p.dir / "target", state)
    assert ls(w.p, "-s", "result:fail", "--state", str(state)) == [P + "always_fails"]
    assert ls(w.p, "-s", "result:success", "--resource-type", "model", "--state",
              str(state)) == [P + "customers", P + "orders", P + "staging.stg_customers",
                              P + "staging.stg_orders", P + "staging.stg_payments"]
    assert len(ls(w.p, "-s", "result:pass", "--state", str(state))) == 20
    assert ls(w.p, "-s", "result:error", "--state", str(state), expect=0) == []
    # retry the failure and what follows it
    w.p.write("tests/always_fails.sql", "select 1 as x where 1 = 0")
    r = w.xform("build", "-s", "result:fail+", "--state", str(state), expect=0)
    assert r.summary()["TOTAL"] == 1, r


# ------------------------------------------------------------------ source_status:
def test_source_status_fresher(wh):
    w = wh("freshness")
    w.xform("build", expect=None)
    w.xform("source", "freshness", expect=None)
    state = w.p.dir.parent / "fresh_state"
    shutil.copytree(w.p.dir / "target", state)
    srcs = json.loads((state / "sources.json").read_text())["results"]
    checked = sorted(s["unique_id"] for s in srcs if s.get("max_loaded_at")
                     and s["status"] != "runtime error")
    assert checked, srcs
    # nothing loaded since: nothing is fresher
    assert ls(w.p, "-s", "source_status:fresher", "--state", str(state)) == []
    # the state saw them older: all the checked ones are fresher now
    older = json.loads((state / "sources.json").read_text())
    for s in older["results"]:
        if s.get("max_loaded_at"):
            s["max_loaded_at"] = "2000-01-01T00:00:00+00:00"
    (state / "sources.json").write_text(json.dumps(older))
    r = w.xform("ls", "-s", "source_status:fresher", "--state", str(state),
                "--output", "json", expect=0)
    got = sorted(json.loads(x)["unique_id"] for x in r.out.splitlines() if x.startswith("{"))
    assert got == checked, r


# ------------------------------------------------------------------ state: selection
@pytest.fixture
def pair(make_project):
    """(production, copy): two parses of the jaffle shop with the macro."""
    prod = make_project("jaffle_shop")
    with_macro(prod)
    prod.write("macros/helper.sql", "{% macro inner() %}1{% endmacro %}\n"
               "{% macro outer() %}{{ inner() }}{% endmacro %}\n")
    prod.edit("models/orders.sql", "select * from final", "select *, {{ outer() }} as o "
              "from final")
    ci_dir = prod.dir.parent / "ci_copy"
    shutil.copytree(prod.dir, ci_dir, ignore=IGNORE)
    ci = Project(ci_dir, prod.home, prod.cwd)

    def state():
        prod.xform("parse", expect=0)
        return str(prod.dir / "target")
    return prod, ci, state


def sel(project, state, what, *more):
    return ls(project, "-s", what, "--resource-type", "model", "--state", state, *more)


def test_state_body_and_unmodified(pair):
    prod, ci, state = pair
    s = state()
    assert sel(ci, s, "state:modified") == []
    assert len(sel(ci, s, "state:unmodified")) == 5
    ci.edit("models/staging/stg_orders.sql", "status\n", "status -- edited\n")
    assert sel(ci, s, "state:modified") == [P + "staging.stg_orders"]
    assert sel(ci, s, "state:modified.body") == [P + "staging.stg_orders"]
    assert sel(ci, s, "state:modified.configs") == []
    assert P + "staging.stg_orders" not in sel(ci, s, "state:unmodified")
    assert sel(ci, s, "state:modified+") == [P + "customers", P + "orders",
                                             P + "staging.stg_orders"]


def test_state_crlf_checkout_is_not_modified(pair):
    prod, ci, state = pair
    s = state()
    p = ci.path("models/staging/stg_orders.sql")
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    assert sel(ci, s, "state:modified") == []


def test_state_configs(pair):
    prod, ci, state = pair
    s = state()
    ci.edit("dbt_project.yml", "      materialized: view", "      materialized: table")
    got = sel(ci, s, "state:modified.configs")
    assert got == [P + "staging.stg_customers", P + "staging.stg_orders",
                   P + "staging.stg_payments"]
    assert sel(ci, s, "state:modified.body") == []
    assert sel(ci, s, "state:modified.relation") == []


def test_state_relation(pair):
    prod, ci, state = pair
    s = state()
    ci.edit("dbt_project.yml", "    materialized: table\n",
            "    materialized: table\n    customers:\n      +alias: clients\n")
    assert sel(ci, s, "state:modified.relation") == [P + "customers"]
    assert sel(ci, s, "state:modified.configs") == []  # alias is compared as the relation


def test_state_persisted_descriptions(pair):
    prod, ci, state = pair
    for p in (prod, ci):
        p.edit("dbt_project.yml", "    materialized: table\n",
               "    materialized: table\n    +persist_docs: {relation: true, columns: true}\n")
    s = state()
    text = ci.read("models/schema.yml")
    assert "description:" in text
    ci.write("models/schema.yml", text.replace("description: ", "description: Edited. ", 1))
    got = sel(ci, s, "state:modified.persisted_descriptions")
    assert len(got) == 1, got
    # without persist_docs a description is not part of the relation
    prod2, ci2 = prod, ci
    for p in (prod2, ci2):
        p.edit("dbt_project.yml", "    +persist_docs: {relation: true, columns: true}\n", "")
    s = state()
    assert sel(ci2, s, "state:modified.persisted_descriptions") == []


def test_state_macros_direct_and_through_other_macros(pair):
    prod, ci, state = pair
    s = state()
    ci.write("macros/cents.sql", MACRO.replace("100.0", "100.00"))
    assert sel(ci, s, "state:modified.macros") == [P + "staging.stg_payments"]
    assert sel(ci, s, "state:modified.body") == []
    ci.write("macros/cents.sql", MACRO)
    ci.edit("macros/helper.sql", "{% macro inner() %}1", "{% macro inner() %}2")
    assert sel(ci, s, "state:modified.macros") == [P + "orders"]
    man = json.loads((prod.dir / "target" / "manifest.json").read_text())
    assert man["nodes"]["model.jaffle_shop.orders"]["depends_on"]["macros"] == \
        ["macro.jaffle_shop.outer"]
    assert man["macros"]["macro.jaffle_shop.outer"]["depends_on"]["macros"] == \
        ["macro.jaffle_shop.inner"]


def test_state_contract(pair):
    prod, ci, state = pair
    s = state()
    ci.edit("dbt_project.yml", "    materialized: table\n",
            "    materialized: table\n    orders:\n      +contract: {enforced: true}\n")
    r = ci.xform("ls", "-s", "state:modified.contract", "--resource-type", "model", "--state", s,
                 expect=0)
    assert [x for x in r.out.splitlines() if x.startswith(P)] == [P + "orders"], r


def test_state_new_and_old(pair):
    prod, ci, state = pair
    s = state()
    ci.write("models/brand_new.sql", "select 1 as id")
    assert sel(ci, s, "state:new") == [P + "brand_new"]
    assert P + "brand_new" not in sel(ci, s, "state:old")
    assert len(sel(ci, s, "state:old")) == 5
    assert P + "brand_new" in sel(ci, s, "state:modified")
    assert sel(ci, s, "state:modified.macros") == []


def test_defer_on_ls_says_it_changes_nothing(pair):
    prod, ci, state = pair
    r = ci.xform("ls", "-s", "stg_orders", "--defer", "--state", state(), expect=0)
    assert "warning: --defer changes nothing ls lists: it only changes where ref() reads " \
           "when nodes run or compile" in r.err, r
    assert P + "staging.stg_orders" in r.out, r


def test_state_vars_change_config_calls_not_project_text(pair):
    """As dbt: config() arguments compare rendered (a var that changes one
    changes the config), a var used only in the SQL does not make the
    node modified (the raw code is the same)."""
    prod, ci, state = pair
    for p in (prod, ci):
        p.write("models/by_var.sql", "{{ config(materialized=var('mat', 'view')) }}\n"
                "select {{ var('n', 1) }} as n")
    s = state()
    assert sel(ci, s, "state:modified", "--vars", "{n: 5}") == []
    assert sel(ci, s, "state:modified.configs", "--vars", "{mat: table}") == [P + "by_var"]


def test_state_templated_project_configs_compare_as_written(pair):
    """dbt keeps a templated dbt_project.yml config unrendered: a target or
    vars that render it differently do not make the nodes modified."""
    prod, ci, state = pair
    for p in (prod, ci):
        p.edit("dbt_project.yml", "      materialized: view",
               "      materialized: \"{{ var('stg_mat', 'view') }}\"")
    s = state()
    node = prod.json("target/manifest.json")["nodes"]["model.jaffle_shop.stg_orders"]
    assert node["unrendered_config"]["materialized"] == "{{ var('stg_mat', 'view') }}"
    assert node["config"]["materialized"] == "view"
    assert sel(ci, s, "state:modified", "--vars", "{stg_mat: table}") == []
    ci.edit("dbt_project.yml", "var('stg_mat', 'view')", "var('stg_mat', 'table')")
    assert len(sel(ci, s, "state:modified.configs")) == 3


def test_state_flags_are_supported_not_warned(make_project):
    p = make_project("jaffle_shop")
    p.xform("parse", expect=0)
    r = p.xform("ls", "--state", str(p.dir / "target"), "-s", "state:modified", expect=0)
    assert "not supported" not in r.text, r


# ------------------------------------------------------------------ dbt-core's manifest
@pytest.fixture
def classic(make_project):
    """The jaffle shop with the classic models dbt-core 1.7.2 read (their
    text from dbt's own manifest, CRLF made LF as a checkout on Linux has
    them); the seed CSVs are this repository's, not the classic ones."""
    if not (DBT_JAFFLE / "manifest.json").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no dbt-core artifacts at {DBT_JAFFLE}")
        pytest.skip(f"no dbt-core artifacts at {DBT_JAFFLE} (set XF_DBT_ARTIFACTS)")
    p = make_project("jaffle_shop")
    m = json.loads((DBT_JAFFLE / "manifest.json").read_text())
    for node in m["nodes"].values():
        if node["resource_type"] == "model":
            path = node["original_file_path"].replace("\\", "/")
            p.write(path, node["raw_code"].replace("\r\n", "\n") + "\n")
    return p


def test_dbt_core_manifest_compares_despite_crlf(classic):
    s = str(DBT_JAFFLE)
    assert sel(classic, s, "state:modified") == []
    assert len(sel(classic, s, "state:unmodified")) == 5
    # generic tests carry dbt-core's ids (md5 of name + metadata): the same
    # 20 nodes, none new
    def tests(what):
        r = classic.xform("ls", "-s", what, "--resource-type", "test", "--state", s, expect=0)
        return [x for x in r.out.splitlines() if x.startswith(P)]
    dbt_tests = sorted(k for k, v in json.loads((DBT_JAFFLE / "manifest.json").read_text())
                       ["nodes"].items() if v["resource_type"] == "test")
    classic.xform("parse", expect=0)
    ours = sorted(k for k in classic.json("target/manifest.json")["nodes"] if k.startswith("test."))
    assert ours == dbt_tests and len(ours) == 20
    assert tests("state:new") == []
    classic.edit("models/staging/stg_orders.sql", "status\n", "status -- edited\n")
    assert sel(classic, s, "state:modified") == [P + "staging.stg_orders"]
    assert sel(classic, s, "state:modified.body") == [P + "staging.stg_orders"]
    assert sel(classic, s, "state:modified.configs") == []
    assert sel(classic, s, "state:modified.relation") == []
    # its seeds hold other data than ours: modified, by their checksum
    r = classic.xform("ls", "-s", "state:modified", "--resource-type", "seed", "--state", s,
                      expect=0)
    assert len([x for x in r.out.splitlines() if x.startswith(P)]) == 3, r


def test_dbt_core_manifest_build_and_result(wh):
    if not (DBT_JAFFLE / "manifest.json").is_file():
        pytest.skip(f"no dbt-core artifacts at {DBT_JAFFLE}")
    w = wh("jaffle_shop")
    m = json.loads((DBT_JAFFLE / "manifest.json").read_text())
    for node in m["nodes"].values():
        if node["resource_type"] == "model":
            w.p.write(node["original_file_path"].replace("\\", "/"),
                      node["raw_code"].replace("\r\n", "\n") + "\n")
    w.p.edit("models/staging/stg_orders.sql", "status\n", "status -- edited\n")
    w.xform("seed", expect=0)
    r = w.xform("build", "-s", "state:modified,resource_type:model", "--state",
                str(DBT_JAFFLE), expect=0)
    stg = "model.jaffle_shop.stg_orders"
    want = sorted({stg} | parents_tests(w.p.json("target/manifest.json"), {stg}))
    assert ids(w.p.dir / "target" / "run_results.json") == want, r
    assert len(want) == 1 + 3
    assert w.scalar("select count(*) from stg_orders") > 0
    # dbt's run_results: every model succeeded there
    got = ls(w.p, "-s", "result:success", "--resource-type", "model", "--state", str(DBT_JAFFLE))
    assert len(got) == 5


def test_defer_to_relations_this_target_cannot_read_warns(wh):
    """dbt-core's manifest names database 'tutorial' (duckdb): neither a
    SQLite file nor this Postgres database; a parent the selection reads
    there is built from this target instead, with a warning."""
    if not (DBT_JAFFLE / "manifest.json").is_file():
        pytest.skip(f"no dbt-core artifacts at {DBT_JAFFLE}")
    w = wh("jaffle_shop")
    w.xform("seed", "-s", "raw_orders", expect=0)
    r = w.xform("run", "-s", "stg_orders", "stg_customers", "--defer", "--state",
                str(DBT_JAFFLE), expect=1)
    why = ("the state manifest names no database file for it (it gives 'tutorial')"
           if w.kind == "sqlite" else
           "it is in database 'tutorial', which this target's queries cannot read")
    assert f"warning: cannot defer seed 'raw_customers' to the state's " \
           f"'main.raw_customers': {why}" in r.err, r
    assert "raw_payments" not in r.err, r  # nothing selected reads it
    assert w.scalar("select count(*) from stg_orders") > 0


# ------------------------------------------------------------------ bad input
def err_of(r):
    return r.err


@pytest.mark.parametrize("args, message", [
    (["ls", "--defer"], "error: --defer needs --state DIR"),
    (["ls", "--defer", "--favor-state"], "error: --defer needs --state DIR"),
    (["ls", "--favor-state", "--state", "."], "error: --favor-state only changes what --defer"),
    (["clone"], "error: clone needs --state DIR"),
    (["clone", "--state", ".", "--defer"], "error: clone takes no --defer"),
    (["ls", "-s", "state:modified"], "selector 'state:modified' needs --state"),
])
def test_bad_flags(make_project, args, message):
    p = make_project("jaffle_shop")
    r = p.xform(*args, expect=2)
    assert message in r.err, r
    assert p.db_files() == []


def test_state_folder_problems(make_project, tmp_path):
    p = make_project("jaffle_shop")
    missing = tmp_path / "nowhere"
    r = p.xform("build", "--state", str(missing), "-s", "state:modified", expect=2)
    assert f"the --state folder '{missing}' does not exist" in r.err, r
    empty = tmp_path / "empty"
    empty.mkdir()
    r = p.xform("build", "--state", str(empty), expect=2)
    assert f"could not read the state file '{empty}/manifest.json': No such file" in r.err, r
    (empty / "manifest.json").write_text("{not json")
    r = p.xform("ls", "--state", str(empty), expect=2)
    assert f"'{empty}/manifest.json' is not a JSON artifact" in r.err, r
    (empty / "manifest.json").write_text(json.dumps({"metadata": {
        "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v7.json",
        "project_name": "jaffle_shop"}, "nodes": {}}))
    r = p.xform("ls", "--state", str(empty), expect=2)
    assert "has schema version 'https://schemas.getdbt.com/dbt/manifest/v7.json'" in r.err, r
    assert "v10 to v12" in r.err, r
    (empty / "manifest.json").write_text(json.dumps({"metadata": {
        "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
        "project_name": "other_shop"}, "nodes": {}}))
    r = p.xform("build", "--state", str(empty), expect=2)
    assert "is of project 'other_shop', not 'jaffle_shop'" in r.err, r
    (empty / "manifest.json").write_text(json.dumps({"metadata": {
        "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
        "project_name": "jaffle_shop"}, "nodes": {}}))
    r = p.xform("ls", "--state", str(empty), "-s", "result:fail", expect=2)
    assert "needs run_results.json in the --state folder" in r.err, r
    r = p.xform("ls", "--state", str(empty), "-s", "source_status:fresher", expect=2)
    assert "needs sources.json" in r.err, r
    assert p.db_files() == []


@pytest.mark.parametrize("selector, message", [
    ("state:modifed", "unknown state selector 'state:modifed' (did you mean 'modified'?)"),
    ("state:modified.bodyy", "unknown state:modified sub-selector 'bodyy' in "
     "'state:modified.bodyy' (did you mean 'body'?)"),
    ("result:failed", "unknown result status 'failed' in 'result:failed' (did you mean "
     "'fail'?)"),
    ("source_status:stale", "unknown source status 'stale' in 'source_status:stale'"),
    ("result.x:fail", "selector method 'result' takes no argument in 'result.x:fail'"),
])
def test_bad_state_selectors(make_project, selector, message):
    p = make_project("jaffle_shop")
    p.xform("parse", expect=0)
    r = p.xform("ls", "-s", selector, "--state", str(p.dir / "target"), expect=2)
    assert message in r.err, r


def test_sqlite_defer_needs_its_own_schema_name(make_project):
    prod = make_project("jaffle_shop")
    prod.xform("build", expect=0)  # schema main in jaffle_shop.db
    ci_dir = prod.dir.parent / "ci_main"
    shutil.copytree(prod.dir, ci_dir, ignore=IGNORE)
    ci = Project(ci_dir, prod.home, prod.cwd)
    r = ci.xform("run", "-s", "customers", "--defer", "--state", str(prod.dir / "target"),
                 expect=2)
    assert "cannot read the state's schema 'main'" in r.err, r
    assert "schema of its own" in r.err, r
    assert ci.db_files() == []
