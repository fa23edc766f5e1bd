# SPDX-License-Identifier: MIT
"""What a user meets at the terminal, on SQLite and PostgreSQL from the
same code: the live status line on a tty (and nothing of it in a pipe,
with TERM=dumb or a JSON log), the one cancelled summary on SIGINT and
SIGTERM, -q keeping every error with its node and location, a warning
when --threads is capped, an unknown --target, database errors shown at
their SQL line and the model's file:line, and "did you mean" where a
name is looked up. Every check is on the exact text the user sees."""

import re
import signal
import time

import pytest

from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import state

TIMEOUT = 120
STAMP = re.compile(r"^\d\d:\d\d:\d\d  ", re.M)


def lines(text):
    """stdout without the timestamps, one entry per line."""
    return [STAMP.sub("", x) for x in text.replace("\r\n", "\n").split("\n")]


def lifecycle(wh):
    w = wh("lifecycle")
    w.xform("seed", expect=0)
    w.xform("run", "-s", "slow", "--vars", "{n: 1000}", expect=0)  # run_results: an ETA
    return w


# ------------------------------------------------------------ status line

STATUS = re.compile(r"\r\x1b\[1;36m\[(\d+)/(\d+)\]\x1b\[0m\x1b\[2m [\d.:]+s?, ETA [\d.:]+s? "
                    r"\| (\d+) running: ([^\x1b]*)\x1b\[0m\x1b\[K")


def test_status_line_on_a_tty(wh):
    w = lifecycle(wh)
    r = w.xform("run", "-s", "slow", "--vars", "{n: 400000}", tty=True, expect=0)
    shown = STATUS.findall(r.out)
    assert shown, repr(r.out)
    assert all(done == "0" and total == "1" and n == "1" for done, total, n, _ in shown), shown
    # the running node with its own clock
    assert all(re.fullmatch(r"slow [\d.]+s", who) for *_, who in shown), shown
    # erased before each result line, and for good at the end: nothing of it after "Done."
    after = r.out[r.out.rindex("\x1b[K") + 3:]
    assert "running:" not in after and "\r" not in after.replace("\r\n", ""), repr(after)
    assert re.search(r"\r\x1b\[K\d\d:\d\d:\d\d  1 of 1 OK created sql table model ", r.out), \
        repr(r.out)
    assert r.out.rstrip().endswith("Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1"), repr(r.out[-300:])
    assert w.scalar("select count(*) from slow") == 400000
    # at most 10 draws a second over the run
    took = float(re.search(r"Finished running 1 node in .* \(([\d.]+)s\)", r.out).group(1))
    assert len(shown) <= 10 * took + 2, (len(shown), took)


def test_status_line_shows_each_running_node(wh):
    w = lifecycle(wh)
    w.p.write("models/slow2.sql", w.p.read("models/slow.sql"))
    r = w.xform("run", "-s", "slow", "slow2", "--threads", "2", "--vars", "{n: 1000000}",
                tty=True, expect=0)
    shown = STATUS.findall(r.out)
    most = max(int(n) for _, _, n, _ in shown)
    # SQLite has one writer: one node at a time; Postgres runs both
    assert most == (1 if w.kind == "sqlite" else 2), shown
    if w.kind == "postgres":
        both = [who for *_, n, who in shown if n == "2"]
        assert all(re.fullmatch(r"slow2? [\d.]+s, slow2? [\d.]+s", x) for x in both), both


def test_no_status_line_when_piped(wh):
    w = lifecycle(wh)
    r = w.xform("run", "-s", "slow", "--vars", "{n: 1000}", expect=0)
    assert "running:" not in r.out and "\x1b[" not in r.out and "\r" not in r.out, repr(r.out)


@pytest.mark.parametrize("how", ["TERM=dumb", "json"])
def test_no_status_line_on_a_dumb_terminal_or_with_a_json_log(wh, how):
    w = lifecycle(wh)
    args, env = (["--log-format", "json"], None) if how == "json" else ([], {"TERM": "dumb"})
    r = w.xform("run", "-s", "slow", "--vars", "{n: 1000}", *args, tty=True, env=env, expect=0)
    assert "running:" not in r.out and "\x1b[K" not in r.out, repr(r.out)


def test_no_color_keeps_a_plain_status_line(wh):
    w = lifecycle(wh)
    r = w.xform("run", "-s", "slow", "--vars", "{n: 400000}", tty=True, env={"NO_COLOR": "1"},
                expect=0)
    assert re.search(r"\r\[0/1\] [\d.:]+s?, ETA [\d.:]+s? \| 1 running: slow [\d.]+s",
                     r.out), repr(r.out)
    # no escape sequence at all: erased with spaces
    assert "\x1b" not in r.out, repr(r.out)
    assert re.search(r"\r +\r\d\d:\d\d:\d\d  1 of 1 OK created", r.out), repr(r.out)


