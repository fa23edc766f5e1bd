# SPDX-License-Identifier: MIT
"""What dbt-postgres does besides building (issue 15.5), read back from
PostgreSQL's catalog: grants (the difference between configured and
current privileges), persist_docs (comments), the query comment every
statement carries, indexes, unlogged tables and materialized views with
on_configuration_change. On SQLite: indexes are created, the query comment
is in the log, grants/persist_docs/unlogged warn where they are configured
and a materialized view is a located load error."""

import json
import re
import uuid

import pytest

from conftest import parse_diags  # noqa: F401
from warehouse import Warehouse, wh  # noqa: F401  (the fixture)

PEOPLE = [(1, "ann", "red"), (2, "bob", "blue"), (3, "cy", "red"), (4, "dee", "green")]


@pytest.fixture
def pg(make_project, pg_conninfo):
    """The pg_extras project on the test PostgreSQL server, and a factory
    of roles with names no other test uses; all dropped at the end."""
    w = Warehouse(make_project("projects/pg_extras"), "postgres", pg_conninfo)
    roles = []

    def role():
        name = "xf_role_" + uuid.uuid4().hex[:10]
        w.rows(f"create role {name}")
        roles.append(name)
        return name

    w.role = role
    yield w
    w.drop()
    for r in roles:
        w.rows(f"drop owned by {r}; drop role if exists {r}")


def grants(w, name):
    """{grantee: sorted privileges} on a relation of the test's schema."""
    out = {}
    for grantee, priv in w.rows(
            "select grantee, privilege_type from information_schema.role_table_grants "
            f"where table_schema = '{w.schema}' and table_name = '{name}' "
            "and grantee <> current_user order by 1, 2"):
        out.setdefault(grantee, []).append(priv)
    return out


def can(w, role, name, priv="select"):
    return w.scalar(f"select has_table_privilege('{role}', '{w.schema}.{name}', '{priv}')") in (
        "t", True, 1)


# ---------------------------------------------------------------- grants
@pytest.mark.feature("pg_extras.grants")
def test_grants_are_applied_and_inherited_with_plus(pg):
    r1, r2, r3 = pg.role(), pg.role(), pg.role()
    pg.p.edit("dbt_project.yml", "    +materialized: table\n",
              f"    +materialized: table\n    +grants: {{select: ['{r1}']}}\n"
              f"seeds:\n  +grants: {{select: ['{r3}'], insert: ['{r3}']}}\n")
    pg.p.write("models/people.sql", "{{ config(grants={'+select': ['%s']}) }}\n"
               "select id, name, team from {{ ref('folks') }}\n" % r2)
    pg.p.write("models/people_view.sql", "{{ config(materialized='view', grants={'select': "
               "['%s']}) }}\nselect * from {{ ref('folks') }}\n" % r3)
    pg.xform("build", expect=0)
    # '+select' adds to the project's grantees; a plain key replaces them
    assert grants(pg, "people") == {r1: ["SELECT"], r2: ["SELECT"]}
    assert grants(pg, "people_view") == {r3: ["SELECT"]}
    assert grants(pg, "folks") == {r3: ["INSERT", "SELECT"]}
    assert can(pg, r2, "people") and not can(pg, r3, "people") and can(pg, r3, "folks", "insert")
    run = pg.p.read("target/run/pg_extras/models/people.sql")
    assert f"grant select on {pg.rel('people')} to {r1}, {r2}" in run, run


