# SPDX-License-Identifier: MIT
"""Model governance (issue 14): enforced contracts (the query's columns as
the database describes them against the declared names and types, tables
created from the declared types and constraints), groups and access
(private and protected refs refused at load), model versions. On SQLite
and PostgreSQL from the same code; the constraints are read back from each
database's catalog."""

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, parse_diags
from warehouse import wh  # noqa: F401  (the fixture)

DBT_SCHEMAS = Path(os.environ.get("XF_DBT_SCHEMAS") or REPO.parent / "shared" / "dbt-schemas")


def validate_manifest(doc):
    path = DBT_SCHEMAS / "manifest_v12.json"
    if not path.is_file():
        pytest.skip(f"{path} is missing: the manifest is not validated")
    schema = json.loads(path.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)


@pytest.fixture
def gov(wh):
    return wh("projects/governance")


def column_types(w, table):
    """{column: (declared type, nullable)} from the catalog."""
    if w.kind == "sqlite":
        return {r[1]: (r[2].lower(), not r[3]) for r in
                w.p.rows(f"select * from pragma_table_info('{table}')")}
    return {c: (t, n == "YES") for c, t, n in w.rows(
        "select column_name, data_type, is_nullable from information_schema.columns "
        f"where table_schema = '{w.schema}' and table_name = '{table}'")}


def table_sql(w, table):
    """SQLite: the CREATE TABLE as stored; Postgres: every constraint's definition."""
    if w.kind == "sqlite":
        return w.p.scalar("select sql from sqlite_master where name = ?", (table,))
    return "\n".join(r[0] for r in w.rows(
        "select pg_get_constraintdef(c.oid) from pg_constraint c join pg_class t on "
        f"t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace where "
        f"n.nspname = '{w.schema}' and t.relname = '{table}' order by 1"))


def norm(sql):
    return re.sub(r"\s+", " ", sql.replace('"', "").replace("(", " (")).lower()


@pytest.mark.feature("contracts")
def test_contract_creates_declared_types_and_constraints(gov):
    r = gov.xform("run", expect=0)
    assert r.summary()["PASS"] == 4
    cust = column_types(gov, "customers")
    orders = column_types(gov, "orders")
    if gov.kind == "sqlite":
        assert cust == {"id": ("integer", False), "name": ("varchar(20)", False)}
        assert orders == {"order_id": ("int", True), "customer_id": ("integer", True),
                          "amount": ("integer", True)}
        c, o = norm(table_sql(gov, "customers")), norm(table_sql(gov, "orders"))
        assert "id integer primary key not null" in c and "name varchar (20) not null unique" in c
        assert "customer_id integer references customers (id)" in o
        assert "check (amount < 1000)" in o and "check (amount >= 0)" in o
        assert "unique (order_id, customer_id)" in o
        # the not-enforced foreign key says so, located at its YAML
        assert "models/schema.yml:33:13: warning: the foreign_key constraint of model 'orders' " \
            "is created but not enforced by sqlite" in r.text
    else:
        assert cust == {"id": ("integer", False), "name": ("character varying", False)}
        assert orders == {"order_id": ("integer", False), "customer_id": ("integer", True),
                          "amount": ("integer", True)}
        assert table_sql(gov, "customers").splitlines() == ["PRIMARY KEY (id)", "UNIQUE (name)"]
        assert table_sql(gov, "orders").splitlines() == [
            "CHECK ((amount < 1000))", "CHECK ((amount >= 0))",
            "FOREIGN KEY (customer_id) REFERENCES customers(id)",  # read in its schema
            "PRIMARY KEY (order_id)", "UNIQUE (order_id, customer_id)"]
        assert "not enforced" not in r.text
    assert sorted(gov.rows("select order_id, customer_id, amount from orders")) == \
        [(10, 1, 5), (11, 2, 7)]
    assert sorted(gov.rows("select id, name from customers")) == [(1, "ann"), (2, "bob")]
    # the database enforces them: a row that breaks the check is refused
    gov.p.write("models/orders.sql", "select 12 as order_id, 1 as customer_id, 5000 as amount\n")
    r = gov.xform("run", "-s", "orders", expect=1)
    assert "check" in r.text.lower()
    assert sorted(gov.rows("select order_id from orders")) == [(10,), (11,)]


