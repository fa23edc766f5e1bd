# SPDX-License-Identifier: MIT
"""PostgreSQL going wrong: a server stopped in the middle of a run, a
server that is not there, a wrong password, a missing database. Each
test that stops or reconfigures its server gets a private cluster
(pgcluster.py). xform must fail fast with the right exit code, say which
connection (host, port, database) failed, and never show a password,
neither on the terminal nor in target/*.json."""

import json
import os
import re
import shlex
import subprocess
import time
import uuid

import pytest

from conftest import SANITIZER_REPORTS, xform_path
from pgcluster import PgCluster, free_port, pg_cluster, require_cluster  # noqa: F401

USER = "alice"
HBA = [f"host all {USER} 127.0.0.1/32 scram-sha-256",
       "host all all 127.0.0.1/32 trust"]


def secret():
    """A password that appears nowhere else."""
    return "Pw-" + uuid.uuid4().hex[:12] + "-x9"


def profile(p, port, password, dbname="postgres", schema="xf_fail", user=USER):
    pw = password if password.startswith("{{") else password.replace('"', '\\"')
    p.write("profiles.yml", (
        f"{p.name}:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
        f"      host: 127.0.0.1\n      port: {port}\n      user: {user}\n"
        f"      password: \"{pw}\"\n      dbname: {dbname}\n      schema: {schema}\n"
        f"      threads: 2\n"))


def xf(p, command, *args, expect=None, env=None):
    return p.xform(command, "--profiles-dir", str(p.dir), *args, expect=expect, env=env)


def assert_no_secret(p, r, *secrets):
    """No password on stdout/stderr or in any target/*.json."""
    for s in secrets:
        assert s not in r.text, f"the password {s!r} is shown:\n{r}"
        for f in sorted(p.dir.glob("target/**/*.json")):
            assert s not in f.read_text(), f"the password {s!r} is in {f.name}"


def one_error_line(r, port, dbname):
    """Exactly one error line, and it says where: host, port, database."""
    errors = [ln for ln in r.text.splitlines() if "error" in ln.lower()]
    assert len(errors) == 1, f"expected one error line, got {errors}:\n{r}"
    line = errors[0]
    assert line.startswith("error: "), line
    for where in ("host '127.0.0.1'", f"port {port}", f"database '{dbname}'"):
        assert where in line, f"the error does not name {where}: {line}"
    assert "Done. PASS=" not in r.text, "nothing may run"
    return line


def assert_nothing_created(p):
    assert p.db_files() == [], "a postgres target must not create SQLite files"
    rr = p.path("target/run_results.json")
    if rr.exists():
        assert json.loads(rr.read_text())["results"] == [], "nodes were run"


@pytest.fixture(scope="module")
def scram_cluster():
    """One private cluster where alice must log in with scram-sha-256; the
    tests only connect to it, none changes it."""
    require_cluster()
    c = PgCluster(hba=HBA)
    c.start()
    try:
        c.password = secret()
        c.psql(f"create role {USER} login password '{c.password}'; "
               f"grant create on database postgres to {USER}")
        yield c
    finally:
        c.stop()


def schemas(cluster):
    return {r[0] for r in cluster.psql("select nspname from pg_namespace")}


# ------------------------------------------------------------ connecting

@pytest.mark.feature("postgres.errors")
@pytest.mark.parametrize("command", ["run", "build", "seed"])
def test_unreachable_server(make_project, command):
    p = make_project("lifecycle")
    port = free_port()  # nothing listens there
    pw = secret()
    profile(p, port, pw)
    r = xf(p, command, expect=2)
    line = one_error_line(r, port, "postgres")
    assert "could not connect" in line
    assert_no_secret(p, r, pw)
    assert_nothing_created(p)