@pytest.mark.feature("pg_extras.grants")
def test_grants_diff_on_incremental_runs_and_a_rebuilt_table_starts_clean(pg):
    r1, r2, r3 = pg.role(), pg.role(), pg.role()
    pg.p.write("models/people_inc.sql",
               "{{ config(materialized='incremental', unique_key='id', grants={'select': "
               "['%s', '%s']}) }}\nselect id, name, team from {{ ref('folks') }}\n" % (r1, r2))
    pg.p.write("models/people.sql", "{{ config(grants={'select': ['%s']}) }}\n"
               "select id, name, team from {{ ref('folks') }}\n" % r1)
    pg.xform("seed", expect=0)
    pg.xform("run", expect=0)
    assert grants(pg, "people_inc") == {r1: ["SELECT"], r2: ["SELECT"]}
    # someone grants by hand; the config drops r2
    pg.rows(f"grant select on people_inc to {r3}; grant select on people to {r3}; "
            f"grant update on people_inc to {r3}")
    pg.p.write("models/people_inc.sql",
               "{{ config(materialized='incremental', unique_key='id', grants={'select': "
               "['%s']}) }}\nselect id, name, team from {{ ref('folks') }}\n" % r1)
    r = pg.xform("run", expect=0)
    # select: exactly the configured roles (r2 and the hand grant revoked);
    # update is not in the config: left alone, as dbt does
    assert grants(pg, "people_inc") == {r1: ["SELECT"], r3: ["UPDATE"]}, r
    run = pg.p.read("target/run/pg_extras/models/people_inc.sql")
    assert re.search(rf"revoke select on {re.escape(pg.rel('people_inc'))} from "
                     rf"({r2}, {r3}|{r3}, {r2})", run), run
    assert f"grant select on {pg.rel('people_inc')}" not in run, "r1 has it already"
    # the table was replaced: a new relation, only what is configured
    assert grants(pg, "people") == {r1: ["SELECT"]}
    assert pg.rows("select count(*) from people_inc") == [(4,)]


@pytest.mark.feature("pg_extras.grants")
def test_grants_on_seed_and_snapshot(pg):
    r1 = pg.role()
    pg.p.edit("dbt_project.yml", "models:\n",
              f"seeds:\n  +grants: {{select: ['{r1}']}}\nsnapshots:\n"
              f"  +grants: {{select: ['{r1}']}}\nmodels:\n")
    pg.p.write("snapshots/people_snap.sql",
               "{% snapshot people_snap %}\n{{ config(target_schema=target.schema, "
               "unique_key='id', strategy='check', check_cols='all') }}\n"
               "select * from {{ ref('folks') }}\n{% endsnapshot %}\n")
    pg.xform("build", expect=0)
    assert grants(pg, "folks") == {r1: ["SELECT"]}
    assert grants(pg, "people_snap") == {r1: ["SELECT"]}
    pg.xform("snapshot", expect=0)  # an existing snapshot: diffed, nothing to do
    assert grants(pg, "people_snap") == {r1: ["SELECT"]}


# ---------------------------------------------------------------- persist_docs
@pytest.mark.feature("pg_extras.persist_docs")
def test_persist_docs_comments_relations_and_columns(pg):
    pg.p.edit("dbt_project.yml", "    +materialized: table\n",
              "    +materialized: table\n    +persist_docs: {relation: true, columns: true}\n")
    pg.p.write("models/people_v.sql", "{{ config(materialized='view') }}\n"
               "select id, name from {{ ref('folks') }}\n")
    pg.p.write("models/v.yml", "version: 2\nmodels:\n  - name: people_v\n"
               "    description: 'the view: ''quoted'' text'\n    columns:\n"
               "      - name: name\n        description: a name\n")
    pg.xform("build", expect=0)
    table_comment = pg.scalar(
        f"select obj_description('{pg.schema}.people'::regclass, 'pg_class')")
    assert table_comment == "Everyone, one row each: it's the team's list"
    cols = dict(pg.rows(
        "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
        f"where a.attrelid = '{pg.schema}.people'::regclass and a.attnum > 0"))
    assert cols == {"id": "the person's id", "name": "their name", "team": None}
    assert pg.scalar(f"select obj_description('{pg.schema}.people_v'::regclass, "
                     "'pg_class')") == "the view: 'quoted' text"
    assert pg.scalar(f"select col_description('{pg.schema}.people_v'::regclass, 2)") == "a name"
    run = pg.p.read("target/run/pg_extras/models/people.sql")
    assert f"comment on table {pg.rel('people')} is 'Everyone, one row each: it''s" in run, run
    # relation: false keeps the relation's comment off, columns still on
    pg.p.write("models/people.sql", "{{ config(persist_docs={'relation': false}) }}\n"
               "select id, name, team from {{ ref('folks') }}\n")
    pg.xform("run", "-s", "people", expect=0)
    assert pg.scalar(f"select obj_description('{pg.schema}.people'::regclass, 'pg_class')") \
        is None
    assert pg.scalar(f"select col_description('{pg.schema}.people'::regclass, 1)") == \
        "the person's id"