@pytest.mark.feature("contracts")
def test_contract_mismatch_fails_the_node_before_building(gov):
    gov.xform("run", expect=0)
    before = sorted(gov.rows("select * from orders"))
    gov.p.write("models/orders.sql",
                "select 10 as order_id, 1 as customer_id, 'five' as amount, 1 as extra\n")
    gov.p.write("models/other.sql", "select 2 as k\n")
    r = gov.xform("run", expect=1)
    s = r.summary()
    assert (s["PASS"], s["ERROR"], s["SKIP"]) == (2, 1, 1)  # summary waits for orders
    want_type = "TEXT"
    table = ("  | column_name | definition_type | contract_type | mismatch_reason    |\n"
             "  | ----------- | --------------- | ------------- | ------------------ |\n"
             f"  | amount      | {want_type:<15} | INTEGER       | data type mismatch |\n"
             "  | extra       | INTEGER         |               | missing in contract |")
    assert "Compilation Error in model orders (models/orders.sql)\n" in r.text, r
    assert "This model has an enforced contract that failed.\n" in r.text
    assert "Please ensure the name, data_type, and number of columns in your contract match " \
        "the columns in your model's definition." in r.text
    lines = [ln.split("  ", 1)[1] if re.match(r"\d\d:\d\d:\d\d ", ln) else ln
             for ln in r.text.splitlines()]
    body = "\n".join(lines)
    for want in ("| amount      |", "data type mismatch", "| extra ", "missing in contract"):
        assert want in body, body
    assert "The contract is declared at models/schema.yml:17:11" in r.text
    # nothing created or replaced: the old table, whole; the sibling was built
    assert sorted(gov.rows("select * from orders")) == before
    assert gov.rows("select k from other") == [(2,)]


@pytest.mark.feature("contracts")
def test_contract_column_missing_from_query(gov):
    gov.p.write("models/customers.sql", "select 1 as id\n")
    r = gov.xform("run", "-s", "customers", expect=1)
    assert re.search(r"\| name +\| +\| VARCHAR\(20\) +\| missing in definition \|", r.text), r
    assert "customers" not in gov.relations()


@pytest.mark.feature("contracts")
def test_contract_on_a_view_checks_types_and_warns_of_constraints(gov):
    gov.p.edit("models/schema.yml", "  - name: customers\n    config:\n",
               "  - name: customers\n    config:\n      materialized: view\n")
    r = gov.xform("run", "-s", "customers", expect=0)
    assert "models/schema.yml:3:11: warning: constraints of view 'customers' are not " \
        "enforced" in r.text
    assert gov.relations()["customers"] == "view"
    # warn_unsupported: false on every constraint silences it
    gov.p.write("models/schema.yml", re.sub(r"(\n( +)- type: [a-z_]+)",
                                            r"\1\n\2  warn_unsupported: false",
                                            gov.p.read("models/schema.yml")))
    r = gov.xform("run", "-s", "customers", expect=0)
    assert "are not enforced" not in r.text, r
    gov.p.write("models/customers.sql", "select 'x' as id, 'ann' as name\n")
    r = gov.xform("run", "-s", "customers", expect=1)
    assert "data type mismatch" in r.text


@pytest.mark.feature("contracts")
def test_contract_on_incremental_model(gov):
    gov.p.write("models/customers.sql",
                "{{ config(materialized='incremental', unique_key='id', "
                "on_schema_change='fail') }}\n"
                "select 1 as id, 'ann' as name union all select 2 as id, 'bob' as name\n")
    gov.xform("run", "-s", "customers", expect=0)
    assert column_types(gov, "customers")["name"][1] is False  # created not null
    gov.xform("run", "-s", "customers", expect=0)
    assert sorted(gov.rows("select id, name from customers")) == [(1, "ann"), (2, "bob")]
    # a column the contract does not know: the contract fails before on_schema_change
    gov.p.edit("models/customers.sql", "'bob' as name", "'bob' as name, 3 as extra")
    gov.p.edit("models/customers.sql", "'ann' as name", "'ann' as name, 3 as extra")
    r = gov.xform("run", "-s", "customers", expect=1)
    assert "missing in contract" in r.text