# ---------------------------------------------------------- honest endings

def wait_for_start(proc, name, seen):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if " START " in line and f".{name} " in line:
            return
    proc.kill()
    raise AssertionError(f"{name} never started:\n" + "".join(seen))


@pytest.mark.parametrize("sig,code,said", [(signal.SIGINT, 130, "Ctrl-C (SIGINT)"),
                                           (signal.SIGTERM, 143, "SIGTERM")])
def test_cancel_prints_one_summary(wh, sig, code, said):
    w = lifecycle(wh)
    proc = w.popen("run", "--vars", "{n: 30000000}")
    seen = []
    wait_for_start(proc, "slow", seen)
    time.sleep(0.5)
    assert proc.poll() is None, "the rebuild finished before the signal"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=TIMEOUT)
    out = "".join(seen) + out
    assert proc.returncode == code, (out, err)
    text = lines(out)
    m = [re.fullmatch(rf"Cancelled by {re.escape(said)} after [\d.]+s: (\d+) of (\d+) nodes "
                      r"finished, (\d+) running (?:was|were) cancelled and rolled back, "
                      r"(\d+) not started", x) for x in text]
    m = [x for x in m if x]
    assert len(m) == 1, out
    finished, total, rolled, not_started = map(int, m[0].groups())
    assert rolled >= 1 and finished + rolled + not_started == total, out
    assert any(re.fullmatch(r"  rolled back: model slow \(models/slow.sql\), it ran [\d.]+s and "
                            r"changed nothing", x) for x in text), out
    assert any(re.fullmatch(r"\d+ of \d+ CANCELLED sql table model \S+\.slow \.+ "
                            r"\[ROLLED BACK after [\d.]+s\]", x) for x in text), out
    assert f"Cancelled. PASS={finished} WARN=0 ERROR=0 ROLLED-BACK={rolled} " \
           f"NOT-STARTED={not_started} TOTAL={total}" in text, out
    assert not any(" SKIP " in x for x in text), out
    assert "Completed successfully" not in out and "Done." not in out
    assert w.scalar("select count(*) from slow") == 1000, "the rolled back rebuild left rows"


def test_quiet_prints_each_error_with_its_node_then_the_last_line(wh):
    w = wh("scheduler")
    r = w.xform("build", "-q", "--vars", "{y_drops: 3}", expect=1)
    assert [x for x in lines(r.out) if x] == [
        "Failure in test relationships_x_id__id__ref_y_ (models/schema.yml)",
        "  Got 1 result, configured to fail if != 0",
        "  compiled code at target/compiled/scheduler/models/schema.yml/"
        "relationships_x_id__id__ref_y_.sql",
        "Done. PASS=6 WARN=0 ERROR=1 SKIP=3 TOTAL=10"], r.out


def test_quiet_prints_a_model_error_with_its_location(wh):
    w = wh("scheduler")
    w.xform("run", "-s", "a", expect=0)
    w.p.write("models/bad.sql", "select\n  id,\n  id_x\nfrom {{ ref('a') }}\n")
    r = w.xform("run", "-q", "-s", "bad", expect=1)
    first = ("no such column: id_x (line 3, column 3)" if w.kind == "sqlite"
             else 'column "id_x" does not exist (line 3, column 3) (hint: Perhaps you meant to '
             'reference the column "a.id".)')
    assert [x for x in lines(r.out) if x] == [
        "Error in model bad (models/bad.sql)",
        "  " + first,
        "   3 |   id_x",
        "     |   ^~~~",
        "   at models/bad.sql:3:3 in the model's source",
        "  compiled code at target/compiled/scheduler/models/bad.sql",
        "Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1"], r.out


def test_capped_threads_say_why(wh):
    w = wh("scheduler")
    r = w.xform("run", "-s", "a", "--threads", "4", expect=0)
    warning = ("warning: --threads 4 is capped to 1 on sqlite: it allows one writer at a time, "
               "so nodes run one after another\n"
               "  hint: more threads help on PostgreSQL; 'xform compile' uses every core anyway\n")
    if w.kind == "sqlite":
        assert warning in r.err, r.err
        assert "Concurrency: 1 thread" in r.out
    else:
        assert "capped" not in r.err, r.err
        assert "Concurrency: 1 thread" in r.out  # one node selected: one worker is enough