# ---------------------------------------------------------------- query comment
QLOG = ("on-run-start:\n  - 'create table if not exists {{ target.schema }}.qlog (q text)'\n")
HOOK = "{{ config(pre_hook='insert into {{ target.schema }}.qlog select current_query()') }}\n"


def _logged(pg):
    """The statements the pre-hooks saw (psql shows one line per row: newlines kept apart)."""
    return [r[0].replace("<NL>", "\n") for r in pg.rows(
        "select replace(q, chr(10), '<NL>') from qlog")]


@pytest.mark.feature("pg_extras.query_comment")
def test_default_query_comment_is_dbts_json_with_app_xform(pg):
    pg.p.edit("dbt_project.yml", "models:\n", QLOG + "models:\n")
    pg.p.write("models/people.sql", HOOK + "select 1 as id\n")
    pg.xform("run", expect=0)
    [q] = _logged(pg)
    m = re.match(r"/\* (\{.*\}) \*/\ninsert into ", q)
    assert m, q
    comment = json.loads(m.group(1))
    assert comment == {"app": "xform", "dbt_version": comment["dbt_version"],
                       "profile_name": "pg_extras", "target_name": "pg",
                       "node_id": "model.pg_extras.people"}, comment
    assert list(comment) == ["app", "dbt_version", "profile_name", "target_name", "node_id"]
    # the log file shows it with the node's SQL (target/run does not: as dbt)
    log = pg.p.read("logs/xform.log")
    assert "/* " + m.group(1) + " */" in log
    assert "/* {" not in pg.p.read("target/run/pg_extras/models/people.sql")


@pytest.mark.feature("pg_extras.query_comment")
def test_custom_query_comment_rendered_per_node_and_appended(pg):
    pg.p.edit("dbt_project.yml", "models:\n", QLOG + "query-comment:\n  comment: "
              "\"{{ 'run ' ~ (node.unique_id if node else 'outside') ~ ' on ' ~ target.name }}\"\n"
              "  append: true\nmodels:\n")
    pg.p.write("models/people.sql", HOOK + "select 1 as id\n")
    pg.p.write("models/other.sql", HOOK + "select 2 as id\n")
    pg.xform("run", expect=0)
    got = sorted(_logged(pg))
    assert got == [
        "insert into %s.qlog select current_query()\n/* run model.pg_extras.other on pg */"
        % pg.schema,
        "insert into %s.qlog select current_query()\n/* run model.pg_extras.people on pg */"
        % pg.schema], got


@pytest.mark.feature("pg_extras.query_comment")
def test_query_comment_off_and_its_errors(pg):
    pg.p.edit("dbt_project.yml", "models:\n", QLOG + "query-comment: ''\nmodels:\n")
    pg.p.write("models/people.sql", HOOK + "select 1 as id\n")
    pg.xform("run", expect=0)
    assert _logged(pg) == [f"insert into {pg.schema}.qlog select current_query()"]
    # a bad key: located, did you mean, nothing run
    pg.p.edit("dbt_project.yml", "query-comment: ''\n", "query-comment:\n  apend: true\n")
    r = pg.xform("run", expect=2)
    assert "dbt_project.yml:9:3: error: unknown key 'apend' in 'query-comment' " \
           "(did you mean 'append'?)\n 9 |   apend: true\n" in r.text, r
    # a comment that would close itself: the node fails, saying why
    pg.p.edit("dbt_project.yml", "query-comment:\n  apend: true\n",
              "query-comment: 'a */ b'\n")
    r = pg.xform("run", expect=2)
    assert "query-comment contains '*/'" in r.text, r