@pytest.mark.feature("contracts")
def test_constraint_on_unknown_column_is_a_load_error(gov):
    gov.p.edit("models/schema.yml", "columns: [order_id, customer_id]",
               "columns: [order_id, custmer_id]")
    r = gov.xform("run", expect=2)
    d = [x for x in parse_diags(r.text) if "unknown column" in x.msg]
    assert d and (d[0].path, d[0].line, d[0].col) == ("models/schema.yml", 22, 29), r
    assert d[0].msg == "unique constraint on unknown column 'custmer_id' of 'orders' " \
        "(did you mean 'customer_id'?)"
    assert gov.untouched()


@pytest.mark.feature("contracts")
def test_unknown_constraint_type_is_a_load_error(gov):
    gov.p.edit("models/schema.yml", "- type: primary_key\n          - type: not_null",
               "- type: primary_ky\n          - type: not_null")
    r = gov.xform("run", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/schema.yml", 10, 19,
         "unknown constraint type 'primary_ky' (did you mean 'primary_key'?)")]
    assert gov.untouched()


@pytest.mark.feature("contracts")
def test_contract_in_manifest(gov):
    gov.xform("run", expect=0)
    m = gov.p.json("target/manifest.json")
    validate_manifest(m)
    o = m["nodes"]["model.governance.orders"]
    assert o["contract"]["enforced"] is True and re.fullmatch(r"[0-9a-f]{64}",
                                                                o["contract"]["checksum"])
    assert o["columns"]["customer_id"]["data_type"] == "integer"
    assert o["columns"]["customer_id"]["constraints"] == [{
        "type": "foreign_key", "name": None, "expression": None, "warn_unenforced": True,
        "warn_unsupported": True, "to": "ref('customers')", "to_columns": ["id"]}]
    assert [c["type"] for c in o["constraints"]] == ["unique", "check"]
    assert o["constraints"][0]["columns"] == ["order_id", "customer_id"]
    assert "model.governance.customers" in o["depends_on"]["nodes"]
    assert m["nodes"]["model.governance.other"]["contract"] == {
        "enforced": False, "alias_types": True, "checksum": None}
    # the checksum follows the declared types
    gov.p.edit("models/schema.yml", "data_type: int\n", "data_type: bigint\n")
    gov.xform("parse", expect=0)
    m2 = gov.p.json("target/manifest.json")
    assert m2["nodes"]["model.governance.orders"]["contract"]["checksum"] != \
        o["contract"]["checksum"]


GROUPS = """\
  - name: other
    access: private
    group: finance
groups:
  - name: finance
    owner: {name: Finance team, email: finance@example.com}
    description: the money people
"""


@pytest.mark.feature("access")
def test_private_ref_from_outside_its_group_fails_at_load(gov):
    gov.p.write("models/schema.yml", gov.p.read("models/schema.yml") + GROUPS)
    gov.p.write("models/report.sql", "-- report\nselect k from {{ ref('other') }}\n")
    r = gov.xform("run", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/report.sql", 2, 18, "model 'report' refers to private model 'other' of group "
         "'finance', which only its group may reference")], r
    assert "hint: put 'report' in group 'finance' (config 'group'), or make 'other' " \
        "protected or public" in r.text
    assert gov.untouched()
    # in the group (a config() call), the ref is allowed
    gov.p.write("models/report.sql",
                "{{ config(group='finance') }}\nselect k from {{ ref('other') }}\n")
    gov.xform("run", expect=0)
    assert gov.rows("select k from report") == [(1,)]
    m = gov.p.json("target/manifest.json")
    validate_manifest(m)
    assert m["groups"] == {"group.governance.finance": {
        "name": "finance", "resource_type": "group", "package_name": "governance",
        "path": "schema.yml", "original_file_path": "models/schema.yml",
        "unique_id": "group.governance.finance",
        "owner": {"name": "Finance team", "email": "finance@example.com"},
        "description": "the money people", "config": {"meta": {}}}}
    other = m["nodes"]["model.governance.other"]
    assert (other["group"], other["access"], other["config"]["group"],
            other["config"]["access"]) == ("finance", "private", "finance", "private")
    assert m["nodes"]["model.governance.customers"]["access"] == "protected"
    assert sorted(m["group_map"]["finance"]) == ["model.governance.other",
                                                 "model.governance.report"]


