# SPDX-License-Identifier: MIT
"""clean, debug, --vars, colour, custom schemas, on SQLite and on
PostgreSQL from the same code where a warehouse is involved."""

import json

import pytest

from conftest import ESC
from warehouse import wh  # noqa: F401  (the fixture)

SECRET = "s3cr3t-Pa55word-xyz"


@pytest.fixture
def built(wh):
    """jaffle_shop after `seed` and `run` on this test's warehouse."""
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    return w


@pytest.mark.feature("clean")
def test_clean_removes_target_but_never_the_database(built):
    w = built
    before = w.digest()
    assert w.p.path("target").is_dir()
    w.xform("clean", expect=0)
    assert not w.p.path("target").exists()
    assert w.digest() == before
    assert w.scalar("select count(*) from customers") == 100


@pytest.mark.feature("clean")
def test_clean_refuses_to_delete_a_database_listed_in_clean_targets(jaffle_built):
    """SQLite only: the warehouse is a file in the project folder there."""
    p = jaffle_built
    p.edit("dbt_project.yml", '  - "logs"\n', '  - "logs"\n  - "jaffle_shop.db"\n  - "data"\n')
    p.path("data").mkdir()
    p.path("data/warehouse.db").write_bytes(p.path("jaffle_shop.db").read_bytes())
    before = p.db_digest()
    r = p.xform("clean")
    assert "jaffle_shop.db" in r.text, "xform must say it keeps the database"
    assert p.db_digest() == before
    assert p.path("data/warehouse.db").exists()
    assert p.scalar("select count(*) from orders") == 99


@pytest.mark.feature("debug")
def test_debug_checks_the_connection(wh):
    w = wh("jaffle_shop")
    if w.kind == "postgres":
        # the test server does not ask for it; it must not be shown all the same
        w.p.edit("profiles.yml", "      threads:", f'      password: "{SECRET}"\n      threads:')
    r = w.xform("debug", expect=0)
    assert "All checks passed" in r.text, r
    assert f"type: {w.kind}" in r.text and f"schema: {w.schema}" in r.text, r
    if w.kind == "sqlite":
        assert "jaffle_shop.db" in r.text
        # debug changes nothing: no database file appears, it says the first run makes it
        assert "does not exist yet: the first run creates it" in r.out, r
        assert w.p.db_files() == [], "xform debug created a database file"
        w.xform("seed", expect=0)
        r = w.xform("debug", expect=0)
        assert "connection test: OK\n" in r.out, r
    else:
        assert f"host: {w.pg['host']}" in r.text and f"port: {w.pg['port']}" in r.text, r
    assert SECRET not in r.text


@pytest.mark.feature("debug")
def test_debug_sqlite_folder_that_cannot_be(jaffle):
    """A database path under a file can never be created: debug says so (exit 1)."""
    jaffle.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                 "      type: sqlite\n      path: seeds/raw_orders.csv/x.db\n")
    r = jaffle.xform("debug", "--profiles-dir", str(jaffle.dir), expect=1)
    assert "connection test: ERROR" in r.out, r
    assert "is not a writable folder" in r.err, r


def pg_profile(host, port, password, dbname="postgres", user="postgres"):
    return ("jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
            f"      host: {host}\n      port: {port}\n      user: {user}\n"
            f"      password: \"{password}\"\n      dbname: {dbname}\n"
            "      schema: analytics\n      threads: 2\n")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.feature("debug")
def test_debug_never_prints_the_password(jaffle):
    # nothing listens on the port: the connection check fails, the password stays hidden
    jaffle.write("profiles.yml", pg_profile("127.0.0.1", free_port(), SECRET))
    r = jaffle.xform("debug", "--profiles-dir", str(jaffle.dir))
    assert r.rc == 1, f"a failed connection check exits 1:\n{r}"
    assert SECRET not in r.text
    assert "postgres" in r.text