def test_unknown_target_is_an_error_even_without_a_profile(wh):
    w = wh("scheduler")
    before = state(w)
    for name, close in (("prod", None), ("dve", "dev"), ("pgg", "pg")):
        r = w.xform("run", "--target", name, expect=2)
        if w.kind == "sqlite":
            want = (f"error: target '{name}' (from --target) is not defined: no profiles.yml "
                    "was found (project folder, ~/.xform, ~/.dbt, $DBT_PROFILES_DIR), and the "
                    "embedded SQLite default has only the target 'dev'"
                    + (" (did you mean 'dev'?)" if name == "dve" else "") + "\n"
                    f"  hint: add a '{name}' output to the project's profile in a profiles.yml "
                    "(the project folder, ~/.dbt or --profiles-dir), or leave out --target\n")
            assert want in r.err, r.err
        else:
            assert f"target '{name}' is not defined in profile 'scheduler'" + (
                " (did you mean 'pg'?)" if close == "pg" else "") in r.err, r.err
        assert "1 error: nothing was run" in r.err
    assert state(w) == before, "a wrong --target changed the warehouse"


# ------------------------------------------------------ database errors

def test_database_error_shows_the_sql_line_and_the_model_line(wh):
    w = wh("scheduler")
    w.xform("run", "-s", "a", expect=0)
    w.p.write("models/bad.sql", "select\n  id,\n  {{ 'id' ~ '_y' }} as c\nfrom {{ ref('a') }}\n"
              "where 1 = 1\n")
    r = w.xform("run", "-s", "bad", expect=1)
    first = ("no such column: id_y (line 3, column 3)" if w.kind == "sqlite"
             else 'column "id_y" does not exist (line 3, column 3) (hint: Perhaps you meant to '
             'reference the column "a.id".)')
    text = lines(r.out)
    i = text.index("Error in model bad (models/bad.sql)")
    assert text[i + 1:i + 5] == [
        "  " + first,
        "   3 |   id_y as c",
        "     |   ^~~~",
        "   at models/bad.sql:3 in the model's source (rendered from Jinja there)"], r.out


def test_syntax_error_caret_on_the_token(wh):
    w = wh("scheduler")
    w.xform("run", "-s", "a", expect=0)
    w.p.write("models/bad.sql", "select id\nfrom {{ ref('a') }}\nwhere id = = 1\n")
    r = w.xform("run", "-s", "bad", expect=1)
    first = ('near "=": syntax error (line 3, column 12)' if w.kind == "sqlite"
             else 'syntax error at or near "=" (line 3, column 12)')
    text = lines(r.out)
    i = text.index("Error in model bad (models/bad.sql)")
    assert text[i + 1:i + 5] == [
        "  " + first,
        "   3 | where id = = 1",
        "     |            ^",
        "   at models/bad.sql:3:12 in the model's source"], r.out


# ---------------------------------------------------------- did you mean

def test_did_you_mean_a_generic_test(wh):
    w = wh("scheduler")
    w.p.edit("models/schema.yml", "relationships:", "relationship:")
    r = w.xform("build", expect=2)
    assert "error: unknown test 'relationship': no {% test relationship %} macro was found " \
           "(did you mean 'relationships'?)" in r.err, r.err


def test_did_you_mean_a_materialization(wh):
    w = wh("scheduler")
    before = state(w)
    w.p.write("models/m1.sql", "{{ config(materialized='tabel') }}\nselect 1 as x\n")
    r = w.xform("run", expect=2)
    assert ("models/m1.sql:1:25: error: unknown materialization 'tabel' for model 'm1' "
            "(did you mean 'table'?)\n"
            " 1 | {{ config(materialized='tabel') }}\n"
            "   |                         ^~~~~\n"
            "  hint: xform builds view, table, incremental and ephemeral models; another name "
            "needs a {% materialization tabel, default %} block in macros/\n") in r.err, r.err
    assert state(w) == before


def test_a_custom_materialization_block_is_not_unknown(wh):
    """The block runs (tests/e2e/test_custom_materialization.py builds with
    them): one that runs no statement and returns no relation succeeds."""
    w = wh("scheduler")
    w.p.write("macros/mm.sql", "{% materialization mymat, default %}\n"
              "{{ return({'relations': []}) }}\n{% endmaterialization %}\n")
    w.p.write("models/m1.sql", "{{ config(materialized='mymat') }}\nselect 1 as x\n")
    r = w.xform("run", "-s", "m1", expect=0)
    assert any(x.startswith("1 of 1 OK created sql mymat model ") and "[OK in " in x
               for x in lines(r.out)), r.out