@pytest.mark.feature("postgres.errors")
def test_wrong_password(make_project, scram_cluster):
    c = scram_cluster
    p = make_project("lifecycle")
    pw = secret()
    schema = "xf_" + uuid.uuid4().hex[:8]
    profile(p, c.port, pw, schema=schema)
    before = schemas(c)
    r = xf(p, "run", expect=2)
    line = one_error_line(r, c.port, "postgres")
    assert "password authentication failed" in line and f"'{USER}'" in line
    assert_no_secret(p, r, pw, c.password)
    assert_nothing_created(p)
    assert schemas(c) == before

    # the same profile with the right password works: the failure was the password
    profile(p, c.port, c.password, schema=schema)
    r = xf(p, "run", "-s", "slow", "--vars", "{n: 10}", expect=0)
    assert_no_secret(p, r, c.password)
    assert schema in schemas(c)
    c.psql(f'drop schema "{schema}" cascade')


@pytest.mark.feature("postgres.errors")
def test_missing_database(make_project, scram_cluster):
    c = scram_cluster
    p = make_project("lifecycle")
    db = "nosuchdb_" + uuid.uuid4().hex[:8]
    profile(p, c.port, c.password, dbname=db)
    r = xf(p, "run", expect=2)
    line = one_error_line(r, c.port, db)
    assert "does not exist" in line
    assert_no_secret(p, r, c.password)
    assert_nothing_created(p)
    assert c.psql(f"select count(*) from pg_database where datname = '{db}'") == [("0",)]


@pytest.mark.feature("postgres.errors")
@pytest.mark.parametrize("how", ["env_var", "literal"])
def test_debug_shows_settings_without_the_password(make_project, scram_cluster, how):
    c = scram_cluster
    p = make_project("lifecycle")
    env = {"XF_PW": c.password} if how == "env_var" else None
    profile(p, c.port, "{{ env_var('XF_PW') }}" if how == "env_var" else c.password)
    r = xf(p, "debug", expect=0, env=env)
    for shown in ("type: postgres", "host: 127.0.0.1", f"port: {c.port}", f"user: {USER}",
                  "dbname: postgres", "schema: xf_fail"):
        assert shown in r.out, f"debug does not show {shown!r}:\n{r}"
    # the password was used (scram: the connection fails without it) ...
    assert "connection test: OK" in r.out
    # ... and is not shown, nor is the template it came from
    assert_no_secret(p, r, c.password)
    assert "env_var" not in r.text

    if how == "env_var":
        # a wrong password from the environment: debug fails, says so, shows none
        wrong = secret()
        r = xf(p, "debug", expect=1, env={"XF_PW": wrong})
        assert "password authentication failed" in r.text
        assert_no_secret(p, r, wrong, c.password)


# ------------------------------------------------------------ mid-run