@pytest.mark.feature("pg_extras.query_comment")
def test_query_comment_in_the_log_on_both_warehouses(wh):
    w = wh("projects/pg_extras")
    w.p.edit("dbt_project.yml", "models:\n", "query-comment: 'built {{ node.name }}'\nmodels:\n")
    w.xform("build", expect=0)
    log = w.p.read("logs/xform.log")
    assert "On model.pg_extras.people: /* built people */\n" in log, log[-3000:]
    assert "On seed.pg_extras.folks: /* built folks */\n" in log


# ---------------------------------------------------------------- indexes, unlogged
INDEXES = ("{{ config(unlogged=true, indexes=[{'columns': ['id'], 'unique': true}, "
           "{'columns': ['team', 'name']}, {'columns': ['team'], 'type': 'hash'}]) }}\n")


@pytest.mark.feature("pg_extras.indexes")
def test_indexes_and_unlogged_on_postgres(pg):
    pg.p.write("models/people.sql", INDEXES + "select id, name, team from {{ ref('folks') }}\n")
    for _ in range(2):  # built again: the same three indexes, not six
        pg.xform("build", expect=0)
        defs = sorted(re.sub(r'INDEX "?\w+"? ON', "INDEX ON", d) for (d,) in pg.rows(
            f"select indexdef from pg_indexes where schemaname = '{pg.schema}' and "
            "tablename = 'people'"))
        rel = f"{pg.schema}.people"
        assert defs == [f"CREATE INDEX ON {rel} USING btree (team, name)",
                        f"CREATE INDEX ON {rel} USING hash (team)",
                        f"CREATE UNIQUE INDEX ON {rel} USING btree (id)"], defs
        assert pg.scalar(f"select relpersistence from pg_class where oid = '{rel}'::regclass") \
            == "u"
    assert pg.scalar(f"select relpersistence from pg_class where oid = "
                     f"'{pg.schema}.folks'::regclass") == "p"
    # an index that is not a list of names: the node's error, saying how to write it
    pg.p.write("models/people.sql", "{{ config(indexes=[{'unique': true}]) }}\nselect 1 as id\n")
    r = pg.xform("run", expect=1)
    assert "index 1 of 'people' needs 'columns'" in r.text, r


@pytest.mark.feature("pg_extras.indexes")
def test_indexes_on_sqlite_and_warnings_for_what_it_has_not(make_project):
    w = Warehouse(make_project("projects/pg_extras"), "sqlite")
    w.p.edit("dbt_project.yml", "    +materialized: table\n",
             "    +materialized: table\n    +grants: {select: ['reporter']}\n"
             "    +persist_docs: {relation: true}\n")
    w.p.write("models/people.sql", INDEXES + "select id, name, team from {{ ref('folks') }}\n")
    r = w.xform("build", expect=0)
    for line, col, key, why in [
            (9, 5, "grants", "SQLite has no roles or privileges: no GRANT is run"),
            (10, 5, "persist_docs",
             "SQLite has no comments on tables or columns: descriptions stay in the docs")]:
        src = w.p.read("dbt_project.yml").splitlines()[line - 1]
        head = (f"dbt_project.yml:{line}:{col}: warning: config '{key}' does nothing on sqlite "
                f"({why})\n {line} | {src}\n")
        assert head in r.text, r
        assert r.text.count(f"config '{key}' does nothing") == 1, r
    assert ("models/people.sql:1:4: warning: config 'unlogged' does nothing on sqlite (SQLite "
            "has no unlogged tables: the table is an ordinary one)") in r.text, r
    assert "warning: index 3 of 'people' has type 'hash', which sqlite does not have: a " \
           "plain index was created" in r.text, r
    idx = sorted(w.p.rows("select sql from sqlite_master where type = 'index' and "
                          "tbl_name = 'people'"))
    assert len(idx) == 3, idx
    assert any(s.startswith("CREATE UNIQUE INDEX") and s.endswith('("id")') for (s,) in idx)
    assert any(s.endswith('("team", "name")') for (s,) in idx)
    # the unique index holds
    assert w.rows("select id, name, team from people order by id") == PEOPLE
    w.xform("run", expect=0)
    assert len(w.p.rows("select name from sqlite_master where type = 'index' and "
                        "tbl_name = 'people'")) == 3