def test_did_you_mean_a_selected_name(wh):
    w = wh("scheduler")
    r = w.xform("run", "-s", "x_onyl", expect=0)
    assert "warning: the selection criterion 'x_onyl' does not match any enabled nodes " \
           "(did you mean 'x_only'?)" in r.err, r.err
    r = w.xform("run", "-s", "tagg:x", expect=2)
    assert "error: unknown selector method 'tagg' in 'tagg:x' (did you mean 'tag'?)" in r.err


def test_did_you_mean_a_flag_and_a_config_key(wh):
    w = wh("scheduler")
    r = w.xform("run", "--thread", "2", expect=2)
    assert "error: unknown option '--thread' (did you mean '--threads'?)" in r.err, r.err
    w.p.write("models/m1.sql", "{{ config(materialzed='view', my_custom=1) }}\nselect 1 as x\n")
    w.p.write("models/m1.yml", "version: 2\nmodels:\n  - name: m1\n    config:\n"
              "      uniqe_key: x\n      owner_team: y\n")
    r = w.xform("run", "-s", "m1", expect=0)
    assert ("models/m1.sql:1:4: warning: unknown config 'materialzed' (did you mean "
            "'materialized'?): kept as a custom config, which xform does not act on") in r.err, r.err
    assert ("models/m1.yml:5:7: warning: unknown config 'uniqe_key' (did you mean 'unique_key'?): "
            "kept as a custom config, which xform does not act on") in r.err, r.err
    # custom configs far from any known key are dbt's custom configs: no word
    assert "config 'my_custom'" not in r.err and "config 'owner_team'" not in r.err
    assert "m1" in w.relations()


# ------------------------------------------------------- getting started

def test_init_writes_a_dbt_project_that_builds_and_a_gitignore_for_what_xform_writes(wh):
    import shutil
    import subprocess

    from conftest import Project, run_xform
    from warehouse import Warehouse
    w0 = wh("scheduler")  # for this test's warehouse kind and server
    r = run_xform(["init", "starter"], cwd=w0.p.cwd, home=w0.p.home, expect=0)
    assert "Created project 'starter'. Next:\n  cd starter\n  xform build\n" in r.out
    root = w0.p.cwd / "starter"
    assert (root / "dbt_project.yml").is_file() and not (root / "xform_project.yml").exists()
    assert (root / ".gitignore").read_text() == (
        "target/\ndbt_packages/\nlogs/\n*.db\n*.db-wal\n*.db-shm\n*.db-journal\n")
    w = Warehouse(Project(root, w0.p.home, w0.p.cwd), w0.kind, w0.pg)
    try:
        if shutil.which("git"):
            subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        r = w.xform("build", expect=0)
        assert r.summary() == {"PASS": 4, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 4}
        assert w.rows("select id from my_first_model order by id") == [(1,), (2,)]
        assert w.rows("select id from my_second_model") == [(1,)]
        w.xform("docs", "generate", expect=0)
        if shutil.which("git"):
            # what xform wrote is ignored: only the project's own files are new
            st = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                                cwd=root, check=True, capture_output=True, text=True).stdout
            new = sorted(x[3:] for x in st.splitlines())
            extra = ["profiles.yml"] if w.kind == "postgres" else []
            assert new == sorted([".gitignore", "dbt_project.yml", "macros/.gitkeep",
                                  "models/example/my_first_model.sql",
                                  "models/example/my_second_model.sql",
                                  "models/example/schema.yml", "seeds/.gitkeep",
                                  "snapshots/.gitkeep", "tests/.gitkeep"] + extra), st
    finally:
        w.drop()


def test_xform_project_yml_wins_over_dbt_project_yml(wh):
    w = wh("scheduler")
    w.p.write("xform_project.yml", w.p.read("dbt_project.yml").replace(
        "+materialized: table", "+materialized: view"))
    w.xform("run", "-s", "a", expect=0)
    if w.kind == "sqlite":
        assert w.p.relation_kind("a") == "view"
    else:
        assert w.scalar("select c.relkind from pg_class c join pg_namespace s on "
                        f"s.oid = c.relnamespace where s.nspname = '{w.schema}' "
                        "and c.relname = 'a'") == "v"


def test_did_you_mean_a_tag_a_source_and_a_package(wh):
    w = wh("lifecycle")
    r = w.xform("ls", "-s", "tag:slw", "source:rw", "package:lifecycl", expect=0)
    for crit, close in (("tag:slw", "slow"), ("source:rw", "raw"), ("package:lifecycl",
                                                                    "lifecycle")):
        assert (f"warning: the selection criterion '{crit}' does not match any enabled nodes "
                f"(did you mean '{close}'?)") in r.err, r.err
