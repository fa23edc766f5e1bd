# SPDX-License-Identifier: MIT
"""Logs and CI reports (docs/logs.md): the log file every command writes
(logs/xform.log at debug level, rotated, scrubbed of secrets; --log-path,
log-path:, DBT_LOG_PATH; --log-level, -d, --log-level-file,
--log-format-file), --target-path and its environment variables,
--no-write-json, and the JUnit report (--junit-xml, XFORM_JUNIT_XML)
validated against tests/e2e/schemas/junit.xsd. Everything that builds runs
on SQLite and PostgreSQL from the same code."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

XSD = Path(__file__).parent / "schemas" / "junit.xsd"
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} \[(debug|info |warn |error)\] \[\w+\]: ")


def log_of(project, folder="logs"):
    p = project.path(folder) / "xform.log"
    assert p.is_file(), f"no {folder}/xform.log; the project holds {sorted(x.name for x in project.dir.iterdir())}"
    return p.read_text()


def last_run(log):
    """The lines of the last invocation in a log file that holds many."""
    return log.rsplit("\n==============================", 1)[-1]


# ---------------------------------------------------------------- the log file
@pytest.mark.feature("logs.file")
def test_log_file_after_every_command(wh):
    w = wh("jaffle_shop")
    p = w.p
    steps = [
        ("debug",), ("deps",), ("parse",), ("ls",), ("compile",), ("seed",), ("run",),
        ("test",), ("build",), ("retry",), ("show", "--select", "customers"), ("lineage",),
        ("docs", "generate"), ("source", "freshness"), ("snapshot",), ("clean",),
    ]
    for step in steps:
        shutil.rmtree(p.path("logs"), ignore_errors=True)
        r = w.xform(*step)
        assert r.rc == 0, str(r)
        log = log_of(p)
        # one header, the command's own lines, and the last line with its exit code
        assert log.count("\n============================== ") == 1, log
        assert re.search(r"Command `\S*xform " + step[0] + r" .*` succeeded after "
                         r"[\d.]+ seconds \(exit code 0\)", log), (step, log)
        assert LOG_LINE.match(last_run(log).splitlines()[1]), log
    # a command that fails to load the project writes its errors there too
    p.write("models/bad.sql", "select {{ ref('nope') }}\n")
    shutil.rmtree(p.path("logs"), ignore_errors=True)
    r = w.xform("run", expect=2)
    log = log_of(p)
    assert "[error] [MainThread]: " in log and "a node named 'nope' which was not found" in log, log
    assert "(exit code 2)" in log
    # a --project-dir that does not exist is not created for a log; --log-path still gets one
    gone = p.dir.parent / "nowhere"
    w.p.xform("parse", "--project-dir", str(gone), project_dir=False, expect=2)
    assert not gone.exists()
    w.p.xform("parse", "--project-dir", str(gone), "--log-path", str(p.dir.parent / "lg"),
              project_dir=False, expect=2)
    assert "dbt_project.yml" in (p.dir.parent / "lg" / "xform.log").read_text()


@pytest.mark.feature("logs.file")
def test_clean_of_logs_folder_keeps_a_fresh_log(jaffle):
    jaffle.edit("dbt_project.yml", "clean-targets:", "clean-targets:\n  - logs")
    jaffle.xform("parse", expect=0)
    assert "parse" in log_of(jaffle)
    r = jaffle.xform("clean", expect=0)
    assert "Cleaned logs" in r.out
    log = log_of(jaffle)
    assert "Command `" in log and " clean " in log and " parse " not in log, log


@pytest.mark.feature("logs.file")
def test_log_holds_debug_sql_and_timings(wh):
    w = wh("jaffle_shop")
    r = w.xform("build", expect=0)
    assert "[debug]" not in r.out and "On model." not in r.out
    log = log_of(w.p)
    # the statements each node ran, and how long each took
    m = re.search(r"\[debug\] \[MainThread\]: On model\.jaffle_shop\.stg_orders: (.*?)\n\d\d:",
                  log, re.S)
    assert m and re.search(r"create\s+view", m.group(1), re.I), log
    assert re.search(r"On seed\.jaffle_shop\.raw_orders: .*(insert into|copy)", log, re.S | re.I)
    assert re.search(r"On test\.jaffle_shop\.unique_customers_customer_id\.\w+: .*select", log,
                     re.S | re.I)
    assert re.search(r"model\.jaffle_shop\.customers: success in [\d.]+s \(compile [\d.]+s, "
                     r"execute [\d.]+s\)", log)
    assert re.search(r"\[debug\] \[MainThread\]: timings: load [\d.]+s", log)
    # compile runs nothing: no line per compiled node (30,000 of them in a big project)
    w.xform("compile", expect=0)
    after = log_of(w.p)[len(log):]
    assert "Command `" in after and ": success in " not in after, after
    # every info line of the console is in the file too
    for line in r.out.splitlines():
        text = line[10:] if re.match(r"\d\d:\d\d:\d\d  ", line) else None
        if text:
            assert text in log, text
    # -d: the debug lines on the console as well
    r = w.xform("run", "-s", "stg_orders", "--debug", expect=0)
    assert re.search(r"On model\.jaffle_shop\.stg_orders: .*create\s+view", r.out, re.S | re.I)
    r = w.xform("run", "-s", "stg_orders", "--log-level", "debug", expect=0)
    assert "On model.jaffle_shop.stg_orders:" in r.out


@pytest.mark.feature("logs.levels")
def test_log_levels(wh):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    # the console shows warnings and errors only; the file still has everything
    r = w.xform("run", "--log-level", "warn", expect=0)
    assert r.out == "" and r.err == "", r
    assert "OK created sql view model" in last_run(log_of(w.p))
    r = w.xform("run", "--log-level", "none", expect=0)
    assert r.out == "" and r.err == ""
    # info is the default: progress, no debug
    r = w.xform("run", "--log-level", "info", expect=0)
    assert "OK created" in r.out and "On model." not in r.out
    # --log-level-file: what the file keeps
    r = w.xform("run", "--log-level-file", "info", expect=0)
    run = last_run(log_of(w.p))
    assert "OK created" in run and "[debug]" not in run
    r = w.xform("run", "--log-level-file", "error", expect=0)
    run = last_run(log_of(w.p))
    assert "OK created" not in run and "[info " not in run
    # none: no log file at all
    shutil.rmtree(w.p.path("logs"))
    w.xform("run", "--log-level-file", "none", expect=0)
    assert not w.p.path("logs").exists()
    # DBT_LOG_LEVEL as dbt reads it
    r = w.xform("run", env={"DBT_LOG_LEVEL": "error"}, expect=0)
    assert r.out == ""


@pytest.mark.feature("logs.levels")
@pytest.mark.parametrize("flag,value,words", [
    ("--log-level", "loud", "--log-level must be debug, info, warn, error or none, not 'loud'"),
    ("--log-level-file", "all", "--log-level-file must be debug, info, warn, error or none"),
    ("--log-format-file", "xml", "--log-format-file must be text, default, debug or json"),
    ("--log-file-max-bytes", "10MB", "--log-file-max-bytes needs a whole number of bytes"),
])
def test_bad_log_option(jaffle, flag, value, words):
    r = jaffle.xform("parse", flag, value, expect=2)
    assert words in r.err
    assert not jaffle.path("logs").exists() and not jaffle.path("target").exists()


@pytest.mark.feature("logs.format")
def test_log_format_file_json(wh):
    w = wh("jaffle_shop")
    w.xform("build", "--log-format-file", "json", expect=0)
    lines = log_of(w.p).splitlines()
    events = [json.loads(ln) for ln in lines]
    names = {e["info"]["name"] for e in events}
    assert {"MainReportVersion", "LogStartLine", "LogModelResult", "LogTestResult", "SQLQuery",
            "StatsLine", "CommandCompleted"} <= names, names
    levels = {e["info"]["level"] for e in events}
    assert {"debug", "info"} <= levels
    ids = {e["info"]["invocation_id"] for e in events}
    run_results = w.p.json("target/run_results.json")
    assert run_results["metadata"]["invocation_id"] in ids
    done = [e for e in events if e["info"]["name"] == "LogModelResult"]
    assert done and done[0]["data"]["node_info"]["unique_id"].startswith("model.jaffle_shop.")
    # the text formats: default and debug are dbt's names for the same file format
    for fmt in ("text", "default", "debug"):
        w.xform("parse", "--log-format-file", fmt, expect=0)
        run = last_run(log_of(w.p))
        assert re.search(r"\d\d:\d\d:\d\d\.\d{6} \[debug\] \[MainThread\]: running xform=[\d.]+ "
                         r"in \S+: \S*xform parse ", run), run
        assert re.search(r"\d\d:\d\d:\d\d\.\d{6} \[info \] \[MainThread\]: Parsed 28 nodes", run)


@pytest.mark.feature("logs.path")
def test_log_path_precedence(jaffle, tmp_path):
    p = jaffle
    # the project key, relative to the project folder
    p.edit("dbt_project.yml", "target-path:", "log-path: project_logs\ntarget-path:")
    r = p.xform("parse", expect=0)
    assert "log-path" not in r.err  # supported now: no "not yet" warning
    assert "parse" in log_of(p, "project_logs")
    assert not p.path("logs").exists()
    # DBT_LOG_PATH wins over the key, XFORM_LOG_PATH over both, --log-path over all
    p.xform("parse", env={"DBT_LOG_PATH": "dbt_env_logs"}, expect=0)
    assert "parse" in log_of(p, "dbt_env_logs")
    p.xform("parse", env={"DBT_LOG_PATH": "dbt_env_logs", "XFORM_LOG_PATH": "xf_env_logs"},
            expect=0)
    assert "parse" in log_of(p, "xf_env_logs")
    elsewhere = tmp_path / "abs_logs"
    p.xform("ls", "--log-path", str(elsewhere), env={"XFORM_LOG_PATH": "xf_env_logs"}, expect=0)
    text = (elsewhere / "xform.log").read_text()
    assert " ls " in text
    assert " ls " not in log_of(p, "xf_env_logs")
    # a log file that cannot be written is a warning, not a failure
    p.write("blocked", "a file where the folder should be\n")
    r = p.xform("parse", "--log-path", "blocked", expect=0)
    assert "warning: could not open the log file" in r.err


@pytest.mark.feature("logs.rotation")
def test_log_rotation(jaffle):
    for _ in range(9):
        jaffle.xform("parse", "--log-file-max-bytes", "1000", expect=0)
    logs = jaffle.path("logs")
    names = sorted(x.name for x in logs.iterdir())
    assert names == ["xform.log"] + [f"xform.log.{i}" for i in range(1, 6)], names
    for f in logs.iterdir():
        assert f.stat().st_size <= 1000, (f.name, f.stat().st_size)
    # the newest lines are in xform.log, the oldest kept in .5
    assert "Command `" in (logs / "xform.log").read_text()
    # 0: never rotated
    shutil.rmtree(logs)
    for _ in range(3):
        jaffle.xform("parse", "--log-file-max-bytes", "0", expect=0)
    assert sorted(x.name for x in logs.iterdir()) == ["xform.log"]
    assert log_of(jaffle).count("Command `") == 3


# ---------------------------------------------------------------- secrets
SECRET = "Pw-8c1d7e!x"
VAR_SECRET = "Vx-77aa19"


def test_log_never_holds_password(pg_conninfo, make_project):
    """A password in the profile (libpq's trust auth of the test server
    ignores it), in a conninfo-like var, and in DBT_ENV_SECRET_*: none of
    them reaches the log file, whatever the command."""
    from warehouse import Warehouse
    w = Warehouse(make_project("jaffle_shop"), "postgres", pg_conninfo)
    try:
        w.p.edit("profiles.yml", "      schema:", f"      password: '{SECRET}'\n      schema:")
        w.p.write("models/secretive.sql",
                  "-- {{ env_var('DBT_ENV_SECRET_TOKEN') }}\n"
                  "select 1 as id\n")
        env = {"DBT_ENV_SECRET_TOKEN": "tok-5d2a9b77"}
        for step in (("debug",), ("build",), ("run", "--debug"),
                     ("parse", "--vars", f"{{conninfo: 'host=x password={VAR_SECRET}', "
                                         f"url: 'postgresql://me:{VAR_SECRET}@db/x'}}")):
            w.xform(*step, env=env, expect=0)
        log = log_of(w.p)
        assert SECRET not in log and "tok-5d2a9b77" not in log and VAR_SECRET not in log
        assert "password=*****'" in log and "postgresql://me:*****@db/x" in log
        assert "password=*****" in log  # the rendered target, scrubbed
        # and the json format scrubs the same
        w.xform("build", "--log-format-file", "json", env=env, expect=0)
        log = log_of(w.p)
        assert SECRET not in log and "tok-5d2a9b77" not in log
        # a profile that does not parse quotes the line: scrubbed as well
        w.p.edit("profiles.yml", f"password: '{SECRET}'", f"password: '{SECRET}' junk")
        w.xform("parse", expect=2)
        log = log_of(w.p)
        assert SECRET not in log, log
        assert "*****" in last_run(log)
    finally:
        w.drop()


# ---------------------------------------------------------------- target path
@pytest.mark.feature("target_path")
def test_target_path_flag_and_env(wh):
    w = wh("jaffle_shop")
    p = w.p
    r = w.xform("build", "--target-path", "ci_target", expect=0)
    assert not p.path("target").exists()
    t = p.path("ci_target")
    assert (t / "manifest.json").is_file() and (t / "run_results.json").is_file()
    assert (t / "compiled/jaffle_shop/models/customers.sql").is_file()
    assert (t / "run/jaffle_shop/models/customers.sql").is_file()
    assert p.json("ci_target/manifest.json")["metadata"]["invocation_id"] == \
        p.json("ci_target/run_results.json")["metadata"]["invocation_id"]
    # which wins: flag > XFORM_TARGET_PATH > DBT_TARGET_PATH > target-path:
    p.edit("dbt_project.yml", 'target-path: "target"', "target-path: key_target")
    w.xform("parse", expect=0)
    assert p.path("key_target/manifest.json").is_file()
    w.xform("parse", env={"DBT_TARGET_PATH": "dbt_env"}, expect=0)
    assert p.path("dbt_env/manifest.json").is_file()
    w.xform("parse", env={"DBT_TARGET_PATH": "dbt_env", "XFORM_TARGET_PATH": "xf_env"},
            expect=0)
    assert p.path("xf_env/manifest.json").is_file()
    w.xform("compile", "--target-path", "flag_t",
            env={"DBT_TARGET_PATH": "dbt_env", "XFORM_TARGET_PATH": "xf_env"}, expect=0)
    assert p.path("flag_t/compiled/jaffle_shop/models/orders.sql").is_file()
    assert not p.path("xf_env/compiled").exists()
    # retry reads run_results.json from the same place
    p.write("models/broken.sql", "select * from no_such_table_anywhere\n")
    w.xform("run", "--target-path", "flag_t", expect=1)
    r = w.xform("retry", "--target-path", "flag_t", expect=1)
    assert r.summary()["TOTAL"] == 1, r
    # clean removes the moved folder too (dbt's forgets it), and the listed ones
    r = w.xform("clean", env={"XFORM_TARGET_PATH": "xf_env"}, expect=0)
    assert "Cleaned xf_env" in r.out and not p.path("xf_env").exists()
    r = w.xform("clean", "--target-path", "flag_t", expect=0)
    assert "Cleaned flag_t" in r.out and not p.path("flag_t").exists()
    assert p.path("key_target").exists()  # not a clean target, not named


# ---------------------------------------------------------------- no-write-json
@pytest.mark.feature("write_json")
def test_no_write_json(wh):
    w = wh("jaffle_shop")
    p = w.p
    r = w.xform("build", "--no-write-json", expect=0)
    assert r.summary()["TOTAL"] == 28
    assert not p.path("target/manifest.json").exists()
    assert not p.path("target/run_results.json").exists()
    assert p.path("target/compiled/jaffle_shop/models/customers.sql").is_file()
    assert w.scalar("select count(*) from customers") == 100
    w.xform("parse", "--no-write-json", expect=0)
    assert not p.path("target/manifest.json").exists()
    w.xform("run", env={"DBT_WRITE_JSON": "false"}, expect=0)
    assert not p.path("target/run_results.json").exists()
    # --write-json wins over the environment, and is the default
    w.xform("run", "--write-json", env={"DBT_WRITE_JSON": "false"}, expect=0)
    assert p.path("target/run_results.json").is_file()
    r = w.xform("run", "--write-json", "--no-write-json", expect=2)
    assert "contradict" in r.err


# ---------------------------------------------------------------- JUnit
def validate_junit(path):
    """Against tests/e2e/schemas/junit.xsd with xmllint (libxml2-utils);
    returns the parsed tree."""
    xmllint = shutil.which("xmllint")
    assert xmllint, "xmllint is missing: install libxml2-utils (scripts/lib.sh xf_need_tests)"
    r = subprocess.run([xmllint, "--noout", "--schema", str(XSD), str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr + path.read_text()
    return ET.parse(path).getroot()


def add_failures(p):
    """A singular test that finds 3 rows, a model that cannot run and its
    child (skipped), and a model whose compile error quotes a line with
    control characters and markup."""
    p.write("tests/assert_no_early_orders.sql",
            "select * from {{ ref('orders') }} where order_id <= 3\n")
    p.write("models/broken.sql", "select * from no_such_table_anywhere\n")
    p.write("models/after_broken.sql", "select * from {{ ref('broken') }}\n")
    p.write("models/odd.sql",
            "select {% if execute %}{{ no_such_macro() }}{% endif %} as x "
            "-- \x01\x1b & <b>\"q\"</b> 'é' \x7f\n")


@pytest.mark.feature("junit")
def test_junit_report(wh):
    w = wh("jaffle_shop")
    p = w.p
    add_failures(p)
    r = w.xform("build", "--junit-xml", "reports/junit.xml", expect=1)
    path = p.cwd / "reports" / "junit.xml"  # relative to the current folder
    root = validate_junit(path)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    s = suites[0]
    assert s.get("name") == "xform build" and s.get("package") == "jaffle_shop"
    results = p.json("target/run_results.json")["results"]
    cases = s.findall("testcase")
    assert int(s.get("tests")) == len(cases) == len(results) == r.summary()["TOTAL"]
    # one testcase per node run, named and classed by package and resource type
    got = sorted((c.get("classname"), c.get("name")) for c in cases)
    want = sorted((f"jaffle_shop.{x['unique_id'].split('.')[0]}", x["unique_id"].split(".")[2])
                  for x in results)
    assert got == want
    by = {c.get("name"): c for c in cases}
    status = {x["unique_id"].split(".")[2]: x["status"] for x in results}
    # the failing test: its message and row count
    f = by["assert_no_early_orders"].find("failure")
    assert f is not None and f.get("message").startswith("3 failing rows: Got 3 results"), \
        ET.tostring(by["assert_no_early_orders"])
    assert "select * from" in f.text and "test.jaffle_shop.assert_no_early_orders" in f.text
    # the model that could not run: an error with the database's message
    e = by["broken"].find("error")
    assert e is not None and e.get("type") == "database error"
    assert "no_such_table_anywhere" in e.text
    assert by["odd"].find("error").get("type") == "compilation error"
    assert "no_such_macro" in by["odd"].find("error").text
    # its child: skipped
    assert by["after_broken"].find("skipped") is not None
    counts = {k: sum(1 for v in status.values() if v in vs) for k, vs in {
        "failures": ("fail",), "errors": ("error", "runtime error"), "skipped": ("skipped",)}.items()}
    assert counts == {"failures": 1, "errors": 2, "skipped": 1}, status
    for k, v in counts.items():
        assert int(s.get(k)) == v, (k, s.attrib)
    assert int(root.get("failures")) == 1 and int(root.get("errors")) == 2
    # passing ones: no failure, a time, and what they did
    c = by["customers"]
    assert c.find("failure") is None and c.find("error") is None
    assert float(c.get("time")) >= 0 and c.find("system-out").text.strip()
    assert by["raw_orders"].find("system-out").text.strip() == "INSERT 99"
    props = {x.get("name"): x.get("value") for x in s.find("properties")}
    assert props["invocation_id"] == p.json("target/run_results.json")["metadata"]["invocation_id"]
    # the odd characters came through escaped, never raw
    raw = path.read_bytes()
    assert b"\x01" not in raw and b"\x1b" not in raw
    assert "&lt;b&gt;" in path.read_text() and "é" in path.read_text()


@pytest.mark.feature("junit")
def test_junit_env_and_commands(wh):
    w = wh("jaffle_shop")
    p = w.p
    out = p.cwd / "env_junit.xml"
    w.xform("seed", env={"XFORM_JUNIT_XML": str(out)}, expect=0)
    root = validate_junit(out)
    s = root.find("testsuite")
    assert s.get("name") == "xform seed" and s.get("tests") == "3" and s.get("failures") == "0"
    w.xform("run", expect=0)
    w.xform("test", "--junit-xml", str(out), expect=0)
    root = validate_junit(out)
    cases = root.find("testsuite").findall("testcase")
    assert len(cases) == 20 and {c.get("classname") for c in cases} == {"jaffle_shop.test"}
    # a warning test passes in the report, and says so
    p.write("tests/warn_early.sql", "{{ config(severity='warn') }}\n"
            "select * from {{ ref('orders') }} where order_id <= 2\n")
    w.xform("test", "-s", "warn_early", "--junit-xml", str(out), expect=0)
    root = validate_junit(out)
    c = root.find("testsuite").find("testcase")
    assert c.find("failure") is None and c.find("system-out").text.startswith("WARN 2")
    # docs generate reports its compile step
    w.xform("docs", "generate", "--junit-xml", str(out), expect=0)
    root = validate_junit(out)
    assert root.find("testsuite").get("name") == "xform docs generate"
    assert int(root.find("testsuite").get("tests")) == len(p.json("target/run_results.json")["results"]) == 26
    # nothing selected: an empty report, still valid
    w.xform("run", "-s", "tag:no_such_tag", "--junit-xml", str(out), expect=0)
    root = validate_junit(out)
    assert root.find("testsuite").get("tests") == "0" and root.get("tests") == "0"
    # a report that cannot be written fails the run, named
    p.write("blocker", "x\n")
    r = w.xform("seed", "--junit-xml", str(p.path("blocker") / "j.xml"), expect=1)
    assert "could not write the JUnit report" in r.err


# ---------------------------------------------------------------- help
@pytest.mark.feature("logs.file")
def test_help_lists_the_flags(run_in_sandbox):
    r = run_in_sandbox("build", "--help", expect=0)
    for flag in ("-d, --debug", "--log-level LEVEL", "--log-path DIR", "--log-level-file LEVEL",
                 "--log-format-file FORMAT", "--log-file-max-bytes N", "--target-path DIR",
                 "--write-json", "--no-write-json", "--junit-xml PATH"):
        assert flag in r.out, flag
    r = run_in_sandbox("--help", expect=0)
    assert "every command writes logs/xform.log" in r.out and "--junit-xml" in r.out
    r = run_in_sandbox("clean", "--help", expect=0)
    assert "--junit-xml" not in r.out and "--log-path DIR" in r.out


@pytest.mark.feature("logs.file")
def test_init_logs_in_the_current_folder(run_in_sandbox, sandbox):
    """As `dbt init`: the log goes to logs/ where the command ran."""
    _, _, cwd = sandbox
    run_in_sandbox("init", "fresh", expect=0)
    assert (cwd / "fresh").is_dir()
    log = (cwd / "logs" / "xform.log").read_text()
    assert re.search(r"Command `\S*xform init fresh` succeeded", log), log