# ---------------------------------------------------------------- materialized views
MV = ("{{ config(materialized='materialized_view', on_configuration_change='%s', "
      "indexes=%s) }}\nselect team, count(*) as n from {{ ref('folks') }} group by team\n")


def _mv_indexes(pg):
    return sorted(re.sub(r'INDEX "?\w+"? ON \S+ ', "INDEX ", d) for (d,) in pg.rows(
        f"select indexdef from pg_indexes where schemaname = '{pg.schema}' and "
        "tablename = 'team_mv'"))


@pytest.mark.feature("pg_extras.materialized_view")
def test_materialized_view_created_refreshed_and_configuration_changes(pg):
    pg.p.write("seeds/folks.csv", "id,name,team\n1,ann,red\n2,bob,blue\n3,cy,red\n")
    pg.p.write("models/team_mv.sql", MV % ("apply", "[{'columns': ['team'], 'unique': true}]"))
    r = pg.xform("build", expect=0)
    assert pg.scalar(f"select count(*) from pg_matviews where schemaname = '{pg.schema}' "
                     "and matviewname = 'team_mv'") == 1
    assert pg.rows("select team, n from team_mv order by team") == [("blue", 1), ("red", 2)]
    assert _mv_indexes(pg) == ["CREATE UNIQUE INDEX USING btree (team)"], r
    # unchanged config: refreshed (the rows change under it; a new seed would
    # replace the table, and the view with it)
    pg.rows("insert into folks values (4, 'dee', 'red')")
    oid = pg.scalar(f"select '{pg.schema}.team_mv'::regclass::oid")
    r = pg.xform("run", "-s", "team_mv", expect=0)
    assert pg.p.json("target/run_results.json")["results"][0]["adapter_response"].get(
        "_message") == "REFRESH MATERIALIZED VIEW"
    assert f"refresh materialized view {pg.rel('team_mv')};" in pg.p.read(
        "target/run/pg_extras/models/team_mv.sql")
    assert pg.rows("select team, n from team_mv order by team") == [("blue", 1), ("red", 3)]
    assert pg.scalar(f"select '{pg.schema}.team_mv'::regclass::oid") == oid, "refreshed in place"
    # indexes changed, continue: a warning, the view left as it is
    pg.rows("delete from folks where id <> 1")
    pg.p.write("models/team_mv.sql", MV % ("continue", "[{'columns': ['n']}]"))
    r = pg.xform("run", "-s", "team_mv", expect=0)
    assert ("configuration changes were identified and on_configuration_change is 'continue' "
            f"for {pg.rel('team_mv')}") in r.text, r
    assert pg.rows("select team, n from team_mv order by team") == [("blue", 1), ("red", 3)]
    assert _mv_indexes(pg) == ["CREATE UNIQUE INDEX USING btree (team)"]
    # fail: the node's error
    pg.p.write("models/team_mv.sql", MV % ("fail", "[{'columns': ['n']}]"))
    r = pg.xform("run", "-s", "team_mv", expect=1)
    assert "on_configuration_change is 'fail'" in r.text, r
    # apply: the indexes change in place (dbt-postgres: no refresh with it)
    pg.p.write("models/team_mv.sql", MV % ("apply", "[{'columns': ['n']}]"))
    pg.xform("run", "-s", "team_mv", expect=0)
    assert _mv_indexes(pg) == ["CREATE INDEX USING btree (n)"]
    assert pg.scalar(f"select '{pg.schema}.team_mv'::regclass::oid") == oid
    # --full-refresh: built anew
    pg.xform("run", "-s", "team_mv", "--full-refresh", expect=0)
    assert pg.rows("select team, n from team_mv order by team") == [("red", 1)]
    assert pg.scalar(f"select '{pg.schema}.team_mv'::regclass::oid") != oid
    assert _mv_indexes(pg) == ["CREATE INDEX USING btree (n)"]
    # a table of that name becomes a materialized view
    pg.p.write("models/people.sql", MV.replace("team_mv", "people") % ("apply", "[]"))
    pg.xform("run", "-s", "people", expect=0)
    assert pg.scalar(f"select count(*) from pg_matviews where schemaname = '{pg.schema}' "
                     "and matviewname = 'people'") == 1


