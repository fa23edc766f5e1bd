# SPDX-License-Identifier: MIT
"""Installed packages load as projects (issue 13), on SQLite and PostgreSQL.

fixtures/pkg_loading is a root project and, beside it, a package `mypkg`
(models, a seed, macros, a generic test, its own vars and configs) that
each test copies into dbt_packages/ the way `xform deps` installs it, so
that these tests speak of loading only. They check the tables: a package
model built with the root's config on top of the package's own, the
package's macros by namespace and unqualified inside the package, var
scoping, dispatch order (root first; `dispatch:` search_order), a package
overriding a dbt macro, unique ids, selection by package, and the errors
for a broken install. The last test builds dbt_utils' own integration
project, unmodified, from ../shared/packages."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from warehouse import wh  # noqa: F401  (the fixture)

SHARED_UTILS = Path(os.environ.get("XF_DBT_UTILS") or REPO.parent / "shared" / "packages" /
                    "dbt-utils")


def install(w, name="mypkg", folder=None):
    """Copies the fixture package into dbt_packages/<folder>, as deps would."""
    dst = w.p.dir / "dbt_packages" / (folder or name)
    shutil.copytree(w.p.dir / name, dst)
    return dst


def project(wh):
    w = wh("pkg_loading")
    install(w)
    shutil.rmtree(w.p.dir / "mypkg")  # only the installed copy is a package
    return w


def test_package_models_macros_vars_and_tests_build(wh):
    w = project(wh)
    r = w.xform("build", expect=0)
    assert "PASS=6 WARN=0 ERROR=0 SKIP=0 TOTAL=6" in r.out
    rows = w.rows("select doubled, greeting, greet, lit, id, pkg_var, own_var, helped "
                  f"from {w.rel('uses_pkg')} order by id")
    # mypkg.double(21) -> helper() found inside the package -> (21) * 2;
    # greet(): the root's default__greet wins (dispatch looks at the root
    # first); dbt.string_literal: on SQLite mypkg's sqlite__ wins through the
    # root's dispatch config for the dbt namespace, Postgres keeps dbt's;
    # pkg_var: the root's vars scoped to mypkg beat the package's own;
    # own_var: the package's own
    lit = "pkg:lit" if w.kind == "sqlite" else "lit"
    assert rows == [
        (42, "hello from the root", "root greet", lit, 1, "set by the root",
         "package default", 5),
        (42, "hello from the root", "root greet", lit, 2, "set by the root",
         "package default", 5),
    ]
    # the root's `models: {mypkg: {+materialized: table}}` beats the package's view
    kinds = w.relations()
    assert kinds["pkg_model"].lower() in ("table", "base table"), kinds
    assert kinds["uses_pkg"].lower() == "view", kinds
    assert w.rows(f"select id, amount from {w.rel('pkg_seed')} order by id") == [(1, 10), (2, 20)]

    m = w.p.json("target/manifest.json")
    pm = m["nodes"]["model.mypkg.pkg_model"]
    assert pm["package_name"] == "mypkg"
    assert pm["original_file_path"] == "models/pkg_model.sql"
    assert pm["fqn"] == ["mypkg", "pkg_model"]
    assert pm["config"]["materialized"] == "table"
    assert "from_root" in pm["tags"]
    assert "seed.mypkg.pkg_seed" in m["nodes"]
    assert {"macro.mypkg.double", "macro.mypkg.helper", "macro.mypkg.test_is_positive"} <= set(
        m["macros"])
    tests = {k: v for k, v in m["nodes"].items() if k.startswith("test.")}
    assert {k.split(".")[1] for k in tests} == {"mypkg"}
    assert any(k.startswith("test.mypkg.is_positive_pkg_model_amount.") for k in tests)
    assert (w.p.dir / "target/compiled/mypkg/models/pkg_model.sql").is_file()

    rr = w.p.json("target/run_results.json")
    assert {x["unique_id"].split(".")[2]: x["status"] for x in rr["results"]
            if x["unique_id"].startswith("test.")} == {
        "not_null_pkg_model_id": "pass", "unique_pkg_model_id": "pass",
        "is_positive_pkg_model_amount": "pass"}


def test_select_by_package(wh):
    w = project(wh)
    pkg = w.xform("ls", "-s", "package:mypkg", "--output", "name", expect=0).out.split()
    assert sorted(pkg) == sorted(["pkg_model", "pkg_seed", "not_null_pkg_model_id",
                                  "unique_pkg_model_id", "is_positive_pkg_model_amount"])
    fqn = w.xform("ls", "-s", "mypkg.*", "--resource-type", "model", "--output", "name",
                  expect=0).out.split()
    assert fqn == ["pkg_model"]
    root = w.xform("ls", "-s", "package:pkg_loading", "--output", "name", expect=0).out.split()
    assert root == ["uses_pkg"]


def test_package_generic_test_fails_on_bad_data(wh):
    w = project(wh)
    w.p.write("dbt_packages/mypkg/seeds/pkg_seed.csv", "id,amount\n1,10\n2,-5\n")
    r = w.xform("build", expect=1)
    assert "is_positive_pkg_model_amount" in r.out
    rr = w.p.json("target/run_results.json")
    st = {x["unique_id"].split(".")[2]: (x["status"], x["failures"]) for x in rr["results"]
          if x["unique_id"].startswith("test.")}
    assert st["is_positive_pkg_model_amount"] == ("fail", 1)
    # the model that reads the failing package model was skipped, not built
    assert "uses_pkg" not in w.relations()


def test_dispatch_search_order_puts_the_package_first(wh):
    w = project(wh)
    w.p.edit("dbt_project.yml", "dispatch:\n",
           "dispatch:\n  - macro_namespace: mypkg\n    search_order: ['mypkg']\n")
    w.xform("build", expect=0)
    assert w.rows(f"select distinct greet from {w.rel('uses_pkg')}") == [("package greet",)]


def test_require_dbt_version_mismatch_warns(wh):
    w = project(wh)
    w.p.edit("dbt_packages/mypkg/dbt_project.yml", '[">=1.3.0", "<3.0.0"]', '">=99.0.0"')
    r = w.xform("ls", expect=0)
    assert ("dbt_packages/mypkg/dbt_project.yml:4:22: warning: package 'mypkg' requires dbt "
            "version '>=99.0.0'; xform follows dbt 1.10.0") in r.err, r.err


# ------------------------------------------------------------- broken installs
def broken(make_project):
    p = make_project("pkg_loading")
    shutil.rmtree(p.dir / "mypkg")
    return p


def assert_nothing_built(p):
    assert not list(p.dir.glob("*.db")), "a database file was created"
    assert not (p.dir / "target" / "run_results.json").exists()


def test_listed_but_not_installed_is_an_error(make_project):
    p = broken(make_project)
    r = p.xform("build", expect=2)
    assert ("packages.yml:2:3: error: packages.yml lists 1 package but 0 are installed in "
            "'dbt_packages'") in r.err, r.err
    assert "hint: run 'xform deps' to install them" in r.err
    assert_nothing_built(p)
    # clean needs no package (it is often run before deps): the same is a warning there
    r = p.xform("clean", expect=0)
    assert ("packages.yml:2:3: warning: packages.yml lists 1 package but 0 are installed in "
            "'dbt_packages'") in r.err, r.err


def test_package_folder_without_project_file(make_project):
    p = broken(make_project)
    (p.dir / "dbt_packages" / "mypkg" / "models").mkdir(parents=True)
    r = p.xform("build", expect=2)
    assert "error: package folder 'dbt_packages/mypkg/' has no dbt_project.yml" in r.err, r.err
    assert_nothing_built(p)


def test_two_packages_with_one_name(make_project):
    p = make_project("pkg_loading")
    shutil.copytree(p.dir / "mypkg", p.dir / "dbt_packages" / "mypkg")
    shutil.copytree(p.dir / "mypkg", p.dir / "dbt_packages" / "mypkg_copy")
    shutil.rmtree(p.dir / "mypkg")
    r = p.xform("build", expect=2)
    assert ("dbt_packages/mypkg_copy/dbt_project.yml:1:1: error: package 'mypkg' in "
            "'dbt_packages/mypkg_copy' has the same name as the package in "
            "'dbt_packages/mypkg'") in r.err, r.err
    assert_nothing_built(p)


def test_package_named_like_the_root_project(make_project):
    p = broken(make_project)
    d = p.dir / "dbt_packages" / "other"
    d.mkdir(parents=True)
    (d / "dbt_project.yml").write_text("name: pkg_loading\n")
    r = p.xform("ls", expect=2)
    assert "has the same name as the root project" in r.err, r.err


# --------------------------------------------------- dbt_utils' own integration project
# What SQLite cannot run of dbt_utils' integration project, and why (README lists them).
SQLITE_ERRORS = {
    # dbt_utils reads information_schema.tables, which SQLite does not have
    "model.dbt_utils_integration_tests.test_get_relations_by_pattern",
    "model.dbt_utils_integration_tests.test_get_relations_by_prefix_and_union",
    # union_relations writes `(select ...) union all (select ...)`: SQLite has no
    # parenthesised members in a compound select
    "model.dbt_utils_integration_tests.test_union_base",
    "model.dbt_utils_integration_tests.test_union_exclude_base_lowercase",
    "model.dbt_utils_integration_tests.test_union_exclude_base_uppercase",
    "model.dbt_utils_integration_tests.test_union_no_source_column",
    "model.dbt_utils_integration_tests.test_union_where_base",
}
SQLITE_FAILS = {
    # dateadd gives 'YYYY-MM-DD HH:MM:SS' text (a timestamp, as dbt's) while the
    # expected seeds hold '2018-01-01' / '2021-01-01 00:00': text compares unequal
    "dbt_utils_equality_test_date_spine_ref_data_date_spine_",
    "dbt_utils_sequential_values_data_test_sequential_timestamps_my_timestamp__hour__1",
}


@pytest.fixture
def dbt_utils_it(tmp_path):
    if not (SHARED_UTILS / "integration_tests" / "dbt_project.yml").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_UTILS} is missing: ../shared/packages/dbt-utils belongs beside "
                        "the clone")
        pytest.skip(f"{SHARED_UTILS} is missing")
    root = tmp_path / "dbt-utils"
    shutil.copytree(SHARED_UTILS, root, ignore=shutil.ignore_patterns(".git", "target",
                                                                      "dbt_packages", "logs"))
    return root / "integration_tests"


def test_dbt_utils_integration_project(wh, dbt_utils_it, request):
    from conftest import Project
    from warehouse import Warehouse
    w0 = wh("pkg_loading")  # for the warehouse kind, its schema and its clean-up
    p = Project(dbt_utils_it, w0.p.home, w0.p.cwd)
    w = Warehouse(p, w0.kind, w0.pg)
    w.schema, w0.extra_schemas = w0.schema, w0.extra_schemas
    if w.kind == "postgres":
        p.write("profiles.yml", w0.p.read("profiles.yml").replace("pkg_loading:",
                                                                   "integration_tests:"))
        w0.custom_schema("events")
    # as a dbt user does: deps installs its `local: ../` entry, then build
    r = w.xform("deps", expect=0)
    assert (p.dir / "dbt_packages" / "dbt_utils" / "macros" / "sql" / "star.sql").is_file(), r
    # the one stale properties entry of the project is a warning, as dbt's
    w.xform("build", "--full-refresh")
    rr = p.json("target/run_results.json")
    assert len(rr["results"]) == 237
    bad = {x["unique_id"]: x["status"] for x in rr["results"]
           if x["status"] not in ("success", "pass")}
    if w.kind == "postgres":
        assert bad == {}, json.dumps(bad, indent=1)
    else:
        errors = {k for k, s in bad.items() if s == "error"}
        fails = {k.split(".")[2] for k, s in bad.items() if s == "fail"}
        assert errors == SQLITE_ERRORS, json.dumps(bad, indent=1)
        assert fails == SQLITE_FAILS, json.dumps(bad, indent=1)
        assert all(s in ("error", "fail", "skipped") for s in bad.values())
    # the same build again: dbt_utils' parse-time macros are not run again for the
    # unchanged nodes (parse records), and the manifest's nodes are the same in full
    first = {u: {k: v for k, v in n.items() if k != "created_at"}
             for u, n in p.json("target/manifest.json")["nodes"].items()}
    w.xform("build", "--full-refresh")
    log = [l for l in p.read("logs/xform.log").splitlines() if "parse-mode results of" in l]
    m = re.search(r"results of (\d+) of (\d+) nodes reused", log[-1])
    assert m and int(m.group(1)) >= int(m.group(2)) - 5 and int(m.group(2)) > 150, log[-1]
    again = {u: {k: v for k, v in n.items() if k != "created_at"}
             for u, n in p.json("target/manifest.json")["nodes"].items()}
    assert again == first
    rr2 = p.json("target/run_results.json")
    assert sorted((x["unique_id"], x["status"]) for x in rr2["results"]) == sorted(
        (x["unique_id"], x["status"]) for x in rr["results"])
    # a few result tables, read back
    assert w.rows(f"select count(*) from {w.rel('test_star')}") == [(3,)]
    series = w.rows(f"select generated_number from {w.rel('test_generate_series')} order by 1")
    assert [int(x) for (x,) in series] == list(range(1, 11))
    assert w.rows("select prefix_field_1_suffix, prefix_field_2_suffix, prefix_field_3_suffix "
                  f"from {w.rel('test_star_prefix_suffix')} order by 1") == [
        ("a", "b", "c"), ("d", "e", "f"), ("g", "h", "i")]


def test_project_file_renders_target_natively(wh):
    """Vendor packages write `+enabled: "{{ target.type != 'x' }}"` in the
    project file: `target` is there, and the value is a boolean (dbt renders
    such values natively), so False disables."""
    w = project(wh)
    w.p.edit("dbt_project.yml", "    +tags: [from_root]\n",
             "    +tags: [from_root]\n    +enabled: \"{{ target.type != 'oracle' }}\"\n"
             "    +meta: {built_on: \"{{ target.type }}\", n: \"{{ 40 + 2 }}\"}\n")
    w.xform("build", expect=0)
    pm = w.p.json("target/manifest.json")["nodes"]["model.mypkg.pkg_model"]
    assert pm["config"]["enabled"] is True
    assert pm["meta"] == {"built_on": w.kind, "n": 42}
    w.p.edit("dbt_project.yml", "target.type != 'oracle'", "target.type == 'oracle'")
    r = w.xform("build", expect=2)
    assert ("models/uses_pkg.sql:8:9: error: model 'uses_pkg' depends on a node named "
            "'pkg_model' which is disabled") in r.err, r.err


def test_macro_of_a_package_not_installed(make_project):
    p = broken(make_project)
    (p.dir / "packages.yml").unlink()
    p.write("models/uses_pkg.sql", "select {{ codegen.generate_source('raw') }} as x\n")
    r = p.xform("compile", expect=2)
    assert ("models/uses_pkg.sql:1:11: error: 'codegen' is undefined\n"
            " 1 | select {{ codegen.generate_source('raw') }} as x\n"
            "   |           ^~~~~~~\n"
            "  hint: if 'codegen' is a package, list it in packages.yml and run 'xform deps'\n"
            ) in r.err, r.err
    assert_nothing_built(p)


API_MODEL = """\
{%- set tmp = make_temp_relation(this) -%}
{%- set cols = get_columns_in_query("select 1 as a, 'x' as b") -%}
{%- set rels = adapter.list_relations_without_caching(
        api.Relation.create(database=target.database, schema=this.schema)) -%}
{%- set names = rels | map(attribute='identifier') | sort | join(',') -%}
{%- set ddl = get_create_table_as_sql(false, tmp, 'select 1') | trim -%}
select '{{ tmp.identifier }}' as tmp_name,
       '{{ cols | join(",") }}' as cols,
       '{{ names }}' as rels,
       {{ rels | selectattr('is_table') | list | length }} as tables,
       '{{ ddl.split(" ")[:2] | join(" ") }}' as ddl_head,
       '{{ (ddl ~ "") == ("create table " ~ tmp ~ (" as\\nselect 1" if target.type == "sqlite"
                                                  else " as (\\nselect 1\\n)")) }}' as ddl_ok