@pytest.mark.feature("access")
def test_undefined_group_and_unknown_access_are_located(gov):
    gov.p.write("models/schema.yml",
                gov.p.read("models/schema.yml") + GROUPS.replace("group: finance",
                                                                 "group: finanse"))
    r = gov.xform("parse", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/schema.yml", 43, 12, "model 'other' is in group 'finanse', which is not "
         "defined (did you mean 'finance'?)")], r
    gov.p.edit("models/schema.yml", "group: finanse", "group: finance")
    gov.p.edit("models/schema.yml", "access: private", "access: privat")
    r = gov.xform("parse", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/schema.yml", 42, 13, "unknown access 'privat' (did you mean 'private'?)")], r
    assert gov.untouched()


@pytest.mark.feature("access")
def test_group_in_project_file_and_group_without_owner(gov):
    gov.p.write("models/schema.yml", gov.p.read("models/schema.yml") + GROUPS)
    gov.p.edit("dbt_project.yml", "    +materialized: table\n",
               "    +materialized: table\n    +group: finance\n")
    gov.p.write("models/report.sql", "select k from {{ ref('other') }}\n")
    gov.xform("run", expect=0)  # every model is in finance now
    m = gov.p.json("target/manifest.json")
    assert len(m["group_map"]["finance"]) == 5
    gov.p.edit("models/schema.yml", "    owner: {name: Finance team, email: finance@example.com}\n",
               "")
    r = gov.xform("parse", expect=2)
    assert "models/schema.yml:45:11: error: group 'finance' needs an 'owner' with a 'name' or " \
        "an 'email'" in r.text, r


@pytest.mark.feature("access")
def test_protected_ref_into_a_restricted_package(gov):
    pkg = gov.p.dir / "dbt_packages" / "vendor"
    (pkg / "models").mkdir(parents=True)
    (pkg / "dbt_project.yml").write_text(
        "name: vendor\nversion: '1.0'\nconfig-version: 2\nrestrict-access: true\n")
    (pkg / "models" / "vendor_rates.sql").write_text("select 3 as rate\n")
    (pkg / "models" / "vendor_public.sql").write_text("select 4 as rate\n")
    (pkg / "models" / "props.yml").write_text(
        "version: 2\nmodels:\n  - name: vendor_public\n    access: public\n")
    gov.p.write("packages.yml", "packages:\n  - local: vendor\n")
    gov.p.write("models/rates.sql", "select rate from {{ ref('vendor', 'vendor_rates') }}\n")
    r = gov.xform("run", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/rates.sql", 1, 21, "model 'rates' of package 'governance' refers to protected "
         "model 'vendor_rates' of package 'vendor', which only its own package may reference")]
    assert gov.untouched()
    # a public model of the package, or the package without restrict-access: allowed
    gov.p.write("models/rates.sql", "select rate from {{ ref('vendor', 'vendor_public') }}\n")
    gov.xform("run", "-s", "+rates", expect=0)
    assert gov.rows("select rate from rates") == [(4,)]
    (pkg / "dbt_project.yml").write_text("name: vendor\nversion: '1.0'\nconfig-version: 2\n")
    gov.p.write("models/rates.sql", "select rate from {{ ref('vendor', 'vendor_rates') }}\n")
    gov.xform("run", "-s", "+rates", expect=0)
    assert gov.rows("select rate from rates") == [(3,)]


VERSIONS = """\
version: 2
models:
  - name: dim
    latest_version: 2
    columns:
      - name: id
        data_tests: [unique]
      - name: label
    versions:
      - v: 1
        deprecation_date: 2020-01-01
      - v: 2
        columns:
          - include: all
            exclude: [label]
          - name: score
      - v: 3
        defined_in: dim_next
"""


def versioned(w):
    w.p.write("models/dim_v1.sql", "select 1 as id, 'old' as label\n")
    w.p.write("models/dim_v2.sql", "select 1 as id, 'new' as label, 5 as score\n")
    w.p.write("models/dim_next.sql", "select 1 as id, 'next' as label\n")
    w.p.write("models/uses.sql",
              "select (select label from {{ ref('dim') }}) as latest,\n"
              "       (select label from {{ ref('dim', v=1) }}) as v1,\n"
              "       (select label from {{ ref('dim', version=3) }}) as v3\n")
    w.p.write("models/versions.yml", VERSIONS)