@pytest.mark.feature("debug")
def test_debug_password_from_env_var(jaffle):
    jaffle.write("profiles.yml",
                 pg_profile("127.0.0.1", free_port(), "{{ env_var('XF_E2E_PASSWORD') }}"))
    r = jaffle.xform("debug", "--profiles-dir", str(jaffle.dir),
                     env={"XF_E2E_PASSWORD": SECRET})
    assert r.rc == 1, r
    assert SECRET not in r.text


# ---------------------------------------------------------------- vars
@pytest.fixture
def vars_project(wh):
    return wh("projects/vars")


def greet(w):
    return w.rows("select greeting, lim, who from greet")[0]


@pytest.mark.feature("vars")
def test_vars_from_project_and_defaults(vars_project):
    vars_project.xform("run", expect=0)
    assert greet(vars_project) == ("hello", 3, "world")


@pytest.mark.feature("vars")
def test_vars_yaml_on_the_command_line(vars_project):
    vars_project.xform("run", "--vars", "{greeting: hi, limit: 5}", expect=0)
    assert greet(vars_project) == ("hi", 5, "world")


@pytest.mark.feature("vars")
def test_vars_json_on_the_command_line(vars_project):
    vars_project.xform("run", "--vars", '{"who": "you"}', expect=0)
    assert greet(vars_project) == ("hello", 3, "you")


@pytest.mark.feature("vars")
def test_vars_missing_required_var(vars_project):
    vars_project.p.write("models/needs.sql", "select {{ var('not_given') }} as x\n")
    r = vars_project.xform("run", expect=2)
    assert "not_given" in r.text
    assert "models/needs.sql:1:" in r.text
    assert vars_project.untouched()


# ---------------------------------------------------------------- colour
@pytest.mark.feature("color")
def test_no_colour_on_a_pipe(wh):
    w = wh("jaffle_shop")
    r = w.xform("seed", expect=0)
    assert ESC not in r.text
    assert w.scalar("select count(*) from raw_orders") == 99
    w.p.write("models/bad.sql", "select * from {{ ref('nope') }}\n")
    r = w.xform("run", expect=2)
    assert ESC not in r.text


@pytest.mark.feature("color")
def test_no_color_flag_on_a_terminal(wh):
    w = wh("jaffle_shop")
    r = w.xform("seed", "--no-color", tty=True)
    assert r.rc == 0, r
    assert ESC not in r.out
    assert "PASS=3" in r.out
    assert w.scalar("select count(*) from raw_orders") == 99


# ---------------------------------------------------------------- schemas
@pytest.mark.feature("schemas")
@pytest.mark.feature("config_call")
def test_custom_schema_beside_the_main_one(wh):
    """schema='finance' puts revenue in <target schema>_finance: on SQLite
    the file main_finance.db beside the main one."""
    w = wh("projects/schemas")
    finance = w.custom_schema("finance")
    w.xform("run", expect=0)
    if w.kind == "sqlite":
        assert w.p.db_files() == ["main_finance.db", "schemas.db"]
    else:
        assert w.p.db_files() == []
    assert w.relations(finance) == {"revenue": "table"}
    assert w.rows("select total from revenue", schema=finance) == [(42,)]
    assert w.relations() == {"base": "view"}


@pytest.mark.feature("console.concurrency")
def test_concurrency_line_names_the_target(wh):
    """dbt's "Concurrency: N threads (target='dev')": the target is the
    profile's; the embedded SQLite default has no profile, so none."""
    w = wh("jaffle_shop")
    r = w.xform("compile", "--threads", "3", expect=0)
    lines = [ln for ln in r.out.splitlines() if "Concurrency:" in ln]
    assert len(lines) == 1, r.out
    if w.kind == "postgres":
        assert lines[0].endswith("Concurrency: 3 threads (target='pg')"), lines[0]
    else:
        assert lines[0].endswith("Concurrency: 3 threads"), lines[0]