@pytest.mark.feature("pg_extras.materialized_view")
def test_materialized_view_on_sqlite_is_a_located_error(make_project):
    w = Warehouse(make_project("projects/pg_extras"), "sqlite")
    w.p.write("models/team_mv.sql", "{{ config(materialized='materialized_view') }}\n"
              "select 1 as id\n")
    r = w.xform("build", expect=2)
    assert "models/team_mv.sql:1:25: error: model 'team_mv' is a materialized view, and sqlite " \
           "has none\n" in r.text, r
    assert "hint: use materialized='table'" in r.text
    assert w.p.db_files() == [], "nothing may run"


@pytest.mark.feature("pg_extras.indexes")
def test_indexes_of_a_view_warn_where_the_model_is(wh):
    w = wh("projects/pg_extras")
    w.p.write("models/people_v.sql", "{{ config(materialized='view', indexes=[{'columns': "
              "['id']}]) }}\nselect id from {{ ref('folks') }}\n")
    r = w.xform("build", expect=0)
    assert ("models/people_v.sql:1:1: warning: the indexes of 'people_v' are not created: it is "
            "a view, and a view has no indexes (materialize it as a table)") in r.text, r
    assert w.rows("select id from people_v order by id") == [(1,), (2,), (3,), (4,)]


@pytest.mark.feature("pg_extras.query_comment")
def test_query_comment_job_label_warns_and_a_list_is_refused(make_project):
    w = Warehouse(make_project("projects/pg_extras"), "sqlite")
    w.p.edit("dbt_project.yml", "models:\n",
             "query-comment:\n  comment: 'by xform'\n  job-label: true\nmodels:\n")
    r = w.xform("build", expect=0)
    assert ("dbt_project.yml:8:14: warning: 'job-label' of 'query-comment' does nothing on "
            "sqlite (BigQuery's job labels): the comment is sent as a comment only\n") in r.text, r
    assert "On model.pg_extras.people: /* by xform */\n" in w.p.read("logs/xform.log")
    w.p.edit("dbt_project.yml", "query-comment:\n  comment: 'by xform'\n  job-label: true\n",
             "query-comment: [a]\n")
    r = w.xform("build", expect=2)
    assert "dbt_project.yml:6:16: error: 'query-comment' must be a string, null or a mapping" \
        in r.text, r


@pytest.mark.feature("pg_extras.query_comment")
def test_query_comment_outside_a_node_has_no_node_id(pg):
    pg.p.write("macros/q.sql", "{% macro q() %}{% set r = run_query('select current_query()') %}"
               "{{ log('Q=' ~ (r.columns[0].values()[0] | replace('\\n', ' ')), info=true) }}"
               "{% endmacro %}\n")
    r = pg.xform("run-operation", "q", expect=0)
    m = re.search(r"Q=/\* (\{.*?\}) \*/ select current_query\(\)", r.out)
    assert m, r
    assert json.loads(m.group(1)) == {"app": "xform", "dbt_version": json.loads(
        m.group(1))["dbt_version"], "profile_name": "pg_extras", "target_name": "pg"}
    r = pg.xform("show", "--inline", "select current_query() as q", expect=0)
    assert '/* {"app": "xform"' in r.out, r


@pytest.mark.feature("pg_extras.indexes")
@pytest.mark.parametrize("config, message", [
    ("indexes='id'", "the indexes config of 'people' must be a list of {columns: [...], "
                     "unique: true|false, type: '...'}"),
    ("indexes=[{'columns': [1]}]", "index 1 of 'people': its columns must be names (strings)"),
    ("indexes=[{'columns': ['id'], 'type': 'b tree'}]",
     "index 1 of 'people' has type 'b tree': an index method is a plain name such as btree, "
     "hash, gin, gist or brin"),
])
def test_bad_indexes_config_fails_the_node(wh, config, message):
    w = wh("projects/pg_extras")
    w.p.write("models/people.sql", "{{ config(%s) }}\nselect 1 as id\n" % config)
    r = w.xform("run", expect=1)
    assert message in r.text, r