@pytest.mark.feature("versions")
def test_versions_build_suffixed_relations_and_ref_picks_one(gov):
    versioned(gov)
    r = gov.xform("build", "-s", "dim", "uses", expect=0)
    rels = gov.relations()
    assert {"dim_v1", "dim_v2", "dim_v3"} <= set(rels) and "dim" not in rels
    assert gov.rows("select latest, v1, v3 from uses") == [("new", "old", "next")]
    # each version is tested under its own name, as dbt names them
    assert "PASS unique_dim_v1_id" in r.text and "PASS unique_dim_v2_id" in r.text
    # a ref to a version past its deprecation_date warns at the ref
    assert "models/uses.sql:2:30: warning: model 'uses' refers to dim.v1, which was deprecated " \
        "on '2020-01-01'" in r.text
    assert "hint: a newer version of 'dim' is available: ref('dim', v=2)" in r.text
    m = gov.p.json("target/manifest.json")
    validate_manifest(m)
    v1, v2 = m["nodes"]["model.governance.dim.v1"], m["nodes"]["model.governance.dim.v2"]
    assert (v1["name"], v1["version"], v1["latest_version"], v1["alias"]) == ("dim", 1, 2,
                                                                             "dim_v1")
    assert v1["deprecation_date"] == "2020-01-01" and v2["deprecation_date"] is None
    assert v2["fqn"] == ["governance", "dim", "v2"]
    assert list(v1["columns"]) == ["id", "label"] and list(v2["columns"]) == ["id", "score"]
    assert m["nodes"]["model.governance.dim.v3"]["original_file_path"] == "models/dim_next.sql"
    assert sorted(m["nodes"]["model.governance.uses"]["depends_on"]["nodes"]) == [
        "model.governance.dim.v1", "model.governance.dim.v2", "model.governance.dim.v3"]
    # lineage names each version as --select does
    out = gov.xform("lineage", "-s", "dim", expect=0).out
    assert "dim.v1 (model, table)" in out and "dim.v3 (model, table)" in out, out


@pytest.mark.feature("versions")
@pytest.mark.parametrize("sel, want", [
    ("dim", ["dim.v1", "dim.v2", "dim.v3"]),
    ("dim.v2", ["dim.v2"]),
    ("version:latest", ["dim.v2"]),
    ("version:old", ["dim.v1"]),
    ("version:prerelease", ["dim.v3"]),
])
def test_versions_selection(gov, sel, want):
    versioned(gov)
    r = gov.xform("ls", "-s", sel, "--resource-type", "model", expect=0)
    got = sorted(ln[len("governance."):] for ln in r.out.splitlines()
                 if ln.startswith("governance."))
    assert got == want, r


@pytest.mark.feature("versions")
def test_latest_version_not_listed_is_a_load_error(gov):
    versioned(gov)
    gov.p.edit("models/versions.yml", "latest_version: 2", "latest_version: 4")
    r = gov.xform("run", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col) for x in d] == [("models/versions.yml", 4, 21)], r
    assert d[0].msg.startswith("latest_version 4 of model 'dim' is not one of its versions")
    assert gov.untouched()


