# SPDX-License-Identifier: MIT
"""The scheduler of `build` on SQLite and PostgreSQL from the same code
(fixtures/scheduler): a data test that depends on several models runs
after all of them and holds back only what is built from all of them, it
never deadlocks (each run has a subprocess timeout), its failure skips
exactly that; the watchdog turns a wait that can never end into an error;
SIGTERM and SIGHUP cancel a run as Ctrl-C does. Every check reads
run_results.json and the tables back."""

import signal
import time

import pytest

from conftest import run_xform
from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import state

T_AB = "relationships_a_id__id__ref_b_"
T_XY = "relationships_x_id__id__ref_y_"
T_ZW = "relationships_z_id__id__ref_w_"
TIMEOUT = 90  # a deadlocked build would wait forever: fail instead


def build(w, *args, expect, env=None):
    extra = ["--profiles-dir", str(w.p.dir)] if w.kind == "postgres" else []
    return run_xform(["build", "--project-dir", str(w.p.dir), *extra, *args], cwd=w.p.cwd,
                     home=w.p.home, env=env, expect=expect, timeout=TIMEOUT)


def results(w):
    """[(name, status, failures)] in the order the nodes finished."""
    rr = w.p.json("target/run_results.json")
    return [(x["unique_id"].split(".")[2], x["status"], x["failures"]) for x in rr["results"]]


def position(res, name):
    return [n for n, _, _ in res].index(name)


@pytest.mark.parametrize("threads", [[], ["--threads", "4"]], ids=["default", "threads4"])
def test_test_on_a_against_b_built_from_a_runs_last(wh, threads):
    w = wh("scheduler")
    r = build(w, "-s", "a", "b", *threads, expect=0)
    assert r.summary() == {"PASS": 3, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 3}
    res = results(w)
    assert sorted(res) == [("a", "success", None), ("b", "success", None), (T_AB, "pass", 0)]
    assert position(res, T_AB) == 2, res
    assert w.rows("select id from a") == [(1,)]
    assert w.rows("select id from b") == [(1,)]


def test_test_of_two_models_holds_back_only_what_reads_both(wh):
    w = wh("scheduler")
    r = build(w, "--threads", "4", expect=0)
    assert r.summary() == {"PASS": 10, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 10}
    res = results(w)
    assert sorted(res) == sorted([
        ("a", "success", None), ("b", "success", None), ("x", "success", None),
        ("y", "success", None), ("x_only", "success", None), ("z", "success", None),
        ("w", "success", None), (T_AB, "pass", 0), (T_XY, "pass", 0), (T_ZW, "pass", 0)])
    for first, then in (("x", T_XY), ("y", T_XY), (T_XY, "z"), ("z", "w"), ("w", T_ZW),
                        ("b", T_AB)):
        assert position(res, first) < position(res, then), (first, then, res)
    assert w.rows("select id from z order by id") == [(1,), (2,), (3,)]
    assert w.rows("select id from w order by id") == [(1,), (2,), (3,)]
    assert w.rows("select id from x_only order by id") == [(10,), (20,), (30,)]


def test_failing_test_of_two_models_skips_the_chain_below_both(wh):
    w = wh("scheduler")
    r = build(w, "--threads", "4", "--vars", "{y_drops: 3}", expect=1)
    assert r.summary() == {"PASS": 6, "WARN": 0, "ERROR": 1, "SKIP": 3, "TOTAL": 10}
    assert sorted(results(w)) == sorted([
        ("a", "success", None), ("b", "success", None), ("x", "success", None),
        ("y", "success", None), ("x_only", "success", None), (T_AB, "pass", 0),
        (T_XY, "fail", 1), ("z", "skipped", None), ("w", "skipped", None),
        (T_ZW, "skipped", None)])
    assert w.rows("select id from y order by id") == [(1,), (2,)]
    # a child of x alone did not wait for the test of x against y
    assert w.rows("select id from x_only order by id") == [(10,), (20,), (30,)]
    rels = w.relations()
    assert "z" not in rels and "w" not in rels, rels


def test_watchdog_reports_nodes_that_can_never_start(wh):
    w = wh("scheduler")
    # the hook gives b a wait that nothing releases: the build must end, not hang
    r = build(w, "-s", "a", "b", expect=1, env={"XF_FAULT_SCHED_WAIT": "b"})
    assert ("error: internal error: 2 nodes can never start, none is running: "
            "model.scheduler.b (waits for 1), test.scheduler." + T_AB) in r.err
    assert ("hint: this is a bug in xform's scheduler: please report it with the project's "
            "models and tests") in r.err
    assert sorted(results(w)) == [("a", "success", None), ("b", "error", None),
                                  (T_AB, "error", None)]
    rr = w.p.json("target/run_results.json")
    assert {x["message"] for x in rr["results"] if x["status"] == "error"} == {
        "internal error: the scheduler could never start this node"}
    assert r.summary()["ERROR"] == 2
    assert w.rows("select id from a") == [(1,)]
    assert "b" not in w.relations()


def wait_for_start(proc, name):
    """Reads the run's output until the START line of `name`."""
    deadline = time.time() + TIMEOUT
    seen = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if " START " in line and f".{name} " in line:
            return
    proc.kill()
    raise AssertionError(f"{name} never started:\n" + "".join(seen))


@pytest.mark.parametrize("sig,code,said", [(signal.SIGTERM, 143, "interrupted by SIGTERM"),
                                           (signal.SIGHUP, 129, "interrupted by SIGHUP")])
def test_termination_signals_cancel_and_roll_back(wh, sig, code, said):
    w = wh("lifecycle")
    w.xform("seed", expect=0)
    w.xform("run", "-s", "slow", "--vars", "{n: 1000}", expect=0)
    before = state(w)
    proc = w.popen("run", "-s", "slow", "--vars", "{n: 30000000}")
    wait_for_start(proc, "slow")
    time.sleep(0.5)
    assert proc.poll() is None, "the rebuild finished before the signal"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code, (out, err)
    assert f"{said}: cancelling running queries (a second signal quits at once)" in err
    assert w.scalar("select count(*) from slow") == 1000
    assert state(w) == before, "a cancelled run changed the warehouse"