-- depends_on: {{ ref('uses_pkg') }}
"""


def test_relation_helpers_packages_call(wh):
    """make_temp_relation, get_columns_in_query, list_relations_without_caching,
    get_create_table_as_sql and get_where_subquery (a test's `where`), as dbt's.
    The DDL is dbt's `create table ... as (...)`, but on SQLite, whose CREATE
    TABLE AS takes no parentheses: there sqlite__create_table_as, the
    statement xform itself runs, leaves them out."""
    w = project(wh)
    w.p.write("models/api.sql", API_MODEL)
    w.p.write("models/api.yml", "version: 2\nmodels:\n  - name: uses_pkg\n    columns:\n"
              "      - name: id\n        tests:\n          - accepted_values:\n"
              "              values: [1]\n              config: {where: 'id < 2'}\n")
    w.xform("build", expect=0)
    row = w.rows(f"select * from {w.rel('api')}")[0]
    assert row[0] == "api__dbt_tmp"
    assert row[1] == "a,b"
    # what the schema held when api was built (its parents, built before it)
    assert set(row[2].split(",")) >= {"pkg_model", "pkg_seed", "uses_pkg"}
    assert row[3] >= 2  # pkg_model and pkg_seed are tables
    assert row[4] == "create table"
    assert row[5] == "True"
    compiled = w.p.read("target/compiled/pkg_loading/models/api.yml/"
                        "accepted_values_uses_pkg_id__1.sql")
    assert "where id < 2) dbt_subquery" in compiled, compiled
