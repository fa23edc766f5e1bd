# SPDX-License-Identifier: MIT
"""The 20 data tests of jaffle_shop through `xform test` and `xform build`:
all pass on good data; a bad status makes the accepted_values tests fail
(exit 1) and, under build, skips what depends on the failing model."""

import pytest


@pytest.mark.feature("data_tests")
def test_all_tests_pass(jaffle_built):
    r = jaffle_built.xform("test", expect=0)
    assert r.summary() == {"PASS": 20, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 20}
    rr = jaffle_built.json("target/run_results.json")
    assert len(rr["results"]) == 20
    assert {x["status"] for x in rr["results"]} == {"pass"}
    assert all(x["failures"] == 0 for x in rr["results"])


@pytest.mark.feature("data_tests")
def test_build_runs_seeds_models_and_tests(jaffle):
    r = jaffle.xform("build", expect=0)
    assert r.summary() == {"PASS": 28, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 28}
    assert jaffle.scalar("select count(*) from orders") == 99


def break_a_status(p):
    lines = p.read("seeds/raw_orders.csv").splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.endswith(",completed"))
    lines[i] = lines[i][: -len("completed")] + "lost"
    p.write("seeds/raw_orders.csv", "\n".join(lines) + "\n")


@pytest.mark.feature("data_tests")
def test_failing_tests_exit_1(jaffle):
    break_a_status(jaffle)
    jaffle.xform("seed", expect=0)
    jaffle.xform("run", expect=0)
    r = jaffle.xform("test", expect=1)
    assert r.summary() == {"PASS": 18, "WARN": 0, "ERROR": 2, "SKIP": 0, "TOTAL": 20}
    rr = jaffle.json("target/run_results.json")
    failed = {x["unique_id"].split(".")[2]: x for x in rr["results"] if x["status"] == "fail"}
    assert set(failed) == {
        "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
        "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned",
    }
    assert all(x["failures"] == 1 for x in failed.values())


@pytest.mark.feature("data_tests.build_order")
def test_build_skips_what_follows_a_failing_test(jaffle):
    break_a_status(jaffle)
    r = jaffle.xform("build", "--threads", "1", expect=1)
    assert r.summary() == {"PASS": 13, "WARN": 0, "ERROR": 1, "SKIP": 14, "TOTAL": 28}
    rels = jaffle.relations()
    assert "stg_orders" in rels
    assert "customers" not in rels and "orders" not in rels