@pytest.mark.feature("versions")
def test_version_without_its_file_is_a_load_error(gov):
    versioned(gov)
    gov.p.path("models/dim_v2.sql").unlink()
    r = gov.xform("run", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [
        ("models/versions.yml", 12, 12,
         "version 2 of model 'dim' has no model file 'dim_v2.sql'")], r
    assert "hint: add dim_v2.sql (or dim.sql), or name its file with 'defined_in'" in r.text
    # the latest version may live in the unsuffixed file
    gov.p.write("models/dim.sql", "select 1 as id, 'plain' as label, 6 as score\n")
    gov.xform("run", "-s", "dim.v2", expect=0)
    assert gov.rows("select label from dim_v2") == [("plain",)]


BAD_CONSTRAINTS = [
    ("check_without_expression", "- type: check\n            expression: \"amount < 1000\"",
     "- type: check", (39, 13), "a 'check' constraint needs an 'expression'"),
    ("fk_without_to", "            to: ref('customers')\n            to_columns: [id]\n", "",
     (33, 13), "a foreign_key constraint needs 'to' and 'to_columns' (or an 'expression')"),
    ("to_without_columns", "            to_columns: [id]\n", "", (33, 13),
     "a foreign_key constraint with 'to' needs 'to_columns'"),
    ("bad_to", "to: ref('customers')", "to: customers", (34, 17),
     "a foreign key's 'to' must be ref('model') or source('source', 'table'), not 'customers'"),
    ("columns_on_a_column", "          - type: primary_key\n      - name: customer_id",
     "          - type: primary_key\n            columns: [order_id]\n      - name: customer_id",
     (30, 13), "unknown key 'columns' in a constraint"),
    ("unknown_key", "expression: \"amount >= 0\"", "expresion: \"amount >= 0\"", (24, 9),
     "unknown key 'expresion' in a constraint (did you mean 'expression'?)"),
    ("not_a_mapping", "          - type: not_null\n          - type: unique",
     "          - not_null\n          - type: unique", (15, 13),
     "a constraint must be a mapping with a 'type'"),
    ("model_level_without_columns", "        columns: [order_id, customer_id]\n", "", (21, 9),
     "a model-level 'unique' constraint needs 'columns'"),
    ("without_type", "          - type: not_null\n          - type: unique",
     "          - name: nn\n          - type: unique", (15, 13), "a constraint needs a 'type'"),
]


@pytest.mark.feature("contracts")
@pytest.mark.parametrize("old, new, at, msg", [pytest.param(*c[1:], id=c[0])
                                               for c in BAD_CONSTRAINTS])
def test_bad_constraints_are_located_load_errors(make_project, old, new, at, msg):
    p = make_project("projects/governance")
    p.edit("models/schema.yml", old, new)
    r = p.xform("parse", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [("models/schema.yml", *at, msg)], r
    assert p.db_files() == []


@pytest.mark.feature("contracts")
def test_contract_needs_every_data_type_and_some_columns(gov):
    gov.p.edit("models/schema.yml", "        data_type: varchar(20)\n", "")
    r = gov.xform("run", "-s", "customers", expect=1)
    assert "Contracted models require data_type to be defined for each column. Please ensure " \
        "that the column name and data_type are defined within the YAML configuration for " \
        "the ['name'] column(s)." in r.text, r
    gov.p.write("models/other.sql", "{{ config(contract={'enforced': true}) }}\nselect 1 as k\n")
    r = gov.xform("run", "-s", "other", expect=1)
    assert "model 'other' has an enforced contract but declares no columns" in r.text, r
    assert "customers" not in gov.relations() and "other" not in gov.relations()


@pytest.mark.feature("versions")
@pytest.mark.parametrize("old, new, at, msg", [
    pytest.param("      - v: 3\n", "      - v: 2\n", (17, 12),
                 "version 2 of model 'dim' is listed twice", id="twice"),
    pytest.param("      - v: 3\n        defined_in", "      - defined_in", (17, 9),
                 "a version of model 'dim' needs a 'v'", id="no_v"),
])
def test_bad_versions_are_located_load_errors(gov, old, new, at, msg):
    versioned(gov)
    gov.p.edit("models/versions.yml", old, new)
    r = gov.xform("parse", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [("models/versions.yml", *at, msg)], r


@pytest.mark.feature("access")
def test_group_defined_twice_or_without_name(gov):
    gov.p.write("models/schema.yml", gov.p.read("models/schema.yml") + GROUPS +
                "  - name: finance\n    owner: {name: again}\n")
    r = gov.xform("parse", expect=2)
    assert "models/schema.yml:48:11: error: group 'finance' is defined twice: at " in r.text, r
    gov.p.edit("models/schema.yml", "  - name: finance\n    owner: {name: again}\n",
               "  - owner: {name: again}\n")
    r = gov.xform("parse", expect=2)
    assert "models/schema.yml:48:5: error: a group needs a 'name'" in r.text, r


@pytest.mark.feature("contracts")
def test_contract_alias_types_string_is_text(gov):
    gov.p.edit("models/schema.yml", "data_type: varchar(20)", "data_type: string")
    gov.xform("run", "-s", "customers", expect=0)
    assert column_types(gov, "customers")["name"][0] == "text"
    gov.p.edit("models/schema.yml", "      contract: {enforced: true}\n    columns:\n      - name: id",
               "      contract: {enforced: true, alias_types: false}\n    columns:\n      - name: id")
    r = gov.xform("run", "-s", "customers", expect=1)
    assert re.search(r"\| name +\| TEXT +\| STRING +\| data type mismatch \|", r.text), r


@pytest.mark.feature("contracts")
@pytest.mark.parametrize("mode", ["append_new_columns", "fail"])
def test_contracted_incremental_follows_on_schema_change(gov, mode):
    gov.p.write("models/customers.sql",
                "{{ config(materialized='incremental', unique_key='id', "
                f"on_schema_change='{mode}') }}}}\n"
                "select 1 as id, 'ann' as name\n")
    gov.xform("run", "-s", "customers", expect=0)
    # the contract and the query gain a column together: the contract passes,
    # then on_schema_change decides what happens to the existing table
    gov.p.edit("models/customers.sql", "'ann' as name", "'ann' as name, 7 as score")
    gov.p.edit("models/schema.yml", "          - type: unique\n",
               "          - type: unique\n      - name: score\n        data_type: integer\n")
    if mode == "fail":
        r = gov.xform("run", "-s", "customers", expect=1)
        assert "the columns of incremental model 'customers' changed (added: score; removed: " \
            "none) and on_schema_change is 'fail'" in r.text, r
        assert gov.columns("customers") == ["id", "name"]
    else:
        gov.xform("run", "-s", "customers", expect=0)
        assert gov.columns("customers") == ["id", "name", "score"]
        assert gov.rows("select id, name, score from customers") == [(1, "ann", 7)]


@pytest.mark.feature("versions")
def test_project_config_paths_name_the_versions_fqn(gov):
    versioned(gov)
    gov.p.edit("dbt_project.yml", "    +materialized: table\n",
               "    +materialized: table\n    dim:\n      +materialized: view\n"
               "      v1:\n        +materialized: table\n")
    gov.xform("run", "-s", "dim", expect=0)
    rels = gov.relations()
    assert (rels["dim_v1"], rels["dim_v2"], rels["dim_v3"]) == ("table", "view", "view")


SHAPE_ERRORS = [
    ("column_constraints_not_a_list",
     "models:\n  - name: other\n    columns: [{name: k, constraints: {type: not_null}}]",
     (4, 38), "'constraints' must be a list"),
    ("model_constraints_not_a_list", "models:\n  - name: other\n    constraints: {type: check}",
     (4, 18), "'constraints' must be a list"),
    ("warn_unenforced_not_a_bool",
     "models:\n  - name: other\n    columns:\n      - name: k\n        constraints:\n"
     "          - {type: not_null, warn_unenforced: maybe}",
     (7, 47), "'warn_unenforced' must be true or false"),
    ("to_columns_not_a_list",
     "models:\n  - name: other\n    columns:\n      - name: k\n        constraints:\n"
     "          - {type: foreign_key, to: \"ref('customers')\", to_columns: {a: 1}}",
     (7, 69), "'to_columns' must be a list of column names"),
    ("groups_not_a_list", "groups: {name: x}", (2, 9), "'groups' must be a list"),
    ("group_not_a_mapping", "groups:\n  - finance", (3, 5),
     "an entry of 'groups' must be a mapping"),
    ("versions_empty", "models:\n  - name: other\n    versions: []", (4, 15),
     "'versions' must be a non-empty list"),
    ("version_not_a_scalar", "models:\n  - name: other\n    versions:\n      - v: [1]", (5, 12),
     "'v' must be a number or a string"),
]


@pytest.mark.feature("contracts")
@pytest.mark.parametrize("text, at, msg", [pytest.param(*c[1:], id=c[0]) for c in SHAPE_ERRORS])
def test_governance_yaml_shapes_are_located_errors(make_project, text, at, msg):
    p = make_project("projects/governance")
    p.write("models/extra.yml", f"version: 2\n{text}\n")
    r = p.xform("parse", expect=2)
    d = parse_diags(r.text)
    assert [(x.path, x.line, x.col, x.msg) for x in d] == [("models/extra.yml", *at, msg)], r


@pytest.mark.feature("access")
def test_access_in_a_config_call_and_an_unversioned_deprecation(make_project):
    p = make_project("projects/governance")
    p.write("models/z.sql", "{{ config(access='secret') }}\nselect 1 as z\n")
    r = p.xform("parse", expect=2)
    assert "models/z.sql:1:1: error: unknown access 'secret' for model 'z'\n" in r.text, r
    p.write("models/z.sql", "select * from {{ ref('other') }}\n")
    p.write("models/extra.yml",
            "version: 2\nmodels:\n  - name: other\n    deprecation_date: 2001-01-01\n")
    r = p.xform("parse", expect=0)
    assert "models/z.sql:1:18: warning: model 'z' refers to other, which was deprecated on " \
        "'2001-01-01'\n" in r.text, r
    assert "hint: migrate away from 'other' before it is removed" in r.text