def start_xform(p, *args, env=None):
    """xform in the background, with the environment run_xform gives it."""
    wrapper = shlex.split(os.environ.get("XFORM_WRAPPER", ""))
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("DBT_", "XFORM_", "XF_", "PG"))}
    e.update({"HOME": str(p.home), "LC_ALL": "C.UTF-8", **(env or {})})
    return subprocess.Popen(wrapper + [str(xform_path()), *args], cwd=p.cwd, env=e,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.feature("postgres.errors")
@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_server_stopped_during_a_run(make_project, pg_cluster, mode):
    """immediate: the server vanishes; fast: it ends every session first
    (FATAL: terminating connection due to administrator command)."""
    c = pg_cluster(hba=HBA)
    pw = secret()
    c.psql(f"create role {USER} login password '{pw}'; grant create on database postgres "
           f"to {USER}")
    p = make_project("lifecycle")
    schema = "xf_stop"
    profile(p, c.port, pw, schema=schema)
    # two long builds side by side, and a model that waits for one of them
    p.write("models/sleepy.sql", "{{ config(materialized='table') }}\n"
                                 "select 1 as id from (select pg_sleep(60)) s\n")
    p.write("models/after_slow.sql", "select count(*) as n from {{ ref('slow') }}\n")
    dirs = ["--project-dir", str(p.dir), "--profiles-dir", str(p.dir)]
    xf(p, "run", "-s", "slow", "--vars", "{n: 1000}", expect=0)

    proc = start_xform(p, "run", *dirs, "-s", "slow", "sleepy", "after_slow", "--threads", "2",
                       "--vars", "{n: 30000000}")
    try:
        # wait until both builds are running on the server (each statement
        # opens with the node's query comment, docs/materializations.md)
        deadline = time.monotonic() + 60
        while True:
            busy = c.psql(f"select count(*) from pg_stat_activity where usename = '{USER}' "
                          "and state = 'active' and query like "
                          "'/* {\"app\": \"xform\"%\"node_id\": \"model.lifecycle.%create table%'")
            if busy == [("2",)]:
                break
            assert proc.poll() is None, f"xform ended early: {proc.communicate()}"
            assert time.monotonic() < deadline, "the two builds never ran together"
            time.sleep(0.1)
        time.sleep(0.3)
        stopped = time.monotonic()
        c.stop_server(mode)
        slow_down = 4 if os.environ.get("XFORM_WRAPPER") else 1  # valgrind
        out, err = proc.communicate(timeout=60 * slow_down)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out + err
    for mark in SANITIZER_REPORTS:
        assert mark not in err, err
    assert proc.returncode == 1, f"exit {proc.returncode}:\n{text}"
    assert took < 30 * slow_down, f"xform took {took:.1f}s to notice the server was gone"
    lost = f"the connection to host '127.0.0.1' port {c.port} database 'postgres' was lost"
    assert lost in text, text
    assert "Done. PASS=0 WARN=0 ERROR=2 SKIP=1 TOTAL=3" in text, text
    assert pw not in text
    for f in p.dir.glob("target/**/*.json"):
        assert pw not in f.read_text(), f.name
    res = {x["unique_id"]: x["status"] for x in p.json("target/run_results.json")["results"]}
    assert res == {"model.lifecycle.slow": "error", "model.lifecycle.sleepy": "error",
                   "model.lifecycle.after_slow": "skipped"}

    # back up: the old table is intact and nothing half-built is left
    c.restart()
    assert c.psql(f'select count(*) from "{schema}".slow') == [("1000",)]
    assert c.psql("select table_name from information_schema.tables "
                  f"where table_schema = '{schema}' order by 1") == [("slow",)]


# ------------------------------------------------------------ compile asks nothing

@pytest.mark.feature("postgres.errors")
def test_compile_makes_no_round_trip(make_project):
    """Compiling templates that ask the database nothing needs no server:
    nothing listens on the port, and jaffle_shop still compiles to the
    expected SQL (rule: no database round trips at compile time)."""
    p = make_project("jaffle_shop")
    port = free_port()
    profile(p, port, secret(), schema="xf_nothing")
    r = xf(p, "compile", expect=0)
    assert "could not connect" not in r.text
    sql = p.path("target/compiled/jaffle_shop/models/orders.sql").read_text()
    assert '"xf_nothing"."stg_orders"' in sql, sql


@pytest.mark.feature("postgres.errors")
def test_compile_connects_when_a_template_asks(make_project):
    """is_incremental() needs the database: compiling the lifecycle fixture
    against a server that is not there fails once, clearly, with exit 2."""
    p = make_project("lifecycle")
    port = free_port()
    pw = secret()
    profile(p, port, pw)
    r = xf(p, "compile", expect=2)
    errors = [ln for ln in r.text.splitlines() if "error" in ln.lower()]
    assert len(errors) == 1, f"expected one error line, got {errors}:\n{r}"
    # located at the question (models/incr_*.sql: {% if is_incremental() %})
    assert re.match(r"models/incr_\w+\.sql:\d+:\d+: error: is_incremental\(\)", errors[0]), r
    for what in ("could not connect", "host '127.0.0.1'", f"port {port}",
                 "database 'postgres'", "compiling connects only"):
        assert what in errors[0], f"{what!r} missing: {errors[0]}"
    assert_no_secret(p, r, pw)
    assert not p.path("target/manifest.json").exists()