@pytest.mark.feature("pg_extras.grants")
@pytest.mark.parametrize("config, message", [
    ("grants={'sel-ect': ['public']}", "grants: 'sel-ect' is not a privilege"),
    ("materialized='materialized_view', on_configuration_change='maybe'",
     "model 'people' has on_configuration_change 'maybe': it must be apply, continue or fail"),
])
def test_bad_grants_and_on_configuration_change_fail_the_node(pg, config, message):
    pg.p.write("models/people.sql", "{{ config(%s) }}\nselect 1 as id\n" % config)
    r = pg.xform("run", expect=1)
    assert message in r.text, r


@pytest.mark.feature("pg_extras.grants")
@pytest.mark.parametrize("config, message", [
    ("grants={'select': 5}", "grants of 'people': 'select' must list role names"),
    ("grants={'select': [1]}", "grants of 'people': 'select' must list role names"),
    ("grants='select'", "the grants of 'people' must be a mapping of privilege to roles, not string"),
    ("persist_docs=true", "the persist_docs of 'people' must be a mapping, not boolean"),
])
def test_bad_grants_or_persist_docs_shape_is_a_load_error(wh, config, message):
    """On both warehouses: exit 2 at load, located, nothing built."""
    w = wh("projects/pg_extras")
    w.p.write("models/people.sql", "{{ config(%s) }}\nselect 1 as id\n" % config)
    r = w.xform("run", expect=2)
    assert "models/people.sql:1:11: error: " + message in r.text, r
    if w.kind == "sqlite":
        assert w.p.db_files() == []  # nothing ran: not even the database file was made
    else:
        assert "people" not in w.relations()


@pytest.mark.feature("pg_extras.query_comment")
@pytest.mark.parametrize("text, message", [
    ("query-comment: {append: maybe}\n",
     "dbt_project.yml:6:25: error: 'append' of 'query-comment' must be true or false"),
    ("query-comment: '{{ no_such_macro() }}'\n",
     "error: the project's query-comment could not be rendered: "),
])
def test_bad_query_comment_is_refused(wh, text, message):
    w = wh("projects/pg_extras")
    w.p.edit("dbt_project.yml", "models:\n", text + "models:\n")
    r = w.xform("run", expect=2)
    assert message in r.text, r


@pytest.mark.feature("pg_extras.grants")
def test_views_recreated_over_a_rebuilt_table_keep_grants_comments_and_indexes(pg):
    r1 = pg.role()
    pg.p.write("models/people_v.sql", "{{ config(materialized='view', grants={'select': ['%s']}, "
               "persist_docs={'relation': true, 'columns': true}) }}\n"
               "select id, name from {{ ref('people') }}\n" % r1)
    pg.p.write("models/v.yml", "version: 2\nmodels:\n  - name: people_v\n    description: over "
               "people\n    columns:\n      - name: name\n        description: a name\n")
    pg.p.write("models/team_mv.sql", MV.replace("ref('folks')", "ref('people')") %
               ("apply", "[{'columns': ['team'], 'unique': true}]"))
    pg.xform("build", expect=0)
    # rebuilding people alone drops and re-creates the views that read it
    oid = pg.scalar(f"select '{pg.schema}.people_v'::regclass::oid")
    pg.xform("run", "-s", "people", expect=0)
    assert pg.scalar(f"select '{pg.schema}.people_v'::regclass::oid") != oid, "recreated"
    assert grants(pg, "people_v") == {r1: ["SELECT"]}
    assert pg.scalar(f"select obj_description('{pg.schema}.people_v'::regclass, 'pg_class')") \
        == "over people"
    assert pg.scalar(f"select col_description('{pg.schema}.people_v'::regclass, 2)") == "a name"
    assert _mv_indexes(pg) == ["CREATE UNIQUE INDEX USING btree (team)"]
    assert pg.rows("select team, n from team_mv order by team") == [
        ("blue", 1), ("green", 1), ("red", 2)]