def json_events(r):
    """Every stdout line of a --log-format json run, parsed (each must be JSON)."""
    events = [json.loads(line) for line in r.out.splitlines() if line.strip()]
    assert events, r
    for e in events:
        assert set(e) == {"data", "info"}, e
        assert set(e["info"]) >= {"name", "code", "level", "msg", "invocation_id", "pid",
                                  "thread", "ts", "category", "extra"}, e
        assert "\x1b[" not in e["info"]["msg"], "no colour codes inside JSON"
    return events


@pytest.mark.feature("log_format.json")
def test_log_format_json_events(wh):
    """--log-format json: one JSON object per line in dbt's shape, with dbt's
    event names, node_info for every node, and the run's invocation id."""
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    r = w.xform("run", "--log-format", "json", expect=0)
    events = json_events(r)
    names = [e["info"]["name"] for e in events]
    assert names[0] == "MainReportVersion" and "FoundStats" in names, names
    assert names[-1] == "StatsLine", names
    assert events[-1]["data"]["stats"] == {"pass": 5, "warn": 0, "error": 0, "skip": 0,
                                           "total": 5}
    inv = json.loads(w.p.read("target/run_results.json"))["metadata"]["invocation_id"]
    assert {e["info"]["invocation_id"] for e in events} == {inv}
    starts = [e for e in events if e["info"]["name"] == "LogStartLine"]
    done = [e for e in events if e["info"]["name"] == "LogModelResult"]
    models = {f"model.jaffle_shop.{m}" for m in
              ("stg_customers", "stg_orders", "stg_payments", "customers", "orders")}
    assert {e["data"]["node_info"]["unique_id"] for e in starts} == models
    assert {e["data"]["node_info"]["unique_id"] for e in done} == models
    for e in done:
        ni = e["data"]["node_info"]
        assert ni["node_status"] == "success" and e["info"]["level"] == "info", e
        assert ni["node_relation"]["relation_name"] == w.rel(ni["node_name"]), ni
        assert ni["materialized"] == ("view" if ni["node_name"].startswith("stg_") else "table")
        assert ni["node_started_at"] and ni["node_finished_at"], ni
        assert e["info"]["msg"].startswith(f'{e["data"]["index"]} of 5 OK created'), e
    conc = [e for e in events if e["info"]["name"] == "ConcurrencyLine"]
    assert len(conc) == 1 and conc[0]["data"]["num_threads"] >= 1, conc

    # a failing test: LogTestResult at level error, the failure count, the summary events
    w.p.write("tests/no_orders.sql", "select * from {{ ref('orders') }}\n")
    r = w.xform("test", "--log-format", "json", expect=1)
    events = json_events(r)
    fail = [e for e in events if e["info"]["name"] == "LogTestResult"
            and e["data"]["status"] == "fail"]
    assert len(fail) == 1, [e["info"]["msg"] for e in events]
    assert fail[0]["info"]["level"] == "error" and fail[0]["data"]["num_failures"] == 99
    assert fail[0]["data"]["node_info"]["resource_type"] == "test"
    summary = [e for e in events if e["info"]["name"] == "EndOfRunSummary"]
    assert summary and summary[0]["data"]["num_errors"] == 1, summary
    assert "RunResultFailure" in [e["info"]["name"] for e in events]

    # a project error is an event on stdout too, and the exit code stays 2
    w.p.write("models/bad.sql", "select * from {{ ref('nope') }}\n")
    r = w.xform("run", "--log-format", "json", expect=2)
    errs = [e for e in json_events(r) if e["info"]["level"] == "error"]
    assert errs and "nope" in errs[0]["info"]["msg"], r
    assert errs[0]["info"]["name"] == "MainEncounteredError"


def test_log_format_unknown_is_a_usage_error(jaffle):
    r = jaffle.xform("run", "--log-format", "xml", expect=2)
    assert "--log-format must be text, default or json" in r.err
